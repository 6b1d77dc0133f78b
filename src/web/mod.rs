//! Cross-cutting HTTP pieces: security headers, request logging, health, static assets and
//! the pages every feature shares (error page).

pub mod assets;
pub mod body;
pub mod headers;
pub mod health;
pub mod logging;
pub mod pages;
