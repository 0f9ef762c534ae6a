/* Named network namespaces, compatible with iproute2's "ip netns".
 *
 * A named namespace is a bind mount of a namespace file onto
 * /run/netns/NAME, made exactly as "ip netns add" makes it, so "ip netns",
 * "ip netns exec NAME ..." and this module see the same set.  Entering a
 * namespace happens only on a short-lived thread: the calling thread never
 * changes namespace, and a socket opened in one keeps it after the thread
 * ends (that is how nl-sock talks to a namespace).
 *
 * Errors are negative errno values.  File descriptors returned are
 * O_CLOEXEC and owned by the caller.  Needs CAP_SYS_ADMIN (and root for
 * /run/netns) except netns_name_is_valid(). */
#ifndef NL_NETNS_H
#define NL_NETNS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define NETNS_RUN_DIR "/run/netns"

/* True if 'name' can name a namespace: 1..NAME_MAX bytes, no '/', not
 * "." or "..". */
bool netns_name_is_valid(const char *name);

/* Creates namespace 'name' (a new, empty network namespace: only a "lo"
 * that is down).  Returns 0, -EEXIST if the name is taken, -EINVAL for a
 * bad name, or another negative errno; on failure nothing is left behind. */
int netns_add(const char *name) WARN_UNUSED;

/* Removes the name 'name' (lazy unmount, then unlink), as "ip netns
 * delete".  The namespace itself dies once nothing else holds it (no
 * process, no open fd).  Returns 0, -ENOENT, or a negative errno. */
int netns_delete(const char *name) WARN_UNUSED;

/* Opens namespace 'name' and stores the fd in '*ret_fd'.  Returns 0,
 * -ENOENT, or a negative errno. */
int netns_open(const char *name, int *ret_fd) WARN_UNUSED;

/* Stores the names under NETNS_RUN_DIR, sorted, in '*ret_names' (a
 * malloc'd array of malloc'd strings, free with netns_names_free()) and
 * their count in '*ret_n'.  A missing directory is an empty list. */
int netns_list(char ***ret_names, size_t *ret_n) WARN_UNUSED;
void netns_names_free(char **names, size_t n);

/* Runs 'fn(aux)' on a new thread that has entered the namespace 'netns_fd'
 * and returns what 'fn' returned (which should be >= 0 or a negative
 * errno), or a negative errno if the thread could not be started or could
 * not enter the namespace (then 'fn' did not run).  Blocks until 'fn'
 * returns. */
typedef int netns_fn(void *aux);
int netns_run(int netns_fd, netns_fn *fn, void *aux) WARN_UNUSED;

/* Returns a socket(domain, type | SOCK_CLOEXEC, protocol) created inside
 * namespace 'netns_fd', or a negative errno. */
int netns_socket(int netns_fd, int domain, int type, int protocol) WARN_UNUSED;

/* Writes 'value' to the sysctl 'key' ("net/ipv4/ip_nonlocal_bind",
 * "net/ipv6/conf/default/accept_ra", ...; or dotted, "net.ipv4.x", as for
 * sysctl(8), when no part holds a dot) inside namespace 'netns_fd':
 * /proc/sys/net is per namespace.
 * Returns 0, -EINVAL for a key outside net/ or with "..", or a negative
 * errno (-ENOENT for an unknown key). */
int netns_sysctl_set(int netns_fd, const char *key,
                     const char *value) WARN_UNUSED;

#endif /* nl/netns.h */
