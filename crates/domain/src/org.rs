//! The organisation: every unit named in the seed is a department; the seed's collective
//! names (区各相关部门 …) are groups with editable membership.

/// A department as first loaded into a new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeptSeed {
    /// Stable short code used in URLs, API keys and imports.
    pub code: &'static str,
    /// The name as the seed writes it.
    pub name: &'static str,
    /// Other spellings found in the seed or in common use.
    pub aliases: &'static [&'static str],
    /// Named in the seed text itself (otherwise a district department the groups need).
    pub in_seed: bool,
}

/// A collective name of the seed, with its default members (department codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSeed {
    pub code: &'static str,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub members: &'static [&'static str],
}

pub const DEPARTMENTS: &[DeptSeed] = &[
    DeptSeed {
        code: "zfb",
        name: "区政府办公室",
        aliases: &["天津市南开区人民政府办公室", "区人民政府办公室"],
        in_seed: true,
    },
    DeptSeed { code: "zwfwb", name: "区政务服务办", aliases: &["区政务服务办公室"], in_seed: true },
    DeptSeed {
        code: "scjgj", name: "区市场监管局", aliases: &["区市场监督管理局", "市场监管局"], in_seed: true
    },
    DeptSeed {
        code: "fgw", name: "区发展改革委", aliases: &["区发改委", "区发展和改革委员会"], in_seed: true
    },
    DeptSeed {
        code: "wxb", name: "区委网信办", aliases: &["区委网络安全和信息化委员会办公室"], in_seed: true
    },
    DeptSeed { code: "bb", name: "区委编办", aliases: &["区委机构编制委员会办公室"], in_seed: true },
    DeptSeed { code: "sfj", name: "区司法局", aliases: &[], in_seed: true },
    DeptSeed { code: "czj", name: "区财政局", aliases: &[], in_seed: true },
    DeptSeed { code: "wgzx", name: "区网格中心", aliases: &["区网格化管理中心"], in_seed: true },
    DeptSeed {
        code: "zzb", name: "区委组织部(区公务员局)", aliases: &["区委组织部", "区公务员局"], in_seed: true
    },
    DeptSeed { code: "rsj", name: "区人社局", aliases: &["区人力资源和社会保障局"], in_seed: true },
    DeptSeed {
        code: "wjw", name: "区卫生健康委", aliases: &["区卫健委", "区卫生健康委员会"], in_seed: true
    },
    DeptSeed {
        code: "swj", name: "区税务局", aliases: &["国家税务总局天津市南开区税务局"], in_seed: true
    },
    DeptSeed { code: "gafj", name: "公安南开分局", aliases: &["天津市公安局南开分局"], in_seed: true },
    DeptSeed { code: "jyj", name: "区教育局", aliases: &[], in_seed: false },
    DeptSeed { code: "mzj", name: "区民政局", aliases: &[], in_seed: false },
    DeptSeed { code: "zjw", name: "区住房建设委", aliases: &["区住建委"], in_seed: false },
    DeptSeed { code: "cgw", name: "区城市管理委", aliases: &["区城管委"], in_seed: false },
    DeptSeed { code: "swuj", name: "区商务局", aliases: &[], in_seed: false },
    DeptSeed { code: "wlj", name: "区文化和旅游局", aliases: &["区文旅局"], in_seed: false },
    DeptSeed { code: "yjj", name: "区应急管理局", aliases: &["区应急局"], in_seed: false },
    DeptSeed { code: "sthj", name: "南开区生态环境局", aliases: &["区生态环境局"], in_seed: false },
    DeptSeed { code: "ybj", name: "区医疗保障局", aliases: &["区医保局"], in_seed: false },
    DeptSeed { code: "gxj", name: "区工业和信息化局", aliases: &["区工信局"], in_seed: false },
    DeptSeed { code: "tyj", name: "区体育局", aliases: &[], in_seed: false },
    DeptSeed { code: "tjj", name: "区统计局", aliases: &[], in_seed: false },
];

const ALL_LINE: &[&str] = &[
    "zwfwb", "scjgj", "fgw", "wxb", "bb", "sfj", "czj", "wgzx", "zzb", "rsj", "wjw", "swj", "gafj", "jyj", "mzj",
    "zjw", "cgw", "swuj", "wlj", "yjj", "sthj", "ybj", "gxj", "tyj", "tjj",
];

pub const GROUPS: &[GroupSeed] = &[
    GroupSeed {
        code: "g-xgbm", name: "区各相关部门", aliases: &["区相关部门", "各相关部门"], members: ALL_LINE
    },
    GroupSeed { code: "g-qjxgbm", name: "区级各相关部门", aliases: &[], members: ALL_LINE },
    GroupSeed {
        code: "g-hyzg",
        name: "区各行业主管部门",
        aliases: &["各行业监管部门", "区各行业监管部门"],
        members: &[
            "scjgj", "wjw", "jyj", "mzj", "zjw", "cgw", "swuj", "wlj", "yjj", "sthj", "rsj", "ybj", "gxj", "tyj",
        ],
    },
    GroupSeed {
        code: "g-xzsp",
        name: "区各行政审批部门",
        aliases: &["各行政审批部门", "区审批许可部门"],
        members: &["zwfwb", "wjw", "jyj", "mzj", "rsj", "gafj", "wlj"],
    },
    GroupSeed {
        code: "g-aqsc",
        name: "区负有安全生产监管职责的部门",
        aliases: &["区各负有安全生产监管职责的部门"],
        members: &["yjj", "scjgj", "zjw", "cgw", "swuj", "jyj", "wlj", "wjw", "tyj", "sthj"],
    },
];

/// Normalises a unit name for matching: trims, folds full-width parentheses and spaces.
pub fn normalize_unit_name(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '(',
            ')' => ')',
            c => c,
        })
        .collect()
}

/// Edit distance on characters, for "did you mean" suggestions on unknown unit names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest known names to `query` (at most `n`, best first).
pub fn closest<'a>(query: &str, names: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let q = normalize_unit_name(query);
    let mut scored: Vec<(usize, &str)> =
        names.into_iter().map(|name| (edit_distance(&q, &normalize_unit_name(name)), name)).collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_units_are_all_known() {
        // Every unit or group name that appears in the annexes' unit columns.
        let seed_names = [
            "区政务服务办",
            "区市场监管局",
            "区委网信办",
            "区委编办",
            "区发展改革委",
            "区发改委",
            "区司法局",
            "区财政局",
            "区网格中心",
            "区委组织部(区公务员局)",
            "区人社局",
            "区卫生健康委",
            "区税务局",
            "公安南开分局",
            "区各相关部门",
            "区相关部门",
            "区各行业主管部门",
            "区各行政审批部门",
            "区负有安全生产监管职责的部门",
            "区各负有安全生产监管职责的部门",
            "区级各相关部门",
        ];
        for name in seed_names {
            let n = normalize_unit_name(name);
            let found = DEPARTMENTS
                .iter()
                .any(|d| normalize_unit_name(d.name) == n || d.aliases.iter().any(|a| normalize_unit_name(a) == n))
                || GROUPS
                    .iter()
                    .any(|g| normalize_unit_name(g.name) == n || g.aliases.iter().any(|a| normalize_unit_name(a) == n));
            assert!(found, "{name} is not a department or group");
        }
        for g in GROUPS {
            for m in g.members {
                assert!(DEPARTMENTS.iter().any(|d| d.code == *m), "{m}");
            }
        }
    }

    #[test]
    fn suggestions() {
        let names = DEPARTMENTS.iter().map(|d| d.name);
        assert_eq!(closest("区市场监督局", names, 1), vec!["区市场监管局"]);
    }
}
