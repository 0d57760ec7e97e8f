"""Make xrsim's built-in CA trustpool: ``python/xrsim/pki/data/trustpool-builtin.pem``.

The bundle stands in for the vendor roots IOS XR ships in its security package (the seed's
``Cisco Root CA 2048``, ``Cisco Root CA M1``): self-signed root CA certificates made here, named
after them (``xrsim Root CA 2048``, ``xrsim Root CA M1``, ...), with long validities. They are
never real vendor keys: each private key lives only while this script signs its certificate
and is thrown away, so nothing anywhere can issue under these roots (a test that needs a CA
makes its own). Run it from a checkout to make the file again (new keys, new serials):

    python -m simulator.make_trustpool [OUTPUT]

The file is concatenated PEM, as a ``crypto ca trustpool import url`` bundle may be; it is
package data (``pyproject.toml`` ``[tool.maturin] include``) read by ``xrsim.pki.trustpool``.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

OUTPUT = Path(__file__).resolve().parent.parent / "python/xrsim/pki/data/trustpool-builtin.pem"


@dataclass(frozen=True)
class Root:
    common_name: str
    organization: str
    key: str  # "rsa-2048", "rsa-4096", "ec-p384"
    not_before: dt.datetime
    not_after: dt.datetime


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


#: The roots, in bundle order.
ROOTS = (
    Root("xrsim Root CA 2048", "xrsim Systems", "rsa-2048",
         _utc(2004, 5, 14, 20, 17, 12), _utc(2099, 5, 14, 20, 25, 42)),
    Root("xrsim Root CA M1", "xrsim", "rsa-2048",
         _utc(2008, 11, 18, 20, 50, 24), _utc(2099, 11, 18, 21, 59, 46)),
    Root("xrsim Root CA M2", "xrsim", "rsa-4096",
         _utc(2012, 11, 12, 13, 50, 58), _utc(2098, 11, 12, 13, 0, 22)),
    Root("xrsim ECC Root CA", "xrsim", "ec-p384",
         _utc(2016, 6, 1, 9, 0, 0), _utc(2097, 6, 1, 9, 0, 0)),
)  # fmt: skip


_CA_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


def _key(kind: str) -> CertificateIssuerPrivateKeyTypes:
    if kind == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(kind.split("-")[1]))


def make_root(root: Root) -> x509.Certificate:
    """One self-signed root CA certificate; its private key is dropped on return."""
    key = _key(root.key)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, root.organization),
            x509.NameAttribute(NameOID.COMMON_NAME, root.common_name),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    digest = hashes.SHA384() if root.key == "ec-p384" else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(root.not_before)
        .not_valid_after(root.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_CA_USAGE, critical=True)
        .add_extension(ski, critical=False)
        .sign(key, digest)
    )


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    pem = b"".join(make_root(r).public_bytes(serialization.Encoding.PEM) for r in ROOTS)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.replace(out)
    print(f"{out}: {len(ROOTS)} root CA certificates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
