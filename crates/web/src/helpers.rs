//! Helpers shared by the pages of the seed's remaining capabilities: today's date in
//! Beijing, the caller's department, re-rendering a form with its error, uploads checked
//! by size and magic bytes, downloads, CSV, and the CSRF token of anonymous public forms.

use crate::access::Principal;
use crate::error::AppError;
use crate::security::{self, PRE_CSRF_COOKIE};
use crate::AppState;
use axum::extract::Multipart;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{FixedOffset, NaiveDate};
use jianguan_domain::config::UploadLimits;
use jianguan_store::fairness::{DocFile, NewFile};
use jianguan_store::{Unit, UnitKind};
use std::collections::HashMap;
use std::io::Cursor;

/// Beijing time (UTC+8, no daylight saving).
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// Today's date in Beijing.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&cst()).date_naive()
}

/// The caller's department (users and API keys have one; anonymous callers none).
pub async fn caller_unit(state: &AppState, p: &Principal) -> Result<Unit, AppError> {
    let id = p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))?;
    Ok(state.store.get_unit(id).await?)
}

/// The active department with this code.
pub async fn unit_by_code(state: &AppState, code: &str) -> Result<Option<Unit>, AppError> {
    Ok(state.store.list_units().await?.into_iter().find(|u| u.code == code && u.active))
}

/// Active departments (not groups), by name order of the table.
pub async fn departments(state: &AppState) -> Result<Vec<Unit>, AppError> {
    Ok(state.store.list_units().await?.into_iter().filter(|u| u.kind == UnitKind::Department && u.active).collect())
}

/// A user-facing failure (bad input, conflict) becomes `(status, message)` to show on
/// the form again; anything else stays an error.
pub fn shown(e: AppError) -> Result<(StatusCode, String), AppError> {
    match e.status {
        StatusCode::BAD_REQUEST
        | StatusCode::NOT_FOUND
        | StatusCode::CONFLICT
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::PAYLOAD_TOO_LARGE
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::TOO_MANY_REQUESTS => Ok((e.status, e.message)),
        _ => Err(e),
    }
}

pub fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// An error for the JSON API.
pub fn api_err(e: impl Into<AppError>) -> AppError {
    e.into().json()
}

pub fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
}

/// Parses an optional `YYYY-MM-DD` form field.
pub fn opt_date(label: &str, s: &str) -> Result<Option<NaiveDate>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| invalid(format!("{label}“{s}”不是有效日期(格式 2026-01-31)")))
}

pub fn date(label: &str, s: &str) -> Result<NaiveDate, AppError> {
    opt_date(label, s)?.ok_or_else(|| invalid(format!("请填写{label}")))
}

/// File types accepted as attachments: `(media type, label, extensions)`.
pub const ACCEPTED: &[(&str, &str, &[&str])] = &[
    ("application/pdf", "PDF", &["pdf"]),
    ("application/ofd", "OFD", &["ofd"]),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word(docx)", &["docx"]),
    ("image/png", "PNG", &["png"]),
    ("image/jpeg", "JPEG", &["jpg", "jpeg"]),
];

pub const ACCEPT_ATTR: &str = ".pdf,.ofd,.docx,.png,.jpg,.jpeg";

/// Establishes a file's type from its content (never from its name alone) and checks
/// that the name's extension agrees. Zip-based formats are checked against zip bombs.
pub fn check_file(name: &str, bytes: &[u8], limits: &UploadLimits) -> Result<&'static str, AppError> {
    if bytes.is_empty() {
        return Err(invalid(format!("文件“{name}”是空文件")));
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("文件“{name}”有 {} 字节,超过上限 {} 字节", bytes.len(), limits.max_file_bytes),
        ));
    }
    let refused = || {
        AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            format!(
                "文件“{name}”的类型不允许上传:只接受 {}",
                ACCEPTED.iter().map(|a| a.1).collect::<Vec<_>>().join("、")
            ),
        )
    };
    let media = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"PK\x03\x04") {
        crate::import::zipguard::check(Cursor::new(bytes), limits).map_err(|e| {
            let msg = match e {
                crate::import::zipguard::ZipRefused::NotZip(_) => format!("文件“{name}”已损坏,无法读取"),
                _ => format!("文件“{name}”解压后过大或压缩比异常(疑似压缩炸弹),拒绝接收"),
            };
            invalid(msg)
        })?;
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| refused())?;
        let has = |n: &str| zip.file_names().any(|f| f == n);
        if has("word/document.xml") && has("[Content_Types].xml") {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        } else if has("OFD.xml") {
            "application/ofd"
        } else {
            return Err(refused());
        }
    } else {
        return Err(refused());
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (_, label, exts) = ACCEPTED.iter().find(|a| a.0 == media).expect("listed");
    if !exts.contains(&ext.as_str()) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file_type",
            format!("文件“{name}”的扩展名与内容不符:内容是 {label} 文件"),
        ));
    }
    Ok(media)
}

/// A multipart form: its text fields, and the one file field (absent or empty → none).
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<NewFile>,
}

impl Upload {
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart form with at most one file (field `file`), checked by [`check_file`].
pub async fn read_upload(limits: &UploadLimits, mut mp: Multipart) -> Result<Upload, AppError> {
    let mut fields = HashMap::new();
    let mut file = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "invalid", format!("上传内容无法读取:{}", e.body_text()))
    };
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            let media = check_file(&file_name, &bytes, limits)?;
            file = Some(NewFile { name: file_name, media_type: media.to_string(), content: bytes.to_vec() });
        } else {
            let text = field.text().await.map_err(bad)?;
            if text.len() > 200_000 {
                return Err(invalid(format!("字段“{name}”过长")));
            }
            fields.insert(name, text);
        }
    }
    Ok(Upload { fields, file })
}

/// A stored document as a download (never rendered inline).
pub fn download(doc: DocFile, name: &str) -> Response {
    let disposition = format!("attachment; filename*=UTF-8''{}", urlencoding::encode(name));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(&doc.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        doc.content,
    )
        .into_response()
}

/// A CSV download (UTF-8 with BOM for Excel), cells that could start a formula neutralised.
pub fn csv(file_name: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header_row).expect("csv");
    for r in rows {
        w.write_record(r.iter().map(|c| crate::import::entities::safe_cell(c))).expect("csv");
    }
    let body = w.into_inner().expect("csv");
    let disposition = format!("attachment; filename*=UTF-8''{}", urlencoding::encode(file_name));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ascii")),
        ],
        body,
    )
        .into_response()
}

/// The CSRF token an anonymous public form carries (double-submit cookie), or the
/// session's token for a signed-in visitor; and the cookie to set when new.
pub fn public_form_token(state: &AppState, p: &Principal, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(u) = p.user() {
        return (u.csrf.clone(), None);
    }
    match security::cookie(headers, PRE_CSRF_COOKIE).filter(|c| c.len() >= 32) {
        Some(t) => (t, None),
        None => {
            let t = security::token();
            let cookie =
                HeaderValue::from_str(&security::set_cookie(PRE_CSRF_COOKIE, &t, state.config.secure_cookies, None))
                    .expect("cookie");
            (t, Some(cookie))
        }
    }
}

/// Appends a `Set-Cookie` when there is one.
pub fn with_cookie(mut r: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// Refuses a public submission when this address or entity has failed too often
/// recently (429, with when to retry).
pub async fn check_code_failures(state: &AppState, ip: &str, uscc: &str) -> Result<(), AppError> {
    use jianguan_domain::declaration::{FAILURE_WINDOW_MINUTES, MAX_FAILURES};
    let since = jianguan_store::now() - chrono::Duration::minutes(FAILURE_WINDOW_MINUTES);
    let (by_ip, by_uscc) = state.store.code_failures(ip, uscc, since).await?;
    if by_ip >= MAX_FAILURES || by_uscc >= MAX_FAILURES {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("申报码验证失败次数过多,请 {FAILURE_WINDOW_MINUTES} 分钟后再试,或联系发放申报码的部门"),
        ));
    }
    Ok(())
}

/// A unified social credit code as typed (case and spaces forgiven); legacy codes that
/// fail a check are accepted, as the registry accepts them.
pub fn uscc(s: &str) -> Result<String, AppError> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if s.is_empty() {
        return Err(invalid("请填写统一社会信用代码"));
    }
    jianguan_domain::uscc::Uscc::parse_lenient(&s)
        .map(|(u, _)| u.as_str().to_string())
        .map_err(|e| invalid(format!("统一社会信用代码“{s}”不正确:{e}")))
}

/// A fresh application code: `(code for the letter, display form)`.
pub fn new_application_code() -> (String, String) {
    loop {
        let bytes = security::random_bytes::<32>();
        if let Some(code) = jianguan_domain::declaration::code_from_random(&bytes) {
            let shown = jianguan_domain::declaration::display_code(&code);
            return (code, shown);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for n in names {
            w.start_file(*n, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(b"<x/>").unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn files_are_typed_by_content() {
        let l = UploadLimits::default();
        assert_eq!(check_file("a.pdf", b"%PDF-1.7", &l).unwrap(), "application/pdf");
        assert_eq!(check_file("b.PNG", &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0], &l).unwrap(), "image/png");
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert!(check_file("c.docx", &docx, &l).unwrap().contains("wordprocessingml"));
        assert_eq!(check_file("d.ofd", &zip_with(&["OFD.xml", "Doc_0/Document.xml"]), &l).unwrap(), "application/ofd");
        // Forbidden: scripts, executables, HTML, other zips, a PDF named .docx, empty, too large.
        for (name, bytes) in [
            ("x.html", b"<script>alert(1)</script>".to_vec()),
            ("x.exe", b"MZ\x90\x00".to_vec()),
            ("x.pdf", b"#!/bin/sh".to_vec()),
            ("x.xlsx", zip_with(&["xl/workbook.xml"])),
        ] {
            assert_eq!(check_file(name, &bytes, &l).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
        }
        assert!(check_file("x.docx", b"%PDF-1.7", &l).unwrap_err().message.contains("扩展名与内容不符"));
        assert_eq!(check_file("e.pdf", b"", &l).unwrap_err().status, StatusCode::UNPROCESSABLE_ENTITY);
        let small = UploadLimits { max_file_bytes: 4, ..Default::default() };
        assert_eq!(check_file("f.pdf", b"%PDF-1.7", &small).unwrap_err().status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn codes_are_fresh() {
        let (a, shown) = new_application_code();
        let (b, _) = new_application_code();
        assert_ne!(a, b);
        assert_eq!(shown.replace('-', ""), a);
    }
}
