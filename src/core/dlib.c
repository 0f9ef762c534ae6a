/* dlib: see dlib.h. */
#include "core/dlib.h"

#include <dlfcn.h>

#include "core/log.h"

LOG_DEFINE_THIS_MODULE(dlib);

void *
dlib_open(const char *soname, const struct dlib_symbol *symbols, size_t n,
          void *table)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (!handle) {
        log_error("cannot load %s: %s", soname, dlerror());
        return NULL;
    }
    /* All or nothing: look every symbol up before writing any. */
    void **found = xcalloc(n ? n : 1, sizeof *found);
    for (size_t i = 0; i < n; i++) {
        found[i] = dlsym(handle, symbols[i].name);
        if (!found[i]) {
            log_error("%s has no %s", soname, symbols[i].name);
            free(found);
            dlclose(handle);
            return NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        memcpy((char *) table + symbols[i].offset, &found[i], sizeof found[i]);
    }
    free(found);
    return handle;
}

void
dlib_close(void *handle)
{
    if (handle) {
        dlclose(handle);
    }
}
