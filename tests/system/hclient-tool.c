/* hclient-tool: runs requests through the agent's HTTP client
 * (src/agent/http-client.h) on the OVS poll loop, for
 * tests/func/test_http_client.py.
 *
 *     hclient-tool [--seq] [--timeout MS] [--want HEADER] [--auth LINE]...
 *                  BASE_URL METHOD PATH BODY [METHOD PATH BODY]...
 *
 * BODY is JSON, or "-" for none.  Requests are sent all at once, or with
 * --seq each after the previous one ended.  --auth lines are the
 * credentials, in turn: the client gets the first; each 401 it reports
 * moves on to the next.  Prints one JSON line per request, in order:
 * {"status": N, "body": <parsed JSON or null>, "value": <HEADER or null>}. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http-client.h"
#include "ovs/ovsx.h"

struct result {
    bool done;
    long status;
    json_t *body;
    char *value;
};

struct auth_lines {
    char **lines;
    size_t n, at;
};

static void
on_done(void *aux, long status, json_t *body, const char *value)
{
    struct result *r = aux;

    r->done = true;
    r->status = status;
    r->body = json_incref(body);
    r->value = value ? strdup(value) : NULL;
}

static const char *
auth_header(void *aux)
{
    struct auth_lines *a = aux;

    return a->at < a->n ? a->lines[a->at] : NULL;
}

static void
auth_rejected(void *aux, const char *line)
{
    struct auth_lines *a = aux;

    if (a->at < a->n && !strcmp(a->lines[a->at], line)) {
        a->at++;
    }
}

static void
start(struct hclient *c, char **req, const char *want, long timeout,
      struct result *r)
{
    json_t *body = strcmp(req[2], "-") ? json_loads(req[2], 0, NULL) : NULL;

    hclient_request_header(c, req[0], req[1], body, want ? want : "X-None",
                           timeout, on_done, r);
}

static void
run_until(struct hclient *c, const struct result *r)
{
    while (!r->done) {
        hclient_run(c);
        if (r->done) {
            break;
        }
        hclient_wait(c);
        ovsx_poll_block();
    }
}

int
main(int argc, char *argv[])
{
    struct auth_lines auth = {calloc(argc, sizeof(char *)), 0, 0};
    const char *want = NULL;
    long timeout = 5000;
    bool seq = false;
    int i = 1;

    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strcmp(argv[i], "--seq")) {
            seq = true;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            timeout = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--want") && i + 1 < argc) {
            want = argv[++i];
        } else if (!strcmp(argv[i], "--auth") && i + 1 < argc) {
            auth.lines[auth.n++] = argv[++i];
        } else {
            fprintf(stderr, "hclient-tool: bad option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc || (argc - i - 1) % 3) {
        fprintf(stderr, "usage: see the comment in hclient-tool.c\n");
        return 2;
    }
    ovsx_init("hclient-tool");

    struct hclient *c = hclient_create(argv[i]);
    size_t n = (argc - i - 1) / 3;
    struct result *res = calloc(n, sizeof *res);

    if (auth.n) {
        hclient_set_auth(
            c, &(struct hclient_auth){auth_header, auth_rejected, &auth});
    }
    for (size_t k = 0; k < n; k++) {
        start(c, argv + i + 1 + 3 * k, want, timeout, &res[k]);
        if (seq || k == n - 1) {
            for (size_t j = seq ? k : 0; j <= k; j++) {
                run_until(c, &res[j]);
            }
        }
    }
    for (size_t k = 0; k < n; k++) {
        json_t *line = json_pack("{s:I, s:O?, s:s?}", "status",
                                 (json_int_t) res[k].status, "body",
                                 res[k].body, "value", res[k].value);
        char *text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);

        printf("%s\n", text);
        free(text);
        json_decref(line);
        json_decref(res[k].body);
        free(res[k].value);
    }
    printf("pending %zu\n", hclient_pending(c));
    hclient_destroy(c);
    free(res);
    free(auth.lines);
    return 0;
}
