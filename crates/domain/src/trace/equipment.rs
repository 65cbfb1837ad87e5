//! Special-equipment codes under TSG 08-2017 《特种设备使用管理规则》.
//!
//! * **设备代码** (equipment code, 附件 "特种设备代码编号方法"): 18 characters =
//!   equipment base code (4 digits: the variety code of 《特种设备目录》, e.g. 3110 traction
//!   passenger lift, 2150) + manufacturer code (5 digits: 2-digit code of the licensing
//!   authority's region, 10 for the national authority, + 3-digit sequence of the
//!   manufacturing licence) + year of manufacture (4 digits) + manufacturing sequence
//!   (5 characters: digits, with a capital letter replacing the leading digits past 99999).
//! * **使用登记证编号** (registration certificate number): category character (锅 容 瓶
//!   梯 起 索 游 管 车) + variety (2 digits) + province abbreviation (one character) +
//!   city letter (A–Z) + serial (5 digits) + `(YY)` two-digit year of registration, e.g.
//!   `梯11津A00123(19)`.

use super::CodeError;

/// Equipment categories of 《特种设备目录》, by the first digit of the base code.
pub const CATEGORIES: &[(char, &str, char)] = &[
    ('1', "锅炉", '锅'),
    ('2', "压力容器", '容'),
    ('3', "电梯", '梯'),
    ('4', "起重机械", '起'),
    ('5', "客运索道", '索'),
    ('6', "大型游乐设施", '游'),
    ('8', "压力管道", '管'),
    ('7', "压力管道元件", '管'),
    ('9', "场(厂)内专用机动车辆", '车'),
];

/// Province-level abbreviations used in registration numbers.
pub const PROVINCES: &str = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵黔云滇藏陕甘陇青宁新";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EquipmentCode {
    Device { base: String, category: &'static str, manufacturer: String, year: u16, sequence: String },
    Registration { category: &'static str, variety: String, province: char, city: char, serial: String, year: String },
}

impl EquipmentCode {
    pub fn category(&self) -> &'static str {
        match self {
            EquipmentCode::Device { category, .. } | EquipmentCode::Registration { category, .. } => category,
        }
    }
}

pub fn parse(s: &str) -> Result<EquipmentCode, CodeError> {
    match s.chars().next() {
        Some(c) if c.is_ascii_digit() => parse_device(s),
        Some(_) => parse_registration(s),
        None => Err(CodeError::new("empty", "代码为空")),
    }
}

fn parse_device(s: &str) -> Result<EquipmentCode, CodeError> {
    if s.len() != 18 || !s.is_ascii() {
        return Err(CodeError::new("equipment_length", format!("设备代码应为 18 位,实际 {} 位", s.chars().count())));
    }
    let (base, manufacturer, year, sequence) = (&s[0..4], &s[4..9], &s[9..13], &s[13..18]);
    if !s[..13].bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::new(
            "equipment_chars",
            "设备代码前 13 位(设备基本代码、制造单位代号、制造年份)应为数字",
        ));
    }
    let Some(&(_, category, _)) = CATEGORIES.iter().find(|(d, _, _)| s.starts_with(*d)) else {
        return Err(CodeError::new("equipment_category", format!("设备基本代码“{base}”不属于《特种设备目录》的类别")));
    };
    if base.ends_with("000") {
        return Err(CodeError::new("equipment_category", format!("设备基本代码“{base}”是种类代码,应填写到品种")));
    }
    let region: u32 = manufacturer[..2].parse().expect("digits");
    if !(region == 10 || (11..=65).contains(&region)) {
        return Err(CodeError::new("equipment_manufacturer", format!("制造单位代号的地区代码“{:02}”无效", region)));
    }
    let y: u16 = year.parse().expect("digits");
    if !(1950..=2100).contains(&y) {
        return Err(CodeError::new("equipment_year", format!("制造年份“{year}”无效")));
    }
    let sb = sequence.as_bytes();
    let letters = sb.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters > 1 || !sb[letters..].iter().all(u8::is_ascii_digit) || sequence == "00000" {
        return Err(CodeError::new(
            "equipment_sequence",
            format!("制造顺序号“{sequence}”应为 5 位数字(超过 99999 时首位用字母)"),
        ));
    }
    Ok(EquipmentCode::Device {
        base: base.into(),
        category,
        manufacturer: manufacturer.into(),
        year: y,
        sequence: sequence.into(),
    })
}

fn parse_registration(s: &str) -> Result<EquipmentCode, CodeError> {
    let bad = |m: String| CodeError::new("equipment_registration", m);
    let chars: Vec<char> = s.chars().collect();
    // 类(1) 品种(2) 省(1) 市(1) 流水(5) ( Y Y ) = 14
    if chars.len() != 14 {
        return Err(bad(format!("使用登记证编号应为 14 个字符(如“梯11津A00123(19)”),实际 {} 个", chars.len())));
    }
    let Some(&(_, category, _)) = CATEGORIES
        .iter()
        .find(|(_, _, c)| *c == chars[0])
        .or_else(|| (chars[0] == '瓶').then_some(&('2', "压力容器(气瓶)", '瓶')))
    else {
        return Err(bad(format!("设备类别代号“{}”无效(应为锅、容、瓶、梯、起、索、游、管、车之一)", chars[0])));
    };
    let variety: String = chars[1..3].iter().collect();
    if !variety.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("设备品种代号“{variety}”应为 2 位数字")));
    }
    if !PROVINCES.contains(chars[3]) {
        return Err(bad(format!("省份简称“{}”无效", chars[3])));
    }
    if !chars[4].is_ascii_uppercase() {
        return Err(bad(format!("地市代号“{}”应为大写字母", chars[4])));
    }
    let serial: String = chars[5..10].iter().collect();
    if !serial.bytes().all(|b| b.is_ascii_digit()) || serial == "00000" {
        return Err(bad(format!("流水号“{serial}”应为 5 位数字")));
    }
    let year: String = chars[11..13].iter().collect();
    if chars[10] != '(' || chars[13] != ')' || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("编号末尾应为括号内的 2 位年份,如“(19)”".into()));
    }
    Ok(EquipmentCode::Registration { category, variety, province: chars[3], city: chars[4], serial, year })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn device_codes() {
        let d = parse("311012345201500098").unwrap();
        assert_eq!(d.category(), "电梯");
        assert_eq!(parse("215010890201500098").unwrap().category(), "压力容器");
        assert_eq!(parse("3110123452015A0001").unwrap().category(), "电梯");
        assert_eq!(parse("31101234520150009").unwrap_err().code, "equipment_length");
        assert_eq!(parse("011012345201500098").unwrap_err().code, "equipment_category");
        assert_eq!(parse("300012345201500098").unwrap_err().code, "equipment_category");
        assert_eq!(parse("311099345201500098").unwrap_err().code, "equipment_manufacturer");
        assert_eq!(parse("311012345180000098").unwrap_err().code, "equipment_year");
        assert_eq!(parse("311012345201500000").unwrap_err().code, "equipment_sequence");
        assert_eq!(parse("3110123452015AB001").unwrap_err().code, "equipment_sequence");
        assert_eq!(parse("3110A2345201500098").unwrap_err().code, "equipment_chars");
    }

    #[test]
    fn registration_numbers() {
        let r = parse("梯11津A00123(19)").unwrap();
        assert_eq!(r.category(), "电梯");
        assert_eq!(parse("容15京A00001(17)").unwrap().category(), "压力容器");
        assert_eq!(parse("瓶21沪B00001(20)").unwrap().category(), "压力容器(气瓶)");
        for bad in [
            "船11津A00123(19)",
            "梯1A津A00123(19)",
            "梯11X A00123(19)",
            "梯11津a00123(19)",
            "梯11津A00000(19)",
            "梯11津A00123[19]",
            "梯11津A0012(19)",
        ] {
            assert_eq!(parse(bad).unwrap_err().code, "equipment_registration", "{bad}");
        }
    }

    proptest! {
        #[test]
        fn well_formed_device_codes(cat in "[1-9]", v in "[1-9][0-9]{2}", region in 11u32..=65, lic in "[0-9]{3}", year in 1950u16..=2100, seq in "[0-9]{4}[1-9]") {
            let code = format!("{cat}{v}{region:02}{lic}{year}{seq}");
            prop_assert!(parse(&code).is_ok(), "{}", code);
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse(&s);
        }
    }
}
