//! Every URL Gatehouse answers, in one table: the path, the method and the handler. Handlers
//! carry no path of their own. SCIM plugs its own `configure`, because every SCIM resource type
//! has the same routes (listed there, and below as a comment).

use actix_web::http::Method;
use actix_web::middleware::DefaultHeaders;
use actix_web::web::{ServiceConfig, get, method, post, resource, scope};

use crate::admin::{csv, employees, integration, logs, overview, tenant_move};
use crate::api;
use crate::auth::{password_routes as password, routes as home};
use crate::oidc::endpoints as oidc;
use crate::saml::handlers as saml;
use crate::web::{assets, health, metrics};

pub fn configure(config: &mut ServiceConfig) {
    config
        // Health, telemetry and static files.
        .service(resource("/healthz").route(get().to(health::healthz)))
        .service(resource("/metrics").route(get().to(metrics::metrics)))
        .service(resource("/static/gatehouse.css").route(get().to(assets::stylesheet)))
        .service(resource("/static/admin.js").route(get().to(assets::admin_script)))
        // Signing in: the home page, Microsoft (SAML), local passwords.
        .service(resource("/").route(get().to(home::home)))
        .service(resource("/api/me").route(get().to(home::me)))
        .service(resource("/logout").route(post().to(home::logout)))
        .service(resource("/saml/{slug}/metadata").route(get().to(saml::metadata)))
        .service(resource("/saml/{slug}/login").route(get().to(saml::login)))
        .service(resource("/saml/{slug}/acs").route(post().to(saml::acs)))
        // Identifier-first: the work email (`/login`, or a company's own `/a/{slug}/login`),
        // then Microsoft or the password step, whose form posts to `/login`.
        .service(
            resource("/login")
                .route(get().to(password::login_form))
                .route(post().to(password::login)),
        )
        .service(resource("/login/identify").route(post().to(password::identify)))
        .service(resource("/a/{slug}/login").route(get().to(password::account_login_form)))
        .service(
            resource("/password/set")
                .route(get().to(password::set_form))
                .route(post().to(password::set)),
        )
        .service(
            resource("/password/forgot")
                .route(get().to(password::forgot_form))
                .route(post().to(password::forgot)),
        )
        // OpenID Connect: Gatehouse as the provider of the HR application. What a single-page
        // app calls from another origin answers CORS (no cookies are involved there).
        .service(cross_origin(
            resource("/.well-known/openid-configuration")
                .route(get().to(oidc::discovery::configuration)),
        ))
        .service(cross_origin(
            resource("/oauth/jwks").route(get().to(oidc::discovery::jwks)),
        ))
        .service(resource("/oauth/authorize").route(get().to(oidc::authorize::authorize)))
        .service(cross_origin(
            resource("/oauth/token").route(post().to(oidc::token::token)),
        ))
        .service(cross_origin(
            resource("/oauth/userinfo")
                .route(get().to(oidc::userinfo::userinfo))
                .route(post().to(oidc::userinfo::userinfo)),
        ))
        .service(cross_origin(
            resource("/oauth/revoke").route(post().to(oidc::revoke::revoke)),
        ))
        .service(
            resource("/oauth/logout")
                .route(get().to(oidc::logout::logout_get))
                .route(post().to(oidc::logout::logout_post)),
        )
        // Provisioning: /scim/v2/{Users,Groups}[/{id}], {Users,Groups}/.search, /.search,
        // /ServiceProviderConfig, /Schemas[/{id}], /ResourceTypes[/{id}].
        .configure(crate::scim::routes)
        .service(directory_api())
        .service(admin());
}

/// The directory API of the HR application; every answer, a miss included, is JSON.
fn directory_api() -> actix_web::Scope {
    scope("/api/v1")
        .app_data(actix_web::web::QueryConfig::default().error_handler(api::params::query_error))
        .service(resource("/openapi.json").route(get().to(api::openapi::serve)))
        .service(resource("/accounts/{slug}/employees").route(get().to(api::employees::list)))
        .service(
            resource("/accounts/{slug}/employees/{id}").route(get().to(api::employees::detail)),
        )
        .service(
            resource("/accounts/{slug}/employees/{id}/approvers")
                .route(get().to(api::employees::approvers)),
        )
        .service(
            resource("/accounts/{slug}/approvers/{id}/employees")
                .route(get().to(api::employees::approved)),
        )
        .service(
            resource("/accounts/{slug}/departments")
                .route(get().to(api::organisation::departments)),
        )
        .service(resource("/accounts/{slug}/groups").route(get().to(api::organisation::groups)))
        .service(resource("/accounts/{slug}/groups/{id}").route(get().to(api::organisation::group)))
        .service(resource("/accounts/{slug}/events").route(get().to(api::events::feed)))
        .service(resource("/accounts/{slug}/events/cursor").route(get().to(api::events::newest)))
        .default_service(actix_web::web::to(api::problem::no_such_path))
}

/// The admin console; the account is always the signed-in admin's own.
fn admin() -> actix_web::Scope {
    scope("/admin")
        .service(resource("").route(get().to(overview::page)))
        .service(resource("/integration").route(get().to(integration::page)))
        .service(resource("/integration/sso").route(post().to(integration::sso::switches)))
        .service(resource("/integration/idp").route(post().to(integration::idp::set)))
        .service(
            resource("/integration/metadata").route(post().to(integration::idp::metadata_upload)),
        )
        .service(
            resource("/integration/certificate/preview")
                .route(post().to(integration::certificates::preview)),
        )
        .service(
            resource("/integration/certificate/add")
                .route(post().to(integration::certificates::add)),
        )
        .service(
            resource("/integration/certificate/{id}/promote")
                .route(post().to(integration::certificates::promote)),
        )
        .service(
            resource("/integration/certificate/{id}/remove")
                .route(post().to(integration::certificates::remove)),
        )
        .service(
            resource("/integration/scim-token").route(post().to(integration::scim_token::issue)),
        )
        .service(
            resource("/integration/scim-token/revoke")
                .route(post().to(integration::scim_token::revoke)),
        )
        .service(resource("/integration/time-zone").route(post().to(integration::time_zone::set)))
        .service(resource("/integration/domains").route(post().to(integration::domains::add)))
        .service(
            resource("/integration/domains/remove").route(post().to(integration::domains::remove)),
        )
        .service(resource("/integration/webhooks").route(post().to(integration::webhooks::add)))
        .service(
            resource("/integration/webhooks/{id}/remove")
                .route(post().to(integration::webhooks::remove)),
        )
        .service(resource("/employees").route(get().to(employees::list)))
        .service(
            resource("/employees/{id}")
                .route(get().to(employees::detail))
                .route(post().to(employees::edit)),
        )
        .service(resource("/employees/{id}/roles").route(post().to(employees::change_roles)))
        .service(resource("/employees/{id}/activate").route(post().to(employees::activate)))
        .service(
            resource("/employees/{id}/release")
                .route(get().to(employees::release_confirm))
                .route(post().to(employees::release)),
        )
        .service(
            resource("/employees/{id}/defederate")
                .route(get().to(employees::defederate_confirm))
                .route(post().to(employees::defederate)),
        )
        .service(
            resource("/employees/{id}/password-link").route(post().to(employees::password_link)),
        )
        .service(resource("/logs").route(get().to(logs::page)))
        .service(resource("/import").route(get().to(csv::page)))
        .service(resource("/import/preview").route(post().to(csv::preview)))
        .service(resource("/import/apply").route(post().to(csv::apply)))
        .service(resource("/export.csv").route(get().to(csv::export)))
        .service(resource("/tenant-move").route(get().to(tenant_move::page)))
        .service(resource("/tenant-move/domains").route(post().to(tenant_move::domains)))
}

/// A resource any origin may call without credentials, with its CORS preflight.
fn cross_origin(resource: actix_web::Resource) -> impl actix_web::dev::HttpServiceFactory {
    resource
        .route(method(Method::OPTIONS).to(oidc::cors_preflight))
        .wrap(DefaultHeaders::new().add(("Access-Control-Allow-Origin", "*")))
}
