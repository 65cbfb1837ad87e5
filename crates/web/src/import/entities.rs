//! Importing the entity registry from CSV or xlsx, shared by `jianguan import entities`
//! and the upload page.
//!
//! The file is read once, streaming, on a blocking thread that validates each row and
//! seals the legal representative; batches of [`BATCH_ROWS`] rows go through a short
//! channel to the store, one transaction per batch (rows, rejections, progress, audit).
//!
//! Row accounting, with `imported + updated + rejected + duplicate = total`:
//! * `imported` — a valid row whose uscc was not in the registry;
//! * `updated` — a valid row whose uscc was in the registry with other content (the
//!   previous content is kept in the entity's history);
//! * `duplicate` — a valid row that changes nothing: its content equals the stored
//!   entity, or it repeats an earlier row of the same file exactly;
//! * `rejected` — a row that fails validation, or that repeats an earlier row's uscc
//!   with different content (the first occurrence counts; the conflict is reported).
//!
//! Importing the same file again therefore gives `imported=0 updated=0`. Blank lines
//! are not rows. A killed import is resumed by importing the same file with the same
//! options: committed batches are skipped (their rows are re-read only to recognise
//! duplicates within the file).

use super::tabular::{self, Format, Position, ReadError};
use jianguan_domain::config::UploadLimits;
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::registry::{self, col, RowOptions, COLUMNS};
use jianguan_store::registry::{EntityRecord, ImportBatch, ImportJob, NewImportJob, Rejection};
use jianguan_store::{Actor, DynStore, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Rows per batch (one transaction each).
pub const BATCH_ROWS: usize = 10_000;

/// The import kind recorded on jobs.
pub const KIND: &str = "entities";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be imported at all (format, header, zip limits); nothing was written.
    #[error("{0}")]
    File(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("读取文件失败:{0}")]
    Io(#[from] std::io::Error),
}

impl From<ReadError> for ImportError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => ImportError::Io(e),
            ReadError::Refused(m) => ImportError::File(m),
        }
    }
}

/// A file checked and ready to import.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub path: PathBuf,
    pub file_name: String,
    pub format: Format,
    pub sha256: String,
    pub bytes: u64,
    pub options: RowOptions,
}

impl Prepared {
    /// The job this file starts or resumes.
    pub fn new_job(&self, department_id: Option<i64>) -> NewImportJob {
        NewImportJob {
            kind: KIND.into(),
            file_name: self.file_name.clone(),
            file_sha256: self.sha256.clone(),
            file_bytes: self.bytes as i64,
            options: serde_json::to_string(&self.options).expect("json"),
            department_id,
        }
    }
}

/// Hashes the file, sniffs its format, applies the zip limits to an xlsx and checks
/// the header. Blocking: call from a blocking thread.
pub fn prepare(
    path: &Path,
    file_name: &str,
    options: RowOptions,
    limits: &UploadLimits,
) -> Result<Prepared, ImportError> {
    let format = tabular::sniff(path)?;
    if format == Format::Xlsx {
        super::zipguard::check(std::io::BufReader::new(std::fs::File::open(path)?), limits)
            .map_err(|e| ImportError::File(e.to_string()))?;
    }
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    let mut header: Option<Result<(), String>> = None;
    tabular::for_each_row(path, format, &Position::new(), |r| {
        header = Some(registry::map_header(r.cells.iter().map(String::as_str)).map(|_| ()).map_err(|e| e.to_string()));
        Ok(false)
    })?;
    match header {
        None => return Err(ImportError::File(registry::HeaderError::Empty.to_string())),
        Some(Err(m)) => return Err(ImportError::File(m)),
        Some(Ok(())) => {}
    }
    Ok(Prepared {
        path: path.to_path_buf(),
        file_name: file_name.to_string(),
        format,
        sha256: hex::encode(h.finalize()),
        bytes,
        options,
    })
}

/// Seals legal representatives, remembering recent names: equal names give equal
/// sealed values (the IV is derived from the keyed blind index), which discloses no
/// more than the blind index itself does.
struct Sealer {
    cipher: FieldCipher,
    cache: HashMap<String, (String, String, String)>,
}

impl Sealer {
    fn seal(&mut self, name: &str) -> (String, String, String) {
        if let Some(v) = self.cache.get(name) {
            return v.clone();
        }
        if self.cache.len() >= 200_000 {
            self.cache.clear();
        }
        let v = seal_person(&self.cipher, name);
        self.cache.insert(name.to_string(), v.clone());
        v
    }
}

/// `(sealed, blind index, masked)` of a person's name (empty stays empty).
pub fn seal_person(cipher: &FieldCipher, name: &str) -> (String, String, String) {
    if name.is_empty() {
        return (String::new(), String::new(), String::new());
    }
    let index = cipher.blind_index(name);
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&hex::decode(&index).expect("hex")[..16]);
    (cipher.encrypt(name, iv), index, jianguan_domain::mask::person_name(name))
}

/// The stored fingerprint of a validated row (the blind index stands for the name).
fn row_hash(r: &registry::EntityRow, index: &str) -> String {
    let mut h = Sha256::new();
    let date = r.registered_on.map(|d| d.to_string()).unwrap_or_default();
    let fields: [&str; 12] = [
        &r.uscc,
        &r.name,
        &r.kind,
        index,
        &r.address,
        &r.division,
        &r.industry,
        &r.industry_name,
        &date,
        &r.status,
        &r.tags.join(";"),
        if r.legacy { "legacy" } else { "" },
    ];
    for f in fields {
        h.update((f.len() as u32).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// An in-memory fingerprint of a row, to tell exact repeats within a file from conflicts.
fn fingerprint(r: &registry::EntityRow) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    r.hash(&mut h);
    h.finish()
}

fn short(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

/// Progress after each committed batch.
pub type Progress<'a> = &'a (dyn Fn(&ImportJob) + Send + Sync);

/// Runs (or resumes) `job` over the prepared file until the end, then closes the job.
/// A store error leaves the job running, to be resumed; a file that turns out to be
/// unreadable half-way ends it as failed (its committed batches stay, whole).
pub async fn run(
    store: &DynStore,
    cipher: &FieldCipher,
    actor: &Actor,
    prepared: &Prepared,
    job: ImportJob,
    progress: Progress<'_>,
) -> Result<ImportJob, ImportError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<ImportBatch, ImportError>>(2);
    let p = prepared.clone();
    let skip = job.rows_committed;
    let job_id = job.id;
    let cipher = cipher.clone();
    let producer = tokio::task::spawn_blocking(move || produce(&p, cipher, job_id, skip, tx));
    let mut job = job;
    let mut failure: Option<ImportError> = None;
    while let Some(msg) = rx.recv().await {
        match msg {
            Ok(batch) => match store.import_batch(actor, &batch).await {
                Ok(out) => {
                    job.rows_committed += batch.rows;
                    job.bytes_committed = batch.bytes_to;
                    job.batches += 1;
                    job.imported += out.imported;
                    job.updated += out.updated;
                    job.rejected += out.rejected;
                    job.duplicate += out.duplicate;
                    progress(&job);
                }
                Err(e) => {
                    failure = Some(e.into());
                    break;
                }
            },
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let _ = producer.await;
    match failure {
        None => Ok(store.import_finish(actor, job.id, None).await?),
        Some(ImportError::File(m)) => {
            store.import_finish(actor, job.id, Some(&m)).await?;
            Err(ImportError::File(m))
        }
        Some(e) => Err(e),
    }
}

/// The producer: reads, validates and seals rows, sends batches.
fn produce(
    p: &Prepared,
    cipher: FieldCipher,
    job_id: i64,
    skip: i64,
    tx: tokio::sync::mpsc::Sender<Result<ImportBatch, ImportError>>,
) {
    let mut sealer = Sealer { cipher, cache: HashMap::new() };
    let position = Position::new();
    let mut map: Option<[Option<usize>; 11]> = None;
    let mut header_len = 0usize;
    // uscc → (first line, fingerprint of its content).
    let mut seen: HashMap<[u8; 18], (i64, u64)> = HashMap::new();
    let mut row_no: i64 = 0;
    let mut batch = ImportBatch { job_id, start_row: skip, ..Default::default() };
    let total_bytes = p.bytes as i64;
    let result = tabular::for_each_row(&p.path, p.format, &position, |r| {
        let Some(m) = map else {
            map = Some(
                registry::map_header(r.cells.iter().map(String::as_str))
                    .map_err(|e| ReadError::Refused(e.to_string()))?,
            );
            header_len = r.cells.len();
            return Ok(true);
        };
        row_no += 1;
        let replay = row_no <= skip;
        let reject = |batch: &mut ImportBatch, uscc: &str, name: &str, reason: String| {
            batch.rejections.push(Rejection { line: r.line, uscc: short(uscc, 64), name: short(name, 100), reason });
        };
        let fields: [&str; 11] =
            std::array::from_fn(|c| m[c].and_then(|i| r.cells.get(i)).map(String::as_str).unwrap_or(""));
        let (raw_uscc, raw_name) = (fields[col::USCC], fields[col::NAME]);
        // A row with data beyond the header, or a CSV row with fewer cells than the
        // header, is misaligned (a stray separator or quote): never guess its columns.
        let extra = r.cells.iter().skip(header_len).any(|c| !c.trim().is_empty());
        if extra || (p.format == Format::Csv && r.cells.len() < header_len) {
            if replay {
                return Ok(true);
            }
            reject(
                &mut batch,
                raw_uscc,
                raw_name,
                format!("列数不符:本行有{}列,表头有{}列(请检查分隔符或引号)", r.cells.len(), header_len),
            );
            batch.rows += 1;
            return flush(&mut batch, &position, total_bytes, &tx);
        }
        let validated = registry::validate_row(&fields, p.options);
        match validated {
            Err(errs) => {
                if !replay {
                    reject(&mut batch, raw_uscc, raw_name, errs.join(";"));
                }
            }
            Ok(row) => {
                let key: [u8; 18] = row.uscc.as_bytes().try_into().expect("18 ASCII characters");
                let fp = fingerprint(&row);
                match seen.get(&key) {
                    Some(&(first, seen_fp)) => {
                        if !replay {
                            if seen_fp == fp {
                                batch.duplicates_in_file += 1;
                            } else {
                                reject(
                                    &mut batch,
                                    raw_uscc,
                                    raw_name,
                                    format!(
                                        "与第{first}行的统一社会信用代码相同但内容不同,以第{first}行为准,本行未导入"
                                    ),
                                );
                            }
                        }
                    }
                    None => {
                        seen.insert(key, (r.line, fp));
                        if !replay {
                            let (sealed, index, masked) = sealer.seal(&row.legal_rep);
                            let hash = row_hash(&row, &index);
                            batch.records.push(EntityRecord {
                                uscc: row.uscc,
                                name: row.name,
                                kind: row.kind,
                                legal_rep_sealed: sealed,
                                legal_rep_index: index,
                                legal_rep_masked: masked,
                                address: row.address,
                                division: row.division,
                                industry: row.industry,
                                industry_name: row.industry_name,
                                registered_on: row.registered_on,
                                status: row.status,
                                tags: row.tags,
                                legacy: row.legacy,
                                legacy_warning: row.legacy_warning,
                                row_hash: hash,
                            });
                        }
                    }
                }
            }
        }
        if replay {
            return Ok(true);
        }
        batch.rows += 1;
        flush(&mut batch, &position, total_bytes, &tx)
    });
    let end = match result {
        Ok(()) if map.is_none() => Err(ImportError::File(registry::HeaderError::Empty.to_string())),
        Ok(()) => {
            if row_no < skip {
                Err(ImportError::File(format!("文件只有{row_no}行数据,少于已导入的{skip}行:文件与中断的导入不一致")))
            } else {
                Ok(())
            }
        }
        Err(e) => Err(e.into()),
    };
    match end {
        Ok(()) => {
            if batch.rows > 0 {
                batch.bytes_to = total_bytes;
                let _ = tx.blocking_send(Ok(batch));
            }
        }
        Err(e) => {
            let _ = tx.blocking_send(Err(e));
        }
    }
}

/// Sends the batch when full; `Ok(false)` stops reading when the receiver is gone.
fn flush(
    batch: &mut ImportBatch,
    position: &Position,
    total_bytes: i64,
    tx: &tokio::sync::mpsc::Sender<Result<ImportBatch, ImportError>>,
) -> Result<bool, ReadError> {
    if (batch.rows as usize) < BATCH_ROWS {
        return Ok(true);
    }
    let next_start = batch.start_row + batch.rows;
    let mut full =
        std::mem::replace(batch, ImportBatch { job_id: batch.job_id, start_row: next_start, ..Default::default() });
    full.bytes_to = (position.bytes() as i64).min(total_bytes);
    Ok(tx.blocking_send(Ok(full)).is_ok())
}

/// The rejection report as CSV (UTF-8 with BOM, so Excel opens it in Chinese), with
/// cells that could start a formula neutralised.
pub fn rejections_csv(rows: &[Rejection]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(["行号", COLUMNS[col::USCC], COLUMNS[col::NAME], "原因"]).expect("csv");
    for r in rows {
        w.write_record([r.line.to_string(), safe_cell(&r.uscc), safe_cell(&r.name), safe_cell(&r.reason)])
            .expect("csv");
    }
    w.into_inner().expect("csv")
}

/// A spreadsheet cell that cannot be taken for a formula (`=`, `+`, `-`, `@`, tab, CR).
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_is_reversible_and_masked() {
        let c = FieldCipher::from_master(b"0123456789abcdef0123456789abcdef");
        let (sealed, index, masked) = seal_person(&c, "欧阳修文");
        assert_eq!(c.decrypt(&sealed).unwrap(), "欧阳修文");
        assert_eq!(masked, "欧阳**");
        assert_eq!(index, c.blind_index("欧阳修文"));
        assert_eq!(seal_person(&c, "欧阳修文").0, sealed, "deterministic per name");
        assert_ne!(seal_person(&c, "欧阳修武").0, sealed);
        assert_eq!(seal_person(&c, ""), (String::new(), String::new(), String::new()));
    }

    #[test]
    fn report_cells_are_not_formulas() {
        let csv = rejections_csv(&[Rejection {
            line: 3,
            uscc: "=cmd|' /C calc'!A0".into(),
            name: "-1".into(),
            reason: "r".into(),
        }]);
        let s = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert!(s.starts_with("行号,统一社会信用代码,名称,原因\n3,'=cmd"), "{s}");
        assert!(s.contains(",'-1,"));
    }
}
