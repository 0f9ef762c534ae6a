/* Helpers for the unit tests of src/nl: hand-built netlink messages, as
 * the kernel would send them, in caller-owned buffers. */
#ifndef TESTS_UNIT_NL_HELPERS_H
#define TESTS_UNIT_NL_HELPERS_H 1

#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>

/* Starts a message of 'type' with 'seq' and a zeroed fixed header of
 * 'hdrlen' bytes in 'buf' (NL_MSG_SIZE bytes, zeroed here). */
static inline struct nlmsghdr *
msg_start(void *buf, uint16_t type, uint16_t flags, uint32_t seq,
          size_t hdrlen)
{
    struct nlmsghdr *nlh;

    memset(buf, 0, NL_MSG_SIZE);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    if (hdrlen) {
        mnl_nlmsg_put_extra_header(nlh, hdrlen);
    }
    return nlh;
}

#endif /* tests/unit/nl-helpers.h */
