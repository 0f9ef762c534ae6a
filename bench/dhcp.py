#!/usr/bin/python3
"""DHCP benchmark: neutrino-agent's DHCP role and Debian's
neutron-dhcp-agent side by side, each on a namespace test host of its own
(tests/system's harness, name prefix "ntd").  Called by bench/dhcp.sh,
which documents the options; run as root.

What is measured, on each agent, on seed 000's flat network with DHCP on:
1. Per-port latency: --ports ports are created one at a time through the
   API; for each, the time from the POST's answer until the DHCP server
   offers that port's address to its MAC.  The probe is a DHCPDISCOVER with
   the port's MAC as chaddr and the broadcast flag, sent every 5 ms from an
   instance namespace plugged into br-int (as os-vif plugs a VM), until a
   DHCPOFFER for that xid carries the port's address: dnsmasq offers
   nothing to a MAC its host file lacks (static ranges), so the first offer
   is the moment the lease is obtainable.  p50, p99, max.
2. Bulk: for each N of --bulk (default 100,500,1000), one bulk POST of N
   ports, then every N MACs probed in rounds until each got its offer: time
   from the POST's answer to the last offer (and to the first).
"""

import argparse
import json
import math
import os
import random
import select
import socket
import struct
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "system"))
sys.path.insert(0, str(HERE))

import hosts  # noqa: E402

PREFIX = os.environ.get("NTH_PREFIX", "ntd")
hosts.PREFIX = PREFIX
HOST = "controller.home.local"
NET_BODY = {"name": "provider", "shared": True,
            "provider:network_type": "flat",
            "provider:physical_network": "provider"}
SUBNET = {"name": "provider", "ip_version": 4, "cidr": "172.16.0.0/12",
          "gateway_ip": "172.16.0.1", "enable_dhcp": True,
          "allocation_pools": [{"start": "172.17.0.0",
                                "end": "172.17.31.255"}]}
PROBE_EVERY = 0.005  # seconds between DHCPDISCOVERs for one port
WAIT_PORT = 60.0  # seconds one port may take before we give up
WAIT_BULK = 900.0


def log(msg):
    print("dhcp-bench: %s" % msg, file=sys.stderr, flush=True)


def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


# ------------------------------------------------------------------ probe
def in_netns(netns, fn):
    """fn() run on a thread inside netns (sockets keep their namespace)."""
    result = {}

    def body():
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + netns, os.O_RDONLY)
        try:
            hosts._setns(target)
            result["value"] = fn()
        except OSError as exc:
            result["error"] = exc
        finally:
            hosts._setns(own)
            os.close(own)
            os.close(target)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


class Probe:
    """DHCPDISCOVERs for any MAC from one instance namespace's eth0; the
    offers come back broadcast (we set the flag), so one socket hears
    them all."""

    def __init__(self, netns):
        def make():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
            s.bind(("0.0.0.0", 68))
            s.setblocking(False)
            return s
        self.sock = in_netns(netns, make)

    def close(self):
        self.sock.close()

    @staticmethod
    def discover(mac, xid):
        chaddr = bytes.fromhex(mac.replace(":", "")) + bytes(10)
        head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0,
                           0x8000, bytes(4), bytes(4), bytes(4), bytes(4),
                           chaddr, bytes(64), bytes(128))
        return head + bytes([99, 130, 83, 99, 53, 1, 1, 255])

    def send(self, mac, xid):
        try:
            self.sock.sendto(self.discover(mac, xid), ("255.255.255.255", 67))
        except BlockingIOError:
            pass

    def offers(self, timeout):
        """(xid, yiaddr, time) of each DHCPOFFER heard within 'timeout'."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return out
            while True:
                try:
                    data = self.sock.recv(2048)
                except BlockingIOError:
                    break
                now = time.monotonic()
                if len(data) < 244 or data[0] != 2:
                    continue
                xid = struct.unpack("!I", data[4:8])[0]
                yiaddr = socket.inet_ntoa(data[16:20])
                if self._type(data[240:]) == 2:
                    out.append((xid, yiaddr, now))
            if out:
                return out

    @staticmethod
    def _type(opts):
        i = 0
        while i < len(opts) and opts[i] != 255:
            if opts[i] == 0:
                i += 1
                continue
            if i + 1 >= len(opts):
                break
            code, length = opts[i], opts[i + 1]
            if code == 53 and length >= 1:
                return opts[i + 2]
            i += 2 + length
        return None

    def wait_one(self, mac, ip, timeout=WAIT_PORT):
        """Probes until 'ip' is offered to 'mac'; returns that time."""
        xid = random.getrandbits(32)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.send(mac, xid)
            for x, yi, t in self.offers(PROBE_EVERY):
                if x == xid and yi == ip:
                    return t
        return None

    def wait_all(self, ports, timeout=WAIT_BULK):
        """Probes every (mac, ip) in rounds until each is offered; returns
        {ip: time}."""
        todo = {}
        for mac, ip in ports:
            todo[random.getrandbits(32)] = (mac, ip)
        got = {}
        deadline = time.monotonic() + timeout
        while todo and time.monotonic() < deadline:
            for xid, (mac, _) in list(todo.items()):
                self.send(mac, xid)
            end = time.monotonic() + 0.05
            while todo and time.monotonic() < end:
                for x, yi, t in self.offers(end - time.monotonic()):
                    if x in todo and todo[x][1] == yi:
                        got[yi] = t
                        del todo[x]
        return got


# ------------------------------------------------------------------ runs
def nodelay(sock):
    """No Nagle: http.client sends headers and body in two writes, and
    Nagle's wait for the first one's (delayed) ACK would add ~40 ms to
    every POST."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def addr(port):
    return port["mac_address"], port["fixed_ips"][0]["ip_address"]


def watch_host_file(path, macs, out):
    """Polls dnsmasq's host file every 5 ms until it lists every MAC of
    'macs'; sets out["t"] to that time (the agent's share of the work)."""
    deadline = time.monotonic() + WAIT_BULK
    while time.monotonic() < deadline:
        try:
            text = path.read_text()
        except OSError:
            text = ""
        if all(m in text for m in macs):
            out["t"] = time.monotonic()
            return
        time.sleep(0.005)


def post_ports(http, body, what):
    """POST /v2.0/ports, again after a 500: Neutron on SQLite answers
    "database is locked" when its RPC worker writes at the same time, and
    the request did nothing (bench/agent.py does the same)."""
    for attempt in range(30):
        status, data = http.call("POST", "/v2.0/ports", body, timeout=900)
        if status != 500:
            break
        time.sleep(1)
    if status != 201:
        raise RuntimeError("%s: POST /v2.0/ports -> %d: %s" % (
            what, status, json.dumps(data)[:500]))
    return data


def measure(http, net_id, probe, n_ports, bulks, what, host_file):
    """The per-port latencies, then the bulk runs; 'host_file' is the
    network's dnsmasq host file."""
    res = {"lat": [], "total": [], "bulk": {}}
    for i in range(n_ports):
        sent = time.monotonic()
        port = post_ports(http, {"port": {
            "network_id": net_id, "name": "lat-%d" % i,
            "device_owner": "compute:nova",
            "device_id": str(uuid.uuid4())}}, what)
        answered = time.monotonic()
        mac, ip = addr(port["port"])
        served = probe.wait_one(mac, ip)
        if served is None:
            raise RuntimeError("%s: %s not offered %.0fs after its create"
                               % (what, ip, WAIT_PORT))
        res["lat"].append(served - answered)
        res["total"].append(served - sent)
        if (i + 1) % 25 == 0:
            log("%s: %d ports, last %.1f ms" % (what, i + 1,
                                                 1000 * res["lat"][-1]))
    for n in bulks:
        try:
            res["bulk"][n] = bulk(http, net_id, probe, n, what, host_file)
        except RuntimeError as exc:  # keep what was measured
            res.setdefault("errors", []).append(str(exc))
            log(str(exc))
    return res


def bulk(http, net_id, probe, n, what, host_file):
    """One bulk POST of 'n' ports, timed until all are served."""
    # Only the network: 1,000 ports must fit in the API's body cap
    # (max_request_body_size, 112 KiB on both servers).
    body = [{"network_id": net_id} for i in range(n)]
    t = time.monotonic()
    data = post_ports(http, {"ports": body}, what)
    answered = time.monotonic()
    ports = [addr(p) for p in data["ports"]]
    written = {}
    watcher = threading.Thread(target=watch_host_file, args=(
        host_file, [m for m, _ in ports], written))
    watcher.start()
    got = probe.wait_all(ports)
    watcher.join()
    if len(got) < n:
        raise RuntimeError("%s: %d of %d bulk ports never offered"
                           % (what, n - len(got), n))
    out = {"post_s": answered - t,
           "file_s": written.get("t", answered) - answered,
           "first_s": min(got.values()) - answered,
           "all_s": max(got.values()) - answered}
    log("%s: bulk %d: POST %.2fs, host file complete %.2fs and all served "
        "%.2fs after it" % (what, n, answered - t, out["file_s"],
                            out["all_s"]))
    return out


def instance(lab, ovs, http, net_id, role, before_try=None):
    """A VM on the network, with its lease (so its eth0 has an address);
    'before_try' runs before each udhcpc attempt."""
    # Bound as Nova binds a VM's port: Neutron wires only bound ports.
    port = http.ok("POST", "/v2.0/ports", {"port": {
        "network_id": net_id, "name": "probe", "binding:host_id": HOST,
        "device_owner": "compute:nova"}})["port"]
    vm = hosts.Instance(lab, ovs, role, port["id"], port["mac_address"],
                        mtu=1500)
    lease = None
    deadline = time.monotonic() + 120
    while lease is None and time.monotonic() < deadline:
        if before_try:
            before_try()
        lease = vm.udhcpc(timeout=5)
    if not lease:
        raise RuntimeError("%s: the probe instance got no lease; br-int "
                           "ports and tags: %s" % (role, ovs.vsctl(
                               "--format=csv", "--columns=name,tag", "list",
                               "Port").replace("\n", " ")))
    vm.set_ip(lease["ip"] + "/12")
    return vm


def run_neutrino(args):
    import agent as ab
    import test_agent_e2e as e2e

    hosts.PREFIX = PREFIX  # bench/agent.py sets its own on import

    lab = hosts.Lab(prefix=PREFIX)
    try:
        api = e2e.Api(lab)
        http = ab.Http(lambda: nodelay(socket.create_connection(
            ("127.0.0.1", api.port), 10)))
        phys = hosts.PhysNet(lab)
        agent = e2e.AgentHost(lab, "nto", HOST, api, phys)
        conf = agent.conf.read_text()
        agent.conf.write_text(conf.replace("report_interval = 1",
                                           "report_interval = 30"))
        agent.start()
        agent.add_nic()
        net_id = http.ok("POST", "/v2.0/networks",
                         {"network": NET_BODY})["network"]["id"]
        http.ok("POST", "/v2.0/subnets",
                {"subnet": dict(SUBNET, network_id=net_id)})
        vm = instance(lab, agent.ovs, http, net_id, "ntoprobe")
        probe = Probe(vm.netns)
        try:
            return measure(http, net_id, probe, args.ports, args.bulk,
                           "neutrino",
                           agent.state_path / "dhcp" / net_id / "host")
        finally:
            probe.close()
    finally:
        lab.cleanup()


def run_neutron(args):
    import agent as ab
    import neutron_dhcp

    hosts.PREFIX = PREFIX

    lab = hosts.Lab(prefix=PREFIX)
    try:
        phys = hosts.PhysNet(lab)
        log("neutron: starting RabbitMQ, neutron-server, the OVS and DHCP "
            "agents (a few minutes)")
        nh = neutron_dhcp.start(lab, phys)
        http = ab.Http(lambda: nodelay(ab.connect_in_netns(
            nh.ovs.netns, "127.0.0.1", 9696)))
        net_id = http.ok("POST", "/v2.0/networks",
                         {"network": NET_BODY})["network"]["id"]
        http.ok("POST", "/v2.0/subnets",
                {"subnet": dict(SUBNET, network_id=net_id)})
        vm = instance(lab, nh.ovs, http, net_id, "ntnprobe",
                      lambda: neutron_dhcp.checksums_off(nh))
        probe = Probe(vm.netns)
        try:
            return measure(http, net_id, probe, args.neutron_ports,
                           args.neutron_bulk, "neutron",
                           nh.dir / "dhcp" / net_id / "host")
        finally:
            probe.close()
    finally:
        lab.cleanup()


# ------------------------------------------------------------------ report
def ms(v):
    return "-" if v is None else "%.1f ms" % (1000 * v)


def secs(v):
    return "-" if v is None else "%.2f s" % v


def report(nt, nn, args):
    rows = []

    def lat(res, p, key="lat"):
        return None if not res or not res[key] else (
            max(res[key]) if p == 100 else percentile(res[key], p))

    def ratio(a, b):
        return "-" if a is None or b is None or not a else "%.1fx" % (b / a)

    for p, name, target in ((50, "p50", None), (99, "p99", 0.3),
                            (100, "max", None)):
        a, b = lat(nt, p), lat(nn, p)
        met = "-" if target is None or a is None else (
            "yes" if a < target else "NO")
        rows.append(("create -> lease obtainable, %s (%d / %d ports)" % (
            name, len(nt["lat"]) if nt else 0, len(nn["lat"]) if nn else 0),
            ms(a), ms(b), ratio(a, b),
            "< 300 ms" if target else "", met))
    for p in (50, 99):
        a, b = lat(nt, p, "total"), lat(nn, p, "total")
        rows.append(("POST sent -> lease obtainable (API time too), p%d"
                     % p, ms(a), ms(b), ratio(a, b), "", "-"))
    for n in sorted(set(args.bulk) | set(args.neutron_bulk)):
        a = nt["bulk"].get(n) if nt else None
        b = nn["bulk"].get(n) if nn else None
        for key, label in (("post_s", "bulk POST of %d answered" % n),
                           ("file_s", "bulk %d: POST answered -> host file "
                            "lists all" % n),
                           ("all_s", "bulk %d: POST answered -> all served"
                            % n)):
            va, vb = a and a[key], b and b[key]
            target = n == 1000 and key == "all_s"
            rows.append((label, secs(va), secs(vb), ratio(va, vb),
                         "< 5 s" if target else "",
                         ("yes" if va < 5 else "NO") if target and va
                         else "-"))
    head = ("metric", "neutrino", "neutron 21", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(r, widths))
             for r in [head] + rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neutrino-only", action="store_true")
    ap.add_argument("--neutron-only", action="store_true")
    ap.add_argument("--ports", type=int, default=100)
    ap.add_argument("--bulk", default="100,500,1000")
    ap.add_argument("--neutron-ports", type=int, default=100)
    ap.add_argument("--neutron-bulk", default="100")
    ap.add_argument("--output", default=str(HERE / "results-dhcp-latest.txt"))
    args = ap.parse_args()
    args.bulk = [int(x) for x in args.bulk.split(",") if x]
    args.neutron_bulk = [int(x) for x in args.neutron_bulk.split(",") if x]
    nt = nn = None
    notes = []
    for skip, name, run in ((args.neutron_only, "neutrino", run_neutrino),
                            (args.neutrino_only, "neutron", run_neutron)):
        if skip:
            continue
        try:
            res = run(args)
        except Exception as exc:  # reported in the results, not hidden
            res = None
            notes.append("%s run failed: %s" % (name, exc))
            log(notes[-1])
        if name == "neutrino":
            nt = res
        else:
            nn = res
    text = report(nt, nn, args)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = ["DHCP benchmark (bench/dhcp.sh), %s, 2 shared cores: timings are "
           "noisy" % stamp, "", text, ""] + notes
    for name, res in (("neutrino", nt), ("neutron", nn)):
        for err in (res or {}).get("errors", []):
            out.append("%s: %s" % (name, err))
    if nt:
        out.append("neutrino raw latencies (ms): " + " ".join(
            "%.1f" % (1000 * v) for v in nt["lat"]))
    if nn:
        out.append("neutron raw latencies (ms): " + " ".join(
            "%.1f" % (1000 * v) for v in nn["lat"]))
    Path(args.output).write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
