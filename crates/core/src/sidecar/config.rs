//! Settings of the sidecar supervisor.

use std::{path::PathBuf, time::Duration};

/// How the sidecar is launched and supervised. `Default` gives the app's settings.
#[derive(Clone, Debug)]
pub struct SidecarConfig {
    /// rclone config file; `None` lets rclone use `RCLONE_CONFIG` or its standard location.
    pub rclone_config: Option<PathBuf>,
    /// The password of an encrypted config, given to rclone as `RCLONE_CONFIG_PASS` (the
    /// environment, not the command line). Prints as `***`.
    pub config_password: Option<crate::secret::Secret>,
    /// How long a new process may take to answer `rc/noop`.
    pub ready_timeout: Duration,
    /// Time between health checks of a ready process.
    pub health_interval: Duration,
    /// Limit for one health check.
    pub health_timeout: Duration,
    /// Consecutive failed health checks after which the process is killed and restarted.
    pub unhealthy_after: u32,
    /// Launches in a row that may fail before the supervisor gives up (state `failed`).
    pub max_attempts: u32,
    /// Restart delay: `backoff_base * 2^(attempt-1)`, at most `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A process that stayed ready this long counts as a stable run (resets the attempt count).
    pub stable_after: Duration,
    /// How long rclone keeps finished jobs (`--rc-job-expire-duration`); rclone's default of
    /// 60 s can drop a result before a busy client reads it.
    pub job_expire: Duration,
    /// How long a graceful stop (`core/quit`) may take before the process is killed.
    pub stop_grace: Duration,
    /// rclone's log level (`--log-level`); its output goes to our tracing log.
    pub log_level: String,
    /// More rclone flags (e.g. `--low-level-retries=1` in tests). `--rc*` flags are refused.
    pub extra_args: Vec<String>,
    /// The oldest rclone accepted (see [`super::version::MINIMUM`]).
    pub min_version: String,
    /// Listen on a free loopback TCP port instead of a private unix socket (always so where
    /// there are no unix sockets). For tests that put a proxy between client and rclone.
    pub listen_tcp: bool,
    /// Folder for the records of running sidecars (see [`super::orphans`]): a sidecar left
    /// behind by a hard kill of its owner is stopped at the next start. `None`: no records
    /// ([`crate::engine::Engine`] sets `<data dir>/sidecars`).
    pub sidecar_records: Option<PathBuf>,
    /// Start rcd with `--rc-serve`: files can be read with `GET /[fs]/path` (rproxy's
    /// `rproxy/file` reads through it; only the holder of the RC password can).
    pub serve_files: bool,
}

impl Default for SidecarConfig {
    fn default() -> Self {
        SidecarConfig {
            rclone_config: None,
            config_password: None,
            ready_timeout: Duration::from_secs(20),
            health_interval: Duration::from_secs(2),
            health_timeout: Duration::from_secs(3),
            unhealthy_after: 3,
            max_attempts: 5,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            stable_after: Duration::from_secs(30),
            job_expire: Duration::from_secs(3600),
            stop_grace: Duration::from_secs(3),
            log_level: "NOTICE".into(),
            extra_args: Vec::new(),
            min_version: super::version::MINIMUM.to_owned(),
            listen_tcp: false,
            sidecar_records: None,
            serve_files: false,
        }
    }
}

impl SidecarConfig {
    /// Delay before launch number `attempt` (1-based) after a failure.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.backoff_base.saturating_mul(factor).min(self.backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let c = SidecarConfig::default();
        assert_eq!(c.backoff(1), Duration::from_millis(250));
        assert_eq!(c.backoff(2), Duration::from_millis(500));
        assert_eq!(c.backoff(4), Duration::from_secs(2));
        assert_eq!(c.backoff(10), Duration::from_secs(10));
        assert_eq!(c.backoff(u32::MAX), Duration::from_secs(10));
    }
}
