//! Unique device identification (医疗器械唯一标识, UDI): 《医疗器械唯一标识系统规则》 and
//! YY/T 1630-2018. A UDI is a device identifier (DI) and optional production identifiers
//! (PI), coded by one of the issuing agencies accepted in China:
//!
//! * **GS1**: DI = GTIN in AI (01) (mod-10 check digit); PI = (11) production date,
//!   (17) expiry, (10) lot, (21) serial.
//! * **MA** (IDcode, 中关村工信二维码技术研究院, ISO/IEC 15459 issuing agency "MA"):
//!   DI = `MA.` + country code (3 digits) + `.` + industry code `M0` + `.` + registrant
//!   code (6 digits) + `.` + product code (packaging 1 digit + item 6 digits + check 1
//!   character); PI units follow, each `.` + a letter + data: `L` lot, `S` serial,
//!   `M` production date, `V` validity date, `E` expiry date (6 or 8 digits), `D`
//!   sterilisation lot. The MA product-code check character is computed by the issuing
//!   agency with an algorithm its coding manual does not publish: it is checked for shape
//!   (one digit or capital letter) only.
//! * **HIBC** (HIBCC, ANSI/HIBC 2.6): primary `+` + labeler code (4, first alphabetic) +
//!   product/catalogue number (1–18 alphanumeric) + unit of measure (1 digit), then the
//!   modulo-43 check character over everything before it. The concatenated
//!   primary/secondary form (`primary/secondary` + one check character) is read for the
//!   secondary formats `$lot`, `$+serial`, `$$MMYYlot` and `$$+MMYYserial`; other
//!   secondary formats are refused as unsupported. Code 39 `*` framing is stripped.

use super::gs1;
use super::CodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agency {
    Gs1,
    Ma,
    Hibc,
}

impl Agency {
    pub fn code(self) -> &'static str {
        match self {
            Agency::Gs1 => "GS1",
            Agency::Ma => "MA",
            Agency::Hibc => "HIBC",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Production {
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub production_date: Option<String>,
    pub expiry_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Udi {
    pub agency: Agency,
    pub di: String,
    pub pi: Production,
}

const HIBC_CHARS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

/// The HIBC modulo-43 check character of `data`.
pub fn hibc_check(data: &str) -> Option<char> {
    let mut sum = 0usize;
    for c in data.chars() {
        sum += HIBC_CHARS.find(c)?;
    }
    HIBC_CHARS.chars().nth(sum % 43)
}

pub fn parse(input: &str) -> Result<Udi, CodeError> {
    if input.starts_with("MA.") {
        parse_ma(input)
    } else if input.starts_with('+') || input.starts_with("*+") {
        parse_hibc(input)
    } else {
        parse_gs1(input)
    }
}

fn parse_gs1(s: &str) -> Result<Udi, CodeError> {
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 14 {
        let g = gs1::Gtin::parse(s)?;
        return Ok(Udi { agency: Agency::Gs1, di: g.as_str().to_string(), pi: Production::default() });
    }
    let e = gs1::parse_element_string(s)?;
    Ok(Udi {
        agency: Agency::Gs1,
        di: e.gtin.expect("checked by the parser").as_str().to_string(),
        pi: Production { lot: e.batch, serial: e.serial, production_date: e.production, expiry_date: e.expiry },
    })
}

fn ma_date(what: &str, v: &str) -> Result<String, CodeError> {
    let ok = match v.len() {
        6 => gs1::check_yymmdd(v, false).is_ok(),
        8 if v.bytes().all(|b| b.is_ascii_digit()) => chrono::NaiveDate::parse_from_str(v, "%Y%m%d").is_ok(),
        _ => false,
    };
    if ok {
        Ok(v.to_string())
    } else {
        Err(CodeError::new("udi_ma_date", format!("MA 码{what}应为 6 位或 8 位有效日期,实际“{v}”")))
    }
}

fn parse_ma(s: &str) -> Result<Udi, CodeError> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() < 5 {
        return Err(CodeError::new("udi_ma_structure", "MA 码产品标识应为 MA.国家代码.行业代码.注册人代码.产品编码"));
    }
    let (country, industry, registrant, product) = (parts[1], parts[2], parts[3], parts[4]);
    if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::new("udi_ma_country", format!("MA 码国家代码应为 3 位数字,实际“{country}”")));
    }
    if industry != "M0" {
        return Err(CodeError::new("udi_ma_industry", format!("MA 码医疗器械行业代码应为 M0,实际“{industry}”")));
    }
    if registrant.len() != 6 || !registrant.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::new("udi_ma_registrant", format!("MA 码注册人代码应为 6 位数字,实际“{registrant}”")));
    }
    let pb = product.as_bytes();
    if pb.len() != 8
        || !pb[..7].iter().all(u8::is_ascii_digit)
        || !(pb[7].is_ascii_digit() || pb[7].is_ascii_uppercase())
    {
        return Err(CodeError::new(
            "udi_ma_product",
            format!("MA 码产品编码应为包装编码 1 位 + 项目编码 6 位 + 校验码 1 位,实际“{product}”"),
        ));
    }
    let mut pi = Production::default();
    for unit in &parts[5..] {
        let mut chars = unit.chars();
        let Some(tag) = chars.next() else {
            return Err(CodeError::new("udi_ma_pi", "MA 码生产标识数据单元为空"));
        };
        let v = chars.as_str();
        if v.is_empty() || v.chars().count() > 20 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(CodeError::new("udi_ma_pi", format!("MA 码生产标识“{unit}”的数据应为 1 至 20 个字母数字")));
        }
        let slot = match tag {
            'L' => &mut pi.lot,
            'S' => &mut pi.serial,
            'M' => {
                pi.production_date
                    .replace(ma_date("生产日期", v)?)
                    .map_or(Ok(()), |_| Err(()))
                    .map_err(|_| CodeError::new("udi_ma_pi", "MA 码生产日期重复"))?;
                continue;
            }
            'E' | 'V' => {
                pi.expiry_date
                    .replace(ma_date("失效期/有效期", v)?)
                    .map_or(Ok(()), |_| Err(()))
                    .map_err(|_| CodeError::new("udi_ma_pi", "MA 码失效期重复"))?;
                continue;
            }
            'D' => continue,
            other => {
                return Err(CodeError::new(
                    "udi_ma_pi",
                    format!("MA 码生产标识分隔符“.{other}”无法识别(支持 L、S、M、V、E、D)"),
                ));
            }
        };
        if slot.replace(v.to_string()).is_some() {
            return Err(CodeError::new("udi_ma_pi", format!("MA 码生产标识“.{tag}”重复")));
        }
    }
    Ok(Udi { agency: Agency::Ma, di: parts[..5].join("."), pi })
}

fn parse_hibc(input: &str) -> Result<Udi, CodeError> {
    let s = input.strip_prefix('*').and_then(|s| s.strip_suffix('*')).unwrap_or(input);
    if let Some(c) = s.chars().find(|c| !HIBC_CHARS.contains(*c)) {
        return Err(CodeError::new("udi_hibc_chars", format!("HIBC 码含有无效字符“{}”", c.escape_default())));
    }
    if s.len() < 8 {
        return Err(CodeError::new("udi_hibc_length", "HIBC 码过短"));
    }
    let (data, check) = s.split_at(s.len() - 1);
    let want = hibc_check(data).expect("checked charset");
    if check != want.to_string() {
        return Err(CodeError::new("udi_hibc_check", format!("HIBC 模 43 校验字符错误:应为 {want},实际 {check}")));
    }
    let (primary, secondary) = match data.split_once('/') {
        Some((p, sec)) => (p, Some(sec)),
        None => (data, None),
    };
    let p = &primary[1..];
    let lic = p.get(..4).unwrap_or("");
    if lic.len() != 4 || !lic.as_bytes()[0].is_ascii_uppercase() || !lic.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CodeError::new("udi_hibc_lic", "HIBC 标签者代码(LIC)应为 4 位字母数字且首位为字母"));
    }
    let rest = &p[4..];
    if rest.len() < 2 || rest.len() > 19 {
        return Err(CodeError::new("udi_hibc_pcn", "HIBC 产品目录号应为 1 至 18 位,后接 1 位计量单位"));
    }
    let (pcn, um) = rest.split_at(rest.len() - 1);
    if !pcn.bytes().all(|b| b.is_ascii_alphanumeric()) || !um.as_bytes()[0].is_ascii_digit() {
        return Err(CodeError::new("udi_hibc_pcn", "HIBC 产品目录号应为字母数字,计量单位为 1 位数字"));
    }
    let mut pi = Production::default();
    if let Some(sec) = secondary {
        let bad = || CodeError::new("udi_hibc_secondary", format!("不支持的 HIBC 次要数据格式“{sec}”"));
        let field = |v: &str| -> Result<String, CodeError> {
            if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(bad());
            }
            Ok(v.to_string())
        };
        let mmyy = |v: &str| -> Result<String, CodeError> {
            let m: u32 = v.get(..2).and_then(|m| m.parse().ok()).ok_or_else(bad)?;
            if !(1..=12).contains(&m) || !v.get(2..4).is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad());
            }
            Ok(format!("{}{}00", &v[2..4], &v[..2]))
        };
        if let Some(v) = sec.strip_prefix("$$+") {
            pi.expiry_date = Some(mmyy(v)?);
            pi.serial = Some(field(&v[4..])?);
        } else if let Some(v) = sec.strip_prefix("$$") {
            if v.starts_with(|c: char| !matches!(c, '0' | '1')) {
                return Err(bad());
            }
            pi.expiry_date = Some(mmyy(v)?);
            pi.lot = Some(field(&v[4..])?);
        } else if let Some(v) = sec.strip_prefix("$+") {
            pi.serial = Some(field(v)?);
        } else if let Some(v) = sec.strip_prefix('$') {
            pi.lot = Some(field(v)?);
        } else {
            return Err(bad());
        }
    }
    Ok(Udi { agency: Agency::Hibc, di: primary.to_string(), pi })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gs1() {
        let u = parse("(01)06901234567892(11)141231(17)150707(10)A213B1(21)1234").unwrap();
        assert_eq!(u.agency, Agency::Gs1);
        assert_eq!(u.di, "06901234567892");
        assert_eq!(u.pi.lot.as_deref(), Some("A213B1"));
        assert_eq!(parse("(01)26901234567896(17)130131(10)1234").unwrap().pi.expiry_date.as_deref(), Some("130131"));
        assert_eq!(parse("691873104756").unwrap_err().code, "gtin_check");
        assert_eq!(parse("06901234567892").unwrap().pi, Production::default());
    }

    #[test]
    fn hibc() {
        let u = parse("+A123BJC5D6E71G").unwrap();
        assert_eq!(u.agency, Agency::Hibc);
        assert_eq!(u.di, "+A123BJC5D6E71");
        assert_eq!(parse("*+A123BJC5D6E71G*").unwrap().di, "+A123BJC5D6E71");
        assert_eq!(parse("+A123BJC5D6E71H").unwrap_err().code, "udi_hibc_check");
        let data = "+A123BJC5D6E71/$$0527LOT9";
        let full = format!("{data}{}", hibc_check(data).unwrap());
        let u = parse(&full).unwrap();
        assert_eq!(u.pi.lot.as_deref(), Some("LOT9"));
        assert_eq!(u.pi.expiry_date.as_deref(), Some("270500"));
        let data = "+A123BJC5D6E71/$+SN77";
        assert_eq!(parse(&format!("{data}{}", hibc_check(data).unwrap())).unwrap().pi.serial.as_deref(), Some("SN77"));
        let data = "+1123BJC5D6E71";
        assert_eq!(parse(&format!("{data}{}", hibc_check(data).unwrap())).unwrap_err().code, "udi_hibc_lic");
        let data = "+A123BJC5D6E71/%X";
        assert_eq!(parse(&format!("{data}{}", hibc_check(data).unwrap())).unwrap_err().code, "udi_hibc_secondary");
    }

    #[test]
    fn ma() {
        let u = parse("MA.156.M0.100001.10000017.L2301.S0009.M20230105.E20280104").unwrap();
        assert_eq!(u.agency, Agency::Ma);
        assert_eq!(u.di, "MA.156.M0.100001.10000017");
        assert_eq!(u.pi.lot.as_deref(), Some("2301"));
        assert_eq!(u.pi.serial.as_deref(), Some("0009"));
        assert_eq!(u.pi.production_date.as_deref(), Some("20230105"));
        assert_eq!(parse("MA.156.M1.100001.10000017").unwrap_err().code, "udi_ma_industry");
        assert_eq!(parse("MA.15.M0.100001.10000017").unwrap_err().code, "udi_ma_country");
        assert_eq!(parse("MA.156.M0.10001.10000017").unwrap_err().code, "udi_ma_registrant");
        assert_eq!(parse("MA.156.M0.100001.1000001").unwrap_err().code, "udi_ma_product");
        assert_eq!(parse("MA.156.M0.100001.10000017.M20231305").unwrap_err().code, "udi_ma_date");
        assert_eq!(parse("MA.156.M0.100001.10000017.X1").unwrap_err().code, "udi_ma_pi");
        assert_eq!(parse("MA.156.M0.100001.10000017.L1.L2").unwrap_err().code, "udi_ma_pi");
    }

    proptest! {
        #[test]
        fn hibc_check_detects_substitution(lic in "[A-Z][A-Z0-9]{3}", pcn in "[A-Z0-9]{1,18}", um in "[0-9]") {
            let data = format!("+{lic}{pcn}{um}");
            let full = format!("{data}{}", hibc_check(&data).unwrap());
            prop_assert!(parse(&full).is_ok());
            let wrong = HIBC_CHARS.chars().find(|c| Some(*c) != hibc_check(&data) && c.is_ascii_alphanumeric()).unwrap();
            let bad = format!("{data}{wrong}");
            prop_assert!(parse(&bad).is_err());
        }

        #[test]
        fn never_panics(s in "\\PC{0,60}", t in "[+$/A-Z0-9.]{0,30}") {
            let _ = parse(&s);
            let _ = parse(&format!("+{t}"));
            let _ = parse(&format!("MA.{t}"));
        }
    }
}
