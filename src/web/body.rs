//! Request bodies read with a size cap, so an oversized post is refused before it is parsed.

use actix_web::web::{BytesMut, Payload};
use futures_util::StreamExt;

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Unreadable(String),
}

pub async fn read_limited(mut payload: Payload, limit: usize) -> Result<BytesMut, BodyError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
