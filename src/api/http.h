/* The HTTP front end: libmicrohttpd driven from an sd-event loop.
 *
 * libmicrohttpd runs without threads of its own ("external select" with its
 * epoll fd as one sd-event io source), so request handlers run on the loop's
 * thread, one at a time, next to the database: no locks anywhere.  This
 * module collects a request (path, ordered query arguments, headers, body
 * up to a size cap) and hands it to one handler, which fills in a response.
 */
#ifndef API_HTTP_H
#define API_HTTP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "core/util.h"

struct http_server;
struct http_request;

struct http_arg {
    const char *key;
    const char *value; /* "" for a bare "?key". */
};

/* What a handler sends back.  The handler sets 'status' and may set 'body'
 * (malloc'd, freed by this module) and the optional headers. */
struct http_response {
    int status;
    char *body;               /* NULL: empty body. */
    const char *content_type; /* Default "application/json". */
    char *request_id;         /* x-openstack-request-id, malloc'd. */
    char *extra_header_name;  /* E.g. "Location" (static string). */
    char *extra_header_value; /* malloc'd. */
};

/* Called once per complete request.  Must not block. */
typedef void http_handler_func(const struct http_request *,
                               struct http_response *, void *aux);

/* Group commit.  When a server has one, the responses of the requests
 * handled in one pass over the ready connections are held back until this
 * is called and returns true (say, once their common database transaction
 * committed); if it returns false they are replaced by 503 errors. */
typedef bool http_batch_func(void *aux);

/* What a gate decides about a request before its handler runs. */
enum http_gate {
    HTTP_GATE_PASS,   /* Run the handler now. */
    HTTP_GATE_ANSWER, /* Send the response the gate filled in. */
    HTTP_GATE_WAIT,   /* Suspended until http_request_resume(). */
};

/* Called once per complete request, before the handler (authentication).
 * Must not block; on HTTP_GATE_WAIT it must later call
 * http_request_resume() exactly once, from the loop, never from inside
 * this call. */
typedef enum http_gate http_gate_func(struct http_request *,
                                      struct http_response *, void *aux);

/* Listens on 'host' (an IPv4 or IPv6 literal) and 'port' (0: ephemeral)
 * and serves requests on 'event'.  Bodies over 'max_body' bytes get 413
 * without reaching 'handler'.  'batch' may be NULL.  Returns 0 or a
 * negative errno. */
int http_server_new(sd_event *event, const char *host, int port,
                    size_t max_body, http_handler_func *handler,
                    http_batch_func *batch, void *aux,
                    struct http_server **ret) WARN_UNUSED;
void http_server_free(struct http_server *);

/* Puts 'gate' in front of the handler of every request. */
void http_server_set_gate(struct http_server *, http_gate_func *gate,
                          void *aux);

/* Resumes a request its gate suspended: with 'resp' NULL its handler runs;
 * otherwise 'resp' is sent (its malloc'd members are taken over). */
void http_request_resume(struct http_request *, struct http_response *resp);

/* Data a gate leaves for the handler (e.g. the request context); freed
 * with the request by 'free_fn'.  NULL if none was set. */
void http_request_set_data(struct http_request *, void *data,
                           void (*free_fn)(void *));
void *http_request_data(const struct http_request *);

/* The port actually bound. */
int http_server_port(const struct http_server *);

/* Accessors for the request being handled (valid during the call). */
const char *http_request_method(const struct http_request *);
const char *http_request_path(const struct http_request *);
const struct http_arg *http_request_args(const struct http_request *,
                                         size_t *n);
const char *http_request_header(const struct http_request *, const char *name);
const char *http_request_body(const struct http_request *, size_t *len);

/* Deferred answers (long polls).  A handler that calls
 * http_request_defer() leaves its response unset and answers later, from
 * the event loop, with http_request_complete(), which takes over the
 * response's malloc'd members.  If the client goes away first, 'cancel' is
 * called with 'aux' instead, and the request must not be used again. */
typedef void http_cancel_func(void *aux);
void http_request_defer(const struct http_request *, http_cancel_func *cancel,
                        void *aux);
void http_request_complete(const struct http_request *,
                           struct http_response *);

#endif /* api/http.h */
