//! “双随机、一公开” rules around the draw (附件1 二、四(三)、六(一); DESIGN §2.3): sampling
//! plans and their years, inspection results and their workflow, the publication
//! deadline, frequency caps, the risk-class lookup, and the entropy scheme that makes a
//! draw unpredictable on a government intranet. Pure functions; the store and the web
//! layer use them, the draw itself lives in [`crate::draw`].

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::calendar::WorkCalendar;
use crate::draw::{RiskClass, WeightFlags};

/// Department code of 区市场监管局, which coordinates joint plans and keeps the joint
/// item list (附件1 第11、23、34项) and to which key-supervision plans are filed (第12项).
pub const COORDINATOR: &str = "scjgj";

/// Working days within which an inspection result must be published (DESIGN §7).
pub const PUBLICATION_WORKING_DAYS: i64 = 20;

/// Registry tag of entities under key supervision (重点监管, 附件1 第24、25项): covered by
/// full-coverage plans, left out of random draws.
pub const KEY_SUPERVISION_TAG: &str = "重点监管";

/// Registry tags read as credit-risk classes until the credit capability provides them.
pub const RISK_CLASS_TAGS: [(&str, RiskClass); 4] = [
    ("信用风险A类", RiskClass::A),
    ("信用风险B类", RiskClass::B),
    ("信用风险C类", RiskClass::C),
    ("信用风险D类", RiskClass::D),
];

/// Registry tag of an entity holding an approval granted on a credit commitment (告知承诺制).
pub const COMMITMENT_TAG: &str = "告知承诺";

/// Registry tag of a new business model in an observation period (观察期, 附件2 第7项).
pub const OBSERVATION_TAG: &str = "观察期";

/// Default team size: two inspectors (行政处罚法 art. 42).
pub const DEFAULT_TEAM_SIZE: u32 = 2;

/// Default yearly workload cap of one inspector, until a department sets its own.
pub const DEFAULT_WORKLOAD_CAP: u32 = 60;

/// The risk class and weight flags of an entity, from its registry tags. This is the
/// one place the class is looked up: when the credit capability lands, its classes
/// replace the tags here (and in the store's pool query, which calls this).
pub fn weight_facts<S: AsRef<str>>(tags: &[S]) -> (RiskClass, WeightFlags) {
    let mut class = RiskClass::Unclassified;
    let mut flags = WeightFlags::default();
    for t in tags {
        let t = t.as_ref();
        if let Some((_, c)) = RISK_CLASS_TAGS.iter().find(|(tag, _)| *tag == t) {
            // With conflicting tags the higher risk wins (D over C over B over A).
            if class == RiskClass::Unclassified || *c > class {
                class = *c;
            }
        } else if t == COMMITMENT_TAG {
            flags.commitment_approval = true;
        } else if t == OBSERVATION_TAG {
            flags.observation_period = true;
        }
    }
    (class, flags)
}

/// The class and flags the draw uses: the credit capability's class when the entity
/// has one (`credit_classes`), otherwise the registry tag (entities the credit
/// capability has not classified yet, and registries imported with class tags); the
/// commitment flag from commitment-based approvals, or the tag; the observation period
/// from the tag.
pub fn pool_facts<S: AsRef<str>>(
    credit_class: Option<&str>,
    credit_commitment: Option<bool>,
    tags: &[S],
) -> (RiskClass, WeightFlags) {
    let (tag_class, mut flags) = weight_facts(tags);
    let class = match credit_class.map(crate::credit::class_from_label) {
        Some(c) if c != RiskClass::Unclassified => c,
        _ => tag_class,
    };
    if credit_commitment == Some(true) {
        flags.commitment_approval = true;
    }
    (class, flags)
}

/// Chinese name of a risk class (stratum) label.
pub fn stratum_label(label: &str) -> String {
    match label {
        "A" | "B" | "C" | "D" => format!("{label}类"),
        "unclassified" => "未分类".into(),
        "all" => "全部".into(),
        other => other.into(),
    }
}

/// Kinds of sampling plan (抽查计划).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// 年度抽查计划: one per department and year, due by the end of January (第12项).
    Annual,
    /// 部门联合抽查计划: coordinated by 区市场监管局 across departments (第11项).
    Joint,
    /// 临时抽查计划: with a stated reason, filed with 区市场监管局 (第11项).
    Temporary,
    /// 重点监管计划任务: full coverage of special sectors, filed with 区市场监管局 (第12、24项).
    Key,
}

impl PlanKind {
    pub const ALL: [PlanKind; 4] = [Self::Annual, Self::Joint, Self::Temporary, Self::Key];

    pub fn code(self) -> &'static str {
        match self {
            Self::Annual => "annual",
            Self::Joint => "joint",
            Self::Temporary => "temporary",
            Self::Key => "key",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Annual => "年度抽查计划",
            Self::Joint => "部门联合抽查计划",
            Self::Temporary => "临时抽查计划",
            Self::Key => "重点监管计划",
        }
    }

    /// Short tag used in plan codes.
    fn abbreviation(self) -> &'static str {
        match self {
            Self::Annual => "ND",
            Self::Joint => "LH",
            Self::Temporary => "LS",
            Self::Key => "ZD",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Full coverage instead of a random draw of entities.
    pub fn full_coverage(self) -> bool {
        self == Self::Key
    }

    /// Published plans of this kind are filed with the coordinator (报区市场监管局).
    pub fn filed_with_coordinator(self) -> bool {
        matches!(self, Self::Temporary | Self::Key)
    }
}

/// The public code of a plan: `2026-SCJGJ-ND-1`.
pub fn plan_code(year: i32, department_code: &str, kind: PlanKind, n: i64) -> String {
    format!("{year}-{}-{}-{n}", department_code.to_ascii_uppercase(), kind.abbreviation())
}

/// The public id of a draw: `<plan code>-T<task>-D<draw number>`.
pub fn draw_code(plan_code: &str, task_seq: i64, draw_number: u32) -> String {
    format!("{plan_code}-T{task_seq}-D{draw_number}")
}

/// A plan may be made for this year or the next (a plan for next year is drafted in
/// December and published by the end of January).
pub fn check_plan_year(year: i32, today: NaiveDate) -> Result<(), String> {
    if year == today.year() || year == today.year() + 1 {
        Ok(())
    } else {
        Err(format!("计划年度{year}年无效:只能制定{}年或{}年的计划", today.year(), today.year() + 1))
    }
}

/// A task's inspection window lies inside the plan's year and is not empty.
pub fn check_task_window(year: i32, starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), String> {
    if ends_on < starts_on {
        return Err(format!("任务结束日期{ends_on}早于开始日期{starts_on}"));
    }
    if starts_on.year() != year || ends_on.year() != year {
        return Err(format!("任务期间{starts_on}至{ends_on}超出计划年度{year}年,须在{year}-01-01至{year}-12-31之内"));
    }
    Ok(())
}

/// The last day an annual plan may be published: 31 January of its year (第12项).
pub fn annual_plan_due(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 31).expect("31 January exists")
}

/// Whether a department without a published annual plan for `today`'s year is late.
pub fn annual_plan_missing_is_late(today: NaiveDate) -> bool {
    today > annual_plan_due(today.year())
}

/// The publication deadline of a result: 20 working days after the inspection.
pub fn publication_due(calendar: &WorkCalendar, inspected_on: NaiveDate) -> NaiveDate {
    calendar.add_working_days(inspected_on, PUBLICATION_WORKING_DAYS)
}

/// The frequency cap of an item as text (抽查频次).
pub fn interval_label(months: u32) -> String {
    match months {
        0 => "不限".into(),
        12 => "同一对象每年不超过1次".into(),
        m => format!("同一对象{m}个月内不超过1次"),
    }
}

/// The date `months` months before `today` (clamped to the month's last day).
pub fn months_before(today: NaiveDate, months: u32) -> NaiveDate {
    today.checked_sub_months(chrono::Months::new(months)).unwrap_or(NaiveDate::MIN)
}

/// A national result category of a random inspection (抽查检查结果).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ResultCategory {
    pub code: &'static str,
    pub label: &'static str,
    /// The category reports a problem of the entity.
    pub problem: bool,
}

/// The result categories, in the order the national publicity system lists them.
pub const RESULT_CATEGORIES: &[ResultCategory] = &[
    ResultCategory { code: "no_problem", label: "未发现问题", problem: false },
    ResultCategory { code: "not_publicised", label: "未按规定公示应当公示的信息", problem: true },
    ResultCategory { code: "false_publicity", label: "公示信息隐瞒真实情况、弄虚作假", problem: true },
    ResultCategory { code: "unreachable", label: "通过登记的住所(经营场所)无法联系", problem: true },
    ResultCategory { code: "obstructed", label: "不配合检查情节严重", problem: true },
    ResultCategory { code: "no_activity", label: "未发现开展本次抽查涉及的经营活动", problem: false },
    ResultCategory { code: "corrected", label: "发现问题已责令改正", problem: true },
    ResultCategory { code: "follow_up", label: "发现问题待后续处理", problem: true },
    ResultCategory { code: "closed", label: "已关闭停业或正在组织清算", problem: false },
];

pub fn result_category(code: &str) -> Option<&'static ResultCategory> {
    RESULT_CATEGORIES.iter().find(|c| c.code == code)
}

/// Where the result of one inspection stands: 未录入 → 待审核 → 已审核 → 已公示, with
/// returns from review back to 未录入; 已作废 when a re-draw replaced the draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionStatus {
    Pending,
    Submitted,
    Approved,
    Published,
    Cancelled,
}

impl InspectionStatus {
    pub const ALL: [InspectionStatus; 5] =
        [Self::Pending, Self::Submitted, Self::Approved, Self::Published, Self::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Published => "published",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "未录入",
            Self::Submitted => "待审核",
            Self::Approved => "已审核",
            Self::Published => "已公示",
            Self::Cancelled => "已作废",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The status after `action`, or why it is not allowed now.
    pub fn after(self, action: InspectionAction) -> Result<InspectionStatus, String> {
        use InspectionAction as A;
        use InspectionStatus as S;
        match (self, action) {
            (S::Pending, A::Record) => Ok(S::Pending),
            (S::Pending, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Approve) => Ok(S::Approved),
            (S::Submitted, A::Return) => Ok(S::Pending),
            (S::Approved, A::Publish) => Ok(S::Published),
            (s, a) => Err(format!("检查结果当前为“{}”,不能{}", s.label(), a.label())),
        }
    }
}

impl fmt::Display for InspectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What is done to an inspection's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectionAction {
    /// Save the results (stays 未录入 until submitted).
    Record,
    Submit,
    Approve,
    Return,
    Publish,
}

impl InspectionAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Record => "录入或修改",
            Self::Submit => "提交审核",
            Self::Approve => "审核通过",
            Self::Return => "退回",
            Self::Publish => "公示",
        }
    }
}

/// A witness of a draw (见证人): gives the SHA-256 of a secret at commit time and reveals
/// the secret at draw time, so that neither the operator nor the public source alone
/// fixes the seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    pub name: String,
    /// 64 lowercase hexadecimal digits: SHA-256 of the secret's UTF-8 bytes.
    pub commitment: String,
}

/// SHA-256 of a witness secret, as 64 lowercase hexadecimal digits.
pub fn witness_commitment(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Largest length of the operator's description of the public source.
pub const MAX_SOURCE_CHARS: usize = 1000;

fn beijing(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset")).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn check_part(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{what}不能为空"));
    }
    if s.chars().count() > max {
        return Err(format!("{what}过长(最多{max}字)"));
    }
    if s.chars().any(char::is_control) || s.contains('|') {
        return Err(format!("{what}不能含控制字符或“|”"));
    }
    Ok(())
}

/// The entropy definition committed before a draw (docs/draw-record.md, operations).
///
/// `source` names a value that becomes public only after the commit, e.g. “上海证券交易所
/// 公布的上证综合指数2026年12月1日收盘点位(两位小数)”; `available_at` is when it is
/// published, which must lie after the commit. With witnesses, each has committed to a
/// secret by its SHA-256; the value hashed into the seed is the public value and the
/// witnesses' secrets joined by `|`, in the order listed here.
pub fn entropy_definition(
    source: &str,
    available_at: DateTime<Utc>,
    committed_at: DateTime<Utc>,
    witnesses: &[Witness],
) -> Result<String, String> {
    check_part("随机源说明", source, MAX_SOURCE_CHARS)?;
    if available_at <= committed_at {
        return Err(format!(
            "随机源公布时间{}(北京时间)须晚于承诺时间{}:随机源必须在承诺之后才公布",
            beijing(available_at),
            beijing(committed_at)
        ));
    }
    if witnesses.len() > 2 {
        return Err("见证人最多两名".into());
    }
    let mut text = format!(
        "随机源:{}。该值在承诺之后公布,预计公布时间为北京时间{}(UTC {}),抽取在此之后进行;取值按公布原文逐字录入。",
        source.trim(),
        beijing(available_at),
        available_at.format("%Y-%m-%dT%H:%M:%SZ")
    );
    if !witnesses.is_empty() {
        for (i, w) in witnesses.iter().enumerate() {
            check_part(&format!("见证人{}姓名", i + 1), &w.name, 32)?;
            if w.commitment.len() != 64 || !w.commitment.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(format!("见证人{}的承诺值须为64位小写十六进制SHA-256摘要", i + 1));
            }
        }
        let names: Vec<String> =
            witnesses.iter().map(|w| format!("{}(SHA-256 {})", w.name.trim(), w.commitment)).collect();
        text.push_str(&format!(
            "见证人在承诺时各提交一个随机数的SHA-256摘要:{};抽取时公开原数,其UTF-8字节的SHA-256须与摘要一致。\
             计入种子的随机源取值为公布值与各见证人随机数依次以“|”连接。",
            names.join("、")
        ));
    }
    Ok(text)
}

/// The entropy value hashed into the seed: the public value, then each witness's
/// revealed secret, joined by `|`. Checks every secret against its commitment.
pub fn entropy_value(public_value: &str, secrets: &[String], witnesses: &[Witness]) -> Result<String, String> {
    check_part("随机源公布值", public_value, 200)?;
    if secrets.len() != witnesses.len() {
        return Err(format!("须录入全部{}名见证人的随机数", witnesses.len()));
    }
    let mut parts = vec![public_value.trim().to_string()];
    for (i, (s, w)) in secrets.iter().zip(witnesses).enumerate() {
        check_part(&format!("见证人{}({})的随机数", i + 1, w.name), s, 200)?;
        if witness_commitment(s) != w.commitment {
            return Err(format!("见证人{}({})公开的随机数与承诺时提交的SHA-256摘要不一致,不能抽取", i + 1, w.name));
        }
        parts.push(s.clone());
    }
    Ok(parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn classes_come_from_tags() {
        assert_eq!(weight_facts::<&str>(&[]), (RiskClass::Unclassified, WeightFlags::default()));
        assert_eq!(pool_facts(Some("D"), None, &["信用风险A类"]).0, RiskClass::D);
        assert_eq!(pool_facts(None, None, &["信用风险A类"]).0, RiskClass::A);
        assert_eq!(pool_facts::<&str>(None, None, &[]).0, RiskClass::Unclassified);
        assert!(pool_facts::<&str>(Some("B"), Some(true), &[]).1.commitment_approval);
        assert_eq!(weight_facts(&["食品经营", "信用风险C类"]).0, RiskClass::C);
        assert_eq!(weight_facts(&["信用风险A类", "信用风险D类"]).0, RiskClass::D);
        let (c, f) = weight_facts(&["信用风险B类", "告知承诺", "观察期"]);
        assert_eq!(c, RiskClass::B);
        assert!(f.commitment_approval && f.observation_period);
    }

    #[test]
    fn plan_years_and_windows() {
        let today = d("2026-11-25");
        assert!(check_plan_year(2026, today).is_ok());
        assert!(check_plan_year(2027, today).is_ok());
        assert!(check_plan_year(2025, today).unwrap_err().contains("2025年无效"));
        assert!(check_task_window(2026, d("2026-03-01"), d("2026-06-30")).is_ok());
        assert!(check_task_window(2026, d("2026-12-01"), d("2027-01-15")).unwrap_err().contains("超出计划年度"));
        assert!(check_task_window(2026, d("2026-06-01"), d("2026-05-01")).unwrap_err().contains("早于"));
        assert!(!annual_plan_missing_is_late(d("2026-01-31")));
        assert!(annual_plan_missing_is_late(d("2026-02-01")));
    }

    #[test]
    fn publication_deadline_counts_working_days() {
        let cal = WorkCalendar::builtin();
        // 2026-09-25 (Fri) + 20 working days skips the National Day holiday.
        let due = publication_due(&cal, d("2026-09-25"));
        assert_eq!(cal.working_days_between(d("2026-09-25"), due), 20);
        assert!(due > d("2026-10-23"), "{due}");
    }

    #[test]
    fn workflow() {
        use InspectionAction as A;
        use InspectionStatus as S;
        assert_eq!(S::Pending.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Return), Ok(S::Pending));
        assert_eq!(S::Submitted.after(A::Approve), Ok(S::Approved));
        assert_eq!(S::Approved.after(A::Publish), Ok(S::Published));
        assert!(S::Pending.after(A::Publish).unwrap_err().contains("未录入"));
        assert!(S::Published.after(A::Record).is_err());
        assert!(S::Cancelled.after(A::Submit).is_err());
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn entropy_scheme() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
        assert!(entropy_definition("上证综合指数收盘点位", before, at, &[]).unwrap_err().contains("须晚于"));
        let w = vec![
            Witness { name: "张监督".into(), commitment: witness_commitment("a1b2") },
            Witness { name: "李监督".into(), commitment: witness_commitment("c3d4") },
        ];
        let def = entropy_definition("上证综合指数2026年12月1日收盘点位", at, before, &w).unwrap();
        assert!(def.contains("北京时间2026-12-01 15:00:00") && def.contains(&w[0].commitment));
        assert_eq!(entropy_value("3456.78", &["a1b2".into(), "c3d4".into()], &w).unwrap(), "3456.78|a1b2|c3d4");
        assert!(entropy_value("3456.78", &["a1b2".into(), "wrong".into()], &w).unwrap_err().contains("不一致"));
        assert!(entropy_value("3456.78", &[], &w).is_err());
        assert!(entropy_value("34|56", &[], &[]).is_err());
        assert_eq!(entropy_value("3456.78", &[], &[]).unwrap(), "3456.78");
        let bad = vec![Witness { name: "王".into(), commitment: "XYZ".into() }];
        assert!(entropy_definition("指数", at, before, &bad).is_err());
    }

    #[test]
    fn codes() {
        assert_eq!(plan_code(2026, "scjgj", PlanKind::Annual, 1), "2026-SCJGJ-ND-1");
        assert_eq!(draw_code("2026-SCJGJ-ND-1", 2, 3), "2026-SCJGJ-ND-1-T2-D3");
        assert_eq!(months_before(d("2026-03-31"), 1), d("2026-02-28"));
        assert!(result_category("no_problem").is_some() && result_category("x").is_none());
    }
}
