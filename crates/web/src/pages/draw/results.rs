//! Inspections and their results: the team records a result per item in the national
//! categories with evidence files (未录入 → 待审核), the owning department reviews
//! (已审核, or returned with a reason) and publishes (已公示) within 20 working days.

use super::items::FlashQuery;
use super::{api_err, dept_of, flash, receive, today, user_error, Fields};
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::templates::{base, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::sampling::{
    result_category, stratum_label, InspectionAction, InspectionStatus, RESULT_CATEGORIES,
};
use jianguan_store::draw::{Inspection, InspectionFilter, ItemResult, NewEvidence, ResultInput};
use jianguan_store::StoreError;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One row of an inspection table.
pub fn row_ctx(i: &Inspection) -> Value {
    let overdue = i.publish_due.is_some_and(|d| d < today())
        && matches!(i.status, InspectionStatus::Pending | InspectionStatus::Submitted | InspectionStatus::Approved);
    context! {
        id => i.id, uscc => i.uscc, entity_name => i.entity_name, stratum => stratum_label(&i.stratum),
        status => i.status.code(), status_label => i.status.label(),
        team => i.team.iter().map(|m| if m.leader { format!("{}(组长)", m.name) } else { m.name.clone() }).collect::<Vec<_>>().join("、"),
        inspected_on => i.inspected_on.map(|d| d.to_string()), publish_due => i.publish_due.map(|d| d.to_string()),
        overdue => overdue, draw_code => i.draw_code, plan_code => i.plan_code, task_name => i.task_name,
        returned => !i.return_reason.is_empty() && i.status == InspectionStatus::Pending, position => i.position + 1,
    }
}

#[derive(Serialize, ToSchema)]
pub struct SeatDto {
    pub inspector_id: i64,
    pub name: String,
    pub certificate_no: String,
    pub department: String,
    /// 组长.
    pub leader: bool,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ItemResultDto {
    pub item_id: i64,
    /// A national result category code (`no_problem`, `corrected`, …).
    pub result: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct InspectionDto {
    pub id: i64,
    pub draw_code: String,
    pub plan_code: String,
    pub task_name: String,
    pub department: String,
    pub uscc: String,
    pub entity_name: String,
    pub stratum: String,
    /// `pending` (未录入), `submitted` (待审核), `approved` (已审核), `published` (已公示), `cancelled`.
    pub status: String,
    pub inspected_on: Option<String>,
    /// Publication deadline (20 working days after the inspection).
    pub publish_due: Option<String>,
    pub summary: String,
    pub return_reason: String,
    pub team: Vec<SeatDto>,
    /// Item codes of the task.
    pub items: Vec<String>,
    pub results: Vec<ItemResultDto>,
    pub evidence: Vec<String>,
    pub version: i64,
}

pub fn dto(i: &Inspection) -> InspectionDto {
    InspectionDto {
        id: i.id,
        draw_code: i.draw_code.clone(),
        plan_code: i.plan_code.clone(),
        task_name: i.task_name.clone(),
        department: i.department.clone(),
        uscc: i.uscc.clone(),
        entity_name: i.entity_name.clone(),
        stratum: i.stratum.clone(),
        status: i.status.code().into(),
        inspected_on: i.inspected_on.map(|d| d.to_string()),
        publish_due: i.publish_due.map(|d| d.to_string()),
        summary: i.summary.clone(),
        return_reason: i.return_reason.clone(),
        team: i
            .team
            .iter()
            .map(|m| SeatDto {
                inspector_id: m.inspector_id,
                name: m.name.clone(),
                certificate_no: m.certificate_no.clone(),
                department: m.department.clone(),
                leader: m.leader,
            })
            .collect(),
        items: i.items.iter().map(|x| x.code.clone()).collect(),
        results: i
            .results
            .iter()
            .map(|r| ItemResultDto { item_id: r.item_id, result: r.result.clone(), note: r.note.clone() })
            .collect(),
        evidence: i.evidence.iter().map(|e| format!("/draw/evidence/{}", e.id)).collect(),
        version: i.version,
    }
}

fn account_of(p: &Principal) -> Result<i64, AppError> {
    p.user().map(|u| u.account.id).ok_or_else(|| AppError::forbidden("请先登录"))
}

/// Who may see an inspection: staff of the owning department, members of its team.
fn may_see(p: &Principal, i: &Inspection) -> bool {
    let staff = p.has(Role::DeptStaff) && p.department_id() == Some(i.department_id);
    let member = p.has(Role::Inspector)
        && i.team.iter().any(|m| m.account_id.is_some() && m.account_id == p.user().map(|u| u.account.id));
    staff || member
}

async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<Inspection, AppError> {
    let i = state.store.inspection(id).await?;
    if !may_see(p, &i) {
        return Err(AppError::not_found(format!("检查任务 {id} 不存在或未分配给您")));
    }
    Ok(i)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub status: Option<String>,
}

pub async fn list_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let status =
        InspectionStatus::from_code(q.status.as_deref().unwrap_or("submitted")).unwrap_or(InspectionStatus::Submitted);
    let list = state
        .store
        .inspections(&InspectionFilter {
            department_id: Some(me),
            status: Some(status),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let ctx = context! {
        ..base(&p, "检查结果"),
        ..context! {
            status => status.code(),
            statuses => InspectionStatus::ALL.iter().filter(|s| **s != InspectionStatus::Cancelled)
                .map(|s| context! { code => s.code(), label => s.label() }).collect::<Vec<_>>(),
            rows => list.iter().map(row_ctx).collect::<Vec<_>>(),
        }
    };
    Ok(render("draw_inspections.html", ctx)?.into_response())
}

async fn view(
    state: &AppState,
    p: &Principal,
    id: i64,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let i = visible(state, p, id).await?;
    let me_account = p.user().map(|u| u.account.id);
    let member = i.team.iter().any(|m| m.account_id.is_some() && m.account_id == me_account);
    let owner = p.has(Role::DeptStaff) && p.department_id() == Some(i.department_id);
    let items: Vec<Value> = i
        .items
        .iter()
        .map(|x| {
            let r = i.results.iter().find(|r| r.item_id == x.id);
            context! {
                id => x.id, code => x.code, name => x.name,
                result => r.map(|r| r.result.clone()).unwrap_or_default(),
                result_label => r.and_then(|r| result_category(&r.result)).map(|c| c.label),
                note => r.map(|r| r.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let ctx = context! {
        ..base(p, &format!("检查任务:{}", i.entity_name)),
        ..context! {
            flash => notice, error => error, i => row_ctx(&i), items => items, summary => i.summary, version => i.version,
            return_reason => i.return_reason, department => i.department, plan_code => i.plan_code, task_name => i.task_name,
            team => i.team.iter().map(|m| context! { name => m.name, certificate_no => m.certificate_no, department => m.department, leader => m.leader }).collect::<Vec<_>>(),
            evidence => i.evidence.iter().map(|e| context! { id => e.id, file_name => e.file_name, bytes => e.bytes, sha256 => e.sha256, uploaded_by => e.uploaded_by, uploaded_at => super::cst(e.uploaded_at) }).collect::<Vec<_>>(),
            categories => RESULT_CATEGORIES,
            can_record => member && i.status == InspectionStatus::Pending,
            can_review => owner && i.status == InspectionStatus::Submitted,
            can_publish => owner && i.status == InspectionStatus::Approved,
            today => today().to_string(),
            default_date => i.inspected_on.unwrap_or_else(today).to_string(),
        }
    };
    Ok(render("draw_inspection.html", ctx)?.into_response())
}

pub async fn page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    view(&state, &p, id, flash(q.ok.as_deref()), None).await
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

fn result_input(f: &Fields, items: &[i64]) -> Result<ResultInput, String> {
    let results = items
        .iter()
        .filter_map(|id| {
            let r = f.get(&format!("result_{id}"));
            (!r.is_empty()).then(|| ItemResult {
                item_id: *id,
                result: r.to_string(),
                note: f.get(&format!("note_{id}")).to_string(),
            })
        })
        .collect();
    Ok(ResultInput {
        inspected_on: f.date("inspected_on", "检查日期")?,
        summary: f.get("summary").to_string(),
        results,
        submit: f.get("submit") == "1",
        expected_version: f.int("version", "版本")?,
    })
}

pub async fn record(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let account = account_of(&p)?;
    let f = Fields::parse(&body);
    let current = visible(&state, &p, id).await?;
    let items: Vec<i64> = current.items.iter().map(|i| i.id).collect();
    let result = match result_input(&f, &items) {
        Ok(input) => state.store.inspection_record(&p.actor_as(Role::Inspector), account, id, &input, today()).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(i) => {
            let ok = if i.status == InspectionStatus::Submitted { "submitted" } else { "saved" };
            Ok(Redirect::to(&format!("/draw/inspections/{id}?ok={ok}")).into_response())
        }
        Err(e) if user_error(&e) => Ok(unprocessable(view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// The content type of an accepted evidence file, from its first bytes: PDF, JPEG, PNG.
/// (No archive formats: nothing to unpack, no zip bombs.)
fn evidence_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

pub async fn evidence_upload(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let account = account_of(&p)?;
    visible(&state, &p, id).await?;
    let result = match receive(mp, state.config.upload.max_file_bytes).await {
        Ok(u) => match evidence_type(&u.data) {
            Some(ct) => {
                let file = NewEvidence { file_name: u.file_name, content_type: ct.into(), data: u.data };
                state.store.evidence_add(&p.actor_as(Role::Inspector), account, id, &file).await.map(|_| ())
            }
            None => Err(StoreError::Invalid("证据文件只接受 PDF、JPEG 或 PNG 格式".into())),
        },
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/draw/inspections/{id}?ok=evidence")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

fn action_of(s: &str) -> Result<InspectionAction, StoreError> {
    match s {
        "approve" => Ok(InspectionAction::Approve),
        "return" => Ok(InspectionAction::Return),
        "publish" => Ok(InspectionAction::Publish),
        _ => Err(StoreError::Invalid("审核操作只能是 approve(通过)、return(退回)或 publish(公示)".into())),
    }
}

pub async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match action_of(f.get("action")) {
        Ok(a) => {
            state.store.inspection_review(&p.actor_as(Role::DeptStaff), me, id, a, f.get("reason")).await.map(|_| a)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => {
            let ok = match a {
                InspectionAction::Approve => "approved",
                InspectionAction::Return => "returned",
                _ => "published",
            };
            Ok(Redirect::to(&format!("/draw/inspections/{id}?ok={ok}")).into_response())
        }
        Err(e) if user_error(&e) => Ok(unprocessable(view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

pub async fn evidence_download(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (meta, data) = state.store.evidence(id).await?;
    visible(&state, &p, meta.inspection_id).await.map_err(|_| AppError::not_found(format!("证据文件 {id} 不存在")))?;
    state
        .store
        .audit(p.actor().event(
            "inspection.evidence_download",
            format!("inspection:{}", meta.inspection_id),
            serde_json::json!({ "evidence": id, "sha256": meta.sha256 }),
        ))
        .await?;
    let content_type = evidence_type(&data).unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evidence-{id}\"; filename*=UTF-8''{}",
                    urlencoding::encode(&meta.file_name)
                ),
            ),
        ],
        data,
    )
        .into_response())
}

/// Results as recorded through the API by a member of the team.
#[derive(Deserialize, ToSchema)]
pub struct ResultBody {
    /// `YYYY-MM-DD`, between the draw and today.
    pub inspected_on: String,
    #[serde(default)]
    pub summary: String,
    pub results: Vec<ItemResultDto>,
    /// Submit for review after saving.
    #[serde(default)]
    pub submit: bool,
    /// The inspection's `version` as last read.
    pub expected_version: i64,
}

/// A review decision by the owning department.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `approve`, `return` (with a reason) or `publish`.
    pub action: String,
    #[serde(default)]
    pub reason: String,
}

/// An inspection (staff of the owning department, members of its team).
#[utoipa::path(get, path = "/api/v1/draw/inspections/{id}", tag = "双随机", params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDto), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_get(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let i = visible(&state, &p, id).await.map_err(AppError::json)?;
    Ok(Json(dto(&i)).into_response())
}

/// Records (and optionally submits) results; only a member of the team may.
#[utoipa::path(post, path = "/api/v1/draw/inspections/{id}/result", tag = "双随机", request_body = ResultBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_record(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ResultBody>,
) -> Result<Response, AppError> {
    let account = account_of(&p).map_err(AppError::json)?;
    let inspected_on = super::parse_date(&b.inspected_on).ok_or_else(|| {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "inspected_on 须为 YYYY-MM-DD").json()
    })?;
    let input = ResultInput {
        inspected_on,
        summary: b.summary,
        results: b
            .results
            .into_iter()
            .map(|r| ItemResult { item_id: r.item_id, result: r.result, note: r.note })
            .collect(),
        submit: b.submit,
        expected_version: b.expected_version,
    };
    let i = state
        .store
        .inspection_record(&p.actor_as(Role::Inspector), account, id, &input, today())
        .await
        .map_err(api_err)?;
    Ok(Json(dto(&i)).into_response())
}

/// Approves, returns or publishes a result (staff of the owning department).
#[utoipa::path(post, path = "/api/v1/draw/inspections/{id}/review", tag = "双随机", request_body = ReviewBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let action = action_of(&b.action).map_err(api_err)?;
    let i = state
        .store
        .inspection_review(&p.actor_as(Role::DeptStaff), me, id, action, &b.reason)
        .await
        .map_err(api_err)?;
    Ok(Json(dto(&i)).into_response())
}
