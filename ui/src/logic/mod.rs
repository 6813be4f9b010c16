//! The UI's pure logic: no DOM, no signals, so it is unit-tested on the host
//! (`cargo test --target x86_64-unknown-linux-gnu` in `ui/`, run by scripts/test.sh).

pub mod chart;
pub mod columns;
pub mod compare;
pub mod complete;
pub mod keys;
pub mod listing;
pub mod memory;
pub mod nav;
pub mod selection;
pub mod stall;
pub mod when;
pub mod window;
pub mod zoom;
