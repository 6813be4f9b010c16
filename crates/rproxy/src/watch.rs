//! Background watch that turns what happens into events: rproxy jobs rcd finishes (polled
//! every second, so a job ends in the stream even when nobody asks for its status) and
//! rcd going up or down, and circuit breakers changing state.

use std::time::Duration;

use rcmd_core::{
    events::{CoreEvent, EventBus},
    sidecar::Supervisor,
    types::SidecarState,
};
use serde_json::{json, Value};

use crate::{events::Events, jobs::Jobs};

/// How often running jobs are checked.
const EVERY: Duration = Duration::from_secs(1);

/// Starts the watch (inside a tokio runtime); it ends with the runtime.
pub fn start(jobs: Jobs, events: Events, rcd: Supervisor, bus: EventBus) {
    let ev = events.clone();
    let mut core = bus.subscribe();
    tokio::spawn(async move {
        loop {
            match core.recv().await {
                Ok(CoreEvent::Breaker {
                    remote,
                    from,
                    to,
                    reason,
                    ..
                }) => {
                    let data = json!({ "remote": remote, "from": from, "to": to, "reason": reason });
                    if let Err(e) = ev.emit("breaker", None, data).await {
                        tracing::warn!(error = %e, "cannot record an event");
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let pruner = events.clone();
    tokio::spawn(async move {
        loop {
            match pruner.prune(crate::events::RETENTION).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "old events deleted"),
                Err(e) => tracing::warn!(error = %e, "cannot delete old events"),
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    let (ev, sup) = (events.clone(), rcd.clone());
    tokio::spawn(async move {
        let mut state = sup.watch();
        let mut last = String::new();
        loop {
            let now = state_name(&state.borrow()).to_owned();
            if now != last {
                if let Err(e) = ev.emit("rcd_state", None, json!({ "state": now })).await {
                    tracing::warn!(error = %e, "cannot record an event");
                }
                last = now;
            }
            if state.changed().await.is_err() {
                return;
            }
        }
    });
    let stops = crate::db::stops::Stops(jobs.pool().clone());
    tokio::spawn(async move {
        // PostgreSQL: a stop asked on another instance wakes this loop at once (NOTIFY); the
        // one-second poll stays, so a lost notification delays a stop by at most that
        let woken = match jobs.pool() {
            crate::db::Pool::Pg(pg) => crate::db::events::PgWake::on(
                pg,
                crate::db::stops::CHANNEL,
                tokio_util::sync::CancellationToken::new(),
            )
            .await
            .ok()
            .map(|w| w.notify),
            crate::db::Pool::Sqlite(_) => None,
        };
        loop {
            match &woken {
                Some(n) => {
                    let _ = tokio::time::timeout(EVERY, n.notified()).await;
                }
                None => tokio::time::sleep(EVERY).await,
            }
            let Ok(rc) = rcd.client() else { continue };
            let Ok(ids) = jobs.unfinished().await else { continue };
            // `job/stop` asked on another instance for a job this one runs
            for id in stops.take(&ids).await.unwrap_or_default() {
                if let Ok(rcd_id) = jobs.rcd_id_of(id).await {
                    let r: Result<Value, _> = rc.call("job/stop", &json!({ "jobid": rcd_id })).await;
                    tracing::info!(job = id, ok = r.is_ok(), "job stopped at another instance's request");
                }
            }
            for id in ids {
                // the snapshot other instances answer job/status with, and the end's event
                if let Ok(true) = jobs.refresh(&rc, id).await {
                    events.notify();
                }
            }
        }
    });
}

/// rcd's state as events and snapshots name it.
pub fn state_name(state: &SidecarState) -> &'static str {
    match state {
        SidecarState::Ready { .. } => "up",
        SidecarState::Starting { .. } => "starting",
        SidecarState::Restarting { .. } => "restarting",
        SidecarState::Failed { .. } => "failed",
        SidecarState::Stopped => "stopped",
    }
}
