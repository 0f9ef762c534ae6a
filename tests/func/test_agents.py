"""Agents, port binding and status, and the change feed (docs/agent-protocol.md).

These are neutrino's own paths (Neutron's agents use RPC), so every test needs a neutrino
server process."""

import json
import subprocess
import threading
import time

import pytest

from conftest import OSC_BIN, assert_neutron_error, needs_process

pytestmark = needs_process

SEED_VIF_DETAILS = {"bound_drivers": {"0": "openvswitch"}, "bridge_name": "br-int",
                    "connectivity": "l2", "datapath_type": "system",
                    "ovs_hybrid_plug": False, "port_filter": True}


def report(server, host="compute1", agent_type="Open vSwitch agent", start=False, **conf):
    configurations = {"bridge_mappings": {"provider": "br-provider"},
                      "integration_bridge": "br-int", "datapath_type": "system",
                      "ovs_hybrid_plug": False, "devices": 0}
    configurations.update(conf)
    body = {"agent_state": {"binary": "neutrino-agent", "host": host, "topic": "N/A",
                            "agent_type": agent_type, "configurations": configurations,
                            "start_flag": start}}
    return server.ok(server.post("/neutrino/v1/agents/report", body), 200)["state"]


def flat_network(server):
    net = server.create("network", name="provider", shared=True,
                        **{"provider:network_type": "flat",
                           "provider:physical_network": "provider"})
    server.subnet(net["id"], "172.16.0.0/16", gateway_ip="172.16.0.1",
                  allocation_pools=[{"start": "172.16.0.100", "end": "172.16.0.200"}])
    return net


def feed(server, since, timeout=0, host=None):
    """GET the feed; since=None asks for a snapshot."""
    params = {"timeout": timeout}
    if since is not None:
        params["since"] = since
    if host:
        params["host"] = host
    return server.ok(server.get("/neutrino/v1/feed", params=params), 200)


# ---------------------------------------------------------------------- agents
def test_state_report_creates_agent_listed_like_neutron(server):
    assert report(server, start=True) == "alive"
    (agent,) = server.list("agents")
    assert agent["agent_type"] == "Open vSwitch agent"
    assert agent["binary"] == "neutrino-agent" and agent["host"] == "compute1"
    assert agent["topic"] == "N/A" and agent["admin_state_up"] is True and agent["alive"] is True
    assert agent["configurations"]["bridge_mappings"] == {"provider": "br-provider"}
    for key in ("created_at", "started_at", "heartbeat_timestamp"):
        time.strptime(agent[key], "%Y-%m-%d %H:%M:%S")
    assert {"availability_zone", "description", "resources_synced",
            "resource_versions"} <= set(agent)
    # A second report updates the same row.
    assert report(server, devices=3) == "alive"
    (again,) = server.list("agents")
    assert again["id"] == agent["id"] and again["configurations"]["devices"] == 3
    assert server.show("agent", agent["id"])["host"] == "compute1"


def test_agent_list_filters_update_delete(server):
    report(server, host="a")
    report(server, host="b")
    report(server, host="a", agent_type="DHCP agent")
    assert len(server.list("agents")) == 3
    ovs = server.list("agents", params={"agent_type": "Open vSwitch agent"})
    assert sorted(a["host"] for a in ovs) == ["a", "b"]
    (dhcp,) = server.list("agents", params={"host": "a", "agent_type": "DHCP agent"})
    upd = server.update("agent", dhcp["id"], admin_state_up=False, description="maint")
    assert upd["admin_state_up"] is False and upd["description"] == "maint"
    assert_neutron_error(server.put("/v2.0/agents/" + dhcp["id"],
                                    {"agent": {"host": "x"}}), 400)
    assert_neutron_error(server.post("/v2.0/agents", {"agent": {}}), 405)
    server.remove("agent", dhcp["id"])
    assert_neutron_error(server.get("/v2.0/agents/" + dhcp["id"]), 404, "AgentNotFound")
    assert len(server.list("agents")) == 2


def test_agent_dead_after_agent_down_time_then_revived(make_server):
    server = make_server({"DEFAULT": {"agent_down_time": "2"}})
    report(server)
    assert server.list("agents")[0]["alive"] is True
    time.sleep(3.2)
    assert server.list("agents")[0]["alive"] is False
    assert report(server) == "revived"
    assert server.list("agents")[0]["alive"] is True


def test_shared_secret_guards_agent_paths(make_server):
    """noauth with [agent] shared_secret: every /neutrino/v1/ path needs the
    secret in X-Neutrino-Agent-Secret (401 without it or with another);
    the /v2.0 API stays noauth's."""
    server = make_server({"agent": {"shared_secret": "s3cret-Agent"}})
    body = {"agent_state": {"binary": "neutrino-agent", "host": "h1", "topic": "N/A",
                            "agent_type": "Open vSwitch agent", "configurations": {}}}
    calls = [("GET", "/neutrino/v1/feed?timeout=0", None),
             ("POST", "/neutrino/v1/agents/report", body),
             ("POST", "/neutrino/v1/ports/%s/bind" % ("0" * 36), {"host": "h1"}),
             ("PUT", "/neutrino/v1/ports/%s/status" % ("0" * 36),
              {"host": "h1", "status": "DOWN"})]
    for secret in (None, "", "s3cret-agent", "s3cret-Agent ", "s3cret-Agen"):
        headers = {} if secret is None else {"X-Neutrino-Agent-Secret": secret}
        for method, path, data in calls:
            resp = server.request(method, path, json_body=data, headers=headers)
            assert_neutron_error(resp, 401, "HTTPUnauthorized")
    assert server.list("agents") == []
    good = {"X-Neutrino-Agent-Secret": "s3cret-Agent"}
    assert server.ok(server.request("GET", "/neutrino/v1/feed?timeout=0",
                                    headers=good), 200)["resync"] is True
    assert server.ok(server.request("POST", "/neutrino/v1/agents/report",
                                    json_body=body, headers=good), 200) == {"state": "alive"}
    assert_neutron_error(server.request(*calls[2], headers=good), 404, "PortNotFound")
    assert [a["host"] for a in server.list("agents")] == ["h1"]


def wait_for_agents(server, hosts, timeout=20.0):
    """Until every host of 'hosts' has an alive Open vSwitch agent."""
    deadline = time.monotonic() + timeout
    while True:
        alive = {a["host"] for a in server.list("agents")
                 if a["agent_type"] == "Open vSwitch agent" and a["alive"]}
        if set(hosts) <= alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_agent_sends_shared_secret(make_server, make_agent):
    """The real agent end to end: with the server's secret it reports and
    follows the feed; with another secret or none, the server hears
    nothing from it (and the agent says why)."""
    server = make_server({"agent": {"shared_secret": "s3cret-Agent"}})
    good = make_agent(server.url, {"agent": {"shared_secret": "s3cret-Agent"}})
    wrong = make_agent(server.url, {"agent": {"shared_secret": "s3cret-agent"}})
    none = make_agent(server.url)
    assert wait_for_agents(server, [good.host]) == {good.host}
    time.sleep(2)  # Two more report intervals of the other two.
    assert {a["host"] for a in server.list("agents")} == {good.host}
    assert "refused [agent] shared_secret" in wrong.log_text()
    assert "HTTP 401" in none.log_text()


def test_agent_fails_over_to_the_next_server(make_server, make_agent):
    """server_url lists two servers: the agent reports to the first, and
    when it is killed, to the second by itself."""
    first, second = make_server(), make_server()
    agent = make_agent("%s,%s" % (first.url, second.url))
    assert wait_for_agents(first, [agent.host]) == {agent.host}
    assert second.list("agents") == []
    first.kill()
    assert wait_for_agents(second, [agent.host]) == {agent.host}
    assert "server %s: " % first.url in agent.log_text()
    assert "now using %s" % second.url in agent.log_text()


def test_agent_refuses_a_bad_server_list(make_agent):
    agent = make_agent("http://127.0.0.1:9696,127.0.0.1:9697")
    assert agent.proc.wait(timeout=10) != 0
    assert "'127.0.0.1:9697' is not an http(s):// URL" in agent.log_text()


def test_openstack_network_agent_list(server):
    report(server, host="controller.home.local")
    out = subprocess.run([OSC_BIN, "--os-auth-type", "none", "--os-endpoint", server.url,
                          "network", "agent", "list", "-f", "json"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    (row,) = json.loads(out)
    assert row["Agent Type"] == "Open vSwitch agent"
    assert row["Host"] == "controller.home.local"
    assert row["Alive"] is True and row["State"] is True
    assert row["Binary"] == "neutrino-agent"


@pytest.mark.parametrize("body,status", [
    ({}, 400),
    ({"agent_state": "x"}, 400),
    ({"agent_state": {"binary": "b", "host": "h", "topic": "t"}}, 400),
    ({"agent_state": {"binary": "b", "host": "", "topic": "t", "agent_type": "x"}}, 400),
    ({"agent_state": {"binary": "b", "host": "h", "topic": "t", "agent_type": "x",
                      "configurations": []}}, 400),
])
def test_bad_state_reports(server, body, status):
    assert_neutron_error(server.post("/neutrino/v1/agents/report", body), status)
    assert server.list("agents") == []


# ---------------------------------------------------------------------- binding
def test_port_with_host_binds_through_alive_agent(server):
    net = flat_network(server)
    p = server.create("port", network_id=net["id"], **{"binding:host_id": "compute1"})
    assert p["binding:vif_type"] == "binding_failed"  # no agent there yet
    report(server)
    p = server.create("port", network_id=net["id"], **{"binding:host_id": "compute1"})
    assert p["binding:vif_type"] == "ovs"
    assert p["binding:vif_details"] == SEED_VIF_DETAILS
    # A host whose agent does not map the network's physnet cannot bind it.
    report(server, host="compute2", bridge_mappings={"other": "br-other"})
    p = server.create("port", network_id=net["id"], **{"binding:host_id": "compute2"})
    assert p["binding:vif_type"] == "binding_failed"


def test_agent_binds_plugged_port_and_reports_status(server):
    net = flat_network(server)
    report(server, host="controller.home.local")
    port = server.create("port", network_id=net["id"], name="vm1")
    assert port["status"] == "DOWN" and port["binding:vif_type"] == "unbound"
    r = server.post("/neutrino/v1/ports/%s/bind" % port["id"],
                    {"host": "controller.home.local"})
    body = server.ok(r, 200)
    assert body["network"]["id"] == net["id"]
    assert body["network"]["provider:physical_network"] == "provider"
    bound = body["port"]
    assert bound["binding:host_id"] == "controller.home.local"
    assert bound["binding:vif_type"] == "ovs"
    assert bound["binding:vif_details"] == SEED_VIF_DETAILS
    assert bound["revision_number"] == port["revision_number"] + 1
    # Binding again changes nothing.
    again = server.ok(server.post("/neutrino/v1/ports/%s/bind" % port["id"],
                                  {"host": "controller.home.local"}), 200)["port"]
    assert again["revision_number"] == bound["revision_number"]
    r = server.put("/neutrino/v1/ports/%s/status" % port["id"],
                   {"host": "controller.home.local", "status": "ACTIVE"})
    assert r.status_code == 204
    shown = server.show("port", port["id"])
    assert shown["status"] == "ACTIVE"
    assert shown["revision_number"] == bound["revision_number"] + 1
    # Another host may neither bind it nor set its status.
    report(server, host="other")
    assert_neutron_error(server.post("/neutrino/v1/ports/%s/bind" % port["id"],
                                     {"host": "other"}), 409, "PortBindingFailed")
    assert_neutron_error(server.put("/neutrino/v1/ports/%s/status" % port["id"],
                                    {"host": "other", "status": "DOWN"}), 409)
    server.ok(server.put("/neutrino/v1/ports/%s/status" % port["id"],
                         {"host": "controller.home.local", "status": "DOWN"}), 204)
    assert server.show("port", port["id"])["status"] == "DOWN"


SEED_DHCP_DEVICE = "dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-"


def dhcp_ports(server, net):
    return [p for p in server.list("ports", params={"network_id": net["id"]})
            if p["device_owner"] == "network:dhcp"]


def test_dhcp_agent_claims_the_dhcp_port_scheduled_to_it(server):
    net = flat_network(server)
    (reserved,) = dhcp_ports(server, net)
    assert reserved["device_id"] == "reserved_dhcp_port"
    report(server, host="controller.home.local")
    report(server, host="controller.home.local", agent_type="DHCP agent")
    # The report scheduled the network there: the reserved port is its.
    (dhcp,) = dhcp_ports(server, net)
    dev = SEED_DHCP_DEVICE + net["id"]
    assert dhcp["id"] == reserved["id"] and dhcp["device_id"] == dev
    assert dhcp["fixed_ips"] == reserved["fixed_ips"]
    path = "/neutrino/v1/ports/%s/bind" % dhcp["id"]
    body = server.ok(server.post(path, {"host": "controller.home.local",
                                        "device_id": dev}), 200)
    claimed = body["port"]
    assert claimed["device_id"] == dev
    assert claimed["binding:host_id"] == "controller.home.local"
    assert claimed["binding:vif_type"] == "ovs"
    assert server.show("port", dhcp["id"])["device_id"] == dev
    # The same claim again changes nothing; another device may not take it.
    again = server.ok(server.post(path, {"host": "controller.home.local",
                                         "device_id": dev}), 200)["port"]
    assert again["revision_number"] == claimed["revision_number"]
    assert_neutron_error(server.post(path, {"host": "controller.home.local",
                                            "device_id": "dhcpother"}),
                         409, "PortBindingFailed")
    report(server, host="other")
    assert_neutron_error(server.post(path, {"host": "other",
                                            "device_id": "dhcpother"}),
                         409, "PortBindingFailed")
    # Only a DHCP port can be claimed; a device_id with a newline is refused.
    vm = server.create("port", network_id=net["id"])
    assert_neutron_error(server.post("/neutrino/v1/ports/%s/bind" % vm["id"],
                                     {"host": "controller.home.local",
                                      "device_id": dev}),
                         409, "PortBindingFailed")
    assert_neutron_error(server.post(path, {"host": "controller.home.local",
                                            "device_id": "dhcp\nx"}), 400)
    assert server.show("port", vm["id"]) == vm


def test_dhcp_port_moves_when_its_dhcp_agent_is_gone(make_server):
    """A network whose DHCP agent stays silent for twice agent_down_time
    leaves it when another DHCP agent reports: the binding moves, and the
    same DHCP port (same address) gets the new agent's device_id."""
    server = make_server({"DEFAULT": {"agent_down_time": "2"}})
    report(server, host="ghost", agent_type="DHCP agent")
    net = flat_network(server)
    (before,) = dhcp_ports(server, net)
    assert before["device_id"].endswith("-" + net["id"])
    agents = server.ok(server.get("/v2.0/networks/%s/dhcp-agents"
                                  % net["id"]), 200)["agents"]
    assert [a["host"] for a in agents] == ["ghost"]
    report(server, host="network2")
    report(server, host="network2", agent_type="DHCP agent")
    assert dhcp_ports(server, net) == [before]  # ghost is not dead enough
    time.sleep(5.5)  # Past 2 * agent_down_time, in whole seconds.
    report(server, host="network2")
    report(server, host="network2", agent_type="DHCP agent")
    (after,) = dhcp_ports(server, net)
    assert after["id"] == before["id"]
    assert after["fixed_ips"] == before["fixed_ips"]
    assert after["device_id"] != before["device_id"]
    agents = server.ok(server.get("/v2.0/networks/%s/dhcp-agents"
                                  % net["id"]), 200)["agents"]
    assert [a["host"] for a in agents] == ["network2"]
    moved = server.ok(server.post("/neutrino/v1/ports/%s/bind" % after["id"],
                                  {"host": "network2",
                                   "device_id": after["device_id"]}), 200)
    assert moved["port"]["binding:host_id"] == "network2"
    # The ghost comes back: the network stays where it is.
    assert report(server, host="ghost", agent_type="DHCP agent") == "revived"
    assert_neutron_error(server.post("/neutrino/v1/ports/%s/bind" % after["id"],
                                     {"host": "ghost",
                                      "device_id": before["device_id"]}),
                         409, "PortBindingFailed")


def test_bind_without_agent_fails_and_changes_nothing(server):
    net = flat_network(server)
    port = server.create("port", network_id=net["id"])
    assert_neutron_error(server.post("/neutrino/v1/ports/%s/bind" % port["id"],
                                     {"host": "nowhere"}), 409, "PortBindingFailed")
    assert server.show("port", port["id"]) == port


@pytest.mark.parametrize("method,suffix,body,status,etype", [
    ("POST", "bind", {}, 400, None),
    ("POST", "bind", {"host": ""}, 400, None),
    ("POST", "bind", {"host": 7}, 400, None),
    ("PUT", "bind", {"host": "h"}, 405, None),
    ("PUT", "status", {"host": "h"}, 400, None),
    ("PUT", "status", {"host": "h", "status": "BUILD"}, 400, None),
    ("PUT", "status", {"host": "h", "status": 1}, 400, None),
    ("POST", "status", {"host": "h", "status": "ACTIVE"}, 405, None),
])
def test_bad_agent_port_requests(server, method, suffix, body, status, etype):
    net = flat_network(server)
    port = server.create("port", network_id=net["id"])
    r = server.request(method, "/neutrino/v1/ports/%s/%s" % (port["id"], suffix),
                       json_body=body)
    assert_neutron_error(r, status, etype)
    assert server.show("port", port["id"]) == port


def test_agent_paths_unknown_port_and_path(server):
    missing = "/neutrino/v1/ports/3f9b8a57-2f1e-4b4e-9a55-5d3f0f0e2c11/"
    assert_neutron_error(server.post(missing + "bind", {"host": "h"}), 404, "PortNotFound")
    assert_neutron_error(server.put(missing + "status", {"host": "h", "status": "DOWN"}),
                         404, "PortNotFound")
    assert_neutron_error(server.get("/neutrino/v1/nothing"), 404)
    assert_neutron_error(server.get("/neutrino/v2/feed"), 404)


# ---------------------------------------------------------------------- feed
def test_feed_snapshot_then_changes(server):
    snap = feed(server, None)
    assert snap["resync"] is True and snap["revision"] == 0
    assert snap["networks"] == snap["subnets"] == snap["ports"] == []
    net = flat_network(server)
    snap = feed(server, None)
    assert snap["resync"] is True and snap["revision"] > 0
    assert [n["id"] for n in snap["networks"]] == [net["id"]]
    assert snap["networks"][0] == server.show("network", net["id"])
    (dhcp,) = snap["ports"]
    assert dhcp["device_owner"] == "network:dhcp"
    rev = snap["revision"]
    assert feed(server, rev) == {"revision": rev, "resync": False, "changes": []}

    port = server.create("port", network_id=net["id"], name="p")
    server.update("port", port["id"], name="p2")
    server.update("port", port["id"], name="p3")
    ch = feed(server, rev)
    assert ch["resync"] is False
    # three writes folded into the latest state; the port joined its
    # project's default group, whose members changed
    group, change = ch["changes"]
    assert group["resource"] == "security_group"
    assert group["id"] == port["security_groups"][0]
    assert group["object"]["members"] == {
        "IPv4": [f["ip_address"] for f in port["fixed_ips"]], "IPv6": []}
    assert change["resource"] == "port" and change["id"] == port["id"]
    assert change["deleted"] is False
    assert change["object"] == server.show("port", port["id"])
    assert change["revision"] == ch["revision"] > rev

    server.remove("port", port["id"])
    ch2 = feed(server, ch["revision"])
    group, gone = ch2["changes"]
    assert group["object"]["members"] == {"IPv4": [], "IPv6": []}
    assert gone["id"] == port["id"] and gone["deleted"] is True and "object" not in gone
    # A revision the server never issued (a replaced database) means resync.
    assert feed(server, ch2["revision"] + 1000)["resync"] is True


def test_feed_long_poll_wakes_on_commit(server):
    net = flat_network(server)
    rev = feed(server, None)["revision"]
    result = {}

    def poll():
        t0 = time.monotonic()
        result["answer"] = feed(server, rev, timeout=20000)
        result["waited"] = time.monotonic() - t0

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    assert t.is_alive()  # held open: nothing new yet
    port = server.create("port", network_id=net["id"])
    t.join(10)
    assert not t.is_alive()
    assert [c["id"] for c in result["answer"]["changes"]
            if c["resource"] == "port"] == [port["id"]]
    assert 0.4 < result["waited"] < 10


def test_feed_long_poll_times_out_empty(server):
    flat_network(server)
    rev = feed(server, None)["revision"]
    t0 = time.monotonic()
    answer = feed(server, rev, timeout=300)
    assert time.monotonic() - t0 >= 0.25
    assert answer == {"revision": rev, "resync": False, "changes": []}


def test_feed_empty_database_waits(server):
    """Revision 0 is a revision: an agent that has it waits for news
    instead of being sent the same empty snapshot again and again."""
    assert feed(server, None)["revision"] == 0
    t0 = time.monotonic()
    assert feed(server, 0, timeout=300) == {"revision": 0, "resync": False,
                                            "changes": []}
    assert time.monotonic() - t0 >= 0.25


def test_feed_host_filter(server):
    net = flat_network(server)
    report(server, host="h1")
    report(server, host="h2")
    rev = feed(server, None)["revision"]
    p1 = server.create("port", network_id=net["id"], **{"binding:host_id": "h1"})
    p2 = server.create("port", network_id=net["id"], **{"binding:host_id": "h2"})
    ids = [c["id"] for c in feed(server, rev, host="h1")["changes"]]
    assert p1["id"] in ids and p2["id"] not in ids
    snap = feed(server, None, host="h2")
    assert [p["id"] for p in snap["ports"]] == [p2["id"]]
    assert snap["networks"] and snap["subnets"]
    # Moving a port away tells the host it left.
    rev = feed(server, None)["revision"]
    server.update("port", p1["id"], **{"binding:host_id": "h2"})
    assert [c["id"] for c in feed(server, rev, host="h1")["changes"]] == [p1["id"]]
    assert [c["id"] for c in feed(server, rev, host="h2")["changes"]] == [p1["id"]]


@pytest.mark.parametrize("params", [
    {"since": "-1"}, {"since": "x"}, {"since": ""}, {"timeout": "300001"},
    {"timeout": "-5"}, {"since": "1", "what": "x"},
])
def test_feed_bad_parameters(server, params):
    assert_neutron_error(server.get("/neutrino/v1/feed", params=params), 400)


def test_feed_survives_restart(make_server):
    server = make_server()
    net = flat_network(server)
    rev = feed(server, None)["revision"]
    server.restart(hard=True)
    assert feed(server, rev)["changes"] == []
    server.update("network", net["id"], name="renamed")
    (c,) = feed(server, rev)["changes"]
    assert c["object"]["name"] == "renamed" and c["revision"] > rev
