//! HTTP for local passwords: the sign-in page, the one-time link page, "forgot password".

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;

use super::credentials::{self, LinkPurpose};
use super::hashing::{Hashing, HashingError};
use super::identify::{self, NextStep};
use super::local_login::{self, PasswordAttempt};
use super::login_limiter::LoginLimiter;
use super::passwords::{self, Verified};
use super::{browser, csrf, password_links, session_cookie, sessions};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::employees;
use crate::directory::history::{Actor, Source};
use crate::directory::{DirectoryError, accounts};
use crate::error::HttpError;
use crate::web::local_path::local_path;
use crate::web::pages;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    /// The company, when the link or the client names it (`/login?account=SLUG`).
    account: Option<String>,
    /// The address to fill in (the OIDC authorize endpoint passes its `login_hint` on).
    login_hint: Option<String>,
    next: Option<String>,
}

/// Renders a form page with its CSRF token, setting the token cookie if the browser has none.
fn form_page(
    request: &HttpRequest,
    secure: bool,
    status: StatusCode,
    template: &str,
    mut context: Context,
) -> HttpResponse {
    let (token, cookie) = match csrf::token_for(request, secure) {
        Ok(token) => token,
        Err(error) => return HttpError::from(error).error_response(),
    };
    context.insert("csrf", &token);
    let mut response = pages::page_with(status, template, &context);
    if let Some(cookie) = cookie
        && let Err(error) = response.add_cookie(&cookie)
    {
        log::warn!("cannot set the form cookie: {error}");
    }
    response
}

/// The company a form names: trimmed, empty when none, never longer than a slug can be.
fn named(account: Option<&str>) -> &str {
    account
        .map(str::trim)
        .filter(|a| a.len() <= 100)
        .unwrap_or_default()
}

/// The sign-in page of a company (`/a/{slug}/login`), or of none (`/login`).
fn sign_in_url(account: &str, next: &str) -> String {
    let next = match next {
        "/" => String::new(),
        next => format!("?next={}", crate::web::urlencode(next)),
    };
    match account {
        "" => format!("/login{next}"),
        slug => format!("/a/{}/login{next}", crate::web::urlencode(slug)),
    }
}

/// Step 1: the work email alone (the company fixed when known).
fn email_page(
    request: &HttpRequest,
    secure: bool,
    status: StatusCode,
    account: &str,
    login_hint: &str,
    next: &str,
    message: Option<&str>,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("account", account);
    context.insert("login_hint", login_hint);
    context.insert("next", next);
    context.insert("message", &message);
    context.insert("tone", "error");
    form_page(request, secure, status, "login.html", context)
}

/// What step 2, the password, shows.
struct PasswordStep<'a> {
    /// The company the form carries: only one the request named (see `identify::NextStep`).
    account: &'a str,
    /// The company's slug when it signs people in with Microsoft: a fact about the company,
    /// shown alike to everyone, never about the person.
    sso_slug: Option<&'a str>,
    login: &'a str,
    next: &'a str,
}

fn password_page(
    request: &HttpRequest,
    secure: bool,
    status: StatusCode,
    step: &PasswordStep,
    message: Option<&str>,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("account", step.account);
    let forgot = match step.account {
        "" => "/password/forgot".to_owned(),
        slug => format!("/password/forgot?account={}", crate::web::urlencode(slug)),
    };
    context.insert("forgot_url", &forgot);
    context.insert("change_url", &sign_in_url(step.account, step.next));
    context.insert(
        "sso_url",
        &step
            .sso_slug
            .map(|slug| microsoft_url(slug, step.next, Some(step.login))),
    );
    context.insert("login", step.login);
    context.insert("next", step.next);
    context.insert("message", &message);
    context.insert("tone", "error");
    form_page(request, secure, status, "login_password.html", context)
}

/// The company's SP-initiated start, with `next` as the RelayState and the typed address as
/// Entra's login hint (`saml::authn_request::redirect_url` passes it on).
fn microsoft_url(slug: &str, next: &str, login_hint: Option<&str>) -> String {
    let hint = login_hint
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| format!("&login_hint={}", crate::web::urlencode(h)))
        .unwrap_or_default();
    format!(
        "/saml/{}/login?RelayState={}{hint}",
        crate::web::urlencode(slug),
        crate::web::urlencode(next)
    )
}

/// `GET /login[?account=SLUG][&login_hint=EMAIL][&next=/path]`: step 1.
pub async fn login_form(
    request: HttpRequest,
    query: web::Query<LoginQuery>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let query = query.into_inner();
    email_form(&request, &settings, named(query.account.as_deref()), &query)
}

/// `GET /a/{slug}/login`: step 1 of that company, the sign-in URL of every mail we send. An
/// unknown slug shows the same page as a company without SSO.
pub async fn account_login_form(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<LoginQuery>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let slug = slug.into_inner();
    email_form(&request, &settings, named(Some(&slug)), &query.into_inner())
}

fn email_form(
    request: &HttpRequest,
    settings: &Settings,
    account: &str,
    query: &LoginQuery,
) -> HttpResponse {
    let next = query.next.as_deref().and_then(local_path).unwrap_or("/");
    let hint = query
        .login_hint
        .as_deref()
        .map(str::trim)
        .filter(|h| h.len() <= 256)
        .unwrap_or_default();
    email_page(
        request,
        settings.is_https(),
        StatusCode::OK,
        account,
        hint,
        next,
        None,
    )
}

#[derive(Deserialize)]
pub struct IdentifyForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    next: String,
    /// `password`: the person chose the password step over Microsoft.
    #[serde(default)]
    method: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /login/identify`: the address typed, on to Microsoft or to the password step. Where it
/// goes depends on the company alone (`identify::next_step`), so nothing here tells whether the
/// address belongs to anyone.
pub async fn identify(
    request: HttpRequest,
    form: web::Form<IdentifyForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.into_inner();
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(pages::forged());
    }
    let secure = settings.is_https();
    let next = local_path(&form.next).unwrap_or("/").to_owned();
    let account = named(Some(&form.account)).to_owned();
    let email = form.email.trim().to_owned();
    if email.is_empty() || email.len() > 256 {
        return Ok(email_page(
            &request,
            secure,
            StatusCode::BAD_REQUEST,
            &account,
            "",
            &next,
            Some("Type your work email."),
        ));
    }
    let wants_password = form.method == "password";
    let (asked, typed) = (account.clone(), email.clone());
    let step = db
        .run(move |conn| identify::next_step(conn, Some(&asked), &typed, wants_password))
        .await?;
    Ok(match step {
        NextStep::Microsoft { slug } => {
            crate::web::see_other(&microsoft_url(&slug, &next, Some(&email)))
        }
        NextStep::Password { account, microsoft } => password_page(
            &request,
            secure,
            StatusCode::OK,
            &PasswordStep {
                account: account.as_deref().unwrap_or_default(),
                sso_slug: microsoft.as_deref(),
                login: &email,
                next: &next,
            },
            None,
        ),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    /// Empty when the request named no company: then the login's domain says which.
    #[serde(default)]
    account: String,
    login: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf: String,
}

const WRONG: &str = "The address or password is wrong.";

pub async fn login(
    request: HttpRequest,
    form: web::Form<LoginForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    limiter: web::Data<LoginLimiter>,
    hashing: web::Data<Hashing>,
) -> Result<HttpResponse, HttpError> {
    let form = form.into_inner();
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(pages::forged());
    }
    let secure = settings.is_https();
    let next = local_path(&form.next).unwrap_or("/").to_owned();
    let account = named(Some(&form.account)).to_owned();
    let step = |sso_slug| PasswordStep {
        account: &account,
        sso_slug,
        login: &form.login,
        next: &next,
    };
    if !limiter.allows(&request, &settings.trusted_proxies) {
        return Ok(password_page(
            &request,
            secure,
            StatusCode::TOO_MANY_REQUESTS,
            &step(None),
            Some("Too many attempts from your network. Please wait a minute and try again."),
        ));
    }
    let (slug, login) = (account.clone(), form.login.clone());
    let company_sso = |attempt: &PasswordAttempt| {
        attempt
            .account
            .as_ref()
            .filter(|a| a.sso_enabled)
            .map(|a| a.slug.clone())
    };
    let attempt: PasswordAttempt = db
        .run(move |conn| local_login::look_up(conn, &slug, &login))
        .await?;
    let password = form.password.clone();
    let stored = attempt.checkable_hash().map(str::to_owned);
    let verdict = hashing
        .run(move || match stored {
            Some(stored) => match passwords::verify(&password, &stored) {
                // A failed rehash keeps the old hash: the sign-in itself succeeded.
                Verified::Yes { needs_rehash: true } => (true, passwords::hash(&password).ok()),
                Verified::Yes {
                    needs_rehash: false,
                } => (true, None),
                Verified::No => (false, None),
            },
            None => {
                passwords::verify_dummy(&password);
                (false, None)
            }
        })
        .await;
    // Too many attempts queued: a busy answer, not a counted failure.
    let verdict = match verdict {
        Ok(verdict) => verdict,
        Err(HashingError::Failed) => return Err(HttpError::Internal),
        Err(HashingError::Busy) => {
            return Ok(password_page(
                &request,
                secure,
                StatusCode::SERVICE_UNAVAILABLE,
                &step(company_sso(&attempt).as_deref()),
                Some("Too many sign-ins right now. Please try again in a moment."),
            ));
        }
    };
    // A federated person is sent to Microsoft only once the password was right: before that,
    // every refusal looks the same, so a stranger cannot tell a federated name from a wrong one.
    if verdict.0
        && let Some(slug) = attempt.sso_slug().map(str::to_owned)
    {
        let noted = attempt.clone();
        db.run(move |conn| db::write(conn, |c| local_login::record_sso_redirect(c, &noted)))
            .await?;
        return Ok(pages::notice(
            StatusCode::OK,
            "Sign in with Microsoft",
            "Your company signs you in with your Microsoft account.",
            Some((
                &microsoft_url(&slug, &next, Some(&form.login)),
                "Sign in with Microsoft",
            )),
        ));
    }
    let (browser, browser_cookie) = browser::value_for(&request, browser::BROWSER, secure)?;
    let here = sessions::InBrowser {
        browser: Some(browser),
        previous_session: session_cookie::secret_of(&request),
    };
    let outcome = attempt.clone();
    let session = db
        .run(move |conn| {
            db::write(conn, |c| match verdict {
                (true, fresh) => local_login::succeed(c, &outcome, &here, fresh.as_deref()),
                (false, _) => local_login::fail(c, &outcome).map(|()| None),
            })
        })
        .await?;
    Ok(match session {
        Some(session) => HttpResponse::SeeOther()
            .cookie(session_cookie::issue(&session, secure))
            .cookie(browser_cookie)
            .insert_header((header::LOCATION, next))
            .finish(),
        None => password_page(
            &request,
            secure,
            StatusCode::UNAUTHORIZED,
            &step(company_sso(&attempt).as_deref()),
            Some(WRONG),
        ),
    })
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn link_gone() -> HttpResponse {
    pages::notice(
        StatusCode::BAD_REQUEST,
        "This link no longer works",
        "Password links work once and for 24 hours. Ask for a new one on the sign-in page or from your administrator.",
        Some(("/password/forgot", "Get a new link")),
    )
}

fn set_page(
    request: &HttpRequest,
    secure: bool,
    status: StatusCode,
    token: &str,
    user_name: &str,
    message: Option<&str>,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("token", token);
    context.insert("user_name", user_name);
    context.insert("message", &message);
    form_page(request, secure, status, "password_set.html", context)
}

/// The current person a link is for, while the link works.
async fn link_holder(db: &Db, token: &str) -> Result<Option<employees::Employee>, HttpError> {
    let token = token.to_owned();
    Ok(db
        .run(move |conn| match credentials::link_holder(conn, &token)? {
            Some((account, employee)) => {
                employees::get_current(conn, &account, &employee).map(Some)
            }
            None => Ok(None),
        })
        .await?)
}

pub async fn set_form(
    request: HttpRequest,
    query: web::Query<TokenQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let Some(token) = query.into_inner().token else {
        return Ok(link_gone());
    };
    let holder = link_holder(&db, &token).await?;
    Ok(match holder {
        Some(person) => set_page(
            &request,
            settings.is_https(),
            StatusCode::OK,
            &token,
            &person.user_name,
            None,
        ),
        None => link_gone(),
    })
}

#[derive(Deserialize)]
pub struct SetForm {
    token: String,
    password: String,
    confirm: String,
    #[serde(default)]
    csrf: String,
}

pub async fn set(
    request: HttpRequest,
    form: web::Form<SetForm>,
    db: web::Data<Db>,
    hashing: web::Data<Hashing>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.into_inner();
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(pages::forged());
    }
    let holder = link_holder(&db, &form.token).await?;
    let Some(person) = holder else {
        return Ok(link_gone());
    };
    if let Err(refused) = passwords::check_policy(
        &form.password,
        &form.confirm,
        &person.user_name,
        &person.email,
    ) {
        return Ok(set_page(
            &request,
            settings.is_https(),
            StatusCode::BAD_REQUEST,
            &form.token,
            &person.user_name,
            Some(&refused.to_string()),
        ));
    }
    let password = form.password;
    let hashed = hashing
        .run(move || passwords::hash(&password))
        .await
        .map_err(|refused| match refused {
            HashingError::Busy => HttpError::Unavailable,
            HashingError::Failed => HttpError::Internal,
        })?
        .map_err(|error| {
            log::error!("cannot hash a new password: {error}");
            HttpError::Internal
        })?;
    let token = form.token;
    let admin = person.is_setup_admin;
    let keep = session_cookie::secret_of(&request);
    let slug = db
        .run(move |conn| {
            db::write(conn, |c| -> crate::directory::Result<Option<String>> {
                // The link is checked again inside the transaction: two tabs cannot both use it.
                if credentials::link_holder(c, &token)?.is_none() {
                    return Ok(None);
                }
                credentials::set_password(
                    c,
                    &person,
                    &hashed,
                    &Actor::new(Source::System),
                    keep.as_deref(),
                )?;
                Ok(Some(accounts::by_id(c, &person.account_id)?.slug))
            })
        })
        .await?;
    // Setup admins come for the admin pages; everyone else for the application.
    let next = if admin { "/admin" } else { "/" };
    Ok(match slug {
        Some(slug) => pages::notice(
            StatusCode::OK,
            "Password saved",
            "Your password is set. Sign in with it now.",
            Some((&sign_in_url(&slug, next), "Sign in")),
        ),
        None => link_gone(),
    })
}

pub async fn forgot_form(
    request: HttpRequest,
    query: web::Query<LoginQuery>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let mut context = Context::new();
    context.insert("account", named(query.account.as_deref()));
    form_page(
        &request,
        settings.is_https(),
        StatusCode::OK,
        "forgot.html",
        context,
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    /// Empty when the page named no company: then the login's domain says which.
    #[serde(default)]
    account: String,
    login: String,
    #[serde(default)]
    csrf: String,
}

/// Always the same answer, whether or not the person exists or may use a password.
pub async fn forgot(
    request: HttpRequest,
    form: web::Form<ForgotForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    limiter: web::Data<LoginLimiter>,
) -> Result<HttpResponse, HttpError> {
    let answer = pages::notice(
        StatusCode::OK,
        "Check your email",
        "If this company has a person with that login who signs in with a password, a link to set a new one is on its way to their work email. It works once, for 24 hours.",
        None,
    );
    let form = form.into_inner();
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(pages::forged());
    }
    if !limiter.allows(&request, &settings.trusted_proxies) {
        return Ok(answer);
    }
    let public_url = settings.public_url.clone();
    db.run(move |conn| {
        let attempt = local_login::look_up(conn, &form.account, &form.login)?;
        let (Some(account), Some(person)) = (&attempt.account, &attempt.person) else {
            return Ok::<_, HttpError>(());
        };
        let sent = db::write(conn, |c| {
            password_links::send(c, account, person, LinkPurpose::Reset, &public_url)
        });
        match sent {
            Ok((_, queued)) => log::info!(
                "password reset link for {} of {} queued in the mail outbox as {queued}",
                person.id,
                account.slug
            ),
            // Whoever may not use a password gets the same answer and no mail.
            Err(DirectoryError::Refused(_)) => {}
            Err(other) => return Err(other.into()),
        }
        Ok(())
    })
    .await?;
    Ok(answer)
}
