/* ofp: an OpenFlow 1.3 controller on OVS's vconn/rconn.  See ofp.h.
 *
 * Each accepted connection is wrapped in an rconn, which queues what we
 * send, negotiates the version (hello) and sends echo requests when the
 * switch is idle.  A switch is "ready" once its features reply told us its
 * datapath id; only ready switches are visible to callers. */
#include <config.h>

#include "ovs/ofp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "byte-order.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofp);

/* Messages handled per switch per ofp_controller_run(), so one busy switch
 * cannot starve the rest of the loop. */
#define OFP_BATCH 50

/* Seconds of silence before rconn sends an echo request (and as long again
 * before it gives up on the switch). */
#define OFP_PROBE_INTERVAL 5

/* Flows one dump may hold: a switch that keeps answering "more" must not
 * make us allocate without end.  Far above what a host's bridges carry. */
#define OFP_MAX_DUMP_FLOWS (1u << 20)

/* Milliseconds between attempts to reach a service target: from the first
 * to the last, doubling.  Connecting to a Unix socket that is not there
 * costs next to nothing; a bridge's socket is back as soon as ovs-vswitchd
 * re-creates the bridge. */
#define OFP_SERVICE_RETRY_MIN 100
#define OFP_SERVICE_RETRY_MAX 2000

#define OFP_VERSIONS (1u << OFP13_VERSION)
#define OFP_PROTOCOL OFPUTIL_P_OF13_OXM

/* A target ofp_controller_add_service() asked to keep connected. */
struct ofp_service {
    char *target;
    struct ofp_switch *sw; /* Its connection, or NULL between attempts. */
    long long next_try;    /* When to try again, if 'sw' is NULL. */
    int retry_ms;
};

struct ofp_controller {
    struct pvconn *pvconn;
    struct ovs_list switches; /* All "struct ofp_switch"es, ready or not. */
    struct ofp_service **services; /* Each its own block: switches point
                                    * to theirs. */
    size_t n_services;
    unsigned int seqno;
    uint64_t sessions; /* The last ofp_switch_session() given out. */
    struct ofp_controller_stats stats;
    struct vlog_rate_limit rl; /* For what switches make us log. */
};

struct ofp_switch {
    struct ovs_list node; /* In controller->switches. */
    struct ofp_controller *ctl;
    struct rconn *rconn;
    bool features_sent;
    bool ready;                  /* Features reply received. */
    uint64_t dpid;               /* Valid if 'ready'. */
    uint64_t session;            /* Valid if 'ready'. */
    struct ofp_service *service; /* The service it connects to, or NULL. */
    struct ovs_list requests;    /* Pending "struct ofp_request"s. */
    bool bundling;               /* Flow mods go into bundles. */
    bool bundle_open;            /* One is open: 'bundle_id'. */
    uint32_t bundle_id;
    size_t bundle_size; /* Flow mods in the open bundle. */
};

enum ofp_request_type {
    OFP_REQ_BARRIER,
    OFP_REQ_DUMP,
};

struct ofp_request {
    struct ovs_list node; /* In switch->requests while pending. */
    enum ofp_request_type type;
    ovs_be32 xid;
    int status;             /* As ofp_request_status() reports. */
    struct ofp_flow *flows; /* Dump results so far. */
    size_t n_flows, allocated_flows;
    bool except; /* Leave out the flows with cookie 'cookie'. */
    uint64_t cookie;
};

/* -- Requests ---------------------------------------------------------- */

static void
request_finish(struct ofp_request *req, int status)
{
    req->status = status;
    ovs_list_remove(&req->node);
    ovs_list_init(&req->node);
}

static struct ofp_request *
request_find(struct ofp_switch *sw, ovs_be32 xid)
{
    struct ofp_request *req;
    LIST_FOR_EACH (req, node, &sw->requests) {
        if (req->xid == xid) {
            return req;
        }
    }
    return NULL;
}

int
ofp_request_status(const struct ofp_request *req)
{
    return req->status;
}

size_t
ofp_request_flows(const struct ofp_request *req,
                  const struct ofp_flow **ret_flows)
{
    if (req->status) {
        *ret_flows = NULL;
        return 0;
    }
    *ret_flows = req->flows;
    return req->n_flows;
}

void
ofp_request_free(struct ofp_request *req)
{
    if (!req) {
        return;
    }
    ovs_list_remove(&req->node);
    for (size_t i = 0; i < req->n_flows; i++) {
        free(req->flows[i].match);
        free(req->flows[i].actions);
    }
    free(req->flows);
    free(req);
}

/* Sends 'msg' (taking ownership) to 'sw' and returns a request waiting for
 * the answer with the same xid. */
static struct ofp_request *
request_send(struct ofp_switch *sw, enum ofp_request_type type,
             struct ofpbuf *msg)
{
    struct ofp_request *req = xzalloc(sizeof *req);
    req->type = type;
    req->xid = ((const struct ofp_header *) msg->data)->xid;
    req->status = -EINPROGRESS;
    ovs_list_push_back(&sw->requests, &req->node);
    if (rconn_send(sw->rconn, msg, NULL)) {
        request_finish(req, -ECONNRESET);
    }
    return req;
}

/* -- Switches ---------------------------------------------------------- */

static void
switch_destroy(struct ofp_switch *sw)
{
    struct ofp_request *req;
    LIST_FOR_EACH_SAFE (req, node, &sw->requests) {
        request_finish(req, -ECONNRESET);
    }
    if (sw->ready) {
        sw->ctl->stats.n_disconnects++;
        sw->ctl->seqno++;
        VLOG_INFO("switch %016" PRIx64 " disconnected", sw->dpid);
    }
    if (sw->service) {
        struct ofp_service *svc = sw->service;
        svc->sw = NULL;
        svc->next_try = time_msec() + svc->retry_ms;
    }
    ovs_list_remove(&sw->node);
    rconn_destroy(sw->rconn);
    free(sw);
}

/* 'fs' in ofp_flow's text form. */
static struct ofp_flow
flow_from_stats(const struct ofputil_flow_stats *fs)
{
    struct ds match = DS_EMPTY_INITIALIZER;
    struct ds actions = DS_EMPTY_INITIALIZER;
    /* OFP_DEFAULT_PRIORITY keeps "priority=" out of the match text; it has
     * its own field. */
    match_format(&fs->match, NULL, &match, OFP_DEFAULT_PRIORITY);
    struct ofpact_format_params fp = {.s = &actions};
    ofpacts_format(fs->ofpacts, fs->ofpacts_len, &fp);

    return (struct ofp_flow){
        .table_id = fs->table_id,
        .priority = fs->priority,
        .cookie = ntohll(fs->cookie),
        .n_packets = fs->packet_count,
        .n_bytes = fs->byte_count,
        .match = ds_steal_cstr(&match),
        .actions = ds_steal_cstr(&actions),
    };
}

/* Records one flow of a flow stats reply in 'req'. */
static void
dump_add_flow(struct ofp_request *req, const struct ofputil_flow_stats *fs)
{
    if (req->except && ntohll(fs->cookie) == req->cookie) {
        return; /* Not even formatted: most of a dump, after a restart. */
    }
    if (req->n_flows >= req->allocated_flows) {
        req->flows =
            x2nrealloc(req->flows, &req->allocated_flows, sizeof *req->flows);
    }
    req->flows[req->n_flows++] = flow_from_stats(fs);
}

/* Adds the flows in flow stats reply 'oh' to the dump waiting for it.
 * Returns 0, or an error if the reply does not decode. */
static int
handle_flow_stats_reply(struct ofp_switch *sw, const struct ofp_header *oh)
{
    struct ofp_request *req = request_find(sw, oh->xid);
    if (!req || req->type != OFP_REQ_DUMP) {
        return 0; /* Freed by its caller meanwhile. */
    }

    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    uint64_t stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    int error = 0;
    for (;;) {
        struct ofputil_flow_stats fs;
        error = ofputil_decode_flow_stats_reply(&fs, &msg, false, &ofpacts);
        if (error) {
            break;
        }
        if (req->n_flows >= OFP_MAX_DUMP_FLOWS) {
            error = OFPERR_OFPBRC_MULTIPART_BUFFER_OVERFLOW;
            break;
        }
        dump_add_flow(req, &fs);
    }
    ofpbuf_uninit(&ofpacts);
    if (error != EOF) {
        return error;
    }
    if (!ofpmp_more(oh)) {
        request_finish(req, 0);
    }
    return 0;
}

static int
handle_features_reply(struct ofp_switch *sw, const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    struct ofputil_switch_features features;
    enum ofperr error = ofputil_pull_switch_features(&msg, &features);
    if (error) {
        return error;
    }
    if (!sw->ready) {
        sw->ready = true;
        sw->dpid = features.datapath_id;
        sw->session = ++sw->ctl->sessions;
        if (sw->service) {
            sw->service->retry_ms = OFP_SERVICE_RETRY_MIN;
        }
        sw->ctl->stats.n_connects++;
        sw->ctl->seqno++;
        VLOG_INFO("switch %016" PRIx64 " connected", sw->dpid);
    }
    return 0;
}

static int
handle_error(struct ofp_switch *sw, const struct ofp_header *oh)
{
    struct ofp_controller *ctl = sw->ctl;
    enum ofperr error = ofperr_decode_msg(oh, NULL);
    if (!error) {
        return OFPERR_OFPBRC_BAD_LEN; /* An error we cannot decode. */
    }

    ctl->stats.n_errors++;
    VLOG_WARN_RL(&ctl->rl, "switch %016" PRIx64 ": OpenFlow error %s (%s)",
                 sw->dpid, ofperr_get_name(error),
                 ofperr_get_description(error));
    struct ofp_request *req = request_find(sw, oh->xid);
    if (req) {
        request_finish(req, -EPROTO);
    }
    return 0;
}

/* Handles one message from 'sw'.  Returns 0, or an OFPERR_* value if the
 * message is malformed (the caller then drops the connection). */
static int
handle_msg(struct ofp_switch *sw, const struct ofp_header *oh)
{
    enum ofptype type;
    int error = ofptype_decode(&type, oh);
    if (error) {
        return error;
    }

    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        rconn_send(sw->rconn, ofputil_encode_echo_reply(oh), NULL);
        return 0;
    case OFPTYPE_FEATURES_REPLY:
        return handle_features_reply(sw, oh);
    case OFPTYPE_ERROR:
        return handle_error(sw, oh);
    case OFPTYPE_BARRIER_REPLY: {
        struct ofp_request *req = request_find(sw, oh->xid);
        if (req && req->type == OFP_REQ_BARRIER) {
            request_finish(req, 0);
        }
        return 0;
    }
    case OFPTYPE_FLOW_STATS_REPLY:
        return handle_flow_stats_reply(sw, oh);
    default:
        /* Packet-ins, port status, ...: nothing the agent asked for. */
        return 0;
    }
}

/* Sends the features request once the version is negotiated. */
static void
switch_send_features_request(struct ofp_switch *sw)
{
    int version = rconn_get_version(sw->rconn);
    if (sw->features_sent || version < 0) {
        return;
    }
    sw->features_sent = true;
    rconn_send(sw->rconn,
               ofpraw_alloc(OFPRAW_OFPT_FEATURES_REQUEST, version, 0), NULL);
}

/* Runs 'sw'; returns false if it is gone and must be destroyed. */
static bool
switch_run(struct ofp_switch *sw)
{
    rconn_run(sw->rconn);
    switch_send_features_request(sw);
    for (int i = 0; i < OFP_BATCH && rconn_is_alive(sw->rconn); i++) {
        struct ofpbuf *msg = rconn_recv(sw->rconn);
        if (!msg) {
            break;
        }
        int error = handle_msg(sw, msg->data);
        ofpbuf_delete(msg);
        if (error) {
            sw->ctl->stats.n_bad_messages++;
            VLOG_WARN_RL(&sw->ctl->rl,
                         "%s: undecodable message (%s), dropping connection",
                         rconn_get_name(sw->rconn), ofperr_get_name(error));
            return false;
        }
    }
    return rconn_is_alive(sw->rconn);
}

static struct ofp_switch *
switch_create(struct ofp_controller *ctl, struct vconn *vconn)
{
    struct ofp_switch *sw = xzalloc(sizeof *sw);
    sw->ctl = ctl;
    sw->rconn =
        rconn_create(OFP_PROBE_INTERVAL, 0, DSCP_DEFAULT, OFP_VERSIONS);
    rconn_connect_unreliably(sw->rconn, vconn, NULL);
    ovs_list_init(&sw->requests);
    ovs_list_push_back(&ctl->switches, &sw->node);
    return sw;
}

/* Connects to the service targets whose time has come. */
static void
services_run(struct ofp_controller *ctl)
{
    long long now = time_msec();
    for (size_t i = 0; i < ctl->n_services; i++) {
        struct ofp_service *svc = ctl->services[i];
        struct vconn *vconn;

        if (svc->sw || now < svc->next_try) {
            continue;
        }
        int error =
            vconn_open(svc->target, OFP_VERSIONS, DSCP_DEFAULT, &vconn);
        if (error) {
            /* Not there (yet): the bridge or ovs-vswitchd is missing. */
            VLOG_DBG("%s: %s", svc->target, ovs_strerror(error));
            svc->next_try = now + svc->retry_ms;
        } else {
            svc->sw = switch_create(ctl, vconn);
            svc->sw->service = svc;
        }
        svc->retry_ms = MIN(svc->retry_ms * 2, OFP_SERVICE_RETRY_MAX);
    }
}

/* -- Controller -------------------------------------------------------- */

int
ofp_controller_create(const char *address, uint16_t port,
                      struct ofp_controller **ret_ctl)
{
    /* IP literals only: OVS would take a host name to resolve later. */
    struct in6_addr a6;
    struct in_addr a4;
    bool v6 = inet_pton(AF_INET6, address, &a6) == 1;
    if (!v6 && inet_pton(AF_INET, address, &a4) != 1) {
        return -EINVAL;
    }

    /* OVS wants IPv6 addresses in brackets: "ptcp:6633:[::1]". */
    char *name = xasprintf(v6 ? "ptcp:%u:[%s]" : "ptcp:%u:%s", port, address);
    struct pvconn *pvconn;
    int error = pvconn_open(name, OFP_VERSIONS, DSCP_DEFAULT, &pvconn);
    free(name);
    if (error) {
        return -error;
    }

    struct ofp_controller *ctl = xzalloc(sizeof *ctl);
    ctl->pvconn = pvconn;
    ovs_list_init(&ctl->switches);
    ctl->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(5, 20);
    *ret_ctl = ctl;
    return 0;
}

void
ofp_controller_destroy(struct ofp_controller *ctl)
{
    if (!ctl) {
        return;
    }

    struct ofp_switch *sw;
    LIST_FOR_EACH_SAFE (sw, node, &ctl->switches) {
        switch_destroy(sw);
    }
    for (size_t i = 0; i < ctl->n_services; i++) {
        free(ctl->services[i]->target);
        free(ctl->services[i]);
    }
    free(ctl->services);
    pvconn_close(ctl->pvconn);
    free(ctl);
}

void
ofp_controller_run(struct ofp_controller *ctl)
{
    for (int i = 0; i < OFP_BATCH; i++) {
        struct vconn *vconn;
        int error = pvconn_accept(ctl->pvconn, &vconn);
        if (error) {
            if (error != EAGAIN) {
                VLOG_WARN_RL(&ctl->rl, "accept failed (%s)",
                             ovs_strerror(error));
            }
            break;
        }
        switch_create(ctl, vconn);
    }
    services_run(ctl);

    struct ofp_switch *sw;
    LIST_FOR_EACH_SAFE (sw, node, &ctl->switches) {
        if (!switch_run(sw)) {
            switch_destroy(sw);
        }
    }
}

void
ofp_controller_wait(struct ofp_controller *ctl)
{
    pvconn_wait(ctl->pvconn);
    for (size_t i = 0; i < ctl->n_services; i++) {
        if (!ctl->services[i]->sw) {
            poll_timer_wait_until(ctl->services[i]->next_try);
        }
    }

    struct ofp_switch *sw;
    LIST_FOR_EACH (sw, node, &ctl->switches) {
        rconn_run_wait(sw->rconn);
        rconn_recv_wait(sw->rconn);
        if (!sw->features_sent && rconn_get_version(sw->rconn) >= 0) {
            poll_immediate_wake();
        }
    }
}

unsigned int
ofp_controller_seqno(const struct ofp_controller *ctl)
{
    return ctl->seqno;
}

void
ofp_controller_add_service(struct ofp_controller *ctl, const char *target)
{
    struct ofp_service *svc = xmalloc(sizeof *svc);

    *svc = (struct ofp_service){
        .target = xstrdup(target),
        .next_try = LLONG_MIN,
        .retry_ms = OFP_SERVICE_RETRY_MIN,
    };
    ctl->services =
        xrealloc(ctl->services, (ctl->n_services + 1) * sizeof *ctl->services);
    ctl->services[ctl->n_services++] = svc;
}

struct ofp_switch *
ofp_controller_find(struct ofp_controller *ctl, uint64_t dpid)
{
    struct ofp_switch *sw, *best = NULL;
    LIST_FOR_EACH (sw, node, &ctl->switches) {
        if (sw->ready && sw->dpid == dpid
            && (!best || sw->session < best->session)) {
            best = sw;
        }
    }
    return best;
}

size_t
ofp_controller_list(const struct ofp_controller *ctl, uint64_t **ret_dpids)
{
    size_t n = 0;
    uint64_t *dpids = NULL;
    size_t allocated = 0;

    const struct ofp_switch *sw;
    LIST_FOR_EACH (sw, node, &ctl->switches) {
        if (sw->ready) {
            if (n >= allocated) {
                dpids = x2nrealloc(dpids, &allocated, sizeof *dpids);
            }
            dpids[n++] = sw->dpid;
        }
    }
    *ret_dpids = dpids;
    return n;
}

void
ofp_controller_get_stats(const struct ofp_controller *ctl,
                         struct ofp_controller_stats *ret)
{
    *ret = ctl->stats;
}

/* -- Per switch -------------------------------------------------------- */

uint64_t
ofp_switch_dpid(const struct ofp_switch *sw)
{
    return sw->dpid;
}

uint64_t
ofp_switch_session(const struct ofp_switch *sw)
{
    return sw->session;
}

/* Parses 'text' into '*ret_msg', an OpenFlow 1.3 flow mod.  Returns 0, or
 * -EINVAL with the reason in '*ret_error' if 'ret_error' is not NULL. */
static int
flow_mod_parse(const char *text, struct ofpbuf **ret_msg, char **ret_error)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_flow_mod_str(&fm, text, NULL, NULL, -2, &usable);
    if (!error) {
        if (usable & OFP_PROTOCOL) {
            *ret_msg = ofputil_encode_flow_mod(&fm, OFP_PROTOCOL);
        } else {
            error = xstrdup("flow modification not expressible in "
                            "OpenFlow 1.3");
        }
        minimatch_destroy(&fm.match);
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
    }
    if (error) {
        if (ret_error) {
            *ret_error = error;
        } else {
            free(error);
        }
        return -EINVAL;
    }
    return 0;
}

int
ofp_flow_mod_check(const char *text, char **ret_error)
{
    struct ofpbuf *msg;
    int r = flow_mod_parse(text, &msg, ret_error);
    if (!r) {
        ofpbuf_delete(msg);
    }
    return r;
}

/* Sends a bundle control message of 'type' for the current bundle. */
static int
bundle_ctrl(struct ofp_switch *sw, uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = sw->bundle_id,
        .type = type,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    return rconn_send(sw->rconn,
                      ofputil_encode_bundle_ctrl_request(OFP13_VERSION, &bc),
                      NULL);
}

/* Wraps flow mod 'msg' (taking it) into the open bundle, opening one if
 * needed and committing it once it is full. */
static int
bundle_add(struct ofp_switch *sw, struct ofpbuf *msg)
{
    if (!sw->bundle_open) {
        sw->bundle_id++;
        sw->bundle_open = true;
        sw->bundle_size = 0;
        if (bundle_ctrl(sw, OFPBCT_OPEN_REQUEST)) {
            ofpbuf_delete(msg);
            return ENOTCONN;
        }
    }
    struct ofputil_bundle_add_msg bam = {
        .bundle_id = sw->bundle_id,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
        .msg = msg->data,
    };
    struct ofpbuf *add = ofputil_encode_bundle_add(OFP13_VERSION, &bam);
    ofpbuf_delete(msg);
    if (rconn_send(sw->rconn, add, NULL)) {
        return ENOTCONN;
    }
    if (++sw->bundle_size >= OFP_BUNDLE_MAX) {
        sw->bundle_open = false;
        return bundle_ctrl(sw, OFPBCT_COMMIT_REQUEST);
    }
    return 0;
}

int
ofp_switch_flow_mod(struct ofp_switch *sw, const char *text, char **ret_error)
{
    struct ofpbuf *msg;
    int r = flow_mod_parse(text, &msg, ret_error);
    if (!r
        && (sw->bundling ? bundle_add(sw, msg)
                         : rconn_send(sw->rconn, msg, NULL))) {
        return -ENOTCONN;
    }
    return r;
}

void
ofp_switch_bundle(struct ofp_switch *sw)
{
    sw->bundling = true;
}

int
ofp_switch_commit(struct ofp_switch *sw)
{
    sw->bundling = false;
    if (sw->bundle_open) {
        sw->bundle_open = false;
        if (bundle_ctrl(sw, OFPBCT_COMMIT_REQUEST)) {
            return -ENOTCONN;
        }
    }
    return 0;
}

struct ofp_request *
ofp_switch_barrier(struct ofp_switch *sw)
{
    return request_send(sw, OFP_REQ_BARRIER,
                        ofputil_encode_barrier_request(OFP13_VERSION));
}

struct ofp_request *
ofp_switch_dump_flows(struct ofp_switch *sw, int table_id)
{
    if (table_id < -1 || table_id > 254) {
        return NULL;
    }

    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = table_id < 0 ? 0xff : table_id,
    };
    match_init_catchall(&fsr.match);
    return request_send(sw, OFP_REQ_DUMP,
                        ofputil_encode_flow_stats_request(&fsr, OFP_PROTOCOL));
}

struct ofp_request *
ofp_switch_dump_flows_except(struct ofp_switch *sw, int table_id,
                             uint64_t cookie)
{
    struct ofp_request *req = ofp_switch_dump_flows(sw, table_id);

    if (req) {
        req->except = true;
        req->cookie = cookie;
    }
    return req;
}

/* -- Looking at a bridge ----------------------------------------------- */

int
ofp_dump_flows_sync(const char *target, int timeout_ms,
                    struct ofp_flow **ret_flows, size_t *ret_n)
{
    struct vconn *vconn;
    int error = vconn_open_block(target, OFP_VERSIONS, DSCP_DEFAULT,
                                 timeout_ms, &vconn);
    if (error) {
        return error == EAGAIN ? -ETIMEDOUT : -error;
    }

    /* Every table, every flow: what "ovs-ofctl dump-flows" asks. */
    struct ofputil_flow_stats_request fsr = {
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    struct ofputil_flow_stats *fses;
    size_t n;
    error = vconn_dump_flows(vconn, &fsr, OFP_PROTOCOL, &fses, &n);
    vconn_close(vconn);
    if (error) {
        /* Positive: an errno; OFPERR_*: the switch's refusal. */
        return error < OFPERR_OFS ? -error : -EPROTO;
    }

    struct ofp_flow *flows = xmalloc(MAX(n, 1) * sizeof *flows);
    for (size_t i = 0; i < n; i++) {
        flows[i] = flow_from_stats(&fses[i]);
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    *ret_flows = flows;
    *ret_n = n;
    return 0;
}

void
ofp_flows_free(struct ofp_flow *flows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(flows[i].match);
        free(flows[i].actions);
    }
    free(flows);
}
