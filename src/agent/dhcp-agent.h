/* The DHCP role of neutrino-agent (Neutron's neutron-dhcp-agent with its
 * dnsmasq driver): for every network with a DHCP-enabled subnet that the
 * server scheduled to this host's DHCP agent (it has a DHCP port with this
 * host's device_id, dhcp<uuid5>-<network id>: uuid_dhcp_device_id()), it
 *
 * - claims that port (binds it here; docs/agent-protocol.md);
 * - makes namespace qdhcp-<network id> with the port's interface: a veth
 *   pair, ns-<11> inside (the port's MAC, the network's MTU, its fixed IPs
 *   with their prefixes, 169.254.169.254/32 when isolated metadata applies,
 *   a default route via the gateway, lo up) and tap<11> on br-int with
 *   Neutron's external_ids, so the OVS role gives it the network's local
 *   VLAN.  A veth always, on every datapath: an OVS internal port moved
 *   into a namespace breaks when a userspace (netdev) ovs-vswitchd
 *   restarts, and one form keeps the code and its tests single;
 * - runs one dnsmasq per network with Neutron's flags and files under
 *   state_path/dhcp/<network id>/ (dnsmasq.h), files written atomically
 *   (write + rename), SIGHUP when they change, a restart when the command
 *   line changes (subnets, MTU, options), a respawn at once when it dies
 *   (with a doubling delay if it keeps dying), leases of removed hosts
 *   released with dhcp_release;
 * - with enable_isolated_metadata or force_metadata, serves metadata on
 *   169.254.169.254:80 inside the namespace (metadata.h);
 * - reports the DHCP port ACTIVE once dnsmasq serves and the OVS role has
 *   wired the port; reports itself as "DHCP agent" (and "Metadata agent"
 *   when it serves metadata);
 * - removes all of it when the network has no DHCP subnet left or leaves
 *   this host (the server reserves or deletes the port).
 *
 * Everything it changes is converged, not rebuilt: after an agent restart
 * it adopts the namespace, the veth and the running dnsmasq (found through
 * its pid file and checked against /proc/PID/cmdline).  dnsmasq keeps
 * serving while the agent is away, as with Neutron.
 *
 * Runs in the OVS island's poll loop (run/wait).  The objects passed at
 * creation must outlive it. */
#ifndef AGENT_DHCP_AGENT_H
#define AGENT_DHCP_AGENT_H 1

struct agent_config;
struct hclient;
struct ovs_agent;
struct replica;
struct vsw;

struct dhcp_agent;

/* 'replica' must follow every port (replica_create() with a NULL host). */
struct dhcp_agent *dhcp_agent_create(const struct agent_config *, struct vsw *,
                                     struct replica *, struct hclient *,
                                     const struct ovs_agent *);
/* Frees the role; dnsmasq processes and namespaces stay. */
void dhcp_agent_destroy(struct dhcp_agent *);

void dhcp_agent_run(struct dhcp_agent *);
void dhcp_agent_wait(struct dhcp_agent *);

#endif /* agent/dhcp-agent.h */
