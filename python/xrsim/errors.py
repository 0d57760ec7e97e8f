"""Every exception xrsim raises on purpose, in one module (layer 0: imports nothing of xrsim).

The Rust extension raises these classes too (``rust/py/src/error.rs`` imports them by name), so
a caller catches the same type whether the failure came from Python or from the native core.

Hierarchy::

    XrsimError
    +-- CryptoError
    |   +-- UnsupportedAlgorithm   (also ValueError)  unknown key type, curve or hash
    |   +-- InvalidKey             (also ValueError)  malformed or unusable key bytes
    |   |   +-- KeySizeError                          a size IOS XR does not generate
    |   +-- InvalidSignature                          a signature that does not verify
    |   +-- BackendError                              the crypto library failed (RNG, memory)
    +-- InvalidInput               (also ValueError)  arguments that do not fit together
    |   +-- DossierInputError                         a bad dossier request (``column``)
    +-- FileAccessError            (also OSError)     a file that cannot be read or written
    +-- FilesystemError                               a node filesystem operation refused or failed
    |   +-- InvalidPath            (also ValueError)  empty path, NUL byte, unknown device, too long
    |   |   +-- PathEscapes                           a path that leaves the node root or its trees
    |   +-- PathNotFound                              no such file, directory or device
    |   +-- PathExists                                the path is already taken
    |   +-- PathIsDirectory                           a directory where a file was expected
    |   +-- PathNotDirectory                          a file where a directory was expected
    |   +-- DirectoryNotEmpty                         removing a directory that holds entries
    +-- ChassisError                                  a chassis operation that cannot be done
    |   +-- UnknownNode            (also LookupError) a node name the chassis does not have
    |   +-- RedundancyError                           switchover without a standby route processor
    +-- StateError                                    persisted state that cannot be read or used
    |   +-- StorageError                              a change not saved (and not kept in memory)
    +-- NetconfError                                  an RPC refused: becomes an <rpc-error> reply
    |   +-- FramingError                              malformed NETCONF framing: the session ends
    +-- NetworkError                                  the router's network side failed (``reason``)
    |   +-- VrfError                                  unknown VRF, namespace missing, no privilege
    |   +-- TransportError                            a peer that did not answer as it must
    |       +-- TransportTimeout                      no answer in time (connect, HTTP, TFTP)
    |       +-- HttpStatusError                       an HTTP answer other than 200 (``status``)
    |       +-- TftpError                             a TFTP error packet (``code``), a bad transfer
    +-- EnvelopeError                                 a signed envelope (``utility sign``) refused
    |   +-- MalformedEnvelope      (also ValueError)  not JSON, a field of the wrong type or coding
    |   |   +-- MissingField                          a required field absent (``field``)
    |   +-- UntrustedChain                            a chain that does not lead to the SUDI root
    |   +-- EnvelopeSignatureError (also InvalidSignature) the signature does not verify
    |   +-- NonceMismatch                             another nonce than the one asked for
    +-- PackageError                                  a software package operation refused
    |   +-- InvalidPackage         (also ValueError)  not a well-formed RPM, or damaged (digests)
    |   +-- UntrustedPackage                          unsigned, or signed by a key not trusted
    |   +-- InstallError                              an install operation that cannot be done
    +-- ScepError                                     an enrollment that did not go through
        +-- ScepProtocolError                         a reply that breaks RFC 8894 (garbage, signer,
        |                                             nonce, transactionID, a certificate not ours)
        +-- ScepFailure                               CertRep FAILURE (``fail_info`` in words)
        +-- ScepPolicyError                           the CA refused by the router's own rules
                                                      (a CA key over 2048 bits)
    +-- TrustpoolError                                a trustpool change refused (``reason``)
        +-- InvalidBundle          (also ValueError)  not a CA bundle: empty, truncated, not
                                                      PKCS#7 or PEM, a certificate not of a CA

Certificate validation (``xrsim.pki.validate``: which CA validates a peer's certificate)::

    XrsimError
    +-- CertificateValidationError                    a peer certificate refused (``reason``,
        |                                             ``anchor``: the trustpoint or "trustpool")
        +-- UntrustedCertificate                      no trustpoint CA and no trustpool
        |                                             certificate issued it
        +-- CertificateRejected                       the chain fails a check (validity,
        |   |                                         constraints, usage, algorithm)
        |   +-- HostnameMismatch                      valid, but not for the host connected to
        +-- CertificateRevoked                        listed in its issuer's CRL (``serial``)
        +-- RevocationUnknown                         the CRL could not be fetched, read or
                                                      trusted, and ``crl optional`` is not set

Labs (``xrsim.lab``: lab files, ``xrsim up``/``down``, the pytest plugin, inventories)::

    XrsimError
    +-- LabError                                      a lab that cannot be started, found or
        |                                             stopped (``reason``)
        +-- LabFileError           (also ValueError)  a lab file refused: ``path``, ``line``,
        |                                             ``field`` (a dotted path) and ``reason``
        +-- LabNotFound            (also LookupError) no running (or kept) lab of that name
        +-- LabExists                                 a lab of that name is already up
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "CertificateRejected",
    "CertificateRevoked",
    "CertificateValidationError",
    "ChassisError",
    "CliError",
    "CommandError",
    "CryptoError",
    "DirectoryNotEmpty",
    "DossierInputError",
    "EnvelopeError",
    "EnvelopeSignatureError",
    "FileAccessError",
    "FilesystemError",
    "FramingError",
    "HostnameMismatch",
    "HttpStatusError",
    "InstallError",
    "InvalidBundle",
    "InvalidInput",
    "InvalidKey",
    "InvalidPackage",
    "InvalidPath",
    "InvalidSignature",
    "KeySizeError",
    "LabError",
    "LabExists",
    "LabFileError",
    "LabNotFound",
    "MalformedEnvelope",
    "MissingField",
    "NetconfError",
    "NetworkError",
    "NonceMismatch",
    "PackageError",
    "PathEscapes",
    "PathExists",
    "PathIsDirectory",
    "PathNotDirectory",
    "PathNotFound",
    "PathProtected",
    "RedundancyError",
    "RevocationUnknown",
    "ScepError",
    "ScepFailure",
    "ScepPolicyError",
    "ScepProtocolError",
    "StartupConfigError",
    "StateError",
    "StorageError",
    "TftpError",
    "TransportError",
    "TransportTimeout",
    "TrustpoolError",
    "UnansweredPrompt",
    "UnknownNode",
    "UnsupportedAlgorithm",
    "UntrustedCertificate",
    "UntrustedChain",
    "UntrustedPackage",
    "VrfError",
    "XrsimError",
]


class XrsimError(Exception):
    """Base of every xrsim error."""


class CryptoError(XrsimError):
    """A failure in key, signature or digest work."""


class UnsupportedAlgorithm(CryptoError, ValueError):
    """A key type, curve or hash name that xrsim does not implement."""


class InvalidKey(CryptoError, ValueError):
    """Key bytes that are malformed, encrypted, or of a type xrsim does not serve."""


class KeySizeError(InvalidKey):
    """A key size outside what IOS XR generates (RSA 512-4096, DSA 512/768/1024)."""


class InvalidSignature(CryptoError):
    """A signature that does not verify (including one that is not well-formed)."""


class BackendError(CryptoError):
    """The cryptographic library failed where it should not (random source, memory)."""


class InvalidInput(XrsimError, ValueError):
    """Arguments that do not fit together, such as a hash given for an Ed25519 signature."""


class DossierInputError(InvalidInput):
    """A ``show platform security integrity dossier`` line that cannot be collected: an
    unknown selector, a bad nonce, options that are not JSON of the expected shape.
    ``column`` is where the bad word starts on the line; ``incomplete``: a word is missing."""

    def __init__(self, message: str, column: int, *, incomplete: bool = False) -> None:
        super().__init__(message)
        self.column = column
        self.incomplete = incomplete


class FileAccessError(XrsimError, OSError):
    """A file that cannot be read or written; ``errno`` and ``filename`` are set when known."""


class FilesystemError(XrsimError):
    """A node filesystem operation that was refused or failed; ``path`` is the path as given."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class InvalidPath(FilesystemError, ValueError):
    """Path text that cannot name a file: empty, a NUL byte, an unknown device, a name over
    255 bytes or a path over 4096 (Linux's limits)."""


class PathProtected(FilesystemError, PermissionError):
    """A path inside the router's own state (``/misc/config/xrsim``): the CLI may not read or
    change it, as IOS XR keeps its configuration and keys out of users' reach."""


class PathEscapes(InvalidPath):
    """A path that leaves the node root or its allowed trees (``..``, a symlink, ``/etc``)."""


class PathNotFound(FilesystemError):
    """No such file, directory or device."""


class PathExists(FilesystemError):
    """The path is already taken (``mkdir`` of an existing name)."""


class PathIsDirectory(FilesystemError):
    """A directory where a file was expected."""


class PathNotDirectory(FilesystemError):
    """A file where a directory was expected."""


class DirectoryNotEmpty(FilesystemError):
    """Removing a directory that still holds entries, without asking for recursion."""


class ChassisError(XrsimError):
    """A chassis operation that cannot be done."""


class UnknownNode(ChassisError, LookupError):
    """A node name (location such as ``0/RP1/CPU0``) that the chassis does not have."""


class RedundancyError(ChassisError):
    """A redundancy operation without a standby route processor (single-RP platforms)."""


class StateError(XrsimError):
    """Persisted router state that cannot be read or used (a damaged or foreign state
    directory, one of a newer format, one another process or router holds)."""


class StorageError(StateError):
    """A change that could not be saved (disk full, read-only filesystem, no permission):
    nothing of it was kept, on disk or in memory. ``reason`` says why in words, without
    error numbers or file paths (``"no space left on the device"``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the router's state could not be saved: {reason}")
        self.reason = reason


class CliError(XrsimError):
    """A CLI interaction through the Python API that did not go through; ``output`` is what
    the router printed (with its IOS XR error message)."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n{self.output.rstrip()}" if self.output.strip() else base


class CommandError(CliError, ValueError):
    """A command or configuration line the router refused (invalid input, failed commit)."""


class StartupConfigError(CommandError):
    """A ``BootSpec``'s first-boot configuration that ``Router.boot_many`` could not commit;
    ``state_dir`` names the router (the batch was shut down)."""

    def __init__(self, message: str, output: str = "", *, state_dir: str = "") -> None:
        super().__init__(message, output)
        self.state_dir = state_dir


class UnansweredPrompt(CliError):
    """A command asked a question that ``answers`` did not answer; the command was cancelled."""


class NetconfError(XrsimError):
    """A NETCONF request the server refuses; the session answers it with an ``<rpc-error>``
    (RFC 6241 section 4.3). ``tag`` is the ``error-tag`` (``invalid-value``,
    ``access-denied``, ``lock-denied``...), ``error_type`` the layer (``transport``, ``rpc``,
    ``protocol``, ``application``), ``info`` the ``error-info`` children as
    ``(name, text)`` pairs (``("session-id", "7")``, ``("bad-element", "host-name")``)."""

    def __init__(
        self,
        tag: str,
        message: str,
        *,
        error_type: str = "application",
        info: tuple[tuple[str, str], ...] = (),
        severity: str = "error",
    ) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.error_type = error_type
        self.info = info
        self.severity = severity


class FramingError(NetconfError):
    """Input that breaks NETCONF framing (RFC 6242): a bad chunk header, a message over the
    size limit. RFC 6242 requires the session to be terminated."""

    def __init__(self, message: str) -> None:
        super().__init__("malformed-message", message, error_type="rpc")


class NetworkError(XrsimError):
    """The router's network side failed. ``reason`` says why in words, for the CLI to print
    after ``%`` (``"connection refused by 198.18.0.2 port 80"``), with no errno text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VrfError(NetworkError):
    """A VRF that cannot be used: not configured or not bound to a network namespace, a
    namespace that does not exist, or no privilege (CAP_SYS_ADMIN, CAP_NET_ADMIN) to enter it."""


class TransportError(NetworkError):
    """A peer that could not be reached or did not answer as its protocol says."""


class TransportTimeout(TransportError):
    """No answer in time (TCP connect, HTTP reply, TFTP block)."""


class HttpStatusError(TransportError):
    """An HTTP reply whose status is not 200; ``status`` is its code."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class TftpError(TransportError):
    """A TFTP transfer that failed: an error packet from the server (``code``, RFC 1350:
    1 file not found, 2 access violation...) or a broken transfer (``code`` None)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code


class EnvelopeError(XrsimError):
    """A signed envelope (``| utility sign``, ``xrsim.integrity.envelope``) that cannot be
    trusted; the subclasses say why."""


class MalformedEnvelope(EnvelopeError, ValueError):
    """Envelope text that is not one JSON object of the documented shape: truncated or not
    JSON, a field of the wrong type, bad base64, an unknown algorithm or signature version."""


class MissingField(MalformedEnvelope):
    """A required envelope field is absent; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class UntrustedChain(EnvelopeError):
    """The certificate chain of an envelope does not lead to the SUDI root it is checked
    against (another root, a broken link, an expired or non-CA certificate, none given)."""


class EnvelopeSignatureError(EnvelopeError, InvalidSignature):
    """The envelope's signature does not verify over its nonce, version, chain and data."""


class NonceMismatch(EnvelopeError):
    """The envelope is signed over another nonce than the one the verifier asked for."""


class PackageError(XrsimError):
    """A software package operation that was refused (``install add``, ``activate``, ...).
    ``reason`` says why in words; ``source`` is the package file it concerns (as the user
    named it: ``harddisk:/x.rpm``), when there is one."""

    def __init__(self, reason: str, source: str | None = None) -> None:
        super().__init__(f"{source}: {reason}" if source else reason)
        self.reason = reason
        self.source = source


class InvalidPackage(PackageError, ValueError):
    """Bytes that are not a well-formed RPM package, or one whose header or payload digests
    (or a file's content against its header digest) do not match: damaged or tampered."""


class UntrustedPackage(PackageError):
    """A package that is unsigned, or signed by a key the router does not trust (IOS XR
    checks every package's GPG signature against the vendor key it carries)."""


class InstallError(PackageError):
    """An install operation that cannot be done: an unknown package, one already added or
    active, one that is not active, an unknown operation ID to roll back to."""


class ScepError(XrsimError):
    """A SCEP exchange (RFC 8894) that did not give what was asked; ``reason`` in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ScepProtocolError(ScepError):
    """A reply that breaks the protocol: not PKCS#7, truncated, signed by a certificate other
    than the CA's or RA's, a nonce or transactionID that is not ours, a certificate for a key
    that is not ours, a message type we did not ask for."""


class ScepFailure(ScepError):
    """The CA answered CertRep FAILURE; ``fail_info`` is the failInfo in words
    (``"bad request"``, ``"bad message check"``, ``"bad time"``, ``"bad certificate id"``,
    ``"bad algorithm"``) or None when the CA gave none."""

    def __init__(self, reason: str, fail_info: str | None = None) -> None:
        super().__init__(reason)
        self.fail_info = fail_info


class ScepPolicyError(ScepError):
    """A CA the router refuses by its own rules (IOS XR: a CA key over 2048 bits)."""


# -- the CA trustpool (xrsim.pki.trustpool) ----------------------------------------------------


class TrustpoolError(XrsimError):
    """A trustpool change that was refused; ``reason`` says why in words, for the CLI to print
    after ``%``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidBundle(TrustpoolError, ValueError):
    """Bytes that are not a CA certificate bundle (PKCS#7 certificates-only, DER or PEM, or
    concatenated PEM certificates): empty, truncated, of another format, holding no
    certificate, a certificate that is not a CA's, or two with the same issuer and subject."""


# -- certificate validation (``xrsim.pki.validate``) -------------------------------------------


class CertificateValidationError(XrsimError):
    """A peer certificate the router does not accept. ``reason`` says why in words, for the CLI
    to print after ``%``; ``anchor`` is what judged it: a trustpoint's name, ``"trustpool"``, or
    None when no CA the router knows issued it."""

    def __init__(self, reason: str, anchor: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.anchor = anchor


class UntrustedCertificate(CertificateValidationError):
    """No trustpoint's CA certificate and no active trustpool certificate issued the
    certificate (directly or through CA certificates the router holds)."""


class CertificateRejected(CertificateValidationError):
    """The chain to the anchor fails a check: a certificate outside its validity period, a CA
    without ``basicConstraints cA``, a key usage that does not allow the use, a key or
    signature algorithm the validator does not accept."""


class HostnameMismatch(CertificateRejected):
    """A chain that validates, for another name than the host the router connected to."""


class CertificateRevoked(CertificateValidationError):
    """The certificate is listed in its issuer's CRL; ``serial`` is its serial number in IOS
    XR's colon hex."""

    def __init__(self, reason: str, anchor: str | None = None, serial: str = "") -> None:
        super().__init__(reason, anchor)
        self.serial = serial


class RevocationUnknown(CertificateValidationError):
    """The revocation status could not be learnt (no CRL distribution point, the CRL not
    fetched, not a CRL, not signed by the issuer, out of date) while the policy that judged
    the certificate (the trustpoint's, or the trustpool's) has no ``crl optional``."""


class LabError(XrsimError):
    """A lab that cannot be started, found or stopped (``reason``: what went wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LabFileError(LabError, ValueError):
    """A lab file refused: where (``path``, ``line``, from 1; 0 when the file as a whole),
    which field (``field``, a dotted path such as ``nodes.r1.ssh_port``; empty for the whole
    file) and why (``reason``). ``str()`` is ``PATH:LINE: FIELD: REASON``."""

    def __init__(self, path: str, line: int, field: str, reason: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field}: {reason}" if field else f"{where}: {reason}")
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason


class LabNotFound(LabError, LookupError):
    """No lab of that name is up (nor kept) on this machine."""


class LabExists(LabError):
    """A lab of that name is already up."""
