//! The working-day calendar every deadline uses: the built-in arrangements (2020–2026)
//! with the years administrators added or corrected in the database on top.

use jianguan_domain::calendar::{CalendarError, WorkCalendar, YearArrangement};
use jianguan_store::{DynStore, StoreError};

/// The built-in calendar with the stored years applied (a stored year replaces a
/// built-in one). A stored year that no longer applies cleanly is logged and skipped.
pub async fn calendar(store: &DynStore) -> Result<WorkCalendar, StoreError> {
    let mut cal = WorkCalendar::builtin();
    for y in store.calendar_years().await? {
        match serde_json::from_str::<YearArrangement>(&y.arrangement) {
            Ok(a) => {
                if let Err(e) = cal.replace_year(a) {
                    tracing::error!(year = y.year, error = %e, "stored calendar year does not apply");
                }
            }
            Err(e) => tracing::error!(year = y.year, error = %e, "stored calendar year is not valid JSON"),
        }
    }
    Ok(cal)
}

/// A calendar error in Chinese, for the administrator who entered the arrangement.
pub fn error_zh(e: &CalendarError) -> String {
    match e {
        CalendarError::Json(m) => format!("JSON 格式错误:{m}"),
        CalendarError::YearOutOfRange(y) => format!("年份 {y} 超出范围(1949–9999)"),
        CalendarError::DuplicateYear(y) => format!("{y} 年的安排已存在;如需更正,请选择“替换已录入的安排”"),
        CalendarError::NoNotice(y) => format!("{y} 年:须注明所依据的通知(notices)"),
        CalendarError::EmptyNoticeNumber(y) => format!("{y} 年:通知的发文字号(number)不能为空"),
        CalendarError::NoFestival(y) => format!("{y} 年:未列出任何节日(festivals)"),
        CalendarError::EmptyFestivalName(y) => format!("{y} 年:节日名称(name)不能为空"),
        CalendarError::NoHolidays { year, festival } => format!("{year} 年 {festival}:未列出放假日期(holidays)"),
        CalendarError::DateOutsideYear { year, festival, date } => {
            format!("{year} 年 {festival}:日期 {date} 不在该年度内")
        }
        CalendarError::HolidaysNotConsecutive { year, festival, date } => {
            format!("{year} 年 {festival}:放假日期须为连续的升序日期,在 {date} 处中断")
        }
        CalendarError::WorkdayNotWeekend { year, festival, date } => {
            format!("{year} 年 {festival}:调休上班日 {date} 不是周六或周日")
        }
        CalendarError::DuplicateDate { year, date } => format!("{year} 年:日期 {date} 重复列出"),
        CalendarError::HolidayAndWorkday { year, date } => format!("{year} 年:{date} 既是放假日又是上班日"),
        CalendarError::ConflictsWithYear { year, date, other } => {
            format!("{year} 年:{date} 与 {other} 年的安排矛盾")
        }
    }
}
