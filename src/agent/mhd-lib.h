/* libmicrohttpd for the metadata role (agent/metadata.h), loaded with
 * dlopen() when a metadata server starts rather than linked: it brings
 * gnutls and its dependency tree (p11-kit, nettle, gmp, libtasn1,
 * libunistring, ...), 2.6 MB of RSS once loaded and initialised, which an
 * agent serving no metadata (a compute node's) never needs.  Each user
 * opens its own handle; the dynamic loader counts references, so the
 * library stays loaded while any is open.  Loop thread only. */
#ifndef AGENT_MHD_LIB_H
#define AGENT_MHD_LIB_H 1

#include <microhttpd.h>

#include "core/util.h"

/* The functions the metadata role calls, with libmicrohttpd's own types. */
struct mhd_lib {
    void *handle; /* First: dlib.h's. */
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_run) *run;
    __typeof__(MHD_get_timeout) *get_timeout;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_get_connection_values) *get_connection_values;
    __typeof__(MHD_suspend_connection) *suspend_connection;
    __typeof__(MHD_resume_connection) *resume_connection;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
};

/* Loads the library.  Returns 0 and a new mhd_lib in '*ret', or -ENOENT
 * (logged) if it or one of the functions is missing. */
int mhd_lib_open(struct mhd_lib **ret) WARN_UNUSED;
/* Drops this handle (NULL is fine). */
void mhd_lib_close(struct mhd_lib *);

#endif /* agent/mhd-lib.h */
