//! Enforcement records (行政检查、行政处罚、行政强制), discretion benchmarks, legal review, publicity, full-process records, accountability.
//!
//! * Every record lands in the entity's credit record in its own transaction: an
//!   inspection or coercive measure when recorded, a penalty when decided (public, until
//!   the end of its minimum publication period).
//! * A penalty outside its benchmark band carries a written reason and waits for a second
//!   approval by someone other than the handler; a penalty outside every band is refused.
//! * A major decision cannot be decided until a legal reviewer other than the handler
//!   approves it (the opinion is recorded).
//! * Evidence files are referenced by SHA-256 (the bytes live in the file store) and the
//!   audit entry of each upload carries the hash.
//! * Fines are kept for 收支两条线 reporting: totals per department and month, never a
//!   ranking of units or people.

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::enforcement::benchmark::{Benchmark, ExemptionKind};
use jianguan_domain::enforcement::response::ResponseInput;
use jianguan_domain::enforcement::{
    CoerciveFields, CommonFields, InspectionFields, MajorCriteria, Officer, PenaltyFields, PenaltyKind,
    PublicationPeriods, RecordKind,
};
use serde::{Deserialize, Serialize};

/// A record as entered: the common fields and those of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub department_id: i64,
    pub uscc: String,
    pub common: CommonFields,
    pub detail: CaseDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseDetail {
    Inspection(InspectionFields),
    Penalty {
        fields: PenaltyFields,
        /// The written reason when the penalty lies outside its band.
        band_reason: String,
    },
    Coercive(CoerciveFields),
}

impl CaseDetail {
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Inspection(_) => RecordKind::Inspection,
            Self::Penalty { .. } => RecordKind::Penalty,
            Self::Coercive(_) => RecordKind::CoerciveMeasure,
        }
    }
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnfCase {
    pub id: i64,
    pub kind: RecordKind,
    pub department_id: i64,
    pub department: String,
    pub uscc: String,
    pub entity_name: String,
    pub item_code: String,
    pub action_no: String,
    pub implementing_body: String,
    pub subject_name: String,
    /// The subject as the public sees it (a natural person masked).
    pub subject_public: String,
    pub subject_is_person: bool,
    pub officers: Vec<Officer>,
    pub occurred_on: NaiveDate,
    pub handler: String,
    pub handler_account_id: Option<i64>,
    /// `recorded` (inspection), `draft` / `decided` / `published` / `withdrawn` (penalty),
    /// `in_force` / `lifted` (coercive measure).
    pub status: String,
    pub draw_inspection_id: Option<i64>,
    pub insp_form: String,
    pub insp_type: String,
    pub insp_method: String,
    pub insp_result: String,
    pub insp_note: String,
    pub case_source: String,
    pub violation_code: String,
    pub circumstance: String,
    pub facts: String,
    pub legal_basis: String,
    pub penalty_kinds: Vec<PenaltyKind>,
    pub fine_fen: i64,
    pub confiscated_fen: i64,
    pub decision_no: String,
    pub collective_discussion: bool,
    pub hearing_held: bool,
    pub remedy: String,
    pub major: bool,
    pub major_reasons: Vec<String>,
    /// `none`, `pending`, `approved`, `returned`.
    pub review_status: String,
    pub out_of_band: bool,
    pub band_deviations: Vec<String>,
    pub band_reason: String,
    /// `none`, `pending`, `approved`.
    pub band_status: String,
    pub band_approved_by: Option<String>,
    pub band_approved_at: Option<Timestamp>,
    pub band_opinion: String,
    /// Set when the violation is on a 首违不罚 / 轻微免罚 list.
    pub exemption_hint: String,
    pub grave: bool,
    pub decided_on: Option<NaiveDate>,
    pub publish_due: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub public_until: Option<NaiveDate>,
    pub withdrawn_at: Option<Timestamp>,
    pub withdrawn_reason: String,
    pub coercive_kind: String,
    pub coercive_reason: String,
    pub coercive_objects: String,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub created_at: Timestamp,
    pub reviews: Vec<Review>,
    pub responses: Vec<Response>,
    pub evidence: Vec<Evidence>,
    /// `(step, done_on, done_by)`.
    pub steps: Vec<(String, NaiveDate, String)>,
}

impl EnfCase {
    /// Can the decision be made now (penalties): band approved if out of band, review
    /// approved if major. Returns the first obstacle.
    pub fn decision_blocker(&self) -> Option<&'static str> {
        if self.kind != RecordKind::Penalty {
            return Some("只有行政处罚案件需要作出决定");
        }
        if self.status != "draft" {
            return Some("该案件已作出决定");
        }
        if self.out_of_band && self.band_status != "approved" {
            return Some("处罚超出裁量基准幅度,须经承办人以外的人员审批后才能作出决定");
        }
        if self.major && self.review_status != "approved" {
            return Some("重大执法决定未经法制审核通过,不能作出决定");
        }
        None
    }

    pub fn step_done(&self, step: &str) -> Option<NaiveDate> {
        self.steps.iter().find(|s| s.0 == step).map(|s| s.1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub reviewer: String,
    /// `approve` or `return`.
    pub decision: String,
    pub opinion: String,
    pub reviewed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub id: i64,
    pub measure: String,
    pub decided_on: NaiveDate,
    pub follow_up_due: Option<NaiveDate>,
    pub licence_no: String,
    pub transferred_on: Option<NaiveDate>,
    pub receiving_authority: String,
    pub note: String,
    pub completed_on: Option<NaiveDate>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: i64,
    pub case_id: i64,
    pub step: String,
    pub file_name: String,
    /// `pdf`, `png`, `jpeg`, `docx`, `xlsx` or `txt`.
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
}

/// An evidence file's metadata as uploaded (the bytes already stored under `sha256`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvidence {
    pub step: String,
    pub file_name: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
}

/// The steps evidence may be filed under.
pub const EVIDENCE_STEPS: &[(&str, &str)] = &[
    ("inspection", "检查"),
    ("investigation", "调查取证"),
    ("notice", "告知与陈述申辩"),
    ("hearing", "听证"),
    ("decision", "决定与送达"),
    ("enforcement", "执行"),
    ("coercive", "强制措施"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBenchmark {
    pub id: i64,
    pub department_id: i64,
    pub benchmark: Benchmark,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    pub id: i64,
    pub department_id: i64,
    pub kind: ExemptionKind,
    pub violation_code: String,
    pub note: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaseFilter {
    pub department_id: Option<i64>,
    pub kind: Option<RecordKind>,
    pub status: Option<String>,
    pub uscc: Option<String>,
    /// Major penalties waiting for legal review.
    pub review_pending: bool,
    pub limit: i64,
}

/// A published penalty decision, public fields only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPenalty {
    pub id: i64,
    pub decision_no: String,
    pub uscc: String,
    pub subject: String,
    pub department: String,
    pub implementing_body: String,
    pub facts: String,
    pub legal_basis: String,
    pub kinds: String,
    pub fine_fen: i64,
    pub confiscated_fen: i64,
    pub decided_on: NaiveDate,
    pub published_on: NaiveDate,
    pub public_until: Option<NaiveDate>,
}

/// 收支两条线: a department's fines and confiscations of a month (never ranked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FineTotal {
    pub month: String,
    pub cases: i64,
    pub fine_fen: i64,
    pub confiscated_fen: i64,
}

/// Why a published penalty is withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    PeriodEnded,
    Repaired,
    Revoked,
}

impl WithdrawReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::PeriodEnded => "period_ended",
            Self::Repaired => "repaired",
            Self::Revoked => "revoked",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::PeriodEnded, Self::Repaired, Self::Revoked].into_iter().find(|r| r.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PeriodEnded => "公示期满",
            Self::Repaired => "信用修复完成",
            Self::Revoked => "处罚决定被撤销",
        }
    }
}

#[async_trait]
pub trait EnforcementStore: Send + Sync {
    // --- benchmarks and exemption lists ---------------------------------------------------
    /// Adds or replaces a benchmark (a department may only replace its own).
    async fn enf_benchmark_set(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        b: &Benchmark,
    ) -> crate::Result<StoredBenchmark>;
    async fn enf_benchmarks(&self) -> crate::Result<Vec<StoredBenchmark>>;
    async fn enf_benchmark(&self, violation_code: &str) -> crate::Result<StoredBenchmark>;
    async fn enf_exemption_add(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        kind: ExemptionKind,
        violation_code: &str,
        note: &str,
    ) -> crate::Result<Exemption>;
    async fn enf_exemptions(&self) -> crate::Result<Vec<Exemption>>;

    // --- records -----------------------------------------------------------------------------
    /// Records an inspection, a penalty (as a draft) or a coercive measure. Inspections and
    /// coercive measures enter the credit record at once; penalties when decided.
    async fn enf_case_create(
        &self,
        actor: &crate::Actor,
        c: &NewCase,
        criteria: &MajorCriteria,
        today: NaiveDate,
    ) -> crate::Result<EnfCase>;
    async fn enf_case(&self, id: i64) -> crate::Result<EnfCase>;
    async fn enf_cases(&self, filter: &CaseFilter) -> crate::Result<Vec<EnfCase>>;
    /// Imports the department's approved or published draw inspections not yet linked,
    /// as inspection records (form 双随机抽查). Returns the new records.
    async fn enf_import_draw(&self, actor: &crate::Actor, department_id: i64) -> crate::Result<Vec<EnfCase>>;

    /// The second approval of an out-of-band penalty, by someone other than the handler.
    async fn enf_band_approve(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        opinion: &str,
    ) -> crate::Result<EnfCase>;
    /// A legal reviewer's decision on a major penalty (never the handler's own case).
    async fn enf_review(&self, actor: &crate::Actor, id: i64, approve: bool, opinion: &str) -> crate::Result<EnfCase>;
    /// Makes the decision: checks band approval and legal review, sets the publicity
    /// deadline and publication period, writes the credit record.
    async fn enf_decide(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        decided_on: NaiveDate,
        publish_due: NaiveDate,
        periods: &PublicationPeriods,
    ) -> crate::Result<EnfCase>;
    async fn enf_publish(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        on: NaiveDate,
    ) -> crate::Result<EnfCase>;
    async fn enf_withdraw(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: Option<i64>,
        reason: WithdrawReason,
        today: NaiveDate,
    ) -> crate::Result<EnfCase>;
    /// Withdraws published penalties whose publication period ended before `today`.
    async fn enf_expire(&self, actor: &crate::Actor, today: NaiveDate) -> crate::Result<Vec<i64>>;
    /// Decided penalties not published by their deadline.
    async fn enf_publicity_overdue(&self, department_id: Option<i64>, today: NaiveDate) -> crate::Result<Vec<EnfCase>>;
    async fn enf_public_penalties(&self, uscc: Option<&str>, limit: i64) -> crate::Result<Vec<PublicPenalty>>;
    async fn enf_lift(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        on: NaiveDate,
    ) -> crate::Result<EnfCase>;

    // --- graded response, evidence, accountability, fines ---------------------------------
    async fn enf_response_add(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        r: &ResponseInput,
        follow_up_due: Option<NaiveDate>,
    ) -> crate::Result<EnfCase>;
    async fn enf_response_complete(
        &self,
        actor: &crate::Actor,
        response_id: i64,
        department_id: i64,
        on: NaiveDate,
    ) -> crate::Result<EnfCase>;
    async fn enf_evidence_add(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        e: &NewEvidence,
    ) -> crate::Result<Evidence>;
    async fn enf_evidence(&self, evidence_id: i64) -> crate::Result<Evidence>;
    /// Marks a checklist step done (steps the workflow does not mark itself).
    async fn enf_step_done(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        step: &str,
        on: NaiveDate,
    ) -> crate::Result<EnfCase>;
    /// 收支两条线: a department's decided fines per month of a year.
    async fn enf_fine_totals(&self, department_id: i64, year: i32) -> crate::Result<Vec<FineTotal>>;
}

/// Implements [`EnforcementStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_enforcement_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod enforcement_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::credit::{NewCreditEvent, Severity};
            use $crate::enforcement::*;
            use $crate::fairness::check_text;
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::enforcement::benchmark::{self as bm, Benchmark, ExemptionKind};
            use jianguan_domain::enforcement::response::ResponseInput;
            use jianguan_domain::enforcement::{self as en, MajorCriteria, PenaltyKind, PublicationPeriods, RecordKind};

            type Conn = <$DB as sqlx::Database>::Connection;

            const CASE_SELECT: &str = "SELECT c.*, d.name AS department FROM enf_cases c JOIN departments d ON d.id = c.department_id";

            fn invalid(m: impl Into<String>) -> StoreError {
                StoreError::Invalid(m.into())
            }

            fn json_list<T: serde::de::DeserializeOwned>(s: &str) -> Vec<T> {
                serde_json::from_str(s).unwrap_or_default()
            }

            fn case_row(r: &$Row) -> Result<EnfCase> {
                let kind: String = r.try_get("kind")?;
                let officers: String = r.try_get("officers")?;
                let kinds: String = r.try_get("penalty_kinds")?;
                let reasons: String = r.try_get("major_reasons")?;
                let devs: String = r.try_get("band_deviations")?;
                Ok(EnfCase {
                    id: r.try_get("id")?,
                    kind: RecordKind::from_code(&kind).ok_or_else(|| invalid(format!("记录类型“{kind}”无法识别")))?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    item_code: r.try_get("item_code")?,
                    action_no: r.try_get("action_no")?,
                    implementing_body: r.try_get("implementing_body")?,
                    subject_name: r.try_get("subject_name")?,
                    subject_public: r.try_get("subject_public")?,
                    subject_is_person: r.try_get("subject_is_person")?,
                    officers: json_list(&officers),
                    occurred_on: r.try_get("occurred_on")?,
                    handler: r.try_get("handler")?,
                    handler_account_id: r.try_get("handler_account_id")?,
                    status: r.try_get("status")?,
                    draw_inspection_id: r.try_get("draw_inspection_id")?,
                    insp_form: r.try_get("insp_form")?,
                    insp_type: r.try_get("insp_type")?,
                    insp_method: r.try_get("insp_method")?,
                    insp_result: r.try_get("insp_result")?,
                    insp_note: r.try_get("insp_note")?,
                    case_source: r.try_get("case_source")?,
                    violation_code: r.try_get("violation_code")?,
                    circumstance: r.try_get("circumstance")?,
                    facts: r.try_get("facts")?,
                    legal_basis: r.try_get("legal_basis")?,
                    penalty_kinds: PenaltyKind::parse_list(&kinds).map_err(invalid)?,
                    fine_fen: r.try_get("fine_fen")?,
                    confiscated_fen: r.try_get("confiscated_fen")?,
                    decision_no: r.try_get("decision_no")?,
                    collective_discussion: r.try_get("collective_discussion")?,
                    hearing_held: r.try_get("hearing_held")?,
                    remedy: r.try_get("remedy")?,
                    major: r.try_get("major")?,
                    major_reasons: json_list(&reasons),
                    review_status: r.try_get("review_status")?,
                    out_of_band: r.try_get("out_of_band")?,
                    band_deviations: json_list(&devs),
                    band_reason: r.try_get("band_reason")?,
                    band_status: r.try_get("band_status")?,
                    band_approved_by: r.try_get("band_approved_by")?,
                    band_approved_at: r.try_get("band_approved_at")?,
                    band_opinion: r.try_get("band_opinion")?,
                    exemption_hint: r.try_get("exemption_hint")?,
                    grave: r.try_get("grave")?,
                    decided_on: r.try_get("decided_on")?,
                    publish_due: r.try_get("publish_due")?,
                    published_on: r.try_get("published_on")?,
                    public_until: r.try_get("public_until")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_reason: r.try_get("withdrawn_reason")?,
                    coercive_kind: r.try_get("coercive_kind")?,
                    coercive_reason: r.try_get("coercive_reason")?,
                    coercive_objects: r.try_get("coercive_objects")?,
                    start_on: r.try_get("start_on")?,
                    end_on: r.try_get("end_on")?,
                    created_at: r.try_get("created_at")?,
                    reviews: Vec::new(),
                    responses: Vec::new(),
                    evidence: Vec::new(),
                    steps: Vec::new(),
                })
            }

            fn evidence_row(r: &$Row) -> Result<Evidence> {
                Ok(Evidence {
                    id: r.try_get("id")?,
                    case_id: r.try_get("case_id")?,
                    step: r.try_get("step")?,
                    file_name: r.try_get("file_name")?,
                    kind: r.try_get("kind")?,
                    size: r.try_get("size")?,
                    sha256: r.try_get("sha256")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                    uploaded_at: r.try_get("uploaded_at")?,
                })
            }

            fn benchmark_row(r: &$Row) -> Result<StoredBenchmark> {
                let bands: String = r.try_get("bands")?;
                Ok(StoredBenchmark {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    benchmark: Benchmark {
                        violation_code: r.try_get("violation_code")?,
                        name: r.try_get("name")?,
                        legal_basis: r.try_get("legal_basis")?,
                        bands: serde_json::from_str(&bands).map_err(|e| invalid(format!("裁量基准数据损坏:{e}")))?,
                    },
                    updated_by: r.try_get("updated_by")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn exemption_row(r: &$Row) -> Result<Exemption> {
                let kind: String = r.try_get("kind")?;
                Ok(Exemption {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    kind: ExemptionKind::from_code(&kind).ok_or_else(|| invalid("免罚清单类型无法识别"))?,
                    violation_code: r.try_get("violation_code")?,
                    note: r.try_get("note")?,
                    created_by: r.try_get("created_by")?,
                })
            }

            fn credit_title(c: &EnfCase) -> String {
                match c.kind {
                    RecordKind::Inspection => format!("行政检查:{}", en::label_of(en::INSPECTION_RESULTS, &c.insp_result).unwrap_or(&c.insp_result)),
                    RecordKind::Penalty => format!("行政处罚:{}({})", PenaltyKind::list_label(&c.penalty_kinds), c.decision_no),
                    RecordKind::CoerciveMeasure => format!("行政强制:{}", en::label_of(en::COERCIVE_KINDS, &c.coercive_kind).unwrap_or(&c.coercive_kind)),
                }
            }

            impl $Store {
                async fn enf_case_conn(conn: &mut Conn, id: i64) -> Result<EnfCase> {
                    let r = sqlx::query(&format!("{CASE_SELECT} WHERE c.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("执法记录 {id} 不存在")))?;
                    let mut c = case_row(&r)?;
                    for r in sqlx::query("SELECT * FROM enf_reviews WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await? {
                        c.reviews.push(Review {
                            id: r.try_get("id")?,
                            reviewer: r.try_get("reviewer")?,
                            decision: r.try_get("decision")?,
                            opinion: r.try_get("opinion")?,
                            reviewed_at: r.try_get("reviewed_at")?,
                        });
                    }
                    for r in sqlx::query("SELECT * FROM enf_responses WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await? {
                        c.responses.push(Response {
                            id: r.try_get("id")?,
                            measure: r.try_get("measure")?,
                            decided_on: r.try_get("decided_on")?,
                            follow_up_due: r.try_get("follow_up_due")?,
                            licence_no: r.try_get("licence_no")?,
                            transferred_on: r.try_get("transferred_on")?,
                            receiving_authority: r.try_get("receiving_authority")?,
                            note: r.try_get("note")?,
                            completed_on: r.try_get("completed_on")?,
                            created_by: r.try_get("created_by")?,
                        });
                    }
                    let ev = sqlx::query("SELECT * FROM enf_evidence WHERE case_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await?;
                    c.evidence = ev.iter().map(evidence_row).collect::<Result<_>>()?;
                    for r in sqlx::query("SELECT step, done_on, done_by FROM enf_steps WHERE case_id = $1 ORDER BY done_on, step").bind(id).fetch_all(&mut *conn).await? {
                        c.steps.push((r.try_get("step")?, r.try_get("done_on")?, r.try_get("done_by")?));
                    }
                    Ok(c)
                }

                /// The case, if it belongs to `department_id` (else not found).
                async fn enf_own_conn(conn: &mut Conn, id: i64, department_id: i64) -> Result<EnfCase> {
                    let c = Self::enf_case_conn(conn, id).await?;
                    if c.department_id != department_id {
                        return Err(StoreError::NotFound(format!("执法记录 {id} 不存在")));
                    }
                    Ok(c)
                }

                async fn enf_mark_step(conn: &mut Conn, id: i64, step: &str, on: NaiveDate, by: &str) -> Result<()> {
                    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enf_steps WHERE case_id = $1 AND step = $2").bind(id).bind(step).fetch_one(&mut *conn).await?;
                    if exists == 0 {
                        sqlx::query("INSERT INTO enf_steps (case_id, step, done_on, done_by) VALUES ($1, $2, $3, $4)")
                            .bind(id)
                            .bind(step)
                            .bind(on)
                            .bind(by)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                }

                async fn enf_credit(&self, tx: &mut Tx<'_>, c: &EnfCase) -> Result<()> {
                    let (severity, public, detail) = match c.kind {
                        RecordKind::Inspection => {
                            let problem = !matches!(c.insp_result.as_str(), "no_problem" | "not_found");
                            (
                                if problem { Severity::Minor } else { Severity::Neutral },
                                false,
                                serde_json::json!({ "item_code": c.item_code, "action_no": c.action_no, "form": c.insp_form, "result": c.insp_result, "implementing_body": c.implementing_body }),
                            )
                        }
                        RecordKind::Penalty => (
                            if c.grave { Severity::Grave } else { Severity::Serious },
                            true,
                            serde_json::json!({
                                "decision_no": c.decision_no, "legal_basis": c.legal_basis, "kinds": PenaltyKind::list_code(&c.penalty_kinds),
                                "fine_fen": c.fine_fen, "confiscated_fen": c.confiscated_fen, "decided_on": c.decided_on, "implementing_body": c.implementing_body,
                            }),
                        ),
                        RecordKind::CoerciveMeasure => (
                            Severity::Minor,
                            false,
                            serde_json::json!({ "kind": c.coercive_kind, "start_on": c.start_on, "end_on": c.end_on, "implementing_body": c.implementing_body }),
                        ),
                    };
                    self.credit_event_tx(
                        tx,
                        &NewCreditEvent {
                            uscc: c.uscc.clone(),
                            kind: c.kind.code().into(),
                            source_department_id: Some(c.department_id),
                            occurred_on: c.decided_on.unwrap_or(c.occurred_on),
                            title: credit_title(c),
                            detail,
                            ref_kind: "enforcement_case".into(),
                            ref_id: c.id.to_string(),
                            severity,
                            public,
                            public_until: if public { c.public_until } else { None },
                        },
                    )
                    .await?;
                    Ok(())
                }

                async fn enf_insert(&self, tx: &mut Tx<'_>, actor: &Actor, n: &NewCase, draw_inspection_id: Option<i64>, criteria: &MajorCriteria) -> Result<EnfCase> {
                    let entity_name = Self::entity_name_conn(tx, &n.uscc).await?;
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enf_cases WHERE department_id = $1 AND action_no = $2")
                        .bind(n.department_id)
                        .bind(n.common.action_no.trim())
                        .fetch_one(&mut **tx)
                        .await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("检查行为编号 {} 已被本部门使用", n.common.action_no.trim())));
                    }
                    let subject_public = if n.common.subject_is_person { jianguan_domain::mask::person_name(&n.common.subject_name) } else { n.common.subject_name.trim().to_string() };
                    let officers = serde_json::to_string(&n.common.officers).expect("json");
                    // Kind-specific columns.
                    let (mut insp, mut pen, mut coe) = (("", "", "", "", ""), None, None);
                    let mut status = "recorded";
                    let mut band = (false, Vec::<String>::new(), String::new(), "none");
                    let mut major = (false, Vec::<String>::new(), "none");
                    let mut hint = String::new();
                    match &n.detail {
                        CaseDetail::Inspection(i) => insp = (i.form.as_str(), i.kind.as_str(), i.method.as_str(), i.result.as_str(), i.result_note.trim()),
                        CaseDetail::Penalty { fields: p, band_reason } => {
                            status = "draft";
                            let b = sqlx::query("SELECT * FROM enf_benchmarks WHERE violation_code = $1")
                                .bind(p.violation_code.trim())
                                .fetch_optional(&mut **tx)
                                .await?
                                .ok_or_else(|| invalid(format!("违法行为“{}”没有裁量基准,请先录入裁量基准", p.violation_code.trim())))?;
                            let b = benchmark_row(&b)?.benchmark;
                            if p.kinds.contains(&PenaltyKind::Fine) && !bm::fine_in_some_band(&b, p.fine_fen) {
                                return Err(invalid(format!("罚款金额 {} 超出“{}”所有裁量档次的幅度,不能录入", en::yuan(p.fine_fen), b.name)));
                            }
                            let check = bm::check_against(&b, p.circumstance, &p.kinds, p.fine_fen);
                            if !check.in_band() {
                                if band_reason.trim().is_empty() {
                                    return Err(invalid(format!("处罚超出裁量基准({}),须填写书面理由", check.deviations.join(";"))));
                                }
                                check_text("超出裁量基准的理由", band_reason, 2000, true)?;
                                band = (true, check.deviations.clone(), band_reason.trim().to_string(), "pending");
                            }
                            let reasons = en::major_reasons(p, criteria);
                            if !reasons.is_empty() {
                                major = (true, reasons, "pending");
                            }
                            let listed: Vec<String> = sqlx::query_scalar("SELECT kind FROM enf_exemptions WHERE violation_code = $1 ORDER BY kind")
                                .bind(p.violation_code.trim())
                                .fetch_all(&mut **tx)
                                .await?;
                            if !listed.is_empty() && p.circumstance == bm::Circumstance::Slight {
                                let labels: Vec<&str> = listed.iter().filter_map(|k| ExemptionKind::from_code(k)).map(|k| k.label()).collect();
                                hint = format!("该违法行为列入{}清单,情节轻微且及时改正的可不予处罚", labels.join("、"));
                            }
                            pen = Some(p);
                        }
                        CaseDetail::Coercive(c) => {
                            status = "in_force";
                            coe = Some(c);
                        }
                    }
                    let grave = pen.is_some_and(|p| en::is_grave(p, major.0));
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO enf_cases (kind, department_id, uscc, entity_name, item_code, action_no, implementing_body, subject_name, subject_public, \
                         subject_is_person, officers, occurred_on, handler, handler_account_id, status, draw_inspection_id, \
                         insp_form, insp_type, insp_method, insp_result, insp_note, \
                         case_source, violation_code, circumstance, facts, legal_basis, penalty_kinds, fine_fen, confiscated_fen, decision_no, \
                         collective_discussion, hearing_held, remedy, major, major_reasons, review_status, out_of_band, band_deviations, band_reason, band_status, \
                         band_opinion, exemption_hint, grave, withdrawn_reason, coercive_kind, coercive_reason, coercive_objects, start_on, end_on, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, \
                         $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, '', $41, $42, '', $43, $44, $45, $46, $47, $48) RETURNING id",
                    )
                    .bind(n.detail.kind().code())
                    .bind(n.department_id)
                    .bind(&n.uscc)
                    .bind(&entity_name)
                    .bind(n.common.item_code.trim())
                    .bind(n.common.action_no.trim())
                    .bind(n.common.implementing_body.trim())
                    .bind(n.common.subject_name.trim())
                    .bind(&subject_public)
                    .bind(n.common.subject_is_person)
                    .bind(&officers)
                    .bind(n.common.occurred_on)
                    .bind(&actor.name)
                    .bind(actor.account_id)
                    .bind(status)
                    .bind(draw_inspection_id)
                    .bind(insp.0)
                    .bind(insp.1)
                    .bind(insp.2)
                    .bind(insp.3)
                    .bind(insp.4)
                    .bind(pen.map(|p| p.case_source.as_str()).unwrap_or(""))
                    .bind(pen.map(|p| p.violation_code.trim()).unwrap_or(""))
                    .bind(pen.map(|p| p.circumstance.code()).unwrap_or(""))
                    .bind(pen.map(|p| p.facts.trim()).unwrap_or(""))
                    .bind(pen.map(|p| p.legal_basis.trim()).or(coe.map(|c| c.legal_basis.trim())).unwrap_or(""))
                    .bind(pen.map(|p| PenaltyKind::list_code(&p.kinds)).unwrap_or_default())
                    .bind(pen.map(|p| p.fine_fen).unwrap_or(0))
                    .bind(pen.map(|p| p.confiscated_fen).unwrap_or(0))
                    .bind(pen.map(|p| p.decision_no.trim()).unwrap_or(""))
                    .bind(pen.is_some_and(|p| p.collective_discussion))
                    .bind(pen.is_some_and(|p| p.hearing_held))
                    .bind(pen.map(|p| p.remedy.as_str()).unwrap_or(""))
                    .bind(major.0)
                    .bind(serde_json::to_string(&major.1).expect("json"))
                    .bind(major.2)
                    .bind(band.0)
                    .bind(serde_json::to_string(&band.1).expect("json"))
                    .bind(&band.2)
                    .bind(band.3)
                    .bind(&hint)
                    .bind(grave)
                    .bind(coe.map(|c| c.kind.as_str()).unwrap_or(""))
                    .bind(coe.map(|c| c.reason.trim()).unwrap_or(""))
                    .bind(coe.map(|c| c.objects.trim()).unwrap_or(""))
                    .bind(coe.map(|c| c.start_on))
                    .bind(coe.map(|c| c.end_on))
                    .bind(now())
                    .fetch_one(&mut **tx)
                    .await?;
                    let first = match n.detail.kind() {
                        RecordKind::Penalty => "register",
                        _ => "record",
                    };
                    Self::enf_mark_step(tx, id, first, n.common.occurred_on, &actor.name).await?;
                    if pen.is_some() && !band.0 {
                        // Inside its band: the benchmark check is done at registration.
                        Self::enf_mark_step(tx, id, "band", n.common.occurred_on, &actor.name).await?;
                    }
                    let c = Self::enf_case_conn(tx, id).await?;
                    if c.kind != RecordKind::Penalty {
                        self.enf_credit(tx, &c).await?;
                    }
                    self.append_audit(
                        tx,
                        &actor.event(
                            &format!("enforcement.{}.create", c.kind.code()),
                            format!("enforcement_case:{id}"),
                            serde_json::json!({
                                "uscc": c.uscc, "department_id": c.department_id, "item_code": c.item_code, "action_no": c.action_no,
                                "draw_inspection_id": draw_inspection_id, "out_of_band": c.out_of_band, "major": c.major,
                                "fine_fen": c.fine_fen, "violation_code": c.violation_code,
                            }),
                        ),
                    )
                    .await?;
                    Ok(c)
                }
            }

            #[async_trait::async_trait]
            impl $crate::enforcement::EnforcementStore for $Store {
                async fn enf_benchmark_set(&self, actor: &Actor, department_id: i64, b: &Benchmark) -> Result<StoredBenchmark> {
                    bm::check_benchmark(b).map_err(invalid)?;
                    let mut tx = self.begin_write().await?;
                    let existing = sqlx::query("SELECT * FROM enf_benchmarks WHERE violation_code = $1").bind(b.violation_code.trim()).fetch_optional(&mut *tx).await?;
                    let bands = serde_json::to_string(&b.bands).expect("json");
                    let id: i64 = match existing {
                        Some(r) => {
                            let old = benchmark_row(&r)?;
                            if old.department_id != department_id {
                                return Err(StoreError::Conflict(format!("违法行为代码 {} 的裁量基准由其他部门制定", b.violation_code.trim())));
                            }
                            sqlx::query("UPDATE enf_benchmarks SET name = $1, legal_basis = $2, bands = $3, updated_by = $4, updated_at = $5 WHERE id = $6")
                                .bind(b.name.trim())
                                .bind(b.legal_basis.trim())
                                .bind(&bands)
                                .bind(&actor.name)
                                .bind(now())
                                .bind(old.id)
                                .execute(&mut *tx)
                                .await?;
                            old.id
                        }
                        None => {
                            sqlx::query_scalar(
                                "INSERT INTO enf_benchmarks (department_id, violation_code, name, legal_basis, bands, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                            )
                            .bind(department_id)
                            .bind(b.violation_code.trim())
                            .bind(b.name.trim())
                            .bind(b.legal_basis.trim())
                            .bind(&bands)
                            .bind(&actor.name)
                            .bind(now())
                            .fetch_one(&mut *tx)
                            .await?
                        }
                    };
                    self.append_audit(&mut tx, &actor.event("enforcement.benchmark.set", format!("enf_benchmark:{id}"), serde_json::json!({ "violation_code": b.violation_code.trim(), "bands": b.bands.len() })))
                        .await?;
                    let r = sqlx::query("SELECT * FROM enf_benchmarks WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let out = benchmark_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_benchmarks(&self) -> Result<Vec<StoredBenchmark>> {
                    let rows = sqlx::query("SELECT * FROM enf_benchmarks ORDER BY violation_code").fetch_all(self.read()).await?;
                    rows.iter().map(benchmark_row).collect()
                }

                async fn enf_benchmark(&self, code: &str) -> Result<StoredBenchmark> {
                    let r = sqlx::query("SELECT * FROM enf_benchmarks WHERE violation_code = $1")
                        .bind(code.trim())
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("违法行为“{code}”没有裁量基准")))?;
                    benchmark_row(&r)
                }

                async fn enf_exemption_add(&self, actor: &Actor, department_id: i64, kind: ExemptionKind, code: &str, note: &str) -> Result<Exemption> {
                    check_text("适用条件说明", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enf_benchmarks WHERE violation_code = $1").bind(code.trim()).fetch_one(&mut *tx).await?;
                    if known == 0 {
                        return Err(invalid(format!("违法行为“{}”没有裁量基准,不能列入清单", code.trim())));
                    }
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enf_exemptions WHERE kind = $1 AND violation_code = $2").bind(kind.code()).bind(code.trim()).fetch_one(&mut *tx).await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("该违法行为已在{}清单中", kind.label())));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO enf_exemptions (department_id, kind, violation_code, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(department_id)
                    .bind(kind.code())
                    .bind(code.trim())
                    .bind(note.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.exemption.add", format!("enf_exemption:{id}"), serde_json::json!({ "kind": kind.code(), "violation_code": code.trim() })))
                        .await?;
                    let r = sqlx::query("SELECT * FROM enf_exemptions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let out = exemption_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_exemptions(&self) -> Result<Vec<Exemption>> {
                    let rows = sqlx::query("SELECT * FROM enf_exemptions ORDER BY kind, violation_code").fetch_all(self.read()).await?;
                    rows.iter().map(exemption_row).collect()
                }

                async fn enf_case_create(&self, actor: &Actor, n: &NewCase, criteria: &MajorCriteria, today: NaiveDate) -> Result<EnfCase> {
                    en::check_common(&n.common, today).map_err(invalid)?;
                    match &n.detail {
                        CaseDetail::Inspection(i) => en::check_inspection(i).map_err(invalid)?,
                        CaseDetail::Penalty { fields, .. } => en::check_penalty(fields).map_err(invalid)?,
                        CaseDetail::Coercive(c) => en::check_coercive(c).map_err(invalid)?,
                    }
                    let mut tx = self.begin_write().await?;
                    let c = self.enf_insert(&mut tx, actor, n, None, criteria).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn enf_case(&self, id: i64) -> Result<EnfCase> {
                    let mut c = self.read().acquire().await?;
                    Self::enf_case_conn(&mut c, id).await
                }

                async fn enf_cases(&self, f: &CaseFilter) -> Result<Vec<EnfCase>> {
                    let rows = sqlx::query(&format!(
                        "{CASE_SELECT} WHERE ($1 IS NULL OR c.department_id = $1) AND ($2 IS NULL OR c.kind = $2) AND ($3 IS NULL OR c.status = $3) \
                         AND ($4 IS NULL OR c.uscc = $4) AND ($5 = FALSE OR (c.major = TRUE AND c.review_status IN ('pending', 'returned') AND c.status = 'draft')) \
                         ORDER BY c.id DESC LIMIT $6"
                    ))
                    .bind(f.department_id)
                    .bind(f.kind.map(|k| k.code()))
                    .bind(f.status.as_deref().filter(|s| !s.is_empty()))
                    .bind(f.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()))
                    .bind(f.review_pending)
                    .bind(if f.limit > 0 { f.limit.min(1000) } else { 200 })
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(case_row).collect()
                }

                async fn enf_import_draw(&self, actor: &Actor, department_id: i64) -> Result<Vec<EnfCase>> {
                    use $crate::draw::{DrawStore, InspectionFilter};
                    use jianguan_domain::sampling::InspectionStatus;
                    let mut list = Vec::new();
                    for st in [InspectionStatus::Approved, InspectionStatus::Published] {
                        list.extend(self.inspections(&InspectionFilter { department_id: Some(department_id), status: Some(st), limit: 1000, ..Default::default() }).await?);
                    }
                    let mut tx = self.begin_write().await?;
                    let mut out = Vec::new();
                    for i in list {
                        let linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enf_cases WHERE draw_inspection_id = $1").bind(i.id).fetch_one(&mut *tx).await?;
                        if linked > 0 {
                            continue;
                        }
                        let problem = i.results.iter().any(|r| jianguan_domain::sampling::result_category(&r.result).is_some_and(|c| c.problem));
                        let corrected = i.results.iter().any(|r| r.result == "corrected");
                        let result = if !problem { "no_problem" } else if corrected { "rectified" } else { "case_opened" };
                        let notes: Vec<String> = i
                            .results
                            .iter()
                            .map(|r| {
                                let item = i.items.iter().find(|x| x.id == r.item_id).map(|x| x.name.as_str()).unwrap_or("");
                                let label = jianguan_domain::sampling::result_category(&r.result).map(|c| c.label).unwrap_or(&r.result);
                                format!("{item}:{label}")
                            })
                            .collect();
                        let n = NewCase {
                            department_id,
                            uscc: i.uscc.clone(),
                            common: en::CommonFields {
                                item_code: i.items.first().map(|x| x.code.clone()).unwrap_or_default(),
                                action_no: format!("{}-{}", i.draw_code, i.position),
                                implementing_body: i.department.clone(),
                                subject_name: i.entity_name.clone(),
                                subject_is_person: false,
                                officers: i.team.iter().map(|t| en::Officer { name: t.name.clone(), certificate_no: t.certificate_no.clone() }).collect(),
                                occurred_on: i.inspected_on.unwrap_or_else(|| now().date_naive()),
                            },
                            detail: CaseDetail::Inspection(en::InspectionFields {
                                form: "random".into(),
                                kind: "onsite".into(),
                                method: if i.team.iter().any(|t| t.department != i.department) { "joint".into() } else { "solo".into() },
                                result: result.into(),
                                result_note: format!("{}({})", i.summary.trim(), notes.join(";")),
                            }),
                        };
                        if en::check_item_code(&n.common.item_code).is_err() {
                            continue;
                        }
                        out.push(self.enf_insert(&mut tx, actor, &n, Some(i.id), &MajorCriteria::default()).await?);
                    }
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_band_approve(&self, actor: &Actor, id: i64, department_id: i64, opinion: &str) -> Result<EnfCase> {
                    check_text("审批意见", opinion, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if !c.out_of_band || c.band_status != "pending" {
                        return Err(StoreError::Conflict("该案件没有待审批的超出裁量幅度事项".into()));
                    }
                    if c.handler == actor.name || (c.handler_account_id.is_some() && c.handler_account_id == actor.account_id) {
                        return Err(StoreError::Conflict("超出裁量幅度的处罚须由承办人以外的人员审批,承办人不能审批自己的案件".into()));
                    }
                    sqlx::query("UPDATE enf_cases SET band_status = 'approved', band_approved_by = $1, band_approved_at = $2, band_opinion = $3 WHERE id = $4")
                        .bind(&actor.name)
                        .bind(now())
                        .bind(opinion.trim())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::enf_mark_step(&mut tx, id, "band", now().date_naive(), &actor.name).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.penalty.band_approve", format!("enforcement_case:{id}"), serde_json::json!({ "deviations": c.band_deviations.len() })))
                        .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_review(&self, actor: &Actor, id: i64, approve: bool, opinion: &str) -> Result<EnfCase> {
                    check_text("法制审核意见", opinion, 4000, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_case_conn(&mut tx, id).await?;
                    if !c.major || c.status != "draft" || !matches!(c.review_status.as_str(), "pending" | "returned") {
                        return Err(StoreError::Conflict("该案件不在法制审核队列中".into()));
                    }
                    if c.handler == actor.name || (c.handler_account_id.is_some() && c.handler_account_id == actor.account_id) {
                        return Err(StoreError::Conflict("法制审核须由承办人以外的审核人员进行,不能审核自己承办的案件".into()));
                    }
                    let decision = if approve { "approve" } else { "return" };
                    sqlx::query("INSERT INTO enf_reviews (case_id, reviewer, reviewer_account_id, decision, opinion, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(&actor.name)
                        .bind(actor.account_id)
                        .bind(decision)
                        .bind(opinion.trim())
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE enf_cases SET review_status = $1 WHERE id = $2").bind(if approve { "approved" } else { "returned" }).bind(id).execute(&mut *tx).await?;
                    if approve {
                        Self::enf_mark_step(&mut tx, id, "legal_review", now().date_naive(), &actor.name).await?;
                    }
                    self.append_audit(&mut tx, &actor.event("enforcement.penalty.review", format!("enforcement_case:{id}"), serde_json::json!({ "decision": decision })))
                        .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_decide(&self, actor: &Actor, id: i64, department_id: i64, decided_on: NaiveDate, publish_due: NaiveDate, periods: &PublicationPeriods) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if let Some(why) = c.decision_blocker() {
                        return Err(StoreError::Conflict(why.into()));
                    }
                    if decided_on < c.occurred_on {
                        return Err(invalid("决定日期不能早于立案日期"));
                    }
                    let until = en::public_until(decided_on, c.grave, periods);
                    sqlx::query("UPDATE enf_cases SET status = 'decided', decided_on = $1, publish_due = $2, public_until = $3 WHERE id = $4")
                        .bind(decided_on)
                        .bind(publish_due)
                        .bind(until)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Self::enf_mark_step(&mut tx, id, "decide", decided_on, &actor.name).await?;
                    let c = Self::enf_case_conn(&mut tx, id).await?;
                    self.enf_credit(&mut tx, &c).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("enforcement.penalty.decide", format!("enforcement_case:{id}"), serde_json::json!({ "decided_on": decided_on, "publish_due": publish_due, "public_until": until, "fine_fen": c.fine_fen })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn enf_publish(&self, actor: &Actor, id: i64, department_id: i64, on: NaiveDate) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if c.status != "decided" {
                        return Err(StoreError::Conflict("只有已作出决定、尚未公示的处罚才能公示".into()));
                    }
                    if c.decided_on.is_some_and(|d| on < d) {
                        return Err(invalid("公示日期不能早于决定日期"));
                    }
                    sqlx::query("UPDATE enf_cases SET status = 'published', published_on = $1 WHERE id = $2").bind(on).bind(id).execute(&mut *tx).await?;
                    Self::enf_mark_step(&mut tx, id, "publish", on, &actor.name).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.penalty.publish", format!("enforcement_case:{id}"), serde_json::json!({ "published_on": on, "due": c.publish_due })))
                        .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    // Public fields only: the masked party, the decision number, basis and kinds.
                    let kinds: Vec<&str> = out.penalty_kinds.iter().map(|k| k.label()).collect();
                    Self::search_index_tx(
                        &mut tx,
                        &$crate::publicity::SearchDoc {
                            doc_key: format!("enforcement_case:{id}"),
                            kind: "penalty".into(),
                            title: format!("{}行政处罚决定 {}", out.subject_public, out.decision_no),
                            section: "行政处罚公示".into(),
                            url: format!("/public/enforcement?uscc={}", out.uscc),
                            published_on: on,
                            body: format!("{}\n{}\n{}\n{}", out.department, out.subject_public, out.legal_basis, kinds.join("、")),
                        },
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_withdraw(&self, actor: &Actor, id: i64, department_id: Option<i64>, reason: WithdrawReason, today: NaiveDate) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let c = match department_id {
                        Some(d) => Self::enf_own_conn(&mut tx, id, d).await?,
                        None => Self::enf_case_conn(&mut tx, id).await?,
                    };
                    if c.status != "published" {
                        return Err(StoreError::Conflict("只有正在公示的处罚才能撤下".into()));
                    }
                    if reason == WithdrawReason::PeriodEnded && c.public_until.is_some_and(|u| today <= u) {
                        return Err(StoreError::Conflict(format!("公示期至 {} 止,尚未届满", c.public_until.expect("checked"))));
                    }
                    sqlx::query("UPDATE enf_cases SET status = 'withdrawn', withdrawn_at = $1, withdrawn_reason = $2 WHERE id = $3")
                        .bind(now())
                        .bind(reason.label())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    self.credit_withdraw_tx(&mut tx, "enforcement_case", &id.to_string(), reason.label()).await?;
                    Self::search_unindex_tx(&mut tx, &format!("enforcement_case:{id}")).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.penalty.withdraw", format!("enforcement_case:{id}"), serde_json::json!({ "reason": reason.code() })))
                        .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_expire(&self, actor: &Actor, today: NaiveDate) -> Result<Vec<i64>> {
                    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM enf_cases WHERE status = 'published' AND public_until IS NOT NULL AND public_until < $1 ORDER BY id")
                        .bind(today)
                        .fetch_all(self.read())
                        .await?;
                    if ids.is_empty() {
                        return Ok(ids);
                    }
                    let mut tx = self.begin_write().await?;
                    for id in &ids {
                        sqlx::query("UPDATE enf_cases SET status = 'withdrawn', withdrawn_at = $1, withdrawn_reason = $2 WHERE id = $3 AND status = 'published'")
                            .bind(now())
                            .bind(WithdrawReason::PeriodEnded.label())
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        self.credit_withdraw_tx(&mut tx, "enforcement_case", &id.to_string(), WithdrawReason::PeriodEnded.label()).await?;
                        Self::search_unindex_tx(&mut tx, &format!("enforcement_case:{id}")).await?;
                    }
                    self.append_audit(&mut tx, &actor.event("enforcement.penalty.expire", "enf_cases", serde_json::json!({ "ids": ids, "today": today }))).await?;
                    tx.commit().await?;
                    Ok(ids)
                }

                async fn enf_publicity_overdue(&self, department_id: Option<i64>, today: NaiveDate) -> Result<Vec<EnfCase>> {
                    let rows = sqlx::query(&format!("{CASE_SELECT} WHERE c.status = 'decided' AND c.publish_due < $1 AND ($2 IS NULL OR c.department_id = $2) ORDER BY c.publish_due, c.id"))
                        .bind(today)
                        .bind(department_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(case_row).collect()
                }

                async fn enf_public_penalties(&self, uscc: Option<&str>, limit: i64) -> Result<Vec<PublicPenalty>> {
                    let rows = sqlx::query(&format!(
                        "{CASE_SELECT} WHERE c.kind = 'penalty' AND c.status = 'published' AND ($1 IS NULL OR c.uscc = $1) ORDER BY c.published_on DESC, c.id DESC LIMIT $2"
                    ))
                    .bind(uscc.map(str::trim).filter(|s| !s.is_empty()))
                    .bind(if limit > 0 { limit.min(500) } else { 100 })
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let c = case_row(r)?;
                            Ok(PublicPenalty {
                                id: c.id,
                                decision_no: c.decision_no,
                                uscc: c.uscc,
                                subject: c.subject_public,
                                department: c.department,
                                implementing_body: c.implementing_body,
                                facts: jianguan_domain::mask::scrub_text(&c.facts),
                                legal_basis: c.legal_basis,
                                kinds: PenaltyKind::list_label(&c.penalty_kinds),
                                fine_fen: c.fine_fen,
                                confiscated_fen: c.confiscated_fen,
                                decided_on: c.decided_on.unwrap_or(c.occurred_on),
                                published_on: c.published_on.unwrap_or(c.occurred_on),
                                public_until: c.public_until,
                            })
                        })
                        .collect()
                }

                async fn enf_lift(&self, actor: &Actor, id: i64, department_id: i64, on: NaiveDate) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if c.kind != RecordKind::CoerciveMeasure || c.status != "in_force" {
                        return Err(StoreError::Conflict("只有正在执行的强制措施才能解除".into()));
                    }
                    sqlx::query("UPDATE enf_cases SET status = 'lifted', end_on = $1 WHERE id = $2").bind(on).bind(id).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.coercive_measure.lift", format!("enforcement_case:{id}"), serde_json::json!({ "on": on }))).await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_response_add(&self, actor: &Actor, id: i64, department_id: i64, r: &ResponseInput, follow_up_due: Option<NaiveDate>) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    Self::enf_own_conn(&mut tx, id, department_id).await?;
                    let rid: i64 = sqlx::query_scalar(
                        "INSERT INTO enf_responses (case_id, measure, decided_on, follow_up_due, licence_no, transferred_on, receiving_authority, note, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(id)
                    .bind(r.measure.code())
                    .bind(r.decided_on)
                    .bind(follow_up_due)
                    .bind(r.licence_no.trim())
                    .bind(r.transferred_on)
                    .bind(r.receiving_authority.trim())
                    .bind(r.note.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("enforcement.response.add", format!("enforcement_case:{id}"), serde_json::json!({ "response_id": rid, "measure": r.measure.code(), "licence_no": r.licence_no.trim(), "follow_up_due": follow_up_due })),
                    )
                    .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_response_complete(&self, actor: &Actor, rid: i64, department_id: i64, on: NaiveDate) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let row: Option<(i64, Option<NaiveDate>)> = sqlx::query_as("SELECT case_id, completed_on FROM enf_responses WHERE id = $1").bind(rid).fetch_optional(&mut *tx).await?;
                    let Some((id, done)) = row else { return Err(StoreError::NotFound(format!("处置措施 {rid} 不存在"))) };
                    Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if done.is_some() {
                        return Err(StoreError::Conflict("该处置措施已复查完毕".into()));
                    }
                    sqlx::query("UPDATE enf_responses SET completed_on = $1 WHERE id = $2").bind(on).bind(rid).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.response.complete", format!("enforcement_case:{id}"), serde_json::json!({ "response_id": rid, "on": on })))
                        .await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_evidence_add(&self, actor: &Actor, id: i64, department_id: i64, e: &NewEvidence) -> Result<Evidence> {
                    if !EVIDENCE_STEPS.iter().any(|s| s.0 == e.step) {
                        return Err(invalid("请选择证据所属环节"));
                    }
                    if e.sha256.len() != 64 || !e.sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                        return Err(invalid("文件摘要无效"));
                    }
                    check_text("文件名", &e.file_name, 200, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    if c.status == "withdrawn" {
                        return Err(StoreError::Conflict("已撤下公示的案件不能再补充证据".into()));
                    }
                    let eid: i64 = sqlx::query_scalar(
                        "INSERT INTO enf_evidence (case_id, step, file_name, kind, size, sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(id)
                    .bind(&e.step)
                    .bind(e.file_name.trim())
                    .bind(&e.kind)
                    .bind(e.size)
                    .bind(&e.sha256)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    Self::enf_mark_step(&mut tx, id, "evidence", now().date_naive(), &actor.name).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("enforcement.evidence.add", format!("enforcement_case:{id}"), serde_json::json!({ "evidence_id": eid, "step": e.step, "sha256": e.sha256, "size": e.size, "kind": e.kind })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM enf_evidence WHERE id = $1").bind(eid).fetch_one(&mut *tx).await?;
                    let out = evidence_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_evidence(&self, eid: i64) -> Result<Evidence> {
                    let r = sqlx::query("SELECT * FROM enf_evidence WHERE id = $1")
                        .bind(eid)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("证据文件 {eid} 不存在")))?;
                    evidence_row(&r)
                }

                async fn enf_step_done(&self, actor: &Actor, id: i64, department_id: i64, step: &str, on: NaiveDate) -> Result<EnfCase> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::enf_own_conn(&mut tx, id, department_id).await?;
                    let duty = jianguan_domain::enforcement::accountability::duty(c.kind.code()).expect("every kind has a duty");
                    // Workflow steps are marked by the workflow itself.
                    if !duty.steps.iter().any(|s| s.code == step) || matches!(step, "register" | "band" | "legal_review" | "decide" | "publish") {
                        return Err(invalid("该环节由系统在办理时自动记录,不能手工标记"));
                    }
                    if c.step_done(step).is_some() {
                        return Err(StoreError::Conflict("该环节已记录完成".into()));
                    }
                    Self::enf_mark_step(&mut tx, id, step, on, &actor.name).await?;
                    self.append_audit(&mut tx, &actor.event("enforcement.step.done", format!("enforcement_case:{id}"), serde_json::json!({ "step": step, "on": on }))).await?;
                    let out = Self::enf_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn enf_fine_totals(&self, department_id: i64, year: i32) -> Result<Vec<FineTotal>> {
                    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| invalid("年份无效"))?;
                    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(|| invalid("年份无效"))?;
                    let rows: Vec<(NaiveDate, i64, i64)> = sqlx::query_as(
                        "SELECT decided_on, fine_fen, confiscated_fen FROM enf_cases WHERE department_id = $1 AND kind = 'penalty' \
                         AND decided_on IS NOT NULL AND decided_on >= $2 AND decided_on < $3 ORDER BY decided_on",
                    )
                    .bind(department_id)
                    .bind(from)
                    .bind(to)
                    .fetch_all(self.read())
                    .await?;
                    let mut out: Vec<FineTotal> = Vec::new();
                    for (d, f, c) in rows {
                        let month = d.format("%Y-%m").to_string();
                        match out.last_mut() {
                            Some(t) if t.month == month => {
                                t.cases += 1;
                                t.fine_fen += f;
                                t.confiscated_fen += c;
                            }
                            _ => out.push(FineTotal { month, cases: 1, fine_fen: f, confiscated_fen: c }),
                        }
                    }
                    Ok(out)
                }
            }
        }
    };
}
