//! Helpers for tests that run VMs on simulated (`dummy`) hosts: a monitored host, and bounded
//! waits for a VM to reach a state (the driver work runs off the request path).

use std::time::Duration;

use one_core::objects::host::Host;
use one_core::objects::vm::Vm;
use one_core::states::{HostState, LcmState, VmState};

/// How long a test waits for background work before failing.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(10);

/// A dummy host, waited for until its first monitoring round is in.
pub async fn dummy_host(c: &oca::Client, name: &str) -> i32 {
    let id = c.host_allocate(name, "dummy", "dummy", -1).await.unwrap();
    wait_host(c, id, HostState::Monitored).await;
    id
}

/// Waits until the host is in `state`.
pub async fn wait_host(c: &oca::Client, id: i32, state: HostState) -> Host {
    let start = std::time::Instant::now();
    loop {
        let h = c.host_info(id).await.unwrap();
        if h.state == state {
            return h;
        }
        assert!(start.elapsed() < WAIT, "host {id} stayed {:?}, expected {state:?}", h.state);
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until the VM is in `state`/`lcm` and returns it.
pub async fn wait_vm(c: &oca::Client, id: i32, state: VmState, lcm: LcmState) -> Vm {
    let start = std::time::Instant::now();
    loop {
        let vm = c.vm_info(id).await.unwrap();
        if vm.state == state && (state != VmState::Active || vm.lcm_state == lcm) {
            return vm;
        }
        assert!(
            start.elapsed() < WAIT,
            "VM {id} stayed {:?}/{:?}, expected {state:?}/{lcm:?}",
            vm.state,
            vm.lcm_state
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until the VM is RUNNING.
pub async fn wait_running(c: &oca::Client, id: i32) -> Vm {
    wait_vm(c, id, VmState::Active, LcmState::Running).await
}

/// A VM allocated from `template` and deployed on `host`, waited for until RUNNING.
pub async fn running_vm(c: &oca::Client, template: &str, host: i32) -> Vm {
    let id = c.vm_allocate(template, false).await.unwrap();
    c.vm_deploy(id, host, false, -1).await.unwrap();
    wait_running(c, id).await
}
