//! Running instances: each rproxy registers itself in the shared database and renews its row
//! (heartbeat) with its rcd backend and load; the admin API lists them. An instance whose
//! heartbeat is older than the lease is gone (its queue leases run out the same way).

use std::time::Duration;

use serde::Serialize;

use super::Pool;
use crate::on_pool;

use rcmd_core::batch::store::now_ms;

/// How often an instance renews its row.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// An instance silent for this long is reported gone.
pub const GONE_AFTER: Duration = Duration::from_secs(20);

/// A registered instance as the admin API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceInfo {
    pub id: String,
    pub started_at: i64,
    pub heartbeat_at: i64,
    /// Its rclone backend: state, endpoint and version.
    pub rcd: String,
    /// Queued calls waiting or running there.
    pub load: i64,
    /// Heartbeat within [`GONE_AFTER`].
    pub alive: bool,
}

fn alive(heartbeat_at: i64) -> bool {
    now_ms() - heartbeat_at < GONE_AFTER.as_millis() as i64
}

/// Rows older than this are deleted when listing.
const FORGET_AFTER_MS: i64 = 3_600_000;

/// The registry, on either dialect (the same SQL for both).
#[derive(Clone)]
pub struct Registry(pub Pool);

impl Registry {
    /// Creates or renews instance `id`'s row.
    pub async fn beat(&self, id: &str, rcd: &str, load: i64) -> Result<(), sqlx::Error> {
        let now = now_ms();
        on_pool!(&self.0, p => sqlx::query(
            "INSERT INTO instances (id, started_at, heartbeat_at, rcd, load) VALUES ($1, $2, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, rcd = excluded.rcd, load = excluded.load",
        )
        .bind(id)
        .bind(now)
        .bind(rcd)
        .bind(load)
        .execute(p)
        .await
        .map(|_| ()))
    }

    /// The ids of the instances alive now: a recent heartbeat, and not a process of this
    /// host that is gone (killed processes' heartbeats still look recent for a while).
    pub async fn live(&self) -> Result<Vec<String>, sqlx::Error> {
        let since = now_ms() - GONE_AFTER.as_millis() as i64;
        let ids: Vec<String> = on_pool!(&self.0, p => sqlx::query_scalar("SELECT id FROM instances WHERE heartbeat_at >= $1").bind(since).fetch_all(p).await?);
        Ok(ids.into_iter().filter(|id| !gone_here(id)).collect())
    }

    /// Every registered instance, newest first; rows gone for over an hour are dropped.
    pub async fn list(&self) -> Result<Vec<InstanceInfo>, sqlx::Error> {
        let rows: Vec<(String, i64, i64, String, i64)> = on_pool!(&self.0, p => {
            sqlx::query("DELETE FROM instances WHERE heartbeat_at < $1").bind(now_ms() - FORGET_AFTER_MS).execute(p).await?;
            sqlx::query_as("SELECT id, started_at, heartbeat_at, rcd, load FROM instances ORDER BY started_at DESC, id").fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, started_at, heartbeat_at, rcd, load)| InstanceInfo {
                id,
                started_at,
                heartbeat_at,
                rcd,
                load,
                alive: alive(heartbeat_at),
            })
            .collect())
    }
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}

/// This process's instance id: host, process id and a random part (a restarted process with
/// a recycled pid is another instance).
pub fn this_instance() -> String {
    format!("{}:{}:{:08x}", host(), std::process::id(), rand::random::<u32>())
}

/// Whether instance `id` ran on this host and its process is gone (killed, crashed): its
/// heartbeat may still look recent. Only Linux can tell (`/proc`); elsewhere `false`.
pub fn gone_here(id: &str) -> bool {
    let mut parts = id.rsplitn(3, ':');
    let (_, pid, h) = (parts.next(), parts.next(), parts.next());
    match (h, pid.and_then(|p| p.parse::<u32>().ok())) {
        (Some(h), Some(pid)) if h == host() && std::path::Path::new("/proc/self").exists() => {
            pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}
