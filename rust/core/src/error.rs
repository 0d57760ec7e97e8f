//! The one error type of the core. `rust/py/src/error.rs` maps each variant to an exception
//! class of `xrsim.errors`; nothing else crosses the border.

use std::fmt;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An algorithm, curve or hash name the core does not implement.
    #[error("unsupported {what}: {name}")]
    Unsupported { what: &'static str, name: String },
    /// A key size outside what IOS XR (and so xrsim) accepts for generation.
    #[error("{algorithm} key size {bits} is not supported: {allowed}")]
    KeySize {
        algorithm: &'static str,
        bits: i64,
        allowed: &'static str,
    },
    /// Bytes that are not a well-formed key of a supported type.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A signature that does not verify.
    #[error("signature verification failed")]
    InvalidSignature,
    /// A well-formed call with arguments that do not fit together (e.g. a hash for Ed25519).
    #[error("{0}")]
    InvalidInput(String),
    /// Bytes that are not a well-formed RPM package, or one whose digests do not match.
    #[error("invalid package: {0}")]
    InvalidPackage(String),
    /// A file that cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The cryptographic library failed where it should not (out of memory, RNG failure).
    #[error("crypto backend failure: {0}")]
    Backend(String),
}

/// Shorthand used across the core.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn backend(e: impl fmt::Display) -> Self {
        Error::Backend(e.to_string())
    }

    pub(crate) fn invalid_key(e: impl fmt::Display) -> Self {
        Error::InvalidKey(e.to_string())
    }
}
