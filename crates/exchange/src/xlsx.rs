//! Reading an uploaded xlsx safely into a grid of strings, and writing text cells that no
//! spreadsheet program will run as a formula.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Days, NaiveDate};
use jianguan_domain::config::UploadLimits;

use crate::zipguard::{self, ZipError};

/// Why an upload could not be read as a spreadsheet. Messages are Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("文件为空")]
    Empty,
    #[error("文件过大({size} 字节,上限 {limit} 字节)")]
    TooLarge { size: usize, limit: usize },
    #[error("这是旧版 Excel(.xls)文件,请在 Excel 中“另存为”.xlsx 格式后再导入")]
    LegacyXls,
    #[error("文件不是 Excel(.xlsx)格式,请上传 .xlsx 文件")]
    NotXlsx,
    #[error("{0}")]
    Zip(#[from] ZipError),
    #[error("Excel 文件无法读取:{0}")]
    Unreadable(String),
    #[error("Excel 文件中没有工作表")]
    NoSheet,
    #[error("工作表过大({rows} 行,上限 {limit} 行)")]
    TooManyRows { rows: usize, limit: usize },
}

/// The first worksheet as text: `cells[row][col]`, rows and columns from the sheet's top
/// left (A1 is `[0][0]`), merged areas filled from their top-left cell unless excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    pub sheet_name: String,
    pub cells: Vec<Vec<String>>,
    /// Merged areas as `((first_row, first_col), (last_row, last_col))`.
    pub merges: Vec<((usize, usize), (usize, usize))>,
}

impl Grid {
    /// The text of a cell, empty outside the grid.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.cells.get(row).and_then(|r| r.get(col)).map_or("", String::as_str)
    }

    /// The merged area a cell lies in, if any.
    pub fn merge_of(&self, row: usize, col: usize) -> Option<((usize, usize), (usize, usize))> {
        self.merges
            .iter()
            .copied()
            .find(|((r0, c0), (r1, c1))| (*r0..=*r1).contains(&row) && (*c0..=*c1).contains(&col))
    }
}

/// The OLE2 signature of legacy .xls (and .doc) files.
const OLE2_MAGIC: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Checks an upload as an xlsx (size, zip limits, the parts every workbook has) and reads
/// its first worksheet. Nothing is parsed before the container passed [`zipguard::inspect`].
pub fn read_first_sheet(bytes: &[u8], limits: &UploadLimits, max_rows: usize) -> Result<Grid, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(SheetError::TooLarge { size: bytes.len(), limit: limits.max_file_bytes });
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return Err(SheetError::LegacyXls);
    }
    if !bytes.starts_with(zipguard::ZIP_MAGIC) {
        return Err(SheetError::NotXlsx);
    }
    let summary = zipguard::inspect(bytes, limits)?;
    if !summary.contains("[Content_Types].xml") || !summary.contains("xl/workbook.xml") {
        return Err(SheetError::NotXlsx);
    }
    let mut wb: Xlsx<Cursor<&[u8]>> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| SheetError::Unreadable(e.to_string()))?;
    let sheet_name = wb.sheet_names().first().cloned().ok_or(SheetError::NoSheet)?;
    let range = wb.worksheet_range(&sheet_name).map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let merges = match wb.worksheet_merge_cells(&sheet_name) {
        Some(Ok(dims)) => dims
            .into_iter()
            .map(|d| ((d.start.0 as usize, d.start.1 as usize), (d.end.0 as usize, d.end.1 as usize)))
            .collect(),
        Some(Err(e)) => return Err(SheetError::Unreadable(e.to_string())),
        None => Vec::new(),
    };
    let (row0, col0) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let (height, width) = range.get_size();
    let rows = row0 + height;
    if rows > max_rows {
        return Err(SheetError::TooManyRows { rows, limit: max_rows });
    }
    let mut cells = vec![vec![String::new(); col0 + width]; rows];
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            cells[row0 + r][col0 + c] = cell_text(v);
        }
    }
    Ok(Grid { sheet_name, cells, merges })
}

/// A cell as text: whole numbers without a decimal point, dates as `YYYY-MM-DD`.
fn cell_text(v: &Data) -> String {
    match v {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) => {
            serial_date(dt.as_f64()).map_or_else(|| dt.as_f64().to_string(), |d| d.format("%Y-%m-%d").to_string())
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (1900 system) as a calendar date.
fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(serial.trunc() as u64))
}

/// Characters that make a spreadsheet program read a cell as a formula (or, for tab and
/// carriage return, can break cell boundaries when the sheet is saved as CSV).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn needs_quote(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_TRIGGERS)
}

/// Neutralises a text for a spreadsheet cell: a text starting with `=`, `+`, `-`, `@`, tab
/// or carriage return (after any apostrophes) gets one leading apostrophe. [`restore`]
/// undoes it exactly, so export → import gives back the original text.
pub fn neutralize(s: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Undoes [`neutralize`].
pub fn restore(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zipguard::tests::{limits, zip_of};

    #[test]
    fn neutralizing_is_reversible() {
        for s in ["=1+1", "+86", "-1", "@SUM(A1)", "\tx", "'=x", "''=x", "正常文本", "'引号", "", "4-1"] {
            let n = neutralize(s);
            assert!(!n.starts_with(FORMULA_TRIGGERS), "{s:?} → {n:?}");
            assert_eq!(restore(&n), s, "{s:?}");
        }
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("区市场监管局"), "区市场监管局");
    }

    #[test]
    fn refuses_other_files_with_clear_messages() {
        let l = limits();
        assert_eq!(read_first_sheet(b"", &l, 10), Err(SheetError::Empty));
        assert_eq!(read_first_sheet(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", &l, 10), Err(SheetError::LegacyXls));
        assert_eq!(read_first_sheet("序号,工作任务\n1,x".as_bytes(), &l, 10), Err(SheetError::NotXlsx));
        assert_eq!(read_first_sheet(b"%PDF-1.7", &l, 10), Err(SheetError::NotXlsx));
        // A docx-like zip is no workbook.
        let docx = zip_of(
            &[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"<x/>")],
            zip::CompressionMethod::Deflated,
        );
        assert_eq!(read_first_sheet(&docx, &l, 10), Err(SheetError::NotXlsx));
        let big = vec![b'P'; l.max_file_bytes + 1];
        assert!(matches!(read_first_sheet(&big, &l, 10), Err(SheetError::TooLarge { .. })));
        // A zip bomb named .xlsx is refused before parsing.
        let zeros = vec![0u8; 2 << 20];
        let bomb = zip_of(
            &[("[Content_Types].xml", b"<x/>"), ("xl/workbook.xml", b"<x/>"), ("xl/worksheets/sheet1.xml", &zeros)],
            zip::CompressionMethod::Deflated,
        );
        assert!(matches!(read_first_sheet(&bomb, &l, 10), Err(SheetError::Zip(ZipError::Ratio { .. }))));
        assert!(SheetError::Zip(ZipError::Ratio { name: "x".into(), limit: 100 }).to_string().contains("压缩炸弹"));
    }

    #[test]
    fn serial_dates() {
        assert_eq!(serial_date(44561.0), NaiveDate::from_ymd_opt(2021, 12, 31));
        assert_eq!(serial_date(-1.0), None);
    }
}
