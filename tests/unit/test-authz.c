/* Unit tests for api/authz.h: the decisions and messages of Neutron's
 * policy enforcement around the API, table-driven.
 *
 * The expressions are those neutron/policy.py's _build_match_rule prints
 * for the same requests (AndChecks nested per attribute). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/api-error.h"
#include "api/authz.h"
#include "core/config.h"

static struct request_context *
make_context(const char *project, const char *roles)
{
    struct token_info info = {
        .user_id = "u",
        .user_domain_id = "default",
        .project_id = (char *) project,
        .project_domain_id = "default",
        .domain_id = "",
        .system_scope = "",
        .roles = strv_split_commas(roles),
    };
    struct request_context *ctx = request_context_from_token(&info);

    strv_free(info.roles);
    return ctx;
}

static struct authz *
make_authz(bool new_defaults)
{
    struct server_config cfg = {.enforce_new_defaults = new_defaults};
    struct authz *az = NULL;
    char *error = NULL;

    assert_int_equal(authz_new(&cfg, &az, &error), 0);
    return az;
}

/* A member of project A creating or updating on B's shared network. */
static const struct {
    const char *verb, *resource;
    const char *target; /* JSON: the object with defaults filled in. */
    const char *given;  /* JSON: the request's attributes. */
    const char *denied; /* The failed expression, or NULL: allowed. */
} cases[] = {
    {"create", "network", "{\"project_id\": \"A\", \"tenant_id\": \"A\"}",
     "{}", NULL},
    {"create", "network",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": false}",
     "{\"shared\": false}", NULL},
    {"create", "network",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": true}",
     "{\"shared\": true}",
     "(rule:create_network and rule:create_network:shared)"},
    {"create", "network",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": true,"
     " \"provider:network_type\": \"flat\"}",
     "{\"shared\": true, \"provider:network_type\": \"flat\"}",
     "((rule:create_network and rule:create_network:shared) and "
     "rule:create_network:provider:network_type)"},
    {"create", "network",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"mtu\": 1400}",
     "{\"mtu\": 1400}", NULL},
    {"update", "network",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": false}",
     "{\"shared\": false}",
     "(rule:update_network and rule:update_network:shared)"},
    {"update", "network", "{\"project_id\": \"B\", \"tenant_id\": \"B\"}",
     "{\"name\": \"x\"}", "rule:update_network"},
    {"delete", "network", "{\"project_id\": \"B\", \"tenant_id\": \"B\"}",
     "{\"shared\": true}", "rule:delete_network"},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true, \"fixed_ips\": [{\"subnet_id\": \"s\"}]}",
     "{\"fixed_ips\": [{\"subnet_id\": \"s\"}]}", NULL},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true}",
     "{\"fixed_ips\": [{\"subnet_id\": \"s\", \"ip_address\": \"1.2.3.4\"}]}",
     "(rule:create_port and (rule:create_port:fixed_ips and "
     "(rule:create_port:fixed_ips:subnet_id and "
     "rule:create_port:fixed_ips:ip_address)))"},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"A\", \"shared\": false}",
     "{\"fixed_ips\": [{\"ip_address\": \"1.2.3.4\"}],"
     " \"mac_address\": \"fa:16:3e:00:00:01\"}",
     NULL},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true, \"binding:vnic_type\": \"normal\","
     " \"device_owner\": \"\"}",
     "{\"binding:vnic_type\": \"normal\", \"device_owner\": \"\"}", NULL},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true, \"device_owner\": \"network:dhcp\"}",
     "{\"device_owner\": \"network:dhcp\"}",
     "(rule:create_port and rule:create_port:device_owner)"},
    {"create", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true, \"binding:host_id\": \"h\"}",
     "{\"binding:host_id\": \"h\"}",
     "(rule:create_port and rule:create_port:binding:host_id)"},
    {"update", "port",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"network:tenant_id\":"
     " \"B\", \"shared\": true}",
     "{\"port_security_enabled\": false}",
     "(rule:update_port and rule:update_port:port_security_enabled)"},
    {"update", "port",
     "{\"project_id\": \"B\", \"tenant_id\": \"B\", \"network:tenant_id\":"
     " \"B\", \"shared\": true}",
     "{\"name\": \"x\"}", "rule:update_port"},
    {"create", "rbac_policy",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"target_tenant\": \"*\","
     " \"object_type\": \"network\", \"object_id\": \"n\","
     " \"action\": \"access_as_shared\"}",
     "{\"target_tenant\": \"*\", \"object_type\": \"network\","
     " \"object_id\": \"n\", \"action\": \"access_as_shared\"}",
     "((((rule:create_rbac_policy and rule:create_rbac_policy:object_type)"
     " and rule:create_rbac_policy:object_id) and "
     "rule:create_rbac_policy:target_tenant) and "
     "rule:create_rbac_policy:action)"},
    {"create", "rbac_policy",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"target_tenant\": \"C\","
     " \"object_type\": \"network\", \"object_id\": \"n\","
     " \"action\": \"access_as_shared\"}",
     "{\"target_tenant\": \"C\", \"object_type\": \"network\","
     " \"object_id\": \"n\", \"action\": \"access_as_shared\"}",
     NULL},
    {"update", "quota", "{\"project_id\": \"A\", \"tenant_id\": \"A\"}",
     "{\"network\": 5}", "rule:update_quota"},
    /* Subnet pools: a member's own, but neither shared nor default. */
    {"create", "subnetpool",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": false,"
     " \"is_default\": false}",
     "{\"shared\": false, \"is_default\": false}", NULL},
    {"create", "subnetpool",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"shared\": true,"
     " \"is_default\": true}",
     "{\"shared\": true, \"is_default\": true}",
     "((rule:create_subnetpool and rule:create_subnetpool:is_default) and "
     "rule:create_subnetpool:shared)"},
    {"update", "subnetpool",
     "{\"project_id\": \"A\", \"tenant_id\": \"A\", \"is_default\": "
     "false}",
     "{\"is_default\": false}",
     "(rule:update_subnetpool and rule:update_subnetpool:is_default)"},
    {"update", "subnetpool",
     "{\"project_id\": \"B\", \"tenant_id\": \"B\", \"shared\": true}",
     "{\"name\": \"x\"}", "rule:update_subnetpool"},
    {"delete", "subnetpool",
     "{\"project_id\": \"B\", \"tenant_id\": \"B\", \"shared\": true}", "{}",
     "rule:delete_subnetpool"},
};

static void
test_enforce(void **state)
{
    struct authz *az = make_authz(false);
    struct request_context *member = make_context("A", "member,reader");
    struct request_context *admin = make_context("ADM", "admin");

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *target = json_loads(cases[i].target, 0, NULL);
        json_t *given = json_loads(cases[i].given, 0, NULL);
        struct api_error *e = authz_enforce(az, member, cases[i].verb,
                                            cases[i].resource, target, given);
        char *want = cases[i].denied ? xasprintf("%s is disallowed by policy",
                                                 cases[i].denied)
                                     : NULL;

        assert_non_null(target);
        assert_non_null(given);
        if (!want != !e || (e && strcmp(e->message, want))) {
            fail_msg("case %zu: %s_%s: got %s, want %s", i, cases[i].verb,
                     cases[i].resource, e ? e->message : "allowed",
                     want ? want : "allowed");
        }
        if (e) {
            assert_int_equal(e->status, 403);
            assert_string_equal(e->type, "PolicyNotAuthorized");
        }
        api_error_free(e);
        /* Under Neutron 21's defaults an admin skips the rules. */
        assert_null(authz_enforce(az, admin, cases[i].verb, cases[i].resource,
                                  target, given));
        free(want);
        json_decref(target);
        json_decref(given);
    }
    request_context_free(member);
    request_context_free(admin);
    authz_free(az);
}

/* Another project's pool is readable when shared (Neutron's
 * shared_subnetpools: field:subnetpools:shared=True), and then only. */
static void
test_shared_subnetpools(void **state)
{
    struct authz *az = make_authz(false);
    struct request_context *member = make_context("A", "member,reader");
    json_t *shared = json_pack("{s:s, s:s, s:b}", "project_id", "B",
                               "tenant_id", "B", "shared", true);
    json_t *private = json_pack("{s:s, s:s, s:b}", "project_id", "B",
                                "tenant_id", "B", "shared", false);

    (void) state;
    assert_true(authz_check(az, member, "get_subnetpool", shared));
    assert_false(authz_check(az, member, "get_subnetpool", private));
    assert_false(authz_check(az, member, "add_prefixes", shared));
    json_decref(shared);
    json_decref(private);
    request_context_free(member);
    authz_free(az);
}

static void
test_reader_with_new_defaults(void **state)
{
    struct authz *legacy = make_authz(false), *secure = make_authz(true);
    struct request_context *reader = make_context("A", "reader");
    struct request_context *admin = make_context("ADM", "admin,member");
    json_t *own = json_pack("{s:s, s:s}", "project_id", "A", "tenant_id", "A");
    json_t *none = json_object();
    struct api_error *e;

    (void) state;
    /* Neutron 21's legacy rules let any role of the project write. */
    assert_null(authz_enforce(legacy, reader, "create", "network", own, none));
    e = authz_enforce(secure, reader, "create", "network", own, none);
    assert_non_null(e);
    assert_string_equal(e->message,
                        "rule:create_network is disallowed by policy");
    api_error_free(e);
    assert_true(authz_check(secure, reader, "get_network", own));
    assert_false(authz_bypass(secure, admin));
    assert_true(authz_bypass(legacy, admin));
    assert_null(authz_enforce(secure, admin, "create", "network", own, none));
    json_decref(own);
    json_decref(none);
    request_context_free(reader);
    request_context_free(admin);
    authz_free(legacy);
    authz_free(secure);
}

static void
test_strip(void **state)
{
    static const char *const hidden[] = {"binding:host_id", "binding:profile",
                                         "binding:vif_type",
                                         "binding:vif_details", NULL};
    struct authz *az = make_authz(false);
    struct request_context *member = make_context("A", "member,reader");
    json_t *port =
        json_pack("{s:s, s:s, s:s, s:s, s:{}, s:s, s:{}, s:s}", "id", "p",
                  "project_id", "A", "tenant_id", "A", "binding:host_id", "h",
                  "binding:profile", "binding:vif_type", "ovs",
                  "binding:vif_details", "binding:vnic_type", "normal");
    json_t *net =
        json_pack("{s:s, s:s, s:s, s:b}", "project_id", "B", "tenant_id", "B",
                  "provider:network_type", "flat", "router:external", 1);

    (void) state;
    authz_strip(az, member, "port", port);
    for (size_t i = 0; hidden[i]; i++) {
        assert_null(json_object_get(port, hidden[i]));
    }
    assert_non_null(json_object_get(port, "binding:vnic_type"));
    assert_non_null(json_object_get(port, "project_id"));
    authz_strip(az, member, "network", net);
    assert_null(json_object_get(net, "provider:network_type"));
    assert_non_null(json_object_get(net, "router:external"));
    json_decref(port);
    json_decref(net);
    request_context_free(member);
    authz_free(az);
}

static void
test_scope(void **state)
{
    struct request_context *member = make_context("A", "member");
    struct request_context *advsvc = make_context("A", "advsvc");
    struct request_context *admin = make_context("A", "admin");

    (void) state;
    assert_string_equal(authz_scope(member), "A");
    assert_null(authz_scope(advsvc));
    assert_null(authz_scope(admin));
    request_context_free(member);
    request_context_free(advsvc);
    request_context_free(admin);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enforce),
        cmocka_unit_test(test_shared_subnetpools),
        cmocka_unit_test(test_reader_with_new_defaults),
        cmocka_unit_test(test_strip),
        cmocka_unit_test(test_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
