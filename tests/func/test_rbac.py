"""/v2.0/rbac-policies (the rbac-policies extension) with noauth: every
request is an admin, of the project X-Project-Id names.  What members may
do is in test_keystone.py."""

import pytest

from conftest import ADMIN_PROJECT, OTHER_PROJECT, needs_process

pytestmark = needs_process


def policies(server, **filters):
    r = server.ok(server.get("/v2.0/rbac-policies", params=filters), 200)
    return sorted((p["object_id"], p["action"], p["target_tenant"])
                  for p in r["rbac_policies"])


def rbac(server, net_id, action, target, status=201, project=None):
    r = server.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net_id, "action": action,
        "target_tenant": target}}, project=project)
    body = server.ok(r, status)
    return body["rbac_policy"] if status == 201 else body["NeutronError"]


def test_flags_are_wildcard_policies(server):
    net = server.create("network", name="n", shared=True)
    assert policies(server) == [(net["id"], "access_as_shared", "*")]
    [p] = server.ok(server.get("/v2.0/rbac-policies"), 200)["rbac_policies"]
    assert p == {"id": p["id"], "project_id": ADMIN_PROJECT,
                 "tenant_id": ADMIN_PROJECT, "object_type": "network",
                 "object_id": net["id"], "target_tenant": "*",
                 "action": "access_as_shared"}
    assert server.ok(server.get("/v2.0/rbac-policies/" + p["id"]),
                     200)["rbac_policy"] == p

    net = server.update("network", net["id"], shared=False, **{
        "router:external": True})
    assert policies(server) == [(net["id"], "access_as_external", "*")]
    assert not net["shared"]

    # And the other way round: policies set the flags, revising the network.
    shared = rbac(server, net["id"], "access_as_shared", "*")
    shown = server.show("network", net["id"])
    assert shown["shared"] and shown["revision_number"] > net["revision_number"]
    assert server.delete("/v2.0/rbac-policies/" + shared["id"]).status_code == 204
    assert not server.show("network", net["id"])["shared"]
    [ext] = server.ok(server.get("/v2.0/rbac-policies"), 200)["rbac_policies"]
    assert server.delete("/v2.0/rbac-policies/" + ext["id"]).status_code == 204
    assert server.show("network", net["id"])["router:external"] is False
    # A project's external policy makes the network external too.
    rbac(server, net["id"], "access_as_external", OTHER_PROJECT)
    assert server.show("network", net["id"])["router:external"] is True
    # Deleting the network deletes its policies.
    assert server.delete("/v2.0/networks/" + net["id"]).status_code == 204
    assert policies(server) == []


def test_errors(server):
    net = server.create("network", name="n")
    rbac(server, net["id"], "access_as_shared", OTHER_PROJECT)
    err = rbac(server, net["id"], "access_as_shared", OTHER_PROJECT, 409)
    assert err["type"] == "DuplicateRbacPolicy"
    err = rbac(server, net["id"], "access_as_nothing", OTHER_PROJECT, 400)
    assert err == {"type": "InvalidActionForType", "detail": "", "message":
                   "Invalid action 'access_as_nothing' for object type "
                   "'network'. Valid actions: ('access_as_shared', "
                   "'access_as_external')"}
    r = server.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "qos_policy", "object_id": net["id"],
        "action": "access_as_shared", "target_tenant": "*"}})
    assert server.ok(r, 400)["NeutronError"]["message"] == (
        "Invalid input for operation: 'qos_policy' is not a valid RBAC "
        "object type.")
    r = server.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"],
        "action": "access_as_shared"}})
    assert r.status_code == 400
    missing = "0c2b7a9e-3f51-4d0c-9d3a-6a4f0b8e1c2d"
    err = rbac(server, missing, "access_as_shared", "*", 400)
    assert err["message"] == ("Invalid input for operation: Network %s could "
                              "not be found." % missing)
    r = server.get("/v2.0/rbac-policies/" + missing)
    assert server.ok(r, 404)["NeutronError"] == {
        "type": "RbacPolicyNotFound", "detail": "",
        "message": "RBAC policy of type unknown with ID %s not found" % missing}


def test_policy_in_use(server):
    """Ports of a project that depend on a policy keep it (409), for the
    project's policy and for the wildcard, and keep the network shared."""
    net = server.create("network", name="n", shared=True)
    server.create("subnet", network_id=net["id"], cidr="10.9.0.0/24",
                  ip_version=4, enable_dhcp=False)
    mine = rbac(server, net["id"], "access_as_shared", OTHER_PROJECT)
    port = server.create("port", project=OTHER_PROJECT, network_id=net["id"])
    assert port["project_id"] == OTHER_PROJECT
    [wild] = [p for p in server.ok(server.get("/v2.0/rbac-policies"), 200)[
        "rbac_policies"] if p["target_tenant"] == "*"]
    # The project's own policy still covers its port: the wildcard may go.
    assert server.delete("/v2.0/rbac-policies/" + wild["id"]).status_code == 204
    r = server.delete("/v2.0/rbac-policies/" + mine["id"])
    err = server.ok(r, 409)["NeutronError"]
    assert err["type"] == "RbacPolicyInUse"
    assert err["message"].startswith(
        "RBAC policy on object %s cannot be removed because other objects "
        "depend on it.\nDetails: " % net["id"])
    r = server.put("/v2.0/rbac-policies/" + mine["id"],
                   {"rbac_policy": {"target_tenant": ADMIN_PROJECT}})
    assert server.ok(r, 409)["NeutronError"]["type"] == "RbacPolicyInUse"

    assert server.delete("/v2.0/ports/" + port["id"]).status_code == 204
    assert server.delete("/v2.0/rbac-policies/" + mine["id"]).status_code == 204
    assert policies(server) == []

    # Unsharing strands a port no other policy covers.
    server.update("network", net["id"], shared=True)
    server.create("port", project=OTHER_PROJECT, network_id=net["id"])
    r = server.put("/v2.0/networks/" + net["id"], {"network": {"shared": False}})
    assert server.ok(r, 409)["NeutronError"] == {
        "type": "InvalidSharedSetting", "detail": "",
        "message": "Unable to reconfigure sharing settings for network n. "
                   "Multiple tenants are using it."}
    assert server.show("network", net["id"])["shared"] is True
    rbac(server, net["id"], "access_as_shared", OTHER_PROJECT)
    assert server.update("network", net["id"], shared=False)["shared"] is False


def test_openstack_cli(server, osc):
    """openstack network rbac create/list/show/delete (noauth cannot look a
    project up, so the CLI's wildcard form)."""
    net = server.create("network", name="n")
    made = osc("network", "rbac", "create", "--type", "network", "--action",
               "access_as_shared", "--target-all-projects", "n")
    assert made["target_project_id"] == "*"
    assert made["object_id"] == net["id"]
    assert server.show("network", net["id"])["shared"] is True
    rows = osc("network", "rbac", "list", "--long")
    assert rows == [{"ID": made["id"], "Object Type": "network",
                     "Object ID": net["id"], "Action": "access_as_shared"}]
    assert osc("network", "rbac", "show", made["id"]) == made
    osc("network", "rbac", "delete", made["id"], fmt=None)
    assert osc("network", "rbac", "list") == []
    assert server.show("network", net["id"])["shared"] is False


@pytest.mark.parametrize("key", ["rbac-policies"])
def test_extension_listed(server, key):
    r = server.ok(server.get("/v2.0/extensions/" + key), 200)
    assert r["extension"]["name"] == "RBAC Policies"
