"""The data dossier: ``show platform security integrity dossier`` as a JSON document (layer 4).

Imports ``xrsim.chassis`` (nodes, reboot history), ``xrsim.crypto.ima`` (the measurement lists),
``xrsim.clock`` and ``xrsim.errors``; never ``cli``/``router``. The CLI command
(``xrsim.cli.commands.integrity``) parses the line with ``parse_include`` /
``parse_incremental_ima``, decides which sections the user may read (task IDs are the CLI's),
and hands ``collect`` / ``collect_incremental_ima`` a ``Sources``: the chassis, the router's
package manager, fingerprints, IMA logs and filesystem inventory (structural ``Protocol`` s
here: the dossier reads only what it names), and ``show``, which runs one of the router's own
``show`` commands as the requesting user (the text sections are that command's output, not a
copy of it). ``render`` gives the document's text.

- ``Request``: the parsed ``include`` line (selectors, nonce, filesystem-inventory options).
- ``ImaStart``: one node's start of an incremental IMA request.
- ``DossierInputError`` (``xrsim.errors``): a bad line, with the column of the bad word.

The document (docs/formats.md "Dossier"): ``collection-start-time`` (router clock, seconds since
the epoch), ``model-name`` ``http://cisco.com/ns/yang/Cisco-IOS-XR-ama``, ``model-revision``,
``nonce`` (when given), then one object per section, each with its ``result-code``
(``Success``, ``Not authorized``, ``Error`` with ``error``): always ``license-udi``, ``version``
and ``platform``, then the selected ones in the order of ``SELECTORS``, and
``collection-end-time``.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from xrsim.chassis import Chassis
from xrsim.crypto import ima as crypto_ima
from xrsim.errors import DossierInputError, XrsimError

__all__ = [
    "ALWAYS",
    "MODEL_NAME",
    "MODEL_REVISION",
    "SELECTORS",
    "ImaStart",
    "Request",
    "Sources",
    "collect",
    "collect_incremental_ima",
    "parse_include",
    "parse_incremental_ima",
    "render",
]

MODEL_NAME = "http://cisco.com/ns/yang/Cisco-IOS-XR-ama"
MODEL_REVISION = "2019-08-05"
#: The selectors of ``include``, in the order their sections appear in the document.
SELECTORS = (
    "packages",
    "reboot-history",
    "rollback-history",
    "system-integrity-snapshot",
    "system-inventory",
    "filesystem-inventory",
)
#: Sections every dossier carries, and the ``show`` command each one is.
ALWAYS = {
    "license-udi": "show license udi",
    "version": "show version",
    "platform": "show platform",
}
#: Selectors that are a ``show`` command's output.
SHOW_SECTIONS = {"system-inventory": "show inventory"}

SUCCESS = "Success"
NOT_AUTHORIZED = "Not authorized"
ERROR = "Error"

_MAX_NONCE = (1 << 64) - 1
_OPTIONS_WORD = "filesystem-inventory-options"
_FS_OPTION_KEYS = ("block_start", "count")
_START_TIME_FORMAT = "%a %b %d %H:%M:%S %Y"


# -- what the dossier reads ------------------------------------------------------------------


class PackageFileLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def mode(self) -> int: ...


class PackageLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def release(self) -> str: ...
    @property
    def arch(self) -> str: ...
    @property
    def gpg_key_id(self) -> str: ...
    @property
    def files(self) -> Sequence[PackageFileLike]: ...
    @property
    def nvr(self) -> str: ...
    @property
    def prefix(self) -> str: ...


class PackageSource(Protocol):
    """``router.packages``: the active packages and the install log."""

    def active(self) -> Sequence[PackageLike]: ...
    def log(self) -> Sequence[Any]: ...


class FingerprintSource(Protocol):
    """``router.fingerprints``: install-time and run-time fingerprints."""

    @property
    def status(self) -> str: ...
    @property
    def timestamp(self) -> datetime | None: ...
    def install_time(self, pkg: Any) -> str: ...
    def run_time(self, pkg: Any) -> str: ...


class ImaSnapshotLike(Protocol):
    @property
    def boot_time(self) -> datetime: ...
    @property
    def events(self) -> Sequence[Any]: ...
    @property
    def pcrs(self) -> Mapping[str, bytes]: ...
    @property
    def length(self) -> int: ...


class NodeImaLike(Protocol):
    def events(self, start_event: int = 0, start_time: datetime | None = None) -> Sequence[Any]: ...
    def snapshot(
        self, start_event: int = 0, start_time: datetime | None = None
    ) -> ImaSnapshotLike: ...
    def binary(self) -> bytes: ...
    def pcrs(self) -> dict[str, bytes]: ...


class ImaSource(Protocol):
    """``router.ima``: one measurement list per node that runs IOS XR."""

    def log(self, node: str) -> NodeImaLike: ...


class InventorySource(Protocol):
    """``router.fsinventory``: the filesystem inventory snapshots."""

    def collect(self, options: Mapping[str, Mapping[str, int]] | None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Sources:
    """What one dossier is collected from. ``show(command)`` runs the router's ``show``
    command as the requesting user and returns its text, None when the user may not run it;
    ``allowed``: the selectors whose data the user may read (the CLI decides by task ID).
    A source that is None makes its section an ``Error``."""

    chassis: Chassis
    now: Callable[[], datetime]
    show: Callable[[str], str | None]
    allowed: frozenset[str]
    packages: PackageSource | None = None
    fingerprints: FingerprintSource | None = None
    ima: ImaSource | None = None
    fsinventory: InventorySource | None = None


# -- the request -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """``include SELECTORS... [nonce N] [filesystem-inventory-options JSON]``."""

    selectors: tuple[str, ...]
    nonce: int | None = None
    fs_options: Mapping[str, Mapping[str, int]] | None = None


@dataclass(frozen=True)
class ImaStart:
    """Where one node's incremental IMA starts: events numbered above ``start_event``,
    measured at or after ``start_time`` (when given)."""

    node: str
    start_event: int = 0
    start_time: datetime | None = None


@dataclass
class _Words:
    """The words of a line after its command, with their columns (quoted values whole)."""

    text: str
    base: int
    pos: int = 0
    words: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                break
            start = i
            if text[i] in "'\"":
                end = text.find(text[i], i + 1)
                if end < 0:
                    raise DossierInputError("unterminated quoted value", self.base + start)
                i = end + 1
            elif text[i] == "{":
                i = _brace_end(text, i)
                if i < 0:
                    raise DossierInputError("unbalanced braces", self.base + start)
            else:
                while i < n and not text[i].isspace():
                    i += 1
            self.words.append((text[start:i], self.base + start))

    def next(self) -> tuple[str, int] | None:
        if self.pos >= len(self.words):
            return None
        word = self.words[self.pos]
        self.pos += 1
        return word

    def end(self) -> int:
        return self.base + len(self.text.rstrip())


def _brace_end(text: str, i: int) -> int:
    """The index after the ``}`` that closes the ``{`` at ``i`` (outside quotes), or -1."""
    depth, quote = 0, ""
    for j in range(i, len(text)):
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _keyword(word: str, choices: Iterable[str]) -> str | None:
    """IOS XR keyword matching: the exact word, else the one keyword it abbreviates."""
    low = word.lower()
    options = list(choices)
    if low in options:
        return low
    found = [c for c in options if c.startswith(low)]
    return found[0] if len(found) == 1 else None


def _value(word: str) -> Any:
    """A JSON (or Python literal: the seed quotes IOS XR's own form, single-quoted keys)
    value, its quotes removed; ``ValueError`` when it is neither."""
    if word[:1] in "'\"" and word[-1:] == word[:1] and len(word) >= 2:
        word = word[1:-1]
    try:
        return json.loads(word)
    except ValueError:
        pass
    try:
        return ast.literal_eval(word)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(word) from None


def _nonce(words: _Words) -> int:
    value = words.next()
    if value is None:
        raise DossierInputError("nonce needs a number", words.end(), incomplete=True)
    if not value[0].isdigit() or int(value[0]) > _MAX_NONCE:
        raise DossierInputError(f"nonce must be 0 to {_MAX_NONCE}", value[1])
    return int(value[0])


def parse_include(text: str, column: int, chassis: Chassis) -> Request:
    """The words after ``include`` (``text``, starting at ``column`` of the line). Raises
    ``DossierInputError`` with the column of the first bad word."""
    words = _Words(text, column)
    selectors: list[str] = []
    nonce: int | None = None
    fs_options: dict[str, dict[str, int]] | None = None
    options_at = -1
    while (item := words.next()) is not None:
        word, col = item
        kw = _keyword(word, (*SELECTORS, "nonce", _OPTIONS_WORD))
        if kw is None:
            raise DossierInputError(f"unknown selector {word!r}", col)
        if kw == "nonce":
            if nonce is not None:
                raise DossierInputError("nonce given twice", col)
            nonce = _nonce(words)
        elif kw == _OPTIONS_WORD:
            if fs_options is not None:
                raise DossierInputError(f"{_OPTIONS_WORD} given twice", col)
            value = words.next()
            if value is None:
                raise DossierInputError(f"{_OPTIONS_WORD} needs JSON", words.end(), incomplete=True)
            fs_options = _fs_options(value[0], value[1], chassis)
            options_at = col
        elif kw in selectors:
            raise DossierInputError(f"selector {kw} given twice", col)
        else:
            selectors.append(kw)
    if not selectors:
        raise DossierInputError("no selector given", words.end(), incomplete=True)
    if fs_options is not None and "filesystem-inventory" not in selectors:
        raise DossierInputError(
            f"{_OPTIONS_WORD} needs the filesystem-inventory selector", options_at
        )
    ordered = tuple(s for s in SELECTORS if s in selectors)
    return Request(ordered, nonce, fs_options)


def _node_name(chassis: Chassis, name: object, col: int) -> str:
    if not isinstance(name, str):
        raise DossierInputError(f"not a node name: {name!r}", col)
    try:
        node = chassis.node(name)
    except XrsimError:
        raise DossierInputError(f"no node {name}", col) from None
    if not node.runs_xr:
        raise DossierInputError(f"{name} does not run IOS XR", col)
    return node.name


def _fs_options(word: str, col: int, chassis: Chassis) -> dict[str, dict[str, int]]:
    """``{"0/RP0/CPU0": {"block_start": 0, "count": 1}}``: per node, integers >= 0 (count
    >= 1)."""
    try:
        value = _value(word)
    except ValueError:
        raise DossierInputError(f"{_OPTIONS_WORD}: not JSON: {word}", col) from None
    if not isinstance(value, dict) or not value:
        raise DossierInputError(f"{_OPTIONS_WORD}: expected an object of nodes", col)
    out: dict[str, dict[str, int]] = {}
    for name, opts in value.items():
        node = _node_name(chassis, name, col)
        if not isinstance(opts, dict):
            raise DossierInputError(f"{_OPTIONS_WORD}: {name}: expected an object", col)
        picked: dict[str, int] = {}
        for key, number in opts.items():
            if key not in _FS_OPTION_KEYS:
                raise DossierInputError(f"{_OPTIONS_WORD}: {name}: unknown option {key!r}", col)
            low = 1 if key == "count" else 0
            if isinstance(number, bool) or not isinstance(number, int) or number < low:
                raise DossierInputError(
                    f"{_OPTIONS_WORD}: {name}: {key} must be an integer >= {low}", col
                )
            picked[key] = number
        out[node] = picked
    return out


def parse_incremental_ima(text: str, column: int, chassis: Chassis) -> list[ImaStart]:
    """``{'ima_start': [{'0/RP0/CPU0': {'start_event': 1000, 'start_time': 'Tue Feb 16
    09:15:17 2021'}}]}`` (JSON or the seed's single-quoted form, quoted as one word)."""
    words = _Words(text, column)
    item = words.next()
    if item is None:
        raise DossierInputError("incremental-ima needs JSON", words.end(), incomplete=True)
    extra = words.next()
    if extra is not None:
        raise DossierInputError("one JSON value expected", extra[1])
    word, col = item
    try:
        value = _value(word)
    except ValueError:
        raise DossierInputError(f"incremental-ima: not JSON: {word}", col) from None
    starts = value.get("ima_start") if isinstance(value, dict) else None
    if not isinstance(starts, list) or not starts or set(value) != {"ima_start"}:
        raise DossierInputError("incremental-ima: expected {'ima_start': [{NODE: {...}}]}", col)
    out: list[ImaStart] = []
    for entry in starts:
        if not isinstance(entry, dict) or not entry:
            raise DossierInputError("incremental-ima: each ima_start item is {NODE: {...}}", col)
        for name, opts in entry.items():
            node = _node_name(chassis, name, col)
            if not isinstance(opts, dict) or not set(opts) <= {"start_event", "start_time"}:
                raise DossierInputError(
                    f"incremental-ima: {name}: expected start_event and start_time", col
                )
            event = opts.get("start_event", 0)
            if isinstance(event, bool) or not isinstance(event, int) or event < 0:
                raise DossierInputError(
                    f"incremental-ima: {name}: start_event must be an integer >= 0", col
                )
            when = opts.get("start_time")
            start_time = None
            if when is not None:
                try:
                    start_time = datetime.strptime(str(when), _START_TIME_FORMAT).replace(
                        tzinfo=UTC
                    )
                except ValueError:
                    raise DossierInputError(
                        f"incremental-ima: {name}: start_time is not like "
                        "'Tue Feb 16 09:15:17 2021'",
                        col,
                    ) from None
            out.append(ImaStart(node, event, start_time))
    return out


# -- collection ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """Records as JSON: dataclasses as objects (keys with ``-``), times as ISO 8601,
    packages as their name-version-release, bytes as hex."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "nvr") and hasattr(value, "files"):
        return value.nvr
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name.replace("_", "-"): _jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _epoch(when: datetime) -> float:
    return round(when.timestamp(), 6)


def _text(output: str) -> str:
    """A ``show`` command's output without its leading and trailing blank lines."""
    return output.strip("\n") + "\n"


def _show_section(sources: Sources, name: str, command: str) -> dict[str, Any]:
    output = sources.show(command)
    if output is None:
        return {"result-code": NOT_AUTHORIZED}
    return {"result-code": SUCCESS, name: _text(output)}


def _packages(sources: Sources) -> Any:
    pm, fp = sources.packages, sources.fingerprints
    if pm is None or fp is None:
        raise _Unavailable("the package manager or fingerprints are not available")
    stamp = fp.timestamp
    out = []
    for pkg in pm.active():
        out.append(
            {
                "name": pkg.name,
                "version": pkg.version,
                "release": pkg.release,
                "arch": pkg.arch,
                "nvr": pkg.nvr,
                "gpg-key-id": pkg.gpg_key_id,
                "rpm-fingerprint-install-time": fp.install_time(pkg),
                "rpm-fingerprint-run-time": fp.run_time(pkg),
                "rpm-fingerprint-status": fp.status,
                "rpm-fingerprint-timestamp": None if stamp is None else stamp.isoformat(),
                "prefix": pkg.prefix,
                "files": [
                    {"path": f.path, "sha256": f.digest, "size": f.size, "mode": f.mode}
                    for f in pkg.files
                ],
            }
        )
    return out


def _reboot_history(sources: Sources) -> Any:
    ch = sources.chassis
    return [
        {
            "node-location": node.name,
            "reboots": [
                {"number": i, "time": r.time.isoformat(), "reason": r.reason}
                for i, r in enumerate(ch.reboot_history(node.name), 1)
            ],
        }
        for node in ch.nodes
        if node.runs_xr
    ]


def _rollback_history(sources: Sources) -> Any:
    if sources.packages is None:
        raise _Unavailable("the package manager is not available")
    return [_jsonable(record) for record in sources.packages.log()]


def _event_json(event: Any) -> dict[str, Any]:
    """One ``NodeIma`` event (``xrsim.integrity.ima.ImaEvent``) in the YANG ``IMA-EVENT``
    shape: its fields with ``-`` for ``_`` (event-number, ima-template, filename-hint,
    filedata-hash, template-hash-algorithm, template-hash, pcr-index, signature, time...)."""
    data = _jsonable(event)
    return data if isinstance(data, dict) else {"event": data}


#: Reads of a node's list and its snapshot that may race with a new measurement.
_SNAPSHOT_TRIES = 5


def _snapshot_node(node: str, log: NodeImaLike) -> dict[str, Any]:
    """The node's whole measurement list (binary, as the kernel exports it), its events and
    PCR 10 values, read so that they agree (a measurement made between the reads is retried)."""
    for _ in range(_SNAPSHOT_TRIES):
        binary = log.binary()
        snap = log.snapshot()
        if snap.length == len(snap.events) == len(crypto_ima.parse(binary)):
            break
    else:
        raise _Unavailable(f"{node}: the IMA list kept changing while it was read")
    return {
        "node-location": node,
        "ima-template": "ima-ng",
        "pcr-index": 10,
        "boot-time": snap.boot_time.isoformat(),
        "pcr-values": {bank: value.hex() for bank, value in sorted(snap.pcrs.items())},
        "event-count": snap.length,
        "binary-runtime-measurements": base64.b64encode(binary).decode("ascii"),
        "events": [_event_json(e) for e in snap.events],
    }


def _snapshot(sources: Sources) -> Any:
    ima = sources.ima
    if ima is None:
        raise _Unavailable("IMA is not available")
    return [_snapshot_node(n.name, ima.log(n.name)) for n in sources.chassis.nodes if n.runs_xr]


def _filesystem_inventory(sources: Sources, options: Mapping[str, Mapping[str, int]] | None) -> Any:
    if sources.fsinventory is None:
        raise _Unavailable("the filesystem inventory is not available")
    return sources.fsinventory.collect(options)


class _Unavailable(XrsimError):
    """A section's source is missing on this router."""


def _section(sources: Sources, name: str, make: Callable[[], Any]) -> dict[str, Any]:
    if name not in sources.allowed:
        return {"result-code": NOT_AUTHORIZED}
    try:
        return {"result-code": SUCCESS, name: make()}
    except XrsimError as e:
        return {"result-code": ERROR, "error": str(e)}


def _header(sources: Sources, nonce: int | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "collection-start-time": _epoch(sources.now()),
        "model-name": MODEL_NAME,
        "model-revision": MODEL_REVISION,
    }
    if nonce is not None:
        doc["nonce"] = nonce
    for name, command in ALWAYS.items():
        doc[name] = _show_section(sources, name, command)
    return doc


def collect(sources: Sources, request: Request) -> dict[str, Any]:
    """The dossier ``request`` asks for, as a JSON-able document."""
    doc = _header(sources, request.nonce)
    makers: dict[str, Callable[[], Any]] = {
        "packages": lambda: _packages(sources),
        "reboot-history": lambda: _reboot_history(sources),
        "rollback-history": lambda: _rollback_history(sources),
        "system-integrity-snapshot": lambda: _snapshot(sources),
        "filesystem-inventory": lambda: _filesystem_inventory(sources, request.fs_options),
    }
    for name in request.selectors:
        if name in SHOW_SECTIONS:
            doc[name] = _show_section(sources, name, SHOW_SECTIONS[name])
        else:
            doc[name] = _section(sources, name, makers[name])
    doc["collection-end-time"] = _epoch(sources.now())
    return doc


def collect_incremental_ima(sources: Sources, starts: Sequence[ImaStart]) -> dict[str, Any]:
    """``incremental-ima``: per node, the events after ``start_event`` measured at or after
    ``start_time``, with the node's PCR values now."""
    doc = _header(sources, None)

    def make() -> Any:
        ima = sources.ima
        if ima is None:
            raise _Unavailable("IMA is not available")
        out = []
        for start in starts:
            snap = ima.log(start.node).snapshot(start.start_event, start.start_time)
            when = start.start_time
            out.append(
                {
                    "node-location": start.node,
                    "start-event": start.start_event,
                    "start-time": None if when is None else when.isoformat(),
                    "boot-time": snap.boot_time.isoformat(),
                    "pcr-values": {b: v.hex() for b, v in sorted(snap.pcrs.items())},
                    "event-count": snap.length,
                    "events": [_event_json(e) for e in snap.events],
                }
            )
        return out

    doc["incremental-ima"] = _section(sources, "incremental-ima", make)
    doc["collection-end-time"] = _epoch(sources.now())
    return doc


def render(doc: Mapping[str, Any]) -> str:
    """The document's text as IOS XR prints it: one line, the top-level keys without spaces
    (``{"collection-start-time":1610168028.380901,"model-name":...``), each section as its
    component writes it (``{"result-code": "Success", ...}``)."""
    parts = [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in doc.items()]
    return "{" + ",".join(parts) + "}\n"
