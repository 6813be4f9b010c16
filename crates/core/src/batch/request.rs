//! The one way a batch comes into being, for every front end (the app, the command line,
//! schedules, rproxy's batches and its queue): a [`BatchRequest`] is checked when it is built,
//! then [`Processor::create`] plans it through the resilient layer and records it, and
//! [`Runner::submit`](super::Runner::submit) also starts it.

use std::collections::{BTreeMap, BTreeSet};

use rcmd_types::{BatchKind, Conflict, ConflictPlan, ConflictPolicy};
use tokio_util::sync::CancellationToken;

use super::{plan::PlannedItem, processor::Processor, store::NewBatch, StoreError};
use crate::{
    remote_path::{PathError, RemotePath},
    resilience::classify::Failure,
};

/// Which files of the source a batch covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every file under the source, recursively.
    All,
    /// Entries of the source folder as a user selected them: files as they are, folders
    /// expanded. After a clean move or delete, the selected folders themselves are removed
    /// once empty.
    Names(Vec<String>),
    /// Files by their path relative to the source (rproxy's queue of per-file calls). The ones
    /// that are not there are left out and named in [`Created::missing`].
    Files(Vec<String>),
}

/// A batch a front end asks for: built by [`BatchRequest::new`], which refuses what can never
/// run (a bad path, a copy without a destination, a copy onto itself).
#[derive(Clone, Debug)]
pub struct BatchRequest {
    pub kind: BatchKind,
    pub src: RemotePath,
    /// `None` exactly for a delete.
    pub dst: Option<RemotePath>,
    pub selection: Selection,
    /// The key of another system's request (a schedule's run, a queue group): asking again
    /// with the same origin returns the batch made the first time instead of a second one.
    pub origin: Option<String>,
    /// What a copy or move does with files that exist at the destination (default: replace
    /// only older ones, never a newer one).
    pub on_conflict: ConflictPolicy,
    /// Per-file choices (path relative to the source → choice) overriding `on_conflict`.
    pub choices: BTreeMap<String, ConflictPolicy>,
    /// Which files of the selection are covered (empty: all), applied when the batch is
    /// planned: its jobs then name exactly the planned files.
    pub filter: rcmd_types::FilterSpec,
}

/// Why a batch was not created.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("source: {0}")]
    Source(#[source] PathError),
    #[error("destination: {0}")]
    Destination(#[source] PathError),
    #[error("a destination (remote:path) is needed")]
    NoDestination,
    #[error("source and destination are the same")]
    SamePlace,
    #[error("{0} has no files")]
    NoFiles(String),
    #[error(transparent)]
    Filter(crate::compare::FilterError),
    /// Listing the source failed (after the resilient layer's retries).
    #[error(transparent)]
    Plan(Box<crate::Error>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StartError {
    /// Whether the request itself is wrong (as opposed to a remote or the database failing).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            StartError::Source(_)
                | StartError::Destination(_)
                | StartError::NoDestination
                | StartError::SamePlace
                | StartError::NoFiles(_)
                | StartError::Filter(_)
        )
    }
}

/// A batch as created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    /// Items planned (0 when an earlier request with the same origin made the batch).
    pub items: usize,
    /// For [`Selection::Files`]: the files that were not at the source.
    pub missing: Vec<String>,
}

impl Selection {
    /// The entries `names` of the source, or everything under it when none are given.
    pub fn names(names: Vec<String>) -> Self {
        if names.is_empty() {
            Selection::All
        } else {
            Selection::Names(names)
        }
    }
}

impl BatchRequest {
    /// Checks the paths: `dst` is ignored for a delete and required otherwise (blank counts
    /// as missing); source and destination must differ.
    pub fn new(kind: BatchKind, src: &str, dst: Option<&str>, selection: Selection) -> Result<Self, StartError> {
        let src = RemotePath::parse(src).map_err(StartError::Source)?;
        let dst = match (kind, dst.map(str::trim).filter(|d| !d.is_empty())) {
            (BatchKind::Delete, _) => None,
            (_, Some(d)) => Some(RemotePath::parse(d).map_err(StartError::Destination)?),
            (_, None) => return Err(StartError::NoDestination),
        };
        if dst.as_ref() == Some(&src) {
            return Err(StartError::SamePlace);
        }
        Ok(BatchRequest {
            kind,
            src,
            dst,
            selection,
            origin: None,
            on_conflict: ConflictPolicy::default(),
            choices: BTreeMap::new(),
            filter: Default::default(),
        })
    }

    /// The same request covering only the files `filter` passes (checked here).
    pub fn with_filter(mut self, filter: rcmd_types::FilterSpec) -> Result<Self, StartError> {
        crate::compare::filter::to_rclone(&filter).map_err(StartError::Filter)?;
        self.filter = filter;
        Ok(self)
    }

    /// The same request with a conflict policy and per-file choices.
    pub fn with_conflicts(mut self, policy: ConflictPolicy, choices: BTreeMap<String, ConflictPolicy>) -> Self {
        self.on_conflict = policy;
        self.choices = choices;
        self
    }

    /// The same request, known to another system as `origin`.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Whether the source or the destination is on remote `name`.
    pub fn touches(&self, name: &str) -> bool {
        [Some(&self.src), self.dst.as_ref()]
            .into_iter()
            .flatten()
            .any(|p| p.remote.as_str() == name)
    }

    /// Folders (relative to the source) to remove once empty after a clean move or delete:
    /// the selected folders themselves, or the empty folders below the source (kept itself)
    /// for a whole-source batch. `folders`: the selected folders among the names.
    fn cleanup(&self, folders: Vec<String>) -> Vec<String> {
        match (self.kind, &self.selection) {
            (BatchKind::Copy, _) | (_, Selection::Files(_)) => vec![],
            (_, Selection::All) => vec![String::new()],
            (_, Selection::Names(_)) => folders,
        }
    }
}

impl Processor {
    /// Plans `req` through the resilient layer and records it as a queued batch; does not
    /// start it. A request whose origin is known returns that batch without planning again.
    /// Refuses a plan with no files.
    #[tracing::instrument(skip_all, fields(kind = ?req.kind, src = %req.src), err(Display))]
    pub async fn create(&self, req: &BatchRequest) -> Result<Created, StartError> {
        if let Some(origin) = &req.origin {
            if let Some(id) = self.store.by_origin(origin).await? {
                return Ok(Created {
                    id,
                    items: 0,
                    missing: vec![],
                });
            }
        }
        let (items, folders, missing) = self.plan(req).await?;
        if items.is_empty() {
            return Err(StartError::NoFiles(req.src.to_string()));
        }
        let (conflicts, mut taken) = self.conflicts_at_destination(req, &items).await?;
        taken.extend(items.iter().map(|i| i.path.clone()));
        let resolved = super::conflict::resolve(&conflicts, req.on_conflict, &req.choices, &taken);
        if !conflicts.is_empty() {
            tracing::info!(
                conflicts = conflicts.len(),
                kept = resolved.kept.len(),
                renamed = resolved.renamed.len(),
                policy = req.on_conflict.as_str(),
                "files exist at the destination"
            );
        }
        let src = req.src.to_string();
        let dst = req.dst.as_ref().map(|d| d.to_string());
        let cleanup = req.cleanup(folders);
        let id = self
            .store
            .insert(&NewBatch {
                origin: req.origin.as_deref(),
                kind: req.kind,
                src: &src,
                dst: dst.as_deref(),
                items: &items,
                cleanup: &cleanup,
                on_conflict: req.dst.is_some().then_some(req.on_conflict),
                guard: resolved.guard,
                kept: &resolved.kept,
                renamed: &resolved.renamed,
                sync: None,
            })
            .await?;
        Ok(Created {
            id,
            items: items.len(),
            missing,
        })
    }

    /// What `req` would meet at its destination, without creating anything: the files it
    /// would copy and those of them that exist there (the commander asks about these first).
    #[tracing::instrument(skip_all, fields(kind = ?req.kind, src = %req.src), err(Display))]
    pub async fn plan_conflicts(&self, req: &BatchRequest) -> Result<ConflictPlan, StartError> {
        let (items, _, _) = self.plan(req).await?;
        if items.is_empty() {
            return Err(StartError::NoFiles(req.src.to_string()));
        }
        let (mut conflicts, _) = self.conflicts_at_destination(req, &items).await?;
        let total = conflicts.len() as u64;
        conflicts.truncate(ConflictPlan::SHOWN);
        Ok(ConflictPlan {
            items: items.len() as u64,
            conflicts,
            total,
        })
    }

    /// The planned `items` of a copy or move that exist at its destination (none for a
    /// delete), and every path listed there: the folders they go to are listed, not the
    /// whole destination.
    async fn conflicts_at_destination(
        &self,
        req: &BatchRequest,
        items: &[PlannedItem],
    ) -> Result<(Vec<Conflict>, BTreeSet<String>), StartError> {
        let Some(dst) = req.dst.clone() else {
            return Ok((vec![], BTreeSet::new()));
        };
        let paths: Vec<String> = items.iter().map(|i| i.path.clone()).collect();
        let remote = dst.remote.clone();
        let (listing, precision) = self
            .rc
            .call(&[&remote], &CancellationToken::new(), move |rc| {
                let (dst, paths) = (dst.clone(), paths.clone());
                async move {
                    let listing = super::verify::listing_for(&rc, &dst, paths.iter().map(String::as_str)).await?;
                    let precision = super::verify::mod_time_precision(&rc, &dst).await?;
                    Ok((listing, precision))
                }
            })
            .await
            .map_err(|e| StartError::Plan(Box::new(e)))?;
        let conflicts = super::conflict::find(items, &listing, super::verify::tolerance_s(precision));
        Ok((conflicts, listing.keys().cloned().collect()))
    }

    /// The request's items, the selected folders among its names, and the missing files.
    async fn plan(&self, req: &BatchRequest) -> Result<(Vec<PlannedItem>, Vec<String>, Vec<String>), StartError> {
        let src = req.src.clone();
        let selection = req.selection.clone();
        let filter = req.filter.clone();
        self.rc
            .call(&[&req.src.remote], &CancellationToken::new(), move |rc| {
                let (src, selection, filter) = (src.clone(), selection.clone(), filter.clone());
                async move {
                    if !filter.is_empty() {
                        return filtered(&rc, &src, &selection, &filter).await;
                    }
                    Ok(match selection {
                        Selection::All => (super::plan::expand(&rc, &src).await?, vec![], vec![]),
                        Selection::Names(names) => {
                            let (items, folders) = super::plan::selection(&rc, &src, &names).await?;
                            (items, folders, vec![])
                        }
                        Selection::Files(files) => {
                            let (items, missing) = files_at(&rc, &src, &files).await?;
                            (items, vec![], missing)
                        }
                    })
                }
            })
            .await
            .map_err(|e| StartError::Plan(Box::new(e)))
    }

    /// Removes the folders a clean move or delete of batch `id` emptied (see
    /// [`BatchRequest`]'s selection). A folder that is gone already counts as removed; a folder
    /// that still holds files stays. Runs before the batch is marked completed, so a crash in
    /// between repeats it on resume.
    pub(super) async fn remove_emptied(&self, id: i64) -> Result<(), crate::Error> {
        let (src, folders) = self.store.cleanup(id).await.map_err(super::processor::store_err)?;
        if folders.is_empty() {
            return Ok(());
        }
        let src = RemotePath::parse(&src)?;
        for folder in folders {
            let dir = if folder.is_empty() {
                src.clone()
            } else {
                src.join(&folder)?
            };
            let removed = self
                .rc
                .remove_empty_dirs(&dir, folder.is_empty(), &CancellationToken::new())
                .await;
            match removed {
                Ok(()) => tracing::info!(batch = id, folder = %dir, "emptied folders removed"),
                Err(e) if is_gone(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

pub(super) fn is_gone(e: &crate::Error) -> bool {
    use crate::resilience::retry::Classify;
    let f: Failure = e.failure();
    f.reason == rcmd_types::FailureReason::NotFound
}

/// A filtered request's items: the files below `root` the filter passes (the filter's rules
/// relative to `root`), kept when they are in the selection (a selected file, or below a
/// selected folder); the selected folders; the selected files the filter left out count as
/// missing for a [`Selection::Files`].
async fn filtered(
    rc: &crate::rc::RcClient,
    root: &RemotePath,
    selection: &Selection,
    filter: &rcmd_types::FilterSpec,
) -> Result<(Vec<PlannedItem>, Vec<String>, Vec<String>), crate::Error> {
    let listed = crate::compare::filtered_files(rc, root, filter).await?;
    let chosen = |path: &str| match selection {
        Selection::All => true,
        Selection::Names(names) => names
            .iter()
            .any(|n| path == n || path.strip_prefix(n.as_str()).is_some_and(|r| r.starts_with('/'))),
        Selection::Files(files) => files.iter().any(|f| f == path),
    };
    let mut items: Vec<PlannedItem> = listed
        .into_iter()
        .filter(|(p, _, _)| chosen(p))
        .map(|(path, size, mod_time)| PlannedItem { path, size, mod_time })
        .collect();
    items.sort_by(|a, b| a.path.cmp(&b.path));
    let folders = match selection {
        Selection::Names(names) => {
            let mut f: Vec<String> = names
                .iter()
                .filter(|n| items.iter().any(|i| i.path.starts_with(&format!("{n}/"))))
                .cloned()
                .collect();
            f.sort();
            f
        }
        _ => vec![],
    };
    let missing = match selection {
        Selection::Files(files) => files
            .iter()
            .filter(|f| !items.iter().any(|i| &i.path == *f))
            .cloned()
            .collect(),
        _ => vec![],
    };
    Ok((items, folders, missing))
}

/// Items for files given by their path relative to `root` (one listing per folder they are
/// in), sorted; and the files that are not there.
async fn files_at(
    rc: &crate::rc::RcClient,
    root: &RemotePath,
    files: &[String],
) -> Result<(Vec<PlannedItem>, Vec<String>), crate::rc::RcError> {
    let listing = super::verify::listing_for(rc, root, files.iter().map(String::as_str)).await?;
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for f in files {
        match listing.get(f) {
            Some((size, mod_time)) => items.push(PlannedItem {
                path: f.clone(),
                size: *size,
                mod_time: mod_time.clone(),
            }),
            None => missing.push(f.clone()),
        }
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    items.dedup_by(|a, b| a.path == b.path);
    Ok((items, missing))
}
