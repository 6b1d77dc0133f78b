//! The import rules of ARCHITECTURE.md, checked against `src/`: a test fails when a module
//! reaches up or sideways. Comment lines are not code and are skipped.

use std::path::{Path, PathBuf};

/// Each area and what it must never name. Dependencies point down:
/// `saml`/`scim`/`admin` (and the coming `oidc`/`api`) -> `auth` -> `idp` -> `directory` -> `db`.
const RULES: &[(&str, &[&str])] = &[
    (
        "db",
        &[
            "crate::directory",
            "crate::idp",
            "crate::auth",
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::web",
            "crate::cli",
            "tera::",
            "samael::",
        ],
    ),
    (
        "directory",
        &[
            "crate::idp",
            "crate::auth",
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::web",
            "crate::cli",
            "crate::routes",
            "crate::error",
            "actix_web::",
            "tera::",
            "samael::",
        ],
    ),
    (
        "idp",
        &[
            "crate::auth",
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::web",
            "crate::cli",
            "actix_web::",
            "tera::",
            "samael::",
        ],
    ),
    (
        "auth",
        &[
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::cli",
            "samael::",
        ],
    ),
    (
        "web",
        &[
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::auth",
            "crate::cli",
        ],
    ),
    (
        "saml",
        &["crate::oidc", "crate::scim", "crate::admin", "crate::cli"],
    ),
    (
        "scim",
        &[
            "crate::oidc",
            "crate::saml",
            "crate::admin",
            "crate::cli",
            "samael::",
        ],
    ),
    (
        "admin",
        &[
            "crate::oidc",
            "crate::saml",
            "crate::scim",
            "crate::cli",
            "samael::",
        ],
    ),
    (
        "oidc",
        &[
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::api",
            "crate::cli",
            "samael::",
        ],
    ),
    (
        "api",
        &[
            "crate::saml",
            "crate::scim",
            "crate::admin",
            "crate::oidc",
            "crate::cli",
        ],
    ),
    ("cli", &["crate::saml", "crate::scim", "crate::admin"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every (file, line number, line) of code under `src/AREA`, or of `src/AREA.rs`.
fn code_of(area: &str) -> Vec<(PathBuf, usize, String)> {
    let mut files = Vec::new();
    rust_files(&src().join(area), &mut files);
    let single = src().join(format!("{area}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (number, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with("//") {
                lines.push((file.clone(), number + 1, line.to_owned()));
            }
        }
    }
    lines
}

fn broken(area: &str, forbidden: &[&str]) -> Vec<String> {
    code_of(area)
        .into_iter()
        .filter(|(_, _, line)| forbidden.iter().any(|f| line.contains(f)))
        .map(|(file, number, line)| format!("{}:{number}: {}", file.display(), line.trim()))
        .collect()
}

#[test]
fn every_area_imports_only_what_is_below_it() {
    let mut broken_rules = Vec::new();
    for (area, forbidden) in RULES {
        broken_rules.extend(broken(area, forbidden));
    }
    assert!(
        broken_rules.is_empty(),
        "imports ARCHITECTURE.md forbids:\n{}",
        broken_rules.join("\n")
    );
}

#[test]
fn only_the_store_names_a_backend() {
    let mut found = Vec::new();
    for area in [
        "directory",
        "idp",
        "auth",
        "web",
        "saml",
        "scim",
        "admin",
        "cli",
        "oidc",
        "api",
    ] {
        found.extend(broken(area, &["DbConnection::Sqlite", "DbConnection::Pg"]));
    }
    assert!(
        found.is_empty(),
        "backend named outside src/db:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_broken_rule() {
    // The rule reader itself: `auth` really does import `directory`, so forbidding that
    // must report lines (a reader that saw nothing would pass every rule).
    assert!(!broken("auth", &["crate::directory"]).is_empty());
    assert!(code_of("nonexistent").is_empty());
}
