/* Unit tests for api/schema.h: the attribute converters and
 * schema_validate() on the real resource definitions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api-error.h"
#include "api/schema.h"
#include "core/util.h"

static json_t *
parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);

    if (!j) {
        fail_msg("bad test JSON '%s': %s", text, err.text);
    }
    return j;
}

/* One converter case: 'in' converts to 'out' (JSON text), or fails with
 * exactly 'error'. */
struct conv_case {
    const char *in;
    const char *out; /* NULL: expect 'error'. */
    const char *error;
};

static void
run_conv_cases(const char *name, attr_convert_func *conv,
               const struct conv_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *in = parse_json(cases[i].in);
        json_t *out = NULL;
        char *why = conv(in, &out);

        if (cases[i].out) {
            json_t *want = parse_json(cases[i].out);
            if (why) {
                fail_msg("%s(%s) failed: %s", name, cases[i].in, why);
            }
            assert_non_null(out);
            if (!json_equal(out, want)) {
                char *got = json_dumps(out, JSON_ENCODE_ANY);
                fail_msg("%s(%s) = %s, expected %s", name, cases[i].in, got,
                         cases[i].out);
            }
            json_decref(want);
            json_decref(out);
        } else {
            if (!why) {
                char *got = json_dumps(out, JSON_ENCODE_ANY);
                fail_msg("%s(%s) accepted it as %s", name, cases[i].in, got);
            }
            if (strcmp(why, cases[i].error)) {
                fail_msg("%s(%s): error \"%s\", expected \"%s\"", name,
                         cases[i].in, why, cases[i].error);
            }
            free(why);
        }
        json_decref(in);
    }
}

#define RUN_CONV(CONV, CASES)                                                 \
    run_conv_cases(#CONV, CONV, CASES, ARRAY_SIZE(CASES))

static void
test_convert_bool(void **state)
{
    static const struct conv_case cases[] = {
        {"true", "true", NULL},
        {"false", "false", NULL},
        {"\"True\"", "true", NULL},
        {"\"true\"", "true", NULL},
        {"\"TRUE\"", "true", NULL},
        {"\"1\"", "true", NULL},
        {"1", "true", NULL},
        {"\"False\"", "false", NULL},
        {"\"false\"", "false", NULL},
        {"\"0\"", "false", NULL},
        {"0", "false", NULL},
        {"\"yes please\"", NULL,
         "'yes please' cannot be converted to boolean"},
        {"\"\"", NULL, "'' cannot be converted to boolean"},
        {"2", NULL, "'2' cannot be converted to boolean"},
        {"-1", NULL, "'-1' cannot be converted to boolean"},
        {"null", NULL, "'None' cannot be converted to boolean"},
        {"[]", NULL, "'[]' cannot be converted to boolean"},
        {"{}", NULL, "'{}' cannot be converted to boolean"},
        {"\"2\"", NULL, "'2' cannot be converted to boolean"},
    };

    RUN_CONV(convert_bool, cases);
}

/* neutron-lib's convert_to_boolean takes only "true"/"false"/"1"/"0"
 * strings (any case): oslo's looser words are 400s in the API. */
static void
test_convert_bool_neutron_strict(void **state)
{
    static const struct conv_case cases[] = {
        {"\"yes\"", NULL, "'yes' cannot be converted to boolean"},
        {"\"no\"", NULL, "'no' cannot be converted to boolean"},
        {"\"on\"", NULL, "'on' cannot be converted to boolean"},
        {"\"off\"", NULL, "'off' cannot be converted to boolean"},
        {"\"t\"", NULL, "'t' cannot be converted to boolean"},
        {"\"y\"", NULL, "'y' cannot be converted to boolean"},
    };

    RUN_CONV(convert_bool, cases);
}

static void
test_convert_uuid(void **state)
{
    static const struct conv_case cases[] = {
        {"\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"",
         "\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"", NULL},
        {"\"8A6B5A8E-4D4C-4F5A-9B1E-0C1D2E3F4A5B\"",
         "\"8A6B5A8E-4D4C-4F5A-9B1E-0C1D2E3F4A5B\"", NULL},
        {"\"not-a-uuid\"", NULL, "'not-a-uuid' is not a valid UUID"},
        {"\"\"", NULL, "'' is not a valid UUID"},
        {"5", NULL, "'5' is not a valid UUID"},
        {"null", NULL, "'None' is not a valid UUID"},
        {"\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5\"", NULL,
         "'8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5' is not a valid UUID"},
    };
    static const struct conv_case or_null[] = {
        {"null", "null", NULL},
        {"\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"",
         "\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"", NULL},
        {"\"x\"", NULL, "'x' is not a valid UUID"},
    };
    static const struct conv_case list[] = {
        {"[]", "[]", NULL},
        {"[\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"]",
         "[\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"]", NULL},
        {"[\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\", \"bad\"]", NULL,
         "'bad' is not a valid UUID"},
        {"\"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"", NULL,
         "'8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b' is not a list"},
    };

    RUN_CONV(convert_uuid, cases);
    RUN_CONV(convert_uuid_or_null, or_null);
    RUN_CONV(convert_uuid_list, list);
}

static void
test_convert_ip_or_null(void **state)
{
    static const struct conv_case cases[] = {
        {"\"FD00::1\"", "\"fd00::1\"", NULL},
        {"\"fd00:0000:0000::0001\"", "\"fd00::1\"", NULL},
        {"\"10.0.0.1\"", "\"10.0.0.1\"", NULL},
        {"\"::\"", "\"::\"", NULL},
        {"null", "null", NULL},
        {"\"10.0.0.256\"", NULL, "'10.0.0.256' is not a valid IP address"},
        {"\"10.0.0.0/24\"", NULL, "'10.0.0.0/24' is not a valid IP address"},
        {"\"\"", NULL, "'' is not a valid IP address"},
        {"\"fd00::1::2\"", NULL, "'fd00::1::2' is not a valid IP address"},
        {"42", NULL, "'42' is not a valid IP address"},
    };

    RUN_CONV(convert_ip_or_null, cases);
}

static void
test_convert_mac_or_null(void **state)
{
    static const struct conv_case cases[] = {
        {"\"FA:16:3E:4A:1E:19\"", "\"fa:16:3e:4a:1e:19\"", NULL},
        {"\"fa:16:3e:4a:1e:19\"", "\"fa:16:3e:4a:1e:19\"", NULL},
        {"\"Fa-16-3E-4a-1e-19\"", "\"fa:16:3e:4a:1e:19\"", NULL},
        {"\"02:00:00:00:00:01\"", "\"02:00:00:00:00:01\"", NULL},
        {"null", "null", NULL},
        {"\"00:00:00:00:00:00\"", NULL,
         "'00:00:00:00:00:00' is not a valid MAC address"},
        /* neutron-lib rejects only the all-zero and broadcast MACs. */
        {"\"01:00:5e:00:00:01\"", "\"01:00:5e:00:00:01\"", NULL},
        {"\"FF:FF:FF:FF:FF:FF\"", NULL,
         "'FF:FF:FF:FF:FF:FF' is not a valid MAC address"},
        {"\"33:33:00:00:00:01\"", "\"33:33:00:00:00:01\"", NULL},
        {"\"fa:16:3e:4a:1e\"", NULL,
         "'fa:16:3e:4a:1e' is not a valid MAC address"},
        {"\"zz:16:3e:4a:1e:19\"", NULL,
         "'zz:16:3e:4a:1e:19' is not a valid MAC address"},
        {"17", NULL, "'17' is not a valid MAC address"},
    };

    RUN_CONV(convert_mac_or_null, cases);
}

static void
test_convert_string_int_misc(void **state)
{
    char *s255 = xmalloc(256), *s256 = xmalloc(257);
    char *in255, *in256, *err256;

    memset(s255, 'a', 255);
    s255[255] = '\0';
    memset(s256, 'b', 256);
    s256[256] = '\0';
    in255 = xasprintf("\"%s\"", s255);
    in256 = xasprintf("\"%s\"", s256);
    err256 = xasprintf("'%s' exceeds maximum length of 255", s256);

    const struct conv_case strings[] = {
        {"\"abc\"", "\"abc\"", NULL},
        {"\"\"", "\"\"", NULL},
        {in255, in255, NULL},
        {in256, NULL, err256},
        {"5", NULL, "'5' is not a valid string"},
        {"null", NULL, "'None' is not a valid string"},
        {"true", NULL, "'True' is not a valid string"},
    };
    const struct conv_case any[] = {
        {in256, in256, NULL},
        {"[]", NULL, "'[]' is not a valid string"},
    };
    static const struct conv_case ints[] = {
        {"5", "5", NULL},
        {"-3", "-3", NULL},
        {"\"42\"", "42", NULL},
        {"\"-42\"", "-42", NULL},
        {"\"4x\"", NULL, "'4x' is not an integer"},
        {"\" 4\"", NULL, "' 4' is not an integer"},
        {"\"\"", NULL, "'' is not an integer"},
        {"1.5", NULL, "'1.5' is not an integer"},
        {"null", NULL, "'None' is not an integer"},
    };
    static const struct conv_case string_lists[] = {
        {"[]", "[]", NULL},
        {"[\"a\", \"b\"]", "[\"a\", \"b\"]", NULL},
        {"\"a\"", NULL, "'a' is not a list"},
        {"[\"a\", 1]", NULL, "'1' is not a valid string"},
    };
    static const struct conv_case dicts[] = {
        {"{}", "{}", NULL},
        {"{\"a\": 1}", "{\"a\": 1}", NULL},
        {"null", "{}", NULL},
        {"[]", NULL, "'[]' is not a dictionary"},
        {"\"x\"", NULL, "'x' is not a dictionary"},
    };

    RUN_CONV(convert_string, strings);
    RUN_CONV(convert_string_any, any);
    RUN_CONV(convert_int, ints);
    RUN_CONV(convert_string_list, string_lists);
    RUN_CONV(convert_dict, dicts);
    free(s255);
    free(s256);
    free(in255);
    free(in256);
    free(err256);
}

static void
test_repr(void **state)
{
    static const struct {
        const char *json, *repr;
    } cases[] = {
        {"\"text\"", "text"},
        {"true", "True"},
        {"false", "False"},
        {"null", "None"},
        {"42", "42"},
        {"[1,\"a\"]", "[1,\"a\"]"},
        {"{\"k\": \"v\"}", "{\"k\":\"v\"}"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *j = parse_json(cases[i].json);
        char *r = schema_repr(j);

        assert_string_equal(r, cases[i].repr);
        free(r);
        json_decref(j);
    }
}

static void
test_resource_attr(void **state)
{
    const struct attr *a = resource_attr(&network_def, "router:external");

    assert_non_null(a);
    assert_string_equal(a->column, "router_external");
    assert_null(resource_attr(&network_def, "foo"));
    assert_null(resource_attr(&network_def, ""));
    assert_non_null(resource_attr(&port_def, "binding:host_id"));
    assert_non_null(resource_attr(&subnet_def, "allocation_pools"));
    assert_null(resource_attr(&network_def, "allocation_pools"));
}

/* ---- schema_validate ---- */

struct validate_case {
    const struct resource_def *def;
    bool create;
    const char *body;
    const char *out;   /* Expected converted object, or NULL. */
    const char *error; /* Expected message of a 400... */
    const char *type;  /* ...of this type (NULL: HTTPBadRequest). */
};

static void
run_validate_cases(const struct validate_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *body = parse_json(cases[i].body);
        json_t *out = NULL;
        struct api_error *e =
            schema_validate(cases[i].def, body, cases[i].create, &out);

        if (cases[i].out) {
            json_t *want = parse_json(cases[i].out);
            if (e) {
                fail_msg("%s %s %s: %s", cases[i].def->singular,
                         cases[i].create ? "create" : "update", cases[i].body,
                         e->message);
            }
            if (!json_equal(out, want)) {
                char *got = json_dumps(out, JSON_SORT_KEYS);
                fail_msg("%s %s %s gave %s, expected %s",
                         cases[i].def->singular,
                         cases[i].create ? "create" : "update", cases[i].body,
                         got, cases[i].out);
            }
            json_decref(want);
            json_decref(out);
        } else {
            if (!e) {
                char *got = json_dumps(out, JSON_SORT_KEYS);
                fail_msg("%s %s %s accepted: %s", cases[i].def->singular,
                         cases[i].create ? "create" : "update", cases[i].body,
                         got);
            }
            assert_int_equal(e->status, 400);
            assert_string_equal(e->type, cases[i].type ? cases[i].type
                                                       : "HTTPBadRequest");
            if (strcmp(e->message, cases[i].error)) {
                fail_msg("%s %s %s: message \"%s\", expected \"%s\"",
                         cases[i].def->singular,
                         cases[i].create ? "create" : "update", cases[i].body,
                         e->message, cases[i].error);
            }
            api_error_free(e);
        }
        json_decref(body);
    }
}

#define NETWORK_DEFAULTS                                                      \
    "\"name\": \"\", \"description\": \"\", \"admin_state_up\": true,"        \
    " \"shared\": false, \"router:external\": false,"                         \
    " \"port_security_enabled\": true, \"availability_zone_hints\": [],"      \
    " \"is_default\": false"

static void
test_validate_network(void **state)
{
    static const struct validate_case cases[] = {
        /* Unknown attributes. */
        {&network_def, true, "{\"foo\": 1}", NULL,
         "Unrecognized attribute(s) 'foo'"},
        {&network_def, false, "{\"foo\": 1}", NULL,
         "Unrecognized attribute(s) 'foo'"},
        {&network_def, true, "{\"name\": \"n\", \"foo\": 1, \"bar\": 2}", NULL,
         "Unrecognized attribute(s) 'foo', 'bar'"},
        /* Not settable on create. */
        {&network_def, true,
         "{\"id\": \"8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b\"}", NULL,
         "Attribute 'id' not allowed in POST"},
        {&network_def, true, "{\"status\": \"ACTIVE\"}", NULL,
         "Attribute 'status' not allowed in POST"},
        {&network_def, true, "{\"revision_number\": 3}", NULL,
         "Attribute 'revision_number' not allowed in POST"},
        /* Defaults filled in on create, and only then. */
        {&network_def, true, "{}", "{" NETWORK_DEFAULTS "}", NULL},
        {&network_def, true,
         "{\"name\": \"net1\", \"admin_state_up\": \"False\","
         " \"mtu\": \"1400\", \"shared\": 1}",
         "{\"name\": \"net1\", \"description\": \"\","
         " \"admin_state_up\": false, \"shared\": true,"
         " \"router:external\": false, \"port_security_enabled\": true,"
         " \"availability_zone_hints\": [], \"is_default\": false,"
         " \"mtu\": 1400}",
         NULL},
        {&network_def, true,
         "{\"provider:segmentation_id\": null,"
         " \"provider:network_type\": \"vlan\","
         " \"project_id\": \"p1\", \"tenant_id\": \"p1\"}",
         "{" NETWORK_DEFAULTS ", \"provider:segmentation_id\": null,"
         " \"provider:network_type\": \"vlan\", \"project_id\": \"p1\","
         " \"tenant_id\": \"p1\"}",
         NULL},
        {&network_def, false, "{\"name\": \"renamed\"}",
         "{\"name\": \"renamed\"}", NULL},
        {&network_def, false, "{}", "{}", NULL},
        {&network_def, false, "{\"admin_state_up\": \"0\", \"mtu\": 9000}",
         "{\"admin_state_up\": false, \"mtu\": 9000}", NULL},
        /* Read-only on update. */
        {&network_def, false, "{\"status\": \"DOWN\"}", NULL,
         "Cannot update read-only attribute status"},
        {&network_def, false, "{\"id\": \"x\"}", NULL,
         "Cannot update read-only attribute id"},
        {&network_def, false, "{\"project_id\": \"x\"}", NULL,
         "Cannot update read-only attribute project_id"},
        {&network_def, false, "{\"availability_zone_hints\": []}", NULL,
         "Cannot update read-only attribute availability_zone_hints"},
        /* Bad values. */
        /* Failed conversions (convert_to) are InvalidInput... */
        {&network_def, true, "{\"admin_state_up\": \"yes please\"}", NULL,
         "Invalid input for operation: 'yes please' cannot be converted to "
         "boolean.",
         "InvalidInput"},
        {&network_def, false, "{\"mtu\": \"big\"}", NULL,
         "Invalid input for operation: 'big' is not an integer.",
         "InvalidInput"},
        /* ...failed validations name the attribute. */
        {&network_def, true, "{\"name\": null}", NULL,
         "Invalid input for name. Reason: 'None' is not a valid string."},
        {&network_def, true, "{\"availability_zone_hints\": \"az1\"}", NULL,
         "Invalid input for availability_zone_hints. Reason: 'az1' is not a "
         "list."},
    };

    run_validate_cases(cases, ARRAY_SIZE(cases));
}

#define UUID1 "8a6b5a8e-4d4c-4f5a-9b1e-0c1d2e3f4a5b"

static void
test_validate_port_subnet(void **state)
{
    static const struct validate_case cases[] = {
        {&port_def, false, "{\"mac_address\": \"FA:16:3E:4A:1E:19\"}",
         "{\"mac_address\": \"fa:16:3e:4a:1e:19\"}", NULL},
        {&port_def, false, "{\"mac_address\": \"ff:ff:ff:ff:ff:ff\"}", NULL,
         "Invalid input for mac_address. Reason: 'ff:ff:ff:ff:ff:ff' is "
         "not a valid MAC address."},
        {&port_def, true, "{\"name\": \"p\"}", NULL,
         "Failed to parse request. Required attribute 'network_id' not "
         "specified"},
        {&port_def, true, "{\"network_id\": \"nope\"}", NULL,
         "Invalid input for network_id. Reason: 'nope' is not a valid "
         "UUID."},
        {&port_def, false, "{\"network_id\": \"" UUID1 "\"}", NULL,
         "Cannot update read-only attribute network_id"},
        {&port_def, false, "{\"binding:vif_type\": \"ovs\"}", NULL,
         "Cannot update read-only attribute binding:vif_type"},
        {&subnet_def, true, "{\"ip_version\": 4, \"cidr\": \"10.0.0.0/24\"}",
         NULL,
         "Failed to parse request. Required attribute 'network_id' not "
         "specified"},
        {&subnet_def, true,
         "{\"network_id\": \"" UUID1 "\", \"ip_version\": \"six\"}", NULL,
         "Invalid input for operation: 'six' is not an integer.",
         "InvalidInput"},
        {&subnet_def, true,
         "{\"network_id\": \"" UUID1 "\", \"ip_version\": \"6\","
         " \"cidr\": \"fd00::/64\", \"gateway_ip\": \"FD00::1\","
         " \"enable_dhcp\": \"false\"}",
         "{\"network_id\": \"" UUID1 "\", \"ip_version\": 6,"
         " \"cidr\": \"fd00::/64\", \"gateway_ip\": \"fd00::1\","
         " \"enable_dhcp\": false, \"name\": \"\", \"description\": \"\","
         " \"ipv6_ra_mode\": null, \"ipv6_address_mode\": null,"
         " \"dns_nameservers\": [], \"host_routes\": [],"
         " \"service_types\": [], \"subnetpool_id\": null,"
         " \"segment_id\": null}",
         NULL},
        {&subnet_def, false, "{\"gateway_ip\": \"FD00::1\"}",
         "{\"gateway_ip\": \"fd00::1\"}", NULL},
        {&subnet_def, false, "{\"gateway_ip\": null}",
         "{\"gateway_ip\": null}", NULL},
        {&subnet_def, false, "{\"cidr\": \"10.0.0.0/24\"}", NULL,
         "Cannot update read-only attribute cidr"},
    };

    run_validate_cases(cases, ARRAY_SIZE(cases));
}

/* A non-string cidr is rejected (and nothing leaks: run under ASan). */
static void
test_validate_subnet_cidr_not_string(void **state)
{
    static const struct validate_case cases[] = {
        {&subnet_def, true,
         "{\"network_id\": \"" UUID1 "\", \"ip_version\": 4, \"cidr\": 5}",
         NULL, "Invalid input for operation: 5 is not in a CIDR format.",
         "InvalidInput"},
    };

    run_validate_cases(cases, ARRAY_SIZE(cases));
}

static void
test_convert_filter(void **state)
{
    static const struct {
        const struct resource_def *def;
        const char *attr, *text;
        const char *out; /* NULL: error. */
    } cases[] = {
        {&network_def, "admin_state_up", "True", "true"},
        {&network_def, "admin_state_up", "false", "false"},
        {&network_def, "admin_state_up", "1", "true"},
        {&network_def, "admin_state_up", "maybe", NULL},
        {&network_def, "mtu", "1500", "1500"},
        {&network_def, "mtu", "15x", NULL},
        {&network_def, "name", "True", "\"True\""},
        {&network_def, "name", "", "\"\""},
        {&port_def, "device_owner", "network:dhcp", "\"network:dhcp\""},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct attr *a = resource_attr(cases[i].def, cases[i].attr);
        json_t *out = NULL;
        char *why;

        assert_non_null(a);
        why = schema_convert_filter(a, cases[i].text, &out);
        if (cases[i].out) {
            json_t *want = parse_json(cases[i].out);
            if (why) {
                fail_msg("filter %s=%s: %s", cases[i].attr, cases[i].text,
                         why);
            }
            assert_true(json_equal(out, want));
            json_decref(want);
            json_decref(out);
        } else {
            assert_non_null(why);
            free(why);
        }
    }
}

static void
test_api_error(void **state)
{
    struct api_error *e =
        api_bad_request("Unrecognized attribute(s) %s", "'foo'");
    json_t *j = api_error_to_json(e);
    json_t *want = parse_json("{\"NeutronError\": {\"type\": "
                              "\"HTTPBadRequest\", \"message\": "
                              "\"Unrecognized attribute(s) 'foo'\", "
                              "\"detail\": \"\"}}");

    assert_int_equal(e->status, 400);
    assert_true(json_equal(j, want));
    json_decref(j);
    json_decref(want);
    api_error_free(e);

    e = api_invalid_input("bad %d", 7);
    assert_int_equal(e->status, 400);
    assert_string_equal(e->type, "InvalidInput");
    assert_string_equal(e->message, "Invalid input for operation: bad 7.");
    api_error_free(e);
    api_error_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_bool),
        cmocka_unit_test(test_convert_bool_neutron_strict),
        cmocka_unit_test(test_convert_uuid),
        cmocka_unit_test(test_convert_ip_or_null),
        cmocka_unit_test(test_convert_mac_or_null),
        cmocka_unit_test(test_convert_string_int_misc),
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_resource_attr),
        cmocka_unit_test(test_validate_network),
        cmocka_unit_test(test_validate_port_subnet),
        cmocka_unit_test(test_validate_subnet_cidr_not_string),
        cmocka_unit_test(test_convert_filter),
        cmocka_unit_test(test_api_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
