//! Identifier-first sign-in: where a person goes once they typed their work email.
//!
//! The answer depends only on facts about the *company* (which account, and whether its SSO
//! is on), never on whether the address belongs to anyone or to a federated person: an unknown
//! address at a company's domain goes where a known one goes, and a company nobody has goes
//! where a company without SSO goes. Who may then use a password is `local_login`'s rule,
//! applied only after a right password.

use crate::db::DbConnection;
use crate::directory::Result;
use crate::directory::account_domains::{self, Found};

/// The step after the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// The account signs its people in with Microsoft: its SP-initiated start.
    Microsoft { slug: String },
    /// The password step. `account` is the slug its form carries: only a company the request
    /// named. One found by the address's domain is found again from the address when the
    /// password is posted, so this step looks the same whether or not anyone lists the domain.
    /// `microsoft` is the company's slug when it has SSO on (the person chose a password):
    /// the page offers Microsoft too.
    Password {
        account: Option<String>,
        microsoft: Option<String>,
    },
}

/// Where `address` goes: Microsoft when its account (the one `named`, else the one listing the
/// address's domain) has SSO on, unless the person asked for the password step
/// (`wants_password`: break-glass admins, people removed from the federation).
pub fn next_step(
    conn: &mut DbConnection,
    named: Option<&str>,
    address: &str,
    wants_password: bool,
) -> Result<NextStep> {
    let (account, found) = account_domains::resolve(conn, named, address)?;
    let microsoft = account
        .filter(|a| a.sso_enabled && a.idp_sso_url.is_some())
        .map(|a| a.slug);
    if let Some(slug) = &microsoft
        && !wants_password
    {
        return Ok(NextStep::Microsoft { slug: slug.clone() });
    }
    Ok(NextStep::Password {
        microsoft,
        account: match found {
            Found::Named => named.map(|slug| slug.trim().to_owned()),
            Found::ByDomain | Found::Nowhere => None,
        },
    })
}
