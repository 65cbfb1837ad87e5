//! Credit supervision pages and API, including the public credit query (附件1 四(二)、
//! 五; 附件2 四(一)).
//!
//! * Business roles see an entity's credit timeline: public events, their own
//!   department's events, and every event for the credit manager (信用管理员).
//! * Commitments, list entries, repairs and objections belong to a department; only
//!   that department acts on them (another department gets 403, or 404 for what it
//!   cannot see).
//! * The public query shows public fields only, penalties inside their publication
//!   period and not withdrawn, personal data masked; it is rate-limited per address.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::access::{ClientIp, Principal};
use crate::error::{AppError, ErrorBody};
use crate::forms::PageForm;
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::auth::Role::{self, *};
use jianguan_domain::credit::{self as rules, Decision, Publication, RuleSet, Stage};
use jianguan_store::credit::*;
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Roles that read credit records.
const VIEW: &[Role] = &[CreditManager, DeptStaff, Inspector, LegalReviewer];
/// Roles that keep commitments, lists, repairs, objections and trainings.
const CREDIT: &[Role] = &[CreditManager];
/// Roles that may resolve an objection on their department's record.
const RESOLVE: &[Role] = &[CreditManager, DeptStaff];

/// Public credit queries allowed per client address and minute.
pub static PUBLIC_RATE_PER_MINUTE: AtomicU32 = AtomicU32::new(120);

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use crate::access::Access::*;
    use Method as M;
    vec![
        r(M::GET, "/public/credit", Public, get(public_search)),
        r(M::GET, "/public/credit/{uscc}", Public, get(public_page)),
        r(M::GET, "/api/v1/public/credit", Public, get(api_public_search)),
        r(M::GET, "/api/v1/public/credit/{uscc}", Public, get(api_public)),
        r(M::GET, "/credit", Roles(VIEW), get(home)),
        r(M::GET, "/credit/entities/{uscc}", Roles(VIEW), get(entity_page)),
        r(M::GET, "/credit/entities/{uscc}/export.xlsx", Roles(VIEW), get(entity_xlsx)),
        r(M::GET, "/credit/entities/{uscc}/export.jsonl", Roles(VIEW), get(entity_jsonl)),
        r(M::POST, "/credit/entities/{uscc}/reclassify", Roles(CREDIT), post(reclassify)),
        r(M::POST, "/credit/commitments", Roles(CREDIT), post(commitment_create)),
        r(M::POST, "/credit/commitments/{id}/check", Roles(CREDIT), post(commitment_check)),
        r(M::POST, "/credit/lists", Roles(CREDIT), post(list_add)),
        r(M::POST, "/credit/lists/{id}/exit", Roles(CREDIT), post(list_exit)),
        r(M::GET, "/credit/repairs", Roles(CREDIT), get(repairs)),
        r(M::POST, "/credit/repairs", Roles(CREDIT), post(repair_apply)),
        r(M::GET, "/credit/repairs/{id}", Roles(CREDIT), get(repair_page)),
        r(M::POST, "/credit/repairs/{id}/review", Roles(CREDIT), post(repair_review)),
        r(M::POST, "/credit/repairs/{id}/resubmit", Roles(CREDIT), post(repair_resubmit)),
        r(M::POST, "/credit/trainings", Roles(CREDIT), post(training_create)),
        r(M::GET, "/credit/objections", Roles(RESOLVE), get(objections)),
        r(M::POST, "/credit/objections", Roles(CREDIT), post(objection_file)),
        r(M::POST, "/credit/objections/{id}/resolve", Roles(RESOLVE), post(objection_resolve)),
        r(M::GET, "/api/v1/credit/{uscc}/measures", ApiKeyOr("credit:read", VIEW), get(api_measures)),
        r(M::GET, "/api/v1/credit/changes", ApiKeyOr("credit:export", CREDIT), get(api_changes)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("credit_home.html", include_str!("../../templates/credit_home.html")),
    ("credit_entity.html", include_str!("../../templates/credit_entity.html")),
    ("credit_repairs.html", include_str!("../../templates/credit_repairs.html")),
    ("credit_repair.html", include_str!("../../templates/credit_repair.html")),
    ("credit_objections.html", include_str!("../../templates/credit_objections.html")),
    ("public_credit.html", include_str!("../../templates/public_credit.html")),
];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !VIEW.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let counts = state.store.credit_class_counts().await?;
    let mut stats: Vec<(String, String)> =
        counts.iter().map(|(c, n)| (jianguan_domain::sampling::stratum_label(c), n.to_string())).collect();
    let mut links = vec![("/credit".to_string(), "信用监管".to_string())];
    if p.has(CreditManager) {
        let open = state.store.repair_list(None).await?.into_iter().filter(|r| mine(p, r.department_id)).filter(|r| r.state().is_some_and(|s| s.is_open())).count();
        stats.push(("在办信用修复".into(), open.to_string()));
        let t = today();
        let due = state.store.commitment_list(None).await?.into_iter().filter(|c| mine(p, c.department_id) && c.status == "pending" && c.due_on <= t).count();
        stats.push(("到期待核查承诺".into(), due.to_string()));
        links.push(("/credit/repairs".into(), "信用修复".into()));
    }
    if p.has(CreditManager) || p.has(DeptStaff) {
        links.push(("/credit/objections".into(), "异议申诉".into()));
    }
    links.push(("/public/credit".into(), "公开信用查询".into()));
    Ok(vec![Card { title: "信用监管".into(), stats, links }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "信用信息查询",
        text: "按统一社会信用代码或名称查询市场主体的公开信用信息:行政许可、行政处罚(公示期内)、信用承诺、红黑名单。",
        href: Some("/public/credit"),
    }]
}

/// Scheduled work, run by `serve` every tick: the monthly reclassification of every
/// entity (once per calendar month, China time).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let today = today();
    if let Some((n, changed)) = state.store.credit_reclassify_monthly(&jianguan_store::Actor::system(), today).await? {
        tracing::info!(entities = n, changed, "monthly credit reclassification done");
    }
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_public, api_public_search, api_measures, api_changes),
    components(schemas(PublicCreditDto, PublicEventDto, PublicListDto, PublicCommitmentDto, MeasuresDto, MeasureDto, ChangeDto, SearchHit))
)]
pub struct Api;

// --- helpers ----------------------------------------------------------------------------

fn today() -> NaiveDate {
    jianguan_store::publicity::cst_date(jianguan_store::now())
}

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

fn dept_of(p: &Principal) -> Result<i64, AppError> {
    p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))
}

fn mine(p: &Principal, department_id: i64) -> bool {
    p.department_id() == Some(department_id)
}

fn not_found_uscc(uscc: &str) -> AppError {
    AppError::not_found(format!("未查询到统一社会信用代码为 {uscc} 的市场主体,请核对后重新输入"))
}

/// A uscc from a path: upper-cased, 18 letters or digits.
fn path_uscc(s: &str) -> Result<String, AppError> {
    let u = s.trim().to_ascii_uppercase();
    if u.len() != 18 || !u.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(not_found_uscc(&u.chars().take(18).collect::<String>()));
    }
    Ok(u)
}

/// Whether the caller may see a non-public event of `department`.
fn sees(p: &Principal, ev: &CreditEvent) -> bool {
    ev.public || p.has(CreditManager) || ev.source_department_id.is_some_and(|d| mine(p, d))
}

/// Per-address fixed-window limit of the public credit query.
fn check_public_rate(ip: &str) -> Result<(), AppError> {
    static WINDOWS: OnceLock<Mutex<HashMap<String, (Instant, u32)>>> = OnceLock::new();
    let limit = PUBLIC_RATE_PER_MINUTE.load(Ordering::Relaxed);
    let mut m = WINDOWS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    if m.len() > 100_000 {
        m.retain(|_, (t, _)| now.duration_since(*t).as_secs() < 60);
    }
    let e = m.entry(ip.to_string()).or_insert((now, 0));
    if now.duration_since(e.0).as_secs() >= 60 {
        *e = (now, 0);
    }
    e.1 += 1;
    if e.1 > limit {
        return Err(AppError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "信用查询过于频繁,请一分钟后再试"));
    }
    Ok(())
}

/// Public caching for anonymous answers; a signed-in visitor's page carries their
/// navigation and is left to the access layer (`no-store`).
fn cached_for(p: &Principal, r: Response, secs: u32) -> Response {
    if p.user().is_some() {
        return r;
    }
    cached(r, secs)
}

fn cached(mut r: Response, secs: u32) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={secs}")) {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r
}

/// Masks ID and phone numbers inside every string of a JSON value.
fn scrub(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    match v {
        V::String(s) => V::String(jianguan_domain::mask::scrub_text(s)),
        V::Array(a) => V::Array(a.iter().map(scrub).collect()),
        V::Object(o) => V::Object(o.iter().map(|(k, v)| (k.clone(), scrub(v))).collect()),
        other => other.clone(),
    }
}

fn detail_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}:{}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect::<Vec<_>>()
            .join(";"),
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "licence" => "行政许可",
        "filing" => "备案",
        "inspection" => "检查结果",
        "penalty" => "行政处罚",
        "coercive_measure" => "行政强制",
        "commitment" => "信用承诺",
        "commitment_kept" => "承诺履行",
        "commitment_broken" => "承诺未履行",
        "list_entry" => "列入名单",
        "list_exit" => "移出名单",
        "repair" => "信用修复",
        "objection" => "异议申诉",
        "complaint" => "投诉举报",
        "incident" => "事故",
        "honour" => "表彰",
        other => other,
    }
}

fn event_ctx(e: &CreditEvent, departments: &HashMap<i64, String>) -> minijinja::Value {
    context! {
        id => e.id, kind => e.kind, kind_label => kind_label(&e.kind), title => e.title, occurred_on => e.occurred_on,
        severity => e.severity.label(), severity_code => e.severity.code(), public => e.public, public_until => e.public_until,
        withdrawn => e.withdrawn_at.is_some(), withdrawn_reason => e.withdrawn_reason, detail => detail_text(&e.detail),
        department => e.source_department_id.and_then(|d| departments.get(&d).cloned()).unwrap_or_default(),
        change_seq => e.change_seq,
    }
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "commitment" => "信用承诺已登记",
        "checked" => "承诺履行情况已记录",
        "listed" => "已列入名单",
        "exited" => "已移出名单",
        "repair" => "信用修复申请已受理",
        "reviewed" => "审核意见已记录",
        "resubmitted" => "补正材料已提交",
        "training" => "修复培训已登记",
        "objection" => "异议已登记,相关字段公开显示“异议处理中”",
        "resolved" => "异议已处理",
        "reclassified" => "信用风险分类已重新计算",
        _ => return None,
    })
}

// --- public ------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// A unified social credit code or part of a name.
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub uscc: String,
    pub name: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicEventDto {
    pub kind: String,
    pub kind_label: String,
    /// 异议处理中 while an objection on this field is open.
    pub title: String,
    pub occurred_on: String,
    pub severity: String,
    pub detail: serde_json::Value,
    pub public_until: Option<NaiveDate>,
    /// Fields under objection.
    pub objection_fields: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicListDto {
    pub list: String,
    /// red, black or watch.
    pub colour: String,
    pub basis: String,
    pub effective_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicCommitmentDto {
    pub kind: String,
    pub body: String,
    pub licence: String,
    pub signed_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicCreditDto {
    pub uscc: String,
    pub name: String,
    /// The legal representative, masked.
    pub legal_representative: String,
    pub address: String,
    pub status: String,
    pub events: Vec<PublicEventDto>,
    pub commitments: Vec<PublicCommitmentDto>,
    pub lists: Vec<PublicListDto>,
    pub as_of: NaiveDate,
}

fn public_dto(c: PublicCredit, today: NaiveDate) -> PublicCreditDto {
    PublicCreditDto {
        uscc: c.uscc,
        name: c.name,
        legal_representative: c.legal_rep_masked,
        address: jianguan_domain::mask::scrub_text(&c.address),
        status: c.status,
        events: c
            .events
            .into_iter()
            .map(|e| PublicEventDto {
                kind_label: kind_label(&e.kind).to_string(),
                kind: e.kind,
                title: jianguan_domain::mask::scrub_text(&e.title),
                occurred_on: e.occurred_on,
                severity: e.severity,
                detail: scrub(&e.detail),
                public_until: e.public_until,
                objection_fields: e.objection_fields,
            })
            .collect(),
        commitments: c
            .commitments
            .into_iter()
            .map(|m| PublicCommitmentDto {
                kind: m.kind_label().into(),
                status: m.status_label().into(),
                body: jianguan_domain::mask::scrub_text(&m.body),
                licence: m.licence_ref,
                signed_on: m.signed_on,
                due_on: m.due_on,
            })
            .collect(),
        lists: c
            .lists
            .into_iter()
            .map(|l| PublicListDto {
                list: l.list_name,
                colour: l.colour,
                basis: jianguan_domain::mask::scrub_text(&l.basis),
                effective_on: l.effective_on,
                expires_on: l.expires_on,
            })
            .collect(),
        as_of: today,
    }
}

async fn public_record(state: &AppState, ip: &str, uscc: &str) -> Result<PublicCreditDto, AppError> {
    check_public_rate(ip)?;
    let uscc = path_uscc(uscc)?;
    let t = today();
    let c = state.store.credit_public(&uscc, t).await?.ok_or_else(|| not_found_uscc(&uscc))?;
    Ok(public_dto(c, t))
}

/// The public credit record of an entity (no login): public fields only, penalties
/// inside their publication period and not withdrawn, personal data masked.
#[utoipa::path(get, path = "/api/v1/public/credit/{uscc}", tag = "信用监管",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = PublicCreditDto), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn api_public(State(state): State<AppState>, ClientIp(ip): ClientIp, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let dto = public_record(&state, &ip, &uscc).await.map_err(AppError::json)?;
    Ok(cached(Json(dto).into_response(), 60))
}

/// Entities by code or name (at most 20).
#[utoipa::path(get, path = "/api/v1/public/credit", tag = "信用监管", params(SearchParams),
    responses((status = 200, body = [SearchHit]), (status = 429, body = ErrorBody)))]
pub async fn api_public_search(State(state): State<AppState>, ClientIp(ip): ClientIp, Query(q): Query<SearchParams>) -> Result<Response, AppError> {
    check_public_rate(&ip).map_err(AppError::json)?;
    let hits = search(&state, q.q.as_deref().unwrap_or("")).await.map_err(AppError::json)?;
    Ok(cached(Json(hits).into_response(), 60))
}

async fn search(state: &AppState, q: &str) -> Result<Vec<SearchHit>, AppError> {
    let q: String = q.trim().chars().take(50).collect();
    if q.chars().count() < 2 {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .credit_search(&q)
        .await?
        .into_iter()
        .map(|(uscc, name)| SearchHit { url: format!("/public/credit/{uscc}"), uscc, name })
        .collect())
}

async fn public_search(State(state): State<AppState>, p: Principal, ClientIp(ip): ClientIp, Query(q): Query<SearchParams>) -> Result<Response, AppError> {
    let text = q.q.clone().unwrap_or_default();
    let hits = if text.trim().is_empty() {
        Vec::new()
    } else {
        check_public_rate(&ip)?;
        search(&state, &text).await?
    };
    if hits.len() == 1 && hits[0].uscc == text.trim().to_ascii_uppercase() {
        return Ok(Redirect::to(&hits[0].url).into_response());
    }
    Ok(cached_for(
        &p,
        render(
            "public_credit.html",
            context! { ..base(&p, "信用信息查询"), ..context! { q => text.trim(), searched => !text.trim().is_empty(), hits => hits.iter().map(|h| context!{ uscc => h.uscc, name => h.name, url => h.url }).collect::<Vec<_>>() } },
        )?
        .into_response(),
        60,
    ))
}

async fn public_page(State(state): State<AppState>, p: Principal, ClientIp(ip): ClientIp, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let c = public_record(&state, &ip, &uscc).await?;
    let events: Vec<_> = c
        .events
        .iter()
        .map(|e| context! {
            kind_label => e.kind_label, title => e.title, occurred_on => e.occurred_on, severity => e.severity,
            detail => if e.objection_fields.iter().any(|f| f == "detail") { rules::UNDER_OBJECTION.to_string() } else { detail_text(&e.detail) },
            public_until => e.public_until, objected => !e.objection_fields.is_empty(),
        })
        .collect();
    Ok(cached_for(
        &p,
        render(
            "public_credit.html",
            context! { ..base(&p, &format!("{} 信用信息", c.name)), ..context! {
                c => context!{ uscc => c.uscc, name => c.name, legal_representative => c.legal_representative, address => c.address, status => c.status },
                events => events,
                commitments => c.commitments.iter().map(|m| context!{ kind => m.kind, body => m.body, licence => m.licence, signed_on => m.signed_on, due_on => m.due_on, status => m.status }).collect::<Vec<_>>(),
                lists => c.lists.iter().map(|l| context!{ list => l.list, colour => l.colour, basis => l.basis, effective_on => l.effective_on, expires_on => l.expires_on }).collect::<Vec<_>>(),
                as_of => c.as_of, q => "",
            }},
        )?
        .into_response(),
        60,
    ))
}

// --- measures and export API ----------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    pub list_kind: String,
    /// restriction, inspection, green_channel or reward.
    pub category: String,
    pub category_label: String,
    pub measure: String,
    pub basis: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeasuresDto {
    pub uscc: String,
    pub name: String,
    pub as_of: NaiveDate,
    /// The list entries in force (kind code, name, colour, basis, dates).
    pub lists: Vec<PublicListDto>,
    pub measures: Vec<MeasureDto>,
    /// Current risk class (A–D), when classified.
    pub risk_class: Option<String>,
}

/// The joint rewards and punishments in force for an entity: what a licensing system
/// calls before granting anything.
#[utoipa::path(get, path = "/api/v1/credit/{uscc}/measures", tag = "信用监管",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = MeasuresDto), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_measures(State(state): State<AppState>, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let run = async {
        let uscc = path_uscc(&uscc)?;
        let m = state.store.measures_in_force(&uscc, today()).await.map_err(|e| match e {
            jianguan_store::StoreError::NotFound(_) => not_found_uscc(&uscc),
            e => e.into(),
        })?;
        let class = state.store.credit_class(&uscc).await?.map(|c| c.class);
        Ok::<_, AppError>(MeasuresDto {
            uscc: m.uscc,
            name: m.entity_name,
            as_of: m.as_of,
            lists: m
                .entries
                .into_iter()
                .map(|l| PublicListDto { list: l.list_name, colour: l.colour, basis: l.basis, effective_on: l.effective_on, expires_on: l.expires_on })
                .collect(),
            measures: m
                .measures
                .into_iter()
                .map(|x| MeasureDto { category_label: x.category_label().into(), list_kind: x.list_kind, category: x.category, measure: x.measure, basis: x.basis })
                .collect(),
            risk_class: class,
        })
    };
    Ok(Json(run.await.map_err(AppError::json)?).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct ChangesParams {
    /// Return changes after this change sequence number (0 for everything).
    pub after: Option<i64>,
    /// At most this many (default 10000, at most 100000).
    pub limit: Option<i64>,
    /// jsonl (default) or xlsx.
    pub format: Option<String>,
}

/// One changed credit event, as the city platform receives it.
#[derive(Serialize, ToSchema)]
pub struct ChangeDto {
    pub change_seq: i64,
    pub id: i64,
    pub uscc: String,
    pub kind: String,
    pub source_department_id: Option<i64>,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub detail: serde_json::Value,
    pub severity: String,
    pub public: bool,
    pub public_until: Option<NaiveDate>,
    pub withdrawn: bool,
    pub withdrawn_reason: String,
}

fn change_dto(e: CreditEvent) -> ChangeDto {
    ChangeDto {
        change_seq: e.change_seq,
        id: e.id,
        uscc: e.uscc,
        kind: e.kind,
        source_department_id: e.source_department_id,
        occurred_on: e.occurred_on,
        title: e.title,
        detail: e.detail,
        severity: e.severity.code().into(),
        public: e.public,
        public_until: e.public_until,
        withdrawn: e.withdrawn_at.is_some(),
        withdrawn_reason: e.withdrawn_reason,
    }
}

fn jsonl(rows: impl IntoIterator<Item = ChangeDto>, name: &str, last: i64) -> Response {
    let mut body = String::new();
    for r in rows {
        body.push_str(&serde_json::to_string(&r).unwrap_or_default());
        body.push('\n');
    }
    let mut resp = (
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.jsonl\"")),
        ],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&last.to_string()) {
        resp.headers_mut().insert("x-last-change-seq", v);
    }
    resp
}

const XLSX_COLUMNS: [&str; 12] =
    ["变更序号", "统一社会信用代码", "类型", "发生日期", "事项", "内容", "程度", "来源部门", "公开", "公示截止", "已撤下", "撤下原因"];

fn xlsx(rows: &[ChangeDto], name: &str, departments: &HashMap<i64, String>) -> Result<Response, AppError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("导出失败:{e}"));
    ws.set_name("信用记录").map_err(x)?;
    for (c, h) in XLSX_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(x)?;
    }
    for (i, d) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        // Every cell is text, neutralised, so nothing can act as a formula.
        let cells = [
            d.change_seq.to_string(),
            d.uscc.clone(),
            kind_label(&d.kind).to_string(),
            d.occurred_on.to_string(),
            d.title.clone(),
            detail_text(&d.detail),
            rules::SEVERITIES.iter().find(|s| **s == d.severity).map(|s| jianguan_store::credit::Severity::from_code(s).map_or("", |v| v.label())).unwrap_or("").to_string(),
            d.source_department_id.and_then(|id| departments.get(&id).cloned()).unwrap_or_default(),
            if d.public { "是" } else { "否" }.into(),
            d.public_until.map(|d| d.to_string()).unwrap_or_default(),
            if d.withdrawn { "是" } else { "否" }.into(),
            d.withdrawn_reason.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, jianguan_exchange::xlsx::neutralize(v).as_ref()).map_err(x)?;
        }
    }
    ws.set_column_width(1, 22).map_err(x)?;
    ws.set_column_width(4, 40).map_err(x)?;
    ws.set_column_width(5, 60).map_err(x)?;
    let bytes = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Credit events changed after a change sequence number, for the city credit platform
/// (incremental: pass the last `change_seq` received as `after`; the response header
/// `x-last-change-seq` names the last one sent).
#[utoipa::path(get, path = "/api/v1/credit/changes", tag = "信用监管", params(ChangesParams),
    responses((status = 200, description = "JSON lines (application/x-ndjson) or xlsx", body = [ChangeDto]), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_changes(State(state): State<AppState>, p: Principal, Query(q): Query<ChangesParams>) -> Result<Response, AppError> {
    let run = async {
        let after = q.after.unwrap_or(0);
        if after < 0 {
            return Err(unprocessable("after 不能为负数"));
        }
        let rows = state.store.credit_changes(after, q.limit.unwrap_or(10_000)).await?;
        let last = rows.last().map_or(after, |r| r.change_seq);
        state
            .store
            .audit(p.actor().event("credit.export", "credit_events", serde_json::json!({ "after": after, "rows": rows.len(), "last": last })))
            .await?;
        let dtos: Vec<ChangeDto> = rows.into_iter().map(change_dto).collect();
        match q.format.as_deref().unwrap_or("jsonl") {
            "jsonl" => Ok(jsonl(dtos, &format!("credit-changes-{after}"), last)),
            "xlsx" => {
                let mut r = xlsx(&dtos, &format!("credit-changes-{after}"), &crate::pages::department_names(&state).await?)?;
                if let Ok(v) = HeaderValue::from_str(&last.to_string()) {
                    r.headers_mut().insert("x-last-change-seq", v);
                }
                Ok(r)
            }
            _ => Err(unprocessable("format 只能是 jsonl 或 xlsx")),
        }
    };
    run.await.map_err(AppError::json)
}

// --- staff pages ------------------------------------------------------------------------------

#[derive(Deserialize)]
struct HomeParams {
    q: Option<String>,
    done: Option<String>,
}

async fn home(State(state): State<AppState>, p: Principal, Query(q): Query<HomeParams>) -> Result<Response, AppError> {
    let text = q.q.clone().unwrap_or_default();
    let hits = search(&state, &text).await?;
    if hits.len() == 1 && hits[0].uscc == text.trim().to_ascii_uppercase() {
        return Ok(Redirect::to(&format!("/credit/entities/{}", hits[0].uscc)).into_response());
    }
    let rules = RuleSet::builtin();
    let measures = state.store.list_measures().await?;
    let kinds: Vec<_> = state
        .store
        .list_kinds()
        .await?
        .into_iter()
        .map(|k| {
            let ms: Vec<_> = measures.iter().filter(|m| m.list_kind == k.code).map(|m| context! { category => m.category_label(), measure => m.measure, basis => m.basis }).collect();
            context! { code => k.code, colour => k.colour, name => k.name, entry_rule => k.entry_rule, exit_rule => k.exit_rule, basis => k.basis, measures => ms }
        })
        .collect();
    let counts: Vec<_> = state.store.credit_class_counts().await?.into_iter().map(|(c, n)| context! { label => jianguan_domain::sampling::stratum_label(&c), n => n }).collect();
    Ok(render(
        "credit_home.html",
        context! { ..base(&p, "信用监管"), ..context! {
            q => text.trim(), hits => hits.iter().map(|h| context!{ uscc => h.uscc, name => h.name }).collect::<Vec<_>>(),
            counts => counts, rules => rules.rules.iter().map(|r| context!{ id => r.id, reason => r.reason, points => r.points, class => r.class.map(|c| c.label()) }).collect::<Vec<_>>(),
            bands => rules.bands.iter().map(|b| context!{ max_points => b.max_points, class => b.class.label() }).collect::<Vec<_>>(),
            above => rules.above_bands.label(), version => rules.version,
            publication => Publication::builtin().clone(), kinds => kinds,
            lists => state.store.list_entries(None).await?.into_iter().take(50).map(|l| context!{ id => l.id, uscc => l.uscc, name => l.entity_name, list => l.list_name, colour => l.colour, effective_on => l.effective_on, expires_on => l.expires_on, exited_on => l.exited_on }).collect::<Vec<_>>(),
            commitments => state.store.commitment_list(None).await?.into_iter().take(50).map(|c| context!{ id => c.id, uscc => c.uscc, name => c.entity_name, kind => c.kind_label(), due_on => c.due_on, status => c.status_label() }).collect::<Vec<_>>(),
            flash => flash(q.done.as_deref()),
        }},
    )?
    .into_response())
}

async fn entity_events(state: &AppState, p: &Principal, uscc: &str) -> Result<(String, Vec<CreditEvent>), AppError> {
    let uscc = path_uscc(uscc)?;
    let name = state.store.credit_search(&uscc).await?.into_iter().next().map(|(_, n)| n).ok_or_else(|| not_found_uscc(&uscc))?;
    let events = state.store.credit_events(&uscc).await?.into_iter().filter(|e| sees(p, e)).collect();
    Ok((name, events))
}

async fn entity_page(State(state): State<AppState>, p: Principal, Path(uscc): Path<String>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let (name, events) = entity_events(&state, &p, &uscc).await?;
    let uscc = path_uscc(&uscc)?;
    let departments = crate::pages::department_names(&state).await?;
    let class = state.store.credit_class(&uscc).await?;
    let history = state.store.credit_class_history(&uscc).await?;
    let today = today();
    let pubr = Publication::builtin();
    let is_credit = p.has(CreditManager);
    let repairs: Vec<_> = state.store.repair_list(Some(&uscc)).await?.into_iter().filter(|r| is_credit && mine(&p, r.department_id)).map(|r| context!{ id => r.id, event_title => r.event_title, status => r.status_label(), due => r.stage_due_on }).collect();
    let objections: Vec<_> = state.store.objection_list(Some(&uscc)).await?.into_iter().filter(|o| is_credit || o.event_department_id.is_some_and(|d| mine(&p, d))).map(|o| context!{ id => o.id, field => o.field_label(), status => o.status_label(), old_value => o.old_value, new_value => o.new_value, resolution => o.resolution }).collect();
    let ev_ctx: Vec<_> = events
        .iter()
        .rev()
        .map(|e| {
            let earliest = pubr.earliest_repair(e.severity.code(), e.occurred_on);
            context! { ..event_ctx(e, &departments), ..context!{ repairable => e.kind == "penalty" && e.withdrawn_at.is_none() && earliest.is_some(), earliest => earliest, repair_open => earliest.is_some_and(|d| d <= today) } }
        })
        .collect();
    Ok(render(
        "credit_entity.html",
        context! { ..base(&p, &format!("{name} 信用档案")), ..context! {
            uscc => uscc, name => name, events => ev_ctx,
            class => class.map(|c| context!{ class => c.class, label => rules::class_name(rules::class_from_label(&c.class)), points => c.points, reasons => c.reasons.iter().map(|r| context!{ text => r.text, points => r.points, class => r.class.map(|c| c.label()) }).collect::<Vec<_>>(), version => c.rules_version, commitment_approval => c.commitment_approval, computed_at => jianguan_store::publicity::cst_date(c.computed_at) }),
            history => history.iter().rev().map(|h| context!{ class => h.class, previous => h.previous, points => h.points, trigger => h.trigger, date => jianguan_store::publicity::cst_date(h.computed_at), reasons => h.reasons.iter().map(|r| r.text.clone()).collect::<Vec<_>>().join(";") }).collect::<Vec<_>>(),
            commitments => state.store.commitment_list(Some(&uscc)).await?.into_iter().map(|c| context!{ id => c.id, kind => c.kind_label(), body => c.body, licence => c.licence_ref, signed_on => c.signed_on, due_on => c.due_on, status => c.status, status_label => c.status_label(), note => c.check_note, mine => mine(&p, c.department_id) }).collect::<Vec<_>>(),
            lists => state.store.list_entries(Some(&uscc)).await?.into_iter().map(|l| context!{ id => l.id, list => l.list_name, colour => l.colour, basis => l.basis, effective_on => l.effective_on, expires_on => l.expires_on, exited_on => l.exited_on, exit_reason => l.exit_reason, in_force => l.in_force(today), mine => mine(&p, l.department_id) }).collect::<Vec<_>>(),
            kinds => state.store.list_kinds().await?.into_iter().map(|k| context!{ code => k.code, name => k.name }).collect::<Vec<_>>(),
            commitment_kinds => rules::COMMITMENT_KINDS, fields => rules::OBJECTION_FIELDS,
            repairs => repairs, objections => objections, is_credit => is_credit, today => today,
            flash => flash(q.done.as_deref()),
        }},
    )?
    .into_response())
}

async fn entity_xlsx(State(state): State<AppState>, p: Principal, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let (_, events) = entity_events(&state, &p, &uscc).await?;
    let rows: Vec<ChangeDto> = events.into_iter().map(change_dto).collect();
    state.store.audit(p.actor().event("credit.entity.export", format!("entity:{}", path_uscc(&uscc)?), serde_json::json!({ "rows": rows.len(), "format": "xlsx" }))).await?;
    xlsx(&rows, &format!("credit-{}", path_uscc(&uscc)?), &crate::pages::department_names(&state).await?)
}

async fn entity_jsonl(State(state): State<AppState>, p: Principal, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let (_, events) = entity_events(&state, &p, &uscc).await?;
    let last = events.iter().map(|e| e.change_seq).max().unwrap_or(0);
    let rows: Vec<ChangeDto> = events.into_iter().map(change_dto).collect();
    state.store.audit(p.actor().event("credit.entity.export", format!("entity:{}", path_uscc(&uscc)?), serde_json::json!({ "rows": rows.len(), "format": "jsonl" }))).await?;
    Ok(jsonl(rows, &format!("credit-{}", path_uscc(&uscc)?), last))
}

async fn reclassify(State(state): State<AppState>, p: Principal, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let uscc = path_uscc(&uscc)?;
    state.store.credit_reclassify(&p.actor_as(CreditManager), &uscc, today()).await?;
    Ok(Redirect::to(&format!("/credit/entities/{uscc}?done=reclassified")).into_response())
}

#[derive(Deserialize)]
struct CommitmentForm {
    uscc: String,
    kind: String,
    body: String,
    #[serde(default)]
    licence_ref: String,
    signed_on: String,
    due_on: String,
}

async fn commitment_create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<CommitmentForm>) -> Result<Response, AppError> {
    let dept = dept_of(&p)?;
    let uscc = crate::helpers::uscc(&f.uscc)?;
    let input = CommitmentInput {
        uscc: uscc.clone(),
        kind: f.kind,
        body: f.body,
        licence_ref: f.licence_ref,
        signed_on: date(&f.signed_on, "签署日期")?,
        due_on: date(&f.due_on, "履约核查日期")?,
    };
    state.store.commitment_create(&p.actor_as(CreditManager), dept, &input).await?;
    Ok(Redirect::to(&format!("/credit/entities/{uscc}?done=commitment")).into_response())
}

#[derive(Deserialize)]
struct CheckForm {
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn commitment_check(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<CheckForm>) -> Result<Response, AppError> {
    let c = state.store.commitment_get(id).await?;
    if !mine(&p, c.department_id) {
        return Err(AppError::forbidden("只有登记该承诺的部门可以核查履约情况"));
    }
    let kept = match f.outcome.as_str() {
        "kept" => true,
        "broken" => false,
        _ => return Err(unprocessable("请选择已履行或未履行")),
    };
    state.store.commitment_check(&p.actor_as(CreditManager), id, kept, &f.note, today()).await?;
    Ok(Redirect::to(&format!("/credit/entities/{}?done=checked", c.uscc)).into_response())
}

#[derive(Deserialize)]
struct ListForm {
    uscc: String,
    list_kind: String,
    basis: String,
    effective_on: String,
    #[serde(default)]
    expires_on: Option<String>,
}

async fn list_add(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ListForm>) -> Result<Response, AppError> {
    let dept = dept_of(&p)?;
    let uscc = crate::helpers::uscc(&f.uscc)?;
    let input = ListEntryInput {
        uscc: uscc.clone(),
        list_kind: f.list_kind,
        basis: f.basis,
        effective_on: date(&f.effective_on, "生效日期")?,
        expires_on: opt_date(f.expires_on.as_deref(), "有效期截止日期")?,
    };
    state.store.list_entry_add(&p.actor_as(CreditManager), dept, &input).await?;
    Ok(Redirect::to(&format!("/credit/entities/{uscc}?done=listed")).into_response())
}

#[derive(Deserialize)]
struct ReasonForm {
    reason: String,
}

async fn list_exit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ReasonForm>) -> Result<Response, AppError> {
    let e = state.store.list_entry_get(id).await?;
    if !mine(&p, e.department_id) {
        return Err(AppError::forbidden("只有作出列入决定的部门可以移出名单"));
    }
    state.store.list_entry_exit(&p.actor_as(CreditManager), id, &f.reason, today()).await?;
    Ok(Redirect::to(&format!("/credit/entities/{}?done=exited", e.uscc)).into_response())
}

async fn repairs(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let list: Vec<_> = state
        .store
        .repair_list(None)
        .await?
        .into_iter()
        .filter(|r| mine(&p, r.department_id))
        .map(|r| context!{ id => r.id, uscc => r.uscc, event_title => r.event_title, applicant => r.applicant, status => r.status_label(), open => r.state().is_some_and(|s| s.is_open()), due => r.stage_due_on, created => jianguan_store::publicity::cst_date(r.created_at) })
        .collect();
    let trainings: Vec<_> = state
        .store
        .credit_training_list()
        .await?
        .into_iter()
        .filter(|t| mine(&p, t.department_id))
        .map(|t| context!{ title => t.title, held_on => t.held_on, location => t.location, attendees => t.attendees.iter().map(|(u, n)| format!("{} {u}", jianguan_domain::mask::person_name(n))).collect::<Vec<_>>() })
        .collect();
    Ok(render(
        "credit_repairs.html",
        context! { ..base(&p, "信用修复"), ..context! { repairs => list, trainings => trainings, flash => flash(q.done.as_deref()), basis => Publication::builtin().basis.clone() } },
    )?
    .into_response())
}

#[derive(Deserialize)]
struct RepairForm {
    event_id: i64,
    applicant: String,
    reason: String,
    evidence: String,
}

async fn repair_apply(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<RepairForm>) -> Result<Response, AppError> {
    let ev = state.store.credit_event_get(f.event_id).await?;
    if !sees(&p, &ev) {
        return Err(AppError::not_found(format!("信用记录 {} 不存在", f.event_id)));
    }
    if ev.source_department_id.is_some_and(|d| !mine(&p, d)) {
        return Err(AppError::forbidden("信用修复由作出该处罚决定的部门受理"));
    }
    let input = RepairInput { event_id: f.event_id, applicant: f.applicant, reason: f.reason, evidence: f.evidence };
    let r = state.store.repair_apply(&p.actor_as(CreditManager), &input, today()).await.map_err(|e| match e {
        jianguan_store::StoreError::Invalid(m) => unprocessable(m),
        e => e.into(),
    })?;
    Ok(Redirect::to(&format!("/credit/repairs/{}?done=repair", r.id)).into_response())
}

async fn own_repair(state: &AppState, p: &Principal, id: i64) -> Result<(Repair, Vec<RepairReview>), AppError> {
    let (r, reviews) = state.store.repair_get(id).await?;
    if !mine(p, r.department_id) {
        return Err(AppError::not_found(format!("信用修复申请 {id} 不存在")));
    }
    Ok((r, reviews))
}

async fn repair_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let (r, reviews) = own_repair(&state, &p, id).await?;
    let stage = match r.state() {
        Some(rules::RepairStatus::Pending(s)) => Some(s),
        _ => None,
    };
    let returned = matches!(r.state(), Some(rules::RepairStatus::Returned(_)));
    Ok(render(
        "credit_repair.html",
        context! { ..base(&p, "信用修复申请"), ..context! {
            r => context!{ id => r.id, uscc => r.uscc, event_title => r.event_title, applicant => r.applicant, reason => r.reason, evidence => r.evidence, status => r.status_label(), due => r.stage_due_on },
            stage => stage.map(|s| s.code()), stage_label => stage.map(|s| s.label()), returned => returned,
            reviews => reviews.iter().map(|v| context!{ stage => Stage::parse(&v.stage).map_or("补正材料", |s| s.label()), reviewer => v.reviewer, decision => Decision::parse(&v.decision).map_or("提交", |d| d.label()), opinion => v.opinion, due => v.due_on, at => jianguan_store::publicity::cst_date(v.reviewed_at) }).collect::<Vec<_>>(),
            flash => flash(q.done.as_deref()),
        }},
    )?
    .into_response())
}

#[derive(Deserialize)]
struct ReviewForm {
    stage: String,
    decision: String,
    opinion: String,
}

async fn repair_review(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ReviewForm>) -> Result<Response, AppError> {
    own_repair(&state, &p, id).await?;
    let stage = Stage::parse(&f.stage).ok_or_else(|| unprocessable("审核阶段无法识别"))?;
    let decision = Decision::parse(&f.decision).ok_or_else(|| unprocessable("请选择通过、退回补正或不予通过"))?;
    state.store.repair_review(&p.actor_as(CreditManager), id, stage, decision, &f.opinion, today()).await?;
    Ok(Redirect::to(&format!("/credit/repairs/{id}?done=reviewed")).into_response())
}

#[derive(Deserialize)]
struct ResubmitForm {
    evidence: String,
}

async fn repair_resubmit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ResubmitForm>) -> Result<Response, AppError> {
    own_repair(&state, &p, id).await?;
    state.store.repair_resubmit(&p.actor_as(CreditManager), id, &f.evidence, today()).await?;
    Ok(Redirect::to(&format!("/credit/repairs/{id}?done=resubmitted")).into_response())
}

#[derive(Deserialize)]
struct TrainingForm {
    title: String,
    held_on: String,
    location: String,
    /// One attendee a line: `uscc name`.
    attendees: String,
}

async fn training_create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<TrainingForm>) -> Result<Response, AppError> {
    let dept = dept_of(&p)?;
    let mut attendees = Vec::new();
    for (n, line) in f.attendees.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let (u, name) = line.split_once(char::is_whitespace).ok_or_else(|| unprocessable(format!("第{}行应为“统一社会信用代码 姓名”", n + 1)))?;
        attendees.push((crate::helpers::uscc(u)?, name.trim().to_string()));
    }
    let input = CreditTrainingInput { title: f.title, held_on: date(&f.held_on, "培训日期")?, location: f.location, attendees };
    state.store.credit_training_create(&p.actor_as(CreditManager), dept, &input).await?;
    Ok(Redirect::to("/credit/repairs?done=training").into_response())
}

async fn objections(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let list: Vec<_> = state
        .store
        .objection_list(None)
        .await?
        .into_iter()
        .filter(|o| o.event_department_id.is_some_and(|d| mine(&p, d)) || (p.has(CreditManager) && o.event_department_id.is_none()))
        .map(|o| context!{ id => o.id, uscc => o.uscc, event_id => o.event_id, field => o.field_label(), old_value => o.old_value, new_value => o.new_value, reason => o.reason, status => o.status, status_label => o.status_label(), resolution => o.resolution, applicant => o.applicant })
        .collect();
    Ok(render("credit_objections.html", context! { ..base(&p, "异议申诉"), ..context! { items => list, flash => flash(q.done.as_deref()) } })?.into_response())
}

#[derive(Deserialize)]
struct ObjectionForm {
    event_id: i64,
    field: String,
    applicant: String,
    reason: String,
}

async fn objection_file(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ObjectionForm>) -> Result<Response, AppError> {
    let ev = state.store.credit_event_get(f.event_id).await?;
    if !sees(&p, &ev) {
        return Err(AppError::not_found(format!("信用记录 {} 不存在", f.event_id)));
    }
    let input = ObjectionInput { event_id: f.event_id, field: f.field, applicant: f.applicant, reason: f.reason };
    state.store.objection_file(&p.actor_as(CreditManager), &input).await.map_err(|e| match e {
        jianguan_store::StoreError::Invalid(m) => unprocessable(m),
        e => e.into(),
    })?;
    Ok(Redirect::to(&format!("/credit/entities/{}?done=objection", ev.uscc)).into_response())
}

#[derive(Deserialize)]
struct ResolveForm {
    outcome: String,
    #[serde(default)]
    new_value: Option<String>,
    reasons: String,
}

async fn objection_resolve(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ResolveForm>) -> Result<Response, AppError> {
    let o = state.store.objection_get(id).await?;
    let owner = o.event_department_id;
    let allowed = match owner {
        Some(d) => mine(&p, d),
        None => p.has(CreditManager),
    };
    if !allowed {
        return Err(AppError::forbidden("只有该信用记录的来源部门可以处理异议"));
    }
    let correct = match f.outcome.as_str() {
        "correct" => true,
        "reject" => false,
        _ => return Err(unprocessable("请选择更正或驳回")),
    };
    let role = if p.has(CreditManager) { CreditManager } else { DeptStaff };
    state.store.objection_resolve(&p.actor_as(role), id, correct, f.new_value.as_deref(), &f.reasons).await.map_err(|e| match e {
        jianguan_store::StoreError::Invalid(m) => unprocessable(m),
        e => e.into(),
    })?;
    Ok(Redirect::to("/credit/objections?done=resolved").into_response())
}
