//! Inputs shared by tests/draw.rs and tests/draw_python.rs: the golden cases and a
//! generator of random valid draws. Included with `#[path]`, not a test target.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use jianguan_domain::draw::{
    ClassWeights, DrawInput, DrawParameters, DrawSpec, ExclusionCount, FlagRule, InspectionParams, Inspector, Pool,
    Quota, Redraw, UsccKey, WeightRules,
};

pub const SCJ: &str = "区市场监管局";
pub const WJW: &str = "区卫生健康委";

/// Directory of the golden records.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/draw_golden")
}

/// SplitMix64: a tiny deterministic generator for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n small; modulo bias irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A Nankai-style uscc with a correct GB 32100 check character; distinct for
/// distinct `n < 31^4`, and not ordered like `n`.
pub fn uscc(n: u64) -> UsccKey {
    let mut code = b"91120104".to_vec();
    let mut x = Rng(n).next() % 31u64.pow(5) * 31u64.pow(4) + n % 31u64.pow(4);
    let mut body = [0u8; 9];
    for c in body.iter_mut().rev() {
        *c = ALPHABET[(x % 31) as usize];
        x /= 31;
    }
    code.extend_from_slice(&body);
    let sum: u64 = code
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let v = ALPHABET.iter().position(|a| a == c).unwrap() as u64;
            v * 3u64.pow(i as u32) % 31
        })
        .sum();
    code.push(ALPHABET[((31 - sum % 31) % 31) as usize]);
    std::str::from_utf8(&code).unwrap().parse().unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn time(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An active inspector with a valid certificate for `items`.
pub fn inspector(cert: &str, name: &str, department: &str, items: &[&str]) -> Inspector {
    Inspector {
        certificate_no: cert.into(),
        name: name.into(),
        department: department.into(),
        items: items.iter().map(|s| s.to_string()).collect(),
        valid_from: date("2021-01-01"),
        valid_until: date("2026-12-31"),
        active: true,
        prior_assignments: 0,
        recusals: Vec::new(),
    }
}

pub fn quotas(list: &[(&str, Quota)]) -> BTreeMap<String, Quota> {
    list.iter().map(|(l, q)| (l.to_string(), *q)).collect()
}

pub fn pool(list: &[(UsccKey, u32, &str)]) -> Arc<Pool> {
    Arc::new(Pool::from_candidates(list.iter().copied()).unwrap())
}

pub const ENTROPY_DEFINITION: &str = "上海证券交易所公布的上证综合指数2024年3月4日收盘点位，\
    保留两位小数，以十进制文本表示 (closing value of the SSE Composite Index on 2024-03-04 \
    as published by the Shanghai Stock Exchange, two decimals, as decimal text)";

/// A plain spec around `pool` and `parameters`, roster empty.
pub fn spec(pool: Arc<Pool>, parameters: DrawParameters) -> DrawSpec {
    DrawSpec {
        draw_id: "2024-SCJ-T-003-D1".into(),
        draw_number: 1,
        redraw: None,
        plan_id: "2024-SCJ-P-001".into(),
        task_id: "2024-SCJ-T-003".into(),
        committed_at: time("2024-03-01T01:00:00Z"),
        entropy_definition: ENTROPY_DEFINITION.into(),
        parameters,
        pool,
        roster: Vec::new(),
    }
}

pub fn params(quotas: BTreeMap<String, Quota>, inspection: Option<InspectionParams>) -> DrawParameters {
    DrawParameters {
        quotas,
        item_codes: vec!["SCJ-GS-001".into()],
        weight_rules: None,
        exclusions: Vec::new(),
        inspection,
    }
}

pub fn input(spec: DrawSpec, entropy: &str) -> DrawInput {
    DrawInput { spec, entropy_value: entropy.into(), drawn_at: time("2024-03-04T08:00:00Z") }
}

pub fn single_dept(team_size: u32, workload_cap: u32) -> InspectionParams {
    InspectionParams { valid_on: date("2024-03-31"), team_size, workload_cap, departments: vec![SCJ.into()] }
}

/// The golden cases: `(file stem, input)`.
pub fn golden_inputs() -> Vec<(&'static str, DrawInput)> {
    vec![("basic", golden_basic()), ("joint-redraw", golden_joint_redraw()), ("entities-only", golden_entities_only())]
}

/// Five strata, mixed quotas, one department, every kind of ineligible inspector.
pub fn golden_basic() -> DrawInput {
    let mut list = Vec::new();
    for i in 0..6 {
        list.push((uscc(i), 1, "A"));
    }
    for i in 6..12 {
        list.push((uscc(i), 1 + (i % 2) as u32, "B"));
    }
    for i in 12..16 {
        list.push((uscc(i), 2 + (i % 2) as u32, "C"));
    }
    list.push((uscc(16), 3, "D"));
    list.push((uscc(17), 3, "D"));
    list.push((uscc(18), 1, "unclassified"));
    list.push((uscc(19), 1, "unclassified"));
    let mut parameters = params(
        quotas(&[
            ("A", Quota::PerMille(200)),
            ("B", Quota::Count(2)),
            ("C", Quota::PerMille(500)),
            ("D", Quota::Count(1)),
            ("unclassified", Quota::PerMille(0)),
        ]),
        Some(single_dept(2, 4)),
    );
    parameters.weight_rules = Some(WeightRules {
        base: ClassWeights { a: 1, b: 1, c: 2, d: 3, unclassified: 1 },
        commitment_approval: FlagRule { multiply: 2, add: 0 },
        observation_period: FlagRule::NONE,
    });
    parameters.exclusions = vec![
        ExclusionCount { reason: "已注销或吊销 (deregistered or revoked)".into(), count: 3 },
        ExclusionCount { reason: "本年度已被抽查 (frequency cap: inspected this year)".into(), count: 5 },
    ];
    let item = ["SCJ-GS-001"];
    let mut roster = vec![
        inspector("12010420210001", "张伟", SCJ, &item),
        inspector("12010420210002", "李娜", SCJ, &item),
        inspector("12010420210003", "王芳", SCJ, &item),
        inspector("12010420210004", "刘洋", SCJ, &["SCJ-SP-002"]),
        inspector("12010420210005", "陈静", SCJ, &item),
        inspector("12010420210006", "杨帆", SCJ, &item),
        inspector("12010420210007", "赵磊", SCJ, &item),
        inspector("12010420210008", "黄敏", SCJ, &item),
    ];
    roster[1].active = false;
    roster[2].valid_until = date("2024-02-29");
    roster[4].recusals = (0..20).step_by(3).map(uscc).collect();
    roster[5].prior_assignments = 3;
    roster.reverse();
    let mut s = spec(pool(&list), parameters);
    s.roster = roster;
    input(s, "3047.79")
}

/// A joint task of two departments, teams of three, and a re-draw.
pub fn golden_joint_redraw() -> DrawInput {
    let list: Vec<_> = (100..115).map(|i| (uscc(i), 1 + (i % 3) as u32, if i < 105 { "A" } else { "B" })).collect();
    let mut parameters = params(
        quotas(&[("A", Quota::Count(1)), ("B", Quota::Count(3))]),
        Some(InspectionParams {
            valid_on: date("2024-06-30"),
            team_size: 3,
            workload_cap: 2,
            departments: vec![WJW.into(), SCJ.into()],
        }),
    );
    parameters.item_codes = vec!["WJW-GG-001".into(), "SCJ-SP-002".into()];
    let roster = vec![
        inspector("SCJ-0101", "周杰", SCJ, &["SCJ-SP-002"]),
        inspector("SCJ-0102", "吴丹", SCJ, &["SCJ-SP-002", "SCJ-GS-001"]),
        inspector("SCJ-0103", "郑浩", SCJ, &["SCJ-SP-002"]),
        inspector("WJW-0201", "孙丽", WJW, &["WJW-GG-001"]),
        inspector("WJW-0202", "马超", WJW, &["WJW-GG-001"]),
        inspector("WJW-0203", "朱琳", WJW, &["WJW-GG-001"]),
    ];
    let mut s = spec(pool(&list), parameters);
    s.draw_id = "2024-LH-T-001-D2".into();
    s.plan_id = "2024-LH-P-001".into();
    s.task_id = "2024-LH-T-001".into();
    s.draw_number = 2;
    s.redraw = Some(Redraw {
        of: "2024-LH-T-001-D1".into(),
        reason: "第1次抽取的候选名录误含已注销主体3户，经局长办公会批准重新抽取 \
                 (the pool of draw 1 wrongly held 3 deregistered entities; re-draw approved)"
            .into(),
    });
    s.committed_at = time("2024-06-03T02:30:00Z");
    s.entropy_definition = "中国福利彩票双色球2024年第063期开奖号码，按公布顺序以空格分隔 \
                            (the winning numbers of China Welfare Lottery draw 2024063, \
                            space-separated in published order)"
        .into();
    s.roster = roster;
    DrawInput { spec: s, entropy_value: "03 09 14 21 26 31 07".into(), drawn_at: time("2024-06-04T13:45:00Z") }
}

/// Entities only, one stratum, weights up to five.
pub fn golden_entities_only() -> DrawInput {
    let list: Vec<_> = (200..240).map(|i| (uscc(i), 1 + (i % 5) as u32, "all")).collect();
    let mut s = spec(pool(&list), params(quotas(&[("all", Quota::PerMille(100))]), None));
    s.draw_id = "2024-SCJ-T-009-D1".into();
    s.task_id = "2024-SCJ-T-009".into();
    input(s, "3051.02")
}

/// A random valid draw: up to 60 entities, up to five strata, optional joint
/// inspection whose core inspectors guarantee at least two eligible per entity.
pub fn random_input(seed: u64) -> DrawInput {
    let mut rng = Rng(seed);
    let labels = ["A", "B", "C", "D", "unclassified"];
    let n = 1 + rng.below(60);
    let base = rng.below(1 << 20) * 64;
    let list: Vec<_> = (0..n)
        .map(|i| {
            let w = 1 + rng.below(4) as u32;
            (uscc(base + i), w, labels[rng.below(labels.len() as u64) as usize])
        })
        .collect();
    let pool = pool(&list);
    let mut q = BTreeMap::new();
    for (label, &(size, _)) in pool.strata().iter().zip(&pool.stratum_stats()) {
        let quota =
            if rng.chance(50) { Quota::Count(rng.below(size + 1)) } else { Quota::PerMille(rng.below(1001) as u32) };
        q.insert(label.clone(), quota);
    }
    if q.values().all(|x| matches!(x, Quota::Count(0) | Quota::PerMille(0))) {
        q.insert(pool.strata()[0].clone(), Quota::Count(1));
    }
    let joint = rng.chance(40);
    let departments: Vec<String> = if joint { vec![SCJ.into(), WJW.into()] } else { vec![SCJ.into()] };
    let inspection = rng.chance(70).then(|| InspectionParams {
        valid_on: date("2024-03-31"),
        team_size: 2 + rng.below(3) as u32,
        workload_cap: n as u32,
        departments: departments.clone(),
    });
    let mut parameters = params(q, inspection.clone());
    let mut roster = Vec::new();
    if inspection.is_some() {
        parameters.item_codes = vec!["SCJ-GS-001".into(), "WJW-GG-001".into()];
        let items = ["SCJ-GS-001", "WJW-GG-001"];
        let count = 2 + rng.below(8);
        for k in 0..count {
            let dept = &departments[(k as usize) % departments.len()];
            let mut i = inspector(
                &format!("C{:04}", rng.below(10_000) * 10 + k),
                &format!("检查员{k}"),
                dept,
                &items[..1 + (k as usize % 2)],
            );
            if k >= 2 {
                match rng.below(5) {
                    0 => i.active = false,
                    1 => i.valid_until = date("2024-01-31"),
                    2 => i.items = vec!["OTHER-001".into()],
                    3 => i.recusals = list.iter().filter(|_| rng.chance(30)).map(|e| e.0).collect(),
                    _ => i.prior_assignments = rng.below(n) as u32,
                }
            }
            roster.push(i);
        }
    }
    let mut s = spec(pool, parameters);
    s.draw_id = format!("RANDOM-{seed}");
    s.roster = roster;
    input(s, &format!("{}", rng.next()))
}

/// Changes the first hex digit of a hash.
pub fn flip_hex(v: &mut Value) {
    let s = v.as_str().unwrap();
    let c = if s.starts_with('0') { "1" } else { "0" };
    *v = Value::String(format!("{c}{}", &s[1..]));
}

/// An edit of a parsed golden record.
pub type Edit = Box<dyn Fn(&mut Value)>;

/// `(description, golden file, edit, field that verification must name)`.
pub fn tamper_cases() -> Vec<(&'static str, &'static str, Edit, &'static str)> {
    vec![
        (
            "weight",
            "basic",
            Box::new(|v| {
                let w = v["pool"][3]["weight"].as_u64().unwrap();
                v["pool"][3]["weight"] = (w + 1).into();
            }),
            "pool_hash",
        ),
        ("stratum", "basic", Box::new(|v| v["pool"][1]["stratum"] = "B".into()), "pool_hash"),
        (
            "winner",
            "basic",
            Box::new(|v| {
                let other = v["winners"]["B"][1]["uscc"].clone();
                v["winners"]["B"][0]["uscc"] = other;
            }),
            "winners[B][0].uscc",
        ),
        ("ticket", "basic", Box::new(|v| flip_hex(&mut v["winners"]["C"][1]["ticket"])), "winners[C][1].ticket"),
        ("seed", "basic", Box::new(|v| flip_hex(&mut v["seed"])), "seed"),
        ("entropy", "basic", Box::new(|v| v["entropy"]["value"] = "3047.80".into()), "seed"),
        ("cutoff", "basic", Box::new(|v| flip_hex(&mut v["cutoff"]["A"])), "cutoff[A]"),
        ("k", "basic", Box::new(|v| v["strata"]["B"]["k"] = 3.into()), "strata[B].k"),
        (
            "quota",
            "basic",
            Box::new(|v| v["parameters"]["quotas"]["B"] = serde_json::json!({"count": 3})),
            "strata[B].k",
        ),
        ("recusal", "basic", Box::new(|v| v["roster"][4]["recusals"] = serde_json::json!([])), "roster_hash"),
        (
            "leader",
            "joint-redraw",
            Box::new(|v| v["teams"][0]["members"][1]["leader"] = true.into()),
            "teams[0].members[1].leader",
        ),
        (
            "member",
            "joint-redraw",
            Box::new(|v| v["teams"][1]["members"][0]["certificate_no"] = "SCJ-0199".into()),
            "teams[1].members[0].certificate_no",
        ),
        ("commit time", "joint-redraw", Box::new(|v| v["committed_at"] = "2024-06-03T02:29:59Z".into()), "commit_hash"),
        ("definition", "entities-only", Box::new(|v| v["entropy"]["definition"] = "另一个定义".into()), "commit_hash"),
        ("drawn early", "entities-only", Box::new(|v| v["drawn_at"] = "2024-02-29T00:00:00Z".into()), "drawn_at"),
        ("pool order", "entities-only", Box::new(|v| v["pool"].as_array_mut().unwrap().swap(4, 5)), "pool[5]"),
        (
            "extra winner",
            "entities-only",
            Box::new(|v| {
                let extra = v["winners"]["all"][0].clone();
                v["winners"]["all"].as_array_mut().unwrap().push(extra);
            }),
            "winners[all]",
        ),
        ("redraw reason", "joint-redraw", Box::new(|v| v["redraw"] = Value::Null), "redraw"),
        ("weight zero", "basic", Box::new(|v| v["pool"][2]["weight"] = 0.into()), "pool[2]"),
        ("roster order", "basic", Box::new(|v| v["roster"].as_array_mut().unwrap().swap(0, 1)), "roster[0]"),
        ("team stratum", "basic", Box::new(|v| v["teams"][0]["stratum"] = "Z".into()), "teams[0].stratum"),
        (
            "missing team",
            "joint-redraw",
            Box::new(|v| {
                v["teams"].as_array_mut().unwrap().pop();
            }),
            "teams",
        ),
        ("version", "entities-only", Box::new(|v| v["record_version"] = 2.into()), "record_version"),
        (
            "quota",
            "entities-only",
            Box::new(|v| v["parameters"]["quotas"]["all"] = serde_json::json!({"count": 1000})),
            "parameters.quotas[all]",
        ),
        ("empty pool", "entities-only", Box::new(|v| v["pool"] = serde_json::json!([])), "pool"),
        ("unnumbered re-draw", "entities-only", Box::new(|v| v["draw_number"] = 2.into()), "redraw"),
    ]
}
