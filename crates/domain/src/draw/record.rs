//! Draw inputs, the commit written before the draw, the public record, and the
//! driver that runs a draw.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::codec::{check_label, check_text, utc_seconds, whole_seconds, Hash256, UsccKey};
use super::inspector::{
    canonical_params, canonical_roster, draw_teams, roster_hash, sort_unique, InspectionParams, Inspector, Team,
};
use super::pool::{Pool, MAX_STRATA};
use super::ticket::{derive_seed, select};
use super::weights::WeightRules;
use super::{DrawError, ALGORITHM, RECORD_VERSION};

/// How many candidates a stratum draws (抽取数量或比例).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Quota {
    /// Exactly this many; more than the stratum holds is an error.
    Count(u64),
    /// This many per thousand, `0..=1000`: `k = ceil(n × p / 1000)`, so any positive
    /// ratio draws at least one from a non-empty stratum, and never more than n.
    PerMille(u32),
}

impl Quota {
    /// The number k drawn from a stratum of `size` candidates.
    pub fn resolve(&self, stratum: &str, size: u64) -> Result<u64, DrawError> {
        match *self {
            Quota::Count(k) if k > size => Err(DrawError::QuotaExceedsStratum { stratum: stratum.to_owned(), k, size }),
            Quota::Count(k) => Ok(k),
            Quota::PerMille(p) if p > 1000 => Err(DrawError::InvalidField {
                field: format!("parameters.quotas[{stratum}]"),
                reason: format!("per_mille {p} exceeds 1000 (比例超过1000‰)"),
            }),
            Quota::PerMille(p) => Ok((size * u64::from(p)).div_ceil(1000)),
        }
    }
}

/// Entities left out of the pool, by reason (informational; e.g. deregistered,
/// frequency cap reached).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionCount {
    pub reason: String,
    pub count: u64,
}

/// Parameters fixed by the commit (抽取参数).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawParameters {
    /// Quota per stratum label. Every stratum of the pool needs one; a label absent
    /// from the pool must resolve to 0.
    pub quotas: BTreeMap<String, Quota>,
    /// Inspection item codes of the task (检查事项), byte order, at least one.
    pub item_codes: Vec<String>,
    /// How the weights were derived (declarative; the pool carries the weights).
    pub weight_rules: Option<WeightRules>,
    /// Exclusions applied when the pool was built, in the order given.
    pub exclusions: Vec<ExclusionCount>,
    /// Inspector draw parameters; `None` draws entities only.
    pub inspection: Option<InspectionParams>,
}

/// Size, total weight and number drawn of one stratum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumSummary {
    pub size: u64,
    pub total_weight: u64,
    pub k: u64,
}

/// A re-draw: the draw it replaces and why (重新抽取原因).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redraw {
    /// `draw_id` of the replaced draw.
    pub of: String,
    pub reason: String,
}

/// The entropy (随机源): its definition, committed in advance, and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entropy {
    pub definition: String,
    /// The exact text of the value, hashed as UTF-8.
    pub value: String,
}

/// One winning entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Winner {
    pub uscc: UsccKey,
    pub ticket: Hash256,
}

/// Everything known when the draw is committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawSpec {
    /// Unique id of this draw; a re-draw has its own.
    pub draw_id: String,
    /// 1 for the first draw of a task, then 2, 3, … for re-draws.
    pub draw_number: u32,
    /// Present exactly when `draw_number > 1`.
    pub redraw: Option<Redraw>,
    pub plan_id: String,
    pub task_id: String,
    /// Time of the commit (kept to the second).
    pub committed_at: DateTime<Utc>,
    /// What the entropy value will be and where it is published, e.g. "the closing
    /// value of the SSE Composite Index on 2024-03-04, two decimals".
    pub entropy_definition: String,
    pub parameters: DrawParameters,
    pub pool: Arc<Pool>,
    /// Inspector inputs, in any order; empty when `parameters.inspection` is `None`.
    pub roster: Vec<Inspector>,
}

/// A committed spec plus its entropy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawInput {
    pub spec: DrawSpec,
    pub entropy_value: String,
    /// Time of the draw (kept to the second), not before `committed_at`.
    pub drawn_at: DateTime<Utc>,
}

/// Execution options; they never change a result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawOptions {
    /// Threads used for hashing; 0 means all available cores.
    pub threads: usize,
}

/// What is written to the audit trail before the entropy is known. Personal data
/// enters only through `roster_hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawCommit {
    pub algorithm: String,
    pub draw_id: String,
    pub draw_number: u32,
    pub redraw: Option<Redraw>,
    pub plan_id: String,
    pub task_id: String,
    #[serde(with = "utc_seconds")]
    pub committed_at: DateTime<Utc>,
    pub entropy_definition: String,
    pub parameters: DrawParameters,
    pub strata: BTreeMap<String, StratumSummary>,
    pub pool_size: u64,
    pub pool_hash: Hash256,
    pub roster_size: u64,
    pub roster_hash: Option<Hash256>,
}

impl DrawCommit {
    /// Compact JSON, fields in declaration order, maps in key order: the bytes stored
    /// in the audit trail and hashed into `commit_hash`.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a commit always serialises")
    }

    /// `SHA-256(canonical_json)`.
    pub fn hash(&self) -> Hash256 {
        Hash256(Sha256::digest(self.canonical_json().as_bytes()).into())
    }
}

/// The public record of a draw (抽取公示记录); docs/draw-record.md documents every
/// field. The pool comes last so that a reader meets the results first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRecord {
    pub record_version: u32,
    pub algorithm: String,
    pub draw_id: String,
    pub draw_number: u32,
    pub redraw: Option<Redraw>,
    pub plan_id: String,
    pub task_id: String,
    #[serde(with = "utc_seconds")]
    pub committed_at: DateTime<Utc>,
    #[serde(with = "utc_seconds")]
    pub drawn_at: DateTime<Utc>,
    pub entropy: Entropy,
    pub parameters: DrawParameters,
    pub commit_hash: Hash256,
    pub pool_size: u64,
    pub pool_hash: Hash256,
    pub seed: Hash256,
    pub strata: BTreeMap<String, StratumSummary>,
    /// Winners per stratum in ticket order.
    pub winners: BTreeMap<String, Vec<Winner>>,
    /// Largest winning ticket per stratum; `null` when k = 0.
    pub cutoff: BTreeMap<String, Option<Hash256>>,
    pub roster_hash: Option<Hash256>,
    /// One team per winner, in ascending order of the winners' tickets over all strata.
    pub teams: Vec<Team>,
    pub roster: Vec<Inspector>,
    #[serde(with = "arc_pool")]
    pub pool: Arc<Pool>,
}

impl DrawRecord {
    /// Indented JSON for publication.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a record always serialises")
    }

    /// The spec this record claims was committed.
    pub fn spec(&self) -> DrawSpec {
        DrawSpec {
            draw_id: self.draw_id.clone(),
            draw_number: self.draw_number,
            redraw: self.redraw.clone(),
            plan_id: self.plan_id.clone(),
            task_id: self.task_id.clone(),
            committed_at: self.committed_at,
            entropy_definition: self.entropy.definition.clone(),
            parameters: self.parameters.clone(),
            pool: Arc::clone(&self.pool),
            roster: self.roster.clone(),
        }
    }
}

mod arc_pool {
    use super::*;

    pub(super) fn serialize<S: Serializer>(pool: &Arc<Pool>, s: S) -> Result<S::Ok, S::Error> {
        pool.as_ref().serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Pool>, D::Error> {
        Pool::deserialize(d).map(Arc::new)
    }
}

/// Result of a draw: the commit (as [`commit`] returned it) and the public record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawOutcome {
    pub commit: DrawCommit,
    pub record: DrawRecord,
}

/// The winners of each stratum under a given seed: the `k[label]` smallest
/// `(ticket, uscc)` of the stratum, ascending. [`run_draw`] calls this with the
/// derived seed; it is public for simulations and for third parties who want to
/// rank a pool under any seed. Every stratum of the pool needs an entry in `k`.
pub fn select_winners(
    pool: &Pool,
    seed: &Hash256,
    k: &BTreeMap<String, u64>,
    options: DrawOptions,
) -> Result<BTreeMap<String, Vec<Winner>>, DrawError> {
    let stats = pool.stratum_stats();
    let mut pool_quotas = Vec::with_capacity(stats.len());
    for (label, &(size, _)) in pool.strata().iter().zip(&stats) {
        let want = *k.get(label).ok_or_else(|| DrawError::MissingQuota { stratum: label.clone() })?;
        Quota::Count(want).resolve(label, size)?;
        pool_quotas.push(want);
    }
    for (label, &want) in k {
        if want > 0 && pool.strata().binary_search(label).is_err() {
            Quota::Count(want).resolve(label, 0)?;
        }
    }
    Ok(rank(pool, seed, k, &pool_quotas, options))
}

fn rank(
    pool: &Pool,
    seed: &Hash256,
    k: &BTreeMap<String, u64>,
    pool_quotas: &[u64],
    options: DrawOptions,
) -> BTreeMap<String, Vec<Winner>> {
    let selected = select(pool, seed, pool_quotas, options.threads);
    k.keys()
        .map(|label| {
            let list = match pool.strata().binary_search(label) {
                Ok(s) => selected[s]
                    .iter()
                    .map(|&(ticket, i)| Winner { uscc: pool.entries()[i as usize].uscc, ticket })
                    .collect(),
                Err(_) => Vec::new(),
            };
            (label.clone(), list)
        })
        .collect()
}

/// A validated spec in canonical form.
pub(crate) struct Prepared {
    pub(crate) commit: DrawCommit,
    pub(crate) roster: Vec<Inspector>,
    pub(crate) pool: Arc<Pool>,
    /// k per stratum of the pool, indexed like `Pool::strata`.
    pub(crate) pool_quotas: Vec<u64>,
}

/// Validates a spec and returns the commit to write to the audit trail.
pub fn commit(spec: &DrawSpec) -> Result<DrawCommit, DrawError> {
    prepare(spec, DrawOptions::default()).map(|p| p.commit)
}

/// Runs a draw with default options. See [`run_draw_with`].
pub fn run_draw(input: &DrawInput) -> Result<DrawOutcome, DrawError> {
    run_draw_with(input, DrawOptions::default())
}

/// Validates the spec, derives the seed, draws the winners of every stratum and the
/// inspector teams, and returns the commit and the record. Either everything is
/// drawn or nothing: any shortfall of inspectors fails the whole draw.
pub fn run_draw_with(input: &DrawInput, options: DrawOptions) -> Result<DrawOutcome, DrawError> {
    let prepared = prepare(&input.spec, options)?;
    let record = execute(&prepared, &input.entropy_value, input.drawn_at, options)?;
    Ok(DrawOutcome { commit: prepared.commit, record })
}

pub(crate) fn prepare(spec: &DrawSpec, options: DrawOptions) -> Result<Prepared, DrawError> {
    check_text("draw_id", &spec.draw_id, 128)?;
    check_text("plan_id", &spec.plan_id, 128)?;
    check_text("task_id", &spec.task_id, 128)?;
    check_text("entropy.definition", &spec.entropy_definition, 4000)?;
    check_redraw(spec)?;
    let pool = &spec.pool;
    if pool.is_empty() {
        return Err(DrawError::EmptyPool);
    }
    let parameters = canonical_parameters(&spec.parameters)?;

    let stats = pool.stratum_stats();
    for label in pool.strata() {
        if !parameters.quotas.contains_key(label) {
            return Err(DrawError::MissingQuota { stratum: label.clone() });
        }
    }
    let mut strata = BTreeMap::new();
    for (label, quota) in &parameters.quotas {
        let (size, total_weight) = pool.strata().binary_search(label).map_or((0, 0), |i| stats[i]);
        let k = quota.resolve(label, size)?;
        strata.insert(label.clone(), StratumSummary { size, total_weight, k });
    }
    if strata.values().all(|s| s.k == 0) {
        return Err(DrawError::NothingToDraw);
    }
    let pool_quotas = pool.strata().iter().map(|l| strata[l].k).collect();

    let roster = match &parameters.inspection {
        Some(p) => canonical_roster(&spec.roster, p)?,
        None if spec.roster.is_empty() => Vec::new(),
        None => {
            return Err(DrawError::InvalidField {
                field: "roster".into(),
                reason: "a roster needs parameters.inspection (有检查人员名单但无抽取参数)".into(),
            })
        }
    };
    let roster_hash = parameters.inspection.as_ref().map(|_| roster_hash(&roster));

    let commit = DrawCommit {
        algorithm: ALGORITHM.to_owned(),
        draw_id: spec.draw_id.clone(),
        draw_number: spec.draw_number,
        redraw: spec.redraw.clone(),
        plan_id: spec.plan_id.clone(),
        task_id: spec.task_id.clone(),
        committed_at: whole_seconds(spec.committed_at),
        entropy_definition: spec.entropy_definition.clone(),
        parameters,
        strata,
        pool_size: pool.len() as u64,
        pool_hash: pool.hash_with_threads(options.threads),
        roster_size: roster.len() as u64,
        roster_hash,
    };
    Ok(Prepared { commit, roster, pool: Arc::clone(pool), pool_quotas })
}

fn check_redraw(spec: &DrawSpec) -> Result<(), DrawError> {
    let bad = |reason: &str| DrawError::InvalidField { field: "redraw".into(), reason: reason.into() };
    match (&spec.redraw, spec.draw_number) {
        (_, 0) => Err(DrawError::InvalidField {
            field: "draw_number".into(),
            reason: "must be at least 1 (抽取序号从1开始)".into(),
        }),
        (None, 1) => Ok(()),
        (Some(_), 1) => Err(bad("a first draw is not a re-draw (首次抽取不得填写重抽信息)")),
        (None, _) => Err(bad("a re-draw must name the replaced draw and give a reason (重新抽取须注明原抽取及原因)")),
        (Some(r), _) => {
            check_text("redraw.of", &r.of, 128)?;
            check_text("redraw.reason", &r.reason, 2000)?;
            if r.of == spec.draw_id {
                return Err(bad("a re-draw needs a new draw_id (重新抽取须使用新的抽取编号)"));
            }
            Ok(())
        }
    }
}

fn canonical_parameters(p: &DrawParameters) -> Result<DrawParameters, DrawError> {
    if p.quotas.is_empty() {
        return Err(DrawError::NothingToDraw);
    }
    if p.quotas.len() > MAX_STRATA {
        return Err(DrawError::TooManyStrata);
    }
    for label in p.quotas.keys() {
        check_label(label)?;
    }
    if p.item_codes.is_empty() {
        return Err(DrawError::InvalidField {
            field: "parameters.item_codes".into(),
            reason: "at least one inspection item is required (须至少有一个检查事项)".into(),
        });
    }
    for (i, c) in p.item_codes.iter().enumerate() {
        check_text(&format!("parameters.item_codes[{i}]"), c, 64)?;
    }
    let item_codes = sort_unique(&p.item_codes, |c| DrawError::InvalidField {
        field: "parameters.item_codes".into(),
        reason: format!("duplicate item {c} (检查事项重复)"),
    })?;
    if let Some(w) = &p.weight_rules {
        w.validate()?;
    }
    if p.exclusions.len() > 32 {
        return Err(DrawError::InvalidField {
            field: "parameters.exclusions".into(),
            reason: "at most 32 entries (最多32项)".into(),
        });
    }
    for (i, x) in p.exclusions.iter().enumerate() {
        check_text(&format!("parameters.exclusions[{i}].reason"), &x.reason, 200)?;
    }
    let inspection = p.inspection.as_ref().map(canonical_params).transpose()?;
    Ok(DrawParameters {
        quotas: p.quotas.clone(),
        item_codes,
        weight_rules: p.weight_rules,
        exclusions: p.exclusions.clone(),
        inspection,
    })
}

pub(crate) fn execute(
    prepared: &Prepared,
    entropy_value: &str,
    drawn_at: DateTime<Utc>,
    options: DrawOptions,
) -> Result<DrawRecord, DrawError> {
    let commit = &prepared.commit;
    check_text("entropy.value", entropy_value, 1024)?;
    let drawn_at = whole_seconds(drawn_at);
    if drawn_at < commit.committed_at {
        return Err(DrawError::DrawnBeforeCommit);
    }
    let pool = &prepared.pool;
    let seed = derive_seed(&commit.draw_id, &commit.pool_hash, entropy_value);
    let k: BTreeMap<String, u64> = commit.strata.iter().map(|(l, s)| (l.clone(), s.k)).collect();
    let winners = rank(pool, &seed, &k, &prepared.pool_quotas, options);
    let cutoff = winners.iter().map(|(label, list)| (label.clone(), list.last().map(|w| w.ticket))).collect();

    let teams = match &commit.parameters.inspection {
        None => Vec::new(),
        Some(params) => {
            let mut order: Vec<(Hash256, UsccKey, &str)> = winners
                .iter()
                .flat_map(|(label, list)| list.iter().map(move |w| (w.ticket, w.uscc, label.as_str())))
                .collect();
            order.sort_unstable();
            let order: Vec<(UsccKey, &str)> = order.into_iter().map(|(_, u, s)| (u, s)).collect();
            draw_teams(&seed, &order, params, &commit.parameters.item_codes, &prepared.roster)
                .map_err(|shortfalls| DrawError::TooFewInspectors { shortfalls })?
        }
    };

    Ok(DrawRecord {
        record_version: RECORD_VERSION,
        algorithm: commit.algorithm.clone(),
        draw_id: commit.draw_id.clone(),
        draw_number: commit.draw_number,
        redraw: commit.redraw.clone(),
        plan_id: commit.plan_id.clone(),
        task_id: commit.task_id.clone(),
        committed_at: commit.committed_at,
        drawn_at,
        entropy: Entropy { definition: commit.entropy_definition.clone(), value: entropy_value.to_owned() },
        parameters: commit.parameters.clone(),
        commit_hash: commit.hash(),
        pool_size: commit.pool_size,
        pool_hash: commit.pool_hash,
        seed,
        strata: commit.strata.clone(),
        winners,
        cutoff,
        roster_hash: commit.roster_hash,
        teams,
        roster: prepared.roster.clone(),
        pool: Arc::clone(pool),
    })
}
