"""Fixtures for the system tests (root, namespaces, private OVS instances).

Not root, or a tool missing → every test here is skipped with the reason.
`lab` (per test) and `module_lab` (per module) give a hosts.Lab whose
cleanup runs as a finalizer even when the test fails; at the end of the
session nothing carrying the prefix may be left (namespaces, root links,
processes running from the labs' temp dirs).
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hosts  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sanitizers import sanitizer_reports, sanitizer_reports_session  # noqa: E402,F401,I100

TOOLS = ("ip", "ovs-vsctl", "ovs-ofctl", "ovsdb-server", "ovsdb-tool",
         "ovs-vswitchd", "ethtool", "ping", "busybox", "tcpdump", "nsenter",
         "timeout")


def _skip_reason():
    if os.geteuid() != 0:
        return "system tests need root (namespaces, veths, OVS)"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return ("missing tools: %s (scripts/install-deps.sh installs them)"
                % " ".join(missing))
    if not Path(hosts.OVS_SCHEMA).exists():
        return "no %s (openvswitch-switch)" % hosts.OVS_SCHEMA
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def no_leftovers():
    """Refuse to start over leftovers; assert none remain at the end."""
    if _skip_reason() is not None:
        yield
        return
    before = hosts.leftovers()
    assert not before, "leftovers of an earlier run (remove them by hand):\n" \
        + "\n".join(before)
    yield
    after = hosts.leftovers()
    assert not after, "left behind:\n" + "\n".join(after)


@pytest.fixture
def lab():
    lab = hosts.Lab()
    yield lab
    lab.cleanup()


@pytest.fixture(scope="module")
def module_lab():
    lab = hosts.Lab()
    yield lab
    lab.cleanup()
