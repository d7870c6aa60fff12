//! Writes that must keep the data, and commands that must never quietly do nothing: each
//! test is a reproducer a user or a fuzzer met, with what the user must see instead.

mod common;
use common::*;
use std::fs;
use std::path::Path;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: rng
spec:
  replicas: 1
  selector:
    matchLabels:
      app: rng
  template:
    metadata:
      labels:
        app: rng
    spec:
      containers:
      - name: rng
        image: rng
";

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn convert_gives_standard_input_back_when_nothing_converts() {
    // a ConfigMap, an object already of the kind, one the name filter leaves out
    for (args, input) in [
        (vec!["convert", "--to", "daemonset", "-"], CONFIGMAP),
        (vec!["convert", "--to", "deployment", "-"], DEPLOYMENT),
        (
            vec!["convert", "--to", "daemonset", "--name", "other", "-"],
            DEPLOYMENT,
        ),
    ] {
        let r = run_stdin(&args, input.as_bytes());
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, input, "{args:?} must print its input unchanged");
        assert!(r.stderr.contains("0 objects converted"), "{}", r.stderr);
    }
}

#[test]
fn convert_to_statefulset_reads_standard_input_once() {
    // looking for a headless Service read standard input before the conversion did
    let r = run_stdin(
        &[
            "convert",
            "--to",
            "statefulset",
            "--stdin-filename",
            "rng.yaml",
            "-",
        ],
        DEPLOYMENT.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        DEPLOYMENT.replace("kind: Deployment", "kind: StatefulSet")
    );
    assert!(
        r.stderr
            .contains("rng.yaml: Deployment/rng converted to StatefulSet"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_refused_conversion_gives_standard_input_back() {
    let mounted = DEPLOYMENT.replace(
        "        image: rng\n",
        "        image: rng\n        volumeMounts:\n        - {name: data, mountPath: /d}\n",
    );
    let sts = mounted.replace("kind: Deployment", "kind: StatefulSet").replace(
        "  replicas: 1\n",
        "  serviceName: rng\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    );
    let r = run_stdin(&["convert", "--to", "deployment", "-"], sts.as_bytes());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("refused: no file changed"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, sts);
}

const SOPS_SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: s
  creationTimestamp: null
type: Opaque
stringData:
  key: ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]
sops:
  age:
    - recipient: age1xyz
      enc: |
        -----BEGIN AGE ENCRYPTED FILE-----
        abc
        -----END AGE ENCRYPTED FILE-----
  lastmodified: \"2024-01-01T00:00:00Z\"
  mac: ENC[AES256_GCM,data:mac=,iv:x=,tag:y=,type:str]
  version: 3.8.1
";

#[test]
fn a_sops_encrypted_file_is_reported_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "secret.sops.yaml", SOPS_SECRET);
    let dump = DEPLOYMENT.replace("image: rng", "image: ENC[AES256_GCM,data:x=,type:str]")
        + "sops:\n  mac: ENC[AES256_GCM,data:m=,type:str]\n  version: 3.8.1\n";
    let d = write(dir.path(), "rng.sops.yaml", &dump);
    // the finding is reported, without a fix, and the summary says why once
    let (code, v) = lint_json(&["secret.sops.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 0);
    let f = findings_with_messages(&v);
    assert_eq!(
        (f[0].0.as_str(), f[0].1, f[0].2),
        ("server-populated-field", 5, 3)
    );
    assert!(
        v["diagnostics"][0]["fix"].is_null(),
        "{}",
        v["diagnostics"][0]
    );
    assert_eq!(v["summary"]["encrypted"], 1);
    let r = run(&["lint", "secret.sops.yaml"], Some(dir.path()));
    assert!(
        r.stderr.contains("1 file encrypted by SOPS never fixed (a change would break the SOPS MAC; edit with `sops`)"),
        "{}",
        r.stderr
    );
    // fix, lint --fix, fix --unsafe-fixes: nothing written
    for args in [
        vec!["fix", "."],
        vec!["fix", "--unsafe-fixes", "."],
        vec!["lint", "--fix", "."],
    ] {
        let r = run(&args, Some(dir.path()));
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
        assert_eq!(fs::read_to_string(&p).unwrap(), SOPS_SECRET, "{args:?}");
    }
    // standard input comes back as read
    let r = run_stdin(&["fix", "-"], SOPS_SECRET.as_bytes());
    assert_eq!(r.stdout, SOPS_SECRET);
    // the transforms refuse with the reason
    for args in [
        vec!["convert", "--to", "daemonset", "rng.sops.yaml"],
        vec!["label", "-f", "rng.sops.yaml", "team=a"],
    ] {
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "rng.sops.yaml: the file is encrypted by SOPS, and a change would break its MAC"
            ),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(fs::read_to_string(&d).unwrap(), dump);
    }
    let r = run(
        &["lint", "--add-suppressions", "dump", "."],
        Some(dir.path()),
    );
    assert!(
        r.stderr
            .contains("secret.sops.yaml: encrypted by SOPS; no comment added"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), SOPS_SECRET);
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let text = DEPLOYMENT.replace("app: rng", "active: yes");
    let p = write(dir.path(), "ro.yaml", &text);
    fs::set_permissions(&p, fs::Permissions::from_mode(0o444)).unwrap();
    for args in [
        vec!["fix", "ro.yaml"],
        vec!["convert", "--to", "daemonset", "ro.yaml"],
        vec!["label", "-f", "ro.yaml", "team=a"],
    ] {
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("ro.yaml: error: not written: permission denied"),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), text);
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o444
        );
    }
}

/// Many small files to fix, each with two safe fixes, and what each becomes once fixed.
fn fixable_tree(n: usize) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let before = DEPLOYMENT
        .replace(
            "      labels:\n        app: rng",
            "      labels:\n        app: rng\n        on: yes",
        )
        .replace("  name: rng\n", "  name: rng\n  creationTimestamp: null\n");
    for i in 0..n {
        let sub = dir.path().join(format!("d{}", i % 40));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("f{i}.yaml")), &before).unwrap();
    }
    let r = run_stdin(&["fix", "-"], before.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(r.stdout, before);
    (dir, before, r.stdout)
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_leave_every_file_whole_and_no_temporary_file() {
    use std::process::Stdio;
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        for delay_ms in [5u64, 40, 120, 300] {
            let (dir, before, after) = fixable_tree(3000);
            let child = kure()
                .args(["fix", "."])
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            // SAFETY: a signal to the child this test started
            unsafe { libc::kill(child.id() as libc::pid_t, sig) };
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let got = out.status.code();
            // a run that finished before the signal exits 0
            assert!(
                got == Some(code) || got == Some(0),
                "signal {sig} after {delay_ms} ms: {got:?} {stderr}"
            );
            if got == Some(code) {
                assert!(stderr.contains("kure: interrupted by SIG"), "{stderr}");
                assert!(!stderr.contains("error:"), "{stderr}");
            }
            let (mut fixed, mut untouched) = (0, 0);
            for sub in fs::read_dir(dir.path()).unwrap() {
                for e in fs::read_dir(sub.unwrap().path()).unwrap() {
                    let e = e.unwrap();
                    let name = e.file_name().to_string_lossy().into_owned();
                    assert!(!name.starts_with(".kure-"), "temporary file left: {name}");
                    let text = fs::read_to_string(e.path()).unwrap();
                    if text == after {
                        fixed += 1;
                    } else {
                        assert_eq!(text, before, "{name} is neither original nor fixed");
                        untouched += 1;
                    }
                }
            }
            assert_eq!(fixed + untouched, 3000);
            // what was written is what the run says it wrote
            assert!(
                stderr.contains(&format!("applied in {fixed} file")),
                "{fixed} files fixed: {stderr}"
            );
            if got == Some(0) {
                assert_eq!(fixed, 3000);
            }
        }
    }
}

#[test]
fn a_file_that_starts_with_a_directive_is_a_parse_error_and_never_written() {
    // kubectl 1.37: "error converting YAML to JSON: yaml: found incompatible YAML document"
    // for %YAML 1.2, "did not find expected <document start>" for %YAML 1.1 and %TAG
    let dir = tempfile::tempdir().unwrap();
    for (i, directive) in ["%YAML 1.2", "%YAML 1.1", "%TAG ! tag:example.com,2000:"]
        .iter()
        .enumerate()
    {
        let text = format!(
            "# a comment first\n{directive}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  creationTimestamp: null\ndata:\n  on: yes\n"
        );
        let name = format!("d{i}.yaml");
        let p = write(dir.path(), &name, &text);
        let (code, v) = lint_json(&[&name], &[], Some(dir.path()));
        assert_eq!(code, 1);
        let f = findings_with_messages(&v);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("parse-error", 2, 1));
        assert!(
            f[0].3.starts_with(&format!(
                "kubectl cannot read a file that starts with a directive (`{directive}`)"
            )),
            "{}",
            f[0].3
        );
        let r = run(&["fix", "--unsafe-fixes", &name], Some(dir.path()));
        assert!(
            r.stderr
                .contains("0 fixes applied in 0 files; 1 finding left"),
            "{}",
            r.stderr
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), text);
        let r = run_stdin(&["fix", "-"], text.as_bytes());
        assert_eq!(r.stdout, text);
    }
}

const MERGED: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: m
spec:
  <<: {replicas: 2, strategy: {type: Recreate}}
  selector:
    matchLabels: {app: m}
  template:
    metadata:
      labels: {app: m}
    spec:
      containers:
      - name: c
        image: i
";

#[test]
fn fields_that_arrive_through_a_merge_key_are_seen_and_converted() {
    let dir = tempfile::tempdir().unwrap();
    // lint sees the merged fields where they are written
    write(
        dir.path(),
        "ds.yaml",
        &MERGED.replace("kind: Deployment", "kind: DaemonSet"),
    );
    let (code, v) = lint_json(&["ds.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1);
    let f: Vec<(String, u64, u64)> = findings_with_messages(&v)
        .into_iter()
        .map(|(r, l, c, _)| (r, l, c))
        .collect();
    assert_eq!(
        f,
        [
            ("field-not-for-kind".to_string(), 6, 8),
            ("field-not-for-kind".to_string(), 6, 21)
        ]
    );
    // convert rewrites the merged mapping: kubectl reads neither field afterwards
    let p = write(dir.path(), "m.yaml", MERGED);
    let r = run(
        &["convert", "--to", "daemonset", "m.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        MERGED
            .replace("kind: Deployment", "kind: DaemonSet")
            .replace(
                "{replicas: 2, strategy: {type: Recreate}}",
                "{updateStrategy: {type: OnDelete}}"
            )
    );
    // a mapping shared through an alias is refused with the reason, nothing written
    let shared = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n  spec:\n    <<: &common {replicas: 2}\n    selector: {matchLabels: {app: a}}\n    template:\n      metadata: {labels: {app: a}}\n      spec: {containers: [{name: c, image: i}]}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n  spec:\n    <<: *common\n    selector: {matchLabels: {app: b}}\n    template:\n      metadata: {labels: {app: b}}\n      spec: {containers: [{name: c, image: i}]}\n".to_string();
    let s = write(dir.path(), "shared.yaml", &shared);
    let r = run(
        &["convert", "--to", "daemonset", "--name", "b", "shared.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("shared.yaml: Deployment/b: cannot be converted: its `spec.replicas` comes through a merge key (`<<: *…`) from a mapping other places may share"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&s).unwrap(), shared);
}

#[test]
fn label_writes_what_it_says_or_refuses_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cm = |labels: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {labels}\n")
    };
    // an alias of a value kubectl reads as a boolean: refused, not "labeled in 0 files"
    let aliased = cm("{a: &a yes, b: *a}");
    let p = write(dir.path(), "a.yaml", &aliased);
    for extra in [&[][..], &["--check"][..]] {
        let mut args = vec!["label", "-f", "a.yaml", "k=v"];
        args.extend_from_slice(extra);
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "a.yaml: ConfigMap/x: the value of label `a` is anchored (`&…`) and used elsewhere through an alias"
            ),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("labeled"), "{}", r.stderr);
        assert_eq!(fs::read_to_string(&p).unwrap(), aliased);
    }
    // a label merged from an inline mapping is removed where it is written (kubectl removes it)
    let p = write(dir.path(), "m.yaml", &cm("{<<: {app: web}, own: a}"));
    let r = run(&["label", "-f", "m.yaml", "app-"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 object labeled in 1 file"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), cm("{<<: {}, own: a}"));
    // and overwritten there
    let p = write(dir.path(), "o.yaml", &cm("{<<: {app: web}, own: a}"));
    let r = run(
        &["label", "-f", "o.yaml", "--overwrite", "app=api"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        cm("{<<: {app: api}, own: a}")
    );
    // merged from a shared anchor: refused
    let shared = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations: &base {app: web}\n  labels: {<<: *base, own: a}\n";
    let p = write(dir.path(), "s.yaml", shared);
    let r = run(&["label", "-f", "s.yaml", "app-"], Some(dir.path()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("label `app` comes through a merge key"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), shared);
    // an anchored value that an alias elsewhere reads: changing or removing it would change
    // the other place too (kubectl changes only this label): refused
    let anchored = cm("{app: &a web, copy: *a}");
    let p = write(dir.path(), "v.yaml", &anchored);
    for op in [&["--overwrite", "app=api"][..], &["app-"][..]] {
        let mut args = vec!["label", "-f", "v.yaml"];
        args.extend_from_slice(op);
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 1, "{op:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "the value of label `app` is anchored (`&…`) and used elsewhere through an alias"
            ),
            "{}",
            r.stderr
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), anchored);
    }
    // a label map shared with the pod template: refused, the template keeps its labels
    let map = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &l {app: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: *l}\n    spec: {containers: [{name: c, image: i}]}\n";
    let p = write(dir.path(), "d.yaml", map);
    let r = run(&["label", "-f", "d.yaml", "team=x"], Some(dir.path()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`labels` is shared through a YAML anchor and alias"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), map);
}

#[test]
fn a_fix_never_makes_two_keys_collide_after_kubectls_conversion() {
    let dir = tempfile::tempdir().unwrap();
    // kubectl reads `"16": q`: both keys are the integer 16, and the later one wins
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {0x10: a, 16: q}\n";
    let p = write(dir.path(), "cm.yaml", text);
    let r = run(&["fix", "cm.yaml"], Some(dir.path()));
    // quoting `16` alone would leave the integer 16 beside the string "16": refused
    assert!(
        r.stderr.contains("cm.yaml:5:17: warning[fix-refused] `non-string-value` fix not applied (quote `16` as \"16\"): keys `0x10` and `\"16\"` of `data` would both read as `16`, and kubectl would keep either value at random"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), text);
    // removing the duplicate the later value overrides keeps kubectl's reading
    let r = run(&["fix", "--unsafe-fixes", "cm.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        text.replace("{0x10: a, 16: q}", "{16: q}")
    );
    // and then the quote is safe
    let r = run(&["fix", "cm.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        text.replace("{0x10: a, 16: q}", "{\"16\": q}")
    );

    // an integer key and a string key of one name: duplicate-key does not claim a winner
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata: {16: a, \"16\": q}\n";
    write(dir.path(), "typed.yaml", text);
    let (_, v) = lint_json(&["typed.yaml"], &[], Some(dir.path()));
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "duplicate-key")
        .unwrap();
    assert_eq!(
        d["message"],
        "key `\"16\"` (a string) and key `16` (an integer) on line 5 both become `16`; which value Kubernetes keeps is not defined, and can change from one apply to the next"
    );
    assert!(d["fix"].is_null());
}

const INGRESS_V1BETA1: &str = "apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - http:
      paths:
      - path: /
        backend:
          serviceName: web
          servicePort: \"80\"
";

#[test]
fn migrate_reads_a_quoted_service_port_as_kubernetes_converts_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ing.yaml", INGRESS_V1BETA1);
    let r = run(
        &["migrate", "--to-version", "1.33", "ing.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // a string servicePort is a port name, digits or not
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        INGRESS_V1BETA1
            .replace("extensions/v1beta1", "networking.k8s.io/v1")
            .replace("      - path: /\n", "      - path: /\n        pathType: ImplementationSpecific\n")
            .replace(
                "          serviceName: web\n          servicePort: \"80\"\n",
                "          service:\n            name: web\n            port:\n              name: \"80\"\n"
            )
    );
}

#[test]
fn migrate_says_what_to_do_with_a_backend_shared_through_an_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  backend: &b\n    serviceName: web\n    servicePort: 80\n  rules:\n  - http:\n      paths:\n      - path: /\n        backend: *b\n";
    let p = write(dir.path(), "ing.yaml", text);
    let r = run(
        &["migrate", "--to-version", "1.33", "ing.yaml"],
        Some(dir.path()),
    );
    assert!(
        r.stderr.contains("kure cannot move it: a backend is shared through a YAML anchor and alias (`&name` … `*name`); write a copy of it in each place instead of the alias, then migrate"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("with `kure migrate`"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("0 objects migrated in 0 files; 1 left as it is"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), text);
    // lint gives the same reason, and offers no fix that would do nothing
    let (_, v) = lint_json(
        &["ing.yaml"],
        &["--select", "removed-api-version"],
        Some(dir.path()),
    );
    let d = &v["diagnostics"][0];
    assert!(d["fix"].is_null(), "{d}");
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("write a copy of it in each place"),
        "{d}"
    );
}

const ORPHAN_SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec: {selector: {app: nothing}, sesionAffinity: None, ports: [{port: 80}]} # kure: ignore[unknown-field,service-selector-no-match] the pods come from a chart
";

#[test]
fn a_suppression_of_a_file_rule_and_a_cross_file_rule_covers_both() {
    let dir = tempfile::tempdir().unwrap();
    // unknown-field (this file's) and service-selector-no-match (cross-file) on one line
    write(dir.path(), "svc.yaml", ORPHAN_SERVICE);
    let (code, v) = lint_json(&["svc.yaml"], &[], Some(dir.path()));
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
    assert_eq!(code, 0);
    // only the cross-file finding there: still suppressed, the comment still used
    write(
        dir.path(),
        "svc.yaml",
        &ORPHAN_SERVICE.replace("sesionAffinity", "sessionAffinity"),
    );
    let (_, v) = lint_json(&["svc.yaml"], &[], Some(dir.path()));
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
    // neither: the comment is reported as unused
    let quiet = ORPHAN_SERVICE
        .replace("sesionAffinity", "sessionAffinity")
        .replace("---", "")
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: nothing}\nspec:\n  containers: [{name: c, image: i}]\n";
    write(dir.path(), "svc.yaml", &quiet);
    let (_, v) = lint_json(&["svc.yaml"], &[], Some(dir.path()));
    let f: Vec<(String, u64)> = findings_with_messages(&v)
        .into_iter()
        .map(|f| (f.0, f.1))
        .collect();
    assert_eq!(f, vec![("unused-suppression".to_string(), 5)], "{v}");
}

#[test]
fn a_comment_after_a_quote_inside_a_plain_scalar_is_a_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\" # kure: ignore[wrong-type] generated by a template\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: w, image: w}]\n";
    write(dir.path(), "d.yaml", text);
    let (_, v) = lint_json(&["d.yaml"], &[], Some(dir.path()));
    let f: Vec<String> = findings_with_messages(&v)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(!f.contains(&"wrong-type".to_string()), "{v}");
    assert!(!f.contains(&"unused-suppression".to_string()), "{v}");
}

#[test]
fn after_add_suppressions_lint_is_quiet_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = DEPLOYMENT.replace("  replicas: 1\n", "  replicas: 3\"\n  replicaz: 2\n")
        + "---\n"
        + &ORPHAN_SERVICE.replace(" # kure: ignore[unknown-field,service-selector-no-match] the pods come from a chart", "").replace("sesionAffinity", "sessionAffinity");
    let p = write(dir.path(), "all.yaml", &text);
    let r = run(
        &["lint", "--add-suppressions", "adopting kure", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let once = fs::read_to_string(&p).unwrap();
    assert_ne!(once, text);
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(findings_with_messages(&v), vec![], "{once}\n{v}");
    assert_eq!(code, 0);
    let r = run(
        &["lint", "--add-suppressions", "adopting kure", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(fs::read_to_string(&p).unwrap(), once);
}

#[test]
fn a_service_without_spec_still_exists_for_a_servicemonitor() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: mon\n  labels: {app: web}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\n  namespace: mon\nspec:\n  namespaceSelector:\n    matchNames: [mon]\n  selector:\n    matchLabels: {app: web}\n  endpoints: [{port: http}]\n";
    write(dir.path(), "m.yaml", text);
    let (_, v) = lint_json(
        &["m.yaml"],
        &["--select", "servicemonitor-selector-no-match"],
        Some(dir.path()),
    );
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
}

#[test]
fn a_selector_value_one_slip_from_a_template_gets_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: argocd-server\nspec:\n  selector:\n    app.kubernetes.io/name: argocd-sever\n  ports: [{port: 80}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-server\nspec:\n  selector:\n    matchLabels: {app.kubernetes.io/name: argocd-server}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: argocd-server}\n    spec:\n      containers: [{name: s, image: s}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: argocd-server-metrics\nspec:\n  selector:\n    app.kubernetes.io/name: argocd-server\n  ports: [{port: 8083}]\n";
    write(dir.path(), "argocd.yaml", text);
    let (_, v) = lint_json(&["argocd.yaml"], &[], Some(dir.path()));
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "service-selector-no-match");
    assert_eq!(
        (
            d["span"]["start"]["line"].as_u64(),
            d["span"]["start"]["column"].as_u64()
        ),
        (Some(6), Some(3))
    );
    assert_eq!(
        d["help"],
        "did you mean `app.kubernetes.io/name: argocd-server`? with it the selector matches Deployment/argocd-server"
    );
    assert_eq!(d["related"][0]["span"]["start"]["line"], 19);
}

#[test]
fn commands_that_find_nothing_say_so() {
    let dir = tempfile::tempdir().unwrap();
    // an empty directory: a warning, exit 0
    fs::create_dir_all(dir.path().join("src")).unwrap();
    let r = run(&["lint", "src"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: no manifests found under src"),
        "{}",
        r.stderr
    );
    // kubectl's kind names; a slip is a usage error
    let p = write(dir.path(), "d.yaml", DEPLOYMENT);
    for kind in ["deploy", "deployments", "Deployment"] {
        let r = run(
            &["label", "-f", "d.yaml", "--kind", kind, "--check", "team=a"],
            Some(dir.path()),
        );
        assert_eq!(r.code, 1, "{kind}: {}", r.stderr);
        assert!(
            r.stderr.contains("1 object to label in 1 file"),
            "{kind}: {}",
            r.stderr
        );
    }
    let r = run(
        &["label", "-f", "d.yaml", "--kind", "Deploymnt", "team=a"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--kind Deploymnt: no such kind (did you mean `Deployment`?)"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), DEPLOYMENT);
    // a custom resource's kind is taken as it is
    let r = run(
        &["label", "-f", "d.yaml", "--kind", "HelmRelease", "team=a"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: nothing to label: no object among the files matches --kind HelmRelease, or every one that does has these labels already"),
        "{}",
        r.stderr
    );
    let r = run_stdin(
        &["convert", "--to", "daemonset", "--name", "other", "-"],
        DEPLOYMENT.as_bytes(),
    );
    assert!(
        r.stderr.contains("note: nothing to convert: no Deployment, DaemonSet or StatefulSet among the files matches --name other that is not a DaemonSet already"),
        "{}",
        r.stderr
    );
}
