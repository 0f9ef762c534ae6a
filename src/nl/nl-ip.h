/* Addresses in netlink attributes: struct ip_addr (core/ip.h) to and from
 * the kernel's network-order bytes, and address families to and from IP
 * versions.  Shared by nl-addr and nl-route; pure. */
#ifndef NL_NL_IP_H
#define NL_NL_IP_H 1

#include <stdbool.h>

#include <linux/netlink.h>

#include "core/ip.h"
#include "core/util.h"

/* 4 for AF_INET, 6 for AF_INET6, 0 for anything else. */
int nl_ip_family_version(int family);
/* AF_INET for 4, AF_INET6 for 6. */
int nl_ip_version_family(int version);
/* True for AF_UNSPEC, AF_INET and AF_INET6. */
bool nl_ip_family_ok(int family);

/* Reads an address of 'version' from 'attr', whose payload must be exactly
 * 4 or 16 bytes.  Returns 0 or -EBADMSG. */
int nl_ip_from_attr(const struct nlattr *attr, int version,
                    struct ip_addr *ret) WARN_UNUSED;

/* Appends 'addr' to 'nlh' as attribute 'type'. */
void nl_ip_put_attr(struct nlmsghdr *nlh, uint16_t type,
                    const struct ip_addr *addr);

#endif /* nl/nl-ip.h */
