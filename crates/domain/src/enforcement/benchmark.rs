//! Discretion benchmarks (行政处罚裁量基准): per violation type, the circumstance levels
//! 轻微 / 一般 / 较重 / 严重, each with its allowed penalty kinds and fine band; a penalty
//! outside its band is flagged (it needs a written reason and a second approval); the
//! 首违不罚 and 轻微免罚 lists.

use super::PenaltyKind;
use serde::{Deserialize, Serialize};

/// 违法情节.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circumstance {
    Slight,
    General,
    Serious,
    Severe,
}

impl Circumstance {
    pub const ALL: [Circumstance; 4] = [Self::Slight, Self::General, Self::Serious, Self::Severe];
    pub fn code(self) -> &'static str {
        match self {
            Self::Slight => "slight",
            Self::General => "general",
            Self::Serious => "serious",
            Self::Severe => "severe",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Slight => "轻微",
            Self::General => "一般",
            Self::Serious => "较重",
            Self::Severe => "严重",
        }
    }
}

/// One circumstance level of a benchmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub circumstance: Circumstance,
    pub kinds: Vec<PenaltyKind>,
    /// Fine band in fen, inclusive (both 0 when no fine is allowed).
    pub fine_min_fen: i64,
    pub fine_max_fen: i64,
}

/// A discretion benchmark for one violation type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benchmark {
    /// 违法行为代码.
    pub violation_code: String,
    pub name: String,
    /// 违法依据 / 处罚依据 as the benchmark states them.
    pub legal_basis: String,
    pub bands: Vec<Band>,
}

/// Checks a benchmark: a code, a name, a basis, one band per level at most, sane bands.
pub fn check_benchmark(b: &Benchmark) -> Result<(), String> {
    let code = b.violation_code.trim();
    if code.is_empty() || code.len() > 64 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        return Err("违法行为代码无效(字母、数字、连字符或点,至多 64 位)".into());
    }
    if b.name.trim().is_empty() || b.name.chars().count() > 200 {
        return Err("违法行为名称不能为空且不超过 200 字".into());
    }
    if b.legal_basis.trim().is_empty() {
        return Err("裁量基准须写明处罚依据".into());
    }
    if b.bands.is_empty() {
        return Err("裁量基准至少要有一个情节档次".into());
    }
    let mut seen = Vec::new();
    for band in &b.bands {
        if seen.contains(&band.circumstance) {
            return Err(format!("情节“{}”重复", band.circumstance.label()));
        }
        seen.push(band.circumstance);
        if band.kinds.is_empty() {
            return Err(format!("情节“{}”没有可选的处罚种类", band.circumstance.label()));
        }
        if band.fine_min_fen < 0 || band.fine_max_fen < band.fine_min_fen {
            return Err(format!("情节“{}”的罚款幅度无效", band.circumstance.label()));
        }
        if band.kinds.contains(&PenaltyKind::Fine) != (band.fine_max_fen > 0) {
            return Err(format!("情节“{}”的罚款幅度与处罚种类不一致", band.circumstance.label()));
        }
    }
    Ok(())
}

impl Benchmark {
    pub fn band(&self, c: Circumstance) -> Option<&Band> {
        self.bands.iter().find(|b| b.circumstance == c)
    }
}

/// How a penalty stands against its benchmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandCheck {
    /// Why the penalty lies outside its band (empty: inside).
    pub deviations: Vec<String>,
}

impl BandCheck {
    pub fn in_band(&self) -> bool {
        self.deviations.is_empty()
    }
}

/// Compares a penalty with the band of its circumstance level.
pub fn check_against(b: &Benchmark, c: Circumstance, kinds: &[PenaltyKind], fine_fen: i64) -> BandCheck {
    let mut deviations = Vec::new();
    match b.band(c) {
        None => deviations.push(format!("裁量基准“{}”没有“{}”情节档次", b.name, c.label())),
        Some(band) => {
            for k in kinds {
                if !band.kinds.contains(k) {
                    deviations.push(format!("处罚种类“{}”不在“{}”情节的可选种类内", k.label(), c.label()));
                }
            }
            if kinds.contains(&PenaltyKind::Fine) && (fine_fen < band.fine_min_fen || fine_fen > band.fine_max_fen) {
                deviations.push(format!(
                    "罚款 {} 超出“{}”情节的幅度 {} 至 {}",
                    super::yuan(fine_fen),
                    c.label(),
                    super::yuan(band.fine_min_fen),
                    super::yuan(band.fine_max_fen)
                ));
            }
        }
    }
    BandCheck { deviations }
}

/// Is a fine inside at least one band of the benchmark (any level)? A fine outside every
/// band cannot be a matter of circumstance: it is refused outright.
pub fn fine_in_some_band(b: &Benchmark, fine_fen: i64) -> bool {
    b.bands.iter().any(|band| band.fine_max_fen > 0 && (band.fine_min_fen..=band.fine_max_fen).contains(&fine_fen))
}

/// 首违不罚 or 轻微免罚.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExemptionKind {
    FirstOffence,
    Minor,
}

impl ExemptionKind {
    pub const ALL: [ExemptionKind; 2] = [Self::FirstOffence, Self::Minor];
    pub fn code(self) -> &'static str {
        match self {
            Self::FirstOffence => "first_offence",
            Self::Minor => "minor",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::FirstOffence => "首违不罚",
            Self::Minor => "轻微免罚",
        }
    }
}

/// Can an exemption apply: the violation is on the list, and for 首违不罚 the entity has
/// no earlier penalty for it, and the case is 轻微 (行政处罚法 第33条: 初次违法且危害后果
/// 轻微并及时改正的,可以不予行政处罚).
pub fn exemption_applies(
    kind: ExemptionKind,
    listed: bool,
    circumstance: Circumstance,
    earlier_penalties: i64,
    corrected: bool,
) -> Result<(), String> {
    if !listed {
        return Err(format!("该违法行为不在{}清单内", kind.label()));
    }
    if circumstance != Circumstance::Slight {
        return Err(format!("{}只适用于情节轻微的违法行为", kind.label()));
    }
    if !corrected {
        return Err(format!("{}要求当事人已及时改正", kind.label()));
    }
    if kind == ExemptionKind::FirstOffence && earlier_penalties > 0 {
        return Err("当事人此前已因同一违法行为受过处罚,不适用首违不罚".into());
    }
    Ok(())
}

/// Parses a band line of a form: `level|kind,kind|min yuan|max yuan`.
pub fn parse_band(line: &str) -> Result<Band, String> {
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    if parts.len() != 4 {
        return Err(format!("情节档次“{line}”格式应为:情节|处罚种类,…|罚款下限(元)|罚款上限(元)"));
    }
    let circumstance = Circumstance::from_code(parts[0])
        .or_else(|| Circumstance::ALL.into_iter().find(|c| c.label() == parts[0]))
        .ok_or_else(|| format!("情节“{}”无法识别(轻微、一般、较重、严重)", parts[0]))?;
    let mut kinds = Vec::new();
    for k in parts[1].split([',', '\u{FF0C}', '、']).map(str::trim).filter(|k| !k.is_empty()) {
        kinds.push(
            PenaltyKind::from_code(k)
                .or_else(|| PenaltyKind::ALL.into_iter().find(|p| p.label() == k))
                .ok_or_else(|| format!("处罚种类“{k}”无法识别"))?,
        );
    }
    kinds.sort();
    kinds.dedup();
    Ok(Band {
        circumstance,
        kinds,
        fine_min_fen: super::parse_yuan(parts[2])?,
        fine_max_fen: super::parse_yuan(parts[3])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn food() -> Benchmark {
        Benchmark {
            violation_code: "FOOD-001".into(),
            name: "经营超过保质期的食品".into(),
            legal_basis: "《食品安全法》第一百二十四条".into(),
            bands: vec![
                parse_band("轻微|警告|0|0").unwrap(),
                parse_band("一般|警告,罚款|5000|30000").unwrap(),
                parse_band("较重|罚款,没收违法所得|30000|60000").unwrap(),
                parse_band("严重|罚款,吊销许可证件,没收违法所得|60000|100000").unwrap(),
            ],
        }
    }

    #[test]
    fn benchmark_checks() {
        assert!(check_benchmark(&food()).is_ok());
        let mut b = food();
        b.legal_basis.clear();
        assert!(check_benchmark(&b).is_err());
        let mut b = food();
        b.bands.push(b.bands[0].clone());
        assert!(check_benchmark(&b).unwrap_err().contains("重复"));
    }

    #[test]
    fn out_of_band_is_flagged() {
        let b = food();
        assert!(check_against(&b, Circumstance::General, &[PenaltyKind::Fine], 1_000_000).in_band());
        let c = check_against(&b, Circumstance::General, &[PenaltyKind::Fine], 4_000_000);
        assert!(!c.in_band() && c.deviations[0].contains("超出"));
        let c = check_against(&b, Circumstance::Slight, &[PenaltyKind::RevokeLicence], 0);
        assert!(!c.in_band());
        assert!(fine_in_some_band(&b, 4_000_000));
        assert!(!fine_in_some_band(&b, 20_000_000));
    }

    #[test]
    fn exemptions() {
        assert!(exemption_applies(ExemptionKind::FirstOffence, true, Circumstance::Slight, 0, true).is_ok());
        assert!(exemption_applies(ExemptionKind::FirstOffence, true, Circumstance::Slight, 1, true).is_err());
        assert!(exemption_applies(ExemptionKind::Minor, true, Circumstance::General, 0, true).is_err());
        assert!(exemption_applies(ExemptionKind::Minor, false, Circumstance::Slight, 0, true).is_err());
    }

    proptest! {
        #[test]
        fn in_band_iff_within_bounds(fine in 0i64..20_000_000) {
            let b = food();
            let band = b.band(Circumstance::Serious).unwrap();
            let c = check_against(&b, Circumstance::Serious, &[PenaltyKind::Fine], fine);
            prop_assert_eq!(c.in_band(), fine >= band.fine_min_fen && fine <= band.fine_max_fen);
        }
    }
}
