/* A synchronous rtnetlink (NETLINK_ROUTE) socket over libmnl, and the
 * parser of the kernel's replies.
 *
 * One request at a time: nl_sock_transact() sends a request and reads
 * until the kernel has answered it completely (an ack, an error, or the end
 * of a dump), handing each data message to a callback.  A socket opened
 * inside a namespace (nl_sock_open_netns()) acts there for its whole life,
 * whatever namespace the calling thread is in.  Not thread-safe: one owner.
 *
 * Errors are negative errno values; when the kernel explained one (an
 * extended ack), nl_sock_error() has its text until the next transaction.
 *
 * The reply parser (struct nl_sock_reply) is pure and takes any bytes: it
 * is what the unit tests and the fuzzer drive without a socket. */
#ifndef NL_NL_SOCK_H
#define NL_NL_SOCK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "core/util.h"

struct nl_sock;

/* Size of a request buffer: every request this library builds fits. */
#define NL_MSG_SIZE 1024
/* Longest extended-ack message kept, with NUL. */
#define NL_ERRMSG_SIZE 256

/* Called for each data message of a reply.  Returns 0, or a negative
 * errno that becomes the transaction's result (the rest of the reply is
 * still read, and passed to the callback). */
typedef int nl_msg_cb(const struct nlmsghdr *, void *aux);

/* Opens a socket in the calling thread's network namespace. */
int nl_sock_open(struct nl_sock **ret) WARN_UNUSED;

/* Opens a socket in the namespace 'netns_fd' (the caller keeps the fd). */
int nl_sock_open_netns(int netns_fd, struct nl_sock **ret) WARN_UNUSED;

/* Opens a socket in the named namespace (see netns.h). */
int nl_sock_open_named(const char *netns_name,
                       struct nl_sock **ret) WARN_UNUSED;

/* Closes 'sock'; NULL is allowed. */
void nl_sock_close(struct nl_sock *sock);

/* Sends 'req' (built in a buffer of NL_MSG_SIZE bytes; its sequence
 * number and, unless it is a dump, NLM_F_ACK are set here) and processes
 * the whole reply, calling 'cb' (may be NULL) for each data message.
 * Returns 0 or a negative errno: the kernel's, the callback's, -EBADMSG
 * for a malformed reply, or -EINTR for a dump that a concurrent change
 * interrupted (NLM_F_DUMP_INTR: what 'cb' saw may be inconsistent). */
int nl_sock_transact(struct nl_sock *sock, struct nlmsghdr *req, nl_msg_cb *cb,
                     void *aux) WARN_UNUSED;

/* Parses one data message into the object at 'elem'.  Returns 0, 1 to
 * skip the message (not the kind asked for), or a negative errno. */
typedef int nl_sock_parse_fn(const struct nlmsghdr *, void *elem);
/* Returns true to keep the parsed object 'elem'. */
typedef bool nl_sock_filter_fn(const void *elem, const void *aux);

/* Runs the dump request 'req' and collects every reply message that
 * 'parse' turns into an object of 'elem_size' bytes and 'filter' (may be
 * NULL) keeps, into a malloc'd array '*ret' of '*ret_n' objects (free()
 * it; it may be NULL when empty).  An interrupted dump is run again, a
 * few times at most.  Returns 0 or a negative errno; on failure '*ret'
 * and '*ret_n' are untouched. */
int nl_sock_dump(struct nl_sock *sock, struct nlmsghdr *req,
                 nl_sock_parse_fn *parse, size_t elem_size,
                 nl_sock_filter_fn *filter, const void *filter_aux, void **ret,
                 size_t *ret_n) WARN_UNUSED;

/* The kernel's extended-ack message for the last failed transaction, or
 * "" when there was none. */
const char *nl_sock_error(const struct nl_sock *sock);

/* Fills 'tb[0..max]' (zeroed first) with the attributes that follow the
 * 'offset' bytes of fixed header in the payload of 'nlh' (or, for
 * nl_sock_parse_nested(), inside 'nest'); the last one of each type wins,
 * types above 'max' are skipped.  'policy' (max + 1 entries) gives the
 * libmnl type each attribute must have, MNL_TYPE_UNSPEC for any.
 * Returns 0, or -EBADMSG if an attribute breaks its policy or the
 * attributes do not fill the payload exactly. */
int nl_sock_parse_attrs(const struct nlmsghdr *nlh, size_t offset,
                        const int *policy, const struct nlattr **tb,
                        uint16_t max) WARN_UNUSED;
int nl_sock_parse_nested(const struct nlattr *nest, const int *policy,
                         const struct nlattr **tb, uint16_t max) WARN_UNUSED;

/* The state of reading one reply. */
struct nl_sock_reply {
    uint32_t seq;     /* Messages with another sequence are skipped. */
    nl_msg_cb *cb;    /* For data messages; may be NULL. */
    void *aux;        /* For 'cb'. */
    int error;        /* First error seen, 0 if none. */
    bool interrupted; /* NLM_F_DUMP_INTR was seen. */
    bool done;        /* The final message was seen. */
    char errmsg[NL_ERRMSG_SIZE]; /* Extended-ack text, "" if none. */
};

void nl_sock_reply_init(struct nl_sock_reply *, uint32_t seq, nl_msg_cb *cb,
                        void *aux);

/* Processes 'len' bytes of one received datagram.  Returns 1 if the reply
 * goes on in another datagram, 0 when it is complete and successful, or a
 * negative errno: the reply's error (-EINTR for an interrupted dump), or
 * -EBADMSG if 'buf' is not a sequence of well-formed messages.  After a
 * non-positive return the reply is finished. */
int nl_sock_reply_feed(struct nl_sock_reply *, const void *buf, size_t len);

#endif /* nl/nl-sock.h */
