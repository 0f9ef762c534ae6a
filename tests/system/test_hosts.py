"""The harness proved with plain Open vSwitch (no neutrino).

Two test hosts A and B, each with br-int and br-provider in standalone mode
(no controller) joined by a patch pair, br-provider holding the host's
eth0 (as an operator adds the NIC); a Linux-bridge "physical network" and
an upstream router at 172.16.0.1/12 (seed 000's subnet is 172.16.0.0/12,
its pool 172.17.0.0-172.17.0.255).  Two instances on A, one on B.

The tests share the topology and run in file order: flat pings, restarts
of ovs-vswitchd and ovsdb-server alone, then a VLAN variant whose
translation flows are added by hand with ovs-ofctl the way the agent will
(local VLAN 1 on br-int, 101 on the wire).
"""

import socket
import subprocess
import threading
import time
import uuid

import pytest

import hosts

ROUTER_CIDR = "172.16.0.1/12"
VLAN = 101
LOCAL_VLAN = 1


def make_host(lab, role):
    h = hosts.TestHost(lab, role)
    h.add_bridge("br-int")
    h.add_bridge("br-provider")
    h.add_patch("br-int", "int-br-provider", "br-provider", "phy-br-provider")
    return h


def mac(n):
    return "fa:16:3e:00:00:%02x" % n


@pytest.fixture(scope="module")
def topo(module_lab):
    lab = module_lab
    phys = hosts.PhysNet(lab)
    router = hosts.Router(lab, phys, ROUTER_CIDR)
    a, b = make_host(lab, "a"), make_host(lab, "b")
    for h in (a, b):
        phys.attach(h.netns, "eth0")
        h.add_port("br-provider", "eth0")
    vms = {}
    for n, (name, host) in enumerate((("vm1", a), ("vm2", a), ("vm3", b)),
                                     start=1):
        vm = hosts.Instance(lab, host, name, str(uuid.uuid4()), mac(n))
        vm.set_ip("172.17.0.%d/12" % (10 + n))
        vms[name] = vm
    return {"phys": phys, "router": router, "a": a, "b": b, **vms}


SEED_002_BR_INT = """NXST_FLOW reply (xid=0x4):
 cookie=0x0, duration=60707.969s, table=0, n_packets=412, n_bytes=33330, \
idle_age=2789, priority=3,in_port=6,vlan_tci=0x0000 \
actions=mod_vlan_vid:1,NORMAL
 cookie=0x0, duration=60805.188s, table=0, n_packets=8, n_bytes=648, \
idle_age=60795, priority=2,in_port=6 actions=drop
 cookie=0x0, duration=60805.896s, table=0, n_packets=132, n_bytes=14877, \
idle_age=2789, priority=1 actions=NORMAL
"""

SEED_002_BR_DATA = """ cookie=0x0, duration=60773.926s, table=0, \
n_packets=125, n_bytes=14387, idle_age=2855, priority=4,in_port=5,dl_vlan=1 \
actions=strip_vlan,NORMAL
"""

SEED_000_SHOW = """77a2e96a-ca65-449f-afc7-c7cbe9dff27c
    Manager "ptcp:6640:127.0.0.1"
        is_connected: true
    Bridge br-int
        Controller "tcp:127.0.0.1:6633"
            is_connected: true
        fail_mode: secure
        Port int-br-provider
            Interface int-br-provider
                type: patch
                options: {peer=phy-br-provider}
    ovs_version: "3.1.4"
"""


def test_parsers_read_the_seeds():
    tr, drop, normal = hosts.parse_flows(SEED_002_BR_INT)
    assert (tr.priority, tr.match["in_port"], tr.untagged, tr.sets_vlan,
            tr.continues, tr.n_packets) == (3, "6", True, 1, True, 412)
    assert drop.drops and drop.match == {"in_port": "6"} and \
        drop.vlan is None
    assert normal.match == {} and normal.actions == "NORMAL"
    (strip,) = hosts.parse_flows(SEED_002_BR_DATA)
    assert strip.vlan == 1 and strip.strips_vlan and strip.sets_vlan is None
    tree = hosts.parse_show(SEED_000_SHOW)[0][1]
    assert hosts.show_find(tree, 'Manager "ptcp:6640:127.0.0.1"',
                           "is_connected: true")
    assert hosts.show_find(tree, "Bridge br-int", "Port int-br-provider",
                           "Interface int-br-provider",
                           "options: {peer=phy-br-provider}")
    assert hosts.show_find(tree, "Bridge br-int", "fail_mode: standalone") \
        is None


def test_netdev_bridges_and_plugging(topo, record_property):
    a = topo["a"]
    for br in ("br-int", "br-provider"):
        assert a.get("Bridge", br, "datapath_type") == "netdev"
    assert a.get("Interface", "int-br-provider", "type") == "patch"
    vm1 = topo["vm1"]
    for key, want in (("iface-id", vm1.port_id), ("iface-status", "active"),
                      ("attached-mac", vm1.mac), ("vm-uuid", vm1.vm_uuid)):
        assert a.get("Interface", vm1.tap, "external_ids:" + key) == want
    assert len(vm1.tap) == 14 and vm1.tap == "tap" + vm1.port_id[:11]
    mac_in_vm = vm1.run(["cat", "/sys/class/net/eth0/address"]).stdout
    assert mac_in_vm.strip() == vm1.mac
    # The kernel datapath needs the openvswitch module; say what this
    # machine has (the harness always uses netdev).
    works = a.system_datapath_works()
    record_property("system_datapath_works", works)
    print("datapath_type=system works here: %s" % works)


def test_ovsdb_over_tcp_inside_the_namespace(topo):
    """tcp:127.0.0.1:6640 answers inside the host (Neutron's default
    ovsdb_connection), and a Manager row with that target, as Neutron's
    agent adds it, shares the listener and shows is_connected."""
    a = topo["a"]
    p = a.run(["ovs-vsctl", "--db=" + a.ovsdb_tcp_remote, "--timeout=5",
               "list-br"])
    assert set(p.stdout.split()) == {"br-int", "br-provider"}
    a.vsctl("set-manager", "ptcp:6640:127.0.0.1")
    mon = a.lab.spawn(["ovsdb-client", "monitor", a.ovsdb_tcp_remote,
                       "Open_vSwitch", "Bridge", "name"],
                      a.dir / "monitor.out", netns=a.netns)
    try:
        hosts.wait_until(lambda: hosts.show_find(
            hosts.parse_show(a.show())[0][1], 'Manager "ptcp:6640:127.0.0.1"',
            "is_connected: true"), 10, interval=0.2,
            what="the Manager row to show the tcp client")
    finally:
        a.lab.stop(mon)
        a.vsctl("del-manager")
    assert "listen failed" not in a.log_tail("ovsdb-server.log", 100000)


def test_flat_ping(topo):
    vm1, vm2, vm3 = topo["vm1"], topo["vm2"], topo["vm3"]
    gw = topo["router"].ip
    vm1.wait_ping(gw)
    for src, dst in ((vm1, vm2.ip), (vm2, vm1.ip), (vm1, vm3.ip),
                     (vm3, vm1.ip), (vm2, gw), (vm3, gw)):
        r = src.ping(dst, count=3, interval=0.1)
        assert r.loss == 0, "%s -> %s: %s\n%s" % (src.netns, dst, r, r.text)


def test_dhcp_lease_across_ovs(topo):
    """udhcpc in an instance on host B gets a lease from a DHCP server on
    the router: the reply crosses the physical network and both of B's
    userspace bridges with valid checksums."""
    lab, router, vm3 = topo["router"].lab, topo["router"], topo["vm3"]
    conf = lab.dir / "udhcpd.conf"
    conf.write_text("\n".join([
        "start 172.17.0.100", "end 172.17.0.110", "interface eth0",
        "lease_file %s" % (lab.dir / "udhcpd.leases"),
        "pidfile %s" % (lab.dir / "udhcpd.pid"),
        "option subnet 255.240.0.0", "option router 172.16.0.1",
        "option lease 600", ""]))
    (lab.dir / "udhcpd.leases").touch()
    server = lab.spawn(["busybox", "udhcpd", "-f", conf],
                       lab.dir / "udhcpd.log", netns=router.netns)
    try:
        lease = vm3.udhcpc(timeout=10)
    finally:
        lab.stop(server)
    assert lease is not None, (lab.dir / "udhcpd.log").read_text()
    assert lease["mask"] == "12" and lease["router"] == "172.16.0.1", lease
    assert lease["serverid"] == "172.16.0.1", lease
    assert 100 <= int(lease["ip"].split(".")[3]) <= 110, lease
    addrs = vm3.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
    assert "%s/12" % lease["ip"] in addrs, addrs
    assert vm3.ping(router.ip, count=2, interval=0.1).loss == 0


def test_vswitchd_restart_alone(topo):
    a, vm1, vm3 = topo["a"], topo["vm1"], topo["vm3"]
    old = a.vswitchd.pid
    started = a.restart_vswitchd()
    ready = time.monotonic() - started
    assert a.vswitchd.pid != old and a.ovsdb.poll() is None
    assert ready < 10
    print("ovs-vswitchd restarted and ready in %.2fs" % ready)
    vm1.wait_ping(vm3.ip, timeout=10)


def test_ovsdb_restart_alone(topo):
    a, vm1 = topo["a"], topo["vm1"]
    vswitchd = a.vswitchd.pid
    a.restart_ovsdb()
    assert a.vswitchd.pid == vswitchd and a.vswitchd.poll() is None
    # ovs-vswitchd reconnects to the new ovsdb-server on its own.
    a.wait_vswitchd()
    assert "br-int" in a.bridges()
    vm1.wait_ping(topo["router"].ip, timeout=10)


def vlan_flows(host):
    """What the agent will install for a VLAN network: local VLAN inside
    br-int, the segmentation id on the wire."""
    host.ofctl("del-flows", "br-int")
    host.ofctl("del-flows", "br-provider")
    p_int = host.ofport("int-br-provider")
    p_phy = host.ofport("phy-br-provider")
    for br, flow in (
            ("br-int", "priority=3,in_port=%d,dl_vlan=%d,"
             "actions=mod_vlan_vid:%d,NORMAL" % (p_int, VLAN, LOCAL_VLAN)),
            ("br-int", "priority=2,in_port=%d,actions=drop" % p_int),
            ("br-int", "priority=1,actions=NORMAL"),
            ("br-provider", "priority=4,in_port=%d,dl_vlan=%d,"
             "actions=mod_vlan_vid:%d,NORMAL" % (p_phy, LOCAL_VLAN, VLAN)),
            ("br-provider", "priority=2,in_port=%d,actions=drop" % p_phy),
            ("br-provider", "priority=1,actions=NORMAL")):
        host.ofctl("add-flow", br, flow)


def test_vlan_tagged_on_the_wire(topo):
    a, b, router, phys = topo["a"], topo["b"], topo["router"], topo["phys"]
    vm1, vm2, vm3 = topo["vm1"], topo["vm2"], topo["vm3"]
    dev = router.add_vlan(VLAN, "192.168.101.1/24")
    for h in (a, b):
        vlan_flows(h)
    for vm, host, n in ((vm1, a, 11), (vm3, b, 13)):
        host.vsctl("set", "Port", vm.tap, "tag=%d" % LOCAL_VLAN)
        vm.run(["ip", "addr", "flush", "dev", "eth0"])
        vm.set_ip("192.168.101.%d/24" % n)
    flows = a.dump_flows("br-int")
    tr = [f for f in flows if f.sets_vlan == LOCAL_VLAN]
    assert len(tr) == 1 and tr[0].vlan == VLAN and \
        tr[0].match["in_port"] == "int-br-provider", flows

    cap = phys.capture("vlan %d and icmp" % VLAN, count=4, timeout=15)
    rx0 = router.rx_packets(dev)
    vm1.wait_ping("192.168.101.1")
    r = vm1.ping(vm3.ip, count=3, interval=0.1)
    assert r.loss == 0, r.text
    frames = cap.result()
    assert len(frames) == 4 and all("vlan %d" % VLAN in f for f in frames), \
        frames
    assert router.rx_packets(dev) > rx0
    # vm2's port carries no tag: its frames leave br-int untagged and the
    # physical bridge drops them, so it cannot reach the VLAN.
    vm2.set_ip("192.168.101.12/24")
    assert vm2.ping("192.168.101.1", count=2, interval=0.2).loss == 1.0


def test_helpers_refuse_what_they_did_not_create(lab):
    with pytest.raises(hosts.HarnessError, match="refusing"):
        lab.del_link(None, "eth0")  # the machine's uplink
    with pytest.raises(hosts.HarnessError, match="refusing"):
        lab.del_netns(lab.name("not-mine"))
    other = subprocess.Popen(["sleep", "5"])
    try:
        with pytest.raises(hosts.HarnessError, match="refusing"):
            lab.stop(other)
    finally:
        other.kill()
        other.wait()
    assert "eth0" in hosts.root_links()


CLIENT = """import socket, sys
s = socket.create_connection(("127.0.0.1", 9696), timeout=5)
s.sendall(sys.argv[1].encode())
s.shutdown(socket.SHUT_WR)
print(s.recv(1024).decode(), end="")
"""


def test_relay_joins_a_namespace_to_a_root_service(lab):
    """What the agent tests use to reach the server: a socket listening in
    a host's namespace relays to 127.0.0.1 of the test's namespace."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]

    def echo_upper():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.sendall(conn.recv(1024).upper())
    threading.Thread(target=echo_upper, daemon=True).start()
    try:
        ns = lab.add_netns("relay")
        lab.relay(ns, "127.0.0.1", 9696, ("127.0.0.1", port))
        for word in ("hello", "again"):
            p = lab.ns_run(ns, ["/usr/bin/python3", "-c", CLIENT, word])
            assert p.stdout == word.upper()
    finally:
        srv.close()
