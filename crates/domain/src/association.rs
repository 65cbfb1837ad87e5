//! Industry associations and chambers of commerce (附件2 第10项): their kinds and the
//! checks on a registry entry.

use serde::{Deserialize, Serialize};

/// 行业协会 or 商会.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Association,
    Chamber,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Association => "association",
            Kind::Chamber => "chamber",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Association => "行业协会",
            Kind::Chamber => "商会",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "association" => Some(Kind::Association),
            "chamber" => Some(Kind::Chamber),
            _ => None,
        }
    }
}

/// Kinds of supervision case about an association.
pub const CASE_KINDS: &[(&str, &str)] = &[
    ("fees", "违规收费"),
    ("barrier", "限制竞争、设置准入壁垒"),
    ("governance", "内部治理不规范"),
    ("self_regulation", "落实自律公约不到位"),
    ("other", "其他"),
];

pub fn case_kind_label(code: &str) -> Option<&'static str> {
    CASE_KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Checks an association's code and name. Social organisations registered by civil
/// affairs carry a code beginning with `5`; enterprises' codes are refused so that the
/// registry is not confused with the entity registry. Legacy codes pass with a warning.
pub fn check_entry(uscc: &str, name: &str) -> Result<(String, Option<String>), String> {
    let (code, warning) = crate::uscc::Uscc::parse_lenient(uscc).map_err(|e| e.to_string())?;
    let code = code.as_str().to_string();
    if !code.starts_with('5') {
        return Err("行业协会商会的统一社会信用代码应以 5 开头(民政部门登记的社会组织)".into());
    }
    let n = name.trim().chars().count();
    if !(4..=100).contains(&n) {
        return Err("名称应为4至100个字".into());
    }
    Ok((code, warning.map(|w| w.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        assert!(check_entry("", "天津市南开区餐饮行业协会").is_err());
        let ent = crate::uscc::demo::generate(5, 1).find(|e| !e.legacy).unwrap().uscc;
        assert!(check_entry(&ent, "天津市南开区餐饮行业协会").unwrap_err().contains("以 5 开头"));
        assert_eq!(case_kind_label("fees"), Some("违规收费"));
        assert_eq!(Kind::parse("chamber"), Some(Kind::Chamber));
    }
}
