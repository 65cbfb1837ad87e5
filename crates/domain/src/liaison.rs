//! Enterprise liaisons (企业联络员制度, 正文五): the one-time application codes through
//! which a market entity (which has no account) registers its liaison or replies to a
//! department's notice, and the checks on a liaison's contact data.
//!
//! A code is issued by a department for one entity and one purpose, shown once, and
//! stored only as its SHA-256. It is 12 characters from an alphabet without look-alike
//! characters (60 bits), printed in groups of four (`K7QM-3XPD-9TWA`); case, spaces and
//! dashes do not matter when it is typed back.

/// Characters of an application code (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
pub const CODE_ALPHABET: &[u8; 25] = b"34679ACDEFGHJKMNPQRTUVWXY";

/// Characters in a code.
pub const CODE_LEN: usize = 12;

/// Failed code entries allowed from one address within [`ATTEMPT_WINDOW_MINUTES`].
pub const MAX_FAILED_ATTEMPTS: i64 = 10;
pub const ATTEMPT_WINDOW_MINUTES: i64 = 15;

/// Days a registration code stays valid.
pub const REGISTER_CODE_DAYS: i64 = 30;

/// What a code allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Register (or replace) the entity's liaison.
    Register,
    /// Reply to one notice.
    Reply,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Reply => "reply",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "register" => Some(Purpose::Register),
            "reply" => Some(Purpose::Reply),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Register => "联络员登记",
            Purpose::Reply => "通知回复",
        }
    }
}

/// Formats 12 random bytes as a code (`XXXX-XXXX-XXXX`).
pub fn format_code(random: [u8; CODE_LEN]) -> String {
    let alphabet = CODE_ALPHABET;
    let chars: Vec<char> = random.iter().map(|b| alphabet[(*b as usize) % alphabet.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The canonical form of a typed code, or `None` when it cannot be one.
pub fn normalize_code(input: &str) -> Option<String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (s.chars().count() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(s)
}

/// The stored form of a code: SHA-256 of its canonical form, with a domain tag.
pub fn code_hash(canonical: &str) -> String {
    crate::crypto::sha256_hex(format!("jianguan/liaison-code/v1/{canonical}").as_bytes())
}

/// Checks a liaison's name, phone and position; returns them trimmed.
pub fn check_contact(name: &str, phone: &str, position: &str) -> Result<(String, String, String), String> {
    let name = name.trim();
    let n = name.chars().count();
    if !(2..=30).contains(&n) || name.chars().any(|c| c.is_ascii_digit() || c.is_control() || "<>\"&".contains(c)) {
        return Err("联络员姓名应为2至30个字,不能含数字或符号".into());
    }
    let phone: String = phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let mobile = phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    let landline =
        (10..=12).contains(&phone.len()) && phone.starts_with('0') && phone.bytes().all(|b| b.is_ascii_digit());
    if !mobile && !landline {
        return Err("联系电话应为11位手机号或带区号的固定电话(如 022xxxxxxxx)".into());
    }
    let position = position.trim();
    if position.chars().count() > 30 {
        return Err("职务最多30个字".into());
    }
    Ok((name.to_string(), phone, position.to_string()))
}

/// Limits on a notice and a reply.
pub const MAX_NOTICE_TITLE: usize = 100;
pub const MAX_NOTICE_BODY: usize = 5_000;
pub const MAX_REPLY: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let c = format_code([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        let canon = normalize_code(&c.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(canon, c.replace('-', ""));
        assert_eq!(code_hash(&canon).len(), 64);
        assert_ne!(code_hash(&canon), code_hash("ACDEFGHJKMNP"));
        assert!(normalize_code("ABCD").is_none());
        assert!(normalize_code("0000-0000-0000").is_none(), "look-alike characters are not in codes");
        assert!(normalize_code("'; DROP TABLE--").is_none());
    }

    #[test]
    fn contact_checks() {
        assert_eq!(
            check_contact(" 张伟 ", "138 1234-5678", "办公室主任").unwrap(),
            ("张伟".into(), "13812345678".into(), "办公室主任".into())
        );
        assert!(check_contact("张伟", "02223456789", "").is_ok());
        assert!(check_contact("张", "13812345678", "").is_err());
        assert!(check_contact("<b>x</b>", "13812345678", "").is_err());
        assert!(check_contact("张伟", "12345", "").unwrap_err().contains("电话"));
        assert!(check_contact("张伟", "23812345678", "").is_err());
    }
}
