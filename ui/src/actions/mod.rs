//! What the page asks of the backend, one file per command file of the app
//! (`src-tauri/src/commands/`), plus `commander.rs` (what each key or button of the
//! commander does). Each action updates the shared state; failures land in `ctx.error` as a
//! readable message. The actions are re-exported here: `actions::open(...)`.

pub mod app;
pub mod batches;
pub mod breakers;
pub mod commander;
pub mod compare;
pub mod connection;
pub mod desktop;
pub mod files;
pub mod places;
pub mod remotes;
pub mod view;

pub use app::*;
pub use batches::*;
pub use breakers::*;
pub use connection::*;
pub use files::*;
pub use rcmd_types::ServerForm;

use leptos::prelude::*;
use serde::Serialize;

use crate::state::{Ctx, Location};

/// Empties both panes (another connection or rclone config: their folders mean nothing now).
fn clear_panes(ctx: Ctx) {
    for pane in ctx.panes {
        pane.location.set(None);
        pane.entries.set(None);
        pane.listing_source.set((None, None));
        pane.sel.set(Default::default());
        pane.history.set(Default::default());
        pane.tabs.set(Default::default());
    }
    ctx.free.set(Default::default());
}

#[derive(Serialize)]
pub(crate) struct NoArgs {}

/// `remote` + `path`: the arguments of every command on one folder or file.
#[derive(Serialize)]
pub(crate) struct DirArgs<'a> {
    pub remote: &'a str,
    pub path: &'a str,
}

impl<'a> DirArgs<'a> {
    pub fn of(loc: &'a Location) -> Self {
        DirArgs {
            remote: &loc.remote,
            path: &loc.path,
        }
    }
}

/// A folder opened in a pane (`open_dir`): its first `first` rows in the pane's order come
/// ahead of the whole listing.
#[derive(Serialize)]
pub(crate) struct OpenArgs<'a> {
    pub remote: &'a str,
    pub path: &'a str,
    pub view: rcmd_types::listing::ViewOpts,
    pub first: usize,
}

/// The rest of a big folder (`dir_rest`).
#[derive(Serialize)]
pub(crate) struct RestArgs {
    pub rest: u64,
}

#[derive(Serialize)]
pub struct NameArgs<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
pub(crate) struct RemoteArgs<'a> {
    pub remote: &'a str,
}
