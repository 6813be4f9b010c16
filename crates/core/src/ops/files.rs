//! Files and folders: list, create, delete, copy (as a watched job), probe.

use std::time::Duration;

use rcmd_types::FileEntry;
use serde_json::{json, Map, Value};
use tracing::instrument;

use tokio_util::sync::CancellationToken;

use crate::{
    rc::{wire::ListReply, RcClient, RcError},
    remote_path::RemotePath,
    resilience::watchdog::{run_job, JobOutcome, WatchdogConfig},
};

/// The entries of one directory (not recursive): directories first, then by name. Without
/// MIME types (rclone guesses them per file: a third of the time of a 10,000-entry folder,
/// and nothing shows them).
#[instrument(skip_all, fields(dir = %dir), err(level = "debug", Display))]
pub async fn list(rc: &RcClient, dir: &RemotePath) -> Result<Vec<FileEntry>, RcError> {
    let reply: ListReply = rc
        .call(
            "operations/list",
            &json!({ "fs": dir.fs(), "remote": dir.path(), "opt": { "noMimeType": true } }),
        )
        .await?;
    let mut entries: Vec<FileEntry> = reply.list.into_iter().map(FileEntry::from).collect();
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    Ok(entries)
}

/// Creates a directory (and its parents).
#[instrument(skip_all, fields(dir = %dir), err(Display))]
pub async fn mkdir(rc: &RcClient, dir: &RemotePath) -> Result<(), RcError> {
    let _: Value = rc
        .call("operations/mkdir", &json!({ "fs": dir.fs(), "remote": dir.path() }))
        .await?;
    Ok(())
}

/// Deletes one file.
#[instrument(skip_all, fields(file = %file), err(Display))]
pub async fn delete_file(rc: &RcClient, file: &RemotePath) -> Result<(), RcError> {
    let _: Value = rc
        .call(
            "operations/deletefile",
            &json!({ "fs": file.fs(), "remote": file.path() }),
        )
        .await?;
    Ok(())
}

/// Copies one file as an async job in its own stats group, watched by the stall watchdog.
///
/// Data moves in a job, never in a synchronous call: a dropped connection would cancel it.
#[instrument(skip_all, fields(src = %src, dst = %dst), err(Display))]
pub async fn copy_file(
    rc: &RcClient,
    src: &RemotePath,
    dst: &RemotePath,
    watchdog: &WatchdogConfig,
    cancel: &CancellationToken,
) -> Result<JobOutcome, RcError> {
    let mut params = Map::new();
    params.insert("srcFs".into(), src.fs().into());
    params.insert("srcRemote".into(), src.path().into());
    params.insert("dstFs".into(), dst.fs().into());
    params.insert("dstRemote".into(), dst.path().into());
    let group = format!("rcmd/copy/{}", rand::random::<u64>());
    run_job(rc, "operations/copyfile", params, &group, watchdog, cancel, |_| {}).await
}

/// A cheap health check of the remote behind `file`: one `operations/stat` of that file
/// (`filesOnly`: a single HEAD/stat, no listing). A missing file is an answer, so it passes.
/// One low-level try (rclone would otherwise retry a refused connection ten times with its
/// pacer's sleeps in between, ~20 s on webdav) and at most 10 s.
pub async fn probe(rc: &RcClient, file: &RemotePath) -> Result<(), RcError> {
    let _: Value = rc
        .call_with_timeout(
            "operations/stat",
            &json!({ "fs": file.fs(), "remote": file.path(), "opt": { "filesOnly": true }, "_config": { "LowLevelRetries": 1 } }),
            Some(PROBE_TIMEOUT),
        )
        .await?;
    Ok(())
}

/// How long a [`probe`] waits for its answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
