//! One crypto interface for the national (SM3/SM4) and international (SHA-256) algorithms.
//!
//! Hashing is selectable per use (`HashAlgo`); symmetric encryption of protected personal
//! data uses SM4 in CBC mode with a random IV and PKCS#7 padding, authenticated with an
//! SM3-based HMAC (encrypt-then-MAC). Keys never come from the database.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sm3::Sm3;
use sm4::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

/// A hash algorithm available for audit chains and content addressing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgo {
    #[default]
    Sha256,
    Sm3,
}

impl HashAlgo {
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sm3 => "sm3",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => Some(HashAlgo::Sha256),
            "sm3" => Some(HashAlgo::Sm3),
            _ => None,
        }
    }

    /// Digest of `data` as 32 bytes.
    pub fn digest(self, data: &[u8]) -> [u8; 32] {
        match self {
            HashAlgo::Sha256 => Sha256::digest(data).into(),
            HashAlgo::Sm3 => Sm3::digest(data).into(),
        }
    }

    pub fn hex(self, data: &[u8]) -> String {
        hex::encode(self.digest(data))
    }
}

/// SHA-256 of `data` as lowercase hex (content addressing of files).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Fills a buffer from a caller-provided random source. The domain has no I/O, so the
/// caller (store or web layer) supplies randomness.
pub trait RandomSource {
    fn fill(&mut self, buf: &mut [u8]);
}

/// Errors from protected-field decryption.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("密文格式错误")]
    Malformed,
    #[error("密文校验失败(密钥不符或数据被篡改)")]
    Authentication,
}

/// SM4 key material for protecting personal data at rest (reporters, legal
/// representatives, liaisons). Its `Debug` never prints the key.
#[derive(Clone)]
pub struct FieldCipher {
    /// The SM4 key schedule, expanded once.
    sm4: sm4::Sm4,
    /// HMAC-SM3 with its key already absorbed; cloned for each use.
    mac: HmacSm3,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(***)")
    }
}

type HmacSm3 = Hmac<Sm3>;

impl FieldCipher {
    /// Derives the encryption and MAC keys from a master secret of at least 16 bytes.
    pub fn from_master(master: &[u8]) -> Self {
        let mut enc = Sm3::new();
        enc.update(b"jianguan/field/enc/v1");
        enc.update(master);
        let enc: [u8; 32] = enc.finalize().into();
        let mut mac = Sm3::new();
        mac.update(b"jianguan/field/mac/v1");
        mac.update(master);
        let mac_key: [u8; 32] = mac.finalize().into();
        let mut enc_key = [0u8; 16];
        enc_key.copy_from_slice(&enc[..16]);
        FieldCipher {
            sm4: sm4::Sm4::new(&enc_key.into()),
            mac: <HmacSm3 as Mac>::new_from_slice(&mac_key).expect("any key length"),
        }
    }

    /// Encrypts `plain` with a 16-byte IV supplied by the caller; returns
    /// `v1:` + hex(iv ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plain: &str, iv: [u8; 16]) -> String {
        let cipher = &self.sm4;
        let data = plain.as_bytes();
        let pad = 16 - data.len() % 16;
        let mut buf = Vec::with_capacity(data.len() + pad);
        buf.extend_from_slice(data);
        buf.extend(std::iter::repeat_n(pad as u8, pad));
        let mut prev = iv;
        for chunk in buf.chunks_mut(16) {
            for (b, p) in chunk.iter_mut().zip(prev.iter()) {
                *b ^= p;
            }
            let block = sm4::cipher::generic_array::GenericArray::from_mut_slice(chunk);
            cipher.encrypt_block(block);
            prev.copy_from_slice(chunk);
        }
        let mut out = Vec::with_capacity(16 + buf.len() + 32);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&buf);
        let mut mac = self.mac.clone();
        mac.update(&out);
        out.extend_from_slice(&mac.finalize().into_bytes());
        format!("v1:{}", hex::encode(out))
    }

    pub fn decrypt(&self, sealed: &str) -> Result<String, CryptoError> {
        let hexpart = sealed.strip_prefix("v1:").ok_or(CryptoError::Malformed)?;
        let raw = hex::decode(hexpart).map_err(|_| CryptoError::Malformed)?;
        if raw.len() < 16 + 16 + 32 || (raw.len() - 48) % 16 != 0 {
            return Err(CryptoError::Malformed);
        }
        let (body, tag) = raw.split_at(raw.len() - 32);
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(tag).map_err(|_| CryptoError::Authentication)?;
        let cipher = &self.sm4;
        let (iv, ct) = body.split_at(16);
        let mut prev = [0u8; 16];
        prev.copy_from_slice(iv);
        let mut out = Vec::with_capacity(ct.len());
        for chunk in ct.chunks(16) {
            let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(chunk);
            cipher.decrypt_block(&mut block);
            for (b, p) in block.iter_mut().zip(prev.iter()) {
                *b ^= p;
            }
            out.extend_from_slice(&block);
            prev.copy_from_slice(chunk);
        }
        let pad = *out.last().ok_or(CryptoError::Malformed)? as usize;
        if pad == 0 || pad > 16 || pad > out.len() {
            return Err(CryptoError::Malformed);
        }
        out.truncate(out.len() - pad);
        String::from_utf8(out).map_err(|_| CryptoError::Malformed)
    }

    /// A keyed, deterministic fingerprint of a value (to find equal values without
    /// storing them in clear, e.g. the same reporter filing twice).
    pub fn blind_index(&self, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"blind-index/");
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector() {
        // GB/T 32905-2016 example 1: "abc".
        assert_eq!(HashAlgo::Sm3.hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assert_eq!(HashAlgo::Sha256.hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn sm4_round_trip_and_tamper() {
        let c = FieldCipher::from_master(b"0123456789abcdef-master");
        for text in ["", "张三", "13800138000", &"长文本".repeat(40)] {
            let sealed = c.encrypt(text, [7u8; 16]);
            assert!(!sealed.contains(text) || text.is_empty());
            assert_eq!(c.decrypt(&sealed).unwrap(), text);
        }
        let sealed = c.encrypt("李四", [1u8; 16]);
        let mut bytes = sealed.clone().into_bytes();
        let i = bytes.len() - 40;
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(c.decrypt(&tampered), Err(CryptoError::Authentication));
        let other = FieldCipher::from_master(b"another-master-key!!");
        assert_eq!(other.decrypt(&sealed), Err(CryptoError::Authentication));
        assert_eq!(c.decrypt("garbage"), Err(CryptoError::Malformed));
    }

    #[test]
    fn sm4_block_standard_vector() {
        // GB/T 32907-2016 appendix A example 1.
        let key: [u8; 16] = hex::decode("0123456789abcdeffedcba9876543210").unwrap().try_into().unwrap();
        let cipher = sm4::Sm4::new(&key.into());
        let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }
}
