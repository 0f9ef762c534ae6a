/* hclient: HTTP/1.1 over non-blocking sockets on the agent's poll loop.
 *
 * Each request in flight has a connection of its own (no pipelining);
 * finished connections the server keeps open go to an idle pool and carry
 * the next requests.  A request that fails on a reused connection before
 * any byte of its answer came is sent once more on a new one (the server
 * may have closed it while idle).  Host names are resolved with
 * getaddrinfo_a() (glibc's resolver thread), so the loop never waits for
 * DNS; https goes through OpenSSL (loaded only if a base URL is https:
 * agent/ssl-lib.h says why), verifying the server's certificate and name
 * against the system's trust store (or $SSL_CERT_FILE).
 *
 * A client may have several base URLs (several servers on one database):
 * it uses one until a request cannot reach it (or it answers 502-504),
 * then moves on to the next and sends that request there, each request
 * trying every server at most once.  It stays with the new one: the feed's
 * revisions are the database's, so a long poll goes on where it was. */
#include "agent/http-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/http-parse.h"
#include "agent/ssl-lib.h"
#include "core/config.h"
#include "core/ds.h"
#include "core/log.h"
#include "core/util.h"
#include "ovs/ovsx.h"

LOG_DEFINE_THIS_MODULE(hclient);

/* Answers larger than this are cut off and treated as failures. */
#define HCLIENT_MAX_ANSWER (256u << 20)
#define CONNECT_TIMEOUT_MS 5000
#define MAX_CONNS          32 /* Connections at once; more requests queue. */
#define MAX_IDLE           4  /* Idle connections kept for reuse. */
#define IDLE_TIMEOUT_MS    20000
#define RESOLVE_POLL_MS    10 /* How often to look at a pending lookup. */
#define READ_CHUNK         16384

enum conn_state {
    CONN_CONNECTING, /* TCP connect in progress. */
    CONN_HANDSHAKE,  /* TLS handshake in progress. */
    CONN_OPEN,       /* Ready, or carrying a request. */
};

/* One server: the parts of its base URL, and its address once known. */
struct hbase {
    char *url;
    char *host;        /* As in the URL, brackets stripped. */
    char *host_header; /* "host[:port]" as in the URL. */
    char *port;
    char *prefix; /* Path of the base URL, without trailing '/'. */
    bool tls;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    struct gaicb *lookup; /* Resolution in flight, or NULL. */
};

struct hconn {
    int fd;
    struct hbase *base;        /* The server it goes to. */
    SSL *ssl;                  /* NULL for http. */
    const struct ssl_lib *tls; /* The client's, with 'ssl'. */
    enum conn_state state;
    short want;           /* What SSL or the socket waits for. */
    bool reused;          /* Carried an answer before. */
    long long opened_at;  /* When the connect began. */
    long long idle_since; /* In the idle pool since. */
    struct hconn *next;   /* In the idle pool. */
};

struct hrequest {
    struct hclient *client;
    struct hrequest *prev, *next; /* In client->requests, oldest first. */
    char *method, *path;
    char *body;         /* JSON text, or NULL. */
    char **headers;     /* Extra lines ("Name: value"), NULL-ended. */
    char *want_header;  /* Header to hand over, or NULL. */
    long long deadline; /* ovsx_time_msec() to give up. */
    char *auth_line;    /* The auth line it was sent with, or NULL. */
    bool retried_auth;  /* Sent again after a 401 already. */
    bool retried_conn;  /* Sent again after a stale connection. */
    size_t n_failovers; /* Sent again to another server. */
    struct hconn *conn; /* NULL: not sent yet. */
    struct ds out;      /* The request's bytes. */
    size_t sent;        /* Of 'out'. */
    bool got_bytes;     /* Some of the answer arrived. */
    struct hparse parse;
    hclient_done_func *done;
    hclient_raw_func *raw_done;
    hclient_header_func *header_done;
    void *aux;
};

struct hclient {
    struct hbase *bases;
    size_t n_bases, cur; /* bases[cur] takes new connections. */
    bool valid;          /* Every base URL could be parsed. */
    struct ssl_lib *tls; /* Loaded if a base URL is https. */
    SSL_CTX *ssl_ctx;    /* Made with the first https connection. */
    struct hconn *idle;  /* Idle pool. */
    size_t n_idle, n_conns;
    struct hrequest *requests, *last;
    size_t n_pending;
    struct hclient_auth auth; /* 'header' NULL: none. */
};

/* Splits 'url' ("http[s]://host[:port][/prefix]") into 'b'. */
static bool
parse_base_url(struct hbase *b, const char *url)
{
    const char *p, *host, *end;
    size_t len;

    b->tls = str_startswith(url, "https://");
    if (!b->tls && !str_startswith(url, "http://")) {
        return false;
    }
    host = url + (b->tls ? 8 : 7);
    len = strcspn(host, "/?#");
    b->host_header = xstrndup(host, len);
    b->prefix = xstrdup(host + len);
    len = strlen(b->prefix);
    while (len && b->prefix[len - 1] == '/') {
        b->prefix[--len] = '\0';
    }
    if (b->host_header[0] == '[') {
        end = strchr(b->host_header, ']');
        if (!end) {
            return false;
        }
        b->host = xstrndup(b->host_header + 1, end - b->host_header - 1);
        p = end + 1;
    } else {
        p = b->host_header + strcspn(b->host_header, ":");
        b->host = xstrndup(b->host_header, p - b->host_header);
    }
    if (*p
        && (*p != ':' || !p[1]
            || strspn(p + 1, "0123456789") != strlen(p + 1))) {
        return false;
    }
    b->port = xstrdup(*p ? p + 1 : b->tls ? "443" : "80");
    return *b->host && !strchr(b->prefix, '?') && !strchr(b->prefix, '#');
}

struct hclient *
hclient_create(const char *base_urls)
{
    struct hclient *c = xcalloc(1, sizeof *c);
    char **urls = strv_split_commas(base_urls);

    c->valid = urls[0] != NULL;
    for (char **u = urls; *u; u++) {
        struct hbase *b;

        c->bases = xrealloc(c->bases, (c->n_bases + 1) * sizeof *c->bases);
        b = memset(&c->bases[c->n_bases++], 0, sizeof *b);
        b->url = xstrdup(*u);
        if (!parse_base_url(b, *u)) {
            log_error("'%s' is not a usable http(s):// URL", *u);
            c->valid = false;
        } else if (b->tls && !c->tls && ssl_lib_open(&c->tls)) {
            c->valid = false;
        }
    }
    strv_free(urls);
    return c;
}

static void
conn_close(struct hclient *c, struct hconn *conn)
{
    if (conn->ssl) {
        conn->tls->SSL_free(conn->ssl);
    }
    close(conn->fd);
    c->n_conns--;
    free(conn);
}

static void
hrequest_free(struct hrequest *r)
{
    struct hclient *c = r->client;

    if (r->conn) {
        conn_close(c, r->conn);
    }
    if (r->prev) {
        r->prev->next = r->next;
    } else {
        c->requests = r->next;
    }
    if (r->next) {
        r->next->prev = r->prev;
    } else {
        c->last = r->prev;
    }
    c->n_pending--;
    free(r->method);
    free(r->path);
    free(r->body);
    strv_free(r->headers);
    free(r->want_header);
    free(r->auth_line);
    ds_destroy(&r->out);
    hparse_destroy(&r->parse);
    free(r);
}

static void
lookup_free(struct hbase *b)
{
    freeaddrinfo(b->lookup->ar_result);
    free((char *) b->lookup->ar_name);
    free((char *) b->lookup->ar_service);
    free(b->lookup);
    b->lookup = NULL;
}

/* Closes the connections of the idle pool. */
static void
close_idle(struct hclient *c)
{
    while (c->idle) {
        struct hconn *conn = c->idle;
        c->idle = conn->next;
        c->n_idle--;
        conn_close(c, conn);
    }
}

static void
hbase_destroy(struct hbase *b)
{
    if (b->lookup) {
        gai_cancel(b->lookup);
        /* A lookup that cannot be cancelled any more finishes in glibc's
         * thread; its memory is left to it. */
        if (gai_error(b->lookup) != EAI_INPROGRESS) {
            lookup_free(b);
        }
    }
    free(b->url);
    free(b->host);
    free(b->host_header);
    free(b->port);
    free(b->prefix);
}

void
hclient_destroy(struct hclient *c)
{
    if (!c) {
        return;
    }
    while (c->requests) {
        hrequest_free(c->requests);
    }
    close_idle(c);
    for (size_t i = 0; i < c->n_bases; i++) {
        hbase_destroy(&c->bases[i]);
    }
    free(c->bases);
    if (c->ssl_ctx) {
        c->tls->SSL_CTX_free(c->ssl_ctx);
    }
    ssl_lib_close(c->tls);
    free(c);
}

/* Queues a new request; 'body' (may be NULL) is stolen. */
static struct hrequest *
hrequest_new(struct hclient *c, const char *method, const char *path,
             json_t *body, const char *want_header, long timeout_ms, void *aux)
{
    struct hrequest *r = xcalloc(1, sizeof *r);

    r->client = c;
    r->method = xstrdup(method);
    r->path = xstrdup(path);
    if (body) {
        r->body = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    r->want_header = want_header ? xstrdup(want_header) : NULL;
    r->deadline = ovsx_time_msec() + timeout_ms;
    r->aux = aux;
    ds_init(&r->out);
    hparse_init(&r->parse, want_header, HCLIENT_MAX_ANSWER);
    r->prev = c->last;
    if (c->last) {
        c->last->next = r;
    } else {
        c->requests = r;
    }
    c->last = r;
    c->n_pending++;
    return r;
}

void
hclient_request(struct hclient *c, const char *method, const char *path,
                json_t *body, long timeout_ms, hclient_done_func *done,
                void *aux)
{
    hrequest_new(c, method, path, body, NULL, timeout_ms, aux)->done = done;
}

void
hclient_request_header(struct hclient *c, const char *method, const char *path,
                       json_t *body, const char *name, long timeout_ms,
                       hclient_header_func *done, void *aux)
{
    struct hrequest *r =
        hrequest_new(c, method, path, body, name, timeout_ms, aux);

    r->header_done = done;
}

void
hclient_get_raw(struct hclient *c, const char *path,
                const char *const *headers, size_t n_headers, long timeout_ms,
                hclient_raw_func *done, void *aux)
{
    struct hrequest *r =
        hrequest_new(c, "GET", path, NULL, NULL, timeout_ms, aux);

    r->raw_done = done;
    r->headers = xcalloc(n_headers + 1, sizeof *r->headers);
    for (size_t i = 0; i < n_headers; i++) {
        r->headers[i] = xstrdup(headers[i]);
    }
}

void
hclient_set_auth(struct hclient *c, const struct hclient_auth *auth)
{
    c->auth = *auth;
}

size_t
hclient_pending(const struct hclient *c)
{
    return c->n_pending;
}

/* -- Ending requests ---------------------------------------------------- */

/* Calls 'r' back with 'status' (0: failed) and frees it. */
static void
finish(struct hrequest *r, long status)
{
    struct hparse *p = &r->parse;
    json_t *json = NULL;

    if (status && p->body.len && !r->raw_done) {
        json = json_loadb(p->body.s, p->body.len, 0, NULL);
    }
    if (r->raw_done) {
        r->raw_done(r->aux, status, p->body.len ? p->body.s : "",
                    status ? p->body.len : 0, status ? p->content_type : NULL);
    } else if (r->header_done) {
        r->header_done(r->aux, status, json, status ? p->want_value : NULL);
    } else {
        r->done(r->aux, status, json);
    }
    json_decref(json);
    hrequest_free(r);
}

/* Takes 'r' off its connection and queues it to be sent again. */
static void
requeue(struct hrequest *r)
{
    conn_close(r->client, r->conn);
    r->conn = NULL;
    ds_clear(&r->out);
    r->sent = 0;
    r->got_bytes = false;
    hparse_destroy(&r->parse);
    hparse_init(&r->parse, r->want_header, HCLIENT_MAX_ANSWER);
}

/* Queues 'r' again for the next server, if there is one it has not tried,
 * and moves the client on to that server unless another request did
 * already.  Returns false if there is none. */
static bool
failover(struct hrequest *r, const char *why)
{
    struct hclient *c = r->client;
    struct hbase *failed = r->conn ? r->conn->base : &c->bases[c->cur];

    if (r->n_failovers + 1 >= c->n_bases) {
        return false;
    }
    r->n_failovers++;
    if (failed == &c->bases[c->cur]) {
        c->cur = (c->cur + 1) % c->n_bases;
        log_warn("server %s: %s; now using %s", failed->url, why,
                 c->bases[c->cur].url);
        close_idle(c); /* All to the server left. */
    }
    if (r->conn) {
        requeue(r);
    }
    return true;
}

/* The connection of 'r' failed ('error', a negative errno). */
static void
fail(struct hrequest *r, int error)
{
    if (r->conn && r->conn->reused && !r->got_bytes && !r->retried_conn) {
        r->retried_conn = true; /* The server closed it while idle. */
        requeue(r);
        return;
    }
    log_debug("%s %s failed: %s", r->method, r->path, strerror(-error));
    if (!r->got_bytes && failover(r, strerror(-error))) {
        return;
    }
    finish(r, 0);
}

/* The whole answer of 'r' is in. */
static void
complete(struct hrequest *r)
{
    struct hclient *c = r->client;
    struct hconn *conn = r->conn;

    if (r->parse.status == 401 && r->auth_line && !r->retried_auth) {
        if (c->auth.rejected) {
            c->auth.rejected(c->auth.aux, r->auth_line);
        }
        r->retried_auth = true;
        requeue(r);
        return;
    }
    /* A gateway or a server that cannot serve now (its database gone):
     * the request did nothing there. */
    if (r->parse.status >= 502 && r->parse.status <= 504) {
        char why[32];

        snprintf(why, sizeof why, "HTTP %d", r->parse.status);
        if (failover(r, why)) {
            return;
        }
    }
    r->conn = NULL;
    if (hparse_keep_alive(&r->parse) && c->n_idle < MAX_IDLE) {
        conn->reused = true;
        conn->idle_since = ovsx_time_msec();
        conn->want = POLLIN;
        conn->next = c->idle;
        c->idle = conn;
        c->n_idle++;
    } else {
        conn_close(c, conn);
    }
    finish(r, r->parse.status);
}

/* -- Connections -------------------------------------------------------- */

/* Starts resolving the name of server 'b', or takes it if it is an address.
 * Returns 0 once the address is known, -EINPROGRESS while looking, or a
 * negative errno. */
static int
resolve(struct hbase *b)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    struct gaicb *list[1];
    int r;

    if (b->addr_len) {
        return 0;
    }
    if (!b->lookup) {
        /* Numeric addresses need no lookup, so no thread. */
        hints.ai_flags |= AI_NUMERICHOST;
        if (!getaddrinfo(b->host, b->port, &hints, &res)) {
            memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
            b->addr_len = res->ai_addrlen;
            freeaddrinfo(res);
            return 0;
        }
        b->lookup = xcalloc(1, sizeof *b->lookup + sizeof hints);
        b->lookup->ar_name = xstrdup(b->host);
        b->lookup->ar_service = xstrdup(b->port);
        hints.ai_flags &= ~AI_NUMERICHOST;
        memcpy(b->lookup + 1, &hints, sizeof hints);
        b->lookup->ar_request = (struct addrinfo *) (b->lookup + 1);
        list[0] = b->lookup;
        r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
        if (r) {
            log_warn("cannot look up '%s': %s", b->host, gai_strerror(r));
            lookup_free(b);
            return -EHOSTUNREACH;
        }
    }
    r = gai_error(b->lookup);
    if (r == EAI_INPROGRESS) {
        return -EINPROGRESS;
    }
    if (!r) {
        res = b->lookup->ar_result;
        memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
        b->addr_len = res->ai_addrlen;
    } else {
        log_warn("cannot look up '%s': %s", b->host, gai_strerror(r));
    }
    lookup_free(b);
    return r ? -EHOSTUNREACH : 0;
}

static SSL_CTX *
ssl_context(struct hclient *c)
{
    const struct ssl_lib *tls = c->tls;

    if (!c->ssl_ctx) {
        /* SSL_CTX_set_min_proto_version() and SSL_CTX_set_mode(), which
         * are macros over SSL_CTX_ctrl(). */
        c->ssl_ctx = tls->SSL_CTX_new(tls->TLS_client_method());
        core_assert(c->ssl_ctx);
        tls->SSL_CTX_ctrl(c->ssl_ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
                          TLS1_2_VERSION, NULL);
        tls->SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
        if (tls->SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1) {
            log_warn("no trust store for https ($SSL_CERT_FILE)");
        }
        tls->SSL_CTX_ctrl(c->ssl_ctx, SSL_CTRL_MODE,
                          SSL_MODE_ENABLE_PARTIAL_WRITE
                              | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
                          NULL);
    }
    return c->ssl_ctx;
}

/* Sets up TLS on 'conn', checking the certificate names the host. */
static int
conn_start_tls(struct hclient *c, struct hconn *conn)
{
    struct in6_addr ip;
    bool is_ip = inet_pton(AF_INET, conn->base->host, &ip) == 1
                 || inet_pton(AF_INET6, conn->base->host, &ip) == 1;

    const struct ssl_lib *tls = c->tls;

    conn->tls = tls;
    conn->ssl = tls->SSL_new(ssl_context(c));
    if (!conn->ssl || !tls->SSL_set_fd(conn->ssl, conn->fd)) {
        return -ENOMEM;
    }
    if (is_ip) {
        tls->X509_VERIFY_PARAM_set1_ip_asc(tls->SSL_get0_param(conn->ssl),
                                           conn->base->host);
    } else {
        /* SSL_set_tlsext_host_name(), a macro over SSL_ctrl(). */
        tls->SSL_ctrl(conn->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
                      TLSEXT_NAMETYPE_host_name, conn->base->host);
        tls->SSL_set1_host(conn->ssl, conn->base->host);
    }
    conn->state = CONN_HANDSHAKE;
    return 0;
}

/* Opens a connection to the current server (completing later). */
static int
conn_open(struct hclient *c, struct hconn **ret)
{
    struct hbase *b = &c->bases[c->cur];
    int fd = socket(b->addr.ss_family,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct hconn *conn;

    if (fd < 0) {
        return -errno;
    }
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *) &b->addr, b->addr_len)
        && errno != EINPROGRESS) {
        int r = -errno;
        close(fd);
        b->addr_len = 0; /* Look the name up again next time. */
        return r;
    }
    conn = xcalloc(1, sizeof *conn);
    conn->fd = fd;
    conn->base = b;
    conn->state = CONN_CONNECTING;
    conn->want = POLLOUT;
    conn->opened_at = ovsx_time_msec();
    c->n_conns++;
    *ret = conn;
    return 0;
}

/* The request's bytes, with the current auth line. */
static void
serialize(struct hrequest *r, const char *auth_line)
{
    struct hbase *b = r->conn->base;

    ds_put_format(&r->out,
                  "%s %s%s HTTP/1.1\r\nHost: %s\r\n"
                  "User-Agent: neutrino-agent\r\n"
                  "Accept: application/json\r\n",
                  r->method, b->prefix, r->path, b->host_header);
    if (r->body) {
        ds_put_format(&r->out,
                      "Content-Type: application/json\r\n"
                      "Content-Length: %zu\r\n",
                      strlen(r->body));
    } else if (strcmp(r->method, "GET")) {
        ds_put_cstr(&r->out, "Content-Length: 0\r\n");
    }
    for (char **h = r->headers; h && *h; h++) {
        ds_put_format(&r->out, "%s\r\n", *h);
    }
    free(r->auth_line);
    r->auth_line = auth_line ? xstrdup(auth_line) : NULL;
    if (auth_line) {
        ds_put_format(&r->out, "%s\r\n", auth_line);
    }
    ds_put_cstr(&r->out, "\r\n");
    if (r->body) {
        ds_put_cstr(&r->out, r->body);
    }
}

/* Gives 'r' a connection (idle or new) and its bytes, if it may go now.
 * Returns 0, -EAGAIN to wait, or a negative errno to fail it. */
static int
dispatch(struct hrequest *r)
{
    struct hclient *c = r->client;
    const char *line = c->auth.header ? c->auth.header(c->auth.aux) : NULL;
    int err;

    if (c->auth.header && !line) {
        return -EAGAIN; /* No credentials yet. */
    }
    if (c->idle) {
        r->conn = c->idle;
        c->idle = r->conn->next;
        c->n_idle--;
        r->conn->want = POLLOUT;
    } else if (c->n_conns >= MAX_CONNS) {
        return -EAGAIN;
    } else {
        err = resolve(&c->bases[c->cur]);
        if (!err) {
            err = conn_open(c, &r->conn);
        }
        if (err) {
            return err == -EINPROGRESS ? -EAGAIN : err;
        }
    }
    serialize(r, line);
    return 0;
}

/* -- I/O ---------------------------------------------------------------- */

/* Maps an SSL result to a wait or an error. */
static int
ssl_result(struct hconn *conn, int ret)
{
    const struct ssl_lib *tls = conn->tls;

    switch (tls->SSL_get_error(conn->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        conn->want = POLLIN;
        return -EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        conn->want = POLLOUT;
        return -EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        log_debug("TLS: %s",
                  tls->ERR_reason_error_string(tls->ERR_get_error()));
        tls->ERR_clear_error();
        return -ECONNRESET;
    }
}

static ssize_t
conn_write(struct hconn *conn, const char *buf, size_t n)
{
    if (conn->ssl) {
        int w = conn->tls->SSL_write(conn->ssl, buf, MIN(n, INT_MAX));
        return w > 0 ? w : ssl_result(conn, w);
    }
    ssize_t w = send(conn->fd, buf, n, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        conn->want = POLLOUT;
        return -EAGAIN;
    }
    return w < 0 ? -errno : w;
}

/* Returns bytes read, 0 at the end of the connection, or a negative errno
 * (-EAGAIN: nothing yet). */
static ssize_t
conn_read(struct hconn *conn, char *buf, size_t n)
{
    if (conn->ssl) {
        int got = conn->tls->SSL_read(conn->ssl, buf, MIN(n, INT_MAX));
        return got > 0 ? got : ssl_result(conn, got);
    }
    ssize_t got = recv(conn->fd, buf, n, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        conn->want = POLLIN;
        return -EAGAIN;
    }
    return got < 0 ? -errno : got;
}

/* Advances the connection set-up.  Returns 0 once open, -EAGAIN, or an
 * error. */
static int
conn_setup(struct hclient *c, struct hconn *conn)
{
    if (conn->state == CONN_CONNECTING) {
        struct pollfd pfd = {.fd = conn->fd, .events = POLLOUT};
        int err = 0;
        socklen_t len = sizeof err;

        if (poll(&pfd, 1, 0) < 1) {
            return -EAGAIN;
        }
        if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
            return -(err ? err : errno);
        }
        conn->state = CONN_OPEN;
        if (conn->base->tls && (err = conn_start_tls(c, conn))) {
            return err;
        }
    }
    if (conn->state == CONN_HANDSHAKE) {
        int ret = conn->tls->SSL_connect(conn->ssl);
        if (ret != 1) {
            return ssl_result(conn, ret);
        }
        conn->state = CONN_OPEN;
    }
    return 0;
}

/* Moves 'r' on as far as its connection allows. */
static void
drive(struct hrequest *r)
{
    struct hconn *conn = r->conn;
    char buf[READ_CHUNK];
    int err = conn_setup(r->client, conn);

    if (err == -EAGAIN && conn->state != CONN_OPEN
        && ovsx_time_msec() - conn->opened_at > CONNECT_TIMEOUT_MS) {
        err = -ETIMEDOUT;
    }
    while (!err && r->sent < r->out.len) {
        ssize_t w = conn_write(conn, r->out.s + r->sent, r->out.len - r->sent);
        err = w < 0 ? w : 0;
        r->sent += w > 0 ? w : 0;
    }
    while (!err) {
        ssize_t got = conn_read(conn, buf, sizeof buf);
        int used;

        if (got == 0) {
            err = r->got_bytes && !hparse_eof(&r->parse) ? 1 : -ECONNRESET;
            break;
        }
        if (got < 0) {
            err = got;
            break;
        }
        r->got_bytes = true;
        used = hparse_feed(&r->parse, buf, got);
        if (used < 0) {
            log_warn("%s %s: malformed answer (%s)", r->method, r->path,
                     strerror(-used));
            err = used;
        } else if (hparse_done(&r->parse)) {
            /* Bytes beyond the answer: the connection is not reusable. */
            r->parse.conn_close = r->parse.conn_close || used < got;
            err = 1;
        }
    }
    if (err == 1) {
        complete(r);
    } else if (err != -EAGAIN) {
        fail(r, err);
    }
}

/* Closes idle connections the server closed or that idled too long. */
static void
reap_idle(struct hclient *c)
{
    long long now = ovsx_time_msec();

    for (struct hconn **p = &c->idle; *p;) {
        struct hconn *conn = *p;
        struct pollfd pfd = {.fd = conn->fd, .events = POLLIN};

        if (now - conn->idle_since < IDLE_TIMEOUT_MS && !poll(&pfd, 1, 0)) {
            p = &conn->next;
            continue;
        }
        *p = conn->next;
        c->n_idle--;
        conn_close(c, conn);
    }
}

void
hclient_run(struct hclient *c)
{
    long long now = ovsx_time_msec();
    struct hrequest *r, *next;

    reap_idle(c);
    for (r = c->requests; r; r = next) {
        next = r->next;
        if (now >= r->deadline) {
            log_debug("%s %s: timed out", r->method, r->path);
            finish(r, 0);
            continue;
        }
        if (!r->conn) {
            int err = c->valid ? dispatch(r) : -EINVAL;
            if (err == -EAGAIN) {
                continue;
            }
            if (err) {
                if (!c->valid || !failover(r, strerror(-err))) {
                    finish(r, 0);
                }
                continue;
            }
        }
        drive(r);
    }
}

void
hclient_wait(struct hclient *c)
{
    long long now = ovsx_time_msec(), next = LLONG_MAX;
    /* Credentials come from another source, which wakes the loop. */
    bool no_auth = c->auth.header && !c->auth.header(c->auth.aux);

    for (struct hrequest *r = c->requests; r; r = r->next) {
        if (r->conn) {
            ovsx_poll_fd_wait(r->conn->fd, r->conn->want);
            if (r->conn->state != CONN_OPEN) {
                next = MIN(next, r->conn->opened_at + CONNECT_TIMEOUT_MS);
            }
        } else if (!no_auth) {
            /* Waiting for a lookup or a connection slot: look again
             * soon. */
            next = MIN(next, now + RESOLVE_POLL_MS);
        }
        next = MIN(next, r->deadline);
    }
    for (struct hconn *conn = c->idle; conn; conn = conn->next) {
        ovsx_poll_fd_wait(conn->fd, POLLIN);
        next = MIN(next, conn->idle_since + IDLE_TIMEOUT_MS);
    }
    if (next != LLONG_MAX) {
        ovsx_poll_timer_wait_until(next);
    }
}
