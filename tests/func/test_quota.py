"""/v2.0/quotas (the quotas and quota_details extensions) and OverQuota,
with noauth (every request an admin of X-Project-Id's project).  Members
and the openstack CLI are in test_keystone.py."""

from conftest import ADMIN_PROJECT, OTHER_PROJECT, needs_process

pytestmark = needs_process

DEFAULTS = {"network": 100, "subnet": 100, "port": 500,
            "security_group": 10, "security_group_rule": 100,
            "rbac_policy": 10, "subnetpool": -1}


def quota_of(server, project, what=""):
    r = server.get("/v2.0/quotas/%s%s" % (project, what))
    return server.ok(r, 200)["quota"]


def set_quota(server, project, status=200, **limits):
    r = server.put("/v2.0/quotas/" + project, {"quota": limits})
    return server.ok(r, status)


def test_show_set_reset(server):
    assert server.ok(server.get("/v2.0/quotas"), 200) == {"quotas": []}
    assert quota_of(server, OTHER_PROJECT) == dict(
        DEFAULTS, project_id=OTHER_PROJECT, tenant_id=OTHER_PROJECT)
    assert quota_of(server, OTHER_PROJECT, "/default") == DEFAULTS

    got = set_quota(server, OTHER_PROJECT, network=5, port="-1")["quota"]
    assert got == dict(DEFAULTS, network=5, port=-1,
                       project_id=OTHER_PROJECT, tenant_id=OTHER_PROJECT)
    assert quota_of(server, OTHER_PROJECT) == got
    assert quota_of(server, OTHER_PROJECT, "/default") == DEFAULTS
    assert server.ok(server.get("/v2.0/quotas"), 200) == {"quotas": [got]}

    server.create("network", project=OTHER_PROJECT, name="n")
    # The network made the project's default group and its four rules.
    assert quota_of(server, OTHER_PROJECT, "/details") == {
        "network": {"limit": 5, "used": 1, "reserved": 0},
        "subnet": {"limit": 100, "used": 0, "reserved": 0},
        "port": {"limit": -1, "used": 0, "reserved": 0},
        "security_group": {"limit": 10, "used": 1, "reserved": 0},
        "security_group_rule": {"limit": 100, "used": 4, "reserved": 0},
        "rbac_policy": {"limit": 10, "used": 0, "reserved": 0},
        "subnetpool": {"limit": -1, "used": 0, "reserved": 0}}

    assert server.delete("/v2.0/quotas/" + OTHER_PROJECT).status_code == 204
    assert quota_of(server, OTHER_PROJECT)["network"] == 100
    r = server.delete("/v2.0/quotas/" + OTHER_PROJECT)
    assert server.ok(r, 404)["NeutronError"] == {
        "type": "TenantQuotaNotFound", "detail": "",
        "message": "Quota for tenant %s could not be found." % OTHER_PROJECT}


def test_bad_updates(server):
    err = set_quota(server, OTHER_PROJECT, 400, network=-2)["NeutronError"]
    assert err["message"] == ("Invalid input for network. Reason: '-2' is too "
                              "small - must be at least '-1'.")
    err = set_quota(server, OTHER_PROJECT, 400, network="x")["NeutronError"]
    assert err == {"type": "InvalidInput", "detail": "", "message":
                   "Invalid input for operation: 'x' is not an integer."}
    err = set_quota(server, OTHER_PROJECT, 400, routers=1)["NeutronError"]
    assert err["message"] == "Unrecognized attribute(s) 'routers'"
    for method in ("POST", "PUT", "DELETE"):
        assert server.request(method, "/v2.0/quotas").status_code == 405
    assert server.post("/v2.0/quotas/" + OTHER_PROJECT,
                       {"quota": {}}).status_code == 405
    assert quota_of(server, OTHER_PROJECT)["network"] == 100


def test_over_quota(server):
    """One over the limit is 409 OverQuota; a bulk create that would pass
    the limit creates nothing; other projects are not affected."""
    set_quota(server, ADMIN_PROJECT, network=2, subnet=1, port=2)
    net = server.create("network", name="a")
    server.create("network", name="b")
    r = server.post("/v2.0/networks", {"network": {"name": "c"}})
    assert server.ok(r, 409)["NeutronError"] == {
        "type": "OverQuota", "detail": "",
        "message": "Quota exceeded for resources: ['network']."}
    server.create("network", project=OTHER_PROJECT, name="theirs")

    server.create("subnet", network_id=net["id"], cidr="10.1.0.0/24",
                  ip_version=4, enable_dhcp=False)
    r = server.post("/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "cidr": "10.2.0.0/24", "ip_version": 4}})
    assert server.ok(r, 409)["NeutronError"]["type"] == "OverQuota"

    server.create("port", network_id=net["id"])
    r = server.post("/v2.0/ports", {"ports": [{"network_id": net["id"]},
                                              {"network_id": net["id"]}]})
    assert server.ok(r, 409)["NeutronError"]["message"] == (
        "Quota exceeded for resources: ['port'].")
    ports = server.ok(server.get("/v2.0/ports"), 200)["ports"]
    assert len(ports) == 1
    # Raised, the same bulk goes through; -1 is no limit.
    set_quota(server, ADMIN_PROJECT, port=-1)
    r = server.post("/v2.0/ports", {"ports": [{"network_id": net["id"]},
                                              {"network_id": net["id"]}]})
    assert r.status_code == 201, r.text
    used = quota_of(server, ADMIN_PROJECT, "/details")
    assert (used["network"]["used"], used["subnet"]["used"],
            used["port"]["used"]) == (2, 1, 3)

    # Deletes give room back, cascades included (the network's subnet and
    # policies go with it).
    for p in server.ok(server.get("/v2.0/ports"), 200)["ports"]:
        assert server.delete("/v2.0/ports/" + p["id"]).status_code == 204
    rbac = server.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"],
        "action": "access_as_shared", "target_tenant": "*"}})
    assert rbac.status_code == 201, rbac.text
    assert server.delete("/v2.0/networks/" + net["id"]).status_code == 204
    used = quota_of(server, ADMIN_PROJECT, "/details")
    assert (used["network"]["used"], used["subnet"]["used"],
            used["port"]["used"]) == (1, 0, 0)
    server.create("network", name="again")
    server.restart()
    assert quota_of(server, ADMIN_PROJECT,
                    "/details")["network"]["used"] == 2


def test_extensions_listed(server):
    for alias in ("quotas", "quota_details"):
        r = server.ok(server.get("/v2.0/extensions/" + alias), 200)
        assert r["extension"]["alias"] == alias


def test_security_group_quotas(server):
    """Groups and rules count against their own limits; a group's delete
    gives back its rules too."""
    set_quota(server, OTHER_PROJECT, security_group=2,
              security_group_rule=7)
    # The default group (1 + 4 rules) is made without asking the quota.
    r = server.post("/v2.0/security-groups", {"security_group": {
        "name": "g", "project_id": OTHER_PROJECT}})
    g = server.ok(r, 201)["security_group"]
    used = quota_of(server, OTHER_PROJECT, "/details")
    assert (used["security_group"]["used"],
            used["security_group_rule"]["used"]) == (2, 6)
    r = server.post("/v2.0/security-groups", {"security_group": {
        "name": "h", "project_id": OTHER_PROJECT}})
    assert server.ok(r, 409)["NeutronError"]["message"] == (
        "Quota exceeded for resources: ['security_group'].")
    rule = {"security_group_id": g["id"], "direction": "ingress",
            "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
            "project_id": OTHER_PROJECT}
    r = server.post("/v2.0/security-group-rules",
                    {"security_group_rule": rule})
    assert r.status_code == 201, r.text
    r = server.post("/v2.0/security-group-rules", {"security_group_rule": dict(
        rule, port_range_min=80, port_range_max=80)})
    assert server.ok(r, 409)["NeutronError"]["message"] == (
        "Quota exceeded for resources: ['security_group_rule'].")
    assert server.delete("/v2.0/security-groups/" + g["id"]).status_code == 204
    used = quota_of(server, OTHER_PROJECT, "/details")
    assert (used["security_group"]["used"],
            used["security_group_rule"]["used"]) == (1, 4)


def test_rbac_policy_quota(server):
    """RBAC policies count against their creator's project, as
    neutron-tempest-plugin's test_rbac_policy_quota checks."""
    set_quota(server, ADMIN_PROJECT, rbac_policy=2)
    net = server.create("network", name="r")

    def share(target):
        return server.post("/v2.0/rbac-policies", {"rbac_policy": {
            "object_type": "network", "object_id": net["id"],
            "action": "access_as_shared", "target_tenant": target}})

    for target in ("a" * 32, "b" * 32):
        assert share(target).status_code == 201
    r = share("c" * 32)
    assert server.ok(r, 409)["NeutronError"]["message"] == (
        "Quota exceeded for resources: ['rbac_policy'].")
    assert quota_of(server, ADMIN_PROJECT, "/details")["rbac_policy"] == {
        "limit": 2, "used": 2, "reserved": 0}
