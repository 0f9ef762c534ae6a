#include "agent/ovs-firewall.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/flows.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/mac.h"
#include "core/siphash.h"
#include "core/util.h"

/* neutron-lib's ovs_constants. */
enum {
    T_TRANSIENT = 60,
    T_BASE_EGRESS = 71,
    T_RULES_EGRESS = 72,
    T_ACCEPT_OR_INGRESS = 73,
    T_BASE_INGRESS = 81,
    T_RULES_INGRESS = 82,
    T_ACCEPTED_EGRESS = 91,
    T_ACCEPTED_INGRESS = 92,
    T_DROPPED = 93,
    T_ACCEPTED_EGRESS_NORMAL = 94,
};

#define PRIO_CONJ 70 /* Rules: conjunction clauses and accept flows. */

#define ZONE     "zone=NXM_NX_REG6[0..15]"
#define CT_NEW   "+new-est"     /* A new connection's first packets. */
#define CT_EST   "+est-rel-rpl" /* Established, original direction. */
#define CT_REPLY "+est-rel+rpl"
#define CT_REL   "-new-est+rel-inv"

/* ICMPv6 that a port may send (router solicitation, neighbor
 * solicitation, MLD) and receive (MLD, RA, NS, NA): neighbor discovery
 * works whatever the rules. */
static const int icmp6_egress[] = {130, 131, 132, 133, 135, 143};
static const int icmp6_ingress[] = {130, 131, 132, 134, 135, 136, 143};

struct ovsfw {
    uint64_t cookie;
    json_t *sgs, *ags; /* The pass's groups, borrowed. */
    /* Group id -> {"obj": the object last seen, "rules": its rules as
     * text, "version": bumped when they change, "classes", "stateful"}
     * (group_entry()). */
    json_t *groups;
    /* Port id -> [its recipe, its group set's key, the last pass that
     * saw it] (ENTRY_*, ovsfw_port()). */
    json_t *ports;
    /* Conjunction key -> id, and id (text) -> key, for every key in use;
     * "used": keys of this pass.  The same for group sets (reg7). */
    json_t *conj_ids, *conj_keys, *conj_used;
    json_t *set_ids, *set_keys, *set_used;
    /* The last rules part and group sets part ({"fp": their inputs,
     * "set"}), and remote part ({"needs", "lists": what it was made from,
     * "clauses", "set"}). */
    json_t *rules, *sets, *remote;
    /* What the last pass's ports need, kept for ovsfw_update_groups():
     * the groups of the filtered ports (id -> true), the local VLANs of
     * each group set (key -> {lvid: true}), the remote needs of the sets'
     * rules (key -> need) and the ports of each group (id -> {port id:
     * true}; NULL until ports_by_group() needs it). */
    json_t *group_ids, *set_lvids, *needs, *by_group;
    json_int_t version, pass;
};

struct ovsfw *
ovsfw_create(uint64_t cookie)
{
    struct ovsfw *fw = xcalloc(1, sizeof *fw);

    fw->cookie = cookie;
    fw->groups = json_object();
    fw->ports = json_object();
    fw->conj_ids = json_object();
    fw->conj_keys = json_object();
    fw->conj_used = json_object();
    fw->set_ids = json_object();
    fw->set_keys = json_object();
    fw->set_used = json_object();
    return fw;
}

void
ovsfw_destroy(struct ovsfw *fw)
{
    if (fw) {
        json_decref(fw->groups);
        json_decref(fw->ports);
        json_decref(fw->conj_ids);
        json_decref(fw->conj_keys);
        json_decref(fw->conj_used);
        json_decref(fw->set_ids);
        json_decref(fw->set_keys);
        json_decref(fw->set_used);
        json_decref(fw->rules);
        json_decref(fw->sets);
        json_decref(fw->remote);
        json_decref(fw->group_ids);
        json_decref(fw->set_lvids);
        json_decref(fw->needs);
        json_decref(fw->by_group);
        free(fw);
    }
}

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Adds a flow whose match is printf-formatted. */
static void PRINTF_FORMAT(6, 7)
    add(json_t *set, uint64_t cookie, int table, int priority,
        const char *actions, const char *match_fmt, ...)
{
    va_list args;
    char *match;

    va_start(args, match_fmt);
    match = xvasprintf(match_fmt, args);
    va_end(args);
    flows_add(set, cookie, table, priority, match, actions);
    free(match);
}

#define OUTPUT_REG5 "output:NXM_NX_REG5[]" /* To the port in reg5. */

/* Table 71, for every filtered port: DHCP clients pass even before they
 * have an address; DHCP servers and router advertisements do not (what
 * names the port's addresses is its own, the rest the table-miss drop). */
static void
egress_base_flows_shared(const struct ovsfw *fw, json_t *set)
{
    char *to_73 = xasprintf("resubmit(,%d)", T_ACCEPT_OR_INGRESS);
    char *to_dropped = xasprintf("resubmit(,%d)", T_DROPPED);

    add(set, fw->cookie, T_BASE_EGRESS, 80, to_73, "udp,tp_src=68,tp_dst=67");
    add(set, fw->cookie, T_BASE_EGRESS, 80, to_73,
        "udp6,tp_src=546,tp_dst=547");
    add(set, fw->cookie, T_BASE_EGRESS, 70, to_dropped,
        "udp,tp_src=67,tp_dst=68");
    add(set, fw->cookie, T_BASE_EGRESS, 70, to_dropped,
        "udp6,tp_src=547,tp_dst=546");
    add(set, fw->cookie, T_BASE_EGRESS, 70, to_dropped, "icmp6,icmp_type=134");
    free(to_73);
    free(to_dropped);
}

/* Table 73: new connections of tracked (stateful) ports committed, the
 * rest (stateless and unfiltered ports) on to NORMAL. */
static void
accept_flows(const struct ovsfw *fw, json_t *set)
{
    char *commit =
        xasprintf("ct(commit," ZONE "),resubmit(,%d)", T_ACCEPTED_EGRESS);
    char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);

    add(set, fw->cookie, T_ACCEPT_OR_INGRESS, 90, commit,
        "ct_state=" CT_NEW ",ip");
    add(set, fw->cookie, T_ACCEPT_OR_INGRESS, 90, commit,
        "ct_state=" CT_NEW ",ipv6");
    add(set, fw->cookie, T_ACCEPT_OR_INGRESS, 80, to_normal, "%s", "");
    free(commit);
    free(to_normal);
}

/* Table 81: what reaches any port whatever the rules (reg5 says which):
 * ARP, neighbor discovery, DHCP replies.  Shared by the ports, so a
 * port's own flows are only those that name its addresses or ofport. */
static void
ingress_base_flows(const struct ovsfw *fw, json_t *set)
{
    char *track = xasprintf("ct(table=%d," ZONE ")", T_RULES_INGRESS);
    char *to_rules = xasprintf("resubmit(,%d)", T_RULES_INGRESS);

    add(set, fw->cookie, T_BASE_INGRESS, 100, OUTPUT_REG5, "arp");
    for (size_t t = 0; t < ARRAY_SIZE(icmp6_ingress); t++) {
        add(set, fw->cookie, T_BASE_INGRESS, 100, OUTPUT_REG5,
            "icmp6,icmp_type=%d", icmp6_ingress[t]);
    }
    add(set, fw->cookie, T_BASE_INGRESS, 95, OUTPUT_REG5,
        "udp,tp_src=67,tp_dst=68");
    add(set, fw->cookie, T_BASE_INGRESS, 95, OUTPUT_REG5,
        "udp6,tp_src=547,tp_dst=546");
    add(set, fw->cookie, T_BASE_INGRESS, 90, track, "ct_state=-trk,ip");
    add(set, fw->cookie, T_BASE_INGRESS, 90, track, "ct_state=-trk,ipv6");
    add(set, fw->cookie, T_BASE_INGRESS, 80, to_rules, "ct_state=+trk");
    free(track);
    free(to_rules);
}

/* Tables 72 and 82 before the rules: established and related traffic
 * passes; a connection whose rule went away is marked and dropped.  Only
 * tracked packets match (a stateless group's are not), and conntrack's
 * zone is the port's network (reg6), so these are shared too. */
static void
tracked_flows(const struct ovsfw *fw, json_t *set, int table,
              const char *accept)
{
    char *to_dropped = xasprintf("resubmit(,%d)", T_DROPPED);
    const char *mark = "ct(commit," ZONE ",exec(set_field:0x1->ct_mark))";

    add(set, fw->cookie, table, 50, to_dropped, "ct_mark=0x1");
    add(set, fw->cookie, table, 50, accept, "ct_state=" CT_REPLY ",ct_mark=0");
    add(set, fw->cookie, table, 50, accept, "ct_state=" CT_REL ",ct_mark=0");
    add(set, fw->cookie, table, 40, to_dropped, "ct_state=-est");
    add(set, fw->cookie, table, 40, mark, "ct_state=+est,ip");
    add(set, fw->cookie, table, 40, mark, "ct_state=+est,ipv6");
    free(to_dropped);
}

json_t *
ovsfw_base_flows(const struct ovsfw *fw)
{
    static const int drop_tables[] = {
        T_BASE_EGRESS,  T_RULES_EGRESS,  T_ACCEPT_OR_INGRESS,
        T_BASE_INGRESS, T_RULES_INGRESS, T_ACCEPTED_INGRESS,
        T_DROPPED,
    };
    json_t *set = json_object();
    char *to_dropped = xasprintf("resubmit(,%d)", T_DROPPED);
    char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);

    for (size_t i = 0; i < ARRAY_SIZE(drop_tables); i++) {
        add(set, fw->cookie, drop_tables[i], 0, "drop", "%s", "");
    }
    add(set, fw->cookie, T_ACCEPTED_EGRESS, 1, to_normal, "%s", "");
    add(set, fw->cookie, T_ACCEPTED_EGRESS_NORMAL, 1, "NORMAL", "%s", "");
    add(set, fw->cookie, T_RULES_EGRESS, 50, to_dropped, "ct_state=+trk+inv");
    add(set, fw->cookie, T_RULES_INGRESS, 50, to_dropped, "ct_state=+trk+inv");
    egress_base_flows_shared(fw, set);
    accept_flows(fw, set);
    ingress_base_flows(fw, set);
    tracked_flows(fw, set, T_RULES_EGRESS, to_normal);
    tracked_flows(fw, set, T_RULES_INGRESS, OUTPUT_REG5);
    free(to_dropped);
    free(to_normal);
    return set;
}

/* ---- Protocols and ports. ---- */

int
ovsfw_protocol_number(const char *protocol)
{
    /* Neutron's IP_PROTOCOL_MAP names. */
    static const struct {
        const char *name;
        int number;
    } names[] = {
        {"ah", 51},         {"dccp", 33},       {"egp", 8},
        {"esp", 50},        {"gre", 47},        {"hopopt", 0},
        {"icmp", 1},        {"icmpv6", 58},     {"igmp", 2},
        {"ipip", 4},        {"ipv6-encap", 41}, {"ipv6-frag", 44},
        {"ipv6-icmp", 58},  {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
        {"ipv6-route", 43}, {"ospf", 89},       {"pgm", 113},
        {"rsvp", 46},       {"sctp", 132},      {"tcp", 6},
        {"udp", 17},        {"udplite", 136},   {"vrrp", 112},
    };
    char *end;
    long n;

    if (!protocol || !*protocol || !strcmp(protocol, "any")) {
        return -1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(protocol, names[i].name)) {
            return names[i].number;
        }
    }
    n = strtol(protocol, &end, 10);
    return *end || n < 0 || n > 255 ? -EINVAL : (int) n;
}

int
ovsfw_port_masks(int min, int max, uint32_t ret[][2])
{
    int n = 0;

    /* The largest aligned power-of-two blocks from 'min' up, as Neutron's
     * port_rule_masking does. */
    while (min <= max && n < 32) {
        uint32_t size = 1;

        while (!(min & size) && min + size * 2 - 1 <= (uint32_t) max
               && size < 0x10000) {
            size *= 2;
        }
        ret[n][0] = min;
        ret[n][1] = 0xffff & ~(size - 1);
        n++;
        min += size;
    }
    return n;
}

/* ---- Addresses. ---- */

/* 'text' (an address or CIDR) as OpenFlow matches it: a host prefix as
 * the bare address, a network with its host bits cleared.  Returns its IP
 * version, or 0 if it does not parse. */
static int
canonical(const char *text, char buf[IPNET_STRLEN])
{
    struct ip_net net;

    if (!text || ipnet_parse(text, &net)) {
        if (!text || ip_parse(text, &net.addr)) {
            return 0;
        }
        net.prefixlen = ip_bits(net.addr.version);
    }
    if (net.prefixlen == ip_bits(net.addr.version)) {
        ip_format(&net.addr, buf);
    } else {
        net = ipnet_network(&net);
        ipnet_format(&net, buf);
    }
    return net.addr.version;
}

json_t *
ovsfw_port_pairs(json_t *port)
{
    const char *mac = str(port, "mac_address");
    json_t *pairs = json_array(), *macs = json_object(), *v;
    char buf[IPNET_STRLEN];
    const char *m;
    size_t i;
    int version;

    json_object_set_new(macs, mac ? mac : "", json_true());
    json_array_foreach (json_object_get(port, "fixed_ips"), i, v) {
        if ((version = canonical(str(v, "ip_address"), buf))) {
            json_array_append_new(pairs,
                                  json_pack("{s:s, s:s, s:i}", "mac", mac,
                                            "ip", buf, "version", version));
        }
    }
    json_array_foreach (json_object_get(port, "allowed_address_pairs"), i, v) {
        const char *pmac = str(v, "mac_address") ? str(v, "mac_address") : mac;
        if ((version = canonical(str(v, "ip_address"), buf))) {
            json_array_append_new(pairs,
                                  json_pack("{s:s, s:s, s:i}", "mac", pmac,
                                            "ip", buf, "version", version));
            json_object_set_new(macs, pmac, json_true());
        }
    }
    json_object_foreach (macs, m, v) {
        struct ip_net fe80 = {{6, (ip_u128) 0xfe80 << 112}, 64};
        uint8_t bytes[6];
        struct ip_addr lla;

        if (!mac_parse(m, bytes)) {
            lla = ip_eui64(&fe80, bytes);
            ip_format(&lla, buf);
            json_array_append_new(pairs, json_pack("{s:s, s:s, s:i}", "mac", m,
                                                   "ip", buf, "version", 6));
        }
    }
    json_decref(macs);
    return pairs;
}

/* The MACs of 'pairs', each once (a new object keyed by MAC). */
static json_t *
pair_macs(json_t *pairs)
{
    json_t *macs = json_object(), *v;
    size_t i;

    json_array_foreach (pairs, i, v) {
        json_object_set_new(macs, str(v, "mac"), json_true());
    }
    return macs;
}

/* ---- Conjunction and group set ids. ---- */

/* The id of 'key' in 'ids' (key -> id; 'keys': id as text -> key): a hash
 * of the key, so a restarted agent mostly picks the same ids (its flows
 * then agree with the old run's while they replace them), probed past ids
 * other keys hold.  A multiple of 'step', from 'step' to 2^31.  Marks
 * 'key' used in 'used'. */
static json_int_t
hashed_id(json_t *ids, json_t *keys, json_t *used, const char *key, int step)
{
    static const uint8_t hash_key[16];
    json_t *id = json_object_get(ids, key);
    json_int_t n;
    char text[24];

    json_object_set_new(used, key, json_true());
    if (id) {
        return json_integer_value(id);
    }
    n = (json_int_t) (siphash24(hash_key, key, strlen(key)) % (1u << 30))
            * step
        + step;
    for (;;) {
        snprintf(text, sizeof text, "%lld", (long long) n);
        if (!json_object_get(keys, text)) {
            break;
        }
        n = n + step > (1LL << 31) ? step : n + step;
    }
    json_object_set_new(ids, key, json_integer(n));
    json_object_set_new(keys, text, json_string(key));
    return n;
}

/* The conjunction id of 'key' (security group, remote, direction,
 * ethertype).  Even: +1 is the established variant of a stateful rule. */
static json_int_t
conj_id(struct ovsfw *fw, const char *key)
{
    return hashed_id(fw->conj_ids, fw->conj_keys, fw->conj_used, key, 2);
}

/* Frees the ids of 'ids' / 'keys' whose key is not in 'used'. */
static void
prune_ids(json_t *ids, json_t *keys, json_t *used)
{
    json_t *id;
    const char *key;
    void *tmp;

    json_object_foreach_safe (ids, tmp, key, id) {
        if (!json_object_get(used, key)) {
            char text[24];
            snprintf(text, sizeof text, "%lld",
                     (long long) json_integer_value(id));
            json_object_del(keys, text);
            json_object_del(ids, key);
        }
    }
}

static int
cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The key of 'port''s group set: its security group ids sorted, joined by
 * commas ("" for none).  Ports with the same groups share their rule
 * clauses through the set's id in reg7. */
static char *
set_key(json_t *port)
{
    json_t *groups = json_object_get(port, "security_groups");
    size_t n = json_array_size(groups);
    const char **ids = xcalloc(n + 1, sizeof *ids);
    struct ds key = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < n; i++) {
        ids[i] = json_string_value(json_array_get(groups, i));
        ids[i] = ids[i] ? ids[i] : "";
    }
    qsort(ids, n, sizeof *ids, cmp_strings);
    for (size_t i = 0; i < n; i++) {
        if (!i || strcmp(ids[i], ids[i - 1])) {
            ds_put_format(&key, "%s%s", key.len ? "," : "", ids[i]);
        }
    }
    free(ids);
    return ds_steal(&key);
}

/* ---- A port's flows. ---- */

/* What one port's computation works with. */
struct pctx {
    struct ovsfw *fw;
    json_t *port;
    json_t *set; /* The port's flows. */
    int ofport, lvid;
    bool stateful;
    json_int_t sgset; /* Its group set's id (reg7), 0 if none. */
};

static void PRINTF_FORMAT(5, 6)
    padd(struct pctx *p, int table, int priority, const char *actions,
         const char *match_fmt, ...)
{
    va_list args;
    char *match;

    va_start(args, match_fmt);
    match = xvasprintf(match_fmt, args);
    va_end(args);
    flows_add(p->set, p->fw->cookie, table, priority, match, actions);
    free(match);
}

/* A port that is not filtered still leaves through table 73, so the
 * local ports it talks to apply their ingress rules. */
static void
unfiltered_flows(struct pctx *p)
{
    char *actions = xasprintf("set_field:%d->reg5,set_field:%d->reg6,"
                              "resubmit(,%d)",
                              p->ofport, p->lvid, T_ACCEPT_OR_INGRESS);

    padd(p, T_TRANSIENT, 100, actions, "in_port=%d", p->ofport);
    free(actions);
}

/* Table 60: what enters the port's pipelines, with its registers (the
 * group set too: its rules' port clauses match reg7). */
static void
transient_flows(struct pctx *p, json_t *macs)
{
    long long sgset = p->sgset;
    char *egress = xasprintf("set_field:%d->reg5,set_field:%d->reg6,"
                             "set_field:%lld->reg7,resubmit(,%d)",
                             p->ofport, p->lvid, sgset, T_BASE_EGRESS);
    char *ingress = xasprintf("set_field:%d->reg5,set_field:%d->reg6,"
                              "set_field:%lld->reg7,strip_vlan,resubmit(,%d)",
                              p->ofport, p->lvid, sgset, T_BASE_INGRESS);
    char *local = xasprintf("set_field:%d->reg5,set_field:%lld->reg7,"
                            "resubmit(,%d)",
                            p->ofport, sgset, T_BASE_INGRESS);
    const char *mac;
    json_t *v;

    padd(p, T_TRANSIENT, 100, egress, "in_port=%d", p->ofport);
    json_object_foreach (macs, mac, v) {
        padd(p, T_TRANSIENT, 90, ingress, "dl_vlan=%d,dl_dst=%s", p->lvid,
             mac);
        padd(p, T_ACCEPT_OR_INGRESS, 100, local, "reg6=%d,dl_dst=%s", p->lvid,
             mac);
    }
    free(egress);
    free(ingress);
    free(local);
}

/* Table 71: anti-spoofing and what an instance may never send. */
static void
egress_base_flows(struct pctx *p, json_t *pairs, json_t *macs)
{
    char *track = p->stateful
                      ? xasprintf("ct(table=%d," ZONE ")", T_RULES_EGRESS)
                      : xasprintf("resubmit(,%d)", T_RULES_EGRESS);
    char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);
    int of = p->ofport;
    const char *mac;
    json_t *v;
    size_t i;

    json_array_foreach (pairs, i, v) {
        const char *m = str(v, "mac"), *ip = str(v, "ip");

        if (json_integer_value(json_object_get(v, "version")) == 4) {
            padd(p, T_BASE_EGRESS, 95, to_normal,
                 "reg5=%d,in_port=%d,arp,dl_src=%s,arp_spa=%s", of, of, m, ip);
            padd(p, T_BASE_EGRESS, 65, track,
                 "reg5=%d,in_port=%d,ip,dl_src=%s,nw_src=%s", of, of, m, ip);
        } else {
            padd(p, T_BASE_EGRESS, 65, track,
                 "reg5=%d,in_port=%d,ipv6,dl_src=%s,ipv6_src=%s", of, of, m,
                 ip);
            /* A neighbor advertisement only for its own addresses. */
            padd(p, T_BASE_EGRESS, 95, to_normal,
                 "reg5=%d,in_port=%d,icmp6,dl_src=%s,icmp_type=136,"
                 "icmp_code=0,nd_target=%s",
                 of, of, m, ip);
        }
    }
    json_object_foreach (macs, mac, v) {
        for (size_t t = 0; t < ARRAY_SIZE(icmp6_egress); t++) {
            padd(p, T_BASE_EGRESS, 95, to_normal,
                 "reg5=%d,in_port=%d,icmp6,dl_src=%s,icmp_type=%d", of, of,
                 mac, icmp6_egress[t]);
        }
    }
    free(track);
    free(to_normal);
}

/* Table 81 for a port whose groups are all stateless: not tracked, above
 * the shared flows that track the others. */
static void
ingress_track_flows(struct pctx *p)
{
    char *to_rules = xasprintf("resubmit(,%d)", T_RULES_INGRESS);

    if (!p->stateful) {
        padd(p, T_BASE_INGRESS, 92, to_rules, "reg5=%d,ip", p->ofport);
        padd(p, T_BASE_INGRESS, 92, to_rules, "reg5=%d,ipv6", p->ofport);
    }
    free(to_rules);
}

/* The L3/L4 part of a rule's match: protocol, ports and remote prefix, as
 * one or more alternatives (port ranges split into masks); none for a rule
 * the switch could not match. */
static json_t *
rule_match(json_t *rule, int version, bool ingress)
{
    int proto = ovsfw_protocol_number(str(rule, "protocol"));
    json_t *pmin = json_object_get(rule, "port_range_min");
    json_t *pmax = json_object_get(rule, "port_range_max");
    const char *prefix = str(rule, "remote_ip_prefix");
    json_t *alts = json_array();
    const char *l3 = version == 6 ? "ipv6" : "ip";
    char buf[IPNET_STRLEN], *base, *ip_match = xstrdup("");

    if (prefix) {
        if (canonical(prefix, buf) != version) {
            free(ip_match);
            return alts; /* The API refuses this; match nothing. */
        }
        if (!strchr(buf, '/') || strcmp(strchr(buf, '/'), "/0")) {
            free(ip_match);
            ip_match = xasprintf(",%s%s=%s", version == 6 ? "ipv6" : "nw",
                                 ingress ? "_src" : "_dst", buf);
        }
    }
    if (proto == -EINVAL) {
        free(ip_match);
        return alts;
    }
    if (proto == 6 || proto == 17 || proto == 132) {
        const char *name = proto == 6 ? "tcp" : proto == 17 ? "udp" : "sctp";
        base = xasprintf("%s%s", name, version == 6 ? "6" : "");
    } else if ((proto == 1 && version == 4)
               || ((proto == 58 || proto == 1) && version == 6)) {
        base = xstrdup(version == 6 ? "icmp6" : "icmp");
    } else if (proto >= 0) {
        base = xasprintf("%s,nw_proto=%d", l3, proto);
    } else {
        base = xstrdup(l3);
    }
    if ((proto == 6 || proto == 17 || proto == 132) && json_is_integer(pmin)) {
        int lo = json_integer_value(pmin);
        int hi = json_is_integer(pmax) ? json_integer_value(pmax) : lo;
        uint32_t masks[32][2];
        int n = ovsfw_port_masks(lo, hi, masks);

        for (int i = 0; i < n; i++) {
            json_array_append_new(
                alts, masks[i][1] == 0xffff
                          ? json_sprintf("%s,tp_dst=%u%s", base, masks[i][0],
                                         ip_match)
                          : json_sprintf("%s,tp_dst=0x%x/0x%x%s", base,
                                         masks[i][0], masks[i][1], ip_match));
        }
    } else if ((proto == 1 || proto == 58) && json_is_integer(pmin)) {
        json_array_append_new(
            alts, json_is_integer(pmax)
                      ? json_sprintf("%s,icmp_type=%lld,icmp_code=%lld%s",
                                     base, json_integer_value(pmin),
                                     json_integer_value(pmax), ip_match)
                      : json_sprintf("%s,icmp_type=%lld%s", base,
                                     json_integer_value(pmin), ip_match));
    } else {
        json_array_append_new(alts, json_sprintf("%s%s", base, ip_match));
    }
    free(base);
    free(ip_match);
    return alts;
}

/* The remote of a rule that needs a third clause ("sg:ID" / "ag:ID"), or
 * NULL. */
static char *
rule_remote(json_t *rule)
{
    const char *sg = str(rule, "remote_group_id");
    const char *ag = str(rule, "remote_address_group_id");

    return sg ? xasprintf("sg:%s", sg) : ag ? xasprintf("ag:%s", ag) : NULL;
}

/* A rule's class: the group, its remote, direction and IP version.  Each
 * class is one conjunction (two ids when stateful: new and established
 * connections): group set clauses (reg7) x rule clauses (protocol,
 * ports, prefix) [x remote addresses].  Rules of one class share it, so a
 * rule of an existing class adds flows that touch no port, and a new
 * class one clause flow per group set that has the group. */
static json_t *
rule_class(const char *sg_id, json_t *rule)
{
    const char *dir = str(rule, "direction");
    const char *eth = str(rule, "ethertype");
    bool ingress = dir && !strcmp(dir, "ingress");
    int version = eth && !strcmp(eth, "IPv6") ? 6 : 4;
    char *remote = rule_remote(rule);
    char *key = xasprintf("%s|%s|%s|%d", sg_id, remote ? remote : "-",
                          ingress ? "ingress" : "egress", version);
    json_t *c = json_pack("{s:s, s:s*, s:b, s:i}", "key", key, "remote",
                          remote, "ingress", ingress, "version", version);

    free(remote);
    free(key);
    return c;
}

/* The ct_state of each conjunction id of a class ([0]: id, [1]: id + 1),
 * NULL for a stateless group's single id. */
static size_t
variants(bool stateful, const char *ret[2])
{
    ret[0] = stateful ? CT_NEW : NULL;
    ret[1] = CT_EST;
    return stateful ? 2 : 1;
}

/* Adds 'action' to the clause flow 'match' of 'table' in 'clauses'
 * ("TABLE MATCH" -> object of actions). */
static void
add_clause(json_t *clauses, int table, const char *match, const char *action)
{
    char *key = xasprintf("%d %s", table, match);
    json_t *acts = json_object_get(clauses, key);

    if (!acts) {
        acts = json_object();
        json_object_set_new(clauses, key, acts);
    }
    json_object_set_new(acts, action, json_true());
    free(key);
}

/* Orders "conjunction(ID,K/N)" actions by ID, so a flow's text is
 * stable. */
static int
cmp_actions(const void *a, const void *b)
{
    long long x = atoll(strchr(*(const char *const *) a, '(') + 1);
    long long y = atoll(strchr(*(const char *const *) b, '(') + 1);

    return x < y ? -1 : x > y;
}

/* Adds the flow of clause 'key' ("TABLE MATCH") with actions 'acts' to
 * 'set'. */
static void
clause_flow(struct ovsfw *fw, const char *key, json_t *acts, json_t *set)
{
    size_t n = json_object_size(acts), k = 0;
    const char **sorted = xcalloc(n, sizeof *sorted);
    struct ds text = DS_EMPTY_INITIALIZER;
    const char *act;
    json_t *v;

    json_object_foreach (acts, act, v) {
        sorted[k++] = act;
    }
    qsort(sorted, n, sizeof *sorted, cmp_actions);
    for (k = 0; k < n; k++) {
        ds_put_format(&text, "%s%s", k ? "," : "", sorted[k]);
    }
    flows_add(set, fw->cookie, atoi(key), PRIO_CONJ, strchr(key, ' ') + 1,
              ds_cstr(&text));
    ds_destroy(&text);
    free(sorted);
}

/* Adds the flows of 'clauses' to 'set', each with all its actions. */
static void
clause_flows(struct ovsfw *fw, json_t *clauses, json_t *set)
{
    const char *key;
    json_t *acts;

    json_object_foreach (clauses, key, acts) {
        clause_flow(fw, key, acts, set);
    }
}

/* Whether the port's traffic goes through conntrack: not when every one
 * of its groups is stateless. */
static bool
port_stateful(struct ovsfw *fw, json_t *port)
{
    json_t *id;
    size_t i;

    json_array_foreach (json_object_get(port, "security_groups"), i, id) {
        json_t *sg = json_object_get(fw->sgs, json_string_value(id));
        if (!json_is_false(json_object_get(sg, "stateful"))) {
            return true;
        }
    }
    return !json_array_size(json_object_get(port, "security_groups"));
}

bool
ovsfw_port_filtered(json_t *port)
{
    const char *owner = str(port, "device_owner");

    return !json_is_false(json_object_get(port, "port_security_enabled"))
           && !(owner && str_startswith(owner, "network:"));
}

/* ---- Groups. ---- */

/* Group 'id''s cache entry, brought up to date: "classes" (its rules'
 * classes, each once), "stateful" and "version" (bumped when its rules or
 * statefulness change).  NULL for a group the replica does not have. */
static json_t *
group_entry(struct ovsfw *fw, const char *id)
{
    json_t *sg = json_object_get(fw->sgs, id);
    json_t *entry = json_object_get(fw->groups, id);
    json_t *what, *classes, *rule, *seen;
    char *text;
    size_t i;

    if (!sg) {
        return NULL;
    }
    if (entry && json_object_get(entry, "obj") == sg) {
        return entry;
    }
    what = json_pack("{s:O, s:O*}", "rules",
                     json_object_get(sg, "security_group_rules"), "stateful",
                     json_object_get(sg, "stateful"));
    text = json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(what);
    if (!entry) {
        entry =
            json_pack("{s:s, s:I}", "rules", "", "version", (json_int_t) 0);
        json_object_set_new(fw->groups, id, entry);
    }
    if (strcmp(str(entry, "rules"), text)) {
        classes = json_array();
        seen = json_object();
        json_array_foreach (json_object_get(sg, "security_group_rules"), i,
                            rule) {
            json_t *c = rule_class(id, rule);
            if (!json_object_get(seen, str(c, "key"))) {
                json_object_set_new(seen, str(c, "key"), json_true());
                json_array_append(classes, c);
            }
            json_decref(c);
        }
        json_decref(seen);
        json_object_set_new(entry, "classes", classes);
        json_object_set_new(entry, "rules", json_string(text));
        json_object_set_new(entry, "version", json_integer(++fw->version));
        json_object_set_new(
            entry, "stateful",
            json_boolean(!json_is_false(json_object_get(sg, "stateful"))));
    }
    json_object_set(entry, "obj", sg);
    free(text);
    return entry;
}

/* The conjunction accept flow of 'id' (ct_state 'ct' or NULL) of IP
 * 'version' (conntrack wants the ethertype matched). */
static void
accept_flow(struct ovsfw *fw, json_t *set, bool ingress, int version,
            json_int_t id, const char *ct)
{
    char *actions = !ingress ? xasprintf("resubmit(,%d)", T_ACCEPT_OR_INGRESS)
                    : ct && !strcmp(ct, CT_NEW)
                        ? xstrdup("ct(commit," ZONE "),output:NXM_NX_REG5[]")
                        : xstrdup("output:NXM_NX_REG5[]");

    add(set, fw->cookie, ingress ? T_RULES_INGRESS : T_RULES_EGRESS, PRIO_CONJ,
        actions, "conj_id=%lld,%s", (long long) id,
        version == 6 ? "ipv6" : "ip");
    free(actions);
}

/* The rule clauses and accept flows of group 'id' into 'clauses' and
 * 'set'. */
static void
group_flows(struct ovsfw *fw, const char *id, json_t *clauses, json_t *set)
{
    json_t *entry = group_entry(fw, id), *rule;
    bool stateful = json_is_true(json_object_get(entry, "stateful"));
    const char *cts[2];
    size_t nv = variants(stateful, cts), i;

    json_array_foreach (
        json_object_get(json_object_get(fw->sgs, id), "security_group_rules"),
        i, rule) {
        json_t *c = rule_class(id, rule), *alts, *alt;
        bool ingress = json_is_true(json_object_get(c, "ingress"));
        int table = ingress ? T_RULES_INGRESS : T_RULES_EGRESS;
        int n = json_is_string(json_object_get(c, "remote")) ? 3 : 2;
        json_int_t conj = conj_id(fw, str(c, "key"));
        size_t j;

        int version = json_integer_value(json_object_get(c, "version"));

        alts = rule_match(rule, version, ingress);
        json_array_foreach (alts, j, alt) {
            for (size_t v = 0; v < nv; v++) {
                char *action = xasprintf("conjunction(%lld,2/%d)",
                                         (long long) (conj + v), n);
                add_clause(clauses, table, json_string_value(alt), action);
                free(action);
            }
        }
        for (size_t v = 0; v < nv; v++) {
            accept_flow(fw, set, ingress, version, conj + v, cts[v]);
        }
        json_decref(alts);
        json_decref(c);
    }
}

/* A port's own flows (its group set's clauses are the set's). */
static void
compute_base(struct pctx *p)
{
    json_t *pairs, *macs;

    if (!ovsfw_port_filtered(p->port)) {
        unfiltered_flows(p);
        return;
    }
    pairs = ovsfw_port_pairs(p->port);
    macs = pair_macs(pairs);
    transient_flows(p, macs);
    egress_base_flows(p, pairs, macs);
    ingress_track_flows(p);
    json_decref(pairs);
    json_decref(macs);
}

/* ---- Passes and the cache. ---- */

void
ovsfw_begin(struct ovsfw *fw, json_t *security_groups, json_t *address_groups)
{
    fw->sgs = security_groups;
    fw->ags = address_groups;
    fw->pass++;
    json_object_clear(fw->conj_used);
    json_object_clear(fw->set_used);
}

/* A port's recipe and its entry in fw->ports are arrays, not objects: a
 * jansson object costs a hash table and a block per key, ~1 KB for these,
 * and there is one of each per port wired on the host. */
enum {
    RECIPE_KIND,     /* "port" */
    RECIPE_PORT,     /* The port object. */
    RECIPE_OFPORT,   /* Integer. */
    RECIPE_LVID,     /* Integer. */
    RECIPE_STATEFUL, /* Boolean. */
    RECIPE_SGSET,    /* Integer: the group set's id (reg7). */
};
enum {
    ENTRY_RECIPE, /* The port's recipe. */
    ENTRY_SGSET,  /* String: its group set's key ("" for none). */
    ENTRY_PASS,   /* Integer: the last pass that saw it. */
};

static json_int_t
recipe_int(json_t *recipe, size_t field)
{
    return json_integer_value(json_array_get(recipe, field));
}

static json_t *
entry_port(json_t *entry)
{
    return json_array_get(json_array_get(entry, ENTRY_RECIPE), RECIPE_PORT);
}

static int
entry_int(json_t *entry, size_t field)
{
    return (int) recipe_int(json_array_get(entry, ENTRY_RECIPE), field);
}

/* True if 'recipe' (may be NULL) was made from these. */
static bool
recipe_is(json_t *recipe, json_t *port, int ofport, int lvid, bool stateful,
          json_int_t sgset)
{
    return recipe && json_array_get(recipe, RECIPE_PORT) == port
           && recipe_int(recipe, RECIPE_OFPORT) == ofport
           && recipe_int(recipe, RECIPE_LVID) == lvid
           && json_is_true(json_array_get(recipe, RECIPE_STATEFUL)) == stateful
           && recipe_int(recipe, RECIPE_SGSET) == sgset;
}

/* The flows of a port recipe. */
static json_t *
port_set(struct ovsfw *fw, json_t *recipe)
{
    struct pctx p = {
        fw,
        json_array_get(recipe, RECIPE_PORT),
        json_object(),
        recipe_int(recipe, RECIPE_OFPORT),
        recipe_int(recipe, RECIPE_LVID),
        json_is_true(json_array_get(recipe, RECIPE_STATEFUL)),
        recipe_int(recipe, RECIPE_SGSET),
    };

    compute_base(&p);
    return p.set;
}

json_t *
ovsfw_expand(struct ovsfw *fw, json_t *part)
{
    if (!json_is_array(part)) {
        return json_incref(part);
    }
    const char *kind = json_string_value(json_array_get(part, RECIPE_KIND));
    return kind && !strcmp(kind, "port") ? port_set(fw, part) : json_object();
}

json_t *
ovsfw_port(struct ovsfw *fw, json_t *port, int ofport, int lvid)
{
    const char *id = str(port, "id");
    json_t *entry = json_object_get(fw->ports, id ? id : "");
    bool stateful = port_stateful(fw, port);
    char *key = ovsfw_port_filtered(port) ? set_key(port) : xstrdup("");
    json_int_t sgset =
        *key ? hashed_id(fw->set_ids, fw->set_keys, fw->set_used, key, 1) : 0;
    json_t *recipe = json_array_get(entry, ENTRY_RECIPE);

    /* The same set id stands for the same key within a pass, so an entry
     * whose recipe stands keeps its key too. */
    if (recipe_is(recipe, port, ofport, lvid, stateful, sgset)) {
        json_integer_set(json_array_get(entry, ENTRY_PASS), fw->pass);
    } else {
        recipe = json_pack("[s, O, i, i, b, I]", "port", port, ofport, lvid,
                           stateful, sgset);
        entry = json_pack("[o, s, I]", recipe, key, fw->pass);
        json_object_set_new(fw->ports, id ? id : "", entry);
    }
    free(key);
    return recipe;
}

/* The raw address list a need reads (a group's members of its IP
 * version, an address group's addresses), or NULL. */
static json_t *
need_list(struct ovsfw *fw, json_t *need)
{
    const char *remote = str(need, "remote");
    int version = json_integer_value(json_object_get(need, "version"));

    if (str_startswith(remote, "sg:")) {
        json_t *sg = json_object_get(fw->sgs, remote + 3);
        return json_object_get(json_object_get(sg, "members"),
                               version == 6 ? "IPv6" : "IPv4");
    }
    return json_object_get(json_object_get(fw->ags, remote + 3), "addresses");
}

/* Adds (or with !'add', removes) the action 'action' of clause flow
 * 'match' of 'table' in 'clauses', noting the clause in 'touched'. */
static void
edit_clause(json_t *clauses, int table, const char *match, const char *action,
            bool add, json_t *touched)
{
    char *key = xasprintf("%d %s", table, match);
    json_t *acts = json_object_get(clauses, key);

    if (add) {
        add_clause(clauses, table, match, action);
    } else if (acts) {
        json_object_del(acts, action);
        if (!json_object_size(acts)) {
            json_object_del(clauses, key);
        }
    }
    json_object_set_new(touched, key, json_true());
    free(key);
}

/* Adds (or with !'add', removes) the address clauses of one need, for the
 * addresses of 'list', to 'clauses'. */
static void
need_clauses(json_t *need, json_t *list, bool add, json_t *clauses,
             json_t *touched)
{
    int version = json_integer_value(json_object_get(need, "version"));
    bool ingress = json_is_true(json_object_get(need, "ingress"));
    json_int_t conj = json_integer_value(json_object_get(need, "conj"));
    json_int_t nv = json_integer_value(json_object_get(need, "variants"));
    char buf[IPNET_STRLEN];
    json_t *a;
    size_t i;

    json_array_foreach (list, i, a) {
        char *match;

        if (canonical(json_string_value(a), buf) != version) {
            continue;
        }
        match = xasprintf(
            "reg6=%lld,%s,%s%s=%s",
            (long long) json_integer_value(json_object_get(need, "lvid")),
            version == 6 ? "ipv6" : "ip", version == 6 ? "ipv6" : "nw",
            ingress ? "_src" : "_dst", buf);

        for (json_int_t v = 0; v < nv; v++) {
            char *action =
                xasprintf("conjunction(%lld,3/3)", (long long) (conj + v));
            edit_clause(clauses, ingress ? T_RULES_INGRESS : T_RULES_EGRESS,
                        match, action, add, touched);
            free(action);
        }
        free(match);
    }
}

/* The rule clauses and accept flows of every group a port of this pass
 * has: the same set (and json_t) as last pass unless one changed. */
static json_t *
rules_part(struct ovsfw *fw, json_t *group_ids)
{
    struct ds fp = DS_EMPTY_INITIALIZER;
    json_t *clauses, *set, *v;
    const char *id;

    json_object_foreach (group_ids, id, v) {
        json_t *entry = group_entry(fw, id);
        ds_put_format(
            &fp, "%s:%lld ", id,
            (long long) json_integer_value(json_object_get(entry, "version")));
    }
    if (fw->rules && !strcmp(str(fw->rules, "fp"), ds_cstr(&fp))) {
        ds_destroy(&fp);
        return json_incref(json_object_get(fw->rules, "set"));
    }
    clauses = json_object();
    set = json_object();
    json_object_foreach (group_ids, id, v) {
        if (group_entry(fw, id)) {
            group_flows(fw, id, clauses, set);
        }
    }
    clause_flows(fw, clauses, set);
    json_decref(clauses);
    json_decref(fw->rules);
    fw->rules = json_pack("{s:s, s:O}", "fp", ds_cstr(&fp), "set", set);
    ds_destroy(&fp);
    return set;
}

/* The address list need 'need' reads now, never NULL. */
static json_t *
list_of(struct ovsfw *fw, json_t *need)
{
    json_t *list = need_list(fw, need);

    return list ? list : json_null();
}

/* The remote address clauses of 'needs': one flow per address and local
 * VLAN, with a conjunction action per need that names it.  Only the needs
 * that changed (new, gone, or whose address list changed: a group's object
 * is replaced whenever one of its rules changes, so members are compared,
 * not identities) are applied to the clauses kept from last time, and
 * only the flows they touch are made again; the same set (and json_t) as
 * last pass if none. */
static json_t *
remote_part(struct ovsfw *fw, json_t *needs)
{
    json_t *r = fw->remote, *touched = json_object(), *set, *need, *acts;
    json_t *old_needs, *lists, *clauses;
    const char *key;

    if (!r) {
        r = fw->remote = json_pack("{s:{}, s:{}, s:{}, s:{}}", "needs",
                                   "lists", "clauses", "set");
    }
    old_needs = json_object_get(r, "needs");
    lists = json_object_get(r, "lists");
    clauses = json_object_get(r, "clauses");
    json_object_foreach (old_needs, key, need) {
        json_t *now = json_object_get(needs, key);
        if (!now || !json_equal(now, need)
            || !json_equal(json_object_get(lists, key), list_of(fw, now))) {
            need_clauses(need, json_object_get(lists, key), false, clauses,
                         touched);
        }
    }
    json_object_foreach (needs, key, need) {
        json_t *had = json_object_get(old_needs, key);
        if (!had || !json_equal(had, need)
            || !json_equal(json_object_get(lists, key), list_of(fw, need))) {
            need_clauses(need, list_of(fw, need), true, clauses, touched);
        }
    }
    if (!json_object_size(touched)) {
        json_decref(touched);
        return json_incref(json_object_get(r, "set"));
    }
    set = json_copy(json_object_get(r, "set"));
    json_object_foreach (touched, key, need) {
        char *id = xasprintf("table=%d,priority=%d,%s", atoi(key), PRIO_CONJ,
                             strchr(key, ' ') + 1);
        json_object_del(set, id);
        free(id);
        if ((acts = json_object_get(clauses, key))) {
            clause_flow(fw, key, acts, set);
        }
    }
    json_object_clear(lists);
    json_object_foreach (needs, key, need) {
        json_object_set(lists, key, list_of(fw, need));
    }
    json_object_set(r, "needs", needs);
    json_object_set_new(r, "set", set);
    json_decref(touched);
    return json_incref(set);
}

/* Gathers what the ports of the pass need: the groups of the filtered
 * ones and the local VLANs of each group set; forgets the ports the pass
 * did not see. */
static void
gather(struct ovsfw *fw)
{
    json_t *entry;
    const char *key;
    void *tmp;

    json_decref(fw->group_ids);
    json_decref(fw->set_lvids);
    json_decref(fw->by_group);
    fw->group_ids = json_object();
    fw->set_lvids = json_object();
    fw->by_group = NULL; /* Made when a change of groups alone needs it. */
    json_object_foreach_safe (fw->ports, tmp, key, entry) {
        const char *sgset =
            json_string_value(json_array_get(entry, ENTRY_SGSET));
        json_t *id, *lvids;
        char lvid[16];
        size_t i;

        if (json_integer_value(json_array_get(entry, ENTRY_PASS))
            != fw->pass) {
            json_object_del(fw->ports, key);
            continue;
        }
        if (!*sgset) {
            continue; /* Not filtered, or no group: no rules. */
        }
        json_array_foreach (
            json_object_get(entry_port(entry), "security_groups"), i, id) {
            json_object_set_new(fw->group_ids, json_string_value(id),
                                json_true());
        }
        if (!(lvids = json_object_get(fw->set_lvids, sgset))) {
            lvids = json_object();
            json_object_set_new(fw->set_lvids, sgset, lvids);
        }
        snprintf(lvid, sizeof lvid, "%d", entry_int(entry, RECIPE_LVID));
        json_object_set_new(lvids, lvid, json_true());
    }
}

/* Adds the remote need of class 'c' (conjunction 'conj', 'nv' variants)
 * on each local VLAN of 'lvids' to fw->needs: an id stands for its group,
 * remote, direction and version, so "ID/LVID" names a need once. */
static void
add_needs(struct ovsfw *fw, json_t *c, json_int_t conj, size_t nv,
          json_t *lvids)
{
    const char *lvid;
    json_t *v;

    json_object_foreach (lvids, lvid, v) {
        char *key = xasprintf("%lld/%s", (long long) conj, lvid);

        json_object_set_new(
            fw->needs, key,
            json_pack("{s:I, s:I, s:s, s:O, s:O, s:i}", "conj", conj,
                      "variants", (json_int_t) nv, "remote", str(c, "remote"),
                      "version", json_object_get(c, "version"), "ingress",
                      json_object_get(c, "ingress"), "lvid", atoi(lvid)));
        free(key);
    }
}

/* Adds the clauses of group set 'sgset' for the classes of group 'gid'
 * to 'clauses', and their remote needs on 'lvids' to fw->needs. */
static void
set_group_clauses(struct ovsfw *fw, json_int_t sgset, const char *gid,
                  json_t *lvids, json_t *clauses)
{
    json_t *entry = group_entry(fw, gid), *c;
    const char *cts[2];
    size_t nv, i;

    if (!entry) {
        return;
    }
    nv = variants(json_is_true(json_object_get(entry, "stateful")), cts);
    json_array_foreach (json_object_get(entry, "classes"), i, c) {
        bool ingress = json_is_true(json_object_get(c, "ingress"));
        int version = json_integer_value(json_object_get(c, "version"));
        bool remote = json_is_string(json_object_get(c, "remote"));
        json_int_t conj = conj_id(fw, str(c, "key"));

        for (size_t v = 0; v < nv; v++) {
            char *match =
                xasprintf("reg7=%lld%s%s,%s", (long long) sgset,
                          cts[v] ? ",ct_state=" : "", cts[v] ? cts[v] : "",
                          version == 6 ? "ipv6" : "ip");
            char *action = xasprintf("conjunction(%lld,1/%d)",
                                     (long long) (conj + v), remote ? 3 : 2);

            add_clause(clauses, ingress ? T_RULES_INGRESS : T_RULES_EGRESS,
                       match, action);
            free(match);
            free(action);
        }
        if (remote) {
            add_needs(fw, c, conj, nv, lvids);
        }
    }
}

/* The group sets' clauses ("fw-sets"): for each set in use, its clause
 * (reg7) of each conjunction of its groups' classes; the same set (and
 * json_t) as last time if they are the same.  Makes fw->needs, the remote
 * addresses those conjunctions need on the sets' local VLANs. */
static json_t *
sets_part(struct ovsfw *fw)
{
    json_t *clauses = json_object(), *lvids, *set;
    const char *key;
    char *fp;

    json_decref(fw->needs);
    fw->needs = json_object();
    json_object_foreach (fw->set_lvids, key, lvids) {
        json_int_t id =
            hashed_id(fw->set_ids, fw->set_keys, fw->set_used, key, 1);
        char *gids = xstrdup(key), *save = NULL;

        for (char *gid = strtok_r(gids, ",", &save); gid;
             gid = strtok_r(NULL, ",", &save)) {
            set_group_clauses(fw, id, gid, lvids, clauses);
        }
        free(gids);
    }
    fp = json_dumps(clauses, JSON_COMPACT | JSON_SORT_KEYS);
    if (fw->sets && !strcmp(str(fw->sets, "fp"), fp)) {
        set = json_incref(json_object_get(fw->sets, "set"));
    } else {
        set = json_object();
        clause_flows(fw, clauses, set);
        json_decref(fw->sets);
        fw->sets = json_pack("{s:s, s:O}", "fp", fp, "set", set);
    }
    free(fp);
    json_decref(clauses);
    return set;
}

/* The ports of each group (id -> {port id: true}), from the last pass. */
static json_t *
ports_by_group(struct ovsfw *fw)
{
    json_t *entry, *id;
    const char *key;
    size_t i;

    if (fw->by_group) {
        return fw->by_group;
    }
    fw->by_group = json_object();
    json_object_foreach (fw->ports, key, entry) {
        json_array_foreach (
            json_object_get(entry_port(entry), "security_groups"), i, id) {
            const char *gid = json_string_value(id);
            json_t *members = json_object_get(fw->by_group, gid);

            if (!members) {
                members = json_object();
                json_object_set_new(fw->by_group, gid, members);
            }
            json_object_set_new(members, key, json_true());
        }
    }
    return fw->by_group;
}

/* Frees the conjunction and group set ids no port uses any more and
 * forgets the groups the replica no longer has. */
static void
prune(struct ovsfw *fw)
{
    json_t *entry;
    const char *key;
    void *tmp;

    prune_ids(fw->conj_ids, fw->conj_keys, fw->conj_used);
    prune_ids(fw->set_ids, fw->set_keys, fw->set_used);
    json_object_foreach_safe (fw->groups, tmp, key, entry) {
        if (!json_object_get(fw->sgs, key)) {
            json_object_del(fw->groups, key);
        }
    }
}

/* Puts the parts every port shares into 'parts': the groups' rules, the
 * group sets' clauses and the remote addresses (in that order: the sets
 * make the remote needs). */
static void
shared_parts(struct ovsfw *fw, json_t *parts)
{
    json_object_set_new(parts, "fw-rules", rules_part(fw, fw->group_ids));
    json_object_set_new(parts, "fw-sets", sets_part(fw));
    json_object_set_new(parts, "fw-remote", remote_part(fw, fw->needs));
}

void
ovsfw_end(struct ovsfw *fw, json_t *parts)
{
    gather(fw);
    shared_parts(fw, parts);
    prune(fw);
    fw->sgs = fw->ags = NULL;
}

/* Group 'id''s statefulness as the cache holds it: 1 or 0, -1 if the
 * cache has no such group. */
static int
cached_stateful(struct ovsfw *fw, const char *id)
{
    json_t *entry = json_object_get(fw->groups, id);

    return entry ? json_is_true(json_object_get(entry, "stateful")) : -1;
}

void
ovsfw_update_groups(struct ovsfw *fw, json_t *security_groups,
                    json_t *address_groups, ovsfw_port_func *port_fn,
                    void *aux, json_t *parts)
{
    json_t *redo = json_object(), *members, *v;
    const char *gid, *pid;

    fw->sgs = security_groups;
    fw->ags = address_groups;
    /* Only the groups the ports have matter; of those, only a change of
     * statefulness reaches the ports' own flows (a group gone may be
     * one): their recipes are made again where it did. */
    json_object_foreach (ports_by_group(fw), gid, members) {
        int before = cached_stateful(fw, gid);

        if (!group_entry(fw, gid)) {
            json_object_del(fw->groups, gid);
        }
        if (cached_stateful(fw, gid) != before) {
            json_object_update(redo, members);
        }
    }
    json_object_foreach (redo, pid, v) {
        json_t *entry = json_object_get(fw->ports, pid);
        json_t *old = json_incref(json_array_get(entry, ENTRY_RECIPE));
        json_t *flows =
            ovsfw_port(fw, entry_port(entry), entry_int(entry, RECIPE_OFPORT),
                       entry_int(entry, RECIPE_LVID));

        if (flows != old) {
            port_fn(aux, pid, flows);
        }
        json_decref(old);
    }
    shared_parts(fw, parts);
    json_decref(redo);
    fw->sgs = fw->ags = NULL;
}

json_t *
ovsfw_spoofing_flows(uint64_t cookie, json_t *port, int ofport)
{
    json_t *set = json_object(), *pairs, *macs, *v;
    const char *mac;
    size_t i;

    if (!ovsfw_port_filtered(port)) {
        return set;
    }
    pairs = ovsfw_port_pairs(port);
    macs = pair_macs(pairs);
    add(set, cookie, 0, 10, "resubmit(,24)", "in_port=%d,arp", ofport);
    add(set, cookie, 0, 10, "resubmit(,24)",
        "in_port=%d,icmp6,icmp_type=136,icmp_code=0", ofport);
    add(set, cookie, 0, 9, "resubmit(,25)", "in_port=%d", ofport);
    json_array_foreach (pairs, i, v) {
        if (json_integer_value(json_object_get(v, "version")) == 4) {
            add(set, cookie, 24, 2, "resubmit(,25)",
                "in_port=%d,arp,arp_spa=%s", ofport, str(v, "ip"));
        } else {
            add(set, cookie, 24, 2, "resubmit(,60)",
                "in_port=%d,icmp6,icmp_type=136,icmp_code=0,nd_target=%s",
                ofport, str(v, "ip"));
        }
    }
    json_object_foreach (macs, mac, v) {
        add(set, cookie, 25, 2, "resubmit(,60)", "in_port=%d,dl_src=%s",
            ofport, mac);
    }
    json_decref(pairs);
    json_decref(macs);
    return set;
}
