//! Entity registry (检查对象名录库), item lists (清单) and the approval handoff (审管衔接,
//! 双告知): pages, the JSON API and the public pages (监管接收情况).
//!
//! Who may do what:
//! * every business role searches the registry and reads the item lists; the legal
//!   representative is shown in full only to inspectors and the credit office (each
//!   view audited), masked everywhere else and always on public pages and in the API;
//! * staff (部门填报) of 区市场监管局, the registry keeper, import entity files;
//! * staff of 区政务服务办 keep every item list; other departments' staff create and
//!   edit the items they approve (or, for cancelled approvals, supervise);
//! * approving systems push licence and filing records with a department API key
//!   (scope `licences:write`) or as that department's staff; a record is seen only by
//!   its issuing department, the departments it is routed to, and the ledger office;
//!   only a department it was routed to can receive it.

use crate::access::{Access, Principal};
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::import::entities::{self as entity_import, ImportError};
use crate::import::tabular::{self, Format, Position};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::auth::Role::{self, *};
use jianguan_domain::handoff::ReceptionStatus;
use jianguan_domain::registry::{ListKind, RowOptions, KNOWN_TAGS, STATUSES};
use jianguan_store::registry::*;
use jianguan_store::{NewNotification, StoreError, Unit, UnitKind};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use utoipa::ToSchema;

/// Business roles: everyone but the three administrators.
const BUSINESS: &[Role] = &[LedgerOffice, DeptStaff, Inspector, LegalReviewer, CreditManager, GridIntake];
const STAFF: &[Role] = &[DeptStaff];
const STAFF_LEDGER: &[Role] = &[DeptStaff, LedgerOffice];
/// Roles that see a legal representative's name in full.
const FULL_PERSON: &[Role] = &[Inspector, CreditManager];

/// The department that keeps the entity registry (imports).
pub const REGISTRY_KEEPER: &str = "scjgj";
/// The department that keeps every item list (区政务服务办, 附件1 第3、5项).
pub const LIST_KEEPER: &str = "zwfwb";

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        // Entity registry.
        r(M::GET, "/registry/entities", Roles(BUSINESS), get(entities_page)),
        r(M::GET, "/registry/entities/{uscc}", Roles(BUSINESS), get(entity_page)),
        r(M::GET, "/registry/imports", Roles(STAFF), get(imports_page)),
        r(M::POST, "/registry/imports", Roles(STAFF), post(import_upload).layer(DefaultBodyLimit::disable())),
        r(M::GET, "/registry/imports/{id}", Roles(STAFF), get(import_page)),
        r(M::GET, "/registry/imports/{id}/rejections.csv", Roles(STAFF), get(import_rejections)),
        r(M::GET, "/api/v1/entities", ApiKeyOr("entities:read", BUSINESS), get(api_entities)),
        r(M::GET, "/api/v1/entities/{uscc}", ApiKeyOr("entities:read", BUSINESS), get(api_entity)),
        r(M::GET, "/api/v1/imports/{id}", Roles(STAFF), get(api_import)),
        // Item lists.
        r(M::GET, "/registry/items", Roles(BUSINESS), get(items_page)),
        r(M::GET, "/registry/items/export.xlsx", Roles(BUSINESS), get(items_export)),
        r(M::POST, "/registry/items/import", Roles(STAFF), post(items_import).layer(DefaultBodyLimit::disable())),
        r(M::GET, "/registry/items/new", Roles(STAFF), get(item_new)),
        r(M::POST, "/registry/items", Roles(STAFF), post(item_create)),
        r(M::GET, "/registry/items/{id}", Roles(BUSINESS), get(item_page)),
        r(M::GET, "/registry/items/{id}/edit", Roles(STAFF), get(item_edit)),
        r(M::POST, "/registry/items/{id}", Roles(STAFF), post(item_update)),
        r(M::GET, "/api/v1/items", ApiKeyOr("lists:read", BUSINESS), get(api_items)),
        // Approval handoff.
        r(M::GET, "/registry/licences", Roles(STAFF_LEDGER), get(licences_page)),
        r(M::GET, "/registry/licences/{id}", Roles(STAFF_LEDGER), get(licence_page)),
        r(M::POST, "/registry/licences/{id}/receive", Roles(STAFF), post(licence_receive)),
        r(M::POST, "/api/v1/licences", ApiKeyOr("licences:write", STAFF), post(api_push_licence)),
        r(M::GET, "/api/v1/licences/{id}", ApiKeyOr("licences:write", STAFF_LEDGER), get(api_licence)),
        r(M::POST, "/api/v1/licences/{id}/receive", Roles(STAFF), post(api_receive_licence)),
        // Public.
        r(M::GET, "/public/reception", Public, get(public_reception)),
        r(M::GET, "/api/v1/reception", Public, get(api_reception)),
        r(M::GET, "/public/entities", Public, get(public_entities)),
        r(M::GET, "/public/items", Public, get(public_items)),
    ]
}

macro_rules! tpl {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = tpl!(
    "registry_entities.html",
    "registry_entity.html",
    "registry_imports.html",
    "registry_import.html",
    "registry_items.html",
    "registry_item.html",
    "registry_item_form.html",
    "registry_licences.html",
    "registry_licence.html",
    "registry_reception.html",
    "registry_public_entities.html",
);

/// Today in Beijing (dates of pushes, receptions and deadlines).
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn store_json(e: StoreError) -> AppError {
    AppError::from(e).json()
}

async fn units(state: &AppState) -> Result<Vec<Unit>, AppError> {
    Ok(state.store.list_units().await?)
}

fn unit_code(units: &[Unit], id: i64) -> &str {
    units.iter().find(|u| u.id == id).map(|u| u.code.as_str()).unwrap_or("")
}

fn unit_name(units: &[Unit], id: i64) -> String {
    units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| format!("部门{id}"))
}

fn departments(units: &[Unit]) -> Vec<&Unit> {
    units.iter().filter(|u| u.kind == UnitKind::Department && u.active).collect()
}

/// The caller's department code (session or API key).
fn my_dept(units: &[Unit], p: &Principal) -> Option<(i64, String)> {
    p.department_id().map(|d| (d, unit_code(units, d).to_string()))
}

// --- entities --------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct EntityQuery {
    /// An 18-character uscc (exact) or part of the name.
    pub q: Option<String>,
    /// Industry code or its prefix (GB/T 4754).
    pub industry: Option<String>,
    /// 登记状态.
    pub status: Option<String>,
    /// A tag such as 重点监管.
    pub tag: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl EntityQuery {
    fn filter(&self, max: i64) -> EntityFilter {
        EntityFilter {
            q: self.q.clone(),
            industry: self.industry.clone(),
            status: self.status.clone(),
            tag: self.tag.clone(),
            legal_rep_index: None,
            limit: self.limit.unwrap_or(50).clamp(1, max),
            offset: self.offset.unwrap_or(0).clamp(0, 1_000_000),
        }
    }
}

/// An entity as the API and lists show it: the legal representative masked.
#[derive(Serialize, ToSchema)]
pub struct EntityDto {
    pub uscc: String,
    pub name: String,
    /// 主体类型.
    pub kind: String,
    /// 法定代表人, masked (`张*`).
    pub legal_rep: String,
    pub address: String,
    pub division: String,
    pub industry: String,
    pub industry_name: String,
    /// 成立日期, `YYYY-MM-DD`.
    pub registered_on: Option<String>,
    /// 登记状态.
    pub status: String,
    pub tags: Vec<String>,
    /// The code fails a check and was accepted as a legacy code.
    pub legacy: bool,
    /// The warning shown with a legacy code.
    pub legacy_warning: String,
}

fn entity_dto(e: &Entity) -> EntityDto {
    EntityDto {
        uscc: e.rec.uscc.clone(),
        name: e.rec.name.clone(),
        kind: e.rec.kind.clone(),
        legal_rep: e.rec.legal_rep_masked.clone(),
        address: e.rec.address.clone(),
        division: e.rec.division.clone(),
        industry: e.rec.industry.clone(),
        industry_name: e.rec.industry_name.clone(),
        registered_on: e.rec.registered_on.map(|d| d.to_string()),
        status: e.rec.status.clone(),
        tags: e.rec.tags.clone(),
        legacy: e.rec.legacy,
        legacy_warning: e.rec.legacy_warning.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntityPageDto {
    pub rows: Vec<EntityDto>,
    /// Matching entities; counting stops past 10,000 (then 10,001).
    pub total: i64,
}

/// Searches the entity registry (by uscc, name, industry, status, tag).
#[utoipa::path(get, path = "/api/v1/entities", tag = "名录库", params(EntityQuery),
    responses((status = 200, body = EntityPageDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_entities(State(state): State<AppState>, Query(q): Query<EntityQuery>) -> Result<Response, AppError> {
    let page = state.store.entity_search(&q.filter(500)).await.map_err(store_json)?;
    Ok(Json(EntityPageDto { rows: page.rows.iter().map(entity_dto).collect(), total: page.total }).into_response())
}

/// One entity by its unified social credit code.
#[utoipa::path(get, path = "/api/v1/entities/{uscc}", tag = "名录库",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = EntityDto), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_entity(State(state): State<AppState>, Path(uscc): Path<String>) -> Result<Response, AppError> {
    match state.store.entity_get(&uscc.trim().to_ascii_uppercase()).await.map_err(store_json)? {
        Some(e) => Ok(Json(entity_dto(&e)).into_response()),
        None => Err(AppError::not_found(format!("名录库中没有统一社会信用代码为 {} 的市场主体", shown(&uscc))).json()),
    }
}

fn shown(s: &str) -> String {
    s.chars().take(40).filter(|c| !c.is_control()).collect()
}

fn query_string(q: &EntityQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("q", &q.q), ("industry", &q.industry), ("status", &q.status), ("tag", &q.tag)] {
        if let Some(v) = v.as_deref().filter(|s| !s.is_empty()) {
            parts.push(format!("{k}={}", urlencoding::encode(v)));
        }
    }
    parts.join("&")
}

async fn entity_search_ctx(state: &AppState, q: &EntityQuery, max: i64) -> Result<minijinja::Value, AppError> {
    let searched =
        [&q.q, &q.industry, &q.status, &q.tag].iter().any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
    let f = q.filter(max);
    let page = state.store.entity_search(&f).await?;
    let rows: Vec<EntityDto> = page.rows.iter().map(entity_dto).collect();
    let qs = query_string(q);
    let next =
        (f.offset + f.limit < page.total.min(SEARCH_COUNT_CAP)).then(|| format!("?{qs}&offset={}", f.offset + f.limit));
    let prev = (f.offset > 0).then(|| format!("?{qs}&offset={}", (f.offset - f.limit).max(0)));
    Ok(context! {
        q => q.q.clone().unwrap_or_default(),
        industry => q.industry.clone().unwrap_or_default(),
        status => q.status.clone().unwrap_or_default(),
        tag => q.tag.clone().unwrap_or_default(),
        statuses => STATUSES,
        tags => KNOWN_TAGS,
        rows => rows,
        total => page.total,
        capped => page.total > SEARCH_COUNT_CAP,
        from => f.offset + 1,
        to => f.offset + page.rows.len() as i64,
        next => next,
        prev => prev,
        searched => searched,
        registry_size => state.store.entity_count().await?,
    })
}

pub async fn entities_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<EntityQuery>,
) -> Result<Response, AppError> {
    let ctx = entity_search_ctx(&state, &q, 200).await?;
    let units = units(&state).await?;
    let keeper = my_dept(&units, &p).is_some_and(|(_, c)| c == REGISTRY_KEEPER) && p.has(DeptStaff);
    Ok(render(
        "registry_entities.html",
        context! { ..base(&p, "检查对象名录库"), ..ctx, ..context! { can_import => keeper } },
    )?
    .into_response())
}

pub async fn entity_page(
    State(state): State<AppState>,
    p: Principal,
    Path(uscc): Path<String>,
) -> Result<Response, AppError> {
    let uscc = uscc.trim().to_ascii_uppercase();
    let e =
        state.store.entity_get(&uscc).await?.ok_or_else(|| {
            AppError::not_found(format!("名录库中没有统一社会信用代码为 {} 的市场主体", shown(&uscc)))
        })?;
    let full = FULL_PERSON.iter().any(|r| p.has(*r)) && !e.rec.legal_rep_sealed.is_empty();
    let legal_rep = if full {
        let name = state
            .cipher
            .decrypt(&e.rec.legal_rep_sealed)
            .map_err(|_| AppError::internal("法定代表人信息无法解密,请联系管理员"))?;
        // Reading personal data in clear is audited (the name itself never enters the trail).
        let role = if p.has(Inspector) { Inspector } else { CreditManager };
        state
            .store
            .audit(p.actor_as(role).event("registry.legal_rep_view", format!("entity:{uscc}"), serde_json::json!({})))
            .await?;
        name
    } else {
        e.rec.legal_rep_masked.clone()
    };
    let units = units(&state).await?;
    let supervising: Vec<String> =
        state.store.entity_departments(&uscc).await?.into_iter().map(|d| unit_name(&units, d)).collect();
    let mine = p.department_id();
    let ledger = p.has(LedgerOffice);
    let licences: Vec<_> = state
        .store
        .licence_search(&LicenceFilter { uscc: Some(uscc.clone()), limit: 100, ..Default::default() })
        .await?
        .into_iter()
        .filter(|l| ledger || Some(l.issuing_department_id) == mine || l.routes.iter().any(|r| Some(r.department_id) == mine))
        .map(|l| context! { id => l.id, no => l.licence_no, item => l.item_name, issuer => l.issuing_department, decided_on => l.decided_on.to_string() })
        .collect();
    let history: Vec<_> = state
        .store
        .entity_history(&uscc)
        .await?
        .into_iter()
        .map(|h| {
            let prev: serde_json::Value = serde_json::from_str(&h.previous).unwrap_or_default();
            context! { at => h.at.to_rfc3339(), actor => h.actor, import_id => h.import_id,
                       name => prev["name"].as_str().unwrap_or("").to_string(), status => prev["status"].as_str().unwrap_or("").to_string() }
        })
        .collect();
    let ctx = context! {
        ..base(&p, &e.rec.name),
        ..context! { e => entity_dto(&e), legal_rep => legal_rep, full => full, supervising => supervising, licences => licences,
                     history => history, updated_at => e.updated_at.to_rfc3339(), import_id => e.import_id }
    };
    Ok(render("registry_entity.html", ctx)?.into_response())
}

pub async fn public_entities(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<EntityQuery>,
) -> Result<Response, AppError> {
    let searched = q.q.as_deref().is_some_and(|s| s.trim().chars().count() >= 2);
    let ctx = if searched {
        // The public searches by code or name only, 20 at a time.
        let q = EntityQuery { q: q.q.clone(), limit: Some(20), offset: q.offset, ..Default::default() };
        entity_search_ctx(&state, &q, 20).await?
    } else {
        context! { q => q.q.clone().unwrap_or_default(), rows => Vec::<EntityDto>::new(), total => 0, searched => false }
    };
    Ok(render("registry_public_entities.html", context! { ..base(&p, "市场主体查询"), ..ctx })?.into_response())
}

// --- imports ------------------------------------------------------------------------------

/// Imports running in this process (so the scheduler does not resume them twice).
static RUNNING: Mutex<Option<HashSet<i64>>> = Mutex::new(None);

fn running(id: i64) -> bool {
    RUNNING.lock().expect("lock").as_ref().is_some_and(|s| s.contains(&id))
}

fn set_running(id: i64, on: bool) {
    let mut g = RUNNING.lock().expect("lock");
    let s = g.get_or_insert_with(HashSet::new);
    if on {
        s.insert(id);
    } else {
        s.remove(&id);
    }
}

fn uploads_dir(state: &AppState) -> std::path::PathBuf {
    std::path::Path::new(&state.config.data_dir).join("imports")
}

async fn require_keeper(state: &AppState, p: &Principal) -> Result<(i64, Vec<Unit>), AppError> {
    let units = units(state).await?;
    match my_dept(&units, p) {
        Some((id, code)) if code == REGISTRY_KEEPER => Ok((id, units)),
        _ => Err(AppError::forbidden(format!(
            "名录库由{}维护,本部门不能导入",
            unit_name_by_code(&units, REGISTRY_KEEPER)
        ))),
    }
}

fn unit_name_by_code(units: &[Unit], code: &str) -> String {
    units.iter().find(|u| u.code == code).map(|u| u.name.clone()).unwrap_or_else(|| code.to_string())
}

fn job_ctx(j: &ImportJob) -> minijinja::Value {
    let pct = if j.status == "done" {
        100
    } else if j.file_bytes > 0 {
        (j.bytes_committed * 100 / j.file_bytes).min(99)
    } else {
        0
    };
    context! {
        id => j.id, file_name => j.file_name, status => j.status, error => j.error, rows => j.rows_committed,
        imported => j.imported, updated => j.updated, rejected => j.rejected, duplicate => j.duplicate, total => j.total(),
        summary => j.summary_line(), pct => pct, started_at => j.started_at.to_rfc3339(), started_by => j.started_by,
        finished_at => j.finished_at.map(|t| t.to_rfc3339()),
        legacy => j.options.contains("\"accept_legacy\":true"),
    }
}

async fn imports_view(
    state: &AppState,
    p: &Principal,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (_, units) = require_keeper(state, p).await?;
    let jobs: Vec<_> = state.store.import_jobs(entity_import::KIND, 30).await?.iter().map(job_ctx).collect();
    let ctx = context! {
        ..base(p, "导入名录库"),
        ..context! { jobs => jobs, error => error, max_mb => state.config.upload.max_file_bytes / (1024 * 1024),
                     keeper => unit_name_by_code(&units, REGISTRY_KEEPER), columns => jianguan_domain::registry::COLUMNS }
    };
    let mut resp = render("registry_imports.html", ctx)?.into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn imports_page(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    imports_view(&state, &p, None, StatusCode::OK).await
}

/// Streams one multipart file field to `dir`, refusing more than `max` bytes.
async fn receive_file(
    mut mp: Multipart,
    dir: &std::path::Path,
    max: usize,
) -> Result<(std::path::PathBuf, String, HashMap<String, String>), String> {
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir).await.map_err(|e| format!("无法保存上传文件:{e}"))?;
    let mut fields = HashMap::new();
    let mut saved: Option<(std::path::PathBuf, String)> = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| format!("上传内容无法解析:{}", e.body_text()))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            let v = field.text().await.map_err(|e| format!("上传内容无法解析:{}", e.body_text()))?;
            fields.insert(name, v.chars().take(200).collect());
            continue;
        }
        let file_name: String = field
            .file_name()
            .unwrap_or("upload")
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(120)
            .collect();
        let path = dir.join(format!("upload-{}.part", hex::encode(crate::security::random_bytes::<8>())));
        let mut out = tokio::fs::File::create(&path).await.map_err(|e| format!("无法保存上传文件:{e}"))?;
        let mut size = 0usize;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len();
                    if size > max {
                        drop(out);
                        let _ = tokio::fs::remove_file(&path).await;
                        return Err(format!(
                            "文件超过 {} MB 的上传上限;更大的文件请由管理员用命令行 jianguan import entities 导入",
                            max / (1024 * 1024)
                        ));
                    }
                    out.write_all(&chunk).await.map_err(|e| format!("无法保存上传文件:{e}"))?;
                }
                Ok(None) => break,
                Err(e) => {
                    drop(out);
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(format!("上传中断:{}", e.body_text()));
                }
            }
        }
        out.flush().await.map_err(|e| format!("无法保存上传文件:{e}"))?;
        if size == 0 {
            let _ = tokio::fs::remove_file(&path).await;
            return Err("上传的文件是空的".into());
        }
        saved = Some((path, file_name));
    }
    let (path, name) = saved.ok_or("请选择要上传的文件")?;
    Ok((path, name, fields))
}

pub async fn import_upload(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let (dept, _) = require_keeper(&state, &p).await?;
    let dir = uploads_dir(&state);
    let (part, file_name, fields) = match receive_file(mp, &dir, state.config.upload.max_file_bytes).await {
        Ok(v) => v,
        Err(m) => return imports_view(&state, &p, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let options = RowOptions { accept_legacy: fields.get("accept_legacy").is_some_and(|v| v == "1") };
    let limits = state.config.upload.clone();
    let (pp, name) = (part.clone(), file_name.clone());
    let prepared = tokio::task::spawn_blocking(move || entity_import::prepare(&pp, &name, options, &limits))
        .await
        .map_err(|_| AppError::internal("导入准备失败"))?;
    let mut prepared = match prepared {
        Ok(pr) => pr,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            let m = match e {
                ImportError::File(m) => m,
                other => other.to_string(),
            };
            return imports_view(
                &state,
                &p,
                Some(format!("“{file_name}”未导入:{m}")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    // Keep the file under its hash until the job ends, so an interrupted import resumes.
    let ext = if prepared.format == Format::Xlsx { "xlsx" } else { "csv" };
    let kept =
        dir.join(format!("{}-{}.{ext}", prepared.sha256, if options.accept_legacy { "legacy" } else { "strict" }));
    tokio::fs::rename(&part, &kept).await.map_err(|e| AppError::internal(format!("无法保存上传文件:{e}")))?;
    prepared.path = kept;
    let actor = p.actor_as(DeptStaff);
    let job = state.store.import_begin(&actor, &prepared.new_job(Some(dept))).await?;
    if !running(job.id) {
        spawn_import(state.clone(), actor, prepared, job.clone());
    }
    Ok(Redirect::to(&format!("/registry/imports/{}", job.id)).into_response())
}

/// Runs an import in the background; the file is removed when the job ends.
fn spawn_import(state: AppState, actor: jianguan_store::Actor, prepared: entity_import::Prepared, job: ImportJob) {
    set_running(job.id, true);
    tokio::spawn(async move {
        let id = job.id;
        let result = entity_import::run(&state.store, &state.cipher, &actor, &prepared, job, &|_| {}).await;
        match &result {
            Ok(j) => tracing::info!(job = id, summary = %j.summary_line(), "entity import done"),
            Err(e) => tracing::error!(job = id, error = %e, "entity import stopped"),
        }
        if !matches!(result, Err(ImportError::Store(_) | ImportError::Io(_))) {
            let _ = tokio::fs::remove_file(&prepared.path).await;
        }
        set_running(id, false);
    });
}

async fn job_for(state: &AppState, p: &Principal, id: i64) -> Result<ImportJob, AppError> {
    require_keeper(state, p).await?;
    let job = state.store.import_job(id).await?;
    if job.kind != entity_import::KIND {
        return Err(AppError::not_found(format!("导入任务 {id} 不存在")));
    }
    Ok(job)
}

pub async fn import_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let job = job_for(&state, &p, id).await?;
    let rejections = state.store.import_rejections(id).await?;
    let shown_rejections: Vec<_> = rejections.iter().take(200).collect();
    let ctx = context! {
        ..base(&p, "导入进度"),
        ..context! { job => job_ctx(&job), rejections => shown_rejections, more => rejections.len().saturating_sub(200),
                     running => job.status == "running", active => running(job.id) }
    };
    Ok(render("registry_import.html", ctx)?.into_response())
}

pub async fn import_rejections(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    job_for(&state, &p, id).await?;
    let rows = state.store.import_rejections(id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"import-{id}-rejected.csv\"")),
        ],
        entity_import::rejections_csv(&rows),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ImportJobDto {
    pub id: i64,
    pub file_name: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub error: String,
    /// Percent of the file read and committed.
    pub percent: i64,
    pub total: i64,
    pub imported: i64,
    pub updated: i64,
    pub rejected: i64,
    pub duplicate: i64,
    /// `total=N imported=N updated=N rejected=N duplicate=N`.
    pub summary: String,
}

/// Progress and row accounting of an entity import.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "名录库", params(("id" = i64, Path)),
    responses((status = 200, body = ImportJobDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_import(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let j = job_for(&state, &p, id).await.map_err(AppError::json)?;
    let percent = if j.status == "done" {
        100
    } else if j.file_bytes > 0 {
        (j.bytes_committed * 100 / j.file_bytes).min(99)
    } else {
        0
    };
    Ok(Json(ImportJobDto {
        id: j.id,
        file_name: j.file_name.clone(),
        status: j.status.clone(),
        error: j.error.clone(),
        percent,
        total: j.total(),
        imported: j.imported,
        updated: j.updated,
        rejected: j.rejected,
        duplicate: j.duplicate,
        summary: j.summary_line(),
    })
    .into_response())
}

// --- item lists -----------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ItemQuery {
    /// `licence`, `filing`, `initial_review` or `cancelled`.
    pub kind: Option<String>,
    /// Name or code substring.
    pub q: Option<String>,
    /// Department id (approving or supervising).
    pub department: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    /// `licence`, `filing`, `initial_review` or `cancelled`.
    pub list_kind: String,
    pub list_label: String,
    /// 事项编码.
    pub code: String,
    pub name: String,
    /// 设定依据.
    pub legal_basis: String,
    pub approving_department_id: Option<i64>,
    pub approving_department: Option<String>,
    pub supervising_department_ids: Vec<i64>,
    pub supervising_departments: Vec<String>,
    /// 监管事项目录编码 (14 digits), where known.
    pub catalogue_code: Option<String>,
    pub notes: String,
    pub active: bool,
    pub version: i64,
}

fn item_dto(i: &Item, units: &[Unit]) -> ItemDto {
    ItemDto {
        id: i.id,
        list_kind: i.input.list_kind.code().into(),
        list_label: i.input.list_kind.label().into(),
        code: i.input.code.clone(),
        name: i.input.name.clone(),
        legal_basis: i.input.legal_basis.clone(),
        approving_department_id: i.input.approving_department_id,
        approving_department: i.input.approving_department_id.map(|d| unit_name(units, d)),
        supervising_department_ids: i.input.supervising.clone(),
        supervising_departments: i.input.supervising.iter().map(|d| unit_name(units, *d)).collect(),
        catalogue_code: i.input.catalogue_code.clone(),
        notes: i.input.notes.clone(),
        active: i.input.active,
        version: i.version,
    }
}

fn item_filter(q: &ItemQuery, active_only: bool) -> ItemFilter {
    ItemFilter {
        kind: q.kind.as_deref().and_then(ListKind::from_code),
        department_id: q.department,
        q: q.q.clone(),
        active_only,
    }
}

/// Whether the caller may edit this item (or create one with this approver).
fn may_edit(p: &Principal, units: &[Unit], input: &ItemInput) -> bool {
    if !p.has(DeptStaff) {
        return false;
    }
    let Some((dept, code)) = my_dept(units, p) else { return false };
    code == LIST_KEEPER
        || input.approving_department_id == Some(dept)
        || (input.approving_department_id.is_none() && input.supervising.contains(&dept))
}

/// The item lists (清单).
#[utoipa::path(get, path = "/api/v1/items", tag = "事项清单", params(ItemQuery),
    responses((status = 200, body = [ItemDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_items(State(state): State<AppState>, Query(q): Query<ItemQuery>) -> Result<Response, AppError> {
    let units = units(&state).await.map_err(AppError::json)?;
    let items = state.store.item_list(&item_filter(&q, false)).await.map_err(store_json)?;
    Ok(Json(items.iter().map(|i| item_dto(i, &units)).collect::<Vec<_>>()).into_response())
}

async fn items_view(
    state: &AppState,
    p: &Principal,
    q: &ItemQuery,
    public: bool,
    flash: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let units = units(state).await?;
    let items = state.store.item_list(&item_filter(q, public)).await?;
    let rows: Vec<_> = items
        .iter()
        .map(|i| context! { item => item_dto(i, &units), editable => !public && may_edit(p, &units, &i.input) })
        .collect();
    let kinds: Vec<_> = ListKind::ALL.iter().map(|k| context! { code => k.code(), label => k.label() }).collect();
    let mine = my_dept(&units, p);
    let mut export_qs = format!(
        "kind={}&q={}",
        urlencoding::encode(q.kind.as_deref().unwrap_or("")),
        urlencoding::encode(q.q.as_deref().unwrap_or(""))
    );
    if let Some(d) = q.department {
        export_qs.push_str(&format!("&department={d}"));
    }
    let ctx = context! {
        ..base(p, if public { "事项清单公示" } else { "事项清单" }),
        ..context! {
            rows => rows, kinds => kinds, kind => q.kind.clone().unwrap_or_default(), q => q.q.clone().unwrap_or_default(),
            department => q.department, departments => departments(&units), public => public, flash => flash, error => error,
            export_qs => export_qs,
            can_create => !public && p.has(DeptStaff),
            can_import => !public && p.has(DeptStaff) && mine.as_ref().is_some_and(|(_, c)| c == LIST_KEEPER),
        }
    };
    Ok(render("registry_items.html", ctx)?.into_response())
}

pub async fn items_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ItemQuery>,
) -> Result<Response, AppError> {
    items_view(&state, &p, &q, false, None, None).await
}

pub async fn public_items(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ItemQuery>,
) -> Result<Response, AppError> {
    items_view(&state, &p, &q, true, None, None).await
}

/// The spreadsheet columns of the item lists (export and import).
const ITEM_COLUMNS: [&str; 9] =
    ["清单类别", "事项编码", "事项名称", "设定依据", "审批部门", "监管部门", "监管事项目录编码", "备注", "状态"];

pub async fn items_export(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ItemQuery>,
) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let items = state.store.item_list(&item_filter(&q, false)).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("导出失败:{e}"));
    ws.set_name("事项清单").map_err(x)?;
    for (c, h) in ITEM_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(x)?;
    }
    for (r, i) in items.iter().enumerate() {
        let d = item_dto(i, &units);
        let row = (r + 1) as u32;
        // Every cell is written as text, so nothing in it can act as a formula.
        let cells = [
            d.list_label,
            d.code,
            d.name,
            d.legal_basis,
            d.approving_department.unwrap_or_default(),
            d.supervising_departments.join("、"),
            d.catalogue_code.unwrap_or_default(),
            d.notes,
            if d.active { "在用".into() } else { "停用".into() },
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v).map_err(x)?;
        }
    }
    ws.set_column_width(2, 40).map_err(x)?;
    ws.set_column_width(3, 50).map_err(x)?;
    let bytes = wb.save_to_buffer().map_err(x)?;
    state.store.audit(p.actor().event("item.export", "items", serde_json::json!({ "rows": items.len() }))).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"items.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// A department named in a spreadsheet: its name or an alias (groups are refused).
fn dept_by_name(units: &[Unit], name: &str) -> Result<i64, String> {
    let n = jianguan_domain::org::normalize_unit_name(name);
    let found = units.iter().find(|u| u.name == n || u.aliases.contains(&n));
    match found {
        Some(u) if u.kind == UnitKind::Department => Ok(u.merged_into.unwrap_or(u.id)),
        Some(u) => Err(format!("“{}”是部门组,请写明具体部门", u.name)),
        None => {
            let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
            let close = jianguan_domain::org::closest(&n, names, 2);
            Err(format!(
                "部门“{}”不存在{}",
                shown(name),
                if close.is_empty() { String::new() } else { format!("(是否为:{})", close.join("、")) }
            ))
        }
    }
}

fn parse_item_row(cells: &[String], units: &[Unit]) -> Result<ItemInput, Vec<String>> {
    let c = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
    let mut errs = Vec::new();
    let kind = ListKind::parse(c(0));
    if kind.is_none() {
        errs.push(format!(
            "清单类别“{}”无法识别(应为:行政许可事项、备案事项、初审事项、取消审批仍需监管事项)",
            shown(c(0))
        ));
    }
    let approving = match c(4) {
        "" => None,
        n => match dept_by_name(units, n) {
            Ok(id) => Some(id),
            Err(e) => {
                errs.push(format!("审批部门:{e}"));
                None
            }
        },
    };
    let mut supervising = Vec::new();
    for n in c(5).split(['、', ',', ',', ';', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        match dept_by_name(units, n) {
            Ok(id) => supervising.push(id),
            Err(e) => errs.push(format!("监管部门:{e}")),
        }
    }
    let active = !matches!(c(8), "停用" | "否");
    if !errs.is_empty() {
        return Err(errs);
    }
    let input = ItemInput {
        list_kind: kind.expect("checked"),
        code: c(1).to_string(),
        name: c(2).to_string(),
        legal_basis: c(3).to_string(),
        approving_department_id: approving,
        supervising,
        catalogue_code: Some(c(6).to_string()).filter(|s| !s.is_empty()),
        notes: c(7).to_string(),
        active,
    };
    validate_item(&input).map_err(|e| vec![e.to_string()])?;
    Ok(input)
}

pub async fn items_import(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let q = ItemQuery::default();
    if my_dept(&units, &p).is_none_or(|(_, c)| c != LIST_KEEPER) {
        return Err(AppError::forbidden(format!("事项清单由{}统一导入", unit_name_by_code(&units, LIST_KEEPER))));
    }
    let dir = uploads_dir(&state);
    let (path, file_name, _) = match receive_file(mp, &dir, state.config.upload.max_file_bytes).await {
        Ok(v) => v,
        Err(m) => {
            return with_status(
                items_view(&state, &p, &q, false, None, Some(m)).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let limits = state.config.upload.clone();
    let units2 = units.clone();
    let parsed = tokio::task::spawn_blocking(move || -> Result<Vec<ItemInput>, Vec<String>> {
        let result = (|| {
            if tabular::sniff(&path).map_err(|e| vec![e.to_string()])? != Format::Xlsx {
                return Err(vec!["事项清单请使用 xlsx 文件(可先导出清单作为模板)".to_string()]);
            }
            crate::import::zipguard::check(
                std::io::BufReader::new(std::fs::File::open(&path).map_err(|e| vec![e.to_string()])?),
                &limits,
            )
            .map_err(|e| vec![e.to_string()])?;
            let mut items = Vec::new();
            let mut errs = Vec::new();
            let mut header_ok = false;
            tabular::for_each_row(&path, Format::Xlsx, &Position::new(), |r| {
                if !header_ok {
                    let h: Vec<&str> = r.cells.iter().map(|s| s.trim()).collect();
                    if h.len() < 8 || h[..8] != ITEM_COLUMNS[..8] {
                        errs.push(format!("表头应为:{}", ITEM_COLUMNS.join(",")));
                        return Ok(false);
                    }
                    header_ok = true;
                    return Ok(true);
                }
                match parse_item_row(r.cells, &units2) {
                    Ok(i) => items.push(i),
                    Err(e) => errs.push(format!("第{}行:{}", r.line, e.join(";"))),
                }
                Ok(errs.len() < 200)
            })
            .map_err(|e| vec![e.to_string()])?;
            if !errs.is_empty() {
                return Err(errs);
            }
            if items.is_empty() {
                return Err(vec!["文件中没有事项".to_string()]);
            }
            Ok(items)
        })();
        let _ = std::fs::remove_file(&path);
        result
    })
    .await
    .map_err(|_| AppError::internal("导入失败"))?;
    let items = match parsed {
        Ok(items) => items,
        Err(errs) => {
            let m = format!("“{file_name}”未导入(须全部正确才会导入):{}", errs.join(";"));
            return with_status(
                items_view(&state, &p, &q, false, None, Some(m)).await?,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match state.store.items_import(&p.actor_as(DeptStaff), &items).await {
        Ok(r) => {
            let m = format!("“{file_name}”已导入:新增 {} 项,更新 {} 项,未变 {} 项", r.created, r.updated, r.unchanged);
            items_view(&state, &p, &q, false, Some(m), None).await
        }
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            let m = format!("“{file_name}”未导入:{e}");
            with_status(items_view(&state, &p, &q, false, None, Some(m)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

fn with_status(mut r: Response, s: StatusCode) -> Result<Response, AppError> {
    *r.status_mut() = s;
    Ok(r)
}

pub async fn item_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let item = state.store.item_get(id).await?;
    let history: Vec<_> = state
        .store
        .item_history(id)
        .await?
        .into_iter()
        .map(|h| {
            let snap: ItemInput = serde_json::from_str(&h.snapshot).unwrap_or_else(|_| item.input.clone());
            context! { version => h.version, at => h.at.to_rfc3339(), actor => h.actor,
                       change => match h.change.as_str() { "create" => "创建", "import" => "导入", _ => "修改" },
                       item => item_dto(&Item { id, input: snap, version: h.version, created_at: h.at, updated_at: h.at }, &units) }
        })
        .collect();
    let ctx = context! {
        ..base(&p, &item.input.name),
        ..context! { item => item_dto(&item, &units), history => history, editable => may_edit(&p, &units, &item.input) }
    };
    Ok(render("registry_item.html", ctx)?.into_response())
}

fn form_input(body: &[u8]) -> Result<(ItemInput, Option<i64>), String> {
    let pairs = crate::pages::admin::pairs(body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let kind = ListKind::from_code(&get("list_kind")).ok_or("请选择清单类别")?;
    let approving = match get("approving_department_id").as_str() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| "审批部门无效")?),
    };
    let supervising = pairs
        .iter()
        .filter(|(k, _)| k == "supervising")
        .map(|(_, v)| v.parse::<i64>().map_err(|_| "监管部门无效".to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let input = ItemInput {
        list_kind: kind,
        code: get("code"),
        name: get("name"),
        legal_basis: get("legal_basis"),
        approving_department_id: approving,
        supervising,
        catalogue_code: Some(get("catalogue_code")).filter(|s| !s.is_empty()),
        notes: get("notes"),
        active: get("active") == "1",
    };
    let version = get("version").parse().ok();
    Ok((input, version))
}

async fn item_form_view(
    state: &AppState,
    p: &Principal,
    id: Option<i64>,
    input: &ItemInput,
    version: i64,
    error: Option<String>,
) -> Result<Response, AppError> {
    let units = units(state).await?;
    let kinds: Vec<_> = ListKind::ALL.iter().map(|k| context! { code => k.code(), label => k.label() }).collect();
    let ctx = context! {
        ..base(p, if id.is_some() { "修改事项" } else { "新增事项" }),
        ..context! { id => id, input => input, version => version, kinds => kinds, departments => departments(&units), error => error,
                     kind => input.list_kind.code() }
    };
    let mut resp = render("registry_item_form.html", ctx)?.into_response();
    if error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn item_new(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let mine = my_dept(&units, &p);
    let input = ItemInput {
        list_kind: ListKind::Licence,
        code: String::new(),
        name: String::new(),
        legal_basis: String::new(),
        approving_department_id: mine.map(|m| m.0),
        supervising: Vec::new(),
        catalogue_code: None,
        notes: String::new(),
        active: true,
    };
    item_form_view(&state, &p, None, &input, 0, None).await
}

pub async fn item_create(
    State(state): State<AppState>,
    p: Principal,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let (input, _) = match form_input(&body) {
        Ok(v) => v,
        Err(m) => return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)),
    };
    if !may_edit(&p, &units, &input) {
        return item_form_view(
            &state,
            &p,
            None,
            &input,
            0,
            Some("只能为本部门审批的事项建档(区政务服务办可维护全部清单)".into()),
        )
        .await;
    }
    match state.store.item_create(&p.actor_as(DeptStaff), &input).await {
        Ok(item) => Ok(Redirect::to(&format!("/registry/items/{}", item.id)).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            item_form_view(&state, &p, None, &input, 0, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn item_edit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let item = state.store.item_get(id).await?;
    if !may_edit(&p, &units, &item.input) {
        return Err(AppError::forbidden("本部门不能修改该事项"));
    }
    item_form_view(&state, &p, Some(id), &item.input, item.version, None).await
}

pub async fn item_update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let item = state.store.item_get(id).await?;
    if !may_edit(&p, &units, &item.input) {
        return Err(AppError::forbidden("本部门不能修改该事项"));
    }
    let (input, version) = match form_input(&body) {
        Ok(v) => v,
        Err(m) => return item_form_view(&state, &p, Some(id), &item.input, item.version, Some(m)).await,
    };
    if !may_edit(&p, &units, &input) {
        return item_form_view(&state, &p, Some(id), &input, item.version, Some("不能把事项改为其他部门审批".into()))
            .await;
    }
    match state.store.item_update(&p.actor_as(DeptStaff), id, &input, version.unwrap_or(item.version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/registry/items/{id}")).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict(_))) => {
            item_form_view(&state, &p, Some(id), &input, item.version, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- approval handoff -------------------------------------------------------------------------

/// A licence or filing record pushed by an approving system.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicencePushBody {
    /// `licence` (许可, also for initial-review items) or `filing` (备案).
    pub record_kind: String,
    /// The licence or filing number, unique for the issuing department.
    pub licence_no: String,
    /// 事项编码 of an item of the district's lists.
    pub item_code: String,
    /// 统一社会信用代码 of the applicant.
    pub uscc: String,
    pub entity_name: String,
    /// Date of the decision, `YYYY-MM-DD`.
    pub decided_on: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Licensed scope or content.
    #[serde(default)]
    pub scope: String,
    /// Accept a code that fails the GB 32100 check as a legacy code (flagged).
    #[serde(default)]
    pub accept_legacy_uscc: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RouteDto {
    pub department_id: i64,
    pub department: String,
    /// Receive by this date (Beijing), `YYYY-MM-DD`.
    pub due_on: String,
    /// `pending`, `overdue`, `on_time` or `late`.
    pub status: String,
    pub status_label: String,
    pub received_at: Option<String>,
    /// The notice to this department.
    pub notice: String,
}

#[derive(Serialize, ToSchema)]
pub struct LicenceDto {
    pub id: i64,
    pub record_kind: String,
    pub licence_no: String,
    pub item_code: String,
    pub item_name: String,
    pub uscc: String,
    pub legacy_uscc: bool,
    pub entity_name: String,
    pub issuing_department: String,
    pub decided_on: String,
    pub valid_until: Option<String>,
    pub scope: String,
    /// 双告知: the notice to the applicant (which department supervises, what follows).
    pub notice: String,
    pub pushed_at: String,
    pub routes: Vec<RouteDto>,
    /// Warnings about the record (a legacy code).
    pub warnings: Vec<String>,
}

fn licence_dto(l: &Licence, today: NaiveDate) -> LicenceDto {
    LicenceDto {
        id: l.id,
        record_kind: l.record_kind.clone(),
        licence_no: l.licence_no.clone(),
        item_code: l.item_code.clone(),
        item_name: l.item_name.clone(),
        uscc: l.uscc.clone(),
        legacy_uscc: l.legacy_uscc,
        entity_name: l.entity_name.clone(),
        issuing_department: l.issuing_department.clone(),
        decided_on: l.decided_on.to_string(),
        valid_until: l.valid_until.map(|d| d.to_string()),
        scope: l.scope.clone(),
        notice: l.notice_text.clone(),
        pushed_at: l.pushed_at.to_rfc3339(),
        routes: l
            .routes
            .iter()
            .map(|r| {
                let s = ReceptionStatus::of(r.due_on, r.received_on, today);
                RouteDto {
                    department_id: r.department_id,
                    department: r.department.clone(),
                    due_on: r.due_on.to_string(),
                    status: s.code().into(),
                    status_label: s.label().into(),
                    received_at: r.received_at.map(|t| t.to_rfc3339()),
                    notice: r.notice_text.clone(),
                }
            })
            .collect(),
        warnings: if l.legacy_uscc {
            vec!["统一社会信用代码未通过校验,已按存量代码接收,请核实".into()]
        } else {
            Vec::new()
        },
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let k = v.to_str().map_err(|_| AppError::bad_request("Idempotency-Key 只能包含可见 ASCII 字符").json())?.trim();
    if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(AppError::bad_request("Idempotency-Key 须为 1 至 255 个可见 ASCII 字符").json());
    }
    Ok(Some(k.to_string()))
}

/// Pushes a licence or filing record (审管衔接). The record is routed to the supervising
/// departments of its item, which must receive it within the configured working days.
/// With `Idempotency-Key`, the same key and payload give the same response again
/// (header `Idempotent-Replayed: true`); the same key with another payload gives 422.
#[utoipa::path(post, path = "/api/v1/licences", tag = "审管衔接", request_body = LicencePushBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键:同一键同一内容返回同一结果")),
    responses((status = 201, body = LicenceDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_push_licence(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LicencePushBody>,
) -> Result<Response, AppError> {
    let invalid = |m: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m).json();
    let key = idempotency_key(&headers)?;
    let dept = p.department_id().ok_or_else(|| AppError::forbidden("须以部门身份推送").json())?;
    let (uscc, legacy) = match jianguan_domain::uscc::Uscc::parse_lenient(&body.uscc) {
        Ok((u, None)) => (u.into_string(), false),
        Ok((u, Some(_))) if body.accept_legacy_uscc => (u.into_string(), true),
        Ok((_, Some(w))) => {
            return Err(invalid(format!("{}(如确为存量代码,请设置 accept_legacy_uscc 为 true)", w.to_error())))
        }
        Err(e) => return Err(invalid(e.to_string())),
    };
    for (v, label, max) in [
        (&body.licence_no, "licence_no(编号)", 64),
        (&body.entity_name, "entity_name(名称)", 200),
        (&body.item_code, "item_code(事项编码)", 64),
    ] {
        if v.trim().is_empty() || v.chars().count() > max {
            return Err(invalid(format!("{label} 不能为空,最长 {max} 字")));
        }
    }
    if body.scope.chars().count() > 2000 {
        return Err(invalid("scope(许可范围)最长 2000 字".into()));
    }
    if body.valid_until.is_some_and(|v| v < body.decided_on) {
        return Err(invalid("valid_until(有效期至)不能早于 decided_on(决定日期)".into()));
    }
    let t = today();
    if body.decided_on > t {
        return Err(invalid("decided_on(决定日期)不能晚于今天".into()));
    }
    let days = state.config.handoff.reception_working_days;
    let push = LicencePush {
        record_kind: body.record_kind.trim().to_string(),
        licence_no: body.licence_no.trim().to_string(),
        item_code: body.item_code.trim().to_string(),
        uscc,
        legacy_uscc: legacy,
        entity_name: body.entity_name.trim().to_string(),
        issuing_department_id: dept,
        decided_on: body.decided_on,
        valid_until: body.valid_until,
        scope: body.scope.trim().to_string(),
        pushed_on: t,
        due_on: jianguan_domain::handoff::due_date(&jianguan_domain::calendar::WorkCalendar::builtin(), t, days),
        working_days: days,
    };
    let idem = key.map(|k| IdemKey {
        scope: format!("licences:department:{dept}"),
        key: k,
        request_hash: crate::security::sha256_hex(&serde_json::to_string(&body).expect("json")),
    });
    let render = move |l: &Licence| (201i64, serde_json::to_string(&licence_dto(l, t)).expect("json"));
    let actor = if matches!(p, Principal::ApiKey(_)) { p.actor() } else { p.actor_as(DeptStaff) };
    let outcome = match state.store.licence_push(&actor, &push, idem.as_ref(), &render).await {
        Ok(o) => o,
        // A concurrent request with the same key committed first: answer as it did.
        Err(StoreError::Db(_)) if idem.is_some() => {
            state.store.licence_push(&actor, &push, idem.as_ref(), &render).await.map_err(store_json)?
        }
        Err(e) => return Err(store_json(e)),
    };
    let (status, body, replayed) = match outcome {
        PushOutcome::Created { licence, status, body } => {
            for r in &licence.routes {
                state
                    .store
                    .notify(&NewNotification {
                        department_id: Some(r.department_id),
                        account_id: None,
                        kind: "handoff.new".into(),
                        title: format!("待接收:{}", licence.item_name),
                        body: r.notice_text.clone(),
                        link: format!("/registry/licences/{}", licence.id),
                        dedup_key: format!("handoff-new:{}:{}", licence.id, r.department_id),
                    })
                    .await
                    .map_err(store_json)?;
            }
            (status, body, false)
        }
        PushOutcome::Replayed { status, body } => (status, body, true),
    };
    let mut resp = (
        StatusCode::from_u16(status as u16).unwrap_or(StatusCode::CREATED),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if replayed {
        resp.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// Whether the caller may see this record: its issuing department, a department it was
/// routed to, or the ledger office.
fn may_see(p: &Principal, l: &Licence) -> bool {
    let mine = p.department_id();
    p.has(LedgerOffice)
        || Some(l.issuing_department_id) == mine
        || l.routes.iter().any(|r| Some(r.department_id) == mine)
}

/// One pushed record with its routing and reception.
#[utoipa::path(get, path = "/api/v1/licences/{id}", tag = "审管衔接", params(("id" = i64, Path)),
    responses((status = 200, body = LicenceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_licence(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let l = state.store.licence_get(id).await.map_err(store_json)?;
    if !may_see(&p, &l) {
        return Err(AppError::forbidden("该记录既非本部门推送,也未推送至本部门").json());
    }
    Ok(Json(licence_dto(&l, today())).into_response())
}

async fn receive(state: &AppState, p: &Principal, id: i64) -> Result<Licence, AppError> {
    let l = state.store.licence_get(id).await?;
    let dept = p.department_id().ok_or_else(|| AppError::forbidden("须以部门身份接收"))?;
    if !l.routes.iter().any(|r| r.department_id == dept) {
        let _ = state
            .store
            .audit(p.actor().event(
                "licence.receive_denied",
                format!("licence:{id}"),
                serde_json::json!({ "department_id": dept }),
            ))
            .await;
        return Err(AppError::forbidden("该记录未推送至本部门,不能接收"));
    }
    Ok(state.store.licence_receive(&p.actor_as(DeptStaff), id, dept, today()).await?)
}

/// Marks a record received (接收) by the caller's department.
#[utoipa::path(post, path = "/api/v1/licences/{id}/receive", tag = "审管衔接", params(("id" = i64, Path)),
    responses((status = 200, body = LicenceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_receive_licence(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let l = receive(&state, &p, id).await.map_err(AppError::json)?;
    Ok(Json(licence_dto(&l, today())).into_response())
}

pub async fn licence_receive(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match receive(&state, &p, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/registry/licences/{id}?received=1")).into_response()),
        Err(e) if e.code == "conflict" => Ok(Redirect::to(&format!("/registry/licences/{id}")).into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct LicenceQuery {
    /// `inbox` (default: routed to my department), `issued`, or `all` (ledger office).
    pub view: Option<String>,
    pub pending: Option<String>,
}

pub async fn licences_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<LicenceQuery>,
) -> Result<Response, AppError> {
    let units = units(&state).await?;
    let dept = p.department_id();
    let ledger = p.has(LedgerOffice);
    let view = match q.view.as_deref() {
        Some("issued") => "issued",
        Some("all") if ledger => "all",
        _ if ledger && !p.has(DeptStaff) => "all",
        _ => "inbox",
    };
    let pending = q.pending.as_deref() == Some("1");
    let filter = match view {
        "issued" => LicenceFilter { issued_by: dept, limit: 500, ..Default::default() },
        "all" => LicenceFilter { limit: 500, ..Default::default() },
        _ => LicenceFilter { routed_to: dept, unreceived_only: pending, limit: 500, ..Default::default() },
    };
    let t = today();
    let rows: Vec<_> = state
        .store
        .licence_search(&filter)
        .await?
        .iter()
        .map(|l| {
            let mine = l.routes.iter().find(|r| Some(r.department_id) == dept);
            let status = mine.map(|r| ReceptionStatus::of(r.due_on, r.received_on, t));
            context! { l => licence_dto(l, t), my_status => status.map(|s| s.code()), my_label => status.map(|s| s.label()),
                       my_due => mine.map(|r| r.due_on.to_string()) }
        })
        .collect();
    let ctx = context! {
        ..base(&p, "审管衔接"),
        ..context! { rows => rows, view => view, pending => pending, ledger => ledger, staff => p.has(DeptStaff),
                     department => dept.map(|d| unit_name(&units, d)), days => state.config.handoff.reception_working_days }
    };
    Ok(render("registry_licences.html", ctx)?.into_response())
}

pub async fn licence_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let l = state.store.licence_get(id).await?;
    if !may_see(&p, &l) {
        return Err(AppError::forbidden("该记录既非本部门推送,也未推送至本部门"));
    }
    let dept = p.department_id();
    let can_receive =
        p.has(DeptStaff) && l.routes.iter().any(|r| Some(r.department_id) == dept && r.received_at.is_none());
    let flash = q.contains_key("received").then_some("已接收,该市场主体已纳入本部门事中事后监管");
    let known = state.store.entity_get(&l.uscc).await?.is_some();
    let ctx = context! {
        ..base(&p, &format!("{} {}", l.item_name, l.licence_no)),
        ..context! { l => licence_dto(&l, today()), can_receive => can_receive, flash => flash, my_dept => dept, known => known }
    };
    Ok(render("registry_licence.html", ctx)?.into_response())
}

// --- public reception (附件1 第9项) ---------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ReceptionDto {
    pub department: String,
    /// Records routed to the department.
    pub routed: i64,
    pub on_time: i64,
    pub late: i64,
    pub pending: i64,
    pub overdue: i64,
    /// Received on time, percent of records whose deadline passed or that were received.
    pub on_time_rate: Option<f64>,
}

fn reception_dtos(rows: &[ReceptionRow]) -> Vec<ReceptionDto> {
    rows.iter()
        .map(|r| {
            let due = r.on_time + r.late + r.overdue;
            ReceptionDto {
                department: r.department.clone(),
                routed: r.routed,
                on_time: r.on_time,
                late: r.late,
                pending: r.pending,
                overdue: r.overdue,
                on_time_rate: (due > 0).then(|| (r.on_time as f64 * 1000.0 / due as f64).round() / 10.0),
            }
        })
        .collect()
}

/// Reception of pushed licences by supervising department (监管接收情况, public).
#[utoipa::path(get, path = "/api/v1/reception", tag = "审管衔接", responses((status = 200, body = [ReceptionDto])))]
pub async fn api_reception(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = state.store.reception_summary(today()).await.map_err(store_json)?;
    Ok(Json(reception_dtos(&rows)).into_response())
}

pub async fn public_reception(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let t = today();
    let rows = reception_dtos(&state.store.reception_summary(t).await?);
    let recent: Vec<_> = state
        .store
        .licence_search(&LicenceFilter { limit: 30, ..Default::default() })
        .await?
        .iter()
        .map(|l| {
            let d = licence_dto(l, t);
            context! { item => d.item_name, entity => d.entity_name, issuer => d.issuing_department, decided_on => d.decided_on, routes => d.routes,
                       kind => if d.record_kind == "filing" { "备案" } else { "许可" } }
        })
        .collect();
    let ctx = context! {
        ..base(&p, "监管接收情况"),
        ..context! { rows => rows, recent => recent, today => t.to_string(), days => state.config.handoff.reception_working_days }
    };
    Ok(render("registry_reception.html", ctx)?.into_response())
}

// --- dashboard, portal, schedule ------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    let mut out = Vec::new();
    if !BUSINESS.iter().any(|r| p.has(*r)) {
        return Ok(out);
    }
    let units = units(state).await?;
    let mine = my_dept(&units, p);
    let mut links = vec![
        ("/registry/entities".to_string(), "查询名录库".to_string()),
        ("/registry/items".to_string(), "事项清单".to_string()),
    ];
    if p.has(DeptStaff) && mine.as_ref().is_some_and(|(_, c)| c == REGISTRY_KEEPER) {
        links.push(("/registry/imports".into(), "导入名录库".into()));
    }
    out.push(Card {
        title: "检查对象名录库".into(),
        stats: vec![("市场主体".into(), state.store.entity_count().await?.to_string())],
        links,
    });
    if p.has(DeptStaff) {
        if let Some((dept, _)) = mine {
            let t = today();
            let row = state.store.reception_summary(t).await?.into_iter().find(|r| r.department_id == dept);
            let (pending, overdue) = row.map(|r| (r.pending, r.overdue)).unwrap_or((0, 0));
            out.push(Card {
                title: "审管衔接".into(),
                stats: vec![("待接收".into(), pending.to_string()), ("逾期未接收".into(), overdue.to_string())],
                links: vec![
                    ("/registry/licences?pending=1".into(), "待接收的许可信息".into()),
                    ("/registry/licences?view=issued".into(), "本部门推送的记录".into()),
                ],
            });
        }
    } else if p.has(LedgerOffice) {
        let rows = state.store.reception_summary(today()).await?;
        out.push(Card {
            title: "审管衔接".into(),
            stats: vec![
                ("推送".into(), rows.iter().map(|r| r.routed).sum::<i64>().to_string()),
                ("逾期未接收".into(), rows.iter().map(|r| r.overdue).sum::<i64>().to_string()),
            ],
            links: vec![
                ("/registry/licences?view=all".into(), "全部推送记录".into()),
                ("/public/reception".into(), "监管接收情况".into()),
            ],
        });
    }
    Ok(out)
}

/// Navigation entries of this capability for the caller.
pub fn nav(p: &Principal) -> Vec<crate::templates::NavItem> {
    use crate::templates::NavItem;
    let mut v = Vec::new();
    if BUSINESS.iter().any(|r| p.has(*r)) {
        v.push(NavItem { href: "/registry/entities", label: "名录库" });
        v.push(NavItem { href: "/registry/items", label: "事项清单" });
    }
    if STAFF_LEDGER.iter().any(|r| p.has(*r)) {
        v.push(NavItem { href: "/registry/licences", label: "审管衔接" });
    }
    v
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![
        PublicSection {
            title: "监管接收情况",
            text: "各审批部门推送的许可、备案信息由监管部门按时接收、纳入事中事后监管的情况(附件1第9项:审管衔接)。",
            href: Some("/public/reception"),
        },
        PublicSection {
            title: "事项清单",
            text: "南开区行政许可事项清单、备案事项清单、初审事项清单,以及已取消审批但仍需监管的事项,列明设定依据、审批部门和监管部门。",
            href: Some("/public/items"),
        },
        PublicSection {
            title: "市场主体查询",
            text: "按统一社会信用代码或名称查询检查对象名录库中的市场主体登记信息(个人信息已脱敏)。",
            href: Some("/public/entities"),
        },
    ]
}

/// Scheduled work, run by `serve` every tick: overdue-reception notices, and resuming
/// uploaded imports that a restart interrupted.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    for o in state.store.overdue_routes(today()).await? {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(o.department_id),
                account_id: None,
                kind: "handoff.overdue".into(),
                title: "许可信息逾期未接收".into(),
                body: format!("{}(编号{})应于{}前接收,已逾期,请尽快接收。", o.entity_name, o.licence_no, o.due_on),
                link: format!("/registry/licences/{}", o.licence_id),
                dedup_key: format!("handoff-overdue:{}:{}", o.licence_id, o.department_id),
            })
            .await?;
    }
    let dir = uploads_dir(state);
    for job in state.store.import_jobs(entity_import::KIND, 100).await? {
        if job.status != "running" || running(job.id) {
            continue;
        }
        let legacy = job.options.contains("\"accept_legacy\":true");
        let tag = if legacy { "legacy" } else { "strict" };
        let path =
            ["csv", "xlsx"].iter().map(|e| dir.join(format!("{}-{tag}.{e}", job.file_sha256))).find(|p| p.exists());
        let Some(path) = path else { continue };
        let limits = state.config.upload.clone();
        let name = job.file_name.clone();
        let pp = path.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            entity_import::prepare(&pp, &name, RowOptions { accept_legacy: legacy }, &limits)
        })
        .await
        .map_err(|_| AppError::internal("导入准备失败"))?;
        match prepared {
            Ok(pr) if pr.sha256 == job.file_sha256 => {
                tracing::info!(job = job.id, rows = job.rows_committed, "resuming interrupted entity import");
                let actor = jianguan_store::Actor {
                    name: job.started_by.clone(),
                    role: "dept_staff".into(),
                    account_id: None,
                    department_id: job.department_id,
                };
                spawn_import(state.clone(), actor, pr, job);
            }
            _ => tracing::error!(job = job.id, "interrupted import's file no longer matches; left as is"),
        }
    }
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_entities,
        api_entity,
        api_import,
        api_items,
        api_push_licence,
        api_licence,
        api_receive_licence,
        api_reception
    ),
    components(schemas(
        EntityDto,
        EntityPageDto,
        ImportJobDto,
        ItemDto,
        LicencePushBody,
        LicenceDto,
        RouteDto,
        ReceptionDto
    ))
)]
pub struct Api;
