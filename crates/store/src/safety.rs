//! Safety-production risk self-reports (附件1 第29项): reports routed to the departments
//! with safety duties, acknowledgement deadlines, risk warnings, and entities' reporting
//! obligations (the reminder cycle).
//!
//! The contact person and phone are personal data: the web layer seals them (SM4) and
//! masks them before they reach the store; the audit trail never carries them.

use crate::declaration::Via;
use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::safety::{RiskLevel, WarningLevel};
use serde::{Deserialize, Serialize};

/// Contact details as stored: sealed, plus the masked form lists show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedContact {
    #[serde(skip_serializing)]
    pub name_sealed: String,
    pub name_masked: String,
    #[serde(skip_serializing)]
    pub phone_sealed: String,
    pub phone_masked: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSafetyReport {
    pub uscc: String,
    pub category: String,
    pub level: RiskLevel,
    pub location: String,
    pub description: String,
    pub measures: String,
    pub contact: SealedContact,
    /// The Beijing date of submission.
    pub submitted_on: NaiveDate,
    /// `(department, acknowledgement deadline)`, from the routing rules.
    pub routes: Vec<(i64, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyRoute {
    pub department_id: i64,
    pub department: String,
    pub due_on: NaiveDate,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub id: i64,
    pub report_id: i64,
    pub entity_name: String,
    pub uscc: String,
    pub department_id: Option<i64>,
    pub level: WarningLevel,
    pub title: String,
    pub raised_at: Timestamp,
    /// `open` or `closed`.
    pub status: String,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyReport {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub category: String,
    pub level: RiskLevel,
    pub location: String,
    pub description: String,
    pub measures: String,
    pub contact: SealedContact,
    /// `code` or `staff`.
    pub via: String,
    pub submitted_by: String,
    pub submitted_at: Timestamp,
    pub submitted_on: NaiveDate,
    /// `open`, `acknowledged` (every department signed) or `closed`.
    pub status: String,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub close_note: String,
    pub routes: Vec<SafetyRoute>,
    pub warnings: Vec<Warning>,
}

impl SafetyReport {
    pub fn routed_to(&self, department_id: i64) -> bool {
        self.routes.iter().any(|r| r.department_id == department_id)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SafetyFilter {
    /// Reports routed to this department.
    pub department_id: Option<i64>,
    pub uscc: Option<String>,
    pub status: Option<String>,
    pub limit: i64,
}

/// A route past its deadline and not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueAck {
    pub report_id: i64,
    pub department_id: i64,
    pub entity_name: String,
    pub level: RiskLevel,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub department_id: i64,
    pub department: String,
    pub cycle_days: i64,
    pub since_on: NaiveDate,
    pub note: String,
    pub active: bool,
    /// The Beijing date of the entity's latest report (to any department).
    pub last_report_on: Option<NaiveDate>,
}

#[async_trait]
pub trait SafetyStore: Send + Sync {
    /// Records a report with its routes (and its warning for a major or serious risk) in
    /// one transaction; with [`Via::Code`] the code is consumed in it.
    async fn safety_submit(&self, actor: &crate::Actor, r: &NewSafetyReport, via: &Via) -> crate::Result<SafetyReport>;
    async fn safety_report_get(&self, id: i64) -> crate::Result<SafetyReport>;
    async fn safety_reports(&self, filter: &SafetyFilter) -> crate::Result<Vec<SafetyReport>>;
    /// A routed department signs for a report (签收) with its handling note.
    async fn safety_acknowledge(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        note: &str,
    ) -> crate::Result<SafetyReport>;
    /// A routed department that has signed closes the report (销号) and its warnings.
    async fn safety_close(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        note: &str,
    ) -> crate::Result<SafetyReport>;
    async fn safety_warnings(&self, department_id: Option<i64>, open_only: bool) -> crate::Result<Vec<Warning>>;
    async fn safety_overdue_acks(&self, today: NaiveDate) -> crate::Result<Vec<OverdueAck>>;
    /// Raises a yellow warning for each overdue route that has none yet; returns them.
    async fn safety_escalate(&self, actor: &crate::Actor, today: NaiveDate) -> crate::Result<Vec<Warning>>;

    /// Sets (or re-activates) an entity's reporting obligation to a department.
    async fn safety_obligation_set(
        &self,
        actor: &crate::Actor,
        uscc: &str,
        department_id: i64,
        cycle_days: i64,
        since_on: NaiveDate,
        note: &str,
    ) -> crate::Result<Obligation>;
    async fn safety_obligation_end(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
    ) -> crate::Result<Obligation>;
    async fn safety_obligations(&self, department_id: Option<i64>) -> crate::Result<Vec<Obligation>>;
}

/// Implements [`SafetyStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_safety_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod safety_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::declaration::{Via, BAD_CODE};
            use $crate::fairness::check_text;
            use $crate::safety::*;
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::safety::{self as sf, RiskLevel, WarningLevel};

            type Conn = <$DB as sqlx::Database>::Connection;

            const WARNING_SELECT: &str = "SELECT w.*, r.entity_name, r.uscc FROM safety_warnings w JOIN safety_reports r ON r.id = w.report_id";
            const OBLIGATION_SELECT: &str = "SELECT o.*, e.name AS entity_name, d.name AS department, \
                (SELECT MAX(r.submitted_on) FROM safety_reports r WHERE r.uscc = o.uscc) AS last_report_on \
                FROM safety_obligations o JOIN entities e ON e.uscc = o.uscc JOIN departments d ON d.id = o.department_id";

            fn report_row(r: &$Row) -> Result<SafetyReport> {
                let level: String = r.try_get("level")?;
                Ok(SafetyReport {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    category: r.try_get("category")?,
                    level: RiskLevel::from_code(&level).ok_or_else(|| StoreError::Invalid(format!("风险等级“{level}”无法识别")))?,
                    location: r.try_get("location")?,
                    description: r.try_get("description")?,
                    measures: r.try_get("measures")?,
                    contact: SealedContact {
                        name_sealed: r.try_get("contact_name_sealed")?,
                        name_masked: r.try_get("contact_name_masked")?,
                        phone_sealed: r.try_get("contact_phone_sealed")?,
                        phone_masked: r.try_get("contact_phone_masked")?,
                    },
                    via: r.try_get("via")?,
                    submitted_by: r.try_get("submitted_by")?,
                    submitted_at: r.try_get("submitted_at")?,
                    submitted_on: r.try_get("submitted_on")?,
                    status: r.try_get("status")?,
                    closed_at: r.try_get("closed_at")?,
                    closed_by: r.try_get("closed_by")?,
                    close_note: r.try_get("close_note")?,
                    routes: Vec::new(),
                    warnings: Vec::new(),
                })
            }

            fn warning_row(r: &$Row) -> Result<Warning> {
                let level: String = r.try_get("level")?;
                Ok(Warning {
                    id: r.try_get("id")?,
                    report_id: r.try_get("report_id")?,
                    entity_name: r.try_get("entity_name")?,
                    uscc: r.try_get("uscc")?,
                    department_id: r.try_get("department_id")?,
                    level: WarningLevel::from_code(&level).ok_or_else(|| StoreError::Invalid(format!("预警等级“{level}”无法识别")))?,
                    title: r.try_get("title")?,
                    raised_at: r.try_get("raised_at")?,
                    status: r.try_get("status")?,
                    closed_at: r.try_get("closed_at")?,
                    closed_by: r.try_get("closed_by")?,
                })
            }

            fn obligation_row(r: &$Row) -> Result<Obligation> {
                Ok(Obligation {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    cycle_days: r.try_get("cycle_days")?,
                    since_on: r.try_get("since_on")?,
                    note: r.try_get("note")?,
                    active: r.try_get("active")?,
                    last_report_on: r.try_get("last_report_on")?,
                })
            }

            impl $Store {
                async fn sf_report_conn(conn: &mut Conn, id: i64) -> Result<SafetyReport> {
                    let r = sqlx::query("SELECT * FROM safety_reports WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("安全生产风险报告 {id} 不存在")))?;
                    let mut rep = report_row(&r)?;
                    let routes = sqlx::query(
                        "SELECT s.*, d.name AS department FROM safety_routes s JOIN departments d ON d.id = s.department_id WHERE s.report_id = $1 ORDER BY s.department_id",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    for r in &routes {
                        rep.routes.push(SafetyRoute {
                            department_id: r.try_get("department_id")?,
                            department: r.try_get("department")?,
                            due_on: r.try_get("due_on")?,
                            acknowledged_at: r.try_get("acknowledged_at")?,
                            acknowledged_by: r.try_get("acknowledged_by")?,
                            note: r.try_get("note")?,
                        });
                    }
                    let warnings = sqlx::query(&format!("{WARNING_SELECT} WHERE w.report_id = $1 ORDER BY w.id")).bind(id).fetch_all(&mut *conn).await?;
                    rep.warnings = warnings.iter().map(warning_row).collect::<Result<_>>()?;
                    Ok(rep)
                }

                async fn sf_obligation_conn(conn: &mut Conn, id: i64) -> Result<Obligation> {
                    let r = sqlx::query(&format!("{OBLIGATION_SELECT} WHERE o.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("报告义务 {id} 不存在")))?;
                    obligation_row(&r)
                }

                async fn sf_submit_tx(&self, actor: &Actor, n: &NewSafetyReport, via: &Via) -> Result<SafetyReport> {
                    let mut tx = self.begin_write().await?;
                    let entity_name = Self::entity_name_conn(&mut tx, &n.uscc).await?;
                    for (d, _) in &n.routes {
                        let ok: Option<bool> = sqlx::query_scalar("SELECT active FROM departments WHERE id = $1 AND kind = 'department'").bind(d).fetch_optional(&mut *tx).await?;
                        if ok != Some(true) {
                            return Err(StoreError::Invalid(format!("接收部门 {d} 不存在或已停用")));
                        }
                    }
                    let (via_code, by) = match via {
                        Via::Staff { .. } => ("staff", actor.name.clone()),
                        Via::Code(u) => {
                            Self::consume_access_code(&mut tx, u, "safety_report").await?;
                            ("code", "市场主体(申报码)".to_string())
                        }
                    };
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO safety_reports (uscc, entity_name, category, level, location, description, measures, contact_name_sealed, contact_name_masked, \
                         contact_phone_sealed, contact_phone_masked, via, submitted_by, submitted_at, submitted_on, status, close_note) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'open', '') RETURNING id",
                    )
                    .bind(&n.uscc)
                    .bind(&entity_name)
                    .bind(&n.category)
                    .bind(n.level.code())
                    .bind(n.location.trim())
                    .bind(n.description.trim())
                    .bind(n.measures.trim())
                    .bind(&n.contact.name_sealed)
                    .bind(&n.contact.name_masked)
                    .bind(&n.contact.phone_sealed)
                    .bind(&n.contact.phone_masked)
                    .bind(via_code)
                    .bind(&by)
                    .bind(t)
                    .bind(n.submitted_on)
                    .fetch_one(&mut *tx)
                    .await?;
                    for (d, due) in &n.routes {
                        sqlx::query("INSERT INTO safety_routes (report_id, department_id, due_on, note) VALUES ($1, $2, $3, '')")
                            .bind(id)
                            .bind(d)
                            .bind(due)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(w) = n.level.warning() {
                        let category = sf::category(&n.category).map(|c| c.label).unwrap_or("其他");
                        sqlx::query("INSERT INTO safety_warnings (report_id, department_id, level, title, raised_at, status) VALUES ($1, NULL, $2, $3, $4, 'open')")
                            .bind(id)
                            .bind(w.code())
                            .bind(format!("{entity_name}报告{}:{category}", n.level.label()))
                            .bind(t)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Via::Code(u) = via {
                        sqlx::query("UPDATE access_codes SET used_for = $1 WHERE code_hash = $2").bind(format!("safety_report:{id}")).bind(&u.code_hash).execute(&mut *tx).await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "safety.report",
                            format!("safety_report:{id}"),
                            serde_json::json!({
                                "uscc": n.uscc,
                                "category": n.category,
                                "level": n.level.code(),
                                "via": via_code,
                                "routes": n.routes.iter().map(|(d, _)| d).collect::<Vec<_>>(),
                            }),
                        ),
                    )
                    .await?;
                    let out = Self::sf_report_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            }

            #[async_trait::async_trait]
            impl $crate::safety::SafetyStore for $Store {
                async fn safety_submit(&self, actor: &Actor, n: &NewSafetyReport, via: &Via) -> Result<SafetyReport> {
                    if sf::category(&n.category).is_none() {
                        return Err(StoreError::Invalid(format!("风险类别“{}”不存在", n.category)));
                    }
                    check_text("风险点位置", &n.location, 200, true)?;
                    check_text("风险描述", &n.description, sf::MAX_TEXT, true)?;
                    check_text("管控措施", &n.measures, sf::MAX_TEXT, true)?;
                    if n.routes.is_empty() {
                        return Err(StoreError::Invalid("报告没有接收部门".into()));
                    }
                    match self.sf_submit_tx(actor, n, via).await {
                        Err(StoreError::Invalid(m)) if m == BAD_CODE => {
                            if let Via::Code(u) = via {
                                self.record_code_failure(u).await?;
                            }
                            Err(StoreError::Invalid(m))
                        }
                        Err(StoreError::NotFound(_)) if matches!(via, Via::Code(_)) => {
                            if let Via::Code(u) = via {
                                self.record_code_failure(u).await?;
                            }
                            Err(StoreError::Invalid(BAD_CODE.into()))
                        }
                        other => other,
                    }
                }

                async fn safety_report_get(&self, id: i64) -> Result<SafetyReport> {
                    let mut c = self.read().acquire().await?;
                    Self::sf_report_conn(&mut c, id).await
                }

                async fn safety_reports(&self, f: &SafetyFilter) -> Result<Vec<SafetyReport>> {
                    let ids: Vec<i64> = sqlx::query_scalar(
                        "SELECT r.id FROM safety_reports r WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM safety_routes s WHERE s.report_id = r.id AND s.department_id = $1)) \
                         AND ($2 IS NULL OR r.uscc = $2) AND ($3 IS NULL OR r.status = $3) ORDER BY r.id DESC LIMIT $4",
                    )
                    .bind(f.department_id)
                    .bind(f.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()))
                    .bind(f.status.as_deref().filter(|s| !s.is_empty()))
                    .bind(if f.limit > 0 { f.limit.min(1000) } else { 200 })
                    .fetch_all(self.read())
                    .await?;
                    let mut c = self.read().acquire().await?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        out.push(Self::sf_report_conn(&mut c, id).await?);
                    }
                    Ok(out)
                }

                async fn safety_acknowledge(&self, actor: &Actor, id: i64, department_id: i64, note: &str) -> Result<SafetyReport> {
                    check_text("处置意见", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let rep = Self::sf_report_conn(&mut tx, id).await?;
                    let Some(route) = rep.routes.iter().find(|r| r.department_id == department_id) else {
                        return Err(StoreError::NotFound(format!("安全生产风险报告 {id} 未推送至本部门")));
                    };
                    if route.acknowledged_at.is_some() {
                        return Err(StoreError::Conflict("本部门已签收该报告".into()));
                    }
                    sqlx::query("UPDATE safety_routes SET acknowledged_at = $1, acknowledged_by = $2, note = $3 WHERE report_id = $4 AND department_id = $5")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(note.trim())
                        .bind(id)
                        .bind(department_id)
                        .execute(&mut *tx)
                        .await?;
                    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM safety_routes WHERE report_id = $1 AND acknowledged_at IS NULL").bind(id).fetch_one(&mut *tx).await?;
                    if pending == 0 && rep.status == "open" {
                        sqlx::query("UPDATE safety_reports SET status = 'acknowledged' WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    }
                    // This department's overdue (yellow) warning is settled by signing.
                    sqlx::query("UPDATE safety_warnings SET status = 'closed', closed_at = $1, closed_by = $2 WHERE report_id = $3 AND department_id = $4 AND status = 'open'")
                        .bind(now())
                        .bind(&actor.name)
                        .bind(id)
                        .bind(department_id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("safety.acknowledge", format!("safety_report:{id}"), serde_json::json!({ "department_id": department_id })))
                        .await?;
                    let out = Self::sf_report_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn safety_close(&self, actor: &Actor, id: i64, department_id: i64, note: &str) -> Result<SafetyReport> {
                    check_text("销号说明", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let rep = Self::sf_report_conn(&mut tx, id).await?;
                    let Some(route) = rep.routes.iter().find(|r| r.department_id == department_id) else {
                        return Err(StoreError::NotFound(format!("安全生产风险报告 {id} 未推送至本部门")));
                    };
                    if rep.status == "closed" {
                        return Err(StoreError::Conflict("该报告已销号".into()));
                    }
                    if route.acknowledged_at.is_none() {
                        return Err(StoreError::Conflict("请先签收该报告再销号".into()));
                    }
                    let t = now();
                    sqlx::query("UPDATE safety_reports SET status = 'closed', closed_at = $1, closed_by = $2, close_note = $3 WHERE id = $4")
                        .bind(t)
                        .bind(&actor.name)
                        .bind(note.trim())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE safety_warnings SET status = 'closed', closed_at = $1, closed_by = $2 WHERE report_id = $3 AND status = 'open'")
                        .bind(t)
                        .bind(&actor.name)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("safety.close", format!("safety_report:{id}"), serde_json::json!({ "department_id": department_id })))
                        .await?;
                    let out = Self::sf_report_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn safety_warnings(&self, department_id: Option<i64>, open_only: bool) -> Result<Vec<Warning>> {
                    let rows = sqlx::query(&format!(
                        "{WARNING_SELECT} WHERE ($1 = FALSE OR w.status = 'open') AND ($2 IS NULL OR w.department_id = $2 \
                         OR (w.department_id IS NULL AND EXISTS (SELECT 1 FROM safety_routes s WHERE s.report_id = w.report_id AND s.department_id = $2))) \
                         ORDER BY w.id DESC LIMIT 500"
                    ))
                    .bind(open_only)
                    .bind(department_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter().map(warning_row).collect()
                }

                async fn safety_overdue_acks(&self, today: NaiveDate) -> Result<Vec<OverdueAck>> {
                    let rows = sqlx::query(
                        "SELECT s.report_id, s.department_id, s.due_on, r.entity_name, r.level FROM safety_routes s JOIN safety_reports r ON r.id = s.report_id \
                         WHERE s.acknowledged_at IS NULL AND s.due_on < $1 AND r.status <> 'closed' ORDER BY s.due_on, s.report_id",
                    )
                    .bind(today)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let level: String = r.try_get("level")?;
                            Ok(OverdueAck {
                                report_id: r.try_get("report_id")?,
                                department_id: r.try_get("department_id")?,
                                entity_name: r.try_get("entity_name")?,
                                level: RiskLevel::from_code(&level).ok_or_else(|| StoreError::Invalid(format!("风险等级“{level}”无法识别")))?,
                                due_on: r.try_get("due_on")?,
                            })
                        })
                        .collect()
                }

                async fn safety_escalate(&self, actor: &Actor, today: NaiveDate) -> Result<Vec<Warning>> {
                    let overdue = self.safety_overdue_acks(today).await?;
                    let mut tx = self.begin_write().await?;
                    let mut raised = Vec::new();
                    for o in &overdue {
                        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM safety_warnings WHERE report_id = $1 AND level = 'yellow' AND department_id = $2")
                            .bind(o.report_id)
                            .bind(o.department_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        if exists > 0 {
                            continue;
                        }
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO safety_warnings (report_id, department_id, level, title, raised_at, status) VALUES ($1, $2, 'yellow', $3, $4, 'open') RETURNING id",
                        )
                        .bind(o.report_id)
                        .bind(o.department_id)
                        .bind(format!("{}的风险报告({})超过签收期限 {}", o.entity_name, o.level.label(), o.due_on))
                        .bind(now())
                        .fetch_one(&mut *tx)
                        .await?;
                        raised.push(id);
                    }
                    if !raised.is_empty() {
                        self.append_audit(&mut tx, &actor.event("safety.escalate", "safety_warnings", serde_json::json!({ "raised": raised, "today": today })))
                            .await?;
                    }
                    let mut out = Vec::new();
                    for id in &raised {
                        let r = sqlx::query(&format!("{WARNING_SELECT} WHERE w.id = $1")).bind(id).fetch_one(&mut *tx).await?;
                        out.push(warning_row(&r)?);
                    }
                    tx.commit().await?;
                    Ok(out)
                }

                async fn safety_obligation_set(&self, actor: &Actor, uscc: &str, department_id: i64, cycle_days: i64, since_on: NaiveDate, note: &str) -> Result<Obligation> {
                    if !(sf::MIN_CYCLE_DAYS..=sf::MAX_CYCLE_DAYS).contains(&cycle_days) {
                        return Err(StoreError::Invalid(format!("报告周期应为 {} 至 {} 天", sf::MIN_CYCLE_DAYS, sf::MAX_CYCLE_DAYS)));
                    }
                    check_text("说明", note, 1000, false)?;
                    let mut tx = self.begin_write().await?;
                    Self::entity_name_conn(&mut tx, uscc).await?;
                    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM safety_obligations WHERE uscc = $1 AND department_id = $2")
                        .bind(uscc)
                        .bind(department_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let id = match existing {
                        Some(id) => {
                            sqlx::query("UPDATE safety_obligations SET cycle_days = $1, since_on = $2, note = $3, active = TRUE WHERE id = $4")
                                .bind(cycle_days)
                                .bind(since_on)
                                .bind(note.trim())
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            id
                        }
                        None => {
                            sqlx::query_scalar(
                                "INSERT INTO safety_obligations (uscc, department_id, cycle_days, since_on, note, active, created_by, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING id",
                            )
                            .bind(uscc)
                            .bind(department_id)
                            .bind(cycle_days)
                            .bind(since_on)
                            .bind(note.trim())
                            .bind(&actor.name)
                            .bind(now())
                            .fetch_one(&mut *tx)
                            .await?
                        }
                    };
                    self.append_audit(
                        &mut tx,
                        &actor.event("safety.obligation_set", format!("safety_obligation:{id}"), serde_json::json!({ "uscc": uscc, "department_id": department_id, "cycle_days": cycle_days })),
                    )
                    .await?;
                    let out = Self::sf_obligation_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn safety_obligation_end(&self, actor: &Actor, id: i64, department_id: i64) -> Result<Obligation> {
                    let mut tx = self.begin_write().await?;
                    let o = Self::sf_obligation_conn(&mut tx, id).await?;
                    if o.department_id != department_id {
                        return Err(StoreError::NotFound(format!("本部门没有编号为 {id} 的报告义务")));
                    }
                    if !o.active {
                        return Err(StoreError::Conflict("该报告义务已停止".into()));
                    }
                    sqlx::query("UPDATE safety_obligations SET active = FALSE WHERE id = $1").bind(id).execute(&mut *tx).await?;
                    self.append_audit(&mut tx, &actor.event("safety.obligation_end", format!("safety_obligation:{id}"), serde_json::json!({ "uscc": o.uscc })))
                        .await?;
                    let out = Self::sf_obligation_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn safety_obligations(&self, department_id: Option<i64>) -> Result<Vec<Obligation>> {
                    let rows = sqlx::query(&format!("{OBLIGATION_SELECT} WHERE ($1 IS NULL OR o.department_id = $1) ORDER BY o.active DESC, o.uscc"))
                        .bind(department_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(obligation_row).collect()
                }
            }
        }
    };
}
