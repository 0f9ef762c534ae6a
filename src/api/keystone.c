#include "api/keystone.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <strings.h>
#include <time.h>

#include "core/ds.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(keystone);

/* Keystone's answers we read: a token body is a few kB without catalog. */
#define KEYSTONE_MAX_BODY (1 << 20)

/* The service token is renewed when less than this remains (µs). */
#define KEYSTONE_RENEW_MARGIN (60 * 1000000LL)

/* One HTTP transfer: the service user's authentication or a validation. */
struct ks_call {
    struct keystone *ks;
    CURL *easy;
    struct curl_slist *headers;
    struct ds body;
    char *subject_token; /* X-Subject-Token of the answer. */
    char *token;         /* Token validated; NULL: service authentication. */
    bool retried;        /* Already re-sent after a 401. */
    unsigned generation; /* Of the service token it was sent with. */
    keystone_validate_func *cb;
    void *aux;
    struct ks_call *prev, *next; /* In 'active' or 'waiting'. */
};

struct keystone {
    sd_event *event;
    CURLM *multi;
    sd_event_source *timer;
    char *base_url;
    char *auth_body; /* The password authentication request. */
    int timeout_ms;
    char *service_token; /* NULL until authenticated. */
    int64_t service_expires;
    unsigned generation;       /* Counts service tokens obtained. */
    struct ks_call *auth_call; /* Authentication in flight. */
    struct ks_call *active;    /* Validations in flight. */
    struct ks_call *waiting;   /* Validations awaiting the token. */
};

static int64_t
wall_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
list_push(struct ks_call **head, struct ks_call *call)
{
    call->prev = NULL;
    call->next = *head;
    if (*head) {
        (*head)->prev = call;
    }
    *head = call;
}

static void
list_remove(struct ks_call **head, struct ks_call *call)
{
    if (call->prev) {
        call->prev->next = call->next;
    } else {
        *head = call->next;
    }
    if (call->next) {
        call->next->prev = call->prev;
    }
    call->prev = call->next = NULL;
}

static void
call_reset_transfer(struct ks_call *call)
{
    if (call->easy) {
        curl_multi_remove_handle(call->ks->multi, call->easy);
        curl_easy_cleanup(call->easy);
        call->easy = NULL;
    }
    curl_slist_free_all(call->headers);
    call->headers = NULL;
    ds_clear(&call->body);
    free(call->subject_token);
    call->subject_token = NULL;
}

static void
call_free(struct ks_call *call)
{
    if (call) {
        call_reset_transfer(call);
        ds_destroy(&call->body);
        free(call->token);
        free(call);
    }
}

static size_t
on_body(char *data, size_t size, size_t n, void *aux)
{
    struct ks_call *call = aux;

    if (call->body.len + size * n > KEYSTONE_MAX_BODY) {
        return 0; /* Makes the transfer fail: Keystone is not sane. */
    }
    ds_put_buf(&call->body, data, size * n);
    return size * n;
}

static size_t
on_header(char *data, size_t size, size_t n, void *aux)
{
    static const char name[] = "x-subject-token:";
    struct ks_call *call = aux;
    size_t len = size * n;

    if (len > sizeof name - 1 && !strncasecmp(data, name, sizeof name - 1)) {
        const char *v = data + sizeof name - 1, *end = data + len;
        while (v < end && (*v == ' ' || *v == '\t')) {
            v++;
        }
        while (end > v
               && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) {
            end--;
        }
        free(call->subject_token);
        call->subject_token = xstrndup(v, end - v);
    }
    return len;
}

/* Starts 'call' as a transfer to 'path' (a POST of 'post' if not NULL).
 * Transfers fail only later, through the multi handle; setting one up fails
 * only for lack of memory, which aborts as xmalloc does. */
static void
call_start(struct ks_call *call, const char *path, const char *post)
{
    struct keystone *ks = call->ks;
    char *url = xasprintf("%s%s", ks->base_url, path);

    call->easy = curl_easy_init();
    if (!call->easy) {
        core_abort("curl_easy_init failed");
    }
    call->headers = curl_slist_append(NULL, "Accept: application/json");
    call->headers = curl_slist_append(call->headers, "Expect:");
    if (post) {
        call->headers =
            curl_slist_append(call->headers, "Content-Type: application/json");
        curl_easy_setopt(call->easy, CURLOPT_COPYPOSTFIELDS, post);
    } else {
        char *h = xasprintf("X-Auth-Token: %s", ks->service_token);
        call->headers = curl_slist_append(call->headers, h);
        free(h);
        h = xasprintf("X-Subject-Token: %s", call->token);
        call->headers = curl_slist_append(call->headers, h);
        free(h);
    }
    curl_easy_setopt(call->easy, CURLOPT_URL, url);
    curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, call->headers);
    curl_easy_setopt(call->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(call->easy, CURLOPT_WRITEDATA, call);
    curl_easy_setopt(call->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(call->easy, CURLOPT_HEADERDATA, call);
    curl_easy_setopt(call->easy, CURLOPT_PRIVATE, call);
    curl_easy_setopt(call->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(call->easy, CURLOPT_TIMEOUT_MS, (long) ks->timeout_ms);
    curl_easy_setopt(call->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (curl_multi_add_handle(ks->multi, call->easy) != CURLM_OK) {
        core_abort("curl_multi_add_handle failed");
    }
    free(url);
}

static void
start_auth(struct keystone *ks)
{
    struct ks_call *call = xcalloc(1, sizeof *call);

    call->ks = ks;
    ds_init(&call->body);
    ks->auth_call = call;
    call_start(call, "/v3/auth/tokens?nocatalog", ks->auth_body);
}

static void
start_validation(struct ks_call *call)
{
    list_push(&call->ks->active, call);
    call->generation = call->ks->generation;
    call_start(call, "/v3/auth/tokens?nocatalog", NULL);
}

static bool
service_token_fresh(const struct keystone *ks)
{
    return ks->service_token
           && wall_usec() + KEYSTONE_RENEW_MARGIN < ks->service_expires;
}

/* Sends 'call' now or queues it until the service token is there. */
static void
dispatch(struct ks_call *call)
{
    struct keystone *ks = call->ks;

    if (service_token_fresh(ks)) {
        start_validation(call);
        return;
    }
    list_push(&ks->waiting, call);
    if (!ks->auth_call) {
        start_auth(ks);
    }
}

static void
call_finish(struct ks_call *call, int r, struct token_info *info)
{
    call->cb(r, info, call->aux);
    call_free(call);
}

static void
fail_waiting(struct keystone *ks, int r)
{
    while (ks->waiting) {
        struct ks_call *call = ks->waiting;
        list_remove(&ks->waiting, call);
        call_finish(call, r, NULL);
    }
}

static long
response_code(CURL *easy)
{
    long code = 0;

    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* Parses a token body; returns NULL if it is not one. */
static struct token_info *
parse_token(struct ds *body)
{
    json_t *json =
        json_loadb(body->len ? ds_cstr(body) : "", body->len, 0, NULL);
    struct token_info *info = NULL;

    if (json && token_info_from_json(json, &info) < 0) {
        info = NULL;
    }
    json_decref(json);
    return info;
}

static void
auth_done(struct keystone *ks, CURLcode res)
{
    struct ks_call *call = ks->auth_call;
    long code = response_code(call->easy);
    struct token_info *info = NULL;

    ks->auth_call = NULL;
    log_debug("authentication done: %s, HTTP %ld", curl_easy_strerror(res),
              code);
    if (res == CURLE_OK && code == 201 && call->subject_token) {
        info = parse_token(&call->body);
    }
    if (!info) {
        log_error("cannot authenticate to Keystone at '%s' as the "
                  "service user: %s (HTTP %ld)",
                  ks->base_url,
                  res != CURLE_OK ? curl_easy_strerror(res) : "refused", code);
        call_free(call);
        fail_waiting(ks, -EHOSTUNREACH);
        return;
    }
    free(ks->service_token);
    ks->service_token = TAKE_PTR(call->subject_token);
    ks->service_expires = info->expires_at;
    ks->generation++;
    token_info_free(info);
    call_free(call);
    while (ks->waiting) {
        struct ks_call *next = ks->waiting;
        list_remove(&ks->waiting, next);
        start_validation(next);
    }
}

static void
validation_done(struct ks_call *call, CURLcode res)
{
    struct keystone *ks = call->ks;
    long code = response_code(call->easy);
    struct token_info *info;

    list_remove(&ks->active, call);
    log_debug("validation done: %s, HTTP %ld", curl_easy_strerror(res), code);
    if (res != CURLE_OK) {
        log_warn("cannot validate a token with Keystone at '%s': %s",
                 ks->base_url, curl_easy_strerror(res));
        call_finish(call, -EHOSTUNREACH, NULL);
    } else if (code == 200 && (info = parse_token(&call->body))) {
        call_finish(call, 0, info);
    } else if (code == 404) {
        call_finish(call, -EACCES, NULL); /* "Could not find token". */
    } else if (code == 401 && !call->retried) {
        /* Our own token is no longer good: get another (unless a newer
         * one came meanwhile), then retry. */
        if (call->generation == ks->generation) {
            free(ks->service_token);
            ks->service_token = NULL;
        }
        call->retried = true;
        call_reset_transfer(call);
        dispatch(call);
    } else {
        log_warn("Keystone at '%s' answered a token validation with HTTP "
                 "%ld",
                 ks->base_url, code);
        call_finish(call, -EPROTO, NULL);
    }
}

/* Handles the transfers libcurl has finished. */
static void
process_done(struct keystone *ks)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(ks->multi, &left))) {
        struct ks_call *call = NULL;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &call);
        if (call == ks->auth_call) {
            auth_done(ks, msg->data.result);
        } else {
            validation_done(call, msg->data.result);
        }
    }
}

static int
on_curl_io(sd_event_source *s, int fd, uint32_t revents, void *aux)
{
    struct keystone *ks = aux;
    int flags = 0, running;

    flags |= revents & EPOLLIN ? CURL_CSELECT_IN : 0;
    flags |= revents & EPOLLOUT ? CURL_CSELECT_OUT : 0;
    flags |= revents & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0;
    curl_multi_socket_action(ks->multi, fd, flags, &running);
    process_done(ks);
    return 0;
}

static int
on_curl_timer(sd_event_source *s, uint64_t usec, void *aux)
{
    struct keystone *ks = aux;
    int running;

    curl_multi_socket_action(ks->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    process_done(ks);
    return 0;
}

/* CURLMOPT_SOCKETFUNCTION: keeps one io source per socket libcurl uses. */
static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *aux,
               void *socketp)
{
    struct keystone *ks = aux;
    sd_event_source *source = socketp;
    uint32_t events = 0;

    if (what == CURL_POLL_REMOVE) {
        sd_event_source_disable_unref(source);
        curl_multi_assign(ks->multi, fd, NULL);
        return 0;
    }
    events |= what & CURL_POLL_IN ? EPOLLIN : 0;
    events |= what & CURL_POLL_OUT ? EPOLLOUT : 0;
    if (source) {
        return sd_event_source_set_io_events(source, events) < 0 ? -1 : 0;
    }
    if (sd_event_add_io(ks->event, &source, fd, events, on_curl_io, ks) < 0) {
        return -1;
    }
    curl_multi_assign(ks->multi, fd, source);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl wants to be called after 'ms' (-1:
 * never).  Only arms our timer: libcurl must not be re-entered here. */
static int
on_curl_timeout(CURLM *multi, long ms, void *aux)
{
    struct keystone *ks = aux;
    uint64_t now;

    if (ms < 0) {
        return sd_event_source_set_enabled(ks->timer, SD_EVENT_OFF) < 0 ? -1
                                                                        : 0;
    }
    sd_event_now(ks->event, CLOCK_MONOTONIC, &now);
    if (sd_event_source_set_time(ks->timer, now + ms * 1000) < 0
        || sd_event_source_set_enabled(ks->timer, SD_EVENT_ONESHOT) < 0) {
        return -1;
    }
    return 0;
}

static char *
make_auth_body(const struct keystone_options *o)
{
    json_t *body = json_pack(
        "{s:{s:{s:[s], s:{s:{s:s, s:s, s:{s:s}}}}, s:{s:{s:s, s:{s:s}}}}}",
        "auth", "identity", "methods", "password", "password", "user", "name",
        o->username, "password", o->password, "domain", "name",
        o->user_domain_name, "scope", "project", "name", o->project_name,
        "domain", "name", o->project_domain_name);
    char *s = json_dumps(body, JSON_COMPACT);

    json_decref(body);
    return s;
}

/* 'auth_url' without a trailing "/" or "/v3". */
static char *
base_url(const char *auth_url)
{
    size_t len = strlen(auth_url);

    while (len && auth_url[len - 1] == '/') {
        len--;
    }
    if (len >= 3 && !strncmp(auth_url + len - 3, "/v3", 3)) {
        len -= 3;
    }
    return xstrndup(auth_url, len);
}

int
keystone_new(sd_event *event, const struct keystone_options *opts,
             struct keystone **ret)
{
    struct keystone *ks;
    int r;

    if (!opts->auth_url || !opts->username || !opts->password
        || !opts->project_name) {
        return -EINVAL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        return -EIO;
    }
    ks = xcalloc(1, sizeof *ks);
    ks->event = sd_event_ref(event);
    ks->base_url = base_url(opts->auth_url);
    ks->auth_body = make_auth_body(opts);
    ks->timeout_ms = opts->timeout_ms;
    ks->multi = curl_multi_init();
    r = sd_event_add_time(event, &ks->timer, CLOCK_MONOTONIC, UINT64_MAX, 0,
                          on_curl_timer, ks);
    if (!ks->multi || !ks->auth_body || r < 0) {
        keystone_free(ks);
        return r < 0 ? r : -ENOMEM;
    }
    (void) sd_event_source_set_enabled(ks->timer, SD_EVENT_OFF);
    curl_multi_setopt(ks->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(ks->multi, CURLMOPT_SOCKETDATA, ks);
    curl_multi_setopt(ks->multi, CURLMOPT_TIMERFUNCTION, on_curl_timeout);
    curl_multi_setopt(ks->multi, CURLMOPT_TIMERDATA, ks);
    *ret = ks;
    return 0;
}

void
keystone_free(struct keystone *ks)
{
    if (!ks) {
        return;
    }
    call_free(ks->auth_call);
    ks->auth_call = NULL;
    fail_waiting(ks, -ECANCELED);
    while (ks->active) {
        struct ks_call *call = ks->active;
        list_remove(&ks->active, call);
        call_finish(call, -ECANCELED, NULL);
    }
    if (ks->multi) {
        curl_multi_cleanup(ks->multi);
    }
    sd_event_source_disable_unref(ks->timer);
    sd_event_unref(ks->event);
    free(ks->base_url);
    free(ks->auth_body);
    free(ks->service_token);
    free(ks);
    curl_global_cleanup();
}

void
keystone_validate(struct keystone *ks, const char *token,
                  keystone_validate_func *cb, void *aux)
{
    struct ks_call *call = xcalloc(1, sizeof *call);

    call->ks = ks;
    call->token = xstrdup(token);
    call->cb = cb;
    call->aux = aux;
    ds_init(&call->body);
    dispatch(call);
}

const char *
keystone_base_url(const struct keystone *ks)
{
    return ks->base_url;
}
