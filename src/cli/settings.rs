//! The `GATEHOUSE_*` settings as they appear in `gatehouse --help`: one option each, read from
//! its environment variable when not given. They only carry text: `config::Settings` reads and
//! checks them (defaults, `NAME_FILE`, validation) through `Settings::from_lookup`, exactly as
//! `Settings::from_env` does, with an option given on the command line winning over both.

use clap::parser::ValueSource;
use clap::{ArgMatches, Args};

use crate::config::{ConfigError, Settings};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Settings (each option also read from its environment variable)")]
pub struct SettingsArgs {
    /// The store: sqlite://PATH (relative to the working folder; sqlite:///abs/path for an
    /// absolute one) or postgres://USER:PASSWORD@HOST:PORT/DB [default: sqlite://gatehouse.db]
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Address the HTTP server listens on [default: 127.0.0.1:8080]
    #[arg(long, env = "GATEHOUSE_BIND", hide_env_values = true)]
    bind: Option<String>,
    /// The address people and Entra ID reach Gatehouse at; every URL handed to Entra is built
    /// from it (https:// in production) [default: http://127.0.0.1:8080]
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL", hide_env_values = true)]
    public_url: Option<String>,
    /// Database connections per instance [default: 8]
    #[arg(long, env = "GATEHOUSE_DB_POOL_SIZE", hide_env_values = true)]
    db_pool_size: Option<String>,
    /// HTTP worker threads [default: number of cores]
    #[arg(long, env = "GATEHOUSE_WORKERS", hide_env_values = true)]
    workers: Option<String>,
    /// Days the provisioning log keeps its lines [default: 90]
    #[arg(long, env = "GATEHOUSE_PROVISIONING_LOG_DAYS", hide_env_values = true)]
    provisioning_log_days: Option<String>,
    /// Days the login journal keeps its rows, 1 to 3650 [default: 90]
    #[arg(long, env = "GATEHOUSE_LOGIN_JOURNAL_DAYS", hide_env_values = true)]
    login_journal_days: Option<String>,
    /// Password sign-in attempts per minute from one IP address, per instance [default: 20]
    #[arg(long, env = "GATEHOUSE_LOGIN_RATE_PER_MINUTE", hide_env_values = true)]
    login_rate_per_minute: Option<String>,
    /// Password hashing threads (lowest CPU priority; 19 MiB each) [default: 1]
    #[arg(long, env = "GATEHOUSE_PASSWORD_HASHING", hide_env_values = true)]
    password_hashing: Option<String>,
    /// Mail server for password links; unset, mail waits for `gatehouse mail outbox`
    #[arg(long, env = "GATEHOUSE_SMTP_HOST", hide_env_values = true)]
    smtp_host: Option<String>,
    /// Mail server port [default: 587, or 465 with tls]
    #[arg(long, env = "GATEHOUSE_SMTP_PORT", hide_env_values = true)]
    smtp_port: Option<String>,
    /// Mail server user name
    #[arg(long, env = "GATEHOUSE_SMTP_USER", hide_env_values = true)]
    smtp_user: Option<String>,
    /// Mail server password (prefer GATEHOUSE_SMTP_PASSWORD_FILE)
    #[arg(long, env = "GATEHOUSE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender address of the mail; required with a mail server
    #[arg(long, env = "GATEHOUSE_SMTP_FROM", hide_env_values = true)]
    smtp_from: Option<String>,
    /// starttls, tls or none [default: starttls]
    #[arg(long, env = "GATEHOUSE_SMTP_SECURITY", hide_env_values = true)]
    smtp_security: Option<String>,
    /// Bearer token GET /metrics asks for; unset, /metrics answers only direct clients on this
    /// host (prefer GATEHOUSE_METRICS_TOKEN_FILE)
    #[arg(long, env = "GATEHOUSE_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Comma-separated IP addresses of reverse proxies whose X-Forwarded-For is believed
    #[arg(long, env = "GATEHOUSE_TRUSTED_PROXIES", hide_env_values = true)]
    trusted_proxies: Option<String>,
    /// 1: webhooks may use http:// and loopback, private or link-local addresses (only for
    /// tests and closed networks) [default: 0]
    #[arg(long, env = "GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", hide_env_values = true)]
    webhooks_allow_private: Option<String>,
}

impl SettingsArgs {
    /// The settings, read and checked by `config` from these options and the environment.
    pub fn settings(&self, matches: &ArgMatches) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| {
            if let Some((_, value)) = self.option(name) {
                // The option, or else its variable (clap reads it).
                return value.clone();
            }
            match name
                .strip_suffix("_FILE")
                .and_then(|base| self.option(base))
            {
                // An option typed on the command line wins over NAME_FILE.
                Some((id, _)) if matches.value_source(id) == Some(ValueSource::CommandLine) => None,
                _ => std::env::var(name).ok(),
            }
        })
    }

    /// The option id and value of a setting, by its variable's name.
    fn option(&self, name: &str) -> Option<(&'static str, &Option<String>)> {
        Some(match name {
            "GATEHOUSE_DATABASE_URL" => ("database_url", &self.database_url),
            "GATEHOUSE_BIND" => ("bind", &self.bind),
            "GATEHOUSE_PUBLIC_URL" => ("public_url", &self.public_url),
            "GATEHOUSE_DB_POOL_SIZE" => ("db_pool_size", &self.db_pool_size),
            "GATEHOUSE_WORKERS" => ("workers", &self.workers),
            "GATEHOUSE_PROVISIONING_LOG_DAYS" => {
                ("provisioning_log_days", &self.provisioning_log_days)
            }
            "GATEHOUSE_LOGIN_JOURNAL_DAYS" => ("login_journal_days", &self.login_journal_days),
            "GATEHOUSE_LOGIN_RATE_PER_MINUTE" => {
                ("login_rate_per_minute", &self.login_rate_per_minute)
            }
            "GATEHOUSE_PASSWORD_HASHING" => ("password_hashing", &self.password_hashing),
            "GATEHOUSE_SMTP_HOST" => ("smtp_host", &self.smtp_host),
            "GATEHOUSE_SMTP_PORT" => ("smtp_port", &self.smtp_port),
            "GATEHOUSE_SMTP_USER" => ("smtp_user", &self.smtp_user),
            "GATEHOUSE_SMTP_PASSWORD" => ("smtp_password", &self.smtp_password),
            "GATEHOUSE_SMTP_FROM" => ("smtp_from", &self.smtp_from),
            "GATEHOUSE_SMTP_SECURITY" => ("smtp_security", &self.smtp_security),
            "GATEHOUSE_METRICS_TOKEN" => ("metrics_token", &self.metrics_token),
            "GATEHOUSE_TRUSTED_PROXIES" => ("trusted_proxies", &self.trusted_proxies),
            "GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE" => {
                ("webhooks_allow_private", &self.webhooks_allow_private)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::super::Cli;

    #[test]
    fn every_setting_option_feeds_its_variable() {
        let cli = Cli::parse_from(["gatehouse", "migrate"]);
        for arg in Cli::command().get_arguments() {
            let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
                continue;
            };
            let (id, _) = cli.settings.option(env).expect(env);
            assert_eq!(id, arg.get_id().as_str(), "{env}");
        }
    }

    #[test]
    fn an_option_on_the_command_line_is_the_setting() {
        use clap::FromArgMatches;
        let matches = Cli::command()
            .try_get_matches_from(["gatehouse", "--bind", "127.0.0.1:0", "migrate"])
            .expect("parses");
        let cli = Cli::from_arg_matches(&matches).expect("cli");
        let settings = cli.settings.settings(&matches).expect("valid");
        assert_eq!(settings.bind, "127.0.0.1:0");
    }
}
