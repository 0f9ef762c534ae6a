"""Issue 6, the dataplane: neutrino-agent's firewalls end to end.

Two namespace test hosts (A, B) on one physical network, each running
neutrino-agent with `[securitygroup] firewall_driver = openvswitch`, then
both with `iptables_hybrid`, each fed once by fakefeed.FakeNeutrino (the
agent protocol with security groups as sg-contract.md gives them, written
directly) and once by neutrino-server (groups, rules and ports made through
its API; the project's default group is the server's own).  Instances (namespaces plugged into br-int as os-vif
does) on a flat network 10.66.0.0/24:

    vm1 (A, default group)     vm2 (B, default group)
    vm3 (A, group "other": egress only)
    vm4 (B, stateless group)   vm5 (B, port security off)

vm1, vm2, vm4 and vm5 listen on TCP 22 (tcpprobe.py).  vm1<->vm3 crosses
br-int on one host (table 73 to the other port's ingress); vm1<->vm2
crosses the physical network (table 60 by destination MAC).  Under
iptables_hybrid the test plays Nova and os-vif: each VM's tap is in a Linux
bridge qbr<id> joined to br-int by the veth qvb<id>/qvo<id> (seed 002), and
the agent's iptables run in its host's namespace.
"""

import os
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest

import hosts
from agenthost import AGENT_BIN, AgentHost, Api, ServerCloud
from fakefeed import Cloud, FakeNeutrino, rule
from seedcheck import check_int_flows, plug

pytestmark = pytest.mark.skipif(
    not os.access(AGENT_BIN, os.X_OK),
    reason="%s does not exist; build first" % AGENT_BIN)

TCPPROBE = str(Path(__file__).resolve().parent / "tcpprobe.py")
PREFIX = 24
ENFORCED = 5.0  # seconds a change gets to be enforced in these tests
FW_TABLES = {60, 71, 72, 73, 81, 82, 91, 92, 93, 94}


def ip(n):
    return "10.66.0.%d" % n


def mac(n):
    return "fa:16:3e:66:00:%02x" % n


def start_agent(lab, api, phys, role, hostname, driver):
    agent = AgentHost(lab, role, hostname, api, phys)
    with open(agent.conf, "a") as f:
        f.write("\n[securitygroup]\nfirewall_driver = %s\n" % driver)
    agent.start()
    agent.add_nic()
    return agent


def tcp(vm, dst, src=None, port=22):
    argv = [sys.executable, TCPPROBE, "connect", dst, str(port)]
    return vm.run(argv + ([src] if src else []), check=False).returncode == 0


def pings(vm, dst):
    return vm.ping(dst, count=1, deadline=1).loss == 0


def eventually(pred, what, timeout=ENFORCED):
    """Waits until pred() is true; returns the seconds it took."""
    t0 = time.monotonic()
    hosts.wait_until(pred, timeout, interval=0.02, what=what)
    return time.monotonic() - t0


def never(pred, what, seconds=1.0):
    """pred() stays false for a while (a blocked path stays blocked)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert not pred(), what


class HybridInstance(hosts.Instance):
    """A VM plugged as Nova and os-vif plug it for iptables_hybrid (seed
    002): its tap<id> in a Linux bridge qbr<id> with one end of the veth
    qvb<id>/qvo<id>, and qvo on br-int with the external_ids."""

    def __init__(self, lab, host, role, port_id, mac):
        sfx = port_id[:11]
        self.lab, self.host, self.port_id, self.mac = lab, host, port_id, mac
        self.bridge = "br-int"
        self.vm_uuid = str(uuid.uuid4())
        self.tap, self.qbr = "tap" + sfx, "qbr" + sfx
        self.qvb, self.qvo = "qvb" + sfx, "qvo" + sfx
        self.netns = lab.add_netns(role)
        self.ip = None
        # Inside the host's namespace, never the machine's own.
        lab.ns_run(host.netns, ["ip", "link", "add", self.qbr, "type",
                                "bridge"])
        lab.ns_run(host.netns, ["ip", "link", "set", self.qbr, "up"])
        lab.veth(host.netns, self.qvb, host.netns, self.qvo)
        lab.veth(host.netns, self.tap, self.netns, "eth0", mac_b=mac)
        for dev in (self.qvb, self.tap):
            lab.ns_run(host.netns, ["ip", "link", "set", dev, "master",
                                    self.qbr])
        self.plug()

    def plug(self):
        self.host.vsctl(
            "--may-exist", "add-port", self.bridge, self.qvo, "--", "set",
            "Interface", self.qvo,
            "external_ids:iface-id=%s" % self.port_id,
            "external_ids:iface-status=active",
            "external_ids:attached-mac=%s" % self.mac,
            "external_ids:vm-uuid=%s" % self.vm_uuid)
        self.plugged = True

    def unplug(self, delete_device=True):
        self.host.vsctl("--if-exists", "del-port", self.bridge, self.qvo)
        self.plugged = False
        if delete_device:
            self.lab.del_link(self.host.netns, self.tap)
            self.lab.del_link(self.host.netns, self.qvb)


def iptables_save(agent):
    return agent.view(["iptables-save"]).stdout


# ---------------------------------------------------------------- fixture
@pytest.fixture(scope="module", params=[
    ("openvswitch", "fake"), ("iptables_hybrid", "fake"),
    ("openvswitch", "server"), ("iptables_hybrid", "server")],
    ids=lambda p: "%s-%s" % p)
def dep(request):
    """One lab per driver and server (module_lab would be shared)."""
    lab = hosts.Lab()
    try:
        yield deploy(lab, *request.param)
    finally:
        lab.cleanup()


def deploy(lab, driver, server):
    """The hosts and instances, fed by the in-memory server ("fake") or by
    neutrino-server through its API ("server")."""
    if server == "fake":
        api = FakeNeutrino()
        api.hybrid = driver == "iptables_hybrid"
        lab.defer("stop the fake server", api.close)
    else:
        api = Api(lab, overrides={
            "ml2_type_flat": {"flat_networks": "provider"}})
    phys = hosts.PhysNet(lab)
    a = start_agent(lab, api, phys, "fwa", "fw-a", driver)
    b = start_agent(lab, api, phys, "fwb", "fw-b", driver)
    cloud = Cloud(api) if server == "fake" else ServerCloud(api)
    default = cloud.group("default", lambda me: [
        rule("ingress", remote_group_id=me),
        rule("ingress", "IPv6", remote_group_id=me),
        rule("egress"), rule("egress", "IPv6")])
    other = cloud.group("other", [rule("egress"), rule("egress", "IPv6")])
    stateless = cloud.group("stateless", [
        rule("ingress", protocol="tcp", port_range_min=22,
             port_range_max=22)], stateful=False)
    spec = {1: (a, [default], True), 2: (b, [default], True),
            3: (a, [other], True), 4: (b, [stateless], True),
            5: (b, [], False)}
    vms = {}
    for n, (agent, groups, security) in spec.items():
        port_id = cloud.port("vm%d" % n, mac(n), ip(n), groups, security)
        if driver == "iptables_hybrid":
            vms[n] = HybridInstance(lab, agent.ovs, "vm%d" % n, port_id,
                                    mac(n))
            vms[n].set_ip("%s/%d" % (ip(n), PREFIX))
        else:
            vms[n] = plug(lab, agent, "vm%d" % n, port_id, mac(n), ip(n),
                          PREFIX, None)
        if n != 3:
            lab.spawn([sys.executable, TCPPROBE, "listen", "22"],
                      lab.dir / ("listen-vm%d.log" % n), netns=vms[n].netns)
    for vm in vms.values():
        hosts.wait_until(
            lambda: cloud.status(vm.port_id) == "ACTIVE", 15,
            what="%s ACTIVE" % vm.port_id)
    return {"cloud": cloud, "a": a, "b": b, "vms": vms,
            "default": default, "other": other, "stateless": stateless,
            "lab": lab, "driver": driver}


# ---------------------------------------------------------------- tests
def test_agents_report_the_firewall(dep):
    for host in ("fw-a", "fw-b"):
        conf = dep["cloud"].agent_configurations(host)
        assert conf["firewall_driver"] == dep["driver"], conf
        assert conf["ovs_hybrid_plug"] is (
            dep["driver"] == "iptables_hybrid"), conf
    details = dep["cloud"].vif_details(dep["vms"][1].port_id)
    assert details["ovs_hybrid_plug"] is (
        dep["driver"] == "iptables_hybrid"), details
    assert details["port_filter"] is True, details


def test_flows_in_neutrons_tables_beside_seed_000(dep):
    if dep["driver"] != "openvswitch":
        pytest.skip("the openvswitch driver's tables")
    a = dep["a"]
    check_int_flows(a, lvid=1)  # seed 000's own flows are all still there
    flows = a.ovs.dump_flows("br-int")
    assert FW_TABLES <= {f.table for f in flows}, flows
    assert len({f.cookie for f in flows}) == 1, "one run cookie"
    vm1 = dep["vms"][1]
    t60 = [f for f in flows if f.table == 60 and
           f.match.get("in_port") == vm1.tap]
    assert t60 and "resubmit(,71)" in t60[0].actions, t60


def test_hybrid_plug_as_seed_002(dep):
    """brctl, ovs-vsctl, ip -d link and iptables-save on host A as seed
    002's compute node shows them, with Neutron's chains."""
    if dep["driver"] != "iptables_hybrid":
        pytest.skip("the hybrid plug")
    a, vm1 = dep["a"], dep["vms"][1]
    brctl = a.view(["brctl", "show", vm1.qbr]).stdout
    assert vm1.qvb in brctl and vm1.tap in brctl, brctl
    assert a.tag(vm1.qvo) == 1
    link = a.view(["ip", "-d", "link", "show", vm1.qvb]).stdout
    assert "master %s" % vm1.qbr in link and "veth" in link, link
    rules = iptables_save(a)
    id10 = vm1.port_id[:10]
    for chain in ("i", "o", "s"):
        assert ":neutron-openvswi-%s%s " % (chain, id10) in rules, rules
    assert "-m physdev --physdev-in %s --physdev-is-bridged" % vm1.tap in \
        rules, rules
    assert "-A FORWARD -j neutron-openvswi-FORWARD" in rules, rules
    assert "CT --zone 4097" in a.view(["iptables-save", "-t", "raw"]).stdout
    of = str(a.ovs.ofport(vm1.qvo))
    t24 = [f for f in a.ovs.dump_flows("br-int", table=24)
           if f.match.get("arp_spa") == ip(1)]
    assert t24, "no ARP spoofing flow for vm1 (ofport %s)" % of


def test_default_group_members_reach_each_other(dep):
    vms = dep["vms"]
    eventually(lambda: pings(vms[1], ip(2)), "vm1 to ping vm2")
    assert pings(vms[2], ip(1))
    assert tcp(vms[1], ip(2)) and tcp(vms[2], ip(1))


def test_other_group_blocked_until_a_rule_allows_it(dep):
    vms, cloud, default = dep["vms"], dep["cloud"], dep["default"]
    never(lambda: tcp(vms[3], ip(1)), "vm3 reached vm1 (same host)")
    assert not tcp(vms[3], ip(2)), "vm3 reached vm2 (across hosts)"
    assert not pings(vms[3], ip(1))
    # From the other group.
    r = cloud.add_rule(default, rule("ingress", protocol="tcp",
                                     port_range_min=22, port_range_max=22,
                                     remote_group_id=dep["other"]))
    took = eventually(lambda: tcp(vms[3], ip(1)), "the rule to let vm3 in")
    print("remote-group rule enforced after %.3fs" % took)
    assert tcp(vms[3], ip(2))
    assert not pings(vms[3], ip(1)), "only TCP 22 was allowed"
    cloud.remove_rule(default, r)
    eventually(lambda: not tcp(vms[3], ip(1)), "the rule's removal")
    # From a prefix.
    r = cloud.add_rule(default, rule("ingress", protocol="tcp",
                                     port_range_min=22, port_range_max=22,
                                     remote_ip_prefix=ip(3) + "/32"))
    eventually(lambda: tcp(vms[3], ip(2)), "the prefix rule")
    cloud.remove_rule(default, r)
    eventually(lambda: not tcp(vms[3], ip(2)), "the prefix rule's removal")


def test_established_connection_vs_rule_removal(dep):
    """Neutron's OVS firewall: a connection lives while a rule allows it;
    once the rule goes, its next packets are dropped (ct_mark)."""
    vms, cloud, default, lab = dep["vms"], dep["cloud"], dep["default"], \
        dep["lab"]
    r = cloud.add_rule(default, rule("ingress", protocol="tcp",
                                     port_range_min=22, port_range_max=22,
                                     remote_ip_prefix=ip(3) + "/32"))
    eventually(lambda: tcp(vms[3], ip(1)), "the rule")

    def held(remove):
        go = lab.dir / ("go-%s" % uuid.uuid4().hex[:6])
        log = lab.dir / ("hold-%s.log" % go.name)
        proc = lab.spawn([sys.executable, TCPPROBE, "hold", ip(1), "22", go],
                         log, netns=vms[3].netns)
        hosts.wait_until(lambda: "first ok" in log.read_text(), 5,
                         what="the connection")
        if remove:
            cloud.remove_rule(default, r)
            eventually(lambda: not tcp(vms[3], ip(1)), "the removal")
        go.touch()
        proc.wait(timeout=10)
        return log.read_text()

    assert "second ok" in held(remove=False)
    assert "second lost" in held(remove=True)


def test_stateless_group_needs_rules_for_replies(dep):
    vms, cloud = dep["vms"], dep["cloud"]
    # Ingress TCP 22 is allowed, but nothing lets vm4's SYN-ACK out.
    never(lambda: tcp(vms[3], ip(4)), "vm4 answered without an egress rule")
    r = cloud.add_rule(dep["stateless"], rule("egress", protocol="tcp"))
    eventually(lambda: tcp(vms[3], ip(4)), "the stateless egress rule")
    assert not pings(vms[3], ip(4)), "ICMP is not allowed in"
    cloud.remove_rule(dep["stateless"], r)
    eventually(lambda: not tcp(vms[3], ip(4)), "the egress rule's removal")


def test_port_security_off_passes_everything(dep):
    vms = dep["vms"]
    # vm3 reaches nothing filtered, but vm5 filters nothing.
    assert pings(vms[3], ip(5)) and tcp(vms[3], ip(5))
    assert pings(vms[1], ip(5))


def test_spoofed_ip_mac_and_arp_get_nothing_through(dep):
    vm1, vm5 = dep["vms"][1], dep["vms"][5]
    assert pings(vm1, ip(5))
    # Another IP.
    vm1.run(["ip", "addr", "add", "%s/%d" % (ip(50), PREFIX), "dev",
             "eth0"])
    try:
        assert not tcp(vm1, ip(5), src=ip(50))
        assert tcp(vm1, ip(5), src=ip(1))
    finally:
        vm1.run(["ip", "addr", "del", "%s/%d" % (ip(50), PREFIX), "dev",
                 "eth0"])
    # Another MAC.
    vm1.run(["ip", "link", "set", "eth0", "address", mac(60)])
    try:
        never(lambda: pings(vm1, ip(5)), "vm1 got out with a forged MAC")
    finally:
        vm1.run(["ip", "link", "set", "eth0", "address", mac(1)])
    eventually(lambda: pings(vm1, ip(5)), "vm1 back with its own MAC")
    # Answering ARP for vm2's address.
    vm1.run(["ip", "addr", "add", "%s/32" % ip(2), "dev", "eth0"])
    try:
        out = vm5.run(["busybox", "arping", "-c", "3", "-w", "3", "-I",
                       "eth0", ip(2)], check=False).stdout.lower()
    finally:
        vm1.run(["ip", "addr", "del", "%s/32" % ip(2), "dev", "eth0"])
    assert mac(2) in out, out
    assert mac(1) not in out, out


def test_allowed_address_pair_gets_through(dep):
    cloud, vm1 = dep["cloud"], dep["vms"][1]
    vm1.run(["ip", "addr", "add", "%s/%d" % (ip(99), PREFIX), "dev",
             "eth0"])
    assert not tcp(vm1, ip(5), src=ip(99))
    cloud.set_pairs(vm1.port_id, [ip(99)])
    eventually(lambda: tcp(vm1, ip(5), src=ip(99)), "the address pair")
    # The pair is a member of the default group: vm2 lets it in.
    assert tcp(vm1, ip(2), src=ip(99))
    cloud.set_pairs(vm1.port_id, [])
    eventually(lambda: not tcp(vm1, ip(5), src=ip(99)), "the pair's removal")
    vm1.run(["ip", "addr", "del", "%s/%d" % (ip(99), PREFIX), "dev",
             "eth0"])


def test_agent_restart_keeps_filtering(dep):
    a, vms = dep["a"], dep["vms"]
    cookie = {f.cookie for f in a.ovs.dump_flows("br-int")}
    result = vms[1].ping_background(ip(2), count=60, interval=0.05)
    a.stop(sig=signal.SIGTERM)
    assert not tcp(vms[3], ip(1)), "filtering stopped with the agent"
    a.start()

    def new_run_alone():
        now = {f.cookie for f in a.ovs.dump_flows("br-int")}
        return len(now) == 1 and now != cookie
    hosts.wait_until(new_run_alone, 15, what="the new run's flows alone")
    res = result()
    assert res.loss == 0, res
    assert not tcp(vms[3], ip(1))
    assert tcp(vms[2], ip(1))


def test_unplugged_port_leaves_no_flows(dep):
    a, vm3 = dep["a"], dep["vms"][3]
    if dep["driver"] == "iptables_hybrid":
        assert vm3.port_id[:10] in iptables_save(a)
        vm3.unplug()
        hosts.wait_until(lambda: vm3.port_id[:10] not in iptables_save(a),
                         ENFORCED, what="vm3's chains to go")
        return
    of = str(a.ovs.ofport(vm3.tap))

    def mine(f):
        return f.match.get("in_port") == vm3.tap or f.match.get("reg5") in (
            of, hex(int(of)))
    assert [f for f in a.ovs.dump_flows("br-int") if mine(f)]
    vm3.unplug()
    hosts.wait_until(lambda: not [f for f in a.ovs.dump_flows("br-int")
                                  if mine(f)], ENFORCED,
                     what="vm3's flows to go")
