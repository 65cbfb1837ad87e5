//! One error type for pages and the API. The API answers `{"code": "...", "message": "..."}`
//! with a stable machine code and a Chinese message; pages render a Chinese error page.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jianguan_store::StoreError;
use serde::Serialize;

/// The API's one error shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `not_found`, `forbidden`, `csrf`, `invalid`.
    pub code: String,
    /// A message in Chinese fit to show a user.
    pub message: String,
}

/// Marks responses whose body this crate already shaped, so the fallback mapper leaves
/// them alone.
pub const SHAPED: &str = "x-jg-shaped";

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Render as JSON (API) rather than an HTML page.
    pub json: bool,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError { status, code, message: message.into(), json: false }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound(m) => AppError::not_found(m.clone()),
            StoreError::Conflict(m) => AppError::conflict(m.clone()),
            StoreError::Invalid(m) => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.clone()),
            _ => {
                // Never leak SQL or driver text to the client; log it with the request id.
                tracing::error!(error = %e, "store error");
                AppError::internal("服务器内部错误,请稍后重试或联系管理员")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut resp = if self.json {
            (self.status, axum::Json(ErrorBody { code: self.code.to_string(), message: self.message })).into_response()
        } else {
            (self.status, Html(crate::templates::error_page(self.status, &self.message))).into_response()
        };
        resp.headers_mut().insert(SHAPED, HeaderValue::from_static("1"));
        resp
    }
}

/// Chinese text for a bare status (for responses produced by the framework itself).
pub fn status_message(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("invalid", "请求格式错误"),
        StatusCode::UNAUTHORIZED => ("unauthenticated", "请先登录"),
        StatusCode::FORBIDDEN => ("forbidden", "无权访问"),
        StatusCode::NOT_FOUND => ("not_found", "页面或资源不存在"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "不支持该请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "提交的内容超过大小限制"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型,请以 JSON 或表单提交"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "提交的数据不符合要求"),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "请求过于频繁,请稍后再试"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "请求超时"),
        s if s.is_server_error() => ("internal", "服务器内部错误,请稍后重试或联系管理员"),
        _ => ("error", "请求失败"),
    }
}

/// Replaces framework-produced error bodies (English plain text) with the Chinese shape.
pub async fn shape_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    let framework_body = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.starts_with("text/plain"))
        .unwrap_or(true);
    // Pages and JSON we rendered ourselves keep their own message.
    if !(status.is_client_error() || status.is_server_error()) || resp.headers().contains_key(SHAPED) || !framework_body
    {
        return resp;
    }
    let (code, message) = status_message(status);
    let mut e = AppError::new(status, code, message);
    e.json = api;
    let mut out = e.into_response();
    if let Some(v) = resp.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, v.clone());
    }
    out
}
