#include "agent/agent-auth.h"

#include <errno.h>
#include <time.h>

#include "agent/http-client.h"
#include "core/log.h"
#include "core/util.h"
#include "ovs/ovsx.h"

LOG_DEFINE_THIS_MODULE(agent_auth);

#define TOKEN_TIMEOUT_MS 30000
#define RENEW_AHEAD_MS   (300 * 1000LL) /* Renew 5 minutes before expiry. */
#define FETCH_SPACING_MS 1000           /* Between two token requests. */
#define RETRY_MAX_MS     30000
#define MAX_TOKEN        8192

struct agent_auth {
    char *secret_line; /* "X-Neutrino-Agent-Secret: ..." or NULL. */
    /* Keystone: 'keystone' NULL when not used. */
    struct hclient *keystone;
    json_t *request;      /* The POST /v3/auth/tokens body. */
    char *token_line;     /* "X-Auth-Token: ..." or NULL while none. */
    long long renew_at;   /* ovsx_time_msec() to get a new token. */
    long long next_fetch; /* No token request before this. */
    long long backoff_ms;
    bool fetching;
};

/* A header value must not break the request: printable ASCII, no blanks
 * at its ends. */
static bool
header_value_ok(const char *v)
{
    size_t n = strlen(v);

    if (!n || n > MAX_TOKEN || v[0] == ' ' || v[n - 1] == ' ') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < ' ' || v[i] > '~') {
            return false;
        }
    }
    return true;
}

/* 'auth_url' without a trailing "/" or "/v3": the client's base URL. */
static char *
keystone_base(const char *auth_url)
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

static int
setup_keystone(struct agent_auth *a, const struct agent_config *cfg,
               char **ret_error)
{
    char *base;

    if (!cfg->ks_auth_url || !cfg->ks_username || !cfg->ks_password
        || !cfg->ks_project_name) {
        *ret_error = xstrdup("auth_strategy = keystone needs "
                             "[keystone_authtoken] auth_url, username, "
                             "password and project_name");
        return -EINVAL;
    }
    if (!str_startswith(cfg->ks_auth_url, "http://")
        && !str_startswith(cfg->ks_auth_url, "https://")) {
        *ret_error = xasprintf("[keystone_authtoken] auth_url '%s' is not an "
                               "http(s):// URL",
                               cfg->ks_auth_url);
        return -EINVAL;
    }
    base = keystone_base(cfg->ks_auth_url);
    a->keystone = hclient_create(base);
    free(base);
    a->request = json_pack(
        "{s:{s:{s:[s], s:{s:{s:s, s:s, s:{s:s}}}}, s:{s:{s:s, s:{s:s}}}}}",
        "auth", "identity", "methods", "password", "password", "user", "name",
        cfg->ks_username, "password", cfg->ks_password, "domain", "name",
        cfg->ks_user_domain_name, "scope", "project", "name",
        cfg->ks_project_name, "domain", "name", cfg->ks_project_domain_name);
    a->backoff_ms = FETCH_SPACING_MS;
    return 0;
}

int
agent_auth_create(const struct agent_config *cfg, struct agent_auth **ret,
                  char **ret_error)
{
    struct agent_auth *a = xcalloc(1, sizeof *a);
    int r = 0;

    if (cfg->shared_secret && *cfg->shared_secret) {
        if (!header_value_ok(cfg->shared_secret)) {
            *ret_error = xstrdup("[agent] shared_secret must be printable "
                                 "ASCII without leading or trailing blanks");
            r = -EINVAL;
        }
        a->secret_line =
            xasprintf(AGENT_AUTH_SECRET_HEADER ": %s", cfg->shared_secret);
    }
    if (!r && streq(cfg->auth_strategy, "keystone")) {
        r = setup_keystone(a, cfg, ret_error);
    }
    if (r) {
        agent_auth_destroy(a);
        return r;
    }
    *ret = a;
    return 0;
}

void
agent_auth_destroy(struct agent_auth *a)
{
    if (a) {
        hclient_destroy(a->keystone);
        json_decref(a->request);
        free(a->secret_line);
        free(a->token_line);
        free(a);
    }
}

static long long
wall_msec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* When to renew a token that expires at 'expires_usec' (wall clock). */
static long long
renew_time(int64_t expires_usec)
{
    long long life = expires_usec / 1000 - wall_msec();
    long long ahead = MIN(RENEW_AHEAD_MS, life / 2);

    return ovsx_time_msec() + MAX(life - ahead, 0);
}

static void
token_failed(struct agent_auth *a, const char *why, long status)
{
    log_warn("cannot get a Keystone token (%s, HTTP %ld), retrying in %lld "
             "ms",
             why, status, a->backoff_ms);
    a->next_fetch = ovsx_time_msec() + a->backoff_ms;
    a->backoff_ms = MIN(a->backoff_ms * 2, RETRY_MAX_MS);
}

static void
on_token(void *aux, long status, json_t *body, const char *token)
{
    struct agent_auth *a = aux;
    const char *expires = json_string_value(
        json_object_get(json_object_get(body, "token"), "expires_at"));
    int64_t expires_usec;

    a->fetching = false;
    if (status != 201) {
        token_failed(a, "refused", status);
    } else if (!token || !header_value_ok(token)) {
        token_failed(a, "no valid X-Subject-Token", status);
    } else if (!expires || timestamp_parse_usec(expires, &expires_usec)) {
        token_failed(a, "no valid expires_at", status);
    } else {
        free(a->token_line);
        a->token_line = xasprintf("X-Auth-Token: %s", token);
        a->renew_at = renew_time(expires_usec);
        a->backoff_ms = FETCH_SPACING_MS;
        log_info("got a Keystone token, valid until %s", expires);
    }
}

void
agent_auth_run(struct agent_auth *a)
{
    long long now = ovsx_time_msec();

    if (!a->keystone) {
        return;
    }
    hclient_run(a->keystone);
    if (a->fetching || now < a->next_fetch
        || (a->token_line && now < a->renew_at)) {
        return;
    }
    a->fetching = true;
    a->next_fetch = now + FETCH_SPACING_MS;
    hclient_request_header(a->keystone, "POST", "/v3/auth/tokens?nocatalog",
                           json_incref(a->request), "X-Subject-Token",
                           TOKEN_TIMEOUT_MS, on_token, a);
}

void
agent_auth_wait(struct agent_auth *a)
{
    if (!a->keystone) {
        return;
    }
    hclient_wait(a->keystone);
    if (!a->fetching) {
        ovsx_poll_timer_wait_until(
            a->token_line ? MAX(a->renew_at, a->next_fetch) : a->next_fetch);
    }
}

/* hclient_auth's 'header'. */
static const char *
auth_header(void *aux)
{
    struct agent_auth *a = aux;

    return a->keystone ? a->token_line : a->secret_line;
}

/* hclient_auth's 'rejected': a token the server refused is dropped (calls
 * then wait for the next one); a refused secret is the operator's to fix. */
static void
auth_rejected(void *aux, const char *line)
{
    struct agent_auth *a = aux;

    if (!a->keystone) {
        log_warn("the server refused [agent] shared_secret (HTTP 401)");
    } else if (a->token_line && !strcmp(a->token_line, line)) {
        log_info("the server refused the Keystone token: getting another");
        free(a->token_line);
        a->token_line = NULL;
    }
}

void
agent_auth_attach(struct agent_auth *a, struct hclient *client)
{
    if (a->keystone || a->secret_line) {
        hclient_set_auth(client, &(struct hclient_auth){
                                     .header = auth_header,
                                     .rejected = auth_rejected,
                                     .aux = a,
                                 });
    }
}
