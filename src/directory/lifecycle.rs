//! The lifecycle rules of a person (GUIDE section 1). SCIM, SSO, the admin pages and CSV import
//! call these and nothing else to create people or change their status, so the rules hold
//! whichever way a change arrives. Callers wrap each call in one transaction (`db::write`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::approvers;
use super::employees::{self, Employee, Profile};
use super::history::{self, Action, Actor, Change};
use super::{DirectoryError, Refusal, Result, clock, keys, sessions};
use crate::db::schema::{employees as e, entra_pins};
use crate::db::{DbConnection, is_unique_violation};

/// What a SCIM create did: made a new person, or adopted one who was already there.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub employee: Employee,
    pub adopted: bool,
}

#[derive(Insertable)]
#[diesel(table_name = e)]
struct NewEmployee<'a> {
    id: &'a str,
    account_id: &'a str,
    #[diesel(embed)]
    profile: Profile,
    user_name_key: String,
    email_key: String,
    active: bool,
    termination_date: Option<NaiveDate>,
    federated: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Entra creates a person. Someone not yet federated who already holds the login name or email
/// (a CSV import, say) is adopted: same id, same history, now managed by Entra. Anyone else
/// holding either is a conflict.
pub fn provision(
    conn: &mut DbConnection,
    account_id: &str,
    profile: Profile,
    active: bool,
    by: &Actor,
) -> Result<Provisioned> {
    let every: Vec<&'static str> = profile.fields().iter().map(|(name, _)| *name).collect();
    provision_sent(conn, account_id, profile, &every, active, by)
}

/// `provision`, where Entra gave only the `sent` fields (by their `Profile::fields` names): an
/// adopted person keeps every other field (a CSV import's department, dates, numbers...).
pub fn provision_sent(
    conn: &mut DbConnection,
    account_id: &str,
    profile: Profile,
    sent: &[&'static str],
    active: bool,
    by: &Actor,
) -> Result<Provisioned> {
    let profile = profile.cleaned()?;
    let (by_name, by_mail) = holders(conn, account_id, &profile, None)?;
    let holder = match (by_name, by_mail) {
        (None, None) => {
            let employee = insert(conn, account_id, profile, active, true, by)?;
            return Ok(Provisioned {
                employee,
                adopted: false,
            });
        }
        (Some(named), Some(mailed)) if named.id != mailed.id => {
            return Err(conflict("user_name", &profile.user_name));
        }
        (Some(named), _) => (named, "user_name"),
        (None, Some(mailed)) => (mailed, "email"),
    };
    match holder {
        (person, _) if !person.federated && !person.defederated => {
            let employee = adopt(conn, person, profile, sent, active, by)?;
            Ok(Provisioned {
                employee,
                adopted: true,
            })
        }
        (_, "user_name") => Err(conflict("user_name", &profile.user_name)),
        _ => Err(conflict("email", &profile.email)),
    }
}

/// A person added outside Entra (CSV import, admin): active, not federated.
pub fn create(
    conn: &mut DbConnection,
    account_id: &str,
    profile: Profile,
    by: &Actor,
) -> Result<Employee> {
    let profile = profile.cleaned()?;
    refuse_taken(conn, account_id, &profile, None)?;
    insert(conn, account_id, profile, true, false, by)
}

/// Replaces a person's master data. A changed login name, email or domain keeps the same
/// person; nothing is written (and no history made) when nothing changed.
pub fn update_profile(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    profile: Profile,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    let profile = profile.cleaned()?;
    let changes = profile.changes_from(&person.profile());
    if changes.is_empty() {
        return Ok(person);
    }
    refuse_taken(conn, account_id, &profile, Some(id))?;
    let external_id_changed = profile.external_id != person.external_id;
    diesel::update(e::table.find(id))
        .set((
            &profile,
            e::user_name_key.eq(keys::normalise(&profile.user_name)),
            e::email_key.eq(keys::normalise(&profile.email)),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|err| unique_to_conflict(err, &profile))?;
    history::record(conn, account_id, id, by, Action::Updated, &changes)?;
    let updated = employees::get(conn, account_id, id)?;
    if external_id_changed {
        approvers::link_reports_of(conn, &updated, by)?;
    }
    Ok(updated)
}

/// An admin edits a person's page: master data and, for people Entra does not manage, the
/// direct approver by login name. Entra owns every field of a federated person, its manager
/// included, and would undo a change on its next cycle, so changing one is refused with the
/// field named, and the approver field is not theirs to set.
pub fn edit_by_admin(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    profile: Profile,
    approver_login: Option<&str>,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    if person.federated {
        let wanted = profile.cleaned()?;
        return match wanted.changes_from(&person.profile()).first() {
            Some(change) => Err(Refusal::OwnedByEntra {
                user_name: person.user_name,
                field: change.field.clone(),
            }
            .into()),
            None => Ok(person),
        };
    }
    let approver_id = match approver_login.map(str::trim) {
        None | Some("") => None,
        Some(login) => Some(
            employees::find_by_user_name(conn, account_id, login)?
                .ok_or_else(|| {
                    DirectoryError::invalid(
                        "approver",
                        format!("nobody has the login name {login:?}"),
                    )
                })?
                .id,
        ),
    };
    let updated = update_profile(conn, account_id, id, profile, by)?;
    if approver_id == updated.approver_id {
        return Ok(updated);
    }
    approvers::set_manager(conn, account_id, id, approver_id.as_deref(), by)
}

/// people changed. Any clash refuses the whole move (the caller's transaction rolls back).
/// Audited in the account's trail as `domain_moved`.
pub fn move_domain(
    conn: &mut DbConnection,
    account_id: &str,
    from: &str,
    to: &str,
    by: &Actor,
) -> Result<usize> {
    let domain = |value: &str, field: &'static str| -> Result<String> {
        let value = value.trim().trim_start_matches('@').to_owned();
        if value.is_empty() || value.contains(['@', ' ', '/']) || !value.contains('.') {
            return Err(DirectoryError::invalid(
                field,
                format!("{value:?} is not a domain like contoso.com"),
            ));
        }
        Ok(value)
    };
    let from = domain(from, "from_domain")?;
    let to = domain(to, "to_domain")?;
    let suffix = keys::normalise(&format!("@{from}"));
    let swap = |address: &str| -> Option<String> {
        let at = address.rfind('@')?;
        (keys::normalise(&address[at..]) == suffix).then(|| format!("{}@{to}", &address[..at]))
    };
    let mut moved = 0;
    for person in employees::list_current(conn, account_id)? {
        let mut profile = person.profile();
        let user_name = swap(&profile.user_name);
        let email = swap(&profile.email);
        if user_name.is_none() && email.is_none() {
            continue;
        }
        if let Some(user_name) = user_name {
            profile.user_name = user_name;
        }
        if let Some(email) = email {
            profile.email = email;
        }
        update_profile(conn, account_id, &person.id, profile, by)?;
        moved += 1;
    }
    super::audit::record(
        conn,
        account_id,
        by,
        "domain_moved",
        &format!("{moved} person(s) moved from @{from} to @{to}"),
    )?;
    Ok(moved)
}

/// Soft delete (Entra's `active` false): inactive, terminated today, signed out everywhere,
/// login name still reserved.
pub fn deactivate(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    set_active(conn, account_id, id, false, by)
}

/// Undoes a soft delete (Entra's `active` true): active again, with all history kept.
pub fn reactivate(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    set_active(conn, account_id, id, true, by)
}

fn set_active(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    active: bool,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    if person.active == active {
        return Ok(person);
    }
    apply_active(conn, &person, active, by)
}

/// Hard delete (SCIM `DELETE`, or an admin's "Release"): inactive, signed out, and the login
/// name and email released so the same address can later become a new, separate person. The
/// row and its history stay. Nobody releases themselves.
pub fn release(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    if by.who.as_deref() == Some(id) {
        return Err(Refusal::OwnRelease.into());
    }
    let person = employees::get_current(conn, account_id, id)?;
    // Someone already soft-deleted left on the day Entra disabled them, not today.
    let termination = match (person.active, person.termination_date) {
        (false, Some(date)) => date,
        _ => clock::today(),
    };
    let now = clock::now();
    diesel::update(e::table.find(id))
        .set((
            e::active.eq(false),
            e::termination_date.eq(Some(termination)),
            e::user_name_key.eq(None::<String>),
            e::email_key.eq(None::<String>),
            e::released_at.eq(Some(now)),
            e::updated_at.eq(now),
        ))
        .execute(conn)?;
    sessions::revoke_all(conn, id)?;
    let mut changes = vec![Change::flag("released", false, true)];
    if person.active {
        changes.push(Change::flag("active", true, false));
    }
    if person.termination_date != Some(termination) {
        changes.push(date_change(
            "termination_date",
            person.termination_date,
            Some(termination),
        ));
    }
    history::record(conn, account_id, id, by, Action::Released, &changes)?;
    employees::get(conn, account_id, id)
}

/// An admin turns a person back on. Only people Entra does not manage: a federated person is
/// switched on by assigning them in Entra. A released person takes back their login name and
/// email, if nobody has them now.
pub fn activate_by_admin(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get(conn, account_id, id)?;
    if person.federated {
        return Err(Refusal::ActivationOwnedByEntra {
            user_name: person.user_name,
        }
        .into());
    }
    if !person.is_released() {
        return match person.active {
            true => Ok(person),
            false => apply_active(conn, &person, true, by),
        };
    }
    let profile = person.profile();
    refuse_taken(conn, account_id, &profile, Some(id))?;
    diesel::update(e::table.find(id))
        .set((
            e::active.eq(true),
            e::termination_date.eq(None::<NaiveDate>),
            e::user_name_key.eq(Some(keys::normalise(&profile.user_name))),
            e::email_key.eq(Some(keys::normalise(&profile.email))),
            e::released_at.eq(None::<NaiveDateTime>),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|err| unique_to_conflict(err, &profile))?;
    let changes = [
        Change::flag("released", true, false),
        Change::flag("active", false, true),
        date_change("termination_date", person.termination_date, None),
    ];
    history::record(conn, account_id, id, by, Action::Reactivated, &changes)?;
    employees::get(conn, account_id, id)
}

/// The person leaves Entra's control: SCIM no longer sees them, SSO no longer signs them in,
/// their sessions end, and they may set a local password. Their active status is unchanged:
/// the admin decides that separately.
pub fn remove_from_federation(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    if person.defederated {
        return Ok(person);
    }
    diesel::update(e::table.find(id))
        .set((
            e::federated.eq(false),
            e::defederated.eq(true),
            e::entra_object_id.eq(None::<String>),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    diesel::delete(entra_pins::table.filter(entra_pins::employee_id.eq(id))).execute(conn)?;
    sessions::revoke_all(conn, id)?;
    let changes = [
        Change::flag("federated", person.federated, false),
        Change::flag("defederated", false, true),
    ];
    history::record(conn, account_id, id, by, Action::Defederated, &changes)?;
    employees::get(conn, account_id, id)
}

/// The first SSO sign-in of a person who came in some other way (CSV import) puts them under
/// Entra's management. Refused for people an admin removed from the federation.
pub fn mark_federated(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    if person.defederated {
        return Err(Refusal::Defederated {
            user_name: person.user_name,
        }
        .into());
    }
    if person.federated {
        return Ok(person);
    }
    diesel::update(e::table.find(id))
        .set((e::federated.eq(true), e::updated_at.eq(clock::now())))
        .execute(conn)?;
    let changes = [Change::flag("federated", false, true)];
    history::record(conn, account_id, id, by, Action::Federated, &changes)?;
    employees::get(conn, account_id, id)
}

fn insert(
    conn: &mut DbConnection,
    account_id: &str,
    profile: Profile,
    active: bool,
    federated: bool,
    by: &Actor,
) -> Result<Employee> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = clock::now();
    let mut changes = profile.changes_from(&Profile::default());
    changes.push(Change::flag("active", false, active));
    changes.push(Change::flag("federated", false, federated));
    let row = NewEmployee {
        id: &id,
        account_id,
        user_name_key: keys::normalise(&profile.user_name),
        email_key: keys::normalise(&profile.email),
        profile: profile.clone(),
        active,
        termination_date: (!active).then(clock::today),
        federated,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(e::table)
        .values(row)
        .execute(conn)
        .map_err(|err| unique_to_conflict(err, &profile))?;
    history::record(conn, account_id, &id, by, Action::Created, &changes)?;
    let created = employees::get(conn, account_id, &id)?;
    approvers::link_reports_of(conn, &created, by)?;
    Ok(created)
}

fn adopt(
    conn: &mut DbConnection,
    person: Employee,
    sent: Profile,
    fields: &[&'static str],
    active: bool,
    by: &Actor,
) -> Result<Employee> {
    let profile = person.profile().overlaid(&sent, fields);
    let mut changes = profile.changes_from(&person.profile());
    changes.push(Change::flag("federated", false, true));
    // Which fields Entra owns from now on, changed or not.
    changes.push(Change::new(
        "taken_over_by_entra",
        None,
        Some(fields.join(", ")),
    ));
    diesel::update(e::table.find(&person.id))
        .set((
            &profile,
            e::user_name_key.eq(keys::normalise(&profile.user_name)),
            e::email_key.eq(keys::normalise(&profile.email)),
            e::federated.eq(true),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|err| unique_to_conflict(err, &profile))?;
    history::record(
        conn,
        &person.account_id,
        &person.id,
        by,
        Action::Adopted,
        &changes,
    )?;
    let mut adopted = employees::get(conn, &person.account_id, &person.id)?;
    if adopted.active != active {
        adopted = apply_active(conn, &adopted, active, by)?;
    }
    approvers::link_reports_of(conn, &adopted, by)?;
    Ok(adopted)
}

fn apply_active(
    conn: &mut DbConnection,
    person: &Employee,
    active: bool,
    by: &Actor,
) -> Result<Employee> {
    let termination = (!active).then(clock::today);
    diesel::update(e::table.find(&person.id))
        .set((
            e::active.eq(active),
            e::termination_date.eq(termination),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    if !active {
        sessions::revoke_all(conn, &person.id)?;
    }
    let changes = [
        Change::flag("active", person.active, active),
        date_change("termination_date", person.termination_date, termination),
    ];
    let action = match active {
        true => Action::Reactivated,
        false => Action::Deactivated,
    };
    history::record(conn, &person.account_id, &person.id, by, action, &changes)?;
    employees::get(conn, &person.account_id, &person.id)
}

/// Who else (not released, not `except`) holds the profile's login name, and its email.
fn holders(
    conn: &mut DbConnection,
    account_id: &str,
    profile: &Profile,
    except: Option<&str>,
) -> Result<(Option<Employee>, Option<Employee>)> {
    let other = |p: &Employee| Some(p.id.as_str()) != except;
    let by_name = employees::find_by_user_name(conn, account_id, &profile.user_name)?.filter(other);
    let by_mail = employees::find_by_email(conn, account_id, &profile.email)?.filter(other);
    Ok((by_name, by_mail))
}

fn refuse_taken(
    conn: &mut DbConnection,
    account_id: &str,
    profile: &Profile,
    except: Option<&str>,
) -> Result<()> {
    match holders(conn, account_id, profile, except)? {
        (Some(_), _) => Err(conflict("user_name", &profile.user_name)),
        (None, Some(_)) => Err(conflict("email", &profile.email)),
        (None, None) => Ok(()),
    }
}

fn conflict(field: &'static str, value: &str) -> DirectoryError {
    DirectoryError::Conflict {
        field,
        value: value.to_owned(),
    }
}

/// Two writers can pass the checks above at once; the unique index decides, and the loser
/// gets the same conflict it would have got a moment later.
fn unique_to_conflict(err: diesel::result::Error, profile: &Profile) -> DirectoryError {
    if !is_unique_violation(&err) {
        return err.into();
    }
    match err.to_string().contains("user_name_key") {
        true => conflict("user_name", &profile.user_name),
        false => conflict("email", &profile.email),
    }
}

fn date_change(field: &str, old: Option<NaiveDate>, new: Option<NaiveDate>) -> Change {
    Change::new(
        field,
        old.map(|d| d.to_string()),
        new.map(|d| d.to_string()),
    )
}
