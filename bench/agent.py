#!/usr/bin/python3
"""Agent benchmark: neutrino-agent and Debian's neutron-openvswitch-agent
side by side, each on a namespace test host of its own (tests/system's
harness, name prefix $NTH_PREFIX or "ntb").  Called by bench/agent.sh,
which documents the options; run as root.

What is measured, on each agent:
1. Plug latency: ports are created through the API, then plugged one at a
   time as os-vif does it (one `ovs-vsctl add-port br-int tapX -- set
   Interface tapX type=internal external_ids:iface-id=... attached-mac=...
   iface-status=active vm-uuid=...`).  Per port: time from that ovs-vsctl
   returning until the port is ACTIVE in the API *and* its Port row has a
   tag.  ACTIVE comes from neutrino's change feed (long poll) or, for
   Neutron which has none, from polling GET /v2.0/ports/ID; the tag from an
   `ovsdb-client monitor` of the Port table.  Both record the time they
   saw the change, so the latency is max(active, tagged) - plugged.
2. Restart re-convergence: with N ports plugged and ACTIVE, SIGTERM the
   agent, start it again and poll until every flow of br-int and
   br-provider carries a cookie the old run did not use (for neutrino: the
   new run's, as it logs it), no old-cookie flow is left, every port's tag
   is unchanged and every port is still ACTIVE.  Reported from the new
   process's spawn.
3. RSS (VmRSS) of the agent process at idle with N ports.

Fairness notes: both agents run with firewall_driver = noop by default, so
both install the same flows (--firewall openvswitch shows what neutrino's
security-group flows add; Neutron stays on noop), both subnets have
DHCP off (no DHCP agent runs), and the subnet's allocation pool is widened
from seed 000's 256 addresses to 4,096 so that 1,000 ports fit.
"""

import argparse
import http.client
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "system"))

import hosts  # noqa: E402

# NTH_PREFIX keeps parallel runs apart (as in tests/system/hosts.py).
PREFIX = os.environ.get("NTH_PREFIX", "ntb")
hosts.PREFIX = PREFIX  # read at call time by the harness's helpers
HOST = "controller.home.local"
NET_BODY = {"name": "provider", "shared": True, "router:external": True,
            "provider:network_type": "flat",
            "provider:physical_network": "provider"}
SUBNET = {"name": "provider", "ip_version": 4, "cidr": "172.16.0.0/12",
          "gateway_ip": "172.16.0.1", "enable_dhcp": False,
          "allocation_pools": [{"start": "172.17.0.0",
                                "end": "172.17.15.255"}]}
WAIT_PORT = 60.0  # seconds a single port may take before we give up
BATCH = 100  # ports per ovs-vsctl when plugging the untimed ones
RESTART_TIMEOUT = 900  # seconds a restarted agent gets to re-converge


def log(msg):
    print("agent-bench: %s" % msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ stats
def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def vm_rss_kib(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def rss_parts(pid):
    """RssAnon and RssFile (KiB) from /proc/PID/status, and the Rss of its
    [heap] mapping (malloc's main arena) from smaps."""
    parts = {}
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        key = line.split(":")[0]
        if key in ("RssAnon", "RssFile"):
            parts[key] = int(line.split()[1])
    heap = False
    for line in Path("/proc/%d/smaps" % pid).read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            heap = line.endswith("[heap]")
        elif heap and line.startswith("Rss:"):
            parts["heap"] = int(line.split()[1])
    return parts


def tree_pids(pid):
    """pid and all its descendants (by /proc/*/stat parent fields)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path("/proc", d, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


# ------------------------------------------------------------------ http
class Http:
    """A tiny JSON client on one kept-alive connection; 'connect' makes
    the socket (so it can be opened inside a namespace)."""

    def __init__(self, connect, host="127.0.0.1", timeout=120):
        self.connect = connect
        self.host = host
        self.timeout = timeout
        self.conn = None

    def call(self, method, path, body=None, timeout=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.host, timeout=timeout or self.timeout)
                self.conn.sock = self.connect()
                self.conn.sock.settimeout(timeout or self.timeout)
            try:
                data = None if body is None else json.dumps(body)
                headers = {"Content-Type": "application/json",
                           "Accept": "application/json"}
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
            except (http.client.HTTPException, ConnectionError):
                # The server closed a kept-alive connection: once more.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def ok(self, method, path, body=None, want=(200, 201, 204), **kw):
        status, data = self.call(method, path, body, **kw)
        if status not in want:
            raise RuntimeError("%s %s -> %d: %s" % (
                method, path, status, json.dumps(data)[:1000]))
        return data


def connect_in_netns(netns, addr, port):
    """A TCP socket connected to addr:port as seen inside netns (made in a
    throw-away thread that enters netns, as hosts.listen_in_netns)."""
    result = {}

    def body():
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + netns, os.O_RDONLY)
        try:
            hosts._setns(target)
            import socket
            result["sock"] = socket.create_connection((addr, port), 10)
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
    return result["sock"]


# ------------------------------------------------------------------ watchers
class TagWatcher:
    """`ovsdb-client monitor` of the Port table's name and tag: the time
    each port's tag was first seen set, and every later change."""

    def __init__(self, lab, ovs):
        self.cond = threading.Condition()
        self.tagged_at = {}  # name -> monotonic time the tag appeared
        self.tags = {}  # name -> current tag (None: no tag)
        self.changes = 0  # tag changes of an already tagged port
        argv = ["ovsdb-client", "monitor", "--format=json",
                ovs.ovsdb_remote, "Open_vSwitch", "Port", "name,tag"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL)
        lab.defer("stop ovsdb-client monitor", self.stop)
        self.names = {}  # row uuid -> port name
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)

    def _read(self):
        for line in self.proc.stdout:
            now = time.monotonic()
            try:
                rows = json.loads(line)["data"]
            except (ValueError, KeyError):
                continue
            last = None
            with self.cond:
                for row_uuid, action, name, tag in rows:
                    if action == "old":
                        last = row_uuid
                        continue
                    if action == "delete":
                        self.tags.pop(self.names.pop(row_uuid, None), None)
                        continue
                    if action == "new":
                        row_uuid = last
                    self.names[row_uuid] = name
                    tag = tag if isinstance(tag, int) else None
                    old = self.tags.get(name)
                    if old is not None and tag != old:
                        self.changes += 1
                    self.tags[name] = tag
                    if tag is not None and name not in self.tagged_at:
                        self.tagged_at[name] = now
                self.cond.notify_all()

    def snapshot(self):
        with self.cond:
            return dict(self.tags), self.changes


class FeedWatcher:
    """Follows neutrino-server's change feed: the time each port was first
    seen ACTIVE, and how often a port left ACTIVE afterwards."""

    def __init__(self, url):
        self.http = Http(lambda: __import__("socket").create_connection(
            url, 10))
        self.cond = threading.Condition()
        self.active_at = {}
        self.status = {}
        self.left_active = 0
        self.closed = False
        data = self.http.ok("GET", "/neutrino/v1/feed")
        self.rev = data["revision"]
        for p in data.get("ports", []):
            self._saw(p["id"], p["status"], time.monotonic())
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _saw(self, port_id, status, now):
        if self.status.get(port_id) == "ACTIVE" and status != "ACTIVE":
            self.left_active += 1
        self.status[port_id] = status
        if status == "ACTIVE" and port_id not in self.active_at:
            self.active_at[port_id] = now

    def _follow(self):
        while not self.closed:
            try:
                data = self.http.ok("GET", "/neutrino/v1/feed?since=%d"
                                    "&timeout=2000" % self.rev)
            except (OSError, RuntimeError):
                if self.closed:
                    return
                time.sleep(0.1)
                continue
            now = time.monotonic()
            with self.cond:
                self.rev = data["revision"]
                for c in data.get("changes", []):
                    if c["resource"] == "port" and not c["deleted"]:
                        self._saw(c["id"], c["object"]["status"], now)
                for p in data.get("ports", []):  # a resync
                    self._saw(p["id"], p["status"], now)
                self.cond.notify_all()

    def wait_active(self, port_id, timeout):
        with self.cond:
            self.cond.wait_for(lambda: port_id in self.active_at, timeout)
            return self.active_at.get(port_id)


class StatusPoller:
    """For Neutron (no feed): polls GET /v2.0/ports/ID?fields=status."""

    def __init__(self, http):
        self.http = http
        self.active_at = {}

    def wait_active(self, port_id, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p = self.http.ok("GET", "/v2.0/ports/%s?fields=status" % port_id)
            if p["port"]["status"] == "ACTIVE":
                self.active_at[port_id] = time.monotonic()
                return self.active_at[port_id]
            # 50 ms: fine against Neutron's 2 s polling loop, and each
            # GET costs neutron-server CPU the agent shares.
            time.sleep(0.05)
        return None


# ------------------------------------------------------------------ ports
def create_ports(http, net_id, n, name, host=None, chunk=100):
    ports = []
    for start in range(0, n, chunk):
        body = []
        for i in range(start, min(n, start + chunk)):
            p = {"network_id": net_id, "name": "%s-%d" % (name, i)}
            if host:
                p["binding:host_id"] = host
            body.append(p)
        for attempt in range(5):
            status, data = http.call("POST", "/v2.0/ports", {"ports": body},
                                     timeout=600)
            # Neutron on SQLite: "database is locked" when its RPC worker
            # writes at the same time (500); the request did nothing.
            if status != 500:
                break
            time.sleep(1)
        if status != 201:
            raise RuntimeError("POST /v2.0/ports -> %d: %s" % (
                status, json.dumps(data)[:1000]))
        ports += data["ports"]
    return [(p["id"], p["mac_address"]) for p in ports]


def tap_of(port_id):
    return "tap" + port_id[:11]


def plug_args(port_id, mac):
    tap = tap_of(port_id)
    return ["--", "--may-exist", "add-port", "br-int", tap, "--", "set",
            "Interface", tap, "type=internal",
            "external_ids:iface-id=%s" % port_id,
            "external_ids:iface-status=active",
            "external_ids:attached-mac=%s" % mac,
            "external_ids:vm-uuid=%s" % uuid.uuid4()]


def timed_plugs(ovs, ports, wait_active, tags, what):
    """Plugs 'ports' one at a time; returns the latencies in seconds."""
    lat = []
    for i, (port_id, mac) in enumerate(ports):
        ovs.vsctl(*plug_args(port_id, mac)[1:])
        plugged = time.monotonic()
        active = wait_active(port_id, WAIT_PORT)
        if active is None:
            raise RuntimeError("%s: port %s not ACTIVE %.0fs after plugging"
                               % (what, port_id, WAIT_PORT))
        with tags.cond:
            tags.cond.wait_for(lambda: tap_of(port_id) in tags.tagged_at,
                               WAIT_PORT)
            tagged = tags.tagged_at.get(tap_of(port_id))
        if tagged is None:
            raise RuntimeError("%s: %s never tagged" % (what, tap_of(port_id)))
        lat.append(max(0.0, max(active, tagged) - plugged))
        if (i + 1) % 50 == 0:
            log("%s: %d ports plugged, last %.3fs" % (what, i + 1, lat[-1]))
    return lat


def bulk_plug(ovs, ports):
    for start in range(0, len(ports), BATCH):
        args = []
        for port_id, mac in ports[start:start + BATCH]:
            args += plug_args(port_id, mac)
        ovs.vsctl(*args[1:], timeout=300)


def all_active(http, ids):
    ports = http.ok("GET", "/v2.0/ports?fields=id&fields=status",
                    timeout=600)["ports"]
    status = {p["id"]: p["status"] for p in ports}
    return all(status.get(i) == "ACTIVE" for i in ids)


def port_tags(ovs):
    out = json.loads(ovs.vsctl("--format=json", "--columns=name,tag",
                               "list", "Port"))
    return {name: (tag if isinstance(tag, int) else None)
            for name, tag in out["data"]}


def cookies(ovs, bridges):
    return [f.cookie for br in bridges for f in ovs.dump_flows(br)]


def flow_count(ovs, bridges, cookie=None):
    """How many flows the bridges hold (with 'cookie' only, if given): one
    aggregate request per bridge, which ovs-vswitchd answers in
    milliseconds where a dump of 14,000 flows takes ~0.3 s to fetch and
    parse, so a poll sees a change soon after it happens."""
    match = [] if cookie is None else ["cookie=%#x/-1" % cookie]
    total = 0
    for br in bridges:
        out = ovs.ofctl("dump-aggregate", br, *match)
        total += int(re.search(r"flow_count=(\d+)", out).group(1))
    return total


# ------------------------------------------------------------------ restart
def measure_restart(ovs, bridges, http, ids, tags_before, old, restart,
                    new_cookie, timeout):
    """Restarts the agent ('restart' returns the spawn time) and polls
    until converged.  Returns (seconds or None if not converged within
    'timeout', polls, phases): phases maps each
    condition to the seconds after the spawn it was first seen to hold
    ("cookie": the new run's cookie is known, "no-old": no flow of the old
    run is left, "new-only": only the new cookie, "tags": every tag as
    before, "active": every port ACTIVE), for finding what takes long."""
    t0 = restart()
    polls = 0
    phases = {}
    deadline = t0 + timeout

    def mark(name):
        phases.setdefault(name, time.monotonic() - t0)

    while time.monotonic() < deadline:
        polls += 1
        cookie = new_cookie()
        if cookie is None:
            time.sleep(0.001)
            continue
        mark("cookie")
        if any(flow_count(ovs, bridges, c) for c in old):
            continue
        total = flow_count(ovs, bridges)
        if not total:
            continue
        mark("no-old")
        if cookie is not True and flow_count(ovs, bridges, cookie) != total:
            continue
        mark("new-only")
        tags = port_tags(ovs)
        if any(tags.get(tap_of(i)) != tags_before[tap_of(i)] for i in ids):
            continue
        mark("tags")
        if not all_active(http, ids):
            continue
        mark("active")
        return time.monotonic() - t0, polls, phases
    return None, polls, phases


def wait_for(pred, timeout, what, interval=0.2):
    return hosts.wait_until(pred, timeout, interval=interval, what=what)


def restart_phase(res, ovs, bridges, http, ids, tagw, agent_pid, restart,
                  new_cookie, what):
    """Idle RSS, then the restart measurement, into 'res'."""
    time.sleep(3)  # let the agent settle (idle)
    res["rss_kib"] = vm_rss_kib(agent_pid())
    res["rss_parts"] = rss_parts(agent_pid())
    res["rss_tree_kib"] = sum(vm_rss_kib(p) for p in tree_pids(agent_pid())
                              if Path("/proc/%d" % p).exists())
    tags_before = port_tags(ovs)
    old = set(cookies(ovs, bridges))
    _, changes0 = tagw.snapshot()
    log("%s: restarting the agent with %d ports" % (what, len(ids)))
    secs, polls, phases = measure_restart(ovs, bridges, http, ids,
                                          tags_before, old, restart,
                                          new_cookie, RESTART_TIMEOUT)
    _, changes1 = tagw.snapshot()
    res["restart_s"] = secs
    res["restart_polls"] = polls
    res["restart_phases"] = phases
    res["restart_tag_changes"] = changes1 - changes0
    res["restart_ports"] = len(ids)
    log("%s: re-converged in %s (%d polls), %d tag changes on the way;"
        " phases %s" % (what, "%.3fs" % secs if secs is not None else
                        "more than %ds" % RESTART_TIMEOUT, polls,
                        changes1 - changes0, " ".join(
                            "%s=%.3f" % kv for kv in phases.items())))


# ------------------------------------------------------------------ neutrino
def run_neutrino(args):
    import test_agent_e2e as e2e

    class Agent(e2e.AgentHost):
        def start(self):
            extra = " --debug" if args.debug else ""
            script = ('mount -t tmpfs %s-netns /run/netns && exec "$0" '
                      '--config-file "$1"%s' % (PREFIX, extra))
            self.spawned = time.monotonic()
            self.proc = self.lab.spawn(
                ["unshare", "--mount", "--propagation", "private", "sh",
                 "-c", script, e2e.AGENT_BIN, self.conf],
                self.log, netns=self.ovs.netns, enter="nsenter",
                env=self.ovs.env)
            return self

    res = {"ports": args.ports}
    lab = hosts.Lab(prefix=PREFIX)
    try:
        api = e2e.Api(lab)
        host, port = "127.0.0.1", api.port
        http = Http(lambda: __import__("socket").create_connection(
            (host, port), 10))
        phys = hosts.PhysNet(lab)
        agent = Agent(lab, "nto", HOST, api, phys)
        # Neutron's default heartbeat, not the e2e tests' 1 s.
        conf = agent.conf.read_text()
        agent.conf.write_text(conf.replace("report_interval = 1",
                                           "report_interval = 30")
                              + "\n[securitygroup]\nfirewall_driver = %s\n"
                              % args.firewall)
        agent.start()
        agent.add_nic()
        ovs = agent.ovs
        tagw = TagWatcher(lab, ovs)
        net = http.ok("POST", "/v2.0/networks", {"network": NET_BODY})
        net_id = net["network"]["id"]
        http.ok("POST", "/v2.0/subnets", {"subnet": dict(
            SUBNET, network_id=net_id)})
        total = max(args.ports, args.restart_ports)
        ports = create_ports(http, net_id, total, "bench", chunk=500)
        feed = FeedWatcher((host, port))
        log("neutrino: plugging %d ports one at a time" % args.ports)
        lat = timed_plugs(ovs, ports[:args.ports], feed.wait_active, tagw,
                          "neutrino")
        res["plug"] = lat
        rest = ports[args.ports:args.restart_ports]
        t = time.monotonic()
        bulk_plug(ovs, rest)
        ids = [p for p, _ in ports[:args.restart_ports]]
        wait_for(lambda: all(i in feed.active_at for i in ids) and all(
            tap_of(i) in tagw.tagged_at for i in ids), 300,
            "all ports ACTIVE and tagged")
        res["bulk_s"] = time.monotonic() - t
        res["bulk_ports"] = len(rest)
        log("neutrino: %d more ports ACTIVE %.2fs after the bulk plug began"
            % (len(rest), res["bulk_s"]))
        left0 = feed.left_active
        # What a restarted agent asks for first: the feed's full snapshot.
        t = time.monotonic()
        http.ok("GET", "/neutrino/v1/feed?host=%s" % HOST)
        res["snapshot_s"] = time.monotonic() - t

        # The agent's log has no time stamps: the lines the new run writes
        # are stamped here as they appear (seconds after the spawn).
        stamped = []

        def restart():
            t = time.monotonic()
            agent.stop()
            res["stop_s"] = time.monotonic() - t
            agent.log_mark = agent.log.stat().st_size
            agent.start()
            return agent.spawned

        def new_cookie():
            with open(agent.log, "rb") as f:
                f.seek(agent.log_mark)
                text = f.read().decode(errors="replace")
            now = time.monotonic() - agent.spawned
            lines = text.splitlines()
            stamped.extend((now, line) for line in lines[len(stamped):])
            m = re.search(r"cookie of this run: (0x[0-9a-f]+)", text)
            return int(m.group(1), 16) if m else None

        restart_phase(res, ovs, ["br-int", agent.bridge], http, ids, tagw,
                      lambda: agent.proc.pid, restart, new_cookie,
                      "neutrino")
        if args.debug:
            for t, line in stamped[:60]:
                log("restart +%.3fs: %s" % (t, line[:150]))
        time.sleep(1)
        res["restart_left_active"] = feed.left_active - left0
        res["rss_after_restart_kib"] = vm_rss_kib(agent.proc.pid)
        feed.closed = True
        if args.keep:
            os.environ["NTH_KEEP_LOGS"] = "1"
    finally:
        lab.cleanup()
    return res


# ------------------------------------------------------------------ neutron
def fill_neutron(nh, http, n):
    """n more bound ports for Neutron, copied in its database from the
    newest one (the API makes ~4 ports/s).  neutron-server.sh fill copies
    the port tables; a bound port also needs its binding level, or the
    server tells the agent the port is not bound."""
    subprocess.run([str(HERE / "neutron-server.sh"), "fill", str(nh.dir),
                    str(n), "fill-"], check=True)
    db = sqlite3.connect(str(nh.dir / "neutron.db"))
    with db:
        tmpl = db.execute(
            "SELECT p.id FROM ports p JOIN standardattributes s ON "
            "s.id = p.standard_attr_id WHERE p.name NOT LIKE 'fill-%' "
            "ORDER BY s.id DESC LIMIT 1").fetchone()[0]
        db.execute(
            "INSERT INTO ml2_port_binding_levels (port_id, host, level, "
            "driver, segment_id) SELECT p.id, l.host, l.level, l.driver, "
            "l.segment_id FROM ports p, ml2_port_binding_levels l WHERE "
            "l.port_id = ? AND p.name LIKE 'fill-%'", (tmpl,))
    db.close()
    listed = http.ok("GET", "/v2.0/ports?fields=id&fields=mac_address"
                     "&fields=name", timeout=600)["ports"]
    return [(p["id"], p["mac_address"]) for p in listed
            if p["name"].startswith("fill-")]


def run_neutron(args):
    import test_neutron_reference as ref

    # Like for like: no security-group flows (--firewall is neutrino's).
    ref.NEUTRON_CONF = ref.NEUTRON_CONF.replace(
        "firewall_driver = openvswitch", "firewall_driver = noop")
    res = {"ports": args.neutron_ports}
    lab = hosts.Lab(prefix=PREFIX)
    try:
        phys = hosts.PhysNet(lab)
        log("neutron: starting RabbitMQ, neutron-server and the agent "
            "(a minute or two)")
        nh = ref.NeutronHost(lab, phys)
        ovs = nh.ovs
        http = Http(lambda: connect_in_netns(ovs.netns, "127.0.0.1", 9696))
        tagw = TagWatcher(lab, ovs)
        net = http.ok("POST", "/v2.0/networks", {"network": NET_BODY})
        net_id = net["network"]["id"]
        http.ok("POST", "/v2.0/subnets", {"subnet": dict(
            SUBNET, network_id=net_id)})
        t = time.monotonic()
        # One port per POST: a bulk POST holds SQLite's write lock long
        # enough for Neutron's RPC worker to fail ("database is locked").
        ports = create_ports(http, net_id, args.neutron_ports, "bench",
                             host=HOST, chunk=1)
        log("neutron: %d ports created through the API in %.1fs" % (
            len(ports), time.monotonic() - t))
        n_restart = args.neutron_restart_ports
        if n_restart > len(ports):
            ports += fill_neutron(nh, http, n_restart - len(ports))
        poller = StatusPoller(http)
        log("neutron: plugging %d ports one at a time" % args.neutron_ports)
        res["plug"] = timed_plugs(ovs, ports[:args.neutron_ports],
                                  poller.wait_active, tagw,
                                  "neutron")
        rest = ports[args.neutron_ports:n_restart]
        ids = [p for p, _ in ports[:n_restart]]
        t = time.monotonic()
        bulk_plug(ovs, rest)
        wait_for(lambda: all(tap_of(i) in tagw.tagged_at for i in ids) and
                 all_active(http, ids), 900, "all ports ACTIVE and tagged",
                 interval=1.0)
        res["bulk_s"] = time.monotonic() - t
        res["bulk_ports"] = len(rest)
        log("neutron: %d more ports ACTIVE %.1fs after the bulk plug began"
            % (len(rest), res["bulk_s"]))
        agent = [p for p in lab._procs.values()
                 if "neutron-openvswitch-agent" in " ".join(p.args)][0]
        state = {"proc": agent}

        def restart():
            lab.stop(state["proc"])
            t0 = time.monotonic()
            state["proc"] = nh._spawn("neutron-openvswitch-agent")
            return t0

        restart_phase(res, ovs, ["br-int", nh.bridge], http, ids, tagw,
                      lambda: state["proc"].pid, restart, lambda: True,
                      "neutron")
        res["rss_after_restart_kib"] = vm_rss_kib(state["proc"].pid)
        if args.keep:
            os.environ["NTH_KEEP_LOGS"] = "1"
    finally:
        lab.cleanup()
    return res


# ------------------------------------------------------------------ report
def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "ms":
        v = v * 1000.0
    if unit == "MB":
        v = v / 1024.0
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


def table(nt, nn):
    """Rows: metric, neutrino, neutron, ratio (neutron/neutrino: how many
    times better neutrino does), target, met? (neutrino)."""
    def get(res, key, fn):
        return fn(res[key]) if res and res.get(key) is not None else None

    specs = [
        ("plug->ACTIVE+tag p50 (ms)", "plug", lambda v: percentile(v, 50),
         "ms", None),
        ("plug->ACTIVE+tag p99 (ms)", "plug", lambda v: percentile(v, 99),
         "ms", 0.100),
        ("plug->ACTIVE+tag max (ms)", "plug", max, "ms", None),
        ("restart re-convergence (s)", "restart_s", lambda v: v, "s", 2.0),
        ("agent RSS idle (MB)", "rss_kib", lambda v: v, "MB", 15 * 1024),
    ]
    rows = [("metric", "neutrino", "neutron", "ratio", "target", "met?")]
    for name, key, fn, unit, target in specs:
        a, b = get(nt, key, fn), get(nn, key, fn)
        ratio = "%.1fx" % (b / a) if a and b else "-"
        tgt = "-" if target is None else "< " + fmt(target, unit)
        met = "-" if target is None or a is None else (
            "yes" if a < target else "NO")
        rows.append((name, fmt(a, unit), fmt(b, unit), ratio, tgt, met))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def notes(nt, nn):
    out = []
    for name, res in (("neutrino", nt), ("neutron", nn)):
        if not res:
            continue
        out.append("%s: %d ports timed one by one; %d more plugged in "
                   "batches of %d converged in %.1fs; restart with %d ports "
                   "(%d polls, %d tag changes during it%s); RSS of the "
                   "agent's process tree %.1f MB, after the restart %.1f MB"
                   % (name, len(res["plug"]), res["bulk_ports"], BATCH,
                      res["bulk_s"], res["restart_ports"],
                      res["restart_polls"], res["restart_tag_changes"],
                      ", %d ports left ACTIVE" % res["restart_left_active"]
                      if "restart_left_active" in res else "",
                      res["rss_tree_kib"] / 1024.0,
                      res["rss_after_restart_kib"] / 1024.0))
        if res["restart_s"] is None:
            out.append("%s: NOT re-converged %ds after the restart" % (
                name, RESTART_TIMEOUT))
        out.append("%s: restart phases (s after spawn, first seen): %s" % (
            name, " ".join("%s %.3f" % kv
                           for kv in res["restart_phases"].items())))
        out.append("%s: agent RSS at idle: %s" % (name, ", ".join(
            "%s %.1f MB" % (k, v / 1024.0)
            for k, v in sorted(res["rss_parts"].items()))))
        if "snapshot_s" in res:
            out.append("%s: one GET of the feed's snapshot (%d ports, from "
                       "the root namespace) took %.3fs; agent stopped in "
                       "%.3fs" % (name, res["restart_ports"],
                                  res["snapshot_s"], res["stop_s"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neutrino-only", action="store_true")
    ap.add_argument("--neutron-only", action="store_true")
    ap.add_argument("--ports", type=int, default=200)
    ap.add_argument("--restart-ports", type=int, default=1000)
    ap.add_argument("--neutron-ports", type=int, default=200)
    ap.add_argument("--neutron-restart-ports", type=int, default=1000)
    ap.add_argument("--firewall", default="noop",
                    choices=("noop", "openvswitch", "iptables_hybrid"),
                    help="neutrino-agent's firewall_driver (noop: as Neutron)")
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--output", default=str(HERE / "results-agent-latest.txt"))
    args = ap.parse_args()
    args.restart_ports = max(args.restart_ports, args.ports)
    args.neutron_restart_ports = max(args.neutron_restart_ports,
                                     args.neutron_ports)
    if os.geteuid() != 0:
        sys.exit("agent-bench: needs root (namespaces, OVS)")
    left = hosts.leftovers(PREFIX)
    if left:
        sys.exit("agent-bench: leftovers of an earlier run:\n" +
                 "\n".join(left))
    nt = nn = None
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if not args.neutron_only:
        nt = run_neutrino(args)
    if not args.neutrino_only:
        nn = run_neutron(args)
    lines = ["agent benchmark %s (%s)" % (started, os.uname().nodename)]
    lines += table(nt, nn) + [""] + notes(nt, nn)
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text)
    print(text, end="")
    left = hosts.leftovers(PREFIX)
    if left:
        sys.exit("agent-bench: left behind:\n" + "\n".join(left))


if __name__ == "__main__":
    main()
