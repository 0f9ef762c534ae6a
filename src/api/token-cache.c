#include "api/token-cache.h"

#include "core/siphash.h"

struct cache_entry {
    char *token;
    uint64_t hash;
    struct token_info *info; /* NULL: an invalid token. */
    int64_t until;           /* Dropped at or after this time. */
    struct cache_entry *next_in_bucket;
    struct cache_entry *older, *newer; /* Insertion order. */
};

struct token_cache {
    uint8_t key[16];
    size_t max_entries, n_entries;
    size_t n_buckets; /* Power of two. */
    struct cache_entry **buckets;
    struct cache_entry *oldest, *newest;
    int64_t valid_time, invalid_time;
};

struct token_cache *
token_cache_new(size_t max_entries, int64_t valid_time, int64_t invalid_time)
{
    struct token_cache *cache = xcalloc(1, sizeof *cache);

    random_bytes(cache->key, sizeof cache->key);
    cache->max_entries = max_entries;
    cache->n_buckets = 16;
    while (cache->n_buckets < max_entries) {
        cache->n_buckets *= 2;
    }
    cache->buckets = xcalloc(cache->n_buckets, sizeof *cache->buckets);
    cache->valid_time = valid_time;
    cache->invalid_time = invalid_time;
    return cache;
}

static void
entry_free(struct cache_entry *e)
{
    free(e->token);
    token_info_free(e->info);
    free(e);
}

void
token_cache_free(struct token_cache *cache)
{
    if (cache) {
        for (struct cache_entry *e = cache->oldest, *next; e; e = next) {
            next = e->newer;
            entry_free(e);
        }
        free(cache->buckets);
        free(cache);
    }
}

static struct cache_entry **
bucket_of(struct token_cache *cache, uint64_t hash)
{
    return &cache->buckets[hash & (cache->n_buckets - 1)];
}

/* The link that points at the entry for 'token', or at the bucket's
 * terminating NULL. */
static struct cache_entry **
find_link(struct token_cache *cache, const char *token, uint64_t hash)
{
    struct cache_entry **link = bucket_of(cache, hash);

    while (*link && ((*link)->hash != hash || strcmp((*link)->token, token))) {
        link = &(*link)->next_in_bucket;
    }
    return link;
}

static void
remove_entry(struct token_cache *cache, struct cache_entry *e)
{
    struct cache_entry **link = find_link(cache, e->token, e->hash);

    *link = e->next_in_bucket;
    if (e->older) {
        e->older->newer = e->newer;
    } else {
        cache->oldest = e->newer;
    }
    if (e->newer) {
        e->newer->older = e->older;
    } else {
        cache->newest = e->older;
    }
    cache->n_entries--;
    entry_free(e);
}

static uint64_t
hash_token(const struct token_cache *cache, const char *token)
{
    return siphash24(cache->key, token, strlen(token));
}

enum token_lookup
token_cache_lookup(struct token_cache *cache, const char *token, int64_t now,
                   const struct token_info **ret_info)
{
    uint64_t hash = hash_token(cache, token);
    struct cache_entry *e = *find_link(cache, token, hash);

    if (!e) {
        return TOKEN_MISS;
    }
    if (now >= e->until) {
        remove_entry(cache, e);
        return TOKEN_MISS;
    }
    if (!e->info) {
        return TOKEN_INVALID;
    }
    *ret_info = e->info;
    return TOKEN_VALID;
}

static void
put(struct token_cache *cache, const char *token, struct token_info *info,
    int64_t until)
{
    uint64_t hash = hash_token(cache, token);
    struct cache_entry *e, *old = *find_link(cache, token, hash);

    if (old) {
        remove_entry(cache, old);
    }
    if (!cache->max_entries) {
        token_info_free(info);
        return;
    }
    if (cache->n_entries == cache->max_entries) {
        remove_entry(cache, cache->oldest);
    }
    e = xcalloc(1, sizeof *e);
    e->token = xstrdup(token);
    e->hash = hash;
    e->info = info;
    e->until = until;
    e->next_in_bucket = *bucket_of(cache, hash);
    *bucket_of(cache, hash) = e;
    e->older = cache->newest;
    if (cache->newest) {
        cache->newest->newer = e;
    } else {
        cache->oldest = e;
    }
    cache->newest = e;
    cache->n_entries++;
}

void
token_cache_put_valid(struct token_cache *cache, const char *token,
                      struct token_info *info, int64_t now)
{
    int64_t until = now + cache->valid_time;

    put(cache, token, info,
        info->expires_at < until ? info->expires_at : until);
}

void
token_cache_put_invalid(struct token_cache *cache, const char *token,
                        int64_t now)
{
    put(cache, token, NULL, now + cache->invalid_time);
}

size_t
token_cache_count(const struct token_cache *cache)
{
    return cache->n_entries;
}
