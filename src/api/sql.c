#include "api/sql.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/sql-provider.h"

/* URL schemes and the engine each names; "postgresql+DRIVER://" (oslo.db's
 * spelling, e.g. +psycopg2) is matched separately. */
static const struct {
    const char *scheme;
    const struct sql_class *class;
} schemes[] = {
    {"sqlite://", &sql_sqlite_class},
    {"postgresql://", &sql_pg_class},
    {"postgres://", &sql_pg_class},
};

int
sql_open(const char *url, bool sync_full, struct sql_db **ret,
         char **ret_error)
{
    const char *plus = "postgresql+";

    for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
        if (str_startswith(url, schemes[i].scheme)) {
            return schemes[i].class->open(url + strlen(schemes[i].scheme),
                                          sync_full, ret, ret_error);
        }
    }
    if (str_startswith(url, plus) && strstr(url, "://")) {
        return sql_pg_class.open(strstr(url, "://") + 3, sync_full, ret,
                                 ret_error);
    }
    *ret_error = xasprintf("%s: unsupported database URL (sqlite:///PATH or "
                           "postgresql://USER:PASSWORD@HOST[:PORT]/DB)",
                           url);
    return -EINVAL;
}

void
sql_close(struct sql_db *db)
{
    if (db) {
        db->class->close(db);
    }
}

enum sql_dialect
sql_dialect(const struct sql_db *db)
{
    return db->class->dialect;
}

int
sql_exec(struct sql_db *db, const char *script, char **ret_error)
{
    return db->class->exec(db, script, ret_error);
}

int
sql_begin(struct sql_db *db, bool write)
{
    int r = db->class->begin(db, write);

    db->writing = !r && write;
    return r;
}

int
sql_commit(struct sql_db *db)
{
    return db->class->commit(db);
}

void
sql_rollback(struct sql_db *db)
{
    db->class->rollback(db);
}

bool
sql_in_transaction(struct sql_db *db)
{
    return db->class->in_transaction(db);
}

bool
sql_in_write_transaction(struct sql_db *db)
{
    return db->writing && db->class->in_transaction(db);
}

struct sql_stmt *
sql_prepare(struct sql_db *db, const char *sql)
{
    return db->class->prepare(db, sql);
}

void
sql_bind_null(struct sql_stmt *stmt, int idx)
{
    stmt->db->class->bind_null(stmt, idx);
}

void
sql_bind_int64(struct sql_stmt *stmt, int idx, long long v)
{
    stmt->db->class->bind_int64(stmt, idx, v);
}

void
sql_bind_text(struct sql_stmt *stmt, int idx, const char *s, int len)
{
    /* Not taken, so not written to either. */
    stmt->db->class->bind_text(stmt, idx, (char *) s, len, false);
}

void
sql_bind_text_take(struct sql_stmt *stmt, int idx, char *s, int len)
{
    stmt->db->class->bind_text(stmt, idx, s, len, true);
}

int
sql_step(struct sql_stmt *stmt)
{
    return stmt->db->class->step(stmt);
}

void
sql_reset(struct sql_stmt *stmt)
{
    stmt->db->class->reset(stmt);
}

bool
sql_column_null(struct sql_stmt *stmt, int col)
{
    return stmt->db->class->column_null(stmt, col);
}

const char *
sql_column_text(struct sql_stmt *stmt, int col)
{
    return stmt->db->class->column_text(stmt, col);
}

int
sql_column_bytes(struct sql_stmt *stmt, int col)
{
    return stmt->db->class->column_bytes(stmt, col);
}

long long
sql_column_int64(struct sql_stmt *stmt, int col)
{
    return stmt->db->class->column_int64(stmt, col);
}

long long
sql_changes(struct sql_db *db)
{
    return db->class->changes(db);
}

void
sql_notify(struct sql_db *db)
{
    db->class->notify(db);
}

int
sql_notify_fd(struct sql_db *db, unsigned long *ret_session)
{
    return db->class->notify_fd(db, ret_session);
}

int
sql_take_notifications(struct sql_db *db)
{
    return db->class->take_notifications(db);
}

/* ---- The statement cache. ---- */

static uint32_t
hash_sql(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s; s++) {
        h = (h ^ (unsigned char) *s) * 16777619u;
    }
    return h;
}

struct sql_stmt *
sql_cache_find(struct sql_cache *cache, const char *sql, uint32_t *hash)
{
    *hash = hash_sql(sql);
    for (size_t i = 0; i < cache->n; i++) {
        struct sql_cache_entry *e = &cache->entries[i];
        if (e->hash == *hash && !strcmp(e->sql, sql)) {
            return e->stmt;
        }
    }
    return NULL;
}

void
sql_cache_add(struct sql_cache *cache, const char *sql, uint32_t hash,
              struct sql_stmt *stmt, bool (*busy)(struct sql_stmt *),
              void (*free_stmt)(struct sql_stmt *))
{
    if (cache->n == SQL_CACHE_MAX) {
        /* A statement still being read (a list whose rows call back into
         * the store) must outlive this. */
        size_t kept = 0;

        for (size_t i = 0; i < cache->n; i++) {
            struct sql_cache_entry *e = &cache->entries[i];
            if (busy(e->stmt)) {
                cache->entries[kept++] = *e;
            } else {
                free_stmt(e->stmt);
                free(e->sql);
            }
        }
        cache->n = kept;
    }
    core_assert(cache->n < SQL_CACHE_MAX);
    cache->entries[cache->n++] =
        (struct sql_cache_entry){xstrdup(sql), hash, stmt};
}

void
sql_cache_clear(struct sql_cache *cache, void (*free_stmt)(struct sql_stmt *))
{
    for (size_t i = 0; i < cache->n; i++) {
        free_stmt(cache->entries[i].stmt);
        free(cache->entries[i].sql);
    }
    cache->n = 0;
}
