/* A bounded cache of token validations, so that most requests need no
 * round trip to Keystone.
 *
 * A valid token is remembered until its expiry or 'valid_time' after it was
 * validated, whichever comes first: like keystonemiddleware's
 * token_cache_time, that second bound is how long a revoked token may still
 * be honoured.  An invalid token is remembered for 'invalid_time', so a
 * flood of bad tokens costs Keystone one request per token and period.
 * When the cache is full the oldest entry (by insertion) makes room.  Keys
 * are hashed with SipHash under a random per-cache key, so clients cannot
 * aim for collisions.
 *
 * Times are wall-clock µs since the epoch, passed in by the caller (tests
 * use their own clock).  Loop thread only. */
#ifndef API_TOKEN_CACHE_H
#define API_TOKEN_CACHE_H 1

#include <stddef.h>
#include <stdint.h>

#include "api/token.h"

struct token_cache;

/* Holds at most 'max_entries' tokens (0 disables caching). */
struct token_cache *token_cache_new(size_t max_entries, int64_t valid_time,
                                    int64_t invalid_time);
void token_cache_free(struct token_cache *);

enum token_lookup {
    TOKEN_MISS,    /* Unknown (or its entry expired): ask Keystone. */
    TOKEN_VALID,   /* '*ret_info' is what Keystone said. */
    TOKEN_INVALID, /* Keystone rejected it recently. */
};

/* Looks up 'token' at time 'now', dropping its entry if expired.  On
 * TOKEN_VALID '*ret_info' points into the cache and stays valid until the
 * next call that adds to the cache. */
enum token_lookup token_cache_lookup(struct token_cache *, const char *token,
                                     int64_t now,
                                     const struct token_info **ret_info);

/* Remembers 'token' as valid, taking ownership of 'info' in any case. */
void token_cache_put_valid(struct token_cache *, const char *token,
                           struct token_info *info, int64_t now);

/* Remembers 'token' as invalid. */
void token_cache_put_invalid(struct token_cache *, const char *token,
                             int64_t now);

/* Number of entries held (expired ones included until seen). */
size_t token_cache_count(const struct token_cache *);

#endif /* api/token-cache.h */
