/*
 * tensorout.c - what the three tensor writers (pt.c, safetensors.c,
 * npz.c) share: the checks on the tensor list, the growing buffer the
 * headers are built in, and the chunked fill stream the data comes from.
 */
#include "config.h"

#include "tensorout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys longer than this cannot be npz member names (16-bit length). */
#define DM_KEY_MAX		65531

uint64_t
dm_dtype_size(enum dm_dtype dtype)
{
	switch (dtype) {
	case DM_DTYPE_F32:
		return 4;
	case DM_DTYPE_F16:
	case DM_DTYPE_BF16:
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

int
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
		return dm_error_file(err, DM_ERR_USAGE, path, "no tensors "
		    "given");
	sum = 0;
	for (i = 0; i < n; i++) {
		if (t[i].key == NULL || t[i].key[0] == '\0')
			return dm_error_file(err, DM_ERR_INVALID, path,
			    "tensor %zu has an empty key", i);
		len = strlen(t[i].key);
		if (len > DM_KEY_MAX)
			return dm_error_file(err, DM_ERR_INVALID, path,
			    "tensor %zu: key longer than %d bytes", i,
			    DM_KEY_MAX);
		if (!dm_utf8_valid((const unsigned char *)t[i].key, len))
			return dm_error_file(err, DM_ERR_INVALID, path,
			    "tensor %zu: key is not valid UTF-8", i);
		if (dm_tensor_size(&t[i], NULL, &nb, err) == -1) {
			dm_error_prefix(err, "%s", path);
			return dm_error_at_file(err, path);
		}
		if (sum > (uint64_t)INT64_MAX - nb)
			return dm_error_file(err, DM_ERR_RANGE, path,
			    "tensor '%s': output too large", t[i].key);
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
			dm_error_file(err, DM_ERR_INVALID, path, "key '%s' "
			    "used twice", keys[i]);
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
		return dm_error_file(err, DM_ERR_USAGE, path, "no fill "
		    "function given");
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
		return dm_error_file(s->err, DM_ERR_INVALID, s->path,
		    "tensor '%s': read past its end", s->t[i].key);
	if (s->buf_tensor != i || off < s->buf_off ||
	    off - s->buf_off >= s->buf_len) {
		n = nbytes - off > DM_TENSOROUT_CHUNK ? DM_TENSOROUT_CHUNK :
		    (size_t)(nbytes - off);
		s->buf_tensor = SIZE_MAX;
		if (s->fill(s->ctx, i, off, s->buf, n, s->err) != 0) {
			s->failed = 1;
			if (s->err != NULL && s->err->code == DM_OK)
				dm_error_file(s->err, DM_ERR_IO, s->path,
				    "tensor '%s': no data at byte %llu",
				    s->t[i].key, (unsigned long long)off);
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
