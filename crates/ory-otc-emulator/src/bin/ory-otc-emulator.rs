//! Run with `cargo run -p ory-otc-emulator -- --port 4433`.
//!
//! Serves the emulator until SIGINT or SIGTERM, after printing exactly one line:
//! `ory-otc-emulator listening on http://127.0.0.1:4433`.

// The binary's job is to print its URL; nothing else is printed, and never a code or key.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ory_otc_emulator::{Config, KratosVersion, RegistrationStyle, SeedIdentity};

/// A Kratos-compatible emulator of the one-time-code method, for tests and demos.
// No `Debug`: `api_key` is a secret (`Config`'s own `Debug` masks it).
#[derive(Parser)]
#[command(name = "ory-otc-emulator", version)]
struct Args {
    /// A Kratos configuration file (kratos.yml, YAML or JSON) to answer as that Kratos would;
    /// the flags below win over it. Keys the emulator does not model are listed on stderr.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Port to listen on; 0 picks a free one. Default: serve.public.port of --config, else 4433.
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on. Default 127.0.0.1.
    #[arg(long)]
    host: Option<IpAddr>,
    /// Advertised origin (Kratos's serve.public.base_url); default http://<host>:<port>/.
    #[arg(long)]
    public_url: Option<String>,
    /// Require `Authorization: Bearer <key>` on /admin routes.
    #[arg(long)]
    api_key: Option<String>,
    /// Kratos release to behave like: latest, v26.2.0 or v1.3.1. Default latest.
    #[arg(long, value_parser = parse_version)]
    kratos_version: Option<KratosVersion>,
    /// Redact courier subjects and bodies, as Kratos without --dev does.
    #[arg(long)]
    no_dev: bool,
    /// Do not issue a session after registration.
    #[arg(long)]
    no_session_after_registration: bool,
    /// Code lifespan, e.g. 1h, 15m, 90s. Default 1h.
    #[arg(long, value_parser = parse_duration)]
    code_lifespan: Option<Duration>,
    /// Login and registration flow lifespan. Default 1h.
    #[arg(long, value_parser = parse_duration)]
    flow_lifespan: Option<Duration>,
    /// Session lifespan. Default 24h.
    #[arg(long, value_parser = parse_duration)]
    session_lifespan: Option<Duration>,
    /// selfservice.methods.code.config.max_submissions (1–255). Default 5.
    #[arg(long)]
    max_submissions: Option<u32>,
    /// Registration screen style: profile_first or unified. Default profile_first.
    #[arg(long)]
    registration_style: Option<RegistrationStyle>,
    /// An account to create at start; repeatable.
    #[arg(long = "identity", value_name = "EMAIL")]
    identities: Vec<String>,
    /// Requests slower than this get a 408. Default 30s.
    #[arg(long, value_parser = parse_duration)]
    request_timeout: Option<Duration>,
}

fn parse_version(s: &str) -> Result<KratosVersion, String> {
    s.parse()
}

/// `90s`, `15m`, `1h`, `2d`, or milliseconds as `250ms`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "invalid duration unit in {s:?}: use ms, s, m, h or d"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

impl Args {
    /// The configuration: `--config` (or the defaults, port 4433), then the flags on top.
    /// Returns the unmodelled-keys warning of the file, if any.
    fn into_config(self) -> Result<(Config, Option<String>), ory_otc_emulator::Error> {
        let (mut c, warning) = match &self.config {
            Some(path) => {
                let k = Config::from_kratos_config(path.as_path())?;
                let w = k.warning();
                (k.config, w)
            }
            None => (
                Config {
                    port: 4433,
                    ..Config::default()
                },
                None,
            ),
        };
        if let Some(p) = self.port {
            c.port = p;
        }
        if let Some(h) = self.host {
            c.host = h;
            if self.config.is_some() && self.public_url.is_none() && self.port.is_some() {
                // A listening address given on the command line moves the advertised one too.
                c.public_url = None;
            }
        }
        if self.public_url.is_some() {
            c.public_url = self.public_url;
        }
        if self.api_key.is_some() {
            c.api_key = self.api_key;
        }
        if let Some(v) = self.kratos_version {
            c.version = v;
        }
        if self.no_dev {
            c.dev_mode = false;
        }
        if self.no_session_after_registration {
            c.session_after_registration = false;
        }
        if let Some(d) = self.code_lifespan {
            c.code_lifespan = d;
        }
        if let Some(d) = self.flow_lifespan {
            c.flow_lifespan = d;
        }
        if let Some(d) = self.session_lifespan {
            c.session_lifespan = d;
        }
        if let Some(n) = self.max_submissions {
            c.max_submissions = n;
        }
        if let Some(s) = self.registration_style {
            c.registration_style = s;
        }
        if let Some(d) = self.request_timeout {
            c.request_timeout = d;
        }
        c.identities
            .extend(self.identities.into_iter().map(SeedIdentity::new));
        Ok((c, warning))
    }
}

/// SIGINT or SIGTERM. The handlers are installed when this is called, not when it is first
/// awaited: the listening line is printed after it, and a caller may signal right away.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ory-otc-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let (config, warning) = match args.into_config() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("ory-otc-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(w) = warning {
            eprintln!("{w}");
        }
        let emulator = match ory_otc_emulator::start(config).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("ory-otc-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        let stop = match shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ory-otc-emulator: cannot listen for signals: {e}");
                emulator.close().await;
                return ExitCode::FAILURE;
            }
        };
        println!("ory-otc-emulator listening on {}", emulator.url());
        stop.await;
        emulator.close().await;
        ExitCode::SUCCESS
    });
    // Nothing is left running after close(); do not wait for idle runtime threads.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kratos_config_is_read_and_flags_win() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kratos/kratos.yml");
        let args = Args::parse_from([
            "ory-otc-emulator",
            "--config",
            dir,
            "--max-submissions",
            "2",
        ]);
        let (c, warning) = args.into_config().unwrap();
        assert_eq!(c.port, 4733, "serve.public.port");
        assert_eq!(c.public_url.as_deref(), Some("http://127.0.0.1:4733/"));
        assert_eq!(c.max_submissions, 2, "the flag wins");
        assert!(c.identity_schema.is_some());
        assert_eq!(warning, None, "the fixture config is fully modelled");
        let (d, _) = Args::parse_from(["ory-otc-emulator"])
            .into_config()
            .unwrap();
        assert_eq!(d.port, 4433);
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("1y").is_err());
    }

    #[test]
    fn flags_map_onto_config() {
        let args = Args::parse_from([
            "ory-otc-emulator",
            "--port",
            "0",
            "--kratos-version",
            "v26.2.0",
            "--no-dev",
            "--identity",
            "a@example.com",
            "--identity",
            "b@example.com",
        ]);
        let (c, _) = args.into_config().unwrap();
        assert_eq!(c.version, KratosVersion::V26_2_0);
        assert_eq!(c.port, 0);
        assert!(!c.dev_mode && c.session_after_registration);
        assert_eq!(c.identities.len(), 2);
    }
}
