/* An asynchronous JSON-over-HTTP client for the agent's poll loop (the OVS
 * island's, see ovs/ovsx.h): libcurl's multi interface, driven by run/wait
 * like everything else in the agent.  It carries the agent's side of
 * docs/agent-protocol.md: the feed's long polls, bind and status calls,
 * state reports.  Connections to the server are kept alive and reused. */
#ifndef AGENT_HTTP_CLIENT_H
#define AGENT_HTTP_CLIENT_H 1

#include <jansson.h>
#include <stddef.h>

struct hclient;

/* Called once per request when it ends.  'status' is the HTTP status, or 0
 * when the server could not be reached or did not answer in time; 'body'
 * is the parsed JSON answer (NULL if there was none or it was not JSON),
 * borrowed for the duration of the call. */
typedef void hclient_done_func(void *aux, long status, json_t *body);

/* 'base_url' is e.g. "http://127.0.0.1:9696" (no trailing slash needed). */
struct hclient *hclient_create(const char *base_url);
/* Abandons pending requests without calling them back. */
void hclient_destroy(struct hclient *);

void hclient_run(struct hclient *);
void hclient_wait(struct hclient *);

/* Sends 'method' 'path' (appended to the base URL) with 'body' as JSON
 * (NULL: none; the reference is stolen), giving up after 'timeout_ms'.
 * 'done' is called from a later hclient_run(). */
void hclient_request(struct hclient *, const char *method, const char *path,
                     json_t *body, long timeout_ms, hclient_done_func *done,
                     void *aux);

/* Called once per raw request when it ends: 'status' as above, the
 * answer's bytes 'body' ('len' of them) and its Content-Type ('type', NULL
 * if none), all borrowed for the duration of the call. */
typedef void hclient_raw_func(void *aux, long status, const char *body,
                              size_t len, const char *type);

/* Sends GET 'path' with the 'n_headers' extra header lines 'headers'
 * ("Name: value") and hands the answer over as it is (not as JSON). */
void hclient_get_raw(struct hclient *, const char *path,
                     const char *const *headers, size_t n_headers,
                     long timeout_ms, hclient_raw_func *done, void *aux);

/* Requests sent and not yet ended. */
size_t hclient_pending(const struct hclient *);

#endif /* agent/http-client.h */
