//! The VM template manager: templates as pool objects (`one.template.*`).

use one_core::objects::vmtemplate::VmTemplate;

use super::Object;
use super::pool::{Managed, Unique};
use crate::db::tables;

impl Managed for VmTemplate {
    const TABLE: &'static str = tables::TEMPLATE;
    const OBJECT: Object = Object::Template;
    const UNIQUE: Unique = Unique::PerOwner;
}
