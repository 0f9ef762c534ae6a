"""Can the DHCP port be an OVS internal port moved into the namespace, as
Neutron's default interface driver does with the kernel datapath, when the
bridge is datapath_type=netdev (internal ports are then tap devices that
ovs-vswitchd holds open)?

Measured here: the tap can be moved and carries traffic at first, but
ovs-vswitchd loses track of it (its ioctls by name fail in its own
namespace) and, once restarted, creates a new tap of that name in its
namespace and serves that one: the moved device is left without a reader
and the DHCP namespace is cut off.  A veth pair (ovs_use_veth) keeps
working across the restart.  These tests pin that behaviour down."""

import subprocess
import time

from nlhelpers import ip, nltool, requirements, run
from nlhelpers import netns, ovs_host  # noqa: F401 (fixtures)

pytestmark = requirements

MAC = "fa:16:3e:4a:1e:19"
PORT = "tap43bf8dcc-08"
NS_DEV = "ns-43bf8dcc-08"
DHCP_IP = "172.17.0.0"


def ping_ok(ns, addr, tries=5):
    for _ in range(tries):
        proc = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "1",
                               "-W", "1", addr], capture_output=True)
        if proc.returncode == 0:
            return True
    return False


def tx_off(ns, dev):
    # Checksums offloaded on a veth never get filled in the userspace
    # datapath (DESIGN.md): turn it off on both ends' feeders.
    run("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off")


def add_client(netns, host):
    """An instance: a veth whose eth0 end is in its own namespace and whose
    other end is on br-int, 172.17.0.9/12."""
    client = netns.add("vm")
    nltool("veth", host.ns, "ntn-vm0", client, "eth0")
    host.vsctl("add-port", "br-int", "ntn-vm0")
    nltool("link", host.ns, "ntn-vm0", "up")
    nltool("link", client, "eth0", "mac", "fa:16:3e:00:00:09", "up")
    nltool("converge", client, "eth0", "addr", "172.17.0.9/12")
    tx_off(client, "eth0")
    tx_off(host.ns, "ntn-vm0")
    return client


def configure_dhcp_dev(dhcp, dev):
    nltool("link", dhcp, "lo", "up")
    nltool("link", dhcp, dev, "mac", MAC, "mtu", "1500", "up")
    nltool("converge", dhcp, dev, "addr", f"{DHCP_IP}/12",
           "addr", "169.254.169.254/32")


def test_internal_port_moved_into_namespace(netns, ovs_host):
    host = ovs_host
    dhcp = netns.add("dhcp")
    host.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int",
               "datapath_type=netdev")
    host.vsctl("add-port", "br-int", PORT, "--", "set", "interface", PORT,
               "type=internal")
    # In the netdev datapath an internal port is a tap device.
    show = nltool("show", host.ns, PORT).stdout
    assert " kind=tun " in show, show

    nltool("link", host.ns, PORT, "netns", dhcp)
    configure_dhcp_dev(dhcp, PORT)
    assert PORT not in ip(host.ns, "link")
    client = add_client(netns, host)
    assert ping_ok(client, DHCP_IP), "moved tap carries no traffic"

    # ovs-vswitchd cannot see the device any more...
    assert host.vsctl("get", "interface", PORT, "admin_state").strip() \
        == "down"
    # ...and after a restart it makes a new tap of that name at home.
    host.restart_vswitchd()
    time.sleep(1)
    assert " kind=tun " in nltool("show", host.ns, PORT).stdout
    assert "NO-CARRIER" in ip(dhcp, "link", "show", PORT)
    assert not ping_ok(client, DHCP_IP, tries=2), \
        "moved tap still works after an ovs-vswitchd restart"


def test_veth_port_survives_restart(netns, ovs_host):
    host = ovs_host
    dhcp = netns.add("dhcp")
    host.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int",
               "datapath_type=netdev")
    # ovs_use_veth: ns- end in the DHCP namespace, tap end on br-int, both
    # named at creation inside their namespaces.
    nltool("veth", dhcp, NS_DEV, host.ns, PORT)
    host.vsctl("add-port", "br-int", PORT)
    nltool("link", host.ns, PORT, "up")
    tx_off(host.ns, PORT)
    tx_off(dhcp, NS_DEV)
    configure_dhcp_dev(dhcp, NS_DEV)
    client = add_client(netns, host)
    assert ping_ok(client, DHCP_IP)

    host.restart_vswitchd()
    assert ping_ok(client, DHCP_IP, tries=10), \
        "veth port lost after an ovs-vswitchd restart"
