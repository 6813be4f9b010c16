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
    jobs::{jobid_param, JobError, Jobs},
    limit::RateLimit,
    params, policy,
    queue::{self, Queue},
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
        let last = header_str(HeaderName::from_static("last-event-id"))
            .or_else(|| {
                uri.query()
                    .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("since=")))
            })
            .and_then(|v| v.trim().parse::<i64>().ok());
        // a client that names where it stopped is told when that is past retention; a new
        // client just gets what is kept
        let gone = match last {
            Some(id) => st.events.gone_after(id).await,
            None => Ok(None),
        };
        let last = last.unwrap_or(0);
        let reset = match gone {
            Ok(Some(newest)) => Some((newest, snapshot(st, user, last).await)),
            Ok(None) => None,
            Err(e) => {
                return rc_error(
                    &path,
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("cannot read events: {e}"),
                )
            }
        };
        // the stream ends when these credentials stop being valid (an outage of the
        // database does not end it: only a verified refusal does)
        let (users, creds, addr) = (st.users.clone(), creds.clone(), client_ip);
        let alive: crate::events::Alive = Arc::new(move || {
            let (users, creds) = (users.clone(), creds.clone());
            Box::pin(async move {
                match &creds {
                    Some(c) => !matches!(
                        users.check_from(c, addr).await,
                        Err(crate::auth::Refusal::Invalid | crate::auth::Refusal::Expired)
                    ),
                    None => false,
                }
            })
        });
        return st.events.stream(user.clone(), last, reset, alive);
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
                Ok(p) => admin_call(st, &format!("rproxy/{verb}"), &p.values).await,
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

/// `rproxy/audit`, `rproxy/users`, `rproxy/user/add`, `rproxy/user/remove`, `rproxy/tokens`,
/// `rproxy/token/create`, `rproxy/token/revoke`, `rproxy/queue`: admin calls in RC form, so
/// `rclone rc --url ... rproxy/users` works too.
async fn admin_call(st: &AppState, path: &str, p: &serde_json::Map<String, Value>) -> Response {
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    let bad = |msg: String| rc_error(path, Some(p), StatusCode::BAD_REQUEST, &msg);
    let failed = |msg: String| rc_error(path, Some(p), StatusCode::INTERNAL_SERVER_ERROR, &msg);
    match path {
        "rproxy/audit" => {
            let limit = p
                .get("limit")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(100);
            match st.audit.latest(limit.clamp(1, 10_000)).await {
                Ok(v) => json_reply(&v),
                Err(e) => failed(e.to_string()),
            }
        }
        "rproxy/users" => match st.users.list().await {
            Ok(users) => json_reply(&json!({ "users": users })),
            Err(e) => failed(e.to_string()),
        },
        "rproxy/user/add" => {
            let Some(name) = text("name") else {
                return bad("Didn't find key \"name\" in input".into());
            };
            let role: policy::Role = match text("role").unwrap_or_else(|| "operator".into()).parse() {
                Ok(r) => r,
                Err(e) => return bad(e),
            };
            let remotes: Vec<String> = text("remotes")
                .map(|r| r.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            match st.users.add(&name, role, &remotes).await {
                // the token is in this one reply and nowhere else
                Ok((user, token)) => json_reply(&json!({ "user": user, "token": token.expose() })),
                Err(e @ (crate::auth::AuthError::Exists(_) | crate::auth::AuthError::BadName)) => bad(e.to_string()),
                Err(e) => failed(e.to_string()),
            }
        }
        "rproxy/user/remove" => {
            let Some(name) = text("name") else {
                return bad("Didn't find key \"name\" in input".into());
            };
            match st.users.remove(&name).await {
                Ok(true) => json_reply(&json!({ "removed": name })),
                Ok(false) => rc_error(path, Some(p), StatusCode::NOT_FOUND, &format!("no user {name:?}")),
                Err(e) => failed(e.to_string()),
            }
        }
        "rproxy/tokens" => match st.users.tokens(text("user").as_deref()).await {
            Ok(tokens) => json_reply(&json!({ "tokens": tokens })),
            Err(e) => failed(e.to_string()),
        },
        "rproxy/token/create" => {
            let Some(user) = text("user") else {
                return bad("Didn't find key \"user\" in input".into());
            };
            let valid_for = match text("expiresIn").map(|t| crate::error::parse_lifetime(&t)).transpose() {
                Ok(v) => v,
                Err(e) => return bad(e),
            };
            match st
                .users
                .create_token(&user, &text("label").unwrap_or_default(), valid_for)
                .await
            {
                // the token is in this one reply and nowhere else
                Ok((id, token)) => json_reply(&json!({ "id": id, "user": user, "token": token.expose() })),
                Err(e @ crate::auth::AuthError::NoUser(_)) => {
                    rc_error(path, Some(p), StatusCode::NOT_FOUND, &e.to_string())
                }
                Err(e) => failed(e.to_string()),
            }
        }
        "rproxy/token/revoke" => {
            let Some(id) = p
                .get("id")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            else {
                return bad("Didn't find key \"id\" in input".into());
            };
            match st.users.revoke_token(id).await {
                Ok(true) => json_reply(&json!({ "revoked": id })),
                Ok(false) => rc_error(path, Some(p), StatusCode::NOT_FOUND, &format!("no live token {id}")),
                Err(e) => failed(e.to_string()),
            }
        }
        "rproxy/instances" => match Registry(st.users.pool().clone()).list().await {
            Ok(all) => json_reply(&json!({ "self": st.instance, "instances": all })),
            Err(e) => failed(e.to_string()),
        },
        "rproxy/queue" => match st.queue.pending().await {
            Ok(n) => json_reply(&json!({ "pending": n })),
            Err(e) => failed(e.to_string()),
        },
        _ => rc_error(
            path,
            Some(p),
            StatusCode::NOT_FOUND,
            &format!("couldn't find method {path:?}"),
        ),
    }
}

/// The `reset` frame's data: why, and the present as `user` may see it (its unfinished jobs,
/// the queue's pending calls, rcd's state).
async fn snapshot(st: &AppState, user: &User, last: i64) -> Value {
    let jobs = st.jobs.list(user).await.ok();
    let rcd = crate::watch::state_name(&st.rcd.state());
    json!({
        "reason": format!("events after {last} are past the retention of {} days", crate::events::RETENTION.as_secs() / 86400),
        "snapshot": {
            "runningIds": jobs.as_ref().and_then(|j| j.get("runningIds").cloned()).unwrap_or(json!([])),
            "queuePending": st.queue.pending_of((user.role != policy::Role::Admin).then_some(user.id)).await.unwrap_or(0),
            "rcd": rcd,
        },
    })
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
        return admin_call(st, &path, &params.values).await;
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
        let version: Option<Value> = match st.rcd.client() {
            Ok(rc) => rc.call("core/version", &json!({})).await.ok(),
            Err(_) => None,
        };
        let rclone = version
            .as_ref()
            .and_then(|v| v.get("version"))
            .cloned()
            .unwrap_or(Value::Null);
        // where a client that has seen nothing yet starts following the event stream
        let last_event = st.events.newest().await.ok();
        let store = st.users.store_id().await.ok();
        return json_reply(
            &json!({ "user": user.name, "role": user.role.as_str(), "remotes": user.remotes, "rclone": rclone, "executeId": st.jobs.execute_id, "lastEventId": last_event, "storeId": store }),
        );
    }
    if let Some(verb) = path.strip_prefix("rproxy/batch/") {
        return match st.batches.call(user, verb, &params.values).await {
            Ok(v) => json_reply(&v),
            Err((status, msg)) => rc_error(&path, Some(&params.values), status, &msg),
        };
    }
    if let Some(req) = queue::eligible(&path, &params.values) {
        return queued_call(st, user, &path, &req, params).await;
    }
    if let Some(calls) = queued_batch(&path, &params.values) {
        return queued_batch_call(st, user, &path, calls).await;
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

/// One input of a queueable `job/batch`: its path, its queue request and its parameters.
type QueuedInput = (String, queue::Request, serde_json::Map<String, Value>);

/// The inputs of a synchronous `job/batch` when every one is a queueable per-file call.
fn queued_batch(path: &str, params: &serde_json::Map<String, Value>) -> Option<Vec<QueuedInput>> {
    if path != "job/batch" || is_async(params) || params.keys().any(|k| k != "inputs") {
        return None;
    }
    let inputs = params.get("inputs")?.as_array()?;
    if inputs.is_empty() {
        return None;
    }
    inputs
        .iter()
        .map(|input| {
            let mut input = input.as_object()?.clone();
            let path = input.remove("_path")?.as_str()?.to_owned();
            let req = queue::eligible(&path, &input)?;
            Some((path, req, input))
        })
        .collect()
}

/// A synchronous `job/batch` of per-file calls: all queued at once (one transaction for
/// many), answered when all are done, in rcd's `{"results": [...]}` shape.
async fn queued_batch_call(st: &AppState, user: &User, path: &str, calls: Vec<QueuedInput>) -> Response {
    let submitted = futures_util::future::join_all(
        calls
            .iter()
            .map(|(p, req, input)| st.queue.submit(user.id, p, req, input, false)),
    )
    .await;
    let mut waits = Vec::with_capacity(calls.len());
    for s in submitted {
        match s {
            Ok((item, _)) => waits.push(item),
            Err(e) => return submit_error(st, path, e),
        }
    }
    let ends = futures_util::future::join_all(waits.into_iter().map(|item| st.queue.wait(item))).await;
    let results: Vec<Value> = ends
        .into_iter()
        .zip(&calls)
        .map(|(end, (p, _, input))| match end {
            Ok(()) => json!({}),
            Err(f) => json!({ "error": f.error, "input": input, "path": p, "status": f.status }),
        })
        .collect();
    json_reply(&json!({ "results": results }))
}

/// A per-file call through the durable queue: `_async` answers with a job id at once; a
/// synchronous call waits for its own file, answering like rcd (`{}`, or rcd's error shape).
async fn queued_call(st: &AppState, user: &User, path: &str, req: &queue::Request, params: params::Params) -> Response {
    let input = &params.values;
    let (item, job) = match st.queue.submit(user.id, path, req, input, is_async(input)).await {
        Ok(r) => r,
        Err(e) => return submit_error(st, path, e),
    };
    if let Some(job) = job {
        let mut resp = json_reply(&json!({ "jobid": job, "executeId": st.jobs.execute_id }));
        if let Ok(v) = HeaderValue::from_str(&job.to_string()) {
            resp.headers_mut().insert(HeaderName::from_static("x-rclone-jobid"), v);
        }
        if params.prefer_async {
            resp.headers_mut().insert(
                HeaderName::from_static("preference-applied"),
                HeaderValue::from_static("respond-async"),
            );
            *resp.status_mut() = StatusCode::ACCEPTED;
        }
        return resp;
    }
    match st.queue.wait(item).await {
        Ok(()) => json_reply(&json!({})),
        Err(f) => rc_error(
            path,
            Some(input),
            StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &f.error,
        ),
    }
}

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
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

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

/// `resp` with `Retry-After` of `wait` (whole seconds, at least 1).
fn with_retry_after(mut resp: Response, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// 503 while the database is unreachable: the client retries after a moment; nothing is
/// started that could not be recorded.
fn unavailable(path: &str) -> Response {
    let msg = "the server's database is unreachable; try again shortly";
    with_retry_after(
        rc_error(path, None, StatusCode::SERVICE_UNAVAILABLE, msg),
        crate::db::health::PROBE_EVERY,
    )
}

/// A database failure as the caller sees it: 503 + Retry-After when the database cannot be
/// reached (and the server notes it is down), else 500 without the database's own text
/// (which is logged).
fn db_error(st: &AppState, path: &str, e: &(dyn std::error::Error + 'static)) -> Response {
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
fn submit_error(st: &AppState, path: &str, e: queue::SubmitError) -> Response {
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
