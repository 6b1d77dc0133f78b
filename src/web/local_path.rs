//! Where we may send a browser next: the one check every channel (SAML RelayState, the
//! sign-in form's `next`) shares.

/// Only paths on this site are ever redirected to (no `//host`, no scheme, no backslashes).
pub fn local_path(candidate: &str) -> Option<&str> {
    let plain = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control)
        && candidate.len() <= 1024;
    plain.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_kept() {
        for good in ["/", "/reports?week=3", "/a/b#c"] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
