//! Driving the app window over WebDriver: polling the page, reading and clicking elements,
//! screenshots, and a session per test that always ends the app.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};

use crate::{artifacts, Display, Driver, Fixture};

/// Polls the page until `check` returns `Some`.
pub async fn poll<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Ok(v);
        }
        ensure!(Instant::now() < end, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn attr(c: &Client, css: &str, name: &str) -> Option<String> {
    c.find(Locator::Css(css)).await.ok()?.attr(name).await.ok()?
}

/// The rendered text (`innerText`) of the first element matching `css`. WebKitWebDriver's own
/// element text comes back empty for the cells of the virtualised file list (absolutely
/// placed rows), so those are read through the page.
pub async fn inner_text(c: &Client, css: &str) -> Option<String> {
    let v = c
        .execute(
            "return document.querySelector(arguments[0])?.innerText ?? null",
            vec![serde_json::json!(css)],
        )
        .await
        .ok()?;
    v.as_str().map(str::to_owned)
}

pub async fn text(c: &Client, css: &str) -> Option<String> {
    c.find(Locator::Css(css)).await.ok()?.text().await.ok()
}

/// Waits until the status pill says ready with a pid other than `not`; returns the pid.
pub async fn wait_ready(c: &Client, not: Option<u32>, timeout: Duration) -> Result<u32> {
    poll(timeout, "sidecar ready in the UI", || async {
        if attr(c, "#sidecar-status", "data-state").await.as_deref() != Some("ready") {
            return None;
        }
        let pid: u32 = attr(c, "#sidecar-status", "data-pid").await?.parse().ok()?;
        (Some(pid) != not).then_some(pid)
    })
    .await
}

/// The (name, is_dir) rows of the file table.
pub async fn rows(c: &Client) -> Vec<(String, bool)> {
    let Ok(rows) = c.find_all(Locator::Css("#pane-left .row[data-name]")).await else {
        return vec![];
    };
    let mut out = vec![];
    for r in rows {
        let name = r.attr("data-name").await.ok().flatten().unwrap_or_default();
        let dir = r.attr("data-dir").await.ok().flatten().as_deref() == Some("true");
        out.push((name, dir));
    }
    out
}

pub async fn wait_rows(c: &Client, expected: &[(&str, bool)]) -> Result<()> {
    let want: Vec<(String, bool)> = expected.iter().map(|(n, d)| (n.to_string(), *d)).collect();
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let now = rows(c).await;
        if now == want {
            return Ok(());
        }
        ensure!(Instant::now() < end, "file listing: rows were {now:?}, wanted {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(c: &Client, css: &str) -> Result<()> {
    // a list re-rendered between the find and the click leaves a stale element: find it again
    let mut tries = 0;
    loop {
        let el = c.find(Locator::Css(css)).await.with_context(|| format!("find {css}"))?;
        in_view(c, css).await;
        match el.click().await {
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference && tries < 5 =>
            {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other.map(|_| ()).with_context(|| format!("click {css}")),
        }
    }
}

/// Scrolls the element `css` into view (WebKitWebDriver does not, and refuses to touch an
/// element outside a scrolled panel's visible part).
pub async fn in_view(c: &Client, css: &str) {
    let _ = c
        .execute(
            "document.querySelector(arguments[0])?.scrollIntoView({block: 'center'})",
            vec![serde_json::json!(css)],
        )
        .await;
}

pub async fn screenshot(c: &Client, name: &str) -> Result<std::path::PathBuf> {
    // WebKitWebDriver captures the last painted frame: give a change just made time to paint
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c.screenshot().await?;
    let path = artifacts().join(name);
    std::fs::write(&path, png)?;
    eprintln!("screenshot: {}", path.display());
    Ok(path)
}

/// Runs `body` in a fresh session, always closing it (which ends the app).
pub async fn with_session<F, Fut>(name: &str, body: F) -> Result<()>
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    with_fixture_session(name, Fixture::new(), |c, _| body(c)).await
}

/// Like [`with_session`], giving the body the fixture too.
pub async fn with_fixture_session<F, Fut>(name: &str, fixture: Fixture, body: F) -> Result<()>
where
    F: FnOnce(Client, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let display = Display::start()?;
    let driver = Driver::start(&fixture, &display)?;
    // WebDriver calls have no timeout of their own: a window that stops answering (its main
    // thread blocked) would hang the test, and CI, forever; every step here is bounded
    let client = tokio::time::timeout(Duration::from_secs(90), driver.session())
        .await
        .context("no WebDriver session within 90 s")??;
    let limit = session_limit();
    let result = match tokio::time::timeout(limit, body(client.clone(), fixture.dir.path().to_owned())).await {
        Ok(r) => r,
        Err(_) => {
            // what every process was waiting in, for the report
            let ps = std::process::Command::new("ps")
                .args(["-eo", "pid,ppid,stat,wchan:24,etime,args", "--forest"])
                .output();
            let ps = ps
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            Err(anyhow::anyhow!("{name}: the session did not end within {limit:?} (a WebDriver call without an answer: is the window's main thread blocked?)\nprocesses:\n{ps}"))
        }
    };
    if let Err(e) = &result {
        eprintln!("{name} failed: {e:#?}");
    }
    if result.is_err() {
        let _ = tokio::time::timeout(
            Duration::from_secs(15),
            screenshot(&client, &format!("{name}-failure.png")),
        )
        .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(15), client.close()).await;
    if result.is_err() {
        // the app's own account of what happened, next to the screenshot
        let logs = crate::app_logs(fixture.dir.path())
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<String>();
        let path = artifacts().join(format!("{name}-failure-app.log"));
        if std::fs::write(&path, logs).is_ok() {
            eprintln!("app log: {}", path.display());
        }
    }
    result
}

/// How long one session's body may run: `RCMD_E2E_SESSION_LIMIT_S`, 300 s by default.
fn session_limit() -> Duration {
    let secs = std::env::var("RCMD_E2E_SESSION_LIMIT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

/// The names in the remote list.
pub async fn remote_names(c: &Client) -> Vec<String> {
    let mut names = vec![];
    for li in c.find_all(Locator::Css("#remotes li")).await.unwrap_or_default() {
        if let Ok(Some(n)) = li.attr("data-remote").await {
            names.push(n);
        }
    }
    names
}

pub async fn job_status(c: &Client, id: i64) -> Option<String> {
    attr(c, &format!("li.job[data-batch='{id}']"), "data-status").await
}

/// WebDriver key codes (the spec's "normalized key values").
pub const CTRL: &str = "\u{E009}";
pub const SHIFT: &str = "\u{E008}";
pub const ALT: &str = "\u{E00A}";
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const BACKSPACE: &str = "\u{E003}";
pub const DELETE: &str = "\u{E017}";
pub const DOWN: &str = "\u{E015}";
pub const ESCAPE: &str = "\u{E00C}";
pub const F2: &str = "\u{E032}";
pub const F3: &str = "\u{E033}";
pub const F4: &str = "\u{E034}";
pub const F5: &str = "\u{E035}";
pub const F6: &str = "\u{E036}";
pub const F7: &str = "\u{E037}";
pub const F8: &str = "\u{E038}";
pub const END: &str = "\u{E010}";
pub const HOME: &str = "\u{E011}";
pub const INSERT: &str = "\u{E016}";
pub const LEFT: &str = "\u{E012}";
pub const RIGHT: &str = "\u{E014}";
/// Releases the modifiers pressed so far in one `send_keys`.
pub const RELEASE: &str = "\u{E000}";

/// Sends `keys` to whatever has the focus now (the page's active element), as a user typing
/// after a mouse click would.
pub async fn type_keys(c: &Client, keys: &str) -> Result<()> {
    c.active_element()
        .await?
        .send_keys(keys)
        .await
        .context("keys to the focused element")?;
    Ok(())
}

/// Types `keys` into the file list of `pane` (`#pane-left` or `#pane-right`), which gets the
/// focus first, as a user's keyboard would.
pub async fn press(c: &Client, pane: &str, keys: &str) -> Result<()> {
    let css = format!("{pane} .list");
    let _ = c
        .execute(
            "document.querySelector(arguments[0]).focus()",
            vec![serde_json::json!(css)],
        )
        .await;
    c.find(Locator::Css(&css))
        .await?
        .send_keys(keys)
        .await
        .with_context(|| format!("keys to {css}"))?;
    Ok(())
}

/// Waits for the row `name` in `pane`.
pub async fn wait_row(c: &Client, pane: &str, name: &str) -> Result<()> {
    let css = format!("{pane} .row[data-name='{name}']");
    poll(Duration::from_secs(15), &css, || async {
        c.find(Locator::Css(&css)).await.ok()
    })
    .await
    .map(|_| ())
}

/// The names shown in `pane`, in order (only the rows in view are in the DOM).
pub async fn pane_rows(c: &Client, pane: &str) -> Vec<String> {
    let mut out = vec![];
    for r in c
        .find_all(Locator::Css(&format!("{pane} .row[data-name]")))
        .await
        .unwrap_or_default()
    {
        out.push(r.attr("data-name").await.ok().flatten().unwrap_or_default());
    }
    out
}

/// Waits for the dialog of `kind` (copy, move, delete, mkdir, rename, properties) to be open
/// with the focus in it (keys typed before would go elsewhere).
pub async fn wait_dialog(c: &Client, kind: &str) -> Result<()> {
    let css = format!("#dialog[data-kind='{kind}']");
    poll(Duration::from_secs(10), &css, || async {
        c.find(Locator::Css(&css)).await.ok()?;
        let inside = c
            .execute("return !!document.activeElement?.closest('#dialog')", vec![])
            .await
            .ok()?;
        (inside == true).then_some(())
    })
    .await
}

/// F5 in the left pane, then the copy dialog's destination replaced by `dst` and confirmed.
pub async fn transfer_to(c: &Client, dst: &str) -> Result<()> {
    click(c, "#cmd-copy").await?;
    wait_dialog(c, "copy").await?;
    let input = c.find(Locator::Css("#dialog-input")).await?;
    input.clear().await?;
    input.send_keys(dst).await?;
    click(c, "#dialog-ok").await?;
    poll(Duration::from_secs(10), "dialog closed", || async {
        c.find(Locator::Css("#dialog")).await.is_err().then_some(())
    })
    .await
}

/// Replaces the text of the field `css` with `text`, typed as a user would.
pub async fn fill(c: &Client, css: &str, text: &str) -> Result<()> {
    let el = c.find(Locator::Css(css)).await.with_context(|| format!("find {css}"))?;
    in_view(c, css).await;
    el.clear().await.with_context(|| format!("clear {css}"))?;
    el.send_keys(text).await.with_context(|| format!("type into {css}"))?;
    Ok(())
}

/// Waits (15 s at most) until an element with an id matches `css`.
pub async fn wait_for_css(c: &Client, css: &str) -> Result<()> {
    poll(Duration::from_secs(15), css, || async {
        attr(c, css, "id").await.map(|_| ())
    })
    .await
}

/// Waits until the text of `css` contains `part`; returns the whole text.
pub async fn wait_text(c: &Client, css: &str, part: &str) -> Result<String> {
    let got = poll(Duration::from_secs(20), &format!("{css} showing {part:?}"), || async {
        inner_text(c, css).await.filter(|t| t.contains(part))
    })
    .await;
    match got {
        Ok(t) => Ok(t),
        Err(e) => Err(e.context(format!("{css} shows {:?}", inner_text(c, css).await))),
    }
}

/// Presses the window's close button as a window manager does: a `WM_DELETE_WINDOW` client
/// message to every top-level window titled `title` on X display `display` (WebDriver's
/// "close window" does not go through the toolkit's close request).
pub fn close_button(display: &str, title: &str) -> Result<usize> {
    use x11rb::{
        connection::Connection,
        protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask},
    };
    let (conn, screen) = x11rb::rust_connection::RustConnection::connect(Some(display)).context("connect to X")?;
    let root = conn.setup().roots[screen].root;
    let protocols = conn.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
    let delete = conn.intern_atom(false, b"WM_DELETE_WINDOW")?.reply()?.atom;
    let mut sent = 0;
    for w in conn.query_tree(root)?.reply()?.children {
        let name = conn
            .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)?
            .reply()?;
        let wants = conn.get_property(false, w, protocols, AtomEnum::ATOM, 0, 32)?.reply()?;
        let speaks_delete = wants.value32().is_some_and(|mut atoms| atoms.any(|a| a == delete));
        if name.value == title.as_bytes() && speaks_delete {
            let event = ClientMessageEvent::new(32, w, protocols, [delete, x11rb::CURRENT_TIME, 0, 0, 0]);
            conn.send_event(false, w, EventMask::NO_EVENT, event)?;
            sent += 1;
        }
    }
    conn.flush()?;
    Ok(sent)
}

/// Whether the top-level window titled `title` on X display `display` is shown (mapped), as
/// the X server sees it; `None` if there is no such window. Unlike a WebDriver call, this
/// cannot wait on a page whose window is being hidden.
pub fn window_shown(display: &str, title: &str) -> Result<Option<bool>> {
    use x11rb::{
        connection::Connection,
        protocol::xproto::{AtomEnum, ConnectionExt, MapState},
    };
    let (conn, screen) = x11rb::rust_connection::RustConnection::connect(Some(display)).context("connect to X")?;
    let root = conn.setup().roots[screen].root;
    let mut found = None;
    for w in conn.query_tree(root)?.reply()?.children {
        let name = conn
            .get_property(false, w, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)?
            .reply()?;
        if name.value == title.as_bytes() {
            let shown = conn.get_window_attributes(w)?.reply()?.map_state == MapState::VIEWABLE;
            found = Some(found.unwrap_or(false) || shown);
        }
    }
    Ok(found)
}

/// Waits for the quick view (F3) showing `kind` (`text`, `image`, `pdf`, `binary`, `error`).
pub async fn wait_view(c: &Client, kind: &str) -> Result<()> {
    let css = format!("#dialog[data-kind='view'][data-view='{kind}']");
    let got = poll(Duration::from_secs(20), &css, || async {
        c.find(Locator::Css(&css)).await.ok().map(|_| ())
    })
    .await;
    if got.is_err() {
        let shown = attr(c, "#dialog", "data-view").await;
        let said = text(c, "#dialog").await;
        anyhow::bail!("quick view {shown:?} ({said:?}), wanted {kind}");
    }
    Ok(())
}

/// Waits for the edit strip (F4) saying `state` (`opened`, `uploaded`, `changed`, `kept`, ...).
pub async fn wait_edit_state(c: &Client, state: &str) -> Result<()> {
    let css = format!("#edits li[data-state='{state}']");
    let got = poll(Duration::from_secs(30), &css, || async {
        c.find(Locator::Css(&css)).await.ok().map(|_| ())
    })
    .await;
    if got.is_err() {
        let now = attr(c, "#edits li", "data-state").await;
        let said = text(c, "#edits").await;
        anyhow::bail!("edit state {now:?} ({said:?}), wanted {state}");
    }
    Ok(())
}

/// Waits until nothing matches `css` (a dialog closed, a strip gone).
pub async fn wait_gone(c: &Client, css: &str) -> Result<()> {
    poll(Duration::from_secs(20), &format!("{css} gone"), || async {
        c.find(Locator::Css(css)).await.is_err().then_some(())
    })
    .await
}

/// Waits until the focused element matches `css` (keys typed next go there).
pub async fn wait_focused(c: &Client, css: &str) -> Result<()> {
    let script = format!(
        "const a = document.activeElement; return !!a && a.matches({})",
        serde_json::to_string(css)?
    );
    poll(Duration::from_secs(10), &format!("focus on {css}"), || async {
        let v = c.execute(&script, vec![]).await.ok()?;
        (v == serde_json::json!(true)).then_some(())
    })
    .await
}

/// The local copy F4 opened of `name`, in the app's data folder under the fixture root `dir`
/// (the first edit session's folder).
pub fn edit_copy(dir: &std::path::Path, name: &str) -> Result<std::path::PathBuf> {
    let edits = dir.join("xdg-data/dev.rcmd.app/edits");
    Ok(std::fs::read_dir(&edits)?
        .next()
        .context("an edit folder")??
        .path()
        .join(name))
}
