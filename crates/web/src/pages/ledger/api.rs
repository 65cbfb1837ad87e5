//! `/api/v1` for the ledgers: ledgers, tasks, shares, reports (with `Idempotency-Key`),
//! comments and returns, milestones, evidence uploads, and the working-day calendar.
//! The same department isolation as the pages applies; errors are `{"code","message"}`.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::auth::Role;
use jianguan_domain::progress::{deadline_kind_label, milestone_state};
use jianguan_store::ledger::{
    CommentKind, IdempotencyKey, LedgerTask, MilestoneInput, NewFile, NewReport, Report, Submitted,
};
use jianguan_store::{Actor, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{self, Env, Scope, ShareState, TaskState};
use super::views;
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::{read_multipart, ApiJson};
use crate::pages::department_names;
use crate::AppState;

fn j(e: impl Into<AppError>) -> AppError {
    e.into().json()
}

async fn env(state: &AppState) -> Result<Env, AppError> {
    Env::load(&state.store, &state.config.ledger).await.map_err(j)
}

type Names = std::collections::HashMap<i64, String>;

fn name(names: &Names, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct LedgerDto {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub source: String,
    /// `lead_responsible` (附件1's columns) or `combined` (附件2's).
    pub layout: String,
    pub builtin: bool,
    pub task_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    pub not_started: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub overdue: u32,
    pub paused: u32,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    /// 完成时限 as written.
    pub text: String,
    /// `date`, `yearly`, `ongoing`, `set_by_city`, `missing` or `unparsed`.
    pub kind: String,
    pub kind_label: String,
    /// The date read from the text, for `date`.
    pub date: Option<NaiveDate>,
    /// Text after the date, e.g. 完成对存量文件的清理任务.
    pub note: Option<String>,
    /// A date set later (the city's date, a settled or extended date).
    pub set_due_date: Option<NaiveDate>,
    /// The working day the current obligation is due.
    pub due: Option<NaiveDate>,
    /// No date known yet for a deadline that needs one.
    pub awaits_date: bool,
    /// `monthly`, `quarterly`, `half_yearly` or `yearly` (ongoing work).
    pub reporting_cycle: String,
}

#[derive(Serialize, ToSchema)]
pub struct WarningDto {
    /// `due_soon`, `overdue` or `no_report`.
    pub kind: String,
    pub label: String,
    pub due: NaiveDate,
    pub working_days: i64,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub ledger_id: i64,
    /// 序号 as displayed (`4`, `4-1`).
    pub label: String,
    pub chapter: String,
    pub section: Option<String>,
    pub item: Option<String>,
    pub task: String,
    pub measures: String,
    pub lead_text: String,
    pub responsible_text: String,
    pub deadline: DeadlineDto,
    /// `not_started`, `in_progress`, `completed`, `overdue` or `paused` — the whole task for
    /// the office and lead units, the caller's own share otherwise.
    pub status: String,
    pub status_label: String,
    pub counts: CountsDto,
    pub roadmap: String,
}

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub id: i64,
    pub task_id: i64,
    pub department_id: i64,
    pub department: String,
    pub is_lead: bool,
    pub status: String,
    pub status_label: String,
    pub due: Option<NaiveDate>,
    pub last_report: Option<NaiveDate>,
    pub report_count: i64,
    /// `paused` or `completed` when set by the ledger office.
    pub manual_status: Option<String>,
    pub warnings: Vec<WarningDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    pub id: i64,
    pub task_id: i64,
    pub title: String,
    pub due_date: NaiveDate,
    pub owner_id: i64,
    pub owner: String,
    pub detail: String,
    pub reached_on: Option<NaiveDate>,
    /// `reached`, `upcoming`, `due_soon` or `overdue`.
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaskDetailDto {
    pub task: TaskDto,
    /// The shares the caller may see.
    pub shares: Vec<ShareDto>,
    pub milestones: Vec<MilestoneDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FileDto {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    /// `pdf`, `png`, `jpeg`, `docx`, `xlsx` or `txt`.
    pub kind: String,
    pub name: String,
    /// The report it is attached to, once attached.
    pub report_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentDto {
    pub id: i64,
    pub report_id: i64,
    /// `comment` or `return`.
    pub kind: String,
    pub body: String,
    pub author: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i64,
    pub share_id: i64,
    pub task_id: i64,
    pub department_id: i64,
    pub author: String,
    pub report_date: NaiveDate,
    pub progress: String,
    pub milestone_id: Option<i64>,
    pub problems: String,
    pub next_steps: String,
    pub completes: bool,
    /// `submitted` or `returned`.
    pub status: String,
    pub revises_id: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub files: Vec<FileDto>,
    pub comments: Vec<CommentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ShareDetailDto {
    pub share: ShareDto,
    pub task: TaskDto,
    /// Newest first.
    pub reports: Vec<ReportDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportBody {
    /// 工作进展 (required).
    pub progress: String,
    /// 存在问题.
    #[serde(default)]
    pub problems: String,
    /// 下一步计划.
    #[serde(default)]
    pub next_steps: String,
    /// A milestone of the task owned by the reporting department, now reached.
    #[serde(default)]
    pub milestone_id: Option<i64>,
    /// Declares the share's work completed (not for ongoing work).
    #[serde(default)]
    pub completes: bool,
    /// The returned report this one revises.
    #[serde(default)]
    pub revises_id: Option<i64>,
    /// Ids of evidence files uploaded with `POST /api/v1/ledger/files`.
    #[serde(default)]
    pub evidence: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    pub body: String,
    /// `comment` (default) or `return` (send the report back for revision).
    #[serde(default)]
    pub action: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    pub title: String,
    pub due_date: NaiveDate,
    /// A department with a share of the task.
    pub owner_id: i64,
    #[serde(default)]
    pub detail: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarYearBody {
    /// One year's arrangement in the format of `data-seed/calendar/holidays.json`
    /// (`{"year", "notices": [...], "festivals": [...]}`).
    #[schema(value_type = Object)]
    pub arrangement: serde_json::Value,
    /// Replace a year already in the calendar (built-in or stored).
    #[serde(default)]
    pub replace: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarYearDto {
    pub year: i32,
    /// `builtin` or `stored`.
    pub source: String,
    pub notices: Vec<String>,
    pub festivals: usize,
    pub holidays: usize,
    pub adjusted_workdays: usize,
}

fn deadline_dto(t: &LedgerTask, ts: &TaskState, env: &Env) -> DeadlineDto {
    let d = t.deadline();
    DeadlineDto {
        date: match d.kind {
            jianguan_domain::deadline::DeadlineKind::Date(x) => Some(x),
            _ => None,
        },
        text: d.text,
        kind: t.deadline_kind.clone(),
        kind_label: deadline_kind_label(&t.deadline_kind).into(),
        note: d.note,
        set_due_date: t.set_due_date,
        due: ts.due(env),
        awaits_date: t.schedule().awaits_date(),
        reporting_cycle: t.reporting_cycle.code().into(),
    }
}

fn task_dto(ts: &TaskState, scope: Scope, env: &Env) -> TaskDto {
    let t = &ts.task;
    let status = ts.status_for(scope);
    let c = &ts.counts;
    TaskDto {
        id: t.id,
        ledger_id: t.ledger_id,
        label: t.label(),
        chapter: t.row.chapter.clone(),
        section: t.row.section.clone(),
        item: t.row.item.clone(),
        task: t.row.task.clone(),
        measures: t.row.measures.clone(),
        lead_text: t.row.lead_text.clone(),
        responsible_text: t.row.responsible_text.clone(),
        deadline: deadline_dto(t, ts, env),
        status: status.code().into(),
        status_label: status.label().into(),
        counts: CountsDto {
            not_started: c.not_started,
            in_progress: c.in_progress,
            completed: c.completed,
            overdue: c.overdue,
            paused: c.paused,
        },
        roadmap: t.roadmap.clone(),
    }
}

fn share_dto(s: &ShareState, names: &Names) -> ShareDto {
    ShareDto {
        id: s.share.id,
        task_id: s.share.task_id,
        department_id: s.share.department_id,
        department: name(names, s.share.department_id),
        is_lead: s.share.is_lead,
        status: s.eval.status.code().into(),
        status_label: s.eval.status.label().into(),
        due: s.eval.due,
        last_report: s.share.last_report,
        report_count: s.share.report_count,
        manual_status: s.share.manual_status.map(|m| m.code().into()),
        warnings: s
            .eval
            .warnings
            .iter()
            .map(|w| WarningDto {
                kind: w.kind.code().into(),
                label: w.kind.label().into(),
                due: w.due,
                working_days: w.working_days,
                message: w.message(),
            })
            .collect(),
    }
}

fn milestone_dto(m: &jianguan_store::ledger::Milestone, names: &Names, env: &Env) -> MilestoneDto {
    MilestoneDto {
        id: m.id,
        task_id: m.task_id,
        title: m.title.clone(),
        due_date: m.due_date,
        owner_id: m.owner_id,
        owner: name(names, m.owner_id),
        detail: m.detail.clone(),
        reached_on: m.reached_on,
        state: milestone_state(m.due_date, m.reached_on.is_some(), env.today, &env.cal, env.warn_days).code().into(),
    }
}

fn file_dto(f: &jianguan_store::ledger::EvidenceFile) -> FileDto {
    FileDto {
        id: f.id,
        sha256: f.sha256.clone(),
        size: f.size,
        kind: f.kind.clone(),
        name: f.name.clone(),
        report_id: f.report_id,
    }
}

async fn report_dto(state: &AppState, r: &Report) -> Result<ReportDto, AppError> {
    let files = state.store.ledger_files(r.task_id).await.map_err(j)?;
    let comments = state.store.ledger_comments(r.task_id).await.map_err(j)?;
    Ok(report_dto_with(r, &files, &comments))
}

fn report_dto_with(
    r: &Report,
    files: &[jianguan_store::ledger::EvidenceFile],
    comments: &[jianguan_store::ledger::Comment],
) -> ReportDto {
    ReportDto {
        id: r.id,
        share_id: r.share_id,
        task_id: r.task_id,
        department_id: r.department_id,
        author: r.author.clone(),
        report_date: r.report_date,
        progress: r.progress.clone(),
        milestone_id: r.milestone_id,
        problems: r.problems.clone(),
        next_steps: r.next_steps.clone(),
        completes: r.completes,
        status: r.status.code().into(),
        revises_id: r.revises_id,
        created_at: r.created_at,
        files: files.iter().filter(|f| f.report_id == Some(r.id)).map(file_dto).collect(),
        comments: comments.iter().filter(|c| c.report_id == r.id).map(comment_dto).collect(),
    }
}

fn comment_dto(c: &jianguan_store::ledger::Comment) -> CommentDto {
    CommentDto {
        id: c.id,
        report_id: c.report_id,
        kind: c.kind.code().into(),
        body: c.body.clone(),
        author: c.author.clone(),
        created_at: c.created_at,
    }
}

fn actor(p: &Principal, scope: Scope) -> Actor {
    match p {
        Principal::ApiKey(_) => p.actor(),
        _ => p.actor_as(if scope.is_office() { Role::LedgerOffice } else { Role::DeptStaff }),
    }
}

/// Ledgers.
#[utoipa::path(get, path = "/api/v1/ledgers", tag = "台账",
    responses((status = 200, body = [LedgerDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn ledgers(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    Scope::of(&p).map_err(j)?;
    let list = state.store.ledger_list().await.map_err(j)?;
    let out: Vec<LedgerDto> = list
        .into_iter()
        .map(|l| LedgerDto {
            id: l.id,
            code: l.code,
            title: l.title,
            source: l.source,
            layout: l.layout.code().into(),
            builtin: l.builtin,
            task_count: l.task_count,
        })
        .collect();
    Ok(Json(out).into_response())
}

/// The tasks of a ledger the caller may see (a department: those it has a share in).
#[utoipa::path(get, path = "/api/v1/ledgers/{id}/tasks", tag = "台账", params(("id" = i64, Path, description = "台账编号")),
    responses((status = 200, body = [TaskDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn tasks(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let scope = Scope::of(&p).map_err(j)?;
    state.store.ledger_get(id).await.map_err(j)?;
    let env = env(&state).await?;
    let states = service::ledger_state(&state.store, Some(id), &env).await.map_err(j)?;
    let out: Vec<TaskDto> = states.iter().filter(|t| t.visible_to(scope)).map(|t| task_dto(t, scope, &env)).collect();
    Ok(Json(out).into_response())
}

async fn visible_task(state: &AppState, p: &Principal, id: i64, env: &Env) -> Result<(Scope, TaskState), AppError> {
    let scope = Scope::of(p).map_err(j)?;
    let ts = service::task_state(&state.store, id, env).await.map_err(j)?;
    if !ts.visible_to(scope) {
        return Err(AppError::forbidden("本部门不承担该任务,无权查看").json());
    }
    Ok((scope, ts))
}

/// A task with the shares the caller may see and its milestones.
#[utoipa::path(get, path = "/api/v1/ledger/tasks/{id}", tag = "台账", params(("id" = i64, Path, description = "任务编号")),
    responses((status = 200, body = TaskDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn task(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let env = env(&state).await?;
    let (scope, ts) = visible_task(&state, &p, id, &env).await?;
    let names = department_names(&state).await.map_err(j)?;
    let milestones = state.store.ledger_milestones(Some(id)).await.map_err(j)?;
    Ok(Json(TaskDetailDto {
        task: task_dto(&ts, scope, &env),
        shares: ts.shares.iter().filter(|s| ts.can_view_share(scope, &s.share)).map(|s| share_dto(s, &names)).collect(),
        milestones: milestones.iter().map(|m| milestone_dto(m, &names, &env)).collect(),
    })
    .into_response())
}

/// A share with its reports (the share's department, the task's lead units, the office).
#[utoipa::path(get, path = "/api/v1/ledger/shares/{id}", tag = "台账", params(("id" = i64, Path, description = "任务分解编号")),
    responses((status = 200, body = ShareDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn share(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let scope = Scope::of(&p).map_err(j)?;
    let env = env(&state).await?;
    let share = state.store.ledger_share(id).await.map_err(j)?;
    let ts = service::task_state(&state.store, share.task_id, &env).await.map_err(j)?;
    if !ts.can_view_share(scope, &share) {
        return Err(AppError::forbidden("无权查看其他部门的任务分解").json());
    }
    let names = department_names(&state).await.map_err(j)?;
    let s = ts.shares.iter().find(|s| s.share.id == id).expect("share of its task");
    let reports = state.store.ledger_reports(Some(id), None).await.map_err(j)?;
    let files = state.store.ledger_files(share.task_id).await.map_err(j)?;
    let comments = state.store.ledger_comments(share.task_id).await.map_err(j)?;
    Ok(Json(ShareDetailDto {
        share: share_dto(s, &names),
        task: task_dto(&ts, scope, &env),
        reports: reports.iter().map(|r| report_dto_with(r, &files, &comments)).collect(),
    })
    .into_response())
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    if s.is_empty() || s.len() > 100 || !s.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::bad_request("Idempotency-Key 须为 1–100 个可见 ASCII 字符").json());
    }
    Ok(Some(s.to_owned()))
}

/// Submits a progress report on the caller's own share. With an `Idempotency-Key` header,
/// a repeated request (same key, same body) returns the report first created (header
/// `Idempotent-Replayed: true`); the same key with another body is refused with 422.
#[utoipa::path(post, path = "/api/v1/ledger/shares/{id}/reports", tag = "台账", request_body = NewReportBody,
    params(("id" = i64, Path, description = "任务分解编号"),
           ("Idempotency-Key" = Option<String>, Header, description = "幂等键:1–100 个可见 ASCII 字符")),
    responses((status = 201, body = ReportDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn submit_report(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewReportBody>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&p).map_err(j)?;
    let share = state.store.ledger_share(id).await.map_err(j)?;
    if scope.dept() != Some(share.department_id) {
        return Err(AppError::forbidden("只能报送本部门承担的任务分解").json());
    }
    let key = idempotency_key(&headers)?;
    let report = NewReport {
        share_id: id,
        progress: body.progress,
        milestone_id: body.milestone_id,
        problems: body.problems,
        next_steps: body.next_steps,
        completes: body.completes,
        revises_id: body.revises_id,
        file_ids: body.evidence,
        new_files: Vec::new(),
    };
    let actor = actor(&p, scope);
    let idem = key.map(|k| IdempotencyKey {
        scope: format!("ledger.report:{}", actor.name),
        key: k,
        request_hash: views::report_hash(id, &report, &[]),
    });
    if let Some(k) = &idem {
        if let Some(prior) = state.store.idempotent_get(&k.scope, &k.key).await.map_err(j)? {
            if prior.request_hash != k.request_hash {
                return Err(AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "该 Idempotency-Key 已用于内容不同的请求;请为新的报告使用新的 Idempotency-Key",
                )
                .json());
            }
        }
    }
    let out = state.store.ledger_submit_report(&actor, &report, idem.as_ref()).await.map_err(j)?;
    let replayed = matches!(out, Submitted::Replayed(_));
    let dto = report_dto(&state, out.report()).await?;
    let mut resp = (StatusCode::CREATED, Json(dto)).into_response();
    resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static(if replayed { "true" } else { "false" }));
    Ok(resp)
}

/// Comments on a report or returns it for revision (the office, or a lead unit of the
/// task for another department's report).
#[utoipa::path(post, path = "/api/v1/ledger/reports/{id}/comments", tag = "台账", request_body = CommentBody,
    params(("id" = i64, Path, description = "进展报告编号")),
    responses((status = 201, body = CommentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn comment(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<Response, AppError> {
    let kind = match body.action.as_deref().unwrap_or("comment") {
        "comment" => CommentKind::Comment,
        "return" => CommentKind::Return,
        other => {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("action 只能是 comment 或 return,收到“{other}”"),
            )
            .json())
        }
    };
    let (scope, _) = views::review_scope(&state, &p, id).await.map_err(AppError::json)?;
    let c = state.store.ledger_comment(&actor(&p, scope), id, kind, &body.body).await.map_err(j)?;
    Ok((StatusCode::CREATED, Json(comment_dto(&c))).into_response())
}

async fn lead_scope(state: &AppState, p: &Principal, task_id: i64) -> Result<(Scope, TaskState), AppError> {
    let env = env(state).await?;
    let (scope, ts) = visible_task(state, p, task_id, &env).await?;
    if !ts.leads_for(scope) {
        return Err(AppError::forbidden("只有该任务的牵头单位或台账管理员可以编制时间表").json());
    }
    Ok((scope, ts))
}

fn milestone_input(body: MilestoneBody, ts: &TaskState) -> Result<MilestoneInput, AppError> {
    if ts.share_of(body.owner_id).is_none() {
        return Err(
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "节点的负责单位须是承担该任务的部门").json()
        );
    }
    Ok(MilestoneInput { title: body.title, due_date: body.due_date, owner_id: body.owner_id, detail: body.detail })
}

/// Adds a milestone to a task's timetable (the task's lead units or the office).
#[utoipa::path(post, path = "/api/v1/ledger/tasks/{id}/milestones", tag = "台账", request_body = MilestoneBody,
    params(("id" = i64, Path, description = "任务编号")),
    responses((status = 201, body = MilestoneDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn milestone_add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> Result<Response, AppError> {
    let (scope, ts) = lead_scope(&state, &p, id).await?;
    let input = milestone_input(body, &ts)?;
    let m = state.store.ledger_add_milestone(&actor(&p, scope), id, &input).await.map_err(j)?;
    let names = department_names(&state).await.map_err(j)?;
    let env = env(&state).await?;
    Ok((StatusCode::CREATED, Json(milestone_dto(&m, &names, &env))).into_response())
}

/// Changes a milestone (the task's lead units or the office).
#[utoipa::path(post, path = "/api/v1/ledger/milestones/{id}", tag = "台账", request_body = MilestoneBody,
    params(("id" = i64, Path, description = "节点编号")),
    responses((status = 200, body = MilestoneDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn milestone_update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MilestoneBody>,
) -> Result<Response, AppError> {
    let old = state.store.ledger_milestone(id).await.map_err(j)?;
    let (scope, ts) = lead_scope(&state, &p, old.task_id).await?;
    let input = milestone_input(body, &ts)?;
    let m = state.store.ledger_update_milestone(&actor(&p, scope), id, &input).await.map_err(j)?;
    let names = department_names(&state).await.map_err(j)?;
    let env = env(&state).await?;
    Ok(Json(milestone_dto(&m, &names, &env)).into_response())
}

/// Uploads an evidence file for a later report of the caller's department (multipart
/// field `file`; PDF, PNG, JPEG, DOCX, XLSX or TXT, checked by content).
#[utoipa::path(post, path = "/api/v1/ledger/files", tag = "台账",
    request_body(content_type = "multipart/form-data", description = "字段 file:佐证材料文件"),
    responses((status = 201, body = FileDto), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn upload(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let scope = Scope::of(&p).map_err(j)?;
    let Scope::Dept(dept) = scope else {
        return Err(AppError::forbidden("佐证材料由承担任务的部门上传").json());
    };
    let form = read_multipart(mp, state.config.upload.max_file_bytes, 1).await.map_err(AppError::json)?;
    let up = form
        .files
        .into_iter()
        .find(|f| f.field == "file")
        .ok_or_else(|| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "缺少文件字段 file").json())?;
    let name = crate::files::sanitize_name(&up.name);
    let kind = crate::files::detect(&up.bytes, &name, &state.config.upload)
        .map_err(|m| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m).json())?;
    let sha256 = state.blobs().put(&up.bytes).await.map_err(|e| {
        tracing::error!(error = %e, "evidence file not stored");
        AppError::internal("佐证材料保存失败,请稍后重试").json()
    })?;
    let f = state
        .store
        .ledger_add_file(
            &actor(&p, scope),
            &NewFile { sha256, size: up.bytes.len() as i64, kind: kind.code().into(), name, department_id: dept },
        )
        .await
        .map_err(j)?;
    Ok((StatusCode::CREATED, Json(file_dto(&f))).into_response())
}

/// The years of the working-day calendar (built-in and added).
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "工作日历",
    responses((status = 200, body = [CalendarYearDto]), (status = 403, body = ErrorBody)), security(("session" = [])))]
pub async fn calendar_years(State(state): State<AppState>) -> Result<Response, AppError> {
    let stored = state.store.calendar_years().await.map_err(j)?;
    let cal = crate::workdays::calendar(&state.store).await.map_err(j)?;
    let out: Vec<CalendarYearDto> = cal
        .years()
        .into_iter()
        .filter_map(|y| {
            let a = cal.arrangement(y)?;
            Some(CalendarYearDto {
                year: y,
                source: if stored.iter().any(|s| s.year == i64::from(y)) { "stored" } else { "builtin" }.into(),
                notices: a.notices.iter().map(|n| n.number.clone()).collect(),
                festivals: a.festivals.len(),
                holidays: a.holidays().count(),
                adjusted_workdays: a.workdays().count(),
            })
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Adds (or with `replace`, corrects) a year's holiday arrangement (台账管理员 or 系统管理员).
#[utoipa::path(post, path = "/api/v1/calendar/years", tag = "工作日历", request_body = CalendarYearBody,
    responses((status = 201, body = CalendarYearDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn calendar_add(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CalendarYearBody>,
) -> Result<Response, AppError> {
    let y = views::add_calendar_year(&state, &p, &body.arrangement.to_string(), body.replace)
        .await
        .map_err(AppError::json)?;
    let a: jianguan_domain::calendar::YearArrangement =
        serde_json::from_str(&y.arrangement).map_err(|e| AppError::internal(e.to_string()).json())?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarYearDto {
            year: a.year,
            source: "stored".into(),
            notices: a.notices.iter().map(|n| n.number.clone()).collect(),
            festivals: a.festivals.len(),
            holidays: a.holidays().count(),
            adjusted_workdays: a.workdays().count(),
        }),
    )
        .into_response())
}
