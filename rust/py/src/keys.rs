//! `PrivateKey`, `PublicKey` and key generation (core `keys` and `sign`).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use xrsim_core::{Curve, Error, HashAlg, KeySpec, KeyType, PrivateKey, PublicKey};

use crate::error::CoreError;

/// Below this many bytes an Ed25519 signature takes a few microseconds: keep the GIL.
const ED25519_DETACH_BYTES: usize = 64 * 1024;

fn spec(key_type: &str, bits: Option<i64>, curve: Option<&str>) -> Result<KeySpec, CoreError> {
    let kt = KeyType::from_name(key_type).map_err(CoreError)?;
    let misplaced = |what: &str| {
        CoreError(Error::InvalidInput(format!(
            "{what} does not apply to {} keys",
            kt.name()
        )))
    };
    match kt {
        KeyType::Rsa | KeyType::Dsa if curve.is_some() => Err(misplaced("curve")),
        KeyType::Ecdsa | KeyType::Ed25519 if bits.is_some() => Err(misplaced("bits")),
        KeyType::Ed25519 if curve.is_some() => Err(misplaced("curve")),
        // The defaults IOS XR offers in its prompts: `How many bits in the modulus [2048]`.
        KeyType::Rsa => KeySpec::with_bits(kt, bits.unwrap_or(2048)).map_err(CoreError),
        KeyType::Dsa => KeySpec::with_bits(kt, bits.unwrap_or(1024)).map_err(CoreError),
        KeyType::Ecdsa => Ok(KeySpec::Ecdsa(
            Curve::from_name(curve.unwrap_or("nistp256")).map_err(CoreError)?,
        )),
        KeyType::Ed25519 => Ok(KeySpec::Ed25519),
    }
}

fn hash_arg(hash: Option<&str>) -> PyResult<Option<HashAlg>> {
    Ok(hash
        .map(HashAlg::from_name)
        .transpose()
        .map_err(CoreError)?)
}

/// A private key (RSA, DSA, ECDSA or Ed25519). Immutable and shareable across threads.
#[derive(Debug)]
#[pyclass(module = "xrsim._native", name = "PrivateKey", frozen)]
pub struct PyPrivateKey(PrivateKey);

#[pymethods]
impl PyPrivateKey {
    #[staticmethod]
    #[pyo3(signature = (key_type, *, bits=None, curve=None))]
    fn generate(
        py: Python<'_>,
        key_type: &str,
        bits: Option<i64>,
        curve: Option<&str>,
    ) -> PyResult<Self> {
        let spec = spec(key_type, bits, curve)?;
        let key = py
            .detach(|| PrivateKey::generate(spec))
            .map_err(CoreError)?;
        Ok(PyPrivateKey(key))
    }

    #[staticmethod]
    #[pyo3(signature = (count, key_type, *, bits=None, curve=None))]
    fn generate_many(
        py: Python<'_>,
        count: i64,
        key_type: &str,
        bits: Option<i64>,
        curve: Option<&str>,
    ) -> PyResult<Vec<Self>> {
        let spec = spec(key_type, bits, curve)?;
        let count = usize::try_from(count).map_err(|_| {
            CoreError(Error::InvalidInput(format!(
                "count must be zero or more, not {count}"
            )))
        })?;
        let keys = py
            .detach(|| PrivateKey::generate_many(spec, count))
            .map_err(CoreError)?;
        Ok(keys.into_iter().map(PyPrivateKey).collect())
    }

    #[staticmethod]
    fn from_der(data: &[u8]) -> PyResult<Self> {
        Ok(PyPrivateKey(PrivateKey::from_der(data).map_err(CoreError)?))
    }

    #[staticmethod]
    fn from_pem(data: &[u8]) -> PyResult<Self> {
        Ok(PyPrivateKey(PrivateKey::from_pem(data).map_err(CoreError)?))
    }

    #[getter]
    fn key_type(&self) -> &'static str {
        self.0.key_type().name()
    }

    #[getter]
    fn bits(&self) -> u32 {
        self.0.bits()
    }

    #[getter]
    fn curve(&self) -> Option<&'static str> {
        self.0.curve().map(Curve::name)
    }

    fn to_pkcs8_der<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let der = self.0.to_pkcs8_der().map_err(CoreError)?;
        Ok(PyBytes::new(py, &der))
    }

    fn to_pkcs8_pem<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let pem = self.0.to_pkcs8_pem().map_err(CoreError)?;
        Ok(PyBytes::new(py, &pem))
    }

    fn public_key(&self) -> PyResult<PyPublicKey> {
        Ok(PyPublicKey(self.0.public_key().map_err(CoreError)?))
    }

    #[pyo3(signature = (data, hash=None))]
    fn sign<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        hash: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let hash = hash_arg(hash)?;
        let sig = if self.0.key_type() == KeyType::Ed25519 && data.len() < ED25519_DETACH_BYTES {
            self.0.sign(data, hash)
        } else {
            py.detach(|| self.0.sign(data, hash))
        }
        .map_err(CoreError)?;
        Ok(PyBytes::new(py, &sig))
    }

    #[pyo3(signature = (messages, hash=None))]
    fn sign_many<'py>(
        &self,
        py: Python<'py>,
        messages: Vec<PyBackedBytes>,
        hash: Option<&str>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let hash = hash_arg(hash)?;
        let sigs = py
            .detach(|| self.0.sign_many(&messages, hash))
            .map_err(CoreError)?;
        Ok(sigs.iter().map(|s| PyBytes::new(py, s)).collect())
    }

    /// Private keys are not picklable: export them with `to_pkcs8_der()` on purpose.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "cannot pickle a PrivateKey: export it with to_pkcs8_der() or to_pkcs8_pem()",
        ))
    }

    fn __repr__(&self) -> String {
        match self.0.curve() {
            Some(c) => format!("<PrivateKey ecdsa {}>", c.name()),
            None => format!(
                "<PrivateKey {} {}>",
                self.0.key_type().name(),
                self.0.bits()
            ),
        }
    }
}

/// A public key (RSA, DSA, ECDSA or Ed25519).
#[derive(Debug)]
#[pyclass(module = "xrsim._native", name = "PublicKey", frozen, eq)]
pub struct PyPublicKey(PublicKey);

impl PartialEq for PyPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

#[pymethods]
impl PyPublicKey {
    #[staticmethod]
    fn from_der(data: &[u8]) -> PyResult<Self> {
        Ok(PyPublicKey(PublicKey::from_der(data).map_err(CoreError)?))
    }

    #[staticmethod]
    fn from_pem(data: &[u8]) -> PyResult<Self> {
        Ok(PyPublicKey(PublicKey::from_pem(data).map_err(CoreError)?))
    }

    #[staticmethod]
    fn from_rsa_pkcs1_der(data: &[u8]) -> PyResult<Self> {
        Ok(PyPublicKey(
            PublicKey::from_rsa_pkcs1_der(data).map_err(CoreError)?,
        ))
    }

    #[staticmethod]
    fn from_ed25519_raw(data: &[u8]) -> PyResult<Self> {
        Ok(PyPublicKey(
            PublicKey::from_ed25519_raw(data).map_err(CoreError)?,
        ))
    }

    #[getter]
    fn key_type(&self) -> &'static str {
        self.0.key_type().name()
    }

    #[getter]
    fn bits(&self) -> u32 {
        self.0.bits()
    }

    #[getter]
    fn curve(&self) -> Option<&'static str> {
        self.0.curve().map(Curve::name)
    }

    fn to_der<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.0.to_der().map_err(CoreError)?))
    }

    fn to_pem<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.0.to_pem().map_err(CoreError)?))
    }

    fn ed25519_raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.0.ed25519_raw().map_err(CoreError)?))
    }

    #[pyo3(signature = (signature, data, hash=None))]
    fn verify(
        &self,
        py: Python<'_>,
        signature: &[u8],
        data: &[u8],
        hash: Option<&str>,
    ) -> PyResult<()> {
        let hash = hash_arg(hash)?;
        py.detach(|| self.0.verify(signature, data, hash))
            .map_err(CoreError)?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        match self.0.curve() {
            Some(c) => format!("<PublicKey ecdsa {}>", c.name()),
            None => format!("<PublicKey {} {}>", self.0.key_type().name(), self.0.bits()),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPrivateKey>()?;
    m.add_class::<PyPublicKey>()?;
    Ok(())
}
