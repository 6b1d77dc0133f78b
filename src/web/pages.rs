use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use tera::{Context, Tera};

/// Templates compiled into the binary, parsed once; they hold no request state.
/// The built-in templates, parsed once. `check` runs at startup, so a server whose templates
/// do not parse never starts, and no request path can panic on them.
static TEMPLATES: LazyLock<Result<Tera, tera::Error>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates([
        ("base.html", include_str!("../../templates/base.html")),
        ("error.html", include_str!("../../templates/error.html")),
        ("home.html", include_str!("../../templates/home.html")),
        ("login.html", include_str!("../../templates/login.html")),
        (
            "login_password.html",
            include_str!("../../templates/login_password.html"),
        ),
        ("notice.html", include_str!("../../templates/notice.html")),
        (
            "password_set.html",
            include_str!("../../templates/password_set.html"),
        ),
        ("forgot.html", include_str!("../../templates/forgot.html")),
        (
            "logout_confirm.html",
            include_str!("../../templates/logout_confirm.html"),
        ),
    ])
    .and_then(|()| tera.add_raw_templates(ADMIN_TEMPLATES))?;
    Ok(tera)
});

/// Whether the built-in templates parse (with the reason when not).
pub fn check() -> Result<(), String> {
    TEMPLATES.as_ref().map(|_| ()).map_err(|e| format!("{e:?}"))
}

macro_rules! admin_templates {
    ($($name:literal),* $(,)?) => {
        [$((concat!("admin/", $name), include_str!(concat!("../../templates/admin/", $name)))),*]
    };
}

const ADMIN_TEMPLATES: [(&str, &str); 11] = admin_templates!(
    "layout.html",
    "overview.html",
    "integration.html",
    "certificate_preview.html",
    "employees.html",
    "employee.html",
    "confirm.html",
    "logs.html",
    "import.html",
    "import_preview.html",
    "tenant_move.html",
);

pub fn render(template: &str, context: &Context) -> Result<String, tera::Error> {
    match TEMPLATES.as_ref() {
        Ok(tera) => tera.render(template, context),
        Err(error) => Err(tera::Error::msg(format!(
            "the templates do not parse: {error}"
        ))),
    }
}

/// A plain-language error page for people: status, one sentence, a way back.
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    render_error(status, message, None)
}

/// The same, with a short error code the person can pass on to their administrator, and the
/// one thing they can do about it when there is one (`next_step`).
pub fn error_page_with_code(status: StatusCode, message: &str, code: &str) -> HttpResponse {
    render_error(status, message, Some(code))
}

/// A link on a refusal page: where to go, and what the button says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NextStep {
    pub href: &'static str,
    pub label: &'static str,
}

/// What a person can do after a refused sign-in, by the code on the page (the codes are
/// `saml::failure`'s, stable because people read them out to their administrator). `login` is
/// relative on purpose: these pages answer at `/saml/{slug}/acs`, so it is that company's
/// `/saml/{slug}/login`, which starts a fresh sign-in from the application's side.
pub fn next_step(code: &str) -> Option<NextStep> {
    let again = NextStep {
        href: "login",
        label: "Sign in again",
    };
    let password = NextStep {
        href: "/login",
        label: "Sign in with your password",
    };
    match code {
        "replay" | "unknown_request" | "expired" | "other_browser" => Some(again),
        "idp_initiated_disabled" => Some(NextStep {
            label: "Start from the application's sign-in link",
            ..again
        }),
        "defederated" | "sso_disabled" => Some(password),
        _ => None,
    }
}

fn render_error(status: StatusCode, message: &str, code: Option<&str>) -> HttpResponse {
    let mut context = Context::new();
    context.insert("error_code", &code);
    context.insert("next_step", &code.and_then(next_step));
    context.insert("status", &status.as_u16());
    context.insert("title", status.canonical_reason().unwrap_or("Error"));
    context.insert("message", message);
    match render("error.html", &context) {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(error) => {
            log::error!("error page failed to render: {error}");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(message.to_owned())
        }
    }
}

/// Renders a page for people; a template that fails to render is our bug, shown as a plain 500.
pub fn page(template: &str, context: &Context) -> HttpResponse {
    page_with(StatusCode::OK, template, context)
}

pub fn page_with(status: StatusCode, template: &str, context: &Context) -> HttpResponse {
    match render(template, context) {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(error) => {
            log::error!("{template} failed to render: {error}");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
        }
    }
}

/// A short page with a title, a sentence and optionally one button.
pub fn notice(
    status: StatusCode,
    title: &str,
    message: &str,
    action: Option<(&str, &str)>,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("title", title);
    context.insert("message", message);
    context.insert("action_url", &action.map(|a| a.0));
    context.insert("action_label", &action.map(|a| a.1));
    page_with(status, "notice.html", &context)
}

pub async fn not_found() -> HttpResponse {
    error_page(StatusCode::NOT_FOUND, "There is no page at this address.")
}

/// The answer to a form post without a valid CSRF token or from another site.
pub fn forged() -> HttpResponse {
    notice(
        StatusCode::FORBIDDEN,
        "Please try again",
        "This form has expired or was sent from another site. Reload the page and submit it again.",
        None,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_templates_parse() {
        assert_eq!(super::check(), Ok(()));
    }
}
