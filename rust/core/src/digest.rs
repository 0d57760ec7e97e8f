//! SHA-1/256/384/512: [`digest`] over bytes, [`Hasher`] for streaming, [`digest_file`] over a
//! file and [`digest_files`] over many files on every core. The RustCrypto `sha1`/`sha2` crates
//! pick the SHA-NI or AVX2 code path at run time.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use rayon::prelude::*;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::error::{Error, Result};
use crate::keys::HashAlg;

/// Read size for files: large enough that the hashing, not the system call, dominates.
pub const FILE_CHUNK: usize = 1 << 20;

/// A streaming hash of one of the four algorithms.
#[derive(Debug, Clone)]
pub enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    /// A fresh hash state.
    pub fn new(alg: HashAlg) -> Self {
        match alg {
            HashAlg::Sha1 => Hasher::Sha1(Sha1::new()),
            HashAlg::Sha256 => Hasher::Sha256(Sha256::new()),
            HashAlg::Sha384 => Hasher::Sha384(Sha384::new()),
            HashAlg::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// The algorithm of this state.
    pub fn algorithm(&self) -> HashAlg {
        match self {
            Hasher::Sha1(_) => HashAlg::Sha1,
            Hasher::Sha256(_) => HashAlg::Sha256,
            Hasher::Sha384(_) => HashAlg::Sha384,
            Hasher::Sha512(_) => HashAlg::Sha512,
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far; the state is consumed.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// One-shot digest of `data`.
pub fn digest(alg: HashAlg, data: &[u8]) -> Vec<u8> {
    let mut h = Hasher::new(alg);
    h.update(data);
    h.finalize()
}

/// Feeds everything `reader` yields to `feed`, `buf.len()` bytes a read. With `short_is_eof`
/// a read that returns less than asked for ends the stream: for a regular file on a local
/// filesystem a short read only happens at the end (the kernel fills the buffer otherwise), so
/// a small file costs one `read` instead of two.
pub(crate) fn read_all<R: Read>(
    reader: &mut R,
    buf: &mut [u8],
    short_is_eof: bool,
    mut feed: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    loop {
        match reader.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                feed(&buf[..n]);
                if short_is_eof && n < buf.len() {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// SHA-256 of a file's content, read into `buf` (reused across calls by the caller).
pub fn sha256_file_with(path: &Path, buf: &mut [u8]) -> std::io::Result<[u8; 32]> {
    let mut file = File::open(path)?;
    let mut h = Sha256::new();
    read_all(&mut file, buf, true, |chunk| h.update(chunk))?;
    Ok(h.finalize().into())
}

/// Digest of a file's content, read in 1 MiB chunks.
pub fn digest_file(alg: HashAlg, path: &Path) -> Result<Vec<u8>> {
    let io_err = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut h = Hasher::new(alg);
    let mut buf = vec![0u8; FILE_CHUNK];
    read_all(&mut file, &mut buf, false, |chunk| h.update(chunk)).map_err(io_err)?;
    Ok(h.finalize())
}

/// Digests of many files on every core, in input order; each file succeeds or fails alone.
pub fn digest_files<P: AsRef<Path> + Sync>(alg: HashAlg, paths: &[P]) -> Vec<Result<Vec<u8>>> {
    crate::pool::install(|| {
        paths
            .par_iter()
            .map(|p| digest_file(alg, p.as_ref()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 appendix examples ("abc" and the 448-bit two-block message).
    const ABC: &[(HashAlg, &str)] = &[
        (HashAlg::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            HashAlg::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashAlg::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashAlg::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];

    #[test]
    fn fips_180_known_answers() {
        for (alg, want) in ABC {
            assert_eq!(hex::encode(digest(*alg, b"abc")), *want);
        }
        assert_eq!(
            hex::encode(digest(
                HashAlg::Sha256,
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for alg in [
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ] {
            let mut h = Hasher::new(alg);
            for chunk in data.chunks(777) {
                h.update(chunk);
            }
            assert_eq!(h.algorithm(), alg);
            assert_eq!(h.finalize(), digest(alg, &data));
        }
    }

    #[test]
    fn files_and_missing_files() {
        let dir = std::env::temp_dir().join(format!("xrsim-core-digest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a");
        std::fs::write(&a, vec![7u8; 3 * FILE_CHUNK + 5]).unwrap();
        let missing = dir.join("missing");
        let out = digest_files(HashAlg::Sha256, &[a.clone(), missing]);
        assert_eq!(
            out[0].as_ref().unwrap(),
            &digest(HashAlg::Sha256, &vec![7u8; 3 * FILE_CHUNK + 5])
        );
        assert!(matches!(out[1], Err(Error::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
