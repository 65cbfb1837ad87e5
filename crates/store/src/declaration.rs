//! Enterprise self-declarations, service-quality commitments and annual-report status
//! (附件2 第3、9项); and the one-time application codes (申报码) with which entities,
//! who have no accounts, submit on the public site.
//!
//! A code is stored only as its hash (bound to purpose and uscc, see
//! [`jianguan_domain::declaration::code_hash`]). It is consumed in the same transaction
//! as the submission it authorises, so a rejected submission leaves the code unused and
//! an accepted one cannot be replayed. Every failed attempt is recorded (with its audit
//! entry) for the failure limit per address and per entity.

use crate::fairness::{FileRef, NewFile};
use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::declaration::{CodePurpose, DeclarationInput, DeclarationKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessCode {
    pub purpose: CodePurpose,
    pub uscc: String,
    pub department_id: i64,
    pub code_hash: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessCode {
    pub id: i64,
    pub purpose: CodePurpose,
    pub uscc: String,
    pub entity_name: String,
    pub department_id: i64,
    pub department: String,
    pub issued_by: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    /// What the code was used for (`declaration:12`).
    pub used_for: String,
    pub revoked_at: Option<Timestamp>,
}

/// An attempt to use a code on the public site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUse {
    pub purpose: CodePurpose,
    pub uscc: String,
    pub code_hash: String,
    /// The caller's address (for the failure limit).
    pub ip: String,
}

/// How a submission is authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// By the entity, with an application code.
    Code(CodeUse),
    /// Entered by staff of this department on the entity's behalf (代录).
    Staff { department_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    #[serde(flatten)]
    pub input: DeclarationInput,
    pub attachment: Option<FileRef>,
    /// `code` or `staff`.
    pub via: String,
    pub department_id: i64,
    pub department: String,
    pub created_by: String,
    /// `published` or `withdrawn`.
    pub status: String,
    pub published_at: Timestamp,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_by: Option<String>,
    pub withdraw_reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeclarationFilter {
    pub uscc: Option<String>,
    pub department_id: Option<i64>,
    pub kind: Option<DeclarationKind>,
    /// Substring of the entity name, the subject, the title or the standard number.
    pub q: Option<String>,
    pub published_only: bool,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReport {
    pub uscc: String,
    pub year: i32,
    pub filed_on: NaiveDate,
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// An entity without the report for a year whose window has closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueEntity {
    pub uscc: String,
    pub name: String,
    pub registered_on: Option<NaiveDate>,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualSummary {
    pub year: i32,
    /// Active entities registered by the end of the year (the ones that must report).
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
}

/// The answer to any unusable code: it does not say which check failed, nor whether the
/// entity is registered.
pub const BAD_CODE: &str = "统一社会信用代码与申报码不匹配,或申报码已使用、已过期、已作废";

/// Entity statuses that must file annual reports.
pub const ACTIVE_STATUSES: &[&str] = &["存续", "在业"];

#[async_trait]
pub trait DeclarationStore: Send + Sync {
    /// Issues a code to a registered entity (only the hash is stored).
    async fn access_code_issue(&self, actor: &crate::Actor, c: &NewAccessCode) -> crate::Result<AccessCode>;
    /// Codes issued by a department, newest first.
    async fn access_codes(&self, department_id: i64, limit: i64) -> crate::Result<Vec<AccessCode>>;
    async fn access_code_revoke(&self, actor: &crate::Actor, id: i64, department_id: i64) -> crate::Result<AccessCode>;
    /// Failed attempts since `since`: `(from this address, for this entity)`.
    async fn code_failures(&self, ip: &str, uscc: &str, since: Timestamp) -> crate::Result<(i64, i64)>;

    /// Publishes a declaration; with [`Via::Code`] the code is consumed in the same
    /// transaction (a bad code is recorded as a failure and answered `Invalid`).
    async fn declaration_submit(
        &self,
        actor: &crate::Actor,
        uscc: &str,
        input: &DeclarationInput,
        attachment: Option<&NewFile>,
        via: &Via,
    ) -> crate::Result<Declaration>;
    async fn declaration_get(&self, id: i64) -> crate::Result<Declaration>;
    async fn declarations(&self, filter: &DeclarationFilter) -> crate::Result<Vec<Declaration>>;
    /// Withdraws a published declaration (the record stays, marked withdrawn).
    async fn declaration_withdraw(&self, actor: &crate::Actor, id: i64, reason: &str) -> crate::Result<Declaration>;

    /// Records that an entity filed its report for `year` on `filed_on`.
    async fn annual_report_record(
        &self,
        actor: &crate::Actor,
        uscc: &str,
        year: i32,
        filed_on: NaiveDate,
        source: &str,
    ) -> crate::Result<AnnualReport>;
    /// Records many filings, all or nothing (a row already recorded with the same date
    /// is skipped; with another date it is refused). Returns the rows written.
    async fn annual_reports_import(
        &self,
        actor: &crate::Actor,
        rows: &[(String, i32, NaiveDate)],
        source: &str,
    ) -> crate::Result<i64>;
    async fn annual_reports_of(&self, uscc: &str) -> crate::Result<Vec<AnnualReport>>;
    /// Active entities registered by the end of `year` without a report for it.
    async fn annual_overdue(&self, year: i32, limit: i64, offset: i64) -> crate::Result<(Vec<OverdueEntity>, i64)>;
    async fn annual_summary(&self, year: i32) -> crate::Result<AnnualSummary>;
}

/// Implements [`DeclarationStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_declaration_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod declaration_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::declaration::*;
            use $crate::fairness::{check_text, clean_file_name, FileRef, NewFile};
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::declaration::{self as decl, CodePurpose, DeclarationInput, DeclarationKind};

            type Conn = <$DB as sqlx::Database>::Connection;

            const CODE_SELECT: &str = "SELECT c.*, e.name AS entity_name, d.name AS department FROM access_codes c \
                JOIN entities e ON e.uscc = c.uscc JOIN departments d ON d.id = c.department_id";
            const DECL_SELECT: &str = "SELECT x.*, d.name AS department FROM declarations x JOIN departments d ON d.id = x.department_id";

            fn code_row(r: &$Row) -> Result<AccessCode> {
                let purpose: String = r.try_get("purpose")?;
                Ok(AccessCode {
                    id: r.try_get("id")?,
                    purpose: CodePurpose::from_code(&purpose).ok_or_else(|| StoreError::Invalid(format!("申报码用途“{purpose}”无法识别")))?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    issued_by: r.try_get("issued_by")?,
                    issued_at: r.try_get("issued_at")?,
                    expires_at: r.try_get("expires_at")?,
                    used_at: r.try_get("used_at")?,
                    used_for: r.try_get("used_for")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            }

            fn decl_row(r: &$Row) -> Result<Declaration> {
                let kind: String = r.try_get("kind")?;
                let sha: Option<String> = r.try_get("attachment_sha256")?;
                Ok(Declaration {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    input: DeclarationInput {
                        kind: DeclarationKind::from_code(&kind).ok_or_else(|| StoreError::Invalid(format!("声明类型“{kind}”无法识别")))?,
                        subject: r.try_get("subject")?,
                        standard_no: r.try_get("standard_no")?,
                        title: r.try_get("title")?,
                        content: r.try_get("content")?,
                    },
                    attachment: sha.map(|sha256| -> Result<FileRef> { Ok(FileRef { sha256, name: r.try_get("attachment_name")? }) }).transpose()?,
                    via: r.try_get("via")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    created_by: r.try_get("created_by")?,
                    status: r.try_get("status")?,
                    published_at: r.try_get("published_at")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_by: r.try_get("withdrawn_by")?,
                    withdraw_reason: r.try_get("withdraw_reason")?,
                })
            }

            fn report_row(r: &$Row) -> Result<AnnualReport> {
                Ok(AnnualReport {
                    uscc: r.try_get("uscc")?,
                    year: r.try_get::<i64, _>("year")? as i32,
                    filed_on: r.try_get("filed_on")?,
                    source: r.try_get("source")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            }

            impl $Store {
                /// The registered entity's name, or not found.
                pub(crate) async fn entity_name_conn(conn: &mut Conn, uscc: &str) -> Result<String> {
                    sqlx::query_scalar("SELECT name FROM entities WHERE uscc = $1")
                        .bind(uscc)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("检查对象名录库中没有统一社会信用代码为 {uscc} 的市场主体")))
                }

                /// Consumes a code inside the caller's transaction: returns the issuing
                /// department, or `Invalid` when the code cannot be used.
                pub(crate) async fn consume_access_code(conn: &mut Conn, u: &CodeUse, used_for: &str) -> Result<i64> {
                    let r = sqlx::query("SELECT id, department_id, expires_at, used_at, revoked_at FROM access_codes WHERE code_hash = $1 AND purpose = $2 AND uscc = $3")
                        .bind(&u.code_hash)
                        .bind(u.purpose.code())
                        .bind(&u.uscc)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let Some(r) = r else { return Err(StoreError::Invalid(BAD_CODE.into())) };
                    let expires: Timestamp = r.try_get("expires_at")?;
                    let used: Option<Timestamp> = r.try_get("used_at")?;
                    let revoked: Option<Timestamp> = r.try_get("revoked_at")?;
                    if used.is_some() || revoked.is_some() || expires < now() {
                        return Err(StoreError::Invalid(BAD_CODE.into()));
                    }
                    let id: i64 = r.try_get("id")?;
                    // Guarded update: of two concurrent uses only one finds the code unused.
                    let n = sqlx::query("UPDATE access_codes SET used_at = $1, used_for = $2 WHERE id = $3 AND used_at IS NULL")
                        .bind(now())
                        .bind(used_for)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Invalid(BAD_CODE.into()));
                    }
                    Ok(r.try_get("department_id")?)
                }

                /// Records a failed code attempt with its audit entry (own transaction).
                pub(crate) async fn record_code_failure(&self, u: &CodeUse) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("INSERT INTO access_code_failures (ip, uscc, purpose, at) VALUES ($1, $2, $3, $4)")
                        .bind(&u.ip)
                        .bind(&u.uscc)
                        .bind(u.purpose.code())
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &Actor::public().event("public.code_rejected", format!("entity:{}", u.uscc), serde_json::json!({ "purpose": u.purpose.code(), "ip": u.ip })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn decl_conn(conn: &mut Conn, id: i64) -> Result<Declaration> {
                    let r = sqlx::query(&format!("{DECL_SELECT} WHERE x.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("声明 {id} 不存在")))?;
                    decl_row(&r)
                }

                async fn decl_submit_tx(&self, actor: &Actor, uscc: &str, input: &DeclarationInput, attachment: Option<&NewFile>, via: &Via) -> Result<Declaration> {
                    let name = attachment.map(|f| clean_file_name(&f.name)).transpose()?;
                    let mut tx = self.begin_write().await?;
                    let entity_name = Self::entity_name_conn(&mut tx, uscc).await?;
                    let sha = match attachment {
                        Some(f) => Some(Self::doc_file_put(&mut tx, f).await?),
                        None => None,
                    };
                    let (via_code, department_id, created_by) = match via {
                        Via::Staff { department_id } => ("staff", *department_id, actor.name.clone()),
                        Via::Code(u) => ("code", Self::consume_access_code(&mut tx, u, "declaration").await?, "市场主体(申报码)".to_string()),
                    };
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO declarations (uscc, entity_name, kind, subject, standard_no, title, content, attachment_sha256, attachment_name, via, department_id, \
                         created_by, status, published_at, withdraw_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'published', $13, '') RETURNING id",
                    )
                    .bind(uscc)
                    .bind(&entity_name)
                    .bind(input.kind.code())
                    .bind(input.subject.trim())
                    .bind(input.standard_no.trim())
                    .bind(input.title.trim())
                    .bind(input.content.trim())
                    .bind(&sha)
                    .bind(name.unwrap_or_default())
                    .bind(via_code)
                    .bind(department_id)
                    .bind(&created_by)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    if let Via::Code(u) = via {
                        sqlx::query("UPDATE access_codes SET used_for = $1 WHERE code_hash = $2")
                            .bind(format!("declaration:{id}"))
                            .bind(&u.code_hash)
                            .execute(&mut *tx)
                            .await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "declaration.publish",
                            format!("declaration:{id}"),
                            serde_json::json!({ "uscc": uscc, "kind": input.kind.code(), "via": via_code, "department_id": department_id, "attachment_sha256": sha }),
                        ),
                    )
                    .await?;
                    let out = Self::decl_conn(&mut tx, id).await?;
                    Self::search_index_tx(&mut tx, &declaration_doc(&out)).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            }

            /// A published declaration as the public search indexes it.
            fn declaration_doc(d: &Declaration) -> $crate::publicity::SearchDoc {
                $crate::publicity::SearchDoc {
                    doc_key: format!("declaration:{}", d.id),
                    kind: "declaration".into(),
                    title: format!("{}:{}", d.entity_name, d.input.title),
                    section: d.input.kind.label().into(),
                    url: format!("/public/declarations/{}", d.id),
                    published_on: $crate::publicity::cst_date(d.published_at),
                    body: format!("{}\n{}\n{}\n{}", d.input.subject, d.input.standard_no, d.input.content, d.uscc),
                }
            }

            #[async_trait::async_trait]
            impl $crate::declaration::DeclarationStore for $Store {
                async fn access_code_issue(&self, actor: &Actor, c: &NewAccessCode) -> Result<AccessCode> {
                    if c.code_hash.len() != 64 {
                        return Err(StoreError::Invalid("申报码摘要格式错误".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    Self::entity_name_conn(&mut tx, &c.uscc).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO access_codes (purpose, uscc, code_hash, department_id, issued_by, issued_at, expires_at, used_for) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, '') RETURNING id",
                    )
                    .bind(c.purpose.code())
                    .bind(&c.uscc)
                    .bind(&c.code_hash)
                    .bind(c.department_id)
                    .bind(&actor.name)
                    .bind(now())
                    .bind(c.expires_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("access_code.issue", format!("access_code:{id}"), serde_json::json!({ "purpose": c.purpose.code(), "uscc": c.uscc, "expires_at": c.expires_at })),
                    )
                    .await?;
                    let r = sqlx::query(&format!("{CODE_SELECT} WHERE c.id = $1")).bind(id).fetch_one(&mut *tx).await?;
                    let out = code_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn access_codes(&self, department_id: i64, limit: i64) -> Result<Vec<AccessCode>> {
                    let rows = sqlx::query(&format!("{CODE_SELECT} WHERE c.department_id = $1 ORDER BY c.id DESC LIMIT $2"))
                        .bind(department_id)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(code_row).collect()
                }

                async fn access_code_revoke(&self, actor: &Actor, id: i64, department_id: i64) -> Result<AccessCode> {
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query(&format!("{CODE_SELECT} WHERE c.id = $1 AND c.department_id = $2"))
                        .bind(id)
                        .bind(department_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("本部门没有编号为 {id} 的申报码")))?;
                    let c = code_row(&r)?;
                    if c.used_at.is_some() || c.revoked_at.is_some() {
                        return Err(StoreError::Conflict("该申报码已使用或已作废".into()));
                    }
                    sqlx::query("UPDATE access_codes SET revoked_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("access_code.revoke", format!("access_code:{id}"), serde_json::json!({ "uscc": c.uscc })))
                        .await?;
                    let r = sqlx::query(&format!("{CODE_SELECT} WHERE c.id = $1")).bind(id).fetch_one(&mut *tx).await?;
                    let out = code_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn code_failures(&self, ip: &str, uscc: &str, since: Timestamp) -> Result<(i64, i64)> {
                    let by_ip: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_code_failures WHERE ip = $1 AND at >= $2").bind(ip).bind(since).fetch_one(self.read()).await?;
                    let by_uscc: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_code_failures WHERE uscc = $1 AND at >= $2").bind(uscc).bind(since).fetch_one(self.read()).await?;
                    Ok((by_ip, by_uscc))
                }

                async fn declaration_submit(&self, actor: &Actor, uscc: &str, input: &DeclarationInput, attachment: Option<&NewFile>, via: &Via) -> Result<Declaration> {
                    decl::check_declaration(input).map_err(StoreError::Invalid)?;
                    match self.decl_submit_tx(actor, uscc, input, attachment, via).await {
                        Err(StoreError::Invalid(m)) if m == BAD_CODE => {
                            if let Via::Code(u) = via {
                                self.record_code_failure(u).await?;
                            }
                            Err(StoreError::Invalid(m))
                        }
                        Err(StoreError::NotFound(_)) if matches!(via, Via::Code(_)) => {
                            // Same answer as a bad code: the public form does not reveal
                            // which entities are registered.
                            if let Via::Code(u) = via {
                                self.record_code_failure(u).await?;
                            }
                            Err(StoreError::Invalid(BAD_CODE.into()))
                        }
                        other => other,
                    }
                }

                async fn declaration_get(&self, id: i64) -> Result<Declaration> {
                    let mut c = self.read().acquire().await?;
                    Self::decl_conn(&mut c, id).await
                }

                async fn declarations(&self, f: &DeclarationFilter) -> Result<Vec<Declaration>> {
                    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| format!("%{}%", $crate::registry::like_escape(q)));
                    let rows = sqlx::query(&format!(
                        "{DECL_SELECT} WHERE ($1 IS NULL OR x.uscc = $1) AND ($2 IS NULL OR x.department_id = $2) AND ($3 IS NULL OR x.kind = $3) \
                         AND ($4 IS NULL OR x.entity_name LIKE $4 ESCAPE '\\' OR x.subject LIKE $4 ESCAPE '\\' OR x.title LIKE $4 ESCAPE '\\' OR x.standard_no LIKE $4 ESCAPE '\\') \
                         AND ($5 = FALSE OR x.status = 'published') ORDER BY x.id DESC LIMIT $6"
                    ))
                    .bind(f.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()))
                    .bind(f.department_id)
                    .bind(f.kind.map(|k| k.code()))
                    .bind(&q)
                    .bind(f.published_only)
                    .bind(if f.limit > 0 { f.limit.min(1000) } else { 200 })
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(decl_row).collect()
                }

                async fn declaration_withdraw(&self, actor: &Actor, id: i64, reason: &str) -> Result<Declaration> {
                    check_text("撤下理由", reason, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let d = Self::decl_conn(&mut tx, id).await?;
                    if d.status != "published" {
                        return Err(StoreError::Conflict("该声明已撤下".into()));
                    }
                    sqlx::query("UPDATE declarations SET status = 'withdrawn', withdrawn_at = $1, withdrawn_by = $2, withdraw_reason = $3 WHERE id = $4")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(reason.trim())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("declaration.withdraw", format!("declaration:{id}"), serde_json::json!({ "uscc": d.uscc })))
                        .await?;
                    Self::search_unindex_tx(&mut tx, &format!("declaration:{id}")).await?;
                    let out = Self::decl_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn annual_report_record(&self, actor: &Actor, uscc: &str, year: i32, filed_on: NaiveDate, source: &str) -> Result<AnnualReport> {
                    check_text("来源", source, 100, true)?;
                    let mut tx = self.begin_write().await?;
                    Self::entity_name_conn(&mut tx, uscc).await?;
                    let existing: Option<NaiveDate> = sqlx::query_scalar("SELECT filed_on FROM annual_reports WHERE uscc = $1 AND year = $2")
                        .bind(uscc)
                        .bind(year as i64)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(on) = existing {
                        return Err(StoreError::Conflict(format!("{uscc} 的 {year} 年度年报已登记(报送日期 {on})")));
                    }
                    sqlx::query("INSERT INTO annual_reports (uscc, year, filed_on, source, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(uscc)
                        .bind(year as i64)
                        .bind(filed_on)
                        .bind(source.trim())
                        .bind(&actor.name)
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("annual_report.record", format!("entity:{uscc}"), serde_json::json!({ "year": year, "filed_on": filed_on, "source": source.trim() })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM annual_reports WHERE uscc = $1 AND year = $2").bind(uscc).bind(year as i64).fetch_one(&mut *tx).await?;
                    let out = report_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn annual_reports_import(&self, actor: &Actor, rows: &[(String, i32, NaiveDate)], source: &str) -> Result<i64> {
                    check_text("来源", source, 100, true)?;
                    if rows.is_empty() {
                        return Err(StoreError::Invalid("没有要登记的年报记录".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let mut written = 0i64;
                    let t = now();
                    for (i, (uscc, year, filed_on)) in rows.iter().enumerate() {
                        let line = i + 1;
                        Self::entity_name_conn(&mut tx, uscc).await.map_err(|e| StoreError::Invalid(format!("第 {line} 条:{e}")))?;
                        let existing: Option<NaiveDate> = sqlx::query_scalar("SELECT filed_on FROM annual_reports WHERE uscc = $1 AND year = $2")
                            .bind(uscc)
                            .bind(*year as i64)
                            .fetch_optional(&mut *tx)
                            .await?;
                        match existing {
                            Some(on) if on == *filed_on => continue,
                            Some(on) => {
                                return Err(StoreError::Conflict(format!("第 {line} 条:{uscc} 的 {year} 年度年报已登记为 {on},与 {filed_on} 不一致")));
                            }
                            None => {}
                        }
                        sqlx::query("INSERT INTO annual_reports (uscc, year, filed_on, source, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(uscc)
                            .bind(*year as i64)
                            .bind(filed_on)
                            .bind(source.trim())
                            .bind(&actor.name)
                            .bind(t)
                            .execute(&mut *tx)
                            .await?;
                        written += 1;
                    }
                    self.append_audit(&mut tx, &actor.event("annual_report.import", "annual_reports", serde_json::json!({ "rows": rows.len(), "written": written, "source": source.trim() })))
                        .await?;
                    tx.commit().await?;
                    Ok(written)
                }

                async fn annual_reports_of(&self, uscc: &str) -> Result<Vec<AnnualReport>> {
                    let rows = sqlx::query("SELECT * FROM annual_reports WHERE uscc = $1 ORDER BY year DESC").bind(uscc).fetch_all(self.read()).await?;
                    rows.iter().map(report_row).collect()
                }

                async fn annual_overdue(&self, year: i32, limit: i64, offset: i64) -> Result<(Vec<OverdueEntity>, i64)> {
                    let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| StoreError::Invalid(format!("年度 {year} 不正确")))?;
                    const WHERE: &str = "FROM entities e WHERE e.status IN ('存续', '在业') AND (e.registered_on IS NULL OR e.registered_on <= $1) \
                         AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.uscc = e.uscc AND a.year = $2)";
                    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {WHERE}")).bind(end).bind(year as i64).fetch_one(self.read()).await?;
                    let rows = sqlx::query(&format!("SELECT e.uscc, e.name, e.registered_on, e.status {WHERE} ORDER BY e.uscc LIMIT $3 OFFSET $4"))
                        .bind(end)
                        .bind(year as i64)
                        .bind(limit.clamp(1, 10_000))
                        .bind(offset.max(0))
                        .fetch_all(self.read())
                        .await?;
                    let out = rows
                        .iter()
                        .map(|r| Ok(OverdueEntity { uscc: r.try_get("uscc")?, name: r.try_get("name")?, registered_on: r.try_get("registered_on")?, status: r.try_get("status")? }))
                        .collect::<Result<_>>()?;
                    Ok((out, total))
                }

                async fn annual_summary(&self, year: i32) -> Result<AnnualSummary> {
                    let end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| StoreError::Invalid(format!("年度 {year} 不正确")))?;
                    let (_, window_end) = decl::annual_window(year);
                    let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entities e WHERE e.status IN ('存续', '在业') AND (e.registered_on IS NULL OR e.registered_on <= $1)")
                        .bind(end)
                        .fetch_one(self.read())
                        .await?;
                    let on_time: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM annual_reports WHERE year = $1 AND filed_on <= $2")
                        .bind(year as i64)
                        .bind(window_end)
                        .fetch_one(self.read())
                        .await?;
                    let late: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM annual_reports WHERE year = $1 AND filed_on > $2")
                        .bind(year as i64)
                        .bind(window_end)
                        .fetch_one(self.read())
                        .await?;
                    let (_, missing) = self.annual_overdue(year, 1, 0).await?;
                    Ok(AnnualSummary { year, due, on_time, late, missing })
                }
            }
        }
    };
}
