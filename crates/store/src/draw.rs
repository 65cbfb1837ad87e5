//! “双随机、一公开”: inspection item lists, inspector roster, sampling plans, draws, results.
//!
//! * A draw is two transactions. [`DrawStore::draw_commit`] builds the candidate pool
//!   from the registry (scope filter, deregistered and key-supervision entities left out,
//!   frequency caps), snapshots it, freezes the roster, and writes the commit's canonical
//!   JSON into the audit trail in the same transaction. [`DrawStore::draw_execute`], once
//!   the committed entropy value is public, recomputes the draw from the snapshot and
//!   writes the selected entities, their teams and the outcome's audit entry.
//! * The public record is never stored: it is a pure function of the snapshot, the frozen
//!   roster, the commit and the entropy, recomputed on download and checked against the
//!   stored seed ([`DrawStore::draw_record`]).
//! * The risk class comes from [`jianguan_domain::sampling::weight_facts`] (registry tags,
//!   until the credit capability provides classes): the only place it is looked up.

use crate::model::Timestamp;
use crate::{Result, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::draw::{Pool, PoolBuilder, Quota, UsccKey, WeightRules};
use jianguan_domain::sampling::{InspectionAction, InspectionStatus, PlanKind, Witness};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Which entities a task or item targets. Empty lists do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// 主体类型, exactly as the registry writes them.
    pub kinds: Vec<String>,
    /// Industry code prefixes (GB/T 4754), e.g. `52` or `5211`.
    pub industries: Vec<String>,
    /// Registry tags; an entity needs at least one of them.
    pub tags: Vec<String>,
}

/// A random-inspection item (随机抽查事项) as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawItemInput {
    /// A joint item (部门联合抽查事项), kept by 区市场监管局.
    pub joint: bool,
    /// 事项编码, unique across all lists.
    pub code: String,
    pub name: String,
    /// 检查内容 (sub-items).
    pub sub_items: Vec<String>,
    /// 检查依据.
    pub legal_basis: String,
    /// 检查主体.
    pub inspecting_body: String,
    /// 检查对象范围.
    pub scope: Scope,
    /// Default sampling ratio, per mille (抽查比例).
    pub ratio_per_mille: u32,
    /// Frequency cap: an entity is not drawn again by the same department for this item
    /// within this many months (0: no cap).
    pub interval_months: u32,
    /// 检查方式 (书面检查、实地核查、网络监测 …).
    pub method: String,
    /// 检查人员要求: certificates or qualifications an inspector needs.
    pub certificates: Vec<String>,
    /// Other participating departments of a joint item (the owner is always one).
    pub departments: Vec<i64>,
    pub active: bool,
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawItem {
    pub id: i64,
    /// The department that keeps the item.
    pub department_id: i64,
    pub department: String,
    #[serde(flatten)]
    pub input: DrawItemInput,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What the import of an item list did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsImport {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
}

/// An item named in another record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// Roster statuses: 在岗, 暂停执法 (suspended), 调离 (left).
pub const INSPECTOR_STATUSES: &[(&str, &str)] = &[("active", "在岗"), ("suspended", "暂停执法"), ("left", "调离")];

/// An inspector as created or edited (执法检查人员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorInput {
    pub name: String,
    /// 执法证号, unique.
    pub certificate_no: String,
    pub valid_from: NaiveDate,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// `active`, `suspended` or `left`.
    pub status: String,
    /// Items the inspector may inspect.
    pub item_ids: Vec<i64>,
    /// The inspector's own account (to see assignments, record results, declare conflicts).
    pub account_id: Option<i64>,
}

/// A declared conflict of interest (回避).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recusal {
    pub id: i64,
    pub inspector_id: i64,
    pub uscc: String,
    /// The entity's name from the registry, when known.
    pub entity_name: Option<String>,
    /// SM4-sealed reason (personal data).
    #[serde(skip_serializing)]
    pub reason_sealed: String,
    /// `self` (declared by the inspector) or `department`.
    pub source: String,
    pub declared_by: String,
    pub declared_at: Timestamp,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<Timestamp>,
}

/// A roster entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub account_id: Option<i64>,
    pub name: String,
    pub certificate_no: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: String,
    pub items: Vec<ItemRef>,
    /// Recusals in force (not withdrawn).
    pub recusals: Vec<Recusal>,
    pub version: i64,
}

/// A sampling plan as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub year: i32,
    pub kind: PlanKind,
    pub title: String,
    /// Why a temporary plan is needed (required for temporary plans).
    pub reason: String,
    /// Other participating departments (joint and temporary joint plans).
    pub departments: Vec<i64>,
}

/// A sampling task as added to a draft plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    pub name: String,
    pub item_ids: Vec<i64>,
    pub scope: Scope,
    /// Only entities the plan's departments supervise (from routed licences).
    pub supervised_only: bool,
    /// Strata by credit-risk class (A–D, unclassified); otherwise one stratum `all`.
    pub stratify: bool,
    /// Ratio or count per stratum label. Ignored for key-supervision plans (all entities).
    pub quotas: BTreeMap<String, Quota>,
    pub weight_rules: WeightRules,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// A directed task (定向抽查): the frequency cap does not apply.
    pub directed: bool,
    pub team_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    /// Number within the plan (T1, T2 …).
    pub seq: i64,
    pub name: String,
    pub items: Vec<ItemRef>,
    pub scope: Scope,
    pub supervised_only: bool,
    pub stratify: bool,
    pub quotas: BTreeMap<String, Quota>,
    pub weight_rules: WeightRules,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub directed: bool,
    pub team_size: u32,
}

/// A department taking part in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeptRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: i64,
    /// Public code, e.g. `2026-SCJGJ-ND-1`.
    pub code: String,
    /// The owning (for joint plans: coordinating) department.
    pub department_id: i64,
    pub department: String,
    pub year: i32,
    pub kind: PlanKind,
    pub title: String,
    pub reason: String,
    /// `draft` or `published`.
    pub status: String,
    /// All participating departments, the owner first.
    pub departments: Vec<DeptRef>,
    pub tasks: Vec<Task>,
    pub version: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub published_by: Option<String>,
    pub published_at: Option<Timestamp>,
}

/// Which plans to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlanFilter {
    /// Plans this department owns or takes part in.
    pub department_id: Option<i64>,
    pub year: Option<i32>,
    pub published_only: bool,
}

/// Why entities were left out of a pool, with counts (as the record states them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolPreview {
    pub size: u64,
    /// `(stratum, size)` in label order.
    pub strata: Vec<(String, u64)>,
    /// `(reason, count)` of entities in scope but left out.
    pub exclusions: Vec<(String, u64)>,
}

/// Asks for a commit of the next draw of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRequest {
    pub task_id: i64,
    /// The public source of the entropy (a value published after the commit).
    pub source: String,
    /// When that value is published; the draw can run only after it.
    pub available_at: Timestamp,
    /// At most two witnesses with the SHA-256 of their secrets.
    pub witnesses: Vec<Witness>,
    /// Required from the second draw of a task on (重新抽取原因).
    pub redraw_reason: Option<String>,
}

/// Asks to execute a committed draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecuteRequest {
    pub draw_id: i64,
    /// The public value, exactly as published.
    pub public_value: String,
    /// The witnesses' secrets, in the order of the commit.
    pub secrets: Vec<String>,
}

/// A draw as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub id: i64,
    /// Public draw id (`draw_id` of the record).
    pub code: String,
    pub task_id: i64,
    pub plan_id: i64,
    pub department_id: i64,
    pub draw_number: i64,
    /// Public id of the draw this one replaces.
    pub redraw_of: Option<String>,
    pub redraw_reason: String,
    /// `committed`, `drawn`, `failed` or `superseded`.
    pub status: String,
    /// Canonical commit JSON, as written to the audit trail.
    pub commit_json: String,
    pub commit_hash: String,
    /// Sequence number of the audit entry holding the commit.
    pub commit_seq: i64,
    pub entropy_definition: String,
    pub entropy_available_at: Timestamp,
    pub witnesses: Vec<Witness>,
    pub pool_size: i64,
    pub committed_by: String,
    pub committed_at: Timestamp,
    pub entropy_value: Option<String>,
    pub seed: Option<String>,
    pub drawn_by: Option<String>,
    pub drawn_at: Option<Timestamp>,
    /// Why a failed draw drew nothing.
    pub failure: String,
}

/// How long each phase of [`DrawStore::draw_execute`] took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrawTimings {
    /// Reading the committed snapshot, roster and commit from the store.
    pub load: Duration,
    /// The draw itself: pool hash check, seed, tickets, winners, teams.
    pub compute: Duration,
    /// Writing the outcome, inspections and teams (one transaction).
    pub persist: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteOutcome {
    pub draw: Draw,
    pub selected: usize,
    pub timings: DrawTimings,
}

/// A member of an inspection team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSeat {
    pub inspector_id: i64,
    pub name: String,
    pub certificate_no: String,
    pub department: String,
    pub account_id: Option<i64>,
    pub leader: bool,
}

/// The result of one item of an inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item_id: i64,
    /// A code of [`jianguan_domain::sampling::RESULT_CATEGORIES`].
    pub result: String,
    pub note: String,
}

/// An evidence file's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: i64,
    pub inspection_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
}

/// An evidence file as uploaded.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// One inspection (one selected entity of a draw) with its team, items and results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: i64,
    pub draw_id: i64,
    pub draw_code: String,
    pub task_id: i64,
    pub task_name: String,
    pub plan_id: i64,
    pub plan_code: String,
    pub plan_title: String,
    /// The department that reviews and publishes (the plan's owner).
    pub department_id: i64,
    pub department: String,
    /// Order of the team draw (ascending entity ticket).
    pub position: i64,
    pub uscc: String,
    pub entity_name: String,
    pub stratum: String,
    pub status: InspectionStatus,
    pub inspected_on: Option<NaiveDate>,
    /// Publication deadline: 20 working days after the inspection.
    pub publish_due: Option<NaiveDate>,
    pub summary: String,
    pub return_reason: String,
    pub submitted_by: Option<String>,
    pub reviewed_by: Option<String>,
    pub published_at: Option<Timestamp>,
    pub version: i64,
    pub team: Vec<TeamSeat>,
    pub items: Vec<ItemRef>,
    pub results: Vec<ItemResult>,
    pub evidence: Vec<Evidence>,
}

/// Results as an inspector records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultInput {
    pub inspected_on: NaiveDate,
    /// 检查情况说明.
    pub summary: String,
    /// One result per item of the task.
    pub results: Vec<ItemResult>,
    /// Submit for review (待审核) after saving.
    pub submit: bool,
    /// The version last seen (optimistic locking).
    pub expected_version: i64,
}

/// Which inspections to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InspectionFilter {
    pub draw_id: Option<i64>,
    /// Inspections whose plan this department owns.
    pub department_id: Option<i64>,
    /// Inspections this roster entry is assigned to.
    pub inspector_id: Option<i64>,
    pub uscc: Option<String>,
    pub status: Option<InspectionStatus>,
    pub limit: i64,
}

/// A published inspection result, as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicResult {
    pub inspection_id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub plan_code: String,
    pub plan_title: String,
    pub task_name: String,
    pub draw_code: String,
    pub department: String,
    pub inspected_on: Option<NaiveDate>,
    pub published_at: Option<Timestamp>,
    /// `(item code, item name, result code, note)`.
    pub results: Vec<(String, String, String, String)>,
}

/// A result past its publication deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverduePublication {
    pub inspection_id: i64,
    pub department_id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub publish_due: NaiveDate,
}

#[async_trait]
pub trait DrawStore: Send + Sync {
    // --- item lists --------------------------------------------------------------------
    /// Items a department keeps, and joint items it takes part in.
    async fn draw_items(&self, department_id: i64) -> Result<Vec<DrawItem>>;
    async fn draw_item(&self, id: i64) -> Result<DrawItem>;
    async fn draw_item_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &DrawItemInput,
    ) -> Result<DrawItem>;
    /// Edits an item the department keeps, if still at `expected_version`.
    async fn draw_item_update(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        id: i64,
        input: &DrawItemInput,
        expected_version: i64,
    ) -> Result<DrawItem>;
    /// Creates or updates the department's items by code, all or nothing, one audit entry.
    async fn draw_items_import(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        items: &[DrawItemInput],
    ) -> Result<ItemsImport>;

    // --- roster ----------------------------------------------------------------------------
    async fn roster(&self, department_id: i64) -> Result<Vec<RosterEntry>>;
    async fn roster_entry(&self, id: i64) -> Result<RosterEntry>;
    async fn roster_entry_for_account(&self, account_id: i64) -> Result<Option<RosterEntry>>;
    async fn roster_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &InspectorInput,
    ) -> Result<RosterEntry>;
    async fn roster_update(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        id: i64,
        input: &InspectorInput,
        expected_version: i64,
    ) -> Result<RosterEntry>;
    /// Declares a conflict of interest (`source`: `self` or `department`).
    async fn recusal_declare(
        &self,
        actor: &crate::Actor,
        inspector_id: i64,
        uscc: &str,
        reason_sealed: &str,
        source: &str,
    ) -> Result<Recusal>;
    /// Lifts a recusal of the department's roster.
    async fn recusal_withdraw(&self, actor: &crate::Actor, department_id: i64, id: i64) -> Result<Recusal>;
    /// The department's yearly workload cap per inspector.
    async fn workload_cap(&self, department_id: i64) -> Result<u32>;
    async fn set_workload_cap(&self, actor: &crate::Actor, department_id: i64, cap: u32) -> Result<()>;
    /// Assignments per roster entry in effective draws of a plan year.
    async fn workloads(&self, year: i32) -> Result<BTreeMap<i64, i64>>;

    // --- plans -------------------------------------------------------------------------------
    async fn plan_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &PlanInput,
        today: NaiveDate,
    ) -> Result<Plan>;
    async fn plan(&self, id: i64) -> Result<Plan>;
    async fn plan_by_code(&self, code: &str) -> Result<Plan>;
    async fn plans(&self, filter: &PlanFilter) -> Result<Vec<Plan>>;
    /// Adds a task to a draft plan the department owns.
    async fn task_add(&self, actor: &crate::Actor, department_id: i64, plan_id: i64, input: &TaskInput)
        -> Result<Task>;
    async fn task(&self, id: i64) -> Result<Task>;
    /// Approves and publishes a draft plan (审核发布, then shown on the public site).
    async fn plan_publish(&self, actor: &crate::Actor, department_id: i64, plan_id: i64) -> Result<Plan>;
    /// Departments with items but without a published annual plan for `year`.
    async fn departments_missing_annual_plan(&self, year: i32) -> Result<Vec<DeptRef>>;

    // --- draws ---------------------------------------------------------------------------------
    /// The pool a commit would use now (nothing is written).
    async fn pool_preview(&self, task_id: i64, today: NaiveDate) -> Result<PoolPreview>;
    /// Commits the next draw of a task: pool snapshot, frozen roster and the commit's
    /// audit entry in one transaction.
    async fn draw_commit(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        req: &CommitRequest,
        now: Timestamp,
    ) -> Result<Draw>;
    /// Executes a committed draw once its entropy is public. A shortfall of inspectors
    /// marks the draw failed (nothing drawn) and returns the reason as `Invalid`.
    async fn draw_execute(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        req: &ExecuteRequest,
        now: Timestamp,
    ) -> Result<ExecuteOutcome>;
    async fn draw(&self, id: i64) -> Result<Draw>;
    async fn draw_by_code(&self, code: &str) -> Result<Draw>;
    async fn draws_for_task(&self, task_id: i64) -> Result<Vec<Draw>>;
    /// Published draws (drawn or superseded) of published plans, newest first.
    async fn public_draws(&self, plan_id: Option<i64>, limit: i64) -> Result<Vec<Draw>>;
    /// The committed pool snapshot of a draw.
    async fn draw_pool(&self, id: i64) -> Result<Pool>;
    /// The public record of a drawn (or superseded) draw, recomputed from the stored
    /// inputs and checked against the stored seed.
    async fn draw_record(&self, id: i64) -> Result<jianguan_domain::draw::DrawRecord>;

    // --- inspections and results ------------------------------------------------------------------
    async fn inspections(&self, filter: &InspectionFilter) -> Result<Vec<Inspection>>;
    async fn inspection(&self, id: i64) -> Result<Inspection>;
    /// Records (and optionally submits) results; only a member of the team may.
    async fn inspection_record(
        &self,
        actor: &crate::Actor,
        account_id: i64,
        id: i64,
        input: &ResultInput,
        today: NaiveDate,
    ) -> Result<Inspection>;
    /// Approves, returns (with a reason) or publishes, by the owning department.
    async fn inspection_review(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        id: i64,
        action: InspectionAction,
        reason: &str,
    ) -> Result<Inspection>;
    /// Adds an evidence file; only a member of the team may, while not yet submitted.
    async fn evidence_add(
        &self,
        actor: &crate::Actor,
        account_id: i64,
        id: i64,
        file: &NewEvidence,
    ) -> Result<Evidence>;
    /// An evidence file with its bytes.
    async fn evidence(&self, id: i64) -> Result<(Evidence, Vec<u8>)>;
    /// Published results of an entity, newest first.
    async fn public_results(&self, uscc: &str) -> Result<Vec<PublicResult>>;
    /// Approved or pending results past their publication deadline.
    async fn overdue_publications(&self, today: NaiveDate) -> Result<Vec<OverduePublication>>;
}

/// Entries per pool snapshot chunk (as the pool hash cuts its leaves).
pub const POOL_CHUNK_ENTRIES: usize = jianguan_domain::draw::POOL_CHUNK;

/// Bytes per snapshot entry: uscc, u16 weight, u8 stratum index.
const ENTRY_BYTES: usize = 21;

/// Encodes a pool into snapshot chunks.
pub fn encode_pool(pool: &Pool) -> Vec<Vec<u8>> {
    pool.entries()
        .chunks(POOL_CHUNK_ENTRIES)
        .map(|chunk| {
            let mut buf = Vec::with_capacity(chunk.len() * ENTRY_BYTES);
            for e in chunk {
                buf.extend_from_slice(e.uscc.as_bytes());
                buf.extend_from_slice(&(e.weight as u16).to_be_bytes());
                buf.push(e.stratum_index() as u8);
            }
            buf
        })
        .collect()
}

/// Appends one snapshot chunk to a pool under construction.
pub fn decode_chunk(builder: &mut PoolBuilder, strata: &[String], data: &[u8]) -> Result<()> {
    let bad = || StoreError::Invalid("抽取名录快照已损坏".into());
    if !data.len().is_multiple_of(ENTRY_BYTES) {
        return Err(bad());
    }
    for e in data.chunks_exact(ENTRY_BYTES) {
        let uscc: UsccKey = std::str::from_utf8(&e[..18]).map_err(|_| bad())?.parse().map_err(|_| bad())?;
        let weight = u32::from(u16::from_be_bytes([e[18], e[19]]));
        let label = strata.get(usize::from(e[20])).ok_or_else(bad)?;
        builder.push(uscc, weight, label).map_err(|_| bad())?;
    }
    Ok(())
}

/// Checks an item before it is stored.
pub(crate) fn validate_item(i: &DrawItemInput) -> Result<()> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    let code = i.code.trim();
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("事项编码不能为空、不能含空格,最长64位".into());
    }
    if i.name.trim().is_empty() || i.name.chars().count() > 200 {
        return bad(format!("事项“{code}”:事项名称不能为空,最长200字"));
    }
    if i.sub_items.len() > 50 || i.sub_items.iter().any(|s| s.trim().is_empty() || s.chars().count() > 200) {
        return bad(format!("事项“{code}”:检查内容最多50项,每项1至200字"));
    }
    for (what, v, max) in
        [("检查依据", &i.legal_basis, 4000), ("检查主体", &i.inspecting_body, 200), ("检查方式", &i.method, 200)]
    {
        if v.trim().is_empty() || v.chars().count() > max {
            return bad(format!("事项“{code}”:{what}不能为空,最长{max}字"));
        }
    }
    if i.ratio_per_mille == 0 || i.ratio_per_mille > 1000 {
        return bad(format!("事项“{code}”:抽查比例须在0.1%至100%之间"));
    }
    if i.interval_months > 120 {
        return bad(format!("事项“{code}”:抽查频次间隔不能超过120个月"));
    }
    if i.certificates.len() > 20 || i.certificates.iter().any(|s| s.trim().is_empty() || s.chars().count() > 100) {
        return bad(format!("事项“{code}”:检查人员要求最多20项,每项1至100字"));
    }
    validate_scope(&i.scope).map_err(|m| StoreError::Invalid(format!("事项“{code}”:{m}")))?;
    if i.joint && i.departments.is_empty() {
        return bad(format!("事项“{code}”:联合抽查事项须至少有一个其他参与部门"));
    }
    if !i.joint && !i.departments.is_empty() {
        return bad(format!("事项“{code}”:只有联合抽查事项才有参与部门"));
    }
    Ok(())
}

/// Checks a scope filter: known kinds, industry prefixes, tags of at most 20 characters.
pub(crate) fn validate_scope(s: &Scope) -> std::result::Result<(), String> {
    use jianguan_domain::registry::KINDS;
    if let Some(k) = s.kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
        return Err(format!("主体类型“{k}”无法识别(应为:{})", KINDS.join("、")));
    }
    if let Some(p) = s.industries.iter().find(|p| !valid_industry_prefix(p)) {
        return Err(format!("行业代码“{p}”无效:应为门类字母或1至4位数字(国民经济行业分类)"));
    }
    if let Some(t) = s.tags.iter().find(|t| t.trim().is_empty() || t.chars().count() > 20 || t.contains(';')) {
        return Err(format!("标签“{t}”无效:1至20字,不能含分号"));
    }
    if s.kinds.len() + s.industries.len() + s.tags.len() > 100 {
        return Err("检查对象范围的条件过多(最多100项)".into());
    }
    Ok(())
}

fn valid_industry_prefix(p: &str) -> bool {
    let b = p.as_bytes();
    match b {
        [] => false,
        [c] if c.is_ascii_uppercase() => true,
        _ => b.len() <= 4 && b.iter().all(u8::is_ascii_digit),
    }
}

/// Checks a task before it is stored; `departments` is the number of participating
/// departments, `year` the plan's year.
pub(crate) fn validate_task(t: &TaskInput, year: i32, departments: usize, full_coverage: bool) -> Result<()> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    if t.name.trim().is_empty() || t.name.chars().count() > 200 {
        return bad("任务名称不能为空,最长200字".into());
    }
    if t.item_ids.is_empty() {
        return bad("任务须至少包含一个抽查事项".into());
    }
    jianguan_domain::sampling::check_task_window(year, t.starts_on, t.ends_on).map_err(StoreError::Invalid)?;
    validate_scope(&t.scope).map_err(StoreError::Invalid)?;
    t.weight_rules.validate().map_err(|e| StoreError::Invalid(format!("权重规则无效:{e}")))?;
    let min = (jianguan_domain::draw::MIN_TEAM_SIZE as usize).max(departments);
    if (t.team_size as usize) < min || t.team_size > jianguan_domain::draw::MAX_TEAM_SIZE {
        return bad(format!(
            "检查组人数须在{min}至{}人之间(每次检查至少2人,联合抽查每个参与部门至少1人)",
            jianguan_domain::draw::MAX_TEAM_SIZE
        ));
    }
    if full_coverage {
        return Ok(());
    }
    let labels: Vec<&str> = if t.stratify { vec!["A", "B", "C", "D", "unclassified"] } else { vec!["all"] };
    for l in &labels {
        match t.quotas.get(*l) {
            None => return bad(format!("须为分层“{}”设定抽取比例或数量", jianguan_domain::sampling::stratum_label(l))),
            Some(Quota::PerMille(p)) if *p > 1000 => {
                return bad(format!("分层“{}”的抽取比例超过100%", jianguan_domain::sampling::stratum_label(l)))
            }
            _ => {}
        }
    }
    if let Some(extra) = t.quotas.keys().find(|k| !labels.contains(&k.as_str())) {
        return bad(format!("分层“{extra}”不属于本任务的分层方式"));
    }
    if t.quotas.values().all(|q| matches!(q, Quota::PerMille(0) | Quota::Count(0))) {
        return bad("各分层的抽取比例或数量不能全为0".into());
    }
    Ok(())
}

/// Implements [`DrawStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_draw_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod draw_store_impl {
            #[allow(unused_imports)]
            use super::*;
            type S = $Store;
            type DB = $DB;
            type Row = $Row;
            include!("draw_impl.rs");
        }
    };
}
