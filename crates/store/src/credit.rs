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
use jianguan_domain::credit::{Decision, Reason, Stage};
use serde::{Deserialize, Serialize};

/// Entities per transaction of the batch reclassification.
pub const RECLASSIFY_BATCH: i64 = 10_000;

/// An entity's current risk class and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditClass {
    pub uscc: String,
    pub class: String,
    pub points: i64,
    pub reasons: Vec<Reason>,
    pub rules_version: String,
    pub commitment_approval: bool,
    pub computed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassChange {
    pub id: i64,
    pub uscc: String,
    pub class: String,
    pub previous: Option<String>,
    pub points: i64,
    pub reasons: Vec<Reason>,
    pub rules_version: String,
    pub trigger: String,
    pub computed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitmentInput {
    pub uscc: String,
    /// `approval` (承诺制审批), `notification` (告知承诺) or `voluntary`.
    pub kind: String,
    pub body: String,
    pub licence_ref: String,
    pub signed_on: NaiveDate,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub kind: String,
    pub department_id: i64,
    pub body: String,
    pub licence_ref: String,
    pub signed_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: String,
    pub check_note: String,
    pub checked_by: Option<String>,
    pub checked_at: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl Commitment {
    pub fn kind_label(&self) -> &'static str {
        jianguan_domain::credit::commitment_kind_label(&self.kind).unwrap_or("")
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "kept" => "已履行",
            "broken" => "未履行(失信)",
            _ => "履行中",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListKind {
    pub code: String,
    pub colour: String,
    pub name: String,
    pub entry_rule: String,
    pub exit_rule: String,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListMeasure {
    pub id: i64,
    pub list_kind: String,
    pub category: String,
    pub measure: String,
    pub basis: String,
}

impl ListMeasure {
    pub fn category_label(&self) -> &'static str {
        match self.category.as_str() {
            "restriction" => "限制措施",
            "inspection" => "加强检查",
            "green_channel" => "绿色通道",
            _ => "激励措施",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntryInput {
    pub uscc: String,
    pub list_kind: String,
    pub basis: String,
    pub effective_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub list_kind: String,
    pub list_name: String,
    pub colour: String,
    pub department_id: i64,
    pub basis: String,
    pub effective_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl ListEntry {
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.effective_on <= today && self.exited_on.is_none() && self.expires_on.is_none_or(|e| e >= today)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuresInForce {
    pub uscc: String,
    pub entity_name: String,
    pub as_of: NaiveDate,
    pub entries: Vec<ListEntry>,
    pub measures: Vec<ListMeasure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepairInput {
    pub event_id: i64,
    pub applicant: String,
    pub reason: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repair {
    pub id: i64,
    pub uscc: String,
    pub event_id: i64,
    pub event_title: String,
    pub department_id: i64,
    pub applicant: String,
    pub reason: String,
    pub evidence: String,
    pub status: String,
    pub stage_due_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Repair {
    pub fn state(&self) -> Option<jianguan_domain::credit::RepairStatus> {
        jianguan_domain::credit::RepairStatus::parse(&self.status)
    }
    pub fn status_label(&self) -> String {
        self.state().map(|s| s.label()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepairReview {
    pub id: i64,
    pub repair_id: i64,
    pub stage: String,
    pub reviewer: String,
    pub decision: String,
    pub opinion: String,
    pub due_on: Option<NaiveDate>,
    pub reviewed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditTrainingInput {
    pub title: String,
    pub held_on: NaiveDate,
    pub location: String,
    /// (uscc, attendee name).
    pub attendees: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditTraining {
    pub id: i64,
    pub department_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub location: String,
    pub attendees: Vec<(String, String)>,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectionInput {
    pub event_id: i64,
    pub field: String,
    pub applicant: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objection {
    pub id: i64,
    pub uscc: String,
    pub event_id: i64,
    pub event_department_id: Option<i64>,
    pub field: String,
    pub old_value: String,
    pub new_value: Option<String>,
    pub applicant: String,
    pub reason: String,
    pub status: String,
    pub resolution: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl Objection {
    pub fn field_label(&self) -> &'static str {
        jianguan_domain::credit::objection_field_label(&self.field).unwrap_or("")
    }
    pub fn status_label(&self) -> &'static str {
        jianguan_domain::credit::ObjectionStatus::parse(&self.status).map_or("", |s| s.label())
    }
}

/// One event as the public sees it; a field under objection reads 异议处理中.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicEvent {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub occurred_on: String,
    pub severity: String,
    pub detail: serde_json::Value,
    pub public_until: Option<NaiveDate>,
    pub objection_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicCredit {
    pub uscc: String,
    pub name: String,
    pub legal_rep_masked: String,
    pub address: String,
    pub status: String,
    pub events: Vec<PublicEvent>,
    pub commitments: Vec<Commitment>,
    pub lists: Vec<ListEntry>,
}

/// The public value of a field of an event, or 异议处理中.
pub fn public_event(ev: &CreditEvent, objected: &[String]) -> PublicEvent {
    let mark = |f: &str| objected.iter().any(|o| o == f);
    let under = jianguan_domain::credit::UNDER_OBJECTION;
    PublicEvent {
        id: ev.id,
        kind: ev.kind.clone(),
        title: if mark("title") { under.into() } else { ev.title.clone() },
        occurred_on: if mark("occurred_on") { under.into() } else { ev.occurred_on.to_string() },
        severity: if mark("severity") { under.into() } else { ev.severity.label().into() },
        detail: if mark("detail") { serde_json::Value::String(under.into()) } else { ev.detail.clone() },
        public_until: ev.public_until,
        objection_fields: objected.to_vec(),
    }
}

/// The current value of an objectionable field of an event, as text.
pub fn event_field(ev: &CreditEvent, field: &str) -> Option<String> {
    Some(match field {
        "title" => ev.title.clone(),
        "occurred_on" => ev.occurred_on.to_string(),
        "severity" => ev.severity.code().into(),
        "detail" => ev.detail.to_string(),
        _ => return None,
    })
}

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
    async fn credit_event_get(&self, id: i64) -> crate::Result<CreditEvent>;
    /// Events changed after `after_seq` (inserted, withdrawn, corrected), in change order.
    async fn credit_changes(&self, after_seq: i64, limit: i64) -> crate::Result<Vec<CreditEvent>>;

    /// The current class of an entity (`None` when not yet classified).
    async fn credit_class(&self, uscc: &str) -> crate::Result<Option<CreditClass>>;
    async fn credit_class_history(&self, uscc: &str) -> crate::Result<Vec<ClassChange>>;
    /// Counts of entities per class (`unclassified` for entities without a class).
    async fn credit_class_counts(&self) -> crate::Result<Vec<(String, i64)>>;
    /// Recomputes one entity's class in its own transaction.
    async fn credit_reclassify(&self, actor: &crate::Actor, uscc: &str, today: NaiveDate)
        -> crate::Result<CreditClass>;
    /// Recomputes every entity's class in batches of [`RECLASSIFY_BATCH`]; returns
    /// (entities, classes changed).
    async fn credit_reclassify_all(&self, actor: &crate::Actor, today: NaiveDate) -> crate::Result<(i64, i64)>;
    /// The monthly batch: reclassifies everything once per calendar month of `today`;
    /// `None` when this month's run is already done.
    async fn credit_reclassify_monthly(
        &self,
        actor: &crate::Actor,
        today: NaiveDate,
    ) -> crate::Result<Option<(i64, i64)>>;

    async fn commitment_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &CommitmentInput,
    ) -> crate::Result<Commitment>;
    async fn commitment_get(&self, id: i64) -> crate::Result<Commitment>;
    /// Commitments of one entity, or all (newest first, at most 500).
    async fn commitment_list(&self, uscc: Option<&str>) -> crate::Result<Vec<Commitment>>;
    /// Records whether a pending commitment was kept; a broken one enters the record.
    async fn commitment_check(
        &self,
        actor: &crate::Actor,
        id: i64,
        kept: bool,
        note: &str,
        today: NaiveDate,
    ) -> crate::Result<Commitment>;

    async fn list_kinds(&self) -> crate::Result<Vec<ListKind>>;
    async fn list_measures(&self) -> crate::Result<Vec<ListMeasure>>;
    async fn list_entry_add(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &ListEntryInput,
    ) -> crate::Result<ListEntry>;
    async fn list_entry_exit(
        &self,
        actor: &crate::Actor,
        id: i64,
        reason: &str,
        today: NaiveDate,
    ) -> crate::Result<ListEntry>;
    async fn list_entry_get(&self, id: i64) -> crate::Result<ListEntry>;
    /// List entries of one entity or of all (newest first, at most 500).
    async fn list_entries(&self, uscc: Option<&str>) -> crate::Result<Vec<ListEntry>>;
    /// The list entries in force on `today` and their measures (what a licensing system asks).
    async fn measures_in_force(&self, uscc: &str, today: NaiveDate) -> crate::Result<MeasuresInForce>;

    /// An entity applies for the repair of one credit event; refused before the
    /// minimum publication period ends, naming the earliest date.
    async fn repair_apply(&self, actor: &crate::Actor, input: &RepairInput, today: NaiveDate) -> crate::Result<Repair>;
    async fn repair_get(&self, id: i64) -> crate::Result<(Repair, Vec<RepairReview>)>;
    async fn repair_list(&self, uscc: Option<&str>) -> crate::Result<Vec<Repair>>;
    async fn repair_review(
        &self,
        actor: &crate::Actor,
        id: i64,
        stage: Stage,
        decision: Decision,
        opinion: &str,
        today: NaiveDate,
    ) -> crate::Result<Repair>;
    async fn repair_resubmit(
        &self,
        actor: &crate::Actor,
        id: i64,
        evidence: &str,
        today: NaiveDate,
    ) -> crate::Result<Repair>;

    async fn credit_training_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &CreditTrainingInput,
    ) -> crate::Result<CreditTraining>;
    async fn credit_training_list(&self) -> crate::Result<Vec<CreditTraining>>;

    async fn objection_file(&self, actor: &crate::Actor, input: &ObjectionInput) -> crate::Result<Objection>;
    async fn objection_get(&self, id: i64) -> crate::Result<Objection>;
    async fn objection_list(&self, uscc: Option<&str>) -> crate::Result<Vec<Objection>>;
    async fn objection_resolve(
        &self,
        actor: &crate::Actor,
        id: i64,
        correct: bool,
        new_value: Option<&str>,
        reasons: &str,
    ) -> crate::Result<Objection>;

    /// The public credit record of an entity (no login): public fields only, penalties
    /// inside their publication period and not withdrawn; `None` for an unknown uscc.
    async fn credit_public(&self, uscc: &str, today: NaiveDate) -> crate::Result<Option<PublicCredit>>;
    /// Entities by uscc prefix or name fragment (at most 20).
    async fn credit_search(&self, q: &str) -> crate::Result<Vec<(String, String)>>;
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
            use chrono::NaiveDate;
            use jianguan_domain::credit::{Decision, Stage};

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

            const COMMITMENT_SELECT: &str = "SELECT c.*, e.name AS entity_name FROM credit_commitments c JOIN entities e ON e.uscc = c.uscc";
            const LIST_SELECT: &str = "SELECT e.*, k.name AS list_name, k.colour, n.name AS entity_name FROM credit_list_entries e \
                JOIN credit_list_kinds k ON k.code = e.list_kind JOIN entities n ON n.uscc = e.uscc";
            const REPAIR_SELECT: &str = "SELECT r.*, v.title AS event_title FROM credit_repairs r JOIN credit_events v ON v.id = r.event_id";
            const OBJECTION_SELECT: &str = "SELECT o.*, v.source_department_id AS event_department_id FROM credit_objections o JOIN credit_events v ON v.id = o.event_id";

            async fn entity_name_tx(tx: &mut Tx<'_>, uscc: &str) -> Result<String> {
                sqlx::query_scalar("SELECT name FROM entities WHERE uscc = $1")
                    .bind(uscc)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("统一社会信用代码 {uscc} 不在检查对象名录库中")))
            }

            fn class_row(r: &$Row) -> Result<CreditClass> {
                Ok(CreditClass {
                    uscc: r.try_get("uscc")?,
                    class: r.try_get("class")?,
                    points: r.try_get("points")?,
                    reasons: serde_json::from_str(&r.try_get::<String, _>("reasons")?).unwrap_or_default(),
                    rules_version: r.try_get("rules_version")?,
                    commitment_approval: r.try_get("commitment_approval")?,
                    computed_at: r.try_get("computed_at")?,
                })
            }

            fn commitment_row(r: &$Row) -> Result<Commitment> {
                Ok(Commitment {
                    id: r.try_get("id")?, uscc: r.try_get("uscc")?, entity_name: r.try_get("entity_name")?, kind: r.try_get("kind")?,
                    department_id: r.try_get("department_id")?, body: r.try_get("body")?, licence_ref: r.try_get("licence_ref")?,
                    signed_on: r.try_get("signed_on")?, due_on: r.try_get("due_on")?, status: r.try_get("status")?,
                    check_note: r.try_get("check_note")?, checked_by: r.try_get("checked_by")?, checked_at: r.try_get("checked_at")?,
                    created_by: r.try_get("created_by")?, created_at: r.try_get("created_at")?,
                })
            }

            async fn commitment_tx(tx: &mut Tx<'_>, id: i64) -> Result<Commitment> {
                let r = sqlx::query(&format!("{COMMITMENT_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&mut **tx).await?
                    .ok_or_else(|| StoreError::NotFound(format!("信用承诺 {id} 不存在")))?;
                commitment_row(&r)
            }

            fn measure_row(r: &$Row) -> Result<ListMeasure> {
                Ok(ListMeasure { id: r.try_get("id")?, list_kind: r.try_get("list_kind")?, category: r.try_get("category")?, measure: r.try_get("measure")?, basis: r.try_get("basis")? })
            }

            fn list_entry_row(r: &$Row) -> Result<ListEntry> {
                Ok(ListEntry {
                    id: r.try_get("id")?, uscc: r.try_get("uscc")?, entity_name: r.try_get("entity_name")?, list_kind: r.try_get("list_kind")?,
                    list_name: r.try_get("list_name")?, colour: r.try_get("colour")?, department_id: r.try_get("department_id")?,
                    basis: r.try_get("basis")?, effective_on: r.try_get("effective_on")?, expires_on: r.try_get("expires_on")?,
                    exited_on: r.try_get("exited_on")?, exit_reason: r.try_get("exit_reason")?, created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            async fn list_entry_tx(tx: &mut Tx<'_>, id: i64) -> Result<ListEntry> {
                let r = sqlx::query(&format!("{LIST_SELECT} WHERE e.id = $1")).bind(id).fetch_optional(&mut **tx).await?
                    .ok_or_else(|| StoreError::NotFound(format!("名单记录 {id} 不存在")))?;
                list_entry_row(&r)
            }

            fn repair_row(r: &$Row) -> Result<Repair> {
                Ok(Repair {
                    id: r.try_get("id")?, uscc: r.try_get("uscc")?, event_id: r.try_get("event_id")?, event_title: r.try_get("event_title")?,
                    department_id: r.try_get("department_id")?, applicant: r.try_get("applicant")?, reason: r.try_get("reason")?,
                    evidence: r.try_get("evidence")?, status: r.try_get("status")?, stage_due_on: r.try_get("stage_due_on")?,
                    created_by: r.try_get("created_by")?, created_at: r.try_get("created_at")?, updated_at: r.try_get("updated_at")?,
                })
            }

            async fn repair_tx(tx: &mut Tx<'_>, id: i64) -> Result<Repair> {
                let r = sqlx::query(&format!("{REPAIR_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&mut **tx).await?
                    .ok_or_else(|| StoreError::NotFound(format!("信用修复申请 {id} 不存在")))?;
                repair_row(&r)
            }

            async fn repair_conn(conn: &mut <$DB as sqlx::Database>::Connection, id: i64) -> Result<Repair> {
                let r = sqlx::query(&format!("{REPAIR_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&mut *conn).await?
                    .ok_or_else(|| StoreError::NotFound(format!("信用修复申请 {id} 不存在")))?;
                repair_row(&r)
            }

            fn review_row(r: &$Row) -> Result<RepairReview> {
                Ok(RepairReview {
                    id: r.try_get("id")?, repair_id: r.try_get("repair_id")?, stage: r.try_get("stage")?, reviewer: r.try_get("reviewer")?,
                    decision: r.try_get("decision")?, opinion: r.try_get("opinion")?, due_on: r.try_get("due_on")?, reviewed_at: r.try_get("reviewed_at")?,
                })
            }

            fn objection_row(r: &$Row) -> Result<Objection> {
                Ok(Objection {
                    id: r.try_get("id")?, uscc: r.try_get("uscc")?, event_id: r.try_get("event_id")?, event_department_id: r.try_get("event_department_id")?,
                    field: r.try_get("field")?, old_value: r.try_get("old_value")?, new_value: r.try_get("new_value")?, applicant: r.try_get("applicant")?,
                    reason: r.try_get("reason")?, status: r.try_get("status")?, resolution: r.try_get("resolution")?, resolved_by: r.try_get("resolved_by")?,
                    resolved_at: r.try_get("resolved_at")?, created_by: r.try_get("created_by")?, created_at: r.try_get("created_at")?,
                })
            }

            async fn objection_tx(tx: &mut Tx<'_>, id: i64) -> Result<Objection> {
                let r = sqlx::query(&format!("{OBJECTION_SELECT} WHERE o.id = $1")).bind(id).fetch_optional(&mut **tx).await?
                    .ok_or_else(|| StoreError::NotFound(format!("异议申诉 {id} 不存在")))?;
                objection_row(&r)
            }

            fn cst_today() -> NaiveDate {
                $crate::publicity::cst_date(now())
            }

            fn fact_row(r: &$Row) -> Result<jianguan_domain::credit::FactEvent> {
                Ok(jianguan_domain::credit::FactEvent {
                    kind: r.try_get("kind")?,
                    severity: r.try_get("severity")?,
                    occurred_on: r.try_get("occurred_on")?,
                    withdrawn: r.try_get::<Option<$crate::model::Timestamp>, _>("withdrawn_at")?.is_some(),
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
                    self.credit_reclassify_tx(tx, &ev.uscc, &format!("{}:{}", ev.ref_kind, ev.ref_id), cst_today()).await?;
                    Ok(id)
                }

                /// Withdraws the events of a source object from public view (a repair
                /// succeeded, a decision was revoked) inside the caller's transaction.
                /// Returns how many events changed.
                pub(crate) async fn credit_withdraw_tx(
                    &self,
                    tx: &mut Tx<'_>,
                    ref_kind: &str,
                    ref_id: &str,
                    reason: &str,
                ) -> Result<u64> {
                    let seq = self.credit_next_seq(tx).await?;
                    let usccs: Vec<String> = sqlx::query_scalar(
                        "SELECT DISTINCT uscc FROM credit_events WHERE ref_kind = $1 AND ref_id = $2 AND withdrawn_at IS NULL",
                    )
                    .bind(ref_kind)
                    .bind(ref_id)
                    .fetch_all(&mut **tx)
                    .await?;
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
                    for u in &usccs {
                        self.credit_reclassify_tx(tx, u, &format!("withdraw:{ref_kind}:{ref_id}"), cst_today()).await?;
                    }
                    Ok(n)
                }

                /// Recomputes one entity's risk class inside the caller's write transaction
                /// (every credit event and withdrawal calls this, so the class never lags
                /// the record). Writes a history row when the class or its reasons change.
                pub(crate) async fn credit_reclassify_tx(
                    &self,
                    tx: &mut Tx<'_>,
                    uscc: &str,
                    trigger: &str,
                    today: NaiveDate,
                ) -> Result<CreditClass> {
                    let rows = sqlx::query(
                        "SELECT kind, severity, occurred_on, withdrawn_at FROM credit_events WHERE uscc = $1",
                    )
                    .bind(uscc)
                    .fetch_all(&mut **tx)
                    .await?;
                    let mut events = Vec::with_capacity(rows.len());
                    for r in &rows {
                        events.push(fact_row(r)?);
                    }
                    let lrows = sqlx::query(
                        "SELECT e.list_kind, k.colour FROM credit_list_entries e JOIN credit_list_kinds k ON k.code = e.list_kind \
                         WHERE e.uscc = $1 AND e.exited_on IS NULL AND e.effective_on <= $2 AND (e.expires_on IS NULL OR e.expires_on >= $2)",
                    )
                    .bind(uscc)
                    .bind(today)
                    .fetch_all(&mut **tx)
                    .await?;
                    let mut lists = Vec::new();
                    for r in &lrows {
                        lists.push(r.try_get::<String, _>("list_kind")?);
                        lists.push(r.try_get::<String, _>("colour")?);
                    }
                    let flag: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM credit_commitments WHERE uscc = $1 AND kind IN ('approval', 'notification') AND status <> 'broken'",
                    )
                    .bind(uscc)
                    .fetch_one(&mut **tx)
                    .await?;
                    let prev = sqlx::query("SELECT class, reasons, rules_version, commitment_approval FROM credit_classes WHERE uscc = $1")
                        .bind(uscc)
                        .fetch_optional(&mut **tx)
                        .await?;
                    let prev = match prev {
                        Some(r) => Some((
                            r.try_get::<String, _>("class")?,
                            r.try_get::<String, _>("reasons")?,
                            r.try_get::<String, _>("rules_version")?,
                            r.try_get::<bool, _>("commitment_approval")?,
                        )),
                        None => None,
                    };
                    let facts = jianguan_domain::credit::Facts { today, events, lists };
                    let ev = jianguan_domain::credit::RuleSet::builtin().evaluate(&facts);
                    Self::credit_store_class(tx, uscc, &ev, flag > 0, prev.as_ref(), trigger).await
                }

                async fn credit_store_class(
                    tx: &mut Tx<'_>,
                    uscc: &str,
                    ev: &jianguan_domain::credit::Evaluation,
                    flag: bool,
                    prev: Option<&(String, String, String, bool)>,
                    trigger: &str,
                ) -> Result<CreditClass> {
                    let class = ev.class.label().to_string();
                    let reasons = serde_json::to_string(&ev.reasons).map_err(|e| StoreError::Invalid(e.to_string()))?;
                    let t = now();
                    let out = CreditClass {
                        uscc: uscc.to_string(),
                        class: class.clone(),
                        points: ev.points as i64,
                        reasons: ev.reasons.clone(),
                        rules_version: ev.rules_version.clone(),
                        commitment_approval: flag,
                        computed_at: t,
                    };
                    if let Some((c, r, v, f)) = prev {
                        if *c == class && *r == reasons && *v == ev.rules_version && *f == flag {
                            return Ok(out);
                        }
                    }
                    sqlx::query(
                        "INSERT INTO credit_classes (uscc, class, points, reasons, rules_version, commitment_approval, computed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (uscc) DO UPDATE SET class = excluded.class, \
                         points = excluded.points, reasons = excluded.reasons, rules_version = excluded.rules_version, \
                         commitment_approval = excluded.commitment_approval, computed_at = excluded.computed_at",
                    )
                    .bind(uscc)
                    .bind(&class)
                    .bind(ev.points as i64)
                    .bind(&reasons)
                    .bind(&ev.rules_version)
                    .bind(flag)
                    .bind(t)
                    .execute(&mut **tx)
                    .await?;
                    if prev.is_none_or(|(c, r, v, _)| *c != class || *r != reasons || *v != ev.rules_version) {
                        sqlx::query(
                            "INSERT INTO credit_class_history (uscc, class, previous, points, reasons, rules_version, trigger, computed_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(uscc)
                        .bind(&class)
                        .bind(prev.map(|p| p.0.clone()))
                        .bind(ev.points as i64)
                        .bind(&reasons)
                        .bind(&ev.rules_version)
                        .bind(trigger)
                        .bind(t)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Ok(out)
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
                async fn credit_event_get(&self, id: i64) -> Result<CreditEvent> {
                    let r = sqlx::query("SELECT * FROM credit_events WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("信用记录 {id} 不存在")))?;
                    credit_event_row(&r)
                }

                async fn credit_changes(&self, after_seq: i64, limit: i64) -> Result<Vec<CreditEvent>> {
                    let rows = sqlx::query("SELECT * FROM credit_events WHERE change_seq > $1 ORDER BY change_seq LIMIT $2")
                        .bind(after_seq)
                        .bind(limit.clamp(1, 100_000))
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(credit_event_row).collect()
                }

                async fn credit_class(&self, uscc: &str) -> Result<Option<CreditClass>> {
                    let r = sqlx::query("SELECT * FROM credit_classes WHERE uscc = $1").bind(uscc).fetch_optional(self.read()).await?;
                    r.as_ref().map(class_row).transpose()
                }

                async fn credit_class_history(&self, uscc: &str) -> Result<Vec<ClassChange>> {
                    let rows = sqlx::query("SELECT * FROM credit_class_history WHERE uscc = $1 ORDER BY id")
                        .bind(uscc)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ClassChange {
                                id: r.try_get("id")?,
                                uscc: r.try_get("uscc")?,
                                class: r.try_get("class")?,
                                previous: r.try_get("previous")?,
                                points: r.try_get("points")?,
                                reasons: serde_json::from_str(&r.try_get::<String, _>("reasons")?).unwrap_or_default(),
                                rules_version: r.try_get("rules_version")?,
                                trigger: r.try_get("trigger")?,
                                computed_at: r.try_get("computed_at")?,
                            })
                        })
                        .collect()
                }

                async fn credit_class_counts(&self) -> Result<Vec<(String, i64)>> {
                    let rows = sqlx::query("SELECT class, COUNT(*) AS n FROM credit_classes GROUP BY class ORDER BY class")
                        .fetch_all(self.read())
                        .await?;
                    let mut out = Vec::new();
                    let mut total = 0;
                    for r in &rows {
                        let n: i64 = r.try_get("n")?;
                        total += n;
                        out.push((r.try_get("class")?, n));
                    }
                    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM entities").fetch_one(self.read()).await?;
                    out.push(("unclassified".into(), (all - total).max(0)));
                    Ok(out)
                }

                async fn credit_reclassify(&self, actor: &Actor, uscc: &str, today: NaiveDate) -> Result<CreditClass> {
                    let mut tx = self.begin_write().await?;
                    entity_name_tx(&mut tx, uscc).await?;
                    let c = self.credit_reclassify_tx(&mut tx, uscc, "manual", today).await?;
                    self.append_audit(&mut tx, &actor.event("credit.class.recompute", format!("entity:{uscc}"), serde_json::json!({ "class": c.class, "points": c.points, "rules_version": c.rules_version }))).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn credit_reclassify_all(&self, actor: &Actor, today: NaiveDate) -> Result<(i64, i64)> {
                    use std::collections::HashMap;
                    let rules = jianguan_domain::credit::RuleSet::builtin();
                    let (mut total, mut changed) = (0i64, 0i64);
                    let mut last = String::new();
                    loop {
                        let mut tx = self.begin_write().await?;
                        let usccs: Vec<String> = sqlx::query_scalar("SELECT uscc FROM entities WHERE uscc > $1 ORDER BY uscc LIMIT $2")
                            .bind(&last)
                            .bind(RECLASSIFY_BATCH)
                            .fetch_all(&mut *tx)
                            .await?;
                        let (Some(first), Some(end)) = (usccs.first().cloned(), usccs.last().cloned()) else { break };
                        let mut events: HashMap<String, Vec<jianguan_domain::credit::FactEvent>> = HashMap::new();
                        for r in sqlx::query("SELECT uscc, kind, severity, occurred_on, withdrawn_at FROM credit_events WHERE uscc >= $1 AND uscc <= $2")
                            .bind(&first).bind(&end).fetch_all(&mut *tx).await?.iter()
                        {
                            events.entry(r.try_get("uscc")?).or_default().push(fact_row(r)?);
                        }
                        let mut lists: HashMap<String, Vec<String>> = HashMap::new();
                        for r in sqlx::query(
                            "SELECT e.uscc, e.list_kind, k.colour FROM credit_list_entries e JOIN credit_list_kinds k ON k.code = e.list_kind \
                             WHERE e.uscc >= $1 AND e.uscc <= $2 AND e.exited_on IS NULL AND e.effective_on <= $3 AND (e.expires_on IS NULL OR e.expires_on >= $3)",
                        ).bind(&first).bind(&end).bind(today).fetch_all(&mut *tx).await?.iter()
                        {
                            let l = lists.entry(r.try_get("uscc")?).or_default();
                            l.push(r.try_get("list_kind")?);
                            l.push(r.try_get("colour")?);
                        }
                        let flagged: std::collections::HashSet<String> = sqlx::query_scalar(
                            "SELECT DISTINCT uscc FROM credit_commitments WHERE uscc >= $1 AND uscc <= $2 AND kind IN ('approval', 'notification') AND status <> 'broken'",
                        ).bind(&first).bind(&end).fetch_all(&mut *tx).await?.into_iter().collect();
                        let mut prev: HashMap<String, (String, String, String, bool)> = HashMap::new();
                        for r in sqlx::query("SELECT uscc, class, reasons, rules_version, commitment_approval FROM credit_classes WHERE uscc >= $1 AND uscc <= $2")
                            .bind(&first).bind(&end).fetch_all(&mut *tx).await?.iter()
                        {
                            prev.insert(r.try_get("uscc")?, (r.try_get("class")?, r.try_get("reasons")?, r.try_get("rules_version")?, r.try_get("commitment_approval")?));
                        }
                        let mut batch_changed = 0i64;
                        for u in &usccs {
                            let facts = jianguan_domain::credit::Facts {
                                today,
                                events: events.remove(u).unwrap_or_default(),
                                lists: lists.remove(u).unwrap_or_default(),
                            };
                            let ev = rules.evaluate(&facts);
                            let p = prev.get(u);
                            if p.is_none_or(|p| p.0 != ev.class.label()) {
                                batch_changed += 1;
                            }
                            Self::credit_store_class(&mut tx, u, &ev, flagged.contains(u), p, "monthly").await?;
                        }
                        total += usccs.len() as i64;
                        changed += batch_changed;
                        self.append_audit(&mut tx, &actor.event("credit.class.batch", format!("entity:{first}..{end}"), serde_json::json!({ "entities": usccs.len(), "changed": batch_changed, "as_of": today, "rules_version": rules.version }))).await?;
                        tx.commit().await?;
                        last = end;
                        if (usccs.len() as i64) < RECLASSIFY_BATCH {
                            break;
                        }
                    }
                    Ok((total, changed))
                }

                async fn credit_reclassify_monthly(&self, actor: &Actor, today: NaiveDate) -> Result<Option<(i64, i64)>> {
                    let month = today.format("%Y-%m").to_string();
                    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credit_batch_runs WHERE month = $1").bind(&month).fetch_one(self.read()).await?;
                    if done > 0 {
                        return Ok(None);
                    }
                    let (n, changed) = self.credit_reclassify_all(actor, today).await?;
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query("INSERT INTO credit_batch_runs (month, entities, changed, ran_at) VALUES ($1, $2, $3, $4) ON CONFLICT (month) DO NOTHING")
                        .bind(&month).bind(n).bind(changed).bind(now()).execute(&mut *tx).await?;
                    if r.rows_affected() > 0 {
                        self.append_audit(&mut tx, &actor.event("credit.class.monthly", format!("credit_batch:{month}"), serde_json::json!({ "entities": n, "changed": changed }))).await?;
                    }
                    tx.commit().await?;
                    Ok(Some((n, changed)))
                }

                async fn commitment_create(&self, actor: &Actor, department_id: i64, i: &CommitmentInput) -> Result<Commitment> {
                    if jianguan_domain::credit::commitment_kind_label(&i.kind).is_none() {
                        return Err(StoreError::Invalid(format!("承诺类型“{}”无法识别", i.kind)));
                    }
                    if i.body.trim().is_empty() || i.body.chars().count() > 5000 {
                        return Err(StoreError::Invalid("承诺内容不能为空,最多5000字".into()));
                    }
                    if i.due_on < i.signed_on {
                        return Err(StoreError::Invalid("履约核查日期不能早于签署日期".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let name = entity_name_tx(&mut tx, &i.uscc).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO credit_commitments (uscc, kind, department_id, body, licence_ref, signed_on, due_on, status, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING id",
                    )
                    .bind(&i.uscc).bind(&i.kind).bind(department_id).bind(i.body.trim()).bind(i.licence_ref.trim())
                    .bind(i.signed_on).bind(i.due_on).bind(&actor.name).bind(now())
                    .fetch_one(&mut *tx).await?;
                    let label = jianguan_domain::credit::commitment_kind_label(&i.kind).unwrap_or("");
                    self.credit_event_tx(&mut tx, &NewCreditEvent {
                        uscc: i.uscc.clone(), kind: "commitment".into(), source_department_id: Some(department_id),
                        occurred_on: i.signed_on, title: format!("签署信用承诺({label})"),
                        detail: serde_json::json!({ "kind": label, "licence": i.licence_ref.trim(), "due_on": i.due_on }),
                        ref_kind: "commitment".into(), ref_id: id.to_string(), severity: Severity::Neutral, public: true, public_until: None,
                    }).await?;
                    self.append_audit(&mut tx, &actor.event("credit.commitment.create", format!("commitment:{id}"), serde_json::json!({ "uscc": i.uscc, "kind": i.kind, "due_on": i.due_on }))).await?;
                    let c = commitment_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    let _ = name;
                    Ok(c)
                }

                async fn commitment_get(&self, id: i64) -> Result<Commitment> {
                    let r = sqlx::query(&format!("{COMMITMENT_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(self.read()).await?
                        .ok_or_else(|| StoreError::NotFound(format!("信用承诺 {id} 不存在")))?;
                    commitment_row(&r)
                }

                async fn commitment_list(&self, uscc: Option<&str>) -> Result<Vec<Commitment>> {
                    let rows = match uscc {
                        Some(u) => sqlx::query(&format!("{COMMITMENT_SELECT} WHERE c.uscc = $1 ORDER BY c.id DESC LIMIT 500")).bind(u).fetch_all(self.read()).await?,
                        None => sqlx::query(&format!("{COMMITMENT_SELECT} ORDER BY c.id DESC LIMIT 500")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(commitment_row).collect()
                }

                async fn commitment_check(&self, actor: &Actor, id: i64, kept: bool, note: &str, today: NaiveDate) -> Result<Commitment> {
                    let mut tx = self.begin_write().await?;
                    let c = commitment_tx(&mut tx, id).await?;
                    if c.status != "pending" {
                        return Err(StoreError::Conflict(format!("该承诺已核查为“{}”", c.status_label())));
                    }
                    if !kept && note.trim().is_empty() {
                        return Err(StoreError::Invalid("认定未履行承诺须写明事实".into()));
                    }
                    let status = if kept { "kept" } else { "broken" };
                    sqlx::query("UPDATE credit_commitments SET status = $1, check_note = $2, checked_by = $3, checked_at = $4 WHERE id = $5")
                        .bind(status).bind(note.trim()).bind(&actor.name).bind(now()).bind(id).execute(&mut *tx).await?;
                    let (kind, title, severity) = if kept {
                        ("commitment_kept", format!("履行信用承诺({})", c.kind_label()), Severity::Positive)
                    } else {
                        ("commitment_broken", format!("未履行信用承诺({})", c.kind_label()), Severity::Serious)
                    };
                    self.credit_event_tx(&mut tx, &NewCreditEvent {
                        uscc: c.uscc.clone(), kind: kind.into(), source_department_id: Some(c.department_id), occurred_on: today, title,
                        detail: serde_json::json!({ "licence": c.licence_ref, "due_on": c.due_on, "note": note.trim() }),
                        ref_kind: "commitment".into(), ref_id: id.to_string(), severity, public: true,
                        public_until: if kept { None } else { jianguan_domain::credit::Publication::builtin().public_until("serious", today) },
                    }).await?;
                    self.append_audit(&mut tx, &actor.event("credit.commitment.check", format!("commitment:{id}"), serde_json::json!({ "status": status }))).await?;
                    let c = commitment_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn list_kinds(&self) -> Result<Vec<ListKind>> {
                    let rows = sqlx::query("SELECT * FROM credit_list_kinds ORDER BY colour DESC, code").fetch_all(self.read()).await?;
                    rows.iter().map(|r| Ok(ListKind {
                        code: r.try_get("code")?, colour: r.try_get("colour")?, name: r.try_get("name")?,
                        entry_rule: r.try_get("entry_rule")?, exit_rule: r.try_get("exit_rule")?, basis: r.try_get("basis")?,
                    })).collect()
                }

                async fn list_measures(&self) -> Result<Vec<ListMeasure>> {
                    let rows = sqlx::query("SELECT * FROM credit_list_measures ORDER BY list_kind, id").fetch_all(self.read()).await?;
                    rows.iter().map(measure_row).collect()
                }

                async fn list_entry_add(&self, actor: &Actor, department_id: i64, i: &ListEntryInput) -> Result<ListEntry> {
                    if i.basis.trim().is_empty() {
                        return Err(StoreError::Invalid("列入名单须写明依据".into()));
                    }
                    if i.expires_on.is_some_and(|e| e < i.effective_on) {
                        return Err(StoreError::Invalid("有效期截止日期不能早于生效日期".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    entity_name_tx(&mut tx, &i.uscc).await?;
                    let kind = sqlx::query("SELECT name, colour FROM credit_list_kinds WHERE code = $1").bind(&i.list_kind).fetch_optional(&mut *tx).await?
                        .ok_or_else(|| StoreError::Invalid(format!("名单类型“{}”不存在", i.list_kind)))?;
                    let (kname, colour): (String, String) = (kind.try_get("name")?, kind.try_get("colour")?);
                    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credit_list_entries WHERE uscc = $1 AND list_kind = $2 AND exited_on IS NULL AND (expires_on IS NULL OR expires_on >= $3)")
                        .bind(&i.uscc).bind(&i.list_kind).bind(i.effective_on).fetch_one(&mut *tx).await?;
                    if open > 0 {
                        return Err(StoreError::Conflict(format!("该主体已在{kname}中")));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO credit_list_entries (uscc, list_kind, department_id, basis, effective_on, expires_on, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    ).bind(&i.uscc).bind(&i.list_kind).bind(department_id).bind(i.basis.trim()).bind(i.effective_on).bind(i.expires_on)
                    .bind(&actor.name).bind(now()).fetch_one(&mut *tx).await?;
                    let severity = match colour.as_str() { "red" => Severity::Positive, "black" => Severity::Grave, _ => Severity::Minor };
                    self.credit_event_tx(&mut tx, &NewCreditEvent {
                        uscc: i.uscc.clone(), kind: "list_entry".into(), source_department_id: Some(department_id), occurred_on: i.effective_on,
                        title: format!("列入{kname}"), detail: serde_json::json!({ "list": kname, "basis": i.basis.trim(), "expires_on": i.expires_on }),
                        ref_kind: "list_entry".into(), ref_id: id.to_string(), severity, public: true, public_until: i.expires_on,
                    }).await?;
                    self.append_audit(&mut tx, &actor.event("credit.list.enter", format!("list_entry:{id}"), serde_json::json!({ "uscc": i.uscc, "list_kind": i.list_kind }))).await?;
                    let e = list_entry_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(e)
                }

                async fn list_entry_exit(&self, actor: &Actor, id: i64, reason: &str, today: NaiveDate) -> Result<ListEntry> {
                    if reason.trim().is_empty() {
                        return Err(StoreError::Invalid("移出名单须写明理由".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let e = list_entry_tx(&mut tx, id).await?;
                    if e.exited_on.is_some() {
                        return Err(StoreError::Conflict("该名单记录已移出".into()));
                    }
                    sqlx::query("UPDATE credit_list_entries SET exited_on = $1, exit_reason = $2 WHERE id = $3")
                        .bind(today).bind(reason.trim()).bind(id).execute(&mut *tx).await?;
                    self.credit_event_tx(&mut tx, &NewCreditEvent {
                        uscc: e.uscc.clone(), kind: "list_exit".into(), source_department_id: Some(e.department_id), occurred_on: today.max(e.effective_on),
                        title: format!("移出{}", e.list_name), detail: serde_json::json!({ "list": e.list_name, "reason": reason.trim() }),
                        ref_kind: "list_entry".into(), ref_id: id.to_string(), severity: Severity::Neutral, public: true, public_until: None,
                    }).await?;
                    // The class rules read list membership from the entries table.
                    self.credit_reclassify_tx(&mut tx, &e.uscc, &format!("list_exit:{id}"), today).await?;
                    self.append_audit(&mut tx, &actor.event("credit.list.exit", format!("list_entry:{id}"), serde_json::json!({ "uscc": e.uscc }))).await?;
                    let e = list_entry_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(e)
                }

                async fn list_entry_get(&self, id: i64) -> Result<ListEntry> {
                    let r = sqlx::query(&format!("{LIST_SELECT} WHERE e.id = $1")).bind(id).fetch_optional(self.read()).await?
                        .ok_or_else(|| StoreError::NotFound(format!("名单记录 {id} 不存在")))?;
                    list_entry_row(&r)
                }

                async fn list_entries(&self, uscc: Option<&str>) -> Result<Vec<ListEntry>> {
                    let rows = match uscc {
                        Some(u) => sqlx::query(&format!("{LIST_SELECT} WHERE e.uscc = $1 ORDER BY e.id DESC LIMIT 500")).bind(u).fetch_all(self.read()).await?,
                        None => sqlx::query(&format!("{LIST_SELECT} ORDER BY e.id DESC LIMIT 500")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(list_entry_row).collect()
                }

                async fn measures_in_force(&self, uscc: &str, today: NaiveDate) -> Result<MeasuresInForce> {
                    let name: String = sqlx::query_scalar("SELECT name FROM entities WHERE uscc = $1").bind(uscc).fetch_optional(self.read()).await?
                        .ok_or_else(|| StoreError::NotFound(format!("统一社会信用代码 {uscc} 不在检查对象名录库中")))?;
                    let entries: Vec<ListEntry> = self.list_entries(Some(uscc)).await?.into_iter().filter(|e| e.in_force(today)).collect();
                    let measures = self.list_measures().await?.into_iter().filter(|m| entries.iter().any(|e| e.list_kind == m.list_kind)).collect();
                    Ok(MeasuresInForce { uscc: uscc.into(), entity_name: name, as_of: today, entries, measures })
                }

                async fn repair_apply(&self, actor: &Actor, i: &RepairInput, today: NaiveDate) -> Result<Repair> {
                    if i.applicant.trim().is_empty() || i.reason.trim().is_empty() || i.evidence.trim().is_empty() {
                        return Err(StoreError::Invalid("请填写申请人、申请理由和证明材料".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query("SELECT * FROM credit_events WHERE id = $1").bind(i.event_id).fetch_optional(&mut *tx).await?
                        .ok_or_else(|| StoreError::NotFound(format!("信用记录 {} 不存在", i.event_id)))?;
                    let ev = credit_event_row(&r)?;
                    if ev.withdrawn_at.is_some() {
                        return Err(StoreError::Conflict("该信息已停止公示,无需修复".into()));
                    }
                    let pubr = jianguan_domain::credit::Publication::builtin();
                    let Some(earliest) = pubr.earliest_repair(ev.severity.code(), ev.occurred_on) else {
                        return Err(StoreError::Invalid("该记录不是失信信息,不适用信用修复".into()));
                    };
                    if today < earliest {
                        return Err(StoreError::Invalid(format!("最短公示期未满,最早可于 {earliest} 申请信用修复")));
                    }
                    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credit_repairs WHERE event_id = $1 AND status NOT IN ('approved', 'rejected')")
                        .bind(i.event_id).fetch_one(&mut *tx).await?;
                    if open > 0 {
                        return Err(StoreError::Conflict("该记录已有正在办理的修复申请".into()));
                    }
                    let dept = ev.source_department_id.or(actor.department_id)
                        .ok_or_else(|| StoreError::Invalid("无法确定受理部门".into()))?;
                    let due = Stage::First.deadline(pubr, &jianguan_domain::calendar::WorkCalendar::builtin(), today);
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO credit_repairs (uscc, event_id, department_id, applicant, reason, evidence, status, stage_due_on, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'pending_first', $7, $8, $9, $9) RETURNING id",
                    ).bind(&ev.uscc).bind(ev.id).bind(dept).bind(i.applicant.trim()).bind(i.reason.trim()).bind(i.evidence.trim())
                    .bind(due).bind(&actor.name).bind(t).fetch_one(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("credit.repair.apply", format!("credit_repair:{id}"), serde_json::json!({ "uscc": ev.uscc, "event_id": ev.id }))).await?;
                    let out = repair_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn repair_get(&self, id: i64) -> Result<(Repair, Vec<RepairReview>)> {
                    let mut conn = self.read().acquire().await?;
                    let r = repair_conn(&mut conn, id).await?;
                    let rows = sqlx::query("SELECT * FROM credit_repair_reviews WHERE repair_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await?;
                    let reviews = rows.iter().map(review_row).collect::<Result<Vec<_>>>()?;
                    Ok((r, reviews))
                }

                async fn repair_list(&self, uscc: Option<&str>) -> Result<Vec<Repair>> {
                    let rows = match uscc {
                        Some(u) => sqlx::query(&format!("{REPAIR_SELECT} WHERE r.uscc = $1 ORDER BY r.id DESC LIMIT 500")).bind(u).fetch_all(self.read()).await?,
                        None => sqlx::query(&format!("{REPAIR_SELECT} ORDER BY r.id DESC LIMIT 500")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(repair_row).collect()
                }

                async fn repair_review(&self, actor: &Actor, id: i64, stage: Stage, decision: Decision, opinion: &str, today: NaiveDate) -> Result<Repair> {
                    use jianguan_domain::credit::{PastReview, RepairStatus};
                    let mut tx = self.begin_write().await?;
                    let rep = repair_tx(&mut tx, id).await?;
                    let status = rep.state().ok_or_else(|| StoreError::Invalid("修复申请状态无法识别".into()))?;
                    let rows = sqlx::query("SELECT * FROM credit_repair_reviews WHERE repair_id = $1 AND stage <> 'resubmit' ORDER BY id").bind(id).fetch_all(&mut *tx).await?;
                    let mut past = Vec::new();
                    for r in &rows {
                        let rv = review_row(r)?;
                        if let (Some(st), Some(d)) = (Stage::parse(&rv.stage), Decision::parse(&rv.decision)) {
                            past.push(PastReview { stage: st, reviewer: rv.reviewer, decision: d });
                        }
                    }
                    let next = jianguan_domain::credit::review(status, stage, &actor.name, decision, opinion, &past)
                        .map_err(|e| match e {
                            jianguan_domain::credit::RepairError::EmptyOpinion => StoreError::Invalid(e.to_string()),
                            _ => StoreError::Conflict(e.to_string()),
                        })?;
                    let pubr = jianguan_domain::credit::Publication::builtin();
                    let cal = jianguan_domain::calendar::WorkCalendar::builtin();
                    let due = match next {
                        RepairStatus::Pending(s) => Some(s.deadline(pubr, &cal, today)),
                        _ => None,
                    };
                    sqlx::query("INSERT INTO credit_repair_reviews (repair_id, stage, reviewer, decision, opinion, due_on, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(id).bind(stage.code()).bind(&actor.name).bind(decision.code()).bind(opinion.trim()).bind(rep.stage_due_on).bind(now())
                        .execute(&mut *tx).await?;
                    sqlx::query("UPDATE credit_repairs SET status = $1, stage_due_on = $2, updated_at = $3 WHERE id = $4")
                        .bind(next.code()).bind(due).bind(now()).bind(id).execute(&mut *tx).await?;
                    if next == RepairStatus::Approved {
                        let r = sqlx::query("SELECT * FROM credit_events WHERE id = $1").bind(rep.event_id).fetch_one(&mut *tx).await?;
                        let ev = credit_event_row(&r)?;
                        self.credit_withdraw_tx(&mut tx, &ev.ref_kind, &ev.ref_id, "信用修复完成").await?;
                        self.credit_event_tx(&mut tx, &NewCreditEvent {
                            uscc: rep.uscc.clone(), kind: "repair".into(), source_department_id: Some(rep.department_id), occurred_on: today,
                            title: format!("信用修复完成:{}", ev.title), detail: serde_json::json!({ "event_id": ev.id }),
                            ref_kind: "credit_repair".into(), ref_id: id.to_string(), severity: Severity::Neutral, public: false, public_until: None,
                        }).await?;
                    }
                    self.append_audit(&mut tx, &actor.event("credit.repair.review", format!("credit_repair:{id}"), serde_json::json!({ "stage": stage.code(), "decision": decision.code(), "status": next.code() }))).await?;
                    let out = repair_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn repair_resubmit(&self, actor: &Actor, id: i64, evidence: &str, today: NaiveDate) -> Result<Repair> {
                    if evidence.trim().is_empty() {
                        return Err(StoreError::Invalid("请填写补正的材料".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let rep = repair_tx(&mut tx, id).await?;
                    let status = rep.state().ok_or_else(|| StoreError::Invalid("修复申请状态无法识别".into()))?;
                    let next = jianguan_domain::credit::resubmit(status).map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let due = match next {
                        jianguan_domain::credit::RepairStatus::Pending(s) => Some(s.deadline(jianguan_domain::credit::Publication::builtin(), &jianguan_domain::calendar::WorkCalendar::builtin(), today)),
                        _ => None,
                    };
                    let evidence_all = format!("{}\n【补正材料 {today}】{}", rep.evidence, evidence.trim());
                    sqlx::query("UPDATE credit_repairs SET status = $1, stage_due_on = $2, evidence = $3, updated_at = $4 WHERE id = $5")
                        .bind(next.code()).bind(due).bind(evidence_all).bind(now()).bind(id).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO credit_repair_reviews (repair_id, stage, reviewer, decision, opinion, due_on, reviewed_at) VALUES ($1, 'resubmit', $2, 'resubmit', $3, $4, $5)")
                        .bind(id).bind(&actor.name).bind(evidence.trim()).bind(due).bind(now()).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("credit.repair.resubmit", format!("credit_repair:{id}"), serde_json::json!({ "status": next.code() }))).await?;
                    let out = repair_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn credit_training_create(&self, actor: &Actor, department_id: i64, i: &CreditTrainingInput) -> Result<CreditTraining> {
                    if i.title.trim().is_empty() || i.location.trim().is_empty() {
                        return Err(StoreError::Invalid("请填写培训名称和地点".into()));
                    }
                    if i.attendees.is_empty() {
                        return Err(StoreError::Invalid("请至少登记一名参训人员".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar("INSERT INTO credit_trainings (department_id, title, held_on, location, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                        .bind(department_id).bind(i.title.trim()).bind(i.held_on).bind(i.location.trim()).bind(&actor.name).bind(now())
                        .fetch_one(&mut *tx).await?;
                    for (u, name) in &i.attendees {
                        entity_name_tx(&mut tx, u).await?;
                        if name.trim().is_empty() {
                            return Err(StoreError::Invalid("参训人员姓名不能为空".into()));
                        }
                        sqlx::query("INSERT INTO credit_training_attendees (training_id, uscc, attendee) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                            .bind(id).bind(u).bind(name.trim()).execute(&mut *tx).await?;
                    }
                    self.append_audit(&mut tx, &actor.event("credit.training.create", format!("credit_training:{id}"), serde_json::json!({ "attendees": i.attendees.len() }))).await?;
                    tx.commit().await?;
                    self.credit_training_list().await?.into_iter().find(|t| t.id == id).ok_or_else(|| StoreError::NotFound("培训不存在".into()))
                }

                async fn credit_training_list(&self) -> Result<Vec<CreditTraining>> {
                    let rows = sqlx::query("SELECT * FROM credit_trainings ORDER BY held_on DESC, id DESC LIMIT 200").fetch_all(self.read()).await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        let id: i64 = r.try_get("id")?;
                        let att = sqlx::query("SELECT uscc, attendee FROM credit_training_attendees WHERE training_id = $1 ORDER BY uscc, attendee")
                            .bind(id).fetch_all(self.read()).await?
                            .iter().map(|a| Ok((a.try_get("uscc")?, a.try_get("attendee")?))).collect::<Result<Vec<_>>>()?;
                        out.push(CreditTraining {
                            id, department_id: r.try_get("department_id")?, title: r.try_get("title")?, held_on: r.try_get("held_on")?,
                            location: r.try_get("location")?, attendees: att, created_by: r.try_get("created_by")?, created_at: r.try_get("created_at")?,
                        });
                    }
                    Ok(out)
                }

                async fn objection_file(&self, actor: &Actor, i: &ObjectionInput) -> Result<Objection> {
                    if jianguan_domain::credit::objection_field_label(&i.field).is_none() {
                        return Err(StoreError::Invalid(format!("信用记录没有“{}”这一字段,无法提出异议", i.field)));
                    }
                    if i.applicant.trim().is_empty() || i.reason.trim().is_empty() {
                        return Err(StoreError::Invalid("请填写申请人和异议理由".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query("SELECT * FROM credit_events WHERE id = $1").bind(i.event_id).fetch_optional(&mut *tx).await?
                        .ok_or_else(|| StoreError::NotFound(format!("信用记录 {} 不存在", i.event_id)))?;
                    let ev = credit_event_row(&r)?;
                    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credit_objections WHERE event_id = $1 AND field = $2 AND status = 'open'")
                        .bind(ev.id).bind(&i.field).fetch_one(&mut *tx).await?;
                    if open > 0 {
                        return Err(StoreError::Conflict("该字段已有正在处理的异议".into()));
                    }
                    let old = event_field(&ev, &i.field).unwrap_or_default();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO credit_objections (uscc, event_id, field, old_value, applicant, reason, status, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) RETURNING id",
                    ).bind(&ev.uscc).bind(ev.id).bind(&i.field).bind(&old).bind(i.applicant.trim()).bind(i.reason.trim()).bind(&actor.name).bind(now())
                    .fetch_one(&mut *tx).await?;
                    self.credit_event_tx(&mut tx, &NewCreditEvent {
                        uscc: ev.uscc.clone(), kind: "objection".into(), source_department_id: ev.source_department_id, occurred_on: cst_today(),
                        title: format!("对“{}”的{}提出异议", ev.title, jianguan_domain::credit::objection_field_label(&i.field).unwrap_or("")),
                        detail: serde_json::json!({ "event_id": ev.id, "field": i.field }),
                        ref_kind: "credit_objection".into(), ref_id: id.to_string(), severity: Severity::Neutral, public: false, public_until: None,
                    }).await?;
                    self.append_audit(&mut tx, &actor.event("credit.objection.file", format!("credit_objection:{id}"), serde_json::json!({ "event_id": ev.id, "field": i.field }))).await?;
                    let o = objection_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(o)
                }

                async fn objection_get(&self, id: i64) -> Result<Objection> {
                    let r = sqlx::query(&format!("{OBJECTION_SELECT} WHERE o.id = $1")).bind(id).fetch_optional(self.read()).await?
                        .ok_or_else(|| StoreError::NotFound(format!("异议申诉 {id} 不存在")))?;
                    objection_row(&r)
                }

                async fn objection_list(&self, uscc: Option<&str>) -> Result<Vec<Objection>> {
                    let rows = match uscc {
                        Some(u) => sqlx::query(&format!("{OBJECTION_SELECT} WHERE o.uscc = $1 ORDER BY o.id DESC LIMIT 500")).bind(u).fetch_all(self.read()).await?,
                        None => sqlx::query(&format!("{OBJECTION_SELECT} ORDER BY o.id DESC LIMIT 500")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(objection_row).collect()
                }

                async fn objection_resolve(&self, actor: &Actor, id: i64, correct: bool, new_value: Option<&str>, reasons: &str) -> Result<Objection> {
                    use jianguan_domain::credit::ObjectionStatus;
                    let mut tx = self.begin_write().await?;
                    let o = objection_tx(&mut tx, id).await?;
                    let st = ObjectionStatus::parse(&o.status).ok_or_else(|| StoreError::Invalid("异议状态无法识别".into()))?;
                    let next = jianguan_domain::credit::resolve_objection(st, correct, new_value, reasons).map_err(|e| {
                        if st == ObjectionStatus::Open { StoreError::Invalid(e) } else { StoreError::Conflict(e) }
                    })?;
                    let new_value = new_value.map(str::trim).filter(|_| correct);
                    if let Some(v) = new_value {
                        let seq = self.credit_next_seq(&mut tx).await?;
                        let q = match o.field.as_str() {
                            "title" => sqlx::query("UPDATE credit_events SET title = $1, change_seq = $2 WHERE id = $3").bind(v.to_string()),
                            "occurred_on" => {
                                let d: NaiveDate = v.parse().map_err(|_| StoreError::Invalid("更正后的日期格式应为 YYYY-MM-DD".into()))?;
                                sqlx::query("UPDATE credit_events SET occurred_on = $1, change_seq = $2 WHERE id = $3").bind(d.to_string())
                            }
                            "severity" => {
                                let s = Severity::from_code(v).or_else(|| Severity::ALL.into_iter().find(|s| s.label() == v))
                                    .ok_or_else(|| StoreError::Invalid("更正后的失信程度无法识别".into()))?;
                                sqlx::query("UPDATE credit_events SET severity = $1, change_seq = $2 WHERE id = $3").bind(s.code().to_string())
                            }
                            _ => {
                                let j: serde_json::Value = serde_json::from_str(v).unwrap_or_else(|_| serde_json::json!({ "说明": v }));
                                sqlx::query("UPDATE credit_events SET detail = $1, change_seq = $2 WHERE id = $3").bind(j.to_string())
                            }
                        };
                        q.bind(seq).bind(o.event_id).execute(&mut *tx).await?;
                    }
                    sqlx::query("UPDATE credit_objections SET status = $1, new_value = $2, resolution = $3, resolved_by = $4, resolved_at = $5 WHERE id = $6")
                        .bind(next.code()).bind(new_value).bind(reasons.trim()).bind(&actor.name).bind(now()).bind(id).execute(&mut *tx).await?;
                    self.credit_reclassify_tx(&mut tx, &o.uscc, &format!("credit_objection:{id}"), cst_today()).await?;
                    self.append_audit(&mut tx, &actor.event("credit.objection.resolve", format!("credit_objection:{id}"), serde_json::json!({ "status": next.code(), "field": o.field }))).await?;
                    let o = objection_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(o)
                }

                async fn credit_public(&self, uscc: &str, today: NaiveDate) -> Result<Option<PublicCredit>> {
                    let Some(e) = sqlx::query("SELECT uscc, name, legal_rep_masked, address, status FROM entities WHERE uscc = $1")
                        .bind(uscc).fetch_optional(self.read()).await? else { return Ok(None) };
                    let rows = sqlx::query(
                        "SELECT * FROM credit_events WHERE uscc = $1 AND public = $2 AND withdrawn_at IS NULL \
                         AND (public_until IS NULL OR public_until >= $3) ORDER BY occurred_on DESC, id DESC LIMIT 200",
                    ).bind(uscc).bind(true).bind(today).fetch_all(self.read()).await?;
                    let objected = sqlx::query("SELECT event_id, field FROM credit_objections WHERE uscc = $1 AND status = 'open'")
                        .bind(uscc).fetch_all(self.read()).await?;
                    let mut events = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let ev = credit_event_row(r)?;
                        let mut fields = Vec::new();
                        for o in &objected {
                            if o.try_get::<i64, _>("event_id")? == ev.id {
                                fields.push(o.try_get::<String, _>("field")?);
                            }
                        }
                        events.push(public_event(&ev, &fields));
                    }
                    let mut commitments = self.commitment_list(Some(uscc)).await?;
                    for c in &mut commitments {
                        c.created_by.clear();
                        c.checked_by = None;
                    }
                    let mut lists: Vec<ListEntry> = self.list_entries(Some(uscc)).await?.into_iter().filter(|l| l.in_force(today)).collect();
                    for l in &mut lists {
                        l.created_by.clear();
                    }
                    Ok(Some(PublicCredit {
                        uscc: e.try_get("uscc")?, name: e.try_get("name")?, legal_rep_masked: e.try_get("legal_rep_masked")?,
                        address: e.try_get("address")?, status: e.try_get("status")?, events, commitments, lists,
                    }))
                }

                async fn credit_search(&self, q: &str) -> Result<Vec<(String, String)>> {
                    let q = q.trim();
                    if q.is_empty() {
                        return Ok(Vec::new());
                    }
                    let up = q.to_ascii_uppercase();
                    let rows = if up.len() == 18 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        sqlx::query("SELECT uscc, name FROM entities WHERE uscc = $1").bind(&up).fetch_all(self.read()).await?
                    } else {
                        let pat = format!("%{}%", $crate::registry::like_escape(q));
                        sqlx::query("SELECT uscc, name FROM entities WHERE name LIKE $1 ESCAPE '\\' ORDER BY uscc LIMIT 20").bind(pat).fetch_all(self.read()).await?
                    };
                    rows.iter().map(|r| Ok((r.try_get("uscc")?, r.try_get("name")?))).collect()
                }

            }
        }
    };
}
