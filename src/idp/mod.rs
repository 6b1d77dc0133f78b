//! What an account knows and trusts about its identity provider (Entra ID): the entity id, the
//! sign-on URL, the signing certificates, and the SSO switches. Shared by SAML sign-in, the admin
//! pages and the CLI; knows nothing of HTTP.

pub mod alerts;
pub mod certificates;
pub mod endpoints;
pub mod metadata;
pub mod settings;

pub use certificates::{Certificate, CertificateError};
pub use settings::{NameIdMode, Role, TrustedCertificate};
