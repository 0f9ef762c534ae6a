/* DHCP scheduling, as Neutron's dhcp_agent_scheduler extension: which DHCP
 * agents host which network (the networkdhcpagentbindings table, see
 * store.h), and the API over it:
 *
 *   GET    /v2.0/networks/ID/dhcp-agents
 *   GET    /v2.0/agents/ID/dhcp-networks
 *   POST   /v2.0/agents/ID/dhcp-networks        {"network_id": NET}
 *   DELETE /v2.0/agents/ID/dhcp-networks/NET
 *
 * admin-only, as Neutron's policy has them.  Each DHCP agent hosting a
 * network has its own DHCP port there, with the device_id that agent forms
 * (uuid_dhcp_device_id()): that is how an agent learns, through the change
 * feed, which networks it serves (docs/agent-protocol.md).  A network
 * leaving an agent keeps that port as a reserved one (device_id
 * reserved_dhcp_port, unbound), which the next agent takes, as Neutron
 * does.  An agent's port deleted through the API is made again in the
 * same transaction (port.c), where Neutron's agent recreates it.
 *
 * Scheduling follows [DEFAULT] dhcp_agents_per_network (alive, admin-up
 * DHCP agents, least loaded first), when a network gets a DHCP subnet, when
 * a DHCP agent starts or revives (network_auto_schedule: networks short of
 * agents go to it) and, with allow_automatic_dhcp_failover, a network
 * leaves agents silent for 2 * agent_down_time when another DHCP agent
 * reports.  A network taken from an agent by hand stays off it until that
 * agent restarts, as with Neutron.
 * Everything runs inside the caller's transaction. */
#ifndef API_DHCP_SCHED_H
#define API_DHCP_SCHED_H 1

#include <jansson.h>

#include "api/call.h"

/* Schedules 'network' (a row), if it has a DHCP-enabled subnet: each agent
 * hosting it gets its DHCP port, agents are added up to
 * dhcp_agents_per_network, and if none can be, a reserved DHCP port
 * waits for the first. */
struct api_error *dhcp_sched_network(struct api_request *, json_t *network);

/* After a valid state report ('state', the "agent_state" object): for a
 * DHCP agent, failover as configured and, when the agent is 'syncing'
 * (agent_report()) and network_auto_schedule is on, the networks short of
 * agents that it does not host yet go to it, as Neutron schedules them
 * when an agent asks for its networks at start or after a revival. */
struct api_error *dhcp_sched_on_report(struct api_request *, json_t *state,
                                       bool syncing);

/* Before agent 'agent' (a row) is deleted: its networks' DHCP ports are
 * reserved for the next agent. */
struct api_error *dhcp_sched_agent_gone(struct api_request *, json_t *agent);

/* Serves the paths above (c->segs: "v2.0", "networks" or "agents", ID,
 * ...). */
void dhcp_sched_route(struct call *, struct http_response *);

#endif /* api/dhcp-sched.h */
