//! Credit supervision rules (附件1 四(二)、五; 附件2 四(一)): risk classes A–D from rules
//! kept as data, minimum publication periods of penalties, and the state machines of
//! credit repair (信用修复, three-level review) and objections (异议申诉). Pure and
//! I/O-free; the store keeps the facts and calls these.
//!
//! * The rules live in `data-seed/credit/rules.json` (versioned, embedded): each rule is
//!   a condition over the record (events by kind and severity within a window, list
//!   membership) giving risk points or a class directly, with a reason text.
//! * The publication periods live in `data-seed/credit/publication.json`, which cites
//!   国家发展改革委令2023年第58号.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
pub use crate::draw::RiskClass;

const RULES_JSON: &str = include_str!("../../../data-seed/credit/rules.json");
const PUBLICATION_JSON: &str = include_str!("../../../data-seed/credit/publication.json");

/// Severity codes an event may carry (the store's `Severity::code`).
pub const SEVERITIES: [&str; 5] = ["positive", "neutral", "minor", "serious", "grave"];

/// Parses a class letter (`A`…`D`); anything else is unclassified.
pub fn class_from_label(s: &str) -> RiskClass {
    match s {
        "A" => RiskClass::A,
        "B" => RiskClass::B,
        "C" => RiskClass::C,
        "D" => RiskClass::D,
        _ => RiskClass::Unclassified,
    }
}

/// Chinese name of a class.
pub fn class_name(c: RiskClass) -> &'static str {
    match c {
        RiskClass::A => "A类(信用风险低)",
        RiskClass::B => "B类(信用风险一般)",
        RiskClass::C => "C类(信用风险较高)",
        RiskClass::D => "D类(信用风险高)",
        RiskClass::Unclassified => "未分类",
    }
}

/// A condition over an entity's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// At least `at_least` events of one of `kinds` (and, when given, one of
    /// `severities`) that occurred within the last `within_months`.
    Events {
        kinds: Vec<String>,
        #[serde(default)]
        severities: Vec<String>,
        #[serde(default)]
        within_months: Option<u32>,
        at_least: u32,
    },
    /// On a list of this colour or kind code (`red`, `black`, or a list-kind code).
    OnList(String),
}

/// One rule: a condition and its effect (points, a class, or both).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub reason: String,
    pub when: Condition,
    #[serde(default)]
    pub points: Option<i32>,
    #[serde(default, with = "opt_class")]
    pub class: Option<RiskClass>,
}

mod opt_class {
    use super::*;
    pub fn serialize<S: serde::Serializer>(v: &Option<RiskClass>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(c) => s.serialize_some(c.label()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<RiskClass>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        match v.as_deref() {
            None => Ok(None),
            Some(s) => match class_from_label(s) {
                RiskClass::Unclassified => Err(serde::de::Error::custom(format!("unknown class {s}"))),
                c => Ok(Some(c)),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub max_points: i32,
    #[serde(with = "class_str")]
    pub class: RiskClass,
}

mod class_str {
    use super::*;
    pub fn serialize<S: serde::Serializer>(v: &RiskClass, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.label())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RiskClass, D::Error> {
        let s = String::deserialize(d)?;
        match class_from_label(&s) {
            RiskClass::Unclassified => Err(serde::de::Error::custom(format!("unknown class {s}"))),
            c => Ok(c),
        }
    }
}

/// A versioned rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub version: String,
    pub title: String,
    #[serde(default)]
    pub note: String,
    /// Ascending `max_points`; points above the last band get `above_bands`.
    pub bands: Vec<Band>,
    #[serde(with = "class_str")]
    pub above_bands: RiskClass,
    pub rules: Vec<Rule>,
}

/// A rule set that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesError(pub String);

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "信用风险分类规则无效:{}", self.0)
    }
}

impl std::error::Error for RulesError {}

impl RuleSet {
    /// The embedded rule set (`data-seed/credit/rules.json`).
    pub fn builtin() -> &'static RuleSet {
        static RULES: OnceLock<RuleSet> = OnceLock::new();
        RULES.get_or_init(|| RuleSet::from_json(RULES_JSON).unwrap_or_else(|e| panic!("built-in rules.json: {e}")))
    }

    pub fn from_json(json: &str) -> Result<RuleSet, RulesError> {
        let r: RuleSet = serde_json::from_str(json).map_err(|e| RulesError(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }

    pub fn validate(&self) -> Result<(), RulesError> {
        if self.version.trim().is_empty() {
            return Err(RulesError("缺少版本号".into()));
        }
        if self.bands.windows(2).any(|w| w[0].max_points >= w[1].max_points) {
            return Err(RulesError("分档须按分值递增".into()));
        }
        let mut ids = BTreeSet::new();
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                return Err(RulesError(format!("规则编号 {} 重复", r.id)));
            }
            if r.reason.trim().is_empty() {
                return Err(RulesError(format!("规则 {} 缺少理由", r.id)));
            }
            if r.points.is_none() && r.class.is_none() {
                return Err(RulesError(format!("规则 {} 既无分值也无等级", r.id)));
            }
            if let Condition::Events { kinds, severities, at_least, .. } = &r.when {
                if kinds.is_empty() || *at_least == 0 {
                    return Err(RulesError(format!("规则 {} 的条件不完整", r.id)));
                }
                if let Some(s) = severities.iter().find(|s| !SEVERITIES.contains(&s.as_str())) {
                    return Err(RulesError(format!("规则 {} 的等级 {s} 无法识别", r.id)));
                }
            }
        }
        Ok(())
    }

    fn band_class(&self, points: i32) -> RiskClass {
        self.bands.iter().find(|b| points <= b.max_points).map_or(self.above_bands, |b| b.class)
    }

    /// Evaluates the rules over an entity's facts.
    pub fn evaluate(&self, facts: &Facts) -> Evaluation {
        let mut points = 0i32;
        let mut direct: Option<RiskClass> = None;
        let mut reasons = Vec::new();
        for r in &self.rules {
            if !r.when.holds(facts) {
                continue;
            }
            if let Some(p) = r.points {
                points += p;
            }
            if let Some(c) = r.class {
                direct = Some(direct.map_or(c, |d| d.max(c)));
            }
            reasons.push(Reason { rule: r.id.clone(), text: r.reason.clone(), points: r.points, class: r.class });
        }
        let by_points = self.band_class(points);
        let class = direct.map_or(by_points, |d| d.max(by_points));
        Evaluation { class, points, reasons, rules_version: self.version.clone() }
    }
}

impl Condition {
    fn holds(&self, f: &Facts) -> bool {
        match self {
            Condition::Events { kinds, severities, within_months, at_least } => {
                let since = within_months.and_then(|m| f.today.checked_sub_months(Months::new(m)));
                let n = f
                    .events
                    .iter()
                    .filter(|e| !e.withdrawn)
                    .filter(|e| kinds.contains(&e.kind))
                    .filter(|e| severities.is_empty() || severities.contains(&e.severity))
                    .filter(|e| since.is_none_or(|s| e.occurred_on > s) && e.occurred_on <= f.today)
                    .count();
                n >= *at_least as usize
            }
            Condition::OnList(code) => f.lists.iter().any(|l| l == code),
        }
    }
}

/// One event of the record, as the rules see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactEvent {
    pub kind: String,
    pub severity: String,
    pub occurred_on: NaiveDate,
    pub withdrawn: bool,
}

/// What the rules are evaluated over.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facts {
    pub today: NaiveDate,
    pub events: Vec<FactEvent>,
    /// Lists the entity is on today: colours (`red`, `black`) and kind codes.
    pub lists: Vec<String>,
}

/// Why a class was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub text: String,
    pub points: Option<i32>,
    #[serde(with = "opt_class")]
    pub class: Option<RiskClass>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    #[serde(with = "class_str")]
    pub class: RiskClass,
    pub points: i32,
    pub reasons: Vec<Reason>,
    pub rules_version: String,
}

// ---------------------------------------------------------------- publication periods

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub severity: String,
    pub label: String,
    pub min_months: u32,
    pub max_months: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDays {
    pub first: i64,
    pub second: i64,
    #[serde(rename = "final")]
    pub last: i64,
}

/// Minimum and maximum publication periods of penalty information.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    pub version: String,
    pub basis: String,
    pub periods: Vec<Period>,
    pub ceiling_months: u32,
    pub review_working_days: ReviewDays,
}

impl Publication {
    pub fn builtin() -> &'static Publication {
        static P: OnceLock<Publication> = OnceLock::new();
        P.get_or_init(|| {
            let p: Publication =
                serde_json::from_str(PUBLICATION_JSON).unwrap_or_else(|e| panic!("built-in publication.json: {e}"));
            assert!(p.periods.iter().all(|x| x.min_months <= x.max_months && x.max_months <= p.ceiling_months));
            p
        })
    }

    pub fn period(&self, severity: &str) -> Option<&Period> {
        self.periods.iter().find(|p| p.severity == severity)
    }

    /// The first day a repair may be asked for a penalty decided on `decided_on`
    /// (the day after the minimum period); `None` when the severity has no period.
    pub fn earliest_repair(&self, severity: &str, decided_on: NaiveDate) -> Option<NaiveDate> {
        let p = self.period(severity)?;
        decided_on.checked_add_months(Months::new(p.min_months))
    }

    /// The last day of publication (the maximum period, capped at the ceiling).
    pub fn public_until(&self, severity: &str, decided_on: NaiveDate) -> Option<NaiveDate> {
        let p = self.period(severity)?;
        decided_on.checked_add_months(Months::new(p.max_months.min(self.ceiling_months))).and_then(|d| d.pred_opt())
    }
}

// ---------------------------------------------------------------- repair

/// The three review levels of a repair application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    First,
    Second,
    Final,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Self::First, Self::Second, Self::Final];
    pub fn code(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Second => "second",
            Self::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::First => "初审",
            Self::Second => "复审",
            Self::Final => "终审",
        }
    }
    pub fn next(self) -> Option<Stage> {
        match self {
            Self::First => Some(Self::Second),
            Self::Second => Some(Self::Final),
            Self::Final => None,
        }
    }
    /// Working days this stage has.
    pub fn working_days(self, p: &Publication) -> i64 {
        match self {
            Self::First => p.review_working_days.first,
            Self::Second => p.review_working_days.second,
            Self::Final => p.review_working_days.last,
        }
    }
    /// The deadline of a stage entered on `from`.
    pub fn deadline(self, p: &Publication, cal: &WorkCalendar, from: NaiveDate) -> NaiveDate {
        cal.add_working_days(from, self.working_days(p))
    }
}

/// State of a repair application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairStatus {
    /// Waiting for the review of `stage`.
    Pending(Stage),
    /// Returned at `stage` for more material.
    Returned(Stage),
    Approved,
    Rejected,
}

impl RepairStatus {
    pub fn code(self) -> String {
        match self {
            Self::Pending(s) => format!("pending_{}", s.code()),
            Self::Returned(s) => format!("returned_{}", s.code()),
            Self::Approved => "approved".into(),
            Self::Rejected => "rejected".into(),
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => {
                if let Some(st) = s.strip_prefix("pending_") {
                    Stage::parse(st).map(Self::Pending)
                } else {
                    s.strip_prefix("returned_").and_then(Stage::parse).map(Self::Returned)
                }
            }
        }
    }
    pub fn label(self) -> String {
        match self {
            Self::Pending(s) => format!("待{}", s.label()),
            Self::Returned(s) => format!("{}退回补正材料", s.label()),
            Self::Approved => "修复成功".into(),
            Self::Rejected => "不予修复".into(),
        }
    }
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending(_) | Self::Returned(_))
    }
}

/// A reviewer's decision at one stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pass,
    Return,
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(Self::Pass),
            "return" => Some(Self::Return),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "通过",
            Self::Return => "退回补正",
            Self::Reject => "不予通过",
        }
    }
}

/// Why a review step is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepairError {
    NotPending,
    WrongStage { expected: Stage },
    SameReviewer { stage: Stage },
    NotReturned,
    EmptyOpinion,
}

impl fmt::Display for RepairError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPending => f.write_str("该修复申请当前不在审核中"),
            Self::WrongStage { expected } => write!(f, "该修复申请当前处于{}阶段", expected.label()),
            Self::SameReviewer { stage } => {
                write!(f, "初审、复审、终审须由不同人员办理,您已办理过本申请的{}", stage.label())
            }
            Self::NotReturned => f.write_str("只有退回补正的申请可以重新提交材料"),
            Self::EmptyOpinion => f.write_str("请填写审核意见"),
        }
    }
}

impl std::error::Error for RepairError {}

/// One review already made: the stage and the reviewer's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastReview {
    pub stage: Stage,
    pub reviewer: String,
    pub decision: Decision,
}

/// The state after `reviewer` decides `decision` at `stage`. A reviewer who already
/// passed or returned another stage of the same application is refused (each level a
/// different person); reviewing the same stage again after a return is allowed.
pub fn review(
    status: RepairStatus,
    stage: Stage,
    reviewer: &str,
    decision: Decision,
    opinion: &str,
    past: &[PastReview],
) -> Result<RepairStatus, RepairError> {
    let current = match status {
        RepairStatus::Pending(s) => s,
        _ => return Err(RepairError::NotPending),
    };
    if current != stage {
        return Err(RepairError::WrongStage { expected: current });
    }
    if opinion.trim().is_empty() {
        return Err(RepairError::EmptyOpinion);
    }
    if let Some(p) = past.iter().find(|p| p.reviewer == reviewer && p.stage != stage) {
        return Err(RepairError::SameReviewer { stage: p.stage });
    }
    Ok(match decision {
        Decision::Pass => stage.next().map_or(RepairStatus::Approved, RepairStatus::Pending),
        Decision::Return => RepairStatus::Returned(stage),
        Decision::Reject => RepairStatus::Rejected,
    })
}

/// The state after the applicant resubmits material: back to the stage that returned it.
pub fn resubmit(status: RepairStatus) -> Result<RepairStatus, RepairError> {
    match status {
        RepairStatus::Returned(s) => Ok(RepairStatus::Pending(s)),
        _ => Err(RepairError::NotReturned),
    }
}

// ---------------------------------------------------------------- objections

/// Fields of a credit event an objection may dispute.
pub const OBJECTION_FIELDS: [(&str, &str); 4] =
    [("title", "事项名称"), ("occurred_on", "发生日期"), ("severity", "失信程度"), ("detail", "详细内容")];

pub fn objection_field_label(code: &str) -> Option<&'static str> {
    OBJECTION_FIELDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Public marker of a field under objection.
pub const UNDER_OBJECTION: &str = "异议处理中";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    Open,
    Corrected,
    Rejected,
}

impl ObjectionStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Corrected => "corrected",
            Self::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Corrected, Self::Rejected].into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => UNDER_OBJECTION,
            Self::Corrected => "已更正",
            Self::Rejected => "异议不成立",
        }
    }
}

/// Resolves an open objection: correct (with a new value) or reject (with reasons).
pub fn resolve_objection(
    status: ObjectionStatus,
    correct: bool,
    new_value: Option<&str>,
    reasons: &str,
) -> Result<ObjectionStatus, String> {
    if status != ObjectionStatus::Open {
        return Err("该异议已处理完毕".into());
    }
    if reasons.trim().is_empty() {
        return Err("请填写处理理由".into());
    }
    if correct {
        if new_value.is_none_or(|v| v.trim().is_empty()) {
            return Err("更正须填写更正后的内容".into());
        }
        Ok(ObjectionStatus::Corrected)
    } else {
        Ok(ObjectionStatus::Rejected)
    }
}

// ---------------------------------------------------------------- commitments and lists

/// Kinds of credit commitment (信用承诺).
pub const COMMITMENT_KINDS: [(&str, &str); 3] =
    [("approval", "承诺制审批"), ("notification", "告知承诺"), ("voluntary", "自愿承诺")];

pub fn commitment_kind_label(code: &str) -> Option<&'static str> {
    COMMITMENT_KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Whether a commitment kind is an approval granted on a commitment (draws more often, 第19项).
pub fn commitment_is_approval(code: &str) -> bool {
    matches!(code, "approval" | "notification")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ev(kind: &str, sev: &str, on: &str) -> FactEvent {
        FactEvent { kind: kind.into(), severity: sev.into(), occurred_on: d(on), withdrawn: false }
    }

    #[test]
    fn builtin_rules_load() {
        let r = RuleSet::builtin();
        assert_eq!(r.version, "2026.1");
        assert!(r.rules.len() > 5);
    }

    #[test]
    fn empty_record_is_b() {
        let e = RuleSet::builtin().evaluate(&Facts { today: d("2026-01-01"), ..Default::default() });
        assert_eq!(e.class, RiskClass::B);
        assert!(e.reasons.is_empty());
    }

    #[test]
    fn grave_penalty_is_d_with_reason() {
        let f = Facts { today: d("2026-01-01"), events: vec![ev("penalty", "grave", "2025-03-01")], lists: vec![] };
        let e = RuleSet::builtin().evaluate(&f);
        assert_eq!(e.class, RiskClass::D);
        assert_eq!(e.reasons[0].rule, "grave-penalty");
    }

    #[test]
    fn windows_and_withdrawal() {
        let mut f = Facts { today: d("2026-01-01"), events: vec![ev("penalty", "minor", "2024-06-01")], lists: vec![] };
        assert!(RuleSet::builtin().evaluate(&f).reasons.is_empty(), "outside 12 months");
        f.events = vec![ev("penalty", "grave", "2025-06-01")];
        f.events[0].withdrawn = true;
        assert_eq!(RuleSet::builtin().evaluate(&f).class, RiskClass::B);
    }

    #[test]
    fn red_list_and_clean_record_is_a() {
        let f = Facts {
            today: d("2026-01-01"),
            events: vec![ev("inspection", "neutral", "2025-01-01"), ev("inspection", "neutral", "2025-06-01")],
            lists: vec!["red".into()],
        };
        let e = RuleSet::builtin().evaluate(&f);
        assert_eq!(e.class, RiskClass::A);
        assert_eq!(e.points, -30);
    }

    #[test]
    fn broken_commitment_and_serious_penalty_is_d() {
        let f = Facts {
            today: d("2026-01-01"),
            events: vec![ev("commitment_broken", "serious", "2025-09-01"), ev("penalty", "serious", "2025-10-01")],
            lists: vec![],
        };
        let e = RuleSet::builtin().evaluate(&f);
        assert_eq!(e.points, 55);
        assert_eq!(e.class, RiskClass::D);
    }

    #[test]
    fn invalid_rules_refused() {
        let bad = RULES_JSON.replace("\"version\": \"2026.1\"", "\"version\": \"\"");
        assert!(RuleSet::from_json(&bad).is_err());
        let dup = RULES_JSON.replace("\"id\": \"honours\"", "\"id\": \"red-list\"");
        assert!(RuleSet::from_json(&dup).is_err());
    }

    #[test]
    fn publication_periods() {
        let p = Publication::builtin();
        assert!(p.basis.contains("国家发展改革委令2023年第58号"));
        assert_eq!(p.earliest_repair("minor", d("2025-01-31")), Some(d("2025-04-30")));
        assert_eq!(p.earliest_repair("grave", d("2025-01-01")), Some(d("2026-01-01")));
        assert_eq!(p.public_until("grave", d("2025-01-01")), Some(d("2027-12-31")));
        assert_eq!(p.earliest_repair("positive", d("2025-01-01")), None);
    }

    #[test]
    fn three_levels_by_three_people() {
        let mut past = Vec::new();
        let mut s = RepairStatus::Pending(Stage::First);
        for (stage, who) in [(Stage::First, "a"), (Stage::Second, "b"), (Stage::Final, "c")] {
            assert_eq!(
                review(s, stage, "a", Decision::Pass, "ok", &past).err().filter(|_| stage != Stage::First),
                if stage == Stage::First { None } else { Some(RepairError::SameReviewer { stage: Stage::First }) }
            );
            s = review(s, stage, who, Decision::Pass, "同意", &past).unwrap();
            past.push(PastReview { stage, reviewer: who.into(), decision: Decision::Pass });
        }
        assert_eq!(s, RepairStatus::Approved);
    }

    #[test]
    fn return_and_resubmit() {
        let s =
            review(RepairStatus::Pending(Stage::Second), Stage::Second, "b", Decision::Return, "补充", &[]).unwrap();
        assert_eq!(s, RepairStatus::Returned(Stage::Second));
        assert_eq!(resubmit(s).unwrap(), RepairStatus::Pending(Stage::Second));
        assert_eq!(resubmit(RepairStatus::Approved), Err(RepairError::NotReturned));
        assert_eq!(
            review(RepairStatus::Pending(Stage::First), Stage::Second, "b", Decision::Pass, "x", &[]),
            Err(RepairError::WrongStage { expected: Stage::First })
        );
    }

    #[test]
    fn objections() {
        assert_eq!(resolve_objection(ObjectionStatus::Open, true, Some("新"), "核实"), Ok(ObjectionStatus::Corrected));
        assert!(resolve_objection(ObjectionStatus::Open, true, None, "核实").is_err());
        assert!(resolve_objection(ObjectionStatus::Rejected, false, None, "x").is_err());
        assert_eq!(objection_field_label("nope"), None);
    }

    proptest! {
        #[test]
        fn status_codes_round_trip(i in 0usize..8) {
            let all = [
                RepairStatus::Pending(Stage::First), RepairStatus::Pending(Stage::Second), RepairStatus::Pending(Stage::Final),
                RepairStatus::Returned(Stage::First), RepairStatus::Returned(Stage::Second), RepairStatus::Returned(Stage::Final),
                RepairStatus::Approved, RepairStatus::Rejected,
            ];
            prop_assert_eq!(RepairStatus::parse(&all[i].code()), Some(all[i]));
        }

        #[test]
        fn more_bad_events_never_lower_the_class(n in 0usize..6, m in 0usize..6) {
            let mk = |k: usize| Facts {
                today: d("2026-01-01"),
                events: (0..k).map(|_| ev("penalty", "serious", "2025-06-01")).collect(),
                lists: vec![],
            };
            let (lo, hi) = if n <= m { (n, m) } else { (m, n) };
            prop_assert!(RuleSet::builtin().evaluate(&mk(lo)).class <= RuleSet::builtin().evaluate(&mk(hi)).class);
        }
    }
}
