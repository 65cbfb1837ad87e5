//! minijinja templates, embedded in the binary (nothing is read from disk at run time).

use crate::access::{Principal, Stage};
use crate::error::AppError;
use axum::http::StatusCode;
use axum::response::Html;
use jianguan_domain::auth::Role;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use std::sync::OnceLock;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = embedded!(
    "base.html",
    "error.html",
    "login.html",
    "login_totp.html",
    "password.html",
    "totp_setup.html",
    "home.html",
    "public_index.html",
    "notifications.html",
    "admin_accounts.html",
    "admin_account_created.html",
    "admin_roles.html",
    "admin_departments.html",
    "admin_department.html",
    "admin_api_keys.html",
    "audit.html",
);

static ENV: OnceLock<Environment<'static>> = OnceLock::new();

pub fn env() -> &'static Environment<'static> {
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES.iter().chain(crate::pages::capability_templates()) {
            env.add_template(name, src).expect("template compiles");
        }
        env.add_filter("cst", cst_filter);
        env.add_filter("cst_date", cst_date_filter);
        env
    })
}

/// Formats an RFC 3339 UTC time as Beijing time (`2026-11-25 08:30`).
fn cst_filter(v: Value) -> String {
    to_cst(&v.to_string(), "%Y-%m-%d %H:%M")
}

fn cst_date_filter(v: Value) -> String {
    to_cst(&v.to_string(), "%Y-%m-%d")
}

pub fn to_cst(s: &str, fmt: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).format(fmt).to_string(),
        Err(_) => s.to_string(),
    }
}

#[derive(Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

/// Navigation by role.
pub fn nav(p: &Principal) -> Vec<NavItem> {
    let Some(u) = p.user().filter(|u| u.stage == Stage::Full) else {
        return vec![NavItem { href: "/", label: "公开信息" }];
    };
    let mut v = vec![NavItem { href: "/home", label: "工作台" }, NavItem { href: "/notifications", label: "通知" }];
    let has = |r: Role| u.account.has(r);
    if has(Role::SysAdmin) {
        v.push(NavItem { href: "/admin/accounts", label: "账号管理" });
        v.push(NavItem { href: "/admin/departments", label: "部门管理" });
    }
    if has(Role::SecAdmin) {
        v.push(NavItem { href: "/admin/roles", label: "角色授权" });
        v.push(NavItem { href: "/admin/api-keys", label: "接口密钥" });
    }
    if has(Role::AuditAdmin) {
        v.push(NavItem { href: "/audit", label: "审计日志" });
    }
    v.extend(crate::pages::registry::nav(p));
    v.extend(crate::pages::draw::nav(p));
    v.push(NavItem { href: "/", label: "公开信息" });
    v
}

/// The context every page shares: who is signed in, navigation, CSRF token.
pub fn base(p: &Principal, title: &str) -> Value {
    let user = p.user().map(|u| {
        context! {
            username => u.account.username,
            display_name => u.account.display_name,
            roles => u.account.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
            full => u.stage == Stage::Full,
        }
    });
    context! {
        title => title,
        user => user,
        nav => nav(p),
        csrf => p.user().map(|u| u.csrf.clone()).unwrap_or_default(),
    }
}

pub fn render(name: &str, ctx: Value) -> Result<Html<String>, AppError> {
    let t = env().get_template(name).map_err(|e| AppError::internal(format!("模板缺失:{e}")))?;
    t.render(ctx).map(Html).map_err(|e| {
        tracing::error!(error = %e, template = name, "template render failed");
        AppError::internal("页面生成失败")
    })
}

/// The Chinese error page (used without request state).
pub fn error_page(status: StatusCode, message: &str) -> String {
    let ctx = context! {
        title => format!("{} 错误", status.as_u16()),
        status => status.as_u16(),
        message => message,
        nav => vec![NavItem { href: "/", label: "公开信息" }],
    };
    env().get_template("error.html").and_then(|t| t.render(ctx)).unwrap_or_else(|_| {
        format!("<!doctype html><meta charset=utf-8><h1>{}</h1><p>{}</p>", status.as_u16(), message)
    })
}
