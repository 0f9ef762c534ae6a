#include "cli/cli-auth.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "core/ds.h"
#include "core/yaml-doc.h"

/* Keystone's answers (a token with its catalog) are small. */
#define CLI_AUTH_MAX_ANSWER (4u << 20)
#define CLI_AUTH_TIMEOUT    60L

const struct cli_opt cli_auth_opts[] = {
    {"--os-endpoint", NULL, CLI_OPT_VALUE, 0},
    {"--os-auth-type", NULL, CLI_OPT_VALUE, 0},
    {"--os-auth-url", NULL, CLI_OPT_VALUE, 0},
    {"--os-username", NULL, CLI_OPT_VALUE, 0},
    {"--os-password", NULL, CLI_OPT_VALUE, 0},
    {"--os-project-id", NULL, CLI_OPT_VALUE, 0},
    {"--os-project-name", NULL, CLI_OPT_VALUE, 0},
    {"--os-user-domain-name", NULL, CLI_OPT_VALUE, 0},
    {"--os-user-domain-id", NULL, CLI_OPT_VALUE, 0},
    {"--os-project-domain-name", NULL, CLI_OPT_VALUE, 0},
    {"--os-project-domain-id", NULL, CLI_OPT_VALUE, 0},
    {"--os-region-name", NULL, CLI_OPT_VALUE, 0},
    {"--os-interface", NULL, CLI_OPT_VALUE, 0},
    {"--os-cloud", NULL, CLI_OPT_VALUE, 0},
};
const size_t cli_auth_n_opts = ARRAY_SIZE(cli_auth_opts);

int
cli_auth_read(const struct cli_args *args, struct cli_auth *a,
              char **ret_error)
{
    *a = (struct cli_auth){
        .endpoint = cli_args_value(args, "--os-endpoint"),
        .auth_type = cli_args_value(args, "--os-auth-type"),
        .auth_url = cli_args_value(args, "--os-auth-url"),
        .username = cli_args_value(args, "--os-username"),
        .password = cli_args_value(args, "--os-password"),
        .project_id = cli_args_value(args, "--os-project-id"),
        .project_name = cli_args_value(args, "--os-project-name"),
        .user_domain_name = cli_args_value(args, "--os-user-domain-name"),
        .user_domain_id = cli_args_value(args, "--os-user-domain-id"),
        .project_domain_name =
            cli_args_value(args, "--os-project-domain-name"),
        .project_domain_id = cli_args_value(args, "--os-project-domain-id"),
        .region_name = cli_args_value(args, "--os-region-name"),
        .interface = cli_args_value(args, "--os-interface"),
        .cloud = cli_args_value(args, "--os-cloud"),
    };
    if (!a->cloud && getenv("OS_CLOUD") && *getenv("OS_CLOUD")) {
        a->cloud = getenv("OS_CLOUD");
    }
    if (!a->cloud) {
        cli_auth_from_env(a);
        return 0;
    }
    /* A named cloud stands instead of the OS_* variables. */
    a->clouds = cli_auth_load_clouds();
    if (cli_auth_from_cloud(a, a->clouds, a->cloud)) {
        *ret_error = xasprintf("Cloud %s was not found.", a->cloud);
        return -ENOENT;
    }
    return 0;
}

void
cli_auth_destroy(struct cli_auth *a)
{
    json_decref(a->clouds);
    a->clouds = NULL;
}

void
cli_auth_from_env(struct cli_auth *a)
{
    const struct {
        const char **field;
        const char *var;
    } vars[] = {
        {&a->endpoint, "OS_ENDPOINT"},
        {&a->auth_type, "OS_AUTH_TYPE"},
        {&a->auth_url, "OS_AUTH_URL"},
        {&a->username, "OS_USERNAME"},
        {&a->password, "OS_PASSWORD"},
        {&a->project_id, "OS_PROJECT_ID"},
        {&a->project_name, "OS_PROJECT_NAME"},
        {&a->user_domain_name, "OS_USER_DOMAIN_NAME"},
        {&a->user_domain_id, "OS_USER_DOMAIN_ID"},
        {&a->project_domain_name, "OS_PROJECT_DOMAIN_NAME"},
        {&a->project_domain_id, "OS_PROJECT_DOMAIN_ID"},
        {&a->region_name, "OS_REGION_NAME"},
        {&a->interface, "OS_INTERFACE"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
        const char *v = getenv(vars[i].var);
        if (!*vars[i].field && v && *v) {
            *vars[i].field = v;
        }
    }
}

bool
cli_auth_uses_keystone(const struct cli_auth *a)
{
    return a->auth_url && *a->auth_url
           && !(a->auth_type
                && (streq(a->auth_type, "none")
                    || streq(a->auth_type, "noauth")));
}

/* {"name": NAME, "domain": ...} or {"id": ID}. */
static json_t *
domain(const char *name, const char *id)
{
    return name ? json_pack("{s:s}", "name", name)
                : json_pack("{s:s}", "id", id ? id : "default");
}

json_t *
cli_auth_token_request(const struct cli_auth *a)
{
    json_t *user =
        json_pack("{s:s,s:o,s:s}", "name", a->username ? a->username : "",
                  "domain", domain(a->user_domain_name, a->user_domain_id),
                  "password", a->password ? a->password : "");
    json_t *identity = json_pack("{s:[s],s:{s:o}}", "methods", "password",
                                 "password", "user", user);
    json_t *auth = json_pack("{s:o}", "identity", identity);

    if (a->project_id) {
        json_object_set_new(
            auth, "scope",
            json_pack("{s:{s:s}}", "project", "id", a->project_id));
    } else if (a->project_name) {
        json_object_set_new(
            auth, "scope",
            json_pack("{s:{s:s,s:o}}", "project", "name", a->project_name,
                      "domain",
                      domain(a->project_domain_name, a->project_domain_id)));
    }
    return json_pack("{s:o}", "auth", auth);
}

char *
cli_auth_find_endpoint(json_t *token, const char *interface,
                       const char *region)
{
    json_t *catalog =
        json_object_get(json_object_get(token, "token"), "catalog");
    size_t i, j;
    json_t *svc, *ep;

    interface = interface ? interface : "public";
    json_array_foreach (catalog, i, svc) {
        const char *type = json_string_value(json_object_get(svc, "type"));
        if (!type || !streq(type, "network")) {
            continue;
        }
        json_array_foreach (json_object_get(svc, "endpoints"), j, ep) {
            const char *itf =
                json_string_value(json_object_get(ep, "interface"));
            const char *reg = json_string_value(json_object_get(ep, "region"));
            const char *url = json_string_value(json_object_get(ep, "url"));

            if (url && itf && streq(itf, interface)
                && (!region || (reg && streq(reg, region)))) {
                return xstrdup(url);
            }
        }
    }
    return NULL;
}

/* ---- The token request. ---- */

struct answer {
    struct ds body;
    char *token;      /* X-Subject-Token. */
    char *request_id; /* X-Openstack-Request-Id. */
};

static size_t
collect_body(char *data, size_t size, size_t n, void *aux)
{
    struct answer *ans = aux;

    if (ans->body.len + size * n > CLI_AUTH_MAX_ANSWER) {
        return 0;
    }
    ds_put_buf(&ans->body, data, size * n);
    return size * n;
}

/* The value of header line 'line' if it is header 'name' (malloc'd). */
static char *
header_value(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    if (len <= n + 1 || strncasecmp(line, name, n) || line[n] != ':') {
        return NULL;
    }
    line += n + 1;
    len -= n + 1;
    while (len && (*line == ' ' || *line == '\t')) {
        line++, len--;
    }
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n')) {
        len--;
    }
    return xstrndup(line, len);
}

static size_t
collect_header(char *data, size_t size, size_t n, void *aux)
{
    struct answer *ans = aux;
    char *v;

    if ((v = header_value(data, size * n, "X-Subject-Token"))) {
        free(ans->token);
        ans->token = v;
    } else if ((v = header_value(data, size * n, "X-Openstack-Request-Id"))) {
        free(ans->request_id);
        ans->request_id = v;
    }
    return size * n;
}

/* keystoneauth's text for a refused request. */
static char *
keystone_error(long status, json_t *body, const char *request_id)
{
    const char *msg = json_string_value(
        json_object_get(json_object_get(body, "error"), "message"));

    return xasprintf("%s (HTTP %ld)%s%s%s",
                     msg ? msg : "Keystone refused the credentials", status,
                     request_id ? " (Request-ID: " : "",
                     request_id ? request_id : "", request_id ? ")" : "");
}

/* POSTs the credentials; returns 0 with the token and its body. */
static int
get_token(const struct cli_auth *a, char **ret_token, json_t **ret_body,
          char **ret_error)
{
    size_t len = strlen(a->auth_url);
    while (len && a->auth_url[len - 1] == '/') {
        len--;
    }
    bool v3 = len >= 3 && !strncmp(a->auth_url + len - 3, "/v3", 3);
    char *url = xasprintf("%.*s%s/auth/tokens", (int) len, a->auth_url,
                          v3 ? "" : "/v3");
    json_t *req = cli_auth_token_request(a);
    char *data = json_dumps(req, JSON_COMPACT);
    struct answer ans = {.body = DS_EMPTY_INITIALIZER};
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json");
    CURL *easy = curl_easy_init();
    long status = 0;
    int r = -EINVAL;

    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &ans);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, CLI_AUTH_TIMEOUT);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(easy);
    json_t *body =
        ans.body.len ? json_loadb(ans.body.s, ans.body.len, 0, NULL) : NULL;

    if (rc != CURLE_OK) {
        *ret_error = xasprintf("Unable to establish connection to %s: %s", url,
                               curl_easy_strerror(rc));
    } else if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status),
               status != 201 || !ans.token || !body) {
        *ret_error = keystone_error(status, body, ans.request_id);
    } else {
        *ret_token = TAKE_PTR(ans.token);
        *ret_body = TAKE_PTR(body);
        r = 0;
    }
    json_decref(body);
    curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
    ds_destroy(&ans.body);
    free(ans.token);
    free(ans.request_id);
    free(data);
    json_decref(req);
    free(url);
    return r;
}

int
cli_auth_connect(const struct cli_auth *a, struct cli_api **ret_api,
                 char **ret_error)
{
    char *token = NULL, *endpoint = NULL;
    json_t *body = NULL;

    if (!cli_auth_uses_keystone(a)) {
        if (!a->endpoint) {
            *ret_error = xstrdup("Missing endpoint: set --os-endpoint or "
                                 "OS_ENDPOINT");
            return -EINVAL;
        }
        *ret_api = cli_api_create(a->endpoint, a->project_id);
        return 0;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int r = get_token(a, &token, &body, ret_error);
    if (!r) {
        endpoint = a->endpoint ? xstrdup(a->endpoint)
                               : cli_auth_find_endpoint(body, a->interface,
                                                        a->region_name);
        if (!endpoint) {
            *ret_error =
                xasprintf("%s endpoint for network service%s%s%s not found",
                          a->interface ? a->interface : "public",
                          a->region_name ? " in " : "",
                          a->region_name ? a->region_name : "",
                          a->region_name ? " region" : "");
            r = -EINVAL;
        } else {
            /* The token names the project: no X-Project-Id. */
            *ret_api = cli_api_create(endpoint, NULL);
            cli_api_set_token(*ret_api, token);
        }
    }
    curl_global_cleanup();
    free(endpoint);
    free(token);
    json_decref(body);
    return r;
}

/* ---- clouds.yaml. ---- */

json_t *
cli_auth_load_clouds(void)
{
    const char *env = getenv("OS_CLIENT_CONFIG_FILE");
    const char *home = getenv("HOME");
    char *paths[] = {
        env && *env ? xstrdup(env) : xstrdup("clouds.yaml"),
        home ? xasprintf("%s/.config/openstack/clouds.yaml", home) : NULL,
        xstrdup("/etc/openstack/clouds.yaml"),
    };
    json_t *doc = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        if (paths[i] && !doc && !access(paths[i], F_OK)) {
            doc = yamldoc_load_file(paths[i], CLI_AUTH_MAX_ANSWER, NULL);
            doc = doc ? doc : json_object(); /* Found, but unreadable. */
        }
        free(paths[i]);
    }
    return doc;
}

int
cli_auth_from_cloud(struct cli_auth *a, json_t *clouds, const char *name)
{
    json_t *cloud = json_object_get(json_object_get(clouds, "clouds"), name);
    json_t *auth = json_object_get(cloud, "auth");
    const struct {
        const char **field;
        json_t *obj;
        const char *key;
    } keys[] = {
        {&a->auth_url, auth, "auth_url"},
        {&a->username, auth, "username"},
        {&a->password, auth, "password"},
        {&a->project_id, auth, "project_id"},
        {&a->project_name, auth, "project_name"},
        {&a->user_domain_name, auth, "user_domain_name"},
        {&a->user_domain_id, auth, "user_domain_id"},
        {&a->project_domain_name, auth, "project_domain_name"},
        {&a->project_domain_id, auth, "project_domain_id"},
        {&a->endpoint, auth, "endpoint"},
        {&a->region_name, cloud, "region_name"},
        {&a->interface, cloud, "interface"},
        {&a->auth_type, cloud, "auth_type"},
    };

    if (!json_is_object(cloud)) {
        return -ENOENT;
    }
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *v =
            json_string_value(json_object_get(keys[i].obj, keys[i].key));
        if (!*keys[i].field && v) {
            *keys[i].field = v;
        }
    }
    return 0;
}
