//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! A code has 18 characters from [`CHARSET`]:
//!
//! | positions | content |
//! | --- | --- |
//! | 1 | registration authority (登记管理部门代码), see [`RegistrationAuthority`] |
//! | 2 | entity type within that authority (机构类别代码), see [`EntityType`] |
//! | 3–8 | division of the registering office (登记管理机关行政区划码, GB/T 2260) |
//! | 9–17 | organisation code (主体标识码/组织机构代码, GB 11714) with its own check character |
//! | 18 | check character: weights `3^(i-1) mod 31`, check = `(31 − Σ mod 31) mod 31` |
//!
//! [`Uscc::parse`] accepts only codes that pass both checks. Some codes issued around
//! 2015–2016 fail a check and are still in use; [`Uscc::parse_lenient`] accepts those
//! but always returns a [`UsccWarning`], so that the caller records the code as legacy
//! instead of accepting it silently.
//!
//! [`demo`] generates a deterministic registry of demonstration entities.

pub mod demo;

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of a unified social credit code, in characters.
pub const USCC_LEN: usize = 18;

/// The 31 characters a code may contain, in check-value order (`'0'` is 0, `'Y'` is 30).
/// The letters I, O, Z, S and V are never used.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Division code of Nankai District, Tianjin (天津市南开区) in GB/T 2260.
pub const NANKAI_DIVISION: &str = "120104";

const CHARSET_BYTES: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: `3^(i-1) mod 31`.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// GB 11714 weights of the eight body characters of an organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

const INVALID: u8 = u8::MAX;

/// Check value of each ASCII byte, or [`INVALID`] for bytes outside [`CHARSET`].
const CHAR_VALUES: [u8; 128] = {
    let mut table = [INVALID; 128];
    let mut i = 0;
    while i < CHARSET_BYTES.len() {
        table[CHARSET_BYTES[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Check value of a [`CHARSET`] character.
fn char_value(c: char) -> Option<u32> {
    if !c.is_ascii() {
        return None;
    }
    match CHAR_VALUES[c as usize] {
        INVALID => None,
        v => Some(u32::from(v)),
    }
}

/// GB 11714 value of an organisation-code character: `0`–`9`, then `A`=10 … `Z`=35.
fn org_char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' | 'A'..='Z' => c.to_digit(36),
        _ => None,
    }
}

/// Check character over 17 characters already known to be in [`CHARSET`].
fn check_char_of(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&b, w)| u32::from(CHAR_VALUES[usize::from(b)]) * w).sum();
    char::from(CHARSET_BYTES[((31 - sum % 31) % 31) as usize])
}

/// GB 11714 check character of an eight-byte organisation-code body, or `None` if a
/// byte is outside `0`–`9`, `A`–`Z`.
fn org_check_of(body: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (&b, w) in body.iter().zip(ORG_WEIGHTS) {
        sum += org_char_value(char::from(b))? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        // 1..=9: a single decimal digit.
        d => char::from(b'0' + d as u8),
    })
}

/// Computes the check character (position 18) of a code from its first 17 characters.
///
/// Returns `None` unless `first17` is exactly 17 characters from [`CHARSET`]
/// (upper case, no surrounding whitespace).
pub fn compute_check_char(first17: &str) -> Option<char> {
    let valid = first17.len() == WEIGHTS.len() && first17.chars().all(|c| char_value(c).is_some());
    valid.then(|| check_char_of(first17.as_bytes()))
}

/// Computes the GB 11714 check character of an organisation code from its eight body
/// characters: `C9 = 11 − (Σ mod 11)`, where 10 is written `X` and 11 is written `0`.
///
/// Returns `None` unless `first8` is exactly eight characters from `0`–`9`, `A`–`Z`.
pub fn compute_org_check(first8: &str) -> Option<char> {
    if first8.len() != ORG_WEIGHTS.len() {
        return None;
    }
    org_check_of(first8.as_bytes())
}

/// Why a string is not an acceptable unified social credit code.
///
/// `Display` gives a message in Chinese for the user; [`UsccError::code`] gives a stable
/// machine-readable code for APIs and import reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsccError {
    /// Nothing but whitespace was given.
    #[error("统一社会信用代码不能为空")]
    Empty,
    /// The trimmed input does not have 18 characters.
    #[error("统一社会信用代码应为18位，实际为{actual}位")]
    Length {
        /// Number of characters (not bytes) after trimming.
        actual: usize,
    },
    /// A character is outside [`CHARSET`] (after ASCII upper-casing).
    #[error(
        "统一社会信用代码第{position}位字符“{}”不是合法字符{}",
        Shown(*.ch),
        charset_hint(*.ch)
    )]
    Charset {
        /// 1-based position in the trimmed input.
        position: usize,
        /// The character as it was given.
        ch: char,
    },
    /// Position 18 does not match the check computed over positions 1–17.
    #[error("统一社会信用代码校验码错误：应为{expected}，实为{actual}")]
    Check {
        /// The check character computed from positions 1–17.
        expected: char,
        /// The character at position 18.
        actual: char,
    },
    /// The organisation code (positions 9–17) fails its GB 11714 check.
    #[error("组织机构代码（第9至17位）校验码错误：应为{expected}，实为{actual}")]
    OrgCheck {
        /// The check character computed from positions 9–16.
        expected: char,
        /// The character at position 17.
        actual: char,
    },
}

impl UsccError {
    /// Stable machine-readable code of the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Empty => "uscc_empty",
            UsccError::Length { .. } => "uscc_length",
            UsccError::Charset { .. } => "uscc_charset",
            UsccError::Check { .. } => "uscc_check",
            UsccError::OrgCheck { .. } => "uscc_org_check",
        }
    }
}

/// Shows a character in a message, writing invisible and bidirectional-control
/// characters as `U+XXXX` so that a message cannot be disguised by its input.
struct Shown(char);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let invisible = c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}');
        if invisible {
            write!(f, "U+{:04X}", u32::from(c))
        } else {
            write!(f, "{c}")
        }
    }
}

fn charset_hint(c: char) -> &'static str {
    match c {
        'I' | 'O' | 'Z' | 'S' | 'V' | 'i' | 'o' | 'z' | 's' | 'v' => "（统一社会信用代码不使用字母I、O、Z、S、V）",
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => "（请使用半角字符）",
        _ => "",
    }
}

/// A check character that differs from the one computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckMismatch {
    /// The computed check character.
    pub expected: char,
    /// The character found in the code.
    pub actual: char,
}

/// Returned by [`Uscc::parse_lenient`] for a code of valid shape that fails its check
/// character, its organisation-code check, or both. The caller must keep the code
/// flagged as legacy (存量代码) rather than treat it as verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsccWarning {
    check: Option<CheckMismatch>,
    org_check: Option<CheckMismatch>,
}

impl UsccWarning {
    /// Stable machine-readable code of the warning.
    pub fn code(&self) -> &'static str {
        "uscc_legacy"
    }

    /// The mismatch of the check character (position 18), if any.
    pub fn check_mismatch(&self) -> Option<CheckMismatch> {
        self.check
    }

    /// The mismatch of the organisation-code check character (position 17), if any.
    pub fn org_check_mismatch(&self) -> Option<CheckMismatch> {
        self.org_check
    }

    /// The error [`Uscc::parse`] reports for the same input.
    pub fn to_error(&self) -> UsccError {
        match (self.check, self.org_check) {
            (Some(m), _) => UsccError::Check { expected: m.expected, actual: m.actual },
            (None, Some(m)) => UsccError::OrgCheck { expected: m.expected, actual: m.actual },
            // Never constructed without a mismatch.
            (None, None) => unreachable!("UsccWarning without a mismatch"),
        }
    }
}

impl fmt::Display for UsccWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("统一社会信用代码未通过校验，已按存量代码接收，请核实：")?;
        if let Some(m) = self.check {
            write!(f, "校验码应为{}，实为{}", m.expected, m.actual)?;
            if self.org_check.is_some() {
                f.write_str("；")?;
            }
        }
        if let Some(m) = self.org_check {
            write!(f, "组织机构代码校验码应为{}，实为{}", m.expected, m.actual)?;
        }
        Ok(())
    }
}

/// A unified social credit code: 18 upper-case characters from [`CHARSET`].
///
/// Obtained from [`Uscc::parse`] (both checks pass) or [`Uscc::parse_lenient`] (shape
/// valid, checks possibly failing; see [`Uscc::is_legacy`]). Ordering is that of the
/// code string, which is the canonical order of candidate lists in draws.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses a code strictly: surrounding whitespace is trimmed and ASCII letters are
    /// upper-cased; then the length, the character set, the check character and the
    /// organisation-code check must all be right.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let code = Self::normalise(input)?;
        match Self::mismatches(&code) {
            None => Ok(Uscc(code)),
            Some(warning) => Err(warning.to_error()),
        }
    }

    /// Parses a code that must have the right length and character set but may fail
    /// the check character and/or the organisation-code check (codes issued with
    /// errors, mostly around 2015–2016). A failing code is accepted only together with
    /// a [`UsccWarning`]; a code that passes both checks returns `None`.
    pub fn parse_lenient(input: &str) -> Result<(Self, Option<UsccWarning>), UsccError> {
        let code = Self::normalise(input)?;
        let warning = Self::mismatches(&code);
        Ok((Uscc(code), warning))
    }

    /// Trims, checks the length and the character set, and upper-cases.
    fn normalise(input: &str) -> Result<String, UsccError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(UsccError::Empty);
        }
        let actual = trimmed.chars().count();
        if actual != USCC_LEN {
            return Err(UsccError::Length { actual });
        }
        for (i, ch) in trimmed.chars().enumerate() {
            if char_value(ch.to_ascii_uppercase()).is_none() {
                return Err(UsccError::Charset { position: i + 1, ch });
            }
        }
        Ok(trimmed.to_ascii_uppercase())
    }

    /// Both check mismatches of a code of valid shape, or `None` if it passes both.
    fn mismatches(code: &str) -> Option<UsccWarning> {
        let bytes = code.as_bytes();
        let expected = check_char_of(&bytes[..17]);
        let actual = char::from(bytes[17]);
        let check = (expected != actual).then_some(CheckMismatch { expected, actual });

        // CHARSET is a subset of the GB 11714 alphabet, so the expected check exists.
        let actual = char::from(bytes[16]);
        let org_check = org_check_of(&bytes[8..16])
            .filter(|&expected| expected != actual)
            .map(|expected| CheckMismatch { expected, actual });

        (check.is_some() || org_check.is_some()).then_some(UsccWarning { check, org_check })
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the code fails a check, i.e. could only come from [`Uscc::parse_lenient`].
    pub fn is_legacy(&self) -> bool {
        Self::mismatches(&self.0).is_some()
    }

    /// Registration authority from position 1, if it is in the published table.
    pub fn registration_authority(&self) -> Option<RegistrationAuthority> {
        RegistrationAuthority::from_code(self.char_at(0))
    }

    /// Entity type from positions 1–2, if the pair is in the published table.
    pub fn entity_type(&self) -> Option<EntityType> {
        EntityType::from_codes(self.char_at(0), self.char_at(1))
    }

    /// Division code of the registering office (positions 3–8), as written; it is not
    /// validated against GB/T 2260.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Name of the registering office's division, for the Tianjin divisions known to
    /// [`division_name`].
    pub fn division_name(&self) -> Option<&'static str> {
        division_name(self.division_code())
    }

    /// Organisation code (主体标识码), positions 9–17, including its check character.
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The check character (position 18).
    pub fn check_char(&self) -> char {
        self.char_at(17)
    }

    fn char_at(&self, index: usize) -> char {
        char::from(self.0.as_bytes()[index])
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    /// Same as [`Uscc::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl TryFrom<&str> for Uscc {
    type Error = UsccError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(code: Uscc) -> Self {
        code.0
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Uscc {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserialises strictly, as [`Uscc::parse`]; legacy codes are to be carried as plain
/// strings with a legacy flag and read with [`Uscc::parse_lenient`].
impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Uscc::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Registration authority (登记管理部门), position 1 of a code, per GB 32100-2015 and
/// the later additions to its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegistrationAuthority {
    /// `1` 机构编制
    Establishment,
    /// `2` 外交
    ForeignAffairs,
    /// `3` 司法行政
    Justice,
    /// `4` 文化
    Culture,
    /// `5` 民政
    CivilAffairs,
    /// `6` 旅游
    Tourism,
    /// `7` 宗教
    Religion,
    /// `8` 工会
    TradeUnion,
    /// `9` 工商 (now market regulation)
    Commerce,
    /// `A` 中央军委改革和编制办公室
    MilitaryEstablishment,
    /// `N` 农业
    Agriculture,
    /// `Y` 其他
    Other,
}

impl RegistrationAuthority {
    /// Every authority, in the order of the published table.
    pub const ALL: [RegistrationAuthority; 12] = [
        Self::Establishment,
        Self::ForeignAffairs,
        Self::Justice,
        Self::Culture,
        Self::CivilAffairs,
        Self::Tourism,
        Self::Religion,
        Self::TradeUnion,
        Self::Commerce,
        Self::MilitaryEstablishment,
        Self::Agriculture,
        Self::Other,
    ];

    /// The authority written as `code` at position 1.
    pub fn from_code(code: char) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The character written at position 1.
    pub fn code(self) -> char {
        match self {
            Self::Establishment => '1',
            Self::ForeignAffairs => '2',
            Self::Justice => '3',
            Self::Culture => '4',
            Self::CivilAffairs => '5',
            Self::Tourism => '6',
            Self::Religion => '7',
            Self::TradeUnion => '8',
            Self::Commerce => '9',
            Self::MilitaryEstablishment => 'A',
            Self::Agriculture => 'N',
            Self::Other => 'Y',
        }
    }

    /// The name used in the published table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Establishment => "机构编制",
            Self::ForeignAffairs => "外交",
            Self::Justice => "司法行政",
            Self::Culture => "文化",
            Self::CivilAffairs => "民政",
            Self::Tourism => "旅游",
            Self::Religion => "宗教",
            Self::TradeUnion => "工会",
            Self::Commerce => "工商",
            Self::MilitaryEstablishment => "中央军委改革和编制办公室",
            Self::Agriculture => "农业",
            Self::Other => "其他",
        }
    }
}

impl fmt::Display for RegistrationAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Entity type (机构类别), position 2 of a code read within its authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    /// `11` 机关
    GovernmentOrgan,
    /// `12` 事业单位
    PublicInstitution,
    /// `13` 中央编办直接管理机构编制的群众团体
    MassOrganisation,
    /// `21` 外国常驻新闻机构
    ForeignPressAgency,
    /// `31` 律师执业机构
    LawFirm,
    /// `32` 公证处
    NotaryOffice,
    /// `33` 基层法律服务所
    GrassrootsLegalService,
    /// `34` 司法鉴定机构
    ForensicAppraisal,
    /// `35` 仲裁委员会
    ArbitrationCommission,
    /// `41` 外国在华文化中心
    ForeignCulturalCentre,
    /// `51` 社会团体
    SocialOrganisation,
    /// `52` 民办非企业单位
    PrivateNonEnterprise,
    /// `53` 基金会
    Foundation,
    /// `61` 外国旅游部门常驻代表机构
    ForeignTourismOffice,
    /// `62` 港澳台地区旅游部门常驻内地（大陆）代表机构
    HkMacaoTaiwanTourismOffice,
    /// `71` 宗教活动场所
    ReligiousVenue,
    /// `72` 宗教院校
    ReligiousCollege,
    /// `81` 基层工会
    GrassrootsTradeUnion,
    /// `91` 企业
    Enterprise,
    /// `92` 个体工商户
    IndividualBusiness,
    /// `93` 农民专业合作社
    FarmersCooperative,
    /// `A1` 军队事业单位
    MilitaryPublicInstitution,
    /// `N1` 组级集体经济组织
    GroupCollective,
    /// `N2` 村级集体经济组织
    VillageCollective,
    /// `N3` 乡镇级集体经济组织
    TownshipCollective,
    /// `Y1`: authority 其他 does not divide its entities into types.
    Unclassified,
    /// `x9` 其他 within the given authority (not defined for 工商 or 其他).
    Other(RegistrationAuthority),
}

/// Authority, type code and type for every specific entry of the table.
const ENTITY_TYPES: [(RegistrationAuthority, char, EntityType); 26] = {
    use EntityType as T;
    use RegistrationAuthority as A;
    [
        (A::Establishment, '1', T::GovernmentOrgan),
        (A::Establishment, '2', T::PublicInstitution),
        (A::Establishment, '3', T::MassOrganisation),
        (A::ForeignAffairs, '1', T::ForeignPressAgency),
        (A::Justice, '1', T::LawFirm),
        (A::Justice, '2', T::NotaryOffice),
        (A::Justice, '3', T::GrassrootsLegalService),
        (A::Justice, '4', T::ForensicAppraisal),
        (A::Justice, '5', T::ArbitrationCommission),
        (A::Culture, '1', T::ForeignCulturalCentre),
        (A::CivilAffairs, '1', T::SocialOrganisation),
        (A::CivilAffairs, '2', T::PrivateNonEnterprise),
        (A::CivilAffairs, '3', T::Foundation),
        (A::Tourism, '1', T::ForeignTourismOffice),
        (A::Tourism, '2', T::HkMacaoTaiwanTourismOffice),
        (A::Religion, '1', T::ReligiousVenue),
        (A::Religion, '2', T::ReligiousCollege),
        (A::TradeUnion, '1', T::GrassrootsTradeUnion),
        (A::Commerce, '1', T::Enterprise),
        (A::Commerce, '2', T::IndividualBusiness),
        (A::Commerce, '3', T::FarmersCooperative),
        (A::MilitaryEstablishment, '1', T::MilitaryPublicInstitution),
        (A::Agriculture, '1', T::GroupCollective),
        (A::Agriculture, '2', T::VillageCollective),
        (A::Agriculture, '3', T::TownshipCollective),
        (A::Other, '1', T::Unclassified),
    ]
};

impl EntityType {
    /// The type written as `authority` at position 1 and `kind` at position 2.
    pub fn from_codes(authority: char, kind: char) -> Option<Self> {
        let authority = RegistrationAuthority::from_code(authority)?;
        if let Some(&(_, _, t)) = ENTITY_TYPES.iter().find(|(a, k, _)| *a == authority && *k == kind) {
            return Some(t);
        }
        let has_other = !matches!(authority, RegistrationAuthority::Commerce | RegistrationAuthority::Other);
        (kind == '9' && has_other).then_some(EntityType::Other(authority))
    }

    /// The registration authority the type belongs to.
    pub fn authority(self) -> RegistrationAuthority {
        match self {
            EntityType::Other(a) => a,
            t => ENTITY_TYPES
                .iter()
                .find(|(_, _, u)| *u == t)
                .map(|(a, _, _)| *a)
                .unwrap_or(RegistrationAuthority::Other),
        }
    }

    /// The two characters written at positions 1 and 2.
    pub fn codes(self) -> [char; 2] {
        match self {
            EntityType::Other(a) => [a.code(), '9'],
            t => ENTITY_TYPES.iter().find(|(_, _, u)| *u == t).map(|(a, k, _)| [a.code(), *k]).unwrap_or(['Y', '1']),
        }
    }

    /// The name used in the published table.
    pub fn name(self) -> &'static str {
        match self {
            EntityType::GovernmentOrgan => "机关",
            EntityType::PublicInstitution => "事业单位",
            EntityType::MassOrganisation => "中央编办直接管理机构编制的群众团体",
            EntityType::ForeignPressAgency => "外国常驻新闻机构",
            EntityType::LawFirm => "律师执业机构",
            EntityType::NotaryOffice => "公证处",
            EntityType::GrassrootsLegalService => "基层法律服务所",
            EntityType::ForensicAppraisal => "司法鉴定机构",
            EntityType::ArbitrationCommission => "仲裁委员会",
            EntityType::ForeignCulturalCentre => "外国在华文化中心",
            EntityType::SocialOrganisation => "社会团体",
            EntityType::PrivateNonEnterprise => "民办非企业单位",
            EntityType::Foundation => "基金会",
            EntityType::ForeignTourismOffice => "外国旅游部门常驻代表机构",
            EntityType::HkMacaoTaiwanTourismOffice => "港澳台地区旅游部门常驻内地（大陆）代表机构",
            EntityType::ReligiousVenue => "宗教活动场所",
            EntityType::ReligiousCollege => "宗教院校",
            EntityType::GrassrootsTradeUnion => "基层工会",
            EntityType::Enterprise => "企业",
            EntityType::IndividualBusiness => "个体工商户",
            EntityType::FarmersCooperative => "农民专业合作社",
            EntityType::MilitaryPublicInstitution => "军队事业单位",
            EntityType::GroupCollective => "组级集体经济组织",
            EntityType::VillageCollective => "村级集体经济组织",
            EntityType::TownshipCollective => "乡镇级集体经济组织",
            EntityType::Unclassified | EntityType::Other(_) => "其他",
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Tianjin divisions (GB/T 2260), sorted by code. The 县 codes were in force until
/// 2015–2016 and can appear in codes issued then.
const TIANJIN_DIVISIONS: [(&str, &str); 22] = [
    ("120000", "天津市"),
    ("120100", "天津市"), // 市辖区
    ("120101", "天津市和平区"),
    ("120102", "天津市河东区"),
    ("120103", "天津市河西区"),
    ("120104", "天津市南开区"),
    ("120105", "天津市河北区"),
    ("120106", "天津市红桥区"),
    ("120110", "天津市东丽区"),
    ("120111", "天津市西青区"),
    ("120112", "天津市津南区"),
    ("120113", "天津市北辰区"),
    ("120114", "天津市武清区"),
    ("120115", "天津市宝坻区"),
    ("120116", "天津市滨海新区"),
    ("120117", "天津市宁河区"),
    ("120118", "天津市静海区"),
    ("120119", "天津市蓟州区"),
    ("120200", "天津市"), // 县
    ("120221", "天津市宁河县"),
    ("120223", "天津市静海县"),
    ("120225", "天津市蓟县"),
];

/// Full name of a Tianjin division code (`"120104"` → `"天津市南开区"`); `None` for
/// codes outside Tianjin or unknown.
pub fn division_name(code: &str) -> Option<&'static str> {
    TIANJIN_DIVISIONS.binary_search_by(|(c, _)| (*c).cmp(code)).ok().map(|i| TIANJIN_DIVISIONS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid code from its first eight characters and an eight-character
    /// organisation-code body.
    fn build(head: &str, org_body: &str) -> String {
        let org = format!("{org_body}{}", compute_org_check(org_body).unwrap());
        let first17 = format!("{head}{org}");
        format!("{first17}{}", compute_check_char(&first17).unwrap())
    }

    #[test]
    fn known_public_example_is_valid() {
        let code = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.registration_authority(), Some(RegistrationAuthority::Commerce));
        assert_eq!(code.entity_type(), Some(EntityType::Enterprise));
        assert_eq!(code.division_code(), "350100");
        assert_eq!(code.division_name(), None);
        assert_eq!(code.org_code(), "M000100Y4");
        assert_eq!(code.check_char(), '3');
        assert!(!code.is_legacy());
    }

    #[test]
    fn check_functions_match_hand_computation() {
        // M=22·3 + 1·5 + Y=34·2 = 139; 139 mod 11 = 7; 11 − 7 = 4.
        assert_eq!(compute_org_check("M000100Y"), Some('4'));
        assert_eq!(compute_check_char("91350100M000100Y4"), Some('3'));
        // Σ = 0 gives C9 = 11, written 0; a remainder of 1 gives 10, written X.
        assert_eq!(compute_org_check("00000000"), Some('0'));
        assert_eq!(compute_org_check("40000000"), Some('X')); // 4·3 = 12 ≡ 1 → 10
        assert_eq!(compute_org_check("00000005"), Some('1')); // 5·2 = 10 → 1
        assert_eq!(compute_check_char("00000000000000000"), Some('0'));
        // Σ = 1 → check value 30 = 'Y'.
        assert_eq!(compute_check_char("10000000000000000"), Some('Y'));
    }

    #[test]
    fn check_functions_reject_bad_input() {
        assert_eq!(compute_check_char("9135010"), None);
        assert_eq!(compute_check_char("91350100M000100Y43"), None);
        assert_eq!(compute_check_char("91350100M000100O4"), None);
        assert_eq!(compute_check_char("91350100m000100Y4"), None);
        assert_eq!(compute_check_char("９1350100M000100Y"), None);
        assert_eq!(compute_org_check("M000100"), None);
        assert_eq!(compute_org_check("M000100Y4"), None);
        assert_eq!(compute_org_check("m000100Y"), None);
        assert_eq!(compute_org_check("M000100-"), None);
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for &weight in &WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn nankai_codes_decode() {
        let enterprise = build("91120104", "MA05K8L3");
        let code = Uscc::parse(&enterprise).unwrap();
        assert_eq!(code.entity_type(), Some(EntityType::Enterprise));
        assert_eq!(code.division_code(), NANKAI_DIVISION);
        assert_eq!(code.division_name(), Some("天津市南开区"));

        let individual = Uscc::parse(&build("92120104", "MA06C1D2")).unwrap();
        assert_eq!(individual.entity_type(), Some(EntityType::IndividualBusiness));

        let coop = Uscc::parse(&build("93120104", "MA05T2W1")).unwrap();
        assert_eq!(coop.entity_type(), Some(EntityType::FarmersCooperative));

        let society = Uscc::parse(&build("51120104", "MJ0001X7")).unwrap();
        assert_eq!(society.registration_authority(), Some(RegistrationAuthority::CivilAffairs));
        assert_eq!(society.entity_type(), Some(EntityType::SocialOrganisation));

        let organ = Uscc::parse(&build("11120104", "00000012")).unwrap();
        assert_eq!(organ.entity_type(), Some(EntityType::GovernmentOrgan));
        assert_eq!(organ.entity_type().unwrap().name(), "机关");
    }

    #[test]
    fn parse_normalises_case_and_whitespace() {
        let code = Uscc::parse("  91350100m000100y43\n").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(Uscc::parse("\u{3000}91350100M000100Y43\u{3000}").unwrap(), code);
    }

    #[test]
    fn parse_rejects_with_specific_errors() {
        assert_eq!(Uscc::parse("   "), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length { actual: 17 }));
        assert_eq!(Uscc::parse("统一社会信用代码"), Err(UsccError::Length { actual: 8 }));
        assert_eq!(Uscc::parse("91350100MO00100Y43"), Err(UsccError::Charset { position: 10, ch: 'O' }));
        assert_eq!(Uscc::parse("91350100M000100Y4３"), Err(UsccError::Charset { position: 18, ch: '３' }));
        assert_eq!(Uscc::parse("91350100M000100Y44"), Err(UsccError::Check { expected: '3', actual: '4' }));
    }

    #[test]
    fn org_check_failure_is_reported_when_outer_check_holds() {
        // Organisation check wrong (5 instead of 4), outer check recomputed over it.
        let first17 = "91350100M000100Y5";
        let code = format!("{first17}{}", compute_check_char(first17).unwrap());
        assert_eq!(Uscc::parse(&code), Err(UsccError::OrgCheck { expected: '4', actual: '5' }));
        let (lenient, warning) = Uscc::parse_lenient(&code).unwrap();
        let warning = warning.unwrap();
        assert!(lenient.is_legacy());
        assert_eq!(warning.check_mismatch(), None);
        assert_eq!(warning.org_check_mismatch(), Some(CheckMismatch { expected: '4', actual: '5' }));
        assert_eq!(warning.to_error().code(), "uscc_org_check");
    }

    #[test]
    fn lenient_parse_warns_never_silently() {
        let (code, warning) = Uscc::parse_lenient("91350100M000100Y43").unwrap();
        assert_eq!(warning, None);
        assert!(!code.is_legacy());

        let (code, warning) = Uscc::parse_lenient("91350100M000100Y44").unwrap();
        let warning = warning.expect("a failing code must carry a warning");
        assert!(code.is_legacy());
        assert_eq!(warning.code(), "uscc_legacy");
        assert_eq!(warning.to_error(), Uscc::parse("91350100M000100Y44").unwrap_err());
        assert_eq!(warning.to_string(), "统一社会信用代码未通过校验，已按存量代码接收，请核实：校验码应为3，实为4");

        // Shape errors are not relaxed.
        assert_eq!(Uscc::parse_lenient("91350100M000100Y4"), Err(UsccError::Length { actual: 17 }));
        assert!(matches!(Uscc::parse_lenient("91350100M000I00Y43"), Err(UsccError::Charset { position: 13, .. })));
    }

    #[test]
    fn both_mismatches_are_reported_together() {
        let (_, warning) = Uscc::parse_lenient("91350100M000100Y54").unwrap();
        let warning = warning.unwrap();
        assert!(warning.check_mismatch().is_some());
        assert!(warning.org_check_mismatch().is_some());
        assert_eq!(warning.to_error().code(), "uscc_check");
        assert!(warning.to_string().contains("；组织机构代码校验码应为4，实为5"));
    }

    #[test]
    fn error_messages_and_codes() {
        let cases: [(UsccError, &str, &str); 5] = [
            (UsccError::Empty, "统一社会信用代码不能为空", "uscc_empty"),
            (UsccError::Length { actual: 15 }, "统一社会信用代码应为18位，实际为15位", "uscc_length"),
            (
                UsccError::Charset { position: 3, ch: 'O' },
                "统一社会信用代码第3位字符“O”不是合法字符（统一社会信用代码不使用字母I、O、Z、S、V）",
                "uscc_charset",
            ),
            (UsccError::Check { expected: 'X', actual: 'Y' }, "统一社会信用代码校验码错误：应为X，实为Y", "uscc_check"),
            (
                UsccError::OrgCheck { expected: '0', actual: 'X' },
                "组织机构代码（第9至17位）校验码错误：应为0，实为X",
                "uscc_org_check",
            ),
        ];
        for (error, message, code) in cases {
            assert_eq!(error.to_string(), message);
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn invisible_characters_are_shown_as_code_points() {
        let error = Uscc::parse("91350100M000\u{202E}00Y43").unwrap_err();
        assert_eq!(error.to_string(), "统一社会信用代码第13位字符“U+202E”不是合法字符");
        let error = Uscc::parse("９1350100M000100Y43").unwrap_err();
        assert!(error.to_string().ends_with("“９”不是合法字符（请使用半角字符）"));
    }

    #[test]
    fn traits_round_trip() {
        let code: Uscc = "91350100M000100Y43".parse().unwrap();
        assert_eq!(code.to_string(), "91350100M000100Y43");
        assert_eq!(Uscc::try_from("91350100M000100Y43").unwrap(), code);
        assert_eq!(Uscc::try_from(code.to_string()).unwrap(), code);
        assert_eq!(String::from(code.clone()), "91350100M000100Y43");

        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), code);
        assert_eq!(serde_json::from_str::<Uscc>("\"91350100m000100y43\"").unwrap(), code);
        let error = serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").unwrap_err();
        assert!(error.to_string().contains("校验码错误"));
        assert!(serde_json::from_str::<Uscc>("42").is_err());

        let set: std::collections::HashSet<Uscc> = [code.clone()].into();
        assert!(set.contains("91350100M000100Y43"));
    }

    #[test]
    fn authority_table_is_complete_and_consistent() {
        let codes: String = RegistrationAuthority::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes, "123456789ANY");
        for a in RegistrationAuthority::ALL {
            assert_eq!(RegistrationAuthority::from_code(a.code()), Some(a));
            assert!(CHARSET.contains(a.code()));
        }
        assert_eq!(RegistrationAuthority::from_code('B'), None);
        assert_eq!(RegistrationAuthority::Commerce.name(), "工商");
        assert_eq!(RegistrationAuthority::MilitaryEstablishment.to_string(), "中央军委改革和编制办公室");
    }

    #[test]
    fn entity_type_table_round_trips() {
        for &(a, k, t) in &ENTITY_TYPES {
            assert_eq!(EntityType::from_codes(a.code(), k), Some(t));
            assert_eq!(t.codes(), [a.code(), k]);
            assert_eq!(t.authority(), a);
        }
        for a in RegistrationAuthority::ALL {
            let other = EntityType::from_codes(a.code(), '9');
            match a {
                RegistrationAuthority::Commerce | RegistrationAuthority::Other => {
                    assert_eq!(other, None)
                }
                _ => {
                    let t = other.unwrap();
                    assert_eq!(t, EntityType::Other(a));
                    assert_eq!(t.codes(), [a.code(), '9']);
                    assert_eq!(t.authority(), a);
                    assert_eq!(t.name(), "其他");
                }
            }
        }
        assert_eq!(EntityType::from_codes('9', '4'), None);
        assert_eq!(EntityType::from_codes('Y', '2'), None);
        assert_eq!(EntityType::from_codes('B', '1'), None);
        assert_eq!(EntityType::from_codes('5', '3').unwrap().name(), "基金会");
        assert_eq!(EntityType::from_codes('3', '5').unwrap().name(), "仲裁委员会");
        assert_eq!(EntityType::from_codes('N', '2').unwrap().name(), "村级集体经济组织");
    }

    #[test]
    fn tianjin_divisions() {
        assert!(TIANJIN_DIVISIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(division_name("120104"), Some("天津市南开区"));
        assert_eq!(division_name("120100"), Some("天津市"));
        assert_eq!(division_name("120000"), Some("天津市"));
        assert_eq!(division_name("120101"), Some("天津市和平区"));
        assert_eq!(division_name("120116"), Some("天津市滨海新区"));
        assert_eq!(division_name("120119"), Some("天津市蓟州区"));
        assert_eq!(division_name("120107"), None);
        assert_eq!(division_name("110105"), None);
        assert_eq!(division_name(""), None);
    }
}
