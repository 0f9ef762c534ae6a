/* Security groups and their rules (/v2.0/security-groups,
 * /v2.0/security-group-rules) as Neutron 21's security-group,
 * stateful-security-group, security-groups-normalized-cidr and
 * security-groups-remote-address-group extensions behave; each project's
 * "default" group, made the first time the project lists or creates
 * groups, creates a network or a port; the groups of ports.
 *
 * Feed: a group is logged as changed (store_log_change()) whenever it,
 * its rules or its members (the addresses of the ports that have it)
 * change, and the feed shows it with "members" (docs/agent-protocol.md).
 *
 * Errors are Neutron's (SecurityGroupNotFound, SecurityGroupInUse, ...).
 * Internal to the server core. */
#ifndef API_SECURITY_GROUP_H
#define API_SECURITY_GROUP_H 1

#include "api/resource.h"

extern const struct resource_ops security_group_ops;
extern const struct resource_ops security_group_rule_ops;

/* The default group of 'project_id', made (with its four rules) if the
 * project has none.  Sets '*ret_id' (malloc'd), or to NULL when the caller
 * may not make one for another project (as Neutron: nothing then). */
struct api_error *sg_ensure_default(struct api_request *,
                                    const char *project_id, char **ret_id);

/* Checks the requested groups 'ids' of a port of 'project_id': each exists
 * and is the project's (an admin may give any), and they are all stateful
 * or all stateless.  Returns the ids without repeats in '*ret'. */
struct api_error *sg_check_port_groups(struct api_request *,
                                       const char *project_id, json_t *ids,
                                       json_t **ret);

/* Records that port 'port_id' had the groups 'old_ids' (NULL: a new port)
 * and has 'new_ids' now (NULL: deleted); logs every group concerned as
 * changed. */
struct api_error *sg_port_set_groups(struct api_request *, const char *port_id,
                                     json_t *old_ids, json_t *new_ids);

/* Logs the groups 'ids' as changed: their members' addresses changed. */
struct api_error *sg_touch(struct api_request *, json_t *ids);

/* Adds "members" to the rendered group 'sg' for the feed: {"IPv4": [...],
 * "IPv6": [...]}, the fixed IPs and allowed address pairs of the ports
 * that have it. */
struct api_error *sg_add_members(struct api_request *, json_t *sg);

#endif /* api/security-group.h */
