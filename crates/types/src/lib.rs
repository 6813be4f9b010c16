//! Wire types shared by the RCMD core, the Tauri shell and the wasm UI.
//!
//! Everything here is plain serde data, so the UI (built for wasm32 with another compiler)
//! and the backend agree on one definition of each message.

use serde::{Deserialize, Serialize};

/// Name of the Tauri event that carries a new [`SidecarState`].
pub const EVENT_SIDECAR_STATE: &str = "sidecar-state";

/// Lifecycle of the local rclone sidecar, as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SidecarState {
    /// A process is being launched; `attempt` counts launches since the last stable run.
    Starting { attempt: u32 },
    /// rclone answers on its RC port.
    Ready {
        pid: u32,
        /// The loopback port; 0 when rclone listens on a private unix socket.
        port: u16,
        /// Where the RC server listens: `unix:<path>` or `127.0.0.1:<port>`.
        #[serde(default)]
        endpoint: String,
        /// rclone's version string, e.g. `v1.75.2`.
        version: String,
        /// Milliseconds from supervisor start until this process answered `rc/noop`.
        ready_after_ms: u64,
    },
    /// The process died or stopped answering; a new one is launched after `retry_in_ms`.
    Restarting {
        attempt: u32,
        problem: SidecarProblem,
        retry_in_ms: u64,
    },
    /// The supervisor gave up; the user can ask for a restart.
    Failed { problem: SidecarProblem },
    /// Stopped on purpose (app exit).
    Stopped,
}

impl SidecarState {
    /// True when RC calls can be made.
    pub fn is_ready(&self) -> bool {
        matches!(self, SidecarState::Ready { .. })
    }
}

/// Why the sidecar is not running. The UI turns each variant into a localized sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SidecarProblem {
    /// The rclone binary could not be found or started.
    SpawnFailed { message: String },
    /// The process exited. `code` is its exit code, `signal` the signal that killed it (Unix).
    Exited { code: Option<i32>, signal: Option<i32> },
    /// The process never answered `rc/noop` within the readiness timeout.
    NotReady { timeout_ms: u64 },
    /// The process stopped answering health checks and was killed.
    Unresponsive { failed_checks: u32 },
    /// Too many launches in a row failed; `last` is the final one's problem.
    TooManyRestarts { attempts: u32, last: Box<SidecarProblem> },
}

/// One entry of a directory listing (`operations/list`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    /// Path relative to the remote's root.
    pub path: String,
    /// Size in bytes; -1 when the backend does not know it.
    pub size: i64,
    /// RFC 3339 modification time as rclone reports it.
    pub mod_time: String,
    pub is_dir: bool,
    pub mime_type: Option<String>,
}

/// A directory listing and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirListing {
    pub entries: Vec<FileEntry>,
    /// Age in ms of a cached listing served while the remote's breaker is open.
    pub stale_ms: Option<u64>,
    /// The fallback remote that answered while the remote's breaker is open.
    pub fallback: Option<String>,
}

/// Space usage of a remote (`operations/about`); each field is absent when the backend can't tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteUsage {
    pub total: Option<i64>,
    pub used: Option<i64>,
    pub free: Option<i64>,
    pub trashed: Option<i64>,
    pub other: Option<i64>,
    pub objects: Option<i64>,
}

/// One file being transferred right now (`core/stats` `transferring`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferNow {
    pub name: String,
    /// Size in bytes; -1 when unknown.
    pub size: i64,
    pub bytes: u64,
    /// 0..=100
    pub percentage: u8,
    /// Bytes per second (rclone's moving average).
    pub speed: f64,
    pub eta_s: Option<u64>,
    /// `remote:root` of each side, when rclone reports it.
    pub src_fs: Option<String>,
    pub dst_fs: Option<String>,
}

/// An item a batch finished (done or failed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferDone {
    pub name: String,
    pub size: i64,
    /// Empty when it succeeded.
    pub error: String,
    /// Unix ms.
    pub completed_at_ms: i64,
}

/// The transfers view: everything in flight, the last finished, the total speed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferStats {
    /// Bytes per second over all transfers.
    pub speed: f64,
    pub bytes: u64,
    pub transfers: u64,
    pub errors: u64,
    pub transferring: Vec<TransferNow>,
    /// Newest first.
    pub done: Vec<TransferDone>,
}

/// `core/bwlimit`: the live limit; `rate` is rclone's text ("off", "10M", "1M:512k").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BwLimit {
    pub rate: String,
    /// Bytes per second for download/upload; -1 when off.
    pub bytes_per_second: i64,
}

/// What "Properties" shows for one file or folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Properties {
    pub path: String,
    pub is_dir: bool,
    /// Total size (a folder: every file below it).
    pub bytes: i64,
    /// Files below a folder; 1 for a file.
    pub count: i64,
    pub mod_time: Option<String>,
    pub mime_type: Option<String>,
    /// (hash name, hex) for each hash the backend supports (files only).
    pub hashes: Vec<(String, String)>,
    /// A public link, when the backend makes one; else why not.
    pub public_link: Option<String>,
    pub public_link_error: Option<String>,
}

/// What the page asks for when it loads (Tauri does not replay events to late listeners).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSnapshot {
    pub app_version: String,
    pub sidecar: SidecarState,
    /// The rclone config file in use, when one was chosen explicitly.
    pub rclone_config: Option<String>,
    /// Batches interrupted by a crash or exit resume when the app starts.
    pub auto_resume_batches: bool,
    /// The engine could not start (database locked or corrupt, disk full): shown instead of
    /// the file browser.
    #[serde(default)]
    pub startup_error: Option<String>,
    /// The settings file was unusable and kept aside; the app runs with defaults.
    #[serde(default)]
    pub settings_problem: Option<String>,
    /// What the app talks to (`None` only when the engine did not start).
    #[serde(default)]
    pub connection: Option<ConnectionView>,
}

/// Name of the Tauri event that carries a new [`ConnectionView`].
pub const EVENT_CONNECTION_STATE: &str = "connection-state";

/// What the app talks to: this computer's bundled rclone, or a saved rproxy server, and how
/// that link is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// Grows with every switch: the page starts over (remotes, listing, jobs) when it changes.
    pub generation: u64,
    /// `None`: this computer; else the saved server's name.
    pub server: Option<String>,
    pub url: Option<String>,
    pub user: Option<String>,
    pub state: LinkState,
    /// Why the server is offline or refused us (never a secret).
    pub error: Option<String>,
    /// When offline: the next try is in this long.
    pub retry_in_ms: Option<u64>,
    /// After an outage: how long the link was down.
    pub down_for_ms: Option<u64>,
}

/// State of the link to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// This computer's rclone (its own state is [`SidecarState`]).
    Local,
    Connecting,
    Connected,
    Offline,
    /// The server refused the credentials.
    Refused,
}

/// A saved rproxy server as the settings page shows it (the token only says whether it is set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub name: String,
    pub url: String,
    pub user: String,
    pub ca_file: Option<String>,
    pub token_set: bool,
}

/// What "Test connection" found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCheckView {
    pub reachable: bool,
    /// `None`: plain HTTP.
    pub tls_trusted: Option<bool>,
    pub authenticated: bool,
    pub user: Option<String>,
    pub role: Option<String>,
    pub rclone_version: Option<String>,
    /// What is wrong, in words (`None`: all is well).
    pub problem: Option<String>,
}

/// The error every Tauri command returns: a stable `kind` the UI localizes, plus detail text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpcError {
    pub kind: IpcErrorKind,
    /// Detail in English from the backend (never contains secrets).
    pub message: String,
    /// The classified failure, with a suggestion, when there is one.
    #[serde(default)]
    pub failure: Option<FailureInfo>,
}

/// Coarse error categories for the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorKind {
    /// rclone is starting, restarting or failed.
    NotReady,
    /// The user gave a bad remote name or path.
    InvalidInput,
    /// The file or directory does not exist.
    NotFound,
    /// rclone answered with an error.
    Rclone,
    /// rclone could not be reached.
    Transport,
    /// The remote's circuit breaker is open: calls are paused.
    CircuitOpen,
    /// The server of the active connection is offline or refused RCMD's credentials.
    Connection,
    /// Anything else.
    Internal,
}

/// Name of the Tauri event that carries a [`BreakerSnapshot`] after a breaker changed state.
pub const EVENT_BREAKER_STATE: &str = "breaker-state";

/// What a failure means for what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Try again later (maybe after `retry_after`).
    Retryable,
    /// Needs the user: credentials, permissions, quota, configuration.
    Permanent,
    /// The object or directory does not exist.
    NotFound,
    /// Stopped on purpose; never retried.
    Cancelled,
    /// A job moved some items and failed others.
    Partial,
}

/// The specific cause, finer than the class; each has a suggestion for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    RateLimited,
    ServerError,
    Network,
    Timeout,
    Stalled,
    JobLost,
    RcloneNotReady,
    RemotePaused,
    Unauthorized,
    Forbidden,
    StorageFull,
    NeedsReconnect,
    RemoteNotConfigured,
    BackendMissing,
    BadRequest,
    NotFound,
    Cancelled,
    Partial,
    Unknown,
    /// The RC endpoint itself (the local rclone, or an rproxy server) refused RCMD's
    /// credentials: about the connection, never about a remote.
    RcRefused,
    /// The server's identity could not be verified: its TLS certificate is not trusted,
    /// expired or for another name, it refused ours, or an SSH host key changed.
    Certificate,
    /// The object is in an archive storage class and must be restored first.
    NotRestored,
    /// The destination does not accept the name (too long, characters or encoding).
    InvalidName,
    /// A folder to remove still holds something.
    NotEmpty,
    /// One of rclone's own stop conditions was reached (--max-transfer, --max-duration,
    /// --max-delete, overlapping remotes, --immutable).
    LimitReached,
    /// An encrypted (crypt) file cannot be decrypted: wrong password or salt, not encrypted,
    /// or damaged.
    Undecryptable,
    /// The copy arrived with another size or hash than the source: retried.
    Corrupted,
}

/// A classified failure as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureInfo {
    pub class: FailureClass,
    pub reason: FailureReason,
    /// Whether retrying can help (retryable, or a partial job whose errors were retryable).
    pub retryable: bool,
    pub retry_after_ms: Option<u64>,
    /// The error text (no secrets).
    pub message: String,
    pub suggestion_en: String,
    pub suggestion_ko: String,
}

/// Circuit breaker states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
    /// Opened by the user; stays open until reset.
    ForcedOpen,
}

/// Why a breaker changed state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BreakerReason {
    FailureRate { rate: f64, calls: u32 },
    ConsecutiveFailures { count: u32 },
    SlowCalls { rate: f64, calls: u32 },
    OpenElapsed,
    ProbeFailed,
    ProbesSucceeded { count: u32 },
    ManualReset,
    ForcedOpen,
}

/// The state of one remote's breaker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakerSnapshot {
    pub remote: String,
    pub state: BreakerState,
    /// Share of failed calls in the sliding window (0..1); `None` below the minimum number of calls.
    pub failure_rate: Option<f64>,
    pub calls_in_window: u32,
    pub consecutive_failures: u32,
    /// How many times it opened in a row (the open time grows with it).
    pub trips: u32,
    /// Milliseconds until the next probe is allowed, when open.
    pub next_probe_in_ms: Option<u64>,
    pub last_failure: Option<FailureInfo>,
    /// Why it last changed state.
    pub last_reason: Option<BreakerReason>,
}

/// Name of the Tauri event that carries a [`BatchInfo`] after a batch changed status.
pub const EVENT_BATCH_STATE: &str = "batch-state";

/// What a batch does with its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Copy,
    Move,
    Delete,
}

/// Lifecycle of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Queued,
    Running,
    Paused,
    Completed,
    CompletedWithErrors,
    Failed,
    Cancelled,
}

impl BatchStatus {
    /// The batch can still make progress (by running or resuming it).
    pub fn is_resumable(self) -> bool {
        matches!(self, BatchStatus::Queued | BatchStatus::Running | BatchStatus::Paused)
    }
}

/// Lifecycle of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

/// Counts and bytes per item state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub pending: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
    pub skipped: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl StateCounts {
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.done + self.failed + self.skipped
    }
}

/// A batch as lists show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub id: i64,
    pub kind: BatchKind,
    pub src: String,
    pub dst: Option<String>,
    pub status: BatchStatus,
    pub pause_reason: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub counts: StateCounts,
    /// The process running the batch right now, when its lease is live ("host pid 1234");
    /// a `running` batch without one was interrupted.
    #[serde(default)]
    pub runner: Option<String>,
}

/// One failed item of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedItem {
    pub path: String,
    pub attempts: u32,
    pub class: Option<FailureClass>,
    pub reason: Option<FailureReason>,
    pub retryable: bool,
    pub error: String,
    pub suggestion_en: String,
    pub suggestion_ko: String,
}

/// The partial-success report of a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    pub batch: BatchInfo,
    pub failed: Vec<FailedItem>,
    pub resumable: bool,
    /// Items handed to rclone more than once (in flight at a crash, or retried).
    pub retried: u64,
}

/// Live progress of a running batch (sent often, throttled).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchProgress {
    pub id: i64,
    pub items_done: u64,
    pub items_failed: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Bytes per second over the current chunk.
    pub speed: f64,
    pub eta_s: Option<f64>,
}

/// What a schedule does when its time comes while the batch of its previous run is still
/// unfinished (running, queued or paused): never two runs at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    /// This run is skipped (and reported as skipped).
    #[default]
    Skip,
    /// This run waits until the previous batch is finished, then starts (one run waits at most).
    Wait,
}

/// A scheduled batch as the user describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub name: String,
    /// Five-field cron expression in local time, e.g. `0 2 * * *` (every night at 02:00).
    pub cron: String,
    pub kind: BatchKind,
    pub src: String,
    pub dst: Option<String>,
    #[serde(default)]
    pub overlap: Overlap,
    /// After the computer was off or asleep at run time: run the latest missed run once, late
    /// (older missed runs are reported as missed either way).
    #[serde(default = "yes")]
    pub catch_up: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A stored schedule with its next time and its latest run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInfo {
    pub id: i64,
    #[serde(flatten)]
    pub spec: ScheduleSpec,
    /// Unix ms of the next run (none when disabled).
    pub next_ms: Option<i64>,
    pub last: Option<ScheduleRun>,
}

/// What became of one due time of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Its batch was started on time.
    Started,
    /// Its batch was started after the computer woke or RCMD started (catch-up).
    StartedLate,
    /// Nothing ran: RCMD was not running or the computer was off or asleep.
    Missed,
    /// Nothing ran: the previous run was unfinished (overlap rule "skip").
    Skipped,
    /// Waiting for the previous run to finish (overlap rule "wait").
    Waiting,
    /// The batch could not be created (the error is in `detail`).
    Failed,
}

/// One due time of a schedule and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRun {
    pub schedule_id: i64,
    pub schedule_name: String,
    /// Unix ms of the due time.
    pub due_ms: i64,
    pub outcome: RunOutcome,
    pub batch_id: Option<i64>,
    pub detail: Option<String>,
    /// Unix ms when this was recorded.
    pub at_ms: i64,
}

/// Event: a schedule run was recorded or changed (payload [`ScheduleRun`]).
pub const EVENT_SCHEDULE_RUN: &str = "schedule-run";

/// One of rclone's storage systems (`config/providers`), with the options its form shows.
/// Field names are rclone's (PascalCase) on both sides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Provider {
    pub name: String,
    pub description: String,
    pub prefix: String,
    pub options: Vec<ProviderOption>,
}

/// One option of a provider, or one question of the configuration state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProviderOption {
    pub name: String,
    pub help: String,
    /// For some backends (s3), the option applies only to these providers (`"AWS,Ceph"`, or
    /// `"!AWS"` for all but).
    pub provider: String,
    pub default_str: String,
    /// The current value in an edit (config/get), as text.
    pub value_str: String,
    pub required: bool,
    pub is_password: bool,
    pub advanced: bool,
    /// Only the examples' values are allowed.
    pub exclusive: bool,
    /// A secret that is not a password (tokens, keys): never shown.
    pub sensitive: bool,
    /// Non-zero: rclone hides this option from configuration.
    pub hide: i64,
    #[serde(rename = "Type")]
    pub kind: String,
    pub examples: Option<Vec<OptionExample>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OptionExample {
    pub value: String,
    pub help: String,
    pub provider: String,
}

/// A step of rclone's non-interactive configuration (`config/create`/`config/update`): done
/// when `state` is empty; else `option` is the next question, `error` what was wrong with the
/// last answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConfigStep {
    pub state: String,
    pub option: Option<ProviderOption>,
    pub error: String,
    pub result: String,
}

impl ConfigStep {
    pub fn is_done(&self) -> bool {
        self.state.is_empty()
    }

    /// The question opens a web browser for an OAuth login (rclone waits for its redirect).
    pub fn is_oauth_browser(&self) -> bool {
        self.state.starts_with("*oauth-islocal") || self.option.as_ref().is_some_and(|o| o.name == "config_is_local")
    }
}

/// A configured remote for the editor: its type and options, secrets left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Option values as text; passwords and other secrets are not included.
    pub values: std::collections::BTreeMap<String, String>,
    /// Secret options that have a value (shown as "set; leave empty to keep").
    pub secrets_set: Vec<String>,
}

/// One line of the app's log file (app and rclone lines; rclone's have target `rclone`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// RFC 3339 UTC, as written.
    pub at: String,
    /// ERROR, WARN, INFO, DEBUG or TRACE.
    pub level: String,
    pub target: String,
    /// The message with its fields (and continuation lines, such as a panic's).
    pub message: String,
}

/// What the log view asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    /// The least severe level shown (`warn` shows WARN and ERROR); empty: all.
    pub level: String,
    /// Lines containing this text (case-insensitive); empty: all.
    pub text: String,
    /// At most this many lines, the newest (0: 2,000).
    pub limit: usize,
}

/// A waiting OAuth login (rclone's `config/oauthstatus`): `running` with the URL the browser
/// must open (rclone opens it itself too), or `stopped`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OAuthStatus {
    pub status: String,
    pub auth_url: String,
}

/// The rclone config's lock: encrypted or not, and whether rclone has its password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigLock {
    pub path: Option<String>,
    pub encrypted: bool,
    pub unlocked: bool,
    /// The password is kept in the OS keyring.
    pub remembered: bool,
}

/// Start at login.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutostartState {
    pub enabled: bool,
    pub minimized: bool,
}

/// The system timer that runs schedules while the app is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerState {
    /// systemd user units are installed.
    pub systemd: bool,
    /// What the timer runs (`<program> schedule run-due`), for a crontab line by hand.
    pub command: String,
}

/// Event: the window was closed (or quit chosen in the tray) while batches run; the page asks
/// what to do (payload: the number of running batches).
pub const EVENT_CLOSE_REQUESTED: &str = "close-requested";
