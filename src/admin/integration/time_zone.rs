//! The zone the account's dates are shown in (admin pages, CSV).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::change;
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::config::Settings;
use crate::db::Db;
use crate::directory::accounts;
use crate::error::HttpError;

#[derive(Deserialize)]
pub struct TimeZoneForm {
    time_zone: String,
}

/// An unknown zone name is refused.
pub async fn set(
    admin: Admin,
    form: Posted<TimeZoneForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let name = form.0.time_zone;
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=time-zone",
        move |c, account, by| {
            accounts::set_time_zone(c, account, &name, by)?;
            Ok(())
        },
    )
    .await
}
