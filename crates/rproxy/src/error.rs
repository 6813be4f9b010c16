//! The wire format of failures, as rclone's rcd sends it: JSON `{error, input, path,
//! status}` with the same HTTP status, and a plain-text 401 with `WWW-Authenticate: Basic`
//! (`rclone rc` builds its error message from that reply).

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

/// rclone's JSON error body with `status`.
pub fn rc_error(path: &str, input: Option<&Map<String, Value>>, status: StatusCode, error: &str) -> Response {
    let body = json!({
        "error": error,
        // rcd echoes what it parsed: nothing is `{}`
        "input": Value::Object(input.cloned().unwrap_or_default()),
        "path": path,
        "status": status.as_u16(),
    });
    let text = serde_json::to_string_pretty(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], text).into_response()
}

/// rcd's 401, byte for byte: `text/plain`, `Www-Authenticate: Basic realm=""`,
/// `401 Unauthorized\n`.
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain")),
            (header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"\"")),
        ],
        "401 Unauthorized\n",
    )
        .into_response()
}
