//! rproxy's own calls, one module per concern; the router dispatches to them after
//! authentication, and forwards everything else to rcd under the policy.

pub(crate) mod admin;
pub(crate) mod events;
pub(crate) mod queued;

use serde_json::{json, Value};

use crate::{auth::User, reply::json_reply, router::AppState};
use axum::response::Response;

/// `rproxy/whoami`: who the caller is, its role and remotes, rclone's version, and where to
/// start following events.
pub(crate) async fn whoami(st: &AppState, user: &User) -> Response {
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
    json_reply(
        &json!({ "user": user.name, "role": user.role.as_str(), "remotes": user.remotes, "rclone": rclone, "executeId": st.jobs.execute_id, "lastEventId": last_event, "storeId": store }),
    )
}
