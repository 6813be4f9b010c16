//! The HTTP side: every rcd path, POST, parameters merged like rcd, authenticated,
//! authorized, then passed to the supervised rcd over its private socket; the reply goes back
//! as rcd sent it (status, JSON body, `X-Rclone-Jobid`).

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use rcmd_core::{engine::Engine, sidecar::Supervisor};
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::{
    audit::{Audit, Entry},
    auth::{parse_authorization, Credentials, User, Users},
    db::instances::Registry,
    error::{rc_error, unauthorized},
    events::Events,
    handlers,
    jobs::{jobid_param, JobError, Jobs},
    limit::RateLimit,
    params, policy,
    queue::{self, Queue},
    reply::{db_error, is_async, json_reply, unavailable, with_retry_after},
};

/// Largest request body accepted (413 above).
pub const MAX_BODY: usize = 8 << 20;

/// What every request needs.
pub struct AppState {
    pub users: Users,
    pub jobs: Jobs,
    pub events: Events,
    pub audit: Audit,
    pub limit: RateLimit,
    pub rcd: Supervisor,
    pub queue: Queue,
    pub batches: crate::batches::Batches,
    /// This process in the instances table (`rproxy/instances`).
    pub instance: String,
}

/// Default per-user rate limit: requests a second, and the burst allowed.
pub const RATE: f64 = 1000.0;
pub const BURST: f64 = 2000.0;

impl AppState {
    /// The state over `users` (whose database also holds jobs, the queue, events and the
    /// audit log) and the engine (its supervised rcd and batch processor), with the default
    /// rate limit. Starts the queue and the event watch: must run inside a tokio runtime.
    pub async fn new(users: Users, engine: &Engine) -> Result<AppState, sqlx::Error> {
        let rcd = engine.supervisor.clone();
        users.watch_changes();
        let instance = crate::db::instances::this_instance();
        let jobs = Jobs::new(users.pool().clone(), instance.clone()).await?;
        let audit = Audit::start(users.pool().clone());
        let events = Events::new(users.pool().clone());
        crate::watch::start(jobs.clone(), events.clone(), rcd.clone(), engine.bus.clone());
        let queue = Queue::start(
            users.pool().clone(),
            engine.processor.clone(),
            rcd.clone(),
            jobs.clone(),
            events.clone(),
            instance.clone(),
        );
        let batches = crate::batches::Batches::start(users.pool().clone(), engine, events.clone())
            .await
            .map_err(|e| sqlx::Error::Configuration(e.into()))?;
        heartbeat(
            Registry(users.pool().clone()),
            instance.clone(),
            rcd.clone(),
            queue.clone(),
        );
        Ok(AppState {
            users,
            jobs,
            events,
            audit,
            limit: RateLimit::new(RATE, BURST),
            rcd,
            queue,
            batches,
            instance,
        })
    }
}

/// Registers this instance and renews its row every few seconds with its rcd and load.
fn heartbeat(registry: Registry, id: String, rcd: Supervisor, queue: Queue) {
    tokio::spawn(async move {
        loop {
            let state = rcd.state();
            let backend = match &state {
                rcmd_core::types::SidecarState::Ready { endpoint, version, .. } => format!("up {endpoint} {version}"),
                other => crate::watch::state_name(other).to_owned(),
            };
            let load = queue.load().await.unwrap_or(0);
            if let Err(e) = registry.beat(&id, &backend, load).await {
                warn!(error = %e, "cannot renew this instance's registration");
            }
            tokio::time::sleep(crate::db::instances::HEARTBEAT).await;
        }
    });
}

/// The router: one handler for every path. Requests are traced (at debug level) with the
/// `Authorization` header marked sensitive, so a token never reaches a log.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(tower_http::trace::DefaultMakeSpan::new().include_headers(true)),
        )
        .layer(tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .with_state(state)
}

async fn handle(
    State(st): State<Arc<AppState>>,
    client: Option<axum::Extension<crate::serve::ClientAddr>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // the raw path, for the audit log of a refusal; a call runs only under its canonical name
    let raw_path = uri.path().trim_start_matches('/').to_owned();
    let client_ip = client.map(|a| a.0 .0.ip());
    let header_str = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // authentication first, for every method and path, like rcd with --rc-user
    let creds = header_str(header::AUTHORIZATION).and_then(parse_authorization);
    let user = match &creds {
        Some(c) => st.users.check_from(c, client_ip).await,
        None => Err(crate::auth::Refusal::Invalid),
    };
    let user = match user {
        Ok(u) => u,
        Err(refusal) => {
            info!(path = %raw_path, "refused: bad credentials");
            let tried = match creds {
                Some(Credentials::Basic { user, .. }) => format!("-{user}"),
                _ => "-".to_owned(),
            };
            let resp = match refusal {
                crate::auth::Refusal::Expired => crate::error::token_expired(),
                crate::auth::Refusal::Invalid => unauthorized(),
                crate::auth::Refusal::Limited(wait) => {
                    let msg = "too many failed logins: wait before trying again";
                    with_retry_after(rc_error(&raw_path, None, StatusCode::TOO_MANY_REQUESTS, msg), wait)
                }
                crate::auth::Refusal::Unavailable => unavailable(&raw_path),
            };
            st.audit.record(Entry {
                user: tried,
                path: raw_path,
                remote: None,
                status: resp.status().as_u16(),
            });
            return resp;
        }
    };
    // the body is read only now, after authentication, and only up to the limit
    let path = match crate::canonical::rc_path(uri.path()) {
        Ok(p) => p.to_owned(),
        Err(e) => {
            info!(user = %user.name, path = %raw_path, "refused: path not canonical");
            let resp = rc_error(&raw_path, None, StatusCode::BAD_REQUEST, &e.to_string());
            st.audit.record(Entry {
                user: user.name.clone(),
                path: raw_path,
                remote: None,
                status: resp.status().as_u16(),
            });
            return resp;
        }
    };
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| e.into_inner());
    let caller = Caller {
        user: &user,
        creds,
        ip: client_ip,
    };
    let resp = handle_user(&st, caller, method, &uri, &headers, body, &path).await;
    let remote = resp.extensions().get::<AuditRemote>().and_then(|r| r.0.clone());
    st.audit.record(Entry {
        user: user.name.clone(),
        path,
        remote,
        status: resp.status().as_u16(),
    });
    resp
}

/// An authenticated caller: the user, the credentials it presented and its address (event
/// streams re-check them).
struct Caller<'a> {
    user: &'a User,
    creds: Option<Credentials>,
    ip: Option<std::net::IpAddr>,
}

async fn handle_user(
    st: &AppState,
    Caller {
        user,
        creds,
        ip: client_ip,
    }: Caller<'_>,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, axum::BoxError>,
    path: &str,
) -> Response {
    let path = path.to_owned();
    let header_str = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(wait) = st.limit.check(user.id) {
        return with_retry_after(
            rc_error(
                &path,
                None,
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests: slow down",
            ),
            wait,
        );
    }
    if st.users.health.is_down() {
        return unavailable(&path);
    }
    let body = match body {
        Ok(b) => b,
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return rc_error(
                &path,
                None,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body refused: larger than {MAX_BODY} bytes"),
            )
        }
        Err(e) => {
            return rc_error(
                &path,
                None,
                StatusCode::BAD_REQUEST,
                &format!("request body refused: {e}"),
            )
        }
    };
    if header_str(header::CONTENT_TYPE).is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("multipart/")) {
        // rcd reads uploads (operations/uploadfile) from multipart bodies; rproxy forwards
        // parameters as JSON and would drop the file: refused, never silently lost
        let msg = "multipart bodies (operations/uploadfile) are not supported through rproxy: upload with operations/copyfile from a remote, or a batch";
        return rc_error(&path, None, StatusCode::NOT_IMPLEMENTED, msg);
    }
    if method == Method::GET && path == "rproxy/events" {
        return handlers::events::stream(st, user, creds, client_ip, uri, headers).await;
    }
    // the admin API's REST spelling: `/rproxy/admin/<verb>` is the RC-style `rproxy/<verb>`;
    // reads also answer GET (parameters in the query)
    if let Some(verb) = path.strip_prefix("rproxy/admin/") {
        let read = matches!(verb, "users" | "tokens" | "audit" | "queue");
        if method == Method::POST || (method == Method::GET && read) {
            if user.role != policy::Role::Admin {
                return rc_error(
                    &path,
                    None,
                    StatusCode::FORBIDDEN,
                    &format!("{path} is not allowed for the {} role", user.role.as_str()),
                );
            }
            let empty = Bytes::new();
            let body = if method == Method::GET { &empty } else { &body };
            return match params::merge(uri.query(), header_str(header::CONTENT_TYPE), body, None) {
                Ok(p) => handlers::admin::call(st, &format!("rproxy/{verb}"), &p.values).await,
                Err(e) => rc_error(&path, None, StatusCode::BAD_REQUEST, &e.to_string()),
            };
        }
    }
    if method != Method::POST {
        // rcd without --rc-serve has nothing to GET
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Not Found\n",
        )
            .into_response();
    }
    let params = match params::merge(
        uri.query(),
        header_str(header::CONTENT_TYPE),
        &body,
        header_str(HeaderName::from_static("prefer")),
    ) {
        Ok(p) => p,
        Err(e) => return rc_error(&path, None, StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let remote = crate::audit::first_remote(&params.values);
    let mut resp = call(st, user, &path, params).await;
    resp.extensions_mut().insert(AuditRemote(remote));
    resp
}

/// The remote a call named, carried to the audit entry.
#[derive(Clone)]
struct AuditRemote(Option<String>);

/// An authenticated, parsed call: admin calls, policy, job ids, then rcd.
async fn call(st: &AppState, user: &User, path: &str, mut params: params::Params) -> Response {
    let path = path.to_owned();
    // rproxy's own admin calls (admins only, by the policy's `rproxy/` prefix)
    if path.starts_with("rproxy/")
        && !path.starts_with("rproxy/batch/")
        && path != "rproxy/whoami"
        && user.role == policy::Role::Admin
    {
        return handlers::admin::call(st, &path, &params.values).await;
    }
    if user.role != policy::Role::Admin {
        // a non-admin's stats group is rproxy's (`job/<id>` of its own async job): never one
        // it names, which could be another user's
        params.values.remove("_group");
    }
    if let Err(denied) = policy::check(user.role, &user.remotes, &path, &params.values) {
        info!(user = %user.name, path, reason = %denied, "refused");
        return rc_error(&path, Some(&params.values), StatusCode::FORBIDDEN, &denied.to_string());
    }
    if path == "rproxy/whoami" {
        return handlers::whoami(st, user).await;
    }
    if let Some(verb) = path.strip_prefix("rproxy/batch/") {
        return match st.batches.call(user, verb, &params.values).await {
            Ok(v) => json_reply(&v),
            Err((status, msg)) => rc_error(&path, Some(&params.values), status, &msg),
        };
    }
    if let Some(req) = queue::eligible(&path, &params.values) {
        return handlers::queued::call(st, user, &path, &req, params).await;
    }
    if let Some(calls) = handlers::queued::batch_inputs(&path, &params.values) {
        return handlers::queued::batch(st, user, &path, calls).await;
    }
    let rc = match st.rcd.client() {
        Ok(c) => c,
        Err(_) => match st.rcd.wait_ready(Duration::from_secs(15)).await {
            Ok(c) => c,
            Err(e) => {
                return rc_error(
                    &path,
                    Some(&params.values),
                    StatusCode::SERVICE_UNAVAILABLE,
                    &e.to_string(),
                )
            }
        },
    };
    // rproxy's own job ids
    let job_not_found = |p: &params::Params| {
        rc_error(
            &path,
            Some(&p.values),
            StatusCode::INTERNAL_SERVER_ERROR,
            "job not found",
        )
    };
    match (path.as_str(), jobid_param(&params.values)) {
        ("job/status", Some(id)) => {
            return match st.jobs.status(&rc, user, id).await {
                Ok((v, ended)) => {
                    if ended {
                        st.events.notify();
                    }
                    json_reply(&v)
                }
                Err(JobError::NotFound) => job_not_found(&params),
                Err(JobError::Db(e)) => db_error(st, &path, &e),
            }
        }
        ("job/list", _) => {
            return match st.jobs.list(user).await {
                Ok(v) => json_reply(&v),
                Err(JobError::Db(e)) => db_error(st, &path, &e),
                Err(e) => rc_error(
                    &path,
                    Some(&params.values),
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                ),
            }
        }
        ("job/stopgroup" | "core/stats" | "core/transferred", _) if user.role != policy::Role::Admin => {
            // a group is a job's (`job/<rproxy id>`): only its owner stops it or reads its
            // figures; without a group the figures are every user's transfers (file names)
            let group = params.values.get("group").and_then(Value::as_str).unwrap_or("");
            let own = match group.strip_prefix("job/").and_then(|id| id.parse().ok()) {
                Some(id) => st.jobs.visible(user, id).await,
                None => false,
            };
            if group.is_empty() && path != "job/stopgroup" {
                let msg =
                    "name one of your jobs (group=job/<id>): the figures of every user's transfers are for admins";
                return rc_error(&path, Some(&params.values), StatusCode::FORBIDDEN, msg);
            }
            if !own {
                return rc_error(
                    &path,
                    Some(&params.values),
                    StatusCode::FORBIDDEN,
                    &format!("group {group:?} is not one of this user's jobs"),
                );
            }
        }
        ("job/stop", Some(id)) if st.jobs.visible(user, id).await => match st.queue.stop_job(id).await {
            Ok(Some(queue::Stop::Stopped | queue::Stop::Finished)) => return json_reply(&json!({})),
            Ok(Some(queue::Stop::Running)) => {
                let msg = "this file is being copied together with other queued files; it cannot be stopped on its own";
                return rc_error(&path, Some(&params.values), StatusCode::INTERNAL_SERVER_ERROR, msg);
            }
            Ok(None) => match (st.jobs.rcd_id(user, id).await, st.jobs.is_mine(id).await) {
                (Ok(rcd_id), Ok(true)) => {
                    params.values.insert("jobid".into(), json!(rcd_id));
                }
                // another instance's rclone runs it: that instance takes the request within
                // a second (woken at once on PostgreSQL) and stops it; rcd answers `{}` too
                (Ok(_), Ok(false)) => {
                    return match crate::db::stops::Stops(st.users.pool().clone())
                        .request(id, &st.instance)
                        .await
                    {
                        Ok(()) => json_reply(&json!({})),
                        Err(e) => db_error(st, &path, &e),
                    };
                }
                _ => return job_not_found(&params),
            },
            Err(e) => return db_error(st, &path, &e),
        },
        ("job/stop", Some(_)) => return job_not_found(&params),
        _ => {}
    }
    let job = if is_async(&params.values) {
        match st.jobs.create(user, &path).await {
            Ok(id) => {
                // its stats group carries rproxy's id, so `core/stats group=job/<id>` works
                params
                    .values
                    .entry("_group")
                    .or_insert_with(|| json!(format!("job/{id}")));
                debug_assert!(
                    user.role == policy::Role::Admin || params.values["_group"] == json!(format!("job/{id}"))
                );
                Some(id)
            }
            Err(e) => return db_error(st, &path, &e),
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
        let started = (reply.status == 200)
            .then(|| serde_json::from_slice::<Value>(&reply.body).ok())
            .flatten();
        let rcd = started
            .as_ref()
            .and_then(|v| Some((v.get("jobid")?.as_i64()?, v.get("executeId")?.as_str()?.to_owned())));
        match rcd {
            Some((rcd_id, execute_id)) => {
                if let Err(e) = st.jobs.started(id, rcd_id, &execute_id).await {
                    tracing::warn!(error = %e, "cannot record a job");
                }
                if let Err(e) = st
                    .events
                    .emit("job_started", Some(user.id), json!({ "id": id, "path": path }))
                    .await
                {
                    tracing::warn!(error = %e, "cannot record an event");
                }
                reply.body = serde_json::to_vec_pretty(&json!({ "jobid": id, "executeId": st.jobs.execute_id }))
                    .unwrap_or_default();
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
    tracing::debug!(user = %user.name, path, status = reply.status, "rc call");
    let mut body = reply.body;
    if path == "rc/list" && reply.status == 200 {
        body = filter_rc_list(&body, user).unwrap_or(body);
    }
    if path == "config/listremotes" && reply.status == 200 && !user.remotes.is_empty() {
        body = filter_remotes(&body, user).unwrap_or(body);
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
    // rcd's own content type (the body is not parsed again to find it)
    let content_type = reply
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
        .unwrap_or(HeaderValue::from_static("application/json"));
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    if let Some(id) = reply.jobid.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        h.insert(HeaderName::from_static("x-rclone-jobid"), id);
    }
    if params.prefer_async && status == StatusCode::OK {
        h.insert(
            HeaderName::from_static("preference-applied"),
            HeaderValue::from_static("respond-async"),
        );
        *resp.status_mut() = StatusCode::ACCEPTED;
    }
    resp
}

use axum::http::HeaderName;

/// `rc/list` shows only what the caller's role may call.
fn filter_rc_list(body: &[u8], user: &User) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let commands = v.get_mut("commands")?.as_array_mut()?;
    commands.retain(|c| {
        c.get("Path")
            .and_then(Value::as_str)
            .is_some_and(|p| policy::may_call(user.role, p))
    });
    serde_json::to_vec_pretty(&v).ok()
}

/// `config/listremotes` of a user limited to some remotes shows only those.
fn filter_remotes(body: &[u8], user: &User) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let remotes = v.get_mut("remotes")?.as_array_mut()?;
    remotes.retain(|r| r.as_str().is_some_and(|r| user.remotes.iter().any(|m| m == r)));
    serde_json::to_vec_pretty(&v).ok()
}
