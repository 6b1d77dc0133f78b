use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{DirectoryError, Result, clock};
use crate::db::DbConnection;
use crate::db::schema::accounts;

/// One company: one Entra tenant at a time, its own SSO settings and its own people.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub sso_enabled: bool,
    pub nameid_mode: String,
    pub idp_initiated: bool,
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    pub clock_skew_secs: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// IANA zone the admin pages show dates in (default UTC).
    pub time_zone: String,
}

impl Account {
    pub fn zone(&self) -> chrono_tz::Tz {
        super::zones::of(&self.time_zone)
    }
}

/// Sets the zone dates are shown in; the name must be an IANA zone. Returns the zone stored.
/// Audited as `time_zone_set`.
pub fn set_time_zone(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    by: &super::history::Actor,
) -> Result<String> {
    let zone = super::zones::parse(name)?.name().to_owned();
    diesel::update(accounts::table.find(id))
        .set((
            accounts::time_zone.eq(&zone),
            accounts::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    super::audit::record(
        conn,
        id,
        by,
        "time_zone_set",
        &format!("dates shown in {zone}"),
    )?;
    Ok(zone)
}

#[derive(Insertable)]
#[diesel(table_name = accounts)]
struct NewAccount<'a> {
    id: &'a str,
    slug: &'a str,
    name: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Slugs appear in URLs handed to Entra (`/saml/{slug}/acs`), so they stay URL-plain.
pub fn validate_slug(slug: &str) -> Result<()> {
    let plain = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(2..=63).contains(&slug.len()) || !plain || slug.starts_with('-') || slug.ends_with('-') {
        return Err(DirectoryError::invalid(
            "slug",
            format!(
                "{slug:?} must be 2 to 63 characters of lowercase letters, digits and inner hyphens"
            ),
        ));
    }
    Ok(())
}

pub fn create(conn: &mut DbConnection, slug: &str, name: &str) -> Result<Account> {
    validate_slug(slug)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(DirectoryError::invalid("name", "must not be empty"));
    }
    if find_by_slug(conn, slug)?.is_some() {
        return Err(DirectoryError::Conflict {
            field: "slug",
            value: slug.to_owned(),
        });
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = clock::now();
    diesel::insert_into(accounts::table)
        .values(NewAccount {
            id: &id,
            slug,
            name,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
        .map_err(|e| match crate::db::is_unique_violation(&e) {
            true => DirectoryError::Conflict {
                field: "slug",
                value: slug.to_owned(),
            },
            false => e.into(),
        })?;
    by_id(conn, &id)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<Account>> {
    Ok(accounts::table
        .filter(accounts::slug.eq(slug))
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> Result<Account> {
    find_by_slug(conn, slug)?.ok_or(DirectoryError::NotFound { what: "account" })
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> Result<Account> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .optional()?
        .ok_or(DirectoryError::NotFound { what: "account" })
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Account>> {
    Ok(accounts::table
        .order(accounts::slug)
        .select(Account::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::validate_slug;

    #[test]
    fn slugs_are_url_plain() {
        for good in ["acme", "contoso-uk", "a1"] {
            assert!(validate_slug(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "acme corp",
            "-acme",
            "acme-",
            "ac/me",
            "ä-corp",
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }
}
