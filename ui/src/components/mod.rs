//! The page's parts; each reads the shared [`crate::state::Ctx`] from context.

mod breaker_panel;
mod commander;
pub mod compare;
mod connection;
mod dialog;
mod error_banner;
pub mod find;
mod header;
mod jobs;
mod logs;
pub mod mounts;
mod notifications;
pub mod pairs;
mod pane;
mod places;
mod prompts;
mod remotes;
mod schedules;
mod settings;
mod setup;
mod transfers;
mod view;

pub use breaker_panel::BreakerPanel;
pub use commander::Commander;
pub use connection::ConnectionPanel;
pub use error_banner::ErrorBanner;
pub use header::Header;
pub use jobs::{JobRow, Jobs};
pub use logs::Logs;
pub use notifications::NotificationsPanel;
pub use prompts::{ClosePrompt, PasswordPrompt};
pub use remotes::RemoteList;
pub use schedules::Schedules;
pub use settings::SettingsPanel;
pub use setup::RemoteSetup;
pub use transfers::Transfers;
