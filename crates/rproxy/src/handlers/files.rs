//! `rproxy/file`: one file's bytes, for clients whose disk is not the server's (the app's
//! quick view and edit in remote mode). Judged by [`policy::check_file`]: exactly `fs` and
//! `remote`, from the query.
//!
//! * `GET ?fs=&remote=` streams the file from rcd's `GET /[fs]/path` (`--rc-serve`); a single
//!   `Range: bytes=a-b` is passed on, no other request header is. The reply is marked as a
//!   download (`Content-Disposition: attachment`, `nosniff`, a sandbox CSP) so a browser
//!   never runs a served file in rproxy's origin.
//! * `POST ?fs=&remote=` with the raw bytes as the body writes it: rproxy builds the one
//!   multipart part itself (nothing of the client's request but the bytes reaches rcd), uploads
//!   to a temporary name beside the file (`operations/uploadfile`) and moves it over the file
//!   only when the upload is whole, so a broken upload never leaves a cut file in its place.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{RawQuery, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use futures_util::StreamExt;
use rcmd_core::rc::RcClient;
use serde_json::{json, Map, Value};
use tracing::info;

use crate::{error::RcError, gate::AuditNote, gate::Caller, policy, reply::not_found, state::AppState};

/// The largest file written through the route (413 beyond; the app's edit sends at most 64 MiB).
pub const MAX_UPLOAD: u64 = 256 << 20;
/// The reply headers of rcd's file reply that are passed on.
const PASSED: [header::HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_RANGE,
    header::ACCEPT_RANGES,
    header::LAST_MODIFIED,
];

/// `GET` and `POST rproxy/file` (any other method: rcd's 404).
pub(crate) async fn route(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    Extension(note): Extension<AuditNote>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Result<Response, RcError> {
    let write = match method {
        Method::GET => false,
        Method::POST => true,
        _ => return Ok(not_found()),
    };
    let values = query_params(&path, query.as_deref())?;
    note.remote(crate::audit::first_remote(&values));
    policy::check_file(user.role, &user.remotes, write, &values).map_err(|denied| {
        info!(user = %user.name, path, reason = %denied, "refused");
        RcError::new(&path, Some(&values), StatusCode::FORBIDDEN, denied.to_string())
    })?;
    let text = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (fs, remote) = (text("fs"), text("remote"));
    let rc = match st.rcd.client() {
        Ok(c) => c,
        Err(_) => st
            .rcd
            .wait_ready(Duration::from_secs(15))
            .await
            .map_err(|e| RcError::new(&path, Some(&values), StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?,
    };
    let failed = |e: rcmd_core::rc::RcError| rcd_error(&path, &values, e);
    if !write {
        let range = headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .filter(|r| simple_range(r));
        let resp = rc.serve_read(&fs, &remote, range).await.map_err(failed)?;
        return Ok(download(resp));
    }
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|len| *len > MAX_UPLOAD)
    {
        let msg = format!("the file is {len} bytes; rproxy/file takes at most {MAX_UPLOAD}");
        return Err(RcError::new(&path, Some(&values), StatusCode::PAYLOAD_TOO_LARGE, msg));
    }
    upload(&rc, &fs, &remote, body).await.map_err(failed)?;
    Ok(crate::reply::json_reply(&json!({})))
}

/// The query's parameters as text; a key given twice is refused (which one would count?).
fn query_params(path: &str, query: Option<&str>) -> Result<Map<String, Value>, RcError> {
    let mut values = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if values.insert(k.to_string(), Value::String(v.into_owned())).is_some() {
            let msg = format!("parameter {k} is given more than once");
            return Err(RcError::new(path, None, StatusCode::BAD_REQUEST, msg));
        }
    }
    Ok(values)
}

/// `bytes=A-B`, `bytes=A-` or `bytes=-N` (one range, digits only).
fn simple_range(r: &str) -> bool {
    let Some((a, b)) = r.strip_prefix("bytes=").and_then(|s| s.split_once('-')) else {
        return false;
    };
    let digits = |s: &str| s.len() <= 19 && s.bytes().all(|c| c.is_ascii_digit());
    digits(a) && digits(b) && !(a.is_empty() && b.is_empty())
}

/// rcd's file reply as a download.
fn download(resp: reqwest::Response) -> Response {
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::OK);
    let mut out = Response::builder().status(status);
    for name in PASSED {
        if let Some(v) = resp.headers().get(name.as_str()) {
            if let Ok(v) = HeaderValue::from_bytes(v.as_bytes()) {
                out = out.header(name, v);
            }
        }
    }
    out = out
        .header(header::CONTENT_DISPOSITION, "attachment")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'");
    out.body(Body::from_stream(resp.bytes_stream()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Uploads `body` beside `remote` under a temporary name, then moves it over `remote`; the
/// temporary file is removed when anything fails.
async fn upload(rc: &RcClient, fs: &str, remote: &str, body: Body) -> Result<(), rcmd_core::rc::RcError> {
    let (dir, name) = remote.rsplit_once('/').unwrap_or(("", remote));
    let temp_name = format!(".{name}.rcmd-upload-{:016x}", rand::random::<u64>());
    let temp = if dir.is_empty() {
        temp_name.clone()
    } else {
        format!("{dir}/{temp_name}")
    };
    let mut seen = 0u64;
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(std::io::Error::other)?;
        seen += chunk.len() as u64;
        if seen > MAX_UPLOAD {
            // rcd sees a broken upload: the temporary file is removed below
            return Err(std::io::Error::other(format!("the file is over {MAX_UPLOAD} bytes")));
        }
        Ok(chunk)
    });
    let result = match rc.upload_file(fs, dir, &temp_name, stream).await {
        Ok(()) => {
            rc.call::<_, Value>(
                "operations/movefile",
                &json!({ "srcFs": fs, "srcRemote": temp, "dstFs": fs, "dstRemote": remote }),
            )
            .await
        }
        Err(e) => Err(e),
    };
    if result.is_err() {
        // best effort: the upload may have stopped before rclone created anything
        let _ = rc
            .call::<_, Value>("operations/deletefile", &json!({ "fs": fs, "remote": temp }))
            .await;
    }
    result.map(drop)
}

/// An error of rcd (or of reaching it) in rcd's error format, with rcd's status where it
/// gave one.
fn rcd_error(path: &str, values: &Map<String, Value>, e: rcmd_core::rc::RcError) -> RcError {
    use rcmd_core::rc::RcError as E;
    let (status, message) = match &e {
        E::Api { status, message, .. } => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message.clone(),
        ),
        E::Transport { .. } => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        _ => (StatusCode::BAD_GATEWAY, e.to_string()),
    };
    RcError::new(path, Some(values), status, message)
}

#[cfg(test)]
mod tests {
    use super::simple_range;

    #[test]
    fn only_one_plain_range_is_passed_on() {
        for ok in ["bytes=0-99", "bytes=100-", "bytes=-5"] {
            assert!(simple_range(ok), "{ok}");
        }
        for bad in [
            "bytes=-",
            "bytes=0-1,5-9",
            "bytes=a-b",
            "items=0-1",
            "bytes=0-1\r\nX: y",
            "",
        ] {
            assert!(!simple_range(bad), "{bad}");
        }
    }
}
