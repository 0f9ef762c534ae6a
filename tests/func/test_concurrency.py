"""16 clients creating ports at the same time.

The issue asks for "2,000 ports on one /22", but a /22 has only 1,021 assignable addresses
(1,022 hosts minus the gateway), so there are two phases:
  (a) 2,000 creates on a /22: exactly 1,021 succeed, each pool address exactly once, the rest
      are 409 IpAddressGenerationFailure, never a 5xx;
  (b) 2,000 creates on a /21: all 2,000 succeed with distinct addresses and MACs inside the pool.
Each client uses its own project (X-Project-Id), so per-project quotas cannot interfere.
"""

import ipaddress

from conftest import check_unique, hammer, needs_process

# neutron-server creates ~3.5 ports/s: far too slow to be an oracle here
pytestmark = needs_process

CLIENTS = 16
CREATES = 2000


def pool_addresses(subnet):
    out = set()
    for p in subnet["allocation_pools"]:
        a = int(ipaddress.ip_address(p["start"]))
        b = int(ipaddress.ip_address(p["end"]))
        out |= {str(ipaddress.ip_address(x)) for x in range(a, b + 1)}
    return out


def check_ports(ports, subnet):
    assert all(len(p["fixed_ips"]) == 1 for p in ports)
    assert all(p["fixed_ips"][0]["subnet_id"] == subnet["id"] for p in ports)
    ips = check_unique(ports)
    pool = pool_addresses(subnet)
    outside = [ip for ip in ips if ip not in pool]
    assert not outside, "addresses outside the pool: %s" % outside[:10]
    return set(ips)


def test_concurrent_creates_exhaust_a_slash_22(server):
    n = server.create("network", name="c22")
    s = server.subnet(n["id"], "10.200.0.0/22", enable_dhcp=False)
    pool = pool_addresses(s)
    assert len(pool) == 1021
    created, failures = hammer([server], n["id"], CREATES, CLIENTS)
    assert not [k for k in failures if k[0] >= 500], failures
    assert dict(failures) == {(409, "IpAddressGenerationFailure"): CREATES - 1021}, failures
    assert len(created) == 1021
    ips = check_ports(created, s)
    assert ips == pool
    listed = server.list("ports", params={"network_id": n["id"]})
    assert len(listed) == 1021
    assert check_ports(listed, s) == pool
    assert {p["id"] for p in listed} == {p["id"] for p in created}
    avail = server.ok(server.get("/v2.0/network-ip-availabilities/" + n["id"]), 200)
    assert avail["network_ip_availability"]["used_ips"] == 1021
    assert avail["network_ip_availability"]["total_ips"] == 1021


def test_concurrent_creates_on_a_slash_21(server):
    n = server.create("network", name="c21")
    s = server.subnet(n["id"], "10.210.0.0/21", enable_dhcp=False)
    created, failures = hammer([server], n["id"], CREATES, CLIENTS)
    assert not failures, failures
    assert len(created) == CREATES
    check_ports(created, s)
    listed = server.list("ports")
    assert len(listed) == CREATES
    check_ports(listed, s)
    assert {p["id"] for p in listed} == {p["id"] for p in created}
    assert sorted(p["name"] for p in listed) == sorted("c-%d" % i for i in range(CREATES))
