//! Helpers shared by the integration tests that read `../shared/data`.

use std::path::PathBuf;

/// `../shared/data/<rel>` relative to the workspace root, or `None` (with a message) when the
/// shared data folder is absent, e.g. in a fresh clone.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"));
    if !root.is_dir() {
        println!("skipping: ../shared/data not found");
        return None;
    }
    Some(root.join(rel))
}
