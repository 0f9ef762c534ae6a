/* Unit tests for api/policy.h: Neutron's default rules, table-driven.
 *
 * The expectations were checked against oslo.policy with Neutron's rules
 * (Debian's Neutron 21), in both enforce_new_defaults modes; the field
 * checks ("shared", "external", "network_device") by Neutron's FieldCheck,
 * which needs Neutron's attribute map. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/policy.h"
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

static struct request_context *
context_named(const char *name)
{
    if (!strcmp(name, "admin")) {
        return make_context("ADM", "admin,member,reader");
    } else if (!strcmp(name, "memberA")) {
        return make_context("A", "member,reader");
    } else if (!strcmp(name, "readerA")) {
        return make_context("A", "reader");
    }
    assert_string_equal(name, "memberB");
    return make_context("B", "member,reader");
}

static json_t *
network(const char *project, bool shared, bool external)
{
    return json_pack("{s:s, s:s, s:b, s:b}", "project_id", project,
                     "tenant_id", project, "shared", shared, "router:external",
                     external);
}

static json_t *
port(const char *project, const char *net_project, const char *owner)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "project_id", project,
                     "tenant_id", project, "network:tenant_id", net_project,
                     "network:project_id", net_project, "device_owner", owner);
}

static json_t *
target_named(const char *name)
{
    static const struct {
        const char *name, *project, *net_project, *owner;
        bool shared, external;
    } targets[] = {
        {"netA", "A", NULL, NULL, false, false},
        {"netB", "B", NULL, NULL, false, false},
        {"netB_shared", "B", NULL, NULL, true, false},
        {"netB_ext", "B", NULL, NULL, false, true},
        {"portA_on_netB", "A", "B", "compute:nova", false, false},
        {"portB_on_netA", "B", "A", "", false, false},
        {"dhcpA_on_netB", "A", "B", "network:dhcp", false, false},
        {"dhcpB_on_netB", "B", "B", "network:dhcp", false, false},
    };

    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        if (!strcmp(targets[i].name, name)) {
            return targets[i].net_project
                       ? port(targets[i].project, targets[i].net_project,
                              targets[i].owner)
                       : network(targets[i].project, targets[i].shared,
                                 targets[i].external);
        }
    }
    assert_string_equal(name, "agent");
    return json_object();
}

static const struct {
    const char *action, *context, *target;
    bool legacy, new_defaults;
} cases[] = {
    {"get_network", "admin", "netB", true, true},
    {"get_network", "memberA", "netA", true, true},
    {"get_network", "memberA", "netB", false, false},
    {"get_network", "memberA", "netB_shared", true, true},
    {"get_network", "memberA", "netB_ext", true, true},
    {"get_network", "readerA", "netA", true, true},
    {"get_network", "readerA", "netB", false, false},
    {"create_network", "memberA", "netA", true, true},
    {"create_network", "readerA", "netA", true, false},
    {"create_network", "memberA", "netB", true, false},
    {"create_network:shared", "memberA", "netA", false, false},
    {"create_network:shared", "admin", "netA", true, true},
    {"create_network:provider:network_type", "memberA", "netA", false, false},
    {"create_network:provider:network_type", "admin", "netA", true, true},
    {"get_network:provider:physical_network", "memberA", "netA", false, false},
    {"get_network:provider:physical_network", "admin", "netB", true, true},
    {"get_network:router:external", "memberA", "netA", true, true},
    {"update_network", "memberA", "netA", true, true},
    {"update_network", "memberA", "netB_shared", false, false},
    {"update_network", "readerA", "netA", true, false},
    {"update_network:shared", "memberA", "netA", false, false},
    {"delete_network", "memberA", "netA", true, true},
    {"delete_network", "readerA", "netA", true, false},
    {"delete_network", "memberB", "netA", false, false},
    {"get_port", "memberA", "portA_on_netB", true, true},
    {"get_port", "memberB", "portA_on_netB", true, false},
    {"get_port", "memberB", "portB_on_netA", true, true},
    {"get_port", "readerA", "portB_on_netA", true, false},
    {"get_port", "admin", "portB_on_netA", true, true},
    {"get_port:binding:host_id", "memberA", "portA_on_netB", false, false},
    {"get_port:binding:vif_details", "admin", "portA_on_netB", true, true},
    {"create_port", "memberA", "portA_on_netB", true, true},
    {"create_port", "readerA", "portA_on_netB", true, false},
    {"create_port:device_owner", "memberA", "portA_on_netB", true, true},
    {"create_port:device_owner", "memberA", "dhcpA_on_netB", false, false},
    {"create_port:device_owner", "memberB", "dhcpB_on_netB", true, true},
    {"create_port:device_owner", "admin", "dhcpA_on_netB", true, true},
    {"create_port:mac_address", "memberA", "portA_on_netB", false, false},
    {"create_port:mac_address", "memberB", "portB_on_netA", false, false},
    {"create_port:binding:host_id", "memberA", "portA_on_netB", false, false},
    {"create_port:fixed_ips", "memberA", "portA_on_netB", false, false},
    {"update_port", "memberA", "portA_on_netB", true, true},
    {"update_port", "memberB", "portA_on_netB", false, false},
    {"delete_port", "memberB", "portA_on_netB", true, false},
    {"delete_port", "memberA", "portB_on_netA", true, false},
    {"get_subnet", "memberA", "netB_shared", true, true},
    {"get_subnet", "memberA", "netB", false, false},
    {"create_subnet", "memberA", "netA", true, true},
    {"create_subnet", "memberA", "netB", false, false},
    {"get_agent", "memberA", "agent", false, false},
    {"get_agent", "admin", "agent", true, true},
    {"update_agent", "memberA", "agent", false, false},
    {"no_such_action", "memberA", "netA", true, true},
    {"no_such_action", "memberA", "netB", false, false},
};

static void
run_cases(bool new_defaults)
{
    struct policy *policy = policy_new(new_defaults);

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct request_context *ctx = context_named(cases[i].context);
        json_t *target = target_named(cases[i].target);
        bool want = new_defaults ? cases[i].new_defaults : cases[i].legacy;

        if (policy_check(policy, cases[i].action, ctx, target) != want) {
            fail_msg("%s by %s on %s: expected %s (%s defaults)",
                     cases[i].action, cases[i].context, cases[i].target,
                     want ? "allowed" : "denied",
                     new_defaults ? "new" : "legacy");
        }
        json_decref(target);
        request_context_free(ctx);
    }
    policy_free(policy);
}

static void
test_legacy_defaults(void **state)
{
    run_cases(false);
}

static void
test_new_defaults(void **state)
{
    run_cases(true);
}

static void
test_check_strings(void **state)
{
    static const struct {
        const char *check;
        bool want;
    } checks[] = {
        {"", true},
        {"@", true},
        {"!", false},
        {"not !", true},
        {"role:MEMBER", true},
        {"role:admin", false},
        {"role:%(role)s", true},
        {"role:%(missing)s", false},
        {"project_id:%(project_id)s", true},
        {"project_id:A", true},
        {"user_id:u", true},
        {"is_admin:False", true},
        {"is_admin:True", false},
        {"unknown_key:x", false},
        {"field:networks:shared=True", true},
        {"field:networks:shared=False", false},
        {"field:networks:mtu=1500", true},
        {"field:ports:device_owner=~^network:", false},
        {"field:ports:name=~^ne", true},
        {"field:ports:name=~work", false},
        {"role:reader and not role:admin", true},
        {"role:admin or role:reader and project_id:B", false},
        {"(role:admin or role:reader) and project_id:A", true},
        {"((role:admin)) or (not (project_id:B))", true},
        {"rule:always", true},
        {"rule:missing", false},
        {"rule:loop", false},
        {"rule:always AND rule:never", false},
        {"rule:never OR rule:always", true},
    };
    struct policy *policy = policy_new(false);
    struct request_context *ctx = make_context("A", "member,reader");
    json_t *target = json_pack("{s:s, s:b, s:i, s:s, s:s, s:n}", "project_id",
                               "A", "shared", 1, "mtu", 1500, "name", "net1",
                               "role", "Reader", "device_owner");
    char *error = NULL;

    assert_int_equal(policy_set_rule(policy, "always", "@", &error), 0);
    assert_int_equal(policy_set_rule(policy, "never", "!", &error), 0);
    assert_int_equal(policy_set_rule(policy, "loop", "rule:loop2", &error), 0);
    assert_int_equal(policy_set_rule(policy, "loop2", "rule:loop", &error), 0);
    for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
        assert_int_equal(policy_set_rule(policy, "t", checks[i].check, &error),
                         0);
        if (policy_check(policy, "t", ctx, target) != checks[i].want) {
            fail_msg("'%s' should be %s", checks[i].check,
                     checks[i].want ? "true" : "false");
        }
    }
    json_decref(target);
    request_context_free(ctx);
    policy_free(policy);
}

static void
test_bad_check_strings(void **state)
{
    static const char *const bad[] = {
        "role:admin or", "and role:admin", "(role:admin",  "role:admin)",
        "not",           "admin",          "field:shared", "field:x:y",
        "field:a:b=~[",  "role:a role:b",  "()",           ":x",
    };
    struct policy *policy = policy_new(false);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *error = NULL;

        if (policy_set_rule(policy, "t", bad[i], &error) != -EINVAL) {
            fail_msg("'%s' was accepted", bad[i]);
        }
        assert_non_null(error);
        free(error);
    }
    policy_free(policy);
}

/* Replaces the contents of file 'path' with 'text'. */
static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads 'text' as the policy file at 'path' into 'policy'; returns what
 * policy_load_file() does, its error (if any) in '*error'. */
static int
load_text(struct policy *policy, const char *path, const char *text,
          char **error)
{
    write_text(path, text);
    return policy_load_file(policy, path, error);
}

static void
test_policy_file(void **state)
{
    char path[] = "/tmp/test-policy-XXXXXX";
    int fd = mkstemp(path);
    struct policy *policy = policy_new(false);
    struct request_context *member = make_context("A", "member,reader");
    json_t *net = network("A", false, false);
    char *error = NULL;

    assert_true(fd >= 0);
    close(fd);
    assert_true(policy_check(policy, "create_network", member, net));
    assert_int_equal(load_text(policy, path,
                               "{\"create_network\": \"rule:admin_only\", "
                               "\"get_network\": \"rule:admin_or_owner\"}",
                               &error),
                     0);
    assert_false(policy_check(policy, "create_network", member, net));
    assert_true(policy_check(policy, "get_network", member, net));

    /* policy.yaml, as oslo-policy-sample-generator writes it. */
    assert_int_equal(load_text(policy, path,
                               "# Create a network\n"
                               "#\"create_network\": \"rule:admin_or_owner\"\n"
                               "\"create_network\": \"rule:admin_or_owner\"\n"
                               "get_network: rule:admin_only\n",
                               &error),
                     0);
    assert_true(policy_check(policy, "create_network", member, net));
    assert_false(policy_check(policy, "get_network", member, net));

    assert_int_equal(load_text(policy, path, "- a list of rules\n", &error),
                     -EINVAL);
    assert_non_null(strstr(error, "not a mapping"));
    free(error);

    assert_int_equal(load_text(policy, path,
                               "{\"create_network\": \"role:admin or\"}",
                               &error),
                     -EINVAL);
    assert_non_null(strstr(error, "create_network"));
    free(error);
    unlink(path);
    assert_int_equal(policy_load_file(policy, path, &error), -EINVAL);
    free(error);

    json_decref(net);
    request_context_free(member);
    policy_free(policy);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_defaults),
        cmocka_unit_test(test_new_defaults),
        cmocka_unit_test(test_check_strings),
        cmocka_unit_test(test_bad_check_strings),
        cmocka_unit_test(test_policy_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
