//! The inspector roster (执法检查人员名录库): people, certificates, the items each may
//! inspect, status, the department's yearly workload cap, and declared conflicts of
//! interest (回避) — by the department, or by inspectors from their own page.

use super::items::FlashQuery;
use super::{api_err, dept_of, flash, results, today, user_error, Fields};
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
use chrono::{Datelike, NaiveDate};
use jianguan_domain::auth::Role;
use jianguan_store::draw::{InspectionFilter, InspectorInput, Recusal, RosterEntry, INSPECTOR_STATUSES};
use jianguan_store::StoreError;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn status_label(code: &str) -> &'static str {
    INSPECTOR_STATUSES.iter().find(|(c, _)| *c == code).map_or("未知", |(_, l)| l)
}

/// The reason of a recusal, for those who may read it (the department, the inspector).
fn reason(state: &AppState, r: &Recusal) -> String {
    state.cipher.decrypt(&r.reason_sealed).unwrap_or_else(|_| "(无法解密)".into())
}

fn seal(state: &AppState, reason: &str) -> Result<String, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(StoreError::Invalid("回避事由不能为空,最长500字".into()));
    }
    Ok(state.cipher.encrypt(reason, crate::security::random_bytes::<16>()))
}

fn recusal_ctx(state: &AppState, r: &Recusal) -> Value {
    context! {
        id => r.id, uscc => r.uscc, entity_name => r.entity_name, reason => reason(state, r),
        source => if r.source == "self" { "本人申报" } else { "部门登记" },
        declared_by => r.declared_by, declared_at => super::cst(r.declared_at),
    }
}

fn entry_ctx(state: &AppState, e: &RosterEntry, load: i64) -> Value {
    let today = today();
    context! {
        id => e.id, name => e.name, certificate_no => e.certificate_no, department => e.department,
        valid_from => e.valid_from.to_string(), valid_until => e.valid_until.to_string(),
        expired => e.valid_until < today, status => e.status, status_label => status_label(&e.status),
        items => e.items.iter().map(|i| context! { id => i.id, code => i.code, name => i.name }).collect::<Vec<_>>(),
        item_ids => e.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        recusals => e.recusals.iter().map(|r| recusal_ctx(state, r)).collect::<Vec<_>>(),
        account_id => e.account_id, load => load, version => e.version,
    }
}

fn input_of(f: &Fields) -> Result<InspectorInput, String> {
    Ok(InspectorInput {
        name: f.get("name").to_string(),
        certificate_no: f.get("certificate_no").to_string(),
        valid_from: f.date("valid_from", "执法证有效期起")?,
        valid_until: f.date("valid_until", "执法证有效期止")?,
        status: if f.get("status").is_empty() { "active".into() } else { f.get("status").to_string() },
        item_ids: f.ids("items")?,
        account_id: match f.get("account_id") {
            "" => None,
            v => Some(v.parse().map_err(|_| "关联账号无效".to_string())?),
        },
    })
}

/// Accounts of the department holding the inspector role, for linking.
async fn inspector_accounts(state: &AppState, dept: i64) -> Result<Vec<Value>, AppError> {
    Ok(state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| a.department_id == dept && a.has(Role::Inspector) && !a.disabled)
        .map(|a| context! { id => a.id, label => format!("{}({})", a.display_name, a.username) })
        .collect())
}

async fn list_view(
    state: &AppState,
    p: &Principal,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let me = dept_of(p)?;
    let year = today().year();
    let loads = state.store.workloads(year).await?;
    let roster = state.store.roster(me).await?;
    let items = state.store.draw_items(me).await?;
    let ctx = context! {
        ..base(p, "执法检查人员名录库"),
        ..context! {
            flash => notice, error => error, year => year,
            cap => state.store.workload_cap(me).await?,
            roster => roster.iter().map(|e| entry_ctx(state, e, loads.get(&e.id).copied().unwrap_or(0))).collect::<Vec<_>>(),
            items => items.iter().filter(|i| i.input.active).map(|i| context! { id => i.id, code => i.input.code, name => i.input.name }).collect::<Vec<_>>(),
            accounts => inspector_accounts(state, me).await?,
            statuses => INSPECTOR_STATUSES.iter().map(|(c, l)| context! { code => c, label => l }).collect::<Vec<_>>(),
            default_until => NaiveDate::from_ymd_opt(year + 3, 12, 31).map(|d| d.to_string()),
            today => today().to_string(),
        }
    };
    Ok(render("draw_roster.html", ctx)?.into_response())
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

pub async fn page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    list_view(&state, &p, flash(q.ok.as_deref()), None).await
}

pub async fn create(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match input_of(&f) {
        Ok(i) => state.store.roster_create(&p.actor_as(Role::DeptStaff), me, &i).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/draw/roster?ok=inspector_created").into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(list_view(&state, &p, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_cap(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match f.int::<u32>("cap", "年度工作量上限") {
        Ok(cap) => state.store.set_workload_cap(&p.actor_as(Role::DeptStaff), me, cap).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/draw/roster?ok=cap_saved").into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(list_view(&state, &p, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A roster entry of the caller's department (else 404).
async fn own_entry(state: &AppState, p: &Principal, id: i64) -> Result<RosterEntry, AppError> {
    let e = state.store.roster_entry(id).await?;
    if e.department_id != dept_of(p)? {
        return Err(AppError::not_found(format!("执法检查人员 {id} 不存在或不属于本部门")));
    }
    Ok(e)
}

async fn entry_view(
    state: &AppState,
    p: &Principal,
    id: i64,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let e = own_entry(state, p, id).await?;
    let me = dept_of(p)?;
    let loads = state.store.workloads(today().year()).await?;
    let items = state.store.draw_items(me).await?;
    let assignments =
        state.store.inspections(&InspectionFilter { inspector_id: Some(id), limit: 200, ..Default::default() }).await?;
    let ctx = context! {
        ..base(p, &format!("执法检查人员 {}", e.name)),
        ..context! {
            flash => notice, error => error,
            e => entry_ctx(state, &e, loads.get(&e.id).copied().unwrap_or(0)),
            items => items.iter().filter(|i| i.input.active || e.items.iter().any(|x| x.id == i.id))
                .map(|i| context! { id => i.id, code => i.input.code, name => i.input.name }).collect::<Vec<_>>(),
            accounts => inspector_accounts(state, me).await?,
            statuses => INSPECTOR_STATUSES.iter().map(|(c, l)| context! { code => c, label => l }).collect::<Vec<_>>(),
            assignments => assignments.iter().map(results::row_ctx).collect::<Vec<_>>(),
            training => crate::pages::training::roster_summary(state, id).await?,
        }
    };
    Ok(render("draw_inspector.html", ctx)?.into_response())
}

pub async fn entry_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    entry_view(&state, &p, id, flash(q.ok.as_deref()), None).await
}

pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let version: i64 = f.int("version", "版本").unwrap_or(0);
    let result = match input_of(&f) {
        Ok(i) => state.store.roster_update(&p.actor_as(Role::DeptStaff), me, id, &i, version).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/draw/roster/{id}?ok=inspector_saved")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(entry_view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

pub async fn recusal_add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    own_entry(&state, &p, id).await?;
    let f = Fields::parse(&body);
    let result = match seal(&state, f.get("reason")) {
        Ok(sealed) => {
            state.store.recusal_declare(&p.actor_as(Role::DeptStaff), id, f.get("uscc"), &sealed, "department").await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/draw/roster/{id}?ok=recusal_added")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(entry_view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

pub async fn recusal_withdraw(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let r = state.store.recusal_withdraw(&p.actor_as(Role::DeptStaff), me, id).await?;
    Ok(Redirect::to(&format!("/draw/roster/{}?ok=recusal_withdrawn", r.inspector_id)).into_response())
}

/// The caller's roster entry (inspectors).
async fn my_entry(state: &AppState, p: &Principal) -> Result<Option<RosterEntry>, AppError> {
    let account = p.user().map(|u| u.account.id).ok_or_else(|| AppError::forbidden("请先登录"))?;
    Ok(state.store.roster_entry_for_account(account).await?)
}

async fn my_view(
    state: &AppState,
    p: &Principal,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let entry = my_entry(state, p).await?;
    let (me, assignments) = match &entry {
        Some(e) => {
            let loads = state.store.workloads(today().year()).await?;
            let list = state
                .store
                .inspections(&InspectionFilter { inspector_id: Some(e.id), limit: 500, ..Default::default() })
                .await?;
            (Some(entry_ctx(state, e, loads.get(&e.id).copied().unwrap_or(0))), list)
        }
        None => (None, Vec::new()),
    };
    let ctx = context! {
        ..base(p, "我的检查任务"),
        ..context! {
            flash => notice, error => error, me => me,
            assignments => assignments.iter().map(results::row_ctx).collect::<Vec<_>>(),
        }
    };
    Ok(render("draw_my.html", ctx)?.into_response())
}

pub async fn my_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    my_view(&state, &p, flash(q.ok.as_deref()), None).await
}

/// Declares a conflict of interest for the caller's own roster entry.
async fn declare_own(state: &AppState, p: &Principal, uscc: &str, reason: &str) -> Result<Recusal, StoreError> {
    let entry = my_entry(state, p)
        .await
        .map_err(|e| StoreError::Invalid(e.message))?
        .ok_or_else(|| StoreError::Invalid("您尚未被纳入本部门执法检查人员名录库,请联系本部门管理人员".into()))?;
    let sealed = seal(state, reason)?;
    state.store.recusal_declare(&p.actor_as(Role::Inspector), entry.id, uscc, &sealed, "self").await
}

pub async fn my_recusal(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let f = Fields::parse(&body);
    match declare_own(&state, &p, f.get("uscc"), f.get("reason")).await {
        Ok(_) => Ok(Redirect::to("/draw/my?ok=recusal_declared").into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(my_view(&state, &p, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecusalDto {
    pub id: i64,
    pub inspector_id: i64,
    pub uscc: String,
    pub entity_name: Option<String>,
    /// `self` (declared by the inspector) or `department`.
    pub source: String,
    pub declared_at: String,
}

fn recusal_dto(r: &Recusal) -> RecusalDto {
    RecusalDto {
        id: r.id,
        inspector_id: r.inspector_id,
        uscc: r.uscc.clone(),
        entity_name: r.entity_name.clone(),
        source: r.source.clone(),
        declared_at: r.declared_at.to_rfc3339(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RosterDto {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub name: String,
    pub certificate_no: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    pub valid_until: String,
    /// `active` (在岗), `suspended` (暂停执法) or `left` (调离).
    pub status: String,
    /// Codes of the items the inspector may inspect.
    pub items: Vec<String>,
    /// Recusals in force (reasons are not given out).
    pub recusals: Vec<RecusalDto>,
    pub account_id: Option<i64>,
    pub version: i64,
}

fn roster_dto(e: &RosterEntry) -> RosterDto {
    RosterDto {
        id: e.id,
        department_id: e.department_id,
        department: e.department.clone(),
        name: e.name.clone(),
        certificate_no: e.certificate_no.clone(),
        valid_from: e.valid_from.to_string(),
        valid_until: e.valid_until.to_string(),
        status: e.status.clone(),
        items: e.items.iter().map(|i| i.code.clone()).collect(),
        recusals: e.recusals.iter().map(recusal_dto).collect(),
        account_id: e.account_id,
        version: e.version,
    }
}

/// An inspector as added through the API.
#[derive(Deserialize, ToSchema)]
pub struct InspectorBody {
    pub name: String,
    /// 执法证号, unique.
    pub certificate_no: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    /// Last day of validity, `YYYY-MM-DD`.
    pub valid_until: String,
    /// `active` (default), `suspended` or `left`.
    #[serde(default)]
    pub status: Option<String>,
    /// Ids of the items the inspector may inspect.
    #[serde(default)]
    pub item_ids: Vec<i64>,
    /// The inspector's own account in the same department.
    #[serde(default)]
    pub account_id: Option<i64>,
}

/// A conflict of interest declared by an inspector.
#[derive(Deserialize, ToSchema)]
pub struct RecusalBody {
    /// The entity the inspector must not inspect.
    pub uscc: String,
    /// 回避事由 (kept encrypted; shown only to the department and the inspector).
    pub reason: String,
}

/// The caller's department roster.
#[utoipa::path(get, path = "/api/v1/draw/roster", tag = "双随机",
    responses((status = 200, body = [RosterDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_list(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let roster = state.store.roster(me).await.map_err(api_err)?;
    Ok(Json(roster.iter().map(roster_dto).collect::<Vec<_>>()).into_response())
}

/// Adds an inspector to the caller's department roster.
#[utoipa::path(post, path = "/api/v1/draw/roster", tag = "双随机", request_body = InspectorBody,
    responses((status = 201, body = RosterDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<InspectorBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let date = |s: &str, what: &str| {
        super::parse_date(s).ok_or_else(|| {
            AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("{what}须为 YYYY-MM-DD")).json()
        })
    };
    let input = InspectorInput {
        name: b.name,
        certificate_no: b.certificate_no,
        valid_from: date(&b.valid_from, "valid_from")?,
        valid_until: date(&b.valid_until, "valid_until")?,
        status: b.status.unwrap_or_else(|| "active".into()),
        item_ids: b.item_ids,
        account_id: b.account_id,
    };
    let e = state.store.roster_create(&p.actor_as(Role::DeptStaff), me, &input).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(roster_dto(&e))).into_response())
}

/// Declares a conflict of interest (回避) for the caller's own roster entry.
#[utoipa::path(post, path = "/api/v1/draw/my/recusals", tag = "双随机", request_body = RecusalBody,
    responses((status = 201, body = RecusalDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_my_recusal(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<RecusalBody>,
) -> Result<Response, AppError> {
    let r = declare_own(&state, &p, &b.uscc, &b.reason).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(recusal_dto(&r))).into_response())
}
