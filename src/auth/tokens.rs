//! Random bearer secrets (session ids, one-time links) and the hashes we store instead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::{MessageDigest, hash};

/// 256 random bits, URL-safe text.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // The OS RNG failing is not something a request can recover from.
    openssl::rand::rand_bytes(&mut bytes).unwrap_or_else(|e| panic!("no randomness: {e}"));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a secret: its SHA-256, hex. A leaked table opens no session.
pub fn digest(secret: &str) -> String {
    match hash(MessageDigest::sha256(), secret.as_bytes()) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_stored_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a));
    }
}
