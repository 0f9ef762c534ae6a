#include "api/auth.h"

#include <errno.h>
#include <time.h>

#include "api/context.h"
#include "api/keystone.h"
#include "api/token-cache.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(auth);

/* Longest token we pass on to Keystone (Fernet tokens are ~200 bytes). */
#define AUTH_MAX_TOKEN 8192

/* One validation in flight and the requests waiting for it. */
struct pending {
    struct auth *auth;
    char *token;
    struct http_request **waiters;
    size_t n_waiters;
    struct pending *prev, *next;
};

struct auth {
    struct keystone *keystone;
    struct token_cache *cache;
    char *www_authenticate; /* Value of the WWW-Authenticate header. */
    struct pending *pending;
};

static int64_t
wall_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
make_keystone(sd_event *event, const struct server_config *cfg,
              struct keystone **ret, char **ret_error)
{
    const struct keystone_options opts = {
        .auth_url = cfg->ks_auth_url,
        .username = cfg->ks_username,
        .password = cfg->ks_password,
        .project_name = cfg->ks_project_name,
        .user_domain_name = cfg->ks_user_domain_name,
        .project_domain_name = cfg->ks_project_domain_name,
        .timeout_ms = cfg->ks_http_connect_timeout * 1000,
    };
    int r;

    if (strcmp(cfg->ks_auth_type, "password")) {
        *ret_error = xasprintf("[keystone_authtoken] auth_type '%s' is not "
                               "supported (only 'password')",
                               cfg->ks_auth_type);
        return -EINVAL;
    }
    r = keystone_new(event, &opts, ret);
    if (r == -EINVAL) {
        *ret_error = xstrdup("[keystone_authtoken] needs auth_url, username, "
                             "password and project_name");
    } else if (r < 0) {
        *ret_error =
            xasprintf("cannot start the Keystone client: %s", strerror(-r));
    }
    return r;
}

int
auth_new(sd_event *event, const struct server_config *cfg, struct auth **ret,
         char **ret_error)
{
    struct auth *auth = xcalloc(1, sizeof *auth);
    int64_t valid = (int64_t) cfg->ks_token_cache_time * 1000000;
    int r;

    r = make_keystone(event, cfg, &auth->keystone, ret_error);
    if (r < 0) {
        free(auth);
        return r;
    }
    auth->cache = token_cache_new(
        cfg->ks_token_cache_time < 0 ? 0 : cfg->ks_token_cache_size, valid,
        (int64_t) cfg->ks_token_cache_invalid_time * 1000000);
    auth->www_authenticate = xasprintf(
        "Keystone uri=\"%s\"", cfg->ks_www_authenticate_uri
                                   ? cfg->ks_www_authenticate_uri
                                   : keystone_base_url(auth->keystone));
    *ret = auth;
    return 0;
}

void
auth_free(struct auth *auth)
{
    if (auth) {
        /* Cancelling the validations answers their waiters (503). */
        keystone_free(auth->keystone);
        token_cache_free(auth->cache);
        free(auth->www_authenticate);
        free(auth);
    }
}

/* keystonemiddleware's rejection. */
static void
unauthorized(const struct auth *auth, struct http_response *resp)
{
    resp->status = 401;
    resp->body = xstrdup("{\"error\": {\"code\": 401, \"title\": "
                         "\"Unauthorized\", \"message\": \"The request you "
                         "have made requires authentication.\"}}");
    resp->content_type = "application/json; charset=UTF-8";
    resp->extra_header_name = "WWW-Authenticate";
    resp->extra_header_value = xstrdup(auth->www_authenticate);
}

static void
unavailable(struct http_response *resp)
{
    resp->status = 503;
    resp->body = xstrdup("{\"error\": {\"code\": 503, \"title\": "
                         "\"Service Unavailable\", \"message\": \"The "
                         "Keystone service is temporarily unavailable.\"}}");
    resp->content_type = "application/json; charset=UTF-8";
}

static void
free_context(void *ctx)
{
    request_context_free(ctx);
}

static void
admit(struct http_request *req, const struct token_info *info)
{
    http_request_set_data(req, request_context_from_token(info), free_context);
}

/* Printable ASCII without blanks, as every Keystone token format is; so a
 * token never brings a header break into our request to Keystone. */
static bool
token_is_plausible(const char *token)
{
    size_t n = strlen(token);

    if (!n || n > AUTH_MAX_TOKEN) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (token[i] <= ' ' || token[i] > '~') {
            return false;
        }
    }
    return true;
}

static void
pending_free(struct pending *p)
{
    free(p->token);
    free(p->waiters);
    free(p);
}

/* keystone_validate_func: answers every request that waited for it. */
static void
on_validated(int r, struct token_info *info, void *aux)
{
    struct pending *p = aux;
    struct auth *auth = p->auth;

    if (p->prev) {
        p->prev->next = p->next;
    } else {
        auth->pending = p->next;
    }
    if (p->next) {
        p->next->prev = p->prev;
    }
    for (size_t i = 0; i < p->n_waiters; i++) {
        struct http_response resp = {0};

        if (!r) {
            admit(p->waiters[i], info);
            http_request_resume(p->waiters[i], NULL);
            continue;
        }
        if (r == -EACCES) {
            unauthorized(auth, &resp);
        } else {
            unavailable(&resp);
        }
        http_request_resume(p->waiters[i], &resp);
    }
    if (!r) {
        token_cache_put_valid(auth->cache, p->token, info, wall_usec());
    } else if (r == -EACCES) {
        token_cache_put_invalid(auth->cache, p->token, wall_usec());
    }
    pending_free(p);
}

/* Makes 'req' wait for the validation of 'token', starting one if none is
 * in flight. */
static void
wait_for_validation(struct auth *auth, const char *token,
                    struct http_request *req)
{
    struct pending *p = auth->pending;

    while (p && strcmp(p->token, token)) {
        p = p->next;
    }
    if (!p) {
        p = xcalloc(1, sizeof *p);
        p->auth = auth;
        p->token = xstrdup(token);
        p->next = auth->pending;
        if (p->next) {
            p->next->prev = p;
        }
        auth->pending = p;
        keystone_validate(auth->keystone, token, on_validated, p);
    }
    p->waiters = xrealloc(p->waiters, (p->n_waiters + 1) * sizeof *p->waiters);
    p->waiters[p->n_waiters++] = req;
}

enum http_gate
auth_gate(struct http_request *req, struct http_response *resp, void *aux)
{
    struct auth *auth = aux;
    const char *path = http_request_path(req);
    const char *token = http_request_header(req, "X-Auth-Token");
    const struct token_info *info;

    if (path[strspn(path, "/")] == '\0') {
        return HTTP_GATE_PASS; /* The version list is public. */
    }
    if (!token || !token_is_plausible(token)) {
        unauthorized(auth, resp);
        return HTTP_GATE_ANSWER;
    }
    switch (token_cache_lookup(auth->cache, token, wall_usec(), &info)) {
    case TOKEN_VALID:
        admit(req, info);
        return HTTP_GATE_PASS;
    case TOKEN_INVALID:
        unauthorized(auth, resp);
        return HTTP_GATE_ANSWER;
    case TOKEN_MISS:
    default:
        wait_for_validation(auth, token, req);
        return HTTP_GATE_WAIT;
    }
}
