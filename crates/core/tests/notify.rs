//! Notifications over real protocols on loopback: a webhook receiver and a server speaking
//! the Telegram Bot API's sendMessage, fed by real core events.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use common::http_sink::{Answer, Sink};
use rcmd_core::{
    events::{CoreEvent, EventBus},
    net::TlsConfig,
    notify::{
        message::{Lang, Notice, NotifyKind},
        telegram::{Telegram, TelegramConfig},
        webhook::{Webhook, WebhookConfig},
        Channel, ChannelSpec, Notifier, NotifyConfig, SendError,
    },
    resilience::retry::Backoff,
    secret::Secret,
    types::{BatchInfo, BatchKind, BatchStatus, BreakerReason, BreakerSnapshot, BreakerState, StateCounts},
};

const TOKEN: &str = "123456:SECRET-bot-token-do-not-log";
const AUTH: &str = "Bearer webhook-secret-value";

fn fast() -> NotifyConfig {
    NotifyConfig {
        coalesce: Duration::from_millis(200),
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(50),
        },
        ..NotifyConfig::default()
    }
}

fn batch_event(id: i64, status: BatchStatus, failed: u64) -> CoreEvent {
    CoreEvent::Batch {
        info: BatchInfo {
            id,
            kind: BatchKind::Copy,
            src: "gdrive:photos".into(),
            dst: Some("nas:<backup>".into()),
            status,
            pause_reason: None,
            created_at_ms: 0,
            updated_at_ms: 0,
            on_conflict: None,
            counts: StateCounts {
                done: 10 - failed,
                failed,
                bytes_total: 100,
                bytes_done: 90,
                ..StateCounts::default()
            },
            runner: None,
        },
    }
}

fn breaker_event(remote: &str, from: BreakerState, to: BreakerState) -> CoreEvent {
    CoreEvent::Breaker {
        remote: remote.into(),
        from,
        to,
        reason: BreakerReason::ConsecutiveFailures { count: 5 },
        at_ms: 0,
        snapshot: BreakerSnapshot {
            remote: remote.into(),
            state: to,
            failure_rate: None,
            calls_in_window: 5,
            consecutive_failures: 5,
            trips: 1,
            next_probe_in_ms: Some(5000),
            last_failure: None,
            last_reason: None,
        },
    }
}

fn http(ca: Option<&std::path::Path>) -> reqwest::Client {
    let tls = TlsConfig {
        extra_ca: ca.map(Into::into),
    };
    rcmd_core::net::http_client(Duration::from_secs(15), &tls).unwrap()
}

fn webhook_with(sink: &Sink, client: reqwest::Client) -> Arc<Webhook> {
    Arc::new(Webhook::new(
        WebhookConfig {
            url: Secret::new(format!("{}/hook", sink.url())),
            headers: vec![("authorization".into(), Secret::new(AUTH))],
        },
        client,
    ))
}

fn telegram_with(sink: &Sink, client: reqwest::Client) -> Arc<Telegram> {
    Arc::new(Telegram::new(
        TelegramConfig {
            api_base: sink.url(),
            token: Some(Secret::new(TOKEN)),
            chat_id: "4242".into(),
        },
        client,
    ))
}

fn webhook(sink: &Sink) -> Arc<Webhook> {
    webhook_with(sink, http(None))
}

fn telegram(sink: &Sink) -> Arc<Telegram> {
    telegram_with(sink, http(None))
}

async fn wait_for(sink: &Sink, n: usize) -> Vec<common::http_sink::Recorded> {
    let start = Instant::now();
    while sink.seen().len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "only {} requests",
            sink.seen().len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sink.seen()
}

#[tokio::test]
async fn webhook_posts_json_with_headers_and_retries_a_503() {
    let sink = Sink::start().await;
    sink.script([Answer {
        headers: vec![("retry-after", "1".into())],
        ..Answer::status(503, "busy")
    }]);
    let bus = EventBus::default();
    let n = Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: webhook(&sink),
            events: HashSet::new(),
        }],
        fast(),
    );
    let started = Instant::now();
    bus.emit(batch_event(7, BatchStatus::CompletedWithErrors, 2));
    let seen = wait_for(&sink, 2).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 not honoured"
    );
    let req = &seen[1];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/hook"));
    assert!(req.headers.iter().any(|(k, v)| k == "authorization" && v == AUTH));
    assert_eq!(req.body["event"], "batch_completed_with_errors");
    assert!(req.body["timestamp"].as_str().unwrap().starts_with("20"));
    assert_eq!(req.body["data"]["details"]["id"], 7);
    assert!(req.body["data"]["text"]
        .as_str()
        .unwrap()
        .contains("8 of 10 files done, 2 failed"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = &n.statuses()[0].1;
    assert_eq!((status.sent, status.retried, status.failed), (1, 1, 0));
}

#[tokio::test]
async fn webhook_400_is_permanent_and_not_retried() {
    let sink = Sink::start().await;
    sink.default_answer(Answer::status(400, "bad"));
    let bus = EventBus::default();
    let n = Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: webhook(&sink),
            events: HashSet::new(),
        }],
        fast(),
    );
    bus.emit(batch_event(1, BatchStatus::Failed, 10));
    wait_for(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.seen().len(), 1, "a permanent failure must not be retried");
    let status = &n.statuses()[0].1;
    assert_eq!(status.failed, 1);
    let err = status.last_error.clone().unwrap();
    assert!(err.contains("400") && !err.contains("webhook-secret"), "{err}");
}

#[tokio::test]
async fn telegram_send_message_in_html_and_korean_honouring_retry_after() {
    let sink = Sink::start().await;
    sink.script([Answer::status(
        429,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
    )]);
    let bus = EventBus::default();
    let cfg = NotifyConfig {
        lang: Lang::Ko,
        ..fast()
    };
    Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: telegram(&sink),
            events: HashSet::new(),
        }],
        cfg,
    );
    let started = Instant::now();
    bus.emit(batch_event(3, BatchStatus::Completed, 0));
    let seen = wait_for(&sink, 2).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "retry_after not honoured");
    let req = &seen[1];
    assert_eq!(req.path, format!("/bot{TOKEN}/sendMessage"));
    assert_eq!(req.body["chat_id"], "4242");
    assert_eq!(req.body["parse_mode"], "HTML");
    let text = req.body["text"].as_str().unwrap();
    assert!(text.starts_with("<b>작업 완료: #3</b>"), "{text}");
    assert!(text.contains("nas:&lt;backup&gt;"), "HTML not escaped: {text}");
}

#[tokio::test]
async fn telegram_errors_never_contain_the_token() {
    let sink = Sink::start().await;
    sink.default_answer(Answer::status(
        401,
        r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
    ));
    let tg = telegram(&sink);
    let err = tg.send(&Notice::test(), Lang::En).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("SECRET") && !format!("{err:?}").contains("SECRET"),
        "{err:?}"
    );
    // a connection error: reqwest's text would carry the URL with the token
    let dead = Telegram::new(
        TelegramConfig {
            api_base: "http://127.0.0.1:1".into(),
            token: Some(Secret::new(TOKEN)),
            chat_id: "1".into(),
        },
        http(None),
    );
    let err = dead.send(&Notice::test(), Lang::En).await.unwrap_err();
    assert!(matches!(err, SendError::Retryable { .. }), "{err:?}");
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let cfg = TelegramConfig {
        api_base: "x".into(),
        token: Some(Secret::new(TOKEN)),
        chat_id: "1".into(),
    };
    assert!(!format!("{cfg:?}").contains("SECRET"));
    // Slack/Discord/Teams webhook URLs carry their token: the URL is never printed
    let wh = WebhookConfig {
        url: Secret::new("https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"),
        headers: vec![("authorization".into(), Secret::new(AUTH))],
    };
    assert!(!format!("{wh:?}").contains("webhook-secret"));
    assert!(!format!("{wh:?}").contains("secretXXXX"), "{wh:?}");
}

#[tokio::test]
async fn filters_and_a_burst_of_1000_events_coalesce_to_few_messages() {
    let hook = Sink::start().await;
    let tg = Sink::start().await;
    let bus = EventBus::new(4096);
    let cfg = NotifyConfig {
        coalesce: Duration::from_millis(500),
        ..fast()
    };
    let n = Notifier::start(
        &bus,
        vec![
            ChannelSpec {
                channel: webhook(&hook),
                events: HashSet::new(),
            },
            // telegram only wants batch results
            ChannelSpec {
                channel: telegram(&tg),
                events: [NotifyKind::BatchCompleted, NotifyKind::BatchFailed].into(),
            },
        ],
        cfg,
    );
    let started = Instant::now();
    // 10 remotes flapping 50 times each, then one batch result
    for i in 0..1000 {
        let remote = format!("r{}", i % 10);
        let (from, to) = if (i / 10) % 2 == 0 {
            (BreakerState::Closed, BreakerState::Open)
        } else {
            (BreakerState::HalfOpen, BreakerState::Closed)
        };
        bus.emit(breaker_event(&remote, from, to));
    }
    bus.emit(batch_event(9, BatchStatus::Completed, 0));
    let emit_time = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hooks = hook.seen();
    eprintln!(
        "1001 events emitted in {emit_time:?}; webhook got {} messages, telegram {}",
        hooks.len(),
        tg.seen().len()
    );
    assert!(
        emit_time < Duration::from_millis(200),
        "emitting must not wait for delivery: {emit_time:?}"
    );
    assert!(hooks.len() <= 6, "{} webhook messages for one burst", hooks.len());
    assert!(hooks.len() >= 2);
    // the summary names the folded remotes and the counts add up to every event
    let total: u64 = hooks.iter().map(|r| r.body["data"]["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 1001);
    assert_eq!(tg.seen().len(), 1, "telegram wants only the batch result");
    assert!(tg.seen()[0].body["text"].as_str().unwrap().contains("Batch completed"));
    let st = n.statuses();
    assert!(st.iter().all(|(_, s)| s.failed == 0 && s.dropped == 0), "{st:?}");
}

fn email(server: &common::smtp::SmtpServer) -> Arc<rcmd_core::notify::email::Email> {
    use rcmd_core::notify::email::{Email, EmailConfig, SmtpSecurity};
    Arc::new(Email::new(EmailConfig {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        security: SmtpSecurity::None,
        user: Some("rcmd".into()),
        password: Some(Secret::new("smtp-password-do-not-log")),
        from: "RCMD <rcmd@example.org>".into(),
        to: vec!["ops@example.org".into()],
        allow_plaintext_login: false,
    }))
}

/// A password over an unencrypted connection to another machine needs the user's explicit
/// opt-in; nothing is sent (no connection is even tried) without it.
#[tokio::test]
async fn email_refuses_a_plaintext_login_to_another_host() {
    use rcmd_core::notify::email::{Email, EmailConfig, SmtpSecurity};
    let cfg = |allow| EmailConfig {
        host: "smtp.example.invalid".into(),
        port: 25,
        security: SmtpSecurity::None,
        user: Some("rcmd".into()),
        password: Some(Secret::new("smtp-password-do-not-log")),
        from: "rcmd@example.org".into(),
        to: vec!["ops@example.org".into()],
        allow_plaintext_login: allow,
    };
    let err = Email::new(cfg(false))
        .send(&Notice::test(), Lang::En)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent { message } if message.contains("unencrypted")),
        "{err:?}"
    );
    // with the opt-in it tries (and fails on the unresolvable host, not on the rule)
    let err = Email::new(cfg(true)).send(&Notice::test(), Lang::En).await.unwrap_err();
    assert!(!err.to_string().contains("unencrypted"), "{err}");
}

#[tokio::test]
async fn email_is_delivered_over_smtp_with_login_and_retried_on_451() {
    let server = common::smtp::SmtpServer::start().await;
    server.refuse_next("451 4.3.0 try again later");
    let bus = EventBus::default();
    let n = Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: email(&server),
            events: HashSet::new(),
        }],
        fast(),
    );
    bus.emit(breaker_event("nas", BreakerState::Closed, BreakerState::Open));
    let start = Instant::now();
    while server.mails().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(10), "no mail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mail = &server.mails()[0];
    assert_eq!(mail.auth, Some(("rcmd".into(), "smtp-password-do-not-log".into())));
    assert!(mail.from.contains("rcmd@example.org"), "{}", mail.from);
    assert!(mail.to[0].contains("ops@example.org"));
    assert!(mail.data.contains("Subject: Remote offline: nas"), "{}", mail.data);
    assert!(mail.data.contains("From: RCMD <rcmd@example.org>"), "{}", mail.data);
    assert!(
        mail.data.contains("are paused after repeated failures"),
        "{}",
        mail.data
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let st = &n.statuses()[0].1;
    assert_eq!((st.sent, st.retried), (1, 1));
}

#[tokio::test]
async fn email_550_is_permanent_and_names_no_secret() {
    let server = common::smtp::SmtpServer::start().await;
    server.refuse_next("550 5.7.1 relaying denied");
    let ch = email(&server);
    let err = ch.send(&Notice::test(), Lang::En).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent { .. }), "{err:?}");
    assert!(!err.to_string().contains("smtp-password"), "{err}");
    assert_eq!(server.mails().len(), 0);
}

#[tokio::test]
async fn desktop_without_a_notification_service_degrades_to_a_reported_error() {
    // no session bus here: the service cannot be reached
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/rcmd-test-bus");
    let bus = EventBus::default();
    let n = Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: Arc::new(rcmd_core::notify::desktop::Desktop),
            events: HashSet::new(),
        }],
        fast(),
    );
    bus.emit(batch_event(1, BatchStatus::Completed, 0));
    let start = Instant::now();
    loop {
        let st = n.statuses()[0].1.clone();
        if st.failed == 1 {
            assert!(st.last_error.unwrap().contains("desktop notifications are unavailable"));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{st:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const FILES: usize = 2000;

/// Copies a 2,000-file tree as a batch; returns its wall time.
async fn timed_batch(rc: &common::Rclone, run: u32) -> Duration {
    use rcmd_core::{
        batch::{plan, BatchControl, Processor, ProcessorConfig, Store},
        remote_path::RemotePath,
        resilience::layer::{ResilienceConfig, Resilient},
    };
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let store = Store::open_memory().await.unwrap();
    let items = plan::expand(&rc.client, &RemotePath::parse("local:tree").unwrap())
        .await
        .unwrap();
    let dst = format!("local:out{run}");
    let id = store
        .create(BatchKind::Copy, "local:tree", Some(&dst), &items)
        .await
        .unwrap();
    let p = Processor::new(store, layer, ProcessorConfig::new(rc.dir.path().join("work")));
    let t = Instant::now();
    let info = p.run(id, &BatchControl::default(), Arc::new(|_| {})).await.unwrap();
    assert_eq!(info.counts.done, FILES as u64);
    t.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_burst_does_not_slow_a_running_batch() {
    let rc = common::start().await;
    for i in 0..FILES {
        let p = rc.data().join(format!("tree/d{}/f{i}.bin", i % 5));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, vec![1u8; 2048]).unwrap();
    }
    // a slow receiver: every delivery takes 200 ms
    let sink = Sink::start().await;
    sink.default_answer(Answer {
        delay: Duration::from_millis(200),
        ..Answer::status(200, "{}")
    });
    let bus = EventBus::new(4096);
    Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: webhook(&sink),
            events: HashSet::new(),
        }],
        fast(),
    );

    let mut quiet = vec![];
    let mut busy = vec![];
    for run in 0..4 {
        let burst = |b: EventBus| {
            tokio::spawn(async move {
                for i in 0..1000 {
                    let (from, to) = if i % 2 == 0 {
                        (BreakerState::Closed, BreakerState::Open)
                    } else {
                        (BreakerState::HalfOpen, BreakerState::Closed)
                    };
                    b.emit(breaker_event(&format!("r{}", i % 20), from, to));
                    if i % 100 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        };
        // alternate which goes first, so cache warm-up favours neither
        if run % 2 == 0 {
            quiet.push(timed_batch(&rc, run * 2).await);
            let b = burst(bus.clone());
            busy.push(timed_batch(&rc, run * 2 + 1).await);
            b.await.unwrap();
        } else {
            let b = burst(bus.clone());
            busy.push(timed_batch(&rc, run * 2 + 1).await);
            b.await.unwrap();
            quiet.push(timed_batch(&rc, run * 2).await);
        }
    }
    quiet.sort();
    busy.sort();
    let ratio = busy[2].as_secs_f64() / quiet[2].as_secs_f64();
    eprintln!("batch of {FILES} files: median {:?} quiet, {:?} during a 1,000-event burst (ratio {ratio:.3}); {} messages sent", quiet[2], busy[2], sink.seen().len());
    // a check that the burst is absorbed, not a speed target: a blocked batch would take
    // many times longer (1,000 deliveries x 200 ms)
    assert!(ratio < 2.0, "the batch slowed down {ratio:.2}x during the burst");
}

#[test]
fn notifier_logs_hold_no_secrets() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Buf(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let b2 = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || b2.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sink = Sink::start().await;
        // failures with retries and a permanent error: the paths that log the most
        sink.script([
            Answer::status(503, "{}"),
            Answer::status(401, r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#),
        ]);
        let smtp = common::smtp::SmtpServer::start().await;
        smtp.refuse_next("451 later");
        let bus = EventBus::default();
        let n = Notifier::start(
            &bus,
            vec![
                ChannelSpec {
                    channel: telegram(&sink),
                    events: HashSet::new(),
                },
                ChannelSpec {
                    channel: webhook(&sink),
                    events: HashSet::new(),
                },
                ChannelSpec {
                    channel: email(&smtp),
                    events: HashSet::new(),
                },
            ],
            fast(),
        );
        bus.emit(batch_event(5, BatchStatus::Failed, 10));
        let start = Instant::now();
        while n.statuses().iter().any(|(_, s)| s.sent + s.failed == 0) {
            assert!(start.elapsed() < Duration::from_secs(10), "{:?}", n.statuses());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("notification"), "nothing was logged: {logs}");
    for secret in ["SECRET-bot-token", "webhook-secret-value", "smtp-password-do-not-log"] {
        assert!(!logs.contains(secret), "{secret} found in the logs:\n{logs}");
    }
}

/// HTTPS receivers with a certificate from a CA made at test time: trusted through the
/// extra-CA setting they receive the webhook and the Telegram message; without it the
/// failure is a permanent "certificate not trusted", sent once, not retried.
#[tokio::test]
async fn https_receivers_with_a_private_ca() {
    let ca = common::tls::TestCa::new();
    let sink = Sink::start_tls(&ca).await;
    let notice = Notice::test();

    let trusting = http(Some(&ca.ca_file));
    webhook_with(&sink, trusting.clone())
        .send(&notice, Lang::En)
        .await
        .unwrap();
    telegram_with(&sink, trusting).send(&notice, Lang::Ko).await.unwrap();
    let seen = sink.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].path, "/hook");
    assert_eq!(seen[1].path, format!("/bot{TOKEN}/sendMessage"));
    assert_eq!(seen[1].body["chat_id"], "4242");

    // the platform's roots alone do not trust the test CA
    for channel in [
        webhook_with(&sink, http(None)) as Arc<dyn Channel>,
        telegram_with(&sink, http(None)),
    ] {
        let err = channel.send(&notice, Lang::En).await.unwrap_err();
        match &err {
            SendError::Permanent { message } => {
                assert!(message.contains("certificate is not trusted"), "{message}");
                assert!(!message.contains(TOKEN), "{message}");
            }
            other => panic!("expected a permanent certificate error, got {other:?}"),
        }
    }
    assert_eq!(sink.seen().len(), 2, "an untrusted server received a request");

    // through the notifier: one attempt, recorded as a permanent failure
    let bus = EventBus::default();
    let notifier = Notifier::start(
        &bus,
        vec![ChannelSpec {
            channel: webhook_with(&sink, http(None)),
            events: HashSet::new(),
        }],
        fast(),
    );
    bus.emit(batch_event(7, BatchStatus::Completed, 0));
    let start = Instant::now();
    loop {
        let st = notifier
            .statuses()
            .into_iter()
            .find(|(n, _)| *n == "webhook")
            .map(|(_, s)| s)
            .unwrap_or_default();
        if st.failed > 0 {
            assert_eq!(st.retried, 0, "a certificate error was retried: {st:?}");
            assert!(st.last_error.as_deref().unwrap_or("").contains("certificate"), "{st:?}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no failure recorded: {st:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // settings: an unreadable CA file is a clear error of the channel, not a crash
    let settings = rcmd_core::notify::settings::NotifySettings {
        ca_file: "/nonexistent/ca.pem".into(),
        webhook: rcmd_core::notify::settings::WebhookSettings {
            url: format!("{}/hook", sink.url()),
            ..Default::default()
        },
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let secrets = rcmd_core::secrets::SecretStore::file_only(dir.path().join("secrets.json"));
    let ch = settings.channel("webhook", &secrets).unwrap();
    let err = ch.send(&notice, Lang::En).await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn a_stopped_two_way_run_says_why_instead_of_file_counts() {
    let mut ev = batch_event(7, BatchStatus::Failed, 0);
    if let CoreEvent::Batch { info } = &mut ev {
        info.kind = BatchKind::Bisync;
        info.pause_reason = Some("too many deletes: this run would delete more than the pair's limit".into());
    }
    let n = rcmd_core::notify::message::Notice::from_event(&ev).unwrap();
    let body = n.body(rcmd_core::notify::message::Lang::En);
    assert!(body.contains("two-way") && body.contains("too many deletes"), "{body}");
    assert!(!body.contains("files done"), "{body}");
    let ko = n.body(rcmd_core::notify::message::Lang::Ko);
    assert!(ko.contains("양방향") && ko.contains("too many deletes"), "{ko}");
}
