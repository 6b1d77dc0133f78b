//! What an admin changes on a person's page: master data with the direct approver, and roles.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::act;
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::db::Db;
use crate::directory::approvers::{self, Roles};
use crate::directory::employees::{self, Profile};
use crate::directory::{DirectoryError, Result as DirResult, lifecycle, zones};
use crate::error::HttpError;

#[derive(Deserialize)]
pub struct EditForm {
    user_name: String,
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    job_title: Option<String>,
    department: Option<String>,
    mobile_phone: Option<String>,
    work_phone: Option<String>,
    country: Option<String>,
    employment_date: Option<String>,
    payroll_number: Option<String>,
    employee_number: Option<String>,
    subsidiary: Option<String>,
    approver_login: Option<String>,
}

impl EditForm {
    fn profile(self, before: Profile, zone: chrono_tz::Tz) -> DirResult<Profile> {
        let employment_date = match self.employment_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                DirectoryError::invalid(
                    "employment_date",
                    format!("{text:?} is not a date like 2024-03-01"),
                )
            })?),
        };
        // Re-saving the page keeps the stored instant when its day is unchanged.
        let employment_date = zones::instant_for(employment_date, before.employment_date, zone);
        Ok(Profile {
            external_id: before.external_id,
            user_name: self.user_name,
            email: self.email,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: before.display_name,
            job_title: self.job_title,
            department: self.department,
            mobile_phone: self.mobile_phone,
            work_phone: self.work_phone,
            country: self.country,
            employment_date,
            payroll_number: self.payroll_number,
            employee_number: self.employee_number,
            subsidiary: self.subsidiary,
        })
    }
}

pub async fn edit(
    admin: Admin,
    path: web::Path<String>,
    form: Posted<EditForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let by = admin.actor();
    let zone = admin.account.zone();
    act(
        admin,
        db,
        path.into_inner(),
        "saved",
        move |c, account, id| {
            let person = employees::get_current(c, account, id)?;
            let approver = form.0.approver_login.clone();
            let profile = form.0.profile(person.profile(), zone)?;
            lifecycle::edit_by_admin(c, account, id, profile, approver.as_deref(), &by)?;
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct RolesForm {
    setup_admin: Option<String>,
    approver: Option<String>,
    approves_self: Option<String>,
    only_selected_approver: Option<String>,
    #[serde(default)]
    departments: String,
}

pub async fn change_roles(
    admin: Admin,
    path: web::Path<String>,
    form: Posted<RolesForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let wanted = Roles {
        setup_admin: form.setup_admin.is_some(),
        approver: form.approver.is_some(),
        approves_self: form.approves_self.is_some(),
        only_selected_approver: form.only_selected_approver.is_some(),
        departments: form.departments.split(',').map(str::to_owned).collect(),
    };
    let by = admin.actor();
    act(
        admin,
        db,
        path.into_inner(),
        "roles",
        move |c, account, id| approvers::set_roles(c, account, id, wanted, &by).map(|_| ()),
    )
    .await
}
