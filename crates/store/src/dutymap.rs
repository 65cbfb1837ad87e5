//! The supervision catalogue (监管事项目录, keyed by the 14-digit 监管事项目录编码) and the
//! duty map (附件2 第1项): responsible departments per supervision item; gaps, overlaps
//! and disputes with 区委编办's resolution flow; every change of an item's assignments
//! kept with its before and after.
//!
//! The catalogue is its own table rather than the registry's `items`: those are the
//! approval-side lists (许可、备案、初审、取消审批), each with an approving department and
//! codes of the district's own, whereas the supervision catalogue is the national
//! 互联网+监管 list whose items often have no approval at all (对价格行为的监督检查 …).
//! The two meet through `items.catalogue_code`: [`DutyMapStore::sup_item_licences`]
//! lists the approval items that point at a catalogue item.

use crate::model::Timestamp;
use async_trait::async_trait;
use jianguan_domain::catalog::CatalogueInput;
use jianguan_domain::dutymap::{DutyRole, IssueAction, IssueKind, IssueStatus};
use serde::{Deserialize, Serialize};

/// A department's duty for an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub department_id: i64,
    pub department: String,
    pub role: DutyRole,
    /// 职责依据 (三定规定、法律法规 …).
    pub basis: String,
    pub assigned_at: Timestamp,
}

/// An item of the supervision catalogue with its duty assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupItem {
    pub id: i64,
    #[serde(flatten)]
    pub input: CatalogueInput,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SupItemFilter {
    /// Substring of the name or code.
    pub q: Option<String>,
    /// Items this department holds a duty for.
    pub department_id: Option<i64>,
    pub active_only: bool,
}

/// An approval-side item (registry) that points at a catalogue item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedItem {
    pub id: i64,
    pub list_kind: String,
    pub code: String,
    pub name: String,
}

/// One department's duty as set by a resolution or an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub department_id: i64,
    pub role: DutyRole,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyChange {
    pub at: Timestamp,
    pub actor: String,
    pub issue_id: Option<i64>,
    /// JSON lists of `{department_id, role, basis}`.
    pub before: String,
    pub after: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyIssue {
    pub id: i64,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub kind: IssueKind,
    pub status: IssueStatus,
    /// `None` when the system found the problem in the assignments.
    pub raised_by_department_id: Option<i64>,
    pub raised_by_department: Option<String>,
    /// Departments concerned.
    pub departments: Vec<i64>,
    pub description: String,
    pub resolution: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEvent {
    pub at: Timestamp,
    pub actor: String,
    pub department_id: Option<i64>,
    pub action: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IssueFilter {
    pub status: Option<IssueStatus>,
    pub kind: Option<IssueKind>,
    /// Issues raised by, or concerning, this department.
    pub department_id: Option<i64>,
    pub item_id: Option<i64>,
    pub open_only: bool,
}

/// A department raising a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIssue {
    pub item_id: i64,
    pub kind: IssueKind,
    pub department_id: i64,
    /// Other departments concerned.
    pub departments: Vec<i64>,
    pub description: String,
}

/// What the periodic scan of the map did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOutcome {
    /// Issues opened for newly found gaps and overlaps.
    pub opened: Vec<DutyIssue>,
    pub gaps: i64,
    pub overlaps: i64,
}

#[async_trait]
pub trait DutyMapStore: Send + Sync {
    // --- the supervision catalogue -------------------------------------------------------
    async fn sup_item_create(&self, actor: &crate::Actor, input: &CatalogueInput) -> crate::Result<SupItem>;
    async fn sup_item_update(
        &self,
        actor: &crate::Actor,
        id: i64,
        input: &CatalogueInput,
        expected_version: i64,
    ) -> crate::Result<SupItem>;
    async fn sup_item_get(&self, id: i64) -> crate::Result<SupItem>;
    async fn sup_item_by_code(&self, code: &str) -> crate::Result<Option<SupItem>>;
    async fn sup_items(&self, filter: &SupItemFilter) -> crate::Result<Vec<SupItem>>;
    /// Registry items whose `catalogue_code` is this item's code.
    async fn sup_item_licences(&self, id: i64) -> crate::Result<Vec<LinkedItem>>;

    // --- assignments -----------------------------------------------------------------------
    /// Records an item's assignments as they stand (区委编办, from 三定规定 and the like),
    /// keeping the change in the history. Gaps and overlaps may be recorded: the scan
    /// reports them and a resolution settles them.
    async fn duty_set(
        &self,
        actor: &crate::Actor,
        item_id: i64,
        assignments: &[AssignmentInput],
        note: &str,
    ) -> crate::Result<SupItem>;
    async fn duty_history(&self, item_id: i64) -> crate::Result<Vec<DutyChange>>;

    // --- issues ----------------------------------------------------------------------------
    async fn duty_issue_raise(&self, actor: &crate::Actor, issue: &NewIssue) -> crate::Result<DutyIssue>;
    async fn duty_issue_get(&self, id: i64) -> crate::Result<DutyIssue>;
    async fn duty_issues(&self, filter: &IssueFilter) -> crate::Result<Vec<DutyIssue>>;
    async fn duty_issue_events(&self, id: i64) -> crate::Result<Vec<IssueEvent>>;
    /// 区委编办 accepts or rejects an issue (`assignments` is ignored).
    /// `Resolve` replaces the item's assignments with `assignments` (one lead) in the
    /// same transaction, closing every other open issue of the item it settles.
    async fn duty_issue_act(
        &self,
        actor: &crate::Actor,
        id: i64,
        action: IssueAction,
        note: &str,
        assignments: &[AssignmentInput],
    ) -> crate::Result<DutyIssue>;
    /// Finds gaps and overlaps in the active catalogue and opens one issue for each
    /// not already open (idempotent).
    async fn duty_scan(&self, actor: &crate::Actor) -> crate::Result<ScanOutcome>;
}

/// Implements [`DutyMapStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_dutymap_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod dutymap_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::dutymap::*;
            use $crate::fairness::check_text;
            use $crate::{Result, StoreError};
            use jianguan_domain::catalog::{self as cat, CatalogueInput};
            use jianguan_domain::dutymap::{self as dm, DutyRole, IssueAction, IssueKind, IssueStatus};

            type Conn = <$DB as sqlx::Database>::Connection;

            fn item_row(r: &$Row) -> Result<SupItem> {
                Ok(SupItem {
                    id: r.try_get("id")?,
                    input: CatalogueInput {
                        code: r.try_get("code")?,
                        name: r.try_get("name")?,
                        sub_name: r.try_get("sub_name")?,
                        basis: r.try_get("basis")?,
                        sector: r.try_get("sector")?,
                        active: r.try_get("active")?,
                    },
                    version: r.try_get("version")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    assignments: Vec::new(),
                })
            }

            fn issue_row(r: &$Row) -> Result<DutyIssue> {
                let kind: String = r.try_get("kind")?;
                let status: String = r.try_get("status")?;
                Ok(DutyIssue {
                    id: r.try_get("id")?,
                    item_id: r.try_get("item_id")?,
                    item_code: r.try_get("item_code")?,
                    item_name: r.try_get("item_name")?,
                    kind: IssueKind::from_code(&kind).ok_or_else(|| StoreError::Invalid(format!("问题类型“{kind}”无法识别")))?,
                    status: IssueStatus::from_code(&status).ok_or_else(|| StoreError::Invalid(format!("问题状态“{status}”无法识别")))?,
                    raised_by_department_id: r.try_get("raised_by_department_id")?,
                    raised_by_department: r.try_get("raised_by_department")?,
                    departments: serde_json::from_str(&r.try_get::<String, _>("departments")?).unwrap_or_default(),
                    description: r.try_get("description")?,
                    resolution: r.try_get("resolution")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    closed_at: r.try_get("closed_at")?,
                })
            }

            const ISSUE_SELECT: &str = "SELECT i.*, s.code AS item_code, s.name AS item_name, d.name AS raised_by_department \
                FROM duty_issues i JOIN sup_items s ON s.id = i.item_id LEFT JOIN departments d ON d.id = i.raised_by_department_id";

            fn normalise(i: &CatalogueInput) -> CatalogueInput {
                CatalogueInput {
                    code: i.code.trim().to_string(),
                    name: i.name.trim().to_string(),
                    sub_name: i.sub_name.trim().to_string(),
                    basis: i.basis.trim().to_string(),
                    sector: i.sector.trim().to_string(),
                    active: i.active,
                }
            }

            fn assignments_json(a: &[Assignment]) -> String {
                serde_json::to_string(
                    &a.iter().map(|a| serde_json::json!({ "department_id": a.department_id, "role": a.role.code(), "basis": a.basis })).collect::<Vec<_>>(),
                )
                .expect("json")
            }

            impl $Store {
                pub(crate) async fn sup_item_conn(conn: &mut Conn, id: i64) -> Result<SupItem> {
                    let r = sqlx::query("SELECT * FROM sup_items WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("监管事项 {id} 不存在")))?;
                    let mut item = item_row(&r)?;
                    item.assignments = Self::dm_assignments(conn, id).await?;
                    Ok(item)
                }

                async fn dm_assignments(conn: &mut Conn, id: i64) -> Result<Vec<Assignment>> {
                    let rows = sqlx::query(
                        "SELECT a.*, d.name AS department FROM duty_assignments a JOIN departments d ON d.id = a.department_id \
                         WHERE a.item_id = $1 ORDER BY CASE a.role WHEN 'lead' THEN 0 ELSE 1 END, a.department_id",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let role: String = r.try_get("role")?;
                            Ok(Assignment {
                                department_id: r.try_get("department_id")?,
                                department: r.try_get("department")?,
                                role: DutyRole::from_code(&role).ok_or_else(|| StoreError::Invalid(format!("职责角色“{role}”无法识别")))?,
                                basis: r.try_get("basis")?,
                                assigned_at: r.try_get("assigned_at")?,
                            })
                        })
                        .collect()
                }

                async fn dm_issue_conn(conn: &mut Conn, id: i64) -> Result<DutyIssue> {
                    let r = sqlx::query(&format!("{ISSUE_SELECT} WHERE i.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("职责问题 {id} 不存在")))?;
                    issue_row(&r)
                }

                async fn dm_check_departments(conn: &mut Conn, ids: &[i64]) -> Result<()> {
                    for d in ids {
                        let r = sqlx::query("SELECT name, kind, active FROM departments WHERE id = $1").bind(d).fetch_optional(&mut *conn).await?;
                        match r {
                            Some(r) if r.try_get::<String, _>("kind")? == "department" && r.try_get::<bool, _>("active")? => {}
                            Some(r) => {
                                return Err(StoreError::Invalid(format!("“{}”不是在用的部门(部门组须展开为具体部门)", r.try_get::<String, _>("name")?)))
                            }
                            None => return Err(StoreError::Invalid(format!("部门 {d} 不存在"))),
                        }
                    }
                    Ok(())
                }

                async fn dm_event(conn: &mut Conn, actor: &Actor, issue: i64, action: &str, note: &str) -> Result<()> {
                    sqlx::query("INSERT INTO duty_issue_events (issue_id, at, actor, department_id, action, note) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(issue)
                        .bind(now())
                        .bind(&actor.name)
                        .bind(actor.department_id)
                        .bind(action)
                        .bind(note)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                }

                /// Replaces the assignments of an item and writes the history row.
                async fn dm_replace(conn: &mut Conn, actor: &Actor, item_id: i64, a: &[AssignmentInput], issue: Option<i64>, note: &str) -> Result<()> {
                    let before = Self::dm_assignments(conn, item_id).await?;
                    sqlx::query("DELETE FROM duty_assignments WHERE item_id = $1").bind(item_id).execute(&mut *conn).await?;
                    let t = now();
                    for x in a {
                        let kept = before.iter().find(|b| b.department_id == x.department_id && b.role == x.role).map(|b| b.assigned_at);
                        sqlx::query("INSERT INTO duty_assignments (item_id, department_id, role, basis, assigned_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(item_id)
                            .bind(x.department_id)
                            .bind(x.role.code())
                            .bind(x.basis.trim())
                            .bind(kept.unwrap_or(t))
                            .execute(&mut *conn)
                            .await?;
                    }
                    let after = Self::dm_assignments(conn, item_id).await?;
                    sqlx::query(
                        "INSERT INTO duty_history (item_id, at, actor, issue_id, assignments_before, assignments_after, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(item_id)
                    .bind(t)
                    .bind(&actor.name)
                    .bind(issue)
                    .bind(assignments_json(&before))
                    .bind(assignments_json(&after))
                    .bind(note.trim())
                    .execute(&mut *conn)
                    .await?;
                    Ok(())
                }
            }

            /// Any recorded division: one role per department (it may show a gap or an
            /// overlap, which the scan then reports).
            fn check_assignments(a: &[AssignmentInput]) -> Result<()> {
                let mut seen = std::collections::BTreeSet::new();
                for x in a {
                    check_text("职责依据", &x.basis, 1000, false)?;
                    if !seen.insert(x.department_id) {
                        return Err(StoreError::Invalid("同一部门只能有一种职责角色".into()));
                    }
                }
                Ok(())
            }

            /// A resolution: exactly one lead department.
            fn check_resolution(a: &[AssignmentInput]) -> Result<()> {
                check_assignments(a)?;
                let pairs: Vec<(i64, DutyRole)> = a.iter().map(|x| (x.department_id, x.role)).collect();
                dm::check_resolution(&pairs).map_err(StoreError::Invalid)
            }

            #[async_trait::async_trait]
            impl $crate::dutymap::DutyMapStore for $Store {
                async fn sup_item_create(&self, actor: &Actor, input: &CatalogueInput) -> Result<SupItem> {
                    let i = normalise(input);
                    cat::check_item(&i).map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sup_items WHERE code = $1").bind(&i.code).fetch_one(&mut *tx).await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("监管事项目录编码“{}”已存在", i.code)));
                    }
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO sup_items (code, name, sub_name, basis, sector, active, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
                    )
                    .bind(&i.code)
                    .bind(&i.name)
                    .bind(&i.sub_name)
                    .bind(&i.basis)
                    .bind(&i.sector)
                    .bind(i.active)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("INSERT INTO sup_item_history (item_id, version, at, actor, snapshot) VALUES ($1, 1, $2, $3, $4)")
                        .bind(id)
                        .bind(t)
                        .bind(&actor.name)
                        .bind(serde_json::to_string(&i).expect("json"))
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("catalogue.create", format!("sup_item:{id}"), serde_json::json!({ "code": i.code })))
                        .await?;
                    let out = Self::sup_item_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn sup_item_update(&self, actor: &Actor, id: i64, input: &CatalogueInput, expected_version: i64) -> Result<SupItem> {
                    let i = normalise(input);
                    cat::check_item(&i).map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    let old = Self::sup_item_conn(&mut tx, id).await?;
                    if old.version != expected_version {
                        return Err(StoreError::Conflict(format!("监管事项“{}”已被他人修改(当前为第 {} 版),请刷新后重新编辑", old.input.name, old.version)));
                    }
                    if old.input == i {
                        return Ok(old);
                    }
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sup_items WHERE code = $1 AND id <> $2").bind(&i.code).bind(id).fetch_one(&mut *tx).await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("监管事项目录编码“{}”已被其他事项使用", i.code)));
                    }
                    let t = now();
                    let version = old.version + 1;
                    sqlx::query("UPDATE sup_items SET code = $1, name = $2, sub_name = $3, basis = $4, sector = $5, active = $6, version = $7, updated_at = $8 WHERE id = $9")
                        .bind(&i.code)
                        .bind(&i.name)
                        .bind(&i.sub_name)
                        .bind(&i.basis)
                        .bind(&i.sector)
                        .bind(i.active)
                        .bind(version)
                        .bind(t)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO sup_item_history (item_id, version, at, actor, snapshot) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(version)
                        .bind(t)
                        .bind(&actor.name)
                        .bind(serde_json::to_string(&i).expect("json"))
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("catalogue.update", format!("sup_item:{id}"), serde_json::json!({ "code": i.code, "version": version })))
                        .await?;
                    let out = Self::sup_item_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn sup_item_get(&self, id: i64) -> Result<SupItem> {
                    let mut c = self.read().acquire().await?;
                    Self::sup_item_conn(&mut c, id).await
                }

                async fn sup_item_by_code(&self, code: &str) -> Result<Option<SupItem>> {
                    let mut c = self.read().acquire().await?;
                    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM sup_items WHERE code = $1").bind(code.trim()).fetch_optional(&mut *c).await?;
                    match id {
                        Some(id) => Ok(Some(Self::sup_item_conn(&mut c, id).await?)),
                        None => Ok(None),
                    }
                }

                async fn sup_items(&self, f: &SupItemFilter) -> Result<Vec<SupItem>> {
                    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| format!("%{}%", $crate::registry::like_escape(q)));
                    let rows = sqlx::query(
                        "SELECT * FROM sup_items s WHERE ($1 IS NULL OR s.name LIKE $1 ESCAPE '\\' OR s.code LIKE $1 ESCAPE '\\' OR s.sub_name LIKE $1 ESCAPE '\\') \
                         AND ($2 IS NULL OR EXISTS (SELECT 1 FROM duty_assignments a WHERE a.item_id = s.id AND a.department_id = $2)) \
                         AND ($3 = FALSE OR s.active = TRUE) ORDER BY s.code",
                    )
                    .bind(&q)
                    .bind(f.department_id)
                    .bind(f.active_only)
                    .fetch_all(self.read())
                    .await?;
                    let mut items: Vec<SupItem> = rows.iter().map(item_row).collect::<Result<_>>()?;
                    // All assignments in one query, attached in memory.
                    let all = sqlx::query(
                        "SELECT a.*, d.name AS department FROM duty_assignments a JOIN departments d ON d.id = a.department_id \
                         ORDER BY a.item_id, CASE a.role WHEN 'lead' THEN 0 ELSE 1 END, a.department_id",
                    )
                    .fetch_all(self.read())
                    .await?;
                    let mut by_item: std::collections::HashMap<i64, Vec<Assignment>> = std::collections::HashMap::new();
                    for r in &all {
                        let role: String = r.try_get("role")?;
                        by_item.entry(r.try_get("item_id")?).or_default().push(Assignment {
                            department_id: r.try_get("department_id")?,
                            department: r.try_get("department")?,
                            role: DutyRole::from_code(&role).ok_or_else(|| StoreError::Invalid(format!("职责角色“{role}”无法识别")))?,
                            basis: r.try_get("basis")?,
                            assigned_at: r.try_get("assigned_at")?,
                        });
                    }
                    for i in &mut items {
                        i.assignments = by_item.remove(&i.id).unwrap_or_default();
                    }
                    Ok(items)
                }

                async fn sup_item_licences(&self, id: i64) -> Result<Vec<LinkedItem>> {
                    let rows = sqlx::query(
                        "SELECT i.id, i.list_kind, i.code, i.name FROM items i JOIN sup_items s ON s.code = i.catalogue_code WHERE s.id = $1 ORDER BY i.code",
                    )
                    .bind(id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| Ok(LinkedItem { id: r.try_get("id")?, list_kind: r.try_get("list_kind")?, code: r.try_get("code")?, name: r.try_get("name")? }))
                        .collect()
                }

                async fn duty_set(&self, actor: &Actor, item_id: i64, assignments: &[AssignmentInput], note: &str) -> Result<SupItem> {
                    check_assignments(assignments)?;
                    check_text("调整说明", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    Self::sup_item_conn(&mut tx, item_id).await?;
                    let ids: Vec<i64> = assignments.iter().map(|a| a.department_id).collect();
                    Self::dm_check_departments(&mut tx, &ids).await?;
                    Self::dm_replace(&mut tx, actor, item_id, assignments, None, note).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "dutymap.set",
                            format!("sup_item:{item_id}"),
                            serde_json::json!({ "assignments": assignments.iter().map(|a| (a.department_id, a.role.code())).collect::<Vec<_>>() }),
                        ),
                    )
                    .await?;
                    let out = Self::sup_item_conn(&mut tx, item_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn duty_history(&self, item_id: i64) -> Result<Vec<DutyChange>> {
                    let rows = sqlx::query("SELECT * FROM duty_history WHERE item_id = $1 ORDER BY id").bind(item_id).fetch_all(self.read()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(DutyChange {
                                at: r.try_get("at")?,
                                actor: r.try_get("actor")?,
                                issue_id: r.try_get("issue_id")?,
                                before: r.try_get("assignments_before")?,
                                after: r.try_get("assignments_after")?,
                                note: r.try_get("note")?,
                            })
                        })
                        .collect()
                }

                async fn duty_issue_raise(&self, actor: &Actor, n: &NewIssue) -> Result<DutyIssue> {
                    check_text("问题描述", &n.description, 5000, true)?;
                    let mut others = n.departments.clone();
                    others.retain(|d| *d != n.department_id);
                    others.sort_unstable();
                    others.dedup();
                    let mut tx = self.begin_write().await?;
                    let item = Self::sup_item_conn(&mut tx, n.item_id).await?;
                    Self::dm_check_departments(&mut tx, &others).await?;
                    let open: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM duty_issues WHERE item_id = $1 AND kind = $2 AND raised_by_department_id = $3 AND status IN ('open', 'accepted')",
                    )
                    .bind(n.item_id)
                    .bind(n.kind.code())
                    .bind(n.department_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if open > 0 {
                        return Err(StoreError::Conflict(format!("本部门已就“{}”提出过{}问题,尚在处理中", item.input.name, n.kind.label())));
                    }
                    let mut concerned = vec![n.department_id];
                    concerned.extend(&others);
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO duty_issues (item_id, kind, status, raised_by_department_id, departments, description, resolution, created_by, created_at, updated_at) \
                         VALUES ($1, $2, 'open', $3, $4, $5, '', $6, $7, $7) RETURNING id",
                    )
                    .bind(n.item_id)
                    .bind(n.kind.code())
                    .bind(n.department_id)
                    .bind(serde_json::to_string(&concerned).expect("json"))
                    .bind(n.description.trim())
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    Self::dm_event(&mut tx, actor, id, "raise", n.description.trim()).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("dutymap.issue_raise", format!("duty_issue:{id}"), serde_json::json!({ "item_id": n.item_id, "kind": n.kind.code(), "departments": concerned })),
                    )
                    .await?;
                    let out = Self::dm_issue_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn duty_issue_get(&self, id: i64) -> Result<DutyIssue> {
                    let mut c = self.read().acquire().await?;
                    Self::dm_issue_conn(&mut c, id).await
                }

                async fn duty_issues(&self, f: &IssueFilter) -> Result<Vec<DutyIssue>> {
                    let dept_like = f.department_id.map(|d| format!("%,{d},%"));
                    let rows = sqlx::query(&format!(
                        "{ISSUE_SELECT} WHERE ($1 IS NULL OR i.status = $1) AND ($2 IS NULL OR i.kind = $2) AND ($3 IS NULL OR i.item_id = $3) \
                         AND ($4 = FALSE OR i.status IN ('open', 'accepted')) \
                         AND ($5 IS NULL OR i.raised_by_department_id = $5 OR (',' || REPLACE(REPLACE(i.departments, '[', ''), ']', '') || ',') LIKE $6) \
                         ORDER BY i.id DESC"
                    ))
                    .bind(f.status.map(|s| s.code()))
                    .bind(f.kind.map(|k| k.code()))
                    .bind(f.item_id)
                    .bind(f.open_only)
                    .bind(f.department_id)
                    .bind(dept_like)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(issue_row).collect()
                }

                async fn duty_issue_events(&self, id: i64) -> Result<Vec<IssueEvent>> {
                    let rows = sqlx::query("SELECT * FROM duty_issue_events WHERE issue_id = $1 ORDER BY id").bind(id).fetch_all(self.read()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(IssueEvent {
                                at: r.try_get("at")?,
                                actor: r.try_get("actor")?,
                                department_id: r.try_get("department_id")?,
                                action: r.try_get("action")?,
                                note: r.try_get("note")?,
                            })
                        })
                        .collect()
                }

                async fn duty_issue_act(&self, actor: &Actor, id: i64, action: IssueAction, note: &str, assignments: &[AssignmentInput]) -> Result<DutyIssue> {
                    check_text("处理意见", note, 5000, action != IssueAction::Accept)?;
                    if action == IssueAction::Resolve {
                        check_resolution(assignments)?;
                    }
                    let mut tx = self.begin_write().await?;
                    let issue = Self::dm_issue_conn(&mut tx, id).await?;
                    let to = action.apply(issue.status).map_err(StoreError::Conflict)?;
                    let t = now();
                    let closed = to.is_closed();
                    sqlx::query("UPDATE duty_issues SET status = $1, resolution = CASE WHEN $2 THEN $3 ELSE resolution END, updated_at = $4, closed_at = $5 WHERE id = $6")
                        .bind(to.code())
                        .bind(closed)
                        .bind(note.trim())
                        .bind(t)
                        .bind(closed.then_some(t))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::dm_event(&mut tx, actor, id, action.code(), note.trim()).await?;
                    let mut settled: Vec<i64> = Vec::new();
                    if action == IssueAction::Resolve {
                        let ids: Vec<i64> = assignments.iter().map(|a| a.department_id).collect();
                        Self::dm_check_departments(&mut tx, &ids).await?;
                        Self::dm_replace(&mut tx, actor, issue.item_id, assignments, Some(id), note).await?;
                        // A resolution leaves exactly one lead: detected gaps and overlaps of the
                        // item are settled with it.
                        settled = sqlx::query_scalar(
                            "SELECT id FROM duty_issues WHERE item_id = $1 AND id <> $2 AND raised_by_department_id IS NULL AND status IN ('open', 'accepted')",
                        )
                        .bind(issue.item_id)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                        for other in &settled {
                            sqlx::query("UPDATE duty_issues SET status = 'resolved', resolution = $1, updated_at = $2, closed_at = $2 WHERE id = $3")
                                .bind(format!("随第 {id} 号问题一并界定"))
                                .bind(t)
                                .bind(other)
                                .execute(&mut *tx)
                                .await?;
                            Self::dm_event(&mut tx, actor, *other, "resolve", &format!("随第 {id} 号问题一并界定")).await?;
                        }
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            &format!("dutymap.issue_{}", action.code()),
                            format!("duty_issue:{id}"),
                            serde_json::json!({
                                "item_id": issue.item_id,
                                "status": to.code(),
                                "assignments": assignments.iter().map(|a| (a.department_id, a.role.code())).collect::<Vec<_>>(),
                                "settled": settled,
                            }),
                        ),
                    )
                    .await?;
                    let out = Self::dm_issue_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn duty_scan(&self, actor: &Actor) -> Result<ScanOutcome> {
                    let items = self.sup_items(&SupItemFilter { active_only: true, ..Default::default() }).await?;
                    let mut out = ScanOutcome::default();
                    let mut found = Vec::new();
                    for i in &items {
                        let pairs: Vec<(i64, DutyRole)> = i.assignments.iter().map(|a| (a.department_id, a.role)).collect();
                        if let Some(f) = dm::analyse(&pairs) {
                            match f.kind {
                                IssueKind::Gap => out.gaps += 1,
                                _ => out.overlaps += 1,
                            }
                            found.push((i, f));
                        }
                    }
                    let mut tx = self.begin_write().await?;
                    let mut opened = Vec::new();
                    for (item, f) in found {
                        let open: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM duty_issues WHERE item_id = $1 AND kind = $2 AND raised_by_department_id IS NULL AND status IN ('open', 'accepted')",
                        )
                        .bind(item.id)
                        .bind(f.kind.code())
                        .fetch_one(&mut *tx)
                        .await?;
                        if open > 0 {
                            continue;
                        }
                        let description = match f.kind {
                            IssueKind::Gap if item.assignments.is_empty() => "该监管事项没有任何部门承担监管职责".to_string(),
                            IssueKind::Gap => format!(
                                "该监管事项只有配合部门({}),没有主责部门",
                                item.assignments.iter().map(|a| a.department.as_str()).collect::<Vec<_>>().join("、")
                            ),
                            _ => format!(
                                "{} 个部门同为主责部门:{}",
                                f.departments.len(),
                                item.assignments.iter().filter(|a| a.role == DutyRole::Lead).map(|a| a.department.as_str()).collect::<Vec<_>>().join("、")
                            ),
                        };
                        let t = now();
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO duty_issues (item_id, kind, status, raised_by_department_id, departments, description, resolution, created_by, created_at, updated_at) \
                             VALUES ($1, $2, 'open', NULL, $3, $4, '', $5, $6, $6) RETURNING id",
                        )
                        .bind(item.id)
                        .bind(f.kind.code())
                        .bind(serde_json::to_string(&f.departments).expect("json"))
                        .bind(&description)
                        .bind(&actor.name)
                        .bind(t)
                        .fetch_one(&mut *tx)
                        .await?;
                        Self::dm_event(&mut tx, actor, id, "detect", &description).await?;
                        opened.push(id);
                    }
                    if !opened.is_empty() {
                        self.append_audit(&mut tx, &actor.event("dutymap.scan", "duty_map", serde_json::json!({ "opened": opened, "gaps": out.gaps, "overlaps": out.overlaps })))
                            .await?;
                    }
                    for id in &opened {
                        out.opened.push(Self::dm_issue_conn(&mut tx, *id).await?);
                    }
                    tx.commit().await?;
                    Ok(out)
                }
            }
        }
    };
}
