/* Writing JSON text straight into a string builder, for responses too big
 * to build as a tree of objects first (a list of 10,000 ports). */
#ifndef CORE_JSON_WRITER_H
#define CORE_JSON_WRITER_H 1

#include <stddef.h>

#include "core/ds.h"

/* Appends 's' (UTF-8, 'len' bytes) as a quoted, escaped JSON string. */
void json_put_string(struct ds *, const char *s, size_t len);

#endif /* core/json-writer.h */
