//! Comparing two folders: rclone's `operations/check` (combined report) through the
//! resilient layer, with both sides listed under the same per-call filter for sizes and
//! times, merged into rows (see [`merge`]). Nothing is written on either side.

pub mod filter;
pub mod find;
pub mod merge;
pub mod session;

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use rcmd_types::{CompareCounts, CompareMode, CompareProgress, CompareRow, FilterSpec};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{
    rc::{RcClient, RcError},
    remote_path::{PathError, RemotePath},
    resilience::{layer::Resilient, watchdog::run_job},
};

pub use filter::{FilterError, BACKUP_FOLDER};

/// A compare a front end asks for.
#[derive(Clone, Debug)]
pub struct CompareRequest {
    pub left: RemotePath,
    pub right: RemotePath,
    pub filter: FilterSpec,
    pub mode: CompareMode,
    /// Only check that the left files are on the right (rows only on the right are left out).
    pub one_way: bool,
    /// Compare the bytes (both sides read in full) instead of hashes: for remotes without a
    /// common hash.
    pub download: bool,
}

impl CompareRequest {
    /// Checks the paths and the filter: they must be two different places.
    pub fn new(left: &str, right: &str, filter: FilterSpec, mode: CompareMode) -> Result<Self, CompareError> {
        let left = RemotePath::parse(left).map_err(CompareError::Left)?;
        let right = RemotePath::parse(right).map_err(CompareError::Right)?;
        if left == right {
            return Err(CompareError::SamePlace);
        }
        filter::to_rclone(&filter)?;
        Ok(CompareRequest {
            left,
            right,
            filter,
            mode,
            one_way: false,
            download: false,
        })
    }
}

/// Why a compare did not give rows.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("left: {0}")]
    Left(#[source] PathError),
    #[error("right: {0}")]
    Right(#[source] PathError),
    #[error("the left and the right folder are the same")]
    SamePlace,
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Report(#[from] merge::BadLine),
    /// rclone, a remote or the engine failed (after the resilient layer's retries).
    #[error(transparent)]
    Engine(#[from] crate::Error),
}

impl CompareError {
    /// Whether the request itself is wrong (as opposed to a remote or rclone failing).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            CompareError::Left(_) | CompareError::Right(_) | CompareError::SamePlace | CompareError::Filter(_)
        )
    }
}

/// A finished compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub left: RemotePath,
    pub right: RemotePath,
    pub filter: FilterSpec,
    pub mode: CompareMode,
    /// Sorted by path.
    pub rows: Vec<CompareRow>,
    /// Files listed on each side under the filter (for the delete guard's share).
    pub left_files: u64,
    pub right_files: u64,
    /// The hash rclone compared with (`None`: none in common, or bytes were compared).
    pub hash: Option<String>,
    /// Both sides were read in full and compared byte by byte.
    pub download: bool,
}

impl Comparison {
    /// As it travels between rproxy and the app.
    pub fn to_wire(&self) -> rcmd_types::CompareResult {
        rcmd_types::CompareResult {
            left: self.left.to_string(),
            right: self.right.to_string(),
            mode: self.mode,
            filter: self.filter.clone(),
            hash: self.hash.clone(),
            download: self.download,
            left_files: self.left_files,
            right_files: self.right_files,
            rows: self.rows.clone(),
        }
    }

    /// A compare a server made.
    pub fn from_wire(w: rcmd_types::CompareResult) -> Result<Self, PathError> {
        Ok(Comparison {
            left: RemotePath::parse(&w.left)?,
            right: RemotePath::parse(&w.right)?,
            filter: w.filter,
            mode: w.mode,
            rows: w.rows,
            left_files: w.left_files,
            right_files: w.right_files,
            hash: w.hash,
            download: w.download,
        })
    }

    /// The rows whose direction is not the one the compare gave them (path → direction):
    /// what a server, comparing again, is told to do differently.
    pub fn changed_directions(&self) -> std::collections::BTreeMap<String, rcmd_types::Direction> {
        self.rows
            .iter()
            .filter(|r| r.direction != merge::default_direction(r, self.mode))
            .map(|r| (r.path.clone(), r.direction))
            .collect()
    }

    /// Sets the directions `changes` names (path → direction); all or none: a path not in the
    /// compare or a direction that does not fit its row is refused with the reason.
    pub fn apply_directions(
        &mut self,
        changes: &std::collections::BTreeMap<String, rcmd_types::Direction>,
    ) -> Result<(), String> {
        let mut at = Vec::with_capacity(changes.len());
        for (path, d) in changes {
            let i = self
                .rows
                .binary_search_by(|r| r.path.as_str().cmp(path))
                .map_err(|_| format!("{path:?} is not in the compare (compare again)"))?;
            let r = &self.rows[i];
            let has_side = match d {
                rcmd_types::Direction::Right | rcmd_types::Direction::DeleteLeft => r.left.is_some(),
                rcmd_types::Direction::Left | rcmd_types::Direction::DeleteRight => r.right.is_some(),
                rcmd_types::Direction::Skip => true,
            };
            if !d.fits(r.state) || !has_side {
                return Err(format!(
                    "{path:?}: {} is not possible for a file that is {:?}",
                    d.as_str(),
                    r.state
                ));
            }
            at.push((i, *d));
        }
        for (i, d) in at {
            self.rows[i].direction = d;
        }
        Ok(())
    }

    /// Files on both sides were told apart by their size alone (no hash in common and no
    /// byte compare): a same-size file with other bytes shows as the same.
    pub fn by_size_only(&self) -> bool {
        self.hash.is_none() && !self.download
    }

    pub fn counts(&self) -> CompareCounts {
        CompareCounts::of(&self.rows)
    }
}

#[derive(Deserialize)]
struct CheckReply {
    #[serde(default)]
    combined: Vec<String>,
    #[serde(default, rename = "hashType")]
    hash_type: String,
}

/// Runs the compare: the check job (watched: a stalled or unreachable side stops it with the
/// cause; cancelling `cancel` stops it) while both sides are listed. `progress` gets the
/// checks and listed entries as they grow.
#[tracing::instrument(skip_all, fields(left = %req.left, right = %req.right), err(Display))]
pub async fn compare(
    rc: &Resilient,
    req: &CompareRequest,
    cancel: &CancellationToken,
    progress: Arc<dyn Fn(CompareProgress) + Send + Sync>,
) -> Result<Comparison, CompareError> {
    let filter = filter::to_rclone(&req.filter)?;
    let started = std::time::Instant::now();
    let listed = Arc::new(AtomicU64::new(0));
    let (l_info, r_info) = tokio::try_join!(fs_info(rc, &req.left, cancel), fs_info(rc, &req.right, cancel))?;
    let common_hash = l_info.hashes.iter().any(|h| r_info.hashes.contains(h));
    let (rows, left_files, right_files, hash) = if !common_hash && !req.download {
        // rclone's check would compare sizes only (no hash in common): the same answer from
        // the two listings the rows need anyway, each side listed once instead of twice
        let (left, right) = tokio::try_join!(
            list_side(rc, &req.left, &filter, &listed, cancel),
            list_side(rc, &req.right, &filter, &listed, cancel)
        )?;
        let (l, r) = (left.len() as u64, right.len() as u64);
        let ignore_case = l_info.case_insensitive || r_info.case_insensitive;
        (merge::rows_by_size(left, right, req.mode, ignore_case), l, r, None)
    } else {
        let (check, left, right) = tokio::try_join!(
            check(rc, req, &filter, &listed, cancel, progress),
            list_side(rc, &req.left, &filter, &listed, cancel),
            list_side(rc, &req.right, &filter, &listed, cancel)
        )?;
        let (l, r) = (left.len() as u64, right.len() as u64);
        let hash = Some(check.hash_type).filter(|h| !h.is_empty() && h != "none");
        (merge::rows(&check.combined, left, right, req.mode)?, l, r, hash)
    };
    tracing::info!(
        rows = rows.len(),
        left_files,
        right_files,
        hash = hash.as_deref().unwrap_or("none"),
        ms = started.elapsed().as_millis() as u64,
        "compared"
    );
    Ok(Comparison {
        left: req.left.clone(),
        right: req.right.clone(),
        filter: req.filter.clone(),
        mode: req.mode,
        rows,
        left_files,
        right_files,
        hash,
        download: req.download,
    })
}

/// rclone's `operations/check` as a watched job: its combined report.
async fn check(
    rc: &Resilient,
    req: &CompareRequest,
    filter: &Value,
    listed: &Arc<AtomicU64>,
    cancel: &CancellationToken,
    progress: Arc<dyn Fn(CompareProgress) + Send + Sync>,
) -> Result<CheckReply, crate::Error> {
    let wcfg = rc.watchdog().clone();
    let remotes = [&req.left.remote, &req.right.remote];
    rc.job(&remotes, cancel, |rc| {
        let (req, filter, listed, progress) = (req.clone(), filter.clone(), listed.clone(), progress.clone());
        let (cancel, wcfg) = (cancel.clone(), wcfg.clone());
        async move {
            let mut p = Map::new();
            p.insert("srcFs".into(), json!(req.left.to_string()));
            p.insert("dstFs".into(), json!(req.right.to_string()));
            p.insert("combined".into(), json!(true));
            p.insert("oneWay".into(), json!(req.one_way));
            p.insert("download".into(), json!(req.download));
            p.insert("_filter".into(), filter);
            let group = format!("rcmd/compare/{}", crate::batch::store::now_ms());
            let out = run_job(&rc, "operations/check", p, &group, &wcfg, &cancel, |u| {
                progress(CompareProgress {
                    checks: u.stats.checks,
                    listed: listed.load(Ordering::Relaxed),
                    bytes: u.stats.bytes,
                })
            })
            .await?;
            let reply: CheckReply = serde_json::from_value(out.status.output).map_err(|source| RcError::Decode {
                path: "operations/check".into(),
                source,
            })?;
            Ok(reply)
        }
    })
    .await
}

/// What a compare needs to know of a side: its hashes, whether it ignores case.
struct FsInfo {
    hashes: Vec<String>,
    case_insensitive: bool,
}

async fn fs_info(rc: &Resilient, root: &RemotePath, cancel: &CancellationToken) -> Result<FsInfo, crate::Error> {
    #[derive(Deserialize)]
    struct Features {
        #[serde(rename = "CaseInsensitive", default)]
        case_insensitive: bool,
    }
    #[derive(Deserialize)]
    struct Reply {
        #[serde(rename = "Hashes", default)]
        hashes: Vec<String>,
        #[serde(rename = "Features")]
        features: Features,
    }
    rc.call(&[&root.remote], cancel, |rc| {
        let fs = root.fs();
        async move {
            let r: Reply = rc.call("operations/fsinfo", &json!({ "fs": fs })).await?;
            Ok(FsInfo {
                hashes: r.hashes,
                case_insensitive: r.features.case_insensitive,
            })
        }
    })
    .await
}

async fn list_side(
    rc: &Resilient,
    root: &RemotePath,
    filter: &Value,
    listed: &Arc<AtomicU64>,
    cancel: &CancellationToken,
) -> Result<Vec<merge::Listed>, crate::Error> {
    rc.call(&[&root.remote], cancel, |rc| {
        let (root, filter, listed) = (root.clone(), filter.clone(), listed.clone());
        async move { Ok(list_files(&rc, &root, filter, &listed).await?) }
    })
    .await
}

/// Every file under `root` that passes `spec` (checked first), relative to `root`: what a
/// filtered copy or move plans.
pub(crate) async fn filtered_files(
    rc: &RcClient,
    root: &RemotePath,
    spec: &FilterSpec,
) -> Result<Vec<merge::Listed>, crate::Error> {
    let rules =
        filter::to_rclone(spec).map_err(|e| crate::Error::from(PathError::InvalidName { name: e.to_string() }))?;
    Ok(list_files(rc, root, rules, &AtomicU64::new(0)).await?)
}

/// Every file under `root` that passes `filter`, relative to `root` (one recursive listing).
async fn list_files(
    rc: &RcClient,
    root: &RemotePath,
    filter: Value,
    listed: &AtomicU64,
) -> Result<Vec<merge::Listed>, RcError> {
    #[derive(Deserialize)]
    struct Item {
        #[serde(rename = "Path")]
        path: String,
        #[serde(rename = "Size")]
        size: i64,
        #[serde(rename = "ModTime")]
        mod_time: String,
    }
    #[derive(Deserialize)]
    struct Reply {
        list: Vec<Item>,
    }
    let reply: Result<Reply, RcError> = rc
        .call(
            "operations/list",
            &json!({
                "fs": root.to_string(),
                "remote": "",
                "opt": { "recurse": true, "filesOnly": true, "noMimeType": true },
                "_filter": filter,
            }),
        )
        .await;
    let reply = match reply {
        Ok(r) => r,
        // a side that does not exist yet has no files (a sync into a new folder)
        Err(e) if is_missing_dir(&e) => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    listed.fetch_add(reply.list.len() as u64, Ordering::Relaxed);
    Ok(reply.list.into_iter().map(|i| (i.path, i.size, i.mod_time)).collect())
}

fn is_missing_dir(e: &RcError) -> bool {
    crate::resilience::classify::classify(e).reason == rcmd_types::FailureReason::NotFound
}
