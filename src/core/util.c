#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

void
core_assert_failure(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: assertion %s failed\n", file, line, cond);
    abort();
}

void
core_abort(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    abort();
}

static void *
check_alloc(void *p)
{
    if (!p) {
        core_abort("virtual memory exhausted");
    }
    return p;
}

void *
xmalloc(size_t size)
{
    return check_alloc(malloc(size ? size : 1));
}

void *
xcalloc(size_t n, size_t size)
{
    return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *
xrealloc(void *p, size_t size)
{
    return check_alloc(realloc(p, size ? size : 1));
}

char *
xstrdup(const char *s)
{
    return check_alloc(strdup(s));
}

char *
xstrndup(const char *s, size_t n)
{
    return check_alloc(strndup(s, n));
}

char *
xvasprintf(const char *fmt, va_list args)
{
    char *s;

    if (vasprintf(&s, fmt, args) < 0) {
        core_abort("virtual memory exhausted");
    }
    return s;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    s = xvasprintf(fmt, args);
    va_end(args);
    return s;
}

void
random_bytes(void *buf, size_t n)
{
    char *p = buf;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            core_abort("getrandom failed");
        }
        p += r;
        n -= r;
    }
}

void
timestamp_now(char buf[TIMESTAMP_LEN])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool
timestamp_is_valid(const char *s)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

    if (!end) {
        return false;
    }
    if (*end == '.') {
        end++;
        while (*end >= '0' && *end <= '9') {
            end++;
        }
    }
    if (*end == 'Z') {
        end++;
    }
    return *end == '\0';
}

unsigned long long
time_monotonic_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}
