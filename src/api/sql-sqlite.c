/* The SQLite engine of api/sql.h: WAL mode, our WAL VFS (api/wal-vfs.h),
 * checkpoints on a thread of their own. */
#include "api/sql-provider.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/wal-vfs.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(sql_sqlite);

/* WAL checkpoints (copying the log back into the database, with fsyncs)
 * run on a thread of their own with its own connection, so a request never
 * waits for one.  SQLite lets a checkpoint run beside the writer. */
struct checkpointer {
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool exiting;
    sqlite3 *db;
};

/* How often the checkpointer looks at the log, and the log size (frames
 * of a page) past which it insists on starting the log over. */
#define CHECKPOINT_INTERVAL_MS    200
#define CHECKPOINT_RESTART_FRAMES 8192

struct lite_db {
    struct sql_db up;
    struct walvfs *vfs; /* The connection's VFS: one write per WAL frame. */
    sqlite3 *db;
    struct sql_cache cache;
    struct checkpointer *checkpointer;
};

struct lite_stmt {
    struct sql_stmt up;
    sqlite3_stmt *stmt;
};

static struct lite_db *
lite_db(struct sql_db *db)
{
    return (struct lite_db *) db;
}

static sqlite3_stmt *
lite_stmt(struct sql_stmt *stmt)
{
    return ((struct lite_stmt *) stmt)->stmt;
}

static int
lite_exec(struct sql_db *db_, const char *sql, char **ret_error)
{
    struct lite_db *db = lite_db(db_);
    char *msg = NULL;

    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (ret_error) {
            *ret_error = xstrdup(msg ? msg : "unknown error");
        }
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

static void *
checkpointer_main(void *aux)
{
    struct checkpointer *cp = aux;
    bool behind = false;

    pthread_mutex_lock(&cp->mutex);
    while (!cp->exiting) {
        struct timespec deadline;
        long wait_ms = behind ? 1 : CHECKPOINT_INTERVAL_MS;
        int log = 0, done = 0, rc;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += wait_ms * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&cp->cond, &cp->mutex, &deadline);
        pthread_mutex_unlock(&cp->mutex);
        rc = sqlite3_wal_checkpoint_v2(cp->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                       &log, &done);
        behind = rc == SQLITE_OK && done < log;
        if (log > CHECKPOINT_RESTART_FRAMES) {
            /* A log that never drains under steady writes: wait for the
             * writer once, so the next transaction starts it over. */
            (void) sqlite3_wal_checkpoint_v2(
                cp->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
        }
        pthread_mutex_lock(&cp->mutex);
    }
    pthread_mutex_unlock(&cp->mutex);
    return NULL;
}

static void
checkpointer_stop(struct checkpointer *cp)
{
    if (cp) {
        pthread_mutex_lock(&cp->mutex);
        cp->exiting = true;
        pthread_cond_signal(&cp->cond);
        pthread_mutex_unlock(&cp->mutex);
        pthread_join(cp->thread, NULL);
        sqlite3_close(cp->db);
        pthread_cond_destroy(&cp->cond);
        pthread_mutex_destroy(&cp->mutex);
        free(cp);
    }
}

/* Starts the checkpointer; without one SQLite checkpoints inline. */
static void
checkpointer_start(struct lite_db *db, const char *path)
{
    struct checkpointer *cp = xcalloc(1, sizeof *cp);

    if (sqlite3_open_v2(path, &cp->db, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK) {
        log_warn("%s: no checkpoint thread: %s", path, sqlite3_errmsg(cp->db));
        sqlite3_close(cp->db);
        free(cp);
        return;
    }
    sqlite3_busy_timeout(cp->db, 1000);
    /* A connection learns that the database is in WAL mode only once it
     * reads it; until then checkpoints do nothing. */
    if (sqlite3_exec(cp->db, "PRAGMA journal_mode", NULL, NULL, NULL)
        != SQLITE_OK) {
        log_warn("%s: no checkpoint thread: %s", path, sqlite3_errmsg(cp->db));
        sqlite3_close(cp->db);
        free(cp);
        return;
    }
    pthread_mutex_init(&cp->mutex, NULL);
    pthread_cond_init(&cp->cond, NULL);
    if (pthread_create(&cp->thread, NULL, checkpointer_main, cp)) {
        sqlite3_close(cp->db);
        free(cp);
        return;
    }
    db->checkpointer = cp;
    sqlite3_wal_autocheckpoint(db->db, 0);
}

static void lite_close(struct sql_db *);

/* 'target' is what follows "sqlite://": "/relative" or "//absolute", as
 * SQLAlchemy's sqlite:///relative and sqlite:////absolute. */
static int
lite_open(const char *target, bool sync_full, struct sql_db **ret,
          char **ret_error)
{
    struct lite_db *db = xcalloc(1, sizeof *db);
    const char *path = target + (*target == '/');
    char *vfs_name = xasprintf("neutrino-wal-%p", (void *) db);
    int r;

    db->up.class = &sql_sqlite_class;
    if (*target != '/' || !*path) {
        *ret_error = xasprintf("sqlite://%s: no database path", target);
        free(vfs_name);
        free(db);
        return -EINVAL;
    }
    /* SQLite's memory statistics take a global mutex on every allocation,
     * and nothing reads them.  Only possible before SQLite initialises
     * (the first open); later calls fail harmlessly. */
    (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    r = walvfs_new(vfs_name, &db->vfs);
    if (r) {
        *ret_error = xasprintf("%s: cannot set up the SQLite VFS: %s", path,
                               strerror(-r));
        free(vfs_name);
        lite_close(&db->up);
        return r;
    }
    r = sqlite3_open_v2(path, &db->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                            | SQLITE_OPEN_NOMUTEX,
                        vfs_name);
    free(vfs_name);
    if (r != SQLITE_OK) {
        *ret_error = xasprintf(
            "%s: %s", path, db->db ? sqlite3_errmsg(db->db) : "cannot open");
        lite_close(&db->up);
        return -EIO;
    }
    sqlite3_busy_timeout(db->db, 5000);
    r = lite_exec(&db->up,
                  "PRAGMA journal_mode = WAL;"
                  "PRAGMA foreign_keys = ON;"
                  "PRAGMA cache_size = -16384;"
                  /* Shrink the log file back after a restart. */
                  "PRAGMA journal_size_limit = 67108864;"
                  /* Savepoint journals in memory, not temp files. */
                  "PRAGMA temp_store = MEMORY;",
                  ret_error);
    if (!r) {
        r = lite_exec(&db->up,
                      sync_full ? "PRAGMA synchronous = FULL"
                                : "PRAGMA synchronous = NORMAL",
                      ret_error);
    }
    if (r) {
        lite_close(&db->up);
        return r;
    }
    checkpointer_start(db, path);
    *ret = &db->up;
    return 0;
}

static void
lite_free_stmt(struct sql_stmt *stmt)
{
    sqlite3_finalize(lite_stmt(stmt));
    free(stmt);
}

static bool
lite_busy(struct sql_stmt *stmt)
{
    return sqlite3_stmt_busy(lite_stmt(stmt));
}

static void
lite_close(struct sql_db *db_)
{
    struct lite_db *db = lite_db(db_);

    checkpointer_stop(db->checkpointer);
    sql_cache_clear(&db->cache, lite_free_stmt);
    sqlite3_close(db->db);
    walvfs_free(db->vfs); /* After its last connection. */
    free(db);
}

/* Maps a failed step's result code to a negative errno. */
static int
lite_error(sqlite3 *db, int rc)
{
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        return -EEXIST;
    }
    if ((rc & 0xff) == SQLITE_BUSY) {
        return -EBUSY;
    }
    log_error("SQL step failed: %s", sqlite3_errmsg(db));
    return -EIO;
}

static int
lite_run(struct lite_db *db, const char *sql)
{
    struct sql_stmt *stmt = sql_prepare(&db->up, sql);
    int r;

    if (!stmt) {
        return -EIO;
    }
    r = sql_step(stmt);
    sql_reset(stmt);
    return r == SQL_DONE ? 0 : r < 0 ? r : -EIO;
}

static int
lite_begin(struct sql_db *db, bool write)
{
    return lite_run(lite_db(db), write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int
lite_commit(struct sql_db *db)
{
    return lite_run(lite_db(db), "COMMIT");
}

static bool
lite_in_transaction(struct sql_db *db)
{
    return !sqlite3_get_autocommit(lite_db(db)->db);
}

static void
lite_rollback(struct sql_db *db)
{
    if (lite_in_transaction(db)) {
        (void) lite_run(lite_db(db), "ROLLBACK");
    }
}

static struct sql_stmt *
lite_prepare(struct sql_db *db_, const char *sql)
{
    struct lite_db *db = lite_db(db_);
    struct sql_stmt *stmt;
    struct lite_stmt *ls;
    uint32_t hash;

    stmt = sql_cache_find(&db->cache, sql, &hash);
    if (stmt) {
        sqlite3_reset(lite_stmt(stmt));
        sqlite3_clear_bindings(lite_stmt(stmt));
        return stmt;
    }
    ls = xcalloc(1, sizeof *ls);
    ls->up.db = db_;
    if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &ls->stmt, NULL)
        != SQLITE_OK) {
        log_error("cannot prepare '%s': %s", sql, sqlite3_errmsg(db->db));
        free(ls);
        return NULL;
    }
    sql_cache_add(&db->cache, sql, hash, &ls->up, lite_busy, lite_free_stmt);
    return &ls->up;
}

static void
lite_bind_null(struct sql_stmt *stmt, int idx)
{
    sqlite3_bind_null(lite_stmt(stmt), idx);
}

static void
lite_bind_int64(struct sql_stmt *stmt, int idx, long long v)
{
    sqlite3_bind_int64(lite_stmt(stmt), idx, v);
}

static void
lite_bind_text(struct sql_stmt *stmt, int idx, char *s, int len, bool take)
{
    sqlite3_bind_text(lite_stmt(stmt), idx, s, len,
                      take ? free : SQLITE_STATIC);
}

static int
lite_step(struct sql_stmt *stmt)
{
    int rc = sqlite3_step(lite_stmt(stmt));

    return rc == SQLITE_ROW    ? SQL_ROW
           : rc == SQLITE_DONE ? SQL_DONE
                               : lite_error(lite_db(stmt->db)->db, rc);
}

static void
lite_reset(struct sql_stmt *stmt)
{
    sqlite3_reset(lite_stmt(stmt));
}

static bool
lite_column_null(struct sql_stmt *stmt, int col)
{
    return sqlite3_column_type(lite_stmt(stmt), col) == SQLITE_NULL;
}

static const char *
lite_column_text(struct sql_stmt *stmt, int col)
{
    return (const char *) sqlite3_column_text(lite_stmt(stmt), col);
}

static int
lite_column_bytes(struct sql_stmt *stmt, int col)
{
    return sqlite3_column_bytes(lite_stmt(stmt), col);
}

static long long
lite_column_int64(struct sql_stmt *stmt, int col)
{
    return sqlite3_column_int64(lite_stmt(stmt), col);
}

static long long
lite_changes(struct sql_db *db)
{
    return sqlite3_changes(lite_db(db)->db);
}

/* One server per SQLite file: nobody else to hear from. */
static void
lite_notify(struct sql_db *db)
{
}

static int
lite_notify_fd(struct sql_db *db, unsigned long *ret_session)
{
    *ret_session = 0;
    return -1;
}

static int
lite_take_notifications(struct sql_db *db)
{
    return 0;
}

const struct sql_class sql_sqlite_class = {
    .dialect = SQL_SQLITE,
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .in_transaction = lite_in_transaction,
    .prepare = lite_prepare,
    .bind_null = lite_bind_null,
    .bind_int64 = lite_bind_int64,
    .bind_text = lite_bind_text,
    .step = lite_step,
    .reset = lite_reset,
    .column_null = lite_column_null,
    .column_text = lite_column_text,
    .column_bytes = lite_column_bytes,
    .column_int64 = lite_column_int64,
    .changes = lite_changes,
    .notify = lite_notify,
    .notify_fd = lite_notify_fd,
    .take_notifications = lite_take_notifications,
};
