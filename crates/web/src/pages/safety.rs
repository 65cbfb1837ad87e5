//! Safety-risk self-report pages and API (附件1 第29项: 生产经营单位主动报告安全生产风险).
//!
//! An entity reports a risk on the public site with an application code issued by a
//! department with safety duties (or the department enters it on the entity's behalf).
//! The report is routed by category to the members of 区负有安全生产监管职责的部门 (as
//! the group is configured now), with 区应急管理局 receiving what no member covers and
//! every major risk. Each routed department signs for it (签收) within a time set by the
//! level, and closes it (销号) when the risk is controlled. Major and serious risks raise
//! a warning at once; a missed signing deadline raises a yellow warning; entities under
//! a reporting obligation are reminded each cycle through their department.
//!
//! The contact person and phone are sealed (SM4) at rest, shown masked, and in clear only
//! to the staff of a department the report was routed to.

use crate::access::{Access, ClientIp, Principal};
use crate::error::AppError;
use crate::forms::{ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::security;
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::declaration::{code_hash, normalize_code, CodePurpose};
use jianguan_domain::mask;
use jianguan_domain::safety::{self as sf, ReportInput, RiskLevel};
use jianguan_store::declaration::{CodeUse, Via};
use jianguan_store::safety::{NewSafetyReport, SafetyFilter, SafetyReport, SealedContact};
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::LedgerOffice];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/safety", Roles(READERS), get(index)),
        r(M::POST, "/safety/codes", Roles(STAFF), post(issue_code)),
        r(M::POST, "/safety/reports", Roles(STAFF), post(enter)),
        r(M::GET, "/safety/reports/{id}", Roles(READERS), get(report_page)),
        r(M::POST, "/safety/reports/{id}/acknowledge", Roles(STAFF), post(acknowledge)),
        r(M::POST, "/safety/reports/{id}/close", Roles(STAFF), post(close)),
        r(M::GET, "/safety/warnings", Roles(READERS), get(warnings)),
        r(M::POST, "/safety/obligations", Roles(STAFF), post(obligation_set)),
        r(M::POST, "/safety/obligations/{id}/end", Roles(STAFF), post(obligation_end)),
        r(M::GET, "/public/safety-report", Public, get(public_form)),
        r(M::POST, "/public/safety-report", Public, post(public_submit)),
        r(M::POST, "/api/v1/safety/reports", Public, post(api_submit)),
        r(M::GET, "/api/v1/safety/warnings", Roles(READERS), get(api_warnings)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("safety_index.html", include_str!("../../templates/safety_index.html")),
    ("safety_report.html", include_str!("../../templates/safety_report.html")),
    ("safety_warnings.html", include_str!("../../templates/safety_warnings.html")),
    ("safety_public_form.html", include_str!("../../templates/safety_public_form.html")),
];

/// The departments of the safety group as configured now: `(id, code)`.
async fn safety_members(state: &AppState) -> Result<Vec<Unit>, AppError> {
    let units = state.store.list_units().await?;
    let Some(group) = units.iter().find(|u| u.code == sf::SAFETY_GROUP) else { return Ok(Vec::new()) };
    Ok(units.iter().filter(|u| group.members.contains(&u.id) && u.active).cloned().collect())
}

struct Viewer {
    unit: Unit,
    staff: bool,
    /// A department of the safety group (or 区应急管理局 itself).
    member: bool,
    ledger: bool,
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let members = safety_members(state).await?;
    let member = unit.code == sf::COMPREHENSIVE || members.iter().any(|m| m.id == unit.id);
    Ok(Viewer { staff: p.has(Role::DeptStaff), member, ledger: p.has(Role::LedgerOffice), unit })
}

fn require_member(v: &Viewer) -> Result<(), AppError> {
    if v.staff && v.member {
        Ok(())
    } else {
        Err(AppError::forbidden("本部门不属于区负有安全生产监管职责的部门"))
    }
}

/// A report the caller may see: routed to its department, or the ledger office.
async fn visible(state: &AppState, v: &Viewer, id: i64) -> Result<SafetyReport, AppError> {
    match state.store.safety_report_get(id).await {
        Ok(r) if v.ledger || r.routed_to(v.unit.id) => Ok(r),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("安全生产风险报告 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

fn categories() -> Vec<serde_json::Value> {
    sf::CATEGORIES.iter().map(|c| json!({ "code": c.code, "label": c.label })).collect()
}

fn levels() -> Vec<serde_json::Value> {
    RiskLevel::ALL.iter().map(|l| json!({ "code": l.code(), "label": l.label(), "days": l.ack_working_days() })).collect()
}

fn report_view(r: &SafetyReport, clear: Option<(String, String)>) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("json");
    v["level"] = json!(r.level.code());
    v["level_label"] = json!(r.level.label());
    v["category_label"] = json!(sf::category(&r.category).map(|c| c.label).unwrap_or("其他"));
    v["status_label"] = json!(match r.status.as_str() {
        "open" => "待签收",
        "acknowledged" => "已签收,管控中",
        _ => "已销号",
    });
    v["warnings"] = json!(r.warnings.iter().map(|w| json!({ "level": w.level.code(), "label": w.level.label(), "title": w.title, "status": w.status })).collect::<Vec<_>>());
    if let Some((name, phone)) = clear {
        v["contact_clear"] = json!({ "name": name, "phone": phone });
    }
    v
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "entered" => "报告已代录,已推送至负有监管职责的部门。",
        "acknowledged" => "已签收。",
        "closed" => "已销号,相关预警已解除。",
        "obligation" => "报告义务已设置。",
        "ended" => "报告义务已停止。",
        "revoked" => "申报码已作废。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let dept = if v.ledger { None } else { Some(v.unit.id) };
    let (reports, warnings, obligations, codes) = if v.member || v.ledger {
        let reports = state.store.safety_reports(&SafetyFilter { department_id: dept, limit: 200, ..Default::default() }).await?;
        let warnings = state.store.safety_warnings(dept, true).await?;
        let obligations = if v.member { state.store.safety_obligations(Some(v.unit.id)).await? } else { Vec::new() };
        let codes = if v.member && v.staff {
            state.store.access_codes(v.unit.id, 50).await?.into_iter().filter(|c| c.purpose == CodePurpose::SafetyReport).collect()
        } else {
            Vec::new()
        };
        (reports, warnings, obligations, codes)
    } else {
        Default::default()
    };
    let day = today();
    let obligations: Vec<_> = obligations
        .iter()
        .map(|o| {
            let (due, missed) = sf::obligation_due(o.last_report_on.unwrap_or(o.since_on), o.cycle_days, day);
            let mut x = serde_json::to_value(o).expect("json");
            x["due_on"] = json!(due);
            x["missed"] = json!(missed);
            x
        })
        .collect();
    let ctx = context! {
        ..base(p, "安全生产风险报告"),
        ..context! {
            error => error,
            flash => flash_of(done),
            member => v.member,
            staff => v.staff,
            ledger => v.ledger,
            unit => v.unit.name,
            reports => reports.iter().map(|r| { let mut x = report_view(r, None); x["mine"] = json!(r.routes.iter().find(|t| t.department_id == v.unit.id)); x }).collect::<Vec<_>>(),
            warnings => warnings.iter().map(|w| json!({ "report_id": w.report_id, "label": w.level.label(), "level": w.level.code(), "title": w.title, "raised_at": w.raised_at })).collect::<Vec<_>>(),
            obligations => obligations,
            codes => codes,
            categories => categories(),
            levels => levels(),
            today => day.to_string(),
        }
    };
    Ok(render("safety_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    index_page(&state, &p, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub uscc: String,
}

pub async fn issue_code(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<CodeForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_member(&v)?;
    match crate::pages::declaration::issue_code_page(&state, &p, &f.uscc, CodePurpose::SafetyReport, "/safety").await {
        Ok(r) => Ok(r),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

/// Checks a report, seals the contact and computes its routes; then stores it.
async fn submit(state: &AppState, actor: &jianguan_store::Actor, uscc: &str, input: &ReportInput, via: &Via) -> Result<SafetyReport, AppError> {
    sf::check_report(input).map_err(invalid)?;
    let category = sf::category(&input.category).expect("checked");
    let members = safety_members(state).await?;
    let codes: Vec<String> = members.iter().map(|m| m.code.clone()).collect();
    let day = today();
    let due = sf::ack_due(&WorkCalendar::builtin(), day, input.level);
    let units = state.store.list_units().await?;
    let mut routes = Vec::new();
    for code in sf::route(category, input.level, &codes) {
        let unit = units.iter().find(|u| u.code == code && u.active).ok_or_else(|| AppError::internal(format!("接收部门 {code} 不存在")))?;
        routes.push((unit.id, due));
    }
    let seal = |s: &str| state.cipher.encrypt(s.trim(), security::random_bytes::<16>());
    let contact = SealedContact {
        name_sealed: seal(&input.contact_name),
        name_masked: mask::person_name(&input.contact_name),
        phone_sealed: seal(&input.contact_phone),
        phone_masked: mask::phone(&input.contact_phone),
    };
    let report = state
        .store
        .safety_submit(
            actor,
            &NewSafetyReport {
                uscc: uscc.to_string(),
                category: input.category.clone(),
                level: input.level,
                location: input.location.clone(),
                description: input.description.clone(),
                measures: input.measures.clone(),
                contact,
                submitted_on: day,
                routes,
            },
            via,
        )
        .await?;
    for route in &report.routes {
        let warn = input.level.warning().map(|w| format!("【{}】", w.label())).unwrap_or_default();
        state
            .store
            .notify(&NewNotification {
                department_id: Some(route.department_id),
                account_id: None,
                kind: "safety".into(),
                title: format!("{warn}{}报告{}:{}", report.entity_name, input.level.label(), category.label),
                body: format!("请于 {} 前签收并处置。", route.due_on),
                link: format!("/safety/reports/{}", report.id),
                dedup_key: format!("safety-report-{}-{}", report.id, route.department_id),
            })
            .await?;
    }
    Ok(report)
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

impl ReportForm {
    fn input(&self) -> Result<ReportInput, AppError> {
        Ok(ReportInput {
            category: self.category.clone(),
            level: RiskLevel::from_code(&self.level).ok_or_else(|| invalid("请选择风险等级"))?,
            location: self.location.clone(),
            description: self.description.clone(),
            measures: self.measures.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
        })
    }

    /// What the form shows again after an error (never the code).
    fn echo(&self) -> serde_json::Value {
        json!({ "uscc": self.uscc, "category": self.category, "level": self.level, "location": self.location, "description": self.description, "measures": self.measures, "contact_name": self.contact_name, "contact_phone": self.contact_phone })
    }
}

pub async fn enter(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ReportForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_member(&v)?;
    let r: Result<SafetyReport, AppError> = async {
        let uscc = helpers::uscc(&f.uscc)?;
        submit(&state, &p.actor_as(Role::DeptStaff), &uscc, &f.input()?, &Via::Staff { department_id: v.unit.id }).await
    }
    .await;
    match r {
        Ok(rep) if rep.routed_to(v.unit.id) => Ok(see_other(&format!("/safety/reports/{}?done=entered", rep.id))),
        Ok(_) => Ok(see_other("/safety?done=entered")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

async fn report_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let r = visible(state, &v, id).await?;
    let mine = r.routes.iter().find(|t| t.department_id == v.unit.id).cloned();
    // Clear contact details only for the staff of a routed department.
    let clear = if v.staff && mine.is_some() {
        let open = |s: &str| state.cipher.decrypt(s).unwrap_or_else(|_| "(无法解密)".into());
        Some((open(&r.contact.name_sealed), open(&r.contact.phone_sealed)))
    } else {
        None
    };
    let ctx = context! {
        ..base(p, "安全生产风险报告"),
        ..context! {
            error => error,
            flash => flash_of(done),
            r => report_view(&r, clear),
            can_ack => v.staff && mine.as_ref().is_some_and(|m| m.acknowledged_at.is_none()) && r.status != "closed",
            can_close => v.staff && mine.as_ref().is_some_and(|m| m.acknowledged_at.is_some()) && r.status != "closed",
        }
    };
    Ok(render("safety_report.html", ctx)?.into_response())
}

pub async fn report_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    report_render(&state, &p, id, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
}

pub async fn acknowledge(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<NoteForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    match state.store.safety_acknowledge(&p.actor_as(Role::DeptStaff), id, v.unit.id, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/safety/reports/{id}?done=acknowledged"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(report_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

pub async fn close(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<NoteForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    match state.store.safety_close(&p.actor_as(Role::DeptStaff), id, v.unit.id, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/safety/reports/{id}?done=closed"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(report_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

pub async fn warnings(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let list = if v.ledger {
        state.store.safety_warnings(None, false).await?
    } else if v.member {
        state.store.safety_warnings(Some(v.unit.id), false).await?
    } else {
        Vec::new()
    };
    let ctx = context! {
        ..base(&p, "安全生产风险预警"),
        ..context! {
            member => v.member || v.ledger,
            list => list.iter().map(|w| json!({ "report_id": w.report_id, "entity_name": w.entity_name, "label": w.level.label(), "level": w.level.code(), "title": w.title, "raised_at": w.raised_at, "status": w.status, "closed_at": w.closed_at })).collect::<Vec<_>>(),
        }
    };
    Ok(render("safety_warnings.html", ctx)?.into_response())
}

#[derive(Deserialize)]
pub struct ObligationForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub cycle_days: String,
    #[serde(default)]
    pub since_on: String,
    #[serde(default)]
    pub note: String,
}

pub async fn obligation_set(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ObligationForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_member(&v)?;
    let r: Result<(), AppError> = async {
        let uscc = helpers::uscc(&f.uscc)?;
        let cycle: i64 = f.cycle_days.trim().parse().map_err(|_| invalid("报告周期应为天数"))?;
        let since = helpers::opt_date("起算日期", &f.since_on)?.unwrap_or_else(today);
        state.store.safety_obligation_set(&p.actor_as(Role::DeptStaff), &uscc, v.unit.id, cycle, since, &f.note).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/safety?done=obligation")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

pub async fn obligation_end(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    match state.store.safety_obligation_end(&p.actor_as(Role::DeptStaff), id, v.unit.id).await {
        Ok(_) => Ok(see_other("/safety?done=ended")),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(index_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

// --- public submission ---------------------------------------------------------------------------

fn public_form_page(state: &AppState, p: &Principal, headers: &HeaderMap, error: Option<String>, done: bool, form: serde_json::Value) -> Result<Response, AppError> {
    let (token, cookie) = helpers::public_form_token(state, p, headers);
    let ctx = context! {
        ..base(p, "安全生产风险报告"),
        ..context! { error => error, done => done, token => token, categories => categories(), levels => levels(), form => form, max => sf::MAX_TEXT }
    };
    Ok(helpers::with_cookie(render("safety_public_form.html", ctx)?.into_response(), cookie))
}

pub async fn public_form(State(state): State<AppState>, p: Principal, headers: HeaderMap, Query(q): Query<Done>) -> Result<Response, AppError> {
    public_form_page(&state, &p, &headers, None, q.done.as_deref() == Some("submitted"), json!({}))
}

async fn submit_with_code(state: &AppState, ip: &str, uscc: &str, code: &str, input: Result<ReportInput, AppError>) -> Result<SafetyReport, AppError> {
    let uscc = helpers::uscc(uscc)?;
    helpers::check_code_failures(state, ip, &uscc).await?;
    if normalize_code(code).is_empty() {
        return Err(invalid("请填写申报码"));
    }
    let input = input?;
    let u = CodeUse { purpose: CodePurpose::SafetyReport, uscc: uscc.clone(), code_hash: code_hash(CodePurpose::SafetyReport, &uscc, code), ip: ip.to_string() };
    submit(state, &jianguan_store::Actor::public(), &uscc, &input, &Via::Code(u)).await
}

pub async fn public_submit(State(state): State<AppState>, p: Principal, ClientIp(ip): ClientIp, headers: HeaderMap, PageForm(f): PageForm<ReportForm>) -> Result<Response, AppError> {
    match submit_with_code(&state, &ip, &f.uscc, &f.code, f.input()).await {
        // The entity learns only that the report was received, not where it went.
        Ok(_) => Ok(see_other("/public/safety-report?done=submitted")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(public_form_page(&state, &p, &headers, Some(msg), false, f.echo())?, st))
        }
    }
}

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !READERS.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    if !(v.member || v.ledger) {
        return Ok(Vec::new());
    }
    let dept = if v.ledger { None } else { Some(v.unit.id) };
    let reports = state.store.safety_reports(&SafetyFilter { department_id: dept, status: Some("open".into()), limit: 1000, ..Default::default() }).await?;
    let pending = reports.iter().filter(|r| r.routes.iter().any(|t| dept.is_none_or(|d| d == t.department_id) && t.acknowledged_at.is_none())).count();
    let warnings = state.store.safety_warnings(dept, true).await?.len();
    Ok(vec![Card {
        title: "安全生产风险报告".into(),
        stats: vec![("待签收报告".into(), pending.to_string()), ("未解除预警".into(), warnings.to_string())],
        links: vec![("/safety".into(), "风险报告".into()), ("/safety/warnings".into(), "风险预警".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "安全生产风险报告",
        text: "生产经营单位主动报告安全生产风险(附件1 第29项)。持负有安全生产监管职责的部门发放的申报码在线报告。",
        href: Some("/public/safety-report"),
    }]
}

/// The reminder cycle and risk warnings, through the notification centre: routes past
/// their signing deadline raise a yellow warning (the department and 区应急管理局 are
/// told); entities under an obligation that have not reported within the cycle are
/// reminded through their department, a week before and once per missed cycle.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    let comprehensive = helpers::unit_by_code(state, sf::COMPREHENSIVE).await?;
    for w in state.store.safety_escalate(&jianguan_store::Actor::system(), day).await? {
        let mut to: Vec<i64> = w.department_id.into_iter().collect();
        to.extend(comprehensive.as_ref().map(|u| u.id));
        to.dedup();
        for d in to {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(d),
                    account_id: None,
                    kind: "safety".into(),
                    title: format!("【{}】{}", w.level.label(), w.title),
                    body: "请立即签收并处置。".into(),
                    link: format!("/safety/reports/{}", w.report_id),
                    dedup_key: format!("safety-warning-{}-{d}", w.id),
                })
                .await?;
        }
    }
    for o in state.store.safety_obligations(None).await?.into_iter().filter(|o| o.active) {
        let (due, missed) = sf::obligation_due(o.last_report_on.unwrap_or(o.since_on), o.cycle_days, day);
        let (key, title) = if missed > 0 {
            let nth = due + chrono::Duration::days((missed - 1) * o.cycle_days);
            (format!("safety-obligation-{}-{nth}", o.id), format!("{}未按周期报告安全生产风险(应于 {due} 前报告)", o.entity_name))
        } else if (due - day).num_days() <= 7 {
            (format!("safety-obligation-{}-{due}-soon", o.id), format!("{}应于 {due} 前报告安全生产风险", o.entity_name))
        } else {
            continue;
        };
        state
            .store
            .notify(&NewNotification {
                department_id: Some(o.department_id),
                account_id: None,
                kind: "safety".into(),
                title,
                body: format!("报告周期 {} 天。请提醒该单位报告,必要时发放申报码。", o.cycle_days),
                link: "/safety".into(),
                dedup_key: key,
            })
            .await?;
    }
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------------

/// An entity's safety-risk report with its application code.
#[derive(Deserialize, ToSchema)]
pub struct SubmitDto {
    pub uscc: String,
    pub code: String,
    /// A category code (`hazchem`, `special_equipment`, `construction`, `gas`, `fire`, …).
    pub category: String,
    /// `major`, `serious`, `general` or `low`.
    pub level: String,
    pub location: String,
    pub description: String,
    pub measures: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Reports a safety-production risk with an application code (no account).
#[utoipa::path(post, path = "/api/v1/safety/reports", tag = "安全生产风险报告", request_body = SubmitDto,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_submit(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<SubmitDto>) -> Result<Response, AppError> {
    let f = ReportForm {
        uscc: b.uscc,
        code: b.code,
        category: b.category,
        level: b.level,
        location: b.location,
        description: b.description,
        measures: b.measures,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
    };
    let r = submit_with_code(&state, &ip, &f.uscc, &f.code, f.input()).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": r.id, "received_on": r.submitted_on, "level": r.level.code() }))).into_response())
}

/// Risk warnings of the caller's department (the ledger office: all).
#[utoipa::path(get, path = "/api/v1/safety/warnings", tag = "安全生产风险报告", responses((status = 200, body = [Object])), security(("session" = [])))]
pub async fn api_warnings(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let list = if v.ledger { state.store.safety_warnings(None, false).await } else { state.store.safety_warnings(Some(v.unit.id), false).await }.map_err(api_err)?;
    Ok(Json(list).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_submit, api_warnings), components(schemas(SubmitDto)))]
pub struct Api;
