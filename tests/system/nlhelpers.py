"""Helpers and fixtures of the src/nl system tests (test_nl.py,
test_ovs_netdev.py): real namespaces, links and Open vSwitch processes, as
root.  Test modules import the fixtures they use from here.

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


def _skip_reason():
    if os.geteuid() != 0:
        return "system tests need root"
    if not shutil.which("ip"):
        return "system tests need iproute2"
    if not os.access(NLTOOL, os.X_OK):
        return f"no nl-tool at {NLTOOL} (build first)"
    return None


# Test modules using these helpers set 'pytestmark = requirements'.
requirements = pytest.mark.skipif(_skip_reason() is not None,
                                  reason=_skip_reason() or "")


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


class OvsHost:
    """An ovsdb-server and ovs-vswitchd of our own inside namespace 'ns', with
    every file in 'rundir' (OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR/...), and
    bridges of datapath_type=netdev (no kernel module needed)."""

    def __init__(self, ns, rundir):
        self.ns = ns
        self.dir = Path(rundir)
        self.env = dict(os.environ, OVS_RUNDIR=str(rundir),
                        OVS_DBDIR=str(rundir), OVS_LOGDIR=str(rundir),
                        OVS_SYSCONFDIR=str(rundir), OVS_PKGDATADIR="/usr/share/openvswitch")
        self.db = f"unix:{self.dir}/db.sock"
        self.procs = {}

    def _spawn(self, name, *args):
        # 'ip netns exec' execs the daemon: the PID is the daemon's.
        log = open(self.dir / f"{name}.out", "w")
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, name, *args,
             "--no-chdir", f"--log-file={self.dir}/{name}.log",
             f"--pidfile={self.dir}/{name}.pid",
             f"--unixctl={self.dir}/{name}.ctl"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start(self):
        run("ovsdb-tool", "create", self.dir / "conf.db",
            "/usr/share/openvswitch/vswitch.ovsschema")
        self._spawn("ovsdb-server", self.dir / "conf.db",
                    f"--remote=punix:{self.dir}/db.sock")
        wait_for(lambda: (self.dir / "db.sock").exists(), "ovsdb-server")
        self.vsctl("--no-wait", "init")
        self.start_vswitchd()

    def start_vswitchd(self):
        self._spawn("ovs-vswitchd", self.db)
        wait_for(lambda: (self.dir / "ovs-vswitchd.ctl").exists(),
                 "ovs-vswitchd")

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # A restarted daemon must not find the old control socket.
        (self.dir / f"{name}.ctl").unlink(missing_ok=True)

    def restart_vswitchd(self):
        self.stop("ovs-vswitchd")
        self.start_vswitchd()

    def vsctl(self, *args):
        return run("ovs-vsctl", f"--db={self.db}", "--timeout=10",
                   *args).stdout

    def cleanup(self):
        for name in list(self.procs):
            self.stop(name)


def wait_for(predicate, what, timeout=10.0):
    import time
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def ovs_host(netns, tmp_path):
    """A test host: namespace ntn-*-ovs running its own Open vSwitch."""
    if not shutil.which("ovs-vswitchd") or not os.path.exists("/dev/net/tun"):
        pytest.skip("needs openvswitch-switch and /dev/net/tun")
    host = OvsHost(netns.add("ovs"), tmp_path)
    try:
        host.start()
        yield host
    finally:
        host.cleanup()
