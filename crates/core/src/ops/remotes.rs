//! Remotes and rclone itself: the configured remotes, a remote's space, rclone's version.

use std::time::Duration;

use rcmd_types::RemoteUsage;
use serde_json::{json, Value};
use tracing::instrument;

use crate::{
    rc::{
        wire::{Empty, RemotesReply, VersionReply},
        RcClient, RcError,
    },
    remote_path::{RemoteName, RemotePath},
};

/// Names of the configured remotes, sorted.
#[instrument(skip_all, err(Display))]
pub async fn list_remotes(rc: &RcClient) -> Result<Vec<String>, RcError> {
    let mut reply: RemotesReply = rc.call("config/listremotes", &Empty {}).await?;
    reply.remotes.sort();
    Ok(reply.remotes)
}

/// Space usage of a remote.
pub async fn about(rc: &RcClient, remote: &RemoteName) -> Result<RemoteUsage, RcError> {
    about_fs(rc, &remote.fs()).await
}

/// Space usage where the folder `dir` is: on the local disk the filesystem the folder is on
/// (another disk may be mounted below `/`), elsewhere the remote's.
pub async fn about_dir(rc: &RcClient, dir: &RemotePath) -> Result<RemoteUsage, RcError> {
    about_fs(rc, &format!("{}{}", dir.fs(), dir.path())).await
}

#[instrument(skip(rc), err(Display))]
async fn about_fs(rc: &RcClient, fs: &str) -> Result<RemoteUsage, RcError> {
    let v: Value = rc.call("operations/about", &json!({ "fs": fs })).await?;
    let field = |k: &str| v.get(k).and_then(Value::as_i64);
    Ok(RemoteUsage {
        total: field("total"),
        used: field("used"),
        free: field("free"),
        trashed: field("trashed"),
        other: field("other"),
        objects: field("objects"),
    })
}

/// rclone's version. `core/version` is slow (it runs `lsb_release`): call it once, not per view.
pub async fn version(rc: &RcClient) -> Result<VersionReply, RcError> {
    rc.call_with_timeout("core/version", &Empty {}, Some(Duration::from_secs(10)))
        .await
}
