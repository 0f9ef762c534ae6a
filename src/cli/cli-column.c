#include "cli/cli-column.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ds.h"
#include "core/util.h"

static void put_pystr(struct ds *, const json_t *);
static void put_pyrepr(struct ds *, const json_t *);

/* Python's repr() of a str: single quotes unless the text holds a single
 * quote and no double quote; control characters escaped. */
static void
put_pyrepr_string(struct ds *out, const char *s)
{
    char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

    ds_put_char(out, quote);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p == '\\' || *p == (unsigned char) quote) {
            ds_put_char(out, '\\');
            ds_put_char(out, (char) *p);
        } else if (*p == '\n') {
            ds_put_cstr(out, "\\n");
        } else if (*p == '\r') {
            ds_put_cstr(out, "\\r");
        } else if (*p == '\t') {
            ds_put_cstr(out, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            ds_put_format(out, "\\x%02x", *p);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* U+0080..U+009F are not printable for Python either. */
            ds_put_format(out, "\\x%02x", p[1]);
            p++;
        } else {
            ds_put_char(out, (char) *p);
        }
    }
    ds_put_char(out, quote);
}

/* Python's repr() of a float: the shortest text that reads back the same,
 * always with a '.' or an exponent. */
static void
put_pyfloat(struct ds *out, double d)
{
    char buf[64];

    if (isnan(d)) {
        ds_put_cstr(out, "nan");
        return;
    }
    if (isinf(d)) {
        ds_put_cstr(out, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    ds_put_cstr(out, buf);
    if (!strpbrk(buf, ".en")) {
        ds_put_cstr(out, ".0");
    }
}

static void
put_pycontainer(struct ds *out, const json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *item;

        ds_put_char(out, '[');
        json_array_foreach (v, i, item) {
            ds_put_cstr(out, i ? ", " : "");
            put_pyrepr(out, item);
        }
        ds_put_char(out, ']');
    } else {
        const char *key;
        json_t *item;
        bool first = true;

        ds_put_char(out, '{');
        json_object_foreach ((json_t *) v, key, item) {
            ds_put_cstr(out, first ? "" : ", ");
            put_pyrepr_string(out, key);
            ds_put_cstr(out, ": ");
            put_pyrepr(out, item);
            first = false;
        }
        ds_put_char(out, '}');
    }
}

static void
put_pyrepr(struct ds *out, const json_t *v)
{
    if (json_is_string(v)) {
        put_pyrepr_string(out, json_string_value(v));
    } else {
        put_pystr(out, v);
    }
}

static void
put_pystr(struct ds *out, const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        ds_put_cstr(out, json_string_value(v));
        break;
    case JSON_INTEGER:
        ds_put_format(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        put_pyfloat(out, json_real_value(v));
        break;
    case JSON_TRUE:
        ds_put_cstr(out, "True");
        break;
    case JSON_FALSE:
        ds_put_cstr(out, "False");
        break;
    case JSON_NULL:
        ds_put_cstr(out, "None");
        break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        put_pycontainer(out, v);
        break;
    }
}

char *
cli_pystr(const json_t *value)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    put_pystr(&out, value);
    return ds_steal(&out);
}

char *
cli_pyrepr(const json_t *value)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    put_pyrepr(&out, value);
    return ds_steal(&out);
}

static int
compare_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The object's keys in Python's sorted() order (code points, which is
 * byte order in UTF-8).  The caller frees the array, not the keys. */
static const char **
sorted_keys(const json_t *obj, size_t *n)
{
    const char **keys = xcalloc(json_object_size(obj) + 1, sizeof *keys);
    const char *key;
    json_t *value;

    *n = 0;
    json_object_foreach ((json_t *) obj, key, value) {
        keys[(*n)++] = key;
    }
    qsort(keys, *n, sizeof *keys, compare_cstr);
    return keys;
}

/* osc_lib.utils.format_dict(): "key='value', ..." with nested dicts
 * flattened to "outer.inner='value'" and None as "key=". */
static void
put_dict(struct ds *out, const json_t *obj, const char *prefix)
{
    size_t n;
    const char **keys = sorted_keys(obj, &n);
    size_t start = out->len;

    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        char *key =
            prefix ? xasprintf("%s.%s", prefix, keys[i]) : xstrdup(keys[i]);

        if (json_is_object(v)) {
            put_dict(out, v, key);
        } else if (json_is_null(v)) {
            ds_put_format(out, "%s=", key);
        } else {
            ds_put_format(out, "%s='", key);
            put_pystr(out, v);
            ds_put_char(out, '\'');
        }
        ds_put_cstr(out, ", ");
        free(key);
    }
    /* Python's output[:-2], also when there was nothing to cut. */
    out->len = out->len - start >= 2 ? out->len - 2 : start;
    if (out->s) {
        out->s[out->len] = '\0';
    }
    free(keys);
}

/* osc_lib.utils.format_list(): the items' text, sorted, joined by ", ". */
static void
put_list(struct ds *out, const json_t *list)
{
    size_t n = json_array_size(list);
    char **items = xcalloc(n + 1, sizeof *items);

    for (size_t i = 0; i < n; i++) {
        items[i] = cli_pystr(json_array_get(list, i));
    }
    qsort(items, n, sizeof *items, compare_cstr);
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(out, i ? ", " : "");
        ds_put_cstr(out, items[i]);
        free(items[i]);
    }
    free(items);
}

/* osc_lib.utils.format_list_of_dicts(): one format_dict() per line.
 * 'rename_nexthop' shows host routes' "nexthop" as "gateway", as
 * HostRoutesColumn does. */
static void
put_list_of_dicts(struct ds *out, const json_t *list, bool rename_nexthop)
{
    size_t i;
    json_t *item;

    json_array_foreach (list, i, item) {
        ds_put_cstr(out, i ? "\n" : "");
        if (!json_is_object(item)) {
            put_pystr(out, item);
        } else if (rename_nexthop && json_object_get(item, "nexthop")) {
            json_t *copy = json_deep_copy(item);

            json_object_set(copy, "gateway", json_object_get(item, "nexthop"));
            json_object_del(copy, "nexthop");
            put_dict(out, copy, NULL);
            json_decref(copy);
        } else {
            put_dict(out, item, NULL);
        }
    }
}

/* Python's truth value of a decoded JSON value. */
static bool
py_truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0;
    case JSON_TRUE:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    case JSON_FALSE:
    case JSON_NULL:
        break;
    }
    return false;
}

/* security_group.py's NetworkSecurityGroupRulesColumn: each rule without
 * its empty values and the ids the reader knows (group, project). */
static void
put_sg_rules(struct ds *out, const json_t *rules)
{
    static const char *const known[] = {"security_group_id", "tenant_id",
                                        "project_id"};
    json_t *trimmed = json_array();
    json_t *rule;
    size_t i;

    json_array_foreach (rules, i, rule) {
        json_t *copy = json_object();
        const char *key;
        json_t *v;

        json_object_foreach ((json_t *) rule, key, v) {
            if (py_truthy(v)) {
                json_object_set(copy, key, v);
            }
        }
        for (size_t k = 0; k < ARRAY_SIZE(known); k++) {
            json_object_del(copy, known[k]);
        }
        json_array_append_new(trimmed, copy);
    }
    put_list_of_dicts(out, trimmed, false);
    json_decref(trimmed);
}

/* AllocationPoolsColumn: "start-end" per pool, joined by ','. */
static void
put_pools(struct ds *out, const json_t *pools)
{
    size_t i;
    json_t *pool;

    json_array_foreach (pools, i, pool) {
        json_t *start = json_object_get(pool, "start");
        json_t *end = json_object_get(pool, "end");

        ds_put_cstr(out, i ? "," : "");
        if (start) {
            put_pystr(out, start);
        }
        ds_put_char(out, '-');
        if (end) {
            put_pystr(out, end);
        }
    }
}

/* The table text of 'v' under 'fmt' (Formattable's human_readable(), or
 * str() for plain values). */
static void
put_human(struct ds *out, enum cli_fmt fmt, const json_t *v)
{
    bool set = v && !json_is_null(v) && !json_is_false(v);

    switch (fmt) {
    case CLI_FMT_ADMIN_STATE:
        ds_put_cstr(out, set ? "UP" : "DOWN");
        return;
    case CLI_FMT_EXTERNAL:
        ds_put_cstr(out, set ? "External" : "Internal");
        return;
    case CLI_FMT_ALIVE:
        ds_put_cstr(out, set ? ":-)" : "XXX");
        return;
    case CLI_FMT_RAW:
        break;
    case CLI_FMT_LIST:
        if (json_is_array(v)) {
            put_list(out, v);
            return;
        }
        break;
    case CLI_FMT_DICT:
        if (json_is_object(v)) {
            put_dict(out, v, NULL);
            return;
        }
        break;
    case CLI_FMT_LIST_DICT:
    case CLI_FMT_ROUTES:
        if (json_is_array(v)) {
            put_list_of_dicts(out, v, fmt == CLI_FMT_ROUTES);
            return;
        }
        break;
    case CLI_FMT_POOLS:
        if (json_is_array(v)) {
            put_pools(out, v);
        }
        return;
    case CLI_FMT_BLANK:
        return;
    case CLI_FMT_TAGS:
        break;
    case CLI_FMT_SG_RULES:
        if (json_is_array(v)) {
            put_sg_rules(out, v);
            return;
        }
        break;
    }
    put_pystr(out, v);
}

void
cli_cell_init(struct cli_cell *cell, enum cli_fmt fmt, const json_t *value)
{
    struct ds human = DS_EMPTY_INITIALIZER;
    json_t *empty = NULL;

    if (fmt == CLI_FMT_TAGS) {
        fmt = CLI_FMT_RAW;
        value = value ? value : (empty = json_array());
    }
    put_human(&human, fmt, value);
    cell->human = ds_steal(&human);
    if (fmt == CLI_FMT_BLANK) {
        cell->machine = json_string("");
    } else if (fmt == CLI_FMT_DICT && !json_is_object(value)) {
        /* DictColumn.machine_readable() is dict(value or {}). */
        cell->machine = json_object();
    } else {
        cell->machine = value ? json_deep_copy(value) : json_null();
    }
    cell->numeric = fmt == CLI_FMT_RAW && json_is_number(value);
    cell->formatted = fmt != CLI_FMT_RAW;
    json_decref(empty);
}

void
cli_cell_destroy(struct cli_cell *cell)
{
    if (cell) {
        free(cell->human);
        json_decref(cell->machine);
        cell->human = NULL;
        cell->machine = NULL;
    }
}
