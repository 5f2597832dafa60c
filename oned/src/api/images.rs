//! The image manager: images as pool objects (`one.image.*`).

use one_core::objects::image::Image;

use super::Object;
use super::pool::{Managed, Unique};
use crate::db::tables;

impl Managed for Image {
    const TABLE: &'static str = tables::IMAGE;
    const OBJECT: Object = Object::Image;
    const UNIQUE: Unique = Unique::PerOwner;
    const RESTRICTED: &'static [&'static str] = &["SOURCE"];
}
