//! Responsibility ledgers (台账): ledgers and tasks, each department's share of a task,
//! roadmaps and milestones, progress reports with comments and evidence files, and the
//! working-day calendar years administrators add.
//!
//! Structural changes to a ledger (loading the built-in annexes, an import, adding,
//! editing or removing a task) all go through [`LedgerStore::ledger_apply`], which makes
//! the ledger equal to a [`LedgerPlan`] in one transaction: tasks, their units and their
//! shares. A task or share that already has progress reports is never removed; the plan is
//! refused instead. Statuses are not stored: they are derived from the reports and the
//! deadline by [`jianguan_domain::progress::evaluate`].

use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::deadline::{parse_deadline, Deadline, ReportingCycle};
use jianguan_domain::ledger::{LedgerLayout, LedgerRow};
use jianguan_domain::progress::{
    deadline_kind_code, plan_shares, DirUnit, ManualStatus, Schedule, ShareFacts, ShareSpec, UnitDirectory, UnknownUnit,
};
use serde::{Deserialize, Serialize};

use crate::model::{Actor, Timestamp};
use crate::Result;

/// The calendar date in Beijing (UTC+8) of an instant.
pub fn beijing_date(t: Timestamp) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// Today in Beijing.
pub fn beijing_today() -> NaiveDate {
    beijing_date(crate::model::now())
}

/// A ledger: a document's tasks (附件1, 附件2, or another document's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub id: i64,
    /// Stable short code, e.g. `annex1`.
    pub code: String,
    pub title: String,
    /// The document it comes from, e.g. `南开政发〔2021〕8号 附件1`.
    pub source: String,
    pub layout: LedgerLayout,
    /// One of the built-in annexes.
    pub builtin: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub task_count: i64,
}

/// One task (row) of a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTask {
    pub id: i64,
    pub ledger_id: i64,
    /// The row's cells as written and read (序号, headings, measures, units, deadline).
    pub row: LedgerRow,
    /// [`jianguan_domain::progress::deadline_kind_code`] of the deadline text.
    pub deadline_kind: String,
    /// A date set later (see [`Schedule::set_due`]).
    pub set_due_date: Option<NaiveDate>,
    /// Why that date was set (e.g. the city's notice).
    pub set_due_note: String,
    pub reporting_cycle: ReportingCycle,
    /// The lead unit's roadmap (线路图).
    pub roadmap: String,
    pub roadmap_by: Option<String>,
    pub roadmap_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl LedgerTask {
    pub fn deadline(&self) -> Deadline {
        parse_deadline(&self.row.deadline_text)
    }

    pub fn schedule(&self) -> Schedule {
        Schedule { kind: self.deadline().kind, set_due: self.set_due_date, cycle: self.reporting_cycle }
    }

    /// `序号` as displayed (`4`, `4-1`).
    pub fn label(&self) -> String {
        self.row.label()
    }
}

/// Whether a unit named by a task leads it or is responsible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRole {
    Lead,
    Responsible,
}

impl UnitRole {
    pub fn code(self) -> &'static str {
        match self {
            UnitRole::Lead => "lead",
            UnitRole::Responsible => "responsible",
        }
    }
}

/// A unit (department or group) a task names, in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskUnit {
    pub task_id: i64,
    pub role: UnitRole,
    pub position: i64,
    pub unit_id: i64,
}

/// One department's share (分解) of a task, with what its reports say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerShare {
    pub id: i64,
    pub task_id: i64,
    pub ledger_id: i64,
    pub department_id: i64,
    pub is_lead: bool,
    /// The unit named in the ledger that brought the department in.
    pub via_unit_id: i64,
    pub manual_status: Option<ManualStatus>,
    pub manual_note: String,
    pub manual_by: Option<String>,
    pub manual_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Day of the latest report not returned for revision.
    pub last_report: Option<NaiveDate>,
    /// Day of the latest such report declaring the task completed.
    pub last_completion: Option<NaiveDate>,
    /// All reports, returned ones included.
    pub report_count: i64,
}

impl LedgerShare {
    pub fn facts(&self) -> ShareFacts {
        ShareFacts {
            created: Some(beijing_date(self.created_at)),
            last_report: self.last_report,
            last_completion: self.last_completion,
            manual: self.manual_status,
        }
    }
}

/// Which shares to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShareFilter {
    pub ledger_id: Option<i64>,
    pub task_id: Option<i64>,
    pub department_id: Option<i64>,
    pub share_id: Option<i64>,
}

/// A roadmap milestone (时间表节点).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub title: String,
    pub due_date: NaiveDate,
    /// The department responsible for reaching it.
    pub owner_id: i64,
    pub detail: String,
    /// The day of the first report (not returned) saying it was reached.
    pub reached_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A milestone to add or the new values of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneInput {
    pub title: String,
    pub due_date: NaiveDate,
    pub owner_id: i64,
    pub detail: String,
}

/// Whether a report stands or was returned for revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Submitted,
    Returned,
}

impl ReportStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "已报送",
            ReportStatus::Returned => "已退回修改",
        }
    }
}

/// A progress report of a responsible unit on its share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub id: i64,
    pub share_id: i64,
    pub task_id: i64,
    pub department_id: i64,
    pub author: String,
    /// The day it was submitted (Beijing).
    pub report_date: NaiveDate,
    pub progress: String,
    /// The milestone it reports reached.
    pub milestone_id: Option<i64>,
    pub problems: String,
    pub next_steps: String,
    /// Declares the share's work completed.
    pub completes: bool,
    pub status: ReportStatus,
    /// The returned report this one revises.
    pub revises_id: Option<i64>,
    pub returned_by: Option<String>,
    pub returned_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A report to submit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReport {
    pub share_id: i64,
    pub progress: String,
    pub milestone_id: Option<i64>,
    pub problems: String,
    pub next_steps: String,
    pub completes: bool,
    pub revises_id: Option<i64>,
    /// Evidence files already uploaded by the same department and not yet attached.
    pub file_ids: Vec<i64>,
    /// Evidence files stored on disk with this report, recorded in its transaction.
    pub new_files: Vec<NewFile>,
}

/// An `Idempotency-Key` for a submission: same key and same request → the same report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Whose key it is (e.g. `ledger.report:zhang`).
    pub scope: String,
    pub key: String,
    /// Hash of the request (resource and canonical body).
    pub request_hash: String,
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Created(Report),
    /// The same key and request came before: the report then created.
    Replayed(Report),
}

impl Submitted {
    pub fn report(&self) -> &Report {
        match self {
            Submitted::Created(r) | Submitted::Replayed(r) => r,
        }
    }
}

/// A comment on a report, or the reason it was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    Comment,
    Return,
}

impl CommentKind {
    pub fn code(self) -> &'static str {
        match self {
            CommentKind::Comment => "comment",
            CommentKind::Return => "return",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub report_id: i64,
    pub kind: CommentKind,
    pub body: String,
    pub author: String,
    pub department_id: Option<i64>,
    pub created_at: Timestamp,
}

/// An evidence file's record; the bytes live on disk under their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    /// `pdf`, `png`, `jpeg`, `docx`, `xlsx` or `txt`.
    pub kind: String,
    /// The file name as uploaded (sanitised).
    pub name: String,
    pub department_id: i64,
    pub report_id: Option<i64>,
    pub uploaded_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFile {
    pub sha256: String,
    pub size: i64,
    pub kind: String,
    pub name: String,
    pub department_id: i64,
}

/// A year's holiday arrangement added by an administrator (JSON of
/// [`jianguan_domain::calendar::YearArrangement`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredYear {
    pub year: i64,
    pub arrangement: String,
    pub added_by: String,
    pub added_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where a plan goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanTarget {
    New { code: String, title: String, source: String, layout: LedgerLayout, builtin: bool },
    Existing { id: i64 },
}

/// A task as a plan wants it: its row, the units it names (ids, in order) and its shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    pub row: LedgerRow,
    pub lead_unit_ids: Vec<i64>,
    pub responsible_unit_ids: Vec<i64>,
    pub shares: Vec<ShareSpec>,
    /// The reporting cycle of a task the plan creates.
    pub cycle: ReportingCycle,
}

/// The whole content a ledger should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPlan {
    pub target: PlanTarget,
    pub tasks: Vec<PlannedTask>,
    /// Dotted audit action, e.g. `ledger.import`.
    pub action: String,
    /// Extra audit detail (e.g. the imported file's SHA-256).
    pub detail: serde_json::Value,
}

/// What applying a plan changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyOutcome {
    pub ledger: Ledger,
    pub created: bool,
    pub tasks_added: i64,
    pub tasks_changed: i64,
    pub tasks_removed: i64,
    pub tasks_unchanged: i64,
    pub shares_added: i64,
    pub shares_removed: i64,
}

#[async_trait]
pub trait LedgerStore: Send + Sync {
    // --- ledgers and tasks --------------------------------------------------------------
    async fn ledger_list(&self) -> Result<Vec<Ledger>>;
    async fn ledger_get(&self, id: i64) -> Result<Ledger>;
    async fn ledger_by_code(&self, code: &str) -> Result<Option<Ledger>>;
    /// Makes a ledger (new or existing) equal to the plan, in one audited transaction.
    async fn ledger_apply(&self, actor: &Actor, plan: &LedgerPlan) -> Result<ApplyOutcome>;
    /// Tasks of one ledger (or of all ledgers), in 序号 order.
    async fn ledger_tasks(&self, ledger_id: Option<i64>) -> Result<Vec<LedgerTask>>;
    async fn ledger_task(&self, id: i64) -> Result<LedgerTask>;
    async fn ledger_task_units(&self, task_id: i64) -> Result<Vec<TaskUnit>>;
    /// Sets the date of a deadline that needs one (or extends a fixed date) and the
    /// reporting cycle of ongoing work.
    async fn ledger_set_schedule(
        &self,
        actor: &Actor,
        task_id: i64,
        set_due: Option<NaiveDate>,
        note: &str,
        cycle: ReportingCycle,
    ) -> Result<LedgerTask>;
    async fn ledger_set_roadmap(&self, actor: &Actor, task_id: i64, roadmap: &str) -> Result<LedgerTask>;

    // --- shares ---------------------------------------------------------------------------
    async fn ledger_shares(&self, filter: ShareFilter) -> Result<Vec<LedgerShare>>;
    async fn ledger_share(&self, id: i64) -> Result<LedgerShare>;
    /// Sets or clears the office's manual state (暂停, confirmed 已完成) of a share.
    async fn ledger_set_share_manual(
        &self,
        actor: &Actor,
        share_id: i64,
        manual: Option<ManualStatus>,
        note: &str,
    ) -> Result<LedgerShare>;

    // --- milestones -------------------------------------------------------------------------
    async fn ledger_milestones(&self, task_id: Option<i64>) -> Result<Vec<Milestone>>;
    async fn ledger_milestone(&self, id: i64) -> Result<Milestone>;
    async fn ledger_add_milestone(&self, actor: &Actor, task_id: i64, m: &MilestoneInput) -> Result<Milestone>;
    async fn ledger_update_milestone(&self, actor: &Actor, id: i64, m: &MilestoneInput) -> Result<Milestone>;
    async fn ledger_delete_milestone(&self, actor: &Actor, id: i64) -> Result<()>;

    // --- reports ------------------------------------------------------------------------------
    /// Submits a report (and attaches its evidence files) in one transaction, honouring an
    /// idempotency key: the same key with the same request returns the report it created;
    /// with another request it is refused as invalid.
    async fn ledger_submit_report(
        &self,
        actor: &Actor,
        report: &NewReport,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Submitted>;
    async fn ledger_report(&self, id: i64) -> Result<Report>;
    /// Reports of a share, or of a task, newest first.
    async fn ledger_reports(&self, share_id: Option<i64>, task_id: Option<i64>) -> Result<Vec<Report>>;
    /// The latest standing report of every task of a ledger (of one department if given).
    async fn ledger_latest_reports(&self, ledger_id: i64, department_id: Option<i64>) -> Result<Vec<Report>>;
    /// Comments or returns a report (a return sets it to 已退回修改).
    async fn ledger_comment(&self, actor: &Actor, report_id: i64, kind: CommentKind, body: &str) -> Result<Comment>;
    /// Comments on the reports of a task, oldest first.
    async fn ledger_comments(&self, task_id: i64) -> Result<Vec<Comment>>;

    // --- evidence files ----------------------------------------------------------------------
    async fn ledger_add_file(&self, actor: &Actor, file: &NewFile) -> Result<EvidenceFile>;
    async fn ledger_file(&self, id: i64) -> Result<EvidenceFile>;
    /// Files attached to the reports of a task.
    async fn ledger_files(&self, task_id: i64) -> Result<Vec<EvidenceFile>>;

    // --- working-day calendar -------------------------------------------------------------
    async fn calendar_years(&self) -> Result<Vec<StoredYear>>;
    /// Stores a year's arrangement (validated by the caller); `replace` allows overwriting
    /// a year already stored.
    async fn calendar_put_year(&self, actor: &Actor, year: i64, arrangement: &str, replace: bool)
        -> Result<StoredYear>;
}

/// Longest report field, in characters.
pub const MAX_REPORT_CHARS: usize = 5000;
/// Longest roadmap, in characters.
pub const MAX_ROADMAP_CHARS: usize = 20_000;

/// The active departments and groups as the ledger resolves names against them.
pub fn unit_directory(units: &[crate::model::Unit]) -> UnitDirectory {
    UnitDirectory::new(
        units
            .iter()
            .map(|u| DirUnit {
                id: u.id,
                name: u.name.clone(),
                aliases: u.aliases.clone(),
                is_group: u.kind == crate::model::UnitKind::Group,
                active: u.active,
                members: u.members.clone(),
            })
            .collect(),
    )
}

/// Resolves the unit names of ledger rows and expands them into shares. Errors name the
/// index of the row and the unit not found (with suggestions); every row is checked.
pub fn plan_tasks(
    rows: &[LedgerRow],
    dir: &UnitDirectory,
    cycle: ReportingCycle,
) -> std::result::Result<Vec<PlannedTask>, Vec<(usize, UnknownUnit)>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut resolve = |names: &[String]| -> Vec<&DirUnit> {
            names
                .iter()
                .filter_map(|n| match dir.resolve(n) {
                    Ok(u) => Some(u),
                    Err(e) => {
                        errors.push((i, e));
                        None
                    }
                })
                .collect()
        };
        let lead = resolve(&row.lead_units);
        let responsible = resolve(&row.responsible_units);
        out.push(PlannedTask {
            row: row.clone(),
            lead_unit_ids: lead.iter().map(|u| u.id).collect(),
            responsible_unit_ids: responsible.iter().map(|u| u.id).collect(),
            shares: plan_shares(&lead, &responsible, dir),
            cycle,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub(crate) fn check_len(what: &str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(crate::StoreError::Invalid(format!("{what}不能超过 {max} 字")));
    }
    Ok(())
}

pub(crate) fn kind_of(row: &LedgerRow) -> &'static str {
    deadline_kind_code(&parse_deadline(&row.deadline_text).kind)
}

/// Implements [`LedgerStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_ledger_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod ledger_store_impl {
            use super::*;
            use chrono::NaiveDate;
            use jianguan_domain::deadline::ReportingCycle;
            use jianguan_domain::ledger::{LedgerLayout, LedgerRow};
            use jianguan_domain::progress::ManualStatus;
            use $crate::ledger::*;
            use $crate::model::{now, Actor};
            use $crate::{Result, StoreError};
            type LTx<'a> = sqlx::Transaction<'a, $DB>;

            const SHARE_SELECT: &str = "SELECT s.id, s.task_id, t.ledger_id, s.department_id, s.is_lead, s.via_unit_id, \
                 s.manual_status, s.manual_note, s.manual_by, s.manual_at, s.created_at, \
                 a.last_report, a.last_completion, COALESCE(a.n, 0) AS report_count \
                 FROM ledger_shares s JOIN ledger_tasks t ON t.id = s.task_id \
                 LEFT JOIN (SELECT share_id, \
                    MAX(CASE WHEN status = 'submitted' THEN report_date END) AS last_report, \
                    MAX(CASE WHEN status = 'submitted' AND completes THEN report_date END) AS last_completion, \
                    COUNT(*) AS n FROM ledger_reports GROUP BY share_id) a ON a.share_id = s.id \
                 WHERE 1 = 1";

            const MILESTONE_SELECT: &str = "SELECT m.*, (SELECT MIN(r.report_date) FROM ledger_reports r \
                 WHERE r.milestone_id = m.id AND r.status = 'submitted') AS reached_on FROM ledger_milestones m";

            fn ledger_row(r: &$Row) -> Result<Ledger> {
                let layout: String = r.try_get("layout")?;
                Ok(Ledger {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    title: r.try_get("title")?,
                    source: r.try_get("source")?,
                    layout: LedgerLayout::from_code(&layout).unwrap_or_default(),
                    builtin: r.try_get("builtin")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    task_count: r.try_get("task_count")?,
                })
            }

            fn task_row(r: &$Row) -> Result<LedgerTask> {
                let sub: i64 = r.try_get("sub")?;
                let seq: i64 = r.try_get("seq")?;
                let lead_text: String = r.try_get("lead_text")?;
                let responsible_text: String = r.try_get("responsible_text")?;
                let cycle: String = r.try_get("reporting_cycle")?;
                Ok(LedgerTask {
                    id: r.try_get("id")?,
                    ledger_id: r.try_get("ledger_id")?,
                    row: LedgerRow {
                        seq: u32::try_from(seq).unwrap_or(0),
                        sub: u8::try_from(sub).ok().filter(|s| *s > 0),
                        chapter: r.try_get("chapter")?,
                        section: r.try_get("section")?,
                        item: r.try_get("item")?,
                        task: r.try_get("task")?,
                        measures: r.try_get("measures")?,
                        lead_units: jianguan_domain::ledger::split_units(&lead_text),
                        lead_text,
                        responsible_units: jianguan_domain::ledger::split_units(&responsible_text),
                        responsible_text,
                        units_merged: r.try_get("units_merged")?,
                        deadline_text: r.try_get("deadline_text")?,
                        note: r.try_get("note")?,
                    },
                    deadline_kind: r.try_get("deadline_kind")?,
                    set_due_date: r.try_get("set_due_date")?,
                    set_due_note: r.try_get("set_due_note")?,
                    reporting_cycle: ReportingCycle::from_code(&cycle).unwrap_or_default(),
                    roadmap: r.try_get("roadmap")?,
                    roadmap_by: r.try_get("roadmap_by")?,
                    roadmap_at: r.try_get("roadmap_at")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn share_row(r: &$Row) -> Result<LedgerShare> {
                let manual: Option<String> = r.try_get("manual_status")?;
                Ok(LedgerShare {
                    id: r.try_get("id")?,
                    task_id: r.try_get("task_id")?,
                    ledger_id: r.try_get("ledger_id")?,
                    department_id: r.try_get("department_id")?,
                    is_lead: r.try_get("is_lead")?,
                    via_unit_id: r.try_get("via_unit_id")?,
                    manual_status: manual.as_deref().and_then(ManualStatus::from_code),
                    manual_note: r.try_get("manual_note")?,
                    manual_by: r.try_get("manual_by")?,
                    manual_at: r.try_get("manual_at")?,
                    created_at: r.try_get("created_at")?,
                    last_report: r.try_get("last_report")?,
                    last_completion: r.try_get("last_completion")?,
                    report_count: r.try_get("report_count")?,
                })
            }

            fn milestone_row(r: &$Row) -> Result<Milestone> {
                Ok(Milestone {
                    id: r.try_get("id")?,
                    task_id: r.try_get("task_id")?,
                    title: r.try_get("title")?,
                    due_date: r.try_get("due_date")?,
                    owner_id: r.try_get("owner_id")?,
                    detail: r.try_get("detail")?,
                    reached_on: r.try_get("reached_on")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn report_row(r: &$Row) -> Result<Report> {
                let status: String = r.try_get("status")?;
                Ok(Report {
                    id: r.try_get("id")?,
                    share_id: r.try_get("share_id")?,
                    task_id: r.try_get("task_id")?,
                    department_id: r.try_get("department_id")?,
                    author: r.try_get("author")?,
                    report_date: r.try_get("report_date")?,
                    progress: r.try_get("progress")?,
                    milestone_id: r.try_get("milestone_id")?,
                    problems: r.try_get("problems")?,
                    next_steps: r.try_get("next_steps")?,
                    completes: r.try_get("completes")?,
                    status: if status == "returned" { ReportStatus::Returned } else { ReportStatus::Submitted },
                    revises_id: r.try_get("revises_id")?,
                    returned_by: r.try_get("returned_by")?,
                    returned_at: r.try_get("returned_at")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn comment_row(r: &$Row) -> Result<Comment> {
                let kind: String = r.try_get("kind")?;
                Ok(Comment {
                    id: r.try_get("id")?,
                    report_id: r.try_get("report_id")?,
                    kind: if kind == "return" { CommentKind::Return } else { CommentKind::Comment },
                    body: r.try_get("body")?,
                    author: r.try_get("author")?,
                    department_id: r.try_get("department_id")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn file_row(r: &$Row) -> Result<EvidenceFile> {
                Ok(EvidenceFile {
                    id: r.try_get("id")?,
                    sha256: r.try_get("sha256")?,
                    size: r.try_get("size")?,
                    kind: r.try_get("kind")?,
                    name: r.try_get("name")?,
                    department_id: r.try_get("department_id")?,
                    report_id: r.try_get("report_id")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            const LEDGER_SELECT: &str = "SELECT l.*, (SELECT COUNT(*) FROM ledger_tasks t WHERE t.ledger_id = l.id) AS task_count FROM ledgers l";

            async fn ledger_tx(tx: &mut LTx<'_>, id: i64) -> Result<Ledger> {
                let r = sqlx::query(&format!("{LEDGER_SELECT} WHERE l.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("台账 {id} 不存在")))?;
                ledger_row(&r)
            }

            async fn task_tx(tx: &mut LTx<'_>, id: i64) -> Result<LedgerTask> {
                let r = sqlx::query("SELECT * FROM ledger_tasks WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("台账任务 {id} 不存在")))?;
                task_row(&r)
            }

            async fn share_tx(tx: &mut LTx<'_>, id: i64) -> Result<LedgerShare> {
                let r = sqlx::query(&format!("{SHARE_SELECT} AND s.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("任务分解 {id} 不存在")))?;
                share_row(&r)
            }

            async fn milestone_tx(tx: &mut LTx<'_>, id: i64) -> Result<Milestone> {
                let r = sqlx::query(&format!("{MILESTONE_SELECT} WHERE m.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("时间表节点 {id} 不存在")))?;
                milestone_row(&r)
            }

            async fn report_tx(tx: &mut LTx<'_>, id: i64) -> Result<Report> {
                let r = sqlx::query("SELECT * FROM ledger_reports WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("进展报告 {id} 不存在")))?;
                report_row(&r)
            }

            async fn active_department(tx: &mut LTx<'_>, id: i64) -> Result<String> {
                let r = sqlx::query("SELECT name, kind, active FROM departments WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("部门 {id} 不存在")))?;
                let kind: String = r.try_get("kind")?;
                let active: bool = r.try_get("active")?;
                let name: String = r.try_get("name")?;
                if kind != "department" || !active {
                    return Err(StoreError::Invalid(format!("“{name}”不是在用的部门")));
                }
                Ok(name)
            }

            fn check_milestone(m: &MilestoneInput) -> Result<()> {
                if m.title.trim().is_empty() {
                    return Err(StoreError::Invalid("节点名称不能为空".into()));
                }
                check_len("节点名称", &m.title, 200)?;
                check_len("节点说明", &m.detail, 2000)
            }

            fn is_unique_violation(e: &StoreError) -> bool {
                match e {
                    StoreError::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
                    _ => false,
                }
            }

            impl $Store {
                async fn submit_once(
                    &self,
                    actor: &Actor,
                    n: &NewReport,
                    idem: Option<&IdempotencyKey>,
                ) -> Result<Submitted> {
                    let mut tx = self.begin_write().await?;
                    if let Some(k) = idem {
                        let prior = sqlx::query("SELECT request_hash, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                            .bind(&k.scope)
                            .bind(&k.key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(prior) = prior {
                            let hash: String = prior.try_get("request_hash")?;
                            if hash != k.request_hash {
                                return Err(StoreError::Invalid(
                                    "该 Idempotency-Key 已用于内容不同的请求;请为新的报告使用新的 Idempotency-Key".into(),
                                ));
                            }
                            let body: String = prior.try_get("response_body")?;
                            let id = serde_json::from_str::<serde_json::Value>(&body)
                                .ok()
                                .and_then(|v| v["report_id"].as_i64())
                                .ok_or_else(|| StoreError::Invalid("Idempotency-Key 记录损坏".into()))?;
                            return Ok(Submitted::Replayed(report_tx(&mut tx, id).await?));
                        }
                        // Claim the key first: a concurrent twin waits here, then fails on the
                        // primary key and replays.
                        sqlx::query(
                            "INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, created_at) \
                             VALUES ($1, $2, $3, 0, '', $4)",
                        )
                        .bind(&k.scope)
                        .bind(&k.key)
                        .bind(&k.request_hash)
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    }
                    let share = share_tx(&mut tx, n.share_id).await?;
                    let task = task_tx(&mut tx, share.task_id).await?;
                    if n.progress.trim().is_empty() {
                        return Err(StoreError::Invalid("工作进展不能为空".into()));
                    }
                    for (what, v) in [("工作进展", &n.progress), ("存在问题", &n.problems), ("下一步计划", &n.next_steps)] {
                        check_len(what, v, MAX_REPORT_CHARS)?;
                    }
                    if n.completes && !task.schedule().can_complete() {
                        return Err(StoreError::Invalid("持续推进的任务按周期报送进展,不能标记为已完成".into()));
                    }
                    if share.manual_status == Some(ManualStatus::Paused) {
                        return Err(StoreError::Invalid("该任务分解已暂停,暂不接受进展报告".into()));
                    }
                    if let Some(mid) = n.milestone_id {
                        let m = milestone_tx(&mut tx, mid).await?;
                        if m.task_id != share.task_id {
                            return Err(StoreError::Invalid("所选节点不属于该任务".into()));
                        }
                        if m.owner_id != share.department_id {
                            return Err(StoreError::Invalid(format!("节点“{}”由其他部门负责,不能由本部门报告达成", m.title)));
                        }
                    }
                    if let Some(rid) = n.revises_id {
                        let old = report_tx(&mut tx, rid).await?;
                        if old.share_id != share.id || old.status != ReportStatus::Returned {
                            return Err(StoreError::Invalid("只能修改本分解中已退回的报告".into()));
                        }
                    }
                    let mut files = n.file_ids.clone();
                    files.sort_unstable();
                    files.dedup();
                    if files.len() + n.new_files.len() > 20 {
                        return Err(StoreError::Invalid("一份报告最多附 20 个佐证材料".into()));
                    }
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO ledger_reports (share_id, task_id, department_id, author, report_date, progress, milestone_id, \
                         problems, next_steps, completes, status, revises_id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'submitted', $11, $12) RETURNING id",
                    )
                    .bind(share.id)
                    .bind(share.task_id)
                    .bind(share.department_id)
                    .bind(&actor.name)
                    .bind(beijing_date(t))
                    .bind(n.progress.trim())
                    .bind(n.milestone_id)
                    .bind(n.problems.trim())
                    .bind(n.next_steps.trim())
                    .bind(n.completes)
                    .bind(n.revises_id)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut shas = Vec::new();
                    for f in &files {
                        let r = sqlx::query("SELECT * FROM ledger_files WHERE id = $1")
                            .bind(*f)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("佐证材料 {f} 不存在")))?;
                        let file = file_row(&r)?;
                        if file.department_id != share.department_id {
                            return Err(StoreError::Invalid(format!("佐证材料“{}”不是本部门上传的", file.name)));
                        }
                        if file.report_id.is_some() {
                            return Err(StoreError::Invalid(format!("佐证材料“{}”已附在其他报告中,请重新上传", file.name)));
                        }
                        sqlx::query("UPDATE ledger_files SET report_id = $1 WHERE id = $2")
                            .bind(id)
                            .bind(*f)
                            .execute(&mut *tx)
                            .await?;
                        shas.push(file.sha256);
                    }
                    for f in &n.new_files {
                        if f.department_id != share.department_id {
                            return Err(StoreError::Invalid(format!("佐证材料“{}”不属于本部门", f.name)));
                        }
                        if f.sha256.len() != 64 || !f.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                            return Err(StoreError::Invalid("文件摘要格式错误".into()));
                        }
                        sqlx::query(
                            "INSERT INTO ledger_files (sha256, size, kind, name, department_id, report_id, uploaded_by, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(&f.sha256)
                        .bind(f.size)
                        .bind(&f.kind)
                        .bind(&f.name)
                        .bind(f.department_id)
                        .bind(id)
                        .bind(&actor.name)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                        shas.push(f.sha256.clone());
                    }
                    if let Some(k) = idem {
                        sqlx::query(
                            "UPDATE idempotency_keys SET response_status = 201, response_body = $1 WHERE scope = $2 AND key = $3",
                        )
                        .bind(serde_json::json!({ "report_id": id }).to_string())
                        .bind(&k.scope)
                        .bind(&k.key)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let detail = serde_json::json!({
                        "share_id": share.id, "task_id": share.task_id, "department_id": share.department_id,
                        "completes": n.completes, "milestone_id": n.milestone_id, "revises_id": n.revises_id,
                        "evidence_sha256": shas,
                    });
                    self.append_audit(&mut tx, &actor.event("ledger.report_submit", format!("ledger_report:{id}"), detail)).await?;
                    let report = report_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(Submitted::Created(report))
                }
            }

            #[async_trait::async_trait]
            impl $crate::ledger::LedgerStore for $Store {
                async fn ledger_list(&self) -> Result<Vec<Ledger>> {
                    let rows = sqlx::query(&format!("{LEDGER_SELECT} ORDER BY l.builtin DESC, l.id")).fetch_all(self.read()).await?;
                    rows.iter().map(ledger_row).collect()
                }

                async fn ledger_get(&self, id: i64) -> Result<Ledger> {
                    let r = sqlx::query(&format!("{LEDGER_SELECT} WHERE l.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("台账 {id} 不存在")))?;
                    ledger_row(&r)
                }

                async fn ledger_by_code(&self, code: &str) -> Result<Option<Ledger>> {
                    let r = sqlx::query(&format!("{LEDGER_SELECT} WHERE l.code = $1"))
                        .bind(code)
                        .fetch_optional(self.read())
                        .await?;
                    r.as_ref().map(ledger_row).transpose()
                }

                async fn ledger_apply(&self, actor: &Actor, plan: &LedgerPlan) -> Result<ApplyOutcome> {
                    let mut tx = self.begin_write().await?;
                    let t = now();
                    let (ledger_id, created) = match &plan.target {
                        PlanTarget::New { code, title, source, layout, builtin } => {
                            let code = code.trim();
                            if code.is_empty()
                                || code.len() > 32
                                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                            {
                                return Err(StoreError::Invalid("台账代码只能由字母、数字、- 和 _ 组成,最长 32 位".into()));
                            }
                            if title.trim().is_empty() {
                                return Err(StoreError::Invalid("台账名称不能为空".into()));
                            }
                            check_len("台账名称", title, 200)?;
                            check_len("来源文件", source, 200)?;
                            let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledgers WHERE code = $1")
                                .bind(code)
                                .fetch_one(&mut *tx)
                                .await?;
                            if dup > 0 {
                                return Err(StoreError::Conflict(format!("台账代码“{code}”已存在")));
                            }
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO ledgers (code, title, source, layout, builtin, created_by, created_at, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                            )
                            .bind(code)
                            .bind(title.trim())
                            .bind(source.trim())
                            .bind(layout.code())
                            .bind(*builtin)
                            .bind(&actor.name)
                            .bind(t)
                            .fetch_one(&mut *tx)
                            .await?;
                            (id, true)
                        }
                        PlanTarget::Existing { id } => (ledger_tx(&mut tx, *id).await?.id, false),
                    };
                    let existing: Vec<LedgerTask> = sqlx::query("SELECT * FROM ledger_tasks WHERE ledger_id = $1 ORDER BY seq, sub")
                        .bind(ledger_id)
                        .fetch_all(&mut *tx)
                        .await?
                        .iter()
                        .map(task_row)
                        .collect::<Result<_>>()?;
                    let mut out = ApplyOutcome {
                        ledger: ledger_tx(&mut tx, ledger_id).await?,
                        created,
                        tasks_added: 0,
                        tasks_changed: 0,
                        tasks_removed: 0,
                        tasks_unchanged: 0,
                        shares_added: 0,
                        shares_removed: 0,
                    };
                    let mut seen: Vec<(u32, Option<u8>)> = Vec::new();
                    for p in &plan.tasks {
                        let row = &p.row;
                        let key = (row.seq, row.sub);
                        if seen.contains(&key) {
                            return Err(StoreError::Invalid(format!("序号 {} 重复", row.label())));
                        }
                        seen.push(key);
                        if row.seq == 0 || row.measures.trim().is_empty() || row.lead_text.trim().is_empty() || row.task.trim().is_empty() {
                            return Err(StoreError::Invalid(format!("第 {} 项:序号、工作任务、落实举措和牵头单位不能为空", row.label())));
                        }
                        let sub = i64::from(row.sub.unwrap_or(0));
                        let old = existing.iter().find(|e| e.row.seq == row.seq && e.row.sub == row.sub);
                        let task_id = match old {
                            Some(old) => {
                                // A plan without a note (an import: sheets carry none) keeps the note.
                                let row = &LedgerRow { note: row.note.clone().or_else(|| old.row.note.clone()), ..row.clone() };
                                if old.row == *row {
                                    out.tasks_unchanged += 1;
                                } else {
                                    out.tasks_changed += 1;
                                    sqlx::query(
                                        "UPDATE ledger_tasks SET chapter = $1, section = $2, item = $3, task = $4, measures = $5, \
                                         lead_text = $6, responsible_text = $7, units_merged = $8, deadline_text = $9, deadline_kind = $10, \
                                         note = $11, updated_at = $12 WHERE id = $13",
                                    )
                                    .bind(&row.chapter)
                                    .bind(&row.section)
                                    .bind(&row.item)
                                    .bind(&row.task)
                                    .bind(&row.measures)
                                    .bind(&row.lead_text)
                                    .bind(&row.responsible_text)
                                    .bind(row.units_merged)
                                    .bind(&row.deadline_text)
                                    .bind(kind_of(row))
                                    .bind(&row.note)
                                    .bind(t)
                                    .bind(old.id)
                                    .execute(&mut *tx)
                                    .await?;
                                }
                                old.id
                            }
                            None => {
                                out.tasks_added += 1;
                                sqlx::query_scalar(
                                    "INSERT INTO ledger_tasks (ledger_id, seq, sub, chapter, section, item, task, measures, lead_text, \
                                     responsible_text, units_merged, deadline_text, deadline_kind, reporting_cycle, note, created_at, updated_at) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
                                )
                                .bind(ledger_id)
                                .bind(i64::from(row.seq))
                                .bind(sub)
                                .bind(&row.chapter)
                                .bind(&row.section)
                                .bind(&row.item)
                                .bind(&row.task)
                                .bind(&row.measures)
                                .bind(&row.lead_text)
                                .bind(&row.responsible_text)
                                .bind(row.units_merged)
                                .bind(&row.deadline_text)
                                .bind(kind_of(row))
                                .bind(p.cycle.code())
                                .bind(&row.note)
                                .bind(t)
                                .fetch_one(&mut *tx)
                                .await?
                            }
                        };
                        sqlx::query("DELETE FROM ledger_task_units WHERE task_id = $1").bind(task_id).execute(&mut *tx).await?;
                        let named = p.lead_unit_ids.iter().map(|u| (UnitRole::Lead, *u)).chain(p.responsible_unit_ids.iter().map(|u| (UnitRole::Responsible, *u)));
                        let mut positions = [0i64; 2];
                        for (role, unit) in named {
                            let slot = &mut positions[usize::from(role == UnitRole::Responsible)];
                            sqlx::query("INSERT INTO ledger_task_units (task_id, role, position, unit_id) VALUES ($1, $2, $3, $4)")
                                .bind(task_id)
                                .bind(role.code())
                                .bind(*slot)
                                .bind(unit)
                                .execute(&mut *tx)
                                .await?;
                            *slot += 1;
                        }
                        // Shares: add the missing, update lead flags, remove the unwanted unless reported on.
                        let current = sqlx::query(
                            "SELECT s.id, s.department_id, s.is_lead, s.via_unit_id, d.name, \
                             (SELECT COUNT(*) FROM ledger_reports r WHERE r.share_id = s.id) AS n \
                             FROM ledger_shares s JOIN departments d ON d.id = s.department_id WHERE s.task_id = $1",
                        )
                        .bind(task_id)
                        .fetch_all(&mut *tx)
                        .await?;
                        for c in &current {
                            let dept: i64 = c.try_get("department_id")?;
                            let sid: i64 = c.try_get("id")?;
                            match p.shares.iter().find(|s| s.department_id == dept) {
                                Some(want) => {
                                    let is_lead: bool = c.try_get("is_lead")?;
                                    let via: i64 = c.try_get("via_unit_id")?;
                                    if is_lead != want.is_lead || via != want.via_unit_id {
                                        sqlx::query("UPDATE ledger_shares SET is_lead = $1, via_unit_id = $2, updated_at = $3 WHERE id = $4")
                                            .bind(want.is_lead)
                                            .bind(want.via_unit_id)
                                            .bind(t)
                                            .bind(sid)
                                            .execute(&mut *tx)
                                            .await?;
                                    }
                                }
                                None => {
                                    let n: i64 = c.try_get("n")?;
                                    if n > 0 {
                                        let name: String = c.try_get("name")?;
                                        return Err(StoreError::Conflict(format!(
                                            "第 {} 项:{name}已有进展报告,不能从该任务中移除(可由台账管理员将其分解设为暂停)",
                                            row.label()
                                        )));
                                    }
                                    sqlx::query("DELETE FROM ledger_shares WHERE id = $1").bind(sid).execute(&mut *tx).await?;
                                    out.shares_removed += 1;
                                }
                            }
                        }
                        for want in &p.shares {
                            let exists = current.iter().any(|c| c.try_get::<i64, _>("department_id").ok() == Some(want.department_id));
                            if !exists {
                                sqlx::query(
                                    "INSERT INTO ledger_shares (task_id, department_id, is_lead, via_unit_id, created_at, updated_at) \
                                     VALUES ($1, $2, $3, $4, $5, $5)",
                                )
                                .bind(task_id)
                                .bind(want.department_id)
                                .bind(want.is_lead)
                                .bind(want.via_unit_id)
                                .bind(t)
                                .execute(&mut *tx)
                                .await?;
                                out.shares_added += 1;
                            }
                        }
                    }
                    for old in existing.iter().filter(|e| !seen.contains(&(e.row.seq, e.row.sub))) {
                        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_reports WHERE task_id = $1")
                            .bind(old.id)
                            .fetch_one(&mut *tx)
                            .await?;
                        if n > 0 {
                            return Err(StoreError::Conflict(format!("第 {} 项已有进展报告,不能删除", old.label())));
                        }
                        let shares: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_shares WHERE task_id = $1")
                            .bind(old.id)
                            .fetch_one(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM ledger_milestones WHERE task_id = $1").bind(old.id).execute(&mut *tx).await?;
                        sqlx::query("DELETE FROM ledger_shares WHERE task_id = $1").bind(old.id).execute(&mut *tx).await?;
                        sqlx::query("DELETE FROM ledger_task_units WHERE task_id = $1").bind(old.id).execute(&mut *tx).await?;
                        sqlx::query("DELETE FROM ledger_tasks WHERE id = $1").bind(old.id).execute(&mut *tx).await?;
                        out.tasks_removed += 1;
                        out.shares_removed += shares;
                    }
                    sqlx::query("UPDATE ledgers SET updated_at = $1 WHERE id = $2").bind(t).bind(ledger_id).execute(&mut *tx).await?;
                    let mut detail = serde_json::json!({
                        "ledger_id": ledger_id, "created": created,
                        "tasks_added": out.tasks_added, "tasks_changed": out.tasks_changed, "tasks_removed": out.tasks_removed,
                        "shares_added": out.shares_added, "shares_removed": out.shares_removed,
                    });
                    if let (Some(d), Some(extra)) = (detail.as_object_mut(), plan.detail.as_object()) {
                        for (k, v) in extra {
                            d.insert(k.clone(), v.clone());
                        }
                    }
                    self.append_audit(&mut tx, &actor.event(&plan.action, format!("ledger:{ledger_id}"), detail)).await?;
                    out.ledger = ledger_tx(&mut tx, ledger_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn ledger_tasks(&self, ledger_id: Option<i64>) -> Result<Vec<LedgerTask>> {
                    let rows = match ledger_id {
                        Some(id) => sqlx::query("SELECT * FROM ledger_tasks WHERE ledger_id = $1 ORDER BY seq, sub").bind(id).fetch_all(self.read()).await?,
                        None => sqlx::query("SELECT * FROM ledger_tasks ORDER BY ledger_id, seq, sub").fetch_all(self.read()).await?,
                    };
                    rows.iter().map(task_row).collect()
                }

                async fn ledger_task(&self, id: i64) -> Result<LedgerTask> {
                    let r = sqlx::query("SELECT * FROM ledger_tasks WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("台账任务 {id} 不存在")))?;
                    task_row(&r)
                }

                async fn ledger_task_units(&self, task_id: i64) -> Result<Vec<TaskUnit>> {
                    let rows = sqlx::query("SELECT * FROM ledger_task_units WHERE task_id = $1 ORDER BY role, position")
                        .bind(task_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            let role: String = r.try_get("role")?;
                            Ok(TaskUnit {
                                task_id: r.try_get("task_id")?,
                                role: if role == "lead" { UnitRole::Lead } else { UnitRole::Responsible },
                                position: r.try_get("position")?,
                                unit_id: r.try_get("unit_id")?,
                            })
                        })
                        .collect()
                }

                async fn ledger_set_schedule(
                    &self,
                    actor: &Actor,
                    task_id: i64,
                    set_due: Option<NaiveDate>,
                    note: &str,
                    cycle: ReportingCycle,
                ) -> Result<LedgerTask> {
                    check_len("说明", note, 500)?;
                    let mut tx = self.begin_write().await?;
                    let old = task_tx(&mut tx, task_id).await?;
                    sqlx::query("UPDATE ledger_tasks SET set_due_date = $1, set_due_note = $2, reporting_cycle = $3, updated_at = $4 WHERE id = $5")
                        .bind(set_due)
                        .bind(note.trim())
                        .bind(cycle.code())
                        .bind(now())
                        .bind(task_id)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({
                        "from": { "set_due_date": old.set_due_date, "cycle": old.reporting_cycle.code() },
                        "to": { "set_due_date": set_due, "cycle": cycle.code(), "note": note.trim() },
                    });
                    self.append_audit(&mut tx, &actor.event("ledger.task_schedule", format!("ledger_task:{task_id}"), detail)).await?;
                    let task = task_tx(&mut tx, task_id).await?;
                    tx.commit().await?;
                    Ok(task)
                }

                async fn ledger_set_roadmap(&self, actor: &Actor, task_id: i64, roadmap: &str) -> Result<LedgerTask> {
                    check_len("线路图", roadmap, MAX_ROADMAP_CHARS)?;
                    let mut tx = self.begin_write().await?;
                    task_tx(&mut tx, task_id).await?;
                    sqlx::query("UPDATE ledger_tasks SET roadmap = $1, roadmap_by = $2, roadmap_at = $3, updated_at = $3 WHERE id = $4")
                        .bind(roadmap.trim())
                        .bind(&actor.name)
                        .bind(now())
                        .bind(task_id)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({ "chars": roadmap.trim().chars().count() });
                    self.append_audit(&mut tx, &actor.event("ledger.roadmap", format!("ledger_task:{task_id}"), detail)).await?;
                    let task = task_tx(&mut tx, task_id).await?;
                    tx.commit().await?;
                    Ok(task)
                }

                async fn ledger_shares(&self, f: ShareFilter) -> Result<Vec<LedgerShare>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new(SHARE_SELECT);
                    if let Some(v) = f.ledger_id {
                        qb.push(" AND t.ledger_id = ").push_bind(v);
                    }
                    if let Some(v) = f.task_id {
                        qb.push(" AND s.task_id = ").push_bind(v);
                    }
                    if let Some(v) = f.department_id {
                        qb.push(" AND s.department_id = ").push_bind(v);
                    }
                    if let Some(v) = f.share_id {
                        qb.push(" AND s.id = ").push_bind(v);
                    }
                    qb.push(" ORDER BY t.ledger_id, t.seq, t.sub, s.is_lead DESC, s.id");
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(share_row).collect()
                }

                async fn ledger_share(&self, id: i64) -> Result<LedgerShare> {
                    let r = sqlx::query(&format!("{SHARE_SELECT} AND s.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("任务分解 {id} 不存在")))?;
                    share_row(&r)
                }

                async fn ledger_set_share_manual(
                    &self,
                    actor: &Actor,
                    share_id: i64,
                    manual: Option<ManualStatus>,
                    note: &str,
                ) -> Result<LedgerShare> {
                    check_len("说明", note, 500)?;
                    if manual.is_some() && note.trim().is_empty() {
                        return Err(StoreError::Invalid("设为暂停或确认完成时须说明原因".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let old = share_tx(&mut tx, share_id).await?;
                    let t = now();
                    sqlx::query("UPDATE ledger_shares SET manual_status = $1, manual_note = $2, manual_by = $3, manual_at = $4, updated_at = $5 WHERE id = $6")
                        .bind(manual.map(|m| m.code()))
                        .bind(note.trim())
                        .bind(manual.map(|_| actor.name.clone()))
                        .bind(manual.map(|_| t))
                        .bind(t)
                        .bind(share_id)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({
                        "task_id": old.task_id, "department_id": old.department_id,
                        "from": old.manual_status.map(|m| m.code()), "to": manual.map(|m| m.code()), "note": note.trim(),
                    });
                    self.append_audit(&mut tx, &actor.event("ledger.share_status", format!("ledger_share:{share_id}"), detail)).await?;
                    let share = share_tx(&mut tx, share_id).await?;
                    tx.commit().await?;
                    Ok(share)
                }

                async fn ledger_milestones(&self, task_id: Option<i64>) -> Result<Vec<Milestone>> {
                    let rows = match task_id {
                        Some(id) => sqlx::query(&format!("{MILESTONE_SELECT} WHERE m.task_id = $1 ORDER BY m.due_date, m.id"))
                            .bind(id)
                            .fetch_all(self.read())
                            .await?,
                        None => sqlx::query(&format!("{MILESTONE_SELECT} ORDER BY m.due_date, m.id")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(milestone_row).collect()
                }

                async fn ledger_milestone(&self, id: i64) -> Result<Milestone> {
                    let r = sqlx::query(&format!("{MILESTONE_SELECT} WHERE m.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("时间表节点 {id} 不存在")))?;
                    milestone_row(&r)
                }

                async fn ledger_add_milestone(&self, actor: &Actor, task_id: i64, m: &MilestoneInput) -> Result<Milestone> {
                    check_milestone(m)?;
                    let mut tx = self.begin_write().await?;
                    task_tx(&mut tx, task_id).await?;
                    let owner = active_department(&mut tx, m.owner_id).await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO ledger_milestones (task_id, title, due_date, owner_id, detail, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                    )
                    .bind(task_id)
                    .bind(m.title.trim())
                    .bind(m.due_date)
                    .bind(m.owner_id)
                    .bind(m.detail.trim())
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let detail = serde_json::json!({ "task_id": task_id, "title": m.title.trim(), "due_date": m.due_date, "owner": owner });
                    self.append_audit(&mut tx, &actor.event("ledger.milestone_add", format!("ledger_milestone:{id}"), detail)).await?;
                    let out = milestone_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn ledger_update_milestone(&self, actor: &Actor, id: i64, m: &MilestoneInput) -> Result<Milestone> {
                    check_milestone(m)?;
                    let mut tx = self.begin_write().await?;
                    let old = milestone_tx(&mut tx, id).await?;
                    let owner = active_department(&mut tx, m.owner_id).await?;
                    sqlx::query("UPDATE ledger_milestones SET title = $1, due_date = $2, owner_id = $3, detail = $4, updated_at = $5 WHERE id = $6")
                        .bind(m.title.trim())
                        .bind(m.due_date)
                        .bind(m.owner_id)
                        .bind(m.detail.trim())
                        .bind(now())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    let detail = serde_json::json!({
                        "task_id": old.task_id,
                        "from": { "title": old.title, "due_date": old.due_date, "owner_id": old.owner_id },
                        "to": { "title": m.title.trim(), "due_date": m.due_date, "owner": owner },
                    });
                    self.append_audit(&mut tx, &actor.event("ledger.milestone_update", format!("ledger_milestone:{id}"), detail)).await?;
                    let out = milestone_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn ledger_delete_milestone(&self, actor: &Actor, id: i64) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let old = milestone_tx(&mut tx, id).await?;
                    let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_reports WHERE milestone_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if used > 0 {
                        return Err(StoreError::Conflict(format!("节点“{}”已被进展报告引用,不能删除(可修改其名称或日期)", old.title)));
                    }
                    sqlx::query("DELETE FROM ledger_milestones WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    let detail = serde_json::json!({ "task_id": old.task_id, "title": old.title, "due_date": old.due_date });
                    self.append_audit(&mut tx, &actor.event("ledger.milestone_delete", format!("ledger_milestone:{id}"), detail)).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn ledger_submit_report(
                    &self,
                    actor: &Actor,
                    report: &NewReport,
                    idempotency: Option<&IdempotencyKey>,
                ) -> Result<Submitted> {
                    match self.submit_once(actor, report, idempotency).await {
                        // A concurrent request with the same key won the race: replay it.
                        Err(e) if idempotency.is_some() && is_unique_violation(&e) => {
                            self.submit_once(actor, report, idempotency).await
                        }
                        other => other,
                    }
                }

                async fn ledger_report(&self, id: i64) -> Result<Report> {
                    let r = sqlx::query("SELECT * FROM ledger_reports WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("进展报告 {id} 不存在")))?;
                    report_row(&r)
                }

                async fn ledger_reports(&self, share_id: Option<i64>, task_id: Option<i64>) -> Result<Vec<Report>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM ledger_reports WHERE 1 = 1");
                    if let Some(v) = share_id {
                        qb.push(" AND share_id = ").push_bind(v);
                    }
                    if let Some(v) = task_id {
                        qb.push(" AND task_id = ").push_bind(v);
                    }
                    qb.push(" ORDER BY id DESC");
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(report_row).collect()
                }

                async fn ledger_latest_reports(&self, ledger_id: i64, department_id: Option<i64>) -> Result<Vec<Report>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new(
                        "SELECT * FROM ledger_reports WHERE id IN (SELECT MAX(r.id) FROM ledger_reports r \
                         JOIN ledger_tasks t ON t.id = r.task_id WHERE r.status = 'submitted' AND t.ledger_id = ",
                    );
                    qb.push_bind(ledger_id);
                    if let Some(d) = department_id {
                        qb.push(" AND r.department_id = ").push_bind(d);
                    }
                    qb.push(" GROUP BY r.task_id)");
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(report_row).collect()
                }

                async fn ledger_comment(&self, actor: &Actor, report_id: i64, kind: CommentKind, body: &str) -> Result<Comment> {
                    if body.trim().is_empty() {
                        return Err(StoreError::Invalid(match kind {
                            CommentKind::Comment => "意见不能为空".to_string(),
                            CommentKind::Return => "退回时须写明退回原因和修改要求".to_string(),
                        }));
                    }
                    check_len("意见", body, 2000)?;
                    let mut tx = self.begin_write().await?;
                    let report = report_tx(&mut tx, report_id).await?;
                    let t = now();
                    if kind == CommentKind::Return {
                        if report.status == ReportStatus::Returned {
                            return Err(StoreError::Conflict("该报告已退回,等待责任单位修改".into()));
                        }
                        sqlx::query("UPDATE ledger_reports SET status = 'returned', returned_by = $1, returned_at = $2 WHERE id = $3")
                            .bind(&actor.name)
                            .bind(t)
                            .bind(report_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO ledger_report_comments (report_id, kind, body, author, department_id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(report_id)
                    .bind(kind.code())
                    .bind(body.trim())
                    .bind(&actor.name)
                    .bind(actor.department_id)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let action = if kind == CommentKind::Return { "ledger.report_return" } else { "ledger.report_comment" };
                    let detail = serde_json::json!({ "comment_id": id, "share_id": report.share_id, "task_id": report.task_id });
                    self.append_audit(&mut tx, &actor.event(action, format!("ledger_report:{report_id}"), detail)).await?;
                    let r = sqlx::query("SELECT * FROM ledger_report_comments WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let c = comment_row(&r)?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn ledger_comments(&self, task_id: i64) -> Result<Vec<Comment>> {
                    let rows = sqlx::query(
                        "SELECT c.* FROM ledger_report_comments c JOIN ledger_reports r ON r.id = c.report_id \
                         WHERE r.task_id = $1 ORDER BY c.id",
                    )
                    .bind(task_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(comment_row).collect()
                }

                async fn ledger_add_file(&self, actor: &Actor, f: &NewFile) -> Result<EvidenceFile> {
                    if f.sha256.len() != 64 || !f.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                        return Err(StoreError::Invalid("文件摘要格式错误".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    active_department(&mut tx, f.department_id).await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO ledger_files (sha256, size, kind, name, department_id, uploaded_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(&f.sha256)
                    .bind(f.size)
                    .bind(&f.kind)
                    .bind(&f.name)
                    .bind(f.department_id)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let detail = serde_json::json!({ "sha256": f.sha256, "size": f.size, "kind": f.kind, "department_id": f.department_id });
                    self.append_audit(&mut tx, &actor.event("ledger.file_upload", format!("ledger_file:{id}"), detail)).await?;
                    let r = sqlx::query("SELECT * FROM ledger_files WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let file = file_row(&r)?;
                    tx.commit().await?;
                    Ok(file)
                }

                async fn ledger_file(&self, id: i64) -> Result<EvidenceFile> {
                    let r = sqlx::query("SELECT * FROM ledger_files WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("佐证材料 {id} 不存在")))?;
                    file_row(&r)
                }

                async fn ledger_files(&self, task_id: i64) -> Result<Vec<EvidenceFile>> {
                    let rows = sqlx::query(
                        "SELECT f.* FROM ledger_files f JOIN ledger_reports r ON r.id = f.report_id WHERE r.task_id = $1 ORDER BY f.id",
                    )
                    .bind(task_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(file_row).collect()
                }

                async fn calendar_years(&self) -> Result<Vec<StoredYear>> {
                    let rows = sqlx::query("SELECT * FROM calendar_years ORDER BY year").fetch_all(self.read()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(StoredYear {
                                year: r.try_get("year")?,
                                arrangement: r.try_get("arrangement")?,
                                added_by: r.try_get("added_by")?,
                                added_at: r.try_get("added_at")?,
                                updated_at: r.try_get("updated_at")?,
                            })
                        })
                        .collect()
                }

                async fn calendar_put_year(&self, actor: &Actor, year: i64, arrangement: &str, replace: bool) -> Result<StoredYear> {
                    let mut tx = self.begin_write().await?;
                    let t = now();
                    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_years WHERE year = $1")
                        .bind(year)
                        .fetch_one(&mut *tx)
                        .await?;
                    if exists > 0 && !replace {
                        return Err(StoreError::Conflict(format!("{year} 年的节假日安排已录入;如需更正,请选择“替换已录入的安排”")));
                    }
                    sqlx::query(
                        "INSERT INTO calendar_years (year, arrangement, added_by, added_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                         ON CONFLICT (year) DO UPDATE SET arrangement = excluded.arrangement, added_by = excluded.added_by, updated_at = excluded.updated_at",
                    )
                    .bind(year)
                    .bind(arrangement)
                    .bind(&actor.name)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                    let action = if exists > 0 { "calendar.replace_year" } else { "calendar.add_year" };
                    let detail = serde_json::json!({ "year": year, "sha256": jianguan_domain::crypto::sha256_hex(arrangement.as_bytes()) });
                    self.append_audit(&mut tx, &actor.event(action, format!("calendar_year:{year}"), detail)).await?;
                    let r = sqlx::query("SELECT * FROM calendar_years WHERE year = $1").bind(year).fetch_one(&mut *tx).await?;
                    let out = StoredYear {
                        year: r.try_get("year")?,
                        arrangement: r.try_get("arrangement")?,
                        added_by: r.try_get("added_by")?,
                        added_at: r.try_get("added_at")?,
                        updated_at: r.try_get("updated_at")?,
                    };
                    tx.commit().await?;
                    Ok(out)
                }
            }
        }
    };
}
