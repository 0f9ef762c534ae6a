/* Neutron's access policy: named rules written as oslo.policy check
 * strings ("rule:admin_only or role:reader and project_id:%(project_id)s"),
 * Neutron's defaults as a table (policy-defaults.c, generated from Neutron
 * by scripts/gen-policy-defaults.py), optionally overridden by a JSON
 * policy file with the same rule names, and evaluated against a request
 * context and a target (the resource's attributes).
 *
 * Check strings: "@" (always), "!" (never), "" (always), "rule:NAME",
 * "role:NAME", Neutron's "field:RESOURCE:ATTR=VALUE" (VALUE "~REGEX" for
 * a match), and "KEY:VALUE" comparing the context's KEY (project_id,
 * tenant_id, user_id, is_admin, system_scope, project_domain_id,
 * user_domain_id) with VALUE, where "%(attr)s" in VALUE (and in role
 * names) is the target's attribute; joined with "not", "and", "or" (in
 * that order of precedence) and parentheses.  A missing attribute makes
 * its check false; a missing rule is the "default" rule, as in
 * oslo.policy.  Targets carry a parent's attributes as
 * "network:tenant_id" etc., as Neutron's do.
 *
 * Rules are parsed once, when set.  Loop thread only. */
#ifndef API_POLICY_H
#define API_POLICY_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/context.h"
#include "core/util.h"

struct policy_default {
    const char *name;
    const char *check;
    const char *deprecated; /* Older default, or NULL. */
};

/* Neutron's defaults for networks, subnets, ports, agents, IP
 * availability, RBAC policies and quotas, plus the base rules they use. */
extern const struct policy_default policy_defaults[];
extern const size_t policy_n_defaults;

struct policy;

/* A policy with Neutron's defaults.  Unless 'enforce_new_defaults' (as
 * [oslo_policy] enforce_new_defaults), a rule with a deprecated default
 * allows what either form allows, as oslo.policy does. */
struct policy *policy_new(bool enforce_new_defaults);
void policy_free(struct policy *);

/* Adds rule 'name' or replaces it with 'check'.  Returns 0, or -EINVAL
 * with '*ret_error' (malloc'd) if 'check' does not parse. */
int policy_set_rule(struct policy *, const char *name, const char *check,
                    char **ret_error) WARN_UNUSED;

/* Applies a policy file over the current rules: YAML ("rule name": "check
 * string" per line, as oslo.policy's policy.yaml) or JSON (policy.json),
 * read as oslo.policy reads both.  Returns 0, or a negative errno with
 * '*ret_error'. */
int policy_load_file(struct policy *, const char *path,
                     char **ret_error) WARN_UNUSED;

/* True if there is a rule 'name' (defaults included). */
bool policy_has_rule(const struct policy *, const char *name);

/* True if 'ctx' passes rule 'action' (or, if there is no such rule, the
 * "default" rule) for 'target', a JSON object. */
bool policy_check(const struct policy *, const char *action,
                  const struct request_context *ctx, const json_t *target);

#endif /* api/policy.h */
