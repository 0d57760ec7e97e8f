"""The pytest plugin (``xrsim.lab.pytest_plugin``) as a user's test suite meets it: each test
writes a small test file into a pytester directory and runs pytest on it in a child process
(the plugin loaded as the entry point loads it, or with ``-p`` in a source tree), then checks
the outcome and what the inner tests recorded (state directories, ports, versions) from the
outside: fixtures torn down (state gone, ports refusing connections), the ``xr_release``
marker and ``--xr-release`` option picking the release ``show version`` shows, the factory's
options (hostname, platform, users, startup configuration, NETCONF off, a frozen clock),
each client's host key check really checking, bad arguments refused with a clear message,
and importing the plugin importing nothing heavy.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from support import plugin_args

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.timeout(240)

#: The inner tests record what they saw here (a JSON list, one object per record call).
RECORD = """
import json
from pathlib import Path

def record(**values):
    path = Path(__file__).parent / "record.json"
    seen = json.loads(path.read_text()) if path.exists() else []
    seen.append(values)
    path.write_text(json.dumps(seen))
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    """Write ``source`` as ``test_inner.py`` (with ``record``) and run pytest on it."""
    pytester.makepyfile(test_inner=RECORD + textwrap.dedent(source))
    return pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider", *args)


def records(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    path = pytester.path / "record.json"
    return json.loads(path.read_text()) if path.exists() else []


def refused(port: int) -> bool:
    """Whether 127.0.0.1:port refuses a TCP connection (nothing listens there)."""
    with socket.socket() as s:
        s.settimeout(5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_xr_router_is_served_then_torn_down(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import paramiko

        def test_one(xr_router):
            assert xr_router.name == "r1" and xr_router.host == "127.0.0.1"
            assert xr_router.username == "admin" and xr_router.password == "admin"
            assert xr_router.state_dir.is_dir()
            client = paramiko.SSHClient()
            client.load_host_keys(str(xr_router.known_hosts))   # the router's key, checked
            client.connect(xr_router.host, port=xr_router.ssh_port, username="admin",
                           password="admin", look_for_keys=False, allow_agent=False)
            _, out, _ = client.exec_command("show running-config hostname")
            text = out.read().decode()
            client.close()
            assert "hostname r1" in text
            record(state=str(xr_router.state_dir), ssh=xr_router.ssh_port,
                   netconf=xr_router.netconf_port, known_hosts=str(xr_router.known_hosts))

        def test_two(xr_router):  # a fresh router: nothing of test_one's is left in it
            assert "domain name" not in xr_router.cli("show running-config")
            xr_router.configure(["domain name two.example"])
            record(state=str(xr_router.state_dir), ssh=xr_router.ssh_port)
        """,
    )
    result.assert_outcomes(passed=2)
    first, second = records(pytester)
    assert first["state"] != second["state"]
    for seen in (first, second):
        assert not Path(seen["state"]).exists(), "the state directory outlived the test"
        assert refused(seen["ssh"])
    assert isinstance(first["netconf"], int)
    assert refused(first["netconf"])
    assert not Path(first["known_hosts"]).exists()


def test_teardown_after_a_failing_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_fails(xr_router_factory):
            r = xr_router_factory()
            record(state=str(r.state_dir), ssh=r.ssh_port)
            assert False, "the test itself fails"
        """,
    )
    result.assert_outcomes(failed=1)
    (seen,) = records(pytester)
    assert not Path(seen["state"]).exists()
    assert refused(seen["ssh"])


def test_marker_and_option_pick_the_release(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from netmiko import ConnectHandler

        pytestmark = pytest.mark.xr_release("7.1.2")

        def test_module_marker(xr_router):
            record(test="module", cli=xr_router.cli("show version"))

        @pytest.mark.xr_release("7.3.2")
        def test_closest_marker_over_ssh(xr_router):
            with ConnectHandler(**xr_router.netmiko) as conn:
                record(test="closest", cli=conn.send_command("show version"))

        @pytest.mark.xr_release("7.3.2")
        def test_factory_argument_wins(xr_router_factory):
            r = xr_router_factory(release="7.0.1")
            record(test="factory", cli=r.cli("show version"))
        """,
        "--xr-release",
        "6.6.3",
    )
    result.assert_outcomes(passed=3)
    shown = {r["test"]: r["cli"] for r in records(pytester)}
    assert "Cisco IOS XR Software, Version 7.1.2" in shown["module"]
    assert "Cisco IOS XR Software, Version 7.3.2" in shown["closest"]
    assert "Cisco IOS XR Software, Version 7.0.1" in shown["factory"]


def test_option_alone_picks_the_release(pytester: pytest.Pytester) -> None:
    source = """
        def test_version(xr_router):
            record(cli=xr_router.cli("show version"))
        """
    run(pytester, source, "--xr-release", "7.3.2").assert_outcomes(passed=1)
    assert "Version 7.3.2" in records(pytester)[0]["cli"]


def test_bad_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, "def test_x(xr_router): pass\n", "--xr-release", "seven")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--xr-release: invalid IOS XR release 'seven'*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("xr_release()", "*@pytest.mark.xr_release takes one release*got args=()*"),
        ("xr_release('7.3.2', '7.1.1')", "*takes one release*"),
        ("xr_release(7.3)", "*xr_release(7.3): a release is text such as '7.3.2', got 7.3*"),
        ("xr_release('seven')", "*xr_release('seven'): invalid IOS XR release 'seven'*"),
    ],
)
def test_bad_marker_is_a_clear_error(pytester: pytest.Pytester, marker: str, message: str) -> None:
    result = run(
        pytester,
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked(xr_router):
            record(reached=True)
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*Traceback*")
    assert records(pytester) == []
    assert not list((pytester.path).glob("runpytest-*/xr-r1-*"))  # nothing was booted


def test_factory_options(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from datetime import UTC, datetime

        import pytest
        from netmiko import ConnectHandler
        from netmiko.exceptions import NetmikoAuthenticationException
        from xrsim.clock import SimClock
        from xrsim.errors import InvalidInput, LabError

        START = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)

        def test_options(xr_router_factory):
            a = xr_router_factory()
            b = xr_router_factory(
                "edge", hostname="pe-edge", platform="ASR-9006",
                config=["domain name lab.example"], users={"ops": "s3cret-Pw"},
                netconf=False, start=START,
            )
            c = xr_router_factory(config="domain name text.example\\nlogging buffered 307200")
            assert [r.name for r in xr_router_factory.routers] == ["r1", "edge", "r2"]
            assert len({a.ssh_port, b.ssh_port, c.ssh_port}) == 3
            assert b.netconf_port is None
            with pytest.raises(LabError, match="no NETCONF listener"):
                b.ncclient
            assert (b.username, b.password) == ("ops", "s3cret-Pw")
            with ConnectHandler(**b.netmiko) as conn:
                prompt = conn.find_prompt()
                platform = conn.send_command("show platform")
            bad = dict(b.netmiko, username="admin", password="admin")
            with pytest.raises(NetmikoAuthenticationException):
                ConnectHandler(**bad)
            run = b.cli("show running-config")
            clock = b.cli("show clock")
            b.advance(days=2, hours=1)
            later = b.cli("show clock")
            record(prompt=prompt, platform=platform, run=run, clock=clock, later=later,
                   text=c.cli("show running-config"), repr=repr(b))

        def test_given_clock(xr_router_factory):
            clock = SimClock(START, frozen=True)
            r = xr_router_factory(clock=clock)
            r.advance(minutes=90)
            assert clock.now() == datetime(2030, 5, 6, 8, 38, 9, tzinfo=UTC)

        @pytest.mark.parametrize(("kwargs", "message"), [
            ({"name": "R 1"}, "is not a node name"),
            ({"clock": SimClock(START), "start": START}, "clock= or start=, not both"),
            ({"clock": START}, "clock= is an xrsim.clock.SimClock"),
            ({"start": datetime(2030, 1, 1)}, "naive datetime"),
            ({"release": "7.x"}, "invalid IOS XR release"),
            ({"users": {}}, "names no user"),
        ])
        def test_refused(xr_router_factory, kwargs, message):
            with pytest.raises(InvalidInput, match=message):
                xr_router_factory(**kwargs)
            assert xr_router_factory.routers == []

        def test_refused_by_the_lab(xr_router_factory, tmp_path_factory):
            with pytest.raises(LabError, match="unknown platform 'NOPE-1'"):
                xr_router_factory(platform="NOPE-1")
            assert xr_router_factory.routers == []
            assert not list(tmp_path_factory.getbasetemp().glob("xr-r1-*"))
            assert xr_router_factory().name == "r1"  # the name is still free

        def test_same_name_twice(xr_router_factory):
            xr_router_factory("dup")
            with pytest.raises(InvalidInput, match="already made"):
                xr_router_factory("dup")
        """,
    )
    result.assert_outcomes(passed=10)
    (seen,) = records(pytester)
    assert seen["prompt"] == "RP/0/RSP0/CPU0:pe-edge#"  # an ASR 9006 has RSPs
    assert "ASR" in seen["platform"]
    assert "domain name lab.example" in seen["run"]
    assert "username ops" in seen["run"]
    assert "s3cret-Pw" not in seen["run"]  # only its hash
    assert "s3cret-Pw" not in seen["repr"]
    assert "username='ops'" in seen["repr"]
    assert "netconf-yang" not in seen["run"]
    # the frozen clock shows its start, then exactly two days and an hour later
    assert "07:08:09.000 UTC Mon May 06 2030" in seen["clock"]
    assert "08:08:09.000 UTC Wed May 08 2030" in seen["later"]
    assert "domain name text.example" in seen["text"]
    assert "logging buffered 307200" in seen["text"]


def test_clients_check_the_host_key(pytester: pytest.Pytester) -> None:
    """Each client's parameters carry the router's ``known_hosts``: with another key in it,
    netmiko, scrapli and ncclient all refuse to connect."""
    result = run(
        pytester,
        """
        import pytest
        from ncclient import manager
        from netmiko import ConnectHandler
        from scrapli.driver.core import IOSXRDriver

        def test_right_key(xr_router):
            with ConnectHandler(**xr_router.netmiko) as conn:
                assert "IOS XR" in conn.send_command("show version")
            with IOSXRDriver(**xr_router.scrapli) as conn:
                assert "IOS XR" in conn.send_command("show version").result
            with manager.connect(**xr_router.ncclient) as m:
                assert "<host-name>r1</host-name>" in m.get_config("running").xml

        def test_wrong_key(xr_router_factory):
            r, other = xr_router_factory(), xr_router_factory()
            theirs = other.known_hosts.read_text().split(" ", 1)[1]
            r.known_hosts.write_text(f"[{r.host}]:{r.ssh_port} {theirs}"
                                     f"[{r.host}]:{r.netconf_port} {theirs}")
            with pytest.raises(Exception) as netmiko_error:
                ConnectHandler(**r.netmiko)
            with pytest.raises(Exception) as scrapli_error:
                IOSXRDriver(**r.scrapli).open()
            with pytest.raises(Exception) as ncclient_error:
                manager.connect(**r.ncclient)
            record(netmiko=repr(netmiko_error.value), scrapli=repr(scrapli_error.value),
                   ncclient=repr(ncclient_error.value))
        """,
    )
    result.assert_outcomes(passed=2)
    (seen,) = records(pytester)
    assert "BadHostKeyException" in seen["netmiko"] or "host key" in seen["netmiko"].lower()
    assert "host key" in seen["scrapli"].lower() or "HOST IDENTIFICATION" in seen["scrapli"]
    assert "SSHUnknownHostError" in seen["ncclient"] or "Unknown host" in seen["ncclient"]


def test_importing_the_plugin_is_cheap() -> None:
    """The plugin is imported by every pytest run once installed: it imports no router, SSH
    server or cryptography until a fixture is used."""
    probe = (
        "import sys, xrsim.lab.pytest_plugin\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('asyncssh', 'cryptography', 'paramiko', 'yaml', 'jsonschema') "
        "or m in ('xrsim.router', 'xrsim.lab.launcher', 'xrsim.lab.labfile')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


# -- labs -------------------------------------------------------------------------------------

LAB = """\
name: duo
nodes:
  pe1:
    platform: ASR-9006
    users:
      - {name: ops, password: ops-pw-1}
  ce1:
    config:
      - domain name ce.example
    netconf_port: null
"""


def test_xr_lab_from_the_marker(pytester: pytest.Pytester) -> None:
    """The marker's path is relative to the test file; the lab file's user is the login; the
    whole lab is gone after the test."""
    pytester.mkdir("labs")
    (pytester.path / "labs" / "duo.yml").write_text(LAB)
    pytester.mkdir("sub")
    (pytester.path / "sub" / "test_lab.py").write_text(
        RECORD.replace(
            'Path(__file__).parent / "record.json"', 'Path(__file__).parent.parent / "record.json"'
        )
        + textwrap.dedent(
            """
            import pytest
            from netmiko import ConnectHandler

            @pytest.mark.xr_lab("../labs/duo.yml")
            def test_lab(xr_lab):
                assert xr_lab.name == "duo" and len(xr_lab) == 2
                pe, ce = xr_lab["pe1"], xr_lab["ce1"]
                assert (pe.username, pe.password) == ("ops", "ops-pw-1")
                assert ce.netconf_port is None
                with ConnectHandler(**pe.netmiko) as conn:
                    prompt = conn.find_prompt()
                with pytest.raises(KeyError, match="no node 'p9'"):
                    xr_lab["p9"]
                record(prompt=prompt, root=str(xr_lab.root), ports=[pe.ssh_port, ce.ssh_port,
                       pe.netconf_port], ce=ce.cli("show running-config"))
            """
        )
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    (seen,) = records(pytester)
    assert seen["prompt"] == "RP/0/RSP0/CPU0:pe1#"
    assert "domain name ce.example" in seen["ce"]
    assert not Path(seen["root"]).exists()
    assert all(refused(p) for p in seen["ports"])


def test_xr_lab_session_from_the_ini_option(pytester: pytest.Pytester) -> None:
    """``xrsim_lab`` names the lab when there is no marker; ``xr_lab_session`` boots it once for
    both tests (what the first configured the second sees) and stops it at the end."""
    (pytester.path / "duo.yml").write_text(LAB)
    pytester.makeini("[pytest]\nxrsim_lab = duo.yml\n")
    result = run(
        pytester,
        """
        def test_first(xr_lab_session):
            r = xr_lab_session["ce1"]
            r.configure(["domain name shared.example"])
            record(port=r.ssh_port, root=str(xr_lab_session.root))

        def test_second(xr_lab_session):
            r = xr_lab_session["ce1"]
            assert "domain name shared.example" in r.cli("show running-config")
            record(port=r.ssh_port, root=str(xr_lab_session.root))

        def test_function_lab_is_its_own(xr_lab, xr_lab_session):
            assert xr_lab.root != xr_lab_session.root
            assert "shared.example" not in xr_lab["ce1"].cli("show running-config")
        """,
    )
    result.assert_outcomes(passed=3)
    first, second = records(pytester)
    assert first == second
    assert not Path(first["root"]).exists()
    assert refused(first["port"])


def test_a_bad_lab_file_fails_the_test_with_its_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "bad.yml").write_text("name: bad\nnodes:\n  r1:\n    ssh_port: -5\n")
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.xr_lab("bad.yml")
        def test_bad(xr_lab):
            record(reached=True)

        @pytest.mark.xr_lab("missing.yml")
        def test_missing(xr_lab):
            record(reached=True)

        def test_unnamed(xr_lab):
            record(reached=True)

        @pytest.mark.xr_lab()
        def test_empty_marker(xr_lab):
            record(reached=True)
        """,
    )
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(["*xr_lab: *bad.yml:4: nodes.r1.ssh_port: *"])
    result.stdout.fnmatch_lines(["*xr_lab: *missing.yml*"])
    result.stdout.fnmatch_lines(["*xr_lab needs a lab file*xrsim_lab*"])
    result.stdout.fnmatch_lines(["*@pytest.mark.xr_lab takes one lab file path*"])
    assert records(pytester) == []
    assert not list(pytester.path.glob("runpytest-*/xr-lab-*"))
