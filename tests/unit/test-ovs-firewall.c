/* Unit tests for the openvswitch firewall driver's flows
 * (agent/ovs-firewall.h) and the parted flow diff (agent/flows.h), from
 * replica objects built here.  Every flow must also pass Open vSwitch's own
 * parser (ofp_flow_mod_check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/flows.h"
#include "agent/ovs-firewall.h"
#include "core/util.h"
#include "ovs/ofp.h"

#define SG_WEB   "5e7e3a1c-0000-4000-8000-000000000001"
#define SG_DEF   "5e7e3a1c-0000-4000-8000-000000000002"
#define AG_OPS   "5e7e3a1c-0000-4000-8000-000000000003"
#define PORT_A   "a0000000-0000-4000-8000-00000000000a"
#define PORT_B   "b0000000-0000-4000-8000-00000000000b"
#define MAC_A    "fa:16:3e:00:00:0a"
#define MAC_PAIR "fa:16:3e:00:00:ff"

static json_t *
parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);

    if (!v) {
        fail_msg("bad JSON in test: %s", error.text);
    }
    return v;
}

static json_t *
port_a(const char *sgs)
{
    char *text = xasprintf(
        "{\"id\": \"" PORT_A "\", \"mac_address\": \"" MAC_A "\", "
        "\"fixed_ips\": [{\"ip_address\": \"10.0.0.5\"}, "
        "{\"ip_address\": \"2001:db8::5\"}], "
        "\"allowed_address_pairs\": [{\"ip_address\": \"10.0.9.0/24\", "
        "\"mac_address\": \"" MAC_PAIR "\"}], "
        "\"port_security_enabled\": true, \"device_owner\": "
        "\"compute:nova\", \"security_groups\": %s}",
        sgs);
    json_t *port = parse(text);

    free(text);
    return port;
}

/* The default group (remote group itself) and a web group: TCP 22 from a
 * prefix, TCP 8000-8003 from the ops address group, ICMP echo. */
static json_t *
groups(const char *members_v4)
{
    char *text = xasprintf(
        "{\"" SG_DEF "\": {\"id\": \"" SG_DEF "\", \"stateful\": true, "
        "\"members\": {\"IPv4\": %s, \"IPv6\": []}, "
        "\"security_group_rules\": ["
        "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
        "\"remote_group_id\": \"" SG_DEF "\"}, "
        "{\"direction\": \"egress\", \"ethertype\": \"IPv4\"}, "
        "{\"direction\": \"egress\", \"ethertype\": \"IPv6\"}]}, "
        "\"" SG_WEB "\": {\"id\": \"" SG_WEB "\", \"stateful\": true, "
        "\"members\": {\"IPv4\": [], \"IPv6\": []}, "
        "\"security_group_rules\": ["
        "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
        "\"protocol\": \"tcp\", \"port_range_min\": 22, "
        "\"port_range_max\": 22, \"remote_ip_prefix\": \"192.0.2.0/24\"}, "
        "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
        "\"protocol\": \"6\", \"port_range_min\": 8000, "
        "\"port_range_max\": 8003, "
        "\"remote_address_group_id\": \"" AG_OPS "\"}, "
        "{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
        "\"protocol\": \"icmp\", \"port_range_min\": 8, "
        "\"port_range_max\": 0}]}}",
        members_v4);
    json_t *sgs = parse(text);

    free(text);
    return sgs;
}

static json_t *
address_groups(void)
{
    return parse("{\"" AG_OPS "\": {\"id\": \"" AG_OPS "\", \"addresses\": "
                 "[\"198.51.100.7/32\", \"2001:db8:1::/64\"]}}");
}

/* The flow of 'set' whose identity is 'key', or NULL. */
static const char *
flow(json_t *set, const char *key)
{
    return json_string_value(json_object_get(set, key));
}

/* How many flows of 'set' contain 'needle'. */
static int
count(json_t *set, const char *needle)
{
    const char *key;
    json_t *f;
    int n = 0;

    json_object_foreach (set, key, f) {
        n += strstr(json_string_value(f), needle) != NULL;
    }
    return n;
}

/* A port's flows (a new set). */
static json_t *
port_flows(struct ovsfw *fw, json_t *port, int ofport, int lvid)
{
    return ovsfw_expand(fw, ovsfw_port(fw, port, ofport, lvid));
}

/* "reg7=N": the match of the group set that the port on 'ofport' whose
 * flows are 'set' loads into reg7 (a new string). */
static char *
set_match(json_t *set, int ofport)
{
    char *key = xasprintf("table=60,priority=100,in_port=%d", ofport);
    const char *f = json_string_value(json_object_get(set, key));
    const char *p = f ? strstr(f, "->reg6,set_field:") : NULL;

    assert_non_null(p);
    free(key);
    return xasprintf("reg7=%lld", strtoll(p + 17, NULL, 10));
}

/* Ends a pass: its parts ("fw-rules", "fw-sets", "fw-remote"). */
static json_t *
end(struct ovsfw *fw)
{
    json_t *parts = json_object();

    ovsfw_end(fw, parts);
    return parts;
}

static json_t *
part(json_t *parts, const char *name)
{
    return json_object_get(parts, name);
}

/* Every flow is one Open vSwitch accepts. */
static void
assert_parses(json_t *set)
{
    const char *key;
    json_t *f;

    json_object_foreach (set, key, f) {
        char *cmd = xasprintf("add %s", json_string_value(f));
        char *error = NULL;

        if (ofp_flow_mod_check(cmd, &error)) {
            fail_msg("OVS rejects '%s': %s", cmd, error);
        }
        free(cmd);
    }
}

static void
test_base(void **state)
{
    struct ovsfw *fw = ovsfw_create(0x77);
    json_t *set = ovsfw_base_flows(fw);

    assert_string_equal(flow(set, "table=71,priority=0"),
                        "table=71,priority=0,cookie=0x77,actions=drop");
    assert_string_equal(flow(set, "table=94,priority=1"),
                        "table=94,priority=1,cookie=0x77,actions=NORMAL");
    assert_non_null(flow(set, "table=82,priority=50,ct_state=+trk+inv"));
    assert_parses(set);
    json_decref(set);
    ovsfw_destroy(fw);
}

static void
test_anti_spoofing(void **state)
{
    struct ovsfw *fw = ovsfw_create(1);
    json_t *sgs = groups("[]"), *ags = address_groups();
    json_t *port = port_a("[]"), *set, *parts, *base;

    ovsfw_begin(fw, sgs, ags);
    set = port_flows(fw, port, 7, 3);
    /* Source MAC and IP: fixed IPs, the pair (its own MAC), link-local. */
    assert_string_equal(
        flow(set, "table=71,priority=65,reg5=7,in_port=7,ip,dl_src=" MAC_A
                  ",nw_src=10.0.0.5"),
        "table=71,priority=65,reg5=7,in_port=7,ip,dl_src=" MAC_A
        ",nw_src=10.0.0.5,cookie=0x1,actions=ct(table=72,"
        "zone=NXM_NX_REG6[0..15])");
    assert_non_null(flow(set, "table=71,priority=65,reg5=7,in_port=7,ip,"
                              "dl_src=" MAC_PAIR ",nw_src=10.0.9.0/24"));
    assert_null(flow(set, "table=71,priority=65,reg5=7,in_port=7,ip,"
                          "dl_src=" MAC_A ",nw_src=10.0.9.0/24"));
    assert_non_null(flow(set, "table=71,priority=65,reg5=7,in_port=7,ipv6,"
                              "dl_src=" MAC_A ",ipv6_src=fe80::f816:3eff:"
                              "fe00:a"));
    assert_non_null(flow(set, "table=71,priority=95,reg5=7,in_port=7,arp,"
                              "dl_src=" MAC_A ",arp_spa=10.0.0.5"));
    assert_non_null(flow(set, "table=71,priority=95,reg5=7,in_port=7,icmp6,"
                              "dl_src=" MAC_A ",icmp_type=136,icmp_code=0,"
                              "nd_target=2001:db8::5"));
    /* No DHCP server, no RA, for every port; the rest dropped. */
    assert_int_equal(count(set, "tp_src=67"), 0);
    base = ovsfw_base_flows(fw);
    assert_string_equal(
        flow(base, "table=71,priority=70,udp,tp_src=67,tp_dst=68"),
        "table=71,priority=70,udp,tp_src=67,tp_dst=68,"
        "cookie=0x1,actions=resubmit(,93)");
    assert_non_null(flow(base, "table=71,priority=70,icmp6,icmp_type=134"));
    assert_non_null(flow(base, "table=81,priority=100,arp"));
    assert_non_null(flow(base, "table=82,priority=40,ct_state=-est"));
    json_decref(base);
    /* In through table 60, by in_port and by destination MAC. */
    assert_string_equal(
        flow(set, "table=60,priority=90,dl_vlan=3,dl_dst=" MAC_A),
        "table=60,priority=90,dl_vlan=3,dl_dst=" MAC_A
        ",cookie=0x1,actions=set_field:7->reg5,"
        "set_field:3->reg6,set_field:0->reg7,strip_vlan,resubmit(,81)");
    assert_non_null(
        flow(set, "table=73,priority=100,reg6=3,dl_dst=" MAC_PAIR));
    /* No group: no rule, so no IP in either direction. */
    assert_int_equal(count(set, "conjunction("), 0);
    assert_parses(set);
    parts = end(fw);
    assert_int_equal(json_object_size(part(parts, "fw-rules")), 0);
    assert_int_equal(json_object_size(part(parts, "fw-sets")), 0);
    assert_int_equal(json_object_size(part(parts, "fw-remote")), 0);
    json_decref(parts);
    json_decref(set);
    json_decref(port);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
}

/* How many times 'needle' occurs in 'haystack'. */
static int
occurs(const char *haystack, const char *needle)
{
    int n = 0;

    for (const char *p = haystack; (p = strstr(p, needle)); p++) {
        n++;
    }
    return n;
}

static void
test_rules(void **state)
{
    struct ovsfw *fw = ovsfw_create(1);
    json_t *sgs = groups("[\"10.0.0.5\", \"10.0.0.6/32\"]");
    json_t *ags = address_groups();
    json_t *port = port_a("[\"" SG_WEB "\", \"" SG_DEF "\"]");
    json_t *set, *parts, *rules, *remote, *sets;
    char *reg7, *key;

    ovsfw_begin(fw, sgs, ags);
    set = port_flows(fw, port, 7, 3);
    assert_int_equal(count(set, "conjunction("), 0);
    assert_parses(set);
    reg7 = set_match(set, 7);
    parts = end(fw);
    /* The clause of the port's group set in each class of its groups:
     * ingress IPv4 (web from prefixes, web from the address group,
     * default from itself), egress IPv4 and IPv6 (default), new and
     * established. */
    sets = part(parts, "fw-sets");
    assert_int_equal(count(sets, "conjunction("), 6);
    key = xasprintf("table=82,priority=70,%s,ct_state=+new-est,ip", reg7);
    assert_int_equal(occurs(flow(sets, key), "conjunction("), 3);
    free(key);
    key =
        xasprintf("table=72,priority=70,%s,ct_state=+est-rel-rpl,ipv6", reg7);
    assert_non_null(flow(sets, key));
    free(key);
    free(reg7);
    assert_parses(sets);
    rules = part(parts, "fw-rules");
    remote = part(parts, "fw-remote");
    /* One flow per rule match, shared by the ports; a prefix rule is a
     * two-clause conjunction, a remote one three. */
    assert_int_equal(occurs(flow(rules, "table=82,priority=70,tcp,tp_dst=22,"
                                        "nw_src=192.0.2.0/24"),
                            ",2/2)"),
                     2);
    assert_int_equal(
        occurs(flow(rules, "table=82,priority=70,tcp,tp_dst=0x1f40/0xfffc"),
               ",2/3)"),
        2);
    assert_non_null(
        flow(rules, "table=82,priority=70,icmp,icmp_type=8,icmp_code=0"));
    assert_non_null(flow(rules, "table=72,priority=70,ipv6"));
    /* Accept flows: five classes, new and established. */
    assert_int_equal(count(rules, ",conj_id="), 10);
    assert_int_equal(count(rules, "actions=ct(commit,zone=NXM_NX_REG6[0..15]),"
                                  "output:NXM_NX_REG5[]"),
                     3);
    assert_int_equal(count(rules, "actions=resubmit(,73)"), 4);
    /* Members (2) and the address group's IPv4 address. */
    assert_int_equal(json_object_size(remote), 3);
    assert_int_equal(occurs(flow(remote, "table=82,priority=70,reg6=3,ip,"
                                         "nw_src=10.0.0.6"),
                            ",3/3)"),
                     2);
    assert_non_null(
        flow(remote, "table=82,priority=70,reg6=3,ip,nw_src=198.51.100.7"));
    assert_parses(rules);
    assert_parses(remote);
    json_decref(parts);
    json_decref(set);
    json_decref(port);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
}

static void
collect(void *aux, const char *command)
{
    json_array_append_new(aux, json_string(command));
}

/* The parts of one pass over 'port' (ofport 7, VLAN 3) with 'sgs'. */
static json_t *
pass(struct ovsfw *fw, json_t *sgs, json_t *ags, json_t *port)
{
    json_t *parts;

    ovsfw_begin(fw, sgs, ags);
    parts = json_object();
    json_object_set(parts, "port", ovsfw_port(fw, port, 7, 3));
    ovsfw_end(fw, parts);
    return parts;
}

/* A new member adds one flow; a rule of a class the group has adds one
 * flow (per match); neither touches the port's part or the group sets'
 * clauses. */
static void
test_changes_touch_no_port(void **state)
{
    struct ovsfw *fw = ovsfw_create(1);
    json_t *sgs = groups("[\"10.0.0.5\"]"), *ags = address_groups();
    json_t *port = port_a("[\"" SG_DEF "\", \"" SG_WEB "\"]");
    json_t *cmds = json_array(), *before, *after, *rules;

    before = pass(fw, sgs, ags, port);
    json_decref(sgs);
    sgs = groups("[\"10.0.0.5\", \"10.0.0.8\"]");
    after = pass(fw, sgs, ags, port);
    assert_ptr_equal(part(before, "port"), part(after, "port"));
    assert_ptr_equal(part(before, "fw-sets"), part(after, "fw-sets"));
    assert_ptr_equal(part(before, "fw-rules"), part(after, "fw-rules"));
    assert_int_equal(flows_diff_parts(before, after, 1, NULL, collect, cmds),
                     1);
    assert_true(str_startswith(json_string_value(json_array_get(cmds, 0)),
                               "add table=82,priority=70,reg6=3,ip,"
                               "nw_src=10.0.0.8,"));
    json_decref(before);

    rules =
        json_object_get(json_object_get(sgs, SG_WEB), "security_group_rules");
    json_array_append_new(
        rules, parse("{\"direction\": \"ingress\", \"ethertype\": "
                     "\"IPv4\", \"protocol\": \"udp\", "
                     "\"port_range_min\": 53, \"port_range_max\": 53}"));
    /* The replica replaces a changed group by a new object. */
    json_object_set_new(sgs, SG_WEB,
                        json_deep_copy(json_object_get(sgs, SG_WEB)));
    before = after;
    after = pass(fw, sgs, ags, port);
    assert_ptr_equal(part(before, "port"), part(after, "port"));
    assert_ptr_equal(part(before, "fw-sets"), part(after, "fw-sets"));
    json_array_clear(cmds);
    assert_int_equal(flows_diff_parts(before, after, 1, NULL, collect, cmds),
                     1);
    assert_true(str_startswith(json_string_value(json_array_get(cmds, 0)),
                               "add table=82,priority=70,udp,tp_dst=53,"));
    json_decref(before);
    json_decref(after);
    json_decref(cmds);
    json_decref(port);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
}

/* A full pass over ports A (default and web groups, ofport 7) and B (web
 * only, ofport 8), both on VLAN 3, as the agent keeps it: a part "port:ID"
 * per port, then the firewall's own. */
static json_t *
full_pass(struct ovsfw *fw, json_t *sgs, json_t *ags, json_t *a, json_t *b)
{
    json_t *parts = json_object(), *port[2] = {a, b};

    ovsfw_begin(fw, sgs, ags);
    for (int i = 0; i < 2; i++) {
        const char *id = json_string_value(json_object_get(port[i], "id"));
        char *name = xasprintf("port:%s", id);

        json_object_set(parts, name, ovsfw_port(fw, port[i], 7 + i, 3));
        free(name);
    }
    ovsfw_end(fw, parts);
    return parts;
}

/* ovsfw_update_groups()'s port callback: the port's part replaced. */
static void
put_port(void *parts, const char *id, json_t *flows)
{
    char *name = xasprintf("port:%s", id);

    json_object_set(parts, name, flows);
    json_object_set_new(
        parts, "calls",
        json_integer(json_integer_value(json_object_get(parts, "calls")) + 1));
    free(name);
}

/* Every flow of parted set 'parts' in one set (a new one). */
static json_t *
flatten(struct ovsfw *fw, json_t *parts)
{
    json_t *all = json_object(), *part;
    const char *name;

    json_object_foreach (parts, name, part) {
        if (json_is_object(part) || json_is_array(part)) {
            json_t *set = ovsfw_expand(fw, part);
            json_object_update(all, set);
            json_decref(set);
        }
    }
    return all;
}

/* Replaces group 'id' of 'sgs' by a copy, as the replica does on a
 * change, and returns the copy. */
static json_t *
replace_group(json_t *sgs, const char *id)
{
    json_t *copy = json_deep_copy(json_object_get(sgs, id));

    json_object_set_new(sgs, id, copy);
    return copy;
}

/* Group changes without a pass over the ports: a rule of a class the group
 * has, a new member and a new class touch no port (a new class adds a
 * clause per group set of its group); a group turned stateless touches
 * its ports; and the result is what a full pass computes. */
static void
test_update_groups(void **state)
{
    struct ovsfw *fw = ovsfw_create(1), *fresh = ovsfw_create(1);
    json_t *sgs = groups("[\"10.0.0.5\"]"), *ags = address_groups();
    json_t *a = port_a("[\"" SG_DEF "\", \"" SG_WEB "\"]");
    json_t *b = json_deep_copy(a), *parts, *before, *full, *x, *y, *sg;

    (void) state;
    json_object_set_new(b, "id", json_string(PORT_B));
    json_object_set_new(b, "security_groups", parse("[\"" SG_WEB "\"]"));
    parts = full_pass(fw, sgs, ags, a, b);

    /* The same members in a new object: nothing changes. */
    before = json_copy(parts);
    replace_group(sgs, SG_DEF);
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_ptr_equal(part(before, "fw-remote"), part(parts, "fw-remote"));
    assert_ptr_equal(part(before, "fw-rules"), part(parts, "fw-rules"));

    /* A UDP rule in the web group: a class it has. */
    sg = replace_group(sgs, SG_WEB);
    json_array_append_new(
        json_object_get(sg, "security_group_rules"),
        parse("{\"direction\": \"ingress\", \"ethertype\": \"IPv4\", "
              "\"protocol\": \"udp\", \"port_range_min\": 53, "
              "\"port_range_max\": 53}"));
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_null(json_object_get(parts, "calls"));
    assert_ptr_not_equal(part(before, "fw-rules"), part(parts, "fw-rules"));
    assert_int_equal(count(part(parts, "fw-rules"), "udp,tp_dst=53"), 1);

    /* A new member of the default group: only the remote part. */
    sg = replace_group(sgs, SG_DEF);
    json_array_append_new(
        json_object_get(json_object_get(sg, "members"), "IPv4"),
        json_string("10.0.0.8"));
    json_decref(before);
    before = json_copy(parts);
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_null(json_object_get(parts, "calls"));
    assert_ptr_equal(part(before, "fw-rules"), part(parts, "fw-rules"));
    assert_int_equal(count(part(parts, "fw-remote"), "nw_src=10.0.0.8"), 1);

    /* IPv6 from the default group: a new class, in port A's group set
     * only (new and established). */
    sg = replace_group(sgs, SG_DEF);
    json_array_append_new(
        json_object_get(sg, "security_group_rules"),
        parse("{\"direction\": \"ingress\", \"ethertype\": \"IPv6\", "
              "\"remote_group_id\": \"" SG_DEF "\"}"));
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_null(json_object_get(parts, "calls"));
    assert_ptr_equal(part(before, "port:" PORT_A),
                     part(parts, "port:" PORT_A));
    assert_int_equal(json_object_size(part(parts, "fw-sets")),
                     json_object_size(part(before, "fw-sets")) + 2);

    /* The member leaves again: its remote flow goes, nothing else. */
    sg = replace_group(sgs, SG_DEF);
    json_array_remove(json_object_get(json_object_get(sg, "members"), "IPv4"),
                      1);
    json_decref(before);
    before = json_copy(parts);
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_int_equal(count(part(parts, "fw-remote"), "nw_src=10.0.0.8"), 0);
    assert_int_equal(count(part(parts, "fw-remote"), "nw_src=10.0.0.5"), 1);
    assert_ptr_equal(part(before, "fw-rules"), part(parts, "fw-rules"));

    /* The web group turns stateless: port B (web only) is no longer
     * tracked; port A still is (its default group is stateful). */
    sg = replace_group(sgs, SG_WEB);
    json_object_set_new(sg, "stateful", json_false());
    ovsfw_update_groups(fw, sgs, ags, put_port, parts, parts);
    assert_int_equal(json_integer_value(json_object_get(parts, "calls")), 1);
    assert_ptr_not_equal(part(before, "port:" PORT_B),
                         part(parts, "port:" PORT_B));
    assert_ptr_equal(part(before, "port:" PORT_A),
                     part(parts, "port:" PORT_A));
    json_object_del(parts, "calls");

    /* What a firewall that never saw the changes computes. */
    full = full_pass(fresh, sgs, ags, a, b);
    x = flatten(fw, parts);
    y = flatten(fresh, full);
    assert_true(json_equal(x, y));
    assert_parses(x);

    json_decref(x);
    json_decref(y);
    json_decref(full);
    json_decref(before);
    json_decref(parts);
    json_decref(a);
    json_decref(b);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
    ovsfw_destroy(fresh);
}

/* What a diff through ovsfw_expand() sees: the recipes of both sides. */
struct diff_ctx {
    struct ovsfw *fw;
    json_t *cmds;
};

static json_t *
expand_ctx(void *aux, json_t *part)
{
    return ovsfw_expand(((struct diff_ctx *) aux)->fw, part);
}

static void
collect_ctx(void *aux, const char *command)
{
    json_array_append_new(((struct diff_ctx *) aux)->cmds,
                          json_string(command));
}

/* A port moved to another ofport: its old flows (computed again from the
 * installed recipes) are deleted first, its new ones added. */
static void
test_recipes_diff(void **state)
{
    struct ovsfw *fw = ovsfw_create(1);
    json_t *sgs = groups("[\"10.0.0.5\"]"), *ags = address_groups();
    json_t *port = port_a("[\"" SG_DEF "\"]");
    json_t *before = json_object(), *after = json_object(), *cmd;
    json_t *set, *old_set;
    struct diff_ctx ctx = {fw, json_array()};
    size_t i, n_old, deletes = 0;

    (void) state;
    ovsfw_begin(fw, sgs, ags);
    json_object_set(before, "port", ovsfw_port(fw, port, 7, 3));
    ovsfw_end(fw, before);

    ovsfw_begin(fw, sgs, ags);
    set = ovsfw_port(fw, port, 9, 3);
    /* A recipe (["port", port, ...]), not flows. */
    assert_string_equal(json_string_value(json_array_get(set, 0)), "port");
    json_object_set(after, "port", set);
    ovsfw_end(fw, after);
    assert_true(
        flows_diff_parts(before, after, 1, expand_ctx, collect_ctx, &ctx) > 0);
    json_array_foreach (ctx.cmds, i, cmd) {
        const char *text = json_string_value(cmd);

        if (str_startswith(text, "delete_strict ")) {
            assert_int_equal(deletes, i); /* Deletes first. */
            assert_true(strstr(text, "=7,") || strstr(text, "=7/"));
            deletes++;
        } else {
            assert_non_null(strstr(text, "9"));
        }
    }
    /* The installed recipes still give the old flows: those naming the
     * old ofport are the deletes. */
    old_set = flatten(fw, before);
    n_old = count(old_set, "=7,");
    assert_true(n_old > 20);
    assert_int_equal(deletes, n_old);
    json_decref(old_set);
    json_decref(ctx.cmds);
    json_decref(before);
    json_decref(after);
    json_decref(port);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
}

static void
test_stateless_and_unfiltered(void **state)
{
    struct ovsfw *fw = ovsfw_create(1);
    json_t *sgs = groups("[]"), *ags = address_groups();
    json_t *port = port_a("[\"" SG_WEB "\"]"), *set, *off, *parts;
    char *reg7, *key;

    json_object_set_new(json_object_get(sgs, SG_WEB), "stateful",
                        json_false());
    ovsfw_begin(fw, sgs, ags);
    set = port_flows(fw, port, 7, 3);
    assert_int_equal(count(set, "ct_state"), 0);
    assert_int_equal(count(set, "ct("), 0);
    reg7 = set_match(set, 7);
    assert_parses(set);

    off = parse("{\"id\": \"" PORT_B "\", \"mac_address\": \"" MAC_A "\", "
                "\"port_security_enabled\": false, "
                "\"security_groups\": []}");
    json_decref(set);
    set = port_flows(fw, off, 8, 3);
    assert_int_equal(json_object_size(set), 1);
    assert_string_equal(flow(set, "table=60,priority=100,in_port=8"),
                        "table=60,priority=100,in_port=8,cookie=0x1,"
                        "actions=set_field:8->reg5,set_field:3->reg6,"
                        "resubmit(,73)");
    assert_parses(set);
    parts = json_object();
    ovsfw_end(fw, parts);
    assert_int_equal(count(part(parts, "fw-rules"), "ct("), 0);
    key = xasprintf("table=82,priority=70,%s,ip", reg7);
    assert_non_null(flow(part(parts, "fw-sets"), key));
    free(key);
    free(reg7);
    assert_int_equal(
        occurs(flow(part(parts, "fw-rules"),
                    "table=82,priority=70,tcp,tp_dst=22,nw_src=192.0.2.0/24"),
               "conjunction("),
        1);
    json_decref(parts);
    json_decref(off);
    json_decref(set);
    json_decref(port);
    json_decref(sgs);
    json_decref(ags);
    ovsfw_destroy(fw);
}

static void
test_protocols_and_masks(void **state)
{
    uint32_t m[32][2];

    assert_int_equal(ovsfw_protocol_number("tcp"), 6);
    assert_int_equal(ovsfw_protocol_number("ipv6-icmp"), 58);
    assert_int_equal(ovsfw_protocol_number("112"), 112);
    assert_int_equal(ovsfw_protocol_number(NULL), -1);
    assert_int_equal(ovsfw_protocol_number("any"), -1);
    assert_true(ovsfw_protocol_number("256") < -1);
    assert_true(ovsfw_protocol_number("bogus") < -1);

    assert_int_equal(ovsfw_port_masks(22, 22, m), 1);
    assert_int_equal(m[0][0], 22);
    assert_int_equal(m[0][1], 0xffff);
    assert_int_equal(ovsfw_port_masks(1, 65535, m), 16);
    assert_int_equal(ovsfw_port_masks(0, 65535, m), 1);
    assert_int_equal(m[0][1], 0);
    /* 5-10: 5, 6-7, 8-9, 10. */
    assert_int_equal(ovsfw_port_masks(5, 10, m), 4);
    assert_int_equal(m[1][0], 6);
    assert_int_equal(m[1][1], 0xfffe);
    assert_int_equal(m[2][0], 8);
    assert_int_equal(m[3][0], 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base),
        cmocka_unit_test(test_anti_spoofing),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_changes_touch_no_port),
        cmocka_unit_test(test_update_groups),
        cmocka_unit_test(test_recipes_diff),
        cmocka_unit_test(test_stateless_and_unfiltered),
        cmocka_unit_test(test_protocols_and_masks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
