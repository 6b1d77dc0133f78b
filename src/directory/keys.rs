//! The one place that decides when two login names or emails are "the same".

/// Folds case with Unicode rules (SQLite's `lower()` folds ASCII only, so this is done in Rust
/// and stored in the `*_key` columns that carry the unique indexes).
pub fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn folds_case_beyond_ascii_and_trims() {
        assert_eq!(
            normalise("  Anna.Öberg@Contoso.COM "),
            "anna.öberg@contoso.com"
        );
        assert_eq!(normalise("ÉLODIE@X.FR"), normalise("élodie@x.fr"));
    }
}
