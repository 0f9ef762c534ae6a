/* Small helpers every module uses: allocation that aborts on failure,
 * assertions that survive NDEBUG, cleanup attributes for locals and a few
 * string helpers.
 *
 * Out of memory aborts (xmalloc and friends): the daemons run under a
 * supervisor that restarts them, and error paths stay short.  Every input
 * size is capped before allocation, so a peer cannot provoke it. */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)     ((a) < (b) ? (a) : (b))
#define MAX(a, b)     ((a) > (b) ? (a) : (b))

#define NORETURN                __attribute__((noreturn))
#define PRINTF_FORMAT(fmt, arg) __attribute__((format(printf, fmt, arg)))
#define WARN_UNUSED             __attribute__((warn_unused_result))

/* An assertion that is not compiled out by NDEBUG: for programming errors
 * only, never for bad input. */
#define core_assert(cond)                                                     \
    ((cond) ? (void) 0 : core_assert_failure(__FILE__, __LINE__, #cond))
NORETURN void core_assert_failure(const char *file, int line,
                                  const char *cond);

NORETURN void core_abort(const char *fmt, ...) PRINTF_FORMAT(1, 2);

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_FORMAT(1, 2);
char *xvasprintf(const char *fmt, va_list args) PRINTF_FORMAT(1, 0);

static inline bool
streq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static inline bool
str_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Cleanup helpers for locals in functions with several exits. */
static inline void
freep(void *p)
{
    free(*(void **) p);
}
#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)

/* Hands over a pointer owned by a cleanup variable. */
#define TAKE_PTR(p)                                                           \
    ({                                                                        \
        typeof(p) take_ptr_tmp_ = (p);                                        \
        (p) = NULL;                                                           \
        take_ptr_tmp_;                                                        \
    })

/* True if 's' is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
bool utf8_is_valid(const char *s);

/* The code points of the 'len' bytes at 's' (NUL-terminated at or after
 * 'len'), in a malloc'd array of '*ret_n' (free()); a byte that does not
 * start a well-formed sequence stands for itself. */
uint32_t *utf8_decode(const char *s, size_t len, size_t *ret_n);

/* Returns a malloc'd copy of 's' with every byte that is not part of
 * well-formed UTF-8 replaced by '?'. */
char *utf8_sanitize(const char *s);

/* Fills 'buf' with 'n' unpredictable bytes (kernel-seeded CSPRNG). */
void random_bytes(void *buf, size_t n);

/* True if 'secret' and 'given' are equal, in a time that depends only on
 * the length of 'given' (the caller's input), so that timing tells an
 * attacker nothing about 'secret'. */
bool str_equal_secret(const char *secret, const char *given);

/* Current wall-clock time as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds),
 * Neutron's standard-attribute timestamp format, into 'buf' (at least 21
 * bytes). */
#define TIMESTAMP_LEN 21
void timestamp_now(char buf[TIMESTAMP_LEN]);

/* Parses an ISO 8601 UTC time as Keystone writes it
 * ("2026-11-29T03:48:38.000000Z", fraction and 'Z' or "+00:00" optional)
 * into µs since the epoch.  Returns 0 or -EINVAL. */
int timestamp_parse_usec(const char *s, int64_t *ret) WARN_UNUSED;

/* Returns true if 's' is "YYYY-MM-DDTHH:MM:SS" optionally followed by 'Z'
 * or a fractional part, a valid calendar time. */
bool timestamp_is_valid(const char *s);

#endif /* core/util.h */
