//! Inclusive and prudent supervision (包容审慎监管, 附件2 四(四)): new business models and
//! entities are placed in a category, and those not yet understood get an observation
//! period (观察期) with a start, an end and a review date, tailored rules, and a review
//! at the end that decides what follows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 看得准: rules are clear; normal supervision under tailored rules.
    Clear,
    /// 看不准: not yet understood; an observation period with tolerance.
    Unclear,
    /// 潜在风险大: high potential risk; strict supervision.
    HighRisk,
    /// 非法经营: illegal; dealt with under the law.
    Illegal,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Clear, Category::Unclear, Category::HighRisk, Category::Illegal];

    pub fn code(self) -> &'static str {
        match self {
            Category::Clear => "clear",
            Category::Unclear => "unclear",
            Category::HighRisk => "high_risk",
            Category::Illegal => "illegal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Clear => "看得准",
            Category::Unclear => "看不准",
            Category::HighRisk => "潜在风险大",
            Category::Illegal => "非法经营",
        }
    }

    /// What the category means for supervision (shown with the record).
    pub fn approach(self) -> &'static str {
        match self {
            Category::Clear => "量身定制监管规则和标准,依规监管",
            Category::Unclear => "设置观察期,包容审慎,观察期内以指导、提醒为主",
            Category::HighRisk => "严格监管,加大检查频次",
            Category::Illegal => "依法予以查处、取缔",
        }
    }

    pub fn from_code(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == s || c.label() == s)
    }

    /// Whether records of this category take an observation period.
    pub fn has_observation(self) -> bool {
        matches!(self, Category::Unclear | Category::Clear)
    }
}

/// The review's decision at the end of an observation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 转入常规监管.
    Regular,
    /// 延长观察期 (a new end and review date).
    Extend,
    /// 纳入重点监管.
    Strict,
    /// 依法查处.
    Prosecute,
}

impl Decision {
    pub const ALL: [Decision; 4] = [Decision::Regular, Decision::Extend, Decision::Strict, Decision::Prosecute];

    pub fn code(self) -> &'static str {
        match self {
            Decision::Regular => "regular",
            Decision::Extend => "extend",
            Decision::Strict => "strict",
            Decision::Prosecute => "prosecute",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Regular => "转入常规监管",
            Decision::Extend => "延长观察期",
            Decision::Strict => "纳入重点监管",
            Decision::Prosecute => "依法查处",
        }
    }

    pub fn from_code(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.code() == s)
    }
}

/// Longest observation period, in days (a period longer than two years is no longer an
/// observation but a regime, and must be decided on).
pub const MAX_PERIOD_DAYS: i64 = 730;

/// Checks an observation period: start ≤ end ≤ review, at most [`MAX_PERIOD_DAYS`], and
/// the review no later than 60 days after the end.
pub fn check_period(starts_on: NaiveDate, ends_on: NaiveDate, review_on: NaiveDate) -> Result<(), String> {
    if ends_on < starts_on {
        return Err("观察期结束日期不能早于开始日期".into());
    }
    if (ends_on - starts_on).num_days() > MAX_PERIOD_DAYS {
        return Err(format!("观察期不能超过 {MAX_PERIOD_DAYS} 天"));
    }
    if review_on < ends_on {
        return Err("评估日期不能早于观察期结束日期".into());
    }
    if (review_on - ends_on).num_days() > 60 {
        return Err("评估日期应在观察期结束后 60 天内".into());
    }
    Ok(())
}

/// Whether a record in `status` with this period counts as "in observation" on `today`
/// (the draw reads this to apply the observation weight).
pub fn in_observation(status: &str, starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> bool {
    status == "observing" && starts_on <= today && today <= ends_on
}

/// Reminder due for an observing record: the review date is within `lead_days`, or past.
pub fn review_reminder(status: &str, review_on: NaiveDate, today: NaiveDate, lead_days: i64) -> Option<&'static str> {
    if status != "observing" {
        return None;
    }
    if review_on < today {
        Some("评估已逾期")
    } else if (review_on - today).num_days() <= lead_days {
        Some("即将到评估日期")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods() {
        assert!(check_period(d("2026-01-01"), d("2026-12-31"), d("2027-01-15")).is_ok());
        assert!(check_period(d("2026-01-01"), d("2025-12-31"), d("2026-01-15")).is_err());
        assert!(check_period(d("2026-01-01"), d("2028-12-31"), d("2029-01-15")).is_err());
        assert!(check_period(d("2026-01-01"), d("2026-06-30"), d("2026-06-01")).is_err());
        assert!(check_period(d("2026-01-01"), d("2026-06-30"), d("2026-12-30")).is_err());
        assert!(in_observation("observing", d("2026-01-01"), d("2026-06-30"), d("2026-03-01")));
        assert!(!in_observation("observing", d("2026-01-01"), d("2026-06-30"), d("2026-07-01")));
        assert!(!in_observation("reviewed", d("2026-01-01"), d("2026-06-30"), d("2026-03-01")));
        assert_eq!(review_reminder("observing", d("2026-07-10"), d("2026-07-01"), 14), Some("即将到评估日期"));
        assert_eq!(review_reminder("observing", d("2026-07-10"), d("2026-07-11"), 14), Some("评估已逾期"));
        assert_eq!(review_reminder("observing", d("2026-09-10"), d("2026-07-11"), 14), None);
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert_eq!(Category::from_code(c.label()), Some(c));
        }
        for x in Decision::ALL {
            assert_eq!(Decision::from_code(x.code()), Some(x));
        }
    }
}
