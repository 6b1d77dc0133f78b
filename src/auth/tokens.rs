//! Random bearer secrets (session ids, one-time links) and the hashes we store instead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::error::ErrorStack;
use openssl::sha::sha256;

/// 256 random bits, URL-safe text. Fails only when the system's random generator does.
pub fn new_secret() -> Result<String, ErrorStack> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether two secrets (or digests) are equal, in time that does not depend on where they
/// differ. Unequal lengths are simply unequal (`openssl::memcmp::eq` would panic on them).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a.as_bytes(), b.as_bytes())
}

/// What the store keeps of a secret: its SHA-256, hex. A leaked table opens no session.
pub fn digest(secret: &str) -> String {
    sha256(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_stored_hashed() {
        let (a, b) = (new_secret().expect("random"), new_secret().expect("random"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        assert_eq!(digest(&a), digest(&a));
    }
}
