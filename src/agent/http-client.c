#include "agent/http-client.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/select.h>

#include "core/ds.h"
#include "core/log.h"
#include "core/util.h"
#include "ovs/ovsx.h"

LOG_DEFINE_THIS_MODULE(hclient);

/* Answers larger than this are cut off and treated as failures. */
#define HCLIENT_MAX_ANSWER (256u << 20)

struct hclient {
    CURLM *multi;
    char *base_url;
    size_t n_pending;
    struct hrequest *requests; /* Pending, a doubly linked list. */
};

struct hrequest {
    struct hclient *client;
    struct hrequest *prev, *next;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct ds answer;
    bool too_big;
    hclient_done_func *done;
    hclient_raw_func *raw_done; /* Instead of 'done' for raw requests. */
    void *aux;
};

struct hclient *
hclient_create(const char *base_url)
{
    struct hclient *c = xcalloc(1, sizeof *c);
    size_t len = strlen(base_url);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    c->multi = curl_multi_init();
    core_assert(c->multi);
    c->base_url =
        xstrndup(base_url, len && base_url[len - 1] == '/' ? len - 1 : len);
    return c;
}

static void
hrequest_free(struct hrequest *r)
{
    curl_multi_remove_handle(r->client->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    ds_destroy(&r->answer);
    if (r->prev) {
        r->prev->next = r->next;
    } else {
        r->client->requests = r->next;
    }
    if (r->next) {
        r->next->prev = r->prev;
    }
    r->client->n_pending--;
    free(r);
}

void
hclient_destroy(struct hclient *c)
{
    if (c) {
        while (c->requests) {
            hrequest_free(c->requests);
        }
        curl_multi_cleanup(c->multi);
        free(c->base_url);
        free(c);
    }
}

static size_t
write_answer(char *data, size_t size, size_t n, void *aux)
{
    struct hrequest *r = aux;

    if (r->answer.len + size * n > HCLIENT_MAX_ANSWER) {
        r->too_big = true;
        return 0; /* Makes libcurl fail the transfer. */
    }
    ds_put_buf(&r->answer, data, size * n);
    return size * n;
}

/* A new request for 'path', not yet started. */
static struct hrequest *
hrequest_new(struct hclient *c, const char *method, const char *path,
             long timeout_ms, void *aux)
{
    struct hrequest *r = xcalloc(1, sizeof *r);
    char *url = xasprintf("%s%s", c->base_url, path);

    r->client = c;
    r->aux = aux;
    ds_init(&r->answer);
    r->easy = curl_easy_init();
    core_assert(r->easy);
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_answer);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    free(url);
    return r;
}

/* Starts 'r' with its headers. */
static void
hrequest_start(struct hclient *c, struct hrequest *r)
{
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    c->n_pending++;
    r->next = c->requests;
    if (r->next) {
        r->next->prev = r;
    }
    c->requests = r;
    curl_multi_add_handle(c->multi, r->easy);
}

void
hclient_request(struct hclient *c, const char *method, const char *path,
                json_t *body, long timeout_ms, hclient_done_func *done,
                void *aux)
{
    struct hrequest *r = hrequest_new(c, method, path, timeout_ms, aux);

    r->done = done;
    r->headers = curl_slist_append(NULL, "Accept: application/json");
    if (body) {
        r->body = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        r->headers =
            curl_slist_append(r->headers, "Content-Type: application/json");
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    }
    hrequest_start(c, r);
}

void
hclient_get_raw(struct hclient *c, const char *path,
                const char *const *headers, size_t n_headers, long timeout_ms,
                hclient_raw_func *done, void *aux)
{
    struct hrequest *r = hrequest_new(c, "GET", path, timeout_ms, aux);

    r->raw_done = done;
    for (size_t i = 0; i < n_headers; i++) {
        r->headers = curl_slist_append(r->headers, headers[i]);
    }
    hrequest_start(c, r);
}

static void
finish(struct hrequest *r, CURLcode result)
{
    long status = 0;
    json_t *json = NULL;
    char *type = NULL;

    if (result == CURLE_OK) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &type);
        if (r->answer.len && !r->raw_done) {
            json = json_loadb(ds_cstr(&r->answer), r->answer.len, 0, NULL);
        }
    } else {
        log_debug("request failed: %s", r->too_big
                                            ? "answer too large"
                                            : curl_easy_strerror(result));
    }
    if (r->raw_done) {
        r->raw_done(r->aux, status, r->answer.len ? ds_cstr(&r->answer) : "",
                    r->answer.len, type);
    } else {
        r->done(r->aux, status, json);
    }
    json_decref(json);
    hrequest_free(r);
}

void
hclient_run(struct hclient *c)
{
    struct CURLMsg *msg;
    int running, left;

    curl_multi_perform(c->multi, &running);
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg == CURLMSG_DONE) {
            struct hrequest *r = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                              (char **) &r);
            finish(r, msg->data.result);
        }
    }
}

void
hclient_wait(struct hclient *c)
{
    fd_set rd, wr, ex;
    long timeout = -1;
    int max = -1;

    if (!c->n_pending) {
        return;
    }
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    curl_multi_fdset(c->multi, &rd, &wr, &ex, &max);
    for (int fd = 1; fd <= max; fd++) {
        short events = (FD_ISSET(fd, &rd) ? POLLIN : 0)
                       | (FD_ISSET(fd, &wr) ? POLLOUT : 0);
        if (events) {
            ovsx_poll_fd_wait(fd, events);
        }
    }
    curl_multi_timeout(c->multi, &timeout);
    if (max < 0 && (timeout < 0 || timeout > 100)) {
        /* No descriptor yet (say, while resolving): libcurl asks to look
         * again soon. */
        timeout = 100;
    }
    if (timeout >= 0) {
        ovsx_poll_timer_wait(timeout);
    }
}

size_t
hclient_pending(const struct hclient *c)
{
    return c->n_pending;
}
