//! Enforcement (附件1 六; 附件2 四(三), 六): the national data fields of inspection,
//! penalty and coercive-measure records (行政检查、行政处罚、行政强制) and their checks;
//! discretion benchmarks ([`benchmark`]); graded responses ([`response`]); the "major
//! decision" criteria for legal review (法制审核); the publicity deadline (执法公示) and
//! publication period; accountability checklists ([`accountability`]).
//!
//! Money is integer fen (分) throughout. Fines are recorded for 收支两条线 reporting only:
//! nothing here orders units or people by fines.

pub mod accountability;
pub mod benchmark;
pub mod response;

use crate::calendar::WorkCalendar;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Most text of a record field.
pub const MAX_TEXT: usize = 4000;
/// At least two officers per inspection or decision (行政处罚法 2021 第42条).
pub const MIN_OFFICERS: usize = 2;
/// Working days after the decision within which a penalty is published (国办发〔2018〕118号).
pub const PUBLICITY_WORKING_DAYS: i64 = 7;

/// What kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Inspection,
    Penalty,
    CoerciveMeasure,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [Self::Inspection, Self::Penalty, Self::CoerciveMeasure];
    pub fn code(self) -> &'static str {
        match self {
            Self::Inspection => "inspection",
            Self::Penalty => "penalty",
            Self::CoerciveMeasure => "coercive_measure",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Inspection => "行政检查",
            Self::Penalty => "行政处罚",
            Self::CoerciveMeasure => "行政强制",
        }
    }
}

/// A code/label pair of a closed vocabulary.
pub type Term = (&'static str, &'static str);

pub fn label_of(list: &[Term], code: &str) -> Option<&'static str> {
    list.iter().find(|t| t.0 == code).map(|t| t.1)
}

/// 检查形式.
pub const INSPECTION_FORMS: &[Term] = &[
    ("random", "双随机抽查"),
    ("key", "重点检查"),
    ("directed", "定向检查"),
    ("complaint", "投诉举报核查"),
    ("routine", "日常检查"),
    ("special", "专项检查"),
];
/// 检查类型.
pub const INSPECTION_TYPES: &[Term] =
    &[("onsite", "现场检查"), ("document", "书面检查"), ("online", "网络监测"), ("sampling", "抽样检验")];
/// 检查方式.
pub const INSPECTION_METHODS: &[Term] =
    &[("solo", "单部门检查"), ("joint", "部门联合检查"), ("entrusted", "委托第三方检查")];
/// 检查结果.
pub const INSPECTION_RESULTS: &[Term] = &[
    ("no_problem", "未发现问题"),
    ("rectified", "发现问题已责令改正"),
    ("not_found", "未发现经营场所"),
    ("case_opened", "发现违法行为已立案"),
    ("transferred", "已移送其他部门处理"),
];
/// 案件来源.
pub const CASE_SOURCES: &[Term] = &[
    ("inspection", "监督检查发现"),
    ("report", "投诉举报"),
    ("transfer", "其他部门移送"),
    ("superior", "上级交办"),
    ("monitoring", "监测发现"),
];
/// 行政强制措施种类 (行政强制法 第9条).
pub const COERCIVE_KINDS: &[Term] = &[
    ("seal", "查封场所、设施或者财物"),
    ("seize", "扣押财物"),
    ("freeze", "冻结存款、汇款"),
    ("other", "其他行政强制措施"),
];
/// 复议/诉讼 state of a decision.
pub const REMEDIES: &[Term] = &[
    ("none", "未申请复议或诉讼"),
    ("reconsideration", "已申请行政复议"),
    ("litigation", "已提起行政诉讼"),
    ("upheld", "复议/诉讼维持"),
    ("revoked", "复议/诉讼撤销"),
];

/// 处罚种类 (行政处罚法 2021 第9条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyKind {
    Warning,
    Criticism,
    Fine,
    ConfiscateGains,
    ConfiscateProperty,
    SuspendLicence,
    LowerQualification,
    RevokeLicence,
    RestrictBusiness,
    SuspendBusiness,
    Close,
    RestrictPractice,
}

impl PenaltyKind {
    pub const ALL: [PenaltyKind; 12] = [
        Self::Warning,
        Self::Criticism,
        Self::Fine,
        Self::ConfiscateGains,
        Self::ConfiscateProperty,
        Self::SuspendLicence,
        Self::LowerQualification,
        Self::RevokeLicence,
        Self::RestrictBusiness,
        Self::SuspendBusiness,
        Self::Close,
        Self::RestrictPractice,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Criticism => "criticism",
            Self::Fine => "fine",
            Self::ConfiscateGains => "confiscate_gains",
            Self::ConfiscateProperty => "confiscate_property",
            Self::SuspendLicence => "suspend_licence",
            Self::LowerQualification => "lower_qualification",
            Self::RevokeLicence => "revoke_licence",
            Self::RestrictBusiness => "restrict_business",
            Self::SuspendBusiness => "suspend_business",
            Self::Close => "close",
            Self::RestrictPractice => "restrict_practice",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Warning => "警告",
            Self::Criticism => "通报批评",
            Self::Fine => "罚款",
            Self::ConfiscateGains => "没收违法所得",
            Self::ConfiscateProperty => "没收非法财物",
            Self::SuspendLicence => "暂扣许可证件",
            Self::LowerQualification => "降低资质等级",
            Self::RevokeLicence => "吊销许可证件",
            Self::RestrictBusiness => "限制开展生产经营活动",
            Self::SuspendBusiness => "责令停产停业",
            Self::Close => "责令关闭",
            Self::RestrictPractice => "限制从业",
        }
    }
    /// Kinds that make a penalty grave for publication (the longer period).
    pub fn is_grave(self) -> bool {
        matches!(self, Self::RevokeLicence | Self::SuspendBusiness | Self::Close | Self::RestrictPractice)
    }
    /// Parses a comma-separated list of codes, sorted and without duplicates.
    pub fn parse_list(s: &str) -> Result<Vec<PenaltyKind>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(PenaltyKind::from_code(part).ok_or_else(|| format!("处罚种类“{part}”无法识别"))?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
    pub fn list_code(kinds: &[PenaltyKind]) -> String {
        kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
    }
    pub fn list_label(kinds: &[PenaltyKind]) -> String {
        kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
    }
}

/// An officer taking part, with the enforcement certificate number (执法证号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub certificate_no: String,
}

/// Parses officers written one per line or separated by `;`, as `姓名 证号` or `姓名:证号`.
pub fn parse_officers(s: &str) -> Result<Vec<Officer>, String> {
    let mut out = Vec::new();
    for part in s.split(['\n', ';', '\u{FF1B}']).map(str::trim).filter(|p| !p.is_empty()) {
        let (name, cert) = part
            .split_once([' ', ':', '\u{FF1A}', ',', '\u{FF0C}', '\u{3000}'])
            .map(|(a, b)| (a.trim(), b.trim()))
            .ok_or_else(|| format!("执法人员“{part}”缺少执法证号(格式:姓名 执法证号)"))?;
        out.push(Officer { name: name.to_string(), certificate_no: cert.to_string() });
    }
    Ok(out)
}

/// Checks officers: at least two, each named with a certificate number, no one twice.
pub fn check_officers(officers: &[Officer]) -> Result<(), String> {
    if officers.len() < MIN_OFFICERS {
        return Err(format!("执法人员不得少于 {MIN_OFFICERS} 人(行政处罚法第四十二条)"));
    }
    for o in officers {
        if o.name.trim().is_empty() || o.name.chars().count() > 50 {
            return Err("执法人员姓名不能为空且不超过 50 字".into());
        }
        let c = o.certificate_no.trim();
        if c.is_empty() || c.chars().count() > 40 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
            return Err(format!("执法人员“{}”的执法证号无效(应为字母、数字或连字符)", o.name));
        }
    }
    let mut certs: Vec<&str> = officers.iter().map(|o| o.certificate_no.trim()).collect();
    certs.sort();
    certs.dedup();
    if certs.len() != officers.len() {
        return Err("同一执法证号出现了两次".into());
    }
    Ok(())
}

fn need(label: &str, s: &str, max: usize) -> Result<(), String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{label}不能为空"));
    }
    if t.chars().count() > max {
        return Err(format!("{label}不能超过 {max} 字"));
    }
    Ok(())
}

fn term(label: &str, list: &[Term], code: &str) -> Result<(), String> {
    label_of(list, code).map(|_| ()).ok_or_else(|| format!("请选择{label}"))
}

/// 监管事项目录编码: letters, digits, `-` and `.`, 4 to 64 characters.
pub fn check_item_code(s: &str) -> Result<(), String> {
    let t = s.trim();
    if t.len() < 4 || t.len() > 64 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return Err("监管事项目录编码无效(4–64 位字母、数字、连字符或点)".into());
    }
    Ok(())
}

/// The fields every record shares (national data standard for 行政执法 records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonFields {
    /// 监管事项目录编码.
    pub item_code: String,
    /// 检查行为编号 / 案件编号.
    pub action_no: String,
    /// 实施机构.
    pub implementing_body: String,
    /// 行政相对人 (the entity's registered name, or a natural person).
    pub subject_name: String,
    /// The subject is a natural person (masked on the public side).
    pub subject_is_person: bool,
    pub officers: Vec<Officer>,
    /// When it happened (检查日期 / 立案日期 / 采取措施日期).
    pub occurred_on: NaiveDate,
}

pub fn check_common(c: &CommonFields, today: NaiveDate) -> Result<(), String> {
    check_item_code(&c.item_code)?;
    need("检查行为编号", &c.action_no, 64)?;
    need("实施机构", &c.implementing_body, 100)?;
    need("行政相对人", &c.subject_name, 200)?;
    if c.occurred_on > today {
        return Err("日期不能晚于今天".into());
    }
    check_officers(&c.officers)
}

/// An inspection record (行政检查).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFields {
    pub form: String,
    pub kind: String,
    pub method: String,
    pub result: String,
    pub result_note: String,
}

pub fn check_inspection(i: &InspectionFields) -> Result<(), String> {
    term("检查形式", INSPECTION_FORMS, &i.form)?;
    term("检查类型", INSPECTION_TYPES, &i.kind)?;
    term("检查方式", INSPECTION_METHODS, &i.method)?;
    term("检查结果", INSPECTION_RESULTS, &i.result)?;
    if i.result_note.chars().count() > MAX_TEXT {
        return Err(format!("检查情况说明不能超过 {MAX_TEXT} 字"));
    }
    Ok(())
}

/// A penalty record's own fields (行政处罚).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyFields {
    pub case_source: String,
    /// 违法行为类型: the benchmark's violation code.
    pub violation_code: String,
    pub circumstance: benchmark::Circumstance,
    /// 违法事实.
    pub facts: String,
    /// 处罚依据.
    pub legal_basis: String,
    pub kinds: Vec<PenaltyKind>,
    /// 罚款金额 in fen.
    pub fine_fen: i64,
    /// 没收违法所得 in fen.
    pub confiscated_fen: i64,
    /// 决定书文号.
    pub decision_no: String,
    pub collective_discussion: bool,
    pub hearing_held: bool,
    /// A code of [`REMEDIES`].
    pub remedy: String,
}

pub fn check_penalty(p: &PenaltyFields) -> Result<(), String> {
    term("案件来源", CASE_SOURCES, &p.case_source)?;
    need("违法行为类型", &p.violation_code, 64)?;
    need("违法事实", &p.facts, MAX_TEXT)?;
    need("处罚依据", &p.legal_basis, 1000)?;
    need("处罚决定书文号", &p.decision_no, 100)?;
    term("复议/诉讼情况", REMEDIES, &p.remedy)?;
    if p.kinds.is_empty() {
        return Err("请至少选择一种处罚种类".into());
    }
    if p.fine_fen < 0 || p.confiscated_fen < 0 {
        return Err("金额不能为负数".into());
    }
    let fines = p.kinds.contains(&PenaltyKind::Fine);
    if fines && p.fine_fen == 0 {
        return Err("处罚种类含罚款,请填写罚款金额".into());
    }
    if !fines && p.fine_fen > 0 {
        return Err("填写了罚款金额,但处罚种类不含罚款".into());
    }
    if p.kinds.contains(&PenaltyKind::ConfiscateGains) != (p.confiscated_fen > 0) {
        return Err("没收违法所得的金额与处罚种类不一致".into());
    }
    Ok(())
}

/// A coercive measure's own fields (行政强制).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoerciveFields {
    pub kind: String,
    pub legal_basis: String,
    pub reason: String,
    pub objects: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// 查封、扣押 last at most 30 days, extendable once by 30 (行政强制法 第25条).
pub const COERCIVE_MAX_DAYS: i64 = 60;

pub fn check_coercive(c: &CoerciveFields) -> Result<(), String> {
    term("强制措施种类", COERCIVE_KINDS, &c.kind)?;
    need("强制措施依据", &c.legal_basis, 1000)?;
    need("采取措施的理由", &c.reason, MAX_TEXT)?;
    need("涉及的场所、设施或财物", &c.objects, MAX_TEXT)?;
    if c.end_on < c.start_on {
        return Err("强制措施的截止日期不能早于开始日期".into());
    }
    if (c.end_on - c.start_on).num_days() > COERCIVE_MAX_DAYS {
        return Err(format!("强制措施期限不能超过 {COERCIVE_MAX_DAYS} 日(行政强制法第二十五条)"));
    }
    Ok(())
}

/// The "major decision" criteria (重大执法决定法制审核): configuration, not code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MajorCriteria {
    /// A fine (plus confiscation) of at least this many fen is major.
    pub fine_threshold_fen: i64,
    /// Revoking a licence is major.
    pub revocation: bool,
    /// Ordering a suspension or closure is major.
    pub suspension: bool,
    /// A decision after a hearing is major.
    pub hearing_held: bool,
    /// A decision the leaders discussed collectively is major.
    pub collective_discussion: bool,
}

impl Default for MajorCriteria {
    fn default() -> Self {
        MajorCriteria {
            fine_threshold_fen: 10_000_000, // 10 万元
            revocation: true,
            suspension: true,
            hearing_held: true,
            collective_discussion: true,
        }
    }
}

/// Why a penalty is a major decision (empty: it is not).
pub fn major_reasons(p: &PenaltyFields, c: &MajorCriteria) -> Vec<String> {
    let mut out = Vec::new();
    let amount = p.fine_fen.saturating_add(p.confiscated_fen);
    if c.fine_threshold_fen > 0 && amount >= c.fine_threshold_fen {
        out.push(format!("罚没金额 {} 达到 {} 的重大标准", yuan(amount), yuan(c.fine_threshold_fen)));
    }
    if c.revocation && p.kinds.contains(&PenaltyKind::RevokeLicence) {
        out.push("吊销许可证件".into());
    }
    if c.suspension && (p.kinds.contains(&PenaltyKind::SuspendBusiness) || p.kinds.contains(&PenaltyKind::Close)) {
        out.push("责令停产停业或关闭".into());
    }
    if c.hearing_held && p.hearing_held {
        out.push("经过听证".into());
    }
    if c.collective_discussion && p.collective_discussion {
        out.push("经集体讨论".into());
    }
    out
}

/// Fen as `1,234.50 元`.
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let f = fen.unsigned_abs();
    let int = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{grouped}.{:02} 元", if neg { "-" } else { "" }, f % 100)
}

/// Parses yuan as written in a form (`1234`, `1,234.5`, `1234.56`) into fen.
pub fn parse_yuan(s: &str) -> Result<i64, String> {
    let t: String = s.trim().chars().filter(|c| *c != ',' && *c != '\u{FF0C}').collect();
    let t = t.trim_end_matches('元').trim();
    if t.is_empty() {
        return Ok(0);
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || int.len() > 13
    {
        return Err(format!("金额“{s}”无效(以元为单位,最多两位小数)"));
    }
    let i: i64 = int.parse().map_err(|_| format!("金额“{s}”无效"))?;
    let f: i64 =
        if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| format!("金额“{s}”无效"))? };
    Ok(i * 100 + f)
}

/// The last day to publish a decision: 7 working days after it.
pub fn publicity_due(cal: &WorkCalendar, decided_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(decided_on, PUBLICITY_WORKING_DAYS)
}

/// Minimum publication periods, in months: ordinary and grave penalties (data, not code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicationPeriods {
    pub ordinary_months: u32,
    pub grave_months: u32,
}

impl Default for PublicationPeriods {
    fn default() -> Self {
        PublicationPeriods { ordinary_months: 3, grave_months: 12 }
    }
}

/// Is a penalty grave for publication: a grave kind, or a major decision.
pub fn is_grave(p: &PenaltyFields, major: bool) -> bool {
    major || p.kinds.iter().any(|k| k.is_grave())
}

/// The last day of the minimum publication period.
pub fn public_until(decided_on: NaiveDate, grave: bool, periods: &PublicationPeriods) -> NaiveDate {
    let m = if grave { periods.grave_months } else { periods.ordinary_months };
    decided_on.checked_add_months(Months::new(m)).unwrap_or(decided_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use benchmark::Circumstance;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn penalty() -> PenaltyFields {
        PenaltyFields {
            case_source: "inspection".into(),
            violation_code: "FOOD-001".into(),
            circumstance: Circumstance::General,
            facts: "经营超过保质期的食品".into(),
            legal_basis: "《中华人民共和国食品安全法》第一百二十四条".into(),
            kinds: vec![PenaltyKind::Warning, PenaltyKind::Fine],
            fine_fen: 500_000,
            confiscated_fen: 0,
            decision_no: "津南市监罚〔2026〕1号".into(),
            collective_discussion: false,
            hearing_held: false,
            remedy: "none".into(),
        }
    }

    #[test]
    fn penalty_needs_legal_basis_and_consistent_amounts() {
        assert!(check_penalty(&penalty()).is_ok());
        let mut p = penalty();
        p.legal_basis = "  ".into();
        assert_eq!(check_penalty(&p).unwrap_err(), "处罚依据不能为空");
        let mut p = penalty();
        p.fine_fen = 0;
        assert!(check_penalty(&p).unwrap_err().contains("罚款金额"));
        let mut p = penalty();
        p.kinds = vec![PenaltyKind::Warning];
        assert!(check_penalty(&p).unwrap_err().contains("不含罚款"));
    }

    #[test]
    fn officers_two_with_certificates() {
        let o = parse_officers("张三 1201040001\n李四:1201040002").unwrap();
        assert!(check_officers(&o).is_ok());
        assert!(check_officers(&o[..1]).unwrap_err().contains("不得少于 2 人"));
        assert!(parse_officers("张三").unwrap_err().contains("缺少执法证号"));
        let dup = parse_officers("张三 X1;李四 X1").unwrap();
        assert!(check_officers(&dup).is_err());
    }

    #[test]
    fn major_criteria_are_configurable() {
        let c = MajorCriteria::default();
        assert!(major_reasons(&penalty(), &c).is_empty());
        let mut p = penalty();
        p.fine_fen = 10_000_000;
        assert_eq!(major_reasons(&p, &c).len(), 1);
        p.hearing_held = true;
        assert_eq!(major_reasons(&p, &c).len(), 2);
        let off = MajorCriteria {
            fine_threshold_fen: 0,
            revocation: false,
            suspension: false,
            hearing_held: false,
            collective_discussion: false,
        };
        assert!(major_reasons(&p, &off).is_empty());
    }

    #[test]
    fn publicity_and_publication_period() {
        let cal = WorkCalendar::builtin();
        // Friday 2024-09-27 + 7 working days crosses the National Day holiday.
        let due = publicity_due(&cal, d(2024, 9, 27));
        assert!(due > d(2024, 10, 7));
        assert_eq!(public_until(d(2026, 1, 31), false, &PublicationPeriods::default()), d(2026, 4, 30));
        assert_eq!(public_until(d(2026, 1, 31), true, &PublicationPeriods::default()), d(2027, 1, 31));
    }

    #[test]
    fn yuan_round_trip() {
        assert_eq!(parse_yuan("1,234.5").unwrap(), 123_450);
        assert_eq!(yuan(123_450), "1,234.50 元");
        assert!(parse_yuan("-3").is_err());
        assert!(parse_yuan("1.234").is_err());
    }

    proptest! {
        #[test]
        fn yuan_parse_inverts_format(f in 0i64..1_000_000_000_000) {
            let s = yuan(f);
            prop_assert_eq!(parse_yuan(&s).unwrap(), f);
        }

        #[test]
        fn publicity_due_is_after_decision(days in 0i64..2000) {
            let cal = WorkCalendar::builtin();
            let dd = d(2021, 1, 1) + chrono::Duration::days(days);
            let due = publicity_due(&cal, dd);
            prop_assert!(due > dd);
            prop_assert!((due - dd).num_days() >= PUBLICITY_WORKING_DAYS);
        }
    }
}
