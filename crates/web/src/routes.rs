//! The route table: every route once, with its access rule. The router is built from it,
//! the access middleware enforces it, and the authorisation-matrix test reads it.

use crate::access::{Access, Stage as St};
use crate::pages::{admin, audit, auth, home};
use crate::{api, error, metrics, AppState};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use jianguan_domain::auth::Role::{self, *};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

pub fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> RouteDef {
    RouteDef { method, path, access, handler }
}

const SYS: &[Role] = &[SysAdmin];
const SEC: &[Role] = &[SecAdmin];
const AUD: &[Role] = &[AuditAdmin];

/// Every route of the application.
pub fn table() -> Vec<RouteDef> {
    let mut t = foundation();
    t.extend(crate::pages::capability_routes());
    t
}

fn foundation() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        // Public portal and operations.
        r(M::GET, "/", Public, get(home::public_index)),
        r(M::GET, "/static/app.css", Public, get(home::stylesheet)),
        r(M::GET, "/healthz", Public, get(home::healthz)),
        r(M::GET, "/metrics", Public, get(home::metrics)),
        r(M::GET, "/api/v1/openapi.json", Public, get(api::openapi)),
        // Sign-in.
        r(M::GET, "/login", Public, get(auth::login_form)),
        r(M::POST, "/login", Public, post(auth::login)),
        r(M::GET, "/login/totp", Stage(St::TotpPending), get(auth::totp_form)),
        r(M::POST, "/login/totp", Stage(St::TotpPending), post(auth::totp_verify)),
        r(M::POST, "/logout", AnySession, post(auth::logout)),
        r(M::GET, "/account/password", Stage(St::MustChangePassword), get(auth::password_form)),
        r(M::POST, "/account/password", Stage(St::MustChangePassword), post(auth::password_change)),
        r(M::GET, "/account/totp", Stage(St::TotpEnrol), get(auth::totp_setup_form)),
        r(M::POST, "/account/totp", Stage(St::TotpEnrol), post(auth::totp_enable)),
        // Everyone signed in.
        r(M::GET, "/home", Authenticated, get(home::home)),
        r(M::GET, "/notifications", Authenticated, get(home::notifications)),
        r(M::POST, "/notifications/{id}/read", Authenticated, post(home::notification_read)),
        r(M::GET, "/api/v1/me", Authenticated, get(api::me)),
        r(M::GET, "/api/v1/departments", ApiKeyOr("org:read", &Role::ALL), get(api::departments)),
        // 系统管理员: accounts and departments.
        r(M::GET, "/admin/accounts", Roles(SYS), get(admin::accounts)),
        r(M::POST, "/admin/accounts", Roles(SYS), post(admin::account_create)),
        r(M::POST, "/admin/accounts/{id}/disable", Roles(SYS), post(admin::account_disable)),
        r(M::POST, "/admin/accounts/{id}/enable", Roles(SYS), post(admin::account_enable)),
        r(M::POST, "/admin/accounts/{id}/reset-password", Roles(SYS), post(admin::account_reset_password)),
        r(M::GET, "/admin/departments", Roles(SYS), get(admin::departments)),
        r(M::POST, "/api/v1/departments", Roles(SYS), post(api::create_department)),
        r(M::POST, "/admin/departments", Roles(SYS), post(admin::department_create)),
        r(M::GET, "/admin/departments/{id}", Roles(SYS), get(admin::department)),
        r(M::POST, "/admin/departments/{id}/rename", Roles(SYS), post(admin::department_rename)),
        r(M::POST, "/admin/departments/{id}/merge", Roles(SYS), post(admin::department_merge)),
        r(M::POST, "/admin/departments/{id}/members", Roles(SYS), post(admin::group_members)),
        // 安全管理员: roles, second factors, API keys.
        r(M::GET, "/admin/roles", Roles(SEC), get(admin::roles)),
        r(M::POST, "/admin/roles/{id}", Roles(SEC), post(admin::roles_set)),
        r(M::POST, "/admin/roles/{id}/reset-totp", Roles(SEC), post(admin::totp_reset)),
        r(M::GET, "/admin/api-keys", Roles(SEC), get(admin::api_keys)),
        r(M::POST, "/admin/api-keys", Roles(SEC), post(admin::api_key_create)),
        r(M::POST, "/admin/api-keys/{id}/revoke", Roles(SEC), post(admin::api_key_revoke)),
        // 审计管理员: the audit trail, read only.
        r(M::GET, "/audit", Roles(AUD), get(audit::audit_page)),
        r(M::GET, "/audit/export.csv", Roles(AUD), get(audit::audit_export)),
        r(M::GET, "/audit/checkpoints.json", Roles(AUD), get(audit::checkpoints)),
        r(M::GET, "/api/v1/audit", Roles(AUD), get(api::audit)),
    ]
}

fn access_map() -> &'static HashMap<(Method, &'static str), Access> {
    static MAP: OnceLock<HashMap<(Method, &'static str), Access>> = OnceLock::new();
    MAP.get_or_init(|| table().into_iter().map(|d| ((d.method, d.path), d.access)).collect())
}

/// The rule for a matched route (HEAD follows GET).
pub fn access_of(method: &Method, path: &str) -> Option<Access> {
    let m = if *method == Method::HEAD { Method::GET } else { method.clone() };
    access_map().get(&(m, path)).copied()
}

/// Whether any method is routed at this path.
pub fn path_known(path: &str) -> bool {
    access_map().keys().any(|(_, p)| *p == path)
}

#[derive(Clone, Default)]
struct RequestIds(std::sync::Arc<AtomicU64>);

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let salt = hex::encode(crate::security::random_bytes::<3>());
        HeaderValue::from_str(&format!("{salt}-{n}")).ok().map(RequestId::new)
    }
}

async fn not_found(uri: axum::http::Uri) -> error::AppError {
    let e = error::AppError::not_found("页面或资源不存在");
    if crate::access::is_api(uri.path()) {
        e.json()
    } else {
        e
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for d in table() {
        router = router.route(d.path, d.handler);
    }
    let body_limit = state.config.upload.max_body_bytes;
    let x_request_id = header::HeaderName::from_static("x-request-id");
    router
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), crate::access::enforce))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(from_fn(error::shape_errors))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<axum::body::Body>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, RequestIds::default()))
        .with_state(state)
}
