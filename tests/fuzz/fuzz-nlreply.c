/* Fuzz target: netlink replies as the kernel would send them to
 * nl_sock_transact().
 *
 * The first input byte says where the rest is split into two datagrams
 * (each in its own exactly sized, aligned buffer); they are fed to one
 * nl_sock_reply expecting sequence number 1, whose callback runs the link,
 * address and route parsers on every data message.  Checks: no crash or
 * over-read; parsed names and texts are terminated and in range; a parsed
 * address or route, built into a request and parsed back, is unchanged;
 * the reply's result is consistent with its state. */
#include <errno.h>

#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "nl/nl-addr.h"
#include "nl/nl-link.h"
#include "nl/nl-route.h"
#include "nl/nl-sock.h"

static void
check_link(const struct nlmsghdr *nlh)
{
    struct nl_link link;

    if (nl_link_parse(nlh, &link) == 0) {
        FUZZ_CHECK(link.index > 0, "index %d", link.index);
        FUZZ_CHECK(strlen(link.name) < sizeof link.name, "name");
        FUZZ_CHECK(strlen(link.kind) < sizeof link.kind, "kind");
    }
}

static void
check_addr(const struct nlmsghdr *nlh)
{
    struct nl_addr addr, again;
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *built;

    if (nl_addr_parse(nlh, &addr) != 0) {
        return;
    }
    FUZZ_CHECK(addr.net.prefixlen <= ip_bits(addr.net.addr.version),
               "prefix length %d", addr.net.prefixlen);
    built = nl_addr_build(buf, RTM_NEWADDR, 0, &addr);
    FUZZ_CHECK(nl_addr_parse(built, &again) == 0, "built address fails");
    FUZZ_CHECK(again.index == addr.index && again.scope == addr.scope
                   && again.flags == addr.flags
                   && ip_equal(&again.net.addr, &addr.net.addr)
                   && again.net.prefixlen == addr.net.prefixlen
                   && again.has_broadcast == addr.has_broadcast
                   && (!addr.has_broadcast
                       || ip_equal(&again.broadcast, &addr.broadcast)),
               "address changed in a round trip");
}

static void
check_route(const struct nlmsghdr *nlh)
{
    struct nl_route route, again;
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *built;

    if (nl_route_parse(nlh, &route) != 0) {
        return;
    }
    FUZZ_CHECK(route.dst.prefixlen <= ip_bits(route.dst.addr.version),
               "prefix length %d", route.dst.prefixlen);
    built = nl_route_build(buf, RTM_NEWROUTE, 0, &route);
    FUZZ_CHECK(nl_route_parse(built, &again) == 0, "built route fails");
    FUZZ_CHECK(nl_route_equal(&route, &again),
               "route changed in a round trip");
}

static int
on_msg(const struct nlmsghdr *nlh, void *count_)
{
    int *count = count_;

    check_link(nlh);
    check_addr(nlh);
    check_route(nlh);
    /* Make the callback's error path reachable too. */
    return ++*count == 3 ? -EBADMSG : 0;
}

/* Feeds 'len' bytes from a copy the size of the datagram. */
static int
feed(struct nl_sock_reply *reply, const uint8_t *data, size_t len)
{
    void *copy = malloc(len ? len : 1);
    int r;

    if (!copy) {
        abort();
    }
    if (len) {
        memcpy(copy, data, len);
    }
    r = nl_sock_reply_feed(reply, copy, len);
    free(copy);
    return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nl_sock_reply reply;
    size_t split;
    int count = 0, r;

    if (size < 1) {
        return 0;
    }
    split = (size_t) data[0] * (size - 1) / 255;
    data++;
    size--;
    nl_sock_reply_init(&reply, 1, on_msg, &count);
    r = feed(&reply, data, split);
    if (r > 0) {
        r = feed(&reply, data + split, size - split);
    }
    FUZZ_CHECK(strlen(reply.errmsg) < sizeof reply.errmsg, "errmsg");
    FUZZ_CHECK(r <= 1 && r >= -4095, "result %d", r);
    FUZZ_CHECK(r > 0 || reply.done, "finished reply not done");
    FUZZ_CHECK(r != 0 || (!reply.error && !reply.interrupted),
               "success despite an error");
    return 0;
}
