//! The commit sequence of each account's change feed. Events are recorded without a number;
//! just before their transaction commits they take the account's next numbers, holding the
//! account's `event_sequences` row until the commit. A second writer of the same account waits
//! for that commit before it numbers its own events, so numbers follow commit order on both
//! stores and across instances: a reader that has seen number n has seen everything before it.

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::schema::{account_events as e, event_sequences as s};
use super::{DbConnection, insert_unless_present};

pub(super) fn assign(conn: &mut DbConnection) -> QueryResult<()> {
    // Only this transaction's unnumbered events are visible here (others have not committed).
    let pending: Vec<(i64, String)> = e::table
        .filter(e::seq.is_null())
        .order(e::id)
        .select((e::id, e::account_id))
        .load(conn)?;
    let mut by_account: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (id, account) in pending {
        by_account.entry(account).or_default().push(id);
    }
    // Accounts in one order, so two writers touching the same two accounts cannot deadlock.
    for (account, ids) in by_account {
        insert_unless_present(conn, |c| {
            diesel::insert_into(s::table)
                .values((
                    s::account_id.eq(&account),
                    s::last_seq.eq(0i64),
                    s::purged_through.eq(0i64),
                ))
                .execute(c)
        })?;
        let count = ids.len() as i64;
        diesel::update(s::table.find(&account))
            .set(s::last_seq.eq(s::last_seq + count))
            .execute(conn)?;
        let last: i64 = s::table.find(&account).select(s::last_seq).first(conn)?;
        for (offset, id) in (last - count + 1..).zip(ids) {
            diesel::update(e::table.find(id))
                .set(e::seq.eq(offset))
                .execute(conn)?;
        }
    }
    Ok(())
}
