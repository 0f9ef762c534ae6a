#include "core/config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

struct config_loader {
    const struct config_option *options;
    size_t n_options;
    void *target;
    FILE *file;
    int line;     /* Lines read so far. */
    int bad_line; /* Line of 'reason', or 0. */
    char *reason; /* First rejected value's explanation. */
};

int
parse_boolean(const char *s)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "t", "y"};
    static const char *const no[] = {"false", "no", "off", "0", "f", "n"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcasecmp(s, yes[i])) {
            return 1;
        }
        if (!strcasecmp(s, no[i])) {
            return 0;
        }
    }
    return -EINVAL;
}

int
config_parse_string(const char *value, void *field, const void *arg,
                    char **ret_reason)
{
    char **s = field;

    free(*s);
    *s = xstrdup(value);
    return 0;
}

int
config_parse_bool(const char *value, void *field, const void *arg,
                  char **ret_reason)
{
    int b = parse_boolean(value);

    if (b < 0) {
        *ret_reason = xstrdup("not a boolean");
        return -EINVAL;
    }
    *(bool *) field = b;
    return 0;
}

int
config_parse_int(const char *value, void *field, const void *arg,
                 char **ret_reason)
{
    const struct config_int_range *range = arg;
    char *end;
    long long v;

    errno = 0;
    v = strtoll(value, &end, 10);
    if (errno || end == value || *end || v < INT_MIN || v > INT_MAX) {
        *ret_reason = xstrdup("not an integer");
        return -EINVAL;
    }
    if (range && (v < range->min || v > range->max)) {
        *ret_reason =
            xasprintf("must be between %lld and %lld", range->min, range->max);
        return -ERANGE;
    }
    *(int *) field = v;
    return 0;
}

int
config_parse_strv(const char *value, void *field, const void *arg,
                  char **ret_reason)
{
    char ***v = field;

    strv_free(*v);
    *v = strv_split_commas(value);
    return 0;
}

static int
config_handler(void *user, const char *section, const char *key,
               const char *value)
{
    struct config_loader *loader = user;

    for (size_t i = 0; i < loader->n_options; i++) {
        const struct config_option *o = &loader->options[i];
        char *reason = NULL;

        if (strcmp(o->section, section) || strcmp(o->key, key)) {
            continue;
        }
        if (o->parse(value, (char *) loader->target + o->offset, o->arg,
                     &reason)
            < 0) {
            if (!loader->reason) {
                loader->bad_line = loader->line;
                loader->reason = xasprintf("invalid value '%s' for [%s] %s: "
                                           "%s",
                                           value, section, key,
                                           reason ? reason : "invalid");
            }
            free(reason);
            return 0;
        }
        return 1;
    }
    return 1; /* Unknown options are ignored. */
}

/* inih's line reader, counting lines so a rejected value can be reported
 * with its own line number. */
static char *
read_line(char *buf, int size, void *aux)
{
    struct config_loader *loader = aux;
    char *s;

    /* Zeroed first, so a newline is found even after a NUL byte. */
    memset(buf, 0, size);
    s = fgets(buf, size, loader->file);
    if (s && (memchr(buf, '\n', size) || feof(loader->file))) {
        loader->line++;
    }
    return s;
}

static int
load_file(const char *path, struct config_loader *loader, char **ret_error)
{
    int line;

    loader->file = fopen(path, "re");
    if (!loader->file) {
        *ret_error = xasprintf("%s: cannot open: %s", path, strerror(errno));
        return -ENOENT;
    }
    line = ini_parse_stream(read_line, loader, config_handler, loader);
    fclose(loader->file);
    if (line == 0) {
        return 0;
    }
    /* The first problem in the file: a syntax error or a bad value. */
    if (loader->reason && loader->bad_line <= line) {
        *ret_error =
            xasprintf("%s:%d: %s", path, loader->bad_line, loader->reason);
    } else {
        *ret_error = xasprintf("%s:%d: syntax error", path, line);
    }
    free(loader->reason);
    return -EINVAL;
}

int
config_load(char *const *files, size_t n_files,
            const struct config_option *options, size_t n_options,
            void *target, char **ret_error)
{
    for (size_t i = 0; i < n_files; i++) {
        struct config_loader loader = {options, n_options, target};
        int r = load_file(files[i], &loader, ret_error);

        if (r) {
            return r;
        }
    }
    return 0;
}

char **
strv_split_commas(const char *s)
{
    size_t n = 0, cap = 4;
    char **v = xmalloc(cap * sizeof *v);

    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t) (end - s) : strlen(s);
        const char *start = s;

        s = end ? end + 1 : s + len;
        while (len && (*start == ' ' || *start == '\t')) {
            start++, len--;
        }
        while (len && (start[len - 1] == ' ' || start[len - 1] == '\t')) {
            len--;
        }
        if (!len) {
            continue;
        }
        if (n + 2 > cap) {
            cap *= 2;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n++] = xstrndup(start, len);
    }
    v[n] = NULL;
    return v;
}

size_t
strv_length(char *const *v)
{
    size_t n = 0;

    while (v && v[n]) {
        n++;
    }
    return n;
}

void
strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++) {
        free(v[i]);
    }
    free(v);
}
