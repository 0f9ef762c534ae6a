#!/usr/bin/python3
"""Firewall benchmark (issue 6): neutrino-agent's openvswitch firewall on
one namespace test host (tests/system's harness), following neutrino-server
(its API writes the objects: --server real, the default) or the in-memory
server of tests/system/fakefeed.py (--server fake, which writes a group's
rules in one change).  Called by bench/firewall.sh, which documents the
options; run as root.

1. --ports ports (default 1,000) in the project's "default" group are
   plugged as os-vif plugs VMs (internal ports on br-int, in batches) and
   go ACTIVE with the group's 4 default rules (two of them remote-group
   rules).
2. Programming: the group gets its other rules (up to --rules, default 20:
   TCP ranges from prefixes, UDP from the group itself, TCP from an
   address group), through the API one by one (the fake: in one update);
   timed from the first write until br-int's flow count reaches its final
   value (ovs-ofctl dump-aggregate polled; "final" = unchanged for 2 s).
3. Rule create -> enforced, --changes times (default 30): two instances,
   vm-a in the big group with a TCP 22 listener and vm-b in a group of its
   own; a rule letting vm-b reach TCP 22 is added to the big group and
   timed from the create returning to the first TCP handshake that gets
   through (a prober in vm-b retrying every ~10 ms); then removed and
   timed from the delete returning until a new handshake fails.  Three
   series: in the big group from vm-b's group (a new kind of rule for the
   group), in the big group from vm-b's address (a kind it has), and from
   vm-b's group in a small group (vm-a's second group).  A fourth times
   membership: the big group allows TCP 22 from group "friends", and
   vm-b's port joins it (a port update) and leaves it again.
4. Agent restart under that load: SIGTERM, start again; timed from the
   spawn until no flow of br-int carries the old run's cookie and the flow
   count is back (dump-aggregate, polled every 50 ms); a ping vm-b -> vm-a
   allowed by a rule runs through it at 20/s and must lose nothing.
"""

import argparse
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "system"))

import hosts  # noqa: E402
from agenthost import AgentHost, Api, ServerCloud  # noqa: E402
from fakefeed import Cloud, FakeNeutrino, rule  # noqa: E402

TCPPROBE = str(REPO / "tests" / "system" / "tcpprobe.py")
BATCH = 100
PROBER = r"""
import socket, sys, time
ip, want_open, deadline = sys.argv[1], sys.argv[2] == "open", \
    time.monotonic() + float(sys.argv[3])


def attempt(timeout):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((ip, 22))
        return True
    except OSError:
        return False
    finally:
        s.close()


print("ready", flush=True)
first_fail = None
while time.monotonic() < deadline:
    start = time.monotonic()
    if want_open:
        # A handshake that completes is proof: retry fast (10 ms).
        if attempt(0.01):
            print("at %.6f" % time.monotonic(), flush=True)
            sys.exit(0)
        continue
    # A timeout is proof only if it is not the load: two failures in a
    # row at 300 ms each; the change happened by the first one's start.
    if attempt(0.3):
        first_fail = None
        time.sleep(0.005)
    elif first_fail is None:
        first_fail = start
    else:
        print("at %.6f" % first_fail, flush=True)
        sys.exit(0)
sys.exit(1)
"""


def log(msg):
    print("firewall-bench: %s" % msg, file=sys.stderr, flush=True)


def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def flow_count(ovs):
    out = ovs.ofctl("dump-aggregate", "br-int")
    return int(out.split("flow_count=")[1].split()[0])


def wait_stable(ovs, t0, quiet=2.0, timeout=300, before=None):
    """Polls br-int's flow count until it stays put for 'quiet' seconds
    (after it first differs from 'before', if given); returns (seconds
    from t0 to the final count, that count)."""
    while before is not None and flow_count(ovs) == before:
        if time.monotonic() - t0 > timeout:
            raise RuntimeError("flow count never moved")
        time.sleep(0.02)
    last, since = None, None
    while time.monotonic() - t0 < timeout:
        n = flow_count(ovs)
        now = time.monotonic()
        if n != last:
            last, since = n, now
        elif now - since >= quiet:
            return since - t0, n
        time.sleep(0.02)
    raise RuntimeError("flow count still moving after %ds" % timeout)


def plug_args(port_id, mac):
    tap = "tap" + port_id[:11]
    return ["--", "--may-exist", "add-port", "br-int", tap, "--", "set",
            "Interface", tap, "type=internal",
            "external_ids:iface-id=%s" % port_id,
            "external_ids:iface-status=active",
            "external_ids:attached-mac=%s" % mac,
            "external_ids:vm-uuid=%s" % uuid.uuid4()]


def big_rules(me, ag):
    """The default group's rules, grown to n."""
    rules = [rule("ingress", remote_group_id=me),
             rule("ingress", "IPv6", remote_group_id=me),
             rule("egress"), rule("egress", "IPv6")]
    extra = []
    for i in range(8):
        extra.append(rule("ingress", protocol="tcp",
                          port_range_min=1000 + 100 * i,
                          port_range_max=1009 + 100 * i,
                          remote_ip_prefix="192.0.%d.0/24" % i))
    for i in range(4):
        extra.append(rule("ingress", protocol="udp",
                          port_range_min=5000 + i, port_range_max=5000 + i,
                          remote_group_id=me))
    for i in range(4):
        extra.append(rule("ingress", protocol="tcp",
                          port_range_min=6000 + i, port_range_max=6000 + i,
                          remote_address_group_id=ag))
    return rules, extra


def mac_of(i):
    return "fa:16:3e:%02x:%02x:%02x" % (0x40 + (i >> 16), (i >> 8) & 255,
                                        i & 255)


def ip_of(i):
    return "10.%d.%d.%d" % (64 + (i >> 16), (i >> 8) & 255, i & 255)


def timed_change(lab, vm_b, ip_a, want_open, write, budget=10.0):
    """Starts a prober in vm_b, does write(); returns the seconds from the
    write returning to the prober seeing TCP 22 of ip_a open (or closed):
    what the agent and the switch take, the server's write aside."""
    log_path = lab.dir / ("probe-%s.log" % uuid.uuid4().hex[:6])
    proc = lab.spawn([sys.executable, "-c", PROBER, ip_a,
                      "open" if want_open else "closed", str(budget)],
                     log_path, netns=vm_b.netns)
    hosts.wait_until(lambda: "ready" in log_path.read_text(), 5,
                     what="the prober")
    write()
    t0 = time.monotonic()
    if proc.wait(timeout=budget + 10) != 0:
        raise RuntimeError("change not enforced within %.0fs" % budget)
    return float(log_path.read_text().split("at ")[1]) - t0


def cpu_seconds(pid):
    """User + system CPU time of process pid: what the agent spent,
    whatever the machine's load."""
    fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def changes(lab, cloud, sg, vm_a, vm_b, n, make_rule, pid, cpu):
    """n rule creates and deletes; their latencies, and the agent's CPU
    seconds per change appended to 'cpu'."""
    add, rm = [], []
    c0 = cpu_seconds(pid)
    for _ in range(n):
        r = make_rule()
        add.append(timed_change(lab, vm_b, vm_a.ip, True,
                                lambda: cloud.add_rule(sg, r)))
        rm.append(timed_change(lab, vm_b, vm_a.ip, False,
                               lambda: cloud.remove_rule(sg, r["id"])))
    cpu.append((cpu_seconds(pid) - c0) / (2 * n))
    return add, rm


def memberships(lab, cloud, sg, vm_a, vm_b, port_b, other, n):
    """n times: vm-b's port joins group "friends", from which the big
    group allows TCP 22, and leaves it; their latencies."""
    friends = cloud.group("friends", [rule("egress")])
    cloud.add_rule(sg, rule("ingress", protocol="tcp", port_range_min=22,
                            port_range_max=22, remote_group_id=friends))
    join, leave = [], []
    for _ in range(n):
        join.append(timed_change(
            lab, vm_b, vm_a.ip, True,
            lambda: cloud.set_groups(port_b, [other, friends])))
        leave.append(timed_change(
            lab, vm_b, vm_a.ip, False,
            lambda: cloud.set_groups(port_b, [other])))
    return join, leave


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", type=int, default=1000)
    ap.add_argument("--rules", type=int, default=20)
    ap.add_argument("--changes", type=int, default=30)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--server", choices=("real", "fake"), default="real")
    args = ap.parse_args()
    lab = hosts.Lab()
    res = {}
    try:
        run(lab, args, res)
    finally:
        if args.keep:
            os.environ["NTH_KEEP_LOGS"] = "1"  # the lab keeps its dir
        lab.cleanup()
    report(args, res)


class FakeCloud(Cloud):
    """The fake's Cloud with what the bench asks of ServerCloud too."""

    def set_groups(self, port_id, groups):
        self.fake.update("port", port_id, security_groups=list(groups))

    def statuses(self):
        with self.fake.cv:
            return {i: p["status"] for i, p in self.fake.objs["port"].items()}

    def address_group(self, name, addresses):
        return self.fake.put("address_group", {
            "name": name, "addresses": addresses})["id"]


def add_rules(cloud, sg, rules):
    """Adds 'rules' to group 'sg': one update of the fake, one create per
    rule through the API."""
    if isinstance(cloud, FakeCloud):
        g = cloud.fake.get("security_group", sg)
        g["security_group_rules"] += rules
        cloud.fake.put("security_group", g)
    else:
        for r in rules:
            cloud.add_rule(sg, r)


def run(lab, args, res):
    if args.server == "fake":
        api = FakeNeutrino()
        lab.defer("stop the fake server", api.close)
    else:
        api = Api(lab, overrides={
            "ml2_type_flat": {"flat_networks": "provider"}})
    phys = hosts.PhysNet(lab)
    agent = AgentHost(lab, "fw", "fw-bench", api, phys)
    if args.debug:
        agent.debug = True
    with open(agent.conf, "a") as f:
        f.write("\n[securitygroup]\nfirewall_driver = openvswitch\n")
    agent.start()
    agent.add_nic()
    cloud = (FakeCloud(api) if args.server == "fake"
             else ServerCloud(api, cidr="10.0.0.0/8"))
    ag = cloud.address_group("ops", ["198.51.100.0/28", "203.0.113.7/32"])
    # The server's default group has the 4 default rules already.
    sg = cloud.group("default", lambda me: big_rules(me, ag)[0])
    extra = big_rules(sg, ag)[1][:max(0, args.rules - 4)]
    other = cloud.group("other", [rule("egress")])
    small = cloud.group("small", [rule("egress")])

    # vm-a (big + small group) and vm-b (other group): real namespaces.
    port_a = cloud.port("vm-a", mac_of(1), ip_of(1), [sg, small])
    port_b = cloud.port("vm-b", mac_of(2), ip_of(2), [other])
    vm_a = hosts.Instance(lab, agent.ovs, "vma", port_a, mac_of(1))
    vm_a.set_ip(ip_of(1) + "/8")
    vm_b = hosts.Instance(lab, agent.ovs, "vmb", port_b, mac_of(2))
    vm_b.set_ip(ip_of(2) + "/8")
    lab.spawn([sys.executable, TCPPROBE, "listen", "22"],
              lab.dir / "listen.log", netns=vm_a.netns)

    log("plugging %d ports" % args.ports)
    ids = []
    for i in range(args.ports):
        ids.append((cloud.port("p%d" % i, mac_of(100 + i), ip_of(100 + i),
                               [sg]), mac_of(100 + i)))
    t0 = time.monotonic()
    for start in range(0, len(ids), BATCH):
        plug = []
        for port_id, mac in ids[start:start + BATCH]:
            plug += plug_args(port_id, mac)
        agent.ovs.vsctl(*plug[1:], timeout=300)
    def all_active():
        status = cloud.statuses()
        return all(status.get(p) == "ACTIVE"
                   for p, _ in ids + [(port_a, 0), (port_b, 0)])

    hosts.wait_until(all_active, 600, interval=0.5, what="every port ACTIVE")
    res["plugged_active"] = time.monotonic() - t0
    res["flows_4"] = flow_count(agent.ovs)
    log("%d ports ACTIVE after %.1fs, %d flows" % (
        args.ports, res["plugged_active"], res["flows_4"]))

    c0 = cpu_seconds(agent.proc.pid)
    t0 = time.monotonic()
    add_rules(cloud, sg, extra)
    res["program"], res["flows"] = wait_stable(agent.ovs, t0,
                                               before=res["flows_4"])
    res["program_cpu"] = cpu_seconds(agent.proc.pid) - c0
    log("%d rules on %d ports: %.3fs, %d flows" % (
        4 + len(extra), args.ports, res["program"], res["flows"]))

    def from_group():
        return rule("ingress", protocol="tcp", port_range_min=22,
                    port_range_max=22, remote_group_id=other)

    def from_prefix():
        return rule("ingress", protocol="tcp", port_range_min=22,
                    port_range_max=22, remote_ip_prefix=ip_of(2) + "/32")

    pid, cpu = agent.proc.pid, []
    log("rule changes in the big group: from a group")
    res["big_group_add"], res["big_group_rm"] = changes(
        lab, cloud, sg, vm_a, vm_b, args.changes, from_group, pid, cpu)
    log("rule changes in the big group: from a prefix")
    res["big_prefix_add"], res["big_prefix_rm"] = changes(
        lab, cloud, sg, vm_a, vm_b, args.changes, from_prefix, pid, cpu)
    log("rule changes in the small group: from a group")
    res["small_add"], res["small_rm"] = changes(
        lab, cloud, small, vm_a, vm_b, args.changes, from_group, pid, cpu)
    log("membership changes: vm-b joins and leaves a remote group")
    res["join"], res["leave"] = memberships(lab, cloud, sg, vm_a, vm_b,
                                            port_b, other, args.changes)
    res["cpu"] = cpu
    res["load"] = os.getloadavg()[0]

    # Restart with the load, a ping allowed by a rule running through it.
    cloud.add_rule(small, rule("ingress", protocol="icmp",
                               remote_group_id=other))
    vm_b.wait_ping(vm_a.ip)
    count = wait_stable(agent.ovs, time.monotonic())[1]
    old = {f.cookie for f in agent.ovs.dump_flows("br-int")}
    ping = vm_b.ping_background(vm_a.ip, count=400, interval=0.05)
    agent.stop(sig=signal.SIGTERM)
    t0 = time.monotonic()
    agent.start()
    deadline = t0 + 300
    (old_cookie,) = old
    while time.monotonic() < deadline:
        # Cheap enough to poll with 50,000 flows: counts, not dumps.
        stale = agent.ovs.ofctl("dump-aggregate", "br-int",
                                "cookie=%#x/-1" % old_cookie)
        if ("flow_count=0" in stale.split()
                and flow_count(agent.ovs) == count):
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("restart did not converge")
    res["restart"] = time.monotonic() - t0
    res["restart_cpu"] = cpu_seconds(agent.proc.pid)
    res["restart_ping"] = ping()
    res["rss_kib"] = int(subprocess.run(
        ["ps", "-o", "rss=", "-p", str(agent.proc.pid)],
        capture_output=True, text=True).stdout.split()[0])


def report(args, res):
    def lat(name):
        v = res.get(name)
        if not v:
            return "n/a"
        return "p50 %.0f ms, p99 %.0f ms, max %.0f ms" % (
            percentile(v, 50) * 1000, percentile(v, 99) * 1000,
            max(v) * 1000)

    lines = [
        "server: %s" % ("neutrino-server (API writes)" if args.server == "real"
                        else "tests/system/fakefeed.py (in-memory)"),
        "ports: %d, rules in their group: %d" % (args.ports, args.rules),
        "plugged -> all ACTIVE (4 rules): %.1f s, %s flows" % (
            res.get("plugged_active", float("nan")), res.get("flows_4")),
        "4 -> %d rules on %d ports programmed (from the first write): "
        "%.2f s (agent CPU %.2f s), %s flows (target < 5 s)" % (
            args.rules, args.ports, res.get("program", float("nan")),
            res.get("program_cpu", float("nan")), res.get("flows")),
        "machine load average during the changes: %.1f (2 cores)" % res.get(
            "load", float("nan")),
        "agent CPU per change (all its work, whatever the load): %s" % (
            ", ".join("%.1f ms" % (c * 1000) for c in res.get("cpu", []))),
        "rule create -> enforced, group of %d ports, from a group (a new "
        "kind of rule for it): %s" % (args.ports + 1, lat("big_group_add")),
        "rule delete -> enforced, the same: %s" % lat("big_group_rm"),
        "rule create -> enforced, group of %d ports, from a prefix (a kind "
        "it has): %s" % (args.ports + 1, lat("big_prefix_add")),
        "rule delete -> enforced, the same: %s" % lat("big_prefix_rm"),
        "rule create -> enforced, group of 1 port: %s" % lat("small_add"),
        "rule delete -> enforced, group of 1 port: %s" % lat("small_rm"),
        "port joins a remote group -> enforced: %s" % lat("join"),
        "port leaves it -> enforced: %s" % lat("leave"),
        "agent restart under load -> new cookie only: %.2f s (new agent's "
        "CPU %.2f s); ping through it: %s" % (
            res.get("restart", float("nan")),
            res.get("restart_cpu", float("nan")), res.get("restart_ping")),
        "agent RSS after restart: %s MiB" % (
            res["rss_kib"] // 1024 if "rss_kib" in res else "n/a"),
    ]
    out = "\n".join(lines)
    print(out)
    (HERE / "results-firewall-latest.txt").write_text(out + "\n")


if __name__ == "__main__":
    main()
