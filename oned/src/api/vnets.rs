//! The virtual network manager: networks as pool objects (`one.vn.*`).

use one_core::objects::vnet::Vnet;

use super::Object;
use super::pool::{Managed, Unique};
use crate::db::tables;

impl Managed for Vnet {
    const TABLE: &'static str = tables::NETWORK;
    const OBJECT: Object = Object::Vnet;
    const UNIQUE: Unique = Unique::PerOwner;
    const RESTRICTED: &'static [&'static str] = &["VN_MAD", "PHYDEV", "BRIDGE", "CLUSTER_IDS"];
}
