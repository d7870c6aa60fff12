use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kure::cli::Cli::parse();
    match kure::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kure: error: {e}");
            ExitCode::from(2)
        }
    }
}
