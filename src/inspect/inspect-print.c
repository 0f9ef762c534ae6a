#include "inspect/inspect-print.h"

#include <stdio.h>

#include "agent/ovs-agent.h"
#include "core/ds.h"
#include "core/util.h"

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static const char *
net_id(const struct inspect_want *w)
{
    return str(w->network, "id") ?: "";
}

char *
inspect_print_table(const struct inspect_want *w, json_t *findings)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *name = str(w->network, "name");
    size_t i, bad = 0;
    json_t *f;

    ds_put_format(&out, "network %s (%s) on host %s\n",
                  name && *name ? name : "-", net_id(w), w->host);
    json_array_foreach (findings, i, f) {
        bool ok = json_is_true(json_object_get(f, "ok"));
        const char *port = str(f, "port");
        char step[64];

        snprintf(step, sizeof step, "%s%.8s%s%s", port ? "port " : "",
                 port ? port : "", port ? " " : "", str(f, "step") ?: "");
        ds_put_format(&out, "%-4s  %-22s %s\n", ok ? "OK" : "FAIL", step,
                      str(f, "detail") ?: "");
        if (!ok && str(f, "hint")) {
            ds_put_format(&out, "      hint: %s\n", str(f, "hint"));
        }
        bad += !ok;
    }
    if (bad) {
        ds_put_format(&out, "%zu of %zu steps broken\n", bad,
                      json_array_size(findings));
    } else {
        ds_put_format(&out, "all %zu steps OK\n", json_array_size(findings));
    }
    return ds_steal(&out);
}

char *
inspect_print_json(const struct inspect_want *w, json_t *findings,
                   json_t *observed)
{
    json_t *doc = json_pack("{s:s,s:s,s:b,s:O,s:O}", "network", net_id(w),
                            "host", w->host, "ok", inspect_all_ok(findings),
                            "findings", findings, "observed", observed);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *out = xasprintf("%s\n", text);

    free(text);
    json_decref(doc);
    return out;
}

/* ---- The picture. ---- */

/* The hops from a port's device to the wire. */
enum hop {
    HOP_DEV,
    HOP_INT,
    HOP_INT_PATCH,
    HOP_PHY_PATCH,
    HOP_PHYS,
    HOP_NIC,
    HOP_N
};

struct path {
    const char *names[HOP_N];
    bool broken[HOP_N];
    char int_patch[16], phy_patch[16];
    int tag;
};

/* True if 'word' appears in 'text' as a whole name. */
static bool
names(const char *text, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = strstr(text, word); n && p; p = strstr(p + 1, word)) {
        bool start = p == text || strchr(" ,:(", p[-1]);
        bool end = strchr(" ,:)", p[n]) != NULL; /* Also the NUL. */
        if (start && end) {
            return true;
        }
    }
    return false;
}

static json_t *
br_iface(json_t *obs, const char *br, const char *key, const char *value)
{
    json_t *ifaces = json_object_get(
        json_object_get(json_object_get(obs, "bridges"), br), "ifaces");
    size_t i;
    json_t *it;

    json_array_foreach (ifaces, i, it) {
        if (value && streq(str(it, key) ?: "", value)) {
            return it;
        }
    }
    return NULL;
}

/* The NIC of the physical bridge, as inspect-check finds it. */
static const char *
nic_of(const struct inspect_want *w, json_t *obs)
{
    json_t *ifaces = json_object_get(
        json_object_get(json_object_get(obs, "bridges"), w->phys_bridge),
        "ifaces");
    size_t i;
    json_t *it;

    json_array_foreach (ifaces, i, it) {
        const char *type = str(it, "type") ?: "";
        if (!streq(type, "patch") && !streq(type, "internal")
            && !streq(str(it, "name") ?: "", w->phys_bridge)) {
            return str(it, "name");
        }
    }
    return NULL;
}

/* Fills 'p' for port 'port_id' (NULL: the shared part only). */
static void
path_init(struct path *p, const struct inspect_want *w, json_t *findings,
          json_t *obs, const char *port_id)
{
    json_t *it = br_iface(obs, w->integration_bridge, "iface_id", port_id);
    size_t i;
    json_t *f;

    memset(p, 0, sizeof *p);
    ovs_agent_patch_name("int-", w->phys_bridge, p->int_patch);
    ovs_agent_patch_name("phy-", w->phys_bridge, p->phy_patch);
    p->names[HOP_DEV] = str(it, "name") ?: "(not plugged)";
    p->names[HOP_INT] = w->integration_bridge;
    p->names[HOP_INT_PATCH] = p->int_patch;
    p->names[HOP_PHY_PATCH] = p->phy_patch;
    p->names[HOP_PHYS] = w->phys_bridge;
    p->names[HOP_NIC] = nic_of(w, obs) ?: "(no NIC)";
    p->tag = json_integer_value(json_object_get(it, "tag"));
    p->broken[HOP_DEV] = !it;
    p->broken[HOP_NIC] = !nic_of(w, obs);
    json_array_foreach (findings, i, f) {
        const char *fport = str(f, "port");
        const char *detail = str(f, "detail") ?: "";

        if (json_is_true(json_object_get(f, "ok"))
            || streq(str(f, "step") ?: "", "path")) {
            continue;
        }
        if (fport) {
            p->broken[HOP_DEV] |= port_id && streq(fport, port_id);
            continue;
        }
        for (int h = HOP_INT; h < HOP_N; h++) {
            p->broken[h] |= names(detail, p->names[h]);
        }
    }
}

static void
put_hop(struct ds *out, const struct path *p, enum hop h)
{
    ds_put_format(out, p->broken[h] ? "[x %s]" : "[%s]", p->names[h]);
}

static void
put_path(struct ds *out, const struct path *p, const char *physnet)
{
    put_hop(out, p, HOP_DEV);
    ds_put_format(out, " --tag %d--> ", p->tag);
    put_hop(out, p, HOP_INT);
    ds_put_cstr(out, " --> ");
    put_hop(out, p, HOP_INT_PATCH);
    ds_put_cstr(out, " ==patch==> ");
    put_hop(out, p, HOP_PHY_PATCH);
    ds_put_cstr(out, " --> ");
    put_hop(out, p, HOP_PHYS);
    ds_put_cstr(out, " --> ");
    put_hop(out, p, HOP_NIC);
    ds_put_format(out, " ~~ physical network '%s'\n", physnet);
}

/* The ports the findings traced, in order. */
static json_t *
traced_ports(json_t *findings)
{
    json_t *ids = json_array();
    size_t i, j;
    json_t *f, *id;

    json_array_foreach (findings, i, f) {
        const char *port = str(f, "port");
        bool seen = false;

        json_array_foreach (ids, j, id) {
            seen |= port && streq(json_string_value(id), port);
        }
        if (port && !seen) {
            json_array_append_new(ids, json_string(port));
        }
    }
    return ids;
}

static json_t *
find_port(const struct inspect_want *w, const char *id)
{
    size_t i;
    json_t *p;

    json_array_foreach (w->ports, i, p) {
        if (streq(str(p, "id") ?: "", id)) {
            return p;
        }
    }
    return NULL;
}

/* "mac ip" of a port. */
static char *
port_label(const struct inspect_want *w, const char *id)
{
    json_t *p = find_port(w, id);
    json_t *ip = json_array_get(json_object_get(p, "fixed_ips"), 0);

    return xasprintf("%s %s", str(p, "mac_address") ?: "",
                     str(ip, "ip_address") ?: "");
}

static void
put_namespace(struct ds *out, json_t *obs)
{
    json_t *ns = json_object_get(obs, "namespace");
    json_t *dnsmasq = json_object_get(obs, "dnsmasq");
    size_t i, j;
    json_t *l, *a;

    if (!ns) {
        return;
    }
    ds_put_format(out, "%s:", str(ns, "name"));
    json_array_foreach (json_object_get(ns, "links"), i, l) {
        if (streq(str(l, "name") ?: "", "lo")) {
            continue;
        }
        ds_put_format(out, " [%s", str(l, "name"));
        json_array_foreach (json_object_get(l, "addrs"), j, a) {
            ds_put_format(out, " %s", json_string_value(a));
        }
        ds_put_char(out, ']');
    }
    if (json_is_true(json_object_get(dnsmasq, "running"))) {
        ds_put_format(out, " dnsmasq pid %lld",
                      json_integer_value(json_object_get(dnsmasq, "pid")));
    } else {
        ds_put_cstr(out, " [x dnsmasq not running]");
    }
    ds_put_char(out, '\n');
}

char *
inspect_print_graph(const struct inspect_want *w, json_t *findings,
                    json_t *obs)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *physnet = str(w->network, "provider:physical_network") ?: "";
    json_t *ids = traced_ports(findings);
    size_t i;
    json_t *id;

    if (!w->phys_bridge) {
        json_decref(ids);
        return xstrdup("(no bridge for this network's physical network)\n");
    }
    json_array_foreach (ids, i, id) {
        struct path p;
        char *label = port_label(w, json_string_value(id));

        path_init(&p, w, findings, obs, json_string_value(id));
        ds_put_format(&out, "port %.8s (%s)\n  ", json_string_value(id),
                      label);
        put_path(&out, &p, physnet);
        free(label);
    }
    put_namespace(&out, obs);
    json_decref(ids);
    return ds_steal(&out);
}

static void
dot_node(struct ds *out, const char *id, const char *label, bool broken)
{
    ds_put_format(out, "  \"%s\" [label=\"%s\"%s];\n", id, label,
                  broken ? ", color=red, fontcolor=red" : "");
}

/* The qdhcp namespace as a cluster: its device (the veth's far end from
 * the DHCP port's tap) with addresses, and dnsmasq. */
static void
put_dot_namespace(struct ds *out, const struct inspect_want *w, json_t *obs)
{
    json_t *ns = json_object_get(obs, "namespace");
    json_t *dnsmasq = json_object_get(obs, "dnsmasq");
    json_t *dport = inspect_dhcp_port(w);
    char *dev = inspect_dev_name("ns-", str(dport, "id") ?: "");
    struct ds label = DS_EMPTY_INITIALIZER;
    size_t i, j;
    json_t *l, *a;

    if (!ns || !dport) {
        free(dev);
        return;
    }
    ds_put_cstr(&label, dev);
    json_array_foreach (json_object_get(ns, "links"), i, l) {
        json_array_foreach (json_object_get(l, "addrs"), j, a) {
            if (streq(str(l, "name") ?: "", dev)
                && !strchr(json_string_value(a), ':')) {
                ds_put_format(&label, "\\n%s", json_string_value(a));
            }
        }
    }
    ds_put_format(out, "  subgraph \"cluster_ns\" {\n  label=\"%s\";\n",
                  str(ns, "name"));
    dot_node(out, dev, ds_cstr(&label), false);
    if (json_is_true(json_object_get(dnsmasq, "running"))) {
        dot_node(out, "dnsmasq", "dnsmasq :53 :67", false);
    } else {
        dot_node(out, "dnsmasq", "dnsmasq (not running)", true);
    }
    ds_put_format(out, "  \"dnsmasq\" -> \"%s\" [dir=none];\n  }\n", dev);
    ds_put_format(out, "  \"%s\" -> \"%s\" [label=\"veth\", dir=none];\n", dev,
                  str(dport, "id") ?: "");
    ds_destroy(&label);
    free(dev);
}

char *
inspect_print_dot(const struct inspect_want *w, json_t *findings, json_t *obs)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    json_t *ids = traced_ports(findings);
    struct path p;
    size_t i;
    json_t *id;

    ds_put_cstr(&out, "digraph path {\n  rankdir=LR;\n  node [shape=box];\n");
    if (!w->phys_bridge) {
        json_decref(ids);
        ds_put_cstr(&out, "}\n");
        return ds_steal(&out);
    }
    path_init(&p, w, findings, obs, NULL);
    for (int h = HOP_INT; h < HOP_N; h++) {
        dot_node(&out, p.names[h], p.names[h], p.broken[h]);
    }
    char *wire = xasprintf("physical network\\n'%s'",
                           str(w->network, "provider:physical_network") ?: "");
    dot_node(&out, "wire", wire, false);
    free(wire);
    for (int h = HOP_INT; h < HOP_NIC; h++) {
        ds_put_format(&out, "  \"%s\" -> \"%s\"%s;\n", p.names[h],
                      p.names[h + 1],
                      h == HOP_INT_PATCH ? " [label=\"patch\"]" : "");
    }
    ds_put_format(&out, "  \"%s\" -> \"wire\";\n", p.names[HOP_NIC]);
    json_array_foreach (ids, i, id) {
        char *label = port_label(w, json_string_value(id));
        char *full = NULL;

        path_init(&p, w, findings, obs, json_string_value(id));
        full = xasprintf("%s\\n%s", p.names[HOP_DEV], label);
        dot_node(&out, json_string_value(id), full, p.broken[HOP_DEV]);
        ds_put_format(&out, "  \"%s\" -> \"%s\" [label=\"tag %d\"];\n",
                      json_string_value(id), p.names[HOP_INT], p.tag);
        free(full);
        free(label);
    }
    put_dot_namespace(&out, w, obs);
    ds_put_cstr(&out, "}\n");
    json_decref(ids);
    return ds_steal(&out);
}
