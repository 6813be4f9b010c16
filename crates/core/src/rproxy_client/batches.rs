//! Batches that run ON an rproxy server (its engine and database), created and steered through
//! its `rproxy/batch/*` calls. The same calls serve the app and the command line.

use std::collections::BTreeMap;

use rcmd_types::{BatchInfo, BatchKind, BatchReport, ConflictPlan, ConflictPolicy};
use serde::Deserialize;
use serde_json::json;

use crate::rc::{RcClient, RcError};

/// A change asked of a server batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Pause,
    Resume,
    Cancel,
    /// Failed items go back to pending and the batch runs again.
    Retry,
}

impl Verb {
    fn path(self) -> &'static str {
        match self {
            Verb::Pause => "rproxy/batch/pause",
            Verb::Resume => "rproxy/batch/resume",
            Verb::Cancel => "rproxy/batch/cancel",
            Verb::Retry => "rproxy/batch/retry",
        }
    }
}

/// Plans (on the server) and starts a batch over `names` in `src` (folders expanded), or over
/// every file under `src` when `names` is empty.
pub async fn create(
    rc: &RcClient,
    kind: BatchKind,
    src: &str,
    dst: Option<&str>,
    names: &[String],
    on_conflict: ConflictPolicy,
) -> Result<BatchInfo, RcError> {
    create_with_choices(rc, kind, src, dst, names, on_conflict, &BTreeMap::new()).await
}

/// [`create`] with per-file conflict choices (path relative to `src` → choice), as the
/// commander's conflict dialog gives them.
pub async fn create_with_choices(
    rc: &RcClient,
    kind: BatchKind,
    src: &str,
    dst: Option<&str>,
    names: &[String],
    on_conflict: ConflictPolicy,
    choices: &BTreeMap<String, ConflictPolicy>,
) -> Result<BatchInfo, RcError> {
    let mut params = params(kind, src, dst, names);
    if dst.is_some() {
        params["onConflict"] = json!(on_conflict.as_str());
        if !choices.is_empty() {
            let c: serde_json::Map<String, serde_json::Value> = choices
                .iter()
                .map(|(path, choice)| (path.clone(), json!(choice.as_str())))
                .collect();
            params["choices"] = serde_json::Value::Object(c);
        }
    }
    rc.call("rproxy/batch/create", &params).await
}

/// The files a copy or move over `names` in `src` would find at `dst`, planned on the server
/// (nothing is recorded).
pub async fn plan(
    rc: &RcClient,
    kind: BatchKind,
    src: &str,
    dst: &str,
    names: &[String],
) -> Result<ConflictPlan, RcError> {
    rc.call("rproxy/batch/plan", &params(kind, src, Some(dst), names)).await
}

fn params(kind: BatchKind, src: &str, dst: Option<&str>, names: &[String]) -> serde_json::Value {
    let kind = match kind {
        BatchKind::Copy => "copy",
        BatchKind::Move => "move",
        BatchKind::Delete => "delete",
        BatchKind::Sync => "sync",
        BatchKind::Bisync => "bisync",
    };
    let mut params = json!({ "kind": kind, "srcFs": src, "names": names });
    if let Some(d) = dst {
        params["dstFs"] = json!(d);
    }
    params
}

/// The caller's batches on the server (an admin's: all).
pub async fn list(rc: &RcClient) -> Result<Vec<BatchInfo>, RcError> {
    #[derive(Deserialize)]
    struct Listed {
        batches: Vec<BatchInfo>,
    }
    let l: Listed = rc.call("rproxy/batch/list", &json!({})).await?;
    Ok(l.batches)
}

pub async fn report(rc: &RcClient, id: i64) -> Result<BatchReport, RcError> {
    rc.call("rproxy/batch/get", &json!({ "id": id })).await
}

/// Applies `verb` to batch `id`; returns its state after.
pub async fn act(rc: &RcClient, verb: Verb, id: i64) -> Result<BatchInfo, RcError> {
    rc.call(verb.path(), &json!({ "id": id })).await
}

/// A compare made on the server (`rproxy/batch/compare`).
pub async fn compare(
    rc: &RcClient,
    req: &crate::compare::CompareRequest,
) -> Result<rcmd_types::CompareResult, RcError> {
    rc.call(
        "rproxy/batch/compare",
        &json!({
            "srcFs": req.left.to_string(),
            "dstFs": req.right.to_string(),
            "mode": req.mode,
            "filter": req.filter,
            "oneWay": req.one_way,
            "download": req.download,
        }),
    )
    .await
}

/// A sync of `c`'s two folders on the server (`rproxy/batch/sync`): compared again there with
/// `c`'s filter and purpose, the rows whose direction the user changed set as in `c`; a
/// preview only with `dry_run`.
pub async fn sync(
    rc: &RcClient,
    c: &crate::compare::Comparison,
    guard: rcmd_types::DeleteGuard,
    backup_on: bool,
    dry_run: bool,
) -> Result<rcmd_types::SyncStarted, RcError> {
    let mut params = json!({
        "srcFs": c.left.to_string(),
        "dstFs": c.right.to_string(),
        "mode": c.mode,
        "filter": c.filter,
        "download": c.download,
        "maxDeletePercent": guard.max_percent.unwrap_or(100),
        "backup": if backup_on { "dated" } else { "off" },
        "dryRun": dry_run,
        "directions": c.changed_directions(),
    });
    if let Some(n) = guard.max_files {
        params["maxDelete"] = json!(n);
    }
    rc.call("rproxy/batch/sync", &params).await
}

/// `rproxy/batch/bisync`: pair `spec` on the server; `action` `preview` (the answer is a
/// [`rcmd_types::BisyncPreview`]), `resync` or `run` (a [`BatchInfo`]).
pub async fn bisync<T: serde::de::DeserializeOwned>(
    rc: &RcClient,
    spec: &rcmd_types::PairSpec,
    action: &str,
    mode: Option<rcmd_types::ResyncMode>,
) -> Result<T, RcError> {
    let mut p = json!({
        "path1": spec.path1,
        "path2": spec.path2,
        "name": spec.name,
        "action": action,
        "filter": spec.filter,
        "maxDeletePercent": spec.guard.max_percent,
        "conflicts": match spec.conflicts {
            rcmd_types::ConflictRule::KeepBoth => "keep_both",
            rcmd_types::ConflictRule::NewerWins => "newer_wins",
        },
        "backup": if spec.backups { "dated" } else { "off" },
        "checkAccess": spec.check_access,
        "lockMinutes": spec.lock_minutes,
    });
    if let Some(n) = spec.guard.max_files {
        p["maxDelete"] = json!(n);
    }
    if let Some(m) = mode {
        p["resyncMode"] = json!(m.as_str());
    }
    rc.call("rproxy/batch/bisync", &p).await
}
