//! Each command: calls the library, prints what it returns, and decides the exit code
//! (0 clean, 1 findings or changes to make, 2 usage or I/O errors).

use crate::cli::{
    ColorChoice, Command, ConvertArgs, ConvertTarget, FailOn, FixArgs, InputArgs, LabelArgs,
    LintArgs, MigrateArgs, RenderArgs, RenderFormat, RulesFormat, WalkArgs,
};
use clap::CommandFactory;
use kure::report::{self, Format};
use kure::{Diagnostic, Error, FixAvailability, LintOptions, Severity, Summary};
use std::io::{IsTerminal, Write};

/// Runs one command and returns the process exit code.
pub fn run(command: Command) -> Result<u8, Error> {
    match command {
        Command::Lint(args) => lint(args),
        Command::Fix(args) => fix(args),
        Command::Label(args) => label(args),
        Command::Convert(args) => convert(args),
        Command::Migrate(args) => migrate(args),
        Command::Render(args) => render(args),
        Command::Rules { format } => {
            write_stdout(&rules_listing(format))?;
            Ok(0)
        }
        Command::Config(args) => show_config(&args),
        Command::Explain { rule } => match kure::rule(&rule) {
            Some(meta) => {
                write_stdout(meta.doc_body())?;
                Ok(0)
            }
            None => Err(Error::UnknownRule(rule)),
        },
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::Cli::command(), "kure", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man { command } => man(command.as_deref()),
        Command::Server => crate::server::run(),
    }
}

/// `kure man [COMMAND]`: the man page (roff) of kure, or of `kure COMMAND` as `kure-COMMAND(1)`.
fn man(command: Option<&str>) -> Result<u8, Error> {
    let mut kure = crate::cli::Cli::command();
    // each command's usage then reads `kure COMMAND`
    kure.build();
    let page = match command {
        None => kure,
        Some(name) => match kure.find_subcommand(name) {
            Some(sub) => sub
                .clone()
                .name(format!("kure-{name}"))
                .version(env!("CARGO_PKG_VERSION")),
            None => {
                let names: Vec<&str> = kure
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|&n| n != "help")
                    .collect();
                eprintln!(
                    "kure: error: no command `{name}`; the commands are {}",
                    names.join(", ")
                );
                return Ok(2);
            }
        },
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
        eprintln!("kure: error: cannot write the man page: {e}");
        return Ok(2);
    }
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(0)
}

/// `kure render`: each directory's objects, or the first error (exit 2) naming the file
/// and the entry that cannot be rendered.
fn render(args: RenderArgs) -> Result<u8, Error> {
    let mut out = String::new();
    for (i, dir) in args.dirs.iter().enumerate() {
        match kure::render::render_with(dir, args.origin) {
            Ok(res) => {
                if i > 0 && args.format == RenderFormat::Yaml && !res.is_empty() {
                    out.push_str("---\n");
                }
                out.push_str(&kure::render::write(
                    &res,
                    args.format == RenderFormat::Json,
                ));
            }
            Err(e) => {
                write_stdout(&out)?;
                eprintln!("kure: error: {e}");
                return Ok(2);
            }
        }
    }
    write_stdout(&out)?;
    Ok(0)
}

fn rules_listing(format: RulesFormat) -> String {
    match format {
        RulesFormat::Human => {
            let mut s = String::new();
            let width = kure::rules().map(|m| m.id.len()).max().unwrap_or(0);
            for m in kure::rules() {
                // ruff's marker: `*` when the rule can fix what it finds
                let fix = if m.fix == FixAvailability::None {
                    " "
                } else {
                    "*"
                };
                s.push_str(&format!(
                    "{:<width$} {:<8} {fix} {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.summary
                ));
            }
            s
        }
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = kure::rules()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "severity": m.severity.as_str(),
                        "fix": match m.fix {
                            FixAvailability::None => "none",
                            FixAvailability::Sometimes => "sometimes",
                            FixAvailability::Always => "always",
                        },
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

/// The `.kure.yaml` for a run: `--config`, else the nearest one, never with `--isolated`;
/// the file size limit it or the flag sets is set for the run.
fn config(walk: &WalkArgs, paths: &[std::path::PathBuf]) -> Result<Option<kure::Config>, Error> {
    let config = if walk.isolated {
        None
    } else {
        kure::Config::find(paths, walk.config.as_deref())?
    };
    if let Some(mib) = walk
        .max_file_size
        .or(config.as_ref().and_then(|c| c.max_file_size))
    {
        kure::set_max_file_size(mib).map_err(Error::Usage)?;
    }
    Ok(config)
}

/// `kure config --show PATH`: the config governing PATH (`--config`, else the nearest
/// `.kure.yaml` above it), and each setting with where it comes from.
fn show_config(args: &crate::cli::ConfigArgs) -> Result<u8, Error> {
    let path = &args.show;
    if !path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such file or directory",
            path.display()
        )));
    }
    let config = kure::Config::find(std::slice::from_ref(path), args.config.as_deref())?;
    let mut out = format!("file: {}\n", path.display());
    let shown = |p: &std::path::Path| {
        kure::walk::relative(kure::walk::cwd(), p)
            .display()
            .to_string()
    };
    match &config {
        Some(c) => {
            let mut extended: Vec<String> = Vec::new();
            for (_, p) in &c.origins {
                let p = shown(p);
                if p != shown(&c.path) && !extended.contains(&p) {
                    extended.push(p);
                }
            }
            let extends = if extended.is_empty() {
                String::new()
            } else {
                format!(" (extends {})", extended.join(", "))
            };
            out.push_str(&format!("config: {}{extends}\n", shown(&c.path)));
        }
        None => out.push_str("config: none (kure's defaults)\n"),
    }
    // each key's source: the config of the `extend` chain that set it, or kure's default
    let source = |key: &str| -> String {
        config
            .as_ref()
            .and_then(|c| c.origins.iter().find(|(k, _)| *k == key))
            .map_or("default".to_string(), |(_, p)| shown(p))
    };
    let mut line = |key: &str, value: String| {
        out.push_str(&format!("{key}: {value}  # {}\n", source(key)));
    };
    let c = config.as_ref();
    let list = |v: &[String]| {
        if v.is_empty() {
            "[]".to_string()
        } else {
            format!("[{}]", v.join(", "))
        }
    };
    let rules: Vec<String> = c
        .map(|c| {
            c.rules
                .iter()
                .map(|(id, l)| format!("{id}: {}", l.name()))
                .collect()
        })
        .unwrap_or_default();
    line("rules", list(&rules));
    let select = c.and_then(|c| c.select.clone());
    line(
        "select",
        select
            .as_deref()
            .map_or("[the default rules]".to_string(), list),
    );
    let ignore = c.and_then(|c| c.ignore.clone());
    line("ignore", list(ignore.as_deref().unwrap_or_default()));
    let exclude = c.map(|c| c.exclude.clone()).unwrap_or_default();
    line("exclude", list(&exclude));
    let fail_on = c.and_then(|c| c.fail_on);
    line(
        "fail-on",
        fail_on.map_or("error".to_string(), |s| s.as_str().to_string()),
    );
    let version = c.and_then(|c| c.kubernetes_version);
    line(
        "kubernetes-version",
        format!("1.{}", version.unwrap_or(kure::NEWEST_KUBERNETES)),
    );
    let schemas: Vec<String> = c
        .map(|c| {
            c.schemas
                .iter()
                .map(|p| c.dir.join(p).display().to_string())
                .collect()
        })
        .unwrap_or_default();
    line("schemas", list(&schemas));
    line("catalog", c.is_none_or(|c| c.catalog).to_string());
    let catalog_dir = c.and_then(|c| c.schema_catalog.as_ref().map(|d| c.dir.join(d)));
    line(
        "schema-catalog",
        catalog_dir
            .as_ref()
            .map_or("none".to_string(), |d| d.display().to_string()),
    );
    let strict = c.is_some_and(|c| c.strict_references);
    line("strict-references", strict.to_string());
    let size = c.and_then(|c| c.max_file_size);
    line(
        "max-file-size",
        format!(
            "{} MiB",
            size.unwrap_or(kure::MAX_FILE_BYTES / (1024 * 1024))
        ),
    );
    let baseline = c.and_then(|c| c.baseline.as_ref().map(|b| c.dir.join(b)));
    line(
        "baseline",
        baseline
            .as_ref()
            .map_or("none".to_string(), |b| b.display().to_string()),
    );
    if let Some(c) = c {
        let rel = kure::walk::relative(&c.dir, &kure::walk::normalize(path));
        let hits: Vec<String> = c
            .overrides
            .iter()
            .filter(|o| o.applies(&rel, None))
            .flat_map(|o| o.rules.iter().map(|(id, l)| format!("{id}: {}", l.name())))
            .collect();
        out.push_str(&format!(
            "overrides for this file: {}  # {} (overrides by kind, namespace or name apply per object)\n",
            list(&hits),
            source("overrides")
        ));
    }
    write_stdout(&out)?;
    Ok(0)
}

/// The walk's exclusions: the flags', or the config's.
fn excludes(walk: &WalkArgs, config: Option<&kure::Config>) -> Vec<String> {
    match config {
        Some(c) if walk.exclude.is_empty() => c.exclude.clone(),
        _ => walk.exclude.clone(),
    }
}

/// A lint run's options: the flags, over the config (each file's nearest, unless
/// `--config` names one or `--isolated` reads none).
fn options(
    input: InputArgs,
    fix: Option<kure::FixOptions>,
    config: Option<&kure::Config>,
) -> Result<LintOptions, Error> {
    let flags = kure::Flags {
        kubernetes_version: input
            .kubernetes_version
            .as_deref()
            .map(kure::parse_kubernetes_version)
            .transpose()
            .map_err(Error::Usage)?,
        select: input.select,
        ignore: input.ignore,
        exclude: input.walk.exclude.clone(),
        command_select: false,
        schemas: input.schemas,
        require_schemas: input.require_schemas,
        no_catalog: input.no_catalog,
        schema_catalog: input.schema_catalog,
        strict_references: input.strict_references,
    };
    Ok(LintOptions {
        rules: kure::merge_config(&flags, config),
        per_file_configs: discovers(&input.walk).then_some(flags),
        paths: input.paths,
        stdin_filename: input.walk.stdin_filename,
        no_ignore: input.walk.no_ignore,
        fix,
        new_defaults: false,
        isolated: input.walk.isolated,
        base: None,
        baseline: None,
        context_cache: None,
        definitions_at: None,
    })
}

/// Whether each file's nearest config governs it (neither `--config` nor `--isolated`).
fn discovers(walk: &WalkArgs) -> bool {
    !walk.isolated && walk.config.is_none()
}

/// The width human output wraps to: `COLUMNS` when set, else the terminal's; none when
/// standard output is not a terminal (piped output is not wrapped).
fn output_width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(c.max(20));
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    Some(terminal_size::terminal_size().map_or(120, |(w, _)| usize::from(w.0)))
}

/// Read and write errors, one line each on stderr.
fn print_errors(summary: &Summary) {
    for e in &summary.errors {
        print_error(e);
    }
}

/// A file's error; the files a signal kept from being written are summed up once, at exit.
fn print_error(e: &kure::FileError) {
    if !matches!(e.kind, kure::FileErrorKind::Interrupted) {
        eprintln!("{}: error: {}", e.path, e.kind);
    }
}

/// Findings other than refused fixes: what `kure lint` would still report.
fn remaining(diags: &[Diagnostic]) -> usize {
    diags
        .iter()
        .filter(|d| d.rule != kure::FIX_REFUSED.id)
        .count()
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|_| out.flush()))
}

/// The outcome of writing to standard output: a reader that went away (`| head`) is not an
/// error.
fn stdout_result(r: std::io::Result<()>) -> Result<(), Error> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

fn fix(args: FixArgs) -> Result<u8, Error> {
    let formats = args
        .format
        .iter()
        .map(|f| Format::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let stdin = args.input.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.input.paths.len() > 1 {
        return Err(Error::Usage(
            "`kure fix -` reads standard input only; name no other paths".to_string(),
        ));
    }
    if stdin && !formats.is_empty() {
        return Err(Error::Usage(
            "`kure fix -` prints the fixed text and its findings on standard error; --format is for files"
                .to_string(),
        ));
    }
    let unsafe_fixes = args.unsafe_fixes;
    let config = config(&args.input.walk, &args.input.paths)?;
    let opts = options(
        args.input,
        Some(kure::FixOptions {
            unsafe_fixes,
            write: !stdin && !args.diff && !args.check,
            only: None,
        }),
        config.as_ref(),
    )?;
    let result = kure::lint(&opts)?;
    if stdin {
        // editor on-save: the text (fixed or not) on stdout, what is left on stderr
        print_errors(&result.summary);
        if !result.summary.errors.is_empty() {
            return Ok(2);
        }
        if let Some((_, text)) = &result.stdin {
            write_stdout(text)?;
        }
        print_fix_summary(&result, &result.diagnostics, unsafe_fixes, "applied");
        return Ok(0);
    }
    let refused: Vec<Diagnostic> = result
        .diagnostics
        .iter()
        .filter(|d| d.rule == kure::FIX_REFUSED.id)
        .cloned()
        .collect();
    let changed = !result.changes.is_empty();
    let verb = if args.diff || args.check {
        write_stdout(&preview(
            &result.changes,
            args.diff,
            "would fix",
            ("finding", "findings"),
        ))?;
        "to apply"
    } else {
        "applied"
    };
    // the findings left, in the formats asked for (a CI step that fixes and reports)
    let fail_on = config
        .as_ref()
        .and_then(|c| c.fail_on)
        .unwrap_or(Severity::Error);
    write_reports(&formats, &result, args.color, fail_on)?;
    // stdout carries only the diff or the list of files, so a diff can be piped to `patch`
    print_errors(&result.summary);
    if !args.quiet {
        print_fix_summary(&result, &refused, unsafe_fixes, verb);
    }
    Ok(if !result.summary.errors.is_empty() {
        2
    } else if (args.diff || args.check) && changed {
        1
    } else {
        0
    })
}

/// What `--diff` (a unified diff per file, ready for `patch`) or `--check` (a line per file)
/// prints of the files a command would change.
fn preview(changes: &[kure::Change], diff: bool, would: &str, what: (&str, &str)) -> String {
    let mut out = String::new();
    for c in changes {
        if diff {
            out.push_str(
                &similar::TextDiff::from_lines(&c.original, &c.fixed)
                    .unified_diff()
                    .context_radius(3)
                    .header(&c.path, &c.path)
                    .to_string(),
            );
        } else {
            out.push_str(&format!(
                "{would} {}: {}\n",
                c.path,
                report::plural(c.rules.len(), what.0, what.1)
            ));
        }
    }
    out
}

/// The findings to list, one line each, and the summary line of `kure fix`, on stderr.
fn print_fix_summary(result: &kure::LintResult, listed: &[Diagnostic], unsafe_: bool, verb: &str) {
    eprint!("{}", report::concise(listed));
    eprintln!(
        "{}",
        report::fix_summary_line(
            &result.summary,
            &result.diagnostics,
            unsafe_,
            verb,
            remaining(&result.diagnostics),
        )
    );
}

fn lint(args: LintArgs) -> Result<u8, Error> {
    let formats = if args.format.is_empty() {
        vec![(Format::DEFAULT, None)]
    } else {
        args.format
            .iter()
            .map(|f| Format::parse(f))
            .collect::<Result<Vec<_>, _>>()?
    };
    let fix = args.fix.then_some(kure::FixOptions {
        write: true,
        unsafe_fixes: args.unsafe_fixes,
        only: None,
    });
    if fix.is_some() && args.input.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::Usage(
            "`kure lint --fix` does not read standard input; `kure fix -` prints the fixed text"
                .to_string(),
        ));
    }
    let config = config(&args.input.walk, &args.input.paths)?;
    let fail_on = args
        .fail_on
        .map(|f| match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        })
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(Severity::Error);
    let given = args.input.paths.clone();
    let mut opts = options(args.input, fix, config.as_ref())?;
    opts.base = args.base.clone();
    // `baseline:` is relative to its config; writing one reads none
    if args.write_baseline.is_none() {
        opts.baseline = args.baseline.clone().or_else(|| {
            config
                .as_ref()
                .and_then(|c| c.baseline.as_ref().map(|b| c.dir.join(b)))
        });
    }
    if let Some(reason) = &args.add_suppressions {
        let added = kure::add_suppressions(&opts, reason, true)?;
        for e in &added.errors {
            print_error(e);
        }
        for l in &added.left {
            eprintln!("warning: {l}");
        }
        eprintln!(
            "{} added in {}",
            report::plural(added.added, "suppression", "suppressions"),
            report::plural(added.changes.len(), "file", "files")
        );
        return Ok(if !added.errors.is_empty() {
            2
        } else {
            u8::from(!added.left.is_empty())
        });
    }
    let result = kure::lint(&opts)?;
    if args.show_files {
        return show_files(&result.summary);
    }
    if let Some(file) = &args.write_baseline {
        print_errors(&result.summary);
        let stdin = result.stdin.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
        let n = kure::write_baseline(file, &result.diagnostics, stdin)?;
        eprintln!(
            "{} written to {}",
            report::plural(n, "finding", "findings"),
            file.display()
        );
        return Ok(if result.summary.errors.is_empty() {
            0
        } else {
            2
        });
    }
    let mut wants_summary = false;
    let formats = if args.statistics { Vec::new() } else { formats };
    if args.statistics {
        write_stdout(&statistics(&result.diagnostics))?;
        wants_summary = true;
    }
    wants_summary |= write_reports(&formats, &result, args.color, fail_on)?;
    if !args.quiet {
        no_manifests_warning(&result.summary, &given);
    }
    if wants_summary {
        print_errors(&result.summary);
        if !args.quiet {
            eprintln!(
                "{}",
                report::summary_line(&result.summary, &result.diagnostics, opts.fix.is_some())
            );
            if let Some(hint) = helm_hint(&result.summary) {
                eprintln!("{hint}");
            }
        }
    }
    if !result.summary.errors.is_empty() {
        return Ok(2);
    }
    let threshold = fail_on;
    let failing = result.diagnostics.iter().any(|d| d.severity >= threshold);
    Ok(u8::from(failing && !args.exit_zero))
}

/// `--show-files`: every file the run reached, in path order, with why it was not linted.
fn show_files(summary: &Summary) -> Result<u8, Error> {
    let mut rows: Vec<(&str, String)> = summary
        .linted_paths
        .iter()
        .map(|p| (p.as_str(), String::new()))
        .collect();
    rows.extend(
        summary
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), format!("  skipped: {}", s.reason))),
    );
    rows.extend(
        summary
            .errors
            .iter()
            .map(|e| (e.path.as_str(), format!("  unreadable: {}", e.kind))),
    );
    rows.sort();
    let text: String = rows
        .iter()
        .map(|(p, why)| format!("{}{why}\n", p.strip_prefix("./").unwrap_or(p)))
        .collect();
    write_stdout(&text)?;
    Ok(if summary.errors.is_empty() { 0 } else { 2 })
}

/// The filters given to a run that changed nothing (`--kind X and --name y`), if any.
fn filters(given: &[(&str, &Option<String>)]) -> Option<String> {
    let set: Vec<String> = given
        .iter()
        .filter_map(|(flag, v)| v.as_ref().map(|v| format!("{flag} {v}")))
        .collect();
    (!set.is_empty()).then(|| set.join(" and "))
}

/// What ruff says of a run with nothing to check: the paths hold no manifest (a typo in a
/// path, or the wrong directory). A warning, not an error: exit 0.
fn no_manifests_warning(summary: &Summary, paths: &[std::path::PathBuf]) {
    if summary.linted > 0 || !summary.errors.is_empty() {
        return;
    }
    let shown: Vec<String> = if paths.is_empty() {
        vec![".".to_string()]
    } else {
        paths.iter().map(|p| p.display().to_string()).collect()
    };
    let skipped = if summary.skipped.is_empty() {
        String::new()
    } else {
        format!(
            " ({} skipped: see the summary)",
            report::plural(summary.skipped.len(), "file", "files")
        )
    };
    eprintln!(
        "warning: no manifests found under {}{skipped}",
        shown.join(", ")
    );
}

/// Helm chart templates are skipped (they are not YAML until rendered): how to lint what a
/// chart renders, naming the chart of the first one skipped (the directory holding
/// `Chart.yaml` above it).
fn helm_hint(summary: &Summary) -> Option<String> {
    let skipped: Vec<&str> = summary
        .skipped
        .iter()
        .filter(|s| s.reason == "helm-template")
        .map(|s| s.path.as_str())
        .collect();
    let first = std::path::Path::new(skipped.first()?);
    let chart = first
        .ancestors()
        .skip(1)
        .find(|d| d.join("Chart.yaml").is_file())
        .map_or_else(
            || "CHART".to_string(),
            |d| {
                let d = d.display().to_string();
                if d.is_empty() { ".".to_string() } else { d }
            },
        );
    Some(format!(
        "hint: {} Helm chart {} skipped; lint what a chart renders: `helm template {chart} | kure lint -`",
        skipped.len(),
        if skipped.len() == 1 {
            "template was"
        } else {
            "templates were"
        },
    ))
}

/// Writes the findings of `result` in each format, to standard output or its file; true when
/// one of the formats wants the summary line after it.
fn write_reports(
    formats: &[(Format, Option<String>)],
    result: &kure::LintResult,
    color: ColorChoice,
    fail_on: Severity,
) -> Result<bool, Error> {
    let mut sources = report::Sources::new(result.stdin.clone());
    let rules: Vec<&'static kure::RuleMeta> = kure::rules().collect();
    let mut wants_summary = false;
    let width = output_width();
    for (format, file) in formats {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                file.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        wants_summary |= format.summary_line;
        let mut write = |out: &mut dyn Write| {
            let mut output = report::Output {
                diagnostics: &result.diagnostics,
                summary: &result.summary,
                sources: &mut sources,
                color,
                width: if file.is_none() { width } else { None },
                rules: &rules,
                fail_on,
            };
            format.write(out, &mut output).and_then(|_| out.flush())
        };
        match file {
            Some(path) => std::fs::File::create(path)
                .and_then(|f| write(&mut std::io::BufWriter::new(f)))
                .map_err(|source| Error::WriteReport {
                    path: path.clone(),
                    source,
                })?,
            None => stdout_result(write(&mut std::io::BufWriter::new(
                std::io::stdout().lock(),
            )))?,
        }
    }
    Ok(wants_summary)
}

/// `--statistics`: findings per rule, most first, `[*]` where some can be fixed.
fn statistics(diags: &[Diagnostic]) -> String {
    let mut by_rule: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for d in diags {
        let slot = by_rule.entry(d.rule).or_default();
        slot.0 += 1;
        slot.1 += usize::from(d.fix.is_some());
    }
    let mut rows: Vec<(&str, (usize, usize))> = by_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let width = rows.first().map_or(1, |r| r.1.0.to_string().len());
    rows.iter()
        .map(|(rule, (n, fixable))| {
            let mark = if *fixable > 0 { " [*]" } else { "" };
            format!("{n:>width$}  {rule}{mark}\n")
        })
        .collect()
}

/// kubectl's reading of `label` arguments: the changes come after any resources, and with
/// local files there are no resources (k8s-facts.md 8).
fn label_changes(args: &[String]) -> Result<Vec<String>, Error> {
    let is_pair =
        |a: &str| (a.contains('=') && !a.starts_with('=')) || (a.ends_with('-') && a != "-");
    let first = args.iter().position(|a| is_pair(a)).unwrap_or(args.len());
    if let Some(resource) = args[..first].first() {
        return Err(Error::Usage(format!(
            "kure label reads files given with -f, not resources (`{resource}`); changes are KEY=VALUE or KEY-"
        )));
    }
    if let Some(other) = args[first..].iter().find(|a| !is_pair(a)) {
        return Err(Error::Usage(format!(
            "all resources must be specified before label changes: {other}"
        )));
    }
    Ok(args.to_vec())
}

fn label(args: LabelArgs) -> Result<u8, Error> {
    let stdin = args.files.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.files.len() > 1 {
        return Err(Error::Usage(
            "`kure label -f -` reads standard input only; name no other files".to_string(),
        ));
    }
    let config = config(&args.walk, &args.files)?;
    let opts = kure::LabelOptions {
        exclude: excludes(&args.walk, config.as_ref()),
        config: config.as_ref().map(|c| c.path.clone()),
        per_file_configs: discovers(&args.walk).then(|| kure::Flags {
            exclude: args.walk.exclude.clone(),
            ..Default::default()
        }),
        workloads: config
            .as_ref()
            .map(|c| c.workloads.clone())
            .unwrap_or_default(),
        paths: args.files,
        stdin_filename: args.walk.stdin_filename,
        no_ignore: args.walk.no_ignore,
        changes: label_changes(&args.args)?,
        selector: args.selector.clone(),
        kind: args.kind.clone(),
        name: args.name.clone(),
        overwrite: args.overwrite,
        pod_templates: args.pod_templates,
        service_selectors: args.service_selectors,
        allow_narrowing: args.allow_narrowing,
        write: !stdin && !args.diff && !args.check,
    };
    let outcome = kure::label(&opts)?;
    for e in &outcome.errors {
        print_error(e);
    }
    for r in &outcome.refused {
        eprintln!("error: {r}");
    }
    if !outcome.refused.is_empty() {
        eprintln!("refused: no file changed");
        if stdin && let Some((_, text)) = &outcome.stdin {
            // an editor pipe gets its buffer back as it was
            write_stdout(text)?;
        }
        return Ok(if outcome.errors.is_empty() { 1 } else { 2 });
    }
    if stdin {
        if let Some((_, text)) = &outcome.stdin {
            write_stdout(text)?;
        }
    } else if args.diff || args.check {
        write_stdout(&preview(
            &outcome.changes,
            args.diff,
            "would label",
            ("object", "objects"),
        ))?;
    }
    let verb = if args.diff || args.check {
        "to label"
    } else {
        "labeled"
    };
    for l in &outcome.labelled {
        eprintln!("{}: {} {verb} ({})", l.path, l.object, l.parts.join(", "));
    }
    if outcome.labelled.is_empty() {
        let f = filters(&[
            ("--kind", &args.kind),
            ("--name", &args.name),
            ("-l", &args.selector),
        ]);
        eprintln!(
            "note: nothing to label: {}",
            match f {
                Some(f) => format!(
                    "no object among the files matches {f}, or every one that does has these labels already"
                ),
                None => "every object among the files has these labels already".to_string(),
            }
        );
    }
    eprintln!(
        "{} {verb} in {}",
        report::plural(outcome.labelled.len(), "object", "objects"),
        report::plural(outcome.changes.len(), "file", "files")
    );
    Ok(if !outcome.errors.is_empty() {
        2
    } else if (args.diff || args.check) && !outcome.changes.is_empty() {
        1
    } else {
        0
    })
}

fn convert(args: ConvertArgs) -> Result<u8, Error> {
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.paths.len() > 1 {
        return Err(Error::Usage(
            "`kure convert -` reads standard input only; name no other files".to_string(),
        ));
    }
    let to = args.to.map(|t| match t {
        ConvertTarget::Deployment => "deployment",
        ConvertTarget::DaemonSet => "daemonset",
        ConvertTarget::StatefulSet => "statefulset",
    });
    let config = config(&args.walk, &args.paths)?;
    let flags = kure::Flags {
        exclude: args.walk.exclude.clone(),
        command_select: true,
        ..Default::default()
    };
    let opts = kure::ConvertOptions {
        rules: kure::merge_config(&flags, config.as_ref()),
        per_file_configs: discovers(&args.walk).then_some(flags.clone()),
        paths: args.paths,
        stdin_filename: args.walk.stdin_filename,
        no_ignore: args.walk.no_ignore,
        to: to.map(str::to_string),
        kind: args.kind.clone(),
        name: args.name.clone(),
        replicas: args.replicas,
        service_name: args.service_name,
        write: !stdin && !args.diff && !args.check,
    };
    let outcome = kure::convert(&opts)?;
    for e in &outcome.errors {
        print_error(e);
    }
    for r in &outcome.refused {
        eprintln!("error: {r}");
    }
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    if !outcome.refused.is_empty() {
        eprintln!("refused: no file changed");
        if stdin && let Some((_, text)) = &outcome.stdin {
            // an editor pipe gets its buffer back as it was
            write_stdout(text)?;
        }
        return Ok(if outcome.errors.is_empty() { 1 } else { 2 });
    }
    let preview_only = args.diff || args.check;
    if stdin {
        if let Some((_, text)) = &outcome.stdin {
            write_stdout(text)?;
        }
    } else if preview_only {
        let would = if args.neat_only {
            "would neaten"
        } else {
            "would convert"
        };
        write_stdout(&preview(
            &outcome.changes,
            args.diff,
            would,
            ("object", "objects"),
        ))?;
    }
    let verb = match (args.neat_only, preview_only) {
        (true, true) => "to neaten",
        (true, false) => "neatened",
        (false, true) => "to convert",
        (false, false) => "converted",
    };
    for c in &outcome.converted {
        match c.to {
            Some(to) => eprintln!("{}: {} {verb} to {to}", c.path, c.object),
            None => eprintln!("{}: {} {verb}", c.path, c.object),
        }
        for step in &c.steps {
            eprintln!("  {step}");
        }
        if c.neatened > 0 {
            eprintln!(
                "  removed {} a dump leaves (status, server-written metadata, defaults)",
                report::plural(c.neatened, "field", "fields")
            );
        }
    }
    eprintln!(
        "{} {verb} in {}",
        report::plural(outcome.converted.len(), "object", "objects"),
        report::plural(outcome.changes.len(), "file", "files")
    );
    if outcome.converted.is_empty() {
        let kind = |t: &str| match t {
            "deployment" => "Deployment",
            "daemonset" => "DaemonSet",
            _ => "StatefulSet",
        };
        let not_yet = to.map_or_else(String::new, |t| {
            format!(" that is not a {} already", kind(t))
        });
        let f = filters(&[("--kind", &args.kind), ("--name", &args.name)])
            .map_or_else(String::new, |f| format!(" matches {f}"));
        eprintln!(
            "note: nothing to convert: no Deployment, DaemonSet or StatefulSet among the files{f}{not_yet}"
        );
    }
    let kinds_changed: Vec<&kure::Converted> = outcome
        .converted
        .iter()
        .filter(|c| c.to.is_some())
        .collect();
    if !kinds_changed.is_empty() {
        // the seed's lesson: applying a DaemonSet named rng leaves deploy/rng running
        eprintln!(
            "note: applying the new objects does not remove the old ones from a cluster; both run side by side until you delete the old ones (or your GitOps tool prunes them):"
        );
        for c in kinds_changed {
            let (kind, name) = c.object.split_once('/').unwrap_or((&c.object, ""));
            let ns = c
                .namespace
                .as_deref()
                .map(|n| format!(" -n {n}"))
                .unwrap_or_default();
            eprintln!("  kubectl delete {} {name}{ns}", kind.to_ascii_lowercase());
        }
    }
    Ok(if !outcome.errors.is_empty() {
        2
    } else if preview_only && !outcome.changes.is_empty() {
        1
    } else {
        0
    })
}

fn migrate(args: MigrateArgs) -> Result<u8, Error> {
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.paths.len() > 1 {
        return Err(Error::Usage(
            "`kure migrate -` reads standard input only; name no other paths".to_string(),
        ));
    }
    let version = kure::parse_kubernetes_version(&args.to_version).map_err(Error::Usage)?;
    let mut select = vec!["removed-api-version".to_string()];
    if args.deprecated {
        select.push("deprecated-api-version".to_string());
    }
    let preview_only = args.diff || args.check;
    let config = config(&args.walk, &args.paths)?;
    // the config's rules set to off, and its per-file and per-object levels, hold here too
    let flags = kure::Flags {
        select: Some(select),
        exclude: args.walk.exclude.clone(),
        kubernetes_version: Some(version),
        command_select: true,
        ..Default::default()
    };
    let opts = LintOptions {
        rules: kure::merge_config(&flags, config.as_ref()),
        per_file_configs: discovers(&args.walk).then_some(flags),
        paths: args.paths,
        stdin_filename: args.walk.stdin_filename,
        no_ignore: args.walk.no_ignore,
        fix: Some(kure::FixOptions {
            unsafe_fixes: true,
            write: !stdin && !preview_only,
            only: None,
        }),
        new_defaults: args.new_defaults,
        // a migration looks at each object alone
        isolated: true,
        base: None,
        baseline: None,
        context_cache: None,
        definitions_at: None,
    };
    let result = kure::lint(&opts)?;
    print_errors(&result.summary);
    if stdin {
        if let Some((_, text)) = &result.stdin {
            write_stdout(text)?;
        }
    } else if preview_only {
        write_stdout(&preview(
            &result.changes,
            args.diff,
            "would migrate",
            ("object", "objects"),
        ))?;
    }
    // what is left: objects kure does not rewrite (the table says what to do), and
    // migrations the verifier refused
    let left: Vec<Diagnostic> = result
        .diagnostics
        .iter()
        .filter(|d| d.rule != kure::FIX_REFUSED.id || d.message.contains("api-version"))
        .cloned()
        .collect();
    for d in &left {
        let help = d
            .help
            .as_deref()
            .map(|h| format!(": {h}"))
            .unwrap_or_default();
        eprintln!(
            "{}:{}:{}: {}{help}",
            d.at.path.strip_prefix("./").unwrap_or(&d.at.path),
            d.at.location.start.line,
            d.at.location.start.column,
            d.message
        );
    }
    let moved: usize = result.changes.iter().map(|c| c.rules.len()).sum();
    let verb = if preview_only {
        "to migrate"
    } else {
        "migrated"
    };
    eprintln!(
        "{} {verb} in {}; {} left as {} (Kubernetes 1.{version})",
        report::plural(moved, "object", "objects"),
        report::plural(result.changes.len(), "file", "files"),
        left.len(),
        if left.len() == 1 { "it is" } else { "they are" },
    );
    Ok(if !result.summary.errors.is_empty() {
        2
    } else if !left.is_empty() || (preview_only && !result.changes.is_empty()) {
        1
    } else {
        0
    })
}
