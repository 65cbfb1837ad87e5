//! The approval→supervision handoff (审管衔接) and the dual notice (双告知), 附件1 第1、9、10项.
//!
//! An approving department pushes a licence or filing record; each supervising
//! department of its item must receive it (接收) within a number of working days counted
//! from the day of the push (Beijing date). The applicant is told which department
//! supervises and what follows; each supervising department is told what it received.

use crate::calendar::WorkCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Working days a supervising department has to receive a pushed record, by default.
pub const DEFAULT_RECEPTION_DAYS: u32 = 5;

/// The last day on which a record pushed on `pushed_on` may be received in time.
pub fn due_date(cal: &WorkCalendar, pushed_on: NaiveDate, working_days: u32) -> NaiveDate {
    cal.add_working_days(pushed_on, i64::from(working_days.max(1)))
}

/// Where one supervising department stands with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceptionStatus {
    /// Not yet received, still within the time limit.
    Pending,
    /// Not received, time limit passed.
    Overdue,
    /// Received on or before the due date.
    OnTime,
    /// Received after the due date.
    Late,
}

impl ReceptionStatus {
    pub fn of(due_on: NaiveDate, received_on: Option<NaiveDate>, today: NaiveDate) -> Self {
        match received_on {
            Some(r) if r <= due_on => ReceptionStatus::OnTime,
            Some(_) => ReceptionStatus::Late,
            None if today > due_on => ReceptionStatus::Overdue,
            None => ReceptionStatus::Pending,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ReceptionStatus::Pending => "pending",
            ReceptionStatus::Overdue => "overdue",
            ReceptionStatus::OnTime => "on_time",
            ReceptionStatus::Late => "late",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReceptionStatus::Pending => "待接收",
            ReceptionStatus::Overdue => "逾期未接收",
            ReceptionStatus::OnTime => "按时接收",
            ReceptionStatus::Late => "逾期接收",
        }
    }
}

/// What the two notices are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts<'a> {
    /// 许可 or 备案.
    pub record_label: &'a str,
    pub entity_name: &'a str,
    pub uscc: &'a str,
    pub item_name: &'a str,
    pub licence_no: &'a str,
    pub decided_on: NaiveDate,
    pub issuing_department: &'a str,
    /// Supervising departments, in order.
    pub supervisors: &'a [String],
    pub due_on: NaiveDate,
    pub working_days: u32,
}

fn date_cn(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// The notice to the applicant (告知申请人): who supervises and what follows.
pub fn applicant_notice(f: &NoticeFacts<'_>) -> String {
    format!(
        "{entity}(统一社会信用代码{uscc}):您申请的“{item}”已于{decided}由{issuer}作出{label}决定(编号{no})。\
按照“谁审批、谁监管,谁主管、谁监管”的原则,该事项的事中事后监管部门为{sup}。\
监管部门将于{due}前接收您的{label}信息,并依法通过“双随机、一公开”抽查、重点监管、信用监管等方式实施监管。\
请您依法依规从事经营活动,{label}事项发生变更、延续或注销时及时办理相关手续,主动接受监管。",
        entity = f.entity_name,
        uscc = f.uscc,
        item = f.item_name,
        decided = date_cn(f.decided_on),
        issuer = f.issuing_department,
        label = f.record_label,
        no = f.licence_no,
        sup = f.supervisors.join("、"),
        due = date_cn(f.due_on),
    )
}

/// The notice to one supervising department (告知监管部门).
pub fn department_notice(f: &NoticeFacts<'_>, department: &str) -> String {
    format!(
        "{department}:{issuer}已于{decided}对{entity}(统一社会信用代码{uscc})作出“{item}”{label}决定(编号{no}),\
按照审管衔接要求推送贵单位。请于{due}前(推送后{days}个工作日内)在平台接收,并将该市场主体纳入事中事后监管。",
        issuer = f.issuing_department,
        decided = date_cn(f.decided_on),
        entity = f.entity_name,
        uscc = f.uscc,
        item = f.item_name,
        label = f.record_label,
        no = f.licence_no,
        due = date_cn(f.due_on),
        days = f.working_days,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_date_skips_weekends_and_holidays() {
        let cal = WorkCalendar::builtin();
        // Friday 2024-09-27 + 5 working days: 9-29 (an adjusted working Sunday), 9-30,
        // then the National Day holiday 10-01..10-07, then 10-08, 10-09, 10-10.
        let due = due_date(&cal, d(2024, 9, 27), 5);
        assert_eq!(due, d(2024, 10, 10));
        assert_eq!(due_date(&cal, d(2024, 11, 4), 5), d(2024, 11, 11));
    }

    #[test]
    fn statuses() {
        let due = d(2024, 11, 11);
        assert_eq!(ReceptionStatus::of(due, None, d(2024, 11, 11)), ReceptionStatus::Pending);
        assert_eq!(ReceptionStatus::of(due, None, d(2024, 11, 12)), ReceptionStatus::Overdue);
        assert_eq!(ReceptionStatus::of(due, Some(due), d(2025, 1, 1)), ReceptionStatus::OnTime);
        assert_eq!(ReceptionStatus::of(due, Some(d(2024, 11, 12)), d(2025, 1, 1)), ReceptionStatus::Late);
    }

    #[test]
    fn notices_name_the_supervisors() {
        let sup = vec!["区市场监管局".to_string(), "区卫生健康委".to_string()];
        let f = NoticeFacts {
            record_label: "许可",
            entity_name: "天津市南开区某某餐饮店",
            uscc: "92120104MA05T1L35X",
            item_name: "食品经营许可",
            licence_no: "JY21201040012345",
            decided_on: d(2024, 11, 4),
            issuing_department: "区政务服务办",
            supervisors: &sup,
            due_on: d(2024, 11, 11),
            working_days: 5,
        };
        let a = applicant_notice(&f);
        assert!(a.contains("监管部门为区市场监管局、区卫生健康委"), "{a}");
        assert!(a.contains("2024年11月11日前"));
        let n = department_notice(&f, "区市场监管局");
        assert!(n.starts_with("区市场监管局:区政务服务办已于2024年11月4日"));
        assert!(n.contains("5个工作日内"));
    }
}
