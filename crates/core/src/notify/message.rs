//! What a notification says, rendered from core events in English and Korean.

use rcmd_types::{BatchStatus, BreakerState, MountState, RunOutcome, SidecarState};
use serde::{Deserialize, Serialize};

use crate::events::CoreEvent;

/// Event types a channel can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    BatchCompleted,
    BatchCompletedWithErrors,
    BatchFailed,
    RemoteOffline,
    RemoteRecovered,
    SidecarRestarted,
    SidecarFailed,
    /// A scheduled run did not happen (missed, skipped by the overlap rule, or failed to start).
    ScheduleMissed,
    /// A mount or serve was found dead (and is being recovered) or could not be started.
    MountDown,
    /// A mount or serve that was recovered works again.
    MountRecovered,
    /// The "send test" button.
    Test,
}

impl NotifyKind {
    /// Events of one family replace each other when coalesced (a flapping breaker).
    pub fn family(self) -> &'static str {
        match self {
            NotifyKind::RemoteOffline | NotifyKind::RemoteRecovered => "remote",
            NotifyKind::SidecarRestarted | NotifyKind::SidecarFailed => "sidecar",
            NotifyKind::BatchCompleted | NotifyKind::BatchCompletedWithErrors | NotifyKind::BatchFailed => "batch",
            NotifyKind::ScheduleMissed => "schedule",
            NotifyKind::MountDown | NotifyKind::MountRecovered => "mount",
            NotifyKind::Test => "test",
        }
    }
}

/// Language of the messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    En,
    Ko,
}

/// One thing to tell the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: NotifyKind,
    /// What it is about (batch id, remote name); notices with the same kind family and
    /// subject coalesce.
    pub subject: String,
    pub data: serde_json::Value,
    pub title_en: String,
    pub title_ko: String,
    pub body_en: String,
    pub body_ko: String,
    /// How many events this notice stands for (after coalescing).
    pub count: u32,
}

impl Notice {
    pub fn title(&self, lang: Lang) -> &str {
        if lang == Lang::Ko {
            &self.title_ko
        } else {
            &self.title_en
        }
    }

    pub fn body(&self, lang: Lang) -> String {
        let body = if lang == Lang::Ko { &self.body_ko } else { &self.body_en };
        match (self.count, lang) {
            (0 | 1, _) => body.clone(),
            (n, Lang::En) => format!("{body} ({n} events)"),
            (n, Lang::Ko) => format!("{body} (이벤트 {n}개)"),
        }
    }

    /// Telegram HTML: bold title, escaped text.
    pub fn html(&self, lang: Lang) -> String {
        format!("<b>{}</b>\n{}", escape(self.title(lang)), escape(&self.body(lang)))
    }

    /// A test message.
    pub fn test() -> Notice {
        Notice {
            kind: NotifyKind::Test,
            subject: "test".into(),
            data: serde_json::json!({}),
            title_en: "RCMD test notification".into(),
            title_ko: "RCMD 테스트 알림".into(),
            body_en: "Notifications from RCMD reach you here.".into(),
            body_ko: "RCMD 알림이 여기로 전달됩니다.".into(),
            count: 1,
        }
    }

    /// The notice for a core event, if it warrants one.
    pub fn from_event(event: &CoreEvent) -> Option<Notice> {
        let n = |kind, subject: String, data, te: String, tk: String, be: String, bk: String| Notice {
            kind,
            subject,
            data,
            title_en: te,
            title_ko: tk,
            body_en: be,
            body_ko: bk,
            count: 1,
        };
        match event {
            CoreEvent::Batch { info } => {
                let kind = match info.status {
                    BatchStatus::Completed => NotifyKind::BatchCompleted,
                    BatchStatus::CompletedWithErrors => NotifyKind::BatchCompletedWithErrors,
                    BatchStatus::Failed => NotifyKind::BatchFailed,
                    _ => return None,
                };
                let c = &info.counts;
                let route = format!("{} → {}", info.src, info.dst.as_deref().unwrap_or("-"));
                let data = serde_json::to_value(info).unwrap_or_default();
                let (te, tk) = match kind {
                    NotifyKind::BatchCompleted => ("Batch completed", "작업 완료"),
                    NotifyKind::BatchCompletedWithErrors => ("Batch completed with errors", "작업 완료 (일부 오류)"),
                    _ => ("Batch failed", "작업 실패"),
                };
                // a two-way run has no items: what ended it is the news
                let (body_en, body_ko) = if info.kind == rcmd_types::BatchKind::Bisync {
                    match (&info.pause_reason, kind) {
                        (Some(why), NotifyKind::BatchFailed) => (
                            format!("{route} (two-way): stopped, nothing lost: {why}"),
                            format!("{route} (양방향): 멈춤, 잃은 것 없음: {why}"),
                        ),
                        _ => (
                            format!("{route} (two-way): both sides are in step."),
                            format!("{route} (양방향): 양쪽이 같아졌습니다."),
                        ),
                    }
                } else {
                    (
                        format!("{route}: {} of {} files done, {} failed.", c.done, c.total(), c.failed),
                        format!(
                            "{route}: 파일 {}개 중 {}개 완료, {}개 실패.",
                            c.total(),
                            c.done,
                            c.failed
                        ),
                    )
                };
                Some(n(
                    kind,
                    format!("batch {}", info.id),
                    data,
                    format!("{te}: #{}", info.id),
                    format!("{tk}: #{}", info.id),
                    body_en,
                    body_ko,
                ))
            }
            CoreEvent::Breaker {
                remote,
                from,
                to,
                snapshot,
                ..
            } => {
                let data = serde_json::to_value(snapshot).unwrap_or_default();
                let why = snapshot
                    .last_failure
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_default();
                match (from, to) {
                    (BreakerState::Closed, BreakerState::Open) => Some(n(
                        NotifyKind::RemoteOffline,
                        remote.clone(),
                        data,
                        format!("Remote offline: {remote}"),
                        format!("리모트 오프라인: {remote}"),
                        format!("Calls to {remote}: are paused after repeated failures. {why}"),
                        format!("{remote}: 호출이 반복 실패로 일시 중지되었습니다. {why}"),
                    )),
                    (_, BreakerState::Closed) => Some(n(
                        NotifyKind::RemoteRecovered,
                        remote.clone(),
                        data,
                        format!("Remote back: {remote}"),
                        format!("리모트 복구: {remote}"),
                        format!("{remote}: answers again."),
                        format!("{remote}: 다시 응답합니다."),
                    )),
                    _ => None,
                }
            }
            CoreEvent::Schedule { run } => {
                let (te, tk) = match run.outcome {
                    RunOutcome::Missed => ("Scheduled run missed", "예약 실행 놓침"),
                    RunOutcome::Skipped => ("Scheduled run skipped", "예약 실행 건너뜀"),
                    RunOutcome::Failed => ("Scheduled run failed", "예약 실행 실패"),
                    _ => return None,
                };
                let name = &run.schedule_name;
                let why = run.detail.clone().unwrap_or_default();
                Some(n(
                    NotifyKind::ScheduleMissed,
                    format!("schedule {}", run.schedule_id),
                    serde_json::to_value(run).unwrap_or_default(),
                    format!("{te}: {name}"),
                    format!("{tk}: {name}"),
                    format!("{name}: {why}"),
                    format!("{name}: {why}"),
                ))
            }
            CoreEvent::Mount { status } | CoreEvent::Serve { status } => {
                let what = if matches!(event, CoreEvent::Mount { .. }) {
                    ("Mount", "마운트")
                } else {
                    ("Serve", "서비스")
                };
                let name = &status.name;
                let why = status.message.clone().unwrap_or_default();
                let data = serde_json::to_value(status).unwrap_or_default();
                let subject = format!("{} {name}", what.0.to_lowercase());
                match status.state {
                    MountState::Recovering => Some(n(
                        NotifyKind::MountDown,
                        subject,
                        data,
                        format!("{} lost: {name}", what.0),
                        format!("{} 끊김: {name}", what.1),
                        format!("{name}: {why}. RCMD is mounting it again."),
                        format!("{name}: {why}. RCMD가 다시 연결합니다."),
                    )),
                    MountState::Failed => Some(n(
                        NotifyKind::MountDown,
                        subject,
                        data,
                        format!("{} failed: {name}", what.0),
                        format!("{} 실패: {name}", what.1),
                        format!("{name}: {why}"),
                        format!("{name}: {why}"),
                    )),
                    MountState::Mounted if status.recoveries > 0 => Some(n(
                        NotifyKind::MountRecovered,
                        subject,
                        data,
                        format!("{} back: {name}", what.0),
                        format!("{} 복구: {name}", what.1),
                        format!("{name} works again (recovered {} time(s)).", status.recoveries),
                        format!("{name}이(가) 다시 동작합니다 (복구 {}회).", status.recoveries),
                    )),
                    _ => None,
                }
            }
            CoreEvent::Sidecar { state } => match state {
                SidecarState::Restarting { attempt, .. } => Some(n(
                    NotifyKind::SidecarRestarted,
                    "rclone".into(),
                    serde_json::to_value(state).unwrap_or_default(),
                    "rclone restarted".into(),
                    "rclone 재시작".into(),
                    format!("rclone stopped and is being restarted (attempt {attempt})."),
                    format!("rclone이 멈춰 다시 시작합니다 (시도 {attempt})."),
                )),
                SidecarState::Failed { .. } => Some(n(
                    NotifyKind::SidecarFailed,
                    "rclone".into(),
                    serde_json::to_value(state).unwrap_or_default(),
                    "rclone failed".into(),
                    "rclone 실패".into(),
                    "rclone could not be kept running; open RCMD to restart it.".into(),
                    "rclone을 계속 실행할 수 없습니다. RCMD를 열어 다시 시작하세요.".into(),
                )),
                _ => None,
            },
        }
    }
}

/// Escapes text for Telegram's HTML parse mode.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
