#include "cli/cli-resource.h"

#include <errno.h>
#include <stdlib.h>

static json_t *
int_or_string(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    return *s && !*end ? json_integer(v) : json_string(s);
}

void
cli_attrs_apply(json_t *attrs, const struct cli_args *args,
                const struct cli_attr *map, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *const *values;
        size_t n_values = cli_args_values(args, map[i].opt, &values);
        json_t *v = NULL;

        if (!n_values) {
            continue;
        }
        switch (map[i].kind) {
        case CLI_ATTR_STRING:
            v = json_string(values[n_values - 1]);
            break;
        case CLI_ATTR_INT:
            v = int_or_string(values[n_values - 1]);
            break;
        case CLI_ATTR_TRUE:
            v = json_true();
            break;
        case CLI_ATTR_FALSE:
            v = json_false();
            break;
        case CLI_ATTR_NULL:
            v = json_null();
            break;
        case CLI_ATTR_LIST:
            v = json_array();
            for (size_t k = 0; k < n_values; k++) {
                json_array_append_new(v, json_string(values[k]));
            }
            break;
        }
        json_object_set_new(attrs, map[i].key, v);
    }
}

static bool
key_in(const char *key, const char *const *keys)
{
    for (; keys && *keys; keys++) {
        if (streq(key, *keys)) {
            return true;
        }
    }
    return false;
}

json_t *
cli_parse_kv(struct cli_ctx *ctx, const char *opt, const char *text,
             const char *const *required, const char *const *optional)
{
    json_t *obj = json_object();
    char *copy = xstrdup(text);
    char *save = NULL;

    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');

        if (!eq) {
            cli_fail(ctx,
                     "argument %s: Expected key=value pairs separated by "
                     "comma, but got: %s",
                     opt, kv);
            goto error;
        }
        *eq = '\0';
        if (!key_in(kv, required) && !key_in(kv, optional)) {
            cli_fail(ctx, "argument %s: Invalid keys %s specified.", opt, kv);
            goto error;
        }
        json_object_set_new(obj, kv, json_string(eq + 1));
    }
    for (; required && *required; required++) {
        if (!json_object_get(obj, *required)) {
            cli_fail(ctx, "argument %s: Missing required keys %s.", opt,
                     *required);
            goto error;
        }
    }
    free(copy);
    return obj;

error:
    free(copy);
    json_decref(obj);
    return NULL;
}

/* The collection's URL path segment. */
static const char *
res_path(const struct cli_resource *res)
{
    return res->path ? res->path : res->plural;
}

void
cli_query_add(struct ds *query, const char *key, const char *value)
{
    char *k = cli_api_escape(key);
    char *v = cli_api_escape(value);

    ds_put_format(query, "%c%s=%s", query->len ? '&' : '?', k, v);
    free(k);
    free(v);
}

/* Runs one request; on a status other than 'want' fails with the API's
 * message.  '*ret' (optional) gets the answer. */
static int
call(struct cli_ctx *ctx, const char *method, const char *path,
     const json_t *body, long want, json_t **ret)
{
    json_t *answer = NULL;
    char *error = NULL;
    int status =
        cli_api_request(ctx->api, method, path, body, &answer, &error);

    if (status != want) {
        json_decref(answer);
        free(ctx->error);
        ctx->error = error ? error
                           : xasprintf("Unexpected status %d from %s %s",
                                       status, method, path);
        return status < 0 ? status : -EPROTO;
    }
    free(error);
    if (ret) {
        *ret = answer;
    } else {
        json_decref(answer);
    }
    return 0;
}

/* The object under 'key' in 'answer', taken from it. */
static int
unwrap(struct cli_ctx *ctx, json_t *answer, const char *key, json_t **ret)
{
    json_t *obj = json_object_get(answer, key);

    if (!obj) {
        json_decref(answer);
        return cli_fail(ctx, "The answer has no '%s'", key);
    }
    *ret = json_incref(obj);
    json_decref(answer);
    return 0;
}

/* The start of cli-api's text for a 404. */
#define NOT_FOUND "NotFoundException: 404"

int
cli_get(struct cli_ctx *ctx, const struct cli_resource *res, const char *id,
        json_t **ret)
{
    char *eid = cli_api_escape(id);
    char *path = xasprintf("/%s/%s", res_path(res), eid);
    json_t *answer;
    int r = call(ctx, "GET", path, NULL, 200, &answer);

    free(path);
    free(eid);
    if (r < 0 && ctx->error && str_startswith(ctx->error, NOT_FOUND)) {
        /* openstacksdk's get() names what it did not find. */
        char *msg = xasprintf("No %s found for %s%s", res->title, id,
                              ctx->error + strlen(NOT_FOUND));

        free(ctx->error);
        ctx->error = msg;
    }
    return r < 0 ? r : unwrap(ctx, answer, res->singular, ret);
}

/* The "next" link of a list answer, or NULL. */
static const char *
next_link(const json_t *answer, const char *plural)
{
    char *key = xasprintf("%s_links", plural);
    json_t *links = json_object_get(answer, key);
    json_t *link;
    size_t i;

    free(key);
    json_array_foreach (links, i, link) {
        const char *rel = json_string_value(json_object_get(link, "rel"));

        if (rel && streq(rel, "next")) {
            return json_string_value(json_object_get(link, "href"));
        }
    }
    return NULL;
}

int
cli_list(struct cli_ctx *ctx, const struct cli_resource *res,
         const char *query, json_t **ret)
{
    char *path = xasprintf("/%s%s", res_path(res), query);
    json_t *all = json_array();
    int r;

    /* Pages, when the server's pagination_max_limit makes them, are
     * followed as openstacksdk follows them. */
    for (;;) {
        json_t *answer, *items;
        const char *next;

        r = call(ctx, "GET", path, NULL, 200, &answer);
        free(path);
        path = NULL;
        if (r < 0) {
            break;
        }
        items = json_object_get(answer, res->plural);
        if (!json_is_array(items)) {
            json_decref(answer);
            r = cli_fail(ctx, "The answer has no '%s'", res->plural);
            break;
        }
        json_array_extend(all, items);
        next = next_link(answer, res->plural);
        path = next && json_array_size(items) ? xstrdup(next) : NULL;
        json_decref(answer);
        if (!path) {
            break;
        }
    }
    if (r < 0) {
        json_decref(all);
        return r;
    }
    *ret = all;
    return 0;
}

int
cli_find(struct cli_ctx *ctx, const struct cli_resource *res,
         const char *name_or_id, json_t **ret)
{
    struct ds query = DS_EMPTY_INITIALIZER;
    json_t *items, *item, *match = NULL;
    size_t i;
    int r;

    char *eid = cli_api_escape(name_or_id);
    char *path = xasprintf("/%s/%s", res_path(res), eid);
    json_t *answer = NULL;
    char *error = NULL;
    int status = cli_api_request(ctx->api, "GET", path, NULL, &answer, &error);

    free(path);
    free(eid);
    free(error);
    if (status == 200) {
        return unwrap(ctx, answer, res->singular, ret);
    }
    json_decref(answer);
    /* Not an ID (404 or 400): look for it by name, as openstacksdk. */
    if (!res->no_name_filter) {
        cli_query_add(&query, "name", name_or_id);
    }
    r = cli_list(ctx, res, ds_cstr(&query), &items);
    ds_destroy(&query);
    if (r < 0) {
        return r;
    }
    json_array_foreach (items, i, item) {
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *name = json_string_value(json_object_get(item, "name"));

        if ((id && streq(id, name_or_id))
            || (name && streq(name, name_or_id))) {
            if (match) {
                json_decref(items);
                return cli_fail(ctx,
                                "More than one %s exists with the name '%s'.",
                                res->title, name_or_id);
            }
            match = item;
        }
    }
    if (!match) {
        json_decref(items);
        return cli_fail(ctx, "%sNo %s found for %s",
                        cli_api_wraps_errors(ctx->api)
                            ? "Error while executing command: "
                            : "",
                        res->title, name_or_id);
    }
    *ret = json_incref(match);
    json_decref(items);
    return 0;
}

int
cli_create(struct cli_ctx *ctx, const struct cli_resource *res,
           const json_t *attrs, json_t **ret)
{
    char *path = xasprintf("/%s", res_path(res));
    json_t *body = json_pack("{sO}", res->singular, attrs);
    json_t *answer;
    int r = call(ctx, "POST", path, body, 201, &answer);

    json_decref(body);
    free(path);
    return r < 0 ? r : unwrap(ctx, answer, res->singular, ret);
}

int
cli_update(struct cli_ctx *ctx, const struct cli_resource *res, const char *id,
           const json_t *attrs)
{
    char *eid = cli_api_escape(id);
    char *path = xasprintf("/%s/%s", res_path(res), eid);
    json_t *body = json_pack("{sO}", res->singular, attrs);
    int r = call(ctx, "PUT", path, body, 200, NULL);

    json_decref(body);
    free(path);
    free(eid);
    return r;
}

static int
compare_json_strings(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *) a),
                  json_string_value(*(json_t *const *) b));
}

/* The strings of 'set' (an object used as a set), sorted, as an array. */
static json_t *
sorted_set(const json_t *set)
{
    size_t n = json_object_size(set), i = 0;
    json_t **items = xcalloc(n + 1, sizeof *items);
    json_t *list = json_array();
    const char *key;
    json_t *v;

    json_object_foreach ((json_t *) set, key, v) {
        items[i++] = json_string(key);
    }
    qsort(items, n, sizeof *items, compare_json_strings);
    for (i = 0; i < n; i++) {
        json_array_append_new(list, items[i]);
    }
    free(items);
    return list;
}

int
cli_tags_update(struct cli_ctx *ctx, const struct cli_resource *res,
                json_t *obj, const struct cli_args *args, bool unset)
{
    const char *const *tags;
    size_t n_tags = cli_args_values(args, "--tag", &tags);
    bool clear = cli_args_flag(args, unset ? "--all-tag" : "--no-tag");
    json_t *old = json_object(), *new = json_object();
    json_t *tag;
    size_t i;
    int r = 0;

    json_array_foreach (json_object_get(obj, "tags"), i, tag) {
        json_object_set(old, json_string_value(tag), json_true());
        if (!clear) {
            json_object_set(new, json_string_value(tag), json_true());
        }
    }
    for (i = 0; i < n_tags; i++) {
        if (unset) {
            json_object_del(new, tags[i]);
        } else {
            json_object_set(new, tags[i], json_true());
        }
    }
    if (!json_equal(old, new)) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        char *eid = cli_api_escape(id ? id : "");
        char *path = xasprintf("/%s/%s/tags", res_path(res), eid);
        json_t *list = sorted_set(new);
        json_t *body = json_pack("{sO}", "tags", list);

        r = call(ctx, "PUT", path, body, 200, NULL);
        if (!r) {
            json_object_set(obj, "tags", list);
        }
        json_decref(body);
        json_decref(list);
        free(path);
        free(eid);
    }
    json_decref(old);
    json_decref(new);
    return r;
}

/* openstacksdk's delete() and member actions raise its ResourceNotFound
 * for a 404. */
static void
resource_not_found(struct cli_ctx *ctx, int r)
{
    if (r < 0 && ctx->error && str_startswith(ctx->error, NOT_FOUND)) {
        char *msg = xasprintf("ResourceNotFound%s",
                              ctx->error + strlen("NotFoundException"));

        free(ctx->error);
        ctx->error = msg;
    }
}

int
cli_action(struct cli_ctx *ctx, const struct cli_resource *res, const char *id,
           const char *action, const json_t *body)
{
    char *eid = cli_api_escape(id);
    char *path = xasprintf("/%s/%s/%s", res_path(res), eid, action);
    int r = call(ctx, "PUT", path, body, 200, NULL);

    resource_not_found(ctx, r);
    free(path);
    free(eid);
    return r;
}

static int
delete_one(struct cli_ctx *ctx, const struct cli_resource *res,
           const char *name_or_id, bool by_id)
{
    json_t *obj = NULL;
    char *eid, *path;
    int r;

    if (!by_id) {
        r = cli_find(ctx, res, name_or_id, &obj);
        if (r < 0) {
            return r;
        }
        name_or_id = json_string_value(json_object_get(obj, "id"));
    }
    eid = cli_api_escape(name_or_id ? name_or_id : "");
    path = xasprintf("/%s/%s", res_path(res), eid);
    r = call(ctx, "DELETE", path, NULL, 204, NULL);
    resource_not_found(ctx, r);
    free(path);
    free(eid);
    json_decref(obj);
    return r;
}

int
cli_delete_all(struct cli_ctx *ctx, const struct cli_resource *res,
               const char *label, const struct cli_args *args, bool by_id)
{
    struct ds log = DS_EMPTY_INITIALIZER;
    size_t failed = 0;

    for (size_t i = 0; i < args->n_pos; i++) {
        if (delete_one(ctx, res, args->pos[i], by_id) < 0) {
            ds_put_format(&log, "Failed to delete %s with %s '%s': %s\n",
                          label, by_id ? "ID" : "name or ID", args->pos[i],
                          ctx->error);
            failed++;
        }
    }
    if (failed) {
        ds_put_format(&log, "%zu of %zu %ss failed to delete.", failed,
                      args->n_pos, label);
        free(ctx->error);
        ctx->error = ds_steal(&log);
        return -EINVAL;
    }
    ds_destroy(&log);
    return 0;
}

static void
fill_row(struct cli_cell *row, const struct cli_column *cols, size_t n,
         const json_t *obj)
{
    for (size_t i = 0; i < n; i++) {
        cli_cell_init(&row[i], cols[i].fmt, json_object_get(obj, cols[i].key));
    }
}

static const char **
column_names(const struct cli_column *cols, size_t n)
{
    const char **names = xcalloc(n + 1, sizeof *names);

    for (size_t i = 0; i < n; i++) {
        names[i] = cols[i].name;
    }
    return names;
}

/* Prints 'res' as a list or one object and frees it. */
static int
print_result(struct cli_ctx *ctx, struct cli_result *res, bool one)
{
    char *error = NULL;
    int r = one ? cli_format_one(&ctx->out, &ctx->fmt, res, &error)
                : cli_format_list(&ctx->out, &ctx->fmt, res, &error);

    if (r < 0) {
        free(ctx->error);
        ctx->error = error;
    }
    cli_result_destroy(res);
    return r;
}

int
cli_print_one(struct cli_ctx *ctx, const struct cli_resource *rsc,
              const json_t *obj)
{
    const char **names = column_names(rsc->show, rsc->n_show);
    struct cli_result res;
    int r;

    cli_result_init(&res, names, rsc->n_show);
    fill_row(cli_result_add_row(&res), rsc->show, rsc->n_show, obj);
    r = print_result(ctx, &res, true);
    free(names);
    return r;
}

int
cli_print_list(struct cli_ctx *ctx, const struct cli_column *cols,
               size_t n_cols, const json_t *items)
{
    const char **names = column_names(cols, n_cols);
    struct cli_result res;
    json_t *item;
    size_t i;
    int r;

    cli_result_init(&res, names, n_cols);
    json_array_foreach (items, i, item) {
        fill_row(cli_result_add_row(&res), cols, n_cols, item);
    }
    cli_format_sort(&res, ctx->sort, ctx->n_sort, ctx->sort_descending,
                    &ctx->warnings);
    r = print_result(ctx, &res, false);
    free(names);
    return r;
}

int
cli_list_print(struct cli_ctx *ctx, const struct cli_resource *res,
               struct ds *query, const struct cli_column *cols, size_t n_cols)
{
    json_t *items;
    int r = cli_list(ctx, res, ds_cstr(query), &items);

    ds_destroy(query);
    if (r < 0) {
        return r;
    }
    r = cli_print_list(ctx, cols, n_cols, items);
    json_decref(items);
    return r;
}

void
cli_tag_filters(struct ds *query, const struct cli_args *args)
{
    static const char *const filters[][2] = {
        {"--tags", "tags"},
        {"--any-tags", "tags-any"},
        {"--not-tags", "not-tags"},
        {"--not-any-tags", "not-tags-any"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
        const char *v = cli_args_value(args, filters[i][0]);

        if (v) {
            cli_query_add(query, filters[i][1], v);
        }
    }
}

int
cli_apply(struct cli_ctx *ctx, const struct cli_resource *res, json_t *obj,
          json_t *attrs, const struct cli_args *args, bool unset)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    int r = 0;

    if (json_object_size(attrs)) {
        r = cli_update(ctx, res, id, attrs);
    }
    if (!r) {
        r = cli_tags_update(ctx, res, obj, args, unset);
    }
    json_decref(attrs);
    return r;
}

int
cli_create_print(struct cli_ctx *ctx, const struct cli_resource *res,
                 const json_t *attrs, const struct cli_args *args)
{
    json_t *obj = NULL;
    int r = cli_create(ctx, res, attrs, &obj);

    if (!r) {
        r = cli_tags_update(ctx, res, obj, args, false);
    }
    if (!r) {
        r = cli_print_one(ctx, res, obj);
    }
    json_decref(obj);
    return r;
}

int
cli_show(struct cli_ctx *ctx, const struct cli_resource *res,
         const char *name_or_id)
{
    json_t *obj;
    int r = cli_find(ctx, res, name_or_id, &obj);

    if (r < 0) {
        return r;
    }
    r = cli_print_one(ctx, res, obj);
    json_decref(obj);
    return r;
}

int
cli_remove_items(struct cli_ctx *ctx, json_t *list, const json_t *items,
                 const char *noun, const char *what)
{
    size_t i, k;
    json_t *item, *have;

    json_array_foreach (items, i, item) {
        bool found = false;

        json_array_foreach (list, k, have) {
            if (json_equal(have, item)) {
                json_array_remove(list, k);
                found = true;
                break;
            }
        }
        if (!found) {
            char *text = json_is_string(item)
                             ? xstrdup(json_string_value(item))
                             : cli_pystr(item);
            int r =
                cli_fail(ctx, "%s does not contain %s %s", noun, what, text);

            free(text);
            return r;
        }
    }
    return 0;
}
