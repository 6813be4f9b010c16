//! Remote configuration through rclone's own API against real servers: a webdav remote with
//! a login created from the provider's options, tested, edited (a secret left empty is kept),
//! shown without its secrets, deleted; bad names and types refused; rclone's question steps.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::fault::WebdavServer;
use rcmd_core::{remote_config as rconf, remote_path::PathError, Error};

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn a_webdav_remote_is_created_tested_edited_and_deleted() {
    let rc = common::start().await;
    let served = rc.dir.path().join("served");
    std::fs::create_dir_all(served.join("docs")).unwrap();
    std::fs::write(served.join("a.txt"), b"a").unwrap();
    let dav = WebdavServer::start_with_login(&served, "alice", "s3cret pass");

    // the form comes from rclone's provider list
    let providers = rconf::providers(&rc.client).await.unwrap();
    let webdav = providers.iter().find(|p| p.name == "webdav").unwrap();
    let url = webdav.options.iter().find(|o| o.name == "url").unwrap();
    assert!(url.required && !url.advanced);
    assert!(webdav.options.iter().find(|o| o.name == "pass").unwrap().is_password);
    assert!(providers.len() > 50, "{} providers", providers.len());

    let url = format!("http://{}/", dav.addr);
    let step = rconf::create(
        &rc.client,
        "dav",
        "webdav",
        &params(&[
            ("url", &url),
            ("vendor", "rclone"),
            ("user", "alice"),
            ("pass", "s3cret pass"),
        ]),
    )
    .await
    .unwrap();
    assert!(step.is_done(), "{step:?}");
    assert_eq!(rconf::test(&rc.client, "dav").await.unwrap(), 2);
    // the password is stored obscured, never in clear
    let conf = std::fs::read_to_string(rc.dir.path().join("rclone.conf")).unwrap();
    assert!(conf.contains("[dav]") && !conf.contains("s3cret"), "{conf}");

    // the editor's view has no secrets
    let shown = rconf::get(&rc.client, "dav").await.unwrap();
    assert_eq!(shown.kind, "webdav");
    assert_eq!(shown.values.get("url"), Some(&url));
    // rclone marks the user name sensitive as well: kept out like the password
    assert!(
        !shown.values.contains_key("pass") && !shown.values.contains_key("user"),
        "{shown:?}"
    );
    assert_eq!(shown.secrets_set, vec!["pass".to_owned(), "user".to_owned()]);
    assert_eq!(shown.values.get("vendor").map(String::as_str), Some("rclone"));

    // edit: a new user with the password left empty keeps the password; a wrong one fails
    let step = rconf::update(&rc.client, "dav", &params(&[("user", "alice"), ("pass", "")]))
        .await
        .unwrap();
    assert!(step.is_done());
    assert_eq!(
        rconf::test(&rc.client, "dav").await.unwrap(),
        2,
        "the kept password still works"
    );
    rconf::update(&rc.client, "dav", &params(&[("pass", "wrong")]))
        .await
        .unwrap();
    let err = rconf::test(&rc.client, "dav").await.unwrap_err();
    assert!(
        err.to_string().contains("401") || err.to_string().to_lowercase().contains("unauthorized"),
        "{err}"
    );
    rconf::update(&rc.client, "dav", &params(&[("pass", "s3cret pass")]))
        .await
        .unwrap();
    assert_eq!(
        rconf::test(&rc.client, "dav").await.unwrap(),
        2,
        "the edit took effect at once (no stale cache)"
    );

    // names: taken, invalid, the local disk; unknown type
    let err = rconf::create(&rc.client, "dav", "webdav", &params(&[("url", &url)]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Path(PathError::RemoteExists { .. })), "{err}");
    for bad in ["", "-x", "a/b", "x:y", ":local"] {
        assert!(
            rconf::create(&rc.client, bad, "webdav", &params(&[])).await.is_err(),
            "{bad:?}"
        );
    }
    let err = rconf::create(&rc.client, "other", "no-such-type", &params(&[]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Path(PathError::UnknownType { .. })), "{err}");

    rconf::delete(&rc.client, "dav").await.unwrap();
    assert!(matches!(
        rconf::test(&rc.client, "dav").await.unwrap_err(),
        Error::Path(PathError::NoRemote { .. })
    ));
    assert!(matches!(
        rconf::delete(&rc.client, "dav").await.unwrap_err(),
        Error::Path(PathError::NoRemote { .. })
    ));
    assert!(!std::fs::read_to_string(rc.dir.path().join("rclone.conf"))
        .unwrap()
        .contains("[dav]"));
}

/// What the authorization server saw.
#[derive(Default)]
struct AuthServerLog {
    authorize: Vec<String>,
    token_forms: Vec<String>,
    token_auth: Vec<String>,
}

/// A minimal OAuth 2 authorization server (authorization-code grant) on 127.0.0.1:
/// `/authorize` redirects to the client's redirect URI with a code and the client's state;
/// `/token` exchanges that code (client authenticated with HTTP Basic) for a token.
async fn auth_server(log: std::sync::Arc<std::sync::Mutex<AuthServerLog>>) -> std::net::SocketAddr {
    use http_body_util::{BodyExt, Full};
    common::serve_http(move |req: hyper::Request<hyper::body::Incoming>| {
        let log = log.clone();
        async move {
            let uri = req.uri().clone();
            let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let body = String::from_utf8_lossy(&req.into_body().collect().await.unwrap().to_bytes()).into_owned();
            let query: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
            let resp = match uri.path() {
                "/authorize" if query.get("client_id").map(String::as_str) == Some("rcmd-test") && query.get("response_type").map(String::as_str) == Some("code") => {
                    log.lock().unwrap().authorize.push(uri.to_string());
                    let to = format!("{}?code=CODE-42&state={}", query["redirect_uri"], query.get("state").cloned().unwrap_or_default());
                    hyper::Response::builder().status(302).header("location", to).body(Full::new(bytes::Bytes::new())).unwrap()
                }
                "/token" => {
                    let form: std::collections::HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                    log.lock().unwrap().token_forms.push(body.clone());
                    log.lock().unwrap().token_auth.push(auth.clone());
                    // client "rcmd-test" / "s3cret" in HTTP Basic, and the code it was given
                    let ok = auth == "Basic cmNtZC10ZXN0OnMzY3JldA==" && form.get("code").map(String::as_str) == Some("CODE-42") && form.get("grant_type").map(String::as_str) == Some("authorization_code");
                    if ok {
                        let token = r#"{"access_token":"AT-local","token_type":"Bearer","refresh_token":"RT-local","expires_in":3600}"#;
                        hyper::Response::builder().header("content-type", "application/json").body(Full::new(bytes::Bytes::from(token))).unwrap()
                    } else {
                        hyper::Response::builder().status(400).header("content-type", "application/json").body(Full::new(bytes::Bytes::from(r#"{"error":"invalid_grant"}"#))).unwrap()
                    }
                }
                _ => hyper::Response::builder().status(404).body(Full::new(bytes::Bytes::new())).unwrap(),
            };
            Ok::<_, std::io::Error>(resp)
        }
    })
    .await
}

/// Holds rclone's fixed OAuth redirect port (53682) until rclone needs it. The port is in the
/// system's ephemeral range (32768-60999): any outgoing connection of the suite may hold it
/// for a moment, and rclone's listener then fails with "address already in use" (seen once in
/// a full run). Waits for it when taken.
fn reserve_redirect_port() -> std::net::TcpListener {
    let start = std::time::Instant::now();
    loop {
        match std::net::TcpListener::bind("127.0.0.1:53682") {
            Ok(l) => return l,
            Err(e) => {
                assert!(
                    start.elapsed() < std::time::Duration::from_secs(30),
                    "port 53682 stays taken: {e}"
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

/// The whole OAuth login of a box remote against a local authorization server: rclone's
/// question (use a browser?), its redirect listener, the "browser" following the redirects,
/// the code exchanged for a token, the token stored; then a login cancelled with oauthstop.
/// rclone's redirect port (53682) is fixed, so this is the only test that uses it.
#[tokio::test]
async fn an_oauth_login_completes_against_a_local_authorization_server() {
    let reserved = reserve_redirect_port();
    let rc = common::start().await;
    let log = std::sync::Arc::new(std::sync::Mutex::new(AuthServerLog::default()));
    let server = auth_server(log.clone()).await;
    let box_params = params(&[
        ("client_id", "rcmd-test"),
        ("client_secret", "s3cret"),
        ("auth_url", &format!("http://{server}/authorize")),
        ("token_url", &format!("http://{server}/token")),
        // the test plays the browser; rclone must not start one
        ("config_auth_no_browser", "true"),
    ]);
    let step = rconf::create(&rc.client, "mybox", "box", &box_params).await.unwrap();
    assert!(step.is_oauth_browser(), "{step:?}");
    assert_eq!(step.option.as_ref().unwrap().name, "config_is_local");

    // "yes, use a browser": rclone waits for the redirect until the browser comes back
    let client = rc.client.clone();
    let state = step.state.clone();
    // rclone binds the port right after this answer
    drop(reserved);
    let waiting = tokio::spawn(async move { rconf::answer(&client, "mybox", &state, "true").await });
    let mut auth_url = String::new();
    for _ in 0..100 {
        let s = rconf::oauth_status(&rc.client).await.unwrap();
        if s.status == "running" {
            auth_url = s.auth_url;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(auth_url.starts_with("http://127.0.0.1:53682/auth?state="), "{auth_url}");
    // a browser without kept-alive connections: rclone stops its callback server as soon as
    // it has the code, and a pooled connection from the first request would be cut
    let browser = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    match browser.get(&auth_url).send().await {
        Ok(page) => {
            assert_eq!(page.status(), 200);
            assert!(page.text().await.unwrap().contains("Success"), "rclone's success page");
        }
        // rclone can also close its server before the success page is out (it logged "Got
        // code"): a browser shows an error then, but the login itself must complete (below)
        Err(e) => assert!(e.is_request(), "the callback was not reached: {e}"),
    }
    let done = waiting.await.unwrap().unwrap();
    assert!(done.is_done(), "{done:?}");

    {
        let log = log.lock().unwrap();
        assert_eq!(log.authorize.len(), 1);
        assert!(
            log.authorize[0].contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2F"),
            "{}",
            log.authorize[0]
        );
        assert_eq!(log.token_forms.len(), 1);
        assert!(log.token_forms[0].contains("code=CODE-42"), "{}", log.token_forms[0]);
    }
    let conf = std::fs::read_to_string(rc.dir.path().join("rclone.conf")).unwrap();
    let section = conf.split("[mybox]").nth(1).unwrap();
    assert!(
        section.contains(r#""access_token":"AT-local""#) && section.contains(r#""refresh_token":"RT-local""#),
        "{section}"
    );
    assert!(
        !section.contains("config_"),
        "rclone's ephemeral answers are not stored: {section}"
    );
    // the editor never shows the token
    let shown = rconf::get(&rc.client, "mybox").await.unwrap();
    assert!(
        shown.secrets_set.contains(&"token".to_owned()) && !shown.values.contains_key("token"),
        "{shown:?}"
    );

    // reconnect (the token expired): rclone asks to replace it; a login cancelled in the app
    // ends the waiting step with an error and frees the port
    let step = rconf::update(&rc.client, "mybox", &params(&[("config_auth_no_browser", "true")]))
        .await
        .unwrap();
    let mut state = step.state.clone();
    let mut question = step.option.as_ref().map(|o| o.name.clone()).unwrap_or_default();
    if question == "config_refresh_token" {
        let next = rconf::answer(&rc.client, "mybox", &state, "true").await.unwrap();
        state = next.state.clone();
        question = next.option.as_ref().map(|o| o.name.clone()).unwrap_or_default();
    }
    assert_eq!(question, "config_is_local", "{state}");
    let client = rc.client.clone();
    drop(reserve_redirect_port());
    let waiting = tokio::spawn(async move { rconf::answer(&client, "mybox", &state, "true").await });
    for _ in 0..100 {
        if rconf::oauth_status(&rc.client).await.unwrap().status == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    rconf::oauth_stop(&rc.client).await.unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert_eq!(rconf::oauth_status(&rc.client).await.unwrap().status, "stopped");
    assert!(
        std::net::TcpListener::bind("127.0.0.1:53682").is_ok(),
        "the redirect port is free again"
    );
    // the old token is still there
    assert!(std::fs::read_to_string(rc.dir.path().join("rclone.conf"))
        .unwrap()
        .contains("AT-local"));
}
