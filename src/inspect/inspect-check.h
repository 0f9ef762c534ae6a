/* inspect-check: the path inspector's judgement.  Given what the server
 * says should exist for a network on this host ('struct inspect_want')
 * and what the gatherer saw (the "observed" document below), lists every
 * step of the network's path with OK or what is broken and a hint.  Pure:
 * no I/O, so each broken step is a unit test.
 *
 * The observed document (JSON, built by inspect-gather; every member may
 * be absent when it could not be looked at):
 *
 *   {"ovsdb": {"error": TEXT}            only when OVSDB was unreachable
 *    "bridges": {NAME: {"datapath_type": "", "ifaces": [IFACE...],
 *                       "flows": [FLOW...] | "flows_error": TEXT}}
 *    "links": {NAME: LINK}      devices of the bridges' system ports, in
 *                               ovs-vswitchd's namespace
 *    "namespace": {"name": "qdhcp-..", "links": [LINK...],
 *                  "routes": [{"dst", "gateway", "dev"}],
 *                  "sockets": [{"proto": "udp", "addr", "port"}]}
 *    "dnsmasq": {"pid": N, "running": BOOL, "hosts": [{"mac", "ip"}],
 *                "interface": TEXT (the interface file)}}
 *   IFACE: {"name", "type", "ofport", "tag", "iface_id", "attached_mac",
 *           "net_uuid", "oc_tag", "peer"}   (absent: not set)
 *   FLOW:  {"table", "priority", "match", "actions", "n_packets"}
 *   LINK:  {"name", "kind", "up", "mac", "addrs": ["1.2.3.4/24"],
 *           "tx_csum": BOOL}
 *
 * A finding is {"step": TEXT, "ok": BOOL, "detail": TEXT, "hint": TEXT
 * (failures only), "port": ID (port steps only)}.  Findings come in path
 * order: server, bridges, patch ports, NIC, flows, DHCP namespace and
 * dnsmasq, then each port from its tap to the NIC. */
#ifndef INSPECT_INSPECT_CHECK_H
#define INSPECT_INSPECT_CHECK_H 1

#include <jansson.h>
#include <stdbool.h>

/* What should be there, from the agent's configuration and the server. */
struct inspect_want {
    const char *host;               /* [DEFAULT] host. */
    const char *integration_bridge; /* [ovs] integration_bridge. */
    const char *phys_bridge;        /* The physnet's bridge; NULL: unmapped. */
    const char *datapath_type;      /* [ovs] datapath_type. */
    bool metadata;                  /* enable_isolated_metadata or force_. */
    json_t *network;                /* The API's network (borrowed). */
    json_t *subnets;                /* Its subnets, an array (borrowed). */
    json_t *ports;                  /* Its ports, an array (borrowed). */
    const char *only_port;          /* Trace only this port; NULL: all. */
};

/* The findings for 'want' against 'observed' (borrowed), a new array. */
json_t *inspect_check(const struct inspect_want *want, json_t *observed);

/* True if every finding of 'findings' is OK. */
bool inspect_all_ok(json_t *findings);

/* Names the agent gives things, as Neutron does: "qdhcp-<net id>",
 * "tap<11>" on br-int, "ns-<11>" in the namespace (malloc'd). */
char *inspect_ns_name(const char *net_id);
char *inspect_dev_name(const char *prefix, const char *port_id);

/* The network's DHCP port, or NULL (borrowed from 'want->ports'). */
json_t *inspect_dhcp_port(const struct inspect_want *want);

/* The network's local VLAN on br-int, as the agent recorded it in the
 * Ports' other_config (net_uuid, tag), or -1. */
int inspect_local_vlan(const struct inspect_want *want, json_t *observed);

/* The gateway of the network's first IPv4 subnet that has one, or NULL
 * (borrowed). */
const char *inspect_gateway(const struct inspect_want *want);

/* True if the network's DHCP is served on 'want->host'. */
bool inspect_dhcp_here(const struct inspect_want *want);

#endif /* inspect/inspect-check.h */
