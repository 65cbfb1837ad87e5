//! China working-day calendar (工作日历).
//!
//! Monday to Friday are working days and weekends are rest days, except as changed by the
//! State Council General Office's yearly holiday arrangement (国务院办公厅关于YYYY年部分节假日
//! 安排的通知): its holidays (放假) are rest days, and the weekend days it names for work
//! (调休上班) are working days. The built-in table (`data-seed/calendar/holidays.json`) covers
//! 2020–2026; an administrator adds each new year with [`WorkCalendar::add_year`] once the
//! notice is published, usually in November or December. A year outside the table is
//! treated as a plain Monday–Friday week: callers check [`WorkCalendar::covers`] and warn.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

const BUILTIN_JSON: &str = include_str!("../../../data-seed/calendar/holidays.json");

/// Years an arrangement may be given for.
const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1949..=9999;

/// How far a festival that contains 1 January (or 31 December) may reach into the
/// neighbouring year, as 元旦 2023 did (2022-12-31 to 2023-01-02).
const YEAR_BOUNDARY_SLACK_DAYS: u64 = 7;

/// A notice that an arrangement is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// 发文字号, e.g. `国办发明电〔2019〕16号`.
    pub number: String,
    /// Title, e.g. `国务院办公厅关于2020年部分节假日安排的通知`.
    pub title: String,
    /// 成文日期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// One festival of an arrangement: its rest days and its adjusted working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Festival {
    /// Name as in the notice, e.g. `春节` or `国庆节、中秋节`.
    pub name: String,
    /// The notice's clause for this festival, as published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The rest days (放假) the notice names, consecutive and ascending. Weekend days
    /// only said to join on (与周末连休) are not listed; they are rest days anyway.
    pub holidays: Vec<NaiveDate>,
    /// Weekend days worked instead (调休上班).
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
    /// Amendments or remarks, e.g. a later notice that changed the festival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The holiday arrangement of one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearArrangement {
    /// The year the notice is for.
    pub year: i32,
    /// The yearly notice first, then any notice amending it.
    pub notices: Vec<Notice>,
    /// Festivals in calendar order.
    pub festivals: Vec<Festival>,
}

/// What a date is in the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday to Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A rest day of a festival (放假).
    Holiday,
    /// A weekend day worked for a festival (调休上班).
    AdjustedWorkday,
}

impl DayKind {
    /// True for [`DayKind::Workday`] and [`DayKind::AdjustedWorkday`].
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday)
    }
}

/// Why a calendar or an arrangement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("invalid calendar JSON: {0}")]
    Json(String),
    #[error("year {0} is outside {min}..={max}", min = YEAR_RANGE.start(), max = YEAR_RANGE.end())]
    YearOutOfRange(i32),
    #[error("year {0} is already in the calendar")]
    DuplicateYear(i32),
    #[error("year {0}: the arrangement names no notice")]
    NoNotice(i32),
    #[error("year {0}: a notice has an empty number")]
    EmptyNoticeNumber(i32),
    #[error("year {0}: the arrangement lists no festival")]
    NoFestival(i32),
    #[error("year {0}: a festival has an empty name")]
    EmptyFestivalName(i32),
    #[error("year {year}, {festival}: no holiday dates")]
    NoHolidays { year: i32, festival: String },
    #[error("year {year}, {festival}: {date} lies outside the year")]
    DateOutsideYear { year: i32, festival: String, date: NaiveDate },
    #[error("year {year}, {festival}: holidays must be consecutive ascending days, broken at {date}")]
    HolidaysNotConsecutive { year: i32, festival: String, date: NaiveDate },
    #[error("year {year}, {festival}: adjusted working day {date} is not a Saturday or Sunday")]
    WorkdayNotWeekend { year: i32, festival: String, date: NaiveDate },
    #[error("year {year}: {date} is listed more than once")]
    DuplicateDate { year: i32, date: NaiveDate },
    #[error("year {year}: {date} is both a holiday and a working day")]
    HolidayAndWorkday { year: i32, date: NaiveDate },
    #[error("year {year}: {date} contradicts the arrangement for {other}")]
    ConflictsWithYear { year: i32, date: NaiveDate, other: i32 },
}

impl YearArrangement {
    /// Checks the arrangement on its own: the year is in range, at least one notice with a
    /// number, every festival named with consecutive ascending holidays, every date in the
    /// year (a festival containing 1 January or 31 December may reach up to seven days into
    /// the neighbouring year), adjusted working days on Saturday or Sunday, and no date
    /// listed twice or as both a holiday and a working day.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let year = self.year;
        if !YEAR_RANGE.contains(&year) {
            return Err(CalendarError::YearOutOfRange(year));
        }
        if self.notices.is_empty() {
            return Err(CalendarError::NoNotice(year));
        }
        if self.notices.iter().any(|n| n.number.trim().is_empty()) {
            return Err(CalendarError::EmptyNoticeNumber(year));
        }
        if self.festivals.is_empty() {
            return Err(CalendarError::NoFestival(year));
        }
        let jan1 = ymd(year, 1, 1);
        let dec31 = ymd(year, 12, 31);
        let mut seen: BTreeMap<NaiveDate, bool> = BTreeMap::new();
        for f in &self.festivals {
            if f.name.trim().is_empty() {
                return Err(CalendarError::EmptyFestivalName(year));
            }
            let festival = || f.name.clone();
            let first = *f.holidays.first().ok_or_else(|| CalendarError::NoHolidays { year, festival: festival() })?;
            for pair in f.holidays.windows(2) {
                if pair[0].succ_opt() != Some(pair[1]) {
                    return Err(CalendarError::HolidaysNotConsecutive { year, festival: festival(), date: pair[1] });
                }
            }
            let last = *f.holidays.last().unwrap_or(&first);
            let lo = if first <= jan1 && jan1 <= last { jan1 - Days::new(YEAR_BOUNDARY_SLACK_DAYS) } else { jan1 };
            let hi = if first <= dec31 && dec31 <= last { dec31 + Days::new(YEAR_BOUNDARY_SLACK_DAYS) } else { dec31 };
            let dated = f.holidays.iter().map(|d| (*d, false)).chain(f.workdays.iter().map(|d| (*d, true)));
            for (date, working) in dated {
                if date < lo || date > hi {
                    return Err(CalendarError::DateOutsideYear { year, festival: festival(), date });
                }
                if working && !is_weekend(date) {
                    return Err(CalendarError::WorkdayNotWeekend { year, festival: festival(), date });
                }
                if let Some(previous) = seen.insert(date, working) {
                    return Err(if previous == working {
                        CalendarError::DuplicateDate { year, date }
                    } else {
                        CalendarError::HolidayAndWorkday { year, date }
                    });
                }
            }
        }
        Ok(())
    }

    /// Every holiday date, in festival order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.festivals.iter().flat_map(|f| f.holidays.iter().copied())
    }

    /// Every adjusted working day, in festival order.
    pub fn workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.festivals.iter().flat_map(|f| f.workdays.iter().copied())
    }
}

/// A date that the arrangements change: where it comes from and whether it is worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Special {
    working: bool,
    year: i32,
    festival: usize,
}

/// The calendar file format: `{"years": [YearArrangement, ...]}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    years: Vec<YearArrangement>,
}

/// Working-day calendar: the yearly arrangements over a Monday–Friday week.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarFile", into = "CalendarFile")]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearArrangement>,
    days: BTreeMap<NaiveDate, Special>,
}

impl TryFrom<CalendarFile> for WorkCalendar {
    type Error = CalendarError;

    fn try_from(file: CalendarFile) -> Result<Self, CalendarError> {
        let mut calendar = WorkCalendar::new();
        for arrangement in file.years {
            calendar.add_year(arrangement)?;
        }
        Ok(calendar)
    }
}

impl From<WorkCalendar> for CalendarFile {
    fn from(calendar: WorkCalendar) -> Self {
        CalendarFile { years: calendar.years.into_values().collect() }
    }
}

impl WorkCalendar {
    /// An empty calendar: plain Monday–Friday weeks, no year covered.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in arrangements for 2020–2026.
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<WorkCalendar> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                // The embedded file is checked by this module's tests.
                WorkCalendar::from_json(BUILTIN_JSON)
                    .unwrap_or_else(|e| panic!("built-in holidays.json is invalid: {e}"))
            })
            .clone()
    }

    /// Reads a calendar in the format of `data-seed/calendar/holidays.json`, validating every
    /// year as [`WorkCalendar::add_year`] does.
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        let file: CalendarFile = serde_json::from_str(json).map_err(|e| CalendarError::Json(e.to_string()))?;
        Self::try_from(file)
    }

    /// Writes the calendar in the format that [`WorkCalendar::from_json`] reads.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct FileRef<'a> {
            years: Vec<&'a YearArrangement>,
        }
        let file = FileRef { years: self.years.values().collect() };
        // Plain structs of strings, dates and lists always serialise.
        serde_json::to_string_pretty(&file).expect("calendar serialises to JSON")
    }

    /// Adds the arrangement of a year not yet in the calendar, after
    /// [`YearArrangement::validate`] and a check that no date contradicts another year's
    /// arrangement (a 元旦 period may be listed by two neighbouring years).
    pub fn add_year(&mut self, arrangement: YearArrangement) -> Result<(), CalendarError> {
        if self.years.contains_key(&arrangement.year) {
            return Err(CalendarError::DuplicateYear(arrangement.year));
        }
        arrangement.validate()?;
        self.check_conflicts(&arrangement, None)?;
        self.years.insert(arrangement.year, arrangement);
        self.rebuild_days();
        Ok(())
    }

    /// Adds or replaces the arrangement of a year, e.g. to correct it or to apply an
    /// amending notice. Returns the arrangement replaced, if any.
    pub fn replace_year(&mut self, arrangement: YearArrangement) -> Result<Option<YearArrangement>, CalendarError> {
        arrangement.validate()?;
        self.check_conflicts(&arrangement, Some(arrangement.year))?;
        let previous = self.years.insert(arrangement.year, arrangement);
        self.rebuild_days();
        Ok(previous)
    }

    /// Whether the calendar holds the official arrangement for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years held, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The arrangement of `year`, if held.
    pub fn arrangement(&self, year: i32) -> Option<&YearArrangement> {
        self.years.get(&year)
    }

    /// What `date` is: ordinary workday or weekend, festival holiday, or adjusted workday.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        match self.days.get(&date) {
            Some(s) if s.working => DayKind::AdjustedWorkday,
            Some(_) => DayKind::Holiday,
            None if is_weekend(date) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// The festival that makes `date` a holiday or an adjusted workday.
    pub fn festival(&self, date: NaiveDate) -> Option<&Festival> {
        let s = self.days.get(&date)?;
        self.years.get(&s.year)?.festivals.get(s.festival)
    }

    /// Whether `date` is worked: Monday–Friday unless a holiday, or an adjusted weekend day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(s) => s.working,
            None => !is_weekend(date),
        }
    }

    /// The `n`-th working day after `date` for `n > 0`, the `|n|`-th working day before it
    /// for `n < 0`, and for `n == 0` `date` itself if worked, else the next working day.
    ///
    /// # Panics
    ///
    /// If the result lies outside the dates `chrono` can represent; see
    /// [`WorkCalendar::checked_add_working_days`].
    pub fn add_working_days(&self, date: NaiveDate, n: i64) -> NaiveDate {
        self.checked_add_working_days(date, n).expect("working-day arithmetic left chrono's date range")
    }

    /// [`WorkCalendar::add_working_days`], or `None` outside chrono's date range.
    pub fn checked_add_working_days(&self, date: NaiveDate, n: i64) -> Option<NaiveDate> {
        let mut d = date;
        if n == 0 {
            while !self.is_working_day(d) {
                d = d.succ_opt()?;
            }
            return Some(d);
        }
        let forward = n > 0;
        let mut remaining = n.unsigned_abs();
        while remaining > 0 {
            if remaining > 5 && self.plain_beyond(d, forward) {
                // Every 7 consecutive plain days hold exactly 5 working days.
                let weeks = (remaining - 1) / 5;
                let span = Days::new(weeks.checked_mul(7)?);
                d = if forward { d.checked_add_days(span)? } else { d.checked_sub_days(span)? };
                remaining -= weeks * 5;
                continue;
            }
            d = if forward { d.succ_opt()? } else { d.pred_opt()? };
            if self.is_working_day(d) {
                remaining -= 1;
            }
        }
        Some(d)
    }

    /// The number of working days in `(a, b]`; negative (minus those in `(b, a]`) if `b < a`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        match a.cmp(&b) {
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Less => self.count_working(a, b),
            std::cmp::Ordering::Greater => -self.count_working(b, a),
        }
    }

    /// Working days in `(a, b]` for `a < b`.
    fn count_working(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let mut count = weekdays_through(b) - weekdays_through(a);
        for (date, s) in self.days.range((Bound::Excluded(a), Bound::Included(b))) {
            match (s.working, is_weekend(*date)) {
                (true, true) => count += 1,
                (false, false) => count -= 1,
                _ => {}
            }
        }
        count
    }

    /// True if no special date lies strictly beyond `d` in the direction of travel.
    fn plain_beyond(&self, d: NaiveDate, forward: bool) -> bool {
        if forward {
            self.days.last_key_value().is_none_or(|(last, _)| d >= *last)
        } else {
            self.days.first_key_value().is_none_or(|(first, _)| d <= *first)
        }
    }

    /// Errors if a date of `arrangement` is classified otherwise by another year.
    fn check_conflicts(&self, arrangement: &YearArrangement, skip_year: Option<i32>) -> Result<(), CalendarError> {
        let dated = arrangement.holidays().map(|d| (d, false)).chain(arrangement.workdays().map(|d| (d, true)));
        for (date, working) in dated {
            for other in self.years.values() {
                if Some(other.year) == skip_year {
                    continue;
                }
                let contradicts =
                    if working { other.holidays().any(|d| d == date) } else { other.workdays().any(|d| d == date) };
                if contradicts {
                    return Err(CalendarError::ConflictsWithYear { year: arrangement.year, date, other: other.year });
                }
            }
        }
        Ok(())
    }

    fn rebuild_days(&mut self) {
        self.days.clear();
        for (year, arrangement) in &self.years {
            for (index, f) in arrangement.festivals.iter().enumerate() {
                let dated = f.holidays.iter().map(|d| (*d, false)).chain(f.workdays.iter().map(|d| (*d, true)));
                for (date, working) in dated {
                    // A date listed by two years (a 元旦 period) keeps the earlier year.
                    self.days.entry(date).or_insert(Special { working, year: *year, festival: index });
                }
            }
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days from a fixed Monday up to and including `date`, as a difference
/// base: `weekdays_through(b) - weekdays_through(a)` counts those in `(a, b]`.
fn weekdays_through(date: NaiveDate) -> i64 {
    // 0001-01-01 is a Monday with num_days_from_ce() == 1.
    let x = i64::from(date.num_days_from_ce());
    x.div_euclid(7) * 5 + x.rem_euclid(7).min(5)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid calendar date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        ymd(y, m, day)
    }

    fn brute_between(cal: &WorkCalendar, a: NaiveDate, b: NaiveDate) -> i64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut x = lo;
        while x < hi {
            x = x.succ_opt().unwrap();
            if cal.is_working_day(x) {
                n += 1;
            }
        }
        sign * n
    }

    #[test]
    fn builtin_covers_2020_to_2026() {
        let cal = WorkCalendar::builtin();
        assert_eq!(cal.years(), (2020..=2026).collect::<Vec<_>>());
        assert!(cal.covers(2024));
        assert!(!cal.covers(2019));
        assert!(!cal.covers(2027));
    }

    #[test]
    fn builtin_totals_match_the_notices() {
        // (year, holiday dates, adjusted working days), counted from the notices.
        let expected =
            [(2020, 30, 6), (2021, 31, 7), (2022, 31, 7), (2023, 27, 7), (2024, 28, 8), (2025, 28, 5), (2026, 33, 6)];
        let cal = WorkCalendar::builtin();
        for (year, holidays, workdays) in expected {
            let a = cal.arrangement(year).unwrap();
            assert_eq!(a.holidays().count(), holidays, "{year}");
            assert_eq!(a.workdays().count(), workdays, "{year}");
        }
    }

    #[test]
    fn weekday_formula_matches_brute_force() {
        let cal = WorkCalendar::new();
        let start = d(2023, 12, 25);
        for i in 0..40 {
            for j in 0..40 {
                let a = start + Days::new(i);
                let b = start + Days::new(j);
                assert_eq!(cal.working_days_between(a, b), brute_between(&cal, a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn between_matches_brute_force_over_the_table() {
        let cal = WorkCalendar::builtin();
        let start = d(2019, 12, 1);
        let end = d(2027, 1, 31);
        let mut a = start;
        while a <= end {
            let b = a + Days::new(45);
            assert_eq!(cal.working_days_between(a, b), brute_between(&cal, a, b));
            assert_eq!(cal.working_days_between(b, a), brute_between(&cal, b, a));
            a = a + Days::new(13);
        }
        let total = cal.working_days_between(start, end);
        assert_eq!(total, brute_between(&cal, start, end));
    }

    #[test]
    fn long_jumps_agree_with_stepping() {
        let cal = WorkCalendar::builtin();
        let from = d(2027, 3, 3);
        let far = cal.add_working_days(from, 1000);
        assert_eq!(cal.working_days_between(from, far), 1000);
        let back = cal.add_working_days(d(2019, 6, 5), -1000);
        assert_eq!(cal.add_working_days(back, 1000), d(2019, 6, 5));
        // Across the whole table in one call.
        let over = cal.add_working_days(d(2018, 1, 1), 3000);
        assert_eq!(cal.working_days_between(d(2018, 1, 1), over), 3000);
        assert!(cal.is_working_day(over));
        assert_eq!(cal.checked_add_working_days(d(2024, 1, 1), i64::MAX), None);
        assert_eq!(cal.checked_add_working_days(d(2024, 1, 1), i64::MIN), None);
    }

    #[test]
    fn validate_rejects_bad_arrangements() {
        let good = YearArrangement {
            year: 2030,
            notices: vec![Notice {
                number: "国办发明电〔2029〕1号".into(),
                title: "国务院办公厅关于2030年部分节假日安排的通知".into(),
                date: None,
            }],
            festivals: vec![Festival {
                name: "元旦".into(),
                text: String::new(),
                holidays: vec![d(2030, 1, 1)],
                workdays: vec![],
                note: None,
            }],
        };
        assert_eq!(good.validate(), Ok(()));

        let mut bad = good.clone();
        bad.festivals[0].workdays = vec![d(2030, 1, 2)]; // a Wednesday
        assert!(matches!(bad.validate(), Err(CalendarError::WorkdayNotWeekend { .. })));

        let mut bad = good.clone();
        bad.festivals[0].holidays = vec![d(2030, 1, 1), d(2030, 1, 3)];
        assert!(matches!(bad.validate(), Err(CalendarError::HolidaysNotConsecutive { .. })));

        let mut bad = good.clone();
        bad.notices.clear();
        assert_eq!(bad.validate(), Err(CalendarError::NoNotice(2030)));
    }
}
