/* Unit tests for the OVS island (src/ovs/): that it links beside src/core
 * without a clash, flow-mod text checking, vsw without a server, and an
 * OpenFlow controller facing a fake switch over TCP (a well-behaved one and
 * one that sends garbage) and over a Unix socket it connects to (a bridge's
 * management socket). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ds.h"
#include "core/util.h"
#include "ovs/ofp.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

/* OpenFlow 1.3 message types the fake switch sends or expects. */
enum {
    OFPT_HELLO = 0,
    OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3,
    OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6,
    OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19,
    OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21,
};

/* Both libraries define xmalloc, xasprintf and ds_put_cstr (OVS's 'struct
 * ds' has another layout).  If the link picked OVS's for our calls, or ours
 * for OVS's, one of these would break. */
static void
test_links_beside_core(void **state)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *error = NULL;

    ds_put_cstr(&ds, "core");
    char *s = xasprintf("%s:%d", ds_cstr(&ds), 1);
    char *p = xmalloc(8);
    memcpy(p, "core", 5);
    assert_string_equal(p, "core");
    free(p);
    assert_string_equal(s, "core:1");
    /* OVS's parser builds its message with its own ds and xasprintf. */
    assert_int_equal(ofp_flow_mod_check("add actions=bogus", &error), -EINVAL);
    assert_non_null(strstr(error, "bogus"));
    assert_int_equal(ds.len, 4);
    free(error);
    free(s);
    ds_destroy(&ds);
}

static void
test_flow_mod_valid(void **state)
{
    static const char *const good[] = {
        "add table=0,priority=3,in_port=2,vlan_tci=0x0000/0x1fff,"
        "cookie=0x1234,actions=mod_vlan_vid:1,resubmit(,60)",
        "table=0,priority=65535,dl_vlan=4095,actions=drop",
        "add table=60,priority=3,actions=NORMAL",
        "delete_strict table=0,priority=2,in_port=2",
        "delete cookie=0x1234/-1",
        "modify table=0,in_port=1,actions=goto_table:59",
        "add table=0,priority=4,in_port=1,dl_vlan=1,"
        "actions=strip_vlan,NORMAL",
    };

    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char *error = NULL;
        int r = ofp_flow_mod_check(good[i], &error);
        if (r) {
            fail_msg("'%s': %s", good[i], error);
        }
        assert_null(error);
    }
}

static void
test_flow_mod_invalid(void **state)
{
    static const struct {
        const char *text;
        const char *error; /* Substring of OVS's explanation. */
    } bad[] = {
        {"add table=0,actions=frobnicate", "frobnicate"},
        {"add table=0,nosuchfield=1,actions=drop", "nosuchfield"},
        {"add in_port=2,dl_vlan=abc,actions=drop", "abc"},
        {"add priority=70000,actions=drop", "70000"},
        {"add in_port=br-int,actions=drop", "br-int"},
        /* Rewrites an IP field without matching IP: OpenFlow 1.0 only. */
        {"add actions=mod_nw_src:1.2.3.4", "OpenFlow 1.3"},
        {"add table=300,actions=drop", "300"},
        {"delete_strict table=0,actions=drop", "actions"},
        {"", "must specify an action"},
    };

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *error = NULL;
        assert_int_equal(ofp_flow_mod_check(bad[i].text, &error), -EINVAL);
        assert_non_null(error);
        if (!strstr(error, bad[i].error)) {
            fail_msg("'%s': '%s' lacks '%s'", bad[i].text, error,
                     bad[i].error);
        }
        free(error);
    }
    /* Without 'ret_error' the message is just dropped. */
    assert_int_equal(ofp_flow_mod_check("add actions=x", NULL), -EINVAL);
}

static void
test_vsw_without_server(void **state)
{
    struct vsw *vsw = NULL;
    struct vsw_bridge br;
    struct vsw_txn *txn = NULL;
    struct vsw_bridge_config cfg = {"netdev", "tcp:127.0.0.1:6633", 0, 0};

    assert_int_equal(vsw_open("nonsense", &vsw), -EINVAL);
    assert_int_equal(vsw_open("ssl:127.0.0.1:6640", &vsw), -EINVAL);
    assert_null(vsw);
    assert_int_equal(vsw_open("unix:/nonexistent/db.sock", &vsw), 0);
    vsw_run(vsw);
    assert_false(vsw_is_connected(vsw));
    assert_int_equal(vsw_get_bridge(vsw, "br-int", &br), -ENOENT);
    assert_int_equal(vsw_ensure_manager(vsw, "ptcp:6640", &txn), -ENOTCONN);
    assert_int_equal(vsw_ensure_bridge(vsw, "br-int", &cfg, &txn), -ENOTCONN);
    assert_int_equal(vsw_set_port_vlan(vsw, "tap1", 1, NULL, 0, &txn),
                     -ENOTCONN);
    assert_int_equal(vsw_set_port_vlan(vsw, "tap1", 4096, NULL, 0, &txn),
                     -EINVAL);
    assert_null(txn);
    vsw_close(vsw);
}

/* -- A fake switch ----------------------------------------------------- */

struct peer {
    int fd;
    uint8_t buf[65536];
    size_t len;
    bool eof;
};

struct fixture {
    struct ofp_controller *ctl;
    uint16_t port;
};

static int
setup_controller(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);

    /* Any free port: try a few in a range no daemon here uses. */
    for (int i = 0; i < 50 && !f->ctl; i++) {
        f->port = 30000 + (getpid() * 7 + i * 101) % 20000;
        int r = ofp_controller_create("127.0.0.1", f->port, &f->ctl);
        assert_true(r == 0 || r == -EADDRINUSE);
    }
    assert_non_null(f->ctl);
    *state = f;
    return 0;
}

static int
teardown_controller(void **state)
{
    struct fixture *f = *state;

    ofp_controller_destroy(f->ctl);
    free(f);
    return 0;
}

static void
peer_connect(struct peer *p, uint16_t port)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };

    p->len = 0;
    p->eof = false;
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->fd >= 0);
    /* Each message in its own segment, without waiting for ACKs. */
    int one = 1;
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    assert_int_equal(connect(p->fd, (struct sockaddr *) &sin, sizeof sin), 0);
}

/* Sends one OpenFlow 1.3 message; returns false if the controller closed
 * the connection. */
static bool
peer_try_send(struct peer *p, uint8_t type, uint32_t xid, const void *body,
              size_t body_len)
{
    uint8_t msg[256];
    uint16_t len = htons(8 + body_len);
    uint32_t nxid = htonl(xid);

    assert_true(8 + body_len <= sizeof msg);
    msg[0] = 4; /* OpenFlow 1.3. */
    msg[1] = type;
    memcpy(&msg[2], &len, 2);
    memcpy(&msg[4], &nxid, 4);
    if (body_len) {
        memcpy(&msg[8], body, body_len);
    }
    ssize_t n = send(p->fd, msg, 8 + body_len, MSG_NOSIGNAL);
    return n == (ssize_t) (8 + body_len);
}

static void
peer_send(struct peer *p, uint8_t type, uint32_t xid, const void *body,
          size_t body_len)
{
    assert_true(peer_try_send(p, type, xid, body, body_len));
}

/* Reads what is there without blocking. */
static void
peer_read(struct peer *p)
{
    while (!p->eof && p->len < sizeof p->buf) {
        ssize_t n =
            recv(p->fd, p->buf + p->len, sizeof p->buf - p->len, MSG_DONTWAIT);
        if (n > 0) {
            p->len += n;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            p->eof = true;
        } else {
            break;
        }
    }
}

/* Removes the first complete message of 'type' from what the peer
 * received; returns its xid, or -1 if there is none. */
static int64_t
peer_take(struct peer *p, uint8_t type)
{
    size_t ofs = 0;
    while (ofs + 8 <= p->len) {
        uint16_t len;
        uint32_t xid;
        memcpy(&len, &p->buf[ofs + 2], 2);
        memcpy(&xid, &p->buf[ofs + 4], 4);
        len = ntohs(len);
        assert_true(len >= 8);
        if (ofs + len > p->len) {
            break;
        }
        if (p->buf[ofs + 1] == type) {
            memmove(&p->buf[ofs], &p->buf[ofs + len], p->len - ofs - len);
            p->len -= len;
            return ntohl(xid);
        }
        ofs += len;
    }
    return -1;
}

/* Runs the controller until the peer received a message of 'type'
 * (returning its xid) or saw EOF (returning -1). */
static int64_t
pump(struct fixture *f, struct peer *p, int type)
{
    long long deadline = ovsx_time_msec() + 5000;

    while (ovsx_time_msec() < deadline) {
        ofp_controller_run(f->ctl);
        peer_read(p);
        int64_t xid = type >= 0 ? peer_take(p, type) : -1;
        if (xid >= 0 || p->eof) {
            return xid;
        }
        ofp_controller_wait(f->ctl);
        ovsx_poll_fd_wait(p->fd, POLLIN);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
    fail_msg("timeout waiting for message type %d", type);
    return -1;
}

/* Runs the controller until 'req' is no longer in progress. */
static int
pump_request(struct fixture *f, const struct ofp_request *req)
{
    long long deadline = ovsx_time_msec() + 5000;

    while (ovsx_time_msec() < deadline) {
        ofp_controller_run(f->ctl);
        if (ofp_request_status(req) != -EINPROGRESS) {
            break;
        }
        ofp_controller_wait(f->ctl);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
    return ofp_request_status(req);
}

/* Hello in both directions, then the controller's features request;
 * returns its xid. */
static int64_t
peer_handshake(struct fixture *f, struct peer *p)
{
    peer_connect(p, f->port);
    peer_send(p, OFPT_HELLO, 1, NULL, 0);
    assert_true(pump(f, p, OFPT_HELLO) >= 0);
    int64_t xid = pump(f, p, OFPT_FEATURES_REQUEST);
    assert_true(xid >= 0);
    return xid;
}

/* Runs the controller until switch 'dpid' is ready ('ready' true) or gone
 * (false); returns it or NULL. */
static struct ofp_switch *
pump_switch(struct fixture *f, uint64_t dpid, bool ready)
{
    long long deadline = ovsx_time_msec() + 5000;

    while (ovsx_time_msec() < deadline) {
        ofp_controller_run(f->ctl);
        struct ofp_switch *sw = ofp_controller_find(f->ctl, dpid);
        if (!sw == !ready) {
            return sw;
        }
        ofp_controller_wait(f->ctl);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
    fail_msg("timeout waiting for switch %#llx", (unsigned long long) dpid);
    return NULL;
}

static void
peer_send_features(struct peer *p, uint32_t xid, uint64_t dpid)
{
    uint8_t body[24] = {0};
    for (int i = 0; i < 8; i++) {
        body[i] = dpid >> (56 - 8 * i);
    }
    body[12] = 254; /* n_tables. */
    peer_send(p, OFPT_FEATURES_REPLY, xid, body, sizeof body);
}

static void
test_controller_garbage(void **state)
{
    struct fixture *f = *state;
    struct ofp_controller_stats stats;
    struct peer p;

    /* Listening: IP literals only, one controller per port. */
    struct ofp_controller *bad = NULL;
    assert_int_equal(ofp_controller_create("localhost", f->port, &bad),
                     -EINVAL);
    assert_int_equal(ofp_controller_create("127.0.0.1", f->port, &bad),
                     -EADDRINUSE);
    assert_null(bad);

    /* A features reply too short to hold the features. */
    int64_t xid = peer_handshake(f, &p);
    peer_send(&p, OFPT_FEATURES_REPLY, xid, "\1\2\3", 3);
    pump(f, &p, -1);
    close(p.fd);
    ofp_controller_get_stats(f->ctl, &stats);
    assert_int_equal(stats.n_bad_messages, 1);
    assert_int_equal(stats.n_connects, 0);

    /* An unknown message type. */
    peer_handshake(f, &p);
    peer_send(&p, 250, 7, "xxxxxxxx", 8);
    pump(f, &p, -1);
    close(p.fd);
    ofp_controller_get_stats(f->ctl, &stats);
    assert_int_equal(stats.n_bad_messages, 2);

    /* A length field shorter than the header: the stream is broken. */
    peer_handshake(f, &p);
    assert_int_equal(send(p.fd, "\4\0\0\4\0\0\0\0", 8, 0), 8);
    pump(f, &p, -1);
    close(p.fd);

    /* The controller still serves a well-behaved switch. */
    unsigned int seqno = ofp_controller_seqno(f->ctl);
    xid = peer_handshake(f, &p);
    peer_send_features(&p, xid, 0xabc);
    assert_non_null(pump_switch(f, 0xabc, true));
    assert_int_not_equal(ofp_controller_seqno(f->ctl), seqno);
    close(p.fd);
    pump_switch(f, 0xabc, false);
}

/* A multipart flow reply holding one OpenFlow 1.3 flow: table 23,
 * priority 0, cookie 0xc0ffee, 5 packets, match all, no instructions. */
static void
peer_send_one_flow(struct peer *p, uint32_t xid)
{
    uint8_t body[8 + 56] = {0};
    uint8_t *flow = &body[8];

    body[1] = 1;     /* OFPMP_FLOW. */
    flow[1] = 56;    /* Length of this entry. */
    flow[2] = 23;    /* table_id. */
    flow[29] = 0xc0; /* cookie, big-endian... */
    flow[30] = 0xff;
    flow[31] = 0xee; /* ...0xc0ffee. */
    flow[39] = 5;    /* packet_count. */
    flow[49] = 1;    /* ofp_match type OFPMT_OXM... */
    flow[51] = 4;    /* ...with no fields, padded to 8 bytes. */
    peer_send(p, OFPT_MULTIPART_REPLY, xid, body, sizeof body);
}

static void
test_controller_switch(void **state)
{
    struct fixture *f = *state;
    const uint64_t dpid = 0x1122334455667788ULL;
    struct ofp_controller_stats stats;
    struct peer p;

    unsigned int seqno = ofp_controller_seqno(f->ctl);
    int64_t xid = peer_handshake(f, &p);
    assert_null(ofp_controller_find(f->ctl, dpid));
    peer_send_features(&p, xid, dpid);
    struct ofp_switch *sw = pump_switch(f, dpid, true);
    assert_int_equal(ofp_switch_dpid(sw), dpid);
    assert_int_not_equal(ofp_controller_seqno(f->ctl), seqno);

    uint64_t *dpids;
    assert_int_equal(ofp_controller_list(f->ctl, &dpids), 1);
    assert_true(dpids[0] == dpid);
    free(dpids);

    /* Keepalive from the switch's side. */
    peer_send(&p, OFPT_ECHO_REQUEST, 99, NULL, 0);
    assert_int_equal(pump(f, &p, OFPT_ECHO_REPLY), 99);

    /* A flow mod goes out as OFPT_FLOW_MOD (14); a bad one does not. */
    char *error = NULL;
    sw = ofp_controller_find(f->ctl, dpid);
    assert_int_equal(
        ofp_switch_flow_mod(sw, "add table=23,actions=drop", &error), 0);
    pump(f, &p, 14);
    assert_int_equal(ofp_switch_flow_mod(sw, "add actions=nope", &error),
                     -EINVAL);
    assert_non_null(strstr(error, "nope"));
    free(error);

    /* In a bundle: open, one add per flow mod, commit, all ONF
     * experimenter messages (4); then flow mods go out plain again. */
    ofp_switch_bundle(sw);
    assert_int_equal(
        ofp_switch_flow_mod(sw, "add table=23,actions=drop", NULL), 0);
    assert_int_equal(ofp_switch_flow_mod(sw, "delete_strict table=23", NULL),
                     0);
    assert_int_equal(ofp_switch_commit(sw), 0);
    assert_int_equal(ofp_switch_commit(sw), 0); /* Nothing open: no-op. */
    assert_int_equal(
        ofp_switch_flow_mod(sw, "add table=24,actions=drop", NULL), 0);
    pump(f, &p, 14);
    for (int i = 0; i < 4; i++) {
        assert_true(pump(f, &p, 4 /* OFPT_EXPERIMENTER */) >= 0);
    }
    assert_int_equal(peer_take(&p, 4), -1);
    assert_int_equal(peer_take(&p, 14), -1);

    /* Barrier: complete on the reply with the same xid. */
    struct ofp_request *barrier = ofp_switch_barrier(sw);
    xid = pump(f, &p, OFPT_BARRIER_REQUEST);
    assert_int_equal(ofp_request_status(barrier), -EINPROGRESS);
    peer_send(&p, OFPT_BARRIER_REPLY, xid + 1, NULL, 0); /* Not ours. */
    peer_send(&p, OFPT_BARRIER_REPLY, xid, NULL, 0);
    assert_int_equal(pump_request(f, barrier), 0);
    ofp_request_free(barrier);

    /* Flow dump. */
    sw = ofp_controller_find(f->ctl, dpid);
    assert_null(ofp_switch_dump_flows(sw, 255));
    struct ofp_request *dump = ofp_switch_dump_flows(sw, 23);
    xid = pump(f, &p, OFPT_MULTIPART_REQUEST);
    peer_send_one_flow(&p, xid);
    assert_int_equal(pump_request(f, dump), 0);
    const struct ofp_flow *flows;
    assert_int_equal(ofp_request_flows(dump, &flows), 1);
    assert_int_equal(flows[0].table_id, 23);
    assert_int_equal(flows[0].priority, 0);
    assert_true(flows[0].cookie == 0xc0ffee);
    assert_true(flows[0].n_packets == 5);
    assert_string_equal(flows[0].match, "");
    assert_string_equal(flows[0].actions, "drop");
    ofp_request_free(dump);

    /* A dump that leaves out one cookie's flows, then another's. */
    for (int i = 0; i < 2; i++) {
        sw = ofp_controller_find(f->ctl, dpid);
        dump = ofp_switch_dump_flows_except(sw, 23, i ? 0xbad : 0xc0ffee);
        xid = pump(f, &p, OFPT_MULTIPART_REQUEST);
        peer_send_one_flow(&p, xid);
        assert_int_equal(pump_request(f, dump), 0);
        assert_int_equal(ofp_request_flows(dump, &flows), i);
        ofp_request_free(dump);
    }

    /* An OpenFlow error answering a request fails it and is counted. */
    sw = ofp_controller_find(f->ctl, dpid);
    barrier = ofp_switch_barrier(sw);
    xid = pump(f, &p, OFPT_BARRIER_REQUEST);
    peer_send(&p, 1 /* OFPT_ERROR */, xid, "\0\1\0\1", 4);
    assert_int_equal(pump_request(f, barrier), -EPROTO);
    ofp_request_free(barrier);
    ofp_controller_get_stats(f->ctl, &stats);
    assert_int_equal(stats.n_errors, 1);

    /* The switch goes away with a request pending. */
    sw = ofp_controller_find(f->ctl, dpid);
    barrier = ofp_switch_barrier(sw);
    seqno = ofp_controller_seqno(f->ctl);
    close(p.fd);
    pump_switch(f, dpid, false);
    assert_int_equal(ofp_request_status(barrier), -ECONNRESET);
    assert_int_not_equal(ofp_controller_seqno(f->ctl), seqno);
    ofp_request_free(barrier);
    ofp_controller_get_stats(f->ctl, &stats);
    assert_int_equal(stats.n_disconnects, 1);
    assert_int_equal(stats.n_bad_messages, 0);
}

static uint32_t
next_random(uint32_t *x)
{
    /* xorshift32: reproducible, good enough to pick bytes. */
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Connects a switch, makes it ready and starts a dump on it; returns the
 * dump's xid. */
static int64_t
random_peer_start(struct fixture *f, struct peer *p, uint64_t dpid,
                  struct ofp_request **dump)
{
    peer_send_features(p, peer_handshake(f, p), dpid);
    *dump = ofp_switch_dump_flows(pump_switch(f, dpid, true), -1);
    return pump(f, p, OFPT_MULTIPART_REQUEST);
}

/* A hostile switch: messages with valid framing but random types and
 * bodies, many aimed at the pending dump so the flow decoder sees them.
 * The controller must neither crash nor leak (ASan), dropping connections
 * as it sees fit, and must still serve a sane switch afterwards. */
static void
test_controller_random_input(void **state)
{
    static const uint8_t types[] = {
        1,
        OFPT_ECHO_REQUEST,
        OFPT_FEATURES_REPLY,
        OFPT_MULTIPART_REPLY,
        OFPT_MULTIPART_REPLY,
        OFPT_BARRIER_REPLY,
        10,
        12,
    };
    struct fixture *f = *state;
    const uint64_t dpid = 0x77;
    struct ofp_request *dump = NULL;
    struct peer p = {.fd = -1};
    uint32_t rnd = 2463534242u;
    int64_t dump_xid = 0;
    int drops = 0;

    for (int i = 0; i < 2000; i++) {
        if (p.fd < 0) {
            ofp_request_free(dump);
            dump_xid = random_peer_start(f, &p, dpid, &dump);
        }

        uint8_t body[200];
        size_t len = next_random(&rnd) % sizeof body;
        for (size_t j = 0; j < len; j++) {
            body[j] = next_random(&rnd);
        }
        uint8_t type = next_random(&rnd) % 4 ? types[i % sizeof types]
                                             : next_random(&rnd) % 40;
        if (type == OFPT_MULTIPART_REPLY && len >= 4 && i % 2) {
            body[0] = 0; /* OFPMP_FLOW, to reach the flow decoder. */
            body[1] = 1;
        }
        uint32_t xid = next_random(&rnd) % 3 ? dump_xid : i;

        /* Messages are handled in order: the echo answer (or EOF) says
         * the random one was handled. */
        if (!peer_try_send(&p, type, xid, body, len)
            || !peer_try_send(&p, OFPT_ECHO_REQUEST, 0xfeed, NULL, 0)
            || pump(f, &p, OFPT_ECHO_REPLY) < 0) {
            close(p.fd);
            p.fd = -1;
            drops++;
            pump_switch(f, dpid, false);
        }
    }
    ofp_request_free(dump);
    if (p.fd >= 0) {
        close(p.fd);
    }

    struct ofp_controller_stats stats;
    ofp_controller_get_stats(f->ctl, &stats);
    assert_true(drops > 10);
    assert_true(stats.n_bad_messages > 0);
    pump_switch(f, dpid, false);
    random_peer_start(f, &p, dpid, &dump);
    ofp_request_free(dump);
    close(p.fd);
}

/* A fake bridge's management socket at 'path', listening. */
static int
mgmt_listen(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    assert_true(fd >= 0);
    assert_true(strlen(path) < sizeof sun.sun_path);
    strcpy(sun.sun_path, path);
    assert_int_equal(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    assert_int_equal(listen(fd, 4), 0);
    return fd;
}

/* Runs the controller until it connected to 'listener'; the switch's side
 * then says hello and answers the features request with 'dpid'. */
static void
mgmt_accept(struct fixture *f, int listener, struct peer *p, uint64_t dpid)
{
    long long deadline = ovsx_time_msec() + 5000;

    memset(p, 0, sizeof *p);
    p->fd = -1;
    while (p->fd < 0 && ovsx_time_msec() < deadline) {
        ofp_controller_run(f->ctl);
        p->fd = accept(listener, NULL, NULL);
        if (p->fd < 0) {
            ofp_controller_wait(f->ctl);
            ovsx_poll_fd_wait(listener, POLLIN);
            ovsx_poll_timer_wait_until(deadline);
            ovsx_poll_block();
        }
    }
    assert_true(p->fd >= 0);
    peer_send(p, OFPT_HELLO, 1, NULL, 0);
    int64_t xid = pump(f, p, OFPT_FEATURES_REQUEST);
    assert_true(xid >= 0);
    peer_send_features(p, xid, dpid);
}

/* A switch reached through its management socket: reached again when the
 * connection drops, and of two connections to one switch the older is the
 * one found, so a caller keeps using a connection while it lasts. */
static void
test_controller_service(void **state)
{
    struct fixture *f = *state;
    const uint64_t dpid = 0xabcdef;
    char dir[] = "/tmp/test-ovs-island-XXXXXX";
    struct peer svc, tcp;

    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/br-int.mgmt", dir);
    char *target = xasprintf("unix:%s", path);
    ofp_controller_add_service(f->ctl, target);
    for (int i = 0; i < 3; i++) { /* No socket yet: nothing happens. */
        ofp_controller_run(f->ctl);
    }
    assert_null(ofp_controller_find(f->ctl, dpid));

    int listener = mgmt_listen(path);
    mgmt_accept(f, listener, &svc, dpid);
    struct ofp_switch *sw = pump_switch(f, dpid, true);
    uint64_t first = ofp_switch_session(sw);

    /* The bridge's own connection to the listener comes second. */
    int64_t xid = peer_handshake(f, &tcp);
    peer_send_features(&tcp, xid, dpid);
    for (int i = 0; i < 20; i++) {
        ofp_controller_run(f->ctl);
    }
    assert_true(ofp_switch_session(ofp_controller_find(f->ctl, dpid))
                == first);

    /* The management connection drops: the other one serves, and the
     * controller connects again on its own. */
    close(svc.fd);
    long long deadline = ovsx_time_msec() + 5000;
    while (ofp_switch_session(pump_switch(f, dpid, true)) == first) {
        assert_true(ovsx_time_msec() < deadline);
        ofp_controller_run(f->ctl);
    }
    uint64_t second = ofp_switch_session(ofp_controller_find(f->ctl, dpid));
    assert_true(second > first);
    mgmt_accept(f, listener, &svc, dpid);
    for (int i = 0; i < 20; i++) {
        ofp_controller_run(f->ctl);
    }
    assert_true(ofp_switch_session(ofp_controller_find(f->ctl, dpid))
                == second);

    close(tcp.fd);
    deadline = ovsx_time_msec() + 5000;
    while (ofp_switch_session(pump_switch(f, dpid, true)) == second) {
        assert_true(ovsx_time_msec() < deadline);
        ofp_controller_run(f->ctl);
    }
    assert_true(ofp_switch_session(ofp_controller_find(f->ctl, dpid))
                > second);

    close(svc.fd);
    close(listener);
    unlink(path);
    rmdir(dir);
    free(target);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_beside_core),
        cmocka_unit_test(test_flow_mod_valid),
        cmocka_unit_test(test_flow_mod_invalid),
        cmocka_unit_test(test_vsw_without_server),
        cmocka_unit_test_setup_teardown(test_controller_garbage,
                                        setup_controller, teardown_controller),
        cmocka_unit_test_setup_teardown(test_controller_random_input,
                                        setup_controller, teardown_controller),
        cmocka_unit_test_setup_teardown(test_controller_switch,
                                        setup_controller, teardown_controller),
        cmocka_unit_test_setup_teardown(test_controller_service,
                                        setup_controller, teardown_controller),
    };

    ovsx_init("test-ovs-island");
    ovsx_set_log_level(OVSX_LOG_OFF);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
