//! The people of the account: the list, each person's page (master data, read-only where
//! Entra owns it; roles; history), status changes (activate, release, removal from the
//! federation) and password links. The rules are the directory's; these pages only ask.

mod edit;
mod list;
mod page;
mod password;
mod status;

pub use edit::{change_roles, edit};
pub use list::list;
pub use page::detail;
pub use password::password_link;
pub use status::{activate, defederate, defederate_confirm, release, release_confirm};

use actix_web::{HttpResponse, web};

use super::guard::Admin;
use super::view;
use crate::db::{self, Db};
use crate::directory::Result as DirResult;
use crate::directory::employees::Employee;
use crate::error::HttpError;
use crate::web::see_other;

pub(super) fn status_of(p: &Employee) -> &'static str {
    match (p.is_released(), p.active) {
        (true, _) => "released",
        (false, true) => "active",
        (false, false) => "inactive",
    }
}

/// Who changes the person: a released (hard-deleted) person is Entra's no longer, whatever
/// their federation flag says, since SCIM answers 404 for them from then on.
pub(super) fn managed_by(p: &Employee) -> &'static str {
    if p.is_released() {
        return "nobody (released)";
    }
    match (p.federated, p.defederated) {
        (true, _) => "Entra ID",
        (false, true) => "Gatehouse (removed from federation)",
        (false, false) => "Gatehouse",
    }
}

/// Runs one change to a person; on success redirects back to their page with `done`, on a
/// refusal shows the page again with the reason.
async fn act(
    admin: Admin,
    db: web::Data<Db>,
    id: String,
    done: &str,
    work: impl FnOnce(&mut db::DbConnection, &str, &str) -> DirResult<()> + Send + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let target = id.clone();
    let result = db
        .run(move |conn| db::write(conn, |c| work(c, &account_id, &target)))
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/employees/{id}?done={done}"))),
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            page::show(&admin, &db, &id, status, Some(flash), None).await
        }
    }
}
