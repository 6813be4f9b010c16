//! Replies every handler shares: JSON as rcd prints it, `Retry-After`, and how database and
//! queue failures reach the caller.

use std::time::Duration;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use crate::{error::rc_error, queue, state::AppState};

/// `_async` as rcd reads it (a bool, or a string that parses as one).
pub(crate) fn is_async(params: &serde_json::Map<String, Value>) -> bool {
    match params.get("_async") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// rcd's answer to a GET (rcd without `--rc-serve` has nothing to GET).
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not Found\n",
    )
        .into_response()
}

/// A 200 JSON reply, pretty-printed like rcd's.
pub(crate) fn json_reply(v: &Value) -> Response {
    let body = serde_json::to_vec_pretty(v).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// `resp` with `Retry-After` of `wait` (whole seconds, at least 1).
pub(crate) fn with_retry_after(mut resp: Response, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// 503 while the database is unreachable: the client retries after a moment; nothing is
/// started that could not be recorded.
pub(crate) fn unavailable(path: &str) -> Response {
    let msg = "the server's database is unreachable; try again shortly";
    with_retry_after(
        rc_error(path, None, StatusCode::SERVICE_UNAVAILABLE, msg),
        crate::db::health::PROBE_EVERY,
    )
}

/// A database failure as the caller sees it: 503 + Retry-After when the database cannot be
/// reached (and the server notes it is down), else 500 without the database's own text
/// (which is logged).
pub(crate) fn db_error(st: &AppState, path: &str, e: &(dyn std::error::Error + 'static)) -> Response {
    let sqlx_err = e.downcast_ref::<sqlx::Error>();
    if let Some(err) = sqlx_err.filter(|err| crate::db::health::is_connection_error(err)) {
        st.users.health.failed(st.users.pool(), err);
        return unavailable(path);
    }
    tracing::error!(path, error = %e, "database error");
    rc_error(
        path,
        None,
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not record this call (database error; see the server log)",
    )
}

/// A call the queue could not take.
pub(crate) fn submit_error(st: &AppState, path: &str, e: queue::SubmitError) -> Response {
    match e {
        queue::SubmitError::Unavailable => {
            st.users.health.down(st.users.pool(), &e);
            unavailable(path)
        }
        queue::SubmitError::ShuttingDown => with_retry_after(
            rc_error(path, None, StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
            Duration::from_secs(5),
        ),
        queue::SubmitError::Db(detail) => {
            tracing::error!(path, error = %detail, "cannot queue a call");
            rc_error(
                path,
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server could not record this call (database error; see the server log)",
            )
        }
    }
}
