//! Uploaded files: checked by content (magic bytes, zip limits, size), stored on disk by
//! their SHA-256 under `<data_dir>/files/<first two hex digits>/<sha256>`, with their
//! metadata in the database. Identical uploads share one file; a file is written to a
//! temporary name, synced and renamed, so a reader never sees half a file, and read back
//! only if its content still hashes to its name.

use jianguan_domain::config::UploadLimits;
use jianguan_domain::crypto::sha256_hex;
use jianguan_exchange::zipguard;
use std::path::{Path, PathBuf};

/// The kinds of evidence accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Xlsx,
    Txt,
}

impl FileKind {
    pub const ALL: [FileKind; 6] =
        [FileKind::Pdf, FileKind::Png, FileKind::Jpeg, FileKind::Docx, FileKind::Xlsx, FileKind::Txt];

    pub fn code(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpeg",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Txt => "txt",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Txt => "text/plain; charset=utf-8",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG 图片",
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Docx => "Word 文档",
            FileKind::Xlsx => "Excel 表格",
            FileKind::Txt => "纯文本",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Txt => &["txt"],
        }
    }
}

/// The accepted types, for messages and `accept` attributes.
pub const ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.txt";

/// A file name fit to store and show: the last path component, control characters and
/// quotes removed, at most 100 characters (the extension kept).
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        return "未命名".into();
    }
    if clean.chars().count() <= 100 {
        return clean;
    }
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((s, e)) if e.len() <= 8 => (s.to_owned(), format!(".{e}")),
        _ => (clean.clone(), String::new()),
    };
    let keep = 100 - ext.chars().count();
    format!("{}{}", stem.chars().take(keep).collect::<String>(), ext)
}

/// Decides what an upload is from its bytes, and checks its size and that its name's
/// extension agrees. Messages are Chinese.
pub fn detect(bytes: &[u8], name: &str, limits: &UploadLimits) -> Result<FileKind, String> {
    if bytes.is_empty() {
        return Err(format!("“{name}”是空文件"));
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(format!("“{name}”超过单个文件 {} 的上限", human_size(limits.max_file_bytes as u64)));
    }
    let kind = if bytes.starts_with(b"%PDF-") {
        FileKind::Pdf
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        FileKind::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        FileKind::Jpeg
    } else if bytes.starts_with(zipguard::ZIP_MAGIC) {
        let summary = zipguard::inspect(bytes, limits).map_err(|e| format!("“{name}”:{e}"))?;
        if summary.contains("word/document.xml") {
            FileKind::Docx
        } else if summary.contains("xl/workbook.xml") {
            FileKind::Xlsx
        } else {
            return Err(format!("“{name}”是压缩包,但不是 Word(.docx)或 Excel(.xlsx)文件"));
        }
    } else if is_plain_text(bytes) {
        FileKind::Txt
    } else {
        return Err(format!("“{name}”的类型不受支持:仅接受 PDF、PNG、JPEG、Word(.docx)、Excel(.xlsx)和纯文本(.txt)"));
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(format!("“{name}”的扩展名与内容不符:内容是{},扩展名应为 .{}", kind.label(), kind.extensions()[0]));
    }
    Ok(kind)
}

/// UTF-8 text without NUL or other control characters than tab and line breaks.
fn is_plain_text(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).is_ok_and(|s| s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')))
}

pub fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} 字节")
    }
}

/// Content-addressed files under a root directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this SHA-256 lives (`None` for anything but 64 hex digits).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64 && sha256.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        ok.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores the bytes and returns their SHA-256; an identical file already stored is kept.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.path_of(&sha).expect("sha256_hex gives 64 lowercase hex digits");
        if tokio::fs::try_exists(&path).await? {
            return Ok(sha);
        }
        let dir = path.parent().expect("two-level path");
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", hex::encode(crate::security::random_bytes::<6>())));
        let bytes = bytes.to_vec();
        let (tmp2, path2) = (tmp.clone(), path.clone());
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp2)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp2, &path2)
        })
        .await
        .map_err(std::io::Error::other)?;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        written.map(|()| sha)
    }

    /// Reads a stored file, refusing one whose content no longer matches its name.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path =
            self.path_of(sha256).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad sha256"))?;
        let bytes = tokio::fs::read(&path).await?;
        if sha256_hex(&bytes) != sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is corrupted", path.display()),
            ));
        }
        Ok(bytes)
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name.
pub fn attachment(name: &str, fallback: &str) -> String {
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", urlencoding::encode(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> UploadLimits {
        UploadLimits { max_file_bytes: 1000, ..UploadLimits::default() }
    }

    #[test]
    fn kinds_by_content_and_extension() {
        let l = limits();
        assert_eq!(detect(b"%PDF-1.7 ...", "报告.pdf", &l), Ok(FileKind::Pdf));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\nxxxx", "a.PNG", &l), Ok(FileKind::Png));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0], "a.jpg", &l), Ok(FileKind::Jpeg));
        assert_eq!(detect("工作进展说明\n".as_bytes(), "说明.txt", &l), Ok(FileKind::Txt));
        let e = detect(b"%PDF-1.7", "伪装.docx", &l).unwrap_err();
        assert!(e.contains("扩展名与内容不符") && e.contains(".pdf"), "{e}");
        let e = detect(b"MZ\x90\x00\x03\x00", "run.exe", &l).unwrap_err();
        assert!(e.contains("类型不受支持"), "{e}");
        let e = detect(b"<html><script>", "a.txt", &l);
        assert_eq!(e, Ok(FileKind::Txt), "HTML is text; it is served as an attachment with nosniff");
        assert!(detect(b"a\x00b", "a.txt", &l).is_err());
        assert!(detect(b"", "a.txt", &l).unwrap_err().contains("空文件"));
        assert!(detect(&[b'a'; 1001], "a.txt", &l).unwrap_err().contains("上限"));
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitize_name("C:\\fakepath\\总结.pdf"), "总结.pdf");
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("a\u{0}b\"<>.txt"), "ab.txt");
        assert_eq!(sanitize_name("..."), "未命名");
        let long = format!("{}.pdf", "长".repeat(300));
        let s = sanitize_name(&long);
        assert_eq!(s.chars().count(), 100);
        assert!(s.ends_with(".pdf"));
    }

    #[tokio::test]
    async fn blobs_are_content_addressed_and_verified() {
        let dir = jianguan_store::testing::temp_dir();
        let store = BlobStore::new(dir.join("files"));
        let sha = store.put(b"evidence").await.unwrap();
        assert_eq!(sha, sha256_hex(b"evidence"));
        assert_eq!(store.put(b"evidence").await.unwrap(), sha);
        let path = store.path_of(&sha).unwrap();
        assert!(path.starts_with(dir.join("files").join(&sha[..2])));
        assert_eq!(store.get(&sha).await.unwrap(), b"evidence");
        std::fs::write(&path, b"tampered").unwrap();
        assert_eq!(store.get(&sha).await.unwrap_err().kind(), std::io::ErrorKind::InvalidData);
        assert!(store.path_of("../../x").is_none());
        assert!(store.path_of(&sha.to_uppercase()).is_none());
    }
}
