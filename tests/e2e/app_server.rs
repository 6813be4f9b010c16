//! Remote mode in the real window: the app saved a server through the sidebar's Connection section,
//! talks to a real rproxy process (fronting the bundled rclone), browses it, runs a batch ON
//! the server and shows its progress live; rproxy is killed mid-batch and restarted, and the
//! window shows the outage, a cached listing marked as such, the reconnection and the batch's
//! end without a reload. Then local ↔ server ↔ local switching, and the clear messages for a
//! wrong token, an expired token, an untrusted certificate and a server answering 500.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use rcmd_e2e::{server::*, window::*, *};

/// Clicks "Use" on saved server `name`, once its row is there (the list is drawn again after
/// a save, a moment after the "saved" mark).
async fn use_server(c: &Client, name: &str) -> Result<()> {
    let css = format!("li[data-connection='{name}'] button.use-server");
    poll(Duration::from_secs(10), &format!("{name} saved"), || async {
        c.find(Locator::Css(&css)).await.ok()
    })
    .await?;
    click(c, &css).await
}

/// Fills the server form (clearing what was there) with `token` (empty: keep the saved one).
async fn fill_server(c: &Client, name: &str, url: &str, token: &str, ca: &str) -> Result<()> {
    for (id, value) in [
        ("#server-name", name),
        ("#server-url", url),
        ("#server-user", "admin"),
        ("#server-token", token),
        ("#server-ca", ca),
    ] {
        let input = c.find(Locator::Css(id)).await.with_context(|| format!("find {id}"))?;
        in_view(c, id).await;
        input.clear().await.with_context(|| format!("clear {id}"))?;
        if !value.is_empty() {
            input.send_keys(value).await?;
        }
    }
    Ok(())
}

/// Clicks "Test connection" and returns (ok, problem line) once the result shows.
async fn test_connection(c: &Client) -> Result<(bool, String)> {
    // results are numbered: an earlier one must not be read as this one's
    let before: u32 = attr(c, "#server-check", "data-run")
        .await
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    click(c, "#server-test").await?;
    let ok = poll(Duration::from_secs(30), "a test result", || async {
        let run: u32 = attr(c, "#server-check", "data-run").await?.parse().ok()?;
        if run <= before {
            return None;
        }
        attr(c, "#server-check", "data-ok").await
    })
    .await?;
    let problem = text(c, "#server-check-problem").await.unwrap_or_default();
    Ok((ok == "true", problem))
}

async fn conn_state(c: &Client) -> (Option<String>, Option<String>) {
    (
        attr(c, "#connection-status", "data-kind").await,
        attr(c, "#connection-status", "data-state").await,
    )
}

/// Waits for the connection `kind` in `state`; returns the header's whole text (the line
/// itself may be cut short with an ellipsis: its text content, not what fits).
async fn wait_conn(c: &Client, kind: &str, state: &str, timeout: Duration) -> Result<String> {
    poll(timeout, &format!("connection {kind} {state}"), || async {
        let (k, s) = conn_state(c).await;
        (k.as_deref() == Some(kind) && s.as_deref() == Some(state)).then_some(())?;
        let all = c
            .execute(
                "return document.querySelector('#connection-status')?.textContent ?? ''",
                vec![],
            )
            .await
            .ok()?;
        all.as_str().map(|t| t.trim().to_owned())
    })
    .await
}

async fn wait_remotes(c: &Client, want: &[&str]) -> Result<()> {
    poll(Duration::from_secs(20), &format!("remotes {want:?}"), || async {
        let names = remote_names(c).await;
        (names == want).then_some(())
    })
    .await
}

/// The event ids of the app's log lines "server batch state" (what the window was told).
fn logged_batch_events(root: &std::path::Path) -> Vec<i64> {
    let mut ids = vec![];
    for f in app_logs(root) {
        for line in std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("server batch state"))
        {
            if let Some(id) = line
                .split("event=")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|v| v.parse().ok())
            {
                ids.push(id);
            }
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, rproxy, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn the_app_drives_a_server_through_an_outage_and_switches_back_and_forth() -> Result<()> {
    const FILES: usize = 300;
    let TreeServer {
        dir: srv_dir,
        src: _,
        dst,
        data,
        conf,
        port,
        server,
        token,
    } = TreeServer::start(FILES, |i| {
        (format!("d{}/f{i:03}.bin", i % 4), vec![(i % 251) as u8; 2048])
    })?;
    let url = format!("http://127.0.0.1:{port}/");
    let fixture = Fixture::new();
    let server = std::sync::Mutex::new(Some(server));
    with_fixture_session("server", fixture, |c, fixture_dir| async move {
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        wait_conn(&c, "local", "local", Duration::from_secs(10)).await?;
        wait_remotes(&c, &["broken", "e2e", "mem"]).await?;

        // the sidebar's Connection section: test, save and use the server
        click(&c, "#connection-panel summary").await?;
        fill_server(&c, "srv", &url, &token, "").await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(ok, "test connection: {problem}");
        let rclone_version = text(&c, "#server-check dd[data-check='rclone']").await.unwrap_or_default();
        let role = text(&c, "#server-check dd[data-check='role']").await.unwrap_or_default();
        ensure!(rclone_version.starts_with("v1.") && role == "admin (admin)", "check shows rclone {rclone_version:?}, role {role:?}");
        screenshot(&c, "server-test.png").await?;
        click(&c, "#server-save").await?;
        poll(Duration::from_secs(10), "saved mark", || async { c.find(Locator::Css("#server-saved")).await.ok() }).await?;
        let settings = std::fs::read_to_string(fixture_dir.join("xdg-config/dev.rcmd.app/settings.json"))?;
        ensure!(settings.contains("\"srv\"") && !settings.contains(&token), "the token is in the settings file");
        use_server(&c, "srv").await?;
        let label = wait_conn(&c, "server", "connected", Duration::from_secs(20)).await?;
        ensure!(label.contains("srv"), "header says {label:?}");
        wait_remotes(&c, &["dst", "src"]).await?;

        // browse the server
        click(&c, "#remotes li[data-remote='src']").await?;
        wait_rows(&c, &[("d0", true), ("d1", true), ("d2", true), ("d3", true)]).await?;

        // a batch of 300 files ON the server, slow enough to be mid-way at the kill
        let (status, _) = post(port, &token, "core/bwlimit", &serde_json::json!({ "rate": "40k" }))?;
        ensure!(status == 200, "bwlimit: {status}");
        press(&c, "#pane-left", &format!("{CTRL}a")).await?;
        transfer_to(&c, "dst:copy").await?;
        let id: i64 = poll(Duration::from_secs(20), "the job in the list", || async {
            attr(&c, "li.job", "data-batch").await?.parse().ok()
        })
        .await?;
        // live progress in the window: the bar part-way
        let partial = poll(Duration::from_secs(60), "live progress", || async {
            let style = attr(&c, &format!("li.job[data-batch='{id}'] .bar .fill"), "style").await?;
            let pct: f64 = style.split("width:").nth(1)?.trim().trim_end_matches(';').trim_end_matches('%').trim().parse().ok()?;
            (pct > 0.0 && pct < 100.0).then_some(pct)
        })
        .await?;
        screenshot(&c, "server-progress.png").await?;

        // kill -9 rproxy mid-batch: the window says the server is offline
        let mut srv = server.lock().unwrap().take().unwrap();
        signal(srv.pid(), "KILL");
        srv.child.wait()?;
        drop(srv);
        let copied_at_kill = count_files(&dst.join("copy"));
        ensure!(copied_at_kill < FILES, "the batch ended before the kill");
        let offline = wait_conn(&c, "server", "offline", Duration::from_secs(15)).await?;
        ensure!(offline.contains("offline") && offline.contains("retrying in"), "header while down: {offline:?}");
        // the listing seen before is served from the cache, marked as such
        click(&c, "#tab-files").await?;
        click(&c, "#remotes li[data-remote='src']").await?;
        let stale = poll(Duration::from_secs(15), "stale listing note", || async {
            (attr(&c, "#pane-left .stale-note", "data-offline").await.as_deref() == Some("true")).then_some(())?;
            text(&c, "#pane-left .stale-note").await
        })
        .await?;
        // "cached 12 s ago", in words
        ensure!(stale.contains("was cached") && stale.ends_with(" s ago."), "stale note: {stale:?}");
        wait_rows(&c, &[("d0", true), ("d1", true), ("d2", true), ("d3", true)]).await?;
        screenshot(&c, "server-offline.png").await?;

        // rproxy back on the same data: the app reconnects by itself
        std::thread::sleep(Duration::from_secs(2));
        let restarted = Instant::now();
        let srv = Proc::new(start_rproxy(&data, &conf, port)?);
        let back = wait_conn(&c, "server", "connected", Duration::from_secs(60)).await?;
        let to_connected = restarted.elapsed();
        click(&c, "#tab-jobs").await?;
        poll(Duration::from_secs(120), "the batch completed in the window", || async {
            (job_status(&c, id).await.as_deref() == Some("completed")).then_some(())
        })
        .await?;
        let meta = text(&c, &format!("li.job[data-batch='{id}'] .job-meta")).await.unwrap_or_default();
        ensure!(meta.starts_with(&format!("{FILES}/{FILES}")), "job line after the outage: {meta:?}");
        ensure!(count_files(&dst.join("copy")) == FILES, "{} files on the server's destination", count_files(&dst.join("copy")));
        screenshot(&c, "server-completed.png").await?;
        // the server batch's end reached this desktop's notifier (delivered, or refused by a
        // machine without a notification daemon: either way it was attempted)
        poll(Duration::from_secs(30), "a desktop notification for the server batch", || async {
            let st = c.execute("return window.__TAURI__.core.invoke('notify_status')", vec![]).await.ok()?;
            let desktop = st.as_array()?.iter().find(|s| s["channel"] == "desktop")?.clone();
            let tried = desktop["sent"].as_u64()? + desktop["failed"].as_u64()?;
            (tried >= 1).then_some(())
        })
        .await?;

        // every stored state change of the batch reached the app, across the restart
        let stored: Vec<i64> = stored_events_with_ids(port, &token)?
            .into_iter()
            .filter(|(_, k, d)| k == "batch_state" && d["id"].as_i64() == Some(id))
            .map(|(i, _, _)| i)
            .collect();
        let seen = poll(Duration::from_secs(10), "the app's log to hold the last event", || async {
            let seen = logged_batch_events(&fixture_dir);
            stored.iter().all(|i| seen.contains(i)).then_some(seen)
        })
        .await
        .unwrap_or_else(|_| logged_batch_events(&fixture_dir));
        let lost: Vec<&i64> = stored.iter().filter(|i| !seen.contains(i)).collect();
        let repeated = seen.len() - seen.iter().collect::<std::collections::BTreeSet<_>>().len();
        eprintln!(
            "remote mode: bar at {partial:.1}% in the window before kill -9 ({copied_at_kill} files copied); restart → window 'connected' in {:.2} s ({back:?}); batch events stored {}, lost {}, repeated {repeated}; offline listing: {stale:?}",
            to_connected.as_secs_f64(),
            stored.len(),
            lost.len()
        );
        ensure!(stored.len() >= 2, "the server stored {} state events for the batch", stored.len());
        ensure!(lost.is_empty(), "events lost across the restart: {lost:?} (seen {seen:?})");

        // local ↔ server ↔ local, each listing from the right place
        click(&c, "#tab-files").await?;
        click(&c, "#use-local").await?;
        wait_conn(&c, "local", "local", Duration::from_secs(10)).await?;
        wait_remotes(&c, &["broken", "e2e", "mem"]).await?;
        // the server's batch is not this computer's: the local job list is empty
        let jobs_tab = poll(Duration::from_secs(10), "local job count", || async { text(&c, "#tab-jobs").await.filter(|t| t.contains("(0)")) }).await;
        ensure!(jobs_tab.is_ok(), "local job tab: {:?}", text(&c, "#tab-jobs").await);
        click(&c, "#remotes li[data-remote='e2e']").await?;
        wait_rows(&c, &[("empty", true), ("photos", true), ("readme.txt", false)]).await?;
        use_server(&c, "srv").await?;
        wait_conn(&c, "server", "connected", Duration::from_secs(20)).await?;
        wait_remotes(&c, &["dst", "src"]).await?;
        click(&c, "#remotes li[data-remote='dst']").await?;
        wait_rows(&c, &[("copy", true)]).await?;
        click(&c, "#use-local").await?;
        wait_conn(&c, "local", "local", Duration::from_secs(10)).await?;
        click(&c, "#remotes li[data-remote='e2e']").await?;
        wait_rows(&c, &[("empty", true), ("photos", true), ("readme.txt", false)]).await?;

        // clear messages: wrong token (and a header that says so when used), expired token,
        // untrusted certificate, a server answering 500
        fill_server(&c, "wrong", &url, "rpx_1_00000000000000000000000000000000", "").await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(!ok && problem.contains("refused the credentials"), "wrong token: {problem:?}");
        click(&c, "#server-save").await?;
        use_server(&c, "wrong").await?;
        let refused = wait_conn(&c, "server", "refused", Duration::from_secs(20)).await?;
        ensure!(refused.contains("refused the credentials"), "header with a wrong token: {refused:?}");
        // the listing's failure is about the connection, not about a remote's credentials
        let banner = poll(Duration::from_secs(10), "error banner", || async { text(&c, "#error-banner").await }).await?;
        ensure!(banner.contains("Server connection problem") && banner.contains("the sidebar's Connection section") && !banner.contains("rclone config"), "banner: {banner:?}");
        screenshot(&c, "server-refused.png").await?;
        click(&c, "#use-local").await?;
        wait_conn(&c, "local", "local", Duration::from_secs(10)).await?;

        let expiring = expiring_token(&data, "admin", "1s")?;
        std::thread::sleep(Duration::from_millis(1500));
        fill_server(&c, "expired", &url, &expiring, "").await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(!ok && problem.contains("expired"), "expired token: {problem:?}");

        let (_tls, tls_port, tls_token, ca) = start_tls_rproxy(srv_dir.path())?;
        let https = format!("https://127.0.0.1:{tls_port}/");
        wait_until(Duration::from_secs(30), "the TLS server to listen", || std::net::TcpStream::connect(("127.0.0.1", tls_port)).ok())?;
        fill_server(&c, "tls", &https, &tls_token, "").await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(!ok && problem.contains("certificate is not trusted"), "untrusted certificate: {problem:?}");
        ensure!(text(&c, "#server-check dd[data-check='tls']").await.as_deref() == Some("no"));
        fill_server(&c, "tls", &https, &tls_token, ca.to_str().unwrap()).await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(ok, "with its CA: {problem:?}");

        let failing = failing_server()?;
        fill_server(&c, "failing", &format!("http://127.0.0.1:{failing}/"), &token, "").await?;
        let (ok, problem) = test_connection(&c).await?;
        ensure!(!ok && problem.contains("(500)") && problem.contains("database is locked"), "server error: {problem:?}");
        screenshot(&c, "server-errors.png").await?;
        for secret in [&token, &expiring, &tls_token] {
            let page = c.source().await?;
            ensure!(!page.contains(secret.as_str()), "a token is in the page");
        }
        drop(srv);
        Ok(())
    })
    .await
}

/// Saves server `name` at `url` with `token` in the fixture's settings and secrets (through
/// `rcmd-cli server add`, as a user would) and makes `active` the connection in use.
fn save_and_choose(fixture: &Fixture, name: &str, url: &str, token: &str, active: &str) -> Result<()> {
    save_and_choose_as(fixture, name, url, "admin", token, active)
}

/// [`save_and_choose`] for user `user`.
fn save_and_choose_as(fixture: &Fixture, name: &str, url: &str, user: &str, token: &str, active: &str) -> Result<()> {
    let mut child = std::process::Command::new(cli_binary()?)
        .args(["server", "add", name, url, "--user", user])
        .env("HOME", fixture.path("home"))
        .env("XDG_CONFIG_HOME", fixture.path("xdg-config"))
        .env("XDG_DATA_HOME", fixture.path("xdg-data"))
        .env("DBUS_SESSION_BUS_ADDRESS", fixture.no_session_bus())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{token}\n").as_bytes())?;
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "server add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = fixture.path("xdg-config/dev.rcmd.app/settings.json");
    let mut settings: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
    settings["active_server"] = serde_json::json!(active);
    std::fs::write(&path, serde_json::to_vec_pretty(&settings)?)?;
    Ok(())
}

/// The connection in use is remembered: the app starts on the saved server (its remotes
/// listed, "connected"); a saved choice that cannot be used (no such server any more) leaves
/// the app on this computer and says why in the window.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, rproxy, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn the_app_starts_on_the_saved_server_or_says_why_not() -> Result<()> {
    let tree = TreeServer::start(3, |i| (format!("f{i}.txt"), b"x".to_vec()))?;
    let url = format!("http://127.0.0.1:{}/", tree.port);
    let fixture = Fixture::new();
    save_and_choose(&fixture, "srv", &url, &tree.token, "srv")?;
    with_fixture_session("server-start", fixture, |c, _| async move {
        wait_conn(&c, "server", "connected", Duration::from_secs(60)).await?;
        wait_remotes(&c, &["dst", "src"]).await?;
        Ok(())
    })
    .await?;

    let fixture = Fixture::new();
    save_and_choose(&fixture, "srv", &url, &tree.token, "gone")?;
    with_fixture_session("server-start-gone", fixture, |c, _| async move {
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        wait_conn(&c, "local", "local", Duration::from_secs(10)).await?;
        wait_remotes(&c, &["broken", "e2e", "mem"]).await?;
        let banner = poll(Duration::from_secs(10), "the reason in the window", || async {
            text(&c, "#error-banner").await
        })
        .await?;
        ensure!(
            banner.contains("cannot use the saved server gone"),
            "banner: {banner:?}"
        );
        Ok(())
    })
    .await
}

/// The commander's ways of getting around work the same against a server (they use only
/// listings and `operations/about`, which rproxy allows): path field with completion, history,
/// hotlist (kept per server), free space; quick view says it needs this computer's rclone.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, rproxy, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn places_work_the_same_against_a_server() -> Result<()> {
    let tree = TreeServer::start(8, |i| (format!("d{}/f{i}.txt", i % 2), b"hello".to_vec()))?;
    let url = format!("http://127.0.0.1:{}/", tree.port);
    let token = tree.token.clone();
    let (edited, server_dst) = (tree.src.clone(), tree.dst.clone());
    let mut fixture = Fixture::new();
    // an editor that saves once, 1.5 s after it opened the file
    fixture.set_opener("( sleep 1.5; printf 'saved in the editor\\n' >> \"$1\" ) &\n")?;
    with_fixture_session("server-places", fixture, |c, dir| async move {
        const L: &str = "#pane-left";
        wait_ready(&c, None, Duration::from_secs(60)).await?;
        click(&c, "#connection-panel summary").await?;
        fill_server(&c, "srv", &url, &token, "").await?;
        click(&c, "#server-save").await?;
        poll(Duration::from_secs(10), "saved mark", || async {
            c.find(Locator::Css("#server-saved")).await.ok()
        })
        .await?;
        use_server(&c, "srv").await?;
        wait_conn(&c, "server", "connected", Duration::from_secs(20)).await?;
        wait_remotes(&c, &["dst", "src"]).await?;
        click(&c, "#remotes li[data-remote='src']").await?;
        wait_row(&c, L, "d1").await?;
        let spec = || async { attr(&c, &format!("{L} .path"), "data-spec").await.unwrap_or_default() };

        // the path field completes the server's folders
        press(&c, L, &format!("{CTRL}l")).await?;
        poll(Duration::from_secs(5), "the path field focused", || async {
            let v = c
                .execute("return document.activeElement.classList.contains('path-input')", vec![])
                .await
                .ok()?;
            (v == serde_json::json!(true)).then_some(())
        })
        .await?;
        type_keys(&c, "src:d1").await?;
        poll(Duration::from_secs(10), "a completion from the server", || async {
            let v = c
                .execute(
                    "const l = document.querySelector('#pane-left .completions'); return l ? l.textContent : ''",
                    vec![],
                )
                .await
                .ok()?;
            v.as_str()?.contains("src:d1/").then_some(())
        })
        .await?;
        type_keys(&c, TAB).await?;
        let _ = type_keys(&c, ENTER).await;
        poll(Duration::from_secs(10), "at src:d1", || async {
            (spec().await == "src:d1").then_some(())
        })
        .await?;
        wait_row(&c, L, "f1.txt").await?;

        // free space from the server's operations/about (a number, or "unknown")
        let free = poll(Duration::from_secs(15), "free space", || async {
            text(&c, &format!("{L} .pane-status .free"))
                .await
                .filter(|t| !t.is_empty())
        })
        .await?;
        ensure!(free.contains("free") || free.contains("unknown"), "{free:?}");

        // history and the hotlist
        press(&c, L, &format!("{ALT}{LEFT}")).await?;
        poll(Duration::from_secs(10), "back at src:", || async {
            (spec().await == "src:").then_some(())
        })
        .await?;
        press(&c, L, &format!("{ALT}{RIGHT}")).await?;
        poll(Duration::from_secs(10), "forward at src:d1", || async {
            (spec().await == "src:d1").then_some(())
        })
        .await?;
        press(&c, L, &format!("{CTRL}d")).await?;
        wait_dialog(&c, "hotlist").await?;
        type_keys(&c, ENTER).await?;
        // the new place takes the focus from the button it disabled
        wait_focused(&c, "#dialog .place[data-spec='src:d1']").await?;
        type_keys(&c, ESCAPE).await?;
        press(&c, L, BACKSPACE).await?;
        poll(Duration::from_secs(10), "up at src:", || async {
            (spec().await == "src:").then_some(())
        })
        .await?;
        press(&c, L, &format!("{CTRL}d")).await?;
        wait_dialog(&c, "hotlist").await?;
        type_keys(&c, "1").await?;
        poll(Duration::from_secs(10), "the bookmark", || async {
            (spec().await == "src:d1").then_some(())
        })
        .await?;

        // F3 and F4 through the server's rproxy/file route: this computer's rclone never
        // sees the server's remotes, the bytes come (and go back) over the server connection
        wait_row(&c, L, "f1.txt").await?;
        press(&c, L, &format!("{HOME}{F3}")).await?;
        wait_view(&c, "text").await?;
        let shown = text(&c, "#dialog .viewer-text").await.unwrap_or_default();
        ensure!(shown.contains("hello"), "{shown:?}");
        type_keys(&c, ESCAPE).await?;
        wait_gone(&c, "#dialog").await?;
        press(&c, L, F4).await?;
        wait_edit_state(&c, "opened").await?;
        wait_edit_state(&c, "uploaded").await?;
        let on_server = std::fs::read_to_string(edited.join("d1/f1.txt"))?;
        ensure!(
            on_server == "hellosaved in the editor\n",
            "the server's file holds {on_server:?}"
        );
        // someone changes it on the server; the next save asks, and "upload mine" replaces it
        std::fs::write(edited.join("d1/f1.txt"), "theirs\n")?;
        let copy = edit_copy(&dir, "f1.txt")?;
        std::fs::write(&copy, "mine\n")?;
        wait_edit_state(&c, "changed").await?;
        click(&c, "#edits .edit-upload").await?;
        poll(Duration::from_secs(30), "mine on the server", || async {
            (std::fs::read_to_string(edited.join("d1/f1.txt")).ok()? == "mine\n").then_some(())
        })
        .await?;
        click(&c, "#edits .edit-stop").await?;
        wait_gone(&c, "#edits").await?;

        // a copy onto the server's dst, where a newer f1.txt is: the server plans it
        // (rproxy/batch/plan), the dialog asks, "Rename the copy" keeps that file and the
        // copy lands beside it
        let theirs = server_dst.join("f1.txt");
        std::fs::write(&theirs, "newer on the server\n")?;
        std::fs::File::options()
            .write(true)
            .open(&theirs)?
            .set_modified(std::time::SystemTime::now() + Duration::from_secs(86_400))?;
        click(&c, "#pane-right .remote-select option[value='dst']").await?;
        wait_row(&c, "#pane-right", "f1.txt").await?;
        press(&c, L, HOME).await?;
        press(&c, L, F5).await?;
        wait_dialog(&c, "copy").await?;
        c.find(Locator::Css("#dialog-input")).await?.send_keys(ENTER).await?;
        poll(Duration::from_secs(20), "the conflict about f1.txt", || async {
            (attr(&c, "#dialog[data-kind='conflict']", "data-path").await.as_deref() == Some("f1.txt")).then_some(())
        })
        .await?;
        click(&c, "#conflict-rename").await?;
        wait_gone(&c, "#dialog").await?;
        poll(Duration::from_secs(30), "the renamed copy on the server", || async {
            (std::fs::read_to_string(server_dst.join("f1 (2).txt")).ok()? == "mine\n").then_some(())
        })
        .await?;
        ensure!(
            std::fs::read_to_string(&theirs)? == "newer on the server\n",
            "the server's newer file was replaced"
        );
        Ok(())
    })
    .await
}

/// Compare and sync against a server: the rows come from the server's compare, a changed
/// direction travels with the run, and the sync runs ON the server as its batch.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, rproxy, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn compare_and_sync_run_on_the_server() -> Result<()> {
    let tree = TreeServer::start(3, |i| (format!("f{i}.txt"), format!("file {i}").into_bytes()))?;
    std::fs::write(tree.dst.join("old.txt"), b"only on the server's right")?;
    let url = format!("http://127.0.0.1:{}/", tree.port);
    let fixture = Fixture::new();
    save_and_choose(&fixture, "srv", &url, &tree.token, "srv")?;
    let dst = tree.dst.clone();
    with_fixture_session("server-compare", fixture, |c, _| async move {
        wait_conn(&c, "server", "connected", Duration::from_secs(60)).await?;
        wait_remotes(&c, &["dst", "src"]).await?;
        click(&c, "#tab-compare").await?;
        fill(&c, "#compare-left", "src:").await?;
        fill(&c, "#compare-right", "dst:").await?;
        click(&c, "#compare-run").await?;
        let row = |path: &'static str, name: &'static str| {
            let c = c.clone();
            async move { attr(&c, &format!("#compare-list .compare-row[data-path='{path}']"), name).await }
        };
        poll(Duration::from_secs(30), "the server's rows", || async {
            row("old.txt", "data-direction").await.filter(|d| d == "delete_right")
        })
        .await?;
        ensure!(row("f0.txt", "data-state").await.as_deref() == Some("st-only-left"));
        // keep old.txt: a click makes it come to the left, a second one skips it
        for want in ["left", "skip"] {
            click(&c, "#compare-list .compare-row[data-path='old.txt'] button.dir").await?;
            poll(Duration::from_secs(10), &format!("old.txt → {want}"), || async {
                row("old.txt", "data-direction").await.filter(|d| d == want)
            })
            .await?;
        }
        click(&c, "#sync-preview").await?;
        let panel = wait_text(&c, "#sync-preview-panel", "f2.txt").await?;
        ensure!(!panel.contains("old.txt"), "{panel}");
        click(&c, "#sync-run").await?;
        let started = wait_text(&c, "#sync-started", "#").await?;
        let id =
            rcmd_types::parse_batch_id(started.rsplit('#').next().unwrap_or_default()).map_err(anyhow::Error::msg)?;
        click(&c, "#tab-jobs").await?;
        poll(Duration::from_secs(60), "the server's sync batch completed", || async {
            job_status(&c, id).await.filter(|s| s == "completed")
        })
        .await?;
        for i in 0..3 {
            ensure!(std::fs::read(dst.join(format!("f{i}.txt")))? == format!("file {i}").into_bytes());
        }
        ensure!(dst.join("old.txt").exists(), "the skipped file stays");
        Ok(())
    })
    .await
}

/// Files completely written under `dir` (rclone writes a `.partial` file first, then renames).
fn landed(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| !e.file_name().to_string_lossy().ends_with(".partial"))
                .count()
        })
        .unwrap_or(0)
}

/// The "done/total" at the start of batch `id`'s line in the job list.
async fn shown_done(c: &Client, id: i64) -> Option<usize> {
    let meta = text(c, &format!("li.job[data-batch='{id}'] .job-meta")).await?;
    meta.split('/').next()?.trim().parse().ok()
}

/// An operator in remote mode (issue 30): the admin-only bandwidth limit is shown disabled
/// with the reason; the header's speed is the operator's own batch's; the batch line counts
/// files as they land on the server's disk; while rproxy is down (kill -9) the line is marked
/// stale, with no speed or time left; after the restart it finishes; a token revoked
/// mid-session turns the header "refused" (pointing to where a new token goes) and the app
/// stops calling the server with it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built app, rproxy, Xvfb, tauri-driver and WebKitWebDriver: run scripts/test.sh"]
async fn an_operator_sees_honest_progress_an_outage_and_a_revoked_token() -> Result<()> {
    const FILES: usize = 12;
    let TreeServer {
        dir: _dir,
        dst,
        data,
        conf,
        port,
        server,
        token,
        ..
    } = TreeServer::start(FILES, |i| (format!("f{i:02}.bin"), vec![i as u8; 96 * 1024]))?;
    let oper = add_user(&data, "oper", "operator")?;
    let url = format!("http://127.0.0.1:{port}/");
    let fixture = Fixture::new();
    save_and_choose_as(&fixture, "srv", &url, "oper", &oper, "srv")?;
    let server = std::sync::Mutex::new(Some(server));
    with_fixture_session("server-operator", fixture, |c, _| async move {
        wait_conn(&c, "server", "connected", Duration::from_secs(60)).await?;
        wait_remotes(&c, &["dst", "src"]).await?;
        // only admins change the server's bandwidth limit: shown, disabled, and why
        let why = poll(Duration::from_secs(10), "the limit's Apply disabled", || async {
            attr(&c, "#bwlimit-apply", "disabled").await?;
            attr(&c, "#bwlimit-apply", "title").await
        })
        .await?;
        ensure!(
            why.contains("admins") && why.contains("operator"),
            "Apply's reason: {why:?}"
        );

        // 12 files of 96 KiB at 64 KiB/s: they land over ~18 s, a few at a time
        let (status, _) = post(port, &token, "core/bwlimit", &serde_json::json!({ "rate": "64k" }))?;
        ensure!(status == 200, "bwlimit: {status}");
        click(&c, "#remotes li[data-remote='src']").await?;
        wait_row(&c, "#pane-left", "f00.bin").await?;
        press(&c, "#pane-left", &format!("{CTRL}a")).await?;
        transfer_to(&c, "dst:copy").await?;
        let id: i64 = poll(Duration::from_secs(20), "the job in the list", || async {
            attr(&c, "li.job", "data-batch").await?.parse().ok()
        })
        .await?;
        click(&c, "#tab-jobs").await?;

        // every file counted in the window within 2 s of landing on the server's disk
        let copy = dst.join("copy");
        let (mut landed_at, mut shown_at): (Vec<Instant>, Vec<Instant>) = (vec![], vec![]);
        let mut speed = 0.0f64;
        let end = Instant::now() + Duration::from_secs(90);
        while landed_at.len() < FILES / 2 && Instant::now() < end {
            let on_disk = landed(&copy);
            while landed_at.len() < on_disk {
                landed_at.push(Instant::now());
            }
            let shown = shown_done(&c, id).await.unwrap_or(0);
            while shown_at.len() < shown {
                shown_at.push(Instant::now());
            }
            let s: f64 = attr(&c, "#total-speed", "data-speed")
                .await
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0);
            speed = speed.max(s);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(
            landed_at.len() >= FILES / 2,
            "only {} files landed in 90 s",
            landed_at.len()
        );
        // the window may count the last of these a moment later
        let settle = Instant::now() + Duration::from_secs(3);
        while shown_at.len() < landed_at.len() && Instant::now() < settle {
            if let Some(shown) = shown_done(&c, id).await {
                while shown_at.len() < shown {
                    shown_at.push(Instant::now());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let lags: Vec<f64> = landed_at
            .iter()
            .enumerate()
            .map(|(k, at)| {
                shown_at
                    .get(k)
                    .map_or(f64::INFINITY, |s| s.saturating_duration_since(*at).as_secs_f64())
            })
            .collect();
        eprintln!("file landed → counted in the window (s): {lags:.2?}; header speed up to {speed:.0} B/s");
        ensure!(
            lags.iter().all(|l| *l <= 2.2),
            "counted later than 2 s after landing: {lags:.2?}"
        );
        ensure!(
            speed > 0.0,
            "the header's speed stayed 0 while the operator's batch ran"
        );
        screenshot(&c, "server-operator-running.png").await?;

        // kill -9 rproxy mid-batch: the line says it is what was seen last
        let mut srv = server.lock().unwrap().take().unwrap();
        signal(srv.pid(), "KILL");
        srv.child.wait()?;
        drop(srv);
        wait_conn(&c, "server", "offline", Duration::from_secs(15)).await?;
        let stale = poll(Duration::from_secs(5), "the batch line marked stale", || async {
            (attr(&c, &format!("li.job[data-batch='{id}']"), "data-stale")
                .await
                .as_deref()
                == Some("true"))
            .then_some(())?;
            text(&c, &format!("li.job[data-batch='{id}'] .job-meta")).await
        })
        .await?;
        ensure!(
            stale.contains("cannot be reached") && !stale.contains("/s") && !stale.contains(" left"),
            "stale line: {stale:?}"
        );
        let zero = poll(Duration::from_secs(2), "the header's speed at 0", || async {
            (attr(&c, "#total-speed", "data-speed").await.as_deref() == Some("0")).then_some(())
        })
        .await;
        ensure!(
            zero.is_ok(),
            "header speed while offline: {:?}",
            text(&c, "#total-speed").await
        );
        screenshot(&c, "server-operator-outage.png").await?;

        let srv = Proc::new(start_rproxy(&data, &conf, port)?);
        wait_conn(&c, "server", "connected", Duration::from_secs(60)).await?;
        poll(Duration::from_secs(120), "the batch completed", || async {
            (job_status(&c, id).await.as_deref() == Some("completed")).then_some(())
        })
        .await?;
        let meta = text(&c, &format!("li.job[data-batch='{id}'] .job-meta"))
            .await
            .unwrap_or_default();
        ensure!(
            meta.starts_with(&format!("{FILES}/{FILES}")),
            "after the outage: {meta:?}"
        );
        ensure!(landed(&copy) == FILES);
        // its details: the bytes, how long it took, the outage it ran through
        click(&c, &format!("li.job[data-batch='{id}'] button.details")).await?;
        let bytes = poll(Duration::from_secs(10), "the report", || async {
            attr(&c, "#job-report .report-bytes", "data-bytes").await
        })
        .await?;
        ensure!(bytes == (FILES * 96 * 1024).to_string(), "report bytes {bytes}");
        let took = text(&c, "#job-report .report-bytes").await.unwrap_or_default();
        ensure!(took.contains("took"), "{took:?}");
        let outages = text(&c, "#job-report .report-outages").await.unwrap_or_default();
        ensure!(
            outages.contains("outages of") && outages.ends_with(" s"),
            "report: {outages:?}"
        );
        screenshot(&c, "server-operator-details.png").await?;

        // the operator's token revoked from a shell while the app runs
        // (timed from the revocation's commit: the two commands before it start processes)
        revoke_newest_token(&data, "oper")?;
        let revoked = Instant::now();
        let label = wait_conn(&c, "server", "refused", Duration::from_secs(15)).await?;
        let to_refused = revoked.elapsed();
        ensure!(
            label.contains("new token") && label.contains("Connection"),
            "header: {label:?}"
        );
        screenshot(&c, "server-operator-refused.png").await?;
        // nothing polls with the dead token any more
        let calls = || rproxy_log_lines(port, &["refused: bad credentials", "core/stats"]);
        let before = calls();
        tokio::time::sleep(Duration::from_secs(4)).await;
        let after = calls();
        eprintln!(
            "token revoked → header refused in {:.2} s; refused core/stats calls in the 4 s after: {}",
            to_refused.as_secs_f64(),
            after - before
        );
        ensure!(
            after - before <= 1,
            "the app kept polling with the revoked token: {} refused calls in 4 s",
            after - before
        );
        ensure!(
            to_refused <= Duration::from_secs(5),
            "the header said refused {to_refused:?} after the revocation"
        );
        // the header leads to where a new token goes
        click(&c, "#connection-status").await?;
        poll(Duration::from_secs(5), "the Connection section open", || async {
            attr(&c, "#connection-panel", "open").await
        })
        .await?;
        drop(srv);
        Ok(())
    })
    .await
}
