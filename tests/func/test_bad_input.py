"""Table-driven malformed and invalid requests.

Each row: (id, method, path, body, expected status, expected NeutronError type).
`body` is None (no body), bytes (sent raw) or any other value (JSON-encoded).  Paths and
bodies may use the placeholders {net}, {subnet}, {port} (existing objects), {missing} (a
well-formed id that exists nowhere).  None of the rows may change anything: the test at the
end compares every network, subnet and port with the snapshot taken before the table ran.
"""

import json
import uuid

import pytest

from conftest import assert_neutron_error

MISSING = str(uuid.uuid4())
HBR = "HTTPBadRequest"
II = "InvalidInput"


def net(**a):
    return {"network": a}


def sub(**a):
    a.setdefault("network_id", "{net}")
    a.setdefault("ip_version", 4)
    a.setdefault("cidr", "10.99.0.0/24")
    return {"subnet": a}


def port(**a):
    a.setdefault("network_id", "{net}")
    return {"port": a}


N, S, P = "/v2.0/networks", "/v2.0/subnets", "/v2.0/ports"
NID, SID, PID = N + "/{net}", S + "/{subnet}", P + "/{port}"

ROWS = [
    # --- request bodies that are not what the API expects
    ("malformed-json", "POST", N, b'{"network": {"name": "x"', 400, HBR),
    ("not-json", "POST", N, b"name=x", 400, HBR),
    ("empty-body", "POST", N, b"", 400, HBR),
    ("json-array", "POST", N, b"[]", 400, HBR),
    ("json-string", "POST", N, b'"network"', 400, HBR),
    ("json-null", "POST", N, b"null", 400, HBR),
    ("json-number", "POST", N, b"42", 400, HBR),
    # neutron-server (Python json) silently keeps the last duplicate; neutrino rejects them
    ("duplicate-keys", "POST", N, b'{"network": {"name": "a", "name": "b"}}', 400, HBR),
    ("duplicate-resource-key", "POST", N, b'{"network": {}, "network": {"name": "b"}}', 400,
     HBR),
    ("trailing-garbage", "POST", N, b'{"network": {}} xyz', 400, HBR),
    ("invalid-utf8", "POST", N, b'{"network": {"name": "\xff\xfe"}}', 400, HBR),
    ("wrong-resource-key", "POST", N, {"subnet": {"name": "x"}}, 400, HBR),
    ("resource-is-string", "POST", N, {"network": "x"}, 400, HBR),
    ("resource-is-list-of-str", "POST", N, {"network": ["x"]}, 400, HBR),
    ("resource-is-null", "POST", N, {"network": None}, 400, HBR),
    ("bulk-empty", "POST", N, {"networks": []}, 400, HBR),
    ("bulk-not-list", "POST", N, {"networks": {"name": "x"}}, 400, HBR),
    ("bulk-one-bad", "POST", N, {"networks": [{"name": "ok"}, {"name": "bad", "foo": 1}]},
     400, HBR),
    ("bulk-item-not-object", "POST", N, {"networks": [{"name": "ok"}, 7]}, 400, HBR),
    # --- networks: attributes
    ("net-unknown-attr", "POST", N, net(foo="bar"), 400, HBR),
    ("net-id-in-post", "POST", N, net(id=MISSING), 400, HBR),
    ("net-status-in-post", "POST", N, net(status="DOWN"), 400, HBR),
    ("net-subnets-in-post", "POST", N, net(subnets=[]), 400, HBR),
    ("net-name-int", "POST", N, net(name=123), 400, HBR),
    ("net-name-too-long", "POST", N, net(name="n" * 256), 400, HBR),
    ("net-description-too-long", "POST", N, net(description="d" * 256), 400, HBR),
    ("net-admin-state-str", "POST", N, net(admin_state_up="maybe"), 400, II),
    ("net-admin-state-list", "POST", N, net(admin_state_up=[]), 400, II),
    ("net-shared-str", "POST", N, net(shared="yes please"), 400, II),
    ("net-external-int", "POST", N, net(**{"router:external": 7}), 400, II),
    ("net-mtu-str", "POST", N, net(mtu="big"), 400, II),
    ("net-mtu-too-big", "POST", N, net(mtu=9000), 400, II),
    ("net-port-security-str", "POST", N, net(port_security_enabled="nope"), 400, II),
    ("net-tenant-project-mismatch", "POST", N, net(tenant_id="aaa", project_id="bbb"), 400,
     HBR),
    ("net-az-hints-str", "POST", N, net(availability_zone_hints="nova"), 400, HBR),
    ("flat-no-physnet", "POST", N, net(**{"provider:network_type": "flat"}), 400, II),
    ("flat-unknown-physnet", "POST", N,
     net(**{"provider:network_type": "flat", "provider:physical_network": "nowhere"}), 400,
     II),
    ("flat-with-segid", "POST", N,
     net(**{"provider:network_type": "flat", "provider:physical_network": "provider",
            "provider:segmentation_id": 5}), 400, II),
    ("vlan-segid-out-of-range", "POST", N,
     net(**{"provider:network_type": "vlan", "provider:physical_network": "provider",
            "provider:segmentation_id": 5000}), 400, II),
    ("vlan-segid-str", "POST", N,
     net(**{"provider:network_type": "vlan", "provider:physical_network": "provider",
            "provider:segmentation_id": "ten"}), 400, II),
    ("vlan-unknown-physnet", "POST", N,
     net(**{"provider:network_type": "vlan", "provider:physical_network": "nowhere",
            "provider:segmentation_id": 1500}), 400, II),
    ("unknown-network-type", "POST", N,
     net(**{"provider:network_type": "gre", "provider:physical_network": "provider"}), 400,
     II),
    ("net-update-id", "PUT", NID, net(id=MISSING), 400, HBR),
    ("net-update-unknown-attr", "PUT", NID, net(colour="red"), 400, HBR),
    ("net-update-status", "PUT", NID, net(status="DOWN"), 400, HBR),
    ("net-update-name-int", "PUT", NID, net(name=5), 400, HBR),
    ("net-update-mtu-too-big", "PUT", NID, net(mtu=65000), 400, II),
    ("net-update-malformed", "PUT", NID, b'{"network": ', 400, HBR),
    ("net-update-empty-body", "PUT", NID, b"", 400, HBR),
    ("net-update-wrong-key", "PUT", NID, {"port": {"name": "x"}}, 400, HBR),
    ("net-update-missing", "PUT", N + "/{missing}", net(name="x"), 404, "NetworkNotFound"),
    ("net-delete-missing", "DELETE", N + "/{missing}", None, 404, "NetworkNotFound"),
    ("net-show-missing", "GET", N + "/{missing}", None, 404, "NetworkNotFound"),
    ("net-show-not-uuid", "GET", N + "/not-a-uuid", None, 404, "NetworkNotFound"),
    ("net-if-match-garbage", "PUT", NID, net(name="x"), 400, "BadRequest",
     {"If-Match": "revision_number=abc"}),
    ("net-if-match-stale", "PUT", NID, net(name="x"), 412, "RevisionNumberConstraintFailed",
     {"If-Match": "revision_number=9999"}),
    ("port-delete-if-match-stale", "DELETE", PID, None, 412,
     "RevisionNumberConstraintFailed", {"If-Match": "revision_number=9999"}),
    # --- subnets
    ("sub-missing-network", "POST", S, {"subnet": {"ip_version": 4, "cidr": "10.5.0.0/24"}},
     400, HBR),
    ("sub-network-not-uuid", "POST", S, sub(network_id="abc"), 400, HBR),
    ("sub-network-unknown", "POST", S, sub(network_id=MISSING), 404, "NetworkNotFound"),
    ("sub-no-cidr-no-pool", "POST", S, {"subnet": {"network_id": "{net}", "ip_version": 4}},
     400, "BadRequest"),
    ("sub-cidr-and-prefixlen", "POST", S, sub(prefixlen=24, enable_dhcp=False), 400,
     "BadRequest"),
    ("sub-missing-ip-version", "POST", S,
     {"subnet": {"network_id": "{net}", "cidr": "10.5.0.0/24"}}, 400, HBR),
    ("sub-ip-version-5", "POST", S, sub(ip_version=5), 400, HBR),
    ("sub-ip-version-str", "POST", S, sub(ip_version="four"), 400, II),
    ("sub-cidr-garbage", "POST", S, sub(cidr="ten.0.0.0/8"), 400, II),
    ("sub-cidr-prefix-33", "POST", S, sub(cidr="10.0.0.0/33"), 400, II),
    # neutron-server answers 500 here (netaddr raises inside the converter)
    ("sub-cidr-int", "POST", S, sub(cidr=10), 400, II),
    ("sub-cidr-prefix-0", "POST", S, sub(cidr="0.0.0.0/0"), 400, II),
    ("sub-cidr-version-mismatch", "POST", S, sub(cidr="fd00:99::/64", ip_version=4), 400,
     II),
    ("sub-cidr-loopback", "POST", S, sub(cidr="127.0.0.0/24"), 400, II),
    ("sub-cidr-multicast", "POST", S, sub(cidr="224.0.0.0/24"), 400, II),
    ("sub-cidr-31-with-dhcp", "POST", S, sub(cidr="10.98.0.0/31", enable_dhcp=True), 400,
     II),
    ("sub-cidr-overlap", "POST", S, sub(cidr="10.20.0.128/25"), 400, II),
    ("sub-gateway-garbage", "POST", S, sub(gateway_ip="10.99.0.x"), 400, HBR),
    ("sub-gateway-v6-on-v4", "POST", S, sub(gateway_ip="fd00::1"), 400, II),
    ("sub-gateway-network-addr", "POST", S, sub(gateway_ip="10.99.0.0"), 400, II),
    ("sub-gateway-broadcast", "POST", S, sub(gateway_ip="10.99.0.255"), 400, II),
    ("sub-gateway-in-pool", "POST", S,
     sub(gateway_ip="10.99.0.20", allocation_pools=[{"start": "10.99.0.10",
                                                      "end": "10.99.0.30"}]), 409,
     "GatewayConflictWithAllocationPools"),
    ("sub-pools-str", "POST", S, sub(allocation_pools="10.99.0.10-10.99.0.20"), 400, HBR),
    ("sub-pool-missing-end", "POST", S, sub(allocation_pools=[{"start": "10.99.0.10"}]),
     400, HBR),
    ("sub-pool-extra-key", "POST", S,
     sub(allocation_pools=[{"start": "10.99.0.10", "end": "10.99.0.20", "x": 1}]), 400,
     HBR),
    ("sub-pool-garbage-ip", "POST", S,
     sub(allocation_pools=[{"start": "a.b.c.d", "end": "10.99.0.20"}]), 400,
     HBR),
    ("sub-pool-reversed", "POST", S,
     sub(allocation_pools=[{"start": "10.99.0.20", "end": "10.99.0.10"}]), 400,
     "InvalidAllocationPool"),
    ("sub-pool-v6-on-v4", "POST", S,
     sub(allocation_pools=[{"start": "fd00::10", "end": "fd00::20"}]), 400,
     "InvalidAllocationPool"),
    ("sub-pool-out-of-bounds", "POST", S,
     sub(allocation_pools=[{"start": "10.99.0.200", "end": "10.99.1.20"}]), 400,
     "OutOfBoundsAllocationPool"),
    ("sub-pool-includes-broadcast", "POST", S,
     sub(allocation_pools=[{"start": "10.99.0.200", "end": "10.99.0.255"}]), 400,
     "OutOfBoundsAllocationPool"),
    ("sub-pools-overlap", "POST", S,
     sub(allocation_pools=[{"start": "10.99.0.10", "end": "10.99.0.20"},
                           {"start": "10.99.0.15", "end": "10.99.0.30"}]), 409,
     "OverlappingAllocationPools"),
    ("sub-dns-garbage", "POST", S, sub(dns_nameservers=["dns.example"]), 400, HBR),
    ("sub-dns-not-list", "POST", S, sub(dns_nameservers="8.8.8.8"), 400, HBR),
    ("sub-dns-duplicate", "POST", S, sub(dns_nameservers=["8.8.8.8", "8.8.8.8"]), 400, HBR),
    ("sub-dns-too-many", "POST", S,
     sub(dns_nameservers=["10.0.0.%d" % i for i in range(1, 7)]), 400,
     "DNSNameServersExhausted"),
    ("sub-route-bad-destination", "POST", S,
     sub(host_routes=[{"destination": "nowhere", "nexthop": "10.99.0.1"}]), 400, HBR),
    ("sub-route-missing-nexthop", "POST", S,
     sub(host_routes=[{"destination": "10.50.0.0/16"}]), 400, HBR),
    ("sub-routes-too-many", "POST", S,
     sub(host_routes=[{"destination": "10.%d.0.0/16" % i, "nexthop": "10.99.0.1"}
                      for i in range(100, 121)]), 400, "HostRoutesExhausted"),
    ("sub-enable-dhcp-str", "POST", S, sub(enable_dhcp="sometimes"), 400, II),
    ("sub-ra-mode-on-v4", "POST", S, sub(ipv6_ra_mode="slaac"), 400, II),
    ("sub-address-mode-bogus", "POST", S,
     sub(ip_version=6, cidr="fd00:99::/64", ipv6_address_mode="bogus"), 400, HBR),
    ("sub-unknown-attr", "POST", S, sub(vlan=5), 400, HBR),
    ("sub-update-cidr", "PUT", SID, {"subnet": {"cidr": "10.21.0.0/24"}}, 400, HBR),
    ("sub-update-ip-version", "PUT", SID, {"subnet": {"ip_version": 6}}, 400, HBR),
    ("sub-update-network", "PUT", SID, {"subnet": {"network_id": MISSING}}, 400, HBR),
    ("sub-update-gateway-in-pool", "PUT", SID, {"subnet": {"gateway_ip": "10.20.0.50"}},
     409, "GatewayConflictWithAllocationPools"),
    ("sub-update-pool-out-of-bounds", "PUT", SID,
     {"subnet": {"allocation_pools": [{"start": "10.20.0.2", "end": "10.20.1.5"}]}}, 400,
     "OutOfBoundsAllocationPool"),
    ("sub-delete-missing", "DELETE", S + "/{missing}", None, 404, "SubnetNotFound"),
    ("sub-show-missing", "GET", S + "/{missing}", None, 404, "SubnetNotFound"),
    # --- ports
    ("port-missing-network", "POST", P, {"port": {"name": "x"}}, 400, HBR),
    ("port-network-not-uuid", "POST", P, port(network_id="abc"), 400, HBR),
    ("port-network-unknown", "POST", P, port(network_id=MISSING), 404, "NetworkNotFound"),
    ("port-mac-garbage", "POST", P, port(mac_address="zz:16:3e:00:00:01"), 400, HBR),
    ("port-mac-short", "POST", P, port(mac_address="fa:16:3e:00:01"), 400, HBR),
    ("port-mac-zero", "POST", P, port(mac_address="00:00:00:00:00:00"), 400, HBR),
    ("port-mac-int", "POST", P, port(mac_address=12), 400, HBR),
    ("port-mac-in-use", "POST", P, port(mac_address="fa:16:3e:aa:bb:cc"), 409,
     "MacAddressInUse"),
    ("port-fixed-ips-str", "POST", P, port(fixed_ips="10.20.0.5"), 400, HBR),
    ("port-fixed-ips-subnet-not-uuid", "POST", P, port(fixed_ips=[{"subnet_id": "abc"}]),
     400, HBR),
    ("port-fixed-ips-ip-garbage", "POST", P, port(fixed_ips=[{"ip_address": "10.20.0"}]),
     400, HBR),
    ("port-fixed-ips-unknown-key", "POST", P, port(fixed_ips=[{"address": "10.20.0.5"}]),
     400, II),
    ("port-fixed-ips-duplicate", "POST", P,
     port(fixed_ips=[{"ip_address": "10.20.0.50"}, {"ip_address": "10.20.0.50"}]), 400, HBR),
    ("port-fixed-ip-not-on-network", "POST", P,
     port(fixed_ips=[{"ip_address": "192.168.200.5"}]), 400, "InvalidIpForNetwork"),
    ("port-fixed-ip-not-in-subnet", "POST", P,
     port(fixed_ips=[{"subnet_id": "{subnet}", "ip_address": "192.168.200.5"}]), 400,
     "InvalidIpForSubnet"),
    ("port-fixed-ip-subnet-unknown", "POST", P, port(fixed_ips=[{"subnet_id": MISSING}]),
     404, "SubnetNotFound"),
    ("port-fixed-ip-network-address", "POST", P,
     port(fixed_ips=[{"subnet_id": "{subnet}", "ip_address": "10.20.0.0"}]), 400,
     "InvalidIpForSubnet"),
    ("port-fixed-ip-broadcast-only", "POST", P,
     port(fixed_ips=[{"ip_address": "10.20.0.255"}]), 400, "InvalidIpForNetwork"),
    ("port-fixed-ip-network-address-only", "POST", P,
     port(fixed_ips=[{"ip_address": "10.20.0.0"}]), 400, "InvalidIpForNetwork"),
    ("port-fixed-ip-in-use", "POST", P, port(fixed_ips=[{"ip_address": "10.20.0.10"}]), 409,
     "IpAddressAlreadyAllocated"),
    ("port-admin-state-str", "POST", P, port(admin_state_up="down"), 400, II),
    ("port-device-id-too-long", "POST", P, port(device_id="d" * 256), 400, HBR),
    ("port-vnic-type-bogus", "POST", P, port(**{"binding:vnic_type": "bogus"}), 400, HBR),
    ("port-security-str", "POST", P, port(port_security_enabled="x"), 400, II),
    ("port-id-in-post", "POST", P, port(id=MISSING), 400, HBR),
    ("port-status-in-post", "POST", P, port(status="ACTIVE"), 400, HBR),
    ("port-unknown-attr", "POST", P, port(vm="x"), 400, HBR),
    ("port-bulk-dup-ip", "POST", P,
     {"ports": [{"network_id": "{net}", "fixed_ips": [{"ip_address": "10.20.0.77"}]},
                {"network_id": "{net}", "fixed_ips": [{"ip_address": "10.20.0.77"}]}]},
     409, "IpAddressAlreadyAllocated"),
    ("port-update-network", "PUT", PID, {"port": {"network_id": MISSING}}, 400, HBR),
    ("port-update-mac-garbage", "PUT", PID, {"port": {"mac_address": "nope"}}, 400, HBR),
    ("port-update-fixed-ip-in-use", "PUT", PID,
     {"port": {"fixed_ips": [{"ip_address": "10.20.0.2"}]}}, 409,
     "IpAddressAlreadyAllocated"),
    ("port-update-missing", "PUT", P + "/{missing}", {"port": {"name": "x"}}, 404,
     "PortNotFound"),
    ("port-delete-missing", "DELETE", P + "/{missing}", None, 404, "PortNotFound"),
    ("port-show-missing", "GET", P + "/{missing}", None, 404, "PortNotFound"),
    # --- list parameters
    ("filter-unknown", "GET", N + "?colour=red", None, 400, HBR),
    ("filter-unknown-ports", "GET", P + "?vm=1", None, 400, HBR),
    ("sort-key-unknown", "GET", N + "?sort_key=colour&sort_dir=asc", None, 400, HBR),
    ("sort-dir-bogus", "GET", N + "?sort_key=name&sort_dir=sideways", None, 400, HBR),
    ("sort-count-mismatch", "GET", N + "?sort_key=name&sort_key=id&sort_dir=asc", None, 400,
     HBR),
    ("sort-key-without-dir", "GET", N + "?sort_key=name", None, 400, HBR),
    ("sort-dir-without-key", "GET", N + "?sort_dir=asc", None, 400, HBR),
    ("limit-str", "GET", N + "?limit=ten", None, 400, "BadRequest"),
    ("limit-negative", "GET", N + "?limit=-1", None, 400, "BadRequest"),
    ("marker-unknown", "GET", N + "?limit=1&marker={missing}", None, 404, "NetworkNotFound"),
    ("filter-bool-garbage", "GET", N + "?admin_state_up=maybe", None, 400, II),
    ("filter-int-garbage", "GET", S + "?ip_version=abc", None, 400, II),
    ("filter-fixed-ips-garbage", "GET", P + "?fixed_ips=bogus", None, 400, II),
    ("changed-since-garbage", "GET", N + "?changed_since=yesterday", None, 400, II),
    # --- tags
    ("tags-not-list", "PUT", NID + "/tags", {"tags": "red"}, 400, II),
    ("tags-duplicate", "PUT", NID + "/tags", {"tags": ["red", "red"]}, 400, II),
    ("tags-not-strings", "PUT", NID + "/tags", {"tags": [1, 2]}, 400, II),
    ("tags-missing-key", "PUT", NID + "/tags", {"tag": ["red"]}, 400, II),
    ("tag-too-long", "PUT", NID + "/tags/" + "t" * 256, None, 400, II),
    ("tag-absent", "GET", NID + "/tags/absent", None, 404, "TagNotFound"),
    ("tag-delete-absent", "DELETE", NID + "/tags/absent", None, 404, "TagNotFound"),
    ("tags-parent-missing", "GET", N + "/{missing}/tags", None, 404, "TagResourceNotFound"),
    # --- paths and methods
    ("v2-without-slash", "GET", "/v2.0", None, 404, "HTTPNotFound"),
    # the network is in use, so a server that ignores the body answers 409 and deletes nothing
    ("delete-with-body", "DELETE", NID, {"network": {}}, 400, HBR),
    ("unknown-collection", "GET", "/v2.0/routerz", None, 404, "HTTPNotFound"),
    ("unknown-subpath", "GET", NID + "/bogus", None, 404, "HTTPNotFound"),
    ("patch-collection", "PATCH", N, net(name="x"), 405, "HTTPMethodNotAllowed"),
    ("patch-item", "PATCH", NID, net(name="x"), 405, "HTTPMethodNotAllowed"),
    ("tags-parent-missing-put", "PUT", N + "/{missing}/tags", {"tags": ["a"]}, 404,
     "TagResourceNotFound"),
    ("post-item", "POST", NID, net(name="x"), 405, "HTTPMethodNotAllowed"),
    ("ipavail-missing", "GET", "/v2.0/network-ip-availabilities/{missing}", None, 404,
     "NetworkNotFound"),
    # neutron-server has no size limit in its paste pipeline; neutrino caps request bodies
    ("oversized-body", "POST", N, b'{"network": {"name": "' + b"x" * (2 << 20) + b'"}}', 413,
     "HTTPRequestEntityTooLarge"),
]


def fill(value, ids):
    if isinstance(value, str):
        for k, v in ids.items():
            value = value.replace("{%s}" % k, v)
        return value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def world(module_server):
    s = module_server
    n = s.create("network", name="victim")
    sn = s.create("subnet", network_id=n["id"], ip_version=4, cidr="10.20.0.0/24",
                  name="victim-sub",
                  allocation_pools=[{"start": "10.20.0.2", "end": "10.20.0.99"},
                                    {"start": "10.20.0.101", "end": "10.20.0.200"}])
    pt = s.create("port", network_id=n["id"], name="victim-port",
                  mac_address="fa:16:3e:aa:bb:cc",
                  fixed_ips=[{"subnet_id": sn["id"], "ip_address": "10.20.0.10"}])
    # neutrino's DHCP port holds 10.20.0.2 (lowest pool address); a server without it
    # (neutron-server without agents, see conftest) gets a port there instead
    taken = {ip["ip_address"] for p in s.list("ports") for ip in p["fixed_ips"]}
    if "10.20.0.2" not in taken:
        s.create("port", network_id=n["id"], name="holder",
                 fixed_ips=[{"ip_address": "10.20.0.2"}])
    ids = {"net": n["id"], "subnet": sn["id"], "port": pt["id"], "missing": MISSING}
    return {"ids": ids, "before": s.snapshot()}


def test_table_is_big_enough():
    assert len(ROWS) >= 80
    assert len({r[0] for r in ROWS}) == len(ROWS), "duplicate row ids"


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_bad_request(module_server, world, row):
    name, method, path, body, status, etype = row[:6]
    headers = dict(row[6]) if len(row) > 6 else {}
    ids = world["ids"]
    path = fill(path, ids)
    if body is None:
        data = None
    elif isinstance(body, bytes):
        data = body
        headers.setdefault("Content-Type", "application/json")
    else:
        data = json.dumps(fill(body, ids))
        headers.setdefault("Content-Type", "application/json")
    resp = module_server.request(method, path, data=data, headers=headers)
    if resp.status_code == 201 and status != 201:
        undo_create(module_server, resp)
    assert_neutron_error(resp, status, etype)


def undo_create(server, resp):
    """A row that should have failed created something: remove it so that the rows after it
    are not disturbed (the row itself still fails)."""
    try:
        body = resp.json()
    except ValueError:
        return
    for key, value in body.items():
        items = value if isinstance(value, list) else [value]
        coll = key if key.endswith("s") else key + "s"
        for item in items:
            if isinstance(item, dict) and "id" in item:
                server.delete("/v2.0/%s/%s" % (coll, item["id"]))


def test_nothing_changed_and_server_alive(module_server, world):
    assert module_server.alive(), module_server.stderr_tail()
    r = module_server.get("/v2.0/networks")
    assert r.status_code == 200
    after = module_server.snapshot()
    before = world["before"]
    for coll in ("networks", "subnets", "ports"):
        assert set(after[coll]) == set(before[coll]), "%s added/removed: %s" % (
            coll, set(after[coll]) ^ set(before[coll]))
        for oid, obj in before[coll].items():
            assert after[coll][oid] == obj, "%s %s changed:\nbefore %s\nafter  %s" % (
                coll, oid, obj, after[coll][oid])
