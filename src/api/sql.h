/* The SQL engines under the storage module (api/store.h): one connection to
 * SQLite or to PostgreSQL (libpq) behind the same calls, so the store's
 * queries run unchanged on both.  Only store.c uses this module.
 *
 * Statements are written with SQLite's placeholders ('?' and '?N'); the
 * PostgreSQL engine turns them into '$N'.  Prepared statements are cached
 * by their text and owned by the connection: a statement from
 * sql_prepare() is valid until the next sql_prepare() of the same text or
 * until the connection is reset, so prepare, bind, step and reset it in
 * one go.  Text bound with sql_bind_text() is not copied: it must live
 * until the statement is reset.  Columns read with sql_column_*() are
 * valid until the next sql_step() or sql_reset() of their statement.
 *
 * Errors are negative errnos: -EEXIST (a uniqueness or other integrity
 * constraint), -EBUSY (a lock not granted in time), -EAGAIN (a
 * serialization failure or deadlock: the transaction must be redone),
 * -ENOTCONN (the connection is lost; the next sql_begin() reconnects),
 * -EIO (anything else, logged). */
#ifndef API_SQL_H
#define API_SQL_H 1

#include <stdbool.h>

#include "core/util.h"

struct sql_db;
struct sql_stmt;

enum sql_dialect {
    SQL_SQLITE,
    SQL_POSTGRESQL,
};

/* What sql_step() returns besides errors. */
#define SQL_DONE 0
#define SQL_ROW  1

/* Opens the database 'url' names: "sqlite:///PATH" (created if missing;
 * 'sync_full' selects synchronous=FULL over NORMAL) or
 * "postgresql://..." / "postgres://..." / "postgresql+DRIVER://..."
 * (libpq's URI syntax, several hosts and target_session_attrs included).
 * Returns 0 or a negative errno with '*ret_error' set (malloc'd). */
int sql_open(const char *url, bool sync_full, struct sql_db **ret,
             char **ret_error) WARN_UNUSED;
void sql_close(struct sql_db *);

enum sql_dialect sql_dialect(const struct sql_db *);

/* Runs 'script', statements separated by ';', without parameters.  On
 * failure sets '*ret_error' (malloc'd) if 'ret_error' is not NULL. */
int sql_exec(struct sql_db *, const char *script, char **ret_error);

/* Opens a transaction.  'write': one that may write.  SQLite takes the
 * database's write lock up front (BEGIN IMMEDIATE).  PostgreSQL runs it
 * READ COMMITTED under one advisory lock every writing server takes, so
 * writes on several servers are serialized as on SQLite (their reads see
 * every write committed before: no serialization failures, no deadlocks,
 * revisions logged in commit order); a read-only one is a REPEATABLE READ
 * snapshot without the lock.  On PostgreSQL a lost connection is
 * re-established here (at most once a second). */
int sql_begin(struct sql_db *, bool write) WARN_UNUSED;
/* Commits, with the notification sql_notify() queued if any; a
 * transaction PostgreSQL had to abort fails with -EIO and stays open for
 * sql_rollback(). */
int sql_commit(struct sql_db *) WARN_UNUSED;
/* Rolls back the transaction, if one is open. */
void sql_rollback(struct sql_db *);
bool sql_in_transaction(struct sql_db *);
/* True while a transaction begun to write is open. */
bool sql_in_write_transaction(struct sql_db *);

/* A reset statement for 'sql', or NULL (logged). */
struct sql_stmt *sql_prepare(struct sql_db *, const char *sql);
/* Parameters count from 1. */
void sql_bind_null(struct sql_stmt *, int idx);
void sql_bind_int64(struct sql_stmt *, int idx, long long v);
/* 'len' -1: up to the NUL, which must be there in any case. */
void sql_bind_text(struct sql_stmt *, int idx, const char *s, int len);
/* The same, taking over 's' (malloc'd). */
void sql_bind_text_take(struct sql_stmt *, int idx, char *s, int len);
/* SQL_ROW, SQL_DONE or a negative errno. */
int sql_step(struct sql_stmt *) WARN_UNUSED;
void sql_reset(struct sql_stmt *);

bool sql_column_null(struct sql_stmt *, int col);
/* NULL for a NULL column. */
const char *sql_column_text(struct sql_stmt *, int col);
int sql_column_bytes(struct sql_stmt *, int col);
long long sql_column_int64(struct sql_stmt *, int col);

/* Rows the last INSERT, UPDATE or DELETE changed. */
long long sql_changes(struct sql_db *);

/* Change notifications between servers (PostgreSQL's LISTEN/NOTIFY on
 * channel "neutrino_feed"; SQLite has one server, hence none).
 * sql_notify() queues one for sql_commit() to send with the commit.
 * sql_notify_fd() is the descriptor to watch for others' (-1: none);
 * '*ret_session' changes with every reconnection (the descriptor may keep
 * its number while being another socket).  sql_take_notifications() returns
 * how many arrived from other connections since the last call (reading what is
 * waiting on the descriptor without blocking), or a negative errno. */
void sql_notify(struct sql_db *);
int sql_notify_fd(struct sql_db *, unsigned long *ret_session);
int sql_take_notifications(struct sql_db *);

#endif /* api/sql.h */
