#include "agent/dnsmasq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ds.h"
#include "core/ip.h"
#include "core/mac.h"
#include "core/util.h"

#define METADATA_IP "169.254.169.254"

static const char *
str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int
cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int
compare_ids(const void *a_, const void *b_)
{
    json_t *const *a = a_, *const *b = b_;

    return strcmp(str(*a, "id"), str(*b, "id"));
}

/* IPv4 subnets, and IPv6 ones whose addresses or options come from
 * DHCPv6 (stateful, stateless, or no mode given); SLAAC-only subnets are
 * the routers' business. */
static bool
subnet_has_dhcp(json_t *sub)
{
    json_int_t version =
        json_integer_value(json_object_get(sub, "ip_version"));
    const char *mode = str(sub, "ipv6_address_mode");

    return version == 4
           || (version == 6
               && (!mode || !strcmp(mode, "dhcpv6-stateful")
                   || !strcmp(mode, "dhcpv6-stateless")));
}

static bool
is_stateless(json_t *sub)
{
    const char *mode = str(sub, "ipv6_address_mode");

    return mode && !strcmp(mode, "dhcpv6-stateless");
}

json_t *
dnsmasq_subnets(json_t *subnets, const char *net_id)
{
    json_t *out = json_array(), *sub;
    const char *id;
    json_t **v;
    size_t n = 0;

    json_object_foreach (subnets, id, sub) {
        const char *net = str(sub, "network_id");
        if (net && !strcmp(net, net_id)
            && json_is_true(json_object_get(sub, "enable_dhcp"))
            && str(sub, "cidr") && subnet_has_dhcp(sub)) {
            json_array_append(out, sub);
        }
    }
    v = xcalloc(json_array_size(out) + 1, sizeof *v);
    json_array_foreach (out, n, sub) {
        v[n] = sub;
    }
    qsort(v, json_array_size(out), sizeof *v, compare_ids);
    json_t *sorted = json_array();
    for (size_t i = 0; i < json_array_size(out); i++) {
        json_array_append(sorted, v[i]);
    }
    free(v);
    json_decref(out);
    return sorted;
}

/* The served subnet 'subnet_id' among 'subnets', or NULL. */
static json_t *
find_subnet(json_t *subnets, const char *subnet_id)
{
    size_t i;
    json_t *sub;

    json_array_foreach (subnets, i, sub) {
        if (subnet_id && !strcmp(str(sub, "id"), subnet_id)) {
            return sub;
        }
    }
    return NULL;
}

static void
argv_add(char ***argv, size_t *n, char *arg)
{
    *argv = xrealloc(*argv, (*n + 2) * sizeof **argv);
    (*argv)[(*n)++] = arg;
    (*argv)[*n] = NULL;
}

/* The lease time as dnsmasq takes it. */
static char *
lease_text(const struct dnsmasq_config *cfg)
{
    return cfg->lease_duration < 0 ? xstrdup("infinite")
                                   : xasprintf("%lds", cfg->lease_duration);
}

char **
dnsmasq_argv(const struct dnsmasq_config *cfg, json_t *network,
             json_t *subnets)
{
    static const char *const files[][2] = {
        {"--pid-file", "pid"},          {"--dhcp-hostsfile", "host"},
        {"--addn-hosts", "addn_hosts"}, {"--dhcp-optsfile", "opts"},
        {"--dhcp-leasefile", "leases"},
    };
    json_int_t mtu = json_integer_value(json_object_get(network, "mtu"));
    char *lease = lease_text(cfg);
    ip_u128 total = 0;
    char **argv = NULL;
    size_t n = 0, i;
    json_t *sub;

    argv_add(&argv, &n, xstrdup("dnsmasq"));
    argv_add(&argv, &n, xstrdup("--no-hosts"));
    argv_add(&argv, &n, xstrdup("--no-resolv"));
    for (i = 0; i < ARRAY_SIZE(files); i++) {
        argv_add(&argv, &n,
                 xasprintf("%s=%s/%s", files[i][0], cfg->dir, files[i][1]));
    }
    argv_add(&argv, &n, xstrdup("--dhcp-match=set:ipxe,175"));
    argv_add(&argv, &n, xstrdup("--dhcp-userclass=set:ipxe6,iPXE"));
    argv_add(&argv, &n, xstrdup("--local-service"));
    argv_add(&argv, &n, xstrdup("--bind-dynamic"));
    json_array_foreach (subnets, i, sub) {
        struct ip_net net;
        char addr[IP_STRLEN], mask[IP_STRLEN];

        if (ipnet_parse(str(sub, "cidr"), &net)) {
            continue;
        }
        net = ipnet_network(&net);
        ip_format(&net.addr, addr);
        if (net.addr.version == 4) {
            struct ip_addr m = ipnet_netmask(&net);
            ip_format(&m, mask);
        } else if (net.prefixlen >= 64) {
            snprintf(mask, sizeof mask, "%d", net.prefixlen);
        } else {
            continue; /* dnsmasq serves no shorter IPv6 prefix. */
        }
        argv_add(&argv, &n,
                 xasprintf("--dhcp-range=set:subnet-%s,%s,static,%s,%s",
                           str(sub, "id"), addr, mask, lease));
        total += MIN(ipnet_size(&net), (ip_u128) cfg->lease_max);
    }
    if (mtu > 0) {
        argv_add(
            &argv, &n,
            xasprintf("--dhcp-option-force=option:mtu,%" JSON_INTEGER_FORMAT,
                      mtu));
    }
    if (total > (ip_u128) cfg->lease_max) {
        total = cfg->lease_max;
    }
    argv_add(&argv, &n,
             xasprintf("--dhcp-lease-max=%llu", (unsigned long long) total));
    argv_add(&argv, &n, xstrdup("--conf-file=/dev/null"));
    for (i = 0; i < cfg->n_dns_servers; i++) {
        argv_add(&argv, &n, xasprintf("--server=%s", cfg->dns_servers[i]));
    }
    argv_add(&argv, &n, xasprintf("--domain=%s", cfg->domain));
    free(lease);
    return argv;
}

void
dnsmasq_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++) {
        free(argv[i]);
    }
    free(argv);
}

bool
dnsmasq_port_is_served(json_t *port)
{
    static const char *const skipped[] = {
        "network:dhcp",
        "network:floatingip",
        "network:router_ha_interface",
        "network:distributed",
    };
    const char *owner = str(port, "device_owner");

    for (size_t i = 0; owner && i < ARRAY_SIZE(skipped); i++) {
        if (!strcmp(owner, skipped[i])) {
            return false;
        }
    }
    return true;
}

bool
dnsmasq_opt_is_safe(const char *text, bool is_name)
{
    if (!text || (is_name && !*text)) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f
            || (is_name && (*p == ',' || *p == ' ' || *p == '#'))) {
            return false;
        }
    }
    return true;
}

static bool
is_client_id(const char *name)
{
    return !strcmp(name, "client-id") || !strcmp(name, "61");
}

/* The length of the "tag:X," prefix of an opt_name in Neutron's form for
 * an extra tag ("tag:X,NAME"), 0 for a plain name, -1 if 'name' is neither
 * (or a part is not safe to write). */
static int
opt_tag_len(const char *name)
{
    const char *comma = strchr(name, ',');
    char *tag;
    bool ok;

    if (!str_startswith(name, "tag:")) {
        return dnsmasq_opt_is_safe(name, true) ? 0 : -1;
    }
    if (!comma || comma == name + 4) {
        return -1;
    }
    tag = xstrndup(name, comma - name);
    ok =
        dnsmasq_opt_is_safe(tag, true) && dnsmasq_opt_is_safe(comma + 1, true);
    free(tag);
    return ok ? (int) (comma - name + 1) : -1;
}

/* The extra_dhcp_opts of 'port' that can be written, other than client-id,
 * as a new array. */
static json_t *
port_opts(json_t *port)
{
    json_t *out = json_array(), *opt;
    size_t i;

    json_array_foreach (json_object_get(port, "extra_dhcp_opts"), i, opt) {
        const char *name = str(opt, "opt_name");
        const char *value = str(opt, "opt_value");
        json_int_t version =
            json_integer_value(json_object_get(opt, "ip_version"));

        if ((version && version != 4 && version != 6) || !name
            || opt_tag_len(name) < 0
            || !dnsmasq_opt_is_safe(value ? value : "", false)
            || is_client_id(name)) {
            continue;
        }
        json_array_append(out, opt);
    }
    return out;
}

/* The port's client-id extra option (name client-id or 61), if it is one
 * dnsmasq can take as a host's id; NULL otherwise. */
static const char *
port_client_id(json_t *port)
{
    size_t i;
    json_t *opt;

    json_array_foreach (json_object_get(port, "extra_dhcp_opts"), i, opt) {
        const char *name = str(opt, "opt_name");
        const char *value = str(opt, "opt_value");

        if (name && is_client_id(name) && value && *value
            && dnsmasq_opt_is_safe(value, true)) {
            return value;
        }
    }
    return NULL;
}

/* One served address: a port's MAC and an IPv4 address on a served
 * subnet, with the host name derived from the address. */
struct served {
    char mac[MAC_STRLEN];
    char ip[IP_STRLEN];
    char name[IP_STRLEN + 8];
    const char *port_id;
    const char *client_id; /* Its client-id option, or NULL. */
    bool has_opts;
    int version;    /* Of 'ip'. */
    bool stateless; /* IPv6 address not from DHCPv6: only options. */
};

typedef void served_fn(const struct served *, void *aux);

/* The keys of 'ports' in order (a malloc'd array of borrowed strings), so
 * the files come out the same whatever the hash order. */
static const char **
sorted_ids(json_t *ports, size_t *ret_n)
{
    const char **ids = xcalloc(json_object_size(ports) + 1, sizeof *ids);
    size_t n = 0;
    const char *id;
    json_t *port;

    json_object_foreach (ports, id, port) {
        ids[n++] = id;
    }
    qsort(ids, n, sizeof *ids, cmp_strp);
    *ret_n = n;
    return ids;
}

/* Calls 'fn' for each served address of 'ports', ports in id order. */
static void
for_each_served(json_t *subnets, json_t *ports, served_fn *fn, void *aux)
{
    size_t n;
    const char **ids = sorted_ids(ports, &n);
    json_t *port;

    for (size_t i = 0; i < n; i++) {
        json_t *fip, *opts;
        uint8_t mac[6];
        size_t j;

        port = json_object_get(ports, ids[i]);
        if (!dnsmasq_port_is_served(port)
            || mac_parse(str(port, "mac_address"), mac)) {
            continue;
        }
        opts = port_opts(port);
        json_array_foreach (json_object_get(port, "fixed_ips"), j, fip) {
            struct served s = {.port_id = ids[i],
                               .client_id = port_client_id(port),
                               .has_opts = json_array_size(opts) > 0};
            json_t *sub = find_subnet(subnets, str(fip, "subnet_id"));
            struct ip_addr ip;

            if (!sub || ip_parse(str(fip, "ip_address"), &ip)) {
                continue;
            }
            s.version = ip.version;
            s.stateless = ip.version == 6 && is_stateless(sub);
            mac_format(mac, s.mac);
            ip_format(&ip, s.ip);
            snprintf(s.name, sizeof s.name, "host-%s", s.ip);
            for (char *p = s.name; *p; p++) {
                *p = *p == '.' || *p == ':' ? '-' : *p;
            }
            fn(&s, aux);
        }
        json_decref(opts);
    }
    free(ids);
}

struct file_ctx {
    const struct dnsmasq_config *cfg;
    struct ds ds;
    time_t expiry;
};

static void
put_host(const struct served *s, void *aux)
{
    struct file_ctx *f = aux;

    const char *id = s->client_id ? ",id:" : "";
    const char *cid = s->client_id ? s->client_id : "";

    if (s->version == 4) {
        ds_put_format(&f->ds, "%s%s%s,%s.%s,%s", s->mac, id, cid, s->name,
                      f->cfg->domain, s->ip);
    } else if (!s->stateless) {
        ds_put_format(&f->ds, "%s,tag:dhcpv6%s%s,%s.%s,[%s]", s->mac, id, cid,
                      s->name, f->cfg->domain, s->ip);
    } else if (s->has_opts) {
        ds_put_format(&f->ds, "%s,tag:dhcpv6", s->mac);
    } else {
        return; /* Nothing dnsmasq needs to know. */
    }
    if (s->has_opts) {
        ds_put_format(&f->ds, ",set:port-%s", s->port_id);
    }
    ds_put_char(&f->ds, '\n');
}

static void
put_addn_host(const struct served *s, void *aux)
{
    struct file_ctx *f = aux;

    ds_put_format(&f->ds, "%s\t%s.%s %s\n", s->ip, s->name, f->cfg->domain,
                  s->name);
}

static void
put_lease(const struct served *s, void *aux)
{
    struct file_ctx *f = aux;

    if (s->version == 4) {
        ds_put_format(&f->ds, "%lld %s %s * %s\n", (long long) f->expiry,
                      s->mac, s->ip, s->client_id ? s->client_id : "*");
    }
}

static char *
render(const struct dnsmasq_config *cfg, json_t *subnets, json_t *ports,
       served_fn *fn, time_t expiry)
{
    struct file_ctx f = {.cfg = cfg, .expiry = expiry};

    ds_init(&f.ds);
    for_each_served(subnets, ports, fn, &f);
    return ds_steal(&f.ds);
}

char *
dnsmasq_hosts(const struct dnsmasq_config *cfg, json_t *subnets, json_t *ports)
{
    return render(cfg, subnets, ports, put_host, 0);
}

char *
dnsmasq_addn_hosts(const struct dnsmasq_config *cfg, json_t *subnets,
                   json_t *ports)
{
    return render(cfg, subnets, ports, put_addn_host, 0);
}

char *
dnsmasq_leases(const struct dnsmasq_config *cfg, json_t *subnets,
               json_t *ports, time_t now)
{
    return render(cfg, subnets, ports, put_lease,
                  cfg->lease_duration < 0 ? 0 : now + cfg->lease_duration);
}

/* The address of 'port' on subnet 'subnet_id', or NULL. */
static const char *
port_ip_on(json_t *port, const char *subnet_id)
{
    size_t i;
    json_t *fip;

    json_array_foreach (json_object_get(port, "fixed_ips"), i, fip) {
        if (subnet_id && str(fip, "subnet_id")
            && !strcmp(str(fip, "subnet_id"), subnet_id)) {
            return str(fip, "ip_address");
        }
    }
    return NULL;
}

/* True if a router interface holds the subnet's gateway address. */
static bool
subnet_is_routed(json_t *sub, json_t *ports)
{
    const char *gw = str(sub, "gateway_ip");
    const char *id;
    json_t *port;

    json_object_foreach (ports, id, port) {
        const char *owner = str(port, "device_owner");
        const char *ip = port_ip_on(port, str(sub, "id"));
        if (gw && owner && ip && str_startswith(owner, "network:router_")
            && !strstr(owner, "gateway") && !strcmp(ip, gw)) {
            return true;
        }
    }
    return false;
}

/* The classless static routes of served subnet 'sub' as "dst,nh,..." (""
 * if none): host routes, the metadata route, the other subnets on-link
 * first, the default route last. */
static void
put_routes(const struct dnsmasq_config *cfg, struct ds *routes, json_t *sub,
           json_t *subnets, json_t *ports, json_t *dhcp_port)
{
    const char *gw = str(sub, "gateway_ip");
    bool isolated = !subnet_is_routed(sub, ports);
    const char *dhcp_ip = port_ip_on(dhcp_port, str(sub, "id"));
    size_t i;
    json_t *v;

    json_array_foreach (subnets, i, v) {
        if (v != sub
            && json_integer_value(json_object_get(v, "ip_version")) == 4) {
            ds_put_format(routes, ",%s,0.0.0.0", str(v, "cidr"));
        }
    }
    json_array_foreach (json_object_get(sub, "host_routes"), i, v) {
        const char *dst = str(v, "destination"), *nh = str(v, "nexthop");
        if (dst && nh && strcmp(dst, "0.0.0.0/0")) {
            ds_put_format(routes, ",%s,%s", dst, nh);
        }
    }
    if (dhcp_ip
        && (cfg->force_metadata || (cfg->isolated_metadata && isolated))) {
        ds_put_format(routes, "," METADATA_IP "/32,%s", dhcp_ip);
    } else if (!isolated && gw) {
        ds_put_format(routes, "," METADATA_IP "/32,%s", gw);
    }
    if (routes->len && gw) {
        ds_put_format(routes, ",0.0.0.0/0,%s", gw);
    }
}

static void put_line(struct ds *out, const char *fmt, ...) PRINTF_FORMAT(2, 3);

static void
put_line(struct ds *out, const char *fmt, ...)
{
    va_list args;
    char *line;

    va_start(args, fmt);
    line = xvasprintf(fmt, args);
    va_end(args);
    if (out->len) {
        ds_put_char(out, '\n');
    }
    ds_put_cstr(out, line);
    free(line);
}

static void
put_subnet_opts(const struct dnsmasq_config *cfg, struct ds *out, json_t *sub,
                json_t *subnets, json_t *ports, json_t *dhcp_port)
{
    const char *id = str(sub, "id"), *gw = str(sub, "gateway_ip");
    json_t *dns = json_object_get(sub, "dns_nameservers"), *v;
    int version = json_integer_value(json_object_get(sub, "ip_version"));
    const char *opt = version == 4 ? "option" : "option6";
    struct ds routes;
    size_t i;

    if (json_array_size(dns)) {
        struct ds list;

        ds_init(&list);
        json_array_foreach (dns, i, v) {
            struct ip_addr ip;
            char text[IP_STRLEN];
            if (!ip_parse_version(json_string_value(v), version, &ip)
                && ip.v != 0) {
                ip_format(&ip, text);
                ds_put_format(&list, version == 4 ? ",%s" : ",[%s]", text);
            }
        }
        put_line(out, "tag:subnet-%s,%s:dns-server%s", id, opt,
                 ds_cstr(&list));
        ds_destroy(&list);
    }
    if (version == 6) {
        put_line(out, "tag:subnet-%s,option6:domain-search,%s", id,
                 cfg->domain);
        return; /* Routes come from router advertisements. */
    }
    ds_init(&routes);
    put_routes(cfg, &routes, sub, subnets, ports, dhcp_port);
    if (routes.len) {
        put_line(out, "tag:subnet-%s,option:classless-static-route%s", id,
                 ds_cstr(&routes));
        put_line(out, "tag:subnet-%s,249%s", id, ds_cstr(&routes));
    }
    ds_destroy(&routes);
    if (gw) {
        put_line(out, "tag:subnet-%s,option:router,%s", id, gw);
    } else {
        put_line(out, "tag:subnet-%s,option:router", id);
    }
}

static void
put_port_opts(struct ds *out, json_t *subnets, json_t *ports)
{
    size_t n;
    const char **ids = sorted_ids(ports, &n);
    json_t *port;

    for (size_t i = 0; i < n; i++) {
        json_t *opts, *opt;
        bool has[7] = {false}; /* Served addresses, by IP version. */
        size_t j;

        port = json_object_get(ports, ids[i]);
        json_array_foreach (json_object_get(port, "fixed_ips"), j, opt) {
            json_t *sub = find_subnet(subnets, str(opt, "subnet_id"));
            json_int_t v =
                json_integer_value(json_object_get(sub, "ip_version"));
            has[v == 6 ? 6 : 4] |= sub != NULL;
        }
        if (!dnsmasq_port_is_served(port)) {
            continue;
        }
        opts = port_opts(port);
        json_array_foreach (opts, j, opt) {
            const char *name = str(opt, "opt_name");
            const char *value = str(opt, "opt_value");
            int tag_len = opt_tag_len(name);
            const char *bare = name + tag_len;
            bool numeric = strspn(bare, "0123456789") == strlen(bare);
            bool v6 =
                json_integer_value(json_object_get(opt, "ip_version")) == 6;

            /* An extra "tag:X," of the name follows the port's tag. */
            if (has[v6 ? 6 : 4]) {
                put_line(out, "tag:port-%s,%.*s%s%s,%s", ids[i], tag_len, name,
                         numeric ? ""
                         : v6    ? "option6:"
                                 : "option:",
                         bare, value ? value : "");
            }
        }
        json_decref(opts);
    }
    free(ids);
}

/* With several DHCP agents on a network, a subnet without nameservers
 * gets every DHCP port's address on it as its DNS servers (one dnsmasq
 * alone advertises itself), as Neutron writes it; unlike Neutron, not
 * the address of a reserved port, which nothing serves. */
static void
put_dhcp_dns_servers(struct ds *out, json_t *subnets, json_t *ports)
{
    size_t n;
    const char **ids = sorted_ids(ports, &n);
    size_t i;
    json_t *sub;

    json_array_foreach (subnets, i, sub) {
        bool v6 = json_integer_value(json_object_get(sub, "ip_version")) == 6;
        struct ds list;
        size_t count = 0;

        if (json_array_size(json_object_get(sub, "dns_nameservers"))) {
            continue;
        }
        ds_init(&list);
        for (size_t j = 0; j < n; j++) {
            json_t *port = json_object_get(ports, ids[j]);
            const char *owner = str(port, "device_owner");
            const char *dev = str(port, "device_id");
            const char *ip = port_ip_on(port, str(sub, "id"));
            /* A reserved port has no dnsmasq behind it. */
            if (owner && !strcmp(owner, "network:dhcp") && ip && dev
                && strcmp(dev, "reserved_dhcp_port")) {
                ds_put_format(&list, v6 ? ",[%s]" : ",%s", ip);
                count++;
            }
        }
        if (count > 1) {
            put_line(out, "tag:subnet-%s,%s:dns-server%s", str(sub, "id"),
                     v6 ? "option6" : "option", ds_cstr(&list));
        }
        ds_destroy(&list);
    }
    free(ids);
}

char *
dnsmasq_opts(const struct dnsmasq_config *cfg, json_t *subnets, json_t *ports,
             json_t *dhcp_port)
{
    struct ds out;
    size_t i;
    json_t *sub;

    ds_init(&out);
    json_array_foreach (subnets, i, sub) {
        put_subnet_opts(cfg, &out, sub, subnets, ports, dhcp_port);
    }
    put_port_opts(&out, subnets, ports);
    put_dhcp_dns_servers(&out, subnets, ports);
    return ds_steal(&out);
}

/* The MAC (first field) and IPv4 address (the first field that is one) of
 * a host file line: the fields between them vary (tag:, id:, the name). */
static bool
host_line_fields(const char *line, char mac[32], char ip[64])
{
    char *copy = xstrdup(line), *save = NULL, *field;
    bool found = false;

    field = strtok_r(copy, ",", &save);
    if (field && strlen(field) < 32) {
        strcpy(mac, field);
        while (!found && (field = strtok_r(NULL, ",", &save))) {
            struct ip_addr a;
            found = strlen(field) < 64 && !ip_parse_version(field, 4, &a);
            if (found) {
                strcpy(ip, field);
            }
        }
    }
    free(copy);
    return found;
}

size_t
dnsmasq_parse_hosts(const char *text, bool leases, struct dnsmasq_host **ret)
{
    char *copy = xstrdup(text ? text : ""), *save = NULL;
    struct dnsmasq_host *v = NULL;
    size_t n = 0;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char mac_text[32] = "", ip_text[64] = "";
        struct ip_addr ip;
        uint8_t mac[6];

        if (leases ? sscanf(line, "%*s %31s %63s", mac_text, ip_text) != 2
                   : !host_line_fields(line, mac_text, ip_text)) {
            continue;
        }
        if (mac_parse(mac_text, mac) || ip_parse_version(ip_text, 4, &ip)) {
            continue;
        }
        v = xrealloc(v, (n + 1) * sizeof *v);
        mac_format(mac, v[n].mac);
        ip_format(&ip, v[n].ip);
        n++;
    }
    free(copy);
    *ret = v;
    return n;
}
