//! The commander's file operations beyond listing and copying: rename, removing emptied
//! folders, properties, and the transfer figures (`core/stats`, `core/bwlimit`).

use rcmd_types::{BwLimit, Properties, TransferNow, TransferStats};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;
use tracing::instrument;

use crate::{
    rc::{wire::Empty, RcClient, RcError},
    remote_path::RemotePath,
    resilience::watchdog::{run_job, JobOutcome, WatchdogConfig},
};

/// What `operations/stat` says is at `path` (a file or a folder), `None` when nothing is.
async fn stat(rc: &RcClient, path: &RemotePath) -> Result<Option<Value>, RcError> {
    let mut v: Value = rc
        .call("operations/stat", &json!({ "fs": path.fs(), "remote": path.path() }))
        .await?;
    Ok(v.get_mut("item").map(Value::take).filter(|i| !i.is_null()))
}

/// The entry at `path` (a file or a folder), `None` when nothing is there.
#[instrument(skip_all, fields(path = %path), err(Display))]
pub async fn stat_entry(rc: &RcClient, path: &RemotePath) -> Result<Option<rcmd_types::FileEntry>, RcError> {
    let Some(item) = stat(rc, path).await? else {
        return Ok(None);
    };
    let i: crate::rc::wire::ListItem = serde_json::from_value(item).map_err(|source| RcError::Decode {
        path: "operations/stat".into(),
        source,
    })?;
    Ok(Some(i.into()))
}

/// Whether anything is at `path` (a file or a folder).
pub async fn exists(rc: &RcClient, path: &RemotePath) -> Result<bool, RcError> {
    Ok(stat(rc, path).await?.is_some())
}

/// Renames `from` to `to` on the same remote: a file with `operations/movefile`, a folder
/// with `sync/move` (every file below it, then its emptied folders). Both run as watched
/// jobs. The caller has checked that nothing is at `to`: rclone would overwrite a file there
/// and merge into a folder.
#[instrument(skip_all, fields(from = %from, to = %to), err(Display))]
pub async fn rename(
    rc: &RcClient,
    from: &RemotePath,
    to: &RemotePath,
    is_dir: bool,
    watchdog: &WatchdogConfig,
    cancel: &CancellationToken,
) -> Result<JobOutcome, RcError> {
    let mut params = Map::new();
    let path = if is_dir {
        params.insert("srcFs".into(), from.to_string().into());
        params.insert("dstFs".into(), to.to_string().into());
        params.insert("deleteEmptySrcDirs".into(), true.into());
        "sync/move"
    } else {
        params.insert("srcFs".into(), from.fs().into());
        params.insert("srcRemote".into(), from.path().into());
        params.insert("dstFs".into(), to.fs().into());
        params.insert("dstRemote".into(), to.path().into());
        "operations/movefile"
    };
    let group = format!("rcmd/rename/{}", rand::random::<u64>());
    run_job(rc, path, params, &group, watchdog, cancel, |_| {}).await
}

/// Removes the empty folders below `dir`, and `dir` itself unless `keep_root` (after a batch
/// moved or deleted a folder's files). Folders that still hold files stay.
#[instrument(skip_all, fields(dir = %dir, keep_root), err(Display))]
pub async fn remove_empty_dirs(rc: &RcClient, dir: &RemotePath, keep_root: bool) -> Result<(), RcError> {
    let _: Value = rc
        .call(
            "operations/rmdirs",
            &json!({ "fs": dir.fs(), "remote": dir.path(), "leaveRoot": keep_root }),
        )
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct SizeReply {
    count: i64,
    bytes: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatItem {
    #[serde(rename = "ModTime")]
    mod_time: Option<String>,
    #[serde(rename = "MimeType")]
    mime_type: Option<String>,
    #[serde(rename = "Size")]
    size: i64,
    #[serde(rename = "IsDir")]
    is_dir: bool,
}

/// Hashes worth showing, in order of preference; at most two are computed (each reads the
/// whole file on backends that do not store them).
const HASH_PREFERENCE: [&str; 6] = ["md5", "sha1", "sha256", "quickxor", "dropbox", "crc32"];

/// Size (a folder: every file below it), modification time, hashes (files) and a public
/// link where the backend makes one.
#[instrument(skip_all, fields(path = %path), err(Display))]
pub async fn properties(rc: &RcClient, path: &RemotePath) -> Result<Properties, RcError> {
    let item: StatItem = match stat(rc, path).await? {
        Some(i) => serde_json::from_value(i).unwrap_or_default(),
        // the root of a remote has no item of its own
        _ if path.path().is_empty() => StatItem {
            is_dir: true,
            ..StatItem::default()
        },
        _ => {
            return Err(RcError::Api {
                status: 404,
                path: "operations/stat".into(),
                message: "object not found".into(),
                input: Value::Null,
                retry_after: None,
            })
        }
    };
    let mut props = Properties {
        path: path.to_string(),
        is_dir: item.is_dir,
        bytes: item.size,
        count: 1,
        mod_time: item.mod_time,
        mime_type: item.mime_type,
        ..Properties::default()
    };
    if item.is_dir {
        let size: SizeReply = rc.call("operations/size", &json!({ "fs": path.to_string() })).await?;
        (props.bytes, props.count) = (size.bytes, size.count);
    } else {
        props.hashes = hashes(rc, path).await?;
    }
    match rc
        .call::<_, Value>(
            "operations/publiclink",
            &json!({ "fs": path.fs(), "remote": path.path() }),
        )
        .await
    {
        Ok(v) => props.public_link = v.get("url").and_then(Value::as_str).map(str::to_owned),
        Err(e) => props.public_link_error = Some(e.to_string()),
    }
    Ok(props)
}

async fn hashes(rc: &RcClient, file: &RemotePath) -> Result<Vec<(String, String)>, RcError> {
    let info: Value = rc.call("operations/fsinfo", &json!({ "fs": file.fs() })).await?;
    let supported: Vec<String> = info
        .get("Hashes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut out = vec![];
    for name in HASH_PREFERENCE
        .iter()
        .filter(|h| supported.iter().any(|s| s == *h))
        .take(2)
    {
        // `fs` naming a file limits the sum to that file
        let v: Value = rc
            .call(
                "operations/hashsum",
                &json!({ "fs": file.to_string(), "hashType": name }),
            )
            .await?;
        let line = v
            .get("hashsum")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str);
        if let Some(hex) = line.and_then(|l| l.split_whitespace().next()) {
            out.push(((*name).to_owned(), hex.to_owned()));
        }
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct StatsReply {
    speed: f64,
    bytes: u64,
    transfers: u64,
    errors: u64,
    transferring: Vec<InFlight>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InFlight {
    name: String,
    size: i64,
    bytes: u64,
    percentage: u8,
    speed: f64,
    #[serde(rename = "speedAvg")]
    speed_avg: Option<f64>,
    eta: Option<f64>,
    #[serde(rename = "srcFs")]
    src_fs: Option<String>,
    #[serde(rename = "dstFs")]
    dst_fs: Option<String>,
}

/// Every transfer in flight over all jobs, and the total speed (`core/stats`). The finished
/// list is left empty for the caller (see [`crate::batch::Recent`]).
///
/// A file's speed is rclone's average for it (its current speed jumps at the start while the
/// limiter's burst is spent). The total is rclone's global speed, or, since the batches'
/// jobs count in stats groups of their own that the global figure can leave at 0, the sum of
/// the files in flight.
pub async fn transfer_stats(rc: &RcClient) -> Result<TransferStats, RcError> {
    let s: StatsReply = rc.call("core/stats", &Empty {}).await?;
    let speed_of = |t: &InFlight| t.speed_avg.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(t.speed);
    let in_flight: f64 = s.transferring.iter().map(speed_of).sum();
    Ok(TransferStats {
        speed: if s.speed > 0.0 { s.speed } else { in_flight },
        bytes: s.bytes,
        transfers: s.transfers,
        errors: s.errors,
        transferring: s
            .transferring
            .into_iter()
            .map(|t| TransferNow {
                speed: speed_of(&t),
                eta_s: eta_of(&t, speed_of(&t)),
                name: t.name,
                size: t.size,
                bytes: t.bytes,
                percentage: t.percentage.min(100),
                src_fs: t.src_fs,
                dst_fs: t.dst_fs,
            })
            .collect(),
        done: vec![],
    })
}

/// rclone's estimate, or, while it gives none (it waits for a current speed), one from the
/// file's average speed.
fn eta_of(t: &InFlight, speed: f64) -> Option<u64> {
    t.eta
        .filter(|e| e.is_finite() && *e >= 0.0)
        .map(|e| e as u64)
        .or_else(|| {
            let left = t.size - t.bytes as i64;
            (t.size > 0 && left >= 0 && speed > 0.0).then(|| (left as f64 / speed).ceil() as u64)
        })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct BwReply {
    rate: String,
    bytes_per_second: i64,
}

/// Reads the live bandwidth limit, or sets it first when `rate` is given ("off", "10M",
/// "1M:512k" for upload:download). rclone refuses a rate it cannot parse.
pub async fn bwlimit(rc: &RcClient, rate: Option<&str>) -> Result<BwLimit, RcError> {
    let params = match rate {
        Some(r) => json!({ "rate": r.trim() }),
        None => json!({}),
    };
    let r: BwReply = rc.call("core/bwlimit", &params).await?;
    Ok(BwLimit {
        rate: r.rate,
        bytes_per_second: r.bytes_per_second,
    })
}
