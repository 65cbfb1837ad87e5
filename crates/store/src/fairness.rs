//! Fair-competition review (公平竞争审查, 附件1 第14项): drafts, checklist review, joint
//! review, clean-ups; and the content-addressed document store (`doc_files`) that the
//! seed's remaining capabilities share (its table comes with this capability's migration).
//!
//! Every state change writes its event row and its audit entry in one transaction.
//! Who may act (the drafting unit on its drafts, 区市场监管局 on joint reviews) is decided
//! by the web layer; the store enforces the workflow (status, versions, consistency).

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::fairness::{
    CleanupResult, Conclusion, DraftKind, DraftStatus, Finding, JointResult, Outcome, ReviewInput,
};
use serde::{Deserialize, Serialize};

/// A document to store (its hash is computed by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// The name as uploaded (shown, never used as a path).
    pub name: String,
    /// Media type established from the content's magic bytes.
    pub media_type: String,
    pub content: Vec<u8>,
}

/// A reference to a stored document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub sha256: String,
    pub name: String,
}

/// A stored document with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFile {
    pub sha256: String,
    pub media_type: String,
    pub bytes: i64,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDraft {
    pub department_id: i64,
    /// The checklist version in force on the day of registration.
    pub standards_version: String,
    pub title: String,
    pub kind: DraftKind,
    pub summary: String,
    pub attachment: Option<NewFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub code: String,
    pub finding: Finding,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointReview {
    pub id: i64,
    pub requested_at: Timestamp,
    pub requested_by: String,
    pub request_note: String,
    pub result: Option<JointResult>,
    pub opinion: String,
    pub answered_at: Option<Timestamp>,
    pub answered_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub title: String,
    pub kind: DraftKind,
    pub summary: String,
    pub status: DraftStatus,
    /// The checklist version of the review.
    pub standards_version: String,
    /// The drafting unit's conclusion.
    pub conclusion: Option<Conclusion>,
    /// The conclusion in force (after joint review, where there was one).
    pub final_conclusion: Option<Conclusion>,
    pub exception_ground: String,
    pub reasoning: String,
    pub term: String,
    pub reviewed_at: Option<Timestamp>,
    pub reviewed_by: Option<String>,
    pub concluded_at: Option<Timestamp>,
    pub outcome: Option<Outcome>,
    pub issued_doc_no: String,
    pub issued_on: Option<NaiveDate>,
    pub attachment: Option<FileRef>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// Filled by [`FairnessStore::fc_draft_get`]; empty in lists.
    pub findings: Vec<StoredFinding>,
    pub joint_reviews: Vec<JointReview>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DraftFilter {
    pub department_id: Option<i64>,
    pub status: Option<DraftStatus>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftEvent {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupTarget {
    pub department_id: i64,
    pub department: String,
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<String>,
    pub summary: String,
    pub documents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    pub id: i64,
    pub title: String,
    pub scope: String,
    pub deadline_on: NaiveDate,
    pub created_by: String,
    pub created_at: Timestamp,
    pub targets: Vec<CleanupTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCleanupDoc {
    pub title: String,
    /// 文号.
    pub doc_no: String,
    pub issued_on: Option<NaiveDate>,
    pub result: CleanupResult,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupDoc {
    pub id: i64,
    pub cleanup_id: i64,
    pub department_id: i64,
    pub department: String,
    pub title: String,
    pub doc_no: String,
    pub issued_on: Option<NaiveDate>,
    pub result: CleanupResult,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// Outcomes per department over a period (审查情况统计).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub department_id: i64,
    pub department: String,
    pub registered: i64,
    pub concluded: i64,
    pub may_issue: i64,
    pub exception: i64,
    pub adjust: i64,
    pub do_not_issue: i64,
    pub joint_reviews: i64,
    pub issued: i64,
    pub cleanup_retain: i64,
    pub cleanup_amend: i64,
    pub cleanup_repeal: i64,
    pub cleanup_expire: i64,
}

/// Limits of the free texts of a draft.
pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 5000;

#[async_trait]
pub trait FairnessStore: Send + Sync {
    /// A stored document by its SHA-256 (hex).
    async fn doc_file(&self, sha256: &str) -> crate::Result<Option<DocFile>>;

    async fn fc_draft_create(&self, actor: &crate::Actor, d: &NewDraft) -> crate::Result<Draft>;
    /// A draft with its findings and joint reviews.
    async fn fc_draft_get(&self, id: i64) -> crate::Result<Draft>;
    async fn fc_drafts(&self, filter: &DraftFilter) -> crate::Result<Vec<Draft>>;
    /// Saves the drafting unit's checklist and conclusion (the draft must be at
    /// `expected_version` and in a status that allows review).
    async fn fc_review(
        &self,
        actor: &crate::Actor,
        id: i64,
        review: &ReviewInput,
        expected_version: i64,
    ) -> crate::Result<Draft>;
    /// Sends a self-reviewed draft to joint review (会审).
    async fn fc_request_joint(&self, actor: &crate::Actor, id: i64, note: &str) -> crate::Result<Draft>;
    /// 区市场监管局's opinion on the pending joint review.
    async fn fc_joint_opinion(
        &self,
        actor: &crate::Actor,
        id: i64,
        result: JointResult,
        opinion: &str,
    ) -> crate::Result<Draft>;
    /// Replaces the draft's document (not after the review concluded).
    async fn fc_set_attachment(&self, actor: &crate::Actor, id: i64, file: &NewFile) -> crate::Result<Draft>;
    /// Records whether a concluded draft was issued.
    async fn fc_record_outcome(
        &self,
        actor: &crate::Actor,
        id: i64,
        outcome: Outcome,
        doc_no: &str,
        issued_on: Option<NaiveDate>,
    ) -> crate::Result<Draft>;
    async fn fc_events(&self, id: i64) -> crate::Result<Vec<DraftEvent>>;

    async fn fc_cleanup_create(
        &self,
        actor: &crate::Actor,
        title: &str,
        scope: &str,
        deadline_on: NaiveDate,
        departments: &[i64],
    ) -> crate::Result<Cleanup>;
    async fn fc_cleanups(&self) -> crate::Result<Vec<Cleanup>>;
    async fn fc_cleanup_get(&self, id: i64) -> crate::Result<Cleanup>;
    async fn fc_cleanup_documents(&self, cleanup_id: i64, department_id: Option<i64>)
        -> crate::Result<Vec<CleanupDoc>>;
    /// Records one examined document for a department (before it submits).
    async fn fc_cleanup_record(
        &self,
        actor: &crate::Actor,
        cleanup_id: i64,
        department_id: i64,
        doc: &NewCleanupDoc,
    ) -> crate::Result<CleanupDoc>;
    /// A department reports its clean-up complete.
    async fn fc_cleanup_submit(
        &self,
        actor: &crate::Actor,
        cleanup_id: i64,
        department_id: i64,
        summary: &str,
    ) -> crate::Result<Cleanup>;
    /// Documents amended, repealed or declared invalid by submitted departments (public).
    async fn fc_public_results(&self) -> crate::Result<Vec<CleanupDoc>>;
    /// Outcomes per department for drafts registered and documents recorded in `[from, to]`.
    async fn fc_report(&self, from: NaiveDate, to: NaiveDate) -> crate::Result<Vec<ReportRow>>;
}

/// Checks and trims a file name for display: no path, no control characters.
pub fn clean_file_name(name: &str) -> crate::Result<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().count() > 120 || base.chars().any(char::is_control) {
        return Err(crate::StoreError::Invalid("文件名不能为空、不能含控制字符,最长120字".into()));
    }
    Ok(base.to_string())
}

pub(crate) fn check_text(label: &str, v: &str, max: usize, required: bool) -> crate::Result<()> {
    let n = v.trim().chars().count();
    if required && n == 0 {
        return Err(crate::StoreError::Invalid(format!("{label}不能为空")));
    }
    if n > max {
        return Err(crate::StoreError::Invalid(format!("{label}过长:{n} 字,上限 {max} 字")));
    }
    Ok(())
}

/// Implements [`FairnessStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_fairness_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod fairness_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::fairness::*;
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::fairness::{self as fc, CleanupResult, Conclusion, DraftKind, DraftStatus, Finding, JointResult, Outcome, ReviewInput};

            type Tx<'a> = sqlx::Transaction<'a, $DB>;
            type Conn = <$DB as sqlx::Database>::Connection;

            fn parse<T>(v: Option<T>, what: &str, raw: &str) -> Result<T> {
                v.ok_or_else(|| StoreError::Invalid(format!("数据库中的{what}“{raw}”无法识别")))
            }

            fn draft_row(r: &$Row) -> Result<Draft> {
                let kind: String = r.try_get("kind")?;
                let status: String = r.try_get("status")?;
                let conclusion: Option<String> = r.try_get("conclusion")?;
                let final_conclusion: Option<String> = r.try_get("final_conclusion")?;
                let outcome: Option<String> = r.try_get("outcome")?;
                let sha: Option<String> = r.try_get("attachment_sha256")?;
                Ok(Draft {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    title: r.try_get("title")?,
                    kind: parse(DraftKind::from_code(&kind), "文件类型", &kind)?,
                    summary: r.try_get("summary")?,
                    status: parse(DraftStatus::from_code(&status), "状态", &status)?,
                    standards_version: r.try_get("standards_version")?,
                    conclusion: conclusion.as_deref().and_then(Conclusion::from_code),
                    final_conclusion: final_conclusion.as_deref().and_then(Conclusion::from_code),
                    exception_ground: r.try_get("exception_ground")?,
                    reasoning: r.try_get("reasoning")?,
                    term: r.try_get("term")?,
                    reviewed_at: r.try_get("reviewed_at")?,
                    reviewed_by: r.try_get("reviewed_by")?,
                    concluded_at: r.try_get("concluded_at")?,
                    outcome: outcome.as_deref().and_then(Outcome::from_code),
                    issued_doc_no: r.try_get("issued_doc_no")?,
                    issued_on: r.try_get("issued_on")?,
                    attachment: sha.map(|sha256| -> Result<FileRef> { Ok(FileRef { sha256, name: r.try_get("attachment_name")? }) }).transpose()?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    version: r.try_get("version")?,
                    findings: Vec::new(),
                    joint_reviews: Vec::new(),
                })
            }

            fn joint_row(r: &$Row) -> Result<JointReview> {
                let result: Option<String> = r.try_get("result")?;
                Ok(JointReview {
                    id: r.try_get("id")?,
                    requested_at: r.try_get("requested_at")?,
                    requested_by: r.try_get("requested_by")?,
                    request_note: r.try_get("request_note")?,
                    result: result.as_deref().and_then(JointResult::from_code),
                    opinion: r.try_get("opinion")?,
                    answered_at: r.try_get("answered_at")?,
                    answered_by: r.try_get("answered_by")?,
                })
            }

            fn cleanup_doc_row(r: &$Row) -> Result<CleanupDoc> {
                let result: String = r.try_get("result")?;
                Ok(CleanupDoc {
                    id: r.try_get("id")?,
                    cleanup_id: r.try_get("cleanup_id")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    title: r.try_get("title")?,
                    doc_no: r.try_get("doc_no")?,
                    issued_on: r.try_get("issued_on")?,
                    result: parse(CleanupResult::from_code(&result), "清理结果", &result)?,
                    reason: r.try_get("reason")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            }

            const DRAFT_SELECT: &str = "SELECT f.*, d.name AS department FROM fc_drafts f JOIN departments d ON d.id = f.department_id";

            impl $Store {
                /// Stores a document once per content; returns its hash.
                pub(crate) async fn doc_file_put(tx: &mut Tx<'_>, f: &NewFile) -> Result<String> {
                    if f.content.is_empty() {
                        return Err(StoreError::Invalid("文件为空".into()));
                    }
                    let sha = jianguan_domain::crypto::sha256_hex(&f.content);
                    sqlx::query(
                        "INSERT INTO doc_files (sha256, media_type, bytes, content, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (sha256) DO NOTHING",
                    )
                    .bind(&sha)
                    .bind(&f.media_type)
                    .bind(f.content.len() as i64)
                    .bind(&f.content)
                    .bind(now())
                    .execute(&mut **tx)
                    .await?;
                    Ok(sha)
                }

                async fn fc_draft_tx(conn: &mut Conn, id: i64) -> Result<Draft> {
                    let r = sqlx::query(&format!("{DRAFT_SELECT} WHERE f.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("审查对象 {id} 不存在")))?;
                    let mut d = draft_row(&r)?;
                    let rows = sqlx::query("SELECT * FROM fc_findings WHERE draft_id = $1 ORDER BY standard_code").bind(id).fetch_all(&mut *conn).await?;
                    for r in rows {
                        let f: String = r.try_get("finding")?;
                        d.findings.push(StoredFinding {
                            code: r.try_get("standard_code")?,
                            finding: parse(Finding::from_code(&f), "审查判断", &f)?,
                            note: r.try_get("note")?,
                        });
                    }
                    let rows = sqlx::query("SELECT * FROM fc_joint_reviews WHERE draft_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await?;
                    d.joint_reviews = rows.iter().map(joint_row).collect::<Result<_>>()?;
                    Ok(d)
                }

                async fn fc_event(tx: &mut Tx<'_>, actor: &Actor, id: i64, action: &str, detail: serde_json::Value) -> Result<()> {
                    sqlx::query("INSERT INTO fc_events (draft_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(now())
                        .bind(&actor.name)
                        .bind(action)
                        .bind(detail.to_string())
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                }

                async fn fc_touch(tx: &mut Tx<'_>, id: i64) -> Result<()> {
                    sqlx::query("UPDATE fc_drafts SET version = version + 1, updated_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&mut **tx).await?;
                    Ok(())
                }

                async fn fc_cleanup_tx(conn: &mut Conn, id: i64) -> Result<Cleanup> {
                    let r = sqlx::query("SELECT * FROM fc_cleanups WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("清理任务 {id} 不存在")))?;
                    let targets = sqlx::query(
                        "SELECT t.*, d.name AS department, \
                         (SELECT COUNT(*) FROM fc_cleanup_documents c WHERE c.cleanup_id = t.cleanup_id AND c.department_id = t.department_id) AS documents \
                         FROM fc_cleanup_targets t JOIN departments d ON d.id = t.department_id WHERE t.cleanup_id = $1 ORDER BY d.id",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    Ok(Cleanup {
                        id: r.try_get("id")?,
                        title: r.try_get("title")?,
                        scope: r.try_get("scope")?,
                        deadline_on: r.try_get("deadline_on")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        targets: targets
                            .iter()
                            .map(|t| {
                                Ok(CleanupTarget {
                                    department_id: t.try_get("department_id")?,
                                    department: t.try_get("department")?,
                                    submitted_at: t.try_get("submitted_at")?,
                                    submitted_by: t.try_get("submitted_by")?,
                                    summary: t.try_get("summary")?,
                                    documents: t.try_get("documents")?,
                                })
                            })
                            .collect::<Result<_>>()?,
                    })
                }
            }

            #[async_trait::async_trait]
            impl $crate::fairness::FairnessStore for $Store {
                async fn doc_file(&self, sha256: &str) -> Result<Option<DocFile>> {
                    let r = sqlx::query("SELECT * FROM doc_files WHERE sha256 = $1").bind(sha256).fetch_optional(self.read()).await?;
                    r.map(|r| {
                        Ok(DocFile {
                            sha256: r.try_get("sha256")?,
                            media_type: r.try_get("media_type")?,
                            bytes: r.try_get("bytes")?,
                            content: r.try_get("content")?,
                        })
                    })
                    .transpose()
                }

                async fn fc_draft_create(&self, actor: &Actor, d: &NewDraft) -> Result<Draft> {
                    check_text("标题", &d.title, MAX_TITLE, true)?;
                    check_text("主要内容", &d.summary, MAX_SUMMARY, true)?;
                    let name = d.attachment.as_ref().map(|f| clean_file_name(&f.name)).transpose()?;
                    let version = fc::checklist(&d.standards_version)
                        .ok_or_else(|| StoreError::Invalid(format!("审查标准版本“{}”不存在", d.standards_version)))?
                        .version
                        .clone();
                    let mut tx = self.begin_write().await?;
                    let sha = match &d.attachment {
                        Some(f) => Some(Self::doc_file_put(&mut tx, f).await?),
                        None => None,
                    };
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO fc_drafts (department_id, title, kind, summary, status, standards_version, exception_ground, reasoning, term, \
                         issued_doc_no, attachment_sha256, attachment_name, created_by, created_at, updated_at, version) \
                         VALUES ($1, $2, $3, $4, 'registered', $5, '', '', '', '', $6, $7, $8, $9, $9, 1) RETURNING id",
                    )
                    .bind(d.department_id)
                    .bind(d.title.trim())
                    .bind(d.kind.code())
                    .bind(d.summary.trim())
                    .bind(&version)
                    .bind(&sha)
                    .bind(name.clone().unwrap_or_default())
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    Self::fc_event(&mut tx, actor, id, "register", serde_json::json!({ "title": d.title.trim(), "kind": d.kind.code(), "attachment": sha })).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("fairness.draft_register", format!("fc_draft:{id}"), serde_json::json!({ "department_id": d.department_id, "kind": d.kind.code(), "attachment_sha256": sha })),
                    )
                    .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_draft_get(&self, id: i64) -> Result<Draft> {
                    let mut c = self.read().acquire().await?;
                    Self::fc_draft_tx(&mut c, id).await
                }

                async fn fc_drafts(&self, f: &DraftFilter) -> Result<Vec<Draft>> {
                    let rows = sqlx::query(&format!(
                        "{DRAFT_SELECT} WHERE ($1 IS NULL OR f.department_id = $1) AND ($2 IS NULL OR f.status = $2) ORDER BY f.id DESC LIMIT $3"
                    ))
                    .bind(f.department_id)
                    .bind(f.status.map(|s| s.code()))
                    .bind(if f.limit > 0 { f.limit } else { 500 })
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(draft_row).collect()
                }

                async fn fc_review(&self, actor: &Actor, id: i64, review: &ReviewInput, expected_version: i64) -> Result<Draft> {
                    let violated = fc::check_review(review).map_err(StoreError::Invalid)?;
                    let list = fc::checklist(&review.version).expect("checked");
                    let mut tx = self.begin_write().await?;
                    let d = Self::fc_draft_tx(&mut tx, id).await?;
                    if d.version != expected_version {
                        return Err(StoreError::Conflict(format!("“{}”已被他人修改(当前为第 {} 版),请刷新后重新填写", d.title, d.version)));
                    }
                    if !d.status.can_review() {
                        return Err(StoreError::Conflict(format!("“{}”当前为“{}”,不能修改审查结论", d.title, d.status.label())));
                    }
                    if review.version != d.standards_version {
                        return Err(StoreError::Invalid(format!("本审查适用{}版审查标准,提交的是{}版", d.standards_version, review.version)));
                    }
                    let status = fc::status_after_review(d.kind);
                    let t = now();
                    let ground = review.exception.map(|i| list.exceptions[i].clone()).unwrap_or_default();
                    let concluded = status == DraftStatus::Concluded;
                    sqlx::query(
                        "UPDATE fc_drafts SET status = $1, conclusion = $2, final_conclusion = $3, exception_ground = $4, reasoning = $5, term = $6, \
                         reviewed_at = $7, reviewed_by = $8, concluded_at = $9, version = version + 1, updated_at = $7 WHERE id = $10",
                    )
                    .bind(status.code())
                    .bind(review.conclusion.code())
                    .bind(concluded.then(|| review.conclusion.code()))
                    .bind(&ground)
                    .bind(review.reasoning.trim())
                    .bind(review.term.trim())
                    .bind(t)
                    .bind(&actor.name)
                    .bind(concluded.then_some(t))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM fc_findings WHERE draft_id = $1").bind(id).execute(&mut *tx).await?;
                    for (code, finding) in &review.findings {
                        sqlx::query("INSERT INTO fc_findings (draft_id, standard_code, finding, note) VALUES ($1, $2, $3, $4)")
                            .bind(id)
                            .bind(code)
                            .bind(finding.code())
                            .bind(review.notes.get(code).map(|n| n.trim()).unwrap_or(""))
                            .execute(&mut *tx)
                            .await?;
                    }
                    Self::fc_event(&mut tx, actor, id, "review", serde_json::to_value(review).expect("json")).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "fairness.review",
                            format!("fc_draft:{id}"),
                            serde_json::json!({ "version": review.version, "conclusion": review.conclusion.code(), "violated": violated, "status": status.code() }),
                        ),
                    )
                    .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_request_joint(&self, actor: &Actor, id: i64, note: &str) -> Result<Draft> {
                    check_text("提请说明", note, 2000, false)?;
                    let mut tx = self.begin_write().await?;
                    let d = Self::fc_draft_tx(&mut tx, id).await?;
                    if d.status != DraftStatus::SelfReviewed {
                        return Err(StoreError::Conflict(format!("“{}”当前为“{}”,须先完成初审才能提请会审", d.title, d.status.label())));
                    }
                    let t = now();
                    let jid: i64 = sqlx::query_scalar(
                        "INSERT INTO fc_joint_reviews (draft_id, requested_at, requested_by, request_note, opinion) VALUES ($1, $2, $3, $4, '') RETURNING id",
                    )
                    .bind(id)
                    .bind(t)
                    .bind(&actor.name)
                    .bind(note.trim())
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE fc_drafts SET status = 'joint_pending' WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    Self::fc_touch(&mut tx, id).await?;
                    Self::fc_event(&mut tx, actor, id, "joint_request", serde_json::json!({ "joint_review": jid, "note": note.trim() })).await?;
                    self.append_audit(&mut tx, &actor.event("fairness.joint_request", format!("fc_draft:{id}"), serde_json::json!({ "joint_review": jid })))
                        .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_joint_opinion(&self, actor: &Actor, id: i64, result: JointResult, opinion: &str) -> Result<Draft> {
                    check_text("会审意见", opinion, 5000, true)?;
                    let mut tx = self.begin_write().await?;
                    let d = Self::fc_draft_tx(&mut tx, id).await?;
                    let pending = d.joint_reviews.iter().rev().find(|j| j.answered_at.is_none());
                    let (Some(j), DraftStatus::JointPending) = (pending, d.status) else {
                        return Err(StoreError::Conflict(format!("“{}”没有待出具意见的会审", d.title)));
                    };
                    let own = d.conclusion.ok_or_else(|| StoreError::Conflict("尚无初审结论".into()))?;
                    let (status, fin) = result.outcome(own);
                    let t = now();
                    sqlx::query("UPDATE fc_joint_reviews SET result = $1, opinion = $2, answered_at = $3, answered_by = $4 WHERE id = $5")
                        .bind(result.code())
                        .bind(opinion.trim())
                        .bind(t)
                        .bind(&actor.name)
                        .bind(j.id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE fc_drafts SET status = $1, final_conclusion = $2, concluded_at = $3 WHERE id = $4")
                        .bind(status.code())
                        .bind(fin.map(|c| c.code()))
                        .bind((status == DraftStatus::Concluded).then_some(t))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::fc_touch(&mut tx, id).await?;
                    Self::fc_event(&mut tx, actor, id, "joint_opinion", serde_json::json!({ "result": result.code(), "opinion": opinion.trim() })).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("fairness.joint_opinion", format!("fc_draft:{id}"), serde_json::json!({ "result": result.code(), "status": status.code() })),
                    )
                    .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_set_attachment(&self, actor: &Actor, id: i64, file: &NewFile) -> Result<Draft> {
                    let name = clean_file_name(&file.name)?;
                    let mut tx = self.begin_write().await?;
                    let d = Self::fc_draft_tx(&mut tx, id).await?;
                    if d.status == DraftStatus::Concluded || d.status == DraftStatus::JointPending {
                        return Err(StoreError::Conflict(format!("“{}”当前为“{}”,不能更换文件", d.title, d.status.label())));
                    }
                    let sha = Self::doc_file_put(&mut tx, file).await?;
                    sqlx::query("UPDATE fc_drafts SET attachment_sha256 = $1, attachment_name = $2 WHERE id = $3").bind(&sha).bind(&name).bind(id).execute(&mut *tx).await?;
                    Self::fc_touch(&mut tx, id).await?;
                    Self::fc_event(&mut tx, actor, id, "attachment", serde_json::json!({ "sha256": sha, "name": name, "previous": d.attachment.map(|a| a.sha256) })).await?;
                    self.append_audit(&mut tx, &actor.event("fairness.attachment", format!("fc_draft:{id}"), serde_json::json!({ "sha256": sha, "bytes": file.content.len() })))
                        .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_record_outcome(&self, actor: &Actor, id: i64, outcome: Outcome, doc_no: &str, issued_on: Option<NaiveDate>) -> Result<Draft> {
                    check_text("文号", doc_no, 100, outcome == Outcome::Issued)?;
                    if outcome == Outcome::Issued && issued_on.is_none() {
                        return Err(StoreError::Invalid("已出台的须填写出台日期".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let d = Self::fc_draft_tx(&mut tx, id).await?;
                    let Some(fin) = d.final_conclusion.filter(|_| d.status == DraftStatus::Concluded) else {
                        return Err(StoreError::Conflict(format!("“{}”审查尚未完成,不能登记出台情况", d.title)));
                    };
                    if !outcome.allowed(fin) {
                        return Err(StoreError::Invalid(format!("审查结论为“{}”,不能登记为已出台", fin.label())));
                    }
                    let (doc_no, issued_on) = if outcome == Outcome::Issued { (doc_no.trim(), issued_on) } else { ("", None) };
                    sqlx::query("UPDATE fc_drafts SET outcome = $1, issued_doc_no = $2, issued_on = $3 WHERE id = $4")
                        .bind(outcome.code())
                        .bind(doc_no)
                        .bind(issued_on)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::fc_touch(&mut tx, id).await?;
                    Self::fc_event(&mut tx, actor, id, "outcome", serde_json::json!({ "outcome": outcome.code(), "doc_no": doc_no, "issued_on": issued_on })).await?;
                    self.append_audit(&mut tx, &actor.event("fairness.outcome", format!("fc_draft:{id}"), serde_json::json!({ "outcome": outcome.code(), "doc_no": doc_no })))
                        .await?;
                    let out = Self::fc_draft_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_events(&self, id: i64) -> Result<Vec<DraftEvent>> {
                    let rows = sqlx::query("SELECT * FROM fc_events WHERE draft_id = $1 ORDER BY id").bind(id).fetch_all(self.read()).await?;
                    rows.iter()
                        .map(|r| Ok(DraftEvent { at: r.try_get("at")?, actor: r.try_get("actor")?, action: r.try_get("action")?, detail: r.try_get("detail")? }))
                        .collect()
                }

                async fn fc_cleanup_create(&self, actor: &Actor, title: &str, scope: &str, deadline_on: NaiveDate, departments: &[i64]) -> Result<Cleanup> {
                    check_text("任务名称", title, MAX_TITLE, true)?;
                    check_text("清理范围", scope, 2000, true)?;
                    let mut ids = departments.to_vec();
                    ids.sort_unstable();
                    ids.dedup();
                    if ids.is_empty() {
                        return Err(StoreError::Invalid("请至少选择一个参加清理的部门".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    for d in &ids {
                        let ok: Option<bool> = sqlx::query_scalar("SELECT active FROM departments WHERE id = $1 AND kind = 'department'").bind(d).fetch_optional(&mut *tx).await?;
                        if ok != Some(true) {
                            return Err(StoreError::Invalid(format!("部门 {d} 不存在或已停用")));
                        }
                    }
                    let id: i64 = sqlx::query_scalar("INSERT INTO fc_cleanups (title, scope, deadline_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                        .bind(title.trim())
                        .bind(scope.trim())
                        .bind(deadline_on)
                        .bind(&actor.name)
                        .bind(now())
                        .fetch_one(&mut *tx)
                        .await?;
                    for d in &ids {
                        sqlx::query("INSERT INTO fc_cleanup_targets (cleanup_id, department_id, summary) VALUES ($1, $2, '')").bind(id).bind(d).execute(&mut *tx).await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("fairness.cleanup_create", format!("fc_cleanup:{id}"), serde_json::json!({ "deadline_on": deadline_on, "departments": ids })),
                    )
                    .await?;
                    let out = Self::fc_cleanup_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_cleanups(&self) -> Result<Vec<Cleanup>> {
                    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM fc_cleanups ORDER BY deadline_on DESC, id DESC").fetch_all(self.read()).await?;
                    let mut c = self.read().acquire().await?;
                    let mut out = Vec::new();
                    for id in ids {
                        out.push(Self::fc_cleanup_tx(&mut c, id).await?);
                    }
                    Ok(out)
                }

                async fn fc_cleanup_get(&self, id: i64) -> Result<Cleanup> {
                    let mut c = self.read().acquire().await?;
                    Self::fc_cleanup_tx(&mut c, id).await
                }

                async fn fc_cleanup_documents(&self, cleanup_id: i64, department_id: Option<i64>) -> Result<Vec<CleanupDoc>> {
                    let rows = sqlx::query(
                        "SELECT c.*, d.name AS department FROM fc_cleanup_documents c JOIN departments d ON d.id = c.department_id \
                         WHERE c.cleanup_id = $1 AND ($2 IS NULL OR c.department_id = $2) ORDER BY c.department_id, c.id",
                    )
                    .bind(cleanup_id)
                    .bind(department_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(cleanup_doc_row).collect()
                }

                async fn fc_cleanup_record(&self, actor: &Actor, cleanup_id: i64, department_id: i64, doc: &NewCleanupDoc) -> Result<CleanupDoc> {
                    check_text("文件名称", &doc.title, MAX_TITLE, true)?;
                    check_text("文号", &doc.doc_no, 100, false)?;
                    check_text("清理理由", &doc.reason, 2000, doc.result.needs_reason())?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::fc_cleanup_tx(&mut tx, cleanup_id).await?;
                    let Some(t) = c.targets.iter().find(|t| t.department_id == department_id) else {
                        return Err(StoreError::NotFound(format!("清理任务“{}”不包括本部门", c.title)));
                    };
                    if t.submitted_at.is_some() {
                        return Err(StoreError::Conflict(format!("本部门已报送“{}”的清理结果,不能再添加", c.title)));
                    }
                    let dup: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM fc_cleanup_documents WHERE cleanup_id = $1 AND department_id = $2 AND title = $3 AND doc_no = $4",
                    )
                    .bind(cleanup_id)
                    .bind(department_id)
                    .bind(doc.title.trim())
                    .bind(doc.doc_no.trim())
                    .fetch_one(&mut *tx)
                    .await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("《{}》{} 已登记过", doc.title.trim(), doc.doc_no.trim())));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO fc_cleanup_documents (cleanup_id, department_id, title, doc_no, issued_on, result, reason, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(cleanup_id)
                    .bind(department_id)
                    .bind(doc.title.trim())
                    .bind(doc.doc_no.trim())
                    .bind(doc.issued_on)
                    .bind(doc.result.code())
                    .bind(doc.reason.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("fairness.cleanup_record", format!("fc_cleanup:{cleanup_id}"), serde_json::json!({ "document": id, "department_id": department_id, "result": doc.result.code() })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT c.*, d.name AS department FROM fc_cleanup_documents c JOIN departments d ON d.id = c.department_id WHERE c.id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let out = cleanup_doc_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_cleanup_submit(&self, actor: &Actor, cleanup_id: i64, department_id: i64, summary: &str) -> Result<Cleanup> {
                    check_text("清理情况说明", summary, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::fc_cleanup_tx(&mut tx, cleanup_id).await?;
                    let Some(t) = c.targets.iter().find(|t| t.department_id == department_id) else {
                        return Err(StoreError::NotFound(format!("清理任务“{}”不包括本部门", c.title)));
                    };
                    if t.submitted_at.is_some() {
                        return Err(StoreError::Conflict(format!("本部门已报送“{}”的清理结果", c.title)));
                    }
                    sqlx::query("UPDATE fc_cleanup_targets SET submitted_at = $1, submitted_by = $2, summary = $3 WHERE cleanup_id = $4 AND department_id = $5")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(summary.trim())
                        .bind(cleanup_id)
                        .bind(department_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("fairness.cleanup_submit", format!("fc_cleanup:{cleanup_id}"), serde_json::json!({ "department_id": department_id, "documents": t.documents })),
                    )
                    .await?;
                    let out = Self::fc_cleanup_tx(&mut tx, cleanup_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn fc_public_results(&self) -> Result<Vec<CleanupDoc>> {
                    let rows = sqlx::query(
                        "SELECT c.*, d.name AS department FROM fc_cleanup_documents c JOIN departments d ON d.id = c.department_id \
                         JOIN fc_cleanup_targets t ON t.cleanup_id = c.cleanup_id AND t.department_id = c.department_id \
                         WHERE t.submitted_at IS NOT NULL AND c.result <> 'retain' ORDER BY c.cleanup_id DESC, c.department_id, c.id",
                    )
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(cleanup_doc_row).collect()
                }

                async fn fc_report(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<ReportRow>> {
                    use std::collections::BTreeMap;
                    let (start, end) = (
                        from.and_hms_opt(0, 0, 0).expect("time").and_utc() - chrono::Duration::hours(8),
                        to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).expect("time").and_utc() - chrono::Duration::hours(8),
                    );
                    let mut rows: BTreeMap<i64, ReportRow> = BTreeMap::new();
                    let drafts = sqlx::query(&format!("{DRAFT_SELECT} WHERE f.created_at >= $1 AND f.created_at < $2"))
                        .bind(start)
                        .bind(end)
                        .fetch_all(self.read())
                        .await?;
                    for r in &drafts {
                        let d = draft_row(r)?;
                        let row = rows.entry(d.department_id).or_insert_with(|| ReportRow { department_id: d.department_id, department: d.department.clone(), ..Default::default() });
                        row.registered += 1;
                        if d.status == DraftStatus::Concluded {
                            row.concluded += 1;
                            match d.final_conclusion {
                                Some(Conclusion::MayIssue) => row.may_issue += 1,
                                Some(Conclusion::IssueUnderException) => row.exception += 1,
                                Some(Conclusion::AdjustThenIssue) => row.adjust += 1,
                                Some(Conclusion::DoNotIssue) => row.do_not_issue += 1,
                                None => {}
                            }
                        }
                        if d.outcome == Some(Outcome::Issued) {
                            row.issued += 1;
                        }
                    }
                    let joint = sqlx::query(
                        "SELECT f.department_id, d.name AS department, COUNT(*) AS n FROM fc_joint_reviews j JOIN fc_drafts f ON f.id = j.draft_id \
                         JOIN departments d ON d.id = f.department_id WHERE j.requested_at >= $1 AND j.requested_at < $2 GROUP BY f.department_id, d.name",
                    )
                    .bind(start)
                    .bind(end)
                    .fetch_all(self.read())
                    .await?;
                    for r in &joint {
                        let id: i64 = r.try_get("department_id")?;
                        let row = rows.entry(id).or_insert_with(|| ReportRow { department_id: id, department: r.try_get("department").unwrap_or_default(), ..Default::default() });
                        row.joint_reviews = r.try_get("n")?;
                    }
                    let docs = sqlx::query(
                        "SELECT c.department_id, d.name AS department, c.result, COUNT(*) AS n FROM fc_cleanup_documents c JOIN departments d ON d.id = c.department_id \
                         WHERE c.recorded_at >= $1 AND c.recorded_at < $2 GROUP BY c.department_id, d.name, c.result",
                    )
                    .bind(start)
                    .bind(end)
                    .fetch_all(self.read())
                    .await?;
                    for r in &docs {
                        let id: i64 = r.try_get("department_id")?;
                        let n: i64 = r.try_get("n")?;
                        let result: String = r.try_get("result")?;
                        let row = rows.entry(id).or_insert_with(|| ReportRow { department_id: id, department: r.try_get("department").unwrap_or_default(), ..Default::default() });
                        match CleanupResult::from_code(&result) {
                            Some(CleanupResult::Retain) => row.cleanup_retain += n,
                            Some(CleanupResult::Amend) => row.cleanup_amend += n,
                            Some(CleanupResult::Repeal) => row.cleanup_repeal += n,
                            Some(CleanupResult::Expire) => row.cleanup_expire += n,
                            None => {}
                        }
                    }
                    Ok(rows.into_values().collect())
                }
            }
        }
    };
}
