//! Training (正文四): sessions, attendance, question banks, tests and per-person records.
//!
//! * A session belongs to the department that organises it; a district-wide session
//!   (a knowledge contest for every department) is open to every account.
//! * A test is a fixed list of questions from the organiser's bank; each account hands
//!   in one answer sheet, scored by [`jianguan_domain::training::score`]. A second sheet
//!   is refused by the database's unique key, so nothing half-saved can come of a
//!   double submission.
//! * Records are kept per account (the inspector roster, when it lands, links an
//!   inspector to the account).

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::training::SessionKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInput {
    pub kind: SessionKind,
    pub title: String,
    pub description: String,
    pub held_on: NaiveDate,
    /// Length in tenths of an hour (15 = 1.5 h).
    pub hours_tenths: i64,
    pub location: String,
    pub district_wide: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingSession {
    pub id: i64,
    pub department_id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub held_on: NaiveDate,
    pub hours_tenths: i64,
    pub location: String,
    pub district_wide: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub attendees: i64,
}

impl TrainingSession {
    pub fn kind_label(&self) -> &'static str {
        SessionKind::parse(&self.kind).map(SessionKind::label).unwrap_or("")
    }
    /// Whether an account of `department_id` may take part.
    pub fn open_to(&self, department_id: i64) -> bool {
        self.district_wide || self.department_id == department_id
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionInput {
    pub category: String,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: i64,
    pub department_id: i64,
    pub category: String,
    pub stem: String,
    pub options: Vec<String>,
    /// Index of the correct option (never sent to a candidate).
    pub answer: i64,
    pub active: bool,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Test {
    pub id: i64,
    pub session_id: i64,
    pub title: String,
    pub pass_mark: i64,
    pub question_ids: Vec<i64>,
    pub is_open: bool,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub id: i64,
    pub test_id: i64,
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    pub correct: i64,
    pub total: i64,
    pub points: i64,
    pub passed: bool,
    pub submitted_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    pub recorded_at: Timestamp,
}

/// A test result in a person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    pub test_id: i64,
    pub test_title: String,
    pub session_title: String,
    pub points: i64,
    pub passed: bool,
    pub submitted_at: Timestamp,
}

/// One account's training record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    pub attended: Vec<TrainingSession>,
    pub hours_tenths: i64,
    pub results: Vec<RecordResult>,
}

/// Per-department figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentTraining {
    pub department_id: i64,
    pub department: String,
    pub sessions: i64,
    pub attendances: i64,
    pub hours_tenths: i64,
    pub tests_taken: i64,
    pub passed: i64,
    /// Average points, rounded; `None` when no test was taken.
    pub avg_points: Option<i64>,
}

#[async_trait]
pub trait TrainingStore: Send + Sync {
    async fn session_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &SessionInput,
    ) -> crate::Result<TrainingSession>;
    /// Sessions an account of `department_id` may see: its department's and the
    /// district-wide ones (every session when `None`).
    async fn session_list(&self, department_id: Option<i64>) -> crate::Result<Vec<TrainingSession>>;
    async fn session_get(&self, id: i64) -> crate::Result<TrainingSession>;
    /// Records attendance of accounts (idempotent); returns how many were new. Accounts
    /// must belong to the organising department unless the session is district-wide.
    async fn attendance_add(&self, actor: &crate::Actor, session_id: i64, account_ids: &[i64]) -> crate::Result<i64>;
    async fn attendance_list(&self, session_id: i64) -> crate::Result<Vec<Attendee>>;
    async fn question_create(
        &self,
        actor: &crate::Actor,
        department_id: i64,
        input: &QuestionInput,
    ) -> crate::Result<Question>;
    async fn question_list(&self, department_id: i64) -> crate::Result<Vec<Question>>;
    /// Creates a test from questions of the session department's bank.
    async fn test_create(
        &self,
        actor: &crate::Actor,
        session_id: i64,
        title: &str,
        pass_mark: i64,
        question_ids: &[i64],
    ) -> crate::Result<Test>;
    async fn test_get(&self, id: i64) -> crate::Result<(Test, Vec<Question>)>;
    async fn test_list(&self, session_id: i64) -> crate::Result<Vec<Test>>;
    async fn test_close(&self, actor: &crate::Actor, id: i64) -> crate::Result<Test>;
    /// Scores and stores an account's answer sheet; a second sheet is a conflict.
    async fn test_submit(
        &self,
        actor: &crate::Actor,
        account_id: i64,
        test_id: i64,
        answers: &[Option<usize>],
    ) -> crate::Result<TestResult>;
    async fn test_results(&self, test_id: i64) -> crate::Result<Vec<TestResult>>;
    async fn training_record(&self, account_id: i64) -> crate::Result<TrainingRecord>;
    async fn training_by_department(&self) -> crate::Result<Vec<DepartmentTraining>>;
}

pub(crate) fn check_session(i: &SessionInput) -> crate::Result<()> {
    let inv = |m: &str| Err(crate::StoreError::Invalid(m.into()));
    let t = i.title.trim().chars().count();
    if t == 0 || t > 100 {
        return inv("培训名称不能为空,最多 100 字");
    }
    if i.description.chars().count() > 2000 {
        return inv("培训内容最多 2000 字");
    }
    if i.location.chars().count() > 100 {
        return inv("地点最多 100 字");
    }
    if !(1..=400).contains(&i.hours_tenths) {
        return inv("学时应在 0.1 至 40 小时之间");
    }
    Ok(())
}

/// Implements [`TrainingStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_training_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod training_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::training::*;
            use $crate::{Result, StoreError};

            type Tx<'a> = sqlx::Transaction<'a, $DB>;

            const SESSION_SELECT: &str = "SELECT s.*, (SELECT COUNT(*) FROM training_attendance a WHERE a.session_id = s.id) AS attendees \
                                          FROM training_sessions s";
            const RESULT_SELECT: &str = "SELECT r.*, a.username, a.display_name, a.department_id FROM training_results r \
                                         JOIN accounts a ON a.id = r.account_id";

            fn session_row(r: &$Row) -> Result<TrainingSession> {
                Ok(TrainingSession {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    held_on: r.try_get("held_on")?,
                    hours_tenths: r.try_get("hours_tenths")?,
                    location: r.try_get("location")?,
                    district_wide: r.try_get("district_wide")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    attendees: r.try_get("attendees")?,
                })
            }

            fn question_row(r: &$Row) -> Result<Question> {
                Ok(Question {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    category: r.try_get("category")?,
                    stem: r.try_get("stem")?,
                    options: json_list(&r.try_get::<String, _>("options")?),
                    answer: r.try_get("answer")?,
                    active: r.try_get("active")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn test_row(r: &$Row) -> Result<Test> {
                Ok(Test {
                    id: r.try_get("id")?,
                    session_id: r.try_get("session_id")?,
                    title: r.try_get("title")?,
                    pass_mark: r.try_get("pass_mark")?,
                    question_ids: serde_json::from_str(&r.try_get::<String, _>("question_ids")?).unwrap_or_default(),
                    is_open: r.try_get("is_open")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn result_row(r: &$Row) -> Result<TestResult> {
                Ok(TestResult {
                    id: r.try_get("id")?,
                    test_id: r.try_get("test_id")?,
                    account_id: r.try_get("account_id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    department_id: r.try_get("department_id")?,
                    correct: r.try_get("correct")?,
                    total: r.try_get("total")?,
                    points: r.try_get("points")?,
                    passed: r.try_get("passed")?,
                    submitted_at: r.try_get("submitted_at")?,
                })
            }

            async fn session_tx(tx: &mut Tx<'_>, id: i64) -> Result<TrainingSession> {
                let r = sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("培训 {id} 不存在")))?;
                session_row(&r)
            }

            async fn test_tx(tx: &mut Tx<'_>, id: i64) -> Result<Test> {
                let r = sqlx::query("SELECT * FROM training_tests WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("测试 {id} 不存在")))?;
                test_row(&r)
            }

            async fn questions_in<'e, E>(exec: E, ids: &[i64]) -> Result<Vec<Question>>
            where
                E: sqlx::Executor<'e, Database = $DB>,
            {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM training_questions WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                qb.push(")");
                let rows = qb.build().fetch_all(exec).await?;
                let found: Vec<Question> = rows.iter().map(question_row).collect::<Result<_>>()?;
                // In the test's order.
                Ok(ids.iter().filter_map(|id| found.iter().find(|q| q.id == *id).cloned()).collect())
            }

            #[async_trait::async_trait]
            impl $crate::training::TrainingStore for $Store {
                async fn session_create(&self, actor: &Actor, department_id: i64, i: &SessionInput) -> Result<TrainingSession> {
                    check_session(i)?;
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO training_sessions (department_id, kind, title, description, held_on, hours_tenths, location, district_wide, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(department_id)
                    .bind(i.kind.code())
                    .bind(i.title.trim())
                    .bind(i.description.trim())
                    .bind(i.held_on)
                    .bind(i.hours_tenths)
                    .bind(i.location.trim())
                    .bind(i.district_wide)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("training.session_create", format!("training_session:{id}"), serde_json::json!({ "title": i.title.trim(), "kind": i.kind.code(), "held_on": i.held_on })),
                    )
                    .await?;
                    let s = session_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(s)
                }

                async fn session_list(&self, department_id: Option<i64>) -> Result<Vec<TrainingSession>> {
                    let rows = match department_id {
                        Some(d) => sqlx::query(&format!("{SESSION_SELECT} WHERE s.department_id = $1 OR s.district_wide ORDER BY s.held_on DESC, s.id DESC"))
                            .bind(d)
                            .fetch_all(self.read())
                            .await?,
                        None => sqlx::query(&format!("{SESSION_SELECT} ORDER BY s.held_on DESC, s.id DESC")).fetch_all(self.read()).await?,
                    };
                    rows.iter().map(session_row).collect()
                }

                async fn session_get(&self, id: i64) -> Result<TrainingSession> {
                    let r = sqlx::query(&format!("{SESSION_SELECT} WHERE s.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("培训 {id} 不存在")))?;
                    session_row(&r)
                }

                async fn attendance_add(&self, actor: &Actor, session_id: i64, account_ids: &[i64]) -> Result<i64> {
                    if account_ids.is_empty() {
                        return Err(StoreError::Invalid("请选择参训人员".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let s = session_tx(&mut tx, session_id).await?;
                    let t = now();
                    let mut added = 0i64;
                    for id in account_ids {
                        let dept: Option<i64> = sqlx::query_scalar("SELECT department_id FROM accounts WHERE id = $1")
                            .bind(*id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let Some(dept) = dept else {
                            return Err(StoreError::NotFound(format!("账号 {id} 不存在")));
                        };
                        if !s.open_to(dept) {
                            return Err(StoreError::Invalid(format!("账号 {id} 不属于组织培训的部门,本培训未面向全区")));
                        }
                        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_attendance WHERE session_id = $1 AND account_id = $2")
                            .bind(session_id)
                            .bind(*id)
                            .fetch_one(&mut *tx)
                            .await?;
                        if exists == 0 {
                            sqlx::query("INSERT INTO training_attendance (session_id, account_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4)")
                                .bind(session_id)
                                .bind(*id)
                                .bind(&actor.name)
                                .bind(t)
                                .execute(&mut *tx)
                                .await?;
                            added += 1;
                        }
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("training.attendance", format!("training_session:{session_id}"), serde_json::json!({ "accounts": account_ids, "added": added })),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(added)
                }

                async fn attendance_list(&self, session_id: i64) -> Result<Vec<Attendee>> {
                    let rows = sqlx::query(
                        "SELECT a.account_id, c.username, c.display_name, c.department_id, a.recorded_at FROM training_attendance a \
                         JOIN accounts c ON c.id = a.account_id WHERE a.session_id = $1 ORDER BY c.username",
                    )
                    .bind(session_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Attendee {
                                account_id: r.try_get("account_id")?,
                                username: r.try_get("username")?,
                                display_name: r.try_get("display_name")?,
                                department_id: r.try_get("department_id")?,
                                recorded_at: r.try_get("recorded_at")?,
                            })
                        })
                        .collect()
                }

                async fn question_create(&self, actor: &Actor, department_id: i64, i: &QuestionInput) -> Result<Question> {
                    jianguan_domain::training::check_question(&i.stem, &i.options, i.answer).map_err(StoreError::Invalid)?;
                    if i.category.chars().count() > 40 {
                        return Err(StoreError::Invalid("题目分类最多 40 字".into()));
                    }
                    let options: Vec<String> = i.options.iter().map(|o| o.trim().to_string()).collect();
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO training_questions (department_id, category, stem, options, answer, active, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING id",
                    )
                    .bind(department_id)
                    .bind(i.category.trim())
                    .bind(i.stem.trim())
                    .bind(serde_json::to_string(&options).expect("json"))
                    .bind(i.answer as i64)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(&mut tx, &actor.event("training.question_create", format!("training_question:{id}"), serde_json::json!({ "category": i.category.trim() }))).await?;
                    let r = sqlx::query("SELECT * FROM training_questions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let q = question_row(&r)?;
                    tx.commit().await?;
                    Ok(q)
                }

                async fn question_list(&self, department_id: i64) -> Result<Vec<Question>> {
                    let rows = sqlx::query("SELECT * FROM training_questions WHERE department_id = $1 ORDER BY category, id")
                        .bind(department_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(question_row).collect()
                }

                async fn test_create(&self, actor: &Actor, session_id: i64, title: &str, pass_mark: i64, question_ids: &[i64]) -> Result<Test> {
                    let title = title.trim();
                    if title.is_empty() || title.chars().count() > 100 {
                        return Err(StoreError::Invalid("测试名称不能为空,最多 100 字".into()));
                    }
                    if !(0..=100).contains(&pass_mark) {
                        return Err(StoreError::Invalid("及格分应在 0 至 100 之间".into()));
                    }
                    let mut ids: Vec<i64> = Vec::new();
                    for id in question_ids {
                        if !ids.contains(id) {
                            ids.push(*id);
                        }
                    }
                    if ids.is_empty() || ids.len() > jianguan_domain::training::MAX_QUESTIONS_PER_TEST {
                        return Err(StoreError::Invalid(format!("测试应包含 1 至 {} 道题", jianguan_domain::training::MAX_QUESTIONS_PER_TEST)));
                    }
                    let mut tx = self.begin_write().await?;
                    let s = session_tx(&mut tx, session_id).await?;
                    let qs = questions_in(&mut *tx, &ids).await?;
                    if qs.len() != ids.len() || qs.iter().any(|q| q.department_id != s.department_id || !q.active) {
                        return Err(StoreError::Invalid("所选题目须是本部门题库中的有效题目".into()));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO training_tests (session_id, title, pass_mark, question_ids, is_open, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING id",
                    )
                    .bind(session_id)
                    .bind(title)
                    .bind(pass_mark)
                    .bind(serde_json::to_string(&ids).expect("json"))
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(&mut tx, &actor.event("training.test_create", format!("training_test:{id}"), serde_json::json!({ "session": session_id, "questions": ids.len(), "pass_mark": pass_mark }))).await?;
                    let t = test_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(t)
                }

                async fn test_get(&self, id: i64) -> Result<(Test, Vec<Question>)> {
                    let r = sqlx::query("SELECT * FROM training_tests WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("测试 {id} 不存在")))?;
                    let t = test_row(&r)?;
                    let qs = questions_in(self.read(), &t.question_ids).await?;
                    Ok((t, qs))
                }

                async fn test_list(&self, session_id: i64) -> Result<Vec<Test>> {
                    let rows = sqlx::query("SELECT * FROM training_tests WHERE session_id = $1 ORDER BY id")
                        .bind(session_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(test_row).collect()
                }

                async fn test_close(&self, actor: &Actor, id: i64) -> Result<Test> {
                    let mut tx = self.begin_write().await?;
                    let n = sqlx::query("UPDATE training_tests SET is_open = FALSE WHERE id = $1 AND is_open")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        test_tx(&mut tx, id).await?;
                        return Err(StoreError::Conflict("该测试已结束".into()));
                    }
                    self.append_audit(&mut tx, &actor.event("training.test_close", format!("training_test:{id}"), serde_json::json!({}))).await?;
                    let t = test_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(t)
                }

                async fn test_submit(&self, actor: &Actor, account_id: i64, test_id: i64, answers: &[Option<usize>]) -> Result<TestResult> {
                    let mut tx = self.begin_write().await?;
                    let t = test_tx(&mut tx, test_id).await?;
                    if !t.is_open {
                        return Err(StoreError::Conflict("该测试已结束,不再接受答卷".into()));
                    }
                    let s = session_tx(&mut tx, t.session_id).await?;
                    let dept: i64 = sqlx::query_scalar("SELECT department_id FROM accounts WHERE id = $1")
                        .bind(account_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("账号 {account_id} 不存在")))?;
                    if !s.open_to(dept) {
                        return Err(StoreError::NotFound(format!("测试 {test_id} 不存在")));
                    }
                    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_results WHERE test_id = $1 AND account_id = $2")
                        .bind(test_id)
                        .bind(account_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if done > 0 {
                        return Err(StoreError::Conflict("您已提交过本次测试的答卷,每人只能作答一次".into()));
                    }
                    let qs = questions_in(&mut *tx, &t.question_ids).await?;
                    let key: Vec<usize> = qs.iter().map(|q| q.answer as usize).collect();
                    let opts: Vec<usize> = qs.iter().map(|q| q.options.len()).collect();
                    let sc = jianguan_domain::training::score(&key, &opts, answers, t.pass_mark).map_err(StoreError::Invalid)?;
                    let inserted = sqlx::query(
                        "INSERT INTO training_results (test_id, account_id, answers, correct, total, points, passed, submitted_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(test_id)
                    .bind(account_id)
                    .bind(serde_json::to_string(answers).expect("json"))
                    .bind(sc.correct)
                    .bind(sc.total)
                    .bind(sc.points)
                    .bind(sc.passed)
                    .bind(now())
                    .execute(&mut *tx)
                    .await;
                    if let Err(e) = inserted {
                        if e.as_database_error().map(|d| d.is_unique_violation()).unwrap_or(false) {
                            return Err(StoreError::Conflict("您已提交过本次测试的答卷,每人只能作答一次".into()));
                        }
                        return Err(e.into());
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("training.test_submit", format!("training_test:{test_id}"), serde_json::json!({ "account": account_id, "points": sc.points, "passed": sc.passed })),
                    )
                    .await?;
                    let r = sqlx::query(&format!("{RESULT_SELECT} WHERE r.test_id = $1 AND r.account_id = $2"))
                        .bind(test_id)
                        .bind(account_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let out = result_row(&r)?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn test_results(&self, test_id: i64) -> Result<Vec<TestResult>> {
                    let rows = sqlx::query(&format!("{RESULT_SELECT} WHERE r.test_id = $1 ORDER BY r.points DESC, r.submitted_at"))
                        .bind(test_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(result_row).collect()
                }

                async fn training_record(&self, account_id: i64) -> Result<TrainingRecord> {
                    let a = sqlx::query("SELECT username, display_name, department_id FROM accounts WHERE id = $1")
                        .bind(account_id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("账号 {account_id} 不存在")))?;
                    let rows = sqlx::query(&format!(
                        "{SESSION_SELECT} WHERE s.id IN (SELECT session_id FROM training_attendance WHERE account_id = $1) ORDER BY s.held_on DESC, s.id DESC"
                    ))
                    .bind(account_id)
                    .fetch_all(self.read())
                    .await?;
                    let attended: Vec<TrainingSession> = rows.iter().map(session_row).collect::<Result<_>>()?;
                    let rrows = sqlx::query(
                        "SELECT r.test_id, t.title AS test_title, s.title AS session_title, r.points, r.passed, r.submitted_at \
                         FROM training_results r JOIN training_tests t ON t.id = r.test_id JOIN training_sessions s ON s.id = t.session_id \
                         WHERE r.account_id = $1 ORDER BY r.submitted_at DESC",
                    )
                    .bind(account_id)
                    .fetch_all(self.read())
                    .await?;
                    let results = rrows
                        .iter()
                        .map(|r| {
                            Ok(RecordResult {
                                test_id: r.try_get("test_id")?,
                                test_title: r.try_get("test_title")?,
                                session_title: r.try_get("session_title")?,
                                points: r.try_get("points")?,
                                passed: r.try_get("passed")?,
                                submitted_at: r.try_get("submitted_at")?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(TrainingRecord {
                        account_id,
                        username: a.try_get("username")?,
                        display_name: a.try_get("display_name")?,
                        department_id: a.try_get("department_id")?,
                        hours_tenths: attended.iter().map(|s| s.hours_tenths).sum(),
                        attended,
                        results,
                    })
                }

                async fn training_by_department(&self) -> Result<Vec<DepartmentTraining>> {
                    let rows = sqlx::query(
                        "SELECT d.id, d.name, \
                         (SELECT COUNT(*) FROM training_sessions s WHERE s.department_id = d.id) AS sessions, \
                         (SELECT COUNT(*) FROM training_attendance a JOIN accounts c ON c.id = a.account_id WHERE c.department_id = d.id) AS attendances, \
                         (SELECT CAST(COALESCE(SUM(s.hours_tenths), 0) AS BIGINT) FROM training_attendance a JOIN accounts c ON c.id = a.account_id \
                            JOIN training_sessions s ON s.id = a.session_id WHERE c.department_id = d.id) AS hours_tenths, \
                         (SELECT COUNT(*) FROM training_results r JOIN accounts c ON c.id = r.account_id WHERE c.department_id = d.id) AS tests_taken, \
                         (SELECT COUNT(*) FROM training_results r JOIN accounts c ON c.id = r.account_id WHERE c.department_id = d.id AND r.passed) AS passed, \
                         (SELECT CAST(COALESCE(SUM(r.points), 0) AS BIGINT) FROM training_results r JOIN accounts c ON c.id = r.account_id WHERE c.department_id = d.id) AS points \
                         FROM departments d WHERE d.kind = 'department' ORDER BY d.id",
                    )
                    .fetch_all(self.read())
                    .await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        let sessions: i64 = r.try_get("sessions")?;
                        let attendances: i64 = r.try_get("attendances")?;
                        let taken: i64 = r.try_get("tests_taken")?;
                        if sessions + attendances + taken == 0 {
                            continue;
                        }
                        let points: i64 = r.try_get("points")?;
                        out.push(DepartmentTraining {
                            department_id: r.try_get("id")?,
                            department: r.try_get("name")?,
                            sessions,
                            attendances,
                            hours_tenths: r.try_get("hours_tenths")?,
                            tests_taken: taken,
                            passed: r.try_get("passed")?,
                            avg_points: (taken > 0).then(|| (points * 2 + taken) / (2 * taken)),
                        });
                    }
                    Ok(out)
                }
            }
        }
    };
}
