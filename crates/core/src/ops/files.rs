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

/// [`list`], but a remote that does not take connections fails within about
/// [`QUICK_VERDICT`]: after that long without an answer a [`probe`] of its own remote
/// instance runs beside the listing, and a network error from it (connection refused, host
/// not found, ...) ends the listing with that error, instead of waiting out rclone's ten
/// tries on the listing's instance (18-38 s on a stopped webdav server). A slow but
/// answering remote is left to finish. rclone reached directly only (see [`probe`]).
pub async fn list_quick(rc: &RcClient, dir: &RemotePath) -> Result<Vec<FileEntry>, RcError> {
    let verdict = async {
        tokio::time::sleep(QUICK_VERDICT).await;
        // a name that is not there: a stat of the folder itself may be answered without
        // asking the server (its root), a missing file's stat always asks
        let Ok(nothing) = dir.join(".rcmd-probe") else {
            return std::future::pending().await;
        };
        match probe(rc, &nothing, true).await {
            Err(e) if crate::resilience::classify::classify(&e).reason == rcmd_types::FailureReason::Network => e,
            // it answered, or timed out (slow is not gone): the listing decides
            _ => std::future::pending().await,
        }
    };
    tokio::select! {
        listed = list(rc, dir) => listed,
        down = verdict => Err(down),
    }
}

/// How long a listing runs before [`list_quick`] asks whether its remote is there at all.
pub const QUICK_VERDICT: Duration = Duration::from_secs(2);

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
/// At most [`PROBE_TIMEOUT`].
///
/// With `own_fs` (rclone reached directly, not through rproxy, whose policy refuses
/// connection strings) the stat runs on a remote instance of its own, `name,description=…:`,
/// made with one low-level try: rclone's instances are cached per connection string and keep
/// the retry count they were made with, so `LowLevelRetries: 1` on the remote the transfers
/// use changes nothing, and a refused connection is retried ten times with the pacer's
/// sleeps in between (18-38 s measured on a stopped webdav server). The own instance answers
/// "connection refused" in 0.04 s. Every backend has `description` (rclone 1.66+).
pub async fn probe(rc: &RcClient, file: &RemotePath, own_fs: bool) -> Result<(), RcError> {
    let fs = if own_fs {
        // `name:` / `name:/` / `:local:` → `name,description=rcmd-probe:` / `…:/` / `:local,…:`
        let root = if file.is_absolute() { "/" } else { "" };
        format!("{},description={PROBE_DESCRIPTION}:{root}", file.remote.as_str())
    } else {
        file.fs()
    };
    let _: Value = rc
        .call_with_timeout(
            "operations/stat",
            &json!({ "fs": fs, "remote": file.path(), "opt": { "filesOnly": true }, "_config": { "LowLevelRetries": 1 } }),
            Some(PROBE_TIMEOUT),
        )
        .await?;
    Ok(())
}

/// The `description` that makes a probe's remote instance its own (see [`probe`]).
pub const PROBE_DESCRIPTION: &str = "rcmd-probe";

/// How long a [`probe`] waits for its answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
