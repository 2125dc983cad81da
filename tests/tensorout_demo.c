/*
 * tensorout_demo.c - writes the same tensors as .pt, safetensors and .npz.
 *
 * usage: tensorout_demo [-l] outdir
 *
 * The tensor data is a pure function of (tensor, byte offset), produced on
 * demand by the fill callback, so the writers are exercised exactly as a
 * streaming converter uses them.  The same bytes are also written to
 * outdir/demo.bin, and outdir/demo.json describes every tensor (key, dtype,
 * shape, where its bytes are in demo.bin) for tests/export_check.py.
 *
 * Files written: demo.pt, demo_wrapped.pt (wrap_model, archive name
 * "yolov3-tiny.conv", no syncs), demo.safetensors, demo.npz.  With -l the set is
 * instead one with a tensor over 4 GiB (named large.*), to show zip64
 * output with flat memory use.
 *
 * The fill callback also checks the writers' promises: requests are
 * non-empty, at most DM_TENSOROUT_CHUNK bytes, and cover each tensor once
 * from its start without gaps, in the documented tensor order.
 */
#include "config.h"

#include "tensorout.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct demo_tensor {
	struct dm_tensor t;
	const void	*fixed;		/* explicit bytes, or NULL for noise */
	uint64_t	 nbytes;
};

struct demo_ctx {
	struct demo_tensor *dt;
	size_t		 n;
	uint64_t	*next;		/* next offset expected, per tensor */
	size_t		 cur;		/* the tensor being filled */
	const size_t	*order;		/* the expected tensor order */
	size_t		 ordpos;
	uint64_t	 calls;
	uint64_t	 last_done;
	uint64_t	 last_total;
	int		 progress_bad;
};

/*
 * IEEE special values as float32 bit patterns.  The fixed arrays are in
 * host order, so the demo assumes a little-endian host.
 */
static const uint32_t demo_specials[] = {
	0x7fc00000, 0xffc00001, 0x7f800001, 0x7f800000, 0xff800000,
	0x80000000, 0x00000001, 0x807fffff, 0x3f800000, 0xc0490fdb
};

static const int64_t demo_i64[] = {
	0, -1, INT64_MIN, INT64_MAX, 1234567890123LL
};

static const int64_t demo_nbt = 42424242424LL;

/* The demo's noise: a splitmix64 of the tensor and the 8-byte block. */
static uint64_t
demo_noise(size_t i, uint64_t block)
{
	uint64_t z;

	z = ((uint64_t)i << 48) ^ block;
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
demo_bytes(const struct demo_tensor *dt, size_t i, uint64_t off,
    unsigned char *buf, size_t len)
{
	const unsigned char *fixed = dt->fixed;
	uint64_t v, b;
	size_t k;

	if (fixed != NULL) {
		memcpy(buf, fixed + off, len);
		return;
	}
	k = 0;
	while (k < len) {
		b = (off + k) / 8;
		v = demo_noise(i, b);
		for (; k < len && (off + k) / 8 == b; k++)
			buf[k] = (unsigned char)(v >> (8 * ((off + k) % 8)));
	}
}

static int
demo_fill(void *vctx, size_t i, uint64_t off, void *buf, size_t len,
    struct dm_error *err)
{
	struct demo_ctx *c = vctx;

	c->calls++;
	if (i >= c->n)
		return dm_error_set(err, DM_ERR_INVALID, "bad tensor %zu", i);
	if (len == 0 || len > DM_TENSOROUT_CHUNK)
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor %zu: bad request length %zu", i, len);
	if (off != c->next[i])
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor %zu: asked for byte %llu, expected %llu", i,
		    (unsigned long long)off, (unsigned long long)c->next[i]);
	if (off == 0) {
		/* A new tensor: it must be the next one in the order. */
		while (c->ordpos < c->n && c->dt[c->order[c->ordpos]].nbytes
		    == 0)
			c->ordpos++;
		if (c->ordpos >= c->n || c->order[c->ordpos] != i)
			return dm_error_set(err, DM_ERR_INVALID,
			    "tensor %zu requested out of order", i);
		c->ordpos++;
		if (c->cur != SIZE_MAX && c->next[c->cur] !=
		    c->dt[c->cur].nbytes)
			return dm_error_set(err, DM_ERR_INVALID,
			    "tensor %zu left unfinished", c->cur);
		c->cur = i;
	} else if (c->cur != i)
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor %zu resumed while %zu is open", i, c->cur);
	if (len > c->dt[i].nbytes - off)
		return dm_error_set(err, DM_ERR_INVALID,
		    "tensor %zu: request past the end", i);
	demo_bytes(&c->dt[i], i, off, buf, len);
	c->next[i] = off + len;
	return 0;
}

static void
demo_progress(void *pctx, uint64_t done, uint64_t total)
{
	struct demo_ctx *c = pctx;

	if (done < c->last_done || done > total)
		c->progress_bad = 1;
	c->last_done = done;
	c->last_total = total;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned int)(unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *
dtype_name(enum dm_dtype d)
{
	return d == DM_DTYPE_F32 ? "F32" : d == DM_DTYPE_F16 ? "F16" : "I64";
}

/* Writes prefix.bin (the bytes) and prefix.json (their description). */
static int
demo_expect(const char *dir, const char *prefix, struct demo_tensor *dt,
    size_t n)
{
	static unsigned char buf[1 << 20];
	char path[4096];
	FILE *bin, *js;
	uint64_t off, pos;
	size_t i, len;
	int k;

	snprintf(path, sizeof path, "%s/%s.bin", dir, prefix);
	if ((bin = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.json", dir, prefix);
	if ((js = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fclose(bin);
		return -1;
	}
	fprintf(js, "{\"tensors\": [\n");
	off = 0;
	for (i = 0; i < n; i++) {
		fprintf(js, "  {\"key\": ");
		json_str(js, dt[i].t.key);
		fprintf(js, ", \"dtype\": \"%s\", \"shape\": [",
		    dtype_name(dt[i].t.dtype));
		for (k = 0; k < dt[i].t.ndim; k++)
			fprintf(js, "%s%llu", k > 0 ? ", " : "",
			    (unsigned long long)dt[i].t.shape[k]);
		fprintf(js, "], \"file\": \"%s.bin\", \"offset\": %llu}%s\n",
		    prefix, (unsigned long long)off, i + 1 < n ? "," : "");
		for (pos = 0; pos < dt[i].nbytes; pos += len) {
			len = dt[i].nbytes - pos > sizeof buf ? sizeof buf :
			    (size_t)(dt[i].nbytes - pos);
			demo_bytes(&dt[i], i, pos, buf, len);
			if (fwrite(buf, 1, len, bin) != len) {
				fprintf(stderr, "%s.bin: write error\n",
				    prefix);
				fclose(bin);
				fclose(js);
				return -1;
			}
		}
		off += dt[i].nbytes;
	}
	fprintf(js, "]}\n");
	if (fclose(bin) != 0 || fclose(js) != 0) {
		fprintf(stderr, "%s: write error\n", prefix);
		return -1;
	}
	return 0;
}

/* The safetensors data order: decreasing element size, then index. */
static void
st_order(const struct demo_tensor *dt, size_t n, size_t *order)
{
	size_t i, j, tmp;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && dm_dtype_size(dt[order[j - 1]].t.dtype) <
		    dm_dtype_size(dt[order[j]].t.dtype); j--) {
			tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	}
}

typedef int (*writer_fn)(const char *, const struct dm_tensor *, size_t,
    dm_tensor_fill_fn, void *, const struct dm_tensorout_opts *,
    struct dm_error *);

static int
demo_write(const char *dir, const char *name, writer_fn w, int st,
    struct demo_tensor *dt, size_t n, const struct dm_tensorout_opts *o)
{
	struct dm_tensorout_opts opts = *o;
	struct dm_tensor *t;
	struct demo_ctx c;
	struct dm_error err;
	size_t *order, i;
	char path[4096];
	int rc;

	memset(&c, 0, sizeof c);
	t = calloc(n, sizeof *t);
	c.next = calloc(n, sizeof *c.next);
	order = calloc(n, sizeof *order);
	if (t == NULL || c.next == NULL || order == NULL) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		t[i] = dt[i].t;
		order[i] = i;
	}
	if (st)
		st_order(dt, n, order);
	c.dt = dt;
	c.n = n;
	c.cur = SIZE_MAX;
	c.order = order;
	opts.progress = demo_progress;
	opts.pctx = &c;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	rc = w(path, t, n, demo_fill, &c, &opts, &err);
	if (rc == -1)
		fprintf(stderr, "tensorout_demo: %s\n", err.msg);
	else {
		for (i = 0; i < n; i++) {
			if (c.next[i] != dt[i].nbytes) {
				fprintf(stderr, "tensorout_demo: %s: tensor "
				    "%zu: %llu of %llu bytes requested\n",
				    name, i, (unsigned long long)c.next[i],
				    (unsigned long long)dt[i].nbytes);
				rc = -1;
			}
		}
		if (c.progress_bad || c.last_done != c.last_total) {
			fprintf(stderr, "tensorout_demo: %s: bad progress\n",
			    name);
			rc = -1;
		}
		if (rc == 0)
			printf("%s: %llu fill calls, %llu bytes of data\n",
			    name, (unsigned long long)c.calls,
			    (unsigned long long)c.last_total);
	}
	free(order);
	free(c.next);
	free(t);
	return rc;
}

static void
demo_add(struct demo_tensor *dt, size_t *n, const char *key,
    enum dm_dtype dtype, int ndim, const uint64_t *shape, const void *fixed)
{
	struct demo_tensor *d = &dt[(*n)++];
	int k;

	memset(d, 0, sizeof *d);
	d->t.key = key;
	d->t.dtype = dtype;
	d->t.ndim = ndim;
	for (k = 0; k < ndim; k++)
		d->t.shape[k] = shape[k];
	d->fixed = fixed;
	if (dm_tensor_size(&d->t, NULL, &d->nbytes, NULL) == -1) {
		fprintf(stderr, "tensorout_demo: bad demo tensor %s\n", key);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static const uint64_t s_conv[] = { 16, 3, 3, 3 }, s_16[] = { 16 },
	    s_half[] = { 7, 5 }, s_big[] = { 3, 1000, 1001 },
	    s_22[] = { 2, 2 }, s_1[] = { 1 }, s_spec[] = { 10 },
	    s_i64[] = { 5 }, s_empty[] = { 0, 4 }, s_3[] = { 3 },
	    s_huge[] = { 2200, 1024, 1024 }, s_5[] = { 5 };
	struct dm_tensorout_opts opts;
	struct demo_tensor dt[16];
	const char *dir, *prefix;
	char name[256];
	size_t n = 0;
	int large = 0, rc = 0;

	if (argc == 3 && strcmp(argv[1], "-l") == 0) {
		large = 1;
		dir = argv[2];
	} else if (argc == 2)
		dir = argv[1];
	else {
		fprintf(stderr, "usage: tensorout_demo [-l] outdir\n");
		return 2;
	}

	if (!large) {
		prefix = "demo";
		demo_add(dt, &n, "conv1.weight", DM_DTYPE_F32, 4, s_conv,
		    NULL);
		demo_add(dt, &n, "bn1.weight", DM_DTYPE_F32, 1, s_16, NULL);
		demo_add(dt, &n, "bn1.num_batches_tracked", DM_DTYPE_I64, 0,
		    NULL, &demo_nbt);
		demo_add(dt, &n, "half.weight", DM_DTYPE_F16, 2, s_half,
		    NULL);
		demo_add(dt, &n, "big.weight", DM_DTYPE_F32, 3, s_big, NULL);
		demo_add(dt, &n, "\xc3\xbcn\xc3\xaf.weight", DM_DTYPE_F32, 2,
		    s_22, NULL);
		demo_add(dt, &n, "odd \"key\"\\x", DM_DTYPE_F32, 1, s_1,
		    NULL);
		demo_add(dt, &n, "specials", DM_DTYPE_F32, 1, s_spec,
		    demo_specials);
		demo_add(dt, &n, "i64.vector", DM_DTYPE_I64, 1, s_i64,
		    demo_i64);
		demo_add(dt, &n, "empty.weight", DM_DTYPE_F32, 2, s_empty,
		    NULL);
		demo_add(dt, &n, "a.0.bias", DM_DTYPE_F16, 1, s_3, NULL);
	} else {
		prefix = "large";
		demo_add(dt, &n, "small.weight", DM_DTYPE_F32, 1, s_3, NULL);
		/* 2^31 and more elements: 4.3 GiB of float16. */
		demo_add(dt, &n, "huge.weight", DM_DTYPE_F16, 3, s_huge,
		    NULL);
		demo_add(dt, &n, "after.bias", DM_DTYPE_F16, 1, s_5, NULL);
		demo_add(dt, &n, "after.num_batches_tracked", DM_DTYPE_I64,
		    0, NULL, &demo_nbt);
	}

	if (demo_expect(dir, prefix, dt, n) == -1)
		return 1;

	memset(&opts, 0, sizeof opts);
	snprintf(name, sizeof name, "%s.pt", prefix);
	if (demo_write(dir, name, dm_pt_write, 0, dt, n, &opts) == -1)
		rc = 1;
	snprintf(name, sizeof name, "%s.safetensors", prefix);
	if (demo_write(dir, name, dm_safetensors_write, 1, dt, n,
	    &opts) == -1)
		rc = 1;
	snprintf(name, sizeof name, "%s.npz", prefix);
	if (demo_write(dir, name, dm_npz_write, 0, dt, n, &opts) == -1)
		rc = 1;
	if (!large) {
		/* Also the one written without syncs. */
		opts.wrap_model = 1;
		opts.archive_name = "yolov3-tiny.conv";
		opts.sync = DM_SYNC_NEVER;
		if (demo_write(dir, "demo_wrapped.pt", dm_pt_write, 0, dt, n,
		    &opts) == -1)
			rc = 1;
	}
	return rc;
}
