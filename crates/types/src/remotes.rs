//! Setting up remotes: providers, their options and the config dialogue.

use serde::{Deserialize, Serialize};

/// One of rclone's storage systems (`config/providers`), with the options its form shows.
/// Field names are rclone's (PascalCase) on both sides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Provider {
    pub name: String,
    pub description: String,
    pub prefix: String,
    pub options: Vec<ProviderOption>,
}

/// One option of a provider, or one question of the configuration state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProviderOption {
    pub name: String,
    pub help: String,
    /// For some backends (s3), the option applies only to these providers (`"AWS,Ceph"`, or
    /// `"!AWS"` for all but).
    pub provider: String,
    pub default_str: String,
    /// The current value in an edit (config/get), as text.
    pub value_str: String,
    pub required: bool,
    pub is_password: bool,
    pub advanced: bool,
    /// Only the examples' values are allowed.
    pub exclusive: bool,
    /// A secret that is not a password (tokens, keys): never shown.
    pub sensitive: bool,
    /// Non-zero: rclone hides this option from configuration.
    pub hide: i64,
    #[serde(rename = "Type")]
    pub kind: String,
    pub examples: Option<Vec<OptionExample>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OptionExample {
    pub value: String,
    pub help: String,
    pub provider: String,
}

/// A step of rclone's non-interactive configuration (`config/create`/`config/update`): done
/// when `state` is empty; else `option` is the next question, `error` what was wrong with the
/// last answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConfigStep {
    pub state: String,
    pub option: Option<ProviderOption>,
    pub error: String,
    pub result: String,
}

impl ConfigStep {
    pub fn is_done(&self) -> bool {
        self.state.is_empty()
    }

    /// The question opens a web browser for an OAuth login (rclone waits for its redirect).
    pub fn is_oauth_browser(&self) -> bool {
        self.state.starts_with("*oauth-islocal") || self.option.as_ref().is_some_and(|o| o.name == "config_is_local")
    }
}

/// A configured remote for the editor: its type and options, secrets left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Option values as text; passwords and other secrets are not included.
    pub values: std::collections::BTreeMap<String, String>,
    /// Secret options that have a value (shown as "set; leave empty to keep").
    pub secrets_set: Vec<String>,
}
