"""DHCP scheduling as Neutron's dhcp_agent_scheduler extension: bindings of
networks to DHCP agents, one DHCP port per hosting agent, the API paths and
the openstack CLI commands over them (src/api/dhcp-sched.h)."""

import pytest

from conftest import assert_neutron_error, needs_process, new_id, run_osc
from test_agents import dhcp_ports, report

pytestmark = needs_process


def dhcp_agent(server, host):
    report(server, host=host)  # Its OVS agent, so DHCP ports can bind there.
    report(server, host=host, agent_type="DHCP agent")
    (agent,) = server.list("agents", params={"host": host,
                                             "agent_type": "DHCP agent"})
    return agent


def network(server, name="net", dhcp=True, cidr="10.0.0.0/24"):
    net = server.create("network", name=name)
    server.subnet(net["id"], cidr, enable_dhcp=dhcp)
    return net


def hosts_of(server, net):
    body = server.ok(server.get("/v2.0/networks/%s/dhcp-agents" % net["id"]),
                     200)
    return sorted(a["host"] for a in body["agents"])


def device_host(port, agents):
    """Which of 'agents' (host -> row) a DHCP port's device_id names."""
    for host, agent in agents.items():
        if port["device_id"] == device_id_of(agent, port["network_id"]):
            return host
    return None


def device_id_of(agent, network_id):
    # uuid5(NAMESPACE_DNS, host up to its first dot), as the agent forms it.
    import uuid
    short = agent["host"].split(".")[0]
    return "dhcp%s-%s" % (uuid.uuid5(uuid.NAMESPACE_DNS, short), network_id)


def test_extension_listed(server):
    ext = server.ok(server.get("/v2.0/extensions/dhcp_agent_scheduler"),
                    200)["extension"]
    assert ext["name"] == "DHCP Agent Scheduler"


def test_first_dhcp_subnet_schedules_to_each_agent_its_port(make_server):
    server = make_server({"DEFAULT": {"dhcp_agents_per_network": "2"}})
    agents = {h: dhcp_agent(server, h) for h in ("net1", "net2", "net3")}
    net = network(server)
    assert len(hosts_of(server, net)) == 2
    ports = dhcp_ports(server, net)
    assert len(ports) == 2
    assert sorted(device_host(p, agents) for p in ports) == hosts_of(server,
                                                                     net)
    ips = sorted(p["fixed_ips"][0]["ip_address"] for p in ports)
    assert ips == ["10.0.0.2", "10.0.0.3"]
    for host in hosts_of(server, net):
        nets = server.ok(server.get("/v2.0/agents/%s/dhcp-networks"
                                    % agents[host]["id"]), 200)["networks"]
        assert [n["id"] for n in nets] == [net["id"]]
        assert len(nets[0]["subnets"]) == 1
    # The third agent is the least loaded: the next network goes there
    # first.
    other = network(server, "other")
    assert "net3" in hosts_of(server, other)


def test_least_loaded_agent_and_no_dhcp_no_scheduling(server):
    dhcp_agent(server, "a")
    dhcp_agent(server, "b")
    first, second = network(server, "n1"), network(server, "n2")
    assert hosts_of(server, first) == ["a"]
    assert hosts_of(server, second) == ["b"]
    quiet = network(server, "n3", dhcp=False)
    assert hosts_of(server, quiet) == [] and dhcp_ports(server, quiet) == []
    # An unknown network has no agents, as Neutron answers.
    assert server.ok(server.get("/v2.0/networks/%s/dhcp-agents" % new_id()),
                     200) == {"agents": []}


def test_network_before_agents_is_scheduled_when_one_reports(server):
    net = network(server)
    (reserved,) = dhcp_ports(server, net)
    assert reserved["device_id"] == "reserved_dhcp_port"
    assert hosts_of(server, net) == []
    agent = dhcp_agent(server, "late")
    assert hosts_of(server, net) == ["late"]
    (port,) = dhcp_ports(server, net)
    assert port["id"] == reserved["id"]
    assert port["device_id"] == device_id_of(agent, net["id"])


def test_no_auto_schedule_when_disabled(make_server):
    server = make_server({"DEFAULT": {"network_auto_schedule": "False"}})
    net = network(server)
    dhcp_agent(server, "late")
    assert hosts_of(server, net) == []
    # A new DHCP subnet still schedules, as Neutron does.
    other = network(server, "other")
    assert hosts_of(server, other) == ["late"]


def test_add_and_remove_network_through_the_api(server):
    a, b = dhcp_agent(server, "a"), dhcp_agent(server, "b")
    net = network(server)
    assert hosts_of(server, net) == ["a"]
    path = "/v2.0/agents/%s/dhcp-networks" % b["id"]
    r = server.post(path, {"network_id": net["id"]})
    assert r.status_code == 201 and r.json() is None
    assert hosts_of(server, net) == ["a", "b"]
    ports = dhcp_ports(server, net)
    assert sorted(device_host(p, {"a": a, "b": b}) for p in ports) == ["a",
                                                                      "b"]
    assert_neutron_error(server.post(path, {"network_id": net["id"]}), 409,
                         "NetworkHostedByDHCPAgent")
    # a leaves: its port is kept reserved, unbound, for the next agent.
    mine = [p for p in ports if device_host(p, {"a": a}) == "a"][0]
    r = server.delete("/v2.0/agents/%s/dhcp-networks/%s" % (a["id"],
                                                              net["id"]))
    assert r.status_code == 204
    assert hosts_of(server, net) == ["b"]
    left = server.show("port", mine["id"])
    assert left["device_id"] == "reserved_dhcp_port"
    assert left["binding:host_id"] == "" and left["status"] == "DOWN"
    assert left["fixed_ips"] == mine["fixed_ips"]
    assert_neutron_error(
        server.delete("/v2.0/agents/%s/dhcp-networks/%s" % (a["id"],
                                                              net["id"])),
        409, "NetworkNotHostedByDhcpAgent")
    # Back to a: it takes the reserved port again, same address.
    server.ok(server.post("/v2.0/agents/%s/dhcp-networks" % a["id"],
                          {"network_id": net["id"]}), 201)
    again = server.show("port", mine["id"])
    assert again["device_id"] == device_id_of(a, net["id"])
    assert len(dhcp_ports(server, net)) == 2
    nets = server.ok(server.get(path), 200)["networks"]
    assert [n["id"] for n in nets] == [net["id"]]


def test_bad_scheduling_requests(server):
    a = dhcp_agent(server, "a")
    (ovs,) = server.list("agents", params={"agent_type": "Open vSwitch agent"})
    net = network(server)
    path = "/v2.0/agents/%s/dhcp-networks" % a["id"]
    assert_neutron_error(server.post(path, {"network_id": new_id()}), 404,
                         "NetworkNotFound")
    assert_neutron_error(server.post("/v2.0/agents/%s/dhcp-networks"
                                     % new_id(), {"network_id": net["id"]}),
                         404, "AgentNotFound")
    assert_neutron_error(server.post("/v2.0/agents/%s/dhcp-networks"
                                     % ovs["id"], {"network_id": net["id"]}),
                         404, "InvalidDHCPAgent")
    assert_neutron_error(server.post(path, {}), 400)
    assert_neutron_error(server.post(path, {"network_id": 5}), 400)
    assert_neutron_error(server.get("/v2.0/agents/%s/dhcp-networks"
                                    % new_id()), 404, "AgentNotFound")
    assert_neutron_error(server.delete("/v2.0/agents/%s/dhcp-networks/%s"
                                       % (new_id(), net["id"])), 404,
                         "AgentNotFound")
    assert_neutron_error(server.put(path, {"network_id": net["id"]}), 405)
    assert_neutron_error(server.get("/v2.0/networks/%s/dhcp-networks"
                                    % net["id"]), 404)
    # Admin down: no new networks for it.
    server.update("agent", a["id"], admin_state_up=False)
    other = network(server, "other")
    assert hosts_of(server, other) == []
    assert_neutron_error(server.post(path, {"network_id": other["id"]}), 404,
                         "InvalidDHCPAgent")


def test_dhcp_off_and_on_and_subnet_delete_with_two_ports(make_server):
    server = make_server({"DEFAULT": {"dhcp_agents_per_network": "2"}})
    dhcp_agent(server, "a")
    dhcp_agent(server, "b")
    net = network(server)
    (sub,) = server.list("subnets", params={"network_id": net["id"]})
    second = server.subnet(net["id"], "10.0.1.0/24")
    for port in dhcp_ports(server, net):
        assert len(port["fixed_ips"]) == 2
    server.update("subnet", sub["id"], enable_dhcp=False)
    for port in dhcp_ports(server, net):
        assert [f["subnet_id"] for f in port["fixed_ips"]] == [second["id"]]
    server.update("subnet", second["id"], enable_dhcp=False)
    assert dhcp_ports(server, net) == []
    assert hosts_of(server, net) == ["a", "b"]  # Bindings stay, as Neutron.
    server.update("subnet", sub["id"], enable_dhcp=True)
    ports = dhcp_ports(server, net)
    assert len(ports) == 2
    assert all([f["subnet_id"] for f in p["fixed_ips"]] == [sub["id"]]
               for p in ports)
    server.remove("subnet", sub["id"])
    assert dhcp_ports(server, net) == []
    server.remove("network", net["id"])
    assert hosts_of(server, net) == []


def test_deleted_agent_leaves_its_port_reserved(server):
    a = dhcp_agent(server, "a")
    net = network(server)
    (port,) = dhcp_ports(server, net)
    assert port["device_id"] == device_id_of(a, net["id"])
    server.remove("agent", a["id"])
    assert server.show("port", port["id"])["device_id"] == "reserved_dhcp_port"
    assert hosts_of(server, net) == []
    dhcp_agent(server, "b")
    assert hosts_of(server, net) == ["b"]


def test_openstack_cli_agent_network_commands(server, tmp_path):
    home = tmp_path / "osc-home"
    home.mkdir()

    def osc(*args, fmt="json"):
        return run_osc(server.url, home, *args, fmt=fmt)

    a, b = dhcp_agent(server, "a"), dhcp_agent(server, "b")
    net = network(server)
    rows = osc("network", "agent", "list", "--network", net["id"])
    assert [r["Host"] for r in rows] == ["a"]
    osc("network", "agent", "add", "network", "--dhcp", b["id"], net["id"],
        fmt=None)
    rows = osc("network", "agent", "list", "--network", net["id"])
    assert sorted(r["Host"] for r in rows) == ["a", "b"]
    rows = osc("network", "list", "--agent", b["id"])
    assert [r["ID"] for r in rows] == [net["id"]]
    osc("network", "agent", "remove", "network", "--dhcp", a["id"],
        net["id"], fmt=None)
    rows = osc("network", "agent", "list", "--network", net["id"])
    assert [r["Host"] for r in rows] == ["b"]


@pytest.mark.parametrize("value", ["0", "x"])
def test_bad_agents_per_network_stops_start(make_server, value):
    server = make_server({"DEFAULT": {"dhcp_agents_per_network": value}},
                         start=False)
    with pytest.raises(Exception):
        server.start(timeout=10)


def test_removed_network_stays_off_until_the_agent_restarts(make_server):
    server = make_server({"DEFAULT": {"dhcp_agents_per_network": "2"}})
    a = dhcp_agent(server, "a")
    dhcp_agent(server, "b")
    net = network(server)
    assert hosts_of(server, net) == ["a", "b"]
    server.ok(server.delete("/v2.0/agents/%s/dhcp-networks/%s"
                            % (a["id"], net["id"])), 204)
    report(server, host="a", agent_type="DHCP agent")
    assert hosts_of(server, net) == ["b"]
    # Its next start: it asks for its networks and gets this one back.
    report(server, host="a", agent_type="DHCP agent", start=True)
    assert hosts_of(server, net) == ["a", "b"]
    assert len(dhcp_ports(server, net)) == 2


def test_dhcp_port_deleted_by_hand_comes_back(server):
    a = dhcp_agent(server, "a")
    net = network(server)
    (port,) = dhcp_ports(server, net)
    server.ok(server.delete("/v2.0/ports/" + port["id"]), 204)
    (again,) = dhcp_ports(server, net)
    assert again["id"] != port["id"]
    assert again["device_id"] == device_id_of(a, net["id"])
    assert [f["subnet_id"] for f in again["fixed_ips"]] == \
        [f["subnet_id"] for f in port["fixed_ips"]]
    # A reserved port (no agent behind it) deleted by hand stays gone.
    server.ok(server.delete("/v2.0/agents/%s/dhcp-networks/%s"
                            % (a["id"], net["id"])), 204)
    (reserved,) = dhcp_ports(server, net)
    assert reserved["device_id"] == "reserved_dhcp_port"
    server.ok(server.delete("/v2.0/ports/" + reserved["id"]), 204)
    assert dhcp_ports(server, net) == []
