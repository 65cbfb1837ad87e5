//! `/api/v1`: the JSON API for other government systems (API keys) and for the UI
//! (cookie session + CSRF header). One error shape: `{"code": "...", "message": "..."}`.

use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jianguan_store::{AuditFilter, UnitKind};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// API key scopes a security administrator can grant: (code, label).
pub const SCOPES: &[(&str, &str)] = &[
    ("org:read", "读取部门与部门组"),
    ("licences:write", "推送许可与备案信息(审管衔接)"),
    ("entities:read", "查询检查对象名录库"),
    ("lists:read", "读取事项清单"),
    ("credit:read", "查询信用与联合奖惩措施"),
    ("credit:export", "按变更序号批量导出信用记录(市级信用平台)"),
    ("trace:write", "上传追溯数据"),
    ("ledger:read", "读取工作责任台账(本部门承担的任务)"),
    ("ledger:write", "报送台账进展与佐证材料(本部门)"),
    ("annual_reports:write", "推送市场主体年报报送情况"),
    ("publicity:write", "起草、提交和撤回政策宣传信息"),
    ("liaison:read", "读取本部门企业联络员名录(脱敏)和通知回复"),
    ("training:read", "读取培训记录和各部门培训情况"),
    ("association:write", "登记行业协会商会"),
    ("trace:write", "上传追溯事件(批量)、报告产品质量安全事故"),
    ("trace:read", "查询产品来源和去向"),
];

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `department` or `group`.
    pub kind: String,
    pub aliases: Vec<String>,
    pub active: bool,
    pub merged_into: Option<i64>,
    /// Member department ids (groups only).
    pub members: Vec<i64>,
}

/// Departments and groups (区各相关部门 …).
#[utoipa::path(get, path = "/api/v1/departments", tag = "组织",
    responses((status = 200, body = [UnitDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn departments(State(state): State<AppState>) -> Result<Json<Vec<UnitDto>>, AppError> {
    let units = state.store.list_units().await.map_err(|e| AppError::from(e).json())?;
    Ok(Json(units.into_iter().map(unit_dto).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewDepartment {
    /// Short code: letters, digits, `-` and `_`, at most 32.
    pub code: String,
    pub name: String,
    /// `department` (default) or `group`.
    #[serde(default)]
    pub kind: Option<String>,
}

fn unit_dto(u: jianguan_store::Unit) -> UnitDto {
    UnitDto {
        id: u.id,
        code: u.code,
        name: u.name,
        kind: if u.kind == UnitKind::Group { "group" } else { "department" }.into(),
        aliases: u.aliases,
        active: u.active,
        merged_into: u.merged_into,
        members: u.members,
    }
}

/// Creates a department or group (系统管理员).
#[utoipa::path(post, path = "/api/v1/departments", tag = "组织", request_body = NewDepartment,
    responses((status = 201, body = UnitDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn create_department(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewDepartment>,
) -> Result<Response, AppError> {
    let kind = UnitKind::parse(body.kind.as_deref().unwrap_or("department")).ok_or_else(|| {
        AppError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid", "kind 只能是 department 或 group").json()
    })?;
    let u = state
        .store
        .create_department(&p.actor_as(jianguan_domain::auth::Role::SysAdmin), &body.code, &body.name, kind)
        .await
        .map_err(|e| AppError::from(e).json())?;
    Ok((axum::http::StatusCode::CREATED, Json(unit_dto(u))).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    /// Role codes, e.g. `dept_staff`.
    pub roles: Vec<String>,
    /// The CSRF token to send as `X-CSRF-Token` on state-changing calls.
    pub csrf_token: String,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "账号", responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)), security(("session" = [])))]
pub async fn me(p: Principal) -> Result<Json<MeDto>, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("仅限登录用户").json())?;
    Ok(Json(MeDto {
        username: u.account.username.clone(),
        display_name: u.account.display_name.clone(),
        department_id: u.account.department_id,
        roles: u.account.roles.iter().map(|r| r.code().to_string()).collect(),
        csrf_token: u.csrf.clone(),
    }))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
pub struct AuditParams {
    /// UTC RFC 3339 lower bound.
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    /// Action prefix, e.g. `auth.`.
    pub action: Option<String>,
    pub object: Option<String>,
    /// Entries after this sequence number, ascending (for incremental export).
    pub after_seq: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub detail: String,
    pub payload_hash: String,
    pub prev_hash: String,
    pub hash: String,
    pub algo: String,
}

/// The audit trail (审计管理员 only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "审计", params(AuditParams),
    responses((status = 200, body = [AuditEntryDto]), (status = 403, body = ErrorBody)), security(("session" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditParams>,
) -> Result<Response, AppError> {
    let f = AuditFilter {
        from: q.from,
        to: q.to,
        actor: q.actor,
        action: q.action,
        object: q.object,
        after_seq: q.after_seq,
        limit: q.limit.unwrap_or(200).clamp(1, 10_000),
    };
    let entries = state.store.audit_search(&f).await.map_err(|e| AppError::from(e).json())?;
    state
        .store
        .audit(p.actor().event("audit.read_api", "audit_log", serde_json::json!({ "rows": entries.len() })))
        .await
        .map_err(|e| AppError::from(e).json())?;
    let out: Vec<AuditEntryDto> = entries
        .into_iter()
        .map(|e| AuditEntryDto {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            role: e.role,
            action: e.action,
            object: e.object,
            detail: e.detail,
            payload_hash: e.payload_hash,
            prev_hash: e.prev_hash,
            hash: e.hash,
            algo: e.algo,
        })
        .collect();
    Ok(Json(out).into_response())
}

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("部门接口密钥:Authorization: Bearer jgk_xxxx.yyyy"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "jg_session",
                "登录会话;改变状态的请求还须带 X-CSRF-Token",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "jianguan 事中事后监管平台 API", version = "1", description = "南开区事中事后监管平台的 JSON 接口。错误统一为 {\"code\", \"message\"}。"),
    paths(crate::pages::home::healthz, departments, create_department, me, audit),
    components(schemas(ErrorBody, UnitDto, NewDepartment, MeDto, AuditEntryDto)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    crate::pages::capability_openapi(&mut doc);
    doc.to_pretty_json().expect("openapi serialises")
}

pub async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}
