//! The built-in working-day calendar against the State Council notices, day by day, and
//! the behaviour of the calendar API.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use jianguan_domain::calendar::{CalendarError, DayKind, Festival, Notice, WorkCalendar, YearArrangement};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Inclusive (month, day) range of rest days.
type RestRange = ((u32, u32), (u32, u32));

/// A second transcription of the notices, as (first, last) rest-day ranges and adjusted
/// working days, independent of the JSON file's day lists.
struct Notices {
    year: i32,
    number: &'static str,
    off: &'static [RestRange],
    /// Rest days outside `year` (元旦 2023 began on 2022-12-31).
    off_before: &'static [(i32, u32, u32)],
    work: &'static [(u32, u32)],
}

const NOTICES: &[Notices] = &[
    Notices {
        year: 2020,
        number: "国办发明电〔2019〕16号",
        off: &[
            ((1, 1), (1, 1)),
            // 1月24日至30日, extended to 2月2日 by 国办发明电〔2020〕1号.
            ((1, 24), (2, 2)),
            ((4, 4), (4, 6)),
            ((5, 1), (5, 5)),
            ((6, 25), (6, 27)),
            ((10, 1), (10, 8)),
        ],
        off_before: &[],
        // 2月1日 (Saturday) was to be worked; the extension made it a rest day.
        work: &[(1, 19), (4, 26), (5, 9), (6, 28), (9, 27), (10, 10)],
    },
    Notices {
        year: 2021,
        number: "国办发明电〔2020〕27号",
        off: &[
            ((1, 1), (1, 3)),
            ((2, 11), (2, 17)),
            ((4, 3), (4, 5)),
            ((5, 1), (5, 5)),
            ((6, 12), (6, 14)),
            ((9, 19), (9, 21)),
            ((10, 1), (10, 7)),
        ],
        off_before: &[],
        work: &[(2, 7), (2, 20), (4, 25), (5, 8), (9, 18), (9, 26), (10, 9)],
    },
    Notices {
        year: 2022,
        number: "国办发明电〔2021〕11号",
        off: &[
            ((1, 1), (1, 3)),
            ((1, 31), (2, 6)),
            ((4, 3), (4, 5)),
            ((4, 30), (5, 4)),
            ((6, 3), (6, 5)),
            ((9, 10), (9, 12)),
            ((10, 1), (10, 7)),
        ],
        off_before: &[],
        work: &[(1, 29), (1, 30), (4, 2), (4, 24), (5, 7), (10, 8), (10, 9)],
    },
    Notices {
        year: 2023,
        number: "国办发明电〔2022〕16号",
        off: &[
            ((1, 1), (1, 2)),
            ((1, 21), (1, 27)),
            ((4, 5), (4, 5)),
            ((4, 29), (5, 3)),
            ((6, 22), (6, 24)),
            ((9, 29), (10, 6)),
        ],
        off_before: &[(2022, 12, 31)],
        work: &[(1, 28), (1, 29), (4, 23), (5, 6), (6, 25), (10, 7), (10, 8)],
    },
    Notices {
        year: 2024,
        number: "国办发明电〔2023〕7号",
        off: &[
            ((1, 1), (1, 1)),
            ((2, 10), (2, 17)),
            ((4, 4), (4, 6)),
            ((5, 1), (5, 5)),
            ((6, 10), (6, 10)),
            ((9, 15), (9, 17)),
            ((10, 1), (10, 7)),
        ],
        off_before: &[],
        work: &[(2, 4), (2, 18), (4, 7), (4, 28), (5, 11), (9, 14), (9, 29), (10, 12)],
    },
    Notices {
        year: 2025,
        number: "国办发明电〔2024〕12号",
        off: &[
            ((1, 1), (1, 1)),
            ((1, 28), (2, 4)),
            ((4, 4), (4, 6)),
            ((5, 1), (5, 5)),
            ((5, 31), (6, 2)),
            ((10, 1), (10, 8)),
        ],
        off_before: &[],
        work: &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    },
    Notices {
        year: 2026,
        number: "国办发明电〔2025〕7号",
        off: &[
            ((1, 1), (1, 3)),
            ((2, 15), (2, 23)),
            ((4, 4), (4, 6)),
            ((5, 1), (5, 5)),
            ((6, 19), (6, 21)),
            ((9, 25), (9, 27)),
            ((10, 1), (10, 7)),
        ],
        off_before: &[],
        work: &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    },
];

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn rest_days(n: &Notices) -> Vec<NaiveDate> {
    n.off
        .iter()
        .flat_map(|&((m1, d1), (m2, d2))| {
            let last = d(n.year, m2, d2);
            d(n.year, m1, d1).iter_days().take_while(move |x| *x <= last)
        })
        .collect()
}

#[test]
fn every_day_of_2020_to_2026_matches_the_notices() {
    let cal = WorkCalendar::builtin();
    let mut off: Vec<NaiveDate> = NOTICES.iter().flat_map(rest_days).collect();
    off.extend(NOTICES.iter().flat_map(|n| n.off_before.iter().map(|&(y, m, day)| d(y, m, day))));
    let work: Vec<NaiveDate> = NOTICES.iter().flat_map(|n| n.work.iter().map(|&(m, day)| d(n.year, m, day))).collect();
    let mut day = d(2019, 12, 1);
    while day <= d(2027, 1, 31) {
        let expected = if off.contains(&day) {
            DayKind::Holiday
        } else if work.contains(&day) {
            DayKind::AdjustedWorkday
        } else if is_weekend(day) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        };
        assert_eq!(cal.day_kind(day), expected, "{day}");
        assert_eq!(cal.is_working_day(day), expected.is_working(), "{day}");
        day = day.succ_opt().unwrap();
    }
    for n in NOTICES {
        let arrangement = cal.arrangement(n.year).unwrap();
        assert_eq!(arrangement.notices[0].number, n.number);
        let mut listed: Vec<NaiveDate> = arrangement.holidays().collect();
        listed.retain(|x| x.year() == n.year);
        assert_eq!(listed, rest_days(n), "{}", n.year);
        let work: Vec<NaiveDate> = n.work.iter().map(|&(m, day)| d(n.year, m, day)).collect();
        assert_eq!(arrangement.workdays().collect::<Vec<_>>(), work);
    }
}

#[test]
fn known_facts() {
    let cal = WorkCalendar::builtin();
    // 2024: Sundays worked for the Spring Festival; National Day; an adjusted Saturday.
    assert!(cal.is_working_day(d(2024, 2, 4)));
    assert!(cal.is_working_day(d(2024, 2, 18)));
    // 除夕 (Friday 2月9日) is only encouraged as leave: a working day.
    assert!(cal.is_working_day(d(2024, 2, 9)));
    for day in 1..=7 {
        assert_eq!(cal.day_kind(d(2024, 10, day)), DayKind::Holiday);
    }
    assert_eq!(cal.day_kind(d(2024, 10, 12)), DayKind::AdjustedWorkday);
    // 2025: the amended 全国年节及纪念日放假办法: 春节 from 除夕, 8 days; 劳动节 5 days.
    assert!(cal.is_working_day(d(2025, 1, 26)));
    assert!(cal.is_working_day(d(2025, 2, 8)));
    assert!(cal.is_working_day(d(2025, 1, 27)));
    for day in d(2025, 1, 28).iter_days().take(8) {
        assert_eq!(cal.day_kind(day), DayKind::Holiday, "{day}");
    }
    assert!(cal.is_working_day(d(2025, 2, 5)));
    for day in 1..=5 {
        assert_eq!(cal.day_kind(d(2025, 5, day)), DayKind::Holiday);
    }
    assert_eq!(cal.festival(d(2025, 5, 3)).unwrap().name, "劳动节");
    // 2026 (国办发明电〔2025〕7号): 春节 9 days, 2月14日 and 2月28日 worked.
    for day in d(2026, 2, 15).iter_days().take(9) {
        assert_eq!(cal.day_kind(day), DayKind::Holiday, "{day}");
    }
    assert_eq!(cal.day_kind(d(2026, 2, 14)), DayKind::AdjustedWorkday);
    assert_eq!(cal.day_kind(d(2026, 2, 28)), DayKind::AdjustedWorkday);
    assert_eq!(cal.day_kind(d(2026, 1, 4)), DayKind::AdjustedWorkday);
    // 2020: the Spring Festival extended to 2月2日 (国办发明电〔2020〕1号).
    assert_eq!(cal.day_kind(d(2020, 1, 31)), DayKind::Holiday);
    assert_eq!(cal.day_kind(d(2020, 2, 1)), DayKind::Holiday);
    assert_eq!(cal.day_kind(d(2020, 2, 2)), DayKind::Holiday);
    assert!(cal.is_working_day(d(2020, 2, 3)));
    let numbers: Vec<&str> = cal.arrangement(2020).unwrap().notices.iter().map(|n| n.number.as_str()).collect();
    assert_eq!(numbers, ["国办发明电〔2019〕16号", "国办发明电〔2020〕1号"]);
}

#[test]
fn working_days_per_year() {
    let cal = WorkCalendar::builtin();
    let count = |y: i32| cal.working_days_between(d(y - 1, 12, 31), d(y, 12, 31));
    // Totals published with the notices.
    assert_eq!(count(2024), 251);
    assert_eq!(count(2025), 248);
    // Counted from the notices: weekdays − weekday holidays + adjusted workdays.
    assert_eq!(count(2023), 260 - 18 + 7);
    assert_eq!(count(2026), 261 - 19 + 6);
}

#[test]
fn add_working_days_semantics() {
    let cal = WorkCalendar::builtin();
    // Across National Day 2024.
    assert_eq!(cal.add_working_days(d(2024, 9, 30), 1), d(2024, 10, 8));
    assert_eq!(cal.add_working_days(d(2024, 10, 3), 0), d(2024, 10, 8));
    assert_eq!(cal.add_working_days(d(2024, 9, 30), 0), d(2024, 9, 30));
    assert_eq!(cal.add_working_days(d(2024, 10, 8), -1), d(2024, 9, 30));
    assert_eq!(cal.add_working_days(d(2024, 10, 11), 1), d(2024, 10, 12));
    // Sunday 2024-09-29 is worked.
    assert_eq!(cal.add_working_days(d(2024, 9, 27), 1), d(2024, 9, 29));
    // Across the Spring Festival 2025.
    assert_eq!(cal.add_working_days(d(2025, 1, 27), 1), d(2025, 2, 5));
    assert_eq!(cal.add_working_days(d(2025, 1, 24), 2), d(2025, 1, 27));
    assert_eq!(cal.add_working_days(d(2025, 2, 5), -2), d(2025, 1, 26));
    // 7 working days for publicity (国办发〔2018〕118号) from 2024-09-27.
    assert_eq!(cal.add_working_days(d(2024, 9, 27), 7), d(2024, 10, 12));
    assert_eq!(cal.working_days_between(d(2024, 9, 30), d(2024, 10, 8)), 1);
    assert_eq!(cal.working_days_between(d(2024, 10, 8), d(2024, 9, 30)), -1);
    assert_eq!(cal.working_days_between(d(2024, 10, 8), d(2024, 10, 8)), 0);
}

#[test]
fn years_outside_the_table_are_plain_weeks() {
    let cal = WorkCalendar::builtin();
    assert!(!cal.covers(2027));
    assert!(!cal.covers(2019));
    // 2027-01-01 is a Friday: no arrangement yet, so it counts as worked.
    assert!(cal.is_working_day(d(2027, 1, 1)));
    assert_eq!(cal.day_kind(d(2027, 1, 2)), DayKind::Weekend);
    assert_eq!(cal.add_working_days(d(2027, 1, 1), 1), d(2027, 1, 4));
    assert_eq!(cal.working_days_between(d(2027, 1, 3), d(2027, 1, 31)), 20);
}

#[test]
fn json_round_trip_and_canonical_file() {
    let cal = WorkCalendar::builtin();
    let json = cal.to_json();
    assert_eq!(WorkCalendar::from_json(&json).unwrap(), cal);
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data-seed/calendar/holidays.json"))
        .unwrap();
    let a: serde_json::Value = serde_json::from_str(&file).unwrap();
    let b: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(a, b, "holidays.json is not in the form to_json writes");
    // Serde goes through the same validated format.
    let via_serde: WorkCalendar = serde_json::from_str(&json).unwrap();
    assert_eq!(via_serde, cal);
}

fn notice(year: i32) -> Notice {
    Notice { number: format!("测试〔{}〕1号", year - 1), title: format!("{year}年测试安排"), date: None }
}

fn festival(name: &str, holidays: &[NaiveDate], workdays: &[NaiveDate]) -> Festival {
    Festival {
        name: name.to_owned(),
        text: String::new(),
        holidays: holidays.to_vec(),
        workdays: workdays.to_vec(),
        note: None,
    }
}

/// A made-up arrangement for 2027, for API tests only.
fn test_2027() -> YearArrangement {
    YearArrangement {
        year: 2027,
        notices: vec![notice(2027)],
        festivals: vec![
            festival("元旦", &[d(2027, 1, 1), d(2027, 1, 2), d(2027, 1, 3)], &[]),
            festival("测试节", &[d(2027, 3, 3), d(2027, 3, 4)], &[d(2027, 3, 6)]),
        ],
    }
}

#[test]
fn add_year_extends_the_calendar() {
    let mut cal = WorkCalendar::builtin();
    cal.add_year(test_2027()).unwrap();
    assert!(cal.covers(2027));
    assert_eq!(cal.years().last(), Some(&2027));
    assert!(!cal.is_working_day(d(2027, 1, 1)));
    assert!(cal.is_working_day(d(2027, 3, 6)));
    assert_eq!(cal.add_working_days(d(2027, 3, 2), 1), d(2027, 3, 5));
    assert_eq!(cal.add_year(test_2027()), Err(CalendarError::DuplicateYear(2027)));
    // Round trip with the added year.
    assert_eq!(WorkCalendar::from_json(&cal.to_json()).unwrap(), cal);
    // Replacing drops the old dates.
    let mut fixed = test_2027();
    fixed.festivals.pop();
    assert!(cal.replace_year(fixed).unwrap().is_some());
    assert!(cal.is_working_day(d(2027, 3, 3)));
    assert!(!cal.is_working_day(d(2027, 3, 6)));
}

#[test]
fn add_year_validates() {
    let mut cal = WorkCalendar::builtin();
    let err = |a: YearArrangement| WorkCalendar::builtin().add_year(a).unwrap_err();

    let mut a = test_2027();
    a.festivals[1].holidays.push(d(2028, 3, 5));
    assert!(matches!(err(a), CalendarError::HolidaysNotConsecutive { .. }));

    let mut a = test_2027();
    a.festivals[1].holidays = vec![d(2028, 3, 3)];
    assert!(matches!(err(a), CalendarError::DateOutsideYear { .. }));

    let mut a = test_2027();
    a.festivals[1].workdays = vec![d(2027, 3, 5)]; // Friday
    assert!(matches!(err(a), CalendarError::WorkdayNotWeekend { .. }));

    let mut a = test_2027();
    a.festivals[1].workdays = vec![d(2027, 1, 2)]; // a 元旦 holiday
    assert!(matches!(err(a), CalendarError::HolidayAndWorkday { .. }));

    let mut a = test_2027();
    a.festivals[1].holidays = vec![d(2027, 1, 3)];
    assert!(matches!(err(a), CalendarError::DuplicateDate { .. }));

    let mut a = test_2027();
    a.festivals[0].name = " ".into();
    assert_eq!(err(a), CalendarError::EmptyFestivalName(2027));

    let mut a = test_2027();
    a.notices[0].number.clear();
    assert_eq!(err(a), CalendarError::EmptyNoticeNumber(2027));

    let mut a = test_2027();
    a.year = 1900;
    assert_eq!(err(a), CalendarError::YearOutOfRange(1900));

    // A New Year period may start in the previous December, as 元旦 2023 did...
    let mut a = test_2027();
    a.festivals[0].holidays = vec![d(2026, 12, 31), d(2027, 1, 1)];
    cal.add_year(a).unwrap();
    // ... but another year must not contradict it.
    let mut cal = WorkCalendar::new();
    let builtin = WorkCalendar::builtin();
    cal.add_year(builtin.arrangement(2023).unwrap().clone()).unwrap();
    let mut y2022 = builtin.arrangement(2022).unwrap().clone();
    y2022.festivals[6].workdays.push(d(2022, 12, 31));
    assert!(matches!(cal.add_year(y2022), Err(CalendarError::ConflictsWithYear { other: 2023, .. })));
}

#[test]
fn from_json_rejects_bad_input() {
    assert!(matches!(WorkCalendar::from_json("{"), Err(CalendarError::Json(_))));
    // A misspelt field is an error, not silently ignored.
    let typo = r#"{"years":[{"year":2030,"notices":[{"number":"x","title":"t"}],
        "festivals":[{"name":"元旦","holidays":["2030-01-01"],"workday":["2030-01-05"]}]}]}"#;
    assert!(matches!(WorkCalendar::from_json(typo), Err(CalendarError::Json(_))));
    let bad_day = r#"{"years":[{"year":2030,"notices":[{"number":"x","title":"t"}],
        "festivals":[{"name":"元旦","holidays":["2030-01-01"],"workdays":["2030-01-07"]}]}]}"#;
    assert!(matches!(WorkCalendar::from_json(bad_day), Err(CalendarError::WorkdayNotWeekend { .. })));
    assert!(WorkCalendar::from_json(r#"{"years":[]}"#).unwrap().years().is_empty());
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..3700).prop_map(|n| d(2018, 6, 1) + Days::new(n))
}

proptest! {
    #[test]
    fn forward_steps_count_back(date in any_date(), n in 1i64..600) {
        let cal = WorkCalendar::builtin();
        let end = cal.add_working_days(date, n);
        prop_assert!(cal.is_working_day(end));
        prop_assert_eq!(cal.working_days_between(date, end), n);
        prop_assert_eq!(cal.working_days_between(end, date), -n);
    }

    #[test]
    fn backward_then_forward_lands_on_the_next_working_day(date in any_date(), n in 1i64..600) {
        let cal = WorkCalendar::builtin();
        let back = cal.add_working_days(date, -n);
        prop_assert!(back < date);
        prop_assert!(cal.is_working_day(back));
        prop_assert_eq!(cal.add_working_days(back, n), cal.add_working_days(date, 0));
    }

    #[test]
    fn between_is_additive(a in any_date(), b in any_date(), c in any_date()) {
        let cal = WorkCalendar::builtin();
        prop_assert_eq!(
            cal.working_days_between(a, b) + cal.working_days_between(b, c),
            cal.working_days_between(a, c)
        );
    }
}
