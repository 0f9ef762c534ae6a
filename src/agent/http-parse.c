#include "agent/http-parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
hparse_init(struct hparse *p, const char *want_header, size_t max_body)
{
    *p = (struct hparse){
        .state = HPARSE_STATUS,
        .max_body = max_body,
        .want_name = want_header ? xstrdup(want_header) : NULL,
    };
    ds_init(&p->line);
    ds_init(&p->body);
}

void
hparse_destroy(struct hparse *p)
{
    ds_destroy(&p->line);
    ds_destroy(&p->body);
    free(p->content_type);
    free(p->want_name);
    free(p->want_value);
}

/* Forgets the headers of a 1xx answer, to read the real one. */
static void
reset_answer(struct hparse *p)
{
    free(p->content_type);
    free(p->want_value);
    p->content_type = p->want_value = NULL;
    p->chunked = p->has_length = p->conn_close = p->conn_keepalive = false;
    p->n_headers = 0;
    p->state = HPARSE_STATUS;
}

/* "HTTP/1.x NNN reason". */
static int
parse_status_line(struct hparse *p, const char *line)
{
    if (strncmp(line, "HTTP/1.", 7) || (line[7] != '0' && line[7] != '1')
        || line[8] != ' ' || !isdigit((unsigned char) line[9])
        || !isdigit((unsigned char) line[10])
        || !isdigit((unsigned char) line[11])
        || (line[12] != ' ' && line[12] != '\0') || line[9] == '0') {
        return -EPROTO;
    }
    p->minor_1 = line[7] == '1';
    p->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
    p->state = HPARSE_HEADERS;
    return 0;
}

/* A decimal number of at most 18 digits (no sign, no blanks). */
static int
parse_decimal(const char *s, unsigned long long *ret)
{
    size_t n = strspn(s, "0123456789");

    if (!n || n > 18 || s[n]) {
        return -EPROTO;
    }
    *ret = strtoull(s, NULL, 10);
    return 0;
}

/* True if the comma-separated list 'value' holds 'token'. */
static bool
has_token(const char *value, const char *token)
{
    size_t len = strlen(token);

    for (const char *s = value; *s;) {
        s += strspn(s, " \t,");
        size_t n = strcspn(s, " \t,");
        if (n == len && !strncasecmp(s, token, len)) {
            return true;
        }
        s += n;
    }
    return false;
}

static int
parse_header(struct hparse *p, char *line)
{
    char *colon = strchr(line, ':');
    char *value, *end;

    if (++p->n_headers > HPARSE_MAX_HEADERS) {
        return -EFBIG;
    }
    if (!colon || colon == line
        || strcspn(line, " \t") < (size_t) (colon - line)) {
        return -EPROTO; /* No name, or blanks in it (RFC 9112 5.1). */
    }
    *colon = '\0';
    value = colon + 1 + strspn(colon + 1, " \t");
    end = value + strlen(value);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t')) {
        *--end = '\0';
    }
    if (!strcasecmp(line, "Content-Length")) {
        unsigned long long len;
        if (parse_decimal(value, &len)
            || (p->has_length && len != p->content_length)) {
            return -EPROTO;
        }
        p->has_length = true;
        p->content_length = len;
    } else if (!strcasecmp(line, "Transfer-Encoding")) {
        /* Only chunked is ours to undo, and it must come last. */
        if (strcasecmp(value, "chunked") && strcasecmp(value, "identity")) {
            return -EPROTO;
        }
        p->chunked = p->chunked || !strcasecmp(value, "chunked");
    } else if (!strcasecmp(line, "Connection")) {
        p->conn_close = p->conn_close || has_token(value, "close");
        p->conn_keepalive =
            p->conn_keepalive || has_token(value, "keep-alive");
    } else if (!strcasecmp(line, "Content-Type") && !p->content_type) {
        p->content_type = xstrdup(value);
    }
    if (p->want_name && !strcasecmp(line, p->want_name) && !p->want_value) {
        p->want_value = xstrdup(value);
    }
    return 0;
}

/* The empty line: where the body starts, and how it is delimited. */
static int
end_of_headers(struct hparse *p)
{
    if (p->status < 200) {
        reset_answer(p); /* 100 Continue and friends: the answer follows. */
        return 0;
    }
    if (p->status == 204 || p->status == 304) {
        p->state = HPARSE_DONE;
    } else if (p->chunked) {
        p->state = HPARSE_CHUNK_SIZE;
    } else if (p->has_length) {
        if (p->content_length > p->max_body) {
            return -EFBIG;
        }
        p->remaining = p->content_length;
        p->state = p->remaining ? HPARSE_BODY : HPARSE_DONE;
    } else {
        p->state = HPARSE_UNTIL_EOF;
        p->conn_close = true;
    }
    return 0;
}

/* "HEX[;extensions]". */
static int
parse_chunk_size(struct hparse *p, const char *line)
{
    size_t n = strspn(line, "0123456789abcdefABCDEF");
    unsigned long long size;

    if (!n || n > 15 || (line[n] && line[n] != ';' && line[n] != ' ')) {
        return -EPROTO;
    }
    size = strtoull(line, NULL, 16);
    if (size > p->max_body - p->body.len) {
        return -EFBIG;
    }
    p->remaining = size;
    p->state = size ? HPARSE_CHUNK_DATA : HPARSE_TRAILERS;
    return 0;
}

/* Handles one complete line (CRLF or LF removed) in the current state. */
static int
handle_line(struct hparse *p, char *line)
{
    switch (p->state) {
    case HPARSE_STATUS:
        return parse_status_line(p, line);
    case HPARSE_HEADERS:
        return *line ? parse_header(p, line) : end_of_headers(p);
    case HPARSE_CHUNK_SIZE:
        return parse_chunk_size(p, line);
    case HPARSE_CHUNK_END:
        if (*line) {
            return -EPROTO;
        }
        p->state = HPARSE_CHUNK_SIZE;
        return 0;
    case HPARSE_TRAILERS:
        if (!*line) {
            p->state = HPARSE_DONE;
        } else if (++p->n_headers > HPARSE_MAX_HEADERS) {
            return -EFBIG;
        }
        return 0;
    case HPARSE_BODY:
    case HPARSE_CHUNK_DATA:
    case HPARSE_UNTIL_EOF:
    case HPARSE_DONE:
    default:
        return -EPROTO;
    }
}

/* Accumulates a line; returns the bytes used, or a negative errno. */
static int
feed_line(struct hparse *p, const char *data, size_t n)
{
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t) (nl - data) + 1 : n;
    int r;

    if (p->line.len + take > HPARSE_MAX_LINE) {
        return -EFBIG;
    }
    ds_put_buf(&p->line, data, take);
    if (!nl) {
        return take;
    }
    p->line.len--; /* The LF; a CR before it goes too. */
    if (p->line.len && p->line.s[p->line.len - 1] == '\r') {
        p->line.len--;
    }
    p->line.s[p->line.len] = '\0';
    if (memchr(p->line.s, '\0', p->line.len)) {
        return -EPROTO;
    }
    r = handle_line(p, p->line.s);
    ds_clear(&p->line);
    return r < 0 ? r : (int) take;
}

/* Takes body bytes; returns the bytes used, or a negative errno. */
static int
feed_body(struct hparse *p, const char *data, size_t n)
{
    size_t take = n;

    if (p->state != HPARSE_UNTIL_EOF) {
        take = MIN(n, p->remaining);
    } else if (take > p->max_body - p->body.len) {
        return -EFBIG;
    }
    ds_put_buf(&p->body, data, take);
    p->remaining -= p->state != HPARSE_UNTIL_EOF ? take : 0;
    if (p->state == HPARSE_BODY && !p->remaining) {
        p->state = HPARSE_DONE;
    } else if (p->state == HPARSE_CHUNK_DATA && !p->remaining) {
        p->state = HPARSE_CHUNK_END;
    }
    return take;
}

int
hparse_feed(struct hparse *p, const char *data, size_t n)
{
    size_t used = 0;

    if (n > INT_MAX) {
        n = INT_MAX;
    }
    while (used < n && p->state != HPARSE_DONE) {
        int r = p->state == HPARSE_BODY || p->state == HPARSE_CHUNK_DATA
                        || p->state == HPARSE_UNTIL_EOF
                    ? feed_body(p, data + used, n - used)
                    : feed_line(p, data + used, n - used);
        if (r < 0) {
            return r;
        }
        used += r;
    }
    return used;
}

int
hparse_eof(struct hparse *p)
{
    if (p->state == HPARSE_UNTIL_EOF) {
        p->state = HPARSE_DONE;
    }
    return p->state == HPARSE_DONE ? 0 : -EPROTO;
}

bool
hparse_done(const struct hparse *p)
{
    return p->state == HPARSE_DONE;
}

bool
hparse_keep_alive(const struct hparse *p)
{
    if (p->state != HPARSE_DONE || p->conn_close) {
        return false;
    }
    return p->minor_1 || p->conn_keepalive;
}
