//! Industry associations and chambers of commerce (附件2 第10项 行业协会商会自律): the
//! public registry with member entities, self-regulation conventions and published
//! supervision cases; department pages to keep them.
//!
//! The supervising department (业务主管/行业管理部门) of an association keeps its members
//! and conventions; any department may record a supervision case, which stays visible to
//! that department only until it publishes it.

use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::{ApiJson, PageForm};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::association::{self as rules, Kind, CASE_KINDS};
use jianguan_domain::auth::Role::{self, *};
use jianguan_store::association::{Association, AssociationInput, CaseInput};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const STAFF: &[Role] = &[DeptStaff];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use crate::access::Access::*;
    use Method as M;
    vec![
        r(M::GET, "/public/associations", Public, get(public_list)),
        r(M::GET, "/public/associations/{id}", Public, get(public_detail)),
        r(M::GET, "/public/conventions/{id}", Public, get(public_convention)),
        r(M::GET, "/public/association-cases/{id}", Public, get(public_case)),
        r(M::GET, "/api/v1/public/associations", Public, get(api_public_list)),
        r(M::GET, "/associations", Roles(STAFF), get(manage_list)),
        r(M::POST, "/associations", Roles(STAFF), post(create)),
        r(M::GET, "/associations/{id}", Roles(STAFF), get(manage)),
        r(M::POST, "/associations/{id}/members", Roles(STAFF), post(member_add)),
        r(M::POST, "/associations/{id}/conventions", Roles(STAFF), post(convention_add)),
        r(M::POST, "/associations/{id}/cases", Roles(STAFF), post(case_add)),
        r(M::POST, "/associations/{id}/status", Roles(STAFF), post(set_status)),
        r(M::POST, "/associations/cases/{id}/publish", Roles(STAFF), post(case_publish)),
        r(M::POST, "/api/v1/associations", ApiKeyOr("association:write", STAFF), post(api_create)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("association_list.html", include_str!("../../templates/association_list.html")),
    ("association_manage.html", include_str!("../../templates/association_manage.html")),
    ("public_associations.html", include_str!("../../templates/public_associations.html")),
    ("public_association.html", include_str!("../../templates/public_association.html")),
    ("public_association_doc.html", include_str!("../../templates/public_association_doc.html")),
];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !p.has(DeptStaff) {
        return Ok(Vec::new());
    }
    let all = state.store.association_list(None).await?;
    let mine = all.iter().filter(|a| Some(a.department_id) == p.department_id()).count();
    let unpublished = state
        .store
        .case_list(None, p.department_id())
        .await?
        .into_iter()
        .filter(|c| !c.published && Some(c.department_id) == p.department_id())
        .count();
    Ok(vec![Card {
        title: "行业协会商会".into(),
        stats: vec![
            ("全区登记".into(), all.len().to_string()),
            ("本部门主管".into(), mine.to_string()),
            ("未公开案例".into(), unpublished.to_string()),
        ],
        links: vec![("/associations".into(), "协会商会管理".into()), ("/public/associations".into(), "公开名录".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "行业协会商会",
        text: "全区行业协会商会名录、行业自律公约和监管案例。",
        href: Some("/public/associations"),
    }]
}

/// Scheduled work, run by `serve` every tick.
pub async fn scheduled(_state: &AppState) -> Result<(), AppError> {
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_public_list, api_create), components(schemas(AssociationDto, AssociationBody)))]
pub struct Api;

fn unprocessable(m: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
}

fn date(s: &str, what: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| unprocessable(format!("{what}格式应为 YYYY-MM-DD")))
}

fn opt_date(s: Option<&str>, what: &str) -> Result<Option<NaiveDate>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => date(s, what).map(Some),
    }
}

fn assoc_ctx(a: &Association) -> minijinja::Value {
    context! {
        id => a.id, uscc => a.uscc, name => a.name, kind => a.kind, kind_label => a.kind_label(), industry => a.industry,
        department_id => a.department_id, registered_on => a.registered_on, address => a.address,
        office_phone => a.office_phone, status => a.status, members => a.members, legacy_warning => a.legacy_warning,
    }
}

// --- public ------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Part of the name.
    pub q: Option<String>,
}

async fn public_list(State(state): State<AppState>, p: Principal, Query(q): Query<ListParams>) -> Result<Response, AppError> {
    let list = state.store.association_list(q.q.as_deref()).await?;
    let cases = state.store.case_list(None, None).await?;
    Ok(render(
        "public_associations.html",
        context! { ..base(&p, "行业协会商会"), ..context! {
            items => list.iter().map(assoc_ctx).collect::<Vec<_>>(), q => q.q,
            cases => cases.into_iter().take(10).collect::<Vec<_>>(),
            departments => crate::pages::department_names(&state).await?,
        }},
    )?
    .into_response())
}

async fn public_detail(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let a = state.store.association_get(id).await?;
    Ok(render(
        "public_association.html",
        context! { ..base(&p, &a.name), ..context! {
            a => assoc_ctx(&a), members => state.store.member_list(id).await?,
            conventions => state.store.convention_list(id).await?, cases => state.store.case_list(Some(id), None).await?,
            department => state.store.get_unit(a.department_id).await?.name,
        }},
    )?
    .into_response())
}

async fn public_convention(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let c = state.store.convention_get(id).await?;
    let a = state.store.association_get(c.association_id).await?;
    Ok(render(
        "public_association_doc.html",
        context! { ..base(&p, &c.title), ..context! {
            a => assoc_ctx(&a), heading => c.title, section => "行业自律公约", date => c.adopted_on,
            body => minijinja::Value::from_safe_string(c.body_html.clone()),
        }},
    )?
    .into_response())
}

async fn public_case(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let c = state.store.case_get(id).await?;
    if !c.published {
        return Err(AppError::not_found(format!("监管案例 {id} 不存在")));
    }
    let a = state.store.association_get(c.association_id).await?;
    Ok(render(
        "public_association_doc.html",
        context! { ..base(&p, &c.title), ..context! {
            a => assoc_ctx(&a), heading => c.title, section => "监管案例", date => c.decided_on, kind => c.kind_label(),
            outcome => c.outcome, body => minijinja::Value::from_safe_string(c.summary_html.clone()),
        }},
    )?
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AssociationDto {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    /// association (行业协会) or chamber (商会).
    pub kind: String,
    pub industry: String,
    pub department_id: i64,
    pub registered_on: Option<NaiveDate>,
    pub address: String,
    pub office_phone: String,
    /// active or deregistered.
    pub status: String,
    pub members: i64,
    pub url: String,
}

fn dto(a: Association) -> AssociationDto {
    AssociationDto {
        url: format!("/public/associations/{}", a.id),
        id: a.id,
        uscc: a.uscc,
        name: a.name,
        kind: a.kind,
        industry: a.industry,
        department_id: a.department_id,
        registered_on: a.registered_on,
        address: a.address,
        office_phone: a.office_phone,
        status: a.status,
        members: a.members,
    }
}

/// The public registry of associations and chambers.
#[utoipa::path(get, path = "/api/v1/public/associations", tag = "行业协会商会", params(ListParams),
    responses((status = 200, body = [AssociationDto])))]
pub async fn api_public_list(State(state): State<AppState>, Query(q): Query<ListParams>) -> Result<Response, AppError> {
    let list = state.store.association_list(q.q.as_deref()).await.map_err(|e| AppError::from(e).json())?;
    Ok(Json(list.into_iter().map(dto).collect::<Vec<_>>()).into_response())
}

// --- department pages -------------------------------------------------------------------------

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "已登记",
        "member" => "会员已添加",
        "convention" => "自律公约已公开",
        "case" => "监管案例已记录",
        "published" => "监管案例已公开",
        "status" => "状态已更新",
        _ => return None,
    })
}

async fn manage_list(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let list = state.store.association_list(None).await?;
    Ok(render(
        "association_list.html",
        context! { ..base(&p, "行业协会商会管理"), ..context! {
            items => list.iter().map(assoc_ctx).collect::<Vec<_>>(), flash => flash(q.done.as_deref()),
            departments => crate::pages::department_names(&state).await?, my_department => p.department_id(),
        }},
    )?
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AssociationBody {
    pub uscc: String,
    pub name: String,
    /// association or chamber.
    pub kind: String,
    #[serde(default)]
    pub industry: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub registered_on: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub office_phone: String,
}

async fn do_create(state: &AppState, p: &Principal, f: &AssociationBody) -> Result<Association, AppError> {
    let department_id = p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let (uscc, warning) = rules::check_entry(&f.uscc, &f.name).map_err(unprocessable)?;
    let input = AssociationInput {
        uscc,
        name: f.name.trim().to_string(),
        kind: Kind::parse(&f.kind).ok_or_else(|| unprocessable("请选择行业协会或商会"))?,
        industry: f.industry.clone(),
        department_id,
        registered_on: opt_date(f.registered_on.as_deref(), "登记日期")?,
        address: f.address.clone(),
        office_phone: f.office_phone.clone(),
    };
    let actor = if p.user().is_some() { p.actor_as(DeptStaff) } else { p.actor() };
    Ok(state.store.association_create(&actor, &input, warning.as_deref().unwrap_or("")).await?)
}

async fn create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<AssociationBody>) -> Result<Response, AppError> {
    let a = do_create(&state, &p, &f).await?;
    Ok(Redirect::to(&format!("/associations/{}?done=created", a.id)).into_response())
}

async fn manage(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let a = state.store.association_get(id).await?;
    let cases: Vec<_> = state
        .store
        .case_list(Some(id), p.department_id())
        .await?
        .into_iter()
        .map(|c| context! { id => c.id, title => c.title, kind => c.kind_label(), decided_on => c.decided_on, published => c.published, mine => Some(c.department_id) == p.department_id(), outcome => c.outcome })
        .collect();
    Ok(render(
        "association_manage.html",
        context! { ..base(&p, &a.name), ..context! {
            a => assoc_ctx(&a), members => state.store.member_list(id).await?, conventions => state.store.convention_list(id).await?,
            cases => cases, supervising => p.department_id() == Some(a.department_id), case_kinds => CASE_KINDS,
            department => state.store.get_unit(a.department_id).await?.name, flash => flash(q.done.as_deref()),
        }},
    )?
    .into_response())
}

/// An association the caller's department supervises.
async fn supervised(state: &AppState, p: &Principal, id: i64) -> Result<Association, AppError> {
    let a = state.store.association_get(id).await?;
    if p.department_id() != Some(a.department_id) {
        return Err(AppError::forbidden("只有该协会商会的业务主管部门可以进行此操作"));
    }
    Ok(a)
}

#[derive(Deserialize)]
struct MemberForm {
    uscc: String,
    #[serde(default)]
    joined_on: Option<String>,
}

async fn member_add(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<MemberForm>) -> Result<Response, AppError> {
    supervised(&state, &p, id).await?;
    let joined = opt_date(f.joined_on.as_deref(), "入会日期")?;
    state.store.member_add(&p.actor_as(DeptStaff), id, &f.uscc.trim().to_ascii_uppercase(), joined).await?;
    Ok(Redirect::to(&format!("/associations/{id}?done=member")).into_response())
}

#[derive(Deserialize)]
struct ConventionForm {
    title: String,
    body_html: String,
    adopted_on: String,
}

async fn convention_add(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ConventionForm>) -> Result<Response, AppError> {
    supervised(&state, &p, id).await?;
    let adopted = date(&f.adopted_on, "通过日期")?;
    state.store.convention_add(&p.actor_as(DeptStaff), id, &f.title, &f.body_html, adopted).await?;
    Ok(Redirect::to(&format!("/associations/{id}?done=convention")).into_response())
}

#[derive(Deserialize)]
struct CaseForm {
    kind: String,
    title: String,
    summary_html: String,
    outcome: String,
    decided_on: String,
    #[serde(default)]
    publish: Option<String>,
}

async fn case_add(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<CaseForm>) -> Result<Response, AppError> {
    state.store.association_get(id).await?;
    let dept = p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let input = CaseInput {
        kind: f.kind,
        title: f.title,
        summary_html: f.summary_html,
        outcome: f.outcome,
        decided_on: date(&f.decided_on, "处理日期")?,
        publish: f.publish.is_some(),
    };
    state.store.case_add(&p.actor_as(DeptStaff), id, dept, &input).await?;
    Ok(Redirect::to(&format!("/associations/{id}?done=case")).into_response())
}

async fn case_publish(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let c = state.store.case_get(id).await?;
    if !c.published && p.department_id() != Some(c.department_id) {
        return Err(AppError::not_found(format!("监管案例 {id} 不存在")));
    }
    if p.department_id() != Some(c.department_id) {
        return Err(AppError::forbidden("只有记录案例的部门可以公开该案例"));
    }
    state.store.case_publish(&p.actor_as(DeptStaff), id).await?;
    Ok(Redirect::to(&format!("/associations/{}?done=published", c.association_id)).into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn set_status(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<StatusForm>) -> Result<Response, AppError> {
    supervised(&state, &p, id).await?;
    state.store.association_set_status(&p.actor_as(DeptStaff), id, &f.status).await?;
    Ok(Redirect::to(&format!("/associations/{id}?done=status")).into_response())
}

/// Registers an association or chamber supervised by the caller's department.
#[utoipa::path(post, path = "/api/v1/associations", tag = "行业协会商会", request_body = AssociationBody,
    responses((status = 201, body = AssociationDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_create(State(state): State<AppState>, p: Principal, ApiJson(body): ApiJson<AssociationBody>) -> Result<Response, AppError> {
    let a = do_create(&state, &p, &body).await.map_err(AppError::json)?;
    Ok((StatusCode::CREATED, Json(dto(a))).into_response())
}
