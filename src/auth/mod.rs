//! Who is signed in: sessions in the store, the session cookie, and the journal of every
//! sign-in attempt. Shared by SAML, local passwords and the admin pages.

pub mod alert_mail;
pub mod browser;
pub mod client_tokens;
pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod hashing;
pub mod identify;
pub mod journal;
pub mod local_login;
pub mod login_limiter;
pub mod mail_sender;
pub mod outbox;
pub mod password_links;
pub mod password_routes;
pub mod passwords;
pub mod routes;
pub mod scim_tokens;
pub mod session_cookie;
pub mod sessions;
pub mod sso_admission;
pub mod tokens;
