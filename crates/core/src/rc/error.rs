//! Errors of the RC client.

use std::time::Duration;

/// A failed RC call. Display texts never include request bodies (they can hold secrets).
#[derive(Debug, thiserror::Error)]
pub enum RcError {
    /// rclone (or, for a server's client, the rproxy server) could not be reached or the
    /// connection broke.
    #[error("could not reach {} for {path}: {source}", if *.server { "the server" } else { "rclone" })]
    Transport {
        path: String,
        /// The endpoint is an rproxy server, not this computer's rclone.
        server: bool,
        #[source]
        source: reqwest::Error,
    },
    /// rclone answered with its JSON error body.
    #[error("rclone {path} failed (HTTP {status}): {message}")]
    Api {
        path: String,
        status: u16,
        message: String,
        /// The `input` rclone echoed back; kept for diagnosis, never displayed.
        input: serde_json::Value,
        /// The reply's `Retry-After` header (rproxy sends one when it sheds load).
        retry_after: Option<Duration>,
    },
    /// rclone (or rproxy) refused the RC credentials; `expired`: rproxy said the token was
    /// valid but has expired.
    #[error("{} for {path} (HTTP 401)", if *.expired { "the token has expired" } else { "the credentials were refused" })]
    Unauthorized { path: String, expired: bool },
    /// A reply that is neither a result nor rclone's error body (e.g. from a proxy in between).
    #[error("unexpected reply from rclone for {path} (HTTP {status}): {snippet}")]
    Unexpected {
        path: String,
        status: u16,
        snippet: String,
        retry_after: Option<Duration>,
    },
    /// The request parameters could not be encoded.
    #[error("could not encode the request for {path}: {source}")]
    Encode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// A successful reply did not have the expected shape.
    #[error("could not decode rclone's reply for {path}: {source}")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// The job is gone: rclone restarted (new `executeId`) or the job expired.
    #[error("job {jobid} was lost: {reason}")]
    JobLost { jobid: i64, reason: String },
    /// The job finished with an error; `stats` are its group's `core/stats` when known.
    #[error("job {jobid} failed: {message}")]
    JobFailed {
        jobid: i64,
        message: String,
        stats: Option<super::wire::GroupStats>,
    },
    /// The job stopped making progress (no bytes, checks or transfers for `idle`) and was
    /// stopped by the watchdog.
    #[error("job {jobid} made no progress for {idle:?} and was stopped")]
    Stalled { jobid: i64, idle: Duration },
    /// The job was stopped because its transfers kept failing (`errors` in a row, nothing
    /// succeeding): `last_error` is rclone's, and says what the remote did.
    #[error("job {jobid} was stopped after {errors} failures in a row: {last_error}")]
    JobFailing {
        jobid: i64,
        errors: u64,
        last_error: String,
    },
    /// A file's bytes stopped coming (or going) over HTTP for `idle` ([`RcClient::server_read`]).
    ///
    /// [`RcClient::server_read`]: super::RcClient::server_read
    #[error("{path}: no bytes moved for {idle:?}; stopped")]
    BodyStalled { path: String, idle: Duration },
    /// The job made no progress and a probe found one of its remotes unreachable, so it was
    /// stopped; `message` names the side and carries the probe's error.
    #[error("{message} (job {jobid} stopped)")]
    Unreachable { jobid: i64, message: String },
    /// `job/stop` was sent but the job did not end within `waited`: it may still be writing.
    #[error("job {jobid} did not stop within {waited:?} after it was asked to; it may still be running")]
    JobNotStopped { jobid: i64, waited: Duration },
    /// The job did not finish within the caller's limit (it may still be running).
    #[error("job {jobid} did not finish within {waited:?}")]
    JobTimeout { jobid: i64, waited: Duration },
}

impl RcError {
    /// The HTTP status of an API error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            RcError::Api { status, .. } => Some(*status),
            RcError::Unauthorized { .. } => Some(401),
            RcError::Unexpected { status, .. } => Some(*status),
            _ => None,
        }
    }
}
