//! Accountability (尽职免责、失职问责): per duty, the required steps with their deadlines
//! (working days from the case's start); per officer and case, whether each step was done
//! on time. An officer who did every step on time is covered (尽职免责); a step missed or
//! late is a lead for accountability (失职问责), never an automatic verdict.

use crate::calendar::WorkCalendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A required step: its code, its label, its deadline in working days after the start,
/// and whether only major decisions need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    pub code: &'static str,
    pub label: &'static str,
    pub working_days: i64,
    pub major_only: bool,
}

/// A duty's checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Duty {
    pub code: &'static str,
    pub label: &'static str,
    pub steps: &'static [Step],
}

const fn s(code: &'static str, label: &'static str, working_days: i64, major_only: bool) -> Step {
    Step { code, label, working_days, major_only }
}

/// The built-in checklists, one per record kind.
pub const DUTIES: &[Duty] = &[
    Duty {
        code: "inspection",
        label: "行政检查",
        steps: &[s("record", "录入检查记录", 0, false), s("evidence", "上传检查现场材料", 5, false)],
    },
    Duty {
        code: "penalty",
        label: "行政处罚",
        steps: &[
            s("register", "立案", 0, false),
            s("evidence", "调查取证(上传证据材料)", 30, false),
            s("band", "裁量基准核对(超出幅度须说明并经第二人审批)", 40, false),
            s("legal_review", "法制审核", 55, true),
            s("decide", "作出处罚决定", 60, false),
            s("publish", "执法公示", 67, false),
        ],
    },
    Duty {
        code: "coercive_measure",
        label: "行政强制",
        steps: &[s("record", "录入强制措施", 0, false), s("evidence", "上传现场笔录和清单", 1, false)],
    },
];

pub fn duty(code: &str) -> Option<&'static Duty> {
    DUTIES.iter().find(|d| d.code == code)
}

/// One step's state for a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub code: String,
    pub label: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// `on_time`, `late`, `overdue` (not done, past due), `pending` or `not_required`.
    pub state: String,
}

/// The checklist of a case started on `start`, given when each step was done.
pub fn checklist(
    d: &Duty,
    cal: &WorkCalendar,
    start: NaiveDate,
    major: bool,
    done: &dyn Fn(&str) -> Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<StepState> {
    d.steps
        .iter()
        .map(|st| {
            let due_on = cal.add_working_days(start, st.working_days);
            let done_on = done(st.code);
            let state = if st.major_only && !major {
                "not_required"
            } else {
                match done_on {
                    Some(x) if x <= due_on => "on_time",
                    Some(_) => "late",
                    None if today > due_on => "overdue",
                    None => "pending",
                }
            };
            StepState { code: st.code.into(), label: st.label.into(), due_on, done_on, state: state.into() }
        })
        .collect()
}

/// Every required step done on time (尽职).
pub fn all_on_time(steps: &[StepState]) -> bool {
    steps.iter().all(|s| s.state == "on_time" || s.state == "not_required")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_states() {
        let cal = WorkCalendar::builtin();
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let d = duty("penalty").unwrap();
        let today = start + chrono::Duration::days(200);
        let done = |c: &str| match c {
            "register" => Some(start),
            "decide" => Some(start + chrono::Duration::days(150)),
            _ => None,
        };
        let l = checklist(d, &cal, start, false, &done, today);
        let by = |c: &str| l.iter().find(|s| s.code == c).unwrap().state.clone();
        assert_eq!(by("register"), "on_time");
        assert_eq!(by("decide"), "late");
        assert_eq!(by("publish"), "overdue");
        assert_eq!(by("legal_review"), "not_required");
        assert!(!all_on_time(&l));
    }
}
