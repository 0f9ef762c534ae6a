/* inspect-gather: what is there, looked at with the project's own
 * libraries: OVSDB through the OVS island's IDL (bridges, ports, tags,
 * interfaces), each bridge's flows with their counters over its management
 * socket (as ovs-ofctl does), links, addresses and routes over rtnetlink
 * (src/nl), TX checksum offload over the ethtool ioctl, listening sockets
 * from /proc/net inside the qdhcp namespace, dnsmasq from its pid file and
 * /proc, its host file.  Builds the "observed" document inspect-check.h
 * describes.  Thin on purpose: every judgement is inspect-check's.
 *
 * Runs on the host, as root, in the network namespace of ovs-vswitchd and
 * the agent.  Needs ovsx_init() first. */
#ifndef INSPECT_INSPECT_GATHER_H
#define INSPECT_INSPECT_GATHER_H 1

#include <jansson.h>

#include "core/util.h"

#include "inspect/inspect-check.h"

/* Where things are on this host. */
struct inspect_where {
    const char *ovsdb;      /* [ovs] ovsdb_connection. */
    const char *ovs_rundir; /* Holds BRIDGE.mgmt ($OVS_RUNDIR). */
    const char *state_path; /* [DEFAULT] state_path. */
};

/* The observed document for 'want' (a new object).  What cannot be looked
 * at is left out or carries an "error"; gathering itself does not fail. */
json_t *inspect_gather(const struct inspect_want *want,
                       const struct inspect_where *where);

/* The flows of bridge 'name' (an array of FLOW objects, see
 * inspect-check.h), or NULL with the reason in '*ret_error' (malloc'd). */
json_t *inspect_dump_flows(const char *name, const struct inspect_where *where,
                           char **ret_error);

/* Opens OVSDB at 'remote' and waits (a few seconds at most) for the
 * replica.  Returns 0 with '*ret_vsw', -EINVAL for a remote vsw_open()
 * refuses, or -ETIMEDOUT. */
struct vsw;
int inspect_vsw_connect(const char *remote, struct vsw **ret_vsw) WARN_UNUSED;

/* TX checksum offload of device 'dev', through 'sock' (a socket in the
 * device's namespace): 1 on, 0 off, or a negative errno; and turning it
 * off (0 or a negative errno). */
int inspect_tx_csum(int sock, const char *dev);
int inspect_tx_csum_off(int sock, const char *dev);

/* Appends to 'out' the sockets of a /proc/net/{tcp,udp} table 'text'
 * ('proto' "tcp" or "udp"): listening TCP sockets and bound UDP ones, as
 * {"proto", "addr", "port"}.  Lines it cannot read are skipped. */
void inspect_parse_proc_net(const char *text, const char *proto, json_t *out);

#endif /* inspect/inspect-gather.h */
