//! Who is calling (session cookie, API key, or nobody), what each route allows, CSRF, and
//! session timeouts. One middleware does all of it, after routing, so it knows the
//! matched route and looks its rule up in the route table (unknown → denied).

use crate::error::AppError;
use crate::security::{self, PRE_CSRF_COOKIE, SESSION_COOKIE};
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_domain::auth::Role;
use jianguan_store::{now, Account, Actor, ApiKey};
use std::net::SocketAddr;

/// Where a signed-in user stands: only `Full` sessions reach ordinary pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Full,
    /// First login or reset: the password must be changed first.
    MustChangePassword,
    /// Password accepted; the second factor is still due.
    TotpPending,
    /// An administrator without a second factor must enrol one first.
    TotpEnrol,
}

#[derive(Debug, Clone)]
pub struct User {
    pub account: Account,
    pub session_hash: String,
    pub csrf: String,
    pub stage: Stage,
}

#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    User(Box<User>),
    ApiKey(Box<ApiKey>),
}

impl Principal {
    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::User(u) => Some(u),
            _ => None,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.user().map(|u| u.stage == Stage::Full && u.account.has(role)).unwrap_or(false)
    }

    /// The department whose non-public data this caller may see.
    pub fn department_id(&self) -> Option<i64> {
        match self {
            Principal::User(u) => Some(u.account.department_id),
            Principal::ApiKey(k) => Some(k.department_id),
            Principal::Anonymous => None,
        }
    }

    /// The actor written into audit entries. A user acts under their first role.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Anonymous => Actor::public(),
            Principal::User(u) => Actor {
                name: u.account.username.clone(),
                role: u.account.roles.first().map(|r| r.code()).unwrap_or("none").to_string(),
                account_id: Some(u.account.id),
                department_id: Some(u.account.department_id),
            },
            Principal::ApiKey(k) => Actor {
                name: format!("api-key:{}", k.prefix),
                role: "api".into(),
                account_id: None,
                department_id: Some(k.department_id),
            },
        }
    }

    pub fn actor_as(&self, role: Role) -> Actor {
        let mut a = self.actor();
        a.role = role.code().to_string();
        a
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Principal {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        Ok(parts.extensions.get::<Principal>().cloned().unwrap_or(Principal::Anonymous))
    }
}

/// A route's access rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in session, whatever its stage (logout).
    AnySession,
    /// A session in this stage, or a full one (password change, TOTP pages).
    Stage(Stage),
    /// Any fully signed-in user.
    Authenticated,
    /// A fully signed-in user holding one of these roles.
    Roles(&'static [Role]),
    /// An API key with this scope, or a user holding one of these roles.
    ApiKeyOr(&'static str, &'static [Role]),
}

/// The caller's address (from the connection; tests without one count as loopback).
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "127.0.0.1".into()),
        ))
    }
}

fn client_ip(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into())
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Resolves the principal from the session cookie or the API key.
async fn resolve(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ip: &str,
) -> Result<(Principal, Option<&'static str>), AppError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or("").trim();
        let Some((prefix, _)) = token.split_once('.') else {
            return Err(AppError::new(StatusCode::UNAUTHORIZED, "bad_api_key", "接口密钥格式错误").json());
        };
        let key = state.store.find_api_key(prefix).await?;
        return match key {
            Some(k) if k.revoked_at.is_none() && security::same(&security::sha256_hex(token), &k.key_hash) => {
                if k.last_used_at.map(|t| now() - t > chrono::Duration::minutes(1)).unwrap_or(true) {
                    state.store.touch_api_key(k.id, now()).await?;
                }
                Ok((Principal::ApiKey(Box::new(k)), None))
            }
            _ => {
                state
                    .store
                    .audit(Actor::public().event(
                        "auth.api_key_rejected",
                        format!("api_key:{prefix}"),
                        serde_json::json!({ "ip": ip }),
                    ))
                    .await?;
                Err(AppError::new(StatusCode::UNAUTHORIZED, "bad_api_key", "接口密钥无效或已吊销").json())
            }
        };
    }
    let Some(raw) = security::cookie(headers, SESSION_COOKIE) else {
        return Ok((Principal::Anonymous, None));
    };
    let hash = security::sha256_hex(&raw);
    let Some(sess) = state.store.get_session(&hash).await? else {
        return Ok((Principal::Anonymous, Some("invalid")));
    };
    if sess.ended_at.is_some() {
        return Ok((Principal::Anonymous, Some("ended")));
    }
    let account = state.store.get_account(sess.account_id).await?;
    let t = now();
    let policy = &state.config.session;
    let idle = chrono::Duration::minutes(policy.idle_for(&account.roles));
    let absolute = chrono::Duration::hours(policy.absolute_hours);
    if account.disabled || t - sess.last_seen_at > idle || t - sess.created_at > absolute {
        state.store.end_session(&hash, t).await?;
        state
            .store
            .audit(
                Actor {
                    name: account.username.clone(),
                    role: "session".into(),
                    account_id: Some(account.id),
                    department_id: Some(account.department_id),
                }
                .event(
                    "auth.session_expired",
                    format!("account:{}", account.id),
                    serde_json::json!({}),
                ),
            )
            .await?;
        return Ok((Principal::Anonymous, Some("expired")));
    }
    if t - sess.last_seen_at > chrono::Duration::seconds(30) {
        state.store.touch_session(&hash, t).await?;
    }
    let stage = if !sess.totp_passed {
        Stage::TotpPending
    } else if account.must_change_password {
        Stage::MustChangePassword
    } else if account.is_admin() && !account.totp_enabled {
        Stage::TotpEnrol
    } else {
        Stage::Full
    };
    Ok((Principal::User(Box::new(User { account, session_hash: hash, csrf: sess.csrf_token, stage })), None))
}

fn stage_home(stage: Stage) -> &'static str {
    match stage {
        Stage::Full => "/home",
        Stage::MustChangePassword => "/account/password",
        Stage::TotpPending => "/login/totp",
        Stage::TotpEnrol => "/account/totp",
    }
}

/// Decides a request against its route's rule: `Ok(())` or the response to send.
fn decide(access: Access, principal: &Principal, api: bool, path: &str) -> Result<(), Box<Response>> {
    let deny_anon = || {
        if api {
            AppError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录或提供接口密钥").json().into_response()
        } else {
            Redirect::to(&format!("/login?next={}", urlencoding::encode(path))).into_response()
        }
    };
    let forbidden = || {
        let e = AppError::forbidden("您的账号无权访问此功能");
        if api { e.json() } else { e }.into_response()
    };
    match (access, principal) {
        (Access::Public, _) => Ok(()),
        (_, Principal::Anonymous) => Err(Box::new(deny_anon())),
        (Access::AnySession, Principal::User(_)) => Ok(()),
        (Access::Stage(s), Principal::User(u)) if u.stage == s || u.stage == Stage::Full => Ok(()),
        (_, Principal::User(u)) if u.stage != Stage::Full => {
            if api {
                Err(Box::new(AppError::forbidden("请先完成登录步骤(修改初始密码或两步验证)").json().into_response()))
            } else {
                Err(Box::new(Redirect::to(stage_home(u.stage)).into_response()))
            }
        }
        (Access::Stage(_), _) => Err(Box::new(forbidden())),
        (Access::Authenticated, Principal::User(_)) => Ok(()),
        (Access::Roles(roles), Principal::User(u)) | (Access::ApiKeyOr(_, roles), Principal::User(u)) => {
            if roles.iter().any(|r| u.account.has(*r)) {
                Ok(())
            } else {
                Err(Box::new(forbidden()))
            }
        }
        (Access::ApiKeyOr(scope, _), Principal::ApiKey(k)) => {
            if k.scopes.iter().any(|s| s == scope) {
                Ok(())
            } else {
                Err(Box::new(AppError::forbidden(format!("接口密钥没有“{scope}”权限")).json().into_response()))
            }
        }
        (_, Principal::ApiKey(_)) => {
            Err(Box::new(AppError::forbidden("接口密钥不能访问此功能").json().into_response()))
        }
    }
}

fn is_state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Finds the CSRF token a request carries: header, query, or urlencoded body field.
/// Returns the request rebuilt around the buffered body.
#[allow(clippy::result_large_err)] // Both sides are large; this runs once per state-changing request.
async fn csrf_token_of(req: Request, limit: usize) -> Result<(Option<String>, Request), Response> {
    if let Some(v) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Ok((Some(v.to_string()), req));
    }
    if let Some(q) = req.uri().query() {
        if let Some(v) = form_urlencoded_get(q, "_csrf") {
            return Ok((Some(v), req));
        }
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.starts_with("application/x-www-form-urlencoded"))
        .unwrap_or(false);
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "提交的内容超过大小限制").into_response()
    })?;
    let token = form_urlencoded_get(&String::from_utf8_lossy(&bytes), "_csrf");
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

pub fn form_urlencoded_get(s: &str, key: &str) -> Option<String> {
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| urlencoding::decode(&v.replace('+', " ")).ok().map(|c| c.into_owned()))
}

/// The one access middleware (installed with `Router::layer`, so it runs after routing).
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let api = is_api(&path);
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let Some(matched) = matched else {
        return next.run(req).await;
    };
    if crate::routes::access_of(&method, &matched).is_none() && crate::routes::path_known(&matched) {
        // Another method of a known path: the router answers 405.
        return next.run(req).await;
    }
    let Some(access) = crate::routes::access_of(&method, &matched) else {
        // Fail closed: a route missing from the table is reachable by nobody.
        tracing::error!(%method, route = %matched, "route has no access rule");
        return AppError::forbidden("该功能未配置访问规则").into_response();
    };
    let ip = client_ip(&req);
    let headers = req.headers().clone();
    let (principal, session_note) = match resolve(&state, &headers, &ip).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    // CSRF: cookie sessions need their session token; anonymous browser forms need the
    // double-submit token; API-key calls carry no ambient credential and need none.
    let mut req = req;
    if is_state_changing(&method) && !matches!(principal, Principal::ApiKey(_)) {
        let (token, rebuilt) = match csrf_token_of(req, state.config.upload.max_body_bytes).await {
            Ok(x) => x,
            Err(resp) => return resp,
        };
        req = rebuilt;
        let ok = match &principal {
            Principal::User(u) => token.as_deref().map(|t| security::same(t, &u.csrf)).unwrap_or(false),
            _ => {
                let is_json = req
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.starts_with("application/json"))
                    .unwrap_or(false);
                let cookie = security::cookie(req.headers(), PRE_CSRF_COOKIE);
                // An anonymous JSON call has no ambient credential (and cannot be sent
                // cross-site without a CORS preflight), so it needs no token.
                (is_json && security::cookie(req.headers(), SESSION_COOKIE).is_none())
                    || matches!((token.as_deref(), cookie.as_deref()), (Some(t), Some(c)) if !t.is_empty() && security::same(t, c))
            }
        };
        if !ok {
            let actor = principal.actor();
            let _ = state
                .store
                .audit(actor.event(
                    "auth.csrf_rejected",
                    format!("route:{method} {matched}"),
                    serde_json::json!({ "ip": ip }),
                ))
                .await;
            let e = AppError::new(StatusCode::FORBIDDEN, "csrf", "页面已过期或请求来源无法验证(CSRF),请刷新页面后重试");
            return if api { e.json() } else { e }.into_response();
        }
    }
    if let Err(resp) = decide(access, &principal, api, &path) {
        let resp = *resp;
        if resp.status() == StatusCode::FORBIDDEN {
            let _ = state
                .store
                .audit(principal.actor().event(
                    "auth.denied",
                    format!("route:{method} {matched}"),
                    serde_json::json!({ "ip": ip, "path": path }),
                ))
                .await;
        }
        let mut resp = resp;
        if session_note == Some("expired") && !api {
            resp = Redirect::to(&format!("/login?expired=1&next={}", urlencoding::encode(&path))).into_response();
        }
        if session_note.is_some() {
            resp.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&security::clear_cookie(SESSION_COOKIE, state.config.secure_cookies))
                    .expect("cookie"),
            );
        }
        return resp;
    }
    let authenticated = principal.user().is_some();
    req.extensions_mut().insert(principal);
    let mut resp = next.run(req).await;
    if authenticated && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_field() {
        assert_eq!(form_urlencoded_get("a=1&_csrf=x%2By&b=2", "_csrf").as_deref(), Some("x+y"));
        assert_eq!(form_urlencoded_get("a=1", "_csrf"), None);
    }
}
