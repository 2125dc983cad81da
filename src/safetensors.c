/*
 * safetensors.c - the safetensors writer.
 *
 * Layout: an unsigned 64-bit little-endian header length N, N bytes of a
 * UTF-8 JSON object, then the tensor data back to back.  The object maps
 * each key to {"dtype", "shape", "data_offsets": [begin, end]}, offsets
 * relative to the start of the data, and "__metadata__" to an object of
 * strings (here {"format":"pt"}, which the transformers library looks for).
 *
 * Readers require the data ranges to tile the data exactly and the file to
 * end with the last one, but accept any order.  The keys appear in the
 * header in the order given; the data is laid out by decreasing element
 * size (in the given order among equal sizes) and the header is padded
 * with spaces so that the data starts at a multiple of 64, which makes
 * every tensor naturally aligned in a mapped file.
 */
#include "config.h"

#include "tensorout.h"
#include "atomicfile.h"
#include "endian.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest header the reference reader accepts. */
#define DM_ST_HEADER_MAX	100000000u

struct st_order {
	uint64_t	 esize;
	size_t		 i;
};

static void
st_puts(struct dm_buf *b, const char *s)
{
	dm_buf_add(b, s, strlen(s));
}

static void
st_putu(struct dm_buf *b, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof num, "%llu", (unsigned long long)v);
	st_puts(b, num);
}

/* A JSON string; s is valid UTF-8, so only ", \ and controls need care. */
static void
st_putstr(struct dm_buf *b, const char *s)
{
	char esc[8];
	const char *run;

	dm_buf_add(b, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			continue;
		dm_buf_add(b, run, (size_t)(s - run));
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			dm_buf_add(b, esc, 2);
		} else {
			snprintf(esc, sizeof esc, "\\u%04x",
			    (unsigned int)(unsigned char)*s);
			dm_buf_add(b, esc, 6);
		}
		run = s + 1;
	}
	dm_buf_add(b, run, (size_t)(s - run));
	dm_buf_add(b, "\"", 1);
}

static const char *
st_dtype_name(enum dm_dtype dtype)
{
	switch (dtype) {
	case DM_DTYPE_F32:
		return "F32";
	case DM_DTYPE_F16:
		return "F16";
	case DM_DTYPE_I64:
		return "I64";
	case DM_DTYPE_BF16:
		return "BF16";
	}
	return "?";
}

/* By decreasing element size, then by index. */
static int
st_ordercmp(const void *a, const void *b)
{
	const struct st_order *oa = a, *ob = b;

	if (oa->esize != ob->esize)
		return oa->esize > ob->esize ? -1 : 1;
	if (oa->i != ob->i)
		return oa->i < ob->i ? -1 : 1;
	return 0;
}

int
dm_safetensors_write(const char *path, const struct dm_tensor *t, size_t n,
    dm_tensor_fill_fn fill, void *ctx, const struct dm_tensorout_opts *opts,
    struct dm_error *err)
{
	struct dm_tensorout_req r;
	struct dm_tensorout_stream s;
	struct dm_atomicfile af;
	struct st_order *order = NULL;
	struct dm_buf b;
	const unsigned char *p;
	unsigned char len8[8];
	uint64_t *begin = NULL, off, pos;
	size_t i, k, len;
	int k2, rc = -1;

	dm_error_clear(err);
	memset(&r, 0, sizeof r);
	memset(&b, 0, sizeof b);
	memset(&s, 0, sizeof s);
	memset(&af, 0, sizeof af);
	af.fd = -1;
	if (path == NULL)
		return dm_error_set(err, DM_ERR_USAGE, "no output path");
	if (n > SIZE_MAX / sizeof *order - 1)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if ((begin = malloc((n + 1) * sizeof *begin)) == NULL ||
	    (order = malloc((n + 1) * sizeof *order)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dm_tensorout_check(&r, path, t, n, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(t[i].key, "__metadata__") == 0) {
			dm_error_file(err, DM_ERR_INVALID, path, "key "
			    "'__metadata__' is reserved in safetensors");
			goto out;
		}
		order[i].esize = dm_dtype_size(t[i].dtype);
		order[i].i = i;
	}
	qsort(order, n, sizeof *order, st_ordercmp);
	/* The check bounded the total by INT64_MAX, so no offset overflows. */
	off = 0;
	for (k = 0; k < n; k++) {
		begin[order[k].i] = off;
		off += r.nbytes[order[k].i];
	}

	st_puts(&b, "{\"__metadata__\":{\"format\":\"pt\"}");
	for (i = 0; i < n; i++) {
		dm_buf_add(&b, ",", 1);
		st_putstr(&b, t[i].key);
		st_puts(&b, ":{\"dtype\":\"");
		st_puts(&b, st_dtype_name(t[i].dtype));
		st_puts(&b, "\",\"shape\":[");
		for (k2 = 0; k2 < t[i].ndim; k2++) {
			if (k2 > 0)
				dm_buf_add(&b, ",", 1);
			st_putu(&b, t[i].shape[k2]);
		}
		st_puts(&b, "],\"data_offsets\":[");
		st_putu(&b, begin[i]);
		dm_buf_add(&b, ",", 1);
		st_putu(&b, begin[i] + r.nbytes[i]);
		st_puts(&b, "]}");
	}
	dm_buf_add(&b, "}", 1);
	while (!b.nomem && (8 + b.len) % 64 != 0)
		dm_buf_add(&b, " ", 1);
	if (b.nomem) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (b.len > DM_ST_HEADER_MAX) {
		dm_error_file(err, DM_ERR_RANGE, path, "safetensors header "
		    "too large (%zu bytes)", b.len);
		goto out;
	}
	if (r.total > (uint64_t)INT64_MAX - 8 - b.len) {
		dm_error_file(err, DM_ERR_RANGE, path, "output too large");
		goto out;
	}

	if (dm_tensorout_stream_init(&s, path, t, fill, ctx, opts, r.total,
	    err) == -1)
		goto out;
	if (dm_atomicfile_open(&af, path, opts != NULL ? opts->inputs : NULL,
	    err) == -1)
		goto out;
	af.sync = opts != NULL ? opts->sync : DM_SYNC_REPLACE;
	af.verify = opts != NULL && opts->verify;
	dm_atomicfile_reserve(&af, 8 + b.len + r.total);
	dm_le64enc(len8, b.len);
	if (dm_atomicfile_write(&af, len8, sizeof len8, err) == -1 ||
	    dm_atomicfile_write(&af, b.p, b.len, err) == -1)
		goto out;
	for (k = 0; k < n; k++) {
		i = order[k].i;
		for (pos = 0; pos < r.nbytes[i]; pos += len) {
			if (dm_tensorout_stream_get(&s, i, pos, r.nbytes[i], &p,
			    &len) == -1 ||
			    dm_atomicfile_write(&af, p, len, err) == -1)
				goto out;
		}
	}
	if ((af.verify && dm_atomicfile_verify(&af, err) == -1) ||
	    dm_atomicfile_commit(&af, err) == -1)
		goto out;
	dm_tensorout_stream_finish(&s);
	rc = 0;

out:
	/* After a commit there is nothing left to remove. */
	dm_atomicfile_abort(&af);
	dm_tensorout_stream_free(&s);
	free(b.p);
	free(order);
	free(begin);
	free(r.nbytes);
	return rc;
}
