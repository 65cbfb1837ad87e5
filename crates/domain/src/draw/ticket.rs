//! Seed and tickets (DESIGN §5.2–3): integer-only Efraimidis–Spirakis weighted
//! sampling without replacement, one SHA-256 compression per ticket of weight 1.

use std::ops::Range;

use sha2::digest::core_api::{Block, Buffer, UpdateCore, VariableOutputCore};
use sha2::digest::Output;
use sha2::{Digest, Sha256, Sha256VarCore};

use super::codec::{hash_lp, Hash256, UsccKey};
use super::par;
use super::pool::Pool;

/// Domain tag of the seed.
pub const SEED_TAG: &[u8] = b"jianguan-draw-seed/1";

/// Domain tag of entity tickets; NUL-padded to 32 bytes it fills, with the 32-byte
/// seed, exactly one SHA-256 block, so the hash state after that block is computed
/// once per draw and every ticket of weight 1 costs one compression.
pub const TICKET_TAG: &[u8] = b"jianguan-draw-ticket/1";

/// Fewest entries worth a thread of their own.
const PARALLEL_MIN: usize = 1 << 16;

/// `seed = SHA-256( lp("jianguan-draw-seed/1") ‖ lp(draw_id) ‖ lp(pool_hash) ‖
/// lp(entropy_value) )`, strings as UTF-8, the pool hash as its 32 raw bytes.
pub fn derive_seed(draw_id: &str, pool_hash: &Hash256, entropy_value: &str) -> Hash256 {
    let mut h = Sha256::new();
    hash_lp(&mut h, SEED_TAG);
    hash_lp(&mut h, draw_id.as_bytes());
    hash_lp(&mut h, &pool_hash.0);
    hash_lp(&mut h, entropy_value.as_bytes());
    Hash256::digest(h)
}

/// The 64-byte key block `TICKET_TAG ‖ NUL padding to 32 bytes ‖ seed`.
pub fn ticket_key_block(seed: &Hash256) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..TICKET_TAG.len()].copy_from_slice(TICKET_TAG);
    block[32..].copy_from_slice(&seed.0);
    block
}

/// Ticket computation for one seed: the SHA-256 core state after the key block.
/// Works on the block-level core so that a ticket of weight 1 is one clone of a
/// 40-byte state, one compression and no other copying.
#[derive(Clone)]
pub struct TicketKey {
    core: Sha256VarCore,
}

impl TicketKey {
    /// Absorbs the key block of `seed`.
    pub fn new(seed: &Hash256) -> Self {
        let mut core = Sha256VarCore::new(32).expect("32 is a valid SHA-256 output size");
        let block = ticket_key_block(seed);
        core.update_blocks(&[Block::<Sha256VarCore>::clone_from_slice(&block)]);
        Self { core }
    }

    /// `ticket = min over j in 0..weight of SHA-256( key block ‖ lp(uscc) ‖ u32 BE j )`,
    /// the minimum taken as 256-bit big-endian integers. `weight` 0 yields the
    /// all-ones maximum, which no real ticket exceeds.
    #[inline]
    pub fn ticket(&self, uscc: &UsccKey, weight: u32) -> Hash256 {
        let mut msg = [0u8; 26];
        msg[..4].copy_from_slice(&18u32.to_be_bytes());
        msg[4..22].copy_from_slice(uscc.as_bytes());
        let mut best = [0xff; 32];
        for j in 0..weight {
            msg[22..].copy_from_slice(&j.to_be_bytes());
            let mut core = self.core.clone();
            let mut tail = Buffer::<Sha256VarCore>::new(&msg);
            let mut out = Output::<Sha256VarCore>::default();
            core.finalize_variable_core(&mut tail, &mut out);
            if out.as_slice() < &best[..] {
                best.copy_from_slice(&out);
            }
        }
        Hash256(best)
    }
}

/// The ticket of one entity, for spot checks; a draw reuses one [`TicketKey`].
pub fn ticket(seed: &Hash256, uscc: &UsccKey, weight: u32) -> Hash256 {
    TicketKey::new(seed).ticket(uscc, weight)
}

/// `(ticket, index in the pool)`. Ordering by the pair is ordering by ticket, ties
/// by uscc, since pool indices follow uscc order.
pub(crate) type Ranked = (Hash256, u32);

/// The `quotas[s]` smallest `(ticket, uscc)` of each pool stratum `s`, ascending.
/// Hashing is split into contiguous chunks over `threads` threads; the result does
/// not depend on the split, as every chunk keeps its own k smallest of a total order.
pub(crate) fn select(pool: &Pool, seed: &Hash256, quotas: &[u64], threads: usize) -> Vec<Vec<Ranked>> {
    debug_assert_eq!(quotas.len(), pool.strata().len());
    let key = TicketKey::new(seed);
    let parts =
        par::map_ranges(pool.len(), par::threads(threads), PARALLEL_MIN, |r| select_range(pool, &key, quotas, r));
    let mut parts = parts.into_iter();
    let mut merged = parts.next().unwrap_or_default();
    for part in parts {
        for (m, p) in merged.iter_mut().zip(part) {
            m.extend(p);
        }
    }
    for (m, &k) in merged.iter_mut().zip(quotas) {
        let k = usize::try_from(k).unwrap_or(usize::MAX);
        if m.len() > k && k > 0 {
            m.select_nth_unstable(k - 1);
        }
        m.truncate(k);
        m.sort_unstable();
    }
    merged
}

/// The k smallest items offered, kept in a buffer of at most about 2k that is cut
/// back to k (`select_nth_unstable`) when full. After the first cut, anything not
/// below the k-th smallest so far is rejected, mostly on an 8-byte prefix, so
/// the cost per candidate is amortised O(1) and hashing dominates.
struct TopK {
    k: usize,
    limit: usize,
    buf: Vec<Ranked>,
    /// The largest kept item once the buffer has been cut; `None` before.
    bound: Option<Ranked>,
    /// First 8 bytes of `bound`'s ticket; `u64::MAX` before the first cut.
    bound_prefix: u64,
}

impl TopK {
    fn new(k: usize) -> Self {
        Self {
            k,
            limit: k.saturating_mul(2).max(k.saturating_add(1024)),
            buf: Vec::new(),
            bound: None,
            bound_prefix: u64::MAX,
        }
    }

    #[inline]
    fn offer(&mut self, item: Ranked) {
        if prefix(&item.0) > self.bound_prefix {
            return;
        }
        if let Some(bound) = &self.bound {
            if item >= *bound {
                return;
            }
        }
        self.buf.push(item);
        if self.buf.len() >= self.limit {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.buf.len() > self.k {
            self.buf.select_nth_unstable(self.k - 1);
            self.buf.truncate(self.k);
            let bound = self.buf[self.k - 1];
            self.bound_prefix = prefix(&bound.0);
            self.bound = Some(bound);
        }
    }

    fn into_vec(mut self) -> Vec<Ranked> {
        self.cut();
        self.buf
    }
}

fn prefix(t: &Hash256) -> u64 {
    u64::from_be_bytes(t.0[..8].try_into().expect("8 bytes"))
}

/// The `quotas[s]` smallest tickets of each stratum over one range of the pool.
fn select_range(pool: &Pool, key: &TicketKey, quotas: &[u64], range: Range<usize>) -> Vec<Vec<Ranked>> {
    let mut tops: Vec<TopK> = quotas.iter().map(|&k| TopK::new(usize::try_from(k).unwrap_or(usize::MAX))).collect();
    let entries = &pool.entries()[range.clone()];
    for (i, e) in (range.start..).zip(entries) {
        let top = &mut tops[e.stratum_index()];
        if top.k > 0 {
            top.offer((key.ticket(&e.uscc, e.weight), i as u32));
        }
    }
    tops.into_iter().map(TopK::into_vec).collect()
}
