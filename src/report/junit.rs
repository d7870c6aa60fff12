//! JUnit XML (quick-junit): a test suite per file linted, a test case per finding (failing
//! when the finding fails the run, as `--fail-on` says; passing, with the finding in its
//! properties and output, when it does not), and one passing test case for each file
//! without findings, so CI dashboards list every file.

use crate::diagnostic::{Diagnostic, Severity};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;

pub const FORMAT: super::Format = super::Format {
    name: "junit",
    summary_line: false,
    write: |out, o| write(out, o.diagnostics, &o.summary.linted_paths, o.fail_on),
};

pub fn write(
    out: &mut dyn std::io::Write,
    diags: &[Diagnostic],
    linted: &[String],
    fail_on: Severity,
) -> std::io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for p in linted {
        by_file.entry(p.as_str()).or_default();
    }
    for d in diags {
        by_file.entry(&d.at.path).or_default().push(d);
    }
    let mut report = Report::new("kure");
    for (path, found) in by_file {
        let mut suite = TestSuite::new(path);
        if found.is_empty() {
            let mut case = TestCase::new("kure", TestCaseStatus::success());
            case.set_classname(path);
            suite.add_test_case(case);
        }
        for d in found {
            let p = d.at.location.start;
            let description = format!(
                "{path}:{}:{}: {}[{}] {}",
                p.line,
                p.column,
                d.severity.as_str(),
                d.rule,
                d.message
            );
            let name = format!("{} at {}:{}", d.rule, p.line, p.column);
            let mut case = if d.severity >= fail_on {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(d.message.as_str())
                    .set_type(d.severity.as_str())
                    .set_description(description);
                TestCase::new(name, status)
            } else {
                let mut case = TestCase::new(name, TestCaseStatus::success());
                case.set_system_out(description);
                case
            };
            case.properties
                .push(Property::new("severity", d.severity.as_str()));
            case.properties.push(Property::new("rule", d.rule));
            case.set_classname(path);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .serialize(&mut *out)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    out.write_all(b"\n")
}
