//! The ledger sheet: the annex's own columns (序号, 工作任务, 落实举措, 牵头单位, 责任单位,
//! 完成时限 — or 对口承接任务单位 for 附件2's layout) followed by 状态 and 最新进展.
//!
//! Row 1 is the title (merged across), row 2 the headings, then one row per task. The
//! 工作任务 cell holds the hierarchy one heading per line (chapter, section, item, and the
//! task where it differs from them); rows with one unit cell for both 牵头单位 and 责任单位
//! have the two cells merged, as in the annex. [`write_ledger`] and [`read_ledger`] are
//! inverse: a written sheet reads back to the same rows, and writing those again gives the
//! same bytes (the workbook's creation time is the export date, not the clock).
//!
//! Reading is lenient where a person's sheet may differ from ours and strict where data
//! would be lost: an empty 工作任务 cell (or merged cells) takes the heading from the row
//! above; 状态 and 最新进展 are ignored (they are derived); empty required cells, bad or
//! repeated 序号 and over-long text are errors, one Chinese message per row, and a sheet
//! with any error yields no rows at all.

use chrono::NaiveDate;
use jianguan_domain::deadline::DeadlineKind;
use jianguan_domain::ledger::{split_units, LedgerLayout, LedgerRow};
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use crate::xlsx::{neutralize, restore, Grid};

/// Columns after the annex's own.
pub const EXTRA_COLUMNS: [&str; 2] = ["状态", "最新进展"];

/// The most task rows one sheet may hold.
pub const MAX_TASK_ROWS: usize = 2000;

/// Longest 落实举措 and longest other cell, in characters.
const MAX_MEASURES_CHARS: usize = 5000;
const MAX_CELL_CHARS: usize = 500;

/// One task row to write, with its derived columns.
#[derive(Debug, Clone)]
pub struct ExportRow<'a> {
    pub row: &'a LedgerRow,
    /// 状态, e.g. `推进中(完成 3/25,逾期 2)`.
    pub status: String,
    /// 最新进展, e.g. `【区市场监管局 2026-11-20】已完成年度抽查计划公示。`.
    pub progress: String,
}

/// A ledger to write.
#[derive(Debug, Clone)]
pub struct ExportSheet<'a> {
    pub title: &'a str,
    pub layout: LedgerLayout,
    pub rows: Vec<ExportRow<'a>>,
    /// The export date (Beijing time): the workbook's creation date.
    pub date: NaiveDate,
}

/// The 工作任务 cell of a row: chapter, section and item, one per line, then the task if it
/// is none of them.
pub fn task_cell(r: &LedgerRow) -> String {
    let mut lines: Vec<&str> = vec![r.chapter.as_str()];
    lines.extend(r.section.as_deref());
    lines.extend(r.item.as_deref());
    if lines.last() != Some(&r.task.as_str()) {
        lines.push(&r.task);
    }
    lines.join("\n")
}

fn is_section(line: &str) -> bool {
    let rest = line.strip_prefix('(').or_else(|| line.strip_prefix('('));
    rest.and_then(|r| r.split_once([')', ')']))
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| "一二三四五六七八九十".contains(c)))
}

fn is_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && line[digits..].starts_with(['.', '.', '、'])
}

/// Reads a 工作任务 cell back into (chapter, section, item, task): the first line is the
/// chapter; a following `(一)…` line the section; a following `1.…` line the item; what
/// remains is the task, which otherwise is the most specific heading.
pub fn parse_task_cell(cell: &str) -> (String, Option<String>, Option<String>, String) {
    let mut lines = cell.lines().map(str::trim).filter(|l| !l.is_empty());
    let chapter = lines.next().unwrap_or_default().to_owned();
    let mut section = None;
    let mut item = None;
    let mut rest: Vec<&str> = Vec::new();
    for line in lines {
        if rest.is_empty() && section.is_none() && item.is_none() && is_section(line) {
            section = Some(line.to_owned());
        } else if rest.is_empty() && item.is_none() && is_item(line) {
            item = Some(line.to_owned());
        } else {
            rest.push(line);
        }
    }
    let task = if rest.is_empty() {
        item.clone().or_else(|| section.clone()).unwrap_or_else(|| chapter.clone())
    } else {
        rest.join("\n")
    };
    (chapter, section, item, task)
}

/// Writes a ledger as an xlsx workbook (A4 landscape, headings repeated on every page).
pub fn write_ledger(sheet: &ExportSheet<'_>) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut columns: Vec<&str> = sheet.layout.columns().to_vec();
    columns.extend(EXTRA_COLUMNS);
    let last_col = (columns.len() - 1) as u16;
    let widths: &[f64] = match sheet.layout {
        LedgerLayout::LeadAndResponsible => &[7.0, 26.0, 60.0, 18.0, 24.0, 16.0, 18.0, 40.0],
        LedgerLayout::Combined => &[7.0, 26.0, 60.0, 28.0, 16.0, 18.0, 40.0],
    };
    let border = |f: Format| f.set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::VerticalCenter);
    let title_fmt = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head_fmt =
        border(Format::new().set_bold().set_align(FormatAlign::Center).set_background_color(Color::RGB(0xEEF2F6)));
    let cell_fmt = border(Format::new().set_align(FormatAlign::Top));
    let center_fmt = border(Format::new().set_align(FormatAlign::Center));

    let mut wb = Workbook::new();
    let date = ExcelDateTime::from_ymd(
        u16::try_from(chrono::Datelike::year(&sheet.date)).unwrap_or(2000),
        chrono::Datelike::month(&sheet.date) as u8,
        chrono::Datelike::day(&sheet.date) as u8,
    )?;
    wb.set_properties(
        &DocProperties::new().set_title(sheet.title).set_author("南开区事中事后监管平台").set_creation_datetime(&date),
    );
    let ws = wb.add_worksheet();
    ws.set_name("台账")?;
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    ws.merge_range(0, 0, 0, last_col, &neutralize(sheet.title), &title_fmt)?;
    ws.set_row_height(0, 30)?;
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *name, &head_fmt)?;
    }
    for (i, x) in sheet.rows.iter().enumerate() {
        let r = (i + 2) as u32;
        let row = x.row;
        let text = |s: &str| neutralize(s).into_owned();
        ws.write_string_with_format(r, 0, row.label(), &center_fmt)?;
        ws.write_string_with_format(r, 1, text(&task_cell(row)), &cell_fmt)?;
        ws.write_string_with_format(r, 2, text(&row.measures), &cell_fmt)?;
        let mut c = 3u16;
        match sheet.layout {
            LedgerLayout::LeadAndResponsible if row.responsible_text.is_empty() => {
                ws.merge_range(r, 3, r, 4, &text(&row.lead_text), &cell_fmt)?;
                c += 2;
            }
            LedgerLayout::LeadAndResponsible => {
                ws.write_string_with_format(r, 3, text(&row.lead_text), &cell_fmt)?;
                ws.write_string_with_format(r, 4, text(&row.responsible_text), &cell_fmt)?;
                c += 2;
            }
            LedgerLayout::Combined => {
                ws.write_string_with_format(r, 3, text(&row.lead_text), &cell_fmt)?;
                c += 1;
            }
        }
        ws.write_string_with_format(r, c, text(&row.deadline_text), &cell_fmt)?;
        ws.write_string_with_format(r, c + 1, text(&x.status), &cell_fmt)?;
        ws.write_string_with_format(r, c + 2, text(&x.progress), &cell_fmt)?;
    }
    ws.set_freeze_panes(2, 0)?;
    ws.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0).set_repeat_rows(0, 1)?;
    ws.set_footer("&C第 &P 页,共 &N 页");
    wb.save_to_buffer()
}

/// A task row read from a sheet, with its sheet row number (1-based, as Excel shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRow {
    pub line: usize,
    pub row: LedgerRow,
}

/// A message about one sheet row (line 0: the sheet as a whole).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowIssue {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "第 {} 行:{}", self.line, self.message)
        }
    }
}

fn issue(line: usize, message: impl Into<String>) -> RowIssue {
    RowIssue { line, message: message.into() }
}

/// A ledger read from a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLedger {
    /// The title row, if the sheet has one above the headings.
    pub title: Option<String>,
    pub layout: LedgerLayout,
    /// Rows in 序号 order.
    pub rows: Vec<ImportedRow>,
    /// Remarks that do not stop the import (a deadline kept as text for a person to settle).
    pub warnings: Vec<RowIssue>,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '—' | '–' => '-',
            _ => c,
        })
        .collect()
}

/// Reads `4` or `4-1` (full-width digits and dashes accepted).
fn parse_label(s: &str) -> Option<(u32, Option<u8>)> {
    let s = fold(s);
    let (seq, sub) = match s.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (s.as_str(), None),
    };
    let ok = |x: &str, max: usize| !x.is_empty() && x.len() <= max && x.chars().all(|c| c.is_ascii_digit());
    if !ok(seq, 4) || sub.is_some_and(|b| !ok(b, 2)) {
        return None;
    }
    let seq: u32 = seq.parse().ok().filter(|n| *n > 0)?;
    let sub = match sub {
        Some(b) => Some(b.parse::<u8>().ok().filter(|n| *n > 0)?),
        None => None,
    };
    Some((seq, sub))
}

/// Reads a ledger sheet: finds the heading row (序号 …) in the first ten rows, takes the
/// layout from it, and reads every non-empty row below. Any error rejects the whole sheet.
pub fn read_ledger(grid: &Grid) -> Result<ImportedLedger, Vec<RowIssue>> {
    let head = (0..grid.cells.len().min(10)).find(|&r| fold(grid.cell(r, 0)) == "序号");
    let Some(head) = head else {
        return Err(vec![issue(
            0,
            "找不到表头:第一列应为“序号”,各列依次为 序号、工作任务、落实举措、牵头单位、责任单位、完成时限(或 序号、工作任务、落实举措、对口承接任务单位、完成时限)",
        )]);
    };
    let heading: Vec<String> = (0..grid.cells[head].len()).map(|c| fold(grid.cell(head, c))).collect();
    let matches = |layout: LedgerLayout| {
        layout.columns().iter().enumerate().all(|(i, name)| heading.get(i).map(String::as_str) == Some(*name))
    };
    let layout = if matches(LedgerLayout::LeadAndResponsible) {
        LedgerLayout::LeadAndResponsible
    } else if matches(LedgerLayout::Combined) {
        LedgerLayout::Combined
    } else {
        let got: Vec<&str> = heading.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
        return Err(vec![issue(
            head + 1,
            format!(
                "表头“{}”与台账格式不符,应为“{}”或“{}”",
                got.join("、"),
                LedgerLayout::LeadAndResponsible.columns().join("、"),
                LedgerLayout::Combined.columns().join("、")
            ),
        )]);
    };
    let ncols = layout.columns().len();
    let title = (0..head)
        .flat_map(|r| (0..grid.cells[r].len()).map(move |c| (r, c)))
        .map(|(r, c)| restore(grid.cell(r, c).trim()).to_owned())
        .find(|s| !s.is_empty());

    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut above: Option<(String, Option<String>, Option<String>, String)> = None;
    for r in head + 1..grid.cells.len() {
        let line = r + 1;
        if (0..ncols).all(|c| grid.cell(r, c).trim().is_empty()) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_TASK_ROWS {
            errors.push(issue(line, format!("台账最多 {MAX_TASK_ROWS} 行,其余行未读取")));
            break;
        }
        // A cell covered by a merge reads as its top-left cell, except that a merge of
        // 牵头单位 with 责任单位 on one row means "one unit cell for both".
        let text = |c: usize| -> String {
            let (rr, cc) = match grid.merge_of(r, c) {
                Some(((r0, c0), (r1, _))) if r0 == r1 => {
                    if c0 == c {
                        (r, c)
                    } else {
                        return String::new();
                    }
                }
                Some(((r0, c0), _)) => (r0, c0),
                None => (r, c),
            };
            restore(grid.cell(rr, cc).trim()).trim().to_owned()
        };
        let mut row_errors: Vec<String> = Vec::new();
        let label = text(0);
        let parsed_label = parse_label(&label);
        if label.is_empty() {
            row_errors.push("序号不能为空".into());
        } else if parsed_label.is_none() {
            row_errors.push(format!("序号“{label}”无法识别,应为正整数(如 4)或子项(如 4-1)"));
        }
        let task_text = text(1);
        let hierarchy = if task_text.is_empty() {
            if above.is_none() {
                row_errors.push("工作任务不能为空".into());
            }
            above.clone()
        } else {
            Some(parse_task_cell(&task_text))
        };
        let measures = text(2);
        let lead_text = text(3);
        let (responsible_text, deadline_text) = match layout {
            LedgerLayout::LeadAndResponsible => (text(4), text(5)),
            LedgerLayout::Combined => (String::new(), text(4)),
        };
        if measures.is_empty() {
            row_errors.push("落实举措不能为空".into());
        }
        if lead_text.is_empty() {
            row_errors.push(format!("{}不能为空", layout.columns()[3]));
        }
        if measures.chars().count() > MAX_MEASURES_CHARS {
            row_errors.push(format!("落实举措超过 {MAX_MEASURES_CHARS} 字"));
        }
        for (name, v) in [
            ("工作任务", &task_text),
            (layout.columns()[3], &lead_text),
            ("责任单位", &responsible_text),
            ("完成时限", &deadline_text),
        ] {
            if v.chars().count() > MAX_CELL_CHARS {
                row_errors.push(format!("{name}超过 {MAX_CELL_CHARS} 字"));
            }
        }
        if let Some((seq, sub)) = parsed_label {
            if let Some(prev) = rows.iter().find(|x| x.row.seq == seq && x.row.sub == sub) {
                row_errors.push(format!("序号 {label} 与第 {} 行重复", prev.line));
            }
        }
        if !row_errors.is_empty() {
            errors.extend(row_errors.into_iter().map(|m| issue(line, m)));
            continue;
        }
        let (Some((seq, sub)), Some((chapter, section, item, task))) = (parsed_label, hierarchy) else {
            continue;
        };
        above = Some((chapter.clone(), section.clone(), item.clone(), task.clone()));
        let deadline = jianguan_domain::deadline::parse_deadline(&deadline_text);
        match deadline.kind {
            DeadlineKind::Missing => warnings.push(issue(line, "未填写完成时限,导入后标记为“时限待确认”")),
            DeadlineKind::Unparsed => warnings
                .push(issue(line, format!("完成时限“{deadline_text}”无法识别为日期,保留原文并标记为“时限待确认”"))),
            _ => {}
        }
        let units_merged = layout == LedgerLayout::LeadAndResponsible && responsible_text.is_empty();
        rows.push(ImportedRow {
            line,
            row: LedgerRow {
                seq,
                sub,
                chapter,
                section,
                item,
                task,
                measures,
                lead_units: split_units(&lead_text),
                lead_text,
                responsible_units: split_units(&responsible_text),
                responsible_text,
                units_merged,
                deadline_text,
                note: None,
            },
        });
    }
    // Sub-tasks of one 序号 are numbered 1, 2 … and a 序号 is either split or not.
    rows.sort_by_key(|x| (x.row.seq, x.row.sub));
    for group in rows.chunk_by(|a, b| a.row.seq == b.row.seq) {
        let subs: Vec<Option<u8>> = group.iter().map(|x| x.row.sub).collect();
        let expected: Vec<Option<u8>> = if group.len() == 1 && subs[0].is_none() {
            vec![None]
        } else {
            (1..=group.len() as u8).map(Some).collect()
        };
        if subs != expected {
            let seq = group[0].row.seq;
            errors.push(issue(
                group[0].line,
                format!("序号 {seq} 的子项须从 {seq}-1 起连续编号,且不能与不分子项的 {seq} 并存"),
            ));
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(issue(head + 1, "表头下没有任何任务行"));
    }
    if errors.is_empty() {
        Ok(ImportedLedger { title, layout, rows, warnings })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsx::read_first_sheet;
    use crate::zipguard::tests::limits;
    use jianguan_domain::ledger::builtin_annexes;

    fn export(annex: &jianguan_domain::ledger::Annex) -> Vec<u8> {
        let rows = annex
            .rows
            .iter()
            .map(|r| ExportRow { row: r, status: "推进中".into(), progress: format!("=第{}项进展", r.label()) })
            .collect();
        write_ledger(&ExportSheet {
            title: &annex.title,
            layout: annex.layout(),
            rows,
            date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        })
        .unwrap()
    }

    fn read(bytes: &[u8]) -> Result<ImportedLedger, Vec<RowIssue>> {
        read_ledger(&read_first_sheet(bytes, &limits(), 10_000).unwrap())
    }

    #[test]
    fn task_cells_round_trip_for_every_seed_row() {
        for annex in builtin_annexes() {
            for r in &annex.rows {
                let (chapter, section, item, task) = parse_task_cell(&task_cell(r));
                assert_eq!(
                    (&chapter, &section, &item, &task),
                    (&r.chapter, &r.section, &r.item, &r.task),
                    "{}",
                    r.label()
                );
            }
        }
        assert_eq!(parse_task_cell("加强标准体系建设").0, "加强标准体系建设");
        assert_eq!(parse_task_cell("一、总则\n(二)细则\n明确分工\n第二行").3, "明确分工\n第二行");
    }

    #[test]
    fn both_annexes_round_trip_byte_for_byte() {
        for annex in builtin_annexes() {
            let first = export(&annex);
            let back = read(&first).unwrap();
            assert_eq!(back.title.as_deref(), Some(annex.title.as_str()));
            assert_eq!(back.layout, annex.layout());
            assert!(back.warnings.iter().all(|w| w.message.contains("未填写完成时限")), "{:?}", back.warnings);
            let rows: Vec<LedgerRow> = back.rows.iter().map(|x| x.row.clone()).collect();
            let original: Vec<LedgerRow> = annex.rows.iter().map(|r| LedgerRow { note: None, ..r.clone() }).collect();
            assert_eq!(rows, original, "附件{}", annex.number);
            let again = export(&jianguan_domain::ledger::Annex { rows, ..annex.clone() });
            assert_eq!(first, again, "export → import → export differs for 附件{}", annex.number);
        }
    }

    #[test]
    fn formulas_are_neutralised_in_the_file() {
        let annex = builtin_annexes().remove(1);
        let bytes = export(&annex);
        let grid = read_first_sheet(&bytes, &limits(), 100).unwrap();
        assert_eq!(grid.cell(2, 6), "'=第1项进展");
        let xml =
            String::from_utf8(crate::zipguard::read_entry(&bytes, "xl/sharedStrings.xml", 1 << 20).unwrap()).unwrap();
        assert!(!xml.contains("<t>=") && !xml.contains("<f>"), "no cell starts with = and no formula is written");
    }

    fn sheet(rows: &[&[&str]]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    const HEAD: &[&str] = &["序号", "工作任务", "落实举措", "牵头单位", "责任单位", "完成时限"];

    #[test]
    fn a_hand_made_sheet_reads_with_carried_headings_and_warnings() {
        let bytes = sheet(&[
            &["2027年专项整治台账"],
            HEAD,
            &["1", "一、总体要求\n(一)明确责任", "制定方案。", "区市场监管局", "区各相关部门", "2027年3月底前"],
            &["2", "", "开展检查。", "区市场监管局", "", "尽快"],
            &["3", "", "总结。", "区司法局", "", ""],
            &["", "", "", "", "", ""],
        ]);
        let l = read(&bytes).unwrap();
        assert_eq!(l.title.as_deref(), Some("2027年专项整治台账"));
        assert_eq!(l.layout, LedgerLayout::LeadAndResponsible);
        assert_eq!(l.rows.len(), 3);
        assert_eq!(l.rows[1].row.section.as_deref(), Some("(一)明确责任"), "carried down");
        assert!(l.rows[1].row.units_merged);
        assert_eq!(l.rows[0].row.responsible_units, vec!["区各相关部门"]);
        assert_eq!(l.warnings.len(), 2);
        assert_eq!(l.warnings[0].to_string(), "第 4 行:完成时限“尽快”无法识别为日期,保留原文并标记为“时限待确认”");
        assert_eq!(l.rows[1].line, 4);
    }

    #[test]
    fn every_bad_row_is_reported_and_nothing_is_returned() {
        let bytes = sheet(&[
            HEAD,
            &["1", "一、总则", "", "区市场监管局", "", "2027年3月底前"],
            &["x", "一、总则", "措施", "区市场监管局", "", ""],
            &["3", "一、总则", "措施", "", "", ""],
            &["4", "一、总则", "措施", "区司法局", "", ""],
            &["4", "一、总则", "措施", "区司法局", "", ""],
            &["5-2", "一、总则", "措施", "区司法局", "", ""],
        ]);
        let errs = read(&bytes).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "第 2 行:落实举措不能为空",
                "第 3 行:序号“x”无法识别,应为正整数(如 4)或子项(如 4-1)",
                "第 4 行:牵头单位不能为空",
                "第 6 行:序号 4 与第 5 行重复",
                "第 7 行:序号 5 的子项须从 5-1 起连续编号,且不能与不分子项的 5 并存",
            ]
        );
        let wrong = sheet(&[&["序号", "任务", "措施"]]);
        assert!(read(&wrong).unwrap_err()[0].message.contains("与台账格式不符"));
        let none = sheet(&[&["无关内容"]]);
        assert!(read(&none).unwrap_err()[0].message.contains("找不到表头"));
        let empty = sheet(&[HEAD]);
        assert!(read(&empty).unwrap_err()[0].message.contains("没有任何任务行"));
    }

    #[test]
    fn labels() {
        assert_eq!(parse_label("4"), Some((4, None)));
        assert_eq!(parse_label("4-1"), Some((4, Some(1))));
        assert_eq!(parse_label("４－２"), Some((4, Some(2))));
        assert_eq!(parse_label("0"), None);
        assert_eq!(parse_label("4-0"), None);
        assert_eq!(parse_label("4.5"), None);
        assert_eq!(parse_label("12345"), None);
    }
}
