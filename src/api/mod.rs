//! The directory API of the HR application (`/api/v1`): read endpoints, the change feed and
//! webhooks. A confidential OpenID Connect client reads with a `client_credentials` token of
//! scope `directory.read`, and only the accounts it serves. Errors are RFC 9457 problem details
//! (`problem`). `webhooks` delivers the same events to the clients' endpoints. It imports
//! neither `saml`, `scim` nor `oidc`: what it shares with them lives in `directory` and `auth`.

pub mod access;
pub mod cursor;
pub mod employees;
pub mod events;
pub mod model;
pub mod openapi;
pub mod organisation;
pub mod params;
pub mod problem;
pub mod webhooks;
