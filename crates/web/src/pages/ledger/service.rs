//! Ledger operations shared by the pages, the API, the scheduled job and the CLI: who may
//! see and do what, the state of tasks and shares on a day, loading the built-in annexes,
//! import and export in the annex layout, and the warning run.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::config::{LedgerSettings, UploadLimits};
use jianguan_domain::crypto::sha256_hex;
use jianguan_domain::deadline::{DeadlineKind, ReportingCycle};
use jianguan_domain::ledger::{builtin_annexes, LedgerLayout, LedgerRow};
use jianguan_domain::progress::{
    diff_rows, evaluate, milestone_state, Evaluation, LedgerDiff, MilestoneState, ShareStatus, StatusCounts, Warning,
    WarningKind,
};
use jianguan_exchange::ledger_sheet::{read_ledger, write_ledger, ExportRow, ExportSheet, RowIssue, MAX_TASK_ROWS};
use jianguan_exchange::xlsx::read_first_sheet;
use jianguan_store::ledger::{
    beijing_today, plan_tasks, unit_directory, ApplyOutcome, Ledger, LedgerPlan, LedgerShare, LedgerTask, Milestone,
    PlanTarget, Report, ShareFilter,
};
use jianguan_store::{now, Actor, DynStore, NewNotification, StoreError, Timestamp};
use serde::Serialize;

use crate::access::Principal;
use crate::error::AppError;
use jianguan_domain::auth::Role;

/// The document the built-in ledgers come from.
pub const BUILTIN_SOURCE: &str = "南开政发〔2021〕8号";

/// What "today" means for statuses: the date, the calendar and the warning window.
#[derive(Debug, Clone)]
pub struct Env {
    pub today: NaiveDate,
    pub cal: WorkCalendar,
    pub warn_days: i64,
}

impl Env {
    /// Today in Beijing with the effective calendar.
    pub async fn load(store: &DynStore, settings: &LedgerSettings) -> Result<Env, StoreError> {
        Ok(Env {
            today: beijing_today(),
            cal: crate::workdays::calendar(store).await?,
            warn_days: i64::from(settings.warn_working_days),
        })
    }
}

/// Whose view of the ledgers a caller has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The ledger office: everything.
    Office,
    /// A department (its staff, or its API key): its own shares, and the tasks it leads.
    Dept(i64),
}

impl Scope {
    pub fn of(p: &Principal) -> Result<Scope, AppError> {
        if p.has(Role::LedgerOffice) {
            return Ok(Scope::Office);
        }
        if p.has(Role::DeptStaff) || matches!(p, Principal::ApiKey(_)) {
            if let Some(d) = p.department_id() {
                return Ok(Scope::Dept(d));
            }
        }
        Err(AppError::forbidden("仅台账管理员和部门填报人员可以使用台账"))
    }

    pub fn dept(self) -> Option<i64> {
        match self {
            Scope::Office => None,
            Scope::Dept(d) => Some(d),
        }
    }

    pub fn is_office(self) -> bool {
        self == Scope::Office
    }
}

/// A share with its state today.
#[derive(Debug, Clone)]
pub struct ShareState {
    pub share: LedgerShare,
    pub eval: Evaluation,
}

/// A task with every share's state.
#[derive(Debug, Clone)]
pub struct TaskState {
    pub task: LedgerTask,
    pub shares: Vec<ShareState>,
    pub counts: StatusCounts,
}

impl TaskState {
    pub fn is_lead(&self, dept: i64) -> bool {
        self.shares.iter().any(|s| s.share.department_id == dept && s.share.is_lead)
    }

    pub fn share_of(&self, dept: i64) -> Option<&ShareState> {
        self.shares.iter().find(|s| s.share.department_id == dept)
    }

    pub fn lead_ids(&self) -> Vec<i64> {
        self.shares.iter().filter(|s| s.share.is_lead).map(|s| s.share.department_id).collect()
    }

    /// The office sees every task; a department those it has a share in.
    pub fn visible_to(&self, scope: Scope) -> bool {
        match scope {
            Scope::Office => true,
            Scope::Dept(d) => self.share_of(d).is_some(),
        }
    }

    /// The office and the task's lead units follow every share and review reports.
    pub fn leads_for(&self, scope: Scope) -> bool {
        match scope {
            Scope::Office => true,
            Scope::Dept(d) => self.is_lead(d),
        }
    }

    /// Whether a caller may see a share of this task: the office, the share's own
    /// department, or a lead unit of the task.
    pub fn can_view_share(&self, scope: Scope, share: &LedgerShare) -> bool {
        match scope {
            Scope::Office => true,
            Scope::Dept(d) => share.department_id == d || self.is_lead(d),
        }
    }

    /// The state shown to a caller: the whole task for the office and lead units, the
    /// department's own share otherwise.
    pub fn status_for(&self, scope: Scope) -> ShareStatus {
        match scope {
            Scope::Dept(d) if !self.is_lead(d) => self.share_of(d).map_or(ShareStatus::NotStarted, |s| s.eval.status),
            _ => self.counts.overall(),
        }
    }

    /// The working day the task's current obligation is due, if it has one.
    pub fn due(&self, env: &Env) -> Option<NaiveDate> {
        self.shares.first().and_then(|s| s.eval.due).or_else(|| {
            let e = evaluate(&self.task.schedule(), &Default::default(), env.today, &env.cal, env.warn_days);
            e.due
        })
    }

    /// Every warning of the shares a caller may see.
    pub fn warnings_for(&self, scope: Scope) -> Vec<(&ShareState, &Warning)> {
        self.shares
            .iter()
            .filter(|s| self.can_view_share(scope, &s.share))
            .flat_map(|s| s.eval.warnings.iter().map(move |w| (s, w)))
            .collect()
    }
}

fn evaluate_share(task: &LedgerTask, share: LedgerShare, env: &Env) -> ShareState {
    let eval = evaluate(&task.schedule(), &share.facts(), env.today, &env.cal, env.warn_days);
    ShareState { share, eval }
}

fn assemble(tasks: Vec<LedgerTask>, shares: Vec<LedgerShare>, env: &Env) -> Vec<TaskState> {
    let mut by_task: HashMap<i64, Vec<LedgerShare>> = HashMap::new();
    for s in shares {
        by_task.entry(s.task_id).or_default().push(s);
    }
    tasks
        .into_iter()
        .map(|task| {
            let shares: Vec<ShareState> = by_task
                .remove(&task.id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| evaluate_share(&task, s, env))
                .collect();
            let mut counts = StatusCounts::default();
            for s in &shares {
                counts.add(s.eval.status);
            }
            TaskState { task, shares, counts }
        })
        .collect()
}

/// Every task of a ledger (or of all ledgers) with its shares' states.
pub async fn ledger_state(store: &DynStore, ledger_id: Option<i64>, env: &Env) -> Result<Vec<TaskState>, StoreError> {
    let tasks = store.ledger_tasks(ledger_id).await?;
    let shares = store.ledger_shares(ShareFilter { ledger_id, ..Default::default() }).await?;
    Ok(assemble(tasks, shares, env))
}

/// One task with its shares' states.
pub async fn task_state(store: &DynStore, task_id: i64, env: &Env) -> Result<TaskState, StoreError> {
    let task = store.ledger_task(task_id).await?;
    let shares = store.ledger_shares(ShareFilter { task_id: Some(task_id), ..Default::default() }).await?;
    Ok(assemble(vec![task], shares, env).pop().expect("one task"))
}

/// The tasks a department has shares in, with their states (all ledgers).
pub async fn department_state(store: &DynStore, dept: i64, env: &Env) -> Result<Vec<TaskState>, StoreError> {
    let shares = store.ledger_shares(ShareFilter { department_id: Some(dept), ..Default::default() }).await?;
    let tasks = store.ledger_tasks(None).await?;
    let wanted: std::collections::HashSet<i64> = shares.iter().map(|s| s.task_id).collect();
    Ok(assemble(tasks.into_iter().filter(|t| wanted.contains(&t.id)).collect(), shares, env))
}

/// A short name for a ledger in lists and notices: `附件1` for the built-in annexes.
pub fn ledger_short(l: &Ledger) -> String {
    if l.builtin {
        if let Some(rest) = l.source.strip_prefix(BUILTIN_SOURCE) {
            return rest.trim().to_owned();
        }
    }
    let title: String = l.title.chars().take(16).collect();
    if l.title.chars().count() > 16 {
        format!("{title}…")
    } else {
        title
    }
}

/// A task's state in words for lists and exports, e.g. `逾期(已完成 2/25,逾期 23)`.
pub fn status_text(ts: &TaskState) -> String {
    let c = &ts.counts;
    let overall = c.overall();
    let mut s = overall.label().to_owned();
    if ts.task.schedule().awaits_date() {
        s.push_str(",时限待定");
    }
    if c.total() > 1 {
        s.push_str(&format!("(已完成 {}/{}", c.completed, c.total()));
        if c.overdue > 0 {
            s.push_str(&format!(",逾期 {}", c.overdue));
        }
        if c.paused > 0 {
            s.push_str(&format!(",暂停 {}", c.paused));
        }
        s.push(')');
    }
    s
}

/// A report in one line: `【区市场监管局 2026-11-20】…`.
pub fn progress_line(r: &Report, names: &HashMap<i64, String>) -> String {
    format!(
        "【{} {}】{}",
        names.get(&r.department_id).map_or("", String::as_str),
        r.report_date.format("%Y-%m-%d"),
        r.progress
    )
}

// --- built-in annexes -------------------------------------------------------------------

/// Loads 附件1 and 附件2 as ledgers `annex1` and `annex2` unless present (idempotent:
/// loading again creates nothing). Returns the codes loaded now.
pub async fn load_builtin(store: &DynStore, cycle: ReportingCycle) -> Result<Vec<String>, StoreError> {
    let mut loaded = Vec::new();
    let dir = unit_directory(&store.list_units().await?);
    for annex in builtin_annexes() {
        let code = format!("annex{}", annex.number);
        if store.ledger_by_code(&code).await?.is_some() {
            continue;
        }
        let tasks = plan_tasks(&annex.rows, &dir, cycle).map_err(|errs| {
            let list: Vec<String> = errs.iter().map(|(i, e)| format!("第 {} 项:{e}", annex.rows[*i].label())).collect();
            StoreError::Invalid(format!("附件{}无法载入:{}", annex.number, list.join(";")))
        })?;
        let plan = LedgerPlan {
            target: PlanTarget::New {
                code: code.clone(),
                title: annex.title.clone(),
                source: format!("{BUILTIN_SOURCE} 附件{}", annex.number),
                layout: annex.layout(),
                builtin: true,
            },
            tasks,
            action: "ledger.load_builtin".into(),
            detail: serde_json::json!({ "annex": annex.number }),
        };
        match store.ledger_apply(&Actor::system(), &plan).await {
            Ok(_) => loaded.push(code),
            // Another process loaded it meanwhile.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(loaded)
}

// --- export -------------------------------------------------------------------------------

/// The ledger as an xlsx in its annex layout, with 状态 and 最新进展.
pub async fn export_xlsx(store: &DynStore, ledger_id: i64, env: &Env) -> Result<(Ledger, Vec<u8>), AppError> {
    let ledger = store.ledger_get(ledger_id).await?;
    let states = ledger_state(store, Some(ledger_id), env).await?;
    let latest = store.ledger_latest_reports(ledger_id, None).await?;
    let names = crate::pages::department_names_of(store).await?;
    let rows: Vec<ExportRow<'_>> = states
        .iter()
        .map(|ts| ExportRow {
            row: &ts.task.row,
            status: status_text(ts),
            progress: latest
                .iter()
                .find(|r| r.task_id == ts.task.id)
                .map(|r| progress_line(r, &names))
                .unwrap_or_default(),
        })
        .collect();
    let sheet = ExportSheet { title: &ledger.title, layout: ledger.layout, rows, date: env.today };
    let bytes = write_ledger(&sheet).map_err(|e| AppError::internal(format!("生成 Excel 失败:{e}")))?;
    Ok((ledger, bytes))
}

/// A file name for an export: `附件1-20261125.xlsx`.
pub fn export_name(l: &Ledger, today: NaiveDate) -> String {
    let short: String = ledger_short(l).chars().filter(|c| !"/\\:*?\"<>|".contains(*c)).collect();
    format!("{short}-{}.xlsx", today.format("%Y%m%d"))
}

// --- import -------------------------------------------------------------------------------

/// Where an import goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportTarget {
    /// A new ledger (another year, another document).
    New { code: String, title: String, source: String },
    /// An existing ledger, updated to the sheet.
    Existing(i64),
}

/// What an import would do, or why it cannot.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub sha256: String,
    pub sheet_title: Option<String>,
    pub layout: Option<LedgerLayout>,
    pub target: ImportTarget,
    /// The ledger updated, for an existing target.
    pub ledger: Option<Ledger>,
    pub rows: usize,
    pub diff: LedgerDiff,
    pub errors: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
    /// Identifies this preview's data: confirming applies only if nothing changed since.
    pub fingerprint: String,
    #[serde(skip)]
    pub plan: Option<LedgerPlan>,
}

impl ImportPreview {
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.plan.is_some()
    }
}

fn sheet_issue(message: impl Into<String>) -> RowIssue {
    RowIssue { line: 0, message: message.into() }
}

/// Reads an uploaded sheet and works out what importing it into the target would change.
/// Nothing is written. Every problem found is reported, one Chinese message per row.
pub async fn preview_import(
    store: &DynStore,
    bytes: &[u8],
    target: ImportTarget,
    limits: &UploadLimits,
    cycle: ReportingCycle,
) -> Result<ImportPreview, StoreError> {
    let sha256 = sha256_hex(bytes);
    let mut p = ImportPreview {
        sha256: sha256.clone(),
        sheet_title: None,
        layout: None,
        target: target.clone(),
        ledger: None,
        rows: 0,
        diff: LedgerDiff::default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        fingerprint: String::new(),
        plan: None,
    };
    let grid = match read_first_sheet(bytes, limits, MAX_TASK_ROWS + 50) {
        Ok(g) => g,
        Err(e) => {
            p.errors.push(sheet_issue(e.to_string()));
            return Ok(p);
        }
    };
    let imported = match read_ledger(&grid) {
        Ok(l) => l,
        Err(issues) => {
            p.errors = issues;
            return Ok(p);
        }
    };
    p.sheet_title = imported.title.clone();
    p.layout = Some(imported.layout);
    p.rows = imported.rows.len();
    p.warnings = imported.warnings.clone();
    let rows: Vec<LedgerRow> = imported.rows.iter().map(|r| r.row.clone()).collect();
    let line_of = |i: usize| imported.rows[i].line;

    let dir = unit_directory(&store.list_units().await?);
    let tasks = match plan_tasks(&rows, &dir, cycle) {
        Ok(t) => Some(t),
        Err(errs) => {
            p.errors.extend(errs.into_iter().map(|(i, e)| RowIssue { line: line_of(i), message: e.to_string() }));
            None
        }
    };

    let plan_target = match &target {
        ImportTarget::New { code, title, source } => {
            let title =
                if title.trim().is_empty() { imported.title.clone().unwrap_or_default() } else { title.clone() };
            if title.trim().is_empty() {
                p.errors.push(sheet_issue("请填写新台账的名称(文件中没有标题行)"));
            }
            let code = code.trim().to_owned();
            if code.is_empty()
                || code.len() > 32
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                p.errors.push(sheet_issue("台账代码只能由字母、数字、- 和 _ 组成,最长 32 位"));
            } else if store.ledger_by_code(&code).await?.is_some() {
                p.errors.push(sheet_issue(format!("台账代码“{code}”已存在;要更新该台账,请选择“更新已有台账”")));
            }
            p.diff = diff_rows(&[], &rows);
            PlanTarget::New { code, title, source: source.trim().to_owned(), layout: imported.layout, builtin: false }
        }
        ImportTarget::Existing(id) => {
            let ledger = store.ledger_get(*id).await?;
            if ledger.layout != imported.layout {
                p.errors.push(sheet_issue(format!(
                    "文件的列格式({})与台账“{}”的格式({})不符",
                    imported.layout.label(),
                    ledger.title,
                    ledger.layout.label()
                )));
            }
            let existing = store.ledger_tasks(Some(*id)).await?;
            let old_rows: Vec<LedgerRow> = existing.iter().map(|t| t.row.clone()).collect();
            p.diff = diff_rows(&old_rows, &rows);
            let shares = store.ledger_shares(ShareFilter { ledger_id: Some(*id), ..Default::default() }).await?;
            let names = crate::pages::department_names_of(store).await?;
            for t in &existing {
                let reported: Vec<&LedgerShare> =
                    shares.iter().filter(|s| s.task_id == t.id && s.report_count > 0).collect();
                if reported.is_empty() {
                    continue;
                }
                match rows.iter().position(|r| r.seq == t.row.seq && r.sub == t.row.sub) {
                    None => p.errors.push(sheet_issue(format!(
                        "第 {} 项已有进展报告,文件中却没有该项;已报告的任务不能删除",
                        t.label()
                    ))),
                    Some(i) => {
                        if let Some(planned) = tasks.as_ref().map(|ts| &ts[i]) {
                            for s in reported
                                .iter()
                                .filter(|s| !planned.shares.iter().any(|x| x.department_id == s.department_id))
                            {
                                p.errors.push(RowIssue {
                                    line: line_of(i),
                                    message: format!(
                                        "{}已有第 {} 项的进展报告,按文件中的单位将不再承担该任务;已报告的单位不能移除(可由台账管理员将其分解设为暂停)",
                                        names.get(&s.department_id).map_or("", String::as_str),
                                        t.label()
                                    ),
                                });
                            }
                        }
                    }
                }
            }
            p.ledger = Some(ledger);
            PlanTarget::Existing { id: *id }
        }
    };
    let fingerprint_input = serde_json::json!({
        "sha256": sha256,
        "target": target,
        "diff": p.diff,
        "ledger_updated_at": p.ledger.as_ref().map(|l| l.updated_at),
    });
    p.fingerprint = sha256_hex(fingerprint_input.to_string().as_bytes());
    if p.errors.is_empty() {
        p.plan = tasks.map(|tasks| LedgerPlan {
            target: plan_target,
            tasks,
            action: "ledger.import".into(),
            detail: serde_json::json!({ "file_sha256": p.sha256, "rows": p.rows }),
        });
    }
    p.errors.sort_by_key(|e| e.line);
    Ok(p)
}

/// Applies a checked preview.
pub async fn apply_import(
    store: &DynStore,
    actor: &Actor,
    preview: &ImportPreview,
) -> Result<ApplyOutcome, StoreError> {
    let plan = preview.plan.as_ref().ok_or_else(|| StoreError::Invalid("导入文件有错误,未导入任何内容".into()))?;
    store.ledger_apply(actor, plan).await
}

// --- warnings -----------------------------------------------------------------------------

/// What a warning run found and sent.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct WarningRun {
    pub at: Timestamp,
    pub shares: usize,
    pub warnings: usize,
    pub milestones: usize,
    /// Notices delivered for the first time by this run.
    pub notified: usize,
}

/// The meta key the last run is recorded under.
pub const LAST_RUN_KEY: &str = "ledger.warnings_last_run";

/// A milestone warning: (task, milestone, state) for milestones due soon or overdue.
pub fn milestone_warnings<'a>(
    tasks: &'a [TaskState],
    milestones: &'a [Milestone],
    env: &Env,
) -> Vec<(&'a TaskState, &'a Milestone, MilestoneState)> {
    let by_id: BTreeMap<i64, &TaskState> = tasks.iter().map(|t| (t.task.id, t)).collect();
    milestones
        .iter()
        .filter_map(|m| {
            let ts = by_id.get(&m.task_id)?;
            let state = milestone_state(m.due_date, m.reached_on.is_some(), env.today, &env.cal, env.warn_days);
            matches!(state, MilestoneState::DueSoon | MilestoneState::Overdue).then_some((*ts, m, state))
        })
        .collect()
}

/// Computes every warning and sends each through the notifiers once (per share, kind and
/// due date), plus a daily summary to each ledger-office account. Records the run.
pub async fn run_warnings(
    store: &DynStore,
    notifiers: &[std::sync::Arc<dyn crate::notify::Notifier>],
    settings: &LedgerSettings,
) -> Result<WarningRun, StoreError> {
    let env = Env::load(store, settings).await?;
    let ledgers: HashMap<i64, Ledger> = store.ledger_list().await?.into_iter().map(|l| (l.id, l)).collect();
    let tasks = ledger_state(store, None, &env).await?;
    let milestones = store.ledger_milestones(None).await?;
    let mut run = WarningRun { at: now(), shares: 0, warnings: 0, milestones: 0, notified: 0 };
    let mut by_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    for ts in &tasks {
        let short = ledgers.get(&ts.task.ledger_id).map(ledger_short).unwrap_or_default();
        for s in &ts.shares {
            run.shares += 1;
            for w in &s.eval.warnings {
                run.warnings += 1;
                *by_kind.entry(w.kind.label()).or_default() += 1;
                let n = NewNotification {
                    department_id: Some(s.share.department_id),
                    account_id: None,
                    kind: "台账预警".into(),
                    title: format!(
                        "【{}】{short}第{}项:{}",
                        w.kind.label(),
                        ts.task.label(),
                        clip(&ts.task.row.task, 24)
                    ),
                    body: w.message(),
                    link: format!("/ledger/shares/{}", s.share.id),
                    dedup_key: format!("ledger:{}:share:{}:{}", w.kind.code(), s.share.id, w.due),
                };
                if crate::notify::send(notifiers, &n).await {
                    run.notified += 1;
                }
            }
        }
    }
    for (ts, m, state) in milestone_warnings(&tasks, &milestones, &env) {
        run.milestones += 1;
        let short = ledgers.get(&ts.task.ledger_id).map(ledger_short).unwrap_or_default();
        let n = NewNotification {
            department_id: Some(m.owner_id),
            account_id: None,
            kind: "台账预警".into(),
            title: format!("【节点{}】{short}第{}项:{}", state.label(), ts.task.label(), clip(&m.title, 24)),
            body: format!("时间表节点“{}”计划于 {} 达成,目前{}。", m.title, m.due_date, state.label()),
            link: format!("/ledger/tasks/{}/timetable", ts.task.id),
            dedup_key: format!("ledger:milestone_{}:{}:{}", state.code(), m.id, m.due_date),
        };
        if crate::notify::send(notifiers, &n).await {
            run.notified += 1;
        }
    }
    if run.warnings + run.milestones > 0 {
        let summary: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n} 项")).collect();
        let mut body = summary.join(",");
        if run.milestones > 0 {
            body.push_str(&format!(",时间表节点 {} 个", run.milestones));
        }
        for a in store.list_accounts().await?.iter().filter(|a| !a.disabled && a.has(Role::LedgerOffice)) {
            let n = NewNotification {
                department_id: None,
                account_id: Some(a.id),
                kind: "台账预警".into(),
                title: format!("台账预警日报({})", env.today),
                body: body.clone(),
                link: "/ledger".into(),
                dedup_key: format!("ledger:summary:{}:{}", env.today, a.id),
            };
            if crate::notify::send(notifiers, &n).await {
                run.notified += 1;
            }
        }
    }
    let json = serde_json::to_string(&run).expect("run serialises");
    store.set_meta(&Actor::system(), LAST_RUN_KEY, &json).await?;
    Ok(run)
}

/// The last warning run, if any.
pub async fn last_run(store: &DynStore) -> Result<Option<WarningRun>, StoreError> {
    Ok(store.get_meta(LAST_RUN_KEY).await?.and_then(|s| serde_json::from_str(&s).ok()))
}

fn clip(s: &str, n: usize) -> String {
    let first_line = s.lines().next().unwrap_or("");
    if first_line.chars().count() > n {
        format!("{}…", first_line.chars().take(n).collect::<String>())
    } else {
        first_line.to_owned()
    }
}

/// Whether a deadline kind is dated (for the "by deadline kind" views).
pub fn kind_is_dated(kind: &DeadlineKind) -> bool {
    matches!(kind, DeadlineKind::Date(_) | DeadlineKind::Yearly { .. })
}

/// The warning kinds in display order.
pub const WARNING_KINDS: [WarningKind; 3] = [WarningKind::Overdue, WarningKind::DueSoon, WarningKind::NoReport];
