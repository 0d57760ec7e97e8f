//! RPM packages (core `rpm`): `rpm_generate_signing_key`, `rpm_key_id`, `rpm_build`,
//! `rpm_read`, `rpm_verify`, `rpm_payload`, `rpm_extract`. Every call works with the GIL
//! released. Headers cross as tuples; `python/xrsim/crypto/rpm.py` gives them names.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use xrsim_core::rpm::{self, DirSpec, FileSpec, PackageInfo, PackageSpec};

use crate::error::CoreError;

/// `(path, digest, size, mode, user, group, linkto)`
type FileTuple = (String, String, u64, u32, String, String, String);
/// `(name, version, release, arch, summary, vendor, build_time, digest_algorithm, key_id,
/// files)`
type HeaderTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    u64,
    u32,
    Option<String>,
    Vec<FileTuple>,
);

fn header(info: PackageInfo) -> HeaderTuple {
    (
        info.name,
        info.version,
        info.release,
        info.arch,
        info.summary,
        info.vendor,
        info.build_time,
        info.digest_algorithm,
        info.key_id,
        info.files
            .into_iter()
            .map(|f| (f.path, f.digest, f.size, f.mode, f.user, f.group, f.linkto))
            .collect(),
    )
}

/// `(secret armored, public armored, key id, fingerprint)`
#[pyfunction]
fn rpm_generate_signing_key(
    py: Python<'_>,
    user_id: &str,
    bits: u32,
    created: u32,
) -> PyResult<(String, String, String, String)> {
    let key = py
        .detach(|| rpm::generate_signing_key(user_id, bits, created))
        .map_err(CoreError)?;
    Ok((
        key.secret_armored.to_string(),
        key.public_armored,
        key.key_id,
        key.fingerprint,
    ))
}

#[pyfunction]
fn rpm_key_id(py: Python<'_>, armored: &str) -> PyResult<String> {
    Ok(py.detach(|| rpm::key_id_of(armored)).map_err(CoreError)?)
}

#[pyfunction]
#[pyo3(signature = (name, version, release, arch, summary, description, license, vendor,
                    build_time, dirs, files, signing_key=None))]
#[allow(clippy::too_many_arguments)]
fn rpm_build<'py>(
    py: Python<'py>,
    name: String,
    version: String,
    release: String,
    arch: String,
    summary: String,
    description: String,
    license: String,
    vendor: String,
    build_time: u32,
    dirs: Vec<(String, u16, String, String)>,
    files: Vec<(String, Vec<u8>, u16, String, String)>,
    signing_key: Option<String>,
) -> PyResult<Bound<'py, PyBytes>> {
    let spec = PackageSpec {
        name,
        version,
        release,
        arch,
        summary,
        description,
        license,
        vendor,
        build_time,
        dirs: dirs
            .into_iter()
            .map(|(path, mode, user, group)| DirSpec {
                path,
                mode,
                user,
                group,
            })
            .collect(),
        files: files
            .into_iter()
            .map(|(path, content, mode, user, group)| FileSpec {
                path,
                content,
                mode,
                user,
                group,
            })
            .collect(),
    };
    let data = py
        .detach(|| rpm::build(&spec, signing_key.as_deref()))
        .map_err(CoreError)?;
    Ok(PyBytes::new(py, &data))
}

#[pyfunction]
fn rpm_read(py: Python<'_>, data: &[u8]) -> PyResult<HeaderTuple> {
    Ok(header(py.detach(|| rpm::read(data)).map_err(CoreError)?))
}

#[pyfunction]
#[pyo3(signature = (data, public_keys=None))]
fn rpm_verify(
    py: Python<'_>,
    data: &[u8],
    public_keys: Option<Vec<String>>,
) -> PyResult<HeaderTuple> {
    Ok(header(
        py.detach(|| rpm::verify(data, public_keys.as_deref()))
            .map_err(CoreError)?,
    ))
}

#[pyfunction]
fn rpm_payload<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Vec<(String, Bound<'py, PyBytes>)>> {
    let files = py.detach(|| rpm::payload(data)).map_err(CoreError)?;
    Ok(files
        .into_iter()
        .map(|(p, c)| (p, PyBytes::new(py, &c)))
        .collect())
}

#[pyfunction]
fn rpm_extract(py: Python<'_>, data: &[u8], roots: Vec<PathBuf>) -> PyResult<usize> {
    Ok(py
        .detach(|| rpm::extract(data, &roots))
        .map_err(CoreError)?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rpm_generate_signing_key, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_key_id, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_build, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_read, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_verify, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_payload, m)?)?;
    m.add_function(wrap_pyfunction!(rpm_extract, m)?)?;
    Ok(())
}
