#include "cli/cli-api.h"

#include <curl/curl.h>
#include <errno.h>

#include "core/ds.h"

/* Answers larger than this are refused rather than buffered. */
#define CLI_API_MAX_ANSWER (512u << 20)

/* Seconds before a request is given up. */
#define CLI_API_TIMEOUT 120L

struct cli_api {
    CURL *easy;
    char *root; /* ".../v2.0", no trailing slash. */
    struct curl_slist *headers;
    bool wrap_errors; /* See cli_api_wrap_errors(). */
};

struct cli_api *
cli_api_create(const char *endpoint, const char *project_id)
{
    struct cli_api *api = xcalloc(1, sizeof *api);
    size_t len = strlen(endpoint);

    while (len && endpoint[len - 1] == '/') {
        len--;
    }
    api->root = len >= 5 && !strncmp(endpoint + len - 5, "/v2.0", 5)
                    ? xstrndup(endpoint, len)
                    : xasprintf("%.*s/v2.0", (int) len, endpoint);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    api->easy = curl_easy_init();
    core_assert(api->easy);
    api->headers = curl_slist_append(api->headers, "Accept: application/json");
    api->headers =
        curl_slist_append(api->headers, "Content-Type: application/json");
    api->headers = curl_slist_append(api->headers, "User-Agent: neutrino");
    if (project_id && *project_id) {
        char *h = xasprintf("X-Project-Id: %s", project_id);

        api->headers = curl_slist_append(api->headers, h);
        free(h);
    }
    return api;
}

void
cli_api_destroy(struct cli_api *api)
{
    if (api) {
        curl_easy_cleanup(api->easy);
        curl_slist_free_all(api->headers);
        free(api->root);
        free(api);
        curl_global_cleanup();
    }
}

void
cli_api_set_token(struct cli_api *api, const char *token)
{
    char *h = xasprintf("X-Auth-Token: %s", token);

    api->headers = curl_slist_append(api->headers, h);
    free(h);
}

void
cli_api_wrap_errors(struct cli_api *api, bool wrap)
{
    api->wrap_errors = wrap;
}

bool
cli_api_wraps_errors(const struct cli_api *api)
{
    return api->wrap_errors;
}

char *
cli_api_escape(const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    struct ds out = DS_EMPTY_INITIALIZER;

    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
            || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            ds_put_char(&out, (char) *p);
        } else {
            ds_put_char(&out, '%');
            ds_put_char(&out, hex[*p >> 4]);
            ds_put_char(&out, hex[*p & 15]);
        }
    }
    return ds_steal(&out);
}

static size_t
collect(char *data, size_t size, size_t n, void *aux)
{
    struct ds *answer = aux;

    if (answer->len + size * n > CLI_API_MAX_ANSWER) {
        return 0;
    }
    ds_put_buf(answer, data, size * n);
    return size * n;
}

/* openstacksdk's exception class for an HTTP status. */
static const char *
exception_name(long status)
{
    switch (status) {
    case 400:
        return "BadRequestException";
    case 404:
        return "NotFoundException";
    case 409:
        return "ConflictException";
    case 412:
        return "PreconditionFailedException";
    default:
        return "HttpException";
    }
}

/* openstacksdk's text for a failed request: the NeutronError message (any
 * top-level object's "message"), else the HTTP reason phrase. */
static char *
error_text(long status, const char *url, const json_t *body,
           const char *reason, bool wrap)
{
    struct ds details = DS_EMPTY_INITIALIZER;
    const char *key;
    json_t *value;
    char *text;

    json_object_foreach ((json_t *) body, key, value) {
        const char *msg = json_string_value(json_object_get(value, "message"));

        if (msg && *msg) {
            ds_put_format(&details, "%s%s", details.len ? "\n" : "", msg);
        }
    }
    if (!details.len && json_string_value(json_object_get(body, "message"))) {
        ds_put_cstr(&details,
                    json_string_value(json_object_get(body, "message")));
    }
    if (!details.len) {
        ds_put_cstr(&details, reason);
    }
    if (wrap) {
        text = xasprintf("Error while executing command: %s: %ld, %s",
                         exception_name(status), status, ds_cstr(&details));
    } else {
        text = xasprintf("%s: %ld: %s Error for url: %s, %s",
                         exception_name(status), status,
                         status < 500 ? "Client" : "Server", url,
                         ds_cstr(&details));
    }
    ds_destroy(&details);
    return text;
}

/* The standard reason phrase, which openstacksdk falls back to. */
static const char *
reason_phrase(long status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Request Entity Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

int
cli_api_request(struct cli_api *api, const char *method, const char *path,
                const json_t *body, json_t **ret_body, char **ret_error)
{
    struct ds answer = DS_EMPTY_INITIALIZER;
    /* Pagination links come as whole URLs. */
    char *url =
        str_startswith(path, "http://") || str_startswith(path, "https://")
            ? xstrdup(path)
            : xasprintf("%s%s", api->root, path);
    char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
    CURLcode rc;
    long status = 0;

    *ret_body = NULL;
    curl_easy_reset(api->easy);
    curl_easy_setopt(api->easy, CURLOPT_URL, url);
    curl_easy_setopt(api->easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(api->easy, CURLOPT_HTTPHEADER, api->headers);
    curl_easy_setopt(api->easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(api->easy, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(api->easy, CURLOPT_TIMEOUT, CLI_API_TIMEOUT);
    curl_easy_setopt(api->easy, CURLOPT_NOSIGNAL, 1L);
    if (data) {
        curl_easy_setopt(api->easy, CURLOPT_POSTFIELDS, data);
    }
    rc = curl_easy_perform(api->easy);
    if (rc != CURLE_OK) {
        *ret_error = xasprintf("Unable to establish connection to %s: %s", url,
                               curl_easy_strerror(rc));
        status = -EIO;
    } else {
        curl_easy_getinfo(api->easy, CURLINFO_RESPONSE_CODE, &status);
        if (answer.len) {
            *ret_body = json_loadb(answer.s, answer.len, 0, NULL);
        }
        if (status >= 400) {
            *ret_error = error_text(status, url, *ret_body,
                                    reason_phrase(status), api->wrap_errors);
        } else if (answer.len && !*ret_body) {
            *ret_error = xasprintf("Invalid JSON in the answer from %s", url);
            status = -EIO;
        }
    }
    ds_destroy(&answer);
    free(data);
    free(url);
    return (int) status;
}
