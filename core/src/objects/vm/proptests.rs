//! Property tests: every VM survives its full XML form, and the search never panics.

use proptest::prelude::*;

use super::*;
use crate::objects::common::Lock;
use crate::states::{LcmState, VmState};
use crate::template::Attribute;

fn text() -> impl Strategy<Value = String> {
    "[ -~\t\n\u{a0}-\u{17f}\u{4e00}-\u{4e0f}]{0,12}"
}

fn name() -> impl Strategy<Value = String> {
    "[A-Z][A-Z0-9_]{0,8}".prop_filter("SCHED_ACTION is not kept in TEMPLATE", |n| n != "SCHED_ACTION")
}

fn value() -> impl Strategy<Value = String> {
    text().prop_filter("values cannot contain ]]>", |v| !v.contains("]]>"))
}

/// A template in the order its XML form reads back: attributes and vector keys sorted, no
/// empty vectors.
fn template() -> impl Strategy<Value = Template> {
    let attr = (
        name(),
        prop_oneof![value().prop_map(Ok), prop::collection::vec((name(), value()), 1..4).prop_map(Err)],
    );
    prop::collection::vec(attr, 0..6).prop_map(|mut attrs| {
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut t = Template::new();
        for (n, v) in attrs {
            match v {
                Ok(single) => t.push(Attribute::single(&n, single)),
                Err(mut pairs) => {
                    pairs.sort_by(|a, b| a.0.cmp(&b.0));
                    t.push(Attribute::vector(&n, pairs));
                }
            }
        }
        t
    })
}

fn history() -> impl Strategy<Value = History> {
    (
        (any::<i32>(), any::<i32>(), text(), any::<i32>(), any::<i32>(), any::<i64>(), any::<i64>()),
        (text(), text(), any::<i32>(), any::<i32>(), any::<i32>()),
        prop::array::uniform6(any::<i64>()),
        (prop::sample::select(VmAction::ALL), any::<i32>(), any::<i32>(), any::<i32>()),
    )
        .prop_map(
            |(
                (oid, seq, hostname, hid, cid, stime, etime),
                (vm_mad, tm_mad, ds_id, plan_id, action_id),
                t,
                a,
            )| {
                History {
                    oid,
                    seq,
                    hostname,
                    hid,
                    cid,
                    stime,
                    etime,
                    vm_mad,
                    tm_mad,
                    ds_id,
                    plan_id,
                    action_id,
                    pstime: t[0],
                    petime: t[1],
                    rstime: t[2],
                    retime: t[3],
                    estime: t[4],
                    eetime: t[5],
                    action: a.0,
                    uid: a.1,
                    gid: a.2,
                    request_id: a.3,
                }
            },
        )
}

fn snapshots() -> impl Strategy<Value = DiskSnapshots> {
    let snapshot =
        (any::<i32>(), prop::option::of(text()), any::<i64>(), any::<i32>(), any::<i64>(), any::<bool>())
            .prop_flat_map(|s| (Just(s), prop::collection::vec(any::<i32>(), 0..3)))
            .prop_map(|((id, name, date, parent, size_mb, active), children)| Snapshot {
                id,
                name,
                date,
                parent,
                size_mb,
                active,
                children,
            });
    (any::<i32>(), "[A-Z]{1,6}", any::<i32>(), any::<i32>(), prop::collection::vec(snapshot, 0..3)).prop_map(
        |(disk_id, allow_orphans, current_base, next_snapshot, snapshots)| DiskSnapshots {
            disk_id,
            allow_orphans,
            current_base,
            next_snapshot,
            snapshots,
        },
    )
}

fn meta() -> impl Strategy<Value = Meta> {
    (
        (any::<i32>(), any::<i32>(), any::<i32>(), text(), text(), text()),
        0u32..0o1000,
        prop::option::of((1i32..=3, any::<i32>(), any::<i64>(), any::<i32>())),
    )
        .prop_map(|((id, uid, gid, uname, gname, name), perms, lock)| Meta {
            id,
            uid,
            gid,
            uname,
            gname,
            name,
            perms: crate::perms::Permissions::from_octal(perms),
            lock: lock.map(|(level, owner, time, req_id)| Lock { level, owner, time, req_id }),
        })
}

fn vm() -> impl Strategy<Value = Vm> {
    (
        (meta(), any::<i64>(), prop::sample::select(VmState::ALL), prop::sample::select(LcmState::ALL)),
        (prop::sample::select(VmState::ALL), prop::sample::select(LcmState::ALL), any::<bool>()),
        (any::<i64>(), any::<i64>(), text(), prop::collection::vec(any::<i32>(), 0..3)),
        (template(), template(), template(), template()),
        (prop::collection::vec(history(), 0..3), prop::collection::vec(snapshots(), 0..2)),
        prop::collection::vec(any::<i32>(), 0..3),
    )
        .prop_map(|(a, b, c, t, (history, snapshots), backup_ids)| Vm {
            meta: a.0,
            last_poll: a.1,
            state: a.2,
            lcm_state: a.3,
            prev_state: b.0,
            prev_lcm_state: b.1,
            resched: b.2,
            stime: c.0,
            etime: c.1,
            deploy_id: c.2,
            monitoring: t.0,
            sched_actions: c.3,
            template: t.1,
            user_template: t.2,
            history,
            snapshots,
            backups: Backups { config: t.3, ids: backup_ids },
        })
}

proptest! {
    #[test]
    fn full_form_round_trips(vm in vm()) {
        let xml = vm.to_xml();
        prop_assert_eq!(Vm::from_xml(&xml), Ok(vm));
    }

    #[test]
    fn short_form_always_reads(vm in vm()) {
        let node = crate::xml::parse(&vm_pool_xml([&vm])).unwrap();
        let back = vms_from_pool(&node).unwrap();
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(back[0].meta.id, vm.meta.id);
        prop_assert_eq!(back[0].state, vm.state);
        prop_assert_eq!(back[0].history.len(), vm.history.len().min(1));
    }

    #[test]
    fn search_never_panics(vm in vm(), query in "[A-Z.*\\[\\]0-9\"=&%_]{0,24}") {
        let _ = matches(&vm, StateFilter::Any, &query);
    }
}
