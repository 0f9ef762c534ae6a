/* The request context: who is asking.  With auth_strategy = noauth every
 * request is an admin of the project named by X-Project-Id (or the
 * configured default); Keystone fills the same object from a token. */
#ifndef API_CONTEXT_H
#define API_CONTEXT_H 1

#include <stdbool.h>

#include "api/token.h"

struct request_context {
    char *user_id;
    char *project_id;        /* "" for a token without project scope. */
    char *project_domain_id; /* "" with noauth or without project scope. */
    char *user_domain_id;    /* "" with noauth. */
    char *system_scope;      /* "all" for a system-scoped token, else "". */
    char **roles;            /* NULL-terminated. */
    bool is_admin;
    char request_id[41]; /* "req-" + UUID. */
};

/* Creates the context of an unauthenticated (noauth) request. */
struct request_context *request_context_noauth(const char *project_id);

/* Creates the context of a request made with a token Keystone described
 * as 'info'.  is_admin follows Neutron's context_is_admin rule
 * ("role:admin"). */
struct request_context *
request_context_from_token(const struct token_info *info);
void request_context_free(struct request_context *);

#endif /* api/context.h */
