/* The PostgreSQL engine of api/sql.h, on libpq: one blocking connection on
 * the server's loop thread (as SQLite's), statements prepared once per
 * connection, LISTEN/NOTIFY to hear other servers' commits. */
#include "api/sql-provider.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ds.h"
#include "core/log.h"

LOG_DEFINE_THIS_MODULE(sql_pg);

/* The advisory lock every writing transaction takes (sql_begin()); any
 * 64-bit number no other application on the database uses. */
#define PG_WRITE_LOCK "7306928913372860217"

#define PG_CHANNEL "neutrino_feed"

#define PG_MAX_PARAMS 256

struct pg_db {
    struct sql_db up;
    PGconn *conn;
    struct sql_cache cache;
    unsigned long next_name; /* Names prepared statements. */
    long long changes;
    bool notify_pending;
    int own_pid;           /* Our session's backend, whose notifications
                            * we skip. */
    time_t last_reset;     /* Reconnections are tried once a second. */
    bool stale;            /* Connected to a standby: reconnect. */
    unsigned long session; /* Counts (re)connections. */
};

struct pg_stmt {
    struct sql_stmt up;
    char *text;    /* With $N placeholders. */
    char name[24]; /* Of the prepared statement; "" until prepared. */
    int n_params;
    bool exists_if_none; /* An INSERT whose conflict means -EEXIST. */
    const char *values[PG_MAX_PARAMS];
    char *owned[PG_MAX_PARAMS];
    PGresult *res;
    int row, n_rows;
};

static struct pg_db *
pg_db(struct sql_db *db)
{
    return (struct pg_db *) db;
}

static struct pg_stmt *
pg_stmt(struct sql_stmt *stmt)
{
    return (struct pg_stmt *) stmt;
}

/* Maps a failed result to a negative errno. */
static int
pg_error(struct pg_db *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (PQstatus(db->conn) == CONNECTION_BAD) {
        log_warn("database connection lost: %s", PQerrorMessage(db->conn));
        return -ENOTCONN;
    }
    if (state && str_startswith(state, "23")) {
        return -EEXIST;
    }
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
        return -EAGAIN;
    }
    if (state && (!strcmp(state, "55P03") || !strcmp(state, "57014"))) {
        return -EBUSY;
    }
    if (state && !strcmp(state, "25006")) {
        /* A standby now (failed over): find the primary again. */
        log_warn("database is read-only, reconnecting");
        db->stale = true;
        return -ENOTCONN;
    }
    log_error("SQL failed: %s",
              res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    return -EIO;
}

static int
pg_exec(struct sql_db *db_, const char *script, char **ret_error)
{
    struct pg_db *db = pg_db(db_);
    PGresult *res = PQexec(db->conn, script);
    ExecStatusType status = PQresultStatus(res);
    int r = 0;

    if (!res || (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) {
        if (ret_error) {
            *ret_error = xstrdup(res ? PQresultErrorMessage(res)
                                     : "no database connection");
        }
        r = res ? pg_error(db, res) : -ENOTCONN;
    }
    PQclear(res);
    return r;
}

static void
pg_free_stmt(struct sql_stmt *stmt_)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    PQclear(stmt->res);
    for (int i = 0; i < stmt->n_params; i++) {
        free(stmt->owned[i]);
    }
    free(stmt->text);
    free(stmt);
}

static bool
pg_busy(struct sql_stmt *stmt)
{
    return pg_stmt(stmt)->res != NULL;
}

/* The server's notices (libpq prints them on stderr) go to our log. */
static void
on_notice(void *aux, const char *message)
{
    size_t len = strlen(message);

    log_info("database: %.*s",
             (int) (len && message[len - 1] == '\n' ? len - 1 : len), message);
}

/* After (re)connecting: nothing prepared yet, and we listen. */
static int
pg_session_init(struct pg_db *db, char **ret_error)
{
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    sql_cache_clear(&db->cache, pg_free_stmt);
    db->own_pid = PQbackendPID(db->conn);
    db->session++;
    return pg_exec(&db->up,
                   "SET client_min_messages = warning;"
                   /* A server stuck holding the write lock makes the
                    * others answer 503 rather than wait with it. */
                   "SET lock_timeout = '10s';"
                   "LISTEN " PG_CHANNEL,
                   ret_error);
}

/* Tries to get a connection back (at most once a second). */
static int
pg_reconnect(struct pg_db *db)
{
    time_t now = time(NULL);
    char *error = NULL;

    if (PQstatus(db->conn) == CONNECTION_OK && !db->stale) {
        return 0;
    }
    if (now == db->last_reset) {
        return -ENOTCONN;
    }
    db->last_reset = now;
    db->stale = false;
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        log_warn("cannot reconnect to the database: %s",
                 PQerrorMessage(db->conn));
        return -ENOTCONN;
    }
    if (pg_session_init(db, &error)) {
        log_warn("database session set-up failed: %s", error);
        free(error);
        return -ENOTCONN;
    }
    log_info("reconnected to the database");
    return 0;
}

static void pg_close(struct sql_db *);

static int
pg_open(const char *target, bool sync_full, struct sql_db **ret,
        char **ret_error)
{
    struct pg_db *db = xcalloc(1, sizeof *db);
    char *url = xasprintf("postgresql://%s", target);
    /* Later keywords win: the URL may set its own.  Keepalives notice a
     * database host gone silent (a failover) within seconds, not the
     * system's two hours. */
    const char *const keys[] = {"connect_timeout",
                                "keepalives_idle",
                                "keepalives_interval",
                                "keepalives_count",
                                "application_name",
                                "dbname",
                                NULL};
    const char *const values[] = {"5", "5", "2", "3", "neutrino-server",
                                  url, NULL};
    char *error = NULL;
    int r;

    (void) sync_full; /* The database's own synchronous_commit rules. */
    db->up.class = &sql_pg_class;
    db->conn = PQconnectdbParams(keys, values, /* expand_dbname = */ 1);
    free(url);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        *ret_error = xasprintf("postgresql: %s", PQerrorMessage(db->conn));
        pg_close(&db->up);
        return -EIO;
    }
    r = pg_session_init(db, &error);
    if (r) {
        *ret_error = xasprintf("postgresql: %s", error);
        free(error);
        pg_close(&db->up);
        return r;
    }
    *ret = &db->up;
    return 0;
}

static void
pg_close(struct sql_db *db_)
{
    struct pg_db *db = pg_db(db_);

    sql_cache_clear(&db->cache, pg_free_stmt);
    PQfinish(db->conn);
    free(db);
}

static bool
pg_in_transaction(struct sql_db *db_)
{
    struct pg_db *db = pg_db(db_);
    PGTransactionStatusType s = PQtransactionStatus(db->conn);

    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int
pg_begin(struct sql_db *db_, bool write)
{
    struct pg_db *db = pg_db(db_);
    int r = pg_reconnect(db);

    if (r) {
        return r;
    }
    db->notify_pending = false;
    return pg_exec(db_,
                   write ? "BEGIN ISOLATION LEVEL READ COMMITTED;"
                           "SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")"
                         : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                   NULL);
}

static int
pg_commit(struct sql_db *db_)
{
    struct pg_db *db = pg_db(db_);
    PGresult *res;
    int r = 0;

    res = PQexec(db->conn, db->notify_pending ? "NOTIFY " PG_CHANNEL "; COMMIT"
                                              : "COMMIT");
    db->notify_pending = false;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        r = pg_error(db, res);
    } else if (strcmp(PQcmdStatus(res), "COMMIT")) {
        /* An aborted transaction "commits" as a rollback. */
        log_error("transaction rolled back at commit");
        r = -EIO;
    }
    PQclear(res);
    return r;
}

static void
pg_rollback(struct sql_db *db_)
{
    struct pg_db *db = pg_db(db_);

    db->notify_pending = false;
    if (pg_in_transaction(db_)) {
        PQclear(PQexec(db->conn, "ROLLBACK"));
    }
}

/* SQLite's placeholders ('?', '?N') as PostgreSQL's ('$N'), outside
 * quotes; '*ret_n' is the number of parameters. */
static char *
translate(const char *sql, int *ret_n)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    bool quoted = false;
    int next = 0, max = 0;

    for (const char *p = sql; *p; p++) {
        int n;

        if (*p == '\'') {
            quoted = !quoted;
        }
        if (*p != '?' || quoted) {
            ds_put_char(&out, *p);
            continue;
        }
        if (isdigit((unsigned char) p[1])) {
            n = (int) strtol(p + 1, (char **) &p, 10);
            p--;
        } else {
            n = ++next;
        }
        next = MAX(next, n);
        max = MAX(max, n);
        ds_put_format(&out, "$%d", n);
    }
    *ret_n = max;
    return ds_steal(&out);
}

static struct sql_stmt *
pg_prepare(struct sql_db *db_, const char *sql)
{
    struct pg_db *db = pg_db(db_);
    struct sql_stmt *stmt_;
    struct pg_stmt *stmt;
    uint32_t hash;

    stmt_ = sql_cache_find(&db->cache, sql, &hash);
    if (stmt_) {
        sql_reset(stmt_);
        return stmt_;
    }
    stmt = xcalloc(1, sizeof *stmt);
    stmt->up.db = db_;
    stmt->text = translate(sql, &stmt->n_params);
    if (stmt->n_params > PG_MAX_PARAMS) {
        log_error("too many parameters in '%s'", sql);
        pg_free_stmt(&stmt->up);
        return NULL;
    }
    /* A failed statement aborts a PostgreSQL transaction (not an SQLite
     * one), and callers carry on after a duplicate (-EEXIST): an INSERT
     * of values skips a conflicting row instead, and inserting none is
     * the duplicate. */
    if (str_startswith(sql, "INSERT INTO ") && strstr(sql, " VALUES ")
        && !strstr(sql, "ON CONFLICT") && !strstr(sql, "RETURNING")) {
        char *text = xasprintf("%s ON CONFLICT DO NOTHING", stmt->text);
        free(stmt->text);
        stmt->text = text;
        stmt->exists_if_none = true;
    }
    sql_cache_add(&db->cache, sql, hash, &stmt->up, pg_busy, pg_free_stmt);
    return &stmt->up;
}

static void
set_param(struct pg_stmt *stmt, int idx, const char *value, char *owned)
{
    if (idx < 1 || idx > stmt->n_params) {
        free(owned);
        return;
    }
    free(stmt->owned[idx - 1]);
    stmt->owned[idx - 1] = owned;
    stmt->values[idx - 1] = value;
}

static void
pg_bind_null(struct sql_stmt *stmt, int idx)
{
    set_param(pg_stmt(stmt), idx, NULL, NULL);
}

static void
pg_bind_int64(struct sql_stmt *stmt, int idx, long long v)
{
    char *s = xasprintf("%lld", v);

    set_param(pg_stmt(stmt), idx, s, s);
}

static void
pg_bind_text(struct sql_stmt *stmt, int idx, char *s, int len, bool take)
{
    /* Text parameters go NUL-terminated; 'len' adds nothing. */
    (void) len;
    set_param(pg_stmt(stmt), idx, s, take ? s : NULL);
}

static int
execute(struct pg_stmt *stmt)
{
    struct pg_db *db = pg_db(stmt->up.db);
    ExecStatusType status;

    if (PQstatus(db->conn) != CONNECTION_OK) {
        return -ENOTCONN;
    }
    if (!stmt->name[0]) {
        PGresult *res;
        char name[sizeof stmt->name];

        snprintf(name, sizeof name, "s%lu", db->next_name++);
        res = PQprepare(db->conn, name, stmt->text, stmt->n_params, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            int r = pg_error(db, res);
            log_error("cannot prepare '%s'", stmt->text);
            PQclear(res);
            return r;
        }
        PQclear(res);
        memcpy(stmt->name, name, sizeof name);
    }
    stmt->res = PQexecPrepared(db->conn, stmt->name, stmt->n_params,
                               stmt->values, NULL, NULL, 0);
    status = PQresultStatus(stmt->res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        return pg_error(db, stmt->res);
    }
    db->changes = atoll(PQcmdTuples(stmt->res));
    stmt->n_rows = PQntuples(stmt->res);
    stmt->row = -1;
    if (stmt->exists_if_none && !db->changes) {
        return -EEXIST;
    }
    return 0;
}

static int
pg_step(struct sql_stmt *stmt_)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    if (!stmt->res) {
        int r = execute(stmt);
        if (r) {
            PQclear(stmt->res);
            stmt->res = NULL;
            return r;
        }
    }
    return ++stmt->row < stmt->n_rows ? SQL_ROW : SQL_DONE;
}

static void
pg_reset(struct sql_stmt *stmt_)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    PQclear(stmt->res);
    stmt->res = NULL;
    for (int i = 0; i < stmt->n_params; i++) {
        free(stmt->owned[i]);
        stmt->owned[i] = NULL;
        stmt->values[i] = NULL;
    }
}

static bool
pg_column_null(struct sql_stmt *stmt_, int col)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    return PQgetisnull(stmt->res, stmt->row, col);
}

static const char *
pg_column_text(struct sql_stmt *stmt_, int col)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    return PQgetisnull(stmt->res, stmt->row, col)
               ? NULL
               : PQgetvalue(stmt->res, stmt->row, col);
}

static int
pg_column_bytes(struct sql_stmt *stmt_, int col)
{
    struct pg_stmt *stmt = pg_stmt(stmt_);

    return PQgetlength(stmt->res, stmt->row, col);
}

static long long
pg_column_int64(struct sql_stmt *stmt_, int col)
{
    const char *text = pg_column_text(stmt_, col);

    return text ? strtoll(text, NULL, 10) : 0;
}

static long long
pg_changes(struct sql_db *db)
{
    return pg_db(db)->changes;
}

static void
pg_notify(struct sql_db *db)
{
    pg_db(db)->notify_pending = true;
}

static int
pg_notify_fd(struct sql_db *db_, unsigned long *ret_session)
{
    struct pg_db *db = pg_db(db_);

    *ret_session = db->session;
    return PQstatus(db->conn) == CONNECTION_OK ? PQsocket(db->conn) : -1;
}

static int
pg_take_notifications(struct sql_db *db_)
{
    struct pg_db *db = pg_db(db_);
    PGnotify *n;
    int count = 0;

    if (PQstatus(db->conn) != CONNECTION_OK) {
        return -ENOTCONN;
    }
    if (!PQconsumeInput(db->conn)) {
        log_warn("database connection: %s", PQerrorMessage(db->conn));
        return -ENOTCONN;
    }
    while ((n = PQnotifies(db->conn))) {
        count += n->be_pid != db->own_pid;
        PQfreemem(n);
    }
    return count;
}

const struct sql_class sql_pg_class = {
    .dialect = SQL_POSTGRESQL,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .prepare = pg_prepare,
    .bind_null = pg_bind_null,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .step = pg_step,
    .reset = pg_reset,
    .column_null = pg_column_null,
    .column_text = pg_column_text,
    .column_bytes = pg_column_bytes,
    .column_int64 = pg_column_int64,
    .changes = pg_changes,
    .notify = pg_notify,
    .notify_fd = pg_notify_fd,
    .take_notifications = pg_take_notifications,
};
