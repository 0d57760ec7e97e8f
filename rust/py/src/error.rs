//! The one place where core errors become Python exceptions (classes of `xrsim.errors`).

use pyo3::{import_exception, PyErr};
use xrsim_core::Error;

import_exception!(xrsim.errors, UnsupportedAlgorithm);
import_exception!(xrsim.errors, KeySizeError);
import_exception!(xrsim.errors, InvalidKey);
import_exception!(xrsim.errors, InvalidSignature);
import_exception!(xrsim.errors, InvalidInput);
import_exception!(xrsim.errors, FileAccessError);
import_exception!(xrsim.errors, BackendError);
import_exception!(xrsim.errors, InvalidPackage);

/// A core error on its way to Python: `core_call().map_err(CoreError)?`.
#[derive(Debug)]
pub struct CoreError(pub Error);

impl From<CoreError> for PyErr {
    fn from(CoreError(e): CoreError) -> PyErr {
        let msg = e.to_string();
        match e {
            Error::Unsupported { .. } => UnsupportedAlgorithm::new_err(msg),
            Error::KeySize { .. } => KeySizeError::new_err(msg),
            Error::InvalidKey(_) => InvalidKey::new_err(msg),
            Error::InvalidSignature => InvalidSignature::new_err(msg),
            Error::InvalidInput(_) => InvalidInput::new_err(msg),
            Error::Io { path, source } => match source.raw_os_error() {
                // OSError(errno, strerror, filename) fills .errno, .strerror and .filename.
                Some(errno) => FileAccessError::new_err((errno, source.to_string(), path)),
                None => FileAccessError::new_err(msg),
            },
            Error::Backend(_) => BackendError::new_err(msg),
            Error::InvalidPackage(_) => InvalidPackage::new_err(msg),
        }
    }
}
