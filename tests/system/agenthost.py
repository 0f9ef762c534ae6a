"""What the agent's end-to-end tests share: the server with the real
openstack CLI (Api) and a namespace test host running neutrino-agent
(AgentHost), and Neutron objects written through the server's API
(ServerCloud).  Used by the agent, DHCP and firewall end-to-end tests and
by bench/firewall.py.

Where the processes run, and why, is told in test_agent_e2e.py's
docstring.  Besides that, each AgentHost keeps a private mount namespace
alive in a small holder process (`sleep`), with an empty tmpfs on
/run/netns: the namespaces the agent makes (qdhcp-*) are its own, never
collide between hosts, and survive a restart of the agent, as on a real
host, so a restarted agent must converge what it finds.  Commands that look
at them run through `AgentHost.view()`.  dnsmasq daemonizes (as under
Neutron) and outlives the agent: the host kills the dnsmasq processes whose
command line names its state_path at cleanup, by PID.
"""

import importlib.util
import os
import signal
from pathlib import Path

import hosts
from seedcheck import CONVERGE

REPO = Path(__file__).resolve().parents[2]
AGENT_BIN = os.environ.get("NEUTRINO_AGENT") or str(
    REPO / "build" / "neutrino-agent")


def _load_func_conftest():
    """tests/func/conftest.py under another name: its Server and CLI
    runner, without registering its fixtures here."""
    spec = importlib.util.spec_from_file_location(
        "func_conftest", REPO / "tests" / "func" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


func = _load_func_conftest()
AGENT_DOWN_TIME = 6  # the server's, so a stopped agent is soon shown dead


# ---------------------------------------------------------------- plumbing
class Api:
    """The server plus the real openstack CLI pointed at it."""

    def __init__(self, lab, overrides=None, name="server"):
        # Scale tests put more than the default 500 ports in one project.
        overrides = func.merge_config({"quotas": {"quota_port": "-1"}},
                                      overrides)
        self.server = func.Server(lab.dir / name, overrides=overrides)
        self.server.start()
        lab.defer("kill neutrino-server", self.server.kill)
        self.home = lab.dir / ("osc-home-" + name)
        self.home.mkdir()

    @property
    def port(self):
        return self.server.port

    def osc(self, *args, fmt="json"):
        return func.run_osc(self.server.url, self.home, *args, fmt=fmt)

    def port_api(self, port_id):
        return self.server.show("port", port_id)

    def wait_port(self, port_id, timeout=CONVERGE, **want):
        """Until the port's API attributes have the wanted values (use
        binding_host_id for binding:host_id); returns the port."""
        want = {k.replace("binding_", "binding:"): v for k, v in want.items()}
        return hosts.wait_until(
            lambda: self._port_is(port_id, want), timeout, interval=0.05,
            what="port %s to have %s" % (port_id, want))

    def _port_is(self, port_id, want):
        p = self.port_api(port_id)
        return p if all(p.get(k) == v for k, v in want.items()) else None


class ServerCloud:
    """Cloud's writes through neutrino-server's API (noauth, one project):
    the project's default group as the server makes it, other groups with
    their automatic egress rules replaced by the ones asked for."""

    def __init__(self, api, cidr="10.66.0.0/24"):
        self.s = api.server
        self.net = self.s.create("network", name="provider", shared=True, **{
            "provider:network_type": "flat",
            "provider:physical_network": "provider"})
        self.sub = self.s.subnet(self.net["id"], cidr, enable_dhcp=False)

    def _groups(self, **params):
        return self.s.ok(self.s.get("/v2.0/security-groups", params=params),
                         200)["security_groups"]

    def group(self, name, rules, stateful=True):
        if name == "default":
            return self._groups(name="default")[0]["id"]
        sg = self.s.ok(self.s.post("/v2.0/security-groups", {
            "security_group": {"name": name, "stateful": stateful}}),
            201)["security_group"]
        for r in sg["security_group_rules"]:
            self.remove_rule(sg["id"], r["id"])
        for r in rules:
            self.add_rule(sg["id"], r)
        return sg["id"]

    def add_rule(self, sg_id, r):
        body = {k: v for k, v in r.items() if v is not None and k != "id"}
        body["security_group_id"] = sg_id
        created = self.s.ok(self.s.post("/v2.0/security-group-rules", {
            "security_group_rule": body}), 201)["security_group_rule"]
        r["id"] = created["id"]
        return created["id"]

    def remove_rule(self, sg_id, rule_id):
        self.s.ok(self.s.delete("/v2.0/security-group-rules/" + rule_id),
                  204)

    def port(self, name, mac, ip, groups, security=True):
        return self.s.create(
            "port", name=name, network_id=self.net["id"], mac_address=mac,
            fixed_ips=[{"subnet_id": self.sub["id"], "ip_address": ip}],
            port_security_enabled=security,
            security_groups=list(groups) if security else [])["id"]

    def status(self, port_id):
        return self.s.show("port", port_id)["status"]

    def statuses(self):
        """Every port's status, by id, in one list call."""
        ports = self.s.ok(self.s.get("/v2.0/ports", params={
            "fields": ["id", "status"]}), 200)["ports"]
        return {p["id"]: p["status"] for p in ports}

    def address_group(self, name, addresses):
        return self.s.ok(self.s.post("/v2.0/address-groups", {
            "address_group": {"name": name, "addresses": addresses}}),
            201)["address_group"]["id"]

    def set_groups(self, port_id, groups):
        self.s.update("port", port_id, security_groups=list(groups))

    def set_pairs(self, port_id, pairs):
        self.s.update("port", port_id, allowed_address_pairs=[
            {"ip_address": a} for a in pairs])

    def agent_configurations(self, host):
        agents = self.s.ok(self.s.get("/v2.0/agents", params={
            "host": host, "agent_type": "Open vSwitch agent"}), 200)["agents"]
        return agents[0]["configurations"]

    def vif_details(self, port_id):
        return self.s.show("port", port_id)["binding:vif_details"]



class AgentHost:
    """A test host running neutrino-agent, with its NIC on the physical
    network."""

    def __init__(self, lab, role, hostname, api, phys, bridge="br-provider",
                 physnet="provider", precreate_bridge=False, dhcp=None,
                 agent=None):
        """api: the server (relayed to 127.0.0.1:9696 in the host), or
        anything with listen_in(netns) that serves there itself."""
        self.lab = lab
        self.hostname = hostname
        self.bridge = bridge
        self.physnet = physnet
        self.ovs = hosts.TestHost(lab, role)
        phys.attach(self.ovs.netns, "eth0")
        self.int_patch = "int-" + bridge
        self.phy_patch = "phy-" + bridge
        if hasattr(api, "listen_in"):
            api.listen_in(self.ovs.netns)
        else:
            lab.relay(self.ovs.netns, "127.0.0.1", 9696,
                      ("127.0.0.1", api.port))
        self.conf = self.ovs.dir / "agent.conf"
        self.state_path = self.ovs.dir / "state"
        # dnsmasq drops to an unprivileged user before it re-reads its
        # files on SIGHUP: the path to state_path must be searchable, as
        # /var/lib is (the lab's mkdtemp makes its directory 0700).
        os.chmod(lab.dir, 0o711)
        defaults = {"host": hostname, "state_path": str(self.state_path)}
        defaults.update(dhcp or {})
        func.write_ini(self.conf, {
            "DEFAULT": defaults,
            "ovs": {"integration_bridge": "br-int",
                    "bridge_mappings": "%s:%s" % (physnet, bridge),
                    "datapath_type": "netdev",
                    "ovsdb_connection": self.ovs.ovsdb_tcp_remote,
                    "of_listen_address": "127.0.0.1",
                    "of_listen_port": "6633"},
            "agent": dict({"server_url": "http://127.0.0.1:9696",
                           "report_interval": "1"}, **(agent or {})),
        })
        self.log = self.ovs.dir / "agent.log"
        self.proc = None
        self.debug = False  # True: the agent logs at debug level
        self.holder = None
        if precreate_bridge:
            # What a Neutron operator does: the bridge exists, NIC in it.
            self.ovs.add_bridge(bridge)
            self.ovs.add_port(bridge, "eth0")

    def _hold_mounts(self):
        """The mount namespace the agent runs in, held by a sleeper."""
        script = ('mount -t tmpfs %s-netns /run/netns && exec sleep 86400'
                  % hosts.PREFIX)
        self.holder = self.lab.spawn(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             script], self.ovs.dir / "holder.log")
        self.mnt = "/proc/%d/ns/mnt" % self.holder.pid
        hosts.wait_until(lambda: self._tmpfs_mounted(), 5,
                         what="the agent's /run/netns")
        self.lab.defer("kill dnsmasq of %s" % self.hostname,
                       self.kill_dnsmasqs)

    def _tmpfs_mounted(self):
        out = hosts.run(["nsenter", "--mount=" + self.mnt, "findmnt", "-n",
                         "/run/netns"], check=False).stdout
        return "%s-netns" % hosts.PREFIX in out

    def start(self):
        if self.holder is None:
            self._hold_mounts()
        self.proc = self.lab.spawn(
            ["nsenter", "--mount=" + self.mnt,
             "--net=/run/netns/" + self.ovs.netns, AGENT_BIN,
             "--config-file", self.conf] + (["--debug"] if self.debug else []),
            self.log, env=self.ovs.env)  # OVS_RUNDIR: where db.sock is
        return self

    def view(self, argv, **kw):
        """argv in the agent's mount namespace and host namespace (where
        `ip netns` shows its qdhcp-* namespaces)."""
        return hosts.run(["nsenter", "--mount=" + self.mnt,
                          "--net=/run/netns/" + self.ovs.netns] + list(argv),
                         **kw)

    def dnsmasq_pids(self):
        """PIDs of dnsmasq processes that use this host's state_path."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cmd = Path("/proc", entry, "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmd and cmd[0].endswith(b"dnsmasq") and any(
                    str(self.state_path).encode() in a for a in cmd):
                pids.append(int(entry))
        return pids

    def kill_dnsmasqs(self):
        for pid in self.dnsmasq_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self, sig=signal.SIGTERM):
        return self.lab.stop(self.proc, sig=sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=4000):
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def wait_bridges(self, timeout=CONVERGE):
        def ready():
            if not self.alive():
                raise hosts.DaemonDied("agent exited:\n" + self.log_tail())
            return {"br-int", self.bridge} <= set(self.ovs.bridges())
        hosts.wait_until(ready, timeout, what="the agent's bridges")

    def add_nic(self):
        """The operator's step: the NIC into the mapped bridge."""
        self.wait_bridges()
        self.ovs.add_port(self.bridge, "eth0")

    def tag(self, port):
        value = self.ovs.get("Port", port, "tag")
        return None if value == "[]" else int(value)

    def wait_tag(self, port, tag, timeout=CONVERGE):
        hosts.wait_until(lambda: self.tag(port) == tag, timeout,
                         what="tag %s on %s" % (tag, port))


