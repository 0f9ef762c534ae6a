"""API semantics through plain HTTP (requests)."""

import datetime
import ipaddress
import os
import re
import subprocess
import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import (ADMIN_PROJECT, MAC_RE, OTHER_PROJECT, REQUEST_ID_RE, SERVER_BIN,
                      TIMESTAMP_RE, UUID_RE, Server, assert_neutron_error, needs_process)

neutrino_only = needs_process  # behaviour neutron-server without agents does not have


# ---------------------------------------------------------------------- documents
def test_versions_document(server):
    r = server.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    (v,) = body["versions"]
    assert v["id"] == "v2.0" and v["status"] == "CURRENT"
    assert v["links"] == [{"rel": "self", "href": server.url + "/v2.0/"}]
    assert server.request("POST", "/", data=b"{}").status_code == 405


def test_v2_root(server):
    r = server.get("/v2.0/")
    assert r.status_code == 200
    res = {x["name"]: x for x in r.json()["resources"]}
    assert [x["name"] for x in r.json()["resources"]] == [
        "network", "subnet", "subnetpool", "port"]
    for name, coll in (("network", "networks"), ("subnet", "subnets"),
                       ("subnetpool", "subnetpools"), ("port", "ports")):
        assert res[name]["collection"] == coll
        assert res[name]["links"] == [{"rel": "self", "href": server.url + "/v2.0/" + coll}]


REQUIRED_EXTENSIONS = {
    "provider", "external-net", "binding", "net-mtu", "port-security", "standard-attr-tag",
    "standard-attr-revisions", "revision-if-match", "standard-attr-timestamp",
    "standard-attr-description", "pagination", "sorting", "filter-validation",
    "network-ip-availability", "project-id", "empty-string-filtering",
}


def test_extensions(server):
    r = server.get("/v2.0/extensions")
    assert r.status_code == 200
    exts = r.json()["extensions"]
    aliases = {e["alias"] for e in exts}
    assert REQUIRED_EXTENSIONS <= aliases, REQUIRED_EXTENSIONS - aliases
    assert len(aliases) == len(exts), "duplicate aliases"
    for e in exts:
        assert set(e) >= {"name", "alias", "description", "updated", "links"}, e
        assert e["links"] == []
    r = server.get("/v2.0/extensions/provider")
    assert r.status_code == 200
    one = r.json()["extension"]
    assert one == [e for e in exts if e["alias"] == "provider"][0]
    r = server.get("/v2.0/extensions/no-such-extension")
    assert r.status_code == 404
    assert "no-such-extension" in r.text
    # OSC probes this one before `port create`: a clean 404 is fine, as is a 200
    assert server.get("/v2.0/extensions/tag-ports-during-bulk-creation").status_code in (
        200, 404)


def test_request_id_on_every_v2_response(server):
    n = server.create("network", name="rid")
    responses = [
        server.get("/v2.0/networks"),
        server.get("/v2.0/"),
        server.get("/v2.0/extensions"),
        server.post("/v2.0/networks", {"network": {"name": "x2"}}),
        server.put("/v2.0/networks/" + n["id"], {"network": {"name": "y"}}),
        server.get("/v2.0/networks/" + str(uuid.uuid4())),
        server.get("/v2.0/networks?bogus=1"),
        server.get("/v2.0/nothing-here"),
        server.delete("/v2.0/networks/" + n["id"]),
    ]
    seen = set()
    for r in responses:
        rid = r.headers.get("x-openstack-request-id")
        assert rid and REQUEST_ID_RE.match(rid), (r.request.method, r.request.url,
                                                  r.status_code, dict(r.headers))
        seen.add(rid)
    assert len(seen) == len(responses), "request ids are not unique"
    # an inbound id is not echoed back as the local id
    r = server.get("/v2.0/networks", headers={
        "X-Openstack-Request-Id": "req-00000000-0000-0000-0000-000000000000"})
    assert r.headers["x-openstack-request-id"] != "req-00000000-0000-0000-0000-000000000000"


# ---------------------------------------------------------------------- resources
def test_network_defaults_and_timestamps(server):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    n = server.create("network", name="n1")
    after = datetime.datetime.now(datetime.timezone.utc)
    assert UUID_RE.match(n["id"])
    for k, v in {"name": "n1", "description": "", "admin_state_up": True,
                 "status": "ACTIVE", "subnets": [], "shared": False, "mtu": 1500,
                 "router:external": False, "port_security_enabled": True, "tags": [],
                 "availability_zone_hints": [], "availability_zones": [],
                 "ipv4_address_scope": None, "ipv6_address_scope": None,
                 "provider:network_type": "vlan",
                 "provider:physical_network": "provider",
                 "project_id": ADMIN_PROJECT, "tenant_id": ADMIN_PROJECT}.items():
        assert n[k] == v, (k, n[k], v)
    assert 1000 <= n["provider:segmentation_id"] <= 1999
    assert isinstance(n["revision_number"], int)
    for k in ("created_at", "updated_at"):
        assert TIMESTAMP_RE.match(n[k]), n[k]
        t = datetime.datetime.strptime(n[k], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        assert before - datetime.timedelta(seconds=1) <= t <= after, (t, before, after)
    assert server.show("network", n["id"]) == n


@neutrino_only
def test_project_from_header(server):
    n = server.create("network", name="theirs", project=OTHER_PROJECT)
    assert n["project_id"] == OTHER_PROJECT and n["tenant_id"] == OTHER_PROJECT
    mine = server.create("network", name="mine")
    assert mine["project_id"] == ADMIN_PROJECT
    got = server.list("networks", params={"project_id": OTHER_PROJECT})
    assert [x["id"] for x in got] == [n["id"]]
    got = server.list("networks", params={"tenant_id": ADMIN_PROJECT})
    assert [x["id"] for x in got] == [mine["id"]]


def test_flat_network_and_flat_in_use(server):
    body = {"name": "provider", "shared": True, "router:external": True,
            "provider:network_type": "flat", "provider:physical_network": "provider"}
    n = server.create("network", **body)
    assert n["provider:network_type"] == "flat"
    assert n["provider:segmentation_id"] is None
    assert n["shared"] is True and n["router:external"] is True
    assert n["revision_number"] == 1
    r = server.post("/v2.0/networks", {"network": dict(body, name="again")})
    err = assert_neutron_error(r, 409, "FlatNetworkInUse")
    assert err["message"] == ("Unable to create the flat network. Physical network provider "
                              "is in use.")
    # after deleting the first, the physnet is free again
    server.remove("network", n["id"])
    n2 = server.create("network", **dict(body, name="again"))
    assert n2["provider:physical_network"] == "provider"


def test_explicit_vlan_and_mtu(server):
    n = server.create("network", name="v", mtu=1400, **{
        "provider:network_type": "vlan", "provider:physical_network": "provider",
        "provider:segmentation_id": 1500})
    assert n["provider:segmentation_id"] == 1500 and n["mtu"] == 1400
    r = server.post("/v2.0/networks", {"network": {
        "name": "v2", "provider:network_type": "vlan",
        "provider:physical_network": "provider", "provider:segmentation_id": 1500}})
    assert_neutron_error(r, 409, "VlanIdInUse")
    r = server.post("/v2.0/networks", {"network": {"name": "big", "mtu": 1501}})
    err = assert_neutron_error(r, 400, "InvalidInput")
    assert "Requested MTU is too big, maximum is 1500" in err["message"]
    upd = server.update("network", n["id"], mtu=1300)
    assert upd["mtu"] == 1300


def test_network_update_and_revision(server):
    n = server.create("network", name="r")
    rev = n["revision_number"]
    u = server.update("network", n["id"], name="r2", description="d", admin_state_up=False)
    assert (u["name"], u["description"], u["admin_state_up"]) == ("r2", "d", False)
    assert u["revision_number"] == rev + 1
    assert u["status"] == "ACTIVE"
    assert u["created_at"] == n["created_at"]
    assert TIMESTAMP_RE.match(u["updated_at"]) and u["updated_at"] >= n["updated_at"]
    assert server.show("network", n["id"])["revision_number"] == rev + 1


def test_network_revision_follows_its_subnets(server):
    n = server.create("network", name="rv")
    rev = n["revision_number"]
    s = server.subnet(n["id"], "10.31.0.0/24", enable_dhcp=False)
    # neutron-server 21: adding a subnet revises the network; a port does not
    assert server.show("network", n["id"])["revision_number"] == rev + 1
    server.create("port", network_id=n["id"])
    assert server.show("network", n["id"])["revision_number"] == rev + 1
    assert server.show("subnet", s["id"])["revision_number"] == s["revision_number"]


def test_if_match(server):
    n = server.create("network", name="im")
    rev = n["revision_number"]
    path = "/v2.0/networks/" + n["id"]
    r = server.put(path, {"network": {"name": "a"}},
                   headers={"If-Match": "revision_number=%d" % (rev + 5)})
    err = assert_neutron_error(r, 412, "RevisionNumberConstraintFailed")
    assert err["message"] == "Constrained to %d, but current revision is %d" % (rev + 5, rev)
    assert server.show("network", n["id"])["name"] == "im"
    r = server.put(path, {"network": {"name": "a"}},
                   headers={"If-Match": "revision_number=%d" % rev})
    assert r.status_code == 200 and r.json()["network"]["revision_number"] == rev + 1
    r = server.delete(path, headers={"If-Match": "revision_number=%d" % rev})
    assert_neutron_error(r, 412, "RevisionNumberConstraintFailed")
    r = server.delete(path, headers={"If-Match": "revision_number=%d" % (rev + 1)})
    assert r.status_code == 204 and r.content == b""
    assert_neutron_error(server.get(path), 404, "NetworkNotFound")


def test_tags_api(server):
    n = server.create("network", name="tagged")
    base = "/v2.0/networks/%s/tags" % n["id"]
    rev0 = n["revision_number"]
    r = server.put(base, {"tags": ["red", "blue"]})
    assert r.status_code == 200 and sorted(r.json()["tags"]) == ["blue", "red"]
    assert sorted(server.ok(server.get(base), 200)["tags"]) == ["blue", "red"]
    assert server.get(base + "/red").status_code == 204
    assert_neutron_error(server.get(base + "/green"), 404, "TagNotFound")
    assert server.put(base + "/green").status_code == 201
    shown = server.show("network", n["id"])
    assert sorted(shown["tags"]) == ["blue", "green", "red"]
    assert shown["revision_number"] > rev0
    assert server.delete(base + "/red").status_code == 204
    assert_neutron_error(server.delete(base + "/red"), 404, "TagNotFound")
    assert sorted(server.show("network", n["id"])["tags"]) == ["blue", "green"]
    assert server.delete(base).status_code == 204
    assert server.show("network", n["id"])["tags"] == []
    # replacing with an empty list
    server.put(base, {"tags": ["x"]})
    assert server.put(base, {"tags": []}).json()["tags"] == []
    # subnets and ports have tags too
    s = server.subnet(n["id"], "10.30.0.0/24", enable_dhcp=False)
    p = server.create("port", network_id=n["id"])
    for kind, obj in (("subnets", s), ("ports", p)):
        r = server.put("/v2.0/%s/%s/tags/t-%s" % (kind, obj["id"], kind))
        assert r.status_code == 201
        assert server.show(kind[:-1], obj["id"])["tags"] == ["t-" + kind]
    assert_neutron_error(server.get("/v2.0/ports/%s/tags" % uuid.uuid4()), 404,
                         "TagResourceNotFound")


def test_tag_filters(server):
    a = server.create("network", name="a")
    b = server.create("network", name="b")
    c = server.create("network", name="c")
    server.put("/v2.0/networks/%s/tags" % a["id"], {"tags": ["red", "blue"]})
    server.put("/v2.0/networks/%s/tags" % b["id"], {"tags": ["red"]})
    server.put("/v2.0/networks/%s/tags" % c["id"], {"tags": ["green"]})

    def names(q):
        return sorted(x["name"] for x in server.list("networks", params=q))

    assert names({"tags": "red"}) == ["a", "b"]
    assert names({"tags": "red,blue"}) == ["a"]
    assert names({"tags-any": "blue,green"}) == ["a", "c"]
    assert names({"not-tags": "red,blue"}) == ["b", "c"]
    assert names({"not-tags-any": "blue,green"}) == ["b"]
    assert names({"tags": "red", "not-tags": "blue"}) == ["b"]
    assert names({"tags": "nothing"}) == []


def test_filters(server):
    for name in ("alpha", "beta", "gamma"):
        server.create("network", name=name)
    server.create("network", name="", description="anonymous", admin_state_up=False)

    def names(q):
        return sorted(x["name"] for x in server.list("networks", params=q))

    assert names([("name", "alpha"), ("name", "gamma")]) == ["alpha", "gamma"]
    assert names({"name": "alpha", "admin_state_up": "true"}) == ["alpha"]
    assert names({"name": "alpha", "admin_state_up": "False"}) == []
    assert names({"admin_state_up": "false"}) == [""]
    assert names({"name": ""}) == [""]
    assert names({"description": "anonymous"}) == [""]
    assert names({"shared": "false"}) == ["", "alpha", "beta", "gamma"]
    assert names({"provider:network_type": "vlan", "name": "beta"}) == ["beta"]
    assert names({"name": "nope"}) == []
    err = assert_neutron_error(server.get("/v2.0/networks?colour=blue"), 400, "HTTPBadRequest")
    assert "colour" in err["message"]


def test_subnet_shared_filter(server):
    """Subnets filter on their network's "shared", an attribute Neutron
    keeps hidden: never in a response, not even with fields=shared."""
    shared = server.create("network", name="sh", shared=True)
    private = server.create("network", name="pr")
    s1 = server.create("subnet", network_id=shared["id"], ip_version=4,
                       cidr="10.1.0.0/24")
    s2 = server.create("subnet", network_id=private["id"], ip_version=4,
                       cidr="10.2.0.0/24")

    def ids(value):
        return [x["id"] for x in server.list("subnets", params={"shared": value})]

    assert ids("True") == [s1["id"]]
    assert ids("false") == [s2["id"]]
    assert "shared" not in server.list("subnets")[0]
    got = server.list("subnets", params={"fields": ["id", "shared"]})
    assert sorted(got, key=lambda x: x["id"]) == sorted(
        [{"id": s1["id"]}, {"id": s2["id"]}], key=lambda x: x["id"])
    assert_neutron_error(server.get("/v2.0/subnets?shared=maybe"), 400, "InvalidInput")


def test_port_filters(server):
    n = server.create("network", name="pf")
    s = server.subnet(n["id"], "10.40.0.0/24", enable_dhcp=False)
    p1 = server.create("port", network_id=n["id"], name="p1", device_owner="compute:nova",
                       device_id="vm-1", mac_address="fa:16:3e:00:00:41",
                       fixed_ips=[{"ip_address": "10.40.0.41"}])
    p2 = server.create("port", network_id=n["id"], name="p2",
                       fixed_ips=[{"ip_address": "10.40.0.42"}])

    def ids(q):
        return sorted(x["id"] for x in server.list("ports", params=q))

    assert ids({"fixed_ips": "ip_address=10.40.0.41"}) == [p1["id"]]
    assert ids([("fixed_ips", "ip_address=10.40.0.41"),
                ("fixed_ips", "ip_address=10.40.0.42")]) == sorted([p1["id"], p2["id"]])
    assert ids({"fixed_ips": "subnet_id=" + s["id"]}) == sorted([p1["id"], p2["id"]])
    assert ids({"mac_address": "fa:16:3e:00:00:41"}) == [p1["id"]]
    assert ids({"device_owner": "compute:nova"}) == [p1["id"]]
    assert ids({"device_id": "vm-1"}) == [p1["id"]]
    assert ids({"network_id": n["id"], "name": "p2"}) == [p2["id"]]
    assert ids({"network_id": str(uuid.uuid4())}) == []


def test_fields(server):
    n = server.create("network", name="f")
    got = server.list("networks", params=[("fields", "id"), ("fields", "name")])
    assert [x for x in got if x["id"] == n["id"]] == [{"id": n["id"], "name": "f"}]
    assert all(set(x) == {"id", "name"} for x in got)
    one = server.ok(server.get("/v2.0/networks/%s?fields=name&fields=mtu" % n["id"]), 200)
    assert one == {"network": {"name": "f", "mtu": 1500}}
    # the fields OSC asks for in `port list`
    server.subnet(n["id"], "10.41.0.0/24", enable_dhcp=False)
    server.create("port", network_id=n["id"], name="pp")
    q = [("fields", f) for f in ("id", "name", "mac_address", "fixed_ips", "status")]
    (p,) = server.list("ports", params=q)
    assert set(p) == {"id", "name", "mac_address", "fixed_ips", "status"}


def test_sorting(server):
    for name in ("b", "c", "a", "d"):
        server.create("network", name=name)
    asc = [x["name"] for x in server.list("networks",
                                          params={"sort_key": "name", "sort_dir": "asc"})]
    assert asc == ["a", "b", "c", "d"]
    desc = [x["name"] for x in server.list("networks",
                                           params={"sort_key": "name", "sort_dir": "desc"})]
    assert desc == ["d", "c", "b", "a"]
    assert_neutron_error(server.get("/v2.0/networks?sort_key=name&sort_dir=up"), 400)
    assert_neutron_error(server.get("/v2.0/networks?sort_key=colour&sort_dir=asc"), 400)
    assert_neutron_error(
        server.get("/v2.0/networks?sort_key=name&sort_key=id&sort_dir=asc"), 400)


def _links(body, coll):
    return {l["rel"]: l["href"] for l in body.get(coll + "_links", [])}


def test_pagination(server):
    names = ["net-%02d" % i for i in range(7)]
    ids = {}
    for name in names:
        ids[name] = server.create("network", name=name)["id"]
    params = {"limit": "3", "sort_key": "name", "sort_dir": "asc"}
    r = server.ok(server.get("/v2.0/networks", params=params), 200)
    assert [x["name"] for x in r["networks"]] == names[:3]
    links = _links(r, "networks")
    assert "next" in links
    seen = [x["name"] for x in r["networks"]]
    pages = 1
    while "next" in links and pages < 10:
        href = links["next"]
        assert href.startswith(server.url + "/v2.0/networks?"), href
        q = parse_qs(urlparse(href).query)
        assert q["limit"] == ["3"] and "marker" in q and "page_reverse" not in q
        r = server.ok(server.get(href[len(server.url):]), 200)
        seen += [x["name"] for x in r["networks"]]
        links = _links(r, "networks")
        pages += 1
    assert seen == names
    assert pages == 3  # 3 + 3 + 1, the short last page has no next link
    # the marker is the last id of the previous page
    r = server.ok(server.get("/v2.0/networks", params=dict(params, marker=ids["net-02"])),
                  200)
    assert [x["name"] for x in r["networks"]] == names[3:6]
    prev = _links(r, "networks")["previous"]
    q = parse_qs(urlparse(prev).query)
    assert q["marker"] == [ids["net-03"]] and q["page_reverse"] == ["True"]
    # page_reverse: the page before the marker, still in ascending order
    r = server.ok(server.get("/v2.0/networks", params=dict(
        params, marker=ids["net-05"], page_reverse="True")), 200)
    assert [x["name"] for x in r["networks"]] == names[2:5]
    # a marker without a limit is ignored
    r = server.ok(server.get("/v2.0/networks", params={"marker": ids["net-02"],
                                                       "sort_key": "name",
                                                       "sort_dir": "asc"}), 200)
    assert [x["name"] for x in r["networks"]] == names
    # limit=0 means everything, no links
    r = server.ok(server.get("/v2.0/networks", params={"limit": "0"}), 200)
    assert len(r["networks"]) == 7
    # an unknown marker
    r = server.get("/v2.0/networks", params=dict(params, marker=str(uuid.uuid4())))
    assert_neutron_error(r, 404, "NetworkNotFound")
    r = server.get("/v2.0/networks", params={"limit": "x"})
    assert_neutron_error(r, 400)


def test_pagination_past_the_end(server):
    """The empty page after the last one links back without a marker, as
    Neutron's: "previous" from there is the last page (what Tempest's
    href walks follow), and a reverse empty page links "next" to the
    first."""
    ids = [server.create("network", name="end-%d" % i)["id"] for i in range(3)]
    params = {"limit": "1", "sort_key": "name", "sort_dir": "asc"}
    r = server.ok(server.get("/v2.0/networks", params=dict(params, marker=ids[2])), 200)
    assert r["networks"] == []
    links = _links(r, "networks")
    assert list(links) == ["previous"]
    q = parse_qs(urlparse(links["previous"]).query)
    assert "marker" not in q and q["page_reverse"] == ["True"]
    r = server.ok(server.get(links["previous"][len(server.url):]), 200)
    assert [x["id"] for x in r["networks"]] == [ids[2]]
    r = server.ok(server.get("/v2.0/networks", params=dict(
        params, marker=ids[0], page_reverse="True")), 200)
    assert r["networks"] == []
    links = _links(r, "networks")
    assert list(links) == ["next"]
    assert "marker" not in parse_qs(urlparse(links["next"]).query)
    r = server.ok(server.get(links["next"][len(server.url):]), 200)
    assert [x["id"] for x in r["networks"]] == [ids[0]]


def test_changed_since(server):
    n = server.create("network", name="cs")
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    assert server.list("networks", params={
        "changed_since": later.strftime("%Y-%m-%dT%H:%M:%SZ")}) == []
    got = server.list("networks", params={"changed_since": n["updated_at"]})
    assert [x["id"] for x in got] == [n["id"]]
    assert_neutron_error(server.get("/v2.0/networks?changed_since=last-week"), 400,
                         "InvalidInput")


def test_bulk_create(server):
    r = server.post("/v2.0/networks", {"networks": [{"name": "b1"}, {"name": "b2"},
                                                    {"name": "b3"}]})
    body = server.ok(r, 201)
    assert [x["name"] for x in body["networks"]] == ["b1", "b2", "b3"]
    assert len({x["id"] for x in body["networks"]}) == 3
    n = body["networks"][0]
    s = server.subnet(n["id"], "10.50.0.0/24", enable_dhcp=False)
    r = server.post("/v2.0/ports", {"ports": [
        {"network_id": n["id"], "name": "bp1", "fixed_ips": [{"ip_address": "10.50.0.5"}]},
        {"network_id": n["id"], "name": "bp2"},
    ]})
    ports = server.ok(r, 201)["ports"]
    assert [p["name"] for p in ports] == ["bp1", "bp2"]
    assert ports[0]["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.50.0.5"}]
    before = server.snapshot()
    # all-or-nothing: the third item conflicts with an existing address
    r = server.post("/v2.0/ports", {"ports": [
        {"network_id": n["id"], "name": "ok1"},
        {"network_id": n["id"], "name": "ok2", "fixed_ips": [{"ip_address": "10.50.0.6"}]},
        {"network_id": n["id"], "name": "bad", "fixed_ips": [{"ip_address": "10.50.0.5"}]},
    ]})
    assert_neutron_error(r, 409, "IpAddressAlreadyAllocated")
    r = server.post("/v2.0/networks", {"networks": [{"name": "ok"}, {"name": 7}]})
    assert_neutron_error(r, 400)
    assert server.snapshot() == before
    # the address the failed bulk wanted is still free
    p = server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.50.0.6"}])
    assert p["fixed_ips"][0]["ip_address"] == "10.50.0.6"


# ---------------------------------------------------------------------- IPAM
def pools(subnet):
    return [(p["start"], p["end"]) for p in subnet["allocation_pools"]]


@pytest.mark.parametrize("cidr,extra,gateway,expected_pools", [
    ("10.0.0.0/24", {}, "10.0.0.1", [("10.0.0.2", "10.0.0.254")]),
    ("10.0.1.0/24", {"gateway_ip": "10.0.1.100"}, "10.0.1.100",
     [("10.0.1.1", "10.0.1.99"), ("10.0.1.101", "10.0.1.254")]),
    ("10.0.2.0/24", {"gateway_ip": None}, None, [("10.0.2.1", "10.0.2.254")]),
    ("10.0.3.0/24", {"gateway_ip": "10.9.9.1"}, "10.9.9.1", [("10.0.3.1", "10.0.3.254")]),
    ("10.0.4.0/24", {"gateway_ip": "10.0.4.254"}, "10.0.4.254", [("10.0.4.1", "10.0.4.253")]),
    ("10.0.5.0/30", {}, "10.0.5.1", [("10.0.5.2", "10.0.5.2")]),
    ("172.16.0.0/12", {}, "172.16.0.1", [("172.16.0.2", "172.31.255.254")]),
    ("fd00:1::/64", {}, "fd00:1::", [("fd00:1::1", "fd00:1::ffff:ffff:ffff:ffff")]),
    ("FD00:0002:0000::/64", {}, "fd00:2::", [("fd00:2::1", "fd00:2::ffff:ffff:ffff:ffff")]),
    ("fd00:3::/64", {"gateway_ip": "fd00:3::1"}, "fd00:3::1",
     [("fd00:3::2", "fd00:3::ffff:ffff:ffff:ffff")]),
    ("fd00:4::/120", {}, "fd00:4::", [("fd00:4::1", "fd00:4::ff")]),
])
def test_default_gateway_and_pools(server, cidr, extra, gateway, expected_pools):
    n = server.create("network", name="ipam")
    s = server.subnet(n["id"], cidr, enable_dhcp=False, **extra)
    assert s["gateway_ip"] == gateway
    assert pools(s) == expected_pools
    assert s["cidr"] == str(ipaddress.ip_network(cidr.lower()))
    assert s["ip_version"] == (6 if ":" in cidr else 4)
    assert s["revision_number"] == 0
    for k, v in {"dns_nameservers": [], "host_routes": [], "enable_dhcp": False,
                 "ipv6_ra_mode": None, "ipv6_address_mode": None, "subnetpool_id": None,
                 "service_types": [], "tags": [], "description": "", "name": "",
                 "network_id": n["id"], "project_id": ADMIN_PROJECT}.items():
        assert s[k] == v, (k, s[k])
    assert server.show("network", n["id"])["subnets"] == [s["id"]]


def test_cidr_with_host_bits_is_canonicalised(server):
    n = server.create("network", name="canon")
    s = server.subnet(n["id"], "10.60.0.77/24", enable_dhcp=False)
    assert s["cidr"] == "10.60.0.0/24" and s["gateway_ip"] == "10.60.0.1"


def test_subnet_update_pools_gateway_dns_routes(server):
    n = server.create("network", name="su")
    s = server.subnet(n["id"], "10.61.0.0/24", enable_dhcp=False)
    u = server.update("subnet", s["id"], name="renamed",
                      allocation_pools=[{"start": "10.61.0.10", "end": "10.61.0.20"}],
                      dns_nameservers=["10.61.0.1", "1.1.1.1"],
                      host_routes=[{"destination": "192.168.0.0/16", "nexthop": "10.61.0.254"}])
    assert pools(u) == [("10.61.0.10", "10.61.0.20")]
    assert u["dns_nameservers"] == ["10.61.0.1", "1.1.1.1"]
    assert u["host_routes"] == [{"destination": "192.168.0.0/16", "nexthop": "10.61.0.254"}]
    assert u["revision_number"] == s["revision_number"] + 1
    u = server.update("subnet", s["id"], gateway_ip="10.61.0.5")
    assert u["gateway_ip"] == "10.61.0.5"
    u = server.update("subnet", s["id"], gateway_ip=None)
    assert u["gateway_ip"] is None
    r = server.put("/v2.0/subnets/" + s["id"], {"subnet": {"gateway_ip": "10.61.0.15"}})
    err = assert_neutron_error(r, 409, "GatewayConflictWithAllocationPools")
    assert err["message"].startswith("Gateway ip 10.61.0.15 conflicts with allocation pool")
    # automatic addresses now come from the new pool only
    p = server.create("port", network_id=n["id"])
    ip = ipaddress.ip_address(p["fixed_ips"][0]["ip_address"])
    assert ipaddress.ip_address("10.61.0.10") <= ip <= ipaddress.ip_address("10.61.0.20")


def test_overlapping_subnets(server):
    n = server.create("network", name="ov")
    server.subnet(n["id"], "10.62.0.0/24", enable_dhcp=False)
    r = server.post("/v2.0/subnets", {"subnet": {"network_id": n["id"], "ip_version": 4,
                                                 "cidr": "10.62.0.0/25"}})
    err = assert_neutron_error(r, 400, "InvalidInput")
    assert "overlaps with another subnet" in err["message"]
    # overlap across networks is fine
    n2 = server.create("network", name="ov2")
    server.subnet(n2["id"], "10.62.0.0/24", enable_dhcp=False)


def test_fixed_ips_semantics(server):
    n = server.create("network", name="fx")
    s4 = server.subnet(n["id"], "10.70.0.0/24", enable_dhcp=False,
                       allocation_pools=[{"start": "10.70.0.100", "end": "10.70.0.200"}])
    # by address, outside the pool but inside the CIDR
    p1 = server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.70.0.5"}])
    assert p1["fixed_ips"] == [{"subnet_id": s4["id"], "ip_address": "10.70.0.5"}]
    # by subnet: an automatic address from the pool
    p2 = server.create("port", network_id=n["id"], fixed_ips=[{"subnet_id": s4["id"]}])
    ip = ipaddress.ip_address(p2["fixed_ips"][0]["ip_address"])
    assert ipaddress.ip_address("10.70.0.100") <= ip <= ipaddress.ip_address("10.70.0.200")
    # by subnet and address; the gateway may be requested explicitly
    p3 = server.create("port", network_id=n["id"],
                       fixed_ips=[{"subnet_id": s4["id"], "ip_address": "10.70.0.1"}])
    assert p3["fixed_ips"][0]["ip_address"] == "10.70.0.1"
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "fixed_ips": [{"ip_address": "10.70.0.5"}]}})
    err = assert_neutron_error(r, 409, "IpAddressAlreadyAllocated")
    assert err["message"] == "IP address 10.70.0.5 already allocated in subnet %s" % s4["id"]
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "fixed_ips": [{"ip_address": "10.71.0.5"}]}})
    assert_neutron_error(r, 400, "InvalidIpForNetwork")
    # a subnet of another network
    other = server.create("network", name="other")
    so = server.subnet(other["id"], "10.72.0.0/24", enable_dhcp=False)
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "fixed_ips": [{"subnet_id": so["id"]}]}})
    assert_neutron_error(r, 400, "InvalidInput")
    # two subnets: one address from each when asked; only IPv4 one by default
    s6 = server.subnet(n["id"], "fd00:70::/64", enable_dhcp=False)
    p4 = server.create("port", network_id=n["id"],
                       fixed_ips=[{"subnet_id": s4["id"]}, {"subnet_id": s6["id"]}])
    assert sorted(f["subnet_id"] for f in p4["fixed_ips"]) == sorted([s4["id"], s6["id"]])
    # update replaces the list; a released address can be reused
    u = server.update("port", p1["id"], fixed_ips=[{"ip_address": "10.70.0.6"}])
    assert u["fixed_ips"] == [{"subnet_id": s4["id"], "ip_address": "10.70.0.6"}]
    p5 = server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.70.0.5"}])
    assert p5["fixed_ips"][0]["ip_address"] == "10.70.0.5"
    r = server.put("/v2.0/ports/" + p5["id"],
                   {"port": {"fixed_ips": [{"ip_address": "10.70.0.6"}]}})
    assert_neutron_error(r, 409, "IpAddressAlreadyAllocated")
    # deleting a port frees its address
    server.remove("port", u["id"])
    p6 = server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.70.0.6"}])
    assert p6["fixed_ips"][0]["ip_address"] == "10.70.0.6"


def test_port_without_subnets(server):
    n = server.create("network", name="bare")
    p = server.create("port", network_id=n["id"])
    assert p["fixed_ips"] == []


def test_ip_exhaustion(server):
    n = server.create("network", name="small")
    s = server.subnet(n["id"], "10.80.0.0/29", enable_dhcp=False)
    assert pools(s) == [("10.80.0.2", "10.80.0.6")]
    got = set()
    for _ in range(5):
        p = server.create("port", network_id=n["id"])
        got.add(p["fixed_ips"][0]["ip_address"])
    assert got == {"10.80.0.%d" % i for i in range(2, 7)}
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"]}})
    err = assert_neutron_error(r, 409, "IpAddressGenerationFailure")
    assert err["message"] == "No more IP addresses available on network %s." % n["id"]
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "fixed_ips": [{"subnet_id": s["id"]}]}})
    err = assert_neutron_error(r, 409, "IpAddressGenerationFailure")
    # Zed says "on network <net>." here too; the IPAM template names the subnet
    assert err["message"] in ("No more IP addresses available for subnet %s." % s["id"],
                              "No more IP addresses available on network %s." % n["id"])
    # addresses outside the pool can still be requested
    p = server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.80.0.1"}])
    assert p["fixed_ips"][0]["ip_address"] == "10.80.0.1"


def test_mac_addresses(server):
    n = server.create("network", name="macs")
    n2 = server.create("network", name="macs2")
    p = server.create("port", network_id=n["id"], mac_address="FA:16:3E:AA:BB:01")
    # the reference says MACs are sanitised to lower case (Zed echoes the input's case)
    assert p["mac_address"].lower() == "fa:16:3e:aa:bb:01"
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "mac_address": "FA:16:3E:AA:BB:01"}})
    err = assert_neutron_error(r, 409, "MacAddressInUse")
    assert err["message"].lower() == ("unable to complete operation for network %s. the mac "
                                      "address fa:16:3e:aa:bb:01 is in use." % n["id"])
    # the same MAC on another network is fine
    server.create("port", network_id=n2["id"], mac_address="fa:16:3e:aa:bb:01")
    # generated MACs: base_mac prefix, lower case, distinct
    macs = {server.create("port", network_id=n["id"])["mac_address"] for _ in range(20)}
    assert len(macs) == 20 and all(MAC_RE.match(m) for m in macs), macs
    # update to a free MAC, then regenerate with null
    u = server.update("port", p["id"], mac_address="fa:16:3e:aa:bb:02")
    assert u["mac_address"] == "fa:16:3e:aa:bb:02"
    u = server.update("port", p["id"], mac_address=None)
    assert MAC_RE.match(u["mac_address"]) and u["mac_address"] != "fa:16:3e:aa:bb:02"
    other = server.create("port", network_id=n["id"])
    r = server.put("/v2.0/ports/" + other["id"], {"port": {"mac_address": u["mac_address"]}})
    assert_neutron_error(r, 409, "MacAddressInUse")


def test_port_defaults(server):
    n = server.create("network", name="pd")
    s = server.subnet(n["id"], "10.81.0.0/24", enable_dhcp=False)
    p = server.create("port", network_id=n["id"], name="x")
    for k, v in {"name": "x", "description": "", "admin_state_up": True, "status": "DOWN",
                 "device_id": "", "device_owner": "", "network_id": n["id"],
                 "port_security_enabled": True, "allowed_address_pairs": [],
                 "extra_dhcp_opts": [], "tags": [], "binding:vnic_type": "normal",
                 "binding:vif_type": "unbound", "binding:vif_details": {},
                 "binding:profile": {}, "binding:host_id": "",
                 "project_id": ADMIN_PROJECT, "tenant_id": ADMIN_PROJECT}.items():
        assert p[k] == v, (k, p[k], v)
    assert p["fixed_ips"][0]["subnet_id"] == s["id"]
    assert isinstance(p["revision_number"], int)
    assert TIMESTAMP_RE.match(p["created_at"]) and TIMESTAMP_RE.match(p["updated_at"])
    # ports inherit the network's port security; network:* owners never have it
    n2 = server.create("network", name="nops", port_security_enabled=False)
    assert server.create("port", network_id=n2["id"])["port_security_enabled"] is False
    r = server.create("port", network_id=n["id"], device_owner="network:custom")
    assert r["port_security_enabled"] is False


@neutrino_only
def test_dhcp_port_created_with_subnet(server):
    n = server.create("network", name="dh")
    s = server.subnet(n["id"], "10.90.0.0/24",
                      allocation_pools=[{"start": "10.90.0.50", "end": "10.90.0.60"}])
    assert s["enable_dhcp"] is True and s["revision_number"] == 0
    (d,) = server.list("ports", params={"network_id": n["id"]})
    for k, v in {"device_owner": "network:dhcp", "device_id": "reserved_dhcp_port",
                 "port_security_enabled": False, "status": "DOWN", "name": "",
                 "admin_state_up": True, "revision_number": 1,
                 "binding:vif_type": "unbound", "project_id": ADMIN_PROJECT,
                 "fixed_ips": [{"subnet_id": s["id"], "ip_address": "10.90.0.50"}]}.items():
        assert d[k] == v, (k, d[k], v)
    assert MAC_RE.match(d["mac_address"])
    # a second DHCP subnet gets an address on the same DHCP port
    s2 = server.subnet(n["id"], "10.91.0.0/24")
    (d2,) = server.list("ports", params={"network_id": n["id"]})
    assert d2["id"] == d["id"]
    assert sorted((f["subnet_id"], f["ip_address"]) for f in d2["fixed_ips"]) == sorted(
        [(s["id"], "10.90.0.50"), (s2["id"], "10.91.0.2")])
    # ordinary ports skip the DHCP port's address
    p = server.create("port", network_id=n["id"], fixed_ips=[{"subnet_id": s["id"]}])
    assert p["fixed_ips"][0]["ip_address"] != "10.90.0.50"
    # a DHCP-disabled subnet on the same network leaves the DHCP port alone
    before = server.show("port", d["id"])
    s3 = server.subnet(n["id"], "10.93.0.0/24", enable_dhcp=False)
    server.remove("subnet", s3["id"])
    assert server.show("port", d["id"]) == before
    # removing a DHCP subnet removes its address from the DHCP port
    server.remove("subnet", s2["id"])
    d3 = server.show("port", d["id"])
    assert d3["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.90.0.50"}]
    # a DHCP-disabled subnet gets none, and a network with only such subnets has no DHCP port
    n3 = server.create("network", name="nodhcp")
    server.subnet(n3["id"], "10.92.0.0/24", enable_dhcp=False)
    assert server.list("ports", params={"network_id": n3["id"]}) == []
    # the seed's subnet: the pool start is the first address given out
    flat = server.create("network", name="provider", **{
        "provider:network_type": "flat", "provider:physical_network": "provider"})
    seed = server.subnet(flat["id"], "172.16.0.0/12", gateway_ip="172.16.0.1",
                         allocation_pools=[{"start": "172.17.0.0", "end": "172.17.0.255"}])
    (sd,) = server.list("ports", params={"network_id": flat["id"]})
    assert sd["fixed_ips"] == [{"subnet_id": seed["id"], "ip_address": "172.17.0.0"}]


def test_network_in_use(server):
    n = server.create("network", name="inuse")
    s = server.subnet(n["id"], "10.100.0.0/24")
    p = server.create("port", network_id=n["id"], device_owner="compute:nova")
    r = server.delete("/v2.0/networks/" + n["id"])
    err = assert_neutron_error(r, 409, "NetworkInUse")
    assert err["message"].startswith(
        "Unable to complete operation on network %s. There are one or more ports still in "
        "use on the network" % n["id"])
    assert p["id"] in err["message"]
    r = server.delete("/v2.0/subnets/" + s["id"])
    err = assert_neutron_error(r, 409, "SubnetInUse")
    assert err["message"] == ("Unable to complete operation on subnet %s: One or more ports "
                              "have an IP allocation from this subnet." % s["id"])
    server.remove("port", p["id"])
    # only the DHCP port (if any) is left: deleting the network takes it along
    server.remove("network", n["id"])
    assert server.list("ports", params={"network_id": n["id"]}) == []
    assert server.list("subnets", params={"network_id": n["id"]}) == []
    assert_neutron_error(server.get("/v2.0/subnets/" + s["id"]), 404, "SubnetNotFound")


def test_subnet_delete_with_only_dhcp_port(server):
    n = server.create("network", name="sd")
    s = server.subnet(n["id"], "10.101.0.0/24")
    server.remove("subnet", s["id"])
    for p in server.list("ports", params={"network_id": n["id"]}):
        assert all(f["subnet_id"] != s["id"] for f in p["fixed_ips"]), p
    assert server.show("network", n["id"])["subnets"] == []


def test_network_ip_availability(server):
    n = server.create("network", name="avail")
    s = server.subnet(n["id"], "10.110.0.0/24", name="av4", enable_dhcp=False,
                      allocation_pools=[{"start": "10.110.0.10", "end": "10.110.0.19"},
                                        {"start": "10.110.0.30", "end": "10.110.0.34"}])
    for _ in range(3):
        server.create("port", network_id=n["id"])
    server.create("port", network_id=n["id"], fixed_ips=[{"ip_address": "10.110.0.200"}])
    r = server.ok(server.get("/v2.0/network-ip-availabilities/" + n["id"]), 200)
    a = r["network_ip_availability"]
    assert a["network_id"] == n["id"] and a["network_name"] == "avail"
    assert a["project_id"] == ADMIN_PROJECT and a["tenant_id"] == ADMIN_PROJECT
    assert a["total_ips"] == 15 and a["used_ips"] == 4
    (sa,) = a["subnet_ip_availability"]
    assert sa == {"subnet_id": s["id"], "subnet_name": "av4", "cidr": "10.110.0.0/24",
                  "ip_version": 4, "total_ips": 15, "used_ips": 4}
    lst = server.ok(server.get("/v2.0/network-ip-availabilities"), 200)
    assert [x for x in lst["network_ip_availabilities"] if x["network_id"] == n["id"]] == [a]
    lst = server.ok(server.get("/v2.0/network-ip-availabilities",
                               params={"network_name": "avail"}), 200)
    assert lst["network_ip_availabilities"] == [a]
    lst = server.ok(server.get("/v2.0/network-ip-availabilities",
                               params={"network_name": "nope"}), 200)
    assert lst["network_ip_availabilities"] == []


def test_network_ip_availability_ipv6_counts_and_fields(server):
    n = server.create("network", name="big")
    s6 = server.subnet(n["id"], "fd00:77::/64", enable_dhcp=False)
    s4 = server.subnet(n["id"], "10.111.0.0/24", enable_dhcp=False)
    a = server.ok(server.get("/v2.0/network-ip-availabilities/" + n["id"]),
                  200)["network_ip_availability"]
    per = {x["subnet_id"]: x for x in a["subnet_ip_availability"]}
    # exact numbers, as neutron-server's Python integers give them (fd00:77::1 .. ::ffff...)
    assert per[s6["id"]]["total_ips"] == 2 ** 64 - 1
    assert per[s4["id"]]["total_ips"] == 253
    assert a["total_ips"] == 2 ** 64 - 1 + 253
    lst = server.ok(server.get("/v2.0/network-ip-availabilities", params=[
        ("network_id", n["id"]), ("fields", "network_name"), ("fields", "used_ips")]), 200)
    assert lst["network_ip_availabilities"] == [{"network_name": "big", "used_ips": 0}]


def test_slaac_subnet_addresses(server):
    n = server.create("network", name="slaac")
    s4 = server.subnet(n["id"], "10.112.0.0/24", enable_dhcp=False)
    s6 = server.subnet(n["id"], "fd00:112::/64", ipv6_address_mode="slaac",
                       ipv6_ra_mode="slaac")
    p = server.create("port", network_id=n["id"], mac_address="fa:16:3e:12:34:56",
                      fixed_ips=[{"subnet_id": s4["id"]}])
    # an auto-address subnet always gives its EUI-64 address, asked for or not
    by_subnet = {f["subnet_id"]: f["ip_address"] for f in p["fixed_ips"]}
    assert by_subnet[s6["id"]] == "fd00:112::f816:3eff:fe12:3456"
    assert s4["id"] in by_subnet
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"subnet_id": s6["id"], "ip_address": "fd00:112::5"}]}})
    assert_neutron_error(r, 400, "AllocationOnAutoAddressSubnet")


@pytest.mark.parametrize("mode", ["slaac", "dhcpv6-stateless"])
def test_delete_auto_address_subnet_with_ports(server, mode):
    """An auto-address subnet goes even with ports on it, taking their
    addresses along (Neutron's, Tempest's _test_delete_subnet_with_ports);
    the ports stay, so the network cannot go."""
    n = server.create("network", name="auto")
    s4 = server.subnet(n["id"], "10.113.0.0/24")
    s6 = server.subnet(n["id"], "fd00:113::/64", ipv6_address_mode=mode,
                       ipv6_ra_mode=mode)
    p = server.create("port", network_id=n["id"])
    assert {f["subnet_id"] for f in p["fixed_ips"]} == {s4["id"], s6["id"]}
    server.ok(server.delete("/v2.0/subnets/" + s6["id"]), 204)
    got = server.ok(server.get("/v2.0/ports/" + p["id"]), 200)["port"]
    assert [f["subnet_id"] for f in got["fixed_ips"]] == [s4["id"]]
    assert got["revision_number"] > p["revision_number"]
    r = server.delete("/v2.0/networks/" + n["id"])
    err = assert_neutron_error(r, 409, "NetworkInUse")
    assert "There are one or more ports still in use on the network" in err["message"]
    # Ordinary subnets still refuse.
    r = server.delete("/v2.0/subnets/" + s4["id"])
    assert_neutron_error(r, 409, "SubnetInUse")


def test_port_extension_defaults(server):
    n = server.create("network", name="ext")
    p = server.create("port", network_id=n["id"],
                      allowed_address_pairs=[{"ip_address": "10.113.0.200"}],
                      extra_dhcp_opts=[{"opt_name": "mtu", "opt_value": "1400"}])
    # neutron-server fills in the port's MAC and IP version 4
    assert p["allowed_address_pairs"] == [{"ip_address": "10.113.0.200",
                                           "mac_address": p["mac_address"]}]
    assert p["extra_dhcp_opts"] == [{"opt_name": "mtu", "opt_value": "1400",
                                     "ip_version": 4}]


@pytest.mark.parametrize("opt", [
    {"opt_name": "bootfile-name", "opt_value": "pxe.0\ndhcp-host=evil"},
    {"opt_name": "bootfile-name\n", "opt_value": "pxe.0"},
    {"opt_name": "bootfile-name", "opt_value": "pxe.0\r"},
    {"opt_name": "bootfile-name", "opt_value": "pxe\u00000"},
])
def test_extra_dhcp_opts_no_line_breaks(server, opt):
    """A line break would become a line of dnsmasq's files."""
    n = server.create("network", name="opts")
    r = server.post("/v2.0/ports", {"port": {"network_id": n["id"],
                                             "extra_dhcp_opts": [opt]}})
    assert_neutron_error(r, 400)
    p = server.create("port", network_id=n["id"])
    r = server.put("/v2.0/ports/" + p["id"],
                   {"port": {"extra_dhcp_opts": [opt]}})
    assert_neutron_error(r, 400)


def test_vlan_segmentation_id_update(server):
    n = server.create("network", name="seg", **{
        "provider:network_type": "vlan", "provider:physical_network": "provider",
        "provider:segmentation_id": 1700})
    u = server.update("network", n["id"], **{"provider:segmentation_id": 1701})
    assert u["provider:segmentation_id"] == 1701
    # the old id is free again, the new one taken
    m = server.create("network", name="seg2", **{
        "provider:network_type": "vlan", "provider:physical_network": "provider",
        "provider:segmentation_id": 1700})
    assert m["provider:segmentation_id"] == 1700
    r = server.post("/v2.0/networks", {"network": {
        "name": "seg3", "provider:network_type": "vlan",
        "provider:physical_network": "provider", "provider:segmentation_id": 1701}})
    assert_neutron_error(r, 409, "VlanIdInUse")


# ---------------------------------------------------------------------- configuration
@needs_process
def test_no_network_available_when_vlans_run_out(make_server):
    s = make_server(extra_files=[{"ml2_type_vlan": {"network_vlan_ranges":
                                                    "provider:1000:1001"}}])
    a = s.create("network", name="a")
    b = s.create("network", name="b")
    assert sorted([a["provider:segmentation_id"], b["provider:segmentation_id"]]) == [1000,
                                                                                    1001]
    r = s.post("/v2.0/networks", {"network": {"name": "c"}})
    assert_neutron_error(r, 503, "NoNetworkAvailable")
    assert [x["name"] for x in s.list("networks", params={"sort_key": "name",
                                                          "sort_dir": "asc"})] == ["a", "b"]
    s.remove("network", a["id"])
    c = s.create("network", name="c")
    assert c["provider:segmentation_id"] == a["provider:segmentation_id"]
    # explicit segmentation ids outside the tenant range are still allowed for admins
    d = s.create("network", name="d", **{"provider:network_type": "vlan",
                                         "provider:physical_network": "provider",
                                         "provider:segmentation_id": 3000})
    assert d["provider:segmentation_id"] == 3000


@needs_process
def test_mtu_from_physical_network_mtus(make_server):
    s = make_server(overrides={"ml2": {"physical_network_mtus": "provider:1400"}})
    assert s.create("network", name="m")["mtu"] == 1400
    s2 = make_server(overrides={"DEFAULT": {"global_physnet_mtu": "9000"}})
    assert s2.create("network", name="m")["mtu"] == 9000


@needs_process
def test_base_mac(make_server):
    s = make_server(overrides={"DEFAULT": {"base_mac": "fa:16:3f:12:00:00"}})
    n = s.create("network", name="m")
    for _ in range(5):
        mac = s.create("port", network_id=n["id"])["mac_address"]
        assert re.match(r"^fa:16:3f:12:[0-9a-f]{2}:[0-9a-f]{2}$", mac), mac


@needs_process
@pytest.mark.parametrize("overrides", [
    {"DEFAULT": {"bind_port": "not-a-port"}},
    {"DEFAULT": {"base_mac": "zz:zz"}},
    {"ml2_type_vlan": {"network_vlan_ranges": "provider:2000:1000"}},
    {"database": {"connection": "mysql://nowhere/db"}},
], ids=["bind_port", "base_mac", "vlan_range", "db_url"])
def test_invalid_config_exits_nonzero(tmp_path, overrides):
    s = Server(tmp_path / "bad", overrides=overrides)
    p = subprocess.run(s.command(), capture_output=True, timeout=20)
    assert p.returncode != 0
    assert p.stderr.strip(), "no message on stderr"
    assert b"listening on" not in p.stdout


@needs_process
def test_missing_config_file_exits_nonzero(tmp_path):
    p = subprocess.run([SERVER_BIN, "--config-file", str(tmp_path / "nope.conf")],
                       capture_output=True, timeout=20)
    assert p.returncode != 0 and p.stderr.strip()


@needs_process
def test_sigterm_is_clean_and_data_persists(server):
    n = server.create("network", name="persist")
    pid = server.proc.pid
    rc = server.stop()
    assert rc == 0, "exit status %r after SIGTERM; stderr:\n%s" % (rc, server.stderr_tail())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    server.start()
    assert server.show("network", n["id"])["name"] == "persist"


@needs_process
def test_later_config_file_wins(make_server):
    s = make_server(extra_files=[{"DEFAULT": {"noauth_project_id": "p-from-second"}}])
    assert s.create("network", name="x")["project_id"] == "p-from-second"
