"""Issue 4 end to end: neutrino-server + neutrino-agent on namespace hosts.

Skipped while build/neutrino-agent (or $NEUTRINO_AGENT) does not exist.

Where the processes run, and why:
- neutrino-server runs in the test's (root) namespace on 127.0.0.1 with
  an ephemeral port and a temp SQLite file, started exactly as the
  functional tests start it (tests/func/conftest.py's Server).
- neutrino-agent runs *inside* its test host's network namespace
  (`nsenter --net`), next to that host's ovsdb-server and ovs-vswitchd, as
  on a real host: `ovsdb_connection = tcp:127.0.0.1:6640` (Neutron's
  default; the agent adds the seed's `Manager "ptcp:6640:127.0.0.1"`) and
  it listens for OpenFlow on 127.0.0.1:6633, so `ovs-vsctl show` names the
  seed's controller target `tcp:127.0.0.1:6633` verbatim.  Every host has
  its own loopback, so several agents use the same addresses.
- The agent reaches the server at `server_url = http://127.0.0.1:9696`
  inside its namespace: the test process holds a listening socket created
  in that namespace (a socket keeps the namespace it was made in) and
  relays each connection to the server's real address (hosts.NetnsRelay).
  That relay is the "management network"; it needs no device or address
  in the root namespace.  (The alternative, the agent in the root
  namespace pointed at the host's OVSDB unix socket, fails on OpenFlow:
  ovs-vswitchd in the namespace cannot reach a controller listening on the
  root namespace's loopback.)
- The agent also gets a private mount namespace with an empty tmpfs on
  /run/netns, so namespaces it creates (qdhcp-*) are its own and never
  collide between hosts (agenthost.py, where Api and AgentHost live).

The expectations come from seed 000 (`ovs-vsctl show`, `port show`) and
seed 002 (`ovs-ofctl dump-flows` of br-int and the physical bridge, the
network node + compute node layout), with datapath_type netdev (these
machines have no openvswitch kernel module).
"""

import json
import os
import time
import uuid

import pytest

import hosts
from agenthost import AGENT_BIN, AGENT_DOWN_TIME, AgentHost, Api, func
from seedcheck import (CONVERGE, DEAD_VLAN, ROUTER_CIDR, ROUTER_IP,
                       SEED_HOST, SEED_VIF_DETAILS, SEED_VIF_DETAILS_ROW,
                       VLAN, check_int_flows, check_phys_flows,
                       check_port_other_config, create_port, plug,
                       seed_network, vif_count, wait_show)

pytestmark = pytest.mark.skipif(
    not os.access(AGENT_BIN, os.X_OK),
    reason="%s does not exist yet (issue 4: neutrino-agent); these tests run"
    " once it is built (or set NEUTRINO_AGENT)" % AGENT_BIN)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def dep(module_lab):
    """Seed 000 on one host: server, agent, router, two instances."""
    lab = module_lab
    api = Api(lab, overrides={
        "DEFAULT": {"agent_down_time": str(AGENT_DOWN_TIME)},
        "ml2_type_flat": {"flat_networks": "provider,physnet2"}})
    phys = hosts.PhysNet(lab)
    router = hosts.Router(lab, phys, ROUTER_CIDR)
    agent = AgentHost(lab, "ctl", SEED_HOST, api, phys).start()
    agent.add_nic()
    net, sub = seed_network(api.osc)
    vms = []
    for n in (1, 2):
        port_id, mac, ip = create_port(api.osc, "provider", "vm%d-port" % n)
        t0 = time.monotonic()
        vms.append(plug(lab, agent, "vm%d" % n, port_id, mac, ip, 12,
                        ROUTER_IP))
        api.wait_port(port_id, status="ACTIVE")
        print("vm%d: plugged -> ACTIVE in %.3fs" % (n, time.monotonic() - t0))
    return {"api": api, "phys": phys, "router": router, "agent": agent,
            "net": net, "sub": sub, "vm1": vms[0], "vm2": vms[1], "lab": lab}


# ---------------------------------------------------------------- tests
def test_ports_active_with_seed_binding(dep):
    api, agent = dep["api"], dep["agent"]
    for vm in (dep["vm1"], dep["vm2"]):
        p = api.port_api(vm.port_id)
        assert p["status"] == "ACTIVE", p
        assert p["binding:host_id"] == SEED_HOST, p
        assert p["binding:vif_type"] == "ovs", p
        assert p["binding:vif_details"] == SEED_VIF_DETAILS, p
        assert p["binding:vnic_type"] == "normal", p
    rows = func.table_to_dict(api.osc("port", "show", dep["vm1"].port_id,
                                      fmt="table"))
    assert rows["binding_vif_details"] == SEED_VIF_DETAILS_ROW, rows
    assert rows["binding_vif_type"] == "ovs"
    assert rows["binding_host_id"] == SEED_HOST
    assert rows["status"] == "ACTIVE"
    assert agent.alive()


def test_ovs_vsctl_show_as_seed(dep):
    agent = dep["agent"]
    vifs = {dep["vm1"].tap: 1, dep["vm2"].tap: 1}
    wait_show(agent, vifs)
    for vm in (dep["vm1"], dep["vm2"]):
        check_port_other_config(agent, vm.tap, dep["net"]["id"], 1, "flat")
    for br in ("br-int", agent.bridge):
        assert agent.ovs.get("Bridge", br, "fail_mode") == "secure"


def test_flows_as_seed(dep):
    agent = dep["agent"]
    for br, cookie in (("br-int", check_int_flows(agent, lvid=1)),
                       (agent.bridge, check_phys_flows(agent, lvid=1))):
        # No firewall yet: every flow of the bridge is of this run's cookie.
        flows = agent.ovs.dump_flows(br)
        assert {f.cookie for f in flows} == {cookie}, flows


def test_instances_ping_each_other_and_router(dep):
    vm1, vm2 = dep["vm1"], dep["vm2"]
    vm1.wait_ping(ROUTER_IP)
    for src, dst in ((vm1, vm2.ip), (vm2, vm1.ip), (vm1, ROUTER_IP),
                     (vm2, ROUTER_IP)):
        r = src.ping(dst, count=3, interval=0.1)
        assert r.loss == 0, "%s -> %s: %s" % (src.netns, dst, r.text)


def test_agent_list_shows_ovs_agent(dep):
    api = dep["api"]
    rows = func.parse_table(api.osc("network", "agent", "list", fmt="table"))
    head = rows[0]
    assert head == ["ID", "Agent Type", "Host", "Availability Zone", "Alive",
                    "State", "Binary"], head
    ovs = [dict(zip(head, r)) for r in rows[1:]
           if r[1] == "Open vSwitch agent"]
    assert len(ovs) == 1, rows
    a = ovs[0]
    assert a["Host"] == SEED_HOST and a["Alive"] == ":-)" and \
        a["State"] == "UP" and a["Binary"] == "neutrino-agent", a
    shown = api.osc("network", "agent", "show", a["ID"])
    conf = shown["configuration"]  # openstacksdk's name for the field
    if isinstance(conf, str):
        conf = json.loads(conf)
    assert conf["bridge_mappings"] == {"provider": "br-provider"}, conf
    assert conf["devices"] == vif_count(dep["agent"]) >= 2, conf


def test_vlan_network_tagged_on_the_wire(dep):
    api, agent, router, phys = dep["api"], dep["agent"], dep["router"], \
        dep["phys"]
    lab = dep["lab"]
    net = api.osc("network", "create", "--provider-network-type", "vlan",
                  "--provider-physical-network", "provider",
                  "--provider-segment", str(VLAN), "vlan%d" % VLAN)
    api.osc("subnet", "create", "--network", net["id"], "--subnet-range",
            "192.168.101.0/24", "--gateway", "192.168.101.1", "vlan-sub")
    dev = router.add_vlan(VLAN, "192.168.101.1/24")
    vms = []
    for n in (3, 4):
        port_id, mac, ip = create_port(api.osc, net["id"], "vm%d-port" % n)
        vms.append(plug(lab, agent, "vm%d" % n, port_id, mac, ip, 24,
                        "192.168.101.1"))
    for vm in vms:
        api.wait_port(vm.port_id, status="ACTIVE", binding_host_id=SEED_HOST)
    lvid = agent.tag(vms[0].tap)
    assert lvid not in (None, 1, DEAD_VLAN) and 1 <= lvid <= 4094, lvid
    assert agent.tag(vms[1].tap) == lvid
    check_port_other_config(agent, vms[0].tap, net["id"], lvid, "vlan",
                            segid=VLAN)
    check_int_flows(agent, lvid=lvid, segid=VLAN)
    check_phys_flows(agent, lvid=lvid, segid=VLAN)
    check_int_flows(agent, lvid=1)  # the flat network's flows stay

    cap = phys.capture("vlan %d and icmp" % VLAN, count=4, timeout=20)
    rx0 = router.rx_packets(dev)
    vms[0].wait_ping("192.168.101.1")
    vms[1].wait_ping("192.168.101.1")
    r = vms[0].ping(vms[1].ip, count=3, interval=0.1)
    assert r.loss == 0, r.text
    # Both instances' echo and reply crossed the wire tagged; their pings to
    # each other stay inside br-int.
    frames = cap.result()
    assert len(frames) == 4 and all("vlan %d" % VLAN in f for f in frames), \
        frames
    assert router.rx_packets(dev) > rx0

    # The host's last port of the network goes: local VLAN and flows go.
    # (The network's DHCP port is plugged here too, by the DHCP role: it
    # goes with the network's last DHCP subnet.)
    for vm in vms:
        vm.unplug()
        api.wait_port(vm.port_id, status="DOWN")
        api.osc("port", "delete", vm.port_id, fmt=None)
    api.osc("subnet", "delete", "vlan-sub", fmt=None)
    hosts.wait_until(lambda: not any(
        f.sets_vlan == lvid for f in agent.ovs.dump_flows("br-int")),
        CONVERGE, what="the VLAN network's flows to go")
    assert not any(f.vlan == lvid
                   for f in agent.ovs.dump_flows(agent.bridge))


def test_agent_restart_loses_no_packet(dep):
    agent, vm1 = dep["agent"], dep["vm1"]
    old = {check_int_flows(agent, lvid=1), check_phys_flows(agent, lvid=1)}
    tag_before = agent.tag(vm1.tap)
    vm1.wait_ping(ROUTER_IP)
    result = vm1.ping_background(ROUTER_IP, count=800, interval=0.01)
    time.sleep(1.0)
    agent.stop()
    time.sleep(0.5)
    agent.start()

    def converged():
        new = {check_int_flows(agent, lvid=1),
               check_phys_flows(agent, lvid=1)}
        stale = [f for br in ("br-int", agent.bridge)
                 for f in agent.ovs.dump_flows(br) if f.cookie in old]
        assert not stale, stale
        return not new & old
    hosts.wait_until(converged, CONVERGE, interval=0.1,
                     what="the restarted agent to replace its flows")
    r = result()
    # Under load ping may send fewer than it was asked to; none may be lost.
    assert r.transmitted >= 300 and r.received == r.transmitted, r.text
    assert agent.tag(vm1.tap) == tag_before
    assert dep["api"].port_api(vm1.port_id)["status"] == "ACTIVE"


def test_vswitchd_restart_flows_back_within_2s(dep):
    agent, vm1, vm2 = dep["agent"], dep["vm1"], dep["vm2"]
    started = agent.ovs.restart_vswitchd()

    def flows_back():
        check_int_flows(agent, lvid=1)
        check_phys_flows(agent, lvid=1)
        return True
    hosts.wait_until(flows_back, 5, interval=0.02,
                     what="flows after an ovs-vswitchd restart")
    elapsed = time.monotonic() - started
    print("ovs-vswitchd restart: flows back %.3fs after its start" % elapsed)
    assert elapsed <= 2.0, elapsed
    vm1.wait_ping(vm2.ip, timeout=5)
    vm1.wait_ping(ROUTER_IP, timeout=5)


def test_ovsdb_server_restart_agent_reconnects(dep):
    """The agent's OVSDB session survives ovsdb-server going away: once it
    is back, a newly plugged port is wired as before."""
    api, agent, lab, vm1 = dep["api"], dep["agent"], dep["lab"], dep["vm1"]
    agent.ovs.restart_ovsdb()
    port_id, mac, ip = create_port(api.osc, dep["net"]["id"], "vm9-port")
    vm9 = plug(lab, agent, "vm9", port_id, mac, ip, 12, ROUTER_IP)
    api.wait_port(port_id, status="ACTIVE", binding_host_id=SEED_HOST)
    assert agent.tag(vm9.tap) == agent.tag(vm1.tap) == 1
    vm9.wait_ping(vm1.ip, timeout=5)
    assert agent.alive()
    vm9.unplug()
    api.wait_port(port_id, status="DOWN")


def test_unknown_iface_id_gets_dead_vlan(dep):
    agent, lab = dep["agent"], dep["lab"]
    stranger = hosts.Instance(lab, agent.ovs, "vmx", str(uuid.uuid4()),
                              "fa:16:3e:aa:bb:cc")
    agent.wait_tag(stranger.tap, DEAD_VLAN)
    time.sleep(1.0)
    assert agent.tag(stranger.tap) == DEAD_VLAN


def test_unbindable_port_dead_vlan_and_down(dep):
    api, agent, lab = dep["api"], dep["agent"], dep["lab"]
    api.osc("network", "create", "--provider-network-type", "flat",
            "--provider-physical-network", "physnet2", "unmapped")
    api.osc("subnet", "create", "--network", "unmapped", "--subnet-range",
            "10.99.0.0/24", "unmapped")
    port_id, mac, ip = create_port(api.osc, "unmapped", "vmy-port")
    vm = plug(lab, agent, "vmy", port_id, mac, ip, 24, None)
    agent.wait_tag(vm.tap, DEAD_VLAN)
    time.sleep(1.0)
    p = api.port_api(port_id)
    assert p["status"] == "DOWN", p
    assert p["binding:vif_type"] != "ovs", p
    assert agent.tag(vm.tap) == DEAD_VLAN


def test_unplug_makes_port_down(dep):
    api, vm2 = dep["api"], dep["vm2"]
    vm2.unplug()
    api.wait_port(vm2.port_id, status="DOWN")
    # Its network still has vm1 here: the local VLAN and flows stay.
    check_int_flows(dep["agent"], lvid=1)


def test_agent_marked_dead_after_agent_down_time(dep):
    api, agent = dep["api"], dep["agent"]
    agent.stop()

    def dead():
        rows = func.parse_table(api.osc("network", "agent", "list",
                                        fmt="table"))
        return [r for r in rows[1:] if r[1] == "Open vSwitch agent" and
                r[2] == SEED_HOST and r[4] == "XXX"]
    hosts.wait_until(dead, AGENT_DOWN_TIME + 10, interval=1,
                     what="the stopped agent to be shown dead")


def test_agent_with_shared_secret(lab):
    """noauth with [agent] shared_secret on server and agent: the agent
    binds and wires a port as without one (the secret rides on every
    call; tests/func/test_agents.py has the refusals)."""
    secret = uuid.uuid4().hex
    api = Api(lab, overrides={"agent": {"shared_secret": secret}})
    phys = hosts.PhysNet(lab)
    hosts.Router(lab, phys, ROUTER_CIDR)
    agent = AgentHost(lab, "sec", SEED_HOST, api, phys,
                      agent={"shared_secret": secret}).start()
    agent.add_nic()
    seed_network(api.osc)
    port_id, mac, ip = create_port(api.osc, "provider", "vm-port")
    vm = plug(lab, agent, "vm", port_id, mac, ip, 12, ROUTER_IP)
    p = api.wait_port(port_id, status="ACTIVE", binding_host_id=SEED_HOST)
    assert p["binding:vif_details"] == SEED_VIF_DETAILS
    vm.wait_ping(ROUTER_IP)
    assert "refused" not in agent.log_tail()


def test_two_hosts_seed_002(lab):
    """Seed 002: network node + compute node on a flat network mapped to
    br-data (made by the operator, NIC inside); instances on both reach
    each other and the router."""
    api = Api(lab)
    phys = hosts.PhysNet(lab)
    router = hosts.Router(lab, phys, "192.168.100.1/24")
    nodes = [AgentHost(lab, role, role + ".home.local", api, phys,
                       bridge="br-data", precreate_bridge=True).start()
             for role in ("network", "compute")]
    for node in nodes:
        node.wait_bridges()
    api.osc("network", "create", "--share", "--provider-physical-network",
            "provider", "--provider-network-type", "flat", "demo-net")
    api.osc("subnet", "create", "--network", "demo-net", "--subnet-range",
            "192.168.100.0/24", "--gateway", "192.168.100.1", "demo-sub")
    vms = []
    for node in nodes:
        port_id, mac, ip = create_port(api.osc, "demo-net", node.hostname)
        vms.append(plug(lab, node, "vm-" + node.hostname.split(".")[0],
                        port_id, mac, ip, 24, "192.168.100.1"))
    for node, vm in zip(nodes, vms):
        api.wait_port(vm.port_id, status="ACTIVE",
                      binding_host_id=node.hostname)
        node.wait_tag(vm.tap, 1)
        check_int_flows(node, lvid=1)
        check_phys_flows(node, lvid=1)
        wait_show(node, {vm.tap: 1})
    vms[0].wait_ping(vms[1].ip)
    for src, dst in ((vms[0], vms[1].ip), (vms[1], vms[0].ip),
                     (vms[0], router.ip), (vms[1], router.ip)):
        r = src.ping(dst, count=3, interval=0.1)
        assert r.loss == 0, "%s -> %s: %s" % (src.netns, dst, r.text)
    rows = func.parse_table(api.osc("network", "agent", "list", fmt="table"))
    alive = sorted(r[2] for r in rows[1:]
                   if r[1] == "Open vSwitch agent" and r[4] == ":-)")
    assert alive == sorted(n.hostname for n in nodes), rows
