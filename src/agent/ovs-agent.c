#include "agent/ovs-agent.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>

#include "agent/agent-config.h"
#include "agent/flows.h"
#include "agent/http-client.h"
#include "agent/iptables-firewall.h"
#include "agent/lvm.h"
#include "agent/ovs-firewall.h"
#include "agent/replica.h"
#include "core/log.h"
#include "core/sha1.h"
#include "core/util.h"
#include "ovs/ofp.h"
#include "ovs/ovsx.h"
#include "ovs/vswitch.h"

LOG_DEFINE_THIS_MODULE(ovs_agent);

#define BIND_RETRY_MS   2000 /* After a refused bind. */
#define CANARY_MS       1000 /* How often the canary flow is checked. */
#define REQUEST_TIMEOUT 10000
#define MAX_BRIDGES     16
#define BIG_SYNC        1000 /* Flow mods after which memory is trimmed. */

/* One bridge this agent controls, and the state of its flows. */
struct bridge {
    char *name;
    char *physnet;              /* NULL for br-int. */
    char patch[16];             /* phy-<name>, on this bridge. */
    char int_patch[16];         /* int-<name>, on br-int. */
    int phy_ofport, int_ofport; /* Of the two, -1: not known. */
    json_t *desired;            /* Parted flow set (flows_diff_parts()). */
    json_t *installed;          /* Sent on this connection; NULL: unknown. */
    /* Names of the parts of 'desired' replaced since the last sync, the
     * others being as installed; NULL: any part may have changed. */
    json_t *touched;
    struct ofp_request *dump; /* Stale-flow hunt after a full sync. */
    bool hunt;                /* Dump once the full sync's barrier is back. */
    struct ofp_request *barrier; /* Confirms what was sent. */
    struct vsw_txn *setup;
    bool clean; /* The switch holds 'desired' (barrier seen). */
    /* The connection 'installed' was sent on (ofp_switch_session()). */
    uint64_t session;
};

/* A transaction tagging one br-int port. */
struct tag_txn {
    char *port;
    struct vsw_txn *txn;
};

struct ovs_agent {
    const struct agent_config *cfg;
    struct vsw *vsw;
    struct ofp_controller *ctl;
    struct replica *replica;
    struct hclient *client;
    uint64_t cookie;

    struct bridge bridges[MAX_BRIDGES]; /* [0] is br-int. */
    size_t n_bridges;
    struct vsw_txn *peering;
    bool peered;

    struct lvm *lvm;
    struct ovsfw *fw;  /* firewall_driver = openvswitch, else NULL. */
    struct iptfw *ipt; /* firewall_driver = iptables_hybrid, else NULL. */
    bool ipt_failed;   /* The last iptables sync failed (logged once). */
    struct tag_txn *tags;
    size_t n_tags;
    /* Port id -> {"retry": ms, "busy": bool, "sent": status}. */
    json_t *ports;
    size_t n_vifs;

    unsigned int vsw_seqno, others_seqno, ofp_seqno, groups_seqno;
    bool dirty;          /* A full pass is due. */
    bool inputs_changed; /* The desired flows must be computed again. */
    bool flows_due;      /* Only a barrier or dump came back. */
    /* Statuses were looked at while flows were unconfirmed: look again
     * once they are. */
    bool statuses_pending;
    long long next_report, next_canary, next_retry;
    struct ofp_request *canary;
    bool reporting, started;
};

void
ovs_agent_patch_name(const char *prefix, const char *bridge, char *buf)
{
    uint8_t md[SHA1_LEN];
    size_t len;
    char *name;

    if (strlen(prefix) + strlen(bridge) <= 15) {
        name = xasprintf("%s%s", prefix, bridge);
    } else {
        sha1_bytes(bridge, strlen(bridge), md);
        name = xasprintf("%s%.*s%02x%02x%02x", prefix,
                         (int) (15 - MIN(strlen(prefix), 9) - 6), bridge,
                         md[0], md[1], md[2]);
    }
    len = MIN(strlen(name), 15);
    memcpy(buf, name, len);
    buf[len] = '\0';
    free(name);
}

static void
bridge_init(struct bridge *b, const char *name, const char *physnet)
{
    b->name = xstrdup(name);
    b->physnet = physnet ? xstrdup(physnet) : NULL;
    if (physnet) {
        ovs_agent_patch_name("phy-", name, b->patch);
        ovs_agent_patch_name("int-", name, b->int_patch);
    }
    b->phy_ofport = b->int_ofport = -1;
    b->desired = json_object();
}

/* Asks the controller to also reach each bridge through its management
 * socket, so that a restarted agent programs its bridges at once instead
 * of after their controller connections' backoff.  ovs-vswitchd keeps the
 * sockets in its run directory, which holds the OVSDB socket too when
 * the agent is given one (unix:), else is OVS's (OVS_RUNDIR or
 * /var/run/openvswitch). */
static void
add_mgmt_services(struct ovs_agent *a)
{
    const char *db = a->cfg->ovsdb_connection;
    char *rundir;

    if (!strncmp(db, "unix:", 5) && strrchr(db, '/')) {
        rundir = xstrndup(db + 5, strrchr(db, '/') - (db + 5));
    } else {
        rundir = xstrdup(ovsx_rundir());
    }
    for (size_t i = 0; i < a->n_bridges; i++) {
        char *target =
            xasprintf("unix:%s/%s.mgmt", rundir, a->bridges[i].name);
        ofp_controller_add_service(a->ctl, target);
        free(target);
    }
    free(rundir);
}

struct ovs_agent *
ovs_agent_create(const struct agent_config *cfg, struct vsw *vsw,
                 struct ofp_controller *ctl, struct replica *replica,
                 struct hclient *client)
{
    struct ovs_agent *a = xcalloc(1, sizeof *a);

    a->cfg = cfg;
    a->vsw = vsw;
    a->ctl = ctl;
    a->replica = replica;
    a->client = client;
    while (!a->cookie) {
        random_bytes(&a->cookie, sizeof a->cookie);
    }
    a->lvm = lvm_create();
    if (agent_config_firewall(cfg) == AGENT_FW_OPENVSWITCH) {
        a->fw = ovsfw_create(a->cookie);
    } else if (agent_config_firewall(cfg) == AGENT_FW_IPTABLES_HYBRID) {
        a->ipt = iptfw_create();
    }
    a->ports = json_object();
    bridge_init(&a->bridges[0], cfg->integration_bridge, NULL);
    for (size_t i = 0; i < cfg->n_mappings && i + 1 < MAX_BRIDGES; i++) {
        bridge_init(&a->bridges[i + 1], cfg->mappings[i].bridge,
                    cfg->mappings[i].physnet);
    }
    a->n_bridges = 1 + MIN(cfg->n_mappings, (size_t) MAX_BRIDGES - 1);
    a->dirty = true;
    a->inputs_changed = true;
    log_info("cookie of this run: %#" PRIx64, a->cookie);
    add_mgmt_services(a);
    return a;
}

static void
bridge_destroy(struct bridge *b)
{
    free(b->name);
    free(b->physnet);
    json_decref(b->desired);
    json_decref(b->installed);
    json_decref(b->touched);
    ofp_request_free(b->dump);
    ofp_request_free(b->barrier);
    vsw_txn_free(b->setup);
}

void
ovs_agent_destroy(struct ovs_agent *a)
{
    if (a) {
        for (size_t i = 0; i < a->n_bridges; i++) {
            bridge_destroy(&a->bridges[i]);
        }
        for (size_t i = 0; i < a->n_tags; i++) {
            free(a->tags[i].port);
            vsw_txn_free(a->tags[i].txn);
        }
        free(a->tags);
        vsw_txn_free(a->peering);
        ofp_request_free(a->canary);
        lvm_destroy(a->lvm);
        ovsfw_destroy(a->fw);
        iptfw_destroy(a->ipt);
        json_decref(a->ports);
        free(a);
    }
}

/* ---- Talking to the server. ---- */

/* A request about one port. */
struct port_call {
    struct ovs_agent *agent;
    char id[40];
};

static json_t *
port_state(struct ovs_agent *a, const char *id)
{
    json_t *st = json_object_get(a->ports, id);

    if (!st) {
        st = json_object();
        json_object_set_new(a->ports, id, st);
    }
    return st;
}

static struct port_call *
port_call_new(struct ovs_agent *a, const char *id)
{
    struct port_call *c = xcalloc(1, sizeof *c);

    c->agent = a;
    snprintf(c->id, sizeof c->id, "%s", id);
    json_object_set_new(port_state(a, id), "busy", json_true());
    return c;
}

static void
on_bind(void *aux, long status, json_t *body)
{
    struct port_call *c = aux;
    struct ovs_agent *a = c->agent;
    json_t *st;

    st = port_state(a, c->id);
    json_object_del(st, "busy");
    if (status == 200) {
        replica_put_network(a->replica, json_object_get(body, "network"));
        replica_put_port(a->replica, json_object_get(body, "port"));
        log_info("port %s bound to %s", c->id, a->cfg->host);
    } else {
        json_object_set_new(st, "retry",
                            json_integer(ovsx_time_msec() + BIND_RETRY_MS));
        log_info("port %s not bound here (HTTP %ld): dead VLAN", c->id,
                 status);
    }
    a->dirty = true;
    free(c);
}

static void
bind_port(struct ovs_agent *a, const char *id)
{
    json_t *st = port_state(a, id);
    json_int_t retry = json_integer_value(json_object_get(st, "retry"));
    char *path;

    if (json_object_get(st, "busy") || ovsx_time_msec() < retry) {
        a->next_retry = MIN(a->next_retry ? a->next_retry : retry, retry);
        return;
    }
    path = xasprintf("/neutrino/v1/ports/%s/bind", id);
    hclient_request(a->client, "POST", path,
                    json_pack("{s:s}", "host", a->cfg->host), REQUEST_TIMEOUT,
                    on_bind, port_call_new(a, id));
    free(path);
}

static void
on_status(void *aux, long status, json_t *body)
{
    struct port_call *c = aux;
    json_t *st;

    st = port_state(c->agent, c->id);
    json_object_del(st, "busy");
    if (status != 204) {
        json_object_del(st, "sent"); /* Try again on the next pass. */
        log_warn("port %s: status not set (HTTP %ld)", c->id, status);
    }
    c->agent->dirty = true;
    free(c);
}

/* Tells the server port 'id' is 'status', unless that is known already. */
static void
set_status(struct ovs_agent *a, const char *id, const char *status)
{
    json_t *port = replica_port(a->replica, id);
    json_t *st = port_state(a, id);
    const char *sent = json_string_value(json_object_get(st, "sent"));
    char *path;

    if (json_object_get(st, "busy")
        || (port
            && !strcmp(json_string_value(json_object_get(port, "status")),
                       status))
        || (sent && !strcmp(sent, status))) {
        return;
    }
    json_object_set_new(st, "sent", json_string(status));
    path = xasprintf("/neutrino/v1/ports/%s/status", id);
    hclient_request(
        a->client, "PUT", path,
        json_pack("{s:s, s:s}", "host", a->cfg->host, "status", status),
        REQUEST_TIMEOUT, on_status, port_call_new(a, id));
    free(path);
    log_info("port %s %s", id, status);
}

static void
on_report(void *aux, long status, json_t *body)
{
    struct ovs_agent *a = aux;
    const char *state = json_string_value(json_object_get(body, "state"));

    a->reporting = false;
    if (status != 200) {
        log_warn("state report failed (HTTP %ld)", status);
        a->next_report =
            ovsx_time_msec() + MIN(a->cfg->report_interval, 5) * 1000LL;
        return;
    }
    a->started = true;
    if (state && !strcmp(state, "revived")) {
        log_info("the server had declared this agent dead: resyncing");
        replica_resync(a->replica);
    }
    a->dirty = true; /* Binds refused before the first report may work. */
}

static void
report_state(struct ovs_agent *a)
{
    json_t *mappings = json_object();

    for (size_t i = 1; i < a->n_bridges; i++) {
        json_object_set_new(mappings, a->bridges[i].physnet,
                            json_string(a->bridges[i].name));
    }
    hclient_request(
        a->client, "POST", "/neutrino/v1/agents/report",
        json_pack("{s:{s:s, s:s, s:s, s:s, s:b, s:{s:o, s:s, s:s, s:b, "
                  "s:I, s:[], s:b, s:b, s:b, s:[], s:s}}}",
                  "agent_state", "binary", "neutrino-agent", "host",
                  a->cfg->host, "topic", "N/A", "agent_type",
                  "Open vSwitch agent", "start_flag", !a->started,
                  "configurations", "bridge_mappings", mappings,
                  "integration_bridge", a->cfg->integration_bridge,
                  "datapath_type", a->cfg->datapath_type, "ovs_hybrid_plug",
                  agent_config_firewall(a->cfg) == AGENT_FW_IPTABLES_HYBRID,
                  "devices", (json_int_t) a->n_vifs, "tunnel_types",
                  "l2_population", false, "arp_responder_enabled", false,
                  "enable_distributed_routing", false, "extensions",
                  "firewall_driver",
                  agent_config_firewall_name(agent_config_firewall(a->cfg))),
        REQUEST_TIMEOUT, on_report, a);
    a->reporting = true;
    a->next_report = ovsx_time_msec() + a->cfg->report_interval * 1000LL;
}

/* ---- Bridges and patch ports. ---- */

static bool
txn_busy(struct vsw_txn **txn)
{
    int r;

    if (!*txn) {
        return false;
    }
    r = vsw_txn_status(*txn);
    if (r == -EINPROGRESS) {
        return true;
    }
    if (r) {
        log_warn("OVSDB transaction failed: %s", strerror(-r));
    }
    vsw_txn_free(*txn);
    *txn = NULL;
    return false;
}

/* Creates or corrects the bridges and their unpeered patch ports. */
static void
setup_bridges(struct ovs_agent *a)
{
    char *controller = xasprintf("tcp:%s:%d", a->cfg->of_listen_address,
                                 a->cfg->of_listen_port);
    struct vsw_bridge_config bc = {
        .datapath_type = a->cfg->datapath_type,
        .controller = controller,
        .inactivity_probe_ms = a->cfg->of_inactivity_probe * 1000,
        .mac_table_size = 50000,
    };
    const char *br_int = a->bridges[0].name;

    for (size_t i = 0; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];
        if (!txn_busy(&b->setup)
            && vsw_ensure_bridge(a->vsw, b->name, &bc, &b->setup)) {
            log_warn("cannot set up bridge %s", b->name);
        }
    }
    for (size_t i = 1; i < a->n_bridges && !txn_busy(&a->peering); i++) {
        struct bridge *b = &a->bridges[i];
        struct vsw_bridge vb;

        if (vsw_get_bridge(a->vsw, b->name, &vb)
            || vsw_get_bridge(a->vsw, br_int, &vb)) {
            continue; /* Created by the transactions above first. */
        }
        if (vsw_ensure_patch_ports(a->vsw, br_int, b->int_patch, b->name,
                                   b->patch, a->peered, NULL)) {
            log_warn("cannot set up patch ports of %s", b->name);
        }
    }
    free(controller);
}

/* Peers the patch ports once every bridge holds its drop flows. */
static void
peer_patches(struct ovs_agent *a)
{
    if (a->peered || txn_busy(&a->peering)) {
        return;
    }
    for (size_t i = 0; i < a->n_bridges; i++) {
        if (!a->bridges[i].clean) {
            return;
        }
    }
    for (size_t i = 1; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];

        if (vsw_ensure_patch_ports(a->vsw, a->bridges[0].name, b->int_patch,
                                   b->name, b->patch, true, &a->peering)) {
            return;
        }
    }
    a->peered = true;
    log_info("patch ports peered");
}

/* ---- Flows. ---- */

struct emit_ctx {
    struct bridge *bridge;
    struct ofp_switch *sw;
    struct ovsfw *fw; /* Expands br-int's firewall parts, or NULL. */
    bool failed;
};

static json_t *
expand_part(void *aux, json_t *part)
{
    struct emit_ctx *e = aux;

    return e->fw ? ovsfw_expand(e->fw, part) : json_incref(part);
}

static void
emit_flow(void *aux, const char *command)
{
    struct emit_ctx *e = aux;
    char *error = NULL;
    int r = ofp_switch_flow_mod(e->sw, command, &error);

    if (r == -EINVAL) {
        log_error("%s: bad flow '%s': %s", e->bridge->name, command, error);
    } else if (r) {
        e->failed = true;
    }
    free(error);
}

/* Deletes the flows of a completed dump whose cookie is not this run's. */
static void
delete_stale(struct ovs_agent *a, struct emit_ctx *e)
{
    const struct ofp_flow *flows;
    size_t n = ofp_request_flows(e->bridge->dump, &flows);
    size_t stale = 0;

    for (size_t i = 0; i < n; i++) {
        const struct ofp_flow *f = &flows[i];
        char *cmd;

        if (f->cookie == a->cookie) {
            continue;
        }
        cmd = xasprintf("delete_strict table=%d,priority=%d%s%s,"
                        "cookie=%#" PRIx64 "/-1",
                        f->table_id, f->priority, *f->match ? "," : "",
                        f->match, f->cookie);
        emit_flow(e, cmd);
        free(cmd);
        stale++;
    }
    if (stale) {
        log_info("%s: %zu stale flows removed", e->bridge->name, stale);
    }
}

/* Returns how many flow mods it sent. */
static int
sync_flows(struct ovs_agent *a, struct bridge *b)
{
    struct vsw_bridge vb;
    struct emit_ctx e = {b, NULL, b == a->bridges ? a->fw : NULL, false};
    int sent = 0;

    if (!vsw_get_bridge(a->vsw, b->name, &vb) && vb.has_datapath_id) {
        e.sw = ofp_controller_find(a->ctl, vb.datapath_id);
    }
    if (!e.sw) {
        b->clean = false;
        json_decref(b->installed);
        b->installed = NULL;
        return 0;
    }
    if (!b->installed) {
        /* A new connection: everything again with this run's cookie,
         * then the hunt for what older runs left.  The hunt's dump waits
         * for the adds to be in: an add replaces the old run's flow of the
         * same match, so only the truly stale ones are left to delete. */
        b->installed = json_object();
        b->session = ofp_switch_session(e.sw);
        json_decref(b->touched);
        b->touched = NULL;
        ofp_request_free(b->dump);
        b->dump = NULL;
        b->hunt = true;
    }
    ofp_switch_bundle(e.sw);
    if (b->touched) {
        sent = flows_diff_named(b->installed, b->desired, b->touched,
                                a->cookie, expand_part, emit_flow, &e);
    } else {
        sent = flows_diff_parts(b->installed, b->desired, a->cookie,
                                expand_part, emit_flow, &e);
        /* A full computation makes a new 'desired' and parts are never
         * changed once in a set: what was sent is this very object
         * (update_firewall() copies it before changing it). */
        json_decref(b->installed);
        b->installed = json_incref(b->desired);
    }
    json_decref(b->touched);
    b->touched = json_object();
    if (b->dump && ofp_request_status(b->dump) != -EINPROGRESS) {
        if (!ofp_request_status(b->dump)) {
            delete_stale(a, &e);
            sent++;
        }
        ofp_request_free(b->dump);
        b->dump = NULL;
    }
    if (ofp_switch_commit(e.sw)) {
        e.failed = true;
    }
    if (sent || (b->hunt && !b->barrier)) {
        ofp_request_free(b->barrier);
        b->barrier = ofp_switch_barrier(e.sw);
        b->clean = false;
    }
    if (b->barrier && ofp_request_status(b->barrier) != -EINPROGRESS) {
        b->clean = !ofp_request_status(b->barrier) && !b->dump && !b->hunt;
        if (!ofp_request_status(b->barrier) && b->hunt) {
            b->dump = ofp_switch_dump_flows_except(e.sw, -1, a->cookie);
            b->hunt = false;
        }
        ofp_request_free(b->barrier);
        b->barrier = NULL;
        a->flows_due = true;
    }
    if (e.failed) {
        json_decref(b->installed);
        b->installed = NULL;
        b->clean = false;
    }
    return sent;
}

/* Forgets what every switch holds: the next pass re-adds all flows. */
static void
flows_lost(struct ovs_agent *a)
{
    for (size_t i = 0; i < a->n_bridges; i++) {
        json_decref(a->bridges[i].installed);
        a->bridges[i].installed = NULL;
        a->bridges[i].clean = false;
    }
    a->dirty = true;
}

/* Forgets what the switches whose connection is new hold, so they get
 * everything again; the others keep theirs (one bridge connecting after
 * a restart must not make br-int's 50,000 flows go out twice).  If a
 * connection is replaced by one at the same address in between, the
 * flows are still there (fail_mode=secure keeps them across controller
 * connections); a restarted ovs-vswitchd is the canary's to notice. */
static void
switches_changed(struct ovs_agent *a)
{
    for (size_t i = 0; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];
        struct ofp_switch *sw = NULL;
        struct vsw_bridge vb;

        if (!vsw_get_bridge(a->vsw, b->name, &vb) && vb.has_datapath_id) {
            sw = ofp_controller_find(a->ctl, vb.datapath_id);
        }
        if (!sw || ofp_switch_session(sw) != b->session) {
            json_decref(b->installed);
            b->installed = NULL;
            b->clean = false;
        }
    }
    a->dirty = true;
}

/* A missing canary means ovs-vswitchd lost its flows (say, restarted
 * without the connection noticing). */
static void
check_canary(struct ovs_agent *a)
{
    struct bridge *br_int = &a->bridges[0];
    struct vsw_bridge vb;
    struct ofp_switch *sw;
    const struct ofp_flow *flows;

    if (a->canary && ofp_request_status(a->canary) != -EINPROGRESS) {
        if (!ofp_request_status(a->canary)
            && !ofp_request_flows(a->canary, &flows) && br_int->clean) {
            log_warn("canary flow gone: reinstalling every flow");
            flows_lost(a);
        }
        ofp_request_free(a->canary);
        a->canary = NULL;
    }
    if (a->canary || ovsx_time_msec() < a->next_canary || !br_int->clean
        || vsw_get_bridge(a->vsw, br_int->name, &vb) || !vb.has_datapath_id
        || !(sw = ofp_controller_find(a->ctl, vb.datapath_id))) {
        return;
    }
    a->canary = ofp_switch_dump_flows(sw, FLOWS_CANARY_TABLE);
    a->next_canary = ovsx_time_msec() + CANARY_MS;
}

/* ---- Ports. ---- */

/* The local VLAN hint a port left in its other_config for 'net_id'. */
static int
vlan_hint(const struct vsw_iface *iface, const char *net_id)
{
    return iface->net_uuid && iface->oc_tag && !strcmp(iface->net_uuid, net_id)
               ? atoi(iface->oc_tag)
               : 0;
}

/* The network of 'port' if this host can wire it: bound here through
 * OVS, on a flat or VLAN network of a mapped physical network. */
static json_t *
wirable_network(struct ovs_agent *a, json_t *port)
{
    const char *host, *vif, *type;
    json_t *net;

    if (!port) {
        return NULL;
    }
    host = json_string_value(json_object_get(port, "binding:host_id"));
    vif = json_string_value(json_object_get(port, "binding:vif_type"));
    net = replica_network(
        a->replica, json_string_value(json_object_get(port, "network_id")));
    type = json_string_value(json_object_get(net, "provider:network_type"));
    if (!host || strcmp(host, a->cfg->host) || !vif || strcmp(vif, "ovs")
        || !type || (strcmp(type, "flat") && strcmp(type, "vlan"))
        || !agent_config_bridge(
            a->cfg, json_string_value(
                        json_object_get(net, "provider:physical_network")))) {
        return NULL;
    }
    return net;
}

static bool
tag_pending(struct ovs_agent *a, const char *port)
{
    for (size_t i = 0; i < a->n_tags; i++) {
        if (!strcmp(a->tags[i].port, port)) {
            return true;
        }
    }
    return false;
}

static void
reap_tag_txns(struct ovs_agent *a)
{
    size_t j = 0;

    for (size_t i = 0; i < a->n_tags; i++) {
        if (txn_busy(&a->tags[i].txn)) {
            a->tags[j++] = a->tags[i];
        } else {
            free(a->tags[i].port);
            a->dirty = true;
        }
    }
    a->n_tags = j;
}

/* Puts the port of 'iface' on VLAN 'tag' with 'net' recorded, unless it is
 * there already. */
static void
set_tag(struct ovs_agent *a, const struct vsw_iface *iface, int tag,
        json_t *net, int lvid)
{
    char tag_text[16], segid[16];
    struct vsw_kv kv[5];
    size_t n = 0;
    json_t *seg = json_object_get(net, "provider:segmentation_id");

    snprintf(tag_text, sizeof tag_text, "%d", lvid);
    if (iface->tag == tag
        && (!net
            || (iface->net_uuid
                && !strcmp(iface->net_uuid,
                           json_string_value(json_object_get(net, "id")))
                && iface->oc_tag && !strcmp(iface->oc_tag, tag_text)))) {
        return;
    }
    if (tag_pending(a, iface->port_name)) {
        return;
    }
    if (net) {
        kv[n++] = (struct vsw_kv){
            "net_uuid", json_string_value(json_object_get(net, "id"))};
        kv[n++] = (struct vsw_kv){
            "network_type",
            json_string_value(json_object_get(net, "provider:network_type"))};
        kv[n++] = (struct vsw_kv){"physical_network",
                                  json_string_value(json_object_get(
                                      net, "provider:physical_network"))};
        kv[n++] = (struct vsw_kv){"tag", tag_text};
        if (json_is_integer(seg)) {
            snprintf(segid, sizeof segid, "%lld",
                     (long long) json_integer_value(seg));
            kv[n++] = (struct vsw_kv){"segmentation_id", segid};
        }
    }
    a->tags = xrealloc(a->tags, (a->n_tags + 1) * sizeof *a->tags);
    a->tags[a->n_tags] = (struct tag_txn){xstrdup(iface->port_name), NULL};
    if (vsw_set_port_vlan(a->vsw, iface->port_name, tag, kv, n,
                          &a->tags[a->n_tags].txn)) {
        free(a->tags[a->n_tags].port);
        return;
    }
    a->n_tags++;
}

/* The physical bridge of 'net' ([1..]), or NULL. */
static struct bridge *
bridge_of(struct ovs_agent *a, json_t *net)
{
    const char *physnet =
        json_string_value(json_object_get(net, "provider:physical_network"));

    for (size_t i = 1; physnet && i < a->n_bridges; i++) {
        if (!strcmp(a->bridges[i].physnet, physnet)) {
            return &a->bridges[i];
        }
    }
    return NULL;
}

static int
segid_of(json_t *net)
{
    const char *type =
        json_string_value(json_object_get(net, "provider:network_type"));
    json_t *seg = json_object_get(net, "provider:segmentation_id");

    return type && !strcmp(type, "vlan") && json_is_integer(seg)
               ? (int) json_integer_value(seg)
               : -1;
}

/* The ofport of interface 'name' among 'ifaces', or -1. */
static int
ofport_of(const struct vsw_iface *ifaces, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(ifaces[i].name, name)) {
            return ifaces[i].ofport > 0 ? (int) ifaces[i].ofport : -1;
        }
    }
    return -1;
}

/* Learns the patch ports' ofports; 'ifaces' are br-int's. */
static void
find_patch_ofports(struct ovs_agent *a, const struct vsw_iface *ifaces,
                   size_t n)
{
    for (size_t i = 1; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];
        struct vsw_iface *phys = NULL;
        size_t n_phys = 0;

        b->int_ofport = ofport_of(ifaces, n, b->int_patch);
        b->phy_ofport = -1;
        if (!vsw_list_ifaces(a->vsw, b->name, &phys, &n_phys)) {
            b->phy_ofport = ofport_of(phys, n_phys, b->patch);
            free(phys);
        }
    }
}

/* True for an interface a VM or container plugged: it names a port. */
static bool
is_vif(const struct vsw_iface *iface)
{
    return iface->iface_id && *iface->iface_id && iface->ofport > 0
           && strcmp(iface->type, "patch");
}

/* Wires the VIFs whose ports this host may serve: local VLAN, tag, and
 * the network's flows.  Ports with a hint go first, so they keep their
 * VLAN across restarts.  The others go on the dead VLAN and get bound. */
static void
wire_vifs(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n)
{
    /* The hints are read before any tag is set: setting one rewrites its
     * Port's other_config, which frees the strings 'ifaces' point to. */
    json_t **nets = xcalloc(n ? n : 1, sizeof *nets);
    int *hints = xcalloc(n ? n : 1, sizeof *hints);

    for (size_t i = 0; i < n; i++) {
        if (is_vif(&ifaces[i])) {
            nets[i] = wirable_network(
                a, replica_port(a->replica, ifaces[i].iface_id));
            hints[i] = nets[i] ? vlan_hint(
                           &ifaces[i],
                           json_string_value(json_object_get(nets[i], "id")))
                               : 0;
        }
    }
    lvm_begin(a->lvm);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const char *net_id;

            if (!nets[i] || (pass == 0) != (hints[i] > 0)) {
                continue;
            }
            net_id = json_string_value(json_object_get(nets[i], "id"));
            set_tag(a, &ifaces[i], lvm_use(a->lvm, net_id, hints[i]), nets[i],
                    lvm_get(a->lvm, net_id));
        }
    }
    lvm_end(a->lvm);
    free(hints);
    free(nets);
}

/* The port and local VLAN of each VIF wired here, as 'fn' wants them. */
typedef void wired_func(struct ovs_agent *, const struct vsw_iface *,
                        json_t *port, int lvid, void *aux);

static void
for_each_wired(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n,
               wired_func *fn, void *aux)
{
    for (size_t i = 0; i < n; i++) {
        json_t *port = is_vif(&ifaces[i])
                           ? replica_port(a->replica, ifaces[i].iface_id)
                           : NULL;
        json_t *net = wirable_network(a, port);
        const char *net_id = json_string_value(json_object_get(net, "id"));
        int lvid = net_id ? lvm_get(a->lvm, net_id) : -1;

        if (lvid > 0) {
            fn(a, &ifaces[i], port, lvid, aux);
        }
    }
}

/* Puts part 'name' into br-int's desired flows 'b', noting the change. */
static void
put_part(struct bridge *b, const char *name, json_t *part)
{
    json_object_set(b->desired, name, part);
    if (b->touched) {
        json_object_set_new(b->touched, name, json_true());
    }
}

/* The firewall part of port 'id': "port:ID". */
static void
put_port_part(void *b, const char *id, json_t *flows)
{
    char *name = xasprintf("port:%s", id);

    put_part(b, name, flows);
    free(name);
}

static void
add_port_part(struct ovs_agent *a, const struct vsw_iface *iface, json_t *port,
              int lvid, void *b)
{
    put_port_part(b, iface->iface_id,
                  ovsfw_port(a->fw, port, (int) iface->ofport, lvid));
}

/* br-int's firewall parts: the tables' defaults, a part per port wired
 * here ("port:ID": the same json_t while nothing it depends on changed),
 * the groups' rules, their group sets' clauses and the remote addresses
 * they need. */
static void
firewall_flows(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n,
               json_t *parts)
{
    ovsfw_begin(a->fw, replica_security_groups(a->replica),
                replica_address_groups(a->replica));
    json_object_set_new(parts, "fw", ovsfw_base_flows(a->fw));
    for_each_wired(a, ifaces, n, add_port_part, &a->bridges[0]);
    ovsfw_end(a->fw, parts);
}

/* After a change of groups only: the firewall parts that depend on them,
 * without a pass over the ports.  False if there is no firewall state to
 * update (a full computation is due). */
static bool
update_firewall(struct ovs_agent *a)
{
    struct bridge *b = &a->bridges[0];

    if (!a->fw || !json_object_get(b->desired, "fw-rules")) {
        return false;
    }
    if (b->desired == b->installed) {
        json_t *sent = b->desired;

        b->desired = json_copy(sent); /* The parts are shared. */
        json_decref(sent);            /* 'installed' keeps it. */
    }
    ovsfw_update_groups(a->fw, replica_security_groups(a->replica),
                        replica_address_groups(a->replica), put_port_part, b,
                        b->desired);
    if (b->touched) {
        json_object_set_new(b->touched, "fw-rules", json_true());
        json_object_set_new(b->touched, "fw-sets", json_true());
        json_object_set_new(b->touched, "fw-remote", json_true());
    }
    return true;
}

static void
add_spoofing(struct ovs_agent *a, const struct vsw_iface *iface, json_t *port,
             int lvid, void *parts)
{
    char *name = xasprintf("spoof:%s", iface->iface_id);

    json_object_set_new(
        parts, name,
        ovsfw_spoofing_flows(a->cookie, port, (int) iface->ofport));
    free(name);
}

/* With iptables_hybrid, br-int's ARP and MAC spoofing protection. */
static void
spoofing_flows(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n,
               json_t *parts)
{
    for_each_wired(a, ifaces, n, add_spoofing, parts);
}

static void
add_ipt_port(struct ovs_agent *a, const struct vsw_iface *iface, json_t *port,
             int lvid, void *ports_)
{
    json_t *ports = ports_;

    json_array_append_new(
        ports, json_pack("{s:O, s:i}", "port", port, "zone", 4096 + lvid));
}

/* An iptables sync failed: logged once, tried again after a while. */
static void
ipt_failed(struct ovs_agent *a, int r)
{
    long long retry = ovsx_time_msec() + BIND_RETRY_MS;

    if (!a->ipt_failed) {
        log_warn("iptables rules not applied (%s): retrying", strerror(-r));
    }
    a->ipt_failed = true;
    a->next_retry = a->next_retry ? MIN(a->next_retry, retry) : retry;
}

/* Reaps an iptables sync child: once it ended, a pass looks again (the
 * ports may have changed meanwhile). */
static void
ipt_run(struct ovs_agent *a)
{
    int r = a->ipt ? iptfw_run(a->ipt) : 0;

    if (r > 0) {
        a->ipt_failed = false;
        a->dirty = true;
    } else if (r < 0) {
        ipt_failed(a, r); /* Not at once: a tool failing may go on. */
    }
}

/* With iptables_hybrid: iptables and ipsets for the ports wired here
 * (their conntrack zone per network, as Neutron's from 4097 up). */
static void
sync_iptables(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n)
{
    json_t *list = json_array(), *v;
    struct iptfw_port *ports;
    size_t i;
    int r;

    for_each_wired(a, ifaces, n, add_ipt_port, list);
    ports = xcalloc(json_array_size(list) + 1, sizeof *ports);
    json_array_foreach (list, i, v) {
        ports[i] = (struct iptfw_port){
            json_object_get(v, "port"),
            (int) json_integer_value(json_object_get(v, "zone"))};
    }
    r = iptfw_sync(a->ipt, ports, json_array_size(list),
                   replica_security_groups(a->replica),
                   replica_address_groups(a->replica));
    if (r == -EINPROGRESS) {
        log_debug("iptables rules of %zu ports being applied",
                  json_array_size(list));
    } else if (r < 0 && r != -EBUSY) {
        ipt_failed(a, r);
    }
    free(ports);
    json_decref(list);
}

/* The desired flows of every bridge, from the local VLANs (part "l2") and
 * the firewall. */
static void
compute_flows(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n)
{
    struct bridge *br_int = &a->bridges[0];
    json_t *seen = json_object();
    json_t *l2[MAX_BRIDGES];

    for (size_t i = 0; i < a->n_bridges; i++) {
        json_decref(a->bridges[i].desired);
        a->bridges[i].desired = json_object();
        json_decref(a->bridges[i].touched);
        a->bridges[i].touched = NULL;
        l2[i] = json_object();
        json_object_set_new(a->bridges[i].desired, "l2", l2[i]);
    }
    flows_int_base(l2[0], a->cookie);
    for (size_t i = 1; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];
        if (b->int_ofport > 0) {
            flows_int_physnet(l2[0], a->cookie, b->int_ofport);
        }
        if (b->phy_ofport > 0) {
            flows_phys_base(l2[i], a->cookie, b->phy_ofport);
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_t *net = wirable_network(a, is_vif(&ifaces[i]) ? replica_port(
                                             a->replica, ifaces[i].iface_id)
                                                            : NULL);
        const char *net_id = json_string_value(json_object_get(net, "id"));
        struct bridge *b = net ? bridge_of(a, net) : NULL;
        int lvid = net_id ? lvm_get(a->lvm, net_id) : -1;

        if (is_vif(&ifaces[i]) && !net) {
            flows_int_dead_port(l2[0], a->cookie, (int) ifaces[i].ofport);
        }
        if (!b || lvid < 0 || json_object_get(seen, net_id)) {
            continue;
        }
        json_object_set_new(seen, net_id, json_true());
        if (b->int_ofport > 0) {
            flows_int_network(l2[0], a->cookie, b->int_ofport, lvid,
                              segid_of(net));
        }
        if (b->phy_ofport > 0) {
            flows_phys_network(l2[b - a->bridges], a->cookie, b->phy_ofport,
                               lvid, segid_of(net));
        }
    }
    json_decref(seen);
    if (a->fw && replica_has_security_groups(a->replica)) {
        firewall_flows(a, ifaces, n, br_int->desired);
    } else if (a->ipt && replica_has_security_groups(a->replica)) {
        spoofing_flows(a, ifaces, n, br_int->desired);
    }
}

/* The DHCP role reports its ports' status (once dnsmasq serves). */
static bool
is_dhcp_port(json_t *port)
{
    const char *owner =
        json_string_value(json_object_get(port, "device_owner"));

    return owner && str_startswith(owner, "network:dhcp");
}

/* Binds unknown VIFs, dead-tags what cannot be wired, reports statuses. */
static void
port_statuses(struct ovs_agent *a, const struct vsw_iface *ifaces, size_t n)
{
    bool clean = true;
    json_t *plugged = json_object();
    const char *id;
    json_t *port;

    for (size_t i = 0; i < a->n_bridges; i++) {
        clean = clean && a->bridges[i].clean;
    }
    a->next_retry = 0;
    for (size_t i = 0; i < n; i++) {
        const struct vsw_iface *f = &ifaces[i];
        json_t *net;

        if (!is_vif(f)) {
            continue;
        }
        json_object_set_new(plugged, f->iface_id, json_true());
        port = replica_port(a->replica, f->iface_id);
        net = wirable_network(a, port);
        if (!net) {
            set_tag(a, f, LVM_DEAD_VLAN, NULL, 0);
            bind_port(a, f->iface_id);
        } else if (clean && a->started && !is_dhcp_port(port)
                   && f->tag
                          == lvm_get(a->lvm, json_string_value(json_object_get(
                                                 net, "id")))) {
            set_status(a, f->iface_id, "ACTIVE");
        }
    }
    /* Ports bound here whose interface went away. */
    json_object_foreach (replica_ports(a->replica), id, port) {
        const char *host =
            json_string_value(json_object_get(port, "binding:host_id"));
        if (host && !strcmp(host, a->cfg->host)
            && !json_object_get(plugged, id) && !is_dhcp_port(port)) {
            set_status(a, id, "DOWN");
        }
    }
    json_decref(plugged);
}

static bool
all_clean(const struct ovs_agent *a)
{
    for (size_t i = 0; i < a->n_bridges; i++) {
        if (!a->bridges[i].clean) {
            return false;
        }
    }
    return true;
}

static void
reconcile(struct ovs_agent *a)
{
    struct vsw_iface *ifaces = NULL;
    long long t0, t1;
    size_t n = 0;
    int sent = 0;

    setup_bridges(a);
    if (!replica_is_synced(a->replica)
        || vsw_list_ifaces(a->vsw, a->bridges[0].name, &ifaces, &n)) {
        return; /* Nothing is touched before the server's state is in. */
    }
    a->n_vifs = 0;
    for (size_t i = 0; i < n; i++) {
        a->n_vifs += is_vif(&ifaces[i]);
    }
    find_patch_ofports(a, ifaces, n);
    wire_vifs(a, ifaces, n);
    t0 = ovsx_time_msec();
    if (a->inputs_changed) {
        /* Not for a pass that only reports statuses or follows a barrier:
         * at 1,000 ports a computation is most of a pass's cost. */
        compute_flows(a, ifaces, n);
        a->inputs_changed = false;
    }
    t1 = ovsx_time_msec();
    for (size_t i = 0; i < a->n_bridges; i++) {
        sent += sync_flows(a, &a->bridges[i]);
    }
    if (sent) {
        log_debug("%d flow mods: computed in %lld ms, sent in %lld ms", sent,
                  t1 - t0, ovsx_time_msec() - t1);
    }
    if (sent >= BIG_SYNC) {
        malloc_trim(0); /* Its flows' text went; give the pages back. */
    }
    peer_patches(a);
    port_statuses(a, ifaces, n);
    a->statuses_pending = !all_clean(a);
    if (a->ipt && replica_has_security_groups(a->replica)) {
        sync_iptables(a, ifaces, n);
    }
    free(ifaces);
}

/* A pass that follows the flows only (a changed part, a barrier or dump
 * back), looking at the ports only if they wait for confirmed flows. */
static void
sync_only(struct ovs_agent *a)
{
    struct vsw_iface *ifaces = NULL;
    long long t0 = ovsx_time_msec();
    size_t n = 0;
    int sent = 0;

    for (size_t i = 0; i < a->n_bridges; i++) {
        sent += sync_flows(a, &a->bridges[i]);
    }
    if (sent) {
        log_debug("%d flow mods: sent in %lld ms", sent,
                  ovsx_time_msec() - t0);
    }
    peer_patches(a);
    if (a->statuses_pending && all_clean(a)
        && !vsw_list_ifaces(a->vsw, a->bridges[0].name, &ifaces, &n)) {
        port_statuses(a, ifaces, n);
        a->statuses_pending = false;
        free(ifaces);
    }
}

void
ovs_agent_run(struct ovs_agent *a)
{
    long long now = ovsx_time_msec();
    unsigned int vs = vsw_seqno(a->vsw), rs = replica_others_seqno(a->replica);
    unsigned int gs = replica_groups_seqno(a->replica);
    unsigned int os = ofp_controller_seqno(a->ctl);

    if (!a->reporting && now >= a->next_report) {
        report_state(a);
    }
    if (os != a->ofp_seqno) {
        switches_changed(a); /* A switch (re)connected or left. */
    }
    reap_tag_txns(a);
    ipt_run(a);
    for (size_t i = 0; i < a->n_bridges; i++) {
        struct bridge *b = &a->bridges[i];
        if ((b->barrier && ofp_request_status(b->barrier) != -EINPROGRESS)
            || (b->dump && ofp_request_status(b->dump) != -EINPROGRESS)) {
            a->flows_due = true;
        }
    }
    check_canary(a);
    if (!vsw_is_connected(a->vsw)) {
        return;
    }
    if (vs != a->vsw_seqno || rs != a->others_seqno || os != a->ofp_seqno
        || (gs != a->groups_seqno && !a->fw)) {
        a->inputs_changed = true;
    }
    if (a->dirty || a->inputs_changed
        || (a->next_retry && now >= a->next_retry)) {
        /* A full pass computes the groups' changes too. */
        a->inputs_changed = a->inputs_changed || gs != a->groups_seqno;
        a->dirty = a->flows_due = false;
        a->vsw_seqno = vs;
        a->others_seqno = rs;
        a->groups_seqno = gs;
        a->ofp_seqno = os;
        reconcile(a);
    } else if (gs != a->groups_seqno) {
        /* Rules or members changed, and nothing else: no pass over the
         * ports, only over those of the groups whose classes changed. */
        long long t0 = ovsx_time_msec();

        a->groups_seqno = gs;
        a->flows_due = false;
        if (update_firewall(a)) {
            log_debug("groups changed: firewall updated in %lld ms",
                      ovsx_time_msec() - t0);
            sync_only(a);
        } else {
            a->inputs_changed = true;
            reconcile(a);
        }
    } else if (a->flows_due) {
        a->flows_due = false;
        sync_only(a);
    }
}

void
ovs_agent_wait(struct ovs_agent *a)
{
    if (a->dirty || a->flows_due) {
        ovsx_poll_immediate_wake();
    }
    if (a->ipt && iptfw_wait_fd(a->ipt) >= 0) {
        ovsx_poll_fd_wait(iptfw_wait_fd(a->ipt), POLLIN);
    }
    if (!a->reporting) {
        ovsx_poll_timer_wait_until(a->next_report);
    }
    if (a->next_retry) {
        ovsx_poll_timer_wait_until(a->next_retry);
    }
    if (a->bridges[0].clean && !a->canary) {
        ovsx_poll_timer_wait_until(a->next_canary);
    }
}

bool
ovs_agent_port_wired(const struct ovs_agent *a, const char *port_id)
{
    struct vsw_iface *ifaces = NULL;
    bool wired = false;
    size_t n = 0;

    for (size_t i = 0; i < a->n_bridges; i++) {
        if (!a->bridges[i].clean) {
            return false;
        }
    }
    if (vsw_list_ifaces(a->vsw, a->bridges[0].name, &ifaces, &n)) {
        return false;
    }
    for (size_t i = 0; i < n && !wired; i++) {
        json_t *port = replica_port(a->replica, port_id);
        const char *net =
            json_string_value(json_object_get(port, "network_id"));
        int lvid = net ? lvm_get(a->lvm, net) : -1;

        wired = ifaces[i].iface_id && !strcmp(ifaces[i].iface_id, port_id)
                && lvid > 0 && ifaces[i].tag == lvid;
    }
    free(ifaces);
    return wired;
}

/* Waits (running the loop) until 'txn' ends or 'deadline' passes. */
static int
wait_txn(struct vsw *vsw, struct vsw_txn *txn, long long deadline)
{
    int r;

    /* Checked right after vsw_run(): blocking once the transaction has
     * ended would sleep until 'deadline', since nothing else wakes us. */
    for (;;) {
        vsw_run(vsw);
        r = vsw_txn_status(txn);
        if (r != -EINPROGRESS || ovsx_time_msec() >= deadline) {
            return r;
        }
        vsw_wait(vsw);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
}

int
ovs_agent_ensure_manager(const struct agent_config *cfg)
{
    const char *rundir = getenv("OVS_RUNDIR");
    long long deadline = ovsx_time_msec() + 5000;
    struct vsw_txn *txn = NULL;
    char *remote, *target;
    struct vsw *vsw;
    int port, r;

    if (sscanf(cfg->ovsdb_connection, "tcp:127.0.0.1:%d", &port) != 1) {
        return 0;
    }
    remote =
        xasprintf("unix:%s/db.sock", rundir ? rundir : "/var/run/openvswitch");
    target = xasprintf("ptcp:%d:127.0.0.1", port);
    r = vsw_open(remote, &vsw);
    while (!r && ovsx_time_msec() < deadline) {
        vsw_run(vsw); /* As in wait_txn(): look before blocking. */
        if (vsw_is_connected(vsw)) {
            break;
        }
        vsw_wait(vsw);
        ovsx_poll_timer_wait_until(deadline);
        ovsx_poll_block();
    }
    if (!r) {
        r = vsw_is_connected(vsw) ? vsw_ensure_manager(vsw, target, &txn)
                                  : -ETIMEDOUT;
    }
    if (!r) {
        r = wait_txn(vsw, txn, deadline);
    }
    if (r) {
        log_warn("cannot make sure Manager %s exists through %s: %s", target,
                 remote, strerror(-r));
    }
    vsw_txn_free(txn);
    vsw_close(vsw);
    free(remote);
    free(target);
    return r;
}
