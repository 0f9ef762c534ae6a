/* The output formatters of cliff, as the openstack CLI uses them: a
 * result (column names and rows of cells, see cli-column.h) printed as a
 * prettytable box ("table"), JSON ("json", indented by 2 unless
 * --noindent), space-separated values ("value"), comma-separated values
 * ("csv", lists only, as Python's csv module writes them), YAML ("yaml",
 * as PyYAML dumps it) or, for a single object, shell assignments
 * ("shell").  A list prints one box row per object;
 * a single object prints a "Field | Value" box with one row per column.
 *
 * A result owns its cells; its column names are borrowed and must outlive
 * it.  The format functions append to a caller's string and fail only when
 * -c names no column of the result. */
#ifndef CLI_FORMAT_H
#define CLI_FORMAT_H 1

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli-column.h"
#include "core/ds.h"
#include "core/util.h"

enum cli_output {
    CLI_OUTPUT_TABLE,
    CLI_OUTPUT_JSON,
    CLI_OUTPUT_VALUE,
    CLI_OUTPUT_SHELL, /* Single objects only. */
    CLI_OUTPUT_CSV,   /* Lists only. */
    CLI_OUTPUT_YAML,  /* PyYAML's safe_dump (cli-yaml). */
};

/* csv's --quote: Python's csv quoting modes. */
enum cli_quote {
    CLI_QUOTE_NONNUMERIC, /* The default. */
    CLI_QUOTE_MINIMAL,
    CLI_QUOTE_ALL,
    CLI_QUOTE_NONE,
};

/* The formatter options common to every command that prints. */
struct cli_format_opts {
    enum cli_output output;
    bool noindent;              /* json: one line. */
    bool print_empty;           /* table: header box for an empty list. */
    size_t max_width;           /* table: fit to this width; 0: do not. */
    const char *prefix;         /* shell: prepended to every name. */
    enum cli_quote quote;       /* csv: when to quote. */
    const char *const *columns; /* -c COLUMN, in the order given. */
    size_t n_columns;           /* 0: every column. */
};

/* Column names and rows of cells (row-major). */
struct cli_result {
    const char *const *names;
    size_t n_cols;
    struct cli_cell *cells;
    size_t n_rows;
};

void cli_result_init(struct cli_result *, const char *const *names,
                     size_t n_cols);
void cli_result_destroy(struct cli_result *);
/* Appends a row and returns its 'n_cols' cells, for the caller to fill
 * with cli_cell_init(). */
struct cli_cell *cli_result_add_row(struct cli_result *);

/* cliff's --sort-column: sorts the rows of 'res' in place by each column
 * named in 'cols' (the last first, so the first decides), stably, None
 * last (first when 'descending').  A column whose values Python could not
 * compare is left out with a warning appended to 'warnings'; names that
 * are no column are ignored. */
void cli_format_sort(struct cli_result *res, const char *const *cols,
                     size_t n_cols, bool descending, struct ds *warnings);

/* Appends 'res' to 'out' as a list (every row an object) or as one object
 * (its first row).  Returns 0, or -EINVAL with the message cliff prints in
 * '*ret_error' (malloc'd) when -c selects nothing. */
int cli_format_list(struct ds *out, const struct cli_format_opts *,
                    const struct cli_result *res,
                    char **ret_error) WARN_UNUSED;
int cli_format_one(struct ds *out, const struct cli_format_opts *,
                   const struct cli_result *res, char **ret_error) WARN_UNUSED;

/* Columns of the terminal 's' takes (wide East Asian characters count 2,
 * combining marks 0), as prettytable measures cells. */
size_t cli_display_width(const char *s, size_t len);

#endif /* cli/cli-format.h */
