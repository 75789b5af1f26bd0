//! The emulator against Kratos's recorded answers (`tests/kratos/fixtures/*.json`, written by
//! `ory-otc-conformance --record` against Kratos built from source, with `tests/kratos/kratos.yml`):
//! the same scenario is driven at the emulator started with the same config, and every step must
//! answer as Kratos did, apart from the differences listed below with their reasons.

use std::path::Path;

use ory_otc_emulator::conformance::{self, Recording, Report, Target};
use ory_otc_emulator::Config;

/// Steps allowed to differ, per recording, with why they are left.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

/// Steps whose `ui.nodes` are compared without their order, per recording, with why: Kratos
/// itself answers them in an order that changes from request to request.
const UNORDERED_NODES: &[(&str, &str, &str)] = &[
    ("v1.3.1", "registration api: profile screen", V131_MAP_ORDER),
    ("v1.3.1", "registration api: send code", V131_MAP_ORDER),
];

const V131_MAP_ORDER: &str =
    "v1.3.1's credential-selection screen adds the trait inputs in Go map \
     iteration order (jsonx.Flatten returns a map), a rotation that differs between requests; the \
     send-code screen keeps that order. The emulator keeps the order of the traits as decoded.";

/// `response.body.ui.nodes` sorted by name and type, for the steps of [`UNORDERED_NODES`].
fn sort_nodes(step: &mut conformance::Step) {
    if let Some(nodes) = step
        .response
        .pointer_mut("/body/ui/nodes")
        .and_then(serde_json::Value::as_array_mut)
    {
        nodes.sort_by_key(|n| n["attributes"].to_string());
    }
}

fn fixtures() -> Vec<(String, Recording)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kratos/fixtures");
    let mut out: Vec<(String, Recording)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

async fn replay(rec: &Recording) -> Report {
    replay_with(rec, &[]).await
}

/// Replays `rec` against the emulator; the emulator's answers to the `unordered` steps get
/// their nodes sorted as the recording's were.
async fn replay_with(rec: &Recording, unordered: &[&str]) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded = Config::from_kratos_config(root.join(&rec.config).as_path()).unwrap();
    assert_eq!(
        loaded.warning(),
        None,
        "the fixture config is modelled in full"
    );
    let mut config = loaded.config;
    let public: url::Url = config.public_url.clone().unwrap().parse().unwrap();
    let admin: url::Url = config.admin_url.clone().unwrap().parse().unwrap();
    config.port = 0;
    config.version = rec.emulator_version.parse().unwrap();
    let emu = ory_otc_emulator::start(config).await.unwrap();
    let addr = emu.local_addr().to_string();
    let target = Target {
        public,
        admin,
        public_addr: addr.clone(),
        admin_addr: addr,
    };
    let mut steps = conformance::run(&target, "c1a2b3c4").await.unwrap();
    emu.close().await;
    for step in steps
        .iter_mut()
        .filter(|s| unordered.contains(&s.name.as_str()))
    {
        sort_nodes(step);
    }
    Report::compare(&rec.steps, &steps)
}

#[tokio::test]
async fn the_emulator_answers_every_recorded_step_as_kratos_did() {
    let all = fixtures();
    assert!(!all.is_empty(), "no recordings in tests/kratos/fixtures");
    let mut failures = Vec::new();
    for (name, rec) in &all {
        assert_eq!(
            rec.config,
            "crates/ory-otc-emulator/tests/kratos/kratos.yml"
        );
        assert!(
            rec.commit.len() == 40,
            "{name}: the Kratos commit is recorded"
        );
        let mut rec = rec.clone();
        let unordered: Vec<&str> = UNORDERED_NODES
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, step, _)| *step)
            .collect();
        for step in rec
            .steps
            .iter_mut()
            .filter(|s| unordered.contains(&s.name.as_str()))
        {
            sort_nodes(step);
        }
        let report = replay_with(&rec, &unordered).await;
        let mut expected: Vec<&str> = KNOWN_DIFFERENCES
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, step, _)| *step)
            .collect();
        expected.sort_unstable();
        let mut differing = report.differing();
        differing.sort_unstable();
        if differing != expected {
            failures.push(format!(
                "{name} (Kratos {} {}): {}/{} steps identical, expected differences in {expected:?}\n{}",
                rec.kratos,
                rec.commit,
                report.identical(),
                report.steps.len(),
                report.render()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_changed_answer_is_caught() {
    // The comparison itself can fail: a recording with one status changed differs there.
    let (_, mut rec) = fixtures().into_iter().next().unwrap();
    rec.steps[0].response["status"] = serde_json::json!(599);
    let report = replay(&rec).await;
    assert_eq!(report.differing(), [rec.steps[0].name.as_str()]);
}
