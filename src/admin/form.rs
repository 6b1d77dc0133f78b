//! Reading admin form posts: every post must carry the page's CSRF token (and come from our own
//! origin when the browser says where it comes from) before its fields are even read.
//! `Posted<T>` is a urlencoded form; `Upload` a multipart form with files, read as UTF-8 text.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::auth::csrf;
use crate::config::Settings;
use crate::web::pages;

/// Metadata files and employee CSVs for tens of thousands of people fit; more is a mistake.
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FormRejection {
    #[error("forged")]
    Forged,
    #[error("The form could not be read: {0}")]
    Unreadable(String),
    #[error("The upload is larger than {} MiB.", UPLOAD_LIMIT / 1024 / 1024)]
    TooLarge,
}

impl ResponseError for FormRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            FormRejection::Forged => StatusCode::FORBIDDEN,
            FormRejection::Unreadable(_) => StatusCode::BAD_REQUEST,
            FormRejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            FormRejection::Forged => crate::web::pages::forged(),
            other => pages::error_page(other.status_code(), &other.to_string()),
        }
    }
}

fn check_origin(request: &HttpRequest, token: &str) -> Result<(), FormRejection> {
    let public_url = request
        .app_data::<web::Data<Settings>>()
        .map(|s| s.public_url.clone())
        .unwrap_or_default();
    csrf::check(request, token, &public_url).map_err(|error| {
        log::warn!("admin form refused: {error}");
        FormRejection::Forged
    })
}

/// A urlencoded admin form whose token was checked.
pub struct Posted<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Posted<T> {
    type Error = FormRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Posted<T>, FormRejection>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let body = body.await.map_err(|_| FormRejection::TooLarge)?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| FormRejection::Unreadable(e.to_string()))?;
            let token = pairs
                .iter()
                .find(|(name, _)| name == csrf::FIELD)
                .map(|(_, value)| value.as_str())
                .unwrap_or_default();
            check_origin(&request, token)?;
            serde_urlencoded::from_bytes(&body)
                .map(Posted)
                .map_err(|e| FormRejection::Unreadable(e.to_string()))
        })
    }
}

/// A multipart admin form (file uploads) whose token was checked; every part as text.
pub struct Upload {
    fields: HashMap<String, String>,
}

impl Upload {
    /// A field's text, or `None` when it is missing or blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

async fn read_parts(mut parts: Multipart) -> Result<HashMap<String, String>, FormRejection> {
    let mut fields = HashMap::new();
    let mut total = 0usize;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| FormRejection::Unreadable(e.to_string()))?;
        let name = part.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| FormRejection::Unreadable(e.to_string()))?;
            total += chunk.len();
            if total > UPLOAD_LIMIT {
                return Err(FormRejection::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            FormRejection::Unreadable(format!("{name}: the file is not UTF-8 text"))
        })?;
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text);
        fields.insert(name, text);
    }
    Ok(fields)
}

impl FromRequest for Upload {
    type Error = FormRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Upload, FormRejection>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts = Multipart::new(request.headers(), payload.take());
        let request = request.clone();
        Box::pin(async move {
            let fields = read_parts(parts).await?;
            let token = fields.get(csrf::FIELD).map(String::as_str).unwrap_or("");
            check_origin(&request, token)?;
            Ok(Upload { fields })
        })
    }
}
