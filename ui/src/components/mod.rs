//! The page's parts; each reads the shared [`crate::state::Ctx`] from context.

mod breaker_panel;
mod browser;
mod connection;
mod error_banner;
mod header;
mod jobs;
mod notifications;
mod remotes;
mod settings;

pub use breaker_panel::BreakerPanel;
pub use browser::Browser;
pub use connection::ConnectionPanel;
pub use error_banner::ErrorBanner;
pub use header::Header;
pub use jobs::Jobs;
pub use notifications::NotificationsPanel;
pub use remotes::RemoteList;
pub use settings::SettingsPanel;
