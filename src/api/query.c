#include "api/query.h"

#include <errno.h>
#include <stdlib.h>

#include "api/api-error.h"
#include "core/config.h"
#include "core/ds.h"

/* Arguments that are not attribute filters. */
static bool
is_control_arg(const char *key)
{
    static const char *const keys[] = {
        "fields",   "sort_key",     "sort_dir",      "limit",
        "marker",   "page_reverse", "tags",          "tags-any",
        "not-tags", "not-tags-any", "changed_since", "fixed_ips",
    };

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!strcmp(key, keys[i])) {
            return true;
        }
    }
    return false;
}

static char **
strv_append(char **v, const char *s)
{
    size_t n = strv_length(v);

    v = xrealloc(v, (n + 2) * sizeof *v);
    v[n] = xstrdup(s);
    v[n + 1] = NULL;
    return v;
}

static struct api_error *
add_filter(struct list_query *q, const struct attr *a, const char *value)
{
    json_t *conv;
    char *why;
    struct api_error *e;

    why = schema_convert_filter(a, value, &conv);
    if (why) {
        e = api_invalid_input("%s", why);
        free(why);
        return e;
    }
    if (!strcmp(a->name, "mac_address")) {
        char *lower = xstrdup(json_string_value(conv));
        for (char *p = lower; *p; p++) {
            *p = *p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p;
        }
        json_decref(conv);
        conv = json_string(lower);
        free(lower);
    }
    for (size_t i = 0; i < q->n_filters; i++) {
        if (!strcmp(q->filters[i].attr->column, a->column)) {
            json_array_append_new(q->filters[i].values, conv);
            return NULL;
        }
    }
    q->filters = xrealloc(q->filters, (q->n_filters + 1) * sizeof *q->filters);
    q->filters[q->n_filters].attr = a;
    q->filters[q->n_filters].values = json_array();
    json_array_append_new(q->filters[q->n_filters++].values, conv);
    return NULL;
}

static struct api_error *
add_fixed_ip_filter(struct list_query *q, const char *value)
{
    const char *eq = strchr(value, '=');
    json_t **target = NULL;

    if (eq && str_startswith(value, "ip_address=")) {
        target = &q->fixed_ip_addresses;
    } else if (eq && str_startswith(value, "subnet_id=")) {
        target = &q->fixed_ip_subnets;
    } else if (eq && str_startswith(value, "ip_address_substr=")) {
        target = &q->fixed_ip_substrs;
    }
    if (!target) {
        return api_invalid_input("'%s' is not a valid fixed_ips filter",
                                 value);
    }
    if (!*target) {
        *target = json_array();
    }
    json_array_append_new(*target, json_string(eq + 1));
    return NULL;
}

static struct api_error *
parse_limit(struct list_query *q, const char *value, long max_limit)
{
    char *end;
    long v = strtol(value, &end, 10);

    if (!*value || *end || v < 0) {
        return api_error_new(400, "BadRequest",
                             "Bad limit request: Limit must be an integer 0 "
                             "or greater and not '%s'.",
                             value);
    }
    if (max_limit > 0 && (v == 0 || v > max_limit)) {
        v = max_limit;
    }
    q->limit = v;
    return NULL;
}

static struct api_error *
parse_sorts(const struct resource_def *def, const struct http_arg *args,
            size_t n, struct list_query *q)
{
    size_t n_keys = 0, n_dirs = 0;

    for (size_t i = 0; i < n; i++) {
        n_keys += !strcmp(args[i].key, "sort_key");
        n_dirs += !strcmp(args[i].key, "sort_dir");
    }
    if (n_keys != n_dirs) {
        return api_bad_request("The number of sort_keys and sort_dirs must "
                               "be same");
    }
    q->sorts = xcalloc(n_keys + 1, sizeof *q->sorts);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(args[i].key, "sort_key")) {
            const struct attr *a = resource_attr(def, args[i].value);
            if (!a || !(a->flags & A_SORT)) {
                return api_bad_request("['%s'] is invalid attribute for "
                                       "sort_keys",
                                       args[i].value);
            }
            q->sorts[q->n_sorts++].attr = a;
        }
    }
    for (size_t i = 0, d = 0; i < n; i++) {
        if (!strcmp(args[i].key, "sort_dir")) {
            const char *v = args[i].value;
            if (strcmp(v, "asc") && strcmp(v, "desc")) {
                return api_bad_request("%s is invalid value for sort_dirs, "
                                       "valid values are 'asc' and 'desc'",
                                       v);
            }
            q->sorts[d++].desc = !strcmp(v, "desc");
        }
    }
    return NULL;
}

/* Repeated tag arguments add to one list. */
static void
add_tags(char ***list, const char *value)
{
    char **more = strv_split_commas(value);

    if (!*list) {
        *list = xcalloc(1, sizeof **list);
    }
    for (size_t i = 0; more[i]; i++) {
        *list = strv_append(*list, more[i]);
    }
    strv_free(more);
}

static struct api_error *
parse_control(const struct http_arg *arg, long max_limit, struct list_query *q)
{
    const char *k = arg->key, *v = arg->value;
    int b;

    if (!strcmp(k, "fields")) {
        q->fields = strv_append(q->fields, v);
    } else if (!strcmp(k, "limit")) {
        return parse_limit(q, v, max_limit);
    } else if (!strcmp(k, "marker")) {
        free(q->marker);
        q->marker = xstrdup(v);
    } else if (!strcmp(k, "page_reverse")) {
        b = parse_boolean(v);
        if (b < 0) {
            return api_invalid_input("'%s' cannot be converted to boolean", v);
        }
        q->page_reverse = b;
    } else if (!strcmp(k, "tags")) {
        add_tags(&q->tags, v);
    } else if (!strcmp(k, "tags-any")) {
        add_tags(&q->tags_any, v);
    } else if (!strcmp(k, "not-tags")) {
        add_tags(&q->not_tags, v);
    } else if (!strcmp(k, "not-tags-any")) {
        add_tags(&q->not_tags_any, v);
    } else if (!strcmp(k, "changed_since")) {
        if (!timestamp_is_valid(v)) {
            return api_invalid_input("Invalid changed_since value '%s'", v);
        }
        free(q->changed_since);
        q->changed_since = xstrndup(v, 19);
    } else if (!strcmp(k, "fixed_ips")) {
        return add_fixed_ip_filter(q, v);
    }
    return NULL;
}

static struct api_error *
parse_args(const struct resource_def *def, const struct http_arg *args,
           size_t n, long max_limit, struct list_query *q)
{
    struct ds bad = DS_EMPTY_INITIALIZER;
    json_t *seen = json_object(); /* Unknown keys named so far. */
    struct api_error *e = NULL;

    for (size_t i = 0; i < n && !e; i++) {
        const struct attr *a;

        if (is_control_arg(args[i].key)) {
            if (!strcmp(args[i].key, "fixed_ips")
                && strcmp(def->singular, "port")) {
                ds_put_format(&bad, "%s'%s'", bad.len ? ", " : "",
                              args[i].key);
                continue;
            }
            e = parse_control(&args[i], max_limit, q);
            continue;
        }
        if (!strcmp(def->singular, "port")
            && !strcmp(args[i].key, "ip_address_substr")) {
            char *f = xasprintf("ip_address_substr=%s", args[i].value);
            e = add_fixed_ip_filter(q, f);
            free(f);
            continue;
        }
        a = resource_attr(def, args[i].key);
        if (!a || !(a->flags & A_FILTER)) {
            if (!json_object_get(seen, args[i].key)) {
                json_object_set_new(seen, args[i].key, json_true());
                ds_put_format(&bad, "%s'%s'", bad.len ? ", " : "",
                              args[i].key);
            }
            continue;
        }
        e = add_filter(q, a, args[i].value);
    }
    if (!e && bad.len) {
        e = api_bad_request("[%s] is invalid attribute for filtering",
                            ds_cstr(&bad));
    }
    ds_destroy(&bad);
    json_decref(seen);
    return e;
}

struct api_error *
list_query_parse(const struct resource_def *def, const struct http_arg *args,
                 size_t n, long max_limit, struct list_query *q)
{
    struct api_error *e;

    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < n; i++) {
        if (!utf8_is_valid(args[i].key) || !utf8_is_valid(args[i].value)) {
            return api_invalid_input("Query arguments must be UTF-8");
        }
    }
    e = parse_args(def, args, n, max_limit, q);
    if (!e) {
        e = parse_sorts(def, args, n, q);
    }
    if (!e && max_limit > 0 && !q->limit) {
        q->limit = max_limit;
    }
    if (!e && !q->limit) {
        /* Neutron pages only with a limit; a lone marker is ignored. */
        free(q->marker);
        q->marker = NULL;
    }
    if (e) {
        list_query_destroy(q);
    }
    return e;
}

void
list_query_destroy(struct list_query *q)
{
    for (size_t i = 0; i < q->n_filters; i++) {
        json_decref(q->filters[i].values);
    }
    free(q->filters);
    strv_free(q->fields);
    free(q->sorts);
    free(q->marker);
    strv_free(q->tags);
    strv_free(q->tags_any);
    strv_free(q->not_tags);
    strv_free(q->not_tags_any);
    free(q->changed_since);
    json_decref(q->fixed_ip_addresses);
    json_decref(q->fixed_ip_subnets);
    json_decref(q->fixed_ip_substrs);
    memset(q, 0, sizeof *q);
}

bool
query_fields_want(char *const *fields, const char *name)
{
    for (size_t i = 0; fields && fields[i]; i++) {
        if (!strcmp(fields[i], name)) {
            return true;
        }
    }
    return !fields;
}

char **
query_parse_fields(const struct http_arg *args, size_t n)
{
    char **fields = NULL;

    for (size_t i = 0; i < n; i++) {
        if (!strcmp(args[i].key, "fields")) {
            fields = strv_append(fields, args[i].value);
        }
    }
    return fields;
}
