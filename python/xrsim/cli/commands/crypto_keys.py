"""``crypto key``: the router's key pairs (generate, zeroize, show) and users' public keys
imported for SSH public-key authentication.

Commands (exec mode). Every one needs the release feature ``security-in-base-image`` (IOS XR
7.0.1; before it the k9sec package brought them), the Ed25519 ones also ``ed25519`` (7.3.1);
on releases without them they do not exist and are refused at the ``^`` marker::

    crypto key generate rsa [usage-keys | general-keys] [L]
    crypto key generate dsa [L]
    crypto key generate ecdsa nistp256|nistp384|nistp521 [L]
    crypto key generate ed25519 [L]          (L: LABEL | system-root-key | system-enroll-key)
    crypto key zeroize rsa|dsa|ecdsa|ed25519 [LABEL]
    crypto key import authentication rsa [usage-keys | general-keys] [LABEL] [PATH]
    crypto key zeroize authentication rsa [all | LABEL]
    show crypto key mypubkey rsa|dsa|ecdsa|ed25519 [LABEL]
    show crypto key authentication rsa [all | LABEL]

A label is a letter or digit followed by up to 63 letters, digits, ``.``, ``_`` or ``-``
(``the_default`` when omitted); ``system-root-key`` and ``system-enroll-key`` are also keywords,
as ``?`` lists them on IOS XR.

``crypto key import authentication rsa`` reads the key from a file when a PATH is given (it
must name a device or tree of the active RP: ``harddisk:/id_rsa.pub.b64``, ``disk0:/k.pem``,
``/misc/scratch/k``; a lone PATH keeps the default label, as in the classic IOS XR procedure
``crypto key import authentication rsa disk0:/id_rsa_pub.b64``; a path in the router's own
state tree, ``/misc/config/xrsim``, is refused as every CLI command refuses it: ``%Error
opening PATH (Permission denied)``), otherwise it asks for the key
to be pasted, ended by a blank line or ``quit``. What is accepted (file or paste) is what
``xrsim.pki.keystore.decode_authentication_key`` accepts: base64 (on any number of lines) or
binary DER of a SubjectPublicKeyInfo or PKCS#1 RSA public key, PEM, an OpenSSH ``ssh-rsa``
line, or the decoded ``ssh-rsa`` blob. ``usage-keys`` records the key as a signature-usage key
(SSH only verifies signatures with it). The key belongs to the user who imports it: SSH
public-key authentication accepts it for that user only, as on IOS XR.

Who does what: the handlers here run the IOS XR dialogues (generators that yield ``Prompt`` s,
``xrsim.cli.context``); ``xrsim.crypto.generate_key`` generates every key in the Rust core with
the GIL released; the router's ``KeyStore`` (``ctx.device.keys``, ``xrsim.pki.keystore``)
stores them on every RP. A dialogue changes the store only at its very end, so a ``no``, too
many bad answers or an abandoned question leave every key as it was. ``format_key_data``
renders public key bytes as ``show crypto key mypubkey`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from xrsim.cli.context import MAX_ATTEMPTS, Ctx, Interaction, Prompt, ask_yes_no, read_paste
from xrsim.cli.messages import KEY_NOT_SAVED, KEYS_NOT_REMOVED
from xrsim.cli.registry import Registry
from xrsim.clock import xr_time
from xrsim.crypto import CurveName, KeyType, PrivateKey, PublicKey, generate_key
from xrsim.errors import CryptoError, StorageError, XrsimError
from xrsim.pki.keystore import (
    DEFAULT_LABEL,
    MAX_PUBLIC_KEY_BYTES,
    StoredKey,
    Usage,
    decode_authentication_key,
    public_data,
)

__all__ = ["MAX_ATTEMPTS", "PREDEFINED_LABELS", "format_key_data", "register"]

#: Labels IOS XR predefines for Crosswork Trust Insights (keywords of ``crypto key generate``).
PREDEFINED_LABELS = ("system-root-key", "system-enroll-key")

SEC = "security-in-base-image"
SEC_ED25519 = (SEC, "ed25519")
EXEC_TASKS = (("execute", "crypto"),)
READ_TASKS = (("read", "crypto"),)

_NAMES: dict[KeyType, str] = {"rsa": "RSA", "dsa": "DSA", "ecdsa": "ECDSA", "ed25519": "ED25519"}
_LABEL = "[ { system-root-key | system-enroll-key | <label:NAME> } ]"

GENERATED = ("Done w/ crypto generate keypair", "[OK]")
REPLACE_QUESTION = "Do you really want to replace them? [yes/no]: "
REMOVE_QUESTION = "Do you really want to remove these keys ?? [yes/no]: "
ABORTED = "% Key generation aborted: no keys were changed."
RSA_SIZE_ERROR = "% Invalid key modulus size. Choose a value in the range of 512 to 4096."
DSA_SIZE_ERROR = "% Invalid key modulus size. Choose 512, 768 or 1024."


def format_key_data(data: bytes) -> list[str]:
    """Key bytes as IOS XR prints them after ``Data     :``: upper-case groups of 8 hex digits
    (the last may be shorter), 8 groups a line, each line indented by one space."""
    text = data.hex().upper()
    groups = [text[i : i + 8] for i in range(0, len(text), 8)]
    return [" " + " ".join(groups[i : i + 8]) for i in range(0, len(groups), 8)]


def _label(ctx: Ctx) -> str:
    for word in PREDEFINED_LABELS:
        if ctx.has(word):
            return word
    return str(ctx.args.get("label", DEFAULT_LABEL))


def _ask_modulus(
    ctx: Ctx, default: int, valid: Callable[[int], bool], error: str
) -> Generator[Prompt, str, int | None]:
    """The modulus size: empty takes ``default``; a bad answer prints ``error`` and asks
    again, up to ``MAX_ATTEMPTS`` times; then None."""
    for _ in range(MAX_ATTEMPTS):
        answer = (yield Prompt(f"How many bits in the modulus [{default}]: ")).strip()
        if not answer:
            return default
        if answer.isdigit() and valid(int(answer)):
            return int(answer)
        ctx.line(error)
    return None


def _confirm_replace(ctx: Ctx, key_type: KeyType, label: str) -> Generator[Prompt, str, bool]:
    ctx.line(f"The name for the keys will be: {label}")
    if not ctx.device.keys.has(key_type, label):
        return True
    ctx.line(f"% You already have keys defined for {label}")
    return (yield from ask_yes_no(ctx, REPLACE_QUESTION))


def _make(
    ctx: Ctx, key_type: KeyType, *, bits: int | None = None, curve: CurveName | None = None
) -> PrivateKey | None:
    ctx.line(f"Generating {_NAMES[key_type]} keys ...")
    try:
        return generate_key(key_type, bits=bits, curve=curve)
    except CryptoError as e:
        ctx.line(f"% Key generation failed: {e}")
        return None


def _not_saved(ctx: Ctx, template: str, error: StorageError) -> None:
    """Say that a key change could not be saved (nothing of it was kept)."""
    ctx.session.last_error = error
    ctx.line(template.format(reason=error.reason))


def _store(ctx: Ctx, key_type: KeyType, label: str, keys: list[tuple[Usage, PrivateKey]]) -> None:
    """Replace the label's keys by ``keys`` and say so as IOS XR does."""
    try:
        ctx.device.keys.replace(key_type, label, keys)
    except StorageError as e:
        _not_saved(ctx, KEY_NOT_SAVED, e)
        return
    for text in GENERATED:
        ctx.line(text)


def _generate_rsa(ctx: Ctx) -> Interaction:
    label = _label(ctx)
    if not (yield from _confirm_replace(ctx, "rsa", label)):
        return
    purposes: list[tuple[Usage, str]] = (
        [("signing", "Signature"), ("encryption", "Encryption")]
        if ctx.has("usage-keys")
        else [("general", "General Purpose")]
    )
    made: list[tuple[Usage, PrivateKey]] = []
    for n, (usage, purpose) in enumerate(purposes, 1):
        ctx.line(
            "Choose the size of the key modulus in the range of 512 to 4096 for your "
            f"{purpose} Keypair. Choosing a key modulus greater than 512 may take a few minutes."
        )
        bits = yield from _ask_modulus(ctx, 2048, lambda b: 512 <= b <= 4096, RSA_SIZE_ERROR)
        if bits is None:
            ctx.line(ABORTED)
            return
        key = _make(ctx, "rsa", bits=bits)
        if key is None:
            return
        made.append((usage, key))
        if n < len(purposes):
            for text in GENERATED:
                ctx.line(text)
    _store(ctx, "rsa", label, made)


def _generate_dsa(ctx: Ctx) -> Interaction:
    label = _label(ctx)
    if not (yield from _confirm_replace(ctx, "dsa", label)):
        return
    ctx.line(
        "Choose the size of your DSA key modulus. Modulus size can be 512, 768, or 1024 bits. "
        "Choosing a key modulus greater than 512 may take a few minutes."
    )
    bits = yield from _ask_modulus(ctx, 1024, lambda b: b in (512, 768, 1024), DSA_SIZE_ERROR)
    if bits is None:
        ctx.line(ABORTED)
        return
    key = _make(ctx, "dsa", bits=bits)
    if key is not None:
        _store(ctx, "dsa", label, [("general", key)])


def _generate_ecdsa(ctx: Ctx) -> Interaction:
    label = _label(ctx)
    curve: CurveName = next(
        c for c in ("nistp256", "nistp384", "nistp521") if ctx.has(c)
    )  # the syntax makes one of them present
    if not (yield from _confirm_replace(ctx, "ecdsa", label)):
        return
    key = _make(ctx, "ecdsa", curve=curve)
    if key is not None:
        _store(ctx, "ecdsa", label, [("general", key)])


def _generate_ed25519(ctx: Ctx) -> Interaction:
    label = _label(ctx)
    if not (yield from _confirm_replace(ctx, "ed25519", label)):
        return
    key = _make(ctx, "ed25519")
    if key is not None:
        _store(ctx, "ed25519", label, [("general", key)])


def _key_type(ctx: Ctx) -> KeyType:
    kinds: tuple[KeyType, ...] = ("rsa", "dsa", "ecdsa", "ed25519")
    return next(k for k in kinds if ctx.has(k))


def _zeroize(ctx: Ctx) -> Interaction:
    key_type = _key_type(ctx)
    name = _NAMES[key_type]
    store = ctx.device.keys
    wanted = ctx.args.get("label")
    labels = list(dict.fromkeys(e.label for e in store.entries(key_type)))
    if wanted is not None:
        if wanted not in labels:
            ctx.line(f"% No {name} keys are defined for {wanted}")
            return
        labels = [str(wanted)]
    elif not labels:
        ctx.line(f"% No {name} keys are defined")
        return
    ctx.line(f"% Keys to be removed are named {', '.join(labels)}")
    if not (yield from ask_yes_no(ctx, REMOVE_QUESTION)):
        return
    try:
        with store.transaction():
            for label in labels:
                store.delete(key_type, label)
    except StorageError as e:
        _not_saved(ctx, KEYS_NOT_REMOVED, e)


def _type_text(entry: StoredKey, key: PrivateKey) -> str:
    if entry.key_type == "rsa":
        return {
            "general": "RSA General purpose",
            "signing": "RSA Signature Usage",
            "encryption": "RSA Encryption Usage",
        }[entry.usage]
    if entry.key_type == "ecdsa":
        curve = key.curve or f"nistp{entry.bits}"
        return f"ECDSA General Curve {curve.capitalize()}"
    if entry.key_type == "ed25519":
        return "ED25519"
    return f"{_NAMES[entry.key_type]} General purpose"


def _key_block(label: str, type_text: str, bits: int, when: str, data: bytes) -> list[str]:
    return [
        f"Key label: {label}",
        f"Type     : {type_text}",
        f"Size     : {bits}",
        when,
        "Data     :",
        *format_key_data(data),
    ]


def _print_blocks(ctx: Ctx, blocks: list[list[str]]) -> None:
    for i, block in enumerate(blocks):
        if i:
            ctx.line("")
        for text in block:
            ctx.line(text)


def _show_mypubkey(ctx: Ctx) -> None:
    key_type = _key_type(ctx)
    store = ctx.device.keys
    wanted = ctx.args.get("label")
    blocks: list[list[str]] = []
    for entry in store.entries(key_type):
        if wanted is not None and entry.label != wanted:
            continue
        try:
            key = store.load(entry)
        except (XrsimError, OSError) as e:
            ctx.line(f"% Cannot read the {_NAMES[key_type]} key {entry.label} ({e})")
            continue
        created = f"Created  : {xr_time(entry.created)}"
        blocks.append(
            _key_block(entry.label, _type_text(entry, key), entry.bits, created, public_data(key))
        )
    _print_blocks(ctx, blocks)


def _read_key_file(ctx: Ctx, path: str) -> bytes | None:
    """The key file at ``path``, read as any CLI user path (the router's own state tree is
    refused: ``%Error opening PATH (Permission denied)``, as the filesystem commands answer);
    None after printing why it cannot be read."""
    try:
        fs = ctx.device.chassis.fs()
        fs.check_user_path(path)
        if fs.stat(path).size > MAX_PUBLIC_KEY_BYTES:
            ctx.line(f"%Error opening {path} (File too large for a public key)")
            return None
        return fs.read(path)
    except XrsimError as e:
        reason = str(e).removeprefix(f"{path}: ")
        ctx.line(f"%Error opening {path} ({reason})")
        return None


def _paste(ctx: Ctx) -> Generator[Prompt, str, bytes | None]:
    text = yield from read_paste(ctx, "public key")
    return None if text is None else text.encode()


def _import_authentication(ctx: Ctx) -> Interaction:
    label = str(ctx.args.get("label", DEFAULT_LABEL))
    path = ctx.args.get("path")
    if path is not None:
        data = _read_key_file(ctx, str(path))
    else:
        data = yield from _paste(ctx)
    if data is None:
        return
    try:
        key: PublicKey = decode_authentication_key(data)
    except CryptoError as e:
        reason = str(e).removeprefix("invalid key: ")
        ctx.line(f"% Invalid public key: {reason}")
        return
    store = ctx.device.keys
    if store.authentication_key(label) is not None:
        ctx.line(f"% You already have a public key defined for {label}")
        if not (yield from ask_yes_no(ctx, "Do you really want to replace it? [yes/no]: ")):
            return
    usage: Usage = "signing" if ctx.has("usage-keys") else "general"
    try:
        store.import_authentication(label, key, usage, owner=ctx.session.user)
    except StorageError as e:
        _not_saved(ctx, KEY_NOT_SAVED, e)


def _zeroize_authentication(ctx: Ctx) -> Interaction:
    store = ctx.device.keys
    wanted = ctx.args.get("label")
    labels = [e.label for e in store.authentication_keys()]
    if wanted is not None:
        if wanted not in labels:
            ctx.line(f"% No RSA authentication key is defined for {wanted}")
            return
        labels = [str(wanted)]
    elif not labels:
        ctx.line("% No RSA authentication keys are defined")
        return
    ctx.line(f"% Keys to be removed are named {', '.join(labels)}")
    if not (yield from ask_yes_no(ctx, REMOVE_QUESTION)):
        return
    try:
        with store.transaction():
            for label in labels:
                store.delete_authentication(label)
    except StorageError as e:
        _not_saved(ctx, KEYS_NOT_REMOVED, e)


def _show_authentication(ctx: Ctx) -> None:
    store = ctx.device.keys
    wanted = ctx.args.get("label")
    blocks: list[list[str]] = []
    for entry in store.authentication_keys():
        if wanted is not None and entry.label != wanted:
            continue
        try:
            key = store.load_authentication(entry)
        except (XrsimError, OSError) as e:
            ctx.line(f"% Cannot read the RSA authentication key {entry.label} ({e})")
            continue
        kind = "RSA public key authentication"
        if entry.usage != "general":
            kind += " (usage keys)"
        imported = f"Imported : {xr_time(entry.imported)}"
        blocks.append(_key_block(entry.label, kind, entry.bits, imported, key.to_der()))
    _print_blocks(ctx, blocks)


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "crypto": "Encryption module",
            "key": "Long term key operations",
            "generate": "Generate new keys",
            "zeroize": "Remove keys",
            "import": "Import a key",
            "authentication": "Public keys of users for SSH authentication",
            "mypubkey": "The router's public keys",
            "rsa": "RSA keys",
            "dsa": "DSA keys",
            "ecdsa": "ECDSA keys",
            "ed25519": "ED25519 keys",
            "nistp256": "NIST P-256 curve",
            "nistp384": "NIST P-384 curve",
            "nistp521": "NIST P-521 curve",
            "usage-keys": "Separate key pairs for signing and encryption",
            "general-keys": "One general purpose key pair",
            "system-root-key": "The system root key (Crosswork Trust Insights)",
            "system-enroll-key": "The system enrollment key (Crosswork Trust Insights)",
            "all": "All keys",
        }
    )

    x, r = EXEC_TASKS, READ_TASKS
    reg.command(
        "exec",
        f"crypto key generate rsa [ {{ usage-keys | general-keys }} ] {_LABEL}",
        _generate_rsa,
        tasks=x,
        requires=SEC,
    )
    reg.command("exec", f"crypto key generate dsa {_LABEL}", _generate_dsa, tasks=x, requires=SEC)
    reg.command(
        "exec",
        f"crypto key generate ecdsa {{ nistp256 | nistp384 | nistp521 }} {_LABEL}",
        _generate_ecdsa,
        tasks=x,
        requires=SEC,
    )
    reg.command(
        "exec",
        f"crypto key generate ed25519 {_LABEL}",
        _generate_ed25519,
        tasks=x,
        requires=SEC_ED25519,
    )
    reg.command(
        "exec",
        "crypto key zeroize { rsa | dsa | ecdsa } [ <label:NAME> ]",
        _zeroize,
        tasks=x,
        requires=SEC,
    )
    reg.command(
        "exec",
        "crypto key zeroize ed25519 [ <label:NAME> ]",
        _zeroize,
        tasks=x,
        requires=SEC_ED25519,
    )
    # The label form first: a word that is a valid label is a label, anything else a path.
    reg.command(
        "exec",
        "crypto key import authentication rsa [ { usage-keys | general-keys } ] "
        "[ <label:NAME> [ <path:WORD> ] ]",
        _import_authentication,
        tasks=x,
        requires=SEC,
    )
    reg.command(
        "exec",
        "crypto key import authentication rsa [ { usage-keys | general-keys } ] <path:WORD>",
        _import_authentication,
        tasks=x,
        requires=SEC,
    )
    reg.command(
        "exec",
        "crypto key zeroize authentication rsa [ { all | <label:NAME> } ]",
        _zeroize_authentication,
        tasks=x,
        requires=SEC,
    )
    reg.command(
        "exec",
        "show crypto key mypubkey { rsa | dsa | ecdsa } [ <label:NAME> ]",
        _show_mypubkey,
        tasks=r,
        requires=SEC,
    )
    reg.command(
        "exec",
        "show crypto key mypubkey ed25519 [ <label:NAME> ]",
        _show_mypubkey,
        tasks=r,
        requires=SEC_ED25519,
    )
    reg.command(
        "exec",
        "show crypto key authentication rsa [ { all | <label:NAME> } ]",
        _show_authentication,
        tasks=r,
        requires=SEC,
    )
