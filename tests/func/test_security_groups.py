"""Security groups, rules, port security, allowed address pairs and address groups
(issue 6, the API), the feed's security and address groups and the binding's firewall
details (docs/agent-protocol.md).

The expectations were taken from neutron-server 21 run as tests/func/README.md describes;
the tests that need neutrino's own paths or a server process are marked."""

import threading
import time

import pytest

from conftest import ADMIN_PROJECT, OTHER_PROJECT, assert_neutron_error, needs_process

SG = "/v2.0/security-groups"
SGR = "/v2.0/security-group-rules"
AG = "/v2.0/address-groups"
RULE_KEYS = {"id", "tenant_id", "project_id", "security_group_id", "ethertype", "direction",
             "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
             "remote_address_group_id", "normalized_cidr", "remote_group_id", "description",
             "created_at", "updated_at", "revision_number"}


def lst(server, coll, params=None, **kw):
    """GET /v2.0/<coll> (a dashed collection); the items."""
    return server.ok(server.get("/v2.0/" + coll, params=params, **kw),
                     200)[coll.replace("-", "_")]


def sg_create(server, project=None, **attrs):
    return server.ok(server.post(SG, {"security_group": attrs}, project=project),
                     201)["security_group"]


def rule_create(server, sg_id, **attrs):
    attrs.setdefault("direction", "ingress")
    attrs["security_group_id"] = sg_id
    return server.ok(server.post(SGR, {"security_group_rule": attrs}), 201)["security_group_rule"]


def rule_post(server, sg_id, **attrs):
    attrs.setdefault("direction", "ingress")
    attrs["security_group_id"] = sg_id
    return server.post(SGR, {"security_group_rule": attrs})


def default_group(server, project=None):
    params = {"name": "default", "project_id": project or ADMIN_PROJECT}
    (sg,) = server.ok(server.get(SG, params=params, project=project),
                      200)["security_groups"]
    return sg


def net_with_subnet(server, name="n", cidr="10.60.0.0/24", **attrs):
    net = server.create("network", name=name, **attrs)
    server.subnet(net["id"], cidr, enable_dhcp=False)
    return net


# ---------------------------------------------------------------------- groups
def test_default_group_made_on_first_list(server):
    (sg,) = server.ok(server.get(SG), 200)["security_groups"]
    assert sg["name"] == "default" and sg["description"] == "Default security group"
    assert sg["stateful"] is True and sg["shared"] is False and sg["tags"] == []
    assert sg["project_id"] == sg["tenant_id"] == ADMIN_PROJECT
    assert sg["revision_number"] == 1
    rules = sg["security_group_rules"]
    assert len(rules) == 4
    for r in rules:
        assert RULE_KEYS <= set(r)
        assert r["protocol"] is None and r["remote_ip_prefix"] is None
        assert r["port_range_min"] is None and r["description"] is None
    assert sorted((r["direction"], r["ethertype"], r["remote_group_id"]) for r in rules) == [
        ("egress", "IPv4", None), ("egress", "IPv6", None),
        ("ingress", "IPv4", sg["id"]), ("ingress", "IPv6", sg["id"])]
    # listed again: still one; another project gets its own
    assert [g["id"] for g in lst(server, "security-groups")] == [sg["id"]]
    other = default_group(server, project=OTHER_PROJECT)
    assert other["id"] != sg["id"] and other["project_id"] == OTHER_PROJECT
    # listing rules makes the default group too
    third = "7" * 32
    rules = server.ok(server.get(SGR, project=third), 200)["security_group_rules"]
    assert {r["project_id"] for r in rules} >= {third}


def test_default_group_made_with_network_and_port(server):
    net = server.create("network", name="n")
    (sg,) = [g for g in lst(server, "security-groups") if g["name"] == "default"]
    port = server.create("port", network_id=net["id"])
    assert port["security_groups"] == [sg["id"]]


def test_group_crud(server):
    sg = sg_create(server, name="web", description="web servers")
    assert sg["name"] == "web" and sg["description"] == "web servers"
    assert sg["stateful"] is True and sg["revision_number"] == 1
    rules = sg["security_group_rules"]
    assert sorted((r["direction"], r["ethertype"]) for r in rules) == [
        ("egress", "IPv4"), ("egress", "IPv6")]
    assert all(r["description"] is None and r["remote_group_id"] is None for r in rules)
    shown = server.ok(server.get(SG + "/" + sg["id"]), 200)["security_group"]
    assert shown == sg
    upd = server.ok(server.put(SG + "/" + sg["id"], {"security_group": {
        "name": "web2", "stateful": False}}), 200)["security_group"]
    assert upd["name"] == "web2" and upd["stateful"] is False
    assert upd["revision_number"] == 2
    r = server.put(SG + "/" + sg["id"], {"security_group": {"id": "x"}})
    assert_neutron_error(r, 400, "HTTPBadRequest")
    server.ok(server.delete(SG + "/" + sg["id"]), 204)
    err = assert_neutron_error(server.get(SG + "/" + sg["id"]), 404, "SecurityGroupNotFound")
    assert err["message"] == "Security group %s does not exist" % sg["id"]
    assert_neutron_error(server.delete(SG + "/" + sg["id"]), 404, "SecurityGroupNotFound")
    # a group's rules go with it
    assert lst(server, "security-group-rules", params={"security_group_id": sg["id"]}) == []


def test_group_named_default(server):
    for name in ("default", "Default"):
        r = server.post(SG, {"security_group": {"name": name}})
        err = assert_neutron_error(r, 409, "SecurityGroupDefaultAlreadyExists")
        assert err["message"] == "Default security group already exists."
    d = default_group(server)
    r = server.put(SG + "/" + d["id"], {"security_group": {"name": "x"}})
    err = assert_neutron_error(r, 409, "SecurityGroupCannotUpdateDefault")
    assert err["message"] == "Updating default security group not allowed."
    upd = server.ok(server.put(SG + "/" + d["id"], {"security_group": {
        "description": "mine"}}), 200)["security_group"]
    assert upd["description"] == "mine"
    sg = sg_create(server, name="web")
    r = server.put(SG + "/" + sg["id"], {"security_group": {"name": "DEFAULT"}})
    assert_neutron_error(r, 409, "SecurityGroupDefaultAlreadyExists")


@needs_process
def test_admin_deletes_default_group_and_it_comes_back(server):
    # noauth requests are admin requests: Neutron lets an admin delete it
    d = default_group(server)
    server.ok(server.delete(SG + "/" + d["id"]), 204)
    again = default_group(server)
    assert again["id"] != d["id"]


def test_group_in_use(server):
    net = net_with_subnet(server)
    sg = sg_create(server, name="web")
    port = server.create("port", network_id=net["id"], security_groups=[sg["id"]])
    err = assert_neutron_error(server.delete(SG + "/" + sg["id"]), 409, "SecurityGroupInUse")
    assert err["message"] == "Security Group %s in use." % sg["id"]
    r = server.put(SG + "/" + sg["id"], {"security_group": {"stateful": False}})
    assert_neutron_error(r, 409, "SecurityGroupInUse")
    server.update("port", port["id"], security_groups=[])
    server.ok(server.delete(SG + "/" + sg["id"]), 204)


def test_group_list_filters_fields_sort_paging_tags(server):
    default_group(server)
    a = sg_create(server, name="a")
    b = sg_create(server, name="b", stateful=False)
    names = lambda groups: [g["name"] for g in groups]
    assert names(lst(server, "security-groups", params={"name": "a"})) == ["a"]
    assert names(lst(server, "security-groups", params={"sort_key": "name",
                                                         "sort_dir": "desc"})) == [
        "default", "b", "a"]
    only = lst(server, "security-groups", params={"fields": ["id", "name"], "name": "b"})
    assert only == [{"id": b["id"], "name": "b"}]
    assert len(lst(server, "security-groups", params={"shared": "false"})) == 3
    assert lst(server, "security-groups", params={"shared": "true"}) == []
    body = server.ok(server.get(SG, params={"limit": 2, "sort_key": "name",
                                            "sort_dir": "asc"}), 200)
    assert names(body["security_groups"]) == ["a", "b"]
    assert body["security_groups_links"][0]["rel"] == "next"
    r = server.get(SG, params={"stateful": "false"})
    assert_neutron_error(r, 400, "HTTPBadRequest")
    server.ok(server.put(SG + "/" + a["id"] + "/tags/red", None), 201)
    (tagged,) = lst(server, "security-groups", params={"tags": "red"})
    assert tagged["id"] == a["id"] and tagged["tags"] == ["red"]
    assert tagged["revision_number"] == 2


# ---------------------------------------------------------------------- rules
def test_rule_create_show_delete(server):
    sg = sg_create(server, name="web")
    r = rule_create(server, sg["id"], protocol="TCP", port_range_min=22, port_range_max=22,
                    remote_ip_prefix="10.0.0.5/24", description="ssh")
    assert set(r) == RULE_KEYS
    assert r["protocol"] == "tcp" and r["ethertype"] == "IPv4"
    assert r["remote_ip_prefix"] == "10.0.0.5/24" and r["normalized_cidr"] == "10.0.0.0/24"
    assert r["description"] == "ssh" and r["revision_number"] == 0
    assert r["project_id"] == ADMIN_PROJECT and r["remote_address_group_id"] is None
    shown = server.ok(server.get(SGR + "/" + r["id"]), 200)["security_group_rule"]
    assert shown == r
    group = server.ok(server.get(SG + "/" + sg["id"]), 200)["security_group"]
    assert group["revision_number"] == 2
    assert r["id"] in [x["id"] for x in group["security_group_rules"]]
    # the same rule again, however written
    for again in ({"protocol": "6"}, {"protocol": "tcp", "description": "other"}):
        body = dict(port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.5/24")
        body.update(again)
        err = assert_neutron_error(rule_post(server, sg["id"], **body), 409,
                                   "SecurityGroupRuleExists")
        assert err["message"] == ("Security group rule already exists. Rule id is %s."
                                  % r["id"])
    # rules cannot be changed
    r2 = server.put(SGR + "/" + r["id"], {"security_group_rule": {"description": "x"}})
    assert r2.status_code == 405
    server.ok(server.delete(SGR + "/" + r["id"]), 204)
    err = assert_neutron_error(server.get(SGR + "/" + r["id"]), 404,
                               "SecurityGroupRuleNotFound")
    assert err["message"] == "Security group rule %s does not exist" % r["id"]
    group = server.ok(server.get(SG + "/" + sg["id"]), 200)["security_group"]
    assert group["revision_number"] == 3


@pytest.mark.parametrize("attrs,status,etype,out", [
    ({"protocol": "any"}, 400, "SecurityGroupRuleInvalidProtocol", None),
    ({"protocol": 17}, 201, None, {"protocol": "17"}),
    ({"protocol": "icmp", "ethertype": "ipv6"}, 201, None,
     {"protocol": "ipv6-icmp", "ethertype": "IPv6"}),
    ({"protocol": "58"}, 400, "SecurityGroupEthertypeConflictWithProtocol", None),
    ({"protocol": "tcp", "port_range_min": 1, "port_range_max": 65535}, 201, None,
     {"port_range_min": None, "port_range_max": None}),
    ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 10}, 400,
     "SecurityGroupInvalidPortValue", None),
    ({"protocol": "udp", "port_range_min": 20, "port_range_max": 10}, 400,
     "SecurityGroupInvalidPortRange", None),
    ({"port_range_min": 22, "port_range_max": 22}, 400,
     "SecurityGroupProtocolRequiredWithPorts", None),
    ({"protocol": "icmp", "port_range_min": 8, "port_range_max": 0}, 201, None,
     {"port_range_min": 8, "port_range_max": 0}),
    ({"protocol": "icmp", "port_range_max": 0}, 400, "SecurityGroupMissingIcmpType", None),
    ({"protocol": "icmp", "port_range_min": 300}, 400, "SecurityGroupInvalidIcmpValue",
     None),
    ({"protocol": "gre", "port_range_min": 1}, 400, "SecurityGroupInvalidProtocolForPort",
     None),
    ({"remote_ip_prefix": "10.0.0.0/8", "ethertype": "IPv6"}, 400,
     "SecurityGroupRuleParameterConflict", None),
    ({"remote_ip_prefix": "1.2.3.4"}, 201, None,
     {"remote_ip_prefix": "1.2.3.4/32", "normalized_cidr": "1.2.3.4/32"}),
    ({"remote_ip_prefix": "x"}, 400, "InvalidCIDR", None),
    ({"ethertype": "ipx"}, 400, "SecurityGroupRuleInvalidEtherType", None),
    ({"direction": "up"}, 400, "HTTPBadRequest", None),
    ({"foo": 1}, 400, "HTTPBadRequest", None),
    ({"remote_group_id": "nope"}, 404, "SecurityGroupNotFound", None),
    ({"remote_address_group_id": "nope"}, 404, "AddressGroupNotFound", None),
])
def test_rule_validation(server, attrs, status, etype, out):
    sg = sg_create(server, name="v")
    r = rule_post(server, sg["id"], **attrs)
    if etype:
        assert_neutron_error(r, status, etype)
    else:
        rule = server.ok(r, status)["security_group_rule"]
        for k, v in out.items():
            assert rule[k] == v, (k, rule[k], v)


def test_rule_references(server):
    sg = sg_create(server, name="web")
    other = sg_create(server, name="other")
    r = rule_post(server, sg["id"], remote_group_id=other["id"], remote_ip_prefix="1.0.0.0/8")
    assert_neutron_error(r, 400, "SecurityGroupMultipleRemoteEntites")
    assert_neutron_error(rule_post(server, "nope"), 404, "SecurityGroupNotFound")
    r = server.post(SGR, {"security_group_rule": {"security_group_id": sg["id"]}})
    assert_neutron_error(r, 400, "HTTPBadRequest")
    rule = rule_create(server, sg["id"], remote_group_id=other["id"], protocol="tcp")
    assert rule["remote_group_id"] == other["id"]
    # deleting the remote group takes the rules that name it
    server.ok(server.delete(SG + "/" + other["id"]), 204)
    assert_neutron_error(server.get(SGR + "/" + rule["id"]), 404, "SecurityGroupRuleNotFound")


def test_rule_list_filters(server):
    sg = sg_create(server, name="web")
    rule_create(server, sg["id"], protocol="tcp", port_range_min=80, port_range_max=80)
    rule_create(server, sg["id"], protocol="udp", port_range_min=53, port_range_max=53)
    got = lst(server, "security-group-rules", params={"security_group_id": sg["id"],
                                                      "direction": "ingress"})
    assert sorted(r["protocol"] for r in got) == ["tcp", "udp"]
    got = lst(server, "security-group-rules", params={"security_group_id": sg["id"],
                                                      "port_range_min": 80,
                                                      "fields": "protocol"})
    assert got == [{"protocol": "tcp"}]


# ---------------------------------------------------------------------- ports
def test_port_groups(server):
    net = net_with_subnet(server)
    d = default_group(server)
    web = sg_create(server, name="web")
    p = server.create("port", network_id=net["id"])
    assert p["security_groups"] == [d["id"]] and p["port_security_enabled"] is True
    p_web = server.create("port", network_id=net["id"],
                          security_groups=[web["id"], web["id"]])
    assert p_web["security_groups"] == [web["id"]]
    p = server.create("port", network_id=net["id"], security_groups=[])
    assert p["security_groups"] == []
    p = server.create("port", network_id=net["id"], security_groups=None)
    assert p["security_groups"] == []
    u = server.update("port", p["id"], security_groups=[web["id"], d["id"]])
    assert sorted(u["security_groups"]) == sorted([web["id"], d["id"]])
    ports = server.list("ports", params={"security_groups": web["id"]})
    assert sorted(x["id"] for x in ports) == sorted([p["id"], p_web["id"]])
    missing = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": [missing]}})
    err = assert_neutron_error(r, 404, "SecurityGroupNotFound")
    assert err["message"] == "Security group %s does not exist" % missing
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": ["x"]}})
    assert_neutron_error(r, 400, "HTTPBadRequest")
    stateless = sg_create(server, name="sl", stateful=False)
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": [web["id"], stateless["id"]]}})
    assert_neutron_error(r, 409, "SecurityGroupConflict")


def test_port_security(server):
    net = net_with_subnet(server)
    web = sg_create(server, name="web")
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "port_security_enabled": False,
                                             "security_groups": [web["id"]]}})
    err = assert_neutron_error(r, 400, "PortSecurityAndIPRequiredForSecurityGroups")
    assert err["message"] == ("Port security must be enabled and port must have an IP "
                              "address in order to use security groups.")
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "port_security_enabled": False,
                                             "allowed_address_pairs": [
                                                 {"ip_address": "10.60.0.9"}]}})
    assert_neutron_error(r, 409, "AddressPairAndPortSecurityRequired")
    off = server.create("port", network_id=net["id"], port_security_enabled=False)
    assert off["security_groups"] == [] and off["port_security_enabled"] is False
    p = server.create("port", network_id=net["id"])
    r = server.put("/v2.0/ports/" + p["id"], {"port": {"port_security_enabled": False}})
    err = assert_neutron_error(r, 409, "PortSecurityPortHasSecurityGroup")
    assert err["message"] == ("Port has security group associated. Cannot disable port "
                              "security or IP address until security group is removed.")
    u = server.update("port", p["id"], port_security_enabled=False, security_groups=[])
    assert u["port_security_enabled"] is False and u["security_groups"] == []
    r = server.put("/v2.0/ports/" + p["id"], {"port": {"security_groups": [web["id"]]}})
    assert_neutron_error(r, 400, "PortSecurityAndIPRequiredForSecurityGroups")
    pp = server.create("port", network_id=net["id"],
                       allowed_address_pairs=[{"ip_address": "10.60.0.99"}])
    r = server.put("/v2.0/ports/" + pp["id"], {"port": {"port_security_enabled": False,
                                                         "security_groups": []}})
    assert_neutron_error(r, 409, "AddressPairAndPortSecurityRequired")
    # the network's setting is every new port's
    net2 = net_with_subnet(server, name="n2", cidr="10.61.0.0/24", port_security_enabled=False)
    p2 = server.create("port", network_id=net2["id"])
    assert p2["port_security_enabled"] is False and p2["security_groups"] == []
    # network:* ports never have groups
    dh = server.create("port", network_id=net["id"], device_owner="network:dhcp")
    assert dh["security_groups"] == [] and dh["port_security_enabled"] is False


@pytest.mark.parametrize("pairs,status,etype", [
    ([{"ip_address": "10.60.0.0/24"}], 201, None),
    ([{"ip_address": "10.60.0.7", "mac_address": "FA:16:3E:00:00:01"}], 201, None),
    ([{"ip_address": "2001:db8::5"}], 201, None),
    ([{"mac_address": "fa:16:3e:00:00:01"}], 400, "AllowedAddressPairsMissingIP"),
    ([{"ip_address": "10.60.0.7"}, {"ip_address": "10.60.0.7"}], 400,
     "DuplicateAddressPairInRequest"),
    ([{"ip_address": "x"}], 400, "HTTPBadRequest"),
    ([{"ip_address": "10.0.0.0/33"}], 400, "HTTPBadRequest"),
    ([{"ip_address": "10.60.0.7", "mac_address": "nope"}], 400, "HTTPBadRequest"),
    ([{"ip_address": "10.60.0.7", "foo": 1}], 400, "HTTPBadRequest"),
    ([{"ip_address": "10.60.1.%d" % i} for i in range(11)], 400,
     "AllowedAddressPairExhausted"),
    ("x", 400, "HTTPBadRequest"),
])
def test_allowed_address_pairs(server, pairs, status, etype):
    net = net_with_subnet(server)
    r = server.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "allowed_address_pairs": pairs}})
    if etype:
        assert_neutron_error(r, status, etype)
        return
    p = server.ok(r, 201)["port"]
    (pair,) = p["allowed_address_pairs"]
    assert pair["ip_address"] == pairs[0]["ip_address"]
    assert pair["mac_address"] == pairs[0].get("mac_address", p["mac_address"])


# ---------------------------------------------------------------------- address groups
def test_address_groups(server):
    r = server.post(AG, {"address_group": {"name": "ag", "addresses": [
        "10.0.0.1/24", "10.1.0.5/32", "2001:DB8::1/64", "10.0.0.0/24"]}})
    ag = server.ok(r, 201)["address_group"]
    assert set(ag) == {"id", "name", "description", "project_id", "tenant_id", "addresses"}
    assert ag["addresses"] == ["10.0.0.0/24", "10.1.0.5/32", "2001:db8::/64"]
    for bad, msg in (("10.1.0.5", "'10.1.0.5' isn't a recognized IP subnet cidr, "
                                  "'10.1.0.5/32' is recommended"),
                     ("10.0.0.1/33", "'10.0.0.1/33' is not a valid IP subnet")):
        r = server.post(AG, {"address_group": {"name": "x", "addresses": [bad]}})
        err = assert_neutron_error(r, 400, "HTTPBadRequest")
        assert err["message"] == "Invalid input for addresses. Reason: %s." % msg
    url = AG + "/" + ag["id"]
    got = server.ok(server.put(url + "/add_addresses", {"addresses": ["10.9.0.0/24"]}),
                    200)["address_group"]
    assert got["addresses"][-1] == "10.9.0.0/24"
    err = assert_neutron_error(server.put(url + "/add_addresses",
                                          {"addresses": ["10.0.0.0/24"]}),
                               400, "AddressesAlreadyExist")
    assert err["message"] == ("Addresses ['10.0.0.0/24'] already exist in the address "
                              "group %s." % ag["id"])
    assert_neutron_error(server.put(url + "/remove_addresses",
                                    {"addresses": ["10.8.0.0/24"]}), 404, "AddressesNotFound")
    assert_neutron_error(server.put(url + "/add_addresses", {"addresses": ["x/33"]}),
                         400, "AddrFormatError")
    got = server.ok(server.put(url + "/remove_addresses",
                               {"addresses": ["10.9.0.1/24", "10.1.0.5/32"]}),
                    200)["address_group"]
    assert got["addresses"] == ["10.0.0.0/24", "2001:db8::/64"]
    r = server.put(url, {"address_group": {"addresses": []}})
    err = assert_neutron_error(r, 400, "HTTPBadRequest")
    assert err["message"] == "Cannot update read-only attribute addresses"
    upd = server.ok(server.put(url, {"address_group": {"name": "ag2"}}), 200)["address_group"]
    assert upd["name"] == "ag2"
    assert [a["id"] for a in lst(server, "address-groups", params={"name": "ag2"})] == [
        ag["id"]]
    sg = sg_create(server, name="web")
    rule = rule_create(server, sg["id"], remote_address_group_id=ag["id"])
    assert rule["remote_address_group_id"] == ag["id"]
    err = assert_neutron_error(server.delete(url), 409, "AddressGroupInUse")
    assert err["message"] == ("Address group %s is in use on one or more security group "
                              "rules." % ag["id"])
    server.ok(server.delete(SGR + "/" + rule["id"]), 204)
    server.ok(server.delete(url), 204)
    err = assert_neutron_error(server.get(url), 404, "AddressGroupNotFound")
    assert err["message"] == "Address group %s could not be found." % ag["id"]


# ---------------------------------------------------------------------- extensions
def test_extensions_listed(server):
    aliases = {e["alias"] for e in server.ok(server.get("/v2.0/extensions"),
                                             200)["extensions"]}
    assert {"security-group", "port-security", "allowed-address-pairs",
            "stateful-security-group", "address-group", "security-groups-normalized-cidr",
            "security-groups-remote-address-group", "port-security-groups-filtering",
            "security-groups-shared-filtering"} <= aliases
    ext = server.ok(server.get("/v2.0/extensions/security-group"), 200)["extension"]
    assert ext["name"] == "security-group"
    assert ext["description"] == "The security groups extension."


# ---------------------------------------------------------------------- feed and binding
def feed(server, since=None, host=None):
    params = {"timeout": 0}
    if since is not None:
        params["since"] = since
    if host:
        params["host"] = host
    return server.ok(server.get("/neutrino/v1/feed", params=params), 200)


def changes_of(answer, resource):
    return [c for c in answer["changes"] if c["resource"] == resource]


@needs_process
def test_feed_carries_groups_and_members(server):
    net = net_with_subnet(server)
    web = sg_create(server, name="web")
    ag = server.ok(server.post(AG, {"address_group": {"name": "ag", "addresses": [
        "192.0.2.0/24"]}}), 201)["address_group"]
    snap = feed(server, host="compute9")
    assert snap["resync"] is True
    groups = {g["name"]: g for g in snap["security_groups"]}
    assert set(groups) == {"default", "web"}
    assert groups["web"]["members"] == {"IPv4": [], "IPv6": []}
    shown = server.ok(server.get(SG + "/" + web["id"]), 200)["security_group"]
    assert {k: v for k, v in groups["web"].items() if k != "members"} == shown
    assert snap["address_groups"] == [
        server.ok(server.get(AG + "/" + ag["id"]), 200)["address_group"]]
    rev = snap["revision"]

    # a port joins: the group changes once, with its addresses as members
    p = server.create("port", network_id=net["id"], security_groups=[web["id"]],
                      allowed_address_pairs=[{"ip_address": "10.60.0.0/28"},
                                             {"ip_address": "2001:db8::7"}])
    ans = feed(server, rev, host="compute9")  # the port is not this host's
    assert changes_of(ans, "port") == []
    (ch,) = changes_of(ans, "security_group")
    assert ch["id"] == web["id"]
    ip = p["fixed_ips"][0]["ip_address"]
    assert ch["object"]["members"] == {"IPv4": [ip, "10.60.0.0/28"], "IPv6": ["2001:db8::7"]}
    rev = ans["revision"]

    # a rule, then a new address: one change each time, latest state
    rule = rule_create(server, web["id"], protocol="tcp", port_range_min=22,
                       port_range_max=22, remote_group_id=web["id"])
    server.update("port", p["id"], fixed_ips=[{"ip_address": "10.60.0.77"}])
    ans = feed(server, rev)
    (ch,) = changes_of(ans, "security_group")
    assert ch["object"]["members"]["IPv4"] == ["10.60.0.77", "10.60.0.0/28"]
    assert rule["id"] in [r["id"] for r in ch["object"]["security_group_rules"]]
    rev = ans["revision"]

    # the port leaves the group
    server.update("port", p["id"], security_groups=[])
    ans = feed(server, rev)
    (ch,) = changes_of(ans, "security_group")
    assert ch["object"]["members"] == {"IPv4": [], "IPv6": []}
    rev = ans["revision"]

    # address groups
    server.ok(server.put(AG + "/" + ag["id"] + "/add_addresses",
                         {"addresses": ["198.51.100.0/24"]}), 200)
    ans = feed(server, rev)
    (ch,) = changes_of(ans, "address_group")
    assert ch["object"]["addresses"] == ["192.0.2.0/24", "198.51.100.0/24"]
    rev = ans["revision"]
    server.ok(server.delete(AG + "/" + ag["id"]), 204)
    server.remove("port", p["id"])
    server.ok(server.delete(SG + "/" + web["id"]), 204)
    ans = feed(server, rev)
    assert [(c["resource"], c["deleted"]) for c in ans["changes"]
            if c["resource"] != "port"] == [("address_group", True),
                                            ("security_group", True)]


@needs_process
def test_waiting_polls_all_get_the_group(server):
    net = net_with_subnet(server)
    d = default_group(server)
    rev = feed(server)["revision"]
    answers = {}

    def poll(host):
        answers[host] = server.ok(server.get("/neutrino/v1/feed", params={
            "since": rev, "timeout": 20000, "host": host}), 200)

    threads = [threading.Thread(target=poll, args=(h,)) for h in ("h1", "h2", "h3")]
    for t in threads:
        t.start()
    time.sleep(0.5)
    p = server.create("port", network_id=net["id"])
    for t in threads:
        t.join(15)
    for host in ("h1", "h2", "h3"):
        (ch,) = changes_of(answers[host], "security_group")
        assert ch["id"] == d["id"]
        assert ch["object"]["members"]["IPv4"] == [p["fixed_ips"][0]["ip_address"]]


def report_ovs(server, host, **conf):
    configurations = {"bridge_mappings": {"provider": "br-provider"},
                      "integration_bridge": "br-int", "datapath_type": "system"}
    configurations.update(conf)
    body = {"agent_state": {"binary": "neutrino-agent", "host": host, "topic": "N/A",
                            "agent_type": "Open vSwitch agent",
                            "configurations": configurations, "start_flag": True}}
    server.ok(server.post("/neutrino/v1/agents/report", body), 200)


@needs_process
@pytest.mark.parametrize("driver,port_filter,hybrid", [
    ("openvswitch", True, False),
    ("iptables_hybrid", True, True),
    ("noop", False, False),
    (None, True, False),
])
def test_binding_follows_firewall_driver(server, driver, port_filter, hybrid):
    conf = {"firewall_driver": driver} if driver else {}
    report_ovs(server, "compute1", **conf)
    net = server.create("network", name="provider", **{
        "provider:network_type": "flat", "provider:physical_network": "provider"})
    server.subnet(net["id"], "172.16.0.0/24", enable_dhcp=False)
    p = server.create("port", network_id=net["id"])
    bound = server.ok(server.post("/neutrino/v1/ports/%s/bind" % p["id"],
                                  {"host": "compute1"}), 200)["port"]
    details = bound["binding:vif_details"]
    assert details["port_filter"] is port_filter
    assert details["ovs_hybrid_plug"] is hybrid
    assert bound["security_groups"] == p["security_groups"]
    assert bound["port_security_enabled"] is True


# ---------------------------------------------------------------------- the openstack CLI
def test_openstack_cli(server, osc):
    net = osc("network", "create", "cli-net")
    osc("subnet", "create", "--network", "cli-net", "--subnet-range", "10.70.0.0/24",
        "--no-dhcp", "cli-sub")
    sg = osc("security", "group", "create", "--description", "web servers", "web")
    assert sg["name"] == "web" and sg["description"] == "web servers"
    assert sg["stateful"] is True and len(sg["rules"]) == 2
    listed = osc("security", "group", "list")
    assert sorted(g["Name"] for g in listed) == ["default", "web"]
    shown = osc("security", "group", "show", "web")
    assert shown["id"] == sg["id"]
    rule = osc("security", "group", "rule", "create", "--protocol", "tcp",
               "--dst-port", "22", "--remote-ip", "10.0.0.0/8", "web")
    assert rule["port_range_min"] == 22 and rule["port_range_max"] == 22
    assert rule["remote_ip_prefix"] == "10.0.0.0/8" and rule["protocol"] == "tcp"
    icmp = osc("security", "group", "rule", "create", "--protocol", "icmp",
               "--icmp-type", "8", "--icmp-code", "0", "--remote-group", "web", "web")
    assert icmp["port_range_min"] == 8 and icmp["remote_group_id"] == sg["id"]
    rules = osc("security", "group", "rule", "list", "web")
    assert {r["ID"] for r in rules} >= {rule["id"], icmp["id"]}
    assert len(rules) == 4
    p = osc("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
            "--remote-ip", "10.0.0.0/8", "web", fmt=None, check=False)
    assert p.returncode != 0 and "Security group rule already exists" in p.stderr, p.stderr
    osc("security", "group", "rule", "delete", icmp["id"], fmt=None)
    assert len(osc("security", "group", "rule", "list", "web")) == 3
    osc("security", "group", "set", "--name", "www", "web", fmt=None)
    assert osc("security", "group", "show", "www")["id"] == sg["id"]

    default = [g for g in listed if g["Name"] == "default"][0]
    p1 = osc("port", "create", "--network", "cli-net", "p1")
    assert p1["security_group_ids"] == [default["ID"]]
    p2 = osc("port", "create", "--network", "cli-net", "--security-group", "www", "p2")
    assert p2["security_group_ids"] == [sg["id"]]
    p3 = osc("port", "create", "--network", "cli-net", "--no-security-group", "p3")
    assert p3["security_group_ids"] == []
    p4 = osc("port", "create", "--network", "cli-net", "--disable-port-security", "p4")
    assert p4["port_security_enabled"] is False and p4["security_group_ids"] == []
    p5 = osc("port", "create", "--network", "cli-net", "--allowed-address",
             "ip-address=10.70.0.200", "--allowed-address",
             "ip-address=10.70.1.0/24,mac-address=fa:16:3e:00:00:09", "p5")
    assert p5["allowed_address_pairs"] == [
        {"ip_address": "10.70.0.200", "mac_address": p5["mac_address"]},
        {"ip_address": "10.70.1.0/24", "mac_address": "fa:16:3e:00:00:09"}]
    p = osc("security", "group", "delete", "www", fmt=None, check=False)
    assert p.returncode != 0 and "in use" in p.stderr, p.stderr
    osc("port", "delete", "p2", fmt=None)
    osc("security", "group", "delete", "www", fmt=None)
    assert [g["Name"] for g in osc("security", "group", "list")] == ["default"]
    assert net["port_security_enabled"] is True
