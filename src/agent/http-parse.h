/* An incremental parser of HTTP/1.1 responses, for the agent's HTTP client
 * (agent/http-client.h): the status line, the headers the client needs
 * (Content-Length, Transfer-Encoding: chunked, Connection, Content-Type and
 * one more the caller names), and the body, delimited by Content-Length,
 * chunked encoding or the end of the connection.  1xx answers are skipped.
 *
 * Bytes come in pieces of any size, as they arrive from a socket; the
 * parser copies what it keeps.  Everything is bounded (line length, header
 * count, body size), so a peer cannot make it allocate without limit.
 * Pure: no I/O, no global state. */
#ifndef AGENT_HTTP_PARSE_H
#define AGENT_HTTP_PARSE_H 1

#include <stdbool.h>
#include <stddef.h>

#include "core/ds.h"

#define HPARSE_MAX_LINE    16384 /* Status, header and chunk-size lines. */
#define HPARSE_MAX_HEADERS 128   /* Header lines per answer. */

enum hparse_state {
    HPARSE_STATUS,     /* Expecting the status line. */
    HPARSE_HEADERS,    /* Header lines, up to the empty one. */
    HPARSE_BODY,       /* Content-Length bytes. */
    HPARSE_CHUNK_SIZE, /* A chunk-size line. */
    HPARSE_CHUNK_DATA, /* The bytes of a chunk. */
    HPARSE_CHUNK_END,  /* The CRLF after a chunk. */
    HPARSE_TRAILERS,   /* Trailer lines after the last chunk. */
    HPARSE_UNTIL_EOF,  /* No length: the body ends with the connection. */
    HPARSE_DONE,
};

struct hparse {
    enum hparse_state state;
    struct ds line;               /* The line being read. */
    size_t n_headers;             /* Header lines so far. */
    size_t max_body;              /* Bytes of body allowed. */
    unsigned long long remaining; /* In HPARSE_BODY or _CHUNK_DATA. */
    bool minor_1;                 /* HTTP/1.1 rather than HTTP/1.0. */
    /* What the answer says. */
    int status;
    bool chunked;
    bool has_length;
    unsigned long long content_length;
    bool conn_close;     /* "Connection: close" (or 1.0 without keep-alive). */
    bool conn_keepalive; /* "Connection: keep-alive". */
    char *content_type;  /* NULL: none. */
    char *want_name;     /* The header asked for, or NULL. */
    char *want_value;    /* Its value, or NULL. */
    struct ds body;
};

/* Prepares 'p' for one answer: 'want_header' names one more header whose
 * value to keep (NULL: none; copied), 'max_body' caps the body. */
void hparse_init(struct hparse *p, const char *want_header, size_t max_body);
void hparse_destroy(struct hparse *p);

/* Parses up to 'n' bytes of 'data', stopping at the end of the answer.
 * Returns the number of bytes used (fewer than 'n' only once the answer is
 * complete: the rest belongs to whatever follows), or -EPROTO for a
 * malformed answer, -EFBIG for one over a limit.  After an error 'p' must
 * only be destroyed. */
int hparse_feed(struct hparse *p, const char *data, size_t n);

/* Tells 'p' the connection ended.  Returns 0 if that completes the answer
 * (a body delimited by the end of the connection), else -EPROTO. */
int hparse_eof(struct hparse *p);

/* True once a whole answer was parsed. */
bool hparse_done(const struct hparse *p);

/* True if the connection may carry another request after this answer. */
bool hparse_keep_alive(const struct hparse *p);

#endif /* agent/http-parse.h */
