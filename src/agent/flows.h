/* The OpenFlow rules of the OVS role, as ovs-ofctl text, computed from the
 * host's local VLANs and ofports (Neutron's OVS agent layout for flat and
 * VLAN networks: reference section 7.4, DESIGN.md).  Pure: no I/O.
 *
 * A flow set is a JSON object mapping a flow's identity ("table=T,
 * priority=P,MATCH", what a strict delete names) to the whole flow with its
 * cookie and actions, ready for "add".  Every flow carries 'cookie', the
 * agent run's, so a restarted agent can find and remove only stale ones.
 *
 * br-int:   t0 65535 dl_vlan=4095 -> drop (dead VLAN)
 *           t0 3 in_port=int-br-X, untagged (flat) / dl_vlan=SEG (vlan)
 *                 -> mod_vlan_vid:LOCAL, resubmit(,60)
 *           t0 2 in_port=int-br-X -> drop;  t0 2 in_port=DEAD -> drop
 *           t0 0 -> resubmit(,60);  t23 0 -> drop (canary);  t24 0 -> drop
 *           t60 3 -> NORMAL
 * br-X:     t0 4 in_port=phy-br-X, dl_vlan=LOCAL -> strip_vlan (flat) /
 *                 mod_vlan_vid:SEG (vlan), NORMAL
 *           t0 2 in_port=phy-br-X -> drop;  t0 0 -> NORMAL */
#ifndef AGENT_FLOWS_H
#define AGENT_FLOWS_H 1

#include <jansson.h>
#include <stdint.h>

#define FLOWS_CANARY_TABLE 23

/* Adds "table=T,priority=P[,MATCH]" with 'actions' to 'set' (replacing a
 * flow of the same identity). */
void flows_add(json_t *set, uint64_t cookie, int table, int priority,
               const char *match, const char *actions);

/* br-int's flows that exist whatever the networks. */
void flows_int_base(json_t *set, uint64_t cookie);
/* br-int: traffic from the patch port to a physical bridge ('ofport'). */
void flows_int_physnet(json_t *set, uint64_t cookie, int ofport);
/* br-int: a network with local VLAN 'lvid' arriving from patch port
 * 'ofport', untagged ('segid' < 0: flat) or tagged 'segid' (VLAN). */
void flows_int_network(json_t *set, uint64_t cookie, int ofport, int lvid,
                       int segid);
/* br-int: a port that must not pass anything. */
void flows_int_dead_port(json_t *set, uint64_t cookie, int ofport);

/* A physical bridge with patch port 'ofport' towards br-int. */
void flows_phys_base(json_t *set, uint64_t cookie, int ofport);
void flows_phys_network(json_t *set, uint64_t cookie, int ofport, int lvid,
                        int segid);

/* Calls 'emit' with the flow-mod commands ("add ...", "delete_strict ...")
 * that turn 'installed' into 'desired', and returns how many. */
typedef void flows_emit_func(void *aux, const char *command);
int flows_diff(json_t *installed, json_t *desired, uint64_t cookie,
               flows_emit_func *emit, void *aux);
/* The same for "parted" sets: objects mapping a part's name to a part,
 * with no flow in two parts.  A part is a flow set, or anything 'expand'
 * (called with 'aux'; NULL: every part is a set) turns into one as a new
 * reference: a part computed again when diffed instead of kept.  A part
 * that is the same json_t in both is skipped unread, so unchanged ports
 * cost nothing.  Deletes come first. */
typedef json_t *flows_expand_func(void *aux, json_t *part);
int flows_diff_parts(json_t *installed, json_t *desired, uint64_t cookie,
                     flows_expand_func *expand, flows_emit_func *emit,
                     void *aux);
/* flows_diff_parts() of only the parts named by the keys of object
 * 'names' (the others are known to be equal), which then become in
 * 'installed' what they are in 'desired'. */
int flows_diff_named(json_t *installed, json_t *desired, json_t *names,
                     uint64_t cookie, flows_expand_func *expand,
                     flows_emit_func *emit, void *aux);

#endif /* agent/flows.h */
