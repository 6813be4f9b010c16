//! Per-file calls through the durable queue (`operations/copyfile`, `movefile`), alone or as a
//! synchronous `job/batch` of such calls.

use axum::{
    http::{header::HeaderName, HeaderValue, StatusCode},
    response::Response,
};
use serde_json::{json, Value};

use crate::{
    auth::User,
    error::rc_error,
    params, queue,
    reply::{is_async, json_reply, submit_error},
    state::AppState,
};

/// One input of a queueable `job/batch`: its path, its queue request and its parameters.
type QueuedInput = (String, queue::Request, serde_json::Map<String, Value>);

/// The inputs of a synchronous `job/batch` when every one is a queueable per-file call.
pub(crate) fn batch_inputs(path: &str, params: &serde_json::Map<String, Value>) -> Option<Vec<QueuedInput>> {
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
pub(crate) async fn batch(st: &AppState, user: &User, path: &str, calls: Vec<QueuedInput>) -> Response {
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
pub(crate) async fn call(
    st: &AppState,
    user: &User,
    path: &str,
    req: &queue::Request,
    params: params::Params,
) -> Response {
    let input = &params.values;
    let async_ = is_async(input);
    // a synchronous call runs at once while a direct slot is free: it waits for no dispatcher
    let now = match async_ {
        false => st.queue.run_now(user.id, path, req, input).await,
        true => None,
    };
    let (item, job) = match now {
        Some(Ok(outcome)) => {
            return answer(
                path,
                input,
                outcome.await.unwrap_or_else(|_| Err(queue::shutting_down())),
            )
        }
        Some(Err(e)) => return submit_error(st, path, e),
        None => match st.queue.submit(user.id, path, req, input, async_).await {
            Ok(r) => r,
            Err(e) => return submit_error(st, path, e),
        },
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
    answer(path, input, st.queue.wait(item).await)
}

/// A per-file call's end, answered like rcd (`{}`, or rcd's error shape).
fn answer(path: &str, input: &serde_json::Map<String, Value>, outcome: queue::Outcome) -> Response {
    match outcome {
        Ok(()) => json_reply(&json!({})),
        Err(f) => rc_error(
            path,
            Some(input),
            StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &f.error,
        ),
    }
}
