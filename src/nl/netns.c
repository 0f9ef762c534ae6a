#include "nl/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

bool
netns_name_is_valid(const char *name)
{
    size_t len = strlen(name);

    return len > 0 && len <= NAME_MAX && !strchr(name, '/')
           && !streq(name, ".") && !streq(name, "..");
}

static char *
netns_path(const char *name)
{
    return xasprintf("%s/%s", NETNS_RUN_DIR, name);
}

/* Makes NETNS_RUN_DIR a shared mount point, as iproute2 does, so that an
 * unmount in one mount namespace (netns_delete) propagates to the others
 * and the namespace can be freed. */
static int
make_run_dir_shared(void)
{
    bool made_mount = false;

    if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
        /* EINVAL: not a mount point yet; make it one, once. */
        if (errno != EINVAL || made_mount) {
            return -errno;
        }
        if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL)
            < 0) {
            return -errno;
        }
        made_mount = true;
    }
    return 0;
}

/* On its own thread: a new namespace for this thread only, bound onto the
 * file named 'aux'.  The thread ends right after, leaving the bind mount
 * as the namespace's only holder. */
static void *
add_thread(void *aux)
{
    const char *path = aux;
    intptr_t r = 0;

    if (unshare(CLONE_NEWNET) < 0) {
        r = -errno;
    } else if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL)
               < 0) {
        r = -errno;
    }
    return (void *) r;
}

static int
run_thread(void *(*fn)(void *), void *aux)
{
    pthread_t thread;
    void *result;
    int error;

    error = pthread_create(&thread, NULL, fn, aux);
    if (error) {
        return -error;
    }
    error = pthread_join(thread, &result);
    core_assert(!error);
    return (int) (intptr_t) result;
}

int
netns_add(const char *name)
{
    _cleanup_free_ char *path = NULL;
    int fd, r;

    if (!netns_name_is_valid(name)) {
        return -EINVAL;
    }
    r = make_run_dir_shared();
    if (r < 0) {
        return r;
    }
    path = netns_path(name);
    fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    close(fd);
    r = run_thread(add_thread, path);
    if (r < 0) {
        unlink(path);
    }
    return r;
}

int
netns_delete(const char *name)
{
    _cleanup_free_ char *path = NULL;

    if (!netns_name_is_valid(name)) {
        return -EINVAL;
    }
    path = netns_path(name);
    /* EINVAL: not mounted (a leftover of a failed add); unlink anyway. */
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL) {
        return -errno;
    }
    return unlink(path) < 0 ? -errno : 0;
}

int
netns_open(const char *name, int *ret_fd)
{
    _cleanup_free_ char *path = NULL;
    int fd;

    if (!netns_name_is_valid(name)) {
        return -EINVAL;
    }
    path = netns_path(name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    *ret_fd = fd;
    return 0;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
netns_list(char ***ret_names, size_t *ret_n)
{
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    DIR *dir;

    dir = opendir(NETNS_RUN_DIR);
    if (!dir) {
        if (errno != ENOENT) {
            return -errno;
        }
    } else {
        while ((de = readdir(dir))) {
            if (netns_name_is_valid(de->d_name)) {
                names = xrealloc(names, (n + 1) * sizeof *names);
                names[n++] = xstrdup(de->d_name);
            }
        }
        closedir(dir);
    }
    if (n) {
        qsort(names, n, sizeof *names, cmp_names);
    }
    *ret_names = names;
    *ret_n = n;
    return 0;
}

void
netns_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

struct netns_call {
    int netns_fd;
    netns_fn *fn;
    void *aux;
};

static void *
run_in_thread(void *call_)
{
    struct netns_call *call = call_;

    if (setns(call->netns_fd, CLONE_NEWNET) < 0) {
        return (void *) (intptr_t) -errno;
    }
    return (void *) (intptr_t) call->fn(call->aux);
}

int
netns_run(int netns_fd, netns_fn *fn, void *aux)
{
    struct netns_call call = {netns_fd, fn, aux};

    return run_thread(run_in_thread, &call);
}

struct socket_args {
    int domain, type, protocol;
};

static int
open_socket(void *args_)
{
    const struct socket_args *args = args_;
    int fd = socket(args->domain, args->type | SOCK_CLOEXEC, args->protocol);

    return fd < 0 ? -errno : fd;
}

int
netns_socket(int netns_fd, int domain, int type, int protocol)
{
    struct socket_args args = {domain, type, protocol};

    return netns_run(netns_fd, open_socket, &args);
}

struct sysctl_args {
    const char *path;
    const char *value;
};

static int
write_sysctl(void *args_)
{
    const struct sysctl_args *args = args_;
    size_t len = strlen(args->value);
    int fd, r = 0;

    /* Opened on this thread: /proc/sys/net is the opener's namespace's. */
    fd = open(args->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    errno = 0;
    if (write(fd, args->value, len) != (ssize_t) len) {
        r = errno ? -errno : -EIO;
    }
    close(fd);
    return r;
}

int
netns_sysctl_set(int netns_fd, const char *key, const char *value)
{
    _cleanup_free_ char *path = NULL;
    struct sysctl_args args;

    if (!str_startswith(key, "net/") && !str_startswith(key, "net.")) {
        return -EINVAL;
    }
    if (strstr(key, "..") || strstr(key, "//")) {
        return -EINVAL;
    }
    path = xasprintf("/proc/sys/%s", key);
    /* The dotted form has no '/' (so no interface name with a dot). */
    for (char *p = path + strlen("/proc/sys/"); key[3] == '.' && *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    args.path = path;
    args.value = value;
    return netns_run(netns_fd, write_sysctl, &args);
}
