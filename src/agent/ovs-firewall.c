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

#define PRIO_RULE 70 /* A rule without a remote group. */
#define PRIO_CONJ 71 /* Conjunction clauses and their accept flows. */

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
     * text, "version": bumped when they change}. */
    json_t *groups;
    /* Port id -> {"port", "fp" (fingerprint), "flows", "needs", "pass"}. */
    json_t *ports;
    /* Conjunction key -> id, and id (text) -> key, for every key in use;
     * "used": keys of this pass. */
    json_t *conj_ids, *conj_keys, *conj_used;
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

/* The (MAC, address) pairs a port may send from, each as
 * {"mac", "ip", "version"}: its fixed IPs and allowed address pairs, plus
 * the IPv6 link-local address of each of its MACs. */
static json_t *
port_pairs(json_t *port)
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

/* ---- Conjunction ids. ---- */

/* The conjunction id of 'key' (security group, remote, direction,
 * ethertype): a hash of the key, so a restarted agent mostly picks the
 * same ids, probed past ids other keys hold.  Even: +1 is the established
 * variant of a stateful rule. */
static json_int_t
conj_id(struct ovsfw *fw, const char *key)
{
    static const uint8_t hash_key[16];
    json_t *id = json_object_get(fw->conj_ids, key);
    json_int_t n;
    char text[24];

    json_object_set_new(fw->conj_used, key, json_true());
    if (id) {
        return json_integer_value(id);
    }
    n = (json_int_t) (siphash24(hash_key, key, strlen(key)) % (1u << 30)) * 2
        + 2;
    for (;;) {
        snprintf(text, sizeof text, "%lld", (long long) n);
        if (!json_object_get(fw->conj_keys, text)) {
            break;
        }
        n = n + 2 > (1LL << 31) ? 2 : n + 2;
    }
    json_object_set_new(fw->conj_ids, key, json_integer(n));
    json_object_set_new(fw->conj_keys, text, json_string(key));
    return n;
}

/* ---- A port's flows. ---- */

/* What one port's computation works with. */
struct pctx {
    struct ovsfw *fw;
    json_t *port;
    json_t *set;     /* The port's flows. */
    json_t *clauses; /* "TABLE MATCH" -> conjunction actions so far. */
    json_t *needs;   /* Remote addresses the clauses need. */
    int ofport, lvid;
    bool stateful;
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
    char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);

    padd(p, T_TRANSIENT, 100, actions, "in_port=%d", p->ofport);
    padd(p, T_ACCEPT_OR_INGRESS, 80, to_normal, "reg5=%d", p->ofport);
    free(actions);
    free(to_normal);
}

/* Table 60: what enters the port's pipelines. */
static void
transient_flows(struct pctx *p, json_t *macs)
{
    char *egress = xasprintf("set_field:%d->reg5,set_field:%d->reg6,"
                             "resubmit(,%d)",
                             p->ofport, p->lvid, T_BASE_EGRESS);
    char *ingress = xasprintf("set_field:%d->reg5,set_field:%d->reg6,"
                              "strip_vlan,resubmit(,%d)",
                              p->ofport, p->lvid, T_BASE_INGRESS);
    char *local = xasprintf("set_field:%d->reg5,resubmit(,%d)", p->ofport,
                            T_BASE_INGRESS);
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
    char *to_73 = xasprintf("resubmit(,%d)", T_ACCEPT_OR_INGRESS);
    char *to_dropped = xasprintf("resubmit(,%d)", T_DROPPED);
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
    /* DHCP clients, even before they have an address. */
    padd(p, T_BASE_EGRESS, 80, to_73,
         "reg5=%d,in_port=%d,udp,tp_src=68,"
         "tp_dst=67",
         of, of);
    padd(p, T_BASE_EGRESS, 80, to_73,
         "reg5=%d,in_port=%d,udp6,tp_src=546,"
         "tp_dst=547",
         of, of);
    /* No DHCP server, no router advertisements from an instance. */
    padd(p, T_BASE_EGRESS, 70, to_dropped,
         "reg5=%d,in_port=%d,udp,"
         "tp_src=67,tp_dst=68",
         of, of);
    padd(p, T_BASE_EGRESS, 70, to_dropped,
         "reg5=%d,in_port=%d,udp6,"
         "tp_src=547,tp_dst=546",
         of, of);
    padd(p, T_BASE_EGRESS, 70, to_dropped,
         "reg5=%d,in_port=%d,icmp6,"
         "icmp_type=134",
         of, of);
    padd(p, T_BASE_EGRESS, 10, to_dropped, "reg5=%d,in_port=%d", of, of);
    free(track);
    free(to_normal);
    free(to_73);
    free(to_dropped);
}

/* Table 73 for a filtered port: new connections committed. */
static void
accept_flows(struct pctx *p)
{
    char *commit =
        xasprintf("ct(commit," ZONE "),resubmit(,%d)", T_ACCEPTED_EGRESS);
    char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);

    if (p->stateful) {
        padd(p, T_ACCEPT_OR_INGRESS, 90, commit,
             "reg5=%d,ct_state=" CT_NEW ",ip", p->ofport);
        padd(p, T_ACCEPT_OR_INGRESS, 90, commit,
             "reg5=%d,ct_state=" CT_NEW ",ipv6", p->ofport);
    }
    padd(p, T_ACCEPT_OR_INGRESS, 80, to_normal, "reg5=%d", p->ofport);
    free(commit);
    free(to_normal);
}

/* Table 81: what reaches the port whatever the rules, and tracking. */
static void
ingress_base_flows(struct pctx *p)
{
    char *out = xasprintf("output:%d", p->ofport);
    char *track = xasprintf("ct(table=%d," ZONE ")", T_RULES_INGRESS);
    char *to_rules = xasprintf("resubmit(,%d)", T_RULES_INGRESS);
    int of = p->ofport;

    padd(p, T_BASE_INGRESS, 100, out, "reg5=%d,arp", of);
    for (size_t t = 0; t < ARRAY_SIZE(icmp6_ingress); t++) {
        padd(p, T_BASE_INGRESS, 100, out, "reg5=%d,icmp6,icmp_type=%d", of,
             icmp6_ingress[t]);
    }
    padd(p, T_BASE_INGRESS, 95, out, "reg5=%d,udp,tp_src=67,tp_dst=68", of);
    padd(p, T_BASE_INGRESS, 95, out, "reg5=%d,udp6,tp_src=547,tp_dst=546", of);
    if (p->stateful) {
        padd(p, T_BASE_INGRESS, 90, track, "reg5=%d,ct_state=-trk,ip", of);
        padd(p, T_BASE_INGRESS, 90, track, "reg5=%d,ct_state=-trk,ipv6", of);
        padd(p, T_BASE_INGRESS, 80, to_rules, "reg5=%d,ct_state=+trk", of);
    } else {
        padd(p, T_BASE_INGRESS, 90, to_rules, "reg5=%d,ip", of);
        padd(p, T_BASE_INGRESS, 90, to_rules, "reg5=%d,ipv6", of);
    }
    free(out);
    free(track);
    free(to_rules);
}

/* Tables 72 and 82 before the rules: established and related traffic
 * passes; a connection whose rule went away is marked and dropped. */
static void
tracked_flows(struct pctx *p, int table, const char *accept)
{
    char *to_dropped = xasprintf("resubmit(,%d)", T_DROPPED);
    char *mark = xstrdup("ct(commit," ZONE ",exec(set_field:0x1->ct_mark))");
    int of = p->ofport;

    padd(p, table, 50, to_dropped, "reg5=%d,ct_mark=0x1", of);
    padd(p, table, 50, accept,
         "reg5=%d,ct_state=" CT_REPLY ",ct_mark=0,ct_zone=%d", of, p->lvid);
    padd(p, table, 50, accept,
         "reg5=%d,ct_state=" CT_REL ",ct_mark=0,ct_zone=%d", of, p->lvid);
    padd(p, table, 40, to_dropped, "reg5=%d,ct_state=-est", of);
    padd(p, table, 40, mark, "reg5=%d,ct_state=+est,ip", of);
    padd(p, table, 40, mark, "reg5=%d,ct_state=+est,ipv6", of);
    free(to_dropped);
    free(mark);
}

/* The L3/L4 part of a rule's match: protocol and ports, as one or more
 * alternatives (port ranges split into masks). */
static json_t *
rule_l4(json_t *rule, int version)
{
    int proto = ovsfw_protocol_number(str(rule, "protocol"));
    json_t *pmin = json_object_get(rule, "port_range_min");
    json_t *pmax = json_object_get(rule, "port_range_max");
    json_t *alts = json_array();
    const char *l3 = version == 6 ? "ipv6" : "ip";
    char *base;

    if (proto == -EINVAL) {
        return alts; /* Nothing the switch could match: no flow. */
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
                          ? json_sprintf("%s,tp_dst=%u", base, masks[i][0])
                          : json_sprintf("%s,tp_dst=0x%x/0x%x", base,
                                         masks[i][0], masks[i][1]));
        }
    } else if ((proto == 1 || proto == 58) && json_is_integer(pmin)) {
        json_array_append_new(
            alts, json_is_integer(pmax)
                      ? json_sprintf("%s,icmp_type=%lld,icmp_code=%lld", base,
                                     json_integer_value(pmin),
                                     json_integer_value(pmax))
                      : json_sprintf("%s,icmp_type=%lld", base,
                                     json_integer_value(pmin)));
    } else {
        json_array_append_new(alts, json_string(base));
    }
    free(base);
    return alts;
}

/* What a matching packet of 'state' gets: on to 73 (egress), or out to
 * the port, committed if new (ingress). */
static char *
accept_action(const struct pctx *p, bool ingress, const char *state)
{
    if (!ingress) {
        return xasprintf("resubmit(,%d)", T_ACCEPT_OR_INGRESS);
    }
    return state && !strcmp(state, CT_NEW)
               ? xasprintf("ct(commit," ZONE "),output:%d", p->ofport)
               : xasprintf("output:%d", p->ofport);
}

/* Adds 'action' to the conjunction clause flow 'match' of 'table'. */
static void
add_clause(struct pctx *p, int table, const char *match, const char *action)
{
    char *key = xasprintf("%d %s", table, match);
    const char *old = str(p->clauses, key);
    char *actions = old ? xasprintf("%s,%s", old, action) : xstrdup(action);

    json_object_set_new(p->clauses, key, json_string(actions));
    free(key);
    free(actions);
}

/* The remote of a rule that needs a conjunction ("sg:ID" / "ag:ID"), or
 * NULL. */
static char *
rule_remote(json_t *rule)
{
    const char *sg = str(rule, "remote_group_id");
    const char *ag = str(rule, "remote_address_group_id");

    return sg ? xasprintf("sg:%s", sg) : ag ? xasprintf("ag:%s", ag) : NULL;
}

/* The flows of one security group rule of the port's group 'sg_id'. */
static void
rule_flows(struct pctx *p, const char *sg_id, json_t *rule)
{
    const char *dir = str(rule, "direction");
    const char *prefix = str(rule, "remote_ip_prefix");
    bool ingress = dir && !strcmp(dir, "ingress");
    int version =
        str(rule, "ethertype") && !strcmp(str(rule, "ethertype"), "IPv6") ? 6
                                                                          : 4;
    int table = ingress ? T_RULES_INGRESS : T_RULES_EGRESS;
    static const char *const stateful[] = {CT_NEW, CT_EST};
    static const char *const stateless[] = {NULL};
    const char *const *states = p->stateful ? stateful : stateless;
    size_t n_states = p->stateful ? 2 : 1;
    char *remote = rule_remote(rule), *ip_match = xstrdup("");
    char buf[IPNET_STRLEN];
    json_int_t conj = 0;
    json_t *alts;

    if (prefix) {
        int pv = canonical(prefix, buf);
        bool any = strchr(buf, '/') && !strcmp(strchr(buf, '/'), "/0");

        if (pv != version) {
            free(remote);
            free(ip_match);
            return; /* The API refuses this; match nothing. */
        }
        if (!any) {
            free(ip_match);
            ip_match = xasprintf(",%s%s=%s", version == 6 ? "ipv6" : "nw",
                                 ingress ? "_src" : "_dst", buf);
        }
    }
    if (remote) {
        char *key = xasprintf("%s|%s|%s|%d", sg_id, remote, dir, version);
        conj = conj_id(p->fw, key);
        free(key);
    }
    alts = rule_l4(rule, version);
    for (size_t s = 0; s < n_states; s++) {
        char *ct =
            states[s] ? xasprintf(",ct_state=%s", states[s]) : xstrdup("");
        char *accept = accept_action(p, ingress, states[s]);
        json_t *alt;
        size_t i;

        json_array_foreach (alts, i, alt) {
            char *match = xasprintf("reg5=%d%s,%s%s", p->ofport, ct,
                                    json_string_value(alt), ip_match);
            if (remote) {
                char *action = xasprintf("conjunction(%lld,2/2)",
                                         (long long) conj + (json_int_t) s);
                add_clause(p, table, match, action);
                free(action);
            } else {
                flows_add(p->set, p->fw->cookie, table, PRIO_RULE, match,
                          accept);
            }
            free(match);
        }
        if (remote && json_array_size(alts)) {
            padd(p, table, PRIO_CONJ, accept, "conj_id=%lld,reg5=%d%s,%s",
                 (long long) conj + (json_int_t) s, p->ofport, ct,
                 version == 6 ? "ipv6" : "ip");
            json_array_append_new(
                p->needs,
                json_pack("{s:i, s:s, s:i, s:s, s:b, s:I}", "table", table,
                          "ct", states[s] ? states[s] : "", "version", version,
                          "remote", remote, "ingress", ingress, "conj",
                          conj + (json_int_t) s));
        }
        free(ct);
        free(accept);
    }
    json_decref(alts);
    free(remote);
    free(ip_match);
}

/* The clause flows collected by rule_flows(), each with every
 * conjunction it takes part in. */
static void
clause_flows(struct pctx *p)
{
    const char *key;
    json_t *actions;

    json_object_foreach (p->clauses, key, actions) {
        char *space = strchr(key, ' ');
        flows_add(p->set, p->fw->cookie, atoi(key), PRIO_CONJ, space + 1,
                  json_string_value(actions));
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

static bool
port_filtered(json_t *port)
{
    const char *owner = str(port, "device_owner");

    return !json_is_false(json_object_get(port, "port_security_enabled"))
           && !(owner && str_startswith(owner, "network:"));
}

static void
compute_port(struct pctx *p)
{
    json_t *pairs, *macs, *id;
    char *out;
    size_t i;

    if (!port_filtered(p->port)) {
        unfiltered_flows(p);
        return;
    }
    pairs = port_pairs(p->port);
    macs = pair_macs(pairs);
    transient_flows(p, macs);
    egress_base_flows(p, pairs, macs);
    accept_flows(p);
    ingress_base_flows(p);
    if (p->stateful) {
        char *to_normal = xasprintf("resubmit(,%d)", T_ACCEPTED_EGRESS_NORMAL);
        out = xasprintf("output:%d", p->ofport);
        tracked_flows(p, T_RULES_EGRESS, to_normal);
        tracked_flows(p, T_RULES_INGRESS, out);
        free(to_normal);
        free(out);
    }
    json_array_foreach (json_object_get(p->port, "security_groups"), i, id) {
        const char *sg_id = json_string_value(id);
        json_t *sg = json_object_get(p->fw->sgs, sg_id), *rule;
        size_t j;

        json_array_foreach (json_object_get(sg, "security_group_rules"), j,
                            rule) {
            rule_flows(p, sg_id, rule);
        }
    }
    clause_flows(p);
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
}

/* The version of group 'id''s rules: changes only when its rules or
 * statefulness do, not with its members. */
static json_int_t
rules_version(struct ovsfw *fw, const char *id)
{
    json_t *sg = json_object_get(fw->sgs, id);
    json_t *entry = json_object_get(fw->groups, id);
    json_t *what;
    char *text;

    if (!sg) {
        json_object_del(fw->groups, id);
        return 0;
    }
    if (entry && json_object_get(entry, "obj") == sg) {
        return json_integer_value(json_object_get(entry, "version"));
    }
    what = json_pack("{s:O, s:O*}", "rules",
                     json_object_get(sg, "security_group_rules"), "stateful",
                     json_object_get(sg, "stateful"));
    text = json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(what);
    if (!entry || strcmp(str(entry, "rules"), text)) {
        entry =
            json_pack("{s:s, s:I}", "rules", text, "version", ++fw->version);
        json_object_set_new(fw->groups, id, entry);
    }
    json_object_set(entry, "obj", sg);
    free(text);
    return json_integer_value(json_object_get(entry, "version"));
}

/* What a port's flows depend on besides the port object. */
static char *
fingerprint(struct ovsfw *fw, json_t *port, int ofport, int lvid)
{
    char *fp = xasprintf("%d/%d", ofport, lvid);
    json_t *id;
    size_t i;

    json_array_foreach (json_object_get(port, "security_groups"), i, id) {
        char *more =
            xasprintf("%s %s:%lld", fp, json_string_value(id),
                      (long long) rules_version(fw, json_string_value(id)));
        free(fp);
        fp = more;
    }
    return fp;
}

json_t *
ovsfw_port(struct ovsfw *fw, json_t *port, int ofport, int lvid)
{
    const char *id = str(port, "id");
    json_t *entry = json_object_get(fw->ports, id ? id : "");
    char *fp = fingerprint(fw, port, ofport, lvid);
    struct pctx p;
    json_t *need;
    size_t i;

    if (entry && json_object_get(entry, "port") == port
        && !strcmp(str(entry, "fp"), fp)) {
        /* Unchanged: its conjunction ids stay taken. */
        json_array_foreach (json_object_get(entry, "needs"), i, need) {
            json_object_set_new(fw->conj_used, str(need, "key"), json_true());
        }
        json_object_set_new(entry, "pass", json_integer(fw->pass));
        free(fp);
        return json_object_get(entry, "flows");
    }
    p = (struct pctx){
        fw,           port,   json_object(), json_object(),
        json_array(), ofport, lvid,          port_stateful(fw, port)};
    compute_port(&p);
    json_array_foreach (p.needs, i, need) {
        char text[24];
        snprintf(text, sizeof text, "%lld",
                 (long long) (json_integer_value(json_object_get(need, "conj"))
                              & ~1LL));
        json_object_set(need, "key", json_object_get(fw->conj_keys, text));
        json_object_set_new(need, "lvid", json_integer(lvid));
    }
    entry = json_pack("{s:O, s:s, s:o, s:o, s:I}", "port", port, "fp", fp,
                      "flows", p.set, "needs", p.needs, "pass", fw->pass);
    json_object_set_new(fw->ports, id ? id : "", entry);
    json_decref(p.clauses);
    free(fp);
    return p.set;
}

/* The addresses of remote "sg:ID" / "ag:ID" of IP 'version', as an array
 * of canonical strings. */
static json_t *
remote_addresses(struct ovsfw *fw, const char *remote, int version)
{
    json_t *list, *out = json_array(), *v;
    char buf[IPNET_STRLEN];
    size_t i;

    if (str_startswith(remote, "sg:")) {
        json_t *sg = json_object_get(fw->sgs, remote + 3);
        list = json_object_get(json_object_get(sg, "members"),
                               version == 6 ? "IPv6" : "IPv4");
    } else {
        json_t *ag = json_object_get(fw->ags, remote + 3);
        list = json_object_get(ag, "addresses");
    }
    json_array_foreach (list, i, v) {
        if (canonical(json_string_value(v), buf) == version) {
            json_array_append_new(out, json_string(buf));
        }
    }
    return out;
}

/* Adds the address clauses of one need to 'clauses' (match -> set of
 * conjunction ids). */
static void
need_clauses(struct ovsfw *fw, json_t *need, json_t *clauses)
{
    int version = json_integer_value(json_object_get(need, "version"));
    bool ingress = json_is_true(json_object_get(need, "ingress"));
    const char *ct = str(need, "ct");
    json_t *addrs = remote_addresses(fw, str(need, "remote"), version);
    char conj[32];
    json_t *a;
    size_t i;

    snprintf(conj, sizeof conj, "%lld",
             (long long) json_integer_value(json_object_get(need, "conj")));
    json_array_foreach (addrs, i, a) {
        char *key = xasprintf(
            "%lld %s%s%sreg6=%lld,%s,%s%s=%s",
            (long long) json_integer_value(json_object_get(need, "table")),
            *ct ? "ct_state=" : "", ct, *ct ? "," : "",
            (long long) json_integer_value(json_object_get(need, "lvid")),
            version == 6 ? "ipv6" : "ip", version == 6 ? "ipv6" : "nw",
            ingress ? "_src" : "_dst", json_string_value(a));
        json_t *ids = json_object_get(clauses, key);

        if (!ids) {
            ids = json_object();
            json_object_set_new(clauses, key, ids);
        }
        json_object_set_new(ids, conj, json_true());
        free(key);
    }
    json_decref(addrs);
}

/* Orders conjunction ids numerically, so an action list is stable. */
static int
cmp_ids(const void *a, const void *b)
{
    long long x = atoll(*(const char *const *) a);
    long long y = atoll(*(const char *const *) b);

    return x < y ? -1 : x > y;
}

json_t *
ovsfw_end(struct ovsfw *fw)
{
    json_t *set = json_object(), *clauses = json_object(), *entry, *ids;
    json_t *needs = json_object(); /* Each need once, not once a port. */
    const char *key, *id;
    void *tmp;

    json_object_foreach_safe (fw->ports, tmp, key, entry) {
        json_t *need;
        size_t i;

        if (json_integer_value(json_object_get(entry, "pass")) != fw->pass) {
            json_object_del(fw->ports, key);
            continue;
        }
        json_array_foreach (json_object_get(entry, "needs"), i, need) {
            char *nkey = xasprintf(
                "%lld/%lld",
                (long long) json_integer_value(json_object_get(need, "conj")),
                (long long) json_integer_value(json_object_get(need, "lvid")));
            json_object_set(needs, nkey, need);
            free(nkey);
        }
    }
    json_object_foreach (needs, key, entry) {
        need_clauses(fw, entry, clauses);
    }
    json_decref(needs);
    json_object_foreach (clauses, key, ids) {
        size_t n = json_object_size(ids), k = 0;
        const char **sorted = xcalloc(n, sizeof *sorted);
        struct ds acts = DS_EMPTY_INITIALIZER;
        json_t *v;

        json_object_foreach (ids, id, v) {
            sorted[k++] = id;
        }
        qsort(sorted, n, sizeof *sorted, cmp_ids);
        for (k = 0; k < n; k++) {
            ds_put_format(&acts, "%sconjunction(%s,1/2)", k ? "," : "",
                          sorted[k]);
        }
        flows_add(set, fw->cookie, atoi(key), PRIO_CONJ, strchr(key, ' ') + 1,
                  ds_cstr(&acts));
        ds_destroy(&acts);
        free(sorted);
    }
    json_decref(clauses);
    /* Conjunction ids no port uses any more are free again. */
    json_object_foreach_safe (fw->conj_ids, tmp, key, entry) {
        if (!json_object_get(fw->conj_used, key)) {
            char text[24];
            snprintf(text, sizeof text, "%lld",
                     (long long) json_integer_value(entry));
            json_object_del(fw->conj_keys, text);
            json_object_del(fw->conj_ids, key);
        }
    }
    json_object_foreach_safe (fw->groups, tmp, key, entry) {
        if (!json_object_get(fw->sgs, key)) {
            json_object_del(fw->groups, key);
        }
    }
    fw->sgs = fw->ags = NULL;
    return set;
}
