//! The inspector draw (DESIGN §5.4): per selected entity, among the eligible
//! inspectors, the `team_size` smallest inspector tickets form the team; the smallest
//! is the team leader. A joint task first takes the best ticket of each department.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::{check_text, hash_lp, iso_date, Hash256, UsccKey};
use super::DrawError;

/// Domain tag of the per-entity inspector seed.
pub const INSPECTOR_SEED_TAG: &[u8] = b"jianguan-draw-inspector/1";

/// Domain tag of the roster hash.
pub const ROSTER_TAG: &[u8] = b"jianguan-draw-roster/1";

/// At least two inspectors per inspection (行政处罚法 art. 42).
pub const MIN_TEAM_SIZE: u32 = 2;

/// Largest team a draw forms.
pub const MAX_TEAM_SIZE: u32 = 16;

/// Parameters of the inspector draw (检查人员抽取参数).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionParams {
    /// Certificates must be valid on this date (normally the last day of the task's
    /// inspection window).
    #[serde(with = "iso_date")]
    pub valid_on: NaiveDate,
    /// Target team size, `MIN_TEAM_SIZE..=MAX_TEAM_SIZE` and at least the number of
    /// departments. With fewer eligible inspectors (but at least two) the team is
    /// all of them.
    pub team_size: u32,
    /// An inspector already holding `workload_cap` assignments in the period
    /// (counting those made earlier in this draw) is not drawn.
    pub workload_cap: u32,
    /// Participating departments, byte order; more than one for a joint task.
    pub departments: Vec<String>,
}

/// One roster entry as the draw used it (执法检查人员). Only names and certificate
/// numbers identify people; nothing else personal is published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspector {
    /// Enforcement certificate number (执法证号), unique in the roster.
    pub certificate_no: String,
    pub name: String,
    pub department: String,
    /// Inspection item codes the certificate covers, byte order.
    pub items: Vec<String>,
    #[serde(with = "iso_date")]
    pub valid_from: NaiveDate,
    /// Last day of validity (inclusive).
    #[serde(with = "iso_date")]
    pub valid_until: NaiveDate,
    /// In post and available (在岗).
    pub active: bool,
    /// Assignments already held in the period before this draw.
    pub prior_assignments: u32,
    /// Entities the inspector is recused from (回避), byte order.
    pub recusals: Vec<UsccKey>,
}

/// A drawn inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    pub certificate_no: String,
    pub name: String,
    pub department: String,
    /// The inspector's ticket for this entity.
    pub ticket: Hash256,
    /// Team leader (组长): the smallest ticket of the team.
    pub leader: bool,
}

/// The team drawn for one selected entity; members in ticket order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub uscc: UsccKey,
    pub stratum: String,
    pub members: Vec<TeamMember>,
}

/// Why an inspector could not be drawn for an entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    Inactive,
    CertificateNotYetValid {
        valid_from: NaiveDate,
    },
    CertificateExpired {
        valid_until: NaiveDate,
    },
    /// The certificate covers none of the task's items (listed).
    NoCertificateForItems {
        items: Vec<String>,
    },
    Recused,
    AtWorkloadCap {
        cap: u32,
    },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inactive => f.write_str("不在岗 (inactive)"),
            Self::CertificateNotYetValid { valid_from } => {
                write!(f, "执法证自{valid_from}起生效 (certificate valid only from {valid_from})")
            }
            Self::CertificateExpired { valid_until } => {
                write!(f, "执法证已于{valid_until}到期 (certificate expired on {valid_until})")
            }
            Self::NoCertificateForItems { items } => {
                write!(f, "执法证不含检查事项 {} (no certificate for item {})", items.join("、"), items.join(", "))
            }
            Self::Recused => f.write_str("已回避 (recused)"),
            Self::AtWorkloadCap { cap } => {
                write!(f, "已达工作量上限{cap} (at workload cap {cap})")
            }
        }
    }
}

/// An inspector excluded for an entity, with every reason that applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcludedInspector {
    pub name: String,
    pub certificate_no: String,
    pub reasons: Vec<Exclusion>,
}

/// A selected entity for which fewer than [`MIN_TEAM_SIZE`] inspectors were eligible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectorShortfall {
    pub uscc: UsccKey,
    /// `(name, certificate_no)` of the eligible inspectors.
    pub eligible: Vec<(String, String)>,
    pub excluded: Vec<ExcludedInspector>,
}

impl fmt::Display for InspectorShortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: 可抽取检查人员{}名 ({} eligible)", self.uscc, self.eligible.len(), self.eligible.len())?;
        for (name, cert) in &self.eligible {
            write!(f, "; {name} ({cert}) 可抽取 (eligible)")?;
        }
        for x in &self.excluded {
            let reasons: Vec<String> = x.reasons.iter().map(ToString::to_string).collect();
            write!(f, "; {} ({}): {}", x.name, x.certificate_no, reasons.join(", "))?;
        }
        Ok(())
    }
}

/// `SHA-256( lp("jianguan-draw-inspector/1") ‖ lp(seed) ‖ lp(uscc) )`.
pub fn inspector_seed(seed: &Hash256, uscc: &UsccKey) -> Hash256 {
    let mut h = Sha256::new();
    hash_lp(&mut h, INSPECTOR_SEED_TAG);
    hash_lp(&mut h, &seed.0);
    hash_lp(&mut h, uscc.as_bytes());
    Hash256::digest(h)
}

/// `SHA-256( inspector seed (32 bytes) ‖ lp(certificate_no) )`.
pub fn inspector_ticket(inspector_seed: &Hash256, certificate_no: &str) -> Hash256 {
    let mut h = Sha256::new();
    h.update(inspector_seed.0);
    hash_lp(&mut h, certificate_no.as_bytes());
    Hash256::digest(h)
}

/// The roster hash over the canonical roster (docs/draw-record.md §2.5).
pub fn roster_hash(roster: &[Inspector]) -> Hash256 {
    let mut h = Sha256::new();
    hash_lp(&mut h, ROSTER_TAG);
    h.update((roster.len() as u32).to_be_bytes());
    for i in roster {
        hash_lp(&mut h, i.certificate_no.as_bytes());
        hash_lp(&mut h, i.name.as_bytes());
        hash_lp(&mut h, i.department.as_bytes());
        h.update((i.items.len() as u32).to_be_bytes());
        for item in &i.items {
            hash_lp(&mut h, item.as_bytes());
        }
        hash_lp(&mut h, iso_date::format(&i.valid_from).as_bytes());
        hash_lp(&mut h, iso_date::format(&i.valid_until).as_bytes());
        h.update([u8::from(i.active)]);
        h.update(i.prior_assignments.to_be_bytes());
        h.update((i.recusals.len() as u32).to_be_bytes());
        for u in &i.recusals {
            hash_lp(&mut h, u.as_bytes());
        }
    }
    Hash256::digest(h)
}

/// Sorts a list into byte order, rejecting duplicates with `dup`.
pub(crate) fn sort_unique<T: Ord + Clone>(list: &[T], dup: impl Fn(&T) -> DrawError) -> Result<Vec<T>, DrawError> {
    let mut v = list.to_vec();
    v.sort();
    match v.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(dup(&w[0])),
        None => Ok(v),
    }
}

/// Validates the inspection parameters and puts the departments in byte order.
pub(crate) fn canonical_params(p: &InspectionParams) -> Result<InspectionParams, DrawError> {
    let bad = |field: &str, reason: String| DrawError::InvalidField {
        field: format!("parameters.inspection.{field}"),
        reason,
    };
    if p.departments.is_empty() {
        return Err(bad("departments", "must not be empty (不得为空)".into()));
    }
    for (i, d) in p.departments.iter().enumerate() {
        check_text(&format!("parameters.inspection.departments[{i}]"), d, 128)?;
    }
    let departments =
        sort_unique(&p.departments, |d| bad("departments", format!("duplicate department {d} (部门重复)")))?;
    let min = MIN_TEAM_SIZE.max(departments.len() as u32);
    if !(min..=MAX_TEAM_SIZE).contains(&p.team_size) {
        return Err(bad(
            "team_size",
            format!(
                "must be between {min} and {MAX_TEAM_SIZE}, at least the number of departments \
                 (检查组人数须在{min}至{MAX_TEAM_SIZE}之间且不少于部门数)"
            ),
        ));
    }
    if p.workload_cap == 0 {
        return Err(bad("workload_cap", "must be at least 1 (至少为1)".into()));
    }
    Ok(InspectionParams { departments, ..p.clone() })
}

/// Validates the roster and returns it in canonical form: sorted by certificate
/// number, items and recusals sorted with duplicates dropped.
pub(crate) fn canonical_roster(roster: &[Inspector], params: &InspectionParams) -> Result<Vec<Inspector>, DrawError> {
    let mut out = Vec::with_capacity(roster.len());
    for (n, i) in roster.iter().enumerate() {
        let at = |f: &str| format!("roster[{n}].{f}");
        check_text(&at("certificate_no"), &i.certificate_no, 64)?;
        check_text(&at("name"), &i.name, 64)?;
        check_text(&at("department"), &i.department, 128)?;
        for (k, item) in i.items.iter().enumerate() {
            check_text(&at(&format!("items[{k}]")), item, 64)?;
        }
        if params.departments.binary_search(&i.department).is_err() {
            return Err(DrawError::InvalidField {
                field: at("department"),
                reason: format!("{} is not a participating department (非参与部门)", i.department),
            });
        }
        if i.valid_from > i.valid_until {
            return Err(DrawError::InvalidField {
                field: at("valid_until"),
                reason: "before valid_from (有效期止早于起)".into(),
            });
        }
        let mut c = i.clone();
        c.items.sort();
        c.items.dedup();
        c.recusals.sort();
        c.recusals.dedup();
        out.push(c);
    }
    out.sort_by(|a, b| a.certificate_no.cmp(&b.certificate_no));
    if let Some(w) = out.windows(2).find(|w| w[0].certificate_no == w[1].certificate_no) {
        return Err(DrawError::DuplicateCertificate { certificate_no: w[0].certificate_no.clone() });
    }
    Ok(out)
}

/// Draws one team per selected entity, in the given order (ascending entity ticket).
/// Everything must already be canonical. Returns every shortfall if any entity has
/// fewer than [`MIN_TEAM_SIZE`] eligible inspectors.
pub(crate) fn draw_teams(
    seed: &Hash256,
    selected: &[(UsccKey, &str)],
    params: &InspectionParams,
    item_codes: &[String],
    roster: &[Inspector],
) -> Result<Vec<Team>, Vec<InspectorShortfall>> {
    // Reasons that do not depend on the entity.
    let fixed: Vec<Vec<Exclusion>> = roster
        .iter()
        .map(|i| {
            let mut r = Vec::new();
            if !i.active {
                r.push(Exclusion::Inactive);
            }
            if params.valid_on < i.valid_from {
                r.push(Exclusion::CertificateNotYetValid { valid_from: i.valid_from });
            }
            if params.valid_on > i.valid_until {
                r.push(Exclusion::CertificateExpired { valid_until: i.valid_until });
            }
            if !item_codes.iter().any(|c| i.items.binary_search(c).is_ok()) {
                r.push(Exclusion::NoCertificateForItems { items: item_codes.to_vec() });
            }
            r
        })
        .collect();
    let mut load: Vec<u64> = roster.iter().map(|i| u64::from(i.prior_assignments)).collect();
    let cap = u64::from(params.workload_cap);
    let mut teams = Vec::with_capacity(selected.len());
    let mut shortfalls = Vec::new();
    for &(uscc, stratum) in selected {
        let recused = |n: usize| roster[n].recusals.binary_search(&uscc).is_ok();
        let iseed = inspector_seed(seed, &uscc);
        let mut eligible: Vec<(Hash256, usize)> = (0..roster.len())
            .filter(|&n| fixed[n].is_empty() && !recused(n) && load[n] < cap)
            .map(|n| (inspector_ticket(&iseed, &roster[n].certificate_no), n))
            .collect();
        if eligible.len() < MIN_TEAM_SIZE as usize {
            // Only now spell out why everyone else was excluded.
            let excluded = (0..roster.len())
                .filter(|n| !eligible.iter().any(|e| e.1 == *n))
                .map(|n| {
                    let mut reasons = fixed[n].clone();
                    if recused(n) {
                        reasons.push(Exclusion::Recused);
                    }
                    if load[n] >= cap {
                        reasons.push(Exclusion::AtWorkloadCap { cap: params.workload_cap });
                    }
                    ExcludedInspector {
                        name: roster[n].name.clone(),
                        certificate_no: roster[n].certificate_no.clone(),
                        reasons,
                    }
                })
                .collect();
            shortfalls.push(InspectorShortfall {
                uscc,
                eligible: eligible
                    .iter()
                    .map(|&(_, n)| (roster[n].name.clone(), roster[n].certificate_no.clone()))
                    .collect(),
                excluded,
            });
            continue;
        }
        // Roster indices follow certificate order, so this is (ticket, certificate_no).
        eligible.sort_unstable();
        let size = (params.team_size as usize).min(eligible.len());
        let mut chosen: Vec<(Hash256, usize)> = Vec::with_capacity(size);
        for d in &params.departments {
            if let Some(&best) = eligible.iter().find(|&&(_, n)| &roster[n].department == d) {
                chosen.push(best);
            }
        }
        for &c in &eligible {
            if chosen.len() >= size {
                break;
            }
            if !chosen.contains(&c) {
                chosen.push(c);
            }
        }
        chosen.sort_unstable();
        let members = chosen
            .iter()
            .enumerate()
            .map(|(pos, &(ticket, n))| {
                load[n] += 1;
                let i = &roster[n];
                TeamMember {
                    certificate_no: i.certificate_no.clone(),
                    name: i.name.clone(),
                    department: i.department.clone(),
                    ticket,
                    leader: pos == 0,
                }
            })
            .collect();
        teams.push(Team { uscc, stratum: stratum.to_owned(), members });
    }
    if shortfalls.is_empty() {
        Ok(teams)
    } else {
        Err(shortfalls)
    }
}
