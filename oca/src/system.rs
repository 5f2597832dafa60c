//! `one.system.*`.

use one_core::template::Template;

use crate::{Client, OcaError, OcaResult};

impl Client {
    /// `one.system.version`: the OpenNebula version oned reports.
    pub async fn system_version(&self) -> OcaResult<String> {
        self.call_string("one.system.version", vec![]).await
    }

    /// `one.system.config`, raw.
    pub async fn system_config_xml(&self) -> OcaResult<String> {
        self.call_string("one.system.config", vec![]).await
    }

    /// `one.system.config` as a template (one attribute per configuration key).
    pub async fn system_config(&self) -> OcaResult<Template> {
        let xml = self.system_config_xml().await?;
        Template::parse_xml(&xml)
            .map_err(|e| OcaError::Unexpected { method: "one.system.config".into(), detail: e.to_string() })
    }
}
