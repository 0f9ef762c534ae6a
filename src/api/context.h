/* The request context: who is asking.  With auth_strategy = noauth every
 * request is an admin of the project named by X-Project-Id (or the
 * configured default); Keystone fills the same object from a token. */
#ifndef API_CONTEXT_H
#define API_CONTEXT_H 1

#include <stdbool.h>

struct request_context {
    char *user_id;
    char *project_id;
    char **roles; /* NULL-terminated. */
    bool is_admin;
    char request_id[41]; /* "req-" + UUID. */
};

/* Creates the context of an unauthenticated (noauth) request. */
struct request_context *request_context_noauth(const char *project_id);
void request_context_free(struct request_context *);

#endif /* api/context.h */
