//! Differential conformance: every request of `tests/conformance/corpus.json` goes to the
//! sidecar rcd directly and through rproxy (same rcd, as an admin), and the answers must
//! agree: HTTP status, content type, the `X-Rclone-Jobid` and `Preference-Applied` headers,
//! and the body — equal JSON after masking ids and times, or the same shape (keys and value
//! types, recursively) for cases marked `shape` (live numbers such as stats). `{side}` in a
//! request becomes `d` or `p`, so mutations of the two runs do not meet.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::Proxy;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default = "post")]
    method: String,
    path: String,
    #[serde(default)]
    query: String,
    #[serde(default = "json_type")]
    content_type: String,
    body: String,
    #[serde(default)]
    headers: std::collections::HashMap<String, String>,
    #[serde(default)]
    shape: bool,
}

fn post() -> String {
    "POST".into()
}

fn json_type() -> String {
    "application/json".into()
}

/// Where rproxy differs from rcd on purpose (docs/rproxy.md, "What differs from rcd"): a synchronous
/// call is not an rproxy job (a job row per call would cost a database write on every
/// request), so it has no `X-Rclone-Jobid` and is not in `job/list`'s `finishedIds`.
fn on_purpose(case: &Case, what: &str) -> bool {
    let asynchronous = case.body.contains("\"_async\": true")
        || case.query.contains("_async=true")
        || case.headers.contains_key("Prefer");
    (what == "X-Rclone-Jobid present" && !asynchronous) || (case.path == "job/list" && what == "body shape")
}

/// Values that differ between any two runs.
const MASKED: &[&str] = &[
    "jobid",
    "id",
    "executeId",
    "startTime",
    "endTime",
    "duration",
    "elapsedTime",
    "ModTime",
    "speed",
    "eta",
    "transferTime",
];

struct Answer {
    status: u16,
    content_type: String,
    jobid_header: bool,
    preference: Option<String>,
    body: String,
}

async fn send(http: &reqwest::Client, base: &str, user: &str, pass: &str, case: &Case, side: &str) -> Answer {
    let fill = |s: &str| s.replace("{side}", side);
    let mut url = format!("{base}{}", case.path);
    if !case.query.is_empty() {
        url = format!("{url}?{}", fill(&case.query));
    }
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut req = http.request(method, url).basic_auth(user, Some(pass));
    if !case.body.is_empty() {
        req = req.header("Content-Type", &case.content_type).body(fill(&case.body));
    }
    for (k, v) in &case.headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    let h = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Answer {
        status: resp.status().as_u16(),
        content_type: h("content-type").unwrap_or_default(),
        jobid_header: h("x-rclone-jobid").is_some(),
        preference: h("preference-applied"),
        body: resp.text().await.unwrap(),
    }
}

/// Masked values and the two sides' names made equal.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if MASKED.contains(&k.as_str()) && !v.is_null() {
                            Value::String("*".into())
                        } else {
                            normalize(v)
                        },
                    )
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::String(s) => Value::String(s.replace("conf-d", "conf-X").replace("conf-p", "conf-X")),
        other => other.clone(),
    }
}

/// Keys and value types, recursively (arrays by their first element).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => "null".into(),
    }
}

#[tokio::test]
async fn rproxy_answers_like_rcd() {
    let corpus: Vec<Case> = serde_json::from_str(include_str!("conformance/corpus.json")).unwrap();
    let kinds: BTreeSet<&str> = corpus.iter().map(|c| c.name.as_str()).collect();
    assert!(
        kinds.len() >= 40 && kinds.len() == corpus.len(),
        "{} distinct cases",
        kinds.len()
    );
    let p = Proxy::start_with(true).await;
    let (direct, pass) = (p.rcd_url(), p.rcd_pass());
    let http = reqwest::Client::new();
    let admin = p.tokens["admin"].expose().to_owned();
    let mut differences = vec![];
    for case in &corpus {
        let d = send(&http, &direct, "rcmd", &pass, case, "d").await;
        let x = send(&http, &p.url, "admin", &admin, case, "p").await;
        let mut diff = |what: &str, a: String, b: String| {
            if a != b && !on_purpose(case, what) {
                differences.push(format!("{}: {what}: rcd {a} / rproxy {b}", case.name));
            }
        };
        diff("status", d.status.to_string(), x.status.to_string());
        diff("content type", d.content_type.clone(), x.content_type.clone());
        diff(
            "X-Rclone-Jobid present",
            d.jobid_header.to_string(),
            x.jobid_header.to_string(),
        );
        diff(
            "Preference-Applied",
            format!("{:?}", d.preference),
            format!("{:?}", x.preference),
        );
        match (
            serde_json::from_str::<Value>(&d.body),
            serde_json::from_str::<Value>(&x.body),
        ) {
            (Ok(a), Ok(b)) if case.shape => diff(
                "body shape",
                shape(&normalize(&a)).to_string(),
                shape(&normalize(&b)).to_string(),
            ),
            (Ok(a), Ok(b)) => diff("body", normalize(&a).to_string(), normalize(&b).to_string()),
            _ => diff("body text", d.body.clone(), x.body.clone()),
        }
    }
    eprintln!(
        "conformance: {} request kinds compared, {} differences",
        corpus.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "rproxy differs from rcd:\n{}",
        differences.join("\n")
    );
    p.engine.shutdown().await;
}
