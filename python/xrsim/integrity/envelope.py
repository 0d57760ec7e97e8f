"""The signed envelope of ``| utility sign nonce N [include-certificate]`` (layer 4: imports
``xrsim.chassis.sudi`` and ``xrsim.errors``, and pyca/cryptography for checking).

- ``sign(data, nonce=, identity=, include_certificate=)``: the envelope text (one JSON object on
  one line): ``data`` signed by a route processor's SUDI key by the vendor's nonce-bound rule
  (``SudiIdentity.sign_nonce_bound``; FORMATS.md "SUDI and signed envelopes").
- ``parse(text)``: an ``Envelope`` (the fields, decoded and type-checked), or
  ``MalformedEnvelope`` / ``MissingField``.
- ``verify(text, sudi_root, ...)``: a ``Verified`` (data, nonce, version, the checked chain) when
  the chain leads to the trusted SUDI root and the signature verifies, else the typed error of
  the first failure: ``MalformedEnvelope`` (not JSON, wrong type, bad base64, unknown algorithm
  or version), ``MissingField``, ``UntrustedChain``, ``EnvelopeSignatureError``,
  ``NonceMismatch`` (when ``nonce=`` is given). The dossier verifier uses these.

The envelope (``docs/formats.md``, "Signed envelopes", with the OpenSSL commands that check one)::

    {"data": "<the command output>", "nonce": 1580, "signature-version": 1,
     "signature-algorithm": "rsa-pkcs1v15-sha256", "signature": "<base64>",
     "certificates": {"root": "<base64 DER>", "sub-ca": "<base64 DER>",
                      "device": "<base64 DER>"}}

``certificates`` only with ``include-certificate``. The signature is RSA PKCS#1 v1.5 with
SHA-256 over ``BE64(nonce) || BE32(signature-version) || DER(root) || DER(sub-CA) ||
DER(device) || UTF-8(data)``. An envelope without certificates is checked with the chain
given to ``verify`` (``chain=``: sub-CA and device certificate).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from xrsim.chassis.sudi import SudiIdentity, nonce_bound_message
from xrsim.errors import (
    EnvelopeSignatureError,
    InvalidInput,
    MalformedEnvelope,
    MissingField,
    NonceMismatch,
    UntrustedChain,
)

__all__ = [
    "ALGORITHM",
    "CERTIFICATE_NAMES",
    "SIGNATURE_VERSION",
    "Envelope",
    "Verified",
    "parse",
    "sign",
    "verify",
]

#: The one signature algorithm (the SUDI keys are RSA-2048) and signature version.
ALGORITHM = "rsa-pkcs1v15-sha256"
SIGNATURE_VERSION = 1
#: The keys of ``certificates``, in the order the signature covers them.
CERTIFICATE_NAMES = ("root", "sub-ca", "device")
#: The nonce is a BE64: 0 to 2**64-1.
MAX_NONCE = (1 << 64) - 1
#: The line IOS XR prints before command output (``Mon Nov 30 07:05:06.532 UTC``): a captured
#: terminal session holds it before the envelope, so ``parse`` skips such lines.
_TIMESTAMP = re.compile(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} [A-Z]{2,5}")


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope: ``data`` (the signed bytes, UTF-8 of the ``data`` text), the
    ``nonce``, ``version``, ``signature`` bytes and the certificates it carries (``None``
    without ``include-certificate``)."""

    data: bytes
    text: str
    nonce: int
    version: int
    algorithm: str
    signature: bytes
    chain: tuple[x509.Certificate, x509.Certificate, x509.Certificate] | None


@dataclass(frozen=True)
class Verified:
    """A verified envelope: the data, nonce, version and the chain (root, sub-CA, device) the
    signature was checked with."""

    data: bytes
    text: str
    nonce: int
    version: int
    chain: tuple[x509.Certificate, x509.Certificate, x509.Certificate]

    @property
    def device(self) -> x509.Certificate:
        return self.chain[2]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sign(data: bytes, *, nonce: int, identity: SudiIdentity, include_certificate: bool) -> str:
    """The envelope of ``data`` (UTF-8 text as bytes) signed by ``identity`` over ``nonce``
    (0 to 2**64-1): one JSON line, no trailing newline. ``InvalidInput`` for data that is not
    UTF-8 or a nonce out of range."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidInput(f"data must be bytes, got {type(data).__name__}")
    raw = bytes(data)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"data to sign must be UTF-8: {exc.reason} at {exc.start}") from None
    signature = identity.sign_nonce_bound(nonce, raw, SIGNATURE_VERSION)
    envelope: dict[str, Any] = {
        "data": text,
        "nonce": nonce,
        "signature-version": SIGNATURE_VERSION,
        "signature-algorithm": ALGORITHM,
        "signature": _b64(signature),
    }
    if include_certificate:
        envelope["certificates"] = dict(
            zip(CERTIFICATE_NAMES, (_b64(d) for d in identity.chain_der()), strict=True)
        )
    return json.dumps(envelope, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if name not in obj:
        raise MissingField(f"the envelope has no {name!r} field", name)
    value = obj[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedEnvelope(f"the envelope's {name!r} is not {what}")
    return value


def _unb64(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedEnvelope(f"the envelope's {name!r} is not base64") from None


def _certificate(value: object, name: str) -> x509.Certificate:
    if not isinstance(value, str):
        raise MalformedEnvelope(f"the envelope's certificate {name!r} is not base64 text")
    try:
        return x509.load_der_x509_certificate(_unb64(value, f"certificates.{name}"))
    except ValueError:
        raise MalformedEnvelope(f"the envelope's certificate {name!r} is not DER") from None


def _json_text(text: str) -> str:
    """The JSON of ``text``: without the IOS XR timestamp lines a terminal capture has first."""
    lines = text.split("\n")
    skip = 0
    while skip < len(lines):
        line = lines[skip].strip()
        if line and not _TIMESTAMP.fullmatch(line):
            break
        skip += 1
    return "\n".join(lines[skip:])


def parse(text: str | bytes) -> Envelope:
    """The envelope in ``text`` (what ``| utility sign`` printed or ``| file`` saved; IOS XR
    timestamp lines before it are skipped). ``MalformedEnvelope`` or ``MissingField`` for
    anything else."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEnvelope("the envelope is not UTF-8 text") from None
    if not isinstance(text, str):
        raise MalformedEnvelope(f"an envelope is text, got {type(text).__name__}")
    try:
        obj = json.loads(_json_text(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise MalformedEnvelope(f"the envelope is not JSON ({reason})") from None
    if not isinstance(obj, dict):
        raise MalformedEnvelope("the envelope is not a JSON object")
    data_text = _field(obj, "data", str, "text")
    nonce = _field(obj, "nonce", int, "an integer")
    if not 0 <= nonce <= MAX_NONCE:
        raise MalformedEnvelope(f"the envelope's nonce {nonce} is outside 0 to 2**64-1")
    version = _field(obj, "signature-version", int, "an integer")
    if version != SIGNATURE_VERSION:
        raise MalformedEnvelope(f"unknown signature version {version} (known: {SIGNATURE_VERSION})")
    algorithm = _field(obj, "signature-algorithm", str, "text")
    if algorithm != ALGORITHM:
        raise MalformedEnvelope(f"unknown signature algorithm {algorithm!r} (known: {ALGORITHM})")
    signature = _unb64(_field(obj, "signature", str, "base64 text"), "signature")
    chain: tuple[x509.Certificate, x509.Certificate, x509.Certificate] | None = None
    if "certificates" in obj:
        certs = _field(obj, "certificates", dict, "an object")
        for name in CERTIFICATE_NAMES:
            if name not in certs:
                raise MissingField(f"the envelope's certificates have no {name!r}", name)
        root, subca, device = (_certificate(certs[n], n) for n in CERTIFICATE_NAMES)
        chain = (root, subca, device)
    try:
        data = data_text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedEnvelope("the envelope's data is not Unicode text") from None
    return Envelope(
        data=data,
        text=data_text,
        nonce=nonce,
        version=version,
        algorithm=algorithm,
        signature=signature,
        chain=chain,
    )


# --------------------------------------------------------------------------------------------
# Verifying
# --------------------------------------------------------------------------------------------


def _checked_chain(
    root: x509.Certificate,
    subca: x509.Certificate,
    device: x509.Certificate,
    sudi_root: x509.Certificate,
    at: datetime,
) -> None:
    """``UntrustedChain`` unless ``device`` <- ``subca`` <- ``sudi_root`` is a valid path at
    ``at`` (pyca's path validation; the device certificate's extensions are not held to the
    Web PKI's rules, its CAs are) and the chain's root is ``sudi_root`` itself."""
    if _der(root) != _der(sudi_root):
        raise UntrustedChain(
            f"the envelope's root certificate ({root.subject.rfc4514_string()}) is not the "
            f"SUDI root it is checked against ({sudi_root.subject.rfc4514_string()})"
        )
    verifier = (
        PolicyBuilder()
        .store(Store([sudi_root]))
        .time(at)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(device, [subca])
    except VerificationError as exc:
        raise UntrustedChain(f"the chain does not lead to the SUDI root: {exc}") from None


def verify(
    text: str | bytes,
    sudi_root: x509.Certificate,
    *,
    nonce: int | None = None,
    chain: Sequence[x509.Certificate] | None = None,
    at: datetime | None = None,
) -> Verified:
    """Check an envelope against the trusted SUDI root certificate ``sudi_root``.

    ``chain``: the sub-CA and device certificate (in that order) for an envelope made without
    ``include-certificate``; when the envelope carries certificates they are used (and must be
    these, when both are given). ``nonce``: the nonce the collector asked for
    (``NonceMismatch`` otherwise). ``at``: the time the certificates must be valid at
    (default: now). Returns the ``Verified`` data, or raises the typed error of the first
    failure (see the module docstring); the order of checks is: parse, nonce, chain,
    signature."""
    envelope = parse(text)
    if nonce is not None and envelope.nonce != nonce:
        raise NonceMismatch(f"the envelope is signed over nonce {envelope.nonce}, not {nonce}")
    given = tuple(chain) if chain is not None else None
    if given is not None and len(given) != 2:
        raise InvalidInput("chain= is the sub-CA and the device certificate, in that order")
    if envelope.chain is not None:
        root, subca, device = envelope.chain
        if given is not None and [_der(c) for c in given] != [_der(subca), _der(device)]:
            raise UntrustedChain("the envelope carries other certificates than the chain given")
    elif given is not None:
        root, (subca, device) = sudi_root, given
    else:
        raise UntrustedChain(
            "the envelope carries no certificates (made without include-certificate) and no "
            "chain was given to check it with"
        )
    _checked_chain(root, subca, device, sudi_root, at or datetime.now(UTC))
    key = device.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise UntrustedChain("the device certificate's key is not RSA")
    message = nonce_bound_message(
        envelope.nonce, envelope.version, (_der(root), _der(subca), _der(device)), envelope.data
    )
    try:
        key.verify(envelope.signature, message, padding.PKCS1v15(), hashes.SHA256())
    except PycaInvalidSignature:
        raise EnvelopeSignatureError(
            "the signature does not verify over the nonce, version, chain and data"
        ) from None
    return Verified(
        data=envelope.data,
        text=envelope.text,
        nonce=envelope.nonce,
        version=envelope.version,
        chain=(root, subca, device),
    )
