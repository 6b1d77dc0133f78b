use std::process::ExitCode;

use clap::Parser;
use gatehouse::cli::{self, Cli};
use gatehouse::config::Settings;

fn main() -> ExitCode {
    let args = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match Settings::from_env()
        .map_err(Into::into)
        .and_then(|s| cli::run(args.command, &s))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let error: gatehouse::error::Error = error;
            eprintln!("gatehouse: error: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
