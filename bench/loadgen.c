/*
 * neutrino-loadgen: a small HTTP load generator for the Networking API.
 *
 * Each worker thread owns one libcurl easy handle, so it keeps one
 * HTTP/1.1 keep-alive connection to the server for its whole run; that is
 * what an API client such as openstacksdk does, and it keeps connection
 * set-up out of the latencies we compare.  Work items are handed out
 * through one shared atomic counter, so a slow request on one connection
 * never leaves the others idle.  Every request's latency is recorded and
 * the summary is printed as one JSON object on stdout, so that a shell
 * script can pick fields out of it with jq.
 */

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum op {
    OP_CREATE_PORTS,
    OP_GET_PORT,
    OP_LIST,
};

struct options {
    const char *url; /* Base URL, e.g. http://127.0.0.1:9696. */
    enum op op;
    const char *network_id;
    const char *port_id;
    const char *path;       /* For OP_LIST, appended to 'url'. */
    const char *project_id; /* Put into bodies and X-Project-Id. */
    const char *token;      /* X-Auth-Token, for auth_strategy keystone. */
    const char *name_prefix;
    const char *device_owner;
    long count; /* Requests, or ports for create-ports. */
    int concurrency;
    int bulk;     /* Ports per POST; 1 = single-port body. */
    long timeout; /* Seconds per request. */
};

/* Outcome of one request.  'status' is the HTTP status, or the negated
 * CURLcode when the transfer itself failed, so both kinds of failure can
 * be counted in one table. */
struct sample {
    double ms;
    int status;
    size_t bytes;
};

struct shared {
    const struct options *opt;
    atomic_long next;       /* Next work item to hand out. */
    long n_items;           /* Number of requests to make. */
    struct sample *samples; /* One per request, indexed by work item. */
};

struct worker {
    pthread_t thread;
    struct shared *shared;
};

/* Response body, kept only so that its size can be reported and so that
 * libcurl has somewhere to put it; its contents are not parsed. */
struct buffer {
    char *data;
    size_t len;
    size_t cap;
};

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(1);
    }
    return p;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(1);
    }
    return p;
}

static void
buffer_append(struct buffer *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;

        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buffer_printf(struct buffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buffer_printf(struct buffer *b, const char *fmt, ...)
{
    char small[512];
    va_list args;
    int n;

    va_start(args, fmt);
    n = vsnprintf(small, sizeof small, fmt, args);
    va_end(args);
    if (n < 0) {
        return;
    }
    if ((size_t) n < sizeof small) {
        buffer_append(b, small, n);
    } else {
        char *big = xmalloc(n + 1);

        va_start(args, fmt);
        vsnprintf(big, n + 1, fmt, args);
        va_end(args);
        buffer_append(b, big, n);
        free(big);
    }
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *aux)
{
    struct buffer *b = aux;

    buffer_append(b, ptr, size * nmemb);
    return size * nmemb;
}

/* Appends one port object to 'b'.  The values come from the command line
 * and are UUIDs or simple words, so they are not JSON-escaped; 'seq' makes
 * every name unique so that a '?name=' filter can select one port. */
static void
append_port(struct buffer *b, const struct options *opt, long seq)
{
    buffer_printf(b, "{\"network_id\": \"%s\"", opt->network_id);
    buffer_printf(b, ", \"name\": \"%s%ld\"", opt->name_prefix, seq);
    if (opt->device_owner) {
        buffer_printf(b, ", \"device_owner\": \"%s\"", opt->device_owner);
    }
    if (opt->project_id) {
        buffer_printf(b, ", \"project_id\": \"%s\"", opt->project_id);
    }
    buffer_append(b, "}", 1);
}

static void
build_create_body(struct buffer *b, const struct options *opt, long item)
{
    long first = item * opt->bulk;
    long last = first + opt->bulk;

    if (last > opt->count) {
        last = opt->count;
    }
    b->len = 0;
    if (opt->bulk == 1) {
        buffer_append(b, "{\"port\": ", 9);
        append_port(b, opt, first);
        buffer_append(b, "}", 1);
    } else {
        buffer_append(b, "{\"ports\": [", 11);
        for (long i = first; i < last; i++) {
            if (i > first) {
                buffer_append(b, ", ", 2);
            }
            append_port(b, opt, i);
        }
        buffer_append(b, "]}", 2);
    }
}

static void *
worker_main(void *aux)
{
    struct worker *w = aux;
    struct shared *sh = w->shared;
    const struct options *opt = sh->opt;
    struct buffer resp = {NULL, 0, 0};
    struct buffer body = {NULL, 0, 0};
    struct curl_slist *headers = NULL;
    char url[2048];
    CURL *curl;

    curl = curl_easy_init();
    if (!curl) {
        fprintf(stderr, "loadgen: curl_easy_init failed\n");
        exit(1);
    }
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Content-Type: application/json");
    /* libcurl would otherwise send "Expect: 100-continue" for large bulk
     * bodies and wait for an answer that eventlet servers never send. */
    headers = curl_slist_append(headers, "Expect:");
    if (opt->project_id) {
        char h[256];

        snprintf(h, sizeof h, "X-Project-Id: %s", opt->project_id);
        headers = curl_slist_append(headers, h);
    }
    if (opt->token) {
        char h[8192];

        snprintf(h, sizeof h, "X-Auth-Token: %s", opt->token);
        headers = curl_slist_append(headers, h);
    }

    switch (opt->op) {
    case OP_CREATE_PORTS:
        snprintf(url, sizeof url, "%s/v2.0/ports", opt->url);
        break;
    case OP_GET_PORT:
        snprintf(url, sizeof url, "%s/v2.0/ports/%s", opt->url, opt->port_id);
        break;
    case OP_LIST:
        snprintf(url, sizeof url, "%s%s", opt->url, opt->path);
        break;
    }

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, opt->timeout);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    /* Signals cannot be used for timeouts in a multi-threaded program. */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

    for (;;) {
        long item = atomic_fetch_add(&sh->next, 1);
        struct sample *s;
        CURLcode rc;
        double t0;

        if (item >= sh->n_items) {
            break;
        }
        if (opt->op == OP_CREATE_PORTS) {
            build_create_body(&body, opt, item);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) body.len);
        }
        resp.len = 0;

        t0 = now_ms();
        rc = curl_easy_perform(curl);
        s = &sh->samples[item];
        s->ms = now_ms() - t0;
        s->bytes = resp.len;
        if (rc != CURLE_OK) {
            s->status = -(int) rc;
            fprintf(stderr, "loadgen: %s: %s\n", url, curl_easy_strerror(rc));
        } else {
            long code = 0;

            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
            s->status = code;
            if (code >= 300 && resp.len) {
                /* One line of the first failures helps to see why a
                 * server refused; more would flood the terminal. */
                static atomic_int reported;

                if (atomic_fetch_add(&reported, 1) < 3) {
                    fprintf(stderr, "loadgen: HTTP %ld: %.300s\n", code,
                            resp.data);
                }
            }
        }
    }

    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(resp.data);
    free(body.data);
    return NULL;
}

static int
cmp_double(const void *a_, const void *b_)
{
    double a = *(const double *) a_;
    double b = *(const double *) b_;

    return a < b ? -1 : a > b;
}

/* Nearest-rank percentile of sorted 'v' (n > 0). */
static double
percentile(const double *v, size_t n, double pct)
{
    size_t rank = (size_t) (pct / 100.0 * n + 0.999999);

    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return v[rank - 1];
}

static void
report(const struct shared *sh, double seconds)
{
    const struct options *opt = sh->opt;
    static const char *const op_names[] = {
        [OP_CREATE_PORTS] = "create-ports",
        [OP_GET_PORT] = "get-port",
        [OP_LIST] = "list",
    };
    long n = sh->n_items;
    double *ms = xmalloc(n * sizeof *ms);
    int *codes = xmalloc(n * sizeof *codes);
    long *code_counts = xmalloc(n * sizeof *code_counts);
    size_t n_codes = 0;
    long ok = 0, items_ok = 0;
    double bytes = 0;

    for (long i = 0; i < n; i++) {
        const struct sample *s = &sh->samples[i];
        size_t j;

        ms[i] = s->ms;
        bytes += s->bytes;
        if (s->status >= 200 && s->status < 300) {
            long items = 1;

            if (opt->op == OP_CREATE_PORTS) {
                items = opt->bulk;
                if ((i + 1) * opt->bulk > opt->count) {
                    items = opt->count - i * opt->bulk;
                }
            }
            ok++;
            items_ok += items;
            continue;
        }
        for (j = 0; j < n_codes; j++) {
            if (codes[j] == s->status) {
                break;
            }
        }
        if (j == n_codes) {
            codes[n_codes] = s->status;
            code_counts[n_codes++] = 0;
        }
        code_counts[j]++;
    }
    qsort(ms, n, sizeof *ms, cmp_double);

    printf("{\"op\": \"%s\", \"concurrency\": %d, \"bulk\": %d, "
           "\"requests\": %ld, \"ok\": %ld, \"items\": %ld, ",
           op_names[opt->op], opt->concurrency, opt->bulk, n, ok, items_ok);
    printf("\"errors\": {");
    for (size_t j = 0; j < n_codes; j++) {
        /* Negative codes are transport failures, named after libcurl's
         * error so the JSON stays self-explaining. */
        if (codes[j] < 0) {
            printf("%s\"curl %d\": %ld", j ? ", " : "", -codes[j],
                   code_counts[j]);
        } else {
            printf("%s\"%d\": %ld", j ? ", " : "", codes[j], code_counts[j]);
        }
    }
    printf("}, \"seconds\": %.3f, \"rate\": %.2f, ", seconds,
           seconds > 0 ? items_ok / seconds : 0.0);
    if (n > 0) {
        printf("\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"min_ms\": %.3f, "
               "\"max_ms\": %.3f, \"bytes_avg\": %.0f}\n",
               percentile(ms, n, 50), percentile(ms, n, 99), ms[0], ms[n - 1],
               bytes / n);
    } else {
        printf("\"p50_ms\": null, \"p99_ms\": null}\n");
    }
    free(ms);
    free(codes);
    free(code_counts);
}

static void
usage(void)
{
    printf("usage: neutrino-loadgen --url URL --op OP [options]\n"
           "  --op create-ports    POST /v2.0/ports (--network-id)\n"
           "  --op get-port        GET /v2.0/ports/ID (--port-id)\n"
           "  --op list            GET URL+PATH (--path)\n"
           "  --count N            requests (create-ports: ports) [100]\n"
           "  --concurrency C      threads, one connection each [1]\n"
           "  --bulk B             ports per POST, as {\"ports\": [...]} [1]\n"
           "  --name-prefix S      port names are S0, S1, ... [bench-]\n"
           "  --device-owner S     device_owner of created ports\n"
           "  --project-id P       project_id in bodies and X-Project-Id\n"
           "  --token T            X-Auth-Token of every request\n"
           "  --timeout SECS       per request [600]\n");
}

static long
parse_long(const char *s, const char *what, long min)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min) {
        fprintf(stderr, "loadgen: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"op", required_argument, NULL, 'o'},
        {"network-id", required_argument, NULL, 'n'},
        {"port-id", required_argument, NULL, 'p'},
        {"path", required_argument, NULL, 'P'},
        {"project-id", required_argument, NULL, 'j'},
        {"token", required_argument, NULL, 'T'},
        {"name-prefix", required_argument, NULL, 'N'},
        {"device-owner", required_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'c'},
        {"concurrency", required_argument, NULL, 'C'},
        {"bulk", required_argument, NULL, 'b'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *op = NULL;
    int c;

    *opt = (struct options){
        .name_prefix = "bench-",
        .count = 100,
        .concurrency = 1,
        .bulk = 1,
        .timeout = 600,
    };
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            opt->url = optarg;
            break;
        case 'o':
            op = optarg;
            break;
        case 'n':
            opt->network_id = optarg;
            break;
        case 'p':
            opt->port_id = optarg;
            break;
        case 'P':
            opt->path = optarg;
            break;
        case 'j':
            opt->project_id = optarg;
            break;
        case 'T':
            opt->token = optarg;
            break;
        case 'N':
            opt->name_prefix = optarg;
            break;
        case 'd':
            opt->device_owner = optarg;
            break;
        case 'c':
            opt->count = parse_long(optarg, "count", 0);
            break;
        case 'C':
            opt->concurrency = parse_long(optarg, "concurrency", 1);
            break;
        case 'b':
            opt->bulk = parse_long(optarg, "bulk", 1);
            break;
        case 't':
            opt->timeout = parse_long(optarg, "timeout", 1);
            break;
        case 'h':
            usage();
            exit(0);
        default:
            usage();
            exit(2);
        }
    }
    if (optind != argc || !opt->url || !op) {
        usage();
        exit(2);
    }
    if (!strcmp(op, "create-ports")) {
        opt->op = OP_CREATE_PORTS;
        if (!opt->network_id) {
            fprintf(stderr, "loadgen: create-ports needs --network-id\n");
            exit(2);
        }
    } else if (!strcmp(op, "get-port")) {
        opt->op = OP_GET_PORT;
        if (!opt->port_id) {
            fprintf(stderr, "loadgen: get-port needs --port-id\n");
            exit(2);
        }
    } else if (!strcmp(op, "list")) {
        opt->op = OP_LIST;
        if (!opt->path) {
            fprintf(stderr, "loadgen: list needs --path\n");
            exit(2);
        }
    } else {
        fprintf(stderr, "loadgen: unknown op '%s'\n", op);
        exit(2);
    }
    if (opt->op != OP_CREATE_PORTS) {
        opt->bulk = 1;
    }
}

int
main(int argc, char *argv[])
{
    struct options opt;
    struct shared sh;
    struct worker *workers;
    double t0, seconds;

    parse_options(argc, argv, &opt);
    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        fprintf(stderr, "loadgen: curl_global_init failed\n");
        return 1;
    }

    sh.opt = &opt;
    atomic_init(&sh.next, 0);
    sh.n_items = (opt.count + opt.bulk - 1) / opt.bulk;
    sh.samples = xmalloc(sh.n_items * sizeof *sh.samples);
    memset(sh.samples, 0, sh.n_items * sizeof *sh.samples);
    workers = xmalloc(opt.concurrency * sizeof *workers);

    t0 = now_ms();
    for (int i = 0; i < opt.concurrency; i++) {
        int err;

        workers[i].shared = &sh;
        err =
            pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (err) {
            fprintf(stderr, "loadgen: pthread_create: %s\n", strerror(err));
            return 1;
        }
    }
    for (int i = 0; i < opt.concurrency; i++) {
        pthread_join(workers[i].thread, NULL);
    }
    seconds = (now_ms() - t0) / 1e3;

    report(&sh, seconds);
    free(workers);
    free(sh.samples);
    curl_global_cleanup();
    return 0;
}
