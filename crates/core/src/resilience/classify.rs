//! The one place that interprets rclone's error texts and statuses.
//!
//! rclone reports most backend failures as HTTP 500 with the backend's message in `error`,
//! so some conditions can only be recognised by their text.

use crate::rc::RcError;

/// rclone's `job/status` for an unknown id: HTTP 500 `{"error": "job not found"}`
/// (rc/jobs/job.go `rcJobStatus`). Happens after rclone restarts or once a finished job expired.
pub fn is_job_not_found(err: &RcError) -> bool {
    matches!(err, RcError::Api { status: 500, message, .. } if message == "job not found")
}

/// rclone answers 404 for "object not found", "directory not found" and unknown RC methods.
pub fn is_not_found(err: &RcError) -> bool {
    err.status() == Some(404)
}

/// rclone answers 400 for malformed JSON and bad or missing parameters.
pub fn is_bad_request(err: &RcError) -> bool {
    err.status() == Some(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, message: &str) -> RcError {
        RcError::Api { path: "p".into(), status, message: message.into(), input: Default::default() }
    }

    #[test]
    fn classifies_rclone_replies() {
        assert!(is_job_not_found(&api(500, "job not found")));
        assert!(!is_job_not_found(&api(500, "directory not found")));
        assert!(is_not_found(&api(404, "object not found")));
        assert!(!is_not_found(&api(500, "didn't find section in config file (\"x\")")));
        assert!(is_bad_request(&api(400, "failed to read input JSON: unexpected EOF")));
    }
}
