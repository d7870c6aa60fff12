//! The `kure` command: arguments in (`cli`), the library's results out, printed, with the
//! exit code each command's contract gives (`commands`).

mod cli;
mod commands;
mod server;

use clap::Parser;
use std::process::ExitCode;

/// kubectl's `-f FILE` given to kure: the error says that kure takes the paths themselves,
/// and gives the command line without `-f`.
fn with_paths_tip(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let flag = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) => a.clone(),
        _ => return e,
    };
    if e.kind() != ErrorKind::UnknownArgument
        || !matches!(flag.split('=').next(), Some("-f" | "--filename"))
    {
        return e;
    }
    let mut line = vec!["kure".to_string()];
    for a in std::env::args_os().skip(1) {
        let a = a.to_string_lossy();
        match a.as_ref() {
            "-f" | "--filename" => {}
            _ if a.starts_with("-f=") || a.starts_with("--filename=") => {
                line.extend(a.split_once('=').map(|(_, v)| v.to_string()));
            }
            _ if a.starts_with("-f") => line.push(a[2..].to_string()),
            _ => line.push(a.into_owned()),
        }
    }
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![
            format!(
                "kure takes files and directories as they are, without -f (`-` is standard input): `{}`",
                line.join(" ")
            )
            .into(),
        ]),
    );
    e
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => with_paths_tip(e).exit(),
    };
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
