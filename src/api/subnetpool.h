/* Subnet pools (/v2.0/subnetpools), Neutron's subnet_allocation,
 * default-subnetpools and subnetpool-prefix-ops extensions: pools of
 * prefixes of one IP version from which subnets get their CIDR, with
 * prefix length bounds, a per-project prefix quota (default_quota), at
 * most one default pool per IP version, and the add_prefixes /
 * remove_prefixes actions.  Validation and errors are Neutron's
 * (EmptySubnetPoolPrefixList, PrefixVersionMismatch,
 * IllegalSubnetPoolPrefixBounds, IllegalSubnetPoolPrefixUpdate,
 * SubnetPoolDeleteError, Min/MaxPrefixSubnetAllocationError,
 * SubnetPoolQuotaExceeded, SubnetAllocationError).  Address scopes are
 * not built: address_scope_id is always null.
 *
 * Prefix math is core/prefix-set.h; the pool's row is locked for the
 * rest of the transaction before a subnet is carved from it, so two
 * servers never hand out overlapping prefixes.  Internal to the server
 * core; everything runs in the caller's write transaction. */
#ifndef API_SUBNETPOOL_H
#define API_SUBNETPOOL_H 1

#include "api/call.h"

extern const struct resource_def subnetpool_def;
extern const struct resource_ops subnetpool_ops;

/* Serves PUT /v2.0/subnetpools/ID/ACTION. */
void subnetpool_action(struct call *, const char *id, const char *action,
                       struct http_response *);

/* For a subnet create from validated 'subnet' (with "prefixlen" and
 * "use_default_subnetpool" still in it, if given): finds the pool it
 * names (subnetpool_id, or the default pool of its ip_version), and if
 * there is one, sets the subnet's "cidr" to a prefix carved from it and
 * its "subnetpool_id".  Takes both request-only members out of
 * 'subnet'. */
struct api_error *subnetpool_allocate(struct api_request *, json_t *subnet);

#endif /* api/subnetpool.h */
