/* INI configuration files in oslo.config's shape ("[DEFAULT]", "key =
 * value"), loaded through a table that maps (section, key) to a typed parser
 * and the offset of the field it fills.
 *
 * Files are read in order and a later value replaces an earlier one, like
 * repeated --config-file options.  Keys the table does not know are ignored,
 * as oslo.config ignores options nobody registered.  A value a parser
 * rejects stops loading with "FILE:LINE: ..." so start-up fails clearly. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H 1

#include <stddef.h>

#include "core/util.h"

/* Parses 'value' into 'field'.  'arg' is the table entry's extra argument.
 * Returns 0, or a negative errno with '*ret_reason' set to a malloc'd
 * explanation. */
typedef int config_parse_func(const char *value, void *field, const void *arg,
                              char **ret_reason);

struct config_option {
    const char *section; /* "DEFAULT", "database", ... */
    const char *key;
    config_parse_func *parse;
    size_t offset;   /* Of the field within the target struct. */
    const void *arg; /* Passed to 'parse'. */
};

/* Inclusive bounds for config_parse_int. */
struct config_int_range {
    long long min, max;
};

/* A char * field: replaced by a copy of the value (the old one is freed). */
config_parse_func config_parse_string;
/* A bool field: true/false, yes/no, on/off, 1/0, any case. */
config_parse_func config_parse_bool;
/* An int field, within '*arg' (a struct config_int_range) if given. */
config_parse_func config_parse_int;
/* A char ** field (NULL-terminated, see strv_free()): a comma-separated
 * list, items trimmed, empty items dropped. */
config_parse_func config_parse_strv;

/* Loads 'files' (in order) into 'target' through 'options'.  Returns 0, or
 * a negative errno with '*ret_error' set to a malloc'd "FILE:LINE: reason".
 * On failure 'target' may hold values from earlier lines; the caller frees
 * it as usual. */
int config_load(char *const *files, size_t n_files,
                const struct config_option *options, size_t n_options,
                void *target, char **ret_error) WARN_UNUSED;

/* Splits 's' at commas into a NULL-terminated vector, trimming blanks and
 * dropping empty items.  The caller frees it with strv_free(). */
char **strv_split_commas(const char *s);
size_t strv_length(char *const *v);
void strv_free(char **v);

/* Parses a boolean the way oslo.config and Neutron's converters do. Returns
 * 0 or 1, or -EINVAL. */
int parse_boolean(const char *s);

#endif /* core/config.h */
