//! Start-up: the data directory, the database, the first-start bootstrap with the operator's
//! credentials, the listener and graceful shutdown.
//!
//! `oneadmin`'s credentials come, as in OpenNebula, from the file named by `ONE_AUTH`
//! (default `~/.one/one_auth`), holding `user:password`. If the database is new and the file
//! does not exist, a random password is generated and written there (mode 0600).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedReceiver;

use crate::api::{Ctx, authn::random_hex, bootstrap::bootstrap};
use crate::config::Config;
use crate::db::Db;
use crate::jobs::Job;

/// A start-up failure, reported to the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file or directory problem.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The credentials file is not `user:password`.
    #[error("{0}")]
    Credentials(String),
    /// Bootstrap failed.
    #[error("bootstrap failed: {0}")]
    Bootstrap(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
    let what = what.into();
    move |source| StartError::Io { what, source }
}

/// The credentials file: `$ONE_AUTH`, else `~/.one/one_auth`.
pub fn one_auth_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ONE_AUTH") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".one").join("one_auth")
}

/// Reads `user:password` from a credentials file.
pub fn read_credentials(path: &Path) -> Result<(String, String), StartError> {
    let text = std::fs::read_to_string(path).map_err(io(format!("cannot read {}", path.display())))?;
    let line = text.lines().next().unwrap_or_default().trim();
    match line.split_once(':') {
        Some((user, password)) if !user.is_empty() && !password.is_empty() => {
            Ok((user.to_owned(), password.to_owned()))
        }
        _ => Err(StartError::Credentials(format!("{} must contain user:password", path.display()))),
    }
}

/// Writes a secret file readable by its owner only, creating its directory.
fn write_secret(path: &Path, content: &str) -> Result<(), StartError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(format!("cannot write {}", path.display())))?;
    file.write_all(content.as_bytes()).map_err(io(format!("cannot write {}", path.display())))
}

/// Opens the database and bootstraps it on first start. Returns the context and the queue of
/// background work the server's runner drains.
pub fn prepare(config: Config) -> Result<(Ctx, UnboundedReceiver<Job>), StartError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(io(format!("cannot create {}", config.data_dir.display())))?;
    let db = Db::open(&config.db_path())?;
    let (ctx, jobs) = Ctx::new(db, config);
    if ctx.db.read(|tx| tx.is_empty())? {
        let path = one_auth_path();
        let (user, password) = if path.exists() {
            read_credentials(&path)?
        } else {
            let password = random_hex();
            write_secret(&path, &format!("oneadmin:{password}\n"))?;
            tracing::warn!("no credentials in {}: generated a password for oneadmin there", path.display());
            ("oneadmin".to_owned(), password)
        };
        let done = bootstrap(&ctx, &user, &password).map_err(|e| StartError::Bootstrap(e.message()))?;
        if let Some(done) = done {
            for name in ["sunstone_auth", "onegate_auth", "oneflow_auth"] {
                let file = ctx.config.data_dir.join(".one").join(name);
                write_secret(&file, &format!("serveradmin:{}\n", done.serveradmin_password))?;
            }
            tracing::info!(user, "bootstrapped a new database in {}", ctx.config.data_dir.display());
        }
    }
    Ok((ctx, jobs))
}

/// Binds the listener, prints `oned listening on ADDR`, starts the background work (the
/// scheduler, job runner, monitoring, recovery of interrupted operations) and serves until
/// SIGINT or SIGTERM.
pub async fn serve(ctx: Ctx, jobs: UnboundedReceiver<Job>) -> Result<(), StartError> {
    let listen: SocketAddr = ctx.config.listen;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(io(format!("cannot listen on {listen}")))?;
    let local = listener.local_addr().map_err(io("cannot read the listening address"))?;
    println!("oned listening on {local}");
    tracing::info!("listening on http://{local}/RPC2");
    let ctx = Arc::new(ctx);
    let host = if local.ip().is_unspecified() { "127.0.0.1".to_owned() } else { local.ip().to_string() };
    crate::sched::supervise(ctx.clone(), format!("http://{host}:{}/RPC2", local.port()));
    crate::sched::poke_on_pending(ctx.clone());
    crate::jobs::spawn_runner(ctx.clone(), jobs);
    crate::jobs::spawn_monitoring(ctx.clone());
    let resumed = crate::lcm::recover_interrupted(&ctx)
        + crate::api::image_jobs::recover_interrupted(&ctx)
        + crate::api::vnets::recover_interrupted(&ctx);
    if resumed > 0 {
        tracing::info!("resumed {resumed} VM, image and network operations interrupted by the last stop");
    }
    let app = crate::rpc::router(ctx);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await.map_err(io("server failed"))
}

async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_is_user_colon_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one_auth");
        std::fs::write(&path, "oneadmin:s3cr:et\n").unwrap();
        assert_eq!(read_credentials(&path).unwrap(), ("oneadmin".into(), "s3cr:et".into()));
        std::fs::write(&path, "nocolon\n").unwrap();
        assert!(read_credentials(&path).is_err());
    }
}
