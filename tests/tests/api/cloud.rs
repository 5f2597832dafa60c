//! Helpers for tests that run VMs on simulated (`dummy`) hosts: a monitored host, a running
//! VM, and waits for host and VM states (built on `wait::until`).

use one_core::objects::host::Host;
use one_core::objects::vm::Vm;
use one_core::states::{HostState, LcmState, VmState};

use super::wait::until;

/// A dummy host, waited for until its first monitoring round is in.
pub async fn dummy_host(c: &oca::Client, name: &str) -> i32 {
    let id = c.host_allocate(name, "dummy", "dummy", -1).await.unwrap();
    wait_host(c, id, HostState::Monitored).await;
    id
}

/// Waits until the host is in `state`.
pub async fn wait_host(c: &oca::Client, id: i32, state: HostState) -> Host {
    until(&format!("host {id} {}", state.name()), || async move {
        c.host_info(id).await.ok().filter(|h| h.state == state)
    })
    .await
}

/// Waits until the VM is in `state`/`lcm` (`lcm` only matters for ACTIVE) and returns it.
pub async fn wait_vm(c: &oca::Client, id: i32, state: VmState, lcm: LcmState) -> Vm {
    super::wait::vm(c, id, state, (state == VmState::Active).then_some(lcm)).await
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
