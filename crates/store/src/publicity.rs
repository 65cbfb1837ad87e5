//! Policy publicity (正文五): laws and policies, authoritative interpretations, typical cases, legal guidance; editorial flow; full-text search.
//!
//! * An article moves draft → review → published → withdrawn ([`Step`]); every step is
//!   a conditional update on the expected status, audited in its transaction. The body
//!   is sanitised to the safe HTML subset here, whatever the caller sent.
//! * Publishing writes the article into the search index in the same transaction, and
//!   withdrawing removes it: search never shows what the public site does not.
//! * The search index ([`SearchDoc`]) is shared by every capability that publishes
//!   content: a document's plain text and every distinct overlapping two-character gram
//!   of it. A query of two or more characters intersects its grams; one-character
//!   queries fall back to a bounded substring scan. Candidates are verified and ranked
//!   by [`jianguan_domain::publicity::score`], so both databases answer identically.

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::publicity::{FileKind, Query, Section, Step};
use serde::{Deserialize, Serialize};

/// An article as written by an editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleInput {
    pub section: Section,
    pub title: String,
    pub summary: String,
    /// HTML as typed; stored sanitised.
    pub body_html: String,
    /// 发布机关 / 来源.
    pub source: String,
    /// 文号 (for laws and policies), may be empty.
    pub doc_no: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub article_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub bytes: i64,
    pub added_by: String,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub section: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub source: String,
    pub doc_no: String,
    pub status: String,
    pub department_id: i64,
    pub created_by: String,
    pub submitted_by: String,
    pub reviewed_by: String,
    pub review_comment: String,
    pub withdraw_reason: String,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub withdrawn_at: Option<Timestamp>,
    pub attachments: Vec<Attachment>,
}

impl Article {
    pub fn section_label(&self) -> &'static str {
        Section::parse(&self.section).map(Section::label).unwrap_or("")
    }
    pub fn status_label(&self) -> &'static str {
        jianguan_domain::publicity::Status::parse(&self.status).map(|s| s.label()).unwrap_or("")
    }
}

/// Listing of articles. Empty fields do not filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArticleFilter {
    pub section: Option<String>,
    pub status: Option<String>,
    pub department_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// A public document in the search index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    /// Unique per document, e.g. `article:12`.
    pub doc_key: String,
    /// What it is (`article`, `convention`, `association_case` …).
    pub kind: String,
    pub title: String,
    /// The section label shown with a result.
    pub section: String,
    /// Where the public reads it.
    pub url: String,
    pub published_on: NaiveDate,
    /// Plain text.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub title: String,
    pub section: String,
    pub kind: String,
    pub url: String,
    pub published_on: NaiveDate,
    pub snippet: String,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Matching documents among the candidates examined.
    pub total: i64,
    /// More candidates existed than were examined (the newest are examined first).
    pub truncated: bool,
}

/// Candidates examined per query, newest first.
pub const SEARCH_CANDIDATES: i64 = 2_000;

#[async_trait]
pub trait PublicityStore: Send + Sync {
    /// Creates a draft of `department_id`.
    async fn article_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &ArticleInput,
    ) -> crate::Result<Article>;
    /// Edits a draft still at `expected_version`.
    async fn article_update(
        &self,
        actor: &crate::Actor,
        id: i64,
        input: &ArticleInput,
        expected_version: i64,
    ) -> crate::Result<Article>;
    /// Moves an article one step of the flow; `note` is the review comment or the
    /// withdrawal reason (required for reject and withdraw).
    async fn article_step(&self, actor: &crate::Actor, id: i64, step: Step, note: &str) -> crate::Result<Article>;
    async fn article_get(&self, id: i64) -> crate::Result<Article>;
    async fn article_list(&self, filter: &ArticleFilter) -> crate::Result<Vec<Article>>;
    /// Count of published articles per section code.
    async fn article_counts(&self) -> crate::Result<Vec<(String, String, i64)>>;
    /// Attaches a file to a draft (content stored once per SHA-256).
    async fn attachment_add(
        &self,
        actor: &crate::Actor,
        article_id: i64,
        file_name: &str,
        kind: FileKind,
        content: &[u8],
    ) -> crate::Result<Attachment>;
    async fn attachment_remove(&self, actor: &crate::Actor, article_id: i64, attachment_id: i64) -> crate::Result<()>;
    /// An attachment with its content.
    async fn attachment_get(&self, id: i64) -> crate::Result<(Attachment, Vec<u8>)>;
    /// Adds or replaces a document of the public search index (for capabilities that
    /// publish outside a transaction of their own).
    async fn search_put(&self, actor: &crate::Actor, doc: &SearchDoc) -> crate::Result<()>;
    async fn search_remove(&self, actor: &crate::Actor, doc_key: &str) -> crate::Result<()>;
    /// Searches every public document.
    async fn search(&self, query: &Query, limit: i64, offset: i64) -> crate::Result<SearchPage>;
    /// Documents in the index.
    async fn search_doc_count(&self) -> crate::Result<i64>;
}

/// Beijing date of a UTC time (what the public sees as the publication date).
pub fn cst_date(t: Timestamp) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

pub(crate) fn clean_input(i: &ArticleInput) -> crate::Result<ArticleInput> {
    let body = jianguan_domain::html::sanitize(&i.body_html);
    let out = ArticleInput {
        section: i.section,
        title: i.title.trim().to_string(),
        summary: i.summary.trim().to_string(),
        body_html: body,
        source: i.source.trim().to_string(),
        doc_no: i.doc_no.trim().to_string(),
    };
    jianguan_domain::publicity::check_article(&out.title, &out.summary, &out.body_html, &out.source)
        .map_err(crate::StoreError::Invalid)?;
    if out.doc_no.chars().count() > 60 {
        return Err(crate::StoreError::Invalid("文号过长,最多 60 字".into()));
    }
    Ok(out)
}

/// Implements [`PublicityStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_publicity_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod publicity_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::publicity::*;
            use $crate::{Result, StoreError};
            use jianguan_domain::publicity::{self as rules, FileKind, Query, Section, Status, Step};

            type Tx<'a> = sqlx::Transaction<'a, $DB>;

            /// Gram rows per multi-row insert.
            const GRAMS_PER_STATEMENT: usize = 400;

            fn attachment_row(r: &$Row) -> Result<Attachment> {
                Ok(Attachment {
                    id: r.try_get("id")?,
                    article_id: r.try_get("article_id")?,
                    sha256: r.try_get("sha256")?,
                    file_name: r.try_get("file_name")?,
                    mime: r.try_get("mime")?,
                    bytes: r.try_get("bytes")?,
                    added_by: r.try_get("added_by")?,
                    added_at: r.try_get("added_at")?,
                })
            }

            fn article_row(r: &$Row) -> Result<Article> {
                Ok(Article {
                    id: r.try_get("id")?,
                    section: r.try_get("section")?,
                    title: r.try_get("title")?,
                    summary: r.try_get("summary")?,
                    body_html: r.try_get("body_html")?,
                    source: r.try_get("source")?,
                    doc_no: r.try_get("doc_no")?,
                    status: r.try_get("status")?,
                    department_id: r.try_get("department_id")?,
                    created_by: r.try_get("created_by")?,
                    submitted_by: r.try_get("submitted_by")?,
                    reviewed_by: r.try_get("reviewed_by")?,
                    review_comment: r.try_get("review_comment")?,
                    withdraw_reason: r.try_get("withdraw_reason")?,
                    version: r.try_get("version")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    published_at: r.try_get("published_at")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    attachments: Vec::new(),
                })
            }

            async fn article_tx(tx: &mut Tx<'_>, id: i64) -> Result<Article> {
                let r = sqlx::query("SELECT * FROM publicity_articles WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("信息 {id} 不存在")))?;
                let mut a = article_row(&r)?;
                let rows = sqlx::query("SELECT * FROM publicity_attachments WHERE article_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
                a.attachments = rows.iter().map(attachment_row).collect::<Result<_>>()?;
                Ok(a)
            }

            fn article_doc(a: &Article) -> SearchDoc {
                let section = Section::parse(&a.section).map(Section::label).unwrap_or("政策宣传");
                let mut body = String::new();
                if !a.doc_no.is_empty() {
                    body.push_str(&a.doc_no);
                    body.push('\n');
                }
                if !a.summary.is_empty() {
                    body.push_str(&a.summary);
                    body.push('\n');
                }
                body.push_str(&jianguan_domain::html::plain_text(&a.body_html));
                SearchDoc {
                    doc_key: format!("article:{}", a.id),
                    kind: "article".into(),
                    title: a.title.clone(),
                    section: section.into(),
                    url: format!("/public/articles/{}", a.id),
                    published_on: cst_date(a.published_at.unwrap_or_else(now)),
                    body,
                }
            }

            impl $Store {
                /// Writes `doc` into the search index inside the caller's transaction.
                pub(crate) async fn search_index_tx(tx: &mut Tx<'_>, doc: &SearchDoc) -> Result<()> {
                    Self::search_unindex_tx(tx, &doc.doc_key).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO search_docs (doc_key, kind, title, section, url, published_on, body, indexed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(&doc.doc_key)
                    .bind(&doc.kind)
                    .bind(&doc.title)
                    .bind(&doc.section)
                    .bind(&doc.url)
                    .bind(doc.published_on)
                    .bind(&doc.body)
                    .bind(now())
                    .fetch_one(&mut **tx)
                    .await?;
                    let grams = rules::bigrams(&format!("{}\n{}", doc.title, doc.body));
                    for chunk in grams.chunks(GRAMS_PER_STATEMENT) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("INSERT INTO search_grams (gram, doc_id) ");
                        qb.push_values(chunk, |mut b, g| {
                            b.push_bind(g.clone()).push_bind(id);
                        });
                        qb.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                /// Removes a document from the search index inside the caller's transaction.
                pub(crate) async fn search_unindex_tx(tx: &mut Tx<'_>, doc_key: &str) -> Result<()> {
                    sqlx::query("DELETE FROM search_grams WHERE doc_id IN (SELECT id FROM search_docs WHERE doc_key = $1)")
                        .bind(doc_key)
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("DELETE FROM search_docs WHERE doc_key = $1").bind(doc_key).execute(&mut **tx).await?;
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl $crate::publicity::PublicityStore for $Store {
                async fn article_create(&self, actor: &Actor, department_id: i64, input: &ArticleInput) -> Result<Article> {
                    let i = clean_input(input)?;
                    let mut tx = self.begin_write().await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO publicity_articles (section, title, summary, body_html, source, doc_no, status, department_id, \
                         created_by, submitted_by, reviewed_by, review_comment, withdraw_reason, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, '', '', '', '', 1, $9, $9) RETURNING id",
                    )
                    .bind(i.section.code())
                    .bind(&i.title)
                    .bind(&i.summary)
                    .bind(&i.body_html)
                    .bind(&i.source)
                    .bind(&i.doc_no)
                    .bind(department_id)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "publicity.create",
                            format!("article:{id}"),
                            serde_json::json!({ "section": i.section.code(), "title": i.title, "department_id": department_id }),
                        ),
                    )
                    .await?;
                    let a = article_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn article_update(&self, actor: &Actor, id: i64, input: &ArticleInput, expected_version: i64) -> Result<Article> {
                    let i = clean_input(input)?;
                    let mut tx = self.begin_write().await?;
                    let cur = article_tx(&mut tx, id).await?;
                    let status = Status::parse(&cur.status).unwrap_or(Status::Withdrawn);
                    if status != Status::Draft {
                        return Err(StoreError::Conflict(Step::Edit.refusal(status)));
                    }
                    if cur.version != expected_version {
                        return Err(StoreError::Conflict("该稿件已被他人修改,请刷新后重新编辑".into()));
                    }
                    sqlx::query(
                        "UPDATE publicity_articles SET section = $1, title = $2, summary = $3, body_html = $4, source = $5, \
                         doc_no = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
                    )
                    .bind(i.section.code())
                    .bind(&i.title)
                    .bind(&i.summary)
                    .bind(&i.body_html)
                    .bind(&i.source)
                    .bind(&i.doc_no)
                    .bind(now())
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("publicity.edit", format!("article:{id}"), serde_json::json!({ "title": i.title, "version": expected_version + 1 })),
                    )
                    .await?;
                    let a = article_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn article_step(&self, actor: &Actor, id: i64, step: Step, note: &str) -> Result<Article> {
                    let note = note.trim();
                    if note.chars().count() > 500 {
                        return Err(StoreError::Invalid("意见或理由最多 500 字".into()));
                    }
                    if matches!(step, Step::Reject | Step::Withdraw) && note.is_empty() {
                        return Err(StoreError::Invalid(if step == Step::Reject { "退回修改须填写审核意见".into() } else { "撤回须填写理由".into() }));
                    }
                    let mut tx = self.begin_write().await?;
                    let cur = article_tx(&mut tx, id).await?;
                    let (from, to) = step.transition();
                    let status = Status::parse(&cur.status).unwrap_or(Status::Withdrawn);
                    if status != from || step == Step::Edit {
                        return Err(StoreError::Conflict(step.refusal(status)));
                    }
                    let t = now();
                    let q = match step {
                        Step::Submit => sqlx::query("UPDATE publicity_articles SET status = $1, submitted_by = $2, review_comment = '', updated_at = $3 WHERE id = $4 AND status = $5")
                            .bind(to.code()).bind(&actor.name).bind(t).bind(id).bind(from.code()),
                        Step::Approve => sqlx::query("UPDATE publicity_articles SET status = $1, reviewed_by = $2, published_at = $3, updated_at = $3 WHERE id = $4 AND status = $5")
                            .bind(to.code()).bind(&actor.name).bind(t).bind(id).bind(from.code()),
                        Step::Reject => sqlx::query("UPDATE publicity_articles SET status = $1, reviewed_by = $2, updated_at = $3, review_comment = $4 WHERE id = $5 AND status = $6")
                            .bind(to.code()).bind(&actor.name).bind(t).bind(note).bind(id).bind(from.code()),
                        Step::Withdraw => sqlx::query("UPDATE publicity_articles SET status = $1, withdrawn_at = $2, updated_at = $2, withdraw_reason = $3 WHERE id = $4 AND status = $5")
                            .bind(to.code()).bind(t).bind(note).bind(id).bind(from.code()),
                        Step::Edit => unreachable!("checked above"),
                    };
                    let done = q.execute(&mut *tx).await?.rows_affected();
                    if done != 1 {
                        return Err(StoreError::Conflict(step.refusal(status)));
                    }
                    let a = article_tx(&mut tx, id).await?;
                    match step {
                        Step::Approve => Self::search_index_tx(&mut tx, &article_doc(&a)).await?,
                        Step::Withdraw => Self::search_unindex_tx(&mut tx, &format!("article:{id}")).await?,
                        _ => {}
                    }
                    let action = match step {
                        Step::Submit => "publicity.submit",
                        Step::Approve => "publicity.publish",
                        Step::Reject => "publicity.reject",
                        Step::Withdraw => "publicity.withdraw",
                        Step::Edit => "publicity.edit",
                    };
                    self.append_audit(
                        &mut tx,
                        &actor.event(action, format!("article:{id}"), serde_json::json!({ "from": from.code(), "to": to.code(), "note": note })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn article_get(&self, id: i64) -> Result<Article> {
                    let r = sqlx::query("SELECT * FROM publicity_articles WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("信息 {id} 不存在")))?;
                    let mut a = article_row(&r)?;
                    let rows = sqlx::query("SELECT * FROM publicity_attachments WHERE article_id = $1 ORDER BY id")
                        .bind(id)
                        .fetch_all(self.read())
                        .await?;
                    a.attachments = rows.iter().map(attachment_row).collect::<Result<_>>()?;
                    Ok(a)
                }

                async fn article_list(&self, f: &ArticleFilter) -> Result<Vec<Article>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM publicity_articles WHERE 1 = 1");
                    if let Some(s) = f.section.as_deref().filter(|s| !s.is_empty()) {
                        qb.push(" AND section = ").push_bind(s.to_string());
                    }
                    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
                        qb.push(" AND status = ").push_bind(s.to_string());
                    }
                    if let Some(d) = f.department_id {
                        qb.push(" AND department_id = ").push_bind(d);
                    }
                    let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
                    qb.push(" ORDER BY COALESCE(published_at, updated_at) DESC, id DESC LIMIT ")
                        .push_bind(limit)
                        .push(" OFFSET ")
                        .push_bind(f.offset.max(0));
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(article_row).collect()
                }

                async fn article_counts(&self) -> Result<Vec<(String, String, i64)>> {
                    let rows = sqlx::query(
                        "SELECT section, COUNT(*) AS n FROM publicity_articles WHERE status = 'published' GROUP BY section",
                    )
                    .fetch_all(self.read())
                    .await?;
                    let mut out = Vec::new();
                    for s in Section::ALL {
                        let mut n = 0i64;
                        for r in &rows {
                            if r.try_get::<String, _>("section")? == s.code() {
                                n = r.try_get("n")?;
                            }
                        }
                        out.push((s.code().to_string(), s.label().to_string(), n));
                    }
                    Ok(out)
                }

                async fn attachment_add(&self, actor: &Actor, article_id: i64, file_name: &str, kind: FileKind, content: &[u8]) -> Result<Attachment> {
                    let name = rules::clean_file_name(file_name);
                    let mut tx = self.begin_write().await?;
                    let a = article_tx(&mut tx, article_id).await?;
                    let status = Status::parse(&a.status).unwrap_or(Status::Withdrawn);
                    if status != Status::Draft {
                        return Err(StoreError::Conflict(format!("只有草稿可以添加或删除附件(当前状态:{})", status.label())));
                    }
                    if a.attachments.len() >= rules::MAX_ATTACHMENTS {
                        return Err(StoreError::Invalid(format!("每条信息最多 {} 个附件", rules::MAX_ATTACHMENTS)));
                    }
                    let sha = jianguan_domain::crypto::sha256_hex(content);
                    let t = now();
                    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publicity_files WHERE sha256 = $1")
                        .bind(&sha)
                        .fetch_one(&mut *tx)
                        .await?;
                    if exists == 0 {
                        sqlx::query("INSERT INTO publicity_files (sha256, kind, bytes, content, created_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(&sha)
                            .bind(kind.mime())
                            .bind(content.len() as i64)
                            .bind(content)
                            .bind(t)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO publicity_attachments (article_id, sha256, file_name, mime, bytes, added_by, added_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(article_id)
                    .bind(&sha)
                    .bind(&name)
                    .bind(kind.mime())
                    .bind(content.len() as i64)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE publicity_articles SET version = version + 1, updated_at = $1 WHERE id = $2")
                        .bind(t)
                        .bind(article_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("publicity.attach", format!("article:{article_id}"), serde_json::json!({ "attachment": id, "file": name, "sha256": sha, "bytes": content.len() })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM publicity_attachments WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let att = attachment_row(&r)?;
                    tx.commit().await?;
                    Ok(att)
                }

                async fn attachment_remove(&self, actor: &Actor, article_id: i64, attachment_id: i64) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let a = article_tx(&mut tx, article_id).await?;
                    let status = Status::parse(&a.status).unwrap_or(Status::Withdrawn);
                    if status != Status::Draft {
                        return Err(StoreError::Conflict(format!("只有草稿可以添加或删除附件(当前状态:{})", status.label())));
                    }
                    let n = sqlx::query("DELETE FROM publicity_attachments WHERE id = $1 AND article_id = $2")
                        .bind(attachment_id)
                        .bind(article_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound(format!("附件 {attachment_id} 不存在")));
                    }
                    sqlx::query("UPDATE publicity_articles SET version = version + 1, updated_at = $1 WHERE id = $2")
                        .bind(now())
                        .bind(article_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("publicity.detach", format!("article:{article_id}"), serde_json::json!({ "attachment": attachment_id })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn attachment_get(&self, id: i64) -> Result<(Attachment, Vec<u8>)> {
                    let r = sqlx::query("SELECT * FROM publicity_attachments WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("附件 {id} 不存在")))?;
                    let a = attachment_row(&r)?;
                    let content: Vec<u8> = sqlx::query_scalar("SELECT content FROM publicity_files WHERE sha256 = $1")
                        .bind(&a.sha256)
                        .fetch_one(self.read())
                        .await?;
                    Ok((a, content))
                }

                async fn search_put(&self, actor: &Actor, doc: &SearchDoc) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    Self::search_index_tx(&mut tx, doc).await?;
                    self.append_audit(&mut tx, &actor.event("search.index", doc.doc_key.clone(), serde_json::json!({ "title": doc.title }))).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn search_remove(&self, actor: &Actor, doc_key: &str) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    Self::search_unindex_tx(&mut tx, doc_key).await?;
                    self.append_audit(&mut tx, &actor.event("search.unindex", doc_key.to_string(), serde_json::json!({}))).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn search(&self, query: &Query, limit: i64, offset: i64) -> Result<SearchPage> {
                    let rows = if !query.grams.is_empty() {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new(
                            "SELECT d.* FROM search_docs d JOIN (SELECT doc_id FROM search_grams WHERE gram IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for g in &query.grams {
                            sep.push_bind(g.clone());
                        }
                        qb.push(") GROUP BY doc_id HAVING COUNT(*) = ")
                            .push_bind(query.grams.len() as i64)
                            .push(") g ON g.doc_id = d.id ORDER BY d.published_on DESC, d.id DESC LIMIT ")
                            .push_bind(SEARCH_CANDIDATES + 1);
                        qb.build().fetch_all(self.read()).await?
                    } else {
                        // Every term is a single character: a bounded substring scan.
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM search_docs WHERE 1 = 1");
                        for t in &query.terms {
                            let pat = format!("%{}%", $crate::registry::like_escape(t));
                            qb.push(" AND (LOWER(title) LIKE ")
                                .push_bind(pat.clone())
                                .push(" ESCAPE '\\' OR LOWER(body) LIKE ")
                                .push_bind(pat)
                                .push(" ESCAPE '\\')");
                        }
                        qb.push(" ORDER BY published_on DESC, id DESC LIMIT ").push_bind(SEARCH_CANDIDATES + 1);
                        qb.build().fetch_all(self.read()).await?
                    };
                    let truncated = rows.len() as i64 > SEARCH_CANDIDATES;
                    let mut hits = Vec::new();
                    for r in rows.iter().take(SEARCH_CANDIDATES as usize) {
                        let title: String = r.try_get("title")?;
                        let body: String = r.try_get("body")?;
                        if let Some(score) = rules::score(query, &title, &body) {
                            hits.push(SearchHit {
                                snippet: rules::snippet(query, &body, 90),
                                title,
                                section: r.try_get("section")?,
                                kind: r.try_get("kind")?,
                                url: r.try_get("url")?,
                                published_on: r.try_get("published_on")?,
                                score,
                            });
                        }
                    }
                    hits.sort_by(|a, b| b.score.cmp(&a.score).then(b.published_on.cmp(&a.published_on)));
                    let total = hits.len() as i64;
                    let limit = if limit <= 0 { 20 } else { limit.min(100) } as usize;
                    let hits = hits.into_iter().skip(offset.max(0) as usize).take(limit).collect();
                    Ok(SearchPage { hits, total, truncated })
                }

                async fn search_doc_count(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM search_docs").fetch_one(self.read()).await?)
                }
            }
        }
    };
}
