"""src/nl against the kernel: a qdhcp-like namespace built, converged and
torn down with nl-tool, checked with iproute2 (the commands and the text
of seed 000's "環境の確認" section)."""

import re

from nlhelpers import ip, nltool, requirements, run
from nlhelpers import netns, ovs_host  # noqa: F401 (fixtures)

pytestmark = requirements

MAC = "fa:16:3e:4a:1e:19"
DEV = "ns-43bf8dcc-08"   # The namespace end, as with ovs_use_veth.
TAP = "tap43bf8dcc-08"   # The end that would sit on br-int.
SEED_ADDRS = ["addr", "172.17.0.0/12", "addr", "169.254.169.254/32",
              "route", "0.0.0.0/0,172.16.0.1"]


def converge(ns, dev, *spec):
    out = nltool("converge", ns, dev, *spec).stdout
    m = re.fullmatch(r"changes (\d+)\n", out)
    assert m, out
    return int(m.group(1))


def make_dhcp_namespace(netns):
    """The DHCP namespace with a veth whose other end is in a 'br-int'
    namespace, both ends named at creation."""
    dhcp = netns.add("dhcp")
    brint = netns.add("brint")
    nltool("veth", dhcp, DEV, brint, TAP)
    nltool("link", dhcp, DEV, "mac", MAC, "mtu", "1500", "up")
    nltool("link", dhcp, "lo", "up")
    nltool("link", brint, TAP, "up")
    return dhcp, brint


def test_netns_add_list_delete(netns):
    name = netns.add("x")
    assert re.search(rf"^{name}( |$)", ip(None, "netns"), re.M)
    assert name in nltool("netns-list").stdout.split()
    # A second add of the same name fails and leaves the first alone.
    proc = nltool("netns-add", name, check=False)
    assert proc.returncode == 1 and "File exists" in proc.stderr
    # 'ip netns exec' enters it: a fresh namespace has only lo, down.
    links = run("ip", "netns", "exec", name, "ip", "-o", "link").stdout
    assert re.fullmatch(r"1: lo: <LOOPBACK> mtu 65536 [^\n]*state DOWN[^\n]*\n",
                        links), links
    nltool("netns-del", name)
    assert name not in ip(None, "netns")
    assert name not in nltool("netns-list").stdout.split()
    proc = nltool("netns-del", name, check=False)
    assert proc.returncode == 1


def test_links(netns):
    dhcp, brint = make_dhcp_namespace(netns)
    out = ip(dhcp, "-d", "link", "show")
    assert re.search(r"^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 ", out, re.M)
    assert re.search(rf"^\d+: {DEV}@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> "
                     r"mtu 1500 qdisc noqueue state UP ", out, re.M), out
    assert f"link/ether {MAC} brd ff:ff:ff:ff:ff:ff link-netns {brint}" in out
    assert re.search(r"^\s+veth addrgenmode eui64", out, re.M)
    assert TAP in ip(brint, "link", "show", TAP)

    # What the library reads matches what ip shows.
    show = nltool("show", dhcp, DEV).stdout
    assert re.fullmatch(rf"\d+ {DEV} kind=veth mac={MAC} mtu=1500 up=1 "
                        r"lower_up=1 master=0 link=\d+\n", show), show
    names = [line.split()[1] for line in nltool("links", dhcp).stdout.splitlines()]
    assert names == ["lo", DEV]

    # MTU, MAC, down, rename: one request each, then all at once.
    nltool("link", dhcp, DEV, "mtu", "1450")
    assert " mtu 1450 " in ip(dhcp, "link", "show", DEV)
    nltool("link", dhcp, DEV, "down", "mac", "fa:16:3e:00:00:01",
           "name", "tmp-ntn0")
    out = ip(dhcp, "link", "show", "tmp-ntn0")
    assert "link/ether fa:16:3e:00:00:01" in out and ",UP" not in out
    nltool("link", dhcp, "tmp-ntn0", "name", DEV, "mac", MAC, "up")

    # The kernel's reasons come back with the error.
    proc = nltool("link", dhcp, DEV, "mtu", "10", check=False)
    assert proc.returncode == 1
    assert "mtu less than device minimum" in proc.stderr
    proc = nltool("show", dhcp, "nosuchdev", check=False)
    assert proc.returncode == 1 and "No such device" in proc.stderr


def test_move_between_namespaces(netns):
    """The safe way to plug a link: created under temporary names inside
    the namespaces, moved, then renamed where it lands."""
    a = netns.add("a")
    b = netns.add("b")
    nltool("veth", a, "ntn-tmp0", a, "ntn-tmp1")
    nltool("link", a, "ntn-tmp1", "netns", b)
    assert "ntn-tmp1" not in ip(a, "link")
    nltool("link", b, "ntn-tmp1", "name", "eth0", "up")
    nltool("link", a, "ntn-tmp0", "name", "eth0", "up")
    assert re.search(r"^\d+: eth0@if\d+: .*state UP", ip(b, "link"), re.M)
    # Deleting one end removes the pair.
    nltool("del", a, "eth0")
    assert "eth0" not in ip(b, "link")


def seed_views(ns):
    return ip(ns, "addr", "show", DEV), ip(ns, "route"), ip(ns, "-6", "route")


def test_converge_seed_state(netns):
    dhcp, brint = make_dhcp_namespace(netns)
    assert converge(dhcp, DEV, *SEED_ADDRS) == 3

    addrs = ip(dhcp, "addr", "show", DEV)
    assert re.search(rf"^    inet 172\.17\.0\.0/12 brd 172\.31\.255\.255 "
                     rf"scope global {DEV}$", addrs, re.M), addrs
    assert re.search(rf"^    inet 169\.254\.169\.254/32 brd 169\.254\.169\.254 "
                     rf"scope global {DEV}$", addrs, re.M), addrs
    assert re.search(r"^    inet6 fe80::f816:3eff:fe4a:1e19/64 scope link",
                     addrs, re.M), addrs
    # The seed's routing table, word for word but the device name.
    assert ip(dhcp, "route").split("\n") == [
        f"default via 172.16.0.1 dev {DEV} proto static ",
        f"172.16.0.0/12 dev {DEV} proto kernel scope link src 172.17.0.0 ",
        ""]

    # A second run finds nothing to do and changes nothing.
    before = seed_views(dhcp)
    assert converge(dhcp, DEV, *SEED_ADDRS) == 0
    assert seed_views(dhcp) == before

    # Everything goes again: the link (its peer with it), the namespaces.
    nltool("del", dhcp, DEV)
    assert DEV not in ip(dhcp, "link") and TAP not in ip(brint, "link")
    assert ip(dhcp, "route") == ""
    for ns in (dhcp, brint):
        nltool("netns-del", ns)
    assert dhcp not in ip(None, "netns") and brint not in ip(None, "netns")


def test_converge_after_restart(netns):
    """An agent restarting into a namespace that drifted: stale addresses
    and routes go, a changed gateway is swapped, right ones stay."""
    dhcp, _ = make_dhcp_namespace(netns)
    converge(dhcp, DEV, *SEED_ADDRS)
    ip(dhcp, "addr", "add", "10.9.9.9/24", "dev", DEV)
    ip(dhcp, "route", "add", "10.8.0.0/16", "via", "10.9.9.1")
    ip(dhcp, "route", "add", "192.0.2.0/24", "dev", DEV)
    ip(dhcp, "-6", "addr", "add", "2001:db8::9/64", "dev", DEV, "nodad")

    spec = ["addr", "172.17.0.5/12", "addr", "172.17.0.0/12",
            "addr", "169.254.169.254/32", "addr", "2001:db8::2/64",
            "route", "0.0.0.0/0,172.16.0.2", "route", "::/0,2001:db8::1",
            "route", "2001:db8:1::/64", "route", "192.168.1.1/32"]
    assert converge(dhcp, DEV, *spec) > 0
    addrs = ip(dhcp, "addr", "show", DEV)
    for cidr in ("172.17.0.5/12", "172.17.0.0/12", "169.254.169.254/32",
                 "2001:db8::2/64", "fe80::f816:3eff:fe4a:1e19/64"):
        assert f" {cidr} " in addrs, addrs
    assert "10.9.9.9" not in addrs and "2001:db8::9" not in addrs
    routes = ip(dhcp, "route")
    assert f"default via 172.16.0.2 dev {DEV} proto static" in routes
    assert "172.16.0.1" not in routes and "10.8.0.0" not in routes
    assert "192.0.2.0" not in routes
    assert f"192.168.1.1 dev {DEV} proto static scope link" in routes
    routes6 = ip(dhcp, "-6", "route")
    assert f"default via 2001:db8::1 dev {DEV} proto static metric 1024" \
        in routes6
    assert f"2001:db8:1::/64 dev {DEV} proto static metric 1024" in routes6

    before = seed_views(dhcp)
    assert converge(dhcp, DEV, *spec) == 0
    assert seed_views(dhcp) == before

    # The primary address of a prefix replaced: its secondary (right)
    # must survive the converge, even though the kernel drops secondaries
    # with their primary.
    spec2 = ["addr", "172.17.0.5/12", "route", "0.0.0.0/0,172.16.0.2"]
    assert converge(dhcp, DEV, *spec2) > 0
    assert converge(dhcp, DEV, *spec2) == 0
    addrs = ip(dhcp, "-4", "addr", "show", DEV)
    assert re.findall(r"inet (\S+)", addrs) == ["172.17.0.5/12"]
    assert f"default via 172.16.0.2 dev {DEV}" in ip(dhcp, "route")

    # Nothing desired: everything ours goes, the kernel's link-local stays.
    assert converge(dhcp, DEV) > 0
    addrs = ip(dhcp, "addr", "show", DEV)
    assert re.findall(r"inet6? (\S+)", addrs) == [
        "fe80::f816:3eff:fe4a:1e19/64"]
    assert ip(dhcp, "route") == ""


def test_addr_route_errors(netns):
    dhcp, _ = make_dhcp_namespace(netns)
    nltool("addr-add", dhcp, DEV, "172.17.0.0/12")
    proc = nltool("addr-add", dhcp, DEV, "172.17.0.0/12", check=False)
    assert proc.returncode == 1 and "File exists" in proc.stderr
    proc = nltool("route-add", dhcp, DEV, "10.0.0.0/8", "192.168.1.1",
                  check=False)
    assert proc.returncode == 1
    assert "Nexthop has invalid gateway" in proc.stderr
    proc = nltool("route-del", dhcp, DEV, "10.0.0.0/8", check=False)
    assert proc.returncode == 1 and "No such process" in proc.stderr
    # On-link route to a gateway outside the subnet, then the default
    # route through it (what the DHCP agent does for such gateways).
    nltool("route-add", dhcp, DEV, "192.168.1.1/32")
    nltool("route-add", dhcp, DEV, "0.0.0.0/0", "192.168.1.1")
    routes = ip(dhcp, "route")
    assert f"default via 192.168.1.1 dev {DEV} proto static" in routes
    assert f"192.168.1.1 dev {DEV} proto static scope link" in routes
    nltool("route-replace", dhcp, DEV, "0.0.0.0/0", "172.16.0.1")
    assert f"default via 172.16.0.1 dev {DEV}" in ip(dhcp, "route")
    nltool("addr-del", dhcp, DEV, "172.17.0.0/12")
    assert "172.17.0.0" not in ip(dhcp, "addr", "show", DEV)
