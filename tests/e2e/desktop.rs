//! End-to-end tests of issue 13 in the real window: a webdav remote set up through the form
//! against a real `rclone serve webdav` (tested, browsed, edited, deleted), an encrypted
//! rclone config opened with its password, schedules and the log view, closing the window
//! while a batch runs, and a second launch showing the first window.

#![allow(clippy::unwrap_used)]

use std::{process::Command, time::Duration};

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use rcmd_e2e::{visual::check_accessibility, window::*, *};

const ENTER: &str = "\u{E007}";

async fn exists(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.is_ok()
}

async fn wait_for(c: &Client, css: &str) -> Result<()> {
    poll(Duration::from_secs(20), css, || async {
        exists(c, css).await.then_some(())
    })
    .await
}

/// Clicks `css` once it is there (lists filled from the engine arrive after the page).
async fn pick(c: &Client, css: &str) -> Result<()> {
    wait_for(c, css).await?;
    click(c, css).await
}

#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn a_webdav_remote_is_set_up_through_the_form_tested_browsed_edited_and_deleted() -> Result<()> {
    let fixture = Fixture::new();
    let (_dav, port) = fixture.serve_webdav("alice", "s3cret 패스")?;
    std::fs::write(fixture.path("webdav/from-dav.txt"), b"served over webdav")?;
    std::fs::create_dir_all(fixture.path("webdav/docs"))?;
    let conf = fixture.path("rclone.conf");
    with_fixture_session("setup-webdav", fixture, |c, dir| async move {
        wait_ready(&c, None, Duration::from_secs(30)).await?;
        click(&c, "#tab-setup").await?;
        click(&c, "#new-remote").await?;
        // a required field left empty is refused before anything reaches rclone
        fill(&c, "#remote-name", "dav").await?;
        pick(&c, "#remote-type option[value='webdav']").await?;
        wait_for(&c, "#opt-url").await?;
        click(&c, "#remote-save").await?;
        wait_text(&c, "#remote-message", "url").await?;
        ensure!(!std::fs::read_to_string(&conf)?.contains("[dav]"), "nothing saved");

        check_accessibility(&c, "remote-editor").await?;
        fill(&c, "#opt-url", &format!("http://127.0.0.1:{port}/")).await?;
        fill(&c, "#opt-vendor", "rclone").await?;
        fill(&c, "#opt-user", "alice").await?;
        fill(&c, "#opt-pass", "s3cret 패스").await?;
        click(&c, "#remote-save").await?;
        // saved, then tested by itself: the served folder's top level has 2 entries
        let row = "#setup-remotes li[data-setup-remote='dav'] .result";
        wait_text(&c, row, " 2").await?;
        ensure!(attr(&c, row, "class").await.unwrap_or_default().contains("ok"));
        let text = std::fs::read_to_string(&conf)?;
        ensure!(
            text.contains("[dav]") && text.contains("url = http://127.0.0.1:") && !text.contains("s3cret"),
            "{text}"
        );

        // browse it in the commander
        click(&c, "#tab-files").await?;
        pick(&c, "#pane-left .remote-select option[value='dav']").await?;
        wait_row(&c, "#pane-left", "from-dav.txt").await?;
        wait_row(&c, "#pane-left", "docs").await?;

        // edit: the password field is empty ("set; leave empty to keep"); a wrong user fails the test
        click(&c, "#tab-setup").await?;
        click(&c, "#setup-remotes li[data-setup-remote='dav'] .edit").await?;
        wait_for(&c, "#opt-pass").await?;
        ensure!(
            attr(&c, "#opt-pass", "value").await.unwrap_or_default().is_empty(),
            "no secret is shown"
        );
        let hint = attr(&c, "#opt-pass", "placeholder").await.unwrap_or_default();
        ensure!(hint.contains("leave empty") || hint.contains("비워"), "{hint}");
        ensure!(
            !c.source().await?.contains("s3cret"),
            "the password is nowhere in the page"
        );
        fill(&c, "#opt-user", "mallory").await?;
        click(&c, "#remote-save").await?;
        let row_bad = "#setup-remotes li[data-setup-remote='dav'] .result.bad";
        wait_for(&c, row_bad).await?;
        // said in the user's words, not rclone's "HTTP 500 … 401 Unauthorized"
        let said = inner_text(&c, row_bad).await.unwrap_or_default();
        ensure!(
            (said.contains("refused the login") || said.contains("로그인을 거부")) && !said.contains("401"),
            "a wrong user's test says {said:?}"
        );
        // and back: the kept password still works
        click(&c, "#setup-remotes li[data-setup-remote='dav'] .edit").await?;
        wait_for(&c, "#opt-user").await?;
        fill(&c, "#opt-user", "alice").await?;
        click(&c, "#remote-save").await?;
        let row_ok = "#setup-remotes li[data-setup-remote='dav'] .result.ok";
        poll(Duration::from_secs(20), "test ok again", || async {
            inner_text(&c, row_ok).await.filter(|t| t.contains(" 2"))
        })
        .await?;

        // delete: the first click asks, the second deletes
        click(&c, "#setup-remotes li[data-setup-remote='dav'] .delete").await?;
        ensure!(
            exists(&c, "#setup-remotes li[data-setup-remote='dav']").await,
            "one click does not delete"
        );
        click(&c, "#setup-remotes li[data-setup-remote='dav'] .delete").await?;
        wait_gone(&c, "#setup-remotes li[data-setup-remote='dav']").await?;
        ensure!(!std::fs::read_to_string(&conf)?.contains("[dav]"));
        screenshot(&c, "setup-after-delete.png").await?;
        let _ = dir;
        Ok(())
    })
    .await
}

/// The rclone binary next to the app.
fn rclone() -> Result<std::path::PathBuf> {
    Ok(app_binary()?.with_file_name("rcmd-rclone"))
}

#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn an_encrypted_config_asks_for_its_password_and_refuses_a_wrong_one() -> Result<()> {
    let fixture = Fixture::new();
    let conf = fixture.path("rclone.conf");
    let script = fixture.path("pass.sh");
    std::fs::write(&script, "#!/bin/sh\necho 'open sesame'\n")?;
    Command::new("chmod").arg("700").arg(&script).status()?;
    let out = Command::new(rclone()?)
        .args(["config", "encryption", "set", "--config"])
        .arg(&conf)
        .arg("--password-command")
        .arg(&script)
        .output()?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ensure!(std::fs::read_to_string(&conf)?.contains("RCLONE_ENCRYPT_V0:"));
    with_fixture_session("encrypted-config", fixture, |c, dir| async move {
        wait_for(&c, "#password-prompt").await?;
        check_accessibility(&c, "password-prompt").await?;
        ensure!(
            exists(&c, "#no-remotes").await || remote_names(&c).await.is_empty(),
            "no remotes while locked"
        );
        fill(&c, "#config-password", "wrong").await?;
        click(&c, "#unlock-config").await?;
        wait_text(&c, "#password-error", "wrong password").await?;
        fill(&c, "#config-password", "open sesame").await?;
        click(&c, "#unlock-config").await?;
        wait_gone(&c, "#password-prompt").await?;
        poll(Duration::from_secs(30), "remotes of the encrypted config", || async {
            remote_names(&c).await.contains(&"e2e".to_owned()).then_some(())
        })
        .await?;
        // the password is in no log line, and not on rclone's command line
        let logs: String = app_logs(&dir)
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        ensure!(!logs.contains("open sesame"), "password in the log");
        ensure!(
            logs.contains("wrong rclone config password entered") && logs.contains("rclone config unlocked"),
            "{logs}"
        );
        let ps = String::from_utf8(Command::new("ps").args(["-eo", "args"]).output()?.stdout)?;
        ensure!(!ps.contains("open sesame"), "password on a command line");
        Ok(())
    })
    .await
}

#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn schedules_are_made_in_the_editor_and_the_log_view_filters() -> Result<()> {
    with_fixture_session("schedules-logs", Fixture::new(), |c, _dir| async move {
        wait_ready(&c, None, Duration::from_secs(30)).await?;
        click(&c, "#tab-schedules").await?;
        wait_for(&c, "#no-schedules").await?;
        click(&c, "#new-schedule").await?;
        fill(&c, "#sched-name", "nightly photos").await?;
        fill(&c, "#sched-src", "e2e:photos").await?;
        fill(&c, "#sched-dst", "mem:backup").await?;
        fill(&c, "#sched-time", "02:30").await?;
        wait_text(&c, "#sched-preview", "30 2 * * *").await?;
        check_accessibility(&c, "schedule-editor").await?;
        // a bad time is refused with the reason, nothing saved
        fill(&c, "#sched-time", "25:00").await?;
        click(&c, "#sched-save").await?;
        wait_text(&c, "#sched-error", "HH:MM").await?;
        fill(&c, "#sched-time", "02:30").await?;
        click(&c, "#sched-save").await?;
        wait_gone(&c, "#schedule-editor").await?;
        let row = "#schedules li[data-schedule='1']";
        let text = wait_text(&c, row, "nightly photos").await?;
        ensure!(
            text.contains("02:30") && text.contains("e2e:photos → mem:backup"),
            "{text}"
        );
        ensure!(text.contains(":30"), "the next run is shown: {text}");
        // weekly via the preset, edited
        click(&c, &format!("{row} .edit")).await?;
        click(&c, "#sched-when option[value='weekly']").await?;
        click(&c, "#sched-weekday option[value='1']").await?;
        wait_text(&c, "#sched-preview", "30 2 * * 1").await?;
        // existing files: "update" (keep newer ones) unless chosen otherwise
        ensure!(
            c.execute("return document.querySelector('#sched-conflict').value", vec![])
                .await?
                == "update",
            "the default conflict policy"
        );
        click(&c, "#sched-conflict option[value='skip']").await?;
        click(&c, "#sched-save").await?;
        wait_text(&c, row, "Monday")
            .await
            .or(wait_text(&c, row, "월요일").await)?;
        // kept: the editor opens with it again
        click(&c, &format!("{row} .edit")).await?;
        let kept = c
            .execute("return document.querySelector('#sched-conflict').value", vec![])
            .await?;
        ensure!(kept == "skip", "the schedule's conflict policy after saving: {kept}");
        click(&c, "#sched-cancel").await?;
        wait_gone(&c, "#schedule-editor").await?;
        ensure!(attr(&c, "#timer-state", "data-installed").await.as_deref() == Some("false"));

        // the log view: the app's start is there; a filter narrows; error level hides info lines
        click(&c, "#tab-logs").await?;
        wait_text(&c, "#log-lines", "RCMD starting").await?;
        check_accessibility(&c, "logs").await?;
        fill(&c, "#log-text", "sidecar state").await?;
        let _ = c
            .execute(
                "document.querySelector('#log-text').dispatchEvent(new Event('change'))",
                vec![],
            )
            .await;
        poll(Duration::from_secs(10), "filtered lines", || async {
            let t = inner_text(&c, "#log-lines").await?;
            (!t.contains("RCMD starting") && t.contains("sidecar state")).then_some(())
        })
        .await?;
        click(&c, "#log-level option[value='error']").await?;
        wait_for(&c, "#no-log-lines").await?;
        screenshot(&c, "logs.png").await?;
        Ok(())
    })
    .await
}

async fn visibility(c: &Client) -> String {
    c.execute("return document.visibilityState", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn closing_while_a_batch_runs_asks_and_a_second_launch_shows_the_window() -> Result<()> {
    with_fixture_session("close-prompt", Fixture::new(), |c, dir| async move {
        wait_ready(&c, None, Duration::from_secs(30)).await?;
        // a slow copy: 1.5 MiB at 50 KiB/s, some 30 s: longer than the steps below
        c.find(Locator::Css("#bwlimit-input"))
            .await?
            .send_keys(&format!("50k{ENTER}"))
            .await?;
        poll(Duration::from_secs(10), "limit set", || async {
            (attr(&c, "#bwlimit-current", "data-bps").await.as_deref() == Some("51200")).then_some(())
        })
        .await?;
        pick(&c, "#pane-left .remote-select option[value='e2e']").await?;
        wait_row(&c, "#pane-left", "photos").await?;
        pick(&c, "#pane-right .remote-select option[value='mem']").await?;
        press(&c, "#pane-left", &format!("{CTRL}a")).await?;
        press(&c, "#pane-left", F5).await?;
        wait_dialog(&c, "copy").await?;
        click(&c, "#dialog-ok").await?;
        wait_for(&c, "#running-batches").await?;

        // the window's close button while it runs: asked, not closed
        let env = app_env(&dir)?;
        let display = env
            .iter()
            .find(|(k, _)| k == "DISPLAY")
            .map(|(_, v)| v.clone())
            .context("DISPLAY")?;
        ensure!(close_button(&display, "RCMD")? >= 1, "no RCMD window on {display}");
        wait_for(&c, "#close-prompt").await.context("the close prompt")?;
        check_accessibility(&c, "close-prompt").await?;
        let text = inner_text(&c, "#close-prompt").await.unwrap_or_default();
        ensure!(text.contains('1'), "{text}");
        screenshot(&c, "close-prompt.png").await?;
        click(&c, "#close-cancel").await?;
        wait_gone(&c, "#close-prompt").await?;
        ensure!(visibility(&c).await == "visible");

        // keep running in the background: the window hides, the batch goes on
        let mut tries = 0;
        poll(Duration::from_secs(20), "the close prompt again", || {
            tries += 1;
            let _ = close_button(&display, "RCMD");
            async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                exists(&c, "#close-prompt").await.then_some(())
            }
        })
        .await?;
        eprintln!("second close: prompt after {tries} presses");
        // A script click returns at once; WebDriver's own click (and any call) may wait on a
        // page whose window is being hidden and never answer. Shown/hidden comes from X.
        c.execute("document.querySelector('#close-background').click()", vec![])
            .await?;
        let shown = || window_shown(&display, "RCMD").ok().flatten();
        wait_until(Duration::from_secs(10), "window hidden", || {
            (shown() == Some(false)).then_some(())
        })?;

        // a second launch finds the first, shows its window and exits
        let started = std::time::Instant::now();
        let mut second = Command::new(app_binary()?);
        second
            .env_clear()
            .envs(env.iter().cloned())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut second = Proc::new(second.spawn()?);
        let status = wait_until(Duration::from_secs(30), "the second launch exits", || {
            second.child.try_wait().ok().flatten()
        })?;
        let mut stderr = String::new();
        std::io::Read::read_to_string(second.child.stderr.as_mut().context("stderr")?, &mut stderr)?;
        ensure!(status.success(), "second launch: {status:?} {stderr}");
        ensure!(stderr.contains("already running"), "{stderr}");
        eprintln!("second launch exited after {:?}", started.elapsed());
        wait_until(Duration::from_secs(10), "window shown again", || {
            (shown() == Some(true)).then_some(())
        })?;
        poll(Duration::from_secs(10), "page visible again", || async {
            (visibility(&c).await == "visible").then_some(())
        })
        .await?;
        let logs: String = app_logs(&dir)
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        ensure!(
            logs.contains("another launch of RCMD asked to show the window"),
            "first app's log"
        );
        ensure!(exists(&c, "#running-batches").await, "the batch kept running");

        // "pause them and quit": the batch is paused (resumable), the app and its rclone exit
        poll(Duration::from_secs(20), "the close prompt a third time", || {
            let _ = close_button(&display, "RCMD");
            async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                exists(&c, "#close-prompt").await.then_some(())
            }
        })
        .await?;
        let _ = tokio::time::timeout(Duration::from_secs(5), click(&c, "#close-pause")).await;
        wait_until(Duration::from_secs(30), "the app exits", || {
            app_env(&dir).is_err().then_some(())
        })?;
        let mut list = Command::new(cli_binary()?);
        list.env_clear().envs(env.iter().cloned()).args(["batch", "list"]);
        let listed = String::from_utf8(list.output()?.stdout)?;
        ensure!(listed.contains("[Paused]"), "{listed}");
        let logs: String = app_logs(&dir)
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        ensure!(logs.contains("choice=pause"), "the app's log names the pause choice");
        ensure!(
            logs.contains("RCMD exited"),
            "the app quit through its normal exit, and its log says so to the last line"
        );
        Ok(())
    })
    .await
}

/// Defect: both panes came back as "Choose…" after a restart, the sort order was forgotten,
/// and the local disk opened at `/`, not the home folder.
#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn the_panes_come_back_where_they_were() -> Result<()> {
    let fixture = Fixture::new();
    let display = Display::start()?;
    let driver = Driver::start(&fixture, &display)?;
    let spec = |c: &Client, pane: &'static str| {
        let c = c.clone();
        async move { attr(&c, &format!("{pane} .path"), "data-spec").await }
    };
    let first = tokio::time::timeout(Duration::from_secs(90), driver.session()).await??;
    wait_ready(&first, None, Duration::from_secs(30))
        .await
        .context("first start")?;
    let home = app_env(fixture.dir.path())?
        .into_iter()
        .find(|(k, _)| k == "HOME")
        .map(|(_, v)| v)
        .context("the app's HOME")?;
    pick(&first, "#pane-left .remote-select option[value='e2e']").await?;
    wait_row(&first, "#pane-left", "photos").await?;
    click(&first, "#pane-left .row[data-name='photos'] button.open").await?;
    wait_row(&first, "#pane-left", "cat.jpg").await?;
    click(&first, "#pane-left button.sort[data-key='size']").await?;
    click(&first, "#pane-left button.sort[data-key='size']").await?;
    let descending = || async { attr(&first, "#pane-left [role='columnheader'].num", "aria-sort").await };
    ensure!(
        descending().await.as_deref() == Some("descending"),
        "sorted by size, largest first"
    );
    // a second tab on the remote's root, the first one active again; the folder bookmarked
    let tabs = |c: &Client| {
        let c = c.clone();
        async move {
            c.execute(
                "return [...document.querySelectorAll('#pane-left .pane-tab')].map(b => [b.dataset.spec, b.getAttribute('aria-selected')])",
                vec![],
            )
            .await
            .unwrap_or_default()
        }
    };
    press(&first, "#pane-left", &format!("{CTRL}t")).await?;
    press(&first, "#pane-left", BACKSPACE).await?;
    poll(Duration::from_secs(10), "a second tab at e2e:", || async {
        (tabs(&first).await == serde_json::json!([["e2e:photos", "false"], ["e2e:", "true"]])).then_some(())
    })
    .await?;
    press(&first, "#pane-left", &format!("{CTRL}{TAB}")).await?;
    poll(Duration::from_secs(10), "back on the first tab", || async {
        (spec(&first, "#pane-left").await.as_deref() == Some("e2e:photos")).then_some(())
    })
    .await?;
    press(&first, "#pane-left", &format!("{CTRL}d")).await?;
    wait_dialog(&first, "hotlist").await?;
    click(&first, "#hotlist-add").await?;
    wait_for(&first, "#dialog .place[data-spec='e2e:photos']").await?;
    click(&first, "#dialog-cancel").await?;
    pick(&first, "#pane-right .remote-select option[value=':local']").await?;
    let at_home = format!(":local:{home}");
    poll(Duration::from_secs(10), "the local disk at home", || async {
        (spec(&first, "#pane-right").await.as_deref() == Some(at_home.as_str())).then_some(())
    })
    .await?;
    // the page's storage is written as the panes change; give it a moment before quitting
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = first.close().await;
    wait_until(Duration::from_secs(30), "the first app exits", || {
        app_env(fixture.dir.path()).is_err().then_some(())
    })?;

    let second = tokio::time::timeout(Duration::from_secs(90), driver.session()).await??;
    wait_ready(&second, None, Duration::from_secs(30))
        .await
        .context("second start")?;
    let back = poll(Duration::from_secs(20), "both panes back", || async {
        let (l, r) = (spec(&second, "#pane-left").await, spec(&second, "#pane-right").await);
        (l.as_deref() == Some("e2e:photos") && r.as_deref() == Some(at_home.as_str())).then_some(())
    })
    .await;
    let sorted = attr(&second, "#pane-left [role='columnheader'].num", "aria-sort").await;
    let tabs_back = tabs(&second).await;
    let _ = press(&second, "#pane-left", &format!("{CTRL}d")).await;
    let hotlist = poll(Duration::from_secs(10), "the hotlist", || async {
        let v = second
            .execute(
                "return [...document.querySelectorAll('#dialog .place')].map(b => b.dataset.spec)",
                vec![],
            )
            .await
            .ok()?;
        v.as_array().is_some_and(|a| !a.is_empty()).then_some(v)
    })
    .await;
    let (left, right) = (spec(&second, "#pane-left").await, spec(&second, "#pane-right").await);
    let _ = second.close().await;
    back.with_context(|| format!("after the restart: left {left:?}, right {right:?}"))?;
    ensure!(
        sorted.as_deref() == Some("descending"),
        "the sort order came back as {sorted:?}"
    );
    ensure!(
        tabs_back == serde_json::json!([["e2e:photos", "true"], ["e2e:", "false"]]),
        "the tabs came back as {tabs_back}"
    );
    let hotlist = hotlist.context("the hotlist after the restart")?;
    ensure!(hotlist == serde_json::json!(["e2e:photos"]), "hotlist {hotlist}");
    Ok(())
}

/// The window's size and place are saved while it moves and come back at the next start.
#[tokio::test]
#[ignore = "needs the built app and a display: run scripts/test.sh"]
async fn the_window_comes_back_where_it_was() -> Result<()> {
    let fixture = Fixture::new();
    let display = Display::start()?;
    let driver = Driver::start(&fixture, &display)?;
    let settings = fixture.path("xdg-config/dev.rcmd.app/settings.json");
    let first = tokio::time::timeout(Duration::from_secs(90), driver.session()).await??;
    wait_ready(&first, None, Duration::from_secs(30))
        .await
        .context("first start")?;
    first.set_window_rect(120, 90, 900, 640).await?;
    let saved = poll(Duration::from_secs(10), "window place saved", || async {
        let text = std::fs::read_to_string(&settings).ok()?;
        text.contains("\"width\": 900").then_some(text)
    })
    .await;
    let _ = first.close().await;
    let saved = saved?;
    // the first app must be gone, or the second launch would show its window and exit
    wait_until(Duration::from_secs(30), "the first app exits", || {
        app_env(fixture.dir.path()).is_err().then_some(())
    })?;
    ensure!(
        saved.contains("\"x\": 120") && saved.contains("\"height\": 640"),
        "{saved}"
    );

    let second = tokio::time::timeout(Duration::from_secs(90), driver.session()).await??;
    if let Err(e) = wait_ready(&second, None, Duration::from_secs(30)).await {
        let _ = screenshot(&second, "window-second-failure.png").await;
        let logs: String = app_logs(fixture.dir.path())
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        let _ = second.close().await;
        return Err(e.context(format!("second start; app log:\n{logs}")));
    }
    let rect = poll(Duration::from_secs(10), "restored window", || async {
        let r = second.get_window_rect().await.ok()?;
        (r.2 as i64 == 900).then_some(r)
    })
    .await;
    let _ = second.close().await;
    let (x, y, w, h) = rect?;
    ensure!(
        (x as i64, w as i64) == (120, 900) && (h as i64 - 640).abs() <= 40 && (y as i64 - 90).abs() <= 40,
        "restored at {x},{y} {w}x{h}"
    );
    Ok(())
}
