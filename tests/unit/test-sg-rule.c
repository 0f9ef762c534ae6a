/* Unit tests for api/sg-rule.h: security group rule conversion, checks and
 * duplicate keys.  The expectations are what neutron-server 21 answered
 * for the same rule bodies (tests/func/README.md says how it was run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api-error.h"
#include "api/sg-rule.h"
#include "core/util.h"

static json_t *
parse_json(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    if (!j) {
        fail_msg("bad test JSON '%s': %s", text, err.text);
    }
    return j;
}

/* A rule body as schema.c leaves it: direction given, defaults filled. */
static json_t *
rule_of(const char *extra)
{
    json_t *rule = parse_json("{\"direction\": \"ingress\", \"ethertype\": "
                              "\"IPv4\", \"protocol\": null, "
                              "\"port_range_min\": null, \"port_range_max\": "
                              "null, \"remote_ip_prefix\": null, "
                              "\"remote_group_id\": null, "
                              "\"remote_address_group_id\": null}");
    json_t *more = parse_json(extra);

    json_object_update(rule, more);
    json_decref(more);
    return rule;
}

/* 'in' (members over the defaults) normalizes to a rule whose members
 * include 'out', or fails with 'type' (and 'message' when given). */
struct rule_case {
    const char *in;
    const char *out; /* NULL: expect an error. */
    const char *type;
    const char *message;
};

#define PROTOCOLS                                                             \
    "[None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', "    \
    "'ip', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', "        \
    "'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', "        \
    "'sctp', 'tcp', 'udp', 'udplite', 'vrrp']"

static const struct rule_case rule_cases[] = {
    {"{\"protocol\": \"any\"}", NULL, "SecurityGroupRuleInvalidProtocol",
     "Security group rule protocol any not supported. Only protocol "
     "values " PROTOCOLS
     " and integer representations [0 to 255] are supported."},
    {"{\"protocol\": \"TCP\"}", "{\"protocol\": \"tcp\"}", NULL, NULL},
    {"{\"protocol\": 6}", "{\"protocol\": \"6\"}", NULL, NULL},
    {"{\"protocol\": \"256\"}", NULL, "SecurityGroupRuleInvalidProtocol",
     NULL},
    {"{\"protocol\": -1}", NULL, "SecurityGroupRuleInvalidProtocol", NULL},
    {"{\"protocol\": true}", NULL, "SecurityGroupRuleInvalidProtocol", NULL},
    {"{\"protocol\": \"foo\"}", NULL, "SecurityGroupRuleInvalidProtocol",
     NULL},
    {"{\"protocol\": 0}", "{\"protocol\": \"0\"}", NULL, NULL},
    {"{\"protocol\": null}", "{\"protocol\": null}", NULL, NULL},
    {"{\"protocol\": \"icmp\", \"ethertype\": \"IPv6\"}",
     "{\"protocol\": \"ipv6-icmp\", \"ethertype\": \"IPv6\"}", NULL, NULL},
    {"{\"protocol\": \"1\", \"ethertype\": \"ipv6\"}",
     "{\"protocol\": \"58\", \"ethertype\": \"IPv6\"}", NULL, NULL},
    {"{\"protocol\": \"icmpv6\", \"ethertype\": \"ipv6\"}",
     "{\"protocol\": \"ipv6-icmp\"}", NULL, NULL},
    {"{\"protocol\": \"58\"}", NULL,
     "SecurityGroupEthertypeConflictWithProtocol",
     "Invalid ethertype IPv4 for protocol 58."},
    {"{\"protocol\": \"ipv6-icmp\"}", NULL,
     "SecurityGroupEthertypeConflictWithProtocol", NULL},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 1, \"port_range_max\": "
     "65535}",
     "{\"port_range_min\": null, \"port_range_max\": null}", NULL, NULL},
    {"{\"protocol\": \"tcp\", \"port_range_min\": \"22\", "
     "\"port_range_max\": 22}",
     "{\"port_range_min\": 22, \"port_range_max\": 22}", NULL, NULL},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 0, \"port_range_max\": 10}",
     NULL, "SecurityGroupInvalidPortValue", "Invalid value for port 0"},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 10}", NULL,
     "SecurityGroupInvalidPortRange",
     "For TCP/UDP protocols, port_range_min must be <= port_range_max"},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 20, \"port_range_max\": "
     "10}",
     NULL, "SecurityGroupInvalidPortRange", NULL},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 70000}", NULL,
     "SecurityGroupInvalidPortValue", "Invalid value for port 70000"},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 22, \"port_range_max\": "
     "\"x\"}",
     NULL, "SecurityGroupInvalidPortValue", "Invalid value for port x"},
    {"{\"port_range_min\": 22, \"port_range_max\": 22}", NULL,
     "SecurityGroupProtocolRequiredWithPorts",
     "Must also specify protocol if port range is given."},
    {"{\"protocol\": \"icmp\", \"port_range_min\": 8, \"port_range_max\": "
     "0}",
     "{\"port_range_min\": 8, \"port_range_max\": 0}", NULL, NULL},
    {"{\"protocol\": \"icmp\", \"port_range_max\": 0}", NULL,
     "SecurityGroupMissingIcmpType",
     "ICMP code (port-range-max) 0 is provided but ICMP type "
     "(port-range-min) is missing."},
    {"{\"protocol\": \"icmp\", \"port_range_min\": 256}", NULL,
     "SecurityGroupInvalidIcmpValue",
     "Invalid value for ICMP type (port_range_min) 256. It must be 0 to "
     "255."},
    {"{\"protocol\": \"gre\", \"port_range_min\": 1}", NULL,
     "SecurityGroupInvalidProtocolForPort",
     "Ports cannot be specified for protocol 47. Ports are only supported "
     "for DCCP, SCTP, TCP, UDP, UDPLITE."},
    {"{\"remote_ip_prefix\": \"10.0.0.0/8\", \"ethertype\": \"IPv6\"}", NULL,
     "SecurityGroupRuleParameterConflict",
     "Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8"},
    {"{\"remote_ip_prefix\": \"10.0.0.5/24\"}",
     "{\"remote_ip_prefix\": \"10.0.0.5/24\", \"normalized_cidr\": "
     "\"10.0.0.0/24\"}",
     NULL, NULL},
    {"{\"remote_ip_prefix\": \"1.2.3.4\"}",
     "{\"remote_ip_prefix\": \"1.2.3.4/32\", \"normalized_cidr\": "
     "\"1.2.3.4/32\"}",
     NULL, NULL},
    {"{\"remote_ip_prefix\": \"2001:DB8::1/64\", \"ethertype\": \"IPv6\"}",
     "{\"remote_ip_prefix\": \"2001:db8::1/64\", \"normalized_cidr\": "
     "\"2001:db8::/64\"}",
     NULL, NULL},
    {"{\"remote_ip_prefix\": \"x\"}", NULL, "InvalidCIDR",
     "Invalid CIDR x given as IP prefix."},
    {"{\"remote_ip_prefix\": \"10.0.0.0/8\", \"remote_group_id\": \"g\"}",
     NULL, "SecurityGroupMultipleRemoteEntites",
     "Only one of remote_ip_prefix or remote_group_id or "
     "remote_address_group_id may be provided."},
    {"{\"remote_address_group_id\": \"a\", \"remote_group_id\": \"g\"}", NULL,
     "SecurityGroupMultipleRemoteEntites", NULL},
    {"{\"ethertype\": \"ipx\"}", NULL, "SecurityGroupRuleInvalidEtherType",
     "Security group rule for ethertype 'ipx' not supported. Allowed values "
     "are ['IPv4', 'IPv6']."},
    {"{\"ethertype\": 4}", NULL, "SecurityGroupRuleInvalidEtherType",
     "Security group rule for ethertype '4' not supported. Allowed values "
     "are ['IPv4', 'IPv6']."},
};

static void
test_normalize(void **state)
{
    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(rule_cases); i++) {
        const struct rule_case *c = &rule_cases[i];
        json_t *rule = rule_of(c->in);
        struct api_error *e = sgrule_normalize(rule);

        if (c->out) {
            json_t *want = parse_json(c->out);
            const char *key;
            json_t *v;

            if (e) {
                fail_msg("%s failed: %s: %s", c->in, e->type, e->message);
            }
            json_object_foreach (want, key, v) {
                if (!json_equal(json_object_get(rule, key), v)) {
                    char *got = json_dumps(rule, 0);
                    fail_msg("%s: %s wrong in %s", c->in, key, got);
                }
            }
            json_decref(want);
        } else {
            if (!e) {
                fail_msg("%s accepted", c->in);
            }
            if (strcmp(e->type, c->type)
                || (c->message && strcmp(e->message, c->message))) {
                fail_msg("%s: %s \"%s\", expected %s \"%s\"", c->in, e->type,
                         e->message, c->type, c->message ? c->message : "");
            }
            api_error_free(e);
        }
        json_decref(rule);
    }
}

/* Pairs of rules Neutron calls duplicates ('same') or not. */
static const struct {
    const char *a, *b;
    bool same;
} key_cases[] = {
    {"{\"protocol\": \"tcp\"}", "{\"protocol\": \"6\"}", true},
    {"{\"protocol\": \"udp\", \"port_range_min\": 53, \"port_range_max\": 53}",
     "{\"protocol\": \"17\", \"port_range_min\": 53, \"port_range_max\": 53, "
     "\"description\": \"dns\"}",
     true},
    {"{\"protocol\": \"tcp\", \"port_range_min\": 1, \"port_range_max\": "
     "65535}",
     "{\"protocol\": \"tcp\"}", true},
    {"{\"protocol\": \"icmp\", \"ethertype\": \"IPv6\"}",
     "{\"protocol\": \"1\", \"ethertype\": \"IPv6\"}", true},
    {"{\"remote_ip_prefix\": \"0.0.0.0/0\"}", "{}", true},
    {"{\"remote_ip_prefix\": \"1.2.3.4\"}",
     "{\"remote_ip_prefix\": \"1.2.3.4/32\"}", true},
    {"{\"remote_ip_prefix\": \"10.0.0.5/24\"}",
     "{\"remote_ip_prefix\": \"10.0.0.0/24\"}", false},
    {"{\"protocol\": \"tcp\"}", "{\"protocol\": \"udp\"}", false},
    {"{\"protocol\": \"hopopt\"}", "{\"protocol\": \"0\"}", false},
    {"{\"protocol\": \"ip\"}", "{\"protocol\": \"0\"}", true},
    {"{}", "{\"direction\": \"egress\"}", false},
    {"{}", "{\"remote_group_id\": \"g\"}", false},
};

static void
test_keys(void **state)
{
    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(key_cases); i++) {
        json_t *a = rule_of(key_cases[i].a), *b = rule_of(key_cases[i].b);
        char *ka, *kb;

        assert_null(sgrule_normalize(a));
        assert_null(sgrule_normalize(b));
        ka = sgrule_key(a);
        kb = sgrule_key(b);
        if (!strcmp(ka, kb) != key_cases[i].same) {
            fail_msg("%s vs %s: keys %s and %s", key_cases[i].a,
                     key_cases[i].b, ka, kb);
        }
        free(ka);
        free(kb);
        json_decref(a);
        json_decref(b);
    }
}

static void
test_protocol_number(void **state)
{
    (void) state;
    assert_int_equal(sgrule_protocol_number("tcp"), 6);
    assert_int_equal(sgrule_protocol_number("17"), 17);
    assert_int_equal(sgrule_protocol_number("ipv6-icmp"), 58);
    assert_int_equal(sgrule_protocol_number(NULL), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_protocol_number),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
