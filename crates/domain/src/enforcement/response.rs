//! Graded response (分级处置): minor findings → 约谈 / 警告 / 责令改正 with a follow-up
//! deadline in working days; severe → 责令下架召回 / 停工停产 / 吊销, linked to the licence;
//! suspected crime → 移送司法机关 with the date and the receiving authority.

use crate::calendar::WorkCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Interview,
    Warning,
    Rectify,
    Recall,
    Suspend,
    Revoke,
    Transfer,
}

/// The grade a measure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Minor,
    Severe,
    Crime,
}

impl Measure {
    pub const ALL: [Measure; 7] =
        [Self::Interview, Self::Warning, Self::Rectify, Self::Recall, Self::Suspend, Self::Revoke, Self::Transfer];
    pub fn code(self) -> &'static str {
        match self {
            Self::Interview => "interview",
            Self::Warning => "warning",
            Self::Rectify => "rectify",
            Self::Recall => "recall",
            Self::Suspend => "suspend",
            Self::Revoke => "revoke",
            Self::Transfer => "transfer",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Interview => "约谈",
            Self::Warning => "警告",
            Self::Rectify => "责令改正",
            Self::Recall => "责令下架召回",
            Self::Suspend => "责令停工停产",
            Self::Revoke => "吊销许可证件",
            Self::Transfer => "移送司法机关",
        }
    }
    pub fn grade(self) -> Grade {
        match self {
            Self::Interview | Self::Warning | Self::Rectify => Grade::Minor,
            Self::Recall | Self::Suspend | Self::Revoke => Grade::Severe,
            Self::Transfer => Grade::Crime,
        }
    }
}

/// Default follow-up (复查) deadline of a minor measure, in working days.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 15;
pub const MAX_FOLLOW_UP_DAYS: i64 = 90;

/// A measure as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseInput {
    pub measure: Measure,
    pub decided_on: NaiveDate,
    /// Minor measures: the follow-up deadline in working days.
    pub follow_up_days: Option<i64>,
    /// Severe measures: the licence concerned (许可证编号).
    pub licence_no: String,
    /// 移送: the date of transfer and the receiving authority.
    pub transferred_on: Option<NaiveDate>,
    pub receiving_authority: String,
    pub note: String,
}

/// A checked measure: its follow-up deadline (minor measures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedResponse {
    pub follow_up_due: Option<NaiveDate>,
}

pub fn check_response(r: &ResponseInput, cal: &WorkCalendar) -> Result<CheckedResponse, String> {
    if r.note.chars().count() > super::MAX_TEXT {
        return Err("说明过长".into());
    }
    match r.measure.grade() {
        Grade::Minor => {
            let days = r.follow_up_days.unwrap_or(DEFAULT_FOLLOW_UP_DAYS);
            if !(1..=MAX_FOLLOW_UP_DAYS).contains(&days) {
                return Err(format!("复查期限应为 1 至 {MAX_FOLLOW_UP_DAYS} 个工作日"));
            }
            Ok(CheckedResponse { follow_up_due: Some(cal.add_working_days(r.decided_on, days)) })
        }
        Grade::Severe => {
            let l = r.licence_no.trim();
            if l.is_empty() || l.chars().count() > 64 {
                return Err(format!("{}须关联许可证编号", r.measure.label()));
            }
            Ok(CheckedResponse { follow_up_due: None })
        }
        Grade::Crime => {
            let Some(on) = r.transferred_on else { return Err("移送司法机关须填写移送日期".into()) };
            if on < r.decided_on {
                return Err("移送日期不能早于决定日期".into());
            }
            let a = r.receiving_authority.trim();
            if a.is_empty() || a.chars().count() > 100 {
                return Err("移送司法机关须填写接收机关".into());
            }
            Ok(CheckedResponse { follow_up_due: None })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(m: Measure) -> ResponseInput {
        ResponseInput {
            measure: m,
            decided_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            follow_up_days: None,
            licence_no: String::new(),
            transferred_on: None,
            receiving_authority: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn grades() {
        let cal = WorkCalendar::builtin();
        let c = check_response(&input(Measure::Rectify), &cal).unwrap();
        assert_eq!(c.follow_up_due, Some(cal.add_working_days(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), 15)));
        assert!(check_response(&input(Measure::Revoke), &cal).unwrap_err().contains("许可证编号"));
        let mut r = input(Measure::Revoke);
        r.licence_no = "JY11201040001".into();
        assert!(check_response(&r, &cal).is_ok());
        assert!(check_response(&input(Measure::Transfer), &cal).unwrap_err().contains("移送日期"));
        let mut r = input(Measure::Transfer);
        r.transferred_on = Some(r.decided_on);
        assert!(check_response(&r, &cal).unwrap_err().contains("接收机关"));
        r.receiving_authority = "天津市公安局南开分局".into();
        assert!(check_response(&r, &cal).is_ok());
        let mut r = input(Measure::Warning);
        r.follow_up_days = Some(0);
        assert!(check_response(&r, &cal).is_err());
    }
}
