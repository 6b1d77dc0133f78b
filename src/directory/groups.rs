//! The groups Entra pushes over SCIM, as the directory sees them: their state and the event
//! each change publishes (`group.created`, `group.updated` with renamed fields and members
//! added or removed, `group.deleted`). SCIM owns how a request changes a group; this module
//! owns what the change means to the feed.

use std::collections::BTreeSet;

use diesel::prelude::*;
use serde_json::json;

use super::Result;
use super::events::{self, SubjectType};
use super::history::{Change, Source};
use crate::db::DbConnection;
use crate::db::schema::{scim_group_members as m, scim_groups as g};

/// A group at one moment: what its events compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: BTreeSet<String>,
}

/// The group's state now, if it exists in the account.
pub fn state(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Option<GroupState>> {
    let Some((display_name, external_id)) = g::table
        .filter(g::account_id.eq(account_id))
        .filter(g::id.eq(id))
        .select((g::display_name, g::external_id))
        .first::<(String, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let members = m::table
        .filter(m::group_id.eq(id))
        .select(m::employee_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(Some(GroupState {
        display_name,
        external_id,
        members,
    }))
}

/// Records the event for a group going from `before` to `after` (`None`: not there). Nothing
/// is recorded when nothing changed.
pub fn record_change(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    source: Source,
    before: Option<&GroupState>,
    after: Option<&GroupState>,
) -> Result<()> {
    let subject = (SubjectType::Group, id);
    let (event_type, data) = match (before, after) {
        (None, None) => return Ok(()),
        (None, Some(new)) => (
            "group.created",
            json!({
                "display_name": new.display_name,
                "external_id": new.external_id,
                "members": new.members,
            }),
        ),
        (Some(old), None) => (
            "group.deleted",
            json!({ "display_name": old.display_name, "members": old.members }),
        ),
        (Some(old), Some(new)) => {
            if old == new {
                return Ok(());
            }
            let mut changes = Vec::new();
            if old.display_name != new.display_name {
                changes.push(Change::new(
                    "display_name",
                    Some(old.display_name.clone()),
                    Some(new.display_name.clone()),
                ));
            }
            if old.external_id != new.external_id {
                changes.push(Change::new(
                    "external_id",
                    old.external_id.clone(),
                    new.external_id.clone(),
                ));
            }
            (
                "group.updated",
                json!({
                    "changes": changes,
                    "members_added": new.members.difference(&old.members).collect::<Vec<_>>(),
                    "members_removed": old.members.difference(&new.members).collect::<Vec<_>>(),
                }),
            )
        }
    };
    events::record(conn, account_id, source, event_type, subject, data)
}
