/* A SQLite VFS that writes each WAL frame with one system call, not two.
 *
 * SQLite appends a frame to the write-ahead log as two writes: its 24-byte
 * header, then its page.  On a VM a write system call costs more than
 * copying the page, so this VFS, layered over another (the default), holds
 * a frame header back until the page that follows it arrives and writes
 * both at once.  Anything else done to the log first (a read, sync,
 * truncate, close, a write elsewhere) writes the held header out before
 * it, so SQLite never sees the difference: a frame is only part of the log
 * once its commit frame is written and the WAL index updated, both after
 * the page write.  Every other file passes through untouched.
 *
 * walvfs_new() registers the VFS with SQLite under 'name' (not as the
 * default); open databases with it by name.  walvfs_free() unregisters it;
 * no connection may use it any more by then.  Single-threaded use per
 * file, as SQLite's own VFS. */
#ifndef API_WAL_VFS_H
#define API_WAL_VFS_H 1

#include "core/util.h"

struct walvfs;

/* Registers a VFS 'name' over SQLite's default VFS.  Returns 0 or a
 * negative errno (-EEXIST: the name is taken). */
int walvfs_new(const char *name, struct walvfs **ret) WARN_UNUSED;
void walvfs_free(struct walvfs *);

#endif /* api/wal-vfs.h */
