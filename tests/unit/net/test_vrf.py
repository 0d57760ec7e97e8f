"""``xrsim.net.vrf.Vrfs`` (``router.vrfs``) and the ``vrf`` command family on a booted router:
which namespace a VRF's sockets use, the refusals in words, ``vrf NAME`` and ``show vrf``.
What needs a namespace of its own is made here for real (``ip netns add``, as root); the
interfaces realised on veths are in ``tests/integration/test_vrf_net.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import scratch_netns
from xrsim.config.datastore import ApplyFailed
from xrsim.errors import CommandError, InvalidInput, VrfError
from xrsim.router import Router

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def router() -> Iterator[Router]:
    r = Router.boot(hostname="r1")
    yield r
    r.shutdown()


@pytest.fixture
def netns() -> Iterator[str]:
    with scratch_netns("vrfnet") as name:
        yield name


def test_the_default_vrf_is_the_process_namespace(router: Router) -> None:
    assert router.vrfs.netns_of(None) is None
    assert router.vrfs.netns_of("default") is None
    assert router.vrfs.bindings == {}


def test_a_vrf_must_be_configured_and_bound(router: Router, netns: str) -> None:
    with pytest.raises(VrfError) as err:
        router.vrfs.netns_of("mgmt")
    assert err.value.reason == "VRF mgmt is not configured (vrf mgmt)"
    router.configure(["vrf mgmt"])
    assert router.vrfs.configured() == frozenset({"mgmt"})
    with pytest.raises(VrfError) as err:
        router.vrfs.netns_of("mgmt")
    assert err.value.reason == "VRF mgmt is not bound to a network namespace"
    router.vrfs.bind("mgmt", netns)
    assert router.vrfs.netns_of("mgmt") == netns
    # bound but removed from the configuration: not usable any more
    router.configure(["no vrf mgmt"])
    with pytest.raises(VrfError, match="not configured"):
        router.vrfs.netns_of("mgmt")
    # the default VRF may be a namespace too
    router.vrfs.bind("default", netns)
    assert router.vrfs.netns_of(None) == netns
    router.vrfs.unbind("default")
    assert router.vrfs.netns_of("default") is None


def test_boot_binds_and_refuses_what_it_cannot(netns: str) -> None:
    with Router.boot(vrfs={"mgmt": netns}) as r:
        assert r.vrfs.bindings == {"mgmt": netns}
    with pytest.raises(VrfError, match="network namespace vrfnet-none-here does not exist"):
        Router.boot(vrfs={"mgmt": "vrfnet-none-here"})
    with pytest.raises(InvalidInput, match="not an interface of this router"):
        Router.boot(links={"HundredGigE0/9/9/9": "veth0"})


def test_binding_refusals_change_nothing(router: Router) -> None:
    with pytest.raises(VrfError):
        router.vrfs.bind("mgmt", "vrfnet-none-here")
    with pytest.raises(InvalidInput):
        router.vrfs.bind("bad name", "x")
    with pytest.raises(InvalidInput):
        router.vrfs.bind_interface("Mg0/RP0/CPU0/0", "no/slash")
    router.vrfs.bind_interface("Mg0/RP0/CPU0/0", "veth-r1")  # nothing to realise yet
    assert router.vrfs.interface_links == {"MgmtEth0/RP0/CPU0/0": "veth-r1"}
    with pytest.raises(InvalidInput, match="bound to another interface"):
        router.vrfs.bind_interface("Hu0/0/0/0", "veth-r1")
    assert router.vrfs.bindings == {}
    assert router.vrfs.interface_links == {"MgmtEth0/RP0/CPU0/0": "veth-r1"}


def test_a_bound_link_that_is_not_there_refuses_the_commit(router: Router) -> None:
    router.vrfs.bind_interface("Mg0/RP0/CPU0/0", "vrfnet-nolink")
    before = router.datastore.running_copy()
    with pytest.raises(CommandError) as err:
        router.configure(["interface Mg0/RP0/CPU0/0", "ipv4 address 198.18.213.1/30"])
    assert isinstance(err.value.__cause__, ApplyFailed)
    assert (
        "% interface MgmtEth0/RP0/CPU0/0: link vrfnet-nolink is not in the process's namespace"
        " (VRF default)"
    ) in err.value.output
    assert router.datastore.running_copy() == before
    assert router.vrfs.realised() == {}
    # unbound, the same line is plain configuration again
    router.vrfs.unbind_interface("MgmtEth0/RP0/CPU0/0")
    router.configure(["interface Mg0/RP0/CPU0/0", "ipv4 address 198.18.213.1/30"])


def test_vrf_configuration_and_show_vrf(router: Router) -> None:
    router.configure(
        ["vrf mgmt", "description lab management", "address-family ipv4 unicast", "vrf RED"]
    )
    router.configure(["interface MgmtEth0/RP0/CPU0/0", "vrf mgmt"])
    running = router.cli("show running-config")
    assert "vrf RED\n" in running
    # an empty submode block is closed too, as IOS XR prints it
    assert "vrf mgmt\n description lab management\n address-family ipv4 unicast\n !\n!" in running
    lines = router.cli("show vrf all").splitlines()[1:]
    assert lines == [
        "VRF                  RD                  RT                         AFI   SAFI",
        "RED                  not set",
        "mgmt                 not set",
        "                                                                    IPV4  Unicast",
    ]
    detail = router.cli("show vrf mgmt detail")
    assert "VRF mgmt; RD not set; VPN ID not set" in detail
    assert "Description lab management" in detail
    assert "Interfaces:\n  MgmtEth0/RP0/CPU0/0\n" in detail
    assert "VRF RED" not in detail
    assert "% VRF blue does not exist" in router.cli("show vrf blue")
    router.configure(["no vrf RED"])
    assert "RED" not in router.cli("show vrf all")


def test_show_vrf_needs_the_ip_services_task(router: Router) -> None:
    router.configure(["vrf blue", "username op", "group operator"])
    s = router.session(user="op")  # operator: no ip-services task
    try:
        assert s.handle_line("show vrf all") == "% This command is not authorized\n"
    finally:
        s.close()
    assert "blue" in router.cli("show vrf all")  # admin (root-lr) may
