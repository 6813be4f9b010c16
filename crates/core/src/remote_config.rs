//! Creating, editing, testing and deleting remotes through rclone's own configuration API
//! (`config/providers`, `config/create`, `config/update`, `config/get`, `config/delete`), in its
//! non-interactive mode: rclone asks its backend's questions one [`ConfigStep`] at a time,
//! OAuth logins included (rclone opens the browser and waits for the redirect).
//!
//! Secrets never travel back to the page: [`get`] leaves out passwords and sensitive values,
//! and an edit that leaves a secret empty keeps the stored one.

use std::{collections::BTreeMap, time::Duration};

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{
    rc::{wire::Empty, RcClient, RcError},
    remote_path::{PathError, RemoteName},
    types::{ConfigStep, OAuthStatus, Provider, RemoteConfig},
    Result,
};

/// How long a configuration step may take: an OAuth step waits for the user in the browser.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(600);

/// How long "test" may take to list the remote's root.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct ProvidersReply {
    providers: Vec<Provider>,
}

/// Every storage system the bundled rclone supports, with the options of each.
pub async fn providers(rc: &RcClient) -> Result<Vec<Provider>, RcError> {
    let mut reply: ProvidersReply = rc.call("config/providers", &Empty {}).await?;
    reply.providers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(reply.providers)
}

fn opt(step: Option<(&str, &str)>) -> Value {
    let mut o = json!({ "nonInteractive": true, "obscure": true });
    if let Some((state, result)) = step {
        o["continue"] = json!(true);
        o["state"] = json!(state);
        o["result"] = json!(result);
    }
    o
}

/// Drops empty values (an empty field means "default", and for a secret "keep").
fn clean(params: &BTreeMap<String, String>) -> Map<String, Value> {
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// The names of the configured remotes.
async fn names(rc: &RcClient) -> Result<Vec<String>, RcError> {
    crate::ops::list_remotes(rc).await
}

/// Starts creating remote `name` of `kind` with `params`; refused when the name is taken.
pub async fn create(rc: &RcClient, name: &str, kind: &str, params: &BTreeMap<String, String>) -> Result<ConfigStep> {
    let name = RemoteName::parse(name)?;
    if name.as_str() == crate::remote_path::LOCAL_DISK {
        return Err(PathError::InvalidRemote { name: name.to_string() }.into());
    }
    if names(rc).await?.iter().any(|n| n == name.as_str()) {
        return Err(PathError::RemoteExists { name: name.to_string() }.into());
    }
    if !providers(rc).await?.iter().any(|p| p.name == kind || p.prefix == kind) {
        return Err(PathError::UnknownType { kind: kind.to_owned() }.into());
    }
    let body = json!({ "name": name.as_str(), "type": kind, "parameters": clean(params), "opt": opt(None) });
    let step = rc.call_with_timeout("config/create", &body, Some(STEP_TIMEOUT)).await?;
    clear_cache(rc).await;
    Ok(step)
}

/// Changes `params` of remote `name` (secrets left empty keep their value).
pub async fn update(rc: &RcClient, name: &str, params: &BTreeMap<String, String>) -> Result<ConfigStep> {
    let name = existing(rc, name).await?;
    let body = json!({ "name": name.as_str(), "parameters": clean(params), "opt": opt(None) });
    let step = rc.call_with_timeout("config/update", &body, Some(STEP_TIMEOUT)).await?;
    clear_cache(rc).await;
    Ok(step)
}

/// Answers the question of `state` with `result` and returns the next step. The remote exists
/// from the first step on, so answers go through `config/update`.
pub async fn answer(rc: &RcClient, name: &str, state: &str, result: &str) -> Result<ConfigStep> {
    let name = existing(rc, name).await?;
    let body = json!({ "name": name.as_str(), "parameters": {}, "opt": opt(Some((state, result))) });
    let step = rc.call_with_timeout("config/update", &body, Some(STEP_TIMEOUT)).await?;
    clear_cache(rc).await;
    Ok(step)
}

/// Remote `name`'s type and options for the editor, without secret values: options that
/// are passwords or sensitive (tokens, keys) are listed in `secrets_set` instead.
pub async fn get(rc: &RcClient, name: &str) -> Result<RemoteConfig> {
    let name = existing(rc, name).await?;
    let values: BTreeMap<String, Value> = rc.call("config/get", &json!({ "name": name.as_str() })).await?;
    let kind = values
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let provider = providers(rc).await?.into_iter().find(|p| p.name == kind);
    let secret = |key: &str| {
        // a token is secret whatever the backend says; unknown options are kept out too
        key == "token"
            || provider.as_ref().is_none_or(|p| {
                p.options
                    .iter()
                    .find(|o| o.name == key)
                    .is_none_or(|o| o.is_password || o.sensitive)
            })
    };
    let mut out = RemoteConfig {
        name: name.to_string(),
        kind,
        ..RemoteConfig::default()
    };
    for (k, v) in values {
        if k == "type" {
            continue;
        }
        if secret(&k) {
            out.secrets_set.push(k);
        } else {
            out.values
                .insert(k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
        }
    }
    Ok(out)
}

/// Deletes remote `name` from the rclone config.
pub async fn delete(rc: &RcClient, name: &str) -> Result<()> {
    let name = existing(rc, name).await?;
    let _: Value = rc.call("config/delete", &json!({ "name": name.as_str() })).await?;
    clear_cache(rc).await;
    Ok(())
}

/// Lists the root of remote `name`: the number of entries, or rclone's error.
pub async fn test(rc: &RcClient, name: &str) -> Result<usize> {
    let name = existing(rc, name).await?;
    let reply: crate::rc::wire::ListReply = rc
        .call_with_timeout(
            "operations/list",
            &json!({ "fs": name.fs(), "remote": "", "opt": { "noMimeType": true } }),
            Some(TEST_TIMEOUT),
        )
        .await?;
    Ok(reply.list.len())
}

async fn existing(rc: &RcClient, name: &str) -> Result<RemoteName> {
    let name = RemoteName::parse(name)?;
    // the local disk is not in the config
    if name.as_str() == crate::remote_path::LOCAL_DISK {
        return Err(PathError::NoRemote { name: name.to_string() }.into());
    }
    if !names(rc).await?.iter().any(|n| n == name.as_str()) {
        return Err(PathError::NoRemote { name: name.to_string() }.into());
    }
    Ok(name)
}

/// rclone keeps remotes it has opened in a cache with their old settings: after a change the
/// next use must open the remote anew.
async fn clear_cache(rc: &RcClient) {
    if let Err(e) = rc.call::<_, Value>("fscache/clear", &Empty {}).await {
        tracing::warn!(error = %e, "fscache/clear failed");
    }
}

/// Stops an OAuth login that waits for the browser (`config/oauthstop`): the waiting step
/// returns with an error and port 53682 is free again.
pub async fn oauth_stop(rc: &RcClient) -> Result<()> {
    let _: Value = rc.call("config/oauthstop", &Empty {}).await?;
    Ok(())
}

/// A waiting OAuth login's state and URL.
pub async fn oauth_status(rc: &RcClient) -> Result<OAuthStatus> {
    Ok(rc.call("config/oauthstatus", &Empty {}).await?)
}
