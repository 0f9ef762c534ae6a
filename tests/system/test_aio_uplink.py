"""The all-in-one on a real uplink (scripts/run.sh with NEUTRINO_AIO_UPLINK).

The "host device" is one end of a veth pair made for the test under a fresh
name (the prefix + "up", never a name like eth0), left in the root
namespace with addresses, a route and a default route in a table of its
own (table 4242, which no rule uses, so the machine's routing is
unchanged); its other end is the LAN: a namespace playing the router at
172.16.0.1.  run.sh must refuse the device while it carries a default
route, saying how to confirm it; once confirmed, move it into the
all-in-one's host and br-provider instead of making a simulated router,
give the instances their leases, let them ping the LAN's router, reuse it
on a second run, and `run.sh clean` must give it back to the root
namespace with its name, addresses, routes and up state, leaving the
machine as it was.
"""

import os
import re
import shutil
import time

import pytest

import hosts
from test_aio import Aio, instances, output, root_view

LAN_ROUTER = "172.16.0.1/12"
ROOT_ADDRS = [("-4", "198.51.100.1/24"), ("-6", "2001:db8:51::1/64")]
ROOT_ROUTES = [["203.0.113.0/24", "via", "198.51.100.2"],
               ["default", "via", "198.51.100.2", "table", "4242"]]


def link_state(dev):
    """What `clean` must restore of root-namespace device dev: its flags,
    MTU and MAC, its addresses and its routes in every table."""
    link = hosts.run(["ip", "-o", "link", "show", "dev", dev]).stdout
    flags = sorted(re.search(r"<([^>]*)>", link).group(1).split(","))
    mtu = re.search(r" mtu (\d+)", link).group(1)
    mac = re.search(r"link/ether (\S+)", link).group(1)
    # Without the index and lifetimes, and DAD's passing "tentative".
    addrs = sorted(l.split(None, 1)[1].split("\\")[0].replace(" tentative", "").strip()
                   for l in hosts.run(["ip", "-o", "addr", "show", "dev", dev])
                   .stdout.splitlines())
    routes = sorted(hosts.run(["ip", fam, "route", "show", "table", "all", "dev", dev])
                    .stdout.strip() for fam in ("-4", "-6"))
    return flags, mtu, mac, addrs, routes


class Lan:
    """The veth pair: 'uplink' in the root namespace, eth0 in 'netns'."""

    def __init__(self, prefix):
        self.uplink = prefix + "up"
        self.netns = prefix + "-lan"
        tmp = prefix + "lt"
        hosts.run(["ip", "netns", "add", self.netns])
        hosts.run(["ip", "link", "add", self.uplink, "type", "veth", "peer", "name", tmp])
        hosts.run(["ip", "link", "set", tmp, "netns", self.netns])
        for argv in (["link", "set", tmp, "name", "eth0"],
                     ["addr", "add", LAN_ROUTER, "dev", "eth0"],
                     ["link", "set", "eth0", "up"], ["link", "set", "lo", "up"]):
            hosts.run(["ip", "-n", self.netns] + argv)
        # The userspace datapath forwards what it gets: checksums filled in.
        hosts.run(["ip", "netns", "exec", self.netns, "ethtool", "-K", "eth0", "tx", "off"],
                  check=False)
        for fam, addr in ROOT_ADDRS:
            hosts.run(["ip", fam, "addr", "add", addr, "dev", self.uplink, "nodad"])
        hosts.run(["ip", "link", "set", self.uplink, "up"])
        for route in ROOT_ROUTES:
            hosts.run(["ip", "route", "add"] + route + ["dev", self.uplink])

    def in_root(self):
        return self.uplink in hosts.root_links()

    def remove(self):
        if self.in_root():
            hosts.run(["ip", "link", "del", self.uplink], check=False)
        if self.netns in hosts.netns_list():
            hosts.run(["ip", "netns", "del", self.netns], check=False)


def wait_state(dev, want, timeout=5.0):
    """link_state(dev) once it equals want (the carrier may lag the up)."""
    deadline = time.monotonic() + timeout
    got = link_state(dev)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = link_state(dev)
    return got


@pytest.fixture(scope="module")
def lab():
    aio = Aio()
    lan = None
    try:
        lan = Lan(aio.prefix)
        aio.lan = lan
        aio.uplink_before = link_state(lan.uplink)
        aio.root_before = root_view()
        aio.env["NEUTRINO_AIO_UPLINK"] = lan.uplink
        aio.refused = aio.run()
        aio.refused_state = link_state(lan.uplink) if lan.in_root() else None
        aio.env["NEUTRINO_AIO_UPLINK_CONFIRM"] = lan.uplink
        aio.first = aio.run()
        yield aio
    finally:
        try:
            aio.clean()
        finally:
            if lan:
                lan.remove()


def test_default_route_device_refused_untouched(lab):
    p = lab.refused
    assert p.returncode != 0, output(p)
    assert "'%s' carries this host's default route" % lab.lan.uplink in p.stderr
    assert "NEUTRINO_AIO_UPLINK_CONFIRM=%s" % lab.lan.uplink in p.stderr
    # Refused before anything was made or moved.
    assert lab.refused_state == lab.uplink_before
    assert "starting" not in p.stdout, output(p)


def test_uplink_replaces_the_router(lab):
    p = lab.first
    assert p.returncode == 0, output(p)
    assert "uplink %s moved into %s" % (lab.lan.uplink, lab.ns("aio")) in p.stdout
    assert "router %s" % lab.ns("router") not in p.stdout
    assert sorted(lab.namespaces()) == sorted(
        [lab.ns(r) for r in ("aio", "vm1", "vm2")] + [lab.lan.netns])
    assert not lab.lan.in_root()
    env = dict(os.environ, OVS_RUNDIR=str(lab.state / "ovs"))
    ports = hosts.run(["ovs-vsctl", "list-ports", "br-provider"], env=env).stdout.split()
    assert sorted(ports) == sorted([lab.lan.uplink, "phy-br-provider"]), ports
    assert "up" in (lab.state / "uplink").read_text().split("\n")


def test_instances_reach_the_lan(lab):
    vms = instances(lab.first.stdout)
    assert sorted(vms) == [lab.ns("vm1"), lab.ns("vm2")], output(lab.first)
    for role in ("vm1", "vm2"):
        assert "%s pings 172.16.0.1" % lab.ns(role) in lab.first.stdout
        p = lab.in_ns(role, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", "172.16.0.1",
                      check=False)
        assert p.returncode == 0, (role, p.stdout)
    # The router met them on its LAN: their addresses, their ports' MACs.
    neigh = hosts.run(["ip", "-n", lab.lan.netns, "neigh", "show", "dev", "eth0"]).stdout
    for ip, mac, _ in vms.values():
        assert re.search(r"^%s lladdr %s " % (re.escape(ip), mac), neigh, re.M), neigh


def test_second_run_reuses_the_uplink(lab):
    # The variable may be left out now: the all-in-one remembers its uplink.
    env = dict(lab.env)
    del env["NEUTRINO_AIO_UPLINK"], env["NEUTRINO_AIO_UPLINK_CONFIRM"]
    lab.env, saved = env, lab.env
    try:
        p = lab.run()
    finally:
        lab.env = saved
    assert p.returncode == 0, output(p)
    assert "reusing uplink %s" % lab.lan.uplink in p.stdout
    assert "moved into" not in p.stdout and "router" not in p.stdout
    assert instances(p.stdout) == instances(lab.first.stdout)


def test_clean_gives_the_uplink_back(lab):
    lab.clean()
    p = lab.runs[-1]
    assert p.returncode == 0, output(p)
    assert "giving %s back to the root namespace" % lab.lan.uplink in p.stdout
    assert lab.lan.in_root()
    assert wait_state(lab.lan.uplink, lab.uplink_before) == lab.uplink_before
    assert [n for n in lab.namespaces() if n != lab.lan.netns] == []
    assert lab.processes() == []
    assert not lab.state.exists()
    assert root_view() == lab.root_before


@pytest.mark.parametrize("dev,why", [
    ("PREFIXnone", "there is no device 'PREFIXnone' here"),
    ("lo", "'lo' is the loopback device"),
])
def test_unusable_devices_refused(dev, why):
    a = Aio()
    dev, why = (x.replace("PREFIX", a.prefix) for x in (dev, why))
    a.env.update(NEUTRINO_AIO_UPLINK=dev, NEUTRINO_AIO_UPLINK_CONFIRM=dev)
    try:
        p = a.run()
        assert p.returncode != 0 and why in p.stderr, output(p)
        assert not a.state.exists() and a.namespaces() == []
    finally:
        a.clean()


def test_help_documents_the_uplink():
    a = Aio()
    try:
        p = a.run("--help")
    finally:
        shutil.rmtree(a.top, ignore_errors=True)
    assert p.returncode == 0, output(p)
    for var in ("NEUTRINO_AIO_UPLINK ", "NEUTRINO_AIO_UPLINK_CONFIRM"):
        assert var in p.stdout, p.stdout
    assert not p.stdout.startswith("#") and "set -eu" not in p.stdout
