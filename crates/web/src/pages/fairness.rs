//! Fair-competition review pages and API (公平竞争审查, 附件1 第14项).
//!
//! * Any department (部门填报) registers the drafts it writes and fills the national
//!   checklist for them (自我审查/初审); only the drafting department sees and changes
//!   its drafts.
//! * 区市场监管局 (the lead unit, and the joint-review body) sees every draft, gives the
//!   joint-review opinion (会审意见) on measures to be issued in the district
//!   government's name, and runs the clean-up campaigns of existing documents.
//! * The ledger office (台账管理) reads everything; the clean-up results are public.

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
use jianguan_domain::auth::Role;
use jianguan_domain::fairness::{
    self as fc, CleanupResult, CleanupState, Conclusion, DraftKind, DraftStatus, Finding, JointResult, Outcome,
    ReviewInput,
};
use jianguan_store::fairness::{Cleanup, Draft, DraftFilter, NewCleanupDoc, NewDraft};
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// Code of 区市场监管局: lead unit of 附件1 第14项 and the joint-review body.
pub const BUREAU: &str = "scjgj";

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::LedgerOffice];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/fairness", Roles(READERS), get(index)),
        r(M::POST, "/fairness/drafts", Roles(STAFF), post(register)),
        r(M::GET, "/fairness/drafts/{id}", Roles(READERS), get(draft_page)),
        r(M::POST, "/fairness/drafts/{id}/review", Roles(STAFF), post(review)),
        r(M::POST, "/fairness/drafts/{id}/joint", Roles(STAFF), post(request_joint)),
        r(M::POST, "/fairness/drafts/{id}/opinion", Roles(STAFF), post(opinion)),
        r(M::POST, "/fairness/drafts/{id}/attachment", Roles(STAFF), post(replace_attachment)),
        r(M::GET, "/fairness/drafts/{id}/attachment", Roles(READERS), get(attachment)),
        r(M::POST, "/fairness/drafts/{id}/outcome", Roles(STAFF), post(outcome)),
        r(M::GET, "/fairness/cleanups", Roles(READERS), get(cleanups)),
        r(M::POST, "/fairness/cleanups", Roles(STAFF), post(cleanup_create)),
        r(M::GET, "/fairness/cleanups/{id}", Roles(READERS), get(cleanup_page)),
        r(M::POST, "/fairness/cleanups/{id}/documents", Roles(STAFF), post(cleanup_record)),
        r(M::POST, "/fairness/cleanups/{id}/submit", Roles(STAFF), post(cleanup_submit)),
        r(M::GET, "/fairness/report", Roles(READERS), get(report)),
        r(M::GET, "/public/fairness", Public, get(public_results)),
        r(M::GET, "/api/v1/fairness/standards", Public, get(api_standards)),
        r(M::GET, "/api/v1/fairness/drafts", Roles(READERS), get(api_drafts)),
        r(M::POST, "/api/v1/fairness/drafts", Roles(STAFF), post(api_register)),
        r(M::GET, "/api/v1/fairness/drafts/{id}", Roles(READERS), get(api_draft)),
        r(M::POST, "/api/v1/fairness/drafts/{id}/review", Roles(STAFF), post(api_review)),
        r(M::POST, "/api/v1/fairness/drafts/{id}/opinion", Roles(STAFF), post(api_opinion)),
        r(M::GET, "/api/v1/fairness/report", Roles(READERS), get(api_report)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("fairness_index.html", include_str!("../../templates/fairness_index.html")),
    ("fairness_draft.html", include_str!("../../templates/fairness_draft.html")),
    ("fairness_cleanups.html", include_str!("../../templates/fairness_cleanups.html")),
    ("fairness_cleanup.html", include_str!("../../templates/fairness_cleanup.html")),
    ("fairness_report.html", include_str!("../../templates/fairness_report.html")),
    ("fairness_public.html", include_str!("../../templates/fairness_public.html")),
];

/// Who is looking: their department, and whether it is the bureau.
struct Viewer {
    unit: Unit,
    bureau: bool,
    staff: bool,
    ledger: bool,
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    Ok(Viewer {
        bureau: unit.code == BUREAU && p.has(Role::DeptStaff),
        staff: p.has(Role::DeptStaff),
        ledger: p.has(Role::LedgerOffice),
        unit,
    })
}

impl Viewer {
    fn sees_all(&self) -> bool {
        self.bureau || self.ledger
    }
    fn sees(&self, d: &Draft) -> bool {
        self.sees_all() || d.department_id == self.unit.id
    }
    fn owns(&self, d: &Draft) -> bool {
        self.staff && d.department_id == self.unit.id
    }
}

/// A draft the caller may see, or 404 (another department's drafts are not disclosed).
async fn visible_draft(state: &AppState, v: &Viewer, id: i64) -> Result<Draft, AppError> {
    match state.store.fc_draft_get(id).await {
        Ok(d) if v.sees(&d) => Ok(d),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("审查对象 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

fn owned(v: &Viewer, d: &Draft) -> Result<(), AppError> {
    if v.owns(d) {
        Ok(())
    } else {
        Err(AppError::forbidden("只有起草单位可以办理本审查事项"))
    }
}

/// A draft for templates and the API, with the labels of its codes.
fn draft_view(d: &Draft) -> serde_json::Value {
    let mut v = serde_json::to_value(d).expect("json");
    let o = v.as_object_mut().expect("object");
    o.insert("kind".into(), json!(d.kind.code()));
    o.insert("kind_label".into(), json!(d.kind.label()));
    o.insert("status".into(), json!(d.status.code()));
    o.insert("status_label".into(), json!(d.status.label()));
    o.insert("conclusion".into(), json!(d.conclusion.map(|c| c.code())));
    o.insert("conclusion_label".into(), json!(d.conclusion.map(|c| c.label())));
    o.insert("final_conclusion".into(), json!(d.final_conclusion.map(|c| c.code())));
    o.insert("final_label".into(), json!(d.final_conclusion.map(|c| c.label())));
    o.insert("outcome".into(), json!(d.outcome.map(|c| c.code())));
    o.insert("outcome_label".into(), json!(d.outcome.map(|c| c.label())));
    o.insert(
        "joint_reviews".into(),
        json!(d
            .joint_reviews
            .iter()
            .map(|j| {
                let mut x = serde_json::to_value(j).expect("json");
                x["result"] = json!(j.result.map(|r| r.code()));
                x["result_label"] = json!(j.result.map(|r| r.label()));
                x
            })
            .collect::<Vec<_>>()),
    );
    o.insert(
        "findings".into(),
        json!(d
            .findings
            .iter()
            .map(|f| json!({ "code": f.code, "finding": f.finding.code(), "label": f.finding.label(), "note": f.note }))
            .collect::<Vec<_>>()),
    );
    v
}

fn kinds() -> Vec<serde_json::Value> {
    DraftKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label(), "joint": k.needs_joint_review() })).collect()
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "registered" => "已登记,请对照审查标准逐项审查。",
        "reviewed" => "审查结论已保存。",
        "joint" => "已提请区市场监管局会审。",
        "opinion" => "会审意见已送达起草单位。",
        "attachment" => "文件已更换。",
        "outcome" => "出台情况已登记。",
        "cleanup" => "清理任务已下达,已通知各参加部门。",
        "recorded" => "清理结果已登记。",
        "submitted" => "清理情况已报送。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

// --- index and registration ----------------------------------------------------------------

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let mine = state.store.fc_drafts(&DraftFilter { department_id: Some(v.unit.id), limit: 500, ..Default::default() }).await?;
    let all = if v.sees_all() { state.store.fc_drafts(&DraftFilter { limit: 500, ..Default::default() }).await? } else { Vec::new() };
    let pending: Vec<_> = all.iter().filter(|d| d.status == DraftStatus::JointPending).map(draft_view).collect();
    let version = fc::in_force(today());
    let ctx = context! {
        ..base(p, "公平竞争审查"),
        ..context! {
            error => error,
            flash => flash_of(done),
            unit => v.unit.name,
            staff => v.staff,
            bureau => v.bureau,
            sees_all => v.sees_all(),
            mine => mine.iter().map(draft_view).collect::<Vec<_>>(),
            all => all.iter().map(draft_view).collect::<Vec<_>>(),
            pending => pending,
            kinds => kinds(),
            version => json!({ "version": version.version, "title": version.title, "doc_no": version.doc_no, "count": version.count() }),
            accept => helpers::ACCEPT_ATTR,
        }
    };
    Ok(render("fairness_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    index_page(&state, &p, None, q.done.as_deref()).await
}

fn new_draft(unit: &Unit, title: &str, kind: &str, summary: &str) -> Result<NewDraft, AppError> {
    let kind = DraftKind::from_code(kind).ok_or_else(|| invalid("请选择文件类型"))?;
    Ok(NewDraft {
        department_id: unit.id,
        standards_version: fc::in_force(today()).version.clone(),
        title: title.to_string(),
        kind,
        summary: summary.to_string(),
        attachment: None,
    })
}

pub async fn register(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let r: Result<Draft, AppError> = async {
        let up = helpers::read_upload(&state.config.upload, mp).await?;
        let unit = helpers::caller_unit(&state, &p).await?;
        let mut d = new_draft(&unit, up.get("title"), up.get("kind"), up.get("summary"))?;
        d.attachment = up.file;
        Ok(state.store.fc_draft_create(&p.actor_as(Role::DeptStaff), &d).await?)
    }
    .await;
    match r {
        Ok(d) => Ok(see_other(&format!("/fairness/drafts/{}?done=registered", d.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

// --- one draft ----------------------------------------------------------------------------------

async fn draft_render(
    state: &AppState,
    p: &Principal,
    id: i64,
    error: Option<String>,
    done: Option<&str>,
    submitted: Option<&HashMap<String, String>>,
) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let d = visible_draft(state, &v, id).await?;
    let list = fc::checklist(&d.standards_version).ok_or_else(|| AppError::internal("审查标准版本缺失"))?;
    // The selections shown: what was just submitted (on an error), else what is stored.
    let mut sel: BTreeMap<String, String> = d.findings.iter().map(|f| (f.code.clone(), f.finding.code().to_string())).collect();
    let mut notes: BTreeMap<String, String> = d.findings.iter().map(|f| (f.code.clone(), f.note.clone())).collect();
    if let Some(s) = submitted {
        for (k, val) in s {
            if let Some(code) = k.strip_prefix("f_") {
                sel.insert(code.to_string(), val.clone());
            } else if let Some(code) = k.strip_prefix("n_") {
                notes.insert(code.to_string(), val.clone());
            }
        }
    }
    let events = state.store.fc_events(id).await?;
    let own = v.owns(&d);
    let ctx = context! {
        ..base(p, &d.title),
        ..context! {
            error => error,
            flash => flash_of(done),
            d => draft_view(&d),
            checklist => list,
            findings => [Finding::NotInvolved, Finding::Complies, Finding::Violates].iter().map(|f| json!({ "code": f.code(), "label": f.label() })).collect::<Vec<_>>(),
            conclusions => Conclusion::ALL.iter().map(|c| json!({ "code": c.code(), "label": c.label() })).collect::<Vec<_>>(),
            results => [JointResult::Agree, JointResult::AgreeWithChanges, JointResult::Disagree].iter().map(|r| json!({ "code": r.code(), "label": r.label() })).collect::<Vec<_>>(),
            sel => sel,
            notes => notes,
            form => submitted.cloned().unwrap_or_default(),
            can_review => own && d.status.can_review(),
            can_request => own && d.status == DraftStatus::SelfReviewed,
            can_opine => v.bureau && d.status == DraftStatus::JointPending,
            can_replace => own && !matches!(d.status, DraftStatus::Concluded | DraftStatus::JointPending),
            can_outcome => own && d.status == DraftStatus::Concluded,
            events => events,
            accept => helpers::ACCEPT_ATTR,
        }
    };
    Ok(render("fairness_draft.html", ctx)?.into_response())
}

pub async fn draft_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    draft_render(&state, &p, id, None, q.done.as_deref(), None).await
}

/// Reads the checklist form: `f_<code>` findings, `n_<code>` notes.
fn review_of(d: &Draft, f: &HashMap<String, String>) -> Result<ReviewInput, AppError> {
    let mut findings = BTreeMap::new();
    let mut notes = BTreeMap::new();
    for (k, v) in f {
        if let Some(code) = k.strip_prefix("f_") {
            let finding = Finding::from_code(v).ok_or_else(|| invalid(format!("标准 {code} 的判断“{v}”无法识别")))?;
            findings.insert(code.to_string(), finding);
        } else if let Some(code) = k.strip_prefix("n_") {
            if !v.trim().is_empty() {
                notes.insert(code.to_string(), v.trim().to_string());
            }
        }
    }
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let conclusion = Conclusion::from_code(get("conclusion")).ok_or_else(|| invalid("请选择审查结论"))?;
    let exception = match get("exception").trim() {
        "" => None,
        s => Some(s.parse::<usize>().map_err(|_| invalid("例外情形选择有误"))?),
    };
    Ok(ReviewInput {
        version: d.standards_version.clone(),
        findings,
        notes,
        conclusion,
        exception,
        reasoning: get("reasoning").to_string(),
        term: get("term").to_string(),
    })
}

pub async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let d = visible_draft(&state, &v, id).await?;
    owned(&v, &d)?;
    let r: Result<Draft, AppError> = async {
        let input = review_of(&d, &f)?;
        let expected: i64 = f.get("version").and_then(|s| s.parse().ok()).unwrap_or(d.version);
        Ok(state.store.fc_review(&p.actor_as(Role::DeptStaff), id, &input, expected).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other(&format!("/fairness/drafts/{id}?done=reviewed"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(draft_render(&state, &p, id, Some(msg), None, Some(&f)).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
}

pub async fn request_joint(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<NoteForm>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let d = visible_draft(&state, &v, id).await?;
    owned(&v, &d)?;
    match state.store.fc_request_joint(&p.actor_as(Role::DeptStaff), id, &f.note).await {
        Ok(d) => {
            if let Some(bureau) = helpers::unit_by_code(&state, BUREAU).await? {
                state
                    .store
                    .notify(&NewNotification {
                        department_id: Some(bureau.id),
                        account_id: None,
                        kind: "fairness".into(),
                        title: format!("请会审:{}({})", d.title, d.department),
                        body: f.note.trim().to_string(),
                        link: format!("/fairness/drafts/{id}"),
                        dedup_key: format!("fc-joint-{id}-{}", d.joint_reviews.len()),
                    })
                    .await?;
            }
            Ok(see_other(&format!("/fairness/drafts/{id}?done=joint")))
        }
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(draft_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct OpinionForm {
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub opinion: String,
}

async fn give_opinion(state: &AppState, p: &Principal, id: i64, result: &str, opinion: &str) -> Result<Draft, AppError> {
    let v = viewer(state, p).await?;
    let d = visible_draft(state, &v, id).await?;
    if !v.bureau {
        return Err(AppError::forbidden("会审意见由区市场监管局出具"));
    }
    let result = JointResult::from_code(result).ok_or_else(|| invalid("请选择会审结论"))?;
    let out = state.store.fc_joint_opinion(&p.actor_as(Role::DeptStaff), id, result, opinion).await?;
    state
        .store
        .notify(&NewNotification {
            department_id: Some(d.department_id),
            account_id: None,
            kind: "fairness".into(),
            title: format!("会审意见:{}——{}", d.title, result.label()),
            body: opinion.trim().to_string(),
            link: format!("/fairness/drafts/{id}"),
            dedup_key: format!("fc-opinion-{id}-{}", out.joint_reviews.len()),
        })
        .await?;
    Ok(out)
}

pub async fn opinion(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<OpinionForm>,
) -> Result<Response, AppError> {
    match give_opinion(&state, &p, id, &f.result, &f.opinion).await {
        Ok(_) => Ok(see_other(&format!("/fairness/drafts/{id}?done=opinion"))),
        Err(e) if e.status == StatusCode::FORBIDDEN => Err(e),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(draft_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

pub async fn replace_attachment(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let d = visible_draft(&state, &v, id).await?;
    owned(&v, &d)?;
    let r: Result<Draft, AppError> = async {
        let up = helpers::read_upload(&state.config.upload, mp).await?;
        let file = up.file.ok_or_else(|| invalid("请选择要上传的文件"))?;
        Ok(state.store.fc_set_attachment(&p.actor_as(Role::DeptStaff), id, &file).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other(&format!("/fairness/drafts/{id}?done=attachment"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(draft_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

pub async fn attachment(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let d = visible_draft(&state, &v, id).await?;
    let a = d.attachment.ok_or_else(|| AppError::not_found("该审查对象没有上传文件"))?;
    let doc = state.store.doc_file(&a.sha256).await?.ok_or_else(|| AppError::not_found("文件不存在"))?;
    Ok(helpers::download(doc, &a.name))
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub issued_on: String,
}

pub async fn outcome(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<OutcomeForm>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let d = visible_draft(&state, &v, id).await?;
    owned(&v, &d)?;
    let r: Result<Draft, AppError> = async {
        let o = Outcome::from_code(&f.outcome).ok_or_else(|| invalid("请选择出台情况"))?;
        let on = helpers::opt_date("出台日期", &f.issued_on)?;
        Ok(state.store.fc_record_outcome(&p.actor_as(Role::DeptStaff), id, o, &f.doc_no, on).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other(&format!("/fairness/drafts/{id}?done=outcome"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(draft_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

// --- clean-up campaigns -------------------------------------------------------------------

fn cleanup_view(c: &Cleanup, day: chrono::NaiveDate) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("json");
    let done = c.targets.iter().filter(|t| t.submitted_at.is_some()).count();
    v["submitted"] = json!(done);
    v["overdue"] = json!(day > c.deadline_on && done < c.targets.len());
    v["targets"] = json!(c
        .targets
        .iter()
        .map(|t| {
            let mut x = serde_json::to_value(t).expect("json");
            x["state"] = json!(CleanupState::of(c.deadline_on, t.submitted_at.is_some(), day).label());
            x
        })
        .collect::<Vec<_>>());
    v
}

async fn cleanups_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let day = today();
    let list: Vec<_> = state
        .store
        .fc_cleanups()
        .await?
        .into_iter()
        .filter(|c| v.sees_all() || c.targets.iter().any(|t| t.department_id == v.unit.id))
        .map(|c| cleanup_view(&c, day))
        .collect();
    let ctx = context! {
        ..base(p, "规章和规范性文件清理"),
        ..context! {
            error => error,
            flash => flash_of(done),
            bureau => v.bureau,
            cleanups => list,
            departments => helpers::departments(state).await?,
            today => day.to_string(),
        }
    };
    Ok(render("fairness_cleanups.html", ctx)?.into_response())
}

pub async fn cleanups(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    cleanups_page(&state, &p, None, q.done.as_deref()).await
}

pub async fn cleanup_create(
    State(state): State<AppState>,
    p: Principal,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    if !v.bureau {
        return Err(AppError::forbidden("清理任务由区市场监管局下达"));
    }
    let pairs = crate::pages::admin::pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let r: Result<Cleanup, AppError> = async {
        let deadline = helpers::date("完成期限", get("deadline_on"))?;
        let mut ids = Vec::new();
        for (k, val) in &pairs {
            if k == "department" {
                ids.push(val.parse::<i64>().map_err(|_| invalid("部门选择有误"))?);
            }
        }
        Ok(state.store.fc_cleanup_create(&p.actor_as(Role::DeptStaff), get("title"), get("scope"), deadline, &ids).await?)
    }
    .await;
    match r {
        Ok(c) => {
            for t in &c.targets {
                state
                    .store
                    .notify(&NewNotification {
                        department_id: Some(t.department_id),
                        account_id: None,
                        kind: "fairness".into(),
                        title: format!("清理任务:{}(期限 {})", c.title, c.deadline_on),
                        body: c.scope.clone(),
                        link: format!("/fairness/cleanups/{}", c.id),
                        dedup_key: format!("fc-cleanup-{}-{}-new", c.id, t.department_id),
                    })
                    .await?;
            }
            Ok(see_other(&format!("/fairness/cleanups/{}?done=cleanup", c.id)))
        }
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(cleanups_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

async fn cleanup_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let c = state.store.fc_cleanup_get(id).await?;
    let target = c.targets.iter().find(|t| t.department_id == v.unit.id);
    if !v.sees_all() && target.is_none() {
        return Err(AppError::not_found(format!("清理任务 {id} 不存在")));
    }
    let docs = state.store.fc_cleanup_documents(id, if v.sees_all() { None } else { Some(v.unit.id) }).await?;
    let ctx = context! {
        ..base(p, &c.title),
        ..context! {
            error => error,
            flash => flash_of(done),
            c => cleanup_view(&c, today()),
            docs => docs.iter().map(|d| { let mut x = serde_json::to_value(d).expect("json"); x["result_label"] = json!(d.result.label()); x }).collect::<Vec<_>>(),
            results => CleanupResult::ALL.iter().map(|r| json!({ "code": r.code(), "label": r.label() })).collect::<Vec<_>>(),
            can_record => v.staff && target.is_some_and(|t| t.submitted_at.is_none()),
            mine => target,
        }
    };
    Ok(render("fairness_cleanup.html", ctx)?.into_response())
}

pub async fn cleanup_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    cleanup_render(&state, &p, id, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct CleanupDocForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn cleanup_record(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CleanupDocForm>,
) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(&state, &p).await?;
    let r: Result<(), AppError> = async {
        let doc = NewCleanupDoc {
            title: f.title.clone(),
            doc_no: f.doc_no.clone(),
            issued_on: helpers::opt_date("印发日期", &f.issued_on)?,
            result: CleanupResult::from_code(&f.result).ok_or_else(|| invalid("请选择清理结果"))?,
            reason: f.reason.clone(),
        };
        state.store.fc_cleanup_record(&p.actor_as(Role::DeptStaff), id, unit.id, &doc).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/fairness/cleanups/{id}?done=recorded"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(cleanup_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct SummaryForm {
    #[serde(default)]
    pub summary: String,
}

pub async fn cleanup_submit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<SummaryForm>,
) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(&state, &p).await?;
    match state.store.fc_cleanup_submit(&p.actor_as(Role::DeptStaff), id, unit.id, &f.summary).await {
        Ok(_) => Ok(see_other(&format!("/fairness/cleanups/{id}?done=submitted"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(cleanup_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

// --- report and public results --------------------------------------------------------------

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First day (Beijing), default 1 January of this year.
    pub from: Option<String>,
    /// Last day, default today.
    pub to: Option<String>,
    /// `csv` for a spreadsheet.
    pub format: Option<String>,
}

async fn report_rows(
    state: &AppState,
    p: &Principal,
    q: &ReportQuery,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate, Vec<jianguan_store::fairness::ReportRow>), AppError> {
    let v = viewer(state, p).await?;
    let day = today();
    let from = helpers::opt_date("起始日期", q.from.as_deref().unwrap_or(""))?
        .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&day), 1, 1).expect("date"));
    let to = helpers::opt_date("截止日期", q.to.as_deref().unwrap_or(""))?.unwrap_or(day);
    if to < from {
        return Err(invalid("截止日期早于起始日期"));
    }
    let mut rows = state.store.fc_report(from, to).await?;
    if !v.sees_all() {
        rows.retain(|r| r.department_id == v.unit.id);
    }
    Ok((from, to, rows))
}

pub async fn report(State(state): State<AppState>, p: Principal, Query(q): Query<ReportQuery>) -> Result<Response, AppError> {
    let (from, to, rows) = report_rows(&state, &p, &q).await?;
    if q.format.as_deref() == Some("csv") {
        let body = rows
            .iter()
            .map(|r| {
                vec![
                    r.department.clone(),
                    r.registered.to_string(),
                    r.concluded.to_string(),
                    r.may_issue.to_string(),
                    r.exception.to_string(),
                    r.adjust.to_string(),
                    r.do_not_issue.to_string(),
                    r.joint_reviews.to_string(),
                    r.issued.to_string(),
                    r.cleanup_retain.to_string(),
                    r.cleanup_amend.to_string(),
                    r.cleanup_repeal.to_string(),
                    r.cleanup_expire.to_string(),
                ]
            })
            .collect();
        return Ok(helpers::csv(
            &format!("公平竞争审查情况_{from}_{to}.csv"),
            &["部门", "登记", "审查完成", "可以出台", "例外出台", "调整后出台", "不予出台", "会审", "已出台", "清理-继续有效", "清理-修订", "清理-废止", "清理-宣布失效"],
            body,
        ));
    }
    let ctx = context! {
        ..base(&p, "公平竞争审查情况统计"),
        ..context! { rows => rows, from => from.to_string(), to => to.to_string() }
    };
    Ok(render("fairness_report.html", ctx)?.into_response())
}

pub async fn public_results(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let docs = state.store.fc_public_results().await?;
    let cleanups: HashMap<i64, String> = state.store.fc_cleanups().await?.into_iter().map(|c| (c.id, c.title)).collect();
    let rows: Vec<_> = docs
        .iter()
        .map(|d| {
            let mut x = serde_json::to_value(d).expect("json");
            x["result_label"] = json!(d.result.label());
            x["cleanup"] = json!(cleanups.get(&d.cleanup_id));
            x.as_object_mut().expect("object").remove("recorded_by");
            x
        })
        .collect();
    let list = fc::in_force(today());
    let ctx = context! {
        ..base(&p, "公平竞争审查 · 文件清理结果"),
        ..context! { rows => rows, version => json!({ "title": list.title, "doc_no": list.doc_no }) }
    };
    Ok(render("fairness_public.html", ctx)?.into_response())
}

// --- dashboard, portal, jobs ------------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !(p.has(Role::DeptStaff) || p.has(Role::LedgerOffice)) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    let mine = state.store.fc_drafts(&DraftFilter { department_id: Some(v.unit.id), limit: 1000, ..Default::default() }).await?;
    let mut stats = vec![
        ("本部门待审查".to_string(), mine.iter().filter(|d| d.status.can_review()).count().to_string()),
        ("本部门会审中".to_string(), mine.iter().filter(|d| d.status == DraftStatus::JointPending).count().to_string()),
    ];
    if v.bureau {
        let pending = state.store.fc_drafts(&DraftFilter { status: Some(DraftStatus::JointPending), limit: 1000, ..Default::default() }).await?;
        stats.push(("待出具会审意见".into(), pending.len().to_string()));
    }
    let day = today();
    let open = state
        .store
        .fc_cleanups()
        .await?
        .into_iter()
        .filter(|c| c.targets.iter().any(|t| t.department_id == v.unit.id && t.submitted_at.is_none()))
        .filter(|c| c.deadline_on >= day - chrono::Duration::days(365))
        .count();
    stats.push(("待报送清理任务".into(), open.to_string()));
    Ok(vec![Card {
        title: "公平竞争审查".into(),
        stats,
        links: vec![
            ("/fairness".into(), "审查登记与审查".into()),
            ("/fairness/cleanups".into(), "规章和规范性文件清理".into()),
            ("/fairness/report".into(), "审查情况统计".into()),
        ],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "公平竞争审查",
        text: "区各部门定期清理规章和规范性文件,及时纠正排除、限制竞争的问题(附件1 第14项)。公开已废止、修订和宣布失效的文件。",
        href: Some("/public/fairness"),
    }]
}

/// Clean-up deadline warnings through the notification centre: a reminder within
/// [`fc::DUE_SOON_DAYS`] days of the deadline, an overdue notice to the department and
/// to 区市场监管局 after it; each once (dedup keys).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    let bureau = helpers::unit_by_code(state, BUREAU).await?;
    for c in state.store.fc_cleanups().await? {
        for t in c.targets.iter().filter(|t| t.submitted_at.is_none()) {
            let st = CleanupState::of(c.deadline_on, false, day);
            let (suffix, title) = match st {
                CleanupState::DueSoon => ("due", format!("清理任务临近期限:{}(期限 {})", c.title, c.deadline_on)),
                CleanupState::Overdue => ("overdue", format!("清理任务已逾期:{}(期限 {})", c.title, c.deadline_on)),
                _ => continue,
            };
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(t.department_id),
                    account_id: None,
                    kind: "fairness".into(),
                    title,
                    body: "请登记清理结果并报送。".into(),
                    link: format!("/fairness/cleanups/{}", c.id),
                    dedup_key: format!("fc-cleanup-{}-{}-{suffix}", c.id, t.department_id),
                })
                .await?;
            if st == CleanupState::Overdue {
                if let Some(b) = &bureau {
                    state
                        .store
                        .notify(&NewNotification {
                            department_id: Some(b.id),
                            account_id: None,
                            kind: "fairness".into(),
                            title: format!("{}逾期未报送清理情况:{}", t.department, c.title),
                            body: format!("期限 {}", c.deadline_on),
                            link: format!("/fairness/cleanups/{}", c.id),
                            dedup_key: format!("fc-cleanup-{}-{}-overdue-bureau", c.id, t.department_id),
                        })
                        .await?;
                }
            }
        }
    }
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------------

/// One standard of the checklist.
#[derive(Serialize, ToSchema)]
pub struct StandardDto {
    pub code: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDto {
    pub code: String,
    pub name: String,
    pub article: String,
    pub standards: Vec<StandardDto>,
}

/// A version of the national checklist.
#[derive(Serialize, ToSchema)]
pub struct ChecklistDto {
    pub version: String,
    pub title: String,
    pub doc_no: String,
    pub effective_from: String,
    pub effective_until: Option<String>,
    /// Whether this version is in force today.
    pub in_force: bool,
    pub categories: Vec<CategoryDto>,
    /// 例外规定, by index (used in a review's `exception`).
    pub exceptions: Vec<String>,
    pub sources: Vec<String>,
}

/// The fair-competition review standards, every version.
#[utoipa::path(get, path = "/api/v1/fairness/standards", tag = "公平竞争审查", responses((status = 200, body = [ChecklistDto])))]
pub async fn api_standards() -> Json<Vec<ChecklistDto>> {
    let current = fc::in_force(today()).version.clone();
    Json(
        fc::checklists()
            .iter()
            .map(|c| ChecklistDto {
                version: c.version.clone(),
                title: c.title.clone(),
                doc_no: c.doc_no.clone(),
                effective_from: c.effective_from.to_string(),
                effective_until: c.effective_until.map(|d| d.to_string()),
                in_force: c.version == current,
                categories: c
                    .categories
                    .iter()
                    .map(|g| CategoryDto {
                        code: g.code.clone(),
                        name: g.name.clone(),
                        article: g.article.clone(),
                        standards: g.standards.iter().map(|s| StandardDto { code: s.code.clone(), text: s.text.clone() }).collect(),
                    })
                    .collect(),
                exceptions: c.exceptions.clone(),
                sources: c.sources.clone(),
            })
            .collect(),
    )
}

/// Drafts the caller may see (own department; 区市场监管局 and the ledger office: all).
#[utoipa::path(get, path = "/api/v1/fairness/drafts", tag = "公平竞争审查",
    responses((status = 200, body = [Object]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn api_drafts(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let f = DraftFilter { department_id: if v.sees_all() { None } else { Some(v.unit.id) }, limit: 1000, ..Default::default() };
    let list = state.store.fc_drafts(&f).await.map_err(api_err)?;
    Ok(Json(list.iter().map(draft_view).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct NewDraftDto {
    pub title: String,
    /// `normative`, `policy_document`, `specific_measure` or `government_major`.
    pub kind: String,
    pub summary: String,
}

/// Registers a draft of the caller's department (documents are uploaded on the page).
#[utoipa::path(post, path = "/api/v1/fairness/drafts", tag = "公平竞争审查", request_body = NewDraftDto,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorBody)), security(("session" = [])))]
pub async fn api_register(State(state): State<AppState>, p: Principal, ApiJson(b): ApiJson<NewDraftDto>) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(&state, &p).await.map_err(api_err)?;
    let d = new_draft(&unit, &b.title, &b.kind, &b.summary).map_err(api_err)?;
    let out = state.store.fc_draft_create(&p.actor_as(Role::DeptStaff), &d).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(draft_view(&out))).into_response())
}

#[utoipa::path(get, path = "/api/v1/fairness/drafts/{id}", tag = "公平竞争审查", params(("id" = i64, Path, description = "审查对象编号")),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)), security(("session" = [])))]
pub async fn api_draft(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let d = visible_draft(&state, &v, id).await.map_err(api_err)?;
    Ok(Json(draft_view(&d)).into_response())
}

/// A filled checklist: every standard code of the draft's version with `not_involved`,
/// `complies` or `violates`; notes required for violations.
#[derive(Deserialize, ToSchema)]
pub struct ReviewDto {
    /// The draft's version as read (optimistic locking).
    pub version: i64,
    #[schema(value_type = Object)]
    pub findings: BTreeMap<String, String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub notes: BTreeMap<String, String>,
    /// `may_issue`, `exception`, `adjust` or `do_not_issue`.
    pub conclusion: String,
    /// Index into the version's `exceptions` (for `exception`).
    #[serde(default)]
    pub exception: Option<usize>,
    #[serde(default)]
    pub reasoning: String,
    #[serde(default)]
    pub term: String,
}

#[utoipa::path(post, path = "/api/v1/fairness/drafts/{id}/review", tag = "公平竞争审查", request_body = ReviewDto,
    params(("id" = i64, Path, description = "审查对象编号")),
    responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn api_review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReviewDto>,
) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let d = visible_draft(&state, &v, id).await.map_err(api_err)?;
    owned(&v, &d).map_err(api_err)?;
    let mut findings = BTreeMap::new();
    for (k, f) in &b.findings {
        findings.insert(k.clone(), Finding::from_code(f).ok_or_else(|| api_err(invalid(format!("标准 {k} 的判断“{f}”无法识别"))))?);
    }
    let input = ReviewInput {
        version: d.standards_version.clone(),
        findings,
        notes: b.notes,
        conclusion: Conclusion::from_code(&b.conclusion).ok_or_else(|| api_err(invalid("审查结论无法识别")))?,
        exception: b.exception,
        reasoning: b.reasoning,
        term: b.term,
    };
    let out = state.store.fc_review(&p.actor_as(Role::DeptStaff), id, &input, b.version).await.map_err(api_err)?;
    Ok(Json(draft_view(&out)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct OpinionDto {
    /// `agree`, `agree_with_changes` or `disagree`.
    pub result: String,
    pub opinion: String,
}

/// 区市场监管局's joint-review opinion.
#[utoipa::path(post, path = "/api/v1/fairness/drafts/{id}/opinion", tag = "公平竞争审查", request_body = OpinionDto,
    params(("id" = i64, Path, description = "审查对象编号")),
    responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("session" = [])))]
pub async fn api_opinion(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<OpinionDto>,
) -> Result<Response, AppError> {
    let out = give_opinion(&state, &p, id, &b.result, &b.opinion).await.map_err(api_err)?;
    Ok(Json(draft_view(&out)).into_response())
}

/// Outcomes per department (own department only, except 区市场监管局 and the ledger office).
#[utoipa::path(get, path = "/api/v1/fairness/report", tag = "公平竞争审查", params(ReportQuery),
    responses((status = 200, body = [Object]), (status = 422, body = crate::error::ErrorBody)), security(("session" = [])))]
pub async fn api_report(State(state): State<AppState>, p: Principal, Query(q): Query<ReportQuery>) -> Result<Response, AppError> {
    let (from, to, rows) = report_rows(&state, &p, &q).await.map_err(api_err)?;
    Ok(Json(json!({ "from": from, "to": to, "rows": rows })).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_standards, api_drafts, api_register, api_draft, api_review, api_opinion, api_report),
    components(schemas(StandardDto, CategoryDto, ChecklistDto, NewDraftDto, ReviewDto, OpinionDto))
)]
pub struct Api;
