/* Unit tests for nl/nl-link.h: requests built and parsed back, kernel-like
 * replies parsed, malformed ones rejected. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* <net/if.h> (through nl-link.h) must come before the <linux/...> ones. */
#include "core/util.h"
#include "nl/nl-link.h"
#include "nl-helpers.h"

#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static const uint8_t mac[6] = {0xfa, 0x16, 0x3e, 0x4a, 0x1e, 0x19};

static void
test_name_is_valid(void **state)
{
    static const char *const good[] = {
        "lo", "tap43bf8dcc-08", "ns-43bf8dcc-08", "a", "123456789012345"};
    static const char *const bad[] = {
        "", "1234567890123456", ".", "..", "a/b", "a:1", "a b", "a\tb"};

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        assert_true(nl_link_name_is_valid(good[i]));
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_false(nl_link_name_is_valid(bad[i]));
    }
}

static void
test_change_round_trip(void **state)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    struct nl_link link;

    change.up = 1;
    change.mac = mac;
    change.mtu = 1450;
    change.name = "tap43bf8dcc-08";
    nlh = nl_link_build_change(buf, 7, &change);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
    assert_int_equal(nl_link_parse(nlh, &link), 0);
    assert_int_equal(link.index, 7);
    assert_string_equal(link.name, "tap43bf8dcc-08");
    assert_true(link.has_mac);
    assert_memory_equal(link.mac, mac, 6);
    assert_int_equal(link.mtu, 1450);
    assert_int_equal(link.flags, IFF_UP);
    assert_int_equal(
        ((struct ifinfomsg *) mnl_nlmsg_get_payload(nlh))->ifi_change, IFF_UP);

    /* Nothing to change: a bare header, the flags untouched. */
    change = (struct nl_link_change) NL_LINK_CHANGE_INIT;
    nlh = nl_link_build_change(buf, 7, &change);
    assert_int_equal(nlh->nlmsg_len,
                     MNL_NLMSG_HDRLEN + sizeof(struct ifinfomsg));
    assert_int_equal(
        ((struct ifinfomsg *) mnl_nlmsg_get_payload(nlh))->ifi_change, 0);

    /* Down, and a move to a namespace. */
    change.up = 0;
    change.netns_fd = 5;
    nlh = nl_link_build_change(buf, 7, &change);
    {
        const struct nlattr *tb[IFLA_MAX + 1];
        static const int policy[IFLA_MAX + 1] = {[IFLA_NET_NS_FD] =
                                                     MNL_TYPE_U32};

        assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg),
                                             policy, tb, IFLA_MAX),
                         0);
        assert_int_equal(mnl_attr_get_u32(tb[IFLA_NET_NS_FD]), 5);
        assert_int_equal(
            ((struct ifinfomsg *) mnl_nlmsg_get_payload(nlh))->ifi_change,
            IFF_UP);
        assert_int_equal(
            ((struct ifinfomsg *) mnl_nlmsg_get_payload(nlh))->ifi_flags, 0);
    }
}

static void
test_veth(void **state)
{
    static const int policy[IFLA_MAX + 1] = {
        [IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
        [IFLA_NET_NS_FD] = MNL_TYPE_U32,
        [IFLA_LINKINFO] = MNL_TYPE_NESTED,
    };
    static const int info_policy[IFLA_INFO_MAX + 1] = {
        [IFLA_INFO_KIND] = MNL_TYPE_NUL_STRING,
        [IFLA_INFO_DATA] = MNL_TYPE_NESTED,
    };
    static const int data_policy[VETH_INFO_MAX + 1] = {0};
    const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
    const struct nlattr *data[VETH_INFO_MAX + 1];
    const struct nlattr *attr;
    const char *peer;
    size_t peer_len, hdr = MNL_ALIGN(sizeof(struct ifinfomsg));
    const char *peer_name = NULL;
    int peer_fd = -1;
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;

    nlh = nl_link_build_veth(buf, "ns-43bf8dcc-08", 3, "tap43bf8dcc-08", 4);
    assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(nlh->nlmsg_flags,
                     NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     0);
    assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "ns-43bf8dcc-08");
    assert_int_equal(mnl_attr_get_u32(tb[IFLA_NET_NS_FD]), 3);
    assert_int_equal(nl_sock_parse_nested(tb[IFLA_LINKINFO], info_policy, info,
                                          IFLA_INFO_MAX),
                     0);
    assert_string_equal(mnl_attr_get_str(info[IFLA_INFO_KIND]), "veth");
    assert_int_equal(nl_sock_parse_nested(info[IFLA_INFO_DATA], data_policy,
                                          data, VETH_INFO_MAX),
                     0);
    assert_non_null(data[VETH_INFO_PEER]);

    /* The peer: an ifinfomsg, then the peer's own attributes. */
    peer = mnl_attr_get_payload(data[VETH_INFO_PEER]);
    peer_len = mnl_attr_get_payload_len(data[VETH_INFO_PEER]);
    assert_true(peer_len > hdr);
    mnl_attr_for_each_payload((const struct nlattr *) (peer + hdr),
                              peer_len - hdr)
    {
        if (mnl_attr_get_type(attr) == IFLA_IFNAME) {
            peer_name = mnl_attr_get_str(attr);
        } else if (mnl_attr_get_type(attr) == IFLA_NET_NS_FD) {
            peer_fd = mnl_attr_get_u32(attr);
        }
    }
    assert_string_equal(peer_name, "tap43bf8dcc-08");
    assert_int_equal(peer_fd, 4);

    /* Without namespaces: no IFLA_NET_NS_FD at either end. */
    nlh = nl_link_build_veth(buf, "a", -1, "b", -1);
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     0);
    assert_null(tb[IFLA_NET_NS_FD]);
    {
        /* Nor in the peer: no such attribute header anywhere. */
        struct nlattr ns_fd = {MNL_ATTR_HDRLEN + 4, IFLA_NET_NS_FD};

        assert_null(memmem(buf, nlh->nlmsg_len, &ns_fd, sizeof ns_fd));
    }
}

/* A kernel-like RTM_NEWLINK for link 'index' named 'name'. */
static struct nlmsghdr *
put_link(char *buf, int index, const char *name)
{
    struct nlmsghdr *nlh =
        msg_start(buf, RTM_NEWLINK, NLM_F_MULTI, 1, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    ifi->ifi_index = index;
    ifi->ifi_type = ARPHRD_ETHER;
    ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_LOWER_UP;
    if (name) {
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    }
    return nlh;
}

static void
test_parse_reply(void **state)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = put_link(buf, 7, "tap43bf8dcc-08");
    struct nlattr *nest;
    struct nl_link link;

    mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    mnl_attr_put(nlh, IFLA_BROADCAST, 6, "\xff\xff\xff\xff\xff\xff");
    mnl_attr_put_u32(nlh, IFLA_MASTER, 4);
    mnl_attr_put_u32(nlh, IFLA_LINK, 9);
    mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UNKNOWN);
    mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000); /* Not read. */
    nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    /* Kernels send the kind without its NUL. */
    mnl_attr_put(nlh, IFLA_INFO_KIND, strlen("openvswitch"), "openvswitch");
    mnl_attr_nest_end(nlh, nest);

    assert_int_equal(nl_link_parse(nlh, &link), 0);
    assert_int_equal(link.index, 7);
    assert_string_equal(link.name, "tap43bf8dcc-08");
    assert_string_equal(link.kind, "openvswitch");
    assert_int_equal(link.type, ARPHRD_ETHER);
    assert_true(link.flags & IFF_LOWER_UP);
    assert_true(link.has_mac);
    assert_memory_equal(link.mac, mac, 6);
    assert_int_equal(link.mtu, 1500);
    assert_int_equal(link.master, 4);
    assert_int_equal(link.link, 9);
    assert_int_equal(link.operstate, IF_OPER_UNKNOWN);

    /* Only what is there: no name, no kind, a 20-byte (InfiniBand)
     * address is not a MAC. */
    nlh = put_link(buf, 3, NULL);
    mnl_attr_put(nlh, IFLA_ADDRESS, 20, buf + 100);
    assert_int_equal(nl_link_parse(nlh, &link), 0);
    assert_string_equal(link.name, "");
    assert_string_equal(link.kind, "");
    assert_false(link.has_mac);
    assert_int_equal(link.mtu, 0);
    assert_int_equal(link.master, 0);
}

static void
test_parse_bad(void **state)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    struct nlattr *nest;
    struct nl_link link;

    nlh = put_link(buf, 7, "x");
    nlh->nlmsg_type = RTM_DELLINK;
    assert_int_equal(nl_link_parse(nlh, &link), 1);

    nlh = msg_start(buf, RTM_NEWLINK, 0, 1, 4); /* Short ifinfomsg. */
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    nlh = put_link(buf, 0, "x"); /* No index. */
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    nlh = put_link(buf, 7, "x");
    mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    nlh = put_link(buf, 7, "1234567890123456"); /* 16 > IFNAMSIZ - 1. */
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    nlh = put_link(buf, 7, NULL);
    mnl_attr_put(nlh, IFLA_IFNAME, 3, "abc"); /* No NUL. */
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    nlh = put_link(buf, 7, "x");
    nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND,
                      "a-kind-longer-than-thirty-two-bytes-surely");
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);

    /* A nest whose inner attribute overruns it. */
    nlh = put_link(buf, 7, "x");
    nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    mnl_attr_nest_end(nlh, nest);
    ((struct nlattr *) mnl_attr_get_payload(nest))->nla_len = 40;
    assert_int_equal(nl_link_parse(nlh, &link), -EBADMSG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_is_valid),
        cmocka_unit_test(test_change_round_trip),
        cmocka_unit_test(test_veth),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_parse_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
