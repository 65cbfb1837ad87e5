//! Fair-competition review (公平竞争审查, 附件1 第14项): the national standards checklist
//! as versioned data, the rules that turn a filled checklist into a conclusion, the
//! review workflow (self-review, joint review with the market supervision bureau) and
//! the clean-up deadline states.
//!
//! The checklist lives in `data-seed/fairness/standards.json`: version `2021` is the
//! 《公平竞争审查制度实施细则》(国市监反垄规〔2021〕2号, four categories, 18 standards),
//! version `2024` the 《公平竞争审查条例》(国务院令第783号, in force 2024-08-01). A review
//! records the version it used; a new version never rewrites finished reviews.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const STANDARDS_JSON: &str = include_str!("../../../data-seed/fairness/standards.json");

/// One standard of the checklist (`A1` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standard {
    pub code: String,
    pub text: String,
}

/// A category of standards (市场准入和退出 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub article: String,
    pub standards: Vec<Standard>,
}

/// One version of the national checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub version: String,
    pub title: String,
    pub doc_no: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    pub basis: String,
    pub sources: Vec<String>,
    pub categories: Vec<Category>,
    /// Grounds under which a measure with restrictive effects may still be issued (例外规定).
    pub exceptions: Vec<String>,
    pub exceptions_article: String,
}

impl Checklist {
    pub fn standards(&self) -> impl Iterator<Item = (&Category, &Standard)> {
        self.categories.iter().flat_map(|c| c.standards.iter().map(move |s| (c, s)))
    }

    pub fn standard(&self, code: &str) -> Option<(&Category, &Standard)> {
        self.standards().find(|(_, s)| s.code == code)
    }

    pub fn count(&self) -> usize {
        self.categories.iter().map(|c| c.standards.len()).sum()
    }

    /// Whether this version is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        day >= self.effective_from && self.effective_until.is_none_or(|u| day <= u)
    }
}

#[derive(Deserialize)]
struct File {
    versions: Vec<Checklist>,
}

/// Every version of the checklist, oldest first.
pub fn checklists() -> &'static [Checklist] {
    static ALL: OnceLock<Vec<Checklist>> = OnceLock::new();
    ALL.get_or_init(|| serde_json::from_str::<File>(STANDARDS_JSON).expect("standards.json is valid").versions)
}

pub fn checklist(version: &str) -> Option<&'static Checklist> {
    checklists().iter().find(|c| c.version == version)
}

/// The version in force on `day` (the latest one that started on or before it; the
/// oldest for days before any version).
pub fn in_force(day: NaiveDate) -> &'static Checklist {
    let all = checklists();
    all.iter().rev().find(|c| c.in_force_on(day)).unwrap_or(&all[0])
}

/// What a draft is (审查对象).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    /// 规范性文件.
    Normative,
    /// 其他政策性文件.
    PolicyDocument,
    /// “一事一议”形式的具体政策措施.
    SpecificMeasure,
    /// 拟以区政府名义出台的重大政策措施: joint review (会审) with the market supervision
    /// bureau is required before the review concludes.
    GovernmentMajor,
}

impl DraftKind {
    pub const ALL: [DraftKind; 4] =
        [DraftKind::Normative, DraftKind::PolicyDocument, DraftKind::SpecificMeasure, DraftKind::GovernmentMajor];

    pub fn code(self) -> &'static str {
        match self {
            DraftKind::Normative => "normative",
            DraftKind::PolicyDocument => "policy_document",
            DraftKind::SpecificMeasure => "specific_measure",
            DraftKind::GovernmentMajor => "government_major",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DraftKind::Normative => "规范性文件",
            DraftKind::PolicyDocument => "其他政策性文件",
            DraftKind::SpecificMeasure => "具体政策措施(一事一议)",
            DraftKind::GovernmentMajor => "以区政府名义出台的重大政策措施",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Joint review (会审) is required.
    pub fn needs_joint_review(self) -> bool {
        self == DraftKind::GovernmentMajor
    }
}

/// The answer to one standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 不涉及.
    NotInvolved,
    /// 涉及,符合标准.
    Complies,
    /// 涉及,违反标准(具有排除、限制竞争效果).
    Violates,
}

impl Finding {
    pub fn code(self) -> &'static str {
        match self {
            Finding::NotInvolved => "not_involved",
            Finding::Complies => "complies",
            Finding::Violates => "violates",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Finding::NotInvolved => "不涉及",
            Finding::Complies => "涉及,符合",
            Finding::Violates => "违反",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [Finding::NotInvolved, Finding::Complies, Finding::Violates].into_iter().find(|f| f.code() == s)
    }
}

/// The conclusion of a review (审查结论).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 不具有排除、限制竞争效果,可以出台.
    MayIssue,
    /// 具有排除、限制竞争效果,但符合例外规定,可以出台(须说明理由并明确实施期限).
    IssueUnderException,
    /// 调整至符合相关要求后出台.
    AdjustThenIssue,
    /// 不予出台.
    DoNotIssue,
}

impl Conclusion {
    pub const ALL: [Conclusion; 4] =
        [Conclusion::MayIssue, Conclusion::IssueUnderException, Conclusion::AdjustThenIssue, Conclusion::DoNotIssue];

    pub fn code(self) -> &'static str {
        match self {
            Conclusion::MayIssue => "may_issue",
            Conclusion::IssueUnderException => "exception",
            Conclusion::AdjustThenIssue => "adjust",
            Conclusion::DoNotIssue => "do_not_issue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Conclusion::MayIssue => "不具有排除、限制竞争效果,可以出台",
            Conclusion::IssueUnderException => "符合例外规定,可以出台",
            Conclusion::AdjustThenIssue => "调整至符合要求后出台",
            Conclusion::DoNotIssue => "不予出台",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// A filled checklist as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInput {
    pub version: String,
    /// Standard code → finding, every standard of the version exactly once.
    pub findings: BTreeMap<String, Finding>,
    /// Explanation per standard (required for a violation).
    pub notes: BTreeMap<String, String>,
    pub conclusion: Conclusion,
    /// Index into [`Checklist::exceptions`] (required for [`Conclusion::IssueUnderException`]).
    pub exception: Option<usize>,
    /// Reasons for the exception, the adjustment or the refusal.
    pub reasoning: String,
    /// 实施期限或者终止条件 (required for an exception).
    pub term: String,
}

/// Longest free text of one note or reasoning, in characters.
pub const MAX_NOTE: usize = 2000;

/// Checks a filled checklist: every standard answered once, violations explained, and a
/// conclusion consistent with the findings. Returns the violated standard codes.
pub fn check_review(r: &ReviewInput) -> Result<Vec<String>, String> {
    let list = checklist(&r.version).ok_or_else(|| format!("审查标准版本“{}”不存在", r.version))?;
    for code in r.findings.keys() {
        if list.standard(code).is_none() {
            return Err(format!("审查标准“{code}”不属于{}版《{}》", list.version, list.title));
        }
    }
    let missing: Vec<&str> =
        list.standards().filter(|(_, s)| !r.findings.contains_key(&s.code)).map(|(_, s)| s.code.as_str()).collect();
    if !missing.is_empty() {
        return Err(format!("还有 {} 项审查标准未作判断:{}", missing.len(), missing.join("、")));
    }
    for (code, n) in &r.notes {
        if n.chars().count() > MAX_NOTE {
            return Err(format!("标准 {code} 的说明过长(最多{MAX_NOTE}字)"));
        }
    }
    if r.reasoning.chars().count() > MAX_NOTE || r.term.chars().count() > 500 {
        return Err(format!("结论理由最多{MAX_NOTE}字,实施期限最多500字"));
    }
    let violated: Vec<String> =
        r.findings.iter().filter(|(_, f)| **f == Finding::Violates).map(|(c, _)| c.clone()).collect();
    for code in &violated {
        if r.notes.get(code).is_none_or(|n| n.trim().is_empty()) {
            return Err(format!("标准 {code} 判断为违反,须写明具体条款和理由"));
        }
    }
    match (violated.is_empty(), r.conclusion) {
        (true, Conclusion::MayIssue) => {}
        (true, c) => {
            return Err(format!(
                "未发现违反审查标准的情形,结论应为“{}”,而不是“{}”",
                Conclusion::MayIssue.label(),
                c.label()
            ))
        }
        (false, Conclusion::MayIssue) => {
            return Err(format!("有 {} 项标准判断为违反,不能得出“可以出台”的结论", violated.len()));
        }
        (false, Conclusion::IssueUnderException) => {
            match r.exception {
                Some(i) if i < list.exceptions.len() => {}
                _ => return Err("适用例外规定须选择具体的例外情形".into()),
            }
            if r.reasoning.trim().is_empty() {
                return Err("适用例外规定须说明对实现政策目的不可或缺、没有影响更小的替代方案".into());
            }
            if r.term.trim().is_empty() {
                return Err("适用例外规定须明确实施期限或者终止条件".into());
            }
        }
        (false, _) => {
            if r.reasoning.trim().is_empty() {
                return Err("请说明调整意见或不予出台的理由".into());
            }
        }
    }
    if r.conclusion != Conclusion::IssueUnderException && r.exception.is_some() {
        return Err("只有“符合例外规定”的结论才选择例外情形".into());
    }
    Ok(violated)
}

/// Where a draft stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// 已登记,待审查.
    Registered,
    /// 已初审 (a major measure waiting to be sent to joint review).
    SelfReviewed,
    /// 会审中: with the market supervision bureau.
    JointPending,
    /// 会审不同意,退回修改.
    Returned,
    /// 审查完成.
    Concluded,
}

impl DraftStatus {
    pub const ALL: [DraftStatus; 5] = [
        DraftStatus::Registered,
        DraftStatus::SelfReviewed,
        DraftStatus::JointPending,
        DraftStatus::Returned,
        DraftStatus::Concluded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DraftStatus::Registered => "registered",
            DraftStatus::SelfReviewed => "self_reviewed",
            DraftStatus::JointPending => "joint_pending",
            DraftStatus::Returned => "returned",
            DraftStatus::Concluded => "concluded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DraftStatus::Registered => "待审查",
            DraftStatus::SelfReviewed => "已初审,待提请会审",
            DraftStatus::JointPending => "会审中",
            DraftStatus::Returned => "会审退回修改",
            DraftStatus::Concluded => "审查完成",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The drafting unit may (re)fill the checklist.
    pub fn can_review(self) -> bool {
        matches!(self, DraftStatus::Registered | DraftStatus::SelfReviewed | DraftStatus::Returned)
    }
}

/// The status after the drafting unit saves its review.
pub fn status_after_review(kind: DraftKind) -> DraftStatus {
    if kind.needs_joint_review() {
        DraftStatus::SelfReviewed
    } else {
        DraftStatus::Concluded
    }
}

/// The market supervision bureau's joint-review opinion (会审意见).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JointResult {
    /// 同意初审结论.
    Agree,
    /// 修改后出台.
    AgreeWithChanges,
    /// 不同意,退回修改.
    Disagree,
}

impl JointResult {
    pub fn code(self) -> &'static str {
        match self {
            JointResult::Agree => "agree",
            JointResult::AgreeWithChanges => "agree_with_changes",
            JointResult::Disagree => "disagree",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JointResult::Agree => "同意初审结论",
            JointResult::AgreeWithChanges => "按会审意见修改后出台",
            JointResult::Disagree => "不同意,退回起草单位修改",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [JointResult::Agree, JointResult::AgreeWithChanges, JointResult::Disagree].into_iter().find(|r| r.code() == s)
    }

    /// The draft's status and final conclusion after this opinion, given the drafting
    /// unit's own conclusion.
    pub fn outcome(self, own: Conclusion) -> (DraftStatus, Option<Conclusion>) {
        match self {
            JointResult::Agree => (DraftStatus::Concluded, Some(own)),
            JointResult::AgreeWithChanges => (
                DraftStatus::Concluded,
                Some(if own == Conclusion::DoNotIssue { Conclusion::DoNotIssue } else { Conclusion::AdjustThenIssue }),
            ),
            JointResult::Disagree => (DraftStatus::Returned, None),
        }
    }
}

/// What became of a concluded draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已出台 (with the number and date of issue).
    Issued,
    /// 未出台 / 撤回.
    Withdrawn,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Issued => "issued",
            Outcome::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Issued => "已出台",
            Outcome::Withdrawn => "未出台(撤回)",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [Outcome::Issued, Outcome::Withdrawn].into_iter().find(|o| o.code() == s)
    }

    /// A measure concluded "不予出台" cannot be recorded as issued.
    pub fn allowed(self, conclusion: Conclusion) -> bool {
        !(self == Outcome::Issued && conclusion == Conclusion::DoNotIssue)
    }
}

/// The result of cleaning up one existing regulation or normative document (清理结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupResult {
    /// 继续有效(保留).
    Retain,
    /// 修订.
    Amend,
    /// 废止.
    Repeal,
    /// 宣布失效.
    Expire,
}

impl CleanupResult {
    pub const ALL: [CleanupResult; 4] =
        [CleanupResult::Retain, CleanupResult::Amend, CleanupResult::Repeal, CleanupResult::Expire];

    pub fn code(self) -> &'static str {
        match self {
            CleanupResult::Retain => "retain",
            CleanupResult::Amend => "amend",
            CleanupResult::Repeal => "repeal",
            CleanupResult::Expire => "expire",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CleanupResult::Retain => "继续有效",
            CleanupResult::Amend => "修订",
            CleanupResult::Repeal => "废止",
            CleanupResult::Expire => "宣布失效",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Anything but "retain" corrects a restriction of competition and needs a reason.
    pub fn needs_reason(self) -> bool {
        self != CleanupResult::Retain
    }
}

/// A department's position in a clean-up campaign relative to its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupState {
    Done,
    Open,
    /// Within [`DUE_SOON_DAYS`] calendar days of the deadline.
    DueSoon,
    Overdue,
}

/// Warning period before a clean-up deadline, in calendar days.
pub const DUE_SOON_DAYS: i64 = 10;

impl CleanupState {
    pub fn of(deadline: NaiveDate, submitted: bool, today: NaiveDate) -> Self {
        if submitted {
            CleanupState::Done
        } else if today > deadline {
            CleanupState::Overdue
        } else if (deadline - today).num_days() <= DUE_SOON_DAYS {
            CleanupState::DueSoon
        } else {
            CleanupState::Open
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CleanupState::Done => "已报送",
            CleanupState::Open => "进行中",
            CleanupState::DueSoon => "临近期限",
            CleanupState::Overdue => "已逾期",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_2021_checklist_has_four_categories_and_eighteen_standards() {
        let c = checklist("2021").unwrap();
        assert_eq!(c.doc_no, "国市监反垄规〔2021〕2号");
        let counts: Vec<usize> = c.categories.iter().map(|c| c.standards.len()).collect();
        assert_eq!(counts, vec![5, 5, 4, 4]);
        assert_eq!(c.count(), 18);
        assert_eq!(c.categories[0].name, "市场准入和退出标准");
        assert_eq!(c.categories[1].name, "商品和要素自由流动标准");
        assert_eq!(c.categories[2].name, "影响生产经营成本标准");
        assert_eq!(c.categories[3].name, "影响生产经营行为标准");
        let codes: std::collections::BTreeSet<_> = c.standards().map(|(_, s)| s.code.clone()).collect();
        assert_eq!(codes.len(), 18, "codes are unique");
        let v24 = checklist("2024").unwrap();
        assert_eq!(v24.doc_no, "国务院令第783号");
        assert_eq!(v24.categories.len(), 4);
    }

    #[test]
    fn version_in_force_by_date() {
        assert_eq!(in_force(d(2021, 9, 23)).version, "2021");
        assert_eq!(in_force(d(2024, 7, 31)).version, "2021");
        assert_eq!(in_force(d(2024, 8, 1)).version, "2024");
        assert_eq!(in_force(d(2026, 1, 1)).version, "2024");
        assert_eq!(in_force(d(2019, 1, 1)).version, "2021", "before any version: the oldest");
    }

    fn all(version: &str, f: Finding) -> ReviewInput {
        let c = checklist(version).unwrap();
        ReviewInput {
            version: version.into(),
            findings: c.standards().map(|(_, s)| (s.code.clone(), f)).collect(),
            notes: BTreeMap::new(),
            conclusion: Conclusion::MayIssue,
            exception: None,
            reasoning: String::new(),
            term: String::new(),
        }
    }

    #[test]
    fn a_clean_checklist_may_issue_and_nothing_else() {
        let mut r = all("2021", Finding::NotInvolved);
        assert_eq!(check_review(&r).unwrap(), Vec::<String>::new());
        r.conclusion = Conclusion::DoNotIssue;
        assert!(check_review(&r).unwrap_err().contains("结论应为"));
    }

    #[test]
    fn every_standard_must_be_answered() {
        let mut r = all("2021", Finding::Complies);
        r.findings.remove("C3");
        assert!(check_review(&r).unwrap_err().contains("C3"));
        r.findings.insert("Z9".into(), Finding::Complies);
        assert!(check_review(&r).unwrap_err().contains("Z9"));
        let mut r = all("2021", Finding::Complies);
        r.version = "1999".into();
        assert!(check_review(&r).is_err());
    }

    #[test]
    fn violations_need_notes_and_a_consistent_conclusion() {
        let mut r = all("2021", Finding::NotInvolved);
        r.findings.insert("B3".into(), Finding::Violates);
        assert!(check_review(&r).unwrap_err().contains("须写明"));
        r.notes.insert("B3".into(), "第五条要求投标人在本区设立分公司".into());
        assert!(check_review(&r).unwrap_err().contains("不能得出"));
        r.conclusion = Conclusion::AdjustThenIssue;
        assert!(check_review(&r).unwrap_err().contains("理由"));
        r.reasoning = "删除第五条".into();
        assert_eq!(check_review(&r).unwrap(), vec!["B3".to_string()]);
        r.conclusion = Conclusion::IssueUnderException;
        assert!(check_review(&r).unwrap_err().contains("例外情形"));
        r.exception = Some(2);
        assert!(check_review(&r).unwrap_err().contains("期限"));
        r.term = "实施至2026年12月31日".into();
        assert!(check_review(&r).is_ok());
        r.exception = Some(99);
        assert!(check_review(&r).is_err());
    }

    #[test]
    fn joint_review_outcomes() {
        assert_eq!(
            JointResult::Agree.outcome(Conclusion::MayIssue),
            (DraftStatus::Concluded, Some(Conclusion::MayIssue))
        );
        assert_eq!(
            JointResult::AgreeWithChanges.outcome(Conclusion::MayIssue),
            (DraftStatus::Concluded, Some(Conclusion::AdjustThenIssue))
        );
        assert_eq!(JointResult::Disagree.outcome(Conclusion::MayIssue), (DraftStatus::Returned, None));
        assert_eq!(status_after_review(DraftKind::GovernmentMajor), DraftStatus::SelfReviewed);
        assert_eq!(status_after_review(DraftKind::Normative), DraftStatus::Concluded);
        assert!(!Outcome::Issued.allowed(Conclusion::DoNotIssue));
        assert!(Outcome::Withdrawn.allowed(Conclusion::DoNotIssue));
    }

    #[test]
    fn cleanup_deadline_states() {
        let deadline = d(2021, 12, 31);
        assert_eq!(CleanupState::of(deadline, false, d(2021, 11, 1)), CleanupState::Open);
        assert_eq!(CleanupState::of(deadline, false, d(2021, 12, 21)), CleanupState::DueSoon);
        assert_eq!(CleanupState::of(deadline, false, d(2021, 12, 31)), CleanupState::DueSoon);
        assert_eq!(CleanupState::of(deadline, false, d(2022, 1, 1)), CleanupState::Overdue);
        assert_eq!(CleanupState::of(deadline, true, d(2022, 1, 1)), CleanupState::Done);
    }
}
