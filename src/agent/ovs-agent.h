/* The OVS role of neutrino-agent (Neutron's neutron-openvswitch-agent):
 * makes this host's Open vSwitch match the server's state.
 *
 * - Bridges: br-int and each bridge of [ovs] bridge_mappings, with this
 *   agent as their OpenFlow controller and fail_mode=secure; the patch
 *   pairs int-<bridge> / phy-<bridge>, peered only once their drop flows
 *   are in.
 * - Ports: interfaces on br-int whose external_ids:iface-id names a port
 *   (how libvirt and os-vif plug VMs) are bound to this host through the
 *   server, tagged with their network's local VLAN (see lvm.h) and reported
 *   ACTIVE once their flows are confirmed by a barrier; unknown or
 *   unbindable ones sit on the dead VLAN 4095; ports whose interface left
 *   are reported DOWN.
 * - Flows (flows.h), each with this run's cookie: re-added in full on every
 *   (re)connection of a bridge, then flows of older cookies are deleted, so
 *   an agent restart drops no packet; a canary flow in table 23 tells a
 *   restarted ovs-vswitchd that lost its flows.
 * - The firewall ([securitygroup] firewall_driver = openvswitch,
 *   ovs-firewall.h): per-port flows in br-int's tables 60-94, recomputed
 *   only for ports whose inputs changed, part of what the barrier confirms
 *   before a port goes ACTIVE.  Nothing is filtered while the server's
 *   feed carries no security groups at all (a server without them).
 * - State reports ("Open vSwitch agent") every [agent] report_interval,
 *   with the firewall_driver in their configurations.
 *
 * Everything runs in the OVS island's poll loop: ovs_agent_run() /
 * ovs_agent_wait().  The objects passed at creation must outlive it. */
#ifndef AGENT_OVS_AGENT_H
#define AGENT_OVS_AGENT_H 1

#include <stdbool.h>

struct agent_config;
struct hclient;
struct ofp_controller;
struct replica;
struct vsw;

struct ovs_agent;

/* 'replica' may follow every port or only this host's: the role acts on
 * the ports bound to this host (binding:host_id) either way. */
struct ovs_agent *ovs_agent_create(const struct agent_config *, struct vsw *,
                                   struct ofp_controller *, struct replica *,
                                   struct hclient *);
void ovs_agent_destroy(struct ovs_agent *);

void ovs_agent_run(struct ovs_agent *);
void ovs_agent_wait(struct ovs_agent *);

/* True once the interface of port 'port_id' on br-int carries its
 * network's local VLAN and every bridge holds its flows: what the DHCP role
 * waits for before it reports its own port ACTIVE (the OVS role leaves the
 * status of network:dhcp ports to it). */
bool ovs_agent_port_wired(const struct ovs_agent *, const char *port_id);

/* When [ovs] ovsdb_connection is tcp:127.0.0.1:PORT, makes sure the local
 * ovsdb-server listens there (a Manager ptcp:PORT:127.0.0.1, as Neutron
 * sets it up), talking to it over its unix socket ($OVS_RUNDIR/db.sock).
 * Blocks for at most 5 s.  Returns 0 or a negative errno (logged). */
int ovs_agent_ensure_manager(const struct agent_config *);

/* Patch port names for a physical bridge, as Neutron forms them:
 * 'prefix' + bridge, or when longer than 15 characters a cut bridge name
 * and 6 hex digits of the bridge name's SHA-1.  'buf' holds 16 bytes. */
void ovs_agent_patch_name(const char *prefix, const char *bridge, char *buf);

#endif /* agent/ovs-agent.h */
