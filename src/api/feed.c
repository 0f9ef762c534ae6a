#include "api/feed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/epoll.h>

#include "api/address-group.h"
#include "api/security-group.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(feed);

#define FEED_BATCH_MAX      1000   /* Changes per answer. */
#define FEED_TIMEOUT_MS     30000  /* Default wait of a poll. */
#define FEED_TIMEOUT_MAX_MS 300000 /* Longest wait a poll may ask. */

/* A poll waiting for news. */
struct waiter {
    struct feed *feed;
    const struct http_request *http;
    long long since;
    char *host; /* NULL: every port. */
    char request_id[41];
    sd_event_source *timer;
    struct waiter *next;
};

struct feed {
    sd_event *event;
    struct store *store;
    const struct server_config *cfg;
    struct waiter *waiters;
    /* Other servers' commits (store_notify_fd()). */
    sd_event_source *db_io;
    int db_fd;              /* -1: not watching. */
    unsigned long session;  /* Of the connection 'db_fd' belongs to. */
    sd_event_source *retry; /* Reconnects after a lost connection. */
};

static void feed_watch(struct feed *);

struct feed *
feed_new(sd_event *event, struct store *store, const struct server_config *cfg)
{
    struct feed *feed = xcalloc(1, sizeof *feed);

    feed->event = event;
    feed->store = store;
    feed->cfg = cfg;
    feed->db_fd = -1;
    feed_watch(feed);
    return feed;
}

/* What the feed carries, in snapshot order. */
static const struct resource_ops *const fed[] = {
    &network_ops,        &subnet_ops,        &port_ops,
    &security_group_ops, &address_group_ops,
};

static const struct resource_ops *
ops_of(const char *resource)
{
    for (size_t i = 0; i < ARRAY_SIZE(fed); i++) {
        if (!strcmp(fed[i]->def->singular, resource)) {
            return fed[i];
        }
    }
    return &port_ops;
}

/* A row as the feed shows it: as the API does, and a security group with
 * its members. */
static struct api_error *
render(struct api_request *req, const struct resource_ops *ops, json_t *row)
{
    api_render(req, ops, row, NULL);
    return ops == &security_group_ops ? sg_add_members(req, row) : NULL;
}

/* All rows of 'ops' (ports: of 'host' only, when given), rendered. */
static struct api_error *
snapshot_of(struct api_request *req, const struct resource_ops *ops,
            const char *host, json_t **ret)
{
    struct query_filter filter;
    struct list_query q = {0};
    json_t *rows = NULL, *row;
    size_t i;
    int r;

    if (host && ops == &port_ops) {
        filter.attr = resource_attr(&port_def, "binding:host_id");
        filter.values = json_pack("[s]", host);
        q.filters = &filter;
        q.n_filters = 1;
    }
    r = store_list(req->store, ops->def, &q, &rows);
    if (q.n_filters) {
        json_decref(filter.values);
    }
    if (r) {
        return api_error_from_store(r);
    }
    json_array_foreach (rows, i, row) {
        struct api_error *e = render(req, ops, row);
        if (e) {
            json_decref(rows);
            return e;
        }
    }
    *ret = rows;
    return NULL;
}

static struct api_error *
read_snapshot(struct api_request *req, long long latest, const char *host,
              json_t **ret)
{
    json_t *answer = json_pack("{s:I, s:b}", "revision", (json_int_t) latest,
                               "resync", true);

    for (size_t i = 0; i < ARRAY_SIZE(fed); i++) {
        json_t *rows = NULL;
        struct api_error *e = snapshot_of(req, fed[i], host, &rows);
        if (e) {
            json_decref(answer);
            return e;
        }
        json_object_set_new(answer, fed[i]->def->plural, rows);
    }
    *ret = answer;
    return NULL;
}

/* Replaces each change's id by the object's current state.  'memo' keeps
 * the objects rendered for one pass over the waiting polls (by id), since
 * a big group's members cost milliseconds and every agent gets every
 * group. */
static struct api_error *
fill_objects(struct api_request *req, json_t *changes, json_t *memo)
{
    size_t i;
    json_t *ch;

    json_array_foreach (changes, i, ch) {
        const struct resource_ops *ops =
            ops_of(json_string_value(json_object_get(ch, "resource")));
        struct api_error *e;
        json_t *row;

        if (json_is_true(json_object_get(ch, "deleted"))) {
            continue;
        }
        row = json_object_get(memo,
                              json_string_value(json_object_get(ch, "id")));
        if (row) {
            json_object_set(ch, "object", row);
            continue;
        }
        row = store_get(req->store, ops->def,
                        json_string_value(json_object_get(ch, "id")));
        if (!row) {
            json_object_set_new(ch, "deleted", json_true());
            continue;
        }
        json_object_set_new(ch, "object", row);
        e = render(req, ops, row);
        if (e) {
            return e;
        }
        if (memo) {
            json_object_set(memo, json_string_value(json_object_get(ch, "id")),
                            row);
        }
    }
    return NULL;
}

/* What a poll from 'since' gets now: a snapshot, the changes after it, or
 * NULL when there is nothing new for it ('*since' then moves past what it
 * need not see). */
static struct api_error *
read_feed(struct api_request *req, long long *since, const char *host,
          json_t *memo, json_t **ret)
{
    long long floor, latest, revision;
    struct api_error *e;
    json_t *changes;
    int r = store_feed_bounds(req->store, &floor, &latest);

    *ret = NULL;
    if (r) {
        return api_error_from_store(r);
    }
    if (*since < 0 || *since < floor || *since > latest) {
        return read_snapshot(req, latest, host, ret);
    }
    if (*since == latest) {
        return NULL;
    }
    r = store_feed_changes(req->store, *since, host, FEED_BATCH_MAX, &changes);
    if (r) {
        return api_error_from_store(r);
    }
    revision = json_array_size(changes) == FEED_BATCH_MAX ? json_integer_value(
                   json_object_get(json_array_get(changes, FEED_BATCH_MAX - 1),
                                   "revision"))
                                                          : latest;
    *since = revision;
    if (!json_array_size(changes)) {
        json_decref(changes);
        return NULL;
    }
    e = fill_objects(req, changes, memo);
    if (e) {
        json_decref(changes);
        return e;
    }
    *ret = json_pack("{s:I, s:b, s:o}", "revision", (json_int_t) revision,
                     "resync", false, "changes", changes);
    return NULL;
}

static json_t *
empty_answer(long long revision)
{
    return json_pack("{s:I, s:b, s:[]}", "revision", (json_int_t) revision,
                     "resync", false, "changes");
}

/* ---- Waiting polls. ---- */

static void
waiter_unlink(struct waiter *w)
{
    for (struct waiter **p = &w->feed->waiters; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    sd_event_source_disable_unref(w->timer);
    free(w->host);
    free(w);
}

static void
waiter_answer(struct waiter *w, json_t *answer)
{
    struct http_response resp = {
        .status = 200,
        .request_id = xstrdup(w->request_id),
    };

    resp.body = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    http_request_complete(w->http, &resp);
    waiter_unlink(w);
}

static void
on_cancel(void *aux)
{
    waiter_unlink(aux);
}

static int
on_timeout(sd_event_source *s, uint64_t usec, void *aux)
{
    struct waiter *w = aux;

    waiter_answer(w, empty_answer(w->since));
    return 0;
}

static void
wait_for_news(struct feed *feed, struct call *c, long long since,
              const char *host, long timeout_ms)
{
    struct waiter *w = xcalloc(1, sizeof *w);
    uint64_t now;

    w->feed = feed;
    w->http = c->http;
    w->since = since;
    w->host = host ? xstrdup(host) : NULL;
    memcpy(w->request_id, c->req.ctx->request_id, sizeof w->request_id);
    sd_event_now(feed->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_time(feed->event, &w->timer, CLOCK_MONOTONIC,
                          now + (uint64_t) timeout_ms * 1000, 1000, on_timeout,
                          w)
        < 0) {
        log_error("cannot arm a feed timer");
    }
    w->next = feed->waiters;
    feed->waiters = w;
    http_request_defer(c->http, on_cancel, w);
}

void
feed_notify(struct feed *feed)
{
    struct request_context *ctx;
    struct api_request req;
    struct waiter *w, *next;
    json_t *memo;

    if (!feed->waiters || store_begin(feed->store, false)) {
        return;
    }
    memo = json_object();
    ctx = request_context_noauth(feed->cfg->noauth_project_id);
    /* The feed's reader is the server itself: no policy. */
    req = (struct api_request){feed->store, feed->cfg, ctx, NULL, ""};
    for (w = feed->waiters; w; w = next) {
        json_t *answer = NULL;
        struct api_error *e =
            read_feed(&req, &w->since, w->host, memo, &answer);

        next = w->next;
        if (e) {
            log_warn("feed: %s", e->message);
            api_error_free(e);
        } else if (answer) {
            waiter_answer(w, answer);
        }
    }
    store_rollback(feed->store); /* Nothing was written. */
    request_context_free(ctx);
    json_decref(memo);
}

/* ---- Other servers' writes. ---- */

static int
on_db_readable(sd_event_source *s, int fd, uint32_t revents, void *aux)
{
    feed_poll_database(aux);
    return 0;
}

static int
on_retry(sd_event_source *s, uint64_t usec, void *aux)
{
    struct feed *feed = aux;

    feed->retry = sd_event_source_disable_unref(feed->retry);
    feed_poll_database(feed);
    return 0;
}

/* Watches the database connection's descriptor, a new one after a
 * reconnection. */
static void
feed_watch(struct feed *feed)
{
    unsigned long session;
    int fd = store_notify_fd(feed->store, &session);

    if (fd == feed->db_fd && session == feed->session) {
        return;
    }
    feed->db_io = sd_event_source_disable_unref(feed->db_io);
    feed->db_fd = -1;
    feed->session = session;
    if (fd >= 0
        && sd_event_add_io(feed->event, &feed->db_io, fd, EPOLLIN,
                           on_db_readable, feed)
               >= 0) {
        feed->db_fd = fd;
    }
}

void
feed_poll_database(struct feed *feed)
{
    unsigned long session = feed->session;
    int n = store_take_notifications(feed->store);

    if (n < 0) {
        /* A dead socket stays readable: stop watching it, and try to
         * get the connection back in a second (a request may first). */
        uint64_t now;

        feed->db_io = sd_event_source_disable_unref(feed->db_io);
        feed->db_fd = -1;
        if (!feed->retry && !store_in_transaction(feed->store)) {
            sd_event_now(feed->event, CLOCK_MONOTONIC, &now);
            (void) sd_event_add_time(feed->event, &feed->retry,
                                     CLOCK_MONOTONIC, now + 1000000, 100000,
                                     on_retry, feed);
        }
        if (!store_in_transaction(feed->store)
            && !store_begin(feed->store, false)) {
            store_rollback(feed->store); /* Only to reconnect. */
        }
    }
    feed_watch(feed);
    /* After a reconnection, what was missed meanwhile is in the log. */
    if ((n > 0 || session != feed->session)
        && !store_in_transaction(feed->store)) {
        feed_notify(feed);
    }
}

void
feed_free(struct feed *feed)
{
    if (feed) {
        sd_event_source_disable_unref(feed->db_io);
        sd_event_source_disable_unref(feed->retry);
        while (feed->waiters) {
            waiter_answer(feed->waiters, empty_answer(feed->waiters->since));
        }
        free(feed);
    }
}

/* ---- The request. ---- */

static struct api_error *
parse_number(const char *name, const char *text, long long max, long long *ret)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > max) {
        return api_bad_request("Invalid input for %s. Reason: '%s' is not "
                               "an integer in [0, %lld].",
                               name, text, max);
    }
    *ret = v;
    return NULL;
}

struct poll_args {
    long long since; /* -1: none given, a snapshot is wanted. */
    const char *host;
    json_t *answer;
};

static struct api_error *
do_poll(struct call *c, void *aux)
{
    struct poll_args *a = aux;

    return read_feed(&c->req, &a->since, a->host, NULL, &a->answer);
}

void
feed_handle(struct feed *feed, struct call *c, struct http_response *resp)
{
    struct poll_args a = {.since = -1};
    long long timeout = FEED_TIMEOUT_MS;
    struct api_error *e = NULL;
    const struct http_arg *args;
    size_t n;

    args = http_request_args(c->http, &n);
    for (size_t i = 0; i < n && !e; i++) {
        if (!strcmp(args[i].key, "since")) {
            e = parse_number("since", args[i].value, LLONG_MAX, &a.since);
        } else if (!strcmp(args[i].key, "timeout")) {
            e = parse_number("timeout", args[i].value, FEED_TIMEOUT_MAX_MS,
                             &timeout);
        } else if (!strcmp(args[i].key, "host")) {
            a.host = *args[i].value ? args[i].value : NULL;
        } else {
            e = api_bad_request("Unknown feed parameter '%s'.", args[i].key);
        }
    }
    e = e ? e : api_in_transaction(c, false, do_poll, &a);
    if (e) {
        api_respond_error(resp, e);
    } else if (a.answer) {
        api_respond_json(resp, 200, a.answer);
    } else if (!timeout) {
        api_respond_json(resp, 200, empty_answer(a.since));
    } else {
        wait_for_news(feed, c, a.since, a.host, timeout);
    }
}
