//! oned's side of the scheduler: it starts `one-scheduler` as a child process (unless
//! `[scheduler] enabled = false`, for a scheduler running elsewhere), restarts it if it dies,
//! stops it with oned (the child's stdin is a pipe oned holds: when oned goes, even killed,
//! the pipe closes and the scheduler exits), and pokes it (a connection to its `poke` address) whenever a VM
//! becomes PENDING, so a lone VM does not wait for the next cycle. The scheduler itself keeps
//! no state and talks to oned over XML-RPC only.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

use crate::api::Ctx;
use crate::config::Config;

/// The scheduler's executable: the configured one, or `one-scheduler` next to `oned`.
fn command(config: &Config) -> Option<PathBuf> {
    if !config.scheduler.command.is_empty() {
        return Some(PathBuf::from(&config.scheduler.command));
    }
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join("one-scheduler");
    path.is_file().then_some(path)
}

fn spawn(config: &Config, endpoint: &str) -> Option<Child> {
    let Some(program) = command(config) else {
        tracing::warn!("no one-scheduler next to oned: VMs stay PENDING until deployed by hand");
        return None;
    };
    let log = config.data_dir.join("sched.log");
    let out = std::fs::OpenOptions::new().create(true).append(true).open(&log);
    let mut cmd = Command::new(&program);
    cmd.arg("--endpoint").arg(endpoint).arg("--auth").arg(crate::server::one_auth_path());
    if !config.scheduler.config.is_empty() {
        cmd.arg("--config").arg(&config.scheduler.config);
    }
    cmd.arg("--poke-listen").arg(&config.scheduler.poke);
    // The scheduler exits when its stdin closes: when oned stops, even with kill -9.
    cmd.arg("--exit-with-stdin");
    cmd.stdin(std::process::Stdio::piped()).kill_on_drop(true);
    if let Ok(file) = out {
        if let Ok(copy) = file.try_clone() {
            cmd.stdout(copy);
        }
        cmd.stderr(file);
    }
    match cmd.spawn() {
        Ok(child) => {
            tracing::info!(pid = child.id(), "started {} (log {})", program.display(), log.display());
            Some(child)
        }
        Err(e) => {
            tracing::error!("cannot start {}: {e}", program.display());
            None
        }
    }
}

/// Starts and watches the scheduler (restarting it 5 s after it stops), until oned stops.
pub fn supervise(ctx: Arc<Ctx>, endpoint: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if !ctx.config.scheduler.enabled {
            return;
        }
        loop {
            let Some(mut child) = spawn(&ctx.config, &endpoint) else { return };
            // `wait` would close the child's stdin, and the scheduler exits when it closes:
            // keep our end open while it runs.
            let _pipe = child.stdin.take();
            match child.wait().await {
                Ok(status) => tracing::warn!("the scheduler stopped ({status}); restarting it in 5 s"),
                Err(e) => tracing::error!("cannot wait for the scheduler: {e}"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    })
}

/// Pokes the scheduler each time a VM becomes PENDING (pokes coalesce while one is sent).
pub fn poke_on_pending(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let address = ctx.config.scheduler.poke.clone();
        if address.is_empty() {
            return;
        }
        loop {
            ctx.pending.notified().await;
            let connect = tokio::net::TcpStream::connect(&address);
            match tokio::time::timeout(Duration::from_secs(1), connect).await {
                Ok(Ok(mut stream)) => {
                    let _ = stream.write_all(b"\n").await;
                }
                // Not listening (yet): its next cycle finds the VM anyway.
                Ok(Err(_)) | Err(_) => tracing::debug!("the scheduler did not take the poke at {address}"),
            }
        }
    })
}
