//! The duty map (附件2 第1项): which departments are responsible for each supervision
//! item, and the three kinds of problem the city asks every department to find —
//! 空白区 (gap), 重合区 (overlap) and 争议区 (dispute) — with the resolution flow owned
//! by 区委编办.
//!
//! A department holds an item in one of two roles: 主责 (lead: answers for the item) or
//! 配合 (cooperating). An item without any lead department is a gap — cooperating
//! departments alone leave nobody answerable. Two or more lead departments are an
//! overlap; several cooperating departments are ordinary and are not flagged. A dispute
//! is whatever a department raises about the division of duties.

use serde::{Deserialize, Serialize};

/// A department's role for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyRole {
    /// 主责部门.
    Lead,
    /// 配合部门.
    Cooperating,
}

impl DutyRole {
    pub fn code(self) -> &'static str {
        match self {
            DutyRole::Lead => "lead",
            DutyRole::Cooperating => "cooperating",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DutyRole::Lead => "主责",
            DutyRole::Cooperating => "配合",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [DutyRole::Lead, DutyRole::Cooperating].into_iter().find(|r| r.code() == s)
    }
}

/// The kind of a duty problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// 空白区: no department answers for the item.
    Gap,
    /// 重合区: several departments hold the same (lead) role.
    Overlap,
    /// 争议区: raised by a department.
    Dispute,
}

impl IssueKind {
    pub const ALL: [IssueKind; 3] = [IssueKind::Gap, IssueKind::Overlap, IssueKind::Dispute];

    pub fn code(self) -> &'static str {
        match self {
            IssueKind::Gap => "gap",
            IssueKind::Overlap => "overlap",
            IssueKind::Dispute => "dispute",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IssueKind::Gap => "空白区",
            IssueKind::Overlap => "重合区",
            IssueKind::Dispute => "争议区",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Where an issue stands in 区委编办's flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatus {
    /// 待受理.
    Open,
    /// 已受理,界定中.
    Accepted,
    /// 已界定: the division of duties was set.
    Resolved,
    /// 不予认定 (with the reason).
    Rejected,
}

impl IssueStatus {
    pub const ALL: [IssueStatus; 4] =
        [IssueStatus::Open, IssueStatus::Accepted, IssueStatus::Resolved, IssueStatus::Rejected];

    pub fn code(self) -> &'static str {
        match self {
            IssueStatus::Open => "open",
            IssueStatus::Accepted => "accepted",
            IssueStatus::Resolved => "resolved",
            IssueStatus::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IssueStatus::Open => "待受理",
            IssueStatus::Accepted => "界定中",
            IssueStatus::Resolved => "已界定",
            IssueStatus::Rejected => "不予认定",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, IssueStatus::Resolved | IssueStatus::Rejected)
    }
}

/// An action of the resolution flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueAction {
    Accept,
    Resolve,
    Reject,
}

impl IssueAction {
    pub fn code(self) -> &'static str {
        match self {
            IssueAction::Accept => "accept",
            IssueAction::Resolve => "resolve",
            IssueAction::Reject => "reject",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IssueAction::Accept => "受理",
            IssueAction::Resolve => "界定职责",
            IssueAction::Reject => "不予认定",
        }
    }

    /// The status this action leads to from `from`, or why it is refused.
    pub fn apply(self, from: IssueStatus) -> Result<IssueStatus, String> {
        match (self, from) {
            (IssueAction::Accept, IssueStatus::Open) => Ok(IssueStatus::Accepted),
            (IssueAction::Resolve, IssueStatus::Open | IssueStatus::Accepted) => Ok(IssueStatus::Resolved),
            (IssueAction::Reject, IssueStatus::Open | IssueStatus::Accepted) => Ok(IssueStatus::Rejected),
            (a, s) => Err(format!("该问题当前为“{}”,不能{}", s.label(), a.label())),
        }
    }
}

/// A problem found in an item's assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: IssueKind,
    /// The departments concerned (the lead departments of an overlap).
    pub departments: Vec<i64>,
}

/// Finds the gap or overlap of one item from its `(department, role)` assignments.
pub fn analyse(assignments: &[(i64, DutyRole)]) -> Option<Finding> {
    let mut leads: Vec<i64> = assignments.iter().filter(|(_, r)| *r == DutyRole::Lead).map(|(d, _)| *d).collect();
    leads.sort_unstable();
    leads.dedup();
    match leads.len() {
        0 => Some(Finding { kind: IssueKind::Gap, departments: Vec::new() }),
        1 => None,
        _ => Some(Finding { kind: IssueKind::Overlap, departments: leads }),
    }
}

/// Checks a division of duties set by a resolution: at most one role per department,
/// and exactly one lead department (anything else would leave the gap or overlap).
pub fn check_resolution(assignments: &[(i64, DutyRole)]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for (d, _) in assignments {
        if !seen.insert(*d) {
            return Err("同一部门只能有一种职责角色".into());
        }
    }
    match analyse(assignments) {
        None => Ok(()),
        Some(f) if f.kind == IssueKind::Gap => Err("界定结果必须明确一个主责部门".into()),
        Some(_) => Err("界定结果只能有一个主责部门,其余部门为配合部门".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DutyRole::*;

    #[test]
    fn gaps_and_overlaps() {
        assert_eq!(analyse(&[]).unwrap().kind, IssueKind::Gap);
        assert_eq!(analyse(&[(3, Cooperating)]).unwrap().kind, IssueKind::Gap, "cooperating alone is a gap");
        assert_eq!(analyse(&[(3, Lead), (4, Cooperating), (5, Cooperating)]), None);
        let f = analyse(&[(5, Lead), (3, Lead), (4, Cooperating)]).unwrap();
        assert_eq!(f, Finding { kind: IssueKind::Overlap, departments: vec![3, 5] });
    }

    #[test]
    fn resolutions_leave_exactly_one_lead() {
        assert!(check_resolution(&[(1, Lead), (2, Cooperating)]).is_ok());
        assert!(check_resolution(&[(2, Cooperating)]).unwrap_err().contains("主责"));
        assert!(check_resolution(&[(1, Lead), (2, Lead)]).is_err());
        assert!(check_resolution(&[(1, Lead), (1, Cooperating)]).unwrap_err().contains("同一部门"));
    }

    #[test]
    fn the_flow() {
        assert_eq!(IssueAction::Accept.apply(IssueStatus::Open), Ok(IssueStatus::Accepted));
        assert_eq!(IssueAction::Resolve.apply(IssueStatus::Accepted), Ok(IssueStatus::Resolved));
        assert_eq!(IssueAction::Reject.apply(IssueStatus::Open), Ok(IssueStatus::Rejected));
        assert!(IssueAction::Accept.apply(IssueStatus::Accepted).is_err());
        assert!(IssueAction::Resolve.apply(IssueStatus::Rejected).is_err());
        assert!(IssueAction::Reject.apply(IssueStatus::Resolved).unwrap_err().contains("已界定"));
    }
}
