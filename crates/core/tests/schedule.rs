//! Scheduled batches with an injected clock against a real rclone and a real SQLite file: a
//! run at its time (files copied), the overlap rules, missed runs after a "sleep", two
//! processes on one database, a clock set back.

#![allow(clippy::unwrap_used)]

mod common;

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use chrono::NaiveDateTime;
use rcmd_core::{
    batch::{plan, Processor, ProcessorConfig, Runner, Store},
    events::{CoreEvent, EventBus},
    remote_path::RemotePath,
    resilience::layer::{ResilienceConfig, Resilient},
    schedule::{Launch, ManualWall, RunnerLaunch, ScheduleStore, Scheduler},
    types::{BatchKind, BatchStatus, ConflictPolicy, DeleteGuard, Overlap, RunOutcome, ScheduleSpec, ScheduledSync},
};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn spec(cron: &str, dst: &str) -> ScheduleSpec {
    ScheduleSpec {
        name: "nightly copy".into(),
        cron: cron.into(),
        kind: BatchKind::Copy,
        src: "local:sub".into(),
        dst: Some(dst.into()),
        overlap: Overlap::Skip,
        catch_up: true,
        enabled: true,
        on_conflict: Default::default(),
        sync: None,
        pair: None,
        watch: None,
    }
}

/// Plans and creates the batch for real but does not run it: it stays queued, so the
/// overlap rules see an unfinished previous run for as long as the test wants.
struct CreateOnly {
    client: rcmd_core::rc::RcClient,
    store: Store,
}

impl Launch for CreateOnly {
    fn launch<'a>(
        &'a self,
        spec: &'a ScheduleSpec,
        origin: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + 'a>> {
        Box::pin(async move {
            let items = plan::expand(&self.client, &RemotePath::parse(&spec.src).unwrap())
                .await
                .map_err(|e| e.to_string())?;
            self.store
                .create_once(origin, spec.kind, &spec.src, spec.dst.as_deref(), &items)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

async fn create_only(
    rc: &common::Rclone,
    db: &std::path::Path,
    clock: &ManualWall,
    bus: Option<EventBus>,
) -> Scheduler {
    let store = Store::open(db).await.unwrap();
    let launch = CreateOnly {
        client: rc.client.clone(),
        store: store.clone(),
    };
    Scheduler::new(
        ScheduleStore::new(store),
        Arc::new(clock.clone()),
        Arc::new(launch),
        bus,
    )
}

/// A scheduler on a real database (`rcmd.db` in the rclone's folder) at `clock`, whose due
/// runs are real batches run by a runner; with that database's store.
async fn running_scheduler(rc: &common::Rclone, clock: &ManualWall) -> (Store, Scheduler) {
    let store = Store::open(&rc.dir.path().join("rcmd.db")).await.unwrap();
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.client.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));
    let runner = Runner::new(
        Processor::new(store.clone(), layer, ProcessorConfig::new(rc.dir.path().join("work"))),
        Arc::new(common::NoSink),
    );
    let sched = Scheduler::new(
        ScheduleStore::new(store.clone()),
        Arc::new(clock.clone()),
        Arc::new(RunnerLaunch {
            pairs: rcmd_core::bisync::Pairs::new(runner.clone(), rc.dir.path().join("work")),
            runner,
        }),
        None,
    );
    (store, sched)
}

fn outcomes(runs: &[rcmd_core::types::ScheduleRun]) -> Vec<RunOutcome> {
    runs.iter().map(|r| r.outcome).collect()
}

#[tokio::test]
async fn a_nightly_schedule_runs_at_two_and_copies_the_files() {
    let rc = common::start().await;
    let clock = ManualWall::at(at("2026-12-01 01:58:10"));
    let (store, sched) = running_scheduler(&rc, &clock).await;
    let id = sched.add(&spec("0 2 * * *", "local:nightly")).await.unwrap();
    let listed = sched.list().await.unwrap();
    assert_eq!(
        listed[0].next_ms,
        Some(at("2026-12-01 02:00:00").and_utc().timestamp_millis())
    );

    assert!(sched.tick().await.unwrap().is_empty(), "nothing is due at 01:58");
    clock.set(at("2026-12-01 02:00:20"));
    let runs = sched.tick().await.unwrap();
    assert_eq!(outcomes(&runs), vec![RunOutcome::Started]);
    let batch = runs[0].batch_id.expect("a batch was created");
    for _ in 0..200 {
        if store.batch(batch).await.unwrap().status == BatchStatus::Completed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(store.batch(batch).await.unwrap().status, BatchStatus::Completed);
    // the safe default for existing destination files is the schedule's and its batch's
    assert_eq!(listed[0].spec.on_conflict, ConflictPolicy::Update);
    assert_eq!(
        store.batch(batch).await.unwrap().on_conflict,
        Some(ConflictPolicy::Update)
    );
    assert_eq!(
        std::fs::read(rc.data().join("nightly/inner.bin")).unwrap(),
        vec![7u8; 4096]
    );

    // the same night again: nothing new; the next run is tomorrow at 02:00
    clock.set(at("2026-12-01 02:01:00"));
    assert!(sched.tick().await.unwrap().is_empty());
    let info = &sched.list().await.unwrap()[0];
    assert_eq!(
        info.next_ms,
        Some(at("2026-12-02 02:00:00").and_utc().timestamp_millis())
    );
    assert_eq!(info.last.as_ref().unwrap().batch_id, Some(batch));
    assert_eq!(sched.store().runs(Some(id), 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_overlapping_run_is_skipped_or_waits_and_never_runs_twice() {
    let rc = common::start().await;
    let db = rc.dir.path().join("rcmd.db");
    let clock = ManualWall::at(at("2026-12-01 10:00:30"));
    let sched = create_only(&rc, &db, &clock, None).await;
    let batches = sched.store().batches().clone();
    let skip = sched.add(&spec("* * * * *", "local:skip")).await.unwrap();
    let wait = sched
        .add(&ScheduleSpec {
            overlap: Overlap::Wait,
            ..spec("* * * * *", "local:wait")
        })
        .await
        .unwrap();

    clock.set(at("2026-12-01 10:01:05"));
    let first = sched.tick().await.unwrap();
    assert_eq!(outcomes(&first), vec![RunOutcome::Started, RunOutcome::Started]);
    let (skip_batch, wait_batch) = (first[0].batch_id.unwrap(), first[1].batch_id.unwrap());

    // 10:02: both previous batches are still queued
    clock.set(at("2026-12-01 10:02:05"));
    let second = sched.tick().await.unwrap();
    assert_eq!(outcomes(&second), vec![RunOutcome::Skipped, RunOutcome::Waiting]);
    assert_eq!(
        second[0].detail.as_deref(),
        Some(format!("the previous run (batch {skip_batch}) is still queued").as_str())
    );
    assert!(second.iter().all(|r| r.batch_id.is_none()));

    // 10:03: the waiting run still waits; a second one is not queued behind it
    clock.set(at("2026-12-01 10:03:05"));
    let third = sched.tick().await.unwrap();
    assert_eq!(outcomes(&third), vec![RunOutcome::Skipped, RunOutcome::Skipped]);
    assert!(
        third[1].detail.as_deref().unwrap().contains("already waits"),
        "{third:?}"
    );

    // the previous batches finish: the waiting run starts at the next tick (same minute)
    batches
        .set_status(skip_batch, BatchStatus::Completed, None)
        .await
        .unwrap();
    batches
        .set_status(wait_batch, BatchStatus::Completed, None)
        .await
        .unwrap();
    let fourth = sched.tick().await.unwrap();
    assert_eq!(outcomes(&fourth), vec![RunOutcome::Started], "{fourth:?}");
    assert_eq!(fourth[0].schedule_id, wait);
    assert_eq!(fourth[0].due_ms, at("2026-12-01 10:02:00").and_utc().timestamp_millis());
    assert_eq!(
        fourth[0].detail.as_deref(),
        Some(format!("waited for batch {wait_batch}").as_str())
    );
    let waited_batch = fourth[0].batch_id.unwrap();
    assert_ne!(waited_batch, wait_batch);

    // 10:04: "skip" runs again (its batch finished); "wait" is behind its new batch
    clock.set(at("2026-12-01 10:04:05"));
    let fifth = sched.tick().await.unwrap();
    assert_eq!(outcomes(&fifth), vec![RunOutcome::Started, RunOutcome::Waiting]);
    // never two unfinished batches of one schedule
    for id in [skip, wait] {
        let mut unfinished = 0;
        for run in sched.store().runs(Some(id), 100).await.unwrap() {
            if let Some(b) = run.batch_id {
                if matches!(
                    batches.batch(b).await.unwrap().status,
                    BatchStatus::Queued | BatchStatus::Running | BatchStatus::Paused
                ) {
                    unfinished += 1;
                }
            }
        }
        assert_eq!(unfinished, 1, "schedule {id}");
    }
}

#[tokio::test]
async fn runs_missed_during_a_sleep_are_reported_and_the_latest_catches_up() {
    let rc = common::start().await;
    let db = rc.dir.path().join("rcmd.db");
    let clock = ManualWall::at(at("2026-12-01 01:00:00"));
    let bus = EventBus::default();
    let mut events = bus.subscribe();
    let sched = create_only(&rc, &db, &clock, Some(bus)).await;
    let strict = sched
        .add(&ScheduleSpec {
            catch_up: false,
            ..spec("0 2 * * *", "local:strict")
        })
        .await
        .unwrap();
    let lenient = sched.add(&spec("0 2 * * *", "local:lenient")).await.unwrap();
    assert!(sched.tick().await.unwrap().is_empty());

    // the computer sleeps over four nights (01:00 on the 1st to 10:00 on the 4th)
    clock.set(at("2026-12-04 10:00:00"));
    let runs = sched.tick().await.unwrap();
    let of = |id| {
        runs.iter()
            .filter(|r| r.schedule_id == id)
            .map(|r| (r.due_ms, r.outcome))
            .collect::<Vec<_>>()
    };
    let night = |d: &str| at(&format!("2026-12-{d} 02:00:00")).and_utc().timestamp_millis();
    let missed = |d| (night(d), RunOutcome::Missed);
    assert_eq!(of(strict), vec![missed("01"), missed("02"), missed("03"), missed("04")]);
    assert_eq!(
        of(lenient),
        vec![
            missed("01"),
            missed("02"),
            missed("03"),
            (night("04"), RunOutcome::StartedLate)
        ]
    );
    assert!(runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Missed)
        .all(|r| r.batch_id.is_none() && r.detail.is_some()));
    assert!(runs
        .iter()
        .any(|r| r.outcome == RunOutcome::StartedLate && r.batch_id.is_some()));
    // each became an event, and a missed run is a notice for the user's channels
    let mut missed_notices = 0;
    while let Ok(ev) = events.try_recv() {
        if let Some(n) = rcmd_core::notify::message::Notice::from_event(&ev) {
            assert!(matches!(ev, CoreEvent::Schedule { .. }));
            assert!(n.title_en.starts_with("Scheduled run missed"), "{}", n.title_en);
            missed_notices += 1;
        }
    }
    assert_eq!(missed_notices, 7);
    // a long absence on an every-minute schedule: the first 50 are listed, the rest counted
    let minutely = sched
        .add(&ScheduleSpec {
            catch_up: false,
            ..spec("* * * * *", "local:m")
        })
        .await
        .unwrap();
    clock.advance_minutes(180);
    let runs = sched.tick().await.unwrap();
    let mine: Vec<_> = runs.iter().filter(|r| r.schedule_id == minutely).collect();
    assert_eq!(mine.len(), 50);
    assert!(
        mine.last()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("130 more due times"),
        "{:?}",
        mine.last()
    );
}

#[tokio::test]
async fn two_processes_on_one_database_start_a_due_run_once() {
    let rc = common::start().await;
    let db = rc.dir.path().join("rcmd.db");
    let clock = ManualWall::at(at("2026-12-01 01:59:00"));
    let a = create_only(&rc, &db, &clock, None).await;
    let b = create_only(&rc, &db, &clock, None).await;
    let id = a.add(&spec("0 2 * * *", "local:both")).await.unwrap();
    clock.set(at("2026-12-01 02:00:01"));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let all: Vec<_> = ra.unwrap().into_iter().chain(rb.unwrap()).collect();
    assert_eq!(outcomes(&all), vec![RunOutcome::Started], "{all:?}");
    let runs = a.store().runs(Some(id), 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(a.store().batches().list().await.unwrap().len(), 1);

    // the clock is set back an hour and forward again: 02:00 is not run a second time
    clock.set(at("2026-12-01 01:00:00"));
    assert!(b.tick().await.unwrap().is_empty());
    clock.set(at("2026-12-01 02:30:00"));
    assert!(b.tick().await.unwrap().is_empty());
    assert_eq!(a.store().batches().list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_schedules_are_refused_with_the_reason() {
    let rc = common::start().await;
    let clock = ManualWall::at(at("2026-12-01 01:00:00"));
    let sched = create_only(&rc, &rc.dir.path().join("rcmd.db"), &clock, None).await;
    let cases = [
        (spec("0 25 * * *", "local:x"), "hour"),
        (spec("0 2 * *", "local:x"), "five fields"),
        (
            ScheduleSpec {
                dst: None,
                ..spec("0 2 * * *", "")
            },
            "destination",
        ),
        (spec("0 2 * * *", "local:sub"), "same"),
        (
            ScheduleSpec {
                src: "no remote".into(),
                ..spec("0 2 * * *", "local:x")
            },
            "source",
        ),
        (
            ScheduleSpec {
                name: " ".into(),
                ..spec("0 2 * * *", "local:x")
            },
            "name",
        ),
    ];
    for (s, why) in cases {
        let err = sched.add(&s).await.unwrap_err();
        assert!(err.is_bad_input(), "{err} is the schedule's fault");
        let err = err.to_string();
        assert!(err.contains(why), "{err} should mention {why}");
    }
    assert!(sched.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_schedule_switched_off_misses_nothing_and_edits_take_effect() {
    let rc = common::start().await;
    let clock = ManualWall::at(at("2026-12-01 01:00:00"));
    let sched = create_only(&rc, &rc.dir.path().join("rcmd.db"), &clock, None).await;
    let id = sched.add(&spec("0 2 * * *", "local:x")).await.unwrap();
    sched
        .update(
            id,
            &ScheduleSpec {
                enabled: false,
                ..spec("0 2 * * *", "local:x")
            },
        )
        .await
        .unwrap();
    assert_eq!(sched.list().await.unwrap()[0].next_ms, None, "off: no next run");
    // three nights pass while it is off: nothing is due, nothing is "missed"
    clock.set(at("2026-12-04 01:00:00"));
    assert!(sched.tick().await.unwrap().is_empty());
    sched
        .update(
            id,
            &ScheduleSpec {
                name: "renamed".into(),
                ..spec("30 3 * * *", "local:y")
            },
        )
        .await
        .unwrap();
    assert!(
        sched.tick().await.unwrap().is_empty(),
        "switched on again: counting starts now"
    );
    let info = &sched.list().await.unwrap()[0];
    assert_eq!(
        (
            info.spec.name.as_str(),
            info.spec.cron.as_str(),
            info.spec.dst.as_deref()
        ),
        ("renamed", "30 3 * * *", Some("local:y"))
    );
    assert_eq!(
        info.next_ms,
        Some(at("2026-12-04 03:30:00").and_utc().timestamp_millis())
    );
    clock.set(at("2026-12-04 03:31:00"));
    let runs = sched.tick().await.unwrap();
    assert_eq!(outcomes(&runs), vec![RunOutcome::Started]);
    assert!(sched
        .store()
        .runs(Some(id), 10)
        .await
        .unwrap()
        .iter()
        .all(|r| r.outcome != RunOutcome::Missed));
    let missing = sched.update(999, &spec("0 2 * * *", "local:x")).await.unwrap_err();
    assert!(
        missing.is_bad_input() && missing.to_string().contains("no schedule 999"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_schedule_keeps_its_conflict_policy_and_its_runs_follow_it() {
    let rc = common::start().await;
    // an older file of the user's at the destination: "skip" keeps it
    std::fs::create_dir_all(rc.data().join("kept")).unwrap();
    std::fs::write(rc.data().join("kept/inner.bin"), b"the user's own").unwrap();
    std::fs::File::options()
        .write(true)
        .open(rc.data().join("kept/inner.bin"))
        .unwrap()
        .set_modified(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .unwrap();
    let clock = ManualWall::at(at("2026-12-01 01:58:10"));
    let (store, sched) = running_scheduler(&rc, &clock).await;
    let id = sched
        .add(&ScheduleSpec {
            on_conflict: ConflictPolicy::Skip,
            ..spec("0 2 * * *", "local:kept")
        })
        .await
        .unwrap();
    assert_eq!(sched.list().await.unwrap()[0].spec.on_conflict, ConflictPolicy::Skip);
    clock.set(at("2026-12-01 02:00:20"));
    let runs = sched.tick().await.unwrap();
    let batch = runs[0].batch_id.expect("a batch was created");
    for _ in 0..200 {
        if !store.batch(batch).await.unwrap().status.is_resumable() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let info = store.batch(batch).await.unwrap();
    assert_eq!(info.status, BatchStatus::Completed, "{info:?}");
    assert_eq!(info.on_conflict, Some(ConflictPolicy::Skip));
    assert_eq!(
        std::fs::read(rc.data().join("kept/inner.bin")).unwrap(),
        b"the user's own"
    );
    // an edit changes it, and it is kept
    sched
        .update(
            id,
            &ScheduleSpec {
                on_conflict: ConflictPolicy::Overwrite,
                ..spec("0 2 * * *", "local:kept")
            },
        )
        .await
        .unwrap();
    assert_eq!(
        sched.list().await.unwrap()[0].spec.on_conflict,
        ConflictPolicy::Overwrite
    );
}

#[tokio::test]
async fn a_scheduled_sync_runs_and_one_over_its_delete_guard_stops_and_says_why() {
    let rc = common::start().await;
    let (src, dst) = (rc.data().join("mirror-src"), rc.data().join("mirror-dst"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::write(src.join("a.txt"), b"a").unwrap();
    for i in 0..3 {
        std::fs::write(dst.join(format!("old{i}.txt")), b"old").unwrap();
    }
    let clock = ManualWall::at(at("2026-12-01 01:58:10"));
    let (store, sched) = running_scheduler(&rc, &clock).await;
    let sync_spec = |guard: DeleteGuard| ScheduleSpec {
        name: "mirror".into(),
        kind: BatchKind::Sync,
        src: "local:mirror-src".into(),
        sync: Some(ScheduledSync {
            guard,
            ..Default::default()
        }),
        ..spec("0 2 * * *", "local:mirror-dst")
    };
    // 3 of 3 files would go: over the default guard (50 %): the run fails with the reason,
    // nothing is deleted, no batch is made
    let id = sched.add(&sync_spec(DeleteGuard::default())).await.unwrap();
    assert_eq!(sched.list().await.unwrap()[0].spec.sync, Some(ScheduledSync::default()));
    clock.set(at("2026-12-01 02:00:20"));
    let runs = sched.tick().await.unwrap();
    assert_eq!(outcomes(&runs), vec![RunOutcome::Failed]);
    let why = runs[0].detail.clone().unwrap_or_default();
    assert!(why.contains("delete 3 of 3 files") && why.contains("50 %"), "{why}");
    assert_eq!(std::fs::read_dir(&dst).unwrap().count(), 3, "nothing deleted");
    assert!(store.list().await.unwrap().is_empty(), "no batch");

    // allowed to delete: the next night's run makes the destination match
    sched
        .update(
            id,
            &sync_spec(DeleteGuard {
                max_files: None,
                max_percent: None,
            }),
        )
        .await
        .unwrap();
    clock.set(at("2026-12-02 02:00:20"));
    let runs = sched.tick().await.unwrap();
    assert_eq!(outcomes(&runs), vec![RunOutcome::Started], "{runs:?}");
    let batch = runs[0].batch_id.unwrap();
    for _ in 0..200 {
        if store.batch(batch).await.unwrap().status == BatchStatus::Completed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let info = store.batch(batch).await.unwrap();
    assert_eq!((info.kind, info.status), (BatchKind::Sync, BatchStatus::Completed));
    let names: Vec<_> = std::fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["a.txt"]);
    let backups = std::fs::read_dir(rc.data().join(".rcmd-backup")).unwrap().count();
    assert_eq!(backups, 1, "the deleted files are in the dated backup folder");
}
