"""The seed checks applied to Debian's Neutron (Zed) on a test host.

Opt-in (NEUTRON_REFERENCE=1) and skipped unless neutron-server,
neutron-openvswitch-agent and rabbitmq-server are installed (they are not
in scripts/install-deps.sh: only this check needs them).  It confirms that
seedcheck.py describes what Neutron's own OVS agent builds, so a failure of
the neutrino-agent tests is about neutrino, not about the expectations.

Everything runs inside one test host's namespace, on its own loopback:
RabbitMQ, neutron-server (ML2, openvswitch driver, openvswitch firewall,
noauth, SQLite made with metadata.create_all as tests/func/README.md
explains) and neutron-openvswitch-agent (started with `nsenter --net`;
`[agent] root_helper = env OVS_RUNDIR=...` so its ovs-* commands find the
host's private OVS).  The openstack CLI runs in the namespace too.  Neutron
binds a port only when Nova names the host, hence `port create --host`.
The subnet has DHCP off: no DHCP agent runs here.
"""

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

import hosts
from seedcheck import (DEAD_VLAN, ROUTER_CIDR, ROUTER_IP, SEED_HOST,
                       SEED_VIF_DETAILS, VLAN, check_int_flows,
                       check_phys_flows, check_port_other_config, check_show,
                       create_port, plug, seed_network, vif_count)

RABBIT = "/usr/lib/rabbitmq/bin/rabbitmq-server"
NEEDED = ("neutron-server", "neutron-openvswitch-agent")

pytestmark = pytest.mark.skipif(
    os.environ.get("NEUTRON_REFERENCE") != "1" or not os.path.exists(RABBIT)
    or any(shutil.which(b) is None for b in NEEDED),
    reason="reference run against Debian's Neutron: set NEUTRON_REFERENCE=1"
    " and install neutron-server neutron-openvswitch-agent rabbitmq-server")

START = 120  # seconds: Neutron and RabbitMQ start slowly on 2 cores

NEUTRON_CONF = """[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
transport_url = rabbit://guest:guest@127.0.0.1:5672/
host = {host}
state_path = {dir}
[database]
connection = sqlite:///{dir}/neutron.db
[ml2]
type_drivers = flat,vlan
tenant_network_types = vlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = provider
[ml2_type_vlan]
network_vlan_ranges = provider:1000:1999
[oslo_concurrency]
lock_path = {dir}/lock
[agent]
root_helper = env OVS_RUNDIR={rundir}
[ovs]
integration_bridge = br-int
bridge_mappings = provider:br-provider
datapath_type = netdev
ovsdb_connection = tcp:127.0.0.1:6640
of_listen_address = 127.0.0.1
of_listen_port = 6633
[securitygroup]
firewall_driver = openvswitch
"""

CREATE_SCHEMA = """import sqlalchemy as sa
from neutron.db.migration.models import head  # noqa: F401 (loads models)
from neutron_lib.db import model_base
model_base.BASEV2.metadata.create_all(sa.create_engine("sqlite:///%s"))
"""


class NeutronHost:
    """A test host running RabbitMQ, neutron-server and the OVS agent."""

    def __init__(self, lab, phys):
        self.lab = lab
        self.ovs = hosts.TestHost(lab, "neutron")
        self.bridge, self.physnet = "br-provider", "provider"
        self.int_patch, self.phy_patch = "int-br-provider", "phy-br-provider"
        phys.attach(self.ovs.netns, "eth0")
        # Neutron's agent needs the mapped bridge to exist, NIC inside.
        self.ovs.add_bridge(self.bridge)
        self.ovs.add_port(self.bridge, "eth0")
        self.dir = self.ovs.dir / "neutron"
        self.dir.mkdir()
        self.conf = self.dir / "neutron.conf"
        self.conf.write_text(NEUTRON_CONF.format(
            host=SEED_HOST, dir=self.dir, rundir=self.ovs.dir))
        subprocess.run(["/usr/bin/python3", "-c", CREATE_SCHEMA %
                        (self.dir / "neutron.db")], check=True)
        self.env = {"OVS_RUNDIR": str(self.ovs.dir), "HOME": str(self.dir)}
        self._start_rabbit()
        self._spawn("neutron-server")
        hosts.wait_until(lambda: self.ovs.run(
            ["curl", "-sf", "http://127.0.0.1:9696/"],
            check=False).returncode == 0, START, interval=1,
            what="neutron-server")
        self._spawn("neutron-openvswitch-agent")
        hosts.wait_until(lambda: [
            a for a in self.osc("network", "agent", "list")
            if a["Agent Type"] == "Open vSwitch agent" and a["Alive"]],
            START, interval=2, what="the OVS agent to report")

    def _start_rabbit(self):
        rd = self.dir / "rabbit"
        rd.mkdir()
        (rd / "plugins").write_text("[].\n")
        env = {"HOME": str(rd), "RABBITMQ_NODENAME": "rabbit@localhost",
               "RABBITMQ_MNESIA_BASE": str(rd / "mnesia"),
               "RABBITMQ_LOG_BASE": str(rd / "log"),
               "RABBITMQ_PID_FILE": str(rd / "pid"),
               "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
               "RABBITMQ_CONFIG_FILE": str(rd / "rabbitmq"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(rd / "plugins"),
               "ERL_EPMD_ADDRESS": "127.0.0.1"}
        self.lab.spawn([RABBIT], rd / "out.log", netns=self.ovs.netns,
                       enter="nsenter", env=env)
        hosts.wait_until(lambda: self.ovs.run(
            ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"],
            check=False).returncode == 0, START, interval=1,
            what="rabbitmq")

    def _spawn(self, binary):
        return self.lab.spawn(
            [binary, "--config-file", self.conf, "--log-file",
             self.dir / (binary + ".log")], self.dir / (binary + ".out"),
            netns=self.ovs.netns, enter="nsenter", env=self.env)

    def osc(self, *args):
        p = self.ovs.run(["env", "HOME=%s" % self.dir, "openstack",
                          "--os-auth-type", "none", "--os-endpoint",
                          "http://127.0.0.1:9696"] + list(args) +
                         ["-f", "json"], timeout=120)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def wait_active(self, port_id, timeout=60):
        return hosts.wait_until(
            lambda: self.osc("port", "show", port_id)["status"] == "ACTIVE",
            timeout, interval=0.5, what="port %s ACTIVE" % port_id)

    def tag(self, port):
        value = self.ovs.get("Port", port, "tag")
        return None if value == "[]" else int(value)


@pytest.fixture(scope="module")
def neutron(module_lab):
    phys = hosts.PhysNet(module_lab)
    router = hosts.Router(module_lab, phys, ROUTER_CIDR)
    return NeutronHost(module_lab, phys), router, module_lab


def test_seed_000_flat(neutron):
    nh, router, lab = neutron
    net, _ = seed_network(nh.osc, "--no-dhcp")
    vms = []
    for n in (1, 2):
        port_id, mac, ip = create_port(nh.osc, "provider", "vm%d" % n,
                                       "--host", SEED_HOST)
        t0 = time.monotonic()
        vm = plug(lab, nh, "vm%d" % n, port_id, mac, ip, 12, ROUTER_IP)
        nh.wait_active(port_id)
        print("neutron: vm%d plugged -> ACTIVE %.1fs" % (
            n, time.monotonic() - t0))
        vms.append(vm)
    p = nh.osc("port", "show", vms[0].port_id)
    assert p["binding_vif_details"] == SEED_VIF_DETAILS, p
    assert p["binding_host_id"] == SEED_HOST and \
        p["binding_vif_type"] == "ovs", p
    assert check_show(nh, {vm.tap: 1 for vm in vms}) == []
    check_int_flows(nh, lvid=1)
    check_phys_flows(nh, lvid=1)
    check_port_other_config(nh, vms[0].tap, net["id"], 1, "flat")
    assert vif_count(nh) == 2
    vms[0].wait_ping(ROUTER_IP)
    assert vms[0].ping(vms[1].ip).loss == 0
    assert vms[1].ping(ROUTER_IP).loss == 0


def test_vlan_and_unknown_port(neutron):
    nh, router, lab = neutron
    net = nh.osc("network", "create", "--provider-network-type", "vlan",
                 "--provider-physical-network", "provider",
                 "--provider-segment", str(VLAN), "vlan%d" % VLAN)
    nh.osc("subnet", "create", "--network", net["id"], "--subnet-range",
           "192.168.101.0/24", "--no-dhcp", "vlan-sub")
    router.add_vlan(VLAN, "192.168.101.1/24")
    port_id, mac, ip = create_port(nh.osc, net["id"], "vm3", "--host",
                                   SEED_HOST)
    vm = plug(lab, nh, "vm3", port_id, mac, ip, 24, "192.168.101.1")
    nh.wait_active(port_id)
    lvid = nh.tag(vm.tap)
    assert 1 <= lvid < DEAD_VLAN
    check_int_flows(nh, lvid=lvid, segid=VLAN)
    check_phys_flows(nh, lvid=lvid, segid=VLAN)
    check_port_other_config(nh, vm.tap, net["id"], lvid, "vlan",
                            segid=VLAN)
    vm.wait_ping("192.168.101.1")
    # An interface whose iface-id Neutron does not know: Neutron's agent
    # only re-tags ports that already carry a tag ("don't kill a port if
    # it's already dead"), so an untagged one stays untagged.  Issue 4 asks
    # neutrino for more: tag 4095 on any unknown port.
    stranger = hosts.Instance(lab, nh.ovs, "vmx", str(uuid.uuid4()),
                              "fa:16:3e:aa:bb:cc")
    time.sleep(5)  # more than two of the agent's 2 s polling rounds
    assert nh.tag(stranger.tap) is None
