/* vsw: the Open_vSwitch database through OVS's IDL.  See vswitch.h.
 *
 * Every write builds one IDL transaction from the replica, commits it at
 * once (the IDL sends it without blocking) and tracks it with a vsw_txn
 * until the server's reply arrives; vsw_run() polls the IDL for outcomes. */
#include <config.h>

#include "ovs/vswitch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "stream.h"
#include "util.h"
#include "vswitch-lean-idl.h"

VLOG_DEFINE_THIS_MODULE(vsw);

struct vsw {
    struct ovsdb_idl *idl;
    struct ovs_list txns; /* Contains "struct vsw_txn"s in flight. */
    bool synced;          /* Monitoring: the replica is the server's. */
};

struct vsw_txn {
    struct ovs_list node;      /* In vsw->txns while in flight. */
    struct ovsdb_idl_txn *txn; /* NULL once finished. */
    int status;                /* As vsw_txn_status() reports. */
    bool orphan;               /* Caller did not ask for the handle. */
};

int
vsw_open(const char *remote, struct vsw **ret_vsw)
{
    /* ssl: would need keys and certificates we have no way to pass. */
    bool known = !strncmp(remote, "unix:", 5) || !strncmp(remote, "tcp:", 4);
    if (!known || stream_verify_name(remote)) {
        return -EINVAL;
    }

    struct vsw *vsw = xzalloc(sizeof *vsw);
    /* The class holds only the columns read or written below
     * (vswitch-lean.py), so monitoring all of it keeps both the replica and
     * the wake-ups small: statistics, status, ... are not in it. */
    vsw->idl = ovsdb_idl_create(remote, &vrec_idl_class,
                                /* monitor_everything_by_default = */ true,
                                /* retry = */ true);
    ovs_list_init(&vsw->txns);
    *ret_vsw = vsw;
    return 0;
}

void
vsw_close(struct vsw *vsw)
{
    if (!vsw) {
        return;
    }

    struct vsw_txn *t;
    LIST_FOR_EACH_POP (t, node, &vsw->txns) {
        ovsdb_idl_txn_destroy(t->txn);
        t->txn = NULL;
        if (t->orphan) {
            free(t);
        } else {
            t->status = -ECANCELED;
            ovs_list_init(&t->node);
        }
    }
    ovsdb_idl_destroy(vsw->idl);
    free(vsw);
}

/* Maps an IDL outcome to vsw_txn_status()'s values. */
static int
txn_status_from_idl(struct ovsdb_idl_txn *txn, enum ovsdb_idl_txn_status s)
{
    switch (s) {
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        return -EINPROGRESS;
    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        return 0;
    case TXN_TRY_AGAIN:
        return -EAGAIN;
    case TXN_ABORTED:
    case TXN_NOT_LOCKED:
    case TXN_ERROR:
    default:
        VLOG_WARN("transaction failed: %s", ovsdb_idl_txn_get_error(txn));
        return -EIO;
    }
}

/* Records the outcome of 't' if its transaction finished. */
static void
txn_update(struct vsw_txn *t)
{
    t->status = txn_status_from_idl(t->txn, ovsdb_idl_txn_commit(t->txn));
    if (t->status == -EINPROGRESS) {
        return;
    }
    ovsdb_idl_txn_destroy(t->txn);
    t->txn = NULL;
    ovs_list_remove(&t->node);
    ovs_list_init(&t->node);
    if (t->orphan) {
        free(t);
    }
}

/* True if the IDL is past its monitor request, i.e. may send transactions.
 * The IDL does not say so directly, but committing an empty transaction
 * tells: TXN_TRY_AGAIN before, TXN_UNCHANGED after, nothing sent either
 * way. */
static bool
idl_is_synced(struct ovsdb_idl *idl)
{
    if (!ovsdb_idl_is_connected(idl)) {
        return false;
    }
    struct ovsdb_idl_txn *probe = ovsdb_idl_txn_create(idl);
    enum ovsdb_idl_txn_status s = ovsdb_idl_txn_commit(probe);
    ovsdb_idl_txn_destroy(probe);
    return s == TXN_UNCHANGED;
}

void
vsw_run(struct vsw *vsw)
{
    ovsdb_idl_run(vsw->idl);
    vsw->synced = idl_is_synced(vsw->idl);

    struct vsw_txn *t;
    LIST_FOR_EACH_SAFE (t, node, &vsw->txns) {
        txn_update(t);
    }
}

void
vsw_wait(struct vsw *vsw)
{
    ovsdb_idl_wait(vsw->idl);

    struct vsw_txn *t;
    LIST_FOR_EACH (t, node, &vsw->txns) {
        ovsdb_idl_txn_wait(t->txn);
    }
}

bool
vsw_is_connected(const struct vsw *vsw)
{
    return vsw->synced;
}

unsigned int
vsw_seqno(const struct vsw *vsw)
{
    return ovsdb_idl_get_seqno(vsw->idl);
}

/* -- Reads ------------------------------------------------------------- */

static const struct vrec_bridge *
find_bridge(const struct vsw *vsw, const char *name)
{
    const struct vrec_bridge *br;
    VREC_BRIDGE_FOR_EACH (br, vsw->idl) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

static const struct vrec_port *
find_port(const struct vsw *vsw, const char *name)
{
    const struct vrec_port *port;
    VREC_PORT_FOR_EACH (port, vsw->idl) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

/* Parses a Bridge datapath_id: 16 hex digits, as ovs-vswitchd writes it. */
static bool
parse_dpid(const char *s, uint64_t *ret)
{
    if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16) {
        return false;
    }
    *ret = strtoull(s, NULL, 16);
    return true;
}

int
vsw_get_bridge(const struct vsw *vsw, const char *name, struct vsw_bridge *ret)
{
    const struct vrec_bridge *br = find_bridge(vsw, name);
    if (!br) {
        return -ENOENT;
    }
    ret->name = br->name;
    ret->datapath_type = br->datapath_type;
    ret->datapath_id = 0;
    ret->has_datapath_id = parse_dpid(br->datapath_id, &ret->datapath_id);
    return 0;
}

/* The value of 'key' in string map column 'col' of 'row', or NULL.  The
 * lean class leaves its rows' smaps empty (vswitch-lean.py says why), so
 * maps are read from the IDL's datum, valid as long as the row is. */
static const char *
map_get(const struct ovsdb_idl_row *row, const struct ovsdb_idl_column *col,
        const char *key)
{
    const struct ovsdb_datum *d = ovsdb_idl_read(row, col);

    for (size_t i = 0; i < d->n; i++) {
        if (!strcmp(json_string(d->keys[i].s), key)) {
            return json_string(d->values[i].s);
        }
    }
    return NULL;
}

static const char *
external_id_get(const struct vrec_interface *iface, const char *key)
{
    return map_get(&iface->header_, &vrec_interface_col_external_ids, key);
}

static const char *
iface_option_get(const struct vrec_interface *iface, const char *key)
{
    return map_get(&iface->header_, &vrec_interface_col_options, key);
}

static const char *
port_config_get(const struct vrec_port *port, const char *key)
{
    return map_get(&port->header_, &vrec_port_col_other_config, key);
}

static void
fill_iface(struct vsw_iface *out, const struct vrec_port *port,
           const struct vrec_interface *iface)
{
    *out = (struct vsw_iface){
        .name = iface->name,
        .type = iface->type,
        .ofport = iface->n_ofport ? *iface->ofport : -1,
        .port_name = port->name,
        .tag = port->n_tag ? (int) *port->tag : -1,
        .iface_id = external_id_get(iface, "iface-id"),
        .attached_mac = external_id_get(iface, "attached-mac"),
        .iface_status = external_id_get(iface, "iface-status"),
        .vm_uuid = external_id_get(iface, "vm-uuid"),
        .net_uuid = port_config_get(port, "net_uuid"),
        .oc_tag = port_config_get(port, "tag"),
        .network_type = port_config_get(port, "network_type"),
        .physical_network = port_config_get(port, "physical_network"),
        .segmentation_id = port_config_get(port, "segmentation_id"),
        .peer = iface_option_get(iface, "peer"),
    };
}

static int
compare_ifaces(const void *a_, const void *b_)
{
    const struct vsw_iface *a = a_;
    const struct vsw_iface *b = b_;

    return strcmp(a->name, b->name);
}

int
vsw_list_ifaces(const struct vsw *vsw, const char *bridge,
                struct vsw_iface **ret_ifaces, size_t *ret_n)
{
    const struct vrec_bridge *br = find_bridge(vsw, bridge);
    if (!br) {
        return -ENOENT;
    }

    size_t n = 0;
    for (size_t i = 0; i < br->n_ports; i++) {
        n += br->ports[i]->n_interfaces;
    }
    struct vsw_iface *ifaces = xmalloc(MAX(n, 1) * sizeof *ifaces);
    n = 0;
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct vrec_port *port = br->ports[i];
        for (size_t j = 0; j < port->n_interfaces; j++) {
            fill_iface(&ifaces[n++], port, port->interfaces[j]);
        }
    }
    qsort(ifaces, n, sizeof *ifaces, compare_ifaces);
    *ret_ifaces = ifaces;
    *ret_n = n;
    return 0;
}

/* -- Writes ------------------------------------------------------------ */

int
vsw_txn_status(const struct vsw_txn *txn)
{
    return txn->status;
}

void
vsw_txn_free(struct vsw_txn *txn)
{
    if (!txn) {
        return;
    }
    if (txn->txn) {
        /* Still in flight: let vsw_run() reap it. */
        txn->orphan = true;
        return;
    }
    free(txn);
}

/* Starts a transaction, or returns NULL if there is no replica to base it
 * on. */
static struct ovsdb_idl_txn *
txn_begin(struct vsw *vsw, const char *what, const char *name)
{
    if (!ovsdb_idl_has_ever_connected(vsw->idl)) {
        return NULL;
    }
    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(vsw->idl);
    ovsdb_idl_txn_add_comment(txn, "neutrino-agent: %s %s", what, name);
    return txn;
}

/* Commits 'txn' and hands its handle to the caller (or keeps it, if
 * 'ret_txn' is NULL).  Returns 0. */
static int
txn_commit(struct vsw *vsw, struct ovsdb_idl_txn *txn,
           struct vsw_txn **ret_txn)
{
    struct vsw_txn *t = xzalloc(sizeof *t);
    t->txn = txn;
    t->orphan = !ret_txn;
    ovs_list_push_back(&vsw->txns, &t->node);
    txn_update(t); /* The first commit sends it (or fails at once). */
    if (ret_txn) {
        *ret_txn = t;
    }
    return 0;
}

int
vsw_ensure_manager(struct vsw *vsw, const char *target,
                   struct vsw_txn **ret_txn)
{
    struct ovsdb_idl_txn *txn = txn_begin(vsw, "ensure manager", target);
    if (!txn) {
        return -ENOTCONN;
    }

    const struct vrec_open_vswitch *ovs = vrec_open_vswitch_first(vsw->idl);
    if (!ovs) {
        ovs = vrec_open_vswitch_insert(txn);
    }
    vrec_open_vswitch_verify_manager_options(ovs);
    for (size_t i = 0; i < ovs->n_manager_options; i++) {
        if (!strcmp(ovs->manager_options[i]->target, target)) {
            return txn_commit(vsw, txn, ret_txn);
        }
    }
    struct vrec_manager *m = vrec_manager_insert(txn);
    vrec_manager_set_target(m, target);
    vrec_open_vswitch_update_manager_options_addvalue(ovs, m);
    return txn_commit(vsw, txn, ret_txn);
}

/* Inserts a Port named 'name' with one Interface of type 'type' (NULL:
 * system) into 'br', returning the Interface for further settings (and the
 * Port in '*ret_port' if that is not NULL). */
static struct vrec_interface *
insert_port_row(struct ovsdb_idl_txn *txn, const struct vrec_bridge *br,
                const char *name, const char *type,
                struct vrec_port **ret_port)
{
    struct vrec_interface *iface = vrec_interface_insert(txn);
    vrec_interface_set_name(iface, name);
    if (type) {
        vrec_interface_set_type(iface, type);
    }

    struct vrec_port *port = vrec_port_insert(txn);
    vrec_port_set_name(port, name);
    vrec_port_set_interfaces(port, &iface, 1);
    vrec_bridge_verify_ports(br);
    vrec_bridge_update_ports_addvalue(br, port);
    if (ret_port) {
        *ret_port = port;
    }
    return iface;
}

static struct vrec_interface *
insert_port(struct ovsdb_idl_txn *txn, const struct vrec_bridge *br,
            const char *name, const char *type)
{
    return insert_port_row(txn, br, name, type, NULL);
}

static const struct vrec_bridge *
insert_bridge(struct vsw *vsw, struct ovsdb_idl_txn *txn, const char *name)
{
    const struct vrec_open_vswitch *ovs = vrec_open_vswitch_first(vsw->idl);
    if (!ovs) {
        ovs = vrec_open_vswitch_insert(txn);
    }

    struct vrec_bridge *br = vrec_bridge_insert(txn);
    vrec_bridge_set_name(br, name);
    insert_port(txn, br, name, "internal");
    vrec_open_vswitch_verify_bridges(ovs);
    vrec_open_vswitch_update_bridges_addvalue(ovs, br);
    return br;
}

static bool
has_protocols(const struct vrec_bridge *br, const char **protos, size_t n)
{
    if (br->n_protocols != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < br->n_protocols && !found; j++) {
            found = !strcmp(br->protocols[j], protos[i]);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static bool
streq_null(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

/* Makes 'br' have exactly one Controller, 'cfg->controller', with Neutron's
 * connection settings. */
static void
ensure_controller(struct ovsdb_idl_txn *txn, const struct vrec_bridge *br,
                  const struct vsw_bridge_config *cfg)
{
    const struct vrec_controller *c = NULL;

    vrec_bridge_verify_controller(br);
    if (br->n_controller == 1
        && !strcmp(br->controller[0]->target, cfg->controller)) {
        c = br->controller[0];
    } else {
        struct vrec_controller *new = vrec_controller_insert(txn);
        vrec_controller_set_target(new, cfg->controller);
        vrec_bridge_set_controller(br, &new, 1);
        c = new;
    }
    if (!streq_null(c->connection_mode, "out-of-band")) {
        vrec_controller_set_connection_mode(c, "out-of-band");
    }
    int64_t probe = cfg->inactivity_probe_ms;
    if (probe > 0
        && (c->n_inactivity_probe != 1 || *c->inactivity_probe != probe)) {
        vrec_controller_set_inactivity_probe(c, &probe, 1);
    }
}

int
vsw_ensure_bridge(struct vsw *vsw, const char *name,
                  const struct vsw_bridge_config *cfg,
                  struct vsw_txn **ret_txn)
{
    static const char *protos[] = {"OpenFlow10", "OpenFlow13"};

    struct ovsdb_idl_txn *txn = txn_begin(vsw, "ensure bridge", name);
    if (!txn) {
        return -ENOTCONN;
    }

    const struct vrec_bridge *br = find_bridge(vsw, name);
    if (!br) {
        br = insert_bridge(vsw, txn, name);
    }
    if (!streq_null(br->datapath_type, cfg->datapath_type)) {
        vrec_bridge_set_datapath_type(br, cfg->datapath_type);
    }
    if (!streq_null(br->fail_mode, "secure")) {
        vrec_bridge_set_fail_mode(br, "secure");
    }
    if (!has_protocols(br, protos, ARRAY_SIZE(protos))) {
        vrec_bridge_set_protocols(br, protos, ARRAY_SIZE(protos));
    }
    ensure_controller(txn, br, cfg);
    if (cfg->mac_table_size) {
        char size[16];
        snprintf(size, sizeof size, "%u", cfg->mac_table_size);
        if (!streq_null(map_get(&br->header_, &vrec_bridge_col_other_config,
                                "mac-table-size"),
                        size)) {
            vrec_bridge_update_other_config_setkey(br, "mac-table-size", size);
        }
    }
    return txn_commit(vsw, txn, ret_txn);
}

/* Returns the single patch Interface of 'port', or NULL if it is something
 * else. */
static const struct vrec_interface *
patch_iface(const struct vrec_port *port)
{
    if (port->n_interfaces != 1
        || strcmp(port->interfaces[0]->type, "patch")) {
        return NULL;
    }
    return port->interfaces[0];
}

/* Adds to 'txn' what makes 'name' a patch port on 'br' towards 'peer'; with
 * 'peered' false an existing port keeps its peer and a new one gets
 * "nonexistent-peer". */
static int
ensure_patch(struct vsw *vsw, struct ovsdb_idl_txn *txn,
             const struct vrec_bridge *br, const char *name, const char *peer,
             bool peered)
{
    const struct vrec_port *port = find_port(vsw, name);
    if (!port) {
        struct vrec_interface *iface = insert_port(txn, br, name, "patch");
        vrec_interface_update_options_setkey(
            iface, "peer", peered ? peer : "nonexistent-peer");
        return 0;
    }

    const struct vrec_interface *iface = patch_iface(port);
    bool on_br = false;
    for (size_t i = 0; i < br->n_ports && !on_br; i++) {
        on_br = br->ports[i] == port;
    }
    if (!iface || !on_br) {
        return -EEXIST;
    }
    if (peered && !streq_null(iface_option_get(iface, "peer"), peer)) {
        vrec_interface_update_options_setkey(iface, "peer", peer);
    }
    return 0;
}

int
vsw_ensure_patch_ports(struct vsw *vsw, const char *bridge_a,
                       const char *port_a, const char *bridge_b,
                       const char *port_b, bool peered,
                       struct vsw_txn **ret_txn)
{
    const struct vrec_bridge *br_a = find_bridge(vsw, bridge_a);
    const struct vrec_bridge *br_b = find_bridge(vsw, bridge_b);
    if (!ovsdb_idl_has_ever_connected(vsw->idl)) {
        return -ENOTCONN;
    }
    if (!br_a || !br_b) {
        return -ENOENT;
    }

    struct ovsdb_idl_txn *txn = txn_begin(vsw, "ensure patch port", port_a);
    int r = ensure_patch(vsw, txn, br_a, port_a, port_b, peered);
    if (!r) {
        r = ensure_patch(vsw, txn, br_b, port_b, port_a, peered);
    }
    if (r) {
        ovsdb_idl_txn_destroy(txn);
        return r;
    }
    return txn_commit(vsw, txn, ret_txn);
}

int
vsw_set_port_vlan(struct vsw *vsw, const char *port_name, int tag,
                  const struct vsw_kv *kv, size_t n_kv,
                  struct vsw_txn **ret_txn)
{
    if (tag < 1 || tag > 4095) {
        return -EINVAL;
    }
    if (!ovsdb_idl_has_ever_connected(vsw->idl)) {
        return -ENOTCONN;
    }
    const struct vrec_port *port = find_port(vsw, port_name);
    if (!port) {
        return -ENOENT;
    }

    struct ovsdb_idl_txn *txn = txn_begin(vsw, "set vlan of", port_name);
    int64_t tag64 = tag;
    if (port->n_tag != 1 || *port->tag != tag64) {
        vrec_port_set_tag(port, &tag64, 1);
    }
    if (port->vlan_mode) {
        vrec_port_set_vlan_mode(port, NULL);
    }
    if (port->n_trunks) {
        vrec_port_set_trunks(port, NULL, 0);
    }
    for (size_t i = 0; i < n_kv; i++) {
        const char *old = port_config_get(port, kv[i].key);
        if (!streq_null(old, kv[i].value)) {
            vrec_port_update_other_config_setkey(port, kv[i].key, kv[i].value);
        }
    }
    return txn_commit(vsw, txn, ret_txn);
}

/* Puts the pairs 'kv' into 'iface''s external_ids where they differ. */
static void
merge_external_ids(const struct vrec_interface *iface, const struct vsw_kv *kv,
                   size_t n_kv)
{
    for (size_t i = 0; i < n_kv; i++) {
        const char *old = external_id_get(iface, kv[i].key);
        if (!streq_null(old, kv[i].value)) {
            vrec_interface_update_external_ids_setkey(iface, kv[i].key,
                                                      kv[i].value);
        }
    }
}

int
vsw_ensure_port(struct vsw *vsw, const char *bridge, const char *name,
                const char *type, int tag, const struct vsw_kv *kv,
                size_t n_kv, struct vsw_txn **ret_txn)
{
    if (tag < 0 || tag > 4095) {
        return -EINVAL;
    }
    if (!ovsdb_idl_has_ever_connected(vsw->idl)) {
        return -ENOTCONN;
    }
    const struct vrec_bridge *br = find_bridge(vsw, bridge);
    if (!br) {
        return -ENOENT;
    }
    const struct vrec_port *port = find_port(vsw, name);
    bool on_br = false;
    for (size_t i = 0; port && i < br->n_ports && !on_br; i++) {
        on_br = br->ports[i] == port;
    }
    if (port
        && (!on_br || port->n_interfaces != 1
            || strcmp(port->interfaces[0]->type, type ? type : ""))) {
        return -EEXIST;
    }

    struct ovsdb_idl_txn *txn = txn_begin(vsw, "ensure port", name);
    if (!port) {
        struct vrec_port *new;
        struct vrec_interface *iface =
            insert_port_row(txn, br, name, type, &new);
        int64_t tag64 = tag;

        merge_external_ids(iface, kv, n_kv);
        if (tag) {
            vrec_port_set_tag(new, &tag64, 1);
        }
    } else {
        merge_external_ids(port->interfaces[0], kv, n_kv);
    }
    return txn_commit(vsw, txn, ret_txn);
}

int
vsw_delete_port(struct vsw *vsw, const char *bridge, const char *name,
                struct vsw_txn **ret_txn)
{
    if (!ovsdb_idl_has_ever_connected(vsw->idl)) {
        return -ENOTCONN;
    }
    const struct vrec_bridge *br = find_bridge(vsw, bridge);
    if (!br) {
        return -ENOENT;
    }
    const struct vrec_port *port = find_port(vsw, name);
    struct ovsdb_idl_txn *txn = txn_begin(vsw, "delete port", name);
    for (size_t i = 0; port && i < br->n_ports; i++) {
        if (br->ports[i] == port) {
            vrec_bridge_verify_ports(br);
            vrec_bridge_update_ports_delvalue(br, port);
            break;
        }
    }
    return txn_commit(vsw, txn, ret_txn);
}
