//! Small stdin/stdout tools: the working-day calendar and the code checkers.

use crate::CalendarCommand;
use chrono::{Datelike, NaiveDate};
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::uscc::Uscc;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("日期格式错误:{s}(应为 YYYY-MM-DD)").into())
}

pub fn calendar(cmd: CalendarCommand) -> Result<ExitCode> {
    let cal = WorkCalendar::builtin();
    let out = std::io::stdout();
    let mut out = out.lock();
    match cmd {
        CalendarCommand::IsWorkingDay { dates } => {
            for d in dates {
                let d = date(&d)?;
                if !cal.covers(d.year_ce().1 as i32) {
                    eprintln!("注意:{} 年的节假日安排尚未录入,按周一至周五计算", d.format("%Y"));
                }
                writeln!(out, "{} {}", d.format("%Y-%m-%d"), cal.is_working_day(d))?;
            }
        }
        CalendarCommand::AddWorkingDays { date: d, n } => {
            let d = date(&d)?;
            let r = cal.checked_add_working_days(d, n).ok_or("日期超出可计算范围")?;
            writeln!(out, "{}", r.format("%Y-%m-%d"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn uscc_check() -> Result<ExitCode> {
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut any_invalid = false;
    for line in stdin.lock().lines() {
        let line = line?;
        let code = line.trim();
        if code.is_empty() {
            continue;
        }
        match Uscc::parse(code) {
            Ok(_) => writeln!(out, "{code}\tvalid")?,
            Err(e) => {
                any_invalid = true;
                writeln!(out, "{code}\tinvalid\t{e}")?;
            }
        }
    }
    out.flush()?;
    Ok(if any_invalid { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `jianguan code check --scheme S`: one result line per non-empty input line; exits 1
/// when any code is invalid.
pub fn code_check(scheme: &str) -> Result<ExitCode> {
    use jianguan_domain::trace::{self, Scheme};
    let scheme = Scheme::from_code(scheme)
        .ok_or_else(|| format!("未知的编码方案“{scheme}”,应为 gtin、drug、udi 或 equipment"))?;
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut any_invalid = false;
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row = trace::check_line(scheme, &line);
        any_invalid |= row.contains("\tinvalid\t");
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(if any_invalid { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Checks an enforcement export bundle offline: every file against the manifest.
pub fn verify_bundle(file: &std::path::Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| format!("无法读取 {}:{e}", file.display()))?;
    match jianguan_web::pages::enforcement::bundle::verify(&bytes) {
        Ok(n) => {
            println!("ok {n} files");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("mismatch: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub fn verify_draw(file: &std::path::Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| format!("无法读取 {}:{e}", file.display()))?;
    match jianguan_domain::draw::verify_json(&bytes) {
        Ok(_) => {
            println!("ok");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            match e.field() {
                Some(f) => println!("mismatch {f}: {e}"),
                None => println!("mismatch: {e}"),
            }
            Ok(ExitCode::from(1))
        }
    }
}
