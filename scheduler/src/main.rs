//! `one-scheduler`: flags, configuration and the cycle loop (see the `scheduler` crate).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use scheduler::config::Config;

/// The placement process of the cloud: reads pending VMs, hosts and datastores from oned and
/// deploys each VM where its requirements, rank and the policies send it.
#[derive(Debug, Parser)]
#[command(name = "one-scheduler", version)]
struct Flags {
    /// Configuration file (TOML, the keys of sched.conf in lower case).
    #[arg(long)]
    config: Option<PathBuf>,
    /// oned's endpoint (overrides `endpoint`), e.g. http://127.0.0.1:2633/RPC2.
    #[arg(long, env = "ONE_XMLRPC")]
    endpoint: Option<String>,
    /// Credentials file holding `user:password` (default $ONE_AUTH, else ~/.one/one_auth).
    #[arg(long)]
    auth: Option<PathBuf>,
    /// Address to listen on for pokes (overrides `poke_listen`; empty: none).
    #[arg(long)]
    poke_listen: Option<String>,
    /// Exit when standard input closes (oned runs the scheduler with a pipe there).
    #[arg(long)]
    exit_with_stdin: bool,
    /// Run one cycle and exit.
    #[arg(long)]
    once: bool,
}

fn credentials(path: Option<PathBuf>) -> Result<String, String> {
    let path = path.or_else(|| std::env::var_os("ONE_AUTH").map(PathBuf::from)).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
        home.join(".one").join("one_auth")
    });
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let line = text.lines().next().unwrap_or_default().trim().to_owned();
    if line.split_once(':').is_some_and(|(u, p)| !u.is_empty() && !p.is_empty()) {
        Ok(line)
    } else {
        Err(format!("{} must contain user:password", path.display()))
    }
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    let mut config = match flags.config.as_deref().map(Config::load).unwrap_or_else(|| Ok(Config::default()))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("one-scheduler: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(endpoint) = flags.endpoint {
        config.endpoint = endpoint;
    }
    if let Some(poke) = flags.poke_listen {
        config.poke_listen = poke;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log_level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let session = match credentials(flags.auth) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("one-scheduler: {e}");
            return ExitCode::FAILURE;
        }
    };
    if flags.exit_with_stdin {
        // oned holds the other end: when it goes, even killed, stdin closes.
        std::thread::spawn(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
            tracing::info!("oned is gone: exiting");
            std::process::exit(0);
        });
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("one-scheduler: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(scheduler::run::run(config, session, flags.once)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("one-scheduler: {e}");
            ExitCode::FAILURE
        }
    }
}
