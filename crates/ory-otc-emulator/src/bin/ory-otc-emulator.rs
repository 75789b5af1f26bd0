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
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 4433)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Advertised origin (Kratos's serve.public.base_url); default http://<host>:<port>/.
    #[arg(long)]
    public_url: Option<String>,
    /// Require `Authorization: Bearer <key>` on /admin routes.
    #[arg(long)]
    api_key: Option<String>,
    /// Kratos release to behave like.
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    kratos_version: KratosVersion,
    /// Redact courier subjects and bodies, as Kratos without --dev does.
    #[arg(long)]
    no_dev: bool,
    /// Do not issue a session after registration.
    #[arg(long)]
    no_session_after_registration: bool,
    /// Code lifespan, e.g. 1h, 15m, 90s.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    code_lifespan: Duration,
    /// Login and registration flow lifespan.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    flow_lifespan: Duration,
    /// Session lifespan.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    session_lifespan: Duration,
    /// selfservice.methods.code.config.max_submissions (1–255).
    #[arg(long, default_value_t = 5)]
    max_submissions: u32,
    /// Registration screen style: profile_first or unified.
    #[arg(long, default_value = "profile_first")]
    registration_style: RegistrationStyle,
    /// An account to create at start; repeatable.
    #[arg(long = "identity", value_name = "EMAIL")]
    identities: Vec<String>,
    /// Requests slower than this get a 408.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    request_timeout: Duration,
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

impl From<Args> for Config {
    fn from(a: Args) -> Self {
        Config {
            host: a.host,
            port: a.port,
            public_url: a.public_url,
            api_key: a.api_key,
            code_lifespan: a.code_lifespan,
            flow_lifespan: a.flow_lifespan,
            session_lifespan: a.session_lifespan,
            max_submissions: a.max_submissions,
            session_after_registration: !a.no_session_after_registration,
            dev_mode: !a.no_dev,
            version: a.kratos_version,
            identities: a.identities.into_iter().map(SeedIdentity::new).collect(),
            registration_style: a.registration_style,
            request_timeout: a.request_timeout,
            ..Config::default()
        }
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
        let emulator = match ory_otc_emulator::start(args.into()).await {
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
        let c: Config = args.into();
        assert_eq!(c.version, KratosVersion::V26_2_0);
        assert!(!c.dev_mode && c.session_after_registration);
        assert_eq!(c.identities.len(), 2);
    }
}
