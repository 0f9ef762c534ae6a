/* The "iptables_hybrid" firewall driver: Neutron's iptables firewall on the
 * Linux bridge a VM is plugged through when its binding says
 * ovs_hybrid_plug (seed 002: tap<id> in qbr<id>, the veth qvb<id> /
 * qvo<id>, qvo on br-int; Nova and os-vif make them, the agent wires qvo
 * like any port).  br_netfilter hands the bridged frames to iptables.
 *
 * This module renders the rules as iptables-restore text with Neutron's
 * chain names ("neutron-openvswi-" + i/o/s + the port id's first 10
 * characters, neutron-openvswi-sg-chain, -sg-fallback, -FORWARD, -INPUT,
 * neutron-filter-top; raw PREROUTING's CT zones), physdev matches on the
 * tap, and ipsets ("NIPv4"/"NIPv6" + group id) for remote groups and
 * address groups; and merges them into what iptables-save shows, so rules
 * that are not ours stay.  The rendering is pure; iptfw_sync() runs the
 * tools (ipset restore, then per table iptables-save and one
 * iptables-restore, IPv4 and IPv6) in a child process, only when the text
 * changed, and iptfw_run() reaps it.
 *
 * Everything returned is malloc'd text the caller frees. */
#ifndef AGENT_IPTABLES_FIREWALL_H
#define AGENT_IPTABLES_FIREWALL_H 1

#include <jansson.h>
#include <stddef.h>

/* A port plugged here through the hybrid plug. */
struct iptfw_port {
    json_t *port; /* The /v2.0 port object. */
    int zone;     /* Its network's conntrack zone. */
};

/* Our part of table "filter" (IP 'version' 4 or 6) for 'ports' and
 * groups 'sgs' (objects keyed by id): "*filter", our chains, the jumps to
 * them from the built-in chains, our rules (remote groups and address
 * groups through the sets iptfw_ipsets() names), "COMMIT". */
char *iptfw_filter(const struct iptfw_port *, size_t n, json_t *sgs,
                   int version);
/* Our part of table "raw": each port's conntrack zone (none for ports of
 * stateless groups: not tracked at all). */
char *iptfw_raw(const struct iptfw_port *, size_t n, json_t *sgs);

/* An "ipset restore" script that sets every set the rules of 'ports'
 * name to the current members of 'sgs' / addresses of address groups
 * 'ags' (objects keyed by id) (atomically, through a temporary
 * set and swap), and the names of those sets, one a line, in
 * '*ret_names'. */
char *iptfw_ipsets(const struct iptfw_port *, size_t n, json_t *sgs,
                   json_t *ags, char **ret_names);

/* 'saved' (iptables-save's text of one table; may be empty) with every
 * chain and rule of ours replaced by 'ours' (an iptfw_filter() or
 * iptfw_raw() text). */
char *iptfw_merge(const char *saved, const char *ours);

struct iptfw;

struct iptfw *iptfw_create(void);
void iptfw_destroy(struct iptfw *);

/* Makes this network namespace's ipsets and iptables hold the rules of
 * 'ports' (as the render functions above), unless they already do, in a
 * child process: the tools (ipset, iptables-save/-restore per table,
 * conntrack) take long with many ports, and the agent's loop must go on
 * meanwhile.  Returns 0 (nothing to do), -EINPROGRESS (a child applies
 * them: iptfw_run() says how it ended), -EBUSY (the last one still runs:
 * call again once iptfw_run() reported it), or another negative errno. */
int iptfw_sync(struct iptfw *, const struct iptfw_port *, size_t n,
               json_t *sgs, json_t *ags);
/* Reaps the sync child if it ended: 1 (applied), a negative errno (a tool
 * failed; the next iptfw_sync() tries again), 0 (none ended). */
int iptfw_run(struct iptfw *);
/* The fd that becomes readable when the sync child ends, or -1. */
int iptfw_wait_fd(const struct iptfw *);

/* The ipset name of remote "sg:ID" / "ag:ID" for IP 'version'. */
char *iptfw_set_name(const char *remote, int version);

#endif /* agent/iptables-firewall.h */
