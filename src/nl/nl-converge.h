/* Converging a link's addresses and routes to a desired set: what the
 * DHCP role does to its namespace's port after every change and after a
 * restart, without flapping what is already right.
 *
 * nl_converge_addrs() and nl_converge_routes() are pure: they compare the
 * desired state with the current one (as listed by nl-addr and nl-route)
 * and say what to add and what to delete.  nl_converge_link() lists,
 * compares and applies in one go over an nl_sock.
 *
 * Which current state is ours to change:
 *   - addresses: every address of the link, as Neutron's init_l3 does,
 *     except IPv6 link-local ones the kernel made (left alone unless
 *     desired).  A desired address that is present but not permanent
 *     (SLAAC, DHCP) is deleted and added again as a static one.
 *   - routes: those of the link (output ifindex) in the main table made by
 *     an administrator (proto static or boot).  Kernel routes that come
 *     with addresses, router advertisements and other tables are left
 *     alone.  A route is "right" if it equals a desired one in every
 *     field (nl_route_equal()); build desired routes with
 *     nl_route_init(). */
#ifndef NL_NL_CONVERGE_H
#define NL_NL_CONVERGE_H 1

#include <stddef.h>

#include "core/ip.h"
#include "core/util.h"
#include "nl/nl-addr.h"
#include "nl/nl-route.h"
#include "nl/nl-sock.h"

/* A list of changes; arrays are malloc'd (NULL when empty). */
struct nl_converge_addr_diff {
    struct ip_net *add;
    size_t n_add;
    struct ip_net *del;
    size_t n_del;
};

struct nl_converge_route_diff {
    struct nl_route *add;
    size_t n_add;
    struct nl_route *del;
    size_t n_del;
};

/* Compares 'desired' addresses of link 'index' (duplicates allowed) with
 * 'current' (may hold other links' addresses, which are ignored) and fills
 * 'diff'.  Adds come in the order of 'desired'. */
void nl_converge_addrs(int index, const struct ip_net *desired,
                       size_t n_desired, const struct nl_addr *current,
                       size_t n_current, struct nl_converge_addr_diff *diff);
void nl_converge_addr_diff_destroy(struct nl_converge_addr_diff *);

/* The same for routes of link 'index'. */
void nl_converge_routes(int index, const struct nl_route *desired,
                        size_t n_desired, const struct nl_route *current,
                        size_t n_current, struct nl_converge_route_diff *diff);
void nl_converge_route_diff_destroy(struct nl_converge_route_diff *);

/* Makes link 'index' have exactly the addresses 'addrs' and the routes
 * 'routes' (in the sense above).  Order: stale addresses go first (as
 * Neutron does: a primary IPv4 address can only be replaced that way),
 * then missing addresses are added (looking again after deletes: deleting
 * a primary IPv4 address takes its prefix's secondaries along unless
 * net.ipv4.conf.DEV.promote_secondaries is 1, so set that to avoid the
 * flap), then missing routes are added with
 * replace semantics (a changed gateway is swapped atomically, never
 * leaving the link without a default route), then stale routes go.  A
 * route or address that vanished meanwhile is not an error.  Returns the
 * number of changes made (0: it was already right) or a negative errno
 * from the first failing step (later steps are not tried). */
int nl_converge_link(struct nl_sock *, int index, const struct ip_net *addrs,
                     size_t n_addrs, const struct nl_route *routes,
                     size_t n_routes) WARN_UNUSED;

#endif /* nl/nl-converge.h */
