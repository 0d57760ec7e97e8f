//! File-tree fingerprints (FORMATS.md, "Package fingerprints"): [`fingerprint`] over given
//! records and [`scan`], which walks package directories on a node filesystem, hashes every
//! regular file with SHA-256 on every core and fingerprints each directory.
//!
//! A record is `path \0 sha256_hex(content) \n` (the path is the absolute node path, the hex
//! lower-case); the records are sorted bytewise by path and the fingerprint is the SHA-1 (40
//! lower-case hex digits) of their concatenation.
//!
//! [`scan`] first walks every prefix (one thread; a directory read costs far less than the
//! files in it), then hashes all files of all prefixes in one rayon pass, so two small
//! packages and one large one still keep every core busy. Each worker reuses one 1 MiB buffer:
//! a small file costs one `open`, one `read` and one `close` (no `stat`: the directory entry's
//! type says what it is), a large one is read 1 MiB at a time.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use sha1::Sha1;
use sha2::Digest;

use crate::digest::{sha256_file_with, FILE_CHUNK};
use crate::error::{Error, Result};

/// One directory's scan: every regular file under it by node path, and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeScan {
    /// The prefix as given (an absolute node path).
    pub prefix: String,
    /// `(node path, SHA-256 lower-case hex)`, sorted bytewise by path.
    pub files: Vec<(Vec<u8>, String)>,
    /// SHA-1 hex of the records (FORMATS.md).
    pub fingerprint: String,
}

/// The fingerprint of `(path, sha256 hex)` records, in any order.
///
/// Paths must be non-empty, hold no NUL and appear once; digests must be 64 lower-case hex
/// digits (as the RPM header's FILEDIGESTS stores them). Anything else is `InvalidInput`.
pub fn fingerprint<P: AsRef<[u8]>, D: AsRef<[u8]>>(records: &[(P, D)]) -> Result<String> {
    let mut order: Vec<(&[u8], &[u8])> = Vec::with_capacity(records.len());
    for (p, d) in records {
        let (p, d) = (p.as_ref(), d.as_ref());
        check_record(p, d)?;
        order.push((p, d));
    }
    order.sort_unstable_by(|a, b| a.0.cmp(b.0));
    if let Some(w) = order.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::InvalidInput(format!(
            "duplicate path in fingerprint records: {}",
            String::from_utf8_lossy(w[0].0)
        )));
    }
    Ok(fingerprint_sorted(order.into_iter()))
}

fn check_record(path: &[u8], hex: &[u8]) -> Result<()> {
    if path.is_empty() || path.contains(&0) {
        return Err(Error::InvalidInput(format!(
            "fingerprint record path must be non-empty and hold no NUL: {:?}",
            String::from_utf8_lossy(path)
        )));
    }
    if hex.len() != 64 || !hex.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::InvalidInput(format!(
            "fingerprint record digest for {} must be 64 lower-case hex digits",
            String::from_utf8_lossy(path)
        )));
    }
    Ok(())
}

/// SHA-1 over records already sorted and checked.
fn fingerprint_sorted<'a>(records: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> String {
    let mut h = Sha1::new();
    for (p, d) in records {
        h.update(p);
        h.update(b"\0");
        h.update(d);
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// A prefix as a relative path under the root, or `InvalidInput`: it must be absolute and
/// must not climb (`..`), so a scan never leaves `root`.
fn prefix_dir(root: &Path, prefix: &str) -> Result<(PathBuf, Vec<u8>)> {
    let bad = |why: &str| Error::InvalidInput(format!("scan prefix {prefix:?}: {why}"));
    if !prefix.starts_with('/') {
        return Err(bad("must be an absolute node path"));
    }
    if prefix.contains('\0') {
        return Err(bad("holds a NUL"));
    }
    let mut dir = root.to_path_buf();
    let mut node = Vec::with_capacity(prefix.len());
    for c in Path::new(prefix).components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(name) => {
                dir.push(name);
                node.push(b'/');
                node.extend_from_slice(name.as_bytes());
            }
            Component::ParentDir | Component::Prefix(_) => return Err(bad("must not hold ..")),
        }
    }
    Ok((dir, node))
}

/// A regular file found by the walk: which prefix, where on the host, its node path.
struct Found {
    prefix: usize,
    host: PathBuf,
    node: Vec<u8>,
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Walks `dir` (host) whose node path is `node`, appending its regular files to `out`.
/// Symbolic links, devices, FIFOs and sockets are skipped; links are never followed.
fn walk(prefix: usize, dir: PathBuf, node: Vec<u8>, out: &mut Vec<Found>) -> Result<()> {
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        // No directory there (or a link, or a file): nothing under this prefix.
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(&dir, e)),
    }
    let mut stack = vec![(dir, node)];
    while let Some((dir, node)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(it) => it,
            // Removed since its parent was read: it holds nothing now.
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(&dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&dir, e))?;
            // d_type from the directory read; std falls back to lstat where it is unknown.
            let kind = match entry.file_type() {
                Ok(k) => k,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error(&entry.path(), e)),
            };
            if !(kind.is_dir() || kind.is_file()) {
                continue;
            }
            let name = entry.file_name();
            let mut child_node = Vec::with_capacity(node.len() + 1 + name.len());
            child_node.extend_from_slice(&node);
            child_node.push(b'/');
            child_node.extend_from_slice(name.as_bytes());
            let host = entry.path();
            if kind.is_dir() {
                stack.push((host, child_node));
            } else {
                out.push(Found {
                    prefix,
                    host,
                    node: child_node,
                });
            }
        }
    }
    Ok(())
}

/// Scans each prefix directory under `root` (the node's root directory): every regular file
/// below it, by absolute node path, with its SHA-256, and the fingerprint of those records.
///
/// A missing prefix directory gives an empty scan (the fingerprint of no records). A file or
/// directory that cannot be read is an `Io` error naming it; a file removed between the
/// directory read and its opening is left out (it is no longer there).
pub fn scan<S: AsRef<str>>(root: &Path, prefixes: &[S]) -> Result<Vec<TreeScan>> {
    let mut found = Vec::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        let (dir, node) = prefix_dir(root, prefix.as_ref())?;
        // The prefix "/" names the root itself: its files are "/name", not "//name".
        walk(i, dir, node, &mut found)?;
    }
    let digests: Vec<Option<[u8; 32]>> = crate::pool::install(|| {
        found
            .par_iter()
            .map_init(
                || vec![0u8; FILE_CHUNK],
                |buf, f| match sha256_file_with(&f.host, buf) {
                    Ok(d) => Ok(Some(d)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_error(&f.host, e)),
                },
            )
            .collect::<Result<_>>()
    })?;
    let mut per_prefix: Vec<Vec<(Vec<u8>, String)>> = vec![Vec::new(); prefixes.len()];
    for (f, d) in found.into_iter().zip(digests) {
        if let Some(d) = d {
            per_prefix[f.prefix].push((f.node, hex::encode(d)));
        }
    }
    Ok(prefixes
        .iter()
        .zip(per_prefix)
        .map(|(prefix, mut files)| {
            files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let fingerprint =
                fingerprint_sorted(files.iter().map(|(p, d)| (p.as_slice(), d.as_bytes())));
            TreeScan {
                prefix: prefix.as_ref().to_owned(),
                files,
                fingerprint,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// SHA-1 of the empty string: the fingerprint of no records.
    const EMPTY: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    /// sha256("abc") and sha256("") (FIPS 180-2 and the well-known empty digest).
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const NONE: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> Self {
            let p = std::env::temp_dir().join(format!("xrsim-tree-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn no_records_is_sha1_of_nothing() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(fingerprint(&none).unwrap(), EMPTY);
    }

    #[test]
    fn known_answer_and_order_independence() {
        // Independently: printf '/a/x\0<ABC>\n/a/y\0<NONE>\n' | sha1sum
        // = a196f42d3e119ec1cb65c7ce1ab7ab6b4d419092 (computed with coreutils).
        let want = "a196f42d3e119ec1cb65c7ce1ab7ab6b4d419092";
        let records = [("/a/y", NONE), ("/a/x", ABC)];
        assert_eq!(fingerprint(&records).unwrap(), want);
        let reversed = [("/a/x", ABC), ("/a/y", NONE)];
        assert_eq!(fingerprint(&reversed).unwrap(), want);
    }

    #[test]
    fn bad_records_are_refused() {
        for (p, d) in [
            ("/a", &ABC[..63]),
            ("/a", &ABC.to_uppercase()[..]),
            ("", ABC),
            ("/a\0b", ABC),
        ] {
            assert!(matches!(
                fingerprint(&[(p, d)]),
                Err(Error::InvalidInput(_))
            ));
        }
        assert!(matches!(
            fingerprint(&[("/a", ABC), ("/a", NONE)]),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn scan_hashes_regular_files_and_skips_links() {
        let t = TempDir::new("scan");
        let pkg = t.0.join("opt/pkg");
        fs::create_dir_all(pkg.join("bin/deep")).unwrap();
        fs::write(pkg.join("bin/x"), b"abc").unwrap();
        fs::write(pkg.join("bin/deep/e"), b"").unwrap();
        let big: Vec<u8> = (0..3 * FILE_CHUNK + 17).map(|i| (i % 253) as u8).collect();
        fs::write(pkg.join("big"), &big).unwrap();
        symlink("bin/x", pkg.join("link")).unwrap();
        symlink("/etc", pkg.join("dirlink")).unwrap();

        let scans = scan(&t.0, &["/opt/pkg", "/opt/missing", "/opt/pkg/bin/"]).unwrap();
        let big_hex = hex::encode(sha2::Sha256::digest(&big));
        let want: Vec<(Vec<u8>, String)> = vec![
            (b"/opt/pkg/big".to_vec(), big_hex.clone()),
            (b"/opt/pkg/bin/deep/e".to_vec(), NONE.to_owned()),
            (b"/opt/pkg/bin/x".to_vec(), ABC.to_owned()),
        ];
        assert_eq!(scans[0].files, want);
        assert_eq!(scans[0].prefix, "/opt/pkg");
        assert_eq!(
            scans[0].fingerprint,
            fingerprint(&[
                ("/opt/pkg/big", big_hex.as_str()),
                ("/opt/pkg/bin/deep/e", NONE),
                ("/opt/pkg/bin/x", ABC),
            ])
            .unwrap()
        );
        assert!(scans[1].files.is_empty());
        assert_eq!(scans[1].fingerprint, EMPTY);
        // A trailing slash names the same directory; node paths carry no doubled slash.
        assert_eq!(scans[2].files.len(), 2);
        assert_eq!(scans[2].files[1].0, b"/opt/pkg/bin/x".to_vec());
    }

    #[test]
    fn scan_prefix_must_stay_under_root() {
        let t = TempDir::new("prefix");
        for p in ["relative", "/a/../../etc"] {
            assert!(matches!(scan(&t.0, &[p]), Err(Error::InvalidInput(_))));
        }
    }
}
