"""Many agent hosts following one feed through haproxy (issue 10).

Eight namespace test hosts on one physical segment, each with its own
Open vSwitch and neutrino-agent, whose [agent] server_url is haproxy
running etc/haproxy/neutrino.cfg (its addresses replaced) in front of two
servers on one PostgreSQL database.  The CLI goes through haproxy too.  A
port created for each host becomes ACTIVE there, bound to that host; its
flows are on that host's br-int and on no other; the one DHCP agent the
network is scheduled to lists every port in its dnsmasq host file, and the
other hosts run no dnsmasq for it; instances on different hosts get leases
from it and reach each other.  Then one server is killed: the agents carry
on through the other, and a new port still becomes ACTIVE on its host.
"""

import os
import time
import urllib.request

import pytest

import hosts
from agenthost import AGENT_BIN, AGENT_DOWN_TIME, AgentHost, Api, func
from seedcheck import (CONVERGE, ROUTER_CIDR, ROUTER_IP, create_port, plug,
                       seed_network)

N_HOSTS = 8
HAPROXY = func.HAPROXY

pytestmark = [
    pytest.mark.skipif(not os.access(AGENT_BIN, os.X_OK),
                       reason="%s not built" % AGENT_BIN),
    pytest.mark.skipif(HAPROXY is None,
                       reason="needs haproxy (scripts/install-deps.sh)"),
]


class Haproxy:
    """haproxy with the sample configuration, listening on a free
    127.0.0.1 port, in front of 'servers' (func.Server objects)."""

    def __init__(self, lab, servers):
        self.port = func.free_tcp_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.conf = lab.dir / "haproxy.cfg"
        self.conf.write_text(func.haproxy_config(
            self.port, [s.port for s in servers], log="stderr"))
        hosts.run([HAPROXY, "-c", "-q", "-f", self.conf])
        self.log = lab.dir / "haproxy.log"
        self.proc = lab.spawn([HAPROXY, "-db", "-f", self.conf], self.log)
        hosts.wait_until(self._answers, 10, what="haproxy")

    def _answers(self):
        if self.proc.poll() is not None:
            raise hosts.DaemonDied("haproxy exited:\n" + (
                self.log.read_text(errors="replace")[-2000:]))
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False


@pytest.fixture(scope="module")
def farm(module_lab):
    lab = module_lab
    pg = func.PgCluster().start()
    lab.defer("stop PostgreSQL", pg.stop)
    conn = {"database": {"connection": pg.url(pg.new_database())},
            "DEFAULT": {"agent_down_time": str(AGENT_DOWN_TIME)}}
    apis = [Api(lab, overrides=conn, name="server%d" % i) for i in range(2)]
    # The one the tests look through; the other is killed at the end.
    api = apis[1]
    lb = Haproxy(lab, [a.server for a in apis])
    phys = hosts.PhysNet(lab)
    hosts.Router(lab, phys, ROUTER_CIDR)
    nodes = [AgentHost(lab, "h%d" % i, "host%d.example.org" % i, lb,
                       phys).start() for i in range(N_HOSTS)]
    for node in nodes:
        node.add_nic()

    def osc(*args, fmt="json"):
        return func.run_osc(lb.url, api.home, *args, fmt=fmt)

    net, _ = seed_network(osc)
    vms = []
    for i, node in enumerate(nodes):
        port_id, mac, ip = create_port(osc, "provider", "vm%d-port" % i,
                                       "--host", node.hostname)
        vms.append(plug(lab, node, "vm%d" % i, port_id, mac, ip, 12,
                        ROUTER_IP))
    return {"api": api, "apis": apis, "lb": lb, "nodes": nodes, "vms": vms,
            "net": net, "osc": osc}


def alive_agents(api):
    return {a["host"] for a in api.server.list("agents")
            if a["agent_type"] == "Open vSwitch agent" and a["alive"]}


def test_every_agent_alive_through_haproxy(farm):
    want = {n.hostname for n in farm["nodes"]}
    hosts.wait_until(lambda: alive_agents(farm["api"]) == want, CONVERGE,
                     what="%d alive OVS agents" % N_HOSTS)


def test_each_port_active_on_its_host_only(farm):
    api = farm["api"]
    for node, vm in zip(farm["nodes"], farm["vms"]):
        api.wait_port(vm.port_id, status="ACTIVE",
                      binding_host_id=node.hostname)
        node.wait_tag(vm.tap, 1)
    for node in farm["nodes"]:
        flows = node.ovs.ofctl("dump-flows", "br-int").lower()
        for vm in farm["vms"]:
            mine = vm.host is node.ovs
            assert (vm.mac.lower() in flows) == mine, (
                "%s's flows on %s" % (vm.mac, node.hostname))


def dhcp_host(farm):
    """The node the network is scheduled to."""
    path = "/v2.0/networks/%s/dhcp-agents" % farm["net"]["id"]
    agents = farm["api"].server.ok(farm["api"].server.request("GET", path),
                                   200)["agents"]
    assert len(agents) == 1, agents
    return next(n for n in farm["nodes"] if n.hostname == agents[0]["host"])


def test_one_dnsmasq_lists_every_port(farm):
    node = dhcp_host(farm)
    net_id = farm["net"]["id"]
    host_file = node.state_path / "dhcp" / net_id / "host"
    macs = {vm.mac.lower() for vm in farm["vms"]}

    def listed():
        try:
            text = host_file.read_text().lower()
        except OSError:
            return False
        return all(mac in text for mac in macs)
    hosts.wait_until(listed, CONVERGE, what="every port in %s" % host_file)
    for other in farm["nodes"]:
        if other is not node:
            assert other.dnsmasq_pids() == [], other.hostname
            assert not (other.state_path / "dhcp" / net_id).exists()


def test_instances_on_other_hosts_get_leases_and_meet(farm):
    first, last = farm["vms"][0], farm["vms"][-1]
    for vm in (first, last):
        vm.run(["ip", "addr", "flush", "dev", "eth0"])
        lease = vm.udhcpc(timeout=15)
        assert lease is not None, vm.netns
        assert lease["router"] == ROUTER_IP
    first.wait_ping(last.ip, timeout=CONVERGE)
    assert first.ping(last.ip, count=3, interval=0.1).loss == 0


def test_a_port_made_later_reaches_its_host_fast(farm):
    """The feed through haproxy: a new port is ACTIVE on its host with
    its flows within the convergence time, with every host following."""
    node = farm["nodes"][3]
    port_id, mac, ip = create_port(farm["osc"], "provider", "late-port",
                                   "--host", node.hostname)
    t0 = time.monotonic()
    vm = plug(node.lab, node, "late", port_id, mac, ip, 12, ROUTER_IP)
    farm["api"].wait_port(port_id, status="ACTIVE")
    print("late port: plugged -> ACTIVE through haproxy in %.3f s"
          % (time.monotonic() - t0))
    vm.wait_ping(farm["vms"][0].ip, timeout=CONVERGE)
    rows = farm["osc"]("port", "list", "--host", node.hostname)
    assert {r["ID"] for r in rows} == {port_id, farm["vms"][3].port_id}


def test_agents_carry_on_when_a_server_is_killed(farm):
    """Runs last: kills one of the two servers.  The agents whose feed
    polls it held go on through the other from the revision they had: no
    agent takes a new snapshot."""
    snapshots = [n.log.read_text().count("snapshot at revision")
                 for n in farm["nodes"]]
    # Quiet for a moment, so that the agents' polls wait on both servers
    # (haproxy sends polls that arrive after the kill to the other server
    # by itself; polls cut by it are sent again by the agents).
    time.sleep(2)
    farm["apis"][0].server.kill()
    node = farm["nodes"][5]
    port_id, mac, ip = create_port(farm["osc"], "provider", "after-kill",
                                   "--host", node.hostname)
    vm = plug(node.lab, node, "afterkill", port_id, mac, ip, 12, ROUTER_IP)
    farm["api"].wait_port(port_id, status="ACTIVE",
                          binding_host_id=node.hostname)
    vm.wait_ping(farm["vms"][0].ip, timeout=CONVERGE)
    # Every agent kept reporting: still alive an agent_down_time later.
    time.sleep(AGENT_DOWN_TIME + 1)
    assert alive_agents(farm["api"]) == {n.hostname for n in farm["nodes"]}
    assert [n.log.read_text().count("snapshot at revision")
            for n in farm["nodes"]] == snapshots
