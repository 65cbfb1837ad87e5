//! The audit trail's hash chain (DESIGN §6).
//!
//! Every state change writes one [`AuditEntry`] in the same transaction as the change.
//! Entries form a chain: each carries the hash of its predecessor and its own hash over
//! a length-prefixed canonical encoding of all its fields, so any edit, deletion,
//! insertion or swap is detected at the first affected sequence number.

use crate::crypto::HashAlgo;
use serde::{Deserialize, Serialize};

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a caller states about a change; the store adds sequence, time and hashes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEvent {
    /// Account username, `api-key:<prefix>`, `public`, or `system`.
    pub actor: String,
    /// The role under which the actor acted (`anonymous` for the public).
    pub role: String,
    /// Dotted action name, e.g. `account.create`, `auth.login_failed`.
    pub action: String,
    /// The object acted on, e.g. `account:12`, `department:3`.
    pub object: String,
    /// Non-personal detail as JSON text; personal data must be removed or hashed before.
    pub detail: String,
}

impl AuditEvent {
    pub fn new(
        actor: impl Into<String>,
        role: impl Into<String>,
        action: impl Into<String>,
        object: impl Into<String>,
        detail: serde_json::Value,
    ) -> Self {
        AuditEvent {
            actor: actor.into(),
            role: role.into(),
            action: action.into(),
            object: object.into(),
            detail: detail.to_string(),
        }
    }
}

/// One stored audit row.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC time, RFC 3339 with microseconds and `Z`.
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub detail: String,
    pub payload_hash: String,
    pub prev_hash: String,
    pub hash: String,
    pub algo: String,
}

fn push_field(buf: &mut Vec<u8>, field: &[u8]) {
    buf.extend_from_slice(&(field.len() as u32).to_be_bytes());
    buf.extend_from_slice(field);
}

/// The canonical bytes an entry's own hash covers.
pub fn canonical_bytes(e: &AuditEntry) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256 + e.detail.len());
    push_field(&mut buf, b"jianguan-audit/1");
    push_field(&mut buf, &e.seq.to_be_bytes());
    for f in [&e.at, &e.actor, &e.role, &e.action, &e.object, &e.payload_hash, &e.prev_hash, &e.algo] {
        push_field(&mut buf, f.as_bytes());
    }
    buf
}

/// Seals an event into the entry that follows `prev_hash` at `seq`.
pub fn seal(event: &AuditEvent, seq: i64, at: String, prev_hash: &str, algo: HashAlgo) -> AuditEntry {
    let mut e = AuditEntry {
        seq,
        at,
        actor: event.actor.clone(),
        role: event.role.clone(),
        action: event.action.clone(),
        object: event.object.clone(),
        detail: event.detail.clone(),
        payload_hash: algo.hex(event.detail.as_bytes()),
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
        algo: algo.as_str().to_string(),
    };
    e.hash = algo.hex(&canonical_bytes(&e));
    e
}

/// Why verification stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("第 {seq} 条:序号不连续(应为 {expected})")]
    Gap { seq: i64, expected: i64 },
    #[error("第 {seq} 条:未知的摘要算法 {algo}")]
    UnknownAlgo { seq: i64, algo: String },
    #[error("第 {seq} 条:内容摘要不符(内容被改动)")]
    PayloadHash { seq: i64 },
    #[error("第 {seq} 条:前一条摘要不符(有条目被删除、插入或调换)")]
    PrevHash { seq: i64 },
    #[error("第 {seq} 条:本条摘要不符(字段被改动)")]
    OwnHash { seq: i64 },
}

impl ChainError {
    pub fn seq(&self) -> i64 {
        match self {
            ChainError::Gap { seq, .. }
            | ChainError::UnknownAlgo { seq, .. }
            | ChainError::PayloadHash { seq }
            | ChainError::PrevHash { seq }
            | ChainError::OwnHash { seq } => *seq,
        }
    }
}

/// Incremental verifier, so a store can stream millions of rows through it.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    count: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { expected_seq: 1, prev_hash: GENESIS_HASH.to_string(), count: 0 }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        if e.seq != self.expected_seq {
            return Err(ChainError::Gap { seq: e.seq, expected: self.expected_seq });
        }
        let algo =
            HashAlgo::parse(&e.algo).ok_or_else(|| ChainError::UnknownAlgo { seq: e.seq, algo: e.algo.clone() })?;
        if algo.hex(e.detail.as_bytes()) != e.payload_hash {
            return Err(ChainError::PayloadHash { seq: e.seq });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainError::PrevHash { seq: e.seq });
        }
        if algo.hex(&canonical_bytes(e)) != e.hash {
            return Err(ChainError::OwnHash { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.count += 1;
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

/// Verifies a whole chain; returns the number of entries.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<u64, ChainError> {
    let mut v = ChainVerifier::default();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.count())
}

/// A checkpoint of the chain head, signed with an HMAC key from configuration so it can
/// be exported and anchored elsewhere (a newspaper, another agency's system).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub head_hash: String,
    pub at: String,
    pub mac: String,
}

pub fn checkpoint_mac(key: &[u8], seq: i64, head_hash: &str, at: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("any key length");
    let mut buf = Vec::new();
    push_field(&mut buf, b"jianguan-checkpoint/1");
    push_field(&mut buf, &seq.to_be_bytes());
    push_field(&mut buf, head_hash.as_bytes());
    push_field(&mut buf, at.as_bytes());
    mac.update(&buf);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn chain(n: usize, algo: HashAlgo) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| e.hash.clone()).unwrap_or_else(|| GENESIS_HASH.into());
            let ev = AuditEvent::new(
                format!("user{}", i % 3),
                "系统管理员",
                "account.create",
                format!("account:{i}"),
                serde_json::json!({ "i": i }),
            );
            out.push(seal(&ev, i as i64 + 1, format!("2026-01-01T00:00:{:02}.000000Z", i % 60), &prev, algo));
        }
        out
    }

    #[test]
    fn valid_chains_verify() {
        for algo in [HashAlgo::Sha256, HashAlgo::Sm3] {
            assert_eq!(verify_chain(&chain(20, algo)), Ok(20));
        }
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn edit_is_located() {
        let mut c = chain(10, HashAlgo::Sha256);
        c[4].actor = "mallory".into();
        assert_eq!(verify_chain(&c).unwrap_err(), ChainError::OwnHash { seq: 5 });
        let mut c = chain(10, HashAlgo::Sha256);
        c[6].detail = "{}".into();
        assert_eq!(verify_chain(&c).unwrap_err(), ChainError::PayloadHash { seq: 7 });
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Tamper {
        Edit(usize, u8),
        Delete(usize),
        Insert(usize),
        Swap(usize),
    }

    fn tamper() -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0usize..1000, 0u8..8).prop_map(|(i, f)| Tamper::Edit(i, f)),
            (0usize..1000).prop_map(Tamper::Delete),
            (0usize..1000).prop_map(Tamper::Insert),
            (0usize..1000).prop_map(Tamper::Swap),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Any single edit, deletion, insertion or swap is detected at the right place.
        #[test]
        fn any_single_tamper_is_found(n in 2usize..30, t in tamper(), sm3 in any::<bool>()) {
            let algo = if sm3 { HashAlgo::Sm3 } else { HashAlgo::Sha256 };
            let mut c = tests::chain(n, algo);
            let expected_seq: i64;
            match t {
                Tamper::Edit(i, f) => {
                    let i = i % n;
                    let e = &mut c[i];
                    match f {
                        0 => e.actor.push('x'),
                        1 => e.role.push('x'),
                        2 => e.action.push('x'),
                        3 => e.object.push('x'),
                        4 => e.detail.push(' '),
                        5 => e.at.push('x'),
                        6 => e.algo = if sm3 { "sha256".into() } else { "sm3".into() },
                        _ => e.hash.replace_range(0..1, if e.hash.starts_with('a') { "b" } else { "a" }),
                    }
                    // Editing an entry's own hash is caught at the next entry (its prev_hash
                    // no longer matches) unless it is the last one, where the own hash fails.
                    expected_seq = i as i64 + 1;
                    let err = verify_chain(&c).unwrap_err();
                    prop_assert_eq!(err.seq(), expected_seq);
                }
                Tamper::Delete(i) => {
                    let i = i % n;
                    c.remove(i);
                    let err = verify_chain(&c);
                    if i == n - 1 {
                        // Deleting the tail is invisible to the chain alone: checkpoints catch it.
                        prop_assert!(err.is_ok());
                    } else {
                        prop_assert_eq!(err.unwrap_err().seq(), i as i64 + 2);
                    }
                }
                Tamper::Insert(i) => {
                    let i = i % n;
                    let mut forged = c[i].clone();
                    forged.object.push_str("-forged");
                    c.insert(i + 1, forged);
                    prop_assert_eq!(verify_chain(&c).unwrap_err().seq(), c[i + 1].seq);
                }
                Tamper::Swap(i) => {
                    let i = i % (n - 1);
                    c.swap(i, i + 1);
                    prop_assert_eq!(verify_chain(&c).unwrap_err().seq(), i as i64 + 2);
                }
            }
        }
    }
}
