/* Fuzz target: list query strings.
 *
 * Splits the input as libmicrohttpd splits a URL's query: pairs at '&',
 * key and value at the first '=' (a bare "key" gets ""), '+' and %XX
 * unescaped.  The resulting struct http_arg array goes through
 * list_query_parse() for networks, subnets and ports, with
 * pagination_max_limit unset (-1) and 1000, and through
 * query_parse_fields().
 *
 * On success the parsed query is checked against what was asked (filters
 * only on filterable attributes, one entry per column, sorts on sortable
 * ones, the limit within bounds, every "fields" kept); on failure the
 * error must be a 4xx with text, renderable as a NeutronError body when the
 * query was valid UTF-8. */
#include "fuzz.h"

#include <jansson.h>
#include <stdbool.h>

#include "api/api-error.h"
#include "api/query.h"
#include "api/schema.h"
#include "core/config.h"

static const struct resource_def *const defs[] = {
    &network_def,
    &subnet_def,
    &port_def,
    &security_group_def,
    &security_group_rule_def,
    &address_group_def,
};

static int
hexdigit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Unescapes 's' in place: '+' is a space, %XX a byte (may be NUL, which
 * ends the C string the server sees, as it does with libmicrohttpd). */
static void
unescape(char *s)
{
    char *out = s;

    for (const char *p = s; *p; p++) {
        int hi, lo;

        if (*p == '+') {
            *out++ = ' ';
        } else if (*p == '%' && (hi = hexdigit(p[1])) >= 0
                   && (lo = hexdigit(p[2])) >= 0) {
            *out++ = (char) (hi << 4 | lo);
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

/* True if 's' is well-formed UTF-8 (jansson's notion: no overlongs, no
 * surrogates, nothing past U+10FFFF). */
static bool
is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    while (*p) {
        unsigned c = *p;
        int n;
        unsigned cp;

        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        p += n + 1;
    }
    return true;
}

static size_t
count_key(const struct http_arg *args, size_t n, const char *key)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++) {
        c += !strcmp(args[i].key, key);
    }
    return c;
}

static void
check_query(const struct resource_def *def, const struct http_arg *args,
            size_t n, long max_limit, const struct list_query *q)
{
    const char *name = def->singular;
    const char *marker = NULL;

    for (size_t i = 0; i < q->n_filters; i++) {
        const struct query_filter *f = &q->filters[i];

        FUZZ_CHECK(f->attr && (f->attr->flags & A_FILTER),
                   "%s: filter on a non-filter attribute", name);
        FUZZ_CHECK(json_is_array(f->values) && json_array_size(f->values),
                   "%s: filter '%s' without values", name, f->attr->name);
        for (size_t j = 0; j < i; j++) {
            /* By name: query.c compares the pointers, which is only right
             * if the compiler merged the equal string literals. */
            FUZZ_CHECK(strcmp(q->filters[j].attr->column, f->attr->column),
                       "%s: two filters on column %s", name, f->attr->column);
        }
    }
    FUZZ_CHECK(q->n_sorts == count_key(args, n, "sort_key"),
               "%s: %zu sorts for %zu sort_key", name, q->n_sorts,
               count_key(args, n, "sort_key"));
    for (size_t i = 0; i < q->n_sorts; i++) {
        FUZZ_CHECK(q->sorts[i].attr && (q->sorts[i].attr->flags & A_SORT),
                   "%s: sort on a non-sort attribute", name);
    }
    FUZZ_CHECK(strv_length(q->fields) == count_key(args, n, "fields"),
               "%s: %zu fields for %zu fields args", name,
               strv_length(q->fields), count_key(args, n, "fields"));
    FUZZ_CHECK(q->limit >= 0, "%s: negative limit %ld", name, q->limit);
    if (max_limit > 0) {
        FUZZ_CHECK(q->limit >= 1 && q->limit <= max_limit,
                   "%s: limit %ld outside 1..%ld", name, q->limit, max_limit);
    }
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(args[i].key, "marker")) {
            marker = args[i].value;
        }
    }
    /* Neutron pages only with a limit: a marker without one is dropped. */
    if (!q->limit) {
        marker = NULL;
    }
    FUZZ_CHECK(!marker == !q->marker
                   && (!marker || !strcmp(marker, q->marker)),
               "%s: marker not the last one given", name);
    FUZZ_CHECK(!q->n_sorts || q->n_sorts == count_key(args, n, "sort_dir"),
               "%s: %zu sort keys but %zu directions", name, q->n_sorts,
               count_key(args, n, "sort_dir"));
    FUZZ_CHECK(!q->changed_since || strlen(q->changed_since) <= 19,
               "%s: changed_since too long", name);
    if (strcmp(name, "port")) {
        FUZZ_CHECK(!q->fixed_ip_addresses && !q->fixed_ip_subnets
                       && !q->fixed_ip_substrs,
                   "%s: fixed_ips filter outside ports", name);
    }
    /* Exercise the helper the renderer uses. */
    if (q->fields) {
        FUZZ_CHECK(query_fields_want(q->fields, q->fields[0]),
                   "%s: drops a selected field", name);
    } else {
        FUZZ_CHECK(query_fields_want(q->fields, "id"),
                   "%s: drops a field with no selection", name);
    }
}

static void
parse(const struct resource_def *def, const struct http_arg *args, size_t n,
      long max_limit, bool utf8)
{
    struct list_query q;
    struct api_error *e = list_query_parse(def, args, n, max_limit, &q);

    if (e) {
        FUZZ_CHECK(e->status >= 400 && e->status < 500,
                   "%s: status %d for bad input", def->singular, e->status);
        FUZZ_CHECK(e->type && e->message, "%s: error without text",
                   def->singular);
        if (utf8) {
            json_t *body = api_error_to_json(e);
            FUZZ_CHECK(body, "%s: error not renderable: %s", def->singular,
                       e->message);
            json_decref(body);
        }
        api_error_free(e);
        return;
    }
    check_query(def, args, n, max_limit, &q);
    list_query_destroy(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    struct http_arg *args = NULL;
    size_t n = 0;
    bool utf8 = true;
    char *save = NULL;
    char **fields;

    /* strtok_r drops empty pairs ("a&&b"), as libmicrohttpd does. */
    for (char *pair = strtok_r(s, "&", &save); pair;
         pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        const char *value = "";

        if (eq) {
            *eq = '\0';
            value = eq + 1;
            unescape(eq + 1);
        }
        unescape(pair);
        args = realloc(args, (n + 1) * sizeof *args);
        if (!args) {
            abort();
        }
        args[n++] = (struct http_arg){pair, value};
        utf8 = utf8 && is_utf8(pair) && is_utf8(value);
    }

    for (size_t d = 0; d < sizeof defs / sizeof *defs; d++) {
        parse(defs[d], args, n, -1, utf8);
        parse(defs[d], args, n, 1000, utf8);
    }
    fields = query_parse_fields(args, n);
    FUZZ_CHECK(strv_length(fields) == count_key(args, n, "fields"),
               "query_parse_fields lost fields");
    strv_free(fields);

    free(args);
    free(s);
    return 0;
}
