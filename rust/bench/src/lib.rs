//! No code: this crate holds the criterion benches of `xrsim-core` (`benches/core.rs`,
//! `cargo bench -p xrsim-bench`). They live here, not in `xrsim-core`, because criterion's
//! dependencies (serde, zerocopy-derive, ...) would change the features of crates the core
//! shares with the Python extension, and `cargo test -p xrsim-core` would compile the whole
//! RustCrypto and pgp chain a second time.
