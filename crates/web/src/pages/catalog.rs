//! Supervision catalogue pages and API (附件1 第15项, 附件2 第2项): departments claim
//! catalogue items (认领) and fill the inspection implementation list (检查实施清单) of
//! each; 区委网信办 maintains the catalogue and re-confirms unclaimed items; each
//! claiming department publishes its standardized implementation rules (监管细则) as
//! versioned documents, which are public.
//!
//! A department edits only its own claims' lists: another department's list is shown
//! read-only and any write to it is refused (403).

use crate::access::{Access, Principal};
use crate::error::AppError;
use crate::forms::{ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::Datelike;
use jianguan_domain::auth::Role;
use jianguan_domain::catalog::{CatalogueInput, ImplementationInput, Reconfirmation, IMPLEMENTATION_FIELDS, METHODS};
use jianguan_store::catalog::{Claim, ClaimFilter, NewRule, Rule};
use jianguan_store::dutymap::SupItemFilter;
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Code of 区委网信办: keeps the catalogue (互联网+监管) and re-confirms unclaimed items.
pub const OFFICE: &str = "wxb";

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::LedgerOffice];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/catalog", Roles(READERS), get(index)),
        r(M::POST, "/catalog/items", Roles(STAFF), post(item_create)),
        r(M::GET, "/catalog/items/{id}", Roles(READERS), get(item_page)),
        r(M::POST, "/catalog/items/{id}", Roles(STAFF), post(item_update)),
        r(M::POST, "/catalog/items/{id}/claim", Roles(STAFF), post(claim)),
        r(M::POST, "/catalog/items/{id}/reconfirm", Roles(STAFF), post(reconfirm)),
        r(M::POST, "/catalog/items/{id}/rules", Roles(STAFF), post(publish_rule)),
        r(M::GET, "/catalog/claims/{id}", Roles(READERS), get(claim_page)),
        r(M::POST, "/catalog/claims/{id}/implementation", Roles(STAFF), post(save_implementation)),
        r(M::POST, "/catalog/claims/{id}/withdraw", Roles(STAFF), post(withdraw)),
        r(M::GET, "/catalog/unclaimed", Roles(READERS), get(unclaimed)),
        r(M::GET, "/public/catalog", Public, get(public_catalog)),
        r(M::GET, "/public/catalog/rules/{id}", Public, get(public_rule)),
        r(M::GET, "/public/catalog/rules/{id}/attachment", Public, get(rule_attachment)),
        r(M::GET, "/api/v1/catalog/items", ApiKeyOr("lists:read", READERS), get(api_items)),
        r(M::POST, "/api/v1/catalog/items/{id}/claim", Roles(STAFF), post(api_claim)),
        r(M::POST, "/api/v1/catalog/claims/{id}/implementation", Roles(STAFF), post(api_implementation)),
        r(M::GET, "/api/v1/catalog/unclaimed", Roles(READERS), get(api_unclaimed)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("catalog_index.html", include_str!("../../templates/catalog_index.html")),
    ("catalog_item.html", include_str!("../../templates/catalog_item.html")),
    ("catalog_claim.html", include_str!("../../templates/catalog_claim.html")),
    ("catalog_unclaimed.html", include_str!("../../templates/catalog_unclaimed.html")),
    ("catalog_public.html", include_str!("../../templates/catalog_public.html")),
    ("catalog_rule.html", include_str!("../../templates/catalog_rule.html")),
];

struct Viewer {
    unit: Unit,
    staff: bool,
    office: bool,
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let staff = p.has(Role::DeptStaff);
    Ok(Viewer { office: staff && unit.code == OFFICE, staff, unit })
}

fn require_office(v: &Viewer) -> Result<(), AppError> {
    if v.office {
        Ok(())
    } else {
        Err(AppError::forbidden("监管事项目录由区委网信办维护"))
    }
}

/// The claim, if it is the caller's department's; another department's is refused.
async fn own_claim(state: &AppState, v: &Viewer, id: i64) -> Result<Claim, AppError> {
    let c = state.store.claim_get(id).await?;
    if !v.staff || c.department_id != v.unit.id {
        return Err(AppError::forbidden(format!("只能填写本部门认领事项的检查实施清单(该事项由{}认领)", c.department)));
    }
    Ok(c)
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "监管事项已加入目录。",
        "updated" => "监管事项已修改。",
        "claimed" => "已认领,请填写检查实施清单。",
        "saved" => "检查实施清单已保存。",
        "withdrawn" => "认领已撤回。",
        "reconfirmed" => "已处理,指派的部门已收到通知。",
        "rule" => "监管细则新版本已发布。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
    pub q: Option<String>,
}

fn claim_view(c: &Claim) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("json");
    v["active"] = json!(c.active());
    v
}

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, q: &Done) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let items = state.store.sup_items(&SupItemFilter { q: q.q.clone(), active_only: false, ..Default::default() }).await?;
    let claims = state.store.claims(&ClaimFilter { active_only: true, ..Default::default() }).await?;
    let mut by_item: HashMap<i64, Vec<&Claim>> = HashMap::new();
    for c in &claims {
        by_item.entry(c.item_id).or_default().push(c);
    }
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            let cs = by_item.get(&i.id).cloned().unwrap_or_default();
            json!({
                "id": i.id, "code": i.input.code, "name": i.input.name, "sub_name": i.input.sub_name, "sector": i.input.sector, "active": i.input.active,
                "claimed_by": cs.iter().map(|c| c.department.clone()).collect::<Vec<_>>(),
                "mine": cs.iter().find(|c| c.department_id == v.unit.id).map(|c| c.id),
            })
        })
        .collect();
    let mine: Vec<_> = claims.iter().filter(|c| c.department_id == v.unit.id).map(claim_view).collect();
    let assigned: Vec<_> = state
        .store
        .unclaimed()
        .await?
        .into_iter()
        .filter(|u| u.latest.as_ref().is_some_and(|l| l.decision == Reconfirmation::Assign && l.department_id == Some(v.unit.id)))
        .collect();
    let ctx = context! {
        ..base(p, "监管事项目录与认领"),
        ..context! {
            error => error,
            flash => flash_of(q.done.as_deref()),
            items => rows,
            mine => mine,
            assigned => assigned,
            staff => v.staff,
            office => v.office,
            unit => v.unit.name,
            q => q.q.clone().unwrap_or_default(),
        }
    };
    Ok(render("catalog_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    index_page(&state, &p, None, &q).await
}

#[derive(Deserialize)]
pub struct ItemForm {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub sub_name: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub active: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

impl ItemForm {
    fn input(&self) -> CatalogueInput {
        CatalogueInput {
            code: self.code.clone(),
            name: self.name.clone(),
            sub_name: self.sub_name.clone(),
            basis: self.basis.clone(),
            sector: self.sector.clone(),
            active: self.active.as_deref().is_none_or(|a| a == "1" || a == "on"),
        }
    }
}

pub async fn item_create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ItemForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_office(&v)?;
    match state.store.sup_item_create(&p.actor_as(Role::DeptStaff), &f.input()).await {
        Ok(i) => Ok(see_other(&format!("/catalog/items/{}?done=created", i.id))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(index_page(&state, &p, Some(msg), &Done::default()).await?, st))
        }
    }
}

async fn item_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let item = state.store.sup_item_get(id).await?;
    let claims = state.store.claims(&ClaimFilter { item_id: Some(id), ..Default::default() }).await?;
    let mine = claims.iter().find(|c| c.active() && c.department_id == v.unit.id).map(claim_view);
    let rules = state.store.rules(id).await?;
    let reconfirms = state.store.reconfirmations(id).await?;
    let ctx = context! {
        ..base(p, &item.input.name),
        ..context! {
            error => error,
            flash => flash_of(done),
            item => item,
            claims => claims.iter().map(claim_view).collect::<Vec<_>>(),
            mine => mine,
            rules => rules,
            reconfirms => reconfirms.iter().map(|r| json!({ "at": r.at, "actor": r.actor, "decision": r.decision.label(), "department": r.department, "note": r.note })).collect::<Vec<_>>(),
            fields => IMPLEMENTATION_FIELDS.iter().map(|f| json!({ "key": f.0, "label": f.1 })).collect::<Vec<_>>(),
            staff => v.staff,
            office => v.office,
            today => today().to_string(),
            accept => helpers::ACCEPT_ATTR,
        }
    };
    Ok(render("catalog_item.html", ctx)?.into_response())
}

pub async fn item_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    item_render(&state, &p, id, None, q.done.as_deref()).await
}

pub async fn item_update(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ItemForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let current = state.store.sup_item_get(id).await?;
    require_office(&v)?;
    match state.store.sup_item_update(&p.actor_as(Role::DeptStaff), id, &f.input(), f.version.unwrap_or(current.version)).await {
        Ok(_) => Ok(see_other(&format!("/catalog/items/{id}?done=updated"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

async fn do_claim(state: &AppState, p: &Principal, id: i64) -> Result<Claim, AppError> {
    let v = viewer(state, p).await?;
    Ok(state.store.claim(&p.actor_as(Role::DeptStaff), id, v.unit.id).await?)
}

pub async fn claim(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    match do_claim(&state, &p, id).await {
        Ok(c) => Ok(see_other(&format!("/catalog/claims/{}?done=claimed", c.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct ReconfirmForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub department_id: Option<String>,
    #[serde(default)]
    pub note: String,
}

pub async fn reconfirm(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ReconfirmForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let item = state.store.sup_item_get(id).await?;
    require_office(&v)?;
    let r: Result<(), AppError> = async {
        let decision = Reconfirmation::from_code(&f.decision).ok_or_else(|| invalid("请选择处理方式"))?;
        let dept = match f.department_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(s.parse::<i64>().map_err(|_| invalid("部门选择有误"))?),
            None => None,
        };
        let rc = state.store.reconfirm(&p.actor_as(Role::DeptStaff), id, decision, dept, &f.note).await?;
        if let (Reconfirmation::Assign, Some(d)) = (decision, rc.department_id) {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(d),
                    account_id: None,
                    kind: "catalog".into(),
                    title: format!("请认领监管事项:{}({})", item.input.name, item.input.code),
                    body: f.note.trim().to_string(),
                    link: format!("/catalog/items/{id}"),
                    dedup_key: format!("catalog-assign-{}", rc.id),
                })
                .await?;
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/catalog/unclaimed?done=reconfirmed")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(unclaimed_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

pub async fn publish_rule(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, mp: Multipart) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    state.store.sup_item_get(id).await?;
    let r: Result<Rule, AppError> = async {
        let up = helpers::read_upload(&state.config.upload, mp).await?;
        let effective_on = helpers::opt_date("施行日期", up.get("effective_on"))?.unwrap_or_else(today);
        Ok(state
            .store
            .rule_publish(
                &p.actor_as(Role::DeptStaff),
                &NewRule {
                    item_id: id,
                    department_id: v.unit.id,
                    title: up.get("title").to_string(),
                    body: up.get("body").to_string(),
                    change_note: up.get("change_note").to_string(),
                    attachment: up.file,
                    effective_on,
                },
            )
            .await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other(&format!("/catalog/items/{id}?done=rule"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

async fn claim_render(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
    done: Option<&str>,
    submitted: Option<&ImplementationInput>,
) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let c = state.store.claim_get(id).await?;
    let own = v.staff && c.department_id == v.unit.id && c.active();
    let history: Vec<_> = state
        .store
        .implementation_history(id)
        .await?
        .into_iter()
        .map(|h| json!({ "version": h.version, "at": h.at, "actor": h.actor, "list": serde_json::from_str::<serde_json::Value>(&h.snapshot).unwrap_or_default() }))
        .collect();
    let values = submitted.cloned().or_else(|| c.implementation.as_ref().map(|m| m.input.clone())).unwrap_or_default();
    let ctx = context! {
        ..base(p, &format!("检查实施清单:{}", c.item_name)),
        ..context! {
            error => error,
            flash => flash_of(done),
            c => claim_view(&c),
            own => own,
            values => values,
            fields => IMPLEMENTATION_FIELDS.iter().map(|f| json!({ "key": f.0, "label": f.1, "max": f.2, "required": f.3 })).collect::<Vec<_>>(),
            methods => METHODS,
            history => history,
        }
    };
    Ok(render("catalog_claim.html", ctx)?.into_response())
}

pub async fn claim_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    claim_render(&state, &p, id, None, q.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct ImplementationForm {
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub handling: String,
    #[serde(default)]
    pub version: i64,
}

impl ImplementationForm {
    fn input(&self) -> ImplementationInput {
        ImplementationInput {
            basis: self.basis.clone(),
            content: self.content.clone(),
            method: self.method.clone(),
            object: self.object.clone(),
            body: self.body.clone(),
            frequency: self.frequency.clone(),
            handling: self.handling.clone(),
        }
    }
}

pub async fn save_implementation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ImplementationForm>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    own_claim(&state, &v, id).await?;
    let input = f.input();
    match state.store.implementation_save(&p.actor_as(Role::DeptStaff), id, v.unit.id, &input, f.version).await {
        Ok(_) => Ok(see_other(&format!("/catalog/claims/{id}?done=saved"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(claim_render(&state, &p, id, Some(msg), None, Some(&input)).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
}

pub async fn withdraw(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<NoteForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let c = own_claim(&state, &v, id).await?;
    match state.store.claim_withdraw(&p.actor_as(Role::DeptStaff), id, v.unit.id, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/catalog/items/{}?done=withdrawn", c.item_id))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(claim_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

async fn unclaimed_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let list = state.store.unclaimed().await?;
    let ctx = context! {
        ..base(p, "未认领的监管事项"),
        ..context! {
            error => error,
            flash => flash_of(done),
            items => list.iter().map(|u| json!({
                "item_id": u.item_id, "code": u.code, "name": u.name, "sector": u.sector,
                "latest": u.latest.as_ref().map(|l| json!({ "decision": l.decision.label(), "department": l.department, "note": l.note, "at": l.at })),
            })).collect::<Vec<_>>(),
            office => v.office,
            departments => helpers::departments(state).await?,
        }
    };
    Ok(render("catalog_unclaimed.html", ctx)?.into_response())
}

pub async fn unclaimed(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    unclaimed_page(&state, &p, None, q.done.as_deref()).await
}

pub async fn public_catalog(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let items = state.store.sup_items(&SupItemFilter { active_only: true, ..Default::default() }).await?;
    let claims = state.store.claims(&ClaimFilter { active_only: true, ..Default::default() }).await?;
    let rules = state.store.current_rules().await?;
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            json!({
                "code": i.input.code, "name": i.input.name, "sub_name": i.input.sub_name, "sector": i.input.sector,
                "claimed_by": claims.iter().filter(|c| c.item_id == i.id).map(|c| c.department.clone()).collect::<Vec<_>>(),
                "rules": rules.iter().filter(|r| r.item_id == i.id).map(|r| json!({ "id": r.id, "title": r.title, "version": r.version, "department": r.department })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let ctx = context! { ..base(&p, "监管事项目录与监管细则"), ..context! { items => rows } };
    Ok(render("catalog_public.html", ctx)?.into_response())
}

pub async fn public_rule(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let rule = state.store.rule_get(id).await?;
    let versions: Vec<_> = state.store.rules(rule.item_id).await?.into_iter().filter(|r| r.department_id == rule.department_id).collect();
    let ctx = context! {
        ..base(&p, &rule.title),
        ..context! {
            rule => json!({
                "id": rule.id, "item_code": rule.item_code, "item_name": rule.item_name, "department": rule.department, "version": rule.version,
                "title": rule.title, "body": rule.body, "attachment": rule.attachment, "effective_on": rule.effective_on, "change_note": rule.change_note, "created_at": rule.created_at,
            }),
            versions => versions.iter().map(|r| json!({ "id": r.id, "version": r.version, "effective_on": r.effective_on, "change_note": r.change_note, "created_at": r.created_at })).collect::<Vec<_>>(),
        }
    };
    Ok(render("catalog_rule.html", ctx)?.into_response())
}

pub async fn rule_attachment(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let rule = state.store.rule_get(id).await?;
    let a = rule.attachment.ok_or_else(|| AppError::not_found("该版本细则没有附件"))?;
    let doc = state.store.doc_file(&a.sha256).await?.ok_or_else(|| AppError::not_found("文件不存在"))?;
    Ok(helpers::download(doc, &a.name))
}

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !p.has(Role::DeptStaff) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    let mine = state.store.claims(&ClaimFilter { department_id: Some(v.unit.id), active_only: true, ..Default::default() }).await?;
    let unclaimed = state.store.unclaimed().await?;
    let assigned = unclaimed
        .iter()
        .filter(|u| u.latest.as_ref().is_some_and(|l| l.decision == Reconfirmation::Assign && l.department_id == Some(v.unit.id)))
        .count();
    let mut stats = vec![
        ("本部门已认领".to_string(), mine.len().to_string()),
        ("检查实施清单未填".to_string(), mine.iter().filter(|c| c.implementation.is_none()).count().to_string()),
        ("指派本部门认领".to_string(), assigned.to_string()),
    ];
    if v.office {
        stats.push(("全区未认领事项".into(), unclaimed.len().to_string()));
    }
    Ok(vec![Card {
        title: "监管事项认领".into(),
        stats,
        links: vec![("/catalog".into(), "监管事项目录与认领".into()), ("/catalog/unclaimed".into(), "未认领事项".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "监管事项目录与监管细则",
        text: "各部门认领的监管事项目录清单,以及事中事后监管标准化实施细则的现行版本和历次修订(附件1 第15项、附件2 第2项)。",
        href: Some("/public/catalog"),
    }]
}

/// A weekly reminder to 区委网信办 while items stay unclaimed (one per ISO week).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let list = state.store.unclaimed().await?;
    let pending = list.iter().filter(|u| u.latest.is_none()).count();
    if pending == 0 {
        return Ok(());
    }
    let Some(office) = helpers::unit_by_code(state, OFFICE).await? else { return Ok(()) };
    let w = today().iso_week();
    state
        .store
        .notify(&NewNotification {
            department_id: Some(office.id),
            account_id: None,
            kind: "catalog".into(),
            title: format!("有 {pending} 个监管事项无部门认领,待重新梳理确认"),
            body: "请指派部门认领,或确认为非区级实施事项。".into(),
            link: "/catalog/unclaimed".into(),
            dedup_key: format!("catalog-unclaimed-{}-W{:02}", w.year(), w.week()),
        })
        .await?;
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------------

/// The catalogue with the departments that claimed each item.
#[utoipa::path(get, path = "/api/v1/catalog/items", tag = "监管事项目录", responses((status = 200, body = [Object]), (status = 401, body = crate::error::ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_items(State(state): State<AppState>) -> Result<Response, AppError> {
    let items = state.store.sup_items(&SupItemFilter::default()).await.map_err(api_err)?;
    let claims = state.store.claims(&ClaimFilter { active_only: true, ..Default::default() }).await.map_err(api_err)?;
    let out: Vec<_> = items
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(&i.input).expect("json");
            v["id"] = json!(i.id);
            v["claims"] = json!(claims.iter().filter(|c| c.item_id == i.id).map(|c| json!({ "claim_id": c.id, "department_id": c.department_id, "department": c.department, "implementation_version": c.implementation.as_ref().map(|m| m.version) })).collect::<Vec<_>>());
            v
        })
        .collect();
    Ok(Json(out).into_response())
}

/// Claims an item for the caller's department (a repeated claim is a 409).
#[utoipa::path(post, path = "/api/v1/catalog/items/{id}/claim", tag = "监管事项目录", params(("id" = i64, Path, description = "监管事项编号")),
    responses((status = 201, body = Object), (status = 409, body = crate::error::ErrorBody)), security(("session" = [])))]
pub async fn api_claim(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let c = do_claim(&state, &p, id).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(claim_view(&c))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ImplementationDto {
    /// The list's version as read (0 when none yet).
    pub version: i64,
    pub basis: String,
    pub content: String,
    pub method: String,
    pub object: String,
    pub body: String,
    pub frequency: String,
    #[serde(default)]
    pub handling: String,
}

/// Saves the implementation list of one of the caller's department's claims.
#[utoipa::path(post, path = "/api/v1/catalog/claims/{id}/implementation", tag = "监管事项目录", request_body = ImplementationDto,
    params(("id" = i64, Path, description = "认领记录编号")),
    responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn api_implementation(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, ApiJson(b): ApiJson<ImplementationDto>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    own_claim(&state, &v, id).await.map_err(api_err)?;
    let input = ImplementationInput { basis: b.basis, content: b.content, method: b.method, object: b.object, body: b.body, frequency: b.frequency, handling: b.handling };
    let c = state.store.implementation_save(&p.actor_as(Role::DeptStaff), id, v.unit.id, &input, b.version).await.map_err(api_err)?;
    Ok(Json(claim_view(&c)).into_response())
}

/// Active items no department has claimed, with 区委网信办's latest decision.
#[utoipa::path(get, path = "/api/v1/catalog/unclaimed", tag = "监管事项目录", responses((status = 200, body = [Object])), security(("session" = [])))]
pub async fn api_unclaimed(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(Json(state.store.unclaimed().await.map_err(api_err)?).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_items, api_claim, api_implementation, api_unclaimed), components(schemas(ImplementationDto)))]
pub struct Api;
