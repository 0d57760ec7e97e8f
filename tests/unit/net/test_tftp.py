"""``xrsim.net.tftp``: the IOS XR ``tftp://ADDRESS;VRF/NAME`` URL form, and the argument
checks made before any packet is sent (the transfers themselves run against tftpd-hpa in
``tests/integration/test_vrf_net.py``)."""

from __future__ import annotations

import pytest

from xrsim.errors import InvalidInput
from xrsim.net import tftp
from xrsim.net.tftp import TftpUrl

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("tftp://198.18.1.2;mgmt/lab", TftpUrl("198.18.1.2", 69, "mgmt", "lab")),
        ("tftp://198.18.1.2/lab.ca", TftpUrl("198.18.1.2", 69, None, "lab.ca")),
        ("tftp://198.18.1.2", TftpUrl("198.18.1.2", 69, None, "")),
        ("tftp://198.18.1.2;mgmt", TftpUrl("198.18.1.2", 69, "mgmt", "")),
        (
            "TFTP://ca.example.com:6969;red-1/dir/ca",
            TftpUrl("ca.example.com", 6969, "red-1", "dir/ca"),
        ),
        ("tftp://[2001:db8::2]:69;mgmt/ca", TftpUrl("2001:db8::2", 69, "mgmt", "ca")),
    ],
)
def test_urls_as_ios_xr_writes_them(url: str, parsed: TftpUrl) -> None:
    assert tftp.parse_url(url) == parsed


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://198.18.1.2/x", "is not a tftp:// URL"),
        ("198.18.1.2;mgmt/x", "is not a tftp:// URL"),
        ("tftp://;mgmt/x", "names no TFTP server"),
        ("tftp://198.18.1.2;/x", "no valid VRF name"),
        ("tftp://198.18.1.2;bad vrf/x", "no valid VRF name"),
        ("tftp://198.18.1.2:0/x", "bad port number"),
        ("tftp://198.18.1.2:70000/x", "bad port number"),
        ("tftp://198.18.1.2:/x", "bad port number"),
        ("tftp://bad_host!/x", "invalid server address"),
        ("tftp://[2001:db8::zz]/x", "malformed IPv6 address"),
        ("tftp://198.18.1.2/", "invalid file name"),
        ("tftp://198.18.1.2/a b", "invalid file name"),
    ],
)
def test_bad_urls_are_refused_in_words(url: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        tftp.parse_url(url)
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"filename": ""}, "is not a TFTP file name"),
        ({"filename": "a\x00b"}, "is not a TFTP file name"),
        ({"filename": "x", "timeout": 0}, "positive timeout"),
        ({"filename": "x", "retries": 0}, "at least one try"),
    ],
)
def test_bad_transfer_arguments_send_nothing(kwargs: dict[str, object], words: str) -> None:
    # 192.0.2.1 (TEST-NET-1) is never contacted: the arguments are refused first
    with pytest.raises(InvalidInput, match=words):
        tftp.get("192.0.2.1", 69, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=words):
        tftp.put("192.0.2.1", 69, data=b"x", **kwargs)  # type: ignore[arg-type]
