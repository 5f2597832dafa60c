//! Test harness: starts the real `oned` binary on a free loopback port with a temporary data
//! directory, gives clients for it, and stops it by PID when dropped. Also raw HTTP posts and
//! XSD validation with `xmllint`.
//!
//! The binaries come from the workspace build (`cargo build --workspace`), next to the test
//! executable's `deps/` directory.

pub mod bench;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a started oned may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The path of a workspace binary of the same profile: next to the running executable
/// (benchmarks in `target/<profile>/`) or one level up (tests in `target/<profile>/deps/`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let dir = exe.parent().expect("executable directory");
    let candidates = [dir.join(name), dir.parent().map(|p| p.join(name)).unwrap_or_default()];
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("{name} not found near {}: build the workspace first (cargo build --workspace)", dir.display())
    })
}

/// A running oned.
pub struct Oned {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The temporary directory holding its data directory and credentials.
    pub dir: PathBuf,
    /// oneadmin's password.
    pub password: String,
    _keep: Option<tempfile::TempDir>,
}

impl Oned {
    /// Starts oned with a new, empty data directory.
    pub fn start() -> Oned {
        Oned::start_configured("")
    }

    /// Starts oned with a new, empty data directory and this configuration file content.
    pub fn start_configured(config: &str) -> Oned {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().to_owned();
        let password = format!("pw-{}", std::process::id());
        std::fs::write(dir.join("one_auth"), format!("oneadmin:{password}\n")).expect("write one_auth");
        // Tests place VMs themselves unless they ask for the scheduler (`[scheduler]`).
        let config = if config.contains("[scheduler]") {
            config.to_owned()
        } else {
            format!("{config}\n[scheduler]\nenabled = false\npoke = \"\"\n")
        };
        std::fs::write(dir.join("oned.toml"), config).expect("write oned.toml");
        let mut oned = Oned::spawn(&dir, &password);
        oned._keep = Some(tmp);
        oned
    }

    fn spawn(dir: &Path, password: &str) -> Oned {
        let log = std::fs::File::create(dir.join("oned.log")).expect("log file");
        let mut child = Command::new(bin("oned"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.join("data"))
            .arg("--config")
            .arg(dir.join("oned.toml"))
            .env("ONE_AUTH", dir.join("one_auth"))
            // As scripts/cloud.sh starts it: freed memory goes back to the system at once.
            .env("MIMALLOC_PURGE_DELAY", "0")
            .env_remove("ONED_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start oned");
        let stdout = child.stdout.take().expect("oned stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(dir.join("oned.log")).unwrap_or_default();
                panic!("oned did not start within {START_TIMEOUT:?}; log:\n{log}");
            }
        };
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from oned: {line}"));
        Oned { child: Some(child), port, dir: dir.to_owned(), password: password.to_owned(), _keep: None }
    }

    /// The XML-RPC endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/RPC2", self.port)
    }

    /// oneadmin's session string.
    pub fn session(&self) -> String {
        format!("oneadmin:{}", self.password)
    }

    /// A client logged in as oneadmin.
    pub fn client(&self) -> oca::Client {
        self.client_as(&self.session())
    }

    /// A client with any session string.
    pub fn client_as(&self, session: &str) -> oca::Client {
        oca::Client::new(&self.endpoint(), session).expect("client")
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Kills oned with SIGKILL (no chance to flush anything) and waits for it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a new oned on the same data directory (after [`Oned::kill9`]).
    pub fn restart(&mut self) {
        self.kill9();
        let mut next = Oned::spawn(&self.dir, &self.password);
        self.child = next.child.take();
        self.port = next.port;
    }

    /// What oned logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("oned.log")).unwrap_or_default()
    }
}

impl Drop for Oned {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Posts `body` to `/RPC2` over a plain socket and returns the status code and response body.
pub fn raw_post(port: u16, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    stream.set_write_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let head = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// The directory of OpenNebula's XSDs (a copy kept in this crate).
pub fn xsd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("xsd")
}

/// Validates a document returned by oned against `xsd` (a file in [`xsd_dir`]) with
/// `xmllint`, after adding the schema's namespace to the root element (oned, like
/// OpenNebula, emits none).
pub fn validate_xsd(doc: &str, xsd: &str) -> Result<(), String> {
    let Some(end) = doc.find(['>', ' ', '/']) else { return Err("not an XML element".into()) };
    let namespaced = format!("{} xmlns=\"http://opennebula.org/XMLSchema\"{}", &doc[..end], &doc[end..]);
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::fs::write(file.path(), namespaced).map_err(|e| e.to_string())?;
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd_dir().join(xsd))
        .arg(file.path())
        .output()
        .map_err(|e| format!("cannot run xmllint (install libxml2-utils): {e}"))?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// The Python interpreter of the virtualenv with pyone (`ONE_TEST_PYTHON`, else `.venv`).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ONE_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(path.exists(), "{} not found: run scripts/install-deps.sh", path.display());
    path
}
