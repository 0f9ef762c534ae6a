/* Unit tests for nl/nl-route.h: defaults, equality, requests built and
 * parsed back, kernel-like replies, malformed ones rejected. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <linux/rtnetlink.h>

#include "core/util.h"
#include "nl/nl-route.h"
#include "ip-helpers.h"
#include "nl-helpers.h"

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

static void
test_init(void **state)
{
    struct nl_route r = route("0.0.0.0/0", "172.16.0.1", 7);
    char text[IPNET_STRLEN];

    assert_true(r.has_gateway);
    assert_int_equal(r.table, RT_TABLE_MAIN);
    assert_int_equal(r.protocol, RTPROT_STATIC);
    assert_int_equal(r.scope, RT_SCOPE_UNIVERSE);
    assert_int_equal(r.type, RTN_UNICAST);
    assert_int_equal(r.priority, 0);
    assert_int_equal(r.oif, 7);

    /* On-link, host bits cleared; IPv6 gets the kernel's metric. */
    r = route("172.16.0.1/12", NULL, 7);
    assert_false(r.has_gateway);
    assert_int_equal(r.scope, RT_SCOPE_LINK);
    ipnet_format(&r.dst, text);
    assert_string_equal(text, "172.16.0.0/12");
    assert_int_equal(route("::/0", "2001:db8::1", 7).priority, 1024);
    assert_int_equal(route("2001:db8::/64", NULL, 7).scope, RT_SCOPE_UNIVERSE);
}

static void
test_equal(void **state)
{
    struct nl_route a = route("0.0.0.0/0", "172.16.0.1", 7), b = a;

    assert_true(nl_route_equal(&a, &b));
    b.gateway = addr("172.16.0.2");
    assert_false(nl_route_equal(&a, &b));
    b = a;
    b.has_gateway = false;
    assert_false(nl_route_equal(&a, &b));
    b = a;
    b.oif = 8;
    assert_false(nl_route_equal(&a, &b));
    b = a;
    b.protocol = RTPROT_BOOT;
    assert_false(nl_route_equal(&a, &b));
    b = a;
    b.has_prefsrc = true;
    b.prefsrc = addr("172.17.0.0");
    assert_false(nl_route_equal(&a, &b));
    b = route("0.0.0.0/1", "172.16.0.1", 7);
    assert_false(nl_route_equal(&a, &b));
    b = route("::/0", "::ac10:1", 7);
    assert_false(nl_route_equal(&a, &b));
}

static void
test_round_trip(void **state)
{
    struct nl_route cases[] = {
        route("0.0.0.0/0", "172.16.0.1", 7), route("172.16.0.1/32", NULL, 7),
        route("10.0.0.0/8", "10.1.1.1", 0),  route("::/0", "fe80::1", 3),
        route("2001:db8::/64", NULL, 3),
    };

    cases[2].table = 1000; /* Only fits RTA_TABLE. */
    cases[2].priority = 50;
    cases[4].has_prefsrc = true;
    cases[4].prefsrc = addr("2001:db8::2");
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char buf[NL_MSG_SIZE];
        struct nlmsghdr *nlh;
        struct nl_route out;

        nlh = nl_route_build(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
                             &cases[i]);
        assert_int_equal(nlh->nlmsg_flags,
                         NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
        assert_int_equal(nl_route_parse(nlh, &out), 0);
        assert_true(nl_route_equal(&out, &cases[i]));
    }
}

/* A kernel-like RTM_NEWROUTE of 'family' without attributes. */
static struct nlmsghdr *
put_route(char *buf, int family, int dst_len)
{
    struct nlmsghdr *nlh =
        msg_start(buf, RTM_NEWROUTE, NLM_F_MULTI, 1, sizeof(struct rtmsg));
    struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

    rtm->rtm_family = family;
    rtm->rtm_dst_len = dst_len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_KERNEL;
    rtm->rtm_scope = RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    return nlh;
}

static void
test_parse_reply(void **state)
{
    static const uint8_t dst[4] = {172, 16, 0, 0}, src[4] = {172, 17, 0, 0};
    char buf[NL_MSG_SIZE], text[IPNET_STRLEN];
    struct nlmsghdr *nlh;
    struct nl_route r;

    /* "172.16.0.0/12 dev X proto kernel scope link src 172.17.0.0", with
     * the table only in the header (old kernels). */
    nlh = put_route(buf, AF_INET, 12);
    mnl_attr_put(nlh, RTA_DST, 4, dst);
    mnl_attr_put(nlh, RTA_PREFSRC, 4, src);
    mnl_attr_put_u32(nlh, RTA_OIF, 7);
    assert_int_equal(nl_route_parse(nlh, &r), 0);
    ipnet_format(&r.dst, text);
    assert_string_equal(text, "172.16.0.0/12");
    assert_false(r.has_gateway);
    assert_true(r.has_prefsrc);
    assert_true(ip_equal(&r.prefsrc, &(struct ip_addr){4, 0xac110000}));
    assert_int_equal(r.oif, 7);
    assert_int_equal(r.table, RT_TABLE_MAIN);
    assert_int_equal(r.protocol, RTPROT_KERNEL);
    assert_int_equal(r.priority, 0);

    /* A default route has no RTA_DST. */
    nlh = put_route(buf, AF_INET6, 0);
    assert_int_equal(nl_route_parse(nlh, &r), 0);
    ipnet_format(&r.dst, text);
    assert_string_equal(text, "::/0");

    /* Not ours: another message type, family or several next hops. */
    nlh->nlmsg_type = RTM_DELROUTE;
    assert_int_equal(nl_route_parse(nlh, &r), 1);
    nlh = put_route(buf, RTNL_FAMILY_IPMR, 0);
    assert_int_equal(nl_route_parse(nlh, &r), 1);
    nlh = put_route(buf, AF_INET, 0);
    mnl_attr_put(nlh, RTA_MULTIPATH, 8, "\x08\0\0\0\x07\0\0\0");
    assert_int_equal(nl_route_parse(nlh, &r), 1);
    nlh = put_route(buf, AF_INET, 0);
    mnl_attr_put_u32(nlh, RTA_NH_ID, 5);
    assert_int_equal(nl_route_parse(nlh, &r), 1);
}

static void
test_parse_bad(void **state)
{
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    struct nl_route r;

    nlh = put_route(buf, AF_INET, 33);
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
    nlh = put_route(buf, AF_INET, 0);
    mnl_attr_put(nlh, RTA_GATEWAY, 16, v6);
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
    nlh = put_route(buf, AF_INET6, 64);
    mnl_attr_put(nlh, RTA_DST, 8, v6);
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
    nlh = put_route(buf, AF_INET6, 0);
    mnl_attr_put(nlh, RTA_PREFSRC, 4, v6);
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
    nlh = put_route(buf, AF_INET, 0);
    mnl_attr_put_u16(nlh, RTA_OIF, 1);
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
    nlh = msg_start(buf, RTM_NEWROUTE, 0, 1, 4); /* Short rtmsg. */
    assert_int_equal(nl_route_parse(nlh, &r), -EBADMSG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),       cmocka_unit_test(test_equal),
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_parse_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
