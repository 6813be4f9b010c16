//! Batches on the connection in use: this computer's runner, or the active server's batches
//! (`rproxy/batch/*`, run ON the server: they go on when this front end quits). A front end
//! asks here and never decides which one it talks to.

use tokio_util::sync::CancellationToken;

use super::Connections;
use crate::{
    batch::{BatchRequest, Runner, Selection, StartError, StoreError},
    rc::{RcClient, RcError},
    resilience::layer::Resilient,
    rproxy_client::batches::{self as remote, Verb},
    types::{BatchInfo, BatchReport},
};

/// Why a batch call failed.
#[derive(Debug, thiserror::Error)]
pub enum BatchCallError {
    /// The request can never run, or planning it failed.
    #[error(transparent)]
    Start(#[from] StartError),
    /// This computer's batch database refused (another process runs the batch, no such
    /// batch, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server (or its layer: offline, breaker open) failed.
    #[error(transparent)]
    Server(#[from] crate::Error),
    /// A server call while the app works on this computer.
    #[error("not connected to a server")]
    NoServer,
}

impl BatchCallError {
    /// The engine error behind a failed plan or server call, to be judged like any RC failure
    /// (offline, breaker open, not found, ...); `Err(self)` for the others.
    pub fn into_engine_error(self) -> Result<crate::Error, Self> {
        match self {
            BatchCallError::Start(StartError::Plan(e)) => Ok(*e),
            BatchCallError::Server(e) => Ok(e),
            other => Err(other),
        }
    }

    /// Whether the user can act on it: a request that can never run, or a batch another
    /// process is running right now (not a failure of this computer).
    pub fn is_bad_input(&self) -> bool {
        match self {
            BatchCallError::Start(StartError::Store(e)) | BatchCallError::Store(e) => {
                matches!(e, StoreError::Leased { .. })
            }
            BatchCallError::Start(StartError::Plan(_)) | BatchCallError::Server(_) | BatchCallError::NoServer => false,
            BatchCallError::Start(_) => true,
        }
    }
}

impl Connections {
    /// The active server's layer, or `None` on this computer.
    pub(super) fn server_rc(&self) -> Option<std::sync::Arc<Resilient>> {
        self.active().server.as_ref().map(|s| s.rc.clone())
    }

    /// Every batch, newest first (a batch of this computer whose process is gone reads as
    /// paused, one another process runs as running elsewhere).
    pub async fn batch_list(&self, local: &Runner) -> Result<Vec<BatchInfo>, BatchCallError> {
        match self.server_rc() {
            None => Ok(local.list().await?),
            Some(rc) => on_server(&rc, |c| async move { remote::list(&c).await }).await,
        }
    }

    /// Plans, records and starts `req` where the connection points.
    pub async fn batch_create(&self, local: &Runner, req: &BatchRequest) -> Result<BatchInfo, BatchCallError> {
        let Some(rc) = self.server_rc() else {
            return Ok(local.submit(req).await?);
        };
        // planned and run by the server: it keeps going when this front end quits
        let (src, dst, names) = server_args(req);
        // the server plans again and applies the policy and the per-file choices
        let (kind, on_conflict, choices) = (req.kind, req.on_conflict, &req.choices);
        on_server(&rc, |c| {
            let (src, dst, names) = (src.clone(), dst.clone(), names.clone());
            async move {
                remote::create_with_choices(&c, kind, &src, dst.as_deref(), &names, on_conflict, choices).await
            }
        })
        .await
    }

    /// The files `req` would find at its destination, planned where the batch would run
    /// (this computer, or the active server); `None` for a batch without a destination.
    pub async fn batch_conflicts(
        &self,
        local: &Runner,
        req: &BatchRequest,
    ) -> Result<Option<rcmd_types::ConflictPlan>, BatchCallError> {
        let Some(rc) = self.server_rc() else {
            return Ok(Some(local.plan_conflicts(req).await?));
        };
        let (src, Some(dst), names) = server_args(req) else {
            return Ok(None);
        };
        let kind = req.kind;
        let plan = on_server(&rc, |c| {
            let (src, dst, names) = (src.clone(), dst.clone(), names.clone());
            async move { remote::plan(&c, kind, &src, &dst, &names).await }
        })
        .await?;
        Ok(Some(plan))
    }

    /// Resumes, pauses, cancels or retries (the failed items) batch `id`.
    pub async fn batch_act(&self, local: &Runner, verb: Verb, id: i64) -> Result<(), BatchCallError> {
        if let Some(rc) = self.server_rc() {
            on_server(&rc, |c| async move { remote::act(&c, verb, id).await }).await?;
            return Ok(());
        }
        match verb {
            Verb::Resume => local.start(id).await?,
            Verb::Pause => local.pause(id),
            Verb::Cancel => local.cancel(id).await?,
            Verb::Retry => {
                local.store().retry_failed(id).await?;
                local.start(id).await?;
            }
        }
        Ok(())
    }

    /// Batch `id` with its failed items.
    pub async fn batch_report(&self, local: &Runner, id: i64) -> Result<BatchReport, BatchCallError> {
        match self.server_rc() {
            None => Ok(local.report(id).await?),
            Some(rc) => on_server(&rc, |c| async move { remote::report(&c, id).await }).await,
        }
    }
}

/// A server batch call through the server's layer: one attempt (the server runs the batch;
/// a retried create could make two), failing at once while the server is offline.
/// `req` as the server's batch calls take it: source, destination, the selected names (none:
/// everything under the source).
fn server_args(req: &BatchRequest) -> (String, Option<String>, Vec<String>) {
    let names = match &req.selection {
        Selection::Names(n) => n.clone(),
        _ => vec![],
    };
    (req.src.to_string(), req.dst.as_ref().map(|d| d.to_string()), names)
}

pub(super) async fn on_server<T, F, Fut>(rc: &Resilient, op: F) -> Result<T, BatchCallError>
where
    F: Fn(RcClient) -> Fut,
    Fut: std::future::Future<Output = Result<T, RcError>>,
{
    Ok(rc
        .call_once(&[], &CancellationToken::new(), |c| {
            let f = op(c);
            async move { Ok(f.await?) }
        })
        .await?)
}
