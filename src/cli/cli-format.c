#include "cli/cli-format.h"

#include <errno.h>
#include <jansson.h>

#include "cli/cli-wrap.h"
#include "cli/cli-yaml.h"

void
cli_result_init(struct cli_result *res, const char *const *names,
                size_t n_cols)
{
    res->names = names;
    res->n_cols = n_cols;
    res->cells = NULL;
    res->n_rows = 0;
}

void
cli_result_destroy(struct cli_result *res)
{
    if (res) {
        for (size_t i = 0; i < res->n_rows * res->n_cols; i++) {
            cli_cell_destroy(&res->cells[i]);
        }
        free(res->cells);
        res->cells = NULL;
        res->n_rows = 0;
    }
}

struct cli_cell *
cli_result_add_row(struct cli_result *res)
{
    size_t n = res->n_rows * res->n_cols;
    struct cli_cell *row;

    res->cells =
        xrealloc(res->cells, (n + res->n_cols) * sizeof *res->cells + 1);
    row = &res->cells[n];
    memset(row, 0, res->n_cols * sizeof *row);
    res->n_rows++;
    return row;
}

/* East Asian wide and fullwidth blocks (two columns), roughly as wcwidth
 * knows them. */
static bool
is_wide(unsigned int c)
{
    return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf)
           || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff)
           || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60)
           || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f)
           || (c >= 0x20000 && c <= 0x3fffd);
}

static bool
is_combining(unsigned int c)
{
    return (c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f)
           || (c >= 0xfe20 && c <= 0xfe2f);
}

size_t
cli_display_width(const char *s, size_t len)
{
    size_t width = 0;

    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char) s[i];
        size_t n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
        unsigned int c = n == 1 ? b : b & (0x7f >> n);

        for (size_t k = 1; k < n && i + k < len; k++) {
            c = (c << 6) | ((unsigned char) s[i + k] & 0x3f);
        }
        width += is_combining(c) ? 0 : is_wide(c) ? 2 : 1;
        i += n;
    }
    return width;
}

/* The indexes of the columns -c selects, in the result's order (cliff
 * keeps its own order, not the order of the options). */
static int
select_columns(const struct cli_format_opts *opts,
               const struct cli_result *res, size_t *sel, size_t *n_sel,
               char **ret_error)
{
    struct ds msg = DS_EMPTY_INITIALIZER;

    *n_sel = 0;
    for (size_t i = 0; i < res->n_cols; i++) {
        bool wanted = !opts->n_columns;

        for (size_t k = 0; k < opts->n_columns && !wanted; k++) {
            wanted = streq(opts->columns[k], res->names[i]);
        }
        if (wanted) {
            sel[(*n_sel)++] = i;
        }
    }
    if (*n_sel) {
        return 0;
    }
    /* cliff's ValueError, with Python's reprs of both sequences. */
    ds_put_cstr(&msg, "No recognized column names in [");
    for (size_t k = 0; k < opts->n_columns; k++) {
        json_t *s = json_string(opts->columns[k]);
        char *r = cli_pyrepr(s);

        ds_put_format(&msg, "%s%s", k ? ", " : "", r);
        free(r);
        json_decref(s);
    }
    ds_put_cstr(&msg, "]. Recognized columns are (");
    for (size_t i = 0; i < res->n_cols; i++) {
        json_t *s = json_string(res->names[i]);
        char *r = cli_pyrepr(s);

        ds_put_format(&msg, "%s%s", i ? ", " : "", r);
        free(r);
        json_decref(s);
    }
    ds_put_cstr(&msg, res->n_cols == 1 ? ",)." : ").");
    *ret_error = ds_steal(&msg);
    return -EINVAL;
}

/* One cell of a box: its lines, as cliff hands them to prettytable
 * ("\r\n" becomes a line break, a lone "\r" a space). */
struct box_cell {
    char *text;
    size_t n_lines;
};

static void
box_cell_init(struct box_cell *bc, const char *s)
{
    struct ds t = DS_EMPTY_INITIALIZER;

    bc->n_lines = 1;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            continue;
        }
        ds_put_char(&t, *p == '\r' ? ' ' : *p);
        bc->n_lines += *p == '\n';
    }
    bc->text = ds_steal(&t);
}

/* Returns the start of line 'k' of 'bc' and its length, or "" past the
 * last line. */
static const char *
box_cell_line(const struct box_cell *bc, size_t k, size_t *len)
{
    const char *p = bc->text;

    for (; k && p; k--) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (!p) {
        *len = 0;
        return "";
    }
    *len = strcspn(p, "\n");
    return p;
}

static void
put_border(struct ds *out, const size_t *widths, size_t n)
{
    ds_put_char(out, '+');
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < widths[c] + 2; i++) {
            ds_put_char(out, '-');
        }
        ds_put_char(out, '+');
    }
    ds_put_char(out, '\n');
}

static void
put_padded(struct ds *out, const char *s, size_t len, size_t width, bool right)
{
    size_t pad = width - cli_display_width(s, len);

    ds_put_char(out, ' ');
    for (size_t i = 0; right && i < pad; i++) {
        ds_put_char(out, ' ');
    }
    ds_put_buf(out, s, len);
    for (size_t i = 0; !right && i < pad; i++) {
        ds_put_char(out, ' ');
    }
    ds_put_cstr(out, " |");
}

/* The display width of the widest line of 'bc'. */
static size_t
box_cell_width(const struct box_cell *bc)
{
    size_t w = 0;

    for (size_t k = 0; k < bc->n_lines; k++) {
        size_t len;
        const char *line = box_cell_line(bc, k, &len);

        w = MAX(w, cli_display_width(line, len));
    }
    return w;
}

/* prettytable's wrapping: each line of 'bc' wider than 'width' goes
 * through textwrap.fill(). */
static void
box_cell_wrap(struct box_cell *bc, size_t width)
{
    struct ds t = DS_EMPTY_INITIALIZER;
    size_t n_lines = bc->n_lines;

    bc->n_lines = 0;
    for (size_t k = 0; k < n_lines; k++) {
        size_t len;
        const char *line = box_cell_line(bc, k, &len);
        char *copy = xstrndup(line, len);
        char *wrapped = cli_display_width(line, len) > width
                            ? cli_wrap_fill(copy, width)
                            : xstrdup(copy);

        ds_put_format(&t, "%s%s", k ? "\n" : "", wrapped);
        bc->n_lines++;
        for (const char *p = wrapped; *p; p++) {
            bc->n_lines += *p == '\n';
        }
        free(wrapped);
        free(copy);
    }
    ds_put_cstr(&t, "");
    free(bc->text);
    bc->text = ds_steal(&t);
}

/* cliff's _assign_max_widths(): when the table is wider than
 * 'term_width', the columns wider than an equal share get what the
 * others leave, but never less than 'min_width'; prettytable then sizes
 * them (headers are not cut) and wraps their cells. */
static void
fit_box(const char *const *headers, size_t n, struct box_cell *cells,
        size_t n_rows, size_t *widths, size_t term_width, size_t min_width)
{
    long long usable = MAX(0, (long long) term_width - 1 - 3 * (long long) n);
    long long optimal = usable / (long long) n;
    long long remaining = usable;
    size_t table = 1, n_shrink = 0, last = 0;

    for (size_t c = 0; c < n; c++) {
        table += widths[c] + 3;
    }
    if (table <= term_width) {
        return;
    }
    for (size_t c = 0; c < n; c++) {
        if ((long long) widths[c] <= optimal) {
            remaining -= (long long) widths[c];
        } else {
            n_shrink++;
            last = c;
        }
    }
    /* Python's floor division: 'remaining' may be negative. */
    long long k = (long long) n_shrink;
    long long shrink_to =
        remaining >= 0 ? remaining / k : -((-remaining + k - 1) / k);
    for (size_t c = 0; c < n; c++) {
        long long max_w;

        if ((long long) widths[c] <= optimal) {
            continue;
        }
        max_w = c == last ? remaining : shrink_to;
        remaining -= c == last ? 0 : shrink_to;
        max_w = MAX(max_w, (long long) min_width);
        widths[c] = cli_display_width(headers[c], strlen(headers[c]));
        for (size_t r = 0; r < n_rows; r++) {
            size_t w = box_cell_width(&cells[r * n + c]);

            widths[c] = MAX(widths[c], (size_t) MIN((long long) w, max_w));
        }
        for (size_t r = 0; r < n_rows; r++) {
            box_cell_wrap(&cells[r * n + c], widths[c]);
        }
    }
}

/* prettytable's get_string() with padding 1: 'n_rows' rows of 'n' cells
 * under 'headers'; 'right' aligns a column (and its header) right.  With
 * 'term_width' > 0, fitted to it as cliff does (fit_box()). */
static void
put_box(struct ds *out, const char *const *headers, size_t n,
        struct box_cell *cells, size_t n_rows, const bool *right,
        size_t term_width, size_t min_width)
{
    size_t *widths = xcalloc(n + 1, sizeof *widths);

    for (size_t c = 0; c < n; c++) {
        widths[c] = cli_display_width(headers[c], strlen(headers[c]));
        for (size_t r = 0; r < n_rows; r++) {
            widths[c] = MAX(widths[c], box_cell_width(&cells[r * n + c]));
        }
    }
    if (term_width && n) {
        fit_box(headers, n, cells, n_rows, widths, term_width, min_width);
    }
    put_border(out, widths, n);
    ds_put_char(out, '|');
    for (size_t c = 0; c < n; c++) {
        put_padded(out, headers[c], strlen(headers[c]), widths[c], right[c]);
    }
    ds_put_char(out, '\n');
    put_border(out, widths, n);
    for (size_t r = 0; r < n_rows; r++) {
        size_t height = 1;

        for (size_t c = 0; c < n; c++) {
            height = MAX(height, cells[r * n + c].n_lines);
        }
        for (size_t k = 0; k < height; k++) {
            ds_put_char(out, '|');
            for (size_t c = 0; c < n; c++) {
                size_t len;
                const char *line = box_cell_line(&cells[r * n + c], k, &len);

                put_padded(out, line, len, widths[c], right[c]);
            }
            ds_put_char(out, '\n');
        }
    }
    /* Also closes an empty box, under the header's own rule. */
    put_border(out, widths, n);
    free(widths);
}

static void
put_json(struct ds *out, const struct cli_format_opts *opts, json_t *doc)
{
    size_t flags = JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER
                   | (opts->noindent ? 0 : JSON_INDENT(2));
    char *text = json_dumps(doc, flags);

    /* Python's json writes \u escapes in lower case, jansson in upper. */
    for (char *p = text; *p; p++) {
        if (p[0] == '\\' && p[1] == 'u') {
            for (int i = 2; i < 6; i++) {
                p[i] = (char) (p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 'a'
                                                          : p[i]);
            }
            p += 5;
        } else if (p[0] == '\\') {
            p++;
        }
    }
    ds_put_cstr(out, text);
    ds_put_char(out, '\n');
    free(text);
}

static json_t *
row_object(const struct cli_result *res, size_t r, const size_t *sel,
           size_t n_sel)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < n_sel; i++) {
        const struct cli_cell *cell = &res->cells[r * res->n_cols + sel[i]];

        json_object_set(obj, res->names[sel[i]], cell->machine);
    }
    return obj;
}

static void
put_list_table(struct ds *out, const struct cli_format_opts *opts,
               const struct cli_result *res, const size_t *sel, size_t n_sel)
{
    const char **headers = xcalloc(n_sel + 1, sizeof *headers);
    bool *right = xcalloc(n_sel + 1, sizeof *right);
    struct box_cell *cells = xcalloc(res->n_rows * n_sel + 1, sizeof *cells);

    for (size_t i = 0; i < n_sel; i++) {
        headers[i] = res->names[sel[i]];
        /* cliff aligns by the type of the first row's value. */
        right[i] = res->n_rows && res->cells[sel[i]].numeric;
        for (size_t r = 0; r < res->n_rows; r++) {
            box_cell_init(&cells[r * n_sel + i],
                          res->cells[r * res->n_cols + sel[i]].human);
        }
    }
    if (res->n_rows || opts->print_empty) {
        /* cliff lets list columns shrink to 8, Field/Value to 16. */
        put_box(out, headers, n_sel, cells, res->n_rows, right,
                opts->max_width, 8);
    } else {
        /* An empty prettytable prints nothing; cliff adds the newline. */
        ds_put_char(out, '\n');
    }
    for (size_t i = 0; i < res->n_rows * n_sel; i++) {
        free(cells[i].text);
    }
    free(cells);
    free(right);
    free(headers);
}

/* Result of comparing two values the way Python's '<' does. */
#define UNSORTABLE 2

static int compare_values(const json_t *, const json_t *);

static int
compare_arrays(const json_t *a, const json_t *b)
{
    size_t na = json_array_size(a), nb = json_array_size(b);

    for (size_t i = 0; i < na && i < nb; i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);

        if (!json_equal(x, y)) {
            return compare_values(x, y);
        }
    }
    return na < nb ? -1 : na > nb;
}

/* -1, 0, 1, or UNSORTABLE where Python raises TypeError (None, dicts,
 * mixed types). */
static int
compare_values(const json_t *a, const json_t *b)
{
    if (json_is_string(a) && json_is_string(b)) {
        int c = strcmp(json_string_value(a), json_string_value(b));

        return c < 0 ? -1 : c > 0;
    }
    if ((json_is_number(a) || json_is_boolean(a))
        && (json_is_number(b) || json_is_boolean(b))) {
        double x = json_is_boolean(a) ? json_is_true(a) : json_number_value(a);
        double y = json_is_boolean(b) ? json_is_true(b) : json_number_value(b);

        return x < y ? -1 : x > y;
    }
    if (json_is_array(a) && json_is_array(b)) {
        return compare_arrays(a, b);
    }
    return json_equal(a, b) ? 0 : UNSORTABLE;
}

/* cliff's sort key (value is None, value): a plain None sorts last; a
 * formatted column is never None itself, but its value may not compare. */
static int
compare_cells(const struct cli_cell *a, const struct cli_cell *b)
{
    bool an = !a->formatted && json_is_null(a->machine);
    bool bn = !b->formatted && json_is_null(b->machine);

    if (an || bn) {
        return an == bn ? 0 : an ? 1 : -1;
    }
    return json_equal(a->machine, b->machine)
               ? 0
               : compare_values(a->machine, b->machine);
}

/* Stable merge sort of 'idx' by column 'col'; false if two values did not
 * compare. */
static bool
sort_rows(const struct cli_result *res, size_t col, bool desc, size_t *idx,
          size_t *tmp, size_t n)
{
    size_t half = n / 2, i = 0, j = half, k = 0;

    if (n < 2) {
        return true;
    }
    if (!sort_rows(res, col, desc, idx, tmp, half)
        || !sort_rows(res, col, desc, idx + half, tmp, n - half)) {
        return false;
    }
    while (i < half && j < n) {
        int c = compare_cells(&res->cells[idx[j] * res->n_cols + col],
                              &res->cells[idx[i] * res->n_cols + col]);

        if (c == UNSORTABLE) {
            return false;
        }
        /* Take the right one only when it sorts strictly first. */
        tmp[k++] = (desc ? c > 0 : c < 0) ? idx[j++] : idx[i++];
    }
    while (i < half) {
        tmp[k++] = idx[i++];
    }
    while (j < n) {
        tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
    return true;
}

void
cli_format_sort(struct cli_result *res, const char *const *cols, size_t n_cols,
                bool descending, struct ds *warnings)
{
    size_t n = res->n_rows, w = res->n_cols;
    size_t *idx = xcalloc(n + 1, sizeof *idx);
    size_t *tmp = xcalloc(n + 1, sizeof *tmp);
    size_t *work = xcalloc(n + 1, sizeof *work);
    struct cli_cell *cells;

    for (size_t r = 0; r < n; r++) {
        idx[r] = r;
    }
    for (size_t k = n_cols; k-- > 0;) {
        for (size_t c = 0; c < w; c++) {
            if (!streq(cols[k], res->names[c])) {
                continue;
            }
            memcpy(work, idx, n * sizeof *idx);
            if (sort_rows(res, c, descending, work, tmp, n)) {
                memcpy(idx, work, n * sizeof *idx);
            } else {
                ds_put_format(warnings,
                              "Could not sort on field '%s'; unsortable "
                              "types\n",
                              cols[k]);
            }
        }
    }
    cells = xcalloc(n * w + 1, sizeof *cells);
    for (size_t r = 0; r < n; r++) {
        memcpy(&cells[r * w], &res->cells[idx[r] * w], w * sizeof *cells);
    }
    free(res->cells);
    res->cells = cells;
    free(work);
    free(tmp);
    free(idx);
}

/* One field as Python's csv.writer writes it (doublequote, escapechar
 * '\\'): 'text' is str() of the value, 'number' whether csv sees a number
 * (int, float, bool), 'none' whether it is None. */
static void
put_csv_field(struct ds *out, enum cli_quote mode, const char *text,
              bool number, bool none)
{
    bool quote = mode == CLI_QUOTE_ALL
                 || (mode == CLI_QUOTE_NONNUMERIC && !number)
                 || (mode == CLI_QUOTE_MINIMAL && strpbrk(text, ",\"\r\n"));

    if (none) {
        text = "";
    }
    ds_put_cstr(out, quote ? "\"" : "");
    for (const char *p = text; *p; p++) {
        if (*p == '"' && mode != CLI_QUOTE_NONE) {
            ds_put_char(out, '"');
        } else if (*p == '\\'
                   || (mode == CLI_QUOTE_NONE && strchr(",\"\r\n", *p))) {
            ds_put_char(out, '\\');
        }
        ds_put_char(out, *p);
    }
    ds_put_cstr(out, quote ? "\"" : "");
}

/* cliff's csv formatter: a header line, then a line per row. */
static void
put_csv(struct ds *out, const struct cli_format_opts *opts,
        const struct cli_result *res, const size_t *sel, size_t n_sel)
{
    for (size_t i = 0; i < n_sel; i++) {
        ds_put_cstr(out, i ? "," : "");
        put_csv_field(out, opts->quote, res->names[sel[i]], false, false);
    }
    ds_put_char(out, '\n');
    for (size_t row = 0; row < res->n_rows; row++) {
        for (size_t i = 0; i < n_sel; i++) {
            const struct cli_cell *c = &res->cells[row * res->n_cols + sel[i]];
            char *text = cli_pystr(c->machine);
            bool number =
                !c->formatted
                && (json_is_number(c->machine) || json_is_boolean(c->machine));

            ds_put_cstr(out, i ? "," : "");
            put_csv_field(out, opts->quote, text, number,
                          !c->formatted && json_is_null(c->machine));
            free(text);
        }
        ds_put_char(out, '\n');
    }
}

int
cli_format_list(struct ds *out, const struct cli_format_opts *opts,
                const struct cli_result *res, char **ret_error)
{
    size_t *sel = xcalloc(res->n_cols + 1, sizeof *sel);
    size_t n_sel;
    int r = select_columns(opts, res, sel, &n_sel, ret_error);

    if (r < 0) {
        free(sel);
        return r;
    }
    if (opts->output == CLI_OUTPUT_JSON || opts->output == CLI_OUTPUT_YAML) {
        json_t *list = json_array();

        for (size_t row = 0; row < res->n_rows; row++) {
            json_array_append_new(list, row_object(res, row, sel, n_sel));
        }
        if (opts->output == CLI_OUTPUT_JSON) {
            put_json(out, opts, list);
        } else {
            cli_yaml_dump(out, list);
        }
        json_decref(list);
    } else if (opts->output == CLI_OUTPUT_CSV) {
        put_csv(out, opts, res, sel, n_sel);
    } else if (opts->output == CLI_OUTPUT_VALUE) {
        for (size_t row = 0; row < res->n_rows; row++) {
            for (size_t i = 0; i < n_sel; i++) {
                const struct cli_cell *cell =
                    &res->cells[row * res->n_cols + sel[i]];
                char *s = cli_pystr(cell->machine);

                ds_put_format(out, "%s%s", i ? " " : "", s);
                free(s);
            }
            ds_put_char(out, '\n');
        }
    } else {
        put_list_table(out, opts, res, sel, n_sel);
    }
    free(sel);
    return 0;
}

/* cliff's shell formatter: lower case, ' ', ':' and '-' become '_'. */
static void
put_shell(struct ds *out, const struct cli_format_opts *opts, const char *name,
          const json_t *machine)
{
    char *value = cli_pystr(machine);

    ds_put_cstr(out, opts->prefix ? opts->prefix : "");
    for (const char *p = name; *p; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char) (*p - 'A' + 'a') : *p;

        ds_put_char(out, c == ' ' || c == ':' || c == '-' ? '_' : c);
    }
    ds_put_cstr(out, "=\"");
    for (const char *p = value; *p; p++) {
        if (*p == '"') {
            ds_put_char(out, '\\');
        }
        ds_put_char(out, *p);
    }
    ds_put_cstr(out, "\"\n");
    free(value);
}

static void
put_one_table(struct ds *out, const struct cli_format_opts *opts,
              const struct cli_result *res, const size_t *sel, size_t n_sel)
{
    static const char *const headers[] = {"Field", "Value"};
    static const bool left[] = {false, false};
    struct box_cell *cells = xcalloc(2 * n_sel + 1, sizeof *cells);

    for (size_t i = 0; i < n_sel; i++) {
        box_cell_init(&cells[2 * i], res->names[sel[i]]);
        box_cell_init(&cells[2 * i + 1], res->cells[sel[i]].human);
    }
    put_box(out, headers, 2, cells, n_sel, left, opts->max_width, 16);
    for (size_t i = 0; i < 2 * n_sel; i++) {
        free(cells[i].text);
    }
    free(cells);
}

int
cli_format_one(struct ds *out, const struct cli_format_opts *opts,
               const struct cli_result *res, char **ret_error)
{
    size_t *sel = xcalloc(res->n_cols + 1, sizeof *sel);
    size_t n_sel;
    int r = select_columns(opts, res, sel, &n_sel, ret_error);

    if (r < 0) {
        free(sel);
        return r;
    }
    core_assert(res->n_rows >= 1);
    if (opts->output == CLI_OUTPUT_JSON) {
        json_t *obj = row_object(res, 0, sel, n_sel);

        put_json(out, opts, obj);
        json_decref(obj);
    } else if (opts->output == CLI_OUTPUT_YAML) {
        /* cliff dumps each field as a document of its own. */
        for (size_t i = 0; i < n_sel; i++) {
            json_t *obj = row_object(res, 0, &sel[i], 1);

            cli_yaml_dump(out, obj);
            json_decref(obj);
        }
    } else if (opts->output == CLI_OUTPUT_VALUE) {
        for (size_t i = 0; i < n_sel; i++) {
            char *s = cli_pystr(res->cells[sel[i]].machine);

            ds_put_format(out, "%s\n", s);
            free(s);
        }
    } else if (opts->output == CLI_OUTPUT_SHELL) {
        for (size_t i = 0; i < n_sel; i++) {
            put_shell(out, opts, res->names[sel[i]],
                      res->cells[sel[i]].machine);
        }
    } else {
        put_one_table(out, opts, res, sel, n_sel);
    }
    free(sel);
    return 0;
}
