/* Ports: MAC and IP allocation in the request's transaction, the fixed_ips
 * rules of Neutron's IPAM, binding attributes, and the network's DHCP port.
 */
#include <errno.h>
#include <stdio.h>

#include "api/agents.h"
#include "api/dhcp-sched.h"
#include "api/ipam.h"
#include "api/resource.h"
#include "api/security-group.h"
#include "core/mac.h"

static char *convert_fixed_ips(json_t *, json_t **);
static char *convert_vnic_type(json_t *, json_t **);
static char *convert_address_pairs(json_t *, json_t **);
static char *convert_groups(json_t *, json_t **);
static char *convert_dhcp_opts(json_t *, json_t **);

static const struct attr port_attrs[] = {
    STANDARD_ATTRS,
    {"network_id", "network_id", COL_TEXT,
     A_POST | A_REQUIRED | A_FILTER | A_SORT, convert_uuid, NULL},
    {"admin_state_up", "admin_state_up", COL_BOOL,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_bool, "true"},
    {"mac_address", "mac_address", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_mac_or_null,
     NULL},
    {"fixed_ips", "fixed_ips", COL_JSON, A_POST | A_PUT, convert_fixed_ips,
     NULL},
    {"device_id", "device_id", COL_TEXT, A_POST | A_PUT | A_FILTER | A_SORT,
     convert_string, "\"\""},
    {"device_owner", "device_owner", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_string, "\"\""},
    {"status", "status", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"port_security_enabled", "port_security_enabled", COL_BOOL,
     A_POST | A_PUT | A_FILTER, convert_bool, NULL},
    /* No default: left out, a port gets its project's default group. */
    {"security_groups", "security_groups", COL_JSON, A_POST | A_PUT | A_FILTER,
     convert_groups, NULL},
    {"allowed_address_pairs", "allowed_address_pairs", COL_JSON,
     A_POST | A_PUT, convert_address_pairs, "[]"},
    {"extra_dhcp_opts", "extra_dhcp_opts", COL_JSON, A_POST | A_PUT,
     convert_dhcp_opts, "[]"},
    {"binding:host_id", "binding_host_id", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_string_any, "\"\""},
    {"binding:profile", "binding_profile", COL_JSON, A_POST | A_PUT,
     convert_dict, "{}"},
    {"binding:vnic_type", "binding_vnic_type", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_vnic_type, "\"normal\""},
    {"binding:vif_type", "binding_vif_type", COL_TEXT, A_FILTER, NULL, NULL},
    {"binding:vif_details", "binding_vif_details", COL_JSON, 0, NULL, NULL},
};

const struct resource_def port_def = {
    .singular = "port",
    .plural = "ports",
    .table = "ports",
    .not_found = "PortNotFound",
    .noun = "Port",
    .attrs = port_attrs,
    .n_attrs = ARRAY_SIZE(port_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static char *
convert_fixed_ips(json_t *value, json_t **ret)
{
    size_t i;
    json_t *item;

    if (!json_is_array(value)) {
        char *s = schema_repr(value);
        char *m = xasprintf("Invalid data format for fixed IP: '%s'", s);
        free(s);
        return m;
    }
    json_array_foreach (value, i, item) {
        const char *key;
        json_t *v, *conv;

        if (!json_is_object(item)) {
            char *s = schema_repr(item);
            char *m = xasprintf("Invalid data format for fixed IP: '%s'", s);
            free(s);
            return m;
        }
        json_object_foreach (item, key, v) {
            char *why = NULL;
            if (!strcmp(key, "subnet_id")) {
                why = convert_uuid(v, &conv);
            } else if (!strcmp(key, "ip_address")) {
                why = convert_ip_or_null(v, &conv);
                if (!why && json_is_null(conv)) {
                    why = xstrdup("'None' is not a valid IP address");
                    json_decref(conv);
                } else if (!why) {
                    json_object_set_new(item, key, conv);
                    conv = NULL;
                }
            } else {
                continue; /* neutron-lib ignores other keys. */
            }
            if (why) {
                return why;
            }
            json_decref(conv);
        }
    }
    *ret = json_incref(value);
    return NULL;
}

static char *
convert_vnic_type(json_t *value, json_t **ret)
{
    static const char *const types[] = {
        "normal",
        "direct",
        "macvtap",
        "baremetal",
        "direct-physical",
        "virtio-forwarder",
        "smart-nic",
        "vdpa",
        "accelerator-direct",
        "accelerator-direct-physical",
        "remote-managed",
    };
    const char *s = json_string_value(value);

    for (size_t i = 0; s && i < ARRAY_SIZE(types); i++) {
        if (!strcmp(s, types[i])) {
            *ret = json_incref(value);
            return NULL;
        }
    }
    return xasprintf("%s is not in valid vnic types", s ? s : "the value");
}

/* neutron-lib's convert_none_to_empty_list, then a list of UUIDs. */
static char *
convert_groups(json_t *value, json_t **ret)
{
    if (json_is_null(value)) {
        *ret = json_array();
        return NULL;
    }
    return convert_uuid_list(value, ret);
}

/* Address pairs are checked by check_address_pairs(), which raises
 * Neutron's own exceptions. */
static char *
convert_address_pairs(json_t *value, json_t **ret)
{
    *ret = json_incref(value);
    return NULL;
}

static struct api_error *
check_address_pair(json_t *pairs, size_t i)
{
    json_t *pair = json_array_get(pairs, i);
    json_t *mac = json_object_get(pair, "mac_address");
    json_t *ip = json_object_get(pair, "ip_address"), *conv = NULL;
    const char *key;
    json_t *value;
    struct ip_net net;
    char *why = NULL;
    struct api_error *e;

    if (!json_is_object(pair)) {
        why = schema_repr(pair);
        e = api_bad_request("Invalid input for allowed_address_pairs. "
                            "Reason: '%s' is not a dictionary.",
                            why);
        free(why);
        return e;
    }
    if (mac && (why = convert_mac_or_null(mac, &conv))) {
        e = api_bad_request("%s", why);
        free(why);
        return e;
    }
    json_decref(conv);
    if (mac && json_is_null(mac)) {
        return api_bad_request("'None' is not a valid MAC address");
    }
    if (!ip) {
        return api_error_new(400, "AllowedAddressPairsMissingIP",
                             "AllowedAddressPair must contain ip_address");
    }
    for (size_t j = 0; j < i; j++) {
        json_t *other = json_array_get(pairs, j);
        json_t *other_mac = json_object_get(other, "mac_address");
        if (json_equal(json_object_get(other, "ip_address"), ip)
            && (other_mac == mac || json_equal(other_mac, mac))) {
            return api_error_new(400, "DuplicateAddressPairInRequest",
                                 "Request contains duplicate address pair: "
                                 "mac_address %s ip_address %s.",
                                 mac ? json_string_value(mac) : "None",
                                 json_string_value(ip));
        }
    }
    json_object_foreach (pair, key, value) {
        if (strcmp(key, "mac_address") && strcmp(key, "ip_address")) {
            return api_bad_request("Unrecognized attribute(s) '%s'", key);
        }
    }
    if (!json_is_string(ip) || ipnet_parse(json_string_value(ip), &net)) {
        why = schema_repr(ip);
        e = api_bad_request(json_is_string(ip)
                                    && strchr(json_string_value(ip), '/')
                                ? "'%s' is not a valid IP subnet"
                                : "'%s' is not a valid IP address",
                            why);
        free(why);
        return e;
    }
    return NULL;
}

/* neutron-lib's _validate_allowed_address_pairs(). */
static struct api_error *
check_address_pairs(struct api_request *req, json_t *pairs)
{
    if (!pairs) {
        return NULL;
    }
    if (!json_is_array(pairs)) {
        return api_bad_request("Allowed address pairs must be a list.");
    }
    if ((int) json_array_size(pairs) > req->cfg->max_allowed_address_pair) {
        return api_error_new(400, "AllowedAddressPairExhausted",
                             "The number of allowed address pair exceeds "
                             "the maximum %d.",
                             req->cfg->max_allowed_address_pair);
    }
    for (size_t i = 0; i < json_array_size(pairs); i++) {
        struct api_error *e = check_address_pair(pairs, i);
        if (e) {
            return e;
        }
    }
    return NULL;
}

/* A line break (or any control character) in an option would become a
 * line of its own in dnsmasq's files: refused here, before it is stored. */
static bool
has_control_chars(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char) *s < 0x20 || *s == 0x7f) {
            return true;
        }
    }
    return false;
}

static char *
convert_dhcp_opts(json_t *value, json_t **ret)
{
    size_t i;
    json_t *opt;

    if (!json_is_array(value)) {
        return xstrdup("Invalid data format for extra DHCP options");
    }
    json_array_foreach (value, i, opt) {
        const char *name = get_str(opt, "opt_name");
        json_t *val = json_object_get(opt, "opt_value");
        json_t *ver = json_object_get(opt, "ip_version");

        if (!json_is_object(opt) || !name || !*name || strlen(name) > 64
            || has_control_chars(name) || !val
            || (!json_is_string(val) && !json_is_null(val))
            || (json_is_string(val)
                && (has_control_chars(json_string_value(val))
                    || strlen(json_string_value(val))
                           != json_string_length(val)))
            || (ver && json_integer_value(ver) != 4
                && json_integer_value(ver) != 6)) {
            char *s = schema_repr(opt);
            char *m = xasprintf("Invalid data format for extra DHCP "
                                "option: '%s'",
                                s);
            free(s);
            return m;
        }
    }
    *ret = json_incref(value);
    return NULL;
}

/* Picks a MAC no port of the network has. */
static struct api_error *
generate_mac(struct api_request *req, const char *network_id, json_t *port)
{
    const struct base_mac *base = &req->cfg->base_mac;

    for (int tries = 0; tries < 16; tries++) {
        uint8_t mac[6];
        char buf[MAC_STRLEN];

        mac_generate(base->mac, base->fixed, mac);
        mac_format(mac, buf);
        if (!store_mac_exists(req->store, network_id, buf)) {
            json_object_set_new(port, "mac_address", json_string(buf));
            return NULL;
        }
    }
    return api_error_new(503, "MacAddressGenerationFailure",
                         "Unable to generate unique mac on network %s.",
                         network_id);
}

static struct api_error *
check_mac(struct api_request *req, const char *network_id, const char *mac)
{
    if (store_mac_exists(req->store, network_id, mac)) {
        return api_error_new(409, "MacAddressInUse",
                             "Unable to complete operation for network %s. "
                             "The mac address %s is in use.",
                             network_id, mac);
    }
    return NULL;
}

bool
is_auto_address_subnet(json_t *subnet)
{
    const char *mode = get_str(subnet, "ipv6_address_mode");

    return mode
           && (!strcmp(mode, "slaac") || !strcmp(mode, "dhcpv6-stateless"));
}

static struct ip_net
cidr_of(json_t *subnet)
{
    struct ip_net n = {0};

    (void) ipnet_parse(get_str(subnet, "cidr"), &n);
    return n;
}

/* What allocation reads of a network's subnets: a light projection, so
 * the rows' JSON columns are not parsed for every port. */
static const char *const alloc_subnet_fields[] = {
    "id", "ip_version", "cidr", "ipv6_address_mode", NULL,
};

/* 'what' of network 'network_id' from the batch cache (a new reference),
 * or NULL. */
static json_t *
cache_get(struct api_request *req, const char *network_id, const char *what)
{
    json_t *entry = req->batch_cache
                        ? json_object_get(req->batch_cache, network_id)
                        : NULL;

    return json_incref(json_object_get(entry, what));
}

static void
cache_put(struct api_request *req, const char *network_id, const char *what,
          json_t *value)
{
    json_t *entry;

    if (!req->batch_cache) {
        return;
    }
    entry = json_object_get(req->batch_cache, network_id);
    if (!entry) {
        entry = json_object();
        json_object_set_new(req->batch_cache, network_id, entry);
    }
    json_object_set(entry, what, value);
}

/* The network's subnets (alloc_subnet_fields), in creation order. */
static json_t *
alloc_subnets(struct api_request *req, const char *network_id)
{
    json_t *subnets = cache_get(req, network_id, "subnets");

    if (!subnets) {
        subnets =
            store_rows_where_fields(req->store, &subnet_def, "network_id",
                                    network_id, alloc_subnet_fields);
        cache_put(req, network_id, "subnets", subnets);
    }
    return subnets;
}

/* Allocation state of one port request: the network's subnets and the
 * fixed_ips chosen so far. */
struct ip_request {
    struct api_request *req;
    const char *port_id;
    const char *network_id;
    const char *mac;
    json_t *subnets; /* The network's subnets (alloc_subnet_fields). */
    json_t *out;     /* Resulting fixed_ips. */
    bool lowest;     /* DHCP ports take the lowest address. */
};

static json_t *
find_subnet(struct ip_request *ir, const char *id)
{
    size_t i;
    json_t *s;

    json_array_foreach (ir->subnets, i, s) {
        if (!strcmp(get_str(s, "id"), id)) {
            return s;
        }
    }
    return NULL;
}

static struct api_error *
record_ip(struct ip_request *ir, json_t *subnet, const struct ip_addr *a)
{
    char buf[IP_STRLEN];
    int r = store_ip_insert(ir->req->store, ir->port_id, get_str(subnet, "id"),
                            ir->network_id, a);

    if (r == -EEXIST) {
        ip_format(a, buf);
        return api_error_new(409, "IpAddressAlreadyAllocated",
                             "IP address %s already allocated in subnet %s",
                             buf, get_str(subnet, "id"));
    }
    if (r) {
        return api_error_from_store(r);
    }
    ip_format(a, buf);
    json_array_append_new(ir->out,
                          json_pack("{s:s, s:s}", "subnet_id",
                                    get_str(subnet, "id"), "ip_address", buf));
    return NULL;
}

static struct api_error *
allocate_specific(struct ip_request *ir, json_t *subnet,
                  const struct ip_addr *a)
{
    struct ip_net n = cidr_of(subnet);
    struct ip_addr first = ipnet_first(&n), last = ipnet_last(&n);
    char buf[IP_STRLEN];
    int r;

    ip_format(a, buf);
    if (!ipnet_contains(&n, a)
        || (n.addr.version == 4 && n.prefixlen <= 30
            && (ip_equal(a, &first) || ip_equal(a, &last)))) {
        return api_error_new(400, "InvalidIpForSubnet",
                             "IP address %s is not a valid IP for the "
                             "specified subnet.",
                             buf);
    }
    r = store_ip_exists(ir->req->store, get_str(subnet, "id"), a);
    if (r) {
        return r > 0 ? api_error_new(409, "IpAddressAlreadyAllocated",
                                     "IP address %s already allocated in "
                                     "subnet %s",
                                     buf, get_str(subnet, "id"))
                     : api_error_from_store(r);
    }
    r = ipam_take(ir->req->store, get_str(subnet, "id"), a);
    return r < 0 ? api_error_from_store(r) : record_ip(ir, subnet, a);
}

/* One address from 'subnet': EUI-64 on SLAAC/stateless subnets, else from
 * the pools.  -ENOSPC in '*ret_full' when the pools are exhausted. */
static struct api_error *
allocate_from(struct ip_request *ir, json_t *subnet, bool *ret_full)
{
    struct ip_addr a;
    int r;

    *ret_full = false;
    if (is_auto_address_subnet(subnet)) {
        struct ip_net n = cidr_of(subnet);
        uint8_t mac[6];
        (void) mac_parse(ir->mac, mac);
        a = ip_eui64(&n, mac);
        return record_ip(ir, subnet, &a);
    }
    r = ipam_allocate_any(
        ir->req->store, get_str(subnet, "id"),
        json_integer_value(json_object_get(subnet, "ip_version")), ir->lowest,
        &a);
    if (r == -ENOSPC) {
        *ret_full = true;
        return NULL;
    }
    return r ? api_error_from_store(r) : record_ip(ir, subnet, &a);
}

static struct api_error *
subnet_full(json_t *subnet)
{
    return api_error_new(409, "IpAddressGenerationFailure",
                         "No more IP addresses available for subnet %s.",
                         get_str(subnet, "id"));
}

/* fixed_ips omitted: one IPv4 address, one stateful IPv6 address, and an
 * EUI-64 address on every auto-address subnet. */
static struct api_error *
allocate_default(struct ip_request *ir)
{
    bool v4_done = false, v6_done = false, tried = false, full;
    struct api_error *e = NULL;
    size_t i;
    json_t *s;

    json_array_foreach (ir->subnets, i, s) {
        int version = json_integer_value(json_object_get(s, "ip_version"));
        bool *done = version == 4 ? &v4_done : &v6_done;

        if (!is_auto_address_subnet(s) && *done) {
            continue;
        }
        tried |= !is_auto_address_subnet(s);
        e = allocate_from(ir, s, &full);
        if (e) {
            return e;
        }
        if (!full && !is_auto_address_subnet(s)) {
            *done = true;
        }
    }
    if (tried && !v4_done && !v6_done) {
        return api_error_new(409, "IpAddressGenerationFailure",
                             "No more IP addresses available on network "
                             "%s.",
                             ir->network_id);
    }
    return NULL;
}

static struct api_error *
resolve_fixed_ip(struct ip_request *ir, json_t *item, json_t **ret_subnet,
                 struct ip_addr *ret_addr, bool *has_addr)
{
    const char *sid = get_str(item, "subnet_id");
    const char *ip = get_str(item, "ip_address");
    json_t *subnet = NULL;
    size_t i;
    json_t *s;

    *ret_subnet = NULL;
    *has_addr = ip && !ip_parse(ip, ret_addr);
    if (sid) {
        subnet = find_subnet(ir, sid);
        if (!subnet) {
            json_t *other = store_get(ir->req->store, &subnet_def, sid);
            json_decref(other);
            return other ? api_invalid_input("Failed to create port on "
                                             "network %s, because fixed_ips "
                                             "included invalid subnet %s",
                                             ir->network_id, sid)
                         : api_error_new(404, "SubnetNotFound",
                                         "Subnet %s could not be found.", sid);
        }
    } else if (*has_addr) {
        json_array_foreach (ir->subnets, i, s) {
            struct ip_net n = cidr_of(s);
            struct ip_range usable;

            /* Only a subnet's usable addresses make it the address's. */
            ipam_usable_range(&n, &usable);
            if (ipnet_contains(&n, ret_addr)
                && (n.addr.version == 6
                    || (ip_cmp(ret_addr, &usable.first) >= 0
                        && ip_cmp(ret_addr, &usable.last) <= 0))) {
                subnet = s;
                break;
            }
        }
        if (!subnet) {
            return api_error_new(400, "InvalidIpForNetwork",
                                 "IP address %s is not a valid IP for any "
                                 "of the subnets on the specified network.",
                                 ip);
        }
    } else {
        return api_invalid_input("IP allocation requires subnet_id or "
                                 "ip_address");
    }
    *ret_subnet = subnet;
    return NULL;
}

/* True if 'a' is the port's own EUI-64 address on auto-address 'subnet'
 * (a port update repeats it among the addresses it keeps). */
static bool
is_own_eui64(struct ip_request *ir, json_t *subnet, const struct ip_addr *a)
{
    struct ip_net n = cidr_of(subnet);
    struct ip_addr eui;
    uint8_t mac[6];

    if (mac_parse(ir->mac, mac) < 0) {
        return false;
    }
    eui = ip_eui64(&n, mac);
    return ip_equal(&eui, a);
}

static bool
has_ip_on(struct ip_request *ir, const char *subnet_id)
{
    size_t i;
    json_t *ip;

    json_array_foreach (ir->out, i, ip) {
        if (!strcmp(get_str(ip, "subnet_id"), subnet_id)) {
            return true;
        }
    }
    return false;
}

/* Every port gets its EUI-64 address on each SLAAC/stateless subnet, asked
 * for or not, as Neutron does. */
static struct api_error *
allocate_auto_addresses(struct ip_request *ir)
{
    size_t i;
    json_t *s;
    bool full;

    json_array_foreach (ir->subnets, i, s) {
        if (is_auto_address_subnet(s) && !has_ip_on(ir, get_str(s, "id"))) {
            struct api_error *e = allocate_from(ir, s, &full);
            if (e) {
                return e;
            }
        }
    }
    return NULL;
}

/* Allocates the requested 'fixed_ips': addresses first, then subnets. */
static struct api_error *
allocate_requested(struct ip_request *ir, json_t *fixed_ips)
{
    struct api_error *e = NULL;

    for (int pass = 0; pass < 2 && !e; pass++) {
        size_t i;
        json_t *item;

        json_array_foreach (fixed_ips, i, item) {
            json_t *subnet = NULL;
            struct ip_addr a;
            bool has_addr, full;

            e = resolve_fixed_ip(ir, item, &subnet, &a, &has_addr);
            if (e || has_addr != (pass == 0)) {
                if (e) {
                    break;
                }
                continue;
            }
            if (has_addr && is_auto_address_subnet(subnet)
                && !is_own_eui64(ir, subnet, &a)) {
                char buf[IP_STRLEN];
                ip_format(&a, buf);
                e = api_error_new(400, "AllocationOnAutoAddressSubnet",
                                  "IPv6 address %s cannot be directly "
                                  "assigned to a port on subnet %s as the "
                                  "subnet is configured for automatic "
                                  "addresses",
                                  buf, get_str(subnet, "id"));
                break;
            }
            if (has_addr && is_auto_address_subnet(subnet)) {
                e = record_ip(ir, subnet, &a);
            } else {
                e = has_addr ? allocate_specific(ir, subnet, &a)
                             : allocate_from(ir, subnet, &full);
            }
            if (!e && !has_addr && full) {
                e = subnet_full(subnet);
            }
            if (e) {
                break;
            }
        }
    }
    return e ? e : allocate_auto_addresses(ir);
}

static struct api_error *
check_duplicate_ips(json_t *fixed_ips)
{
    size_t i, j;
    json_t *a, *b;

    json_array_foreach (fixed_ips, i, a) {
        const char *ip = get_str(a, "ip_address");
        json_array_foreach (fixed_ips, j, b) {
            if (j < i && ip && get_str(b, "ip_address")
                && !strcmp(ip, get_str(b, "ip_address"))) {
                return api_bad_request("Invalid input for fixed_ips. "
                                       "Reason: Duplicate IP address '%s'.",
                                       ip);
            }
        }
    }
    return NULL;
}

static struct api_error *
allocate_ips(struct api_request *req, json_t *port, json_t *fixed_ips)
{
    struct ip_request ir = {
        .req = req,
        .port_id = get_str(port, "id"),
        .network_id = get_str(port, "network_id"),
        .mac = get_str(port, "mac_address"),
        .subnets = alloc_subnets(req, get_str(port, "network_id")),
        .out = json_array(),
        .lowest = !strcmp(get_str(port, "device_owner"), "network:dhcp"),
    };
    struct api_error *e = fixed_ips ? check_duplicate_ips(fixed_ips) : NULL;

    if (!e) {
        e = fixed_ips ? allocate_requested(&ir, fixed_ips)
                      : allocate_default(&ir);
    }
    if (!e) {
        json_object_set(port, "fixed_ips", ir.out);
    }
    json_decref(ir.out);
    json_decref(ir.subnets);
    return e;
}

/* Neutron's defaults inside list items: an address pair's MAC is the
 * port's, an extra DHCP option is for IPv4. */
static void
fill_item_defaults(json_t *port)
{
    json_t *mac = json_object_get(port, "mac_address");
    size_t i;
    json_t *item;

    json_array_foreach (json_object_get(port, "allowed_address_pairs"), i,
                        item) {
        if (!json_object_get(item, "mac_address") && mac) {
            json_object_set(item, "mac_address", mac);
        }
    }
    json_array_foreach (json_object_get(port, "extra_dhcp_opts"), i, item) {
        if (!json_object_get(item, "ip_version")) {
            json_object_set_new(item, "ip_version", json_integer(4));
        }
    }
}

static struct api_error *
pairs_need_security(void)
{
    return api_error_new(409, "AddressPairAndPortSecurityRequired",
                         "Port Security must be enabled in order to have "
                         "allowed address pairs on a port.");
}

static struct api_error *
groups_need_security(void)
{
    return api_error_new(400, "PortSecurityAndIPRequiredForSecurityGroups",
                         "Port security must be enabled and port must have "
                         "an IP address in order to use security groups.");
}

/* A new port's address pairs and groups, as ML2's port-security
 * processing: pairs and groups need port security; without groups named,
 * a port with port security gets its project's default group.  Sets
 * "security_groups". */
static struct api_error *
create_port_security(struct api_request *req, json_t *port)
{
    json_t *pairs = json_object_get(port, "allowed_address_pairs");
    json_t *groups = json_object_get(port, "security_groups");
    bool secure = json_is_true(json_object_get(port, "port_security_enabled"));
    const char *project = get_str(port, "project_id");
    json_t *checked = NULL;
    char *default_id = NULL;
    struct api_error *e = check_address_pairs(req, pairs);

    if (!e && !secure && json_array_size(pairs)) {
        e = pairs_need_security();
    }
    e = e ? e : sg_ensure_default(req, project, &default_id);
    if (e) {
    } else if (!secure) {
        e = json_array_size(groups) ? groups_need_security() : NULL;
        checked = json_array();
    } else if (!groups) {
        /* The project's own group, alone: nothing to check. */
        checked = default_id ? json_pack("[s]", default_id) : json_array();
    } else {
        e = sg_check_port_groups(req, project, groups, &checked);
    }
    free(default_id);
    if (!e) {
        json_object_set(port, "security_groups", checked);
    }
    json_decref(checked);
    return e;
}

/* The same for an update of 'row' to 'merged' by 'changes': turning port
 * security off needs the pairs and groups gone. */
static struct api_error *
update_port_security(struct api_request *req, json_t *row, json_t *changes,
                     json_t *merged)
{
    json_t *pairs = json_object_get(changes, "allowed_address_pairs");
    json_t *groups = json_object_get(changes, "security_groups");
    bool secure =
        json_is_true(json_object_get(merged, "port_security_enabled"));
    const char *project = get_str(row, "project_id");
    json_t *checked = NULL;
    char *default_id = NULL;
    struct api_error *e = check_address_pairs(req, pairs);

    e = e ? e : sg_ensure_default(req, project, &default_id);
    free(default_id);
    if (!e && !secure) {
        if (pairs ? json_array_size(pairs)
                  : json_array_size(
                      json_object_get(row, "allowed_address_pairs"))) {
            e = pairs_need_security();
        } else if (json_array_size(groups)) {
            e = groups_need_security();
        } else if (!groups
                   && json_array_size(
                       json_object_get(row, "security_groups"))) {
            e = api_error_new(409, "PortSecurityPortHasSecurityGroup",
                              "Port has security group associated. Cannot "
                              "disable port security or IP address until "
                              "security group is removed.");
        }
    }
    if (!e && json_array_size(groups)) {
        e = sg_check_port_groups(req, project, groups, &checked);
        if (!e) {
            json_object_set_new(changes, "security_groups", checked);
        }
    }
    return e;
}

/* Binding state for the port's host: bound through an alive Open vSwitch
 * agent there that maps the network's physical network, as Neutron's
 * openvswitch mechanism driver binds; binding_failed without one. */
static void
set_binding(struct api_request *req, json_t *port, json_t *network)
{
    const char *host = get_str(port, "binding:host_id");
    json_t *details = NULL;

    if (host && *host) {
        details = agent_ovs_vif_details(
            req, host, get_str(network, "provider:physical_network"));
    }
    json_object_set_new(port, "binding:vif_type",
                        json_string(details         ? "ovs"
                                    : host && *host ? "binding_failed"
                                                    : "unbound"));
    json_object_set_new(port, "binding:vif_details",
                        details ? details : json_object());
}

static struct api_error *
port_insert(struct api_request *req, json_t *port, json_t *network)
{
    json_t *fixed_ips = json_incref(json_object_get(port, "fixed_ips"));
    const char *owner = get_str(port, "device_owner");
    const char *mac = get_str(port, "mac_address");
    struct api_error *e;

    if (!json_object_get(port, "port_security_enabled")) {
        json_object_set(port, "port_security_enabled",
                        json_object_get(network, "port_security_enabled"));
    }
    if (str_startswith(owner, "network:")) {
        json_object_set_new(port, "port_security_enabled", json_false());
    }
    json_object_set_new(port, "status", json_string("DOWN"));
    json_object_set_new(port, "fixed_ips", json_array());
    set_binding(req, port, network);
    e = create_port_security(req, port);
    if (!e) {
        e = mac ? check_mac(req, get_str(port, "network_id"), mac)
                : generate_mac(req, get_str(port, "network_id"), port);
    }
    fill_item_defaults(port);
    /* Addresses first, so the row is written once with its fixed_ips (the
     * allocations' reference to it is checked at commit). */
    if (!e) {
        e = allocate_ips(req, port, fixed_ips);
    }
    if (!e) {
        e = api_error_from_store(store_insert(req->store, &port_def, port));
    }
    if (!e) {
        e = sg_port_set_groups(req, get_str(port, "id"), NULL,
                               json_object_get(port, "security_groups"));
    }
    json_decref(fixed_ips);
    return e;
}

static struct api_error *
port_create(struct api_request *req, json_t *port, char **ret_id)
{
    /* What port_insert() reads of the network. */
    static const char *const network_fields[] = {
        "id", "port_security_enabled", "provider:physical_network", NULL};
    const char *network_id = get_str(port, "network_id");
    json_t *network = cache_get(req, network_id, "network");
    struct api_error *e = NULL;

    json_object_del(port, "tags"); /* Accepted, applied only by an ML2
                                    * extension driver we do not have. */
    if (!network) {
        e = resource_get_fields(req, &network_def, network_id, network_fields,
                                &network);
        if (!e) {
            cache_put(req, network_id, "network", network);
        }
    }
    if (!e) {
        e = resource_init_row(req, port, 1, ret_id);
    }
    if (!e) {
        e = port_insert(req, port, network);
    }
    json_decref(network);
    return e;
}

/* Releases every address of 'port' whose subnet is not NULL or
 * 'subnet_id' (NULL: all); returns the kept fixed_ips in '*ret_kept'. */
static struct api_error *
release_ips(struct api_request *req, json_t *port, const char *subnet_id,
            json_t **ret_kept)
{
    json_t *kept = json_array();
    size_t i;
    json_t *ip;

    json_array_foreach (json_object_get(port, "fixed_ips"), i, ip) {
        const char *sid = get_str(ip, "subnet_id");
        json_t *subnet;
        struct ip_range *pools = NULL;
        struct ip_addr a;
        int n, r;

        if (subnet_id && strcmp(sid, subnet_id)) {
            json_array_append(kept, ip);
            continue;
        }
        subnet = store_get(req->store, &subnet_def, sid);
        r = ip_parse(get_str(ip, "ip_address"), &a);
        n = subnet ? ipam_pools_from_json(
                json_object_get(subnet, "allocation_pools"), a.version, &pools)
                   : 0;
        if (!r) {
            r = store_ip_delete(req->store, sid, &a);
        }
        if (!r && n > 0) {
            r = ipam_release(req->store, sid, pools, n, &a);
        }
        free(pools);
        json_decref(subnet);
        if (r) {
            json_decref(kept);
            return api_error_from_store(r);
        }
    }
    *ret_kept = kept;
    return NULL;
}

struct api_error *
port_delete_row(struct api_request *req, json_t *port)
{
    json_t *kept = NULL;
    struct api_error *e = release_ips(req, port, NULL, &kept);

    json_decref(kept);
    if (!e) {
        e = sg_port_set_groups(req, get_str(port, "id"),
                               json_object_get(port, "security_groups"), NULL);
    }
    if (!e) {
        e = api_error_from_store(
            store_delete(req->store, &port_def, get_str(port, "id")));
    }
    return e;
}

static struct api_error *
port_delete(struct api_request *req, json_t *row)
{
    const char *device_id = get_str(row, "device_id");
    struct api_error *e = port_delete_row(req, row);
    json_t *network = NULL;

    /* A DHCP agent's port deleted by hand comes back at once, as Neutron's
     * agent recreates it (dhcp-sched.h); a reserved one stays gone. */
    if (e || strcmp(get_str(row, "device_owner"), "network:dhcp")
        || !strcmp(device_id, DHCP_RESERVED)) {
        return e;
    }
    e = network_get_row(req, get_str(row, "network_id"), &network);
    if (!e) {
        e = dhcp_sched_network(req, network);
    }
    json_decref(network);
    return e;
}

static struct api_error *
update_mac(struct api_request *req, json_t *row, json_t *changes)
{
    json_t *mac = json_object_get(changes, "mac_address");
    const char *vif = get_str(row, "binding:vif_type");

    if (!mac || json_equal(mac, json_object_get(row, "mac_address"))) {
        return NULL;
    }
    if (str_startswith(get_str(row, "device_owner"), "network:")) {
        return api_error_new(409, "UnsupportedPortDeviceOwner",
                             "Operation updating MAC address is not "
                             "supported for device_owner %s on port %s.",
                             get_str(row, "device_owner"), get_str(row, "id"));
    }
    if (strcmp(vif, "unbound") && strcmp(vif, "binding_failed")) {
        return api_error_new(
            409, "PortBound",
            "Unable to complete operation on port %s, port "
            "is already bound, port type: %s, old_mac %s, "
            "new_mac %s.",
            get_str(row, "id"), vif, get_str(row, "mac_address"),
            json_is_null(mac) ? "None" : json_string_value(mac));
    }
    if (json_is_null(mac)) {
        return generate_mac(req, get_str(row, "network_id"), changes);
    }
    return check_mac(req, get_str(row, "network_id"), json_string_value(mac));
}

/* New fixed_ips replace the old: kept addresses stay, the rest are
 * released, new ones allocated. */
static struct api_error *
update_fixed_ips(struct api_request *req, json_t *row, json_t *changes)
{
    json_t *wanted = json_object_get(changes, "fixed_ips");
    json_t *kept = NULL, *copy;
    struct api_error *e;

    if (!wanted) {
        return NULL;
    }
    if (json_equal(wanted, json_object_get(row, "fixed_ips"))) {
        json_object_del(changes, "fixed_ips");
        return NULL;
    }
    e = release_ips(req, row, NULL, &kept);
    json_decref(kept);
    if (e) {
        return e;
    }
    copy = json_deep_copy(row);
    json_object_set(copy, "mac_address",
                    json_object_get(changes, "mac_address")
                        ? json_object_get(changes, "mac_address")
                        : json_object_get(row, "mac_address"));
    e = allocate_ips(req, copy, wanted);
    if (!e) {
        json_object_set(changes, "fixed_ips",
                        json_object_get(copy, "fixed_ips"));
    }
    json_decref(copy);
    return e;
}

static struct api_error *
port_update(struct api_request *req, json_t *row, json_t *changes)
{
    struct api_error *e = update_mac(req, row, changes);
    json_t *host = json_object_get(changes, "binding:host_id");
    json_t *merged, *old_groups;
    bool addresses;

    if (!e) {
        e = update_fixed_ips(req, row, changes);
    }
    if (e) {
        return e;
    }
    merged = json_deep_copy(row);
    resource_merge(merged, changes);
    if (str_startswith(get_str(merged, "device_owner"), "network:")) {
        json_object_set_new(merged, "port_security_enabled", json_false());
    }
    e = update_port_security(req, row, changes, merged);
    json_decref(merged);
    if (e) {
        return e;
    }
    old_groups = json_incref(json_object_get(row, "security_groups"));
    addresses =
        json_object_get(changes, "fixed_ips")
        || (json_object_get(changes, "allowed_address_pairs")
            && !json_equal(json_object_get(changes, "allowed_address_pairs"),
                           json_object_get(row, "allowed_address_pairs")));
    if (!resource_merge(row, changes)) {
        json_decref(old_groups);
        return NULL;
    }
    fill_item_defaults(row);
    if (host) {
        json_t *network = NULL;
        e = network_get_row(req, get_str(row, "network_id"), &network);
        if (e) {
            return e;
        }
        set_binding(req, row, network);
        json_decref(network);
    }
    e = resource_save(req, &port_def, row);
    if (!e
        && !json_equal(old_groups, json_object_get(row, "security_groups"))) {
        e = sg_port_set_groups(req, get_str(row, "id"), old_groups,
                               json_object_get(row, "security_groups"));
    } else if (!e && addresses) {
        e = sg_touch(req, old_groups);
    }
    json_decref(old_groups);
    return e;
}

json_t *
port_dhcp_ports(struct api_request *req, const char *network_id)
{
    json_t *ports = store_rows_where(req->store, &port_def, "device_owner",
                                     "network:dhcp");
    json_t *found = json_array();
    size_t i;
    json_t *p;

    json_array_foreach (ports, i, p) {
        if (!strcmp(get_str(p, "network_id"), network_id)) {
            json_array_append(found, p);
        }
    }
    json_decref(ports);
    return found;
}

/* The first of 'ports' with 'device_id', or NULL. */
static json_t *
dhcp_port_with(json_t *ports, const char *device_id)
{
    size_t i;
    json_t *p;

    json_array_foreach (ports, i, p) {
        if (!strcmp(get_str(p, "device_id"), device_id)) {
            return p;
        }
    }
    return NULL;
}

/* A new DHCP port of 'network' with an address on each DHCP-enabled
 * subnet (none if it has none). */
static struct api_error *
create_dhcp_port(struct api_request *req, json_t *network,
                 const char *device_id)
{
    json_t *subnets = subnets_of_network(req, get_str(network, "id"));
    json_t *port = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:[], "
        "s:[], s:[], s:[], s:s, s:{}, s:s}",
        "name", "", "description", "", "network_id", get_str(network, "id"),
        "project_id", get_str(network, "project_id"), "device_owner",
        "network:dhcp", "device_id", device_id, "admin_state_up", 1,
        "fixed_ips", "security_groups", "allowed_address_pairs",
        "extra_dhcp_opts", "binding:host_id", "", "binding:profile",
        "binding:vnic_type", "normal");
    char *id = NULL;
    struct api_error *e;
    size_t i;
    json_t *sub;

    json_array_foreach (subnets, i, sub) {
        if (json_is_true(json_object_get(sub, "enable_dhcp"))) {
            json_array_append_new(
                json_object_get(port, "fixed_ips"),
                json_pack("{s:s}", "subnet_id", get_str(sub, "id")));
        }
    }
    e = resource_init_row(req, port, 1, &id);
    if (!e && json_array_size(json_object_get(port, "fixed_ips"))) {
        e = port_insert(req, port, network);
    }
    free(id);
    json_decref(port);
    json_decref(subnets);
    return e;
}

struct api_error *
port_create_dhcp(struct api_request *req, json_t *network)
{
    /* Neutron's marker for a DHCP port no agent has taken yet. */
    return create_dhcp_port(req, network, DHCP_RESERVED);
}

struct api_error *
port_dhcp_ensure(struct api_request *req, json_t *network,
                 const char *device_id)
{
    json_t *ports = port_dhcp_ports(req, get_str(network, "id"));
    json_t *reserved = dhcp_port_with(ports, DHCP_RESERVED);
    struct api_error *e = NULL;

    if (dhcp_port_with(ports, device_id)) {
        /* It has one. */
    } else if (reserved) {
        json_object_set_new(reserved, "device_id", json_string(device_id));
        e = resource_save(req, &port_def, reserved);
    } else {
        e = create_dhcp_port(req, network, device_id);
    }
    json_decref(ports);
    return e;
}

struct api_error *
port_dhcp_reserve(struct api_request *req, const char *network_id,
                  const char *device_id)
{
    json_t *ports = port_dhcp_ports(req, network_id);
    json_t *port = dhcp_port_with(ports, device_id);
    struct api_error *e = NULL;

    if (port) {
        json_object_set_new(port, "device_id", json_string(DHCP_RESERVED));
        json_object_set_new(port, "binding:host_id", json_string(""));
        json_object_set_new(port, "status", json_string("DOWN"));
        set_binding(req, port, NULL);
        e = resource_save(req, &port_def, port);
    }
    json_decref(ports);
    return e;
}

struct api_error *
port_add_dhcp_ip(struct api_request *req, json_t *port, json_t *subnet)
{
    json_t *wanted = json_deep_copy(json_object_get(port, "fixed_ips"));
    json_t *changes;
    struct api_error *e;

    json_array_append_new(
        wanted, json_pack("{s:s}", "subnet_id", get_str(subnet, "id")));
    changes = json_pack("{s:o}", "fixed_ips", wanted);
    e = port_update(req, port, changes);
    json_decref(changes);
    return e;
}

struct api_error *
port_remove_subnet_ips(struct api_request *req, json_t *port,
                       const char *subnet_id, bool delete_if_empty)
{
    json_t *kept = NULL;
    struct api_error *e = release_ips(req, port, subnet_id, &kept);

    if (e) {
        return e;
    }
    if (json_array_size(kept)
        == json_array_size(json_object_get(port, "fixed_ips"))) {
        json_decref(kept);
        return NULL; /* Nothing of 'subnet_id' was here. */
    }
    if (!json_array_size(kept) && delete_if_empty) {
        e = api_error_from_store(
            store_delete(req->store, &port_def, get_str(port, "id")));
    } else {
        json_object_set(port, "fixed_ips", kept);
        e = resource_save(req, &port_def, port);
    }
    json_decref(kept);
    return e ? e : sg_touch(req, json_object_get(port, "security_groups"));
}

/* The port 'id' for a request of the agent on 'host': 404 if there is
 * none, 409 if another host holds it. */
static struct api_error *
port_of_host(struct api_request *req, const char *id, const char *host,
             json_t **ret)
{
    struct api_error *e = resource_get(req, &port_def, id, ret);
    const char *bound;

    if (e) {
        return e;
    }
    bound = get_str(*ret, "binding:host_id");
    if (bound && *bound && strcmp(bound, host)) {
        json_decref(*ret);
        *ret = NULL;
        return api_error_new(409, "PortBindingFailed",
                             "Binding failed for port %s, please check "
                             "neutron logs for more information.",
                             id);
    }
    return NULL;
}

/* The DHCP port 'id' if the DHCP agent on 'host' may claim it as
 * 'device_id': the scheduler gave it that device_id (dhcp-sched.h).  409
 * otherwise. */
static struct api_error *
claim_dhcp_port(struct api_request *req, const char *id, const char *device_id,
                json_t **ret)
{
    struct api_error *e = resource_get(req, &port_def, id, ret);
    const char *owner, *current;

    if (e) {
        return e;
    }
    owner = get_str(*ret, "device_owner");
    current = get_str(*ret, "device_id");
    if (!owner || strcmp(owner, "network:dhcp")) {
        e = api_error_new(409, "PortBindingFailed",
                          "Port %s is not a DHCP port: its device_id is not "
                          "the agent's to set.",
                          id);
    } else if (!current || strcmp(current, device_id)) {
        e = api_error_new(409, "PortBindingFailed",
                          "DHCP port %s is held by device %s.", id,
                          current ? current : "");
    }
    if (e) {
        json_decref(*ret);
        *ret = NULL;
    }
    return e;
}

struct api_error *
port_bind(struct api_request *req, const char *id, const char *host,
          const char *device_id, json_t **ret_port, json_t **ret_network)
{
    json_t *port = NULL, *network = NULL, *before = NULL;
    struct api_error *e = device_id
                              ? claim_dhcp_port(req, id, device_id, &port)
                              : port_of_host(req, id, host, &port);

    if (!e) {
        before = json_deep_copy(port);
        if (device_id) {
            json_object_set_new(port, "device_id", json_string(device_id));
        }
    }
    if (!e) {
        e = network_get_row(req, get_str(port, "network_id"), &network);
    }
    if (e) {
        json_decref(port);
        json_decref(before);
        return e;
    }
    json_object_set_new(port, "binding:host_id", json_string(host));
    set_binding(req, port, network);
    if (strcmp(get_str(port, "binding:vif_type"), "ovs")) {
        e = api_error_new(409, "PortBindingFailed",
                          "Binding failed for port %s, please check "
                          "neutron logs for more information.",
                          id);
    } else if (!json_equal(before, port)) {
        e = resource_save(req, &port_def, port);
    }
    json_decref(before);
    if (e) {
        json_decref(port);
        json_decref(network);
        return e;
    }
    *ret_port = port;
    *ret_network = network;
    return NULL;
}

struct api_error *
port_set_status(struct api_request *req, const char *id, const char *host,
                const char *status)
{
    json_t *port;
    struct api_error *e = port_of_host(req, id, host, &port);

    if (e) {
        return e;
    }
    if (strcmp(get_str(port, "status"), status)) {
        json_object_set_new(port, "status", json_string(status));
        e = resource_save(req, &port_def, port);
    }
    json_decref(port);
    return e;
}

const struct resource_ops port_ops = {
    &port_def, port_create, port_update, port_delete, NULL,
};
