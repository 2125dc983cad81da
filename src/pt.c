/*
 * pt.c - the PyTorch zip checkpoint writer: the records and the pickle.
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
 * The zip container is zipout.c's; what the three writers share,
 * tensorout.c's.
 */
#include "config.h"

#include "tensorout.h"
#include "endian.h"
#include "zipout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define PK_SETITEM	's'
#define PK_SETITEMS	'u'
#define PK_STOP		'.'
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
	case DM_DTYPE_BF16:
		return "BFloat16Storage";
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
    const char *wrap_key, unsigned char **out, size_t *outlen,
    struct dm_error *err)
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
	} else if (wrap_key != NULL) {
		pk_op(&b, PK_EMPTY_DICT);
		pk_str(&b, wrap_key);
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
	} else if (wrap_key != NULL)
		pk_op(&b, PK_SETITEM);
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
		return dm_error_file(err, DM_ERR_USAGE, path, "bad archive "
		    "name '%s'", pr.arch);
	if (dm_tensorout_check(&r, path, t, n, err) == -1)
		return -1;
	/* After the check, which the pickle relies on for valid keys. */
	if (dm_pt_pickle(t, n, opts != NULL && opts->wrap_model,
	    opts != NULL ? opts->wrap_key : NULL, &pkl, &pr.pkllen,
	    err) == -1) {
		free(r.nbytes);
		dm_error_prefix(err, "%s", path);
		return dm_error_at_file(err, path);
	}
	pr.pkl = pkl;
	rc = dm_zipout_write(&r, 64, fill, ctx, opts, pt_entries, &pr, err);
	free(pkl);
	free(r.nbytes);
	return rc;
}
