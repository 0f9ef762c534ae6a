#include "nl/nl-sock.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "nl/netns.h"

/* Receive buffer: the kernel sizes dump datagrams to what the reader
 * offers, up to 32 KiB, and never splits a message. */
#define NL_RECV_SIZE 32768

/* How often an interrupted dump is tried again. */
#define NL_DUMP_TRIES 5

struct nl_sock {
    struct mnl_socket *mnl;
    uint32_t seq;                /* Last sequence number used. */
    char errmsg[NL_ERRMSG_SIZE]; /* See nl_sock_error(). */
    char buf[NL_RECV_SIZE];
};

/* Attribute parsing: libmnl walks the attributes, we keep a table. */
struct attr_table {
    const int *policy;
    const struct nlattr **tb;
    uint16_t max;
};

static int
attr_table_put(const struct nlattr *attr, void *table_)
{
    struct attr_table *table = table_;
    uint16_t type = mnl_attr_get_type(attr);

    if (type > table->max) {
        return MNL_CB_OK;
    }
    if (table->policy[type] != MNL_TYPE_UNSPEC
        && mnl_attr_validate(attr, table->policy[type]) < 0) {
        return MNL_CB_ERROR;
    }
    table->tb[type] = attr;
    return MNL_CB_OK;
}

/* Checks that the attributes between 'start' and 'end' are laid out
 * back to back up to 'end' (libmnl stops quietly at a broken one). */
static bool
attrs_fill(const char *start, const char *end)
{
    const struct nlattr *attr = (const struct nlattr *) start;
    int left = end - start;

    while (mnl_attr_ok(attr, left)) {
        left -= MNL_ALIGN(attr->nla_len);
        attr = (const struct nlattr *) ((const char *) attr
                                        + MNL_ALIGN(attr->nla_len));
    }
    return left <= 0;
}

int
nl_sock_parse_attrs(const struct nlmsghdr *nlh, size_t offset,
                    const int *policy, const struct nlattr **tb, uint16_t max)
{
    struct attr_table table = {policy, tb, max};
    const char *start;

    memset(tb, 0, (max + 1) * sizeof *tb);
    if (offset > mnl_nlmsg_get_payload_len(nlh)) {
        return -EBADMSG;
    }
    start = mnl_nlmsg_get_payload_offset(nlh, offset);
    if (!attrs_fill(start, mnl_nlmsg_get_payload_tail(nlh))
        || mnl_attr_parse(nlh, offset, attr_table_put, &table) < 0) {
        return -EBADMSG;
    }
    return 0;
}

int
nl_sock_parse_nested(const struct nlattr *nest, const int *policy,
                     const struct nlattr **tb, uint16_t max)
{
    struct attr_table table = {policy, tb, max};
    const char *start = mnl_attr_get_payload(nest);

    memset(tb, 0, (max + 1) * sizeof *tb);
    if (!attrs_fill(start, start + mnl_attr_get_payload_len(nest))
        || mnl_attr_parse_nested(nest, attr_table_put, &table) < 0) {
        return -EBADMSG;
    }
    return 0;
}

void
nl_sock_reply_init(struct nl_sock_reply *reply, uint32_t seq, nl_msg_cb *cb,
                   void *aux)
{
    memset(reply, 0, sizeof *reply);
    reply->seq = seq;
    reply->cb = cb;
    reply->aux = aux;
}

static void
reply_set_error(struct nl_sock_reply *reply, int error)
{
    if (!reply->error) {
        reply->error = error;
    }
}

static int
find_errmsg(const struct nlattr *attr, void *reply_)
{
    struct nl_sock_reply *reply = reply_;

    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG
        && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
        snprintf(reply->errmsg, sizeof reply->errmsg, "%s",
                 mnl_attr_get_str(attr));
    }
    return MNL_CB_OK;
}

/* Reads the extended-ack attributes that start 'offset' bytes into the
 * payload of 'nlh', if there are any. */
static void
parse_ack_tlvs(struct nl_sock_reply *reply, const struct nlmsghdr *nlh,
               size_t offset)
{
    if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS)
        && offset <= mnl_nlmsg_get_payload_len(nlh)) {
        (void) mnl_attr_parse(nlh, offset, find_errmsg, reply);
    }
}

/* NLMSG_ERROR: an ack (error 0) or a failure, after which the original
 * request's header (NLM_F_CAPPED) or whole request, then the TLVs. */
static int
handle_error(struct nl_sock_reply *reply, const struct nlmsghdr *nlh)
{
    const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
    size_t offset = sizeof *err;

    if (mnl_nlmsg_get_payload_len(nlh) < sizeof *err) {
        return -EBADMSG;
    }
    if (err->error > 0 || err->error < -4095) {
        return -EBADMSG;
    }
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
        if (err->msg.nlmsg_len < sizeof err->msg) {
            return -EBADMSG;
        }
        offset += MNL_ALIGN(err->msg.nlmsg_len - sizeof err->msg);
    }
    if (err->error) {
        parse_ack_tlvs(reply, nlh, offset);
        reply_set_error(reply, err->error);
    }
    return 0;
}

/* NLMSG_DONE: the end of a dump; it may carry the dump's error. */
static int
handle_done(struct nl_sock_reply *reply, const struct nlmsghdr *nlh)
{
    int error;

    if (mnl_nlmsg_get_payload_len(nlh) < sizeof error) {
        /* Old kernels send an empty NLMSG_DONE. */
        return 0;
    }
    memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof error);
    if (error > 0 || error < -4095) {
        return -EBADMSG;
    }
    if (error) {
        parse_ack_tlvs(reply, nlh, sizeof error);
        reply_set_error(reply, error);
    }
    return 0;
}

static int
handle_msg(struct nl_sock_reply *reply, const struct nlmsghdr *nlh)
{
    int r = 0;

    if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
        reply->interrupted = true;
    }
    switch (nlh->nlmsg_type) {
    case NLMSG_NOOP:
        break;
    case NLMSG_ERROR:
        reply->done = true;
        r = handle_error(reply, nlh);
        break;
    case NLMSG_DONE:
        reply->done = true;
        r = handle_done(reply, nlh);
        break;
    case NLMSG_OVERRUN:
        reply->done = true;
        reply_set_error(reply, -ENOBUFS);
        break;
    default:
        if (nlh->nlmsg_type < NLMSG_MIN_TYPE) {
            return -EBADMSG;
        }
        if (reply->cb) {
            r = reply->cb(nlh, reply->aux);
            if (r < 0) {
                reply_set_error(reply, r);
            }
        }
        return 0;
    }
    return r;
}

/* Returns the aligned length of the message at 'nlh', which has 'left'
 * bytes after it, or 0 if it does not fit.  (Not libmnl's mnl_nlmsg_ok(),
 * which takes a length of 2 GiB or more for a negative one.) */
static size_t
msg_size(const struct nlmsghdr *nlh, size_t left)
{
    if (left < sizeof *nlh || nlh->nlmsg_len < sizeof *nlh
        || nlh->nlmsg_len > left || MNL_ALIGN(nlh->nlmsg_len) > left) {
        /* The parsers read up to the aligned end. */
        return 0;
    }
    return MNL_ALIGN(nlh->nlmsg_len);
}

int
nl_sock_reply_feed(struct nl_sock_reply *reply, const void *buf, size_t len)
{
    const char *p = buf, *end = p + len;

    if (len > NL_RECV_SIZE) {
        reply->done = true;
        return -EBADMSG;
    }
    while (p < end && !reply->done) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *) p;
        size_t size = msg_size(nlh, end - p);
        int r;

        if (!size) {
            reply->done = true;
            return -EBADMSG;
        }
        p += size;
        if (nlh->nlmsg_seq != reply->seq) {
            continue; /* A late answer to an earlier request. */
        }
        r = handle_msg(reply, nlh);
        if (r < 0) {
            reply->done = true;
            return r;
        }
    }
    if (!reply->done) {
        return 1;
    }
    if (reply->error) {
        return reply->error;
    }
    return reply->interrupted ? -EINTR : 0;
}

static int
sock_setup(struct nl_sock *sock)
{
    static const int options[] = {NETLINK_EXT_ACK, NETLINK_CAP_ACK,
                                  NETLINK_GET_STRICT_CHK};
    int one = 1;

    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (mnl_socket_setsockopt(sock->mnl, options[i], &one, sizeof one)
            < 0) {
            return -errno;
        }
    }
    if (mnl_socket_bind(sock->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
        return -errno;
    }
    return 0;
}

/* Takes ownership of 'fd', regardless of success. */
static int
sock_from_fd(int fd, struct nl_sock **ret)
{
    struct nl_sock *sock = xcalloc(1, sizeof *sock);
    int r;

    sock->mnl = mnl_socket_fdopen(fd);
    if (!sock->mnl) {
        r = -errno;
        close(fd);
        free(sock);
        return r;
    }
    r = sock_setup(sock);
    if (r < 0) {
        nl_sock_close(sock);
        return r;
    }
    *ret = sock;
    return 0;
}

int
nl_sock_open(struct nl_sock **ret)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

    return fd < 0 ? -errno : sock_from_fd(fd, ret);
}

int
nl_sock_open_netns(int netns_fd, struct nl_sock **ret)
{
    int fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);

    return fd < 0 ? fd : sock_from_fd(fd, ret);
}

int
nl_sock_open_named(const char *netns_name, struct nl_sock **ret)
{
    int netns_fd, r;

    r = netns_open(netns_name, &netns_fd);
    if (r < 0) {
        return r;
    }
    r = nl_sock_open_netns(netns_fd, ret);
    close(netns_fd);
    return r;
}

void
nl_sock_close(struct nl_sock *sock)
{
    if (sock) {
        mnl_socket_close(sock->mnl);
        free(sock);
    }
}

static int
transact_once(struct nl_sock *sock, struct nlmsghdr *req, nl_msg_cb *cb,
              void *aux, struct nl_sock_reply *reply)
{
    int r;

    req->nlmsg_seq = ++sock->seq;
    nl_sock_reply_init(reply, req->nlmsg_seq, cb, aux);
    if (mnl_socket_sendto(sock->mnl, req, req->nlmsg_len) < 0) {
        return -errno;
    }
    do {
        ssize_t n =
            mnl_socket_recvfrom(sock->mnl, sock->buf, sizeof sock->buf);

        if (n < 0) {
            if (errno != EINTR) {
                return -errno;
            }
            r = 1;
            continue;
        }
        r = nl_sock_reply_feed(reply, sock->buf, n);
    } while (r > 0);
    return r;
}

int
nl_sock_transact(struct nl_sock *sock, struct nlmsghdr *req, nl_msg_cb *cb,
                 void *aux)
{
    struct nl_sock_reply reply;
    int r;

    core_assert(req->nlmsg_len <= NL_MSG_SIZE);
    if ((req->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) {
        req->nlmsg_flags |= NLM_F_ACK;
    }
    r = transact_once(sock, req, cb, aux, &reply);
    snprintf(sock->errmsg, sizeof sock->errmsg, "%s",
             r < 0 ? reply.errmsg : "");
    return r;
}

struct dump_state {
    nl_sock_parse_fn *parse;
    size_t elem_size;
    nl_sock_filter_fn *filter;
    const void *filter_aux;
    char *items; /* 'n' objects of 'elem_size' bytes. */
    size_t n;
};

static int
dump_one(const struct nlmsghdr *nlh, void *state_)
{
    struct dump_state *state = state_;
    char *elem;
    int r;

    state->items = xrealloc(state->items, (state->n + 1) * state->elem_size);
    elem = state->items + state->n * state->elem_size;
    r = state->parse(nlh, elem);
    if (r < 0) {
        return r;
    }
    if (r == 0 && (!state->filter || state->filter(elem, state->filter_aux))) {
        state->n++;
    }
    return 0;
}

int
nl_sock_dump(struct nl_sock *sock, struct nlmsghdr *req,
             nl_sock_parse_fn *parse, size_t elem_size,
             nl_sock_filter_fn *filter, const void *filter_aux, void **ret,
             size_t *ret_n)
{
    struct dump_state state = {parse, elem_size, filter, filter_aux, NULL, 0};
    int r;

    for (int try = 0;; try++) {
        state.n = 0;
        r = nl_sock_transact(sock, req, dump_one, &state);
        if (r != -EINTR || try + 1 >= NL_DUMP_TRIES) {
            break;
        }
    }
    if (r < 0) {
        free(state.items);
        return r;
    }
    *ret = state.items;
    *ret_n = state.n;
    return 0;
}

const char *
nl_sock_error(const struct nl_sock *sock)
{
    return sock->errmsg;
}
