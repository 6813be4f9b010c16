//! The allow-list: every RC path a non-admin may call, the lowest role that may call it,
//! whether it may run inside `job/batch`, and the typed schema of its parameters. A path
//! not here is for admins only; a key not in its schema is refused. `docs/rproxy-security.md`
//! shows this table.

use super::{
    schema::Kind::{self, *},
    Role::{self, Operator, Viewer},
};

/// One allowed call.
pub struct Route {
    pub path: &'static str,
    /// The lowest role that may call it (roles are ordered viewer < operator < admin).
    pub role: Role,
    /// May be an input of `job/batch` (file work only: job and stats calls are rproxy's).
    pub batch: bool,
    /// Its parameters.
    pub params: &'static [(&'static str, Kind)],
    /// Keys outside `params` take any value (calls that act on nothing).
    pub open: bool,
}

/// `operations/list`'s and `operations/stat`'s `opt`.
const LIST_OPT: Kind = Opt(&[
    ("recurse", Scalar),
    ("noModTime", Scalar),
    ("showEncrypted", Scalar),
    ("showOrigIDs", Scalar),
    ("showHash", Scalar),
    ("noMimeType", Scalar),
    ("dirsOnly", Scalar),
    ("filesOnly", Scalar),
    ("metadata", Scalar),
    ("hashTypes", Texts),
]);
/// A compare's or sync's filter (rclone globs and sizes/ages as text; the marker a file name).
const FILTER: &[(&str, Kind)] = &[
    ("include", Texts),
    ("exclude", Texts),
    ("min_size", Scalar),
    ("max_size", Scalar),
    ("min_age", Scalar),
    ("max_age", Scalar),
    ("exclude_if_present", Name),
];
const FS: &[(&str, Kind)] = &[("fs", Fs)];
pub(crate) const FS_REMOTE: &[(&str, Kind)] = &[("fs", Fs), ("remote", Path)];
const SRC_DST_FILE: &[(&str, Kind)] = &[("srcFs", Fs), ("srcRemote", Path), ("dstFs", Fs), ("dstRemote", Path)];
const NONE: &[(&str, Kind)] = &[];

const fn route(path: &'static str, role: Role, batch: bool, params: &'static [(&'static str, Kind)]) -> Route {
    Route {
        path,
        role,
        batch,
        params,
        open: false,
    }
}

pub const ROUTES: &[Route] = &[
    // reading: every role
    Route {
        path: "rc/noop",
        role: Viewer,
        batch: true,
        params: NONE,
        open: true,
    },
    route("rc/list", Viewer, false, NONE),
    route("core/version", Viewer, false, NONE),
    // figures of one of the caller's own jobs (`group=job/<id>`, checked by the router)
    route("core/stats", Viewer, false, &[("group", Scalar), ("short", Scalar)]),
    route("core/transferred", Viewer, false, &[("group", Scalar)]),
    route("job/status", Viewer, false, &[("jobid", Scalar)]),
    route("job/list", Viewer, false, NONE),
    route(
        "operations/list",
        Viewer,
        true,
        &[("fs", Fs), ("remote", Path), ("opt", LIST_OPT)],
    ),
    route(
        "operations/stat",
        Viewer,
        true,
        &[("fs", Fs), ("remote", Path), ("opt", LIST_OPT)],
    ),
    route("operations/about", Viewer, true, FS),
    route("operations/fsinfo", Viewer, true, FS),
    route("operations/size", Viewer, true, FS),
    route(
        "operations/hashsum",
        Viewer,
        true,
        &[
            ("fs", Fs),
            ("hashType", Scalar),
            ("download", Scalar),
            ("base64", Scalar),
        ],
    ),
    route(
        "operations/hashsumfile",
        Viewer,
        true,
        &[
            ("fs", Fs),
            ("remote", Path),
            ("hashType", Scalar),
            ("download", Scalar),
            ("base64", Scalar),
        ],
    ),
    route("config/listremotes", Viewer, false, NONE),
    route("config/providers", Viewer, false, NONE),
    route("core/bwlimit", Operator, false, &[("rate", Scalar)]),
    route("rproxy/whoami", Viewer, false, NONE),
    route("rproxy/batch/list", Viewer, false, NONE),
    route("rproxy/batch/get", Viewer, false, &[("id", Scalar)]),
    // changing files: operators
    route("operations/mkdir", Operator, true, FS_REMOTE),
    route("operations/rmdir", Operator, true, FS_REMOTE),
    route(
        "operations/rmdirs",
        Operator,
        true,
        &[("fs", Fs), ("remote", Path), ("leaveRoot", Scalar)],
    ),
    route("operations/purge", Operator, true, FS_REMOTE),
    route("operations/delete", Operator, true, FS),
    route("operations/deletefile", Operator, true, FS_REMOTE),
    route("operations/copyfile", Operator, true, SRC_DST_FILE),
    route("operations/movefile", Operator, true, SRC_DST_FILE),
    route(
        "operations/publiclink",
        Operator,
        true,
        &[("fs", Fs), ("remote", Path), ("unlink", Scalar), ("expire", Scalar)],
    ),
    route("operations/cleanup", Operator, true, FS),
    route("operations/settier", Operator, true, &[("fs", Fs), ("tier", Scalar)]),
    route(
        "operations/settierfile",
        Operator,
        true,
        &[("fs", Fs), ("remote", Path), ("tier", Scalar)],
    ),
    route(
        "operations/check",
        Operator,
        true,
        &[
            ("srcFs", Fs),
            ("dstFs", Fs),
            ("download", Scalar),
            ("checkFileFs", Fs),
            ("checkFileRemote", Path),
            ("checkFileHash", Scalar),
            ("oneWay", Scalar),
            ("combined", Scalar),
            ("missingOnSrc", Scalar),
            ("missingOnDst", Scalar),
            ("match", Scalar),
            ("differ", Scalar),
            ("error", Scalar),
        ],
    ),
    route(
        "sync/copy",
        Operator,
        true,
        &[("srcFs", Fs), ("dstFs", Fs), ("createEmptySrcDirs", Scalar)],
    ),
    route(
        "sync/move",
        Operator,
        true,
        &[
            ("srcFs", Fs),
            ("dstFs", Fs),
            ("createEmptySrcDirs", Scalar),
            ("deleteEmptySrcDirs", Scalar),
        ],
    ),
    route(
        "sync/sync",
        Operator,
        true,
        &[("srcFs", Fs), ("dstFs", Fs), ("createEmptySrcDirs", Scalar)],
    ),
    // bisync: both ends are remotes of the user; its work folder, filters file and backup
    // folders name places of the server (admins only)
    route(
        "sync/bisync",
        Operator,
        true,
        &[
            ("path1", Fs),
            ("path2", Fs),
            ("dryRun", Scalar),
            ("resync", Scalar),
            ("checkAccess", Scalar),
            ("checkFilename", Name),
            ("maxDelete", Int(100)),
            ("force", Scalar),
            ("checkSync", Scalar),
            ("createEmptySrcDirs", Scalar),
            ("removeEmptyDirs", Scalar),
            ("ignoreListingChecksum", Scalar),
            ("resilient", Scalar),
            ("noCleanup", Scalar),
            ("recover", Scalar),
            ("noSlowHash", Scalar),
            ("slowHashSyncOnly", Scalar),
            ("downloadHash", Scalar),
            ("compare", Scalar),
            ("resyncMode", Scalar),
            ("conflictResolve", Scalar),
            ("conflictLoser", Scalar),
            ("maxLock", Scalar),
        ],
    ),
    route("job/stop", Operator, false, &[("jobid", Scalar)]),
    route("job/stopgroup", Operator, false, &[("group", Scalar)]),
    route(
        "job/batch",
        Operator,
        true,
        &[("inputs", Inputs), ("concurrency", Int(64))],
    ),
    route(
        "rproxy/batch/create",
        Operator,
        false,
        &[
            ("kind", Scalar),
            ("srcFs", Fs),
            ("dstFs", Fs),
            ("names", Paths),
            ("onConflict", Scalar),
            ("choices", Choices),
        ],
    ),
    // the files a copy or move would find at its destination (the commander asks first)
    route(
        "rproxy/batch/plan",
        Operator,
        false,
        &[("kind", Scalar), ("srcFs", Fs), ("dstFs", Fs), ("names", Paths)],
    ),
    // compare two folders on the server (nothing written) and sync them as a server batch
    route(
        "rproxy/batch/compare",
        Viewer,
        false,
        &[
            ("srcFs", Fs),
            ("dstFs", Fs),
            ("mode", Scalar),
            ("oneWay", Scalar),
            ("download", Scalar),
            ("filter", Opt(FILTER)),
        ],
    ),
    route(
        "rproxy/batch/sync",
        Operator,
        false,
        &[
            ("srcFs", Fs),
            ("dstFs", Fs),
            ("mode", Scalar),
            ("download", Scalar),
            ("filter", Opt(FILTER)),
            ("maxDelete", Int(1 << 40)),
            ("maxDeletePercent", Int(100)),
            ("backup", Scalar),
            ("dryRun", Scalar),
            ("directions", Directions),
        ],
    ),
    // a client's two-way pair run on the server (its settings with each call)
    route(
        "rproxy/batch/bisync",
        Operator,
        false,
        &[
            ("path1", Fs),
            ("path2", Fs),
            ("name", Scalar),
            ("action", Scalar),
            ("resyncMode", Scalar),
            ("filter", Opt(FILTER)),
            ("maxDelete", Int(1 << 40)),
            ("maxDeletePercent", Int(100)),
            ("conflicts", Scalar),
            ("backup", Scalar),
            ("checkAccess", Scalar),
            ("lockMinutes", Int(1440)),
        ],
    ),
    route("rproxy/batch/pause", Operator, false, &[("id", Scalar)]),
    route("rproxy/batch/resume", Operator, false, &[("id", Scalar)]),
    route("rproxy/batch/cancel", Operator, false, &[("id", Scalar)]),
    route("rproxy/batch/retry", Operator, false, &[("id", Scalar)]),
];

/// Keys every allowed call may carry besides its own: `_async` (rproxy then keeps the job),
/// `_group` (rproxy sets it for non-admins), `_config` and `_filter` (checked key by key in
/// [`super::options`]).
pub const COMMON: &[(&str, Kind)] = &[("_async", Scalar), ("_group", Scalar)];

/// Inside `job/batch` inputs: `_path` names the call; `_config`/`_filter` as anywhere.
pub const IN_BATCH: &[(&str, Kind)] = &[("_path", Scalar)];

/// The route of `path`, if non-admins may call it at all.
pub fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.path == path)
}

/// How many paths `role` may call (admins: every path rcd has).
pub fn count(role: Role) -> usize {
    ROUTES.iter().filter(|r| role >= r.role).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The manual's table (docs/rproxy-security.md) lists every route with its lowest role.
    #[test]
    fn the_manual_lists_every_route() {
        let doc = include_str!("../../../../docs/rproxy-security.md");
        for r in ROUTES {
            let row = format!("| `{}` | {} |", r.path, r.role.as_str());
            assert!(doc.contains(&row), "docs/rproxy-security.md lacks the row {row}");
        }
        let rows = doc.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            rows,
            ROUTES.len(),
            "the manual's table has rows for routes that do not exist"
        );
        assert_eq!(
            (count(Viewer), count(Operator)),
            (20, 49),
            "the manual states these counts"
        );
    }
}
