//! Charts drawn on the server as inline SVG: no script, no external asset, printable, and
//! allowed by the content security policy (presentation attributes, no inline styles).

use chrono::NaiveDate;
use jianguan_domain::progress::{MilestoneState, ShareStatus, StatusCounts};
use std::fmt::Write;

/// Fill colour of each status (the same as the status badges of the stylesheet).
pub fn status_color(s: ShareStatus) -> &'static str {
    match s {
        ShareStatus::Completed => "#1e7b34",
        ShareStatus::InProgress => "#1f5fa8",
        ShareStatus::NotStarted => "#9aa5b1",
        ShareStatus::Overdue => "#b42318",
        ShareStatus::Paused => "#9a6700",
    }
}

/// Order of the segments in a bar.
const ORDER: [ShareStatus; 5] = [
    ShareStatus::Completed,
    ShareStatus::InProgress,
    ShareStatus::NotStarted,
    ShareStatus::Overdue,
    ShareStatus::Paused,
];

/// Escapes text for SVG/XML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// Horizontal bars, one per row, stacked by status, scaled to the largest total; the
/// count of each segment and the row's total are written out so the chart reads in
/// black and white print too.
pub fn stacked_bars(title: &str, rows: &[(String, StatusCounts)]) -> String {
    const LABEL_W: f64 = 230.0;
    const BAR_W: f64 = 440.0;
    const ROW_H: f64 = 24.0;
    const TOP: f64 = 30.0;
    let width = LABEL_W + BAR_W + 60.0;
    let height = TOP + ROW_H * rows.len().max(1) as f64 + 8.0;
    let max = rows.iter().map(|(_, c)| c.total()).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"##,
        t = esc(title)
    );
    let mut x = 0.0;
    for s in ORDER {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="6" width="12" height="12" fill="{c}"/><text x="{tx}" y="16" font-size="12" fill="#1d2733">{l}</text>"##,
            c = status_color(s),
            tx = x + 16.0,
            l = s.label()
        );
        x += 72.0;
    }
    if rows.is_empty() {
        let _ = write!(svg, r##"<text x="0" y="{}" font-size="13" fill="#5b6877">暂无数据</text>"##, TOP + 16.0);
    }
    for (i, (label, counts)) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end" fill="#1d2733"><title>{full}</title>{short}</text>"##,
            lx = LABEL_W - 8.0,
            ty = y + 15.0,
            full = esc(label),
            short = esc(&clip(label, 18))
        );
        let mut x = LABEL_W;
        for s in ORDER {
            let n = counts.get(s);
            if n == 0 {
                continue;
            }
            let w = BAR_W * f64::from(n) / f64::from(max);
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h}" fill="{c}"><title>{l}:{s} {n}</title></rect>"##,
                y = y + 3.0,
                h = ROW_H - 6.0,
                c = status_color(s),
                l = esc(label),
                s = s.label()
            );
            if w >= 18.0 {
                let _ = write!(
                    svg,
                    r##"<text x="{tx:.1}" y="{ty}" font-size="11" text-anchor="middle" fill="#ffffff">{n}</text>"##,
                    tx = x + w / 2.0,
                    ty = y + 16.0
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{ty}" font-size="12" fill="#1d2733">{t}</text>"##,
            tx = x + 6.0,
            ty = y + 15.0,
            t = counts.total()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A bar showing a rate in per cent.
pub fn rate_bar(label: &str, percent: Option<f64>) -> String {
    let p = percent.unwrap_or(0.0).clamp(0.0, 100.0);
    let text = percent.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"));
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart rate" viewBox="0 0 320 40" width="320" height="40" role="img" aria-label="{l} {text}"><title>{l} {text}</title><rect x="0" y="18" width="260" height="14" fill="#e6ebf0"/><rect x="0" y="18" width="{w:.1}" height="14" fill="#1e7b34"/><text x="0" y="12" font-size="12" fill="#1d2733">{l}</text><text x="268" y="30" font-size="13" font-weight="bold" fill="#1d2733">{text}</text></svg>"##,
        l = esc(label),
        w = 260.0 * p / 100.0
    )
}

/// One point of a timetable.
pub struct TimelinePoint {
    pub date: NaiveDate,
    pub label: String,
    pub state: Option<MilestoneState>,
}

fn milestone_color(s: Option<MilestoneState>) -> &'static str {
    match s {
        Some(MilestoneState::Reached) => "#1e7b34",
        Some(MilestoneState::Upcoming) => "#1f5fa8",
        Some(MilestoneState::DueSoon) => "#9a6700",
        Some(MilestoneState::Overdue) => "#b42318",
        None => "#1d2733",
    }
}

/// A timetable: milestones on a date axis, with today and the task's due date marked.
pub fn timeline(title: &str, points: &[TimelinePoint], today: NaiveDate, due: Option<NaiveDate>) -> String {
    const W: f64 = 900.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 40.0;
    let mut dates: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
    dates.push(today);
    dates.extend(due);
    let start = *dates.iter().min().expect("today is in");
    let end = (*dates.iter().max().expect("today is in")).max(start + chrono::Days::new(30));
    let span = (end - start).num_days().max(1) as f64;
    let x_of = |d: NaiveDate| LEFT + (W - LEFT - RIGHT) * (d - start).num_days() as f64 / span;
    let rows = points.len().max(1);
    let height = 70.0 + 22.0 * rows as f64;
    let axis_y = 40.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"##,
        t = esc(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{axis_y}" x2="{x2}" y2="{axis_y}" stroke="#5b6877" stroke-width="2"/>"##,
        x2 = W - RIGHT
    );
    // Month ticks.
    let mut m =
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&start), chrono::Datelike::month(&start), 1).unwrap_or(start);
    let mut ticks = 0;
    while m <= end && ticks < 60 {
        if m >= start {
            let x = x_of(m);
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{a}" x2="{x:.1}" y2="{b}" stroke="#5b6877"/><text x="{x:.1}" y="{ty}" font-size="10" text-anchor="middle" fill="#5b6877">{l}</text>"##,
                a = axis_y - 4.0,
                b = axis_y + 4.0,
                ty = axis_y - 8.0,
                l = m.format("%Y-%m")
            );
        }
        m = m.checked_add_months(chrono::Months::new(if span > 800.0 { 3 } else { 1 })).unwrap_or(end);
        ticks += 1;
    }
    let mark = |svg: &mut String, d: NaiveDate, label: &str, color: &str| {
        let x = x_of(d);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{a}" x2="{x:.1}" y2="{height}" stroke="{color}" stroke-dasharray="4 3"/><text x="{x:.1}" y="{ty}" font-size="11" text-anchor="middle" fill="{color}">{l}</text>"##,
            a = axis_y,
            ty = axis_y + 18.0,
            l = esc(label)
        );
    };
    mark(&mut svg, today, &format!("今天 {}", today.format("%m-%d")), "#9b1c1c");
    if let Some(d) = due {
        mark(&mut svg, d, &format!("完成时限 {d}"), "#1d2733");
    }
    for (i, p) in points.iter().enumerate() {
        let x = x_of(p.date);
        let y = 62.0 + 22.0 * i as f64;
        let c = milestone_color(p.state);
        let anchor = if x > W * 0.6 { "end" } else { "start" };
        let tx = if anchor == "end" { x - 10.0 } else { x + 10.0 };
        let _ = write!(
            svg,
            r##"<circle cx="{x:.1}" cy="{y}" r="6" fill="{c}"><title>{full}</title></circle><text x="{tx:.1}" y="{ty}" font-size="12" text-anchor="{anchor}" fill="{c}">{d} {l}</text>"##,
            full = esc(&p.label),
            ty = y + 4.0,
            d = p.date.format("%Y-%m-%d"),
            l = esc(&clip(&p.label, 30))
        );
    }
    if points.is_empty() {
        let _ = write!(svg, r##"<text x="{LEFT}" y="70" font-size="13" fill="#5b6877">尚未制定时间表节点</text>"##);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_text_and_scale() {
        let mut a = StatusCounts::default();
        a.add(ShareStatus::Completed);
        a.add(ShareStatus::Overdue);
        let mut b = StatusCounts::default();
        b.add(ShareStatus::Overdue);
        let svg = stacked_bars("按章节", &[("一、<夯实>监管责任".into(), a), ("二".into(), b)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("一、&lt;夯实&gt;监管责任"));
        assert!(!svg.contains("<夯实>"));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        assert_eq!(svg.matches("<rect x=\"230.0\"").count(), 2, "each row starts at the label column");
        assert!(stacked_bars("空", &[]).contains("暂无数据"));
    }

    #[test]
    fn timeline_marks_points_today_and_due() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let pts = vec![
            TimelinePoint { date: d(2026, 12, 1), label: "公示".into(), state: Some(MilestoneState::Reached) },
            TimelinePoint {
                date: d(2027, 3, 1), label: "抽查 & 总结".into(), state: Some(MilestoneState::Upcoming)
            },
        ];
        let svg = timeline("时间表", &pts, d(2026, 11, 25), Some(d(2027, 6, 30)));
        assert!(svg.contains("今天 11-25") && svg.contains("完成时限 2027-06-30"));
        assert!(svg.contains("抽查 &amp; 总结"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(rate_bar("完成率", Some(33.333)).contains("33.3%"));
        assert!(rate_bar("完成率", None).contains("—"));
    }
}
