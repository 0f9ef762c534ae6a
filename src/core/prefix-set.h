/* Sets of IP prefixes of one IP version, as netaddr's IPSet serves
 * Neutron's subnet pools: union, difference, subset tests, the compact
 * CIDR list of a set, and choosing a free prefix of a given length.
 *
 * A set is kept as sorted, disjoint, non-adjacent address intervals, so
 * every operation is a merge over two sorted lists.  Pure functions over
 * caller-owned memory: nothing here touches the database.  The set owns
 * its interval array; prefix_set_destroy() frees it. */
#ifndef CORE_PREFIX_SET_H
#define CORE_PREFIX_SET_H 1

#include <stdbool.h>
#include <stddef.h>

#include "core/ip.h"

struct prefix_interval {
    ip_u128 first, last; /* Inclusive. */
};

struct prefix_set {
    int version; /* 4 or 6. */
    struct prefix_interval *iv;
    size_t n, allocated;
};

void prefix_set_init(struct prefix_set *, int version);
void prefix_set_destroy(struct prefix_set *);

/* Adds / removes the addresses of 'net' (which must be of the set's
 * version; its host bits are ignored). */
void prefix_set_add(struct prefix_set *, const struct ip_net *net);
void prefix_set_remove(struct prefix_set *, const struct ip_net *net);

/* True if every address of 'net' is in the set / if any is. */
bool prefix_set_covers(const struct prefix_set *, const struct ip_net *net);
bool prefix_set_overlaps(const struct prefix_set *, const struct ip_net *net);

/* True if every address of 'a' is in 'b'. */
bool prefix_set_is_subset(const struct prefix_set *a,
                          const struct prefix_set *b);

/* The set as the fewest CIDRs, in address order (netaddr's compact()
 * followed by iter_cidrs()).  Returns their number; '*ret' is malloc'd
 * (NULL for an empty set). */
size_t prefix_set_cidrs(const struct prefix_set *, struct ip_net **ret);

/* Chooses a prefix of length 'prefixlen' from the set as Neutron's subnet
 * allocator does: among the set's compact CIDRs, the smallest one that
 * can hold it (the lowest address among equals), and its first prefix of
 * that length.  Returns 0, or -ENOSPC if none can hold it. */
int prefix_set_choose(const struct prefix_set *, int prefixlen,
                      struct ip_net *ret);

#endif /* core/prefix-set.h */
