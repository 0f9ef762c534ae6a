/* Neutron's policy enforcement around the API, over the rule engine of
 * api/policy.h: which rules a request must pass (neutron/policy.py's
 * check and enforce, attribute rules included), what a failure answers
 * (403 PolicyNotAuthorized, or 404 where the caller may not see the
 * object), which attributes a caller may not read, and which rows a
 * caller's queries are scoped to (Neutron's model_query: own project,
 * plus what is shared with it).
 *
 * Under Neutron 21's default (enforce_new_defaults false) an admin context
 * skips every rule, as Neutron's does; authz_bypass() says so, and the API
 * keeps that path free of policy work (noauth requests are all admin).
 * Loop thread only. */
#ifndef API_AUTHZ_H
#define API_AUTHZ_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/context.h"
#include "api/server-config.h"
#include "core/util.h"

struct api_error;
struct authz;

/* Neutron's rules with [oslo_policy] policy_file over them and
 * enforce_new_defaults from 'cfg'.  Returns 0, or a negative errno with
 * '*ret_error' (malloc'd) for a bad policy file. */
int authz_new(const struct server_config *cfg, struct authz **ret,
              char **ret_error) WARN_UNUSED;
void authz_free(struct authz *);

/* True if 'ctx' skips every policy check: an admin, unless
 * enforce_new_defaults. */
bool authz_bypass(const struct authz *, const struct request_context *);

/* The project 'ctx' is confined to (its rows plus those shared with it), or
 * NULL if it sees every project's: admin and advsvc contexts. */
const char *authz_scope(const struct request_context *);

/* Neutron's policy.check: true if 'ctx' passes rule 'action' on 'target'.
 * A missing rule is the "default" rule. */
bool authz_check(const struct authz *, const struct request_context *,
                 const char *action, const json_t *target);

/* Neutron's policy.enforce of "<verb>_<resource>" ("create", "port") on
 * 'target': that rule and, for create and update, "<action>:<attr>" of
 * every policed attribute 'given' sets (for create, to a value other than
 * Neutron's default, taken from 'target'), with
 * "<action>:<attr>:<key>" for the keys of a list of objects.  Returns NULL,
 * or 403 PolicyNotAuthorized "<expression> is disallowed by policy". */
struct api_error *authz_enforce(const struct authz *,
                                const struct request_context *,
                                const char *verb, const char *resource,
                                const json_t *target, const json_t *given);

/* Removes from 'obj' the attributes 'ctx' may not read: those with a
 * "get_<resource>:<attr>" rule that 'ctx' fails on 'obj'. */
void authz_strip(const struct authz *, const struct request_context *,
                 const char *resource, json_t *obj);

#endif /* api/authz.h */
