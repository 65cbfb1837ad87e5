//! Enforcement pages and API: records, benchmarks, legal review, publicity, evidence bundles.
//!
//! * Records of inspections (entered, or imported from the department's draws),
//!   penalties and coercive measures with the national data fields; each lands in the
//!   entity's credit record.
//! * Penalties are checked against the discretion benchmark (裁量基准): outside the band
//!   they need a written reason and a second approval by someone other than the handler;
//!   outside every band they are refused. Major decisions (criteria in the configuration)
//!   wait for a legal reviewer other than the handler.
//! * Publicity (执法公示): a decided penalty is due for publication within 7 working days;
//!   overdue decisions are warned; the public page shows public fields only, natural
//!   persons masked; publications are withdrawn when the period ends or a repair succeeds.
//! * Full-process record: evidence files at each step, stored by SHA-256, the hash in the
//!   audit trail; a per-case export bundle (zip: HTML page, files, SHA-256 manifest) that
//!   `jianguan enforcement verify-bundle` checks offline.
//! * Every department sees only its own records; 区司法局's legal reviewers see the
//!   major decisions of every department in their review queue.
//! * Fines are shown only as the department's own monthly totals (收支两条线); nothing
//!   here ranks units or people by fines.

use crate::access::{Access, Principal};
use crate::error::AppError;
use crate::forms::{read_multipart, ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use jianguan_domain::auth::Role;
use jianguan_domain::enforcement::accountability::{self as acc, StepState};
use jianguan_domain::enforcement::benchmark::{self as bm, Benchmark, Circumstance, ExemptionKind};
use jianguan_domain::enforcement::response::{check_response, Measure, ResponseInput};
use jianguan_domain::enforcement::{self as en, PenaltyKind, RecordKind};
use jianguan_store::enforcement::{CaseDetail, CaseFilter, EnfCase, NewCase, NewEvidence, WithdrawReason, EVIDENCE_STEPS};
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

const READERS: &[Role] = &[Role::DeptStaff, Role::Inspector, Role::LegalReviewer];
const WRITERS: &[Role] = &[Role::DeptStaff, Role::Inspector];
const STAFF: &[Role] = &[Role::DeptStaff];
const REVIEWERS: &[Role] = &[Role::LegalReviewer];
/// 区司法局: its legal reviewers review every department's major decisions.
pub const JUSTICE_BUREAU: &str = "sfj";

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/enforcement", Roles(READERS), get(index)),
        r(M::POST, "/enforcement/inspections", Roles(WRITERS), post(create_inspection)),
        r(M::POST, "/enforcement/penalties", Roles(WRITERS), post(create_penalty)),
        r(M::POST, "/enforcement/coercive", Roles(WRITERS), post(create_coercive)),
        r(M::POST, "/enforcement/import-draw", Roles(WRITERS), post(import_draw)),
        r(M::GET, "/enforcement/cases/{id}", Roles(READERS), get(case_page)),
        r(M::POST, "/enforcement/cases/{id}/band-approve", Roles(STAFF), post(band_approve)),
        r(M::POST, "/enforcement/cases/{id}/review", Roles(REVIEWERS), post(review)),
        r(M::POST, "/enforcement/cases/{id}/decide", Roles(WRITERS), post(decide)),
        r(M::POST, "/enforcement/cases/{id}/publish", Roles(WRITERS), post(publish)),
        r(M::POST, "/enforcement/cases/{id}/withdraw", Roles(STAFF), post(withdraw)),
        r(M::POST, "/enforcement/cases/{id}/lift", Roles(WRITERS), post(lift)),
        r(M::POST, "/enforcement/cases/{id}/responses", Roles(WRITERS), post(add_response)),
        r(M::POST, "/enforcement/responses/{id}/complete", Roles(WRITERS), post(complete_response)),
        r(M::POST, "/enforcement/cases/{id}/steps", Roles(WRITERS), post(step_done)),
        r(M::POST, "/enforcement/cases/{id}/evidence", Roles(WRITERS), post(upload_evidence)),
        r(M::GET, "/enforcement/evidence/{id}", Roles(READERS), get(download_evidence)),
        r(M::GET, "/enforcement/cases/{id}/bundle", Roles(READERS), get(export_bundle)),
        r(M::GET, "/enforcement/reviews", Roles(REVIEWERS), get(review_queue)),
        r(M::GET, "/enforcement/benchmarks", Roles(READERS), get(benchmarks)),
        r(M::POST, "/enforcement/benchmarks", Roles(STAFF), post(benchmark_set)),
        r(M::POST, "/enforcement/exemptions", Roles(STAFF), post(exemption_add)),
        r(M::GET, "/enforcement/accountability", Roles(READERS), get(accountability)),
        r(M::GET, "/public/enforcement", Public, get(public_page)),
        r(M::GET, "/api/v1/public/enforcement/penalties", Public, get(api_public_penalties)),
        r(M::GET, "/api/v1/enforcement/cases", Roles(READERS), get(api_cases)),
        r(M::GET, "/api/v1/enforcement/cases/{id}", Roles(READERS), get(api_case)),
        r(M::POST, "/api/v1/enforcement/penalties", Roles(WRITERS), post(api_create_penalty)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("enforcement_index.html", include_str!("../../templates/enforcement_index.html")),
    ("enforcement_case.html", include_str!("../../templates/enforcement_case.html")),
    ("enforcement_reviews.html", include_str!("../../templates/enforcement_reviews.html")),
    ("enforcement_benchmarks.html", include_str!("../../templates/enforcement_benchmarks.html")),
    ("enforcement_accountability.html", include_str!("../../templates/enforcement_accountability.html")),
    ("enforcement_public.html", include_str!("../../templates/enforcement_public.html")),
    ("enforcement_bundle.html", include_str!("../../templates/enforcement_bundle.html")),
];

// --- who sees what ---------------------------------------------------------------------------------

struct Viewer {
    unit: Unit,
    writer: bool,
    staff: bool,
    reviewer: bool,
    /// A legal reviewer of 区司法局 (reviews every department's major decisions).
    justice: bool,
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let reviewer = p.has(Role::LegalReviewer);
    Ok(Viewer {
        writer: WRITERS.iter().any(|r| p.has(*r)),
        staff: p.has(Role::DeptStaff),
        justice: reviewer && unit.code == JUSTICE_BUREAU,
        reviewer,
        unit,
    })
}

/// A case the caller may see: its own department's, or a major one for 区司法局's reviewers.
async fn visible(state: &AppState, v: &Viewer, id: i64) -> Result<EnfCase, AppError> {
    match state.store.enf_case(id).await {
        Ok(c) if c.department_id == v.unit.id || (v.justice && c.major) => Ok(c),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("执法记录 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

fn require_writer(v: &Viewer) -> Result<(), AppError> {
    if v.writer {
        Ok(())
    } else {
        Err(AppError::forbidden("只有本部门执法人员可以办理"))
    }
}

// --- form helpers ----------------------------------------------------------------------------------

/// A urlencoded form as pairs (repeated keys allowed, e.g. penalty kinds).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, k: &str) -> &str {
        self.0.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0.iter().filter(|(a, _)| a == k).map(|(_, v)| v.as_str()).collect()
    }
    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), "1" | "on" | "true")
    }
    fn echo(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.0 {
            if k != "_csrf" {
                m.insert(k.clone(), json!(v));
            }
        }
        serde_json::Value::Object(m)
    }
}

fn common_of(f: &Fields, v: &Viewer) -> Result<en::CommonFields, AppError> {
    let body = f.get("implementing_body").trim();
    Ok(en::CommonFields {
        item_code: f.get("item_code").trim().to_string(),
        action_no: f.get("action_no").trim().to_string(),
        implementing_body: if body.is_empty() { v.unit.name.clone() } else { body.to_string() },
        subject_name: f.get("subject_name").trim().to_string(),
        subject_is_person: f.flag("subject_is_person"),
        officers: en::parse_officers(f.get("officers")).map_err(invalid)?,
        occurred_on: helpers::date("日期", f.get("occurred_on"))?,
    })
}

fn penalty_of(f: &Fields) -> Result<(en::PenaltyFields, String), AppError> {
    let mut kinds = Vec::new();
    for k in f.all("kinds") {
        kinds.push(PenaltyKind::from_code(k).ok_or_else(|| invalid(format!("处罚种类“{k}”无法识别")))?);
    }
    kinds.sort();
    kinds.dedup();
    let remedy = if f.get("remedy").is_empty() { "none" } else { f.get("remedy") };
    Ok((
        en::PenaltyFields {
            case_source: f.get("case_source").to_string(),
            violation_code: f.get("violation_code").trim().to_string(),
            circumstance: Circumstance::from_code(f.get("circumstance")).ok_or_else(|| invalid("请选择违法情节"))?,
            facts: f.get("facts").to_string(),
            legal_basis: f.get("legal_basis").to_string(),
            kinds,
            fine_fen: en::parse_yuan(f.get("fine_yuan")).map_err(invalid)?,
            confiscated_fen: en::parse_yuan(f.get("confiscated_yuan")).map_err(invalid)?,
            decision_no: f.get("decision_no").trim().to_string(),
            collective_discussion: f.flag("collective_discussion"),
            hearing_held: f.flag("hearing_held"),
            remedy: remedy.to_string(),
        },
        f.get("band_reason").to_string(),
    ))
}

fn terms(list: &[en::Term]) -> Vec<serde_json::Value> {
    list.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect()
}

fn vocab() -> serde_json::Value {
    json!({
        "forms": terms(en::INSPECTION_FORMS),
        "types": terms(en::INSPECTION_TYPES),
        "methods": terms(en::INSPECTION_METHODS),
        "results": terms(en::INSPECTION_RESULTS),
        "sources": terms(en::CASE_SOURCES),
        "coercive": terms(en::COERCIVE_KINDS),
        "remedies": terms(en::REMEDIES),
        "kinds": PenaltyKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect::<Vec<_>>(),
        "circumstances": Circumstance::ALL.iter().map(|c| json!({ "code": c.code(), "label": c.label() })).collect::<Vec<_>>(),
        "measures": Measure::ALL.iter().map(|m| json!({ "code": m.code(), "label": m.label() })).collect::<Vec<_>>(),
        "steps": EVIDENCE_STEPS.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
        "exemptions": ExemptionKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect::<Vec<_>>(),
    })
}

fn status_label(c: &EnfCase) -> &'static str {
    match c.status.as_str() {
        "recorded" => "已记录",
        "draft" if c.out_of_band && c.band_status == "pending" => "待超幅审批",
        "draft" if c.major && c.review_status == "pending" => "待法制审核",
        "draft" if c.major && c.review_status == "returned" => "法制审核退回",
        "draft" => "待决定",
        "decided" => "已决定,待公示",
        "published" => "公示中",
        "withdrawn" => "已撤下公示",
        "in_force" => "执行中",
        "lifted" => "已解除",
        _ => "未知",
    }
}

fn case_view(c: &EnfCase) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("json");
    v["kind"] = json!(c.kind.code());
    v["kind_label"] = json!(c.kind.label());
    v["status_label"] = json!(status_label(c));
    v["kinds_label"] = json!(PenaltyKind::list_label(&c.penalty_kinds));
    v["fine"] = json!(en::yuan(c.fine_fen));
    v["confiscated"] = json!(en::yuan(c.confiscated_fen));
    v["circumstance_label"] = json!(Circumstance::from_code(&c.circumstance).map(|x| x.label()).unwrap_or(""));
    v["source_label"] = json!(en::label_of(en::CASE_SOURCES, &c.case_source).unwrap_or(""));
    v["remedy_label"] = json!(en::label_of(en::REMEDIES, &c.remedy).unwrap_or(""));
    v["form_label"] = json!(en::label_of(en::INSPECTION_FORMS, &c.insp_form).unwrap_or(""));
    v["type_label"] = json!(en::label_of(en::INSPECTION_TYPES, &c.insp_type).unwrap_or(""));
    v["method_label"] = json!(en::label_of(en::INSPECTION_METHODS, &c.insp_method).unwrap_or(""));
    v["result_label"] = json!(en::label_of(en::INSPECTION_RESULTS, &c.insp_result).unwrap_or(""));
    v["coercive_label"] = json!(en::label_of(en::COERCIVE_KINDS, &c.coercive_kind).unwrap_or(""));
    v["responses"] = json!(c
        .responses
        .iter()
        .map(|r| {
            let mut x = serde_json::to_value(r).expect("json");
            x["label"] = json!(Measure::from_code(&r.measure).map(|m| m.label()).unwrap_or(""));
            x
        })
        .collect::<Vec<_>>());
    v["blocker"] = json!(c.decision_blocker());
    v
}

async fn checklist_of(state: &AppState, c: &EnfCase) -> Result<Vec<StepState>, AppError> {
    let cal = crate::workdays::calendar(&state.store).await?;
    let duty = acc::duty(c.kind.code()).expect("every kind has a duty");
    Ok(acc::checklist(duty, &cal, c.occurred_on, c.major, &|s| c.step_done(s), today()))
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "已录入。",
        "imported" => "已从双随机抽查结果导入检查记录。",
        "band" => "超出裁量幅度的处罚已审批。",
        "reviewed" => "法制审核意见已记录。",
        "decided" => "处罚决定已作出,请在 7 个工作日内公示。",
        "published" => "已公示。",
        "withdrawn" => "已撤下公示。",
        "lifted" => "强制措施已解除。",
        "response" => "处置措施已记录。",
        "completed" => "复查已完成。",
        "step" => "环节已记录。",
        "evidence" => "证据文件已保存。",
        "benchmark" => "裁量基准已保存。",
        "exemption" => "已列入清单。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
    pub kind: Option<String>,
}

// --- index and records -------------------------------------------------------------------------------

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>, form: serde_json::Value, kind: Option<RecordKind>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let cases = state.store.enf_cases(&CaseFilter { department_id: Some(v.unit.id), kind, limit: 300, ..Default::default() }).await?;
    let overdue = state.store.enf_publicity_overdue(Some(v.unit.id), today()).await?;
    let year = today().year();
    let fines = state.store.enf_fine_totals(v.unit.id, year).await?;
    let total: i64 = fines.iter().map(|f| f.fine_fen + f.confiscated_fen).sum();
    let ctx = context! {
        ..base(p, "行政执法"),
        ..context! {
            error => error,
            flash => flash_of(done),
            unit => v.unit.name,
            writer => v.writer,
            reviewer => v.reviewer,
            kind => kind.map(|k| k.code()),
            cases => cases.iter().map(case_view).collect::<Vec<_>>(),
            overdue => overdue.iter().map(case_view).collect::<Vec<_>>(),
            fines => fines.iter().map(|f| json!({ "month": f.month, "cases": f.cases, "fine": en::yuan(f.fine_fen), "confiscated": en::yuan(f.confiscated_fen) })).collect::<Vec<_>>(),
            fines_total => en::yuan(total),
            year => year,
            v => vocab(),
            benchmarks => state.store.enf_benchmarks().await?.into_iter().map(|b| json!({ "code": b.benchmark.violation_code, "name": b.benchmark.name })).collect::<Vec<_>>(),
            form => form,
            today => today().to_string(),
        }
    };
    Ok(render("enforcement_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let kind = q.kind.as_deref().and_then(RecordKind::from_code);
    index_page(&state, &p, None, q.done.as_deref(), json!({}), kind).await
}

async fn create(state: &AppState, p: &Principal, v: &Viewer, f: &Fields, which: RecordKind) -> Result<EnfCase, AppError> {
    require_writer(v)?;
    let uscc = helpers::uscc(f.get("uscc"))?;
    let common = common_of(f, v)?;
    let detail = match which {
        RecordKind::Inspection => CaseDetail::Inspection(en::InspectionFields {
            form: f.get("form").to_string(),
            kind: f.get("type").to_string(),
            method: f.get("method").to_string(),
            result: f.get("result").to_string(),
            result_note: f.get("result_note").to_string(),
        }),
        RecordKind::Penalty => {
            let (fields, band_reason) = penalty_of(f)?;
            CaseDetail::Penalty { fields, band_reason }
        }
        RecordKind::CoerciveMeasure => CaseDetail::Coercive(en::CoerciveFields {
            kind: f.get("coercive_kind").to_string(),
            legal_basis: f.get("legal_basis").to_string(),
            reason: f.get("reason").to_string(),
            objects: f.get("objects").to_string(),
            start_on: helpers::date("开始日期", f.get("start_on"))?,
            end_on: helpers::date("截止日期", f.get("end_on"))?,
        }),
    };
    let n = NewCase { department_id: v.unit.id, uscc, common, detail };
    let role = if p.has(Role::DeptStaff) { Role::DeptStaff } else { Role::Inspector };
    Ok(state.store.enf_case_create(&p.actor_as(role), &n, &state.config.enforcement.major, today()).await?)
}

async fn create_page(state: AppState, p: Principal, f: Fields, which: RecordKind) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    match create(&state, &p, &v, &f, which).await {
        Ok(c) => Ok(see_other(&format!("/enforcement/cases/{}?done=created", c.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            let mut form = f.echo();
            form["which"] = json!(which.code());
            Ok(with_status(index_page(&state, &p, Some(msg), None, form, None).await?, st))
        }
    }
}

pub async fn create_inspection(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    create_page(state, p, Fields(f), RecordKind::Inspection).await
}

pub async fn create_penalty(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    create_page(state, p, Fields(f), RecordKind::Penalty).await
}

pub async fn create_coercive(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    create_page(state, p, Fields(f), RecordKind::CoerciveMeasure).await
}

pub async fn import_draw(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_writer(&v)?;
    let role = if p.has(Role::DeptStaff) { Role::DeptStaff } else { Role::Inspector };
    match state.store.enf_import_draw(&p.actor_as(role), v.unit.id).await {
        Ok(_) => Ok(see_other("/enforcement?done=imported&kind=inspection")),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(index_page(&state, &p, Some(msg), None, json!({}), None).await?, st))
        }
    }
}

async fn case_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let c = visible(state, &v, id).await?;
    let own = c.department_id == v.unit.id;
    let me = p.user().map(|u| u.account.id);
    let is_handler = me.is_some() && me == c.handler_account_id;
    let steps = checklist_of(state, &c).await?;
    let overdue = c.status == "decided" && c.publish_due.is_some_and(|d| today() > d);
    let ctx = context! {
        ..base(p, "执法记录"),
        ..context! {
            error => error,
            flash => flash_of(done),
            c => case_view(&c),
            own => own,
            writer => own && v.writer,
            can_band => own && v.staff && c.out_of_band && c.band_status == "pending" && !is_handler,
            can_review => v.reviewer && c.major && c.status == "draft" && c.review_status != "approved" && !is_handler,
            can_decide => own && v.writer && c.kind == RecordKind::Penalty && c.status == "draft",
            is_handler => is_handler,
            overdue => overdue,
            steps => steps,
            on_time => acc::all_on_time(&steps),
            v => vocab(),
            today => today().to_string(),
            accept => crate::files::ACCEPT,
        }
    };
    Ok(render("enforcement_case.html", ctx)?.into_response())
}

pub async fn case_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    case_render(&state, &p, id, None, q.done.as_deref()).await
}

/// Runs a case action: redirects on success, shows the case again with the message otherwise.
async fn act<F, Fut>(state: &AppState, p: &Principal, id: i64, done: &str, f: F) -> Result<Response, AppError>
where
    F: FnOnce(Viewer) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let v = viewer(state, p).await?;
    visible(state, &v, id).await?;
    match f(v).await {
        Ok(()) => Ok(see_other(&format!("/enforcement/cases/{id}?done={done}"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(case_render(state, p, id, Some(msg), None).await?, st))
        }
    }
}

fn writer_actor(p: &Principal) -> jianguan_store::Actor {
    p.actor_as(if p.has(Role::DeptStaff) { Role::DeptStaff } else { Role::Inspector })
}

#[derive(Deserialize)]
pub struct OpinionForm {
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub decision: String,
}

pub async fn band_approve(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<OpinionForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "band", |v| async move {
        st.store.enf_band_approve(&pr.actor_as(Role::DeptStaff), id, v.unit.id, &f.opinion).await?;
        Ok(())
    })
    .await
}

pub async fn review(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<OpinionForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "reviewed", |_| async move {
        let approve = match f.decision.as_str() {
            "approve" => true,
            "return" => false,
            _ => return Err(invalid("请选择审核结论(同意或退回)")),
        };
        st.store.enf_review(&pr.actor_as(Role::LegalReviewer), id, approve, &f.opinion).await?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
pub struct DateForm {
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub step: String,
}

pub async fn decide(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<DateForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "decided", |v| async move {
        require_writer(&v)?;
        let on = helpers::opt_date("决定日期", &f.on)?.unwrap_or_else(today);
        if on > today() {
            return Err(invalid("决定日期不能晚于今天"));
        }
        let cal = crate::workdays::calendar(&st.store).await?;
        let due = en::publicity_due(&cal, on);
        st.store.enf_decide(&writer_actor(&pr), id, v.unit.id, on, due, &st.config.enforcement.periods).await?;
        Ok(())
    })
    .await
}

pub async fn publish(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<DateForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "published", |v| async move {
        require_writer(&v)?;
        let on = helpers::opt_date("公示日期", &f.on)?.unwrap_or_else(today);
        st.store.enf_publish(&writer_actor(&pr), id, v.unit.id, on).await?;
        Ok(())
    })
    .await
}

pub async fn withdraw(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<DateForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "withdrawn", |v| async move {
        let reason = WithdrawReason::from_code(&f.reason).ok_or_else(|| invalid("请选择撤下公示的原因"))?;
        st.store.enf_withdraw(&pr.actor_as(Role::DeptStaff), id, Some(v.unit.id), reason, today()).await?;
        Ok(())
    })
    .await
}

pub async fn lift(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<DateForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "lifted", |v| async move {
        require_writer(&v)?;
        let on = helpers::opt_date("解除日期", &f.on)?.unwrap_or_else(today);
        st.store.enf_lift(&writer_actor(&pr), id, v.unit.id, on).await?;
        Ok(())
    })
    .await
}

pub async fn step_done(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<DateForm>) -> Result<Response, AppError> {
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "step", |v| async move {
        require_writer(&v)?;
        let on = helpers::opt_date("完成日期", &f.on)?.unwrap_or_else(today);
        st.store.enf_step_done(&writer_actor(&pr), id, v.unit.id, &f.step, on).await?;
        Ok(())
    })
    .await
}

pub async fn add_response(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    let f = Fields(f);
    let (st, pr) = (state.clone(), p.clone());
    act(&state, &p, id, "response", |v| async move {
        require_writer(&v)?;
        let measure = Measure::from_code(f.get("measure")).ok_or_else(|| invalid("请选择处置措施"))?;
        let days = f.get("follow_up_days").trim();
        let input = ResponseInput {
            measure,
            decided_on: helpers::opt_date("决定日期", f.get("decided_on"))?.unwrap_or_else(today),
            follow_up_days: if days.is_empty() { None } else { Some(days.parse().map_err(|_| invalid("复查期限应为工作日天数"))?) },
            licence_no: f.get("licence_no").to_string(),
            transferred_on: helpers::opt_date("移送日期", f.get("transferred_on"))?,
            receiving_authority: f.get("receiving_authority").to_string(),
            note: f.get("note").to_string(),
        };
        let cal = crate::workdays::calendar(&st.store).await?;
        let checked = check_response(&input, &cal).map_err(invalid)?;
        st.store.enf_response_add(&writer_actor(&pr), id, v.unit.id, &input, checked.follow_up_due).await?;
        Ok(())
    })
    .await
}

pub async fn complete_response(State(state): State<AppState>, p: Principal, Path(rid): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    require_writer(&v)?;
    match state.store.enf_response_complete(&writer_actor(&p), rid, v.unit.id, today()).await {
        Ok(c) => Ok(see_other(&format!("/enforcement/cases/{}?done=completed", c.id))),
        Err(jianguan_store::StoreError::NotFound(m)) => Err(AppError::not_found(m)),
        Err(e) => Err(e.into()),
    }
}

// --- evidence and bundles ---------------------------------------------------------------------------

pub async fn upload_evidence(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, mp: Multipart) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    let r: Result<(), AppError> = async {
        require_writer(&v)?;
        let form = read_multipart(mp, state.config.upload.max_file_bytes, 1).await?;
        let up = form.files.first().ok_or_else(|| invalid("请选择要上传的证据文件"))?;
        let name = crate::files::sanitize_name(&up.name);
        let kind = crate::files::detect(&up.bytes, &name, &state.config.upload)
            .map_err(|m| AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file_type", m))?;
        let step = form.text("step");
        if !EVIDENCE_STEPS.iter().any(|s| s.0 == step) {
            return Err(invalid("请选择证据所属环节"));
        }
        let sha256 = state.blobs().put(&up.bytes).await.map_err(|e| {
            tracing::error!(error = %e, "enforcement evidence not stored");
            AppError::internal("证据文件保存失败,请稍后重试")
        })?;
        let e = NewEvidence { step, file_name: name, kind: kind.code().into(), size: up.bytes.len() as i64, sha256 };
        state.store.enf_evidence_add(&writer_actor(&p), id, v.unit.id, &e).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/enforcement/cases/{id}?done=evidence"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(case_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

pub async fn download_evidence(State(state): State<AppState>, p: Principal, Path(eid): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let e = match state.store.enf_evidence(eid).await {
        Ok(e) => e,
        Err(jianguan_store::StoreError::NotFound(m)) => return Err(AppError::not_found(m)),
        Err(e) => return Err(e.into()),
    };
    visible(&state, &v, e.case_id).await.map_err(|_| AppError::not_found(format!("证据文件 {eid} 不存在")))?;
    let bytes = state.blobs().get(&e.sha256).await.map_err(|err| {
        tracing::error!(error = %err, sha256 = %e.sha256, "enforcement evidence unreadable");
        AppError::internal("证据文件无法读取或已损坏")
    })?;
    let mime = crate::files::FileKind::from_code(&e.kind).map(|k| k.mime()).unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, crate::files::attachment(&e.file_name, "evidence")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The export bundle of a case and its offline verification.
pub mod bundle {
    use sha2::{Digest, Sha256};
    use std::io::{Cursor, Read, Write};

    pub const MANIFEST: &str = "manifest.sha256";
    pub const PAGE: &str = "index.html";

    fn hex(b: &[u8]) -> String {
        hex::encode(Sha256::digest(b))
    }

    /// Writes a zip of the page, the files (`files/<sha256>-<name>`) and a manifest of
    /// `<sha256>  <path>` lines covering every other entry.
    pub fn build(page: &str, files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut manifest = String::new();
        let mut put = |zip: &mut zip::ZipWriter<Cursor<Vec<u8>>>, path: &str, bytes: &[u8]| -> std::io::Result<()> {
            zip.start_file(path, opts).map_err(std::io::Error::other)?;
            zip.write_all(bytes)?;
            manifest.push_str(&format!("{}  {path}\n", hex(bytes)));
            Ok(())
        };
        put(&mut zip, PAGE, page.as_bytes())?;
        for (path, bytes) in files {
            put(&mut zip, path, bytes)?;
        }
        zip.start_file(MANIFEST, opts).map_err(std::io::Error::other)?;
        zip.write_all(manifest.as_bytes())?;
        Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
    }

    /// Checks a bundle offline: every entry listed in the manifest, every hash right.
    /// Returns the number of files checked, or what is wrong (Chinese).
    pub fn verify(bytes: &[u8]) -> Result<usize, String> {
        const MAX_ENTRY: u64 = 512 * 1024 * 1024;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("不是有效的导出包:{e}"))?;
        let mut read = |name: &str| -> Result<Vec<u8>, String> {
            let f = zip.by_name(name).map_err(|_| format!("导出包缺少 {name}"))?;
            let mut out = Vec::new();
            f.take(MAX_ENTRY).read_to_end(&mut out).map_err(|e| format!("{name} 无法读取:{e}"))?;
            Ok(out)
        };
        let manifest = String::from_utf8(read(MANIFEST)?).map_err(|_| "清单不是 UTF-8 文本".to_string())?;
        let mut listed = Vec::new();
        for (i, line) in manifest.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let (h, path) = line.split_once("  ").ok_or_else(|| format!("清单第 {} 行格式错误", i + 1))?;
            let got = hex(&read(path)?);
            if got != h {
                return Err(format!("{path} 的 SHA-256 与清单不符:清单 {h},实际 {got}"));
            }
            listed.push(path.to_string());
        }
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        for n in &names {
            if n != MANIFEST && !listed.contains(n) {
                return Err(format!("{n} 不在清单中"));
            }
        }
        if !listed.iter().any(|p| p == PAGE) {
            return Err(format!("清单缺少 {PAGE}"));
        }
        Ok(listed.len())
    }
}

pub async fn export_bundle(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let c = visible(&state, &v, id).await?;
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for e in &c.evidence {
        let bytes = state.blobs().get(&e.sha256).await.map_err(|err| {
            tracing::error!(error = %err, sha256 = %e.sha256, "enforcement evidence unreadable");
            AppError::internal(format!("证据文件“{}”无法读取或已损坏,不能导出", e.file_name))
        })?;
        let path = format!("files/{}-{}", &e.sha256[..16], e.file_name);
        listed.push(json!({ "path": path, "name": e.file_name, "sha256": e.sha256, "size": e.size, "step": e.step, "uploaded_by": e.uploaded_by, "uploaded_at": e.uploaded_at }));
        files.push((path, bytes));
    }
    let audit = state
        .store
        .audit_search(&jianguan_store::AuditFilter { object: Some(format!("enforcement_case:{id}")), limit: 1000, ..Default::default() })
        .await?;
    let steps = checklist_of(&state, &c).await?;
    let page = render(
        "enforcement_bundle.html",
        context! { c => case_view(&c), files => listed, steps => steps, audit => audit, exported_at => chrono::Utc::now().to_rfc3339(), exported_by => p.actor().name },
    )?;
    let html = axum::body::to_bytes(page.into_response().into_body(), 16 * 1024 * 1024).await.map_err(|e| AppError::internal(e.to_string()))?;
    let zip = bundle::build(&String::from_utf8_lossy(&html), &files).map_err(|e| AppError::internal(format!("导出包生成失败:{e}")))?;
    state
        .store
        .audit(p.actor().event("enforcement.bundle.export", format!("enforcement_case:{id}"), json!({ "files": files.len(), "sha256": jianguan_domain::crypto::sha256_hex(&zip) })))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, crate::files::attachment(&format!("执法全过程记录-{id}.zip"), &format!("enforcement-{id}.zip"))),
        ],
        zip,
    )
        .into_response())
}

// --- legal review, benchmarks, accountability --------------------------------------------------------

pub async fn review_queue(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let dept = if v.justice { None } else { Some(v.unit.id) };
    let list = state.store.enf_cases(&CaseFilter { department_id: dept, review_pending: true, limit: 500, ..Default::default() }).await?;
    let ctx = context! {
        ..base(&p, "法制审核"),
        ..context! { list => list.iter().map(case_view).collect::<Vec<_>>(), justice => v.justice, unit => v.unit.name }
    };
    Ok(render("enforcement_reviews.html", ctx)?.into_response())
}

async fn benchmarks_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>, form: serde_json::Value) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let list = state.store.enf_benchmarks().await?;
    let ex = state.store.enf_exemptions().await?;
    let units = state.store.list_units().await?;
    let unit_name = |id: i64| units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    let ctx = context! {
        ..base(p, "裁量基准"),
        ..context! {
            error => error,
            flash => flash_of(done),
            staff => v.staff,
            list => list.iter().map(|b| json!({
                "code": b.benchmark.violation_code, "name": b.benchmark.name, "legal_basis": b.benchmark.legal_basis,
                "department": unit_name(b.department_id), "own": b.department_id == v.unit.id,
                "bands": b.benchmark.bands.iter().map(|x| json!({ "level": x.circumstance.label(), "kinds": PenaltyKind::list_label(&x.kinds), "min": en::yuan(x.fine_min_fen), "max": en::yuan(x.fine_max_fen) })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            exemptions => ex.iter().map(|e| json!({ "kind": e.kind.label(), "code": e.violation_code, "note": e.note, "department": unit_name(e.department_id) })).collect::<Vec<_>>(),
            v => vocab(),
            form => form,
        }
    };
    Ok(render("enforcement_benchmarks.html", ctx)?.into_response())
}

pub async fn benchmarks(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    benchmarks_page(&state, &p, None, q.done.as_deref(), json!({})).await
}

pub async fn benchmark_set(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    let f = Fields(f);
    let r: Result<(), AppError> = async {
        let v = viewer(&state, &p).await?;
        let mut bands = Vec::new();
        for line in f.get("bands").lines().map(str::trim).filter(|l| !l.is_empty()) {
            bands.push(bm::parse_band(line).map_err(invalid)?);
        }
        let b = Benchmark { violation_code: f.get("violation_code").trim().into(), name: f.get("name").trim().into(), legal_basis: f.get("legal_basis").trim().into(), bands };
        state.store.enf_benchmark_set(&p.actor_as(Role::DeptStaff), v.unit.id, &b).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/enforcement/benchmarks?done=benchmark")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(benchmarks_page(&state, &p, Some(msg), None, f.echo()).await?, st))
        }
    }
}

pub async fn exemption_add(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<Vec<(String, String)>>) -> Result<Response, AppError> {
    let f = Fields(f);
    let r: Result<(), AppError> = async {
        let v = viewer(&state, &p).await?;
        let kind = ExemptionKind::from_code(f.get("kind")).ok_or_else(|| invalid("请选择清单类型"))?;
        state.store.enf_exemption_add(&p.actor_as(Role::DeptStaff), v.unit.id, kind, f.get("violation_code"), f.get("note")).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/enforcement/benchmarks?done=exemption")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(benchmarks_page(&state, &p, Some(msg), None, f.echo()).await?, st))
        }
    }
}

/// Per officer and case, whether each required step was done on time. Ordered by case,
/// never by fines or by counts.
pub async fn accountability(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let cases = state.store.enf_cases(&CaseFilter { department_id: Some(v.unit.id), limit: 500, ..Default::default() }).await?;
    let mut rows = Vec::new();
    for c in &cases {
        let full = state.store.enf_case(c.id).await?;
        let steps = checklist_of(&state, &full).await?;
        rows.push(json!({
            "id": c.id, "handler": c.handler, "officers": c.officers, "kind_label": c.kind.label(), "entity_name": c.entity_name,
            "action_no": c.action_no, "steps": steps, "on_time": acc::all_on_time(&steps),
        }));
    }
    // Per officer (by certificate number, in certificate order: never a ranking), the
    // cases they took part in and whether each was handled on time.
    let mut officers: std::collections::BTreeMap<String, (String, Vec<serde_json::Value>)> = Default::default();
    for r in &rows {
        for o in r["officers"].as_array().into_iter().flatten() {
            let cert = o["certificate_no"].as_str().unwrap_or_default().to_string();
            let e = officers.entry(cert).or_insert_with(|| (o["name"].as_str().unwrap_or_default().to_string(), Vec::new()));
            e.1.push(json!({ "id": r["id"], "action_no": r["action_no"], "on_time": r["on_time"] }));
        }
    }
    let officers: Vec<serde_json::Value> =
        officers.into_iter().map(|(cert, (name, cases))| json!({ "certificate_no": cert, "name": name, "cases": cases })).collect();
    let ctx = context! {
        ..base(&p, "尽职免责、失职问责"),
        ..context! { rows => rows, officers => officers, unit => v.unit.name, duties => acc::DUTIES }
    };
    Ok(render("enforcement_accountability.html", ctx)?.into_response())
}

// --- public ------------------------------------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct PublicQuery {
    /// 统一社会信用代码 (optional).
    #[serde(default)]
    pub uscc: Option<String>,
}

pub async fn public_page(State(state): State<AppState>, p: Principal, Query(q): Query<PublicQuery>) -> Result<Response, AppError> {
    let list = state.store.enf_public_penalties(q.uscc.as_deref(), 200).await?;
    let ctx = context! {
        ..base(&p, "行政处罚公示"),
        ..context! {
            uscc => q.uscc,
            list => list.iter().map(|x| { let mut v = serde_json::to_value(x).expect("json"); v["fine"] = json!(en::yuan(x.fine_fen)); v["confiscated"] = json!(en::yuan(x.confiscated_fen)); v }).collect::<Vec<_>>(),
        }
    };
    Ok(render("enforcement_public.html", ctx)?.into_response())
}

/// Published penalty decisions (public fields only; natural persons masked).
#[utoipa::path(get, path = "/api/v1/public/enforcement/penalties", tag = "行政执法", params(PublicQuery),
    responses((status = 200, body = [Object])))]
pub async fn api_public_penalties(State(state): State<AppState>, Query(q): Query<PublicQuery>) -> Result<Response, AppError> {
    Ok(Json(state.store.enf_public_penalties(q.uscc.as_deref(), 200).await.map_err(api_err)?).into_response())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct CasesQuery {
    /// `inspection`, `penalty` or `coercive_measure`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// The caller's department's enforcement records, newest first.
#[utoipa::path(get, path = "/api/v1/enforcement/cases", tag = "行政执法", params(CasesQuery),
    responses((status = 200, body = [Object]), (status = 403, body = crate::error::ErrorBody)), security(("session" = []), ("api_key" = [])))]
pub async fn api_cases(State(state): State<AppState>, p: Principal, Query(q): Query<CasesQuery>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(RecordKind::from_code(k).ok_or_else(|| api_err(invalid(format!("记录类型“{k}”无法识别"))))?),
        None => None,
    };
    let list = state.store.enf_cases(&CaseFilter { department_id: Some(v.unit.id), kind, status: q.status, limit: 500, ..Default::default() }).await.map_err(api_err)?;
    Ok(Json(list).into_response())
}

/// One enforcement record of the caller's department.
#[utoipa::path(get, path = "/api/v1/enforcement/cases/{id}", tag = "行政执法", params(("id" = i64, Path, description = "记录编号")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)), security(("session" = []), ("api_key" = [])))]
pub async fn api_case(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    Ok(Json(visible(&state, &v, id).await.map_err(api_err)?).into_response())
}

/// A penalty case as pushed by another system (amounts in fen).
#[derive(Deserialize, ToSchema)]
pub struct PenaltyDto {
    pub uscc: String,
    /// 监管事项目录编码.
    pub item_code: String,
    /// 检查行为编号 / 案件编号.
    pub action_no: String,
    #[serde(default)]
    pub implementing_body: String,
    pub subject_name: String,
    #[serde(default)]
    pub subject_is_person: bool,
    /// `[{"name": "…", "certificate_no": "…"}]`, at least two.
    #[schema(value_type = Vec<Object>)]
    pub officers: Vec<en::Officer>,
    pub occurred_on: NaiveDate,
    pub case_source: String,
    pub violation_code: String,
    /// `slight`, `general`, `serious` or `severe`.
    pub circumstance: String,
    pub facts: String,
    pub legal_basis: String,
    /// Codes: `warning`, `fine`, `revoke_licence`, ….
    pub kinds: Vec<String>,
    #[serde(default)]
    pub fine_fen: i64,
    #[serde(default)]
    pub confiscated_fen: i64,
    pub decision_no: String,
    #[serde(default)]
    pub collective_discussion: bool,
    #[serde(default)]
    pub hearing_held: bool,
    #[serde(default)]
    pub remedy: Option<String>,
    /// Required when the penalty lies outside its benchmark band.
    #[serde(default)]
    pub band_reason: String,
}

/// Registers a penalty case (draft) of the caller's department.
#[utoipa::path(post, path = "/api/v1/enforcement/penalties", tag = "行政执法", request_body = PenaltyDto,
    responses((status = 201, body = Object), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn api_create_penalty(State(state): State<AppState>, p: Principal, ApiJson(b): ApiJson<PenaltyDto>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let mut kinds = Vec::new();
    for k in &b.kinds {
        kinds.push(PenaltyKind::from_code(k).ok_or_else(|| api_err(invalid(format!("处罚种类“{k}”无法识别"))))?);
    }
    kinds.sort();
    kinds.dedup();
    let n = NewCase {
        department_id: v.unit.id,
        uscc: helpers::uscc(&b.uscc).map_err(api_err)?,
        common: en::CommonFields {
            item_code: b.item_code,
            action_no: b.action_no,
            implementing_body: if b.implementing_body.trim().is_empty() { v.unit.name.clone() } else { b.implementing_body },
            subject_name: b.subject_name,
            subject_is_person: b.subject_is_person,
            officers: b.officers,
            occurred_on: b.occurred_on,
        },
        detail: CaseDetail::Penalty {
            fields: en::PenaltyFields {
                case_source: b.case_source,
                violation_code: b.violation_code,
                circumstance: Circumstance::from_code(&b.circumstance).ok_or_else(|| api_err(invalid("违法情节应为 slight、general、serious 或 severe")))?,
                facts: b.facts,
                legal_basis: b.legal_basis,
                kinds,
                fine_fen: b.fine_fen,
                confiscated_fen: b.confiscated_fen,
                decision_no: b.decision_no,
                collective_discussion: b.collective_discussion,
                hearing_held: b.hearing_held,
                remedy: b.remedy.unwrap_or_else(|| "none".into()),
            },
            band_reason: b.band_reason,
        },
    };
    let c = state.store.enf_case_create(&writer_actor(&p), &n, &state.config.enforcement.major, today()).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": c.id, "status": c.status, "major": c.major, "out_of_band": c.out_of_band, "blocker": c.decision_blocker() }))).into_response())
}

// --- dashboard, portal, schedule ----------------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !READERS.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    let mut cards = Vec::new();
    if v.writer {
        let drafts = state.store.enf_cases(&CaseFilter { department_id: Some(v.unit.id), status: Some("draft".into()), limit: 1000, ..Default::default() }).await?.len();
        let overdue = state.store.enf_publicity_overdue(Some(v.unit.id), today()).await?.len();
        cards.push(Card {
            title: "行政执法".into(),
            stats: vec![("待决定案件".into(), drafts.to_string()), ("逾期未公示".into(), overdue.to_string())],
            links: vec![("/enforcement".into(), "执法记录".into()), ("/enforcement/benchmarks".into(), "裁量基准".into())],
        });
    }
    if v.reviewer {
        let dept = if v.justice { None } else { Some(v.unit.id) };
        let n = state.store.enf_cases(&CaseFilter { department_id: dept, review_pending: true, limit: 1000, ..Default::default() }).await?.len();
        cards.push(Card { title: "法制审核".into(), stats: vec![("待审核重大执法决定".into(), n.to_string())], links: vec![("/enforcement/reviews".into(), "审核队列".into())] });
    }
    Ok(cards)
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection { title: "行政处罚公示", text: "各部门作出的行政处罚决定,自决定之日起 7 个工作日内公示(国办发〔2018〕118号)。", href: Some("/public/enforcement") }]
}

/// Scheduled work: withdraw publications whose period ended; warn departments of
/// decisions not published within 7 working days.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    state.store.enf_expire(&jianguan_store::Actor::system(), day).await?;
    for c in state.store.enf_publicity_overdue(None, day).await? {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(c.department_id),
                account_id: None,
                kind: "enforcement".into(),
                title: format!("处罚决定 {} 逾期未公示", c.decision_no),
                body: format!("应于 {} 前公示(决定后 7 个工作日)。", c.publish_due.map(|d| d.to_string()).unwrap_or_default()),
                link: format!("/enforcement/cases/{}", c.id),
                dedup_key: format!("enforcement-publicity-{}", c.id),
            })
            .await?;
    }
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_public_penalties, api_cases, api_case, api_create_penalty), components(schemas(PenaltyDto)))]
pub struct Api;
