//! Opaque cursors: what a page ended on, in a form clients pass back unchanged and do not
//! parse. Versioned, so the encoding can change without breaking a stored cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::problem::ApiError;

const VERSION: &str = "v1";

pub fn encode(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{VERSION}:{kind}:{position}"))
}

/// The position inside a cursor of this `kind`, or a 400 naming the parameter.
pub fn decode(parameter: &'static str, kind: &str, cursor: &str) -> Result<String, ApiError> {
    let refused = || ApiError::invalid(parameter, "not a cursor this API gave out");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(k), Some(position)) if k == kind => Ok(position.to_owned()),
        _ => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_refuses_another_kind_or_garbage() {
        let cursor = encode("events", "42");
        assert_eq!(
            decode("after", "events", &cursor).ok().as_deref(),
            Some("42")
        );
        assert!(decode("after", "employees", &cursor).is_err());
        assert!(decode("after", "events", "not base64!").is_err());
        assert!(decode("after", "events", &URL_SAFE_NO_PAD.encode("v0:events:1")).is_err());
    }
}
