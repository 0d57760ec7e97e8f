"""xrsim.cli.commands.crypto_keys through a booted router: the ``crypto key generate`` dialogues
of every algorithm (replace, sizes, bad answers, usage keys, predefined labels), ``crypto key
zeroize``, ``show crypto key mypubkey`` (layout, data parsed back to the key), ``crypto key
import authentication rsa`` (paste, files, errors that change nothing), key files on both RPs
across restarts and switchovers, release gating, and OpenSSL judging what the router shows
and stores."""

from __future__ import annotations

import base64
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from xrsim.cli import default_registry
from xrsim.cli.commands.crypto_keys import format_key_data
from xrsim.cli.session import INVALID, CliSession
from xrsim.clock import SimClock
from xrsim.crypto import KeyType, PublicKey, generate_key, public_to_cryptography
from xrsim.router import Router

#: The seed's key time: ``Created  : 17:33:23 UTC Thu Sep 18 2003``.
SEED_TIME = datetime(2003, 9, 18, 17, 33, 23, tzinfo=UTC)
TS = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} UTC$")
DATA_LINE = re.compile(r"^ [0-9A-F]{8}( [0-9A-F]{8}){0,7}$|^ ([0-9A-F]{8} ){0,7}[0-9A-F]{2,6}$")
RSA_CHOOSE = (
    "Choose the size of the key modulus in the range of 512 to 4096 for your {} Keypair. "
    "Choosing a key modulus greater than 512 may take a few minutes."
)
BITS_2048 = "How many bits in the modulus [2048]: "
REPLACE = "Do you really want to replace them? [yes/no]: "
REMOVE = "Do you really want to remove these keys ?? [yes/no]: "
RSA_SIZE_ERROR = "% Invalid key modulus size. Choose a value in the range of 512 to 4096."
ABORTED = "% Key generation aborted: no keys were changed."
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


@pytest.fixture(autouse=True)
def _vendor_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XRSIM_VENDOR_DIR", str(tmp_path / "vendor"))


def boot(state: Path, **kw: object) -> Router:
    kw.setdefault("clock", SimClock(SEED_TIME, frozen=True))
    return Router.boot(state_dir=state, **kw)  # type: ignore[arg-type]


@pytest.fixture
def router(tmp_path: Path) -> Iterator[Router]:
    r = boot(tmp_path / "r1")
    yield r
    r.shutdown()


@pytest.fixture
def s(router: Router) -> CliSession:
    return router.session()


def body(text: str) -> list[str]:
    """Output lines without the timestamp line."""
    return [ln for ln in text.splitlines() if not TS.match(ln)]


def talk(s: CliSession, *lines: str) -> list[str]:
    """Type ``lines`` one after the other; the transcript as lines, each question followed by
    the answer typed, as a terminal shows it (timestamps left out)."""
    out: list[str] = []
    for ln in lines:
        out.extend(body(s.handle_line(ln)))
        if s.waiting:
            out.append(s.prompt)
    return out


@dataclass
class Shown:
    label: str
    type: str
    size: int
    created: str
    data: bytes


def parse_show(text: str) -> list[Shown]:
    """``show crypto key mypubkey`` blocks; checks the layout on the way."""
    lines = body(text)
    blocks: list[list[str]] = [[]]
    for ln in lines:
        if ln == "":
            blocks.append([])
        else:
            blocks[-1].append(ln)
    out = []
    for block in blocks:
        if not block:
            continue
        head, data = block[:5], block[5:]
        assert head[0].startswith("Key label: ")
        assert head[1].startswith("Type     : ")
        assert head[2].startswith("Size     : ")
        assert head[3].startswith(("Created  : ", "Imported : "))
        assert head[4] == "Data     :"
        for i, ln in enumerate(data):
            assert DATA_LINE.match(ln), ln
            if i < len(data) - 1:
                assert len(ln.split()) == 8, ln
        hexdata = "".join("".join(ln.split()) for ln in data)
        out.append(
            Shown(
                head[0].removeprefix("Key label: "),
                head[1].removeprefix("Type     : "),
                int(head[2].removeprefix("Size     : ")),
                head[3][len("Created  : ") :],
                bytes.fromhex(hexdata),
            )
        )
    return out


def spki(router: Router, key_type: KeyType, label: str, usage: str = "general") -> bytes:
    entry = next(e for e in router.keys.entries(key_type) if e.label == label and e.usage == usage)
    return router.keys.load(entry).public_key().to_der()


def assert_public(stored: PublicKey | None, expected: PublicKey) -> None:
    assert stored is not None
    assert stored.to_der() == expected.to_der()


def stored_pem(router: Router, relpath: str) -> bytes | None:
    """The PEM the state store holds for a key, named as format 1 kept it on disk
    (``keys/rsa/uk/signing.pem``, ``keys/authentication/rsa/alice.pub``)."""
    store = router.chassis.store
    parts = relpath.removesuffix(".pem").removesuffix(".pub").split("/")
    if parts[1] == "authentication":
        return next((r.pem for r in store.auth_keys() if r.label == parts[3]), None)
    key_type, label, *usage = parts[1:]
    row = store.private_key(key_type, label, usage[0] if usage else "general")
    return row.pem if row is not None else None


def pem_file(router: Router, relpath: str, tmp_path: Path) -> Path:
    """The stored PEM of ``relpath`` written to a file (for openssl)."""
    pem = stored_pem(router, relpath)
    assert pem is not None, relpath
    path = tmp_path / relpath.replace("/", "_")
    path.write_bytes(pem)
    return path


# -- crypto key generate rsa --------------------------------------------------------------------


def test_generate_rsa_new_label_default_size(router: Router, s: CliSession) -> None:
    assert talk(s, "crypto key generate rsa k1", "") == [
        "The name for the keys will be: k1",
        RSA_CHOOSE.format("General Purpose"),
        BITS_2048,
        "Generating RSA keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    (entry,) = [e for e in router.keys.entries("rsa") if e.label == "k1"]
    assert (entry.usage, entry.bits, entry.created) == ("general", 2048, SEED_TIME)
    assert router.keys.load(entry).bits == 2048


def test_generate_rsa_explicit_sizes_and_the_upper_bound(router: Router, s: CliSession) -> None:
    talk(s, "crypto key generate rsa small", "512")
    talk(s, "crypto key generate rsa big", "4096")
    sizes = {e.label: e.bits for e in router.keys.entries("rsa")}
    assert sizes["small"] == 512
    assert sizes["big"] == 4096


def test_generate_rsa_default_label_replace_yes(router: Router, s: CliSession) -> None:
    before = spki(router, "rsa", "the_default")  # made at boot (7.0.1 and later)
    assert talk(s, "crypto key generate rsa", "yes", "512") == [
        "The name for the keys will be: the_default",
        "% You already have keys defined for the_default",
        REPLACE,
        RSA_CHOOSE.format("General Purpose"),
        BITS_2048,
        "Generating RSA keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    after = spki(router, "rsa", "the_default")
    assert after != before
    assert [e.bits for e in router.keys.entries("rsa")] == [512]


@pytest.mark.parametrize("answer", ["no", "n", "NO"])
def test_generate_rsa_replace_no_changes_nothing(
    router: Router, s: CliSession, answer: str
) -> None:
    before = router.keys.entries("rsa")
    der = spki(router, "rsa", "the_default")
    assert talk(s, "crypto key generate rsa general-keys", answer) == [
        "The name for the keys will be: the_default",
        "% You already have keys defined for the_default",
        REPLACE,
    ]
    assert not s.waiting
    assert router.keys.entries("rsa") == before
    assert spki(router, "rsa", "the_default") == der


def test_replace_question_asks_again_on_other_answers(router: Router, s: CliSession) -> None:
    der = spki(router, "rsa", "the_default")
    again = "% Please answer 'yes' or 'no'."
    out = talk(s, "crypto key generate rsa", "maybe", "", "n")
    assert out[2:] == [REPLACE, again, REPLACE, again, REPLACE]
    assert not s.waiting
    assert spki(router, "rsa", "the_default") == der
    # three answers that are neither yes nor no end the dialogue as a no
    out = talk(s, "crypto key generate rsa", "maybe", "perhaps", "nope")
    assert out[2:] == [REPLACE, again, REPLACE, again, REPLACE, again]
    assert not s.waiting
    assert spki(router, "rsa", "the_default") == der


def test_bad_sizes_are_asked_again(router: Router, s: CliSession) -> None:
    out = talk(s, "crypto key generate rsa k", "abc", "4097", "1024")
    assert out == [
        "The name for the keys will be: k",
        RSA_CHOOSE.format("General Purpose"),
        BITS_2048,
        RSA_SIZE_ERROR,
        BITS_2048,
        RSA_SIZE_ERROR,
        BITS_2048,
        "Generating RSA keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    assert [e.bits for e in router.keys.entries("rsa") if e.label == "k"] == [1024]


def test_too_many_bad_sizes_give_up_with_nothing_changed(router: Router, s: CliSession) -> None:
    before = router.keys.entries("rsa")
    der = spki(router, "rsa", "the_default")
    out = talk(s, "crypto key generate rsa", "yes", "511", "-1", "2k")
    assert out[-3:] == [BITS_2048, RSA_SIZE_ERROR, ABORTED]
    assert not s.waiting
    assert router.keys.entries("rsa") == before
    assert spki(router, "rsa", "the_default") == der


def test_abandoned_question_changes_nothing(router: Router, s: CliSession) -> None:
    before = router.keys.entries("rsa")
    talk(s, "crypto key generate rsa", "yes")
    assert s.waiting
    s.cancel()  # Ctrl-C
    assert router.keys.entries("rsa") == before
    assert talk(s, "show clock")  # the session goes on


def test_usage_keys(router: Router, s: CliSession) -> None:
    out = talk(s, "crypto key generate rsa usage-keys uk", "1024", "512")
    ok = ["Generating RSA keys ...", "Done w/ crypto generate keypair", "[OK]"]
    assert out == [
        "The name for the keys will be: uk",
        RSA_CHOOSE.format("Signature"),
        BITS_2048,
        *ok,
        RSA_CHOOSE.format("Encryption"),
        BITS_2048,
        *ok,
    ]
    entries = {e.usage: e for e in router.keys.entries("rsa") if e.label == "uk"}
    assert set(entries) == {"signing", "encryption"}
    assert (entries["signing"].bits, entries["encryption"].bits) == (1024, 512)
    shown = {k.type: k for k in parse_show(s.handle_line("show crypto key mypubkey rsa uk"))}
    assert set(shown) == {"RSA Signature Usage", "RSA Encryption Usage"}
    assert shown["RSA Signature Usage"].data == spki(router, "rsa", "uk", "signing")
    assert shown["RSA Encryption Usage"].data == spki(router, "rsa", "uk", "encryption")
    for usage in ("signing", "encryption"):
        assert stored_pem(router, f"keys/rsa/uk/{usage}.pem") is not None


def test_usage_keys_abandoned_after_the_first_pair_store_nothing(
    router: Router, s: CliSession
) -> None:
    out = talk(s, "crypto key generate rsa usage-keys uk", "512")
    assert out[-1] == BITS_2048
    assert out[-4] == "Done w/ crypto generate keypair"
    s.cancel()
    assert [e for e in router.keys.entries("rsa") if e.label == "uk"] == []


def test_general_keys_replace_usage_keys_and_their_files(router: Router, s: CliSession) -> None:
    talk(s, "crypto key generate rsa usage-keys k", "512", "512")
    talk(s, "crypto key generate rsa general-keys k", "yes", "512")
    assert [e.usage for e in router.keys.entries("rsa") if e.label == "k"] == ["general"]
    assert stored_pem(router, "keys/rsa/k.pem") is not None
    assert stored_pem(router, "keys/rsa/k/signing.pem") is None
    assert stored_pem(router, "keys/rsa/k/encryption.pem") is None


# -- the other algorithms -----------------------------------------------------------------------


def test_generate_dsa_default_and_explicit_sizes(router: Router, s: CliSession) -> None:
    choose = (
        "Choose the size of your DSA key modulus. Modulus size can be 512, 768, or 1024 bits. "
        "Choosing a key modulus greater than 512 may take a few minutes."
    )
    ask = "How many bits in the modulus [1024]: "
    assert talk(s, "crypto key generate dsa", "") == [
        "The name for the keys will be: the_default",
        choose,
        ask,
        "Generating DSA keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    out = talk(s, "crypto key generate dsa d2", "2048", "512")
    assert out[3:5] == ["% Invalid key modulus size. Choose 512, 768 or 1024.", ask]
    sizes = {e.label: e.bits for e in router.keys.entries("dsa")}
    assert sizes == {"the_default": 1024, "d2": 512}
    (shown, _) = parse_show(s.handle_line("show crypto key mypubkey dsa"))
    assert (shown.type, shown.size) == ("DSA General purpose", 1024)
    assert shown.data == spki(router, "dsa", "the_default")


@pytest.mark.parametrize(
    ("curve", "bits", "ec_class"),
    [
        ("nistp256", 256, ec.SECP256R1),
        ("nistp384", 384, ec.SECP384R1),
        ("nistp521", 521, ec.SECP521R1),
    ],
)
def test_generate_ecdsa(
    router: Router, s: CliSession, curve: str, bits: int, ec_class: type[ec.EllipticCurve]
) -> None:
    assert talk(s, f"crypto key generate ecdsa {curve} e1") == [
        "The name for the keys will be: e1",
        "Generating ECDSA keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    (shown,) = parse_show(s.handle_line("show crypto key mypubkey ecdsa"))
    assert shown.type == f"ECDSA General Curve {curve.capitalize()}"
    assert shown.size == bits
    assert shown.data == spki(router, "ecdsa", "e1")
    public = serialization.load_der_public_key(shown.data)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec_class)


def test_generate_ed25519_shows_the_raw_32_bytes(router: Router, s: CliSession) -> None:
    assert talk(s, "crypto key generate ed25519") == [
        "The name for the keys will be: the_default",
        "Generating ED25519 keys ...",
        "Done w/ crypto generate keypair",
        "[OK]",
    ]
    (entry,) = router.keys.entries("ed25519")
    raw = router.keys.load(entry).public_key().ed25519_raw()
    text = s.handle_line("show crypto key mypubkey ed25519")
    assert body(text)[1:5] == [
        "Type     : ED25519",
        "Size     : 256",
        "Created  : 17:33:23 UTC Thu Sep 18 2003",
        "Data     :",
    ]
    (shown,) = parse_show(text)
    assert shown.data == raw
    assert len(shown.data) == 32
    # replacing works as for the other algorithms
    assert talk(s, "crypto key generate ed25519", "yes")[1:3] == [
        "% You already have keys defined for the_default",
        REPLACE,
    ]
    (shown2,) = parse_show(s.handle_line("show crypto key mypubkey ed25519"))
    assert shown2.data != raw


@pytest.mark.parametrize(
    ("algorithm", "answers"),
    [("rsa", ("512",)), ("dsa", ("512",)), ("ecdsa nistp384", ()), ("ed25519", ())],
)
def test_predefined_labels_for_every_algorithm(
    router: Router, s: CliSession, algorithm: str, answers: tuple[str, ...]
) -> None:
    key_type = algorithm.split(maxsplit=1)[0]
    help_text = s.handle_line(f"crypto key generate {algorithm} ?")
    assert "system-root-key" in help_text
    assert "system-enroll-key" in help_text
    for label in ("system-root-key", "system-enroll-key"):
        out = talk(s, f"crypto key generate {algorithm} {label}", *answers)
        assert out[0] == f"The name for the keys will be: {label}"
        assert out[-1] == "[OK]"
    labels = [e.label for e in router.keys.entries(key_type)]  # type: ignore[arg-type]
    assert labels[-2:] == ["system-root-key", "system-enroll-key"]
    begin = body(s.handle_line(f"show crypto key mypubkey {key_type} | begin system-"))
    assert begin[0] == "Key label: system-root-key"
    assert [b.label for b in parse_show("\n".join(begin))] == labels[-2:]


def test_invalid_labels_are_refused_at_the_marker(router: Router, s: CliSession) -> None:
    before = router.keys.entries()
    out = s.handle_line("crypto key generate rsa bad/label")
    caret, message = out.splitlines()
    assert message == INVALID
    assert caret.index("^") == len(s.prompt) + len("crypto key generate rsa ")
    assert router.keys.entries() == before


# -- show ---------------------------------------------------------------------------------------


def test_show_layout_matches_the_seed(router: Router, s: CliSession) -> None:
    talk(s, "crypto key generate rsa mykey", "1024")
    text = s.handle_line("show crypto key mypubkey rsa")
    lines = body(text)
    assert lines[:5] == [
        "Key label: the_default",
        "Type     : RSA General purpose",
        "Size     : 2048",
        "Created  : 17:33:23 UTC Thu Sep 18 2003",
        "Data     :",
    ]
    # 2048-bit SPKI: 294 bytes = 73.5 groups -> 9 full lines and a line of 2 groups
    assert lines[5].startswith(" 30820122 300D0609 2A864886 F70D0101 01050003 82010F00")
    assert lines[14].endswith(" 0001")
    assert lines[15] == ""
    shown = parse_show(text)
    assert [k.label for k in shown] == ["the_default", "mykey"]
    assert shown[0].data == spki(router, "rsa", "the_default")
    assert shown[1].data == spki(router, "rsa", "mykey")
    assert shown[1].size == 1024
    only = parse_show(s.handle_line("show crypto key mypubkey rsa mykey"))
    assert [k.label for k in only] == ["mykey"]
    assert body(s.handle_line("show crypto key mypubkey dsa")) == []


def test_format_key_data() -> None:
    assert format_key_data(bytes(range(1, 35))) == [
        " 01020304 05060708 090A0B0C 0D0E0F10 11121314 15161718 191A1B1C 1D1E1F20",
        " 2122",
    ]
    assert format_key_data(b"") == []


# -- zeroize ------------------------------------------------------------------------------------


def test_zeroize_one_label_yes_and_no(router: Router, s: CliSession) -> None:
    talk(s, "crypto key generate rsa key1", "512")
    assert talk(s, "crypto key zeroize rsa key1", "no") == [
        "% Keys to be removed are named key1",
        REMOVE,
    ]
    assert router.keys.has("rsa", "key1")
    assert talk(s, "crypto key zeroize rsa key1", "yes") == [
        "% Keys to be removed are named key1",
        REMOVE,
    ]
    assert not router.keys.has("rsa", "key1")
    assert router.keys.has("rsa", "the_default")
    assert stored_pem(router, "keys/rsa/key1.pem") is None
    assert "key1" not in s.handle_line("show crypto key mypubkey rsa")


def test_zeroize_without_label_removes_every_key_of_the_type(router: Router, s: CliSession) -> None:
    talk(s, "crypto key generate rsa usage-keys u", "512", "512")
    talk(s, "crypto key generate ecdsa nistp256 e")
    assert talk(s, "crypto key zeroize rsa", "y") == [
        "% Keys to be removed are named the_default, u",
        REMOVE,
    ]
    assert router.keys.entries("rsa") == []
    assert [e.label for e in router.keys.entries("ecdsa")] == ["e"]
    assert router.chassis.store.private_keys("rsa") == []
    assert talk(s, "crypto key zeroize rsa") == ["% No RSA keys are defined"]


def test_zeroize_unknown_label_changes_nothing(router: Router, s: CliSession) -> None:
    before = router.keys.entries()
    assert talk(s, "crypto key zeroize rsa nosuchkey") == [
        "% No RSA keys are defined for nosuchkey"
    ]
    assert not s.waiting
    assert router.keys.entries() == before


@pytest.mark.parametrize("algorithm", ["dsa", "ecdsa nistp521", "ed25519"])
def test_zeroize_each_algorithm(router: Router, s: CliSession, algorithm: str) -> None:
    key_type = algorithm.split(maxsplit=1)[0]
    talk(s, f"crypto key generate {algorithm} system-root-key", "512")
    assert talk(s, f"crypto key zeroize {key_type} system-root-key", "yes")[0] == (
        "% Keys to be removed are named system-root-key"
    )
    assert router.keys.entries(key_type) == []  # type: ignore[arg-type]
    assert router.chassis.store.private_keys(key_type) == []


# -- import authentication ----------------------------------------------------------------------


def b64_lines(data: bytes, width: int = 64) -> list[str]:
    text = base64.b64encode(data).decode()
    return [text[i : i + width] for i in range(0, len(text), width)]


PASTE_INTRO = [
    "Enter the base 64 encoded public key.",
    'End with a blank line or the word "quit" on a line by itself',
]


def test_import_pasted_spki_on_several_lines(router: Router, s: CliSession) -> None:
    public = generate_key("rsa", bits=1024).public_key()
    lines = b64_lines(public.to_der())
    assert len(lines) > 2
    out = talk(s, "crypto key import authentication rsa alice", *lines, "")
    assert out[:2] == PASTE_INTRO
    assert [ln for ln in out[2:] if ln] == []  # no error; the paste prompts are empty
    assert not s.waiting
    assert_public(router.keys.authentication_key("alice"), public)
    text = s.handle_line("show crypto key authentication rsa")
    assert body(text)[1:3] == ["Type     : RSA public key authentication", "Size     : 1024"]
    assert body(text)[3] == "Imported : 17:33:23 UTC Thu Sep 18 2003"
    (shown,) = parse_show(text)
    assert (shown.label, shown.data) == ("alice", public.to_der())
    assert stored_pem(router, "keys/authentication/rsa/alice.pub") == public.to_pem()


def test_import_pasted_pkcs1_ended_by_quit_with_usage_keys(router: Router, s: CliSession) -> None:
    public = generate_key("rsa", bits=512).public_key()
    crypto_key = public_to_cryptography(public)
    assert isinstance(crypto_key, rsa.RSAPublicKey)
    pkcs1 = crypto_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    talk(s, "crypto key import authentication rsa usage-keys bob", *b64_lines(pkcs1, 40), "quit")
    (entry,) = router.keys.authentication_keys()
    assert (entry.label, entry.usage, entry.bits) == ("bob", "signing", 512)
    assert_public(router.keys.authentication_key("bob"), public)
    assert "(usage keys)" in s.handle_line("show crypto key authentication rsa bob")


def test_import_pasted_pem(router: Router, s: CliSession) -> None:
    public = generate_key("rsa", bits=512).public_key()
    talk(s, "crypto key import authentication rsa", *public.to_pem().decode().splitlines(), "")
    assert_public(router.keys.authentication_key("the_default"), public)


def _ssh_blob(public_der: bytes) -> bytes:
    key = serialization.load_der_public_key(public_der)
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


@pytest.mark.parametrize("form", ["base64", "der", "ssh-blob", "openssh-line"])
def test_import_from_a_file(router: Router, s: CliSession, form: str) -> None:
    public = generate_key("rsa", bits=512).public_key()
    content = {
        "base64": "\n".join(b64_lines(public.to_der())).encode() + b"\n",
        "der": public.to_der(),
        "ssh-blob": _ssh_blob(public.to_der()),
        "openssh-line": b"ssh-rsa " + base64.b64encode(_ssh_blob(public.to_der())) + b" me@pc\n",
    }[form]
    router.chassis.fs().write_atomic("harddisk:/id_rsa.pub.b64", content)
    assert talk(s, "crypto key import authentication rsa harddisk:/id_rsa.pub.b64") == []
    assert talk(s, "crypto key import authentication rsa carol harddisk:/id_rsa.pub.b64") == []
    for label in ("the_default", "carol"):
        assert_public(router.keys.authentication_key(label), public)


def test_import_replace_asks_first(router: Router, s: CliSession) -> None:
    first = generate_key("rsa", bits=512).public_key()
    second = generate_key("rsa", bits=512).public_key()
    talk(s, "crypto key import authentication rsa dave", *b64_lines(first.to_der()), "")
    out = talk(s, "crypto key import authentication rsa dave", *b64_lines(second.to_der()), "")
    assert out[-2:] == [
        "% You already have a public key defined for dave",
        "Do you really want to replace it? [yes/no]: ",
    ]
    talk(s, "no")
    assert_public(router.keys.authentication_key("dave"), first)
    talk(s, "crypto key import authentication rsa dave", *b64_lines(second.to_der()), "", "yes")
    assert_public(router.keys.authentication_key("dave"), second)


def _ecdsa_b64() -> list[str]:
    return b64_lines(generate_key("ecdsa").public_key().to_der())


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (["!!!not base64!!!"], "% Invalid public key: the input is not valid base64"),
        (["QUJD"], "% Invalid public key: not a DER SubjectPublicKeyInfo or PKCS#1 RSA public key"),
        (
            None,
            "% Invalid public key: the key is ECDSA, not RSA: only RSA keys can be imported",
        ),
        ([], "% No public key was entered: nothing imported."),
    ],
    ids=["bad-base64", "not-a-key", "ecdsa", "empty"],
)
def test_bad_pastes_store_nothing(
    router: Router, s: CliSession, lines: list[str] | None, error: str
) -> None:
    pasted = _ecdsa_b64() if lines is None else lines
    out = talk(s, "crypto key import authentication rsa eve", *pasted, "")
    assert out[-1] == error
    assert not s.waiting
    assert router.keys.authentication_keys() == []
    assert router.chassis.store.auth_keys() == []


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (
            "harddisk:/missing.b64",
            "%Error opening harddisk:/missing.b64 (No such file or directory)",
        ),
        ("harddisk:/", "%Error opening harddisk:/ (is a directory)"),
        ("nodev:/k.b64", "%Error opening nodev:/k.b64 (unknown device nodev: "),
        ("harddisk:/ed.b64", "% Invalid public key: the key is ssh-ed25519, not RSA: only RSA"),
    ],
    ids=["missing", "directory", "unknown-device", "ssh-ed25519"],
)
def test_bad_files_store_nothing(router: Router, s: CliSession, path: str, error: str) -> None:
    ed = generate_key("ed25519").public_key().ed25519_raw()
    blob = b"\x00\x00\x00\x0bssh-ed25519" + len(ed).to_bytes(4, "big") + ed
    router.chassis.fs().write_atomic("harddisk:/ed.b64", blob)
    out = talk(s, f"crypto key import authentication rsa frank {path}")
    assert len(out) == 1, out
    assert out[0].startswith(error), out
    assert router.keys.authentication_keys() == []
    assert router.chassis.store.auth_keys() == []


def test_zeroize_authentication_keys(router: Router, s: CliSession) -> None:
    for label in ("a1", "a2"):
        public = generate_key("rsa", bits=512).public_key()
        talk(s, f"crypto key import authentication rsa {label}", *b64_lines(public.to_der()), "")
    assert talk(s, "crypto key zeroize authentication rsa a1", "yes") == [
        "% Keys to be removed are named a1",
        REMOVE,
    ]
    assert [e.label for e in router.keys.authentication_keys()] == ["a2"]
    assert talk(s, "crypto key zeroize authentication rsa zz") == [
        "% No RSA authentication key is defined for zz"
    ]
    talk(s, "crypto key zeroize authentication rsa all", "yes")
    assert router.keys.authentication_keys() == []
    assert router.chassis.store.auth_keys() == []


# -- persistence, redundancy, release gating ----------------------------------------------------


def test_key_files_on_both_rps_survive_restart_and_switchover(tmp_path: Path) -> None:
    state = tmp_path / "asr"
    r = boot(state, platform="ASR-9006")
    s = r.session()
    talk(s, "crypto key generate rsa k", "512")
    talk(s, "crypto key generate ed25519 system-enroll-key")
    public = generate_key("rsa", bits=512).public_key()
    talk(s, "crypto key import authentication rsa alice", *b64_lines(public.to_der()), "")
    shown = s.handle_line("show crypto key mypubkey rsa")
    rps = [n.name for n in r.chassis.rps]
    assert rps == ["0/RSP0/CPU0", "0/RSP1/CPU0"]
    files = ["keys/rsa/k.pem", "keys/rsa/the_default.pem", "keys/ed25519/system-enroll-key.pem"]
    for rel in files:
        assert stored_pem(r, rel) is not None, rel
    assert stored_pem(r, "keys/authentication/rsa/alice.pub") is not None
    for rp in rps:  # both RPs read the one store, which is private; no key on a node's disk
        assert r.chassis.fs(rp).walk("/misc/config") == []
    for name in ("state.db", "state.db-wal"):
        assert stat.S_IMODE(os.stat(state / name).st_mode) == 0o600
    r.shutdown()

    r2 = boot(state)
    s2 = r2.session()
    assert body(s2.handle_line("show crypto key mypubkey rsa")) == body(shown)
    assert_public(r2.keys.authentication_key("alice"), public)

    assert talk(s2, "redundancy switchover", "")[-1] == "Initiating switch-over."
    assert r2.chassis.active_rp.name == "0/RSP1/CPU0"
    assert body(s2.handle_line("show crypto key mypubkey rsa")) == body(shown)
    assert parse_show(s2.handle_line("show crypto key mypubkey ed25519"))[0].label == (
        "system-enroll-key"
    )
    # zeroize after the switchover removes the key for both RPs
    talk(s2, "crypto key zeroize rsa k", "yes")
    assert stored_pem(r2, "keys/rsa/k.pem") is None
    assert stored_pem(r2, "keys/rsa/the_default.pem") is not None
    r2.shutdown()


def _caret_column(out: str) -> int:
    caret, message = out.splitlines()
    assert message == INVALID
    return caret.index("^")


def test_before_7_0_1_crypto_key_does_not_exist(tmp_path: Path) -> None:
    r = boot(tmp_path / "old", release_version="6.6.3")
    s = r.session()
    prompt = len(s.prompt)
    assert _caret_column(s.handle_line("crypto key generate rsa")) == prompt
    assert _caret_column(s.handle_line("show crypto key mypubkey rsa")) == prompt + len("show ")
    assert not s.waiting
    assert r.keys.entries() == []
    r.shutdown()


def test_ed25519_commands_need_7_3_1(tmp_path: Path) -> None:
    r = boot(tmp_path / "r701", release_version="7.0.1")
    s = r.session()
    prompt = len(s.prompt)
    for line in (
        "crypto key generate ed25519",
        "crypto key zeroize ed25519",
        "show crypto key mypubkey ed25519",
    ):
        assert _caret_column(s.handle_line(line)) == prompt + line.index("ed25519"), line
    talk(s, "configure")
    line = "do crypto key generate ed25519"
    assert _caret_column(s.handle_line(line)) == len(s.prompt) + line.index("ed25519")
    talk(s, "abort")
    assert r.keys.entries("ed25519") == []
    assert talk(s, "crypto key generate ecdsa nistp256")[-1] == "[OK]"  # the rest exists
    r.shutdown()
    r = boot(tmp_path / "r701", release_version="7.3.1")  # the same router, upgraded
    s = r.session()
    assert talk(s, "crypto key generate ed25519")[-1] == "[OK]"
    assert [e.key_type for e in r.keys.entries("ed25519")] == ["ed25519"]
    r.shutdown()


def test_every_crypto_key_command_is_gated_and_authorized() -> None:
    commands = [
        c
        for c in default_registry().commands
        if c.syntax.startswith(("crypto key ", "show crypto key "))
    ]
    assert len(commands) >= 12
    for c in commands:
        assert "security-in-base-image" in c.features, c.syntax
        assert ("ed25519" in c.features) == ("ed25519" in c.syntax), c.syntax
        want = ("read", "crypto") if c.syntax.startswith("show") else ("execute", "crypto")
        assert c.tasks == (want,), c.syntax


# -- OpenSSL as the judge -----------------------------------------------------------------------


def _openssl(openssl: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [openssl, *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.peer
@pytest.mark.parametrize(
    ("algorithm", "answers", "needle"),
    [
        ("rsa", ("512",), "Public-Key: (512 bit)"),
        ("dsa", ("512",), "pub:"),
        ("ecdsa nistp384", (), "NIST CURVE: P-384"),
        ("ed25519", (), "ED25519 Public-Key"),
    ],
)
def test_openssl_reads_the_shown_public_key(
    router: Router,
    s: CliSession,
    *,
    tmp_path: Path,
    require_tool: Callable[[str], str],
    algorithm: str,
    answers: tuple[str, ...],
    needle: str,
) -> None:
    openssl = require_tool("openssl")
    key_type = algorithm.split(maxsplit=1)[0]
    talk(s, f"crypto key generate {algorithm} judged", *answers)
    (shown,) = parse_show(s.handle_line(f"show crypto key mypubkey {key_type} judged"))
    der = ED25519_SPKI_PREFIX + shown.data if key_type == "ed25519" else shown.data
    path = tmp_path / "pub.der"
    path.write_bytes(der)
    result = _openssl(
        openssl, "pkey", "-pubin", "-inform", "DER", "-in", str(path), "-noout", "-text"
    )
    assert result.returncode == 0, result.stderr
    assert needle in result.stdout


@pytest.mark.peer
@pytest.mark.parametrize(
    ("algorithm", "answers", "relpath"),
    [
        ("rsa usage-keys", ("512", "512"), "keys/rsa/judged/signing.pem"),
        ("rsa", ("1024",), "keys/rsa/judged.pem"),
        ("ecdsa nistp256", (), "keys/ecdsa/judged.pem"),
        ("ecdsa nistp521", (), "keys/ecdsa/judged.pem"),
    ],
)
def test_openssl_checks_the_stored_private_key(
    router: Router,
    s: CliSession,
    tmp_path: Path,
    *,
    require_tool: Callable[[str], str],
    algorithm: str,
    answers: tuple[str, ...],
    relpath: str,
) -> None:
    openssl = require_tool("openssl")
    talk(s, f"crypto key generate {algorithm} judged", *answers)
    path = pem_file(router, relpath, tmp_path)
    result = _openssl(openssl, "pkey", "-in", str(path), "-check", "-noout")
    assert result.returncode == 0, result.stderr
    assert "Key is valid" in result.stdout
    result = _openssl(openssl, "pkey", "-in", str(path), "-pubout")
    assert result.returncode == 0, result.stderr
    usage = "signing" if relpath.endswith("signing.pem") else "general"
    entry = next(e for e in router.keys.entries() if e.label == "judged" and e.usage == usage)
    assert result.stdout.encode() == router.keys.load(entry).public_key().to_pem()


@pytest.mark.peer
def test_openssl_reads_the_stored_authentication_key(
    router: Router, s: CliSession, tmp_path: Path, require_tool: Callable[[str], str]
) -> None:
    openssl = require_tool("openssl")
    public = generate_key("rsa", bits=512).public_key()
    talk(s, "crypto key import authentication rsa alice", *b64_lines(public.to_der()), "")
    path = pem_file(router, "keys/authentication/rsa/alice.pub", tmp_path)
    result = _openssl(openssl, "pkey", "-pubin", "-in", str(path), "-noout", "-text")
    assert result.returncode == 0, result.stderr
    assert "Public-Key: (512 bit)" in result.stdout
