//! Typed settings from the environment (`GATEHOUSE_*`). Any setting may instead be read from a
//! file named by `NAME_FILE` (for secrets such as a database password in the URL).

use crate::db::Store;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
    #[error("{name}_FILE: cannot read {path}: {reason}")]
    Unreadable {
        name: &'static str,
        path: String,
        reason: String,
    },
    #[error("GATEHOUSE_DATABASE_URL: {0}")]
    Store(#[from] crate::db::DbError),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: Store,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Base of every URL handed to Entra or to people; no trailing slash.
    pub public_url: String,
    pub db_pool_size: u32,
    pub workers: usize,
    /// Days the provisioning log keeps its lines.
    pub provisioning_log_days: u32,
    /// Days the login journal keeps its rows.
    pub login_journal_days: u32,
    /// Password sign-in attempts per minute from one IP address.
    pub login_rate_per_minute: u32,
    /// Password hashes computed at once (each takes 19 MiB and most of a core for a moment).
    pub password_hashing: usize,
    /// Where mail goes; without it, mail waits in the outbox for `gatehouse mail outbox`.
    pub smtp: Option<Smtp>,
    /// Bearer token `GET /metrics` asks for; without one it answers loopback peers only.
    pub metrics_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for per-IP limits and logs).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Webhooks may go to http:// URLs and to loopback, private and link-local addresses
    /// (`GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1`): only for tests and closed networks.
    pub webhooks_allow_private: bool,
}

#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub security: SmtpSecurity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    /// Plain text: only for a relay on the same host or in tests.
    None,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://gatehouse.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

impl Settings {
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &'static str| read(&lookup, name);
        let database_url =
            get("GATEHOUSE_DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let bind = get("GATEHOUSE_BIND")?.unwrap_or_else(|| DEFAULT_BIND.into());
        let public_url = get("GATEHOUSE_PUBLIC_URL")?.unwrap_or_else(|| DEFAULT_PUBLIC_URL.into());
        Ok(Settings {
            store: Store::parse(&database_url)?,
            bind,
            public_url: parse_public_url(&public_url)?,
            db_pool_size: number(&get("GATEHOUSE_DB_POOL_SIZE")?, "GATEHOUSE_DB_POOL_SIZE", 8)?,
            workers: number(
                &get("GATEHOUSE_WORKERS")?,
                "GATEHOUSE_WORKERS",
                std::thread::available_parallelism().map_or(2, |n| n.get()) as u32,
            )? as usize,
            provisioning_log_days: number(
                &get("GATEHOUSE_PROVISIONING_LOG_DAYS")?,
                "GATEHOUSE_PROVISIONING_LOG_DAYS",
                90,
            )?,
            login_journal_days: bounded(
                &get("GATEHOUSE_LOGIN_JOURNAL_DAYS")?,
                "GATEHOUSE_LOGIN_JOURNAL_DAYS",
                90,
                3650,
            )?,
            login_rate_per_minute: bounded(
                &get("GATEHOUSE_LOGIN_RATE_PER_MINUTE")?,
                "GATEHOUSE_LOGIN_RATE_PER_MINUTE",
                20,
                10_000_000,
            )?,
            smtp: smtp(&get)?,
            password_hashing: number(
                &get("GATEHOUSE_PASSWORD_HASHING")?,
                "GATEHOUSE_PASSWORD_HASHING",
                1,
            )? as usize,
            metrics_token: get("GATEHOUSE_METRICS_TOKEN")?.filter(|t| !t.trim().is_empty()),
            trusted_proxies: proxies(get("GATEHOUSE_TRUSTED_PROXIES")?.as_deref())?,
            webhooks_allow_private: switch(
                get("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE")?.as_deref(),
                "GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE",
            )?,
        })
    }

    /// Cookies get `Secure` when people reach us over https.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// How long the logs keep their lines.
    pub fn retention(&self) -> crate::directory::expiry::Retention {
        crate::directory::expiry::Retention {
            provisioning_log_days: self.provisioning_log_days,
            login_journal_days: self.login_journal_days,
        }
    }
}

/// A switch: 1 or true is on; 0, false or unset is off.
fn switch(text: Option<&str>, name: &'static str) -> Result<bool, ConfigError> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None | Some("0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            name,
            message: format!("{other:?} is not 1 or 0"),
        }),
    }
}

fn proxies(text: Option<&str>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse().map_err(|_| ConfigError::Invalid {
                name: "GATEHOUSE_TRUSTED_PROXIES",
                message: format!("{p:?} is not an IP address (give addresses, comma-separated)"),
            })
        })
        .collect()
}

fn smtp(
    get: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
) -> Result<Option<Smtp>, ConfigError> {
    let Some(host) = get("GATEHOUSE_SMTP_HOST")? else {
        return Ok(None);
    };
    let invalid = |name: &'static str, message: String| ConfigError::Invalid { name, message };
    let security = match get("GATEHOUSE_SMTP_SECURITY")?
        .as_deref()
        .unwrap_or("starttls")
    {
        "starttls" => SmtpSecurity::StartTls,
        "tls" => SmtpSecurity::Tls,
        "none" => SmtpSecurity::None,
        other => {
            return Err(invalid(
                "GATEHOUSE_SMTP_SECURITY",
                format!("{other:?} is not starttls, tls or none"),
            ));
        }
    };
    let default_port = match security {
        SmtpSecurity::Tls => 465,
        _ => 587,
    };
    let port = match get("GATEHOUSE_SMTP_PORT")? {
        Some(text) => text
            .parse()
            .map_err(|_| invalid("GATEHOUSE_SMTP_PORT", format!("{text:?} is not a port")))?,
        None => default_port,
    };
    let from = get("GATEHOUSE_SMTP_FROM")?.ok_or_else(|| {
        invalid(
            "GATEHOUSE_SMTP_FROM",
            "is required with GATEHOUSE_SMTP_HOST".into(),
        )
    })?;
    Ok(Some(Smtp {
        host,
        port,
        user: get("GATEHOUSE_SMTP_USER")?,
        password: get("GATEHOUSE_SMTP_PASSWORD")?,
        from,
        security,
    }))
}

fn read(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    if let Some(path) = lookup(&format!("{name}_FILE")).filter(|p| !p.is_empty()) {
        return std::fs::read_to_string(&path)
            .map(|text| Some(text.trim().to_owned()))
            .map_err(|e| ConfigError::Unreadable {
                name,
                path,
                reason: e.to_string(),
            });
    }
    Ok(lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty()))
}

fn number(value: &Option<String>, name: &'static str, default: u32) -> Result<u32, ConfigError> {
    bounded(value, name, default, 1024)
}

fn bounded(
    value: &Option<String>,
    name: &'static str,
    default: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                message: format!("{text:?} is not a whole number from 1 to {max}"),
            }),
        },
    }
}

/// Checks the public URL and writes it one way: scheme and host lower-cased, no default port,
/// no trailing slash. Browsers send Origin that way, and every URL we hand out is built from it.
fn parse_public_url(value: &str) -> Result<String, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        name: "GATEHOUSE_PUBLIC_URL",
        message: format!("{value:?} {message}"),
    };
    let lower = value.to_ascii_lowercase();
    let (scheme, default_port) = match () {
        _ if lower.starts_with("https://") => ("https", ":443"),
        _ if lower.starts_with("http://") => ("http", ":80"),
        _ => {
            return Err(invalid(
                "must start with https:// (or http:// for local trials)",
            ));
        }
    };
    let rest = &value[scheme.len() + 3..];
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host.is_empty() || rest.contains(['?', '#', ' ']) || host.contains('@') {
        return Err(invalid(
            "must be a plain URL such as https://gatehouse.example.com",
        ));
    }
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    Ok(format!("{scheme}://{host}{path}")
        .trim_end_matches('/')
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_store_on_loopback() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.store, Store::Sqlite("gatehouse.db".into()));
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert!(!s.is_https());
        assert_eq!((s.provisioning_log_days, s.login_journal_days), (90, 90));
    }

    #[test]
    fn public_url_is_checked_and_trimmed() {
        let s = settings(&[("GATEHOUSE_PUBLIC_URL", "https://gh.example.com/")]).expect("valid");
        assert_eq!(s.public_url, "https://gh.example.com");
        assert!(s.is_https());
        for (given, normal) in [
            ("https://GH.Example.com:443/", "https://gh.example.com"),
            (
                "HTTPS://gh.example.com:8443/Base",
                "https://gh.example.com:8443/Base",
            ),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            let s = settings(&[("GATEHOUSE_PUBLIC_URL", given)]).expect("valid");
            assert_eq!(s.public_url, normal, "{given}");
        }
        for bad in [
            "gh.example.com",
            "ftp://x",
            "https://",
            "https://x/?a=b",
            "https://u@x",
        ] {
            assert!(settings(&[("GATEHOUSE_PUBLIC_URL", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_can_come_from_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("url");
        std::fs::write(&path, "postgres://gh:pw@db/gh\n").expect("write");
        let path = path.to_string_lossy().into_owned();
        let s = settings(&[("GATEHOUSE_DATABASE_URL_FILE", &path)]).expect("valid");
        assert_eq!(s.store, Store::Postgres("postgres://gh:pw@db/gh".into()));
        let missing = settings(&[("GATEHOUSE_DATABASE_URL_FILE", "/nonexistent/url")]);
        assert!(matches!(missing, Err(ConfigError::Unreadable { .. })));
    }

    #[test]
    fn smtp_is_off_unless_a_host_is_set_and_needs_a_sender() {
        assert!(settings(&[]).expect("valid").smtp.is_none());
        assert!(
            settings(&[("GATEHOUSE_SMTP_HOST", "mail.acme.com")]).is_err(),
            "no FROM"
        );
        let s = settings(&[
            ("GATEHOUSE_SMTP_HOST", "mail.acme.com"),
            ("GATEHOUSE_SMTP_FROM", "gh@acme.com"),
        ])
        .expect("valid");
        let smtp = s.smtp.expect("smtp");
        assert_eq!((smtp.port, smtp.security), (587, SmtpSecurity::StartTls));
        assert!(
            settings(&[
                ("GATEHOUSE_SMTP_HOST", "m"),
                ("GATEHOUSE_SMTP_FROM", "f@x"),
                ("GATEHOUSE_SMTP_SECURITY", "ssl3")
            ])
            .is_err()
        );
    }

    #[test]
    fn the_login_journal_keeps_what_it_is_told() {
        let s = settings(&[("GATEHOUSE_LOGIN_JOURNAL_DAYS", "400")]).expect("valid");
        assert_eq!(s.login_journal_days, 400);
        for bad in ["0", "-1", "ninety", "4000"] {
            assert!(
                settings(&[("GATEHOUSE_LOGIN_JOURNAL_DAYS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn webhooks_reach_only_public_addresses_unless_allowed() {
        assert!(!settings(&[]).expect("valid").webhooks_allow_private);
        for on in ["1", "true", "TRUE"] {
            let s = settings(&[("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", on)]).expect("valid");
            assert!(s.webhooks_allow_private, "{on}");
        }
        let s = settings(&[("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", "0")]).expect("valid");
        assert!(!s.webhooks_allow_private);
        assert!(settings(&[("GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", "yes please")]).is_err());
    }

    #[test]
    fn bad_numbers_and_schemes_are_refused() {
        assert!(settings(&[("GATEHOUSE_DB_POOL_SIZE", "0")]).is_err());
        assert!(settings(&[("GATEHOUSE_WORKERS", "many")]).is_err());
        assert!(settings(&[("GATEHOUSE_DATABASE_URL", "mysql://x/y")]).is_err());
    }
}
