//! A local HTTP server that records every request and answers from a script (default 200
//! with a JSON body), standing in for services we cannot run here (a webhook receiver, the
//! Telegram Bot API).

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Answer>>,
    default: Mutex<Option<Answer>>,
    seen: Mutex<Vec<Recorded>>,
}

pub struct Sink {
    pub addr: SocketAddr,
    state: Arc<State>,
    tls: bool,
}

impl Sink {
    pub async fn start() -> Sink {
        let state = Arc::new(State::default());
        let st = state.clone();
        let addr = super::serve_http(move |req| handle(st.clone(), req)).await;
        Sink {
            addr,
            state,
            tls: false,
        }
    }

    /// The same server over HTTPS with `ca`'s certificate for 127.0.0.1 and localhost.
    pub async fn start_tls(ca: &super::tls::TestCa) -> Sink {
        let state = Arc::new(State::default());
        let st = state.clone();
        let addr = super::serve_https(move |req| handle(st.clone(), req), ca.acceptor.clone()).await;
        Sink { addr, state, tls: true }
    }

    /// `http://127.0.0.1:port`, or `https://127.0.0.1:port` for a TLS sink (the certificate
    /// holds the IP address).
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// Answers for the next requests, in order.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.script.lock().unwrap().extend(answers);
    }

    /// The answer once the script is used up.
    pub fn default_answer(&self, a: Answer) {
        *self.state.default.lock().unwrap() = Some(a);
    }

    pub fn seen(&self) -> Vec<Recorded> {
        self.state.seen.lock().unwrap().clone()
    }
}

async fn handle(st: Arc<State>, req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    st.seen.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    });
    let next = st.script.lock().unwrap().pop_front();
    let a = next
        .or_else(|| st.default.lock().unwrap().clone())
        .unwrap_or_else(|| Answer::status(200, "{\"ok\":true,\"result\":{}}"));
    tokio::time::sleep(a.delay).await;
    let mut resp = Response::builder()
        .status(a.status)
        .header("content-type", "application/json");
    for (k, v) in &a.headers {
        resp = resp.header(*k, v);
    }
    Ok(resp.body(Full::new(Bytes::from(a.body))).unwrap())
}
