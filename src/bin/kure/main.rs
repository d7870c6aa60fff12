//! The `kure` command: arguments in (`cli`), the library's results out, printed, with the
//! exit code each command's contract gives (`commands`).

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if cli.command.writes()
        && let Err(e) = kure::stop_writing_on_signals()
    {
        eprintln!("kure: error: cannot handle signals: {e}");
        return ExitCode::from(2);
    }
    let done = commands::run(cli.command);
    if let Some(sig) = kure::stopped_by() {
        // the file being written was finished or left as it was; no other was touched
        let name = if sig == 2 { "SIGINT" } else { "SIGTERM" };
        eprintln!(
            "kure: interrupted by {name}: the files reported above as changed are written whole; every other file is unchanged"
        );
        return ExitCode::from(u8::try_from(128 + sig).unwrap_or(130));
    }
    match done {
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
