//! The ledger pages: ledgers, the whole-annex sheet with filters, tasks with roadmap and
//! timetable, shares with the report form, dashboards (and their A4 print), import and
//! export, the working-day calendar, and the public annex.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jianguan_domain::auth::Role;
use jianguan_domain::calendar::YearArrangement;
use jianguan_domain::deadline::{DeadlineKind, ReportingCycle};
use jianguan_domain::ledger::{split_units, LedgerLayout, LedgerRow};
use jianguan_domain::progress::{
    deadline_kind_label, milestone_state, ManualStatus, ShareStatus, StatusCounts, WarningKind, DEADLINE_KINDS,
};
use jianguan_exchange::ledger_sheet::task_cell;
use jianguan_store::ledger::{
    beijing_today, Ledger, Report,
    plan_tasks, unit_directory, CommentKind, IdempotencyKey, LedgerPlan, LedgerTask, MilestoneInput, NewFile,
    NewReport, PlanTarget, ReportStatus, Submitted,
};
use jianguan_store::StoreError;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};

use super::charts;
use super::service::{self, Env, ImportTarget, Scope, TaskState};
use crate::access::Principal;
use crate::error::AppError;
use crate::forms::{read_multipart, PageForm};
use crate::pages::department_names;
use crate::templates::{base, render};
use crate::AppState;

type Names = HashMap<i64, String>;

async fn env(state: &AppState) -> Result<Env, AppError> {
    Ok(Env::load(&state.store, &state.config.ledger).await?)
}

fn name(names: &Names, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("部门 {id}"))
}

/// The notice a redirect back to a page shows.
fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "report" => "进展报告已报送。",
        "comment" => "意见已发送。",
        "return" => "报告已退回责任单位修改。",
        "schedule" => "完成时限与报送周期已保存。",
        "roadmap" => "线路图已保存。",
        "milestone" => "时间表节点已保存。",
        "milestone_deleted" => "时间表节点已删除。",
        "status" => "分解状态已更新。",
        "warnings" => "预警已重新计算,新的预警已发送到各部门的通知中心。",
        "task" => "任务已保存。",
        "task_deleted" => "任务已删除。",
        "imported" => "导入完成。",
        "created" => "台账已创建,可逐项添加任务或导入 Excel。",
        "calendar" => "节假日安排已保存,所有完成时限即时按新安排计算。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

fn status_options() -> Vec<Value> {
    ShareStatus::ALL.iter().map(|s| context! { code => s.code(), label => s.label() }).collect()
}

fn cycle_options() -> Vec<Value> {
    ReportingCycle::ALL.iter().map(|c| context! { code => c.code(), label => c.label() }).collect()
}

fn counts_ctx(c: &StatusCounts) -> Value {
    context! {
        not_started => c.not_started, in_progress => c.in_progress, completed => c.completed,
        overdue => c.overdue, paused => c.paused, total => c.total(),
        rate => c.completion_percent().map(|p| format!("{p:.1}%")),
    }
}

/// How a deadline reads: kind, date, effective due, pending or flagged.
fn deadline_ctx(t: &LedgerTask, ts: Option<&TaskState>, env: &Env) -> Value {
    let d = t.deadline();
    let schedule = t.schedule();
    let period = (d.kind == DeadlineKind::Ongoing).then(|| t.reporting_cycle.period_label(env.today));
    context! {
        text => d.text,
        kind => t.deadline_kind,
        kind_label => deadline_kind_label(&t.deadline_kind),
        date => match d.kind { DeadlineKind::Date(x) => Some(x), _ => None },
        note => d.note,
        set_due => t.set_due_date,
        set_due_note => t.set_due_note,
        due => ts.and_then(|ts| ts.due(env)),
        awaits_date => schedule.awaits_date(),
        flagged => d.kind.is_flagged(),
        set_by_city => d.kind == DeadlineKind::SetByCity,
        ongoing => d.kind == DeadlineKind::Ongoing,
        cycle => t.reporting_cycle.code(),
        cycle_label => t.reporting_cycle.label(),
        period => period,
        can_complete => schedule.can_complete(),
    }
}

// --- ledgers ---------------------------------------------------------------------------

pub async fn index(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&p)?;
    let env = env(&state).await?;
    let ledgers = state.store.ledger_list().await?;
    let all = match scope {
        Scope::Office => service::ledger_state(&state.store, None, &env).await?,
        Scope::Dept(d) => service::department_state(&state.store, d, &env).await?,
    };
    let items: Vec<Value> = ledgers
        .iter()
        .map(|l| {
            let mut tasks = StatusCounts::default();
            let mut warnings = 0;
            let mut visible = 0;
            for ts in all.iter().filter(|t| t.task.ledger_id == l.id && t.visible_to(scope)) {
                visible += 1;
                tasks.add(ts.status_for(scope));
                warnings += ts.warnings_for(scope).len();
            }
            context! {
                id => l.id, code => l.code, title => l.title, short => service::ledger_short(l), source => l.source,
                builtin => l.builtin, layout => l.layout.label(), task_count => l.task_count, visible => visible,
                tasks => counts_ctx(&tasks), warnings => warnings, updated_at => l.updated_at,
            }
        })
        .collect();
    let last_run = if scope.is_office() { service::last_run(&state.store).await? } else { None };
    let ctx = context! {
        ..base(&p, "工作责任台账"),
        ..context! {
            ledgers => items, office => scope.is_office(), last_run => last_run,
            layouts => [LedgerLayout::LeadAndResponsible, LedgerLayout::Combined].iter().map(|l| context! { code => l.code(), label => l.label() }).collect::<Vec<_>>(),
            flash => flash(q.done.as_deref()),
        }
    };
    Ok(render("ledger_index.html", ctx)?.into_response())
}

#[derive(Deserialize)]
pub struct NewLedgerForm {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub source: String,
    pub layout: String,
}

pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<NewLedgerForm>,
) -> Result<Response, AppError> {
    let layout = LedgerLayout::from_code(&f.layout).ok_or_else(|| AppError::bad_request("请选择台账的列格式"))?;
    let plan = LedgerPlan {
        target: PlanTarget::New { code: f.code, title: f.title, source: f.source, layout, builtin: false },
        tasks: Vec::new(),
        action: "ledger.create".into(),
        detail: serde_json::json!({}),
    };
    let out = state.store.ledger_apply(&p.actor_as(Role::LedgerOffice), &plan).await?;
    Ok(Redirect::to(&format!("/ledger/{}?done=created", out.ledger.id)).into_response())
}

// --- the whole sheet ------------------------------------------------------------------------

#[derive(Deserialize, Default, Debug)]
pub struct SheetQuery {
    pub status: Option<String>,
    pub chapter: Option<String>,
    /// A department id; empty (the form's 全部) means none.
    pub unit: Option<String>,
    pub kind: Option<String>,
    pub q: Option<String>,
    pub done: Option<String>,
    pub added: Option<i64>,
    pub changed: Option<i64>,
    pub removed: Option<i64>,
}

#[derive(Serialize)]
struct SheetRow {
    id: i64,
    label: String,
    lines: Vec<String>,
    span: usize,
    measures: String,
    lead_text: String,
    responsible_text: String,
    units_merged: bool,
    deadline: Value,
    status: &'static str,
    status_label: &'static str,
    completed: u32,
    total: u32,
    overdue: u32,
    latest: Option<String>,
    share_id: Option<i64>,
    is_lead: bool,
    warnings: usize,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The stored inputs of the whole-ledger sheet for one view (office or a department).
struct SheetSnapshot {
    ledger: Ledger,
    env: Env,
    states: Vec<TaskState>,
    latest: Vec<Report>,
    own_latest: Vec<Report>,
    names: Names,
}

pub async fn sheet(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&p)?;
    // Everything below depends only on the stored data and today: cached per ledger and
    // department until the next change (see `snapshot`).
    let head = state.store.audit_head().await?;
    let key = format!("ledger.sheet:{id}:{:?}", scope.dept());
    let snap = state
        .snapshots
        .get_or_compute(&key, head, beijing_today(), || async {
            let ledger = state.store.ledger_get(id).await?;
            let env = env(&state).await?;
            let states = service::ledger_state(&state.store, Some(id), &env).await?;
            let latest = state.store.ledger_latest_reports(id, None).await?;
            let own_latest = match scope.dept() {
                Some(d) => state.store.ledger_latest_reports(id, Some(d)).await?,
                None => Vec::new(),
            };
            let names = department_names(&state).await?;
            Ok::<_, AppError>(SheetSnapshot { ledger, env, states, latest, own_latest, names })
        })
        .await?;
    let SheetSnapshot { ledger, env, states, latest, own_latest, names } = &*snap;
    let ledger = ledger.clone();
    let visible: Vec<&TaskState> = states.iter().filter(|t| t.visible_to(scope)).collect();

    let unit = nonempty(&q.unit).and_then(|u| u.parse::<i64>().ok()).filter(|_| scope.is_office());
    let status_of = |ts: &TaskState| match unit {
        Some(u) => ts.share_of(u).map_or(ShareStatus::NotStarted, |s| s.eval.status),
        None => ts.status_for(scope),
    };
    let needle = nonempty(&q.q).map(str::to_lowercase);
    let filtered_but_status: Vec<&TaskState> = visible
        .iter()
        .copied()
        .filter(|ts| nonempty(&q.chapter).is_none_or(|c| ts.task.row.chapter == c))
        .filter(|ts| unit.is_none_or(|u| ts.share_of(u).is_some()))
        .filter(|ts| nonempty(&q.kind).is_none_or(|k| ts.task.deadline_kind == k))
        .filter(|ts| {
            needle.as_deref().is_none_or(|n| {
                let r = &ts.task.row;
                [&r.chapter, &r.task, &r.measures, &r.lead_text, &r.responsible_text, &r.deadline_text]
                    .iter()
                    .any(|f| f.to_lowercase().contains(n))
                    || r.section.as_deref().is_some_and(|s| s.contains(n))
                    || r.item.as_deref().is_some_and(|s| s.contains(n))
            })
        })
        .collect();
    let mut by_status = StatusCounts::default();
    for ts in &filtered_but_status {
        by_status.add(status_of(ts));
    }
    let wanted = nonempty(&q.status).and_then(ShareStatus::from_code);
    let shown: Vec<&TaskState> =
        filtered_but_status.iter().copied().filter(|ts| wanted.is_none_or(|w| status_of(ts) == w)).collect();

    let mut rows: Vec<SheetRow> = Vec::with_capacity(shown.len());
    for ts in &shown {
        let t = &ts.task;
        let cell = task_cell(&t.row);
        let own = scope.dept().and_then(|d| ts.share_of(d));
        let lead = ts.leads_for(scope);
        let show_latest = if lead { latest } else { own_latest }.iter().find(|r| r.task_id == t.id);
        rows.push(SheetRow {
            id: t.id,
            label: t.label(),
            lines: cell.lines().map(str::to_owned).collect(),
            span: 1,
            measures: t.row.measures.clone(),
            lead_text: t.row.lead_text.clone(),
            responsible_text: t.row.responsible_text.clone(),
            units_merged: t.row.units_merged,
            deadline: deadline_ctx(t, Some(ts), env),
            status: status_of(ts).code(),
            status_label: status_of(ts).label(),
            completed: ts.counts.completed,
            total: ts.counts.total(),
            overdue: ts.counts.overdue,
            latest: show_latest.map(|r| service::progress_line(r, names)),
            share_id: own.map(|s| s.share.id),
            is_lead: scope.dept().is_some_and(|d| ts.is_lead(d)),
            warnings: ts.warnings_for(scope).len(),
        });
    }
    // Merge the 工作任务 cells of consecutive rows with the same headings, as the annex does.
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j].lines == rows[i].lines {
            rows[j].span = 0;
            j += 1;
        }
        rows[i].span = j - i;
        i = j;
    }
    let mut chapters: Vec<String> = Vec::new();
    for ts in &visible {
        if !chapters.contains(&ts.task.row.chapter) {
            chapters.push(ts.task.row.chapter.clone());
        }
    }
    let mut unit_ids: Vec<i64> = Vec::new();
    if scope.is_office() {
        for ts in states {
            for s in &ts.shares {
                if !unit_ids.contains(&s.share.department_id) {
                    unit_ids.push(s.share.department_id);
                }
            }
        }
        unit_ids.sort_unstable();
    }
    let units: Vec<Value> = unit_ids.iter().map(|u| context! { id => u, name => name(names, *u) }).collect();
    let imported = (q.done.as_deref() == Some("imported")).then(|| {
        format!(
            "导入完成:新增 {} 项,修改 {} 项,删除 {} 项。",
            q.added.unwrap_or(0),
            q.changed.unwrap_or(0),
            q.removed.unwrap_or(0)
        )
    });
    let ctx = context! {
        ..base(&p, &ledger.title),
        ..context! {
            ledger => ledger, short => service::ledger_short(&ledger),
            lead_header => ledger.layout.columns()[3],
            combined => ledger.layout == LedgerLayout::Combined,
            rows => rows, total_visible => visible.len(), by_status => counts_ctx(&by_status),
            office => scope.is_office(), dept => scope.dept().map(|d| name(names, d)),
            f => context! {
                status => q.status.clone().unwrap_or_default(), chapter => q.chapter.clone().unwrap_or_default(),
                unit => unit, kind => q.kind.clone().unwrap_or_default(), q => q.q.clone().unwrap_or_default(),
            },
            statuses => status_options(), chapters => chapters, units => units,
            kinds => DEADLINE_KINDS.iter().map(|(c, l)| context! { code => c, label => l }).collect::<Vec<_>>(),
            today => env.today,
            flash => imported.or_else(|| flash(q.done.as_deref()).map(str::to_owned)),
        }
    };
    Ok(render("ledger_sheet.html", ctx)?.into_response())
}

/// Whether a caller may see a report of a department on this task: the office, the
/// department itself, or a lead unit of the task.
fn report_visible(ts: &TaskState, scope: Scope, report_dept: i64) -> bool {
    match scope {
        Scope::Office => true,
        Scope::Dept(d) => report_dept == d || ts.is_lead(d),
    }
}

// --- a task -------------------------------------------------------------------------------

async fn visible_task(state: &AppState, p: &Principal, id: i64, env: &Env) -> Result<(Scope, TaskState), AppError> {
    let scope = Scope::of(p)?;
    let ts = service::task_state(&state.store, id, env).await?;
    if !ts.visible_to(scope) {
        return Err(AppError::forbidden("本部门不承担该任务,无权查看"));
    }
    Ok((scope, ts))
}

fn milestone_ctx(m: &jianguan_store::ledger::Milestone, names: &Names, env: &Env) -> Value {
    let st = milestone_state(m.due_date, m.reached_on.is_some(), env.today, &env.cal, env.warn_days);
    context! {
        id => m.id, title => m.title, due_date => m.due_date, owner_id => m.owner_id, owner => name(names, m.owner_id),
        detail => m.detail, reached_on => m.reached_on, state => st.code(), state_label => st.label(),
        effective_due => jianguan_domain::progress::effective_due(m.due_date, &env.cal),
    }
}

fn share_ctx(s: &service::ShareState, names: &Names) -> Value {
    context! {
        id => s.share.id, department_id => s.share.department_id, department => name(names, s.share.department_id),
        via => name(names, s.share.via_unit_id), is_lead => s.share.is_lead,
        status => s.eval.status.code(), status_label => s.eval.status.label(),
        due => s.eval.due, last_report => s.share.last_report, report_count => s.share.report_count,
        reported_this_cycle => s.eval.reported_this_cycle, period => s.eval.period,
        warnings => s.eval.warnings.iter().map(|w| context! { kind => w.kind.code(), label => w.kind.label(), message => w.message() }).collect::<Vec<_>>(),
        manual => s.share.manual_status.map(|m| m.code()), manual_note => s.share.manual_note,
        manual_by => s.share.manual_by, manual_at => s.share.manual_at,
    }
}

/// Reports of a task a caller may see, each with its files and comments.
async fn reports_ctx(
    state: &AppState,
    ts: &TaskState,
    scope: Scope,
    share_id: Option<i64>,
    names: &Names,
) -> Result<Vec<Value>, AppError> {
    let reports = state.store.ledger_reports(share_id, Some(ts.task.id)).await?;
    let comments = state.store.ledger_comments(ts.task.id).await?;
    let files = state.store.ledger_files(ts.task.id).await?;
    let milestones = state.store.ledger_milestones(Some(ts.task.id)).await?;
    Ok(reports
        .iter()
        .filter(|r| report_visible(ts, scope, r.department_id))
        .map(|r| {
            let can_review = match scope {
                Scope::Office => true,
                Scope::Dept(d) => ts.is_lead(d) && r.department_id != d,
            };
            context! {
                id => r.id, share_id => r.share_id, department => name(names, r.department_id), author => r.author,
                report_date => r.report_date, created_at => r.created_at, progress => r.progress, problems => r.problems,
                next_steps => r.next_steps, completes => r.completes, status => r.status.code(), status_label => r.status.label(),
                revises_id => r.revises_id, returned_by => r.returned_by, returned_at => r.returned_at,
                milestone => r.milestone_id.and_then(|m| milestones.iter().find(|x| x.id == m)).map(|m| m.title.clone()),
                files => files.iter().filter(|f| f.report_id == Some(r.id)).map(|f| context! {
                    id => f.id, name => f.name, size => crate::files::human_size(f.size as u64), kind => f.kind, sha256 => f.sha256,
                }).collect::<Vec<_>>(),
                comments => comments.iter().filter(|c| c.report_id == r.id).map(|c| context! {
                    kind => c.kind.code(), body => c.body, author => c.author,
                    department => c.department_id.map(|d| name(names, d)), created_at => c.created_at,
                }).collect::<Vec<_>>(),
                can_review => can_review && r.status == ReportStatus::Submitted,
                can_comment => can_review,
            }
        })
        .collect())
}

pub async fn task(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    task_page(&state, &p, id, None, flash(q.done.as_deref())).await
}

async fn task_page(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let env = env(state).await?;
    let (scope, ts) = visible_task(state, p, id, &env).await?;
    let ledger = state.store.ledger_get(ts.task.ledger_id).await?;
    let names = department_names(state).await?;
    let milestones = state.store.ledger_milestones(Some(id)).await?;
    let shares: Vec<Value> =
        ts.shares.iter().filter(|s| ts.can_view_share(scope, &s.share)).map(|s| share_ctx(s, &names)).collect();
    let reports = reports_ctx(state, &ts, scope, None, &names).await?;
    let owners: Vec<Value> = ts
        .shares
        .iter()
        .map(|s| context! { id => s.share.department_id, name => name(&names, s.share.department_id) })
        .collect();
    let own = scope.dept().and_then(|d| ts.share_of(d));
    let t = &ts.task;
    let status = ts.status_for(scope);
    let ctx = context! {
        ..base(p, &format!("{} 第{}项", service::ledger_short(&ledger), t.label())),
        ..context! {
            ledger => ledger, short => service::ledger_short(&ledger), lead_header => ledger.layout.columns()[3],
            combined => ledger.layout == LedgerLayout::Combined,
            task => t, label => t.label(), lines => task_cell(&t.row).lines().map(str::to_owned).collect::<Vec<_>>(),
            deadline => deadline_ctx(t, Some(&ts), &env), status => status.code(), status_label => status.label(),
            counts => counts_ctx(&ts.counts), shares => shares, reports => reports,
            milestones => milestones.iter().map(|m| milestone_ctx(m, &names, &env)).collect::<Vec<_>>(),
            owners => owners, office => scope.is_office(), leads => ts.leads_for(scope),
            lead_names => ts.lead_ids().iter().map(|d| name(&names, *d)).collect::<Vec<_>>(),
            own_share => own.map(|s| s.share.id), cycles => cycle_options(),
            error => error, flash => notice, today => env.today,
        }
    };
    let status_code = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status_code, render("ledger_task.html", ctx)?).into_response())
}

pub async fn timetable(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    timetable_page(&state, &p, id, None, flash(q.done.as_deref())).await
}

async fn timetable_page(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let env = env(state).await?;
    let (scope, ts) = visible_task(state, p, id, &env).await?;
    let ledger = state.store.ledger_get(ts.task.ledger_id).await?;
    let names = department_names(state).await?;
    let milestones = state.store.ledger_milestones(Some(id)).await?;
    let points: Vec<charts::TimelinePoint> = milestones
        .iter()
        .map(|m| charts::TimelinePoint {
            date: m.due_date,
            label: format!("{}({})", m.title, name(&names, m.owner_id)),
            state: Some(milestone_state(m.due_date, m.reached_on.is_some(), env.today, &env.cal, env.warn_days)),
        })
        .collect();
    let due = ts.due(&env);
    let svg = charts::timeline(&format!("第{}项时间表", ts.task.label()), &points, env.today, due);
    let owners: Vec<Value> = ts
        .shares
        .iter()
        .map(|s| context! { id => s.share.department_id, name => name(&names, s.share.department_id) })
        .collect();
    let ctx = context! {
        ..base(p, &format!("第{}项 线路图和时间表", ts.task.label())),
        ..context! {
            ledger => ledger, short => service::ledger_short(&ledger), task => ts.task, label => ts.task.label(),
            deadline => deadline_ctx(&ts.task, Some(&ts), &env), svg => svg,
            milestones => milestones.iter().map(|m| milestone_ctx(m, &names, &env)).collect::<Vec<_>>(),
            owners => owners, leads => ts.leads_for(scope), error => error, flash => notice, today => env.today,
            lead_names => ts.lead_ids().iter().map(|d| name(&names, *d)).collect::<Vec<_>>(),
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render("ledger_timetable.html", ctx)?).into_response())
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub set_due_date: String,
    #[serde(default)]
    pub note: String,
    pub cycle: String,
}

fn parse_date(s: &str, what: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| format!("{what}“{s}”不是有效日期(格式 YYYY-MM-DD)"))
}

pub async fn schedule(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ScheduleForm>,
) -> Result<Response, AppError> {
    let date = match parse_date(&f.set_due_date, "完成日期") {
        Ok(d) => d,
        Err(e) => return task_page(&state, &p, id, Some(e), None).await,
    };
    let cycle = ReportingCycle::from_code(&f.cycle).ok_or_else(|| AppError::bad_request("报送周期无效"))?;
    match state.store.ledger_set_schedule(&p.actor_as(Role::LedgerOffice), id, date, &f.note, cycle).await {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/tasks/{id}?done=schedule")).into_response()),
        Err(StoreError::Invalid(m)) => task_page(&state, &p, id, Some(m), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RoadmapForm {
    #[serde(default)]
    pub roadmap: String,
}

async fn require_lead(state: &AppState, p: &Principal, task_id: i64) -> Result<(Scope, TaskState), AppError> {
    let env = env(state).await?;
    let (scope, ts) = visible_task(state, p, task_id, &env).await?;
    if !ts.leads_for(scope) {
        return Err(AppError::forbidden("只有该任务的牵头单位或台账管理员可以编制线路图和时间表"));
    }
    Ok((scope, ts))
}

fn acting(p: &Principal, scope: Scope) -> jianguan_store::Actor {
    p.actor_as(if scope.is_office() { Role::LedgerOffice } else { Role::DeptStaff })
}

pub async fn roadmap(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RoadmapForm>,
) -> Result<Response, AppError> {
    let (scope, _) = require_lead(&state, &p, id).await?;
    match state.store.ledger_set_roadmap(&acting(&p, scope), id, &f.roadmap).await {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/tasks/{id}/timetable?done=roadmap")).into_response()),
        Err(StoreError::Invalid(m)) => timetable_page(&state, &p, id, Some(m), None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub detail: String,
}

/// Checks a milestone form: a date, and an owner that has a share of the task.
fn milestone_input(f: &MilestoneForm, ts: &TaskState) -> Result<MilestoneInput, String> {
    let due = parse_date(&f.due_date, "节点日期")?.ok_or("请填写节点日期")?;
    let owner: i64 = f.owner_id.trim().parse().map_err(|_| "请选择节点的负责单位".to_string())?;
    if ts.share_of(owner).is_none() {
        return Err("节点的负责单位须是承担该任务的部门".into());
    }
    Ok(MilestoneInput {
        title: f.title.trim().to_owned(),
        due_date: due,
        owner_id: owner,
        detail: f.detail.trim().to_owned(),
    })
}

pub async fn milestone_add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MilestoneForm>,
) -> Result<Response, AppError> {
    let (scope, ts) = require_lead(&state, &p, id).await?;
    let input = match milestone_input(&f, &ts) {
        Ok(m) => m,
        Err(e) => return timetable_page(&state, &p, id, Some(e), None).await,
    };
    match state.store.ledger_add_milestone(&acting(&p, scope), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/tasks/{id}/timetable?done=milestone")).into_response()),
        Err(StoreError::Invalid(m)) => timetable_page(&state, &p, id, Some(m), None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn milestone_update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MilestoneForm>,
) -> Result<Response, AppError> {
    let m = state.store.ledger_milestone(id).await?;
    let (scope, ts) = require_lead(&state, &p, m.task_id).await?;
    let input = match milestone_input(&f, &ts) {
        Ok(m) => m,
        Err(e) => return timetable_page(&state, &p, m.task_id, Some(e), None).await,
    };
    match state.store.ledger_update_milestone(&acting(&p, scope), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/tasks/{}/timetable?done=milestone", m.task_id)).into_response()),
        Err(StoreError::Invalid(e)) => timetable_page(&state, &p, m.task_id, Some(e), None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn milestone_delete(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let m = state.store.ledger_milestone(id).await?;
    let (scope, _) = require_lead(&state, &p, m.task_id).await?;
    match state.store.ledger_delete_milestone(&acting(&p, scope), id).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/ledger/tasks/{}/timetable?done=milestone_deleted", m.task_id)).into_response())
        }
        Err(StoreError::Conflict(e)) => timetable_page(&state, &p, m.task_id, Some(e), None).await,
        Err(e) => Err(e.into()),
    }
}

// --- adding, editing and deleting tasks (office) ----------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct TaskForm {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub chapter: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub lead_text: String,
    #[serde(default)]
    pub responsible_text: String,
    #[serde(default)]
    pub deadline_text: String,
}

impl TaskForm {
    fn of(t: &LedgerRow) -> Self {
        TaskForm {
            label: t.label(),
            chapter: t.chapter.clone(),
            section: t.section.clone().unwrap_or_default(),
            item: t.item.clone().unwrap_or_default(),
            task: t.task.clone(),
            measures: t.measures.clone(),
            lead_text: t.lead_text.clone(),
            responsible_text: t.responsible_text.clone(),
            deadline_text: t.deadline_text.clone(),
        }
    }

    /// The row the form describes, or the problems with it.
    fn row(&self, layout: LedgerLayout) -> Result<LedgerRow, Vec<String>> {
        let mut errors = Vec::new();
        let label = self.label.trim().replace(['－', '—'], "-");
        let (seq, sub) = match label.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>().ok(), Some(b.trim().parse::<u8>().ok())),
            None => (label.parse::<u32>().ok(), None),
        };
        let seq = seq.filter(|n| *n > 0 && *n < 10_000);
        let sub = match sub {
            Some(Some(s)) if s > 0 => Some(Some(s)),
            Some(_) => None,
            None => Some(None),
        };
        if seq.is_none() || sub.is_none() {
            errors.push(format!("序号“{}”应为正整数(如 4)或子项(如 4-1)", self.label.trim()));
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let chapter = self.chapter.trim().to_owned();
        let (section, item) = (opt(&self.section), opt(&self.item));
        let task =
            opt(&self.task).or_else(|| item.clone()).or_else(|| section.clone()).unwrap_or_else(|| chapter.clone());
        if chapter.is_empty() {
            errors.push("章节(工作任务的第一级标题)不能为空".into());
        }
        if self.measures.trim().is_empty() {
            errors.push("落实举措不能为空".into());
        }
        if self.lead_text.trim().is_empty() {
            errors.push(format!("{}不能为空", layout.columns()[3]));
        }
        if self.measures.chars().count() > 5000 {
            errors.push("落实举措不能超过 5000 字".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let responsible_text =
            if layout == LedgerLayout::Combined { String::new() } else { self.responsible_text.trim().to_owned() };
        Ok(LedgerRow {
            seq: seq.unwrap_or(1),
            sub: sub.flatten(),
            chapter,
            section,
            item,
            task,
            measures: self.measures.trim().to_owned(),
            lead_units: split_units(self.lead_text.trim()),
            lead_text: self.lead_text.trim().to_owned(),
            responsible_units: split_units(&responsible_text),
            units_merged: layout == LedgerLayout::LeadAndResponsible && responsible_text.is_empty(),
            responsible_text,
            deadline_text: self.deadline_text.trim().to_owned(),
            note: None,
        })
    }
}

async fn task_form_page(
    state: &AppState,
    p: &Principal,
    ledger_id: i64,
    task_id: Option<i64>,
    form: TaskForm,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let ledger = state.store.ledger_get(ledger_id).await?;
    let title = if task_id.is_some() { format!("修改第{}项", form.label) } else { "添加任务".to_owned() };
    let ctx = context! {
        ..base(p, &title),
        ..context! {
            ledger => ledger, short => service::ledger_short(&ledger), combined => ledger.layout == LedgerLayout::Combined,
            lead_header => ledger.layout.columns()[3], task_id => task_id, form => form, errors => errors, heading => title,
        }
    };
    let status = if errors_present(&ctx) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render("ledger_task_form.html", ctx)?).into_response())
}

fn errors_present(ctx: &Value) -> bool {
    ctx.get_attr("errors").ok().and_then(|v| v.len()).unwrap_or(0) > 0
}

pub async fn new_task_form(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let tasks = state.store.ledger_tasks(Some(id)).await?;
    let next = tasks.iter().map(|t| t.row.seq).max().unwrap_or(0) + 1;
    let mut form = TaskForm { label: next.to_string(), ..Default::default() };
    if let Some(last) = tasks.last() {
        form.chapter = last.row.chapter.clone();
        form.section = last.row.section.clone().unwrap_or_default();
    }
    task_form_page(&state, &p, id, None, form, Vec::new()).await
}

pub async fn edit_task_form(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let t = state.store.ledger_task(id).await?;
    task_form_page(&state, &p, t.ledger_id, Some(id), TaskForm::of(&t.row), Vec::new()).await
}

/// Applies a ledger's rows with one row added, replaced or removed; unit and store errors
/// come back as messages.
async fn apply_rows(
    state: &AppState,
    p: &Principal,
    ledger_id: i64,
    rows: Vec<LedgerRow>,
    action: &str,
    detail: serde_json::Value,
) -> Result<Result<(), Vec<String>>, AppError> {
    let dir = unit_directory(&state.store.list_units().await?);
    let tasks = match plan_tasks(&rows, &dir, state.config.ledger.default_cycle) {
        Ok(t) => t,
        Err(errs) => return Ok(Err(errs.into_iter().map(|(_, e)| e.to_string()).collect())),
    };
    let plan = LedgerPlan { target: PlanTarget::Existing { id: ledger_id }, tasks, action: action.into(), detail };
    match state.store.ledger_apply(&p.actor_as(Role::LedgerOffice), &plan).await {
        Ok(_) => Ok(Ok(())),
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => Ok(Err(vec![m])),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_task(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<TaskForm>,
) -> Result<Response, AppError> {
    let ledger = state.store.ledger_get(id).await?;
    let row = match f.row(ledger.layout) {
        Ok(r) => r,
        Err(errors) => return task_form_page(&state, &p, id, None, f, errors).await,
    };
    let mut rows: Vec<LedgerRow> = state.store.ledger_tasks(Some(id)).await?.into_iter().map(|t| t.row).collect();
    if rows.iter().any(|r| r.seq == row.seq && r.sub == row.sub) {
        return task_form_page(&state, &p, id, None, f, vec![format!("序号 {} 已存在", row.label())]).await;
    }
    let label = row.label();
    rows.push(row);
    rows.sort_by_key(|r| (r.seq, r.sub));
    match apply_rows(&state, &p, id, rows, "ledger.task_add", serde_json::json!({ "label": label })).await? {
        Ok(()) => Ok(Redirect::to(&format!("/ledger/{id}?done=task")).into_response()),
        Err(errors) => task_form_page(&state, &p, id, None, f, errors).await,
    }
}

pub async fn edit_task(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<TaskForm>,
) -> Result<Response, AppError> {
    let task = state.store.ledger_task(id).await?;
    let ledger = state.store.ledger_get(task.ledger_id).await?;
    let mut row = match f.row(ledger.layout) {
        Ok(r) => r,
        Err(errors) => return task_form_page(&state, &p, ledger.id, Some(id), f, errors).await,
    };
    if (row.seq, row.sub) != (task.row.seq, task.row.sub) {
        let errors = vec!["修改任务时不能更改序号;如需调整,请删除后重新添加,或通过导入更新台账".to_owned()];
        return task_form_page(&state, &p, ledger.id, Some(id), f, errors).await;
    }
    row.note = task.row.note.clone();
    let rows: Vec<LedgerRow> = state
        .store
        .ledger_tasks(Some(ledger.id))
        .await?
        .into_iter()
        .map(|t| if t.id == id { row.clone() } else { t.row })
        .collect();
    match apply_rows(&state, &p, ledger.id, rows, "ledger.task_edit", serde_json::json!({ "task_id": id })).await? {
        Ok(()) => Ok(Redirect::to(&format!("/ledger/tasks/{id}?done=task")).into_response()),
        Err(errors) => task_form_page(&state, &p, ledger.id, Some(id), f, errors).await,
    }
}

pub async fn delete_task(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let task = state.store.ledger_task(id).await?;
    let rows: Vec<LedgerRow> = state
        .store
        .ledger_tasks(Some(task.ledger_id))
        .await?
        .into_iter()
        .filter(|t| t.id != id)
        .map(|t| t.row)
        .collect();
    let detail = serde_json::json!({ "task_id": id, "label": task.label() });
    match apply_rows(&state, &p, task.ledger_id, rows, "ledger.task_delete", detail).await? {
        Ok(()) => Ok(Redirect::to(&format!("/ledger/{}?done=task_deleted", task.ledger_id)).into_response()),
        Err(errors) => task_page(&state, &p, id, Some(errors.join(";")), None).await,
    }
}

// --- shares and reports ----------------------------------------------------------------------

#[derive(Serialize, Default)]
struct Draft {
    progress: String,
    problems: String,
    next_steps: String,
    milestone_id: Option<i64>,
    completes: bool,
}

async fn share_page(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
    draft: Option<Draft>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let env = env(state).await?;
    let scope = Scope::of(p)?;
    let share = state.store.ledger_share(id).await?;
    let ts = service::task_state(&state.store, share.task_id, &env).await?;
    if !ts.can_view_share(scope, &share) {
        return Err(AppError::forbidden("无权查看其他部门的任务分解"));
    }
    let s = ts.shares.iter().find(|s| s.share.id == id).expect("the share is one of its task's");
    let ledger = state.store.ledger_get(ts.task.ledger_id).await?;
    let names = department_names(state).await?;
    let reports = reports_ctx(state, &ts, scope, Some(id), &names).await?;
    let milestones = state.store.ledger_milestones(Some(ts.task.id)).await?;
    let own_milestones: Vec<Value> = milestones
        .iter()
        .filter(|m| m.owner_id == share.department_id && m.reached_on.is_none())
        .map(|m| milestone_ctx(m, &names, &env))
        .collect();
    let can_report = scope.dept() == Some(share.department_id) && share.manual_status != Some(ManualStatus::Paused);
    let returned = state
        .store
        .ledger_reports(Some(id), None)
        .await?
        .into_iter()
        .find(|r| r.status == ReportStatus::Returned)
        .filter(|r| !is_revised(r.id, &reports));
    let ctx = context! {
        ..base(p, &format!("{} 第{}项 · {}", service::ledger_short(&ledger), ts.task.label(), name(&names, share.department_id))),
        ..context! {
            ledger => ledger, short => service::ledger_short(&ledger), task => ts.task, label => ts.task.label(),
            deadline => deadline_ctx(&ts.task, Some(&ts), &env), share => share_ctx(s, &names),
            reports => reports, milestones => own_milestones, can_report => can_report,
            office => scope.is_office(), returned => returned.map(|r| context! { id => r.id, date => r.report_date }),
            draft => draft.unwrap_or_default(), idempotency_key => hex::encode(crate::security::random_bytes::<16>()),
            accept => crate::files::ACCEPT, max_file => crate::files::human_size(state.config.upload.max_file_bytes as u64),
            error => error, flash => notice,
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render("ledger_share.html", ctx)?).into_response())
}

fn is_revised(id: i64, reports: &[Value]) -> bool {
    reports.iter().any(|r| r.get_attr("revises_id").ok().and_then(|v| i64::try_from(v).ok()) == Some(id))
}

pub async fn share(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    share_page(&state, &p, id, None, None, flash(q.done.as_deref())).await
}

/// The request hash an idempotency key is bound to.
pub fn report_hash(share_id: i64, r: &NewReport, file_shas: &[String]) -> String {
    let mut shas = file_shas.to_vec();
    shas.sort();
    let mut ids = r.file_ids.clone();
    ids.sort_unstable();
    let canon = serde_json::json!({
        "share_id": share_id, "progress": r.progress.trim(), "problems": r.problems.trim(), "next_steps": r.next_steps.trim(),
        "milestone_id": r.milestone_id, "completes": r.completes, "revises_id": r.revises_id, "file_ids": ids, "files": shas,
    });
    jianguan_domain::crypto::sha256_hex(canon.to_string().as_bytes())
}

pub async fn submit_report(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let scope = Scope::of(&p)?;
    let share = state.store.ledger_share(id).await?;
    if scope.dept() != Some(share.department_id) {
        return Err(AppError::forbidden("只能报送本部门承担的任务分解"));
    }
    let form = read_multipart(mp, state.config.upload.max_file_bytes, 20).await?;
    let opt_id = |k: &str| form.text(k).parse::<i64>().ok();
    let draft = Draft {
        progress: form.text("progress"),
        problems: form.text("problems"),
        next_steps: form.text("next_steps"),
        milestone_id: opt_id("milestone_id"),
        completes: form.text("completes") == "1",
    };
    let mut new_files = Vec::new();
    for up in form.files.iter().filter(|u| u.field == "evidence") {
        let name = crate::files::sanitize_name(&up.name);
        let kind = match crate::files::detect(&up.bytes, &name, &state.config.upload) {
            Ok(k) => k,
            Err(e) => return share_page(&state, &p, id, Some(e), Some(draft), None).await,
        };
        let sha256 = state.blobs().put(&up.bytes).await.map_err(|e| {
            tracing::error!(error = %e, "evidence file not stored");
            AppError::internal("佐证材料保存失败,请稍后重试")
        })?;
        new_files.push(NewFile {
            sha256,
            size: up.bytes.len() as i64,
            kind: kind.code().into(),
            name,
            department_id: share.department_id,
        });
    }
    let report = NewReport {
        share_id: id,
        progress: draft.progress.clone(),
        milestone_id: draft.milestone_id,
        problems: draft.problems.clone(),
        next_steps: draft.next_steps.clone(),
        completes: draft.completes,
        revises_id: opt_id("revises_id"),
        file_ids: Vec::new(),
        new_files,
    };
    let actor = p.actor_as(Role::DeptStaff);
    let key = form.text("idempotency_key");
    let idem = (!key.is_empty()).then(|| IdempotencyKey {
        scope: format!("ledger.report:{}", actor.name),
        key: key.chars().take(100).collect(),
        request_hash: report_hash(id, &report, &report.new_files.iter().map(|f| f.sha256.clone()).collect::<Vec<_>>()),
    });
    match state.store.ledger_submit_report(&actor, &report, idem.as_ref()).await {
        Ok(Submitted::Created(_) | Submitted::Replayed(_)) => {
            Ok(Redirect::to(&format!("/ledger/shares/{id}?done=report")).into_response())
        }
        Err(StoreError::Invalid(m) | StoreError::NotFound(m)) => {
            share_page(&state, &p, id, Some(m), Some(draft), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ShareStatusForm {
    #[serde(default)]
    pub manual: String,
    #[serde(default)]
    pub note: String,
}

pub async fn share_status(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ShareStatusForm>,
) -> Result<Response, AppError> {
    let manual = match f.manual.as_str() {
        "" => None,
        code => Some(ManualStatus::from_code(code).ok_or_else(|| AppError::bad_request("状态无效"))?),
    };
    match state.store.ledger_set_share_manual(&p.actor_as(Role::LedgerOffice), id, manual, &f.note).await {
        Ok(_) => Ok(Redirect::to(&format!("/ledger/shares/{id}?done=status")).into_response()),
        Err(StoreError::Invalid(m)) => share_page(&state, &p, id, Some(m), None, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub action: String,
}

/// Whether a caller may comment on or return a report: the office, or a lead unit of the
/// task for another department's report.
pub async fn review_scope(
    state: &AppState,
    p: &Principal,
    report_id: i64,
) -> Result<(Scope, jianguan_store::ledger::Report), AppError> {
    let scope = Scope::of(p)?;
    let report = state.store.ledger_report(report_id).await?;
    let env = env(state).await?;
    let ts = service::task_state(&state.store, report.task_id, &env).await?;
    let ok = match scope {
        Scope::Office => true,
        Scope::Dept(d) => ts.is_lead(d) && report.department_id != d,
    };
    if !ok {
        return Err(AppError::forbidden("只有该任务的牵头单位(对其他责任单位的报告)或台账管理员可以提出意见或退回"));
    }
    Ok((scope, report))
}

pub async fn comment(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CommentForm>,
) -> Result<Response, AppError> {
    let (scope, report) = review_scope(&state, &p, id).await?;
    let kind = if f.action == "return" { CommentKind::Return } else { CommentKind::Comment };
    match state.store.ledger_comment(&acting(&p, scope), id, kind, &f.body).await {
        Ok(_) => {
            let done = if kind == CommentKind::Return { "return" } else { "comment" };
            Ok(Redirect::to(&format!("/ledger/tasks/{}?done={done}#report-{id}", report.task_id)).into_response())
        }
        Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => {
            task_page(&state, &p, report.task_id, Some(m), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn file(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let scope = Scope::of(&p)?;
    let f = state.store.ledger_file(id).await?;
    let allowed = match (scope, f.report_id) {
        (Scope::Office, _) => true,
        (Scope::Dept(d), None) => f.department_id == d,
        (Scope::Dept(d), Some(rid)) => {
            let report = state.store.ledger_report(rid).await?;
            let env = env(&state).await?;
            let ts = service::task_state(&state.store, report.task_id, &env).await?;
            report.department_id == d || ts.is_lead(d)
        }
    };
    if !allowed {
        return Err(AppError::forbidden("无权下载其他部门的佐证材料"));
    }
    let bytes = state.blobs().get(&f.sha256).await.map_err(|e| {
        tracing::error!(error = %e, file = f.id, "evidence file unreadable");
        AppError::internal("文件缺失或已损坏,请联系系统管理员")
    })?;
    let kind = crate::files::FileKind::from_code(&f.kind).unwrap_or(crate::files::FileKind::Txt);
    Ok((
        [
            (header::CONTENT_TYPE, kind.mime().to_owned()),
            (header::CONTENT_DISPOSITION, crate::files::attachment(&f.name, &format!("evidence-{}.{}", f.id, f.kind))),
        ],
        bytes,
    )
        .into_response())
}

// --- a department's tasks ---------------------------------------------------------------------

pub async fn my(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let scope = Scope::of(&p)?;
    let Scope::Dept(d) = scope else { return Err(AppError::forbidden("本页面供部门填报人员使用")) };
    let env = env(&state).await?;
    let ledgers: HashMap<i64, jianguan_store::ledger::Ledger> =
        state.store.ledger_list().await?.into_iter().map(|l| (l.id, l)).collect();
    let names = department_names(&state).await?;
    let states = service::department_state(&state.store, d, &env).await?;
    let mut items: Vec<(u8, Option<NaiveDate>, Value)> = Vec::new();
    let mut counts = StatusCounts::default();
    for ts in &states {
        let Some(s) = ts.share_of(d) else { continue };
        counts.add(s.eval.status);
        let rank = match s.eval.status {
            ShareStatus::Overdue => 0,
            _ if !s.eval.warnings.is_empty() => 1,
            ShareStatus::NotStarted | ShareStatus::InProgress => 2,
            _ => 3,
        };
        let l = ledgers.get(&ts.task.ledger_id);
        items.push((
            rank,
            s.eval.due,
            context! {
                share => share_ctx(s, &names), task_id => ts.task.id, label => ts.task.label(),
                short => l.map(service::ledger_short), task => ts.task.row.task, measures => ts.task.row.measures,
                deadline => deadline_ctx(&ts.task, Some(ts), &env), is_lead => s.share.is_lead,
            },
        ));
    }
    items.sort_by(|a, b| (a.0, a.1.unwrap_or(NaiveDate::MAX)).cmp(&(b.0, b.1.unwrap_or(NaiveDate::MAX))));
    let ctx = context! {
        ..base(&p, "本部门台账任务"),
        ..context! { department => name(&names, d), items => items.into_iter().map(|x| x.2).collect::<Vec<_>>(), counts => counts_ctx(&counts), today => env.today }
    };
    Ok(render("ledger_my.html", ctx)?.into_response())
}

// --- dashboards --------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    pub print: Option<String>,
}

struct Group {
    name: String,
    tasks: StatusCounts,
    shares: StatusCounts,
}

fn group_ctx(g: &Group) -> Value {
    context! { name => g.name, tasks => counts_ctx(&g.tasks), shares => counts_ctx(&g.shares) }
}

/// Everything the dashboard and its print layout show.
async fn dashboard_ctx(state: &AppState, id: i64) -> Result<(jianguan_store::ledger::Ledger, Value), AppError> {
    let ledger = state.store.ledger_get(id).await?;
    let env = env(state).await?;
    let states = service::ledger_state(&state.store, Some(id), &env).await?;
    let names = department_names(state).await?;
    let mut tasks = StatusCounts::default();
    let mut shares = StatusCounts::default();
    let mut finite = StatusCounts::default();
    let (mut ongoing_total, mut ongoing_reported) = (0u32, 0u32);
    let mut chapters: Vec<Group> = Vec::new();
    let mut units: BTreeMap<i64, Group> = BTreeMap::new();
    let mut kinds: Vec<Group> = DEADLINE_KINDS
        .iter()
        .map(|(_, l)| Group { name: (*l).to_owned(), tasks: StatusCounts::default(), shares: StatusCounts::default() })
        .collect();
    let mut overdue: Vec<(i64, Value)> = Vec::new();
    for ts in &states {
        let overall = ts.counts.overall();
        tasks.add(overall);
        shares.merge(&ts.counts);
        let schedule = ts.task.schedule();
        if schedule.can_complete() {
            finite.merge(&ts.counts);
        }
        let g = match chapters.iter_mut().position(|g| g.name == ts.task.row.chapter) {
            Some(i) => &mut chapters[i],
            None => {
                chapters.push(Group {
                    name: ts.task.row.chapter.clone(),
                    tasks: StatusCounts::default(),
                    shares: StatusCounts::default(),
                });
                chapters.last_mut().expect("just pushed")
            }
        };
        g.tasks.add(overall);
        g.shares.merge(&ts.counts);
        if let Some(k) = DEADLINE_KINDS.iter().position(|(c, _)| *c == ts.task.deadline_kind) {
            kinds[k].tasks.add(overall);
            kinds[k].shares.merge(&ts.counts);
        }
        for s in &ts.shares {
            units
                .entry(s.share.department_id)
                .or_insert_with(|| Group {
                    name: name(&names, s.share.department_id),
                    tasks: StatusCounts::default(),
                    shares: StatusCounts::default(),
                })
                .shares
                .add(s.eval.status);
            if s.eval.reported_this_cycle.is_some() && s.eval.status != ShareStatus::Paused {
                ongoing_total += 1;
                ongoing_reported += u32::from(s.eval.reported_this_cycle == Some(true));
            }
            if let Some(w) = s.eval.warnings.iter().find(|w| w.kind == WarningKind::Overdue) {
                overdue.push((
                    w.working_days,
                    context! {
                        task_id => ts.task.id, label => ts.task.label(), task => ts.task.row.task, share_id => s.share.id,
                        department => name(&names, s.share.department_id), due => w.due, days => w.working_days,
                        message => w.message(), is_lead => s.share.is_lead,
                    },
                ));
            }
        }
    }
    overdue.sort_by_key(|o| std::cmp::Reverse(o.0));
    let mut unit_rows: Vec<&Group> = units.values().collect();
    unit_rows.sort_by(|a, b| b.shares.overdue.cmp(&a.shares.overdue).then(a.name.cmp(&b.name)));
    kinds.retain(|k| k.tasks.total() > 0);
    let chapter_svg = charts::stacked_bars(
        "按章节统计任务分解状态",
        &chapters.iter().map(|g| (g.name.clone(), g.shares)).collect::<Vec<_>>(),
    );
    let unit_svg = charts::stacked_bars(
        "按单位统计任务分解状态",
        &unit_rows.iter().map(|g| (g.name.clone(), g.shares)).collect::<Vec<_>>(),
    );
    let kind_svg = charts::stacked_bars(
        "按完成时限类型统计任务状态",
        &kinds.iter().map(|g| (g.name.clone(), g.tasks)).collect::<Vec<_>>(),
    );
    let ongoing_rate = (ongoing_total > 0).then(|| f64::from(ongoing_reported) * 100.0 / f64::from(ongoing_total));
    let last_run = service::last_run(&state.store).await?;
    let ctx = context! {
        ledger => ledger, short => service::ledger_short(&ledger), today => env.today,
        tasks => counts_ctx(&tasks), shares => counts_ctx(&shares), finite => counts_ctx(&finite),
        finite_rate_svg => charts::rate_bar("限期任务分解完成率", finite.completion_percent()),
        ongoing_rate_svg => charts::rate_bar(&format!("持续推进任务本期报送率({})", state.config.ledger.default_cycle.period_label(env.today)), ongoing_rate),
        ongoing_total => ongoing_total, ongoing_reported => ongoing_reported,
        chapters => chapters.iter().map(group_ctx).collect::<Vec<_>>(),
        units => unit_rows.iter().map(|g| group_ctx(g)).collect::<Vec<_>>(),
        kinds => kinds.iter().map(group_ctx).collect::<Vec<_>>(),
        overdue => overdue.into_iter().map(|x| x.1).collect::<Vec<_>>(),
        chapter_svg => chapter_svg, unit_svg => unit_svg, kind_svg => kind_svg,
        last_run => last_run, generated_at => jianguan_store::now(),
    };
    Ok((ledger, ctx))
}

pub async fn dashboard(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (ledger, data) = dashboard_ctx(&state, id).await?;
    let ctx = context! { ..base(&p, &format!("{} 统计", service::ledger_short(&ledger))), ..data };
    Ok(render("ledger_dashboard.html", ctx)?.into_response())
}

pub async fn dashboard_print(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (ledger, data) = dashboard_ctx(&state, id).await?;
    let ctx = context! { ..base(&p, &format!("{} 落实情况统计(打印)", service::ledger_short(&ledger))), ..data };
    Ok(render("ledger_dashboard_print.html", ctx)?.into_response())
}

// --- export and import -----------------------------------------------------------------------

pub async fn export(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let env = env(&state).await?;
    let (ledger, bytes) = service::export_xlsx(&state.store, id, &env).await?;
    let detail = serde_json::json!({ "sha256": jianguan_domain::crypto::sha256_hex(&bytes), "bytes": bytes.len(), "tasks": ledger.task_count });
    state.store.audit(p.actor_as(Role::LedgerOffice).event("ledger.export", format!("ledger:{id}"), detail)).await?;
    let name = service::export_name(&ledger, env.today);
    Ok((
        [
            (header::CONTENT_TYPE, crate::files::FileKind::Xlsx.mime().to_owned()),
            (header::CONTENT_DISPOSITION, crate::files::attachment(&name, &format!("ledger-{}.xlsx", ledger.code))),
        ],
        bytes,
    )
        .into_response())
}

async fn import_form_page(state: &AppState, p: &Principal, error: Option<String>) -> Result<Response, AppError> {
    let ledgers = state.store.ledger_list().await?;
    let ctx = context! {
        ..base(p, "导入台账"),
        ..context! {
            ledgers => ledgers.iter().map(|l| context! { id => l.id, title => l.title, short => service::ledger_short(l), layout => l.layout.label() }).collect::<Vec<_>>(),
            error => error, max_file => crate::files::human_size(state.config.upload.max_file_bytes as u64),
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render("ledger_import.html", ctx)?).into_response())
}

pub async fn import_form(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    import_form_page(&state, &p, None).await
}

fn import_target(mode: &str, ledger: &str, code: &str, title: &str, source: &str) -> Result<ImportTarget, String> {
    match mode {
        "existing" => ledger.trim().parse().map(ImportTarget::Existing).map_err(|_| "请选择要更新的台账".to_owned()),
        "new" => Ok(ImportTarget::New {
            code: code.trim().to_owned(),
            title: title.trim().to_owned(),
            source: source.trim().to_owned(),
        }),
        _ => Err("请选择导入方式:新建台账或更新已有台账".into()),
    }
}

fn imports(state: &AppState) -> crate::files::BlobStore {
    crate::files::BlobStore::new(std::path::PathBuf::from(&state.config.data_dir).join("imports"))
}

async fn preview_page(
    p: &Principal,
    preview: &service::ImportPreview,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let (mode, ledger_id, code, title, source) = match &preview.target {
        ImportTarget::New { code, title, source } => ("new", None, code.clone(), title.clone(), source.clone()),
        ImportTarget::Existing(id) => ("existing", Some(*id), String::new(), String::new(), String::new()),
    };
    let ctx = context! {
        ..base(p, "导入预览"),
        ..context! {
            preview => preview, ok => preview.ok(), mode => mode, ledger_id => ledger_id, code => code, new_title => title, source => source,
            layout => preview.layout.map(|l| l.label()),
            errors => preview.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            warnings => preview.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            changed => preview.diff.changed.iter().map(|(l, f)| context! { label => l, fields => f.join("、") }).collect::<Vec<_>>(),
            notice => notice,
        }
    };
    let status = if preview.ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render("ledger_import_preview.html", ctx)?).into_response())
}

pub async fn import_upload(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let form = read_multipart(mp, state.config.upload.max_file_bytes, 1).await?;
    let target = match import_target(
        &form.text("mode"),
        &form.text("ledger_id"),
        &form.text("code"),
        &form.text("title"),
        &form.text("source"),
    ) {
        Ok(t) => t,
        Err(e) => return import_form_page(&state, &p, Some(e)).await,
    };
    let Some(file) = form.files.first() else {
        return import_form_page(&state, &p, Some("请选择要导入的 .xlsx 文件".into())).await;
    };
    let preview = service::preview_import(
        &state.store,
        &file.bytes,
        target,
        &state.config.upload,
        state.config.ledger.default_cycle,
    )
    .await?;
    if preview.ok() {
        imports(&state).put(&file.bytes).await.map_err(|e| {
            tracing::error!(error = %e, "import file not staged");
            AppError::internal("导入文件暂存失败,请稍后重试")
        })?;
    }
    preview_page(&p, &preview, None).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    pub sha256: String,
    pub fingerprint: String,
    pub mode: String,
    #[serde(default)]
    pub ledger_id: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub source: String,
}

pub async fn import_confirm(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let target = import_target(&f.mode, &f.ledger_id, &f.code, &f.title, &f.source).map_err(AppError::bad_request)?;
    let bytes = imports(&state).get(&f.sha256).await.map_err(|_| AppError::not_found("导入文件已失效,请重新上传"))?;
    let preview =
        service::preview_import(&state.store, &bytes, target, &state.config.upload, state.config.ledger.default_cycle)
            .await?;
    if !preview.ok() || preview.fingerprint != f.fingerprint {
        return preview_page(&p, &preview, Some("台账在预览后已发生变化,请核对以下变更后重新确认。")).await;
    }
    match service::apply_import(&state.store, &p.actor_as(Role::LedgerOffice), &preview).await {
        Ok(out) => Ok(Redirect::to(&format!(
            "/ledger/{}?done=imported&added={}&changed={}&removed={}",
            out.ledger.id, out.tasks_added, out.tasks_changed, out.tasks_removed
        ))
        .into_response()),
        Err(StoreError::Conflict(m) | StoreError::Invalid(m)) => {
            let mut preview = preview;
            preview.errors.push(jianguan_exchange::ledger_sheet::RowIssue { line: 0, message: m });
            preview.plan = None;
            preview_page(&p, &preview, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- warnings, calendar, public annex -------------------------------------------------------

pub async fn run_warnings(State(state): State<AppState>) -> Result<Response, AppError> {
    service::run_warnings(&state.store, &state.notifiers, &state.config.ledger).await?;
    Ok(Redirect::to("/ledger?done=warnings").into_response())
}

async fn calendar_page(
    state: &AppState,
    p: &Principal,
    error: Option<String>,
    draft: Option<String>,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let stored = state.store.calendar_years().await?;
    let cal = crate::workdays::calendar(&state.store).await?;
    let years: Vec<Value> = cal
        .years()
        .into_iter()
        .rev()
        .filter_map(|y| {
            let a = cal.arrangement(y)?;
            let s = stored.iter().find(|s| s.year == i64::from(y));
            Some(context! {
                year => y, notices => a.notices.iter().map(|n| format!("{} {}", n.number, n.title)).collect::<Vec<_>>(),
                festivals => a.festivals.iter().map(|f| context! {
                    name => f.name, from => f.holidays.first(), to => f.holidays.last(), days => f.holidays.len(),
                    workdays => f.workdays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
                source => if s.is_some() { "管理员录入" } else { "内置" }, added_by => s.map(|s| s.added_by.clone()), added_at => s.map(|s| s.updated_at),
            })
        })
        .collect();
    let next = cal.years().last().map_or(2027, |y| y + 1);
    let example = serde_json::to_string_pretty(&serde_json::json!({
        "year": next,
        "notices": [{ "number": format!("国办发明电〔{}〕X号", next - 1), "title": format!("国务院办公厅关于{next}年部分节假日安排的通知") }],
        "festivals": [{ "name": "元旦", "holidays": [format!("{next}-01-01")], "workdays": [] }]
    }))
    .expect("json");
    let ctx = context! {
        ..base(p, "工作日历"),
        ..context! { years => years, error => error, draft => draft.unwrap_or_default(), example => example, flash => notice }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render("ledger_calendar.html", ctx)?).into_response())
}

pub async fn calendar(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    calendar_page(&state, &p, None, None, flash(q.done.as_deref())).await
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    pub arrangement: String,
    #[serde(default)]
    pub replace: Option<String>,
}

/// Checks a year's arrangement against the effective calendar and stores it. Chinese
/// messages on any problem.
pub async fn add_calendar_year(
    state: &AppState,
    p: &Principal,
    json: &str,
    replace: bool,
) -> Result<jianguan_store::ledger::StoredYear, AppError> {
    let bad = |m: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m);
    let a: YearArrangement =
        serde_json::from_str(json).map_err(|e| bad(format!("JSON 格式不符合节假日安排格式:{e}")))?;
    let mut cal = crate::workdays::calendar(&state.store).await?;
    if cal.covers(a.year) && !replace {
        return Err(bad(format!("{} 年的节假日安排已存在;如需更正,请选择“替换已录入的安排”", a.year)));
    }
    cal.replace_year(a.clone()).map_err(|e| bad(crate::workdays::error_zh(&e)))?;
    let canonical = serde_json::to_string(&a).expect("arrangement serialises");
    let role = if p.has(Role::LedgerOffice) { Role::LedgerOffice } else { Role::SysAdmin };
    Ok(state.store.calendar_put_year(&p.actor_as(role), i64::from(a.year), &canonical, replace).await?)
}

pub async fn calendar_add(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<CalendarForm>,
) -> Result<Response, AppError> {
    match add_calendar_year(&state, &p, &f.arrangement, f.replace.is_some()).await {
        Ok(_) => Ok(Redirect::to("/calendar?done=calendar").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::CONFLICT => {
            calendar_page(&state, &p, Some(e.message), Some(f.arrangement), None).await
        }
        Err(e) => Err(e),
    }
}

pub async fn public_ledger(
    State(state): State<AppState>,
    p: Principal,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let ledger = state
        .store
        .ledger_by_code(&code)
        .await?
        .filter(|l| l.builtin)
        .ok_or_else(|| AppError::not_found("台账不存在或未公开"))?;
    let tasks = state.store.ledger_tasks(Some(ledger.id)).await?;
    let rows: Vec<Value> = tasks
        .iter()
        .map(|t| context! {
            label => t.label(), lines => task_cell(&t.row).lines().map(str::to_owned).collect::<Vec<_>>(), measures => t.row.measures,
            lead_text => t.row.lead_text, responsible_text => t.row.responsible_text, units_merged => t.row.units_merged, deadline_text => t.row.deadline_text,
        })
        .collect();
    let ctx = context! {
        ..base(&p, &ledger.title),
        ..context! { ledger => ledger, short => service::ledger_short(&ledger), rows => rows, combined => ledger.layout == LedgerLayout::Combined, lead_header => ledger.layout.columns()[3] }
    };
    Ok(render("ledger_public.html", ctx)?.into_response())
}

/// Stylesheet of the ledger pages (charts, status badges, the A4 print layout).
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../static/ledger.css"),
    )
        .into_response()
}
