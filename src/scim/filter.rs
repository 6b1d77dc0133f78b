//! SCIM filters to SQL over indexed columns. `eq` and `and` (Entra's whole vocabulary) plus
//! `or`, `not`, `ne`, `co`, `sw`, `ew` and `pr` where they map onto a column. Anything else is
//! an `invalidFilter` error, never a scan in memory.

use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};

use super::error::ScimError;
use super::resource::{ENTERPRISE, GATEHOUSE};
use crate::db::DbConnection;
use crate::db::schema::employees as e;
use crate::directory::keys;

type Backend = <DbConnection as Connection>::Backend;
pub type Condition = Box<dyn BoxableExpression<e::table, Backend, SqlType = Nullable<Bool>>>;

/// Parses a filter, accepting Entra's `emails[type eq "work"].value eq "x"` (not in the RFC
/// grammar) as the equivalent `emails[type eq "work" and value eq "x"]`.
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let rewritten = rewrite_value_path_comparison(text.trim());
    rewritten
        .parse::<Filter>()
        .map_err(|e| ScimError::filter(format!("{text:?} is not a valid filter: {e}")))
}

fn rewrite_value_path_comparison(text: &str) -> String {
    // attr[inner].sub op rest  ->  attr[inner and sub op rest]
    let Some(close) = text.find("].") else {
        return text.to_owned();
    };
    let Some(open) = text[..close].find('[') else {
        return text.to_owned();
    };
    let after = &text[close + 2..];
    let Some((sub, comparison)) = after.split_once(' ') else {
        return text.to_owned();
    };
    if !sub.chars().all(|c| c.is_ascii_alphanumeric()) || text[..open].contains(' ') {
        return text.to_owned();
    }
    format!(
        "{}[{} and {sub} {comparison}]",
        &text[..open],
        &text[open + 1..close]
    )
}

/// Users visible to SCIM: this account, federated, not released.
pub fn visible(account_id: &str) -> Condition {
    Box::new(
        e::account_id
            .eq(account_id.to_owned())
            .and(e::federated.eq(true))
            .and(e::released_at.is_null())
            .nullable(),
    )
}

pub fn condition(filter: &Filter) -> Result<Condition, ScimError> {
    match filter {
        Filter::Attr(expression) => attribute(expression),
        Filter::ValuePath(value_path) => {
            if !value_path.attr.name.eq_ignore_ascii_case("emails") {
                return Err(unsupported(&value_path.attr));
            }
            email_filter(&value_path.filter)
        }
        Filter::Not(inner) => Ok(Box::new(diesel::dsl::not(condition(inner)?))),
        Filter::And(operands) => fold(operands.as_slice(), true),
        Filter::Or(operands) => fold(operands.as_slice(), false),
    }
}

fn fold(operands: &[Filter], all: bool) -> Result<Condition, ScimError> {
    let mut iter = operands.iter();
    let first = iter
        .next()
        .ok_or_else(|| ScimError::filter("an empty logical expression"))?;
    let mut acc = condition(first)?;
    for next in iter {
        let next = condition(next)?;
        acc = match all {
            true => Box::new(acc.and(next)),
            false => Box::new(acc.or(next)),
        };
    }
    Ok(acc)
}

/// Inside `emails[...]`: `type eq "work"` narrows nothing (we hold one, work, email); `value`
/// comparisons select.
fn email_filter(filter: &ValFilter) -> Result<Condition, ScimError> {
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(kind)))
            if path.name.eq_ignore_ascii_case("type") =>
        {
            Ok(match kind.eq_ignore_ascii_case("work") {
                true => Box::new(diesel::dsl::sql::<Bool>("1 = 1").nullable()),
                false => Box::new(diesel::dsl::sql::<Bool>("1 = 0").nullable()),
            })
        }
        ValFilter::Attr(AttrExp::Comparison(path, op, value))
            if path.name.eq_ignore_ascii_case("value") =>
        {
            text_condition(Column::Email, op, value, path)
        }
        ValFilter::And(operands) => {
            let mut acc: Option<Condition> = None;
            for operand in operands.as_slice() {
                let next = email_filter(operand)?;
                acc = Some(match acc {
                    Some(prev) => Box::new(prev.and(next)),
                    None => next,
                });
            }
            acc.ok_or_else(|| ScimError::filter("empty emails filter"))
        }
        _ => Err(ScimError::filter(
            "emails filters support type eq and value comparisons",
        )),
    }
}

#[derive(Clone, Copy)]
enum Column {
    UserName,
    Email,
    ExternalId,
    Id,
    Title,
    GivenName,
    FamilyName,
    Manager,
    EmployeeNumber,
}

fn attribute(expression: &AttrExp) -> Result<Condition, ScimError> {
    let (path, op, value) = match expression {
        AttrExp::Present(path) => (path, None, None),
        AttrExp::Comparison(path, op, value) => (path, Some(op), Some(value)),
    };
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
    let in_extension = path
        .uri
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE) || u.eq_ignore_ascii_case(GATEHOUSE));
    let column = match (name.as_str(), sub.as_deref(), in_extension) {
        ("username", None, false) => Column::UserName,
        ("emails", None | Some("value"), false) => Column::Email,
        ("externalid", None, false) => Column::ExternalId,
        ("id", None, false) => Column::Id,
        ("title", None, false) => Column::Title,
        ("name", Some("givenname"), false) => Column::GivenName,
        ("name", Some("familyname"), false) => Column::FamilyName,
        ("manager", None | Some("value"), _) => Column::Manager,
        // Both extensions carry it (one column): an admin may match on either.
        ("employeenumber", None, _) => Column::EmployeeNumber,
        ("active", None, false) => {
            return match (op, value) {
                (Some(CompareOp::Eq), Some(CompValue::True)) => {
                    Ok(Box::new(e::active.eq(true).nullable()))
                }
                (Some(CompareOp::Eq), Some(CompValue::False)) => {
                    Ok(Box::new(e::active.eq(false).nullable()))
                }
                (Some(CompareOp::Ne), Some(CompValue::True)) => {
                    Ok(Box::new(e::active.eq(false).nullable()))
                }
                (Some(CompareOp::Ne), Some(CompValue::False)) => {
                    Ok(Box::new(e::active.eq(true).nullable()))
                }
                (None, None) => Ok(Box::new(e::active.eq(e::active).nullable())),
                _ => Err(ScimError::filter(
                    "active compares with eq or ne and true or false",
                )),
            };
        }
        ("displayname", None, false) => {
            // The displayName Entra sent, else the one we compose (as the resource shows).
            let display = diesel::dsl::sql::<diesel::sql_types::Text>(
                "COALESCE(employees.display_name, employees.given_name || ' ' || employees.family_name)",
            );
            return match (op, value) {
                (Some(CompareOp::Eq), Some(CompValue::Str(v))) => {
                    Ok(Box::new(display.eq(v.clone()).nullable()))
                }
                _ => Err(ScimError::filter("displayName supports eq only")),
            };
        }
        _ => return Err(unsupported(path)),
    };
    match (op, value) {
        (None, _) => Ok(present(column)),
        (Some(op), Some(value)) => text_condition(column, op, value, path),
        (Some(_), None) => Err(ScimError::filter("a comparison needs a value")),
    }
}

fn present(column: Column) -> Condition {
    match column {
        Column::ExternalId => Box::new(e::external_id.is_not_null().nullable()),
        Column::Title => Box::new(e::job_title.is_not_null().nullable()),
        Column::Manager => Box::new(e::manager_ref.is_not_null().nullable()),
        Column::EmployeeNumber => Box::new(e::employee_number.is_not_null().nullable()),
        // Required attributes are always present.
        _ => Box::new(e::id.eq(e::id).nullable()),
    }
}

fn text_condition(
    column: Column,
    op: &CompareOp,
    value: &CompValue,
    path: &AttrPath,
) -> Result<Condition, ScimError> {
    let CompValue::Str(raw) = value else {
        return Err(ScimError::filter(format!(
            "{} compares with a string",
            describe(path)
        )));
    };
    // userName and emails are case-insensitive: compare their normalised keys.
    let folded = matches!(column, Column::UserName | Column::Email);
    let v = if folded {
        keys::normalise(raw)
    } else {
        raw.clone()
    };
    let like = |pattern: String| pattern;
    let escaped = escape_like(&v);
    let pattern = match op {
        CompareOp::Co => Some(like(format!("%{escaped}%"))),
        CompareOp::Sw => Some(like(format!("{escaped}%"))),
        CompareOp::Ew => Some(like(format!("%{escaped}"))),
        _ => None,
    };
    macro_rules! on {
        ($col:expr) => {
            match (op, pattern) {
                (CompareOp::Eq, _) => Ok(Box::new($col.eq(v).nullable()) as Condition),
                (CompareOp::Ne, _) => Ok(Box::new($col.ne(v).nullable()) as Condition),
                (_, Some(pattern)) => {
                    Ok(Box::new($col.like(pattern).escape('\\').nullable()) as Condition)
                }
                _ => Err(ScimError::filter(format!(
                    "{} does not support {op:?}",
                    describe(path)
                ))),
            }
        };
    }
    match column {
        Column::UserName => on!(e::user_name_key.assume_not_null()),
        Column::Email => on!(e::email_key.assume_not_null()),
        Column::ExternalId => on!(e::external_id.assume_not_null()),
        Column::Id => on!(e::id),
        Column::Title => on!(e::job_title.assume_not_null()),
        Column::GivenName => on!(e::given_name),
        Column::FamilyName => on!(e::family_name),
        Column::Manager => on!(e::manager_ref.assume_not_null()),
        Column::EmployeeNumber => on!(e::employee_number.assume_not_null()),
    }
}

fn escape_like(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn describe(path: &AttrPath) -> String {
    match &path.sub_attr {
        Some(sub) => format!("{}.{sub}", path.name),
        None => path.name.clone(),
    }
}

fn unsupported(path: &AttrPath) -> ScimError {
    ScimError::filter(format!(
        "filtering on {} is not supported; use userName, externalId, id, emails, displayName, active, title, name, manager or employeeNumber",
        describe(path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_filters_parse() {
        for text in [
            r#"userName eq "ann@acme.com""#,
            r#"externalId eq "4fa2""#,
            r#"emails[type eq "work"].value eq "ann@acme.com""#,
            r#"userName eq "a" and active eq true"#,
            r#"id eq "d7f0c6d4-6e1b-4b0e-9d3e-1f0a6c1d2e3f""#,
        ] {
            let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(condition(&filter).is_ok(), "{text}");
        }
        assert_eq!(
            rewrite_value_path_comparison(r#"emails[type eq "work"].value eq "x""#),
            r#"emails[type eq "work" and value eq "x"]"#
        );
    }

    #[test]
    fn other_filters_are_invalid_filter_errors() {
        for text in [
            r#"nickName eq "x""#,
            r#"userName gt 5"#,
            "userName eq",
            r#"meta.created gt "2020""#,
        ] {
            let result = parse(text).and_then(|f| condition(&f).map(|_| ()));
            let error = result.expect_err(text);
            assert_eq!(error.scim_type, Some("invalidFilter"), "{text}");
        }
    }
}
