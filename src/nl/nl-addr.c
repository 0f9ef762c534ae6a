#include "nl/nl-addr.h"

#include <errno.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl/nl-ip.h"

bool
nl_addr_is_permanent(const struct nl_addr *addr)
{
    return addr->flags & IFA_F_PERMANENT;
}

static const int addr_policy[IFA_MAX + 1] = {
    [IFA_ADDRESS] = MNL_TYPE_BINARY,
    [IFA_LOCAL] = MNL_TYPE_BINARY,
    [IFA_BROADCAST] = MNL_TYPE_BINARY,
    [IFA_FLAGS] = MNL_TYPE_U32,
};

int
nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *addr)
{
    const struct nlattr *tb[IFA_MAX + 1];
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *local;
    int version;

    if (nlh->nlmsg_type != RTM_NEWADDR) {
        return 1;
    }
    if (nl_sock_parse_attrs(nlh, sizeof *ifa, addr_policy, tb, IFA_MAX) < 0
        || ifa->ifa_index == 0) {
        return -EBADMSG;
    }
    version = nl_ip_family_version(ifa->ifa_family);
    /* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer's on a
     * point-to-point link and the same as IFA_LOCAL otherwise (IPv6 sends
     * only IFA_ADDRESS). */
    local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!version || !local || ifa->ifa_prefixlen > ip_bits(version)) {
        return -EBADMSG;
    }
    memset(addr, 0, sizeof *addr);
    addr->index = ifa->ifa_index;
    addr->scope = ifa->ifa_scope;
    addr->flags =
        tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
    addr->net.prefixlen = ifa->ifa_prefixlen;
    if (nl_ip_from_attr(local, version, &addr->net.addr) < 0) {
        return -EBADMSG;
    }
    if (tb[IFA_BROADCAST]) {
        if (nl_ip_from_attr(tb[IFA_BROADCAST], version, &addr->broadcast)
            < 0) {
            return -EBADMSG;
        }
        addr->has_broadcast = true;
    }
    return 0;
}

struct nlmsghdr *
nl_addr_build(void *buf, uint16_t type, uint16_t flags,
              const struct nl_addr *addr)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifaddrmsg *ifa;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = nl_ip_version_family(addr->net.addr.version);
    ifa->ifa_prefixlen = addr->net.prefixlen;
    ifa->ifa_scope = addr->scope;
    ifa->ifa_index = addr->index;
    nl_ip_put_attr(nlh, IFA_LOCAL, &addr->net.addr);
    nl_ip_put_attr(nlh, IFA_ADDRESS, &addr->net.addr);
    if (addr->has_broadcast) {
        nl_ip_put_attr(nlh, IFA_BROADCAST, &addr->broadcast);
    }
    if (addr->flags) {
        mnl_attr_put_u32(nlh, IFA_FLAGS, addr->flags);
    }
    return nlh;
}

struct addr_filter {
    int index;
    int family;
};

static int
parse_addr(const struct nlmsghdr *nlh, void *addr)
{
    return nl_addr_parse(nlh, addr);
}

static bool
addr_matches(const void *addr_, const void *filter_)
{
    const struct nl_addr *addr = addr_;
    const struct addr_filter *filter = filter_;

    return (!filter->index || addr->index == filter->index)
           && (filter->family == AF_UNSPEC
               || nl_ip_version_family(addr->net.addr.version)
                      == filter->family);
}

int
nl_addr_list(struct nl_sock *sock, int index, int family, struct nl_addr **ret,
             size_t *ret_n)
{
    struct addr_filter filter = {index, family};
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifaddrmsg *ifa;

    if (index < 0 || !nl_ip_family_ok(family)) {
        return -EINVAL;
    }
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    /* With strict checking the kernel filters on these itself; the filter
     * below also covers kernels that ignore them. */
    ifa->ifa_family = family;
    ifa->ifa_index = index;
    return nl_sock_dump(sock, nlh, parse_addr, sizeof **ret, addr_matches,
                        &filter, (void **) ret, ret_n);
}

static int
addr_request(struct nl_sock *sock, uint16_t type, uint16_t flags, int index,
             const struct ip_net *net)
{
    struct nl_addr addr = {.index = index, .net = *net};
    char buf[NL_MSG_SIZE];

    if (index <= 0 || (net->addr.version != 4 && net->addr.version != 6)
        || net->prefixlen < 0 || net->prefixlen > ip_bits(net->addr.version)) {
        return -EINVAL;
    }
    if (type == RTM_NEWADDR && net->addr.version == 4
        && net->prefixlen != 31) {
        addr.has_broadcast = true;
        addr.broadcast = ipnet_last(net);
    }
    return nl_sock_transact(sock, nl_addr_build(buf, type, flags, &addr), NULL,
                            NULL);
}

int
nl_addr_add(struct nl_sock *sock, int index, const struct ip_net *net)
{
    return addr_request(sock, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index,
                        net);
}

int
nl_addr_delete(struct nl_sock *sock, int index, const struct ip_net *net)
{
    return addr_request(sock, RTM_DELADDR, 0, index, net);
}
