//! rproxy's own calls, one module per concern, each a route of the table in `router.rs`;
//! everything else is rcd's (`forward.rs`).

pub(crate) mod admin;
pub(crate) mod events;
pub(crate) mod files;
pub(crate) mod queued;

use std::sync::Arc;

use axum::{
    extract::State,
    http::{Method, StatusCode},
    response::Response,
};
use serde_json::{json, Value};
use tracing::info;

use crate::{
    auth::User,
    call::RcBody,
    error::RcError,
    gate::Caller,
    params::Params,
    policy,
    reply::{json_reply, not_found},
    state::AppState,
};

/// The policy's verdict on `user` calling `path` with `params`. A non-admin's `_group` is
/// dropped first: its stats group is rproxy's (`job/<id>` of its own async job), never one it
/// names, which could be another user's.
pub(crate) fn judge(user: &User, path: &str, params: &mut Params) -> Result<(), RcError> {
    if user.role != policy::Role::Admin {
        params.values.remove("_group");
    }
    policy::check(user.role, &user.remotes, path, &params.values).map_err(|denied| {
        info!(user = %user.name, path, reason = %denied, "refused");
        RcError::new(path, Some(&params.values), StatusCode::FORBIDDEN, denied.to_string())
    })
}

/// The parameters of a POST, judged by the policy; `None` for any other method (rcd answers
/// those with its 404).
pub(crate) fn judged_post(method: &Method, user: &User, path: &str, body: &RcBody) -> Result<Option<Params>, RcError> {
    if method != Method::POST {
        return Ok(None);
    }
    let mut params = body.params()?;
    judge(user, path, &mut params)?;
    Ok(Some(params))
}

/// `POST rproxy/whoami`: who the caller is, its role and remotes, rclone's version, and where
/// to start following events.
pub(crate) async fn whoami(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    method: Method,
    body: RcBody,
) -> Result<Response, RcError> {
    if judged_post(&method, &user, &path, &body)?.is_none() {
        return Ok(not_found());
    }
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
    Ok(json_reply(
        &json!({ "user": user.name, "role": user.role.as_str(), "remotes": user.remotes, "rclone": rclone, "executeId": st.jobs.execute_id, "lastEventId": last_event, "storeId": store }),
    ))
}

/// `POST rproxy/batch/<verb>`: batches that run on the server (`batches.rs`).
pub(crate) async fn batch(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    method: Method,
    body: RcBody,
) -> Result<Response, RcError> {
    let Some(params) = judged_post(&method, &user, &path, &body)? else {
        return Ok(not_found());
    };
    let verb = path.strip_prefix("rproxy/batch/").unwrap_or_default();
    match st.batches.call(&user, verb, &params.values).await {
        Ok(v) => Ok(json_reply(&v)),
        Err((status, msg)) => Err(RcError::new(&path, Some(&params.values), status, msg)),
    }
}
