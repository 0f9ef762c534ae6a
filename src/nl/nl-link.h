/* Network interfaces (links) over rtnetlink: read them, change their
 * state, MAC, MTU, name and namespace, create veth pairs, delete them.
 *
 * Every call is one synchronous transaction on an nl_sock, acting in that
 * socket's namespace.  Returns 0 or a negative errno (the kernel's text, if
 * any, in nl_sock_error()): -ENODEV for a missing link, -EEXIST for a name
 * in use, -EINVAL for a name that is not a valid interface name.  The
 * build/parse functions are pure, for tests and the fuzzer.
 *
 * Include this header before any <linux/...> one: it brings <net/if.h>
 * and <linux/if.h> in the only order in which they get along. */
#ifndef NL_NL_LINK_H
#define NL_NL_LINK_H 1

/* <net/if.h> first: then <linux/if.h> adds only what glibc lacks
 * (IFF_LOWER_UP, IF_OPER_*). */
#include <net/if.h>
#include <linux/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "nl/nl-sock.h"

/* IFLA_INFO_KIND values are short ("veth", "openvswitch", "tun"). */
#define NL_LINK_KIND_SIZE 32

struct nl_link {
    int index;                    /* ifindex, > 0. */
    char name[IFNAMSIZ];          /* "" if the kernel sent none. */
    char kind[NL_LINK_KIND_SIZE]; /* IFLA_INFO_KIND, "" if none. */
    uint16_t type;                /* ARPHRD_*. */
    unsigned int flags;           /* IFF_*: IFF_UP, IFF_LOWER_UP, ... */
    bool has_mac;                 /* Has a 6-byte hardware address. */
    uint8_t mac[6];               /* If 'has_mac'. */
    uint32_t mtu;                 /* 0 if the kernel sent none. */
    int master;                   /* ifindex of the master, 0 if none. */
    int link;                     /* IFLA_LINK (a veth's peer), 0 if none. */
    uint8_t operstate;            /* IF_OPER_*. */
};

/* A change to a link; a field left at its NL_LINK_CHANGE_INIT value is
 * not changed. */
struct nl_link_change {
    int up;             /* 1: set up, 0: set down, -1: leave. */
    const uint8_t *mac; /* 6 bytes, or NULL. */
    uint32_t mtu;       /* 0: leave. */
    const char *name;   /* New name, or NULL. */
    int netns_fd;       /* Move into this namespace; -1: leave. */
};
#define NL_LINK_CHANGE_INIT                                                   \
    {                                                                         \
        .up = -1, .mac = NULL, .mtu = 0, .name = NULL, .netns_fd = -1         \
    }

/* True if 'name' is a valid interface name: 1..IFNAMSIZ-1 bytes, no '/',
 * ':' or white space, not "." or "..". */
bool nl_link_name_is_valid(const char *name);

/* Reads links. */
int nl_link_get_by_name(struct nl_sock *, const char *name,
                        struct nl_link *ret) WARN_UNUSED;
int nl_link_get_by_index(struct nl_sock *, int index,
                         struct nl_link *ret) WARN_UNUSED;
/* All links, in the kernel's order, as a malloc'd array (free()). */
int nl_link_list(struct nl_sock *, struct nl_link **ret,
                 size_t *ret_n) WARN_UNUSED;

/* Applies 'change' to link 'index' in one request: the kernel applies all
 * of it or (for most failures) none of it. */
int nl_link_change(struct nl_sock *, int index,
                   const struct nl_link_change *change) WARN_UNUSED;
int nl_link_set_up(struct nl_sock *, int index, bool up) WARN_UNUSED;
int nl_link_set_mac(struct nl_sock *, int index,
                    const uint8_t mac[6]) WARN_UNUSED;
int nl_link_set_mtu(struct nl_sock *, int index, uint32_t mtu) WARN_UNUSED;
int nl_link_set_name(struct nl_sock *, int index,
                     const char *name) WARN_UNUSED;
/* Moves link 'index' into namespace 'netns_fd'; it keeps its name there
 * (-EEXIST if taken) and usually gets a new ifindex. */
int nl_link_set_netns(struct nl_sock *, int index, int netns_fd) WARN_UNUSED;

/* Creates a veth pair: 'name' in namespace 'netns_fd' and 'peer' in
 * 'peer_netns_fd' (-1: the socket's namespace), both down.  Each end is
 * created directly in its namespace under its final name, so no name is
 * ever taken in another namespace. */
int nl_link_add_veth(struct nl_sock *, const char *name, int netns_fd,
                     const char *peer, int peer_netns_fd) WARN_UNUSED;

/* Deletes link 'index' (a veth's peer goes with it). */
int nl_link_delete(struct nl_sock *, int index) WARN_UNUSED;

/* Parses an RTM_NEWLINK message.  Returns 0, 1 if 'nlh' is not
 * RTM_NEWLINK, or -EBADMSG (then '*ret' is unspecified). */
int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *ret) WARN_UNUSED;

/* Build requests into 'buf' (NL_MSG_SIZE bytes) and return its header;
 * names must be valid (see nl_link_name_is_valid()). */
struct nlmsghdr *nl_link_build_change(void *buf, int index,
                                      const struct nl_link_change *);
struct nlmsghdr *nl_link_build_veth(void *buf, const char *name, int netns_fd,
                                    const char *peer, int peer_netns_fd);

#endif /* nl/nl-link.h */
