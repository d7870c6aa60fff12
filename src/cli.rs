//! The command line: clap definitions only.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kure",
    version,
    about = "Lint Kubernetes manifests in GitOps repositories, with Kubernetes' exact semantics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests and report findings
    Lint(LintArgs),
    /// List the rules
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: RulesFormat,
    },
    /// Print a rule's documentation
    Explain {
        /// Rule id, as `kure rules` lists it
        rule: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Files and directories to lint (`-` reads standard input) [default: .]
    pub paths: Vec<PathBuf>,
    /// Output format, optionally written to a file: human, concise, json (`json=out.json`); repeatable
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<String>,
    /// Only these rules (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub select: Option<Vec<String>>,
    /// Not these rules (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ignore: Vec<String>,
    /// Skip files matching this glob while walking directories; repeatable
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and other ignore files
    #[arg(long)]
    pub no_ignore: bool,
    /// The name standard input is reported under
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}
