/* Unit tests for nl/netns.h.  Name checks need nothing; the rest makes a
 * real namespace named ntn-unit-<pid> and is skipped without root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "nl/netns.h"
#include "nl/nl-link.h"
#include "nl/nl-sock.h"

static void
test_name_is_valid(void **state)
{
    char long_name[300];

    assert_true(
        netns_name_is_valid("qdhcp-85f372ef-f39a-42bb-a06b-9f9ed8e4e58e"));
    assert_true(netns_name_is_valid("a"));
    assert_false(netns_name_is_valid(""));
    assert_false(netns_name_is_valid("."));
    assert_false(netns_name_is_valid(".."));
    assert_false(netns_name_is_valid("a/b"));
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false(netns_name_is_valid(long_name));
    assert_int_equal(netns_add("../etc"), -EINVAL);
    assert_int_equal(netns_delete(""), -EINVAL);
}

/* The inode of the calling thread's network namespace. */
static ino_t
current_netns(void)
{
    struct stat st;

    assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
    return st.st_ino;
}

static void
test_name(char *buf, size_t size)
{
    snprintf(buf, size, "ntn-unit-%d", (int) getpid());
}

/* Runs after the test, also when it failed half-way. */
static int
remove_namespace(void **state)
{
    char name[64];
    int r;

    test_name(name, sizeof name);
    /* 0: the test stopped before deleting it; -ENOENT: it got there. */
    r = netns_delete(name);
    return r == 0 || r == -ENOENT ? 0 : -1;
}

static int
report_netns(void *ino)
{
    *(ino_t *) ino = current_netns();
    return 42;
}

/* Reads one digit from /proc/sys/'path'. */
static int
read_digit(const char *path)
{
    char full[256], c = '?';
    FILE *f;

    snprintf(full, sizeof full, "/proc/sys/%s", path);
    f = fopen(full, "r");
    if (!f) {
        return -1;
    }
    if (fread(&c, 1, 1, f) != 1) {
        c = '?';
    }
    fclose(f);
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* ip_nonlocal_bind * 10 + accept_ra of the calling thread's namespace. */
static int
read_sysctls(void *aux)
{
    return read_digit("net/ipv4/ip_nonlocal_bind") * 10
           + read_digit("net/ipv6/conf/default/accept_ra");
}

static void
test_namespace_life(void **state)
{
    char name[64];
    struct nl_sock *sock;
    struct nl_link *links;
    char **names;
    size_t n;
    ino_t home, inside = 0;
    struct stat st;
    int fd, sock_fd;
    bool listed = false;

    if (geteuid() != 0) {
        skip();
    }
    test_name(name, sizeof name);
    home = current_netns();
    assert_int_equal(netns_add(name), 0);
    assert_int_equal(netns_add(name), -EEXIST);
    /* Making it did not move this thread. */
    assert_int_equal(current_netns(), home);

    assert_int_equal(netns_list(&names, &n), 0);
    for (size_t i = 0; i < n; i++) {
        listed |= streq(names[i], name);
    }
    netns_names_free(names, n);
    assert_true(listed);

    assert_int_equal(netns_open(name, &fd), 0);
    assert_int_equal(fstat(fd, &st), 0);
    /* A function runs inside it, and this thread stays home. */
    assert_int_equal(netns_run(fd, report_netns, &inside), 42);
    assert_int_equal(inside, st.st_ino);
    assert_int_not_equal(inside, home);
    assert_int_equal(current_netns(), home);

    /* A socket opened there: a fresh namespace has only lo. */
    sock_fd = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
    assert_true(sock_fd >= 0);
    close(sock_fd);
    assert_int_equal(nl_sock_open_netns(fd, &sock), 0);
    close(fd);
    assert_int_equal(nl_link_list(sock, &links, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(links[0].name, "lo");
    free(links);
    nl_sock_close(sock);

    /* Sysctls are set inside, not here. */
    assert_int_equal(netns_open(name, &fd), 0);
    assert_int_equal(netns_sysctl_set(fd, "net/ipv4/ip_nonlocal_bind", "1"),
                     0);
    assert_int_equal(
        netns_sysctl_set(fd, "net.ipv6.conf.default.accept_ra", "0"), 0);
    assert_int_equal(netns_run(fd, read_sysctls, NULL), 10);
    assert_int_equal(netns_sysctl_set(fd, "net/ipv4/no_such_key", "1"),
                     -ENOENT);
    assert_int_equal(netns_sysctl_set(fd, "kernel/hostname", "x"), -EINVAL);
    assert_int_equal(netns_sysctl_set(fd, "net/../kernel/hostname", "x"),
                     -EINVAL);
    close(fd);

    assert_int_equal(netns_delete(name), 0);
    assert_int_equal(netns_open(name, &fd), -ENOENT);
    assert_int_equal(netns_delete(name), -ENOENT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_is_valid),
        cmocka_unit_test_teardown(test_namespace_life, remove_namespace),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
