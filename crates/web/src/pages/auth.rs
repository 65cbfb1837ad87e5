//! Login (password, then TOTP where enabled), logout, password change, TOTP enrolment.

use super::safe_next;
use crate::access::ClientIp;
use crate::access::{Principal, Stage};
use crate::error::AppError;
use crate::forms::PageForm;
use crate::security::{self, PRE_CSRF_COOKIE, SESSION_COOKIE};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_domain::auth::totp;
use jianguan_store::{now, LoginAttempt, NewSession};
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    pub next: Option<String>,
    pub expired: Option<String>,
}

fn login_page(
    state: &AppState,
    p: &Principal,
    pre_csrf: &str,
    next: &str,
    error: Option<&str>,
    username: Option<&str>,
    expired: bool,
) -> Result<Response, AppError> {
    let ctx = context! {
        ..base(p, "登录"),
        ..context! {
            pre_csrf => pre_csrf,
            next => next,
            error => error,
            username => username,
            expired => expired,
            max_failures => state.config.lockout.max_failures,
            lock_minutes => state.config.lockout.lock_minutes,
        }
    };
    Ok(render("login.html", ctx)?.into_response())
}

pub async fn login_form(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if let Some(u) = p.user() {
        if u.stage == Stage::Full {
            return Ok(Redirect::to("/home").into_response());
        }
    }
    let pre = security::cookie(&headers, PRE_CSRF_COOKIE).filter(|c| c.len() >= 32).unwrap_or_else(security::token);
    let mut resp =
        login_page(&state, &Principal::Anonymous, &pre, &q.next.unwrap_or_default(), None, None, q.expired.is_some())?;
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&security::set_cookie(PRE_CSRF_COOKIE, &pre, state.config.secure_cookies, None))
            .expect("cookie"),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, AppError> {
    let t = now();
    let lock = &state.config.lockout;
    let window_start = t - chrono::Duration::minutes(lock.window_minutes);
    let pre = security::cookie(&headers, PRE_CSRF_COOKIE).unwrap_or_default();
    let username = f.username.trim().to_string();
    let fail = |msg: &str, status: StatusCode| -> Result<Response, AppError> {
        let mut r = login_page(&state, &Principal::Anonymous, &pre, &f.next, Some(msg), Some(&username), false)?;
        *r.status_mut() = status;
        Ok(r)
    };
    if username.is_empty() || f.password.is_empty() || username.len() > 64 || f.password.len() > 256 {
        return fail("请输入用户名和密码", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if state.store.ip_failures_since(&ip, window_start).await? >= lock.ip_max_failures as i64 {
        state
            .store
            .audit(jianguan_store::Actor::public().event(
                "auth.ip_throttled",
                format!("ip:{ip}"),
                serde_json::json!({ "username": username }),
            ))
            .await?;
        return fail("该地址登录失败次数过多,请稍后再试", StatusCode::TOO_MANY_REQUESTS);
    }
    let account = state.store.find_account(&username).await?;
    let attempt = |success: bool, role: &str, reason: &str| LoginAttempt {
        username: username.clone(),
        ip: ip.clone(),
        at: t,
        success,
        role: role.to_string(),
        reason: reason.to_string(),
    };
    let Some(account) = account else {
        // Same message and the same cost as a wrong password, so names cannot be probed.
        security::verify_password(
            &f.password,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3VbQ5dsC4zHkFzYEnb0zWAbGq1CCmlzN0oCD8JCuEJo",
        );
        state.store.record_login(&attempt(false, "anonymous", "unknown_user"), window_start).await?;
        return fail("用户名或密码错误", StatusCode::UNAUTHORIZED);
    };
    let role = account.roles.first().map(|r| r.code()).unwrap_or("none");
    if let Some(until) = account.locked_until.filter(|u| *u > t) {
        state.store.record_login(&attempt(false, role, "locked"), window_start).await?;
        let at = crate::templates::to_cst(&until.to_rfc3339(), "%H:%M");
        return fail(&format!("账号已锁定,请于 {at} 后再试"), StatusCode::LOCKED);
    }
    if account.disabled {
        state.store.record_login(&attempt(false, role, "disabled"), window_start).await?;
        return fail("账号已停用,请联系系统管理员", StatusCode::FORBIDDEN);
    }
    if !security::verify_password(&f.password, &account.password_hash) {
        let failures = state.store.record_login(&attempt(false, role, "bad_password"), window_start).await?;
        if failures >= lock.max_failures as i64 {
            let until = t + chrono::Duration::minutes(lock.lock_minutes);
            state.store.lock_account(account.id, until).await?;
            let at = crate::templates::to_cst(&until.to_rfc3339(), "%H:%M");
            return fail(&format!("密码连续错误 {failures} 次,账号已锁定,请于 {at} 后再试"), StatusCode::LOCKED);
        }
        let left = lock.max_failures as i64 - failures;
        return fail(&format!("用户名或密码错误(再错 {left} 次将锁定账号)"), StatusCode::UNAUTHORIZED);
    }
    state
        .store
        .record_login(&attempt(true, role, if account.totp_enabled { "password_ok" } else { "ok" }), window_start)
        .await?;
    // Session fixation: a session id is only ever minted here, after the password.
    if let Some(old) = security::cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&security::sha256_hex(&old), t).await?;
    }
    let raw = security::token();
    state
        .store
        .create_session(&NewSession {
            id_hash: security::sha256_hex(&raw),
            account_id: account.id,
            csrf_token: security::token(),
            at: t,
            ip,
            user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string(),
            totp_passed: !account.totp_enabled,
        })
        .await?;
    let target = if account.totp_enabled {
        format!("/login/totp?next={}", urlencoding::encode(&safe_next(Some(&f.next))))
    } else {
        safe_next(Some(&f.next))
    };
    let mut resp = Redirect::to(&target).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_str(&security::set_cookie(SESSION_COOKIE, &raw, state.config.secure_cookies, None))
            .expect("cookie"),
    );
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_str(&security::clear_cookie(PRE_CSRF_COOKIE, state.config.secure_cookies)).expect("cookie"),
    );
    Ok(resp)
}

pub async fn totp_form(p: Principal) -> Result<Response, AppError> {
    Ok(render("login_totp.html", base(&p, "两步验证"))?.into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub code: String,
}

pub async fn totp_verify(
    State(state): State<AppState>,
    p: Principal,
    ClientIp(ip): ClientIp,
    Query(q): Query<LoginQuery>,
    PageForm(f): PageForm<CodeForm>,
) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    if u.stage != Stage::TotpPending {
        return Ok(Redirect::to("/home").into_response());
    }
    let t = now();
    let secret = u
        .account
        .totp_secret
        .as_deref()
        .and_then(|s| state.cipher.decrypt(s).ok())
        .and_then(|hex| hex::decode(hex).ok())
        .ok_or_else(|| AppError::internal("两步验证密钥无法读取,请联系安全管理员重置"))?;
    let counter = totp::verify(&secret, t.timestamp(), &f.code);
    let accepted = match counter {
        Some(c) => state.store.use_totp_counter(u.account.id, c).await?,
        None => false,
    };
    let window_start = t - chrono::Duration::minutes(state.config.lockout.window_minutes);
    let role = u.account.roles.first().map(|r| r.code()).unwrap_or("none").to_string();
    let attempt = LoginAttempt {
        username: u.account.username.clone(),
        ip,
        at: t,
        success: accepted,
        role,
        reason: if accepted { "totp_ok".into() } else { "bad_totp".into() },
    };
    let failures = state.store.record_login(&attempt, window_start).await?;
    if !accepted {
        if failures >= state.config.lockout.max_failures as i64 {
            state
                .store
                .lock_account(u.account.id, t + chrono::Duration::minutes(state.config.lockout.lock_minutes))
                .await?;
            state.store.end_session(&u.session_hash, t).await?;
            return Ok(Redirect::to("/login").into_response());
        }
        let ctx = context! { ..base(&p, "两步验证"), ..context! { error => "验证码错误或已使用,请输入验证器当前显示的 6 位数字" } };
        let mut r = render("login_totp.html", ctx)?.into_response();
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(r);
    }
    state.store.set_session_totp_passed(&u.session_hash).await?;
    Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response())
}

pub async fn logout(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    if let Some(u) = p.user() {
        state.store.end_session(&u.session_hash, now()).await?;
        state
            .store
            .audit(p.actor().event("auth.logout", format!("account:{}", u.account.id), serde_json::json!({})))
            .await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&security::clear_cookie(SESSION_COOKIE, state.config.secure_cookies)).expect("cookie"),
    );
    Ok(resp)
}

fn password_page(
    state: &AppState,
    p: &Principal,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let forced = p.user().map(|u| u.stage == Stage::MustChangePassword).unwrap_or(false);
    let ctx = context! { ..base(p, "修改密码"), ..context! { forced => forced, error => error, policy => state.config.password.clone() } };
    let mut r = render("password.html", ctx)?.into_response();
    *r.status_mut() = status;
    Ok(r)
}

pub async fn password_form(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    password_page(&state, &p, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    pub current: String,
    pub new_password: String,
    pub confirm: String,
}

pub async fn password_change(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let bad = |m: &str| password_page(&state, &p, Some(m), StatusCode::UNPROCESSABLE_ENTITY);
    if !security::verify_password(&f.current, &u.account.password_hash) {
        state
            .store
            .audit(p.actor().event(
                "account.password_change_failed",
                format!("account:{}", u.account.id),
                serde_json::json!({}),
            ))
            .await?;
        return bad("当前密码不正确");
    }
    if f.new_password != f.confirm {
        return bad("两次输入的新密码不一致");
    }
    if let Err(e) = state.config.password.check(&f.new_password, &u.account.username) {
        return bad(&e.to_string());
    }
    let history = state.store.password_history(u.account.id, state.config.password.history.max(1)).await?;
    if history.iter().any(|h| security::verify_password(&f.new_password, h)) {
        return bad(&jianguan_domain::auth::PasswordError::Reused(state.config.password.history).to_string());
    }
    state.store.set_password(&p.actor(), u.account.id, &security::hash_password(&f.new_password), false).await?;
    Ok(Redirect::to("/home").into_response())
}

async fn totp_page(state: &AppState, p: &Principal, error: Option<&str>) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let account = state.store.get_account(u.account.id).await?;
    let required = u.stage == Stage::TotpEnrol;
    if account.totp_enabled {
        return Ok(render("totp_setup.html", context! { ..base(p, "两步验证"), ..context! { enabled => true } })?
            .into_response());
    }
    let secret_hex = match account.totp_secret.as_deref().and_then(|s| state.cipher.decrypt(s).ok()) {
        Some(s) => s,
        None => {
            let s = hex::encode(security::random_bytes::<20>());
            let sealed = state.cipher.encrypt(&s, security::random_bytes::<16>());
            state.store.set_totp(&p.actor(), account.id, Some(&sealed), false).await?;
            s
        }
    };
    let secret = hex::decode(&secret_hex).map_err(|_| AppError::internal("两步验证密钥损坏"))?;
    let ctx = context! {
        ..base(p, "两步验证"),
        ..context! {
            required => required,
            error => error,
            secret => totp::secret_base32(&secret),
            uri => totp::otpauth_uri(&secret, &account.username, "jianguan"),
        }
    };
    Ok(render("totp_setup.html", ctx)?.into_response())
}

pub async fn totp_setup_form(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    totp_page(&state, &p, None).await
}

pub async fn totp_enable(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<CodeForm>,
) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let account = state.store.get_account(u.account.id).await?;
    if account.totp_enabled {
        return Ok(Redirect::to("/home").into_response());
    }
    let sealed = account.totp_secret.clone().ok_or_else(|| AppError::bad_request("请先打开两步验证页面获取密钥"))?;
    let secret = state
        .cipher
        .decrypt(&sealed)
        .ok()
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| AppError::internal("两步验证密钥损坏"))?;
    match totp::verify(&secret, now().timestamp(), &f.code) {
        Some(c) => {
            state.store.set_totp(&p.actor(), account.id, Some(&sealed), true).await?;
            state.store.use_totp_counter(account.id, c).await?;
            Ok(Redirect::to("/home").into_response())
        }
        None => {
            let mut r = totp_page(&state, &p, Some("验证码不正确,请核对手机时间后重试")).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
