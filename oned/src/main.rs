//! The `oned` binary: parses flags, loads the configuration and runs the server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use oned::config::Config;

/// mimalloc: pool listings and documents of tens of MB come and go; glibc's allocator keeps
/// such memory fragmented across threads, mimalloc returns it. Built without transparent huge
/// pages (`no_thp`): with them a few live objects pin whole 2 MiB pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// OpenNebula-compatible cloud daemon: serves the XML-RPC API at http://ADDR/RPC2.
#[derive(Debug, Parser)]
#[command(name = "oned", version)]
struct Flags {
    /// Configuration file (TOML; see the README for its keys).
    #[arg(long, env = "ONED_CONFIG")]
    config: Option<PathBuf>,
    /// Address and port to listen on, e.g. 127.0.0.1:2633 (port 0 picks a free one).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory for the database and generated credentials.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Log level: error, warn, info, debug or trace.
    #[arg(long)]
    log_level: Option<String>,
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    let mut config = match &flags.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("oned: {e}");
                return ExitCode::from(2);
            }
        },
        None => Config::default(),
    };
    if let Some(listen) = flags.listen {
        config.listen = listen;
    }
    if let Some(dir) = flags.data_dir {
        config.data_dir = dir;
    }
    if let Some(level) = flags.log_level {
        config.log_level = level;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log_level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("oned: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result =
        oned::server::prepare(config).map(|(ctx, jobs)| runtime.block_on(oned::server::serve(ctx, jobs)));
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) | Err(e) => {
            eprintln!("oned: {e}");
            ExitCode::FAILURE
        }
    }
}
