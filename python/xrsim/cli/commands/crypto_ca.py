"""Certification authority interoperability: ``crypto ca trustpoint`` (the ``config-trustp``
submode), ``crypto ca authenticate``, ``crypto ca enroll``, ``crypto ca import``,
``show crypto ca certificates`` and ``clear crypto ca certificates``.

Enrollment methods: ``enrollment url self`` (the trustpoint's own two-tier CA, the seed's Trust
Insights ``system-trustpoint``), ``enrollment terminal`` (cut and paste), and the remote ones,
``enrollment url http://...`` (SCEP) and ``enrollment url tftp://ADDR;VRF/NAME`` (manual
enrollment over TFTP), carried out inside the trustpoint's VRF. This module holds their
dialogues (the seed's: the CA certificate's serial, subject, issuer, validity and SHA-1
fingerprint, ``Do you accept this certificate? [yes/no]:``; ``% Start certificate enrollment
...``, the challenge password twice, never stored, the subject questions, the request's
``Fingerprint:``); ``xrsim.pki.enrollment.Enrollment`` (``ctx.device.enrollment``) does the
exchanges, stores what came back in one transaction and polls pending requests on the router's
scheduler. A failure prints IOS XR's ``%`` line with the reason in words and changes nothing.
"""

from __future__ import annotations

from collections.abc import Generator

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from xrsim.cli.context import Ctx, Interaction, Prompt, ask_yes_no, read_paste
from xrsim.cli.messages import CERT_NOT_SAVED, CERTS_NOT_CLEARED
from xrsim.cli.registry import Item, Registry
from xrsim.clock import xr_time
from xrsim.crypto import KeyType, PrivateKey, PublicKey, public_to_cryptography
from xrsim.errors import (
    InvalidInput,
    NetworkError,
    ScepError,
    StateError,
    StorageError,
)
from xrsim.pki import DEFAULT_LABEL
from xrsim.pki.enrollment import CaBundle, Location, Request, Result
from xrsim.pki.trustpoint import TP, Trustpoint, Usage, router_serial_id
from xrsim.pki.x509 import (
    KEY_USAGES,
    UNSTRUCTURED_ADDRESS,
    UNSTRUCTURED_NAME,
    Described,
    csr,
    issue,
    load_certificate,
    parse_subject,
    self_signed_ca,
)

__all__ = ["register"]

SEC = "security-in-base-image"
CRYPTO_EXEC = (("execute", "crypto"),)
CRYPTO_READ = (("read", "crypto"),)
CRYPTO_WRITE = (("write", "crypto"),)
CA_KEY_LIMIT = "% The software does not support CA server public keys greater than 2048 bits."
USAGE_LABELS = {"general": "General Purpose", "signing": "Signature", "encryption": "Encryption"}


# -- helpers ----------------------------------------------------------------------------------


def _trustpoint(ctx: Ctx, name: str) -> Trustpoint | None:
    node = ctx.device.datastore.running_copy().get([f"crypto ca trustpoint {name}"])  # its key
    if node is None:
        ctx.line(f"% Trustpoint {name} is not configured.")
        return None
    return Trustpoint.from_config(name, node)


def _keys(ctx: Ctx, kind: KeyType, label: str) -> dict[Usage, PrivateKey]:
    store = ctx.device.keys
    return {e.usage: store.load(e) for e in store.entries(kind) if e.label == label}


def _paste_certificate(ctx: Ctx, what: str) -> Generator[Prompt, str, x509.Certificate | None]:
    """A certificate pasted at the terminal (PEM or base64 DER); None, with the reason
    printed, when nothing usable was pasted."""
    text = yield from read_paste(ctx, what)
    if text is None:
        return None
    try:
        return load_certificate(text)
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return None


def _describe(ctx: Ctx, cert: x509.Certificate, *, indent: str = "") -> None:
    d = Described(cert)
    ctx.line(f"{indent}Serial Number  : {d.serial}")
    ctx.line(f"{indent}Subject:")
    ctx.line(f"{indent}\t{d.subject}")
    ctx.line(f"{indent}Issued By      :")
    ctx.line(f"{indent}\t{d.issuer}")
    ctx.line(f"{indent}Validity Start : {xr_time(d.not_before)}")
    ctx.line(f"{indent}Validity End   : {xr_time(d.not_after)}")
    ctx.line(f"{indent}SHA1 Fingerprint:")
    ctx.line(f"{indent}\t{d.sha1}")


def _ca_key_too_large(ctx: Ctx, bits: int, kind: str) -> bool:
    if kind == "rsa" and bits > 2048 and not ctx.device.chassis.supports("ca-keys-over-2048"):
        ctx.line(CA_KEY_LIMIT)
        return True
    return False


def _public_bits(cert: x509.Certificate) -> tuple[str, int]:
    pub = PublicKey.from_der(
        cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pub.key_type, pub.bits


def _has_method(ctx: Ctx, tp: Trustpoint) -> bool:
    """Whether the trustpoint has an enrollment method; False after printing that it has none."""
    if tp.enrollment is None:
        ctx.line(f"% Trustpoint {tp.name}: no enrollment method is configured.")
        return False
    return True


def _remote(tp: Trustpoint) -> bool:
    return tp.enrollment == "url" and not tp.self_enrollment


def _reason(e: NetworkError | ScepError | InvalidInput | StateError) -> str:
    """The error's reason in words, without a closing full stop."""
    return str(getattr(e, "reason", None) or e).rstrip(".")


def _sentence(e: NetworkError | ScepError | InvalidInput | StateError) -> str:
    """The reason as a ``%`` line of its own: capitalized, with its full stop."""
    reason = _reason(e)
    return f"% {reason[:1].upper()}{reason[1:]}."


CA_CERT_FAIL = (
    "% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0"
)


#: Digests IOS XR offers that pyca/cryptography no longer signs certificates with.
UNSIGNABLE_DIGESTS = ("md5", "sha1")


def _digest_refused(ctx: Ctx, tp: Trustpoint) -> bool:
    if tp.digest in UNSIGNABLE_DIGESTS:
        ctx.line(
            f"% message-digest {tp.digest} is not available for signatures in xrsim "
            "(its X.509 library refuses it); use sha256, sha384 or sha512."
        )
        return True
    return False


def _subject_lines(ctx: Ctx, dn: str | None, fqdn: str) -> None:
    if dn:
        ctx.line(f"% The subject name in the certificate will include: {dn}")
    ctx.line(f"% The subject name in the certificate will include: {fqdn}")


def _router_subject(ctx: Ctx, tp: Trustpoint) -> Generator[Prompt, str, x509.Name | None]:
    """The router certificate's subject, with IOS XR's serial-number and IP questions."""
    fqdn = ctx.device.fqdn()
    _subject_lines(ctx, tp.subject, fqdn)
    extra: list[x509.NameAttribute[str]] = [x509.NameAttribute(UNSTRUCTURED_NAME, fqdn)]
    include_serial = tp.serial_number
    if include_serial is None:
        include_serial = yield from ask_yes_no(
            ctx, "% Include the router serial number in the subject name? [yes/no]: "
        )
    rid = router_serial_id(ctx.device.chassis.serial)
    if include_serial:
        ctx.line(f"% The serial number in the certificate will be: {rid}")
    address = tp.ip_address
    if address is None and (
        yield from ask_yes_no(ctx, "% Include an IP address in the subject name? [yes/no]: ")
    ):
        address = (yield Prompt("Enter Interface name or IP Address[]: ")).strip()
    # Encoded as IOS XR does: unstructuredName, unstructuredAddress, serialNumber (so they
    # print serialNumber first).
    if address and address != "none":
        extra.append(x509.NameAttribute(UNSTRUCTURED_ADDRESS, address))
    if include_serial:
        extra.append(x509.NameAttribute(x509.NameOID.SERIAL_NUMBER, rid))
    try:
        return parse_subject(tp.subject or "", extra)
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return None


def _challenge(ctx: Ctx) -> Generator[Prompt, str, str | None]:
    """The challenge-password dialogue; the password is never stored or logged."""
    ctx.line("% Start certificate enrollment ...")
    ctx.line("% Create a challenge password. You will need to verbally provide this")
    ctx.line("   password to the CA Administrator in order to revoke your certificate.")
    ctx.line("% For security reasons your password will not be saved in the configuration.")
    ctx.line("% Please make a note of it.")
    ctx.line("")
    for _ in range(3):
        first = yield Prompt("Password: ", hidden=True)
        second = yield Prompt("Re-enter Password: ", hidden=True)
        if first == second:
            return first
        ctx.line("% Passwords do not match.")
    return None


def _not_saved(ctx: Ctx, template: str, error: StorageError) -> None:
    """Say that a certificate change could not be saved (nothing of it was kept)."""
    ctx.session.last_error = error
    ctx.line(template.format(reason=error.reason))


# -- commands ---------------------------------------------------------------------------------


def _authenticate(ctx: Ctx) -> Interaction:
    name = str(ctx.args["name"])
    tp = _trustpoint(ctx, name)
    if tp is None or not _has_method(ctx, tp):
        return
    certs = ctx.device.certs
    if certs.ca(name) is not None:
        ctx.line(f"% CA certificate already exists for trustpoint {name}.")
        ctx.line(f"% Use 'clear crypto ca certificates {name}' to remove it first.")
        return
    if _remote(tp):
        yield from _authenticate_remote(ctx, tp)
        return
    if tp.enrollment == "terminal":
        cert = yield from _paste_certificate(ctx, "CA certificate")
        if cert is None:
            return
        kind, bits = _public_bits(cert)
        if _ca_key_too_large(ctx, bits, kind):
            return
        if not _is_ca(cert):
            ctx.line("% The certificate is not a CA certificate.")
            return
        _describe(ctx, cert)
        if not (yield from ask_yes_no(ctx, "Do you accept this certificate? [yes/no]: ")):
            ctx.line("% Certificate not accepted.")
            return
        try:
            certs.set_ca(name, cert)
        except StorageError as e:
            _not_saved(ctx, CERT_NOT_SAVED, e)
        return
    # enrollment url self: the trustpoint's own CA
    if _digest_refused(ctx, tp):
        return
    if tp.ca_keypair is None:
        ctx.line(f"% Trustpoint {name}: ca-keypair is not configured.")
        return
    kind, label = tp.ca_keypair
    key = _keys(ctx, kind, label).get("general")
    if key is None:
        ctx.line(f"% Key pair {label} ({kind}) not found: 'crypto key generate {kind} {label}'.")
        return
    if _ca_key_too_large(ctx, key.bits, kind):
        return
    fqdn = ctx.device.fqdn()
    _subject_lines(ctx, tp.ca_subject, fqdn)
    rid = router_serial_id(ctx.device.chassis.serial)
    try:
        subject = parse_subject(
            tp.ca_subject or "",
            [
                x509.NameAttribute(UNSTRUCTURED_NAME, fqdn),
                x509.NameAttribute(x509.NameOID.SERIAL_NUMBER, rid),
            ],
        )
        with certs.transaction():  # the serial is used up only with the certificate stored
            cert = self_signed_ca(
                key,
                subject,
                serial=certs.next_serial(name, ctx.device.chassis.serial),
                now=ctx.device.clock.now().replace(microsecond=0),
                days=tp.ca_lifetime,
                digest=tp.digest,
                usages=tp.ca_key_usage or ["digitalsignature", "keycertsign", "crlsign"],
            )
            certs.set_ca(name, cert)
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return
    except StorageError as e:
        _not_saved(ctx, CERT_NOT_SAVED, e)
        return
    _describe(ctx, cert)


def _authenticate_remote(ctx: Ctx, tp: Trustpoint) -> Interaction:
    """SCEP (GetCACaps, GetCACert with its RA certificates) or TFTP (``NAME.ca``)."""
    enrollment = ctx.device.enrollment
    try:
        bundle = enrollment.fetch_ca(tp)
    except (NetworkError, ScepError, InvalidInput) as e:
        ctx.line(CA_CERT_FAIL)
        ctx.line(_sentence(e))
        return
    if not _acceptable_ca(ctx, bundle):
        return
    _describe(ctx, bundle.ca)
    if not (yield from ask_yes_no(ctx, "Do you accept this certificate? [yes/no]: ")):
        ctx.line("% Certificate not accepted.")
        return
    try:
        enrollment.store_ca(tp.name, bundle)
    except StorageError as e:
        _not_saved(ctx, CERT_NOT_SAVED, e)


def _acceptable_ca(ctx: Ctx, bundle: CaBundle) -> bool:
    """The CA's and RA's key sizes and the CA's basic constraints; False after saying why."""
    for cert in (bundle.ca, *bundle.ra.values()):
        kind, bits = _public_bits(cert)
        if _ca_key_too_large(ctx, bits, kind):
            return False
    if not _is_ca(bundle.ca):
        ctx.line(CA_CERT_FAIL)
        ctx.line("% The certificate the CA sent is not a CA certificate.")
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return cert.issuer == cert.subject


def _enroll(ctx: Ctx) -> Interaction:
    name = str(ctx.args["name"])
    tp = _trustpoint(ctx, name)
    if tp is None or not _has_method(ctx, tp):
        return
    certs = ctx.device.certs
    ca = certs.ca(name)
    if ca is None:
        ctx.line("% You must authenticate the Certificate Authority before you can enroll with it.")
        return
    if _digest_refused(ctx, tp):
        return
    kind, label = tp.keypair or ("rsa", DEFAULT_LABEL)
    keys = _keys(ctx, kind, label)
    if not keys:
        ctx.line(f"% Key pair {label} ({kind}) not found: 'crypto key generate {kind} {label}'.")
        return
    if tp.self_enrollment:
        yield from _enroll_self(ctx, tp, ca, kind, label, keys)
    elif _remote(tp):
        yield from _enroll_remote(ctx, tp, kind, label, keys)
    else:
        yield from _enroll_terminal(ctx, tp, keys)


def _enroll_remote(
    ctx: Ctx, tp: Trustpoint, kind: str, label: str, keys: dict[Usage, PrivateKey]
) -> Interaction:
    """SCEP (PKCSReq, or RenewalReq while a valid certificate exists and the CA offers
    Renewal) or TFTP (``FQDN.req``); the certificates issued at once are stored, pending
    requests are polled later (``Status : Pending`` until then)."""
    enrollment = ctx.device.enrollment
    try:
        loc = enrollment.location(tp)
    except InvalidInput as e:
        ctx.line(_sentence(e))
        return
    if loc.method == "scep" and kind != "rsa":
        ctx.line(
            f"% SCEP enrollment needs an RSA key pair; trustpoint {tp.name} uses {kind} {label}."
        )
        return
    if ctx.device.certs.pending(tp.name):
        ctx.line(f"% A certificate request of trustpoint {tp.name} is pending with the CA.")
        ctx.line(f"% Use 'clear crypto ca certificates {tp.name}' to cancel it first.")
        return
    password = yield from _challenge(ctx)
    if password is None:
        ctx.line("% Enrollment cancelled.")
        return
    subject = yield from _router_subject(ctx, tp)
    if subject is None:
        return
    try:
        requests = [
            Request(
                usage,
                key,
                csr(
                    key, subject, digest=tp.digest, usages=tp.key_usage, challenge=password or None
                ),
                kind,
                label,
            )
            for usage, key in keys.items()
        ]
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return
    finally:
        del password
    try:
        results = enrollment.submit(tp, requests)
    except StorageError as e:
        _not_saved(ctx, CERT_NOT_SAVED, e)
        return
    except (NetworkError, ScepError, InvalidInput, StateError) as e:
        ctx.line(f"% Certificate enrollment failed: {_reason(e)}.")
        return
    _enrolled(ctx, tp, loc, results)


def _enrolled(ctx: Ctx, tp: Trustpoint, loc: Location, results: list[Result]) -> None:
    sent = "Certificate Authority" if loc.method == "scep" else f"TFTP server {loc.host}"
    ctx.line(f"% Certificate request sent to {sent}")
    for result in results:
        if result.usage != "general":
            ctx.line(f"{result.usage.capitalize()} usage certificate request:")
        ctx.line(f"Fingerprint: {result.fingerprint}")
    for result in results:
        which = f" ({result.usage} usage)" if result.usage != "general" else ""
        if result.certificate is not None:
            ctx.line(f"% Certificate received from Certificate Authority{which}")
        else:
            ctx.line(
                f"% Certificate request pending{which}: the router polls "
                f"{'the CA' if loc.method == 'scep' else 'the TFTP server'} every "
                f"{tp.retry_period} minute(s), {tp.retry_count} times at most."
            )


def _enroll_self(
    ctx: Ctx,
    tp: Trustpoint,
    ca: x509.Certificate,
    kind: str,
    label: str,
    keys: dict[Usage, PrivateKey],
) -> Interaction:
    assert tp.ca_keypair is not None
    ca_kind, ca_label = tp.ca_keypair
    ca_key = _keys(ctx, ca_kind, ca_label).get("general")
    if ca_key is None:
        ctx.line(f"% Key pair {ca_label} ({ca_kind}) of the trustpoint's CA not found.")
        return
    subject = yield from _router_subject(ctx, tp)
    if subject is None:
        return
    usages = tp.key_usage
    type_no = {"rsa": 1, "dsa": 2, "ecdsa": 3, "ed25519": 4}[kind]
    certs = ctx.device.certs
    issued: list[x509.Certificate] = []
    try:
        with certs.transaction():  # every usage's certificate and serial, or none
            for usage, key in keys.items():
                cert = issue(
                    ca_key,
                    ca,
                    _cert_public(key),
                    subject,
                    serial=certs.next_serial(tp.name, ctx.device.chassis.serial),
                    now=ctx.device.clock.now().replace(microsecond=0),
                    days=tp.lifetime,
                    digest=tp.digest,
                    usages=usages,
                )
                certs.set_router(tp.name, usage, cert)
                issued.append(cert)
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return
    except StorageError as e:
        _not_saved(ctx, CERT_NOT_SAVED, e)
        return
    for cert in issued:
        words = Described(cert).key_usage_words()
        ctx.write(
            f"Certificate keypair configured Type: {type_no}, Label: {label}."
            f"Leaf cert key usage string: {','.join(['critical', *words]) if words else ''}. "
        )
        _describe(ctx, cert)


def _cert_public(key: PrivateKey) -> CertificatePublicKeyTypes:
    return public_to_cryptography(key.public_key())


def _enroll_terminal(ctx: Ctx, tp: Trustpoint, keys: dict[Usage, PrivateKey]) -> Interaction:
    password = yield from _challenge(ctx)
    if password is None:
        ctx.line("% Enrollment cancelled.")
        return
    subject = yield from _router_subject(ctx, tp)
    if subject is None:
        return
    if not (yield from ask_yes_no(ctx, "Display Certificate Request to terminal? [yes/no]: ")):
        return
    for usage, key in keys.items():
        try:
            request = csr(
                key, subject, digest=tp.digest, usages=tp.key_usage, challenge=password or None
            )
        except InvalidInput as e:
            ctx.line(f"% {e}")
            return
        if usage != "general":
            ctx.line(f"{usage.capitalize()} usage certificate request:")
        ctx.line("Certificate Request follows:")
        ctx.line("")
        ctx.write(request.public_bytes(serialization.Encoding.PEM).decode())
        ctx.line("")
        ctx.line("---End - This line not part of the certificate request---")
    del password


def _import(ctx: Ctx) -> Interaction:
    name = str(ctx.args["name"])
    tp = _trustpoint(ctx, name)
    if tp is None:
        return
    ca = ctx.device.certs.ca(name)
    if ca is None:
        ctx.line("% You must authenticate the Certificate Authority before you can import.")
        return
    cert = yield from _paste_certificate(ctx, "certificate")
    if cert is None:
        return
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kind, label = tp.keypair or ("rsa", DEFAULT_LABEL)
    usage = next(
        (u for u, k in _keys(ctx, kind, label).items() if k.public_key().to_der() == spki), None
    )
    if usage is None:
        ctx.line(f"% The certificate does not match any key pair of trustpoint {name}.")
        return
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        ctx.line(f"% The certificate is not issued by the CA of trustpoint {name}.")
        return
    try:
        ctx.device.certs.set_router(name, usage, cert)
    except StorageError as e:
        _not_saved(ctx, CERT_NOT_SAVED, e)
        return
    ctx.line(f"% Router Certificate successfully imported ({usage} usage).")


def _show(ctx: Ctx) -> None:
    certs = ctx.device.certs
    wanted = ctx.args.get("name")
    names = [str(wanted)] if wanted is not None else certs.names()
    detail = ctx.has("detail")
    now = ctx.device.clock.now()
    for name in names:
        ca = certs.ca(name)
        routers = certs.router(name)
        pending = certs.pending(name)
        if ca is None and not routers and not pending:
            continue
        ctx.line("")
        ctx.line(f"Trustpoint       : {name}")
        ctx.line("=" * 50)
        if ca is not None:
            ctx.line("CA certificate")
            _describe(ctx, ca, indent="  ")
            if detail:
                _detail(ctx, ca)
        for role, ra in certs.ra(name).items():
            ctx.line(
                "RA Signature Certificate" if role == "ra-signer" else "RA KeyEncipher Certificate"
            )
            _describe(ctx, ra, indent="  ")
            if detail:
                _detail(ctx, ra)
        for row in pending:
            ctx.line("Router certificate")
            ctx.line(f"  Key usage      : {USAGE_LABELS[row.usage]}")
            ctx.line("  Status         : Pending")
            ctx.line("  Subject:")
            ctx.line(f"  \t{row.subject}")
            ctx.line(f"  Request Fingerprint: {row.fingerprint}")
            ctx.line(f"Associated Trustpoint: {name}")
        for usage, cert in routers.items():
            ctx.line("Router certificate")
            label = USAGE_LABELS[usage]
            status = "Available" if cert.not_valid_after_utc > now else "Expired"
            ctx.line(f"  Key usage      : {label}")
            ctx.line(f"  Status         : {status}")
            _describe(ctx, cert, indent="  ")
            if detail:
                _detail(ctx, cert)
            for point in Described(cert).crl_distribution_points():
                ctx.line("  CRL Distribution Point")
                ctx.line(f"\t{point}")
            ctx.line(f"Associated Trustpoint: {name}")


def _detail(ctx: Ctx, cert: x509.Certificate) -> None:
    d = Described(cert)
    kind, bits = _public_bits(cert)
    ctx.line(f"  Key Type       : {kind.upper()} ({bits} bits)")
    alg = cert.signature_algorithm_oid._name
    ctx.line(f"  Signature      : {alg}")
    words = d.key_usage_words()
    if words:
        ctx.line(f"  Key Usage      : {', '.join(words)}")


def _clear(ctx: Ctx) -> None:
    name = str(ctx.args["name"])
    try:
        cleared = ctx.device.certs.clear(name)
    except StorageError as e:
        _not_saved(ctx, CERTS_NOT_CLEARED, e)
        return
    if not cleared:
        ctx.line(f"% No certificates for trustpoint {name}.")


def _check_url(ctx: Ctx) -> str | None:
    url = str(ctx.args["url"])
    if url == "self" or (url.split("://", 1)[0] in ("http", "https", "tftp") and "://" in url):
        return None
    ctx.invalid_at(ctx.match.columns[-1])
    return "invalid url"


def _check_dn(ctx: Ctx) -> str | None:
    try:
        parse_subject(str(ctx.args["dn"]))
    except InvalidInput as e:
        ctx.line(f"% {e}")
        return str(e)
    return None


def _check_usages(ctx: Ctx) -> str | None:
    words = str(ctx.args["usages"]).split()
    start = ctx.match.columns[-1]
    line = ctx.match.line
    for w in words:
        pos = line.index(w, start)
        if w.lower() not in KEY_USAGES:
            ctx.invalid_at(pos)
            return "bad usage"
        start = pos + len(w)
    return None


def _spell_usages(ctx: Ctx) -> str:
    """Key usage keywords are stored and shown in their canonical spelling, as IOS XR does."""
    words = ctx.match.words
    return " ".join([*words[:-1], " ".join(w.lower() for w in str(ctx.args["usages"]).split())])


def register(reg: Registry) -> None:
    reg.describe_words(
        {
            "crypto": "Encryption module",
            "ca": "Certification authority",
            "trustpoint": "Define a CA trustpoint",
            "authenticate": "Get the certification authority certificate",
            "enroll": "Request a certificate from a CA",
            "import": "Import a certificate manually",
            "certificate": "Import a router certificate",
            "certificates": "Certificates of a trustpoint",
            "detail": "Detailed information",
            "clear": "Reset functions",
            "enrollment": "Enrollment parameters",
            "url": "CA server enrollment URL",
            "retry": "Polling parameters",
            "period": "Polling period",
            "count": "Polling retry count",
            "query": "Query parameters",
            "rsakeypair": "Specify RSA key pair for certificate enrollment",
            "keypair": "Specify the key pair for certificate enrollment",
            "ca-keypair": "Specify the key pair of the trustpoint's own CA",
            "subject-name": "Subject name",
            "ca-certificate": "For the CA certificate",
            "key-usage": "Key usage of the certificates",
            "lifetime": "Validity of the certificates",
            "message-digest": "Digest of the signatures",
            "serial-number": "Include the router serial number in the subject",
            "ip-address": "Include an IP address in the subject",
            "vrf": "VRF to reach the CA in",
            "crl": "CRL handling",
            "optional": "Accept certificates without checking the CRL",
        }
    )
    reg.add_mode("config-trustp", "config", "config-trustp")
    tp, w = "config-trustp", CRYPTO_WRITE
    reg.command("config", TP.TRUSTPOINT, tasks=w, requires=SEC, item=Item(submode=tp))
    reg.command(
        tp,
        TP.ENROLLMENT_URL,
        tasks=w,
        item=Item(key="enrollment", check=_check_url, no_syntax="no enrollment url [ <url:WORD> ]"),
    )
    reg.command(
        tp,
        TP.ENROLLMENT_TERMINAL,
        tasks=w,
        item=Item(key="enrollment", no_syntax="no enrollment terminal"),
    )
    reg.command(tp, TP.RETRY_PERIOD, tasks=w, item=Item(key_words=3))
    reg.command(tp, TP.RETRY_COUNT, tasks=w, item=Item(key_words=3))
    reg.command(tp, TP.QUERY_URL, tasks=w, item=Item(key_words=2))
    reg.command(tp, TP.RSAKEYPAIR, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.KEYPAIR, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.CA_KEYPAIR, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.SUBJECT, tasks=w, item=Item(key_words=1, check=_check_dn))
    reg.command(tp, TP.CA_SUBJECT, tasks=w, item=Item(key_words=2, check=_check_dn))
    usages = Item(key_words=2, check=_check_usages, spell=_spell_usages)
    reg.command(tp, TP.KEY_USAGE, tasks=w, item=usages)
    reg.command(tp, TP.CA_KEY_USAGE, tasks=w, item=usages)
    reg.command(tp, TP.LIFETIME, tasks=w, item=Item(key_words=2))
    reg.command(tp, TP.CA_LIFETIME, tasks=w, item=Item(key_words=2))
    reg.command(tp, TP.DIGEST, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.SERIAL_NUMBER, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.IP_ADDRESS, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.VRF, tasks=w, item=Item(key_words=1))
    reg.command(tp, TP.CRL_OPTIONAL, tasks=w, item=Item(key_words=2))

    x = CRYPTO_EXEC
    reg.command("exec", "crypto ca authenticate <name:NAME>", _authenticate, tasks=x, requires=SEC)
    reg.command("exec", "crypto ca enroll <name:NAME>", _enroll, tasks=x, requires=SEC)
    reg.command("exec", "crypto ca import <name:NAME> certificate", _import, tasks=x, requires=SEC)
    reg.command(
        "exec",
        "show crypto ca certificates [ <name:NAME> ] [ detail ]",
        _show,
        tasks=CRYPTO_READ,
        requires=SEC,
    )
    reg.command("exec", "clear crypto ca certificates <name:NAME>", _clear, tasks=x, requires=SEC)
