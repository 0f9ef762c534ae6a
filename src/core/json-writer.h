/* Writing JSON text straight into a string builder: for responses too big
 * to build as a tree of objects first (a list of 10,000 ports), and for
 * jansson values, faster than json_dumps() (no callback per fragment). */
#ifndef CORE_JSON_WRITER_H
#define CORE_JSON_WRITER_H 1

#include <jansson.h>
#include <stddef.h>

#include "core/ds.h"

/* Appends 's' (UTF-8, 'len' bytes) as a quoted, escaped JSON string. */
void json_put_string(struct ds *, const char *s, size_t len);

/* Appends 'v' as compact JSON, as json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes it (members in insertion order), except that
 * control characters are escaped with lower-case hex digits, as in
 * json_put_string() and Python. */
void json_put_value(struct ds *, const json_t *v);

#endif /* core/json-writer.h */
