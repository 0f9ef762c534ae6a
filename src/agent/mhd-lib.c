#include "agent/mhd-lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "core/log.h"

LOG_DEFINE_THIS_MODULE(mhd_lib);

/* The soname of Debian 12's libmicrohttpd12, whose API microhttpd.h
 * describes. */
#define MHD_SONAME "libmicrohttpd.so.12"

static const struct {
    const char *name;
    size_t offset;
} mhd_symbols[] = {
#define SYM(NAME)                                                             \
    {                                                                         \
        "MHD_" #NAME, offsetof(struct mhd_lib, NAME)                          \
    }
    SYM(start_daemon),
    SYM(stop_daemon),
    SYM(run),
    SYM(get_timeout),
    SYM(get_daemon_info),
    SYM(get_connection_info),
    SYM(get_connection_values),
    SYM(suspend_connection),
    SYM(resume_connection),
    SYM(create_response_from_buffer),
    SYM(add_response_header),
    SYM(queue_response),
    SYM(destroy_response),
#undef SYM
};

int
mhd_lib_open(struct mhd_lib **ret)
{
    struct mhd_lib *m = xcalloc(1, sizeof *m);

    m->handle = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!m->handle) {
        log_error("cannot load %s: %s", MHD_SONAME, dlerror());
        free(m);
        return -ENOENT;
    }
    for (size_t i = 0; i < ARRAY_SIZE(mhd_symbols); i++) {
        void *f = dlsym(m->handle, mhd_symbols[i].name);

        if (!f) {
            log_error("%s has no %s", MHD_SONAME, mhd_symbols[i].name);
            mhd_lib_close(m);
            return -ENOENT;
        }
        memcpy((char *) m + mhd_symbols[i].offset, &f, sizeof f);
    }
    *ret = m;
    return 0;
}

void
mhd_lib_close(struct mhd_lib *m)
{
    if (m) {
        dlclose(m->handle);
        free(m);
    }
}
