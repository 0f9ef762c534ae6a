#include "nl/nl-converge.h"

#include <errno.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

static bool
net_equal(const struct ip_net *a, const struct ip_net *b)
{
    return a->prefixlen == b->prefixlen && ip_equal(&a->addr, &b->addr);
}

static bool
is_ipv6_link_local(const struct ip_addr *addr)
{
    return addr->version == 6 && (addr->v >> 118) == (0xfe80 >> 6);
}

static bool
nets_contain(const struct ip_net *nets, size_t n, const struct ip_net *net)
{
    for (size_t i = 0; i < n; i++) {
        if (net_equal(&nets[i], net)) {
            return true;
        }
    }
    return false;
}

/* True if link 'index' has 'net' as a permanent address in 'current'. */
static bool
has_static_addr(int index, const struct nl_addr *current, size_t n,
                const struct ip_net *net)
{
    for (size_t i = 0; i < n; i++) {
        if (current[i].index == index && net_equal(&current[i].net, net)
            && nl_addr_is_permanent(&current[i])) {
            return true;
        }
    }
    return false;
}

static void
push_net(struct ip_net **nets, size_t *n, const struct ip_net *net)
{
    *nets = xrealloc(*nets, (*n + 1) * sizeof **nets);
    (*nets)[(*n)++] = *net;
}

void
nl_converge_addrs(int index, const struct ip_net *desired, size_t n_desired,
                  const struct nl_addr *current, size_t n_current,
                  struct nl_converge_addr_diff *diff)
{
    memset(diff, 0, sizeof *diff);
    for (size_t i = 0; i < n_desired; i++) {
        if (!has_static_addr(index, current, n_current, &desired[i])
            && !nets_contain(diff->add, diff->n_add, &desired[i])) {
            push_net(&diff->add, &diff->n_add, &desired[i]);
        }
    }
    for (size_t i = 0; i < n_current; i++) {
        const struct nl_addr *addr = &current[i];
        bool wanted = nets_contain(desired, n_desired, &addr->net);

        if (addr->index != index || (wanted && nl_addr_is_permanent(addr))
            || (!wanted && is_ipv6_link_local(&addr->net.addr))) {
            continue;
        }
        push_net(&diff->del, &diff->n_del, &addr->net);
    }
}

void
nl_converge_addr_diff_destroy(struct nl_converge_addr_diff *diff)
{
    free(diff->add);
    free(diff->del);
}

static bool
routes_contain(const struct nl_route *routes, size_t n,
               const struct nl_route *route)
{
    for (size_t i = 0; i < n; i++) {
        if (nl_route_equal(&routes[i], route)) {
            return true;
        }
    }
    return false;
}

/* True for the routes of link 'index' that converging may delete. */
static bool
route_is_ours(int index, const struct nl_route *route)
{
    return route->oif == index && route->table == RT_TABLE_MAIN
           && route->type == RTN_UNICAST
           && (route->protocol == RTPROT_STATIC
               || route->protocol == RTPROT_BOOT);
}

static void
push_route(struct nl_route **routes, size_t *n, const struct nl_route *route)
{
    *routes = xrealloc(*routes, (*n + 1) * sizeof **routes);
    (*routes)[(*n)++] = *route;
}

void
nl_converge_routes(int index, const struct nl_route *desired, size_t n_desired,
                   const struct nl_route *current, size_t n_current,
                   struct nl_converge_route_diff *diff)
{
    memset(diff, 0, sizeof *diff);
    for (size_t i = 0; i < n_desired; i++) {
        if (!routes_contain(current, n_current, &desired[i])
            && !routes_contain(diff->add, diff->n_add, &desired[i])) {
            push_route(&diff->add, &diff->n_add, &desired[i]);
        }
    }
    for (size_t i = 0; i < n_current; i++) {
        if (route_is_ours(index, &current[i])
            && !routes_contain(desired, n_desired, &current[i])) {
            push_route(&diff->del, &diff->n_del, &current[i]);
        }
    }
}

void
nl_converge_route_diff_destroy(struct nl_converge_route_diff *diff)
{
    free(diff->add);
    free(diff->del);
}

/* Lists the addresses of link 'index' and compares them with 'addrs'. */
static int
diff_addrs(struct nl_sock *sock, int index, const struct ip_net *addrs,
           size_t n_addrs, struct nl_converge_addr_diff *diff)
{
    struct nl_addr *current;
    size_t n_current;
    int r;

    r = nl_addr_list(sock, index, AF_UNSPEC, &current, &n_current);
    if (r < 0) {
        return r;
    }
    nl_converge_addrs(index, addrs, n_addrs, current, n_current, diff);
    free(current);
    return 0;
}

static int
delete_addrs(struct nl_sock *sock, int index,
             const struct nl_converge_addr_diff *diff)
{
    int changes = 0;

    for (size_t i = 0; i < diff->n_del; i++) {
        int r = nl_addr_delete(sock, index, &diff->del[i]);

        if (r == 0) {
            changes++;
        } else if (r != -EADDRNOTAVAIL) {
            return r;
        }
    }
    return changes;
}

static int
add_addrs(struct nl_sock *sock, int index,
          const struct nl_converge_addr_diff *diff)
{
    for (size_t i = 0; i < diff->n_add; i++) {
        int r = nl_addr_add(sock, index, &diff->add[i]);

        if (r < 0) {
            return r;
        }
    }
    return diff->n_add;
}

static int
converge_addrs(struct nl_sock *sock, int index, const struct ip_net *addrs,
               size_t n_addrs)
{
    struct nl_converge_addr_diff diff;
    int deleted, added;

    deleted = diff_addrs(sock, index, addrs, n_addrs, &diff);
    if (deleted < 0) {
        return deleted;
    }
    deleted = delete_addrs(sock, index, &diff);
    if (deleted > 0) {
        /* Look again: deleting a primary IPv4 address also deletes the
         * secondaries of its prefix (unless promote_secondaries is set),
         * and those may have been right. */
        nl_converge_addr_diff_destroy(&diff);
        added = diff_addrs(sock, index, addrs, n_addrs, &diff);
        if (added < 0) {
            return added;
        }
    } else if (deleted < 0) {
        nl_converge_addr_diff_destroy(&diff);
        return deleted;
    }
    added = add_addrs(sock, index, &diff);
    nl_converge_addr_diff_destroy(&diff);
    return added < 0 ? added : deleted + added;
}

static int
apply_route_diff(struct nl_sock *sock,
                 const struct nl_converge_route_diff *diff)
{
    int changes = 0;

    for (size_t i = 0; i < diff->n_add; i++) {
        int r = nl_route_replace(sock, &diff->add[i]);

        if (r < 0) {
            return r;
        }
        changes++;
    }
    for (size_t i = 0; i < diff->n_del; i++) {
        /* ESRCH: replaced by an add above, or gone with an address. */
        int r = nl_route_delete(sock, &diff->del[i]);

        if (r == 0) {
            changes++;
        } else if (r != -ESRCH) {
            return r;
        }
    }
    return changes;
}

static int
converge_routes(struct nl_sock *sock, int index, const struct nl_route *routes,
                size_t n_routes)
{
    struct nl_converge_route_diff diff;
    struct nl_route *current;
    size_t n_current;
    int r;

    r = nl_route_list(sock, AF_UNSPEC, &current, &n_current);
    if (r < 0) {
        return r;
    }
    nl_converge_routes(index, routes, n_routes, current, n_current, &diff);
    free(current);
    r = apply_route_diff(sock, &diff);
    nl_converge_route_diff_destroy(&diff);
    return r;
}

int
nl_converge_link(struct nl_sock *sock, int index, const struct ip_net *addrs,
                 size_t n_addrs, const struct nl_route *routes,
                 size_t n_routes)
{
    int addr_changes, route_changes;

    addr_changes = converge_addrs(sock, index, addrs, n_addrs);
    if (addr_changes < 0) {
        return addr_changes;
    }
    /* Routes are listed only now: deleting an address takes the routes
     * that depended on it along. */
    route_changes = converge_routes(sock, index, routes, n_routes);
    if (route_changes < 0) {
        return route_changes;
    }
    return addr_changes + route_changes;
}
