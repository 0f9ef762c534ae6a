/* The "openvswitch" firewall driver: Neutron's OVS firewall as flows on
 * br-int (reference sections 7.4 and 8.2), computed from the replica's
 * ports, security groups and address groups.  No I/O: the OVS role sends
 * what this returns (flows.h sets, ovs-ofctl text).
 *
 * Tables (neutron-lib's numbers) and registers (reg5 = the port's ofport,
 * reg6 = its network's local VLAN, which is also the conntrack zone, reg7
 * = its group set):
 *   60  in_port=OF -> regs, 71 (egress);  VLAN+dst MAC -> regs, strip, 81
 *   71  egress base: anti-spoofing (ARP, IPv4/IPv6 source MAC+IP from the
 *       fixed IPs and allowed address pairs, ND target), DHCP client out,
 *       DHCP server replies and RAs from the instance dropped, IP tracked
 *       (ct zone reg6) into 72; the rest dropped
 *   72  egress rules: established/related on, invalid dropped, rules (new
 *       and established originals) -> 73
 *   73  to a local port's MAC -> its regs, its ingress (81); new -> ct
 *       commit, 91; else 94 (NORMAL)
 *   81  ingress base: ARP, ND, DHCP replies straight out; IP tracked -> 82
 *   82  ingress rules: as 72, accepted -> commit, output:reg5
 *   91/94 accepted egress -> NORMAL;  92/93 drop
 * What does not name a port's addresses or ofport is shared by all ports
 * (ovsfw_base_flows()): table 81's ARP, ND and DHCP replies, and the
 * conntrack flows of 72/82 (reg5 says which port, reg6 the zone).
 * Rules are conjunctions, as OVN does it, so their cost does not grow with
 * the ports: each class of rules (group, remote, direction, ethertype) is
 * one conjunction (two ids for stateful groups: new, established) of a
 * clause per group set that has the group (reg7, ct_state), a clause per
 * rule match (protocol, ports, prefix) and, for remote_group_id /
 * remote_address_group_id, a clause per remote address (reg6, address).
 * A group set is the set of groups some ports have (the same ids: the
 * same set), numbered by a hash of its ids; its ports load its number
 * into reg7 where they load reg5.  So a rule of an existing class adds
 * two flows, a new member one flow per state, and a new class (say, the
 * first rule from some group) one flow per group set and state; none
 * touches a port, whatever the group's size.  Stateless groups
 * ("stateful": false) get the same rules without conntrack (replies need
 * rules of their own).  A port with port security off, or owned by
 * "network:*", is not filtered: its egress only goes through 73, so it
 * still reaches filtered local ports through their ingress rules.
 *
 * Use: ovsfw_begin(), ovsfw_port() for each port wired on br-int,
 * ovsfw_end(); after a change of groups alone, ovsfw_update_groups().  A
 * port's part is made again only when the port, its ofport, local VLAN,
 * group set or statefulness changed; an unchanged port's part (and each
 * shared part) is the same json_t as before, so a caller can skip diffing
 * it (flows_diff_parts(), with ovsfw_expand()). */
#ifndef AGENT_OVS_FIREWALL_H
#define AGENT_OVS_FIREWALL_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct ovsfw;

/* A firewall whose flows carry 'cookie'. */
struct ovsfw *ovsfw_create(uint64_t cookie);
void ovsfw_destroy(struct ovsfw *);

/* The tables' defaults, whatever the ports (a new set, owned by the
 * caller). */
json_t *ovsfw_base_flows(const struct ovsfw *);

/* Starts a pass over the ports with the replica's groups (objects keyed by
 * id, borrowed until ovsfw_end()). */
void ovsfw_begin(struct ovsfw *, json_t *security_groups,
                 json_t *address_groups);
/* The flows of 'port' (a /v2.0 port object) plugged as 'ofport' on local
 * VLAN 'lvid', as one part of a parted set (flows.h).  A recipe, not a
 * flow set: what the flows are computed from (the port object, ofport,
 * VLAN, group set, statefulness), turned into flows by ovsfw_expand()
 * when a diff needs them, so a port's ~15 flows are never kept.  Owned by
 * the firewall, valid and unchanged until the port's next ovsfw_port()
 * or the ovsfw_end() that forgets it: take a reference to keep it longer
 * (an installed set keeps the recipes it was made from, which is what its
 * diff against new ones needs). */
json_t *ovsfw_port(struct ovsfw *, json_t *port, int ofport, int lvid);
/* The flow set of 'part' (a new reference): computed from a recipe of
 * ovsfw_port(), 'part' itself for anything else.  A flows_expand_func. */
json_t *ovsfw_expand(struct ovsfw *, json_t *part);
/* Ends the pass, forgetting ports not seen in it, and adds three parts to
 * 'parts': "fw-rules" (the rules of every group the ports have: one flow
 * per rule match, and the accept flows), "fw-sets" (the group sets'
 * clauses) and "fw-remote" (one flow per remote group member or address
 * group address the rules need, per local VLAN). */
void ovsfw_end(struct ovsfw *, json_t *parts);

/* Called with a port whose part changed: the new one, as ovsfw_port()
 * returns it. */
typedef void ovsfw_port_func(void *aux, const char *port_id, json_t *flows);
/* After a change of security or address groups only (the ports, their
 * ofports and local VLANs as in the last pass): makes again the parts of
 * the ports whose groups' statefulness changed (calling 'port_fn' for
 * those that differ), and puts the three shared parts into 'parts' as
 * ovsfw_end() does (the same json_t as before where nothing they depend
 * on changed).  A rule, a new member or a new class touches no port. */
void ovsfw_update_groups(struct ovsfw *, json_t *security_groups,
                         json_t *address_groups, ovsfw_port_func *port_fn,
                         void *aux, json_t *parts);

/* The (MAC, address) pairs 'port' may send from, a new array of
 * {"mac", "ip", "version"}: its fixed IPs and allowed address pairs
 * (addresses as OpenFlow and iptables match them: a host prefix bare, a
 * network with its host bits cleared), plus the IPv6 link-local address
 * of each of its MACs. */
json_t *ovsfw_port_pairs(json_t *port);
/* Whether 'port' is filtered at all: port security on, and not owned by
 * "network:*" (Neutron trusts those). */
bool ovsfw_port_filtered(json_t *port);

/* The OVS agent's own ARP and MAC spoofing protection of 'port' on
 * 'ofport', for the other firewall drivers (reference 7.4): table 0 sends
 * its ARP and neighbor advertisements to table 24, which passes only its
 * addresses, and the rest to table 25, which passes only its MACs (on to
 * table 60); what they do not pass, their table-miss drops.  Empty for a
 * port that is not filtered.  A new set. */
json_t *ovsfw_spoofing_flows(uint64_t cookie, json_t *port, int ofport);

/* The protocol number of a security group rule's "protocol" ("tcp",
 * "58", "ipv6-icmp", ...), or -1 for none/any, -EINVAL if unknown. */
int ovsfw_protocol_number(const char *protocol);

/* Splits the port range [min, max] into value/mask pairs as OpenFlow
 * matches them.  Stores up to 32 pairs in 'ret' and returns how many. */
int ovsfw_port_masks(int min, int max, uint32_t ret[][2]);

#endif /* agent/ovs-firewall.h */
