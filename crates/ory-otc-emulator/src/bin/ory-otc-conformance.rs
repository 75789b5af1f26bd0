//! Run with `npm run conformance -- --public URL --admin URL [--config kratos.yml]`, or
//! `cargo run -p ory-otc-emulator --bin ory-otc-conformance -- …`.
//!
//! Drives one scenario of raw HTTP at a Kratos and at the emulator started in-process with the
//! same config, normalises both, prints the differences step by step and ends with
//! `N/M steps identical`. Exit status 0 when every step is identical, 1 when some differ, 2 on
//! an error. `--record FILE` also writes Kratos's normalised answers as a test fixture.

// The binary's job is to print its report.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ory_otc_emulator::conformance::{self, Recording, Report, Target};
use ory_otc_emulator::{Config, KratosVersion};

/// Compare a Kratos with the emulator, step by step.
#[derive(Parser)]
#[command(name = "ory-otc-conformance", version)]
struct Args {
    /// Kratos's public base URL, e.g. http://127.0.0.1:4733
    #[arg(long)]
    public: url::Url,
    /// Kratos's admin base URL, e.g. http://127.0.0.1:4734
    #[arg(long)]
    admin: url::Url,
    /// The Kratos config both run with (kratos.yml); without it the emulator runs with its
    /// defaults, advertising --public and --admin.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The emulator's Kratos version: latest, v26.2.0 or v1.3.1. Default: Kratos's own
    /// (GET /admin/version) when it is one of those, else latest.
    #[arg(long)]
    kratos_version: Option<String>,
    /// Write Kratos's normalised answers to this file (a test fixture).
    #[arg(long)]
    record: Option<PathBuf>,
    /// The commit Kratos was built from, stored in the recording.
    #[arg(long, default_value = "unknown")]
    kratos_commit: String,
    /// The config path stored in the recording (relative to the repository).
    #[arg(
        long,
        default_value = "crates/ory-otc-emulator/tests/kratos/kratos.yml"
    )]
    config_name: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ory-otc-conformance: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(compare(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ory-otc-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

async fn compare(args: Args) -> Result<bool, String> {
    let kratos = Target::at(args.public.clone(), args.admin.clone())?;
    let kratos_name = kratos_version(&kratos).await;
    let version: KratosVersion = match (&args.kratos_version, kratos_name.as_deref()) {
        (Some(v), _) => v.parse()?,
        (None, Some(name)) => name.parse().unwrap_or_default(),
        (None, None) => KratosVersion::Latest,
    };
    let mut config = match &args.config {
        Some(path) => {
            let k = Config::from_kratos_config(path.as_path()).map_err(|e| e.to_string())?;
            if let Some(w) = k.warning() {
                eprintln!("{w}");
            }
            k.config
        }
        None => Config {
            public_url: Some(args.public.to_string()),
            admin_url: Some(args.admin.to_string()),
            ..Config::default()
        },
    };
    // The emulator listens on a free port but advertises what Kratos advertises.
    config.port = 0;
    config.host = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    config.version = version;
    let emulator = ory_otc_emulator::start(config)
        .await
        .map_err(|e| format!("the emulator does not start: {e}"))?;
    let addr = emulator.local_addr().to_string();
    let emu_target = Target {
        public: args.public.clone(),
        admin: args.admin.clone(),
        public_addr: addr.clone(),
        admin_addr: addr,
    };
    let tag = format!("{:08x}", rand_tag());
    println!(
        "Kratos {} at {} (emulator as {version}), run {tag}",
        kratos_name.as_deref().unwrap_or("(version unknown)"),
        args.public
    );
    let from_kratos = conformance::run(&kratos, &tag).await?;
    let from_emulator = conformance::run(&emu_target, &tag).await?;
    emulator.close().await;
    let report = Report::compare(&from_kratos, &from_emulator);
    print!("{}", report.render());
    if let Some(path) = &args.record {
        let rec = Recording {
            kratos: kratos_name.unwrap_or_else(|| "unknown".into()),
            commit: args.kratos_commit.clone(),
            config: args.config_name.clone(),
            emulator_version: version.to_string(),
            steps: from_kratos,
        };
        let text = serde_json::to_string_pretty(&rec).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("recorded Kratos's answers in {}", path.display());
    }
    Ok(report.identical() == report.steps.len())
}

/// Kratos's `GET /admin/version` (`{"version":"v26.2.0"}`).
async fn kratos_version(t: &Target) -> Option<String> {
    let raw = conformance::get_json(&t.admin_addr, &t.admin, "/admin/version")
        .await
        .ok()?;
    raw["version"].as_str().map(str::to_owned)
}

fn rand_tag() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish() as u32
}
