#include "cli/cli-args.h"

#include <errno.h>

#include "core/ds.h"

/* Points '*t' and '*i' at the option 'name' of the tables, or returns
 * false. */
static bool
find_exact(const struct cli_args *a, const char *name, size_t len, size_t *t,
           size_t *i)
{
    for (*t = 0; a->tables[*t]; (*t)++) {
        for (*i = 0; *i < a->sizes[*t]; (*i)++) {
            const struct cli_opt *o = &a->tables[*t][*i];

            if ((strlen(o->name) == len && !strncmp(o->name, name, len))
                || (o->alias && strlen(o->alias) == len
                    && !strncmp(o->alias, name, len))) {
                return true;
            }
        }
    }
    return false;
}

/* Slot number of option (t, i) in 'values' and 'counts'. */
static size_t
slot(const struct cli_args *a, size_t t, size_t i)
{
    size_t s = i;

    for (size_t k = 0; k < t; k++) {
        s += a->sizes[k];
    }
    return s;
}

/* argparse's long-option lookup: exact, else a unique prefix. */
static int
find_long(const struct cli_args *a, const char *word, size_t len, size_t *t,
          size_t *i, struct ds *err)
{
    size_t n = 0;

    if (find_exact(a, word, len, t, i)) {
        return 0;
    }
    for (size_t tt = 0; a->tables[tt]; tt++) {
        for (size_t ii = 0; ii < a->sizes[tt]; ii++) {
            if (!strncmp(a->tables[tt][ii].name, word, len)) {
                ds_put_format(err, "%s%s", n ? ", " : "",
                              a->tables[tt][ii].name);
                *t = tt;
                *i = ii;
                n++;
            }
        }
    }
    if (n == 1) {
        ds_clear(err);
        return 0;
    }
    if (n) {
        char *list = ds_steal(err);

        ds_put_format(err, "ambiguous option: %.*s could match %s", (int) len,
                      word, list);
        free(list);
    } else {
        ds_put_format(err, "unrecognized arguments: %s", word);
    }
    return -EINVAL;
}

static void
add_value(struct cli_args *a, size_t s, const char *value)
{
    a->values[s] =
        xrealloc(a->values[s], (a->counts[s] + 1) * sizeof *a->values[s]);
    a->values[s][a->counts[s]++] = value;
}

/* argparse refuses two options of one mutually exclusive group. */
static int
check_group(const struct cli_args *a, size_t t, size_t i, struct ds *err)
{
    const struct cli_opt *o = &a->tables[t][i];

    if (!o->group) {
        return 0;
    }
    for (size_t tt = 0; a->tables[tt]; tt++) {
        for (size_t ii = 0; ii < a->sizes[tt]; ii++) {
            const struct cli_opt *other = &a->tables[tt][ii];

            if (other != o && other->group == o->group
                && a->counts[slot(a, tt, ii)]) {
                ds_put_format(err, "argument %s: not allowed with argument %s",
                              o->name, other->name);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* Handles the option word argv[*k]; may consume the next word. */
static int
parse_option(struct cli_args *a, int argc, char **argv, int *k, struct ds *err)
{
    const char *word = argv[*k];
    const char *inline_value = NULL;
    size_t len, t, i;
    int r;

    if (word[1] == '-') {
        const char *eq = strchr(word, '=');

        len = eq ? (size_t) (eq - word) : strlen(word);
        inline_value = eq ? eq + 1 : NULL;
        r = find_long(a, word, len, &t, &i, err);
    } else {
        len = 2;
        inline_value = word[2] ? word + 2 : NULL;
        r = find_exact(a, word, 2, &t, &i) ? 0 : -EINVAL;
        if (r < 0) {
            ds_put_format(err, "unrecognized arguments: %s", word);
        }
    }
    if (r < 0) {
        return r;
    }
    r = check_group(a, t, i, err);
    if (r < 0) {
        return r;
    }
    if (a->tables[t][i].kind == CLI_OPT_FLAG) {
        if (inline_value) {
            ds_put_format(err, "argument %s: ignored explicit argument '%s'",
                          a->tables[t][i].name, inline_value);
            return -EINVAL;
        }
        add_value(a, slot(a, t, i), "");
        return 0;
    }
    if (!inline_value) {
        if (*k + 1 >= argc
            || (argv[*k + 1][0] == '-' && argv[*k + 1][1] != '\0')) {
            ds_put_format(err, "argument %s: expected one argument",
                          a->tables[t][i].name);
            return -EINVAL;
        }
        inline_value = argv[++*k];
    }
    add_value(a, slot(a, t, i), inline_value);
    return 0;
}

int
cli_args_parse(struct cli_args *a, const struct cli_opt *const *tables,
               const size_t *sizes, int argc, char **argv, char **ret_error)
{
    struct ds err = DS_EMPTY_INITIALIZER;
    size_t n_slots = 0;
    bool options_done = false;

    for (size_t t = 0; tables[t]; t++) {
        n_slots += sizes[t];
    }
    a->tables = tables;
    a->sizes = sizes;
    a->values = xcalloc(n_slots + 1, sizeof *a->values);
    a->counts = xcalloc(n_slots + 1, sizeof *a->counts);
    a->pos = xcalloc((size_t) argc + 1, sizeof *a->pos);
    a->n_pos = 0;
    for (int k = 0; k < argc; k++) {
        const char *w = argv[k];

        if (options_done || w[0] != '-' || w[1] == '\0') {
            a->pos[a->n_pos++] = w;
        } else if (streq(w, "--")) {
            options_done = true;
        } else if (parse_option(a, argc, argv, &k, &err) < 0) {
            *ret_error = ds_steal(&err);
            return -EINVAL;
        }
    }
    ds_destroy(&err);
    return 0;
}

void
cli_args_destroy(struct cli_args *a)
{
    if (a && a->values) {
        size_t n_slots = 0;

        for (size_t t = 0; a->tables[t]; t++) {
            n_slots += a->sizes[t];
        }
        for (size_t s = 0; s < n_slots; s++) {
            free(a->values[s]);
        }
        free(a->values);
        free(a->counts);
        free(a->pos);
        a->values = NULL;
    }
}

size_t
cli_args_values(const struct cli_args *a, const char *name,
                const char *const **ret_values)
{
    size_t t, i;

    if (!find_exact(a, name, strlen(name), &t, &i)) {
        *ret_values = NULL;
        return 0;
    }
    *ret_values = a->values[slot(a, t, i)];
    return a->counts[slot(a, t, i)];
}

bool
cli_args_flag(const struct cli_args *a, const char *name)
{
    const char *const *values;

    return cli_args_values(a, name, &values) > 0;
}

const char *
cli_args_value(const struct cli_args *a, const char *name)
{
    const char *const *values;
    size_t n = cli_args_values(a, name, &values);

    return n ? values[n - 1] : NULL;
}
