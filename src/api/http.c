#include "api/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ds.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(http);

/* How many extra passes may add requests to a batch before it commits. */
#define HTTP_GATHER_PASSES 4

/* How many rounds one wake-up runs while libmicrohttpd has work due. */
#define HTTP_IMMEDIATE_PASSES 4

/* Largest declared body we read (and drop) to answer 413 cleanly. */
#define HTTP_DISCARD_MAX (64ULL << 20)

struct http_server {
    struct MHD_Daemon *daemon;
    sd_event *event;
    sd_event_source *io;
    sd_event_source *timer;
    sd_event_source *wake; /* Runs libmicrohttpd after a resume. */
    int port;
    size_t max_body;
    http_handler_func *handler;
    http_batch_func *batch;
    void *aux;
    http_gate_func *gate;
    void *gate_aux;
    struct http_request *held; /* Requests whose response waits for
                                * 'batch'. */
    bool unbatched; /* A handler ran since 'batch' was last called: a
                     * deferred request's transaction ends there too. */
};

struct http_request {
    struct http_server *server;
    struct MHD_Connection *conn;
    const char *method;
    char *path;
    struct http_arg *args;
    size_t n_args, cap_args;
    struct ds body;
    bool too_large;
    struct http_response resp; /* Held until the batch completes. */
    bool held;
    struct http_request *next_held;
    http_cancel_func *cancel; /* Deferred: not answered yet. */
    void *cancel_aux;
    bool gate_passed; /* The gate let it through. */
    void *data;       /* Left by the gate for the handler. */
    void (*data_free)(void *);
};

static void
request_free(struct http_request *req)
{
    if (req) {
        if (req->held) {
            free(req->resp.body);
            free(req->resp.request_id);
            free(req->resp.extra_header_value);
        }
        if (req->data_free) {
            req->data_free(req->data);
        }
        free(req->path);
        free(req->args);
        ds_destroy(&req->body);
        free(req);
    }
}

static enum MHD_Result
collect_arg(void *aux, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
    struct http_request *req = aux;

    if (req->n_args == req->cap_args) {
        req->cap_args = req->cap_args ? req->cap_args * 2 : 8;
        req->args = xrealloc(req->args, req->cap_args * sizeof *req->args);
    }
    req->args[req->n_args++] = (struct http_arg){key, value ? value : ""};
    return MHD_YES;
}

static struct http_request *
request_new(struct http_server *server, struct MHD_Connection *conn,
            const char *url, const char *method)
{
    struct http_request *req = xcalloc(1, sizeof *req);
    req->server = server;
    req->conn = conn;
    req->method = method;
    req->path = xstrdup(url); /* libmicrohttpd strips the query. */
    ds_init(&req->body);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, req);
    return req;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, struct http_response *resp)
{
    size_t len = resp->body ? strlen(resp->body) : 0;
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, resp->body ? resp->body : "",
                                        resp->body ? MHD_RESPMEM_MUST_FREE
                                                   : MHD_RESPMEM_PERSISTENT);
    if (len || resp->status != 204) {
        MHD_add_response_header(r, "Content-Type",
                                resp->content_type ? resp->content_type
                                                   : "application/json");
    }
    if (resp->request_id) {
        MHD_add_response_header(r, "X-Openstack-Request-Id", resp->request_id);
    }
    if (resp->extra_header_name && resp->extra_header_value) {
        MHD_add_response_header(r, resp->extra_header_name,
                                resp->extra_header_value);
    }
    ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    free(resp->request_id);
    free(resp->extra_header_value);
    return ret;
}

static enum MHD_Result
send_too_large(struct MHD_Connection *conn)
{
    struct http_response resp = {
        .status = 413,
        .body = xstrdup("{\"NeutronError\": {\"type\": "
                        "\"HTTPRequestEntityTooLarge\", \"message\": "
                        "\"Request is too large.\", \"detail\": \"\"}}"),
    };

    return send_response(conn, &resp);
}

static enum MHD_Result
access_handler(void *aux, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct http_server *server = aux;
    struct http_request *req = *con_cls;
    struct http_response resp = {.status = 500};

    if (!req) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     "Content-Length");
        unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;

        /* An oversized body is read and dropped, so the client gets its
         * 413 rather than a reset; past a hard cap we do not wait. */
        if (len > HTTP_DISCARD_MAX) {
            return send_too_large(conn);
        }
        req = request_new(server, conn, url, method);
        req->too_large = len > server->max_body;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (req->too_large
            || req->body.len + *upload_data_size > server->max_body) {
            req->too_large = true;
            ds_destroy(&req->body);
        } else {
            ds_put_buf(&req->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        return send_too_large(conn);
    }
    if (req->held) {
        /* Resumed after its batch: send what the handler answered. */
        req->held = false;
        return send_response(conn, &req->resp);
    }
    if (server->gate && !req->gate_passed) {
        switch (server->gate(req, &resp, server->gate_aux)) {
        case HTTP_GATE_ANSWER:
            return send_response(conn, &resp);
        case HTTP_GATE_WAIT:
            MHD_suspend_connection(conn);
            return MHD_YES;
        case HTTP_GATE_PASS:
            break;
        }
    }
    server->handler(req, &resp, server->aux);
    server->unbatched = true;
    if (req->cancel) {
        /* Deferred: the answer comes with http_request_complete(). */
        free(resp.body);
        free(resp.request_id);
        free(resp.extra_header_value);
        MHD_suspend_connection(conn);
        return MHD_YES;
    }
    if (!server->batch) {
        return send_response(conn, &resp);
    }
    req->resp = resp;
    req->held = true;
    req->next_held = server->held;
    server->held = req;
    MHD_suspend_connection(conn);
    return MHD_YES;
}

static void
replace_with_unavailable(struct http_response *resp)
{
    free(resp->body);
    free(resp->extra_header_value);
    resp->extra_header_name = "Retry-After";
    resp->extra_header_value = xstrdup("1");
    resp->status = 503;
    resp->body = xstrdup("{\"NeutronError\": {\"type\": "
                         "\"ServiceUnavailable\", \"message\": \"The "
                         "request could not be committed, try again.\", "
                         "\"detail\": \"\"}}");
}

/* Completes the held requests' batch and lets their responses go. */
static void
release_held(struct http_server *server)
{
    bool ok = server->batch(server->aux);

    server->unbatched = false;
    while (server->held) {
        struct http_request *req = server->held;

        server->held = req->next_held;
        if (!ok) {
            replace_with_unavailable(&req->resp);
        }
        MHD_resume_connection(req->conn);
    }
}

static void
request_completed(void *aux, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode code)
{
    struct http_request *req = *con_cls;

    if (req && req->cancel) {
        req->cancel(req->cancel_aux);
    }
    request_free(req);
    *con_cls = NULL;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *aux);

/* Runs libmicrohttpd's pending work and re-arms its timeout. */
static void
http_server_run(struct http_server *server)
{
    MHD_UNSIGNED_LONG_LONG timeout;
    bool due;
    int passes = 0;

    /* Work MHD wants done at once (a connection resumed or just answered
     * still to be read) is done here, a few rounds at most, rather than
     * through a timer armed to fire now: that costs two timerfd system
     * calls per request. */
    do {
        /* Each pass handles every ready request; their responses go out
         * on the next pass, once their batch is complete. */
        MHD_run(server->daemon);
        while (server->held) {
            /* Requests that arrived meanwhile join the batch: fewer,
             * larger commits under load. */
            for (int i = 0; i < HTTP_GATHER_PASSES; i++) {
                struct http_request *first = server->held;
                MHD_run(server->daemon);
                if (server->held == first) {
                    break;
                }
            }
            release_held(server);
            MHD_run(server->daemon);
        }
        if (server->unbatched && server->batch) {
            /* Only deferred requests (long polls) ran: no transaction
             * stays open while they wait. */
            release_held(server);
        }
        due = MHD_get_timeout(server->daemon, &timeout) == MHD_YES;
    } while (due && !timeout && ++passes < HTTP_IMMEDIATE_PASSES);
    if (due) {
        /* MHD's deadlines (idle connections, 120 s) move with every
         * request.  A quarter of the delay as accuracy lets sd-event keep
         * the timerfd it armed instead of re-arming it per request (a
         * costly system call in a VM); a due deadline (0) stays exact. */
        uint64_t delay = timeout * 1000, now;

        sd_event_now(server->event, CLOCK_MONOTONIC, &now);
        if (!server->timer) {
            (void) sd_event_add_time(server->event, &server->timer,
                                     CLOCK_MONOTONIC, now + delay,
                                     delay / 4 + 1, on_timer, server);
        } else {
            (void) sd_event_source_set_time(server->timer, now + delay);
            (void) sd_event_source_set_time_accuracy(server->timer,
                                                     delay / 4 + 1);
            (void) sd_event_source_set_enabled(server->timer,
                                               SD_EVENT_ONESHOT);
        }
    } else if (server->timer) {
        (void) sd_event_source_set_enabled(server->timer, SD_EVENT_OFF);
    }
}

static int
on_timer(sd_event_source *s, uint64_t usec, void *aux)
{
    http_server_run(aux);
    return 0;
}

static int
on_wake(sd_event_source *s, void *aux)
{
    http_server_run(aux);
    return 0;
}

static int
on_io(sd_event_source *s, int fd, uint32_t revents, void *aux)
{
    http_server_run(aux);
    return 0;
}

static int
open_listener(const char *host, int port, int *ret_port)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
    socklen_t len;
    int one = 1, fd;

    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        len = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        len = sizeof *sin6;
    } else {
        return -EINVAL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, 1024) < 0
        || getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    *ret_port =
        ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    return fd;
}

int
http_server_new(sd_event *event, const char *host, int port, size_t max_body,
                http_handler_func *handler, http_batch_func *batch, void *aux,
                struct http_server **ret)
{
    struct http_server *server = xcalloc(1, sizeof *server);
    const union MHD_DaemonInfo *info;
    int fd, r;

    fd = open_listener(host, port, &server->port);
    if (fd < 0) {
        free(server);
        return fd;
    }
    server->event = sd_event_ref(event);
    server->max_body = max_body;
    server->handler = handler;
    server->batch = batch;
    server->aux = aux;
    /* libmicrohttpd zeroes a connection's whole memory pool for every
     * request, so the pool is no bigger than it must be: 32 KB still holds
     * a request line and headers of ~32 KB (Neutron takes 16 KB a line). */
    server->daemon = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
        NULL, access_handler, server, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, server,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) 0,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 120,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 32 * 1024,
        MHD_OPTION_END);
    if (!server->daemon) {
        close(fd);
        sd_event_unref(server->event);
        free(server);
        return -EIO;
    }
    info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    r = sd_event_add_io(event, &server->io, info->epoll_fd, EPOLLIN, on_io,
                        server);
    if (r >= 0) {
        r = sd_event_add_defer(event, &server->wake, on_wake, server);
    }
    if (r >= 0) {
        r = sd_event_source_set_enabled(server->wake, SD_EVENT_OFF);
    }
    if (r < 0) {
        http_server_free(server);
        return r;
    }
    *ret = server;
    return 0;
}

void
http_server_free(struct http_server *server)
{
    if (server) {
        sd_event_source_disable_unref(server->io);
        sd_event_source_disable_unref(server->timer);
        sd_event_source_disable_unref(server->wake);
        MHD_stop_daemon(server->daemon); /* Closes the listening fd. */
        sd_event_unref(server->event);
        free(server);
    }
}

void
http_server_set_gate(struct http_server *server, http_gate_func *gate,
                     void *aux)
{
    server->gate = gate;
    server->gate_aux = aux;
}

void
http_request_resume(struct http_request *req, struct http_response *resp)
{
    if (resp) {
        /* Sent as a held response when libmicrohttpd calls us again. */
        req->resp = *resp;
        req->held = true;
    } else {
        req->gate_passed = true;
    }
    MHD_resume_connection(req->conn);
    /* Resumed connections are served by the next MHD_run(), which nothing
     * else may trigger soon. */
    (void) sd_event_source_set_enabled(req->server->wake, SD_EVENT_ONESHOT);
}

void
http_request_set_data(struct http_request *req, void *data,
                      void (*free_fn)(void *))
{
    if (req->data_free) {
        req->data_free(req->data);
    }
    req->data = data;
    req->data_free = free_fn;
}

void *
http_request_data(const struct http_request *req)
{
    return req->data;
}

int
http_server_port(const struct http_server *server)
{
    return server->port;
}

const char *
http_request_method(const struct http_request *req)
{
    return req->method;
}

const char *
http_request_path(const struct http_request *req)
{
    return req->path;
}

const struct http_arg *
http_request_args(const struct http_request *req, size_t *n)
{
    *n = req->n_args;
    return req->args;
}

const char *
http_request_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_request_body(const struct http_request *req, size_t *len)
{
    *len = req->body.len;
    return ds_cstr((struct ds *) &req->body);
}

void
http_request_defer(const struct http_request *req_, http_cancel_func *cancel,
                   void *aux)
{
    struct http_request *req = (struct http_request *) req_;

    core_assert(cancel && !req->cancel);
    req->cancel = cancel;
    req->cancel_aux = aux;
}

void
http_request_complete(const struct http_request *req_,
                      struct http_response *resp)
{
    struct http_request *req = (struct http_request *) req_;

    core_assert(req->cancel);
    req->cancel = NULL;
    req->resp = *resp;
    req->held = true; /* Sent when the connection resumes. */
    MHD_resume_connection(req->conn);
    /* Resumed connections move on only when the daemon runs again. */
    (void) sd_event_source_set_enabled(req->server->wake, SD_EVENT_ONESHOT);
}
