//! Self-declaration pages and API (附件2 第3、9项): enterprise standards self-declared
//! and made public (企业标准自我声明公开), service-quality commitments, and annual-report
//! status (年报公示, due 1 January – 30 June; entities past it are flagged).
//!
//! Market entities have no accounts. An entity submits on the public site with an
//! application code (申报码) a department issued to it — one-time, bound to its uscc,
//! valid [`CODE_VALID_DAYS`] days, kept only as a hash, with a failure limit per
//! address and per entity — or staff enter the declaration on its behalf (代录), which
//! is recorded as such. Department staff (部门填报) issue codes, enter declarations and
//! record annual reports; the credit office (信用管理) reads them for 自我声明+信用管理.

use crate::access::{Access, ClientIp, Principal};
use crate::error::AppError;
use crate::forms::{ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::declaration::{
    self as decl, code_hash, CodePurpose, DeclarationInput, DeclarationKind, ReportState, CODE_VALID_DAYS,
};
use jianguan_domain::mask;
use jianguan_store::declaration::{CodeUse, Declaration, DeclarationFilter, NewAccessCode, Via};
use jianguan_store::fairness::NewFile;
use jianguan_store::NewNotification;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// Code of 区市场监管局, lead unit of 附件2 第3、9项.
pub const LEAD: &str = "scjgj";

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::CreditManager];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/declarations", Roles(READERS), get(index)),
        r(M::POST, "/declarations", Roles(STAFF), post(enter)),
        r(M::POST, "/declarations/codes", Roles(STAFF), post(issue_code)),
        r(M::POST, "/declarations/codes/{id}/revoke", Roles(STAFF), post(revoke_code)),
        r(M::GET, "/declarations/annual", Roles(READERS), get(annual)),
        r(M::POST, "/declarations/annual", Roles(STAFF), post(annual_record)),
        r(M::GET, "/declarations/{id}", Roles(READERS), get(detail)),
        r(M::POST, "/declarations/{id}/withdraw", Roles(STAFF), post(withdraw)),
        r(M::GET, "/public/declarations", Public, get(public_list)),
        r(M::GET, "/public/declarations/new", Public, get(public_form)),
        r(M::POST, "/public/declarations", Public, post(public_submit)),
        r(M::GET, "/public/declarations/{id}", Public, get(public_detail)),
        r(M::GET, "/public/declarations/{id}/attachment", Public, get(attachment)),
        r(M::GET, "/public/annual-reports", Public, get(public_annual)),
        r(M::GET, "/api/v1/declarations", Public, get(api_list)),
        r(M::POST, "/api/v1/declarations", Public, post(api_submit)),
        r(M::POST, "/api/v1/annual-reports", ApiKeyOr("annual_reports:write", STAFF), post(api_annual_push)),
        r(M::GET, "/api/v1/annual-reports/overdue", Roles(READERS), get(api_overdue)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("declaration_index.html", include_str!("../../templates/declaration_index.html")),
    ("declaration_code.html", include_str!("../../templates/declaration_code.html")),
    ("declaration_detail.html", include_str!("../../templates/declaration_detail.html")),
    ("declaration_annual.html", include_str!("../../templates/declaration_annual.html")),
    ("declaration_public_list.html", include_str!("../../templates/declaration_public_list.html")),
    ("declaration_public_form.html", include_str!("../../templates/declaration_public_form.html")),
    ("declaration_public_annual.html", include_str!("../../templates/declaration_public_annual.html")),
];

fn kinds() -> Vec<serde_json::Value> {
    DeclarationKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect()
}

/// A declaration for templates; on public pages the content is scrubbed of phone and ID
/// numbers and the staff member who entered it is not shown.
fn view(d: &Declaration, public: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(d).expect("json");
    v["kind"] = json!(d.input.kind.code());
    v["kind_label"] = json!(d.input.kind.label());
    v["via_label"] = json!(if d.via == "code" { "市场主体自行申报" } else { "部门代录" });
    if public {
        v["content"] = json!(mask::scrub_text(&d.input.content));
        let o = v.as_object_mut().expect("object");
        o.remove("created_by");
        o.remove("withdrawn_by");
    }
    v
}

fn input_of(kind: &str, subject: &str, standard_no: &str, title: &str, content: &str) -> Result<DeclarationInput, AppError> {
    let kind = DeclarationKind::from_code(kind).ok_or_else(|| invalid("请选择声明类型"))?;
    let d = DeclarationInput {
        kind,
        subject: subject.to_string(),
        standard_no: standard_no.to_string(),
        title: title.to_string(),
        content: content.to_string(),
    };
    decl::check_declaration(&d).map_err(invalid)?;
    Ok(d)
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "entered" => "声明已代录并公开。",
        "revoked" => "申报码已作废。",
        "withdrawn" => "声明已撤下。",
        "recorded" => "年报报送情况已登记。",
        "submitted" => "声明已提交并公开,申报码已失效。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub uscc: Option<String>,
    pub done: Option<String>,
}

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, q: &ListQuery) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let list = state.store.declarations(&DeclarationFilter { q: q.q.clone(), limit: 300, ..Default::default() }).await?;
    let codes = if p.has(Role::DeptStaff) {
        state.store.access_codes(unit.id, 50).await?.into_iter().filter(|c| c.purpose == CodePurpose::Declaration).collect()
    } else {
        Vec::new()
    };
    let ctx = context! {
        ..base(p, "企业自我声明"),
        ..context! {
            error => error,
            flash => flash_of(q.done.as_deref()),
            list => list.iter().map(|d| view(d, false)).collect::<Vec<_>>(),
            codes => codes,
            staff => p.has(Role::DeptStaff),
            kinds => kinds(),
            q => q.q.clone().unwrap_or_default(),
            accept => helpers::ACCEPT_ATTR,
            valid_days => CODE_VALID_DAYS,
        }
    };
    Ok(render("declaration_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    index_page(&state, &p, None, &q).await
}

pub async fn enter(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let r: Result<Declaration, AppError> = async {
        let up = helpers::read_upload(&state.config.upload, mp).await?;
        let unit = helpers::caller_unit(&state, &p).await?;
        let uscc = helpers::uscc(up.get("uscc"))?;
        let input = input_of(up.get("kind"), up.get("subject"), up.get("standard_no"), up.get("title"), up.get("content"))?;
        Ok(state.store.declaration_submit(&p.actor_as(Role::DeptStaff), &uscc, &input, up.file.as_ref(), &Via::Staff { department_id: unit.id }).await?)
    }
    .await;
    match r {
        Ok(d) => Ok(see_other(&format!("/declarations/{}?done=entered", d.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), &ListQuery::default()).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub uscc: String,
}

/// Issues an application code for `purpose` and renders it once (shared with the
/// safety pages).
pub async fn issue_code_page(state: &AppState, p: &Principal, uscc: &str, purpose: CodePurpose, back: &str) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let uscc = helpers::uscc(uscc)?;
    let (code, shown_code) = helpers::new_application_code();
    let c = state
        .store
        .access_code_issue(
            &p.actor_as(Role::DeptStaff),
            &NewAccessCode {
                purpose,
                uscc: uscc.clone(),
                department_id: unit.id,
                code_hash: code_hash(purpose, &uscc, &code),
                expires_at: jianguan_store::now() + chrono::Duration::days(CODE_VALID_DAYS),
            },
        )
        .await?;
    let form = match purpose {
        CodePurpose::Declaration => "/public/declarations/new",
        CodePurpose::SafetyReport => "/public/safety-report",
    };
    let ctx = context! {
        ..base(p, "申报码"),
        ..context! { c => c, code => shown_code, purpose => purpose.label(), form => form, back => back }
    };
    Ok(render("declaration_code.html", ctx)?.into_response())
}

pub async fn issue_code(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<CodeForm>) -> Result<Response, AppError> {
    match issue_code_page(&state, &p, &f.uscc, CodePurpose::Declaration, "/declarations").await {
        Ok(r) => Ok(r),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), &ListQuery::default()).await?, st))
        }
    }
}

pub async fn revoke_code(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(&state, &p).await?;
    match state.store.access_code_revoke(&p.actor_as(Role::DeptStaff), id, unit.id).await {
        Ok(c) if c.purpose == CodePurpose::SafetyReport => Ok(see_other("/safety?done=revoked")),
        Ok(_) => Ok(see_other("/declarations?done=revoked")),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(index_page(&state, &p, Some(msg), &ListQuery::default()).await?, st))
        }
    }
}

async fn detail_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    let d = state.store.declaration_get(id).await?;
    let can_withdraw = p.has(Role::DeptStaff) && d.status == "published" && (d.department_id == unit.id || unit.code == LEAD);
    let ctx = context! {
        ..base(p, &d.input.title),
        ..context! { error => error, flash => flash_of(done), d => view(&d, false), can_withdraw => can_withdraw }
    };
    Ok(render("declaration_detail.html", ctx)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

pub async fn detail(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    detail_render(&state, &p, id, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

pub async fn withdraw(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ReasonForm>) -> Result<Response, AppError> {
    let unit = helpers::caller_unit(&state, &p).await?;
    let d = state.store.declaration_get(id).await?;
    if d.department_id != unit.id && unit.code != LEAD {
        return Err(AppError::forbidden("只有受理该声明的部门或区市场监管局可以撤下"));
    }
    match state.store.declaration_withdraw(&p.actor_as(Role::DeptStaff), id, &f.reason).await {
        Ok(_) => Ok(see_other(&format!("/declarations/{id}?done=withdrawn"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(detail_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

// --- annual reports ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct AnnualQuery {
    /// Report year; default the latest year whose window has closed.
    pub year: Option<i32>,
    pub offset: Option<i64>,
    /// `csv` for the overdue list as a spreadsheet.
    pub format: Option<String>,
    pub done: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct OverdueParams {
    /// Report year; default the latest year whose window has closed.
    pub year: Option<i32>,
    /// Rows per page (at most 10000, default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

async fn annual_page(state: &AppState, p: &Principal, error: Option<String>, q: &AnnualQuery) -> Result<Response, AppError> {
    let day = today();
    let year = q.year.unwrap_or_else(|| decl::last_closed_year(day));
    let (start, end) = decl::annual_window(year);
    let summary = state.store.annual_summary(year).await?;
    let offset = q.offset.unwrap_or(0).max(0);
    let (rows, total) = state.store.annual_overdue(year, 100, offset).await?;
    let overdue = day > end;
    let ctx = context! {
        ..base(p, "年报公示"),
        ..context! {
            error => error,
            flash => flash_of(q.done.as_deref()),
            year => year,
            window => format!("{start} 至 {end}"),
            closed => overdue,
            summary => summary,
            rows => rows,
            total => total,
            offset => offset,
            next => (offset + 100 < total).then_some(offset + 100),
            prev => (offset > 0).then(|| (offset - 100).max(0)),
            staff => p.has(Role::DeptStaff),
            years => ((chrono::Datelike::year(&day) - 5)..chrono::Datelike::year(&day)).rev().collect::<Vec<_>>(),
            today => day.to_string(),
        }
    };
    Ok(render("declaration_annual.html", ctx)?.into_response())
}

pub async fn annual(State(state): State<AppState>, p: Principal, Query(q): Query<AnnualQuery>) -> Result<Response, AppError> {
    if q.format.as_deref() == Some("csv") {
        let year = q.year.unwrap_or_else(|| decl::last_closed_year(today()));
        let (rows, _) = state.store.annual_overdue(year, 10_000, 0).await?;
        let body = rows
            .into_iter()
            .map(|r| vec![r.uscc, r.name, r.registered_on.map(|d| d.to_string()).unwrap_or_default(), r.status, ReportState::Overdue.label().to_string()])
            .collect();
        return Ok(helpers::csv(&format!("{year}年度未报年报.csv"), &["统一社会信用代码", "名称", "成立日期", "登记状态", "年报状态"], body));
    }
    annual_page(&state, &p, None, &q).await
}

#[derive(Deserialize)]
pub struct AnnualForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub filed_on: String,
}

pub async fn annual_record(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<AnnualForm>) -> Result<Response, AppError> {
    let year: Option<i32> = f.year.trim().parse().ok();
    let r: Result<(), AppError> = async {
        let uscc = helpers::uscc(&f.uscc)?;
        let year = year.ok_or_else(|| invalid("请填写年报年度"))?;
        let filed_on = helpers::date("报送日期", &f.filed_on)?;
        decl::check_filing(year, filed_on, today()).map_err(invalid)?;
        state.store.annual_report_record(&p.actor_as(Role::DeptStaff), &uscc, year, filed_on, "人工登记").await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/declarations/annual?year={}&done=recorded", year.unwrap_or_default()))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(annual_page(&state, &p, Some(msg), &AnnualQuery { year, ..Default::default() }).await?, st))
        }
    }
}

// --- public pages ----------------------------------------------------------------------------------

pub async fn public_list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let uscc = q.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.to_ascii_uppercase());
    let list = state.store.declarations(&DeclarationFilter { q: q.q.clone(), uscc, published_only: true, limit: 200, ..Default::default() }).await?;
    let ctx = context! {
        ..base(&p, "企业标准自我声明和服务质量承诺"),
        ..context! {
            flash => flash_of(q.done.as_deref()),
            list => list.iter().map(|d| view(d, true)).collect::<Vec<_>>(),
            q => q.q.clone().unwrap_or_default(),
            uscc => q.uscc.clone().unwrap_or_default(),
        }
    };
    Ok(render("declaration_public_list.html", ctx)?.into_response())
}

async fn published(state: &AppState, id: i64) -> Result<Declaration, AppError> {
    let d = state.store.declaration_get(id).await?;
    if d.status != "published" {
        return Err(AppError::not_found(format!("声明 {id} 不存在或已撤下")));
    }
    Ok(d)
}

pub async fn public_detail(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let d = published(&state, id).await?;
    let ctx = context! { ..base(&p, &d.input.title), ..context! { d => view(&d, true), public => true } };
    Ok(render("declaration_detail.html", ctx)?.into_response())
}

pub async fn attachment(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let d = published(&state, id).await?;
    let a = d.attachment.ok_or_else(|| AppError::not_found("该声明没有附件"))?;
    let doc = state.store.doc_file(&a.sha256).await?.ok_or_else(|| AppError::not_found("文件不存在"))?;
    Ok(helpers::download(doc, &a.name))
}

fn public_form_page(state: &AppState, p: &Principal, headers: &HeaderMap, error: Option<String>, form: serde_json::Value) -> Result<Response, AppError> {
    let (token, cookie) = helpers::public_form_token(state, p, headers);
    let ctx = context! {
        ..base(p, "企业自我声明申报"),
        ..context! { error => error, token => token, kinds => kinds(), form => form, accept => helpers::ACCEPT_ATTR, max => decl::MAX_CONTENT }
    };
    Ok(helpers::with_cookie(render("declaration_public_form.html", ctx)?.into_response(), cookie))
}

pub async fn public_form(State(state): State<AppState>, p: Principal, headers: HeaderMap) -> Result<Response, AppError> {
    public_form_page(&state, &p, &headers, None, json!({}))
}

/// An entity's submission with its application code (shared by the page and the API).
async fn submit_with_code(
    state: &AppState,
    ip: &str,
    uscc: &str,
    code: &str,
    input: Result<DeclarationInput, AppError>,
    file: Option<&NewFile>,
) -> Result<Declaration, AppError> {
    let uscc = helpers::uscc(uscc)?;
    helpers::check_code_failures(state, ip, &uscc).await?;
    if decl::normalize_code(code).is_empty() {
        return Err(invalid("请填写申报码"));
    }
    let input = input?;
    let u = CodeUse { purpose: CodePurpose::Declaration, uscc: uscc.clone(), code_hash: code_hash(CodePurpose::Declaration, &uscc, code), ip: ip.to_string() };
    let d = state.store.declaration_submit(&jianguan_store::Actor::public(), &uscc, &input, file, &Via::Code(u)).await?;
    state
        .store
        .notify(&NewNotification {
            department_id: Some(d.department_id),
            account_id: None,
            kind: "declaration".into(),
            title: format!("{}提交了{}:{}", d.entity_name, d.input.kind.label(), d.input.title),
            body: String::new(),
            link: format!("/declarations/{}", d.id),
            dedup_key: format!("declaration-{}", d.id),
        })
        .await?;
    Ok(d)
}

pub async fn public_submit(State(state): State<AppState>, p: Principal, ClientIp(ip): ClientIp, headers: HeaderMap, mp: Multipart) -> Result<Response, AppError> {
    let mut form = json!({});
    let r: Result<Declaration, AppError> = async {
        let up = helpers::read_upload(&state.config.upload, mp).await?;
        form = json!({ "uscc": up.get("uscc"), "kind": up.get("kind"), "subject": up.get("subject"), "standard_no": up.get("standard_no"), "title": up.get("title"), "content": up.get("content") });
        let input = input_of(up.get("kind"), up.get("subject"), up.get("standard_no"), up.get("title"), up.get("content"));
        submit_with_code(&state, &ip, up.get("uscc"), up.get("code"), input, up.file.as_ref()).await
    }
    .await;
    match r {
        Ok(d) => Ok(see_other(&format!("/public/declarations/{}?done=submitted", d.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(public_form_page(&state, &p, &headers, Some(msg), form)?, st))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct UsccQuery {
    pub uscc: Option<String>,
}

pub async fn public_annual(State(state): State<AppState>, p: Principal, Query(q): Query<UsccQuery>) -> Result<Response, AppError> {
    let day = today();
    let mut error = None;
    let mut result = None;
    if let Some(raw) = q.uscc.as_deref().filter(|s| !s.trim().is_empty()) {
        match helpers::uscc(raw) {
            Err(e) => error = Some(e.message),
            Ok(uscc) => match state.store.entity_get(&uscc).await? {
                None => error = Some(format!("检查对象名录库中没有统一社会信用代码为 {uscc} 的市场主体")),
                Some(e) => {
                    let reports = state.store.annual_reports_of(&uscc).await?;
                    let last = decl::last_closed_year(day);
                    let first = decl::open_year(day).unwrap_or(last);
                    let years: Vec<_> = (last.saturating_sub(2)..=first)
                        .rev()
                        .map(|y| {
                            let filed = reports.iter().find(|r| r.year == y).map(|r| r.filed_on);
                            let st = ReportState::of(y, e.rec.registered_on, filed, day);
                            json!({ "year": y, "filed_on": filed, "state": st.label(), "overdue": st == ReportState::Overdue })
                        })
                        .collect();
                    result = Some(json!({ "uscc": uscc, "name": e.rec.name, "status": e.rec.status, "years": years }));
                }
            },
        }
    }
    let ctx = context! {
        ..base(&p, "年报公示状态查询"),
        ..context! { error => error, result => result, uscc => q.uscc.unwrap_or_default() }
    };
    Ok(render("declaration_public_annual.html", ctx)?.into_response())
}

// --- dashboard, portal, jobs ----------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !READERS.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let year = decl::last_closed_year(today());
    let s = state.store.annual_summary(year).await?;
    let published = state.store.declarations(&DeclarationFilter { published_only: true, limit: 1000, ..Default::default() }).await?.len();
    Ok(vec![Card {
        title: "企业自我声明与年报".into(),
        stats: vec![
            ("已公开的自我声明".into(), published.to_string()),
            (format!("{year}年度逾期未报年报"), s.missing.to_string()),
        ],
        links: vec![("/declarations".into(), "自我声明".into()), ("/declarations/annual".into(), "年报公示".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![
        PublicSection {
            title: "企业标准自我声明和服务质量承诺",
            text: "市场主体公开声明执行的产品、服务标准和服务质量承诺(附件2 第3、9项)。持部门发放的申报码可在线申报。",
            href: Some("/public/declarations"),
        },
        PublicSection {
            title: "年报公示状态",
            text: "按统一社会信用代码查询市场主体年度报告报送情况。年报报送时间为每年1月1日至6月30日,逾期未报的予以标注。",
            href: Some("/public/annual-reports"),
        },
    ]
}

/// Annual-report warnings to 区市场监管局 through the notification centre: in June, how
/// many have not filed yet; after 30 June, how many are overdue (each once a year).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    use chrono::Datelike;
    let day = today();
    let Some(lead) = helpers::unit_by_code(state, LEAD).await? else { return Ok(()) };
    if let Some(year) = decl::open_year(day).filter(|_| day.month() == 6) {
        let s = state.store.annual_summary(year).await?;
        if s.missing > 0 {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(lead.id),
                    account_id: None,
                    kind: "annual_report".into(),
                    title: format!("{year}年度年报将于6月30日截止,尚有 {} 户市场主体未报送", s.missing),
                    body: "请督促未报送的市场主体按时报送年度报告。".into(),
                    link: format!("/declarations/annual?year={year}"),
                    dedup_key: format!("annual-due-{year}"),
                })
                .await?;
        }
    }
    let year = decl::last_closed_year(day);
    let s = state.store.annual_summary(year).await?;
    if s.missing > 0 {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(lead.id),
                account_id: None,
                kind: "annual_report".into(),
                title: format!("{year}年度年报逾期未报 {} 户", s.missing),
                body: format!("{}年6月30日报送期已届满,逾期未报的市场主体已标注。", year + 1),
                link: format!("/declarations/annual?year={year}"),
                dedup_key: format!("annual-overdue-{year}"),
            })
            .await?;
    }
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------------

/// Published declarations (public).
#[utoipa::path(get, path = "/api/v1/declarations", tag = "企业自我声明",
    params(("q" = Option<String>, Query, description = "名称、产品、标准编号"), ("uscc" = Option<String>, Query, description = "统一社会信用代码")),
    responses((status = 200, body = [Object])))]
pub async fn api_list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let uscc = q.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.to_ascii_uppercase());
    let list = state.store.declarations(&DeclarationFilter { q: q.q, uscc, published_only: true, limit: 500, ..Default::default() }).await.map_err(api_err)?;
    Ok(Json(list.iter().map(|d| view(d, true)).collect::<Vec<_>>()).into_response())
}

/// An entity's declaration with its application code.
#[derive(Deserialize, ToSchema)]
pub struct SubmitDto {
    pub uscc: String,
    /// The application code issued by a department (dashes and case ignored).
    pub code: String,
    /// `standard` or `service`.
    pub kind: String,
    pub subject: String,
    #[serde(default)]
    pub standard_no: String,
    pub title: String,
    pub content: String,
}

/// Submits a declaration with an application code (no account; the code is consumed).
#[utoipa::path(post, path = "/api/v1/declarations", tag = "企业自我声明", request_body = SubmitDto,
    responses((status = 201, body = Object), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_submit(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<SubmitDto>) -> Result<Response, AppError> {
    let input = input_of(&b.kind, &b.subject, &b.standard_no, &b.title, &b.content);
    let d = submit_with_code(&state, &ip, &b.uscc, &b.code, input, None).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(view(&d, true))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AnnualRowDto {
    pub uscc: String,
    pub year: i32,
    /// `YYYY-MM-DD`.
    pub filed_on: String,
}

/// Pushes annual-report filings (from the 公示系统), all or nothing.
#[utoipa::path(post, path = "/api/v1/annual-reports", tag = "企业自我声明", request_body = [AnnualRowDto],
    responses((status = 200, body = Object), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_annual_push(State(state): State<AppState>, p: Principal, ApiJson(rows): ApiJson<Vec<AnnualRowDto>>) -> Result<Response, AppError> {
    let day = today();
    if rows.len() > 10_000 {
        return Err(api_err(invalid("一次最多推送 10000 条")));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let line = i + 1;
        let uscc = helpers::uscc(&r.uscc).map_err(|e| api_err(invalid(format!("第 {line} 条:{}", e.message))))?;
        let filed_on = helpers::date("报送日期", &r.filed_on).map_err(|e| api_err(invalid(format!("第 {line} 条:{}", e.message))))?;
        decl::check_filing(r.year, filed_on, day).map_err(|e| api_err(invalid(format!("第 {line} 条:{e}"))))?;
        out.push((uscc, r.year, filed_on));
    }
    let actor = match &p {
        Principal::User(_) => p.actor_as(Role::DeptStaff),
        _ => p.actor(),
    };
    let written = state.store.annual_reports_import(&actor, &out, "接口推送").await.map_err(api_err)?;
    Ok(Json(json!({ "received": rows.len(), "written": written })).into_response())
}

/// Active entities without the report of a closed year.
#[utoipa::path(get, path = "/api/v1/annual-reports/overdue", tag = "企业自我声明", params(OverdueParams),
    responses((status = 200, body = Object)), security(("session" = [])))]
pub async fn api_overdue(State(state): State<AppState>, Query(q): Query<OverdueParams>) -> Result<Response, AppError> {
    let year = q.year.unwrap_or_else(|| decl::last_closed_year(today()));
    let (rows, total) = state.store.annual_overdue(year, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await.map_err(api_err)?;
    Ok(Json(json!({ "year": year, "total": total, "rows": rows })).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_submit, api_annual_push, api_overdue), components(schemas(SubmitDto, AnnualRowDto)))]
pub struct Api;
