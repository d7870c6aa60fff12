//! kure: an offline linter for the Kubernetes manifests of GitOps repositories.
//!
//! The pipeline is `walk` → `yaml` → `model` → `rules` → `report`; `lint` drives it.

pub mod cli;
pub mod diagnostic;
pub mod lint;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod walk;
pub mod yaml;

use cli::{Command, LintArgs, RulesFormat};
use diagnostic::Severity;
use std::io::{IsTerminal, Write};

/// Runs one command and returns the process exit code.
pub fn run(command: Command) -> Result<u8, String> {
    match command {
        Command::Lint(args) => run_lint(args),
        Command::Rules { format } => {
            print!("{}", rules_listing(format));
            Ok(0)
        }
        Command::Explain { rule } => match rules::by_id(&rule) {
            Some(r) => {
                print!("{}", r.meta().doc);
                Ok(0)
            }
            None => Err(format!("unknown rule `{rule}` (see `kure rules`)")),
        },
    }
}

pub fn rules_listing(format: RulesFormat) -> String {
    match format {
        RulesFormat::Human => {
            let mut s = String::new();
            for r in rules::RULES {
                let m = r.meta();
                s.push_str(&format!(
                    "{:<28} {:<8} {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.summary
                ));
            }
            s
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules::RULES
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id,
                        "severity": m.severity.as_str(),
                        "fix": match m.fix { rules::FixAvailability::None => "none", rules::FixAvailability::Sometimes => "sometimes", rules::FixAvailability::Always => "always" },
                        "summary": m.summary,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Concise,
    Json,
}

fn parse_format(spec: &str) -> Result<(Format, Option<String>), String> {
    let (name, file) = match spec.split_once('=') {
        Some((n, f)) => (n, Some(f.to_string())),
        None => (spec, None),
    };
    let f = match name {
        "human" => Format::Human,
        "concise" => Format::Concise,
        "json" => Format::Json,
        other => {
            return Err(format!(
                "unknown format `{other}`: expected human, concise or json"
            ));
        }
    };
    Ok((f, file))
}

fn run_lint(args: LintArgs) -> Result<u8, String> {
    let formats = if args.format.is_empty() {
        vec![(Format::Human, None)]
    } else {
        args.format
            .iter()
            .map(|f| parse_format(f))
            .collect::<Result<Vec<_>, _>>()?
    };
    let opts = lint::LintOptions {
        paths: args.paths,
        stdin_filename: args.stdin_filename,
        exclude: args.exclude,
        no_ignore: args.no_ignore,
        select: args.select,
        ignore: args.ignore,
    };
    let result = lint::lint(&opts)?;
    let mut sources = report::human::Sources::new(result.stdin.clone());
    let mut wants_summary = false;
    for (format, file) in &formats {
        let color = file.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let text = match format {
            Format::Human => {
                wants_summary = true;
                report::human::render(&result.diagnostics, &mut sources, color)
            }
            Format::Concise => {
                wants_summary = true;
                report::concise::render(&result.diagnostics)
            }
            Format::Json => report::json::render(&result.diagnostics, &result.summary),
        };
        match file {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))?
            }
            None => {
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush())
                    && e.kind() != std::io::ErrorKind::BrokenPipe
                {
                    return Err(format!("cannot write output: {e}"));
                }
            }
        }
    }
    if wants_summary {
        for e in &result.summary.errors {
            eprintln!("{}: error: {}", e.path, e.message);
        }
        eprintln!(
            "{}",
            report::summary_line(&result.summary, &result.diagnostics)
        );
    }
    if !result.summary.errors.is_empty() {
        return Ok(2);
    }
    Ok(
        if result
            .diagnostics
            .iter()
            .any(|d| d.severity >= Severity::Error)
        {
            1
        } else {
            0
        },
    )
}
