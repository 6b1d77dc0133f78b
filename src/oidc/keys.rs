//! The keys that sign ID tokens: RSA 2048 (RS256), kept only in the store so every instance
//! signs and verifies alike. `rotate` adds a new key; the one before stays published in the JWKS
//! until every token it signed has expired.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use diesel::prelude::*;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use openssl::rsa::Rsa;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::grants::ID_TOKEN_LIFETIME;
use crate::db::DbConnection;
use crate::db::schema::oidc_keys as k;
use crate::directory::{DirectoryError, Result, clock};

/// A retired key stays published this long: the longest a token it signed lives, plus slack
/// for clocks and caches.
pub const KEEP_RETIRED: Duration = Duration::hours(24);

/// A key that failed to load or sign: a defect of the store's content, never the request's.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("openssl: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
    #[error("jwt: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

impl From<KeyError> for DirectoryError {
    fn from(error: KeyError) -> Self {
        log::error!("oidc signing key: {error}");
        DirectoryError::invalid("signing_key", error.to_string())
    }
}

struct StoredKey {
    kid: String,
    pem: String,
}

fn generate(conn: &mut DbConnection) -> Result<StoredKey> {
    let rsa = Rsa::generate(2048).map_err(KeyError::from)?;
    let pem = String::from_utf8(rsa.private_key_to_pem().map_err(KeyError::from)?)
        .map_err(|_| DirectoryError::invalid("signing_key", "PEM is not UTF-8"))?;
    let kid = uuid::Uuid::new_v4().simple().to_string();
    diesel::insert_into(k::table)
        .values((
            k::kid.eq(&kid),
            k::private_pem.eq(&pem),
            k::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(StoredKey { kid, pem })
}

/// The key that signs now: the newest one not retired, made on first use.
fn current(conn: &mut DbConnection) -> Result<StoredKey> {
    let found: Option<(String, String)> = k::table
        .filter(k::retired_at.is_null())
        .order(k::created_at.desc())
        .select((k::kid, k::private_pem))
        .first(conn)
        .optional()?;
    match found {
        Some((kid, pem)) => Ok(StoredKey { kid, pem }),
        None => generate(conn),
    }
}

/// Adds a new signing key and retires the others; keys retired long enough ago go. Returns the
/// new key's id.
pub fn rotate(conn: &mut DbConnection) -> Result<String> {
    let now = clock::now();
    diesel::delete(k::table.filter(k::retired_at.lt(now - KEEP_RETIRED))).execute(conn)?;
    diesel::update(k::table.filter(k::retired_at.is_null()))
        .set(k::retired_at.eq(Some(now)))
        .execute(conn)?;
    Ok(generate(conn)?.kid)
}

/// Every key a current token may be signed by.
fn published(conn: &mut DbConnection) -> Result<Vec<StoredKey>> {
    let cutoff = clock::now() - KEEP_RETIRED.max(ID_TOKEN_LIFETIME);
    let rows: Vec<(String, String)> = k::table
        .filter(k::retired_at.is_null().or(k::retired_at.gt(cutoff)))
        .order(k::created_at.desc())
        .select((k::kid, k::private_pem))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kid, pem)| StoredKey { kid, pem })
        .collect())
}

/// The JSON Web Key Set clients verify ID tokens with.
pub fn jwks(conn: &mut DbConnection) -> Result<JwkSet> {
    if published(conn)?.is_empty() {
        current(conn)?;
    }
    let mut keys = Vec::new();
    for key in published(conn)? {
        let rsa = Rsa::private_key_from_pem(key.pem.as_bytes()).map_err(KeyError::from)?;
        keys.push(Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                key_id: Some(key.kid),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
                e: URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
            }),
        });
    }
    Ok(JwkSet { keys })
}

/// Signs claims with the current key (RS256, with its `kid`).
pub fn sign<T: Serialize>(conn: &mut DbConnection, claims: &T) -> Result<String> {
    sign_with(conn, claims, None)
}

/// `sign`, with an explicit `typ` header (a logout token is `logout+jwt`).
pub fn sign_typed<T: Serialize>(conn: &mut DbConnection, claims: &T, typ: &str) -> Result<String> {
    sign_with(conn, claims, Some(typ))
}

fn sign_with<T: Serialize>(
    conn: &mut DbConnection,
    claims: &T,
    typ: Option<&str>,
) -> Result<String> {
    let key = current(conn)?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid);
    if let Some(typ) = typ {
        header.typ = Some(typ.to_owned());
    }
    let encoding = EncodingKey::from_rsa_pem(key.pem.as_bytes()).map_err(KeyError::from)?;
    Ok(jsonwebtoken::encode(&header, claims, &encoding).map_err(KeyError::from)?)
}

/// The claims of a token we signed with a published key, for `audience`, expired or not
/// (an `id_token_hint` at logout may be old). `None` for anything else.
pub fn verify_ours<T: DeserializeOwned>(
    conn: &mut DbConnection,
    token: &str,
    issuer: &str,
) -> Result<Option<T>> {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let Some(key) = published(conn)?
        .into_iter()
        .find(|k| header.kid.as_deref() == Some(k.kid.as_str()))
    else {
        return Ok(None);
    };
    let rsa = Rsa::private_key_from_pem(key.pem.as_bytes()).map_err(KeyError::from)?;
    let public = rsa.public_key_to_pem().map_err(KeyError::from)?;
    let decoding = DecodingKey::from_rsa_pem(&public).map_err(KeyError::from)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    Ok(jsonwebtoken::decode::<T>(token, &decoding, &validation)
        .ok()
        .map(|data| data.claims))
}
