//! `ImaLog`, `ima_parse` and `ima_replay` (core `ima`). Entries cross as tuples
//! `(pcr, template, template_hash, template_hash_sha256, digest_algorithm, digest, path,
//! violation, signature)`; `xrsim.crypto.ima` turns them into `ImaEntry` dataclasses. Names
//! cross as `str` decoded the way `os.fsdecode` does.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use xrsim_core::ima::{self, Entry, ImaLog};

use crate::error::CoreError;

type EntryTuple<'py> = (
    u32,
    String,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    String,
    Bound<'py, PyBytes>,
    OsString,
    bool,
    Bound<'py, PyBytes>,
);

fn entry_tuple(py: Python<'_>, e: Entry) -> EntryTuple<'_> {
    (
        e.pcr,
        e.template,
        PyBytes::new(py, &e.template_hash),
        PyBytes::new(py, &e.template_hash_sha256),
        e.digest_algorithm,
        PyBytes::new(py, &e.digest),
        OsStr::from_bytes(&e.path).to_owned(),
        e.violation,
        PyBytes::new(py, &e.signature),
    )
}

/// One measurement list (PCR 10, ima-ng, SHA-1 and SHA-256 banks). Shareable across threads:
/// a mutex orders the changes.
#[derive(Debug)]
#[pyclass(module = "xrsim._native", name = "ImaLog", frozen)]
pub struct PyImaLog(Mutex<ImaLog>);

impl PyImaLog {
    fn log(&self) -> MutexGuard<'_, ImaLog> {
        // Nothing panics while the log is held; take it even from a poisoned lock.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl PyImaLog {
    #[new]
    fn new() -> Self {
        PyImaLog(Mutex::new(ImaLog::new()))
    }

    #[staticmethod]
    fn from_binary(py: Python<'_>, binary: PyBackedBytes) -> PyResult<Self> {
        let log = py
            .detach(|| ImaLog::from_binary(&binary))
            .map_err(CoreError)?;
        Ok(PyImaLog(Mutex::new(log)))
    }

    fn append(&self, path: OsString, sha256: &[u8]) -> PyResult<usize> {
        Ok(self
            .log()
            .append(path.as_bytes(), sha256)
            .map_err(CoreError)?)
    }

    fn append_many(&self, py: Python<'_>, events: Vec<(OsString, PyBackedBytes)>) -> PyResult<()> {
        let evs: Vec<(&[u8], &[u8])> = events.iter().map(|(p, d)| (p.as_bytes(), &d[..])).collect();
        Ok(py
            .detach(|| self.log().append_many(&evs))
            .map_err(CoreError)?)
    }

    fn append_violation(&self, path: OsString) -> PyResult<usize> {
        Ok(self
            .log()
            .append_violation(path.as_bytes())
            .map_err(CoreError)?)
    }

    fn __len__(&self) -> usize {
        self.log().len()
    }

    fn event<'py>(&self, py: Python<'py>, index: usize) -> Option<EntryTuple<'py>> {
        let e = self.log().entry(index)?;
        Some(entry_tuple(py, e))
    }

    #[pyo3(signature = (start=0))]
    fn entries<'py>(&self, py: Python<'py>, start: usize) -> Vec<EntryTuple<'py>> {
        let entries = py.detach(|| self.log().entries(start));
        entries.into_iter().map(|e| entry_tuple(py, e)).collect()
    }

    fn binary<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.log().binary())
    }

    fn ascii(&self, py: Python<'_>) -> OsString {
        let text = py.detach(|| self.log().ascii());
        OsStr::from_bytes(&text).to_owned()
    }

    fn pcrs<'py>(&self, py: Python<'py>) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let p = self.log().pcrs();
        (PyBytes::new(py, &p.sha1), PyBytes::new(py, &p.sha256))
    }
}

#[pyfunction]
fn ima_parse<'py>(py: Python<'py>, binary: PyBackedBytes) -> PyResult<Vec<EntryTuple<'py>>> {
    let entries = py.detach(|| ima::parse(&binary)).map_err(CoreError)?;
    Ok(entries.into_iter().map(|e| entry_tuple(py, e)).collect())
}

/// PCR `pcr` of a replayed list in both banks (zeros when no entry extends it).
#[pyfunction]
fn ima_replay<'py>(
    py: Python<'py>,
    binary: PyBackedBytes,
    pcr: u32,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let pcrs = py.detach(|| ima::replay(&binary)).map_err(CoreError)?;
    let p = pcrs.get(&pcr).copied().unwrap_or_default();
    Ok((PyBytes::new(py, &p.sha1), PyBytes::new(py, &p.sha256)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyImaLog>()?;
    m.add_function(wrap_pyfunction!(ima_parse, m)?)?;
    m.add_function(wrap_pyfunction!(ima_replay, m)?)?;
    Ok(())
}
