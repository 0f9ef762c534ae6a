/* What Keystone says about a token: who holds it, its scope, its roles and
 * when it expires, read from the body of a Keystone v3 "GET
 * /v3/auth/tokens" (or "POST /v3/auth/tokens") answer.
 *
 * A token_info owns all its strings; token_info_free() releases it.  Pure
 * data: no I/O, no global state. */
#ifndef API_TOKEN_H
#define API_TOKEN_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct token_info {
    char *user_id;
    char *user_domain_id;
    char *project_id;        /* "" unless project-scoped. */
    char *project_domain_id; /* "" unless project-scoped. */
    char *domain_id;         /* "" unless domain-scoped. */
    char *system_scope;      /* "all" for a system-scoped token, else "". */
    char **roles;            /* Role names, NULL-terminated. */
    int64_t expires_at;      /* Wall-clock µs since the epoch. */
};

/* Parses a v3 token body ({"token": {...}}).  Returns 0 and a new
 * token_info in '*ret', or -EINVAL if the body is not a v3 token (no user
 * id or no valid "expires_at"). */
int token_info_from_json(const json_t *body,
                         struct token_info **ret) WARN_UNUSED;
void token_info_free(struct token_info *);

/* True if 'info' carries the role 'role' (case-insensitive, as Keystone
 * role names are matched by oslo.policy). */
bool token_info_has_role(const struct token_info *, const char *role);

#endif /* api/token.h */
