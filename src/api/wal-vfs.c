#include "api/wal-vfs.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

/* SQLite's WAL frame header size. */
#define FRAME_HEADER 24

struct walvfs {
    sqlite3_vfs vfs; /* First: SQLite hands us this pointer. */
    sqlite3_vfs *real;
    char *name;
};

/* A log file.  The real VFS's file follows at 'real'. */
struct wal_file {
    sqlite3_file base; /* First: pMethods is wal_methods. */
    sqlite3_file *real;
    int held; /* Bytes of 'header' not yet written. */
    sqlite3_int64 held_offset;
    char header[FRAME_HEADER];
    char *buf; /* Header plus page, for the combined write. */
    size_t buf_size;
};

/* Where the real file lives inside ours, suitably aligned. */
#define REAL_OFFSET ((sizeof(struct wal_file) + 15) & ~(size_t) 15)

static int
real_write(struct wal_file *f, const void *data, int n, sqlite3_int64 off)
{
    return f->real->pMethods->xWrite(f->real, data, n, off);
}

/* Writes out a held header. */
static int
flush(struct wal_file *f)
{
    int n = f->held;

    f->held = 0;
    return n ? real_write(f, f->header, n, f->held_offset) : SQLITE_OK;
}

static int
wal_write(sqlite3_file *file, const void *data, int n, sqlite3_int64 off)
{
    struct wal_file *f = (struct wal_file *) file;
    size_t total;
    int rc;

    if (f->held && off == f->held_offset + f->held) {
        total = (size_t) f->held + n;
        if (total > f->buf_size) {
            f->buf = xrealloc(f->buf, total);
            f->buf_size = total;
        }
        memcpy(f->buf, f->header, f->held);
        memcpy(f->buf + f->held, data, n);
        f->held = 0;
        return real_write(f, f->buf, total, f->held_offset);
    }
    rc = flush(f);
    if (rc != SQLITE_OK) {
        return rc;
    }
    if (n == FRAME_HEADER) {
        memcpy(f->header, data, n);
        f->held = n;
        f->held_offset = off;
        return SQLITE_OK;
    }
    return real_write(f, data, n, off);
}

static int
wal_close(sqlite3_file *file)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);
    int rc2 = f->real->pMethods->xClose(f->real);

    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int
wal_read(sqlite3_file *file, void *data, int n, sqlite3_int64 off)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xRead(f->real, data, n, off);
}

static int
wal_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int
wal_sync(sqlite3_file *file, int flags)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int
wal_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int
wal_lock(sqlite3_file *file, int level)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, level);
}

static int
wal_unlock(sqlite3_file *file, int level)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, level);
}

static int
wal_check_reserved(sqlite3_file *file, int *out)
{
    struct wal_file *f = (struct wal_file *) file;

    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
wal_file_control(sqlite3_file *file, int op, void *arg)
{
    struct wal_file *f = (struct wal_file *) file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc
                           : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
wal_sector_size(sqlite3_file *file)
{
    struct wal_file *f = (struct wal_file *) file;

    return f->real->pMethods->xSectorSize(f->real);
}

static int
wal_device_characteristics(sqlite3_file *file)
{
    struct wal_file *f = (struct wal_file *) file;

    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: a log has no shared memory or memory map of its own. */
static const sqlite3_io_methods wal_methods = {
    .iVersion = 1,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device_characteristics,
};

/* Other files are the real VFS's own, laid out at the start of ours; a
 * log gets a wal_file in front of the real one. */
static int
walvfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
            int *out_flags)
{
    struct walvfs *w = (struct walvfs *) vfs;
    struct wal_file *f = (struct wal_file *) file;
    int rc;

    if (!(flags & SQLITE_OPEN_WAL)) {
        return w->real->xOpen(w->real, name, file, flags, out_flags);
    }
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *) ((char *) file + REAL_OFFSET);
    rc = w->real->xOpen(w->real, name, f->real, flags, out_flags);
    if (!f->real->pMethods) {
        file->pMethods = NULL; /* Failed: nothing to close. */
        return rc;
    }
    file->pMethods = &wal_methods;
    return rc;
}

int
walvfs_new(const char *name, struct walvfs **ret)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    struct walvfs *w;

    if (!real) {
        return -ENOENT;
    }
    if (sqlite3_vfs_find(name)) {
        return -EEXIST;
    }
    w = xcalloc(1, sizeof *w);
    /* The real VFS's methods take any VFS pointer (unix's read only
     * pAppData and mxPathname from it, copied here). */
    w->vfs = *real;
    w->vfs.pNext = NULL;
    w->vfs.szOsFile = REAL_OFFSET + real->szOsFile;
    w->name = xstrdup(name);
    w->vfs.zName = w->name;
    w->vfs.xOpen = walvfs_open;
    w->real = real;
    if (sqlite3_vfs_register(&w->vfs, 0) != SQLITE_OK) {
        free(w->name);
        free(w);
        return -EIO;
    }
    *ret = w;
    return 0;
}

void
walvfs_free(struct walvfs *w)
{
    if (w) {
        sqlite3_vfs_unregister(&w->vfs);
        free(w->name);
        free(w);
    }
}
