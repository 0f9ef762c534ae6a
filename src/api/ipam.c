#include "api/ipam.h"

#include <errno.h>
#include <stdio.h>

#include "core/util.h"

/* Neutron draws from the first 1000 free addresses.  We look at no more
 * than the first few free ranges for them: once a subnet's low addresses
 * are fragmented (most ranges a single address), every range read costs a
 * row, while a few already keep concurrent allocators apart. */
#define IPAM_WINDOW        1000
#define IPAM_WINDOW_RANGES 8

void
ipam_usable_range(const struct ip_net *cidr, struct ip_range *ret)
{
    ret->first = ipnet_first(cidr);
    ret->last = ipnet_last(cidr);
    if (cidr->addr.version == 4) {
        if (cidr->prefixlen <= 30) {
            ret->first = ip_add(&ret->first, 1);
            ret->last = ip_add(&ret->last, ~(ip_u128) 0);
        }
    } else if (cidr->prefixlen < 128) {
        ret->first = ip_add(&ret->first, 1);
    }
}

struct ip_addr
ipam_default_gateway(const struct ip_net *cidr)
{
    struct ip_addr gw = ipnet_first(cidr);

    return cidr->addr.version == 4 && cidr->prefixlen < 32 ? ip_add(&gw, 1)
                                                           : gw;
}

int
ipam_default_pools(const struct ip_net *cidr, const struct ip_addr *gateway,
                   struct ip_range out[2])
{
    struct ip_range usable;
    int n = 0;

    ipam_usable_range(cidr, &usable);
    if (!gateway || ip_cmp(gateway, &usable.first) < 0
        || ip_cmp(gateway, &usable.last) > 0) {
        out[0] = usable;
        return 1;
    }
    if (ip_cmp(gateway, &usable.first) > 0) {
        out[n++] =
            (struct ip_range){usable.first, ip_add(gateway, ~(ip_u128) 0)};
    }
    if (ip_cmp(gateway, &usable.last) < 0) {
        out[n++] = (struct ip_range){ip_add(gateway, 1), usable.last};
    }
    return n;
}

ip_u128
ip_range_size(const struct ip_range *r)
{
    ip_u128 d = r->last.v - r->first.v;

    return d == ~(ip_u128) 0 ? d : d + 1;
}

void
ip_range_format(const struct ip_range *r, char *buf, size_t size)
{
    char a[IP_STRLEN], b[IP_STRLEN];

    ip_format(&r->first, a);
    ip_format(&r->last, b);
    snprintf(buf, size, "%s-%s", a, b);
}

/* Inserts the parts of 'pool' not covered by the sorted 'keys'. */
static int
insert_pool_gaps(struct store *st, const char *subnet_id,
                 const struct ip_range *pool, json_t *keys)
{
    struct ip_addr next = pool->first;
    bool done = false;
    size_t i;
    json_t *k;
    int r = 0;

    json_array_foreach (keys, i, k) {
        struct ip_addr used;
        if (ip_from_key(json_string_value(k), pool->first.version, &used)) {
            return -EIO;
        }
        if (ip_cmp(&used, &next) > 0) {
            struct ip_range gap = {next, ip_add(&used, ~(ip_u128) 0)};
            r = store_range_insert(st, subnet_id, &gap);
            if (r) {
                return r;
            }
        }
        if (ip_equal(&used, &pool->last)) {
            done = true;
            break;
        }
        next = ip_add(&used, 1);
    }
    if (!done) {
        struct ip_range tail = {next, pool->last};
        r = store_range_insert(st, subnet_id, &tail);
    }
    return r;
}

int
ipam_reset_ranges(struct store *st, const char *subnet_id,
                  const struct ip_range *pools, size_t n)
{
    int r = store_range_delete_all(st, subnet_id);

    for (size_t i = 0; !r && i < n; i++) {
        json_t *keys =
            store_ip_keys(st, subnet_id, &pools[i].first, &pools[i].last);
        r = insert_pool_gaps(st, subnet_id, &pools[i], keys);
        json_decref(keys);
    }
    return r;
}

/* Replaces free range 'range' by what is left of it without 'a', changing
 * the stored row in place where it can (one statement, two at most). */
static int
split_range(struct store *st, const char *subnet_id,
            const struct ip_range *range, const struct ip_addr *a)
{
    struct ip_addr before = ip_add(a, ~(ip_u128) 0), after = ip_add(a, 1);
    bool at_first = ip_equal(a, &range->first);
    bool at_last = ip_equal(a, &range->last);
    struct ip_range right = {after, range->last};
    int r;

    if (at_first && at_last) {
        return store_range_delete(st, subnet_id, &range->first);
    }
    if (at_first) {
        return store_range_move_first(st, subnet_id, &range->first, &after);
    }
    r = store_range_set_last(st, subnet_id, &range->first, &before);
    return r || at_last ? r : store_range_insert(st, subnet_id, &right);
}

static ip_u128
random_below(ip_u128 n)
{
    uint64_t x;

    random_bytes(&x, sizeof x);
    return n ? x % n : 0;
}

int
ipam_allocate_any(struct store *st, const char *subnet_id, int version,
                  bool lowest, struct ip_addr *ret)
{
    struct ip_range ranges[IPAM_WINDOW_RANGES];
    int n = store_range_list(st, subnet_id, version, NULL, ranges,
                             lowest ? 1 : IPAM_WINDOW_RANGES);
    ip_u128 total = 0, pick;
    int i;

    if (n <= 0) {
        return n < 0 ? n : -ENOSPC;
    }
    for (i = 0; i < n && total < IPAM_WINDOW; i++) {
        total += ip_range_size(&ranges[i]);
    }
    if (total > IPAM_WINDOW) {
        total = IPAM_WINDOW;
    }
    pick = lowest ? 0 : random_below(total);
    for (i = 0; pick >= ip_range_size(&ranges[i]); i++) {
        pick -= ip_range_size(&ranges[i]);
    }
    *ret = ip_add(&ranges[i].first, pick);
    return split_range(st, subnet_id, &ranges[i], ret);
}

int
ipam_take(struct store *st, const char *subnet_id, const struct ip_addr *a)
{
    struct ip_range range;
    int found = store_range_find(st, subnet_id, a, &range);

    if (found <= 0) {
        return found;
    }
    return split_range(st, subnet_id, &range, a);
}

int
ipam_release(struct store *st, const char *subnet_id,
             const struct ip_range *pools, size_t n, const struct ip_addr *a)
{
    struct ip_range merged = {*a, *a}, left, right;
    struct ip_addr before = ip_add(a, ~(ip_u128) 0);
    struct ip_addr after = ip_add(a, 1);
    const struct ip_range *pool = NULL;
    int r = 0;

    for (size_t i = 0; i < n && !pool; i++) {
        if (ip_cmp(a, &pools[i].first) >= 0
            && ip_cmp(a, &pools[i].last) <= 0) {
            pool = &pools[i];
        }
    }
    if (!pool) {
        return 0;
    }
    if (!ip_equal(a, &pool->first)
        && store_range_find(st, subnet_id, &before, &left) == 1
        && ip_equal(&left.last, &before)) {
        merged.first = left.first;
        r = store_range_delete(st, subnet_id, &left.first);
    }
    if (!r && !ip_equal(a, &pool->last)
        && store_range_find(st, subnet_id, &after, &right) == 1
        && ip_equal(&right.first, &after)) {
        merged.last = right.last;
        r = store_range_delete(st, subnet_id, &right.first);
    }
    return r ? r : store_range_insert(st, subnet_id, &merged);
}

int
ipam_pools_from_json(json_t *pools, int version, struct ip_range **ret)
{
    size_t n = json_array_size(pools), i;
    struct ip_range *ranges = xcalloc(n, sizeof *ranges);
    json_t *p;

    json_array_foreach (pools, i, p) {
        const char *s = json_string_value(json_object_get(p, "start"));
        const char *e = json_string_value(json_object_get(p, "end"));
        if (!s || !e || ip_parse_version(s, version, &ranges[i].first) < 0
            || ip_parse_version(e, version, &ranges[i].last) < 0) {
            free(ranges);
            return -EINVAL;
        }
    }
    *ret = ranges;
    return n;
}
