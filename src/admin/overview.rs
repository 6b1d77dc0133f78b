//! `/admin`: the state of the account at a glance, and where to go next.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use tera::Context;

use super::guard::Admin;
use super::integration::certificate_view;
use super::view;
use crate::auth::scim_tokens;
use crate::db::Db;
use crate::directory::search::{self, Headcount, LogQuery};
use crate::error::HttpError;

#[derive(Serialize, Default)]
struct Counts {
    people: Headcount,
    failed_sign_ins: i64,
    failed_provisioning: i64,
}

pub async fn page(admin: Admin, db: web::Data<Db>) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let (counts, has_token, applications) = db
        .run(move |c| -> crate::directory::Result<_> {
            let since = Some(crate::directory::clock::now() - chrono::Duration::days(1));
            let failures = LogQuery {
                outcome: "failure".into(),
                from: since,
                ..LogQuery::default()
            };
            // Counted in the store: a flood of refusals must not be loaded to be counted.
            let counts = Counts {
                people: search::headcount(c, &account_id)?,
                failed_sign_ins: crate::auth::journal::attempts(c, &account_id, &failures)?,
                failed_provisioning: crate::directory::provisioning_log::count(
                    c,
                    &account_id,
                    &failures,
                )?,
            };
            let applications: Vec<(String, Option<String>)> =
                crate::directory::applications::used_by_account(c, &account_id)?
                    .into_iter()
                    .map(|(name, last)| {
                        (
                            name,
                            last.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
                        )
                    })
                    .collect();
            Ok((
                counts,
                scim_tokens::issued_at(c, &account_id)?.is_some(),
                applications,
            ))
        })
        .await?;
    let mut context = Context::new();
    context.insert("counts", &counts);
    context.insert("has_token", &has_token);
    context.insert("applications", &applications);
    context.insert("sso_enabled", &admin.account.sso_enabled);
    context.insert("idp_set", &admin.account.idp_entity_id.is_some());
    let certificates: Vec<_> = admin.certificates.iter().map(certificate_view).collect();
    context.insert("certificates", &certificates);
    Ok(view::render(
        &admin,
        StatusCode::OK,
        "admin/overview.html",
        "overview",
        None,
        context,
    ))
}
