#include "inspect/inspect-check.h"

#include <stdarg.h>
#include <stdio.h>

#include "agent/dnsmasq.h"
#include "agent/flows.h"
#include "agent/ovs-agent.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/util.h"

#define DEAD_VLAN 4095

/* One run of the checks. */
struct check {
    const struct inspect_want *w;
    json_t *obs;
    json_t *out;        /* The findings. */
    const char *net_id; /* The network's id. */
    int segid;          /* VLAN id on the wire; -1: flat. */
    int lvid;           /* Local VLAN on br-int; -1: none. */
    char int_patch[16]; /* int-<bridge>, on br-int. */
    char phy_patch[16]; /* phy-<bridge>, on the physical bridge. */
    int int_ofport;     /* Of int_patch, -1 if unknown. */
    int phy_ofport;     /* Of phy_patch, -1 if unknown. */
    const char *nic;    /* The physical bridge's NIC, or NULL. */
    bool wire_broken;   /* A failure between br-int and the NIC. */
    bool ovs_unreachable;
};

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int
num(json_t *obj, const char *key, int dflt)
{
    json_t *v = json_object_get(obj, key);

    return json_is_integer(v) ? (int) json_integer_value(v) : dflt;
}

/* Records a finding; 'hint' is NULL for OK ones.  Returns 'ok'. */
static bool PRINTF_FORMAT(6, 7)
    add(struct check *c, const char *port, bool ok, const char *step,
        const char *hint, const char *fmt, ...)
{
    json_t *f = json_object();
    va_list args;
    char *detail;

    va_start(args, fmt);
    detail = xvasprintf(fmt, args);
    va_end(args);
    json_object_set_new(f, "step", json_string(step));
    json_object_set_new(f, "ok", json_boolean(ok));
    json_object_set_new(f, "detail", json_string(detail));
    if (!ok && hint) {
        json_object_set_new(f, "hint", json_string(hint));
    }
    if (port) {
        json_object_set_new(f, "port", json_string(port));
    }
    json_array_append_new(c->out, f);
    free(detail);
    return ok;
}

char *
inspect_ns_name(const char *net_id)
{
    return xasprintf("qdhcp-%s", net_id);
}

char *
inspect_dev_name(const char *prefix, const char *port_id)
{
    return xasprintf("%s%.11s", prefix, port_id);
}

json_t *
inspect_dhcp_port(const struct inspect_want *w)
{
    size_t i;
    json_t *p;

    json_array_foreach (w->ports, i, p) {
        const char *owner = str(p, "device_owner");
        if (owner && streq(owner, "network:dhcp")) {
            return p;
        }
    }
    return NULL;
}

bool
inspect_dhcp_here(const struct inspect_want *w)
{
    const char *host = str(inspect_dhcp_port(w), "binding:host_id");

    return host && streq(host, w->host);
}

bool
inspect_all_ok(json_t *findings)
{
    size_t i;
    json_t *f;

    json_array_foreach (findings, i, f) {
        if (!json_is_true(json_object_get(f, "ok"))) {
            return false;
        }
    }
    return true;
}

/* ---- Looking things up in the observed document. ---- */

static json_t *
bridge(struct check *c, const char *name)
{
    return json_object_get(json_object_get(c->obs, "bridges"), name);
}

static json_t *
iface_where(struct check *c, const char *br, const char *key,
            const char *value)
{
    json_t *ifaces = json_object_get(bridge(c, br), "ifaces");
    size_t i;
    json_t *it;

    json_array_foreach (ifaces, i, it) {
        const char *v = str(it, key);
        if (v && streq(v, value)) {
            return it;
        }
    }
    return NULL;
}

static json_t *
ns_link(struct check *c, const char *name)
{
    json_t *links =
        json_object_get(json_object_get(c->obs, "namespace"), "links");
    size_t i;
    json_t *l;

    json_array_foreach (links, i, l) {
        if (streq(str(l, "name") ? str(l, "name") : "", name)) {
            return l;
        }
    }
    return NULL;
}

static bool
has_string(json_t *array, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach (array, i, v) {
        if (json_is_string(v) && streq(json_string_value(v), s)) {
            return true;
        }
    }
    return false;
}

/* ---- The server's view. ---- */

static bool
check_server(struct check *c)
{
    const char *type = str(c->w->network, "provider:network_type");
    const char *physnet = str(c->w->network, "provider:physical_network");
    const char *name = str(c->w->network, "name");

    if (!type || (!streq(type, "flat") && !streq(type, "vlan"))) {
        return add(c, NULL, false, "network",
                   "only flat and VLAN provider "
                   "networks have a path on this host",
                   "%s is of type %s", c->net_id, type ? type : "none");
    }
    c->segid = streq(type, "vlan")
                   ? num(c->w->network, "provider:segmentation_id", -1)
                   : -1;
    if (!c->w->phys_bridge) {
        return add(c, NULL, false, "network",
                   "add PHYSNET:BRIDGE to [ovs] bridge_mappings of the "
                   "agent's configuration",
                   "physical network '%s' is not in bridge_mappings",
                   physnet ? physnet : "");
    }
    return add(c, NULL, true, "network", NULL, "%s (%s), %s on '%s' via %s",
               name && *name ? name : "-", c->net_id, type,
               physnet ? physnet : "", c->w->phys_bridge);
}

/* ---- Bridges, patch ports, NIC. ---- */

static bool
check_bridge(struct check *c, const char *name)
{
    json_t *b = bridge(c, name);
    const char *dp = str(b, "datapath_type");
    const char *want = c->w->datapath_type;

    if (!b) {
        return add(c, NULL, false, "bridge",
                   "neutrino-agent creates its "
                   "bridges when it starts: is it running?",
                   "%s missing", name);
    }
    dp = dp && *dp ? dp : "system";
    if (want && !streq(dp, want)) {
        return add(c, NULL, false, "bridge",
                   "[ovs] datapath_type and the "
                   "bridge disagree: the agent corrects it when it starts",
                   "%s has datapath_type %s, configured %s", name, dp, want);
    }
    return add(c, NULL, true, "bridge", NULL, "%s (datapath %s)", name, dp);
}

/* Returns the patch port's ofport, or -1. */
static int
check_patch(struct check *c, const char *br, const char *name,
            const char *peer)
{
    json_t *it = iface_where(c, br, "name", name);
    const char *type = str(it, "type");
    const char *have = str(it, "peer");
    int ofport = num(it, "ofport", -1);

    if (!bridge(c, br)) {
        return -1; /* Reported with the bridge. */
    }
    if (!it) {
        add(c, NULL, false, "patch port",
            "the agent creates the patch "
            "pair at start: restart neutrino-agent",
            "%s missing on %s", name, br);
    } else if (!type || !streq(type, "patch")) {
        add(c, NULL, false, "patch port",
            "delete the port: the agent "
            "re-creates it as a patch port",
            "%s on %s is of type '%s', not patch", name, br, type ? type : "");
    } else if (!have || !streq(have, peer)) {
        add(c, NULL, false, "patch port",
            "the agent peers the pair once "
            "its drop flows are in: see the agent's log",
            "%s on %s has peer '%s', want '%s'", name, br, have ? have : "",
            peer);
    } else if (ofport <= 0) {
        add(c, NULL, false, "patch port",
            "ovs-vswitchd could not open it: "
            "see ovs-vswitchd.log",
            "%s on %s has no ofport", name, br);
    } else {
        add(c, NULL, true, "patch port", NULL, "%s on %s, peer %s, ofport %d",
            name, br, peer, ofport);
        return ofport;
    }
    return -1;
}

static json_t *
link_of(struct check *c, const char *name)
{
    return json_object_get(json_object_get(c->obs, "links"), name);
}

/* A system (or dpdk, ...) port of the physical bridge other than the
 * bridge's own: the NIC. */
static bool
check_nic(struct check *c)
{
    const char *br = c->w->phys_bridge;
    json_t *ifaces = json_object_get(bridge(c, br), "ifaces");
    json_t *it, *nic = NULL;
    size_t i;

    if (!bridge(c, br)) {
        return false;
    }
    json_array_foreach (ifaces, i, it) {
        const char *type = str(it, "type") ? str(it, "type") : "";
        if (!streq(type, "patch") && !streq(type, "internal")
            && !streq(str(it, "name") ? str(it, "name") : "", br)) {
            nic = it;
            break;
        }
    }
    if (!nic) {
        return add(c, NULL, false, "NIC",
                   "the NIC is the operator's to "
                   "add: ovs-vsctl add-port BRIDGE eth0",
                   "no NIC on %s", br);
    }
    c->nic = str(nic, "name");
    json_t *link = link_of(c, c->nic);
    if (num(nic, "ofport", -1) <= 0) {
        return add(c, NULL, false, "NIC",
                   "ovs-vswitchd cannot open the "
                   "device: does it exist in its namespace?",
                   "%s on %s has no ofport", c->nic, br);
    }
    if (link && !json_is_true(json_object_get(link, "up"))) {
        return add(c, NULL, false, "NIC", "ip link set DEV up",
                   "%s on %s is down", c->nic, br);
    }
    return add(c, NULL, true, "NIC", NULL, "%s on %s", c->nic, br);
}

/* ---- Flows. ---- */

/* 'text' with every 'from' replaced by 'to' (malloc'd). */
static char *
replace(const char *text, const char *from, const char *to)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *p;

    ds_put_cstr(&out, "");
    while ((p = strstr(text, from))) {
        ds_put_buf(&out, text, (size_t) (p - text));
        ds_put_cstr(&out, to);
        text = p + strlen(from);
    }
    ds_put_cstr(&out, text);
    return ds_steal(&out);
}

/* The agent writes OpenFlow 1.0 names; a switch speaking 1.3 gives them
 * back as 1.3 actions: "strip_vlan" as "pop_vlan", "mod_vlan_vid:N" as a
 * push (if the packet had no tag) and a set_field.  True if the installed
 * actions 'have' do what 'want' says. */
static bool
actions_match(const char *have, const char *want)
{
    char *of13 = replace(want, "strip_vlan", "pop_vlan");
    const char *vid = strstr(of13, "mod_vlan_vid:");
    bool ok = streq(have, want) || streq(have, of13);

    if (!ok && vid) {
        int n = atoi(vid + strlen("mod_vlan_vid:"));
        char *from = xasprintf("mod_vlan_vid:%d", n);
        char *set = xasprintf("set_field:%d->vlan_vid", n | 0x1000);
        char *push = xasprintf("push_vlan:0x8100,%s", set);
        char *a = replace(of13, from, set);
        char *b = replace(of13, from, push);

        ok = streq(have, a) || streq(have, b);
        free(from);
        free(set);
        free(push);
        free(a);
        free(b);
    }
    free(of13);
    return ok;
}

static char *
flow_key(json_t *f)
{
    const char *match = str(f, "match") ? str(f, "match") : "";

    return xasprintf("table=%d,priority=%d%s%s", num(f, "table", 0),
                     num(f, "priority", 0), *match ? "," : "", match);
}

/* The actions of the flow named 'key' in 'flows', or NULL; its packet
 * counter in '*n_packets'. */
static const char *
find_flow(json_t *flows, const char *key, long long *n_packets)
{
    size_t i;
    json_t *f;

    json_array_foreach (flows, i, f) {
        char *k = flow_key(f);
        bool hit = streq(k, key);

        free(k);
        if (hit) {
            *n_packets = json_integer_value(json_object_get(f, "n_packets"));
            return str(f, "actions") ? str(f, "actions") : "";
        }
    }
    return NULL;
}

/* The actions part of a flow as flows.c writes it. */
static const char *
want_actions(const char *flow)
{
    const char *a = strstr(flow, ",actions=");

    return a ? a + strlen(",actions=") : "";
}

static bool
check_flow_set(struct check *c, const char *br, json_t *want)
{
    json_t *b = bridge(c, br);
    json_t *flows = json_object_get(b, "flows");
    const char *key;
    json_t *flow;
    struct ds counters = DS_EMPTY_INITIALIZER;
    int bad = 0;

    if (!b) {
        return false;
    }
    if (!flows) {
        const char *e = str(b, "flows_error");
        return add(c, NULL, false, "flows",
                   "ovs-ofctl needs the same: is "
                   "ovs-vswitchd running, and OVS_RUNDIR right?",
                   "cannot dump the flows of %s: %s", br, e ? e : "unknown");
    }
    json_object_foreach (want, key, flow) {
        long long n = 0;
        const char *have = find_flow(flows, key, &n);
        const char *wa = want_actions(json_string_value(flow));

        if (!have) {
            add(c, NULL, false, "flows",
                "the agent installs every flow "
                "when it (re)connects: restart neutrino-agent",
                "flow missing on %s: %s actions=%s", br, key, wa);
            bad++;
        } else if (!actions_match(have, wa)) {
            add(c, NULL, false, "flows",
                "another controller or a manual "
                "ovs-ofctl changed it: restart neutrino-agent",
                "flow differs on %s: %s actions=%s, want %s", br, key, have,
                wa);
            bad++;
        } else if (strstr(key, "priority=3,") || strstr(key, "priority=4,")) {
            /* The network's own flows: what crossed the patch pair. */
            bool in = streq(br, c->w->integration_bridge);
            ds_put_format(&counters, "; %lld packets %s VLAN %d", n,
                          in ? "from the wire into" : "to the wire from",
                          c->lvid);
        }
    }
    if (!bad) {
        add(c, NULL, true, "flows", NULL, "%s: %zu expected flows present%s",
            br, json_object_size(want), ds_cstr(&counters));
    }
    ds_destroy(&counters);
    return !bad;
}

int
inspect_local_vlan(const struct inspect_want *w, json_t *obs)
{
    json_t *ifaces =
        json_object_get(json_object_get(json_object_get(obs, "bridges"),
                                        w->integration_bridge),
                        "ifaces");
    const char *net_id = str(w->network, "id") ?: "";
    size_t i;
    json_t *it;

    json_array_foreach (ifaces, i, it) {
        const char *net = str(it, "net_uuid");
        const char *tag = str(it, "oc_tag");
        if (net && tag && streq(net, net_id)) {
            return atoi(tag);
        }
    }
    return -1;
}

const char *
inspect_gateway(const struct inspect_want *w)
{
    size_t i;
    json_t *s;

    json_array_foreach (w->subnets, i, s) {
        if (num(s, "ip_version", 4) == 4 && str(s, "gateway_ip")) {
            return str(s, "gateway_ip");
        }
    }
    return NULL;
}

static bool
check_flows(struct check *c)
{
    json_t *want_int = json_object();
    json_t *want_phys = json_object();

    flows_int_base(want_int, 0);
    if (c->int_ofport > 0) {
        flows_int_physnet(want_int, 0, c->int_ofport);
        if (c->lvid > 0) {
            flows_int_network(want_int, 0, c->int_ofport, c->lvid, c->segid);
        }
    }
    if (c->phy_ofport > 0) {
        flows_phys_base(want_phys, 0, c->phy_ofport);
        if (c->lvid > 0) {
            flows_phys_network(want_phys, 0, c->phy_ofport, c->lvid, c->segid);
        }
    }
    bool ok = check_flow_set(c, c->w->integration_bridge, want_int);
    ok &= check_flow_set(c, c->w->phys_bridge, want_phys);
    json_decref(want_int);
    json_decref(want_phys);
    return ok;
}

static void
check_ovs(struct check *c)
{
    const char *bi = c->w->integration_bridge;
    const char *bp = c->w->phys_bridge;
    json_t *ovsdb = json_object_get(c->obs, "ovsdb");

    if (str(ovsdb, "error")) {
        c->ovs_unreachable = c->wire_broken = true;
        add(c, NULL, false, "ovsdb",
            "is ovsdb-server running? check [ovs] "
            "ovsdb_connection",
            "%s", str(ovsdb, "error"));
        return;
    }
    bool ok = check_bridge(c, bi);
    ok &= check_bridge(c, bp);
    c->int_ofport = check_patch(c, bi, c->int_patch, c->phy_patch);
    c->phy_ofport = check_patch(c, bp, c->phy_patch, c->int_patch);
    ok &= c->int_ofport > 0 && c->phy_ofport > 0;
    ok &= check_nic(c);
    c->lvid = inspect_local_vlan(c->w, c->obs);
    if (c->lvid > 0) {
        char wire[16] = "untagged";

        if (c->segid >= 0) {
            snprintf(wire, sizeof wire, "VLAN %d", c->segid);
        }
        add(c, NULL, true, "local VLAN", NULL, "%d on %s (%s on the wire)",
            c->lvid, bi, wire);
    }
    ok &= check_flows(c);
    c->wire_broken = !ok;
}

/* ---- DHCP: namespace, addresses, routes, sockets, dnsmasq. ---- */

/* The DHCP-enabled IPv4 subnets, as dnsmasq serves them. */
static json_t *
dhcp_subnets(struct check *c)
{
    json_t *by_id = json_object();
    size_t i;
    json_t *s;

    json_array_foreach (c->w->subnets, i, s) {
        json_object_set(by_id, str(s, "id") ? str(s, "id") : "", s);
    }
    json_t *out = dnsmasq_subnets(by_id, c->net_id);
    json_decref(by_id);
    return out;
}

static json_t *
subnet_of(json_t *subnets, const char *id)
{
    size_t i;
    json_t *s;

    json_array_foreach (subnets, i, s) {
        if (streq(str(s, "id") ? str(s, "id") : "", id)) {
            return s;
        }
    }
    return NULL;
}

/* "ip/prefix" of the fixed IP 'ip' in subnet 'sub' (malloc'd). */
static char *
addr_in(json_t *sub, const char *ip)
{
    struct ip_net net;

    if (ipnet_parse(str(sub, "cidr") ? str(sub, "cidr") : "", &net)) {
        return xstrdup(ip);
    }
    return xasprintf("%s/%d", ip, net.prefixlen);
}

static void
check_ns_link(struct check *c, json_t *dport, const char *dev, json_t *subnets)
{
    json_t *l = ns_link(c, dev);
    const char *mac = str(dport, "mac_address");
    json_t *addrs = json_object_get(l, "addrs");
    struct ds missing = DS_EMPTY_INITIALIZER;
    size_t i;
    json_t *ip;

    if (!l) {
        add(c, NULL, false, "DHCP interface",
            "the agent plugs it: see its "
            "log",
            "%s missing in the namespace", dev);
        return;
    }
    json_array_foreach (json_object_get(dport, "fixed_ips"), i, ip) {
        json_t *sub = subnet_of(subnets, str(ip, "subnet_id") ?: "");
        char *a = sub ? addr_in(sub, str(ip, "ip_address") ?: "") : NULL;

        if (a && !has_string(addrs, a)) {
            ds_put_format(&missing, " %s", a);
        }
        free(a);
    }
    if (c->w->metadata && !has_string(addrs, "169.254.169.254/32")) {
        ds_put_cstr(&missing, " 169.254.169.254/32");
    }
    if (!json_is_true(json_object_get(l, "up"))) {
        add(c, NULL, false, "DHCP interface",
            "ip netns exec NS ip link set "
            "DEV up (the agent does it on its next pass)",
            "%s is down", dev);
    } else if (mac && str(l, "mac") && strcasecmp(mac, str(l, "mac"))) {
        add(c, NULL, false, "DHCP interface",
            "the agent sets the port's "
            "MAC: restart neutrino-agent",
            "%s has MAC %s, the port %s", dev, str(l, "mac"), mac);
    } else if (missing.len) {
        add(c, NULL, false, "DHCP interface",
            "the agent adds the DHCP "
            "port's addresses: see its log",
            "%s lacks%s", dev, ds_cstr(&missing));
    } else {
        add(c, NULL, true, "DHCP interface", NULL, "%s up, %s", dev,
            mac ? mac : "");
    }
    ds_destroy(&missing);
}

static void
check_routes(struct check *c, json_t *subnets, const char *dev)
{
    json_t *routes =
        json_object_get(json_object_get(c->obs, "namespace"), "routes");
    const char *gw = NULL;
    size_t i;
    json_t *s, *r;

    json_array_foreach (subnets, i, s) {
        if (!gw && str(s, "gateway_ip")) {
            gw = str(s, "gateway_ip");
        }
    }
    if (!gw) {
        return;
    }
    json_array_foreach (routes, i, r) {
        if (streq(str(r, "dst") ?: "", "0.0.0.0/0")
            && streq(str(r, "gateway") ?: "", gw)
            && streq(str(r, "dev") ?: "", dev)) {
            add(c, NULL, true, "DHCP route", NULL, "default via %s dev %s", gw,
                dev);
            return;
        }
    }
    add(c, NULL, false, "DHCP route",
        "the agent re-applies it on every "
        "port change of the network",
        "no default via %s dev %s", gw, dev);
}

static bool
has_socket(struct check *c, const char *proto, const char *addr, int port)
{
    json_t *socks =
        json_object_get(json_object_get(c->obs, "namespace"), "sockets");
    size_t i;
    json_t *s;

    json_array_foreach (socks, i, s) {
        if (streq(str(s, "proto") ?: "", proto)
            && streq(str(s, "addr") ?: "", addr)
            && num(s, "port", 0) == port) {
            return true;
        }
    }
    return false;
}

static void
check_sockets(struct check *c, json_t *dport, bool dnsmasq_up)
{
    const char *ip = str(
        json_array_get(json_object_get(dport, "fixed_ips"), 0), "ip_address");
    struct ds missing = DS_EMPTY_INITIALIZER;

    if (!has_socket(c, "udp", "0.0.0.0", 67)) {
        ds_put_cstr(&missing, " udp 0.0.0.0:67");
    }
    if (ip && !has_socket(c, "udp", ip, 53)) {
        ds_put_format(&missing, " udp %s:53", ip);
    }
    if (ip && !has_socket(c, "tcp", ip, 53)) {
        ds_put_format(&missing, " tcp %s:53", ip);
    }
    if (c->w->metadata && !has_socket(c, "tcp", "169.254.169.254", 80)) {
        ds_put_cstr(&missing, " tcp 169.254.169.254:80");
    }
    if (missing.len) {
        add(c, NULL, false, "sockets",
            !dnsmasq_up ? "dnsmasq not running"
            : strstr(ds_cstr(&missing), ":80")
                ? "the agent's metadata listener is not running: see its log"
                : "dnsmasq does not listen where it should: see its log",
            "nothing listens on%s", ds_cstr(&missing));
    } else {
        add(c, NULL, true, "sockets", NULL, "DHCP 67, DNS 53%s listening",
            c->w->metadata ? ", metadata 80" : "");
    }
    ds_destroy(&missing);
}

/* The host lines the server's ports call for, against the file's. */
static void
check_hosts(struct check *c, json_t *subnets, json_t *dnsmasq)
{
    json_t *have = json_object_get(dnsmasq, "hosts");
    struct ds missing = DS_EMPTY_INITIALIZER;
    json_t *wanted = json_object();
    size_t i, j;
    json_t *p, *ip, *h;

    json_array_foreach (c->w->ports, i, p) {
        if (!dnsmasq_port_is_served(p)) {
            continue;
        }
        json_array_foreach (json_object_get(p, "fixed_ips"), j, ip) {
            if (!subnet_of(subnets, str(ip, "subnet_id") ?: "")) {
                continue;
            }
            char *line = xasprintf("%s %s", str(p, "mac_address") ?: "",
                                   str(ip, "ip_address") ?: "");
            json_object_set_new(wanted, line, json_false());
            free(line);
        }
    }
    struct ds extra = DS_EMPTY_INITIALIZER;
    json_array_foreach (have, i, h) {
        char *line =
            xasprintf("%s %s", str(h, "mac") ?: "", str(h, "ip") ?: "");
        if (json_object_get(wanted, line)) {
            json_object_set_new(wanted, line, json_true());
        } else {
            ds_put_format(&extra, " (%s)", line);
        }
        free(line);
    }
    const char *key;
    json_object_foreach (wanted, key, p) {
        if (!json_is_true(p)) {
            ds_put_format(&missing, " (%s)", key);
        }
    }
    if (missing.len || extra.len) {
        add(c, NULL, false, "dnsmasq hosts",
            "the agent rewrites the host "
            "file and SIGHUPs dnsmasq on every port change: see its log",
            "host file%s%s%s%s", missing.len ? " lacks" : "",
            ds_cstr(&missing), extra.len ? "; stale:" : "", ds_cstr(&extra));
    } else {
        add(c, NULL, true, "dnsmasq hosts", NULL,
            "%zu host lines, as the server's ports", json_array_size(have));
    }
    json_decref(wanted);
    ds_destroy(&missing);
    ds_destroy(&extra);
}

/* The interface file names the namespace's device, as Neutron's does. */
static void
check_interface_file(struct check *c, json_t *dnsmasq, json_t *dport)
{
    char *dev = inspect_dev_name("ns-", str(dport, "id") ?: "");
    const char *have = str(dnsmasq, "interface");

    if (!have) {
        add(c, NULL, false, "dnsmasq files",
            "the agent writes it with the "
            "other files of state_path/dhcp/NETWORK",
            "no interface file");
    } else if (!streq(have, dev)) {
        add(c, NULL, false, "dnsmasq files",
            "the agent rewrites it when it "
            "plugs the DHCP port",
            "the interface file names %s, the "
            "namespace's device is %s",
            have, dev);
    }
    free(dev);
}

static void
check_dhcp(struct check *c)
{
    json_t *subnets = dhcp_subnets(c);
    json_t *dport = inspect_dhcp_port(c->w);
    json_t *ns = json_object_get(c->obs, "namespace");
    json_t *dnsmasq = json_object_get(c->obs, "dnsmasq");
    const char *host = str(dport, "binding:host_id");
    char *ns_name = inspect_ns_name(c->net_id);

    if (!json_array_size(subnets)) {
        goto out; /* No DHCP for this network. */
    }
    if (!dport) {
        add(c, NULL, false, "DHCP port",
            "the server makes it with the "
            "first DHCP-enabled subnet",
            "the network has no DHCP port");
        goto out;
    }
    if (!host || !streq(host, c->w->host)) {
        add(c, NULL, true, "DHCP", NULL, "served by host '%s', not here",
            host ? host : "");
        goto out;
    }
    if (!ns) {
        add(c, NULL, false, "namespace",
            "the agent's DHCP role makes it: "
            "is neutrino-agent running?",
            "%s missing", ns_name);
        goto out;
    }
    if (str(ns, "error")) {
        add(c, NULL, false, "namespace",
            "run the inspector as root, where "
            "the agent runs (its mount namespace holds /run/netns)",
            "cannot enter %s: %s", ns_name, str(ns, "error"));
        goto out;
    }
    add(c, NULL, true, "namespace", NULL, "%s", ns_name);

    char *dev = inspect_dev_name("ns-", str(dport, "id") ?: "");
    check_ns_link(c, dport, dev, subnets);
    check_routes(c, subnets, dev);
    free(dev);

    bool up = json_is_true(json_object_get(dnsmasq, "running"));
    if (up) {
        add(c, NULL, true, "dnsmasq", NULL, "pid %d", num(dnsmasq, "pid", 0));
    } else {
        add(c, NULL, false, "dnsmasq",
            "dnsmasq not running: the agent "
            "respawns it within seconds; if not, see its log",
            "no dnsmasq for %s", ns_name);
    }
    check_sockets(c, dport, up);
    check_hosts(c, subnets, dnsmasq);
    check_interface_file(c, dnsmasq, dport);
out:
    free(ns_name);
    json_decref(subnets);
}

/* ---- Ports: tap -> br-int -> patch -> physical bridge -> NIC. ---- */

/* The device's TX checksum offload, which the userspace datapath cannot
 * complete: replies would leave with bad checksums. */
static bool
check_offload(struct check *c, const char *port, json_t *link)
{
    const char *dp = c->w->datapath_type;

    if (!link || !dp || !streq(dp, "netdev")
        || !streq(str(link, "kind") ?: "", "veth")
        || !json_is_true(json_object_get(link, "tx_csum"))) {
        return true;
    }
    return add(c, port, false, "offload",
               "ethtool -K DEV tx off, or DHCP "
               "replies arrive with bad checksums",
               "TX checksum offload on a veth feeding the userspace "
               "datapath: %s",
               str(link, "name") ?: "");
}

static bool
check_port_iface(struct check *c, const char *id, json_t *port, json_t *it)
{
    const char *name = str(it, "name") ?: "";
    const char *mac = str(port, "mac_address");
    const char *amac = str(it, "attached_mac");
    const char *net = str(it, "net_uuid");
    int tag = num(it, "tag", -1);
    json_t *link = link_of(c, name);
    json_t *dport = inspect_dhcp_port(c->w);
    bool is_dhcp = dport && json_equal(port, dport);

    if (num(it, "ofport", -1) <= 0) {
        return add(c, id, false, "interface",
                   "ovs-vswitchd cannot open the "
                   "device: does it exist in its namespace?",
                   "%s on %s has no ofport", name, c->w->integration_bridge);
    }
    if (link && !json_is_true(json_object_get(link, "up"))) {
        return add(c, id, false, "interface", "ip link set DEV up",
                   "%s is down", name);
    }
    if (mac && amac && strcasecmp(mac, amac)) {
        return add(c, id, false, "interface",
                   "re-plug it with the port's "
                   "MAC as external_ids:attached-mac",
                   "%s has attached-mac %s, the port %s", name, amac, mac);
    }
    if (!check_offload(c, id, link)) {
        return false;
    }
    if (is_dhcp) {
        char *dev = inspect_dev_name("ns-", id);
        bool ok = check_offload(c, id, ns_link(c, dev));

        free(dev);
        if (!ok) {
            return false;
        }
    }
    if (tag == DEAD_VLAN) {
        return add(c, id, false, "tag",
                   "the agent could not wire it: is "
                   "the port bound to this host? see the agent's log",
                   "%s is on the dead VLAN 4095", name);
    }
    if (c->lvid > 0 && tag != c->lvid) {
        return add(c, id, false, "tag",
                   "port tag differs from local VLAN: "
                   "restart neutrino-agent to re-tag it",
                   "%s has tag %d, local VLAN %d", name, tag, c->lvid);
    }
    if (!net || !streq(net, c->net_id)) {
        return add(c, id, false, "tag",
                   "the agent records the network in "
                   "the Port's other_config when it wires it",
                   "%s not wired for this network (net_uuid %s)", name,
                   net ? net : "unset");
    }
    return add(c, id, true, "interface", NULL, "%s on %s, ofport %d, tag %d",
               name, c->w->integration_bridge, num(it, "ofport", -1), tag);
}

static void
trace_port(struct check *c, json_t *port)
{
    const char *id = str(port, "id") ?: "";
    const char *host = str(port, "binding:host_id");
    const char *status = str(port, "status") ?: "";
    json_t *it = iface_where(c, c->w->integration_bridge, "iface_id", id);
    bool ok;

    if (!host || !streq(host, c->w->host)) {
        if (c->w->only_port) {
            add(c, id, false, "binding",
                "the port's path is on the host "
                "it is bound to: run the inspector there",
                "bound to host '%s', not here", host ? host : "");
        }
        return;
    }
    if (!it) {
        add(c, id, false, "interface",
            "nothing is plugged with "
            "external_ids:iface-id=PORT: plug it as os-vif or libvirt do",
            "no interface of the port on %s", c->w->integration_bridge);
        return;
    }
    ok = check_port_iface(c, id, port, it);
    if (!streq(status, "ACTIVE")) {
        ok = add(c, id, false, "status",
                 "the agent reports ACTIVE once "
                 "the port is wired and its flows are in",
                 "the server says %s", status);
    }
    if (ok && !c->wire_broken) {
        add(c, id, true, "path", NULL,
            "%s -> %s (tag %d) -> %s => %s -> %s "
            "-> %s",
            str(it, "name"), c->w->integration_bridge, c->lvid, c->int_patch,
            c->phy_patch, c->w->phys_bridge, c->nic);
    } else if (ok) {
        add(c, id, false, "path", "see the broken steps above",
            "%s -> %s (tag %d) is fine; the way to the wire is broken",
            str(it, "name"), c->w->integration_bridge, c->lvid);
    }
}

static void
check_ports(struct check *c)
{
    size_t i;
    json_t *p;

    json_array_foreach (c->w->ports, i, p) {
        const char *id = str(p, "id") ?: "";
        if (!c->w->only_port || streq(c->w->only_port, id)) {
            trace_port(c, p);
        }
    }
}

/* ---- The probe's packets. ---- */

/* Packets flow 'f' of bridge 'br' counted while the probe ran. */
static long long
probe_moved(json_t *probe, const char *br, json_t *f)
{
    json_t *before = json_object_get(json_object_get(probe, "before"), br);
    char *key = flow_key(f);
    long long then = 0;
    long long now = json_integer_value(json_object_get(f, "n_packets"));

    if (!find_flow(before, key, &then)) {
        then = 0;
    }
    free(key);
    return now > then ? now - then : 0;
}

/* "BRIDGE FLOW +N" for each flow whose counter moved during the probe. */
static char *
probe_deltas(json_t *probe)
{
    json_t *after = json_object_get(probe, "after");
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *br;
    json_t *flows;

    ds_put_cstr(&out, "");
    json_object_foreach (after, br, flows) {
        size_t i;
        json_t *f;

        json_array_foreach (flows, i, f) {
            long long n = probe_moved(probe, br, f);

            if (n) {
                char *key = flow_key(f);
                ds_put_format(&out, "%s%s %s +%lld", out.len ? "; " : "", br,
                              key, n);
                free(key);
            }
        }
    }
    return ds_steal(&out);
}

/* The first drop flow of 'br' that counted packets meanwhile, or NULL;
 * '*net_flow' is set if the network's own flow there (priority 'prio')
 * counted some. */
static char *
probe_scan(json_t *probe, const char *br, int prio, bool *net_flow)
{
    json_t *flows = json_object_get(json_object_get(probe, "after"), br);
    char *drop = NULL;
    size_t i;
    json_t *f;

    *net_flow = false;
    json_array_foreach (flows, i, f) {
        if (!probe_moved(probe, br, f)) {
            continue;
        }
        *net_flow |=
            num(f, "table", -1) == 0 && num(f, "priority", -1) == prio;
        if (!drop && streq(str(f, "actions") ?: "", "drop")) {
            drop = flow_key(f);
        }
    }
    return drop;
}

/* Where a request that got no answer went, read from the counters. */
static char *
probe_where(struct check *c, json_t *probe)
{
    const char *bi = c->w->integration_bridge, *bp = c->w->phys_bridge;
    bool out, back;
    char *drop_phys = probe_scan(probe, bp, 4, &out);
    char *drop_int = probe_scan(probe, bi, 3, &back);
    char *where;

    if (drop_phys) {
        where =
            xasprintf("the request was dropped on %s by %s", bp, drop_phys);
    } else if (out && back) {
        where = xasprintf("the request went out through %s and an answer "
                          "came back into %s, but not to the probe's port",
                          c->nic ? c->nic : bp, bi);
    } else if (out) {
        where = xasprintf("the request went out through %s; nothing came "
                          "back from the physical network",
                          c->nic ? c->nic : bp);
    } else if (drop_int) {
        where = xasprintf("the request was dropped on %s by %s", bi, drop_int);
    } else {
        where = xasprintf("the request never left %s", bi);
    }
    free(drop_phys);
    free(drop_int);
    return where;
}

static void
check_probe(struct check *c, json_t *probe)
{
    json_t *arp = json_object_get(probe, "arp");
    json_t *dhcp = json_object_get(probe, "dhcp");
    char *deltas = probe_deltas(probe);
    char *where = probe_where(c, probe);
    char *hint = xasprintf("%s (flow counters that moved meanwhile: %s)",
                           where, *deltas ? deltas : "none");

    if (str(probe, "error")) {
        add(c, NULL, false, "probe", "run it as root where the agent runs",
            "%s", str(probe, "error"));
    }
    if (arp && str(arp, "mac")) {
        add(c, NULL, true, "probe ARP", NULL, "gateway %s is at %s",
            str(arp, "target"), str(arp, "mac"));
    } else if (arp) {
        add(c, NULL, false, "probe ARP", hint,
            "no ARP reply from the gateway %s", str(arp, "target") ?: "");
    }
    if (dhcp) {
        const char *offer = str(dhcp, "offer");
        json_t *port = NULL;
        size_t i;
        json_t *p;

        json_array_foreach (c->w->ports, i, p) {
            if (c->w->only_port
                && streq(str(p, "id") ?: "", c->w->only_port)) {
                port = p;
            }
        }
        const char *ip =
            str(json_array_get(json_object_get(port, "fixed_ips"), 0),
                "ip_address");
        if (!offer) {
            add(c, c->w->only_port, false, "probe DHCP", hint,
                "no DHCP offer for %s", str(dhcp, "mac") ?: "");
        } else if (ip && !streq(ip, offer)) {
            add(c, c->w->only_port, false, "probe DHCP",
                "another DHCP "
                "server answers on the network, or the host file is stale",
                "%s offered %s, the port has %s", str(dhcp, "server") ?: "",
                offer, ip);
        } else {
            add(c, c->w->only_port, true, "probe DHCP", NULL,
                "%s offered %s to %s", str(dhcp, "server") ?: "", offer,
                str(dhcp, "mac") ?: "");
        }
    }
    free(hint);
    free(where);
    free(deltas);
}

json_t *
inspect_check(const struct inspect_want *w, json_t *observed)
{
    struct check c = {.w = w,
                      .obs = observed,
                      .out = json_array(),
                      .net_id = str(w->network, "id") ?: "",
                      .segid = -1,
                      .lvid = -1,
                      .int_ofport = -1,
                      .phy_ofport = -1};

    if (!check_server(&c)) {
        return c.out;
    }
    ovs_agent_patch_name("int-", w->phys_bridge, c.int_patch);
    ovs_agent_patch_name("phy-", w->phys_bridge, c.phy_patch);
    check_ovs(&c);
    check_dhcp(&c);
    if (!c.ovs_unreachable) {
        check_ports(&c);
    }
    if (json_object_get(observed, "probe")) {
        check_probe(&c, json_object_get(observed, "probe"));
    }
    return c.out;
}
