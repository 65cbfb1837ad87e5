//! Draws (摇号): the commit, written to the audit trail before the entropy exists, and
//! the execution once the committed public value is known (DESIGN §5,
//! docs/draw-record.md). A re-draw is a new numbered draw with a recorded reason.

use super::items::FlashQuery;
use super::plans::{task_ctx, visible_plan};
use super::results::{self, InspectionDto};
use super::{api_err, beijing, cst, dept_of, flash, today, user_error, Fields};
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::templates::{base, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime, Utc};
use jianguan_domain::auth::Role;
use jianguan_domain::draw::DrawCommit;
use jianguan_domain::sampling::{stratum_label, Witness};
use jianguan_store::draw::{CommitRequest, Draw, ExecuteRequest, InspectionFilter};
use jianguan_store::{now, StoreError};
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn status_label(s: &str) -> &'static str {
    match s {
        "committed" => "已承诺,待抽取",
        "drawn" => "已抽取",
        "superseded" => "已被重新抽取替代",
        "failed" => "未完成(未抽取任何结果)",
        _ => "未知",
    }
}

/// Per-stratum summary `(label, size, k)` from a stored commit.
fn strata(d: &Draw) -> Vec<Value> {
    serde_json::from_str::<DrawCommit>(&d.commit_json)
        .map(|c| {
            c.strata
                .iter()
                .map(|(l, s)| context! { label => stratum_label(l), size => s.size, k => s.k, total_weight => s.total_weight })
                .collect()
        })
        .unwrap_or_default()
}

pub fn draw_ctx(d: &Draw) -> Value {
    context! {
        id => d.id, code => d.code, number => d.draw_number, status => d.status, status_label => status_label(&d.status),
        redraw_of => d.redraw_of, redraw_reason => d.redraw_reason, commit_hash => d.commit_hash, commit_seq => d.commit_seq,
        commit_json => d.commit_json, entropy_definition => d.entropy_definition,
        available_at => cst(d.entropy_available_at), pool_size => d.pool_size,
        witnesses => d.witnesses.iter().map(|w| context! { name => w.name, commitment => w.commitment }).collect::<Vec<_>>(),
        committed_by => d.committed_by, committed_at => cst(d.committed_at), entropy_value => d.entropy_value,
        seed => d.seed, drawn_by => d.drawn_by, drawn_at => d.drawn_at.map(cst), failure => d.failure,
        strata => strata(d), published => matches!(d.status.as_str(), "drawn" | "superseded"),
    }
}

/// A `datetime-local` value in Beijing time (`2026-12-01T15:00` or with seconds).
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .and_then(|n| n.and_local_timezone(beijing()).single())
        .map(|t| t.with_timezone(&Utc))
}

fn witnesses_of(f: &Fields) -> Vec<Witness> {
    (1..=2)
        .filter_map(|n| {
            let name = f.get(&format!("witness{n}_name"));
            let commitment = f.get(&format!("witness{n}_commitment")).to_ascii_lowercase();
            (!name.is_empty() || !commitment.is_empty()).then(|| Witness { name: name.to_string(), commitment })
        })
        .collect()
}

async fn task_view(state: &AppState, p: &Principal, id: i64, error: Option<String>) -> Result<Response, AppError> {
    let task = state.store.task(id).await?;
    let plan = visible_plan(state, p, task.plan_id).await?;
    let me = dept_of(p)?;
    let draws = state.store.draws_for_task(id).await?;
    let preview = state.store.pool_preview(id, today()).await?;
    let open = draws.iter().any(|d| d.status == "committed");
    let can_commit = plan.department_id == me && plan.status == "published" && !open && today() <= task.ends_on;
    let ctx = context! {
        ..base(p, &format!("抽查任务 {}", task.name)),
        ..context! {
            error => error, task => task_ctx(&task, &plan), plan => super::plans::plan_ctx(&plan),
            own => plan.department_id == me, can_commit => can_commit, redraw => !draws.is_empty(),
            ended => today() > task.ends_on,
            preview => context! {
                size => preview.size,
                strata => preview.strata.iter().map(|(l, n)| context! { label => stratum_label(l), size => n }).collect::<Vec<_>>(),
                exclusions => preview.exclusions.iter().map(|(r, n)| context! { reason => r, count => n }).collect::<Vec<_>>(),
            },
            draws => draws.iter().map(draw_ctx).collect::<Vec<_>>(),
            default_available => (Utc::now() + chrono::Duration::days(1)).with_timezone(&beijing()).format("%Y-%m-%dT15:00").to_string(),
        }
    };
    Ok(render("draw_task.html", ctx)?.into_response())
}

pub async fn task_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    task_view(&state, &p, id, None).await
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

pub async fn commit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match parse_local(f.get("available_at")) {
        Some(available_at) => {
            let req = CommitRequest {
                task_id: id,
                source: f.get("source").to_string(),
                available_at,
                witnesses: witnesses_of(&f),
                redraw_reason: Some(f.get("redraw_reason").to_string()).filter(|s| !s.is_empty()),
            };
            state.store.draw_commit(&p.actor_as(Role::DeptStaff), me, &req, now()).await
        }
        None => Err(StoreError::Invalid("随机源公布时间须为日期和时间(北京时间)".into())),
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/draw/draws/{}?ok=committed", d.id)).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(task_view(&state, &p, id, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A draw of a plan the caller's department takes part in (else 404).
async fn visible_draw(state: &AppState, p: &Principal, id: i64) -> Result<Draw, AppError> {
    let d = state.store.draw(id).await?;
    visible_plan(state, p, d.plan_id)
        .await
        .map_err(|_| AppError::not_found(format!("抽取 {id} 不存在或不属于本部门")))?;
    Ok(d)
}

async fn draw_view(
    state: &AppState,
    p: &Principal,
    id: i64,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let d = visible_draw(state, p, id).await?;
    let me = dept_of(p)?;
    let task = state.store.task(d.task_id).await?;
    let status =
        if d.status == "superseded" { Some(jianguan_domain::sampling::InspectionStatus::Cancelled) } else { None };
    let inspections = state
        .store
        .inspections(&InspectionFilter { draw_id: Some(id), status, limit: 5000, ..Default::default() })
        .await?;
    let ctx = context! {
        ..base(p, &format!("抽取 {}", d.code)),
        ..context! {
            flash => notice, error => error, draw => draw_ctx(&d), task => context! { id => task.id, name => task.name },
            can_execute => d.status == "committed" && d.department_id == me,
            available => Utc::now() >= d.entropy_available_at,
            inspections => inspections.iter().map(results::row_ctx).collect::<Vec<_>>(),
        }
    };
    Ok(render("draw_draw.html", ctx)?.into_response())
}

pub async fn draw_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    draw_view(&state, &p, id, flash(q.ok.as_deref()), None).await
}

pub async fn execute(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let secrets: Vec<String> =
        (1..=2).map(|n| f.get(&format!("secret{n}")).to_string()).filter(|s| !s.is_empty()).collect();
    let req = ExecuteRequest { draw_id: id, public_value: f.get("public_value").to_string(), secrets };
    match state.store.draw_execute(&p.actor_as(Role::DeptStaff), me, &req, now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/draw/draws/{id}?ok=drawn")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(draw_view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct WitnessDto {
    pub name: String,
    /// SHA-256 of the witness's secret (64 lowercase hexadecimal digits).
    pub commitment: String,
}

/// Commits the next draw of a task.
#[derive(Deserialize, ToSchema)]
pub struct CommitBody {
    /// The public source of the entropy: a value published only after this commit.
    pub source: String,
    /// When that value is published (RFC 3339); the draw can run only after it.
    pub available_at: String,
    /// At most two witnesses, each with the SHA-256 of a secret revealed at draw time.
    #[serde(default)]
    pub witnesses: Vec<WitnessDto>,
    /// Required from the second draw of a task on.
    #[serde(default)]
    pub redraw_reason: Option<String>,
}

/// Executes a committed draw with the published value.
#[derive(Deserialize, ToSchema)]
pub struct ExecuteBody {
    /// The public value exactly as published.
    pub public_value: String,
    /// The witnesses' secrets, in the order of the commit.
    #[serde(default)]
    pub secrets: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DrawDto {
    pub id: i64,
    /// Public draw id (`draw_id` of the record).
    pub code: String,
    pub task_id: i64,
    pub plan_id: i64,
    pub draw_number: i64,
    /// Public id of the draw this one replaces.
    pub redraw_of: Option<String>,
    pub redraw_reason: String,
    /// `committed`, `drawn`, `failed` or `superseded`.
    pub status: String,
    /// The commit's canonical JSON, as in the audit trail.
    pub commit: String,
    pub commit_hash: String,
    /// Sequence number of the audit entry holding the commit.
    pub commit_seq: i64,
    pub entropy_definition: String,
    pub entropy_available_at: String,
    pub witnesses: Vec<WitnessDto>,
    pub pool_size: i64,
    pub committed_at: String,
    pub entropy_value: Option<String>,
    pub seed: Option<String>,
    pub drawn_at: Option<String>,
    /// Why a failed draw drew nothing.
    pub failure: String,
    /// The public record (drawn and superseded draws).
    pub record_url: Option<String>,
}

pub fn draw_dto(d: &Draw) -> DrawDto {
    DrawDto {
        id: d.id,
        code: d.code.clone(),
        task_id: d.task_id,
        plan_id: d.plan_id,
        draw_number: d.draw_number,
        redraw_of: d.redraw_of.clone(),
        redraw_reason: d.redraw_reason.clone(),
        status: d.status.clone(),
        commit: d.commit_json.clone(),
        commit_hash: d.commit_hash.clone(),
        commit_seq: d.commit_seq,
        entropy_definition: d.entropy_definition.clone(),
        entropy_available_at: d.entropy_available_at.to_rfc3339(),
        witnesses: d
            .witnesses
            .iter()
            .map(|w| WitnessDto { name: w.name.clone(), commitment: w.commitment.clone() })
            .collect(),
        pool_size: d.pool_size,
        committed_at: d.committed_at.to_rfc3339(),
        entropy_value: d.entropy_value.clone(),
        seed: d.seed.clone(),
        drawn_at: d.drawn_at.map(|t| t.to_rfc3339()),
        failure: d.failure.clone(),
        record_url: matches!(d.status.as_str(), "drawn" | "superseded")
            .then(|| format!("/api/v1/public/draw/draws/{}/record", d.code)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct DrawDetailDto {
    pub draw: DrawDto,
    /// The selected entities with their teams, in team-draw order.
    pub inspections: Vec<InspectionDto>,
}

async fn detail(state: &AppState, d: Draw) -> Result<DrawDetailDto, AppError> {
    let status =
        if d.status == "superseded" { Some(jianguan_domain::sampling::InspectionStatus::Cancelled) } else { None };
    let list = state
        .store
        .inspections(&InspectionFilter { draw_id: Some(d.id), status, limit: 5000, ..Default::default() })
        .await
        .map_err(api_err)?;
    Ok(DrawDetailDto { draw: draw_dto(&d), inspections: list.iter().map(results::dto).collect() })
}

/// Commits the next draw of a task: pool snapshot, frozen roster and the commit in the
/// audit trail, before the entropy exists.
#[utoipa::path(post, path = "/api/v1/draw/tasks/{id}/commit", tag = "双随机", request_body = CommitBody,
    params(("id" = i64, Path, description = "抽查任务编号(内部)")),
    responses((status = 201, body = DrawDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_commit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CommitBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let available_at = DateTime::parse_from_rfc3339(&b.available_at)
        .map_err(|_| {
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "available_at 须为 RFC 3339 时间").json()
        })?
        .with_timezone(&Utc);
    let req = CommitRequest {
        task_id: id,
        source: b.source,
        available_at,
        witnesses: b.witnesses.into_iter().map(|w| Witness { name: w.name, commitment: w.commitment }).collect(),
        redraw_reason: b.redraw_reason,
    };
    let d = state.store.draw_commit(&p.actor_as(Role::DeptStaff), me, &req, now()).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(draw_dto(&d))).into_response())
}

/// A draw with its selected entities and teams.
#[utoipa::path(get, path = "/api/v1/draw/draws/{id}", tag = "双随机",
    params(("id" = i64, Path, description = "抽取编号(内部)")),
    responses((status = 200, body = DrawDetailDto), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_draw(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let d = visible_draw(&state, &p, id).await.map_err(AppError::json)?;
    Ok(Json(detail(&state, d).await?).into_response())
}

/// Executes a committed draw once its entropy value is public. With too few eligible
/// inspectors for a selected entity the draw is marked failed and nothing is drawn.
#[utoipa::path(post, path = "/api/v1/draw/draws/{id}/execute", tag = "双随机", request_body = ExecuteBody,
    params(("id" = i64, Path, description = "抽取编号(内部)")),
    responses((status = 200, body = DrawDetailDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_execute(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ExecuteBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let req = ExecuteRequest { draw_id: id, public_value: b.public_value, secrets: b.secrets };
    let out = state.store.draw_execute(&p.actor_as(Role::DeptStaff), me, &req, now()).await.map_err(api_err)?;
    Ok(Json(detail(&state, out.draw).await?).into_response())
}
