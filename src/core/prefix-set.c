#include "core/prefix-set.h"

#include <errno.h>
#include <stdlib.h>

#include "core/util.h"

void
prefix_set_init(struct prefix_set *s, int version)
{
    *s = (struct prefix_set){.version = version};
}

void
prefix_set_destroy(struct prefix_set *s)
{
    if (s) {
        free(s->iv);
        s->iv = NULL;
        s->n = s->allocated = 0;
    }
}

/* The highest address of the set's version. */
static ip_u128
top(const struct prefix_set *s)
{
    return s->version == 4 ? (ip_u128) UINT32_MAX : ~(ip_u128) 0;
}

static struct prefix_interval
interval_of(const struct ip_net *net)
{
    struct ip_addr first = ipnet_first(net), last = ipnet_last(net);

    return (struct prefix_interval){first.v, last.v};
}

static void
append(struct prefix_set *s, struct prefix_interval iv)
{
    if (s->n == s->allocated) {
        s->allocated = s->allocated ? 2 * s->allocated : 4;
        s->iv = xrealloc(s->iv, s->allocated * sizeof *s->iv);
    }
    s->iv[s->n++] = iv;
}

static int
cmp_first(const void *a_, const void *b_)
{
    const struct prefix_interval *a = a_, *b = b_;

    return a->first < b->first ? -1 : a->first > b->first;
}

/* Sorts the intervals and merges those that overlap or touch. */
static void
normalize(struct prefix_set *s)
{
    size_t out = 0;

    qsort(s->iv, s->n, sizeof *s->iv, cmp_first);
    for (size_t i = 0; i < s->n; i++) {
        struct prefix_interval *prev = out ? &s->iv[out - 1] : NULL;

        if (prev
            && (s->iv[i].first <= prev->last
                || (prev->last != top(s)
                    && s->iv[i].first == prev->last + 1))) {
            if (s->iv[i].last > prev->last) {
                prev->last = s->iv[i].last;
            }
        } else {
            s->iv[out++] = s->iv[i];
        }
    }
    s->n = out;
}

void
prefix_set_add(struct prefix_set *s, const struct ip_net *net)
{
    append(s, interval_of(net));
    normalize(s);
}

void
prefix_set_remove(struct prefix_set *s, const struct ip_net *net)
{
    struct prefix_interval cut = interval_of(net);
    struct prefix_set out;

    prefix_set_init(&out, s->version);
    for (size_t i = 0; i < s->n; i++) {
        struct prefix_interval iv = s->iv[i];

        if (iv.last < cut.first || iv.first > cut.last) {
            append(&out, iv);
            continue;
        }
        if (iv.first < cut.first) {
            append(&out, (struct prefix_interval){iv.first, cut.first - 1});
        }
        if (iv.last > cut.last) {
            append(&out, (struct prefix_interval){cut.last + 1, iv.last});
        }
    }
    free(s->iv);
    *s = out;
}

/* Merged intervals never touch, so a range in the set lies in one. */
static bool
covers_interval(const struct prefix_set *s, struct prefix_interval r)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->iv[i].first <= r.first && r.last <= s->iv[i].last) {
            return true;
        }
    }
    return false;
}

bool
prefix_set_covers(const struct prefix_set *s, const struct ip_net *net)
{
    return covers_interval(s, interval_of(net));
}

bool
prefix_set_overlaps(const struct prefix_set *s, const struct ip_net *net)
{
    struct prefix_interval r = interval_of(net);

    for (size_t i = 0; i < s->n; i++) {
        if (s->iv[i].first <= r.last && r.first <= s->iv[i].last) {
            return true;
        }
    }
    return false;
}

bool
prefix_set_is_subset(const struct prefix_set *a, const struct prefix_set *b)
{
    for (size_t i = 0; i < a->n; i++) {
        if (!covers_interval(b, a->iv[i])) {
            return false;
        }
    }
    return true;
}

/* How far past its first address a block of 2^k addresses reaches. */
static ip_u128
block_span(int k)
{
    return k == 128 ? ~(ip_u128) 0 : ((ip_u128) 1 << k) - 1;
}

/* log2 of the largest aligned block starting at 'first' that ends at or
 * before 'last'. */
static int
block_bits(ip_u128 first, ip_u128 last, int bits)
{
    int k = 0;

    while (k < bits && !((first >> k) & 1)) {
        k++;
    }
    while (k > 0 && block_span(k) > last - first) {
        k--;
    }
    return k;
}

size_t
prefix_set_cidrs(const struct prefix_set *s, struct ip_net **ret)
{
    int bits = ip_bits(s->version);
    struct ip_net *out = NULL;
    size_t n = 0, allocated = 0;

    for (size_t i = 0; i < s->n; i++) {
        ip_u128 first = s->iv[i].first, last = s->iv[i].last;

        for (;;) {
            int k = block_bits(first, last, bits);
            ip_u128 end = first + block_span(k);

            if (n == allocated) {
                allocated = allocated ? 2 * allocated : 8;
                out = xrealloc(out, allocated * sizeof *out);
            }
            out[n++] = (struct ip_net){{s->version, first}, bits - k};
            if (end == last) {
                break;
            }
            first = end + 1;
        }
    }
    *ret = out;
    return n;
}

int
prefix_set_choose(const struct prefix_set *s, int prefixlen,
                  struct ip_net *ret)
{
    struct ip_net *cidrs;
    size_t n = prefix_set_cidrs(s, &cidrs);
    const struct ip_net *best = NULL;

    for (size_t i = 0; i < n; i++) {
        if (cidrs[i].prefixlen <= prefixlen
            && (!best || cidrs[i].prefixlen > best->prefixlen)) {
            best = &cidrs[i];
        }
    }
    if (best) {
        *ret = (struct ip_net){best->addr, prefixlen};
    }
    free(cidrs);
    return best ? 0 : -ENOSPC;
}
