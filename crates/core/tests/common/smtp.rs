//! A minimal SMTP server on loopback for tests: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
//! Records each message with the credentials it was sent with; can refuse with a transient
//! (451) or permanent (550) reply.

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub auth: Option<(String, String)>,
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Default)]
struct State {
    mails: Mutex<Vec<Mail>>,
    /// Replies to MAIL FROM, in order, before accepting ("451 ..." or "550 ...").
    refuse: Mutex<Vec<String>>,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let state = Arc::new(State::default());
        let st = state.clone();
        let addr = super::serve_loopback(move |stream| session(stream, st.clone())).await;
        SmtpServer { addr, state }
    }

    pub fn refuse_next(&self, reply: &str) {
        self.state.refuse.lock().unwrap().push(reply.to_owned());
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.mails.lock().unwrap().clone()
    }
}

async fn session(stream: tokio::net::TcpStream, st: Arc<State>) {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    let _ = w.write_all(b"220 localhost ESMTP test\r\n").await;
    let mut mail = Mail::default();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250-localhost\r\n250-AUTH PLAIN\r\n250 OK".into()
        } else if upper.starts_with("AUTH PLAIN") {
            let b64 = line.split_whitespace().nth(2).map(str::to_owned);
            let b64 = match b64 {
                Some(b) => b,
                None => {
                    let _ = w.write_all(b"334 \r\n").await;
                    lines.next_line().await.ok().flatten().unwrap_or_default()
                }
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap_or_default();
            let parts: Vec<String> = raw
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            mail.auth = Some((
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default(),
            ));
            "235 2.7.0 Authentication successful".into()
        } else if upper.starts_with("MAIL FROM") {
            let refusal = {
                let mut r = st.refuse.lock().unwrap();
                (!r.is_empty()).then(|| r.remove(0))
            };
            match refusal {
                Some(r) => r,
                None => {
                    mail.from = line[10..].trim().to_owned();
                    "250 OK".into()
                }
            }
        } else if upper.starts_with("RCPT TO") {
            mail.to.push(line[8..].trim().to_owned());
            "250 OK".into()
        } else if upper == "DATA" {
            let _ = w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(&l);
                data.push('\n');
            }
            mail.data = data;
            st.mails.lock().unwrap().push(std::mem::take(&mut mail));
            "250 OK queued".into()
        } else if upper == "QUIT" {
            let _ = w.write_all(b"221 Bye\r\n").await;
            break;
        } else {
            "250 OK".into()
        };
        if w.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
            break;
        }
    }
}
