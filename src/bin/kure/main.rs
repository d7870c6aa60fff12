//! The `kure` command: arguments in (`cli`), the library's results out, printed, with the
//! exit code each command's contract gives (`commands`).

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(kure::Error::UnknownRule(id)) => {
            eprintln!(
                "kure: error: unknown rule `{id}`{} (see `kure rules`)",
                kure::suggest_rule(&id)
            );
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("kure: error: {e}");
            ExitCode::from(2)
        }
    }
}
