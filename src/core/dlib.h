/* dlib: optional shared libraries, loaded with dlopen() when a feature
 * first needs them rather than linked.  A linked library is mapped,
 * relocated and initialised at start whether or not the process ever calls
 * it; for the agent that costs megabytes of RSS (libmicrohttpd with gnutls,
 * OpenSSL) on every host that serves no metadata or talks plain http.
 *
 * A caller describes its table of function pointers with DLIB_SYMBOL()
 * entries and gets it filled from one library and its dependencies.  The
 * dynamic loader counts references, so each user opens its own handle. */
#ifndef CORE_DLIB_H
#define CORE_DLIB_H 1

#include <stddef.h>

#include "core/util.h"

/* One function: its name in the library and where its pointer goes in the
 * caller's table. */
struct dlib_symbol {
    const char *name;
    size_t offset;
};

/* An entry for member MEMBER of table type TABLE, named PREFIX MEMBER in
 * the library (PREFIX may be ""). */
#define DLIB_SYMBOL(TABLE, PREFIX, MEMBER)                                    \
    {                                                                         \
        PREFIX #MEMBER, offsetof(TABLE, MEMBER)                               \
    }

/* Loads 'soname' and stores each of the 'n' symbols' addresses into
 * 'table' at its offset.  Returns the library's handle for dlib_close(), or
 * NULL (logged, 'table' untouched) if the library or a symbol is missing. */
void *dlib_open(const char *soname, const struct dlib_symbol *symbols,
                size_t n, void *table) WARN_UNUSED;
/* Drops a handle from dlib_open() (NULL is fine). */
void dlib_close(void *handle);

#endif /* core/dlib.h */
