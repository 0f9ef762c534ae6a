/* ofp: an OpenFlow 1.3 controller built on OVS's own library (vconn,
 * rconn, ofp-parse, ofp-print).  Part of the OVS island (see ovsx.h): only
 * standard C headers here.
 *
 * The agent is the controller of the bridges it manages: it listens (by
 * default on 127.0.0.1:6633) and each bridge, configured with that address
 * as its controller, connects to it.  An ofp_controller accepts any number
 * of switch connections, negotiates OpenFlow 1.3 (hello), learns each
 * switch's datapath id (features request), answers and sends echo requests
 * (keepalive), and drops a connection whose peer sends something it cannot
 * decode; the switch then reconnects.  Switches are found by datapath id:
 * a bridge's is its Bridge row's datapath_id (vsw_get_bridge()).
 *
 * Lifetimes: a 'struct ofp_switch *' is valid only until the next
 * ofp_controller_run() or ofp_controller_destroy() (the switch may have gone
 * away); look it up again each iteration.  Requests (barrier, flow dump)
 * are handles the caller owns and frees; they outlive their switch and then
 * report -ECONNRESET.
 *
 * Nothing here decides which flows to install: that is the agent's. */
#ifndef OVS_OFP_H
#define OVS_OFP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ofp_controller;
struct ofp_switch;
struct ofp_request;

/* Starts listening on TCP 'address':'port' ("127.0.0.1", 6633; an IPv4 or
 * IPv6 literal) for switches speaking OpenFlow 1.3.  Returns 0 and the
 * controller in '*ret_ctl', or a negative errno (-EINVAL for anything but an
 * IP address, -EADDRINUSE, -EADDRNOTAVAIL, ...). */
int ofp_controller_create(const char *address, uint16_t port,
                          struct ofp_controller **ret_ctl)
    __attribute__((warn_unused_result));

/* Closes the listener and every switch connection and frees 'ctl' (NULL is
 * fine).  Pending requests report -ECONNRESET and must still be freed. */
void ofp_controller_destroy(struct ofp_controller *ctl);

/* Accepts new connections, reads and handles what switches sent (bounded
 * work per call), sends keepalives. */
void ofp_controller_run(struct ofp_controller *ctl);
void ofp_controller_wait(struct ofp_controller *ctl);

/* A number that changes whenever a switch became ready (its features reply
 * arrived) or a ready switch disconnected. */
unsigned int ofp_controller_seqno(const struct ofp_controller *ctl);

/* Also connects to 'target', such as "unix:/var/run/openvswitch/br-int.mgmt"
 * (the management socket ovs-vswitchd keeps for each bridge, the one
 * ovs-ofctl uses), and reconnects whenever that connection goes, retrying
 * every 0.1 s at first, then up to every 2 s while the target is missing.
 * A switch reached this way is found by ofp_controller_find() like one that
 * connected to the listener.  Why: a bridge retries its controller
 * connection only after a backoff of 1 s or more, so a restarted controller
 * would wait for it; its management socket answers at once. */
void ofp_controller_add_service(struct ofp_controller *ctl,
                                const char *target);

/* The ready switch with datapath id 'dpid', or NULL.  With several
 * connections to one switch (the bridge's own to the listener, one to its
 * management socket), the one that has been ready longest, so callers keep
 * using a connection for as long as it lasts. */
struct ofp_switch *ofp_controller_find(struct ofp_controller *ctl,
                                       uint64_t dpid);

/* Stores the datapath ids of the ready switches in '*ret_dpids' (freed with
 * free(); NULL if none) and returns how many there are. */
size_t ofp_controller_list(const struct ofp_controller *ctl,
                           uint64_t **ret_dpids);

struct ofp_controller_stats {
    uint64_t n_connects;     /* Switches that became ready. */
    uint64_t n_disconnects;  /* Ready switches that went away. */
    uint64_t n_errors;       /* OpenFlow error replies received. */
    uint64_t n_bad_messages; /* Connections dropped for undecodable input. */
};

void ofp_controller_get_stats(const struct ofp_controller *ctl,
                              struct ofp_controller_stats *ret);

/* -- Per switch -------------------------------------------------------- */

uint64_t ofp_switch_dpid(const struct ofp_switch *sw);

/* A number given to each connection when it became ready, never given
 * twice in a controller's life: a caller that holds a switch's flows'
 * state per connection compares it to know whether it still talks to the
 * same one (a pointer could be reused). */
uint64_t ofp_switch_session(const struct ofp_switch *sw);

/* Checks that 'text' is a flow modification in ovs-ofctl's syntax that
 * OpenFlow 1.3 can express, e.g.
 *
 *     add table=0,priority=3,in_port=2,vlan_tci=0x0000/0x1fff,
 *         cookie=0x1,actions=mod_vlan_vid:1,resubmit(,60)
 *     delete_strict table=0,priority=2,in_port=2
 *     delete cookie=0x1/-1
 *
 * The command ("add", "modify", "modify_strict", "delete",
 * "delete_strict") comes first, "add" if omitted; ports are numbers.
 * Returns 0, or -EINVAL with OVS's explanation in '*ret_error' (freed with
 * free(); 'ret_error' may be NULL). */
int ofp_flow_mod_check(const char *text, char **ret_error)
    __attribute__((warn_unused_result));

/* Parses 'text' as ofp_flow_mod_check() does and queues it to 'sw'.
 * Returns 0, -EINVAL (with '*ret_error' as above) or -ENOTCONN (the switch
 * is disconnecting; it will be gone after the next run); an OpenFlow error
 * the switch answers later is logged and counted (n_errors) only, so follow
 * with a barrier and compare the counter to confirm. */
int ofp_switch_flow_mod(struct ofp_switch *sw, const char *text,
                        char **ret_error) __attribute__((warn_unused_result));

/* Puts the flow mods that follow, until ofp_switch_commit(), into bundles
 * (the ONF extension of OpenFlow 1.3) of at most OFP_BUNDLE_MAX each, each
 * applied by the switch at once when committed.  ovs-vswitchd then
 * publishes its tables once per bundle instead of once per flow mod:
 * 56,000 flow mods take ~2 s instead of ~12-14 s (measured, busy machine).
 * A bundle is atomic: a flow mod the switch refuses fails its whole
 * bundle (an OpenFlow error, counted as ofp_switch_flow_mod() says). */
#define OFP_BUNDLE_MAX 4096
void ofp_switch_bundle(struct ofp_switch *sw);
/* Commits the open bundle, if any, and sends the flow mods that follow
 * one by one again.  Returns 0 or -ENOTCONN. */
int ofp_switch_commit(struct ofp_switch *sw)
    __attribute__((warn_unused_result));

/* Sends a barrier request to 'sw'.  The request completes when the switch
 * replied, that is after it processed everything sent before. */
struct ofp_request *ofp_switch_barrier(struct ofp_switch *sw);

/* Asks 'sw' for its flows in table 'table_id' (0..254), or in all tables
 * with -1.  Returns NULL for an invalid 'table_id'. */
struct ofp_request *ofp_switch_dump_flows(struct ofp_switch *sw, int table_id);

/* The same, leaving out (unformatted, uncounted) the flows whose cookie is
 * 'cookie': what a restarted agent looks for are the others. */
struct ofp_request *ofp_switch_dump_flows_except(struct ofp_switch *sw,
                                                 int table_id,
                                                 uint64_t cookie);

/* -- Requests ---------------------------------------------------------- */

/* 0 complete, -EINPROGRESS waiting for the switch, -ECONNRESET the switch
 * went away first, -EPROTO the switch answered with an OpenFlow error. */
int ofp_request_status(const struct ofp_request *req);

/* One flow of a completed dump, in ovs-ofctl's text form. */
struct ofp_flow {
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    uint64_t n_packets;
    uint64_t n_bytes;
    char *match;   /* e.g. "in_port=2,vlan_tci=0x0000/0x1fff"; "" if all. */
    char *actions; /* e.g. "mod_vlan_vid:1,resubmit(,60)"; "drop". */
};

/* The flows of a completed dump request, in the switch's order, in
 * '*ret_flows' (owned by 'req'); returns how many.  0 for other requests
 * and before completion. */
size_t ofp_request_flows(const struct ofp_request *req,
                         const struct ofp_flow **ret_flows);

/* Frees 'req' (NULL is fine); a reply still to come is then ignored. */
void ofp_request_free(struct ofp_request *req);

/* -- Looking at a bridge, as ovs-ofctl does ---------------------------- */

/* Connects to 'target', a bridge's management socket ("unix:RUNDIR/
 * BRIDGE.mgmt") or a switch's OpenFlow listener ("tcp:IP:PORT"), speaking
 * OpenFlow 1.3, and dumps the flows of every table, blocking for at most
 * 'timeout_ms'.  Not for a daemon's loop: for one-shot tools.  Returns 0
 * with the flows in '*ret_flows' (free with ofp_flows_free()) and their
 * count in '*ret_n', or a negative errno (-ENOENT: no such socket,
 * -ECONNREFUSED, -ETIMEDOUT, -EPROTO: the switch refused the request). */
int ofp_dump_flows_sync(const char *target, int timeout_ms,
                        struct ofp_flow **ret_flows, size_t *ret_n)
    __attribute__((warn_unused_result));

/* Frees 'n' flows of ofp_dump_flows_sync(). */
void ofp_flows_free(struct ofp_flow *flows, size_t n);

#endif /* ovs/ofp.h */
