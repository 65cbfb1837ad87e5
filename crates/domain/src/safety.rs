//! Safety-production risk self-reports (附件1 第29项: 生产经营单位落实主动报告安全生产
//! 风险的制度). An entity reports a risk; the report is routed to the departments with
//! safety duties for its category (members of the group 区负有安全生产监管职责的部门),
//! each of which must acknowledge it within a time set by the risk level; serious
//! levels raise a risk warning; entities under a reporting obligation are reminded each
//! cycle through their supervising department.

use crate::calendar::WorkCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A risk category and the departments (codes) that supervise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiskCategory {
    pub code: &'static str,
    pub label: &'static str,
    /// Department codes, in order; filtered by the live membership of the safety group.
    pub departments: &'static [&'static str],
}

/// The comprehensive safety supervisor: receives what no member department covers,
/// and every major risk.
pub const COMPREHENSIVE: &str = "yjj";

/// Code of the group 区负有安全生产监管职责的部门.
pub const SAFETY_GROUP: &str = "g-aqsc";

pub const CATEGORIES: &[RiskCategory] = &[
    RiskCategory { code: "hazchem", label: "危险化学品", departments: &["yjj"] },
    RiskCategory { code: "special_equipment", label: "特种设备", departments: &["scjgj"] },
    RiskCategory { code: "construction", label: "建设工程施工", departments: &["zjw"] },
    RiskCategory { code: "gas", label: "城镇燃气", departments: &["cgw"] },
    RiskCategory { code: "fire", label: "消防安全(人员密集场所)", departments: &["yjj"] },
    RiskCategory { code: "confined_space", label: "有限空间作业", departments: &["yjj"] },
    RiskCategory { code: "dust", label: "粉尘涉爆", departments: &["yjj"] },
    RiskCategory { code: "retail", label: "商贸场所", departments: &["swuj"] },
    RiskCategory { code: "culture_tourism", label: "文化旅游场所", departments: &["wlj"] },
    RiskCategory { code: "school", label: "学校及校外培训机构", departments: &["jyj"] },
    RiskCategory { code: "medical", label: "医疗卫生机构", departments: &["wjw"] },
    RiskCategory { code: "sports", label: "体育场所", departments: &["tyj"] },
    RiskCategory { code: "hazwaste", label: "危险废物", departments: &["sthj"] },
    RiskCategory { code: "other", label: "其他", departments: &[] },
];

pub fn category(code: &str) -> Option<&'static RiskCategory> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// Risk level (安全风险分级: 红、橙、黄、蓝).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// 重大风险(红).
    Major,
    /// 较大风险(橙).
    Serious,
    /// 一般风险(黄).
    General,
    /// 低风险(蓝).
    Low,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [RiskLevel::Major, RiskLevel::Serious, RiskLevel::General, RiskLevel::Low];

    pub fn code(self) -> &'static str {
        match self {
            RiskLevel::Major => "major",
            RiskLevel::Serious => "serious",
            RiskLevel::General => "general",
            RiskLevel::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskLevel::Major => "重大风险(红)",
            RiskLevel::Serious => "较大风险(橙)",
            RiskLevel::General => "一般风险(黄)",
            RiskLevel::Low => "低风险(蓝)",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }

    /// Working days a department has to acknowledge (签收) a report of this level.
    pub fn ack_working_days(self) -> i64 {
        match self {
            RiskLevel::Major => 1,
            RiskLevel::Serious => 2,
            RiskLevel::General => 5,
            RiskLevel::Low => 10,
        }
    }

    /// The warning a report of this level raises, if any.
    pub fn warning(self) -> Option<WarningLevel> {
        match self {
            RiskLevel::Major => Some(WarningLevel::Red),
            RiskLevel::Serious => Some(WarningLevel::Orange),
            _ => None,
        }
    }
}

/// A risk warning (风险预警).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Red,
    Orange,
    /// Raised when a route passes its acknowledgement deadline.
    Yellow,
}

impl WarningLevel {
    pub fn code(self) -> &'static str {
        match self {
            WarningLevel::Red => "red",
            WarningLevel::Orange => "orange",
            WarningLevel::Yellow => "yellow",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WarningLevel::Red => "红色预警",
            WarningLevel::Orange => "橙色预警",
            WarningLevel::Yellow => "黄色预警(逾期未签收)",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [WarningLevel::Red, WarningLevel::Orange, WarningLevel::Yellow].into_iter().find(|l| l.code() == s)
    }
}

/// The departments a report goes to: the category's departments that are members of
/// the safety group, or the comprehensive supervisor when none is; plus the
/// comprehensive supervisor for a major risk. `members` are the group's department
/// codes as currently configured.
pub fn route(category: &RiskCategory, level: RiskLevel, members: &[String]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> =
        category.departments.iter().copied().filter(|d| members.iter().any(|m| m == d)).collect();
    if out.is_empty() || level == RiskLevel::Major {
        out.push(COMPREHENSIVE);
    }
    out.dedup();
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|d| seen.insert(*d));
    out
}

/// The acknowledgement deadline of a report received on `day`.
pub fn ack_due(cal: &WorkCalendar, day: NaiveDate, level: RiskLevel) -> NaiveDate {
    cal.add_working_days(day, level.ack_working_days())
}

/// Shortest and longest reporting cycle of an obligation, in days.
pub const MIN_CYCLE_DAYS: i64 = 7;
pub const MAX_CYCLE_DAYS: i64 = 366;

/// An obligation's state: the date the next report is due, and how many whole cycles
/// have been missed since (0 = not overdue). `last` is the latest report (or the date the
/// obligation began when none).
pub fn obligation_due(last: NaiveDate, cycle_days: i64, today: NaiveDate) -> (NaiveDate, i64) {
    let due = last + chrono::Duration::days(cycle_days);
    if today <= due {
        (due, 0)
    } else {
        (due, (today - due).num_days() / cycle_days + 1)
    }
}

pub const MAX_TEXT: usize = 5000;

/// A report as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInput {
    pub category: String,
    pub level: RiskLevel,
    /// 风险点位置.
    pub location: String,
    /// 风险描述.
    pub description: String,
    /// 已采取或拟采取的管控措施.
    pub measures: String,
    /// Contact person and phone (personal data: sealed at rest, masked when shown).
    pub contact_name: String,
    pub contact_phone: String,
}

pub fn check_report(r: &ReportInput) -> Result<(), String> {
    if category(&r.category).is_none() {
        return Err(format!("风险类别“{}”不存在", r.category));
    }
    let location = r.location.trim();
    if location.is_empty() || location.chars().count() > 200 {
        return Err("风险点位置不能为空,最长200字".into());
    }
    for (label, v) in [("风险描述", &r.description), ("管控措施", &r.measures)] {
        let n = v.trim().chars().count();
        if n == 0 {
            return Err(format!("{label}不能为空"));
        }
        if n > MAX_TEXT {
            return Err(format!("{label}过长:{n} 字,上限 {MAX_TEXT} 字"));
        }
    }
    let name = r.contact_name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err("请填写联系人姓名(最长32字)".into());
    }
    let phone = r.contact_phone.trim();
    if !(7..=20).contains(&phone.len()) || !phone.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err("联系电话应为7至20位数字(可含“-”)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn routing_follows_the_group() {
        let group = members(&["yjj", "scjgj", "zjw"]);
        let se = category("special_equipment").unwrap();
        assert_eq!(route(se, RiskLevel::General, &group), vec!["scjgj"]);
        assert_eq!(route(se, RiskLevel::Major, &group), vec!["scjgj", "yjj"]);
        // A category whose department left the group falls back to 区应急管理局.
        assert_eq!(route(category("gas").unwrap(), RiskLevel::Low, &group), vec!["yjj"]);
        assert_eq!(route(category("hazchem").unwrap(), RiskLevel::Major, &group), vec!["yjj"]);
        assert_eq!(route(category("other").unwrap(), RiskLevel::Low, &group), vec!["yjj"]);
    }

    #[test]
    fn every_category_department_is_in_the_default_safety_group() {
        let group = crate::org::GROUPS.iter().find(|g| g.code == SAFETY_GROUP).unwrap();
        for c in CATEGORIES {
            for d in c.departments {
                assert!(group.members.contains(d), "{} → {d}", c.code);
            }
        }
        assert!(group.members.contains(&COMPREHENSIVE));
    }

    #[test]
    fn acknowledgement_deadlines_skip_holidays() {
        let cal = WorkCalendar::builtin();
        // Friday 2025-09-26 + 1 working day → Monday 2025-09-29.
        let fri = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
        assert_eq!(ack_due(&cal, fri, RiskLevel::Major), cal.add_working_days(fri, 1));
        assert!(ack_due(&cal, fri, RiskLevel::Low) > ack_due(&cal, fri, RiskLevel::General));
    }

    #[test]
    fn obligation_cycles() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(obligation_due(d(1, 1), 90, d(3, 1)), (d(4, 1), 0));
        assert_eq!(obligation_due(d(1, 1), 90, d(4, 1)), (d(4, 1), 0));
        assert_eq!(obligation_due(d(1, 1), 90, d(4, 2)), (d(4, 1), 1));
        assert_eq!(obligation_due(d(1, 1), 30, d(3, 15)), (d(1, 31), 2));
    }

    #[test]
    fn reports_are_checked() {
        let ok = ReportInput {
            category: "gas".into(),
            level: RiskLevel::Serious,
            location: "后厨燃气间".into(),
            description: "燃气管道老化".into(),
            measures: "已关闭阀门,联系燃气公司更换".into(),
            contact_name: "王小明".into(),
            contact_phone: "13812345678".into(),
        };
        assert!(check_report(&ok).is_ok());
        assert!(check_report(&ReportInput { category: "x".into(), ..ok.clone() }).is_err());
        assert!(check_report(&ReportInput { measures: " ".into(), ..ok.clone() }).unwrap_err().contains("管控措施"));
        assert!(check_report(&ReportInput { contact_phone: "abc".into(), ..ok }).is_err());
    }
}
