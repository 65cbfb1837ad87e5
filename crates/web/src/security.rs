//! Passwords (argon2id), random tokens, and cookies.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "jg_session";
pub const PRE_CSRF_COOKIE: &str = "jg_csrf";

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("params"))
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).expect("OS random source");
    b
}

/// A URL-safe random token of 32 bytes.
pub fn token() -> String {
    data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>())
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("salt");
    argon2().hash_password(password.as_bytes(), &salt).expect("argon2").to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => argon2().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A one-time password for a new or reset account: 12 characters, all four classes,
/// without look-alike characters.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#%+=@";
    let r = random_bytes::<12>();
    let sets = [LOWER, UPPER, DIGIT, SYMBOL];
    r.iter()
        .enumerate()
        .map(|(i, b)| {
            let set = if i < 4 { sets[i] } else { sets[(*b as usize) % 3] };
            set[(*b as usize / 4) % set.len()] as char
        })
        .collect()
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", secure, Some(0))
}

/// Constant-time comparison of two tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("Abcdefg1!");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Abcdefg1!", &h));
        assert!(!verify_password("Abcdefg2!", &h));
        assert!(!verify_password("x", "not a hash"));
        let p = jianguan_domain::auth::PasswordPolicy::default();
        for _ in 0..50 {
            assert!(p.check(&one_time_password(), "someone").is_ok());
        }
    }
}
