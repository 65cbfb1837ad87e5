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
