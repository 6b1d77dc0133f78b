//! Employee CSV import (previewed first, then applied all-or-nothing, as the CLI does) and export.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use tera::Context;

use super::form::Upload;
use super::guard::Admin;
use super::view::{self, Flash};
use crate::db::{self, Db};
use crate::directory::csv_io::{self, CsvError, ImportReport};
use crate::error::HttpError;

pub async fn page(admin: Admin) -> HttpResponse {
    form(&admin, StatusCode::OK, None)
}

fn form(admin: &Admin, status: StatusCode, flash: Option<Flash>) -> HttpResponse {
    let mut context = Context::new();
    context.insert("columns", &csv_io::COLUMNS.join(","));
    view::render(admin, status, "admin/import.html", "import", flash, context)
}

fn refused(admin: &Admin, error: CsvError) -> Result<HttpResponse, HttpError> {
    match error {
        CsvError::Directory(inner) => {
            let (status, flash) = view::flash_of(inner)?;
            Ok(form(admin, status, Some(flash)))
        }
        other => Ok(form(
            admin,
            StatusCode::BAD_REQUEST,
            Some(Flash::error(format!("Nothing was imported: {other}."))),
        )),
    }
}

/// Runs the import and keeps it (`keep`) or rolls it back (a preview).
async fn run(admin: &Admin, db: &Db, text: String, keep: bool) -> Result<ImportReport, CsvError> {
    let rows = csv_io::parse(text.as_bytes())?;
    let account_id = admin.account.id.clone();
    let by = admin.actor();
    db.run(move |conn| {
        let work = |c: &mut db::DbConnection| csv_io::apply(c, &account_id, &rows, &by);
        match keep {
            true => db::write(conn, work),
            false => db::dry_run(conn, work),
        }
    })
    .await
}

pub async fn preview(
    admin: Admin,
    upload: Upload,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    import(admin, upload, db, false).await
}

pub async fn apply(
    admin: Admin,
    upload: Upload,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    import(admin, upload, db, true).await
}

/// Runs the uploaded file (first step) or the text the preview carried (second step): rolled
/// back and shown as a preview, or kept.
async fn import(
    admin: Admin,
    upload: Upload,
    db: web::Data<Db>,
    keep: bool,
) -> Result<HttpResponse, HttpError> {
    let Some(text) = upload
        .text("file")
        .or(upload.text("csv"))
        .map(str::to_owned)
    else {
        let flash = Flash::error("Choose a CSV file first.");
        return Ok(form(&admin, StatusCode::BAD_REQUEST, Some(flash)));
    };
    let report = match run(&admin, &db, text.clone(), keep).await {
        Ok(report) => report,
        Err(error) => return refused(&admin, error),
    };
    if keep {
        let s = report.summary;
        let flash = Flash::ok(format!(
            "Imported: {} created, {} updated, {} unchanged.",
            s.created, s.updated, s.unchanged
        ));
        return Ok(form(&admin, StatusCode::OK, Some(flash)));
    }
    let changed: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.outcome != "unchanged")
        .collect();
    let mut context = Context::new();
    context.insert("report", &report);
    context.insert("changed", &changed);
    context.insert("csv", &text);
    Ok(view::render(
        &admin,
        StatusCode::OK,
        "admin/import_preview.html",
        "import",
        None,
        context,
    ))
}

pub async fn export(admin: Admin, db: web::Data<Db>) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let bytes = db
        .run(move |c| {
            let mut out = Vec::new();
            csv_io::export(c, &account_id, &mut out)?;
            Ok::<_, CsvError>(out)
        })
        .await
        .map_err(|error| match error {
            CsvError::Directory(inner) => HttpError::from(inner),
            other => HttpError::BadRequest(other.to_string()),
        })?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-employees.csv\"",
                admin.account.slug
            ),
        ))
        .body(bytes))
}
