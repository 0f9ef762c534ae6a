/* The request plumbing the dispatcher (api.c) shares with the modules that
 * serve whole paths of their own (rpc.c): one HTTP call in flight, its
 * transaction and its rendering.  Internal to the server core. */
#ifndef API_CALL_H
#define API_CALL_H 1

#include <jansson.h>
#include <stdbool.h>

#include "api/http.h"
#include "api/resource.h"

struct feed;

struct call {
    struct api *api;
    const struct http_request *http;
    struct api_request req;
    char **segs; /* Path segments. */
    size_t n_segs;
};

/* The change feed of the call's server. */
struct feed *api_feed(const struct api *);

/* Runs 'fn' as one request of the current batch, inside the batch's
 * transaction, under a savepoint undone if 'fn' fails. */
struct api_error *
api_in_transaction(struct call *, bool write,
                   struct api_error *(*fn)(struct call *, void *), void *aux);

/* The stored row 'id' of 'def' for a member action ("add_prefixes") that
 * policy rule 'rule' guards: NotFound if the caller may not see it, 403
 * PolicyNotAuthorized if it may see but not act on it. */
struct api_error *api_get_for_action(struct api_request *,
                                     const struct resource_def *,
                                     const char *id, const char *rule,
                                     json_t **ret);

/* Completes a stored row for a response (tenant_id, derived attributes),
 * keeping only 'fields' (NULL: all). */
void api_render(struct api_request *, const struct resource_ops *, json_t *row,
                char **fields);

/* The request body as a JSON object, or NULL with '*e' set. */
json_t *api_parse_body(const struct http_request *, struct api_error **e);

/* Fill in 'resp'; both take ownership of their second argument. */
void api_respond_error(struct http_response *, struct api_error *);
void api_respond_json(struct http_response *, int status, json_t *body);

/* Answers 404 / 405 as Neutron's router does. */
void api_not_found(struct http_response *);
void api_method_not_allowed(struct http_response *, const char *method);

/* Whether a member action ("PUT /v2.0/subnetpools/ID/add_prefixes") may go
 * on: 'action' is 'add' or 'remove' and the method PUT.  Otherwise answers
 * 404 or 405 and returns false. */
bool api_action_routed(struct call *, const char *action, const char *add,
                       const char *remove, struct http_response *);

#endif /* api/call.h */
