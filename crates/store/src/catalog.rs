//! Supervision catalogue claims and inspection implementation lists (附件1 第15项, 附件2
//! 第2项), 区委网信办's re-confirmation of unclaimed items, and versioned implementation
//! rules (监管细则).
//!
//! A department claims an item (认领) once: a second active claim of the same item by
//! the same department is refused. Each claim has one implementation list, versioned;
//! only its department edits it (checked by the web layer, which passes the acting
//! department, and again here).

use crate::fairness::{FileRef, NewFile};
use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::catalog::{ImplementationInput, Reconfirmation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implementation {
    #[serde(flatten)]
    pub input: ImplementationInput,
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: i64,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub department: String,
    /// `active` or `withdrawn`.
    pub status: String,
    pub claimed_at: Timestamp,
    pub claimed_by: String,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_by: Option<String>,
    pub withdraw_note: String,
    pub implementation: Option<Implementation>,
}

impl Claim {
    pub fn active(&self) -> bool {
        self.status == "active"
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClaimFilter {
    pub department_id: Option<i64>,
    pub item_id: Option<i64>,
    pub active_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplementationVersion {
    pub version: i64,
    pub at: Timestamp,
    pub actor: String,
    /// The list as it was after this change (JSON of [`ImplementationInput`]).
    pub snapshot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconfirm {
    pub id: i64,
    pub item_id: i64,
    pub decision: Reconfirmation,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub note: String,
    pub at: Timestamp,
    pub actor: String,
}

/// An active catalogue item that no department has claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unclaimed {
    pub item_id: i64,
    pub code: String,
    pub name: String,
    pub sector: String,
    /// 区委网信办's latest decision on it, if any.
    pub latest: Option<Reconfirm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    pub item_id: i64,
    pub department_id: i64,
    pub title: String,
    pub body: String,
    pub attachment: Option<NewFile>,
    pub effective_on: NaiveDate,
    pub change_note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub department: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub attachment: Option<FileRef>,
    pub effective_on: NaiveDate,
    pub change_note: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Claims an active item for a department (a second active claim is a conflict).
    async fn claim(&self, actor: &crate::Actor, item_id: i64, department_id: i64) -> crate::Result<Claim>;
    /// Withdraws a claim of the department (its implementation list stays in the history).
    async fn claim_withdraw(
        &self,
        actor: &crate::Actor,
        claim_id: i64,
        department_id: i64,
        note: &str,
    ) -> crate::Result<Claim>;
    async fn claim_get(&self, id: i64) -> crate::Result<Claim>;
    async fn claims(&self, filter: &ClaimFilter) -> crate::Result<Vec<Claim>>;
    /// Saves the implementation list of an active claim of `department_id`, if still at
    /// `expected_version` (0 when none was saved yet).
    async fn implementation_save(
        &self,
        actor: &crate::Actor,
        claim_id: i64,
        department_id: i64,
        input: &ImplementationInput,
        expected_version: i64,
    ) -> crate::Result<Claim>;
    async fn implementation_history(&self, claim_id: i64) -> crate::Result<Vec<ImplementationVersion>>;
    async fn unclaimed(&self) -> crate::Result<Vec<Unclaimed>>;
    /// 区委网信办's decision on an unclaimed item.
    async fn reconfirm(
        &self,
        actor: &crate::Actor,
        item_id: i64,
        decision: Reconfirmation,
        department_id: Option<i64>,
        note: &str,
    ) -> crate::Result<Reconfirm>;
    async fn reconfirmations(&self, item_id: i64) -> crate::Result<Vec<Reconfirm>>;
    /// Publishes a new version of a department's 监管细则 for an item it has claimed.
    async fn rule_publish(&self, actor: &crate::Actor, rule: &NewRule) -> crate::Result<Rule>;
    async fn rule_get(&self, id: i64) -> crate::Result<Rule>;
    /// Every version for an item, newest first.
    async fn rules(&self, item_id: i64) -> crate::Result<Vec<Rule>>;
    /// The current version per item and department (public list).
    async fn current_rules(&self) -> crate::Result<Vec<Rule>>;
}

/// Implements [`CatalogStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_catalog_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod catalog_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::catalog::*;
            use $crate::fairness::{check_text, clean_file_name, FileRef};
            use $crate::{Result, StoreError};
            use jianguan_domain::catalog::{self as cat, ImplementationInput, Reconfirmation};

            type Conn = <$DB as sqlx::Database>::Connection;

            const CLAIM_SELECT: &str = "SELECT c.*, s.code AS item_code, s.name AS item_name, d.name AS department, \
                m.basis AS m_basis, m.content AS m_content, m.method AS m_method, m.object AS m_object, m.body AS m_body, \
                m.frequency AS m_frequency, m.handling AS m_handling, m.version AS m_version, m.updated_at AS m_updated_at, m.updated_by AS m_updated_by \
                FROM catalog_claims c JOIN sup_items s ON s.id = c.item_id JOIN departments d ON d.id = c.department_id \
                LEFT JOIN catalog_implementations m ON m.claim_id = c.id";

            const RULE_SELECT: &str = "SELECT r.*, s.code AS item_code, s.name AS item_name, d.name AS department \
                FROM catalog_rules r JOIN sup_items s ON s.id = r.item_id JOIN departments d ON d.id = r.department_id";

            fn claim_row(r: &$Row) -> Result<Claim> {
                let version: Option<i64> = r.try_get("m_version")?;
                let implementation = match version {
                    Some(version) => Some(Implementation {
                        input: ImplementationInput {
                            basis: r.try_get("m_basis")?,
                            content: r.try_get("m_content")?,
                            method: r.try_get("m_method")?,
                            object: r.try_get("m_object")?,
                            body: r.try_get("m_body")?,
                            frequency: r.try_get("m_frequency")?,
                            handling: r.try_get("m_handling")?,
                        },
                        version,
                        updated_at: r.try_get("m_updated_at")?,
                        updated_by: r.try_get("m_updated_by")?,
                    }),
                    None => None,
                };
                Ok(Claim {
                    id: r.try_get("id")?,
                    item_id: r.try_get("item_id")?,
                    item_code: r.try_get("item_code")?,
                    item_name: r.try_get("item_name")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    status: r.try_get("status")?,
                    claimed_at: r.try_get("claimed_at")?,
                    claimed_by: r.try_get("claimed_by")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_by: r.try_get("withdrawn_by")?,
                    withdraw_note: r.try_get("withdraw_note")?,
                    implementation,
                })
            }

            fn reconfirm_row(r: &$Row) -> Result<Reconfirm> {
                let decision: String = r.try_get("decision")?;
                Ok(Reconfirm {
                    id: r.try_get("id")?,
                    item_id: r.try_get("item_id")?,
                    decision: Reconfirmation::from_code(&decision).ok_or_else(|| StoreError::Invalid(format!("确认结论“{decision}”无法识别")))?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    note: r.try_get("note")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                })
            }

            fn rule_row(r: &$Row) -> Result<Rule> {
                let sha: Option<String> = r.try_get("attachment_sha256")?;
                Ok(Rule {
                    id: r.try_get("id")?,
                    item_id: r.try_get("item_id")?,
                    item_code: r.try_get("item_code")?,
                    item_name: r.try_get("item_name")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    version: r.try_get("version")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    attachment: sha.map(|sha256| -> Result<FileRef> { Ok(FileRef { sha256, name: r.try_get("attachment_name")? }) }).transpose()?,
                    effective_on: r.try_get("effective_on")?,
                    change_note: r.try_get("change_note")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            impl $Store {
                async fn cat_claim_conn(conn: &mut Conn, id: i64) -> Result<Claim> {
                    let r = sqlx::query(&format!("{CLAIM_SELECT} WHERE c.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("认领记录 {id} 不存在")))?;
                    claim_row(&r)
                }

                async fn cat_rule_conn(conn: &mut Conn, id: i64) -> Result<Rule> {
                    let r = sqlx::query(&format!("{RULE_SELECT} WHERE r.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("监管细则 {id} 不存在")))?;
                    rule_row(&r)
                }

                /// The claim, if it belongs to `department_id` (else not found: another
                /// department's claims are not disclosed through this path).
                async fn cat_own_claim(conn: &mut Conn, id: i64, department_id: i64) -> Result<Claim> {
                    let c = Self::cat_claim_conn(conn, id).await?;
                    if c.department_id != department_id {
                        return Err(StoreError::NotFound(format!("本部门没有编号为 {id} 的认领记录")));
                    }
                    Ok(c)
                }
            }

            #[async_trait::async_trait]
            impl $crate::catalog::CatalogStore for $Store {
                async fn claim(&self, actor: &Actor, item_id: i64, department_id: i64) -> Result<Claim> {
                    let mut tx = self.begin_write().await?;
                    let item = Self::sup_item_conn(&mut tx, item_id).await?;
                    if !item.input.active {
                        return Err(StoreError::Invalid(format!("监管事项“{}”已停用,不能认领", item.input.name)));
                    }
                    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM catalog_claims WHERE item_id = $1 AND department_id = $2 AND status = 'active'")
                        .bind(item_id)
                        .bind(department_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(existing) = existing {
                        return Err(StoreError::Conflict(format!(
                            "本部门已认领监管事项“{}”({}),认领记录编号 {existing},不能重复认领",
                            item.input.name, item.input.code
                        )));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO catalog_claims (item_id, department_id, status, claimed_at, claimed_by, withdraw_note) VALUES ($1, $2, 'active', $3, $4, '') RETURNING id",
                    )
                    .bind(item_id)
                    .bind(department_id)
                    .bind(now())
                    .bind(&actor.name)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("catalog.claim", format!("catalog_claim:{id}"), serde_json::json!({ "item_id": item_id, "code": item.input.code, "department_id": department_id })),
                    )
                    .await?;
                    let out = Self::cat_claim_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn claim_withdraw(&self, actor: &Actor, claim_id: i64, department_id: i64, note: &str) -> Result<Claim> {
                    check_text("撤回理由", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::cat_own_claim(&mut tx, claim_id, department_id).await?;
                    if !c.active() {
                        return Err(StoreError::Conflict(format!("认领记录 {claim_id} 已撤回")));
                    }
                    sqlx::query("UPDATE catalog_claims SET status = 'withdrawn', withdrawn_at = $1, withdrawn_by = $2, withdraw_note = $3 WHERE id = $4")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(note.trim())
                        .bind(claim_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("catalog.withdraw", format!("catalog_claim:{claim_id}"), serde_json::json!({ "item_id": c.item_id })))
                        .await?;
                    let out = Self::cat_claim_conn(&mut tx, claim_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn claim_get(&self, id: i64) -> Result<Claim> {
                    let mut c = self.read().acquire().await?;
                    Self::cat_claim_conn(&mut c, id).await
                }

                async fn claims(&self, f: &ClaimFilter) -> Result<Vec<Claim>> {
                    let rows = sqlx::query(&format!(
                        "{CLAIM_SELECT} WHERE ($1 IS NULL OR c.department_id = $1) AND ($2 IS NULL OR c.item_id = $2) \
                         AND ($3 = FALSE OR c.status = 'active') ORDER BY s.code, c.department_id, c.id"
                    ))
                    .bind(f.department_id)
                    .bind(f.item_id)
                    .bind(f.active_only)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(claim_row).collect()
                }

                async fn implementation_save(&self, actor: &Actor, claim_id: i64, department_id: i64, input: &ImplementationInput, expected_version: i64) -> Result<Claim> {
                    let i = input.trimmed();
                    cat::check_implementation(&i).map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::cat_own_claim(&mut tx, claim_id, department_id).await?;
                    if !c.active() {
                        return Err(StoreError::Conflict("该认领已撤回,不能再填写检查实施清单".into()));
                    }
                    let current = c.implementation.as_ref().map(|m| m.version).unwrap_or(0);
                    if current != expected_version {
                        return Err(StoreError::Conflict(format!("“{}”的检查实施清单已被他人修改(当前为第 {current} 版),请刷新后重新填写", c.item_name)));
                    }
                    if c.implementation.as_ref().is_some_and(|m| m.input == i) {
                        return Ok(c);
                    }
                    let version = current + 1;
                    let t = now();
                    if current == 0 {
                        sqlx::query(
                            "INSERT INTO catalog_implementations (claim_id, basis, content, method, object, body, frequency, handling, version, updated_at, updated_by) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        )
                        .bind(claim_id)
                        .bind(&i.basis)
                        .bind(&i.content)
                        .bind(&i.method)
                        .bind(&i.object)
                        .bind(&i.body)
                        .bind(&i.frequency)
                        .bind(&i.handling)
                        .bind(version)
                        .bind(t)
                        .bind(&actor.name)
                        .execute(&mut *tx)
                        .await?;
                    } else {
                        sqlx::query(
                            "UPDATE catalog_implementations SET basis = $1, content = $2, method = $3, object = $4, body = $5, frequency = $6, handling = $7, \
                             version = $8, updated_at = $9, updated_by = $10 WHERE claim_id = $11",
                        )
                        .bind(&i.basis)
                        .bind(&i.content)
                        .bind(&i.method)
                        .bind(&i.object)
                        .bind(&i.body)
                        .bind(&i.frequency)
                        .bind(&i.handling)
                        .bind(version)
                        .bind(t)
                        .bind(&actor.name)
                        .bind(claim_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query("INSERT INTO catalog_implementation_history (claim_id, version, at, actor, snapshot) VALUES ($1, $2, $3, $4, $5)")
                        .bind(claim_id)
                        .bind(version)
                        .bind(t)
                        .bind(&actor.name)
                        .bind(serde_json::to_string(&i).expect("json"))
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("catalog.implementation", format!("catalog_claim:{claim_id}"), serde_json::json!({ "item_id": c.item_id, "version": version })),
                    )
                    .await?;
                    let out = Self::cat_claim_conn(&mut tx, claim_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn implementation_history(&self, claim_id: i64) -> Result<Vec<ImplementationVersion>> {
                    let rows = sqlx::query("SELECT * FROM catalog_implementation_history WHERE claim_id = $1 ORDER BY version").bind(claim_id).fetch_all(self.read()).await?;
                    rows.iter()
                        .map(|r| Ok(ImplementationVersion { version: r.try_get("version")?, at: r.try_get("at")?, actor: r.try_get("actor")?, snapshot: r.try_get("snapshot")? }))
                        .collect()
                }

                async fn unclaimed(&self) -> Result<Vec<Unclaimed>> {
                    let rows = sqlx::query(
                        "SELECT s.id, s.code, s.name, s.sector FROM sup_items s WHERE s.active = TRUE \
                         AND NOT EXISTS (SELECT 1 FROM catalog_claims c WHERE c.item_id = s.id AND c.status = 'active') ORDER BY s.code",
                    )
                    .fetch_all(self.read())
                    .await?;
                    let latest = sqlx::query(
                        "SELECT r.*, d.name AS department FROM catalog_reconfirmations r LEFT JOIN departments d ON d.id = r.department_id \
                         WHERE r.id = (SELECT MAX(x.id) FROM catalog_reconfirmations x WHERE x.item_id = r.item_id)",
                    )
                    .fetch_all(self.read())
                    .await?;
                    let mut by_item: std::collections::HashMap<i64, Reconfirm> = std::collections::HashMap::new();
                    for r in &latest {
                        let x = reconfirm_row(r)?;
                        by_item.insert(x.item_id, x);
                    }
                    rows.iter()
                        .map(|r| {
                            let id: i64 = r.try_get("id")?;
                            Ok(Unclaimed { item_id: id, code: r.try_get("code")?, name: r.try_get("name")?, sector: r.try_get("sector")?, latest: by_item.remove(&id) })
                        })
                        .collect()
                }

                async fn reconfirm(&self, actor: &Actor, item_id: i64, decision: Reconfirmation, department_id: Option<i64>, note: &str) -> Result<Reconfirm> {
                    check_text("确认意见", note, 2000, decision == Reconfirmation::NotDistrict)?;
                    let department_id = match decision {
                        Reconfirmation::Assign => Some(department_id.ok_or_else(|| StoreError::Invalid("指派认领须选择部门".into()))?),
                        Reconfirmation::NotDistrict => None,
                    };
                    let mut tx = self.begin_write().await?;
                    let item = Self::sup_item_conn(&mut tx, item_id).await?;
                    let claimed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_claims WHERE item_id = $1 AND status = 'active'").bind(item_id).fetch_one(&mut *tx).await?;
                    if claimed > 0 {
                        return Err(StoreError::Conflict(format!("监管事项“{}”已有部门认领,无需重新确认", item.input.name)));
                    }
                    if let Some(d) = department_id {
                        let ok: Option<bool> = sqlx::query_scalar("SELECT active FROM departments WHERE id = $1 AND kind = 'department'").bind(d).fetch_optional(&mut *tx).await?;
                        if ok != Some(true) {
                            return Err(StoreError::Invalid(format!("部门 {d} 不存在或已停用")));
                        }
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO catalog_reconfirmations (item_id, decision, department_id, note, at, actor) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(item_id)
                    .bind(decision.code())
                    .bind(department_id)
                    .bind(note.trim())
                    .bind(now())
                    .bind(&actor.name)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("catalog.reconfirm", format!("sup_item:{item_id}"), serde_json::json!({ "decision": decision.code(), "department_id": department_id })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT r.*, d.name AS department FROM catalog_reconfirmations r LEFT JOIN departments d ON d.id = r.department_id WHERE r.id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let out = reconfirm_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn reconfirmations(&self, item_id: i64) -> Result<Vec<Reconfirm>> {
                    let rows = sqlx::query(
                        "SELECT r.*, d.name AS department FROM catalog_reconfirmations r LEFT JOIN departments d ON d.id = r.department_id WHERE r.item_id = $1 ORDER BY r.id",
                    )
                    .bind(item_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(reconfirm_row).collect()
                }

                async fn rule_publish(&self, actor: &Actor, n: &NewRule) -> Result<Rule> {
                    cat::check_rule(&n.title, &n.body).map_err(StoreError::Invalid)?;
                    check_text("修订说明", &n.change_note, 2000, false)?;
                    let name = n.attachment.as_ref().map(|f| clean_file_name(&f.name)).transpose()?;
                    let mut tx = self.begin_write().await?;
                    let item = Self::sup_item_conn(&mut tx, n.item_id).await?;
                    let claimed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_claims WHERE item_id = $1 AND department_id = $2 AND status = 'active'")
                        .bind(n.item_id)
                        .bind(n.department_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if claimed == 0 {
                        return Err(StoreError::Invalid(format!("本部门未认领监管事项“{}”,不能发布其监管细则", item.input.name)));
                    }
                    let sha = match &n.attachment {
                        Some(f) => Some(Self::doc_file_put(&mut tx, f).await?),
                        None => None,
                    };
                    let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM catalog_rules WHERE item_id = $1 AND department_id = $2")
                        .bind(n.item_id)
                        .bind(n.department_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO catalog_rules (item_id, department_id, version, title, body, attachment_sha256, attachment_name, effective_on, change_note, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(n.item_id)
                    .bind(n.department_id)
                    .bind(version)
                    .bind(n.title.trim())
                    .bind(n.body.trim())
                    .bind(&sha)
                    .bind(name.unwrap_or_default())
                    .bind(n.effective_on)
                    .bind(n.change_note.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "catalog.rule_publish",
                            format!("catalog_rule:{id}"),
                            serde_json::json!({ "item_id": n.item_id, "department_id": n.department_id, "version": version, "attachment_sha256": sha }),
                        ),
                    )
                    .await?;
                    let out = Self::cat_rule_conn(&mut tx, id).await?;
                    // One search document per item and department: the newest version.
                    Self::search_index_tx(
                        &mut tx,
                        &$crate::publicity::SearchDoc {
                            doc_key: format!("catalog_rule:{}:{}", out.item_id, out.department_id),
                            kind: "catalog_rule".into(),
                            title: out.title.clone(),
                            section: "监管细则".into(),
                            url: format!("/public/catalog/rules/{}", out.id),
                            published_on: $crate::publicity::cst_date(out.created_at),
                            body: format!("{} {}\n{}\n{}", out.item_code, out.item_name, out.department, out.body),
                        },
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn rule_get(&self, id: i64) -> Result<Rule> {
                    let mut c = self.read().acquire().await?;
                    Self::cat_rule_conn(&mut c, id).await
                }

                async fn rules(&self, item_id: i64) -> Result<Vec<Rule>> {
                    let rows = sqlx::query(&format!("{RULE_SELECT} WHERE r.item_id = $1 ORDER BY r.department_id, r.version DESC")).bind(item_id).fetch_all(self.read()).await?;
                    rows.iter().map(rule_row).collect()
                }

                async fn current_rules(&self) -> Result<Vec<Rule>> {
                    let rows = sqlx::query(&format!(
                        "{RULE_SELECT} WHERE r.version = (SELECT MAX(x.version) FROM catalog_rules x WHERE x.item_id = r.item_id AND x.department_id = r.department_id) \
                         ORDER BY s.code, r.department_id"
                    ))
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(rule_row).collect()
                }
            }
        }
    };
}
