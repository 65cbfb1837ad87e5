//! Credit supervision: records, risk classes, commitments, red/black lists, repair, objections.
//!
//! The credit record (信用记录) is the ground every capability writes into: a capability
//! that changes something an entity's credit depends on (a licence, an inspection result,
//! a penalty, a complaint outcome, an incident…) calls [`credit_event_tx`] inside its own
//! write transaction, so the record and its source never disagree.
//!
//! [`credit_event_tx`]: #method.credit_event_tx

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How an event weighs on an entity's credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A good fact (an honour, a kept commitment, a red-list entry).
    Positive,
    /// A neutral fact (a licence, a filing, an inspection without problems).
    Neutral,
    Minor,
    Serious,
    Grave,
}

impl Severity {
    pub const ALL: [Severity; 5] = [Self::Positive, Self::Neutral, Self::Minor, Self::Serious, Self::Grave];

    pub fn code(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Neutral => "neutral",
            Self::Minor => "minor",
            Self::Serious => "serious",
            Self::Grave => "grave",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Positive => "良好",
            Self::Neutral => "一般",
            Self::Minor => "轻微失信",
            Self::Serious => "较重失信",
            Self::Grave => "严重失信",
        }
    }
}

/// A fact to add to an entity's credit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCreditEvent {
    pub uscc: String,
    /// What happened, as a stable code: `licence`, `filing`, `inspection`, `penalty`,
    /// `coercive_measure`, `commitment`, `commitment_broken`, `list_entry`, `list_exit`,
    /// `repair`, `objection`, `complaint`, `incident`, ….
    pub kind: String,
    pub source_department_id: Option<i64>,
    pub occurred_on: NaiveDate,
    /// One line for the timeline, in Chinese.
    pub title: String,
    /// The source's own fields (public ones only if `public`).
    pub detail: serde_json::Value,
    /// The source object: `(ref_kind, ref_id, kind)` is unique.
    pub ref_kind: String,
    pub ref_id: String,
    pub severity: Severity,
    /// Shown by the public credit query (inside its publication period).
    pub public: bool,
    /// Last day of publication (penalties: the minimum publication period).
    pub public_until: Option<NaiveDate>,
}

/// A fact of an entity's credit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditEvent {
    pub id: i64,
    pub uscc: String,
    pub kind: String,
    pub source_department_id: Option<i64>,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub detail: serde_json::Value,
    pub ref_kind: String,
    pub ref_id: String,
    pub severity: Severity,
    pub public: bool,
    pub public_until: Option<NaiveDate>,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_reason: String,
    pub change_seq: i64,
    pub created_at: Timestamp,
}

/// Checks a new event before it is written.
pub fn validate_event(ev: &NewCreditEvent) -> crate::Result<()> {
    let bad = |m: &str| Err(crate::StoreError::Invalid(m.to_string()));
    if ev.kind.trim().is_empty() || !ev.kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return bad("信用记录类型须为小写英文代码");
    }
    if ev.title.trim().is_empty() {
        return bad("信用记录须有标题");
    }
    if ev.ref_kind.trim().is_empty() || ev.ref_id.trim().is_empty() {
        return bad("信用记录须注明来源对象");
    }
    if let Some(until) = ev.public_until {
        if until < ev.occurred_on {
            return bad("公示截止日期不能早于发生日期");
        }
    }
    Ok(())
}

#[async_trait]
pub trait CreditStore: Send + Sync {
    /// An entity's credit record, oldest first (withdrawn events included, marked).
    async fn credit_events(&self, uscc: &str) -> crate::Result<Vec<CreditEvent>>;
    /// Adds a fact to an entity's credit record in its own transaction (for facts
    /// that have no source transaction of their own, such as an import).
    async fn credit_event_add(&self, actor: &crate::Actor, ev: &NewCreditEvent) -> crate::Result<CreditEvent>;
}

/// Implements [`CreditStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_credit_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod credit_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::credit::*;
            use $crate::{Backend, Result, StoreError};

            fn credit_event_row(r: &$Row) -> Result<CreditEvent> {
                let severity: String = r.try_get("severity")?;
                let detail: String = r.try_get("detail")?;
                Ok(CreditEvent {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    kind: r.try_get("kind")?,
                    source_department_id: r.try_get("source_department_id")?,
                    occurred_on: r.try_get("occurred_on")?,
                    title: r.try_get("title")?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                    ref_kind: r.try_get("ref_kind")?,
                    ref_id: r.try_get("ref_id")?,
                    severity: Severity::from_code(&severity)
                        .ok_or_else(|| StoreError::Invalid(format!("信用记录等级“{severity}”无法识别")))?,
                    public: r.try_get("public")?,
                    public_until: r.try_get("public_until")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_reason: r.try_get("withdrawn_reason")?,
                    change_seq: r.try_get("change_seq")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            impl $Store {
                /// The next change sequence number of the credit record (inside a write
                /// transaction: SQLite has one writer; PostgreSQL uses a sequence).
                pub(crate) async fn credit_next_seq(&self, tx: &mut Tx<'_>) -> Result<i64> {
                    let sql = match $crate::Store::backend(self) {
                        Backend::Sqlite => "SELECT COALESCE(MAX(change_seq), 0) + 1 FROM credit_events",
                        Backend::Postgres => "SELECT nextval('credit_change_seq')",
                    };
                    Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut **tx).await?)
                }

                /// Adds a fact to an entity's credit record inside the caller's write
                /// transaction. Writing the same `(ref_kind, ref_id, kind)` again returns
                /// the existing event unchanged. Returns the event's id.
                pub(crate) async fn credit_event_tx(&self, tx: &mut Tx<'_>, ev: &NewCreditEvent) -> Result<i64> {
                    validate_event(ev)?;
                    if let Some(id) = sqlx::query_scalar::<_, i64>(
                        "SELECT id FROM credit_events WHERE ref_kind = $1 AND ref_id = $2 AND kind = $3",
                    )
                    .bind(&ev.ref_kind)
                    .bind(&ev.ref_id)
                    .bind(&ev.kind)
                    .fetch_optional(&mut **tx)
                    .await?
                    {
                        return Ok(id);
                    }
                    let known: Option<i64> = sqlx::query_scalar("SELECT id FROM entities WHERE uscc = $1")
                        .bind(&ev.uscc)
                        .fetch_optional(&mut **tx)
                        .await?;
                    if known.is_none() {
                        return Err(StoreError::NotFound(format!("统一社会信用代码 {} 不在检查对象名录库中", ev.uscc)));
                    }
                    let seq = self.credit_next_seq(tx).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO credit_events (uscc, kind, source_department_id, occurred_on, title, detail, ref_kind, ref_id, \
                         severity, public, public_until, change_seq, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                    )
                    .bind(&ev.uscc)
                    .bind(&ev.kind)
                    .bind(ev.source_department_id)
                    .bind(ev.occurred_on)
                    .bind(&ev.title)
                    .bind(ev.detail.to_string())
                    .bind(&ev.ref_kind)
                    .bind(&ev.ref_id)
                    .bind(ev.severity.code())
                    .bind(ev.public)
                    .bind(ev.public_until)
                    .bind(seq)
                    .bind(now())
                    .fetch_one(&mut **tx)
                    .await?;
                    Ok(id)
                }

                /// Withdraws the events of a source object from public view (a repair
                /// succeeded, a decision was revoked) inside the caller's transaction.
                /// Returns how many events changed.
                #[allow(dead_code)] // called by enforcement and credit repair
                pub(crate) async fn credit_withdraw_tx(
                    &self,
                    tx: &mut Tx<'_>,
                    ref_kind: &str,
                    ref_id: &str,
                    reason: &str,
                ) -> Result<u64> {
                    let seq = self.credit_next_seq(tx).await?;
                    let n = sqlx::query(
                        "UPDATE credit_events SET withdrawn_at = $1, withdrawn_reason = $2, change_seq = $3 \
                         WHERE ref_kind = $4 AND ref_id = $5 AND withdrawn_at IS NULL",
                    )
                    .bind(now())
                    .bind(reason)
                    .bind(seq)
                    .bind(ref_kind)
                    .bind(ref_id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                    Ok(n)
                }
            }

            #[async_trait::async_trait]
            impl $crate::credit::CreditStore for $Store {
                async fn credit_events(&self, uscc: &str) -> Result<Vec<CreditEvent>> {
                    let rows = sqlx::query("SELECT * FROM credit_events WHERE uscc = $1 ORDER BY occurred_on, id")
                        .bind(uscc)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(credit_event_row).collect()
                }

                async fn credit_event_add(&self, actor: &Actor, ev: &NewCreditEvent) -> Result<CreditEvent> {
                    let mut tx = self.begin_write().await?;
                    let id = self.credit_event_tx(&mut tx, ev).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("credit.event.add", &format!("credit_event:{id}"), serde_json::json!({
                            "uscc": ev.uscc, "kind": ev.kind, "ref_kind": ev.ref_kind, "ref_id": ev.ref_id,
                        })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM credit_events WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let ev = credit_event_row(&r)?;
                    tx.commit().await?;
                    Ok(ev)
                }
            }
        }
    };
}
