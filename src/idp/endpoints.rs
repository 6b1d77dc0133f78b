//! The addresses of our side of the federation, per account: what an admin pastes into Entra ID
//! for single sign-on and for provisioning. Shared by the SAML endpoints and the admin pages.

use crate::directory::accounts::Account;

/// What an admin pastes into Entra ID's Basic SAML Configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpUrls {
    /// Identifier (Entity ID).
    pub entity_id: String,
    /// Reply URL (Assertion Consumer Service URL).
    pub acs_url: String,
    /// Sign-on URL.
    pub login_url: String,
    pub metadata_url: String,
    /// SCIM Tenant URL (provisioning), the same for every account: the token names the account.
    pub scim_url: String,
}

impl SpUrls {
    pub fn new(public_url: &str, slug: &str) -> SpUrls {
        let root = public_url.trim_end_matches('/');
        let base = format!("{root}/saml/{slug}");
        SpUrls {
            entity_id: base.clone(),
            acs_url: format!("{base}/acs"),
            login_url: format!("{base}/login"),
            metadata_url: format!("{base}/metadata"),
            scim_url: format!("{root}/scim/v2"),
        }
    }

    pub fn of(public_url: &str, account: &Account) -> SpUrls {
        SpUrls::new(public_url, &account.slug)
    }
}
