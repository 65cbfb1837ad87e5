//! Zip containers (xlsx, docx) checked before anything parses them.
//!
//! An xlsx is a zip, and a zip can be a bomb: a few kilobytes that inflate to gigabytes,
//! or millions of tiny entries. [`inspect`] refuses a container before any XML parser
//! sees it when
//!
//! 1. the end-of-central-directory record (read here, not by the zip library) announces
//!    more entries than `max_zip_entries` — so a huge directory is never even loaded;
//! 2. any entry is encrypted, declares a compression ratio above `max_zip_ratio`, or the
//!    declared sizes add up to more than `max_unzipped_bytes`;
//! 3. actually inflating each entry, with the output capped at its declared size, yields
//!    more than declared — entries that lie about their size are caught too.
//!
//! Step 3 inflates into a sink, never into memory.

use std::io::{Cursor, Read};

use jianguan_domain::config::UploadLimits;

/// Why a container was refused. Messages are Chinese, fit for the person uploading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("文件不是有效的 zip 容器(xlsx/docx 文件损坏或格式不符)")]
    NotZip,
    #[error("压缩包内文件过多({entries} 个,上限 {limit} 个),已拒绝")]
    TooManyEntries { entries: u64, limit: u64 },
    #[error("压缩包解压后过大(超过 {limit} 字节),已拒绝")]
    TooLarge { limit: u64 },
    #[error("压缩包内“{name}”的压缩比异常(超过 {limit}:1),疑似压缩炸弹,已拒绝")]
    Ratio { name: String, limit: u64 },
    #[error("压缩包内“{name}”实际解压大小与声明不符,疑似压缩炸弹,已拒绝")]
    SizeMismatch { name: String },
    #[error("压缩包内“{name}”已加密,无法检查,已拒绝")]
    Encrypted { name: String },
    #[error("压缩包内“{name}”无法解压:{reason}")]
    Corrupt { name: String, reason: String },
}

/// What a checked container holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipSummary {
    /// Entry names, in directory order.
    pub names: Vec<String>,
    /// Sum of the entries' uncompressed sizes.
    pub unzipped_bytes: u64,
}

impl ZipSummary {
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// The local file header signature every zip starts with.
pub const ZIP_MAGIC: &[u8; 4] = b"PK\x03\x04";

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The number of entries the end-of-central-directory record announces (Zip64 aware).
pub fn declared_entries(bytes: &[u8]) -> Option<u64> {
    // The record is 22 bytes plus a comment of at most 65 535 bytes, at the very end.
    let min = bytes.len().checked_sub(22)?;
    let lowest = min.saturating_sub(65_535);
    let at = (lowest..=min).rev().find(|&i| u32_at(bytes, i) == Some(EOCD_SIG))?;
    let entries = u16_at(bytes, at + 10)?;
    if entries != u16::MAX {
        return Some(u64::from(entries));
    }
    // Zip64: a locator right before the record points at the Zip64 record.
    let loc = at.checked_sub(20)?;
    if u32_at(bytes, loc)? != ZIP64_LOCATOR_SIG {
        return Some(u64::from(entries));
    }
    let z64 = usize::try_from(u64_at(bytes, loc + 8)?).ok()?;
    if u32_at(bytes, z64)? != ZIP64_EOCD_SIG {
        return None;
    }
    u64_at(bytes, z64 + 32)
}

/// Checks a zip container against the limits (see the module documentation).
pub fn inspect(bytes: &[u8], limits: &UploadLimits) -> Result<ZipSummary, ZipError> {
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(ZipError::NotZip);
    }
    let max_entries = u64::try_from(limits.max_zip_entries).unwrap_or(u64::MAX);
    let entries = declared_entries(bytes).ok_or(ZipError::NotZip)?;
    if entries > max_entries {
        return Err(ZipError::TooManyEntries { entries, limit: max_entries });
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ZipError::NotZip)?;
    if archive.len() as u64 > max_entries {
        return Err(ZipError::TooManyEntries { entries: archive.len() as u64, limit: max_entries });
    }
    let mut names = Vec::with_capacity(archive.len());
    let mut declared = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let f = archive.by_index_raw(i).map_err(|_| ZipError::NotZip)?;
        let name = f.name().to_owned();
        if f.encrypted() {
            return Err(ZipError::Encrypted { name });
        }
        let (size, packed) = (f.size(), f.compressed_size());
        if size > 0 && size > packed.max(1).saturating_mul(limits.max_zip_ratio) {
            return Err(ZipError::Ratio { name, limit: limits.max_zip_ratio });
        }
        total = total.saturating_add(size);
        if total > limits.max_unzipped_bytes {
            return Err(ZipError::TooLarge { limit: limits.max_unzipped_bytes });
        }
        declared.push(size);
        names.push(name);
    }
    // Inflate for real, each entry capped one byte past its declared size.
    for (i, size) in declared.iter().enumerate() {
        let name = || names[i].clone();
        let f = archive.by_index(i).map_err(|e| ZipError::Corrupt { name: name(), reason: e.to_string() })?;
        let mut capped = f.take(size.saturating_add(1));
        let got = std::io::copy(&mut capped, &mut std::io::sink())
            .map_err(|e| ZipError::Corrupt { name: name(), reason: e.to_string() })?;
        if got != *size {
            return Err(ZipError::SizeMismatch { name: name() });
        }
    }
    Ok(ZipSummary { names, unzipped_bytes: total })
}

/// Reads an entry of an inspected container, at most `limit` bytes.
pub fn read_entry(bytes: &[u8], name: &str, limit: u64) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let f = archive.by_name(name).ok()?;
    let mut out = Vec::new();
    f.take(limit).read_to_end(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    pub(crate) fn limits() -> UploadLimits {
        UploadLimits {
            max_body_bytes: 1 << 20,
            max_file_bytes: 1 << 20,
            max_unzipped_bytes: 4 << 20,
            max_zip_entries: 50,
            max_zip_ratio: 100,
        }
    }

    pub(crate) fn zip_of(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn accepts_a_small_container() {
        let z = zip_of(&[("a.txt", b"hello"), ("b/c.xml", b"<x/>")], zip::CompressionMethod::Deflated);
        let s = inspect(&z, &limits()).unwrap();
        assert_eq!(s.names, vec!["a.txt", "b/c.xml"]);
        assert_eq!(s.unzipped_bytes, 9);
        assert_eq!(declared_entries(&z), Some(2));
        assert_eq!(read_entry(&z, "a.txt", 100).unwrap(), b"hello");
    }

    #[test]
    fn refuses_what_is_not_a_zip() {
        assert_eq!(inspect(b"\xD0\xCF\x11\xE0 old xls", &limits()), Err(ZipError::NotZip));
        assert_eq!(inspect(b"PK\x03\x04 truncated", &limits()), Err(ZipError::NotZip));
        assert_eq!(inspect(b"", &limits()), Err(ZipError::NotZip));
    }

    #[test]
    fn refuses_too_many_entries_before_reading_them() {
        let names: Vec<String> = (0..60).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let z = zip_of(&entries, zip::CompressionMethod::Stored);
        assert_eq!(inspect(&z, &limits()), Err(ZipError::TooManyEntries { entries: 60, limit: 50 }));
    }

    #[test]
    fn refuses_a_bomb_by_ratio() {
        let zeros = vec![0u8; 2 << 20];
        let z = zip_of(&[("bomb.xml", &zeros)], zip::CompressionMethod::Deflated);
        assert!(z.len() < 10_000);
        assert!(matches!(inspect(&z, &limits()), Err(ZipError::Ratio { .. })));
    }

    #[test]
    fn refuses_too_much_in_total() {
        let data: Vec<u8> = (0..(3u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let z = zip_of(&[("a", &data), ("b", &data)], zip::CompressionMethod::Stored);
        assert_eq!(inspect(&z, &limits()), Err(ZipError::TooLarge { limit: 4 << 20 }));
    }

    #[test]
    fn catches_an_entry_that_lies_about_its_size() {
        // Deflate 100 KB of text, then rewrite both size fields to claim 1 KB.
        let text = "南开区事中事后监管".repeat(4000);
        let mut z = zip_of(&[("x.xml", text.as_bytes())], zip::CompressionMethod::Deflated);
        let real = text.len() as u32;
        let lie = 1024u32.to_le_bytes();
        let mut patched = 0;
        for i in 0..z.len() - 4 {
            if z[i..i + 4] == real.to_le_bytes() {
                z[i..i + 4].copy_from_slice(&lie);
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "local header and central directory");
        let mut l = limits();
        l.max_zip_ratio = 1000;
        assert!(matches!(inspect(&z, &l), Err(ZipError::SizeMismatch { .. }) | Err(ZipError::Corrupt { .. })));
    }
}
