//! The verifiable draw (双随机抽取), DESIGN §5. Pure and I/O-free.
//!
//! Nobody has to trust the operator: each draw is committed before its entropy is
//! known and published so that anyone can recompute it (docs/draw-record.md gives
//! every byte layout; tools/verify_draw.py is an independent verifier).
//!
//! 1. [`commit`] validates a [`DrawSpec`] (canonical candidate [`Pool`], strata
//!    quotas, inspector roster, entropy definition) and returns the [`DrawCommit`]
//!    that goes into the audit trail before the draw.
//! 2. [`run_draw`] takes the spec plus the entropy value and returns the commit and
//!    the public [`DrawRecord`]:
//!    - `seed = SHA-256(lp(tag) ‖ lp(draw_id) ‖ lp(pool_hash) ‖ lp(entropy))`;
//!    - the ticket of an entity of weight w is the smallest of w hashes of
//!      `(seed, uscc, j)`; per stratum the k smallest tickets win, ties to the smaller
//!      uscc (Efraimidis–Spirakis weighted sampling without replacement, integers
//!      only);
//!    - per winner, in ticket order, a team of inspectors is drawn the same way among
//!      the eligible; if any winner lacks two eligible inspectors nothing is drawn.
//! 3. [`verify_record`] / [`verify_json`] recompute a record and name the first field
//!    that does not match.
//!
//! A re-draw is a new draw with its own id, a higher `draw_number`, and a [`Redraw`]
//! naming the draw it replaces and why; nothing is silently re-rolled.

mod codec;
mod inspector;
mod par;
mod pool;
mod record;
mod ticket;
mod verify;
mod weights;

#[cfg(test)]
mod tests;

use thiserror::Error;

pub use codec::{Hash256, UsccKey, USCC_ALPHABET};
pub use inspector::{
    inspector_seed, inspector_ticket, roster_hash, ExcludedInspector, Exclusion, InspectionParams, Inspector,
    InspectorShortfall, Team, TeamMember, INSPECTOR_SEED_TAG, MAX_TEAM_SIZE, MIN_TEAM_SIZE, ROSTER_TAG,
};
pub use pool::{
    hash_all_baseline, Candidate, Pool, PoolBuilder, PoolEntry, MAX_STRATA, MAX_WEIGHT, POOL_CHUNK, POOL_TAG,
};
pub use record::{
    commit, run_draw, run_draw_with, select_winners, DrawCommit, DrawInput, DrawOptions, DrawOutcome, DrawParameters,
    DrawRecord, DrawSpec, Entropy, ExclusionCount, Quota, Redraw, StratumSummary, Winner,
};
pub use ticket::{derive_seed, ticket, ticket_key_block, TicketKey, SEED_TAG, TICKET_TAG};
pub use verify::{verify_json, verify_record, VerifyError};
pub use weights::{ClassWeights, FlagRule, RiskClass, WeightFlags, WeightRules};

/// Algorithm identifier (SHA-256 throughout) written into every commit and record.
/// Any change to a byte layout or rule of this module requires a new identifier.
pub const ALGORITHM: &str = "jianguan-draw/1";

/// Version of the [`DrawRecord`] JSON layout.
pub const RECORD_VERSION: u32 = 1;

/// Why a draw cannot be committed or run. Messages are Chinese with English glosses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrawError {
    #[error("候选名录为空，无法抽取 (the candidate pool is empty)")]
    EmptyPool,
    #[error("统一社会信用代码格式错误：{value:?} (invalid uscc: 18 characters of {alphabet})", alphabet = std::str::from_utf8(USCC_ALPHABET).unwrap_or_default())]
    InvalidUscc { value: String },
    #[error("候选名录中统一社会信用代码重复：{uscc} (duplicate uscc in the pool)")]
    DuplicateUscc { uscc: UsccKey },
    #[error("{uscc} 的权重 {weight} 无效，须为1至{MAX_WEIGHT}的整数 (weight must be in 1..={MAX_WEIGHT})")]
    InvalidWeight { uscc: UsccKey, weight: u64 },
    #[error("分层标签无效：{label:?}，须为1至32个字母、数字或 _ . - (invalid stratum label)")]
    InvalidStratum { label: String },
    #[error("分层数超过{MAX_STRATA} (more than {MAX_STRATA} strata)")]
    TooManyStrata,
    #[error("候选对象数超过上限 (more than u32::MAX candidates)")]
    PoolTooLarge,
    #[error("分层 {stratum} 未设定抽取数量或比例 (no quota for stratum {stratum})")]
    MissingQuota { stratum: String },
    #[error("分层 {stratum} 抽取数量 {k} 超过候选对象数 {size} (k = {k} is larger than the {size} candidates of stratum {stratum})")]
    QuotaExceedsStratum { stratum: String, k: u64, size: u64 },
    #[error("各分层抽取数量均为0 (every quota resolves to 0: nothing to draw)")]
    NothingToDraw,
    #[error("执法证号重复：{certificate_no} (duplicate certificate number)")]
    DuplicateCertificate { certificate_no: String },
    #[error("抽取时间早于承诺时间 (drawn_at is before committed_at)")]
    DrawnBeforeCommit,
    #[error(
        "可抽取的检查人员不足{MIN_TEAM_SIZE}名，本次未抽取任何结果 \
         (fewer than {MIN_TEAM_SIZE} eligible inspectors; nothing was drawn): {}",
        shortfalls.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | ")
    )]
    TooFewInspectors { shortfalls: Vec<InspectorShortfall> },
    #[error("{field}: {reason}")]
    InvalidField { field: String, reason: String },
}

impl DrawError {
    /// The record field the error concerns, as [`VerifyError`] names fields.
    pub fn field(&self) -> Option<String> {
        Some(match self {
            Self::EmptyPool | Self::DuplicateUscc { .. } | Self::InvalidWeight { .. } => "pool".into(),
            Self::InvalidUscc { .. } | Self::InvalidStratum { .. } | Self::TooManyStrata | Self::PoolTooLarge => {
                return None
            }
            Self::MissingQuota { .. } | Self::NothingToDraw => "parameters.quotas".into(),
            Self::QuotaExceedsStratum { stratum, .. } => format!("parameters.quotas[{stratum}]"),
            Self::DuplicateCertificate { .. } => "roster".into(),
            Self::DrawnBeforeCommit => "drawn_at".into(),
            Self::TooFewInspectors { .. } => "teams".into(),
            Self::InvalidField { field, .. } => field.clone(),
        })
    }
}
