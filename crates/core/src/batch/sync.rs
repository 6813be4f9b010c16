//! Sync batches: a compare's rows, each with its direction, planned into one checkpointed
//! batch. The plan is the preview: [`plan`] writes nothing, and the batch holds exactly the
//! planned actions, in the order they run — deletes that stand in a copy's way (a folder
//! where a file goes, or the reverse), then the copies, then the other deletes.
//!
//! Nothing is lost by default: a copy that replaces a file and a delete both move the old
//! file to the side's backup place (rclone's backup-dir, on the same remote), and a delete
//! guard refuses a run that would delete too much.

use std::collections::{BTreeSet, HashMap};

use rcmd_types::{BackupPlace, BatchKind, CompareRow, DeleteGuard, Direction, PlannedAction, SyncPreview};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{plan::PlannedItem, processor::Processor, store::NewBatch, StartError};
use crate::{
    compare::{Comparison, BACKUP_FOLDER},
    remote_path::{PathError, RemotePath},
};

/// A run of compare rows a front end asks for (the rows carry the user's directions).
#[derive(Clone, Debug)]
pub struct SyncRequest {
    pub left: RemotePath,
    pub right: RemotePath,
    pub rows: Vec<CompareRow>,
    /// Files on each side under the compare's filter (the delete guard's share).
    pub left_files: u64,
    pub right_files: u64,
    pub guard: DeleteGuard,
    pub backup: BackupPlace,
    /// See [`super::BatchRequest::origin`].
    pub origin: Option<String>,
}

impl SyncRequest {
    /// The rows of `c` as they are, with the default guard and dated backups.
    pub fn from_comparison(c: &Comparison) -> Self {
        SyncRequest {
            left: c.left.clone(),
            right: c.right.clone(),
            rows: c.rows.clone(),
            left_files: c.left_files,
            right_files: c.right_files,
            guard: DeleteGuard::default(),
            backup: BackupPlace::Dated,
            origin: None,
        }
    }
}

/// Why a sync was not created.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The delete guard refused it (the message gives both limits and the numbers).
    #[error("{0}")]
    Refused(String),
    #[error("nothing to do: every row is skipped or the folders match")]
    Nothing,
    #[error("row {path:?}: {direction:?} is not possible for a file that is {state:?}")]
    BadDirection {
        path: String,
        direction: Direction,
        state: rcmd_types::CompareState,
    },
    #[error("backup place: {0}")]
    Backup(String),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Start(#[from] StartError),
}

impl SyncError {
    pub fn is_bad_request(&self) -> bool {
        match self {
            SyncError::Start(e) => e.is_bad_request(),
            _ => true,
        }
    }
}

/// A sync batch's settings, kept with the batch (`batches.sync`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMeta {
    pub backup_left: Option<String>,
    pub backup_right: Option<String>,
}

/// One planned item of a sync batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncItem {
    /// On the side the action reads (a copy's source) or deletes from.
    pub path: String,
    pub action: Direction,
    /// Of the file the action reads or deletes.
    pub size: i64,
    pub mod_time: String,
    /// The folder this delete may leave empty and that the other side does not have: removed
    /// once empty (relative to the side's root).
    pub prune: Option<String>,
}

/// The plan: what the preview shows and the batch holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPlan {
    pub preview: SyncPreview,
    pub items: Vec<SyncItem>,
    pub meta: SyncMeta,
}

/// Plans `req` without writing anything. `stamp` names the dated backup folder
/// (`2026-12-07_031500`). A refusal of the delete guard is in `preview.refused`.
pub fn plan(req: &SyncRequest, stamp: &str) -> Result<SyncPlan, SyncError> {
    for r in &req.rows {
        if !r.direction.fits(r.state) || (r.direction != Direction::Skip && side_of(r, r.direction).is_none()) {
            return Err(SyncError::BadDirection {
                path: r.path.clone(),
                direction: r.direction,
                state: r.state,
            });
        }
    }
    let acting: Vec<&CompareRow> = req.rows.iter().filter(|r| r.direction != Direction::Skip).collect();
    // the paths each side will hold files at, and their folders
    let lands = |target_right: bool| -> BTreeSet<String> {
        acting
            .iter()
            .filter(|r| {
                r.direction
                    == if target_right {
                        Direction::Right
                    } else {
                        Direction::Left
                    }
            })
            .map(|r| {
                if target_right {
                    r.path.clone()
                } else {
                    r.right_path().to_owned()
                }
            })
            .collect()
    };
    let (to_right, to_left) = (lands(true), lands(false));
    let folders = |paths: &BTreeSet<String>| -> BTreeSet<String> { paths.iter().flat_map(|p| ancestors(p)).collect() };
    let (to_right_dirs, to_left_dirs) = (folders(&to_right), folders(&to_left));
    // folders each side keeps (holds a file that is neither deleted nor replaced by a folder)
    let kept_dirs = |right: bool| -> BTreeSet<String> {
        req.rows
            .iter()
            .filter(|r| {
                let deleted = r.direction
                    == if right {
                        Direction::DeleteRight
                    } else {
                        Direction::DeleteLeft
                    };
                let there = if right { r.right.is_some() } else { r.left.is_some() };
                let arrives = r.direction == if right { Direction::Right } else { Direction::Left };
                (there && !deleted) || arrives
            })
            .flat_map(|r| ancestors(if right { r.right_path() } else { &r.path }))
            .collect()
    };
    let (kept_right, kept_left) = (kept_dirs(true), kept_dirs(false));

    let mut blocking = Vec::new();
    let mut copies = Vec::new();
    let mut deletes = Vec::new();
    for r in &acting {
        let (path, entry) = side_of(r, r.direction).ok_or_else(|| SyncError::BadDirection {
            path: r.path.clone(),
            direction: r.direction,
            state: r.state,
        })?;
        let mut item = SyncItem {
            path: path.to_owned(),
            action: r.direction,
            size: entry.size,
            mod_time: entry.time.clone(),
            prune: None,
        };
        match r.direction {
            Direction::Right | Direction::Left => copies.push(item),
            Direction::DeleteRight | Direction::DeleteLeft => {
                let right = r.direction == Direction::DeleteRight;
                let (lands, land_dirs, kept) = if right {
                    (&to_right, &to_right_dirs, &kept_right)
                } else {
                    (&to_left, &to_left_dirs, &kept_left)
                };
                // the top folder of this file that nothing keeps or receives goes with it
                item.prune = ancestors(path).into_iter().find(|d| !kept.contains(d));
                let in_the_way = land_dirs.contains(path) || ancestors(path).iter().any(|d| lands.contains(d));
                if in_the_way {
                    blocking.push(item);
                } else {
                    deletes.push(item);
                }
            }
            Direction::Skip => {}
        }
    }
    let items: Vec<SyncItem> = blocking.into_iter().chain(copies).chain(deletes).collect();
    if items.is_empty() {
        return Err(SyncError::Nothing);
    }

    // a side's backup place is needed when a file there is replaced or deleted
    let replaced = |right: bool| {
        acting.iter().any(|r| match r.direction {
            Direction::Right => right && r.right.is_some(),
            Direction::Left => !right && r.left.is_some(),
            Direction::DeleteRight => right,
            Direction::DeleteLeft => !right,
            Direction::Skip => false,
        })
    };
    let meta = SyncMeta {
        backup_left: backup_for(&req.backup, &req.left, replaced(false), stamp)?,
        backup_right: backup_for(&req.backup, &req.right, replaced(true), stamp)?,
    };
    let counts = rcmd_types::CompareCounts::of(&req.rows);
    let refused = refusal(&req.guard, counts.delete_right, req.right_files, "right")
        .or_else(|| refusal(&req.guard, counts.delete_left, req.left_files, "left"));
    let preview = SyncPreview {
        left: req.left.to_string(),
        right: req.right.to_string(),
        counts,
        right_files: req.right_files,
        left_files: req.left_files,
        backup_right: meta.backup_right.clone(),
        backup_left: meta.backup_left.clone(),
        refused,
        actions: items
            .iter()
            .take(SyncPreview::SHOWN)
            .map(|i| PlannedAction {
                path: i.path.clone(),
                direction: i.action,
                size: i.size,
            })
            .collect(),
    };
    Ok(SyncPlan { preview, items, meta })
}

/// The file an action reads or deletes: its path and entry.
fn side_of(r: &CompareRow, d: Direction) -> Option<(&str, &rcmd_types::SideEntry)> {
    match d {
        Direction::Right | Direction::DeleteLeft => r.left.as_ref().map(|e| (r.path.as_str(), e)),
        Direction::Left | Direction::DeleteRight => r.right.as_ref().map(|e| (r.right_path(), e)),
        Direction::Skip => None,
    }
}

/// `a/b/c` → `a`, `a/b` (top first).
fn ancestors(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').collect();
    (1..parts.len()).map(|n| parts[..n].join("/")).collect()
}

/// Why `guard` refuses `deletes` of `files` on `side`.
fn refusal(guard: &DeleteGuard, deletes: u64, files: u64, side: &str) -> Option<String> {
    if deletes == 0 {
        return None;
    }
    let pct = if files == 0 {
        100.0
    } else {
        deletes as f64 * 100.0 / files as f64
    };
    let over_count = guard.max_files.is_some_and(|m| deletes > m);
    let over_share = guard.max_percent.is_some_and(|m| pct > m as f64);
    (over_count || over_share).then(|| {
        format!(
            "refused: this run would delete {deletes} of {files} files on the {side} ({pct:.0} %); the limits are {} files and {} % — raise them to go on",
            guard.max_files.map_or("no limit of".to_owned(), |m| m.to_string()),
            guard.max_percent.map_or("no limit of".to_owned(), |m| m.to_string()),
        )
    })
}

/// The backup place of `root` for `place` (`None` when nothing there needs one or backups
/// are off).
pub(crate) fn backup_for(
    place: &BackupPlace,
    root: &RemotePath,
    needed: bool,
    stamp: &str,
) -> Result<Option<String>, SyncError> {
    if !needed {
        return Ok(None);
    }
    match place {
        BackupPlace::Off => Ok(None),
        BackupPlace::Dated => {
            let at = if root.path().is_empty() {
                root.join(&format!("{BACKUP_FOLDER}/{stamp}"))?
            } else {
                let name = root.path().rsplit('/').next().unwrap_or_default();
                root.parent().join(&format!("{BACKUP_FOLDER}/{stamp}/{name}"))?
            };
            Ok(Some(at.to_string()))
        }
        BackupPlace::At(spec) => {
            let at = RemotePath::parse(spec)?;
            if at.remote != root.remote {
                return Err(SyncError::Backup(format!(
                    "{at} is not on {}: a backup must be on the same remote as the files it keeps",
                    root.remote
                )));
            }
            let inside = root.path().is_empty()
                || at.path() == root.path()
                || at.path().starts_with(&format!("{}/", root.path()));
            if inside && !at.path().split('/').any(|s| s == BACKUP_FOLDER) {
                return Err(SyncError::Backup(format!(
                    "{at} is inside {root}: the sync would treat the backups as files of its own (use a folder outside it, or one named {BACKUP_FOLDER})"
                )));
            }
            Ok(Some(at.to_string()))
        }
    }
}

/// The folder name of a dated backup made now.
pub fn stamp_now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}_{:02}{:02}{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// How one action runs: as a copy (left or right), a move to the backup place, or a delete.
pub(super) struct Lane {
    pub kind: BatchKind,
    pub src: RemotePath,
    pub dst: Option<RemotePath>,
    /// `_config` for its jobs.
    pub config: Map<String, Value>,
    /// The side whose folders its deletes may leave empty.
    pub prune_root: Option<RemotePath>,
}

/// The lane of `action` in a sync batch between `left` and `right`.
pub(super) fn lane(
    action: Direction,
    left: &RemotePath,
    right: &RemotePath,
    meta: &SyncMeta,
) -> Result<Lane, crate::Error> {
    let backup = |b: &Option<String>| b.as_deref().map(RemotePath::parse).transpose();
    let copy = |src: &RemotePath, dst: &RemotePath, b: &Option<String>| -> Result<Lane, crate::Error> {
        // the plan chose to copy: transfer even when size and time match (same size and
        // time, other bytes); a replaced file goes to the backup place first
        let mut config = Map::new();
        config.insert("IgnoreTimes".into(), json!(true));
        if let Some(b) = backup(b)? {
            config.insert("BackupDir".into(), json!(b.to_string()));
        }
        Ok(Lane {
            kind: BatchKind::Copy,
            src: src.clone(),
            dst: Some(dst.clone()),
            config,
            prune_root: None,
        })
    };
    let delete = |side: &RemotePath, b: &Option<String>| -> Result<Lane, crate::Error> {
        Ok(match backup(b)? {
            Some(b) => Lane {
                kind: BatchKind::Move,
                src: side.clone(),
                dst: Some(b),
                config: Map::new(),
                prune_root: Some(side.clone()),
            },
            None => Lane {
                kind: BatchKind::Delete,
                src: side.clone(),
                dst: None,
                config: Map::new(),
                prune_root: Some(side.clone()),
            },
        })
    };
    match action {
        Direction::Right => copy(left, right, &meta.backup_right),
        Direction::Left => copy(right, left, &meta.backup_left),
        Direction::DeleteRight => delete(right, &meta.backup_right),
        Direction::DeleteLeft => delete(left, &meta.backup_left),
        Direction::Skip => Err(crate::Error::from(PathError::InvalidName {
            name: "skip is not an action".into(),
        })),
    }
}

impl Processor {
    /// Plans `req` and records it as a queued sync batch; does not start it. Refused (and
    /// nothing recorded) when the delete guard says no.
    #[tracing::instrument(skip_all, fields(left = %req.left, right = %req.right), err(Display))]
    pub async fn create_sync(&self, req: &SyncRequest) -> Result<(i64, SyncPreview), SyncError> {
        let plan = plan(req, &stamp_now())?;
        if let Some(why) = &plan.preview.refused {
            tracing::warn!(%why, "sync refused by the delete guard");
            return Err(SyncError::Refused(why.clone()));
        }
        if let Some(origin) = &req.origin {
            if let Some(id) = self.store.by_origin(origin).await.map_err(StartError::from)? {
                return Ok((id, plan.preview));
            }
        }
        let items: Vec<PlannedItem> = plan
            .items
            .iter()
            .map(|i| PlannedItem {
                path: i.path.clone(),
                size: i.size,
                mod_time: i.mod_time.clone(),
            })
            .collect();
        let actions: HashMap<String, (Direction, Option<String>)> = plan
            .items
            .iter()
            .map(|i| (i.path.clone(), (i.action, i.prune.clone())))
            .collect();
        let (src, dst) = (req.left.to_string(), req.right.to_string());
        let meta = serde_json::to_string(&plan.meta).unwrap_or_default();
        let id = self
            .store
            .insert(&NewBatch {
                origin: req.origin.as_deref(),
                kind: BatchKind::Sync,
                src: &src,
                dst: Some(&dst),
                items: &items,
                cleanup: &[],
                on_conflict: None,
                guard: None,
                kept: &[],
                renamed: &[],
                sync: Some((&actions, &meta)),
            })
            .await
            .map_err(StartError::from)?;
        tracing::info!(batch = id, items = items.len(), "sync batch planned");
        Ok((id, plan.preview))
    }
}

#[cfg(test)]
mod tests;
