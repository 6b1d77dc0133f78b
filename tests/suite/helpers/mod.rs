//! What the feature tests share, one job a module. Feature modules import from here (and sign
//! with `test_idp`), never from one another.
//!
//! - `store`: a fresh store per test (SQLite file or PostgreSQL database), `Domain` for tests
//!   without HTTP.
//! - `app`: the real server on a loopback port (`spawn_app*`, `TestApp`), started from
//!   `test_settings`, the one place test settings are made.
//! - `requests`: requests on the test app (`url`, `get`, `post_form`, `submit`, `scim`, ...).
//! - `people`: profiles and actors to seed the directory with.
//! - `processes`: whole `gatehouse` processes.

mod app;
mod people;
mod processes;
mod requests;
mod store;

pub use app::{PUBLIC_URL, TestApp, browser_builder, spawn_app, spawn_app_at, spawn_app_with};
pub use people::{csv, person, scim};
pub use processes::gatehouse_bin;
pub use requests::form_token;
pub use store::{Domain, TestStore, create_account, drop_postgres_database};
