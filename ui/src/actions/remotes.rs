//! Remote setup: the create/edit state machine (`commands/remotes.rs`).

use std::collections::BTreeMap;

use rcmd_types::{ConfigStep, IpcError};
use serde::Serialize;

use crate::ipc;

#[derive(Serialize)]
pub struct CreateArgs<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub params: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
pub struct UpdateArgs<'a> {
    pub name: &'a str,
    pub params: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
pub struct AnswerArgs<'a> {
    pub name: &'a str,
    pub step: &'a str,
    pub result: &'a str,
}

/// Creates (`kind` some) or updates a remote: the first configuration step.
pub async fn save_remote(
    name: &str,
    kind: Option<&str>,
    params: &BTreeMap<String, String>,
) -> Result<ConfigStep, IpcError> {
    match kind {
        Some(kind) => ipc::invoke("remote_create", &CreateArgs { name, kind, params }).await,
        None => ipc::invoke("remote_update", &UpdateArgs { name, params }).await,
    }
}
