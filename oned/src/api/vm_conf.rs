//! Changing a VM's configuration after allocate: `one.vm.resize` (CPU, VCPU, MEMORY, with
//! quotas and, when asked, the host's capacity) and `one.vm.updateconf` (OS, FEATURES, INPUT,
//! GRAPHICS, VIDEO, RAW, CPU_MODEL, BACKUP_CONFIG and CONTEXT sections).

use one_core::acl::Operation;
use one_core::lifecycle::{Action, Event};
use one_core::objects::host::{Host, VmCapacity};
use one_core::objects::vm::{Vm, updateconf_template};
use one_core::states::{LcmState, VmState};
use one_core::template::Template;

use super::pool::fetch;
use super::usage::{charge, refund};
use super::vms::with_vm;
use super::{ApiError, ApiResult, Caller, Ctx, Object, action, api, internal, parse_template};
use crate::lcm::{self, Request};

/// Attributes of an updateconf only administrators may set (OpenNebula's default
/// `VM_RESTRICTED_ATTR` entries that updateconf can reach).
const RESTRICTED: &[(&str, &str)] =
    &[("CONTEXT", "FILES"), ("OS", "KERNEL"), ("OS", "INITRD"), ("OS", "BOOTLOADER"), ("RAW", "DATA")];

/// The values a resize asks for; 0 keeps the current one.
struct Sizes {
    cpu: f64,
    vcpu: i64,
    memory: i64,
}

fn sizes(template: &Template, id: i32) -> ApiResult<Sizes> {
    let num = |key: &str| template.get(key).and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(0.0);
    let (cpu, vcpu, memory) = (num("CPU"), num("VCPU"), num("MEMORY"));
    if cpu < 0.0 {
        return Err(internal("CPU must be a positive float or integer value.", id));
    }
    if memory < 0.0 || memory.fract() != 0.0 {
        return Err(internal("MEMORY must be a positive integer value.", id));
    }
    if vcpu < 0.0 || vcpu.fract() != 0.0 {
        return Err(internal("VCPU must be a positive integer value.", id));
    }
    Ok(Sizes { cpu, vcpu: vcpu as i64, memory: memory as i64 })
}

/// Whether the VM's CPUs are pinned (a NUMA topology with a pin policy).
fn is_pinned(vm: &Vm) -> bool {
    vm.template.vector("TOPOLOGY").is_some_and(|t| {
        t.iter().any(|(k, v)| k == "PIN_POLICY" && !v.is_empty() && !v.eq_ignore_ascii_case("NONE"))
    })
}

/// `one.vm.resize`: new CPU, VCPU and MEMORY (`enforce`: the host must have room).
pub fn resize(ctx: &Ctx, caller: &Caller, id: i32, text: &str, enforce: bool) -> ApiResult<i32> {
    let template = parse_template(text).map_err(|e| internal(e, id))?;
    let want = sizes(&template, id)?;
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        let old = |key: &str| vm.template.get(key).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let cpu = if want.cpu > 0.0 { want.cpu } else { old("CPU") };
        let vcpu = if want.vcpu > 0 { want.vcpu } else { old("VCPU") as i64 };
        let memory = if want.memory > 0 { want.memory } else { old("MEMORY") as i64 };
        let running = vm.state == VmState::Active && vm.lcm_state == LcmState::Running;
        if running && is_pinned(vm) {
            return Err(action("Cannot resize a pinned VM", id));
        }
        let event = Event::Action(Action::Resize);
        lcm::check(vm, &event)?;
        if running && cpu == old("CPU") && memory == old("MEMORY") as i64 && vcpu == old("VCPU") as i64 {
            return Ok(Vec::new()); // OpenNebula: "Nothing to resize", and success.
        }
        let mut values = Template::new();
        values.set("CPU", one_core::objects::vm::format_float(cpu));
        values.set("MEMORY", memory.to_string());
        if vcpu > 0 {
            values.set("VCPU", vcpu.to_string());
        }
        let on_host = running || vm.state == VmState::Poweroff;
        if on_host
            && enforce
            && let Some(hid) = vm.host_id()
        {
            let host = fetch::<Host>(tx, hid)?;
            let mut share = host.share.clone();
            share.del(&VmCapacity::from_template(id, &vm.template));
            let mut next = vm.template.clone();
            next.merge(&values);
            let cap = VmCapacity::from_template(id, &next);
            share.test_compute(cap.cpu, cap.mem).map_err(|e| action(e, id))?;
        }
        let before = lcm::vm_usage(vm);
        let mut req = Request::by(caller.uid, caller.gid);
        req.values = values;
        let jobs = lcm::apply(ctx, tx, vm, &event, &req)?;
        refund(tx, vm.meta.uid, vm.meta.gid, &[before])?;
        charge(tx, caller.uid, Object::Vm, vm.meta.uid, vm.meta.gid, &[lcm::vm_usage(vm)])?;
        Ok(jobs)
    })
}

/// `one.vm.updateconf`: replaces (`kind` 0) or merges (1) the configuration sections.
pub fn update_conf(ctx: &Ctx, caller: &Caller, id: i32, text: &str, kind: i32) -> ApiResult<i32> {
    if kind != 0 && kind != 1 {
        return Err(api("Wrong update type", id));
    }
    let template = parse_template(text).map_err(|e| internal(e, id))?;
    let conf = updateconf_template(&template);
    with_vm(ctx, caller, id, Operation::Manage, |tx, vm| {
        if !caller.is_admin()
            && let Some((section, key)) = RESTRICTED
                .iter()
                .find(|(s, k)| conf.vector(s).is_some_and(|p| p.iter().any(|(name, _)| name == k)))
        {
            return Err(ApiError::Authorization {
                uid: caller.uid,
                object: Object::Vm,
                detail: format!("Template includes a restricted attribute {section}/{key}"),
            });
        }
        // The state check first: a VM that cannot take a configuration keeps its own.
        lcm::check(vm, &Event::Action(Action::UpdateConf { context_changed: false }))?;
        let context_changed = vm.update_conf(&conf, kind == 1).map_err(|e| internal(e, id))?;
        let live = vm.state == VmState::Active && vm.lcm_state == LcmState::Running && context_changed;
        if live {
            let event = Event::Action(Action::UpdateConf { context_changed: true });
            lcm::apply(ctx, tx, vm, &event, &Request::by(caller.uid, caller.gid))
        } else {
            lcm::save(tx, vm)?;
            Ok(Vec::new())
        }
    })
}
