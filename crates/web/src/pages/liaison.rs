//! Enterprise liaisons (企业联络员制度, 正文五): the protected liaison directory, notices
//! by industry or tag with replies and feedback, and the public pages through which an
//! entity acts with a one-time application code.
//!
//! Market entities have no accounts. A department's staff issue an application code for
//! one entity (shown once, stored only as its hash) and hand it over by their usual
//! channel; the entity registers its liaison at `/liaison/register`. Sending a notice
//! issues one reply code per recipient, shown once to the sender; the liaison replies at
//! `/liaison/reply`. Codes work once and expire; failed entries are counted per client
//! address and refused past [`MAX_FAILED_ATTEMPTS`] in [`ATTEMPT_WINDOW_MINUTES`].
//!
//! The liaison's name and phone are SM4-sealed at rest and masked in every list; only
//! staff of the issuing department or of a department supervising the entity see them,
//! and each time they do it is audited.

use crate::access::{ClientIp, Principal};
use crate::error::{AppError, ErrorBody};
use crate::forms::{ApiJson, PageForm};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::security::{self, PRE_CSRF_COOKIE};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::auth::Role::{self, *};
use jianguan_domain::liaison::{
    self as rules, Purpose, ATTEMPT_WINDOW_MINUTES, MAX_FAILED_ATTEMPTS, REGISTER_CODE_DAYS,
};
use jianguan_domain::mask;
use jianguan_store::liaison::{Liaison, NewLiaison, NoticeInput, SentNotice};
use jianguan_store::now;
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const STAFF: &[Role] = &[DeptStaff];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use crate::access::Access::*;
    use Method as M;
    vec![
        r(M::GET, "/liaisons", Roles(STAFF), get(directory)),
        r(M::POST, "/liaisons/codes", Roles(STAFF), post(issue_code)),
        r(M::GET, "/liaisons/{id}", Roles(STAFF), get(detail)),
        r(M::GET, "/liaisons/notices", Roles(STAFF), get(notices)),
        r(M::POST, "/liaisons/notices", Roles(STAFF), post(send_notice)),
        r(M::GET, "/liaisons/notices/{id}", Roles(STAFF), get(notice)),
        // Public pages for market entities (application codes).
        r(M::GET, "/liaison/register", Public, get(register_form)),
        r(M::POST, "/liaison/register", Public, post(register)),
        r(M::GET, "/liaison/reply", Public, get(reply_form)),
        r(M::POST, "/liaison/reply", Public, post(reply)),
        // API.
        r(M::GET, "/api/v1/liaisons", ApiKeyOr("liaison:read", STAFF), get(api_list)),
        r(M::POST, "/api/v1/liaison/codes", Roles(STAFF), post(api_issue_code)),
        r(M::POST, "/api/v1/liaison/notices", Roles(STAFF), post(api_send_notice)),
        r(M::GET, "/api/v1/liaison/notices/{id}", ApiKeyOr("liaison:read", STAFF), get(api_notice)),
        r(M::POST, "/api/v1/public/liaison/register", Public, post(api_register)),
        r(M::POST, "/api/v1/public/liaison/reply", Public, post(api_reply)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("liaison_directory.html", include_str!("../../templates/liaison_directory.html")),
    ("liaison_detail.html", include_str!("../../templates/liaison_detail.html")),
    ("liaison_codes.html", include_str!("../../templates/liaison_codes.html")),
    ("liaison_notices.html", include_str!("../../templates/liaison_notices.html")),
    ("liaison_notice.html", include_str!("../../templates/liaison_notice.html")),
    ("liaison_register.html", include_str!("../../templates/liaison_register.html")),
    ("liaison_reply.html", include_str!("../../templates/liaison_reply.html")),
];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !p.has(DeptStaff) {
        return Ok(Vec::new());
    }
    let d = p.department_id().unwrap_or_default();
    let liaisons = state.store.liaison_list(d, "all", "").await?;
    let notices = state.store.notice_list(d).await?;
    let waiting: i64 = notices.iter().map(|n| n.recipients - n.replied).sum();
    Ok(vec![Card {
        title: "企业联络员".into(),
        stats: vec![
            ("在册联络员".into(), liaisons.len().to_string()),
            ("已发通知".into(), notices.len().to_string()),
            ("待回复".into(), waiting.to_string()),
        ],
        links: vec![("/liaisons".into(), "联络员名录".into()), ("/liaisons/notices".into(), "通知与回复".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "企业联络员",
        text: "市场主体凭监管部门发放的申请码登记企业联络员,或回复部门通知、反馈意见建议。",
        href: Some("/liaison/register"),
    }]
}

/// Scheduled work, run by `serve` every tick: failed code entries past the rate-limit
/// window are deleted.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    state.store.liaison_code_failures_prune(now() - chrono::Duration::minutes(ATTEMPT_WINDOW_MINUTES)).await?;
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_issue_code, api_send_notice, api_notice, api_register, api_reply),
    components(schemas(LiaisonDto, CodeRequest, CodeDto, NoticeBody, SentNoticeDto, ReplyCodeDto, NoticeDto, RecipientDto, NoticeRepliesDto, RegisterBody, ReplyBody, PublicDone))
)]
pub struct Api;

// --- helpers ----------------------------------------------------------------------------

fn dept_of(p: &Principal) -> Result<i64, AppError> {
    p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))
}

/// A fresh one-time code: `(clear, hash)`.
fn new_code() -> (String, String) {
    let clear = rules::format_code(security::random_bytes::<{ rules::CODE_LEN }>());
    let canon = rules::normalize_code(&clear).expect("generated codes are canonical");
    (clear, rules::code_hash(&canon))
}

fn ip_hash(ip: &str) -> String {
    security::sha256_hex(&format!("jianguan/client/{ip}"))
}

fn too_many() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("申请码错误次数过多,请 {ATTEMPT_WINDOW_MINUTES} 分钟后再试"),
    )
}

/// Refuses a client address with too many recent failed code entries.
async fn check_rate(state: &AppState, ip: &str) -> Result<(), AppError> {
    let since = now() - chrono::Duration::minutes(ATTEMPT_WINDOW_MINUTES);
    if state.store.liaison_code_failures(&ip_hash(ip), since).await? >= MAX_FAILED_ATTEMPTS {
        return Err(too_many());
    }
    Ok(())
}

/// The hash of a typed code, or a recorded failure.
async fn typed_code(state: &AppState, ip: &str, code: &str, purpose: Purpose) -> Result<String, AppError> {
    check_rate(state, ip).await?;
    let bad = || AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_code", "申请码无效、已使用或已过期,请核对后重试");
    let Some(canon) = rules::normalize_code(code) else {
        state.store.liaison_code_failure(&ip_hash(ip), purpose).await?;
        return Err(bad());
    };
    let hash = rules::code_hash(&canon);
    if state.store.liaison_code_lookup(&hash, purpose).await?.is_none() {
        state.store.liaison_code_failure(&ip_hash(ip), purpose).await?;
        return Err(bad());
    }
    Ok(hash)
}

fn seal(state: &AppState, plain: &str) -> String {
    state.cipher.encrypt(plain, security::random_bytes::<16>())
}

/// The double-submit token for an anonymous public form (or the session's).
fn form_token(p: &Principal, headers: &HeaderMap) -> (String, Option<String>) {
    if let Some(u) = p.user() {
        return (u.csrf.clone(), None);
    }
    let pre = security::cookie(headers, PRE_CSRF_COOKIE).filter(|c| c.len() >= 32).unwrap_or_else(security::token);
    (pre.clone(), Some(pre))
}

fn with_cookie(state: &AppState, mut resp: Response, pre: Option<String>) -> Response {
    if let Some(pre) = pre {
        resp.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&security::set_cookie(PRE_CSRF_COOKIE, &pre, state.config.secure_cookies, None))
                .expect("cookie"),
        );
    }
    resp
}

fn liaison_ctx(l: &Liaison) -> minijinja::Value {
    context! {
        id => l.id, uscc => l.uscc, entity_name => l.entity_name, industry => l.industry, industry_name => l.industry_name,
        name => l.name_masked, phone => l.phone_masked, position => l.position, registered_at => l.registered_at,
        department_id => l.department_id,
    }
}

// --- staff pages ---------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct DirectoryQuery {
    target_kind: Option<String>,
    target_value: Option<String>,
}

async fn directory(
    State(state): State<AppState>,
    p: Principal,
    axum::extract::Query(q): axum::extract::Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let kind = q.target_kind.clone().unwrap_or_else(|| "all".into());
    let list = state.store.liaison_list(dept_of(&p)?, &kind, q.target_value.as_deref().unwrap_or("")).await?;
    Ok(render(
        "liaison_directory.html",
        context! { ..base(&p, "企业联络员名录"), ..context! {
            items => list.iter().map(liaison_ctx).collect::<Vec<_>>(),
            target_kind => kind, target_value => q.target_value,
        }},
    )?
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The entity's unified social credit code.
    pub uscc: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeDto {
    /// The code in clear: shown this once, never stored.
    pub code: String,
    pub uscc: String,
    pub entity_name: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub register_url: String,
}

async fn do_issue(state: &AppState, p: &Principal, uscc: &str) -> Result<CodeDto, AppError> {
    let uscc = uscc.trim().to_ascii_uppercase();
    if uscc.len() != 18 {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "请输入18位统一社会信用代码"));
    }
    let (clear, hash) = new_code();
    let expires = now() + chrono::Duration::days(REGISTER_CODE_DAYS);
    let info = state.store.liaison_code_issue(&p.actor_as(DeptStaff), dept_of(p)?, &uscc, &hash, expires).await?;
    Ok(CodeDto {
        code: clear,
        uscc: info.uscc,
        entity_name: info.entity_name,
        expires_at: info.expires_at,
        register_url: "/liaison/register".into(),
    })
}

async fn issue_code(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<CodeRequest>,
) -> Result<Response, AppError> {
    let c = do_issue(&state, &p, &f.uscc).await?;
    Ok(render(
        "liaison_codes.html",
        context! { ..base(&p, "联络员登记申请码"), ..context! {
            purpose => "register", codes => vec![(c.uscc.clone(), c.entity_name.clone(), c.code.clone())], expires_at => c.expires_at,
        }},
    )?
    .into_response())
}

async fn detail(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let l = state.store.liaison_get(dept_of(&p)?, id).await?;
    let name = state.cipher.decrypt(&l.name_sealed).map_err(|_| AppError::internal("联络员信息无法解密"))?;
    let phone = state.cipher.decrypt(&l.phone_sealed).map_err(|_| AppError::internal("联络员信息无法解密"))?;
    // Reading personal data in clear is itself recorded.
    state
        .store
        .audit(p.actor_as(DeptStaff).event("liaison.view", format!("liaison:{id}"), serde_json::json!({ "uscc": l.uscc })))
        .await?;
    Ok(render(
        "liaison_detail.html",
        context! { ..base(&p, "联络员"), ..context! { l => liaison_ctx(&l), full_name => name, full_phone => phone } },
    )?
    .into_response())
}

async fn notices(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let list = state.store.notice_list(dept_of(&p)?).await?;
    Ok(render("liaison_notices.html", context! { ..base(&p, "联络员通知"), ..context! { items => list } })?
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct NoticeBody {
    pub title: String,
    pub body: String,
    /// `all`, `industry` (GB/T 4754 code prefix) or `tag`.
    pub target_kind: String,
    #[serde(default)]
    pub target_value: String,
    /// Reply deadline, `YYYY-MM-DD` (optional).
    #[serde(default)]
    pub reply_by: Option<String>,
}

impl NoticeBody {
    fn input(&self) -> Result<NoticeInput, AppError> {
        let reply_by = match self.reply_by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "回复截止日期格式应为 YYYY-MM-DD")
            })?),
        };
        Ok(NoticeInput {
            title: self.title.clone(),
            body: self.body.clone(),
            target_kind: self.target_kind.clone(),
            target_value: self.target_value.clone(),
            reply_by,
        })
    }
}

async fn do_send(state: &AppState, p: &Principal, body: &NoticeBody) -> Result<SentNotice, AppError> {
    let input = body.input()?;
    Ok(state.store.notice_send(&p.actor_as(DeptStaff), dept_of(p)?, &input, &new_code).await?)
}

async fn send_notice(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<NoticeBody>,
) -> Result<Response, AppError> {
    match do_send(&state, &p, &f).await {
        Ok(sent) => Ok(render(
            "liaison_codes.html",
            context! { ..base(&p, "通知已发送"), ..context! {
                purpose => "reply", notice => sent.notice, codes => sent.codes,
            }},
        )?
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let list = state.store.notice_list(dept_of(&p)?).await?;
            let mut resp = render(
                "liaison_notices.html",
                context! { ..base(&p, "联络员通知"), ..context! {
                    items => list, error => e.message,
                    form => context! { title => f.title, body => f.body, target_kind => f.target_kind, target_value => f.target_value, reply_by => f.reply_by },
                }},
            )?
            .into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

async fn own_notice(
    state: &AppState,
    p: &Principal,
    id: i64,
) -> Result<(jianguan_store::liaison::Notice, Vec<jianguan_store::liaison::Recipient>), AppError> {
    let (n, rs) = state.store.notice_get(id).await?;
    if Some(n.department_id) != p.department_id() {
        return Err(AppError::not_found(format!("通知 {id} 不存在")));
    }
    Ok((n, rs))
}

async fn notice(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (n, rs) = own_notice(&state, &p, id).await?;
    Ok(render("liaison_notice.html", context! { ..base(&p, &n.title), ..context! { n => n, recipients => rs } })?
        .into_response())
}

// --- public pages ---------------------------------------------------------------------------

async fn register_form(State(state): State<AppState>, p: Principal, headers: HeaderMap) -> Result<Response, AppError> {
    let (token, pre) = form_token(&p, &headers);
    let resp = render("liaison_register.html", context! { ..context! { csrf => token }, ..base(&p, "企业联络员登记") })?
        .into_response();
    Ok(with_cookie(&state, resp, pre))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    /// The application code issued by the department.
    pub code: String,
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub position: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicDone {
    pub entity_name: String,
    pub message: String,
}

async fn do_register(state: &AppState, ip: &str, f: &RegisterBody) -> Result<PublicDone, AppError> {
    let (name, phone, position) = rules::check_contact(&f.name, &f.phone, &f.position)
        .map_err(|m| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m))?;
    let hash = typed_code(state, ip, &f.code, Purpose::Register).await?;
    let l = state
        .store
        .liaison_register(
            &hash,
            &NewLiaison {
                name_sealed: seal(state, &name),
                name_masked: mask::person_name(&name),
                phone_sealed: seal(state, &phone),
                phone_masked: mask::phone(&phone),
                position,
            },
        )
        .await?;
    Ok(PublicDone {
        message: format!("{}的企业联络员已登记:{} {}", l.entity_name, l.name_masked, l.phone_masked),
        entity_name: l.entity_name,
    })
}

fn public_page(
    p: &Principal,
    headers: &HeaderMap,
    name: &str,
    title: &str,
    extra: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (token, _) = form_token(p, headers);
    let mut resp = render(name, context! { ..context! { csrf => token }, ..extra, ..base(p, title) })?.into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

async fn register(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    PageForm(f): PageForm<RegisterBody>,
) -> Result<Response, AppError> {
    match do_register(&state, &ip, &f).await {
        Ok(done) => public_page(&p, &headers, "liaison_register.html", "企业联络员登记", context! { done => done.message }, StatusCode::OK),
        Err(e) if e.status.is_client_error() => public_page(
            &p,
            &headers,
            "liaison_register.html",
            "企业联络员登记",
            context! { error => e.message, form => context! { name => f.name, phone => f.phone, position => f.position } },
            e.status,
        ),
        Err(e) => Err(e),
    }
}

async fn reply_form(State(state): State<AppState>, p: Principal, headers: HeaderMap) -> Result<Response, AppError> {
    let (token, pre) = form_token(&p, &headers);
    let resp =
        render("liaison_reply.html", context! { ..context! { csrf => token }, ..base(&p, "回复部门通知") })?.into_response();
    Ok(with_cookie(&state, resp, pre))
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyBody {
    /// The reply code of the notice.
    pub code: String,
    /// The reply (required unless only opening the notice on the page).
    #[serde(default)]
    pub reply: String,
    /// Opinions and suggestions (意见建议), optional.
    #[serde(default)]
    pub feedback: String,
}

async fn do_reply(state: &AppState, ip: &str, f: &ReplyBody) -> Result<PublicDone, AppError> {
    let hash = typed_code(state, ip, &f.code, Purpose::Reply).await?;
    let rec = state.store.notice_reply(&hash, &f.reply, &f.feedback).await?;
    Ok(PublicDone { message: format!("{}的回复已提交,谢谢。", rec.entity_name), entity_name: rec.entity_name })
}

#[derive(Deserialize)]
struct ReplyForm {
    code: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    feedback: String,
    /// `open` shows the notice; `send` submits the reply.
    #[serde(default)]
    step: String,
}

async fn reply(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    PageForm(f): PageForm<ReplyForm>,
) -> Result<Response, AppError> {
    let page = |extra: minijinja::Value, status: StatusCode| {
        public_page(&p, &headers, "liaison_reply.html", "回复部门通知", extra, status)
    };
    if f.step != "send" {
        let hash = match typed_code(&state, &ip, &f.code, Purpose::Reply).await {
            Ok(h) => h,
            Err(e) if e.status.is_client_error() => return page(context! { error => e.message }, e.status),
            Err(e) => return Err(e),
        };
        let Some((n, rec)) = state.store.notice_for_code(&hash).await? else {
            return page(context! { error => "申请码无效、已使用或已过期" }, StatusCode::UNPROCESSABLE_ENTITY);
        };
        let dept = state.store.get_unit(n.department_id).await?.name;
        return page(
            context! { notice => n, entity_name => rec.entity_name, department => dept, code => f.code.trim() },
            StatusCode::OK,
        );
    }
    let body = ReplyBody { code: f.code.clone(), reply: f.reply.clone(), feedback: f.feedback.clone() };
    match do_reply(&state, &ip, &body).await {
        Ok(done) => page(context! { done => done.message }, StatusCode::OK),
        Err(e) if e.status.is_client_error() => {
            // Keep the notice on screen when the code is still good (e.g. empty reply).
            let hash = rules::normalize_code(&f.code).map(|c| rules::code_hash(&c)).unwrap_or_default();
            let shown = state.store.notice_for_code(&hash).await?;
            match shown {
                Some((n, rec)) => {
                    let dept = state.store.get_unit(n.department_id).await?.name;
                    page(
                        context! { error => e.message, notice => n, entity_name => rec.entity_name, department => dept, code => f.code.trim(), reply => f.reply, feedback => f.feedback },
                        e.status,
                    )
                }
                None => page(context! { error => e.message }, e.status),
            }
        }
        Err(e) => Err(e),
    }
}

// --- API ---------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct LiaisonDto {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub industry: String,
    /// Masked (`张*`).
    pub name: String,
    /// Masked (`138****5678`).
    pub phone: String,
    pub position: String,
    pub registered_at: chrono::DateTime<chrono::Utc>,
}

/// Active liaisons visible to the caller's department (personal data masked).
#[utoipa::path(get, path = "/api/v1/liaisons", tag = "企业联络员",
    responses((status = 200, body = [LiaisonDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_list(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let list = state
        .store
        .liaison_list(dept_of(&p).map_err(AppError::json)?, "all", "")
        .await
        .map_err(|e| AppError::from(e).json())?;
    Ok(Json(
        list.into_iter()
            .map(|l| LiaisonDto {
                id: l.id,
                uscc: l.uscc,
                entity_name: l.entity_name,
                industry: l.industry,
                name: l.name_masked,
                phone: l.phone_masked,
                position: l.position,
                registered_at: l.registered_at,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

/// Issues a one-time registration code for an entity of the registry.
#[utoipa::path(post, path = "/api/v1/liaison/codes", tag = "企业联络员", request_body = CodeRequest,
    responses((status = 201, body = CodeDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_issue_code(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Response, AppError> {
    let c = do_issue(&state, &p, &body.uscc).await.map_err(AppError::json)?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ReplyCodeDto {
    pub uscc: String,
    pub entity_name: String,
    /// Shown this once.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeDto {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub target_kind: String,
    pub target_value: String,
    pub reply_by: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub recipients: i64,
    pub replied: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SentNoticeDto {
    pub notice: NoticeDto,
    pub codes: Vec<ReplyCodeDto>,
}

fn notice_dto(n: jianguan_store::liaison::Notice) -> NoticeDto {
    NoticeDto {
        id: n.id,
        title: n.title,
        body: n.body,
        target_kind: n.target_kind,
        target_value: n.target_value,
        reply_by: n.reply_by,
        created_at: n.created_at,
        recipients: n.recipients,
        replied: n.replied,
    }
}

/// Sends a notice to the department's liaisons chosen by industry or tag.
#[utoipa::path(post, path = "/api/v1/liaison/notices", tag = "企业联络员", request_body = NoticeBody,
    responses((status = 201, body = SentNoticeDto), (status = 422, body = ErrorBody)), security(("session" = [])))]
pub async fn api_send_notice(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NoticeBody>,
) -> Result<Response, AppError> {
    let sent = do_send(&state, &p, &body).await.map_err(AppError::json)?;
    Ok((
        StatusCode::CREATED,
        Json(SentNoticeDto {
            notice: notice_dto(sent.notice),
            codes: sent
                .codes
                .into_iter()
                .map(|(uscc, entity_name, code)| ReplyCodeDto { uscc, entity_name, code })
                .collect(),
        }),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct RecipientDto {
    pub uscc: String,
    pub entity_name: String,
    /// Masked name of the liaison.
    pub liaison: String,
    pub replied_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reply: String,
    pub feedback: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeRepliesDto {
    pub notice: NoticeDto,
    pub recipients: Vec<RecipientDto>,
}

/// A notice of the caller's department with its replies and feedback.
#[utoipa::path(get, path = "/api/v1/liaison/notices/{id}", tag = "企业联络员", params(("id" = i64, Path)),
    responses((status = 200, body = NoticeRepliesDto), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_notice(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (n, rs) = own_notice(&state, &p, id).await.map_err(AppError::json)?;
    Ok(Json(NoticeRepliesDto {
        notice: notice_dto(n),
        recipients: rs
            .into_iter()
            .map(|r| RecipientDto {
                uscc: r.uscc,
                entity_name: r.entity_name,
                liaison: r.liaison_masked,
                replied_at: r.replied_at,
                reply: r.reply,
                feedback: r.feedback,
            })
            .collect(),
    })
    .into_response())
}

/// Registers (or replaces) an entity's liaison with a one-time application code.
#[utoipa::path(post, path = "/api/v1/public/liaison/register", tag = "企业联络员", request_body = RegisterBody,
    responses((status = 201, body = PublicDone), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn api_register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Response, AppError> {
    let done = do_register(&state, &ip, &body).await.map_err(AppError::json)?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

/// Replies to a department's notice with its one-time reply code.
#[utoipa::path(post, path = "/api/v1/public/liaison/reply", tag = "企业联络员", request_body = ReplyBody,
    responses((status = 201, body = PublicDone), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn api_reply(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<Response, AppError> {
    let done = do_reply(&state, &ip, &body).await.map_err(AppError::json)?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}
