//! Policy publicity pages, editorial flow and the public search (正文五 加强政策宣传).
//!
//! * Public: the sections (laws and policies, authoritative interpretations, integrity
//!   and violation cases, legal guidance), each article with its attachments, and the
//!   Chinese full-text search over every public document (page and JSON API).
//! * Editors (部门填报) of a department write drafts, attach files and submit them; a
//!   reviewer publishes or sends back: a 法制审核 reviewer of any department, or another
//!   部门填报 account of the same department (never the submitter: four eyes). Published
//!   articles are withdrawn with a reason. A department sees only its own unpublished
//!   articles; reviewers see those waiting for review.

use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::{ApiJson, PageForm};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use jianguan_domain::auth::Role::{self, *};
use jianguan_domain::publicity::{self as rules, Section, Status, Step};
use jianguan_store::publicity::{Article, ArticleFilter, ArticleInput};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const EDITOR: &[Role] = &[DeptStaff];
const DESK: &[Role] = &[DeptStaff, LegalReviewer];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use crate::access::Access::*;
    use Method as M;
    vec![
        // Public site and search.
        r(M::GET, "/public/articles", Public, get(public_list)),
        r(M::GET, "/public/articles/{id}", Public, get(public_article)),
        r(M::GET, "/public/attachments/{id}", Public, get(public_attachment)),
        r(M::GET, "/public/search", Public, get(search_page)),
        r(M::GET, "/api/v1/public/search", Public, get(api_search)),
        r(M::GET, "/api/v1/public/articles", Public, get(api_public_articles)),
        r(M::GET, "/api/v1/public/articles/{id}", Public, get(api_public_article)),
        // Editorial desk.
        r(M::GET, "/publicity", Roles(DESK), get(desk)),
        r(M::POST, "/publicity", Roles(EDITOR), post(create)),
        r(M::GET, "/publicity/{id}", Roles(DESK), get(edit_page)),
        r(M::POST, "/publicity/{id}", Roles(EDITOR), post(update)),
        r(M::POST, "/publicity/{id}/attachments", Roles(EDITOR), post(attach)),
        r(M::POST, "/publicity/{id}/attachments/delete", Roles(EDITOR), post(detach)),
        r(M::GET, "/publicity/attachments/{id}", Roles(DESK), get(desk_attachment)),
        r(M::POST, "/publicity/{id}/submit", Roles(EDITOR), post(submit)),
        r(M::POST, "/publicity/{id}/review", Roles(DESK), post(review)),
        r(M::POST, "/publicity/{id}/withdraw", Roles(DESK), post(withdraw)),
        // API for editors and other systems.
        r(M::POST, "/api/v1/publicity/articles", ApiKeyOr("publicity:write", EDITOR), post(api_create)),
        r(M::POST, "/api/v1/publicity/articles/{id}/submit", ApiKeyOr("publicity:write", EDITOR), post(api_submit)),
        r(M::POST, "/api/v1/publicity/articles/{id}/review", Roles(DESK), post(api_review)),
        r(M::POST, "/api/v1/publicity/articles/{id}/withdraw", ApiKeyOr("publicity:write", DESK), post(api_withdraw)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("publicity_desk.html", include_str!("../../templates/publicity_desk.html")),
    ("publicity_edit.html", include_str!("../../templates/publicity_edit.html")),
    ("public_articles.html", include_str!("../../templates/public_articles.html")),
    ("public_article.html", include_str!("../../templates/public_article.html")),
    ("public_search.html", include_str!("../../templates/public_search.html")),
];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !DESK.iter().any(|r| p.has(*r)) {
        return Ok(Vec::new());
    }
    let mut stats = Vec::new();
    if p.has(DeptStaff) {
        let mine = state
            .store
            .article_list(&ArticleFilter { department_id: p.department_id(), limit: 500, ..Default::default() })
            .await?;
        stats.push(("本部门草稿".into(), mine.iter().filter(|a| a.status == "draft").count().to_string()));
        stats.push(("本部门已发布".into(), mine.iter().filter(|a| a.status == "published").count().to_string()));
    }
    let queue = review_queue(state, p).await?;
    stats.push(("待审核".into(), queue.len().to_string()));
    Ok(vec![Card {
        title: "政策宣传".into(),
        stats,
        links: vec![("/publicity".into(), "编辑与审核".into()), ("/public/articles".into(), "公开栏目".into())],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![
        PublicSection {
            title: "法律法规",
            text: "事中事后监管相关法律、法规、规章和规范性文件。",
            href: Some("/public/articles?section=laws"),
        },
        PublicSection {
            title: "政策权威解读",
            text: "对监管政策的权威解读,帮助市场主体理解政策要求。",
            href: Some("/public/articles?section=interpretation"),
        },
        PublicSection {
            title: "诚信典型案例",
            text: "守信激励的典型案例。",
            href: Some("/public/articles?section=integrity_case"),
        },
        PublicSection {
            title: "典型案件曝光",
            text: "违法失信的典型案件,以案释法、警示教育。",
            href: Some("/public/articles?section=violation_case"),
        },
        PublicSection {
            title: "行业法律指导",
            text: "面向各行业市场主体的合规经营法律指导。",
            href: Some("/public/articles?section=legal_guidance"),
        },
        PublicSection {
            title: "全文检索",
            text: "检索全部公开信息(支持两个字的中文检索词)。",
            href: Some("/public/search"),
        },
    ]
}

/// Scheduled work, run by `serve` every tick.
pub async fn scheduled(_state: &AppState) -> Result<(), AppError> {
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_search, api_public_articles, api_public_article, api_create, api_submit, api_review, api_withdraw),
    components(schemas(SearchResponse, SearchResultDto, PublicArticleDto, AttachmentDto, ArticleBody, ArticleDto, ReviewBody, WithdrawBody))
)]
pub struct Api;

// --- access rules ---------------------------------------------------------------------

/// Articles waiting for this caller's review.
async fn review_queue(state: &AppState, p: &Principal) -> Result<Vec<Article>, AppError> {
    let mut f = ArticleFilter { status: Some("review".into()), limit: 500, ..Default::default() };
    if !p.has(LegalReviewer) {
        f.department_id = p.department_id();
    }
    let list = state.store.article_list(&f).await?;
    let me = p.user().map(|u| u.account.username.clone()).unwrap_or_default();
    Ok(list.into_iter().filter(|a| p.has(LegalReviewer) || a.submitted_by != me).collect())
}

/// Loads an article the caller may see on the desk: its own department's, or (for a
/// reviewer) one past the draft stage. Anything else is "not found".
async fn visible(state: &AppState, p: &Principal, id: i64) -> Result<Article, AppError> {
    let a = state.store.article_get(id).await?;
    let own = p.department_id() == Some(a.department_id);
    if own || (p.has(LegalReviewer) && a.status != "draft") {
        Ok(a)
    } else {
        Err(AppError::not_found(format!("信息 {id} 不存在")))
    }
}

/// An article of the caller's own department (for editing steps).
async fn own(state: &AppState, p: &Principal, id: i64) -> Result<Article, AppError> {
    let a = state.store.article_get(id).await?;
    if p.department_id() == Some(a.department_id) {
        Ok(a)
    } else {
        Err(AppError::not_found(format!("信息 {id} 不存在")))
    }
}

fn may_review(p: &Principal, a: &Article) -> Result<(), AppError> {
    if p.has(LegalReviewer) {
        return Ok(());
    }
    if p.has(DeptStaff) && p.department_id() == Some(a.department_id) {
        let me = p.user().map(|u| u.account.username.as_str()).unwrap_or("");
        if me == a.submitted_by {
            return Err(AppError::forbidden("不能审核本人提交的稿件,请由本部门其他人员或法制审核人员审核"));
        }
        return Ok(());
    }
    Err(AppError::not_found(format!("信息 {} 不存在", a.id)))
}

fn may_withdraw(p: &Principal, a: &Article) -> Result<(), AppError> {
    if p.has(LegalReviewer) || p.department_id() == Some(a.department_id) {
        Ok(())
    } else {
        Err(AppError::not_found(format!("信息 {} 不存在", a.id)))
    }
}

// --- public site ------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Section code: laws, interpretation, integrity_case, violation_case, legal_guidance.
    pub section: Option<String>,
    pub page: Option<i64>,
}

const PAGE: i64 = 20;

fn sections_ctx() -> Vec<minijinja::Value> {
    Section::ALL.iter().map(|s| context! { code => s.code(), label => s.label() }).collect()
}

fn section_of(code: Option<&str>) -> Result<Option<Section>, AppError> {
    match code.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => Section::parse(c).map(Some).ok_or_else(|| AppError::not_found("栏目不存在")),
    }
}

async fn public_list(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListParams>,
) -> Result<Response, AppError> {
    let section = section_of(q.section.as_deref())?;
    let page = q.page.unwrap_or(1).max(1);
    let list = state
        .store
        .article_list(&ArticleFilter {
            section: section.map(|s| s.code().to_string()),
            status: Some("published".into()),
            limit: PAGE + 1,
            offset: (page - 1) * PAGE,
            ..Default::default()
        })
        .await?;
    let more = list.len() as i64 > PAGE;
    let items: Vec<_> = list.into_iter().take(PAGE as usize).map(|a| article_ctx(&a)).collect();
    let title = section.map(|s| s.label()).unwrap_or("政策宣传");
    Ok(render(
        "public_articles.html",
        context! { ..base(&p, title), ..context! {
            items => items, sections => sections_ctx(), current => section.map(|s| s.code()),
            counts => state.store.article_counts().await?, page => page, more => more,
        }},
    )?
    .into_response())
}

fn article_ctx(a: &Article) -> minijinja::Value {
    context! {
        id => a.id, title => a.title, summary => a.summary, section => a.section, section_label => a.section_label(),
        source => a.source, doc_no => a.doc_no, status => a.status, status_label => a.status_label(),
        published_at => a.published_at, updated_at => a.updated_at, created_by => a.created_by,
        submitted_by => a.submitted_by, reviewed_by => a.reviewed_by, review_comment => a.review_comment,
        withdraw_reason => a.withdraw_reason, version => a.version, attachments => a.attachments,
        department_id => a.department_id,
    }
}

async fn published(state: &AppState, id: i64) -> Result<Article, AppError> {
    let a = state.store.article_get(id).await?;
    if a.status != "published" {
        return Err(AppError::not_found(format!("信息 {id} 不存在或已撤回")));
    }
    Ok(a)
}

async fn public_article(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let a = published(&state, id).await?;
    Ok(render(
        "public_article.html",
        context! { ..base(&p, &a.title), ..context! {
            a => article_ctx(&a), body => minijinja::Value::from_safe_string(a.body_html.clone()), sections => sections_ctx(),
        }},
    )?
    .into_response())
}

/// Sends an attachment as a download (never rendered inline).
fn download(name: &str, mime: &str, content: Vec<u8>) -> Response {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let disp = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", urlencoding::encode(name));
    let mut resp = (StatusCode::OK, content).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).unwrap_or(HeaderValue::from_static("attachment")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    resp
}

async fn public_attachment(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (att, content) = state.store.attachment_get(id).await?;
    published(&state, att.article_id).await.map_err(|_| AppError::not_found(format!("附件 {id} 不存在")))?;
    Ok(download(&att.file_name, &att.mime, content))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Search words (1–50 characters; two-character Chinese words work).
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResultDto {
    pub title: String,
    /// Section label (政策权威解读, 行业自律公约 …).
    pub section: String,
    /// What the document is: article, convention, association, association_case.
    pub kind: String,
    /// Publication date (Beijing time), `YYYY-MM-DD`.
    pub date: String,
    /// Where the public reads it (site-relative).
    pub url: String,
    pub snippet: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    pub q: String,
    pub total: i64,
    /// More documents matched the grams than were examined (newest first).
    pub truncated: bool,
    pub results: Vec<SearchResultDto>,
}

async fn run_search(state: &AppState, q: &str, limit: i64, offset: i64) -> Result<SearchResponse, AppError> {
    let query = rules::parse_query(q).map_err(|m| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m))?;
    let page = state.store.search(&query, limit, offset).await?;
    Ok(SearchResponse {
        q: q.trim().to_string(),
        total: page.total,
        truncated: page.truncated,
        results: page
            .hits
            .into_iter()
            .map(|h| SearchResultDto {
                title: h.title,
                section: h.section,
                kind: h.kind,
                date: h.published_on.format("%Y-%m-%d").to_string(),
                url: h.url,
                snippet: h.snippet,
            })
            .collect(),
    })
}

async fn search_page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<SearchParams>,
) -> Result<Response, AppError> {
    let text = q.q.clone().unwrap_or_default();
    let offset = q.offset.unwrap_or(0).max(0);
    let (result, error) = if text.trim().is_empty() {
        (None, None)
    } else {
        match run_search(&state, &text, PAGE, offset).await {
            Ok(r) => (Some(r), None),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => (None, Some(e.message)),
            Err(e) => return Err(e),
        }
    };
    let next = result.as_ref().filter(|r| offset + PAGE < r.total).map(|_| offset + PAGE);
    let mut resp = render(
        "public_search.html",
        context! { ..base(&p, "全文检索"), ..context! { q => text, result => result, error => error, next => next, offset => offset } },
    )?
    .into_response();
    if error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// Searches every public document (articles, association conventions and cases, the
/// association registry).
#[utoipa::path(get, path = "/api/v1/public/search", tag = "政策宣传", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 422, body = ErrorBody)))]
pub async fn api_search(State(state): State<AppState>, Query(q): Query<SearchParams>) -> Result<Response, AppError> {
    let r = run_search(&state, q.q.as_deref().unwrap_or(""), q.limit.unwrap_or(20), q.offset.unwrap_or(0))
        .await
        .map_err(AppError::json)?;
    Ok(Json(r).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub file_name: String,
    pub mime: String,
    pub bytes: i64,
    pub sha256: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicArticleDto {
    pub id: i64,
    pub section: String,
    pub section_label: String,
    pub title: String,
    pub summary: String,
    /// Sanitised HTML (safe subset only).
    pub body_html: String,
    pub source: String,
    pub doc_no: String,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub url: String,
    pub attachments: Vec<AttachmentDto>,
}

fn public_dto(a: Article) -> PublicArticleDto {
    PublicArticleDto {
        id: a.id,
        section_label: a.section_label().to_string(),
        section: a.section,
        title: a.title,
        summary: a.summary,
        body_html: a.body_html,
        source: a.source,
        doc_no: a.doc_no,
        published_at: a.published_at,
        url: format!("/public/articles/{}", a.id),
        attachments: a
            .attachments
            .into_iter()
            .map(|t| AttachmentDto {
                url: format!("/public/attachments/{}", t.id),
                id: t.id,
                file_name: t.file_name,
                mime: t.mime,
                bytes: t.bytes,
                sha256: t.sha256,
            })
            .collect(),
    }
}

/// Published articles, newest first (20 a page).
#[utoipa::path(get, path = "/api/v1/public/articles", tag = "政策宣传", params(ListParams),
    responses((status = 200, body = [PublicArticleDto]), (status = 404, body = ErrorBody)))]
pub async fn api_public_articles(State(state): State<AppState>, Query(q): Query<ListParams>) -> Result<Response, AppError> {
    let section = section_of(q.section.as_deref()).map_err(AppError::json)?;
    let page = q.page.unwrap_or(1).max(1);
    let list = state
        .store
        .article_list(&ArticleFilter {
            section: section.map(|s| s.code().to_string()),
            status: Some("published".into()),
            limit: PAGE,
            offset: (page - 1) * PAGE,
            ..Default::default()
        })
        .await
        .map_err(|e| AppError::from(e).json())?;
    let mut out = Vec::new();
    for a in list {
        out.push(public_dto(state.store.article_get(a.id).await.map_err(|e| AppError::from(e).json())?));
    }
    Ok(Json(out).into_response())
}

/// One published article.
#[utoipa::path(get, path = "/api/v1/public/articles/{id}", tag = "政策宣传", params(("id" = i64, Path)),
    responses((status = 200, body = PublicArticleDto), (status = 404, body = ErrorBody)))]
pub async fn api_public_article(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, AppError> {
    let a = published(&state, id).await.map_err(AppError::json)?;
    Ok(Json(public_dto(a)).into_response())
}

// --- editorial desk ---------------------------------------------------------------------

#[derive(Deserialize)]
struct DeskParams {
    done: Option<String>,
}

fn done_message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "草稿已保存",
        "saved" => "修改已保存",
        "attached" => "附件已上传",
        "detached" => "附件已删除",
        "submitted" => "已提交审核",
        "published" => "已审核发布",
        "rejected" => "已退回修改",
        "withdrawn" => "已撤回",
        _ => return None,
    })
}

async fn desk(State(state): State<AppState>, p: Principal, Query(q): Query<DeskParams>) -> Result<Response, AppError> {
    let mine = if p.has(DeptStaff) {
        state
            .store
            .article_list(&ArticleFilter { department_id: p.department_id(), limit: 500, ..Default::default() })
            .await?
    } else {
        Vec::new()
    };
    let queue = review_queue(&state, &p).await?;
    Ok(render(
        "publicity_desk.html",
        context! { ..base(&p, "政策宣传"), ..context! {
            mine => mine.iter().map(article_ctx).collect::<Vec<_>>(),
            queue => queue.iter().map(article_ctx).collect::<Vec<_>>(),
            editor => p.has(DeptStaff), sections => sections_ctx(),
            flash => done_message(q.done.as_deref()),
            departments => crate::pages::department_names(&state).await?,
        }},
    )?
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ArticleBody {
    /// Section code.
    pub section: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// HTML; only a safe subset is kept.
    pub body_html: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub doc_no: String,
    /// For edits: the version the editor started from.
    #[serde(default)]
    pub version: Option<i64>,
}

impl ArticleBody {
    fn input(&self) -> Result<ArticleInput, AppError> {
        let section = Section::parse(&self.section)
            .ok_or_else(|| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "请选择栏目"))?;
        Ok(ArticleInput {
            section,
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_html: self.body_html.clone(),
            source: self.source.clone(),
            doc_no: self.doc_no.clone(),
        })
    }
}

fn dept_of(p: &Principal) -> Result<i64, AppError> {
    p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))
}

/// Renders the editor with an error and the caller's text kept.
fn edit_error(p: &Principal, a: Option<&Article>, form: &ArticleBody, msg: &str, status: StatusCode) -> Result<Response, AppError> {
    let mut resp = render(
        "publicity_edit.html",
        context! { ..base(p, "编辑信息"), ..context! {
            a => a.map(article_ctx), sections => sections_ctx(), error => msg,
            form => context! { section => form.section, title => form.title, summary => form.summary, body_html => form.body_html, source => form.source, doc_no => form.doc_no },
            editable => true, editor => true,
        }},
    )?
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

async fn create(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ArticleBody>) -> Result<Response, AppError> {
    let input = match f.input() {
        Ok(i) => i,
        Err(e) => return edit_error(&p, None, &f, &e.message, e.status),
    };
    match state.store.article_create(&p.actor_as(DeptStaff), dept_of(&p)?, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/publicity/{}?done=created", a.id)).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            edit_error(&p, None, &f, &e.message, e.status)
        }
    }
}

async fn edit_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DeskParams>,
) -> Result<Response, AppError> {
    let a = visible(&state, &p, id).await?;
    let own_dept = p.department_id() == Some(a.department_id);
    let editable = a.status == "draft" && own_dept && p.has(DeptStaff);
    let reviewable = a.status == "review" && may_review(&p, &a).is_ok();
    let withdrawable = a.status == "published" && may_withdraw(&p, &a).is_ok();
    Ok(render(
        "publicity_edit.html",
        context! { ..base(&p, &a.title), ..context! {
            a => article_ctx(&a), sections => sections_ctx(), flash => done_message(q.done.as_deref()),
            form => context! { section => a.section, title => a.title, summary => a.summary, body_html => a.body_html, source => a.source, doc_no => a.doc_no },
            preview => minijinja::Value::from_safe_string(a.body_html.clone()),
            editable => editable, reviewable => reviewable, withdrawable => withdrawable,
            submittable => editable, editor => p.has(DeptStaff) && own_dept,
            max_file_mb => state.config.upload.max_file_bytes / (1024 * 1024),
        }},
    )?
    .into_response())
}

async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ArticleBody>,
) -> Result<Response, AppError> {
    let a = own(&state, &p, id).await?;
    let input = match f.input() {
        Ok(i) => i,
        Err(e) => return edit_error(&p, Some(&a), &f, &e.message, e.status),
    };
    match state.store.article_update(&p.actor_as(DeptStaff), id, &input, f.version.unwrap_or(a.version)).await {
        Ok(_) => Ok(Redirect::to(&format!("/publicity/{id}?done=saved")).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            edit_error(&p, Some(&a), &f, &e.message, e.status)
        }
    }
}

async fn attach(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    own(&state, &p, id).await?;
    let max = state.config.upload.max_file_bytes;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::bad_request(format!("上传内容无法解析:{e}")))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|_| {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "附件超过大小限制")
        })?;
        file = Some((name, bytes.to_vec()));
    }
    let (name, bytes) = file.ok_or_else(|| AppError::bad_request("请选择要上传的附件"))?;
    if bytes.len() > max {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("附件超过大小限制(最大 {} MB)", max / (1024 * 1024)),
        ));
    }
    let kind = rules::sniff_attachment(&name, &bytes)
        .map_err(|m| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m))?;
    state.store.attachment_add(&p.actor_as(DeptStaff), id, &name, kind, &bytes).await?;
    Ok(Redirect::to(&format!("/publicity/{id}?done=attached")).into_response())
}

#[derive(Deserialize)]
struct DetachForm {
    attachment_id: i64,
}

async fn detach(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DetachForm>,
) -> Result<Response, AppError> {
    own(&state, &p, id).await?;
    state.store.attachment_remove(&p.actor_as(DeptStaff), id, f.attachment_id).await?;
    Ok(Redirect::to(&format!("/publicity/{id}?done=detached")).into_response())
}

async fn desk_attachment(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    let (att, content) = state.store.attachment_get(id).await?;
    visible(&state, &p, att.article_id).await.map_err(|_| AppError::not_found(format!("附件 {id} 不存在")))?;
    Ok(download(&att.file_name, &att.mime, content))
}

async fn submit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    own(&state, &p, id).await?;
    state.store.article_step(&p.actor_as(DeptStaff), id, Step::Submit, "").await?;
    Ok(Redirect::to(&format!("/publicity/{id}?done=submitted")).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `approve` (publish) or `reject` (back to draft).
    pub decision: String,
    /// Required when rejecting.
    #[serde(default)]
    pub comment: String,
}

fn reviewer_actor(p: &Principal) -> jianguan_store::Actor {
    if p.has(LegalReviewer) {
        p.actor_as(LegalReviewer)
    } else {
        p.actor_as(DeptStaff)
    }
}

async fn do_review(state: &AppState, p: &Principal, id: i64, f: &ReviewBody) -> Result<Article, AppError> {
    let a = visible(state, p, id).await?;
    may_review(p, &a)?;
    let step = match f.decision.as_str() {
        "approve" => Step::Approve,
        "reject" => Step::Reject,
        _ => return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "审核结论只能是发布或退回")),
    };
    Ok(state.store.article_step(&reviewer_actor(p), id, step, &f.comment).await?)
}

async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<ReviewBody>,
) -> Result<Response, AppError> {
    let a = do_review(&state, &p, id, &f).await?;
    let done = if a.status == "published" { "published" } else { "rejected" };
    Ok(Redirect::to(&format!("/publicity/{id}?done={done}")).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawBody {
    pub reason: String,
}

async fn do_withdraw(state: &AppState, p: &Principal, id: i64, reason: &str) -> Result<Article, AppError> {
    let a = state.store.article_get(id).await?;
    if matches!(p, Principal::ApiKey(_)) {
        if p.department_id() != Some(a.department_id) {
            return Err(AppError::not_found(format!("信息 {id} 不存在")));
        }
    } else {
        may_withdraw(p, &a)?;
    }
    let actor = if p.user().is_some() { reviewer_actor(p) } else { p.actor() };
    Ok(state.store.article_step(&actor, id, Step::Withdraw, reason).await?)
}

async fn withdraw(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    PageForm(f): PageForm<WithdrawBody>,
) -> Result<Response, AppError> {
    do_withdraw(&state, &p, id, &f.reason).await?;
    Ok(Redirect::to(&format!("/publicity/{id}?done=withdrawn")).into_response())
}

// --- editor API ---------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ArticleDto {
    pub id: i64,
    pub section: String,
    pub title: String,
    /// draft, review, published or withdrawn.
    pub status: String,
    pub version: i64,
    pub department_id: i64,
    /// The body as stored (sanitised).
    pub body_html: String,
    pub review_comment: String,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn dto(a: Article) -> ArticleDto {
    ArticleDto {
        id: a.id,
        section: a.section,
        title: a.title,
        status: a.status,
        version: a.version,
        department_id: a.department_id,
        body_html: a.body_html,
        review_comment: a.review_comment,
        published_at: a.published_at,
    }
}

fn api_actor(p: &Principal) -> jianguan_store::Actor {
    if p.user().is_some() {
        p.actor_as(DeptStaff)
    } else {
        p.actor()
    }
}

/// Creates a draft of the caller's department.
#[utoipa::path(post, path = "/api/v1/publicity/articles", tag = "政策宣传", request_body = ArticleBody,
    responses((status = 201, body = ArticleDto), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<ArticleBody>,
) -> Result<Response, AppError> {
    let input = body.input().map_err(AppError::json)?;
    let a = state
        .store
        .article_create(&api_actor(&p), dept_of(&p).map_err(AppError::json)?, &input)
        .await
        .map_err(|e| AppError::from(e).json())?;
    Ok((StatusCode::CREATED, Json(dto(a))).into_response())
}

/// Submits a draft of the caller's department for review.
#[utoipa::path(post, path = "/api/v1/publicity/articles/{id}/submit", tag = "政策宣传", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_submit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    own(&state, &p, id).await.map_err(AppError::json)?;
    let a = state.store.article_step(&api_actor(&p), id, Step::Submit, "").await.map_err(|e| AppError::from(e).json())?;
    Ok(Json(dto(a)).into_response())
}

/// Publishes or sends back an article under review (a person, never the submitter).
#[utoipa::path(post, path = "/api/v1/publicity/articles/{id}/review", tag = "政策宣传", params(("id" = i64, Path)), request_body = ReviewBody,
    responses((status = 200, body = ArticleDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Response, AppError> {
    let a = do_review(&state, &p, id, &body).await.map_err(AppError::json)?;
    Ok(Json(dto(a)).into_response())
}

/// Withdraws a published article, with a reason.
#[utoipa::path(post, path = "/api/v1/publicity/articles/{id}/withdraw", tag = "政策宣传", params(("id" = i64, Path)), request_body = WithdrawBody,
    responses((status = 200, body = ArticleDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_withdraw(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> Result<Response, AppError> {
    let a = do_withdraw(&state, &p, id, &body.reason).await.map_err(AppError::json)?;
    Ok(Json(dto(a)).into_response())
}

/// Status label for templates.
pub fn status_label(code: &str) -> &'static str {
    Status::parse(code).map(|s| s.label()).unwrap_or("")
}
