//! Reports and complaints (举报 / 投诉) with whistleblower protection, routing, deadlines and rewards; the consumer-protection joint meeting; data risk warnings.
//!
//! The reporter's name and phone are sealed (SM4) by the web layer before they reach the
//! store, with the key from configuration or the key file; the database holds only the
//! sealed and masked forms. Reading them in clear goes through [`ComplaintsStore::complaint_reveal`],
//! which writes its audit entry (without the personal data) before handing the sealed
//! values back. Audit details never carry the reporter, the content or the reply.

use crate::fairness::{DocFile, NewFile};
use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::complaints::{DueDates, Kind, Reason, Status};
use serde::{Deserialize, Serialize};

/// The reporter as stored: sealed, plus the masked form lists show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedReporter {
    #[serde(skip_serializing)]
    pub name_sealed: String,
    pub name_masked: String,
    #[serde(skip_serializing)]
    pub phone_sealed: String,
    pub phone_masked: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub kind: Kind,
    pub channel: String,
    pub category: String,
    /// A checked code (it need not be in the registry).
    pub subject_uscc: Option<String>,
    pub subject_name: String,
    pub content: String,
    pub reporter: SealedReporter,
    /// The responsible department, from the routing rules.
    pub department_id: i64,
    pub received_on: NaiveDate,
    pub due: DueDates,
    pub files: Vec<NewFile>,
    /// Salted hash of the client address (public channels), for the rate limit.
    pub client_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintEvent {
    pub action: String,
    pub department_id: i64,
    pub department: String,
    pub actor: String,
    pub at: Timestamp,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintFile {
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    pub id: i64,
    pub complaint_id: i64,
    pub level: i64,
    pub fines_yuan: i64,
    pub amount_yuan: i64,
    /// `proposed`, `approved`, `rejected`, `paid`.
    pub status: String,
    pub note: String,
    pub proposed_by: String,
    pub proposed_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub paid_by: Option<String>,
    pub paid_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    pub kind: Kind,
    pub channel: String,
    pub category: String,
    pub subject_uscc: Option<String>,
    pub subject_name: String,
    pub content: String,
    pub reporter: SealedReporter,
    pub department_id: i64,
    pub department: String,
    pub entered_by: String,
    pub received_at: Timestamp,
    pub received_on: NaiveDate,
    pub ack_due_on: NaiveDate,
    pub decide_due_on: NaiveDate,
    pub reply_due_on: NaiveDate,
    pub status: Status,
    pub acknowledged_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub closed_on: Option<NaiveDate>,
    pub reply: String,
    pub substantiated: Option<bool>,
    pub events: Vec<ComplaintEvent>,
    pub files: Vec<ComplaintFile>,
    pub reward: Option<Reward>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ComplaintFilter {
    /// Items at this department now.
    pub department_id: Option<i64>,
    pub status: Option<String>,
    pub subject_uscc: Option<String>,
    pub limit: i64,
}

/// A handling step of the department that holds the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    Acknowledge {
        note: String,
    },
    /// To another department, with the due dates counted afresh from today.
    Transfer {
        to: i64,
        due: DueDates,
        note: String,
    },
    Accept {
        note: String,
    },
    Decline {
        note: String,
    },
    /// Reply to the reporter and close.
    Close {
        substantiated: bool,
        reply: String,
        today: NaiveDate,
    },
}

/// An item past one of its deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    pub id: i64,
    pub department_id: i64,
    pub kind: Kind,
    pub subject_name: String,
    /// `acknowledge`, `decide` or `reply`.
    pub stage: String,
    pub due_on: NaiveDate,
}

// --- joint meeting ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJointCase {
    pub title: String,
    pub summary: String,
    pub complaint_id: Option<i64>,
    /// `(department, task, due)`.
    pub tasks: Vec<(i64, String, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointTask {
    pub id: i64,
    pub case_id: i64,
    pub department_id: i64,
    pub department: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub note: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointCase {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub complaint_id: Option<i64>,
    pub status: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub conclusion: String,
    pub tasks: Vec<JointTask>,
}

impl JointCase {
    pub fn involves(&self, department_id: i64) -> bool {
        self.tasks.iter().any(|t| t.department_id == department_id)
    }
}

// --- risk warnings ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskWarning {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub level: String,
    pub score: i64,
    pub reasons: Vec<Reason>,
    pub status: String,
    pub raised_on: NaiveDate,
    pub raised_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub close_note: String,
    pub task_id: Option<i64>,
    /// Departments that supervise the entity or handled a complaint about it.
    pub departments: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRun {
    pub evaluated: i64,
    pub raised: Vec<i64>,
    pub updated: Vec<i64>,
    /// Open warnings whose entity no longer meets any rule.
    pub cleared: Vec<i64>,
}

#[async_trait]
pub trait ComplaintsStore: Send + Sync {
    /// Records a report with its attachments, routed to its department, in one transaction.
    async fn complaint_submit(&self, actor: &crate::Actor, n: &NewComplaint) -> crate::Result<Complaint>;
    async fn complaint_get(&self, id: i64) -> crate::Result<Complaint>;
    async fn complaints(&self, filter: &ComplaintFilter) -> crate::Result<Vec<Complaint>>;
    /// A handling step by the department that holds the item (others get NotFound).
    async fn complaint_act(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        act: &Act,
    ) -> crate::Result<Complaint>;
    /// The sealed reporter, after auditing the access (`complaints.reporter.reveal`).
    async fn complaint_reveal(&self, actor: &crate::Actor, id: i64) -> crate::Result<SealedReporter>;
    async fn complaint_file(&self, id: i64, sha256: &str) -> crate::Result<(ComplaintFile, DocFile)>;
    async fn complaint_overdue(&self, today: NaiveDate) -> crate::Result<Vec<Overdue>>;
    /// How many items this client address submitted since `since` (the public rate limit).
    async fn complaints_from_client(&self, client_hash: &str, since: Timestamp) -> crate::Result<i64>;

    /// Proposes a reward for a substantiated, closed report of this department.
    async fn reward_propose(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        level: u8,
        fines_yuan: i64,
        note: &str,
    ) -> crate::Result<Reward>;
    /// `approve`, `reject` (by someone other than the proposer) or `pay`.
    async fn reward_act(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        action: &str,
    ) -> crate::Result<Reward>;
    async fn rewards(&self, department_id: Option<i64>) -> crate::Result<Vec<Reward>>;

    async fn joint_case_create(&self, actor: &crate::Actor, n: &NewJointCase) -> crate::Result<JointCase>;
    async fn joint_case(&self, id: i64) -> crate::Result<JointCase>;
    /// Cases with a task for this department (None: all).
    async fn joint_cases(&self, department_id: Option<i64>) -> crate::Result<Vec<JointCase>>;
    async fn joint_task_update(
        &self,
        actor: &crate::Actor,
        task_id: i64,
        department_id: i64,
        status: &str,
        note: &str,
    ) -> crate::Result<JointCase>;
    /// Closes a case whose tasks are all done.
    async fn joint_case_close(&self, actor: &crate::Actor, id: i64, conclusion: &str) -> crate::Result<JointCase>;

    /// Runs the warning rules over every entity with a signal in the window: raises new
    /// warnings, refreshes open ones, clears open ones (without a task) that no longer
    /// meet any rule; a warning closed after handling is raised again only when its
    /// reasons change.
    async fn risk_run(&self, actor: &crate::Actor, today: NaiveDate) -> crate::Result<RiskRun>;
    async fn risk_warning(&self, id: i64) -> crate::Result<RiskWarning>;
    /// Warnings (open only, or all) for a department's entities (None: all).
    async fn risk_warnings(&self, department_id: Option<i64>, open_only: bool) -> crate::Result<Vec<RiskWarning>>;
    async fn risk_close(&self, actor: &crate::Actor, id: i64, note: &str) -> crate::Result<RiskWarning>;
    /// Links the directed inspection task a warning seeded.
    async fn risk_link_task(&self, actor: &crate::Actor, id: i64, task_id: i64) -> crate::Result<RiskWarning>;
}

/// The risk class the warning rules use: the credit class (`credit_classes`) when the
/// entity has one, else the registry tags — the same lookup the draw's pool uses.
pub fn class_of(credit_class: Option<&str>, tags: &[String]) -> Option<char> {
    jianguan_domain::complaints::class_letter(jianguan_domain::sampling::pool_facts(credit_class, None, tags).0)
}

/// Implements [`ComplaintsStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_complaints_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod complaints_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::complaints::*;
            use $crate::credit::{NewCreditEvent, Severity};
            use $crate::fairness::{check_text, DocFile};
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::complaints::{self as cp, Action, Facts, Kind, Status};
            use $crate::model::Timestamp;
            use std::collections::BTreeMap;

            type Tx<'a> = sqlx::Transaction<'a, $DB>;
            type Conn = <$DB as sqlx::Database>::Connection;

            const SELECT: &str = "SELECT c.*, d.name AS department FROM complaints c JOIN departments d ON d.id = c.department_id";

            fn bad<T>(what: &str, raw: &str) -> Result<T> {
                Err(StoreError::Invalid(format!("数据库中的{what}“{raw}”无法识别")))
            }

            fn row(r: &$Row) -> Result<Complaint> {
                let kind: String = r.try_get("kind")?;
                let status: String = r.try_get("status")?;
                Ok(Complaint {
                    id: r.try_get("id")?,
                    kind: match Kind::from_code(&kind) {
                        Some(k) => k,
                        None => return bad("类型", &kind),
                    },
                    channel: r.try_get("channel")?,
                    category: r.try_get("category")?,
                    subject_uscc: r.try_get("subject_uscc")?,
                    subject_name: r.try_get("subject_name")?,
                    content: r.try_get("content")?,
                    reporter: SealedReporter {
                        name_sealed: r.try_get("reporter_name_sealed")?,
                        name_masked: r.try_get("reporter_name_masked")?,
                        phone_sealed: r.try_get("reporter_phone_sealed")?,
                        phone_masked: r.try_get("reporter_phone_masked")?,
                    },
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    entered_by: r.try_get("entered_by")?,
                    received_at: r.try_get("received_at")?,
                    received_on: r.try_get("received_on")?,
                    ack_due_on: r.try_get("ack_due_on")?,
                    decide_due_on: r.try_get("decide_due_on")?,
                    reply_due_on: r.try_get("reply_due_on")?,
                    status: match Status::from_code(&status) {
                        Some(s) => s,
                        None => return bad("状态", &status),
                    },
                    acknowledged_at: r.try_get("acknowledged_at")?,
                    decided_at: r.try_get("decided_at")?,
                    closed_at: r.try_get("closed_at")?,
                    closed_on: r.try_get("closed_on")?,
                    reply: r.try_get("reply")?,
                    substantiated: r.try_get("substantiated")?,
                    events: Vec::new(),
                    files: Vec::new(),
                    reward: None,
                })
            }

            fn reward_row(r: &$Row) -> Result<Reward> {
                Ok(Reward {
                    id: r.try_get("id")?,
                    complaint_id: r.try_get("complaint_id")?,
                    level: r.try_get("level")?,
                    fines_yuan: r.try_get("fines_yuan")?,
                    amount_yuan: r.try_get("amount_yuan")?,
                    status: r.try_get("status")?,
                    note: r.try_get("note")?,
                    proposed_by: r.try_get("proposed_by")?,
                    proposed_at: r.try_get("proposed_at")?,
                    decided_by: r.try_get("decided_by")?,
                    decided_at: r.try_get("decided_at")?,
                    paid_by: r.try_get("paid_by")?,
                    paid_at: r.try_get("paid_at")?,
                })
            }

            fn warning_row(r: &$Row) -> Result<RiskWarning> {
                let reasons: String = r.try_get("reasons")?;
                Ok(RiskWarning {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    level: r.try_get("level")?,
                    score: r.try_get("score")?,
                    reasons: serde_json::from_str(&reasons).map_err(|_| StoreError::Invalid("预警理由无法读取".into()))?,
                    status: r.try_get("status")?,
                    raised_on: r.try_get("raised_on")?,
                    raised_at: r.try_get("raised_at")?,
                    updated_at: r.try_get("updated_at")?,
                    closed_at: r.try_get("closed_at")?,
                    closed_by: r.try_get("closed_by")?,
                    close_note: r.try_get("close_note")?,
                    task_id: r.try_get("task_id")?,
                    departments: Vec::new(),
                })
            }

            /// Departments concerned by an entity: its supervisors and the holders of
            /// complaints about it.
            const CONCERNED: &str = "SELECT department_id FROM entity_departments WHERE uscc = $1 \
                 UNION SELECT department_id FROM complaints WHERE subject_uscc = $1";

            impl $Store {
                async fn cp_get_conn(conn: &mut Conn, id: i64) -> Result<Complaint> {
                    let r = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("举报投诉 {id} 不存在")))?;
                    let mut c = row(&r)?;
                    let evs = sqlx::query(
                        "SELECT e.*, d.name AS department FROM complaint_events e JOIN departments d ON d.id = e.department_id WHERE e.complaint_id = $1 ORDER BY e.id",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    for e in &evs {
                        c.events.push(ComplaintEvent {
                            action: e.try_get("action")?,
                            department_id: e.try_get("department_id")?,
                            department: e.try_get("department")?,
                            actor: e.try_get("actor")?,
                            at: e.try_get("at")?,
                            note: e.try_get("note")?,
                        });
                    }
                    let files = sqlx::query("SELECT * FROM complaint_files WHERE complaint_id = $1 ORDER BY name, sha256").bind(id).fetch_all(&mut *conn).await?;
                    for f in &files {
                        c.files.push(ComplaintFile {
                            sha256: f.try_get("sha256")?,
                            name: f.try_get("name")?,
                            media_type: f.try_get("media_type")?,
                            bytes: f.try_get("bytes")?,
                        });
                    }
                    let rw = sqlx::query("SELECT * FROM complaint_rewards WHERE complaint_id = $1").bind(id).fetch_optional(&mut *conn).await?;
                    c.reward = rw.as_ref().map(reward_row).transpose()?;
                    Ok(c)
                }

                async fn cp_event(tx: &mut Tx<'_>, id: i64, action: &str, department_id: i64, actor: &str, note: &str) -> Result<()> {
                    sqlx::query("INSERT INTO complaint_events (complaint_id, action, department_id, actor, at, note) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(action)
                        .bind(department_id)
                        .bind(actor)
                        .bind(now())
                        .bind(note)
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                }

                async fn cp_department_ok(tx: &mut Tx<'_>, d: i64) -> Result<()> {
                    let ok: Option<bool> =
                        sqlx::query_scalar("SELECT active FROM departments WHERE id = $1 AND kind = 'department'").bind(d).fetch_optional(&mut **tx).await?;
                    if ok != Some(true) {
                        return Err(StoreError::Invalid(format!("部门 {d} 不存在或已停用")));
                    }
                    Ok(())
                }

                async fn jm_case_conn(conn: &mut Conn, id: i64) -> Result<JointCase> {
                    let r = sqlx::query("SELECT * FROM jm_cases WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("联席会议案件 {id} 不存在")))?;
                    let mut c = JointCase {
                        id: r.try_get("id")?,
                        title: r.try_get("title")?,
                        summary: r.try_get("summary")?,
                        complaint_id: r.try_get("complaint_id")?,
                        status: r.try_get("status")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        closed_at: r.try_get("closed_at")?,
                        conclusion: r.try_get("conclusion")?,
                        tasks: Vec::new(),
                    };
                    let ts = sqlx::query("SELECT t.*, d.name AS department FROM jm_tasks t JOIN departments d ON d.id = t.department_id WHERE t.case_id = $1 ORDER BY t.id")
                        .bind(id)
                        .fetch_all(&mut *conn)
                        .await?;
                    for t in &ts {
                        c.tasks.push(JointTask {
                            id: t.try_get("id")?,
                            case_id: t.try_get("case_id")?,
                            department_id: t.try_get("department_id")?,
                            department: t.try_get("department")?,
                            title: t.try_get("title")?,
                            due_on: t.try_get("due_on")?,
                            status: t.try_get("status")?,
                            note: t.try_get("note")?,
                            updated_by: t.try_get("updated_by")?,
                            updated_at: t.try_get("updated_at")?,
                        });
                    }
                    Ok(c)
                }

                async fn rw_conn(conn: &mut Conn, id: i64) -> Result<RiskWarning> {
                    let r = sqlx::query("SELECT * FROM risk_warnings WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("风险预警 {id} 不存在")))?;
                    let mut w = warning_row(&r)?;
                    w.departments = sqlx::query_scalar(CONCERNED).bind(&w.uscc).fetch_all(&mut *conn).await?;
                    w.departments.sort_unstable();
                    w.departments.dedup();
                    Ok(w)
                }

                /// Per entity with any signal: its facts over the window.
                async fn risk_facts(tx: &mut Tx<'_>, today: NaiveDate) -> Result<BTreeMap<String, (String, Facts)>> {
                    let since = today - chrono::Duration::days(cp::WINDOW_DAYS);
                    let since_ts = since.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
                    let mut out: BTreeMap<String, (String, Facts)> = BTreeMap::new();
                    let rows = sqlx::query(
                        "SELECT subject_uscc AS uscc, COUNT(*) AS n, SUM(CASE WHEN substantiated = TRUE THEN 1 ELSE 0 END) AS s FROM complaints \
                         WHERE subject_uscc IS NOT NULL AND received_on >= $1 AND subject_uscc IN (SELECT uscc FROM entities) GROUP BY subject_uscc",
                    )
                    .bind(since)
                    .fetch_all(&mut **tx)
                    .await?;
                    for r in &rows {
                        let u: String = r.try_get("uscc")?;
                        let f = &mut out.entry(u).or_default().1;
                        f.complaints = r.try_get("n")?;
                        f.substantiated = r.try_get::<Option<i64>, _>("s")?.unwrap_or(0);
                    }
                    let rows = sqlx::query(
                        "SELECT uscc, kind, severity, COUNT(*) AS n FROM credit_events WHERE withdrawn_at IS NULL AND occurred_on >= $1 \
                         AND (severity IN ('minor', 'serious', 'grave') OR kind = 'commitment_broken') GROUP BY uscc, kind, severity",
                    )
                    .bind(since)
                    .fetch_all(&mut **tx)
                    .await?;
                    for r in &rows {
                        let u: String = r.try_get("uscc")?;
                        let kind: String = r.try_get("kind")?;
                        let sev: String = r.try_get("severity")?;
                        let n: i64 = r.try_get("n")?;
                        let f = &mut out.entry(u).or_default().1;
                        if kind == "commitment_broken" {
                            f.broken_commitments += n;
                        }
                        // Complaint outcomes are counted by the complaint rules already.
                        if kind == "complaint" {
                            continue;
                        }
                        match sev.as_str() {
                            "minor" => f.minor += n,
                            "serious" => f.serious += n,
                            "grave" => f.grave += n,
                            _ => {}
                        }
                    }
                    let problems: Vec<String> = jianguan_domain::sampling::RESULT_CATEGORIES.iter().filter(|c| c.problem).map(|c| c.code.to_string()).collect();
                    let mut qb = sqlx::QueryBuilder::<$DB>::new(
                        "SELECT i.uscc AS uscc, COUNT(DISTINCT i.id) AS n FROM draw_inspections i JOIN draw_results r ON r.inspection_id = i.id \
                         WHERE i.status IN ('approved', 'published') AND i.reviewed_at >= ",
                    );
                    qb.push_bind(since_ts).push(" AND r.result IN (");
                    let mut sep = qb.separated(", ");
                    for p in &problems {
                        sep.push_bind(p.clone());
                    }
                    qb.push(") AND i.uscc IN (SELECT uscc FROM entities) GROUP BY i.uscc");
                    for r in qb.build().fetch_all(&mut **tx).await? {
                        let u: String = r.try_get("uscc")?;
                        out.entry(u).or_default().1.inspection_problems = r.try_get("n")?;
                    }
                    // Class D entities are a signal by themselves: by the credit class, or
                    // by the registry tag where no credit class exists yet.
                    // (A coarse filter; `class_of` decides.)
                    let rows = sqlx::query(
                        "SELECT e.uscc, e.tags, c.class AS credit_class FROM entities e LEFT JOIN credit_classes c ON c.uscc = e.uscc \
                         WHERE c.class = 'D' OR (c.class IS NULL AND e.tags LIKE $1)",
                    )
                    .bind("%D类%")
                    .fetch_all(&mut **tx)
                    .await?;
                    for r in &rows {
                        let u: String = r.try_get("uscc")?;
                        let tags = $crate::registry::tags_from_db(&r.try_get::<String, _>("tags")?);
                        let credit: Option<String> = r.try_get("credit_class")?;
                        if class_of(credit.as_deref(), &tags) == Some('D') {
                            out.entry(u).or_default();
                        }
                    }
                    let keys: Vec<String> = out.keys().cloned().collect();
                    for u in keys {
                        let r = sqlx::query(
                            "SELECT e.name, e.tags, c.class AS credit_class FROM entities e LEFT JOIN credit_classes c ON c.uscc = e.uscc WHERE e.uscc = $1",
                        )
                        .bind(&u)
                        .fetch_one(&mut **tx)
                        .await?;
                        let tags = $crate::registry::tags_from_db(&r.try_get::<String, _>("tags")?);
                        let credit: Option<String> = r.try_get("credit_class")?;
                        let e = out.get_mut(&u).expect("key");
                        e.0 = r.try_get("name")?;
                        e.1.class = class_of(credit.as_deref(), &tags);
                    }
                    Ok(out)
                }
            }

            #[async_trait::async_trait]
            impl $crate::complaints::ComplaintsStore for $Store {
                async fn complaint_submit(&self, actor: &Actor, n: &NewComplaint) -> Result<Complaint> {
                    if cp::category(&n.category).is_none() {
                        return Err(StoreError::Invalid(format!("问题类别“{}”不存在", n.category)));
                    }
                    if cp::Channel::from_code(&n.channel).is_none() {
                        return Err(StoreError::Invalid(format!("渠道“{}”无法识别", n.channel)));
                    }
                    check_text("被举报(投诉)对象名称", &n.subject_name, cp::MAX_SUBJECT, true)?;
                    check_text("举报(投诉)内容", &n.content, cp::MAX_CONTENT, true)?;
                    if n.reporter.name_sealed.is_empty() || n.reporter.phone_sealed.is_empty() {
                        return Err(StoreError::Invalid("举报人信息未加密,拒绝保存".into()));
                    }
                    if n.files.len() > cp::MAX_FILES {
                        return Err(StoreError::Invalid(format!("附件最多 {} 个", cp::MAX_FILES)));
                    }
                    let mut tx = self.begin_write().await?;
                    Self::cp_department_ok(&mut tx, n.department_id).await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO complaints (kind, channel, category, subject_uscc, subject_name, content, reporter_name_sealed, reporter_name_masked, \
                         reporter_phone_sealed, reporter_phone_masked, department_id, entered_by, received_at, received_on, ack_due_on, decide_due_on, reply_due_on, status, reply, client_hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'received', '', $18) RETURNING id",
                    )
                    .bind(n.kind.code())
                    .bind(&n.channel)
                    .bind(&n.category)
                    .bind(n.subject_uscc.as_deref())
                    .bind(n.subject_name.trim())
                    .bind(n.content.trim())
                    .bind(&n.reporter.name_sealed)
                    .bind(&n.reporter.name_masked)
                    .bind(&n.reporter.phone_sealed)
                    .bind(&n.reporter.phone_masked)
                    .bind(n.department_id)
                    .bind(&actor.name)
                    .bind(t)
                    .bind(n.received_on)
                    .bind(n.due.acknowledge)
                    .bind(n.due.decide)
                    .bind(n.due.reply)
                    .bind(n.client_hash.as_deref())
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut shas = Vec::new();
                    for f in &n.files {
                        let sha = Self::doc_file_put(&mut tx, f).await?;
                        if shas.contains(&sha) {
                            continue;
                        }
                        sqlx::query("INSERT INTO complaint_files (complaint_id, sha256, name, media_type, bytes) VALUES ($1, $2, $3, $4, $5)")
                            .bind(id)
                            .bind(&sha)
                            .bind(&f.name)
                            .bind(&f.media_type)
                            .bind(f.content.len() as i64)
                            .execute(&mut *tx)
                            .await?;
                        shas.push(sha);
                    }
                    Self::cp_event(&mut tx, id, "received", n.department_id, &actor.name, &format!("经{}渠道受理,分派至承办部门", n.channel)).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "complaints.submit",
                            format!("complaint:{id}"),
                            serde_json::json!({
                                "kind": n.kind.code(),
                                "channel": n.channel,
                                "category": n.category,
                                "subject_uscc": n.subject_uscc,
                                "department_id": n.department_id,
                                "files": shas,
                            }),
                        ),
                    )
                    .await?;
                    let out = Self::cp_get_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn complaint_get(&self, id: i64) -> Result<Complaint> {
                    let mut c = self.read().acquire().await?;
                    Self::cp_get_conn(&mut c, id).await
                }

                async fn complaints(&self, f: &ComplaintFilter) -> Result<Vec<Complaint>> {
                    let rows = sqlx::query(&format!(
                        "{SELECT} WHERE ($1 IS NULL OR c.department_id = $1) AND ($2 IS NULL OR c.status = $2) AND ($3 IS NULL OR c.subject_uscc = $3) \
                         ORDER BY c.id DESC LIMIT $4"
                    ))
                    .bind(f.department_id)
                    .bind(f.status.as_deref().filter(|s| !s.is_empty()))
                    .bind(f.subject_uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()))
                    .bind(if f.limit > 0 { f.limit.min(1000) } else { 200 })
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(row).collect()
                }

                async fn complaint_act(&self, actor: &Actor, id: i64, department_id: i64, act: &Act) -> Result<Complaint> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::cp_get_conn(&mut tx, id).await?;
                    if c.department_id != department_id {
                        return Err(StoreError::NotFound(format!("举报投诉 {id} 不存在")));
                    }
                    let (action, note) = match act {
                        Act::Acknowledge { note } => (Action::Acknowledge, note.as_str()),
                        Act::Transfer { note, .. } => (Action::Transfer, note.as_str()),
                        Act::Accept { note } => (Action::Accept, note.as_str()),
                        Act::Decline { note } => (Action::Decline, note.as_str()),
                        Act::Close { substantiated, reply, .. } => (Action::Close { substantiated: *substantiated }, reply.as_str()),
                    };
                    let next = cp::next(c.status, action).map_err(StoreError::Conflict)?;
                    let t = now();
                    let mut detail = serde_json::json!({ "from": c.status.code(), "to": next.code(), "department_id": department_id });
                    let code = match act {
                        Act::Acknowledge { note } => {
                            check_text("签收意见", note, 2000, false)?;
                            sqlx::query("UPDATE complaints SET status = $1, acknowledged_at = $2 WHERE id = $3").bind(next.code()).bind(t).bind(id).execute(&mut *tx).await?;
                            "acknowledge"
                        }
                        Act::Transfer { to, due, note } => {
                            check_text("转办理由", note, 2000, true)?;
                            if *to == department_id {
                                return Err(StoreError::Invalid("不能转办给本部门".into()));
                            }
                            Self::cp_department_ok(&mut tx, *to).await?;
                            sqlx::query(
                                "UPDATE complaints SET status = $1, department_id = $2, acknowledged_at = NULL, ack_due_on = $3, decide_due_on = $4, reply_due_on = $5 WHERE id = $6",
                            )
                            .bind(next.code())
                            .bind(to)
                            .bind(due.acknowledge)
                            .bind(due.decide)
                            .bind(due.reply)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                            detail["transferred_to"] = serde_json::json!(to);
                            "transfer"
                        }
                        Act::Accept { note } | Act::Decline { note } => {
                            check_text(if matches!(act, Act::Accept { .. }) { "受理/立案意见" } else { "不予受理/不予立案理由" }, note, 2000, true)?;
                            sqlx::query("UPDATE complaints SET status = $1, decided_at = $2 WHERE id = $3").bind(next.code()).bind(t).bind(id).execute(&mut *tx).await?;
                            if matches!(act, Act::Accept { .. }) {
                                "accept"
                            } else {
                                "decline"
                            }
                        }
                        Act::Close { substantiated, reply, today } => {
                            check_text("答复内容", reply, 5000, true)?;
                            sqlx::query("UPDATE complaints SET status = $1, closed_at = $2, closed_on = $3, reply = $4, substantiated = $5 WHERE id = $6")
                                .bind(next.code())
                                .bind(t)
                                .bind(today)
                                .bind(reply.trim())
                                .bind(substantiated)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            detail["substantiated"] = serde_json::json!(substantiated);
                            if *substantiated {
                                if let Some(u) = &c.subject_uscc {
                                    let known: Option<String> = sqlx::query_scalar("SELECT uscc FROM entities WHERE uscc = $1").bind(u).fetch_optional(&mut *tx).await?;
                                    if known.is_some() {
                                        let cat = cp::category(&c.category).map(|x| x.label).unwrap_or("其他");
                                        let ev = self
                                            .credit_event_tx(
                                                &mut tx,
                                                &NewCreditEvent {
                                                    uscc: u.clone(),
                                                    kind: "complaint".into(),
                                                    source_department_id: Some(department_id),
                                                    occurred_on: *today,
                                                    title: format!("{}经查属实:{cat}", c.kind.label()),
                                                    detail: serde_json::json!({ "kind": c.kind.code(), "category": c.category, "category_label": cat, "closed_on": today }),
                                                    ref_kind: "complaint".into(),
                                                    ref_id: id.to_string(),
                                                    severity: Severity::Minor,
                                                    public: false,
                                                    public_until: None,
                                                },
                                            )
                                            .await?;
                                        detail["credit_event"] = serde_json::json!(ev);
                                    }
                                }
                            }
                            "close"
                        }
                    };
                    Self::cp_event(&mut tx, id, code, department_id, &actor.name, note.trim()).await?;
                    self.append_audit(&mut tx, &actor.event(&format!("complaints.{code}"), format!("complaint:{id}"), detail)).await?;
                    let out = Self::cp_get_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn complaint_reveal(&self, actor: &Actor, id: i64) -> Result<SealedReporter> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::cp_get_conn(&mut tx, id).await?;
                    self.append_audit(&mut tx, &actor.event("complaints.reporter.reveal", format!("complaint:{id}"), serde_json::json!({ "department_id": actor.department_id })))
                        .await?;
                    tx.commit().await?;
                    Ok(c.reporter)
                }

                async fn complaint_file(&self, id: i64, sha256: &str) -> Result<(ComplaintFile, DocFile)> {
                    let c = self.complaint_get(id).await?;
                    let f = c.files.into_iter().find(|f| f.sha256 == sha256).ok_or_else(|| StoreError::NotFound("附件不存在".into()))?;
                    let doc = $crate::fairness::FairnessStore::doc_file(self, sha256).await?.ok_or_else(|| StoreError::NotFound("附件不存在".into()))?;
                    Ok((f, doc))
                }

                async fn complaint_overdue(&self, today: NaiveDate) -> Result<Vec<Overdue>> {
                    let rows = sqlx::query(
                        "SELECT id, department_id, kind, subject_name, status, ack_due_on, decide_due_on, reply_due_on FROM complaints \
                         WHERE status <> 'closed' AND ((status = 'received' AND ack_due_on < $1) OR (status IN ('received', 'acknowledged') AND decide_due_on < $1) OR reply_due_on < $1) \
                         ORDER BY id",
                    )
                    .bind(today)
                    .fetch_all(self.read())
                    .await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        let status: String = r.try_get("status")?;
                        let kind: String = r.try_get("kind")?;
                        let (ack, decide, reply): (NaiveDate, NaiveDate, NaiveDate) = (r.try_get("ack_due_on")?, r.try_get("decide_due_on")?, r.try_get("reply_due_on")?);
                        let (stage, due) = if reply < today {
                            ("reply", reply)
                        } else if status != "accepted" && status != "declined" && decide < today {
                            ("decide", decide)
                        } else {
                            ("acknowledge", ack)
                        };
                        out.push(Overdue {
                            id: r.try_get("id")?,
                            department_id: r.try_get("department_id")?,
                            kind: Kind::from_code(&kind).unwrap_or(Kind::Report),
                            subject_name: r.try_get("subject_name")?,
                            stage: stage.into(),
                            due_on: due,
                        });
                    }
                    Ok(out)
                }

                async fn complaints_from_client(&self, client_hash: &str, since: Timestamp) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE client_hash = $1 AND received_at >= $2")
                        .bind(client_hash)
                        .bind(since)
                        .fetch_one(self.read())
                        .await?)
                }

                async fn reward_propose(&self, actor: &Actor, id: i64, department_id: i64, level: u8, fines_yuan: i64, note: &str) -> Result<Reward> {
                    check_text("奖励说明", note, 2000, false)?;
                    let amount = cp::reward_amount(level, fines_yuan).map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::cp_get_conn(&mut tx, id).await?;
                    if c.department_id != department_id {
                        return Err(StoreError::NotFound(format!("举报投诉 {id} 不存在")));
                    }
                    cp::reward_eligible(c.kind, c.status, c.substantiated == Some(true)).map_err(StoreError::Conflict)?;
                    if c.reward.is_some() {
                        return Err(StoreError::Conflict("该举报已有奖励记录".into()));
                    }
                    let rid: i64 = sqlx::query_scalar(
                        "INSERT INTO complaint_rewards (complaint_id, level, fines_yuan, amount_yuan, status, note, proposed_by, proposed_at) \
                         VALUES ($1, $2, $3, $4, 'proposed', $5, $6, $7) RETURNING id",
                    )
                    .bind(id)
                    .bind(level as i64)
                    .bind(fines_yuan)
                    .bind(amount)
                    .bind(note.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    Self::cp_event(&mut tx, id, "reward_propose", department_id, &actor.name, &format!("拟奖励 {amount} 元")).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("complaints.reward.propose", format!("complaint_reward:{rid}"), serde_json::json!({ "complaint_id": id, "level": level, "amount_yuan": amount })),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM complaint_rewards WHERE id = $1").bind(rid).fetch_one(&mut *tx).await?;
                    let out = reward_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn reward_act(&self, actor: &Actor, id: i64, department_id: i64, action: &str) -> Result<Reward> {
                    let mut tx = self.begin_write().await?;
                    let c = Self::cp_get_conn(&mut tx, id).await?;
                    if c.department_id != department_id {
                        return Err(StoreError::NotFound(format!("举报投诉 {id} 不存在")));
                    }
                    let Some(rw) = c.reward else {
                        return Err(StoreError::NotFound("该举报没有奖励记录".into()));
                    };
                    let next = cp::reward_next(&rw.status, action).map_err(StoreError::Conflict)?;
                    let t = now();
                    match action {
                        "approve" | "reject" => {
                            if rw.proposed_by == actor.name {
                                return Err(StoreError::Conflict("奖励须由提出人以外的人员审批".into()));
                            }
                            sqlx::query("UPDATE complaint_rewards SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
                                .bind(next)
                                .bind(&actor.name)
                                .bind(t)
                                .bind(rw.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        _ => {
                            sqlx::query("UPDATE complaint_rewards SET status = $1, paid_by = $2, paid_at = $3 WHERE id = $4")
                                .bind(next)
                                .bind(&actor.name)
                                .bind(t)
                                .bind(rw.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Self::cp_event(&mut tx, id, &format!("reward_{action}"), department_id, &actor.name, "").await?;
                    self.append_audit(&mut tx, &actor.event(&format!("complaints.reward.{action}"), format!("complaint_reward:{}", rw.id), serde_json::json!({ "complaint_id": id, "status": next })))
                        .await?;
                    let r = sqlx::query("SELECT * FROM complaint_rewards WHERE id = $1").bind(rw.id).fetch_one(&mut *tx).await?;
                    let out = reward_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn rewards(&self, department_id: Option<i64>) -> Result<Vec<Reward>> {
                    let rows = sqlx::query(
                        "SELECT w.* FROM complaint_rewards w JOIN complaints c ON c.id = w.complaint_id WHERE ($1 IS NULL OR c.department_id = $1) ORDER BY w.id DESC LIMIT 500",
                    )
                    .bind(department_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(reward_row).collect()
                }

                async fn joint_case_create(&self, actor: &Actor, n: &NewJointCase) -> Result<JointCase> {
                    check_text("案件名称", &n.title, 200, true)?;
                    check_text("案情摘要", &n.summary, 5000, true)?;
                    if n.tasks.len() < 2 {
                        return Err(StoreError::Invalid("联席会议案件至少需要两个部门的任务".into()));
                    }
                    let mut depts: Vec<i64> = n.tasks.iter().map(|t| t.0).collect();
                    depts.sort_unstable();
                    depts.dedup();
                    if depts.len() < 2 {
                        return Err(StoreError::Invalid("联席会议案件须涉及两个以上部门".into()));
                    }
                    for (_, title, _) in &n.tasks {
                        check_text("任务内容", title, 500, true)?;
                    }
                    let mut tx = self.begin_write().await?;
                    for d in &depts {
                        Self::cp_department_ok(&mut tx, *d).await?;
                    }
                    if let Some(cid) = n.complaint_id {
                        let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM complaints WHERE id = $1").bind(cid).fetch_optional(&mut *tx).await?;
                        if ok.is_none() {
                            return Err(StoreError::Invalid(format!("举报投诉 {cid} 不存在")));
                        }
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO jm_cases (title, summary, complaint_id, status, created_by, created_at, conclusion) VALUES ($1, $2, $3, 'open', $4, $5, '') RETURNING id",
                    )
                    .bind(n.title.trim())
                    .bind(n.summary.trim())
                    .bind(n.complaint_id)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    for (d, title, due) in &n.tasks {
                        sqlx::query("INSERT INTO jm_tasks (case_id, department_id, title, due_on, status, note) VALUES ($1, $2, $3, $4, 'pending', '')")
                            .bind(id)
                            .bind(d)
                            .bind(title.trim())
                            .bind(due)
                            .execute(&mut *tx)
                            .await?;
                    }
                    self.append_audit(&mut tx, &actor.event("complaints.joint.create", format!("joint_case:{id}"), serde_json::json!({ "departments": depts, "complaint_id": n.complaint_id })))
                        .await?;
                    let out = Self::jm_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn joint_case(&self, id: i64) -> Result<JointCase> {
                    let mut c = self.read().acquire().await?;
                    Self::jm_case_conn(&mut c, id).await
                }

                async fn joint_cases(&self, department_id: Option<i64>) -> Result<Vec<JointCase>> {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT c.id FROM jm_cases c WHERE $1 IS NULL OR EXISTS (SELECT 1 FROM jm_tasks t WHERE t.case_id = c.id AND t.department_id = $1) ORDER BY c.id DESC LIMIT 200",
                    )
                    .bind(department_id)
                    .fetch_all(self.read())
                    .await?;
                    let mut c = self.read().acquire().await?;
                    let mut out = Vec::new();
                    for id in ids {
                        out.push(Self::jm_case_conn(&mut c, id).await?);
                    }
                    Ok(out)
                }

                async fn joint_task_update(&self, actor: &Actor, task_id: i64, department_id: i64, status: &str, note: &str) -> Result<JointCase> {
                    cp::check_task_status(status).map_err(StoreError::Invalid)?;
                    check_text("办理情况", note, 2000, status == "done")?;
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query("SELECT case_id, department_id FROM jm_tasks WHERE id = $1").bind(task_id).fetch_optional(&mut *tx).await?;
                    let Some(r) = r else { return Err(StoreError::NotFound(format!("联席会议任务 {task_id} 不存在"))) };
                    let case_id: i64 = r.try_get("case_id")?;
                    if r.try_get::<i64, _>("department_id")? != department_id {
                        return Err(StoreError::NotFound(format!("联席会议任务 {task_id} 不存在")));
                    }
                    let case = Self::jm_case_conn(&mut tx, case_id).await?;
                    if case.status == "closed" {
                        return Err(StoreError::Conflict("该案件已结案".into()));
                    }
                    sqlx::query("UPDATE jm_tasks SET status = $1, note = $2, updated_by = $3, updated_at = $4 WHERE id = $5")
                        .bind(status)
                        .bind(note.trim())
                        .bind(&actor.name)
                        .bind(now())
                        .bind(task_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("complaints.joint.task", format!("joint_task:{task_id}"), serde_json::json!({ "case_id": case_id, "status": status })))
                        .await?;
                    let out = Self::jm_case_conn(&mut tx, case_id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn joint_case_close(&self, actor: &Actor, id: i64, conclusion: &str) -> Result<JointCase> {
                    check_text("结案意见", conclusion, 5000, true)?;
                    let mut tx = self.begin_write().await?;
                    let c = Self::jm_case_conn(&mut tx, id).await?;
                    if c.status == "closed" {
                        return Err(StoreError::Conflict("该案件已结案".into()));
                    }
                    let open: Vec<&str> = c.tasks.iter().filter(|t| t.status != "done").map(|t| t.department.as_str()).collect();
                    if !open.is_empty() {
                        return Err(StoreError::Conflict(format!("以下部门的任务尚未完成:{}", open.join("、"))));
                    }
                    sqlx::query("UPDATE jm_cases SET status = 'closed', closed_at = $1, conclusion = $2 WHERE id = $3").bind(now()).bind(conclusion.trim()).bind(id).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("complaints.joint.close", format!("joint_case:{id}"), serde_json::json!({}))).await?;
                    let out = Self::jm_case_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn risk_run(&self, actor: &Actor, today: NaiveDate) -> Result<RiskRun> {
                    let mut tx = self.begin_write().await?;
                    let facts = Self::risk_facts(&mut tx, today).await?;
                    let mut run = RiskRun { evaluated: facts.len() as i64, ..Default::default() };
                    let t = now();
                    let mut warned = std::collections::HashSet::new();
                    for (uscc, (name, f)) in &facts {
                        let (reasons, score) = cp::evaluate(cp::RULES, f);
                        let Some(level) = cp::level(score) else { continue };
                        warned.insert(uscc.clone());
                        let reasons_json = serde_json::to_string(&reasons).expect("json");
                        let open: Option<(i64, String, i64)> = sqlx::query_as("SELECT id, reasons, score FROM risk_warnings WHERE uscc = $1 AND status = 'open'")
                            .bind(uscc)
                            .fetch_optional(&mut *tx)
                            .await?;
                        match open {
                            Some((id, old, old_score)) => {
                                if old != reasons_json || old_score != score {
                                    sqlx::query("UPDATE risk_warnings SET level = $1, score = $2, reasons = $3, updated_at = $4 WHERE id = $5")
                                        .bind(level)
                                        .bind(score)
                                        .bind(&reasons_json)
                                        .bind(t)
                                        .bind(id)
                                        .execute(&mut *tx)
                                        .await?;
                                    run.updated.push(id);
                                }
                            }
                            None => {
                                // A warning closed after handling is not raised again
                                // until the facts change (a new reason or another count).
                                let last: Option<String> =
                                    sqlx::query_scalar("SELECT reasons FROM risk_warnings WHERE uscc = $1 AND status = 'closed' ORDER BY id DESC LIMIT 1")
                                        .bind(uscc)
                                        .fetch_optional(&mut *tx)
                                        .await?;
                                if last.as_deref() == Some(reasons_json.as_str()) {
                                    continue;
                                }
                                let id: i64 = sqlx::query_scalar(
                                    "INSERT INTO risk_warnings (uscc, entity_name, level, score, reasons, status, raised_on, raised_at, updated_at, close_note) \
                                     VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $7, '') RETURNING id",
                                )
                                .bind(uscc)
                                .bind(name)
                                .bind(level)
                                .bind(score)
                                .bind(&reasons_json)
                                .bind(today)
                                .bind(t)
                                .fetch_one(&mut *tx)
                                .await?;
                                run.raised.push(id);
                            }
                        }
                    }
                    let open: Vec<(i64, String)> = sqlx::query_as("SELECT id, uscc FROM risk_warnings WHERE status = 'open' AND task_id IS NULL").fetch_all(&mut *tx).await?;
                    for (id, uscc) in open {
                        if !warned.contains(&uscc) {
                            sqlx::query("UPDATE risk_warnings SET status = 'closed', closed_at = $1, closed_by = $2, close_note = '规则复核:已不再满足预警条件' WHERE id = $3")
                                .bind(t)
                                .bind(&actor.name)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            run.cleared.push(id);
                        }
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "complaints.risk.run",
                            "risk_warnings",
                            serde_json::json!({ "today": today, "evaluated": run.evaluated, "raised": run.raised, "updated": run.updated, "cleared": run.cleared }),
                        ),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(run)
                }

                async fn risk_warning(&self, id: i64) -> Result<RiskWarning> {
                    let mut c = self.read().acquire().await?;
                    Self::rw_conn(&mut c, id).await
                }

                async fn risk_warnings(&self, department_id: Option<i64>, open_only: bool) -> Result<Vec<RiskWarning>> {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT w.id FROM risk_warnings w WHERE ($1 = FALSE OR w.status = 'open') AND ($2 IS NULL \
                         OR EXISTS (SELECT 1 FROM entity_departments x WHERE x.uscc = w.uscc AND x.department_id = $2) \
                         OR EXISTS (SELECT 1 FROM complaints c WHERE c.subject_uscc = w.uscc AND c.department_id = $2)) \
                         ORDER BY w.score DESC, w.id DESC LIMIT 500",
                    )
                    .bind(open_only)
                    .bind(department_id)
                    .fetch_all(self.read())
                    .await?;
                    let mut c = self.read().acquire().await?;
                    let mut out = Vec::new();
                    for id in ids {
                        out.push(Self::rw_conn(&mut c, id).await?);
                    }
                    Ok(out)
                }

                async fn risk_close(&self, actor: &Actor, id: i64, note: &str) -> Result<RiskWarning> {
                    check_text("处置说明", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let w = Self::rw_conn(&mut tx, id).await?;
                    if w.status != "open" {
                        return Err(StoreError::Conflict("该预警已解除".into()));
                    }
                    sqlx::query("UPDATE risk_warnings SET status = 'closed', closed_at = $1, closed_by = $2, close_note = $3 WHERE id = $4")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(note.trim())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("complaints.risk.close", format!("risk_warning:{id}"), serde_json::json!({ "uscc": w.uscc }))).await?;
                    let out = Self::rw_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn risk_link_task(&self, actor: &Actor, id: i64, task_id: i64) -> Result<RiskWarning> {
                    let mut tx = self.begin_write().await?;
                    let w = Self::rw_conn(&mut tx, id).await?;
                    if w.task_id.is_some() {
                        return Err(StoreError::Conflict("该预警已生成定向抽查任务".into()));
                    }
                    let directed: Option<bool> = sqlx::query_scalar("SELECT directed FROM draw_tasks WHERE id = $1").bind(task_id).fetch_optional(&mut *tx).await?;
                    if directed != Some(true) {
                        return Err(StoreError::Invalid(format!("抽查任务 {task_id} 不存在或不是定向抽查任务")));
                    }
                    sqlx::query("UPDATE risk_warnings SET task_id = $1, updated_at = $2 WHERE id = $3").bind(task_id).bind(now()).bind(id).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("complaints.risk.task", format!("risk_warning:{id}"), serde_json::json!({ "uscc": w.uscc, "task_id": task_id })))
                        .await?;
                    let out = Self::rw_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            }
        }
    };
}
