//! Two-way sync pairs on rclone's bisync, with guard rails.
//!
//! * A pair's first run is a **guided resync**: [`Pairs::preview`] asks rclone for a dry run
//!   (per call, never global) of what each side would receive with the chosen resync mode,
//!   then [`Pairs::resync`] runs it for real. A resync is never started automatically.
//! * Runs are batches of kind `bisync` (one rclone job each, no items): they get the batch
//!   lease (one process runs a run), status events, notifications, pause and resume, and a
//!   report per run ([`rcmd_types::BisyncReport`]).
//! * Guard rails, on by default: the delete guard (percent by rclone before any change, a
//!   count by a dry run first), conflicts keep both versions, dated backup folders on both
//!   sides, `resilient` and `recover`, a lock timeout, and a check-access marker on both
//!   sides checked before each run (a side that is unmounted or empty stops the run).
//! * A run that finds bisync's listings gone is a **lockout** (its own failure class): the
//!   pair waits for a previewed resync.

mod output;
pub mod params;
mod run;
pub mod store;

use std::path::PathBuf;

use rcmd_types::{BatchInfo, BatchStatus, BisyncPreview, PairInfo, PairSpec, PairState, ResyncMode};
use tokio_util::sync::CancellationToken;

pub use store::{PairStore, RunSpec};

use crate::{
    batch::{Runner, StoreError},
    compare::FilterError,
    remote_path::{PathError, RemotePath},
};

/// Why a pair was not saved or a run not started.
#[derive(Debug, thiserror::Error)]
pub enum BisyncError {
    #[error("a pair needs a name")]
    NoName,
    #[error("a pair named {0:?} exists already")]
    NameTaken(String),
    #[error("no pair {0}")]
    NoPair(String),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("the two sides are the same place or one is inside the other ({0} and {1}): bisync would sync a folder with itself")]
    Overlap(String, String),
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("{0}")]
    Setting(String),
    /// The pair has never been synchronised or is locked out: only a resync goes on.
    #[error("pair {0:?} needs a resync first ({1}): preview it, choose which side wins, then run it")]
    NeedsResync(String, &'static str),
    /// A run of the pair is unfinished (running, queued, or paused while a resync is asked).
    #[error("pair {name:?} has an unfinished run (batch {batch}): wait for it, or resume or cancel it first")]
    Busy { name: String, batch: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// rclone failed (a preview).
    #[error(transparent)]
    Engine(#[from] crate::Error),
}

impl BisyncError {
    /// Whether the request itself is wrong (as opposed to the database or rclone failing).
    pub fn is_bad_request(&self) -> bool {
        !matches!(self, BisyncError::Store(_) | BisyncError::Engine(_))
    }
}

/// Checks `spec` before it is stored or run.
pub fn validate(spec: &PairSpec) -> Result<(RemotePath, RemotePath), BisyncError> {
    if spec.name.trim().is_empty() {
        return Err(BisyncError::NoName);
    }
    let p1 = RemotePath::parse(&spec.path1)?;
    let p2 = RemotePath::parse(&spec.path2)?;
    let inside = |a: &RemotePath, b: &RemotePath| {
        a.fs() == b.fs()
            && (a.path().is_empty() || b.path() == a.path() || b.path().starts_with(&format!("{}/", a.path())))
    };
    if inside(&p1, &p2) || inside(&p2, &p1) {
        return Err(BisyncError::Overlap(p1.to_string(), p2.to_string()));
    }
    if spec.guard.max_percent > 100 {
        return Err(BisyncError::Setting(format!(
            "the delete limit is a share of a side's files: {} % is more than 100 %",
            spec.guard.max_percent
        )));
    }
    crate::compare::filter::to_rclone(&spec.filter)?;
    Ok((p1, p2))
}

/// The pairs of one engine. Cheap to clone.
#[derive(Clone)]
pub struct Pairs {
    store: PairStore,
    runner: Runner,
    work: PathBuf,
}

impl Pairs {
    pub fn new(runner: Runner, work: PathBuf) -> Self {
        Pairs {
            store: PairStore::new(runner.store().clone()),
            runner,
            work,
        }
    }

    pub fn store(&self) -> &PairStore {
        &self.store
    }

    pub async fn list(&self) -> Result<Vec<PairInfo>, BisyncError> {
        Ok(self.store.list().await?)
    }

    /// Pair `key`: its id, or its name.
    pub async fn find(&self, key: &str) -> Result<PairInfo, BisyncError> {
        self.store
            .find(key)
            .await?
            .ok_or_else(|| BisyncError::NoPair(key.to_owned()))
    }

    /// Adds a pair (state new: its first run is the guided resync); returns its id.
    pub async fn add(&self, spec: &PairSpec) -> Result<i64, BisyncError> {
        validate(spec)?;
        self.store
            .add(spec)
            .await?
            .ok_or_else(|| BisyncError::NameTaken(spec.name.clone()))
    }

    /// Changes a pair. New sides or a new filter start it over (state new): the listings of
    /// its last run describe something else.
    pub async fn update(&self, id: i64, spec: &PairSpec) -> Result<(), BisyncError> {
        validate(spec)?;
        let old = self.find(&id.to_string()).await?;
        let restart = params::session_dir(&self.work, &old.spec) != params::session_dir(&self.work, spec);
        if !self.store.update(id, spec, restart).await? {
            return Err(BisyncError::NameTaken(spec.name.clone()));
        }
        Ok(())
    }

    /// Removes a pair (refused while a run of it is unfinished). Its files are not touched.
    pub async fn remove(&self, id: i64) -> Result<bool, BisyncError> {
        let pair = self.find(&id.to_string()).await?;
        if let Some(b) = self.unfinished(&pair).await? {
            return Err(BisyncError::Busy {
                name: pair.spec.name,
                batch: b.id,
            });
        }
        Ok(self.store.remove(id).await?)
    }

    /// What a run (`resync: None`) or a resync with `resync` would do, from rclone's dry run:
    /// nothing is written on either side.
    pub async fn preview(
        &self,
        spec: &PairSpec,
        resync: Option<ResyncMode>,
        cancel: &CancellationToken,
    ) -> Result<BisyncPreview, BisyncError> {
        let (p1, p2) = validate(spec)?;
        let run = RunSpec {
            pair_id: None,
            spec: spec.clone(),
            resync,
            backup1: None,
            backup2: None,
        };
        let dir = params::session_dir(&self.work, spec);
        if resync.is_none() && !params::has_listings(&dir) {
            return Err(BisyncError::NeedsResync(
                spec.name.clone(),
                "it has not been synchronised yet",
            ));
        }
        Ok(run::dry_run(self.runner.rc(), &run, &p1, &p2, &dir, cancel).await?.0)
    }

    /// Starts the resync of pair `key` with `mode` (after its preview); returns the batch.
    pub async fn resync(&self, key: &str, mode: ResyncMode, origin: Option<&str>) -> Result<BatchInfo, BisyncError> {
        let id = self.create(key, Some(mode), origin).await?;
        self.runner.start(id).await?;
        Ok(self.runner.batch(id).await?)
    }

    /// Starts a run of pair `key`; refused until its first resync, and while locked out. A
    /// run of it paused by an outage goes on instead of a second one.
    pub async fn run(&self, key: &str, origin: Option<&str>) -> Result<BatchInfo, BisyncError> {
        let id = self.create(key, None, origin).await?;
        self.runner.start(id).await?;
        Ok(self.runner.batch(id).await?)
    }

    /// The batch of a run (`resync: None`) or resync of pair `key`, not started (for a front
    /// end that runs it in the foreground): a new one, or the run of the pair an outage
    /// paused (bisync recovers it).
    pub async fn create(
        &self,
        key: &str,
        resync: Option<ResyncMode>,
        origin: Option<&str>,
    ) -> Result<i64, BisyncError> {
        let pair = self.find(key).await?;
        if resync.is_none() {
            match pair.state {
                PairState::New => {
                    return Err(BisyncError::NeedsResync(
                        pair.spec.name,
                        "it has not been synchronised yet",
                    ))
                }
                PairState::LockedOut => {
                    return Err(BisyncError::NeedsResync(
                        pair.spec.name,
                        "bisync lost track of its last run",
                    ))
                }
                PairState::Ready => {}
            }
        }
        if let Some(b) = self.unfinished(&pair).await? {
            if b.status == BatchStatus::Paused && resync.is_none() && b.runner.is_none() {
                return Ok(b.id);
            }
            return Err(BisyncError::Busy {
                name: pair.spec.name.clone(),
                batch: b.id,
            });
        }
        self.new_run(Some(pair.id), &pair.spec, resync, origin).await
    }

    /// A run of `spec` that no stored pair stands for (a server running a client's pair):
    /// no pair state is kept; a run without listings ends as a lockout.
    pub async fn create_for(
        &self,
        spec: &PairSpec,
        resync: Option<ResyncMode>,
        origin: Option<&str>,
    ) -> Result<i64, BisyncError> {
        validate(spec)?;
        self.new_run(None, spec, resync, origin).await
    }

    async fn new_run(
        &self,
        pair_id: Option<i64>,
        spec: &PairSpec,
        resync: Option<ResyncMode>,
        origin: Option<&str>,
    ) -> Result<i64, BisyncError> {
        let (p1, p2) = validate(spec)?;
        let stamp = crate::batch::sync::stamp_now();
        let backup = |root: &RemotePath| -> Result<Option<String>, BisyncError> {
            if !spec.backups {
                return Ok(None);
            }
            crate::batch::sync::backup_for(&rcmd_types::BackupPlace::Dated, root, true, &stamp)
                .map_err(|e| BisyncError::Setting(e.to_string()))
        };
        let run = RunSpec {
            pair_id,
            spec: spec.clone(),
            resync,
            backup1: backup(&p1)?,
            backup2: backup(&p2)?,
        };
        Ok(self.store.create_run(&run, origin).await?)
    }

    /// The unfinished run of `pair`, if any (its latest batch, queued, running or paused).
    pub async fn unfinished(&self, pair: &PairInfo) -> Result<Option<BatchInfo>, BisyncError> {
        let Some(id) = pair.last_batch else { return Ok(None) };
        match self.runner.batch(id).await {
            Ok(b) if b.status.is_resumable() => Ok(Some(b)),
            Ok(_) | Err(StoreError::NoBatch(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
