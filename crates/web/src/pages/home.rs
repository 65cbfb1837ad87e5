//! The home dashboard per role, notifications, the public portal, static assets and
//! the operational endpoints (`/healthz`, `/metrics`).

use crate::access::Principal;
use crate::error::AppError;
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_domain::auth::Role;
use minijinja::context;
use serde::Serialize;

#[derive(Serialize)]
pub struct Card {
    pub title: String,
    pub stats: Vec<(String, String)>,
    pub links: Vec<(String, String)>,
}

/// The cards a user's roles put on their dashboard.
async fn cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    let mut out = Vec::new();
    if p.has(Role::SysAdmin) {
        let accounts = state.store.list_accounts().await?;
        let units = state.store.list_units().await?;
        out.push(Card {
            title: "系统管理".into(),
            stats: vec![
                ("账号".into(), accounts.len().to_string()),
                ("已停用".into(), accounts.iter().filter(|a| a.disabled).count().to_string()),
                (
                    "部门".into(),
                    units
                        .iter()
                        .filter(|u| u.kind == jianguan_store::UnitKind::Department && u.active)
                        .count()
                        .to_string(),
                ),
                (
                    "部门组".into(),
                    units.iter().filter(|u| u.kind == jianguan_store::UnitKind::Group).count().to_string(),
                ),
            ],
            links: vec![
                ("/admin/accounts".into(), "账号管理".into()),
                ("/admin/departments".into(), "部门管理".into()),
            ],
        });
    }
    if p.has(Role::SecAdmin) {
        let accounts = state.store.list_accounts().await?;
        let keys = state.store.list_api_keys().await?;
        out.push(Card {
            title: "安全管理".into(),
            stats: vec![
                (
                    "未授权账号".into(),
                    accounts.iter().filter(|a| a.roles.is_empty() && !a.disabled).count().to_string(),
                ),
                (
                    "未启用两步验证".into(),
                    accounts.iter().filter(|a| !a.totp_enabled && !a.disabled).count().to_string(),
                ),
                ("有效接口密钥".into(), keys.iter().filter(|k| k.revoked_at.is_none()).count().to_string()),
            ],
            links: vec![("/admin/roles".into(), "角色授权".into()), ("/admin/api-keys".into(), "接口密钥".into())],
        });
    }
    if p.has(Role::AuditAdmin) {
        let n = state.store.audit_count().await?;
        let cps = state.store.audit_checkpoints().await?;
        out.push(Card {
            title: "安全审计".into(),
            stats: vec![
                ("审计记录".into(), n.to_string()),
                (
                    "最近签名检查点".into(),
                    cps.last().map(|c| format!("第 {} 条", c.seq)).unwrap_or_else(|| "尚无".into()),
                ),
            ],
            links: vec![("/audit".into(), "审计日志".into()), ("/audit?action=auth.".into(), "登录与授权记录".into())],
        });
    }
    out.extend(crate::pages::capability_cards(state, p).await?);
    Ok(out)
}

pub async fn home(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let dept = state.store.get_unit(u.account.department_id).await?;
    let notes = state.store.notifications_for(dept.id, u.account.id, 8).await?;
    let unread = notes.iter().filter(|n| n.read_at.is_none()).count();
    let ctx = context! {
        ..base(&p, "工作台"),
        ..context! { department => dept.name, notifications => notes, unread => unread, cards => cards(&state, &p).await? }
    };
    Ok(render("home.html", ctx)?.into_response())
}

pub async fn notifications(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    let items = state.store.notifications_for(u.account.department_id, u.account.id, 200).await?;
    Ok(render("notifications.html", context! { ..base(&p, "通知"), ..context! { items => items } })?.into_response())
}

pub async fn notification_read(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    state.store.mark_notification_read(id, u.account.department_id, u.account.id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Serialize)]
pub struct PublicSection {
    pub title: &'static str,
    pub text: &'static str,
    pub href: Option<&'static str>,
}

/// The public sections of the portal, in the order of the seed.
pub fn public_sections() -> Vec<PublicSection> {
    let mut v = vec![PublicSection {
        title: "南开政发〔2021〕8号",
        text: "南开区落实天津市人民政府关于加强和规范事中事后监管的实施意见工作举措(2021年9月23日印发):明确总体目标、加强组织领导、细化职责分工、强化业务培训、加强政策宣传,附工作责任台账和承接市级机关工作任务台账。",
        href: None,
    }];
    v.extend(crate::pages::capability_sections());
    v
}

pub async fn public_index(p: Principal) -> Result<Response, AppError> {
    Ok(render("public_index.html", context! { ..base(&p, "公开信息"), ..context! { sections => public_sections() } })?
        .into_response())
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// Liveness and store reachability.
#[utoipa::path(get, path = "/healthz", tag = "运维", responses((status = 200, description = "服务与数据库正常"), (status = 503, description = "数据库不可用")))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.get_meta("schema_ready").await {
        Ok(_) => {
            (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok", "store": state.store.backend().name() })))
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable", "store": state.store.backend().name() })),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render()).into_response()
}
