/*
 * atomicfile.h - replace an output file all at once or not at all.
 *
 * The data goes to a new temporary file in the target's folder, named
 * "<target>.XXXXXX".  dm_atomicfile_commit() renames it over the target;
 * dm_atomicfile_abort() removes it.  Readers of the target therefore see
 * either the old file or the complete new one, never a partial output.
 * Only a process killed between open and commit (e.g. by SIGKILL) can
 * leave the temporary file behind.
 *
 * Whether the data is also synced to the disk before the rename (and the
 * folder after it) is the sync policy below.  By default it is when an
 * existing file is replaced: then a system crash right after the rename
 * cannot cost the previous, good file, while a new file costs no more to
 * write than cp(1) would.  When the data is to be synced, writeback of
 * what is already written is started every few MiB, so that the final
 * sync has little left to wait for.
 *
 * A new target gets the mode a newly created file gets (0666 less the
 * umask); an existing one keeps its permission bits.  A symbolic link as
 * target is replaced by the new file, not followed.
 */
#ifndef DM_ATOMICFILE_H
#define DM_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum dm_sync {
	DM_SYNC_REPLACE,	/* sync only when replacing a file (default) */
	DM_SYNC_ALWAYS,		/* always sync the data and the folder */
	DM_SYNC_NEVER		/* never sync: as durable as cp(1) */
};

/*
 * The struct owns path, tmppath and buf: dm_atomicfile_commit() and
 * dm_atomicfile_abort() free them, whatever their outcome.
 */
struct dm_atomicfile {
	char		*path;		/* the target, as given */
	char		*tmppath;	/* the temporary file beside it */
	int		 fd;		/* open on tmppath, -1 when closed */
	uint64_t	 pos;		/* where the next write goes */
	/*
	 * Set after dm_atomicfile_open().  Without a sync the rename still
	 * replaces the target all at once for its readers, but after a
	 * crash of the system soon afterwards the target may be empty or
	 * partial, as a file written by cp(1) may be.
	 */
	enum dm_sync	 sync;
	int		 replacing;	/* the target existed at open */
	/* Small appended writes, gathered here; see atomicfile.c. */
	unsigned char	*buf;
	size_t		 buflen;
	uint64_t	 bufoff;	/* where buf[0] goes in the file */
	uint64_t	 end;		/* the end of what the file holds */
	uint64_t	 wb_start;	/* writeback started up to here */
	uint64_t	 reserved;	/* blocks allocated up to here */
	/*
	 * Set after dm_atomicfile_open() to keep a CRC-32 of every byte
	 * appended, for dm_atomicfile_verify().  A dm_atomicfile_pwrite()
	 * sets patched: the file is then no longer what was appended.
	 */
	int		 verify;
	int		 patched;
	uint32_t	 crc;
};

/*
 * Creates the temporary file for path.  Refuses (DM_ERR_USAGE) when path
 * names a folder or something other than a regular file, or the same file
 * (same st_dev and st_ino, following symbolic links) as one of inputs, a
 * NULL-terminated list that may itself be NULL.  On failure af is left
 * closed, so that dm_atomicfile_abort() is harmless.
 */
int		 dm_atomicfile_open(struct dm_atomicfile *af, const char *path,
		     const char *const *inputs, struct dm_error *err);

/*
 * Appends len bytes at the current position; errors name the target.
 * Small writes are gathered in a buffer and reach the file later, at the
 * latest in dm_atomicfile_flush() or dm_atomicfile_commit(); large ones
 * go out at once, together with what is gathered.
 */
int		 dm_atomicfile_write(struct dm_atomicfile *af, const void *buf,
		     size_t len, struct dm_error *err);

/*
 * Announces that the file will be about size bytes long, so that its
 * blocks are allocated at once rather than page by page as it is written
 * (fallocate() where there is one; best effort, errors are ignored).  What
 * is allocated past the end is released at commit.
 */
void		 dm_atomicfile_reserve(struct dm_atomicfile *af,
		     uint64_t size);

/* Writes out what dm_atomicfile_write() has gathered. */
int		 dm_atomicfile_flush(struct dm_atomicfile *af,
		     struct dm_error *err);

/*
 * Writes len bytes at offset off, leaving the current position alone
 * (bytes still gathered are changed in place).  On failure errno is left
 * as the failed write set it.
 */
int		 dm_atomicfile_pwrite(struct dm_atomicfile *af,
		     const void *buf, size_t len, uint64_t off,
		     struct dm_error *err);

/* Reads exactly len bytes at offset off of what has been written. */
int		 dm_atomicfile_pread(struct dm_atomicfile *af, void *buf,
		     size_t len, uint64_t off, struct dm_error *err);

/*
 * Reads the whole file back and compares its size and CRC-32 with those
 * of the bytes appended since verify was set, right after the open.
 * Returns 0, or -1 with err set when they differ or cannot be known.
 */
int		 dm_atomicfile_verify(struct dm_atomicfile *af,
		     struct dm_error *err);

/*
 * Writes out what is gathered, syncs the data (as the sync policy says),
 * renames the temporary file over the target and syncs the folder.
 * On failure the temporary file is removed and the target is left as it
 * was.  af is closed afterwards either way.
 */
int		 dm_atomicfile_commit(struct dm_atomicfile *af,
		     struct dm_error *err);

/* Closes and removes the temporary file; does nothing if af is closed. */
void		 dm_atomicfile_abort(struct dm_atomicfile *af);

#endif /* DM_ATOMICFILE_H */
