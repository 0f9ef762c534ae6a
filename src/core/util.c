#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
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
    /* glibc's arc4random: a ChaCha20 stream the kernel reseeds, without a
     * system call per use (ids, MACs and addresses are drawn per
     * request). */
    arc4random_buf(buf, n);
}

bool
str_equal_secret(const char *secret, const char *given)
{
    size_t ns = strlen(secret), ng = strlen(given);
    /* Every byte of 'given' is compared, against a byte of 'secret' at a
     * position that does not depend on where a mismatch is. */
    unsigned char diff = ns != ng;

    for (size_t i = 0; i < ng; i++) {
        diff |=
            (unsigned char) given[i] ^ (unsigned char) secret[i % (ns + 1)];
    }
    return !diff;
}

void
timestamp_now(char buf[TIMESTAMP_LEN])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
timestamp_parse_usec(const char *s, int64_t *ret)
{
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    int64_t usec = 0, scale = 100000;
    time_t t;

    if (!p) {
        return -EINVAL;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char) *p); p++) {
            usec += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (!strcmp(p, "+00:00")) {
        p += 6;
    }
    t = timegm(&tm);
    if (*p || t == (time_t) -1) {
        return -EINVAL;
    }
    *ret = (int64_t) t * 1000000 + usec;
    return 0;
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

/* Length of the well-formed UTF-8 sequence at 's', or 0; its code point
 * in '*ret_cp' (may be NULL). */
static size_t
utf8_sequence(const unsigned char *s, uint32_t *ret_cp)
{
    unsigned int c = s[0], cp;
    size_t n;

    if (c < 0x80) {
        n = 1, cp = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    if (ret_cp) {
        *ret_cp = cp;
    }
    return n;
}

bool
utf8_is_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    while (*p) {
        size_t n = utf8_sequence(p, NULL);
        if (!n) {
            return false;
        }
        p += n;
    }
    return true;
}

uint32_t *
utf8_decode(const char *s, size_t len, size_t *ret_n)
{
    const unsigned char *p = (const unsigned char *) s;
    uint32_t *out = xcalloc(len + 1, sizeof *out);
    size_t n = 0;

    for (size_t i = 0; i < len;) {
        size_t k = utf8_sequence(p + i, &out[n]);

        if (!k || i + k > len) {
            out[n] = p[i]; /* Not UTF-8: the byte stands for itself. */
            k = 1;
        }
        n++;
        i += k;
    }
    *ret_n = n;
    return out;
}

char *
utf8_sanitize(const char *s)
{
    char *copy = xstrdup(s);
    unsigned char *p = (unsigned char *) copy;

    while (*p) {
        size_t n = utf8_sequence(p, NULL);
        if (!n) {
            *p++ = '?';
        } else {
            p += n;
        }
    }
    return copy;
}
