/* vsw: the agent's view of the local Open_vSwitch database, through OVS's
 * own IDL (an OVSDB client that keeps an in-memory replica of the tables it
 * monitors).  Part of the OVS island (see ovsx.h): only standard C headers
 * here.
 *
 * A 'struct vsw' connects to one ovsdb-server ("unix:PATH" or
 * "tcp:IP:PORT"), reconnects with backoff on its own, and monitors only what
 * the agent reads: Open_vSwitch (bridges, manager_options), Bridge, Port,
 * Interface, Controller and Manager, and of those only the columns used
 * below.  Run/wait discipline: vsw_run() processes what the server sent and
 * advances transactions; vsw_wait() arms the poll loop.
 *
 * Reads look at the current replica.  Strings they return belong to the
 * replica and stay valid until the next vsw_run() or vsw_close(); copy what
 * must live longer.
 *
 * Writes are asynchronous IDL transactions.  Each compares the wanted state
 * with the replica, sends only what differs (a transaction with nothing to
 * change completes at once) and verifies the columns it read, so that a
 * concurrent change makes it fail with -EAGAIN instead of undoing someone
 * else's write.  Its outcome is learnt through a 'struct vsw_txn' handle
 * (see vsw_txn_status()).  Writes decide nothing: which VLAN, which peer,
 * which controller is the caller's policy. */
#ifndef OVS_VSWITCH_H
#define OVS_VSWITCH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vsw;
struct vsw_txn;

/* Connects (asynchronously) to the database server at 'remote', "unix:PATH"
 * or "tcp:IP:PORT".  Returns 0 and the new object in '*ret_vsw', or -EINVAL
 * for anything else (including "ssl:", which would need certificates). */
int vsw_open(const char *remote, struct vsw **ret_vsw)
    __attribute__((warn_unused_result));

/* Closes the connection and frees 'vsw' (NULL is fine).  Transactions still
 * in flight are abandoned: their handles report -ECANCELED and must still be
 * freed with vsw_txn_free(). */
void vsw_close(struct vsw *vsw);

void vsw_run(struct vsw *vsw);
void vsw_wait(struct vsw *vsw);

/* True while the session is up and the replica holds the server's contents
 * (the monitor reply of this session arrived), as of the last vsw_run().
 * Writes started meanwhile can commit.  Reads on a disconnected vsw see the
 * last contents received. */
bool vsw_is_connected(const struct vsw *vsw);

/* A number that changes whenever the replica's contents (the monitored
 * columns above) changed, including a reconnect that replaced it.  Compare
 * with the value of the previous iteration to know whether to recompute. */
unsigned int vsw_seqno(const struct vsw *vsw);

/* -- Reads ------------------------------------------------------------- */

struct vsw_bridge {
    const char *name;
    const char *datapath_type; /* "" = the default, "system". */
    bool has_datapath_id;      /* False until ovs-vswitchd filled it in. */
    uint64_t datapath_id;
};

/* Looks up bridge 'name'.  Returns 0 and fills '*ret', or -ENOENT. */
int vsw_get_bridge(const struct vsw *vsw, const char *name,
                   struct vsw_bridge *ret);

/* One Interface of a bridge, with the Port that holds it.  NULL: the key or
 * column is absent. */
struct vsw_iface {
    const char *name;
    const char *type;      /* "" (system), "internal", "patch", ... */
    int64_t ofport;        /* -1: not assigned (yet) or failed. */
    const char *port_name; /* The Port row holding the interface. */
    int tag;               /* Port tag, -1 if none. */
    /* Interface external_ids. */
    const char *iface_id;     /* "iface-id": the Neutron port id. */
    const char *attached_mac; /* "attached-mac". */
    const char *iface_status; /* "iface-status". */
    const char *vm_uuid;      /* "vm-uuid". */
    /* Port other_config, as the agent records a binding. */
    const char *net_uuid;
    const char *oc_tag; /* other_config:tag (the local VLAN, as text). */
    const char *network_type;
    const char *physical_network;
    const char *segmentation_id;
    /* Interface options. */
    const char *peer; /* options:peer of a patch interface. */
};

/* Lists the interfaces of bridge 'bridge' in '*ret_ifaces' (an array of
 * '*ret_n' elements, sorted by interface name, to be freed with free();
 * its strings belong to the replica, see above, and a write to a column
 * frees the strings read from it, e.g. vsw_set_port_vlan() those of its
 * Port's other_config).  Returns 0, or -ENOENT if
 * there is no such bridge (then nothing is allocated). */
int vsw_list_ifaces(const struct vsw *vsw, const char *bridge,
                    struct vsw_iface **ret_ifaces, size_t *ret_n)
    __attribute__((warn_unused_result));

/* -- Writes ------------------------------------------------------------ */

/* Every write below returns 0 and, if 'ret_txn' is not NULL, a handle the
 * caller owns in '*ret_txn' (with a NULL 'ret_txn' the transaction runs
 * unobserved).  -ENOTCONN: no replica yet (vsw_is_connected() never was
 * true).  Other failures are named per function.  Nothing is sent on
 * failure. */

/* Completion of a write: 0 committed (or nothing needed changing),
 * -EINPROGRESS still in flight, -EAGAIN the database changed under it or
 * the connection dropped (look again and retry), -ECANCELED the vsw was
 * closed, -EIO the server refused it (logged with the server's reason). */
int vsw_txn_status(const struct vsw_txn *txn);

/* Frees 'txn' (NULL is fine).  A transaction still in flight keeps going;
 * its outcome is no longer observed. */
void vsw_txn_free(struct vsw_txn *txn);

/* Ensures the Open_vSwitch row's manager_options holds a Manager whose
 * target is 'target' (e.g. "ptcp:6640:127.0.0.1"). */
int vsw_ensure_manager(struct vsw *vsw, const char *target,
                       struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

/* How a managed bridge must look (Neutron's settings for br-int and the
 * physical bridges).  The strings must not be NULL. */
struct vsw_bridge_config {
    const char *datapath_type;   /* "system", "netdev". */
    const char *controller;      /* e.g. "tcp:127.0.0.1:6633". */
    int inactivity_probe_ms;     /* Controller inactivity_probe; 0: OVS's. */
    unsigned int mac_table_size; /* other_config:mac-table-size; 0: unset. */
};

/* Ensures bridge 'name' exists (with its internal port of the same name)
 * and has datapath_type, fail_mode=secure, protocols OpenFlow10 and
 * OpenFlow13, exactly one Controller with target 'cfg->controller',
 * connection_mode=out-of-band and the inactivity probe, and
 * other_config:mac-table-size; corrects whatever differs and leaves other
 * columns and keys alone. */
int vsw_ensure_bridge(struct vsw *vsw, const char *name,
                      const struct vsw_bridge_config *cfg,
                      struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

/* Ensures a pair of patch ports joins two bridges: 'port_a' on 'bridge_a',
 * 'port_b' on 'bridge_b' (e.g. int-br-provider on br-int, phy-br-provider on
 * br-provider), each a Port with one Interface of type patch.  With
 * 'peered' false, ports that must be created get options:peer=
 * "nonexistent-peer" (nothing passes before the caller's drop flows are in)
 * and existing ports keep their peer, so a restarted agent does not cut
 * traffic.  With 'peered' true both get each other as peer.  -ENOENT: a
 * bridge is missing; -EEXIST: a port of that name exists but is not a
 * single patch interface. */
int vsw_ensure_patch_ports(struct vsw *vsw, const char *bridge_a,
                           const char *port_a, const char *bridge_b,
                           const char *port_b, bool peered,
                           struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

/* One key=value pair for Port other_config. */
struct vsw_kv {
    const char *key;
    const char *value;
};

/* Binds Port 'port' to a VLAN: sets tag 'tag' (1..4095; 4095 is Neutron's
 * dead VLAN), clears vlan_mode and trunks, and merges the 'n_kv' pairs 'kv'
 * into its other_config (keys not listed are kept).  -ENOENT: no such port;
 * -EINVAL: 'tag' out of range. */
int vsw_set_port_vlan(struct vsw *vsw, const char *port, int tag,
                      const struct vsw_kv *kv, size_t n_kv,
                      struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

/* Ensures bridge 'bridge' has a Port 'name' with one Interface 'name' of
 * type 'type' (NULL or "": system; "internal", ...) whose external_ids hold
 * the 'n_kv' pairs 'kv' (other keys are kept).  A Port it creates gets tag
 * 'tag' (0: none; 4095 keeps it on Neutron's dead VLAN until the caller's
 * policy tags it); an existing one keeps its tag.  -ENOENT: no such bridge;
 * -EEXIST: 'name' is another kind of port or on another bridge; -EINVAL:
 * 'tag' out of 0..4095. */
int vsw_ensure_port(struct vsw *vsw, const char *bridge, const char *name,
                    const char *type, int tag, const struct vsw_kv *kv,
                    size_t n_kv, struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

/* Removes Port 'name' (with its Interfaces) from bridge 'bridge'; a port
 * that is not there is not an error.  -ENOENT: no such bridge. */
int vsw_delete_port(struct vsw *vsw, const char *bridge, const char *name,
                    struct vsw_txn **ret_txn)
    __attribute__((warn_unused_result));

#endif /* ovs/vswitch.h */
