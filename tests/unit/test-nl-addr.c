/* Unit tests for nl/nl-addr.h: requests built and parsed back, kernel-like
 * replies, malformed ones rejected. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/util.h"
#include "nl/nl-addr.h"
#include "ip-helpers.h"
#include "nl-helpers.h"

static void
test_round_trip(void **state)
{
    static const char *const cases[] = {
        "172.17.0.0/12",  "169.254.169.254/32", "10.0.0.1/31", "0.0.0.0/0",
        "2001:db8::2/64", "fe80::a9fe:a9fe/64", "::1/128",
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct nl_addr in = {.index = 7, .net = net(cases[i])};
        struct nl_addr out;
        char buf[NL_MSG_SIZE];
        struct nlmsghdr *nlh;

        in.scope = RT_SCOPE_UNIVERSE;
        in.flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE;
        if (in.net.addr.version == 4) {
            in.has_broadcast = true;
            in.broadcast = ipnet_last(&in.net);
        }
        nlh = nl_addr_build(buf, RTM_NEWADDR, NLM_F_CREATE, &in);
        assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE);
        assert_int_equal(nl_addr_parse(nlh, &out), 0);
        assert_int_equal(out.index, 7);
        assert_true(ip_equal(&out.net.addr, &in.net.addr));
        assert_int_equal(out.net.prefixlen, in.net.prefixlen);
        assert_int_equal(out.scope, RT_SCOPE_UNIVERSE);
        assert_int_equal(out.flags, in.flags);
        assert_true(nl_addr_is_permanent(&out));
        assert_int_equal(out.has_broadcast, in.has_broadcast);
        if (in.has_broadcast) {
            assert_true(ip_equal(&out.broadcast, &in.broadcast));
        }
    }
}

/* A kernel-like RTM_NEWADDR: 'bytes' (4 or 16 of them) as IFA_ADDRESS
 * and, for IPv4, IFA_LOCAL. */
static struct nlmsghdr *
put_addr(char *buf, int family, const void *bytes, int prefixlen)
{
    struct nlmsghdr *nlh =
        msg_start(buf, RTM_NEWADDR, NLM_F_MULTI, 1, sizeof(struct ifaddrmsg));
    struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    size_t len = family == AF_INET ? 4 : 16;

    ifa->ifa_family = family;
    ifa->ifa_prefixlen = prefixlen;
    ifa->ifa_scope = RT_SCOPE_LINK;
    ifa->ifa_flags = IFA_F_PERMANENT;
    ifa->ifa_index = 3;
    mnl_attr_put(nlh, IFA_ADDRESS, len, bytes);
    if (family == AF_INET) {
        mnl_attr_put(nlh, IFA_LOCAL, len, bytes);
    }
    return nlh;
}

static void
test_parse_reply(void **state)
{
    static const uint8_t v4[4] = {172, 17, 0, 0};
    static const uint8_t v6[16] = {0xfe, 0x80, [8] = 0xf8, 0x16, 0x3e,
                                   0xff, 0xfe, 0x4a,       0x1e, 0x19};
    char buf[NL_MSG_SIZE], text[IPNET_STRLEN];
    struct nlmsghdr *nlh;
    struct nl_addr addr;

    /* IPv6 sends only IFA_ADDRESS; the flags fall back to the header's
     * 8 bits without IFA_FLAGS. */
    nlh = put_addr(buf, AF_INET6, v6, 64);
    assert_int_equal(nl_addr_parse(nlh, &addr), 0);
    ipnet_format(&addr.net, text);
    assert_string_equal(text, "fe80::f816:3eff:fe4a:1e19/64");
    assert_int_equal(addr.index, 3);
    assert_int_equal(addr.scope, RT_SCOPE_LINK);
    assert_true(nl_addr_is_permanent(&addr));
    assert_false(addr.has_broadcast);

    /* IFA_FLAGS wins over the header; a dynamic address. */
    nlh = put_addr(buf, AF_INET, v4, 12);
    mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
    assert_int_equal(nl_addr_parse(nlh, &addr), 0);
    ipnet_format(&addr.net, text);
    assert_string_equal(text, "172.17.0.0/12");
    assert_false(nl_addr_is_permanent(&addr));

    /* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer's. */
    nlh = put_addr(buf, AF_INET, v4, 32);
    ((uint8_t *) mnl_attr_get_payload(
        mnl_nlmsg_get_payload_offset(nlh, sizeof(struct ifaddrmsg))))[3] = 9;
    assert_int_equal(nl_addr_parse(nlh, &addr), 0);
    ipnet_format(&addr.net, text);
    assert_string_equal(text, "172.17.0.0/32");
}

static void
test_parse_bad(void **state)
{
    static const uint8_t v4[4] = {10, 0, 0, 1};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    struct nl_addr addr;

    nlh = put_addr(buf, AF_INET, v4, 24);
    nlh->nlmsg_type = RTM_DELADDR;
    assert_int_equal(nl_addr_parse(nlh, &addr), 1);

    nlh = put_addr(buf, AF_INET, v4, 33);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
    nlh = put_addr(buf, AF_INET6, v6, 129);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);

    /* An IPv6 family with a 4-byte address, and the reverse. */
    nlh = msg_start(buf, RTM_NEWADDR, 0, 1, sizeof(struct ifaddrmsg));
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET6;
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_index = 1;
    mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
    nlh = put_addr(buf, AF_INET, v4, 24);
    mnl_attr_put(nlh, IFA_LOCAL, 16, v6);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);

    /* No address at all, an unknown family, no link. */
    nlh = msg_start(buf, RTM_NEWADDR, 0, 1, sizeof(struct ifaddrmsg));
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET;
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_index = 1;
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
    nlh = put_addr(buf, AF_INET, v4, 24);
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_family = AF_PACKET;
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
    nlh = put_addr(buf, AF_INET, v4, 24);
    ((struct ifaddrmsg *) mnl_nlmsg_get_payload(nlh))->ifa_index = 0;
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);

    /* A broadcast of the wrong size, IFA_FLAGS of the wrong size. */
    nlh = put_addr(buf, AF_INET, v4, 24);
    mnl_attr_put(nlh, IFA_BROADCAST, 3, v4);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
    nlh = put_addr(buf, AF_INET, v4, 24);
    mnl_attr_put_u8(nlh, IFA_FLAGS, 1);
    assert_int_equal(nl_addr_parse(nlh, &addr), -EBADMSG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_parse_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
