"""The all-in-one (scripts/run.sh, README's first command), run for real.

run.sh runs with a prefix, a port and a state dir of its own
(NEUTRINO_AIO_PREFIX = the lab prefix + 4 hex digits, a free port, a temp
dir) and without installing or building (NEUTRINO_AIO_SKIP_BUILD=1, the
binaries from NEUTRINO_SERVER/NEUTRINO_AGENT/NEUTRINO_CLI), so it never
meets a real all-in-one or another test.  The first run must print its
progress and the seed's port list, give both instances leases that match
their ports, let them ping the gateway and each other and read their
metadata, within 15 s of starting; the second must reuse everything (same
processes, ports and addresses); `run.sh clean` must leave nothing: no
namespace (its own or the qdhcp one), process, root-namespace device or
state, and the root namespace's addresses and routes and the machine's own
Open vSwitch (running or not) as they were.  A run whose agent dies at
start must fail at once, say why, and be cleaned up as well.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import hosts

REPO = Path(__file__).resolve().parents[2]
BINS = {
    "NEUTRINO_SERVER": REPO / "build" / "neutrino-server",
    "NEUTRINO_AGENT": REPO / "build" / "neutrino-agent",
    "NEUTRINO_CLI": REPO / "build" / "neutrino",
}
BINS = {k: os.environ.get(k) or str(v) for k, v in BINS.items()}
RUN_TIMEOUT = 180
LEASE_TARGET = 15.0  # seconds from built to two instances with leases

pytestmark = pytest.mark.skipif(
    not all(os.access(b, os.X_OK) for b in BINS.values()),
    reason="neutrino binaries missing (build, or set %s)" % ", ".join(BINS))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def root_view():
    """The root namespace's addresses and main routes, and the machine's
    own Open vSwitch (its bridges, or that it does not answer)."""
    ovs = hosts.run(["ovs-vsctl", "--timeout=2", "list-br"], check=False,
                    env=dict(os.environ, OVS_RUNDIR="/var/run/openvswitch"))
    return (hosts.run(["ip", "-o", "addr", "show"]).stdout.splitlines(),
            sorted(hosts.run(["ip", "route", "show"]).stdout.splitlines()),
            (ovs.returncode, ovs.stdout))


class Aio:
    def __init__(self):
        self.prefix = hosts.PREFIX + secrets.token_hex(2)
        self.top = Path(tempfile.mkdtemp(prefix=hosts.PREFIX + "-"))
        # dnsmasq re-reads its files as nobody: the path must be searchable.
        os.chmod(self.top, 0o711)
        self.state = self.top / "aio"
        self.port = free_port()
        self.env = dict(os.environ, NEUTRINO_AIO_PREFIX=self.prefix,
                        NEUTRINO_AIO_PORT=str(self.port),
                        NEUTRINO_AIO_STATE=str(self.state),
                        NEUTRINO_AIO_SKIP_BUILD="1", **BINS)
        self.env.pop("OS_ENDPOINT", None)
        self.cleaned = False
        self.runs = []

    def run(self, *args):
        p = subprocess.run(["sh", str(REPO / "scripts" / "run.sh")] +
                           list(args), capture_output=True, text=True,
                           env=self.env, timeout=RUN_TIMEOUT)
        self.runs.append(p)
        return p

    def cli(self, *args):
        env = dict(os.environ, OS_ENDPOINT="http://127.0.0.1:%d" % self.port)
        return hosts.run([BINS["NEUTRINO_CLI"]] + list(args), env=env)

    def ns(self, role):
        return "%s-%s" % (self.prefix, role)

    def in_ns(self, role, *argv, check=True):
        return hosts.run(["ip", "netns", "exec", self.ns(role)] + list(argv),
                         check=check)

    def pid(self, name):
        return int((self.state / "run" / (name + ".pid")).read_text())

    def processes(self):
        """Processes whose command line names the state dir."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = Path("/proc", pid, "cmdline").read_bytes()
            except OSError:
                continue
            if str(self.state).encode() in cmd:
                found.append("%s: %s" % (pid, cmd.replace(b"\0", b" ")
                                         .decode(errors="replace")[:200]))
        return found

    def namespaces(self):
        return [n for n in hosts.netns_list() if n.startswith(self.prefix)]

    def clean(self):
        if self.cleaned:
            return
        self.cleaned = True
        try:
            p = self.run("clean")
            assert p.returncode == 0, p.stdout + p.stderr
        finally:
            shutil.rmtree(self.top, ignore_errors=True)


@pytest.fixture(scope="module")
def aio():
    a = Aio()
    a.root_before = root_view()
    a.first = a.run()
    yield a
    a.clean()


def output(p):
    return "rc %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout,
                                                p.stderr[-4000:])


def table_rows(text):
    """The rows of the first ASCII table in text, as lists of cells."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]
    return rows[0], rows[1:]


def instances(text):
    """{netns: (ip, mac, port id)} from run.sh's instance lines."""
    return {m[0]: m[1:] for m in re.findall(
        r"^  (\S+-vm\d)\s+(\S+)\s+(\S+)\s+port (\S+)$", text, re.M)}


def test_first_run_succeeds_with_progress(aio):
    p = aio.first
    assert p.returncode == 0, output(p)
    progress = re.findall(r"^\[\s*(\d+\.\d)s\] (.*)$", p.stdout, re.M)
    steps = [s for _, s in progress]
    for want in ("starting Open vSwitch in namespace %s" % aio.ns("aio"),
                 "starting neutrino-server on http://127.0.0.1:%d" % aio.port,
                 "starting neutrino-agent in namespace %s" % aio.ns("aio"),
                 "agents alive:", "created network provider",
                 "created subnet provider", "router %s" % aio.ns("router"),
                 "instance %s" % aio.ns("vm1"), "instance %s" % aio.ns("vm2"),
                 "ports ACTIVE", "leases:"):
        assert any(s.startswith(want) for s in steps), (want, output(p))
    times = [float(t) for t, _ in progress]
    assert times == sorted(times), output(p)
    assert "sh scripts/run.sh clean" in p.stdout


def test_leases_within_target(aio):
    m = re.search(r"Two instances with leases (\d+\.\d) s after the build",
                  aio.first.stdout)
    assert m, output(aio.first)
    assert float(m.group(1)) < LEASE_TARGET, output(aio.first)


def test_port_list_as_the_seed(aio):
    text = aio.first.stdout.split("$ neutrino port list\n", 1)[1]
    header, rows = table_rows(text)
    assert header == ["ID", "Name", "MAC Address", "Fixed IP Addresses",
                      "Status"]
    assert sorted(r[1] for r in rows) == ["", "vm1", "vm2"], rows
    assert all(r[4] == "ACTIVE" for r in rows), rows
    dhcp = next(r for r in rows if r[1] == "")
    assert dhcp[3].startswith("ip_address='172.17.0.0', subnet_id="), dhcp
    # The same table as the CLI gives now.
    assert table_rows(aio.cli("port", "list").stdout)[1] == rows


def test_instances_have_their_ports_addresses(aio):
    vms = instances(aio.first.stdout)
    assert sorted(vms) == [aio.ns("vm1"), aio.ns("vm2")], output(aio.first)
    for role in ("vm1", "vm2"):
        ip, mac, port_id = vms[aio.ns(role)]
        port = json.loads(aio.cli("port", "show", "-f", "json", role).stdout)
        assert port["id"] == port_id and port["mac_address"] == mac
        assert [f["ip_address"] for f in port["fixed_ips"]] == [ip], port
        assert port["binding_host_id"] and port["status"] == "ACTIVE", port
        link = aio.in_ns(role, "ip", "-o", "addr", "show", "eth0").stdout
        assert "inet %s/12 " % ip in link, link
        routes = aio.in_ns(role, "ip", "route").stdout
        assert "default via 172.16.0.1" in routes, routes
        assert "169.254.169.254 via 172.17.0.0" in routes, routes


def test_instances_ping_gateway_and_each_other(aio):
    vms = instances(aio.first.stdout)
    ip1, ip2 = vms[aio.ns("vm1")][0], vms[aio.ns("vm2")][0]
    for role, dst in (("vm1", "172.16.0.1"), ("vm2", "172.16.0.1"),
                      ("vm1", ip2), ("vm2", ip1)):
        p = aio.in_ns(role, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2",
                      dst, check=False)
        assert p.returncode == 0, (role, dst, p.stdout)


def test_instances_read_their_metadata(aio):
    for role in ("vm1", "vm2"):
        body = aio.in_ns(role, "curl", "-sf", "--max-time", "5",
                         "http://169.254.169.254/openstack/latest/"
                         "meta_data.json").stdout
        md = json.loads(body)
        port = json.loads(aio.cli("port", "show", "-f", "json", role).stdout)
        assert md["uuid"] == port["device_id"] and md["name"] == role, md
        assert "%s meta_data.json: %s" % (aio.ns(role), body.strip()) in \
            aio.first.stdout


def test_namespaces_and_bridges(aio):
    net = json.loads(aio.cli("network", "show", "-f", "json",
                             "provider").stdout)
    assert sorted(aio.namespaces()) == sorted(
        aio.ns(r) for r in ("aio", "router", "vm1", "vm2"))
    assert "qdhcp-" + net["id"] in hosts.netns_list()
    env = dict(os.environ, OVS_RUNDIR=str(aio.state / "ovs"))
    bridges = hosts.run(["ovs-vsctl", "list-br"], env=env).stdout.split()
    assert sorted(bridges) == ["br-int", "br-provider"]
    ports = hosts.run(["ovs-vsctl", "list-ports", "br-provider"],
                      env=env).stdout.split()
    assert "eth0" in ports and "phy-br-provider" in ports, ports
    # Nothing of it in the root namespace.
    assert not [l for l in hosts.root_links() if l.startswith(aio.prefix)]


def test_second_run_reuses_everything(aio):
    before = {n: aio.pid(n) for n in ("server", "agent", "relay")}
    ports = aio.cli("port", "list", "-f", "value", "-c", "ID").stdout
    p = aio.run()
    assert p.returncode == 0, output(p)
    for what in ("reusing Open vSwitch", "reusing neutrino-server",
                 "reusing neutrino-agent", "reusing network provider",
                 "reusing subnet provider", "reusing router",
                 "reusing instance %s" % aio.ns("vm1"),
                 "reusing instance %s" % aio.ns("vm2")):
        assert what in p.stdout, (what, output(p))
    assert "created" not in p.stdout and "starting" not in p.stdout
    assert {n: aio.pid(n) for n in before} == before
    assert aio.cli("port", "list", "-f", "value", "-c", "ID").stdout == ports
    assert instances(p.stdout) == instances(aio.first.stdout)


def test_clean_leaves_nothing(aio):
    net_id = aio.cli("network", "show", "-f", "value", "-c", "id",
                     "provider").stdout.strip()
    aio.clean()
    assert aio.runs[-1].returncode == 0, output(aio.runs[-1])
    assert aio.namespaces() == []
    assert "qdhcp-" + net_id not in hosts.netns_list()
    assert aio.processes() == []
    assert not aio.state.exists()
    assert not [l for l in hosts.root_links() if l.startswith(aio.prefix)]
    assert root_view() == aio.root_before


def test_failed_run_says_why_and_cleans_up():
    """An agent that dies at start: run.sh fails at once naming the log,
    leaves no temporary device, and `clean` removes the rest."""
    a = Aio()
    a.env["NEUTRINO_AGENT"] = "/bin/false"
    try:
        p = a.run()
        assert p.returncode != 0, output(p)
        assert "neutrino-agent exited (%s/log/agent.log)" % a.state in \
            p.stderr, output(p)
        assert "'sh scripts/run.sh clean' removes what was made" in \
            p.stderr, output(p)
        assert not [l for l in hosts.root_links() if l.startswith(a.prefix)]
    finally:
        a.clean()
    assert a.namespaces() == [] and a.processes() == []
    assert not a.state.exists()
