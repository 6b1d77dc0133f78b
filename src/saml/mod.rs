//! SAML 2.0 single sign-on as a service provider for Microsoft Entra ID: samael for XML
//! signatures and conditions, plus our own guards, one-time state and identity rules.

pub mod acs;
pub mod authn_request;
pub mod failure;
pub mod guards;
pub mod handlers;
pub mod identity;
pub mod pending;
pub mod sp;
pub mod verify;
