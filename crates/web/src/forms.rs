//! Extractors whose rejections speak Chinese in the right shape.

use crate::error::AppError;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// JSON body for the API: malformed JSON → 400 `{"code":"bad_json"}`, wrong fields → 422.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(match e {
                JsonRejection::JsonSyntaxError(e) => {
                    AppError::new(StatusCode::BAD_REQUEST, "bad_json", format!("JSON 格式错误:{}", e.body_text()))
                }
                JsonRejection::JsonDataError(e) => AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("字段不符合要求:{}", e.body_text()),
                ),
                JsonRejection::MissingJsonContentType(_) => AppError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求须为 JSON(Content-Type: application/json)",
                ),
                JsonRejection::BytesRejection(_) => {
                    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "提交的内容超过大小限制")
                }
                other => AppError::bad_request(format!("请求无法解析:{}", other.body_text())),
            }
            .json()),
        }
    }
}

/// A urlencoded form for pages.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(FormRejection::FailedToDeserializeForm(e)) => Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("表单内容不完整或格式错误:{}", e.body_text()),
            )),
            Err(e) => Err(AppError::bad_request(format!("表单无法解析:{}", e.body_text()))),
        }
    }
}

/// One uploaded file of a multipart form.
#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    /// The file name as the browser sent it (not yet sanitised).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: text fields (repeated names kept) and files.
#[derive(Debug, Clone, Default)]
pub struct MultipartData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

impl MultipartData {
    /// The first value of a text field, trimmed; empty if absent.
    pub fn text(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    }
}

/// Reads a multipart form, refusing a file over `max_file_bytes` as soon as it is seen (not
/// after buffering it) and more than `max_files` files. File parts without a name and
/// without content (an empty file input) are skipped.
pub async fn read_multipart(
    mut mp: axum::extract::Multipart,
    max_file_bytes: usize,
    max_files: usize,
) -> Result<MultipartData, AppError> {
    let mut out = MultipartData::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "invalid", format!("上传内容无法读取:{}", e.body_text()))
    };
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            None => {
                let v = field.text().await.map_err(bad)?;
                if v.len() > 100_000 {
                    return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "表单字段过长"));
                }
                out.fields.push((name, v));
            }
            Some(file_name) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > max_file_bytes {
                        return Err(AppError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "payload_too_large",
                            format!(
                                "文件“{}”超过单个文件 {} 的上限",
                                crate::files::sanitize_name(&file_name),
                                crate::files::human_size(max_file_bytes as u64)
                            ),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                if out.files.len() == max_files {
                    return Err(AppError::bad_request(format!("一次最多上传 {max_files} 个文件")));
                }
                out.files.push(Upload { field: name, name: file_name, bytes });
            }
        }
    }
    Ok(out)
}
