//! `Hasher`, `digest`, `digest_file` and `digest_files` (core `digest`).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use xrsim_core::digest::{self, Hasher};
use xrsim_core::HashAlg;

use crate::error::CoreError;

/// Inputs shorter than this hash in well under a microsecond per kilobyte: keep the GIL.
const DETACH_BYTES: usize = 64 * 1024;

fn alg(name: &str) -> PyResult<HashAlg> {
    Ok(HashAlg::from_name(name).map_err(CoreError)?)
}

/// A streaming hash, in the manner of `hashlib`: one object may be fed from several threads
/// (a mutex orders the updates, as hashlib's lock does).
#[derive(Debug)]
#[pyclass(module = "xrsim._native", name = "Hasher", frozen)]
pub struct PyHasher {
    algorithm: HashAlg,
    state: Mutex<Hasher>,
}

impl PyHasher {
    fn state(&self) -> MutexGuard<'_, Hasher> {
        // A panic cannot happen while the state is held (hashing does not panic); take the
        // state even from a poisoned lock rather than fail every later call.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self) -> Hasher {
        self.state().clone()
    }
}

#[pymethods]
impl PyHasher {
    #[new]
    #[pyo3(signature = (algorithm, data=None))]
    fn new(py: Python<'_>, algorithm: &str, data: Option<&[u8]>) -> PyResult<Self> {
        let algorithm = alg(algorithm)?;
        let h = PyHasher {
            algorithm,
            state: Mutex::new(Hasher::new(algorithm)),
        };
        if let Some(d) = data {
            h.update(py, d);
        }
        Ok(h)
    }

    #[getter]
    fn name(&self) -> &'static str {
        self.algorithm.name()
    }

    #[getter]
    fn digest_size(&self) -> usize {
        self.algorithm.output_len()
    }

    fn update(&self, py: Python<'_>, data: &[u8]) {
        if data.len() < DETACH_BYTES {
            // Blocking here with the GIL held is safe: a holder of the lock never needs the
            // GIL to finish its update.
            self.state().update(data);
        } else {
            py.detach(|| self.state().update(data));
        }
    }

    fn copy(&self) -> Self {
        PyHasher {
            algorithm: self.algorithm,
            state: Mutex::new(self.snapshot()),
        }
    }

    fn digest<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.snapshot().finalize())
    }

    fn hexdigest(&self) -> String {
        self.snapshot()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[pyfunction(name = "digest")]
fn digest_bytes<'py>(
    py: Python<'py>,
    algorithm: &str,
    data: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let a = alg(algorithm)?;
    let out = if data.len() < DETACH_BYTES {
        digest::digest(a, data)
    } else {
        py.detach(|| digest::digest(a, data))
    };
    Ok(PyBytes::new(py, &out))
}

#[pyfunction]
fn digest_file<'py>(
    py: Python<'py>,
    algorithm: &str,
    path: PathBuf,
) -> PyResult<Bound<'py, PyBytes>> {
    let a = alg(algorithm)?;
    let out = py
        .detach(|| digest::digest_file(a, &path))
        .map_err(CoreError)?;
    Ok(PyBytes::new(py, &out))
}

#[pyfunction]
fn digest_files<'py>(
    py: Python<'py>,
    algorithm: &str,
    paths: Vec<PathBuf>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let a = alg(algorithm)?;
    let results = py.detach(|| digest::digest_files(a, &paths));
    results
        .into_iter()
        .map(|r| Ok(PyBytes::new(py, &r.map_err(CoreError)?)))
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyHasher>()?;
    m.add_function(wrap_pyfunction!(digest_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(digest_file, m)?)?;
    m.add_function(wrap_pyfunction!(digest_files, m)?)?;
    Ok(())
}
