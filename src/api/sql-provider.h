/* What an SQL engine under api/sql.h provides: a class of function
 * pointers, and the statement cache both engines share.  Internal to the
 * sql modules (sql.c, sql-sqlite.c, sql-pg.c). */
#ifndef API_SQL_PROVIDER_H
#define API_SQL_PROVIDER_H 1

#include <stdint.h>

#include "api/sql.h"

struct sql_class {
    enum sql_dialect dialect;
    /* 'target': the URL without its scheme. */
    int (*open)(const char *target, bool sync_full, struct sql_db **ret,
                char **ret_error);
    void (*close)(struct sql_db *);
    int (*exec)(struct sql_db *, const char *script, char **ret_error);
    int (*begin)(struct sql_db *, bool write);
    int (*commit)(struct sql_db *);
    void (*rollback)(struct sql_db *);
    bool (*in_transaction)(struct sql_db *);
    struct sql_stmt *(*prepare)(struct sql_db *, const char *sql);
    void (*bind_null)(struct sql_stmt *, int idx);
    void (*bind_int64)(struct sql_stmt *, int idx, long long v);
    /* 'take': free 's' when done with it. */
    void (*bind_text)(struct sql_stmt *, int idx, char *s, int len, bool take);
    int (*step)(struct sql_stmt *);
    void (*reset)(struct sql_stmt *);
    bool (*column_null)(struct sql_stmt *, int col);
    const char *(*column_text)(struct sql_stmt *, int col);
    int (*column_bytes)(struct sql_stmt *, int col);
    long long (*column_int64)(struct sql_stmt *, int col);
    long long (*changes)(struct sql_db *);
    void (*notify)(struct sql_db *);
    int (*notify_fd)(struct sql_db *, unsigned long *ret_session);
    int (*take_notifications)(struct sql_db *);
};

/* The first member of every engine's connection and statement. */
struct sql_db {
    const struct sql_class *class;
    bool writing; /* The transaction open, if any, was begun to write. */
};

struct sql_stmt {
    struct sql_db *db;
};

extern const struct sql_class sql_sqlite_class;
extern const struct sql_class sql_pg_class;

/* Prepared statements by their SQL text.  The cache is bounded: when full,
 * the statements not in use are dropped ('busy' says which are). */
#define SQL_CACHE_MAX 256

struct sql_cache_entry {
    char *sql;
    uint32_t hash; /* Of 'sql', to skip most comparisons. */
    struct sql_stmt *stmt;
};

struct sql_cache {
    struct sql_cache_entry entries[SQL_CACHE_MAX];
    size_t n;
};

/* The statement cached for 'sql', or NULL; '*hash' is set either way for
 * sql_cache_add(). */
struct sql_stmt *sql_cache_find(struct sql_cache *, const char *sql,
                                uint32_t *hash);
/* Adds 'stmt' (taken over) for 'sql', first dropping the idle statements
 * with 'free_stmt' if the cache is full. */
void sql_cache_add(struct sql_cache *, const char *sql, uint32_t hash,
                   struct sql_stmt *stmt, bool (*busy)(struct sql_stmt *),
                   void (*free_stmt)(struct sql_stmt *));
/* Drops every statement. */
void sql_cache_clear(struct sql_cache *, void (*free_stmt)(struct sql_stmt *));

#endif /* api/sql-provider.h */
