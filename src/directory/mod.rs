//! The employee directory: accounts (companies), their people, roles, history and the
//! lifecycle rules that SCIM, SAML, the admin pages and the CLI all go through.
//! Plain functions over a connection; nothing here knows about HTTP, XML or templates.

pub mod account_domains;
pub mod accounts;
pub mod alerts;
pub mod applications;
pub mod approvers;
pub mod audit;
pub mod clock;
pub mod csv_io;
pub mod employees;
pub mod entra_pins;
pub mod error;
pub mod events;
pub mod expiry;
pub mod groups;
pub mod history;
pub mod keys;
pub mod lifecycle;
pub mod provisioning_log;
pub mod reads;
pub mod search;
pub mod sessions;
pub mod webhooks;
pub mod zones;

pub use error::{DirectoryError, Refusal};

pub type Result<T, E = DirectoryError> = std::result::Result<T, E>;
