use std::process::ExitCode;

use gatehouse::cli::{self, Cli};

fn main() -> ExitCode {
    // A wrong command line exits here with clap's usage code (2).
    let (args, matches) = Cli::parse_with_matches();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match args
        .settings
        .settings(&matches)
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
