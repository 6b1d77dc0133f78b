//! The ID token (OpenID Connect Core 2): who signed in, for which client, signed RS256 with the
//! store's current key.

use serde::{Deserialize, Serialize};

use super::claims::{self, Person, SignIn};
use super::grants::{Grant, ID_TOKEN_LIFETIME, at_hash};
use super::keys;
use crate::db::DbConnection;
use crate::directory::{Result, clock};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdToken {
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    #[serde(flatten)]
    pub sign_in: SignIn,
    #[serde(flatten)]
    pub person: Person,
}

/// The ID token for a grant, alongside `access_token`.
pub fn issue(
    conn: &mut DbConnection,
    issuer: &str,
    grant: &Grant,
    access_token: &str,
) -> Result<String> {
    let now = clock::now().and_utc().timestamp();
    let token = IdToken {
        iss: issuer.to_owned(),
        aud: grant.client_id.clone(),
        exp: now + ID_TOKEN_LIFETIME.num_seconds(),
        iat: now,
        nonce: grant.nonce.clone(),
        at_hash: Some(at_hash(access_token)),
        sign_in: claims::sign_in(grant),
        person: claims::person(conn, grant)?,
    };
    keys::sign(conn, &token)
}

/// What logout needs of an `id_token_hint`: the client, the person, the session.
#[derive(Debug, Clone, Deserialize)]
pub struct Hint {
    pub aud: String,
    pub sub: String,
    pub sid: Option<String>,
}
