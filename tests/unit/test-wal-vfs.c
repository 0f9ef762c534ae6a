/* Unit tests for api/wal-vfs.h: a database written through the VFS reads
 * back whole through SQLite's own VFS, by a second connection while the
 * first is open (as the checkpoint thread reads it), from a copy recovered
 * as after a crash (the frame headers), and after it closed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "api/wal-vfs.h"
#include "core/util.h"

#define VFS_NAME "test-wal-vfs"

struct fixture {
    char dir[64];
    char *path;
    struct walvfs *vfs;
};

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);

    strcpy(f->dir, "/tmp/neutrino-test-walvfs-XXXXXX");
    if (!mkdtemp(f->dir) || walvfs_new(VFS_NAME, &f->vfs)) {
        free(f);
        return -1;
    }
    f->path = xasprintf("%s/test.db", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char *cmd = xasprintf("rm -rf '%s'", f->dir);

    walvfs_free(f->vfs);
    (void) system(cmd);
    free(cmd);
    free(f->path);
    free(f);
    return 0;
}

static sqlite3 *
open_db(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;

    assert_int_equal(
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        vfs),
        SQLITE_OK);
    return db;
}

static void
exec(sqlite3 *db, const char *sql)
{
    char *error = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fail_msg("%s: %s", sql, error ? error : "?");
    }
}

static long long
query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    long long v = -1;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        v = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return v;
}

static void
check_integrity(sqlite3 *db)
{
    sqlite3_stmt *stmt;

    assert_int_equal(
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *) sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
}

/* A copy of the database and its log taken while the writer is open,
 * as a crash leaves them, recovers every commit from the frame headers. */
static void
check_recovery(struct fixture *f)
{
    char *copy = xasprintf("%s/copy.db", f->dir);
    char *cmd = xasprintf("cp '%s' '%s' && cp '%s-wal' '%s-wal'", f->path,
                          copy, f->path, copy);
    sqlite3 *db;

    assert_int_equal(system(cmd), 0);
    db = open_db(copy, NULL);
    check_integrity(db);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 50 * 40);
    sqlite3_close(db);
    free(cmd);
    free(copy);
}

/* Commits of many frames each (rows spread over index pages); another
 * connection sees every commit at once, and everything survives. */
static void
test_round_trip(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_db(f->path, VFS_NAME), *reader;

    exec(db, "PRAGMA journal_mode = WAL;"
             "PRAGMA wal_autocheckpoint = 0;"
             "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);"
             "CREATE INDEX t_v ON t(v);");
    reader = open_db(f->path, NULL);
    for (int round = 0; round < 50; round++) {
        char *sql = xasprintf(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 40) INSERT INTO t (v) SELECT printf('%d-%%d-%%s', i,"
            " hex(randomblob(150))) FROM n;",
            round);
        exec(db, sql);
        free(sql);
        assert_int_equal(query_int(reader, "SELECT COUNT(*) FROM t"),
                         (round + 1) * 40);
        /* Reads through the VFS in the middle of its writes. */
        assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"),
                         (round + 1) * 40);
    }
    check_integrity(reader);
    sqlite3_close(reader);
    check_recovery(f);
    sqlite3_close(db);

    db = open_db(f->path, NULL);
    check_integrity(db);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM t"), 50 * 40);
    assert_int_equal(query_int(db, "SELECT SUM(length(v)) > 50 * 40 * 300 "
                                   "FROM t"),
                     1);
    sqlite3_close(db);
}

static void
test_name_taken(void **state)
{
    struct walvfs *other;

    assert_int_equal(walvfs_new(VFS_NAME, &other), -EEXIST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_taken, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
