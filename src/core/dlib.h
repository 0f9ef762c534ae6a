/* dlib: optional shared libraries, loaded with dlopen() when a feature
 * first needs them rather than linked.  A linked library is mapped,
 * relocated and initialised at start whether or not the process ever calls
 * it; for the agent that costs megabytes of RSS (libmicrohttpd with gnutls,
 * OpenSSL) on every host that serves no metadata or talks plain http.
 *
 * A caller describes its table of function pointers with DLIB_SYMBOL()
 * entries and gets a table filled from one library and its dependencies.
 * A table's first member is "void *handle", the library's.  The dynamic
 * loader counts references, so each user loads its own table. */
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

/* Loads 'soname' into a new table of 'size' bytes: its handle first, each
 * of the 'n' symbols' addresses at its offset.  Returns the table (free it
 * with dlib_unload()), or NULL (logged) if the library or a symbol is
 * missing. */
void *dlib_load(const char *soname, const struct dlib_symbol *symbols,
                size_t n, size_t size) WARN_UNUSED;
/* Frees a table of dlib_load() and drops its handle (NULL is fine). */
void dlib_unload(void *table);

#endif /* core/dlib.h */
