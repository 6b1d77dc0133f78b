//! Gatehouse as the OpenID Provider of the HR application (OpenID Connect Core 1.0, Discovery
//! 1.0, RFC 9700): Entra SAML or a local password upstream, OpenID Connect downstream. Every
//! piece of a flow is a row in the store, so any instance serves any step. Imports neither
//! `saml` nor `scim` nor `admin`.

pub mod backchannel;
pub mod claims;
pub mod clients;
pub mod endpoints;
pub mod error;
pub mod grants;
pub mod id_token;
pub mod keys;
