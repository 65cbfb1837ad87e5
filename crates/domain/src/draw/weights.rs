//! From risk class and flags to the integer weight a draw receives.
//!
//! The draw itself only sees integer weights; these rules document, in the commit and
//! the record, how a plan derived them. Within one stratum only the ratios of weights
//! matter, so class base weights change anything only when a plan draws several
//! classes from one stratum; the numbers are set by each plan (DESIGN §7).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::pool::MAX_WEIGHT;
use super::DrawError;

/// Credit-risk class (信用风险分类).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskClass {
    A,
    B,
    C,
    D,
    /// Not yet classified (未分类).
    Unclassified,
}

impl RiskClass {
    /// All classes, in label order.
    pub const ALL: [RiskClass; 5] = [Self::A, Self::B, Self::C, Self::D, Self::Unclassified];

    /// The stratum label: `A`, `B`, `C`, `D` or `unclassified`.
    pub fn label(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::Unclassified => "unclassified",
        }
    }
}

impl fmt::Display for RiskClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Base weight per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassWeights {
    #[serde(rename = "A")]
    pub a: u32,
    #[serde(rename = "B")]
    pub b: u32,
    #[serde(rename = "C")]
    pub c: u32,
    #[serde(rename = "D")]
    pub d: u32,
    pub unclassified: u32,
}

impl ClassWeights {
    /// The base weight of a class.
    pub fn get(&self, class: RiskClass) -> u32 {
        match class {
            RiskClass::A => self.a,
            RiskClass::B => self.b,
            RiskClass::C => self.c,
            RiskClass::D => self.d,
            RiskClass::Unclassified => self.unclassified,
        }
    }
}

/// Effect of one flag: the weight is multiplied by `multiply`, then `add` is added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    pub multiply: u32,
    pub add: u32,
}

impl FlagRule {
    /// The rule that changes nothing.
    pub const NONE: FlagRule = FlagRule { multiply: 1, add: 0 };
}

/// Facts about one entity that raise its weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WeightFlags {
    /// Holds an approval granted on a credit commitment (告知承诺制审批).
    pub commitment_approval: bool,
    /// In an observation period (观察期) as a new business model.
    pub observation_period: bool,
}

/// `weight = base[class] × Π multiply(f) + Σ add(f)` over the flags f that are set,
/// which must land in `1..=MAX_WEIGHT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightRules {
    pub base: ClassWeights,
    pub commitment_approval: FlagRule,
    pub observation_period: FlagRule,
}

impl WeightRules {
    /// Every class weight 1, no flag effect: plain uniform sampling.
    pub const UNIFORM: WeightRules = WeightRules {
        base: ClassWeights { a: 1, b: 1, c: 1, d: 1, unclassified: 1 },
        commitment_approval: FlagRule::NONE,
        observation_period: FlagRule::NONE,
    };

    /// Checks that base weights are in `1..=MAX_WEIGHT`, multipliers at least 1, and
    /// that every combination of class and flags yields a valid weight.
    pub fn validate(&self) -> Result<(), DrawError> {
        let bad = |reason: String| DrawError::InvalidField { field: "parameters.weight_rules".into(), reason };
        if self.commitment_approval.multiply == 0 || self.observation_period.multiply == 0 {
            return Err(bad("a multiplier must be at least 1 (乘数至少为1)".into()));
        }
        for class in RiskClass::ALL {
            let base = self.base.get(class);
            if !(1..=MAX_WEIGHT).contains(&base) {
                return Err(bad(format!(
                    "base weight of {class} must be in 1..={MAX_WEIGHT} (基础权重须在1至{MAX_WEIGHT}之间)"
                )));
            }
            for (c, o) in [(false, false), (true, false), (false, true), (true, true)] {
                let flags = WeightFlags { commitment_approval: c, observation_period: o };
                if self.raw_weight(class, flags).is_none_or(|w| w > u64::from(MAX_WEIGHT)) {
                    return Err(bad(format!("weights for class {class} exceed {MAX_WEIGHT} (权重超过上限)")));
                }
            }
        }
        Ok(())
    }

    /// The weight of an entity of `class` with `flags`; an error if it falls outside
    /// `1..=MAX_WEIGHT` (which [`WeightRules::validate`] rules out in advance).
    pub fn weight(&self, class: RiskClass, flags: WeightFlags) -> Result<u32, DrawError> {
        self.raw_weight(class, flags)
            .and_then(|w| u32::try_from(w).ok())
            .filter(|w| (1..=MAX_WEIGHT).contains(w))
            .ok_or_else(|| DrawError::InvalidField {
                field: "parameters.weight_rules".into(),
                reason: format!("weight for class {class} outside 1..={MAX_WEIGHT} (权重越界)"),
            })
    }

    fn raw_weight(&self, class: RiskClass, flags: WeightFlags) -> Option<u64> {
        let rules = [
            (flags.commitment_approval, self.commitment_approval),
            (flags.observation_period, self.observation_period),
        ];
        let mut w = u64::from(self.base.get(class));
        for (set, r) in rules {
            if set {
                w = w.checked_mul(u64::from(r.multiply))?;
            }
        }
        for (set, r) in rules {
            if set {
                w = w.checked_add(u64::from(r.add))?;
            }
        }
        Some(w)
    }
}
