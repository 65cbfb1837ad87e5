//! Enterprise liaisons (企业联络员制度): registered liaisons, notices and replies.
//!
//! * Market entities have no accounts. A department issues a one-time application code
//!   to an entity ([`LiaisonStore::liaison_code_issue`]); only the code's hash is stored.
//!   The entity registers its liaison on the public site with it; the code is consumed
//!   in the same transaction that writes the liaison, so it works once.
//! * The liaison's name and phone are personal data: the caller passes them SM4-sealed
//!   with their masked forms; the store never sees them in clear and the audit trail
//!   only gets the masked forms.
//! * A liaison is visible to the department that issued the registration code and to
//!   every department supervising the entity (`entity_departments`); to nobody else.
//! * A notice goes to the visible active liaisons chosen by industry code prefix or tag;
//!   each recipient gets its own one-time reply code.

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::liaison::Purpose;
use serde::{Deserialize, Serialize};

/// A valid application code, as looked up by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeInfo {
    pub id: i64,
    pub purpose: String,
    pub uscc: String,
    pub entity_name: String,
    pub department_id: i64,
    pub notice_id: Option<i64>,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// A liaison's data as stored: personal fields sealed by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLiaison {
    #[serde(skip_serializing)]
    pub name_sealed: String,
    pub name_masked: String,
    #[serde(skip_serializing)]
    pub phone_sealed: String,
    pub phone_masked: String,
    pub position: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Liaison {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub industry: String,
    pub industry_name: String,
    pub department_id: i64,
    #[serde(skip_serializing)]
    pub name_sealed: String,
    pub name_masked: String,
    #[serde(skip_serializing)]
    pub phone_sealed: String,
    pub phone_masked: String,
    pub position: String,
    pub status: String,
    pub registered_at: Timestamp,
}

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    /// `all`, `industry` (code prefix) or `tag`.
    pub target_kind: String,
    pub target_value: String,
    pub reply_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    pub department_id: i64,
    pub title: String,
    pub body: String,
    pub target_kind: String,
    pub target_value: String,
    pub reply_by: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub recipients: i64,
    pub replied: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub id: i64,
    pub notice_id: i64,
    pub liaison_id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub liaison_masked: String,
    pub replied_at: Option<Timestamp>,
    pub reply: String,
    pub feedback: String,
}

/// A sent notice and the reply codes of its recipients, in clear this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentNotice {
    pub notice: Notice,
    /// `(uscc, entity name, reply code)`.
    pub codes: Vec<(String, String, String)>,
}

/// Makes a fresh code: `(clear text, stored hash)`.
pub type MakeCode<'a> = &'a (dyn Fn() -> (String, String) + Send + Sync);

#[async_trait]
pub trait LiaisonStore: Send + Sync {
    /// Issues a registration code for an entity of the registry.
    async fn liaison_code_issue(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        uscc: &str,
        code_hash: &str,
        expires_at: Timestamp,
    ) -> crate::Result<CodeInfo>;
    /// A code that can still be used (not used, not expired), by hash.
    async fn liaison_code_lookup(&self, code_hash: &str, purpose: Purpose) -> crate::Result<Option<CodeInfo>>;
    /// Records a failed code entry from a (hashed) address, audited.
    async fn liaison_code_failure(&self, ip_hash: &str, purpose: Purpose) -> crate::Result<()>;
    /// Failed entries from an address since `since`.
    async fn liaison_code_failures(&self, ip_hash: &str, since: Timestamp) -> crate::Result<i64>;
    /// Deletes failed-entry records older than `before` (past the rate-limit window).
    async fn liaison_code_failures_prune(&self, before: Timestamp) -> crate::Result<u64>;
    /// Registers (or replaces) the entity's liaison with a registration code, consuming it.
    async fn liaison_register(&self, code_hash: &str, liaison: &NewLiaison) -> crate::Result<Liaison>;
    /// Active liaisons visible to a department, optionally only those matching a target.
    async fn liaison_list(
        &self,
        department_id: i64,
        target_kind: &str,
        target_value: &str,
    ) -> crate::Result<Vec<Liaison>>;
    /// One liaison if the department may see it (else `NotFound`).
    async fn liaison_get(&self, department_id: i64, id: i64) -> crate::Result<Liaison>;
    /// Sends a notice to the matching visible liaisons with one reply code each.
    async fn notice_send(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &NoticeInput,
        make_code: MakeCode<'_>,
    ) -> crate::Result<SentNotice>;
    async fn notice_list(&self, department_id: i64) -> crate::Result<Vec<Notice>>;
    async fn notice_get(&self, id: i64) -> crate::Result<(Notice, Vec<Recipient>)>;
    /// The notice and recipient a valid reply code belongs to.
    async fn notice_for_code(&self, code_hash: &str) -> crate::Result<Option<(Notice, Recipient)>>;
    /// Records a reply with a reply code, consuming it.
    async fn notice_reply(&self, code_hash: &str, reply: &str, feedback: &str) -> crate::Result<Recipient>;
}

pub(crate) fn check_notice(i: &NoticeInput) -> crate::Result<()> {
    use jianguan_domain::liaison::{MAX_NOTICE_BODY, MAX_NOTICE_TITLE};
    let inv = |m: &str| Err(crate::StoreError::Invalid(m.into()));
    let t = i.title.trim().chars().count();
    if t == 0 || t > MAX_NOTICE_TITLE {
        return inv(&format!("通知标题不能为空,最多 {MAX_NOTICE_TITLE} 字"));
    }
    let b = i.body.trim().chars().count();
    if b == 0 || b > MAX_NOTICE_BODY {
        return inv(&format!("通知内容不能为空,最多 {MAX_NOTICE_BODY} 字"));
    }
    match i.target_kind.as_str() {
        "all" => {}
        "industry" | "tag" if !i.target_value.trim().is_empty() && i.target_value.chars().count() <= 40 => {}
        "industry" | "tag" => return inv("按行业或标签发送时须填写行业代码或标签"),
        _ => return inv("发送范围只能是全部、按行业或按标签"),
    }
    Ok(())
}

/// Implements [`LiaisonStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_liaison_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod liaison_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::liaison::*;
            use $crate::registry::like_escape;
            use $crate::{Result, StoreError};
            use jianguan_domain::liaison::{Purpose, MAX_REPLY};

            type Tx<'a> = sqlx::Transaction<'a, $DB>;

            const LIAISON_SELECT: &str = "SELECT l.*, e.name AS entity_name, e.industry, e.industry_name FROM liaisons l \
                                          JOIN entities e ON e.uscc = l.uscc";
            /// Visible to department `$1`: it issued the registration, or supervises the entity.
            const VISIBLE: &str = "(l.department_id = $1 OR EXISTS (SELECT 1 FROM entity_departments ed \
                                   WHERE ed.uscc = l.uscc AND ed.department_id = $1))";

            fn entity_actor(uscc: &str) -> Actor {
                Actor { name: format!("entity:{uscc}"), role: "entity".into(), account_id: None, department_id: None }
            }

            fn code_row(r: &$Row) -> Result<CodeInfo> {
                Ok(CodeInfo {
                    id: r.try_get("id")?,
                    purpose: r.try_get("purpose")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    department_id: r.try_get("department_id")?,
                    notice_id: r.try_get("notice_id")?,
                    issued_at: r.try_get("issued_at")?,
                    expires_at: r.try_get("expires_at")?,
                    used_at: r.try_get("used_at")?,
                })
            }

            fn liaison_row(r: &$Row) -> Result<Liaison> {
                Ok(Liaison {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    industry: r.try_get("industry")?,
                    industry_name: r.try_get("industry_name")?,
                    department_id: r.try_get("department_id")?,
                    name_sealed: r.try_get("name_sealed")?,
                    name_masked: r.try_get("name_masked")?,
                    phone_sealed: r.try_get("phone_sealed")?,
                    phone_masked: r.try_get("phone_masked")?,
                    position: r.try_get("position")?,
                    status: r.try_get("status")?,
                    registered_at: r.try_get("registered_at")?,
                })
            }

            fn notice_row(r: &$Row) -> Result<Notice> {
                Ok(Notice {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    target_kind: r.try_get("target_kind")?,
                    target_value: r.try_get("target_value")?,
                    reply_by: r.try_get("reply_by")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    recipients: r.try_get("recipients")?,
                    replied: r.try_get("replied")?,
                })
            }

            fn recipient_row(r: &$Row) -> Result<Recipient> {
                Ok(Recipient {
                    id: r.try_get("id")?,
                    notice_id: r.try_get("notice_id")?,
                    liaison_id: r.try_get("liaison_id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    liaison_masked: r.try_get("name_masked")?,
                    replied_at: r.try_get("replied_at")?,
                    reply: r.try_get("reply")?,
                    feedback: r.try_get("feedback")?,
                })
            }

            const NOTICE_SELECT: &str = "SELECT n.*, \
                (SELECT COUNT(*) FROM liaison_recipients r WHERE r.notice_id = n.id) AS recipients, \
                (SELECT COUNT(*) FROM liaison_recipients r WHERE r.notice_id = n.id AND r.replied_at IS NOT NULL) AS replied \
                FROM liaison_notices n";
            const RECIPIENT_SELECT: &str = "SELECT r.*, e.name AS entity_name, l.name_masked FROM liaison_recipients r \
                JOIN entities e ON e.uscc = r.uscc JOIN liaisons l ON l.id = r.liaison_id";

            /// A usable code of `purpose` by hash, inside a transaction.
            async fn code_tx(tx: &mut Tx<'_>, code_hash: &str, purpose: Purpose) -> Result<Option<CodeInfo>> {
                let r = sqlx::query(
                    "SELECT c.*, e.name AS entity_name FROM liaison_codes c JOIN entities e ON e.uscc = c.uscc \
                     WHERE c.code_hash = $1 AND c.purpose = $2 AND c.used_at IS NULL AND c.expires_at > $3",
                )
                .bind(code_hash)
                .bind(purpose.code())
                .bind(now())
                .fetch_optional(&mut **tx)
                .await?;
                r.as_ref().map(code_row).transpose()
            }

            async fn consume(tx: &mut Tx<'_>, id: i64) -> Result<()> {
                let n = sqlx::query("UPDATE liaison_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(now())
                    .bind(id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::Conflict("该申请码已使用".into()));
                }
                Ok(())
            }

            async fn notice_tx(tx: &mut Tx<'_>, id: i64) -> Result<Notice> {
                let r = sqlx::query(&format!("{NOTICE_SELECT} WHERE n.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("通知 {id} 不存在")))?;
                notice_row(&r)
            }

            #[async_trait::async_trait]
            impl $crate::liaison::LiaisonStore for $Store {
                async fn liaison_code_issue(&self, actor: &Actor, department_id: i64, uscc: &str, code_hash: &str, expires_at: Timestamp) -> Result<CodeInfo> {
                    let mut tx = self.begin_write().await?;
                    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE uscc = $1")
                        .bind(uscc)
                        .fetch_one(&mut *tx)
                        .await?;
                    if known == 0 {
                        return Err(StoreError::NotFound(format!("检查对象名录库中没有统一社会信用代码为 {uscc} 的市场主体")));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO liaison_codes (purpose, code_hash, uscc, department_id, notice_id, issued_by, issued_at, expires_at) \
                         VALUES ('register', $1, $2, $3, NULL, $4, $5, $6) RETURNING id",
                    )
                    .bind(code_hash)
                    .bind(uscc)
                    .bind(department_id)
                    .bind(&actor.name)
                    .bind(now())
                    .bind(expires_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("liaison.code_issue", format!("entity:{uscc}"), serde_json::json!({ "code_id": id, "purpose": "register", "expires_at": expires_at })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT c.*, e.name AS entity_name FROM liaison_codes c JOIN entities e ON e.uscc = c.uscc WHERE c.id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let info = code_row(&r)?;
                    tx.commit().await?;
                    Ok(info)
                }

                async fn liaison_code_lookup(&self, code_hash: &str, purpose: Purpose) -> Result<Option<CodeInfo>> {
                    let r = sqlx::query(
                        "SELECT c.*, e.name AS entity_name FROM liaison_codes c JOIN entities e ON e.uscc = c.uscc \
                         WHERE c.code_hash = $1 AND c.purpose = $2 AND c.used_at IS NULL AND c.expires_at > $3",
                    )
                    .bind(code_hash)
                    .bind(purpose.code())
                    .bind(now())
                    .fetch_optional(self.read())
                    .await?;
                    r.as_ref().map(code_row).transpose()
                }

                async fn liaison_code_failure(&self, ip_hash: &str, purpose: Purpose) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("INSERT INTO liaison_code_failures (ip_hash, at) VALUES ($1, $2)")
                        .bind(ip_hash)
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(
                        &mut tx,
                        &Actor::public().event("liaison.code_rejected", format!("client:{}", &ip_hash[..ip_hash.len().min(16)]), serde_json::json!({ "purpose": purpose.code() })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn liaison_code_failures(&self, ip_hash: &str, since: Timestamp) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM liaison_code_failures WHERE ip_hash = $1 AND at > $2")
                        .bind(ip_hash)
                        .bind(since)
                        .fetch_one(self.read())
                        .await?)
                }

                async fn liaison_code_failures_prune(&self, before: Timestamp) -> Result<u64> {
                    let mut tx = self.begin_write().await?;
                    let n = sqlx::query("DELETE FROM liaison_code_failures WHERE at < $1")
                        .bind(before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n > 0 {
                        self.append_audit(
                            &mut tx,
                            &Actor::system().event("liaison.code_failures_prune", "liaison_code_failures", serde_json::json!({ "deleted": n, "before": before })),
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(n)
                }

                async fn liaison_register(&self, code_hash: &str, l: &NewLiaison) -> Result<Liaison> {
                    let mut tx = self.begin_write().await?;
                    let code = code_tx(&mut tx, code_hash, Purpose::Register)
                        .await?
                        .ok_or_else(|| StoreError::Invalid("申请码无效、已使用或已过期".into()))?;
                    consume(&mut tx, code.id).await?;
                    let t = now();
                    let replaced = sqlx::query("UPDATE liaisons SET status = 'replaced', replaced_at = $1 WHERE uscc = $2 AND status = 'active'")
                        .bind(t)
                        .bind(&code.uscc)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO liaisons (uscc, department_id, name_sealed, name_masked, phone_sealed, phone_masked, position, status, code_id, registered_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9) RETURNING id",
                    )
                    .bind(&code.uscc)
                    .bind(code.department_id)
                    .bind(&l.name_sealed)
                    .bind(&l.name_masked)
                    .bind(&l.phone_sealed)
                    .bind(&l.phone_masked)
                    .bind(&l.position)
                    .bind(code.id)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &entity_actor(&code.uscc).event(
                            "liaison.register",
                            format!("liaison:{id}"),
                            serde_json::json!({ "code_id": code.id, "name": l.name_masked, "phone": l.phone_masked, "replaced": replaced }),
                        ),
                    )
                    .await?;
                    let r = sqlx::query(&format!("{LIAISON_SELECT} WHERE l.id = $1")).bind(id).fetch_one(&mut *tx).await?;
                    let out = liaison_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn liaison_list(&self, department_id: i64, target_kind: &str, target_value: &str) -> Result<Vec<Liaison>> {
                    let mut sql = format!("{LIAISON_SELECT} WHERE l.status = 'active' AND {VISIBLE}");
                    let value = target_value.trim();
                    match target_kind {
                        "industry" if !value.is_empty() => sql.push_str(" AND e.industry LIKE $2 ESCAPE '\\'"),
                        "tag" if !value.is_empty() => sql.push_str(" AND e.tags LIKE $2 ESCAPE '\\'"),
                        _ => sql.push_str(" AND $2 = ''"),
                    }
                    sql.push_str(" ORDER BY e.name, l.id");
                    let pattern = match target_kind {
                        "industry" if !value.is_empty() => format!("{}%", like_escape(&value.to_ascii_uppercase())),
                        "tag" if !value.is_empty() => format!("%;{};%", like_escape(value)),
                        _ => String::new(),
                    };
                    let rows = sqlx::query(&sql).bind(department_id).bind(pattern).fetch_all(self.read()).await?;
                    rows.iter().map(liaison_row).collect()
                }

                async fn liaison_get(&self, department_id: i64, id: i64) -> Result<Liaison> {
                    let r = sqlx::query(&format!("{LIAISON_SELECT} WHERE l.id = $2 AND {VISIBLE}"))
                        .bind(department_id)
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("联络员 {id} 不存在或不属于本部门监管的市场主体")))?;
                    liaison_row(&r)
                }

                async fn notice_send(&self, actor: &Actor, department_id: i64, input: &NoticeInput, make_code: MakeCode<'_>) -> Result<SentNotice> {
                    check_notice(input)?;
                    let targets = self.liaison_list(department_id, &input.target_kind, &input.target_value).await?;
                    if targets.is_empty() {
                        return Err(StoreError::Invalid("发送范围内没有本部门可见的在册联络员,通知未发送".into()));
                    }
                    let t = now();
                    let expires = match input.reply_by {
                        Some(d) => {
                            if d < $crate::publicity::cst_date(t) {
                                return Err(StoreError::Invalid("回复截止日期不能早于今天".into()));
                            }
                            // End of the day in Beijing time.
                            d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).expect("midnight").and_utc() - chrono::Duration::hours(8)
                        }
                        None => t + chrono::Duration::days(30),
                    };
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO liaison_notices (department_id, title, body, target_kind, target_value, reply_by, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(department_id)
                    .bind(input.title.trim())
                    .bind(input.body.trim())
                    .bind(&input.target_kind)
                    .bind(input.target_value.trim())
                    .bind(input.reply_by)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut codes = Vec::new();
                    for l in &targets {
                        let (clear, hash) = make_code();
                        let code_id: i64 = sqlx::query_scalar(
                            "INSERT INTO liaison_codes (purpose, code_hash, uscc, department_id, notice_id, issued_by, issued_at, expires_at) \
                             VALUES ('reply', $1, $2, $3, $4, $5, $6, $7) RETURNING id",
                        )
                        .bind(&hash)
                        .bind(&l.uscc)
                        .bind(department_id)
                        .bind(id)
                        .bind(&actor.name)
                        .bind(t)
                        .bind(expires)
                        .fetch_one(&mut *tx)
                        .await?;
                        sqlx::query(
                            "INSERT INTO liaison_recipients (notice_id, liaison_id, uscc, code_id, reply, feedback) VALUES ($1, $2, $3, $4, '', '')",
                        )
                        .bind(id)
                        .bind(l.id)
                        .bind(&l.uscc)
                        .bind(code_id)
                        .execute(&mut *tx)
                        .await?;
                        codes.push((l.uscc.clone(), l.entity_name.clone(), clear));
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "liaison.notice_send",
                            format!("notice:{id}"),
                            serde_json::json!({ "title": input.title.trim(), "target": input.target_kind, "value": input.target_value.trim(), "recipients": targets.len() }),
                        ),
                    )
                    .await?;
                    let notice = notice_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(SentNotice { notice, codes })
                }

                async fn notice_list(&self, department_id: i64) -> Result<Vec<Notice>> {
                    let rows = sqlx::query(&format!("{NOTICE_SELECT} WHERE n.department_id = $1 ORDER BY n.id DESC LIMIT 200"))
                        .bind(department_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(notice_row).collect()
                }

                async fn notice_get(&self, id: i64) -> Result<(Notice, Vec<Recipient>)> {
                    let r = sqlx::query(&format!("{NOTICE_SELECT} WHERE n.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("通知 {id} 不存在")))?;
                    let rows = sqlx::query(&format!("{RECIPIENT_SELECT} WHERE r.notice_id = $1 ORDER BY e.name, r.id"))
                        .bind(id)
                        .fetch_all(self.read())
                        .await?;
                    Ok((notice_row(&r)?, rows.iter().map(recipient_row).collect::<Result<_>>()?))
                }

                async fn notice_for_code(&self, code_hash: &str) -> Result<Option<(Notice, Recipient)>> {
                    let Some(code) = self.liaison_code_lookup(code_hash, Purpose::Reply).await? else {
                        return Ok(None);
                    };
                    let r = sqlx::query(&format!("{RECIPIENT_SELECT} WHERE r.code_id = $1"))
                        .bind(code.id)
                        .fetch_optional(self.read())
                        .await?;
                    let Some(r) = r else { return Ok(None) };
                    let rec = recipient_row(&r)?;
                    let (notice, _) = self.notice_get(rec.notice_id).await?;
                    Ok(Some((notice, rec)))
                }

                async fn notice_reply(&self, code_hash: &str, reply: &str, feedback: &str) -> Result<Recipient> {
                    let reply = reply.trim();
                    let feedback = feedback.trim();
                    if reply.is_empty() {
                        return Err(StoreError::Invalid("回复内容不能为空".into()));
                    }
                    if reply.chars().count() > MAX_REPLY || feedback.chars().count() > MAX_REPLY {
                        return Err(StoreError::Invalid(format!("回复和意见建议各最多 {MAX_REPLY} 字")));
                    }
                    let mut tx = self.begin_write().await?;
                    let code = code_tx(&mut tx, code_hash, Purpose::Reply)
                        .await?
                        .ok_or_else(|| StoreError::Invalid("回复码无效、已使用或已过期".into()))?;
                    consume(&mut tx, code.id).await?;
                    let n = sqlx::query(
                        "UPDATE liaison_recipients SET replied_at = $1, reply = $2, feedback = $3 WHERE code_id = $4 AND replied_at IS NULL",
                    )
                    .bind(now())
                    .bind(reply)
                    .bind(feedback)
                    .bind(code.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Conflict("该通知已回复".into()));
                    }
                    let r = sqlx::query(&format!("{RECIPIENT_SELECT} WHERE r.code_id = $1")).bind(code.id).fetch_one(&mut *tx).await?;
                    let rec = recipient_row(&r)?;
                    self.append_audit(
                        &mut tx,
                        &entity_actor(&code.uscc).event(
                            "liaison.reply",
                            format!("notice:{}", rec.notice_id),
                            serde_json::json!({ "recipient": rec.id, "chars": reply.chars().count(), "feedback_chars": feedback.chars().count() }),
                        ),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(rec)
                }
            }
        }
    };
}
