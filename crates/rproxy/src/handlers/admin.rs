//! rproxy's admin calls in RC form (`rproxy/users`, `rproxy/token/create`, ...), also under
//! the REST spelling `/rproxy/admin/<verb>`: admins only.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Map, Value};

use crate::{
    auth::AuthError,
    call::RcBody,
    db::instances::Registry,
    error::RcError,
    gate::Caller,
    policy,
    reply::{json_reply, not_found},
    state::AppState,
};

/// `POST rproxy/<verb>`: the admin calls in RC form; a non-admin is refused by the policy
/// (which lets no one but admins call `rproxy/` paths other than whoami and batches).
pub(crate) async fn rc(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    method: Method,
    body: RcBody,
) -> Result<Response, RcError> {
    // for an admin the policy allows every rproxy/ call
    let Some(params) = super::judged_post(&method, &user, &path, &body)? else {
        return Ok(not_found());
    };
    if user.role != policy::Role::Admin {
        // nothing under rproxy/ is rcd's: never forwarded, whatever the policy says
        let msg = format!("couldn't find method {path:?}");
        return Err(RcError::new(&path, Some(&params.values), StatusCode::NOT_FOUND, msg));
    }
    Ok(call(&st, &path, &params.values).await)
}

/// The admin API's REST spelling: `/rproxy/admin/<verb>` is the RC-style `rproxy/<verb>`;
/// reads also answer GET (parameters in the query). Admins only.
pub(crate) async fn rest(
    State(st): State<Arc<AppState>>,
    Caller { user, path, .. }: Caller,
    method: Method,
    body: RcBody,
) -> Result<Response, RcError> {
    let verb = path.strip_prefix("rproxy/admin/").unwrap_or_default();
    let read = matches!(verb, "users" | "tokens" | "audit" | "queue");
    if !(method == Method::POST || (method == Method::GET && read)) {
        return Ok(not_found());
    }
    if user.role != policy::Role::Admin {
        let msg = format!("{path} is not allowed for the {} role", user.role.as_str());
        return Err(RcError::new(&path, None, StatusCode::FORBIDDEN, msg));
    }
    let params = if method == Method::GET {
        body.query_params()?
    } else {
        body.params()?
    };
    Ok(call(&st, &format!("rproxy/{verb}"), &params.values).await)
}

/// `rproxy/audit`, `rproxy/users`, `rproxy/user/add`, `rproxy/user/remove`, `rproxy/tokens`,
/// `rproxy/token/create`, `rproxy/token/revoke`, `rproxy/instances`, `rproxy/queue`: admin
/// calls in RC form, so `rclone rc --url ... rproxy/users` works too.
async fn call(st: &AppState, path: &str, p: &Map<String, Value>) -> Response {
    match run(st, path, p).await {
        Ok(v) => json_reply(&v),
        Err(e) => e.into_response(),
    }
}

async fn run(st: &AppState, path: &str, p: &Map<String, Value>) -> Result<Value, RcError> {
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    let fail = |status: StatusCode, msg: String| RcError::new(path, Some(p), status, msg);
    let bad = |msg: String| fail(StatusCode::BAD_REQUEST, msg);
    let failed = |e: &dyn std::fmt::Display| fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    let missing = |key: &str| bad(format!("Didn't find key \"{key}\" in input"));
    let number = |key: &str| p.get(key).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    Ok(match path {
        "rproxy/audit" => {
            let limit = number("limit").unwrap_or(100);
            st.audit.latest(limit.clamp(1, 10_000)).await.map_err(|e| failed(&e))?
        }
        "rproxy/users" => json!({ "users": st.users.list().await.map_err(|e| failed(&e))? }),
        "rproxy/user/add" => {
            let name = text("name").ok_or_else(|| missing("name"))?;
            let role: policy::Role = text("role").unwrap_or_else(|| "operator".into()).parse().map_err(bad)?;
            let remotes: Vec<String> = text("remotes")
                .map(|r| r.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            match st.users.add(&name, role, &remotes).await {
                // the token is in this one reply and nowhere else
                Ok((user, token)) => json!({ "user": user, "token": token.expose() }),
                Err(e @ (AuthError::Exists(_) | AuthError::BadName)) => return Err(bad(e.to_string())),
                Err(e) => return Err(failed(&e)),
            }
        }
        "rproxy/user/remove" => {
            let name = text("name").ok_or_else(|| missing("name"))?;
            if !st.users.remove(&name).await.map_err(|e| failed(&e))? {
                return Err(fail(StatusCode::NOT_FOUND, format!("no user {name:?}")));
            }
            json!({ "removed": name })
        }
        "rproxy/tokens" => {
            json!({ "tokens": st.users.tokens(text("user").as_deref()).await.map_err(|e| failed(&e))? })
        }
        "rproxy/token/create" => {
            let user = text("user").ok_or_else(|| missing("user"))?;
            let valid_for = text("expiresIn")
                .map(|t| crate::error::parse_lifetime(&t))
                .transpose()
                .map_err(bad)?;
            let label = text("label").unwrap_or_default();
            match st.users.create_token(&user, &label, valid_for).await {
                // the token is in this one reply and nowhere else
                Ok((id, token)) => json!({ "id": id, "user": user, "token": token.expose() }),
                Err(e @ AuthError::NoUser(_)) => return Err(fail(StatusCode::NOT_FOUND, e.to_string())),
                Err(e) => return Err(failed(&e)),
            }
        }
        "rproxy/token/revoke" => {
            let id = number("id").ok_or_else(|| missing("id"))?;
            if !st.users.revoke_token(id).await.map_err(|e| failed(&e))? {
                return Err(fail(StatusCode::NOT_FOUND, format!("no live token {id}")));
            }
            json!({ "revoked": id })
        }
        "rproxy/instances" => {
            let all = Registry(st.users.pool().clone()).list().await.map_err(|e| failed(&e))?;
            json!({ "self": st.instance, "instances": all })
        }
        "rproxy/queue" => json!({ "pending": st.queue.pending().await.map_err(|e| failed(&e))? }),
        _ => return Err(fail(StatusCode::NOT_FOUND, format!("couldn't find method {path:?}"))),
    })
}
