/* Agents as the server knows them: one row per (agent type, host), created
 * and refreshed by the agents' state reports (docs/agent-protocol.md), and
 * the /v2.0/agents resource over those rows.  Port binding asks here
 * whether a host can take a port. */
#ifndef API_AGENTS_H
#define API_AGENTS_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/resource.h"

#define AGENT_TYPE_OVS  "Open vSwitch agent"
#define AGENT_TYPE_DHCP "DHCP agent"

extern const struct resource_def agent_def;
extern const struct resource_ops agent_ops;

/* Records a state report ('state' is the "agent_state" object).  Sets
 * '*ret_state' to "alive", or "revived" when the agent had been declared
 * dead (it should then resync), and '*ret_syncing' to true when the agent
 * (re)starts its work: its first report, one with start_flag, or a
 * revival.  Errors are 400s for bad reports. */
struct api_error *agent_report(struct api_request *, json_t *state,
                               const char **ret_state, bool *ret_syncing);

/* The agent row of 'agent_type' on 'host' (a new reference), or NULL. */
json_t *agent_find(struct api_request *, const char *agent_type,
                   const char *host);

/* True if 'agent' reported within [DEFAULT] agent_down_time. */
bool agent_is_alive(const struct api_request *, json_t *agent);
/* True if 'heartbeat' (an agent row's heartbeat_timestamp) is at most
 * 'seconds' old. */
bool agent_beat_within(const char *heartbeat, int seconds);
/* The time 'seconds' ago in the agents' timestamp form, which sorts as
 * time does. */
void agent_time_before(int seconds, char buf[TIMESTAMP_LEN]);

/* The binding:vif_details for a port on 'host' whose network is on
 * 'physnet' (NULL: no physical network to check), or NULL when 'host' has
 * no alive Open vSwitch agent mapping it.  New reference. */
json_t *agent_ovs_vif_details(struct api_request *, const char *host,
                              const char *physnet);

#endif /* api/agents.h */
