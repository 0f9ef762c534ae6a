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
    if (mnl_attr_get_payload_len(attr) != ip_bits(version) / 8) {
        return -EBADMSG;
    }
    ip_from_bytes(version, mnl_attr_get_payload(attr), ret);
    return 0;
}

void
nl_ip_put_attr(struct nlmsghdr *nlh, uint16_t type, const struct ip_addr *addr)
{
    uint8_t bytes[16];
    size_t len = ip_to_bytes(addr, bytes);

    mnl_attr_put(nlh, type, len, bytes);
}
