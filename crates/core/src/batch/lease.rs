//! One runner per batch across processes: a lease (owner id, host, pid, heartbeat) on the
//! batch's row, taken in one statement, renewed by a heartbeat, and taken over only when its
//! heartbeat is older than its timeout (the runner died or froze).

use std::time::Duration;

use sqlx::Row;

use super::store::{now_ms, Store, StoreError};

/// Who runs a batch. One per processor; the id is random per process start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseOwner {
    pub id: String,
    pub host: String,
    pub pid: u32,
    /// A lease not renewed for this long may be taken over.
    pub timeout: Duration,
}

impl LeaseOwner {
    /// This process, with `timeout`.
    pub fn this_process(timeout: Duration) -> Self {
        LeaseOwner {
            id: format!("{:032x}", rand::random::<u128>()),
            host: this_host().to_owned(),
            pid: std::process::id(),
            timeout,
        }
    }

    /// How often the heartbeat renews the lease: three renewals per timeout.
    pub fn heartbeat_every(&self) -> Duration {
        self.timeout / 3
    }
}

impl Default for LeaseOwner {
    fn default() -> Self {
        LeaseOwner::this_process(Duration::from_secs(30))
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Whether process `pid` of this machine is certainly gone. Linux reads `/proc` (a zombie
/// has exited too); macOS and Windows ask the OS's process table (sysinfo). A pid reused by
/// another process reads as alive: then the lease timeout decides.
fn process_gone(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
            Err(_) => true,
        }
    } else {
        use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
        let mut sys = System::new();
        let pid = Pid::from_u32(pid);
        sys.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, ProcessRefreshKind::nothing());
        sys.process(pid)
            .is_none_or(|p| p.status() == sysinfo::ProcessStatus::Zombie)
    }
}

fn describe(host: &str, pid: i64) -> String {
    format!("{host} pid {pid}")
}

/// "host pid N" when the lease columns describe a live lease: renewed within its timeout,
/// and, when it is held on this machine, by a process that still runs.
pub(super) fn live_runner(
    host: Option<String>,
    pid: Option<i64>,
    heartbeat: Option<i64>,
    timeout: Option<i64>,
) -> Option<String> {
    let (host, pid, heartbeat, timeout) = (host?, pid?, heartbeat?, timeout?);
    let fresh = now_ms() - heartbeat <= timeout;
    let gone = host == this_host() && process_gone(pid as u32);
    (fresh && !gone).then(|| describe(&host, pid))
}

fn this_host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(hostname)
}

impl Store {
    /// Takes the lease of batch `id` for `owner`, in one statement: free, already ours, or
    /// stale. Otherwise [`StoreError::Leased`] names the process that holds it.
    pub async fn acquire_lease(&self, id: i64, owner: &LeaseOwner) -> Result<(), StoreError> {
        let free = "lease_owner IS NULL OR lease_owner = ?1 OR lease_heartbeat + lease_timeout < ?2";
        if self.take_lease(id, owner, free, &owner.id).await? {
            return Ok(());
        }
        // a holder on this machine whose process is gone (killed, crashed) is not waited for
        if let Some((holder, pid)) = self.dead_local_holder(id, owner).await? {
            tracing::info!(
                batch = id,
                pid,
                "taking over the lease of a process that no longer runs"
            );
            if self.take_lease(id, owner, "lease_owner = ?1", &holder).await? {
                return Ok(());
            }
        }

        Err(match self.holder(id).await? {
            Some(runner) => StoreError::Leased { id, runner },
            None => StoreError::NoBatch(id),
        })
    }

    /// Sets `owner` as the holder where `condition` holds (`?1` is `arg`, `?2` now), in one
    /// statement; true when it did.
    async fn take_lease(&self, id: i64, owner: &LeaseOwner, condition: &str, arg: &str) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE batches SET lease_owner = ?3, lease_host = ?4, lease_pid = ?5, lease_heartbeat = ?2, lease_timeout = ?6
             WHERE id = ?7 AND ({condition}) RETURNING lease_owner"
        );
        let taken = sqlx::query(&sql)
            .bind(arg)
            .bind(now_ms())
            .bind(&owner.id)
            .bind(&owner.host)
            .bind(owner.pid as i64)
            .bind(owner.timeout.as_millis() as i64)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(taken.is_some())
    }

    /// The lease owner id and pid when the holder ran on this host and its process is gone.
    async fn dead_local_holder(&self, id: i64, me: &LeaseOwner) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query("SELECT lease_owner, lease_host, lease_pid FROM batches WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (owner, host, pid): (Option<String>, Option<String>, Option<i64>) = (row.get(0), row.get(1), row.get(2));
        Ok(match (owner, host, pid) {
            (Some(o), Some(h), Some(p)) if h == me.host && p as u32 != me.pid && process_gone(p as u32) => Some((o, p)),
            _ => None,
        })
    }

    /// Renews `owner`'s lease; [`StoreError::LeaseLost`] when another process took it over.
    pub async fn renew_lease(&self, id: i64, owner: &LeaseOwner) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE batches SET lease_heartbeat = ? WHERE id = ? AND lease_owner = ?")
            .bind(now_ms())
            .bind(id)
            .bind(&owner.id)
            .execute(self.pool())
            .await?
            .rows_affected();
        if n == 1 {
            return Ok(());
        }
        let runner = self.holder(id).await?.unwrap_or_else(|| "unknown".into());
        Err(StoreError::LeaseLost { id, runner })
    }

    /// Gives the lease up (no-op when it is not `owner`'s).
    pub async fn release_lease(&self, id: i64, owner: &LeaseOwner) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE batches SET lease_owner = NULL, lease_host = NULL, lease_pid = NULL, lease_heartbeat = NULL, lease_timeout = NULL
             WHERE id = ? AND lease_owner = ?",
        )
        .bind(id)
        .bind(&owner.id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The holder of batch `id`'s lease ("host pid N"), live or not; `None` for no batch.
    async fn holder(&self, id: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT lease_host, lease_pid FROM batches WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(
            row.map(|r| match (r.get::<Option<String>, _>(0), r.get::<Option<i64>, _>(1)) {
                (Some(h), Some(p)) => describe(&h, p),
                _ => "released".into(),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rcmd_types::BatchKind;

    fn owner(ms: u64) -> LeaseOwner {
        LeaseOwner {
            timeout: Duration::from_millis(ms),
            ..LeaseOwner::default()
        }
    }

    /// Two handles on one database file stand for two processes.
    #[tokio::test]
    async fn one_runner_at_a_time_and_takeover_of_a_stale_lease() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(&dir.path().join("rcmd.db")).await.unwrap();
        let b = Store::open(&dir.path().join("rcmd.db")).await.unwrap();
        let id = a.create(BatchKind::Copy, "a:x", Some("b:y"), &[]).await.unwrap();
        let (oa, ob) = (owner(400), owner(400));
        a.acquire_lease(id, &oa).await.unwrap();
        a.acquire_lease(id, &oa).await.unwrap(); // re-entrant for its owner
        let err = b.acquire_lease(id, &ob).await.unwrap_err();
        assert!(matches!(err, StoreError::Leased { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(
            b.batch(id).await.unwrap().runner.is_some(),
            "a live lease shows its runner"
        );

        // heartbeats keep it
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            a.renew_lease(id, &oa).await.unwrap();
            assert!(b.acquire_lease(id, &ob).await.is_err());
        }
        // no heartbeat for longer than the timeout: taken over, and the old owner learns it
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(
            b.batch(id).await.unwrap().runner.is_none(),
            "a stale lease is not a runner"
        );
        b.acquire_lease(id, &ob).await.unwrap();
        let lost = a.renew_lease(id, &oa).await.unwrap_err();
        assert!(matches!(lost, StoreError::LeaseLost { .. }), "{lost:?}");
        // release frees it at once; releasing someone else's lease does nothing
        a.release_lease(id, &oa).await.unwrap();
        assert!(a.acquire_lease(id, &oa).await.is_err());
        b.release_lease(id, &ob).await.unwrap();
        a.acquire_lease(id, &oa).await.unwrap();
    }
}
