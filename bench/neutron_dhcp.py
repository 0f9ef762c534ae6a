"""Debian's neutron-dhcp-agent (21.0) on a namespace test host, beside
neutron-server, RabbitMQ and neutron-openvswitch-agent as
tests/system/test_neutron_reference.py runs them (bench/dhcp.py's Neutron
side).

The DHCP agent runs with interface_driver = openvswitch and ovs_use_veth
= True (the userspace datapath needs the veth form), no isolated metadata
(no haproxy: the benchmark is about DHCP), in the host's network namespace
(`nsenter --net`) and in a private mount namespace with an empty tmpfs on
/run/netns, so the qdhcp-* namespaces it makes are its own and vanish with
it.  Its dnsmasq daemonizes and outlives it, as do neutron-server's
forked workers when the lab stops the server: kill_leftovers() kills
them by PID (their command lines name the host's directory).

On the userspace datapath a veth must not leave UDP checksums to the NIC
(tests/system/README.md): neutrino's agent turns TX checksum offload off
on both ends of its DHCP veth; Neutron's relies on an iptables CHECKSUM
rule, which does not help here, so checksums_off() does for Neutron's
veth what neutrino's agent does for its own.
"""

import os
import signal
from pathlib import Path

import hosts

DHCP_INI = """[DEFAULT]
interface_driver = openvswitch
ovs_use_veth = True
enable_isolated_metadata = False
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
"""
START = 180  # seconds: four Python/Erlang services on 2 shared cores


def start(lab, phys):
    import test_neutron_reference as ref

    # Like for like with neutrino, which has no security groups yet.
    ref.NEUTRON_CONF = ref.NEUTRON_CONF.replace(
        "firewall_driver = openvswitch", "firewall_driver = noop")
    # dnsmasq re-reads its files as an unprivileged user after a SIGHUP:
    # the path to state_path must be searchable (as AgentHost does).
    os.chmod(lab.dir, 0o711)
    nh = ref.NeutronHost(lab, phys)
    ini = nh.dir / "dhcp_agent.ini"
    ini.write_text(DHCP_INI)
    script = ('mount -t tmpfs %s-netns /run/netns && exec "$0" '
              '--config-file "$1" --config-file "$2" --log-file "$3"'
              % hosts.PREFIX)
    lab.spawn(["unshare", "--mount", "--propagation", "private", "sh", "-c",
               script, "neutron-dhcp-agent", nh.conf, ini,
               nh.dir / "neutron-dhcp-agent.log"],
              nh.dir / "neutron-dhcp-agent.out", netns=nh.ovs.netns,
              enter="nsenter", env=nh.env)
    hosts.wait_until(lambda: [
        a for a in nh.osc("network", "agent", "list")
        if a["Agent Type"] == "DHCP agent" and a["Alive"]],
        START, interval=2, what="the DHCP agent to report")
    lab.defer("kill neutron's leftovers", lambda: kill_leftovers(nh))
    return nh


def checksums_off(nh):
    """TX checksum offload off on the DHCP agent's veth ends: tap* on the
    host side, ns-* inside each qdhcp namespace (reached through its
    dnsmasq's /proc/PID/ns/net, as the namespace's name lives in the
    agent's private mount namespace)."""
    out = nh.ovs.run(["ip", "-o", "link", "show", "type", "veth"],
                     check=False).stdout
    for line in out.splitlines():
        dev = line.split(":")[1].strip().split("@")[0]
        if dev.startswith("tap"):
            nh.ovs.run(["ethtool", "-K", dev, "tx", "off"], check=False)
    for pid in dnsmasq_pids(nh):
        netns = "--net=/proc/%d/ns/net" % pid
        out = hosts.run(["nsenter", netns, "ip", "-o", "link", "show",
                         "type", "veth"], check=False).stdout
        for line in out.splitlines():
            dev = line.split(":")[1].strip().split("@")[0]
            if dev.startswith("ns-"):
                hosts.run(["nsenter", netns, "ethtool", "-K", dev, "tx",
                           "off"], check=False)


def dnsmasq_pids(nh):
    return [p for p, cmd in pids_naming(nh) if cmd[0].endswith(b"dnsmasq")]


def kill_leftovers(nh):
    """What outlives the lab's own stopping of the processes it started:
    dnsmasq (daemonized), neutron-server's forked workers, privsep
    helpers; all name the host's directory on their command line."""
    for pid, _ in pids_naming(nh):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pids_naming(nh):
    """(pid, argv) of the processes whose command line names nh.dir."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path("/proc", entry, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0] and any(str(nh.dir).encode() in a for a in cmd):
            pids.append((int(entry), cmd))
    return pids
