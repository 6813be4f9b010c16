//! File trees for batch tests: made with known bytes, compared byte for byte.

use std::path::Path;

/// Writes `n` files of 1-4 KiB under `root` in a few folders; returns their relative paths.
pub fn make_tree(root: &Path, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let rel = format!("d{}/f{i:05}.bin", i % 7);
            let p = root.join(&rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, vec![(i % 251) as u8; 1024 + (i * 37) % 3072]).unwrap();
            rel
        })
        .collect()
}

/// Every file under `a` is under `b` with the same bytes, and nothing else is in `b` (names
/// compared as bytes: they need not be UTF-8).
pub fn same_tree(a: &Path, b: &Path) {
    fn files(root: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let (mut fa, mut fb) = (vec![], vec![]);
    files(a, a, &mut fa);
    files(b, b, &mut fb);
    fa.sort();
    fb.sort();
    assert_eq!(fa.len(), fb.len(), "file counts differ");
    assert_eq!(fa, fb);
    for f in fa {
        assert_eq!(
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
}
