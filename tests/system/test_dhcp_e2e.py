"""Issue 5 end to end: neutrino-agent's DHCP role on a namespace test host.

The seed 000 deployment (agenthost.py: neutrino-server, one host running
neutrino-agent with its own Open vSwitch on the userspace datapath, the
physical network and the router 172.16.0.1) with the seed's network and
subnet.  The seed's inspection commands ("環境の確認": ip netns, ip -d link
show, ip addr, ip route, ss -ano -4, ps ax | grep dnsmasq, the interface
file) must show the seed's shape, ids aside.  Two differences are by design
and checked as such: the namespace's port is the veth end ns-<11> (Neutron's
ovs_use_veth form, needed on the userspace datapath) rather than an OVS
internal port tap<11>, and 169.254.169.254:80 is the agent's own listener
rather than haproxy.

Then an instance plugged into br-int runs busybox udhcpc and must get
exactly its port's address, the gateway, the MTU and the route to
169.254.169.254 via the DHCP port; a deleted port's host line and lease go;
a killed dnsmasq is back within a second; a restarted agent adopts what it
finds; a second subnet restarts dnsmasq with two ranges; a network without
DHCP subnets loses its namespace.  The instance reads its metadata at
169.254.169.254.  Last, seed 002's two hosts: an instance on the compute
node leased by the network node's dnsmasq.
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import threading
import time
import uuid

import pytest

import hosts
from agenthost import AGENT_BIN, AGENT_DOWN_TIME, AgentHost, Api, func
from seedcheck import (CONVERGE, ROUTER_CIDR, ROUTER_IP, SEED_HOST,
                       create_port, seed_network)

pytestmark = pytest.mark.skipif(
    not os.access(AGENT_BIN, os.X_OK),
    reason="%s does not exist (or set NEUTRINO_AGENT)" % AGENT_BIN)

# uuid5(NAMESPACE_DNS, "controller"): seed 000's DHCP port device_id prefix.
SEED_DEVICE_PREFIX = "dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-"
# Seed 000's `ps ax | grep dnsmasq`, with STATE and NET and SUB for the ids.
SEED_DNSMASQ = [
    "dnsmasq", "--no-hosts", "--no-resolv",
    "--pid-file=STATE/dhcp/NET/pid",
    "--dhcp-hostsfile=STATE/dhcp/NET/host",
    "--addn-hosts=STATE/dhcp/NET/addn_hosts",
    "--dhcp-optsfile=STATE/dhcp/NET/opts",
    "--dhcp-leasefile=STATE/dhcp/NET/leases",
    "--dhcp-match=set:ipxe,175", "--dhcp-userclass=set:ipxe6,iPXE",
    "--local-service", "--bind-dynamic",
    "--dhcp-range=set:subnet-SUB,172.16.0.0,static,255.240.0.0,86400s",
    "--dhcp-option-force=option:mtu,1500", "--dhcp-lease-max=1048576",
    "--conf-file=/dev/null", "--domain=openstacklocal",
]


class Dhcp:
    """The deployment and what the tests look at."""

    def __init__(self, lab):
        self.lab = lab
        self.api = Api(lab)
        self.phys = hosts.PhysNet(lab)
        self.router = hosts.Router(lab, self.phys, ROUTER_CIDR)
        self.agent = AgentHost(lab, "ctl", SEED_HOST, self.api, self.phys,
                               dhcp={"enable_isolated_metadata": "True"})
        self.agent.start()
        self.agent.add_nic()
        self.net, self.sub = seed_network(self.api.osc)
        self.net_id = self.net["id"]
        self.ns = "qdhcp-" + self.net_id
        self.dir = self.agent.state_path / "dhcp" / self.net_id
        self.dhcp_port = self.wait_dhcp_port(status="ACTIVE")
        self.ns_dev = "ns-" + self.dhcp_port["id"][:11]
        self.tap = "tap" + self.dhcp_port["id"][:11]

    def dhcp_ports(self):
        return [p for p in self.api.server.list(
            "ports", params={"network_id": self.net_id})
            if p["device_owner"] == "network:dhcp"]

    def wait_dhcp_port(self, timeout=CONVERGE, **want):
        def ready():
            ports = self.dhcp_ports()
            if not self.agent.alive():
                raise hosts.DaemonDied("agent exited:\n" +
                                       self.agent.log_tail())
            return ports[0] if len(ports) == 1 and all(
                ports[0].get(k) == v for k, v in want.items()) else None
        return hosts.wait_until(ready, timeout, interval=0.1,
                                what="the DHCP port to have %s" % want)

    def in_ns(self, *argv, **kw):
        return self.agent.view(["ip", "netns", "exec", self.ns] + list(argv),
                               **kw).stdout

    def read(self, name):
        try:
            return (self.dir / name).read_text()
        except FileNotFoundError:
            return None

    def dnsmasq_pid(self):
        pids = self.agent.dnsmasq_pids()
        return pids[0] if len(pids) == 1 else None

    def dnsmasq_args(self):
        pid = self.dnsmasq_pid()
        raw = open("/proc/%d/cmdline" % pid, "rb").read()
        return [a.decode() for a in raw.split(b"\0") if a]

    def seed_args(self, sub_id=None):
        return [a.replace("STATE", str(self.agent.state_path))
                .replace("NET", self.net_id)
                .replace("SUB", sub_id or self.sub["id"])
                for a in SEED_DNSMASQ]

    def instance(self, role, name):
        """As Nova plugs one: the port's device_id is the VM's uuid."""
        vm_uuid = str(uuid.uuid4())
        port_id, mac, ip = create_port(self.api.osc, self.net_id, name,
                                       "--device", vm_uuid,
                                       "--device-owner", "compute:nova")
        vm = hosts.Instance(self.lab, self.agent.ovs, role, port_id, mac,
                            vm_uuid=vm_uuid, mtu=1500)
        self.api.wait_port(port_id, status="ACTIVE")
        return vm, ip


@pytest.fixture(scope="module")
def d(module_lab):
    return Dhcp(module_lab)


def test_ip_netns_shows_qdhcp(d):
    out = d.agent.view(["ip", "netns"]).stdout
    assert re.search(r"^%s( \(id: \d+\))?$" % d.ns, out, re.M), out


def test_dhcp_port_claimed_and_active(d):
    p = d.dhcp_port
    assert p["device_id"] == SEED_DEVICE_PREFIX + d.net_id, p
    assert p["binding:host_id"] == SEED_HOST and \
        p["binding:vif_type"] == "ovs", p
    assert p["status"] == "ACTIVE"
    assert [f["ip_address"] for f in p["fixed_ips"]] == ["172.17.0.0"], p
    # On br-int with the network's local VLAN, as the seed's ovs-vsctl show.
    assert d.agent.tag(d.tap) == 1
    ids = d.agent.ovs.get("Interface", d.tap, "external_ids")
    for kv in ('iface-id="%s"' % p["id"], "iface-status=active",
               'attached-mac="%s"' % p["mac_address"]):
        assert kv in ids, ids


def test_ip_link_in_namespace(d):
    out = d.in_ns("ip", "-d", "link", "show")
    links = re.findall(r"^\d+: (\S+?)(?:@\S+)?: <([^>]*)> mtu (\d+)", out,
                       re.M)
    assert [l[0] for l in links] == ["lo", d.ns_dev], out
    assert "UP" in links[0][1].split(",") and "UP" in links[1][1].split(",")
    assert links[1][2] == "1500"
    assert "link/ether %s " % d.dhcp_port["mac_address"] in out, out
    assert re.search(r"^\s+veth ", out, re.M), out


def test_ip_addr_in_namespace(d):
    out = d.in_ns("ip", "addr", "show", d.ns_dev)
    assert "inet 172.17.0.0/12 brd 172.31.255.255 scope global %s" % \
        d.ns_dev in out, out
    assert "inet 169.254.169.254/32 " in out, out
    assert "inet 127.0.0.1/8 scope host lo" in d.in_ns("ip", "addr", "show",
                                                       "lo")


def test_ip_route_in_namespace(d):
    out = d.in_ns("ip", "route").splitlines()
    assert out == [
        "default via 172.16.0.1 dev %s proto static " % d.ns_dev,
        "172.16.0.0/12 dev %s proto kernel scope link src 172.17.0.0 "
        % d.ns_dev] or [l.strip() for l in out] == [
        "default via 172.16.0.1 dev %s proto static" % d.ns_dev,
        "172.16.0.0/12 dev %s proto kernel scope link src 172.17.0.0"
        % d.ns_dev], out


def test_ss_in_namespace(d):
    out = d.in_ns("ss", "-ano", "-4")
    socks = {(m[0], m[1], m[2]) for m in re.findall(
        r"^(udp|tcp)\s+(UNCONN|LISTEN)\s+\d+\s+\d+\s+(\S+)", out, re.M)}
    want = {("udp", "UNCONN", a + ":53") for a in
            ("127.0.0.1", "172.17.0.0", "169.254.169.254")}
    want |= {("tcp", "LISTEN", a + ":53") for a in
             ("127.0.0.1", "172.17.0.0", "169.254.169.254")}
    want.add(("udp", "UNCONN", "0.0.0.0:67"))
    assert want <= socks, out
    # The metadata listener, as the seed's haproxy.
    want.add(("tcp", "LISTEN", "169.254.169.254:80"))
    assert socks == want, out


def test_dnsmasq_command_line_flag_by_flag(d):
    ps = hosts.run(["ps", "ax", "-o", "args"]).stdout
    lines = [l for l in ps.splitlines() if l.startswith("dnsmasq ") and
             str(d.agent.state_path) in l]
    assert len(lines) == 1, ps
    have, want = d.dnsmasq_args(), d.seed_args()
    for i, (h, w) in enumerate(zip(have, want)):
        assert h == w, "flag %d: %r, seed %r" % (i, h, w)
    assert len(have) == len(want), have


def test_interface_and_other_files(d):
    assert d.read("interface") == d.ns_dev
    opts = d.read("opts")
    sub = d.sub["id"]
    assert opts == (
        "tag:subnet-%s,option:classless-static-route,169.254.169.254/32,"
        "172.17.0.0,0.0.0.0/0,172.16.0.1\n"
        "tag:subnet-%s,249,169.254.169.254/32,172.17.0.0,0.0.0.0/0,"
        "172.16.0.1\n"
        "tag:subnet-%s,option:router,172.16.0.1" % (sub, sub, sub)), opts
    assert int(d.read("pid")) == d.dnsmasq_pid()
    # The DHCP port itself is no host.
    assert d.dhcp_port["mac_address"] not in d.read("host")


def test_instance_gets_its_lease(d):
    vm, ip = d.instance("vm1", "vm1-port")
    hosts.wait_until(lambda: vm.mac in (d.read("host") or ""), CONVERGE,
                     what="vm1's host line")
    lease = vm.udhcpc(timeout=10)
    assert lease, "no DHCP lease"
    assert lease["ip"] == ip, lease
    assert lease["mask"] == "12", lease
    assert lease["router"] == ROUTER_IP, lease
    assert lease["mtu"] == "1500", lease
    assert lease["serverid"] == "172.17.0.0", lease
    routes = lease["staticroutes"].split()
    assert routes == ["169.254.169.254/32", "172.17.0.0", "0.0.0.0/0",
                      ROUTER_IP], lease
    assert "host-%s.openstacklocal" % ip.replace(".", "-") in \
        d.read("host")
    vm.set_ip(ip + "/12", ROUTER_IP)
    vm.wait_ping(ROUTER_IP)
    d.vm1 = vm


def fetch(run, path, *headers):
    """GET http://169.254.169.254<path> with curl: (ok, body).  (busybox
    wget -T crashes on Debian 12.)"""
    argv = ["curl", "-sS", "-f", "-m", "5"]
    for h in headers:
        argv += ["-H", h]
    p = run(argv + ["http://169.254.169.254" + path], check=False)
    return p.returncode == 0, p.stdout if p.returncode == 0 else \
        p.stdout + p.stderr


def test_instance_reads_its_metadata(d):
    vm = d.vm1
    # What cloud-init makes of option 121.
    vm.run(["ip", "route", "replace", "169.254.169.254/32", "via",
            "172.17.0.0"])
    port = d.api.port_api(vm.port_id)
    ok, text = fetch(vm.run, "/openstack/latest/meta_data.json")
    assert ok, text
    md = json.loads(text)
    assert md["uuid"] == port["device_id"] == vm.vm_uuid, (md, port)
    ok, text = fetch(vm.run, "/openstack/latest/network_data.json")
    nd = json.loads(text)
    assert nd["links"][0]["ethernet_mac_address"] == vm.mac, nd
    assert nd["links"][0]["mtu"] == 1500, nd
    net0 = nd["networks"][0]
    assert (net0["ip_address"], net0["netmask"], net0["network_id"]) == \
        (vm.ip, "255.240.0.0", d.net_id), nd
    assert net0["routes"] == [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                               "gateway": ROUTER_IP}], nd
    ok, text = fetch(vm.run, "/openstack")
    assert ok and text.split("\n")[-1] == "latest", text
    ok, text = fetch(vm.run, "/latest/meta-data/local-ipv4")
    assert ok and text == vm.ip, text
    ok, text = fetch(vm.run, "/2009-04-04/meta-data/mac")
    assert ok and text == vm.mac, text
    # A forged X-Forwarded-For changes nothing: the source address counts.
    ok, text = fetch(vm.run, "/latest/meta-data/local-ipv4",
                     "X-Forwarded-For: 172.17.0.99")
    assert ok and text == vm.ip, text
    # An address that is no port of the network gets nothing.
    d.lab.ns_run(d.router.netns, ["ip", "route", "replace",
                                  "169.254.169.254/32", "via", "172.17.0.0"])
    ok, text = fetch(lambda argv, **kw: d.lab.ns_run(d.router.netns, argv,
                                                     **kw),
                     "/openstack/latest/meta_data.json")
    assert not ok, text


def test_extra_dhcp_opts_reach_the_instance(d):
    port_id, mac, ip = create_port(
        d.api.osc, d.net_id, "pxe-port", "--extra-dhcp-option",
        "name=bootfile-name,value=pxelinux.0")
    vm = hosts.Instance(d.lab, d.agent.ovs, "pxe", port_id, mac, mtu=1500)
    hosts.wait_until(lambda: "set:port-" + port_id in (d.read("host") or ""),
                     CONVERGE, what="the PXE port's tagged host line")
    assert "tag:port-%s,option:bootfile-name,pxelinux.0" % port_id in \
        d.read("opts").split("\n")
    lease = vm.udhcpc(timeout=10, request=("staticroutes", "bootfile"))
    assert lease and lease["ip"] == ip, lease
    assert lease.get("bootfile") == "pxelinux.0", lease
    # Other instances get no boot file.
    other = d.vm1.udhcpc(timeout=10, request=("bootfile",))
    assert "bootfile" not in other, other


def test_agent_list_shows_dhcp_agent(d):
    rows = func.parse_table(d.api.osc("network", "agent", "list",
                                      fmt="table"))
    for kind in ("DHCP agent", "Metadata agent"):
        found = [r for r in rows[1:] if r[1] == kind]
        assert len(found) == 1, rows
        assert found[0][2] == SEED_HOST and found[0][4] == ":-)" and \
            found[0][6] == "neutrino-agent", rows


def test_port_create_to_host_line(d):
    """How soon a new port's lease can be had: port create answered ->
    its host line written and dnsmasq told (one at a time, then a bulk)."""
    times = []
    for n in range(100):
        t0 = time.monotonic()
        p = d.api.server.create("port", network_id=d.net_id,
                                name="t%d" % n)
        hosts.wait_until(lambda: p["mac_address"] in (d.read("host") or ""),
                         5, interval=0.005, what="a host line")
        times.append(time.monotonic() - t0)
    times.sort()
    p50, p99 = times[len(times) // 2], times[98]
    print("port create -> host line, 100 ports: p50 %.3fs, p99 %.3fs, "
          "max %.3fs" % (p50, p99, times[-1]))
    assert p99 < 0.3, times
    # The lease itself: vm1 (wired, no port security yet) asks with each new
    # port's MAC right after the create returns (udhcpc's own start-up
    # included; a missed first DISCOVER would cost its 1 s retry).
    vm, leases = d.vm1, []
    for n in range(20):
        t0 = time.monotonic()
        p = d.api.server.create("port", network_id=d.net_id, name="l%d" % n)
        vm.run(["ip", "link", "set", "eth0", "address", p["mac_address"]])
        lease = vm.udhcpc(timeout=5)
        leases.append(time.monotonic() - t0)
        assert lease and lease["ip"] == p["fixed_ips"][0]["ip_address"]
    vm.run(["ip", "link", "set", "eth0", "address", vm.mac])
    assert vm.udhcpc(timeout=5)["ip"] == d.api.port_api(vm.port_id)[
        "fixed_ips"][0]["ip_address"]
    leases.sort()
    print("port create -> lease obtained, 20 ports: p50 %.3fs, max %.3fs"
          % (leases[10], leases[-1]))
    assert leases[-1] < 1.0, leases
    # The seed's pool has 256 addresses: the bulk goes to a /20 of its own.
    net = d.api.server.create("network", name="bulk", **{
        "provider:network_type": "vlan",
        "provider:physical_network": "provider",
        "provider:segmentation_id": 103})
    d.api.server.subnet(net["id"], "10.30.0.0/20")
    host_file = d.agent.state_path / "dhcp" / net["id"] / "host"
    hosts.wait_until(host_file.exists, CONVERGE, what="the bulk network")
    body = {"ports": [{"network_id": net["id"], "name": "bulk%d" % n}
                      for n in range(1000)]}
    t0 = time.monotonic()
    made = d.api.server.ok(d.api.server.post("/v2.0/ports", body),
                           201)["ports"]
    answered = time.monotonic() - t0
    macs = [p["mac_address"] for p in made]
    hosts.wait_until(lambda: all(m in host_file.read_text() for m in macs),
                     30, interval=0.02, what="1000 host lines")
    served = time.monotonic() - t0
    print("bulk of 1000 ports: answered in %.3fs, all in the host file "
          "%.3fs after the POST" % (answered, served))
    assert served < 5.0
    t0 = time.monotonic()
    for p in made:
        d.api.server.remove("port", p["id"])
    hosts.wait_until(lambda: host_file.read_text() == "", 30,
                     interval=0.02, what="1000 host lines to go")
    print("1000 single deletes, host file clean after %.3fs"
          % (time.monotonic() - t0))
    d.api.server.remove("network", net["id"])
    hosts.wait_until(lambda: not host_file.exists(), CONVERGE,
                     what="the bulk network's files to go")


def test_deleted_port_loses_host_line_and_lease(d):
    vm, ip = d.instance("vm2", "vm2-port")
    hosts.wait_until(lambda: vm.mac in (d.read("host") or ""), CONVERGE,
                     what="vm2's host line")
    assert vm.udhcpc(timeout=10)["ip"] == ip
    hosts.wait_until(lambda: vm.mac in (d.read("leases") or ""), 5,
                     what="dnsmasq to record vm2's lease")
    pid = d.dnsmasq_pid()
    vm.unplug()
    d.api.osc("port", "delete", vm.port_id, fmt=None)
    hosts.wait_until(lambda: vm.mac not in d.read("host"), CONVERGE,
                     what="vm2's host line to go")
    hosts.wait_until(lambda: vm.mac not in (d.read("leases") or ""), 5,
                     what="vm2's lease to be released")
    assert d.dnsmasq_pid() == pid  # a SIGHUP, not a restart


def test_killed_dnsmasq_respawned_within_a_second(d):
    pid = d.dnsmasq_pid()
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    new = hosts.wait_until(lambda: (d.dnsmasq_pid() or pid) != pid and
                           d.dnsmasq_pid(), 5, interval=0.02,
                           what="a new dnsmasq")
    elapsed = time.monotonic() - t0
    print("dnsmasq respawned in %.3fs" % elapsed)
    assert elapsed < 1.0, elapsed
    assert d.dnsmasq_args() == d.seed_args()
    # The first new process seen may be dnsmasq before it daemonized; the
    # pid file names the daemon.
    hosts.wait_until(lambda: d.read("pid")
                     and int(d.read("pid")) == d.dnsmasq_pid(), 5,
                     what="the pid file")
    assert d.vm1.udhcpc(timeout=10)["ip"] == d.vm1.ip


def link_index(d):
    out = d.in_ns("ip", "-o", "link", "show", d.ns_dev)
    return int(out.split(":")[0])


def test_agent_restart_converges_not_rebuilds(d):
    pid, index = d.dnsmasq_pid(), link_index(d)
    addrs = d.in_ns("ip", "-o", "addr", "show", d.ns_dev)
    d.agent.stop()
    d.agent.start()
    hosts.wait_until(lambda: "dnsmasq %d adopted" % pid in
                     d.agent.log_tail(), CONVERGE, what="dnsmasq adopted")
    time.sleep(1.0)  # and whatever else it would change, changed
    assert d.agent.alive(), d.agent.log_tail()
    assert d.dnsmasq_pid() == pid
    assert link_index(d) == index
    assert d.in_ns("ip", "-o", "addr", "show", d.ns_dev) == addrs
    log = d.agent.log_tail(10 ** 7)
    assert log.count("veth %s / %s created" % (d.tap, d.ns_dev)) == 1, log
    assert log.count("namespace %s created" % d.ns) == 1, log
    assert d.vm1.udhcpc(timeout=10)["ip"] == d.vm1.ip


def test_second_subnet_restarts_dnsmasq(d):
    pid = d.dnsmasq_pid()
    sub2 = d.api.osc("subnet", "create", "--network", d.net_id,
                     "--subnet-range", "10.20.0.0/24", "second")
    hosts.wait_until(lambda: d.dnsmasq_pid() not in (None, pid), CONVERGE,
                     what="dnsmasq to restart")
    ranges = [a for a in d.dnsmasq_args() if a.startswith("--dhcp-range=")]
    want = sorted([(d.sub["id"], "172.16.0.0,static,255.240.0.0,86400s"),
                   (sub2["id"], "10.20.0.0,static,255.255.255.0,86400s")])
    assert ranges == ["--dhcp-range=set:subnet-%s,%s" % w for w in want]
    assert "--dhcp-lease-max=%d" % (1048576 + 256) in d.dnsmasq_args()
    # The DHCP port got an address there and the namespace has it.
    hosts.wait_until(lambda: "inet 10.20.0." in d.in_ns(
        "ip", "addr", "show", d.ns_dev), CONVERGE, what="10.20.0.x on ns-")
    assert d.vm1.udhcpc(timeout=10)["ip"] == d.vm1.ip


def test_vlan_network_dhcp_then_removed(d):
    net = d.api.osc("network", "create", "--provider-network-type", "vlan",
                    "--provider-physical-network", "provider",
                    "--provider-segment", "102", "vlan102")
    sub = d.api.osc("subnet", "create", "--network", net["id"],
                    "--subnet-range", "192.168.102.0/24", "vlan102-sub")
    ns = "qdhcp-" + net["id"]
    hosts.wait_until(lambda: ns in d.agent.view(["ip", "netns"]).stdout,
                     CONVERGE, what=ns)
    # A DHCPv6-stateful subnet is served by the same dnsmasq.
    sub6 = d.api.osc("subnet", "create", "--network", net["id"],
                     "--ip-version", "6", "--subnet-range", "fd00:102::/64",
                     "--ipv6-address-mode", "dhcpv6-stateful",
                     "--ipv6-ra-mode", "dhcpv6-stateful", "vlan102-v6")

    def v6_served():
        out = d.agent.view(["ip", "netns", "exec", ns, "ss", "-ano", "-6",
                            "-u"]).stdout
        return ":547 " in out and out
    hosts.wait_until(v6_served, CONVERGE, what="dnsmasq on UDP 547")
    args = [a for pid in d.agent.dnsmasq_pids() for a in open(
        "/proc/%d/cmdline" % pid, "rb").read().decode().split("\0")]
    assert "--dhcp-range=set:subnet-%s,fd00:102::,static,64,86400s" % \
        sub6["id"] in args, args
    d.api.osc("subnet", "delete", sub6["id"], fmt=None)
    d.api.osc("subnet", "delete", sub["id"], fmt=None)
    hosts.wait_until(lambda: ns not in d.agent.view(["ip", "netns"]).stdout,
                     CONVERGE, what=ns + " to go")
    assert not (d.agent.state_path / "dhcp" / net["id"]).exists()
    assert d.ns in d.agent.view(["ip", "netns"]).stdout


class TwoHosts:
    """Seed 002's layout: a network node that claimed the DHCP port first
    and a compute node with an instance."""

    def __init__(self, lab, api):
        self.api = api
        phys = hosts.PhysNet(lab)
        hosts.Router(lab, phys, "192.168.100.1/24")
        self.nodes = {role: AgentHost(
            lab, role, role + ".home.local", api, phys, bridge="br-data",
            precreate_bridge=True, dhcp={"enable_isolated_metadata": "True"})
            for role in ("network", "compute")}
        self.nodes["network"].start().wait_bridges()
        self.net = api.osc("network", "create", "--share",
                           "--provider-physical-network", "provider",
                           "--provider-network-type", "flat", "demo-net")
        api.osc("subnet", "create", "--network", "demo-net",
                "--subnet-range", "192.168.100.0/24", "--gateway",
                "192.168.100.1", "demo-sub")
        self.dhcp = self.wait_dhcp("network.home.local")
        self.nodes["compute"].start().wait_bridges()
        vm_uuid = str(uuid.uuid4())
        port_id, mac, self.ip = create_port(
            api.osc, "demo-net", "vm", "--device", vm_uuid, "--device-owner",
            "compute:nova")
        self.vm = hosts.Instance(lab, self.nodes["compute"].ovs, "vm-compute",
                                 port_id, mac, vm_uuid=vm_uuid, mtu=1500)
        api.wait_port(port_id, status="ACTIVE",
                      binding_host_id="compute.home.local")
        self.ns = "qdhcp-" + self.net["id"]

    def wait_dhcp(self, host, timeout=CONVERGE):
        def served():
            ports = [p for p in self.api.server.list(
                "ports", params={"network_id": self.net["id"]})
                if p["device_owner"] == "network:dhcp"]
            p = ports[0] if ports else {}
            return p.get("status") == "ACTIVE" and \
                p.get("binding:host_id") == host and p
        return hosts.wait_until(served, timeout, interval=0.1,
                                what="the DHCP port ACTIVE on " + host)

    def check_served_by(self, role):
        other = "compute" if role == "network" else "network"
        lease = self.vm.udhcpc(timeout=15)
        assert lease and lease["ip"] == self.ip, lease
        dhcp_ip = self.dhcp["fixed_ips"][0]["ip_address"]
        assert lease["serverid"] == dhcp_ip, lease
        assert lease["staticroutes"].split()[:2] == [
            "169.254.169.254/32", dhcp_ip], lease
        assert self.ns in self.nodes[role].view(["ip", "netns"]).stdout
        assert self.ns not in self.nodes[other].view(["ip", "netns"]).stdout
        assert len(self.nodes[role].dnsmasq_pids()) == 1
        assert self.nodes[other].dnsmasq_pids() == []


def test_two_hosts_compute_instance_leased_by_network_node(lab):
    """Seed 002: the network node serves DHCP (its agent claimed the DHCP
    port first); an instance on the compute node gets its lease across the
    flat network, and the compute node's agent leaves the network alone."""
    TwoHosts(lab, Api(lab)).check_served_by("network")


def test_network_moves_when_its_dhcp_agent_dies(lab):
    """The network node dies (agent and dnsmasq gone): once the server
    shows its DHCP agent dead, the compute node's agent claims the DHCP
    port and serves the network (same port, same address)."""
    t = TwoHosts(lab, Api(lab, overrides={
        "DEFAULT": {"agent_down_time": str(AGENT_DOWN_TIME)}}))
    t.check_served_by("network")
    t.nodes["network"].stop()
    t.nodes["network"].kill_dnsmasqs()
    t0 = time.monotonic()
    t.wait_dhcp("compute.home.local", timeout=AGENT_DOWN_TIME + 20)
    print("DHCP moved %.1fs after the network node died"
          % (time.monotonic() - t0))
    # The dead node's namespace stays until its agent returns.
    lease = t.vm.udhcpc(timeout=15)
    assert lease and lease["ip"] == t.ip, lease
    assert lease["serverid"] == t.dhcp["fixed_ips"][0]["ip_address"]
    assert t.ns in t.nodes["compute"].view(["ip", "netns"]).stdout
    assert len(t.nodes["compute"].dnsmasq_pids()) == 1
    # The network node comes back: it lets go of what it no longer holds.
    t.nodes["network"].start()
    hosts.wait_until(lambda: t.ns not in t.nodes["network"].view(
        ["ip", "netns"]).stdout, CONVERGE, what="the old namespace to go")
    assert t.nodes["network"].dnsmasq_pids() == []


def test_two_dhcp_agents_serve_a_network_then_one_leaves(lab):
    """dhcp_agents_per_network = 2: the compute node's agent, reporting after
    the network exists, gets it too (network_auto_schedule), with its own
    DHCP port; both dnsmasqs serve and advertise both DHCP ports as DNS
    servers.  `openstack network agent remove network --dhcp` takes the
    network from the network node: its namespace and dnsmasq go, its port
    is reserved, and the instance is leased by the compute node."""
    api = Api(lab, overrides={"DEFAULT": {"dhcp_agents_per_network": "2"}})
    t = TwoHosts(lab, api)
    net_id = t.net["id"]

    def dhcp_ports():
        return [p for p in api.server.list(
            "ports", params={"network_id": net_id})
            if p["device_owner"] == "network:dhcp"]

    def both_active():
        ports = dhcp_ports()
        return len(ports) == 2 and all(
            p["status"] == "ACTIVE" for p in ports) and ports
    ports = hosts.wait_until(both_active, CONVERGE, interval=0.1,
                             what="two DHCP ports ACTIVE")
    by_host = {p["binding:host_id"]: p for p in ports}
    assert sorted(by_host) == ["compute.home.local", "network.home.local"]
    ips = [p["fixed_ips"][0]["ip_address"] for p in
           sorted(ports, key=lambda p: p["id"])]
    agents = api.osc("network", "agent", "list", "--network", net_id)
    assert sorted(a["Host"] for a in agents) == sorted(by_host)
    for role, node in t.nodes.items():
        assert t.ns in node.view(["ip", "netns"]).stdout
        assert len(node.dnsmasq_pids()) == 1
        opts = (node.state_path / "dhcp" / net_id / "opts").read_text()
        assert "option:dns-server,%s,%s" % tuple(ips) in opts, opts
    lease = t.vm.udhcpc(timeout=15)
    assert lease and lease["ip"] == t.ip, lease
    assert lease["serverid"] in ips and sorted(lease["dns"].split()) == \
        sorted(ips), lease

    (gone,) = [a for a in agents if a["Host"] == "network.home.local"]
    api.osc("network", "agent", "remove", "network", "--dhcp", gone["ID"],
            net_id, fmt=None)
    node = t.nodes["network"]
    hosts.wait_until(lambda: t.ns not in node.view(["ip", "netns"]).stdout,
                     CONVERGE, what="the network node's namespace to go")
    hosts.wait_until(lambda: node.dnsmasq_pids() == [], CONVERGE,
                     what="the network node's dnsmasq to go")
    # Reserved.  (The network node's OVS role may bind it again before the
    # DHCP role has unplugged its tap: harmless, as Neutron keeps the
    # binding of a port it reserves; only the device_id says who holds it.)
    left = api.port_api(by_host["network.home.local"]["id"])
    assert left["device_id"] == "reserved_dhcp_port"
    kept = by_host["compute.home.local"]["fixed_ips"][0]["ip_address"]
    lease = t.vm.udhcpc(timeout=15)
    assert lease and lease["ip"] == t.ip and lease["serverid"] == kept, lease


class NovaPeer:
    """Nova's metadata API as far as the proxy sees it: it checks Neutron's
    headers and the signature, records each request and answers with what
    it got (403 for a bad signature, as Nova)."""

    def __init__(self, lab, netns, secret, port=8775):
        self.secret = secret
        self.seen = []
        self.sock = hosts.listen_in_netns(netns, "127.0.0.1", port)
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                h = {k: self.headers.get(k) for k in (
                    "X-Forwarded-For", "X-Instance-ID", "X-Tenant-ID",
                    "X-Instance-ID-Signature")}
                peer.seen.append((self.path, h))
                want = hmac.new(peer.secret.encode(),
                                (h["X-Instance-ID"] or "").encode(),
                                hashlib.sha256).hexdigest()
                status = 200 if h["X-Instance-ID-Signature"] == want else 403
                body = json.dumps({"path": self.path, "headers": h}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", port), Handler,
                                             bind_and_activate=False)
        self.server.socket = self.sock
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        lab.defer("stop the Nova peer", self.close)

    def close(self):
        self.server.shutdown()
        self.sock.close()


def test_metadata_proxied_to_nova_with_signed_headers(lab):
    secret = "s3cr3t"
    api = Api(lab)
    phys = hosts.PhysNet(lab)
    hosts.Router(lab, phys, ROUTER_CIDR)
    agent = AgentHost(lab, "ctl", SEED_HOST, api, phys, dhcp={
        "enable_isolated_metadata": "True",
        "nova_metadata_host": "127.0.0.1", "nova_metadata_port": "8775",
        "metadata_proxy_shared_secret": secret})
    nova = NovaPeer(lab, agent.ovs.netns, secret)
    agent.start()
    agent.add_nic()
    net, _ = seed_network(api.osc)
    vm_uuid = str(uuid.uuid4())
    port_id, mac, ip = create_port(api.osc, net["id"], "vm", "--device",
                                   vm_uuid, "--device-owner", "compute:nova")
    vm = hosts.Instance(lab, agent.ovs, "vm", port_id, mac, vm_uuid=vm_uuid,
                        mtu=1500)
    api.wait_port(port_id, status="ACTIVE")
    lease = vm.udhcpc(timeout=10)
    assert lease and lease["ip"] == ip, lease
    vm.set_ip(ip + "/12", ROUTER_IP)
    dhcp_ip = lease["staticroutes"].split()[1]
    vm.run(["ip", "route", "replace", "169.254.169.254/32", "via", dhcp_ip])
    project = api.port_api(port_id)["project_id"]
    ok, text = fetch(vm.run, "/openstack/latest/meta_data.json?x=1",
                     "X-Forwarded-For: 172.17.0.99")
    assert ok, text
    got = json.loads(text)
    assert got["path"] == "/openstack/latest/meta_data.json?x=1", got
    h = got["headers"]
    assert h["X-Forwarded-For"] == ip, h  # the forged one is not passed on
    assert h["X-Instance-ID"] == vm_uuid and h["X-Tenant-ID"] == project, h
    assert h["X-Instance-ID-Signature"] == hmac.new(
        secret.encode(), vm_uuid.encode(), hashlib.sha256).hexdigest(), h
    assert len(nova.seen) == 1
    # Nova's refusal (a secret that differs) reaches the instance as is.
    nova.secret = "another"
    ok, text = fetch(vm.run, "/openstack/latest/meta_data.json")
    assert not ok and "403" in text, text
