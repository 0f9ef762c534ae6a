#include "nl/nl-route.h"

#include <errno.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "nl/nl-ip.h"

void
nl_route_init(struct nl_route *route, const struct ip_net *dst,
              const struct ip_addr *gateway, int oif)
{
    memset(route, 0, sizeof *route);
    route->dst = ipnet_network(dst);
    if (gateway) {
        route->has_gateway = true;
        route->gateway = *gateway;
    }
    route->oif = oif;
    route->table = RT_TABLE_MAIN;
    route->priority = dst->addr.version == 6 ? 1024 : 0;
    route->protocol = RTPROT_STATIC;
    /* IPv6 has no route scopes: the kernel reports every one as
     * universe. */
    route->scope =
        gateway || dst->addr.version == 6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    route->type = RTN_UNICAST;
}

static bool
opt_ip_equal(bool has_a, const struct ip_addr *a, bool has_b,
             const struct ip_addr *b)
{
    return has_a == has_b && (!has_a || ip_equal(a, b));
}

bool
nl_route_equal(const struct nl_route *a, const struct nl_route *b)
{
    return ip_equal(&a->dst.addr, &b->dst.addr)
           && a->dst.prefixlen == b->dst.prefixlen
           && opt_ip_equal(a->has_gateway, &a->gateway, b->has_gateway,
                           &b->gateway)
           && opt_ip_equal(a->has_prefsrc, &a->prefsrc, b->has_prefsrc,
                           &b->prefsrc)
           && a->oif == b->oif && a->table == b->table
           && a->priority == b->priority && a->protocol == b->protocol
           && a->scope == b->scope && a->type == b->type;
}

static const int route_policy[RTA_MAX + 1] = {
    [RTA_DST] = MNL_TYPE_BINARY,     [RTA_GATEWAY] = MNL_TYPE_BINARY,
    [RTA_PREFSRC] = MNL_TYPE_BINARY, [RTA_OIF] = MNL_TYPE_U32,
    [RTA_PRIORITY] = MNL_TYPE_U32,   [RTA_TABLE] = MNL_TYPE_U32,
};

/* Reads the optional address attribute 'attr'. */
static int
opt_ip(const struct nlattr *attr, int version, bool *has, struct ip_addr *addr)
{
    *has = attr != NULL;
    return attr ? nl_ip_from_attr(attr, version, addr) : 0;
}

int
nl_route_parse(const struct nlmsghdr *nlh, struct nl_route *route)
{
    const struct nlattr *tb[RTA_MAX + 1];
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    int version;

    if (nlh->nlmsg_type != RTM_NEWROUTE) {
        return 1;
    }
    if (nl_sock_parse_attrs(nlh, sizeof *rtm, route_policy, tb, RTA_MAX) < 0) {
        return -EBADMSG;
    }
    version = nl_ip_family_version(rtm->rtm_family);
    if (!version || tb[RTA_MULTIPATH] || tb[RTA_NH_ID]) {
        /* Multicast (RTNL_FAMILY_IPMR) and the like, several next hops,
         * or a nexthop object: not ours to manage. */
        return 1;
    }
    if (rtm->rtm_dst_len > ip_bits(version)) {
        return -EBADMSG;
    }
    memset(route, 0, sizeof *route);
    route->dst.addr.version = version;
    route->dst.prefixlen = rtm->rtm_dst_len;
    if ((tb[RTA_DST]
         && nl_ip_from_attr(tb[RTA_DST], version, &route->dst.addr) < 0)
        || opt_ip(tb[RTA_GATEWAY], version, &route->has_gateway,
                  &route->gateway)
               < 0
        || opt_ip(tb[RTA_PREFSRC], version, &route->has_prefsrc,
                  &route->prefsrc)
               < 0) {
        return -EBADMSG;
    }
    route->oif = tb[RTA_OIF] ? (int) mnl_attr_get_u32(tb[RTA_OIF]) : 0;
    route->table =
        tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
    route->priority =
        tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
    /* The kernel never sends host bits; the canonical form compares. */
    route->dst = ipnet_network(&route->dst);
    route->protocol = rtm->rtm_protocol;
    route->scope = rtm->rtm_scope;
    route->type = rtm->rtm_type;
    return 0;
}

struct nlmsghdr *
nl_route_build(void *buf, uint16_t type, uint16_t flags,
               const struct nl_route *route)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rtm;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = nl_ip_version_family(route->dst.addr.version);
    rtm->rtm_dst_len = route->dst.prefixlen;
    rtm->rtm_protocol = route->protocol;
    rtm->rtm_scope = route->scope;
    rtm->rtm_type = route->type;
    /* Tables above 255 only fit the attribute. */
    rtm->rtm_table = route->table < 256 ? route->table : RT_TABLE_UNSPEC;
    mnl_attr_put_u32(nlh, RTA_TABLE, route->table);
    if (route->dst.prefixlen) {
        nl_ip_put_attr(nlh, RTA_DST, &route->dst.addr);
    }
    if (route->has_gateway) {
        nl_ip_put_attr(nlh, RTA_GATEWAY, &route->gateway);
    }
    if (route->has_prefsrc) {
        nl_ip_put_attr(nlh, RTA_PREFSRC, &route->prefsrc);
    }
    if (route->oif) {
        mnl_attr_put_u32(nlh, RTA_OIF, route->oif);
    }
    mnl_attr_put_u32(nlh, RTA_PRIORITY, route->priority);
    return nlh;
}

static int
parse_route(const struct nlmsghdr *nlh, void *route)
{
    return nl_route_parse(nlh, route);
}

static bool
route_matches(const void *route_, const void *family_)
{
    const struct nl_route *route = route_;
    int family = *(const int *) family_;

    return family == AF_UNSPEC
           || nl_ip_version_family(route->dst.addr.version) == family;
}

int
nl_route_list(struct nl_sock *sock, int family, struct nl_route **ret,
              size_t *ret_n)
{
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rtm;

    if (!nl_ip_family_ok(family)) {
        return -EINVAL;
    }
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = family;
    return nl_sock_dump(sock, nlh, parse_route, sizeof **ret, route_matches,
                        &family, (void **) ret, ret_n);
}

static bool
route_is_valid(const struct nl_route *route)
{
    int version = route->dst.addr.version;

    return (version == 4 || version == 6) && route->dst.prefixlen >= 0
           && route->dst.prefixlen <= ip_bits(version)
           && (!route->has_gateway || route->gateway.version == version)
           && (!route->has_prefsrc || route->prefsrc.version == version)
           && route->oif >= 0;
}

static int
route_request(struct nl_sock *sock, uint16_t type, uint16_t flags,
              const struct nl_route *route)
{
    char buf[NL_MSG_SIZE];

    if (!route_is_valid(route)) {
        return -EINVAL;
    }
    return nl_sock_transact(sock, nl_route_build(buf, type, flags, route),
                            NULL, NULL);
}

int
nl_route_add(struct nl_sock *sock, const struct nl_route *route)
{
    return route_request(sock, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);
}

int
nl_route_replace(struct nl_sock *sock, const struct nl_route *route)
{
    return route_request(sock, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
                         route);
}

int
nl_route_delete(struct nl_sock *sock, const struct nl_route *route)
{
    return route_request(sock, RTM_DELROUTE, 0, route);
}
