/* IPv4 and IPv6 addresses of links over rtnetlink: list, add, delete.
 *
 * Every call is one synchronous transaction on an nl_sock, in that
 * socket's namespace.  Returns 0 or a negative errno (the kernel's text,
 * if any, in nl_sock_error()): -EEXIST when adding an address the link
 * has, -EADDRNOTAVAIL when deleting one it has not.  The build/parse
 * functions are pure, for tests and the fuzzer. */
#ifndef NL_NL_ADDR_H
#define NL_NL_ADDR_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ip.h"
#include "core/util.h"
#include "nl/nl-sock.h"

struct nl_addr {
    int index;                /* ifindex of the link. */
    struct ip_net net;        /* Local address and prefix length. */
    uint8_t scope;            /* RT_SCOPE_*: UNIVERSE ("global"), LINK. */
    uint32_t flags;           /* IFA_F_*: PERMANENT, TENTATIVE, ... */
    bool has_broadcast;       /* IPv4 only. */
    struct ip_addr broadcast; /* If 'has_broadcast'. */
};

/* True if 'addr' was configured statically (IFA_F_PERMANENT), not by
 * SLAAC, DHCP or another source with a lifetime. */
bool nl_addr_is_permanent(const struct nl_addr *addr);

/* The addresses of link 'index' (0: every link) of 'family' (AF_INET,
 * AF_INET6, or AF_UNSPEC for both) as a malloc'd array (free()). */
int nl_addr_list(struct nl_sock *, int index, int family, struct nl_addr **ret,
                 size_t *ret_n) WARN_UNUSED;

/* Adds 'net' (the address with its prefix length) to link 'index' with
 * scope global; an IPv4 address gets the prefix's broadcast address (as
 * Neutron sets it), except on a /31. */
int nl_addr_add(struct nl_sock *, int index,
                const struct ip_net *net) WARN_UNUSED;

/* Deletes 'net' from link 'index'. */
int nl_addr_delete(struct nl_sock *, int index,
                   const struct ip_net *net) WARN_UNUSED;

/* Parses an RTM_NEWADDR message.  Returns 0, 1 if 'nlh' is not
 * RTM_NEWADDR, or -EBADMSG. */
int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr *ret) WARN_UNUSED;

/* Builds an RTM_NEWADDR or RTM_DELADDR request (with 'flags' besides
 * NLM_F_REQUEST) for 'addr' into 'buf' (NL_MSG_SIZE bytes). */
struct nlmsghdr *nl_addr_build(void *buf, uint16_t type, uint16_t flags,
                               const struct nl_addr *addr);

#endif /* nl/nl-addr.h */
