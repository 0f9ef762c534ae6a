#include "nl/nl-ip.h"

#include <errno.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

int
nl_ip_family_version(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 6 : 0;
}

int
nl_ip_version_family(int version)
{
    core_assert(version == 4 || version == 6);
    return version == 4 ? AF_INET : AF_INET6;
}

bool
nl_ip_family_ok(int family)
{
    return family == AF_UNSPEC || family == AF_INET || family == AF_INET6;
}

int
nl_ip_from_attr(const struct nlattr *attr, int version, struct ip_addr *ret)
{
    const uint8_t *bytes = mnl_attr_get_payload(attr);
    size_t len = ip_bits(version) / 8;
    ip_u128 v = 0;

    if (mnl_attr_get_payload_len(attr) != len) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < len; i++) {
        v = (v << 8) | bytes[i];
    }
    ret->version = version;
    ret->v = v;
    return 0;
}

void
nl_ip_put_attr(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *addr)
{
    size_t len = ip_bits(addr->version) / 8;
    uint8_t bytes[16];

    for (size_t i = 0; i < len; i++) {
        bytes[i] = addr->v >> (8 * (len - 1 - i));
    }
    mnl_attr_put(nlh, type, len, bytes);
}
