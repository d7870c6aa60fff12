//! kure: an offline linter for the Kubernetes manifests of GitOps repositories.
//!
//! The pipeline is `walk` → `yaml` → `model` → `rules` → `report`; `lint` drives it.

pub mod apply;
pub mod cli;
pub mod diagnostic;
pub mod fix;
pub mod lint;
pub mod load;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod summary;
pub mod walk;
pub mod yaml;

use cli::{Command, FixArgs, InputArgs, LintArgs, RulesFormat};
use diagnostic::Severity;
use std::io::{IsTerminal, Write};

/// Runs one command and returns the process exit code.
pub fn run(command: Command) -> Result<u8, String> {
    match command {
        Command::Lint(args) => run_lint(args),
        Command::Fix(args) => run_fix(args),
        Command::Rules { format } => {
            print!("{}", rules_listing(format));
            Ok(0)
        }
        Command::Explain { rule } => match rules::by_id(&rule) {
            Some(r) => {
                print!("{}", rules::doc_body(r.meta().doc));
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
                // ruff's marker: `*` when the rule can fix what it finds
                let fix = if m.fix == rules::FixAvailability::None {
                    " "
                } else {
                    "*"
                };
                s.push_str(&format!(
                    "{:<28} {:<8} {fix} {}\n",
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

fn options(input: InputArgs, fix: Option<lint::FixOptions>) -> lint::LintOptions {
    lint::LintOptions {
        paths: input.paths,
        stdin_filename: input.stdin_filename,
        exclude: input.exclude,
        no_ignore: input.no_ignore,
        select: input.select,
        ignore: input.ignore,
        fix,
    }
}

/// Read and write errors, one line each on stderr.
fn print_errors(summary: &lint::Summary) {
    for e in &summary.errors {
        eprintln!("{}: error: {}", e.path, e.message);
    }
}

/// Findings other than refused fixes: what `kure lint` would still report.
fn remaining(diags: &[diagnostic::Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.rule != rules::FIX_REFUSED.id)
        .count()
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write output: {e}"))
        }
        _ => Ok(()),
    }
}

fn run_fix(args: FixArgs) -> Result<u8, String> {
    let stdin = args.input.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.input.paths.len() > 1 {
        return Err("`kure fix -` reads standard input only; name no other paths".to_string());
    }
    let unsafe_fixes = args.unsafe_fixes;
    let opts = options(
        args.input,
        Some(lint::FixOptions {
            unsafe_fixes,
            will_write: !stdin && !args.diff && !args.check,
        }),
    );
    let mut result = lint::lint(&opts)?;
    if stdin {
        // editor on-save: the text (fixed or not) on stdout, what is left on stderr
        print_errors(&result.summary);
        if !result.summary.errors.is_empty() {
            return Ok(2);
        }
        if let Some((_, text)) = &result.stdin {
            write_stdout(text)?;
        }
        eprint!("{}", report::concise::render(&result.diagnostics));
        eprintln!(
            "{}",
            report::fix_summary_line(
                &result.summary,
                &result.diagnostics,
                unsafe_fixes,
                "applied",
                remaining(&result.diagnostics),
            )
        );
        return Ok(0);
    }
    let refused: Vec<diagnostic::Diagnostic> = result
        .diagnostics
        .iter()
        .filter(|d| d.rule == rules::FIX_REFUSED.id)
        .cloned()
        .collect();
    let changed = !result.changes.is_empty();
    let verb = if args.diff || args.check {
        let mut out = String::new();
        for c in &result.changes {
            if args.diff {
                out.push_str(
                    &similar::TextDiff::from_lines(&c.original, &c.fixed)
                        .unified_diff()
                        .context_radius(3)
                        .header(&c.path, &c.path)
                        .to_string(),
                );
            } else {
                out.push_str(&format!(
                    "would fix {}: {}\n",
                    c.path,
                    report::plural(c.rules.len(), "finding", "findings")
                ));
            }
        }
        write_stdout(&out)?;
        "to apply"
    } else {
        result.write_changes();
        "applied"
    };
    // stdout carries only the diff or the list of files, so a diff can be piped to `patch`
    eprint!("{}", report::concise::render(&refused));
    print_errors(&result.summary);
    eprintln!(
        "{}",
        report::fix_summary_line(
            &result.summary,
            &result.diagnostics,
            unsafe_fixes,
            verb,
            remaining(&result.diagnostics),
        )
    );
    Ok(if !result.summary.errors.is_empty() {
        2
    } else if (args.diff || args.check) && changed {
        1
    } else {
        0
    })
}

fn run_lint(args: LintArgs) -> Result<u8, String> {
    let formats = if args.format.is_empty() {
        vec![(report::Format::Human, None)]
    } else {
        args.format
            .iter()
            .map(|f| report::Format::parse(f))
            .collect::<Result<Vec<_>, _>>()?
    };
    let fix = args.fix.then_some(lint::FixOptions {
        will_write: true,
        unsafe_fixes: args.unsafe_fixes,
    });
    if fix.is_some() && args.input.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(
            "`kure lint --fix` does not read standard input; `kure fix -` prints the fixed text"
                .to_string(),
        );
    }
    let opts = options(args.input, fix);
    let mut result = lint::lint(&opts)?;
    result.write_changes();
    let mut sources = report::human::Sources::new(result.stdin.clone());
    let mut wants_summary = false;
    for (format, file) in &formats {
        let color = file.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        wants_summary |= format.has_summary_line();
        let text = format.render(&result.diagnostics, &result.summary, &mut sources, color);
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
        print_errors(&result.summary);
        eprintln!(
            "{}",
            report::summary_line(&result.summary, &result.diagnostics, opts.fix.is_some())
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
