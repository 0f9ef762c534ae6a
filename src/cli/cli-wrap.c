#include "cli/cli-wrap.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/ds.h"
#include "core/util.h"

/* A piece of the text, as textwrap's chunks: a run of white space, a word
 * (possibly ending at a hyphen), or an em-dash. */
struct chunk {
    size_t start, len;
};

struct wrap {
    uint32_t *t; /* The text as code points, tabs expanded. */
    size_t n;
    struct chunk *chunks;
    size_t n_chunks;
};

static bool
is_ws(uint32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
is_word(uint32_t c)
{
    return c >= 128 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_letter(uint32_t c)
{
    return is_word(c) && !(c >= '0' && c <= '9');
}

/* textwrap's word_punct: [\w!"'&.,?]. */
static bool
is_wp(uint32_t c)
{
    return is_word(c) || c == '!' || c == '"' || c == '\'' || c == '&'
           || c == '.' || c == ',' || c == '?';
}

/* Decodes 'text', expands tabs to multiples of 8 and turns every white
 * space character into a space (expand_tabs, replace_whitespace). */
static void
decode(struct wrap *w, const char *text)
{
    size_t n, col = 0;
    uint32_t *cp = utf8_decode(text, strlen(text), &n);

    w->t = xcalloc(n * 8 + 1, sizeof *w->t);
    w->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (cp[i] == '\t') {
            do {
                w->t[w->n++] = ' ';
            } while (++col % 8);
            continue;
        }
        col = cp[i] == '\n' || cp[i] == '\r' ? 0 : col + 1;
        w->t[w->n++] = is_ws(cp[i]) ? ' ' : cp[i];
    }
    free(cp);
}

static size_t
dashes(const struct wrap *w, size_t i)
{
    size_t k = i;

    while (k < w->n && w->t[k] == '-') {
        k++;
    }
    return k - i;
}

/* (?<=word_punct) -{2,} (?=\w) at 'i'. */
static bool
emdash_at(const struct wrap *w, size_t i)
{
    size_t r = dashes(w, i);

    return i > 0 && is_wp(w->t[i - 1]) && r >= 2 && i + r < w->n
           && is_word(w->t[i + r]);
}

/* The end of the word starting at 'i': the shortest run of non-space
 * characters followed by a breakable hyphen (taken), white space or the
 * end, or an em-dash. */
static size_t
word_end(const struct wrap *w, size_t i)
{
    const uint32_t *t = w->t;

    for (size_t k = i + 1;; k++) {
        if (k < w->n && t[k] == '-'
            && ((k >= 2 && is_letter(t[k - 2]) && is_letter(t[k - 1]))
                || (k >= 3 && is_letter(t[k - 3]) && t[k - 2] == '-'
                    && is_letter(t[k - 1])))
            && k + 1 < w->n && is_letter(t[k + 1])
            && ((k + 2 < w->n && is_letter(t[k + 2]))
                || (k + 3 < w->n && t[k + 2] == '-' && is_letter(t[k + 3])))) {
            return k + 1;
        }
        if (k >= w->n || is_ws(t[k])) {
            return k;
        }
        if (emdash_at(w, k)) {
            return k;
        }
    }
}

/* textwrap's wordsep_re.split(). */
static void
split_chunks(struct wrap *w)
{
    size_t i = 0;

    w->chunks = xcalloc(w->n + 1, sizeof *w->chunks);
    w->n_chunks = 0;
    while (i < w->n) {
        size_t end;

        if (is_ws(w->t[i])) {
            for (end = i; end < w->n && is_ws(w->t[end]); end++) {
                continue;
            }
        } else if (emdash_at(w, i)) {
            end = i + dashes(w, i);
        } else {
            end = word_end(w, i);
        }
        w->chunks[w->n_chunks++] = (struct chunk){i, end - i};
        i = end;
    }
}

static bool
blank(const struct wrap *w, const struct chunk *c)
{
    for (size_t i = 0; i < c->len; i++) {
        if (w->t[c->start + i] != ' ') {
            return false;
        }
    }
    return true;
}

static void
put_code_point(struct ds *out, uint32_t c)
{
    if (c < 0x80) {
        ds_put_char(out, (char) c);
    } else if (c < 0x800) {
        ds_put_char(out, (char) (0xc0 | c >> 6));
        ds_put_char(out, (char) (0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        ds_put_char(out, (char) (0xe0 | c >> 12));
        ds_put_char(out, (char) (0x80 | ((c >> 6) & 0x3f)));
        ds_put_char(out, (char) (0x80 | (c & 0x3f)));
    } else {
        ds_put_char(out, (char) (0xf0 | c >> 18));
        ds_put_char(out, (char) (0x80 | ((c >> 12) & 0x3f)));
        ds_put_char(out, (char) (0x80 | ((c >> 6) & 0x3f)));
        ds_put_char(out, (char) (0x80 | (c & 0x3f)));
    }
}

/* _handle_long_word(): as much of the next chunk as fits, broken after
 * its last hyphen in reach if there is one. */
static struct chunk
long_word(struct wrap *w, struct chunk *next, size_t cur_len, size_t width)
{
    size_t space_left = width - cur_len;
    size_t end = space_left;
    struct chunk piece;

    if (next->len > space_left) {
        for (size_t h = space_left; h-- > 1;) {
            if (w->t[next->start + h] == '-') {
                for (size_t j = 0; j < h; j++) {
                    if (w->t[next->start + j] != '-') {
                        end = h + 1;
                        break;
                    }
                }
                break;
            }
        }
    }
    piece = (struct chunk){next->start, end};
    next->start += end;
    next->len -= end;
    return piece;
}

/* _wrap_chunks() with drop_whitespace and break_long_words. */
static void
wrap_chunks(struct wrap *w, size_t width, struct ds *out)
{
    struct chunk *line = xcalloc(w->n_chunks + 2, sizeof *line);
    size_t ci = 0, n_lines = 0;

    while (ci < w->n_chunks) {
        size_t n = 0, cur_len = 0;

        if (n_lines && blank(w, &w->chunks[ci])) {
            ci++;
        }
        while (ci < w->n_chunks && cur_len + w->chunks[ci].len <= width) {
            line[n++] = w->chunks[ci];
            cur_len += w->chunks[ci++].len;
        }
        if (ci < w->n_chunks && w->chunks[ci].len > width) {
            line[n] = long_word(w, &w->chunks[ci], cur_len, width);
            cur_len += line[n++].len;
        }
        if (n && blank(w, &line[n - 1])) {
            n--;
        }
        if (n) {
            if (n_lines++) {
                ds_put_char(out, '\n');
            }
            for (size_t k = 0; k < n; k++) {
                for (size_t j = 0; j < line[k].len; j++) {
                    put_code_point(out, w->t[line[k].start + j]);
                }
            }
        }
    }
    free(line);
}

char *
cli_wrap_fill(const char *text, size_t width)
{
    struct wrap w;
    struct ds out = DS_EMPTY_INITIALIZER;

    core_assert(width > 0);
    decode(&w, text);
    split_chunks(&w);
    ds_put_cstr(&out, "");
    wrap_chunks(&w, width, &out);
    free(w.chunks);
    free(w.t);
    return ds_steal(&out);
}
