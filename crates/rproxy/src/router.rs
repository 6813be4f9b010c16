//! The HTTP side: every rcd path, POST, parameters merged like rcd, authenticated,
//! authorized, then passed to the supervised rcd over its private socket; the reply goes back
//! as rcd sent it (status, JSON body, `X-Rclone-Jobid`).

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use rcmd_core::sidecar::Supervisor;
use serde_json::{json, Value};
use tracing::info;

use crate::{
    auth::{parse_authorization, User, Users},
    error::{rc_error, unauthorized},
    jobs::{jobid_param, JobError, Jobs},
    params, policy,
};

/// Largest request body accepted (413 above).
pub const MAX_BODY: usize = 8 << 20;

/// What every request needs.
pub struct AppState {
    pub users: Users,
    pub jobs: Jobs,
    pub rcd: Supervisor,
}

impl AppState {
    /// The state over `users` (whose database also holds the jobs) and the supervised rcd.
    pub async fn new(users: Users, rcd: Supervisor) -> Result<AppState, sqlx::Error> {
        let jobs = Jobs::new(users.pool().clone()).await?;
        Ok(AppState { users, jobs, rcd })
    }
}

/// The router: one handler for every path.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).layer(DefaultBodyLimit::max(MAX_BODY)).with_state(state)
}

async fn handle(State(st): State<Arc<AppState>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().trim_start_matches('/').to_owned();
    let header_str = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // authentication first, for every method and path, like rcd with --rc-user
    let Some(creds) = header_str(header::AUTHORIZATION).and_then(parse_authorization) else {
        return unauthorized();
    };
    let Some(user) = st.users.verify(&creds).await else {
        info!(path, "refused: bad credentials");
        return unauthorized();
    };
    if method != Method::POST {
        // rcd without --rc-serve has nothing to GET
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 page not found\n").into_response();
    }
    let mut params = match params::merge(uri.query(), header_str(header::CONTENT_TYPE), &body, header_str(HeaderName::from_static("prefer"))) {
        Ok(p) => p,
        Err(e) => return rc_error(&path, None, StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if let Err(denied) = policy::check(user.role, &user.remotes, &path, &params.values) {
        info!(user = %user.name, path, reason = %denied, "refused");
        return rc_error(&path, Some(&params.values), StatusCode::FORBIDDEN, &denied.to_string());
    }
    let rc = match st.rcd.client() {
        Ok(c) => c,
        Err(_) => match st.rcd.wait_ready(Duration::from_secs(15)).await {
            Ok(c) => c,
            Err(e) => return rc_error(&path, Some(&params.values), StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        },
    };
    // rproxy's own job ids
    let job_not_found = |p: &params::Params| rc_error(&path, Some(&p.values), StatusCode::INTERNAL_SERVER_ERROR, "job not found");
    match (path.as_str(), jobid_param(&params.values)) {
        ("job/status", Some(id)) => {
            return match st.jobs.status(&rc, &user, id).await {
                Ok(v) => json_reply(&v),
                Err(JobError::NotFound) => job_not_found(&params),
                Err(e) => rc_error(&path, Some(&params.values), StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        }
        ("job/list", _) => {
            return match st.jobs.list(&user).await {
                Ok(v) => json_reply(&v),
                Err(e) => rc_error(&path, Some(&params.values), StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
            }
        }
        ("job/stop", Some(id)) => match st.jobs.rcd_id(&user, id).await {
            Ok(rcd_id) => {
                params.values.insert("jobid".into(), json!(rcd_id));
            }
            Err(_) => return job_not_found(&params),
        },
        _ => {}
    }
    let job = if is_async(&params.values) {
        match st.jobs.create(&user, &path).await {
            Ok(id) => {
                // its stats group carries rproxy's id, so `core/stats group=job/<id>` works
                params.values.entry("_group").or_insert_with(|| json!(format!("job/{id}")));
                Some(id)
            }
            Err(e) => return rc_error(&path, Some(&params.values), StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    } else {
        None
    };
    let bytes = serde_json::to_vec(&params.values).unwrap_or_default();
    let mut reply = match rc.call_raw(&path, bytes).await {
        Ok(r) => r,
        Err(e) => return rc_error(&path, Some(&params.values), StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    if let Some(id) = job {
        let started = (reply.status == 200).then(|| serde_json::from_slice::<Value>(&reply.body).ok()).flatten();
        let rcd = started.as_ref().and_then(|v| Some((v.get("jobid")?.as_i64()?, v.get("executeId")?.as_str()?.to_owned())));
        match rcd {
            Some((rcd_id, execute_id)) => {
                if let Err(e) = st.jobs.started(id, rcd_id, &execute_id).await {
                    tracing::warn!(error = %e, "cannot record a job");
                }
                reply.body = serde_json::to_vec_pretty(&json!({ "jobid": id, "executeId": st.jobs.execute_id })).unwrap_or_default();
                reply.jobid = Some(id);
            }
            None => {
                let _ = st.jobs.discard(id).await;
            }
        }
    } else {
        // a synchronous call's rcd id is gone once it answered, and is not an rproxy id
        reply.jobid = None;
    }
    info!(user = %user.name, path, status = reply.status, "rc call");
    let mut body = reply.body;
    if path == "rc/list" && reply.status == 200 {
        body = filter_rc_list(&body, &user).unwrap_or(body);
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let json = serde_json::from_slice::<Value>(&body).is_ok();
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(if json { "application/json" } else { "text/plain" }));
    if let Some(id) = reply.jobid.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        h.insert(HeaderName::from_static("x-rclone-jobid"), id);
    }
    if params.prefer_async && status == StatusCode::OK {
        h.insert(HeaderName::from_static("preference-applied"), HeaderValue::from_static("respond-async"));
        *resp.status_mut() = StatusCode::ACCEPTED;
    }
    resp
}

use axum::http::HeaderName;

/// `_async` as rcd reads it (a bool, or a string that parses as one).
fn is_async(params: &serde_json::Map<String, Value>) -> bool {
    match params.get("_async") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A 200 JSON reply, pretty-printed like rcd's.
fn json_reply(v: &Value) -> Response {
    let body = serde_json::to_vec_pretty(v).unwrap_or_default();
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// `rc/list` shows only what the caller's role may call.
fn filter_rc_list(body: &[u8], user: &User) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let commands = v.get_mut("commands")?.as_array_mut()?;
    commands.retain(|c| c.get("Path").and_then(Value::as_str).is_some_and(|p| policy::may_call(user.role, p)));
    serde_json::to_vec_pretty(&v).ok()
}
