//! Finding people and log lines by what an admin types: a piece of a name (a full name in
//! either order), login or email.
//! Matching folds case with SQL `lower()` (ASCII only on SQLite); uniqueness never relies on it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::Result;
use super::employees::Employee;
use crate::db::DbConnection;
use crate::db::schema::employees as e;

diesel::define_sql_function!(fn lower(x: Text) -> Text);

/// `%text%` for LIKE, with the wildcards in `text` escaped by `\`.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub text: String,
    /// Also people who are inactive or released (hard-deleted).
    pub include_inactive: bool,
    pub offset: i64,
    pub limit: i64,
}

pub struct PeoplePage {
    pub people: Vec<Employee>,
    pub total: i64,
}

type Boxed<'a> = e::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// A condition on `employees`, boxed so callers can add it to their own queries.
pub type Condition = Box<
    dyn BoxableExpression<
            e::table,
            <DbConnection as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// People whose login, email or name (a full name in either order) contains `text`; `None`
/// when `text` is blank. The admin pages and the directory API search alike.
pub fn text_matches(text: &str) -> Option<Condition> {
    // "Bob  Boss" is "Bob Boss": a full name matches in either order.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    let pattern = contains_pattern(&text);
    Some(Box::new(
        lower(e::user_name)
            .like(pattern.clone())
            .escape('\\')
            .or(lower(e::email).like(pattern.clone()).escape('\\'))
            .or(lower(e::given_name.concat(" ").concat(e::family_name))
                .like(pattern.clone())
                .escape('\\'))
            .or(lower(e::family_name.concat(" ").concat(e::given_name))
                .like(pattern.clone())
                .escape('\\'))
            .or(lower(e::family_name.concat(", ").concat(e::given_name))
                .like(pattern)
                .escape('\\')),
    ))
}

fn people_matching<'a>(account_id: &'a str, query: &PeopleQuery) -> Boxed<'a> {
    let mut sql = e::table.filter(e::account_id.eq(account_id)).into_boxed();
    if !query.include_inactive {
        sql = sql
            .filter(e::active.eq(true))
            .filter(e::released_at.is_null());
    }
    if let Some(matches) = text_matches(&query.text) {
        sql = sql.filter(matches);
    }
    sql
}

/// One page of the people matching `query`, by login name, and how many match in all.
pub fn people(
    conn: &mut DbConnection,
    account_id: &str,
    query: &PeopleQuery,
) -> Result<PeoplePage> {
    let total = people_matching(account_id, query)
        .count()
        .get_result(conn)?;
    let people = people_matching(account_id, query)
        .order((lower(e::user_name), e::id))
        .offset(query.offset.max(0))
        .limit(query.limit.clamp(1, 500))
        .select(Employee::as_select())
        .load(conn)?;
    Ok(PeoplePage { people, total })
}

/// Ids of everyone (released people too) whose login, email or name contains `text`.
pub fn ids_matching(conn: &mut DbConnection, account_id: &str, text: &str) -> Result<Vec<String>> {
    let query = PeopleQuery {
        text: text.to_owned(),
        include_inactive: true,
        ..PeopleQuery::default()
    };
    Ok(people_matching(account_id, &query)
        .select(e::id)
        .limit(1000)
        .load(conn)?)
}

/// How many current (not released) people an account has, by state.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Headcount {
    pub active: i64,
    pub inactive: i64,
    pub federated: i64,
}

pub fn headcount(conn: &mut DbConnection, account_id: &str) -> Result<Headcount> {
    let current = || {
        e::table
            .filter(e::account_id.eq(account_id))
            .filter(e::released_at.is_null())
    };
    Ok(Headcount {
        active: current()
            .filter(e::active.eq(true))
            .count()
            .get_result(conn)?,
        inactive: current()
            .filter(e::active.eq(false))
            .count()
            .get_result(conn)?,
        federated: current()
            .filter(e::federated.eq(true))
            .count()
            .get_result(conn)?,
    })
}

/// What an admin filters a log by. `person` is free text; `people` are the ids it matched.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub person: String,
    pub people: Vec<String>,
    /// "success" or "failure"; anything else means both.
    pub outcome: String,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Lines to skip (the pages before), newest first.
    pub offset: i64,
    pub limit: i64,
}

impl LogQuery {
    pub fn outcome(&self) -> Option<&str> {
        match self.outcome.as_str() {
            o @ ("success" | "failure") => Some(o),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn wildcards_typed_by_an_admin_are_literal() {
        assert_eq!(contains_pattern("Ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
