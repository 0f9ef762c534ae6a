/* Unit tests for nl/nl-converge.h: the pure comparison of desired and
 * current addresses and routes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/util.h"
#include "nl/nl-converge.h"
#include "ip-helpers.h"

#define LINK 7

static struct nl_addr
cur(const char *prefix, int index, bool permanent)
{
    struct nl_addr a = {.index = index, .net = net(prefix)};

    a.flags = permanent ? IFA_F_PERMANENT : 0;
    return a;
}

/* Formats 'nets' as "a b c" for comparison. */
static const char *
nets_text(const struct ip_net *nets, size_t n, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char text[IPNET_STRLEN];

        ipnet_format(&nets[i], text);
        len += snprintf(buf + len, size - len, "%s%s", i ? " " : "", text);
    }
    return buf;
}

static void
check_addrs(const char *const *desired, size_t n_desired,
            const struct nl_addr *current, size_t n_current, const char *adds,
            const char *dels)
{
    struct ip_net want[8];
    struct nl_converge_addr_diff diff;
    char buf[512];

    for (size_t i = 0; i < n_desired; i++) {
        want[i] = net(desired[i]);
    }
    nl_converge_addrs(LINK, want, n_desired, current, n_current, &diff);
    assert_string_equal(nets_text(diff.add, diff.n_add, buf, sizeof buf),
                        adds);
    assert_string_equal(nets_text(diff.del, diff.n_del, buf, sizeof buf),
                        dels);
    nl_converge_addr_diff_destroy(&diff);
}

static void
test_addrs(void **state)
{
    static const char *const seed[] = {"172.17.0.0/12", "169.254.169.254/32"};
    const struct nl_addr right[] = {
        cur("169.254.169.254/32", LINK, true),
        cur("fe80::f816:3eff:fe4a:1e19/64", LINK, true),
        cur("172.17.0.0/12", LINK, true),
        cur("10.0.0.1/8", LINK + 1, true), /* Another link's. */
    };
    const struct nl_addr stale[] = {
        cur("172.17.0.0/16", LINK, true),       /* Other prefix length. */
        cur("169.254.169.254/32", LINK, false), /* Dynamic. */
        cur("2001:db8::5/64", LINK, false),     /* SLAAC. */
        cur("fe80::1/64", LINK, true),          /* Link-local: left alone. */
    };

    check_addrs(seed, 2, NULL, 0, "172.17.0.0/12 169.254.169.254/32", "");
    check_addrs(seed, 2, right, ARRAY_SIZE(right), "", "");
    check_addrs(seed, 2, stale, ARRAY_SIZE(stale),
                "172.17.0.0/12 169.254.169.254/32",
                "172.17.0.0/16 169.254.169.254/32 2001:db8::5/64");
    check_addrs(NULL, 0, right, ARRAY_SIZE(right), "",
                "169.254.169.254/32 172.17.0.0/12");
}

static void
test_addrs_link_local_and_duplicates(void **state)
{
    static const char *const want[] = {"fe80::a9fe:a9fe/64", "10.0.0.2/24",
                                       "fe80::a9fe:a9fe/64", "10.0.0.2/24"};
    const struct nl_addr have[] = {
        cur("fe80::a9fe:a9fe/64", LINK, true),
        cur("fe80::f816:3eff:fe4a:1e19/64", LINK, true),
    };

    /* A desired link-local address is managed like any other. */
    check_addrs(want, ARRAY_SIZE(want), have, ARRAY_SIZE(have), "10.0.0.2/24",
                "");
    check_addrs(want, 1, NULL, 0, "fe80::a9fe:a9fe/64", "");
    check_addrs(NULL, 0, have, 1, "", "");
}

static struct nl_route
route(const char *dst, const char *gw, int oif)
{
    struct ip_net d = net(dst);
    struct ip_addr g;
    struct nl_route r;

    if (gw) {
        g = addr(gw);
    }
    nl_route_init(&r, &d, gw ? &g : NULL, oif);
    return r;
}

static struct nl_route
kernel_route(const char *dst, int oif)
{
    struct nl_route r = route(dst, NULL, oif);

    r.protocol = RTPROT_KERNEL;
    return r;
}

static void
test_routes(void **state)
{
    struct nl_route want[] = {
        route("0.0.0.0/0", "172.16.0.1", LINK),
        route("::/0", "2001:db8::1", LINK),
        route("0.0.0.0/0", "172.16.0.1", LINK), /* Duplicate. */
    };
    struct nl_route have[] = {
        route("0.0.0.0/0", "172.16.0.9", LINK),      /* Stale gateway. */
        kernel_route("172.16.0.0/12", LINK),         /* Not ours. */
        route("10.0.0.0/8", "172.16.0.5", LINK),     /* Stale. */
        route("10.0.0.0/8", "172.16.0.5", LINK + 1), /* Other link. */
        route("::/0", "2001:db8::1", LINK),          /* Right. */
        route("192.168.0.0/16", NULL, LINK),         /* Stale, but... */
    };
    struct nl_converge_route_diff diff;

    have[5].table = 100; /* ...in another table. */
    nl_converge_routes(LINK, want, ARRAY_SIZE(want), have, ARRAY_SIZE(have),
                       &diff);
    assert_int_equal(diff.n_add, 1);
    assert_true(nl_route_equal(&diff.add[0], &want[0]));
    assert_int_equal(diff.n_del, 2);
    assert_true(nl_route_equal(&diff.del[0], &have[0]));
    assert_true(nl_route_equal(&diff.del[1], &have[2]));
    nl_converge_route_diff_destroy(&diff);

    /* proto boot ("ip route add" by hand) is ours too. */
    have[0].protocol = RTPROT_BOOT;
    have[0].gateway = want[0].gateway;
    nl_converge_routes(LINK, want, 2, have, 1, &diff);
    assert_int_equal(diff.n_add, 2);
    assert_int_equal(diff.n_del, 1);
    nl_converge_route_diff_destroy(&diff);

    /* Right already: nothing to do. */
    nl_converge_routes(LINK, want, 2, want, 2, &diff);
    assert_int_equal(diff.n_add + diff.n_del, 0);
    assert_null(diff.add);
    assert_null(diff.del);
    nl_converge_route_diff_destroy(&diff);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addrs),
        cmocka_unit_test(test_addrs_link_local_and_duplicates),
        cmocka_unit_test(test_routes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
