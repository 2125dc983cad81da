/*
 * atomicfile.c - write to a temporary file, then rename it over the target.
 */
#include "config.h"

#include "atomicfile.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC	0
#endif

/* How many names are tried before giving up on creating the temporary. */
#define DM_ATOMIC_TRIES	100

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
			return dm_error_set(err, DM_ERR_USAGE,
			    "%s: output is the same file as input %s", path,
			    inputs[k]);
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
		return dm_error_set(err, DM_ERR_USAGE, "%s: is a directory",
		    path);

	exists = 0;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return dm_error_set(err, DM_ERR_USAGE,
			    "%s: is a directory", path);
		if (!S_ISREG(st.st_mode))
			return dm_error_set(err, DM_ERR_USAGE,
			    "%s: not a regular file", path);
		if (atomic_check_inputs(path, &st, inputs, err) == -1)
			return -1;
		exists = 1;
	} else if (errno != ENOENT)
		return dm_error_set(err, DM_ERR_IO, "%s: %s", path,
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
		return dm_error_set(err, DM_ERR_IO,
		    "%s: cannot create a temporary file beside it: %s", path,
		    strerror(saved));
	}
	if (exists && fchmod(af->fd, st.st_mode & 07777) != 0) {
		saved = errno;
		dm_atomicfile_abort(af);
		return dm_error_set(err, DM_ERR_IO, "%s: %s", path,
		    strerror(saved));
	}
	return 0;
}

int
dm_atomicfile_pwrite(struct dm_atomicfile *af, const void *buf, size_t len,
    uint64_t off, struct dm_error *err)
{
	const unsigned char *p = buf;
	ssize_t r;
	int saved;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len) {
			dm_error_set(err, DM_ERR_RANGE, "%s: file too large",
			    af->path);
			errno = EFBIG;
			return -1;
		}
		r = pwrite(af->fd, p, len, (off_t)off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			dm_error_set(err, DM_ERR_IO, "%s: cannot write: %s",
			    af->path, strerror(saved));
			errno = saved;
			return -1;
		}
		if (r == 0) {
			dm_error_set(err, DM_ERR_IO,
			    "%s: cannot write: no progress", af->path);
			errno = EIO;
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int
dm_atomicfile_write(struct dm_atomicfile *af, const void *buf, size_t len,
    struct dm_error *err)
{
	if (dm_atomicfile_pwrite(af, buf, len, af->pos, err) == -1)
		return -1;
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
	while (len > 0) {
		if (off > (uint64_t)INT64_MAX - len)
			return dm_error_set(err, DM_ERR_RANGE,
			    "%s: offset out of range", af->path);
		r = pread(af->fd, p, len, (off_t)off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return dm_error_set(err, DM_ERR_IO,
			    "%s: cannot read back: %s", af->path,
			    strerror(errno));
		}
		if (r == 0)
			return dm_error_set(err, DM_ERR_IO,
			    "%s: cannot read back: unexpected end of file at "
			    "byte %llu", af->path, (unsigned long long)off);
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
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
	int saved;

	if (af->fd == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: file is closed",
		    af->path ? af->path : "output");
	if (fsync(af->fd) != 0) {
		saved = errno;
		dm_atomicfile_abort(af);
		return dm_error_set(err, DM_ERR_IO, "%s: cannot sync: %s",
		    af->path, strerror(saved));
	}
	if (close(af->fd) != 0) {
		saved = errno;
		af->fd = -1;
		dm_atomicfile_abort(af);
		return dm_error_set(err, DM_ERR_IO, "%s: cannot close: %s",
		    af->path, strerror(saved));
	}
	af->fd = -1;
	if (rename(af->tmppath, af->path) != 0) {
		saved = errno;
		dm_atomicfile_abort(af);
		return dm_error_set(err, DM_ERR_IO, "%s: cannot rename %s "
		    "over it: %s", af->path, af->tmppath, strerror(saved));
	}
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
	af->path = af->tmppath = NULL;
}
