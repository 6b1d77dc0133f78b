//! Employee CSV import and export: all-or-nothing, idempotent, errors that name row and field.

use gatehouse::db;
use gatehouse::directory::csv_io::{self, CsvError, ImportSummary};
use gatehouse::directory::{employees as people, lifecycle};

use crate::helpers::{Domain, csv, person, scim};

const PEOPLE: &str = "\
user_name,email,given_name,family_name,job_title,department,mobile_phone,work_phone,country,employment_date,payroll_number,employee_number,subsidiary,manager
boss@acme.com,boss@acme.com,Bo,Ss,CEO,Board,,,SE,2015-01-01,P-1,E-1,Acme AB,
ann@acme.com,ann@acme.com,Ann,Lee,Buyer,Sales,+46 70 1,+46 8 1,SE,2020-02-03,P-2,E-2,Acme AB,boss@acme.com
";

fn import(d: &Domain, text: &str) -> Result<ImportSummary, CsvError> {
    let rows = csv_io::parse(text.as_bytes())?;
    db::write(&mut d.conn(), |c| {
        csv_io::import(c, &d.account.id, &rows, &csv())
    })
}

fn count(d: &Domain) -> usize {
    people::list_current(&mut d.conn(), &d.account.id)
        .expect("list")
        .len()
}

#[test]
fn import_creates_people_with_all_fields_and_the_manager_as_approver() {
    let d = Domain::new();
    let summary = import(&d, PEOPLE).expect("import");
    assert_eq!(
        summary,
        ImportSummary {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );
    let mut conn = d.conn();
    let ann = people::find_by_user_name(&mut conn, &d.account.id, "ANN@acme.com")
        .expect("q")
        .expect("ann");
    let boss = people::find_by_user_name(&mut conn, &d.account.id, "boss@acme.com")
        .expect("q")
        .expect("boss");
    assert_eq!(ann.department.as_deref(), Some("Sales"));
    assert_eq!(ann.work_phone.as_deref(), Some("+46 8 1"));
    assert_eq!(
        ann.employment_date.map(|d| d.to_string()).as_deref(),
        Some("2020-02-03 00:00:00"),
        "a date is the start of the day in the account's zone (UTC)"
    );
    assert_eq!(ann.subsidiary.as_deref(), Some("Acme AB"));
    assert_eq!(ann.approver_id.as_deref(), Some(boss.id.as_str()));
    assert!(!ann.federated && ann.active);
    assert!(boss.is_approver);
}

#[test]
fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let before = people::list_current(&mut d.conn(), &d.account.id).expect("list");
    let summary = import(&d, PEOPLE).expect("second");
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    assert_eq!(
        people::list_current(&mut d.conn(), &d.account.id).expect("list"),
        before
    );
}

#[test]
fn a_file_with_one_bad_row_changes_nothing_and_names_row_and_field() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let before = people::list_current(&mut d.conn(), &d.account.id).expect("list");
    let bad = "user_name,email,department,employment_date\n\
               ann@acme.com,ann@acme.com,Marketing,2020-02-03\n\
               new@acme.com,new@acme.com,Sales,2021-02-30\n";
    let error = import(&d, bad).expect_err("bad date");
    assert_eq!(
        error.to_string(),
        "row 2 (line 3), field employment_date: \"2021-02-30\" is not a date as YYYY-MM-DD"
    );
    assert_eq!(
        people::list_current(&mut d.conn(), &d.account.id).expect("list"),
        before
    );
}

#[test]
fn a_conflict_found_while_writing_rolls_back_earlier_rows() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let before = people::list_current(&mut d.conn(), &d.account.id).expect("list");
    // Row 1 is fine and would be written; row 2 takes Ann's email for someone else.
    let clash = "user_name,email,job_title\n\
                 boss@acme.com,boss@acme.com,Chair\n\
                 carl@acme.com,ANN@acme.com,Clerk\n";
    let error = import(&d, clash).expect_err("email clash");
    assert!(
        matches!(&error, CsvError::Row { row: 2, field, .. } if field == "email"),
        "{error}"
    );
    assert_eq!(
        people::list_current(&mut d.conn(), &d.account.id).expect("list"),
        before
    );
}

#[test]
fn header_and_shape_errors_are_explained() {
    let d = Domain::new();
    let cases = [
        (
            "user_name,email,shoe_size\na@x.com,a@x.com,9\n",
            "unknown column \"shoe_size\"",
        ),
        (
            "user_name,given_name\na@x.com,A\n",
            "required column \"email\" is missing",
        ),
        (
            "user_name,email,email\na,a@x.com,a@x.com\n",
            "appears twice",
        ),
        ("", "the file is empty"),
        ("user_name,email\na@x.com\n", "line 2: not valid CSV"),
        (
            "user_name,email\na@x.com,a@x.com\nb@x.com,A@X.COM\n",
            "row 2 (line 3), field email: \"A@X.COM\" is also in row 1",
        ),
        (
            "user_name,email\n,a@x.com\n",
            "row 1 (line 2), field user_name: is required",
        ),
        (
            "user_name,email\na@x.com,not-mail\n",
            "row 1 (line 2), field email:",
        ),
        (
            "user_name,email,manager\na@x.com,a@x.com,ghost@x.com\n",
            "field manager: no current person",
        ),
    ];
    for (text, expected) in cases {
        let error = import(&d, text).expect_err(text);
        assert!(error.to_string().contains(expected), "{text:?}: {error}");
    }
    assert_eq!(count(&d), 0);
}

#[test]
fn columns_left_out_keep_their_values_and_empty_cells_clear() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let summary = import(
        &d,
        "\u{feff}USER_NAME,email,job_title\nann@acme.com,ann@acme.com,\n",
    )
    .expect("second");
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let ann = people::find_by_user_name(&mut d.conn(), &d.account.id, "ann@acme.com")
        .expect("q")
        .expect("ann");
    assert_eq!(ann.job_title, None);
    assert_eq!(ann.department.as_deref(), Some("Sales"));
    assert!(
        ann.approver_id.is_some(),
        "no manager column: approver kept"
    );
}

#[test]
fn export_then_import_is_a_round_trip_without_changes() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let mut out = Vec::new();
    let exported = csv_io::export(&mut d.conn(), &d.account.id, &mut out).expect("export");
    assert_eq!(exported, 2);
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.starts_with("user_name,email,given_name,family_name,job_title,department,"));
    // Phone numbers start with "+": quoted so that a spreadsheet does not run them.
    assert!(text.contains("ann@acme.com,ann@acme.com,Ann,Lee,Buyer,Sales,'+46 70 1,'+46 8 1,SE,2020-02-03,P-2,E-2,Acme AB,boss@acme.com"));
    let summary = import(&d, &text).expect("re-import");
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
}

#[test]
fn a_file_may_not_change_what_entra_manages() {
    let d = Domain::new();
    d.write(|c| lifecycle::provision(c, &d.account.id, person("ann@acme.com"), true, &scim()))
        .expect("provision");
    let same = "user_name,email,given_name,family_name\nann@acme.com,ann@acme.com,ann,Tester\n";
    assert_eq!(import(&d, same).expect("no change").unchanged, 1);
    let change = "user_name,email,department\nann@acme.com,ann@acme.com,Sales\n";
    let error = import(&d, change).expect_err("entra owns it");
    assert!(
        error
            .to_string()
            .contains("field department: this person is managed by Entra ID"),
        "{error}"
    );
}

#[test]
fn a_released_login_name_imports_as_a_new_person() {
    let d = Domain::new();
    import(&d, PEOPLE).expect("first");
    let ann = people::find_by_user_name(&mut d.conn(), &d.account.id, "ann@acme.com")
        .expect("q")
        .expect("ann");
    d.write(|c| lifecycle::release(c, &d.account.id, &ann.id, &csv()))
        .expect("release");
    let summary = import(&d, "user_name,email\nann@acme.com,ann@acme.com\n").expect("import");
    assert_eq!(summary.created, 1);
    let new_ann = people::find_by_user_name(&mut d.conn(), &d.account.id, "ann@acme.com")
        .expect("q")
        .expect("new ann");
    assert_ne!(new_ann.id, ann.id);
}
