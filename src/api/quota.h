/* Per-project quotas (Neutron's quotas and quota_details extensions): how
 * many networks, subnets, subnet pools, ports, security groups, security
 * group rules and RBAC policies a project may own (what is made implicitly,
 * such as a project's default group or the policy of a network's shared flag,
 * is counted but never refused).  The defaults are [quotas] quota_<resource>
 * (-1: unlimited; subnet pools: default_quota, as Neutron has no option of
 * their own); /v2.0/quotas/<project> sets, shows and resets a project's own
 * limits (admin only, as Neutron's get_quota/update_quota/delete_quota rules
 * say; a project may read its own).  A create that would pass a limit is 409
 * OverQuota, and a bulk create, being one transaction, creates nothing then.
 *
 * The resources are a table in quota.c: adding one is one line. */
#ifndef API_QUOTA_H
#define API_QUOTA_H 1

#include "api/call.h"

/* 409 OverQuota if 'project' may not own one more row of 'def'; NULL if
 * it may, or if 'def' has no quota. */
struct api_error *quota_check(struct api_request *,
                              const struct resource_def *def,
                              const char *project);

/* Serves a call whose path starts with /v2.0/quotas. */
void quota_route(struct call *, struct http_response *);

#endif /* api/quota.h */
