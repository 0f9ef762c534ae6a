"""Issue 8, the path inspector end to end: `neutrino inspect` on a namespace
test host running neutrino-agent (seed 000's network, its DHCP namespace and
an instance plugged into br-int).

On the healthy host every step is OK and the exit status 0.  Then one thing
at a time is broken as an operator or a crash would break it -- dnsmasq
killed, a flow deleted, a port's tag changed, the patch port removed, TX
checksum offload turned on on the instance's veth -- and the inspector must
name exactly that step (and what follows from it), with its hint, and exit
1.  While a break needs the agent not to repair it at once, the agent is
stopped (SIGSTOP, by its PID) and continued afterwards; each test leaves
the host healthy again, checked with the inspector itself.
"""

import json
import os
import signal
import uuid

import pytest

import hosts
from agenthost import AGENT_BIN, AgentHost, Api
from seedcheck import (CONVERGE, ROUTER_CIDR, SEED_HOST, create_port,
                       seed_network)

REPO = hosts.Path(__file__).resolve().parents[2]
INSPECT_BIN = os.environ.get("NEUTRINO_INSPECT") or str(
    REPO / "build" / "neutrino-inspect")
CLI_BIN = str(hosts.Path(INSPECT_BIN).parent / "neutrino")

pytestmark = pytest.mark.skipif(
    not (os.access(AGENT_BIN, os.X_OK) and os.access(INSPECT_BIN, os.X_OK)),
    reason="neutrino-agent or neutrino-inspect not built")


class Deployment:
    def __init__(self, lab):
        self.lab = lab
        self.api = Api(lab)
        self.phys = hosts.PhysNet(lab)
        self.router = hosts.Router(lab, self.phys, ROUTER_CIDR)
        self.agent = AgentHost(lab, "ins", SEED_HOST, self.api, self.phys,
                               dhcp={"enable_isolated_metadata": "True"})
        self.agent.start()
        self.agent.add_nic()
        self.net, self.sub = seed_network(self.api.osc)
        self.net_id = self.net["id"]
        port_id, mac, self.vm_ip = create_port(
            self.api.osc, self.net_id, "vm1", "--device", str(uuid.uuid4()),
            "--device-owner", "compute:nova")
        self.vm = hosts.Instance(lab, self.agent.ovs, "vm1", port_id, mac,
                                 mtu=1500)
        self.api.wait_port(port_id, status="ACTIVE")
        self.wait_healthy()

    def dhcp_port(self):
        return [p for p in self.api.server.list(
            "ports", params={"network_id": self.net_id})
            if p["device_owner"] == "network:dhcp"][0]

    def inspect(self, *args, via_cli=False):
        """Runs the inspector where the agent runs; returns (rc, stdout)."""
        argv = ([CLI_BIN, "inspect"] if via_cli else [INSPECT_BIN]) + list(
            args) + ["--config-file", str(self.agent.conf)]
        p = self.agent.view(argv, check=False, env=self.agent.ovs._env())
        assert p.returncode in (0, 1), p.stderr
        return p.returncode, p.stdout

    def findings(self, *args):
        rc, out = self.inspect(*args, "-f", "json")
        doc = json.loads(out)
        assert doc["ok"] == (rc == 0)
        return rc, doc["findings"]

    def failed(self, *args):
        rc, findings = self.findings(*args)
        return rc, [f for f in findings if not f["ok"]]

    def wait_healthy(self, timeout=CONVERGE):
        def ok():
            rc, bad = self.failed("network", self.net_id)
            assert rc == 0, bad
            return True
        hosts.wait_until(ok, timeout, interval=0.2, what="inspector all OK")

    # The agent held still, so what is broken stays broken meanwhile.
    def pause_agent(self):
        self.agent.proc.send_signal(signal.SIGSTOP)

    def resume_agent(self):
        self.agent.proc.send_signal(signal.SIGCONT)

    def ofctl(self, *args):
        return self.agent.ovs.ofctl(*args)


@pytest.fixture(scope="module")
def d(module_lab):
    return Deployment(module_lab)


def steps(bad):
    return sorted({(f.get("port", "")[:8], f["step"]) for f in bad})


def test_healthy_host_all_ok(d):
    rc, out = d.inspect("network", "provider")
    assert rc == 0, out
    assert "FAIL" not in out
    assert out.rstrip().splitlines()[-1].startswith("all ")
    rc, findings = d.findings("network", d.net_id)
    seen = {f["step"] for f in findings}
    assert {"network", "bridge", "patch port", "NIC", "local VLAN", "flows",
            "namespace", "DHCP interface", "DHCP route", "sockets",
            "dnsmasq", "dnsmasq hosts", "interface", "path"} <= seen
    paths = [f for f in findings if f["step"] == "path"]
    assert {f["port"] for f in paths} == {
        d.vm.port_id, d.dhcp_port()["id"]}
    vm_path = [f for f in paths if f["port"] == d.vm.port_id][0]["detail"]
    assert vm_path == ("%s -> br-int (tag 1) -> int-br-provider => "
                       "phy-br-provider -> br-provider -> eth0" % d.vm.tap)


def test_cli_execs_inspector_and_port_trace(d):
    rc, out = d.inspect("port", d.vm.port_id, via_cli=True)
    assert rc == 0, out
    assert "port %s path" % d.vm.port_id[:8] in out
    assert "port %s " % d.dhcp_port()["id"][:8] not in out  # one traced


def test_graph_text_and_dot(d):
    rc, out = d.inspect("network", d.net_id, "--graph")
    assert rc == 0, out
    assert ("[%s] --tag 1--> [br-int] --> [int-br-provider] ==patch==> "
            "[phy-br-provider] --> [br-provider] --> [eth0]" % d.vm.tap) in out
    assert "qdhcp-%s:" % d.net_id in out
    rc, dot = d.inspect("network", d.net_id, "--graph", "dot")
    assert dot.startswith("digraph path {") and "color=red" not in dot


def test_dnsmasq_killed(d):
    d.pause_agent()
    try:
        d.agent.kill_dnsmasqs()
        rc, bad = d.failed("network", d.net_id)
        assert rc == 1
        assert steps(bad) == [("", "dnsmasq"), ("", "sockets")], bad
        assert "dnsmasq not running" in bad[0]["hint"]
        assert bad[1]["hint"] == "dnsmasq not running"
    finally:
        d.resume_agent()
    d.wait_healthy()


def test_flow_deleted(d):
    ofport = d.agent.ovs.get("Interface", "phy-br-provider", "ofport")
    match = "table=0,priority=4,in_port=%s,dl_vlan=1" % ofport
    before = d.ofctl("dump-flows", "br-provider",
                     "table=0,in_port=%s,dl_vlan=1" % ofport)
    cookie = [w for w in before.split() if w.startswith("cookie=")][0]
    d.ofctl("--strict", "del-flows", "br-provider", match)
    try:
        rc, bad = d.failed("network", d.net_id)
        assert rc == 1
        assert bad[0]["step"] == "flows"
        assert bad[0]["detail"] == (
            "flow missing on br-provider: %s actions=strip_vlan,NORMAL"
            % match)
        # The ports' own hops are fine; their way to the wire is not.
        assert steps(bad[1:]) == sorted(
            (p[:8], "path") for p in (d.vm.port_id, d.dhcp_port()["id"]))
    finally:
        d.ofctl("add-flow", "br-provider",
                "%s%s,actions=strip_vlan,NORMAL" % (cookie, match))
    d.wait_healthy()


def test_tag_changed(d):
    d.pause_agent()
    try:
        d.agent.ovs.vsctl("set", "Port", d.vm.tap, "tag=7")
        rc, bad = d.failed("port", d.vm.port_id)
        assert rc == 1
        assert steps(bad) == [(d.vm.port_id[:8], "tag")], bad
        assert bad[0]["detail"] == "%s has tag 7, local VLAN 1" % d.vm.tap
        assert bad[0]["hint"].startswith("port tag differs from local VLAN")
    finally:
        d.agent.ovs.vsctl("set", "Port", d.vm.tap, "tag=1")
        d.resume_agent()
    d.wait_healthy()


def test_patch_port_removed(d):
    d.pause_agent()
    try:
        d.agent.ovs.vsctl("del-port", "br-int", "int-br-provider")
        rc, bad = d.failed("network", d.net_id)
        assert rc == 1
        assert bad[0]["step"] == "patch port"
        assert bad[0]["detail"] == "int-br-provider missing on br-int"
        assert "restart neutrino-agent" in bad[0]["hint"]
        assert {f["step"] for f in bad[1:]} <= {"path", "flows"}, bad
    finally:
        d.resume_agent()
    d.wait_healthy()


def test_tx_checksum_offload_on(d):
    d.agent.ovs.run(["ethtool", "-K", d.vm.tap, "tx", "on"])
    try:
        rc, bad = d.failed("network", d.net_id)
        assert rc == 1
        assert steps(bad) == [(d.vm.port_id[:8], "offload")], bad
        assert bad[0]["detail"] == (
            "TX checksum offload on a veth feeding the userspace datapath: "
            "%s" % d.vm.tap)
        assert bad[0]["hint"].startswith("ethtool -K DEV tx off")
        rc, out = d.inspect("network", d.net_id, "--graph")
        assert "[x %s]" % d.vm.tap in out
    finally:
        d.agent.ovs.run(["ethtool", "-K", d.vm.tap, "tx", "off"])
    d.wait_healthy()


def probe_findings(d, *args):
    rc, findings = d.findings(*args, "--probe")
    return rc, {f["step"]: f for f in findings if f["step"].startswith("probe")}


def test_probe_dhcp_and_arp(d):
    rc, probe = probe_findings(d, "port", d.vm.port_id)
    assert rc == 0, probe
    assert probe["probe DHCP"]["detail"] == "172.17.0.0 offered %s to %s" % (
        d.vm_ip, d.vm.mac)
    assert probe["probe ARP"]["detail"].startswith(
        "gateway 172.16.0.1 is at ")
    # Nothing of the probe is left: namespace, veth, OVS port.
    assert not [n for n in d.agent.view(["ip", "netns"]).stdout.split()
                if n.startswith("qprobe-")]
    assert "prb" not in d.agent.ovs.vsctl("list-ports", "br-int")
    assert "prb" not in d.agent.view(["ip", "-o", "link"]).stdout


def test_probe_names_where_packets_stop(d):
    ofport = d.agent.ovs.get("Interface", "phy-br-provider", "ofport")
    match = "table=0,priority=4,in_port=%s,dl_vlan=1" % ofport
    before = d.ofctl("dump-flows", "br-provider",
                     "table=0,in_port=%s,dl_vlan=1" % ofport)
    cookie = [w for w in before.split() if w.startswith("cookie=")][0]
    d.ofctl("--strict", "del-flows", "br-provider", match)
    try:
        rc, probe = probe_findings(d, "network", d.net_id)
        assert rc == 1
        arp = probe["probe ARP"]
        assert not arp["ok"]
        assert arp["detail"] == "no ARP reply from the gateway 172.16.0.1"
        # The request reached br-provider and died on its drop flow.
        assert arp["hint"].startswith(
            "the request was dropped on br-provider by "
            "table=0,priority=2,in_port=%s (" % ofport), arp
        assert ("br-provider table=0,priority=2,in_port=%s +" % ofport
                in arp["hint"]), arp
    finally:
        d.ofctl("add-flow", "br-provider",
                "%s%s,actions=strip_vlan,NORMAL" % (cookie, match))
    d.wait_healthy()
