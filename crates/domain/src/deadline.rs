//! Deadlines (完成时限): one parser for the texts of the ledgers and of imported sheets.
//!
//! [`parse_deadline`] never fails and never loses the text: what it cannot read becomes
//! [`DeadlineKind::Unparsed`] with the text kept, for a person to settle. Forms read:
//!
//! | text | kind |
//! | --- | --- |
//! | `2021年12月底前`, `2021年12月`, `2021年年底前`, `2021年上半年`, `2021年第一季度末` | [`DeadlineKind::Date`] (end of the period) |
//! | `2021年12月31日前`, `2021-12-31`, `二〇二一年十二月三十一日` | [`DeadlineKind::Date`] |
//! | `每年1月底前`, `每年3月15日前`, `每年年底前` | [`DeadlineKind::Yearly`] |
//! | `持续推进`, `长期坚持`, `常态化` | [`DeadlineKind::Ongoing`] |
//! | `按市级机关规定时间完成` | [`DeadlineKind::SetByCity`] |
//! | empty | [`DeadlineKind::Missing`] |
//!
//! Full-width digits and whitespace are accepted anywhere. Text after a date other than
//! `完成` (`2021年12月底前完成对存量文件的清理任务`) is kept in [`Deadline::note`]. Forms
//! that could mean two things are left unparsed: `2021年12月前` (before or by December?),
//! a month or date without a year, a second date after the first.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a deadline text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Due on this date (the last day of a named month, quarter, half or year).
    Date(NaiveDate),
    /// Due every year in `month`, on `day` or, if `None`, on the month's last day.
    Yearly { month: u32, day: Option<u32> },
    /// Continuing work, reported each [`ReportingCycle`] (持续推进).
    Ongoing,
    /// The date is set later by the city (按市级机关规定时间完成).
    SetByCity,
    /// No deadline was given.
    Missing,
    /// Not understood: see [`Deadline::text`].
    Unparsed,
}

/// A deadline: the text as written, its meaning, and any remark that followed a date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    /// The text as given, unchanged.
    pub text: String,
    /// Its meaning.
    #[serde(flatten)]
    pub kind: DeadlineKind,
    /// Text after the date, e.g. `完成对存量文件的清理任务`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How often ongoing work is reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportingCycle {
    Monthly,
    #[default]
    Quarterly,
    HalfYearly,
    Yearly,
}

impl ReportingCycle {
    /// First day of the period containing `date`.
    pub fn period_start(self, date: NaiveDate) -> NaiveDate {
        let first_month = match self {
            ReportingCycle::Monthly => date.month(),
            ReportingCycle::Quarterly => (date.month() - 1) / 3 * 3 + 1,
            ReportingCycle::HalfYearly => (date.month() - 1) / 6 * 6 + 1,
            ReportingCycle::Yearly => 1,
        };
        NaiveDate::from_ymd_opt(date.year(), first_month, 1).expect("first day of a month")
    }

    /// Last day of the period containing `date`.
    pub fn period_end(self, date: NaiveDate) -> NaiveDate {
        let last_month = match self {
            ReportingCycle::Monthly => date.month(),
            ReportingCycle::Quarterly => (date.month() - 1) / 3 * 3 + 3,
            ReportingCycle::HalfYearly => (date.month() - 1) / 6 * 6 + 6,
            ReportingCycle::Yearly => 12,
        };
        month_end(date.year(), last_month).expect("last day of a month")
    }
}

impl DeadlineKind {
    /// True for [`DeadlineKind::Missing`] and [`DeadlineKind::Unparsed`]: a person must act.
    pub fn is_flagged(&self) -> bool {
        matches!(self, DeadlineKind::Missing | DeadlineKind::Unparsed)
    }

    /// The date due in `year`: a yearly deadline's date that year (a day the month lacks,
    /// such as 29 February, becomes the month's last day), or a fixed date if it falls in
    /// `year`.
    pub fn due_date_for_year(&self, year: i32) -> Option<NaiveDate> {
        match *self {
            DeadlineKind::Date(date) => (date.year() == year).then_some(date),
            DeadlineKind::Yearly { month, day } => {
                let end = month_end(year, month)?;
                match day {
                    None => Some(end),
                    Some(d @ 1..=31) => Some(NaiveDate::from_ymd_opt(year, month, d).unwrap_or(end)),
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }

    /// The next date to report or finish by, seen from `today`: a fixed date as is (it may
    /// be past: overdue), the yearly date of this year or, once past, of next year, and for
    /// ongoing work the end of the current `cycle` period. `None` when no date is known.
    pub fn next_due(&self, today: NaiveDate, cycle: ReportingCycle) -> Option<NaiveDate> {
        match self {
            DeadlineKind::Date(date) => Some(*date),
            DeadlineKind::Yearly { .. } => match self.due_date_for_year(today.year()) {
                Some(due) if due >= today => Some(due),
                _ => self.due_date_for_year(today.year().checked_add(1)?),
            },
            DeadlineKind::Ongoing => Some(cycle.period_end(today)),
            DeadlineKind::SetByCity | DeadlineKind::Missing | DeadlineKind::Unparsed => None,
        }
    }
}

impl Deadline {
    /// See [`DeadlineKind::is_flagged`].
    pub fn is_flagged(&self) -> bool {
        self.kind.is_flagged()
    }

    /// See [`DeadlineKind::due_date_for_year`].
    pub fn due_date_for_year(&self, year: i32) -> Option<NaiveDate> {
        self.kind.due_date_for_year(year)
    }

    /// See [`DeadlineKind::next_due`].
    pub fn next_due(&self, today: NaiveDate, cycle: ReportingCycle) -> Option<NaiveDate> {
        self.kind.next_due(today, cycle)
    }
}

/// Reads a deadline text. Never fails: unreadable text becomes [`DeadlineKind::Unparsed`].
pub fn parse_deadline(text: &str) -> Deadline {
    let norm = Normalized::new(text);
    let (kind, note_at) = classify(&norm.chars);
    let note = note_at.and_then(|i| norm.rest_of(text, i));
    Deadline { text: text.to_owned(), kind, note }
}

/// Phrases for continuing work, longest first.
const ONGOING: &[&str] = &[
    "持续推进",
    "持续开展",
    "持续实施",
    "持续落实",
    "长期坚持",
    "长期推进",
    "长期开展",
    "常态化推进",
    "常态化开展",
    "常态化",
    "长期",
    "持续",
];

/// Words after a date meaning "by" (前, 以前 ...), longest first.
const BY: &[&str] = &["以前", "之前", "为止", "前", "止"];

/// Words before a date that add nothing (于2021年…, 截至2021年…), longest first.
const LEAD_IN: &[&str] = &["截止到", "截止", "截至", "于", "在"];

/// Text without whitespace and with full-width ASCII folded, mapped back to the original.
struct Normalized {
    chars: Vec<char>,
    /// Byte offset in the original text of each char in `chars`.
    offsets: Vec<usize>,
}

impl Normalized {
    fn new(text: &str) -> Self {
        let mut chars = Vec::with_capacity(text.len());
        let mut offsets = Vec::with_capacity(text.len());
        for (at, c) in text.char_indices() {
            if c.is_whitespace() {
                continue;
            }
            chars.push(fold_width(c));
            offsets.push(at);
        }
        // Trailing sentence punctuation carries no meaning.
        while chars.last().is_some_and(|c| matches!(c, '。' | '.' | ';' | ',' | '、')) {
            chars.pop();
            offsets.pop();
        }
        Normalized { chars, offsets }
    }

    /// The original text from the char at `index`, trimmed, if any is left.
    fn rest_of(&self, text: &str, index: usize) -> Option<String> {
        let start = *self.offsets.get(index)?;
        let end =
            self.offsets.last().map(|&at| at + text[at..].chars().next().map_or(0, char::len_utf8)).unwrap_or(start);
        let rest = text.get(start..end)?.trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    }
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The kind, and where a note starts (index into `s`).
fn classify(s: &[char]) -> (DeadlineKind, Option<usize>) {
    if s.is_empty() {
        return (DeadlineKind::Missing, None);
    }
    if let Some(n) = ONGOING.iter().find_map(|p| eat(s, 0, p)) {
        return (DeadlineKind::Ongoing, note_start(s, n));
    }
    if is_set_by_city(s) {
        return (DeadlineKind::SetByCity, None);
    }
    let mut at = 0;
    if let Some(n) = LEAD_IN.iter().find_map(|p| eat(s, 0, p)) {
        at = n;
    }
    let parsed = match eat(s, at, "每年") {
        Some(n) => parse_period(s, n, None).and_then(|(p, n)| Some((p.yearly()?, n))),
        None => parse_dated(s, at).and_then(|(p, n)| Some((DeadlineKind::Date(p.date()?), n))),
    };
    let Some((kind, end)) = parsed else {
        return (DeadlineKind::Unparsed, None);
    };
    let mut end = end;
    if let Some(n) = BY.iter().find_map(|p| eat(s, end, p)) {
        end = n;
    }
    let rest = &s[end..];
    if rest.iter().any(|c| c.is_ascii_digit()) || starts_range(rest) {
        return (DeadlineKind::Unparsed, None);
    }
    match note_start(s, end) {
        Some(i) if s[i..] != ['完', '成'] => (kind, Some(i)),
        _ => (kind, None),
    }
}

fn is_set_by_city(s: &[char]) -> bool {
    let text: String = s.iter().collect();
    ["按", "根据", "依据", "依照", "以", "待"].iter().any(|p| text.starts_with(p))
        && ["市级", "市里", "市委", "市政府", "上级"].iter().any(|w| text.contains(w))
        && ["时间", "时限", "要求", "部署", "安排", "为准"].iter().any(|w| text.contains(w))
}

fn starts_range(rest: &[char]) -> bool {
    matches!(rest.first(), Some('至' | '到' | '-' | '~' | '—' | '–'))
}

/// Skips punctuation after a phrase; the note starts there if anything is left.
fn note_start(s: &[char], mut i: usize) -> Option<usize> {
    while s.get(i).is_some_and(|c| matches!(c, ',' | ';' | ':' | '、' | '。' | '(' | ')')) {
        i += 1;
    }
    (i < s.len()).then_some(i)
}

/// `s[i..]` starts with `p`: the index after it.
fn eat(s: &[char], i: usize, p: &str) -> Option<usize> {
    let mut j = i;
    for c in p.chars() {
        if s.get(j) != Some(&c) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// A period of a year, before the year is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    /// The last day of a month: 12月底, 上半年 (6), 年底 (12), 一季度 (3).
    MonthEnd(u32),
    /// A day of a month.
    Day(u32, u32),
}

/// A period with its year.
struct Dated {
    year: i32,
    period: Period,
}

impl Period {
    fn yearly(self) -> Option<DeadlineKind> {
        match self {
            Period::MonthEnd(month) => Some(DeadlineKind::Yearly { month, day: None }),
            // 29 February is a valid yearly date; it falls back to the 28th in common years.
            Period::Day(month, day) => {
                NaiveDate::from_ymd_opt(2000, month, day)?;
                Some(DeadlineKind::Yearly { month, day: Some(day) })
            }
        }
    }
}

impl Dated {
    fn date(&self) -> Option<NaiveDate> {
        match self.period {
            Period::MonthEnd(month) => month_end(self.year, month),
            Period::Day(month, day) => NaiveDate::from_ymd_opt(self.year, month, day),
        }
    }
}

/// `YYYY年<period>` or `YYYY-MM-DD` (also `/` and `.`) at `i`.
fn parse_dated(s: &[char], i: usize) -> Option<(Dated, usize)> {
    let (year, j) = parse_year(s, i)?;
    if let Some(sep) = s.get(j).copied().filter(|c| matches!(c, '-' | '/' | '.')) {
        let (month, k) = parse_ascii_number(s, j + 1, 2)?;
        if s.get(k) != Some(&sep) {
            return None;
        }
        let (day, k) = parse_ascii_number(s, k + 1, 2)?;
        return Some((Dated { year, period: Period::Day(month, day) }, k));
    }
    let mut j = eat(s, j, "年")?;
    if let Some(k) = eat(s, j, "度") {
        j = k;
    }
    let (period, k) = parse_period(s, j, Some(year))?;
    Some((Dated { year, period }, k))
}

/// The part after `YYYY年` or `每年`. `year` is `None` for `每年`.
fn parse_period(s: &[char], i: usize, year: Option<i32>) -> Option<(Period, usize)> {
    // Year end: 底, 年底, 末, 年末, 内, 年内, 全年, or nothing (`2021年`, `2021年完成`).
    for p in ["年底", "年末", "年内", "全年", "底", "末", "内"] {
        if let Some(k) = eat(s, i, p) {
            return Some((Period::MonthEnd(12), k));
        }
    }
    for (p, month) in [("上半年", 6), ("下半年", 12)] {
        if let Some(k) = eat(s, i, p) {
            return Some((Period::MonthEnd(month), k));
        }
    }
    if let Some((quarter, k)) = parse_quarter(s, i) {
        let k = ["末", "底", "内"].iter().find_map(|p| eat(s, k, p)).unwrap_or(k);
        return Some((Period::MonthEnd(quarter * 3), k));
    }
    let Some((month, k)) = parse_small_number(s, i) else {
        // A bare year: `2021年` or `2021年完成`, but not `2021年前` (before 2021?).
        return (year.is_some() && !BY.iter().any(|p| eat(s, i, p).is_some())).then_some((Period::MonthEnd(12), i));
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let k = eat(s, k, "月")?;
    for p in ["底", "末"] {
        if let Some(k) = eat(s, k, p) {
            return Some((Period::MonthEnd(month), k));
        }
    }
    if let Some((day, d)) = parse_small_number(s, k) {
        let d = eat(s, d, "日").or_else(|| eat(s, d, "号"))?;
        return Some((Period::Day(month, day), d));
    }
    // A bare month (`2021年12月`, `12月份内`) means its end; `12月前` is ambiguous.
    let k = eat(s, k, "份").unwrap_or(k);
    let k = eat(s, k, "内").unwrap_or(k);
    if BY.iter().any(|p| eat(s, k, p).is_some()) {
        return None;
    }
    Some((Period::MonthEnd(month), k))
}

/// `第一季度`, `一季度`, `第1季度`, `1季度`: the quarter number.
fn parse_quarter(s: &[char], i: usize) -> Option<(u32, usize)> {
    let i = eat(s, i, "第").unwrap_or(i);
    let (q, k) = parse_small_number(s, i)?;
    let k = eat(s, k, "季度")?;
    (1..=4).contains(&q).then_some((q, k))
}

/// Four digits, ASCII or Chinese (二〇二一): a year from 1900 to 2999.
fn parse_year(s: &[char], i: usize) -> Option<(i32, usize)> {
    let digits = s.get(i..i + 4)?;
    let mut year = 0i32;
    for c in digits {
        year = year * 10 + i32::try_from(digit_value(*c)?).ok()?;
    }
    (1900..=2999).contains(&year).then_some((year, i + 4))
}

fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '〇' | '零' => Some(0),
        _ => chinese_digit(c),
    }
}

fn chinese_digit(c: char) -> Option<u32> {
    let n = "一二三四五六七八九".chars().position(|d| d == c)?;
    u32::try_from(n + 1).ok()
}

/// One or two ASCII digits, or a Chinese numeral up to 三十一 (十, 十二, 二十, 二十三).
fn parse_small_number(s: &[char], i: usize) -> Option<(u32, usize)> {
    if s.get(i).is_some_and(char::is_ascii_digit) {
        return parse_ascii_number(s, i, 2);
    }
    let mut k = i;
    let tens_digit = s.get(k).copied().and_then(chinese_digit);
    if tens_digit.is_some() {
        k += 1;
    }
    if s.get(k) == Some(&'十') {
        k += 1;
        let units = s.get(k).copied().and_then(chinese_digit);
        if units.is_some() {
            k += 1;
        }
        return Some((tens_digit.unwrap_or(1) * 10 + units.unwrap_or(0), k));
    }
    tens_digit.map(|n| (n, k))
}

/// Up to `max` ASCII digits, at least one; a longer digit run is refused.
fn parse_ascii_number(s: &[char], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut k = i;
    let mut n = 0u32;
    while let Some(d) = s.get(k).and_then(|c| c.to_digit(10)) {
        if k - i == max {
            return None;
        }
        n = n * 10 + d;
        k += 1;
    }
    (k > i).then_some((n, k))
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let (y, m) = if month == 12 { (year.checked_add(1)?, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn kind(text: &str) -> DeadlineKind {
        parse_deadline(text).kind
    }

    /// Every deadline form in 南开政发〔2021〕8号: the 完成时限 column and the yearly
    /// 每年1月底前 of 附件1 item 12.
    #[test]
    fn seed_deadlines() {
        assert_eq!(kind("2021年12月底前"), DeadlineKind::Date(d(2021, 12, 31)));
        let clean_up = parse_deadline("2021年12月底前完成对存量文件的清理任务");
        assert_eq!(clean_up.kind, DeadlineKind::Date(d(2021, 12, 31)));
        assert_eq!(clean_up.note.as_deref(), Some("完成对存量文件的清理任务"));
        assert_eq!(kind("持续推进"), DeadlineKind::Ongoing);
        assert_eq!(kind("按市级机关规定时间完成"), DeadlineKind::SetByCity);
        assert_eq!(kind(""), DeadlineKind::Missing);
        assert_eq!(kind("每年1月底前"), DeadlineKind::Yearly { month: 1, day: None });
    }

    #[test]
    fn dates() {
        let cases = [
            ("2021年12月31日前", d(2021, 12, 31)),
            ("2021年12月31日", d(2021, 12, 31)),
            ("2021年12月31号之前", d(2021, 12, 31)),
            ("２０２１年１２月底前", d(2021, 12, 31)),
            (" 2021 年 6 月 底 前 。", d(2021, 6, 30)),
            ("2024年2月底前", d(2024, 2, 29)),
            ("2021年底前", d(2021, 12, 31)),
            ("2021年年底前", d(2021, 12, 31)),
            ("2021年末", d(2021, 12, 31)),
            ("2021年内完成", d(2021, 12, 31)),
            ("2021年度内", d(2021, 12, 31)),
            ("2021年", d(2021, 12, 31)),
            ("2022年上半年", d(2022, 6, 30)),
            ("2022年下半年完成", d(2022, 12, 31)),
            ("2022年第一季度", d(2022, 3, 31)),
            ("2022年一季度末", d(2022, 3, 31)),
            ("2022年第3季度末前", d(2022, 9, 30)),
            ("2022年四季度", d(2022, 12, 31)),
            ("2022年9月", d(2022, 9, 30)),
            ("2022年9月份内完成", d(2022, 9, 30)),
            ("于2022年3月15日前", d(2022, 3, 15)),
            ("截至2022年3月15日", d(2022, 3, 15)),
            ("2022-03-15", d(2022, 3, 15)),
            ("2022/3/5", d(2022, 3, 5)),
            ("二〇二一年十二月三十一日前", d(2021, 12, 31)),
            ("二〇二二年十月底", d(2022, 10, 31)),
        ];
        for (text, date) in cases {
            let p = parse_deadline(text);
            assert_eq!(p.kind, DeadlineKind::Date(date), "{text}");
            assert_eq!(p.note, None, "{text}");
            assert_eq!(p.text, text);
        }
    }

    #[test]
    fn yearly() {
        let y = |month, day| DeadlineKind::Yearly { month, day };
        assert_eq!(kind("每年1月底前"), y(1, None));
        assert_eq!(kind("每年3月15日前"), y(3, Some(15)));
        assert_eq!(kind("每年2月29日"), y(2, Some(29)));
        assert_eq!(kind("每年年底前"), y(12, None));
        assert_eq!(kind("每年底"), y(12, None));
        assert_eq!(kind("每年上半年"), y(6, None));
        assert_eq!(kind("每年第一季度"), y(3, None));
        assert_eq!(kind("每年1月份"), y(1, None));
        let p = parse_deadline("每年1月底前制定年度抽查计划");
        assert_eq!(p.kind, y(1, None));
        assert_eq!(p.note.as_deref(), Some("制定年度抽查计划"));
        let p = parse_deadline("每年1月底前;并向社会公示");
        assert_eq!(p.note.as_deref(), Some("并向社会公示"));
        assert_eq!(parse_deadline("每年1月底前,完成").note, None);
    }

    #[test]
    fn other_kinds() {
        assert_eq!(kind("  \u{3000}\n"), DeadlineKind::Missing);
        assert_eq!(kind("长期坚持"), DeadlineKind::Ongoing);
        assert_eq!(kind("常态化"), DeadlineKind::Ongoing);
        let p = parse_deadline("持续推进,每季度报送进展");
        assert_eq!(p.kind, DeadlineKind::Ongoing);
        assert_eq!(p.note.as_deref(), Some("每季度报送进展"));
        assert_eq!(kind("按上级要求时限完成"), DeadlineKind::SetByCity);
        assert_eq!(kind("根据市级部署安排"), DeadlineKind::SetByCity);
    }

    #[test]
    fn unparsed_keeps_the_text() {
        for text in [
            "尽快",
            "12月底前",
            "2021年12月前",
            "2021年前",
            "2021年13月",
            "2021年2月30日",
            "2021年1月至12月",
            "2021年6月底前完成第一阶段,12月底前全部完成",
            "每季度",
            "每年13月",
            "21年12月底",
            "2021-1-32",
        ] {
            let p = parse_deadline(text);
            assert_eq!(p.kind, DeadlineKind::Unparsed, "{text}");
            assert!(p.is_flagged());
            assert_eq!(p.text, text);
        }
    }

    #[test]
    fn note_is_taken_from_the_original_text() {
        let p = parse_deadline("２０２１年１２月底前完成全部　清理工作。");
        assert_eq!(p.kind, DeadlineKind::Date(d(2021, 12, 31)));
        assert_eq!(p.note.as_deref(), Some("完成全部　清理工作"));
    }

    #[test]
    fn due_dates() {
        let jan = parse_deadline("每年1月底前");
        assert_eq!(jan.due_date_for_year(2024), Some(d(2024, 1, 31)));
        let leap = parse_deadline("每年2月29日前");
        assert_eq!(leap.due_date_for_year(2024), Some(d(2024, 2, 29)));
        assert_eq!(leap.due_date_for_year(2025), Some(d(2025, 2, 28)));
        let fixed = parse_deadline("2021年12月底前");
        assert_eq!(fixed.due_date_for_year(2021), Some(d(2021, 12, 31)));
        assert_eq!(fixed.due_date_for_year(2022), None);
        assert_eq!(parse_deadline("持续推进").due_date_for_year(2021), None);

        let q = ReportingCycle::default();
        assert_eq!(q, ReportingCycle::Quarterly);
        assert_eq!(jan.next_due(d(2024, 1, 31), q), Some(d(2024, 1, 31)));
        assert_eq!(jan.next_due(d(2024, 2, 1), q), Some(d(2025, 1, 31)));
        assert_eq!(fixed.next_due(d(2030, 1, 1), q), Some(d(2021, 12, 31)));
        let ongoing = parse_deadline("持续推进");
        let day = d(2024, 5, 20);
        assert_eq!(ongoing.next_due(day, ReportingCycle::Monthly), Some(d(2024, 5, 31)));
        assert_eq!(ongoing.next_due(day, q), Some(d(2024, 6, 30)));
        assert_eq!(ongoing.next_due(d(2024, 7, 1), ReportingCycle::HalfYearly), Some(d(2024, 12, 31)));
        assert_eq!(ongoing.next_due(day, ReportingCycle::Yearly), Some(d(2024, 12, 31)));
        assert_eq!(parse_deadline("按市级机关规定时间完成").next_due(day, q), None);
        assert_eq!(ReportingCycle::Quarterly.period_start(day), d(2024, 4, 1));
        assert_eq!(ReportingCycle::HalfYearly.period_start(d(2024, 12, 31)), d(2024, 7, 1));
    }

    #[test]
    fn serde_shape() {
        let p = parse_deadline("2021年12月底前完成对存量文件的清理任务");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "2021年12月底前完成对存量文件的清理任务",
                "kind": "date",
                "value": "2021-12-31",
                "note": "完成对存量文件的清理任务"
            })
        );
        assert_eq!(serde_json::from_value::<Deadline>(json).unwrap(), p);
        for text in ["每年1月底前", "持续推进", "按市级机关规定时间完成", "", "尽快"] {
            let p = parse_deadline(text);
            let back: Deadline = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            assert_eq!(back, p);
        }
        assert_eq!(serde_json::to_string(&ReportingCycle::HalfYearly).unwrap(), "\"half_yearly\"");
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_the_text(text in any::<String>()) {
            let p = parse_deadline(&text);
            prop_assert_eq!(&p.text, &text);
            if let Some(note) = &p.note {
                prop_assert!(text.contains(note.as_str()));
            }
        }

        #[test]
        fn never_panics_on_deadline_like_text(
            text in "[0-9０-９〇零一二三四五六七八九十年月日号底末前内度上下半季第每持续推进按市级规定时间完成 ,.。-]{0,24}"
        ) {
            let p = parse_deadline(&text);
            prop_assert_eq!(&p.text, &text);
            if let DeadlineKind::Yearly { month, .. } = p.kind {
                prop_assert!(p.due_date_for_year(2024).is_some());
                prop_assert!((1..=12).contains(&month));
            }
        }

        #[test]
        fn written_dates_read_back(days in 0i64..40_000) {
            let date = d(1950, 1, 1) + chrono::Duration::days(days);
            let text = format!("{}年{}月{}日前", date.year(), date.month(), date.day());
            prop_assert_eq!(parse_deadline(&text).kind, DeadlineKind::Date(date));
            let iso = date.format("%Y-%m-%d").to_string();
            prop_assert_eq!(parse_deadline(&iso).kind, DeadlineKind::Date(date));
        }
    }
}
