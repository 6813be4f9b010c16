//! Batches that run on the server: the engine's batch processor over rproxy's rcd, created
//! and steered through RC-style calls (`rproxy/batch/create|list|get|pause|resume|cancel|
//! retry`), so they go on when the client sleeps or quits. Each batch belongs to the user who
//! created it (admins see all); its status changes are durable events (`batch_state`) for
//! that user, its progress transient frames (`batch_progress`, at most 1 Hz).

use std::sync::Arc;

use axum::http::StatusCode;
use rcmd_core::{
    batch::{plan, Processor, Runner, RunnerSink, StoreError},
    path::RemotePath,
    resilience::layer::Resilient,
    types::{BatchInfo, BatchKind, BatchProgress, BatchStatus},
};
use serde_json::{json, Map, Value};
use crate::{db::Pool, on_pool};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::{auth::User, events::Events, policy::Role};

/// A refused or failed batch call: the HTTP status and the message.
pub type CallError = (StatusCode, String);

/// Server-side batches. Cheap to clone.
#[derive(Clone)]
pub struct Batches {
    pool: Pool,
    runner: Runner,
    rc: Arc<Resilient>,
}

/// Turns the runner's reports into events for the batch's owner (status changes written in
/// the order they happened, by one task).
struct Sink {
    pool: Pool,
    events: Events,
    states: tokio::sync::mpsc::UnboundedSender<BatchInfo>,
    progress: crate::events::ProgressThrottle,
}

impl Sink {
    async fn owner(pool: &Pool, batch: i64) -> Option<i64> {
        on_pool!(pool, p => sqlx::query_scalar("SELECT user_id FROM batch_owners WHERE batch_id = $1").bind(batch).fetch_optional(p).await.ok().flatten())
    }
}

impl RunnerSink for Sink {
    fn state(&self, info: &BatchInfo) {
        let _ = self.states.send(info.clone());
    }

    fn progress(&self, p: &BatchProgress) {
        if !self.progress.due(p) {
            return;
        }
        let (pool, events, p) = (self.pool.clone(), self.events.clone(), p.clone());
        tokio::spawn(async move {
            if let Some(owner) = Sink::owner(&pool, p.id).await {
                events.transient("batch_progress", Some(owner), serde_json::to_value(&p).unwrap_or(Value::Null));
            }
        });
    }
}

fn store_err(e: StoreError) -> CallError {
    match e {
        StoreError::NoBatch(id) => (StatusCode::NOT_FOUND, format!("no batch {id}")),
        e @ StoreError::Leased { .. } => (StatusCode::CONFLICT, e.to_string()),
        e => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn bad(msg: impl Into<String>) -> CallError {
    (StatusCode::BAD_REQUEST, msg.into())
}

impl Batches {
    /// Server batches over the engine's processor (its own runner); resumes the batches a
    /// previous run left running. Inside a tokio runtime.
    pub fn start(pool: Pool, processor: Processor, rc: Arc<Resilient>, events: Events) -> Batches {
        let (states, mut changed) = tokio::sync::mpsc::unbounded_channel::<BatchInfo>();
        let (state_pool, state_events) = (pool.clone(), events.clone());
        tokio::spawn(async move {
            while let Some(info) = changed.recv().await {
                let Some(owner) = Sink::owner(&state_pool, info.id).await else { continue };
                let data = serde_json::to_value(&info).unwrap_or(Value::Null);
                if let Err(e) = state_events.emit("batch_state", Some(owner), data).await {
                    warn!(error = %e, "cannot record an event");
                }
            }
        });
        let sink = Arc::new(Sink { pool: pool.clone(), events, states, progress: Default::default() });
        let b = Batches { pool, runner: Runner::new(processor, sink), rc };
        let this = b.clone();
        tokio::spawn(async move { this.recover().await });
        b
    }

    /// Owned batches a crash or a stop left `running` go on (the queue's own batches are not
    /// owned and not touched here).
    async fn recover(&self) {
        let owned = match self.owned(None).await {
            Ok(o) => o,
            Err(e) => return warn!(error = %e, "cannot read server batches"),
        };
        for id in owned {
            match self.runner.store().batch(id).await {
                Ok(b) if b.status == BatchStatus::Running && b.runner.is_none() => {
                    if let Err(e) = self.runner.start(id).await {
                        warn!(batch = id, error = %e, "cannot resume a server batch");
                    }
                }
                Ok(_) => {}
                Err(e) => warn!(batch = id, error = %e, "cannot read a server batch"),
            }
        }
    }

    /// Ids of batches owned by `user` (everyone's: `None`).
    async fn owned(&self, user: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
        // one parameter used twice: PostgreSQL infers its type from `user_id = $1`
        on_pool!(&self.pool, p => sqlx::query_scalar("SELECT batch_id FROM batch_owners WHERE ($1 IS NULL OR user_id = $1) ORDER BY batch_id DESC")
            .bind(user)
            .fetch_all(p)
            .await)
    }

    /// The batch `id` if `user` may see it.
    async fn visible(&self, user: &User, id: i64) -> Result<(), CallError> {
        let owner = Sink::owner(&self.pool, id).await;
        match owner {
            Some(o) if o == user.id || user.role == Role::Admin => Ok(()),
            _ => Err((StatusCode::NOT_FOUND, format!("no batch {id}"))),
        }
    }

    /// `rproxy/batch/<verb>` for `user` (the policy has checked the role and the remotes).
    pub async fn call(&self, user: &User, verb: &str, p: &Map<String, Value>) -> Result<Value, CallError> {
        let id = || p.get("id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())).ok_or_else(|| bad("Didn't find key \"id\" in input"));
        match verb {
            "create" => self.create(user, p).await,
            "list" => {
                let mine: std::collections::HashSet<i64> =
                    self.owned((user.role != Role::Admin).then_some(user.id)).await.map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?.into_iter().collect();
                let all = self.runner.list().await.map_err(store_err)?;
                let batches: Vec<BatchInfo> = all.into_iter().filter(|b| mine.contains(&b.id)).collect();
                Ok(json!({ "batches": batches }))
            }
            "get" => {
                let id = id()?;
                self.visible(user, id).await?;
                let report = self.runner.report(id).await.map_err(store_err)?;
                Ok(serde_json::to_value(report).unwrap_or(Value::Null))
            }
            "pause" | "resume" | "cancel" | "retry" => {
                let id = id()?;
                self.visible(user, id).await?;
                match verb {
                    "pause" => self.runner.pause(id),
                    "resume" => self.runner.start(id).await.map_err(store_err)?,
                    "cancel" => self.runner.cancel(id).await.map_err(store_err)?,
                    _ => {
                        self.runner.store().retry_failed(id).await.map_err(store_err)?;
                        self.runner.start(id).await.map_err(store_err)?;
                    }
                }
                let info = self.runner.batch(id).await.map_err(store_err)?;
                Ok(serde_json::to_value(info).unwrap_or(Value::Null))
            }
            _ => Err((StatusCode::NOT_FOUND, format!("couldn't find method \"rproxy/batch/{verb}\""))),
        }
    }

    /// Plans the batch on the server (the selection's folders expanded, or every file under
    /// `srcFs`), records it as `user`'s and starts it.
    async fn create(&self, user: &User, p: &Map<String, Value>) -> Result<Value, CallError> {
        let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let kind = match text("kind").unwrap_or("copy") {
            "copy" => BatchKind::Copy,
            "move" => BatchKind::Move,
            "delete" => BatchKind::Delete,
            other => return Err(bad(format!("kind {other:?}: use copy, move or delete"))),
        };
        let src = RemotePath::parse(text("srcFs").ok_or_else(|| bad("Didn't find key \"srcFs\" in input"))?).map_err(|e| bad(e.to_string()))?;
        let dst = match (kind, text("dstFs")) {
            (BatchKind::Delete, _) => None,
            (_, Some(d)) => Some(RemotePath::parse(d).map_err(|e| bad(e.to_string()))?),
            (_, None) => return Err(bad("Didn't find key \"dstFs\" in input")),
        };
        if dst.as_ref() == Some(&src) {
            return Err(bad("source and destination are the same"));
        }
        // names: a JSON array, or a comma-separated string (form and query parameters)
        let names: Vec<String> = match p.get("names") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(s)) => s.split(',').filter(|n| !n.is_empty()).map(str::to_owned).collect(),
            _ => vec![],
        };
        let (root, picked) = (src.clone(), names.clone());
        let items = self
            .rc
            .call(&[&src.remote], &CancellationToken::new(), move |rc| {
                let (root, picked) = (root.clone(), picked.clone());
                async move { plan::for_names(&rc, &root, &picked).await }
            })
            .await
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        if items.is_empty() {
            return Err(bad(format!("{src} has no files")));
        }
        let store = self.runner.store();
        let id = store.create(kind, &src.to_string(), dst.as_ref().map(|d| d.to_string()).as_deref(), &items).await.map_err(store_err)?;
        on_pool!(&self.pool, p => sqlx::query("INSERT INTO batch_owners (batch_id, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(user.id)
            .bind(rcmd_core::batch::store::now_ms())
            .execute(p)
            .await.map(|_| ()))
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        self.runner.start(id).await.map_err(store_err)?;
        let info = self.runner.batch(id).await.map_err(store_err)?;
        Ok(serde_json::to_value(info).unwrap_or(Value::Null))
    }
}
