//! `kure render`: an overlay over a base (namespace, namePrefix, labels with selectors,
//! images, a strategic merge patch, a generated ConfigMap) rendered as `kubectl kustomize`
//! renders it (the names and hash below are kubectl 1.37's), and what cannot be rendered
//! offline is an error naming the file and the entry.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn render_json(dir: &Path) -> Vec<Value> {
    let r = run(&["render", "--format", "json", dir.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_overlay_renders_as_kustomize_builds_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/render/overlay");
    let objects = render_json(&dir);
    let ids: Vec<String> = objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    // kustomize's legacy order; the prefix on every name, the content hash on the
    // generated one
    assert_eq!(
        ids,
        [
            "ConfigMap/eu-web-config-kb9gk2fg42",
            "Service/eu-web",
            "Deployment/eu-web",
            "HorizontalPodAutoscaler/eu-web",
            "Ingress/eu-web",
        ]
    );
    assert!(objects.iter().all(|o| o["metadata"]["namespace"] == "shop"));
    let deployment = &objects[2];
    let pod = &deployment["spec"]["template"];
    // labels with includeSelectors reach the selector and the template; the patch adds its own
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"],
        serde_json::json!({"app": "web", "tier": "front"})
    );
    assert_eq!(
        pod["metadata"]["labels"],
        serde_json::json!({"app": "web", "tier": "front", "track": "stable"})
    );
    assert_eq!(
        objects[1]["spec"]["selector"],
        serde_json::json!({"app": "web", "tier": "front"})
    );
    // the patch merged into the container of the same name; the image tag replaced
    let c = &pod["spec"]["containers"][0];
    assert_eq!(c["image"], "nginx:1.27");
    assert_eq!(c["resources"]["limits"]["memory"], "128Mi");
    // references follow the renamed objects
    assert_eq!(
        c["envFrom"][0]["configMapRef"]["name"],
        "eu-web-config-kb9gk2fg42"
    );
    assert_eq!(
        pod["spec"]["volumes"][0]["configMap"]["name"],
        "eu-web-config-kb9gk2fg42"
    );
    assert_eq!(objects[3]["spec"]["scaleTargetRef"]["name"], "eu-web");
    assert_eq!(
        objects[4]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
        "eu-web"
    );
    // the generated data, quotes of the literal removed
    assert_eq!(objects[0]["data"]["GREETING"], "hello <world> & all");
}

#[test]
fn what_cannot_be_rendered_offline_is_an_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    for (text, says) in [
        (
            "resources:\n  - github.com/example/repo//base?ref=v1\n",
            "resource `github.com/example/repo//base?ref=v1` is remote; kure renders offline only",
        ),
        (
            "helmCharts:\n  - name: podinfo\n    repo: https://stefanprodan.github.io/podinfo\n",
            "`helmCharts` inflates Helm charts; kure cannot render it offline",
        ),
        (
            "resources:\n  - missing.yaml\n",
            "resource `missing.yaml` does not exist",
        ),
    ] {
        write(dir.path(), "kustomization.yaml", text);
        let r = run(&["render", "."], Some(dir.path()));
        assert_eq!(r.code, 2, "{text}");
        assert_eq!(r.stdout, "");
        assert_eq!(
            r.stderr,
            format!("kure: error: ./kustomization.yaml: {says}\n"),
            "{text}"
        );
    }
}

#[test]
fn a_component_and_a_json_patch_work_on_what_they_are_given() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n",
    );
    write(
        dir.path(),
        "app/kustomization.yaml",
        "resources:\n  - cm.yaml\ncomponents:\n  - ../extra\npatches:\n  - target:\n      kind: ConfigMap\n    patch: |-\n      - op: add\n        path: /data/c\n        value: \"3\"\n",
    );
    write(
        dir.path(),
        "extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: settings\n      data:\n        b: \"2\"\n",
    );
    let objects = render_json(&dir.path().join("app"));
    assert_eq!(objects.len(), 1);
    assert_eq!(
        objects[0]["data"],
        serde_json::json!({"a": "1", "b": "2", "c": "3"})
    );
}

#[test]
fn origin_says_where_each_object_came_from() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/render/overlay");
    let r = run(
        &[
            "render",
            "--origin",
            "--format",
            "json",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let origins: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["metadata"]["annotations"]["config.kubernetes.io/origin"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // as kustomize's `buildMetadata: [originAnnotations]` writes them (kubectl 1.37)
    assert_eq!(
        origins[0],
        "configuredIn: ../base/kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n"
    );
    assert!(
        origins[1..].iter().all(|o| o == "path: ../base/app.yaml\n"),
        "{origins:?}"
    );
    // without --origin, none
    let plain = render_json(&dir);
    assert!(
        plain
            .iter()
            .all(|o| o["metadata"].get("annotations").is_none())
    );
}
