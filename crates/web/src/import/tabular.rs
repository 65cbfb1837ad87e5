//! Reading spreadsheets row by row without holding the file in memory: CSV in UTF-8
//! (with or without BOM), UTF-16 with BOM, or GBK/GB18030 as Excel writes it on Chinese
//! Windows (detected when the start of the file is not valid UTF-8); and xlsx (first
//! worksheet, cells streamed), after the zip checks of [`super::zipguard`].

use encoding_rs::{Decoder, Encoding, GB18030, UTF_8};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The kinds of file an import accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Errors that stop reading a file (as opposed to a bad row, which is only rejected).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("读取文件失败:{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(String),
}

/// Decides the format from the first bytes (a zip is an xlsx; the old binary .xls and
/// other binaries are refused).
pub fn sniff(path: &Path) -> Result<Format, ReadError> {
    let mut head = [0u8; 8];
    let mut f = File::open(path)?;
    let n = read_full(&mut f, &mut head)?;
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Xlsx);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError::Refused("不支持旧版 Excel(.xls)文件,请另存为 .xlsx 或 CSV 后再导入".into()));
    }
    if head.starts_with(b"PK") || head.starts_with(b"\x1f\x8b") || head.starts_with(b"%PDF") {
        return Err(ReadError::Refused("文件格式无法识别:请上传 CSV 或 xlsx 文件".into()));
    }
    Ok(Format::Csv)
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The text encoding of a CSV file: a BOM decides; else UTF-8 if the first 256 KiB are
/// valid UTF-8 (a character cut at the end of the sample is allowed); else GB18030,
/// the superset of GBK that Excel writes on Chinese Windows.
pub fn detect_encoding(path: &Path) -> Result<&'static Encoding, ReadError> {
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    let n = read_full(&mut f, &mut buf)?;
    let buf = &buf[..n];
    if let Some((enc, _)) = Encoding::for_bom(buf) {
        return Ok(enc);
    }
    match std::str::from_utf8(buf) {
        Ok(_) => Ok(UTF_8),
        Err(e) if e.error_len().is_none() && n == 256 * 1024 => Ok(UTF_8),
        Err(_) => Ok(GB18030),
    }
}

/// Counts the bytes read from the file (for progress).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Transcodes a byte stream to UTF-8 on the fly (BOM removed), chunk by chunk.
struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    output: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    finished: bool,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, enc: &'static Encoding) -> Self {
        Transcode {
            inner,
            decoder: enc.new_decoder_with_bom_removal(),
            input: vec![0u8; 64 * 1024],
            in_pos: 0,
            in_len: 0,
            eof: false,
            output: vec![0u8; 3 * 64 * 1024 + 16],
            out_pos: 0,
            out_len: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_pos == self.out_len {
            if self.finished {
                return Ok(0);
            }
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = self.inner.read(&mut self.input)?;
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            let (_, read, written, _) =
                self.decoder.decode_to_utf8(&self.input[self.in_pos..self.in_len], &mut self.output, self.eof);
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if self.eof && self.in_pos == self.in_len && written == 0 {
                self.finished = true;
            }
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// Turns CRLF line ends into LF (the csv crate counts lines right only for LF), also
/// inside quoted cells; a lone CR is kept.
struct CrlfToLf<R> {
    inner: R,
    buf: Vec<u8>,
    /// A CR read at the end of the previous chunk, not yet written.
    cr_pending: bool,
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.len() < 2 {
            return self.inner.read(out);
        }
        let want = out.len() - 1;
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        loop {
            let n = self.inner.read(&mut self.buf[..want])?;
            let mut w = 0;
            if n == 0 {
                if self.cr_pending {
                    self.cr_pending = false;
                    out[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            let chunk = &self.buf[..n];
            if self.cr_pending {
                self.cr_pending = false;
                if chunk[0] != b'\n' {
                    out[w] = b'\r';
                    w += 1;
                }
            }
            for (i, &b) in chunk.iter().enumerate() {
                if b == b'\r' {
                    match chunk.get(i + 1) {
                        Some(b'\n') => continue,
                        Some(_) => {}
                        None => {
                            self.cr_pending = true;
                            continue;
                        }
                    }
                }
                out[w] = b;
                w += 1;
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// One row as read: its line in the file (the header is line 1 of a CSV without
/// multi-line cells; the row number in a worksheet) and its cells.
pub struct Row<'a> {
    pub line: i64,
    pub cells: &'a [String],
}

/// Where reading stands, for progress: bytes of the file consumed (CSV), or rows read
/// of the rows the worksheet declares (xlsx), scaled to the file size.
#[derive(Clone)]
pub struct Position {
    bytes: Arc<AtomicU64>,
}

impl Position {
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// Calls `each` for the header (first non-empty row) and then every row, in order.
/// `each` returns `false` to stop. Empty rows (all cells blank) are skipped.
pub fn for_each_row(
    path: &Path,
    format: Format,
    position: &Position,
    mut each: impl FnMut(Row<'_>) -> Result<bool, ReadError>,
) -> Result<(), ReadError> {
    match format {
        Format::Csv => {
            let enc = detect_encoding(path)?;
            let file = Counting { inner: File::open(path)?, count: position.bytes.clone() };
            let reader: Box<dyn Read> = if enc == UTF_8 {
                Box::new(BufReader::with_capacity(256 * 1024, file))
            } else {
                Box::new(Transcode::new(BufReader::with_capacity(256 * 1024, file), enc))
            };
            let reader = CrlfToLf { inner: reader, buf: Vec::new(), cr_pending: false };
            let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
            let mut rec = csv::ByteRecord::new();
            let mut cells: Vec<String> = Vec::with_capacity(16);
            loop {
                match csv.read_byte_record(&mut rec) {
                    Ok(false) => return Ok(()),
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        return Err(ReadError::Refused(format!("第{line}行附近的 CSV 格式无法解析:{e}")));
                    }
                }
                let line = rec.position().map(|p| p.line() as i64).unwrap_or(0);
                cells.clear();
                for f in rec.iter() {
                    match std::str::from_utf8(f) {
                        Ok(s) => cells.push(s.to_string()),
                        // Only a UTF-8 file can get here: keep the row, mark the bad bytes.
                        Err(_) => cells.push(String::from_utf8_lossy(f).into_owned()),
                    }
                }
                if cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if !each(Row { line, cells: &cells })? {
                    return Ok(());
                }
            }
        }
        Format::Xlsx => xlsx_rows(path, position, each),
    }
}

fn xlsx_rows(
    path: &Path,
    position: &Position,
    mut each: impl FnMut(Row<'_>) -> Result<bool, ReadError>,
) -> Result<(), ReadError> {
    use calamine::{DataRef, Reader, Xlsx};
    let size = std::fs::metadata(path)?.len();
    let mut file = BufReader::new(File::open(path)?);
    file.seek(SeekFrom::Start(0))?;
    let mut wb: Xlsx<_> = Xlsx::new(file).map_err(|e| ReadError::Refused(format!("xlsx 文件无法解析:{e}")))?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| ReadError::Refused("xlsx 文件中没有工作表".into()))?;
    let mut cells_reader =
        wb.worksheet_cells_reader(&sheet).map_err(|e| ReadError::Refused(format!("工作表“{sheet}”无法读取:{e}")))?;
    let last_row = u64::from(cells_reader.dimensions().end.0).max(1);
    let mut row: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    let mut emit = |r: u32, row: &mut Vec<String>| -> Result<bool, ReadError> {
        position.bytes.store(size * u64::from(r + 1) / (last_row + 1), Ordering::Relaxed);
        let keep = if row.iter().all(|c| c.trim().is_empty()) {
            true
        } else {
            each(Row { line: i64::from(r) + 1, cells: row })?
        };
        row.clear();
        Ok(keep)
    };
    loop {
        let cell = cells_reader.next_cell().map_err(|e| ReadError::Refused(format!("工作表“{sheet}”读取失败:{e}")))?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                if !emit(prev, &mut row)? {
                    return Ok(());
                }
            }
            current = Some(r);
        }
        let c = c as usize;
        if c >= 256 {
            continue;
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = match cell.get_value() {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Float(f) => number_text(*f),
            DataRef::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            DataRef::DateTime(d) => match jianguan_domain::registry::excel_serial_date(d.as_f64()) {
                Some(day) => day.format("%Y-%m-%d").to_string(),
                None => number_text(d.as_f64()),
            },
            DataRef::Error(e) => format!("#{e:?}"),
            DataRef::Empty => String::new(),
        };
    }
    if let Some(prev) = current {
        emit(prev, &mut row)?;
    }
    position.bytes.store(size, Ordering::Relaxed);
    Ok(())
}

/// A number as a person typed it: integers without `.0` (codes such as 120104 are
/// often stored as numbers), others as written.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

impl Position {
    pub fn new() -> Self {
        Position { bytes: Arc::new(AtomicU64::new(0)) }
    }
}

impl Default for Position {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(path: &Path) -> Vec<(i64, Vec<String>)> {
        let fmt = sniff(path).unwrap();
        let mut out = Vec::new();
        for_each_row(path, fmt, &Position::new(), |r| {
            out.push((r.line, r.cells.to_vec()));
            Ok(true)
        })
        .unwrap();
        out
    }

    #[test]
    fn gbk_and_utf8_read_the_same() {
        let dir = std::env::temp_dir().join(format!("jg-tab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "统一社会信用代码,名称\r\n91120104MA05XXXX0X,\"天津市南开区某某\r\n有限公司\"\r\n\r\n,,\r\n92120104X,个体户\r\n";
        let (gbk, _, bad) = GB18030.encode(text);
        assert!(!bad);
        let p1 = dir.join("gbk.csv");
        std::fs::write(&p1, &gbk).unwrap();
        let p2 = dir.join("utf8.csv");
        std::fs::write(&p2, format!("\u{feff}{text}")).unwrap();
        assert_eq!(detect_encoding(&p1).unwrap(), GB18030);
        assert_eq!(detect_encoding(&p2).unwrap(), UTF_8);
        let a = rows(&p1);
        assert_eq!(a, rows(&p2));
        assert_eq!(a.len(), 3, "blank rows skipped: {a:?}");
        assert_eq!(a[1].1[1], "天津市南开区某某\n有限公司");
        assert_eq!(a[2].0, 6, "line numbers count multi-line cells");
        std::fs::write(dir.join("x.xls"), [0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0]).unwrap();
        assert!(matches!(sniff(&dir.join("x.xls")), Err(ReadError::Refused(_))));
    }

    #[test]
    fn xlsx_rows_stream_with_numbers_and_dates() {
        let dir = std::env::temp_dir().join(format!("jg-tabx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "行政区划").unwrap();
        ws.write_string(0, 1, "成立日期").unwrap();
        ws.write_number(1, 0, 120104.0).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 3, 8).unwrap();
        ws.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        ws.write_string(3, 1, "第四行").unwrap();
        wb.save(&p).unwrap();
        let r = rows(&p);
        assert_eq!(r[0].1, vec!["行政区划", "成立日期"]);
        assert_eq!(r[1].1, vec!["120104", "2019-03-08"]);
        assert_eq!((r[2].0, r[2].1[1].as_str()), (4, "第四行"));
    }
}
