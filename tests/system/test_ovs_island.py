"""System test of the OVS island (src/ovs/) against a real Open vSwitch.

A private network namespace (nto-ovs-<pid>) runs its own ovsdb-server and
ovs-vswitchd (Debian's openvswitch-switch) on a database and sockets in a
temporary directory, with datapath_type=netdev so no kernel module is needed.
tests/system/ovs-driver (built by meson, island only) runs in the same
namespace, as the OVSDB client and the OpenFlow controller on
127.0.0.1:6633 there, and is driven line by line.  Everything started here is
killed by PID and removed at the end, also on failure.

Needs root.  NEUTRINO_OVS_DRIVER overrides the driver's path.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DRIVER = os.environ.get("NEUTRINO_OVS_DRIVER") or str(
    REPO / "build" / "tests" / "system" / "ovs-driver")
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
COOKIE = "0x1234"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)"),
    pytest.mark.skipif(not shutil.which("ovs-vswitchd")
                       or not os.path.exists(SCHEMA),
                       reason="openvswitch-switch not installed"),
]


def wait_for(what, check, timeout=15.0):
    """Calls check() until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Host:
    """One namespace with its own ovsdb-server, ovs-vswitchd and driver."""

    def __init__(self):
        self.ns = f"nto-ovs-{os.getpid()}"
        self.dir = tempfile.mkdtemp(prefix="nto-ovs-")
        self.db_sock = os.path.join(self.dir, "db.sock")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir,
                        OVS_LOGDIR=self.dir, OVS_SYSCONFDIR=self.dir,
                        OVS_PKGDATADIR="/usr/share/openvswitch")
        self.procs = {}
        self.ns_made = False
        self.out = b""  # What the driver wrote that was not read yet.

    # -- processes ------------------------------------------------------

    def nsexec(self, *argv):
        return ["ip", "netns", "exec", self.ns, *argv]

    def run(self, *argv, check=True):
        """Runs an OVS tool inside the namespace; returns its stdout."""
        r = subprocess.run(self.nsexec(*argv), env=self.env, text=True,
                           capture_output=True, timeout=30)
        if check and r.returncode:
            raise AssertionError(f"{argv}: {r.returncode} {r.stderr}")
        return r.stdout.strip()

    def vsctl(self, *args):
        return self.run("ovs-vsctl", f"--db=unix:{self.db_sock}",
                        "--timeout=10", *args)

    def spawn(self, name, argv, **kwargs):
        # 'ip netns exec' execs the command, so the PID is the daemon's.
        self.procs[name] = subprocess.Popen(self.nsexec(*argv), env=self.env,
                                            **kwargs)
        return self.procs[name]

    def kill(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def start_ovsdb(self):
        log = os.path.join(self.dir, "ovsdb-server.log")
        self.spawn("ovsdb", [
            "ovsdb-server", os.path.join(self.dir, "conf.db"),
            f"--remote=punix:{self.db_sock}",
            # As ovs-ctl starts it: listen where Manager rows say.
            "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
            f"--unixctl={self.dir}/ovsdb-server.ctl", f"--log-file={log}"],
            stderr=subprocess.DEVNULL)
        wait_for("ovsdb-server socket", lambda: os.path.exists(self.db_sock))

    def start_vswitchd(self):
        log = os.path.join(self.dir, "ovs-vswitchd.log")
        self.spawn("vswitchd", [
            "ovs-vswitchd", f"unix:{self.db_sock}",
            f"--unixctl={self.dir}/ovs-vswitchd.ctl", f"--log-file={log}"],
            stderr=subprocess.DEVNULL)

    def start(self):
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.ns_made = True
        self.run("ip", "link", "set", "lo", "up")
        self.run("ovsdb-tool", "create", os.path.join(self.dir, "conf.db"),
                 SCHEMA)
        self.start_ovsdb()
        self.vsctl("--no-wait", "init")
        self.start_vswitchd()
        self.spawn("driver", [
            DRIVER, f"unix:{self.db_sock}", "127.0.0.1", "6633"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)

    def quit_driver(self):
        """Asks the driver to exit; returns its exit status (sanitizer
        builds report leaks and errors through it)."""
        driver = self.procs.pop("driver")
        try:
            driver.stdin.write("quit\n")
            driver.stdin.flush()
            return driver.wait(timeout=10)
        finally:
            if driver.poll() is None:
                driver.kill()
                driver.wait()

    def stop(self):
        for name in ("driver", "vswitchd", "ovsdb"):
            self.kill(name)
        if self.ns_made:
            subprocess.run(["ip", "netns", "del", self.ns], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- the driver -----------------------------------------------------

    def readline(self, timeout):
        # Our own buffer: select() cannot see lines a file object buffered.
        fd = self.procs["driver"].stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.out:
            if not select.select([fd], [], [],
                                 max(0, deadline - time.monotonic()))[0]:
                raise AssertionError("driver did not answer")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError("driver exited")
            self.out += chunk
        line, self.out = self.out.split(b"\n", 1)
        return line.decode()

    def cmd(self, line, timeout=20.0):
        """Sends one command; returns the answer line(s)."""
        self.procs["driver"].stdin.write(line + "\n")
        self.procs["driver"].stdin.flush()
        first = self.readline(timeout)
        if first.startswith(("ok", "error")):
            return first
        lines = [first]
        while lines[-1] != "end":
            lines.append(self.readline(timeout))
        return lines[:-1]

    def ok(self, line, timeout=20.0):
        answer = self.cmd(line, timeout)
        assert answer == "ok" or isinstance(answer, list), (line, answer)
        return answer

    def status(self):
        fields = self.cmd("status").split()[1:]
        return {k: int(v) for k, v in (f.split("=") for f in fields)}


@pytest.fixture(scope="module")
def host():
    h = Host()
    try:
        h.start()
        h.ok("wait-db")
        yield h
        assert h.quit_driver() == 0
    finally:
        h.stop()


BRIDGE_ARGS = "netdev tcp:127.0.0.1:6633 5000 50000"


def test_manager_and_bridges(host):
    host.ok("manager ptcp:6640:127.0.0.1")
    for br in ("br-int", "br-provider"):
        host.ok(f"bridge {br} {BRIDGE_ARGS}")
        assert host.vsctl("get", "Bridge", br, "fail_mode") == "secure"
        assert host.vsctl("get", "Bridge", br, "datapath_type") == "netdev"
        assert host.vsctl("get", "Bridge", br, "protocols") == \
            "[OpenFlow10, OpenFlow13]"
        assert host.vsctl("get", "Bridge", br,
                          "other_config:mac-table-size") == '"50000"'
        ctl = host.vsctl("get", "Bridge", br, "controller").strip("[]")
        assert host.vsctl("get", "Controller", ctl, "target") == \
            '"tcp:127.0.0.1:6633"'
        assert host.vsctl("get", "Controller", ctl, "connection_mode") == \
            "out-of-band"
        assert host.vsctl("get", "Controller", ctl,
                          "inactivity_probe") == "5000"
    assert host.vsctl("get", "Manager", ".", "target") == \
        '"ptcp:6640:127.0.0.1"'
    # ovsdb-server listens there now (Neutron's ovsdb_connection default).
    wait_for("the manager's port", lambda: host.run(
        "ovs-vsctl", "--db=tcp:127.0.0.1:6640", "--timeout=5", "br-exists",
        "br-int", check=False) == "" and host.run(
        "ovs-vsctl", "--db=tcp:127.0.0.1:6640", "--timeout=5",
        "list-br", check=False).split() == ["br-int", "br-provider"])

    # Idempotent: nothing is added twice; what differs is corrected and
    # nothing else is touched.
    host.vsctl("set", "Bridge", "br-int", "fail_mode=standalone",
               "other_config:foo=bar")
    host.vsctl("set-controller", "br-int", "tcp:127.0.0.2:6633",
               "tcp:127.0.0.1:6633")
    host.ok("manager ptcp:6640:127.0.0.1")
    host.ok(f"bridge br-int {BRIDGE_ARGS}")
    assert host.vsctl("get", "Bridge", "br-int", "fail_mode") == "secure"
    assert host.vsctl("get", "Bridge", "br-int",
                      "other_config:foo") == "bar"
    assert host.vsctl("get-controller", "br-int") == "tcp:127.0.0.1:6633"
    assert len(host.vsctl("--bare", "--columns=_uuid", "list",
                          "Controller").split()) == 2
    assert len(host.vsctl("--bare", "--columns=_uuid", "list",
                          "Manager").split()) == 1
    info = host.cmd("bridge-info br-int")
    assert re.fullmatch(r"ok dpid=[0-9a-f]{16} type=netdev", info), info
    assert host.cmd("bridge-info br-nope").startswith("error -2 ")


def test_controller_connected(host):
    for br in ("br-int", "br-provider"):
        host.ok(f"wait-switch {br}")
    wait_for("is_connected in ovs-vsctl show",
             lambda: host.vsctl("show").count("is_connected: true") == 2)
    assert host.status()["switches"] == 2


def patch_peer(host, name):
    return host.vsctl("get", "Interface", name, "options:peer").strip('"')


def test_patch_ports(host):
    args = "br-int int-br-provider br-provider phy-br-provider"
    host.ok(f"patch {args} 0")
    assert patch_peer(host, "int-br-provider") == "nonexistent-peer"
    assert patch_peer(host, "phy-br-provider") == "nonexistent-peer"
    host.ok(f"patch {args} 1")
    assert patch_peer(host, "int-br-provider") == "phy-br-provider"
    assert patch_peer(host, "phy-br-provider") == "int-br-provider"
    # Unpeered again on existing ports: their peers stay (no cut).
    host.ok(f"patch {args} 0")
    assert patch_peer(host, "int-br-provider") == "phy-br-provider"
    assert host.cmd("patch br-int x br-nope y 0").startswith("error -2 ")

    ifaces = wait_for("ofport of int-br-provider", lambda: [
        line for line in host.cmd("ifaces br-int")
        if "name=int-br-provider " in line and "ofport=-1" not in line])
    assert "type=patch" in ifaces[0]


def test_port_vlan(host):
    # As os-vif plugs a VM: dead VLAN, trunk mode, Neutron's external_ids.
    host.vsctl("add-port", "br-int", "tap1", "--", "set", "Interface",
               "tap1", "type=internal",
               "external_ids:iface-id=7f3e5d0c-1111-2222-3333-444455556666",
               "external_ids:attached-mac=fa:16:3e:00:00:01",
               "external_ids:iface-status=active", "--", "set", "Port",
               "tap1", "tag=4095", "vlan_mode=trunk", "trunks=4095",
               "other_config:keep=me")
    host.ok("vlan tap1 1 net_uuid=9d0e1f2a network_type=flat"
            " physical_network=physnet1 tag=1")
    assert host.vsctl("get", "Port", "tap1", "tag") == "1"
    assert host.vsctl("get", "Port", "tap1", "vlan_mode") == "[]"
    assert host.vsctl("get", "Port", "tap1", "trunks") == "[]"
    oc = host.vsctl("get", "Port", "tap1", "other_config")
    for kv in ('keep=me', 'net_uuid="9d0e1f2a"', 'network_type=flat',
               'physical_network=physnet1', 'tag="1"'):
        assert kv in oc, oc
    line = wait_for("tap1 in ifaces", lambda: [
        x for x in host.cmd("ifaces br-int") if "name=tap1 " in x])[0]
    for part in ("tag=1", "iface-id=7f3e5d0c-1111-2222-3333-444455556666",
                 "attached-mac=fa:16:3e:00:00:01", "iface-status=active",
                 "net_uuid=9d0e1f2a", "oc_tag=1", "network_type=flat",
                 "physical_network=physnet1"):
        assert part in line.split(), line
    host.ok("vlan tap1 4095")
    assert host.vsctl("get", "Port", "tap1", "tag") == "4095"
    assert host.cmd("vlan nope 1").startswith("error -2 ")
    assert host.cmd("vlan tap1 0").startswith("error -22 ")
    # A name taken by a port that is not a patch port.
    assert host.cmd("patch br-int tap1 br-provider phy-x 0").startswith(
        "error -17 ")
    assert host.vsctl("--columns=name", "--bare", "find", "Interface",
                      "name=phy-x") == ""


def test_ensure_and_delete_port(host):
    # As the DHCP role plugs its veth end: system type, dead VLAN, ids.
    ids = ("iface-id=5a1b2c3d-1111-2222-3333-444455556666"
           " attached-mac=fa:16:3e:00:00:02 iface-status=active")
    host.ok("port br-int tapdhcp1 - 4095 " + ids)
    assert host.vsctl("get", "Port", "tapdhcp1", "tag") == "4095"
    assert host.vsctl("get", "Interface", "tapdhcp1", "type") == '""'
    eids = host.vsctl("get", "Interface", "tapdhcp1", "external_ids")
    for kv in ('iface-id="5a1b2c3d-1111-2222-3333-444455556666"',
               'attached-mac="fa:16:3e:00:00:02"', "iface-status=active"):
        assert kv in eids, eids
    # Again, once tagged by someone else: keys corrected, tag kept.
    host.vsctl("set", "Port", "tapdhcp1", "tag=7")
    host.vsctl("set", "Interface", "tapdhcp1", "external_ids:other=x")
    host.ok("port br-int tapdhcp1 - 4095 iface-status=active"
            " attached-mac=fa:16:3e:00:00:03")
    assert host.vsctl("get", "Port", "tapdhcp1", "tag") == "7"
    eids = host.vsctl("get", "Interface", "tapdhcp1", "external_ids")
    assert 'attached-mac="fa:16:3e:00:00:03"' in eids and "other=x" in eids
    assert "5a1b2c3d" in eids, eids
    # Another kind, or another bridge: refused, nothing changed.
    assert host.cmd("port br-int tapdhcp1 internal 0").startswith(
        "error -17 ")
    assert host.cmd("port br-provider tapdhcp1 - 0").startswith("error -17 ")
    assert host.cmd("port nobr tapdhcp2 - 0").startswith("error -2 ")
    assert host.cmd("port br-int tapdhcp2 - 4096").startswith("error -22 ")
    host.ok("del-port br-int tapdhcp1")
    assert host.vsctl("--columns=name", "--bare", "find", "Port",
                      "name=tapdhcp1") == ""
    host.ok("del-port br-int tapdhcp1")  # gone already: fine
    assert host.cmd("del-port nobr tapdhcp1").startswith("error -2 ")


def dump_flows(host, br):
    return host.run("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", br)


def test_flows_barrier_dump(host):
    ofport = host.vsctl("get", "Interface", "int-br-provider", "ofport")
    flows = [
        f"add table=0,priority=3,in_port={ofport},vlan_tci=0x0000/0x1fff,"
        f"cookie={COOKIE},actions=mod_vlan_vid:1,resubmit(,60)",
        f"add table=0,priority=2,in_port={ofport},cookie={COOKIE},"
        "actions=drop",
        f"add table=23,priority=0,cookie={COOKIE},actions=drop",
        f"add table=60,priority=3,cookie={COOKIE},actions=NORMAL",
    ]
    for f in flows:
        host.ok(f"flow br-int {f}")
    host.ok("barrier br-int")
    text = dump_flows(host, "br-int")
    assert text.count(f"cookie={COOKIE}") == 4, text
    assert "actions=push_vlan:0x8100,set_field:4097->vlan_vid," \
        "resubmit(,60)" in text or "mod_vlan_vid:1" in text, text

    canary = host.cmd("dump br-int 23")
    assert len(canary) == 1, canary
    assert f"cookie={COOKIE} " in canary[0]
    assert canary[0].endswith("match= actions=drop"), canary[0]
    every = host.cmd("dump br-int -1")
    assert len(every) == 4, every
    assert any(f"priority=3 cookie={COOKIE}" in x
               and f"match=in_port={ofport},vlan_tci=0x0000/0x1fff" in x
               for x in every), every

    answer = host.cmd("flow br-int add table=0,actions=frobnicate")
    assert answer.startswith("error ") and "frobnicate" in answer

    # An OpenFlow error reply (no such group) is counted.
    errors = host.status()["errors"]
    host.ok("flow br-int add table=1,priority=1,actions=group:99")
    host.ok("barrier br-int")
    wait_for("error counted", lambda: host.status()["errors"] > errors)

    host.ok(f"flow br-int delete cookie={COOKIE}/-1")
    host.ok("barrier br-int")
    assert f"cookie={COOKIE}" not in dump_flows(host, "br-int")
    assert host.cmd("dump br-int 23") == []


def test_vswitchd_restart(host):
    before = host.status()["ofp_seqno"]
    host.kill("vswitchd")
    wait_for("switches gone", lambda: host.status()["switches"] == 0)
    assert host.status()["ofp_seqno"] != before
    gone = host.status()["ofp_seqno"]
    host.start_vswitchd()
    host.ok("wait-switch br-int", timeout=30)
    host.ok("wait-switch br-provider", timeout=30)
    assert host.status()["ofp_seqno"] != gone


def test_ovsdb_restart(host):
    before = host.status()["vsw_seqno"]
    host.kill("ovsdb")
    wait_for("IDL disconnected", lambda: not host.status()["connected"])
    assert host.cmd("manager ptcp:6641:127.0.0.1").startswith("error ")
    host.start_ovsdb()
    host.ok("wait-db", timeout=30)
    assert host.status()["vsw_seqno"] != before  # A new replica.
    host.ok("manager ptcp:6640:127.0.0.1")
    host.ok(f"bridge br-int {BRIDGE_ARGS}")
    assert host.vsctl("get", "Bridge", "br-int", "fail_mode") == "secure"


def test_rss(host):
    for br in ("br-ex1", "br-ex2"):
        host.ok(f"bridge {br} {BRIDGE_ARGS}")
        host.ok(f"wait-switch {br}")
    status = host.status()
    assert status["switches"] == 4
    print(f"ovs-driver with 4 bridges connected: RSS {status['rss_kb']} kB,"
          f" {status['threads']} threads")
    assert 0 < status["rss_kb"] < 64 * 1024
