//! Product traceability (追溯, 附件2 四(二)) and inclusive and prudent supervision
//! (包容审慎, 附件2 四(四)): code schemes, custody events and their checks, recalls, and
//! observation periods. Pure rules, no I/O.

pub mod custody;
pub mod drug;
pub mod equipment;
pub mod gs1;
pub mod observation;
pub mod udi;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A code that failed validation: a stable machine code and a Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError {
    pub code: &'static str,
    pub message: String,
}

impl CodeError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CodeError { code, message: message.into() }
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CodeError {}

/// The code schemes a product is identified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// GS1 GTIN, alone or in an element string with batch/serial.
    Gtin,
    /// 药品追溯码.
    Drug,
    /// Medical-device UDI (GS1, MA or HIBC).
    Udi,
    /// Special-equipment code or registration number.
    Equipment,
}

impl Scheme {
    pub const ALL: [Scheme; 4] = [Scheme::Gtin, Scheme::Drug, Scheme::Udi, Scheme::Equipment];

    pub fn code(self) -> &'static str {
        match self {
            Scheme::Gtin => "gtin",
            Scheme::Drug => "drug",
            Scheme::Udi => "udi",
            Scheme::Equipment => "equipment",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scheme::Gtin => "商品条码(GS1 GTIN)",
            Scheme::Drug => "药品追溯码",
            Scheme::Udi => "医疗器械唯一标识(UDI)",
            Scheme::Equipment => "特种设备代码",
        }
    }

    pub fn from_code(s: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A validated product code, reduced to what traceability needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCode {
    pub scheme: Scheme,
    /// The product identifier the catalogue is keyed by: GTIN-14, the drug's 7-digit
    /// identification code (or GTIN), the UDI-DI, the equipment code.
    pub product: String,
    pub batch: Option<String>,
    pub serial: Option<String>,
    /// The issuing agency for UDI (`GS1`, `MA`, `HIBC`), the category for equipment.
    pub detail: String,
}

/// Validates `input` (trimmed) under `scheme`.
pub fn check(scheme: Scheme, input: &str) -> Result<ProductCode, CodeError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(CodeError::new("empty", "代码为空"));
    }
    if s.chars().count() > 200 {
        return Err(CodeError::new("too_long", "代码超过 200 个字符"));
    }
    Ok(match scheme {
        Scheme::Gtin => {
            if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 14 {
                let g = gs1::Gtin::parse(s)?;
                ProductCode { scheme, product: g.as_str().into(), batch: None, serial: None, detail: String::new() }
            } else {
                let e = gs1::parse_element_string(s)?;
                ProductCode {
                    scheme,
                    product: e.gtin.expect("parser requires (01)").as_str().into(),
                    batch: e.batch,
                    serial: e.serial,
                    detail: e.expiry.map(|x| format!("有效期 {x}")).unwrap_or_default(),
                }
            }
        }
        Scheme::Drug => {
            let d = drug::parse(s)?;
            let product = d.product_key();
            match d {
                drug::DrugCode::Numeric { serial, .. } => {
                    ProductCode { scheme, product, batch: None, serial: Some(serial), detail: String::new() }
                }
                drug::DrugCode::Gs1(e) => {
                    ProductCode { scheme, product, batch: e.batch, serial: e.serial, detail: "GS1".into() }
                }
            }
        }
        Scheme::Udi => {
            let u = udi::parse(s)?;
            ProductCode { scheme, product: u.di, batch: u.pi.lot, serial: u.pi.serial, detail: u.agency.code().into() }
        }
        Scheme::Equipment => {
            let e = equipment::parse(s)?;
            ProductCode { scheme, product: s.to_string(), batch: None, serial: None, detail: e.category().into() }
        }
    })
}

/// One output line of `jianguan code check`: `CODE<TAB>valid` or
/// `CODE<TAB>invalid<TAB>reason` (tabs and newlines in the echoed code are escaped).
pub fn check_line(scheme: Scheme, line: &str) -> String {
    let shown: String = line.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match check(scheme, line) {
        Ok(_) => format!("{shown}\tvalid"),
        Err(e) => format!("{shown}\tinvalid\t{}", e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(check(Scheme::Gtin, " 6901234567892 ").unwrap().product, "06901234567892");
        let c = check(Scheme::Gtin, "(01)06901234567892(10)B1(21)S1").unwrap();
        assert_eq!((c.batch.as_deref(), c.serial.as_deref()), (Some("B1"), Some("S1")));
        assert_eq!(check(Scheme::Drug, "81234560000012345678").unwrap().product, "8123456");
        assert_eq!(check(Scheme::Udi, "+A123BJC5D6E71G").unwrap().detail, "HIBC");
        assert_eq!(check(Scheme::Equipment, "梯11津A00123(19)").unwrap().detail, "电梯");
        assert_eq!(check(Scheme::Gtin, "").unwrap_err().code, "empty");
        assert_eq!(check_line(Scheme::Gtin, "6901234567892"), "6901234567892\tvalid");
        assert_eq!(check_line(Scheme::Gtin, "6901234567893"), "6901234567893\tinvalid\tGTIN 校验位错误:应为 2,实际 3");
        assert!(check_line(Scheme::Gtin, "(01)06901234567892\u{1d}10X").starts_with("(01)06901234567892 10X\t"));
        for s in Scheme::ALL {
            assert_eq!(Scheme::from_code(s.code()), Some(s));
        }
    }
}
