/* The keystone auth_strategy: neutrino-server's equivalent of
 * keystonemiddleware's auth_token filter in front of the API.
 *
 * auth_gate() runs before the API handler for every request.  "/" (the
 * version list) passes unauthenticated, as in Neutron's paste pipeline.
 * Any other request needs an X-Auth-Token that Keystone accepts: a token
 * found valid in the cache passes at once with a request context built
 * from it; an unknown one suspends the request until Keystone answers, and
 * concurrent requests with the same token share that one validation.
 * Rejected tokens get keystonemiddleware's 401 (JSON body and
 * "WWW-Authenticate: Keystone uri=..."); if Keystone cannot answer, 503.
 *
 * Cache bounds come from [keystone_authtoken] token_cache_time (as
 * keystonemiddleware: how long a validation is trusted, so also how long a
 * revoked token keeps working; -1 disables caching), token_cache_size
 * (entries) and token_cache_invalid_time (how long a rejected token is
 * remembered).  Loop thread only. */
#ifndef API_AUTH_H
#define API_AUTH_H 1

#include <systemd/sd-event.h>

#include "api/http.h"
#include "api/server-config.h"

struct auth;

/* Creates the strategy for 'cfg' on 'event'.  Returns 0, or a negative
 * errno with '*ret_error' (malloc'd) explaining what is missing. */
int auth_new(sd_event *event, const struct server_config *cfg,
             struct auth **ret, char **ret_error) WARN_UNUSED;

/* Cancels the validations in flight, resuming their requests with 503
 * (which goes out if the HTTP server runs again; at shutdown their
 * connections just close), and frees 'auth'.  Call before
 * http_server_free(), which needs no request left suspended. */
void auth_free(struct auth *);

/* The http_gate_func; 'aux' is the struct auth. */
enum http_gate auth_gate(struct http_request *, struct http_response *,
                         void *aux);

#endif /* api/auth.h */
