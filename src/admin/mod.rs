//! The admin console: server-rendered pages for an account's setup admins under `/admin`.
//! Handlers are thin: they read a form, call `directory`, `idp` or `auth` in one transaction,
//! and render a template. The account is always the signed-in admin's own (`guard`).

mod csv;
mod employees;
mod form;
mod guard;
mod integration;
mod logs;
mod overview;
mod tenant_move;
mod view;

pub use guard::IDLE_TIMEOUT;

use actix_web::web;

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/admin")
            .service(overview::page)
            .service(integration::page)
            .service(integration::sso::switches)
            .service(integration::idp::set)
            .service(integration::idp::metadata_upload)
            .service(integration::certificates::preview)
            .service(integration::certificates::add)
            .service(integration::certificates::action)
            .service(integration::scim_token::issue)
            .service(integration::scim_token::revoke)
            .service(integration::time_zone::set)
            .service(employees::list)
            .service(employees::detail)
            .service(employees::edit)
            .service(employees::change_roles)
            .service(employees::release_confirm)
            .service(employees::defederate_confirm)
            .service(employees::password_link)
            .service(employees::change_status)
            .service(logs::page)
            .service(csv::page)
            .service(csv::preview)
            .service(csv::apply)
            .service(csv::export)
            .service(tenant_move::page)
            .service(tenant_move::domains),
    );
}
