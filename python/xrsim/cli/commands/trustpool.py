"""The CA trustpool: ``crypto ca trustpool import url clean``, ``crypto ca trustpool import url
URL``, ``show crypto ca trustpool``, ``show crypto ca trustpool policy`` and the configuration
submode ``crypto ca trustpool policy`` (``config-trustpool``: ``cabundle url``, ``crl
optional``, ``description``, ``vrf``).

``xrsim.pki.trustpool.TrustPool`` (``ctx.device.trustpool``) does the work: an import downloads
the bundle (HTTP or TFTP, inside the VRF: a ``tftp://`` URL's ``;VRF``, else the policy's
``vrf``) and replaces the downloaded pool in one transaction; a failure prints a ``%`` line with
the reason in words and changes nothing. ``show crypto ca trustpool`` prints each active
certificate in the seed's layout (``Trustpool: Built-In CA certificate`` or ``Trustpool:
Downloaded CA certificate``, then Serial Number, Subject, Issued By, Validity Start and End, SHA1
Fingerprint, as ``show crypto ca certificates`` prints a CA certificate). ``show crypto ca
trustpool policy`` follows IOS's ``show crypto pki trustpool policy`` (``Trustpool Policy``,
``Trustpool revocation checking is ...``, ``CA Bundle Location: ...``) and adds the description,
VRF, earliest expiry and the next automatic update or warning. Task IDs are the crypto CA
commands': ``execute`` crypto for the import, ``read`` crypto for the shows, ``write`` crypto
for the policy.
"""

from __future__ import annotations

from cryptography import x509

from xrsim.cli.commands.crypto_ca import CRYPTO_EXEC, CRYPTO_READ, CRYPTO_WRITE, SEC
from xrsim.cli.context import Ctx
from xrsim.cli.messages import TRUSTPOOL_NOT_CLEANED, TRUSTPOOL_NOT_SAVED
from xrsim.cli.registry import Item, Registry
from xrsim.clock import xr_time
from xrsim.errors import InvalidInput, NetworkError, StorageError, TrustpoolError
from xrsim.pki.download import SCHEMES, scheme_of
from xrsim.pki.trustpool import POLICY
from xrsim.pki.x509 import Described

__all__ = ["IMPORT_CLEAN", "IMPORT_URL", "register"]

IMPORT_CLEAN = "crypto ca trustpool import url clean"
IMPORT_URL = "crypto ca trustpool import url <url:WORD>"
MODE = "config-trustpool"


def _reason(e: NetworkError | InvalidInput | TrustpoolError) -> str:
    return str(getattr(e, "reason", None) or e).rstrip(".")


def _import(ctx: Ctx) -> None:
    url = str(ctx.args["url"])
    pool = ctx.device.trustpool
    ctx.line(f"Reading file from {url}")
    try:
        count = pool.import_url(url)
    except StorageError as e:
        ctx.session.last_error = e
        ctx.line(TRUSTPOOL_NOT_SAVED.format(reason=e.reason))
        return
    except (NetworkError, InvalidInput, TrustpoolError) as e:
        ctx.line(f"% Trustpool import failed: {_reason(e)}.")
        return
    ctx.line(f"% Trustpool import succeeded: {count} CA certificates imported.")


def _clean(ctx: Ctx) -> None:
    try:
        ctx.device.trustpool.clean()
    except StorageError as e:
        ctx.session.last_error = e
        ctx.line(TRUSTPOOL_NOT_CLEANED.format(reason=e.reason))


def _describe(ctx: Ctx, cert: x509.Certificate) -> None:
    d = Described(cert)
    ctx.line(f"  Serial Number  : {d.serial}")
    ctx.line("  Subject:")
    ctx.line(f"  \t{d.subject}")
    ctx.line("  Issued By      :")
    ctx.line(f"  \t{d.issuer}")
    ctx.line(f"  Validity Start : {xr_time(d.not_before)}")
    ctx.line(f"  Validity End   : {xr_time(d.not_after)}")
    ctx.line("  SHA1 Fingerprint:")
    ctx.line(f"  \t{d.sha1}")


def _show(ctx: Ctx) -> None:
    for entry in ctx.device.trustpool.entries():
        if not entry.active:
            continue
        ctx.line("")
        kind = "Built-In" if entry.builtin else "Downloaded"
        ctx.line(f"Trustpool: {kind} CA certificate")
        _describe(ctx, entry.certificate)


def _show_policy(ctx: Ctx) -> None:
    pool = ctx.device.trustpool
    policy = pool.policy()
    ctx.line("")
    ctx.line("Trustpool Policy")
    ctx.line("")
    ctx.line(f"Trustpool revocation checking is {'disabled' if policy.crl_optional else 'enabled'}")
    ctx.line(f"CA Bundle Location: {policy.cabundle_url or 'not configured'}")
    if policy.description:
        ctx.line(f"Description: {policy.description}")
    if policy.vrf:
        ctx.line(f"VRF: {policy.vrf}")
    last = pool.last_import()
    if last is not None:
        source, when, count = last
        ctx.line(
            f"Downloaded CA certificates: {count}, imported {xr_time(when)}"
            + (f" from {source}" if source else "")
        )
    earliest = pool.earliest_expiry()
    if earliest is not None:
        ctx.line(f"Trustpool expires: {xr_time(earliest)}")
    nxt = pool.next_event()
    if nxt is not None:
        what = "Next automatic update" if policy.cabundle_url else "Next expiration warning"
        ctx.line(f"{what}: {xr_time(nxt)}")


def _check_url(ctx: Ctx) -> str | None:
    url = str(ctx.args["url"])
    if scheme_of(url) in (*SCHEMES, "https"):
        return None
    ctx.invalid_at(ctx.match.columns[-1])
    return "invalid url"


def _check_import_url(ctx: Ctx) -> None:
    if _check_url(ctx) is None:
        _import(ctx)


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "trustpool": "CA trustpool",
            "policy": "Trustpool policy",
            "clean": "Remove all downloaded CA certificates",
            "cabundle": "CA certificate bundle",
            "description": "Description of the trustpool policy",
        }
    )
    reg.add_mode(MODE, "config", MODE)
    w = CRYPTO_WRITE
    reg.command("config", POLICY.POLICY, tasks=w, requires=SEC, item=Item(submode=MODE))
    reg.command(MODE, POLICY.CABUNDLE_URL, tasks=w, item=Item(key_words=2, check=_check_url))
    reg.command(MODE, POLICY.CRL_OPTIONAL, tasks=w, item=Item(key_words=2))
    reg.command(MODE, POLICY.DESCRIPTION, tasks=w, item=Item(key_words=1))
    reg.command(MODE, POLICY.VRF, tasks=w, item=Item(key_words=1))

    x = CRYPTO_EXEC
    reg.command("exec", IMPORT_CLEAN, _clean, tasks=x, requires=SEC)
    reg.command("exec", IMPORT_URL, _check_import_url, tasks=x, requires=SEC)
    reg.command("exec", "show crypto ca trustpool", _show, tasks=CRYPTO_READ, requires=SEC)
    reg.command(
        "exec", "show crypto ca trustpool policy", _show_policy, tasks=CRYPTO_READ, requires=SEC
    )
