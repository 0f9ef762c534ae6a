#include "agent/mhd-lib.h"

#include <errno.h>

#include "core/dlib.h"

/* The soname of Debian 12's libmicrohttpd12, whose API microhttpd.h
 * describes. */
#define MHD_SONAME "libmicrohttpd.so.12"

static const struct dlib_symbol mhd_symbols[] = {
#define SYM(NAME) DLIB_SYMBOL(struct mhd_lib, "MHD_", NAME)
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
    *ret = dlib_load(MHD_SONAME, mhd_symbols, ARRAY_SIZE(mhd_symbols),
                     sizeof **ret);
    return *ret ? 0 : -ENOENT;
}

void
mhd_lib_close(struct mhd_lib *m)
{
    dlib_unload(m);
}
