//! `tree_fingerprint` and `tree_scan` (core `tree`). Node paths cross as `str` decoded the way
//! `os.fsdecode` does (surrogate escapes for bytes that are not UTF-8), so any name on disk
//! round-trips.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;
use xrsim_core::tree;

use crate::error::CoreError;

/// Fingerprint of `(node path, sha256 hex)` records in any order.
#[pyfunction]
fn tree_fingerprint(py: Python<'_>, records: Vec<(OsString, PyBackedStr)>) -> PyResult<String> {
    let recs: Vec<(&[u8], &[u8])> = records
        .iter()
        .map(|(p, d)| (p.as_bytes(), d.as_bytes()))
        .collect();
    Ok(py.detach(|| tree::fingerprint(&recs)).map_err(CoreError)?)
}

/// Scans each prefix under `root`, all files of all prefixes hashed on every core:
/// `[(prefix, {node path: sha256 hex}, fingerprint)]` in the order of `prefixes`.
#[pyfunction]
fn tree_scan<'py>(
    py: Python<'py>,
    root: PathBuf,
    prefixes: Vec<String>,
) -> PyResult<Vec<(String, Bound<'py, PyDict>, String)>> {
    let scans = py
        .detach(|| tree::scan(&root, &prefixes))
        .map_err(CoreError)?;
    scans
        .into_iter()
        .map(|s| {
            let files = PyDict::new(py);
            for (path, hex) in &s.files {
                files.set_item(OsStr::from_bytes(path), hex)?;
            }
            Ok((s.prefix, files, s.fingerprint))
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tree_fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(tree_scan, m)?)?;
    Ok(())
}
