/* The "openvswitch" firewall driver: Neutron's OVS firewall as flows on
 * br-int (reference sections 7.4 and 8.2), computed from the replica's
 * ports, security groups and address groups.  No I/O: the OVS role sends
 * what this returns (flows.h sets, ovs-ofctl text).
 *
 * Tables (neutron-lib's numbers) and registers (reg5 = the port's ofport,
 * reg6 = its network's local VLAN, which is also the conntrack zone):
 *   60  in_port=OF -> regs, 71 (egress);  VLAN+dst MAC -> regs, strip, 81
 *   71  egress base: anti-spoofing (ARP, IPv4/IPv6 source MAC+IP from the
 *       fixed IPs and allowed address pairs, ND target), DHCP client out,
 *       DHCP server replies and RAs from the instance dropped, IP tracked
 *       (ct zone reg6) into 72; the rest dropped
 *   72  egress rules: established/related on, invalid dropped, rules (new
 *       and established originals) -> 73
 *   73  to a local port's MAC -> its ingress (81); new -> ct commit, 91;
 *       else 94 (NORMAL)
 *   81  ingress base: ARP, ND, DHCP replies straight out; IP tracked -> 82
 *   82  ingress rules: as 72, accepted -> commit, output:reg5
 *   91/94 accepted egress -> NORMAL;  92/93 drop
 * What does not name a port's addresses or ofport is shared by all ports
 * (ovsfw_base_flows()): table 81's ARP, ND and DHCP replies, and the
 * conntrack flows of 72/82 (reg5 says which port, reg6 the zone).
 * Rules are conjunctions, as OVN does it, so their cost does not grow with
 * the ports: each class of rules (group, remote, direction, ethertype) is
 * one conjunction (two ids for stateful groups: new, established) of a
 * clause per port of the group (reg5, ct_state), a clause per rule match
 * (protocol, ports, prefix; shared by every port) and, for remote_group_id
 * / remote_address_group_id, a clause per remote address (reg6, address).
 * So a rule of an existing class adds two flows, a new member one flow per
 * state, and neither touches a port; only a new class (say, the first rule
 * from some group) updates the clause flow of each port of the group.
 * Stateless groups ("stateful": false) get the same rules without
 * conntrack (replies need rules of their own).  A port with port security
 * off, or owned by "network:*", is not filtered: its egress only goes
 * through 73, so it still reaches filtered local ports through their
 * ingress rules.
 *
 * Use: ovsfw_begin(), ovsfw_port() for each port wired on br-int,
 * ovsfw_end(); after a change of groups alone, ovsfw_update_groups().  A
 * port's parts are made again only when the port, its ofport, local VLAN
 * or its groups' classes changed; an unchanged port's parts (and rules
 * part) are the same json_t as before, so a caller can skip diffing them
 * (flows_diff_parts(), with ovsfw_expand()). */
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
 * VLAN 'lvid', as two parts of a parted set (flows.h): those that do not
 * depend on its groups (returned), and its clause of each conjunction of
 * its groups (in '*ret_clauses').  Both are recipes, not flow sets: what
 * the flows are computed from (the port object, ofport, VLAN, the groups'
 * classes and conjunction ids), turned into flows by ovsfw_expand() when
 * a diff needs them, so a port's ~50 flows are never kept.  They are
 * owned by the firewall and stay valid and unchanged until the port's
 * next ovsfw_port() or the ovsfw_end() that forgets it: take a reference
 * to keep one longer (an installed set keeps the recipes it was made
 * from, which is what its diff against new ones needs). */
json_t *ovsfw_port(struct ovsfw *, json_t *port, int ofport, int lvid,
                   json_t **ret_clauses);
/* The flow set of 'part' (a new reference): computed from a recipe of
 * ovsfw_port(), 'part' itself for anything else.  A flows_expand_func. */
json_t *ovsfw_expand(struct ovsfw *, json_t *part);
/* Ends the pass, forgetting ports not seen in it, and adds two parts to
 * 'parts': "fw-rules" (the rules of every group the ports have: one flow
 * per rule match, and the accept flows) and "fw-remote" (one flow per
 * remote group member or address group address the rules need). */
void ovsfw_end(struct ovsfw *, json_t *parts);

/* Called with a port whose sets changed: the new ones, as ovsfw_port()
 * returns them. */
typedef void ovsfw_port_func(void *aux, const char *port_id, json_t *flows,
                             json_t *clauses);
/* After a change of security or address groups only (the ports, their
 * ofports and local VLANs as in the last pass): recomputes the sets of
 * the ports whose groups' classes changed (calling 'port_fn' for each),
 * and puts "fw-rules" and "fw-remote" into 'parts' as ovsfw_end() does
 * (the same json_t as before where nothing they depend on changed).  A
 * rule of a class the group has, or a new member, touches no port. */
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
