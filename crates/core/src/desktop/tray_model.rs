//! What the tray shows, as data: the status derived from the engine's state, and the menu.
//! Kept free of Tauri so it is unit-tested; the app's `desktop/tray.rs` draws it.

use crate::types::SidecarState;

/// The tray icon's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrayStatus {
    Idle,
    Transferring,
    /// rclone failed or restarts, or a remote's breaker is open: something needs a look.
    Problem,
}

/// What the status is made from.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub sidecar: SidecarState,
    pub running_batches: usize,
    pub open_breakers: usize,
    /// The rclone config is encrypted and waits for its password.
    pub config_locked: bool,
    /// Mounts and serves this app runs.
    pub mounts: usize,
    /// Of those, how many are degraded, recovering or failed.
    pub mounts_in_trouble: usize,
}

/// What the tray shows now: the inputs from `engine` (breakers from `rc`, the layer of the
/// connection in use), and the running and paused batch counts for the menu.
pub async fn read(engine: &crate::engine::Engine, rc: &crate::resilience::layer::Resilient) -> (Inputs, usize, usize) {
    let running = engine.runner.running_ids().len();
    let paused = engine.runner.paused_count().await;
    let inputs = Inputs {
        sidecar: engine.supervisor.state(),
        running_batches: running,
        open_breakers: rc
            .breaker_snapshots()
            .iter()
            .filter(|b| b.state == crate::types::BreakerState::Open)
            .count(),
        config_locked: engine.supervisor.config_locked(),
        mounts: engine.mounts.running().len(),
        mounts_in_trouble: engine
            .mounts
            .running()
            .iter()
            .filter(|n| {
                use crate::types::MountState as S;
                matches!(engine.mounts.status(n).state, S::Degraded | S::Recovering | S::Failed)
            })
            .count(),
    };
    (inputs, running, paused)
}

pub fn status(i: &Inputs) -> TrayStatus {
    let rclone_trouble = matches!(i.sidecar, SidecarState::Failed { .. } | SidecarState::Restarting { .. });
    if rclone_trouble || i.open_breakers > 0 || i.config_locked || i.mounts_in_trouble > 0 {
        TrayStatus::Problem
    } else if i.running_batches > 0 {
        TrayStatus::Transferring
    } else {
        TrayStatus::Idle
    }
}

/// Korean or English, as the page chose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }
}

/// The line next to the icon (a label on Linux, the tooltip elsewhere).
pub fn title(s: TrayStatus, i: &Inputs, lang: Lang) -> String {
    let n = i.running_batches;
    match (s, lang) {
        (TrayStatus::Idle, Lang::En) if i.mounts > 0 => format!("RCMD: {} mounted", i.mounts),
        (TrayStatus::Idle, Lang::Ko) if i.mounts > 0 => format!("RCMD: 마운트 {}개", i.mounts),
        (TrayStatus::Idle, Lang::En) => "RCMD: idle".into(),
        (TrayStatus::Idle, Lang::Ko) => "RCMD: 대기 중".into(),
        (TrayStatus::Transferring, Lang::En) => format!("RCMD: {n} batch{} running", if n == 1 { "" } else { "es" }),
        (TrayStatus::Transferring, Lang::Ko) => format!("RCMD: 작업 {n}개 실행 중"),
        (TrayStatus::Problem, Lang::En) if i.mounts_in_trouble > 0 => {
            format!("RCMD: {} mount(s) need attention", i.mounts_in_trouble)
        }
        (TrayStatus::Problem, Lang::Ko) if i.mounts_in_trouble > 0 => {
            format!("RCMD: 마운트 {}개 확인 필요", i.mounts_in_trouble)
        }
        (TrayStatus::Problem, Lang::En) => "RCMD: needs attention".into(),
        (TrayStatus::Problem, Lang::Ko) => "RCMD: 확인 필요".into(),
    }
}

/// Menu item ids.
pub const SHOW: &str = "show";
pub const PAUSE_ALL: &str = "pause_all";
pub const RESUME_ALL: &str = "resume_all";
pub const QUIT: &str = "quit";

/// One menu entry: id, label, enabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: &'static str,
    pub label: &'static str,
    pub enabled: bool,
}

/// The menu: show window, pause all (while something runs), resume all (while something is
/// paused), quit.
pub fn menu(lang: Lang, running: usize, paused: usize) -> Vec<Item> {
    let ko = lang == Lang::Ko;
    vec![
        Item {
            id: SHOW,
            label: if ko { "창 보기" } else { "Show window" },
            enabled: true,
        },
        Item {
            id: PAUSE_ALL,
            label: if ko { "모두 일시 중지" } else { "Pause all" },
            enabled: running > 0,
        },
        Item {
            id: RESUME_ALL,
            label: if ko { "모두 재개" } else { "Resume all" },
            enabled: paused > 0,
        },
        Item {
            id: QUIT,
            label: if ko { "종료" } else { "Quit" },
            enabled: true,
        },
    ]
}

/// What the tray must change to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub status: TrayStatus,
    /// The icon differs from the one drawn (the title or menu may change alone).
    pub new_icon: bool,
    pub title: String,
    pub menu: Vec<Item>,
}

/// The tray as last drawn: a reading that changes nothing draws nothing.
#[derive(Default)]
pub struct Shown(Option<(TrayStatus, String, Lang, usize, usize)>);

impl Shown {
    /// Reads `engine` (see [`read`]): the change to draw, or `None` when the tray is current.
    pub async fn next(
        &mut self,
        engine: &crate::engine::Engine,
        rc: &crate::resilience::layer::Resilient,
        lang: Lang,
    ) -> Option<Change> {
        let (inputs, running, paused) = read(engine, rc).await;
        self.change(&inputs, running, paused, lang)
    }

    /// The change from what is drawn to what `inputs` (and the counts, the language) make.
    pub fn change(&mut self, inputs: &Inputs, running: usize, paused: usize, lang: Lang) -> Option<Change> {
        let status = status(inputs);
        let title = title(status, inputs, lang);
        let now = (status, title.clone(), lang, running, paused);
        if self.0.as_ref() == Some(&now) {
            return None;
        }
        let new_icon = self.0.as_ref().is_none_or(|s| s.0 != status);
        self.0 = Some(now);
        Some(Change {
            status,
            new_icon,
            title,
            menu: menu(lang, running, paused),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_change_is_drawn_and_the_icon_only_when_the_status_changes() {
        let mut shown = Shown::default();
        let idle = inputs(ready(), 0, 0);
        let first = shown.change(&idle, 0, 0, Lang::En).expect("the first reading is drawn");
        assert!(first.new_icon);
        assert_eq!(first.status, TrayStatus::Idle);
        assert_eq!(shown.change(&idle, 0, 0, Lang::En), None, "nothing changed");
        let ko = shown.change(&idle, 0, 0, Lang::Ko).expect("the language changed");
        assert!(!ko.new_icon);
        assert_eq!(ko.menu[0].label, "창 보기");
        let paused = shown.change(&idle, 0, 2, Lang::Ko).expect("a batch was paused");
        assert!(!paused.new_icon);
        assert!(paused.menu[2].enabled, "resume all is offered");
        let busy = shown
            .change(&inputs(ready(), 1, 0), 1, 2, Lang::Ko)
            .expect("a batch runs");
        assert!(busy.new_icon);
        assert_eq!(busy.status, TrayStatus::Transferring);
    }

    fn inputs(sidecar: SidecarState, running: usize, open: usize) -> Inputs {
        Inputs {
            sidecar,
            running_batches: running,
            open_breakers: open,
            config_locked: false,
            mounts: 0,
            mounts_in_trouble: 0,
        }
    }

    fn ready() -> SidecarState {
        SidecarState::Ready {
            pid: 1,
            port: 0,
            endpoint: String::new(),
            version: String::new(),
            ready_after_ms: 0,
        }
    }

    #[test]
    fn status_maps_engine_state_to_icon() {
        assert_eq!(status(&inputs(ready(), 0, 0)), TrayStatus::Idle);
        assert_eq!(status(&inputs(ready(), 2, 0)), TrayStatus::Transferring);
        // a problem wins over transferring
        assert_eq!(status(&inputs(ready(), 2, 1)), TrayStatus::Problem);
        assert_eq!(
            status(&inputs(SidecarState::Starting { attempt: 1 }, 0, 0)),
            TrayStatus::Idle
        );
        let failed = SidecarState::Failed {
            problem: crate::types::SidecarProblem::Exited {
                code: Some(1),
                signal: None,
            },
        };
        assert_eq!(status(&inputs(failed, 0, 0)), TrayStatus::Problem);
        assert_eq!(
            status(&Inputs {
                config_locked: true,
                ..inputs(ready(), 0, 0)
            }),
            TrayStatus::Problem
        );
        assert_eq!(
            title(TrayStatus::Transferring, &inputs(ready(), 1, 0), Lang::En),
            "RCMD: 1 batch running"
        );
        // mounts: shown when idle; one in trouble needs attention
        let up = Inputs {
            mounts: 2,
            ..inputs(ready(), 0, 0)
        };
        assert_eq!(status(&up), TrayStatus::Idle);
        assert_eq!(title(TrayStatus::Idle, &up, Lang::En), "RCMD: 2 mounted");
        let trouble = Inputs {
            mounts_in_trouble: 1,
            ..up
        };
        assert_eq!(status(&trouble), TrayStatus::Problem);
        assert_eq!(
            title(TrayStatus::Problem, &trouble, Lang::Ko),
            "RCMD: 마운트 1개 확인 필요"
        );
        assert_eq!(
            title(TrayStatus::Transferring, &inputs(ready(), 3, 0), Lang::Ko),
            "RCMD: 작업 3개 실행 중"
        );
    }

    #[test]
    fn menu_enables_what_can_be_done() {
        let m = menu(Lang::En, 0, 0);
        assert_eq!(
            m.iter().map(|i| i.id).collect::<Vec<_>>(),
            [SHOW, PAUSE_ALL, RESUME_ALL, QUIT]
        );
        assert_eq!(
            m.iter().map(|i| i.enabled).collect::<Vec<_>>(),
            [true, false, false, true]
        );
        let m = menu(Lang::Ko, 2, 1);
        assert!(m.iter().all(|i| i.enabled));
        assert_eq!(m[0].label, "창 보기");
        assert_eq!(Lang::parse("ko-KR"), Lang::Ko);
        assert_eq!(Lang::parse("en"), Lang::En);
    }
}
