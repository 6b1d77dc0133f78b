//! SCIM 2.0 provisioning for Entra ID's provisioning service: /Users (with the lifecycle rules
//! of the directory), /Groups, discovery, errors, and the provisioning log.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod groups;
pub mod handlers;
pub mod input;
pub mod log_writer;
pub mod operations;
pub mod patch;
pub mod resource;
pub mod users;

pub use handlers::routes;
