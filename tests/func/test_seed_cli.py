"""Seed 000 with the real `openstack` CLI, then everyday CLI usage.

The tables below are the seed's output (seeds/000_b0adb362895ae8b4.txt).  Ids, MACs and
timestamps are checked for format only.  The DHCP port in the seed was already wired by the
agents (status ACTIVE, bound to controller.home.local, revision 3); a server on its own must
show the values it has before any agent: status DOWN, device_id reserved_dhcp_port,
binding_vif_type unbound, no vif details, revision 1.
"""

import ipaddress
import json

from conftest import (ADMIN_PROJECT, MAC_RE, OTHER_PROJECT, TIMESTAMP_RE, UUID_RE,
                      needs_process, parse_table, table_to_dict)

SEED_NETWORK = """
+---------------------------+--------------------------------------+
| Field                     | Value                                |
+---------------------------+--------------------------------------+
| admin_state_up            | UP                                   |
| availability_zone_hints   |                                      |
| availability_zones        |                                      |
| created_at                | 2024-04-21T07:02:29Z                 |
| description               |                                      |
| dns_domain                | None                                 |
| id                        | 85f372ef-f39a-42bb-a06b-9f9ed8e4e58e |
| ipv4_address_scope        | None                                 |
| ipv6_address_scope        | None                                 |
| is_default                | False                                |
| is_vlan_transparent       | None                                 |
| mtu                       | 1500                                 |
| name                      | provider                             |
| port_security_enabled     | True                                 |
| project_id                | 1e3ac7ae10e24515a0956beaa1d8073c     |
| provider:network_type     | flat                                 |
| provider:physical_network | provider                             |
| provider:segmentation_id  | None                                 |
| qos_policy_id             | None                                 |
| revision_number           | 1                                    |
| router:external           | External                             |
| segments                  | None                                 |
| shared                    | True                                 |
| status                    | ACTIVE                               |
| subnets                   |                                      |
| tags                      |                                      |
| updated_at                | 2024-04-21T07:02:29Z                 |
+---------------------------+--------------------------------------+
"""

SEED_SUBNET = """
+----------------------+--------------------------------------+
| Field                | Value                                |
+----------------------+--------------------------------------+
| allocation_pools     | 172.17.0.0-172.17.0.255              |
| cidr                 | 172.16.0.0/12                        |
| created_at           | 2024-04-21T07:04:04Z                 |
| description          |                                      |
| dns_nameservers      |                                      |
| dns_publish_fixed_ip | None                                 |
| enable_dhcp          | True                                 |
| gateway_ip           | 172.16.0.1                           |
| host_routes          |                                      |
| id                   | ef7c7472-0b1d-497f-bc86-889a5c6ae52c |
| ip_version           | 4                                    |
| ipv6_address_mode    | None                                 |
| ipv6_ra_mode         | None                                 |
| name                 | provider                             |
| network_id           | 85f372ef-f39a-42bb-a06b-9f9ed8e4e58e |
| project_id           | 1e3ac7ae10e24515a0956beaa1d8073c     |
| revision_number      | 0                                    |
| segment_id           | None                                 |
| service_types        |                                      |
| subnetpool_id        | None                                 |
| tags                 |                                      |
| updated_at           | 2024-04-21T07:04:04Z                 |
+----------------------+--------------------------------------+
"""

SEED_PORT_LIST = """
+--------------------------------------+------+-------------------+---------------------------------------------------------------------------+--------+
| ID                                   | Name | MAC Address       | Fixed IP Addresses                                                        | Status |
+--------------------------------------+------+-------------------+---------------------------------------------------------------------------+--------+
| 43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b |      | fa:16:3e:4a:1e:19 | ip_address='172.17.0.0', subnet_id='ef7c7472-0b1d-497f-bc86-889a5c6ae52c' | ACTIVE |
+--------------------------------------+------+-------------------+---------------------------------------------------------------------------+--------+
"""

SEED_PORT_SHOW = """
+-------------------------+---------------------------------------------------------------------------------------------------------------------------------------------+
| Field                   | Value                                                                                                                                       |
+-------------------------+---------------------------------------------------------------------------------------------------------------------------------------------+
| admin_state_up          | UP                                                                                                                                          |
| allowed_address_pairs   |                                                                                                                                             |
| binding_host_id         | controller.home.local                                                                                                                       |
| binding_profile         |                                                                                                                                             |
| binding_vif_details     | bound_drivers.0='openvswitch', bridge_name='br-int', connectivity='l2', datapath_type='system', ovs_hybrid_plug='False', port_filter='True' |
| binding_vif_type        | ovs                                                                                                                                         |
| binding_vnic_type       | normal                                                                                                                                      |
| created_at              | 2024-04-21T07:04:05Z                                                                                                                        |
| data_plane_status       | None                                                                                                                                        |
| description             |                                                                                                                                             |
| device_id               | dhcpd3377d3c-a0d1-5d71-9947-f17125c357bb-85f372ef-f39a-42bb-a06b-9f9ed8e4e58e                                                               |
| device_owner            | network:dhcp                                                                                                                                |
| device_profile          | None                                                                                                                                        |
| dns_assignment          | None                                                                                                                                        |
| dns_domain              | None                                                                                                                                        |
| dns_name                | None                                                                                                                                        |
| extra_dhcp_opts         |                                                                                                                                             |
| fixed_ips               | ip_address='172.17.0.0', subnet_id='ef7c7472-0b1d-497f-bc86-889a5c6ae52c'                                                                   |
| id                      | 43bf8dcc-083a-4c61-8d5f-bd6c7e763e5b                                                                                                        |
| ip_allocation           | None                                                                                                                                        |
| mac_address             | fa:16:3e:4a:1e:19                                                                                                                           |
| name                    |                                                                                                                                             |
| network_id              | 85f372ef-f39a-42bb-a06b-9f9ed8e4e58e                                                                                                        |
| numa_affinity_policy    | None                                                                                                                                        |
| port_security_enabled   | False                                                                                                                                       |
| project_id              | 1e3ac7ae10e24515a0956beaa1d8073c                                                                                                            |
| propagate_uplink_status | None                                                                                                                                        |
| qos_network_policy_id   | None                                                                                                                                        |
| qos_policy_id           | None                                                                                                                                        |
| resource_request        | None                                                                                                                                        |
| revision_number         | 3                                                                                                                                           |
| security_group_ids      |                                                                                                                                             |
| status                  | ACTIVE                                                                                                                                      |
| tags                    |                                                                                                                                             |
| trunk_details           | None                                                                                                                                        |
| updated_at              | 2024-04-21T07:04:14Z                                                                                                                        |
+-------------------------+---------------------------------------------------------------------------------------------------------------------------------------------+
"""

SEED_NET_ID = "85f372ef-f39a-42bb-a06b-9f9ed8e4e58e"
SEED_SUBNET_ID = "ef7c7472-0b1d-497f-bc86-889a5c6ae52c"
SEED_PROJECT = "1e3ac7ae10e24515a0956beaa1d8073c"

NET_CREATE = ["network", "create", "--share", "--external",
              "--provider-physical-network", "provider",
              "--provider-network-type", "flat", "provider"]
SUBNET_CREATE = ["subnet", "create", "--network", "provider",
                 "--allocation-pool", "start=172.17.0.0,end=172.17.0.255",
                 "--gateway", "172.16.0.1", "--subnet-range", "172.16.0.0/12", "provider"]


def seed_expect(table, replace):
    """The seed table as a dict with ids/project replaced by this run's values."""
    d = table_to_dict(table)
    out = {}
    for k, v in d.items():
        for old, new in replace.items():
            v = v.replace(old, new)
        out[k] = v
    return out


def compare_rows(got, expected, skip=(), fmt_checks=None):
    """Every row of `expected` must be present with the same value (except `skip`)."""
    assert set(got) == set(expected), "rows differ: missing %s, extra %s" % (
        sorted(set(expected) - set(got)), sorted(set(got) - set(expected)))
    diffs = {k: (got[k], expected[k]) for k in expected
             if k not in skip and got[k] != expected[k]}
    assert not diffs, "rows differing from the seed (got, seed): %s" % json.dumps(diffs,
                                                                               indent=1)
    for k, check in (fmt_checks or {}).items():
        assert check(got[k]), "row %s has a bad value %r" % (k, got[k])


def is_ts(v):
    return bool(TIMESTAMP_RE.match(v))


def is_uuid(v):
    return bool(UUID_RE.match(v))


def is_mac(v):
    return bool(MAC_RE.match(v))


@needs_process
def test_seed_000_tables(server, osc):
    # 1. network create, default (table) output compared row by row with the seed
    out = osc(*NET_CREATE, fmt=None)
    net = table_to_dict(out)
    net_id = net["id"]
    replace = {SEED_NET_ID: net_id, SEED_PROJECT: ADMIN_PROJECT}
    compare_rows(net, seed_expect(SEED_NETWORK, replace),
                 skip=("id", "created_at", "updated_at"),
                 fmt_checks={"id": is_uuid, "created_at": is_ts, "updated_at": is_ts})

    # 2. subnet create, table output
    out = osc(*SUBNET_CREATE, fmt=None)
    sub = table_to_dict(out)
    sub_id = sub["id"]
    replace[SEED_SUBNET_ID] = sub_id
    compare_rows(sub, seed_expect(SEED_SUBNET, replace),
                 skip=("id", "created_at", "updated_at"),
                 fmt_checks={"id": is_uuid, "created_at": is_ts, "updated_at": is_ts})

    # 3. port list: the DHCP port, made by the server, DOWN until an agent wires it
    rows = parse_table(osc("port", "list", fmt=None))
    seed_rows = parse_table(SEED_PORT_LIST)
    assert rows[0] == seed_rows[0]
    assert len(rows) == 2, rows
    port_id, name, mac, fixed, status = rows[1]
    assert is_uuid(port_id) and is_mac(mac), rows[1]
    assert name == ""
    assert fixed == seed_rows[1][3].replace(SEED_SUBNET_ID, sub_id)
    assert status == "DOWN"

    # 4. port show, table output
    port = table_to_dict(osc("port", "show", port_id, fmt=None))
    expected = seed_expect(SEED_PORT_SHOW, replace)
    expected.update({
        "status": "DOWN",
        "device_id": "reserved_dhcp_port",
        "binding_vif_type": "unbound",
        "binding_vif_details": "",
        "revision_number": "1",
    })
    compare_rows(port, expected,
                 skip=("id", "mac_address", "created_at", "updated_at", "binding_host_id"),
                 fmt_checks={"id": lambda v: v == port_id, "mac_address": lambda v: v == mac,
                             "created_at": is_ts, "updated_at": is_ts})

    # 5. the same objects in -f json: types as the API returns them
    pj = osc("port", "show", port_id)
    assert pj["admin_state_up"] is True
    assert pj["port_security_enabled"] is False
    assert pj["fixed_ips"] == [{"subnet_id": sub_id, "ip_address": "172.17.0.0"}]
    assert pj["security_group_ids"] == [] and pj["allowed_address_pairs"] == []
    assert pj["binding_vif_details"] == {} and pj["binding_profile"] == {}
    assert pj["device_owner"] == "network:dhcp" and pj["network_id"] == net_id
    assert pj["revision_number"] == 1

    nj = osc("network", "show", "provider")
    assert nj["id"] == net_id
    assert nj["subnets"] == [sub_id]
    assert nj["shared"] is True and nj["router:external"] is True
    assert nj["provider:network_type"] == "flat"
    assert nj["provider:physical_network"] == "provider"
    assert nj["provider:segmentation_id"] is None
    assert nj["mtu"] == 1500 and nj["status"] == "ACTIVE"

    sj = osc("subnet", "show", "provider")
    assert sj["allocation_pools"] == [{"start": "172.17.0.0", "end": "172.17.0.255"}]
    assert sj["cidr"] == "172.16.0.0/12" and sj["gateway_ip"] == "172.16.0.1"
    assert sj["enable_dhcp"] is True and sj["ip_version"] == 4
    assert sj["revision_number"] == 0
    assert sj["network_id"] == net_id

    # and the API agrees with the CLI
    api_port = server.show("port", port_id)
    assert api_port["binding:vif_type"] == "unbound"
    assert api_port["binding:vnic_type"] == "normal"
    assert api_port["device_id"] == "reserved_dhcp_port"
    assert api_port["mac_address"] == mac


@needs_process
def test_cli_network_lifecycle(server, osc):
    net = osc(*NET_CREATE)
    net_id = net["id"]
    assert net["revision_number"] == 1

    # a second flat network on the same physnet is refused
    p = osc("network", "create", "--provider-physical-network", "provider",
            "--provider-network-type", "flat", "again", fmt=None, check=False)
    assert p.returncode != 0
    assert "Physical network provider is in use" in p.stderr, p.stderr

    osc("network", "set", "--name", "public", "--description", "the flat one",
        "--tag", "red", "--tag", "blue", "--disable", "provider", fmt=None)
    n = osc("network", "show", "public")
    assert n["id"] == net_id and n["name"] == "public"
    assert n["description"] == "the flat one"
    assert sorted(n["tags"]) == ["blue", "red"]
    assert n["admin_state_up"] is False
    assert n["revision_number"] > net["revision_number"]

    # tag filters through the CLI
    assert [x["ID"] for x in osc("network", "list", "--tags", "red,blue")] == [net_id]
    assert osc("network", "list", "--tags", "red,green") == []
    assert [x["ID"] for x in osc("network", "list", "--any-tags", "green,blue")] == [net_id]
    assert osc("network", "list", "--not-tags", "red") == []

    osc("network", "unset", "--tag", "red", "public", fmt=None)
    assert osc("network", "show", "public")["tags"] == ["blue"]
    osc("network", "set", "--no-tag", "--enable", "--mtu", "1400", "public", fmt=None)
    n = osc("network", "show", "public")
    assert n["tags"] == [] and n["admin_state_up"] is True and n["mtu"] == 1400

    table = parse_table(osc("network", "list", fmt=None))
    assert table[0] == ["ID", "Name", "Subnets"]
    assert table[1:] == [[net_id, "public", ""]]

    lst = osc("network", "list", "--long")
    assert len(lst) == 1
    assert lst[0]["Network Type"] == "flat" and lst[0]["Router Type"] is True

    osc("network", "delete", "public", fmt=None)
    assert osc("network", "list") == []
    p = osc("network", "show", "public", check=False)
    assert p.returncode != 0


@needs_process
def test_cli_subnet_and_port_lifecycle(server, osc):
    net = osc(*NET_CREATE)
    sub = osc(*SUBNET_CREATE)
    sub_id = sub["id"]
    if server.external:  # neutron-server without a DHCP agent: make the port the agent would
        server.create("port", network_id=net["id"], device_owner="network:dhcp",
                      device_id="reserved_dhcp_port", fixed_ips=[{"subnet_id": sub_id}])

    osc("subnet", "set", "--name", "prov-sub", "--description", "seed subnet",
        "--dns-nameserver", "172.16.0.1", "--dns-nameserver", "8.8.8.8",
        "--host-route", "destination=10.10.0.0/16,gateway=172.16.0.254",
        "--allocation-pool", "start=172.17.1.0,end=172.17.1.9",
        "--tag", "t1", "provider", fmt=None)
    s = osc("subnet", "show", "prov-sub")
    assert s["id"] == sub_id
    assert s["description"] == "seed subnet"
    assert s["dns_nameservers"] == ["172.16.0.1", "8.8.8.8"]
    assert s["host_routes"] == [{"destination": "10.10.0.0/16", "nexthop": "172.16.0.254"}]
    pools = sorted((p["start"], p["end"]) for p in s["allocation_pools"])
    assert pools == [("172.17.0.0", "172.17.0.255"), ("172.17.1.0", "172.17.1.9")]
    assert s["tags"] == ["t1"]

    osc("subnet", "unset", "--dns-nameserver", "8.8.8.8",
        "--host-route", "destination=10.10.0.0/16,gateway=172.16.0.254",
        "--allocation-pool", "start=172.17.1.0,end=172.17.1.9", "--tag", "t1",
        "prov-sub", fmt=None)
    s = osc("subnet", "show", sub_id)
    assert s["dns_nameservers"] == ["172.16.0.1"]
    assert s["host_routes"] == []
    assert s["allocation_pools"] == [{"start": "172.17.0.0", "end": "172.17.0.255"}]
    assert s["tags"] == []

    # the gateway inside a pool is refused (GatewayConflictWithAllocationPools)
    p = osc("subnet", "set", "--gateway", "172.17.0.5", sub_id, fmt=None, check=False)
    assert p.returncode != 0 and "conflicts with allocation pool" in p.stderr, p.stderr

    assert [x["ID"] for x in osc("subnet", "list", "--network", net["id"])] == [sub_id]
    assert osc("subnet", "list", "--ip-version", "6") == []

    # port create with fixed IP, MAC, description, disabled, tag
    port = osc("port", "create", "--network", "provider",
               "--fixed-ip", "subnet=prov-sub,ip-address=172.17.0.50",
               "--mac-address", "fa:16:3e:11:22:33", "--description", "vm port",
               "--device-owner", "compute:nova", "--device", "vm-1",
               "--disable", "--tag", "web", "p1")
    pid = port["id"]
    assert port["fixed_ips"] == [{"subnet_id": sub_id, "ip_address": "172.17.0.50"}]
    assert port["mac_address"] == "fa:16:3e:11:22:33"
    assert port["admin_state_up"] is False
    assert port["status"] == "DOWN"
    assert port["device_owner"] == "compute:nova" and port["device_id"] == "vm-1"
    assert port["port_security_enabled"] is True
    assert osc("port", "show", pid)["tags"] == ["web"]

    # the same MAC again on the network: MacAddressInUse
    p = osc("port", "create", "--network", "provider", "--mac-address",
            "fa:16:3e:11:22:33", "p-dup", fmt=None, check=False)
    assert p.returncode != 0 and "fa:16:3e:11:22:33 is in use" in p.stderr, p.stderr
    # the same IP again: IpAddressAlreadyAllocated
    p = osc("port", "create", "--network", "provider", "--fixed-ip",
            "ip-address=172.17.0.50", "p-dup2", fmt=None, check=False)
    assert p.returncode != 0 and "172.17.0.50 already allocated" in p.stderr, p.stderr

    # a port with an automatic address, inside the pool, not the DHCP port's
    auto = osc("port", "create", "--network", net["id"], "p2")
    (fip,) = auto["fixed_ips"]
    ip = ipaddress.ip_address(fip["ip_address"])
    assert ipaddress.ip_address("172.17.0.1") <= ip <= ipaddress.ip_address("172.17.0.255")

    osc("port", "set", "--name", "p1b", "--enable", "--description", "renamed",
        "--fixed-ip", "subnet=prov-sub,ip-address=172.17.0.60", "p1", fmt=None)
    p1 = osc("port", "show", "p1b")
    assert p1["id"] == pid and p1["admin_state_up"] is True
    assert p1["description"] == "renamed"
    assert sorted(f["ip_address"] for f in p1["fixed_ips"]) == ["172.17.0.50", "172.17.0.60"]

    osc("port", "unset", "--fixed-ip", "subnet=%s,ip-address=172.17.0.50" % sub_id,
        "--tag", "web", "p1b", fmt=None)
    p1 = osc("port", "show", pid)
    assert p1["fixed_ips"] == [{"subnet_id": sub_id, "ip_address": "172.17.0.60"}]
    assert p1["tags"] == []
    # the released address can be taken again
    p3 = osc("port", "create", "--network", "provider", "--fixed-ip",
             "ip-address=172.17.0.50", "p3")
    assert p3["fixed_ips"][0]["ip_address"] == "172.17.0.50"

    # list filters through the CLI
    dhcp = osc("port", "list", "--device-owner", "network:dhcp")
    assert len(dhcp) == 1 and dhcp[0]["Fixed IP Addresses"] == [
        {"subnet_id": sub_id, "ip_address": "172.17.0.0"}]
    assert [x["ID"] for x in osc("port", "list", "--mac-address", "fa:16:3e:11:22:33")] == [pid]
    assert [x["ID"] for x in osc("port", "list", "--fixed-ip", "ip-address=172.17.0.60")] == [
        pid]
    assert len(osc("port", "list", "--network", "provider")) == 4
    long = osc("port", "list", "--long", "--name", "p2")
    assert len(long) == 1 and long[0]["Device Owner"] == ""

    # network and subnet in use
    p = osc("network", "delete", "provider", fmt=None, check=False)
    assert p.returncode != 0 and "ports still in use" in p.stderr, p.stderr
    p = osc("subnet", "delete", "prov-sub", fmt=None, check=False)
    assert p.returncode != 0 and "One or more ports have an IP allocation" in p.stderr, \
        p.stderr

    osc("port", "delete", pid, auto["id"], p3["id"], fmt=None)
    assert [x["ID"] for x in osc("port", "list")] == [dhcp[0]["ID"]]
    osc("subnet", "delete", "prov-sub", fmt=None)
    assert osc("subnet", "list") == []
    # the DHCP port no longer holds an address of the deleted subnet
    for x in osc("port", "list"):
        assert x["Fixed IP Addresses"] == [], x
    osc("network", "delete", "provider", fmt=None)
    assert osc("network", "list") == [] and osc("port", "list") == []


@needs_process
def test_cli_member_style_networks_get_vlans(server, osc):
    a = osc("network", "create", "tenant-a")
    assert a["provider:network_type"] == "vlan"
    assert a["provider:physical_network"] == "provider"
    assert a["provider:segmentation_id"] == 1000
    assert a["shared"] is False and a["router:external"] is False
    assert a["project_id"] == ADMIN_PROJECT

    # another project (the CLI has no way to send X-Project-Id with noauth)
    b = server.create("network", name="tenant-b", project=OTHER_PROJECT)
    assert b["project_id"] == OTHER_PROJECT and b["tenant_id"] == OTHER_PROJECT
    assert b["provider:segmentation_id"] == 1001

    bj = osc("network", "show", "tenant-b")
    assert bj["provider:network_type"] == "vlan"
    assert bj["provider:segmentation_id"] == 1001
    assert bj["project_id"] == OTHER_PROJECT

    c = osc("network", "create", "tenant-c")
    assert c["provider:segmentation_id"] == 1002

    # a freed segmentation id is handed out again
    osc("network", "delete", "tenant-a", fmt=None)
    d = osc("network", "create", "tenant-d")
    assert d["provider:segmentation_id"] == 1000

    rows = osc("network", "list", "--provider-network-type", "vlan")
    assert sorted(r["Name"] for r in rows) == ["tenant-b", "tenant-c", "tenant-d"]
    rows = osc("network", "list", "--provider-segment", "1001")
    assert [r["Name"] for r in rows] == ["tenant-b"]
