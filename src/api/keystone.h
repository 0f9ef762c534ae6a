/* A Keystone v3 client for token validation, non-blocking on sd-event.
 *
 * Transfers run through libcurl's multi interface, whose sockets and timer
 * are sd-event sources on the caller's loop, so the loop never waits for
 * Keystone.  The client authenticates itself (password method, project
 * scope) to get the service token that "GET /v3/auth/tokens" needs; it
 * gets it on first use, again when less than a minute of it remains, and
 * again once if Keystone answers a validation with 401 (the service token
 * was revoked).  Validations that arrive meanwhile wait for it.
 *
 * Keystone is reached at 'auth_url' (its "/v3" suffix optional).  Results
 * are delivered by callback, never from inside keystone_validate(): a caller
 * may suspend work after calling it and be sure the callback comes later.
 * Loop thread only. */
#ifndef API_KEYSTONE_H
#define API_KEYSTONE_H 1

#include <systemd/sd-event.h>

#include "api/token.h"
#include "core/util.h"

struct keystone;

/* Credentials of the service user, as [keystone_authtoken] names them. */
struct keystone_options {
    const char *auth_url;
    const char *username;
    const char *password;
    const char *project_name;
    const char *user_domain_name;
    const char *project_domain_name;
    int timeout_ms; /* Per transfer, connection included. */
};

/* Called once per keystone_validate(): 'r' is 0 with 'info' (ownership
 * passes to the callee) for a valid token, -EACCES for a token Keystone
 * rejected (unknown, expired, revoked, forged), or another negative errno
 * with 'info' NULL when Keystone could not give an answer. */
typedef void keystone_validate_func(int r, struct token_info *info, void *aux);

/* Creates a client on 'event'; copies what it needs from 'opts'.  Returns 0
 * or a negative errno (-EINVAL: unusable options). */
int keystone_new(sd_event *event, const struct keystone_options *opts,
                 struct keystone **ret) WARN_UNUSED;

/* Aborts every transfer; each pending validation's callback is called with
 * -ECANCELED before this returns. */
void keystone_free(struct keystone *);

/* Asks Keystone about 'token' (copied) and calls 'cb' with the answer. */
void keystone_validate(struct keystone *, const char *token,
                       keystone_validate_func *cb, void *aux);

/* The Keystone URL without its version suffix, e.g. "http://k:5000". */
const char *keystone_base_url(const struct keystone *);

#endif /* api/keystone.h */
