/* IPv4 and IPv6 unicast routes over rtnetlink: list, add, replace,
 * delete.  Enough for a default route via a gateway and on-link routes
 * (no multipath, no policy routing beyond a table number).
 *
 * Every call is one synchronous transaction on an nl_sock, in that
 * socket's namespace.  Returns 0 or a negative errno (the kernel's text,
 * if any, in nl_sock_error()): -EEXIST when adding a route that exists,
 * -ESRCH when deleting one that does not, -ENETUNREACH for a gateway that
 * is not on a connected network.  The build/parse functions are pure. */
#ifndef NL_NL_ROUTE_H
#define NL_NL_ROUTE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ip.h"
#include "core/util.h"
#include "nl/nl-sock.h"

struct nl_route {
    struct ip_net dst;      /* Destination; 0.0.0.0/0 or ::/0: default. */
    bool has_gateway;       /* Via a gateway, or on-link. */
    struct ip_addr gateway; /* If 'has_gateway'. */
    bool has_prefsrc;       /* Has a preferred source address. */
    struct ip_addr prefsrc; /* If 'has_prefsrc'. */
    int oif;                /* Output link's ifindex, 0 if none. */
    uint32_t table;         /* RT_TABLE_MAIN (254), ... */
    uint32_t priority;      /* Metric. */
    uint8_t protocol;       /* RTPROT_*: KERNEL, BOOT, STATIC, ... */
    uint8_t scope;          /* RT_SCOPE_UNIVERSE, LINK, HOST. */
    uint8_t type;           /* RTN_UNICAST, LOCAL, ... */
};

/* Initializes 'route' to what "ip route add DST [via GATEWAY] dev OIF proto
 * static" makes: a unicast route in the main table, scope link without a
 * gateway (IPv4; IPv6 routes are all scope universe), with the kernel's
 * default metric (0 for IPv4, 1024 for IPv6).
 * 'gateway' may be NULL. */
void nl_route_init(struct nl_route *route, const struct ip_net *dst,
                   const struct ip_addr *gateway, int oif);

/* True if 'a' and 'b' are the same route in every field above. */
bool nl_route_equal(const struct nl_route *a, const struct nl_route *b);

/* The routes of 'family' (AF_INET, AF_INET6, AF_UNSPEC for both) in every
 * table, as a malloc'd array (free()).  Routes whose destination or
 * gateway this module cannot represent (multipath, nexthop objects, other
 * families) are left out. */
int nl_route_list(struct nl_sock *, int family, struct nl_route **ret,
                  size_t *ret_n) WARN_UNUSED;

/* Adds 'route'; -EEXIST if a route with its destination, metric and table
 * exists. */
int nl_route_add(struct nl_sock *, const struct nl_route *route) WARN_UNUSED;
/* Adds 'route' or atomically replaces the route with its destination,
 * metric and table, as "ip route replace". */
int nl_route_replace(struct nl_sock *,
                     const struct nl_route *route) WARN_UNUSED;
/* Deletes the route that matches 'route' (destination, table, metric,
 * gateway and output link). */
int nl_route_delete(struct nl_sock *,
                    const struct nl_route *route) WARN_UNUSED;

/* Parses an RTM_NEWROUTE message.  Returns 0, 1 if 'nlh' is not
 * RTM_NEWROUTE or describes a route this module does not represent, or
 * -EBADMSG. */
int nl_route_parse(const struct nlmsghdr *nlh,
                   struct nl_route *ret) WARN_UNUSED;

/* Builds an RTM_NEWROUTE or RTM_DELROUTE request (with 'flags' besides
 * NLM_F_REQUEST) for 'route' into 'buf' (NL_MSG_SIZE bytes). */
struct nlmsghdr *nl_route_build(void *buf, uint16_t type, uint16_t flags,
                                const struct nl_route *route);

#endif /* nl/nl-route.h */
