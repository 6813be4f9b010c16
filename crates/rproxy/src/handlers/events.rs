//! `GET rproxy/events`: the caller's event stream (server-sent events), from the id it names
//! (`Last-Event-ID` or `since=`), with a `reset` frame when that is past retention. The stream
//! ends when the credentials stop being valid.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header::HeaderName, HeaderMap, Method, StatusCode, Uri},
    response::Response,
};
use serde_json::{json, Value};

use crate::{
    auth::{Credentials, User},
    call::RcBody,
    error::{rc_error, RcError},
    gate::Caller,
    policy,
    state::AppState,
};

/// `GET rproxy/events`; any other method is an RC-style call of `rproxy/events` (refused).
pub(crate) async fn route(
    State(st): State<Arc<AppState>>,
    caller: Caller,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: RcBody,
) -> Result<Response, RcError> {
    if method != Method::GET {
        return super::admin::rc(State(st), caller, method, body).await;
    }
    Ok(stream(&st, &caller.user, caller.creds, caller.ip, &uri, &headers).await)
}

/// The stream for `user` (who presented `creds` from `client_ip`).
async fn stream(
    st: &AppState,
    user: &User,
    creds: Option<Credentials>,
    client_ip: Option<std::net::IpAddr>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    let path = "rproxy/events";
    let header_str = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
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
                path,
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
    st.events.stream(user.clone(), last, reset, alive)
}

/// The `reset` frame's data: why, and the present as `user` may see it (its unfinished jobs,
/// the queue's pending calls, rcd's state).
pub(crate) async fn snapshot(st: &AppState, user: &User, last: i64) -> Value {
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
