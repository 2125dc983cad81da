/*
 * zipout.c - the zip container of .pt and .npz files: entries are
 * streamed by zipw.c into an atomic file, CRC-32 and all, in one pass over
 * the data, and the finished archive's headers are read back from the
 * file and checked (zipcheck.h) before it replaces the target; with the
 * verify option libzip also reads all of it back (ziplib.h).
 */
#include "config.h"

#include "zipout.h"
#include "atomicfile.h"
#include "zipcheck.h"
#include "ziplib.h"
#include "zipw.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Zip output: written by zipw.c into an atomic file, then opened with
 * libzip (which checks every local header against the central directory)
 * and compared with what was meant to be written.
 */

struct dm_zipout {
	struct dm_atomicfile af;
	struct dm_zipw	 zw;
	struct dm_tensorout_stream *s;
};

static struct dm_zipout *
zipout_open(const char *path, unsigned int align,
    struct dm_tensorout_stream *s, struct dm_error *err)
{
	const struct dm_tensorout_opts *opts = s->opts;
	struct dm_zipout *z;

	if (align > 4096 || (align & (align - 1)) != 0) {
		dm_error_file(err, DM_ERR_USAGE, path, "bad alignment %u",
		    align);
		return NULL;
	}
	if ((z = calloc(1, sizeof *z)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	z->s = s;
	if (dm_atomicfile_open(&z->af, path,
	    opts != NULL ? opts->inputs : NULL, err) == -1) {
		free(z);
		return NULL;
	}
	z->af.sync = opts != NULL ? opts->sync : DM_SYNC_REPLACE;
	if (dm_zipw_init(&z->zw, &z->af, align, err) == -1) {
		dm_atomicfile_abort(&z->af);
		free(z);
		return NULL;
	}
	return z;
}

void
dm_zipout_reserve(struct dm_zipout *z, uint64_t nent, size_t namelen,
    uint64_t data)
{
	uint64_t each;

	each = dm_zipw_entry_overhead(&z->zw, namelen);
	if (nent > ((uint64_t)INT64_MAX - DM_ZIPW_END_MAX) / each ||
	    data > (uint64_t)INT64_MAX - DM_ZIPW_END_MAX - nent * each)
		return;
	dm_atomicfile_reserve(&z->af, data + nent * each + DM_ZIPW_END_MAX);
}

int
dm_zipout_add_buffer(struct dm_zipout *z, const char *name, const void *data,
    size_t len, struct dm_error *err)
{
	if (dm_zipw_begin(&z->zw, name, len, err) == -1 ||
	    dm_zipw_data(&z->zw, data, len, err) == -1)
		return -1;
	return dm_zipw_end(&z->zw, err);
}

int
dm_zipout_add_tensor(struct dm_zipout *z, const char *name, const void *hdr,
    size_t hdrlen, size_t i, uint64_t nbytes, struct dm_error *err)
{
	const unsigned char *p;
	uint64_t pos;
	size_t len;

	if (nbytes > (uint64_t)INT64_MAX - hdrlen)
		return dm_error_file(err, DM_ERR_RANGE, z->af.path,
		    "%s: archive too large", name);
	if (dm_zipw_begin(&z->zw, name, hdrlen + nbytes, err) == -1 ||
	    dm_zipw_data(&z->zw, hdr, hdrlen, err) == -1)
		return -1;
	for (pos = 0; pos < nbytes; pos += len) {
		if (dm_tensorout_stream_get(z->s, i, pos, nbytes, &p,
		    &len) == -1 ||
		    dm_zipw_data(&z->zw, p, len, err) == -1)
			return -1;
	}
	return dm_zipw_end(&z->zw, err);
}

/*
 * Whether entry k as libzip reads it is entry k as written: name, size,
 * stored, CRC-32, and the data where it was meant to start.
 */
static int
zipout_entry_ok(const struct dm_ziplib *zl, zip_t *za,
    const struct dm_zipw *zw, size_t k)
{
	const zip_uint64_t want = ZIP_STAT_NAME | ZIP_STAT_SIZE |
	    ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC | ZIP_STAT_COMP_METHOD;
	const struct dm_zipw_entry *e = &zw->ent[k];
	zip_stat_t st;
	zip_uint16_t id, len;
	zip_int16_t nx, j;
	uint64_t data;
	int fb;

	if (zl->stat_index(za, k, ZIP_FL_ENC_RAW, &st) != 0 ||
	    (st.valid & want) != want || strcmp(st.name, e->name) != 0 ||
	    st.size != e->size || st.comp_size != e->size ||
	    st.comp_method != ZIP_CM_STORE || st.crc != e->crc)
		return 0;
	/*
	 * The data follows the 30-byte local header, the name and the
	 * extra fields, which libzip lists all but its own zip64 one.
	 */
	data = e->hdr_off + 30 + e->namelen +
	    (e->size >= 0xffffffffu ? 20 : 0);
	if ((nx = zl->file_extra_fields_count(za, k, ZIP_FL_LOCAL)) < 0)
		return 0;
	fb = 0;
	for (j = 0; j < nx; j++) {
		if (zl->file_extra_field_get(za, k, (zip_uint16_t)j, &id,
		    &len, ZIP_FL_LOCAL) == NULL)
			return 0;
		data += 4 + (uint64_t)len;
		if (id == DM_ZIPW_FB_ID)
			fb++;
	}
	if (data != e->data_off || fb != (zw->align != 0 ? 1 : 0) ||
	    (zw->align != 0 && data % zw->align != 0))
		return 0;
	return 1;
}

/*
 * Reads every byte of entry k through libzip, which checks the data's
 * CRC-32 against the headers' when it reaches the end.
 */
static int
zipout_read_entry(const struct dm_ziplib *zl, zip_t *za,
    const struct dm_zipout *z, size_t k, unsigned char *buf,
    struct dm_error *err)
{
	const struct dm_zipw_entry *e = &z->zw.ent[k];
	zip_file_t *zf;
	zip_int64_t r;
	uint64_t got = 0;

	if ((zf = zl->fopen_index(za, k, 0)) == NULL)
		return dm_error_file(err, DM_ERR_IO, z->af.path, "verify: "
		    "entry %s (header at byte %llu) does not open: %s", e->name,
		    (unsigned long long)e->hdr_off, zl->archive_strerror(za));
	while ((r = zl->file_read(zf, buf, DM_TENSOROUT_CHUNK)) > 0)
		got += (uint64_t)r;
	if (r < 0 || got != e->size) {
		if (r < 0)
			dm_error_file(err, DM_ERR_IO, z->af.path, "verify: "
			    "entry %s (data at byte %llu): %s", e->name,
			    (unsigned long long)e->data_off,
			    zl->file_strerror(zf));
		else
			dm_error_file(err, DM_ERR_IO, z->af.path, "verify: "
			    "entry %s (data at byte %llu) reads back as %llu "
			    "bytes, not %llu", e->name,
			    (unsigned long long)e->data_off,
			    (unsigned long long)got,
			    (unsigned long long)e->size);
		zl->file_close(zf);
		return -1;
	}
	if (zl->file_close(zf) != 0)
		return dm_error_file(err, DM_ERR_IO, z->af.path, "verify: "
		    "entry %s (header at byte %llu): %s", e->name,
		    (unsigned long long)e->hdr_off, zl->archive_strerror(za));
	return 0;
}

/*
 * Opens the archive written with libzip, which checks every local header
 * against the central directory (ZIP_CHECKCONS), compares each entry with
 * what was meant and reads all of its data back.
 */
static int
zipout_verify(struct dm_zipout *z, struct dm_error *err)
{
	const char *path = z->af.path;
	const struct dm_ziplib *zl;
	unsigned char *buf;
	zip_error_t ze;
	zip_t *za;
	size_t k;
	int fd, zerr;

	if (dm_atomicfile_flush(&z->af, err) == -1)
		return -1;
	if ((zl = dm_ziplib(err)) == NULL) {
		dm_error_prefix(err, "%s: cannot verify the archive", path);
		return dm_error_at_file(err, path);
	}
	/* zip_fdopen() takes over the descriptor only when it succeeds. */
	if ((fd = dup(z->af.fd)) == -1)
		return dm_error_file(err, DM_ERR_IO, path, "cannot verify the "
		    "archive: %s", strerror(errno));
	if ((za = zl->fdopen(fd, ZIP_CHECKCONS | ZIP_RDONLY, &zerr)) ==
	    NULL) {
		close(fd);
		zl->error_init_with_code(&ze, zerr);
		dm_error_file(err, DM_ERR_IO, path, "the archive written does "
		    "not read back: %s", zl->error_strerror(&ze));
		zl->error_fini(&ze);
		return -1;
	}
	if (zl->get_num_entries(za, 0) != (zip_int64_t)z->zw.nent) {
		zl->discard(za);
		return dm_error_file(err, DM_ERR_IO, path, "the archive "
		    "written has the wrong number of entries");
	}
	for (k = 0; k < z->zw.nent; k++) {
		if (!zipout_entry_ok(zl, za, &z->zw, k)) {
			zl->discard(za);
			return dm_error_file(err, DM_ERR_IO, path,
			    "unexpected zip layout at entry %s (byte %llu)",
			    z->zw.ent[k].name,
			    (unsigned long long)z->zw.ent[k].hdr_off);
		}
	}
	if ((buf = malloc(DM_TENSOROUT_CHUNK)) == NULL) {
		zl->discard(za);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	for (k = 0; k < z->zw.nent; k++) {
		if (zipout_read_entry(zl, za, z, k, buf, err) == -1) {
			free(buf);
			zl->discard(za);
			return -1;
		}
	}
	free(buf);
	zl->discard(za);
	return 0;
}

static void
zipout_free(struct dm_zipout *z)
{
	dm_zipw_free(&z->zw);
	dm_atomicfile_abort(&z->af);
	free(z);
}

/*
 * Writes the archive, reads its headers back (and with verify all of it,
 * through libzip) and renames it over the target.  Frees z whatever
 * happens; on failure the target is untouched.
 */
static int
zipout_close(struct dm_zipout *z, struct dm_error *err)
{
	const struct dm_tensorout_opts *opts = z->s->opts;

	if (dm_zipw_finish(&z->zw, err) == -1 ||
	    dm_zipcheck(&z->zw, err) == -1 ||
	    (opts != NULL && opts->verify && zipout_verify(z, err) == -1) ||
	    dm_atomicfile_commit(&z->af, err) == -1) {
		zipout_free(z);
		return -1;
	}
	dm_tensorout_stream_finish(z->s);
	zipout_free(z);
	return 0;
}

int
dm_zipout_write(const struct dm_tensorout_req *r, unsigned int align,
    dm_tensor_fill_fn fill, void *ctx, const struct dm_tensorout_opts *opts,
    dm_zipout_entries_fn entries, void *arg, struct dm_error *err)
{
	struct dm_tensorout_stream s;
	struct dm_zipout *z;
	int rc = -1;

	if (dm_tensorout_stream_init(&s, r->path, r->t, fill, ctx, opts,
	    r->total, err) == -1)
		goto out;
	if ((z = zipout_open(r->path, align, &s, err)) == NULL)
		goto out;
	/* Freeing z without closing it removes the temporary file. */
	if (entries(z, r, arg, err) == -1)
		zipout_free(z);
	else
		rc = zipout_close(z, err);
out:
	dm_tensorout_stream_free(&s);
	return rc;
}
