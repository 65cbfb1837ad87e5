//! Duty map pages and API (附件2 第1项): which departments answer for each supervision
//! item; gaps (空白区), overlaps (重合区) and disputes (争议区), and 区委编办's resolution.
//!
//! * Every department (部门填报) reads the map and raises problems about items; it sees
//!   the problems it raised or that concern it.
//! * 区委编办 records the division of duties, accepts, resolves (setting
//!   exactly one lead department) or rejects problems; 区司法局 (法制审核, co-responsible
//!   for the task) and the ledger office read everything.
//! * The map itself is public.

use crate::access::{Access, Principal};
use crate::error::AppError;
use crate::forms::ApiJson;
use crate::helpers::{self, api_err, invalid, see_other, shown, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::dutymap::{self as dm, DutyRole, IssueAction, IssueKind, IssueStatus};
use jianguan_store::dutymap::{AssignmentInput, DutyIssue, IssueFilter, NewIssue, SupItem, SupItemFilter};
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Code of 区委编办, which owns the resolution flow.
pub const OFFICE: &str = "bb";

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::LedgerOffice, Role::LegalReviewer];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/duty-map", Roles(READERS), get(index)),
        r(M::GET, "/duty-map/items/{id}", Roles(READERS), get(item_page)),
        r(M::POST, "/duty-map/items/{id}/assignments", Roles(STAFF), post(set_assignments)),
        r(M::GET, "/duty-map/issues", Roles(READERS), get(issues)),
        r(M::POST, "/duty-map/issues", Roles(STAFF), post(raise)),
        r(M::GET, "/duty-map/issues/{id}", Roles(READERS), get(issue_page)),
        r(M::POST, "/duty-map/issues/{id}/act", Roles(STAFF), post(act)),
        r(M::POST, "/duty-map/scan", Roles(STAFF), post(scan)),
        r(M::GET, "/public/duty-map", Public, get(public_map)),
        r(M::GET, "/api/v1/duty-map", ApiKeyOr("lists:read", READERS), get(api_map)),
        r(M::GET, "/api/v1/duty-map/issues", Roles(READERS), get(api_issues)),
        r(M::POST, "/api/v1/duty-map/issues", Roles(STAFF), post(api_raise)),
        r(M::POST, "/api/v1/duty-map/issues/{id}/act", Roles(STAFF), post(api_act)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("dutymap_index.html", include_str!("../../templates/dutymap_index.html")),
    ("dutymap_item.html", include_str!("../../templates/dutymap_item.html")),
    ("dutymap_issues.html", include_str!("../../templates/dutymap_issues.html")),
    ("dutymap_issue.html", include_str!("../../templates/dutymap_issue.html")),
    ("dutymap_public.html", include_str!("../../templates/dutymap_public.html")),
];

struct Viewer {
    unit: Unit,
    staff: bool,
    office: bool,
    all: bool,
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let staff = p.has(Role::DeptStaff);
    let office = staff && unit.code == OFFICE;
    Ok(Viewer { office, staff, all: office || p.has(Role::LedgerOffice) || p.has(Role::LegalReviewer), unit })
}

impl Viewer {
    fn sees(&self, i: &DutyIssue) -> bool {
        self.all || i.raised_by_department_id == Some(self.unit.id) || i.departments.contains(&self.unit.id)
    }
}

fn require_office(v: &Viewer) -> Result<(), AppError> {
    if v.office {
        Ok(())
    } else {
        Err(AppError::forbidden("职责界定由区委编办办理"))
    }
}

/// An item for templates: its assignments with labels, and its gap or overlap.
fn item_view(i: &SupItem) -> serde_json::Value {
    let pairs: Vec<(i64, DutyRole)> = i.assignments.iter().map(|a| (a.department_id, a.role)).collect();
    let finding = dm::analyse(&pairs);
    let mut v = serde_json::to_value(i).expect("json");
    v["assignments"] = json!(i
        .assignments
        .iter()
        .map(|a| json!({ "department_id": a.department_id, "department": a.department, "role": a.role.code(), "role_label": a.role.label(), "basis": a.basis, "assigned_at": a.assigned_at }))
        .collect::<Vec<_>>());
    v["finding"] = json!(finding.as_ref().map(|f| f.kind.code()));
    v["finding_label"] = json!(finding.as_ref().map(|f| f.kind.label()));
    v["leads"] = json!(i.assignments.iter().filter(|a| a.role == DutyRole::Lead).map(|a| a.department.clone()).collect::<Vec<_>>());
    v["cooperating"] = json!(i.assignments.iter().filter(|a| a.role == DutyRole::Cooperating).map(|a| a.department.clone()).collect::<Vec<_>>());
    v
}

fn issue_view(i: &DutyIssue, names: &HashMap<i64, String>) -> serde_json::Value {
    let mut v = serde_json::to_value(i).expect("json");
    v["kind"] = json!(i.kind.code());
    v["kind_label"] = json!(i.kind.label());
    v["status"] = json!(i.status.code());
    v["status_label"] = json!(i.status.label());
    v["department_names"] = json!(i.departments.iter().filter_map(|d| names.get(d).cloned()).collect::<Vec<_>>());
    v
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "raised" => "问题已提交区委编办。",
        "accept" => "已受理。",
        "resolve" => "职责已界定,监管事项的职责分工已更新。",
        "reject" => "已作不予认定处理。",
        "assignments" => "职责分工已更新,变更已记入历史。",
        "scan" => "已完成职责排查。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct MapQuery {
    pub q: Option<String>,
    pub mine: Option<String>,
    pub problem: Option<String>,
    pub done: Option<String>,
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<MapQuery>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let f = SupItemFilter {
        q: q.q.clone(),
        department_id: q.mine.as_deref().filter(|m| !m.is_empty()).map(|_| v.unit.id),
        active_only: true,
    };
    let mut items: Vec<_> = state.store.sup_items(&f).await?.iter().map(item_view).collect();
    let gaps = items.iter().filter(|i| i["finding"] == "gap").count();
    let overlaps = items.iter().filter(|i| i["finding"] == "overlap").count();
    if q.problem.as_deref().is_some_and(|p| !p.is_empty()) {
        items.retain(|i| !i["finding"].is_null());
    }
    let open = state.store.duty_issues(&IssueFilter { open_only: true, ..Default::default() }).await?.len();
    let ctx = context! {
        ..base(&p, "监管职责图谱"),
        ..context! {
            flash => flash_of(q.done.as_deref()),
            items => items,
            gaps => gaps,
            overlaps => overlaps,
            open => open,
            office => v.office,
            staff => v.staff,
            q => q.q.unwrap_or_default(),
            mine => q.mine.is_some_and(|m| !m.is_empty()),
            problem => q.problem.is_some_and(|m| !m.is_empty()),
        }
    };
    Ok(render("dutymap_index.html", ctx)?.into_response())
}

async fn item_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let item = state.store.sup_item_get(id).await?;
    let names = crate::pages::department_names(state).await?;
    let issues: Vec<_> = state
        .store
        .duty_issues(&IssueFilter { item_id: Some(id), ..Default::default() })
        .await?
        .into_iter()
        .filter(|i| v.sees(i))
        .map(|i| issue_view(&i, &names))
        .collect();
    let history: Vec<_> = state
        .store
        .duty_history(id)
        .await?
        .into_iter()
        .map(|h| {
            let fmt = |s: &str| -> String {
                let list: Vec<serde_json::Value> = serde_json::from_str(s).unwrap_or_default();
                list.iter()
                    .map(|a| {
                        let d = a["department_id"].as_i64().and_then(|d| names.get(&d).cloned()).unwrap_or_default();
                        let role = a["role"].as_str().and_then(DutyRole::from_code).map(|r| r.label()).unwrap_or("");
                        format!("{d}({role})")
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            };
            json!({ "at": h.at, "actor": h.actor, "issue_id": h.issue_id, "before": fmt(&h.before), "after": fmt(&h.after), "note": h.note })
        })
        .collect();
    let current: HashMap<i64, (String, String)> =
        item.assignments.iter().map(|a| (a.department_id, (a.role.code().to_string(), a.basis.clone()))).collect();
    let departments: Vec<_> = helpers::departments(state)
        .await?
        .into_iter()
        .map(|d| {
            let (role, basis) = current.get(&d.id).cloned().unwrap_or_default();
            json!({ "id": d.id, "name": d.name, "role": role, "basis": basis })
        })
        .collect();
    let ctx = context! {
        ..base(p, &item.input.name),
        ..context! {
            error => error,
            flash => flash_of(done),
            item => item_view(&item),
            licences => state.store.sup_item_licences(id).await?,
            issues => issues,
            history => history,
            departments => departments,
            kinds => IssueKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect::<Vec<_>>(),
            staff => v.staff,
            office => v.office,
            unit_id => v.unit.id,
        }
    };
    Ok(render("dutymap_item.html", ctx)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

pub async fn item_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    item_render(&state, &p, id, None, q.done.as_deref()).await
}

/// Reads `role_<department>` / `basis_<department>` fields into assignments.
fn assignments_of(pairs: &[(String, String)]) -> Result<Vec<AssignmentInput>, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut out = Vec::new();
    for (k, val) in pairs {
        let Some(d) = k.strip_prefix("role_") else { continue };
        if val.is_empty() {
            continue;
        }
        let department_id: i64 = d.parse().map_err(|_| invalid("部门选择有误"))?;
        let role = DutyRole::from_code(val).ok_or_else(|| invalid(format!("职责角色“{val}”无法识别")))?;
        out.push(AssignmentInput { department_id, role, basis: get(&format!("basis_{d}")).to_string() });
    }
    Ok(out)
}

pub async fn set_assignments(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    state.store.sup_item_get(id).await?;
    require_office(&v)?;
    let pairs = crate::pages::admin::pairs(&body);
    let note = pairs.iter().find(|(k, _)| k == "note").map(|(_, v)| v.clone()).unwrap_or_default();
    let r: Result<SupItem, AppError> = async { Ok(state.store.duty_set(&p.actor_as(Role::DeptStaff), id, &assignments_of(&pairs)?, &note).await?) }.await;
    match r {
        Ok(_) => Ok(see_other(&format!("/duty-map/items/{id}?done=assignments"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct IssuesQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub open: Option<String>,
}

async fn visible_issues(state: &AppState, v: &Viewer, q: &IssuesQuery) -> Result<Vec<DutyIssue>, AppError> {
    let f = IssueFilter {
        status: q.status.as_deref().and_then(IssueStatus::from_code),
        kind: q.kind.as_deref().and_then(IssueKind::from_code),
        department_id: if v.all { None } else { Some(v.unit.id) },
        item_id: None,
        open_only: q.open.as_deref().is_some_and(|o| !o.is_empty()),
    };
    Ok(state.store.duty_issues(&f).await?)
}

pub async fn issues(State(state): State<AppState>, p: Principal, Query(q): Query<IssuesQuery>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let names = crate::pages::department_names(&state).await?;
    let list: Vec<_> = visible_issues(&state, &v, &q).await?.iter().map(|i| issue_view(i, &names)).collect();
    let ctx = context! {
        ..base(&p, "职责问题(空白区、重合区、争议区)"),
        ..context! {
            issues => list,
            office => v.office,
            statuses => IssueStatus::ALL.iter().map(|s| json!({ "code": s.code(), "label": s.label() })).collect::<Vec<_>>(),
            kinds => IssueKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect::<Vec<_>>(),
            status => q.status.unwrap_or_default(),
            kind => q.kind.unwrap_or_default(),
        }
    };
    Ok(render("dutymap_issues.html", ctx)?.into_response())
}

async fn notify_office(state: &AppState, issue: &DutyIssue, dedup: &str) -> Result<(), AppError> {
    if let Some(office) = helpers::unit_by_code(state, OFFICE).await? {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(office.id),
                account_id: None,
                kind: "dutymap".into(),
                title: format!("{}:{}", issue.kind.label(), issue.item_name),
                body: issue.description.clone(),
                link: format!("/duty-map/issues/{}", issue.id),
                dedup_key: dedup.to_string(),
            })
            .await?;
    }
    Ok(())
}

async fn raise_issue(state: &AppState, p: &Principal, item_id: i64, kind: &str, description: &str, others: Vec<i64>) -> Result<DutyIssue, AppError> {
    let v = viewer(state, p).await?;
    let kind = IssueKind::from_code(kind).ok_or_else(|| invalid("请选择问题类型"))?;
    let issue = state
        .store
        .duty_issue_raise(&p.actor_as(Role::DeptStaff), &NewIssue { item_id, kind, department_id: v.unit.id, departments: others, description: description.to_string() })
        .await?;
    notify_office(state, &issue, &format!("duty-issue-{}-raised", issue.id)).await?;
    Ok(issue)
}

pub async fn raise(State(state): State<AppState>, p: Principal, body: axum::body::Bytes) -> Result<Response, AppError> {
    let pairs = crate::pages::admin::pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let item_id: i64 = get("item_id").parse().map_err(|_| invalid("请选择监管事项"))?;
    let r: Result<DutyIssue, AppError> = async {
        let mut others = Vec::new();
        for (k, val) in &pairs {
            if k == "department" {
                others.push(val.parse::<i64>().map_err(|_| invalid("部门选择有误"))?);
            }
        }
        raise_issue(&state, &p, item_id, &get("kind"), &get("description"), others).await
    }
    .await;
    match r {
        Ok(i) => Ok(see_other(&format!("/duty-map/issues/{}?done=raised", i.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, item_id, Some(msg), None).await?, st))
        }
    }
}

async fn issue_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let issue = state.store.duty_issue_get(id).await?;
    if !v.sees(&issue) {
        return Err(AppError::not_found(format!("职责问题 {id} 不存在")));
    }
    let item = state.store.sup_item_get(issue.item_id).await?;
    let names = crate::pages::department_names(state).await?;
    let events: Vec<_> = state
        .store
        .duty_issue_events(id)
        .await?
        .into_iter()
        .map(|e| json!({ "at": e.at, "actor": e.actor, "department": e.department_id.and_then(|d| names.get(&d).cloned()), "action": e.action, "note": e.note }))
        .collect();
    let current: HashMap<i64, (String, String)> =
        item.assignments.iter().map(|a| (a.department_id, (a.role.code().to_string(), a.basis.clone()))).collect();
    let departments: Vec<_> = helpers::departments(state)
        .await?
        .into_iter()
        .map(|d| {
            let (role, basis) = current.get(&d.id).cloned().unwrap_or_default();
            json!({ "id": d.id, "name": d.name, "role": role, "basis": basis })
        })
        .collect();
    let ctx = context! {
        ..base(p, "职责问题"),
        ..context! {
            error => error,
            flash => flash_of(done),
            issue => issue_view(&issue, &names),
            item => item_view(&item),
            events => events,
            departments => departments,
            office => v.office && !issue.status.is_closed(),
            can_accept => v.office && issue.status == IssueStatus::Open,
        }
    };
    Ok(render("dutymap_issue.html", ctx)?.into_response())
}

pub async fn issue_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    issue_render(&state, &p, id, None, q.done.as_deref()).await
}

async fn do_act(state: &AppState, p: &Principal, id: i64, action: &str, note: &str, assignments: &[AssignmentInput]) -> Result<DutyIssue, AppError> {
    let v = viewer(state, p).await?;
    let issue = state.store.duty_issue_get(id).await?;
    if !v.sees(&issue) {
        return Err(AppError::not_found(format!("职责问题 {id} 不存在")));
    }
    require_office(&v)?;
    let action = match action {
        "accept" => IssueAction::Accept,
        "resolve" => IssueAction::Resolve,
        "reject" => IssueAction::Reject,
        _ => return Err(invalid("请选择处理方式")),
    };
    let out = state.store.duty_issue_act(&p.actor_as(Role::DeptStaff), id, action, note, assignments).await?;
    if out.status.is_closed() {
        let mut notify: Vec<i64> = out.departments.clone();
        notify.extend(out.raised_by_department_id);
        notify.sort_unstable();
        notify.dedup();
        for d in notify {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(d),
                    account_id: None,
                    kind: "dutymap".into(),
                    title: format!("{}“{}”:{}", out.kind.label(), out.item_name, out.status.label()),
                    body: out.resolution.clone(),
                    link: format!("/duty-map/issues/{id}"),
                    dedup_key: format!("duty-issue-{id}-closed-{d}"),
                })
                .await?;
        }
    }
    Ok(out)
}

pub async fn act(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, body: axum::body::Bytes) -> Result<Response, AppError> {
    let pairs = crate::pages::admin::pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let action = get("action");
    let r: Result<DutyIssue, AppError> = async {
        let a = if action == "resolve" { assignments_of(&pairs)? } else { Vec::new() };
        do_act(&state, &p, id, &action, &get("note"), &a).await
    }
    .await;
    match r {
        Ok(_) => Ok(see_other(&format!("/duty-map/issues/{id}?done={action}"))),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(e),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(issue_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

/// Scans the map and tells 区委编办 about each newly opened gap or overlap.
async fn run_scan(state: &AppState, actor: &jianguan_store::Actor) -> Result<usize, AppError> {
    let out = state.store.duty_scan(actor).await?;
    for i in &out.opened {
        notify_office(state, i, &format!("duty-issue-{}-detected", i.id)).await?;
    }
    Ok(out.opened.len())
}

/// Any department may run the scan at once (it runs hourly anyway): it only opens issues
/// for gaps and overlaps that exist, and they go to 区委编办.
pub async fn scan(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    run_scan(&state, &p.actor_as(Role::DeptStaff)).await?;
    Ok(see_other("/duty-map?done=scan"))
}

pub async fn public_map(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let items: Vec<_> = state.store.sup_items(&SupItemFilter { active_only: true, ..Default::default() }).await?.iter().map(item_view).collect();
    let ctx = context! { ..base(&p, "监管职责图谱"), ..context! { items => items } };
    Ok(render("dutymap_public.html", ctx)?.into_response())
}

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !READERS.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    let open = visible_issues(state, &v, &IssuesQuery { open: Some("1".into()), ..Default::default() }).await?;
    let mut stats = vec![("待处理的职责问题".to_string(), open.len().to_string())];
    if v.office {
        stats.push(("待受理".into(), open.iter().filter(|i| i.status == IssueStatus::Open).count().to_string()));
    }
    Ok(vec![Card {
        title: "监管职责图谱".into(),
        stats,
        links: vec![("/duty-map".into(), "职责图谱".into()), ("/duty-map/issues".into(), "空白区、重合区、争议区".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "监管职责图谱",
        text: "每个监管事项由哪个部门主责、哪些部门配合(附件2 第1项);职责空白、重合和争议由区委编办逐个界定。",
        href: Some("/public/duty-map"),
    }]
}

/// Scans the map for gaps and overlaps; each newly opened issue is notified to 区委编办.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    run_scan(state, &jianguan_store::Actor::system()).await?;
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------------

/// The duty map: every active supervision item with its departments and its gap or
/// overlap (`finding`).
#[utoipa::path(get, path = "/api/v1/duty-map", tag = "监管职责", responses((status = 200, body = [Object]), (status = 401, body = crate::error::ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_map(State(state): State<AppState>) -> Result<Response, AppError> {
    let items = state.store.sup_items(&SupItemFilter { active_only: true, ..Default::default() }).await.map_err(api_err)?;
    Ok(Json(items.iter().map(item_view).collect::<Vec<_>>()).into_response())
}

/// Problems the caller may see (区委编办, 司法局 and the ledger office: all).
#[utoipa::path(get, path = "/api/v1/duty-map/issues", tag = "监管职责", responses((status = 200, body = [Object])), security(("session" = [])))]
pub async fn api_issues(State(state): State<AppState>, p: Principal, Query(q): Query<IssuesQuery>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let names = crate::pages::department_names(&state).await.map_err(api_err)?;
    let list = visible_issues(&state, &v, &q).await.map_err(api_err)?;
    Ok(Json(list.iter().map(|i| issue_view(i, &names)).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct RaiseDto {
    pub item_id: i64,
    /// `gap`, `overlap` or `dispute`.
    pub kind: String,
    pub description: String,
    /// Other departments concerned.
    #[serde(default)]
    pub departments: Vec<i64>,
}

/// Raises a gap, overlap or dispute for the caller's department.
#[utoipa::path(post, path = "/api/v1/duty-map/issues", tag = "监管职责", request_body = RaiseDto,
    responses((status = 201, body = Object), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)), security(("session" = [])))]
pub async fn api_raise(State(state): State<AppState>, p: Principal, ApiJson(b): ApiJson<RaiseDto>) -> Result<Response, AppError> {
    let i = raise_issue(&state, &p, b.item_id, &b.kind, &b.description, b.departments).await.map_err(api_err)?;
    let names = crate::pages::department_names(&state).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(issue_view(&i, &names))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AssignmentDto {
    pub department_id: i64,
    /// `lead` or `cooperating`.
    pub role: String,
    #[serde(default)]
    pub basis: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ActDto {
    /// `accept`, `resolve` or `reject`.
    pub action: String,
    #[serde(default)]
    pub note: String,
    /// For `resolve`: the division of duties (exactly one lead).
    #[serde(default)]
    pub assignments: Vec<AssignmentDto>,
}

/// 区委编办 accepts, resolves or rejects a problem.
#[utoipa::path(post, path = "/api/v1/duty-map/issues/{id}/act", tag = "监管职责", request_body = ActDto, params(("id" = i64, Path, description = "问题编号")),
    responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn api_act(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, ApiJson(b): ApiJson<ActDto>) -> Result<Response, AppError> {
    let mut a = Vec::new();
    for x in &b.assignments {
        let role = DutyRole::from_code(&x.role).ok_or_else(|| api_err(invalid(format!("职责角色“{}”无法识别", x.role))))?;
        a.push(AssignmentInput { department_id: x.department_id, role, basis: x.basis.clone() });
    }
    let out = do_act(&state, &p, id, &b.action, &b.note, &a).await.map_err(api_err)?;
    let names = crate::pages::department_names(&state).await.map_err(api_err)?;
    Ok(Json(issue_view(&out, &names)).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_map, api_issues, api_raise, api_act), components(schemas(RaiseDto, AssignmentDto, ActDto)))]
pub struct Api;
