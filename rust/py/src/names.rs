//! [`NodeName`]: a node path given as `str`, borrowed without a copy when it is valid UTF-8
//! (the usual case) and encoded as `os.fsencode` does otherwise (surrogate escapes back to
//! their bytes), so that every name a scan returns can be passed back.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyString;

/// A node path's bytes, usable with the GIL released.
#[derive(Debug)]
pub enum NodeName {
    Utf8(PyBackedStr),
    Bytes(Vec<u8>),
}

impl NodeName {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            NodeName::Utf8(s) => s.as_bytes(),
            NodeName::Bytes(b) => b,
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for NodeName {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s = obj.cast::<PyString>()?.to_owned();
        match PyBackedStr::try_from(s) {
            Ok(utf8) => Ok(NodeName::Utf8(utf8)),
            Err(_) => Ok(NodeName::Bytes(obj.extract::<OsString>()?.into_vec())),
        }
    }
}
