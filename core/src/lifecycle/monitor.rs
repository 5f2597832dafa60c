//! Monitoring reports and image cloning progress (OpenNebula's `InformationManager` filter
//! and `LifeCycleManager::trigger_monitor_*`, `trigger_disk_lock_*`).

use super::driver::{boot, settle, shutdown};
use super::effects::{Effect as E, Record as R, Stamp as T};
use super::history::HistoryAction as H;
use super::outcome::{Cloning, Seen};
use super::phase::{Base, Phase, phases};
use super::{Denied, Status, Step, ignore, step};
use crate::states::{LcmState as L, VmState as S};

pub(super) fn cloned(p: Phase, cloning: Cloning) -> Result<Step, Denied> {
    match p {
        Phase::Cloning | Phase::CloningFailure => match cloning {
            Cloning::Ready { hold: true } => step(Status::of(S::Hold), Vec::new()),
            Cloning::Ready { hold: false } => step(Status::of(S::Pending), vec![E::Schedule]),
            Cloning::Failed => step(Status::of(S::CloningFailure), Vec::new()),
            Cloning::Waiting => step(Status::of(S::Cloning), Vec::new()),
        },
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Idle, Running,
            Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..), LiveMigrate, Save(..),
            Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot,
            Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore, Obsolete
        } => ignore(None),
    }
}

pub(super) fn monitor(from: Status, p: Phase, seen: Seen) -> Result<Step, Denied> {
    match seen {
        Seen::Running => match p {
            Phase::Poweroff | Phase::Suspended => step(
                Status::active(L::Running),
                vec![
                    E::Stamp(R::Current, T::End),
                    E::CopyHistory,
                    E::Stamp(R::Current, T::Start),
                    E::Stamp(R::Current, T::RunningStart),
                    E::Log("VM found again by the drivers"),
                ],
            ),
            Phase::Unknown => step(Status::active(L::Running), vec![E::Log("VM found again by the drivers")]),
            Phase::Boot(_) | Phase::BootFailed(_) => boot(from, p, true),
            phases! {
                Init, Pending, Hold, Stopped, Done, Failed, Undeployed, Cloning, CloningFailure, Idle,
                Running, Prolog(..), PrologFailed(..), LiveMigrate, Save(..), Shutdown(..), Epilog(..),
                EpilogFailed(..), Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot, Nic(..), Saveas(..),
                DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore, Obsolete
            } => ignore(None),
        },
        Seen::Poweroff => match p {
            Phase::Running | Phase::Unknown => settle(
                Base::Poweroff,
                vec![
                    E::DropSnapshots { unless_kept: true },
                    E::SetResched(false),
                    E::SetAction(R::Current, H::Monitor),
                    E::Log("VM running but monitor state is POWEROFF"),
                ],
                true,
            ),
            Phase::Shutdown(_) => shutdown(p, true),
            phases! {
                Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
                CloningFailure, Idle, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..), LiveMigrate,
                Save(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug, DiskPoweroff(..), Snapshot,
                Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize, Backup(..), Restore,
                Obsolete
            } => ignore(None),
        },
        Seen::Suspended => match p {
            Phase::Running | Phase::Unknown => settle(
                Base::Suspended,
                vec![
                    E::SetResched(false),
                    E::DropSnapshots { unless_kept: true },
                    E::SetAction(R::Current, H::Monitor),
                    E::Log("Polling reports that the VM is suspended."),
                ],
                true,
            ),
            phases! {
                Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
                CloningFailure, Idle, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..), LiveMigrate,
                Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
                DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize,
                Backup(..), Restore, Obsolete
            } => ignore(None),
        },
        Seen::Failure => lost(p),
    }
}

/// The VM or its host cannot be seen: a running VM becomes UNKNOWN.
pub(super) fn lost(p: Phase) -> Result<Step, Denied> {
    match p {
        Phase::Running => step(Status::active(L::Unknown), vec![E::SetResched(false)]),
        phases! {
            Init, Pending, Hold, Stopped, Suspended, Done, Failed, Poweroff, Undeployed, Cloning,
            CloningFailure, Idle, Unknown, Prolog(..), PrologFailed(..), Boot(..), BootFailed(..),
            LiveMigrate, Save(..), Shutdown(..), Epilog(..), EpilogFailed(..), Cleanup(..), Hotplug,
            DiskPoweroff(..), Snapshot, Nic(..), Saveas(..), DiskSnapshot(..), DiskResize(..), Resize,
            Backup(..), Restore, Obsolete
        } => ignore(None),
    }
}
