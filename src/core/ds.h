/* A growable string ("dynamic string"), for building SQL, URLs and messages.
 *
 * The buffer is always NUL-terminated once anything was appended.  The
 * struct is embedded by its user: ds_init() / ds_destroy(); ds_steal()
 * hands the buffer over to the caller, who frees it with free(). */
#ifndef CORE_DS_H
#define CORE_DS_H 1

#include <stddef.h>

#include "core/util.h"

struct ds {
    char *s;    /* NULL until the first append. */
    size_t len; /* Not counting the NUL. */
    size_t cap;
};

#define DS_EMPTY_INITIALIZER                                                  \
    {                                                                         \
        NULL, 0, 0                                                            \
    }

void ds_init(struct ds *);
void ds_destroy(struct ds *);
void ds_clear(struct ds *);
void ds_put_cstr(struct ds *, const char *);
void ds_put_buf(struct ds *, const char *, size_t);
void ds_put_char(struct ds *, char);
void ds_put_format(struct ds *, const char *fmt, ...) PRINTF_FORMAT(2, 3);
/* Makes room for 'extra' more bytes, so the appends that follow do not
 * reallocate one by one. */
void ds_reserve(struct ds *, size_t extra);
/* Returns the contents ("" when empty); valid until the next change. */
const char *ds_cstr(struct ds *);
/* Returns the malloc'd contents and leaves 'ds' empty. */
char *ds_steal(struct ds *);

#endif /* core/ds.h */
