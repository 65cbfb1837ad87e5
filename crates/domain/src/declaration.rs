//! Enterprise self-declarations (附件2 第3、9项): standards self-declared and made public
//! (企业标准自我声明公开), service-quality commitments (服务质量公开承诺), and the
//! annual-report status (年报公示: the report for year Y is due 1 January – 30 June of
//! Y+1; entities past the window without a report are flagged).
//!
//! Market entities have no accounts. An entity submits on the public site with an
//! application code (申报码) that a department issued to it: one-time, bound to the
//! entity's uscc and to one purpose, stored only as a hash, valid for a limited time,
//! and guarded by a failure limit. Staff may also enter a declaration on the entity's
//! behalf (代录), which is recorded as such.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an entity declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationKind {
    /// 企业标准自我声明公开: the standard a product or service is made to.
    Standard,
    /// 服务质量公开承诺.
    ServiceCommitment,
}

impl DeclarationKind {
    pub const ALL: [DeclarationKind; 2] = [DeclarationKind::Standard, DeclarationKind::ServiceCommitment];

    pub fn code(self) -> &'static str {
        match self {
            DeclarationKind::Standard => "standard",
            DeclarationKind::ServiceCommitment => "service",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeclarationKind::Standard => "企业标准自我声明公开",
            DeclarationKind::ServiceCommitment => "服务质量公开承诺",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A declaration as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationInput {
    pub kind: DeclarationKind,
    /// Product or service concerned.
    pub subject: String,
    /// The standard's number (`Q/NK 0001S-2024`, `T/…`, `GB/T …`); empty for commitments.
    pub standard_no: String,
    /// The standard's or commitment's title.
    pub title: String,
    /// The declared content: key indicators, or the commitment's terms.
    pub content: String,
}

pub const MAX_CONTENT: usize = 20_000;

/// Number prefixes of Chinese standards accepted in a self-declaration.
const STANDARD_PREFIXES: &[&str] = &["Q/", "T/", "GB", "DB", "SB/T", "QB/T", "HG/T", "JB/T", "YY", "SN/T", "NY/T"];

/// Checks a standard number: a known prefix, a digit, no control characters, ≤ 64.
pub fn valid_standard_no(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars().count() <= 64
        && STANDARD_PREFIXES.iter().any(|p| s.to_ascii_uppercase().starts_with(p))
        && s.chars().any(|c| c.is_ascii_digit())
        && !s.chars().any(char::is_control)
}

pub fn check_declaration(d: &DeclarationInput) -> Result<(), String> {
    let subject = d.subject.trim();
    if subject.is_empty() || subject.chars().count() > 200 {
        return Err("产品或服务名称不能为空,最长200字".into());
    }
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("标准名称或承诺事项不能为空,最长200字".into());
    }
    match d.kind {
        DeclarationKind::Standard if !valid_standard_no(&d.standard_no) => {
            return Err(format!(
                "标准编号“{}”不正确:应以 Q/、T/、GB、DB 或行业标准代号开头并含编号,最长64位",
                d.standard_no.trim()
            ))
        }
        DeclarationKind::ServiceCommitment
            if !d.standard_no.trim().is_empty() && !valid_standard_no(&d.standard_no) =>
        {
            return Err(format!("标准编号“{}”不正确", d.standard_no.trim()))
        }
        _ => {}
    }
    let content = d.content.trim();
    if content.is_empty() {
        return Err("声明内容不能为空".into());
    }
    let n = content.chars().count();
    if n > MAX_CONTENT {
        return Err(format!("声明内容过长:{n} 字,上限 {MAX_CONTENT} 字"));
    }
    Ok(())
}

/// The annual-report window for report year `year`: 1 January – 30 June of `year + 1`.
pub fn annual_window(year: i32) -> (NaiveDate, NaiveDate) {
    (NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("date"), NaiveDate::from_ymd_opt(year + 1, 6, 30).expect("date"))
}

/// The latest report year whose window has closed on `today` (entities without that
/// year's report are overdue).
pub fn last_closed_year(today: NaiveDate) -> i32 {
    let (_, end) = annual_window(today.year() - 1);
    if today > end {
        today.year() - 1
    } else {
        today.year() - 2
    }
}

/// The report year whose window is open on `today`, if any.
pub fn open_year(today: NaiveDate) -> Option<i32> {
    let (start, end) = annual_window(today.year() - 1);
    (today >= start && today <= end).then_some(today.year() - 1)
}

/// An entity's annual report for one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Registered after the year ended: no report due for it.
    NotDue,
    /// The window is open and nothing is filed yet.
    Pending,
    /// Filed within the window.
    OnTime,
    /// Filed after 30 June (补报).
    Late,
    /// The window closed without a report.
    Overdue,
}

impl ReportState {
    pub fn of(year: i32, registered_on: Option<NaiveDate>, filed_on: Option<NaiveDate>, today: NaiveDate) -> Self {
        let (start, end) = annual_window(year);
        if registered_on.is_some_and(|r| r.year() > year) {
            return ReportState::NotDue;
        }
        match filed_on {
            Some(f) if f <= end => ReportState::OnTime,
            Some(_) => ReportState::Late,
            None if today > end => ReportState::Overdue,
            None if today >= start => ReportState::Pending,
            None => ReportState::NotDue,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ReportState::NotDue => "not_due",
            ReportState::Pending => "pending",
            ReportState::OnTime => "on_time",
            ReportState::Late => "late",
            ReportState::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportState::NotDue => "无需报送",
            ReportState::Pending => "报送期内,尚未报送",
            ReportState::OnTime => "已按时报送",
            ReportState::Late => "逾期补报",
            ReportState::Overdue => "逾期未报",
        }
    }
}

/// Checks a reported filing date against its report year.
pub fn check_filing(year: i32, filed_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
    let (start, _) = annual_window(year);
    if !(2000..=2100).contains(&year) {
        return Err(format!("年报年度 {year} 不正确"));
    }
    if filed_on < start {
        return Err(format!("{year} 年度年报最早于 {start} 报送,报送日期 {filed_on} 不正确"));
    }
    if filed_on > today {
        return Err(format!("报送日期 {filed_on} 晚于今天"));
    }
    Ok(())
}

/// What an application code may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    Declaration,
    SafetyReport,
}

impl CodePurpose {
    pub fn code(self) -> &'static str {
        match self {
            CodePurpose::Declaration => "declaration",
            CodePurpose::SafetyReport => "safety_report",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CodePurpose::Declaration => "自我声明",
            CodePurpose::SafetyReport => "安全生产风险报告",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [CodePurpose::Declaration, CodePurpose::SafetyReport].into_iter().find(|p| p.code() == s)
    }
}

/// Letters of an application code: no 0/O, 1/I/L look-alikes.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters of an application code (≈ 64 bits with 31 symbols, minus nothing guessable
/// within the failure limit).
pub const CODE_LEN: usize = 13;
/// Days an application code stays valid.
pub const CODE_VALID_DAYS: i64 = 30;
/// Failures allowed per address, and per entity, within [`FAILURE_WINDOW_MINUTES`].
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Turns random bytes into a code of [`CODE_LEN`] symbols (rejection sampling, so every
/// symbol is uniform). Returns `None` if the bytes ran out (ask for more).
pub fn code_from_random(bytes: &[u8]) -> Option<String> {
    let n = CODE_ALPHABET.len() as u16;
    // The largest multiple of n not above 256: bytes at or past it are skipped.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(CODE_LEN);
    for b in bytes {
        if (*b as u16) < limit {
            out.push(CODE_ALPHABET[(*b as u16 % n) as usize] as char);
            if out.len() == CODE_LEN {
                return Some(out);
            }
        }
    }
    None
}

/// Shows a code in groups for reading aloud: `ABCD-EFGH-JKMN-P`.
pub fn display_code(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// Normalises what a person typed: case, spaces and dashes do not matter.
pub fn normalize_code(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

/// The stored form of a code: bound to its purpose and entity, so a code leaked from
/// one entity's letter is useless for any other.
pub fn code_hash(purpose: CodePurpose, uscc: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"jianguan/application-code/1\0");
    h.update(purpose.code().as_bytes());
    h.update(b"\0");
    h.update(uscc.trim().to_ascii_uppercase().as_bytes());
    h.update(b"\0");
    h.update(normalize_code(code).as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn annual_report_windows() {
        assert_eq!(annual_window(2025), (d(2026, 1, 1), d(2026, 6, 30)));
        assert_eq!(last_closed_year(d(2026, 6, 30)), 2024);
        assert_eq!(last_closed_year(d(2026, 7, 1)), 2025);
        assert_eq!(open_year(d(2026, 3, 1)), Some(2025));
        assert_eq!(open_year(d(2026, 7, 1)), None);
    }

    #[test]
    fn report_states() {
        let reg = Some(d(2020, 5, 1));
        assert_eq!(ReportState::of(2025, reg, Some(d(2026, 6, 30)), d(2026, 8, 1)), ReportState::OnTime);
        assert_eq!(ReportState::of(2025, reg, Some(d(2026, 7, 1)), d(2026, 8, 1)), ReportState::Late);
        assert_eq!(ReportState::of(2025, reg, None, d(2026, 7, 1)), ReportState::Overdue);
        assert_eq!(ReportState::of(2025, reg, None, d(2026, 6, 30)), ReportState::Pending);
        assert_eq!(ReportState::of(2025, reg, None, d(2025, 12, 31)), ReportState::NotDue);
        assert_eq!(ReportState::of(2025, Some(d(2026, 2, 1)), None, d(2026, 8, 1)), ReportState::NotDue);
        assert_eq!(ReportState::of(2025, None, None, d(2026, 8, 1)), ReportState::Overdue);
    }

    #[test]
    fn filings_inside_plausible_dates() {
        assert!(check_filing(2025, d(2026, 3, 1), d(2026, 4, 1)).is_ok());
        assert!(check_filing(2025, d(2025, 12, 31), d(2026, 4, 1)).unwrap_err().contains("最早"));
        assert!(check_filing(2025, d(2026, 5, 1), d(2026, 4, 1)).unwrap_err().contains("晚于今天"));
    }

    #[test]
    fn declarations() {
        let ok = DeclarationInput {
            kind: DeclarationKind::Standard,
            subject: "速冻水饺".into(),
            standard_no: "Q/NKSP 0001S-2025".into(),
            title: "速冻水饺企业标准".into(),
            content: "菌落总数 ≤ 10000 CFU/g".into(),
        };
        assert!(check_declaration(&ok).is_ok());
        assert!(check_declaration(&DeclarationInput { standard_no: "ABC".into(), ..ok.clone() }).is_err());
        assert!(check_declaration(&DeclarationInput { content: "  ".into(), ..ok.clone() })
            .unwrap_err()
            .contains("不能为空"));
        assert!(check_declaration(&DeclarationInput { content: "x".repeat(MAX_CONTENT + 1), ..ok.clone() })
            .unwrap_err()
            .contains("过长"));
        let service = DeclarationInput { kind: DeclarationKind::ServiceCommitment, standard_no: String::new(), ..ok };
        assert!(check_declaration(&service).is_ok());
        assert!(valid_standard_no("GB/T 19001-2016") && valid_standard_no("t/cfla 001-2023"));
    }

    #[test]
    fn codes() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let c = code_from_random(&bytes).unwrap();
        assert_eq!(c.len(), CODE_LEN);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert!(code_from_random(&[255, 255, 255]).is_none());
        assert_eq!(display_code("ABCDEFGHJKMNP"), "ABCD-EFGH-JKMN-P");
        assert_eq!(normalize_code(" abcd-efgh jkmn-p "), "ABCDEFGHJKMNP");
        let h = code_hash(CodePurpose::Declaration, "91120104MA05XXXX0X", "abcd-efgh-jkmn-p");
        assert_eq!(h, code_hash(CodePurpose::Declaration, "91120104ma05xxxx0x", "ABCDEFGHJKMNP"));
        assert_ne!(h, code_hash(CodePurpose::SafetyReport, "91120104MA05XXXX0X", "ABCDEFGHJKMNP"));
        assert_ne!(h, code_hash(CodePurpose::Declaration, "91120104MA05XXXX1X", "ABCDEFGHJKMNP"));
    }
}
