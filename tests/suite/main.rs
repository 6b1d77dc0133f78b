//! One test binary (one link): a module per feature. Every test gets a fresh store: a SQLite
//! file in a temporary folder, or a new PostgreSQL database when TEST_DATABASE_URL is set.

mod helpers;
mod test_idp;

mod admin;
mod alerts;
mod approvers;
mod architecture;
mod change_feed;
mod cli;
mod csv_formulas;
mod csv_import;
mod directory_api;
mod health;
mod instances;
mod lifecycle;
mod login_journal;
mod mail_outbox;
mod metrics_access;
mod oidc;
mod oidc_logout;
mod passwords;
mod people_pages;
mod processes;
mod rules;
mod saml;
mod saml_attacks;
mod saml_setup;
mod scim;
mod scim_hardening;
mod signin;
mod signin_tables;
mod transfer;
mod webhooks;
