//! The supervision catalogue (监管事项目录) and what departments do with it (附件1 第15项,
//! 附件2 第2项): claim items (认领), fill the inspection implementation list (检查实施清单)
//! for each claimed item, and keep the standardized implementation rules (监管细则) as
//! versioned documents. Items nobody claimed go to 区委网信办 for re-confirmation.

use serde::{Deserialize, Serialize};

/// A catalogue item as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueInput {
    /// 监管事项目录编码: 14 digits.
    pub code: String,
    /// 监管事项名称 (主项).
    pub name: String,
    /// 子项名称, where the item has sub-items.
    pub sub_name: String,
    /// 设定依据.
    pub basis: String,
    /// 所属行业领域.
    pub sector: String,
    pub active: bool,
}

pub const MAX_BASIS: usize = 4000;

/// A 监管事项目录编码 is 14 digits (the same rule the item lists use).
pub fn valid_code(s: &str) -> bool {
    crate::registry::valid_catalogue_code(s)
}

pub fn check_item(i: &CatalogueInput) -> Result<(), String> {
    if !valid_code(i.code.trim()) {
        return Err(format!("监管事项目录编码“{}”应为14位数字", i.code.trim()));
    }
    let name = i.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("监管事项名称不能为空,最长200字".into());
    }
    if i.sub_name.chars().count() > 200 || i.sector.chars().count() > 100 {
        return Err("子项名称最长200字,行业领域最长100字".into());
    }
    if i.basis.chars().count() > MAX_BASIS {
        return Err(format!("设定依据最长{MAX_BASIS}字"));
    }
    Ok(())
}

/// The columns of an inspection implementation list (检查实施清单).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplementationInput {
    /// 检查依据.
    pub basis: String,
    /// 检查内容.
    pub content: String,
    /// 检查方式 (现场检查、书面检查、网络监测、抽样检测 …).
    pub method: String,
    /// 检查对象.
    pub object: String,
    /// 实施主体.
    pub body: String,
    /// 检查频次.
    pub frequency: String,
    /// 检查结果的处理方式.
    pub handling: String,
}

/// Inspection methods offered in forms (free text is accepted as well).
pub const METHODS: &[&str] = &["现场检查", "书面检查", "网络监测", "抽样检测", "远程视频检查", "委托第三方检查"];

/// `(field, label, max chars, required)` of every column, in display order.
pub const IMPLEMENTATION_FIELDS: &[(&str, &str, usize, bool)] = &[
    ("basis", "检查依据", 4000, true),
    ("content", "检查内容", 4000, true),
    ("method", "检查方式", 200, true),
    ("object", "检查对象", 500, true),
    ("body", "实施主体", 200, true),
    ("frequency", "检查频次", 200, true),
    ("handling", "结果处理", 2000, false),
];

impl ImplementationInput {
    pub fn get(&self, field: &str) -> &str {
        match field {
            "basis" => &self.basis,
            "content" => &self.content,
            "method" => &self.method,
            "object" => &self.object,
            "body" => &self.body,
            "frequency" => &self.frequency,
            "handling" => &self.handling,
            _ => "",
        }
    }

    pub fn trimmed(&self) -> Self {
        ImplementationInput {
            basis: self.basis.trim().into(),
            content: self.content.trim().into(),
            method: self.method.trim().into(),
            object: self.object.trim().into(),
            body: self.body.trim().into(),
            frequency: self.frequency.trim().into(),
            handling: self.handling.trim().into(),
        }
    }
}

pub fn check_implementation(i: &ImplementationInput) -> Result<(), String> {
    let mut missing = Vec::new();
    for (field, label, max, required) in IMPLEMENTATION_FIELDS {
        let v = i.get(field).trim();
        if *required && v.is_empty() {
            missing.push(*label);
        }
        if v.chars().count() > *max {
            return Err(format!("“{label}”最长{max}字"));
        }
    }
    if !missing.is_empty() {
        return Err(format!("请填写:{}", missing.join("、")));
    }
    Ok(())
}

/// Longest implementation-rule text, in characters.
pub const MAX_RULE_TEXT: usize = 50_000;

/// Checks a new version of 监管细则: a title and a non-empty text within the limit.
pub fn check_rule(title: &str, text: &str) -> Result<(), String> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err("细则标题不能为空,最长200字".into());
    }
    if text.trim().is_empty() {
        return Err("细则正文不能为空".into());
    }
    let n = text.chars().count();
    if n > MAX_RULE_TEXT {
        return Err(format!("细则正文过长:{n} 字,上限 {MAX_RULE_TEXT} 字(较长的文本请作为附件上传)"));
    }
    Ok(())
}

/// 区委网信办's decision on an item nobody claimed (重新梳理确认).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reconfirmation {
    /// 指派: the named department is asked to claim the item.
    Assign,
    /// 确认非区级实施事项: the item is not carried out at district level.
    NotDistrict,
}

impl Reconfirmation {
    pub fn code(self) -> &'static str {
        match self {
            Reconfirmation::Assign => "assign",
            Reconfirmation::NotDistrict => "not_district",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reconfirmation::Assign => "指派部门认领",
            Reconfirmation::NotDistrict => "确认非区级实施事项",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [Reconfirmation::Assign, Reconfirmation::NotDistrict].into_iter().find(|r| r.code() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ImplementationInput {
        ImplementationInput {
            basis: "《中华人民共和国食品安全法》第一百一十条".into(),
            content: "许可条件保持情况".into(),
            method: "现场检查".into(),
            object: "辖区食品经营者".into(),
            body: "区市场监管局".into(),
            frequency: "每年不少于1次".into(),
            handling: String::new(),
        }
    }

    #[test]
    fn implementation_lists_need_every_required_column() {
        assert!(check_implementation(&full()).is_ok());
        let mut i = full();
        i.method = "  ".into();
        i.body = String::new();
        assert_eq!(check_implementation(&i).unwrap_err(), "请填写:检查方式、实施主体");
        let mut i = full();
        i.frequency = "年".repeat(201);
        assert!(check_implementation(&i).unwrap_err().contains("检查频次"));
    }

    #[test]
    fn rules_and_items() {
        assert!(check_rule("细则", "").unwrap_err().contains("不能为空"));
        assert!(check_rule("", "正文").is_err());
        assert!(check_rule("细则", &"字".repeat(MAX_RULE_TEXT + 1)).unwrap_err().contains("过长"));
        assert!(check_rule("细则", "第一条 …").is_ok());
        let item = CatalogueInput {
            code: "11120104001000".into(),
            name: "对食品经营者的监督检查".into(),
            sub_name: String::new(),
            basis: String::new(),
            sector: "食品".into(),
            active: true,
        };
        assert!(check_item(&item).is_ok());
        assert!(check_item(&CatalogueInput { code: "1112".into(), ..item.clone() }).unwrap_err().contains("14位"));
        assert!(check_item(&CatalogueInput { name: " ".into(), ..item }).is_err());
    }
}
