#include "api/subnetpool.h"

#include <errno.h>
#include <stdio.h>

#include "core/ip.h"
#include "core/prefix-set.h"

static char *convert_name(json_t *, json_t **);
static char *convert_prefixes(json_t *, json_t **);
static char *convert_prefixlen(json_t *, json_t **);
static char *convert_quota(json_t *, json_t **);

static const struct attr subnetpool_attrs[] = {
    {"id", "id", COL_TEXT, A_FILTER | A_SORT, NULL, NULL},
    {"project_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT,
     convert_string, NULL},
    {"tenant_id", "project_id", COL_TEXT, A_POST | A_FILTER | A_SORT | A_ALIAS,
     convert_string, NULL},
    /* Required, unlike other resources' names. */
    {"name", "name", COL_TEXT, A_POST | A_PUT | A_REQUIRED | A_FILTER | A_SORT,
     convert_name, NULL},
    {"description", "description", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT, convert_string, "\"\""},
    {"ip_version", "ip_version", COL_INT, A_FILTER | A_SORT, NULL, NULL},
    {"prefixes", "prefixes", COL_JSON, A_POST | A_PUT | A_REQUIRED,
     convert_prefixes, NULL},
    /* Shown as strings, as Neutron shows them. */
    {"default_prefixlen", "default_prefixlen", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_CONVERT, convert_prefixlen, NULL},
    {"min_prefixlen", "min_prefixlen", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_CONVERT, convert_prefixlen, NULL},
    {"max_prefixlen", "max_prefixlen", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_CONVERT, convert_prefixlen, NULL},
    {"default_quota", "default_quota", COL_INT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_CONVERT, convert_quota, NULL},
    {"shared", "shared", COL_BOOL, A_POST | A_FILTER | A_SORT, convert_bool,
     "false"},
    {"is_default", "is_default", COL_BOOL, A_POST | A_PUT | A_FILTER | A_SORT,
     convert_bool, "false"},
    {"address_scope_id", "address_scope_id", COL_TEXT,
     A_POST | A_PUT | A_FILTER | A_SORT | A_NULLABLE, convert_uuid_or_null,
     "null"},
    {"tags", "tags", COL_JSON, 0, NULL, NULL},
    {"revision_number", "revision_number", COL_INT, A_FILTER | A_SORT, NULL,
     NULL},
    {"created_at", "created_at", COL_TEXT, 0, NULL, NULL},
    {"updated_at", "updated_at", COL_TEXT, 0, NULL, NULL},
};

const struct resource_def subnetpool_def = {
    .singular = "subnetpool",
    .plural = "subnetpools",
    .table = "subnetpools",
    .not_found = "SubnetPoolNotFound",
    .noun = "Subnet pool",
    .attrs = subnetpool_attrs,
    .n_attrs = ARRAY_SIZE(subnetpool_attrs),
};

static const char *
get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static char *
convert_name(json_t *value, json_t **ret)
{
    if (json_is_string(value) && !json_string_length(value)) {
        return xstrdup("'' Blank strings are not permitted");
    }
    return convert_string(value, ret);
}

/* neutron-lib's subnet_list: distinct CIDRs. */
static char *
convert_prefixes(json_t *value, json_t **ret)
{
    size_t i, j;
    json_t *item, *other;

    if (!json_is_array(value)) {
        char *repr = schema_repr(value);
        char *why = xasprintf("'%s' is not a list", repr);
        free(repr);
        return why;
    }
    json_array_foreach (value, i, item) {
        struct ip_net net;
        char *why = NULL;

        json_array_foreach (value, j, other) {
            if (j < i && json_equal(item, other)) {
                char *repr = schema_repr(item);
                why = xasprintf("Duplicate items in the list: '%s'", repr);
                free(repr);
                break;
            }
        }
        why = why ? why : schema_check_subnet(item, &net);
        if (why) {
            return why;
        }
    }
    *ret = json_incref(value);
    return NULL;
}

/* A non-negative integer, or its reason not to be (neutron-lib's
 * convert_to_int, then validate non_negative). */
static char *
non_negative(json_t *value, json_int_t *ret)
{
    json_t *n = NULL;
    char *why = convert_int(value, &n);

    if (!why && json_integer_value(n) < 0) {
        why = xasprintf("'%" JSON_INTEGER_FORMAT "' should be non-negative",
                        json_integer_value(n));
    }
    if (!why) {
        *ret = json_integer_value(n);
    }
    json_decref(n);
    return why;
}

static char *
convert_prefixlen(json_t *value, json_t **ret)
{
    json_int_t n;
    char *why = non_negative(value, &n);

    if (!why) {
        *ret = json_sprintf("%" JSON_INTEGER_FORMAT, n);
    }
    return why;
}

static char *
convert_quota(json_t *value, json_t **ret)
{
    json_int_t n;
    char *why = non_negative(value, &n);

    if (!why) {
        *ret = json_integer(n);
    }
    return why;
}

/* A stored or converted prefix length ("24"); 'dflt' if absent. */
static long long
prefixlen_of(json_t *pool, const char *key, long long dflt)
{
    const char *s = get_str(pool, key);

    return s ? strtoll(s, NULL, 10) : dflt;
}

static void
set_prefixlen(json_t *pool, const char *key, long long v)
{
    json_object_set_new(pool, key, json_sprintf("%lld", v));
}

/* ---- Prefix lists. ---- */

/* Adds the valid CIDRs of 'list' of IP version 'version' to 'set'; sets
 * '*ret_other' if some are of the other version.  400 AddrFormatError for
 * one that is not a CIDR (netaddr's). */
static struct api_error *
add_prefixes(struct prefix_set *set, json_t *list, bool *ret_other)
{
    size_t i;
    json_t *v;

    json_array_foreach (list, i, v) {
        struct ip_net net;

        if (!json_is_string(v) || ipnet_parse(json_string_value(v), &net)) {
            char *repr = schema_repr(v);
            struct api_error *e = api_error_new(400, "AddrFormatError",
                                                "invalid IPNetwork %s", repr);
            free(repr);
            return e;
        }
        if (net.addr.version != set->version) {
            *ret_other = true;
        } else {
            prefix_set_add(set, &net);
        }
    }
    return NULL;
}

/* The IP version of the first prefix of 'list', or 0 if it is empty. */
static int
list_version(json_t *list)
{
    struct ip_net net;
    const char *s = json_string_value(json_array_get(list, 0));

    return s && !ipnet_parse(s, &net) ? net.addr.version : 0;
}

/* Reads a pool's requested prefix 'list' into 'set' (initialised here),
 * as Neutron's SubnetPoolReader: not empty, one IP version. */
static struct api_error *
read_prefixes(json_t *list, struct prefix_set *set)
{
    int version = list_version(list);
    bool other = false;
    struct api_error *e;

    prefix_set_init(set, version ? version : 4);
    if (!version) {
        return api_error_new(400, "EmptySubnetPoolPrefixList",
                             "Empty subnet pool prefix list.");
    }
    e = add_prefixes(set, list, &other);
    if (!e && other) {
        e = api_error_new(400, "PrefixVersionMismatch",
                          "Cannot mix IPv4 and IPv6 prefixes in a subnet "
                          "pool.");
    }
    return e;
}

/* The set as the compact CIDR list Neutron stores. */
static json_t *
prefixes_json(const struct prefix_set *set)
{
    struct ip_net *cidrs;
    size_t n = prefix_set_cidrs(set, &cidrs);
    json_t *out = json_array();

    for (size_t i = 0; i < n; i++) {
        char buf[IPNET_STRLEN];
        ipnet_format(&cidrs[i], buf);
        json_array_append_new(out, json_string(buf));
    }
    free(cidrs);
    return out;
}

/* The pool's stored prefixes as a set. */
static void
pool_set(json_t *pool, struct prefix_set *set)
{
    bool other = false;
    struct api_error *e;

    prefix_set_init(set,
                    json_integer_value(json_object_get(pool, "ip_version")));
    e = add_prefixes(set, json_object_get(pool, "prefixes"), &other);
    api_error_free(e); /* Stored prefixes are valid. */
}

/* ---- Pool rules. ---- */

static struct api_error *
illegal_bounds(const char *type, long long len, const char *base_type,
               long long base)
{
    return api_error_new(400, "IllegalSubnetPoolPrefixBounds",
                         "Illegal prefix bounds: %s=%lld, %s=%lld.", type, len,
                         base_type, base);
}

/* Fills in the default prefix lengths of 'pool' and checks them, as
 * SubnetPoolReader does. */
static struct api_error *
check_bounds(json_t *pool, int version)
{
    long long bits = ip_bits(version);
    long long min = prefixlen_of(pool, "min_prefixlen", version == 4 ? 8 : 64);
    long long max = prefixlen_of(pool, "max_prefixlen", bits);
    long long dflt = prefixlen_of(pool, "default_prefixlen", min);

    set_prefixlen(pool, "min_prefixlen", min);
    set_prefixlen(pool, "max_prefixlen", max);
    set_prefixlen(pool, "default_prefixlen", dflt);
    if (min > max) {
        return illegal_bounds("min_prefixlen", min, "max_prefixlen", max);
    }
    if (max > bits) {
        return illegal_bounds("max_prefixlen", max, "ip_version_max", bits);
    }
    if (dflt < min) {
        return illegal_bounds("default_prefixlen", dflt, "min_prefixlen", min);
    }
    if (dflt > max) {
        return illegal_bounds("default_prefixlen", dflt, "max_prefixlen", max);
    }
    return NULL;
}

/* The default pools of IP version 'version' (a JSON array of rows). */
static struct api_error *
default_pools(struct api_request *req, int version, json_t **ret)
{
    json_t *yes = json_pack("[b]", true), *v = json_pack("[i]", version);
    struct query_filter filters[] = {
        {resource_attr(&subnetpool_def, "is_default"), yes},
        {resource_attr(&subnetpool_def, "ip_version"), v},
    };
    struct list_query q = {.filters = filters, .n_filters = 2};
    int r = store_list(req->store, &subnetpool_def, &q, ret);

    json_decref(yes);
    json_decref(v);
    return api_error_from_store(r);
}

/* At most one default pool per IP version ('self': the pool being
 * updated, or NULL). */
static struct api_error *
check_default_unique(struct api_request *req, int version, const char *self)
{
    json_t *rows = NULL;
    struct api_error *e = default_pools(req, version, &rows);
    size_t i;
    json_t *row;

    json_array_foreach (rows, i, row) {
        if (!e && (!self || strcmp(get_str(row, "id"), self))) {
            e = api_invalid_input("A default subnetpool for this IP family "
                                  "has already been set. Only one default "
                                  "may exist per IP family");
        }
    }
    json_decref(rows);
    return e;
}

/* No address scope exists here, so naming one is naming a missing one. */
static struct api_error *
check_address_scope(json_t *pool)
{
    const char *id = get_str(pool, "address_scope_id");

    return id ? api_error_new(404, "AddressScopeNotFound",
                              "Address scope %s could not be found.", id)
              : NULL;
}

static struct api_error *
sp_create(struct api_request *req, json_t *pool, char **ret_id)
{
    struct prefix_set set;
    struct api_error *e =
        read_prefixes(json_object_get(pool, "prefixes"), &set);

    if (!e) {
        json_object_set_new(pool, "prefixes", prefixes_json(&set));
        json_object_set_new(pool, "ip_version", json_integer(set.version));
        e = check_bounds(pool, set.version);
    }
    if (!e && json_is_true(json_object_get(pool, "is_default"))) {
        e = check_default_unique(req, set.version, NULL);
    }
    if (!e) {
        e = check_address_scope(pool);
    }
    if (!e) {
        e = resource_init_row(req, pool, 0, ret_id);
    }
    if (!e) {
        if (!json_object_get(pool, "default_quota")) {
            json_object_set_new(pool, "default_quota", json_null());
        }
        e = api_error_from_store(
            store_insert(req->store, &subnetpool_def, pool));
    }
    prefix_set_destroy(&set);
    return e;
}

/* New prefixes must keep every address the pool had (Neutron's
 * _update_subnetpool_dict); sets '*ret' to their compact list. */
static struct api_error *
grow_prefixes(json_t *row, json_t *wanted, json_t **ret)
{
    struct prefix_set old, set;
    bool other = false;
    struct api_error *e;

    pool_set(row, &old);
    prefix_set_init(&set, old.version);
    e = add_prefixes(&set, wanted, &other);
    if (!e && !prefix_set_is_subset(&old, &set)) {
        e = api_error_new(400, "IllegalSubnetPoolPrefixUpdate",
                          "Illegal update to prefixes: Existing prefixes "
                          "must be a subset of the new prefixes.");
    }
    if (!e && other) {
        e = api_error_new(400, "PrefixVersionMismatch",
                          "Cannot mix IPv4 and IPv6 prefixes in a subnet "
                          "pool.");
    }
    if (!e) {
        *ret = prefixes_json(&set);
    }
    prefix_set_destroy(&old);
    prefix_set_destroy(&set);
    return e;
}

static struct api_error *
sp_update(struct api_request *req, json_t *row, json_t *changes)
{
    int version = json_integer_value(json_object_get(row, "ip_version"));
    json_t *wanted = json_object_get(changes, "prefixes");
    json_t *merged;
    struct api_error *e = NULL;

    if (wanted) {
        json_t *grown = NULL;
        e = grow_prefixes(row, wanted, &grown);
        if (!e) {
            json_object_set_new(changes, "prefixes", grown);
        }
    }
    merged = json_copy(row);
    json_object_update(merged, changes);
    e = e ? e : check_bounds(merged, version);
    json_decref(merged);
    if (!e && json_is_true(json_object_get(changes, "is_default"))
        && !json_is_true(json_object_get(row, "is_default"))) {
        e = check_default_unique(req, version, get_str(row, "id"));
    }
    e = e ? e : check_address_scope(changes);
    if (e || !resource_merge(row, changes)) {
        return e;
    }
    return resource_save(req, &subnetpool_def, row);
}

static struct api_error *
sp_delete(struct api_request *req, json_t *row)
{
    const char *id = get_str(row, "id");
    json_t *subnets =
        store_ids_where(req->store, &subnet_def, "subnetpool_id", id);
    bool used = json_array_size(subnets) > 0;

    json_decref(subnets);
    if (used) {
        return api_error_new(400, "SubnetPoolDeleteError",
                             "Unable to delete subnet pool: Subnet pool has "
                             "existing allocations.");
    }
    return api_error_from_store(store_delete(req->store, &subnetpool_def, id));
}

const struct resource_ops subnetpool_ops = {
    .def = &subnetpool_def,
    .create = sp_create,
    .update = sp_update,
    .delete = sp_delete,
};

/* ---- add_prefixes, remove_prefixes. ---- */

struct action_args {
    const char *id;
    const char *action;
    json_t *prefixes; /* Requested. */
    json_t *result;   /* The pool's prefixes afterwards. */
};

/* Removes 'cut' from 'row''s prefixes unless a subnet of the pool uses
 * some of it (Neutron's remove_prefixes). */
static struct api_error *
shrink_prefixes(struct api_request *req, json_t *row, json_t *cut)
{
    struct prefix_set set, removal;
    struct ip_net *nets;
    size_t n;
    bool other = false, used = false, overlap = false;
    json_t *subnets;
    size_t i;
    json_t *s;
    struct api_error *e;

    pool_set(row, &set);
    prefix_set_init(&removal, set.version);
    e = add_prefixes(&removal, cut, &other);
    n = e ? 0 : prefix_set_cidrs(&removal, &nets);
    for (i = 0; i < n; i++) {
        overlap |= prefix_set_overlaps(&set, &nets[i]);
    }
    subnets = overlap ? store_rows_where(req->store, &subnet_def,
                                         "subnetpool_id", get_str(row, "id"))
                      : NULL;
    json_array_foreach (subnets, i, s) {
        struct ip_net cidr;
        if (!ipnet_parse(get_str(s, "cidr"), &cidr)) {
            used |= prefix_set_overlaps(&removal, &cidr);
        }
    }
    json_decref(subnets);
    if (used) {
        e = api_error_new(400, "IllegalSubnetPoolPrefixUpdate",
                          "Illegal update to prefixes: One or more the "
                          "prefixes to be removed is in use by a subnet.");
    }
    for (i = 0; !e && overlap && i < n; i++) {
        prefix_set_remove(&set, &nets[i]);
    }
    if (!e && overlap) {
        json_object_set_new(row, "prefixes", prefixes_json(&set));
        e = resource_save(req, &subnetpool_def, row);
    }
    if (n) {
        free(nets);
    }
    prefix_set_destroy(&set);
    prefix_set_destroy(&removal);
    return e;
}

static struct api_error *
do_action(struct call *c, void *aux)
{
    struct action_args *a = aux;
    json_t *row = NULL, *grown = NULL;
    struct api_error *e =
        api_get_for_action(&c->req, &subnetpool_def, a->id, a->action, &row);

    if (!e && !strcmp(a->action, "add_prefixes")) {
        json_t *all = json_deep_copy(json_object_get(row, "prefixes"));
        json_array_extend(all, a->prefixes);
        e = grow_prefixes(row, all, &grown);
        json_decref(all);
        if (!e && !json_equal(grown, json_object_get(row, "prefixes"))) {
            json_object_set(row, "prefixes", grown);
            e = resource_save(&c->req, &subnetpool_def, row);
        }
        json_decref(grown);
    } else if (!e) {
        e = shrink_prefixes(&c->req, row, a->prefixes);
    }
    if (!e) {
        a->result = json_incref(json_object_get(row, "prefixes"));
    }
    json_decref(row);
    return e;
}

void
subnetpool_action(struct call *c, const char *id, const char *action,
                  struct http_response *resp)
{
    struct action_args a = {id, action, NULL, NULL};
    struct api_error *e = NULL;
    json_t *body;

    if (!api_action_routed(c, action, "add_prefixes", "remove_prefixes",
                           resp)) {
        return;
    }
    body = api_parse_body(c->http, &e);
    a.prefixes = json_object_get(body, "prefixes");
    if (body && (!json_is_array(a.prefixes) || !json_array_size(a.prefixes))) {
        e = api_bad_request("Request body contains invalid data");
    }
    if (!e) {
        e = api_in_transaction(c, true, do_action, &a);
    }
    if (e) {
        api_respond_error(resp, e);
    } else {
        api_respond_json(resp, 200, json_pack("{s:O}", "prefixes", a.result));
    }
    json_decref(a.result);
    json_decref(body);
}

/* ---- Subnets from pools. ---- */

/* The pool a subnet create names, or NULL (then '*e' may be set). */
static json_t *
find_pool(struct api_request *req, json_t *subnet, bool use_default,
          struct api_error **e)
{
    const char *id = get_str(subnet, "subnetpool_id");
    const char *scope = authz_scope(req->ctx);
    int version = json_integer_value(json_object_get(subnet, "ip_version"));
    json_t *rows = NULL, *pool = NULL;

    if (id) {
        pool = store_get(req->store, &subnetpool_def, id);
        if (!pool
            || (scope
                && store_visible(req->store, &subnetpool_def, id, scope)
                       != 1)) {
            json_decref(pool);
            *e = resource_not_found(&subnetpool_def, id);
            return NULL;
        }
        return pool;
    }
    if (!use_default) {
        return NULL;
    }
    *e = default_pools(req, version, &rows);
    pool = *e ? NULL : json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (!*e && !pool) {
        *e = api_error_new(400, "BadRequest",
                           "Bad subnets request: No default subnetpool "
                           "found for IPv%d.",
                           version);
    }
    return pool;
}

/* What a prefix of length 'len' counts against a pool's default_quota,
 * in /32s (IPv4) or /64s (IPv6), as Neutron's allocator counts. */
static long double
quota_units(int version, int len)
{
    int unit = version == 4 ? 32 : 64;

    return len <= unit ? (long double) ((ip_u128) 1 << (unit - len))
                       : 1.0L / (long double) ((ip_u128) 1 << (len - unit));
}

/* Neutron's per-project prefix quota of a pool ('subnets': the pool's
 * subnets), charged to the project of the new subnet. */
static struct api_error *
check_pool_quota(json_t *pool, json_t *subnets, const char *project,
                 int version, int len)
{
    json_int_t quota =
        json_integer_value(json_object_get(pool, "default_quota"));
    long double used = quota_units(version, len);
    size_t i;
    json_t *s;

    if (quota <= 0) {
        return NULL;
    }
    json_array_foreach (subnets, i, s) {
        struct ip_net cidr;
        if (!strcmp(get_str(s, "project_id"), project)
            && !ipnet_parse(get_str(s, "cidr"), &cidr)) {
            used += quota_units(version, cidr.prefixlen);
        }
    }
    if (used > quota) {
        return api_error_new(409, "SubnetPoolQuotaExceeded",
                             "Per-tenant subnet pool prefix quota "
                             "exceeded.");
    }
    return NULL;
}

/* The prefix a create asks for: its cidr, or a network around its
 * gateway_ip (a specific request), or only a length (any prefix; a length
 * out of every bound is clamped to one the bounds refuse). */
static bool
requested_net(json_t *subnet, json_t *pool, json_t *prefixlen,
              struct ip_net *ret)
{
    const char *cidr = get_str(subnet, "cidr");
    const char *gw = get_str(subnet, "gateway_ip");
    long long len = prefixlen ? json_integer_value(prefixlen)
                              : prefixlen_of(pool, "default_prefixlen", 0);
    struct ip_net net;
    char buf[IPNET_STRLEN + 8];

    if (cidr && !ipnet_parse(cidr, ret)) {
        *ret = ipnet_network(ret);
        return true;
    }
    ret->prefixlen = len < 0 ? -1 : len > 128 ? 129 : len;
    if (gw && len >= 0 && len <= 128) {
        snprintf(buf, sizeof buf, "%s/%lld", gw, len);
        if (!ipnet_parse(buf, &net) && net.addr.version == ret->addr.version) {
            *ret = ipnet_network(&net);
            return true;
        }
    }
    return false;
}

/* Neutron's allocator gives a prefix it chose the gateway after the
 * network address, on IPv6 too (a subnet with a CIDR of its own gets the
 * network address there). */
static void
set_first_host_gateway(json_t *subnet, const struct ip_net *net)
{
    struct ip_addr first = ipnet_first(net), gw = ip_add(&first, 1);
    char buf[IP_STRLEN];

    if (net->prefixlen < ip_bits(net->addr.version)) {
        ip_format(&gw, buf);
        json_object_set_new(subnet, "gateway_ip", json_string(buf));
    }
}

/* Carves the subnet's prefix from 'pool', as Neutron's SubnetAllocator:
 * the prefix length within the pool's bounds and quota, then the
 * requested prefix if it is free, or the smallest free block that holds
 * one of that length. */
static struct api_error *
carve(struct api_request *req, json_t *pool, json_t *subnet, json_t *prefixlen)
{
    const char *id = get_str(pool, "id");
    int version = json_integer_value(json_object_get(pool, "ip_version"));
    struct ip_net want = {{version, 0}, 0};
    bool specific = requested_net(subnet, pool, prefixlen, &want);
    bool in_pool;
    long long min = prefixlen_of(pool, "min_prefixlen", 0);
    long long max = prefixlen_of(pool, "max_prefixlen", 0);
    struct prefix_set free_set;
    json_t *subnets;
    struct api_error *e = NULL;
    char buf[IPNET_STRLEN];
    size_t i;
    json_t *s;

    if (want.prefixlen > max) {
        return api_error_new(400, "MaxPrefixSubnetAllocationError",
                             "Unable to allocate subnet with prefix length "
                             "%d, maximum allowed prefix is %lld.",
                             want.prefixlen, max);
    }
    if (want.prefixlen < min) {
        return api_error_new(400, "MinPrefixSubnetAllocationError",
                             "Unable to allocate subnet with prefix length "
                             "%d, minimum allowed prefix is %lld.",
                             want.prefixlen, min);
    }
    subnets = store_rows_where(req->store, &subnet_def, "subnetpool_id", id);
    e = check_pool_quota(pool, subnets, get_str(subnet, "project_id"), version,
                         want.prefixlen);
    pool_set(pool, &free_set);
    in_pool = !specific || prefix_set_covers(&free_set, &want);
    json_array_foreach (subnets, i, s) {
        struct ip_net used;
        if (!ipnet_parse(get_str(s, "cidr"), &used)) {
            prefix_set_remove(&free_set, &used);
        }
    }
    json_decref(subnets);
    /* Neutron answers these with a 500; a request the pool cannot meet
     * is the client's (400: not in the pool at all; 409: taken). */
    if (!e && specific && !prefix_set_covers(&free_set, &want)) {
        e = api_error_new(in_pool ? 409 : 400, "SubnetAllocationError",
                          "Failed to allocate subnet: Cannot allocate "
                          "requested subnet from the available set of "
                          "prefixes.");
    }
    if (!e && !specific
        && prefix_set_choose(&free_set, want.prefixlen, &want)) {
        e = api_error_new(409, "SubnetAllocationError",
                          "Failed to allocate subnet: Insufficient prefix "
                          "space to allocate subnet size /%d.",
                          want.prefixlen);
    }
    if (!e) {
        ipnet_format(&want, buf);
        json_object_set_new(subnet, "cidr", json_string(buf));
    }
    if (!e && !specific && !json_object_get(subnet, "gateway_ip")) {
        set_first_host_gateway(subnet, &want);
    }
    prefix_set_destroy(&free_set);
    return e;
}

struct api_error *
subnetpool_allocate(struct api_request *req, json_t *subnet)
{
    json_t *prefixlen = json_incref(json_object_get(subnet, "prefixlen"));
    bool use_default =
        json_is_true(json_object_get(subnet, "use_default_subnetpool"));
    int version = json_integer_value(json_object_get(subnet, "ip_version"));
    struct api_error *e = NULL;
    json_t *pool = NULL;

    json_object_del(subnet, "prefixlen");
    json_object_del(subnet, "use_default_subnetpool");
    if (use_default && get_str(subnet, "subnetpool_id")) {
        e = api_error_new(400, "BadRequest",
                          "Bad subnets request: subnetpool_id and "
                          "use_default_subnetpool cannot both be "
                          "specified.");
    }
    pool = e ? NULL : find_pool(req, subnet, use_default, &e);
    if (pool && !get_str(subnet, "cidr")
        && json_object_get(subnet, "allocation_pools")) {
        e = api_error_new(400, "BadRequest",
                          "Bad subnets request: allocation_pools allowed "
                          "only for specific subnet requests.");
    }
    if (pool && !e
        && version
               != json_integer_value(json_object_get(pool, "ip_version"))) {
        e = api_error_new(
            400, "BadRequest",
            "Bad subnets request: Cannot allocate IPv%d subnet from IPv%d "
            "subnet pool.",
            version,
            (int) json_integer_value(json_object_get(pool, "ip_version")));
    }
    if (pool && !e) {
        json_object_set(subnet, "subnetpool_id", json_object_get(pool, "id"));
        e = api_error_from_store(
            store_lock_row(req->store, &subnetpool_def, get_str(pool, "id")));
    }
    if (pool && !e) {
        e = carve(req, pool, subnet, prefixlen);
    }
    json_decref(pool);
    json_decref(prefixlen);
    return e;
}
