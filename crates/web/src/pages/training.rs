//! Training and knowledge contests (正文四 强化业务培训): sessions, attendance, question
//! banks, tests with scores, and training records per person and per department.
//!
//! Records are kept per account. An inspector roster entry (执法检查人员名录库) linked to
//! an account shows that account's record: `/training/inspectors/{roster_id}` and
//! `/api/v1/training/inspectors/{roster_id}`; [`roster_summary`] gives the figures a
//! roster page shows beside each entry.

use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::{ApiJson, PageForm};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::NaiveDate;
use jianguan_domain::auth::Role::{self, *};
use jianguan_domain::training::{letter, SessionKind};
use jianguan_store::training::{QuestionInput, SessionInput, TrainingRecord, TrainingSession};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every business role (the three administrators have no business powers).
const BUSINESS: &[Role] = &[LedgerOffice, DeptStaff, Inspector, LegalReviewer, CreditManager, GridIntake];
const ORGANISER: &[Role] = &[DeptStaff];
const OVERSIGHT: &[Role] = &[LedgerOffice, DeptStaff];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use crate::access::Access::*;
    use Method as M;
    vec![
        r(M::GET, "/training", Roles(BUSINESS), get(index)),
        r(M::POST, "/training/sessions", Roles(ORGANISER), post(session_create)),
        r(M::GET, "/training/sessions/{id}", Roles(BUSINESS), get(session_page)),
        r(M::POST, "/training/sessions/{id}/attendance", Roles(ORGANISER), post(attendance)),
        r(M::POST, "/training/sessions/{id}/tests", Roles(ORGANISER), post(test_create)),
        r(M::GET, "/training/questions", Roles(ORGANISER), get(questions)),
        r(M::POST, "/training/questions", Roles(ORGANISER), post(question_create)),
        r(M::GET, "/training/tests/{id}", Roles(BUSINESS), get(test_page)),
        r(M::POST, "/training/tests/{id}/answers", Roles(BUSINESS), post(answer)),
        r(M::POST, "/training/tests/{id}/close", Roles(ORGANISER), post(test_close)),
        r(M::GET, "/training/records/{id}", Roles(BUSINESS), get(record_page)),
        r(M::GET, "/training/departments", Roles(OVERSIGHT), get(departments)),
        r(M::GET, "/training/inspectors/{id}", Roles(BUSINESS), get(inspector_page)),
        r(M::GET, "/api/v1/training/inspectors/{id}", ApiKeyOr("training:read", BUSINESS), get(api_inspector)),
        r(M::GET, "/api/v1/training/records/{id}", ApiKeyOr("training:read", BUSINESS), get(api_record)),
        r(M::POST, "/api/v1/training/tests/{id}/answers", Roles(BUSINESS), post(api_answer)),
        r(M::GET, "/api/v1/training/departments", ApiKeyOr("training:read", OVERSIGHT), get(api_departments)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("training_index.html", include_str!("../../templates/training_index.html")),
    ("training_session.html", include_str!("../../templates/training_session.html")),
    ("training_questions.html", include_str!("../../templates/training_questions.html")),
    ("training_test.html", include_str!("../../templates/training_test.html")),
    ("training_record.html", include_str!("../../templates/training_record.html")),
    ("training_departments.html", include_str!("../../templates/training_departments.html")),
];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    let Some(u) = p.user() else { return Ok(Vec::new()) };
    if !BUSINESS.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let rec = state.store.training_record(u.account.id).await?;
    let mut links = vec![
        ("/training".into(), "培训与竞赛".into()),
        (format!("/training/records/{}", u.account.id), "我的培训记录".into()),
    ];
    if p.has(DeptStaff) {
        links.push(("/training/questions".into(), "题库".into()));
    }
    if OVERSIGHT.iter().any(|r| p.has(*r)) {
        links.push(("/training/departments".into(), "各部门培训情况".into()));
    }
    Ok(vec![Card {
        title: "业务培训".into(),
        stats: vec![
            ("参训次数".into(), rec.attended.len().to_string()),
            ("累计学时".into(), hours(rec.hours_tenths)),
            ("测试".into(), rec.results.len().to_string()),
        ],
        links,
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    Vec::new()
}

/// Scheduled work, run by `serve` every tick.
pub async fn scheduled(_state: &AppState) -> Result<(), AppError> {
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_record, api_inspector, api_answer, api_departments),
    components(schemas(RosterTrainingDto, RecordDto, RecordSessionDto, RecordResultDto, AnswersBody, ResultDto, DepartmentDto))
)]
pub struct Api;

fn hours(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn me(p: &Principal) -> Result<(i64, i64), AppError> {
    let u = p.user().ok_or_else(|| AppError::forbidden("请先登录"))?;
    Ok((u.account.id, u.account.department_id))
}

/// A session the caller may see (its department's or district-wide), else not found.
async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<TrainingSession, AppError> {
    let s = state.store.session_get(id).await?;
    if p.department_id().map(|d| s.open_to(d)).unwrap_or(false) {
        Ok(s)
    } else {
        Err(AppError::not_found(format!("培训 {id} 不存在")))
    }
}

/// A session the caller organises (部门填报 of the organising department).
async fn organised(state: &AppState, p: &Principal, id: i64) -> Result<TrainingSession, AppError> {
    let s = visible(state, p, id).await?;
    if p.has(DeptStaff) && p.department_id() == Some(s.department_id) {
        Ok(s)
    } else {
        Err(AppError::forbidden("只有组织培训的部门可以进行此操作"))
    }
}

fn session_ctx(s: &TrainingSession) -> minijinja::Value {
    context! {
        id => s.id, title => s.title, kind => s.kind, kind_label => s.kind_label(), description => s.description,
        held_on => s.held_on, hours => hours(s.hours_tenths), location => s.location, district_wide => s.district_wide,
        department_id => s.department_id, attendees => s.attendees,
    }
}

// --- pages ------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "session" => "培训已创建",
        "attendance" => "签到已记录",
        "test" => "测试已创建",
        "question" => "题目已加入题库",
        "closed" => "测试已结束",
        "answered" => "答卷已提交",
        _ => return None,
    })
}

async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let (account, dept) = me(&p)?;
    let list = state.store.session_list(Some(dept)).await?;
    Ok(render(
        "training_index.html",
        context! { ..base(&p, "业务培训与知识竞赛"), ..context! {
            items => list.iter().map(session_ctx).collect::<Vec<_>>(), organiser => p.has(DeptStaff),
            oversight => OVERSIGHT.iter().any(|r| p.has(*r)), account_id => account, flash => flash(q.done.as_deref()),
            departments => crate::pages::department_names(&state).await?,
        }},
    )?
    .into_response())
}

#[derive(Deserialize)]
struct SessionForm {
    kind: String,
    title: String,
    #[serde(default)]
    description: String,
    held_on: String,
    hours: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    district_wide: Option<String>,
}

fn unprocessable(m: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
}

fn parse_hours(s: &str) -> Result<i64, AppError> {
    let v: f64 = s.trim().parse().map_err(|_| unprocessable("学时应为数字,如 2 或 1.5"))?;
    if !v.is_finite() {
        return Err(unprocessable("学时应为数字"));
    }
    Ok((v * 10.0).round() as i64)
}

async fn session_create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<SessionForm>) -> Result<Response, AppError> {
    let (_, dept) = me(&p)?;
    let input = SessionInput {
        kind: SessionKind::parse(&f.kind).ok_or_else(|| unprocessable("请选择培训类型"))?,
        title: f.title,
        description: f.description,
        held_on: NaiveDate::parse_from_str(f.held_on.trim(), "%Y-%m-%d").map_err(|_| unprocessable("日期格式应为 YYYY-MM-DD"))?,
        hours_tenths: parse_hours(&f.hours)?,
        location: f.location,
        district_wide: f.district_wide.is_some(),
    };
    let s = state.store.session_create(&p.actor_as(DeptStaff), dept, &input).await?;
    Ok(Redirect::to(&format!("/training/sessions/{}?done=session", s.id)).into_response())
}

async fn session_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let s = visible(&state, &p, id).await?;
    let is_organiser = p.has(DeptStaff) && p.department_id() == Some(s.department_id);
    let tests = state.store.test_list(id).await?;
    let attendees = state.store.attendance_list(id).await?;
    let (candidates, bank) = if is_organiser {
        let accounts = state.store.list_accounts().await?;
        let cands: Vec<_> = accounts
            .into_iter()
            .filter(|a| !a.disabled && (s.district_wide || a.department_id == s.department_id))
            .filter(|a| a.roles.iter().any(|r| BUSINESS.contains(r)))
            .filter(|a| !attendees.iter().any(|x| x.account_id == a.id))
            .map(|a| context! { id => a.id, username => a.username, display_name => a.display_name })
            .collect();
        let bank: Vec<_> = state.store.question_list(s.department_id).await?.into_iter().filter(|q| q.active).collect();
        (cands, bank)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(render(
        "training_session.html",
        context! { ..base(&p, &s.title), ..context! {
            s => session_ctx(&s), tests => tests, attendees => attendees, organiser => is_organiser,
            candidates => candidates, bank => bank, flash => flash(q.done.as_deref()),
            department => state.store.get_unit(s.department_id).await?.name,
        }},
    )?
    .into_response())
}

/// Every `(key, value)` of a urlencoded body (repeated keys kept).
fn pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            let d = |s: &str| urlencoding::decode(&s.replace('+', " ")).map(|c| c.into_owned()).unwrap_or_default();
            (d(k), d(v))
        })
        .collect()
}

fn ids(body: &str, key: &str) -> Result<Vec<i64>, AppError> {
    pairs(body)
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.trim().parse::<i64>().map_err(|_| AppError::bad_request("选择项格式错误")))
        .collect()
}

async fn attendance(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, body: String) -> Result<Response, AppError> {
    organised(&state, &p, id).await?;
    let accounts = ids(&body, "account_id")?;
    state.store.attendance_add(&p.actor_as(DeptStaff), id, &accounts).await?;
    Ok(Redirect::to(&format!("/training/sessions/{id}?done=attendance")).into_response())
}

async fn test_create(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, body: String) -> Result<Response, AppError> {
    organised(&state, &p, id).await?;
    let all = pairs(&body);
    let get = |k: &str| all.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let pass: i64 = get("pass_mark").trim().parse().map_err(|_| unprocessable("及格分应为 0 至 100 的整数"))?;
    let qs = ids(&body, "question_id")?;
    let t = state.store.test_create(&p.actor_as(DeptStaff), id, &get("title"), pass, &qs).await?;
    Ok(Redirect::to(&format!("/training/tests/{}?done=test", t.id)).into_response())
}

async fn questions(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    let (_, dept) = me(&p)?;
    let list = state.store.question_list(dept).await?;
    Ok(render(
        "training_questions.html",
        context! { ..base(&p, "题库"), ..context! { items => list, flash => flash(q.done.as_deref()), letters => ["A", "B", "C", "D", "E", "F"] } },
    )?
    .into_response())
}

#[derive(Deserialize)]
struct QuestionForm {
    #[serde(default)]
    category: String,
    stem: String,
    /// One option per line.
    options: String,
    /// Letter of the correct option.
    answer: String,
}

async fn question_create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<QuestionForm>) -> Result<Response, AppError> {
    let (_, dept) = me(&p)?;
    let options: Vec<String> = f.options.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
    let a = f.answer.trim().to_ascii_uppercase();
    let answer = match a.as_bytes() {
        [c @ b'A'..=b'F'] => (c - b'A') as usize,
        _ => return Err(unprocessable("正确答案请填写选项字母 A 至 F")),
    };
    state
        .store
        .question_create(&p.actor_as(DeptStaff), dept, &QuestionInput { category: f.category, stem: f.stem, options, answer })
        .await?;
    Ok(Redirect::to("/training/questions?done=question").into_response())
}

async fn test_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (account, _) = me(&p)?;
    let (t, qs) = state.store.test_get(id).await?;
    let s = visible(&state, &p, t.session_id).await.map_err(|_| AppError::not_found(format!("测试 {id} 不存在")))?;
    let is_organiser = p.has(DeptStaff) && p.department_id() == Some(s.department_id);
    let results = state.store.test_results(id).await?;
    let mine = results.iter().find(|r| r.account_id == account).cloned();
    // Candidates never receive the key.
    let questions: Vec<_> = qs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            context! {
                n => i + 1, stem => q.stem,
                options => q.options.iter().enumerate().map(|(j, o)| context! { index => j, letter => letter(j).to_string(), text => o }).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(render(
        "training_test.html",
        context! { ..base(&p, &t.title), ..context! {
            t => t, s => session_ctx(&s), questions => questions, mine => mine, organiser => is_organiser,
            results => if is_organiser { results } else { Vec::new() }, flash => flash(q.done.as_deref()),
        }},
    )?
    .into_response())
}

async fn submit(state: &AppState, p: &Principal, id: i64, answers: &[Option<usize>]) -> Result<jianguan_store::training::TestResult, AppError> {
    let (account, _) = me(p)?;
    let (t, _) = state.store.test_get(id).await?;
    visible(state, p, t.session_id).await.map_err(|_| AppError::not_found(format!("测试 {id} 不存在")))?;
    Ok(state.store.test_submit(&p.actor(), account, id, answers).await?)
}

async fn answer(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, body: String) -> Result<Response, AppError> {
    let (t, _) = state.store.test_get(id).await?;
    let all = pairs(&body);
    let mut answers = Vec::new();
    for i in 0..t.question_ids.len() {
        let v = all.iter().find(|(k, _)| *k == format!("q{i}")).map(|(_, v)| v.as_str());
        answers.push(match v {
            None | Some("") => None,
            Some(v) => Some(v.parse::<usize>().map_err(|_| unprocessable(format!("第 {} 题的答案格式错误", i + 1)))?),
        });
    }
    submit(&state, &p, id, &answers).await?;
    Ok(Redirect::to(&format!("/training/tests/{id}?done=answered")).into_response())
}

async fn test_close(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (t, _) = state.store.test_get(id).await?;
    organised(&state, &p, t.session_id).await?;
    state.store.test_close(&p.actor_as(DeptStaff), id).await?;
    Ok(Redirect::to(&format!("/training/tests/{id}?done=closed")).into_response())
}

/// The record of an account if the caller may read it: the person themself, staff
/// (部门填报) of the same department, the ledger office, or an API key of that department.
async fn readable_record(state: &AppState, p: &Principal, account_id: i64) -> Result<TrainingRecord, AppError> {
    let rec = state.store.training_record(account_id).await?;
    let allowed = match p {
        Principal::User(u) => {
            u.account.id == account_id
                || p.has(LedgerOffice)
                || (p.has(DeptStaff) && u.account.department_id == rec.department_id)
        }
        Principal::ApiKey(k) => k.department_id == rec.department_id,
        Principal::Anonymous => false,
    };
    if !allowed {
        return Err(AppError::not_found(format!("账号 {account_id} 的培训记录不存在或无权查看")));
    }
    Ok(rec)
}

async fn record_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let rec = readable_record(&state, &p, id).await?;
    render_record(&state, &p, rec).await
}

async fn render_record(state: &AppState, p: &Principal, rec: TrainingRecord) -> Result<Response, AppError> {
    let dept = state.store.get_unit(rec.department_id).await?.name;
    let roster = state.store.roster_entry_for_account(rec.account_id).await?;
    Ok(render(
        "training_record.html",
        context! { ..base(p, "培训记录"), ..context! {
            roster => roster.map(|r| context! { id => r.id, name => r.name, certificate_no => r.certificate_no, valid_until => r.valid_until, status => r.status }),
            rec => rec, hours => hours(rec.hours_tenths), department => dept,
            sessions => rec.attended.iter().map(session_ctx).collect::<Vec<_>>(),
        }},
    )?
    .into_response())
}

/// The roster entry's linked account, or not found.
async fn roster_account(state: &AppState, roster_id: i64) -> Result<i64, AppError> {
    let entry = state.store.roster_entry(roster_id).await?;
    entry.account_id.ok_or_else(|| AppError::not_found(format!("执法检查人员 {roster_id} 未关联账号,暂无培训记录")))
}

async fn inspector_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let account = roster_account(&state, id).await?;
    let rec = readable_record(&state, &p, account).await?;
    render_record(&state, &p, rec).await
}

/// Training figures for a roster entry's account, for the roster page.
#[derive(Serialize, ToSchema)]
pub struct RosterTrainingDto {
    pub roster_id: i64,
    pub account_id: i64,
    pub sessions: i64,
    pub hours: f64,
    pub tests: i64,
    pub passed: i64,
    /// The latest test score, if any.
    pub latest_points: Option<i64>,
    pub record_url: String,
}

/// The training summary shown beside a roster entry (`None` when the entry has no account).
pub async fn roster_summary(state: &AppState, roster_id: i64) -> Result<Option<RosterTrainingDto>, AppError> {
    let entry = state.store.roster_entry(roster_id).await?;
    let Some(account) = entry.account_id else { return Ok(None) };
    let rec = state.store.training_record(account).await?;
    Ok(Some(RosterTrainingDto {
        roster_id,
        account_id: account,
        sessions: rec.attended.len() as i64,
        hours: rec.hours_tenths as f64 / 10.0,
        tests: rec.results.len() as i64,
        passed: rec.results.iter().filter(|r| r.passed).count() as i64,
        latest_points: rec.results.first().map(|r| r.points),
        record_url: format!("/training/inspectors/{roster_id}"),
    }))
}

/// Training figures of an inspector roster entry (by roster id).
#[utoipa::path(get, path = "/api/v1/training/inspectors/{id}", tag = "业务培训", params(("id" = i64, Path, description = "roster entry id")),
    responses((status = 200, body = RosterTrainingDto), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_inspector(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let account = roster_account(&state, id).await.map_err(AppError::json)?;
    readable_record(&state, &p, account).await.map_err(AppError::json)?;
    let s = roster_summary(&state, id).await.map_err(AppError::json)?.ok_or_else(|| AppError::not_found("未关联账号").json())?;
    Ok(Json(s).into_response())
}

async fn departments(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let rows = state.store.training_by_department().await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|d| context! { department => d.department, sessions => d.sessions, attendances => d.attendances, hours => hours(d.hours_tenths), tests_taken => d.tests_taken, passed => d.passed, avg_points => d.avg_points })
        .collect();
    Ok(render("training_departments.html", context! { ..base(&p, "各部门培训情况"), ..context! { rows => rows } })?.into_response())
}

// --- API -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct RecordSessionDto {
    pub id: i64,
    pub title: String,
    /// training or contest.
    pub kind: String,
    pub held_on: NaiveDate,
    pub hours: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RecordResultDto {
    pub test_id: i64,
    pub test_title: String,
    pub session_title: String,
    pub points: i64,
    pub passed: bool,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordDto {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    pub hours: f64,
    pub sessions: Vec<RecordSessionDto>,
    pub results: Vec<RecordResultDto>,
}

/// One person's training record (attendance, hours, test scores).
#[utoipa::path(get, path = "/api/v1/training/records/{id}", tag = "业务培训", params(("id" = i64, Path, description = "account id")),
    responses((status = 200, body = RecordDto), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_record(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let rec = readable_record(&state, &p, id).await.map_err(AppError::json)?;
    Ok(Json(RecordDto {
        account_id: rec.account_id,
        username: rec.username,
        display_name: rec.display_name,
        department_id: rec.department_id,
        hours: rec.hours_tenths as f64 / 10.0,
        sessions: rec
            .attended
            .into_iter()
            .map(|s| RecordSessionDto { id: s.id, title: s.title, kind: s.kind, held_on: s.held_on, hours: s.hours_tenths as f64 / 10.0 })
            .collect(),
        results: rec
            .results
            .into_iter()
            .map(|r| RecordResultDto {
                test_id: r.test_id,
                test_title: r.test_title,
                session_title: r.session_title,
                points: r.points,
                passed: r.passed,
                submitted_at: r.submitted_at,
            })
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AnswersBody {
    /// The chosen option (0-based) of each question, in order; `null` for none.
    pub answers: Vec<Option<usize>>,
}

#[derive(Serialize, ToSchema)]
pub struct ResultDto {
    pub test_id: i64,
    pub correct: i64,
    pub total: i64,
    pub points: i64,
    pub passed: bool,
}

/// Hands in the caller's answer sheet (once per test).
#[utoipa::path(post, path = "/api/v1/training/tests/{id}/answers", tag = "业务培训", params(("id" = i64, Path)), request_body = AnswersBody,
    responses((status = 201, body = ResultDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_answer(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AnswersBody>,
) -> Result<Response, AppError> {
    let r = submit(&state, &p, id, &body.answers).await.map_err(AppError::json)?;
    Ok((StatusCode::CREATED, Json(ResultDto { test_id: r.test_id, correct: r.correct, total: r.total, points: r.points, passed: r.passed }))
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentDto {
    pub department_id: i64,
    pub department: String,
    pub sessions: i64,
    pub attendances: i64,
    pub hours: f64,
    pub tests_taken: i64,
    pub passed: i64,
    pub avg_points: Option<i64>,
}

/// Training figures per department.
#[utoipa::path(get, path = "/api/v1/training/departments", tag = "业务培训",
    responses((status = 200, body = [DepartmentDto])), security(("api_key" = []), ("session" = [])))]
pub async fn api_departments(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = state.store.training_by_department().await.map_err(|e| AppError::from(e).json())?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DepartmentDto {
                department_id: d.department_id,
                department: d.department,
                sessions: d.sessions,
                attendances: d.attendances,
                hours: d.hours_tenths as f64 / 10.0,
                tests_taken: d.tests_taken,
                passed: d.passed,
                avg_points: d.avg_points,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
