//! OpenNebula's scalability test, reproduced: HOSTS simulated hosts (dummy drivers, each
//! reporting ~30 KB of monitoring data) and VMS VMs with ~7 KB templates in one SQLite file,
//! driven from a load generator on loopback. Prints the figures BENCHMARKS.md records; asserts
//! nothing about time.
//!
//! `cargo build --release --workspace && target/release/bench-scale [HOSTS] [VMS] [CLIENTS]`
//! (defaults 1250 20000 4).

use std::time::{Duration, Instant};

use oca::{Client, Value};
use one_tests::Oned;
use one_tests::bench::{parallel, wait_running};

fn rss_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn i(v: i32) -> Value {
    Value::Integer(v)
}

/// A VM template of about 7 KB, as in OpenNebula's test: capacity, a disk, a NIC, context,
/// graphics, and user attributes (labels, a long description) that make up the rest.
fn vm_template(n: usize) -> String {
    let mut t = format!(
        "NAME = \"bench-{n}\"\nCPU = 0.1\nVCPU = 1\nMEMORY = 64\nGRAPHICS = [ TYPE = \"vnc\", LISTEN = \"0.0.0.0\" ]\n\
         OS = [ ARCH = \"x86_64\", BOOT = \"disk0\" ]\nDISK = [ TYPE = \"fs\", SIZE = \"1024\", FORMAT = \"raw\" ]\n\
         NIC = [ BRIDGE = \"br0\", MODEL = \"virtio\" ]\n\
         CONTEXT = [ NETWORK = \"YES\", SSH_PUBLIC_KEY = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench@example\" ]\n"
    );
    while t.len() < 7000 {
        t.push_str(&format!("LABEL_{} = \"{}\"\n", t.len(), "x".repeat(100)));
    }
    t
}

/// An XML-RPC call body with the session first.
fn request(session: &str, method: &str, params: &[Value]) -> Vec<u8> {
    let mut body = format!("<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>");
    body.push_str(&format!("<param><value><string>{session}</string></value></param>"));
    for p in params {
        match p {
            Value::Integer(v) => body.push_str(&format!("<param><value><i4>{v}</i4></value></param>")),
            Value::Boolean(v) => {
                body.push_str(&format!("<param><value><boolean>{}</boolean></value></param>", u8::from(*v)))
            }
            Value::String(v) => body.push_str(&format!("<param><value><string>{v}</string></value></param>")),
            other => panic!("unsupported parameter {other:?}"),
        }
    }
    body.push_str("</params></methodCall>");
    body.into_bytes()
}

/// Posts one call on a new connection and reads the whole response as bytes (no XML parsing,
/// no text conversion): the time the server takes to deliver it. Returns the status and the
/// body.
fn fetch(port: u16, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let head = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut data = Vec::with_capacity(length.unwrap_or(1 << 16));
    // Streamed answers (chunked) are read to the end, chunk markers included.
    reader.read_to_end(&mut data).expect("body");
    (status, data)
}

/// Average time to receive a whole response, and its size.
fn raw_avg_ms(port: u16, body: &[u8], rounds: u32) -> (f64, usize) {
    let mut size = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        let (status, data) = fetch(port, body);
        assert_eq!(status, 200);
        let prefix = String::from_utf8_lossy(&data[..data.len().min(300)]).into_owned();
        assert!(prefix.contains("<boolean>1</boolean>"), "failed call: {prefix}");
        size = data.len();
    }
    (start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds), size)
}

async fn avg_ms(c: &Client, method: &str, params: Vec<Value>, rounds: u32) -> (f64, usize) {
    let mut size = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        if let Value::String(doc) = c.call(method, params.clone()).await.expect(method) {
            size = doc.len();
        }
    }
    (start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds), size)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let hosts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1250);
    let vms: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    // Hosts report 40 PCI devices each: host documents of ~30 KB, as in OpenNebula's test.
    let oned = Oned::start_configured("monitoring_interval = 120\n[dummy]\npci_devices = 40\n");
    let (pid, port, session) = (oned.pid(), oned.port, oned.session());
    let admin = oned.client();
    println!("bench-scale: {hosts} hosts, {vms} VMs, {clients} clients; oned pid {pid}");

    // Hosts, until all are MONITORED.
    let rate = parallel(&oned, clients, hosts, |c, n| async move {
        c.call("one.host.allocate", vec![s(&format!("host-{n}")), s("dummy"), s("dummy"), i(-1)])
            .await
            .expect("host.allocate");
    })
    .await;
    println!("one.host.allocate: {rate:.0} hosts/s");
    let start = Instant::now();
    loop {
        let Value::String(doc) = admin.call("one.hostpool.info", vec![]).await.expect("hostpool") else {
            panic!()
        };
        let monitored = doc.matches("<STATE>2</STATE>").count();
        if monitored >= hosts || start.elapsed() > Duration::from_secs(600) {
            println!(
                "hosts MONITORED: {monitored} after {:.1} s; hostpool.info is {} KB ({} KB per host)",
                start.elapsed().as_secs_f64(),
                doc.len() / 1024,
                doc.len() / 1024 / hosts.max(1)
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 1,000 VMs from allocate to RUNNING: each client allocates and deploys (as the
    // scheduler would), then we wait for the dummy drivers to boot them all.
    let first = vms.min(1000);
    let hosts_n = hosts;
    let start = Instant::now();
    parallel(&oned, clients, first, move |c, n| async move {
        let id = c
            .call("one.vm.allocate", vec![s(&vm_template(n)), Value::Boolean(false)])
            .await
            .expect("vm.allocate");
        let Value::Integer(id) = id else { panic!("vm id") };
        c.call("one.vm.deploy", vec![i(id), i((n % hosts_n) as i32)]).await.expect("vm.deploy");
    })
    .await;
    wait_running(&admin, first, Duration::from_secs(600)).await;
    println!("{first} VMs from allocate to RUNNING: {:.2} s wall time", start.elapsed().as_secs_f64());

    // The rest: allocate all, then deploy all, round-robin on the hosts.
    let rest = vms - first;
    let rate = parallel(&oned, clients, rest, move |c, n| async move {
        c.call("one.vm.allocate", vec![s(&vm_template(first + n)), Value::Boolean(false)])
            .await
            .expect("vm.allocate");
    })
    .await;
    println!("one.vm.allocate: {rate:.0} calls/s ({clients} clients, ~7 KB templates)");
    let rate = parallel(&oned, clients, rest, move |c, n| async move {
        let id = (first + n) as i32;
        c.call("one.vm.deploy", vec![i(id), i((n % hosts_n) as i32)]).await.expect("vm.deploy");
    })
    .await;
    println!("one.vm.deploy: {rate:.0} calls/s ({clients} clients)");
    let start = Instant::now();
    let running = wait_running(&admin, vms, Duration::from_secs(900)).await;
    println!("VMs RUNNING: {running} {:.1} s after the last deploy call", start.elapsed().as_secs_f64());
    println!("oned RSS after loading: {} KiB (peak {} KiB)", rss_kib(pid, "VmRSS:"), rss_kib(pid, "VmHWM:"));

    // Single calls, timed to the last byte of the response over raw HTTP.
    let vmpool = request(&session, "one.vmpool.info", &[i(-2), i(-1), i(-1), i(-1)]);
    let page = request(&session, "one.vmpool.info", &[i(-2), i(0), i(-2000), i(-1)]);
    let hostpool = request(&session, "one.hostpool.info", &[]);
    let (ms, size) = raw_avg_ms(port, &vmpool, 10);
    println!("one.vmpool.info, all VMs: {ms:.1} ms ({} KB on the wire)", size / 1024);
    let (ms, size) = raw_avg_ms(port, &page, 20);
    println!("one.vmpool.info, page of 2000: {ms:.1} ms ({} KB on the wire)", size / 1024);
    let (ms, size) = raw_avg_ms(port, &hostpool, 10);
    println!("one.hostpool.info: {ms:.1} ms ({} KB on the wire)", size / 1024);
    let (ms, _) = raw_avg_ms(port, &request(&session, "one.vm.info", &[i((vms / 2) as i32)]), 200);
    println!("one.vm.info: {ms:.2} ms");
    let (ms, _) = raw_avg_ms(port, &request(&session, "one.host.info", &[i((hosts / 2) as i32)]), 200);
    println!("one.host.info: {ms:.2} ms");
    let (ms, size) = avg_ms(&admin, "one.vmpool.info", vec![i(-2), i(-1), i(-1), i(-1)], 5).await;
    println!(
        "one.vmpool.info, all VMs, with the Rust OCA decoding the answer: {ms:.1} ms ({} KB document)",
        size / 1024
    );

    // The mix: host.info 30 %, hostpool.info 20 %, vm.info 30 %, vmpool.info 20 %.
    let duration = Duration::from_secs(20);
    let start = Instant::now();
    let mut threads = Vec::new();
    for c in 0..clients {
        let (vmpool, hostpool, session) = (vmpool.clone(), hostpool.clone(), session.clone());
        threads.push(std::thread::spawn(move || {
            let mut latencies = Vec::new();
            let mut n = c;
            while start.elapsed() < duration {
                let body = match n % 10 {
                    0..=2 => request(&session, "one.host.info", &[i((n % hosts) as i32)]),
                    3 | 4 => hostpool.clone(),
                    5..=7 => request(&session, "one.vm.info", &[i((n % vms) as i32)]),
                    _ => vmpool.clone(),
                };
                let t = Instant::now();
                let (status, _) = fetch(port, &body);
                assert_eq!(status, 200);
                latencies.push(t.elapsed());
                n += 7;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().expect("client thread"));
    }
    all.sort();
    let p = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "mix ({clients} clients, {:.0} s): {:.1} requests/s, p50 {:.1} ms, p99 {:.1} ms",
        duration.as_secs_f64(),
        all.len() as f64 / start.elapsed().as_secs_f64(),
        p(0.5),
        p(0.99)
    );

    let extended = request(&session, "one.vmpool.infoextended", &[i(-2), i(-1), i(-1), i(-1)]);
    let (ms, size) = raw_avg_ms(port, &extended, 1);
    println!(
        "one.vmpool.infoextended, all VMs: {ms:.0} ms ({} MB on the wire, streamed)",
        size / 1024 / 1024
    );
    println!("oned RSS at the end: {} KiB (peak {} KiB)", rss_kib(pid, "VmRSS:"), rss_kib(pid, "VmHWM:"));
    // BENCH_HOLD=seconds keeps oned up for probing (curl, ps) before it is stopped.
    if let Some(secs) = std::env::var("BENCH_HOLD").ok().and_then(|v| v.parse().ok()) {
        println!("holding oned at {} ({}) for {secs} s", oned.endpoint(), oned.session());
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }
}
