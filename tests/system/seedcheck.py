"""Seed 000 / seed 002 expectations for an OVS agent's work on a test host.

Shared by the neutrino-agent end-to-end tests and by the reference run
against Debian's neutron-openvswitch-agent (test_neutron_reference.py),
which is how these checks were confirmed to describe Neutron's behaviour.

The check functions take `agent`: anything with `.ovs` (a hosts.TestHost),
`.bridge` (the mapped physical bridge), `.int_patch`/`.phy_patch` (the
patch port names) and `.physnet`.  They raise AssertionError with the
observed state, so hosts.wait_until() can poll them.
"""

import json

import pytest

import hosts

SEED_HOST = "controller.home.local"
ROUTER_CIDR = "172.16.0.1/12"
ROUTER_IP = "172.16.0.1"
DEAD_VLAN = 4095
CANARY_TABLE = 23
VLAN = 101
CONVERGE = 10.0  # seconds an agent gets to wire a port
SEED_VIF_DETAILS = {"bound_drivers": {"0": "openvswitch"},
                    "bridge_name": "br-int", "connectivity": "l2",
                    "datapath_type": "netdev", "ovs_hybrid_plug": False,
                    "port_filter": True}
# Seed 000's `port show` row, with the datapath this machine can run.
SEED_VIF_DETAILS_ROW = (
    "bound_drivers.0='openvswitch', bridge_name='br-int', connectivity='l2',"
    " datapath_type='netdev', ovs_hybrid_plug='False', port_filter='True'")


def create_port(osc, network, name, *extra):
    """openstack port create; returns (id, MAC, first fixed IP)."""
    p = osc("port", "create", "--network", network, *extra, name)
    return p["id"], p["mac_address"], p["fixed_ips"][0]["ip_address"]


def plug(lab, agent, role, port_id, mac, ip, prefix, gateway):
    """An instance plugged into agent's br-int with the port's address."""
    vm = hosts.Instance(lab, agent.ovs, role, port_id, mac, mtu=1500)
    vm.set_ip("%s/%d" % (ip, prefix), gateway)
    return vm


def seed_network(osc, *subnet_extra):
    """Seed 000's network and subnet, with the real CLI."""
    net = osc("network", "create", "--share", "--external",
              "--provider-physical-network", "provider",
              "--provider-network-type", "flat", "provider")
    sub = osc("subnet", "create", "--network", "provider",
              "--allocation-pool", "start=172.17.0.0,end=172.17.0.255",
              "--gateway", "172.16.0.1", "--subnet-range", "172.16.0.0/12",
              *subnet_extra, "provider")
    return net, sub

def vif_count(agent):
    """Interfaces on br-int that name a port (what Neutron's `devices`
    counts)."""
    out = json.loads(agent.ovs.vsctl("--format=json", "--columns=name,"
                                     "external_ids", "list", "Interface"))
    on_int = set(agent.ovs.vsctl("list-ifaces", "br-int").split())
    n = 0
    for name, ids in out["data"]:
        pairs = dict(ids[1])
        n += name in on_int and "iface-id" in pairs
    return n


def single(flows, what, pred):
    found = [f for f in flows if pred(f)]
    assert len(found) == 1, "expected one %s flow, found %d in:\n%s" % (
        what, len(found), "\n".join(f.text for f in flows))
    return found[0]


def check_run_cookie(flows, cookie):
    """No flow without a cookie, and the bridge's own flows (table 0, the
    canary table) all carry `cookie`, the agent run's.  Other tables may
    use further cookies of the run: Neutron's OVS firewall reserves extra
    ones for its conjunction flows."""
    bad = [f for f in flows if f.cookie == 0 or
           (f.table in (0, CANARY_TABLE) and f.cookie != cookie)]
    assert cookie != 0 and not bad, "run cookie %#x; flows off it:\n%s" % (
        cookie, "\n".join(f.text for f in bad))
    return cookie


def check_int_flows(agent, lvid, segid=None):
    """br-int as seed 002: from the patch port, untagged (flat) or with
    the segmentation id (VLAN) → mod_vlan_vid:<lvid>, prio 3; the rest from
    it dropped, prio 2; NORMAL below; plus dead-VLAN drop and the canary."""
    flows = agent.ovs.dump_flows("br-int")
    p = agent.int_patch

    def from_patch(f):
        return f.table == 0 and f.match.get("in_port") == p

    tr = single(flows, "translation", lambda f: from_patch(f) and (
        f.untagged if segid is None else f.vlan == segid) and
        f.sets_vlan == lvid)
    assert tr.priority == 3 and tr.continues, tr
    cookie = check_run_cookie(flows, tr.cookie)
    drop = single(flows, "patch drop", lambda f: from_patch(f) and
                  set(f.match) == {"in_port"})
    assert drop.priority == 2 and drop.drops, drop
    t0 = [f for f in flows if f.table == 0]
    dead = single(flows, "dead VLAN", lambda f: f.table == 0 and
                  f.vlan == DEAD_VLAN)
    assert dead.drops and dead.priority == max(f.priority for f in t0), dead
    canary = [f for f in flows if f.table == CANARY_TABLE]
    assert canary and all(f.drops for f in canary), flows
    fallback = [f for f in t0 if not f.match]
    assert fallback and fallback[0].continues and \
        fallback[0].priority < drop.priority, t0
    assert any("NORMAL" in f.actions for f in flows), flows
    return cookie


def check_phys_flows(agent, lvid, segid=None):
    """The physical bridge as seed 002: from its patch port with the local
    VLAN → strip_vlan (flat) / mod_vlan_vid:<segid> (VLAN), prio 4; the
    rest from it dropped, prio 2; NORMAL below."""
    flows = agent.ovs.dump_flows(agent.bridge)
    p = agent.phy_patch

    def from_patch(f):
        return f.table == 0 and f.match.get("in_port") == p

    tr = single(flows, "translation", lambda f: from_patch(f) and
                f.vlan == lvid)
    if segid is None:
        assert tr.strips_vlan and tr.sets_vlan is None, tr
    else:
        assert tr.sets_vlan == segid and not tr.strips_vlan, tr
    assert tr.priority == 4 and "NORMAL" in tr.actions, tr
    cookie = check_run_cookie(flows, tr.cookie)
    drop = single(flows, "patch drop", lambda f: from_patch(f) and
                  set(f.match) == {"in_port"})
    assert drop.priority == 2 and drop.drops, drop
    normal = [f for f in flows if f.table == 0 and not f.match]
    assert normal and normal[0].actions == "NORMAL" and \
        normal[0].priority < 2, flows
    return cookie


def check_show(agent, vifs):
    """`ovs-vsctl show` has seed 000's structure.  vifs: {tap: tag}."""
    # The first line is the Open_vSwitch row's UUID; all else is below it.
    tree = hosts.parse_show(agent.ovs.show())[0][1]
    problems = []

    def need(*path):
        if hosts.show_find(tree, *path) is None:
            problems.append(" / ".join(path))

    need('Manager "ptcp:6640:127.0.0.1"', "is_connected: true")
    for br in ("br-int", agent.bridge):
        b = "Bridge %s" % br
        need(b, 'Controller "tcp:127.0.0.1:6633"', "is_connected: true")
        need(b, "fail_mode: secure")
        need(b, "datapath_type: netdev")
        need(b, "Port %s" % br, "Interface %s" % br, "type: internal")
    for br, mine, peer in (("br-int", agent.int_patch, agent.phy_patch),
                           (agent.bridge, agent.phy_patch, agent.int_patch)):
        b = "Bridge %s" % br
        need(b, "Port %s" % mine, "Interface %s" % mine, "type: patch")
        need(b, "Port %s" % mine, "Interface %s" % mine,
             "options: {peer=%s}" % peer)
    need("Bridge %s" % agent.bridge, "Port eth0", "Interface eth0")
    for tap, tag in vifs.items():
        need("Bridge br-int", "Port %s" % tap, "tag: %d" % tag)
        need("Bridge br-int", "Port %s" % tap, "Interface %s" % tap)
    return problems


def wait_show(agent, vifs, timeout=CONVERGE):
    """Controllers' is_connected is refreshed by ovs-vswitchd now and then,
    so wait for the whole picture."""
    last = []

    def ok():
        last[:] = check_show(agent, vifs)
        return not last
    try:
        hosts.wait_until(ok, timeout, interval=0.2, what="ovs-vsctl show")
    except hosts.HarnessError:
        pytest.fail("ovs-vsctl show lacks:\n  %s\n%s" % (
            "\n  ".join(last), agent.ovs.show()))


def check_port_other_config(agent, tap, net_id, lvid, net_type, segid=None):
    """The local VLAN is remembered on the Port as Neutron does it."""
    want = {"net_uuid": net_id, "network_type": net_type,
            "physical_network": agent.physnet, "tag": str(lvid)}
    if segid is not None:
        want["segmentation_id"] = str(segid)
    have = {k: agent.ovs.vsctl("--if-exists", "get", "Port", tap,
                               "other_config:" + k).strip().strip('"')
            for k in want}
    assert have == want, "Port %s other_config: %s, want %s" % (tap, have,
                                                               want)
