"""xrsim.integrity.envelope: the ``utility sign`` envelope signed by a real SUDI identity,
verified by ``verify`` (each failure its own error type), by pyca/cryptography directly, and by
the OpenSSL CLI running the very commands docs/formats.md gives."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from xrsim.chassis import Chassis, SudiIdentity, nonce_bound_message
from xrsim.errors import (
    EnvelopeError,
    EnvelopeSignatureError,
    InvalidInput,
    InvalidSignature,
    MalformedEnvelope,
    MissingField,
    NonceMismatch,
    UntrustedChain,
)
from xrsim.integrity import envelope

DOC = Path(__file__).resolve().parents[3] / "docs" / "formats.md"
DATA = b'{"collection-start-time":1610168028.380901,"model-name":"x"}\nline two \xc3\xa9\n'


@pytest.fixture(scope="module")
def vendors(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two vendor directories: the one the router trusts and another (a foreign chain)."""
    return tmp_path_factory.mktemp("vendor"), tmp_path_factory.mktemp("other-vendor")


@pytest.fixture(scope="module")
def identity(
    vendors: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SudiIdentity]:
    chassis = Chassis.open(tmp_path_factory.mktemp("ncs"), vendor_dir=vendors[0])
    yield chassis.sudi()
    chassis.close()


@pytest.fixture(scope="module")
def foreign(
    vendors: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SudiIdentity]:
    chassis = Chassis.open(tmp_path_factory.mktemp("other"), vendor_dir=vendors[1])
    yield chassis.sudi()
    chassis.close()


def signed(identity: SudiIdentity, data: bytes = DATA, nonce: int = 1580, **kw: bool) -> str:
    return envelope.sign(
        data, nonce=nonce, identity=identity, include_certificate=kw.get("include", True)
    )


def edited(text: str, change: Callable[[dict[str, object]], None]) -> str:
    obj = json.loads(text)
    change(obj)
    return json.dumps(obj)


# --------------------------------------------------------------------------------------------
# The envelope and its signature
# --------------------------------------------------------------------------------------------


def test_envelope_fields_and_the_signature_by_the_vendor_rule(identity: SudiIdentity) -> None:
    text = signed(identity)
    assert "\n" not in text
    obj = json.loads(text)
    assert set(obj) == {
        "data",
        "nonce",
        "signature-version",
        "signature-algorithm",
        "signature",
        "certificates",
    }
    assert obj["data"].encode() == DATA
    assert (obj["nonce"], obj["signature-version"]) == (1580, 1)
    assert obj["signature-algorithm"] == "rsa-pkcs1v15-sha256"
    chain = tuple(base64.b64decode(obj["certificates"][n]) for n in ("root", "sub-ca", "device"))
    assert chain == identity.chain_der()
    # pyca/cryptography, independently of verify(): the rule of FORMATS.md
    key = identity.device_cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    message = (1580).to_bytes(8, "big") + (1).to_bytes(4, "big") + b"".join(chain) + DATA
    assert message == nonce_bound_message(1580, 1, identity.chain_der(), DATA)
    key.verify(base64.b64decode(obj["signature"]), message, padding.PKCS1v15(), hashes.SHA256())


def test_verify_gives_data_nonce_and_chain(identity: SudiIdentity) -> None:
    result = envelope.verify(signed(identity), identity.root_cert, nonce=1580)
    assert result.data == DATA
    assert result.text == DATA.decode()
    assert (result.nonce, result.version) == (1580, 1)
    assert result.chain == (identity.root_cert, identity.subca_cert, identity.device_cert)
    assert result.device == identity.device_cert


def test_without_certificates_the_chain_comes_from_the_verifier(identity: SudiIdentity) -> None:
    text = signed(identity, include=False)
    assert "certificates" not in json.loads(text)
    chain = [identity.subca_cert, identity.device_cert]
    assert envelope.verify(text, identity.root_cert, chain=chain).data == DATA
    with pytest.raises(UntrustedChain):
        envelope.verify(text, identity.root_cert)
    with pytest.raises(InvalidInput):
        envelope.verify(text, identity.root_cert, chain=[identity.device_cert])


def test_nonce_extremes_and_empty_data(identity: SudiIdentity) -> None:
    for nonce in (0, envelope.MAX_NONCE):
        text = signed(identity, b"", nonce)
        result = envelope.verify(text, identity.root_cert, nonce=nonce)
        assert (result.data, result.nonce) == (b"", nonce)
    for bad in (-1, envelope.MAX_NONCE + 1):
        with pytest.raises(InvalidInput):
            signed(identity, DATA, bad)


def test_data_must_be_utf8_text(identity: SudiIdentity) -> None:
    with pytest.raises(InvalidInput):
        signed(identity, b"\xff\xfe")
    with pytest.raises(InvalidInput):
        envelope.sign("text", nonce=1, identity=identity, include_certificate=False)


def test_a_terminal_capture_with_the_timestamp_line_parses(identity: SudiIdentity) -> None:
    capture = "\nTue Dec  1 13:56:58.580 UTC\n" + signed(identity) + "\n"
    assert envelope.verify(capture, identity.root_cert).data == DATA
    assert envelope.parse(capture.encode()).nonce == 1580


# --------------------------------------------------------------------------------------------
# Every failure its own type
# --------------------------------------------------------------------------------------------


def test_changed_data_or_nonce_does_not_verify(identity: SudiIdentity) -> None:
    text = signed(identity)
    for change in (
        lambda o: o.update(data=str(o["data"]).replace("two", "2")),
        lambda o: o.update(data=str(o["data"]) + " "),
        lambda o: o.update(nonce=1581),
    ):
        with pytest.raises(EnvelopeSignatureError) as err:
            envelope.verify(edited(text, change), identity.root_cert)
        assert isinstance(err.value, InvalidSignature)  # a CryptoError caller catches it too
    sig = bytearray(base64.b64decode(json.loads(text)["signature"]))
    sig[10] ^= 1
    flipped = edited(text, lambda o: o.update(signature=base64.b64encode(bytes(sig)).decode()))
    with pytest.raises(EnvelopeSignatureError):
        envelope.verify(flipped, identity.root_cert)


def test_the_nonce_asked_for(identity: SudiIdentity) -> None:
    with pytest.raises(NonceMismatch):
        envelope.verify(signed(identity), identity.root_cert, nonce=1581)


def test_a_chain_from_another_root_is_untrusted(
    identity: SudiIdentity, foreign: SudiIdentity
) -> None:
    other = signed(foreign)
    assert envelope.verify(other, foreign.root_cert).data == DATA  # fine against its own root
    with pytest.raises(UntrustedChain):
        envelope.verify(other, identity.root_cert)
    # our root, but a foreign sub-CA and device in the chain: no path to the root
    der = {
        n: base64.b64encode(d).decode()
        for n, d in zip(("root", "sub-ca", "device"), foreign.chain_der(), strict=True)
    }
    der["root"] = base64.b64encode(identity.chain_der()[0]).decode()
    mixed = edited(other, lambda o: o.update(certificates=der))
    with pytest.raises(UntrustedChain):
        envelope.verify(mixed, identity.root_cert)
    # the device certificate given as the sub-CA: not a CA
    ours = signed(identity, include=False)
    with pytest.raises(UntrustedChain):
        envelope.verify(
            ours, identity.root_cert, chain=[identity.device_cert, identity.device_cert]
        )
    with pytest.raises(UntrustedChain):  # the carried chain is not the one given
        envelope.verify(
            signed(identity), identity.root_cert, chain=[foreign.subca_cert, foreign.device_cert]
        )


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[: len(t) // 2],
        lambda t: "",
        lambda t: "[1, 2]",
        lambda t: "not json at all",
        lambda t: "[" * 100000,
        lambda t: edited(t, lambda o: o.update(nonce="1580")),
        lambda t: edited(t, lambda o: o.update(nonce=True)),
        lambda t: edited(t, lambda o: o.update(nonce=1 << 64)),
        lambda t: edited(t, lambda o: o.update(nonce=-1)),
        lambda t: edited(t, lambda o: o.update(data=["a"])),
        lambda t: edited(t, lambda o: o.update(data="\ud800")),
        lambda t: edited(t, lambda o: o.update(signature="@@@not base64")),
        lambda t: edited(t, lambda o: o.update(signature=12)),
        lambda t: edited(t, lambda o: o.update({"signature-version": 2})),
        lambda t: edited(t, lambda o: o.update({"signature-algorithm": "rsa-pss-sha256"})),
        lambda t: edited(t, lambda o: o.update(certificates=["a"])),
        lambda t: edited(t, lambda o: o["certificates"].update(device="AAAA")),
        lambda t: edited(t, lambda o: o["certificates"].update(root=5)),
    ],
)
def test_malformed_envelopes(identity: SudiIdentity, damage: Callable[[str], str]) -> None:
    with pytest.raises(MalformedEnvelope) as err:
        envelope.verify(damage(signed(identity)), identity.root_cert)
    assert isinstance(err.value, EnvelopeError)
    assert not isinstance(err.value, MissingField)


@pytest.mark.parametrize(
    "field", ["data", "nonce", "signature-version", "signature-algorithm", "signature"]
)
def test_each_missing_field_is_named(identity: SudiIdentity, field: str) -> None:
    with pytest.raises(MissingField) as err:
        envelope.verify(edited(signed(identity), lambda o: o.pop(field)), identity.root_cert)
    assert err.value.field == field


@pytest.mark.parametrize("name", ["root", "sub-ca", "device"])
def test_a_missing_certificate_is_named(identity: SudiIdentity, name: str) -> None:
    text = edited(signed(identity), lambda o: o["certificates"].pop(name))
    with pytest.raises(MissingField) as err:
        envelope.parse(text)
    assert err.value.field == name


# --------------------------------------------------------------------------------------------
# The OpenSSL CLI, running the commands docs/formats.md gives
# --------------------------------------------------------------------------------------------


def doc_check_script() -> str:
    """The shell block below the ``envelope-check`` marker of docs/formats.md."""
    text = DOC.read_text()
    marker = text.index("<!-- envelope-check")
    block = re.search(r"```sh\n(.*?)```", text[marker:], re.DOTALL)
    assert block is not None
    return block.group(1)


def run_doc_check(directory: Path, envelope_text: str, root: x509.Certificate) -> str:
    """Run the documented commands in a new ``directory``: their output, or ``FAILED rc``."""
    directory.mkdir()
    (directory / "envelope.json").write_text(envelope_text)
    (directory / "sudi-root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    script = "set -e -o pipefail\n" + doc_check_script()
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout + done.stderr if done.returncode == 0 else f"FAILED {done.returncode}"


@pytest.mark.peer
def test_openssl_verifies_an_envelope_with_the_documented_commands(
    identity: SudiIdentity,
    foreign: SudiIdentity,
    tmp_path: Path,
    require_tool: Callable[[str], str],
) -> None:
    for tool in ("openssl", "jq", "xxd", "base64", "bash"):
        require_tool(tool)
    assert "NONCE=1580" in doc_check_script()
    good = signed(identity)
    out = run_doc_check(tmp_path / "good", good, identity.root_cert)
    assert "device.pem: OK" in out
    assert "Verified OK" in out
    # the same commands refuse a changed byte of data, another nonce, another root
    tampered = edited(good, lambda o: o.update(data=str(o["data"]).replace("two", "tw0")))
    other_nonce = signed(identity, DATA, 1581)
    for name, text in (
        ("tampered", tampered),
        ("nonce", other_nonce),
        ("foreign", signed(foreign)),
    ):
        assert run_doc_check(tmp_path / name, text, identity.root_cert).startswith("FAILED")
