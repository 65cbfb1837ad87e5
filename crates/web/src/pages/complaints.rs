//! Reports and complaints pages and API, including the public intake.
//!
//! The public files a report (举报) or complaint (投诉) on the web form or through
//! `POST /api/v1/public/reports`; 区网格中心 enters what arrives by phone, e-mail or letter.
//! Each item is routed by category and by the entity's supervising departments to the
//! responsible department, which signs for it, decides whether to accept it (open a
//! case), and replies within working-day deadlines. A substantiated outcome goes to the
//! entity's credit record; substantiated reports may be rewarded (举报人奖励).
//!
//! The reporter's name and phone are sealed with SM4 (the key comes from configuration or
//! the key file, never the database) and shown masked. Only the staff of the department
//! that holds the item and the intake centre may open them, by the explicit "查看举报人"
//! action, and each opening is audited.
//!
//! Also here: the consumer-protection joint meeting (消费者权益保护联席会议, cases shared by
//! several departments, each with its own task) and data risk warnings (数据风险预警: rules
//! over complaints, credit records, inspection results, broken commitments and the credit
//! class; a warning can seed a directed inspection task in the draw).

use crate::access::{Access, ClientIp, Principal};
use crate::error::AppError;
use crate::forms::{ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::security;
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::complaints::{self as cp, Channel, Input, Kind, Status};
use jianguan_domain::mask;
use jianguan_store::complaints::{Act, Complaint, ComplaintFilter, JointCase, NewComplaint, NewJointCase, RiskWarning, SealedReporter};
use jianguan_store::fairness::NewFile;
use jianguan_store::{NewNotification, Unit};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

const HANDLERS: &[Role] = &[Role::DeptStaff];
const INTAKE: &[Role] = &[Role::GridIntake];
const READERS: &[Role] = &[Role::DeptStaff, Role::GridIntake, Role::LedgerOffice];
/// May open the sealed reporter (each time audited): the holding department's staff, the intake centre.
const REVEALERS: &[Role] = &[Role::DeptStaff, Role::GridIntake];
const JOINT: &[Role] = &[Role::DeptStaff, Role::LedgerOffice];
const WARN_READERS: &[Role] = &[Role::DeptStaff, Role::CreditManager, Role::LedgerOffice];
const WARN_RUNNERS: &[Role] = &[Role::DeptStaff, Role::CreditManager];

/// Public submissions per client address per hour.
pub const PUBLIC_PER_HOUR: i64 = 5;

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/complaints", Roles(READERS), get(index)),
        r(M::POST, "/complaints", Roles(INTAKE), post(intake)),
        r(M::GET, "/complaints/export", Roles(READERS), get(export)),
        r(M::GET, "/complaints/{id}", Roles(READERS), get(item_page)),
        r(M::POST, "/complaints/{id}/act", Roles(HANDLERS), post(act)),
        r(M::POST, "/complaints/{id}/reveal", Roles(REVEALERS), post(reveal)),
        r(M::POST, "/complaints/{id}/reward", Roles(HANDLERS), post(reward)),
        r(M::GET, "/complaints/{id}/files/{sha}", Roles(READERS), get(file)),
        r(M::GET, "/joint-meeting", Roles(JOINT), get(joint_index)),
        r(M::POST, "/joint-meeting", Roles(HANDLERS), post(joint_create)),
        r(M::GET, "/joint-meeting/{id}", Roles(JOINT), get(joint_page)),
        r(M::POST, "/joint-meeting/{id}/close", Roles(HANDLERS), post(joint_close)),
        r(M::POST, "/joint-meeting/tasks/{id}", Roles(HANDLERS), post(joint_task)),
        r(M::GET, "/risk-warnings", Roles(WARN_READERS), get(warnings)),
        r(M::POST, "/risk-warnings/run", Roles(WARN_RUNNERS), post(warnings_run)),
        r(M::POST, "/risk-warnings/{id}/close", Roles(HANDLERS), post(warning_close)),
        r(M::POST, "/risk-warnings/{id}/task", Roles(HANDLERS), post(warning_task)),
        r(M::GET, "/public/report", Public, get(public_form)),
        r(M::POST, "/public/report", Public, post(public_submit)),
        r(M::POST, "/api/v1/public/reports", Public, post(api_submit)),
        r(M::GET, "/api/v1/risk-warnings", Roles(WARN_READERS), get(api_warnings)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("complaints_index.html", include_str!("../../templates/complaints_index.html")),
    ("complaints_item.html", include_str!("../../templates/complaints_item.html")),
    ("complaints_public_form.html", include_str!("../../templates/complaints_public_form.html")),
    ("complaints_joint.html", include_str!("../../templates/complaints_joint.html")),
    ("complaints_joint_case.html", include_str!("../../templates/complaints_joint_case.html")),
    ("complaints_warnings.html", include_str!("../../templates/complaints_warnings.html")),
];

// --- who sees what -----------------------------------------------------------------------

struct Viewer {
    unit: Unit,
    staff: bool,
    grid: bool,
    ledger: bool,
    credit: bool,
}

impl Viewer {
    /// Sees every item (masked): the intake centre and the ledger office.
    fn sees_all(&self) -> bool {
        self.grid || self.ledger
    }
    fn joint_office(&self) -> bool {
        self.staff && self.unit.code == cp::JOINT_OFFICE
    }
}

async fn viewer(state: &AppState, p: &Principal) -> Result<Viewer, AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    Ok(Viewer {
        staff: p.has(Role::DeptStaff),
        grid: p.has(Role::GridIntake),
        ledger: p.has(Role::LedgerOffice),
        credit: p.has(Role::CreditManager),
        unit,
    })
}

/// An item the caller may see: held by its department, or any for intake and ledger office.
async fn visible(state: &AppState, v: &Viewer, id: i64) -> Result<Complaint, AppError> {
    match state.store.complaint_get(id).await {
        Ok(c) if v.sees_all() || (v.staff && c.department_id == v.unit.id) => Ok(c),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("举报投诉 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

fn may_reveal(v: &Viewer, c: &Complaint) -> bool {
    v.grid || (v.staff && c.department_id == v.unit.id)
}

fn categories() -> Vec<serde_json::Value> {
    cp::CATEGORIES.iter().map(|c| json!({ "code": c.code, "label": c.label })).collect()
}

fn kinds() -> Vec<serde_json::Value> {
    Kind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect()
}

fn item_view(c: &Complaint, day: chrono::NaiveDate) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("json");
    v["kind"] = json!(c.kind.code());
    v["kind_label"] = json!(c.kind.label());
    v["decision_label"] = json!(c.kind.decision_label());
    v["status"] = json!(c.status.code());
    v["status_label"] = json!(c.status.label(c.kind));
    v["channel_label"] = json!(Channel::from_code(&c.channel).map(|x| x.label()).unwrap_or("其他"));
    v["category_label"] = json!(cp::category(&c.category).map(|x| x.label).unwrap_or("其他"));
    let late = |due: chrono::NaiveDate| due < day;
    v["late"] = json!(match c.status {
        Status::Received => late(c.ack_due_on) || late(c.decide_due_on) || late(c.reply_due_on),
        Status::Acknowledged => late(c.decide_due_on) || late(c.reply_due_on),
        Status::Accepted | Status::Declined => late(c.reply_due_on),
        Status::Closed => false,
    });
    v["events"] = json!(c
        .events
        .iter()
        .map(|e| json!({ "label": event_label(&e.action), "department": e.department, "actor": e.actor, "at": e.at, "note": e.note }))
        .collect::<Vec<_>>());
    v
}

fn event_label(a: &str) -> &'static str {
    match a {
        "received" => "登记分派",
        "acknowledge" => "签收",
        "transfer" => "转办",
        "accept" => "受理/立案",
        "decline" => "不予受理/不予立案",
        "close" => "答复办结",
        "reward_propose" => "拟定奖励",
        "reward_approve" => "奖励审批通过",
        "reward_reject" => "奖励驳回",
        "reward_pay" => "奖励发放",
        _ => "办理",
    }
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "entered" => "已登记并分派至承办部门。",
        "acknowledge" => "已签收。",
        "transfer" => "已转办。",
        "accept" => "已受理/立案。",
        "decline" => "已决定不予受理/不予立案,请按期答复。",
        "close" => "已答复办结。",
        "reward" => "奖励记录已更新。",
        "created" => "联席会议案件已建立,各部门任务已下达。",
        "task" => "任务办理情况已更新。",
        "closed" => "案件已结案。",
        "run" => "预警规则已运行。",
        "warning_closed" => "预警已解除。",
        "seeded" => "已生成定向抽查任务。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

// --- intake --------------------------------------------------------------------------------

fn seal(state: &AppState, s: &str) -> String {
    state.cipher.encrypt(s, security::random_bytes::<16>())
}

fn client_hash(ip: &str) -> String {
    security::sha256_hex(&format!("jianguan/complaints/client/{ip}"))
}

/// Checks, seals, routes and stores one item; tells the department.
async fn submit(
    state: &AppState,
    actor: &jianguan_store::Actor,
    input: &Input,
    files: Vec<NewFile>,
    client: Option<String>,
) -> Result<Complaint, AppError> {
    let (kind, channel, category) = cp::check(input).map_err(invalid)?;
    let subject_uscc = match input.subject_uscc.trim() {
        "" => None,
        s => Some(helpers::uscc(s)?),
    };
    let units = state.store.list_units().await?;
    let supervising: Vec<String> = match &subject_uscc {
        Some(u) => {
            let ids = state.store.entity_departments(u).await?;
            ids.iter().filter_map(|id| units.iter().find(|x| x.id == *id)).map(|x| x.code.clone()).collect()
        }
        None => Vec::new(),
    };
    let active = |code: &str| units.iter().any(|u| u.code == code && u.active && u.kind == jianguan_store::UnitKind::Department);
    let code = cp::route(category, &supervising, active);
    let dept = units.iter().find(|u| u.code == code).ok_or_else(|| AppError::internal(format!("承办部门 {code} 不存在")))?;
    let day = today();
    let cal = crate::workdays::calendar(&state.store).await?;
    let due = cp::due_dates(&cal, kind, day);
    let phone = cp::normalize_phone(&input.reporter_phone);
    let name = input.reporter_name.trim();
    let reporter = SealedReporter {
        name_sealed: seal(state, name),
        name_masked: mask::person_name(name),
        phone_sealed: seal(state, &phone),
        phone_masked: mask::phone(&phone),
    };
    let item = state
        .store
        .complaint_submit(
            actor,
            &NewComplaint {
                kind,
                channel: channel.code().into(),
                category: category.code.into(),
                subject_uscc,
                subject_name: input.subject_name.trim().into(),
                content: input.content.trim().into(),
                reporter,
                department_id: dept.id,
                received_on: day,
                due,
                files,
                client_hash: client,
            },
        )
        .await?;
    notify_department(state, &item, "请于 {} 前签收").await?;
    Ok(item)
}

async fn notify_department(state: &AppState, c: &Complaint, what: &str) -> Result<(), AppError> {
    state
        .store
        .notify(&NewNotification {
            department_id: Some(c.department_id),
            account_id: None,
            kind: "complaints".into(),
            title: format!("新{}:{}({})", c.kind.label(), c.subject_name, cp::category(&c.category).map(|x| x.label).unwrap_or("其他")),
            body: what.replace("{}", &c.ack_due_on.to_string()),
            link: format!("/complaints/{}", c.id),
            dedup_key: format!("complaint-{}-{}", c.id, c.department_id),
        })
        .await?;
    Ok(())
}

/// The public rate limit (per client address, per hour).
async fn check_rate(state: &AppState, hash: &str) -> Result<(), AppError> {
    let since = jianguan_store::now() - chrono::Duration::hours(1);
    if state.store.complaints_from_client(hash, since).await? >= PUBLIC_PER_HOUR {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("同一网络地址每小时最多提交 {PUBLIC_PER_HOUR} 件举报投诉,请稍后再试或拨打 12345 热线"),
        ));
    }
    Ok(())
}

fn input_of(up: &helpers::Upload, channel: &str) -> Input {
    Input {
        kind: up.get("kind").into(),
        channel: channel.into(),
        category: up.get("category").into(),
        reporter_name: up.get("reporter_name").into(),
        reporter_phone: up.get("reporter_phone").into(),
        subject_uscc: up.get("subject_uscc").into(),
        subject_name: up.get("subject_name").into(),
        content: up.get("content").into(),
    }
}

fn echo(i: &Input) -> serde_json::Value {
    json!({ "kind": i.kind, "channel": i.channel, "category": i.category, "reporter_name": i.reporter_name, "reporter_phone": i.reporter_phone,
            "subject_uscc": i.subject_uscc, "subject_name": i.subject_name, "content": i.content })
}

fn upload_files(up: helpers::Upload) -> Vec<NewFile> {
    up.file.into_iter().map(|f| NewFile { name: crate::files::sanitize_name(&f.name), media_type: f.media_type, content: f.content }).collect()
}

/// Reads the form like [`helpers::read_upload`], but keeps the typed fields when the file
/// is refused (too large, wrong type), so the form can show them again with the reason.
async fn read_form(state: &AppState, mut mp: Multipart) -> (helpers::Upload, Option<AppError>) {
    let mut up = helpers::Upload { fields: Default::default(), file: None };
    let bad = |e: axum::extract::multipart::MultipartError| AppError::new(e.status(), "invalid", format!("上传内容无法读取:{}", e.body_text()));
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return (up, None),
            Err(e) => return (up, Some(bad(e))),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) => return (up, Some(bad(e))),
            };
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            match helpers::check_file(&file_name, &bytes, &state.config.upload) {
                Ok(media) => up.file = Some(NewFile { name: file_name, media_type: media.to_string(), content: bytes.to_vec() }),
                Err(e) => return (up, Some(e)),
            }
        } else {
            match field.text().await {
                Ok(t) if t.len() <= 200_000 => {
                    up.fields.insert(name, t);
                }
                Ok(_) => return (up, Some(invalid(format!("字段“{name}”过长")))),
                Err(e) => return (up, Some(bad(e))),
            }
        }
    }
}

fn public_form_page(state: &AppState, p: &Principal, headers: &HeaderMap, error: Option<String>, done: Option<i64>, form: serde_json::Value) -> Result<Response, AppError> {
    let (token, cookie) = helpers::public_form_token(state, p, headers);
    let ctx = context! {
        ..base(p, "举报投诉"),
        ..context! { error => error, done => done, token => token, categories => categories(), kinds => kinds(), form => form,
                     max => cp::MAX_CONTENT, accept => helpers::ACCEPT_ATTR, max_mb => state.config.upload.max_file_bytes / (1024 * 1024) }
    };
    Ok(helpers::with_cookie(render("complaints_public_form.html", ctx)?.into_response(), cookie))
}

#[derive(Deserialize, Default)]
pub struct Filed {
    pub filed: Option<i64>,
}

pub async fn public_form(State(state): State<AppState>, p: Principal, headers: HeaderMap, Query(q): Query<Filed>) -> Result<Response, AppError> {
    public_form_page(&state, &p, &headers, None, q.filed, json!({ "kind": "report", "category": "food" }))
}

pub async fn public_submit(State(state): State<AppState>, p: Principal, ClientIp(ip): ClientIp, headers: HeaderMap, mp: Multipart) -> Result<Response, AppError> {
    let mut form = json!({});
    let r: Result<Complaint, AppError> = async {
        let hash = client_hash(&ip);
        check_rate(&state, &hash).await?;
        let (up, refused) = read_form(&state, mp).await;
        let input = input_of(&up, "web");
        form = echo(&input);
        if let Some(e) = refused {
            return Err(e);
        }
        submit(&state, &jianguan_store::Actor::public(), &input, upload_files(up), Some(hash)).await
    }
    .await;
    match r {
        // The reporter learns the number to quote, not the department or the handling.
        Ok(c) => Ok(see_other(&format!("/public/report?filed={}", c.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(public_form_page(&state, &p, &headers, Some(msg), None, form)?, st))
        }
    }
}

/// Intake by 区网格中心 (phone, e-mail, letter), with one attachment.
pub async fn intake(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let mut form = json!({});
    let r: Result<Complaint, AppError> = async {
        let (up, refused) = read_form(&state, mp).await;
        let channel = up.get("channel").to_string();
        let input = input_of(&up, &channel);
        form = echo(&input);
        if let Some(e) = refused {
            return Err(e);
        }
        if Channel::from_code(&channel).is_some_and(|c| c.public()) {
            return Err(invalid("网格中心代录的渠道应为电话、电子邮件或信件"));
        }
        submit(&state, &p.actor_as(Role::GridIntake), &input, upload_files(up), None).await
    }
    .await;
    match r {
        Ok(c) => Ok(see_other(&format!("/complaints/{}?done=entered", c.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None, form).await?, st))
        }
    }
}

// --- lists and items -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub done: Option<String>,
    pub status: Option<String>,
}

async fn list_for(state: &AppState, v: &Viewer, status: Option<String>) -> Result<Vec<Complaint>, AppError> {
    if !(v.sees_all() || v.staff) {
        return Ok(Vec::new());
    }
    let dept = if v.sees_all() { None } else { Some(v.unit.id) };
    Ok(state.store.complaints(&ComplaintFilter { department_id: dept, status, limit: 500, ..Default::default() }).await?)
}

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>, form: serde_json::Value) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let items = list_for(state, &v, None).await?;
    let day = today();
    let rewards = if v.staff { state.store.rewards(Some(v.unit.id)).await? } else if v.ledger { state.store.rewards(None).await? } else { Vec::new() };
    let ctx = context! {
        ..base(p, "举报投诉"),
        ..context! {
            error => error,
            flash => flash_of(done),
            grid => v.grid,
            unit => v.unit.name,
            items => items.iter().map(|c| item_view(c, day)).collect::<Vec<_>>(),
            rewards => rewards,
            categories => categories(),
            kinds => kinds(),
            channels => [Channel::Phone, Channel::Email, Channel::Letter].iter().map(|c| json!({ "code": c.code(), "label": c.label() })).collect::<Vec<_>>(),
            form => form,
            accept => helpers::ACCEPT_ATTR,
        }
    };
    Ok(render("complaints_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    index_page(&state, &p, None, q.done.as_deref(), json!({ "kind": "report", "channel": "phone", "category": "food" })).await
}

/// The visible items as CSV, reporter masked, phone numbers in the content scrubbed.
pub async fn export(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let items = list_for(&state, &v, q.status.filter(|s| !s.is_empty())).await?;
    let rows = items
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.kind.label().into(),
                Channel::from_code(&c.channel).map(|x| x.label()).unwrap_or("其他").into(),
                cp::category(&c.category).map(|x| x.label).unwrap_or("其他").into(),
                c.subject_uscc.clone().unwrap_or_default(),
                c.subject_name.clone(),
                mask::scrub_text(&c.content),
                c.reporter.name_masked.clone(),
                c.reporter.phone_masked.clone(),
                c.department.clone(),
                c.received_on.to_string(),
                c.reply_due_on.to_string(),
                c.status.label(c.kind).into(),
                match c.substantiated {
                    Some(true) => "属实",
                    Some(false) => "不属实",
                    None => "",
                }
                .into(),
            ]
        })
        .collect();
    Ok(helpers::csv(
        "举报投诉.csv",
        &["编号", "类型", "渠道", "类别", "统一社会信用代码", "被举报(投诉)对象", "内容", "举报人", "联系电话", "承办部门", "受理日期", "答复期限", "状态", "核查结果"],
        rows,
    ))
}

async fn item_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>, clear: Option<(String, String)>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let c = visible(state, &v, id).await?;
    let day = today();
    let mine = v.staff && c.department_id == v.unit.id;
    let departments: Vec<_> = helpers::departments(state)
        .await?
        .into_iter()
        .filter(|u| u.id != c.department_id)
        .map(|u| json!({ "id": u.id, "name": u.name }))
        .collect();
    let ctx = context! {
        ..base(p, "举报投诉"),
        ..context! {
            error => error,
            flash => flash_of(done),
            c => item_view(&c, day),
            clear => clear.map(|(n, ph)| json!({ "name": n, "phone": ph })),
            can_reveal => may_reveal(&v, &c),
            mine => mine,
            can_ack => mine && c.status == Status::Received,
            can_transfer => mine && matches!(c.status, Status::Received | Status::Acknowledged),
            can_decide => mine && c.status == Status::Acknowledged,
            can_close => mine && matches!(c.status, Status::Accepted | Status::Declined),
            can_substantiate => c.status == Status::Accepted,
            can_propose => mine && c.kind == Kind::Report && c.status == Status::Closed && c.substantiated == Some(true) && c.reward.is_none(),
            reward_levels => cp::REWARD_LEVELS,
            departments => departments,
        }
    };
    Ok(render("complaints_item.html", ctx)?.into_response())
}

pub async fn item_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    item_render(&state, &p, id, None, q.done.as_deref(), None).await
}

/// "查看举报人": opens the sealed reporter for a granted caller; audited in the store.
pub async fn reveal(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let c = visible(&state, &v, id).await?;
    if !may_reveal(&v, &c) {
        return Err(AppError::forbidden("只有承办部门和网格中心可以查看举报人信息"));
    }
    let actor = p.actor_as(if v.grid { Role::GridIntake } else { Role::DeptStaff });
    let sealed = state.store.complaint_reveal(&actor, id).await?;
    let open = |s: &str| state.cipher.decrypt(s).map_err(|_| AppError::internal("举报人信息无法解密(密钥不符)"));
    let clear = (open(&sealed.name_sealed)?, open(&sealed.phone_sealed)?);
    let mut resp = item_render(&state, &p, id, None, None, Some(clear)).await?;
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub substantiated: String,
}

pub async fn act(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ActForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    let r: Result<Complaint, AppError> = async {
        let day = today();
        let a = match f.action.as_str() {
            "acknowledge" => Act::Acknowledge { note: f.note.clone() },
            "accept" => Act::Accept { note: f.note.clone() },
            "decline" => Act::Decline { note: f.note.clone() },
            "close" => Act::Close {
                substantiated: match f.substantiated.as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(invalid("请选择核查结果(属实或不属实)")),
                },
                reply: f.note.clone(),
                today: day,
            },
            "transfer" => {
                let to: i64 = f.to.trim().parse().map_err(|_| invalid("请选择转办部门"))?;
                let c = state.store.complaint_get(id).await?;
                let cal = crate::workdays::calendar(&state.store).await?;
                Act::Transfer { to, due: cp::due_dates(&cal, c.kind, day), note: f.note.clone() }
            }
            _ => return Err(invalid("未知的办理操作")),
        };
        Ok(state.store.complaint_act(&p.actor_as(Role::DeptStaff), id, v.unit.id, &a).await?)
    }
    .await;
    match r {
        Ok(c) => {
            if f.action == "transfer" {
                notify_department(&state, &c, "转办件,请于 {} 前签收").await?;
                Ok(see_other("/complaints?done=transfer"))
            } else {
                Ok(see_other(&format!("/complaints/{id}?done={}", f.action)))
            }
        }
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct RewardForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub fines_yuan: String,
    #[serde(default)]
    pub note: String,
}

pub async fn reward(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<RewardForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    let actor = p.actor_as(Role::DeptStaff);
    let r: Result<(), AppError> = async {
        match f.action.as_str() {
            "propose" => {
                let level: u8 = f.level.trim().parse().map_err(|_| invalid("请选择奖励等级"))?;
                let fines: i64 = match f.fines_yuan.trim() {
                    "" => 0,
                    s => s.parse().map_err(|_| invalid("罚没款金额应为整数(元)"))?,
                };
                state.store.reward_propose(&actor, id, v.unit.id, level, fines, &f.note).await?;
            }
            "approve" | "reject" | "pay" => {
                state.store.reward_act(&actor, id, v.unit.id, &f.action).await?;
            }
            _ => return Err(invalid("未知的奖励操作")),
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other(&format!("/complaints/{id}?done=reward"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(item_render(&state, &p, id, Some(msg), None, None).await?, st))
        }
    }
}

pub async fn file(State(state): State<AppState>, p: Principal, Path((id, sha)): Path<(i64, String)>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    visible(&state, &v, id).await?;
    let (f, doc) = state.store.complaint_file(id, &sha).await.map_err(|_| AppError::not_found("附件不存在"))?;
    Ok(helpers::download(doc, &f.name))
}

// --- joint meeting ---------------------------------------------------------------------------

fn case_view(c: &JointCase) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("json");
    v["tasks"] = json!(c.tasks.iter().map(|t| { let mut x = serde_json::to_value(t).expect("json"); x["status_label"] = json!(cp::task_status_label(&t.status)); x }).collect::<Vec<_>>());
    v["done"] = json!(c.tasks.iter().filter(|t| t.status == "done").count());
    v
}

async fn joint_list_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let cases = if v.ledger || v.joint_office() { state.store.joint_cases(None).await? } else { state.store.joint_cases(Some(v.unit.id)).await? };
    let departments: Vec<_> = helpers::departments(state).await?.into_iter().map(|u| json!({ "id": u.id, "name": u.name })).collect();
    let ctx = context! {
        ..base(p, "消费者权益保护联席会议"),
        ..context! {
            error => error,
            flash => flash_of(done),
            office => v.joint_office(),
            cases => cases.iter().map(case_view).collect::<Vec<_>>(),
            departments => departments,
            due => (today() + chrono::Duration::days(14)).to_string(),
        }
    };
    Ok(render("complaints_joint.html", ctx)?.into_response())
}

pub async fn joint_index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    joint_list_page(&state, &p, None, q.done.as_deref()).await
}

/// The case form: title, summary, optional complaint, and up to eight `(dept_N, task_N, due_N)`.
pub async fn joint_create(State(state): State<AppState>, p: Principal, axum::extract::RawForm(body): axum::extract::RawForm) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    if !v.joint_office() {
        return Err(AppError::forbidden("联席会议案件由联席会议办公室(区市场监管局)建立"));
    }
    let fields: std::collections::HashMap<String, String> = url_pairs(&body);
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let r: Result<JointCase, AppError> = async {
        let mut tasks = Vec::new();
        for i in 1..=8 {
            let d = get(&format!("dept_{i}"));
            let t = get(&format!("task_{i}"));
            if d.trim().is_empty() && t.trim().is_empty() {
                continue;
            }
            let d: i64 = d.trim().parse().map_err(|_| invalid(format!("第 {i} 项任务请选择部门")))?;
            let due = helpers::date(&format!("第 {i} 项任务的期限"), &get(&format!("due_{i}")))?;
            tasks.push((d, t, due));
        }
        let complaint_id = match get("complaint_id").trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| invalid("关联举报投诉编号应为数字"))?),
        };
        Ok(state.store.joint_case_create(&p.actor_as(Role::DeptStaff), &NewJointCase { title: get("title"), summary: get("summary"), complaint_id, tasks }).await?)
    }
    .await;
    match r {
        Ok(c) => {
            for t in &c.tasks {
                state
                    .store
                    .notify(&NewNotification {
                        department_id: Some(t.department_id),
                        account_id: None,
                        kind: "complaints".into(),
                        title: format!("联席会议案件:{}", c.title),
                        body: format!("本部门任务:{}(期限 {})", t.title, t.due_on),
                        link: format!("/joint-meeting/{}", c.id),
                        dedup_key: format!("joint-{}-{}", c.id, t.id),
                    })
                    .await?;
            }
            Ok(see_other(&format!("/joint-meeting/{}?done=created", c.id)))
        }
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(joint_list_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

fn url_pairs(body: &[u8]) -> std::collections::HashMap<String, String> {
    let s = String::from_utf8_lossy(body);
    s.split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |x: &str| urlencoding::decode(&x.replace('+', " ")).map(|c| c.into_owned()).ok();
            Some((dec(k)?, dec(v)?))
        })
        .collect()
}

async fn joint_visible(state: &AppState, v: &Viewer, id: i64) -> Result<JointCase, AppError> {
    match state.store.joint_case(id).await {
        Ok(c) if v.ledger || v.joint_office() || c.involves(v.unit.id) => Ok(c),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("联席会议案件 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

async fn joint_case_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let c = joint_visible(state, &v, id).await?;
    let ctx = context! {
        ..base(p, "消费者权益保护联席会议"),
        ..context! {
            error => error,
            flash => flash_of(done),
            c => case_view(&c),
            my_unit => v.unit.id,
            staff => v.staff,
            office => v.joint_office(),
        }
    };
    Ok(render("complaints_joint_case.html", ctx)?.into_response())
}

pub async fn joint_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    joint_case_render(&state, &p, id, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub note: String,
}

pub async fn joint_task(State(state): State<AppState>, p: Principal, Path(task_id): Path<i64>, PageForm(f): PageForm<TaskForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    match state.store.joint_task_update(&p.actor_as(Role::DeptStaff), task_id, v.unit.id, &f.status, &f.note).await {
        Ok(c) => Ok(see_other(&format!("/joint-meeting/{}?done=task", c.id))),
        Err(jianguan_store::StoreError::NotFound(m)) => Err(AppError::not_found(m)),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(joint_list_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    pub note: String,
}

pub async fn joint_close(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<CloseForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    joint_visible(&state, &v, id).await?;
    if !v.joint_office() {
        return Err(AppError::forbidden("案件由联席会议办公室结案"));
    }
    match state.store.joint_case_close(&p.actor_as(Role::DeptStaff), id, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/joint-meeting/{id}?done=closed"))),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(joint_case_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

// --- risk warnings -------------------------------------------------------------------------

/// Warnings the caller may see: the credit office, the ledger office and the joint-meeting
/// office see all; a department those about entities it supervises or handled.
async fn warnings_for(state: &AppState, v: &Viewer) -> Result<Vec<RiskWarning>, AppError> {
    Ok(if v.credit || v.ledger || v.joint_office() {
        state.store.risk_warnings(None, false).await?
    } else {
        state.store.risk_warnings(Some(v.unit.id), false).await?
    })
}

fn warning_view(w: &RiskWarning) -> serde_json::Value {
    let mut x = serde_json::to_value(w).expect("json");
    x["level_label"] = json!(cp::level_label(&w.level));
    x
}

async fn warnings_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let v = viewer(state, p).await?;
    let list = warnings_for(state, &v).await?;
    let (plans, items) = if v.staff {
        let plans: Vec<_> = state
            .store
            .plans(&jianguan_store::draw::PlanFilter { department_id: Some(v.unit.id), ..Default::default() })
            .await?
            .into_iter()
            .filter(|pl| pl.status == "draft" && pl.department_id == v.unit.id)
            .map(|pl| json!({ "id": pl.id, "code": pl.code, "title": pl.title }))
            .collect();
        let items: Vec<_> = state.store.draw_items(v.unit.id).await?.into_iter().map(|i| json!({ "id": i.id, "name": i.input.name })).collect();
        (plans, items)
    } else {
        (Vec::new(), Vec::new())
    };
    let ctx = context! {
        ..base(p, "数据风险预警"),
        ..context! {
            error => error,
            flash => flash_of(done),
            list => list.iter().map(warning_view).collect::<Vec<_>>(),
            rules => cp::RULES,
            raise_at => cp::RAISE_AT,
            window => cp::WINDOW_DAYS,
            can_run => v.credit || v.joint_office(),
            staff => v.staff,
            plans => plans,
            items => items,
        }
    };
    Ok(render("complaints_warnings.html", ctx)?.into_response())
}

pub async fn warnings(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    warnings_page(&state, &p, None, q.done.as_deref()).await
}

pub async fn warnings_run(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    if !(v.credit || v.joint_office()) {
        return Err(AppError::forbidden("预警规则由信用管理部门或区市场监管局运行"));
    }
    let role = if v.credit { Role::CreditManager } else { Role::DeptStaff };
    let run = state.store.risk_run(&p.actor_as(role), today()).await?;
    notify_warnings(&state, &run.raised).await?;
    Ok(see_other("/risk-warnings?done=run"))
}

async fn notify_warnings(state: &AppState, raised: &[i64]) -> Result<(), AppError> {
    for id in raised {
        let w = state.store.risk_warning(*id).await?;
        for d in &w.departments {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(*d),
                    account_id: None,
                    kind: "complaints".into(),
                    title: format!("【{}】{}", cp::level_label(&w.level), w.entity_name),
                    body: w.reasons.iter().map(|r| r.label.clone()).collect::<Vec<_>>().join(";"),
                    link: "/risk-warnings".into(),
                    dedup_key: format!("risk-warning-{}-{d}", w.id),
                })
                .await?;
        }
    }
    Ok(())
}

async fn warning_visible(state: &AppState, v: &Viewer, id: i64) -> Result<RiskWarning, AppError> {
    match state.store.risk_warning(id).await {
        Ok(w) if v.joint_office() || w.departments.contains(&v.unit.id) => Ok(w),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("风险预警 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

pub async fn warning_close(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<CloseForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    warning_visible(&state, &v, id).await?;
    match state.store.risk_close(&p.actor_as(Role::DeptStaff), id, &f.note).await {
        Ok(_) => Ok(see_other("/risk-warnings?done=warning_closed")),
        Err(e) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(warnings_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct SeedForm {
    #[serde(default)]
    pub plan_id: String,
    #[serde(default)]
    pub item_id: String,
}

/// Seeds a directed (定向) inspection task in one of the department's draft plans. The
/// draw's scope cannot name single entities, so the task covers every active entity of
/// the warned entity's type and industry (ratio 100%), with the frequency cap lifted.
pub async fn warning_task(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<SeedForm>) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await?;
    let w = warning_visible(&state, &v, id).await?;
    let r: Result<(), AppError> = async {
        if w.status != "open" {
            return Err(AppError::new(StatusCode::CONFLICT, "conflict", "该预警已解除"));
        }
        if w.task_id.is_some() {
            return Err(AppError::new(StatusCode::CONFLICT, "conflict", "该预警已生成定向抽查任务"));
        }
        let plan_id: i64 = f.plan_id.trim().parse().map_err(|_| invalid("请选择本部门的草稿抽查计划"))?;
        let item_id: i64 = f.item_id.trim().parse().map_err(|_| invalid("请选择抽查事项"))?;
        let e = state.store.entity_get(&w.uscc).await?.ok_or_else(|| AppError::not_found("预警主体不在检查对象名录库中"))?;
        let day = today();
        let mut quotas = std::collections::BTreeMap::new();
        quotas.insert("all".to_string(), jianguan_domain::draw::Quota::PerMille(1000));
        let input = jianguan_store::draw::TaskInput {
            name: format!("数据风险预警定向抽查:{}(预警 {})", e.rec.name, w.id),
            item_ids: vec![item_id],
            scope: jianguan_store::draw::Scope { kinds: vec![e.rec.kind.clone()], industries: vec![e.rec.industry.clone()], tags: vec![] },
            supervised_only: false,
            stratify: false,
            quotas,
            weight_rules: jianguan_domain::draw::WeightRules::UNIFORM,
            starts_on: day,
            ends_on: (day + chrono::Duration::days(30)).min(chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&day), 12, 31).expect("date")),
            directed: true,
            team_size: jianguan_domain::sampling::DEFAULT_TEAM_SIZE,
        };
        let actor = p.actor_as(Role::DeptStaff);
        let task = state.store.task_add(&actor, v.unit.id, plan_id, &input).await?;
        state.store.risk_link_task(&actor, id, task.id).await?;
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(see_other("/risk-warnings?done=seeded")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(warnings_page(&state, &p, Some(msg), None).await?, st))
        }
    }
}

// --- dashboard, portal, schedule ---------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !READERS.iter().chain(WARN_READERS).any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let v = viewer(state, p).await?;
    let mut cards = Vec::new();
    if READERS.iter().any(|r| p.has(*r)) {
        let items = list_for(state, &v, None).await?;
        let open = items.iter().filter(|c| c.status != Status::Closed).count();
        let day = today();
        let late = items.iter().filter(|c| item_view(c, day)["late"] == json!(true)).count();
        cards.push(Card {
            title: "举报投诉".into(),
            stats: vec![("办理中".into(), open.to_string()), ("已超期".into(), late.to_string())],
            links: vec![("/complaints".into(), "举报投诉".into()), ("/joint-meeting".into(), "联席会议".into())],
        });
    }
    if WARN_READERS.iter().any(|r| p.has(*r)) {
        let open = warnings_for(state, &v).await?.iter().filter(|w| w.status == "open").count();
        cards.push(Card { title: "数据风险预警".into(), stats: vec![("未解除预警".into(), open.to_string())], links: vec![("/risk-warnings".into(), "风险预警".into())] });
    }
    Ok(cards)
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "举报投诉",
        text: "对市场主体的违法行为举报、消费纠纷投诉。举报人信息依法保密(加密保存,仅承办部门可查看)。",
        href: Some("/public/report"),
    }]
}

/// Scheduled work: deadline reminders to the holding departments, and the warning rules
/// once a day.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    for o in state.store.complaint_overdue(day).await? {
        let stage = match o.stage.as_str() {
            "acknowledge" => "签收",
            "decide" => o.kind.decision_label(),
            _ => "答复",
        };
        state
            .store
            .notify(&NewNotification {
                department_id: Some(o.department_id),
                account_id: None,
                kind: "complaints".into(),
                title: format!("{}“{}”{}已超期(期限 {})", o.kind.label(), o.subject_name, stage, o.due_on),
                body: "请尽快办理。".into(),
                link: format!("/complaints/{}", o.id),
                dedup_key: format!("complaint-overdue-{}-{}-{}", o.id, o.department_id, o.stage),
            })
            .await?;
    }
    let key = "complaints.risk_run_on";
    if state.store.get_meta(key).await?.as_deref() != Some(&day.to_string()) {
        let run = state.store.risk_run(&jianguan_store::Actor::system(), day).await?;
        notify_warnings(state, &run.raised).await?;
        state.store.set_meta(&jianguan_store::Actor::system(), key, &day.to_string()).await?;
    }
    Ok(())
}

// --- JSON API ------------------------------------------------------------------------------

/// An attachment of a public report (base64 content).
#[derive(Deserialize, ToSchema)]
pub struct AttachmentDto {
    pub name: String,
    pub content_base64: String,
}

/// A report or complaint from the public (no account).
#[derive(Deserialize, ToSchema)]
pub struct ReportDto {
    #[serde(default)]
    #[schema(required = true)]
    pub reporter_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub reporter_phone: String,
    #[serde(default)]
    pub subject_uscc: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub subject_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub content: String,
    /// `web` or `api`.
    #[serde(default)]
    #[schema(required = true)]
    pub channel: String,
    /// `report` (举报, default) or `complaint` (投诉).
    #[serde(default)]
    pub kind: Option<String>,
    /// A category code (`food`, `drug`, `price`, `consumer`, … default `other`).
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentDto>,
}

/// Files a report or complaint (no login; rate-limited per address). The reporter's
/// identity is encrypted at rest; the answer carries only the number to quote.
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "举报投诉", request_body = ReportDto,
    responses((status = 201, body = Object), (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_submit(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<ReportDto>) -> Result<Response, AppError> {
    let hash = client_hash(&ip);
    check_rate(&state, &hash).await.map_err(api_err)?;
    if !Channel::from_code(b.channel.trim()).is_some_and(|c| c.public()) {
        return Err(api_err(invalid("公众渠道 channel 应为 web 或 api")));
    }
    if b.attachments.len() > cp::MAX_FILES {
        return Err(api_err(invalid(format!("附件最多 {} 个", cp::MAX_FILES))));
    }
    let mut files = Vec::new();
    for a in &b.attachments {
        let bytes = data_encoding::BASE64.decode(a.content_base64.trim().as_bytes()).map_err(|_| api_err(invalid(format!("附件“{}”的内容不是有效的 base64", a.name))))?;
        let media = helpers::check_file(&a.name, &bytes, &state.config.upload).map_err(api_err)?;
        files.push(NewFile { name: crate::files::sanitize_name(&a.name), media_type: media.into(), content: bytes });
    }
    let input = Input {
        kind: b.kind.unwrap_or_else(|| "report".into()),
        channel: b.channel,
        category: b.category.unwrap_or_else(|| "other".into()),
        reporter_name: b.reporter_name,
        reporter_phone: b.reporter_phone,
        subject_uscc: b.subject_uscc.unwrap_or_default(),
        subject_name: b.subject_name,
        content: b.content,
    };
    let c = submit(&state, &jianguan_store::Actor::public(), &input, files, Some(hash)).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": c.id, "received_on": c.received_on, "kind": c.kind.code(), "reply_due_on": c.reply_due_on }))).into_response())
}

/// Data risk warnings the caller may see, with their reasons.
#[utoipa::path(get, path = "/api/v1/risk-warnings", tag = "举报投诉", responses((status = 200, body = [Object])), security(("session" = [])))]
pub async fn api_warnings(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let v = viewer(&state, &p).await.map_err(api_err)?;
    let list = warnings_for(&state, &v).await.map_err(api_err)?;
    Ok(Json(list).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_submit, api_warnings), components(schemas(ReportDto, AttachmentDto)))]
pub struct Api;
