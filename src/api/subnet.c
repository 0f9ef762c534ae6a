/* Subnets: CIDR, gateway and allocation pool rules as Neutron checks them,
 * CIDRs carved from subnet pools (api/subnetpool.h), the IPAM free ranges
 * behind the allocation pools, and the network's DHCP port, which follows
 * the set of DHCP-enabled subnets. */
#include <errno.h>
#include <stdio.h>

#include "api/dhcp-sched.h"
#include "api/ipam.h"
#include "api/resource.h"
#include "api/subnetpool.h"

static char *convert_subnet_cidr(json_t *, json_t **);
static char *convert_pools(json_t *, json_t **);
static char *convert_nameservers(json_t *, json_t **);
static char *convert_host_routes(json_t *, json_t **);
static char *convert_ipv6_mode(json_t *, json_t **);

static const struct attr subnet_attrs[] = {
    STANDARD_ATTRS,
    {"network_id", "network_id", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_uuid, NULL},
    {"ip_version", "ip_version", COL_INT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_int, NULL},
    {"cidr", "cidr", COL_TEXT, A_POST | A_FILTER | A_SORT | A_CONVERT,
     convert_subnet_cidr, NULL},
    {"gateway_ip", "gateway_ip", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_ip_or_null,
     NULL},
    {"enable_dhcp", "enable_dhcp", COL_BOOL,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_bool, "true"},
    {"ipv6_ra_mode", "ipv6_ra_mode", COL_TEXT,
     A_POST | A_FILTER | A_SORT | A_NULLABLE, convert_ipv6_mode, "null"},
    {"ipv6_address_mode", "ipv6_address_mode", COL_TEXT,
     A_POST | A_FILTER | A_SORT | A_NULLABLE, convert_ipv6_mode, "null"},
    {"allocation_pools", "allocation_pools", COL_JSON, A_POST | A_PUT,
     convert_pools, NULL},
    {"dns_nameservers", "dns_nameservers", COL_JSON, A_POST | A_PUT,
     convert_nameservers, "[]"},
    {"host_routes", "host_routes", COL_JSON, A_POST | A_PUT,
     convert_host_routes, "[]"},
    {"service_types", "service_types", COL_JSON, A_POST | A_PUT,
     convert_string_list, "[]"},
    {"subnetpool_id", "subnetpool_id", COL_TEXT,
     A_POST | A_FILTER | A_SORT | A_NULLABLE, convert_uuid_or_null, "null"},
    {"segment_id", "segment_id", COL_TEXT, A_POST | A_FILTER | A_NULLABLE,
     convert_uuid_or_null, "null"},
    /* Neutron's hidden filter: subnets of shared networks (or not). */
    {"shared",
     "(SELECT shared FROM networks WHERE networks.id = subnets.network_id)",
     COL_BOOL, A_FILTER | A_ALIAS, convert_bool, NULL},
    {"prefixlen", NULL, COL_NONE, A_POST, convert_int, NULL},
    {"use_default_subnetpool", NULL, COL_NONE, A_POST, convert_bool, NULL},
};

const struct resource_def subnet_def = {
    .singular = "subnet",
    .plural = "subnets",
    .table = "subnets",
    .not_found = "SubnetNotFound",
    .noun = "Subnet",
    .attrs = subnet_attrs,
    .n_attrs = ARRAY_SIZE(subnet_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* neutron-lib's convert_cidr_to_canonical_format: "ADDR/LEN" in canonical
 * text, a bare address being a host prefix. */
static char *
convert_subnet_cidr(json_t *value, json_t **ret)
{
    const char *s = json_string_value(value);
    struct ip_net n;
    char canon[IPNET_STRLEN];

    if (!s || ipnet_parse(s, &n) < 0) {
        char *repr = schema_repr(value);
        char *why = xasprintf("%s is not in a CIDR format", repr);
        free(repr);
        return why;
    }
    ipnet_format(&n, canon);
    *ret = json_string(canon);
    return NULL;
}

static char *
convert_pools(json_t *value, json_t **ret)
{
    size_t i;
    json_t *p;

    if (!json_is_array(value)) {
        return xstrdup("Invalid data format for IP pool");
    }
    json_array_foreach (value, i, p) {
        struct ip_addr a;
        const char *bad;

        if (!json_is_object(p) || json_object_size(p) != 2
            || !json_is_string(json_object_get(p, "start"))
            || !json_is_string(json_object_get(p, "end"))) {
            char *s = schema_repr(p);
            char *r = xasprintf("Invalid data format for IP pool: '%s'", s);
            free(s);
            return r;
        }
        bad = ip_parse(get_str(p, "start"), &a) < 0 ? get_str(p, "start")
              : ip_parse(get_str(p, "end"), &a) < 0 ? get_str(p, "end")
                                                    : NULL;
        if (bad) {
            return xasprintf("'%s' is not a valid IP address", bad);
        }
    }
    *ret = json_incref(value);
    return NULL;
}

static char *
convert_nameservers(json_t *value, json_t **ret)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;

    if (!json_is_array(value)) {
        json_decref(out);
        return xstrdup("Invalid data format for nameserver");
    }
    json_array_foreach (value, i, v) {
        json_t *ip;
        char *why = convert_ip_or_null(v, &ip);
        size_t j;
        json_t *seen;

        if (!why && json_is_null(ip)) {
            json_decref(ip);
            why = xstrdup("'None' is not a valid nameserver");
        }
        if (why) {
            json_decref(out);
            return why;
        }
        json_array_foreach (out, j, seen) {
            if (json_equal(seen, ip)) {
                json_decref(ip);
                json_decref(out);
                return xasprintf("Duplicate nameserver '%s'",
                                 json_string_value(v));
            }
        }
        json_array_append_new(out, ip);
    }
    *ret = out;
    return NULL;
}

static char *
convert_host_routes(json_t *value, json_t **ret)
{
    size_t i;
    json_t *r;
    struct ip_net net;
    struct ip_addr hop;

    if (!json_is_array(value)) {
        return xstrdup("Invalid data format for hostroute");
    }
    json_array_foreach (value, i, r) {
        const char *dst = json_string_value(json_object_get(r, "destination"));
        const char *nh = json_string_value(json_object_get(r, "nexthop"));
        if (!json_is_object(r) || json_object_size(r) != 2 || !dst || !nh
            || ipnet_parse(dst, &net) < 0 || ip_parse(nh, &hop) < 0) {
            char *s = schema_repr(r);
            char *m = xasprintf("Invalid data format for hostroute: '%s'", s);
            free(s);
            return m;
        }
        for (size_t j = 0; j < i; j++) {
            if (json_equal(json_array_get(value, j), r)) {
                char *s = schema_repr(r);
                char *m = xasprintf("Duplicate hostroute '%s'", s);
                free(s);
                return m;
            }
        }
    }
    *ret = json_incref(value);
    return NULL;
}

static char *
convert_ipv6_mode(json_t *value, json_t **ret)
{
    const char *s = json_string_value(value);

    if (!s
        || (strcmp(s, "slaac") && strcmp(s, "dhcpv6-stateful")
            && strcmp(s, "dhcpv6-stateless"))) {
        char *r = schema_repr(value);
        char *m = xasprintf("%s is not in ['dhcpv6-stateful', "
                            "'dhcpv6-stateless', 'slaac']",
                            r);
        free(r);
        return m;
    }
    *ret = json_incref(value);
    return NULL;
}

/* The subnet's parsed CIDR (stored rows are always valid). */
static struct ip_net
subnet_cidr(json_t *subnet)
{
    struct ip_net n = {0};

    (void) ipnet_parse(get_str(subnet, "cidr"), &n);
    return n;
}

static json_t *
pools_to_json(const struct ip_range *pools, size_t n)
{
    json_t *out = json_array();

    for (size_t i = 0; i < n; i++) {
        char a[IP_STRLEN], b[IP_STRLEN];
        ip_format(&pools[i].first, a);
        ip_format(&pools[i].last, b);
        json_array_append_new(out,
                              json_pack("{s:s, s:s}", "start", a, "end", b));
    }
    return out;
}

static struct api_error *
invalid_pool(const char *type, int status, const struct ip_range *r,
             const char *suffix)
{
    char buf[2 * IP_STRLEN];

    ip_range_format(r, buf, sizeof buf);
    return api_error_new(status, type, "The allocation pool %s %s", buf,
                         suffix);
}

/* Parses and checks requested pools against the CIDR.  On success
 * '*ret' holds 'n' ranges (malloc'd). */
static struct api_error *
validate_pools(json_t *pools, const struct ip_net *cidr, struct ip_range **ret,
               size_t *n)
{
    struct ip_range usable,
        *ranges = xcalloc(json_array_size(pools) + 1, sizeof *ranges);
    char cidr_s[IPNET_STRLEN];
    size_t i;
    json_t *p;

    ipam_usable_range(cidr, &usable);
    ipnet_format(cidr, cidr_s);
    json_array_foreach (pools, i, p) {
        const char *s = get_str(p, "start"), *e = get_str(p, "end");
        struct ip_range *r = &ranges[i];
        if (ip_parse_version(s, cidr->addr.version, &r->first) < 0
            || ip_parse_version(e, cidr->addr.version, &r->last) < 0
            || ip_cmp(&r->first, &r->last) > 0) {
            free(ranges);
            return api_error_new(400, "InvalidAllocationPool",
                                 "The allocation pool %s-%s is not valid.", s,
                                 e);
        }
        if (ip_cmp(&r->first, &usable.first) < 0
            || ip_cmp(&r->last, &usable.last) > 0) {
            struct api_error *err;
            char *suffix =
                xasprintf("spans beyond the subnet cidr %s.", cidr_s);
            err = invalid_pool("OutOfBoundsAllocationPool", 400, r, suffix);
            free(suffix);
            free(ranges);
            return err;
        }
        for (size_t j = 0; j < i; j++) {
            if (ip_cmp(&r->first, &ranges[j].last) <= 0
                && ip_cmp(&ranges[j].first, &r->last) <= 0) {
                char a[2 * IP_STRLEN], b[2 * IP_STRLEN];
                ip_range_format(&ranges[j], a, sizeof a);
                ip_range_format(r, b, sizeof b);
                free(ranges);
                return api_error_new(409, "OverlappingAllocationPools",
                                     "Found overlapping allocation pools: "
                                     "%s %s for subnet %s.",
                                     a, b, cidr_s);
            }
        }
    }
    *ret = ranges;
    *n = json_array_size(pools);
    return NULL;
}

static struct api_error *
check_gateway(const struct ip_net *cidr, json_t *gw_json,
              const struct ip_range *pools, size_t n)
{
    struct ip_addr gw;

    if (!gw_json || json_is_null(gw_json)) {
        return NULL;
    }
    if (ip_parse(json_string_value(gw_json), &gw) < 0
        || gw.version != cidr->addr.version) {
        return api_invalid_input("Gateway IP version inconsistent with "
                                 "allocation pool version");
    }
    if (cidr->addr.version == 4 && cidr->prefixlen <= 30
        && ipnet_contains(cidr, &gw)) {
        struct ip_addr first = ipnet_first(cidr), last = ipnet_last(cidr);
        if (ip_equal(&gw, &first) || ip_equal(&gw, &last)) {
            return api_invalid_input("Gateway is not valid on subnet");
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (ip_cmp(&gw, &pools[i].first) >= 0
            && ip_cmp(&gw, &pools[i].last) <= 0) {
            char buf[2 * IP_STRLEN];
            ip_range_format(&pools[i], buf, sizeof buf);
            return api_error_new(409, "GatewayConflictWithAllocationPools",
                                 "Gateway ip %s conflicts with allocation "
                                 "pool %s.",
                                 json_string_value(gw_json), buf);
        }
    }
    return NULL;
}

static struct api_error *
check_limits(struct api_request *req, json_t *subnet, const char *id)
{
    json_t *dns = json_object_get(subnet, "dns_nameservers");
    json_t *routes = json_object_get(subnet, "host_routes");

    if (dns && (int) json_array_size(dns) > req->cfg->max_dns_nameservers) {
        return api_error_new(400, "DNSNameServersExhausted",
                             "Unable to complete operation for %s. The "
                             "number of DNS nameservers exceeds the limit "
                             "%d.",
                             id, req->cfg->max_dns_nameservers);
    }
    if (routes
        && (int) json_array_size(routes) > req->cfg->max_subnet_host_routes) {
        return api_error_new(400, "HostRoutesExhausted",
                             "Unable to complete operation for %s. The "
                             "number of host routes exceeds the limit %d.",
                             id, req->cfg->max_subnet_host_routes);
    }
    return NULL;
}

static struct api_error *
check_cidr(struct api_request *req, json_t *subnet, struct ip_net *ret)
{
    const char *cidr_s = get_str(subnet, "cidr");
    int version = json_integer_value(json_object_get(subnet, "ip_version"));
    bool dhcp = json_is_true(json_object_get(subnet, "enable_dhcp"));
    struct ip_net n;
    struct ip_addr first;
    char canon[IPNET_STRLEN];

    if (version != 4 && version != 6) {
        return api_bad_request("Invalid input for ip_version. Reason: %d is "
                               "not in [4, 6].",
                               version);
    }
    if (!cidr_s) {
        return api_error_new(400, "BadRequest",
                             "Bad subnets request: a subnetpool must be "
                             "specified in the absence of a cidr.");
    }
    (void) ipnet_parse(cidr_s, &n);
    n = ipnet_network(&n);
    first = ipnet_first(&n);
    if (n.addr.version != version) {
        return api_invalid_input("Invalid CIDR %s for IP version %d", cidr_s,
                                 version);
    }
    if (n.prefixlen == 0) {
        return api_invalid_input("0 is not allowed as CIDR prefix length");
    }
    if (dhcp
        && ((version == 4 && n.prefixlen > 30)
            || (version == 6 && n.prefixlen > 126))) {
        return api_invalid_input("The prefix length of subnet %s is too "
                                 "long for DHCP",
                                 cidr_s);
    }
    if (dhcp
        && (ip_is_multicast(&first) || ip_is_loopback(&first)
            || (version == 4 && first.v == 0))) {
        return api_invalid_input("The subnet %s cannot be used with DHCP",
                                 cidr_s);
    }
    ipnet_format(&n, canon);
    json_object_set_new(subnet, "cidr", json_string(canon));
    *ret = n;
    return NULL;
}

static struct api_error *
check_overlap(struct api_request *req, const char *network_id,
              const struct ip_net *cidr, const char *self_id)
{
    json_t *subnets = subnets_of_network(req, network_id);
    struct api_error *e = NULL;
    size_t i;
    json_t *s;

    json_array_foreach (subnets, i, s) {
        struct ip_net other = subnet_cidr(s);
        char buf[IPNET_STRLEN];

        if (self_id && !strcmp(get_str(s, "id"), self_id)) {
            continue;
        }
        if (ipnet_overlaps(&other, cidr)) {
            ipnet_format(cidr, buf);
            e = api_invalid_input("Requested subnet with cidr: %s for "
                                  "network: %s overlaps with another subnet",
                                  buf, network_id);
            break;
        }
    }
    json_decref(subnets);
    return e;
}

/* The subnets of one IP version on a network all come from one subnet
 * pool, or none does (Neutron's check without address scopes). */
static struct api_error *
check_pool_affinity(struct api_request *req, json_t *subnet)
{
    json_t *subnets = subnets_of_network(req, get_str(subnet, "network_id"));
    json_t *version = json_object_get(subnet, "ip_version");
    json_t *pool = json_object_get(subnet, "subnetpool_id");
    struct api_error *e = NULL;
    size_t i;
    json_t *s;

    json_array_foreach (subnets, i, s) {
        json_t *other = json_object_get(s, "subnetpool_id");
        if (!e && json_equal(json_object_get(s, "ip_version"), version)
            && !json_equal(other ? other : json_null(), pool)) {
            e = api_error_new(400, "NetworkSubnetPoolAffinityError",
                              "Subnets hosted on the same network must be "
                              "allocated from the same subnet pool.");
        }
    }
    json_decref(subnets);
    return e;
}

static struct api_error *
check_ipv6_modes(json_t *subnet, const struct ip_net *cidr)
{
    const char *ra = get_str(subnet, "ipv6_ra_mode");
    const char *am = get_str(subnet, "ipv6_address_mode");

    if (!ra && !am) {
        return NULL;
    }
    if (cidr->addr.version == 4) {
        return api_invalid_input("ipv6_ra_mode or ipv6_address_mode cannot "
                                 "be set when ip_version is 4");
    }
    if (!json_is_true(json_object_get(subnet, "enable_dhcp"))) {
        return api_invalid_input("ipv6_ra_mode or ipv6_address_mode cannot "
                                 "be set when enable_dhcp is set to False");
    }
    if (ra && am && strcmp(ra, am)) {
        return api_invalid_input("ipv6_ra_mode set to '%s' with "
                                 "ipv6_address_mode set to '%s' is not "
                                 "valid. If both attributes are set, they "
                                 "must be the same value",
                                 ra, am);
    }
    if ((am && strcmp(am, "dhcpv6-stateful") && cidr->prefixlen != 64)
        || (!am && ra && strcmp(ra, "dhcpv6-stateful")
            && cidr->prefixlen != 64)) {
        return api_invalid_input("Invalid CIDR for IPv6 address mode. "
                                 "OpenStack uses the EUI-64 address "
                                 "format, which requires the prefix to be "
                                 "/64");
    }
    return NULL;
}

/* A subnet revises its network (Neutron's revises_on_change): every
 * change to one bumps the network's revision_number. */
static struct api_error *
revise_network(struct api_request *req, const char *network_id)
{
    json_t *network = NULL;
    struct api_error *e = network_get_row(req, network_id, &network);

    if (!e) {
        e = resource_save(req, &network_def, network);
    }
    json_decref(network);
    return e;
}

/* Gives each of the network's DHCP ports an address on 'subnet', then
 * lets the scheduler make sure each of its DHCP agents has a port (or
 * that a reserved one waits for the first). */
static struct api_error *
ensure_dhcp_ports(struct api_request *req, json_t *network, json_t *subnet)
{
    json_t *ports = port_dhcp_ports(req, get_str(network, "id"));
    struct api_error *e = NULL;
    size_t i;
    json_t *port;

    json_array_foreach (ports, i, port) {
        e = e ? e : port_add_dhcp_ip(req, port, subnet);
    }
    json_decref(ports);
    return e ? e : dhcp_sched_network(req, network);
}

/* Takes the addresses of subnet 'id' from the network's DHCP ports
 * (deleting a port left without any). */
static struct api_error *
remove_dhcp_ips(struct api_request *req, const char *network_id,
                const char *id)
{
    json_t *ports = port_dhcp_ports(req, network_id);
    struct api_error *e = NULL;
    size_t i;
    json_t *port;

    json_array_foreach (ports, i, port) {
        e = e ? e : port_remove_subnet_ips(req, port, id, true);
    }
    json_decref(ports);
    return e;
}

static struct api_error *
setup_pools(struct api_request *req, json_t *subnet, const struct ip_net *n,
            struct ip_range **pools, size_t *n_pools)
{
    json_t *given = json_object_get(subnet, "allocation_pools");
    json_t *gw = json_object_get(subnet, "gateway_ip");
    struct api_error *e;

    if (!gw) {
        struct ip_addr def = ipam_default_gateway(n);
        char buf[IP_STRLEN];
        ip_format(&def, buf);
        gw = json_string(buf);
        json_object_set_new(subnet, "gateway_ip", gw);
    }
    if (given) {
        e = validate_pools(given, n, pools, n_pools);
    } else {
        struct ip_addr gw_addr;
        bool has_gw =
            !json_is_null(gw) && !ip_parse(json_string_value(gw), &gw_addr);
        *pools = xcalloc(2, sizeof **pools);
        *n_pools = ipam_default_pools(n, has_gw ? &gw_addr : NULL, *pools);
        e = NULL;
    }
    if (!e) {
        e = check_gateway(n, gw, *pools, *n_pools);
    }
    if (!e) {
        json_object_set_new(subnet, "allocation_pools",
                            pools_to_json(*pools, *n_pools));
    }
    return e;
}

static struct api_error *
subnet_create(struct api_request *req, json_t *subnet, char **ret_id)
{
    json_t *network = NULL;
    struct ip_range *pools = NULL;
    size_t n_pools = 0;
    struct ip_net n;
    struct api_error *e;

    if (json_object_get(subnet, "prefixlen")
        && json_object_get(subnet, "cidr")) {
        return api_error_new(400, "BadRequest",
                             "Bad subnets request: cidr and prefixlen must "
                             "not be supplied together.");
    }
    e = network_get_row(req, get_str(subnet, "network_id"), &network);
    if (!e) {
        e = resource_init_row(req, subnet, 0, ret_id);
    }
    if (!e) {
        e = subnetpool_allocate(req, subnet);
    }
    if (!e) {
        e = check_cidr(req, subnet, &n);
    }
    if (!e) {
        e = check_ipv6_modes(subnet, &n);
    }
    if (!e) {
        e = check_limits(req, subnet, *ret_id);
    }
    if (!e) {
        e = check_overlap(req, get_str(network, "id"), &n, NULL);
    }
    if (!e) {
        e = check_pool_affinity(req, subnet);
    }
    if (!e) {
        e = setup_pools(req, subnet, &n, &pools, &n_pools);
    }
    if (!e) {
        e = api_error_from_store(
            store_insert(req->store, &subnet_def, subnet));
    }
    if (!e) {
        e = api_error_from_store(
            ipam_reset_ranges(req->store, *ret_id, pools, n_pools));
    }
    if (!e && json_is_true(json_object_get(subnet, "enable_dhcp"))) {
        e = ensure_dhcp_ports(req, network, subnet);
    }
    if (!e) {
        e = resource_save(req, &network_def, network);
    }
    free(pools);
    json_decref(network);
    return e;
}

static struct api_error *
update_pools(struct api_request *req, json_t *row, json_t *changes)
{
    struct ip_net n = subnet_cidr(row);
    json_t *gw = json_object_get(changes, "gateway_ip");
    json_t *pools_json = json_object_get(changes, "allocation_pools");
    struct ip_range *pools = NULL;
    size_t n_pools = 0;
    struct api_error *e;
    int r;

    if (!gw && !pools_json) {
        return NULL;
    }
    if (gw && !json_is_null(gw)) {
        struct ip_addr a;
        (void) ip_parse(json_string_value(gw), &a);
        if (a.version != n.addr.version) {
            return api_invalid_input("Gateway IP version inconsistent "
                                     "with allocation pool version");
        }
    }
    if (pools_json) {
        e = validate_pools(pools_json, &n, &pools, &n_pools);
    } else {
        r = ipam_pools_from_json(json_object_get(row, "allocation_pools"),
                                 n.addr.version, &pools);
        n_pools = r < 0 ? 0 : r;
        e = r < 0 ? api_error_from_store(-EIO) : NULL;
    }
    if (!e) {
        e = check_gateway(&n, gw ? gw : json_object_get(row, "gateway_ip"),
                          pools, n_pools);
    }
    if (!e && pools_json) {
        json_object_set_new(changes, "allocation_pools",
                            pools_to_json(pools, n_pools));
        e = api_error_from_store(
            ipam_reset_ranges(req->store, get_str(row, "id"), pools, n_pools));
    }
    free(pools);
    return e;
}

/* After DHCP was turned on or off on the stored subnet 'row'. */
static struct api_error *
update_dhcp(struct api_request *req, json_t *row)
{
    json_t *network = NULL;
    struct api_error *e;

    if (!json_is_true(json_object_get(row, "enable_dhcp"))) {
        return remove_dhcp_ips(req, get_str(row, "network_id"),
                               get_str(row, "id"));
    }
    e = network_get_row(req, get_str(row, "network_id"), &network);
    if (!e) {
        e = ensure_dhcp_ports(req, network, row);
    }
    json_decref(network);
    return e;
}

static struct api_error *
subnet_update(struct api_request *req, json_t *row, json_t *changes)
{
    struct api_error *e = check_limits(req, changes, get_str(row, "id"));
    bool dhcp_was = json_is_true(json_object_get(row, "enable_dhcp"));

    if (!e) {
        e = update_pools(req, row, changes);
    }
    if (e || !resource_merge(row, changes)) {
        return e;
    }
    e = resource_save(req, &subnet_def, row);
    /* The DHCP ports follow the saved subnet: a new port gets an address
     * on every subnet that has DHCP now. */
    if (!e && dhcp_was != json_is_true(json_object_get(row, "enable_dhcp"))) {
        e = update_dhcp(req, row);
    }
    return e ? e : revise_network(req, get_str(row, "network_id"));
}

/* True if 'port_id' is one of 'dhcp_ports'. */
static bool
is_dhcp_port(json_t *dhcp_ports, const char *port_id)
{
    size_t i;
    json_t *port;

    json_array_foreach (dhcp_ports, i, port) {
        if (!strcmp(get_str(port, "id"), port_id)) {
            return true;
        }
    }
    return false;
}

/* Takes the addresses of auto-address subnet 'id' away from the ports of
 * its network but the DHCP ports, as Neutron does instead of refusing the
 * delete: those addresses were never asked for. */
static struct api_error *
release_auto_addresses(struct api_request *req, json_t *row,
                       json_t *dhcp_ports)
{
    const char *id = get_str(row, "id");
    json_t *ports = store_ids_where(req->store, &port_def, "network_id",
                                    get_str(row, "network_id"));
    struct api_error *e = NULL;
    size_t i;
    json_t *v;

    json_array_foreach (ports, i, v) {
        const char *port_id = json_string_value(v);
        json_t *port = NULL;

        if (!e && !is_dhcp_port(dhcp_ports, port_id)) {
            port = store_get(req->store, &port_def, port_id);
        }
        if (port) {
            e = port_remove_subnet_ips(req, port, id, false);
            json_decref(port);
        }
    }
    json_decref(ports);
    return e;
}

/* How many of subnet 'id''s addresses the DHCP ports hold. */
static long
dhcp_ips_in(json_t *dhcp_ports, const char *id)
{
    long n = 0;
    size_t i, j;
    json_t *port, *fip;

    json_array_foreach (dhcp_ports, i, port) {
        json_array_foreach (json_object_get(port, "fixed_ips"), j, fip) {
            n += !strcmp(get_str(fip, "subnet_id"), id);
        }
    }
    return n;
}

static struct api_error *
subnet_delete(struct api_request *req, json_t *row)
{
    const char *id = get_str(row, "id");
    json_t *dhcp = port_dhcp_ports(req, get_str(row, "network_id"));
    struct api_error *e = is_auto_address_subnet(row)
                              ? release_auto_addresses(req, row, dhcp)
                              : NULL;
    long others = store_ip_count(req->store, id, NULL) - dhcp_ips_in(dhcp, id);

    json_decref(dhcp);
    if (!e && others > 0) {
        e = api_error_new(409, "SubnetInUse",
                          "Unable to complete operation on subnet %s: One "
                          "or more ports have an IP allocation from this "
                          "subnet.",
                          id);
    }
    if (!e) {
        e = remove_dhcp_ips(req, get_str(row, "network_id"), id);
    }
    if (!e) {
        e = api_error_from_store(store_range_delete_all(req->store, id));
    }
    if (!e) {
        e = api_error_from_store(store_delete(req->store, &subnet_def, id));
    }
    if (!e) {
        e = revise_network(req, get_str(row, "network_id"));
    }
    return e;
}

json_t *
subnets_of_network(struct api_request *req, const char *network_id)
{
    return store_rows_where(req->store, &subnet_def, "network_id", network_id);
}

const struct resource_ops subnet_ops = {
    &subnet_def, subnet_create, subnet_update, subnet_delete, NULL,
};
