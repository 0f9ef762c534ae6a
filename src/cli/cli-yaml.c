#include "cli/cli-yaml.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"

/* PyYAML's best_width and best_indent. */
#define YAML_WIDTH  80
#define YAML_INDENT 2

/* Nesting deeper than this is not produced by any command. */
#define YAML_MAX_DEPTH 64

/* YAML 1.1's implicit types (PyYAML's resolver), as POSIX EREs: a plain
 * string matching one would be read back as something else. */
static const char *const implicit_res[] = {
    /* bool */
    "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|"
    "Off|OFF)$",
    /* float */
    "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9][0-9_]*([eE][-+]"
    "[0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)"
    "|\\.(nan|NaN|NAN))$",
    /* int */
    "^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$",
    /* merge, null, value */
    "^(<<|~|null|Null|NULL|=)$",
    /* timestamp */
    "^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9]"
    "[0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\\.[0-9]"
    "*)?([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$",
};

/* PyYAML's Emitter state, for the block styles safe_dump uses. */
struct emitter {
    struct ds *out;
    regex_t res[ARRAY_SIZE(implicit_res)];
    int indent; /* -1: none yet. */
    int indents[YAML_MAX_DEPTH * 2];
    size_t n_indents;
    int column;
    bool whitespace, indention;
    bool mapping_context, simple_key_context;
};

/* A string as code points, for PyYAML's per-character rules. */
struct text {
    uint32_t *ch;
    size_t n;
};

static void
text_init(struct text *t, const char *s, size_t len)
{
    t->ch = utf8_decode(s, len, &t->n);
}

static void
put(struct emitter *e, const char *s)
{
    ds_put_cstr(e->out, s);
    e->column += (int) strlen(s); /* Output is ASCII. */
}

static void
put_ch(struct emitter *e, uint32_t c)
{
    ds_put_char(e->out, (char) c);
    e->column++;
}

static void
line_break(struct emitter *e)
{
    ds_put_char(e->out, '\n');
    e->whitespace = e->indention = true;
    e->column = 0;
}

static void
write_indent(struct emitter *e)
{
    int indent = e->indent < 0 ? 0 : e->indent;

    if (!e->indention || e->column > indent
        || (e->column == indent && !e->whitespace)) {
        line_break(e);
    }
    while (e->column < indent) {
        e->whitespace = true;
        put_ch(e, ' ');
    }
}

static void
write_indicator(struct emitter *e, const char *ind, bool need_ws,
                bool whitespace, bool indention)
{
    if (!e->whitespace && need_ws) {
        put_ch(e, ' ');
    }
    put(e, ind);
    e->whitespace = whitespace;
    e->indention = e->indention && indention;
}

static void
increase_indent(struct emitter *e, bool flow, bool indentless)
{
    core_assert(e->n_indents < ARRAY_SIZE(e->indents));
    e->indents[e->n_indents++] = e->indent;
    if (e->indent < 0) {
        e->indent = flow ? YAML_INDENT : 0;
    } else if (!indentless) {
        e->indent += YAML_INDENT;
    }
}

static void
pop_indent(struct emitter *e)
{
    e->indent = e->indents[--e->n_indents];
}

/* ---- Scalars. ---- */

static bool
is_space_or_end(const struct text *t, size_t i)
{
    return i >= t->n
           || (t->ch[i] == 0 || t->ch[i] == ' ' || t->ch[i] == '\t'
               || t->ch[i] == '\r' || t->ch[i] == '\n' || t->ch[i] == 0x85
               || t->ch[i] == 0x2028 || t->ch[i] == 0x2029);
}

static bool
is_break(uint32_t c)
{
    return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

/* PyYAML's analyze_scalar(), with allow_unicode false. */
struct analysis {
    bool empty, multiline;
    bool block_plain, single_quoted;
};

static struct analysis
analyze(const struct text *t)
{
    struct analysis a = {
        .empty = !t->n, .block_plain = true, .single_quoted = true};
    bool block_ind = false, lead = false, trail_space = false;
    bool trail_break = false, break_space = false, space_break = false;
    bool special = false, prev_space = false, prev_break = false;
    bool preceded_ws = true;

    if (!t->n) {
        return a;
    }
    if (t->n >= 3 && t->ch[1] == t->ch[0] && t->ch[2] == t->ch[0]
        && (t->ch[0] == '-' || t->ch[0] == '.')) {
        block_ind = true;
    }
    for (size_t i = 0; i < t->n; i++) {
        uint32_t c = t->ch[i];
        bool followed_ws = is_space_or_end(t, i + 1);

        if (i == 0) {
            block_ind |= c < 128 && strchr("#,[]{}&*!|>'\"%@`", (int) c) && c;
            block_ind |= (c == '?' || c == ':' || c == '-') && followed_ws;
        } else {
            block_ind |= c == ':' && followed_ws;
            block_ind |= c == '#' && preceded_ws;
        }
        a.multiline |= is_break(c);
        special |= !(c == '\n' || (c >= 0x20 && c <= 0x7e));
        if (c == ' ') {
            lead |= i == 0;
            trail_space |= i == t->n - 1;
            break_space |= prev_break;
            prev_space = true, prev_break = false;
        } else if (is_break(c)) {
            lead |= i == 0;
            trail_break |= i == t->n - 1;
            space_break |= prev_space;
            prev_space = false, prev_break = true;
        } else {
            prev_space = prev_break = false;
        }
        preceded_ws = is_space_or_end(t, i);
    }
    if (lead || trail_space || trail_break || a.multiline || block_ind) {
        a.block_plain = false;
    }
    if (break_space || space_break || special) {
        a.block_plain = a.single_quoted = false;
    }
    return a;
}

/* True if a plain 's' reads back as a string (PyYAML's "implicit"). */
static bool
resolves_to_str(struct emitter *e, const char *s)
{
    if (!*s) {
        return false; /* null */
    }
    for (size_t i = 0; i < ARRAY_SIZE(implicit_res); i++) {
        if (!regexec(&e->res[i], s, 0, NULL, 0)) {
            return false;
        }
    }
    return true;
}

static void
put_slice(struct emitter *e, const struct text *t, size_t start, size_t end)
{
    for (size_t i = start; i < end; i++) {
        put_ch(e, t->ch[i]);
    }
}

static void
write_plain(struct emitter *e, const struct text *t, bool split)
{
    size_t start = 0;
    bool spaces = false;

    if (!t->n) {
        return;
    }
    if (!e->whitespace) {
        put_ch(e, ' ');
    }
    e->whitespace = e->indention = false;
    for (size_t end = 0; end <= t->n; end++) {
        uint32_t c = end < t->n ? t->ch[end] : 0;

        if (spaces) {
            if (c != ' ') {
                if (start + 1 == end && e->column > YAML_WIDTH && split) {
                    write_indent(e);
                    e->whitespace = e->indention = false;
                } else {
                    put_slice(e, t, start, end);
                }
                start = end;
            }
        } else if (end == t->n || c == ' ') {
            put_slice(e, t, start, end);
            start = end;
        }
        spaces = end < t->n && c == ' ';
    }
}

static void
write_single_quoted(struct emitter *e, const struct text *t, bool split)
{
    size_t start = 0;
    bool spaces = false, breaks = false;

    write_indicator(e, "'", true, false, false);
    for (size_t end = 0; end <= t->n; end++) {
        uint32_t c = end < t->n ? t->ch[end] : 0;
        bool at_end = end == t->n;

        if (spaces) {
            if (at_end || c != ' ') {
                if (start + 1 == end && e->column > YAML_WIDTH && split
                    && start != 0 && !at_end) {
                    write_indent(e);
                } else {
                    put_slice(e, t, start, end);
                }
                start = end;
            }
        } else if (breaks) {
            if (at_end || !is_break(c)) {
                if (t->ch[start] == '\n') {
                    line_break(e);
                }
                for (size_t i = start; i < end; i++) {
                    line_break(e); /* Only '\n' gets here (ASCII). */
                }
                write_indent(e);
                start = end;
            }
        } else if (at_end || c == ' ' || is_break(c) || c == '\'') {
            put_slice(e, t, start, end);
            start = end;
        }
        if (!at_end && c == '\'') {
            put(e, "''");
            start = end + 1;
        }
        spaces = !at_end && c == ' ';
        breaks = !at_end && is_break(c);
    }
    write_indicator(e, "'", false, false, false);
}

/* The escape of 'c' in a double-quoted scalar. */
static void
escape(char *buf, size_t size, uint32_t c)
{
    static const struct {
        uint32_t c;
        char esc;
    } table[] = {{0, '0'},    {7, 'a'},      {8, 'b'},     {9, 't'},
                 {10, 'n'},   {11, 'v'},     {12, 'f'},    {13, 'r'},
                 {27, 'e'},   {'"', '"'},    {'\\', '\\'}, {0x85, 'N'},
                 {0xa0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};

    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        if (table[i].c == c) {
            snprintf(buf, size, "\\%c", table[i].esc);
            return;
        }
    }
    snprintf(buf, size,
             c <= 0xff     ? "\\x%02X"
             : c <= 0xffff ? "\\u%04X"
                           : "\\U%08X",
             c);
}

static void
write_double_quoted(struct emitter *e, const struct text *t, bool split)
{
    size_t start = 0;
    char buf[16];

    write_indicator(e, "\"", true, false, false);
    for (size_t end = 0; end <= t->n; end++) {
        uint32_t c = end < t->n ? t->ch[end] : 0;
        bool at_end = end == t->n;

        if (at_end || c == '"' || c == '\\' || c == 0x85 || c == 0x2028
            || c == 0x2029 || c == 0xfeff || c < 0x20 || c > 0x7e) {
            put_slice(e, t, start, end);
            start = end;
            if (!at_end) {
                escape(buf, sizeof buf, c);
                put(e, buf);
                start = end + 1;
            }
        }
        if (end > 0 && end + 1 < t->n && (c == ' ' || start >= end)
            && e->column + (int) (end - start) > YAML_WIDTH && split) {
            put_slice(e, t, start, end);
            put(e, "\\");
            if (start < end) {
                start = end;
            }
            write_indent(e);
            e->whitespace = e->indention = false;
            if (t->ch[start] == ' ') {
                put(e, "\\");
            }
        }
    }
    write_indicator(e, "\"", false, false, false);
}

/* PyYAML's choose_scalar_style() and process_scalar() for a string. */
static void
write_string(struct emitter *e, const char *s, size_t len)
{
    struct text t;
    struct analysis a;
    bool split = !e->simple_key_context;

    text_init(&t, s, len);
    a = analyze(&t);
    if (strlen(s) == len && resolves_to_str(e, s)
        && !(e->simple_key_context && (a.empty || a.multiline))
        && a.block_plain) {
        write_plain(e, &t, split);
    } else if (a.single_quoted && !(e->simple_key_context && a.multiline)) {
        write_single_quoted(e, &t, split);
    } else {
        write_double_quoted(e, &t, split);
    }
    free(t.ch);
}

/* Python's repr() of a float, as PyYAML's represent_float() writes it. */
static char *
float_text(double d)
{
    char buf[64];

    if (d != d) {
        return xstrdup(".nan");
    }
    if (d > 1e308 || d < -1e308) {
        return xstrdup(d > 0 ? ".inf" : "-.inf");
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        strcat(buf, ".0");
    } else if (!strchr(buf, '.') && strchr(buf, 'e')) {
        char *x = strchr(buf, 'e');
        return xasprintf("%.*s.0%s", (int) (x - buf), buf, x);
    }
    return xstrdup(buf);
}

static void
write_scalar(struct emitter *e, const json_t *v)
{
    char *text = NULL;
    struct text t;

    if (json_is_string(v)) {
        write_string(e, json_string_value(v), json_string_length(v));
        return;
    }
    if (json_is_integer(v)) {
        text = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        text = float_text(json_real_value(v));
    } else {
        text = xstrdup(json_is_true(v)    ? "true"
                       : json_is_false(v) ? "false"
                                          : "null");
    }
    text_init(&t, text, strlen(text));
    write_plain(e, &t, !e->simple_key_context);
    free(t.ch);
    free(text);
}

/* ---- Collections. ---- */

static void emit_node(struct emitter *, const json_t *, bool mapping,
                      bool simple_key, size_t depth);

static int
compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
emit_mapping(struct emitter *e, const json_t *obj, size_t depth)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char *key;
    json_t *v;

    json_object_foreach ((json_t *) obj, key, v) {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    increase_indent(e, false, false);
    for (i = 0; i < n; i++) {
        json_t *k = json_string(keys[i]);

        write_indent(e);
        emit_node(e, k, true, true, depth + 1);
        write_indicator(e, ":", false, false, false);
        emit_node(e, json_object_get(obj, keys[i]), true, false, depth + 1);
        json_decref(k);
    }
    pop_indent(e);
    free(keys);
}

static void
emit_sequence(struct emitter *e, const json_t *arr, size_t depth)
{
    size_t i;
    json_t *v;

    increase_indent(e, false, e->mapping_context && !e->indention);
    json_array_foreach ((json_t *) arr, i, v) {
        write_indent(e);
        write_indicator(e, "-", true, false, true);
        emit_node(e, v, false, false, depth + 1);
    }
    pop_indent(e);
}

static void
emit_node(struct emitter *e, const json_t *v, bool mapping, bool simple_key,
          size_t depth)
{
    bool empty = json_is_array(v)    ? !json_array_size(v)
                 : json_is_object(v) ? !json_object_size(v)
                                     : false;

    core_assert(depth < YAML_MAX_DEPTH);
    e->mapping_context = mapping;
    e->simple_key_context = simple_key;
    if (empty) {
        /* An empty collection goes in flow style: [] or {}. */
        write_indicator(e, json_is_array(v) ? "[" : "{", true, true, false);
        write_indicator(e, json_is_array(v) ? "]" : "}", false, false, false);
    } else if (json_is_array(v)) {
        emit_sequence(e, v, depth);
    } else if (json_is_object(v)) {
        emit_mapping(e, v, depth);
    } else {
        increase_indent(e, true, false);
        write_scalar(e, v);
        pop_indent(e);
    }
}

void
cli_yaml_dump(struct ds *out, const json_t *value)
{
    struct emitter e = {
        .out = out, .indent = -1, .whitespace = true, .indention = true};

    for (size_t i = 0; i < ARRAY_SIZE(implicit_res); i++) {
        core_assert(
            !regcomp(&e.res[i], implicit_res[i], REG_EXTENDED | REG_NOSUB));
    }
    ds_put_cstr(out, "");
    emit_node(&e, value, false, false, 0);
    write_indent(&e); /* The document's end: a final line break. */
    for (size_t i = 0; i < ARRAY_SIZE(implicit_res); i++) {
        regfree(&e.res[i]);
    }
}
