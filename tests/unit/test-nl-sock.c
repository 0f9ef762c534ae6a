/* Unit tests for nl/nl-sock.h: the reply parser and attribute tables, fed
 * with hand-built kernel replies (no socket, no privileges). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/rtnetlink.h>

#include "core/util.h"
#include "nl/nl-sock.h"
#include "nl-helpers.h"

#define SEQ 7

/* Counts data messages; fails with 'fail_with' if that is set. */
struct counter {
    int n;
    int fail_with;
};

static int
count_msg(const struct nlmsghdr *nlh, void *counter_)
{
    struct counter *counter = counter_;

    counter->n++;
    return counter->fail_with;
}

/* Appends an NLMSG_ERROR for 'error' after 'len' bytes of 'buf', with the
 * extended-ack text 'msg' (NULL: none); 'capped' leaves out the request's
 * payload.  Returns the new length. */
static size_t
put_error(char *buf, size_t len, int error, const char *msg, bool capped,
          uint32_t seq)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *) (buf + len);
    struct nlmsgerr *err;

    nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_flags =
        (capped ? NLM_F_CAPPED : 0) | (msg ? NLM_F_ACK_TLVS : 0);
    nlh->nlmsg_seq = seq;
    err = mnl_nlmsg_put_extra_header(nlh, sizeof *err);
    err->error = error;
    err->msg.nlmsg_len = sizeof err->msg;
    err->msg.nlmsg_type = RTM_NEWADDR;
    err->msg.nlmsg_seq = seq;
    if (!capped) {
        /* The request's payload: an 8-byte ifaddrmsg. */
        err->msg.nlmsg_len += 8;
        memset(mnl_nlmsg_put_extra_header(nlh, 8), 0xaa, 8);
    }
    if (msg) {
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
    }
    return len + nlh->nlmsg_len;
}

static size_t
put_data(char *buf, size_t len, uint32_t seq, uint16_t flags)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *) (buf + len);

    nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_MULTI | flags;
    nlh->nlmsg_seq = seq;
    mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
    return len + nlh->nlmsg_len;
}

/* An NLMSG_DONE carrying 'error' (and 'msg' if not NULL). */
static size_t
put_done(char *buf, size_t len, int error, const char *msg)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *) (buf + len);

    nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
    nlh->nlmsg_type = NLMSG_DONE;
    nlh->nlmsg_flags = NLM_F_MULTI | (msg ? NLM_F_ACK_TLVS : 0);
    nlh->nlmsg_seq = SEQ;
    memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof error), &error,
           sizeof error);
    if (msg) {
        mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
    }
    return len + nlh->nlmsg_len;
}

static int
feed(struct nl_sock_reply *reply, struct counter *counter, const char *buf,
     size_t len)
{
    nl_sock_reply_init(reply, SEQ, count_msg, counter);
    return nl_sock_reply_feed(reply, buf, len);
}

static void
test_ack(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    size_t len = put_error(buf, 0, 0, NULL, true, SEQ);

    assert_int_equal(feed(&reply, &counter, buf, len), 0);
    assert_string_equal(reply.errmsg, "");
    assert_int_equal(counter.n, 0);
}

static void
test_error_with_extack(void **state)
{
    static const char text[] = "ipv4: Address already assigned";
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;

    for (int capped = 0; capped <= 1; capped++) {
        size_t len = put_error(buf, 0, -EEXIST, text, capped, SEQ);

        assert_int_equal(feed(&reply, &counter, buf, len), -EEXIST);
        assert_string_equal(reply.errmsg, text);
    }
    /* No TLVs: an error without text. */
    assert_int_equal(feed(&reply, &counter, buf,
                          put_error(buf, 0, -ENODEV, NULL, false, SEQ)),
                     -ENODEV);
    assert_string_equal(reply.errmsg, "");
}

static void
test_dump_across_datagrams(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    size_t len;

    len = put_data(buf, 0, SEQ, 0);
    len = put_data(buf, len, SEQ, 0);
    assert_int_equal(feed(&reply, &counter, buf, len), 1);
    assert_false(reply.done);
    len = put_data(buf, 0, SEQ, 0);
    len = put_done(buf, len, 0, NULL);
    /* A message after the end is not read. */
    len = put_data(buf, len, SEQ, 0);
    assert_int_equal(nl_sock_reply_feed(&reply, buf, len), 0);
    assert_int_equal(counter.n, 3);
}

static void
test_done_with_error(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    size_t len = put_done(buf, put_data(buf, 0, SEQ, 0), -EOPNOTSUPP,
                          "Dump not supported");

    assert_int_equal(feed(&reply, &counter, buf, len), -EOPNOTSUPP);
    assert_string_equal(reply.errmsg, "Dump not supported");
    assert_int_equal(counter.n, 1);

    /* Old kernels end dumps with an empty NLMSG_DONE. */
    len = put_data(buf, 0, SEQ, 0);
    struct nlmsghdr *done = (struct nlmsghdr *) (buf + len);
    done->nlmsg_len = MNL_NLMSG_HDRLEN;
    done->nlmsg_type = NLMSG_DONE;
    done->nlmsg_seq = SEQ;
    len += done->nlmsg_len;
    assert_int_equal(feed(&reply, &counter, buf, len), 0);
}

static void
test_other_sequence_skipped(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    size_t len;

    /* A late error for an earlier request must not end this one. */
    len = put_error(buf, 0, -EEXIST, NULL, true, SEQ - 1);
    len = put_data(buf, len, SEQ - 1, 0);
    len = put_data(buf, len, SEQ, 0);
    assert_int_equal(feed(&reply, &counter, buf, len), 1);
    assert_int_equal(counter.n, 1);
}

static void
test_interrupted_dump(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    size_t len =
        put_done(buf, put_data(buf, 0, SEQ, NLM_F_DUMP_INTR), 0, NULL);

    assert_int_equal(feed(&reply, &counter, buf, len), -EINTR);
    assert_true(reply.interrupted);
}

static void
test_callback_error(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, -EBADMSG};
    struct nl_sock_reply reply;
    size_t len;

    len = put_data(buf, 0, SEQ, 0);
    len = put_data(buf, len, SEQ, 0);
    len = put_done(buf, len, 0, NULL);
    /* The first error wins, and the reply is still read to its end. */
    assert_int_equal(feed(&reply, &counter, buf, len), -EBADMSG);
    assert_int_equal(counter.n, 2);
    assert_true(reply.done);
}

static void
test_overrun(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    struct nlmsghdr *nlh = msg_start(buf, NLMSG_OVERRUN, 0, SEQ, 0);

    assert_int_equal(feed(&reply, &counter, buf, nlh->nlmsg_len), -ENOBUFS);
}

static void
test_malformed(void **state)
{
    char buf[NL_MSG_SIZE] = {0};
    struct counter counter = {0, 0};
    struct nl_sock_reply reply;
    struct nlmsghdr *nlh;
    struct nlmsgerr *err;
    size_t len;

    /* A message cut short, and trailing bytes that are no message. */
    len = put_data(buf, 0, SEQ, 0);
    assert_int_equal(feed(&reply, &counter, buf, len - 1), -EBADMSG);
    assert_int_equal(feed(&reply, &counter, buf, len + 3), -EBADMSG);
    assert_int_equal(counter.n, 1); /* The whole message before them. */
    counter.n = 0;
    /* A length that is not a multiple of 4 at the end of the buffer. */
    nlh = (struct nlmsghdr *) buf;
    nlh->nlmsg_len = len - 2;
    assert_int_equal(feed(&reply, &counter, buf, len - 2), -EBADMSG);
    /* Lengths of 2 GiB and more, which libmnl's mnl_nlmsg_ok() takes for
     * negative ones, and lengths that wrap when aligned (found by the
     * fuzzer: an endless loop). */
    static const uint32_t huge[] = {0x80000000, 0xfffffffd, 0xffffffff};
    for (size_t i = 0; i < ARRAY_SIZE(huge); i++) {
        len = put_data(buf, 0, SEQ, 0);
        ((struct nlmsghdr *) buf)->nlmsg_len = huge[i];
        assert_int_equal(feed(&reply, &counter, buf, len), -EBADMSG);
    }
    /* NLMSG_ERROR too short for its struct. */
    nlh = msg_start(buf, NLMSG_ERROR, 0, SEQ, 4);
    assert_int_equal(feed(&reply, &counter, buf, nlh->nlmsg_len), -EBADMSG);
    /* An error code out of range, and an embedded request longer than
     * the message (the TLVs must not be looked for past the end). */
    len = put_error(buf, 0, 5, NULL, true, SEQ);
    assert_int_equal(feed(&reply, &counter, buf, len), -EBADMSG);
    len = put_error(buf, 0, -EPERM, "x", false, SEQ);
    err = mnl_nlmsg_get_payload((struct nlmsghdr *) buf);
    err->msg.nlmsg_len = 60000;
    assert_int_equal(feed(&reply, &counter, buf, len), -EPERM);
    assert_string_equal(reply.errmsg, "");
    err->msg.nlmsg_len = 3;
    assert_int_equal(feed(&reply, &counter, buf, len), -EBADMSG);
    /* A control type that does not exist. */
    nlh = msg_start(buf, 9, 0, SEQ, 4);
    assert_int_equal(feed(&reply, &counter, buf, nlh->nlmsg_len), -EBADMSG);
    assert_int_equal(counter.n, 0);
}

static void
test_parse_attrs(void **state)
{
    static const int policy[IFLA_MAX + 1] = {
        [IFLA_MTU] = MNL_TYPE_U32,
        [IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
    };
    const struct nlattr *tb[IFLA_MAX + 1];
    char buf[NL_MSG_SIZE];
    struct nlmsghdr *nlh;
    struct nlattr *attr;

    nlh = msg_start(buf, RTM_NEWLINK, 0, SEQ, sizeof(struct ifinfomsg));
    mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
    mnl_attr_put_u32(nlh, IFLA_MAX + 5, 1); /* Unknown: skipped. */
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     0);
    assert_non_null(tb[IFLA_MTU]);
    assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 1500);
    assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "eth0");
    assert_null(tb[IFLA_MASTER]);

    /* The fixed header longer than the payload. */
    assert_int_equal(nl_sock_parse_attrs(nlh, 4096, policy, tb, IFLA_MAX),
                     -EBADMSG);
    /* An attribute of the wrong size for its policy. */
    nlh = msg_start(buf, RTM_NEWLINK, 0, SEQ, sizeof(struct ifinfomsg));
    mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     -EBADMSG);
    /* A string without its NUL. */
    nlh = msg_start(buf, RTM_NEWLINK, 0, SEQ, sizeof(struct ifinfomsg));
    mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     -EBADMSG);
    /* An attribute claiming more than the message holds. */
    nlh = msg_start(buf, RTM_NEWLINK, 0, SEQ, sizeof(struct ifinfomsg));
    attr = (struct nlattr *) mnl_nlmsg_get_payload_tail(nlh);
    mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
    attr->nla_len = 200;
    assert_int_equal(nl_sock_parse_attrs(nlh, sizeof(struct ifinfomsg), policy,
                                         tb, IFLA_MAX),
                     -EBADMSG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_error_with_extack),
        cmocka_unit_test(test_dump_across_datagrams),
        cmocka_unit_test(test_done_with_error),
        cmocka_unit_test(test_other_sequence_skipped),
        cmocka_unit_test(test_interrupted_dump),
        cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_overrun),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_parse_attrs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
