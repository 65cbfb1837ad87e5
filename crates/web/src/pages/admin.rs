//! The three separated administrator powers: accounts (系统管理员), departments
//! (系统管理员), roles and API keys (安全管理员).

use super::department_names;
use crate::access::Principal;
use crate::error::AppError;
use crate::forms::PageForm;
use crate::security;
use crate::templates::{base, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianguan_domain::auth::Role;
use jianguan_store::{NewAccount, NewApiKey, Unit, UnitKind};
use minijinja::context;
use serde::Deserialize;

/// All `key=value` pairs of a urlencoded body, repeated keys kept (checkbox lists).
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| {
            let d = |s: &str| urlencoding::decode(&s.replace('+', " ")).ok().map(|c| c.into_owned());
            Some((d(k)?, d(v)?))
        })
        .collect()
}

fn with_error(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

fn active_departments(units: &[Unit]) -> Vec<&Unit> {
    units.iter().filter(|u| u.kind == UnitKind::Department && u.active).collect()
}

// --- accounts (系统管理员) --------------------------------------------------------------

async fn accounts_page(state: &AppState, p: &Principal, error: Option<String>) -> Result<Response, AppError> {
    let units = state.store.list_units().await?;
    let names = department_names(state).await?;
    let now = jianguan_store::now();
    let accounts: Vec<_> = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| {
            context! {
                id => a.id,
                username => a.username,
                display_name => a.display_name,
                department => names.get(&a.department_id).cloned().unwrap_or_default(),
                roles => a.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
                disabled => a.disabled,
                locked => a.locked_until.map(|t| t > now).unwrap_or(false),
                locked_until => a.locked_until.map(|t| t.to_rfc3339()),
                must_change_password => a.must_change_password,
            }
        })
        .collect();
    let ctx = context! {
        ..base(p, "账号管理"),
        ..context! {
            accounts => accounts,
            departments => active_departments(&units),
            error => error,
            self_id => p.user().map(|u| u.account.id),
        }
    };
    Ok(render("admin_accounts.html", ctx)?.into_response())
}

pub async fn accounts(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    accounts_page(&state, &p, None).await
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
}

pub async fn account_create(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<NewAccountForm>,
) -> Result<Response, AppError> {
    let password = security::one_time_password();
    let new = NewAccount {
        username: f.username.trim().to_string(),
        display_name: f.display_name.trim().to_string(),
        department_id: f.department_id,
        password_hash: security::hash_password(&password),
        must_change_password: true,
    };
    match state.store.create_account(&p.actor_as(Role::SysAdmin), &new).await {
        Ok(a) => {
            let ctx = context! { ..base(&p, "账号已创建"), ..context! { heading => "账号已创建", username => a.username, password => password } };
            Ok(render("admin_account_created.html", ctx)?.into_response())
        }
        Err(e @ (jianguan_store::StoreError::Invalid(_) | jianguan_store::StoreError::Conflict(_))) => {
            Ok(with_error(accounts_page(&state, &p, Some(e.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

fn not_self(p: &Principal, id: i64) -> Result<(), AppError> {
    if p.user().map(|u| u.account.id) == Some(id) {
        return Err(AppError::forbidden("不能对自己的账号执行此操作"));
    }
    Ok(())
}

pub async fn account_disable(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    not_self(&p, id)?;
    state.store.set_account_disabled(&p.actor_as(Role::SysAdmin), id, true).await?;
    Ok(Redirect::to("/admin/accounts").into_response())
}

pub async fn account_enable(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    not_self(&p, id)?;
    state.store.set_account_disabled(&p.actor_as(Role::SysAdmin), id, false).await?;
    Ok(Redirect::to("/admin/accounts").into_response())
}

pub async fn account_reset_password(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    not_self(&p, id)?;
    let a = state.store.get_account(id).await?;
    let password = security::one_time_password();
    state.store.set_password(&p.actor_as(Role::SysAdmin), id, &security::hash_password(&password), true).await?;
    let ctx = context! { ..base(&p, "密码已重置"), ..context! { heading => "密码已重置", username => a.username, password => password } };
    Ok(render("admin_account_created.html", ctx)?.into_response())
}

// --- roles and second factors (安全管理员) -------------------------------------------------

async fn roles_page(state: &AppState, p: &Principal, error: Option<String>) -> Result<Response, AppError> {
    let names = department_names(state).await?;
    let accounts: Vec<_> = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| !a.disabled)
        .map(|a| {
            context! {
                id => a.id,
                username => a.username,
                display_name => a.display_name,
                department => names.get(&a.department_id).cloned().unwrap_or_default(),
                role_codes => a.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
                role_labels => a.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
                totp_enabled => a.totp_enabled,
            }
        })
        .collect();
    let all_roles: Vec<_> = Role::ALL.iter().map(|r| context! { code => r.code(), label => r.label() }).collect();
    let ctx = context! {
        ..base(p, "角色授权"),
        ..context! { accounts => accounts, all_roles => all_roles, error => error, self_id => p.user().map(|u| u.account.id) }
    };
    Ok(render("admin_roles.html", ctx)?.into_response())
}

pub async fn roles(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    roles_page(&state, &p, None).await
}

pub async fn roles_set(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    not_self(&p, id)?;
    let mut roles = Vec::new();
    for (k, v) in pairs(&body) {
        if k == "role" {
            roles.push(Role::from_code(&v).ok_or_else(|| AppError::bad_request(format!("未知角色:{v}")))?);
        }
    }
    if let Err(e) = jianguan_domain::auth::check_role_set(&roles) {
        return Ok(with_error(roles_page(&state, &p, Some(e.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY));
    }
    state.store.set_roles(&p.actor_as(Role::SecAdmin), id, &roles).await?;
    Ok(Redirect::to("/admin/roles").into_response())
}

pub async fn totp_reset(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    not_self(&p, id)?;
    state.store.set_totp(&p.actor_as(Role::SecAdmin), id, None, false).await?;
    Ok(Redirect::to("/admin/roles").into_response())
}

// --- API keys (安全管理员) ---------------------------------------------------------------

async fn keys_page(
    state: &AppState,
    p: &Principal,
    new_key: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let units = state.store.list_units().await?;
    let names = department_names(state).await?;
    let keys: Vec<_> = state
        .store
        .list_api_keys()
        .await?
        .into_iter()
        .map(|k| {
            context! {
                id => k.id, name => k.name, prefix => k.prefix, scopes => k.scopes,
                department => names.get(&k.department_id).cloned().unwrap_or_default(),
                created_at => k.created_at.to_rfc3339(), created_by => k.created_by,
                last_used_at => k.last_used_at.map(|t| t.to_rfc3339()),
                revoked_at => k.revoked_at.map(|t| t.to_rfc3339()),
            }
        })
        .collect();
    let ctx = context! {
        ..base(p, "接口密钥"),
        ..context! {
            keys => keys,
            departments => active_departments(&units),
            scopes => crate::api::SCOPES,
            new_key => new_key,
            error => error,
        }
    };
    Ok(render("admin_api_keys.html", ctx)?.into_response())
}

pub async fn api_keys(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    keys_page(&state, &p, None, None).await
}

pub async fn api_key_create(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let form = pairs(&body);
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let scopes: Vec<String> = form.iter().filter(|(k, _)| k == "scope").map(|(_, v)| v.clone()).collect();
    async fn bad(state: &AppState, p: &Principal, m: &str) -> Result<Response, AppError> {
        Ok(with_error(keys_page(state, p, None, Some(m.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY))
    }
    if scopes.is_empty() {
        return bad(&state, &p, "请至少选择一项权限范围").await;
    }
    if let Some(s) = scopes.iter().find(|s| !crate::api::SCOPES.iter().any(|(c, _)| c == s)) {
        return bad(&state, &p, &format!("未知的权限范围:{s}")).await;
    }
    let Ok(department_id) = get("department_id").parse::<i64>() else {
        return bad(&state, &p, "请选择部门").await;
    };
    let prefix = format!("jgk_{}", hex::encode(security::random_bytes::<5>()));
    let secret = format!("{prefix}.{}", security::token());
    let key = NewApiKey { department_id, name: get("name"), prefix, key_hash: security::sha256_hex(&secret), scopes };
    match state.store.create_api_key(&p.actor_as(Role::SecAdmin), &key).await {
        Ok(_) => keys_page(&state, &p, Some(secret), None).await,
        Err(e @ jianguan_store::StoreError::Invalid(_)) => bad(&state, &p, &e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn api_key_revoke(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    state.store.revoke_api_key(&p.actor_as(Role::SecAdmin), id).await?;
    Ok(Redirect::to("/admin/api-keys").into_response())
}

// --- departments and groups (系统管理员) ---------------------------------------------------

async fn departments_page(state: &AppState, p: &Principal, error: Option<String>) -> Result<Response, AppError> {
    let units = state.store.list_units().await?;
    let names = department_names(state).await?;
    let groups: Vec<_> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Group)
        .map(|g| {
            context! {
                id => g.id, name => g.name, aliases => g.aliases,
                member_names => g.members.iter().filter_map(|m| names.get(m).cloned()).collect::<Vec<_>>(),
            }
        })
        .collect();
    let departments: Vec<&Unit> = units.iter().filter(|u| u.kind == UnitKind::Department).collect();
    let ctx =
        context! { ..base(p, "部门管理"), ..context! { groups => groups, departments => departments, error => error } };
    Ok(render("admin_departments.html", ctx)?.into_response())
}

pub async fn departments(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    departments_page(&state, &p, None).await
}

#[derive(Deserialize)]
pub struct NewUnitForm {
    pub code: String,
    pub name: String,
    pub kind: String,
}

pub async fn department_create(
    State(state): State<AppState>,
    p: Principal,
    PageForm(f): PageForm<NewUnitForm>,
) -> Result<Response, AppError> {
    let kind = UnitKind::parse(&f.kind).ok_or_else(|| AppError::bad_request("类型只能是部门或部门组"))?;
    match state.store.create_department(&p.actor_as(Role::SysAdmin), &f.code, &f.name, kind).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/departments/{}", u.id)).into_response()),
        Err(e @ (jianguan_store::StoreError::Invalid(_) | jianguan_store::StoreError::Conflict(_))) => {
            Ok(with_error(departments_page(&state, &p, Some(e.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

async fn department_page(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
) -> Result<Response, AppError> {
    let unit = state.store.get_unit(id).await?;
    let units = state.store.list_units().await?;
    let history = state.store.unit_history(id).await?;
    let ctx = context! {
        ..base(p, &unit.name),
        ..context! { unit => unit, departments => active_departments(&units), history => history, error => error }
    };
    Ok(render("admin_department.html", ctx)?.into_response())
}

pub async fn department(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    department_page(&state, &p, id, None).await
}

async fn or_page(
    state: &AppState,
    p: &Principal,
    id: i64,
    r: Result<Unit, jianguan_store::StoreError>,
) -> Result<Response, AppError> {
    match r {
        Ok(u) => Ok(Redirect::to(&format!("/admin/departments/{}", u.id)).into_response()),
        Err(e @ (jianguan_store::StoreError::Invalid(_) | jianguan_store::StoreError::Conflict(_))) => {
            Ok(with_error(department_page(state, p, id, Some(e.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RenameForm {
    pub name: String,
}

pub async fn department_rename(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<RenameForm>,
) -> Result<Response, AppError> {
    let r = state.store.rename_department(&p.actor_as(Role::SysAdmin), id, &f.name).await;
    or_page(&state, &p, id, r).await
}

#[derive(Deserialize)]
pub struct MergeForm {
    pub into: i64,
}

pub async fn department_merge(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<MergeForm>,
) -> Result<Response, AppError> {
    let r = state.store.merge_departments(&p.actor_as(Role::SysAdmin), id, f.into).await;
    or_page(&state, &p, id, r).await
}

pub async fn group_members(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut members = Vec::new();
    for (k, v) in pairs(&body) {
        if k == "member" {
            members.push(v.parse::<i64>().map_err(|_| AppError::bad_request("成员编号格式错误"))?);
        }
    }
    let r = state.store.set_group_members(&p.actor_as(Role::SysAdmin), id, &members).await;
    or_page(&state, &p, id, r).await
}
