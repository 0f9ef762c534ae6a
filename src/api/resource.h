/* What the request dispatcher (api.c) and the resource modules (network.c,
 * subnet.c, port.c) share: the per-request state and each resource's
 * operations.  Internal to the server core. */
#ifndef API_RESOURCE_H
#define API_RESOURCE_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/api-error.h"
#include "api/authz.h"
#include "api/context.h"
#include "api/schema.h"
#include "api/server-config.h"
#include "api/store.h"
#include "core/ds.h"
#include "core/util.h"

/* One request being served.  Lives for the duration of the handler. */
struct api_request {
    struct store *store;
    const struct server_config *cfg;
    const struct request_context *ctx;
    const struct authz *authz;
    char now[TIMESTAMP_LEN]; /* Timestamp of this request's writes. */
    /* Reads kept for the rest of the batch's transaction, by network id
     * (port.c), or NULL: set only for port creates, which never change
     * what is kept (their network's and its subnets' projections); any
     * other request, a failure and the end of the transaction empty it. */
    json_t *batch_cache;
};

struct resource_ops {
    const struct resource_def *def;
    /* Creates a resource from validated 'attrs' (defaults filled in) and
     * stores it; on success sets '*ret_id' (malloc'd). */
    struct api_error *(*create)(struct api_request *, json_t *attrs,
                                char **ret_id);
    /* Applies validated 'changes' to the stored 'row' and stores it.
     * 'row' may be modified. */
    struct api_error *(*update)(struct api_request *, json_t *row,
                                json_t *changes);
    /* Deletes stored 'row' and everything that goes with it. */
    struct api_error *(*delete)(struct api_request *, json_t *row);
    /* Writes the derived attributes of row 'id' (those without a column)
     * as JSON members, see store_row_func.  NULL: none. */
    void (*render_extra)(struct api_request *, const char *id, char **fields,
                         bool first, struct ds *out);
    /* Checks a bulk create's request bodies 'items' as a whole, before
     * any is created (NULL: nothing to check). */
    struct api_error *(*check_bulk)(struct api_request *, json_t *items);
    /* Runs before a list in the same transaction (NULL: nothing). */
    struct api_error *(*before_list)(struct api_request *,
                                     const struct list_query *);
};

extern const struct resource_ops network_ops;
extern const struct resource_ops subnet_ops;
extern const struct resource_ops port_ops;
extern const struct resource_ops rbac_ops;
extern const struct resource_def rbac_def;

/* Helpers for resource modules. */

/* Fills the standard attributes of a new row: id, project_id (from
 * 'attrs' or the caller's project), tags, revision_number, timestamps.
 * Returns an error for mismatching or forbidden project ids. */
struct api_error *resource_init_row(struct api_request *, json_t *attrs,
                                    int revision, char **ret_id);

/* The NotFound error of 'def' for 'id'. */
struct api_error *resource_not_found(const struct resource_def *,
                                     const char *id);

/* Maps a store failure to an API error (500 for the unexpected). */
struct api_error *api_error_from_store(int r);

/* The NotFound error of 'def' for 'id'. */
struct api_error *resource_not_found(const struct resource_def *,
                                     const char *id);

/* The stored row of 'def' with 'id', or a NotFound error. */
struct api_error *resource_get(struct api_request *,
                               const struct resource_def *, const char *id,
                               json_t **ret);
/* The same with only the attributes 'names' (see store_get_fields()). */
struct api_error *resource_get_fields(struct api_request *,
                                      const struct resource_def *,
                                      const char *id, const char *const *names,
                                      json_t **ret);

/* Copies 'changes' into 'row', returning true if any value differs. */
bool resource_merge(json_t *row, json_t *changes);

/* Bumps revision_number and updated_at of 'row' and writes it. */
struct api_error *resource_save(struct api_request *,
                                const struct resource_def *, json_t *row);

/* Network helpers used by subnet and port code. */
struct api_error *network_get_row(struct api_request *, const char *id,
                                  json_t **ret);

/* Subnet helpers used by port code: the subnets of a network, in creation
 * order (JSON array of rows). */
json_t *subnets_of_network(struct api_request *, const char *network_id);

/* RBAC helpers used by network code: makes the wildcard policies of
 * network 'row' match its shared and router:external flags ('old': the
 * row before an update, or NULL for a new network); 409
 * InvalidSharedSetting if unsharing would strand other projects' ports. */
struct api_error *rbac_sync_network(struct api_request *, json_t *row,
                                    json_t *old);
/* Deletes the policies of network 'id', which is being deleted. */
struct api_error *rbac_forget_network(struct api_request *, const char *id);
/* True for an IPv6 subnet whose addresses ports get without asking
 * (SLAAC or DHCPv6-stateless). */
bool is_auto_address_subnet(json_t *subnet);

/* Port helpers used by subnet, network and DHCP scheduling code. */

/* The device_id of a DHCP port no DHCP agent holds (Neutron's). */
#define DHCP_RESERVED "reserved_dhcp_port"

/* The network's DHCP ports (device_owner network:dhcp), a JSON array. */
json_t *port_dhcp_ports(struct api_request *, const char *network_id);
/* Creates a DHCP port of 'network' with device_id DHCP_RESERVED and an
 * address on each DHCP-enabled subnet; none if there is no such subnet. */
struct api_error *port_create_dhcp(struct api_request *, json_t *network);
/* Gives 'network' a DHCP port with 'device_id' (a DHCP agent's,
 * uuid_dhcp_device_id()) unless it has one: the reserved one if there is
 * one, else a new one as port_create_dhcp() makes them. */
struct api_error *port_dhcp_ensure(struct api_request *, json_t *network,
                                   const char *device_id);
/* Reserves the network's DHCP port with 'device_id', if any, as Neutron
 * does when a network leaves a DHCP agent (so its address is reused):
 * device_id DHCP_RESERVED, unbound, DOWN. */
struct api_error *port_dhcp_reserve(struct api_request *,
                                    const char *network_id,
                                    const char *device_id);
struct api_error *port_add_dhcp_ip(struct api_request *, json_t *port,
                                   json_t *subnet);
/* Removes the addresses of 'subnet_id' from 'port'; deletes the port if
 * none is left and 'delete_if_empty'. */
struct api_error *port_remove_subnet_ips(struct api_request *, json_t *port,
                                         const char *subnet_id,
                                         bool delete_if_empty);
struct api_error *port_delete_row(struct api_request *, json_t *port);
/* Binds port 'id' to 'host' for the Open vSwitch agent there
 * (docs/agent-protocol.md); sets the port's and its network's rows.  With
 * 'device_id' (may be NULL) the DHCP agent on 'host' also claims the
 * DHCP port the scheduler gave that device_id.  404 for no such port, 409
 * PortBindingFailed when 'host' cannot take it or the port is not a DHCP
 * port of that device. */
struct api_error *port_bind(struct api_request *, const char *id,
                            const char *host, const char *device_id,
                            json_t **ret_port, json_t **ret_network);
/* Sets the status ("ACTIVE", "DOWN") of port 'id' as its host's agent
 * reports it.  404 for no such port, 409 if bound to another host. */
struct api_error *port_set_status(struct api_request *, const char *id,
                                  const char *host, const char *status);
#endif /* api/resource.h */
