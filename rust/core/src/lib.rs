//! xrsim-core: the hot cryptographic paths of the xrsim router simulator, with no Python in it.
//!
//! - [`keys`]: key generation, PKCS#8 / SubjectPublicKeyInfo import and export, for RSA
//!   (512..=4096 bits), DSA (512, 768, 1024), ECDSA (P-256, P-384, P-521) and Ed25519.
//! - [`sign`]: signing and verification (RSA PKCS#1 v1.5, DSA, ECDSA in DER, Ed25519) and the
//!   batch forms that spread over every core with rayon.
//! - [`digest`]: SHA-1/256/384/512 one-shot, streaming, over a file and over many files.
//! - [`tree`]: file-tree fingerprints (records sorted by path, SHA-1) and the parallel scan
//!   of package directories.
//! - [`ima`]: IMA measurement lists (ima-ng, PCR 10, SHA-1 and SHA-256 banks): build,
//!   export, parse, replay.
//! - [`error`]: the one error enum.
//!
//! Backends (chosen by measurement, see `benches/README.md`): OpenSSL 4.0 built from source for
//! RSA, DSA and ECDSA and for DER/PEM encoding; AWS-LC for Ed25519; the RustCrypto `sha1`/`sha2`
//! crates (SHA-NI selected at run time) for digests.

pub mod digest;
pub mod error;
pub mod ima;
pub mod keys;
pub mod sign;
pub mod tree;

pub use error::{Error, Result};
pub use keys::{Curve, HashAlg, KeySpec, KeyType, PrivateKey, PublicKey};
