// The SQL of `DrawStore`, shared by both databases. Included by `impl_draw_store!` inside
// a module that defines `S` (the store), `DB` (the sqlx database) and `Row` (its row).

use crate::draw::*;
use crate::model::{now, Actor, Timestamp};
use crate::{Result, StoreError};
use chrono::NaiveDate;
use jianguan_domain::draw::{
    self as dd, DrawCommit, DrawParameters, DrawSpec, ExclusionCount, InspectionParams, Inspector, Pool, PoolBuilder,
    Quota, RiskClass, UsccKey,
};
use jianguan_domain::sampling::{self, InspectionAction, InspectionStatus, PlanKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

type Tx<'a> = sqlx::Transaction<'a, DB>;

/// Rows read per batch while streaming the registry into a pool.
const POOL_BATCH: i64 = 50_000;
/// Rows per multi-row INSERT (at most 9 parameters a row: within both databases' limits).
const ROWS_PER_INSERT: usize = 1_000;

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Invalid(format!("{what}数据损坏:{e}")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn trimmed(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    out.dedup();
    out
}

fn clean_scope(s: &Scope) -> Scope {
    let mut scope = Scope {
        kinds: trimmed(&s.kinds),
        industries: s.industries.iter().map(|p| p.trim().to_ascii_uppercase()).filter(|p| !p.is_empty()).collect(),
        tags: trimmed(&s.tags),
    };
    for v in [&mut scope.kinds, &mut scope.industries, &mut scope.tags] {
        v.sort();
        v.dedup();
    }
    scope
}

fn normalise_item(i: &DrawItemInput) -> DrawItemInput {
    let mut departments = i.departments.clone();
    departments.sort_unstable();
    departments.dedup();
    DrawItemInput {
        joint: i.joint,
        code: i.code.trim().to_string(),
        name: i.name.trim().to_string(),
        sub_items: trimmed(&i.sub_items),
        legal_basis: i.legal_basis.trim().to_string(),
        inspecting_body: i.inspecting_body.trim().to_string(),
        scope: clean_scope(&i.scope),
        ratio_per_mille: i.ratio_per_mille,
        interval_months: i.interval_months,
        method: i.method.trim().to_string(),
        certificates: trimmed(&i.certificates),
        departments,
        active: i.active,
    }
}

fn stored_status(s: &str) -> InspectionStatus {
    InspectionStatus::from_code(s).unwrap_or(InspectionStatus::Pending)
}

/// `LIKE` pattern pieces made literal (`ESCAPE '\'`).
fn like_escape(s: &str) -> String {
    crate::registry::like_escape(s)
}

/// A department of the organisation (not a group), active.
async fn department(tx: &mut Tx<'_>, id: i64) -> Result<DeptRef> {
    let r = sqlx::query("SELECT id, code, name, kind, active FROM departments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("部门 {id} 不存在")))?;
    let kind: String = r.try_get("kind")?;
    let active: bool = r.try_get("active")?;
    if kind != "department" || !active {
        return Err(StoreError::Invalid(format!("“{}”不是在用的部门", r.try_get::<String, _>("name")?)));
    }
    Ok(DeptRef { id, code: r.try_get("code")?, name: r.try_get("name")? })
}

// --- items -----------------------------------------------------------------------------------

fn item_row(r: &Row, departments: Vec<i64>) -> Result<DrawItem> {
    let list = |c: &str| -> Result<Vec<String>> { from_json(&r.try_get::<String, _>(c)?, "事项") };
    Ok(DrawItem {
        id: r.try_get("id")?,
        department_id: r.try_get("department_id")?,
        department: r.try_get("department")?,
        input: DrawItemInput {
            joint: r.try_get("joint")?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            sub_items: list("sub_items")?,
            legal_basis: r.try_get("legal_basis")?,
            inspecting_body: r.try_get("inspecting_body")?,
            scope: Scope {
                kinds: list("scope_kinds")?,
                industries: list("scope_industries")?,
                tags: list("scope_tags")?,
            },
            ratio_per_mille: r.try_get::<i64, _>("ratio_per_mille")? as u32,
            interval_months: r.try_get::<i64, _>("interval_months")? as u32,
            method: r.try_get("method")?,
            certificates: list("certificates")?,
            departments,
            active: r.try_get("active")?,
        },
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const ITEM_SELECT: &str =
    "SELECT i.*, d.name AS department FROM draw_items i JOIN departments d ON d.id = i.department_id";

async fn items_where(tx: &mut Tx<'_>, cond: &str, bind: i64) -> Result<Vec<DrawItem>> {
    let rows = sqlx::query(&format!("{ITEM_SELECT} WHERE {cond} ORDER BY i.joint, i.code"))
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?;
    let links = sqlx::query(&format!(
        "SELECT x.item_id, x.department_id FROM draw_item_departments x JOIN draw_items i ON i.id = x.item_id \
         WHERE {cond} ORDER BY x.item_id, x.department_id"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let mut parts: HashMap<i64, Vec<i64>> = HashMap::new();
    for l in &links {
        parts.entry(l.try_get("item_id")?).or_default().push(l.try_get("department_id")?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            item_row(r, parts.remove(&id).unwrap_or_default())
        })
        .collect()
}

async fn item_tx(tx: &mut Tx<'_>, id: i64) -> Result<DrawItem> {
    items_where(tx, "i.id = $1", id).await?.pop().ok_or_else(|| StoreError::NotFound(format!("抽查事项 {id} 不存在")))
}

/// Items a department may use: its own and the joint items it takes part in.
const VISIBLE_ITEMS: &str =
    "(i.department_id = $1 OR i.id IN (SELECT item_id FROM draw_item_departments WHERE department_id = $1))";

async fn check_item_departments(tx: &mut Tx<'_>, owner: &DeptRef, input: &DrawItemInput) -> Result<()> {
    if input.joint && owner.code != sampling::COORDINATOR {
        return Err(StoreError::Invalid("部门联合抽查事项清单由区市场监管局统一制定".into()));
    }
    for d in &input.departments {
        if *d == owner.id {
            return Err(StoreError::Invalid("参与部门不必重复填写牵头部门本身".into()));
        }
        department(tx, *d).await?;
    }
    Ok(())
}

async fn write_item(
    tx: &mut Tx<'_>,
    department_id: i64,
    i: &DrawItemInput,
    existing: Option<(i64, i64)>,
) -> Result<i64> {
    let t = now();
    let id = match existing {
        None => sqlx::query_scalar::<_, i64>(
            "INSERT INTO draw_items (department_id, joint, code, name, sub_items, legal_basis, inspecting_body, scope_kinds, \
             scope_industries, scope_tags, ratio_per_mille, interval_months, method, certificates, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16) RETURNING id",
        )
        .bind(department_id)
        .bind(i.joint)
        .bind(&i.code)
        .bind(&i.name)
        .bind(to_json(&i.sub_items))
        .bind(&i.legal_basis)
        .bind(&i.inspecting_body)
        .bind(to_json(&i.scope.kinds))
        .bind(to_json(&i.scope.industries))
        .bind(to_json(&i.scope.tags))
        .bind(i64::from(i.ratio_per_mille))
        .bind(i64::from(i.interval_months))
        .bind(&i.method)
        .bind(to_json(&i.certificates))
        .bind(i.active)
        .bind(t)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("事项编码“{}”已被使用", i.code))
            } else {
                e.into()
            }
        })?,
        Some((id, version)) => {
            let n = sqlx::query(
                "UPDATE draw_items SET joint = $1, code = $2, name = $3, sub_items = $4, legal_basis = $5, inspecting_body = $6, \
                 scope_kinds = $7, scope_industries = $8, scope_tags = $9, ratio_per_mille = $10, interval_months = $11, method = $12, \
                 certificates = $13, active = $14, version = version + 1, updated_at = $15 WHERE id = $16 AND version = $17",
            )
            .bind(i.joint)
            .bind(&i.code)
            .bind(&i.name)
            .bind(to_json(&i.sub_items))
            .bind(&i.legal_basis)
            .bind(&i.inspecting_body)
            .bind(to_json(&i.scope.kinds))
            .bind(to_json(&i.scope.industries))
            .bind(to_json(&i.scope.tags))
            .bind(i64::from(i.ratio_per_mille))
            .bind(i64::from(i.interval_months))
            .bind(&i.method)
            .bind(to_json(&i.certificates))
            .bind(i.active)
            .bind(t)
            .bind(id)
            .bind(version)
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!("事项编码“{}”已被使用", i.code))
                } else {
                    e.into()
                }
            })?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("该事项已被他人修改,请刷新后重新编辑".into()));
            }
            sqlx::query("DELETE FROM draw_item_departments WHERE item_id = $1").bind(id).execute(&mut **tx).await?;
            id
        }
    };
    for d in &i.departments {
        sqlx::query("INSERT INTO draw_item_departments (item_id, department_id) VALUES ($1, $2)")
            .bind(id)
            .bind(d)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

// --- roster ------------------------------------------------------------------------------------

const ROSTER_SELECT: &str =
    "SELECT r.*, d.name AS department FROM draw_inspectors r JOIN departments d ON d.id = r.department_id";

async fn roster_where(tx: &mut Tx<'_>, cond: &str, bind: i64) -> Result<Vec<RosterEntry>> {
    let rows = sqlx::query(&format!("{ROSTER_SELECT} WHERE {cond} ORDER BY r.status, r.name, r.id"))
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?;
    let items = sqlx::query(&format!(
        "SELECT x.inspector_id, i.id, i.code, i.name FROM draw_inspector_items x JOIN draw_items i ON i.id = x.item_id \
         JOIN draw_inspectors r ON r.id = x.inspector_id WHERE {cond} ORDER BY i.code"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let recusals = sqlx::query(&format!(
        "SELECT c.*, e.name AS entity_name FROM draw_recusals c JOIN draw_inspectors r ON r.id = c.inspector_id \
         LEFT JOIN entities e ON e.uscc = c.uscc WHERE {cond} AND c.withdrawn_at IS NULL ORDER BY c.id"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let mut by_item: HashMap<i64, Vec<ItemRef>> = HashMap::new();
    for r in &items {
        by_item.entry(r.try_get("inspector_id")?).or_default().push(ItemRef {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
        });
    }
    let mut by_recusal: HashMap<i64, Vec<Recusal>> = HashMap::new();
    for r in &recusals {
        let c = recusal_row(r)?;
        by_recusal.entry(c.inspector_id).or_default().push(c);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            Ok(RosterEntry {
                id,
                department_id: r.try_get("department_id")?,
                department: r.try_get("department")?,
                account_id: r.try_get("account_id")?,
                name: r.try_get("name")?,
                certificate_no: r.try_get("certificate_no")?,
                valid_from: r.try_get("valid_from")?,
                valid_until: r.try_get("valid_until")?,
                status: r.try_get("status")?,
                items: by_item.remove(&id).unwrap_or_default(),
                recusals: by_recusal.remove(&id).unwrap_or_default(),
                version: r.try_get("version")?,
            })
        })
        .collect()
}

fn recusal_row(r: &Row) -> Result<Recusal> {
    Ok(Recusal {
        id: r.try_get("id")?,
        inspector_id: r.try_get("inspector_id")?,
        uscc: r.try_get("uscc")?,
        entity_name: r.try_get("entity_name")?,
        reason_sealed: r.try_get("reason_sealed")?,
        source: r.try_get("source")?,
        declared_by: r.try_get("declared_by")?,
        declared_at: r.try_get("declared_at")?,
        withdrawn_by: r.try_get("withdrawn_by")?,
        withdrawn_at: r.try_get("withdrawn_at")?,
    })
}

async fn roster_tx(tx: &mut Tx<'_>, id: i64) -> Result<RosterEntry> {
    roster_where(tx, "r.id = $1", id)
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("执法检查人员 {id} 不存在")))
}

async fn validate_inspector(
    tx: &mut Tx<'_>,
    department_id: i64,
    i: &InspectorInput,
    own_id: Option<i64>,
) -> Result<()> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    if i.name.trim().is_empty() || i.name.chars().count() > 32 {
        return bad("姓名不能为空,最长32字".into());
    }
    let cert = i.certificate_no.trim();
    if cert.is_empty() || cert.len() > 64 || cert.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("执法证号不能为空、不能含空格,最长64位".into());
    }
    if i.valid_until < i.valid_from {
        return bad("执法证有效期止早于有效期起".into());
    }
    if !INSPECTOR_STATUSES.iter().any(|(c, _)| *c == i.status) {
        return bad(format!("人员状态“{}”无效", i.status));
    }
    for item in &i.item_ids {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM draw_items i WHERE i.id = $2 AND {VISIBLE_ITEMS}"))
                .bind(department_id)
                .bind(item)
                .fetch_one(&mut **tx)
                .await?;
        if n == 0 {
            return bad(format!("抽查事项 {item} 不在本部门可用的事项清单中"));
        }
    }
    if let Some(a) = i.account_id {
        let r = sqlx::query("SELECT department_id FROM accounts WHERE id = $1")
            .bind(a)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("账号 {a} 不存在")))?;
        if r.try_get::<i64, _>("department_id")? != department_id {
            return bad("只能关联本部门的账号".into());
        }
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM draw_inspectors WHERE account_id = $1")
            .bind(a)
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_some() && taken != own_id {
            return bad("该账号已关联其他执法检查人员".into());
        }
    }
    Ok(())
}

async fn write_inspector_items(tx: &mut Tx<'_>, id: i64, items: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM draw_inspector_items WHERE inspector_id = $1").bind(id).execute(&mut **tx).await?;
    let mut items = items.to_vec();
    items.sort_unstable();
    items.dedup();
    for item in items {
        sqlx::query("INSERT INTO draw_inspector_items (inspector_id, item_id) VALUES ($1, $2)")
            .bind(id)
            .bind(item)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn cap_tx(tx: &mut Tx<'_>, department_id: i64) -> Result<u32> {
    let cap: Option<i64> = sqlx::query_scalar("SELECT workload_cap FROM draw_roster_settings WHERE department_id = $1")
        .bind(department_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(cap.map_or(sampling::DEFAULT_WORKLOAD_CAP, |c| c as u32))
}

async fn workloads_tx(tx: &mut Tx<'_>, year: i32) -> Result<BTreeMap<i64, i64>> {
    let rows = sqlx::query(
        "SELECT a.inspector_id, COUNT(*) AS n FROM draw_assignments a JOIN draw_inspections i ON i.id = a.inspection_id \
         JOIN draw_draws d ON d.id = i.draw_id JOIN draw_tasks t ON t.id = d.task_id JOIN draw_plans p ON p.id = t.plan_id \
         WHERE p.year = $1 AND i.status <> 'cancelled' GROUP BY a.inspector_id",
    )
    .bind(i64::from(year))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("inspector_id")?, r.try_get("n")?))).collect()
}

// --- plans and tasks ---------------------------------------------------------------------------

async fn tasks_of(tx: &mut Tx<'_>, cond: &str, bind: i64) -> Result<Vec<Task>> {
    let rows = sqlx::query(&format!("SELECT t.* FROM draw_tasks t WHERE {cond} ORDER BY t.plan_id, t.seq"))
        .bind(bind)
        .fetch_all(&mut **tx)
        .await?;
    let items = sqlx::query(&format!(
        "SELECT x.task_id, i.id, i.code, i.name FROM draw_task_items x JOIN draw_items i ON i.id = x.item_id \
         JOIN draw_tasks t ON t.id = x.task_id WHERE {cond} ORDER BY i.code"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let mut by_task: HashMap<i64, Vec<ItemRef>> = HashMap::new();
    for r in &items {
        by_task.entry(r.try_get("task_id")?).or_default().push(ItemRef {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
        });
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let list = |c: &str| -> Result<Vec<String>> { from_json(&r.try_get::<String, _>(c)?, "任务") };
            Ok(Task {
                id,
                plan_id: r.try_get("plan_id")?,
                seq: r.try_get("seq")?,
                name: r.try_get("name")?,
                items: by_task.remove(&id).unwrap_or_default(),
                scope: Scope {
                    kinds: list("scope_kinds")?,
                    industries: list("scope_industries")?,
                    tags: list("scope_tags")?,
                },
                supervised_only: r.try_get("supervised_only")?,
                stratify: r.try_get("stratify")?,
                quotas: from_json(&r.try_get::<String, _>("quotas")?, "任务")?,
                weight_rules: from_json(&r.try_get::<String, _>("weight_rules")?, "任务")?,
                starts_on: r.try_get("starts_on")?,
                ends_on: r.try_get("ends_on")?,
                directed: r.try_get("directed")?,
                team_size: r.try_get::<i64, _>("team_size")? as u32,
            })
        })
        .collect()
}

async fn plans_where(tx: &mut Tx<'_>, cond: &str, bind: i64) -> Result<Vec<Plan>> {
    let rows = sqlx::query(&format!(
        "SELECT p.*, d.name AS department FROM draw_plans p JOIN departments d ON d.id = p.department_id \
         WHERE {cond} ORDER BY p.year DESC, p.id DESC"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let links = sqlx::query(&format!(
        "SELECT x.plan_id, d.id, d.code, d.name FROM draw_plan_departments x JOIN departments d ON d.id = x.department_id \
         JOIN draw_plans p ON p.id = x.plan_id WHERE {cond} ORDER BY x.plan_id, d.id"
    ))
    .bind(bind)
    .fetch_all(&mut **tx)
    .await?;
    let mut departments: HashMap<i64, Vec<DeptRef>> = HashMap::new();
    for l in &links {
        departments.entry(l.try_get("plan_id")?).or_default().push(DeptRef {
            id: l.try_get("id")?,
            code: l.try_get("code")?,
            name: l.try_get("name")?,
        });
    }
    let mut tasks: HashMap<i64, Vec<Task>> = HashMap::new();
    for t in tasks_of(tx, &format!("t.plan_id IN (SELECT p.id FROM draw_plans p WHERE {cond})"), bind).await? {
        tasks.entry(t.plan_id).or_default().push(t);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let owner: i64 = r.try_get("department_id")?;
            let mut depts = departments.remove(&id).unwrap_or_default();
            depts.sort_by_key(|d| (d.id != owner, d.id));
            let kind: String = r.try_get("kind")?;
            Ok(Plan {
                id,
                code: r.try_get("code")?,
                department_id: owner,
                department: r.try_get("department")?,
                year: r.try_get::<i64, _>("year")? as i32,
                kind: PlanKind::from_code(&kind).unwrap_or(PlanKind::Annual),
                title: r.try_get("title")?,
                reason: r.try_get("reason")?,
                status: r.try_get("status")?,
                departments: depts,
                tasks: tasks.remove(&id).unwrap_or_default(),
                version: r.try_get("version")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                published_by: r.try_get("published_by")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
}

async fn plan_tx(tx: &mut Tx<'_>, id: i64) -> Result<Plan> {
    plans_where(tx, "p.id = $1", id).await?.pop().ok_or_else(|| StoreError::NotFound(format!("抽查计划 {id} 不存在")))
}

async fn task_tx(tx: &mut Tx<'_>, id: i64) -> Result<Task> {
    tasks_of(tx, "t.id = $1", id).await?.pop().ok_or_else(|| StoreError::NotFound(format!("抽查任务 {id} 不存在")))
}

/// The plan of a task, checked to belong to `department_id`.
async fn owned_plan_of_task(tx: &mut Tx<'_>, department_id: i64, task_id: i64) -> Result<(Plan, Task)> {
    let task = task_tx(tx, task_id).await?;
    let plan = plan_tx(tx, task.plan_id).await?;
    if plan.department_id != department_id {
        return Err(StoreError::NotFound(format!("抽查任务 {task_id} 不存在或不属于本部门")));
    }
    Ok((plan, task))
}

// --- draws -------------------------------------------------------------------------------------

fn draw_row(r: &Row) -> Result<Draw> {
    let commit_json: String = r.try_get("commit_json")?;
    let commit: DrawCommit = from_json(&commit_json, "抽取承诺")?;
    Ok(Draw {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        task_id: r.try_get("task_id")?,
        plan_id: r.try_get("plan_id")?,
        department_id: r.try_get("department_id")?,
        draw_number: r.try_get("draw_number")?,
        redraw_of: r.try_get("redraw_of_code")?,
        redraw_reason: r.try_get("redraw_reason")?,
        status: r.try_get("status")?,
        entropy_definition: commit.entropy_definition,
        commit_json,
        commit_hash: r.try_get("commit_hash")?,
        commit_seq: r.try_get("commit_seq")?,
        entropy_available_at: r.try_get("entropy_available_at")?,
        witnesses: from_json(&r.try_get::<String, _>("witnesses")?, "见证人")?,
        pool_size: r.try_get("pool_size")?,
        committed_by: r.try_get("committed_by")?,
        committed_at: r.try_get("committed_at")?,
        entropy_value: r.try_get("entropy_value")?,
        seed: r.try_get("seed")?,
        drawn_by: r.try_get("drawn_by")?,
        drawn_at: r.try_get("drawn_at")?,
        failure: r.try_get("failure")?,
    })
}

const DRAW_SELECT: &str = "SELECT d.id, d.code, d.task_id, t.plan_id, p.department_id, d.draw_number, o.code AS redraw_of_code, \
     d.redraw_reason, d.status, d.commit_json, d.commit_hash, d.commit_seq, d.entropy_available_at, d.witnesses, d.pool_size, \
     d.committed_by, d.committed_at, d.entropy_value, d.seed, d.drawn_by, d.drawn_at, d.failure \
     FROM draw_draws d JOIN draw_tasks t ON t.id = d.task_id JOIN draw_plans p ON p.id = t.plan_id \
     LEFT JOIN draw_draws o ON o.id = d.redraw_of";

async fn draws_where(tx: &mut Tx<'_>, cond: &str, bind: i64) -> Result<Vec<Draw>> {
    let rows =
        sqlx::query(&format!("{DRAW_SELECT} WHERE {cond} ORDER BY d.id DESC")).bind(bind).fetch_all(&mut **tx).await?;
    rows.iter().map(draw_row).collect()
}

async fn draw_tx(tx: &mut Tx<'_>, id: i64) -> Result<Draw> {
    draws_where(tx, "d.id = $1", id).await?.pop().ok_or_else(|| StoreError::NotFound(format!("抽取 {id} 不存在")))
}

/// The pool and exclusions a task would draw from now.
struct BuiltPool {
    pool: Pool,
    exclusions: Vec<ExclusionCount>,
}

/// Appends the task's scope filter to a query over `entities`.
fn push_scope(qb: &mut sqlx::QueryBuilder<'_, DB>, task: &Task, departments: &[i64]) {
    let s = &task.scope;
    if !s.kinds.is_empty() {
        qb.push(" AND kind IN (");
        let mut sep = qb.separated(", ");
        for k in &s.kinds {
            sep.push_bind(k.clone());
        }
        qb.push(")");
    }
    if !s.industries.is_empty() {
        qb.push(" AND (");
        for (n, p) in s.industries.iter().enumerate() {
            if n > 0 {
                qb.push(" OR ");
            }
            qb.push("industry LIKE ").push_bind(format!("{}%", like_escape(p))).push(" ESCAPE '\\'");
        }
        qb.push(")");
    }
    if !s.tags.is_empty() {
        qb.push(" AND (");
        for (n, t) in s.tags.iter().enumerate() {
            if n > 0 {
                qb.push(" OR ");
            }
            qb.push("tags LIKE ").push_bind(format!("%;{};%", like_escape(t))).push(" ESCAPE '\\'");
        }
        qb.push(")");
    }
    if task.supervised_only {
        qb.push(" AND uscc IN (SELECT uscc FROM entity_departments WHERE department_id IN (");
        let mut sep = qb.separated(", ");
        for d in departments {
            sep.push_bind(*d);
        }
        qb.push("))");
    }
}

fn push_active(qb: &mut sqlx::QueryBuilder<'_, DB>, active: bool) {
    qb.push(if active { " AND status IN (" } else { " AND status NOT IN (" });
    let mut sep = qb.separated(", ");
    for s in jianguan_domain::registry::ACTIVE_STATUSES {
        sep.push_bind(s.to_string());
    }
    qb.push(")");
}

/// Entities drawn by one of `departments` for one of the task's capped items within
/// the item's interval (the frequency cap).
async fn recently_drawn(tx: &mut Tx<'_>, plan: &Plan, task: &Task, today: NaiveDate) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    if task.directed || plan.kind.full_coverage() {
        return Ok(out);
    }
    for item in &task.items {
        let months: i64 = sqlx::query_scalar("SELECT interval_months FROM draw_items WHERE id = $1")
            .bind(item.id)
            .fetch_one(&mut **tx)
            .await?;
        if months <= 0 {
            continue;
        }
        let since = sampling::months_before(today, months as u32).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "SELECT DISTINCT i.uscc FROM draw_inspections i JOIN draw_draws d ON d.id = i.draw_id \
             JOIN draw_task_items x ON x.task_id = d.task_id JOIN draw_tasks t ON t.id = d.task_id \
             WHERE i.status <> 'cancelled' AND d.status = 'drawn' AND x.item_id = ",
        );
        qb.push_bind(item.id).push(" AND d.drawn_at >= ").push_bind(since);
        qb.push(" AND t.plan_id IN (SELECT plan_id FROM draw_plan_departments WHERE department_id IN (");
        let mut sep = qb.separated(", ");
        for d in &plan.departments {
            sep.push_bind(d.id);
        }
        qb.push("))");
        let rows: Vec<String> = qb.build_query_scalar().fetch_all(&mut **tx).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Streams the registry into the task's canonical pool, ordered by uscc, applying
/// every exclusion and the weight rules.
async fn build_pool(tx: &mut Tx<'_>, plan: &Plan, task: &Task, today: NaiveDate) -> Result<BuiltPool> {
    let departments: Vec<i64> = plan.departments.iter().map(|d| d.id).collect();
    let full = plan.kind.full_coverage();
    let mut deregistered = sqlx::QueryBuilder::<DB>::new("SELECT COUNT(*) FROM entities WHERE 1 = 1");
    push_scope(&mut deregistered, task, &departments);
    push_active(&mut deregistered, false);
    let deregistered: i64 = deregistered.build_query_scalar().fetch_one(&mut **tx).await?;
    let recent = recently_drawn(tx, plan, task, today).await?;
    // Entities in an observation period of inclusive supervision (包容审慎, the trace
    // capability's table) count as under observation, as the registry's 观察期 tag does.
    let observing: HashSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT DISTINCT uscc FROM trace_observations WHERE status = 'observing' AND starts_on <= $1 AND ends_on >= $1",
    )
    .bind(today)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();

    let rules = task.weight_rules;
    let mut builder = PoolBuilder::new();
    let (mut key, mut capped, mut malformed) = (0u64, 0u64, 0u64);
    let mut last = String::new();
    loop {
        // The credit class and the commitment flag come from `credit_classes` (a
        // correlated lookup keeps the registry filters' column names unambiguous).
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "SELECT uscc, tags, (SELECT c.class FROM credit_classes c WHERE c.uscc = entities.uscc) AS credit_class, \
             (SELECT c.commitment_approval FROM credit_classes c WHERE c.uscc = entities.uscc) AS credit_commitment \
             FROM entities WHERE uscc > ",
        );
        qb.push_bind(last.clone());
        push_scope(&mut qb, task, &departments);
        push_active(&mut qb, true);
        qb.push(" ORDER BY uscc LIMIT ").push_bind(POOL_BATCH);
        let rows = qb.build().fetch_all(&mut **tx).await?;
        let Some(end) = rows.last() else { break };
        last = end.try_get("uscc")?;
        let done = (rows.len() as i64) < POOL_BATCH;
        for r in &rows {
            let uscc: String = r.try_get("uscc")?;
            let tags = crate::registry::tags_from_db(&r.try_get::<String, _>("tags")?);
            if !full && tags.iter().any(|t| t == sampling::KEY_SUPERVISION_TAG) {
                key += 1;
                continue;
            }
            if recent.contains(&uscc) {
                capped += 1;
                continue;
            }
            let Ok(code) = uscc.parse::<UsccKey>() else {
                malformed += 1;
                continue;
            };
            let credit_class: Option<String> = r.try_get("credit_class")?;
            let credit_commitment: Option<bool> = r.try_get("credit_commitment")?;
            let (class, mut flags) = sampling::pool_facts(credit_class.as_deref(), credit_commitment, &tags);
            flags.observation_period |= observing.contains(&uscc);
            let weight = rules.weight(class, flags).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let stratum = if task.stratify { class.label() } else { "all" };
            builder.push(code, weight, stratum).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        if done {
            break;
        }
    }
    let pool = builder.finish().map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut exclusions = Vec::new();
    for (reason, count) in [
        ("已注销、吊销、撤销、迁出或停业 (deregistered or not in business)".to_string(), deregistered as u64),
        ("纳入重点监管,实行全覆盖检查 (under key supervision: full coverage)".to_string(), key),
        (
            "同一部门同一事项在抽查间隔期内已抽中 (drawn by the same department for the same item within the interval)"
                .to_string(),
            capped,
        ),
        ("统一社会信用代码格式不符 (malformed code)".to_string(), malformed),
    ] {
        if count > 0 {
            exclusions.push(ExclusionCount { reason, count });
        }
    }
    Ok(BuiltPool { pool, exclusions })
}

/// The quotas a task draws with.
fn task_quotas(plan: &Plan, task: &Task) -> BTreeMap<String, Quota> {
    if plan.kind.full_coverage() {
        let labels: Vec<&str> =
            if task.stratify { RiskClass::ALL.iter().map(|c| c.label()).collect() } else { vec!["all"] };
        return labels.into_iter().map(|l| (l.to_string(), Quota::PerMille(1000))).collect();
    }
    task.quotas.clone()
}

/// The quotas against the pool's strata, before anyone is asked about inspectors: a
/// count above a stratum's size, or nothing to draw, is refused as the draw would.
fn check_quotas(pool: &Pool, quotas: &BTreeMap<String, Quota>) -> Result<()> {
    let stats = pool.stratum_stats();
    let mut total = 0u64;
    for (label, quota) in quotas {
        let size = pool.strata().iter().position(|l| l == label).map_or(0, |i| stats[i].0);
        total += quota.resolve(label, size).map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    if let Some(missing) = pool.strata().iter().find(|l| !quotas.contains_key(*l)) {
        return Err(StoreError::Invalid(dd::DrawError::MissingQuota { stratum: missing.clone() }.to_string()));
    }
    if total == 0 {
        return Err(StoreError::Invalid(dd::DrawError::NothingToDraw.to_string()));
    }
    Ok(())
}

/// Entity-independent reasons an inspector cannot be drawn.
fn fixed_exclusions(i: &Inspector, valid_on: NaiveDate, cap: u32, items: &[String]) -> Vec<dd::Exclusion> {
    let mut r = Vec::new();
    if !i.active {
        r.push(dd::Exclusion::Inactive);
    }
    if valid_on < i.valid_from {
        r.push(dd::Exclusion::CertificateNotYetValid { valid_from: i.valid_from });
    }
    if valid_on > i.valid_until {
        r.push(dd::Exclusion::CertificateExpired { valid_until: i.valid_until });
    }
    if !items.iter().any(|c| i.items.contains(c)) {
        r.push(dd::Exclusion::NoCertificateForItems { items: items.to_vec() });
    }
    if i.prior_assignments >= cap {
        r.push(dd::Exclusion::AtWorkloadCap { cap });
    }
    r
}

/// The frozen roster of a draw (roster entry id with the draw's view of the inspector),
/// the inspection parameters, and a refusal when fewer than two could ever be drawn.
async fn freeze_roster(
    tx: &mut Tx<'_>,
    plan: &Plan,
    task: &Task,
    pool: &Pool,
) -> Result<(Vec<(i64, Inspector)>, InspectionParams)> {
    let item_codes: Vec<String> = task.items.iter().map(|i| i.code.clone()).collect();
    let loads = workloads_tx(tx, plan.year).await?;
    let mut cap = u32::MAX;
    let mut roster = Vec::new();
    for d in &plan.departments {
        cap = cap.min(cap_tx(tx, d.id).await?);
        for e in roster_where(tx, "r.department_id = $1", d.id).await? {
            let mut recusals: Vec<UsccKey> = e
                .recusals
                .iter()
                .filter_map(|c| c.uscc.parse::<UsccKey>().ok())
                .filter(|u| pool.position(u).is_some())
                .collect();
            recusals.sort();
            recusals.dedup();
            let items: Vec<String> =
                e.items.iter().map(|i| i.code.clone()).filter(|c| item_codes.contains(c)).collect();
            roster.push((
                e.id,
                Inspector {
                    certificate_no: e.certificate_no.clone(),
                    name: e.name.clone(),
                    department: d.name.clone(),
                    items,
                    valid_from: e.valid_from,
                    valid_until: e.valid_until,
                    active: e.status == "active",
                    prior_assignments: loads.get(&e.id).copied().unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
                    recusals,
                },
            ));
        }
    }
    roster.sort_by(|a, b| a.1.certificate_no.cmp(&b.1.certificate_no));
    let params = InspectionParams {
        valid_on: task.ends_on,
        team_size: task.team_size,
        workload_cap: cap,
        departments: plan.departments.iter().map(|d| d.name.clone()).collect(),
    };
    let eligible =
        roster.iter().filter(|(_, i)| fixed_exclusions(i, params.valid_on, cap, &item_codes).is_empty()).count();
    if eligible < dd::MIN_TEAM_SIZE as usize {
        let mut lines: Vec<String> = roster
            .iter()
            .map(|(_, i)| {
                let why = fixed_exclusions(i, params.valid_on, cap, &item_codes);
                if why.is_empty() {
                    format!("{}({})可抽取", i.name, i.certificate_no)
                } else {
                    let why: Vec<String> = why.iter().map(ToString::to_string).collect();
                    format!("{}({}):{}", i.name, i.certificate_no, why.join(";"))
                }
            })
            .collect();
        if lines.is_empty() {
            lines.push("参与部门的执法检查人员名录库为空".into());
        }
        return Err(StoreError::Invalid(format!(
            "可抽取的检查人员不足{}名(须持有效执法证、可检查事项{}、在岗且未达年度工作量上限{}),本次未承诺、未抽取。{}",
            dd::MIN_TEAM_SIZE,
            item_codes.join("、"),
            cap,
            lines.join(" | ")
        )));
    }
    Ok((roster, params))
}

async fn pool_of(tx: &mut Tx<'_>, draw_id: i64) -> Result<Pool> {
    let strata: String = sqlx::query_scalar("SELECT pool_strata FROM draw_draws WHERE id = $1")
        .bind(draw_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("抽取 {draw_id} 不存在")))?;
    let strata: Vec<String> = from_json(&strata, "抽取名录")?;
    let size: i64 =
        sqlx::query_scalar("SELECT pool_size FROM draw_draws WHERE id = $1").bind(draw_id).fetch_one(&mut **tx).await?;
    let mut builder = PoolBuilder::with_capacity(size as usize);
    let mut chunk = 0i64;
    loop {
        // A few chunks at a time keeps memory flat for large pools.
        let rows = sqlx::query(
            "SELECT chunk, data FROM draw_pool_chunks WHERE draw_id = $1 AND chunk >= $2 ORDER BY chunk LIMIT 16",
        )
        .bind(draw_id)
        .bind(chunk)
        .fetch_all(&mut **tx)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let n: i64 = r.try_get("chunk")?;
            if n != chunk {
                return Err(StoreError::Invalid("抽取名录快照缺失分块".into()));
            }
            let data: Vec<u8> = r.try_get("data")?;
            decode_chunk(&mut builder, &strata, &data)?;
            chunk += 1;
        }
    }
    let pool = builder.finish().map_err(|e| StoreError::Invalid(format!("抽取名录快照已损坏:{e}")))?;
    if pool.len() as i64 != size {
        return Err(StoreError::Invalid("抽取名录快照条数与承诺不符".into()));
    }
    Ok(pool)
}

/// Everything needed to (re)compute a draw: the spec rebuilt from the stored commit,
/// the frozen roster with roster entry ids.
async fn spec_of(tx: &mut Tx<'_>, draw_id: i64) -> Result<(DrawSpec, Vec<(i64, Inspector)>)> {
    let r = sqlx::query("SELECT commit_json, roster_json FROM draw_draws WHERE id = $1")
        .bind(draw_id)
        .fetch_one(&mut **tx)
        .await?;
    let commit: DrawCommit = from_json(&r.try_get::<String, _>("commit_json")?, "抽取承诺")?;
    let roster: Vec<(i64, Inspector)> = from_json(&r.try_get::<String, _>("roster_json")?, "检查人员名录快照")?;
    let pool = pool_of(tx, draw_id).await?;
    let spec = DrawSpec {
        draw_id: commit.draw_id,
        draw_number: commit.draw_number,
        redraw: commit.redraw,
        plan_id: commit.plan_id,
        task_id: commit.task_id,
        committed_at: commit.committed_at,
        entropy_definition: commit.entropy_definition,
        parameters: commit.parameters,
        pool: Arc::new(pool),
        roster: roster.iter().map(|(_, i)| i.clone()).collect(),
    };
    Ok((spec, roster))
}

/// Runs the draw on the blocking pool (it hashes every pool entry on all cores).
async fn compute(input: dd::DrawInput) -> Result<std::result::Result<dd::DrawOutcome, dd::DrawError>> {
    tokio::task::spawn_blocking(move || dd::run_draw(&input))
        .await
        .map_err(|e| StoreError::Invalid(format!("抽取计算中断:{e}")))
}

// --- inspections -----------------------------------------------------------------------------------

const INSPECTION_SELECT: &str =
    "SELECT i.*, d.code AS draw_code, t.id AS task_id, t.name AS task_name, p.id AS plan_id, \
     p.code AS plan_code, p.title AS plan_title, p.department_id, dep.name AS department \
     FROM draw_inspections i JOIN draw_draws d ON d.id = i.draw_id JOIN draw_tasks t ON t.id = d.task_id \
     JOIN draw_plans p ON p.id = t.plan_id JOIN departments dep ON dep.id = p.department_id";

/// Loads inspections with their teams, items, results and evidence.
async fn hydrate(tx: &mut Tx<'_>, rows: Vec<Row>) -> Result<Vec<Inspection>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get("status")?;
        out.push(Inspection {
            id: r.try_get("id")?,
            draw_id: r.try_get("draw_id")?,
            draw_code: r.try_get("draw_code")?,
            task_id: r.try_get("task_id")?,
            task_name: r.try_get("task_name")?,
            plan_id: r.try_get("plan_id")?,
            plan_code: r.try_get("plan_code")?,
            plan_title: r.try_get("plan_title")?,
            department_id: r.try_get("department_id")?,
            department: r.try_get("department")?,
            position: r.try_get("position")?,
            uscc: r.try_get("uscc")?,
            entity_name: r.try_get("entity_name")?,
            stratum: r.try_get("stratum")?,
            status: stored_status(&status),
            inspected_on: r.try_get("inspected_on")?,
            publish_due: r.try_get("publish_due")?,
            summary: r.try_get("summary")?,
            return_reason: r.try_get("return_reason")?,
            submitted_by: r.try_get("submitted_by")?,
            reviewed_by: r.try_get("reviewed_by")?,
            published_at: r.try_get("published_at")?,
            version: r.try_get("version")?,
            team: Vec::new(),
            items: Vec::new(),
            results: Vec::new(),
            evidence: Vec::new(),
        });
    }
    let mut task_items: HashMap<i64, Vec<ItemRef>> = HashMap::new();
    for chunk in out.chunks_mut(500) {
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "SELECT a.inspection_id, a.leader, r.id, r.name, r.certificate_no, r.account_id, d.name AS department \
             FROM draw_assignments a JOIN draw_inspectors r ON r.id = a.inspector_id JOIN departments d ON d.id = r.department_id \
             WHERE a.inspection_id IN (",
        );
        let mut sep = qb.separated(", ");
        for i in chunk.iter() {
            sep.push_bind(i.id);
        }
        qb.push(") ORDER BY a.inspection_id, a.leader DESC, r.certificate_no");
        let seats = qb.build().fetch_all(&mut **tx).await?;
        let mut qb = sqlx::QueryBuilder::<DB>::new("SELECT * FROM draw_results WHERE inspection_id IN (");
        let mut sep = qb.separated(", ");
        for i in chunk.iter() {
            sep.push_bind(i.id);
        }
        qb.push(") ORDER BY inspection_id, item_id");
        let results = qb.build().fetch_all(&mut **tx).await?;
        let mut qb = sqlx::QueryBuilder::<DB>::new(
            "SELECT id, inspection_id, file_name, content_type, bytes, sha256, uploaded_by, uploaded_at FROM draw_evidence \
             WHERE inspection_id IN (",
        );
        let mut sep = qb.separated(", ");
        for i in chunk.iter() {
            sep.push_bind(i.id);
        }
        qb.push(") ORDER BY id");
        let evidence = qb.build().fetch_all(&mut **tx).await?;
        let index: HashMap<i64, usize> = chunk.iter().enumerate().map(|(n, i)| (i.id, n)).collect();
        for s in &seats {
            let at = index[&s.try_get::<i64, _>("inspection_id")?];
            chunk[at].team.push(TeamSeat {
                inspector_id: s.try_get("id")?,
                name: s.try_get("name")?,
                certificate_no: s.try_get("certificate_no")?,
                department: s.try_get("department")?,
                account_id: s.try_get("account_id")?,
                leader: s.try_get("leader")?,
            });
        }
        for x in &results {
            let at = index[&x.try_get::<i64, _>("inspection_id")?];
            chunk[at].results.push(ItemResult {
                item_id: x.try_get("item_id")?,
                result: x.try_get("result")?,
                note: x.try_get("note")?,
            });
        }
        for e in &evidence {
            let at = index[&e.try_get::<i64, _>("inspection_id")?];
            chunk[at].evidence.push(evidence_row(e)?);
        }
        for i in chunk.iter_mut() {
            if let std::collections::hash_map::Entry::Vacant(v) = task_items.entry(i.task_id) {
                v.insert(task_tx(tx, i.task_id).await?.items);
            }
            i.items = task_items[&i.task_id].clone();
        }
    }
    Ok(out)
}

fn evidence_row(r: &Row) -> Result<Evidence> {
    Ok(Evidence {
        id: r.try_get("id")?,
        inspection_id: r.try_get("inspection_id")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        bytes: r.try_get("bytes")?,
        sha256: r.try_get("sha256")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

async fn inspection_tx(tx: &mut Tx<'_>, id: i64) -> Result<Inspection> {
    let rows = sqlx::query(&format!("{INSPECTION_SELECT} WHERE i.id = $1")).bind(id).fetch_all(&mut **tx).await?;
    hydrate(tx, rows).await?.pop().ok_or_else(|| StoreError::NotFound(format!("检查任务 {id} 不存在")))
}

/// The inspection, if the account holds a seat in its team.
async fn assigned_inspection(tx: &mut Tx<'_>, account_id: i64, id: i64) -> Result<Inspection> {
    let seat: Option<i64> = sqlx::query_scalar(
        "SELECT a.inspector_id FROM draw_assignments a JOIN draw_inspectors r ON r.id = a.inspector_id \
         WHERE a.inspection_id = $1 AND r.account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await?;
    if seat.is_none() {
        return Err(StoreError::NotFound(format!("检查任务 {id} 不存在或未分配给您")));
    }
    inspection_tx(tx, id).await
}

#[async_trait::async_trait]
impl crate::draw::DrawStore for S {
    async fn draw_items(&self, department_id: i64) -> Result<Vec<DrawItem>> {
        let mut tx = self.read().begin().await?;
        items_where(&mut tx, VISIBLE_ITEMS, department_id).await
    }

    async fn draw_item(&self, id: i64) -> Result<DrawItem> {
        let mut tx = self.read().begin().await?;
        item_tx(&mut tx, id).await
    }

    async fn draw_item_create(&self, actor: &Actor, department_id: i64, input: &DrawItemInput) -> Result<DrawItem> {
        let i = normalise_item(input);
        validate_item(&i)?;
        let mut tx = self.begin_write().await?;
        let owner = department(&mut tx, department_id).await?;
        check_item_departments(&mut tx, &owner, &i).await?;
        let id = write_item(&mut tx, department_id, &i, None).await?;
        self.append_audit(
            &mut tx,
            &actor.event("draw_item.create", format!("draw_item:{id}"), serde_json::to_value(&i).expect("json")),
        )
        .await?;
        let item = item_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(item)
    }

    async fn draw_item_update(
        &self,
        actor: &Actor,
        department_id: i64,
        id: i64,
        input: &DrawItemInput,
        expected_version: i64,
    ) -> Result<DrawItem> {
        let i = normalise_item(input);
        validate_item(&i)?;
        let mut tx = self.begin_write().await?;
        let current = item_tx(&mut tx, id).await?;
        if current.department_id != department_id {
            return Err(StoreError::NotFound(format!("抽查事项 {id} 不存在或不属于本部门")));
        }
        let owner = department(&mut tx, department_id).await?;
        check_item_departments(&mut tx, &owner, &i).await?;
        write_item(&mut tx, department_id, &i, Some((id, expected_version))).await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "draw_item.update",
                format!("draw_item:{id}"),
                serde_json::json!({ "version": expected_version + 1, "item": i }),
            ),
        )
        .await?;
        let item = item_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(item)
    }

    async fn draw_items_import(
        &self,
        actor: &Actor,
        department_id: i64,
        items: &[DrawItemInput],
    ) -> Result<ItemsImport> {
        if items.is_empty() {
            return Err(StoreError::Invalid("文件中没有事项".into()));
        }
        let normal: Vec<DrawItemInput> = items.iter().map(normalise_item).collect();
        let mut seen = HashSet::new();
        for (n, i) in normal.iter().enumerate() {
            validate_item(i).map_err(|e| StoreError::Invalid(format!("第{}行:{e}", n + 2)))?;
            if !seen.insert(i.code.clone()) {
                return Err(StoreError::Invalid(format!("第{}行:事项编码“{}”在文件中重复", n + 2, i.code)));
            }
        }
        let mut tx = self.begin_write().await?;
        let owner = department(&mut tx, department_id).await?;
        let mut out = ItemsImport::default();
        for (n, i) in normal.iter().enumerate() {
            check_item_departments(&mut tx, &owner, i)
                .await
                .map_err(|e| StoreError::Invalid(format!("第{}行:{e}", n + 2)))?;
            let existing = sqlx::query("SELECT id, department_id, version FROM draw_items WHERE code = $1")
                .bind(&i.code)
                .fetch_optional(&mut *tx)
                .await?;
            match existing {
                None => {
                    write_item(&mut tx, department_id, i, None).await?;
                    out.created += 1;
                }
                Some(r) => {
                    let id: i64 = r.try_get("id")?;
                    if r.try_get::<i64, _>("department_id")? != department_id {
                        return Err(StoreError::Invalid(format!("第{}行:事项编码“{}”已被其他部门使用", n + 2, i.code)));
                    }
                    let current = item_tx(&mut tx, id).await?;
                    if current.input == *i {
                        out.unchanged += 1;
                    } else {
                        write_item(&mut tx, department_id, i, Some((id, r.try_get("version")?))).await?;
                        out.updated += 1;
                    }
                }
            }
        }
        self.append_audit(
            &mut tx,
            &actor.event(
                "draw_item.import",
                format!("department:{department_id}"),
                serde_json::json!({ "created": out.created, "updated": out.updated, "unchanged": out.unchanged,
                                    "codes": normal.iter().map(|i| &i.code).collect::<Vec<_>>() }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn roster(&self, department_id: i64) -> Result<Vec<RosterEntry>> {
        let mut tx = self.read().begin().await?;
        roster_where(&mut tx, "r.department_id = $1", department_id).await
    }

    async fn roster_entry(&self, id: i64) -> Result<RosterEntry> {
        let mut tx = self.read().begin().await?;
        roster_tx(&mut tx, id).await
    }

    async fn roster_entry_for_account(&self, account_id: i64) -> Result<Option<RosterEntry>> {
        let mut tx = self.read().begin().await?;
        Ok(roster_where(&mut tx, "r.account_id = $1", account_id).await?.pop())
    }

    async fn roster_create(&self, actor: &Actor, department_id: i64, input: &InspectorInput) -> Result<RosterEntry> {
        let mut tx = self.begin_write().await?;
        department(&mut tx, department_id).await?;
        validate_inspector(&mut tx, department_id, input, None).await?;
        let t = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO draw_inspectors (department_id, account_id, name, certificate_no, valid_from, valid_until, status, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
        )
        .bind(department_id)
        .bind(input.account_id)
        .bind(input.name.trim())
        .bind(input.certificate_no.trim())
        .bind(input.valid_from)
        .bind(input.valid_until)
        .bind(&input.status)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("执法证号“{}”已在名录库中", input.certificate_no.trim()))
            } else {
                e.into()
            }
        })?;
        write_inspector_items(&mut tx, id, &input.item_ids).await?;
        // Names of people stay out of the audit trail: the certificate number identifies.
        self.append_audit(
            &mut tx,
            &actor.event(
                "roster.create",
                format!("inspector:{id}"),
                serde_json::json!({ "certificate_no": input.certificate_no.trim(), "department_id": department_id,
                                    "valid_from": input.valid_from, "valid_until": input.valid_until, "status": input.status,
                                    "items": input.item_ids, "account_id": input.account_id }),
            ),
        )
        .await?;
        let e = roster_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn roster_update(
        &self,
        actor: &Actor,
        department_id: i64,
        id: i64,
        input: &InspectorInput,
        expected_version: i64,
    ) -> Result<RosterEntry> {
        let mut tx = self.begin_write().await?;
        let current = roster_tx(&mut tx, id).await?;
        if current.department_id != department_id {
            return Err(StoreError::NotFound(format!("执法检查人员 {id} 不存在或不属于本部门")));
        }
        validate_inspector(&mut tx, department_id, input, Some(id)).await?;
        let n = sqlx::query(
            "UPDATE draw_inspectors SET account_id = $1, name = $2, certificate_no = $3, valid_from = $4, valid_until = $5, \
             status = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
        )
        .bind(input.account_id)
        .bind(input.name.trim())
        .bind(input.certificate_no.trim())
        .bind(input.valid_from)
        .bind(input.valid_until)
        .bind(&input.status)
        .bind(now())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("执法证号“{}”已在名录库中", input.certificate_no.trim()))
            } else {
                e.into()
            }
        })?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("该人员信息已被他人修改,请刷新后重新编辑".into()));
        }
        write_inspector_items(&mut tx, id, &input.item_ids).await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "roster.update",
                format!("inspector:{id}"),
                serde_json::json!({ "certificate_no": input.certificate_no.trim(), "valid_from": input.valid_from,
                                    "valid_until": input.valid_until, "status": input.status, "items": input.item_ids,
                                    "account_id": input.account_id, "version": expected_version + 1 }),
            ),
        )
        .await?;
        let e = roster_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn recusal_declare(
        &self,
        actor: &Actor,
        inspector_id: i64,
        uscc: &str,
        reason_sealed: &str,
        source: &str,
    ) -> Result<Recusal> {
        let uscc = uscc.trim().to_ascii_uppercase();
        if uscc.parse::<UsccKey>().is_err() {
            return Err(StoreError::Invalid(format!("统一社会信用代码“{uscc}”格式错误(18位,不含I、O、S、V、Z)")));
        }
        if !matches!(source, "self" | "department") {
            return Err(StoreError::Invalid("回避来源只能是本人申报或部门登记".into()));
        }
        let mut tx = self.begin_write().await?;
        roster_tx(&mut tx, inspector_id).await?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM draw_recusals WHERE inspector_id = $1 AND uscc = $2 AND withdrawn_at IS NULL",
        )
        .bind(inspector_id)
        .bind(&uscc)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Err(StoreError::Conflict(format!("已对 {uscc} 申报过回避")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO draw_recusals (inspector_id, uscc, reason_sealed, source, declared_by, declared_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(inspector_id)
        .bind(&uscc)
        .bind(reason_sealed)
        .bind(source)
        .bind(&actor.name)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        // The reason is personal data and stays out of the trail.
        self.append_audit(
            &mut tx,
            &actor.event(
                "roster.recusal_declare",
                format!("inspector:{inspector_id}"),
                serde_json::json!({ "recusal": id, "uscc": uscc, "source": source }),
            ),
        )
        .await?;
        let r = sqlx::query(
            "SELECT c.*, e.name AS entity_name FROM draw_recusals c LEFT JOIN entities e ON e.uscc = c.uscc WHERE c.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let c = recusal_row(&r)?;
        tx.commit().await?;
        Ok(c)
    }

    async fn recusal_withdraw(&self, actor: &Actor, department_id: i64, id: i64) -> Result<Recusal> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "SELECT c.*, e.name AS entity_name, r.department_id FROM draw_recusals c JOIN draw_inspectors r ON r.id = c.inspector_id \
             LEFT JOIN entities e ON e.uscc = c.uscc WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("回避记录 {id} 不存在")))?;
        if r.try_get::<i64, _>("department_id")? != department_id {
            return Err(StoreError::NotFound(format!("回避记录 {id} 不存在或不属于本部门")));
        }
        let n = sqlx::query(
            "UPDATE draw_recusals SET withdrawn_by = $1, withdrawn_at = $2 WHERE id = $3 AND withdrawn_at IS NULL",
        )
        .bind(&actor.name)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("该回避记录已撤销".into()));
        }
        let c = recusal_row(&r)?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "roster.recusal_withdraw",
                format!("inspector:{}", c.inspector_id),
                serde_json::json!({ "recusal": id, "uscc": c.uscc }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    async fn workload_cap(&self, department_id: i64) -> Result<u32> {
        let mut tx = self.read().begin().await?;
        cap_tx(&mut tx, department_id).await
    }

    async fn set_workload_cap(&self, actor: &Actor, department_id: i64, cap: u32) -> Result<()> {
        if cap == 0 || cap > 10_000 {
            return Err(StoreError::Invalid("年度工作量上限须在1至10000之间".into()));
        }
        let mut tx = self.begin_write().await?;
        department(&mut tx, department_id).await?;
        sqlx::query(
            "INSERT INTO draw_roster_settings (department_id, workload_cap, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (department_id) DO UPDATE SET workload_cap = excluded.workload_cap, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(department_id)
        .bind(i64::from(cap))
        .bind(&actor.name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "roster.workload_cap",
                format!("department:{department_id}"),
                serde_json::json!({ "cap": cap }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn workloads(&self, year: i32) -> Result<BTreeMap<i64, i64>> {
        let mut tx = self.read().begin().await?;
        workloads_tx(&mut tx, year).await
    }

    async fn plan_create(
        &self,
        actor: &Actor,
        department_id: i64,
        input: &PlanInput,
        today: NaiveDate,
    ) -> Result<Plan> {
        sampling::check_plan_year(input.year, today).map_err(StoreError::Invalid)?;
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(StoreError::Invalid("计划名称不能为空,最长200字".into()));
        }
        let reason = input.reason.trim();
        if input.kind == PlanKind::Temporary && reason.is_empty() {
            return Err(StoreError::Invalid("临时抽查计划须写明制定原因(如上级交办、突发事件等)".into()));
        }
        if reason.chars().count() > 2000 {
            return Err(StoreError::Invalid("制定原因过长(最多2000字)".into()));
        }
        let mut others = input.departments.clone();
        others.sort_unstable();
        others.dedup();
        others.retain(|d| *d != department_id);
        match input.kind {
            PlanKind::Joint if others.is_empty() => {
                return Err(StoreError::Invalid("部门联合抽查计划须至少有一个其他参与部门".into()))
            }
            PlanKind::Annual | PlanKind::Key if !others.is_empty() => {
                return Err(StoreError::Invalid(format!(
                    "{}只属于本部门;多部门联合检查请制定部门联合抽查计划",
                    input.kind.label()
                )))
            }
            _ => {}
        }
        let mut tx = self.begin_write().await?;
        let owner = department(&mut tx, department_id).await?;
        if input.kind == PlanKind::Joint && owner.code != sampling::COORDINATOR {
            return Err(StoreError::Invalid(
                "部门联合抽查计划由区市场监管局统筹制定;其他部门可制定临时联合抽查计划".into(),
            ));
        }
        for d in &others {
            department(&mut tx, *d).await?;
        }
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM draw_plans WHERE department_id = $1 AND year = $2 AND kind = $3")
                .bind(department_id)
                .bind(i64::from(input.year))
                .bind(input.kind.code())
                .fetch_one(&mut *tx)
                .await?;
        let code = sampling::plan_code(input.year, &owner.code, input.kind, n + 1);
        let t = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO draw_plans (code, department_id, year, kind, title, reason, status, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, $7, $8, $8) RETURNING id",
        )
        .bind(&code)
        .bind(department_id)
        .bind(i64::from(input.year))
        .bind(input.kind.code())
        .bind(title)
        .bind(reason)
        .bind(&actor.name)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("本部门{}年的年度抽查计划已经存在", input.year))
            } else {
                e.into()
            }
        })?;
        for d in std::iter::once(department_id).chain(others.iter().copied()) {
            sqlx::query("INSERT INTO draw_plan_departments (plan_id, department_id) VALUES ($1, $2)")
                .bind(id)
                .bind(d)
                .execute(&mut *tx)
                .await?;
        }
        self.append_audit(
            &mut tx,
            &actor.event(
                "draw_plan.create",
                format!("draw_plan:{id}"),
                serde_json::json!({ "code": code, "year": input.year, "kind": input.kind.code(), "title": title,
                                    "reason": reason, "departments": others }),
            ),
        )
        .await?;
        let plan = plan_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn plan(&self, id: i64) -> Result<Plan> {
        let mut tx = self.read().begin().await?;
        plan_tx(&mut tx, id).await
    }

    async fn plan_by_code(&self, code: &str) -> Result<Plan> {
        let mut tx = self.read().begin().await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM draw_plans WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("抽查计划“{code}”不存在")))?;
        plan_tx(&mut tx, id).await
    }

    async fn plans(&self, f: &PlanFilter) -> Result<Vec<Plan>> {
        let mut tx = self.read().begin().await?;
        let mut plans = match f.department_id {
            Some(d) => {
                plans_where(&mut tx, "p.id IN (SELECT plan_id FROM draw_plan_departments WHERE department_id = $1)", d)
                    .await?
            }
            None => plans_where(&mut tx, "p.id > $1", 0).await?,
        };
        plans.retain(|p| f.year.is_none_or(|y| p.year == y) && (!f.published_only || p.status == "published"));
        Ok(plans)
    }

    async fn task_add(&self, actor: &Actor, department_id: i64, plan_id: i64, input: &TaskInput) -> Result<Task> {
        let mut tx = self.begin_write().await?;
        let plan = plan_tx(&mut tx, plan_id).await?;
        if plan.department_id != department_id {
            return Err(StoreError::NotFound(format!("抽查计划 {plan_id} 不存在或不属于本部门")));
        }
        if plan.status != "draft" {
            return Err(StoreError::Conflict("计划已发布,不能再增加任务;如需调整请制定临时抽查计划".into()));
        }
        let mut task = input.clone();
        task.scope = clean_scope(&input.scope);
        task.item_ids.sort_unstable();
        task.item_ids.dedup();
        if plan.kind.full_coverage() {
            task.quotas = BTreeMap::new();
        }
        validate_task(&task, plan.year, plan.departments.len(), plan.kind.full_coverage())?;
        for item in &task.item_ids {
            let visible = plan.departments.iter().map(|d| d.id).collect::<Vec<_>>();
            let mut ok = false;
            for d in visible {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM draw_items i WHERE i.id = $2 AND i.active = TRUE AND {VISIBLE_ITEMS}"
                ))
                .bind(d)
                .bind(item)
                .fetch_one(&mut *tx)
                .await?;
                ok |= n > 0;
            }
            if !ok {
                return Err(StoreError::Invalid(format!("抽查事项 {item} 不在参与部门的有效事项清单中")));
            }
        }
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM draw_tasks WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO draw_tasks (plan_id, seq, name, scope_kinds, scope_industries, scope_tags, supervised_only, stratify, quotas, \
             weight_rules, starts_on, ends_on, directed, team_size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(plan_id)
        .bind(seq)
        .bind(task.name.trim())
        .bind(to_json(&task.scope.kinds))
        .bind(to_json(&task.scope.industries))
        .bind(to_json(&task.scope.tags))
        .bind(task.supervised_only)
        .bind(task.stratify)
        .bind(to_json(&task.quotas))
        .bind(to_json(&task.weight_rules))
        .bind(task.starts_on)
        .bind(task.ends_on)
        .bind(task.directed)
        .bind(i64::from(task.team_size))
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        for item in &task.item_ids {
            sqlx::query("INSERT INTO draw_task_items (task_id, item_id) VALUES ($1, $2)")
                .bind(id)
                .bind(item)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE draw_plans SET version = version + 1, updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "draw_plan.task_add",
                format!("draw_plan:{plan_id}"),
                serde_json::json!({ "task": id, "seq": seq, "input": task }),
            ),
        )
        .await?;
        let t = task_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(t)
    }

    async fn task(&self, id: i64) -> Result<Task> {
        let mut tx = self.read().begin().await?;
        task_tx(&mut tx, id).await
    }

    async fn plan_publish(&self, actor: &Actor, department_id: i64, plan_id: i64) -> Result<Plan> {
        let mut tx = self.begin_write().await?;
        let plan = plan_tx(&mut tx, plan_id).await?;
        if plan.department_id != department_id {
            return Err(StoreError::NotFound(format!("抽查计划 {plan_id} 不存在或不属于本部门")));
        }
        if plan.tasks.is_empty() {
            return Err(StoreError::Invalid("计划中还没有抽查任务,不能发布".into()));
        }
        let n = sqlx::query(
            "UPDATE draw_plans SET status = 'published', published_by = $1, published_at = $2, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND status = 'draft'",
        )
        .bind(&actor.name)
        .bind(now())
        .bind(plan_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("计划已经发布".into()));
        }
        self.append_audit(
            &mut tx,
            &actor.event("draw_plan.publish", format!("draw_plan:{plan_id}"), serde_json::json!({ "code": plan.code })),
        )
        .await?;
        let plan = plan_tx(&mut tx, plan_id).await?;
        let tasks: Vec<String> = plan
            .tasks
            .iter()
            .map(|t| format!("{}:{}", t.name, t.items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join("、")))
            .collect();
        Self::search_index_tx(
            &mut tx,
            &crate::publicity::SearchDoc {
                doc_key: format!("draw_plan:{plan_id}"),
                kind: "draw_plan".into(),
                title: plan.title.clone(),
                section: "抽查计划".into(),
                url: format!("/public/draw/plans/{plan_id}"),
                published_on: crate::publicity::cst_date(plan.published_at.unwrap_or_else(now)),
                body: format!("{} {} {}年\n{}\n{}", plan.code, plan.department, plan.year, plan.reason, tasks.join("\n")),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn departments_missing_annual_plan(&self, year: i32) -> Result<Vec<DeptRef>> {
        let rows = sqlx::query(
            "SELECT d.id, d.code, d.name FROM departments d WHERE d.kind = 'department' AND d.active = TRUE \
             AND EXISTS (SELECT 1 FROM draw_items i WHERE i.department_id = d.id AND i.active = TRUE AND i.joint = FALSE) \
             AND NOT EXISTS (SELECT 1 FROM draw_plans p WHERE p.department_id = d.id AND p.kind = 'annual' AND p.year = $1 \
                             AND p.status = 'published') ORDER BY d.id",
        )
        .bind(i64::from(year))
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| Ok(DeptRef { id: r.try_get("id")?, code: r.try_get("code")?, name: r.try_get("name")? }))
            .collect()
    }

    async fn pool_preview(&self, task_id: i64, today: NaiveDate) -> Result<PoolPreview> {
        let mut tx = self.read().begin().await?;
        let task = task_tx(&mut tx, task_id).await?;
        let plan = plan_tx(&mut tx, task.plan_id).await?;
        let built = build_pool(&mut tx, &plan, &task, today).await?;
        let stats = built.pool.stratum_stats();
        Ok(PoolPreview {
            size: built.pool.len() as u64,
            strata: built.pool.strata().iter().cloned().zip(stats.iter().map(|s| s.0)).collect(),
            exclusions: built.exclusions.into_iter().map(|x| (x.reason, x.count)).collect(),
        })
    }

    async fn draw_commit(
        &self,
        actor: &Actor,
        department_id: i64,
        req: &CommitRequest,
        now: Timestamp,
    ) -> Result<Draw> {
        let committed_at = now.with_nanosecond_zero();
        let today = committed_at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
        // Read phase: the pool and roster as they stand now (a consistent read snapshot).
        let mut rtx = self.read().begin().await?;
        let (plan, task) = owned_plan_of_task(&mut rtx, department_id, req.task_id).await?;
        if plan.status != "published" {
            return Err(StoreError::Invalid("计划尚未审核发布,不能抽取".into()));
        }
        if today > task.ends_on {
            return Err(StoreError::Invalid(format!("任务期间已于{}结束,不能再抽取", task.ends_on)));
        }
        let previous = draws_where(&mut rtx, "d.task_id = $1", task.id).await?;
        let last = previous.first();
        if let Some(open) = previous.iter().find(|d| d.status == "committed") {
            return Err(StoreError::Conflict(format!(
                "该任务已有一次已承诺、尚未抽取的抽取({}),须先完成该次抽取",
                open.code
            )));
        }
        let reason = req.redraw_reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let redraw = match (last, reason) {
            (None, None) => None,
            (None, Some(_)) => return Err(StoreError::Invalid("该任务尚未抽取过,首次抽取不填写重新抽取原因".into())),
            (Some(l), None) => {
                return Err(StoreError::Invalid(format!(
                    "该任务已有抽取({}),再次抽取即重新抽取,须写明原因;原抽取结果保留公示",
                    l.code
                )))
            }
            (Some(l), Some(r)) => {
                let started: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM draw_inspections i WHERE i.draw_id = $1 AND (i.status NOT IN ('pending', 'cancelled') \
                     OR EXISTS (SELECT 1 FROM draw_results x WHERE x.inspection_id = i.id))",
                )
                .bind(l.id)
                .fetch_one(&mut *rtx)
                .await?;
                if started > 0 {
                    return Err(StoreError::Conflict(format!(
                        "原抽取({})已有{started}户录入了检查结果,不能重新抽取",
                        l.code
                    )));
                }
                Some((l.id, dd::Redraw { of: l.code.clone(), reason: r.to_string() }))
            }
        };
        let draw_number = last.map_or(1, |l| l.draw_number + 1) as u32;
        let definition = sampling::entropy_definition(&req.source, req.available_at, committed_at, &req.witnesses)
            .map_err(StoreError::Invalid)?;
        let built = build_pool(&mut rtx, &plan, &task, today).await?;
        if built.pool.is_empty() {
            return Err(StoreError::Invalid(format!(
                "候选名录为空,无法抽取:检查对象范围内没有符合条件的在业市场主体{}",
                if built.exclusions.is_empty() {
                    String::new()
                } else {
                    format!(
                        "(已排除:{})",
                        built
                            .exclusions
                            .iter()
                            .map(|x| format!("{} {}户", x.reason, x.count))
                            .collect::<Vec<_>>()
                            .join(";")
                    )
                }
            )));
        }
        let quotas = task_quotas(&plan, &task);
        check_quotas(&built.pool, &quotas)?;
        let (roster, inspection) = freeze_roster(&mut rtx, &plan, &task, &built.pool).await?;
        rtx.rollback().await?;

        let code = sampling::draw_code(&plan.code, task.seq, draw_number);
        let pool = Arc::new(built.pool);
        let spec = DrawSpec {
            draw_id: code.clone(),
            draw_number,
            redraw: redraw.as_ref().map(|r| r.1.clone()),
            plan_id: plan.code.clone(),
            task_id: format!("{}-T{}", plan.code, task.seq),
            committed_at,
            entropy_definition: definition,
            parameters: DrawParameters {
                quotas,
                item_codes: task.items.iter().map(|i| i.code.clone()).collect(),
                weight_rules: Some(task.weight_rules),
                exclusions: built.exclusions,
                inspection: Some(inspection),
            },
            pool: Arc::clone(&pool),
            roster: roster.iter().map(|(_, i)| i.clone()).collect(),
        };
        let commit = {
            let spec = spec.clone();
            tokio::task::spawn_blocking(move || dd::commit(&spec))
                .await
                .map_err(|e| StoreError::Invalid(format!("承诺计算中断:{e}")))?
                .map_err(|e| StoreError::Invalid(e.to_string()))?
        };
        let canonical = commit.canonical_json();
        let commit_hash = commit.hash().to_hex();
        let chunks = encode_pool(&pool);

        let mut tx = self.begin_write().await?;
        let seq = self
            .append_audit(
                &mut tx,
                &actor.event(
                    "draw.commit",
                    format!("draw:{code}"),
                    serde_json::json!({ "draw_id": code, "commit_hash": commit_hash, "commit": canonical,
                                        "entropy_available_at": req.available_at, "pool_size": pool.len() }),
                ),
            )
            .await?;
        let conflict = |e: sqlx::Error| {
            if is_unique_violation(&e) {
                StoreError::Conflict("该任务的另一次抽取已经承诺或完成,本次请求未执行,请刷新后查看".into())
            } else {
                e.into()
            }
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO draw_draws (code, task_id, draw_number, redraw_of, redraw_reason, status, commit_json, commit_hash, commit_seq, \
             entropy_available_at, witnesses, roster_json, pool_strata, pool_size, committed_by, committed_at, failure) \
             VALUES ($1, $2, $3, $4, $5, 'committed', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, '') RETURNING id",
        )
        .bind(&code)
        .bind(task.id)
        .bind(i64::from(draw_number))
        .bind(redraw.as_ref().map(|r| r.0))
        .bind(redraw.as_ref().map(|r| r.1.reason.clone()).unwrap_or_default())
        .bind(&canonical)
        .bind(&commit_hash)
        .bind(seq)
        .bind(req.available_at)
        .bind(to_json(&req.witnesses))
        .bind(to_json(&roster))
        .bind(to_json(&pool.strata()))
        .bind(pool.len() as i64)
        .bind(&actor.name)
        .bind(committed_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict)?;
        for (n, data) in chunks.into_iter().enumerate() {
            sqlx::query("INSERT INTO draw_pool_chunks (draw_id, chunk, data) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(n as i64)
                .bind(data)
                .execute(&mut *tx)
                .await?;
        }
        let draw = draw_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(draw)
    }

    async fn draw_execute(
        &self,
        actor: &Actor,
        department_id: i64,
        req: &ExecuteRequest,
        now: Timestamp,
    ) -> Result<ExecuteOutcome> {
        let drawn_at = now.with_nanosecond_zero();
        let started = Instant::now();
        let mut rtx = self.read().begin().await?;
        let draw = draw_tx(&mut rtx, req.draw_id).await?;
        if draw.department_id != department_id {
            return Err(StoreError::NotFound(format!("抽取 {} 不存在或不属于本部门", req.draw_id)));
        }
        if draw.status != "committed" {
            return Err(StoreError::Conflict(format!("抽取 {} 已经完成或已失效,不能再次执行", draw.code)));
        }
        // The record states the draw time to the second: it must not precede publication.
        if drawn_at < draw.entropy_available_at {
            return Err(StoreError::Invalid(format!(
                "随机源预计于北京时间{}公布,此前不能抽取",
                draw.entropy_available_at
                    .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
                    .format("%Y-%m-%d %H:%M:%S")
            )));
        }
        let value =
            sampling::entropy_value(&req.public_value, &req.secrets, &draw.witnesses).map_err(StoreError::Invalid)?;
        let (spec, roster) = spec_of(&mut rtx, draw.id).await?;
        rtx.rollback().await?;
        let load = started.elapsed();

        let started = Instant::now();
        let outcome = compute(dd::DrawInput { spec, entropy_value: value.clone(), drawn_at }).await?;
        let compute_time = started.elapsed();
        let started = Instant::now();
        let outcome = match outcome {
            Ok(o) => o,
            Err(e @ dd::DrawError::TooFewInspectors { .. }) => {
                let message = e.to_string();
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE draw_draws SET status = 'failed', failure = $1, entropy_value = $2, drawn_by = $3, drawn_at = $4 \
                     WHERE id = $5 AND status = 'committed'",
                )
                .bind(&message)
                .bind(&value)
                .bind(&actor.name)
                .bind(drawn_at)
                .bind(draw.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict(format!("抽取 {} 已由他人执行", draw.code)));
                }
                let shortfalls = match &e {
                    dd::DrawError::TooFewInspectors { shortfalls } => shortfalls.len(),
                    _ => 0,
                };
                self.append_audit(
                    &mut tx,
                    &actor.event(
                        "draw.fail",
                        format!("draw:{}", draw.code),
                        serde_json::json!({ "draw_id": draw.code, "entropy_value": value, "reason": "inspector_shortfall",
                                            "entities_without_team": shortfalls }),
                    ),
                )
                .await?;
                tx.commit().await?;
                return Err(StoreError::Invalid(format!(
                    "{message}。本次抽取未产生任何结果,已记为“未完成”;请调整检查人员名录或回避后重新承诺抽取"
                )));
            }
            Err(e) => return Err(StoreError::Invalid(e.to_string())),
        };
        if outcome.commit.hash().to_hex() != draw.commit_hash {
            return Err(StoreError::Invalid(format!("抽取 {} 的名录快照与承诺不符,拒绝抽取", draw.code)));
        }
        let record = outcome.record;
        let cert_to_id: HashMap<&str, i64> = roster.iter().map(|(id, i)| (i.certificate_no.as_str(), *id)).collect();

        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE draw_draws SET status = 'drawn', entropy_value = $1, seed = $2, drawn_by = $3, drawn_at = $4 \
             WHERE id = $5 AND status = 'committed'",
        )
        .bind(&value)
        .bind(record.seed.to_hex())
        .bind(&actor.name)
        .bind(drawn_at)
        .bind(draw.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!("抽取 {} 已由他人执行,本次请求未执行", draw.code)));
        }
        if let Some(prev) = sqlx::query_scalar::<_, Option<i64>>("SELECT redraw_of FROM draw_draws WHERE id = $1")
            .bind(draw.id)
            .fetch_one(&mut *tx)
            .await?
        {
            let started: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM draw_inspections i WHERE i.draw_id = $1 AND (i.status NOT IN ('pending', 'cancelled') \
                 OR EXISTS (SELECT 1 FROM draw_results x WHERE x.inspection_id = i.id))",
            )
            .bind(prev)
            .fetch_one(&mut *tx)
            .await?;
            if started > 0 {
                return Err(StoreError::Conflict("原抽取在承诺后已有检查结果录入,不能以本次抽取替代".into()));
            }
            sqlx::query("UPDATE draw_draws SET status = 'superseded' WHERE id = $1 AND status = 'drawn'")
                .bind(prev)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE draw_inspections SET status = 'cancelled', version = version + 1 WHERE draw_id = $1")
                .bind(prev)
                .execute(&mut *tx)
                .await?;
        }
        // Entity names as the registry has them now.
        let mut names: HashMap<String, String> = HashMap::with_capacity(record.teams.len());
        for chunk in record.teams.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<DB>::new("SELECT uscc, name FROM entities WHERE uscc IN (");
            let mut sep = qb.separated(", ");
            for t in chunk {
                sep.push_bind(t.uscc.as_str().to_string());
            }
            qb.push(")");
            for r in qb.build().fetch_all(&mut *tx).await? {
                names.insert(r.try_get("uscc")?, r.try_get("name")?);
            }
        }
        let tickets: HashMap<UsccKey, dd::Hash256> =
            record.winners.values().flatten().map(|w| (w.uscc, w.ticket)).collect();
        for (c, chunk) in record.teams.chunks(ROWS_PER_INSERT).enumerate() {
            let mut qb = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO draw_inspections (draw_id, position, uscc, entity_name, stratum, ticket, status, summary, return_reason, version) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (n, t)| {
                let uscc = t.uscc.as_str().to_string();
                let name = names.get(&uscc).cloned().unwrap_or_default();
                b.push_bind(draw.id)
                    .push_bind((c * ROWS_PER_INSERT + n) as i64)
                    .push_bind(uscc)
                    .push_bind(name)
                    .push_bind(t.stratum.clone())
                    .push_bind(tickets.get(&t.uscc).map(|h| h.to_hex()).unwrap_or_default())
                    .push_bind("pending")
                    .push_bind("")
                    .push_bind("")
                    .push_bind(1i64);
            });
            qb.build().execute(&mut *tx).await?;
        }
        let ids: HashMap<String, i64> = sqlx::query("SELECT id, uscc FROM draw_inspections WHERE draw_id = $1")
            .bind(draw.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>("uscc")?, r.try_get::<i64, _>("id")?)))
            .collect::<Result<_>>()?;
        let seats: Vec<(i64, i64, bool)> = record
            .teams
            .iter()
            .flat_map(|t| {
                let inspection = ids[t.uscc.as_str()];
                t.members.iter().map(move |m| (inspection, m.certificate_no.as_str(), m.leader))
            })
            .map(|(inspection, cert, leader)| (inspection, cert_to_id[cert], leader))
            .collect();
        for chunk in seats.chunks(ROWS_PER_INSERT) {
            let mut qb =
                sqlx::QueryBuilder::<DB>::new("INSERT INTO draw_assignments (inspection_id, inspector_id, leader) ");
            qb.push_values(chunk, |mut b, (i, r, l)| {
                b.push_bind(*i).push_bind(*r).push_bind(*l);
            });
            qb.build().execute(&mut *tx).await?;
        }
        self.append_audit(
            &mut tx,
            &actor.event(
                "draw.execute",
                format!("draw:{}", draw.code),
                serde_json::json!({ "draw_id": draw.code, "commit_hash": draw.commit_hash, "entropy_value": value,
                                    "seed": record.seed.to_hex(), "selected": record.teams.len(),
                                    "cutoff": record.cutoff }),
            ),
        )
        .await?;
        let done = draw_tx(&mut tx, draw.id).await?;
        tx.commit().await?;
        Ok(ExecuteOutcome {
            draw: done,
            selected: record.teams.len(),
            timings: DrawTimings { load, compute: compute_time, persist: started.elapsed() },
        })
    }

    async fn draw(&self, id: i64) -> Result<Draw> {
        let mut tx = self.read().begin().await?;
        draw_tx(&mut tx, id).await
    }

    async fn draw_by_code(&self, code: &str) -> Result<Draw> {
        let mut tx = self.read().begin().await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM draw_draws WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("抽取“{code}”不存在")))?;
        draw_tx(&mut tx, id).await
    }

    async fn draws_for_task(&self, task_id: i64) -> Result<Vec<Draw>> {
        let mut tx = self.read().begin().await?;
        draws_where(&mut tx, "d.task_id = $1", task_id).await
    }

    async fn public_draws(&self, plan_id: Option<i64>, limit: i64) -> Result<Vec<Draw>> {
        let mut tx = self.read().begin().await?;
        let cond = "p.status = 'published' AND d.status IN ('drawn', 'superseded', 'failed')";
        let mut draws = match plan_id {
            Some(p) => draws_where(&mut tx, &format!("{cond} AND p.id = $1"), p).await?,
            None => draws_where(&mut tx, &format!("{cond} AND d.id > $1"), 0).await?,
        };
        draws.truncate(limit.clamp(1, 1000) as usize);
        Ok(draws)
    }

    async fn draw_pool(&self, id: i64) -> Result<Pool> {
        let mut tx = self.read().begin().await?;
        pool_of(&mut tx, id).await
    }

    async fn draw_record(&self, id: i64) -> Result<dd::DrawRecord> {
        let mut tx = self.read().begin().await?;
        let draw = draw_tx(&mut tx, id).await?;
        let (Some(value), Some(drawn_at), Some(seed)) = (draw.entropy_value.clone(), draw.drawn_at, draw.seed.clone())
        else {
            return Err(StoreError::NotFound(format!("抽取 {} 尚未完成,没有公示记录", draw.code)));
        };
        let (spec, _) = spec_of(&mut tx, id).await?;
        tx.rollback().await?;
        let outcome = compute(dd::DrawInput { spec, entropy_value: value, drawn_at })
            .await?
            .map_err(|e| StoreError::Invalid(format!("抽取 {} 无法重算:{e}", draw.code)))?;
        if outcome.record.seed.to_hex() != seed || outcome.record.commit_hash.to_hex() != draw.commit_hash {
            return Err(StoreError::Invalid(format!("抽取 {} 重算结果与保存的种子或承诺不符", draw.code)));
        }
        Ok(outcome.record)
    }

    async fn inspections(&self, f: &InspectionFilter) -> Result<Vec<Inspection>> {
        let mut qb = sqlx::QueryBuilder::<DB>::new(format!("{INSPECTION_SELECT} WHERE 1 = 1"));
        if let Some(d) = f.draw_id {
            qb.push(" AND i.draw_id = ").push_bind(d);
        }
        if let Some(d) = f.department_id {
            qb.push(" AND p.department_id = ").push_bind(d);
        }
        if let Some(r) = f.inspector_id {
            qb.push(" AND i.id IN (SELECT inspection_id FROM draw_assignments WHERE inspector_id = ")
                .push_bind(r)
                .push(")");
        }
        if let Some(u) = f.uscc.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND i.uscc = ").push_bind(u.to_string());
        }
        match f.status {
            Some(s) => {
                qb.push(" AND i.status = ").push_bind(s.code());
            }
            None => {
                qb.push(" AND i.status <> 'cancelled'");
            }
        }
        let limit = if f.limit <= 0 { 500 } else { f.limit.min(5000) };
        qb.push(" ORDER BY i.draw_id DESC, i.position LIMIT ").push_bind(limit);
        let mut tx = self.read().begin().await?;
        let rows = qb.build().fetch_all(&mut *tx).await?;
        hydrate(&mut tx, rows).await
    }

    async fn inspection(&self, id: i64) -> Result<Inspection> {
        let mut tx = self.read().begin().await?;
        inspection_tx(&mut tx, id).await
    }

    async fn inspection_record(
        &self,
        actor: &Actor,
        account_id: i64,
        id: i64,
        input: &ResultInput,
        today: NaiveDate,
    ) -> Result<Inspection> {
        let mut tx = self.begin_write().await?;
        let current = assigned_inspection(&mut tx, account_id, id).await?;
        let action = if input.submit { InspectionAction::Submit } else { InspectionAction::Record };
        let next = current.status.after(action).map_err(StoreError::Conflict)?;
        if current.version != input.expected_version {
            return Err(StoreError::Conflict("检查结果已被同组人员修改,请刷新后重新录入".into()));
        }
        let drawn_on: Option<Timestamp> = sqlx::query_scalar("SELECT drawn_at FROM draw_draws WHERE id = $1")
            .bind(current.draw_id)
            .fetch_one(&mut *tx)
            .await?;
        let drawn_on = drawn_on
            .map(|t| t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive())
            .unwrap_or(today);
        if input.inspected_on > today || input.inspected_on < drawn_on {
            return Err(StoreError::Invalid(format!("检查日期须在抽取日{drawn_on}至今天{today}之间")));
        }
        if input.summary.chars().count() > 2000 {
            return Err(StoreError::Invalid("检查情况说明过长(最多2000字)".into()));
        }
        let mut by_item: BTreeMap<i64, &ItemResult> = BTreeMap::new();
        for r in &input.results {
            let Some(item) = current.items.iter().find(|i| i.id == r.item_id) else {
                return Err(StoreError::Invalid(format!("事项 {} 不属于本次检查", r.item_id)));
            };
            let Some(cat) = sampling::result_category(&r.result) else {
                return Err(StoreError::Invalid(format!(
                    "事项“{}”的检查结果“{}”不在国家规定的结果类型中",
                    item.name, r.result
                )));
            };
            if cat.problem && r.note.trim().is_empty() {
                return Err(StoreError::Invalid(format!("事项“{}”结果为“{}”,须填写问题说明", item.name, cat.label)));
            }
            if r.note.chars().count() > 1000 {
                return Err(StoreError::Invalid(format!("事项“{}”的说明过长(最多1000字)", item.name)));
            }
            if by_item.insert(r.item_id, r).is_some() {
                return Err(StoreError::Invalid(format!("事项“{}”的结果重复", item.name)));
            }
        }
        if input.submit {
            if let Some(missing) = current.items.iter().find(|i| !by_item.contains_key(&i.id)) {
                return Err(StoreError::Invalid(format!("事项“{}”尚未录入检查结果,不能提交审核", missing.name)));
            }
        }
        let due = sampling::publication_due(&jianguan_domain::calendar::WorkCalendar::builtin(), input.inspected_on);
        sqlx::query("DELETE FROM draw_results WHERE inspection_id = $1").bind(id).execute(&mut *tx).await?;
        for (item, r) in &by_item {
            sqlx::query("INSERT INTO draw_results (inspection_id, item_id, result, note) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(item)
                .bind(&r.result)
                .bind(r.note.trim())
                .execute(&mut *tx)
                .await?;
        }
        let t = now();
        sqlx::query(
            "UPDATE draw_inspections SET status = $1, inspected_on = $2, publish_due = $3, summary = $4, \
             submitted_by = CASE WHEN $5 THEN $6 ELSE submitted_by END, submitted_at = CASE WHEN $5 THEN $7 ELSE submitted_at END, \
             version = version + 1 WHERE id = $8",
        )
        .bind(next.code())
        .bind(input.inspected_on)
        .bind(due)
        .bind(input.summary.trim())
        .bind(input.submit)
        .bind(&actor.name)
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                if input.submit { "inspection.submit" } else { "inspection.record" },
                format!("inspection:{id}"),
                serde_json::json!({ "uscc": current.uscc, "inspected_on": input.inspected_on, "publish_due": due,
                                    "results": by_item.values().map(|r| (r.item_id, &r.result)).collect::<Vec<_>>() }),
            ),
        )
        .await?;
        let out = inspection_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn inspection_review(
        &self,
        actor: &Actor,
        department_id: i64,
        id: i64,
        action: InspectionAction,
        reason: &str,
    ) -> Result<Inspection> {
        let mut tx = self.begin_write().await?;
        let current = inspection_tx(&mut tx, id).await?;
        if current.department_id != department_id {
            return Err(StoreError::NotFound(format!("检查任务 {id} 不存在或不属于本部门")));
        }
        if !matches!(action, InspectionAction::Approve | InspectionAction::Return | InspectionAction::Publish) {
            return Err(StoreError::Invalid("审核只能通过、退回或公示".into()));
        }
        let next = current.status.after(action).map_err(StoreError::Conflict)?;
        let reason = reason.trim();
        if action == InspectionAction::Return && reason.is_empty() {
            return Err(StoreError::Invalid("退回须写明原因".into()));
        }
        if reason.chars().count() > 1000 {
            return Err(StoreError::Invalid("退回原因过长(最多1000字)".into()));
        }
        let t = now();
        let sql = match action {
            InspectionAction::Approve => {
                "UPDATE draw_inspections SET status = $1, reviewed_by = $2, reviewed_at = $3, return_reason = '', version = version + 1 \
                 WHERE id = $4 AND status = $5"
            }
            InspectionAction::Return => {
                "UPDATE draw_inspections SET status = $1, reviewed_by = $2, reviewed_at = $3, return_reason = $6, version = version + 1 \
                 WHERE id = $4 AND status = $5"
            }
            _ => {
                "UPDATE draw_inspections SET status = $1, published_by = $2, published_at = $3, version = version + 1 \
                 WHERE id = $4 AND status = $5"
            }
        };
        let mut q = sqlx::query(sql).bind(next.code()).bind(&actor.name).bind(t).bind(id).bind(current.status.code());
        if action == InspectionAction::Return {
            q = q.bind(reason);
        }
        if q.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::Conflict("检查结果状态已变化,请刷新后重试".into()));
        }
        let name = match action {
            InspectionAction::Approve => "inspection.approve",
            InspectionAction::Return => "inspection.return",
            _ => "inspection.publish",
        };
        self.append_audit(
            &mut tx,
            &actor.event(
                name,
                format!("inspection:{id}"),
                serde_json::json!({ "uscc": current.uscc, "reason": reason }),
            ),
        )
        .await?;
        let out = inspection_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn evidence_add(&self, actor: &Actor, account_id: i64, id: i64, file: &NewEvidence) -> Result<Evidence> {
        use sha2::Digest;
        let name = file.file_name.trim();
        if name.is_empty()
            || name.chars().count() > 200
            || name.chars().any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(StoreError::Invalid("文件名无效".into()));
        }
        if file.data.is_empty() {
            return Err(StoreError::Invalid("文件为空".into()));
        }
        let mut tx = self.begin_write().await?;
        let current = assigned_inspection(&mut tx, account_id, id).await?;
        if current.status != InspectionStatus::Pending {
            return Err(StoreError::Conflict(format!("检查结果当前为“{}”,不能再上传证据", current.status.label())));
        }
        let sha = hex::encode(sha2::Sha256::digest(&file.data));
        let t = now();
        let eid: i64 = sqlx::query_scalar(
            "INSERT INTO draw_evidence (inspection_id, file_name, content_type, bytes, sha256, data, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(id)
        .bind(name)
        .bind(&file.content_type)
        .bind(file.data.len() as i64)
        .bind(&sha)
        .bind(&file.data)
        .bind(&actor.name)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE draw_inspections SET version = version + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.append_audit(
            &mut tx,
            &actor.event(
                "inspection.evidence",
                format!("inspection:{id}"),
                serde_json::json!({ "evidence": eid, "sha256": sha, "bytes": file.data.len(), "content_type": file.content_type }),
            ),
        )
        .await?;
        let r = sqlx::query(
            "SELECT id, inspection_id, file_name, content_type, bytes, sha256, uploaded_by, uploaded_at FROM draw_evidence WHERE id = $1",
        )
        .bind(eid)
        .fetch_one(&mut *tx)
        .await?;
        let e = evidence_row(&r)?;
        tx.commit().await?;
        Ok(e)
    }

    async fn evidence(&self, id: i64) -> Result<(Evidence, Vec<u8>)> {
        let r = sqlx::query("SELECT * FROM draw_evidence WHERE id = $1")
            .bind(id)
            .fetch_optional(self.read())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("证据文件 {id} 不存在")))?;
        Ok((evidence_row(&r)?, r.try_get("data")?))
    }

    async fn public_results(&self, uscc: &str) -> Result<Vec<PublicResult>> {
        let mut tx = self.read().begin().await?;
        let rows = sqlx::query(&format!(
            "{INSPECTION_SELECT} WHERE i.uscc = $1 AND i.status = 'published' ORDER BY i.published_at DESC"
        ))
        .bind(uscc.trim().to_ascii_uppercase())
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for i in hydrate(&mut tx, rows).await? {
            let results = i
                .results
                .iter()
                .map(|r| {
                    let item = i.items.iter().find(|x| x.id == r.item_id);
                    (
                        item.map(|x| x.code.clone()).unwrap_or_default(),
                        item.map(|x| x.name.clone()).unwrap_or_default(),
                        r.result.clone(),
                        r.note.clone(),
                    )
                })
                .collect();
            out.push(PublicResult {
                inspection_id: i.id,
                uscc: i.uscc,
                entity_name: i.entity_name,
                plan_code: i.plan_code,
                plan_title: i.plan_title,
                task_name: i.task_name,
                draw_code: i.draw_code,
                department: i.department,
                inspected_on: i.inspected_on,
                published_at: i.published_at,
                results,
            });
        }
        Ok(out)
    }

    async fn overdue_publications(&self, today: NaiveDate) -> Result<Vec<OverduePublication>> {
        let rows = sqlx::query(
            "SELECT i.id, p.department_id, i.uscc, i.entity_name, i.publish_due FROM draw_inspections i \
             JOIN draw_draws d ON d.id = i.draw_id JOIN draw_tasks t ON t.id = d.task_id JOIN draw_plans p ON p.id = t.plan_id \
             WHERE i.status IN ('pending', 'submitted', 'approved') AND i.publish_due IS NOT NULL AND i.publish_due < $1 \
             ORDER BY i.publish_due, i.id",
        )
        .bind(today)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OverduePublication {
                    inspection_id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    publish_due: r.try_get("publish_due")?,
                })
            })
            .collect()
    }
}

/// Whole seconds: records state times to the second.
trait WholeSeconds {
    fn with_nanosecond_zero(self) -> Self;
}

impl WholeSeconds for Timestamp {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).expect("0 ns is valid")
    }
}
