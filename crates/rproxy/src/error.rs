//! The wire format of failures, as rclone's rcd sends it: JSON `{error, input, path,
//! status}` with the same HTTP status, and a plain-text 401 with `WWW-Authenticate: Basic`
//! (`rclone rc` builds its error message from that reply).

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

/// A refused or failed call, answered in rcd's error format (see [`rc_error`]): handlers
/// return it with `?` and the router renders it.
#[derive(Debug)]
pub struct RcError {
    pub path: String,
    /// The parameters as parsed (rcd echoes them); `None`: `{}`.
    pub input: Option<Map<String, Value>>,
    pub status: StatusCode,
    pub message: String,
}

impl RcError {
    pub fn new(path: &str, input: Option<&Map<String, Value>>, status: StatusCode, message: impl Into<String>) -> Self {
        RcError {
            path: path.to_owned(),
            input: input.cloned(),
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for RcError {
    fn into_response(self) -> Response {
        rc_error(&self.path, self.input.as_ref(), self.status, &self.message)
    }
}

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
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        text,
    )
        .into_response()
}

/// rcd's 401, byte for byte: `text/plain`, `Www-Authenticate: Basic realm=""`,
/// `401 Unauthorized\n`.
/// The 401 for a right token past its expiry: rcd's reply plus a header saying why, so RCMD
/// can tell the user to ask for a new token.
pub fn token_expired() -> Response {
    let mut r = unauthorized();
    r.headers_mut().insert(
        header::HeaderName::from_static(rcmd_core::rc::TOKEN_EXPIRED_HEADER),
        HeaderValue::from_static(rcmd_core::rc::TOKEN_EXPIRED),
    );
    r
}

/// How long a token lives, from `30d`, `12h`, `90m`, `45s` or a number of seconds.
pub fn parse_lifetime(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?}: give a lifetime like 30d, 12h, 90m or 45s"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("{text:?}: the unit is one of s, m, h, d")),
    };
    if secs == 0 {
        return Err("a token lifetime must be more than zero".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

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
