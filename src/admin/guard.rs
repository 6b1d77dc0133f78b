//! Who may see the admin pages: a signed-in, active setup admin of the account their session
//! belongs to. The account always comes from the session, never from the address, so an admin of
//! one account cannot name another's. Admin sessions also end after a spell of inactivity.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::Cookie;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use chrono::Duration;

use crate::auth::{csrf, session_cookie, sessions};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::accounts::{self, Account};
use crate::directory::employees::{self, Employee};
use crate::directory::history::Actor;
use crate::directory::{DirectoryError, clock};
use crate::idp::settings::{self, Expiry, TrustedCertificate};
use crate::web::{pages, urlencode};

/// An admin page left alone this long asks for the password (or SSO) again.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);

/// The signed-in setup admin, their account, and what every admin page shows.
pub struct Admin {
    pub account: Account,
    pub person: Employee,
    pub certificates: Vec<TrustedCertificate>,
    pub csrf: String,
    pub csrf_cookie: Option<Cookie<'static>>,
}

impl Admin {
    /// This admin as the person history and the account's audit trail name them.
    pub fn actor(&self) -> Actor {
        Actor::admin(&self.person.id).named(self.person.display_name())
    }

    /// The banner every admin page shows when a trusted certificate ends within 30 days.
    pub fn banner(&self) -> Option<String> {
        let now = clock::now();
        self.certificates
            .iter()
            .filter(|c| Expiry::of(c.not_after, now) >= Expiry::Within30Days)
            .min_by_key(|c| c.not_after)
            .map(|c| match Expiry::of(c.not_after, now) {
                Expiry::Expired => format!(
                    "The {} signing certificate ({}) has expired. Sign-ins signed with it fail: \
                     add Entra's current certificate on the Integration page.",
                    c.role, c.subject
                ),
                _ => format!(
                    "The {} signing certificate ({}) expires in {} day(s), on {} UTC. Add the new \
                     one from Entra as \"next\" on the Integration page before then.",
                    c.role,
                    c.subject,
                    Expiry::days_left(c.not_after, now),
                    c.not_after.format("%Y-%m-%d")
                ),
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("sign in first")]
    SignIn { next: String },
    #[error("not an administrator")]
    NotAdmin,
    #[error("the store is unavailable")]
    Unavailable,
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Rejection::SignIn { .. } => StatusCode::SEE_OTHER,
            Rejection::NotAdmin => StatusCode::FORBIDDEN,
            Rejection::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Rejection::SignIn { next } => {
                crate::web::see_other(&format!("/login?next={}", urlencode(next)))
            }
            Rejection::NotAdmin => pages::error_page(
                StatusCode::FORBIDDEN,
                "These pages are for your company's Gatehouse administrators. Ask one of them \
                 to give you the setup admin role.",
            ),
            Rejection::Unavailable => pages::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot reach its database right now. Please try again in a minute.",
            ),
        }
    }
}

enum Found {
    Admin(Box<(Account, Employee, Vec<TrustedCertificate>)>),
    SignIn,
    NotAdmin,
}

fn look_up(conn: &mut db::DbConnection, secret: &str) -> Result<Found, DirectoryError> {
    let Some(signed_in) = sessions::find(conn, secret)? else {
        return Ok(Found::SignIn);
    };
    if !db::write(conn, |c| sessions::touch(c, secret, IDLE_TIMEOUT))? {
        return Ok(Found::SignIn);
    }
    let person = employees::get_current(conn, &signed_in.account_id, &signed_in.user_id)?;
    if !person.is_setup_admin || !person.active {
        return Ok(Found::NotAdmin);
    }
    let account = accounts::by_id(conn, &signed_in.account_id)?;
    let certificates = settings::certificates(conn, &account.id)?;
    Ok(Found::Admin(Box::new((account, person, certificates))))
}

impl FromRequest for Admin {
    type Error = Rejection;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, Rejection>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let next = match request.query_string() {
                _ if request.method() != actix_web::http::Method::GET => "/admin".to_owned(),
                "" => request.path().to_owned(),
                query => format!("{}?{query}", request.path()),
            };
            let (Some(db), Some(settings)) = (
                request.app_data::<web::Data<Db>>(),
                request.app_data::<web::Data<Settings>>(),
            ) else {
                return Err(Rejection::Unavailable);
            };
            let Some(secret) = session_cookie::secret_of(&request) else {
                return Err(Rejection::SignIn { next });
            };
            let found = db
                .run(move |conn| look_up(conn, &secret))
                .await
                .map_err(|error| {
                    log::error!("admin session lookup failed: {error}");
                    Rejection::Unavailable
                })?;
            match found {
                Found::SignIn => Err(Rejection::SignIn { next }),
                Found::NotAdmin => Err(Rejection::NotAdmin),
                Found::Admin(found) => {
                    let (account, person, certificates) = *found;
                    let (csrf, csrf_cookie) = csrf::token_for(&request, settings.is_https())
                        .map_err(|error| {
                            log::error!("no randomness for the form token: {error}");
                            Rejection::Unavailable
                        })?;
                    Ok(Admin {
                        account,
                        person,
                        certificates,
                        csrf,
                        csrf_cookie,
                    })
                }
            }
        })
    }
}
