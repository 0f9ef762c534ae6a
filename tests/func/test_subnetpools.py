"""/v2.0/subnetpools (subnet_allocation, default-subnetpools,
subnetpool-prefix-ops) and subnets carved from pools, with noauth (every
request an admin of X-Project-Id's project).  What members may do is in
test_keystone.py.  Expected messages and types are neutron-server 21's."""

import collections
import ipaddress
import threading

import pytest
import requests

from conftest import (ADMIN_PROJECT, OTHER_PROJECT, TIMESTAMP_RE, UUID_RE,
                      assert_neutron_error, needs_process, run_osc)

pytestmark = needs_process


def pool(server, status=201, project=None, **attrs):
    attrs.setdefault("name", "pool")
    r = server.post("/v2.0/subnetpools", {"subnetpool": attrs},
                    project=project)
    if status != 201:
        return assert_neutron_error(r, status)
    return server.ok(r, 201)["subnetpool"]


def from_pool(server, net, pool_id, status=201, project=None, **attrs):
    attrs.setdefault("ip_version", 4)
    attrs.update(network_id=net["id"], subnetpool_id=pool_id)
    r = server.post("/v2.0/subnets", {"subnet": attrs}, project=project)
    if status != 201:
        return assert_neutron_error(r, status)
    return server.ok(r, 201)["subnet"]


def error(resp, status, etype, message):
    err = assert_neutron_error(resp, status, etype)
    assert err["message"] == message
    return err


def test_create_show_list_defaults(server):
    p = pool(server, prefixes=["10.11.12.0/24", "10.11.0.0/16"],
             min_prefixlen="29", description="d")
    assert UUID_RE.match(p["id"])
    assert TIMESTAMP_RE.match(p["created_at"])
    assert p == {
        "id": p["id"], "name": "pool", "description": "d",
        "project_id": ADMIN_PROJECT, "tenant_id": ADMIN_PROJECT,
        # Overlapping prefixes merge; lengths are strings, as Neutron's.
        "prefixes": ["10.11.0.0/16"], "ip_version": 4,
        "min_prefixlen": "29", "default_prefixlen": "29",
        "max_prefixlen": "32", "default_quota": None, "shared": False,
        "is_default": False, "address_scope_id": None, "tags": [],
        "revision_number": 0, "created_at": p["created_at"],
        "updated_at": p["created_at"]}
    assert server.show("subnetpool", p["id"]) == p
    assert server.list("subnetpools") == [p]

    v6 = pool(server, prefixes=["2001:db8:3::/48"])
    assert (v6["ip_version"], v6["min_prefixlen"], v6["default_prefixlen"],
            v6["max_prefixlen"]) == (6, "64", "64", "128")
    v4 = pool(server, prefixes=["10.0.0.0/8"], default_prefixlen=24)
    assert (v4["min_prefixlen"], v4["default_prefixlen"]) == ("8", "24")

    names = [x["id"] for x in server.list("subnetpools",
                                          params={"ip_version": 6})]
    assert names == [v6["id"]]
    assert len(server.list("subnetpools", params={"shared": "False"})) == 3
    r = server.get("/v2.0/subnetpools", params={"unknown_filter": "x"})
    assert_neutron_error(r, 400)
    page = server.ok(server.get("/v2.0/subnetpools", params={
        "limit": 2, "sort_key": "name", "sort_dir": "asc"}), 200)
    assert len(page["subnetpools"]) == 2 and page["subnetpools_links"]


@pytest.mark.parametrize("attrs, status, etype, message", [
    ({"prefixes": ["10.0.0.0/8"]}, 400, "HTTPBadRequest",
     "Failed to parse request. Required attribute 'name' not specified"),
    ({"prefixes": ["10.0.0.0/8"], "name": ""}, 400, "HTTPBadRequest",
     "Invalid input for name. Reason: '' Blank strings are not permitted."),
    ({"name": "p"}, 400, "HTTPBadRequest",
     "Failed to parse request. Required attribute 'prefixes' not "
     "specified"),
    ({"name": "p", "prefixes": []}, 400, "EmptySubnetPoolPrefixList",
     "Empty subnet pool prefix list."),
    ({"name": "p", "prefixes": ["10.0.0.0/8", "2001:db8::/32"]}, 400,
     "PrefixVersionMismatch",
     "Cannot mix IPv4 and IPv6 prefixes in a subnet pool."),
    ({"name": "p", "prefixes": ["10.0.0.0"]}, 400, "HTTPBadRequest",
     "Invalid input for prefixes. Reason: '10.0.0.0' isn't a recognized IP "
     "subnet cidr, '10.0.0.0/32' is recommended."),
    ({"name": "p", "prefixes": ["x"]}, 400, "HTTPBadRequest",
     "Invalid input for prefixes. Reason: 'x' is not a valid IP subnet."),
    ({"name": "p", "prefixes": ["10.0.0.0/8", "10.0.0.0/8"]}, 400,
     "HTTPBadRequest",
     "Invalid input for prefixes. Reason: Duplicate items in the list: "
     "'10.0.0.0/8'."),
    ({"name": "p", "prefixes": "10.0.0.0/8"}, 400, "HTTPBadRequest",
     "Invalid input for prefixes. Reason: '10.0.0.0/8' is not a list."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": 24,
      "max_prefixlen": 16},
     400, "IllegalSubnetPoolPrefixBounds",
     "Illegal prefix bounds: min_prefixlen=24, max_prefixlen=16."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "max_prefixlen": 33}, 400,
     "IllegalSubnetPoolPrefixBounds",
     "Illegal prefix bounds: max_prefixlen=33, ip_version_max=32."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": 16,
      "default_prefixlen": 12}, 400, "IllegalSubnetPoolPrefixBounds",
     "Illegal prefix bounds: default_prefixlen=12, min_prefixlen=16."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "max_prefixlen": 24,
      "default_prefixlen": 28}, 400, "IllegalSubnetPoolPrefixBounds",
     "Illegal prefix bounds: default_prefixlen=28, max_prefixlen=24."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": "x"}, 400,
     "InvalidInput",
     "Invalid input for operation: 'x' is not an integer."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "default_quota": -1}, 400,
     "InvalidInput",
     "Invalid input for operation: '-1' should be non-negative."),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "ip_version": 4}, 400,
     "HTTPBadRequest",
     "Attribute 'ip_version' not allowed in POST"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"],
      "address_scope_id": "a3b8f5f8-0c51-4a8b-9a5a-7d7e0c1e2f3a"}, 404,
     "AddressScopeNotFound",
     "Address scope a3b8f5f8-0c51-4a8b-9a5a-7d7e0c1e2f3a could not be "
     "found."),
])
def test_create_errors(server, attrs, status, etype, message):
    error(server.post("/v2.0/subnetpools", {"subnetpool": attrs}), status,
          etype, message)
    assert server.list("subnetpools") == []


def test_update(server):
    p = pool(server, prefixes=["10.11.12.0/24"], min_prefixlen=29)
    url = "/v2.0/subnetpools/" + p["id"]
    up = server.update("subnetpool", p["id"], name="n2", min_prefixlen="28",
                       max_prefixlen=30)
    assert (up["name"], up["min_prefixlen"], up["max_prefixlen"],
            up["default_prefixlen"]) == ("n2", "28", "30", "29")
    assert up["revision_number"] == 1 and up["created_at"] == p["created_at"]
    # Growing: appending and widening; the list stays compact.
    up = server.update("subnetpool", p["id"],
                       prefixes=["10.11.12.0/24", "10.11.15.0/24"])
    assert up["prefixes"] == ["10.11.12.0/24", "10.11.15.0/24"]
    up = server.update("subnetpool", p["id"], prefixes=["10.11.0.0/16"])
    assert up["prefixes"] == ["10.11.0.0/16"]
    error(server.put(url, {"subnetpool": {"prefixes": ["10.11.12.0/26"]}}),
          400, "IllegalSubnetPoolPrefixUpdate",
          "Illegal update to prefixes: Existing prefixes must be a subset of "
          "the new prefixes.")
    error(server.put(url, {"subnetpool": {"prefixes": [
        "10.11.0.0/16", "2001:db8::/32"]}}), 400, "PrefixVersionMismatch",
        "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
    # Bounds are checked against the stored ones.
    error(server.put(url, {"subnetpool": {"min_prefixlen": 30}}), 400,
          "IllegalSubnetPoolPrefixBounds",
          "Illegal prefix bounds: default_prefixlen=29, min_prefixlen=30.")
    error(server.put(url, {"subnetpool": {"shared": True}}), 400,
          "HTTPBadRequest", "Cannot update read-only attribute shared")
    error(server.put(url, {"subnetpool": {"tenant_id": OTHER_PROJECT}}), 400,
          "HTTPBadRequest", "Cannot update read-only attribute tenant_id")
    assert server.show("subnetpool", p["id"])["revision_number"] == 3
    # Tags (standard-attr-tag) revise it too.
    assert server.put(url + "/tags/blue").status_code == 201
    shown = server.show("subnetpool", p["id"])
    assert shown["tags"] == ["blue"] and shown["revision_number"] == 4
    assert [x["id"] for x in server.list("subnetpools", params={
        "tags": "blue"})] == [p["id"]]
    r = server.ok(server.put(url + "/tags", {"tags": ["red", "green"]}), 200)
    assert r == {"tags": ["red", "green"]}
    assert server.show("subnetpool", p["id"])["tags"] == ["red", "green"]


def test_one_default_per_ip_version(server):
    d4 = pool(server, prefixes=["10.0.0.0/8"], is_default=True)
    pool(server, prefixes=["2001:db8::/32"], is_default=True)
    message = ("Invalid input for operation: A default subnetpool for this "
               "IP family has already been set. Only one default may exist "
               "per IP family.")
    err = pool(server, 400, prefixes=["192.168.0.0/16"], is_default=True)
    assert (err["type"], err["message"]) == ("InvalidInput", message)
    other = pool(server, prefixes=["192.168.0.0/16"])
    error(server.put("/v2.0/subnetpools/" + other["id"], {"subnetpool": {
        "is_default": True}}), 400, "InvalidInput", message)
    # Setting it again on the default itself is no conflict.
    server.update("subnetpool", d4["id"], is_default=True)
    server.update("subnetpool", d4["id"], is_default=False)
    assert server.update("subnetpool", other["id"], is_default=True)[
        "is_default"] is True


def test_subnets_from_pool(server):
    net = server.vlan_network()
    p = pool(server, prefixes=["10.11.12.0/24"], min_prefixlen=28,
             max_prefixlen=30, default_prefixlen=29)
    s1 = from_pool(server, net, p["id"])
    assert (s1["cidr"], s1["subnetpool_id"], s1["gateway_ip"]) == (
        "10.11.12.0/29", p["id"], "10.11.12.1")
    assert s1["allocation_pools"] == [{"start": "10.11.12.2",
                                       "end": "10.11.12.6"}]
    s2 = from_pool(server, net, p["id"], prefixlen=30)
    assert s2["cidr"] == "10.11.12.8/30"
    # The smallest free block that fits, as Neutron's allocator.
    s3 = from_pool(server, net, p["id"], prefixlen=30)
    assert s3["cidr"] == "10.11.12.12/30"
    s4 = from_pool(server, net, p["id"], cidr="10.11.12.64/28")
    assert s4["cidr"] == "10.11.12.64/28"
    s5 = from_pool(server, net, p["id"], gateway_ip="10.11.12.129")
    assert (s5["cidr"], s5["gateway_ip"]) == ("10.11.12.128/29",
                                              "10.11.12.129")
    assert [s["id"] for s in server.list("subnets", params={
        "subnetpool_id": p["id"]})] == [s1["id"], s2["id"], s3["id"],
                                        s4["id"], s5["id"]]
    # A freed prefix is used again.
    server.remove("subnet", s2["id"])
    assert from_pool(server, net, p["id"], prefixlen=30)["cidr"] == \
        "10.11.12.8/30"
    # A bulk create is one transaction: each sees the prefixes before it
    # (and the /28 holes come first: the smallest free blocks that fit).
    bulk = server.ok(server.post("/v2.0/subnets", {"subnets": [
        {"network_id": server.vlan_network("b%d" % i)["id"], "ip_version": 4,
         "subnetpool_id": p["id"], "prefixlen": 28} for i in range(3)]}),
        201)["subnets"]
    assert [x["cidr"] for x in bulk] == [
        "10.11.12.16/28", "10.11.12.80/28", "10.11.12.144/28"]
    v6 = pool(server, prefixes=["2001:db8:3::/48"])
    net6 = server.vlan_network("n6")
    s6 = from_pool(server, net6, v6["id"], ip_version=6)
    # Neutron's allocator's gateway: after the network address on IPv6 too.
    assert (s6["cidr"], s6["gateway_ip"]) == ("2001:db8:3::/64",
                                              "2001:db8:3::1")
    assert s6["allocation_pools"] == [{
        "start": "2001:db8:3::2", "end": "2001:db8:3:0:ffff:ffff:ffff:ffff"}]


def test_subnet_from_pool_errors(server):
    net = server.vlan_network()
    p = pool(server, prefixes=["10.11.12.0/24"], min_prefixlen=26,
             max_prefixlen=28)
    pid = p["id"]
    err = from_pool(server, net, pid, 400, prefixlen=29)
    assert (err["type"], err["message"]) == (
        "MaxPrefixSubnetAllocationError", "Unable to allocate subnet with "
        "prefix length 29, maximum allowed prefix is 28.")
    err = from_pool(server, net, pid, 400, cidr="10.11.12.0/25")
    assert (err["type"], err["message"]) == (
        "MinPrefixSubnetAllocationError", "Unable to allocate subnet with "
        "prefix length 25, minimum allowed prefix is 26.")
    # A length no integer type of the server may wrap into range.
    err = from_pool(server, net, pid, 400, prefixlen=2 ** 32 + 27)
    assert err["type"] == "MaxPrefixSubnetAllocationError"
    err = from_pool(server, net, pid, 400, prefixlen=-1)
    assert err["type"] == "MinPrefixSubnetAllocationError"
    # A gateway of the other IP version asks for no prefix of the pool.
    err = from_pool(server, net, pid, 400, gateway_ip="2001:db8::1")
    assert err["type"] == "InvalidInput"
    err = from_pool(server, net, pid, 400, ip_version=6)
    assert err["message"] == ("Bad subnets request: Cannot allocate IPv6 "
                              "subnet from IPv4 subnet pool.")
    err = from_pool(server, net, pid, 400, allocation_pools=[
        {"start": "10.11.12.2", "end": "10.11.12.5"}])
    assert err["message"] == ("Bad subnets request: allocation_pools allowed "
                              "only for specific subnet requests.")
    err = from_pool(server, net, pid, 400, cidr="10.11.12.0/26", prefixlen=26)
    assert err["message"] == ("Bad subnets request: cidr and prefixlen must "
                              "not be supplied together.")
    err = from_pool(server, net, pid, 400, use_default_subnetpool=True)
    assert err["message"] == ("Bad subnets request: subnetpool_id and "
                              "use_default_subnetpool cannot both be "
                              "specified.")
    missing = "0b8c2c3e-55f9-4a9e-9f4e-0d1c6b2a7e11"
    err = from_pool(server, net, missing, 404)
    assert (err["type"], err["message"]) == (
        "SubnetPoolNotFound", "Subnet pool %s could not be found." % missing)
    # Neutron answers an allocation failure with a 500; here the client's
    # request is at fault: 400 outside the pool, 409 where it is full.
    err = from_pool(server, net, pid, 400, cidr="10.99.0.0/26")
    assert (err["type"], err["message"]) == (
        "SubnetAllocationError", "Failed to allocate subnet: Cannot allocate "
        "requested subnet from the available set of prefixes.")
    for _ in range(4):
        from_pool(server, net, pid, prefixlen=26)
    err = from_pool(server, net, pid, 409, prefixlen=28)
    assert err["message"] == ("Failed to allocate subnet: Insufficient "
                              "prefix space to allocate subnet size /28.")
    err = from_pool(server, net, pid, 409, cidr="10.11.12.64/26")
    assert err["type"] == "SubnetAllocationError"
    assert len(server.list("subnets")) == 4


def test_default_pool(server):
    net = server.vlan_network()
    r = server.post("/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4,
        "use_default_subnetpool": True}})
    error(r, 400, "BadRequest",
          "Bad subnets request: No default subnetpool found for IPv4.")
    p = pool(server, prefixes=["10.0.0.0/16"], default_prefixlen=24,
             is_default=True)
    s = server.ok(server.post("/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 4,
        "use_default_subnetpool": True}}), 201)["subnet"]
    assert (s["cidr"], s["subnetpool_id"]) == ("10.0.0.0/24", p["id"])
    assert "use_default_subnetpool" not in s and "prefixlen" not in s


def test_pool_affinity(server):
    """Subnets of one IP version on a network come from one pool or none."""
    net = server.vlan_network()
    p = pool(server, prefixes=["192.168.0.0/16"], min_prefixlen=24)
    q = pool(server, prefixes=["172.16.0.0/16"], min_prefixlen=24)
    message = ("Subnets hosted on the same network must be allocated from "
               "the same subnet pool.")
    server.subnet(net["id"], "10.10.10.0/24")
    err = from_pool(server, net, p["id"], 400)
    assert (err["type"], err["message"]) == (
        "NetworkSubnetPoolAffinityError", message)
    net2 = server.vlan_network("n2")
    from_pool(server, net2, p["id"])
    err = from_pool(server, net2, q["id"], 400)
    assert err["type"] == "NetworkSubnetPoolAffinityError"
    error(server.post("/v2.0/subnets", {"subnet": {
        "network_id": net2["id"], "ip_version": 4, "cidr": "10.0.0.0/24"}}),
        400, "NetworkSubnetPoolAffinityError", message)
    # Another IP version may come from elsewhere.
    server.subnet(net2["id"], "2001:db8::/64")
    from_pool(server, net2, p["id"])


def test_pool_quota(server):
    """default_quota counts a project's addresses (IPv4: /32s) from the
    pool; Neutron answers 409 SubnetPoolQuotaExceeded."""
    net = server.vlan_network()
    p = pool(server, prefixes=["10.11.12.0/24"], min_prefixlen=28,
             default_quota=32)
    from_pool(server, net, p["id"], prefixlen=28)
    from_pool(server, net, p["id"], prefixlen=28)
    err = from_pool(server, net, p["id"], 409, prefixlen=28)
    assert (err["type"], err["message"]) == (
        "SubnetPoolQuotaExceeded",
        "Per-tenant subnet pool prefix quota exceeded.")
    # Another project has its own share.
    net2 = server.vlan_network("n2", project_id=OTHER_PROJECT)
    from_pool(server, net2, p["id"], prefixlen=28, project=OTHER_PROJECT)


def test_delete(server):
    net = server.vlan_network()
    p = pool(server, prefixes=["10.11.12.0/24"], min_prefixlen=28)
    s = from_pool(server, net, p["id"])
    url = "/v2.0/subnetpools/" + p["id"]
    error(server.delete(url), 400, "SubnetPoolDeleteError",
          "Unable to delete subnet pool: Subnet pool has existing "
          "allocations.")
    server.remove("subnet", s["id"])
    assert server.delete(url).status_code == 204
    error(server.get(url), 404, "SubnetPoolNotFound",
          "Subnet pool %s could not be found." % p["id"])
    error(server.delete(url), 404, "SubnetPoolNotFound",
          "Subnet pool %s could not be found." % p["id"])


def test_prefix_ops(server):
    net = server.vlan_network()
    p = pool(server, prefixes=["192.168.1.0/24", "10.10.10.0/24"],
             min_prefixlen=24)
    url = "/v2.0/subnetpools/%s/" % p["id"]
    r = server.ok(server.put(url + "add_prefixes", {"prefixes": [
        "192.168.2.0/24", "10.10.0.0/16"]}), 200)
    assert r == {"prefixes": ["10.10.0.0/16", "192.168.1.0/24",
                              "192.168.2.0/24"]}
    shown = server.show("subnetpool", p["id"])
    assert shown["prefixes"] == r["prefixes"]
    assert shown["revision_number"] == 1
    s = from_pool(server, net, p["id"], cidr="10.10.5.0/24")
    error(server.put(url + "remove_prefixes", {"prefixes": [
        "10.10.0.0/20"]}), 400, "IllegalSubnetPoolPrefixUpdate",
        "Illegal update to prefixes: One or more the prefixes to be removed "
        "is in use by a subnet.")
    r = server.ok(server.put(url + "remove_prefixes", {"prefixes": [
        "192.168.2.0/24", "172.16.0.0/12"]}), 200)
    assert r == {"prefixes": ["10.10.0.0/16", "192.168.1.0/24"]}
    # Removing what it does not have changes nothing.
    assert server.ok(server.put(url + "remove_prefixes", {"prefixes": [
        "172.16.0.0/12"]}), 200) == r
    assert server.show("subnetpool", p["id"])["revision_number"] == 2
    error(server.put(url + "add_prefixes", {"prefixes": ["2001:db8::/32"]}),
          400, "PrefixVersionMismatch",
          "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.")
    error(server.put(url + "add_prefixes", {"prefixes": ["x"]}), 400,
          "AddrFormatError", "invalid IPNetwork x")
    for body in ({"prefixes": []}, {"prefixes": "10.0.0.0/8"}, {}):
        error(server.put(url + "add_prefixes", body), 400, "HTTPBadRequest",
              "Request body contains invalid data")
    assert_neutron_error(server.put(url + "onboard", {}), 404)
    assert_neutron_error(server.get(url + "add_prefixes"), 405)
    missing = "/v2.0/subnetpools/0b8c2c3e-55f9-4a9e-9f4e-0d1c6b2a7e11/"
    assert_neutron_error(server.put(missing + "add_prefixes", {
        "prefixes": ["10.0.0.0/8"]}), 404, "SubnetPoolNotFound")
    server.remove("subnet", s["id"])


def test_quota_and_extensions(server):
    aliases = {e["alias"] for e in server.ok(server.get("/v2.0/extensions"),
                                             200)["extensions"]}
    assert {"subnet_allocation", "default-subnetpools",
            "subnetpool-prefix-ops"} <= aliases
    ext = server.ok(server.get("/v2.0/extensions/subnet_allocation"),
                    200)["extension"]
    assert ext["name"] == "Subnet Allocation"
    assert server.ok(server.get("/v2.0/quotas/" + OTHER_PROJECT),
                     200)["quota"]["subnetpool"] == -1
    server.ok(server.put("/v2.0/quotas/" + OTHER_PROJECT, {"quota": {
        "subnetpool": 1}}), 200)
    pool(server, project=OTHER_PROJECT, prefixes=["10.0.0.0/8"])
    err = pool(server, 409, project=OTHER_PROJECT, prefixes=["10.0.0.0/8"])
    assert err["type"] == "OverQuota"
    details = server.ok(server.get("/v2.0/quotas/%s/details" % OTHER_PROJECT),
                        200)["quota"]
    assert details["subnetpool"] == {"limit": 1, "used": 1, "reserved": 0}


def test_concurrent_allocations_never_overlap(server):
    """Eight clients carve /28s from one /24 at once: sixteen succeed, each
    a distinct prefix of the pool, the rest fail cleanly."""
    p = pool(server, prefixes=["10.20.30.0/24"], min_prefixlen=28)
    nets = [server.vlan_network("n%d" % i) for i in range(40)]
    lock = threading.Lock()
    got, failures = [], collections.Counter()

    def worker(mine):
        session = requests.Session()
        for net in mine:
            r = server.request("POST", "/v2.0/subnets", json_body={"subnet": {
                "network_id": net["id"], "ip_version": 4,
                "subnetpool_id": p["id"]}}, session=session)
            with lock:
                if r.status_code == 201:
                    got.append(r.json()["subnet"]["cidr"])
                else:
                    failures[(r.status_code,
                              r.json()["NeutronError"]["type"])] += 1

    threads = [threading.Thread(target=worker, args=(nets[i::8],))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 16 and len(set(got)) == 16
    assert failures == {(409, "SubnetAllocationError"): 24}
    nets_got = [ipaddress.ip_network(c) for c in got]
    assert all(n.subnet_of(ipaddress.ip_network("10.20.30.0/24"))
               for n in nets_got)
    assert not any(a.overlaps(b) for i, a in enumerate(nets_got)
                   for b in nets_got[i + 1:])


def test_openstack_cli(server, tmp_path):
    """The stock client's subnet pool commands."""
    def osc(*args, **kw):
        return run_osc(server.url, tmp_path, *args, **kw)

    made = osc("subnet", "pool", "create", "--pool-prefix", "10.0.0.0/16",
               "--default-prefix-length", "24", "--description", "d", "p")
    assert (made["prefixes"], made["default_prefixlen"],
            made["description"]) == (["10.0.0.0/16"], 24, "d")
    osc("subnet", "pool", "set", "--pool-prefix", "10.2.0.0/16", "p",
        fmt=None)
    shown = osc("subnet", "pool", "show", "p")
    assert shown["prefixes"] == ["10.0.0.0/16", "10.2.0.0/16"]
    assert [x["Name"] for x in osc("subnet", "pool", "list")] == ["p"]
    net = server.vlan_network("n")
    sub = osc("subnet", "create", "--subnet-pool", "p", "--network",
              net["id"], "s")
    assert (sub["cidr"], sub["subnetpool_id"]) == ("10.0.0.0/24",
                                                   made["id"])
    p = osc("subnet", "pool", "delete", "p", fmt=None, check=False)
    assert p.returncode == 1 and "existing allocations" in p.stderr
    osc("subnet", "delete", "s", fmt=None)
    osc("subnet", "pool", "delete", "p", fmt=None)
    assert server.list("subnetpools") == []
