//! The canonical candidate list (候选名录): entries `(uscc, weight, stratum)` sorted by
//! uscc bytes, without duplicates, and its hash. Stored compactly (24 bytes an entry)
//! because a city-wide pool holds ten million entities.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::digest::core_api::{Buffer, VariableOutputCore};
use sha2::digest::Output;
use sha2::{Digest, Sha256, Sha256VarCore};

use super::codec::{check_label, hash_lp, put_lp, Hash256, UsccKey};
use super::par;
use super::DrawError;

/// Largest weight an entity may carry. A ticket costs `weight` hashes, so the bound
/// also bounds the work of anyone who verifies a record.
pub const MAX_WEIGHT: u32 = 1000;

/// Largest number of distinct strata in one draw.
pub const MAX_STRATA: usize = 64;

/// Domain tag of the pool hash.
pub const POOL_TAG: &[u8] = b"jianguan-draw-pool/1";

/// Entries per leaf of the pool hash: leaves are hashed in parallel.
pub const POOL_CHUNK: usize = 1 << 16;

/// One candidate as stored in a [`Pool`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PoolEntry {
    /// The entity's code.
    pub uscc: UsccKey,
    /// Its integer weight, `1..=MAX_WEIGHT`.
    pub weight: u32,
    stratum: u16,
}

impl PoolEntry {
    /// Index of the entry's stratum in [`Pool::strata`].
    pub fn stratum_index(&self) -> usize {
        usize::from(self.stratum)
    }
}

/// One candidate with its stratum label, as read from or written to a record.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Candidate<'a> {
    pub uscc: UsccKey,
    pub weight: u32,
    pub stratum: &'a str,
}

/// The canonical candidate list. Invariant: entries strictly increasing by uscc,
/// weights in `1..=MAX_WEIGHT`, stratum labels valid and listed in byte order.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Pool {
    strata: Vec<String>,
    entries: Vec<PoolEntry>,
}

impl Pool {
    /// Builds a pool from candidates in any order (see [`PoolBuilder`]).
    pub fn from_candidates<I, S>(candidates: I) -> Result<Self, DrawError>
    where
        I: IntoIterator<Item = (UsccKey, u32, S)>,
        S: AsRef<str>,
    {
        let iter = candidates.into_iter();
        let mut builder = PoolBuilder::with_capacity(iter.size_hint().0);
        for (uscc, weight, stratum) in iter {
            builder.push(uscc, weight, stratum.as_ref())?;
        }
        builder.finish()
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pool has no candidate.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in canonical order.
    pub fn entries(&self) -> &[PoolEntry] {
        &self.entries
    }

    /// The distinct stratum labels, in byte order.
    pub fn strata(&self) -> &[String] {
        &self.strata
    }

    /// The stratum label of an entry.
    pub fn stratum_of(&self, entry: &PoolEntry) -> &str {
        &self.strata[entry.stratum_index()]
    }

    /// The candidates in canonical order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Candidate<'_>> + '_ {
        self.entries.iter().map(move |e| Candidate { uscc: e.uscc, weight: e.weight, stratum: self.stratum_of(e) })
    }

    /// Position of an entity in canonical order.
    pub fn position(&self, uscc: &UsccKey) -> Option<usize> {
        self.entries.binary_search_by(|e| e.uscc.cmp(uscc)).ok()
    }

    /// The pool hash (docs/draw-record.md §2.2), using all cores.
    pub fn hash(&self) -> Hash256 {
        self.hash_with_threads(0)
    }

    /// The pool hash with `threads` threads (0: all cores); the value does not
    /// depend on the thread count. Leaf `i` hashes the encodings
    /// `lp(uscc) ‖ u32 weight ‖ lp(stratum)` of entries `i·POOL_CHUNK ..` (at most
    /// [`POOL_CHUNK`] of them); then
    /// `pool_hash = SHA-256( lp("jianguan-draw-pool/1") ‖ u64 n ‖ leaf_0 ‖ leaf_1 ‖ … )`.
    pub fn hash_with_threads(&self, threads: usize) -> Hash256 {
        let labels = self.encoded_labels();
        let chunks = self.entries.len().div_ceil(POOL_CHUNK);
        let leaves = par::map_ranges(chunks, par::threads(threads), 2, |range| {
            let mut buf = Vec::with_capacity(1 << 16);
            let mut leaves = Vec::with_capacity(range.len() * 32);
            for c in range {
                let mut leaf = Sha256::new();
                let end = ((c + 1) * POOL_CHUNK).min(self.entries.len());
                for e in &self.entries[c * POOL_CHUNK..end] {
                    encode_entry(&mut buf, e, &labels[e.stratum_index()]);
                    // Hashing through a buffer keeps the overhead of `update` negligible.
                    if buf.len() >= (1 << 16) - 128 {
                        leaf.update(&buf);
                        buf.clear();
                    }
                }
                leaf.update(&buf);
                buf.clear();
                leaves.extend_from_slice(&leaf.finalize());
            }
            leaves
        });
        let mut hasher = Sha256::new();
        hash_lp(&mut hasher, POOL_TAG);
        hasher.update((self.entries.len() as u64).to_be_bytes());
        for l in leaves {
            hasher.update(l);
        }
        Hash256::digest(hasher)
    }

    /// `(size, total weight)` per stratum, indexed like [`Pool::strata`].
    pub fn stratum_stats(&self) -> Vec<(u64, u64)> {
        let mut stats = vec![(0u64, 0u64); self.strata.len()];
        for e in &self.entries {
            let s = &mut stats[e.stratum_index()];
            s.0 += 1;
            s.1 += u64::from(e.weight);
        }
        stats
    }

    fn encoded_labels(&self) -> Vec<Vec<u8>> {
        self.strata
            .iter()
            .map(|l| {
                let mut v = Vec::new();
                put_lp(&mut v, l.as_bytes());
                v
            })
            .collect()
    }
}

/// `lp(uscc) ‖ u32 BE weight ‖ lp(stratum)`, the stratum already length-prefixed.
fn encode_entry(buf: &mut Vec<u8>, e: &PoolEntry, encoded_label: &[u8]) {
    put_lp(buf, e.uscc.as_bytes());
    buf.extend_from_slice(&e.weight.to_be_bytes());
    buf.extend_from_slice(encoded_label);
}

/// Benchmark baseline: one SHA-256 of each entry's pool-hash encoding
/// (`lp(uscc) ‖ u32 weight ‖ lp(stratum)`, one compression for an 18-byte uscc and
/// a short label), single-threaded, through the same block-level core as tickets.
/// Returns the XOR of all digests so the work cannot be optimised away. A draw
/// should cost at most twice this.
pub fn hash_all_baseline(pool: &Pool) -> Hash256 {
    let labels = pool.encoded_labels();
    let fresh = Sha256VarCore::new(32).expect("32 is a valid SHA-256 output size");
    let mut acc = [0u8; 32];
    let mut buf = Vec::with_capacity(64);
    for e in &pool.entries {
        buf.clear();
        encode_entry(&mut buf, e, &labels[e.stratum_index()]);
        // At most 4 + 18 + 4 + 4 + 32 = 62 bytes: always one partial block.
        let mut tail = Buffer::<Sha256VarCore>::new(&buf);
        let mut out = Output::<Sha256VarCore>::default();
        fresh.clone().finalize_variable_core(&mut tail, &mut out);
        for (a, b) in acc.iter_mut().zip(out) {
            *a ^= b;
        }
    }
    Hash256(acc)
}

/// Incremental construction of a [`Pool`], e.g. while streaming rows from the
/// registry. Rows already sorted by uscc (an index scan) skip the final sort.
#[derive(Debug, Default)]
pub struct PoolBuilder {
    strata: Vec<String>,
    entries: Vec<PoolEntry>,
    sorted: bool,
    last_label: usize,
}

impl PoolBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty builder with room for `n` candidates.
    pub fn with_capacity(n: usize) -> Self {
        Self { strata: Vec::new(), entries: Vec::with_capacity(n), sorted: true, last_label: 0 }
    }

    /// Adds a candidate. Rejects a weight outside `1..=MAX_WEIGHT`, an invalid
    /// stratum label, more than [`MAX_STRATA`] strata or more than `u32::MAX` entries.
    pub fn push(&mut self, uscc: UsccKey, weight: u32, stratum: &str) -> Result<(), DrawError> {
        if !(1..=MAX_WEIGHT).contains(&weight) {
            return Err(DrawError::InvalidWeight { uscc, weight: weight.into() });
        }
        if self.entries.len() >= u32::MAX as usize {
            return Err(DrawError::PoolTooLarge);
        }
        let label = self.intern(stratum)?;
        if let Some(last) = self.entries.last() {
            self.sorted &= last.uscc < uscc;
        }
        self.entries.push(PoolEntry { uscc, weight, stratum: label });
        Ok(())
    }

    fn intern(&mut self, stratum: &str) -> Result<u16, DrawError> {
        let idx = match self.strata.get(self.last_label) {
            Some(l) if l == stratum => self.last_label,
            _ => match self.strata.iter().position(|l| l == stratum) {
                Some(i) => i,
                None => {
                    check_label(stratum)?;
                    if self.strata.len() >= MAX_STRATA {
                        return Err(DrawError::TooManyStrata);
                    }
                    self.strata.push(stratum.to_owned());
                    self.strata.len() - 1
                }
            },
        };
        self.last_label = idx;
        Ok(idx as u16)
    }

    /// Sorts (unless pushed in order), rejects duplicate codes and returns the pool.
    pub fn finish(mut self) -> Result<Pool, DrawError> {
        let mut order: Vec<usize> = (0..self.strata.len()).collect();
        order.sort_by(|&a, &b| self.strata[a].cmp(&self.strata[b]));
        let mut remap = vec![0u16; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u16;
        }
        let identity = remap.iter().enumerate().all(|(i, &r)| usize::from(r) == i);
        if !identity {
            for e in &mut self.entries {
                e.stratum = remap[e.stratum_index()];
            }
        }
        let strata = order.into_iter().map(|i| self.strata[i].clone()).collect();
        if !self.sorted {
            self.entries.sort_unstable_by_key(|e| e.uscc);
            if let Some(w) = self.entries.windows(2).find(|w| w[0].uscc == w[1].uscc) {
                return Err(DrawError::DuplicateUscc { uscc: w[0].uscc });
            }
        }
        Ok(Pool { strata, entries: self.entries })
    }
}

impl Serialize for Pool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for c in self.iter() {
            seq.serialize_element(&c)?;
        }
        seq.end()
    }
}

/// Reads a record's pool strictly: the entries must already be in canonical order.
/// Errors name the entry as `pool[i]`.
impl<'de> Deserialize<'de> for Pool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            uscc: String,
            weight: u64,
            stratum: String,
        }

        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of {uscc, weight, stratum}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pool, A::Error> {
                let mut b = PoolBuilder::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                let mut i = 0usize;
                while let Some(raw) = seq.next_element::<Raw>()? {
                    let at = |e: &dyn fmt::Display| de::Error::custom(format!("pool[{i}]: {e}"));
                    let uscc: UsccKey = raw.uscc.parse().map_err(|e| at(&e))?;
                    let weight = match u32::try_from(raw.weight) {
                        Ok(w) if (1..=MAX_WEIGHT).contains(&w) => w,
                        _ => {
                            let weight = raw.weight;
                            return Err(at(&DrawError::InvalidWeight { uscc, weight }));
                        }
                    };
                    if let Some(last) = b.entries.last() {
                        if last.uscc >= uscc {
                            return Err(at(&"entries must be strictly increasing by uscc \
                                 (候选名录须按统一社会信用代码严格升序且无重复)"));
                        }
                    }
                    b.push(uscc, weight, &raw.stratum).map_err(|e| at(&e))?;
                    i += 1;
                }
                b.finish().map_err(de::Error::custom)
            }
        }
        d.deserialize_seq(V)
    }
}
