//! The drug traceability code (药品追溯码), NMPA/T 1002-2019 《药品追溯码编码要求》.
//!
//! The standard lets a marketing authorisation holder use a code that meets it: a code of
//! 20 characters whose first 7 are the drug identification code (药品标识码, identifying
//! holder, generic name, dosage form, strength and package), or a code that follows the
//! ISO international coding rules (in practice GS1, accepted here as a GS1 element string
//! with (01) and a serial or batch). For the 20-character form in use in China the code
//! is all digits: 7-digit product code + 9-digit unit serial + 4-digit check.
//!
//! **What is verified.** Length 20, digits only, the three parts. The 4-digit check is
//! issued by the code issuer together with the serial (it is a verification value of the
//! issuing platform, not a public checksum: NMPA/T 1002-2019 requires the code to be
//! secure against forgery but publishes no algorithm). It cannot be recomputed here, so
//! it is checked for shape only and never reported as "verified"; a product code or
//! serial of all zeros is refused as not issued.

use super::gs1;
use super::CodeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrugCode {
    /// The 20-digit code.
    Numeric { product: String, serial: String, check: String },
    /// A GS1 element string (ISO-conformant alternative of the standard).
    Gs1(gs1::ElementString),
}

impl DrugCode {
    /// The drug identification code: the 7-digit product code, or the GTIN.
    pub fn product_key(&self) -> String {
        match self {
            DrugCode::Numeric { product, .. } => product.clone(),
            DrugCode::Gs1(e) => e.gtin.as_ref().map(|g| g.as_str().to_string()).unwrap_or_default(),
        }
    }
}

pub fn parse(s: &str) -> Result<DrugCode, CodeError> {
    if s.starts_with('(') || s.starts_with("]d2") || (s.starts_with("01") && s.len() > 20) {
        let e = gs1::parse_element_string(s)?;
        if e.serial.is_none() && e.batch.is_none() {
            return Err(CodeError::new("drug_no_unit", "GS1 药品追溯码须含 (21) 序列号或 (10) 批号"));
        }
        return Ok(DrugCode::Gs1(e));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::new("drug_chars", "药品追溯码(20 位)只能由数字组成"));
    }
    if s.len() != 20 {
        return Err(CodeError::new("drug_length", format!("药品追溯码应为 20 位,实际 {} 位", s.len())));
    }
    let (product, serial, check) = (&s[0..7], &s[7..16], &s[16..20]);
    if product.bytes().all(|b| b == b'0') {
        return Err(CodeError::new("drug_product", "药品标识码(前 7 位)不能全为 0"));
    }
    if serial.bytes().all(|b| b == b'0') {
        return Err(CodeError::new("drug_serial", "单品序列号(第 8 至 16 位)不能全为 0"));
    }
    Ok(DrugCode::Numeric { product: product.into(), serial: serial.into(), check: check.into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numeric() {
        let d = parse("81234560000012345678").unwrap();
        assert_eq!(
            d,
            DrugCode::Numeric { product: "8123456".into(), serial: "000001234".into(), check: "5678".into() }
        );
        assert_eq!(d.product_key(), "8123456");
        assert_eq!(parse("8123456000001234567").unwrap_err().code, "drug_length");
        assert_eq!(parse("8123456000001234567X").unwrap_err().code, "drug_chars");
        assert_eq!(parse("00000000000012345678").unwrap_err().code, "drug_product");
        assert_eq!(parse("81234560000000005678").unwrap_err().code, "drug_serial");
    }

    #[test]
    fn gs1_alternative() {
        assert_eq!(parse("(01)06901234567892(21)A1").unwrap().product_key(), "06901234567892");
        assert_eq!(parse("(01)06901234567892").unwrap_err().code, "drug_no_unit");
    }

    proptest! {
        #[test]
        fn any_twenty_digits_with_nonzero_parts(p in "[1-9][0-9]{6}", s in "[1-9][0-9]{8}", c in "[0-9]{4}") {
            let code = format!("{p}{s}{c}");
            prop_assert!(parse(&code).is_ok());
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse(&s);
        }
    }
}
