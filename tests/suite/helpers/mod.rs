//! What the feature tests share, one job a module. Feature modules import from here (and sign
//! with `test_idp`, the test identity provider), never from one another.
//!
//! - `store`: a fresh store per test (SQLite file or PostgreSQL database), `Domain` for tests
//!   without HTTP.
//! - `app`: the real server on a loopback port (`spawn_app*`, `TestApp`), started from
//!   `test_settings`, the one place test settings are made.
//! - `requests`: requests on the test app (`url`, `get`, `post_form`, `submit`, `scim`, ...).
//! - `people`: profiles and actors to seed the directory with.
//! - `processes`: whole `gatehouse` processes (`Server`).
//! - `sso`: account "acme" trusting the test IdP, Ann provisioned (`sso_app`, `Sso`).
//! - `scim`: account "acme" with a SCIM token (`scim_app`, `Scim`), Entra-shaped bodies.
//! - `admin`: a signed-in setup admin (`console`, `Console`, `signed_in`).
//! - `mail`: an SMTP sink and the settings that deliver to it.
//! - `api`: the directory API as the HR application calls it (`api_client`, `Api`).

pub mod admin;
pub mod api;
mod app;
pub mod mail;
mod people;
pub mod processes;
mod requests;
pub mod scim;
pub mod sso;
mod store;

pub use app::{PUBLIC_URL, TestApp, spawn_app, spawn_app_at, spawn_app_with};
pub use people::{cli, csv, person, scim, system};
pub use processes::{gatehouse_bin, run_cli, stderr_of};
pub use requests::{location, query_param};
pub use store::{Domain, TestStore, create_account, drop_postgres_database};
