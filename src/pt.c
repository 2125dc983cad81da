/*
 * pt.c - the PyTorch zip checkpoint writer, and what the writers share.
 *
 * A .pt file as torch.save() has written it since 1.6 is a zip archive
 * whose records all live in one folder ("archive/"):
 *
 *	archive/data.pkl	the pickled state_dict (first, torch takes the
 *				folder name from the first central entry)
 *	archive/byteorder	"little"
 *	archive/data/<i>	the raw bytes of tensor i
 *	archive/version		"3\n"
 *
 * Every record is stored, and its data starts at a multiple of 64 bytes
 * thanks to an "FB" extra field in its local header, as torch.save() does,
 * so that torch.load(mmap=True) hands out aligned tensors.  No
 * ".format_version" record is written: with it, newer torch may compute
 * record offsets assuming torch.save()'s own layout, which this is not.
 *
 * The pickle is protocol 2 and uses only opcodes that the weights_only
 * unpickler of 1.13 accepts (in particular no BINFLOAT), no memo:
 *
 *	OrderedDict() MARK { key rebuild(args) }... SETITEMS STOP
 *
 * where each tensor is torch._utils._rebuild_tensor_v2(storage, 0, size,
 * stride, False, OrderedDict()) and storage comes from the persistent id
 * ('storage', torch.<Type>Storage, '<i>', 'cpu', numel).
 *
 * This file also holds what the three writers share: the checks on the
 * tensor list, the chunked fill stream, the growing buffer the headers are
 * built in, and the zip output of .pt and .npz files: entries are streamed
 * by zipw.c into an atomic file, CRC-32 and all, in one pass over the
 * data, and the finished archive's headers are read back from the file
 * and checked (zipw.h, dm_zipw_check()) before it replaces the target;
 * with the verify option libzip also reads all of it back.
 */
#include "config.h"

#include "tensorout.h"
#include "atomicfile.h"
#include "endian.h"
#include "ziplib.h"
#include "zipw.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Keys longer than this cannot be npz member names (16-bit length). */
#define DM_KEY_MAX		65531

/* The longest folder name a .pt file's records may live in. */
#define DM_ARCH_MAX		1024

/* Pickle opcodes (protocol 2 subset). */
#define PK_PROTO	0x80
#define PK_GLOBAL	'c'
#define PK_EMPTY_TUPLE	')'
#define PK_REDUCE	'R'
#define PK_MARK		'('
#define PK_TUPLE	't'
#define PK_BINUNICODE	'X'
#define PK_BININT1	'K'
#define PK_BININT2	'M'
#define PK_BININT	'J'
#define PK_LONG1	0x8a
#define PK_BINPERSID	'Q'
#define PK_NEWFALSE	0x89
#define PK_NONE		'N'
#define PK_EMPTY_DICT	'}'
#define PK_SETITEMS	'u'
#define PK_STOP		'.'

uint64_t
dm_dtype_size(enum dm_dtype dtype)
{
	switch (dtype) {
	case DM_DTYPE_F32:
		return 4;
	case DM_DTYPE_F16:
		return 2;
	case DM_DTYPE_I64:
		return 8;
	}
	return 0;
}

int
dm_tensor_size(const struct dm_tensor *t, uint64_t *numel, uint64_t *nbytes,
    struct dm_error *err)
{
	uint64_t n, span, esize, d;
	int k;

	esize = dm_dtype_size(t->dtype);
	if (esize == 0)
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor '%s': unknown dtype %d", t->key, (int)t->dtype);
	if (t->ndim < 0 || t->ndim > DM_MAX_DIMS)
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor '%s': %d dimensions (at most %d)", t->key,
		    t->ndim, DM_MAX_DIMS);
	/*
	 * span is the product of the dimensions counting 0 as 1: the largest
	 * stride is bounded by it, and it bounds the element count.
	 */
	n = 1;
	span = 1;
	for (k = 0; k < t->ndim; k++) {
		d = t->shape[k];
		if (d > (uint64_t)INT64_MAX)
			goto range;
		n *= d;
		if (d > 1) {
			if (span > (uint64_t)INT64_MAX / d)
				goto range;
			span *= d;
		}
	}
	if (n > (uint64_t)INT64_MAX / esize)
		goto range;
	if (numel != NULL)
		*numel = n;
	if (nbytes != NULL)
		*nbytes = n * esize;
	return 0;

range:
	return dm_error_set(err, DM_ERR_RANGE, "tensor '%s': shape too large",
	    t->key);
}

/* Whether s[0..len) is well-formed UTF-8 (no overlongs or surrogates). */
static int
dm_utf8_valid(const unsigned char *s, size_t len)
{
	size_t k, need, j;
	uint32_t c, min;

	for (k = 0; k < len; k++) {
		c = s[k];
		if (c < 0x80)
			continue;
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return 0;
		if (len - k - 1 < need)
			return 0;
		for (j = 1; j <= need; j++) {
			if ((s[k + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[k + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		k += need;
	}
	return 1;
}

static int
dm_keycmp(const void *a, const void *b)
{
	const char *const *ka = a, *const *kb = b;

	return strcmp(*ka, *kb);
}

static int
tensorout_check(const char *path, const struct dm_tensor *t, size_t n,
    uint64_t *nbytes, uint64_t *total, struct dm_error *err)
{
	const char **keys;
	uint64_t sum, nb;
	size_t i, len;

	if (n > 0 && t == NULL)
		return dm_error_set(err, DM_ERR_USAGE, "%s: no tensors given",
		    path);
	sum = 0;
	for (i = 0; i < n; i++) {
		if (t[i].key == NULL || t[i].key[0] == '\0')
			return dm_error_set(err, DM_ERR_INVALID,
			    "%s: tensor %zu has an empty key", path, i);
		len = strlen(t[i].key);
		if (len > DM_KEY_MAX)
			return dm_error_set(err, DM_ERR_INVALID,
			    "%s: tensor %zu: key longer than %d bytes", path, i,
			    DM_KEY_MAX);
		if (!dm_utf8_valid((const unsigned char *)t[i].key, len))
			return dm_error_set(err, DM_ERR_INVALID,
			    "%s: tensor %zu: key is not valid UTF-8", path, i);
		if (dm_tensor_size(&t[i], NULL, &nb, err) == -1)
			return dm_error_prefix(err, "%s", path);
		if (sum > (uint64_t)INT64_MAX - nb)
			return dm_error_set(err, DM_ERR_RANGE,
			    "%s: tensor '%s': output too large", path,
			    t[i].key);
		sum += nb;
		nbytes[i] = nb;
	}
	*total = sum;
	if (n < 2)
		return 0;

	if ((keys = malloc(n * sizeof *keys)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		keys[i] = t[i].key;
	qsort(keys, n, sizeof *keys, dm_keycmp);
	for (i = 1; i < n; i++) {
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			dm_error_set(err, DM_ERR_INVALID,
			    "%s: key '%s' used twice", path, keys[i]);
			free(keys);
			return -1;
		}
	}
	free(keys);
	return 0;
}

int
dm_tensorout_check(struct dm_tensorout_req *r, const char *path,
    const struct dm_tensor *t, size_t n, struct dm_error *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->t = t;
	r->n = n;
	/* One more than n, so that no tensors is not a malloc(0). */
	if (n > SIZE_MAX / sizeof *r->nbytes - 1)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if ((r->nbytes = malloc((n + 1) * sizeof *r->nbytes)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (tensorout_check(path, t, n, r->nbytes, &r->total, err) == -1) {
		free(r->nbytes);
		r->nbytes = NULL;
		return -1;
	}
	return 0;
}

/*
 * The growing buffer.
 */

void
dm_buf_add(struct dm_buf *b, const void *data, size_t len)
{
	unsigned char *np;
	size_t cap;

	if (b->nomem)
		return;
	if (len > SIZE_MAX - b->len) {
		b->nomem = 1;
		return;
	}
	if (b->len + len > b->cap) {
		cap = b->cap != 0 ? b->cap : 256;
		while (cap < b->len + len) {
			if (cap > SIZE_MAX / 2) {
				cap = b->len + len;
				break;
			}
			cap *= 2;
		}
		if ((np = realloc(b->p, cap)) == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/*
 * The fill stream.
 */

int
dm_tensorout_stream_init(struct dm_tensorout_stream *s, const char *path,
    const struct dm_tensor *t, dm_tensor_fill_fn fill, void *ctx,
    const struct dm_tensorout_opts *opts, uint64_t total,
    struct dm_error *err)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	s->t = t;
	s->fill = fill;
	s->ctx = ctx;
	s->opts = opts;
	s->total = total;
	s->err = err;
	s->buf_tensor = SIZE_MAX;
	if (fill == NULL && total > 0)
		return dm_error_set(err, DM_ERR_USAGE,
		    "%s: no fill function given", path);
	if ((s->buf = malloc(DM_TENSOROUT_CHUNK)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (opts != NULL && opts->progress != NULL)
		opts->progress(opts->pctx, 0, total);
	return 0;
}

void
dm_tensorout_stream_free(struct dm_tensorout_stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

int
dm_tensorout_stream_get(struct dm_tensorout_stream *s, size_t i,
    uint64_t off, uint64_t nbytes, const unsigned char **p, size_t *len)
{
	size_t n;

	if (s->failed)
		return -1;
	if (off >= nbytes)
		return dm_error_set(s->err, DM_ERR_INVALID,
		    "%s: tensor '%s': read past its end", s->path,
		    s->t[i].key);
	if (s->buf_tensor != i || off < s->buf_off ||
	    off - s->buf_off >= s->buf_len) {
		n = nbytes - off > DM_TENSOROUT_CHUNK ? DM_TENSOROUT_CHUNK :
		    (size_t)(nbytes - off);
		s->buf_tensor = SIZE_MAX;
		if (s->fill(s->ctx, i, off, s->buf, n, s->err) != 0) {
			s->failed = 1;
			if (s->err != NULL && s->err->code == DM_OK)
				dm_error_set(s->err, DM_ERR_IO,
				    "%s: tensor '%s': no data at byte %llu",
				    s->path, s->t[i].key,
				    (unsigned long long)off);
			return -1;
		}
		s->buf_tensor = i;
		s->buf_off = off;
		s->buf_len = n;
		s->done = s->total - s->done < n ? s->total : s->done + n;
		if (s->opts != NULL && s->opts->progress != NULL)
			s->opts->progress(s->opts->pctx, s->done, s->total);
	}
	*p = s->buf + (off - s->buf_off);
	*len = s->buf_len - (size_t)(off - s->buf_off);
	return 0;
}

void
dm_tensorout_stream_finish(struct dm_tensorout_stream *s)
{
	s->done = s->total;
	if (s->opts != NULL && s->opts->progress != NULL)
		s->opts->progress(s->opts->pctx, s->total, s->total);
}

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
		dm_error_set(err, DM_ERR_USAGE, "%s: bad alignment %u", path,
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
		return dm_error_set(err, DM_ERR_RANGE,
		    "%s: %s: archive too large", z->af.path, name);
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
		return dm_error_set(err, DM_ERR_IO,
		    "%s: verify: entry %s (header at byte %llu) does not "
		    "open: %s", z->af.path, e->name,
		    (unsigned long long)e->hdr_off, zl->archive_strerror(za));
	while ((r = zl->file_read(zf, buf, DM_TENSOROUT_CHUNK)) > 0)
		got += (uint64_t)r;
	if (r < 0 || got != e->size) {
		if (r < 0)
			dm_error_set(err, DM_ERR_IO, "%s: verify: entry %s "
			    "(data at byte %llu): %s", z->af.path, e->name,
			    (unsigned long long)e->data_off,
			    zl->file_strerror(zf));
		else
			dm_error_set(err, DM_ERR_IO, "%s: verify: entry %s "
			    "(data at byte %llu) reads back as %llu bytes, "
			    "not %llu", z->af.path, e->name,
			    (unsigned long long)e->data_off,
			    (unsigned long long)got,
			    (unsigned long long)e->size);
		zl->file_close(zf);
		return -1;
	}
	if (zl->file_close(zf) != 0)
		return dm_error_set(err, DM_ERR_IO,
		    "%s: verify: entry %s (header at byte %llu): %s",
		    z->af.path, e->name, (unsigned long long)e->hdr_off,
		    zl->archive_strerror(za));
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
	if ((zl = dm_ziplib(err)) == NULL)
		return dm_error_prefix(err, "%s: cannot verify the archive",
		    path);
	/* zip_fdopen() takes over the descriptor only when it succeeds. */
	if ((fd = dup(z->af.fd)) == -1)
		return dm_error_set(err, DM_ERR_IO,
		    "%s: cannot verify the archive: %s", path, strerror(errno));
	if ((za = zl->fdopen(fd, ZIP_CHECKCONS | ZIP_RDONLY, &zerr)) ==
	    NULL) {
		close(fd);
		zl->error_init_with_code(&ze, zerr);
		dm_error_set(err, DM_ERR_IO,
		    "%s: the archive written does not read back: %s", path,
		    zl->error_strerror(&ze));
		zl->error_fini(&ze);
		return -1;
	}
	if (zl->get_num_entries(za, 0) != (zip_int64_t)z->zw.nent) {
		zl->discard(za);
		return dm_error_set(err, DM_ERR_IO,
		    "%s: the archive written has the wrong number of entries",
		    path);
	}
	for (k = 0; k < z->zw.nent; k++) {
		if (!zipout_entry_ok(zl, za, &z->zw, k)) {
			zl->discard(za);
			return dm_error_set(err, DM_ERR_IO,
			    "%s: unexpected zip layout at entry %s (byte %llu)",
			    path, z->zw.ent[k].name,
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
	    dm_zipw_check(&z->zw, err) == -1 ||
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

/*
 * The pickle.
 */

static void
pk_op(struct dm_buf *b, unsigned char op)
{
	dm_buf_add(b, &op, 1);
}

/* BINUNICODE; the length was checked to fit in 32 bits. */
static void
pk_str(struct dm_buf *b, const char *s)
{
	unsigned char h[5];
	size_t len;

	len = strlen(s);
	h[0] = PK_BINUNICODE;
	dm_le32enc(h + 1, (uint32_t)len);
	dm_buf_add(b, h, sizeof h);
	dm_buf_add(b, s, len);
}

static void
pk_global(struct dm_buf *b, const char *module, const char *name)
{
	pk_op(b, PK_GLOBAL);
	dm_buf_add(b, module, strlen(module));
	pk_op(b, '\n');
	dm_buf_add(b, name, strlen(name));
	pk_op(b, '\n');
}

/*
 * An integer, encoded as CPython's protocol 2 pickler does: BININT1,
 * BININT2 or BININT when they fit, otherwise LONG1 with the shortest
 * little-endian two's complement form.
 */
static void
pk_int(struct dm_buf *b, int64_t v)
{
	unsigned char h[10];
	uint64_t u;
	int n;

	if (v >= 0 && v <= 0xff) {
		h[0] = PK_BININT1;
		h[1] = (unsigned char)v;
		dm_buf_add(b, h, 2);
	} else if (v >= 0 && v <= 0xffff) {
		h[0] = PK_BININT2;
		h[1] = (unsigned char)(v & 0xff);
		h[2] = (unsigned char)(v >> 8);
		dm_buf_add(b, h, 3);
	} else if (v >= INT32_MIN && v <= INT32_MAX) {
		h[0] = PK_BININT;
		dm_le32enc(h + 1, (uint32_t)v);
		dm_buf_add(b, h, 5);
	} else {
		u = (uint64_t)v;
		/* The fewest bytes whose sign bit matches the value's. */
		for (n = 1; n < 8; n++) {
			if (v >= -((int64_t)1 << (8 * n - 1)) &&
			    v < ((int64_t)1 << (8 * n - 1)))
				break;
		}
		h[0] = PK_LONG1;
		h[1] = (unsigned char)n;
		dm_le64enc(h + 2, u);
		dm_buf_add(b, h, 2 + (size_t)n);
	}
}

/* Sizes, strides and counts: dm_tensor_size() bounded them by INT64_MAX. */
static void
pk_uint(struct dm_buf *b, uint64_t v)
{
	pk_int(b, (int64_t)(v & (uint64_t)INT64_MAX));
}

static const char *
pt_storage_class(enum dm_dtype dtype)
{
	switch (dtype) {
	case DM_DTYPE_F32:
		return "FloatStorage";
	case DM_DTYPE_F16:
		return "HalfStorage";
	case DM_DTYPE_I64:
		return "LongStorage";
	}
	return NULL;
}

/* collections.OrderedDict() */
static void
pk_ordereddict(struct dm_buf *b)
{
	pk_global(b, "collections", "OrderedDict");
	pk_op(b, PK_EMPTY_TUPLE);
	pk_op(b, PK_REDUCE);
}

static int
pk_tensor(struct dm_buf *b, const struct dm_tensor *t, size_t i,
    struct dm_error *err)
{
	uint64_t numel, stride[DM_MAX_DIMS];
	char key[32];
	int k;

	if (dm_tensor_size(t, &numel, NULL, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%zu", i);

	pk_str(b, t->key);
	pk_global(b, "torch._utils", "_rebuild_tensor_v2");
	pk_op(b, PK_MARK);

	/* The storage: a persistent id resolved to record data/<i>. */
	pk_op(b, PK_MARK);
	pk_str(b, "storage");
	pk_global(b, "torch", pt_storage_class(t->dtype));
	pk_str(b, key);
	pk_str(b, "cpu");
	pk_uint(b, numel);
	pk_op(b, PK_TUPLE);
	pk_op(b, PK_BINPERSID);

	pk_int(b, 0);		/* storage_offset */

	if (t->ndim == 0) {
		pk_op(b, PK_EMPTY_TUPLE);	/* size */
		pk_op(b, PK_EMPTY_TUPLE);	/* stride */
	} else {
		pk_op(b, PK_MARK);
		for (k = 0; k < t->ndim; k++)
			pk_uint(b, t->shape[k]);
		pk_op(b, PK_TUPLE);
		/* C-contiguous, an empty dimension counting as 1. */
		stride[t->ndim - 1] = 1;
		for (k = t->ndim - 2; k >= 0; k--)
			stride[k] = stride[k + 1] *
			    (t->shape[k + 1] > 1 ? t->shape[k + 1] : 1);
		pk_op(b, PK_MARK);
		for (k = 0; k < t->ndim; k++)
			pk_uint(b, stride[k]);
		pk_op(b, PK_TUPLE);
	}

	pk_op(b, PK_NEWFALSE);		/* requires_grad */
	pk_ordereddict(b);		/* backward_hooks */
	pk_op(b, PK_TUPLE);
	pk_op(b, PK_REDUCE);
	return 0;
}

int
dm_pt_pickle(const struct dm_tensor *t, size_t n, int wrap_model,
    unsigned char **out, size_t *outlen, struct dm_error *err)
{
	struct dm_buf b;
	size_t i;

	memset(&b, 0, sizeof b);
	pk_op(&b, PK_PROTO);
	pk_op(&b, 2);
	if (wrap_model) {
		pk_op(&b, PK_EMPTY_DICT);
		pk_op(&b, PK_MARK);
		pk_str(&b, "epoch");
		pk_int(&b, -1);
		pk_str(&b, "best_fitness");
		pk_op(&b, PK_NONE);
		pk_str(&b, "training_results");
		pk_op(&b, PK_NONE);
		pk_str(&b, "model");
	}
	pk_ordereddict(&b);
	if (n > 0) {
		pk_op(&b, PK_MARK);
		for (i = 0; i < n; i++) {
			if (pk_tensor(&b, &t[i], i, err) == -1) {
				free(b.p);
				return -1;
			}
		}
		pk_op(&b, PK_SETITEMS);
	}
	if (wrap_model) {
		pk_str(&b, "optimizer");
		pk_op(&b, PK_NONE);
		pk_op(&b, PK_SETITEMS);
	}
	pk_op(&b, PK_STOP);
	if (b.nomem) {
		free(b.p);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* Whether name can be the one folder that holds the records. */
static int
pt_archive_name_ok(const char *name)
{
	const unsigned char *p;

	if (*name == '\0' || strlen(name) > DM_ARCH_MAX ||
	    !dm_utf8_valid((const unsigned char *)name, strlen(name)))
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* What a .pt archive holds besides the tensors' data. */
struct pt_records {
	const char	*arch;		/* the folder of every record */
	const unsigned char *pkl;	/* the pickle, data.pkl */
	size_t		 pkllen;
};

/* The records, in the order torch.save() writes them. */
static int
pt_entries(struct dm_zipout *z, const struct dm_tensorout_req *r, void *arg,
    struct dm_error *err)
{
	const struct pt_records *pr = arg;
	char name[DM_ARCH_MAX + 64];	/* pt_archive_name_ok() bounds arch */
	size_t i;

	/* The names are the folder and at most "/data/" and 20 digits. */
	dm_zipout_reserve(z, (uint64_t)r->n + 3, strlen(pr->arch) + 32,
	    r->total + pr->pkllen + 6 + 2);

	snprintf(name, sizeof name, "%s/data.pkl", pr->arch);
	if (dm_zipout_add_buffer(z, name, pr->pkl, pr->pkllen, err) == -1)
		return -1;
	snprintf(name, sizeof name, "%s/byteorder", pr->arch);
	if (dm_zipout_add_buffer(z, name, "little", 6, err) == -1)
		return -1;
	for (i = 0; i < r->n; i++) {
		snprintf(name, sizeof name, "%s/data/%zu", pr->arch, i);
		if (dm_zipout_add_tensor(z, name, NULL, 0, i, r->nbytes[i],
		    err) == -1)
			return -1;
	}
	snprintf(name, sizeof name, "%s/version", pr->arch);
	return dm_zipout_add_buffer(z, name, "3\n", 2, err);
}

int
dm_pt_write(const char *path, const struct dm_tensor *t, size_t n,
    dm_tensor_fill_fn fill, void *ctx, const struct dm_tensorout_opts *opts,
    struct dm_error *err)
{
	struct dm_tensorout_req r;
	struct pt_records pr;
	unsigned char *pkl;
	int rc;

	dm_error_clear(err);
	if (path == NULL)
		return dm_error_set(err, DM_ERR_USAGE, "no output path");
	pr.arch = opts != NULL && opts->archive_name != NULL ?
	    opts->archive_name : "archive";
	if (!pt_archive_name_ok(pr.arch))
		return dm_error_set(err, DM_ERR_USAGE,
		    "%s: bad archive name '%s'", path, pr.arch);
	if (dm_tensorout_check(&r, path, t, n, err) == -1)
		return -1;
	/* After the check, which the pickle relies on for valid keys. */
	if (dm_pt_pickle(t, n, opts != NULL && opts->wrap_model, &pkl,
	    &pr.pkllen, err) == -1) {
		free(r.nbytes);
		return dm_error_prefix(err, "%s", path);
	}
	pr.pkl = pkl;
	rc = dm_zipout_write(&r, 64, fill, ctx, opts, pt_entries, &pr, err);
	free(pkl);
	free(r.nbytes);
	return rc;
}
