/*
 * atomicfile.c - write to a temporary file, then rename it over the target.
 *
 * Writes of less than DM_AF_DIRECT bytes are appended to a buffer of
 * DM_AF_BUFSIZE bytes; a larger write goes to the file at once, in one
 * system call with whatever the buffer holds.  So a writer may hand over
 * headers of a few bytes between megabytes of data and the file still
 * sees writes of a megabyte or so: small writes cost system time for
 * every page they touch, and zeroing of partly written pages.
 *
 * A writer that knows about how large the file will be says so with
 * dm_atomicfile_reserve(): the blocks are then allocated in one call
 * (fallocate() where there is one) instead of page by page, which saves
 * system time while writing and block allocation at the sync.
 *
 * Unless the syncs are off, writeback of the file is started each time
 * DM_AF_WRITEBEHIND more bytes have been written (sync_file_range() where
 * there is one), so that the disk works while the writer does and the
 * sync at commit waits for the last few MiB only.  Without syncs it is
 * left to the kernel, as for any other file.
 *
 * For the tests only, DM_TEST_KILL_AFTER in the environment makes the
 * process raise SIGKILL on itself at a point of the test's choosing,
 * whatever the speed of the machine: a number N, once N bytes in all have
 * been written to temporary files (the write that would pass N is cut
 * there first); "commit", at the commit, when the data is written, synced
 * and closed but not yet renamed; "rename", right after the rename.
 * tests/faults.sh kills the writers of every format that way.
 */
#include "config.h"

#include "atomicfile.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC	0
#endif

/* How many names are tried before giving up on creating the temporary. */
#define DM_ATOMIC_TRIES	100

#define DM_AF_BUFSIZE		((size_t)1 << 20)
#define DM_AF_DIRECT		((size_t)256 << 10)
#define DM_AF_WRITEBEHIND	((uint64_t)16 << 20)
/* Writeback is started on whole blocks of this size only. */
#define DM_AF_WBBLOCK		((uint64_t)64 << 10)

/* The test hook's kill points (see the top); read once. */
enum atomic_kill { KILL_UNREAD, KILL_NEVER, KILL_BYTES, KILL_COMMIT,
	KILL_RENAME };
static enum atomic_kill	 atomic_kill_at = KILL_UNREAD;
static uint64_t		 atomic_kill_bytes;
static uint64_t		 atomic_written;	/* by every atomic file */

static enum atomic_kill
atomic_kill_point(void)
{
	const char *s;
	char *end;
	unsigned long long n;

	if (atomic_kill_at != KILL_UNREAD)
		return atomic_kill_at;
	atomic_kill_at = KILL_NEVER;
	s = getenv("DM_TEST_KILL_AFTER");
	if (s == NULL || *s == '\0')
		return atomic_kill_at;
	if (strcmp(s, "commit") == 0)
		atomic_kill_at = KILL_COMMIT;
	else if (strcmp(s, "rename") == 0)
		atomic_kill_at = KILL_RENAME;
	else if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0') {
			atomic_kill_at = KILL_BYTES;
			atomic_kill_bytes = n;
		}
	}
	return atomic_kill_at;
}

/*
 * With a kill point N bytes in, cuts the write of len bytes that iov
 * describes where it would pass N; returns whether it was cut (the
 * process is then to be killed after writing what is left).
 */
static int
atomic_kill_cut(struct iovec *iov, int *iovcnt, size_t len)
{
	uint64_t room;
	size_t keep;
	int k;

	if (atomic_kill_point() != KILL_BYTES)
		return 0;
	room = atomic_kill_bytes > atomic_written ?
	    atomic_kill_bytes - atomic_written : 0;
	if (len <= room && room > 0)
		return 0;
	keep = (size_t)(len < room ? len : room);
	for (k = 0; k < *iovcnt; k++) {
		if (iov[k].iov_len >= keep) {
			iov[k].iov_len = keep;
			*iovcnt = k + 1;
			break;
		}
		keep -= iov[k].iov_len;
	}
	return 1;
}

static const char dm_tmpchars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/*
 * The next number of a splitmix64 sequence.  The names only need to be
 * unlikely to collide; O_EXCL makes a collision harmless.
 */
static uint64_t
atomic_next(uint64_t *state)
{
	uint64_t z;

	*state += 0x9e3779b97f4a7c15ULL;
	z = *state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
atomic_seed(const void *p)
{
	static uint64_t counter;
	struct timespec ts;
	uint64_t seed;

	seed = (uint64_t)getpid() << 32;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		seed ^= (uint64_t)ts.tv_sec * 1000000007ULL ^
		    (uint64_t)ts.tv_nsec;
	seed ^= (uint64_t)(uintptr_t)p;
	seed += ++counter * 0x2545f4914f6cdd1dULL;
	return seed;
}

/* Fills the last six characters of name with random letters and digits. */
static void
atomic_randomise(char *name, size_t len, uint64_t *state)
{
	uint64_t r;
	size_t k;

	r = atomic_next(state);
	for (k = len - 6; k < len; k++) {
		name[k] = dm_tmpchars[r % (sizeof dm_tmpchars - 1)];
		r /= sizeof dm_tmpchars - 1;
	}
}

/* Refuses an output that is one of the inputs; st is the output's stat. */
static int
atomic_check_inputs(const char *path, const struct stat *st,
    const char *const *inputs, struct dm_error *err)
{
	struct stat ist;
	size_t k;

	if (inputs == NULL)
		return 0;
	for (k = 0; inputs[k] != NULL; k++) {
		if (stat(inputs[k], &ist) != 0)
			continue;
		if (ist.st_dev == st->st_dev && ist.st_ino == st->st_ino)
			return dm_error_file(err, DM_ERR_USAGE, path,
			    "output is the same file as input %s", inputs[k]);
	}
	return 0;
}

int
dm_atomicfile_open(struct dm_atomicfile *af, const char *path,
    const char *const *inputs, struct dm_error *err)
{
	struct stat st;
	uint64_t state;
	size_t len;
	int exists, tries, saved;

	memset(af, 0, sizeof *af);
	af->fd = -1;
	if (path == NULL || *path == '\0')
		return dm_error_set(err, DM_ERR_USAGE, "empty output path");
	len = strlen(path);
	if (path[len - 1] == '/')
		return dm_error_file(err, DM_ERR_USAGE, path, "is a directory");

	exists = 0;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return dm_error_file(err, DM_ERR_USAGE, path,
			    "is a directory");
		if (!S_ISREG(st.st_mode))
			return dm_error_file(err, DM_ERR_USAGE, path,
			    "not a regular file");
		if (atomic_check_inputs(path, &st, inputs, err) == -1)
			return -1;
		exists = 1;
	} else if (errno != ENOENT)
		return dm_error_file(err, DM_ERR_IO, path, "%s",
		    strerror(errno));

	if ((af->path = strdup(path)) == NULL ||
	    (af->tmppath = malloc(len + 8)) == NULL) {
		free(af->path);
		af->path = NULL;
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	memcpy(af->tmppath, path, len);
	memcpy(af->tmppath + len, ".XXXXXX", 8);

	state = atomic_seed(af);
	for (tries = 0; tries < DM_ATOMIC_TRIES; tries++) {
		atomic_randomise(af->tmppath, len + 7, &state);
		af->fd = open(af->tmppath,
		    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (af->fd != -1 || errno != EEXIST)
			break;
	}
	if (af->fd == -1) {
		saved = errno;
		free(af->path);
		free(af->tmppath);
		af->path = af->tmppath = NULL;
		return dm_error_file(err, DM_ERR_IO, path, "cannot create a "
		    "temporary file beside it: %s", strerror(saved));
	}
	if (exists && fchmod(af->fd, st.st_mode & 07777) != 0) {
		saved = errno;
		dm_atomicfile_abort(af);
		return dm_error_file(err, DM_ERR_IO, path, "%s",
		    strerror(saved));
	}
	af->replacing = exists;
	return 0;
}

/*
 * Whether the data is to be synced before the rename.  A target that has
 * appeared since the open is a file to keep too.
 */
static int
atomic_durable(const struct dm_atomicfile *af, int now)
{
	struct stat st;

	switch (af->sync) {
	case DM_SYNC_ALWAYS:
		return 1;
	case DM_SYNC_NEVER:
		return 0;
	default:
		return af->replacing || (now && lstat(af->path, &st) == 0);
	}
}

/* Starts writeback of what was written since the last time. */
static void
atomic_writebehind(struct dm_atomicfile *af)
{
#ifdef SYNC_FILE_RANGE_WRITE
	uint64_t end;

	if (!atomic_durable(af, 0))
		return;
	end = af->end - af->end % DM_AF_WBBLOCK;
	if (end <= af->wb_start || end - af->wb_start < DM_AF_WRITEBEHIND)
		return;
	/* Best effort: the sync at commit is what counts. */
	(void)sync_file_range(af->fd, (off_t)af->wb_start,
	    (off_t)(end - af->wb_start), SYNC_FILE_RANGE_WRITE);
	af->wb_start = end;
#else
	(void)af;
#endif
}

/*
 * Writes the iovcnt buffers of iov (changed on the way) at offset off.  On
 * failure errno is left as the failed write set it.
 */
static int
atomic_pwritev(struct dm_atomicfile *af, struct iovec *iov, int iovcnt,
    uint64_t off, struct dm_error *err)
{
	ssize_t r;
	size_t len, n;
	int k, saved, cut;

	len = 0;
	for (k = 0; k < iovcnt; k++)
		len += iov[k].iov_len;
	if (off > (uint64_t)INT64_MAX - len) {
		dm_error_file(err, DM_ERR_RANGE, af->path, "file too large");
		errno = EFBIG;
		return -1;
	}
	cut = atomic_kill_cut(iov, &iovcnt, len);
	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		r = pwritev(af->fd, iov, iovcnt, (off_t)off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			dm_error_file(err, DM_ERR_IO, af->path, "cannot "
			    "write: %s", strerror(saved));
			errno = saved;
			return -1;
		}
		if (r == 0) {
			dm_error_file(err, DM_ERR_IO, af->path, "cannot "
			    "write: no progress");
			errno = EIO;
			return -1;
		}
		off += (uint64_t)r;
		atomic_written += (uint64_t)r;
		for (n = (size_t)r; n > 0; ) {
			if (n >= iov->iov_len) {
				n -= iov->iov_len;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (unsigned char *)iov->iov_base +
				    n;
				iov->iov_len -= n;
				n = 0;
			}
		}
	}
	if (cut)
		raise(SIGKILL);
	if (off > af->end)
		af->end = off;
	atomic_writebehind(af);
	return 0;
}

void
dm_atomicfile_reserve(struct dm_atomicfile *af, uint64_t size)
{
#ifdef FALLOC_FL_KEEP_SIZE
	if (af->fd == -1 || size <= af->reserved || size > (uint64_t)INT64_MAX)
		return;
	/* The size stays that of the data written. */
	if (fallocate(af->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)size) == 0)
		af->reserved = size;
#else
	(void)af;
	(void)size;
#endif
}

int
dm_atomicfile_flush(struct dm_atomicfile *af, struct dm_error *err)
{
	struct iovec iov;

	if (af->buflen == 0)
		return 0;
	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	iov.iov_base = af->buf;
	iov.iov_len = af->buflen;
	if (atomic_pwritev(af, &iov, 1, af->bufoff, err) == -1)
		return -1;
	af->buflen = 0;
	return 0;
}

int
dm_atomicfile_pwrite(struct dm_atomicfile *af, const void *buf, size_t len,
    uint64_t off, struct dm_error *err)
{
	struct iovec iov;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	if (off > (uint64_t)INT64_MAX - len) {
		dm_error_file(err, DM_ERR_RANGE, af->path, "file too large");
		errno = EFBIG;
		return -1;
	}
	if (af->buflen > 0 && off < af->bufoff + af->buflen &&
	    off + len > af->bufoff) {
		if (off >= af->bufoff && off + len <= af->bufoff + af->buflen) {
			memcpy(af->buf + (off - af->bufoff), buf, len);
			af->patched = 1;
			return 0;
		}
		if (dm_atomicfile_flush(af, err) == -1)
			return -1;
	}
	af->patched = 1;
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return atomic_pwritev(af, &iov, 1, off, err);
}

int
dm_atomicfile_write(struct dm_atomicfile *af, const void *buf, size_t len,
    struct dm_error *err)
{
	struct iovec iov[2];
	uint64_t off;
	int n;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	if (len == 0)
		return 0;
	if (af->pos > (uint64_t)INT64_MAX - len) {
		dm_error_file(err, DM_ERR_RANGE, af->path, "file too large");
		errno = EFBIG;
		return -1;
	}
	if (af->verify)
		af->crc = dm_crc32(af->crc, buf, len);
	if (len < DM_AF_DIRECT) {
		if (af->buflen > DM_AF_BUFSIZE - len &&
		    dm_atomicfile_flush(af, err) == -1)
			return -1;
		if (af->buf == NULL)
			af->buf = malloc(DM_AF_BUFSIZE);
		if (af->buf != NULL) {
			if (af->buflen == 0)
				af->bufoff = af->pos;
			memcpy(af->buf + af->buflen, buf, len);
			af->buflen += len;
			af->pos += len;
			return 0;
		}
		/* Without a buffer, every write goes out at once. */
	}
	n = 0;
	off = af->pos;
	if (af->buflen > 0) {
		iov[n].iov_base = af->buf;
		iov[n++].iov_len = af->buflen;
		off = af->bufoff;
	}
	iov[n].iov_base = (void *)buf;
	iov[n++].iov_len = len;
	if (atomic_pwritev(af, iov, n, off, err) == -1)
		return -1;
	af->buflen = 0;
	af->pos += len;
	return 0;
}

int
dm_atomicfile_pread(struct dm_atomicfile *af, void *buf, size_t len,
    uint64_t off, struct dm_error *err)
{
	unsigned char *p = buf;
	ssize_t r;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	if (dm_atomicfile_flush(af, err) == -1)
		return -1;
	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len)
			return dm_error_file(err, DM_ERR_RANGE, af->path,
			    "offset out of range");
		r = pread(af->fd, p, len, (off_t)off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return dm_error_file(err, DM_ERR_IO, af->path,
			    "cannot read back: %s", strerror(errno));
		}
		if (r == 0)
			return dm_error_file(err, DM_ERR_IO, af->path,
			    "cannot read back: unexpected end of file at byte "
			    "%llu", (unsigned long long)off);
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int
dm_atomicfile_verify(struct dm_atomicfile *af, struct dm_error *err)
{
	unsigned char *buf;
	struct stat st;
	uint64_t off;
	uint32_t crc;
	size_t len;
	int rc = -1;

	if (!af->verify || af->patched)
		return dm_error_file(err, DM_ERR_INVALID, af->path,
		    "cannot verify: the bytes meant are not known");
	if (dm_atomicfile_flush(af, err) == -1)
		return -1;
	if (fstat(af->fd, &st) == -1)
		return dm_error_file(err, DM_ERR_IO, af->path, "cannot "
		    "verify: %s", strerror(errno));
	if ((uint64_t)st.st_size != af->pos)
		return dm_error_file(err, DM_ERR_IO, af->path, "verify: the "
		    "file written holds %llu bytes, not %llu",
		    (unsigned long long)st.st_size,
		    (unsigned long long)af->pos);
	if ((buf = malloc(DM_AF_BUFSIZE)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	crc = 0;
	for (off = 0; off < af->pos; off += len) {
		len = af->pos - off > DM_AF_BUFSIZE ? DM_AF_BUFSIZE :
		    (size_t)(af->pos - off);
		if (dm_atomicfile_pread(af, buf, len, off, err) == -1)
			goto out;
		crc = dm_crc32(crc, buf, len);
	}
	if (crc != af->crc) {
		dm_error_file(err, DM_ERR_IO, af->path, "verify: the file "
		    "written reads back with CRC-32 %08x, not %08x as written",
		    (unsigned int)crc, (unsigned int)af->crc);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Syncs the folder holding path, so that the rename itself is durable. */
static void
atomic_sync_dir(const char *path)
{
	const char *slash;
	char *dir;
	size_t len;
	int fd;

	slash = strrchr(path, '/');
	if (slash == NULL)
		dir = strdup(".");
	else {
		len = slash == path ? 1 : (size_t)(slash - path);
		if ((dir = malloc(len + 1)) != NULL) {
			memcpy(dir, path, len);
			dir[len] = '\0';
		}
	}
	if (dir == NULL)
		return;
	/* Best effort: some file systems cannot sync a directory. */
	fd = open(dir, O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
dm_atomicfile_commit(struct dm_atomicfile *af, struct dm_error *err)
{
	int saved, durable;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	if (dm_atomicfile_flush(af, err) == -1) {
		dm_atomicfile_abort(af);
		return -1;
	}
	free(af->buf);
	af->buf = NULL;
	/* Blocks reserved past the end are released; if not, no harm. */
	if (af->reserved > af->end &&
	    ftruncate(af->fd, (off_t)af->end) != 0)
		af->reserved = 0;
	durable = atomic_durable(af, 1);
	/* The message is made before the abort frees the names. */
	if (durable && fdatasync(af->fd) != 0) {
		dm_error_file(err, DM_ERR_IO, af->path, "cannot sync: %s",
		    strerror(errno));
		dm_atomicfile_abort(af);
		return -1;
	}
	if (close(af->fd) != 0) {
		saved = errno;
		af->fd = -1;
		dm_error_file(err, DM_ERR_IO, af->path, "cannot close: %s",
		    strerror(saved));
		dm_atomicfile_abort(af);
		return -1;
	}
	af->fd = -1;
	if (atomic_kill_point() == KILL_COMMIT)
		raise(SIGKILL);
	if (rename(af->tmppath, af->path) != 0) {
		dm_error_file(err, DM_ERR_IO, af->path, "cannot rename %s "
		    "over it: %s", af->tmppath, strerror(errno));
		dm_atomicfile_abort(af);
		return -1;
	}
	if (atomic_kill_point() == KILL_RENAME)
		raise(SIGKILL);
	if (durable)
		atomic_sync_dir(af->path);
	free(af->path);
	free(af->tmppath);
	af->path = af->tmppath = NULL;
	return 0;
}

void
dm_atomicfile_abort(struct dm_atomicfile *af)
{
	if (af->fd != -1) {
		close(af->fd);
		af->fd = -1;
	}
	if (af->tmppath != NULL)
		(void)unlink(af->tmppath);
	free(af->path);
	free(af->tmppath);
	free(af->buf);
	af->path = af->tmppath = NULL;
	af->buf = NULL;
	af->buflen = 0;
}
