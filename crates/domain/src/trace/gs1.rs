//! GS1 identification keys and element strings (GS1 General Specifications §3, §7.9).
//!
//! * GTIN-8, GTIN-12, GTIN-13 and GTIN-14 with the standard modulo-10 check digit
//!   (weights 3 and 1 alternating from the rightmost data digit).
//! * Element strings with the application identifiers a product trace needs: (01) GTIN,
//!   (10) batch/lot, (21) serial number, (17) expiry date, (11) production date. They
//!   are read in the human-readable form `(01)…(10)…` and in the transmitted form
//!   (`01…10…<GS>21…`, optionally prefixed by a symbology identifier such as `]d2`,
//!   `]C1` or `]Q3`), where variable-length fields end at the group separator (ASCII 29)
//!   or at the end of the data.

use super::CodeError;

/// GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1).
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// The GS1 check digit of `data` (all digits, without the check digit).
pub fn check_digit(data: &str) -> Option<u8> {
    if data.is_empty() || !data.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 =
        data.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// A valid GTIN, normalised to 14 digits (left-padded with zeros).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14.
    pub fn parse(s: &str) -> Result<Gtin, CodeError> {
        if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
            return Err(CodeError::new("gtin_chars", "GTIN 只能由数字组成"));
        }
        if ![8, 12, 13, 14].contains(&s.len()) {
            return Err(CodeError::new("gtin_length", format!("GTIN 应为 8、12、13 或 14 位数字,实际 {} 位", s.len())));
        }
        let (data, check) = s.split_at(s.len() - 1);
        let want = check_digit(data).expect("digits");
        if check.as_bytes()[0] - b'0' != want {
            return Err(CodeError::new("gtin_check", format!("GTIN 校验位错误:应为 {want},实际 {check}")));
        }
        Ok(Gtin(format!("{s:0>14}")))
    }

    /// The 14-digit form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The packaging-level indicator (first digit of the 14-digit form).
    pub fn indicator(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }
}

/// The parsed fields of a GS1 element string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementString {
    pub gtin: Option<Gtin>,
    pub batch: Option<String>,
    pub serial: Option<String>,
    /// `YYMMDD` as encoded (DD may be `00`: the last day of the month).
    pub expiry: Option<String>,
    /// `YYMMDD` as encoded.
    pub production: Option<String>,
}

const GS: char = '\u{1d}';

/// Length rule of an application identifier: `Fixed(n)` or `Var(max)`.
#[derive(Clone, Copy)]
enum Len {
    Fixed(usize),
    Var(usize),
}

fn ai_len(ai: &str) -> Option<Len> {
    Some(match ai {
        "01" => Len::Fixed(14),
        "10" | "21" => Len::Var(20),
        "11" | "17" => Len::Fixed(6),
        _ => return None,
    })
}

fn ai_name(ai: &str) -> &'static str {
    match ai {
        "01" => "(01) 全球贸易项目代码",
        "10" => "(10) 批号",
        "21" => "(21) 序列号",
        "11" => "(11) 生产日期",
        _ => "(17) 有效期",
    }
}

/// Checks a GS1 `YYMMDD` date; `DD` = `00` means the month's last day (allowed for
/// expiry only). The century follows GS1 §7.12 but is irrelevant to validity except for
/// 29 February, which is checked against 20YY.
pub fn check_yymmdd(s: &str, allow_day_zero: bool) -> Result<(), String> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("日期应为 6 位数字 YYMMDD".into());
    }
    let y: i32 = 2000 + s[0..2].parse::<i32>().expect("digits");
    let m: u32 = s[2..4].parse().expect("digits");
    let d: u32 = s[4..6].parse().expect("digits");
    if !(1..=12).contains(&m) {
        return Err(format!("月份 {m:02} 无效"));
    }
    if d == 0 {
        return if allow_day_zero { Ok(()) } else { Err("日期的日不能为 00".into()) };
    }
    if chrono::NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Err(format!("日期 {s} 不存在"));
    }
    Ok(())
}

fn set_field(out: &mut ElementString, ai: &str, value: &str) -> Result<(), CodeError> {
    let dup = || CodeError::new("gs1_duplicate_ai", format!("应用标识符 {} 重复出现", ai_name(ai)));
    match ai_len(ai) {
        Some(Len::Fixed(n)) if value.chars().count() != n => {
            return Err(CodeError::new(
                "gs1_field_length",
                format!("{} 应为 {n} 位,实际 {} 位", ai_name(ai), value.chars().count()),
            ));
        }
        Some(Len::Var(max)) if value.is_empty() || value.chars().count() > max => {
            return Err(CodeError::new("gs1_field_length", format!("{} 应为 1 至 {max} 个字符", ai_name(ai))));
        }
        _ => {}
    }
    match ai {
        "01" => {
            if out.gtin.is_some() {
                return Err(dup());
            }
            out.gtin = Some(Gtin::parse(value)?);
        }
        "10" | "21" => {
            if let Some(c) = value.chars().find(|c| !is_cset82(*c)) {
                return Err(CodeError::new(
                    "gs1_field_chars",
                    format!("{} 含有 GS1 字符集之外的字符“{}”", ai_name(ai), c.escape_default()),
                ));
            }
            let slot = if ai == "10" { &mut out.batch } else { &mut out.serial };
            if slot.is_some() {
                return Err(dup());
            }
            *slot = Some(value.to_string());
        }
        _ => {
            check_yymmdd(value, ai == "17").map_err(|m| CodeError::new("gs1_date", format!("{}:{m}", ai_name(ai))))?;
            let slot = if ai == "17" { &mut out.expiry } else { &mut out.production };
            if slot.is_some() {
                return Err(dup());
            }
            *slot = Some(value.to_string());
        }
    }
    Ok(())
}

fn unknown_ai(ai: &str) -> CodeError {
    CodeError::new("gs1_unknown_ai", format!("不支持的应用标识符({ai}),支持 (01)(10)(21)(17)(11)"))
}

/// Parses a GS1 element string (see the module documentation). An element string must
/// carry (01).
pub fn parse_element_string(input: &str) -> Result<ElementString, CodeError> {
    let mut out = ElementString::default();
    let s = input
        .strip_prefix("]d2")
        .or_else(|| input.strip_prefix("]C1"))
        .or_else(|| input.strip_prefix("]Q3"))
        .unwrap_or(input);
    if s.is_empty() {
        return Err(CodeError::new("empty", "代码为空"));
    }
    if s.starts_with('(') {
        // Human-readable: (AI)data(AI)data…
        let mut rest = s;
        while !rest.is_empty() {
            let Some(after) = rest.strip_prefix('(') else {
                return Err(CodeError::new("gs1_syntax", "应用标识符应写在括号内"));
            };
            let Some(close) = after.find(')') else {
                return Err(CodeError::new("gs1_syntax", "括号未闭合"));
            };
            let ai = &after[..close];
            if ai_len(ai).is_none() {
                return Err(unknown_ai(ai));
            }
            let data = &after[close + 1..];
            let end = data.find('(').unwrap_or(data.len());
            set_field(&mut out, ai, &data[..end])?;
            rest = &data[end..];
        }
    } else {
        let mut rest = s;
        while !rest.is_empty() {
            if rest.len() < 2 || !rest.is_char_boundary(2) {
                return Err(CodeError::new("gs1_syntax", "应用标识符不完整"));
            }
            let ai = &rest[..2];
            let len = ai_len(ai).ok_or_else(|| unknown_ai(ai))?;
            let data = &rest[2..];
            let (value, next) = match len {
                Len::Fixed(n) => {
                    let end = data.char_indices().nth(n).map(|(i, _)| i).unwrap_or(data.len());
                    let next = data[end..].strip_prefix(GS).unwrap_or(&data[end..]);
                    (&data[..end], next)
                }
                Len::Var(_) => match data.find(GS) {
                    Some(i) => (&data[..i], &data[i + 1..]),
                    None => (data, ""),
                },
            };
            set_field(&mut out, ai, value)?;
            rest = next;
        }
    }
    if out.gtin.is_none() {
        return Err(CodeError::new("gs1_no_gtin", "GS1 元素串缺少 (01) 全球贸易项目代码"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gtins() {
        assert_eq!(Gtin::parse("06901234567892").unwrap().as_str(), "06901234567892");
        assert_eq!(Gtin::parse("6901234567892").unwrap().as_str(), "06901234567892");
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(Gtin::parse("036000291452").unwrap().as_str(), "00036000291452");
        assert_eq!(Gtin::parse("6901234567893").unwrap_err().code, "gtin_check");
        assert_eq!(Gtin::parse("690123456789").unwrap_err().code, "gtin_check");
        assert_eq!(Gtin::parse("12345").unwrap_err().code, "gtin_length");
        assert_eq!(Gtin::parse("69012345678A2").unwrap_err().code, "gtin_chars");
        assert_eq!(Gtin::parse("16901234567899").unwrap().indicator(), 1);
    }

    #[test]
    fn element_strings() {
        let e = parse_element_string("(01)06901234567892(11)141231(17)150707(10)A213B1(21)1234").unwrap();
        assert_eq!(e.gtin.unwrap().as_str(), "06901234567892");
        assert_eq!(e.batch.as_deref(), Some("A213B1"));
        assert_eq!(e.serial.as_deref(), Some("1234"));
        assert_eq!(e.expiry.as_deref(), Some("150707"));
        assert_eq!(e.production.as_deref(), Some("141231"));
        let raw = parse_element_string("]d2010690123456789217251200\u{1d}10LOT-7\u{1d}21S99").unwrap();
        assert_eq!(raw.expiry.as_deref(), Some("251200"));
        assert_eq!(raw.batch.as_deref(), Some("LOT-7"));
        assert_eq!(raw.serial.as_deref(), Some("S99"));
        assert_eq!(parse_element_string("0106901234567892").unwrap().batch, None);
        assert_eq!(parse_element_string("(10)ABC").unwrap_err().code, "gs1_no_gtin");
        assert_eq!(parse_element_string("(01)06901234567892(99)X").unwrap_err().code, "gs1_unknown_ai");
        assert_eq!(parse_element_string("(01)06901234567892(17)251301").unwrap_err().code, "gs1_date");
        assert_eq!(parse_element_string("(01)06901234567892(11)250200").unwrap_err().code, "gs1_date");
        assert_eq!(parse_element_string("(01)06901234567892(10)A(10)B").unwrap_err().code, "gs1_duplicate_ai");
        assert_eq!(parse_element_string("(01)06901234567892(10)").unwrap_err().code, "gs1_field_length");
        assert_eq!(parse_element_string("(01)06901234567892(10)批号").unwrap_err().code, "gs1_field_chars");
        assert_eq!(parse_element_string("(01)0690123456789").unwrap_err().code, "gs1_field_length");
        assert_eq!(parse_element_string("(01)06901234567892(17)240229").unwrap().expiry.as_deref(), Some("240229"));
        assert_eq!(parse_element_string("(01)06901234567892(17)250229").unwrap_err().code, "gs1_date");
    }

    proptest! {
        #[test]
        fn computed_check_digits_validate(data in "[0-9]{13}") {
            let full = format!("{data}{}", check_digit(&data).unwrap());
            prop_assert!(Gtin::parse(&full).is_ok());
            // Any single-digit substitution is detected by the mod-10 scheme.
            for i in 0..14 {
                let mut b = full.clone().into_bytes();
                b[i] = b'0' + (b[i] - b'0' + 1) % 10;
                prop_assert!(Gtin::parse(std::str::from_utf8(&b).unwrap()).is_err());
            }
        }

        #[test]
        fn human_and_raw_forms_agree(gtin in "[0-9]{13}", batch in "[A-Z0-9-]{1,20}", serial in "[a-z0-9]{1,20}") {
            let g = format!("{gtin}{}", check_digit(&gtin).unwrap());
            let human = parse_element_string(&format!("(01){g}(10){batch}(21){serial}")).unwrap();
            let raw = parse_element_string(&format!("01{g}10{batch}\u{1d}21{serial}")).unwrap();
            prop_assert_eq!(human, raw);
        }

        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = parse_element_string(&s);
            let _ = Gtin::parse(&s);
        }
    }
}
