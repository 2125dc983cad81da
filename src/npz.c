/*
 * npz.c - the .npz writer.
 *
 * An .npz file is a zip archive with one member "<key>.npy" per array;
 * numpy.load() lists the keys with the ".npy" cut off, in archive order.
 * Members are stored, not compressed (as numpy.savez() does), and the
 * archive switches to zip64 by itself when a member or offset needs it.
 *
 * Each member is an .npy file, format version 1.0:
 *
 *	"\x93NUMPY" 01 00 <u16 LE header length> <header> <data>
 *
 * where the header is the text of a Python dict literal such as
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }", padded
 * with spaces and a final newline so that the data starts at a multiple
 * of 64 bytes within the member, as numpy itself pads it.
 */
#include "config.h"

#include "tensorout.h"
#include "zipout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big enough for eight 20-digit dimensions and the padding. */
#define DM_NPY_HEADER_MAX	512

static const char *
npy_descr(enum dm_dtype dtype)
{
	switch (dtype) {
	case DM_DTYPE_F32:
		return "<f4";
	case DM_DTYPE_F16:
		return "<f2";
	case DM_DTYPE_I64:
		return "<i8";
	case DM_DTYPE_BF16:		/* numpy has no bfloat16 */
		break;
	}
	return NULL;
}

size_t
dm_npy_header(const struct dm_tensor *t, char *buf, size_t bufsize)
{
	const char *descr;
	size_t len, hlen;
	int k, r;

	descr = npy_descr(t->dtype);
	if (descr == NULL || t->ndim < 0 || t->ndim > DM_MAX_DIMS ||
	    bufsize < 10)
		return 0;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	len = 10;

#define NPY_PUT(...) do {						\
	r = snprintf(buf + len, bufsize - len, __VA_ARGS__);		\
	if (r < 0 || (size_t)r >= bufsize - len)			\
		return 0;						\
	len += (size_t)r;						\
} while (0)

	NPY_PUT("{'descr': '%s', 'fortran_order': False, 'shape': (",
	    descr);
	for (k = 0; k < t->ndim; k++)
		NPY_PUT("%s%llu", k > 0 ? ", " : "",
		    (unsigned long long)t->shape[k]);
	/* A one-element tuple needs its trailing comma. */
	NPY_PUT("%s), }", t->ndim == 1 ? "," : "");
#undef NPY_PUT

	/* Spaces, then a newline as the last byte of a 64-byte multiple. */
	while ((len + 1) % 64 != 0) {
		if (len + 1 >= bufsize)
			return 0;
		buf[len++] = ' ';
	}
	if (len + 1 > bufsize)
		return 0;
	buf[len++] = '\n';
	hlen = len - 10;
	if (hlen > UINT16_MAX)
		return 0;
	buf[8] = (char)(hlen & 0xff);
	buf[9] = (char)(hlen >> 8);
	return len;
}

/* One member "<key>.npy" per tensor: its .npy header, then its data. */
static int
npz_entries(struct dm_zipout *z, const struct dm_tensorout_req *r,
    void *arg, struct dm_error *err)
{
	const struct dm_tensor *t = r->t;
	uint64_t hsum;
	char hdr[DM_NPY_HEADER_MAX], *name = NULL;
	size_t i, hlen, klen, kmax;
	int rc = -1;

	(void)arg;
	hsum = 0;
	kmax = 0;
	for (i = 0; i < r->n; i++) {
		klen = strlen(t[i].key);
		if (klen > kmax)
			kmax = klen;
		hsum += dm_npy_header(&t[i], hdr, sizeof hdr);
	}
	if (r->total <= (uint64_t)INT64_MAX - hsum)
		dm_zipout_reserve(z, r->n, kmax + 4, r->total + hsum);
	for (i = 0; i < r->n; i++) {
		if ((hlen = dm_npy_header(&t[i], hdr, sizeof hdr)) == 0) {
			dm_error_file(err, DM_ERR_INVALID, r->path,
			    "tensor '%s': cannot make its .npy header",
			    t[i].key);
			goto out;
		}
		/* The check bounded the key length, so this cannot wrap. */
		klen = strlen(t[i].key);
		free(name);
		if ((name = malloc(klen + 5)) == NULL) {
			dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(name, t[i].key, klen);
		memcpy(name + klen, ".npy", 5);
		if (dm_zipout_add_tensor(z, name, hdr, hlen, i, r->nbytes[i],
		    err) == -1)
			goto out;
	}
	rc = 0;
out:
	free(name);
	return rc;
}

int
dm_npz_write(const char *path, const struct dm_tensor *t, size_t n,
    dm_tensor_fill_fn fill, void *ctx, const struct dm_tensorout_opts *opts,
    struct dm_error *err)
{
	struct dm_tensorout_req r;
	int rc;

	dm_error_clear(err);
	if (path == NULL)
		return dm_error_set(err, DM_ERR_USAGE, "no output path");
	if (dm_tensorout_check(&r, path, t, n, err) == -1)
		return -1;
	rc = dm_zipout_write(&r, 0, fill, ctx, opts, npz_entries, NULL, err);
	free(r.nbytes);
	return rc;
}
