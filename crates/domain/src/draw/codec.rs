//! Byte-level building blocks shared by every hash of the draw: length-prefixed
//! fields, the 32-byte digest type, the uscc key and the text and time formats that
//! the public record uses. docs/draw-record.md §2 describes the same layouts.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::DrawError;

/// Appends `u32 BE length ‖ bytes` to `buf`.
///
/// # Panics
/// If `bytes` is 4 GiB or longer; every field of a draw is validated far below that.
pub(crate) fn put_lp(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&lp_len(bytes).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// Feeds `u32 BE length ‖ bytes` to a hasher. Panics like [`put_lp`].
pub(crate) fn hash_lp(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update(lp_len(bytes).to_be_bytes());
    hasher.update(bytes);
}

fn lp_len(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).expect("a length-prefixed field must be shorter than 4 GiB")
}

/// A SHA-256 digest. Ordered as a 256-bit big-endian integer (byte-wise), written as
/// 64 lowercase hexadecimal digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash256(pub [u8; 32]);

impl Hash256 {
    /// The 64 lowercase hexadecimal digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses exactly 64 lowercase hexadecimal digits (the only form a record uses).
    pub fn from_hex(s: &str) -> Result<Self, String> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!("expected 64 lowercase hex digits, found {s:?} (须为64位小写十六进制)"));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|e| e.to_string())?;
        Ok(Self(out))
    }

    pub(crate) fn digest(hasher: Sha256) -> Self {
        Self(hasher.finalize().into())
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({})", self.to_hex())
    }
}

impl Serialize for Hash256 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).map_err(de::Error::custom)
    }
}

/// The alphabet of GB 32100-2015 codes (no I, O, S, V, Z).
pub const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

const USCC_ALLOWED: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < USCC_ALPHABET.len() {
        t[USCC_ALPHABET[i] as usize] = true;
        i += 1;
    }
    t
};

/// A unified social credit code as a draw uses it: 18 characters from
/// [`USCC_ALPHABET`], compared as bytes. Only the syntax is checked here; the check
/// digit is the registry's concern (codes failing it are accepted there with a
/// warning, DESIGN §7), so a draw never rejects an entity the registry accepted.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UsccKey([u8; 18]);

impl UsccKey {
    /// The 18 ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 18] {
        &self.0
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Invariant: only bytes from USCC_ALPHABET (ASCII) are ever stored.
        std::str::from_utf8(&self.0).expect("uscc bytes are ASCII")
    }
}

impl FromStr for UsccKey {
    type Err = DrawError;

    fn from_str(s: &str) -> Result<Self, DrawError> {
        let b = s.as_bytes();
        if b.len() != 18 || !b.iter().all(|&c| USCC_ALLOWED[c as usize]) {
            return Err(DrawError::InvalidUscc { value: s.chars().take(40).collect() });
        }
        let mut out = [0u8; 18];
        out.copy_from_slice(b);
        Ok(Self(out))
    }
}

impl fmt::Display for UsccKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UsccKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsccKey({})", self.as_str())
    }
}

impl Serialize for UsccKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UsccKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = UsccKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an 18-character unified social credit code")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UsccKey, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Checks a free-text field: non-empty, at most `max` bytes of UTF-8, and no control
/// characters (Unicode category Cc), so that every JSON encoder writes it the same way.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), DrawError> {
    let reason = if value.is_empty() {
        "must not be empty (不得为空)".to_owned()
    } else if value.len() > max {
        format!("longer than {max} bytes (超过{max}字节)")
    } else if value.chars().any(char::is_control) {
        "contains a control character (含控制字符)".to_owned()
    } else {
        return Ok(());
    };
    Err(DrawError::InvalidField { field: field.to_owned(), reason })
}

/// Checks a stratum label: 1–32 characters from `A–Z a–z 0–9 _ . -`.
pub(crate) fn check_label(label: &str) -> Result<(), DrawError> {
    let ok = !label.is_empty()
        && label.len() <= 32
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(DrawError::InvalidStratum { label: label.chars().take(40).collect() })
    }
}

/// Drops sub-second precision: a record states times to the second.
pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).expect("0 ns is always valid")
}

/// Serde format `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds); only that exact form is
/// read back, so a record re-serialises byte for byte.
pub(crate) mod utc_seconds {
    use super::*;

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

    pub(crate) fn format(t: &DateTime<Utc>) -> String {
        t.format(FORMAT).to_string()
    }

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        chrono::NaiveDateTime::parse_from_str(&s, FORMAT)
            .ok()
            .map(|n| n.and_utc())
            .filter(|t| format(t) == s)
            .ok_or_else(|| {
                de::Error::custom(format!("time {s:?} is not of the form YYYY-MM-DDTHH:MM:SSZ (时间格式错误)"))
            })
    }
}

/// Serde format `YYYY-MM-DD` (years 0001–9999), read back strictly.
pub(crate) mod iso_date {
    use super::*;

    pub(crate) fn format(d: &NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    pub(crate) fn parse(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|d| s.len() == 10 && d.year() >= 1 && format(d) == s)
    }

    pub(crate) fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| de::Error::custom(format!("date {s:?} is not of the form YYYY-MM-DD (日期格式错误)")))
    }
}
