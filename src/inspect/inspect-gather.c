/* Include nl-link.h before any <linux/...> header (see there). */
#include "nl/nl-link.h"

#include "inspect/inspect-gather.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include "agent/dnsmasq.h"
#include "core/ds.h"
#include "core/ip.h"
#include "core/mac.h"
#include "nl/netns.h"
#include "nl/nl-addr.h"
#include "nl/nl-route.h"
#include "ovs/ofp.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

/* How long OVSDB and each bridge get to answer. */
#define GATHER_TIMEOUT_MS 3000

/* Files read whole (pid, host file, /proc tables) are capped. */
#define GATHER_MAX_FILE (16u << 20)

/* Reads 'path' into a malloc'd string; NULL if it cannot. */
static char *
read_file(const char *path)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return NULL;
    }
    while ((n = read(fd, buf, sizeof buf)) > 0
           && text.len + (size_t) n <= GATHER_MAX_FILE) {
        ds_put_buf(&text, buf, (size_t) n);
    }
    close(fd);
    if (n < 0) {
        ds_destroy(&text);
        return NULL;
    }
    return ds_steal(&text);
}

static void
set_str(json_t *obj, const char *key, const char *value)
{
    if (value) {
        json_object_set_new(obj, key, json_string(value));
    }
}

/* The ethtool ioctl on 'dev' through 'sock', a socket in its namespace. */
static int
ethtool(int sock, const char *dev, struct ethtool_value *ev)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
    ifr.ifr_data = (void *) ev;
    return ioctl(sock, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int
inspect_tx_csum(int sock, const char *dev)
{
    struct ethtool_value ev = {.cmd = ETHTOOL_GTXCSUM};
    int r = ethtool(sock, dev, &ev);

    return r ? r : ev.data != 0;
}

int
inspect_tx_csum_off(int sock, const char *dev)
{
    struct ethtool_value ev = {.cmd = ETHTOOL_STXCSUM, .data = 0};

    return ethtool(sock, dev, &ev);
}

static json_t *
link_json(const struct nl_link *l, int sock)
{
    json_t *o = json_object();
    char mac[MAC_STRLEN];
    int csum = sock >= 0 ? inspect_tx_csum(sock, l->name) : -1;

    set_str(o, "name", l->name);
    set_str(o, "kind", l->kind);
    json_object_set_new(o, "up", json_boolean(l->flags & IFF_UP));
    if (l->has_mac) {
        mac_format(l->mac, mac);
        set_str(o, "mac", mac);
    }
    json_object_set_new(o, "mtu", json_integer(l->mtu));
    if (csum >= 0) {
        json_object_set_new(o, "tx_csum", json_boolean(csum));
    }
    return o;
}

/* ---- Open vSwitch. ---- */

static json_t *
iface_json(const struct vsw_iface *it)
{
    json_t *o = json_object();

    set_str(o, "name", it->name);
    set_str(o, "type", it->type);
    json_object_set_new(o, "ofport", json_integer(it->ofport));
    if (it->tag >= 0) {
        json_object_set_new(o, "tag", json_integer(it->tag));
    }
    set_str(o, "port", it->port_name);
    set_str(o, "iface_id", it->iface_id);
    set_str(o, "attached_mac", it->attached_mac);
    set_str(o, "net_uuid", it->net_uuid);
    set_str(o, "oc_tag", it->oc_tag);
    set_str(o, "peer", it->peer);
    return o;
}

json_t *
inspect_dump_flows(const char *name, const struct inspect_where *wh,
                   char **ret_error)
{
    char *target = xasprintf("unix:%s/%s.mgmt", wh->ovs_rundir, name);
    struct ofp_flow *flows;
    json_t *arr = NULL;
    size_t n;
    int r = ofp_dump_flows_sync(target, GATHER_TIMEOUT_MS, &flows, &n);

    if (r) {
        *ret_error = xasprintf("%s: %s", target, strerror(-r));
        free(target);
        return NULL;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
            arr,
            json_pack("{s:i,s:i,s:s,s:s,s:I,s:I,s:I}", "table",
                      flows[i].table_id, "priority", flows[i].priority,
                      "match", flows[i].match, "actions", flows[i].actions,
                      "n_packets", (json_int_t) flows[i].n_packets, "n_bytes",
                      (json_int_t) flows[i].n_bytes, "cookie",
                      (json_int_t) flows[i].cookie));
    }
    ofp_flows_free(flows, n);
    free(target);
    return arr;
}

static void
gather_flows(json_t *br, const char *name, const struct inspect_where *wh)
{
    char *error = NULL;
    json_t *flows = inspect_dump_flows(name, wh, &error);

    if (flows) {
        json_object_set_new(br, "flows", flows);
    } else {
        set_str(br, "flows_error", error);
        free(error);
    }
}

/* The kernel side of a bridge's system ports, in our namespace. */
static void
gather_links(json_t *links, const struct vsw_iface *ifaces, size_t n)
{
    struct nl_sock *nl;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (nl_sock_open(&nl)) {
        close(sock);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct nl_link l;

        if (ifaces[i].type && *ifaces[i].type) {
            continue; /* internal, patch, ...: no device of ours. */
        }
        if (!nl_link_get_by_name(nl, ifaces[i].name, &l)) {
            json_object_set_new(links, l.name, link_json(&l, sock));
        }
    }
    nl_sock_close(nl);
    close(sock);
}

static void
gather_bridge(json_t *obs, struct vsw *vsw, const char *name,
              const struct inspect_where *wh)
{
    struct vsw_bridge vb;
    struct vsw_iface *ifaces;
    size_t n;

    if (!name || vsw_get_bridge(vsw, name, &vb)
        || vsw_list_ifaces(vsw, name, &ifaces, &n)) {
        return;
    }
    json_t *br = json_object();
    json_t *arr = json_array();
    set_str(br, "datapath_type", vb.datapath_type);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, iface_json(&ifaces[i]));
    }
    json_object_set_new(br, "ifaces", arr);
    gather_links(json_object_get(obs, "links"), ifaces, n);
    free(ifaces);
    gather_flows(br, name, wh);
    json_object_set_new(json_object_get(obs, "bridges"), name, br);
}

int
inspect_vsw_connect(const char *remote, struct vsw **ret_vsw)
{
    long long deadline = ovsx_time_msec() + GATHER_TIMEOUT_MS;
    struct vsw *vsw;

    if (vsw_open(remote, &vsw)) {
        return -EINVAL;
    }
    for (;;) {
        vsw_run(vsw);
        if (vsw_is_connected(vsw)) {
            *ret_vsw = vsw;
            return 0;
        }
        if (ovsx_time_msec() >= deadline) {
            vsw_close(vsw);
            return -ETIMEDOUT;
        }
        vsw_wait(vsw);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
}

static void
gather_ovs(json_t *obs, const struct inspect_want *w,
           const struct inspect_where *wh)
{
    struct vsw *vsw;
    int r = inspect_vsw_connect(wh->ovsdb, &vsw);

    if (r) {
        json_object_set_new(
            obs, "ovsdb",
            json_pack("{s:s+}", "error",
                      r == -EINVAL ? "cannot use " : "no answer from ",
                      wh->ovsdb));
        return;
    }
    json_object_set_new(obs, "bridges", json_object());
    json_object_set_new(obs, "links", json_object());
    gather_bridge(obs, vsw, w->integration_bridge, wh);
    gather_bridge(obs, vsw, w->phys_bridge, wh);
    vsw_close(vsw);
}

/* ---- The qdhcp namespace. ---- */

void
inspect_parse_proc_net(const char *text, const char *proto, json_t *out)
{
    bool tcp = streq(proto, "tcp");
    const char *line = strchr(text, '\n'); /* Past the header. */

    while (line && *++line) {
        unsigned int addr, port, state;
        struct in_addr in;
        char buf[INET_ADDRSTRLEN];

        if (sscanf(line, " %*u: %8X:%4X %*8X:%*4X %2X", &addr, &port, &state)
                == 3
            /* 0x0A: TCP_LISTEN; 0x07: TCP_CLOSE, a bound UDP socket. */
            && state == (tcp ? 0x0Au : 0x07u)) {
            in.s_addr = addr; /* The kernel printed the raw __be32. */
            inet_ntop(AF_INET, &in, buf, sizeof buf);
            json_array_append_new(out,
                                  json_pack("{s:s,s:s,s:i}", "proto", proto,
                                            "addr", buf, "port", (int) port));
        }
        line = strchr(line, '\n');
    }
}

/* Runs in the namespace (netns_run()): its IPv4 sockets into 'aux'. */
static int
read_sockets(void *aux)
{
    static const char *const protos[] = {"tcp", "udp"};

    for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
        char *path = xasprintf("/proc/thread-self/net/%s", protos[i]);
        char *text = read_file(path);

        if (text) {
            inspect_parse_proc_net(text, protos[i], aux);
        }
        free(text);
        free(path);
    }
    return 0;
}

static const char *
link_name(const struct nl_link *links, size_t n, int index)
{
    for (size_t i = 0; i < n; i++) {
        if (links[i].index == index) {
            return links[i].name;
        }
    }
    return "";
}

static json_t *
ns_links_json(struct nl_sock *nl, int sock, struct nl_link *links, size_t n)
{
    json_t *arr = json_array();
    struct nl_addr *addrs = NULL;
    size_t n_addrs = 0;

    if (nl_addr_list(nl, 0, AF_UNSPEC, &addrs, &n_addrs)) {
        n_addrs = 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = link_json(&links[i], sock);
        json_t *a = json_array();

        for (size_t j = 0; j < n_addrs; j++) {
            char buf[IPNET_STRLEN];
            if (addrs[j].index == links[i].index) {
                ipnet_format(&addrs[j].net, buf);
                json_array_append_new(a, json_string(buf));
            }
        }
        json_object_set_new(o, "addrs", a);
        json_array_append_new(arr, o);
    }
    free(addrs);
    return arr;
}

static json_t *
ns_routes_json(struct nl_sock *nl, struct nl_link *links, size_t n)
{
    json_t *arr = json_array();
    struct nl_route *routes = NULL;
    size_t n_routes = 0;

    if (nl_route_list(nl, AF_INET, &routes, &n_routes)) {
        return arr;
    }
    for (size_t i = 0; i < n_routes; i++) {
        char dst[IPNET_STRLEN], gw[IP_STRLEN] = "";
        json_t *o;

        if (routes[i].table != RT_TABLE_MAIN) {
            continue;
        }
        ipnet_format(&routes[i].dst, dst);
        if (routes[i].has_gateway) {
            ip_format(&routes[i].gateway, gw);
        }
        o = json_pack("{s:s,s:s}", "dst", dst, "dev",
                      link_name(links, n, routes[i].oif));
        if (*gw) {
            set_str(o, "gateway", gw);
        }
        json_array_append_new(arr, o);
    }
    free(routes);
    return arr;
}

static void
gather_namespace(json_t *obs, const char *net_id)
{
    char *name = inspect_ns_name(net_id);
    struct nl_link *links = NULL;
    struct nl_sock *nl;
    size_t n = 0;
    int fd, sock;

    int r = netns_open(name, &fd);
    if (r) {
        /* Missing is a finding; anything else is ours to explain. */
        if (r != -ENOENT) {
            json_object_set_new(
                obs, "namespace",
                json_pack("{s:s,s:s}", "name", name, "error", strerror(-r)));
        }
        free(name);
        return;
    }
    json_t *ns = json_pack("{s:s}", "name", name);
    json_t *socks = json_array();
    if (!nl_sock_open_netns(fd, &nl)) {
        sock = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
        if (!nl_link_list(nl, &links, &n)) {
            json_object_set_new(ns, "links",
                                ns_links_json(nl, sock, links, n));
            json_object_set_new(ns, "routes", ns_routes_json(nl, links, n));
        }
        free(links);
        if (sock >= 0) {
            close(sock);
        }
        nl_sock_close(nl);
    }
    if (netns_run(fd, read_sockets, socks) >= 0) {
        json_object_set(ns, "sockets", socks);
    }
    json_decref(socks);
    json_object_set_new(obs, "namespace", ns);
    close(fd);
    free(name);
}

/* ---- dnsmasq. ---- */

/* True if process 'pid' is a dnsmasq writing 'pid_file'. */
static bool
is_our_dnsmasq(long pid, const char *pid_file)
{
    char *path = xasprintf("/proc/%ld/cmdline", pid);
    char *want = xasprintf("--pid-file=%s", pid_file);
    struct ds cmd = DS_EMPTY_INITIALIZER;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ours = false, first = true;
    char buf[4096];
    ssize_t n;

    /* cmdline holds NUL-separated words: read it as bytes. */
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0
           && cmd.len < GATHER_MAX_FILE) {
        ds_put_buf(&cmd, buf, (size_t) n);
    }
    for (size_t off = 0; off < cmd.len; off += strlen(cmd.s + off) + 1) {
        const char *word = cmd.s + off;
        const char *base = strrchr(word, '/');

        if (first && !streq(base ? base + 1 : word, "dnsmasq")) {
            break;
        }
        first = false;
        ours |= streq(word, want);
    }
    if (fd >= 0) {
        close(fd);
    }
    ds_destroy(&cmd);
    free(want);
    free(path);
    return ours;
}

static void
gather_dnsmasq(json_t *obs, const char *state_path, const char *net_id)
{
    char *dir = xasprintf("%s/dhcp/%s", state_path, net_id);
    char *pid_file = xasprintf("%s/pid", dir);
    char *host_file = xasprintf("%s/host", dir);
    char *iface_file = xasprintf("%s/interface", dir);
    char *iface = read_file(iface_file);
    char *pid_text = read_file(pid_file);
    char *hosts_text = read_file(host_file);
    long pid = pid_text ? strtol(pid_text, NULL, 10) : 0;
    json_t *d = json_object();
    json_t *hosts = json_array();
    struct dnsmasq_host *h = NULL;
    size_t n = hosts_text ? dnsmasq_parse_hosts(hosts_text, false, &h) : 0;

    if (pid > 0) {
        json_object_set_new(d, "pid", json_integer(pid));
    }
    json_object_set_new(
        d, "running", json_boolean(pid > 0 && is_our_dnsmasq(pid, pid_file)));
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
            hosts, json_pack("{s:s,s:s}", "mac", h[i].mac, "ip", h[i].ip));
    }
    json_object_set_new(d, "hosts", hosts);
    if (iface) {
        /* Neutrino writes it without a newline, as Neutron does. */
        iface[strcspn(iface, "\n")] = '\0';
        json_object_set_new(d, "interface", json_string(iface));
    }
    json_object_set_new(obs, "dnsmasq", d);
    free(h);
    free(hosts_text);
    free(pid_text);
    free(iface);
    free(iface_file);
    free(host_file);
    free(pid_file);
    free(dir);
}

json_t *
inspect_gather(const struct inspect_want *w, const struct inspect_where *wh)
{
    json_t *obs = json_object();
    const char *net_id = json_string_value(json_object_get(w->network, "id"));

    if (w->phys_bridge) {
        gather_ovs(obs, w, wh);
    }
    if (net_id && inspect_dhcp_here(w)) {
        gather_namespace(obs, net_id);
        gather_dnsmasq(obs, wh->state_path, net_id);
    }
    return obs;
}
