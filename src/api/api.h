/* The Neutron v2.0 API: routes HTTP requests to resources, runs each in one
 * database transaction and renders results and errors as Neutron does. */
#ifndef API_API_H
#define API_API_H 1

#include "api/http.h"
#include "api/server-config.h"
#include "api/store.h"

struct api;
struct authz;
struct feed;

/* Creates the API over 'store', 'cfg', 'feed' (see api/feed.h) and 'authz'
 * (the policy, api/authz.h), which must outlive it. */
struct api *api_new(struct store *store, const struct server_config *cfg,
                    struct feed *feed, const struct authz *authz);
void api_free(struct api *);

/* The http_handler_func of the server; 'aux' is the struct api. */
void api_handle_request(const struct http_request *, struct http_response *,
                        void *aux);

/* The http_batch_func of the server: commits the requests handled since
 * the last call.  Returns false if that failed (nothing was kept). */
bool api_commit_batch(void *aux);

#endif /* api/api.h */
