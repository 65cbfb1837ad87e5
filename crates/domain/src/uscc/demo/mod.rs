//! Deterministic demonstration registry (检查对象名录库) for Nankai District.
//!
//! [`generate`] streams `count` entities derived from `seed` only: the same pair gives
//! the same rows on every platform, and row `i` does not depend on `count`, so a
//! larger registry extends a smaller one. Nothing is held in memory between rows.
//!
//! Codes are unique by construction: the organisation-code body of row `i` encodes
//! `π(i)`, where `π` is a seeded Feistel permutation of `0..MAX_COUNT`. About 0.5% of
//! rows carry a legacy code that fails a check (`legacy = true`), as some codes issued
//! in 2015–2016 do; all other codes pass [`Uscc::parse`](super::Uscc::parse).
//!
//! All names, people and addresses are invented. Industry classes are real
//! GB/T 4754-2017 classes; street and road names are real names of Nankai District.

mod tables;

use std::iter::FusedIterator;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{check_char_of, compute_org_check, CHARSET_BYTES, NANKAI_DIVISION};
use tables::{
    Industry, BRAND_FIRST, BRAND_SECOND, BRAND_THIRD, GIVEN, INDUSTRIES, STREETS, SURNAMES, TAGS, TAG_EQUIPMENT,
    TAG_KEY,
};

/// Largest number of entities one seed can give (the size of the code space used).
pub const MAX_COUNT: usize = 100_000_000;

/// Column headers of the import format, in order.
pub const CSV_HEADERS: [&str; 11] = [
    "统一社会信用代码",
    "名称",
    "主体类型",
    "法定代表人",
    "住所",
    "行政区划",
    "行业代码",
    "行业名称",
    "成立日期",
    "登记状态",
    "标签",
];

/// The header line of the import format: [`CSV_HEADERS`] joined by commas, without a
/// line terminator.
pub fn csv_header() -> &'static str {
    "统一社会信用代码,名称,主体类型,法定代表人,住所,行政区划,行业代码,行业名称,成立日期,登记状态,标签"
}

/// One market entity of the demonstration registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoEntity {
    /// Unified social credit code; fails a check when `legacy` is true.
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// 企业, 个体工商户, 农民专业合作社, 社会团体 or 民办非企业单位.
    pub kind: String,
    /// Legal representative or operator (法定代表人/经营者).
    pub legal_rep: String,
    /// Registered address (住所/经营场所).
    pub address: String,
    /// Division code of the registering office, always `"120104"`.
    pub division: String,
    /// GB/T 4754-2017 industry class code (4 digits).
    pub industry: String,
    /// GB/T 4754-2017 industry class name.
    pub industry_name: String,
    /// Date of establishment (成立日期).
    pub registered_on: NaiveDate,
    /// Registration status: 存续, 在业, 注销, 吊销 or 迁出.
    pub status: String,
    /// Supervision tags in canonical order: 重点监管, 食品经营, 药品零售, 医疗器械经营,
    /// 特种设备使用.
    pub tags: Vec<String>,
    /// Whether `uscc` is a legacy code that fails a check and must be read with
    /// [`Uscc::parse_lenient`](super::Uscc::parse_lenient).
    pub legacy: bool,
}

impl DemoEntity {
    /// The entity as one record of the import format, in the order of [`CSV_HEADERS`];
    /// the date is written `YYYY-MM-DD` and tags are joined by `;`.
    pub fn to_csv_record(&self) -> Vec<String> {
        vec![
            self.uscc.clone(),
            self.name.clone(),
            self.kind.clone(),
            self.legal_rep.clone(),
            self.address.clone(),
            self.division.clone(),
            self.industry.clone(),
            self.industry_name.clone(),
            self.registered_on.format("%Y-%m-%d").to_string(),
            self.status.clone(),
            self.tags.join(";"),
        ]
    }
}

/// Streams `count` demonstration entities for `seed`. Equivalent to
/// `(0..count).map(|i| entity_at(seed, i))`.
///
/// # Panics
///
/// If `count` exceeds [`MAX_COUNT`].
pub fn generate(count: usize, seed: u64) -> DemoGenerator {
    assert!(count <= MAX_COUNT, "demo registry size {count} exceeds MAX_COUNT ({MAX_COUNT})");
    DemoGenerator { keys: FeistelKeys::new(seed), seed, next: 0, end: count }
}

/// Row `index` of the registry for `seed`, or `None` if `index >= MAX_COUNT`.
pub fn entity_at(seed: u64, index: usize) -> Option<DemoEntity> {
    (index < MAX_COUNT).then(|| build_entity(seed, &FeistelKeys::new(seed), index as u64))
}

/// Iterator returned by [`generate`].
#[derive(Debug, Clone)]
pub struct DemoGenerator {
    keys: FeistelKeys,
    seed: u64,
    next: usize,
    end: usize,
}

impl Iterator for DemoGenerator {
    type Item = DemoEntity;

    fn next(&mut self) -> Option<DemoEntity> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(build_entity(self.seed, &self.keys, index as u64))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.end - self.next;
        (left, Some(left))
    }

    fn nth(&mut self, n: usize) -> Option<DemoEntity> {
        self.next = self.next.saturating_add(n).min(self.end);
        self.next()
    }
}

impl DoubleEndedIterator for DemoGenerator {
    fn next_back(&mut self) -> Option<DemoEntity> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        Some(build_entity(self.seed, &self.keys, self.end as u64))
    }
}

impl ExactSizeIterator for DemoGenerator {}

impl FusedIterator for DemoGenerator {}

// ---------------------------------------------------------------------------------
// Randomness: splitmix64, and a Feistel permutation for unique codes.
// ---------------------------------------------------------------------------------

/// The splitmix64 output function.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64 (Steele, Lea and Flood 2014): small, fast and fully specified.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(Self::GAMMA);
        mix64(self.0)
    }

    /// Uniform in `0..n` without modulo bias (Lemire's multiply-and-reject); `n > 0`.
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Uniform index into a slice of length `len > 0`.
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `per_mille / 1000`.
    fn per_mille(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Index chosen with probability proportional to `weight(item)`; total weight > 0.
    fn pick_weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u64 = items.iter().map(|t| u64::from(weight(t))).sum();
        let mut r = self.below(total);
        for (i, item) in items.iter().enumerate() {
            let w = u64::from(weight(item));
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("r < total")
    }
}

/// One half of the Feistel domain: the permutation acts on `0..HALF²` = `0..MAX_COUNT`.
const HALF: u64 = 10_000;

/// Round keys of the seeded permutation of `0..MAX_COUNT`.
#[derive(Debug, Clone)]
struct FeistelKeys([u64; 4]);

impl FeistelKeys {
    fn new(seed: u64) -> Self {
        let mut rng = SplitMix64(seed ^ 0x7573_6363_2D6B_6579); // "uscc-key"
        FeistelKeys(std::array::from_fn(|_| rng.next_u64()))
    }

    /// Bijection of `0..half²`: each round maps `(l, r)` to `(r, (l + F(r)) mod half)`,
    /// which is invertible whatever `F` is.
    fn permute_in(&self, x: u64, half: u64) -> u64 {
        let (mut l, mut r) = (x / half, x % half);
        for &key in &self.0 {
            let f = mix64(r ^ key) % half;
            (l, r) = (r, (l + f) % half);
        }
        l * half + r
    }

    fn permute(&self, x: u64) -> u64 {
        self.permute_in(x, HALF)
    }
}

// ---------------------------------------------------------------------------------
// Entity construction.
// ---------------------------------------------------------------------------------

/// Kinds of demonstration entity; the order is that of [`Industry::weights`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Enterprise,
    Individual,
    Cooperative,
    SocialOrganisation,
    PrivateNonEnterprise,
}

impl Kind {
    const ALL: [Kind; 5] =
        [Kind::Enterprise, Kind::Individual, Kind::Cooperative, Kind::SocialOrganisation, Kind::PrivateNonEnterprise];

    /// Share of the registry, per mille.
    const fn weight(self) -> u32 {
        match self {
            Kind::Enterprise => 560,
            Kind::Individual => 420,
            Kind::Cooperative => 2,
            Kind::SocialOrganisation => 6,
            Kind::PrivateNonEnterprise => 12,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Enterprise => "企业",
            Kind::Individual => "个体工商户",
            Kind::Cooperative => "农民专业合作社",
            Kind::SocialOrganisation => "社会团体",
            Kind::PrivateNonEnterprise => "民办非企业单位",
        }
    }

    /// Positions 1–2 of the code: registration authority and entity type.
    fn code_prefix(self) -> &'static str {
        match self {
            Kind::Enterprise => "91",
            Kind::Individual => "92",
            Kind::Cooperative => "93",
            Kind::SocialOrganisation => "51",
            Kind::PrivateNonEnterprise => "52",
        }
    }

    /// Prefix of organisation codes assigned since the 2015 reform.
    fn new_org_prefix(self) -> &'static str {
        match self {
            Kind::SocialOrganisation | Kind::PrivateNonEnterprise => "MJ",
            _ => "MA",
        }
    }

    /// Whether entities of this kind may predate the reform and keep an old
    /// organisation code (individual businesses and cooperatives had none).
    const fn may_have_old_org_code(self) -> bool {
        matches!(self, Kind::Enterprise | Kind::SocialOrganisation | Kind::PrivateNonEnterprise)
    }

    /// Base rates per mille of 在业, 注销, 吊销, 迁出 (注销 and 吊销 grow with age).
    fn status_rates(self) -> [u32; 4] {
        match self {
            Kind::Enterprise => [0, 70, 40, 15],
            Kind::Individual => [150, 100, 30, 0],
            Kind::Cooperative => [0, 80, 20, 0],
            Kind::SocialOrganisation => [0, 50, 0, 0],
            Kind::PrivateNonEnterprise => [0, 60, 0, 0],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Share of legacy codes in the whole registry, per mille.
const LEGACY_PER_MILLE: u32 = 5;

/// Legacy codes come only from kinds that predate the reform. A row of such a kind is
/// legacy when a uniform draw from `0..LEGACY_DRAW.1` is below `LEGACY_DRAW.0`, which
/// gives the registry as a whole [`LEGACY_PER_MILLE`].
const LEGACY_DRAW: (u64, u64) = {
    let (mut total, mut eligible) = (0, 0);
    let mut i = 0;
    while i < Kind::ALL.len() {
        let kind = Kind::ALL[i];
        total += kind.weight() as u64;
        if kind.may_have_old_org_code() {
            eligible += kind.weight() as u64;
        }
        i += 1;
    }
    (LEGACY_PER_MILLE as u64 * total, 1000 * eligible)
};

/// First day of the generated registration dates.
const FIRST_DAY: NaiveDate = date(1995, 1, 1);
/// Last day of the generated registration dates.
const LAST_DAY: NaiveDate = date(2025, 12, 31);
/// Day the unified code reform began; older entities kept their organisation code.
const REFORM_DAY: NaiveDate = date(2015, 10, 1);
/// Last day before [`REFORM_DAY`].
const LAST_PRE_REFORM_DAY: NaiveDate = date(2015, 9, 30);
/// Day the Farmers' Specialised Cooperatives Law took effect.
const COOPERATIVE_LAW_DAY: NaiveDate = date(2007, 7, 1);

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => panic!("invalid constant date"),
    }
}

fn build_entity(seed: u64, keys: &FeistelKeys, index: u64) -> DemoEntity {
    let mut rng = SplitMix64(mix64(seed ^ 0x6465_6D6F_2D72_6F77) ^ mix64(index)); // "demo-row"

    let kind = Kind::ALL[rng.pick_weighted(&Kind::ALL, |k| k.weight())];
    let legacy = kind.may_have_old_org_code() && rng.below(LEGACY_DRAW.1) < LEGACY_DRAW.0;

    let registered_on = if legacy {
        uniform_day(&mut rng, FIRST_DAY, LAST_PRE_REFORM_DAY)
    } else {
        let first = if kind == Kind::Cooperative { COOPERATIVE_LAW_DAY } else { FIRST_DAY };
        // The larger of two uniform days: registrations grow towards recent years.
        let a = uniform_day(&mut rng, first, LAST_DAY);
        let b = uniform_day(&mut rng, first, LAST_DAY);
        a.max(b)
    };
    let old_org_code = kind.may_have_old_org_code() && registered_on < REFORM_DAY;

    let uscc = build_code(&mut rng, kind, keys.permute(index), old_org_code, legacy);
    let industry = &INDUSTRIES[rng.pick_weighted(INDUSTRIES, |i| i.weights[kind.index()])];
    let legal_rep = person_name(&mut rng);
    let name = entity_name(&mut rng, kind, industry);
    let address = address(&mut rng, kind, industry);
    let age_years = (LAST_DAY.year() - registered_on.year()).max(0) as u32;
    let status = status(&mut rng, kind, age_years);
    let tags = tags(&mut rng, kind, industry, status);

    DemoEntity {
        uscc,
        name,
        kind: kind.label().to_owned(),
        legal_rep,
        address,
        division: NANKAI_DIVISION.to_owned(),
        industry: industry.code.to_owned(),
        industry_name: industry.name.to_owned(),
        registered_on,
        status: status.to_owned(),
        tags,
        legacy,
    }
}

fn uniform_day(rng: &mut SplitMix64, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    let span = (last - first).num_days().max(0) as u64 + 1;
    first.checked_add_days(chrono::Days::new(rng.below(span))).unwrap_or(last)
}

/// Builds the code of an entity whose organisation-code body encodes `unique`
/// (`unique < MAX_COUNT`, distinct for distinct rows).
///
/// Old organisation codes are eight decimal digits; new ones are `MA`/`MJ` followed by
/// six base-31 digits over [`super::CHARSET`] (31⁶ > `MAX_COUNT`). The body therefore
/// determines `unique`, and every code of a seed is distinct. A legacy code breaks
/// either its organisation-code check or its own check character, leaving the body
/// intact.
fn build_code(rng: &mut SplitMix64, kind: Kind, unique: u64, old_org_code: bool, legacy: bool) -> String {
    let mut code = String::with_capacity(18);
    code.push_str(kind.code_prefix());
    code.push_str(NANKAI_DIVISION);
    if old_org_code {
        code.push_str(&format!("{unique:08}"));
    } else {
        code.push_str(kind.new_org_prefix());
        let mut digits = [0u8; 6];
        let mut rest = unique;
        for d in digits.iter_mut().rev() {
            *d = CHARSET_BYTES[(rest % 31) as usize];
            rest /= 31;
        }
        code.extend(digits.iter().map(|&b| char::from(b)));
    }

    // The body is eight characters from CHARSET, so the check always exists.
    let org_check = compute_org_check(&code[8..16]).unwrap_or('0');
    let break_org_check = legacy && rng.per_mille(500);
    code.push(if break_org_check { other_than(rng, org_check, b"0123456789X") } else { org_check });

    let check = check_char_of(code.as_bytes());
    code.push(if legacy && !break_org_check { other_than(rng, check, CHARSET_BYTES) } else { check });
    code
}

/// A character of `alphabet` other than `avoid`.
fn other_than(rng: &mut SplitMix64, avoid: char, alphabet: &[u8]) -> char {
    loop {
        let c = char::from(*rng.pick(alphabet));
        if c != avoid {
            return c;
        }
    }
}

fn person_name(rng: &mut SplitMix64) -> String {
    let (surname, _) = SURNAMES[rng.pick_weighted(SURNAMES, |(_, w)| *w)];
    let mut name = String::from(surname);
    name.push(*rng.pick(GIVEN));
    if rng.per_mille(700) {
        name.push(*rng.pick(GIVEN));
    }
    name
}

/// A trade name (字号) of two or three characters.
fn brand(rng: &mut SplitMix64) -> String {
    let mut brand = String::new();
    brand.push(*rng.pick(BRAND_FIRST));
    brand.push(*rng.pick(BRAND_SECOND));
    if rng.per_mille(600) {
        brand.push(*rng.pick(BRAND_THIRD));
    }
    brand
}

fn entity_name(rng: &mut SplitMix64, kind: Kind, industry: &Industry) -> String {
    match kind {
        Kind::Enterprise => {
            let word = *rng.pick(industry.words);
            let brand = brand(rng);
            match rng.below(100) {
                0..=39 => format!("天津{brand}{word}有限公司"),
                40..=64 => format!("天津市{brand}{word}有限公司"),
                65..=84 => format!("{brand}（天津）{word}有限公司"),
                85..=98 => format!("天津{brand}{word}有限责任公司"),
                _ => format!("天津{brand}{word}股份有限公司"),
            }
        }
        Kind::Individual => {
            let shop = *rng.pick(industry.shop_words);
            let brand = if rng.per_mille(50) {
                let (surname, _) = SURNAMES[rng.pick_weighted(SURNAMES, |(_, w)| *w)];
                format!("老{surname}")
            } else {
                brand(rng)
            };
            if rng.per_mille(600) {
                format!("天津市南开区{brand}{shop}")
            } else {
                format!("南开区{brand}{shop}")
            }
        }
        Kind::Cooperative => {
            let word = *rng.pick(industry.org_words);
            format!("天津市南开区{}{word}", brand(rng))
        }
        Kind::SocialOrganisation => {
            let word = *rng.pick(industry.org_words);
            if rng.per_mille(500) {
                let (street, _) = rng.pick(&STREETS);
                format!("天津市南开区{street}{word}")
            } else {
                format!("天津市南开区{}{word}", brand(rng))
            }
        }
        Kind::PrivateNonEnterprise => {
            let word = *rng.pick(industry.org_words);
            if rng.per_mille(700) {
                format!("天津市南开区{}{word}", brand(rng))
            } else {
                format!("南开区{}{word}", brand(rng))
            }
        }
    }
}

fn address(rng: &mut SplitMix64, kind: Kind, industry: &Industry) -> String {
    let (street, roads) = rng.pick(&STREETS);
    let road = *rng.pick(roads);
    let number = 1 + rng.below(400);
    let detail = if industry.office && kind != Kind::Individual {
        let floor = 2 + rng.below(20);
        let room = 1 + rng.below(20);
        match rng.below(3) {
            0 => format!("{floor}层{floor}{room:02}室"),
            1 => format!("{}号楼{floor}{room:02}", 1 + rng.below(12)),
            _ => format!("{}大厦{floor}层", brand(rng)),
        }
    } else {
        match rng.below(10) {
            0..=3 => String::new(),
            4..=6 => "底商".to_owned(),
            7..=8 => format!("增{}号", 1 + rng.below(6)),
            _ => format!("{}号楼底商", 1 + rng.below(12)),
        }
    };
    format!("天津市南开区{street}{road}{number}号{detail}")
}

fn status(rng: &mut SplitMix64, kind: Kind, age_years: u32) -> &'static str {
    let [operating, cancelled, revoked, moved] = kind.status_rates();
    // 注销 and 吊销 become likelier with age: ×0.1 for a new entity, ×2 at 20 years.
    let age_factor = age_years.clamp(1, 20);
    let cancelled = cancelled * age_factor / 10;
    let revoked = revoked * age_factor / 10;
    let r = rng.below(1000) as u32;
    if r < cancelled {
        "注销"
    } else if r < cancelled + revoked {
        "吊销"
    } else if r < cancelled + revoked + moved {
        "迁出"
    } else if r < cancelled + revoked + moved + operating {
        "在业"
    } else {
        "存续"
    }
}

fn tags(rng: &mut SplitMix64, kind: Kind, industry: &Industry, status: &str) -> Vec<String> {
    let active = matches!(status, "存续" | "在业");
    let mut tags = Vec::new();
    for (i, (&tag, &rate)) in TAGS.iter().zip(&industry.tags).enumerate() {
        let mut rate = u32::from(rate);
        if i == TAG_EQUIPMENT && kind == Kind::Individual {
            // Small shops seldom run lifts, boilers or pressure vessels.
            rate /= 10;
        }
        // Key supervision applies only to entities still in business.
        let applies = rng.per_mille(rate) && (i != TAG_KEY || active);
        if applies {
            tags.push(tag.to_owned());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn feistel_is_a_permutation() {
        let keys = FeistelKeys::new(42);
        let half = 100;
        let images: HashSet<u64> = (0..half * half).map(|x| keys.permute_in(x, half)).collect();
        assert_eq!(images.len() as u64, half * half);
        assert!(images.iter().all(|&y| y < half * half));
        assert!((0..1000).all(|x| keys.permute(x) < MAX_COUNT as u64));
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut rng = SplitMix64(7);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn splitmix64_matches_reference_output() {
        // First outputs of the reference implementation seeded with 1234567.
        let mut rng = SplitMix64(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn industry_table_is_consistent() {
        let mut codes = HashSet::new();
        for industry in INDUSTRIES {
            assert!(codes.insert(industry.code), "duplicate {}", industry.code);
            assert_eq!(industry.code.len(), 4);
            assert!(industry.code.bytes().all(|b| b.is_ascii_digit()));
            let lists =
                [industry.words, industry.shop_words, industry.org_words, industry.org_words, industry.org_words];
            for (kind, list) in Kind::ALL.iter().zip(lists) {
                if industry.weights[kind.index()] > 0 {
                    assert!(!list.is_empty(), "{} {kind:?}", industry.code);
                }
            }
            let lists_used = [
                (industry.words, &[Kind::Enterprise][..]),
                (industry.shop_words, &[Kind::Individual][..]),
                (industry.org_words, &[Kind::Cooperative, Kind::SocialOrganisation, Kind::PrivateNonEnterprise][..]),
            ];
            for (list, kinds) in lists_used {
                let used = kinds.iter().any(|k| industry.weights[k.index()] > 0);
                assert_eq!(used, !list.is_empty(), "{}", industry.code);
            }
            assert!(industry.tags.iter().all(|&t| t <= 1000));
        }
        for kind in Kind::ALL {
            assert!(INDUSTRIES.iter().any(|i| i.weights[kind.index()] > 0));
        }
        for list in [BRAND_FIRST, BRAND_SECOND, BRAND_THIRD, GIVEN] {
            let distinct: HashSet<char> = list.iter().copied().collect();
            assert_eq!(distinct.len(), list.len());
        }
        assert!(INDUSTRIES.len() >= 40);
    }

    #[test]
    fn header_matches_columns() {
        assert_eq!(csv_header(), CSV_HEADERS.join(","));
    }

    #[test]
    fn status_grows_with_age() {
        let count = |age: u32| {
            let mut rng = SplitMix64(3);
            (0..20_000).filter(|_| status(&mut rng, Kind::Enterprise, age) != "存续").count()
        };
        assert!(count(20) > count(1));
    }
}
