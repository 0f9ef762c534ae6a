"""Fixtures for the system tests: real namespaces, links and Open vSwitch
processes, as root.

Every namespace a test makes is named ``ntn-<random>-<role>`` and deleted
again when the test ends, passed or failed; processes are killed by the
PIDs the test started.  Nothing outside those namespaces is touched: links
are created directly inside them (never under a final name in the root
namespace).  Not root, or no ``ip`` command: the tests are skipped.

Environment:
  NEUTRINO_NLTOOL   path of nl-tool (default: <repo>/build/tests/system/nl-tool)
"""

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NLTOOL = os.environ.get("NEUTRINO_NLTOOL") or str(
    REPO / "build" / "tests" / "system" / "nl-tool")


def run(*args, check=True):
    """Runs a command; returns its stdout.  Fails the test on a non-zero exit
    status when 'check', showing stderr."""
    proc = subprocess.run([str(a) for a in args], capture_output=True,
                          text=True, timeout=60)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))}: exit {proc.returncode}: "
                    f"{proc.stderr.strip()}")
    return proc


def nltool(*args, check=True):
    return run(NLTOOL, *args, check=check)


def ip(ns, *args):
    """Output of 'ip -n NS ARGS...' (NS None: the root namespace)."""
    prefix = ["ip", "-n", ns] if ns else ["ip"]
    return run(*prefix, *args).stdout


@pytest.fixture(scope="session", autouse=True)
def _need_root():
    if os.geteuid() != 0:
        pytest.skip("system tests need root")
    if not shutil.which("ip"):
        pytest.skip("system tests need iproute2")
    if not os.access(NLTOOL, os.X_OK):
        pytest.skip(f"no nl-tool at {NLTOOL} (build first)")


class Namespaces:
    """Makes ntn-* namespaces with nl-tool and deletes them all at the end."""

    def __init__(self):
        self.tag = "ntn-" + secrets.token_hex(3)
        self.names = []

    def name(self, role):
        return f"{self.tag}-{role}"

    def add(self, role):
        name = self.name(role)
        nltool("netns-add", name)
        self.names.append(name)
        return name

    def cleanup(self):
        for name in reversed(self.names):
            if os.path.exists(f"/run/netns/{name}"):
                subprocess.run(["ip", "netns", "delete", name],
                               capture_output=True)


@pytest.fixture
def netns():
    spaces = Namespaces()
    try:
        yield spaces
    finally:
        spaces.cleanup()
