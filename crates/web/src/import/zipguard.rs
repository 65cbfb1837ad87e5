//! Zip-bomb protection for uploaded spreadsheets. An xlsx is a zip archive: before any
//! parser touches one, its entry count, total uncompressed size and per-entry
//! compression ratio are checked against [`UploadLimits`], first as declared in the
//! central directory and then by actually inflating every entry with a hard cap (the
//! declared sizes of a hostile archive may lie).

use jianguan_domain::config::UploadLimits;
use std::io::{Read, Seek};

/// Why an archive is refused (the message is shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipRefused {
    #[error("文件不是有效的 xlsx 文件(无法按 zip 格式读取):{0}")]
    NotZip(String),
    #[error("xlsx 文件内含 {entries} 个部件,超过上限 {max} 个,拒绝解析")]
    TooManyEntries { entries: usize, max: usize },
    #[error("xlsx 文件解压后超过 {max} 字节的上限,拒绝解析(疑似压缩炸弹)")]
    TooLarge { max: u64 },
    #[error("xlsx 文件部件“{name}”的压缩比超过上限 {max}:1,拒绝解析(疑似压缩炸弹)")]
    Ratio { name: String, max: u64 },
}

/// Checks an archive; on success every entry has been inflated once within the limits.
pub fn check<R: Read + Seek>(reader: R, limits: &UploadLimits) -> Result<ZipStats, ZipRefused> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| ZipRefused::NotZip(e.to_string()))?;
    let entries = zip.len();
    if entries > limits.max_zip_entries {
        return Err(ZipRefused::TooManyEntries { entries, max: limits.max_zip_entries });
    }
    let max = limits.max_unzipped_bytes;
    let ratio_ok = |size: u64, packed: u64| size <= packed.max(1).saturating_mul(limits.max_zip_ratio).max(4096);
    // Declared sizes first: cheap, and refuses most bombs before inflating anything.
    let mut declared: u64 = 0;
    for i in 0..entries {
        let f = zip.by_index_raw(i).map_err(|e| ZipRefused::NotZip(e.to_string()))?;
        declared = declared.saturating_add(f.size());
        if declared > max {
            return Err(ZipRefused::TooLarge { max });
        }
        if !ratio_ok(f.size(), f.compressed_size()) {
            return Err(ZipRefused::Ratio { name: shown(f.name()), max: limits.max_zip_ratio });
        }
    }
    // Then the real sizes, inflating with a cap.
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..entries {
        let mut f = zip.by_index(i).map_err(|e| ZipRefused::NotZip(e.to_string()))?;
        let name = shown(f.name());
        let packed = f.compressed_size();
        let mut size: u64 = 0;
        loop {
            let n = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n as u64,
                Err(e) => return Err(ZipRefused::NotZip(format!("部件“{name}”无法解压:{e}"))),
            };
            size += n;
            total += n;
            if total > max {
                return Err(ZipRefused::TooLarge { max });
            }
            if !ratio_ok(size, packed) {
                return Err(ZipRefused::Ratio { name, max: limits.max_zip_ratio });
            }
        }
    }
    Ok(ZipStats { entries, unzipped_bytes: total })
}

/// What a successful check measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipStats {
    pub entries: usize,
    pub unzipped_bytes: u64,
}

fn shown(name: &str) -> String {
    name.chars().take(80).map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn archive(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn ordinary_archive_passes() {
        let text: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let z = archive(&[("a.xml", text.clone()), ("b.xml", b"<x/>".to_vec())]);
        let s = check(Cursor::new(z), &UploadLimits::default()).unwrap();
        assert_eq!(s, ZipStats { entries: 2, unzipped_bytes: text.len() as u64 + 4 });
    }

    #[test]
    fn bombs_and_junk_are_refused() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let z = archive(&[("sheet.xml", zeros)]);
        assert!(matches!(check(Cursor::new(z.clone()), &UploadLimits::default()), Err(ZipRefused::Ratio { .. })));
        let tight = UploadLimits { max_unzipped_bytes: 1024 * 1024, max_zip_ratio: 1_000_000, ..Default::default() };
        assert!(matches!(check(Cursor::new(z), &tight), Err(ZipRefused::TooLarge { .. })));
        let many: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("f{i}"), vec![1u8])).collect();
        let refs: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        let few = UploadLimits { max_zip_entries: 10, ..Default::default() };
        let e = check(Cursor::new(archive(&refs)), &few).unwrap_err();
        assert!(e.to_string().contains("20 个部件"), "{e}");
        assert!(matches!(
            check(Cursor::new(b"not a zip".to_vec()), &UploadLimits::default()),
            Err(ZipRefused::NotZip(_))
        ));
    }
}
