//! Recomputing a published record (`jianguan verify-draw FILE`).

use std::fmt;

use super::record::{execute, prepare, DrawOptions, DrawRecord};
use super::{ALGORITHM, RECORD_VERSION};

/// The first problem found in a record. [`VerifyError::field`] names the field as a
/// path (`seed`, `winners[B][3].ticket`, `teams[0].members[1].certificate_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not valid JSON, or not shaped like a record.
    Malformed { field: Option<String>, detail: String },
    /// A field breaks a rule of the draw (range, order, consistency).
    Invalid { field: String, reason: String },
    /// A field differs from its recomputed value.
    Mismatch { field: String, recorded: String, recomputed: String },
}

impl VerifyError {
    /// The path of the offending field, if known.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Malformed { field, .. } => field.as_deref(),
            Self::Invalid { field, .. } | Self::Mismatch { field, .. } => Some(field),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { detail, .. } => {
                write!(f, "记录格式错误 (malformed record): {detail}")
            }
            Self::Invalid { field, reason } => {
                write!(f, "{field}: 记录不合规 (invalid): {reason}")
            }
            Self::Mismatch { field, recorded, recomputed } => write!(
                f,
                "{field}: 与重新计算结果不符 (mismatch): 记录值 recorded {recorded}, \
                 重算值 recomputed {recomputed}"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Parses a record and verifies it; returns the record when it checks out.
pub fn verify_json(bytes: &[u8]) -> Result<DrawRecord, VerifyError> {
    let record: DrawRecord = serde_json::from_slice(bytes).map_err(|e| {
        let detail = e.to_string();
        VerifyError::Malformed { field: path_prefix(&detail), detail }
    })?;
    verify_record(&record)?;
    Ok(record)
}

/// Our own deserialisation errors start with the path of the entry (`pool[17]: …`).
fn path_prefix(detail: &str) -> Option<String> {
    let (head, _) = detail.split_once(": ")?;
    let ok = head.starts_with("pool[") && head.ends_with(']');
    ok.then(|| head.to_owned())
}

fn mismatch(field: impl Into<String>, recorded: impl fmt::Display, recomputed: impl fmt::Display) -> VerifyError {
    VerifyError::Mismatch { field: field.into(), recorded: recorded.to_string(), recomputed: recomputed.to_string() }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> VerifyError {
    VerifyError::Invalid { field: field.into(), reason: reason.into() }
}

fn opt<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "null".to_owned(), ToString::to_string)
}

/// Recomputes everything derivable in a record and compares, in the order of
/// docs/draw-record.md §5: version, rules, canonical order, pool hash, strata,
/// roster hash, commit hash, seed, winners, cut-offs, teams.
pub fn verify_record(r: &DrawRecord) -> Result<(), VerifyError> {
    if r.record_version != RECORD_VERSION {
        return Err(invalid("record_version", format!("unsupported version {} (不支持的版本)", r.record_version)));
    }
    if r.algorithm != ALGORITHM {
        return Err(invalid("algorithm", format!("unsupported algorithm {:?} (不支持的算法)", r.algorithm)));
    }
    let as_invalid = |e: super::DrawError| invalid(e.field().unwrap_or_else(|| "record".into()), e.to_string());
    let prepared = prepare(&r.spec(), DrawOptions::default()).map_err(as_invalid)?;
    let c = &prepared.commit;

    // Lists must be published in canonical order, not merely be sortable into it.
    let not_canonical = "not in canonical order or has duplicates (未按规范排序或有重复)";
    if c.parameters.item_codes != r.parameters.item_codes {
        return Err(invalid("parameters.item_codes", not_canonical));
    }
    if c.parameters.inspection != r.parameters.inspection {
        return Err(invalid("parameters.inspection.departments", not_canonical));
    }
    if let Some(i) = (0..r.roster.len()).find(|&i| prepared.roster[i] != r.roster[i]) {
        return Err(invalid(format!("roster[{i}]"), not_canonical));
    }
    if c.committed_at != r.committed_at {
        return Err(invalid("committed_at", "sub-second precision (须精确到秒)"));
    }

    if r.pool_size != c.pool_size {
        return Err(mismatch("pool_size", r.pool_size, c.pool_size));
    }
    if r.pool_hash != c.pool_hash {
        return Err(mismatch("pool_hash", r.pool_hash, c.pool_hash));
    }
    for (label, s) in &r.strata {
        let Some(e) = c.strata.get(label) else {
            return Err(invalid(format!("strata[{label}]"), "no such stratum in the quotas (参数中无此分层)"));
        };
        for (name, got, want) in
            [("size", s.size, e.size), ("total_weight", s.total_weight, e.total_weight), ("k", s.k, e.k)]
        {
            if got != want {
                return Err(mismatch(format!("strata[{label}].{name}"), got, want));
            }
        }
    }
    if let Some(label) = c.strata.keys().find(|l| !r.strata.contains_key(*l)) {
        return Err(invalid(format!("strata[{label}]"), "missing (缺少该分层)"));
    }
    if r.roster_hash != c.roster_hash {
        return Err(mismatch("roster_hash", opt(&r.roster_hash), opt(&c.roster_hash)));
    }
    let commit_hash = c.hash();
    if r.commit_hash != commit_hash {
        return Err(mismatch("commit_hash", r.commit_hash, commit_hash));
    }

    let expected = execute(&prepared, &r.entropy.value, r.drawn_at, DrawOptions::default()).map_err(as_invalid)?;
    if r.seed != expected.seed {
        return Err(mismatch("seed", r.seed, expected.seed));
    }
    for (label, want) in &expected.winners {
        let got = r.winners.get(label).map_or(&[][..], Vec::as_slice);
        for (i, w) in want.iter().enumerate() {
            let Some(g) = got.get(i) else {
                return Err(mismatch(
                    format!("winners[{label}]"),
                    format!("{} winners", got.len()),
                    format!("{} winners", want.len()),
                ));
            };
            if g.uscc != w.uscc {
                return Err(mismatch(format!("winners[{label}][{i}].uscc"), g.uscc, w.uscc));
            }
            if g.ticket != w.ticket {
                return Err(mismatch(format!("winners[{label}][{i}].ticket"), g.ticket, w.ticket));
            }
        }
        if got.len() != want.len() || !r.winners.contains_key(label) {
            return Err(mismatch(
                format!("winners[{label}]"),
                format!("{} winners", got.len()),
                format!("{} winners", want.len()),
            ));
        }
    }
    if let Some(label) = r.winners.keys().find(|l| !expected.winners.contains_key(*l)) {
        return Err(invalid(format!("winners[{label}]"), "no such stratum (无此分层)"));
    }
    for (label, want) in &expected.cutoff {
        match r.cutoff.get(label) {
            Some(got) if got == want => {}
            got => {
                return Err(mismatch(format!("cutoff[{label}]"), got.map_or_else(|| "absent".into(), opt), opt(want)))
            }
        }
    }
    if let Some(label) = r.cutoff.keys().find(|l| !expected.cutoff.contains_key(*l)) {
        return Err(invalid(format!("cutoff[{label}]"), "no such stratum (无此分层)"));
    }
    verify_teams(r, &expected)
}

fn verify_teams(r: &DrawRecord, expected: &DrawRecord) -> Result<(), VerifyError> {
    for (t, want) in expected.teams.iter().enumerate() {
        let Some(got) = r.teams.get(t) else {
            return Err(mismatch(
                "teams",
                format!("{} teams", r.teams.len()),
                format!("{} teams", expected.teams.len()),
            ));
        };
        let at = |f: &str| format!("teams[{t}].{f}");
        if got.uscc != want.uscc {
            return Err(mismatch(at("uscc"), got.uscc, want.uscc));
        }
        if got.stratum != want.stratum {
            return Err(mismatch(at("stratum"), &got.stratum, &want.stratum));
        }
        for (m, wm) in want.members.iter().enumerate() {
            let Some(gm) = got.members.get(m) else {
                return Err(mismatch(
                    at("members"),
                    format!("{} members", got.members.len()),
                    format!("{} members", want.members.len()),
                ));
            };
            let at = |f: &str| format!("teams[{t}].members[{m}].{f}");
            if gm.certificate_no != wm.certificate_no {
                return Err(mismatch(at("certificate_no"), &gm.certificate_no, &wm.certificate_no));
            }
            if gm.ticket != wm.ticket {
                return Err(mismatch(at("ticket"), gm.ticket, wm.ticket));
            }
            if gm.name != wm.name {
                return Err(mismatch(at("name"), &gm.name, &wm.name));
            }
            if gm.department != wm.department {
                return Err(mismatch(at("department"), &gm.department, &wm.department));
            }
            if gm.leader != wm.leader {
                return Err(mismatch(at("leader"), gm.leader, wm.leader));
            }
        }
        if got.members.len() != want.members.len() {
            return Err(mismatch(
                at("members"),
                format!("{} members", got.members.len()),
                format!("{} members", want.members.len()),
            ));
        }
    }
    if r.teams.len() != expected.teams.len() {
        return Err(mismatch("teams", format!("{} teams", r.teams.len()), format!("{} teams", expected.teams.len())));
    }
    Ok(())
}
