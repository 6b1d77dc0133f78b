//! `GET /oauth/authorize` (OpenID Connect Core 3.1.2, RFC 9700): response type `code` only,
//! PKCE S256 (required of public clients), `state`, `nonce`, `prompt=none|login`, `max_age`,
//! `login_hint` and Gatehouse's `account=SLUG`. An unknown client or redirect URI gets an error
//! page, never a redirect; every other error goes back to the client with `iss` (RFC 9207).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::session_cookie;
use crate::auth::sessions::{self, SessionFacts};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::{DirectoryError, accounts, clock};
use crate::error::HttpError;
use crate::oidc::clients::{self, Client};
use crate::oidc::grants::{self, Request};
use crate::web::{pages, see_other, urlencode};

/// Scopes Gatehouse knows; others are dropped from the grant.
const SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "directory"];

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct AuthorizeQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    response_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_challenge_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_age: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    login_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    /// Set by us when `prompt=login` sends the person to sign in: only a sign-in at or after
    /// this instant (Unix milliseconds) answers the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_in_after: Option<i64>,
}

/// Where an error goes back to the client.
struct Back<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl Back<'_> {
    fn with(&self, mut params: Vec<(&str, String)>) -> HttpResponse {
        if let Some(state) = self.state {
            params.push(("state", state.to_owned()));
        }
        params.push(("iss", self.issuer.to_owned()));
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        see_other(&super::with_query(self.redirect_uri, &params))
    }

    fn error(&self, code: &str, description: &str) -> HttpResponse {
        self.with(vec![
            ("error", code.to_owned()),
            ("error_description", description.to_owned()),
        ])
    }
}

fn bad_request(message: &str) -> HttpResponse {
    pages::error_page(StatusCode::BAD_REQUEST, message)
}

pub async fn authorize(
    request: HttpRequest,
    query: web::Query<AuthorizeQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let query = query.into_inner();
    let Some(client_id) = query.client_id.clone() else {
        return Ok(bad_request(
            "The application did not say who it is (client_id).",
        ));
    };
    let lookup = client_id.clone();
    let client = db.run(move |c| clients::find(c, &lookup)).await?;
    let Some(client) = client else {
        return Ok(bad_request(
            "This application is not registered with Gatehouse.",
        ));
    };
    let Some(redirect_uri) = query
        .redirect_uri
        .clone()
        .filter(|u| client.allows_redirect(u))
    else {
        return Ok(bad_request(
            "The application asked to return to an address it has not registered.",
        ));
    };
    let issuer = settings.public_url.clone();
    let back = Back {
        redirect_uri: &redirect_uri,
        state: query.state.as_deref(),
        issuer: &issuer,
    };
    let checked = match check(&query, &client) {
        Ok(checked) => checked,
        Err((code, description)) => return Ok(back.error(code, description)),
    };
    let secret = session_cookie::secret_of(&request);
    let wanted_account = query.account.clone();
    let single = client.single_account().map(str::to_owned);
    let (session, account) = db
        .run(move |c| -> Result<_, DirectoryError> {
            let account = match (wanted_account, single) {
                (Some(slug), _) => accounts::find_by_slug(c, &slug)?,
                (None, Some(id)) => Some(accounts::by_id(c, &id)?),
                (None, None) => None,
            };
            let session = match secret {
                Some(secret) => sessions::facts(c, &secret)?,
                None => None,
            };
            Ok((session, account))
        })
        .await?;
    if let Some(account) = &account
        && !client.serves(&account.id)
    {
        return Ok(back.error(
            "access_denied",
            "this application does not serve that company",
        ));
    }
    // prompt=login never takes the session there is: the person signs in again first.
    let usable = session.filter(|s| {
        !checked.prompt_login
            && account.as_ref().is_none_or(|a| a.id == s.account_id)
            && fresh_enough(s, checked.max_age, query.signed_in_after)
    });
    match usable {
        Some(session) if !client.serves(&session.account_id) => Ok(back.error(
            "access_denied",
            "this application does not serve your company",
        )),
        Some(session) => {
            let code = issue_code(&db, &client, &session, &redirect_uri, &query, &checked).await?;
            Ok(back.with(vec![("code", code)]))
        }
        None if checked.prompt_none => {
            Ok(back.error("login_required", "the person is not signed in to Gatehouse"))
        }
        // The company as the client named it, known or not: the sign-in page treats both alike,
        // so the redirect tells nobody whether it exists.
        None => Ok(see_other(&sign_in_url(
            &query,
            query.account.clone().or(account.map(|a| a.slug)),
            checked.prompt_login,
        ))),
    }
}

struct Checked {
    scope: String,
    prompt_none: bool,
    prompt_login: bool,
    max_age: Option<i64>,
}

/// The request's own errors (RFC 6749 4.1.2.1), before anything about the person is known.
fn check(query: &AuthorizeQuery, client: &Client) -> Result<Checked, (&'static str, &'static str)> {
    if query.response_type.as_deref() != Some("code") {
        return Err((
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let asked: Vec<&str> = query
        .scope
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .collect();
    if !asked.contains(&"openid") {
        return Err(("invalid_scope", "the scope must include openid"));
    }
    let scope = SCOPES
        .iter()
        .filter(|s| asked.contains(s))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    match (
        query.code_challenge.as_deref(),
        query.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if (43..=128).contains(&challenge.len()) => {}
        (Some(_), Some("S256")) => return Err(("invalid_request", "malformed code_challenge")),
        (Some(_), _) => {
            return Err(("invalid_request", "code_challenge_method must be S256"));
        }
        (None, _) if client.public => {
            return Err(("invalid_request", "a public client must use PKCE with S256"));
        }
        (None, _) => {}
    }
    let prompts: Vec<&str> = query
        .prompt
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .collect();
    let prompt_none = prompts.contains(&"none");
    let prompt_login = prompts.contains(&"login");
    if prompt_none && prompts.len() > 1 {
        return Err(("invalid_request", "prompt=none cannot be combined"));
    }
    let max_age = match query.max_age.as_deref() {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(seconds) if seconds >= 0 => Some(seconds),
            _ => return Err(("invalid_request", "max_age must be a number of seconds")),
        },
    };
    Ok(Checked {
        scope,
        prompt_none,
        prompt_login,
        max_age,
    })
}

fn fresh_enough(session: &SessionFacts, max_age: Option<i64>, after: Option<i64>) -> bool {
    let auth_time = session.auth_time.and_utc();
    let now = clock::now().and_utc();
    max_age.is_none_or(|max| now.timestamp() - auth_time.timestamp() <= max)
        && after.is_none_or(|after| auth_time.timestamp_millis() >= after)
}

async fn issue_code(
    db: &Db,
    client: &Client,
    session: &SessionFacts,
    redirect_uri: &str,
    query: &AuthorizeQuery,
    checked: &Checked,
) -> Result<String, HttpError> {
    let (client, session, redirect_uri) =
        (client.clone(), session.clone(), redirect_uri.to_owned());
    let (scope, nonce, challenge) = (
        checked.scope.clone(),
        query.nonce.clone(),
        query.code_challenge.clone(),
    );
    Ok(db
        .run(move |conn| {
            db::write(conn, |c| {
                let code = grants::begin(
                    c,
                    &session,
                    &Request {
                        client_id: &client.id,
                        redirect_uri: &redirect_uri,
                        scope: &scope,
                        nonce: nonce.as_deref(),
                        code_challenge: challenge.as_deref(),
                    },
                )?;
                clients::record_use(c, &client.id, &session.account_id)?;
                Ok::<_, DirectoryError>(code)
            })
        })
        .await?)
}

/// The sign-in page, coming back to this same request afterwards (without `prompt`, so it is
/// not asked again; with `signed_in_after` when `prompt=login` asked for a fresh sign-in).
fn sign_in_url(query: &AuthorizeQuery, account: Option<String>, fresh: bool) -> String {
    let again = AuthorizeQuery {
        prompt: None,
        signed_in_after: match fresh {
            true => Some(clock::now().and_utc().timestamp_millis()),
            false => query.signed_in_after,
        },
        ..query.clone()
    };
    let next = format!(
        "/oauth/authorize?{}",
        serde_urlencoded::to_string(&again).unwrap_or_default()
    );
    let mut url = format!("/login?next={}", urlencode(&next));
    if let Some(slug) = account {
        url.push_str(&format!("&account={}", urlencode(&slug)));
    }
    if let Some(hint) = &query.login_hint {
        url.push_str(&format!("&login_hint={}", urlencode(hint)));
    }
    url
}
