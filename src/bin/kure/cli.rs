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
    /// Apply fixes to manifests, editing only the bytes each fix changes
    Fix(FixArgs),
    /// Set or remove labels as `kubectl label --local` would, in place; with
    /// --pod-templates and --service-selectors, in the order that keeps traffic flowing
    Label(LabelArgs),
    /// Convert Deployments, DaemonSets and StatefulSets into one another in place, removing
    /// what a `kubectl get -o yaml` dump left; --neat-only does only the latter
    Convert(ConvertArgs),
    /// Move objects off the apiVersions a Kubernetes version no longer serves (or has
    /// deprecated), in place
    Migrate(MigrateArgs),
    /// Print what `kustomize build DIR` makes of a kustomization, offline
    Render(RenderArgs),
    /// List the rules
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: RulesFormat,
    },
    /// Show the settings that govern a file: the `.kure.yaml` that applies to it, and each
    /// setting with where it comes from
    Config(ConfigArgs),
    /// Print a rule's documentation
    Explain {
        /// Rule id, as `kure rules` lists it
        rule: String,
    },
    /// Print the completion script for a shell (`kure completions bash > /etc/bash_completion.d/kure`)
    Completions {
        /// bash, elvish, fish, powershell or zsh
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Serve the Language Server Protocol over standard input and output, for editors
    Server,
    /// Print the man page of kure, or of one of its commands (`kure man lint | man -l -`)
    Man {
        /// A command, as `kure --help` lists them
        command: Option<String>,
    },
}

impl Command {
    /// Whether the command may write files (and so stops its writes, not itself, on SIGINT
    /// or SIGTERM).
    pub fn writes(&self) -> bool {
        match self {
            Command::Lint(a) => a.fix || a.add_suppressions.is_some(),
            Command::Fix(a) => !a.diff && !a.check,
            Command::Label(a) => !a.diff && !a.check,
            Command::Convert(a) => !a.diff && !a.check,
            Command::Migrate(a) => !a.diff && !a.check,
            Command::Render(_)
            | Command::Rules { .. }
            | Command::Config(_)
            | Command::Explain { .. }
            | Command::Completions { .. }
            | Command::Server
            | Command::Man { .. } => false,
        }
    }
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Kustomization directories (the current one by default); several are printed one
    /// after the other
    #[arg(default_value = ".")]
    pub dirs: Vec<std::path::PathBuf>,
    /// yaml (a YAML stream) or json (one object per line)
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: RenderFormat,
    /// Say where each object came from in a `config.kubernetes.io/origin` annotation, as
    /// kustomize's `buildMetadata: [originAnnotations]` does
    #[arg(long)]
    pub origin: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderFormat {
    Yaml,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format, optionally written to a file: human, concise, json, github, junit, sarif (`sarif=kure.sarif`); repeatable
    #[arg(long, value_name = "FORMAT[=FILE]")]
    pub format: Vec<String>,
    /// Apply safe fixes, then report what is left
    #[arg(long)]
    pub fix: bool,
    /// With --fix, apply unsafe fixes too
    #[arg(long, requires = "fix")]
    pub unsafe_fixes: bool,
    /// The lowest severity that makes the exit code 1
    /// [default: error, or the config's `fail-on`]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Write `# kure: ignore[rule-id] REASON` for every current finding, and report nothing
    #[arg(long, value_name = "REASON", conflicts_with_all = ["fix", "statistics"])]
    pub add_suppressions: Option<String>,
    /// Also check the change since git commit REF (a branch, tag, `HEAD`, a commit id): fields
    /// the API server refuses to update, selectors that outrun their pods' labels, workloads
    /// replaced beside the old ones
    #[arg(long, value_name = "REF", conflicts_with_all = ["fix", "add_suppressions"])]
    pub base: Option<String>,
    /// Report only the findings FILE does not record, and its entries that match nothing
    /// [default: the config's `baseline`]
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "add_suppressions"])]
    pub baseline: Option<std::path::PathBuf>,
    /// List the files the run lints, and those it skips or cannot read with the reason,
    /// instead of the findings
    #[arg(long, conflicts_with_all = ["fix", "add_suppressions", "statistics", "format", "write_baseline"])]
    pub show_files: bool,
    /// Record every current finding in FILE (a baseline for `--baseline`), and report nothing
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "add_suppressions", "baseline", "statistics"])]
    pub write_baseline: Option<std::path::PathBuf>,
    /// Exit 0 whatever the findings (2 still means a file could not be read)
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the findings only, without the summary line
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule has, instead of the findings
    #[arg(long, conflicts_with = "format")]
    pub statistics: bool,
    /// When to colour the human format
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Apply unsafe fixes too
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of the fixes and write nothing (exit 1 when there is one)
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Write nothing; exit 1 when a fix would change a file, 0 otherwise
    #[arg(long)]
    pub check: bool,
    /// Also report the findings the fixes leave, as `kure lint --format` does:
    /// human, concise, json, github, junit, sarif (`sarif=kure.sarif` to a file); repeatable
    #[arg(long, value_name = "FORMAT[=FILE]", conflicts_with_all = ["diff", "check"])]
    pub format: Vec<String>,
    /// Print no summary of the fixes
    #[arg(short, long)]
    pub quiet: bool,
    /// When to colour the human format
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

/// What to read, and which rules run.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// Files and directories (`-` reads standard input) [default: .]
    pub paths: Vec<PathBuf>,
    /// Only these rules (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub select: Option<Vec<String>>,
    /// Not these rules (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ignore: Vec<String>,
    /// The Kubernetes version the manifests are for (1.25 to 1.37) [default: 1.37]
    #[arg(long, value_name = "1.NN")]
    pub kubernetes_version: Option<String>,
    /// CRDs from outside the linted files (a file or a directory of them; repeatable), so
    /// their custom resources are checked
    #[arg(long = "schema", value_name = "PATH")]
    pub schemas: Vec<PathBuf>,
    /// Report custom resources that no CRD or catalog describes (info)
    #[arg(long)]
    pub require_schemas: bool,
    /// Do not check custom resources against the CRD catalog kure embeds
    #[arg(long)]
    pub no_catalog: bool,
    /// A directory of JSON Schemas in kubeconform's layout (GROUP/KIND_VERSION.json), looked
    /// up before the embedded catalog, for a newer or private catalog
    #[arg(long, value_name = "DIR")]
    pub schema_catalog: Option<PathBuf>,
    /// Report references that a Helm release or another source kure cannot see might provide
    #[arg(long)]
    pub strict_references: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// The file (or directory) whose settings to show
    #[arg(long, value_name = "PATH")]
    pub show: PathBuf,
    /// Read this config file instead of the nearest `.kure.yaml`
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LabelArgs {
    /// A file or directory to label (`-` reads standard input and prints the result); repeatable
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// The changes: KEY=VALUE sets a label, KEY- removes one
    #[arg(value_name = "KEY=VALUE|KEY-")]
    pub args: Vec<String>,
    /// Only objects whose labels match this selector (`app=web,tier!=db`, `env in (a,b)`)
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Only objects of this kind
    #[arg(long)]
    pub kind: Option<String>,
    /// Only objects of this name
    #[arg(long)]
    pub name: Option<String>,
    /// Change labels that already have another value
    #[arg(long)]
    pub overwrite: bool,
    /// Also label the pod templates of the workloads selected
    #[arg(long)]
    pub pod_templates: bool,
    /// Also change the selectors of the Services selected
    #[arg(long)]
    pub service_selectors: bool,
    /// Allow a Service to select fewer pod templates than before
    #[arg(long)]
    pub allow_narrowing: bool,
    /// Print a unified diff and write nothing (exit 1 when there is one)
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Write nothing; exit 1 when a file would change
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// Files and directories (`-` reads standard input and prints the result) [default: .]
    pub paths: Vec<PathBuf>,
    /// The Kubernetes version to migrate for (1.25 to 1.37)
    #[arg(long, value_name = "1.NN", required = true)]
    pub to_version: String,
    /// Also move objects off apiVersions that version still serves but has deprecated
    #[arg(long)]
    pub deprecated: bool,
    /// Adopt the new apiVersion's defaults instead of writing the old ones out
    #[arg(long)]
    pub new_defaults: bool,
    /// Print a unified diff and write nothing (exit 1 when there is one)
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Write nothing; exit 1 when a file would change
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
}

/// A kind `kure convert` converts to.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "lowercase")]
pub enum ConvertTarget {
    Deployment,
    DaemonSet,
    StatefulSet,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Files and directories (`-` reads standard input and prints the result)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The kind to convert to
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        required_unless_present = "neat_only"
    )]
    pub to: Option<ConvertTarget>,
    /// Only remove what a `kubectl get -o yaml` dump left: status, server-written metadata
    /// and annotations, and fields equal to the server's defaults
    #[arg(long, conflicts_with_all = ["to", "replicas", "service_name"])]
    pub neat_only: bool,
    /// Only objects of this kind (deployment, daemonset, statefulset, or their short names)
    #[arg(long)]
    pub kind: Option<String>,
    /// Only objects of this name
    #[arg(long)]
    pub name: Option<String>,
    /// spec.replicas of a DaemonSet turned into a Deployment or StatefulSet [default: 1]
    #[arg(long, value_name = "N")]
    pub replicas: Option<u32>,
    /// spec.serviceName of a new StatefulSet [default: a headless Service among the inputs
    /// that selects its pods]
    #[arg(long, value_name = "NAME")]
    pub service_name: Option<String>,
    /// Print a unified diff and write nothing (exit 1 when there is one)
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Write nothing; exit 1 when a file would change
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub walk: WalkArgs,
}

/// How directories are walked and standard input is named.
#[derive(Args, Debug)]
pub struct WalkArgs {
    /// Skip files matching this glob while walking directories; repeatable
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and other ignore files
    #[arg(long)]
    pub no_ignore: bool,
    /// The name standard input is reported under
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Read this config file instead of the nearest `.kure.yaml`
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Read no `.kure.yaml`, and lint single files alone, without the repository around them
    #[arg(long)]
    pub isolated: bool,
    /// Report files over this many MiB instead of reading them [default: 32, or the config's
    /// `max-file-size`; at most 2048]
    #[arg(long, value_name = "MIB")]
    pub max_file_size: Option<usize>,
}
