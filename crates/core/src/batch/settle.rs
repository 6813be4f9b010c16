//! Settling a chunk's items from evidence: what the remotes hold decides whether each item
//! is done, vanished (skipped) or missing (requeued, retried or failed), never what a job
//! reported alone.

use rcmd_types::BatchKind;
use tokio_util::sync::CancellationToken;

use super::{
    conflict::{Guard, PlannedLike},
    processor::Processor,
    store::{ItemOutcome, ItemRow},
    verify,
};
use crate::{remote_path::RemotePath, resilience::classify::Failure, Error};

impl Processor {
    /// Settles `items` by what is really there (see [`Processor::evidence`]): done items are
    /// done, items whose source vanished are skipped, the rest go back to the queue
    /// (`After::Interrupted`), get the job's failure (`After::Failed`) or, when rclone said
    /// it succeeded, a failure saying it did not (`After::Succeeded`).
    pub(super) async fn verify(
        &self,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        items: &[ItemRow],
        after: After<'_>,
        guard: Option<Guard>,
    ) -> Result<Vec<(i64, ItemOutcome)>, Error> {
        let evidence = self.evidence(kind, src, dst, items, guard).await?;
        let unconfirmed = Failure::new(
            rcmd_types::FailureReason::Unknown,
            "rclone reported the chunk done, but the item is not at the destination as planned",
        );
        Ok(items
            .iter()
            .zip(evidence)
            .map(|(item, ev)| {
                let outcome = match (ev, after) {
                    (Evidence::Done, _) => ItemOutcome::Done,
                    // rclone finished its job and left the destination file alone, as the
                    // batch's policy asks
                    (Evidence::Kept(reason), After::Succeeded) => ItemOutcome::Skipped {
                        reason: reason.to_owned(),
                    },
                    // after a stopped or failed job the file may be one of its own writes (a
                    // copy whose time was not set yet): not a kept file, the item is not done
                    (Evidence::Kept(_), After::Interrupted) => ItemOutcome::Requeue,
                    (Evidence::Kept(_), After::Failed(f)) => self.settle_failed(item, f),
                    (Evidence::Missing, After::Interrupted) | (Evidence::Vanished, After::Interrupted) => {
                        ItemOutcome::Requeue
                    }
                    (Evidence::Vanished, _) => ItemOutcome::Skipped {
                        reason: VANISHED.to_owned(),
                    },
                    (Evidence::Missing, After::Failed(f)) => self.settle_failed(item, f),
                    (Evidence::Missing, After::Succeeded) => self.settle_failed(item, &unconfirmed),
                };
                (item.id, outcome)
            })
            .collect())
    }

    /// What the remotes say about each item: done (at the destination with the planned size
    /// and time; gone from the source for a move or delete), vanished (gone from the source
    /// before it was copied or moved) or missing. Only the folders the items are in are listed,
    /// the source only when something is not done.
    async fn evidence(
        &self,
        kind: BatchKind,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        items: &[ItemRow],
        guard: Option<Guard>,
    ) -> Result<Vec<Evidence>, Error> {
        let cancel = CancellationToken::new();
        let paths: Vec<String> = items.iter().map(|i| i.path.clone()).collect();
        // an item copied under another name is looked for under that name
        let dst_paths: Vec<String> = items.iter().map(|i| i.dst().to_owned()).collect();
        let list_of = |root: RemotePath, paths: Vec<String>| {
            let cancel = cancel.clone();
            async move {
                let root2 = root.clone();
                self.rc
                    .call(&[&root.remote], &cancel, |rc| {
                        let (root, paths) = (root2.clone(), paths.clone());
                        async move { Ok(verify::listing_for(&rc, &root, paths.iter().map(String::as_str)).await?) }
                    })
                    .await
            }
        };
        let at_dst = match dst {
            Some(d) => Some(list_of(d.clone(), dst_paths.clone()).await?),
            None => None,
        };
        let precision = match dst {
            Some(d) => {
                let d2 = d.clone();
                self.rc
                    .call(&[&d.remote], &cancel, |rc| {
                        let d = d2.clone();
                        async move { Ok(verify::mod_time_precision(&rc, &d).await?) }
                    })
                    .await?
            }
            None => None,
        };
        let at_destination =
            |item: &ItemRow| verify::matches(item, at_dst.as_ref().and_then(|m| m.get(item.dst())), precision);
        let need_src = match kind {
            // a sync batch is verified lane by lane (copy, move to the backup, delete)
            BatchKind::Copy | BatchKind::Sync => items.iter().any(|i| !at_destination(i)),
            BatchKind::Move | BatchKind::Delete | BatchKind::Bisync => true,
        };
        let at_src = if need_src {
            Some(list_of(src.clone(), paths.clone()).await?)
        } else {
            None
        };
        let at_source = |item: &ItemRow| at_src.as_ref().is_some_and(|m| m.contains_key(&item.path));
        // a source file that changed after planning (a growing log) was copied as it is now,
        // as rclone's copy does: the destination matching the source's current size and time
        // is the copy done
        let copied_as_changed = |item: &ItemRow| {
            let (Some(now), Some(there)) = (
                at_src.as_ref().and_then(|m| m.get(&item.path)),
                at_dst.as_ref().and_then(|m| m.get(item.dst())),
            ) else {
                return false;
            };
            let current = ItemRow {
                size: now.0,
                mod_time: now.1.clone(),
                ..item.clone()
            };
            verify::matches(&current, Some(there), precision)
        };
        let tolerance = verify::tolerance_s(precision);
        Ok(items
            .iter()
            .map(|item| {
                let done = match kind {
                    BatchKind::Copy | BatchKind::Sync => at_destination(item) || copied_as_changed(item),
                    BatchKind::Move => at_destination(item) && !at_source(item),
                    // a bisync batch has no items to settle
                    BatchKind::Delete | BatchKind::Bisync => !at_source(item),
                };
                let there = at_dst.as_ref().and_then(|m| m.get(item.dst()));
                let planned = PlannedLike {
                    size: item.size,
                    mod_time: &item.mod_time,
                };
                let kept = guard.and_then(|g| g.kept(&planned, there, tolerance));
                match (done, kind) {
                    (true, _) => Evidence::Done,
                    // still at the source, a destination file the policy keeps: not a failure
                    (false, BatchKind::Copy | BatchKind::Move) if kept.is_some() && at_source(item) => {
                        Evidence::Kept(kept.unwrap_or_default())
                    }
                    (false, BatchKind::Copy | BatchKind::Move) if !at_source(item) && !at_destination(item) => {
                        Evidence::Vanished
                    }
                    _ => Evidence::Missing,
                }
            })
            .collect())
    }
}

/// Why items are being verified.
#[derive(Clone, Copy)]
pub(super) enum After<'a> {
    /// A crash or a pause stopped them: what is not done goes back to the queue.
    Interrupted,
    /// Their job failed with this.
    Failed(&'a Failure),
    /// Their job reported success.
    Succeeded,
}

/// What the remotes say about one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Evidence {
    Done,
    /// Not copied: the file at the destination is kept by the batch's conflict policy.
    Kept(&'static str),
    /// Not at the source any more (nor at the destination): nothing to copy or move.
    Vanished,
    Missing,
}

/// Reason recorded for an item whose source disappeared after planning.
pub const VANISHED: &str = "the source file no longer exists (deleted or renamed after the batch was planned)";
