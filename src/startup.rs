//! Composition root: settings in, a running server out. Tests build the same `Application`
//! on port 0.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};

use crate::config::Settings;
use crate::db::Db;
use crate::error::Error;
use crate::web;

pub struct Application {
    port: u16,
    db: Db,
    server: Server,
}

impl Application {
    /// Opens the store (creating and migrating it as needed) and binds the listener. Fails with a
    /// message when the store or the address cannot be had.
    pub fn build(settings: Settings) -> Result<Application, Error> {
        crate::web::pages::check().map_err(Error::Templates)?;
        let db = Db::open(&settings.store, settings.db_pool_size)?;
        let listener = TcpListener::bind(&settings.bind).map_err(|source| Error::Bind {
            address: settings.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the listening address", e))?
            .port();
        spawn_housekeeping(db.clone(), settings.retention());
        crate::oidc::backchannel::start(db.clone(), settings.public_url.clone())
            .map_err(|e| Error::io("cannot start the back-channel logout sender", e))?;
        crate::api::webhooks::start(db.clone(), settings.webhooks_allow_private)
            .map_err(|e| Error::io("cannot start the webhook senders", e))?;
        if let Some(smtp) = settings.smtp.clone() {
            crate::auth::mail_sender::start(db.clone(), smtp);
        }
        let server = serve(listener, db.clone(), settings)?;
        Ok(Application { port, db, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// Runs until SIGINT or SIGTERM, then finishes requests in flight (up to 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// One turn of the housekeeping: the account alerts are checked every turn ("failing for an
/// hour" is noticed within this much of the hour), the purge every `PURGE_EVERY` turns.
const ALERT_CHECK: Duration = Duration::from_secs(300);
const PURGE_EVERY: u32 = 12;

/// The housekeeping, safe on every instance at once: the clean-up (plain deletes of expired
/// rows) at the start and hourly; the account alerts every five minutes from five minutes
/// after the start (each raised once, by whichever instance sees it first).
fn spawn_housekeeping(db: Db, retention: crate::directory::expiry::Retention) {
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(ALERT_CHECK);
        for turn in 0u32.. {
            every.tick().await;
            if turn % PURGE_EVERY == 0 {
                let purged = db
                    .run(move |conn| {
                        crate::db::write(conn, |c| {
                            crate::directory::expiry::housekeeping(c, retention)
                        })
                    })
                    .await;
                match purged {
                    Ok(purged) if purged.total() > 0 => log::info!("housekeeping {purged}"),
                    Ok(_) => {}
                    Err(error) => log::warn!("housekeeping failed: {error}"),
                }
            }
            if turn == 0 {
                continue;
            }
            match db.run(crate::auth::alert_mail::raise_due).await {
                Ok(raised) => raised.iter().for_each(|r| log::info!("housekeeping: {r}")),
                Err(error) => log::warn!("housekeeping: the alert check failed: {error}"),
            }
        }
    });
}

fn serve(listener: TcpListener, db: Db, settings: Settings) -> Result<Server, Error> {
    let https = settings.is_https();
    let log_writer = actix_web::web::Data::new(
        crate::scim::log_writer::LogWriter::start(db.clone())
            .map_err(|e| Error::io("cannot start the provisioning log writer", e))?,
    );
    let limiter = actix_web::web::Data::new(crate::auth::login_limiter::LoginLimiter::per_minute(
        settings.login_rate_per_minute,
    ));
    let hashing = actix_web::web::Data::new(
        crate::auth::hashing::Hashing::new(settings.password_hashing)
            .map_err(|e| Error::io("cannot start the password hashing threads", e))?,
    );
    let db = actix_web::web::Data::new(db);
    let settings = actix_web::web::Data::new(settings.clone());
    let workers = settings.workers;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(web::headers::security_headers(https))
            .wrap(web::logging::request_logger())
            .wrap_fn(|request, service| {
                use actix_web::dev::Service;
                let started = std::time::Instant::now();
                let route = request
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".into());
                let method = request.method().to_string();
                let answer = service.call(request);
                async move {
                    let response = answer.await?;
                    web::metrics::observe(&route, &method, response.status(), started.elapsed());
                    Ok(response)
                }
            })
            .app_data(db.clone())
            .app_data(settings.clone())
            .app_data(log_writer.clone())
            .app_data(limiter.clone())
            .app_data(hashing.clone())
            .configure(crate::routes::configure)
            .default_service(actix_web::web::to(web::pages::not_found))
    })
    .workers(workers)
    .shutdown_timeout(10)
    .client_request_timeout(Duration::from_secs(30))
    .listen(listener)
    .map_err(|e| Error::io("cannot start the HTTP server", e))?
    .run();
    Ok(server)
}
