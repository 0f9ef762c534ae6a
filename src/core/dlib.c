/* dlib: see dlib.h. */
#include "core/dlib.h"

#include <dlfcn.h>

#include "core/log.h"

LOG_DEFINE_THIS_MODULE(dlib);

void *
dlib_load(const char *soname, const struct dlib_symbol *symbols, size_t n,
          size_t size)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (!handle) {
        log_error("cannot load %s: %s", soname, dlerror());
        return NULL;
    }
    void *table = xcalloc(1, size);
    memcpy(table, &handle, sizeof handle);
    for (size_t i = 0; i < n; i++) {
        void *f = dlsym(handle, symbols[i].name);

        if (!f) {
            log_error("%s has no %s", soname, symbols[i].name);
            dlib_unload(table);
            return NULL;
        }
        memcpy((char *) table + symbols[i].offset, &f, sizeof f);
    }
    return table;
}

void
dlib_unload(void *table)
{
    if (table) {
        void *handle;

        memcpy(&handle, table, sizeof handle);
        dlclose(handle);
        free(table);
    }
}
