//! A raw HTTP/1.1 client: the request target goes on the wire exactly as given (an HTTP
//! library would remove `.` and `..` segments first, which is the very thing under test).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reply: status and body (chunked bodies decoded).
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

/// Sends `method target` to `addr` (`127.0.0.1:port`) with Basic `user:pass`, `content_type`
/// and `body`; reads the whole reply (the connection is closed after it).
pub async fn send(
    addr: &str,
    method: &str,
    target: &str,
    auth: Option<(&str, &str)>,
    content_type: &str,
    body: &[u8],
) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((u, p)) = auth {
        use base64::Engine as _;
        head.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        ));
    }
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut buf))
        .await
        .expect("reply within 60 s")
        .expect("read");
    parse(&buf)
}

/// The parts of a raw reply.
pub fn parse(buf: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(buf).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(rest) } else { rest.to_owned() };
    Reply {
        status,
        headers: head.to_owned(),
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
