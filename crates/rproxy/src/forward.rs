//! The fallback of the route table: everything that is not rproxy's own call is rcd's, and
//! is forwarded to the supervised rcd under the policy (an allow-list with typed parameters),
//! with rproxy's durable job ids for `_async` calls and the queue for per-file calls. rcd's
//! reply goes back as rcd sent it (status, JSON body, `X-Rclone-Jobid`).

use std::{sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::{
    auth::User,
    call::RcBody,
    error::RcError,
    gate::Caller,
    handlers,
    jobs::{jobid_param, JobError},
    params, policy, queue,
    reply::{db_error, is_async, json_reply, not_found},
    state::AppState,
};

/// Every path the route table does not name: rcd's calls, judged by the policy, per-file calls
/// through the queue, `_async` calls under rproxy's durable job ids, then rcd itself.
pub(crate) async fn call(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    method: Method,
    body: RcBody,
) -> Result<Response, RcError> {
    let Some(params) = handlers::judged_post(&method, &user, &path, &body)? else {
        return Ok(not_found());
    };
    Ok(forward(&st, &user, &path, params).await)
}

/// The judged call `path` of `user`, to the queue or to rcd.
async fn forward(st: &AppState, user: &User, path: &str, mut params: params::Params) -> Response {
    let path = path.to_owned();
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
                return RcError::new(
                    &path,
                    Some(&params.values),
                    StatusCode::SERVICE_UNAVAILABLE,
                    e.to_string(),
                )
                .into_response()
            }
        },
    };
    // rproxy's own job ids
    let job_not_found = |p: &params::Params| {
        RcError::new(
            &path,
            Some(&p.values),
            StatusCode::INTERNAL_SERVER_ERROR,
            "job not found",
        )
        .into_response()
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
                Err(e) => RcError::new(
                    &path,
                    Some(&params.values),
                    StatusCode::INTERNAL_SERVER_ERROR,
                    e.to_string(),
                )
                .into_response(),
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
            if group.is_empty() && path == "core/stats" {
                // the user's own transfers (the app's header and Transfers view)
                return match rc.call::<_, Value>("core/stats", &json!({})).await {
                    Ok(global) => json_reply(&crate::own_stats::own(st, user, &global).await),
                    Err(e) => RcError::new(&path, Some(&params.values), StatusCode::BAD_GATEWAY, e.to_string())
                        .into_response(),
                };
            }
            if group.is_empty() && path != "job/stopgroup" {
                let msg =
                    "name one of your jobs (group=job/<id>): the figures of every user's transfers are for admins";
                return RcError::new(&path, Some(&params.values), StatusCode::FORBIDDEN, msg).into_response();
            }
            if !own {
                return RcError::new(
                    &path,
                    Some(&params.values),
                    StatusCode::FORBIDDEN,
                    format!("group {group:?} is not one of this user's jobs"),
                )
                .into_response();
            }
        }
        ("job/stop", Some(id)) if st.jobs.visible(user, id).await => match st.queue.stop_job(id).await {
            Ok(Some(queue::Stop::Stopped | queue::Stop::Finished)) => return json_reply(&json!({})),
            Ok(Some(queue::Stop::Running)) => {
                let msg = "this file is being copied together with other queued files; it cannot be stopped on its own";
                return RcError::new(&path, Some(&params.values), StatusCode::INTERNAL_SERVER_ERROR, msg)
                    .into_response();
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
        Err(e) => {
            return RcError::new(&path, Some(&params.values), StatusCode::BAD_GATEWAY, e.to_string()).into_response()
        }
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
