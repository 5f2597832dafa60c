//! The planner's use of the expression language (`one_core::expr`): requirements and ranks
//! evaluated on hosts as this plan has changed them (CPU_USAGE, MEM_USAGE and RUNNING_VMS
//! counting the VMs placed so far, CURRENT_VMS counting those dispatched here in this cycle),
//! on datastores and on networks.

use one_core::expr::{AttrValue, Attributes, CURRENT_VMS, ExprError, Flow, Name};
use one_core::objects::datastore::Datastore;
use one_core::objects::vnet::Vnet;

use super::hosts::HostView;

impl Attributes for HostView<'_> {
    fn for_each_value(&self, name: &Name, f: &mut dyn FnMut(AttrValue<'_>) -> Flow) -> Flow {
        let counter = match name.as_str() {
            "CPU_USAGE" | "HOST_SHARE/CPU_USAGE" => Some(self.cpu_usage),
            "MEM_USAGE" | "HOST_SHARE/MEM_USAGE" => Some(self.mem_usage),
            "RUNNING_VMS" | "HOST_SHARE/RUNNING_VMS" => Some(self.running_vms),
            _ => None,
        };
        match counter {
            Some(v) => f(AttrValue::Int(v)),
            None => self.host.for_each_value(name, f),
        }
    }

    fn for_each_member(&self, name: &Name, f: &mut dyn FnMut(i64) -> Flow) -> Option<Flow> {
        if name.as_str() != CURRENT_VMS {
            return self.host.for_each_member(name, f);
        }
        for id in self.current_vms() {
            if f(i64::from(id)).is_break() {
                return Some(Flow::Break(()));
            }
        }
        Some(Flow::Continue(()))
    }
}

/// A parsed requirement.
#[derive(Debug, Clone)]
pub struct Req {
    inner: one_core::expr::Requirement,
    current: bool,
}

impl Req {
    /// Parses a requirement (empty: always true).
    pub fn parse(text: &str) -> Result<Req, ExprError> {
        let inner = one_core::expr::Requirement::parse(text)?;
        let current = inner.mentions(CURRENT_VMS);
        Ok(Req { inner, current })
    }

    /// Whether it looks at CURRENT_VMS (evaluated again when a host is tried).
    pub fn uses_current_vms(&self) -> bool {
        self.current
    }

    /// On a host, as this plan has changed it.
    pub fn on_host(&self, host: &HostView<'_>) -> bool {
        self.inner.eval(host)
    }

    /// On a datastore.
    pub fn on_ds(&self, ds: &Datastore) -> bool {
        self.inner.eval(ds)
    }

    /// On a network.
    pub fn on_vnet(&self, vnet: &Vnet) -> bool {
        self.inner.eval(vnet)
    }
}

/// A parsed rank.
#[derive(Debug, Clone)]
pub struct Rank {
    inner: Option<one_core::expr::Rank>,
}

impl Rank {
    /// Parses a rank expression (empty: 0 everywhere).
    pub fn parse(text: &str) -> Result<Rank, ExprError> {
        Ok(Rank { inner: Some(one_core::expr::Rank::parse(text)?) })
    }

    /// A rank of 0 everywhere (what OpenNebula uses when the expression does not parse).
    pub fn zero() -> Rank {
        Rank { inner: None }
    }

    /// On a host, as this plan has changed it.
    pub fn on_host(&self, host: &HostView<'_>) -> i64 {
        self.inner.as_ref().map_or(0, |r| r.eval(host))
    }

    /// On a datastore.
    pub fn on_ds(&self, ds: &Datastore) -> i64 {
        self.inner.as_ref().map_or(0, |r| r.eval(ds))
    }

    /// On a network.
    pub fn on_vnet(&self, vnet: &Vnet) -> i64 {
        self.inner.as_ref().map_or(0, |r| r.eval(vnet))
    }
}
