//! Local passwords: argon2id with at least OWASP's parameters (19 MiB, 2 passes, 1 lane), a
//! length policy, and a dummy verification so that a sign-in for an unknown name costs the same.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the password must be at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password must be at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("the password must not be your login name or email address")]
    IsIdentity,
    #[error("the two passwords differ")]
    Mismatch,
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2 parameters: {0}")]
    Params(argon2::Error),
    #[error("argon2 hashing: {0}")]
    Hash(argon2::password_hash::Error),
}

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(HashError::Params)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against the policy (length counted in characters, not bytes).
pub fn check_policy(
    password: &str,
    confirmation: &str,
    user_name: &str,
    email: &str,
) -> Result<(), PolicyError> {
    if password != confirmation {
        return Err(PolicyError::Mismatch);
    }
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PolicyError::TooLong);
    }
    let folded = password.trim().to_lowercase();
    if folded == user_name.trim().to_lowercase() || folded == email.trim().to_lowercase() {
        return Err(PolicyError::IsIdentity);
    }
    Ok(())
}

/// The PHC string to store. Slow on purpose: call it off the request threads.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(HashError::Hash)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    Yes { needs_rehash: bool },
    No,
}

/// Checks a password against a stored hash; says whether the hash uses older parameters.
pub fn verify(password: &str, stored: &str) -> Verified {
    let (Ok(parsed), Ok(hasher)) = (PasswordHash::new(stored), hasher()) else {
        return Verified::No;
    };
    if hasher
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed)
            .is_ok_and(|p| p.m_cost() >= MEMORY_KIB && p.t_cost() >= PASSES && p.p_cost() >= LANES);
    Verified::Yes {
        needs_rehash: !current,
    }
}

static DUMMY: LazyLock<Option<String>> =
    LazyLock::new(|| hash("gatehouse dummy password for timing").ok());

/// Spends the time of a real verification when there is no account to check.
pub fn verify_dummy(password: &str) {
    if let Some(dummy) = DUMMY.as_deref() {
        let _ = verify(password, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_owasp_parameters() {
        let stored = hash("correct horse battery").expect("hash");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_eq!(
            verify("correct horse battery", &stored),
            Verified::Yes {
                needs_rehash: false
            }
        );
        assert_eq!(verify("wrong horse battery", &stored), Verified::No);
        assert_eq!(verify("anything", "not a hash"), Verified::No);
    }

    #[test]
    fn older_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        );
        let salt = SaltString::generate(&mut OsRng);
        let stored = weak
            .hash_password(b"correct horse battery", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(
            verify("correct horse battery", &stored),
            Verified::Yes { needs_rehash: true }
        );
    }

    #[test]
    fn the_policy_explains_itself() {
        let ok = "a long enough pass";
        assert_eq!(check_policy(ok, ok, "ann@acme.com", "ann@acme.com"), Ok(()));
        assert_eq!(
            check_policy("short", "short", "a", "b"),
            Err(PolicyError::TooShort)
        );
        let long = "x".repeat(129);
        assert_eq!(
            check_policy(&long, &long, "a", "b"),
            Err(PolicyError::TooLong)
        );
        assert_eq!(
            check_policy("Ann@Acme.com", "Ann@Acme.com", "ann@acme.com", "x@y.z"),
            Err(PolicyError::IsIdentity)
        );
        assert_eq!(
            check_policy(ok, "other text here", "a", "b"),
            Err(PolicyError::Mismatch)
        );
        let unicode = "ääääääääääää";
        assert_eq!(
            check_policy(unicode, unicode, "a", "b"),
            Ok(()),
            "12 characters, 24 bytes"
        );
    }
}
