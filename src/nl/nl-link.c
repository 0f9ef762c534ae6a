#include "nl/nl-link.h"

#include <errno.h>
#include <stdio.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

bool
nl_link_name_is_valid(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= IFNAMSIZ || streq(name, ".") || streq(name, "..")) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == ':' || *p == ' '
            || (*p >= '\t' && *p <= '\r')) {
            return false;
        }
    }
    return true;
}

static const int link_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = MNL_TYPE_NUL_STRING, [IFLA_ADDRESS] = MNL_TYPE_BINARY,
    [IFLA_MTU] = MNL_TYPE_U32,           [IFLA_MASTER] = MNL_TYPE_U32,
    [IFLA_LINK] = MNL_TYPE_U32,          [IFLA_OPERSTATE] = MNL_TYPE_U8,
    [IFLA_LINKINFO] = MNL_TYPE_NESTED,
};

static const int linkinfo_policy[IFLA_INFO_MAX + 1] = {
    [IFLA_INFO_KIND] = MNL_TYPE_STRING,
};

/* Copies a string attribute, which may lack its NUL, into 'buf'. */
static int
copy_str(const struct nlattr *attr, char *buf, size_t size)
{
    size_t len =
        strnlen(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));

    if (len >= size) {
        return -EBADMSG;
    }
    memcpy(buf, mnl_attr_get_payload(attr), len);
    buf[len] = '\0';
    return 0;
}

static int
parse_linkinfo(const struct nlattr *nest, struct nl_link *link)
{
    const struct nlattr *tb[IFLA_INFO_MAX + 1];
    int r;

    r = nl_sock_parse_nested(nest, linkinfo_policy, tb, IFLA_INFO_MAX);
    if (r < 0 || !tb[IFLA_INFO_KIND]) {
        return r;
    }
    return copy_str(tb[IFLA_INFO_KIND], link->kind, sizeof link->kind);
}

int
nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *link)
{
    const struct nlattr *tb[IFLA_MAX + 1];
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    int r;

    if (nlh->nlmsg_type != RTM_NEWLINK) {
        return 1;
    }
    r = nl_sock_parse_attrs(nlh, sizeof *ifi, link_policy, tb, IFLA_MAX);
    if (r < 0 || ifi->ifi_index <= 0) {
        return -EBADMSG;
    }
    memset(link, 0, sizeof *link);
    link->index = ifi->ifi_index;
    link->type = ifi->ifi_type;
    link->flags = ifi->ifi_flags;
    if (tb[IFLA_IFNAME]
        && copy_str(tb[IFLA_IFNAME], link->name, sizeof link->name) < 0) {
        return -EBADMSG;
    }
    if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
        link->has_mac = true;
        memcpy(link->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
    }
    link->mtu = tb[IFLA_MTU] ? mnl_attr_get_u32(tb[IFLA_MTU]) : 0;
    link->master =
        tb[IFLA_MASTER] ? (int) mnl_attr_get_u32(tb[IFLA_MASTER]) : 0;
    link->link = tb[IFLA_LINK] ? (int) mnl_attr_get_u32(tb[IFLA_LINK]) : 0;
    link->operstate =
        tb[IFLA_OPERSTATE] ? mnl_attr_get_u8(tb[IFLA_OPERSTATE]) : 0;
    if (tb[IFLA_LINKINFO]) {
        return parse_linkinfo(tb[IFLA_LINKINFO], link) < 0 ? -EBADMSG : 0;
    }
    return 0;
}

/* Starts a request about link 'index' (0: none). */
static struct nlmsghdr *
put_link_header(void *buf, uint16_t type, uint16_t flags, int index)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    return nlh;
}

struct nlmsghdr *
nl_link_build_change(void *buf, int index, const struct nl_link_change *change)
{
    struct nlmsghdr *nlh = put_link_header(buf, RTM_NEWLINK, 0, index);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    if (change->up >= 0) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = change->up ? IFF_UP : 0;
    }
    if (change->mac) {
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, change->mac);
    }
    if (change->mtu) {
        mnl_attr_put_u32(nlh, IFLA_MTU, change->mtu);
    }
    if (change->name) {
        core_assert(nl_link_name_is_valid(change->name));
        mnl_attr_put_strz(nlh, IFLA_IFNAME, change->name);
    }
    if (change->netns_fd >= 0) {
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, change->netns_fd);
    }
    return nlh;
}

struct nlmsghdr *
nl_link_build_veth(void *buf, const char *name, int netns_fd, const char *peer,
                   int peer_netns_fd)
{
    struct nlmsghdr *nlh =
        put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    struct nlattr *linkinfo, *data, *peer_nest;

    core_assert(nl_link_name_is_valid(name) && nl_link_name_is_valid(peer));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    if (netns_fd >= 0) {
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, netns_fd);
    }
    linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    /* The peer is described like a link of its own: an ifinfomsg, then
     * its attributes. */
    peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    if (peer_netns_fd >= 0) {
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_netns_fd);
    }
    mnl_attr_nest_end(nlh, peer_nest);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nlh;
}

static int
get_one(const struct nlmsghdr *nlh, void *link_)
{
    int r = nl_link_parse(nlh, link_);

    return r > 0 ? -EBADMSG : r;
}

static int
get_link(struct nl_sock *sock, int index, const char *name,
         struct nl_link *ret)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = put_link_header(buf, RTM_GETLINK, 0, index);
    struct nl_link link = {.index = 0};
    int r;

    if (name) {
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    }
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    r = nl_sock_transact(sock, nlh, get_one, &link);
    if (r < 0) {
        return r;
    }
    if (!link.index) {
        return -EBADMSG; /* Acked without an answer. */
    }
    *ret = link;
    return 0;
}

int
nl_link_get_by_name(struct nl_sock *sock, const char *name,
                    struct nl_link *ret)
{
    if (!nl_link_name_is_valid(name)) {
        return -EINVAL;
    }
    return get_link(sock, 0, name, ret);
}

int
nl_link_get_by_index(struct nl_sock *sock, int index, struct nl_link *ret)
{
    if (index <= 0) {
        return -EINVAL;
    }
    return get_link(sock, index, NULL, ret);
}

static int
parse_link(const struct nlmsghdr *nlh, void *link)
{
    return nl_link_parse(nlh, link);
}

int
nl_link_list(struct nl_sock *sock, struct nl_link **ret, size_t *ret_n)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = put_link_header(buf, RTM_GETLINK, NLM_F_DUMP, 0);

    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    return nl_sock_dump(sock, nlh, parse_link, sizeof **ret, NULL, NULL,
                        (void **) ret, ret_n);
}

int
nl_link_change(struct nl_sock *sock, int index,
               const struct nl_link_change *change)
{
    char buf[NL_MSG_SIZE];

    if (index <= 0 || (change->name && !nl_link_name_is_valid(change->name))) {
        return -EINVAL;
    }
    return nl_sock_transact(sock, nl_link_build_change(buf, index, change),
                            NULL, NULL);
}

int
nl_link_set_up(struct nl_sock *sock, int index, bool up)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;

    change.up = up;
    return nl_link_change(sock, index, &change);
}

int
nl_link_set_mac(struct nl_sock *sock, int index, const uint8_t mac[6])
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;

    change.mac = mac;
    return nl_link_change(sock, index, &change);
}

int
nl_link_set_mtu(struct nl_sock *sock, int index, uint32_t mtu)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;

    if (!mtu) {
        return -EINVAL;
    }
    change.mtu = mtu;
    return nl_link_change(sock, index, &change);
}

int
nl_link_set_name(struct nl_sock *sock, int index, const char *name)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;

    change.name = name;
    return nl_link_change(sock, index, &change);
}

int
nl_link_set_netns(struct nl_sock *sock, int index, int netns_fd)
{
    struct nl_link_change change = NL_LINK_CHANGE_INIT;

    if (netns_fd < 0) {
        return -EBADF;
    }
    change.netns_fd = netns_fd;
    return nl_link_change(sock, index, &change);
}

int
nl_link_add_veth(struct nl_sock *sock, const char *name, int netns_fd,
                 const char *peer, int peer_netns_fd)
{
    char buf[NL_MSG_SIZE];

    if (!nl_link_name_is_valid(name) || !nl_link_name_is_valid(peer)) {
        return -EINVAL;
    }
    return nl_sock_transact(
        sock, nl_link_build_veth(buf, name, netns_fd, peer, peer_netns_fd),
        NULL, NULL);
}

int
nl_link_delete(struct nl_sock *sock, int index)
{
    char buf[NL_MSG_SIZE];

    if (index <= 0) {
        return -EINVAL;
    }
    return nl_sock_transact(sock, put_link_header(buf, RTM_DELLINK, 0, index),
                            NULL, NULL);
}
