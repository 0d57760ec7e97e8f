//! `xrsim._native`: PyO3 glue over `xrsim-core`, and nothing else. Each file registers the
//! classes and functions of one core area; `python/xrsim/_native.pyi` mirrors them, and
//! `python/xrsim/crypto/` is their only importer. Work longer than a few microseconds runs in
//! `py.detach` (the GIL released) so Python threads overlap it.

use pyo3::prelude::*;

mod digest;
mod error;
mod ima;
mod keys;
mod names;
mod rpm;
mod tree;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    keys::register(m)?;
    digest::register(m)?;
    tree::register(m)?;
    ima::register(m)?;
    rpm::register(m)?;
    Ok(())
}
