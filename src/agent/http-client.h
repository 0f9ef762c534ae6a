/* An asynchronous JSON-over-HTTP/1.1 client for the agent's poll loop (the
 * OVS island's, see ovs/ovsx.h), driven by run/wait like everything else in
 * the agent.  It carries the agent's side of docs/agent-protocol.md: the
 * feed's long polls, bind and status calls, state reports; and the metadata
 * proxy's calls to Nova.  Connections are kept alive and reused, host names
 * resolved without blocking, https verified against the system's trust
 * store ($SSL_CERT_FILE overrides it).  Our own rather than libcurl's: the
 * agent needs only this much, and libcurl's dependency tree cost the agent
 * ~3.8 MB of RSS (README, "Libraries and why"). */
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

/* 'base_urls' is e.g. "http://127.0.0.1:9696" (no trailing slash needed),
 * or several, comma-separated: servers of one database, used one at a
 * time.  A request that cannot reach the one in use, or that it answers
 * with 502, 503 or 504, goes to the next (each server once per request),
 * and the client stays with that one. */
struct hclient *hclient_create(const char *base_urls);
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

/* Called once per hclient_request_header() when it ends: as
 * hclient_done_func, plus the value of the answer's header asked for
 * ('value', NULL if it had none), borrowed for the duration of the call. */
typedef void hclient_header_func(void *aux, long status, json_t *body,
                                 const char *value);

/* As hclient_request(), also handing over the value of the answer's header
 * 'name' (e.g. Keystone's "X-Subject-Token"). */
void hclient_request_header(struct hclient *, const char *method,
                            const char *path, json_t *body, const char *name,
                            long timeout_ms, hclient_header_func *done,
                            void *aux);

/* How every request of a client authenticates (agent/agent-auth.h).
 * 'header' returns the header line to send ("Name: value"), or NULL while
 * there is none yet: requests then wait, unsent, until there is one.
 * 'rejected' learns that the server answered 401 to a request sent with
 * 'line'; that request is sent once more, with the next line. */
struct hclient_auth {
    const char *(*header)(void *aux);
    void (*rejected)(void *aux, const char *line);
    void *aux;
};

/* Makes every later request of 'c' authenticate as 'auth' says (copied;
 * 'auth->aux' must outlive 'c'). */
void hclient_set_auth(struct hclient *c, const struct hclient_auth *auth);

/* Requests sent and not yet ended. */
size_t hclient_pending(const struct hclient *);

#endif /* agent/http-client.h */
