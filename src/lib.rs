//! Gatehouse: Microsoft Entra ID sign-in and provisioning for an employee directory.
//! See ARCHITECTURE.md for where things live and the rules between modules.

pub mod admin;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod idp;
pub mod oidc;
pub mod routes;
pub mod saml;
pub mod scim;
pub mod startup;
pub mod web;
