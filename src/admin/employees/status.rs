//! Status changes, each behind its own path: activate, and from their confirmation pages,
//! release (the hard-delete rules) and removal from the federation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use tera::Context;

use super::act;
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::admin::view;
use crate::db::{Db, DbConnection};
use crate::directory::employees::{self, Employee};
use crate::directory::history::Actor;
use crate::directory::{Result as DirResult, lifecycle};
use crate::error::HttpError;

/// What a confirmation page says, and where its button posts.
struct Confirmation {
    title: &'static str,
    consequences: Vec<String>,
    button: &'static str,
    action: String,
}

async fn confirm(
    admin: &Admin,
    db: &Db,
    id: String,
    make: impl FnOnce(&Employee) -> Confirmation + Send + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let person = db
        .run(move |c| employees::get_current(c, &account_id, &id))
        .await?;
    let confirmation = make(&person);
    let mut context = Context::new();
    context.insert("title", confirmation.title);
    context.insert("name", &person.display_name());
    context.insert("user_name", &person.user_name);
    context.insert("consequences", &confirmation.consequences);
    context.insert("button", confirmation.button);
    context.insert("action", &confirmation.action);
    context.insert("back", &format!("/admin/employees/{}", person.id));
    Ok(view::render(
        admin,
        StatusCode::OK,
        "admin/confirm.html",
        "employees",
        None,
        context,
    ))
}

pub async fn release_confirm(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    confirm(&admin, &db, path.into_inner(), |p| Confirmation {
        title: "Release this person?",
        consequences: vec![
            format!(
                "{} can no longer sign in; their open sessions end now.",
                p.display_name()
            ),
            "Their termination date becomes today (or stays, if Entra already suspended them)."
                .into(),
            format!(
                "The login name {} and the email {} are released: a new person can be created with \
                 them later, and that will be someone separate.",
                p.user_name, p.email
            ),
            "Their record and history stay. You can activate them again while nobody else has \
             taken their login name or email."
                .into(),
            match p.federated {
                true => "They are managed by Entra ID: unassign them there as well, or Entra will \
                         create them again as a new person on its next cycle."
                    .into(),
                false => "They are not managed by Entra ID.".into(),
            },
        ],
        button: "Release",
        action: format!("/admin/employees/{}/release", p.id),
    })
    .await
}

pub async fn defederate_confirm(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    confirm(&admin, &db, path.into_inner(), |p| Confirmation {
        title: "Remove this person from the federation?",
        consequences: vec![
            format!(
                "Entra ID stops managing {}: provisioning no longer sees them (Entra gets \"not \
                 found\"), and changes made in Entra no longer reach Gatehouse.",
                p.display_name()
            ),
            "They can no longer sign in through Microsoft; their open sessions end now.".into(),
            "Their master data becomes editable here, and they can set a local password through \
             a one-time link you send from their page."
                .into(),
            "Their active status does not change: activate or release them separately.".into(),
            "They keep their login name and email, so Entra cannot provision that address again \
             (it gets a conflict) unless you release them first; keep this for people who \
             leave the federation for good."
                .into(),
        ],
        button: "Remove from federation",
        action: format!("/admin/employees/{}/defederate", p.id),
    })
    .await
}

pub async fn activate(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    change(admin, path, db, "activated", lifecycle::activate_by_admin).await
}

/// Posted from the confirmation page: the hard-delete rules.
pub async fn release(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    change(admin, path, db, "released", lifecycle::release).await
}

/// Posted from the confirmation page.
pub async fn defederate(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    change(
        admin,
        path,
        db,
        "defederated",
        lifecycle::remove_from_federation,
    )
    .await
}

/// One lifecycle function applied by the signed-in admin.
type Lifecycle = fn(&mut DbConnection, &str, &str, &Actor) -> DirResult<Employee>;

async fn change(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
    done: &str,
    lifecycle_change: Lifecycle,
) -> Result<HttpResponse, HttpError> {
    let by = admin.actor();
    act(admin, db, path.into_inner(), done, move |c, account, id| {
        lifecycle_change(c, account, id, &by).map(|_| ())
    })
    .await
}
