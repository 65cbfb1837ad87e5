//! Reports and complaints (举报 / 投诉, 附件1 五(三); 附件2 五(三)), the consumer-protection
//! joint meeting (消费者权益保护联席会议) and data risk warnings (数据风险预警).
//!
//! Pure rules: categories and routing to the responsible department, deadlines in working
//! days, the handling state machine, reward (举报人奖励) rules, and the risk-warning rules
//! as data. No I/O.
//!
//! Deadlines follow 《市场监督管理投诉举报处理暂行办法》(总局令第20号): a complaint is
//! accepted or refused within 7 working days of receipt (第十九条); a report is verified and
//! the decision whether to open a case taken within 15 working days (《市场监督管理行政处罚
//! 程序规定》第十八条); the reply to the reporter is due at the latest 60 working days after
//! receipt. Signing for a routed item (签收) is due the next working day. Kept as data
//! ([`DEADLINES`]) so a district can change them in one place.

use crate::calendar::WorkCalendar;
use crate::draw::RiskClass;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 举报 (a report of a violation) or 投诉 (a consumer complaint about one's own dispute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Report,
    Complaint,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Report, Kind::Complaint];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Complaint => "complaint",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Report => "举报",
            Kind::Complaint => "投诉",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    /// What "deciding" means for this kind.
    pub fn decision_label(self) -> &'static str {
        match self {
            Kind::Report => "是否立案",
            Kind::Complaint => "是否受理",
        }
    }
}

/// How a report reached the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public web form.
    Web,
    /// `POST /api/v1/public/reports` (other platforms, apps).
    Api,
    /// Entered by 区网格中心 from a call.
    Phone,
    Email,
    Letter,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Web, Channel::Api, Channel::Phone, Channel::Email, Channel::Letter];
    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Letter => "letter",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "网站",
            Channel::Api => "接口",
            Channel::Phone => "电话",
            Channel::Email => "电子邮件",
            Channel::Letter => "信件",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Channels the public reaches itself (no login).
    pub fn public(self) -> bool {
        matches!(self, Channel::Web | Channel::Api)
    }
}

/// A category and the departments (codes) responsible for it, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub label: &'static str,
    /// Responsible departments; the first that supervises the entity wins, else the first.
    /// Empty: routed by the entity's supervising departments alone.
    pub departments: &'static [&'static str],
}

/// Receives what nothing else routes (and chairs the joint meeting).
pub const DEFAULT_DEPARTMENT: &str = "scjgj";
/// The intake centre (区网格中心).
pub const INTAKE_DEPARTMENT: &str = "wgzx";

pub const CATEGORIES: &[Category] = &[
    Category { code: "food", label: "食品安全", departments: &["scjgj"] },
    Category { code: "drug", label: "药品、医疗器械、化妆品", departments: &["scjgj"] },
    Category { code: "special_equipment", label: "特种设备", departments: &["scjgj"] },
    Category { code: "product_quality", label: "产品质量", departments: &["scjgj"] },
    Category { code: "price", label: "价格收费", departments: &["scjgj", "fgw"] },
    Category { code: "consumer", label: "消费维权(合同、服务、预付卡)", departments: &["scjgj", "swuj"] },
    Category { code: "advertising", label: "虚假广告、不正当竞争", departments: &["scjgj"] },
    Category { code: "medical", label: "医疗卫生", departments: &["wjw"] },
    Category { code: "construction", label: "建筑施工、物业", departments: &["zjw"] },
    Category { code: "environment", label: "环境污染", departments: &["sthj"] },
    Category { code: "city", label: "市容环卫、占道经营", departments: &["cgw"] },
    Category { code: "culture_tourism", label: "文化旅游市场", departments: &["wlj"] },
    Category { code: "work_safety", label: "安全生产", departments: &["yjj"] },
    Category { code: "labour", label: "劳动用工、欠薪", departments: &["rsj"] },
    Category { code: "education", label: "校外培训", departments: &["jyj"] },
    Category { code: "other", label: "其他", departments: &[] },
];

pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// The responsible department (code) for a category and the entity's supervising
/// departments (codes, in the registry's order). `active` says whether a department
/// exists and is active now (merged or retired departments are skipped).
pub fn route(category: &Category, supervising: &[String], active: impl Fn(&str) -> bool) -> String {
    let supervised = |d: &str| supervising.iter().any(|s| s == d);
    if let Some(d) = category.departments.iter().find(|d| supervised(d) && active(d)) {
        return (*d).to_string();
    }
    if category.departments.is_empty() {
        if let Some(d) = supervising.iter().find(|d| active(d)) {
            return d.clone();
        }
    }
    if let Some(d) = category.departments.iter().find(|d| active(d)) {
        return (*d).to_string();
    }
    DEFAULT_DEPARTMENT.to_string()
}

/// Working-day limits (see the module documentation for their sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    pub acknowledge: i64,
    pub decide_complaint: i64,
    pub decide_report: i64,
    pub reply: i64,
}

pub const DEADLINES: Deadlines = Deadlines { acknowledge: 1, decide_complaint: 7, decide_report: 15, reply: 60 };

/// The three due dates of an item received on `received_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDates {
    pub acknowledge: NaiveDate,
    pub decide: NaiveDate,
    pub reply: NaiveDate,
}

pub fn due_dates(cal: &WorkCalendar, kind: Kind, received_on: NaiveDate) -> DueDates {
    let d = DEADLINES;
    DueDates {
        acknowledge: cal.add_working_days(received_on, d.acknowledge),
        decide: cal.add_working_days(
            received_on,
            match kind {
                Kind::Report => d.decide_report,
                Kind::Complaint => d.decide_complaint,
            },
        ),
        reply: cal.add_working_days(received_on, d.reply),
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Routed, not yet signed for (待签收).
    Received,
    /// Signed for by the department (已签收,待决定).
    Acknowledged,
    /// Complaint accepted / case opened (已受理/已立案).
    Accepted,
    /// Not accepted / no case (不予受理/不予立案): still needs its reply.
    Declined,
    /// Replied and closed (已办结).
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Received, Status::Acknowledged, Status::Accepted, Status::Declined, Status::Closed];
    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Acknowledged => "acknowledged",
            Status::Accepted => "accepted",
            Status::Declined => "declined",
            Status::Closed => "closed",
        }
    }
    pub fn label(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (Status::Received, _) => "待签收",
            (Status::Acknowledged, _) => "已签收,待决定",
            (Status::Accepted, Kind::Report) => "已立案,办理中",
            (Status::Accepted, Kind::Complaint) => "已受理,办理中",
            (Status::Declined, Kind::Report) => "不予立案,待答复",
            (Status::Declined, Kind::Complaint) => "不予受理,待答复",
            (Status::Closed, _) => "已办结",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// What a handler does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    /// Send to another department (not ours): allowed before a decision.
    Transfer,
    Accept,
    Decline,
    /// Reply to the reporter and close; a declined item closes unsubstantiated.
    Close {
        substantiated: bool,
    },
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Acknowledge => "签收",
            Action::Transfer => "转办",
            Action::Accept => "受理/立案",
            Action::Decline => "不予受理/不予立案",
            Action::Close { .. } => "答复办结",
        }
    }
}

/// The state machine. A transfer resets to `Received` at the new department.
pub fn next(status: Status, action: Action) -> Result<Status, String> {
    use Status::*;
    match (status, action) {
        (Received, Action::Acknowledge) => Ok(Acknowledged),
        (Received | Acknowledged, Action::Transfer) => Ok(Received),
        (Acknowledged, Action::Accept) => Ok(Accepted),
        (Acknowledged, Action::Decline) => Ok(Declined),
        (Accepted, Action::Close { .. }) => Ok(Closed),
        (Declined, Action::Close { substantiated: false }) => Ok(Closed),
        (Declined, Action::Close { substantiated: true }) => Err("不予受理/不予立案的事项不能认定属实".into()),
        (Received, _) => Err("请先签收".into()),
        (Closed, _) => Err("该事项已办结".into()),
        (s, a) => Err(format!("当前状态(“{}”)不能{}", s.label(Kind::Report), a.label())),
    }
}

// --- input checks --------------------------------------------------------------------------

pub const MAX_CONTENT: usize = 5000;
pub const MAX_SUBJECT: usize = 200;
pub const MAX_NAME: usize = 50;
/// Attachments per item.
pub const MAX_FILES: usize = 5;

/// A report as typed (by the public or the intake centre), before sealing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Input {
    pub kind: String,
    pub channel: String,
    pub category: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub subject_uscc: String,
    pub subject_name: String,
    pub content: String,
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// Checks a report; the first problem, in Chinese.
pub fn check(i: &Input) -> Result<(Kind, Channel, &'static Category), String> {
    let kind = Kind::from_code(i.kind.trim()).ok_or("请选择举报或投诉")?;
    let channel = Channel::from_code(i.channel.trim()).ok_or_else(|| {
        format!(
            "渠道“{}”无法识别,应为 {}",
            i.channel.trim(),
            Channel::ALL.iter().map(|c| c.code()).collect::<Vec<_>>().join("、")
        )
    })?;
    let cat = category(i.category.trim()).ok_or("请选择问题类别")?;
    let name = i.reporter_name.trim();
    if name.is_empty() {
        return Err("请填写举报人姓名".into());
    }
    if name.chars().count() > MAX_NAME || has_control(name) {
        return Err(format!("举报人姓名不超过 {MAX_NAME} 个字"));
    }
    let phone: String = i.reporter_phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if phone.is_empty() {
        return Err("请填写联系电话".into());
    }
    if !(7..=15).contains(&phone.len()) || !phone.chars().all(|c| c.is_ascii_digit()) {
        return Err("联系电话应为 7 至 15 位数字".into());
    }
    let subject = i.subject_name.trim();
    if subject.is_empty() {
        return Err("请填写被举报(投诉)对象名称".into());
    }
    if subject.chars().count() > MAX_SUBJECT || has_control(subject) {
        return Err(format!("被举报(投诉)对象名称不超过 {MAX_SUBJECT} 个字"));
    }
    let content = i.content.trim();
    if content.is_empty() {
        return Err("请填写举报(投诉)内容".into());
    }
    if content.chars().count() > MAX_CONTENT {
        return Err(format!("举报(投诉)内容不超过 {MAX_CONTENT} 个字"));
    }
    if has_control(content) {
        return Err("举报(投诉)内容含有无法识别的控制字符".into());
    }
    Ok((kind, channel, cat))
}

/// The phone as stored (digits only).
pub fn normalize_phone(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

// --- rewards (举报人奖励) ------------------------------------------------------------------

/// Reward levels after 《市场监管领域重大违法行为举报奖励暂行办法》第十四条: a share of the
/// fines and confiscations (罚没款) by how much the report contributed, with a ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RewardLevel {
    pub level: u8,
    pub label: &'static str,
    /// Per mille of 罚没款.
    pub per_mille: u32,
    /// Amount when there were no fines (yuan).
    pub flat_yuan: i64,
}

pub const REWARD_LEVELS: &[RewardLevel] = &[
    RewardLevel {
        level: 1, label: "一级(提供被举报方详细违法事实及直接证据)", per_mille: 60, flat_yuan: 2000
    },
    RewardLevel {
        level: 2, label: "二级(提供被举报方违法事实及部分证据)", per_mille: 50, flat_yuan: 1000
    },
    RewardLevel {
        level: 3, label: "三级(提供被举报方违法事实、线索及少量证据)", per_mille: 40, flat_yuan: 500
    },
];

/// Ceiling of one reward (yuan) and the floor (when a share would be smaller).
pub const REWARD_MAX_YUAN: i64 = 1_000_000;
pub const REWARD_MIN_YUAN: i64 = 200;

/// Whether an item may be rewarded: a substantiated report (not a complaint) closed with
/// a case, from a reporter who gave real name and phone.
pub fn reward_eligible(kind: Kind, status: Status, substantiated: bool) -> Result<(), String> {
    if kind != Kind::Report {
        return Err("投诉不适用举报奖励".into());
    }
    if status != Status::Closed || !substantiated {
        return Err("只有经查属实并已办结的举报可以奖励".into());
    }
    Ok(())
}

/// The reward in yuan for a level and the fines and confiscations (yuan).
pub fn reward_amount(level: u8, fines_yuan: i64) -> Result<i64, String> {
    let l = REWARD_LEVELS.iter().find(|l| l.level == level).ok_or("奖励等级应为一级、二级或三级")?;
    if fines_yuan < 0 {
        return Err("罚没款金额不能为负数".into());
    }
    if fines_yuan == 0 {
        return Ok(l.flat_yuan);
    }
    let share = fines_yuan.saturating_mul(l.per_mille as i64) / 1000;
    Ok(share.clamp(REWARD_MIN_YUAN, REWARD_MAX_YUAN))
}

/// Reward workflow: proposed → approved (by someone else) → paid.
pub fn reward_next(status: &str, action: &str) -> Result<&'static str, String> {
    match (status, action) {
        ("proposed", "approve") => Ok("approved"),
        ("proposed", "reject") => Ok("rejected"),
        ("approved", "pay") => Ok("paid"),
        ("paid", _) => Err("奖励已发放".into()),
        ("rejected", _) => Err("奖励已驳回".into()),
        _ => Err("请先审批奖励再发放".into()),
    }
}

// --- joint meeting -------------------------------------------------------------------------

/// The joint meeting's office (消费者权益保护联席会议办公室).
pub const JOINT_OFFICE: &str = "scjgj";

pub fn task_status_label(s: &str) -> &'static str {
    match s {
        "pending" => "待办",
        "in_progress" => "办理中",
        "done" => "已完成",
        _ => "未知",
    }
}

pub fn check_task_status(s: &str) -> Result<(), String> {
    if matches!(s, "pending" | "in_progress" | "done") {
        Ok(())
    } else {
        Err("任务状态应为待办、办理中或已完成".into())
    }
}

// --- data risk warnings ----------------------------------------------------------------------

/// What the rules look at, per entity, over the look-back window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Reports and complaints received about the entity.
    pub complaints: i64,
    /// Of which substantiated.
    pub substantiated: i64,
    /// Credit-record events still in force, by severity: minor, serious, grave.
    pub minor: i64,
    pub serious: i64,
    pub grave: i64,
    /// Inspections whose result reported a problem.
    pub inspection_problems: i64,
    /// Broken credit commitments.
    pub broken_commitments: i64,
    pub class: Option<char>,
}

/// One rule: a threshold on one fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub label: &'static str,
    pub measure: Measure,
    /// At least this many (for `Class`: 1 means class D, 2 means C or D).
    pub threshold: i64,
    /// Contribution to the warning's score.
    pub points: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Complaints,
    Substantiated,
    SeriousCredit,
    GraveCredit,
    InspectionProblems,
    BrokenCommitments,
    Class,
}

/// Look-back window of the rules, in days.
pub const WINDOW_DAYS: i64 = 365;

pub const RULES: &[Rule] = &[
    Rule {
        code: "complaints",
        label: "一年内被举报投诉 3 次以上",
        measure: Measure::Complaints,
        threshold: 3,
        points: 2,
    },
    Rule {
        code: "substantiated",
        label: "一年内举报投诉经查属实",
        measure: Measure::Substantiated,
        threshold: 1,
        points: 3,
    },
    Rule {
        code: "serious_credit",
        label: "存在较重失信记录",
        measure: Measure::SeriousCredit,
        threshold: 1,
        points: 3,
    },
    Rule {
        code: "grave_credit", label: "存在严重失信记录", measure: Measure::GraveCredit, threshold: 1, points: 5
    },
    Rule {
        code: "inspection",
        label: "抽查检查发现问题",
        measure: Measure::InspectionProblems,
        threshold: 1,
        points: 2,
    },
    Rule {
        code: "commitment", label: "违背信用承诺", measure: Measure::BrokenCommitments, threshold: 1, points: 3
    },
    Rule {
        code: "class_d", label: "信用风险分类为 D 类(高风险)", measure: Measure::Class, threshold: 1, points: 3
    },
];

/// A warning is raised at this score or above.
pub const RAISE_AT: i64 = 3;

/// Why a rule fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub label: String,
    pub value: i64,
    pub points: i64,
}

/// Converts a risk class to the single letter facts carry.
pub fn class_letter(c: RiskClass) -> Option<char> {
    match c {
        RiskClass::A => Some('A'),
        RiskClass::B => Some('B'),
        RiskClass::C => Some('C'),
        RiskClass::D => Some('D'),
        RiskClass::Unclassified => None,
    }
}

/// Runs the rules over an entity's facts: the reasons that fired and the total score.
pub fn evaluate(rules: &[Rule], f: &Facts) -> (Vec<Reason>, i64) {
    let mut out = Vec::new();
    for r in rules {
        let value = match r.measure {
            Measure::Complaints => f.complaints,
            Measure::Substantiated => f.substantiated,
            Measure::SeriousCredit => f.serious,
            Measure::GraveCredit => f.grave,
            Measure::InspectionProblems => f.inspection_problems,
            Measure::BrokenCommitments => f.broken_commitments,
            Measure::Class => match f.class {
                Some('D') => 1,
                Some('C') => 2,
                _ => 0,
            },
        };
        let fired = match r.measure {
            Measure::Class => value > 0 && value <= r.threshold,
            _ => value >= r.threshold,
        };
        if fired {
            out.push(Reason { rule: r.code.into(), label: r.label.into(), value, points: r.points });
        }
    }
    let score = out.iter().map(|r| r.points).sum();
    (out, score)
}

/// The warning level for a score: `red` (≥ 8), `orange` (≥ 5), `yellow` (≥ [`RAISE_AT`]).
pub fn level(score: i64) -> Option<&'static str> {
    if score >= 8 {
        Some("red")
    } else if score >= 5 {
        Some("orange")
    } else if score >= RAISE_AT {
        Some("yellow")
    } else {
        None
    }
}

pub fn level_label(l: &str) -> &'static str {
    match l {
        "red" => "红色预警",
        "orange" => "橙色预警",
        _ => "黄色预警",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input() -> Input {
        Input {
            kind: "report".into(),
            channel: "web".into(),
            category: "food".into(),
            reporter_name: "张三".into(),
            reporter_phone: "13800138000".into(),
            subject_uscc: String::new(),
            subject_name: "某餐馆".into(),
            content: "后厨卫生差".into(),
        }
    }

    #[test]
    fn checks_fields_in_chinese() {
        assert!(check(&input()).is_ok());
        let mut i = input();
        i.reporter_name.clear();
        assert_eq!(check(&i).unwrap_err(), "请填写举报人姓名");
        let mut i = input();
        i.reporter_phone = "abc".into();
        assert!(check(&i).unwrap_err().contains("联系电话"));
        let mut i = input();
        i.content = "x".repeat(MAX_CONTENT + 1);
        assert!(check(&i).unwrap_err().contains("不超过"));
        let mut i = input();
        i.channel = "fax".into();
        assert!(check(&i).unwrap_err().contains("渠道"));
        let mut i = input();
        i.content = "<script>alert(1)</script>".into();
        assert!(check(&i).is_ok(), "script text is stored as text and shown escaped");
    }

    #[test]
    fn routing_prefers_supervising_department() {
        let price = category("price").unwrap();
        let all = |_: &str| true;
        assert_eq!(route(price, &[], all), "scjgj");
        assert_eq!(route(price, &["fgw".into()], all), "fgw");
        let other = category("other").unwrap();
        assert_eq!(route(other, &["wjw".into()], all), "wjw");
        assert_eq!(route(other, &[], all), DEFAULT_DEPARTMENT);
        let env = category("environment").unwrap();
        assert_eq!(route(env, &[], |d| d != "sthj"), DEFAULT_DEPARTMENT);
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays() {
        let cal = WorkCalendar::builtin();
        let fri = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let d = due_dates(&cal, Kind::Complaint, fri);
        assert_eq!(d.acknowledge, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(d.decide, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let r = due_dates(&cal, Kind::Report, fri);
        assert!(r.decide > d.decide && r.reply > r.decide);
    }

    #[test]
    fn state_machine() {
        use Status::*;
        assert_eq!(next(Received, Action::Acknowledge), Ok(Acknowledged));
        assert!(next(Received, Action::Accept).is_err());
        assert_eq!(next(Acknowledged, Action::Transfer), Ok(Received));
        assert!(next(Accepted, Action::Transfer).is_err());
        assert_eq!(next(Accepted, Action::Close { substantiated: true }), Ok(Closed));
        assert!(next(Declined, Action::Close { substantiated: true }).is_err());
        assert!(next(Closed, Action::Acknowledge).is_err());
    }

    #[test]
    fn rewards() {
        assert_eq!(reward_amount(1, 100_000), Ok(6_000));
        assert_eq!(reward_amount(3, 1_000), Ok(REWARD_MIN_YUAN));
        assert_eq!(reward_amount(2, 0), Ok(1000));
        assert_eq!(reward_amount(1, i64::MAX), Ok(REWARD_MAX_YUAN));
        assert!(reward_amount(4, 1).is_err());
        assert!(reward_eligible(Kind::Complaint, Status::Closed, true).is_err());
        assert!(reward_eligible(Kind::Report, Status::Closed, false).is_err());
        assert!(reward_eligible(Kind::Report, Status::Closed, true).is_ok());
        assert_eq!(reward_next("proposed", "approve"), Ok("approved"));
        assert!(reward_next("proposed", "pay").is_err());
    }

    #[test]
    fn warning_rules() {
        let quiet = Facts::default();
        assert_eq!(evaluate(RULES, &quiet), (vec![], 0));
        let f = Facts { complaints: 3, substantiated: 1, class: Some('D'), ..Default::default() };
        let (reasons, score) = evaluate(RULES, &f);
        assert_eq!(
            reasons.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(),
            ["complaints", "substantiated", "class_d"]
        );
        assert_eq!(score, 8);
        assert_eq!(level(score), Some("red"));
        assert_eq!(level(2), None);
        let c = Facts { class: Some('C'), ..Default::default() };
        assert!(evaluate(RULES, &c).0.is_empty(), "class C alone is not class D");
    }

    proptest! {
        #[test]
        fn score_is_sum_of_reasons_and_monotone(c in 0i64..10, s in 0i64..5, g in 0i64..3, i in 0i64..4, b in 0i64..3) {
            let f = Facts { complaints: c, substantiated: s, grave: g, inspection_problems: i, broken_commitments: b, ..Default::default() };
            let (r, score) = evaluate(RULES, &f);
            prop_assert_eq!(score, r.iter().map(|x| x.points).sum::<i64>());
            let more = Facts { complaints: c + 1, ..f.clone() };
            prop_assert!(evaluate(RULES, &more).1 >= score);
        }

        #[test]
        fn reward_within_bounds(level in 1u8..=3, fines in 0i64..100_000_000) {
            let a = reward_amount(level, fines).unwrap();
            prop_assert!((REWARD_MIN_YUAN..=REWARD_MAX_YUAN).contains(&a));
        }

        #[test]
        fn deadlines_ordered(days in 0i64..2000) {
            let cal = WorkCalendar::builtin();
            let d0 = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Duration::days(days);
            for k in Kind::ALL {
                let d = due_dates(&cal, k, d0);
                prop_assert!(d0 < d.acknowledge && d.acknowledge <= d.decide && d.decide < d.reply);
                prop_assert!(cal.is_working_day(d.acknowledge));
            }
        }
    }
}
