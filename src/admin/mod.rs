//! The admin console: server-rendered pages for an account's setup admins under `/admin`
//! (their paths are in `crate::routes`). Handlers are thin: they read a form, call
//! `directory`, `idp` or `auth` in one transaction, and render a template. The account is
//! always the signed-in admin's own (`guard`).

pub(crate) mod csv;
pub(crate) mod employees;
mod form;
mod guard;
pub(crate) mod integration;
pub(crate) mod logs;
pub(crate) mod overview;
pub(crate) mod tenant_move;
mod view;

pub use guard::IDLE_TIMEOUT;
