/*
 * test_tensorout.c - unit tests for the .pt, safetensors and .npz writers
 * and the atomic output file.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include "scratch.h"

#include "atomicfile.h"
#include "crc32.h"
#include "endian.h"
#include "error.h"
#include "tensorout.h"
#include "zipcheck.h"
#include "zipout.h"
#include "zipw.h"

typedef int (*writer_fn)(const char *, const struct dm_tensor *, size_t,
    dm_tensor_fill_fn, void *, const struct dm_tensorout_opts *,
    struct dm_error *);

static const struct {
	const char	*name;
	writer_fn	 write;
	const char	*ext;
} writers[] = {
	{ "pt", dm_pt_write, ".pt" },
	{ "safetensors", dm_safetensors_write, ".safetensors" },
	{ "npz", dm_npz_write, ".npz" },
};
#define NWRITERS	(sizeof writers / sizeof writers[0])

#define MAX_REQS	64

struct fillctx {
	size_t		 fail_at;	/* the tensor whose fill fails */
	size_t		 nreqs;
	struct {
		size_t	 i;
		uint64_t off;
		size_t	 len;
	} reqs[MAX_REQS];
	uint64_t	 progress_first;
	uint64_t	 progress_last;
	uint64_t	 progress_total;
	int		 progress_calls;
};

/* The byte at offset off of tensor i in every test. */
static unsigned char
pattern(size_t i, uint64_t off)
{
	return (unsigned char)((i * 131 + off * 7 + (off >> 9)) & 0xff);
}

static int
test_fill(void *vctx, size_t i, uint64_t off, void *buf, size_t len,
    struct dm_error *err)
{
	struct fillctx *c = vctx;
	unsigned char *p = buf;
	size_t k;

	if (c != NULL && c->nreqs < MAX_REQS) {
		c->reqs[c->nreqs].i = i;
		c->reqs[c->nreqs].off = off;
		c->reqs[c->nreqs].len = len;
		c->nreqs++;
	}
	if (c != NULL && i == c->fail_at)
		return dm_error_set(err, DM_ERR_IO,
		    "input.weights: unexpected end of file at tensor %zu", i);
	for (k = 0; k < len; k++)
		p[k] = pattern(i, off + k);
	return 0;
}

static void
test_progress(void *pctx, uint64_t done, uint64_t total)
{
	struct fillctx *c = pctx;

	if (c->progress_calls++ == 0)
		c->progress_first = done;
	c->progress_last = done;
	c->progress_total = total;
}

static struct dm_tensor
mk(const char *key, enum dm_dtype dtype, int ndim, ...)
{
	struct dm_tensor t;
	va_list ap;
	int k;

	memset(&t, 0, sizeof t);
	t.key = key;
	t.dtype = dtype;
	t.ndim = ndim;
	va_start(ap, ndim);
	for (k = 0; k < ndim; k++)
		t.shape[k] = va_arg(ap, uint64_t);
	va_end(ap);
	return t;
}

/*
 * A scratch folder per test.
 */

static char tmpdir[256];

static int
setup_dir(void **state)
{
	(void)state;
	return scratch_dir(tmpdir, sizeof tmpdir, "dmtest");
}

static int
teardown_dir(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static void
tpath(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* The number of entries in the scratch folder. */
static int
count_files(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	FILE *f;

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f),
	    (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f;

	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const unsigned char *
find(const unsigned char *hay, size_t haylen, const void *needle,
    size_t nlen)
{
	size_t k;

	for (k = 0; k + nlen <= haylen; k++)
		if (memcmp(hay + k, needle, nlen) == 0)
			return hay + k;
	return NULL;
}

/*
 * Basics.
 */

static void
test_dtype_size(void **state)
{
	struct dm_tensor t;
	struct dm_error err;
	uint64_t numel, nbytes;

	(void)state;
	assert_int_equal(dm_dtype_size(DM_DTYPE_F32), 4);
	assert_int_equal(dm_dtype_size(DM_DTYPE_F16), 2);
	assert_int_equal(dm_dtype_size(DM_DTYPE_I64), 8);
	assert_int_equal(dm_dtype_size((enum dm_dtype)99), 0);

	t = mk("x", DM_DTYPE_I64, 0);
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), 0);
	assert_int_equal(numel, 1);
	assert_int_equal(nbytes, 8);
	t = mk("x", DM_DTYPE_F16, 3, (uint64_t)2, (uint64_t)0, (uint64_t)5);
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), 0);
	assert_int_equal(numel, 0);
	assert_int_equal(nbytes, 0);

	/* 2^62 * 4 elements overflows int64; so does 2^62 bytes * 4. */
	t = mk("big", DM_DTYPE_F32, 2, (uint64_t)1 << 62, (uint64_t)4);
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), -1);
	assert_int_equal(err.code, DM_ERR_RANGE);
	assert_non_null(strstr(err.msg, "'big'"));
	t = mk("big", DM_DTYPE_F32, 1, (uint64_t)1 << 62);
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), -1);
	/* An empty dimension does not hide an overflowing stride. */
	t = mk("big", DM_DTYPE_F32, 3, (uint64_t)0, (uint64_t)1 << 40,
	    (uint64_t)1 << 40);
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), -1);
	t = mk("x", DM_DTYPE_F32, 0);
	t.ndim = 9;
	assert_int_equal(dm_tensor_size(&t, &numel, &nbytes, &err), -1);
	assert_int_equal(err.code, DM_ERR_INVALID);
}

/*
 * CRC-32.
 */

static void
test_crc32(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	static const size_t cuts[] = { 1, 15, 16, 127, 128, 255, 256, 257, 4097,
	    99999 };
	unsigned char *b;
	size_t n, k, len, off;
	uint32_t whole, c, seed;

	(void)state;
	assert_int_equal(dm_crc32(0, "", 0), 0);
	assert_int_equal(dm_crc32(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(dm_crc32_portable(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(dm_crc32(0, fox, sizeof fox - 1), 0x414fa339);

	n = DM_TENSOROUT_CHUNK + 7;
	b = malloc(n);
	assert_non_null(b);
	for (k = 0; k < n; k++)
		b[k] = (unsigned char)(((uint32_t)k * 2654435761u) >> 13);
	/* Values from another implementation. */
	assert_int_equal(dm_crc32(0, b, n), 0xcfef014a);
	assert_int_equal(dm_crc32(0, b + 5, 1000003), 0x21d4ff5a);
	assert_int_equal(dm_crc32_portable(0, b, n), 0xcfef014a);

	/* Every length and alignment goes the same way as the tables. */
	seed = 0x12345678;
	for (len = 0; len < 1100; len++)
		for (off = 0; off < 4; off++)
			if (dm_crc32(seed, b + off, len) !=
			    dm_crc32_portable(seed, b + off, len))
				fail_msg("length %zu at offset %zu", len, off);
	for (off = 0; off < 64; off += 9)
		assert_int_equal(dm_crc32(seed, b + off, n - off),
		    dm_crc32_portable(seed, b + off, n - off));

	/* Chaining. */
	whole = dm_crc32(0, b, 100000);
	for (k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
		c = dm_crc32(0, b, cuts[k]);
		assert_int_equal(dm_crc32(c, b + cuts[k], 100000 - cuts[k]),
		    whole);
	}
	free(b);
}

/*
 * The pickle.
 */

/* The spec's verified example: {"w": float32[2,3]} in data/0. */
static const unsigned char pickle_w23[] =
    "\x80\x02" "c" "collections\nOrderedDict\n" ")" "R" "("
    "X\x01\x00\x00\x00" "w"
    "c" "torch._utils\n_rebuild_tensor_v2\n" "("
    "(" "X\x07\x00\x00\x00" "storage" "c" "torch\nFloatStorage\n"
    "X\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "K\x06" "t"
    "Q" "K\x00"
    "(" "K\x02" "K\x03" "t"
    "(" "K\x03" "K\x01" "t"
    "\x89" "c" "collections\nOrderedDict\n" ")" "R"
    "t" "R"
    "u" ".";

/* The pickle of one float32 tensor "w" of shape [2, 3], wrapped or not. */
static unsigned char *
pickle_w(int wrap, size_t *len)
{
	struct dm_tensor t;
	struct dm_error err;
	unsigned char *pkl;

	t = mk("w", DM_DTYPE_F32, 2, (uint64_t)2, (uint64_t)3);
	assert_int_equal(dm_pt_pickle(&t, 1, wrap, NULL, &pkl, len, &err), 0);
	return pkl;
}

static void
test_pickle_example(void **state)
{
	unsigned char *pkl;
	size_t len;

	(void)state;
	pkl = pickle_w(0, &len);
	assert_int_equal(len, 167);
	assert_int_equal(sizeof pickle_w23 - 1, 167);
	assert_memory_equal(pkl, pickle_w23, len);
	free(pkl);
}

#define HAS(p, len, lit)	\
	assert_non_null(find((p), (len), (lit), sizeof (lit) - 1))

static void
test_pickle_ints(void **state)
{
	struct dm_tensor t[6];
	struct dm_error err;
	unsigned char *pkl;
	size_t len;

	(void)state;
	t[0] = mk("a", DM_DTYPE_F32, 1, (uint64_t)300);
	t[1] = mk("b", DM_DTYPE_F32, 1, (uint64_t)70000);
	t[2] = mk("c", DM_DTYPE_F16, 1, (uint64_t)1 << 31);
	t[3] = mk("d", DM_DTYPE_I64, 1, (uint64_t)1 << 40);
	t[4] = mk("nbt", DM_DTYPE_I64, 0);
	t[5] = mk("e", DM_DTYPE_F32, 3, (uint64_t)2, (uint64_t)0,
	    (uint64_t)3);
	assert_int_equal(dm_pt_pickle(t, 6, 0, NULL, &pkl, &len, &err), 0);

	/* numel, as the last item of each persistent id. */
	HAS(pkl, len, "cpu" "M\x2c\x01" "t");
	HAS(pkl, len, "cpu" "J\x70\x11\x01\x00" "t");
	HAS(pkl, len, "cpu" "\x8a\x05\x00\x00\x00\x80\x00" "t");
	HAS(pkl, len, "cpu" "\x8a\x06\x00\x00\x00\x00\x00\x01" "t");
	/* Storage classes and keys. */
	HAS(pkl, len, "torch\nHalfStorage\n" "X\x01\x00\x00\x00" "2");
	HAS(pkl, len, "torch\nLongStorage\n" "X\x01\x00\x00\x00" "3");
	/* The 0-d tensor: one element, empty size and stride. */
	HAS(pkl, len, "X\x01\x00\x00\x00" "4" "X\x03\x00\x00\x00" "cpu"
	    "K\x01" "tQK\x00))\x89");
	/* An empty dimension counts as 1 in the strides. */
	HAS(pkl, len, "(K\x02K\x00K\x03t" "(K\x03K\x03K\x01t");
	assert_int_equal(pkl[len - 2], 'u');
	assert_int_equal(pkl[len - 1], '.');
	free(pkl);
}

static void
test_pickle_wrapped(void **state)
{
	static const unsigned char head[] =
	    "\x80\x02}(" "X\x05\x00\x00\x00" "epoch" "J\xff\xff\xff\xff"
	    "X\x0c\x00\x00\x00" "best_fitness" "N"
	    "X\x10\x00\x00\x00" "training_results" "N"
	    "X\x05\x00\x00\x00" "model"
	    "c" "collections\nOrderedDict\n" ")R";
	static const unsigned char tail[] =
	    "uX\x09\x00\x00\x00" "optimizer" "Nu.";
	struct dm_error err;
	unsigned char *pkl;
	size_t len;

	(void)state;
	pkl = pickle_w(1, &len);
	assert_true(len > sizeof head + sizeof tail);
	assert_memory_equal(pkl, head, sizeof head - 1);
	assert_memory_equal(pkl + len - (sizeof tail - 1), tail,
	    sizeof tail - 1);
	free(pkl);

	/* No tensors: an empty OrderedDict, no MARK/SETITEMS pair. */
	assert_int_equal(dm_pt_pickle(NULL, 0, 0, NULL, &pkl, &len, &err), 0);
	assert_int_equal(len, 30);
	assert_memory_equal(pkl, "\x80\x02" "c" "collections\nOrderedDict\n"
	    ")R.", 30);
	free(pkl);
}

/*
 * .npy headers.
 */

static void
check_npy(const struct dm_tensor *t, const char *dict)
{
	char buf[512];
	size_t len, dlen, k;

	len = dm_npy_header(t, buf, sizeof buf);
	assert_true(len > 10);
	assert_int_equal(len % 64, 0);
	assert_memory_equal(buf, "\x93NUMPY\x01\x00", 8);
	assert_int_equal((size_t)(unsigned char)buf[8] |
	    (size_t)(unsigned char)buf[9] << 8, len - 10);
	dlen = strlen(dict);
	assert_memory_equal(buf + 10, dict, dlen);
	for (k = 10 + dlen; k < len - 1; k++)
		assert_int_equal(buf[k], ' ');
	assert_int_equal(buf[len - 1], '\n');
}

static void
test_npy_header(void **state)
{
	struct dm_tensor t;
	char small[40];

	(void)state;
	t = mk("w", DM_DTYPE_F32, 4, (uint64_t)4, (uint64_t)3, (uint64_t)2,
	    (uint64_t)2);
	check_npy(&t, "{'descr': '<f4', 'fortran_order': False, "
	    "'shape': (4, 3, 2, 2), }");
	t = mk("b", DM_DTYPE_F16, 1, (uint64_t)4);
	check_npy(&t, "{'descr': '<f2', 'fortran_order': False, "
	    "'shape': (4,), }");
	t = mk("n", DM_DTYPE_I64, 0);
	check_npy(&t, "{'descr': '<i8', 'fortran_order': False, "
	    "'shape': (), }");
	t = mk("e", DM_DTYPE_F32, 2, (uint64_t)2, (uint64_t)0);
	check_npy(&t, "{'descr': '<f4', 'fortran_order': False, "
	    "'shape': (2, 0), }");
	t = mk("x", DM_DTYPE_F32, 8, UINT64_MAX, UINT64_MAX, UINT64_MAX,
	    UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX);
	check_npy(&t, "{'descr': '<f4', 'fortran_order': False, 'shape': "
	    "(18446744073709551615, 18446744073709551615, "
	    "18446744073709551615, 18446744073709551615, "
	    "18446744073709551615, 18446744073709551615, "
	    "18446744073709551615, 18446744073709551615), }");
	/* A buffer too small is refused, not overrun. */
	t = mk("w", DM_DTYPE_F32, 1, (uint64_t)4);
	assert_int_equal(dm_npy_header(&t, small, sizeof small), 0);
}

/*
 * safetensors.
 */

static void
test_safetensors_header(void **state)
{
	static const char want[] =
	    "{\"__metadata__\":{\"format\":\"pt\"},"
	    "\"b\":{\"dtype\":\"F16\",\"shape\":[3],"
	    "\"data_offsets\":[16,22]},"
	    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,1],"
	    "\"data_offsets\":[8,16]},"
	    "\"q\\\"\\\\\\u0001\":{\"dtype\":\"I64\",\"shape\":[],"
	    "\"data_offsets\":[0,8]},"
	    "\"z\":{\"dtype\":\"F32\",\"shape\":[0],"
	    "\"data_offsets\":[16,16]}}";
	struct dm_tensor t[4];
	struct dm_error err;
	unsigned char *buf;
	char path[512];
	uint64_t n;
	size_t len, k, wlen;

	(void)state;
	t[0] = mk("b", DM_DTYPE_F16, 1, (uint64_t)3);
	t[1] = mk("a", DM_DTYPE_F32, 2, (uint64_t)2, (uint64_t)1);
	t[2] = mk("q\"\\\x01", DM_DTYPE_I64, 0);
	t[3] = mk("z", DM_DTYPE_F32, 1, (uint64_t)0);
	tpath(path, sizeof path, "h.safetensors");
	assert_int_equal(dm_safetensors_write(path, t, 4, test_fill, NULL,
	    NULL, &err), 0);
	buf = slurp(path, &len);
	n = dm_le64dec(buf);
	assert_int_equal((8 + n) % 64, 0);
	assert_int_equal(len, 8 + n + 22);
	wlen = sizeof want - 1;
	assert_true(n >= wlen);
	assert_memory_equal(buf + 8, want, wlen);
	for (k = 8 + wlen; k < 8 + n; k++)
		assert_int_equal(buf[k], ' ');
	/* Data: c (8 bytes), then a, then b. */
	for (k = 0; k < 8; k++)
		assert_int_equal(buf[8 + n + k], pattern(2, k));
	for (k = 0; k < 8; k++)
		assert_int_equal(buf[8 + n + 8 + k], pattern(1, k));
	for (k = 0; k < 6; k++)
		assert_int_equal(buf[8 + n + 16 + k], pattern(0, k));
	free(buf);

	/* The name safetensors reserves for metadata. */
	t[0].key = "__metadata__";
	assert_int_equal(dm_safetensors_write(path, t, 1, test_fill, NULL,
	    NULL, &err), -1);
	assert_int_equal(err.code, DM_ERR_INVALID);
}

/*
 * Zip layout of .pt and .npz files.
 */

struct zent {
	char		 name[128];
	uint64_t	 hdr;
	uint64_t	 data;
	uint64_t	 size;
	uint32_t	 crc;
	unsigned int	 flags;
};

/*
 * Checks the central directory and the end records of an archive whose
 * n local headers walk_zip() found: one central entry per local header,
 * in the same order, with the same name, flags, CRC and sizes, the right
 * offset and no extra field, then the end record.
 */
static void
check_central(const unsigned char *buf, size_t len, uint64_t cd,
    const struct zent *ents, size_t n)
{
	const unsigned char *c, *e;
	size_t k, namelen;

	c = buf + cd;
	for (k = 0; k < n; k++) {
		assert_true((size_t)(c - buf) + 46 <= len);
		assert_int_equal(dm_le32dec(c), 0x02014b50);
		assert_int_equal(c[4] | c[5] << 8, 0x033f);	/* made by */
		assert_int_equal(c[6] | c[7] << 8, 10);	/* needed */
		assert_int_equal(c[8] | c[9] << 8, ents[k].flags);
		assert_int_equal(c[10] | c[11] << 8, 0);	/* stored */
		assert_int_equal(dm_le32dec(c + 16), ents[k].crc);
		assert_int_equal(dm_le32dec(c + 20), ents[k].size);
		assert_int_equal(dm_le32dec(c + 24), ents[k].size);
		namelen = c[28] | (size_t)c[29] << 8;
		assert_int_equal(namelen, strlen(ents[k].name));
		assert_memory_equal(c + 46, ents[k].name, namelen);
		assert_int_equal(c[30] | c[31] << 8, 0);	/* extra */
		assert_int_equal(c[32] | c[33] << 8, 0);	/* comment */
		assert_int_equal(dm_le32dec(c + 42), ents[k].hdr);
		c += 46 + namelen;
	}
	/* The end record closes the file, without zip64 records. */
	e = buf + len - 22;
	assert_ptr_equal(c, e);
	assert_int_equal(dm_le32dec(e), 0x06054b50);
	assert_int_equal(e[8] | e[9] << 8, n);
	assert_int_equal(e[10] | e[11] << 8, n);
	assert_int_equal(dm_le32dec(e + 12), (uint64_t)(e - (buf + cd)));
	assert_int_equal(dm_le32dec(e + 16), cd);
	assert_int_equal(e[20] | e[21] << 8, 0);
}

/*
 * Walks the local headers from the start of a small archive, checks each
 * entry's CRC-32 against its data, then the central directory.
 */
static size_t
walk_zip(const unsigned char *buf, size_t len, struct zent *ents, size_t max)
{
	size_t off = 0, n = 0, namelen, extralen;

	while (off + 30 <= len && dm_le32dec(buf + off) == 0x04034b50) {
		assert_true(n < max);
		assert_int_equal(buf[off + 4] | buf[off + 5] << 8, 10);
		/* Stored, no data descriptor. */
		assert_int_equal(buf[off + 8] | buf[off + 9] << 8, 0);
		assert_int_equal(buf[off + 6] & 0x08, 0);
		ents[n].flags = buf[off + 6] | buf[off + 7] << 8;
		/* 2020-01-01 12:00:00 */
		assert_int_equal(buf[off + 10] | buf[off + 11] << 8, 0x6000);
		assert_int_equal(buf[off + 12] | buf[off + 13] << 8, 0x5021);
		namelen = buf[off + 26] | (size_t)buf[off + 27] << 8;
		extralen = buf[off + 28] | (size_t)buf[off + 29] << 8;
		assert_true(namelen < sizeof ents[n].name);
		memcpy(ents[n].name, buf + off + 30, namelen);
		ents[n].name[namelen] = '\0';
		ents[n].hdr = off;
		ents[n].crc = dm_le32dec(buf + off + 14);
		ents[n].size = dm_le32dec(buf + off + 22);
		assert_int_equal(dm_le32dec(buf + off + 18), ents[n].size);
		ents[n].data = off + 30 + namelen + extralen;
		assert_true(ents[n].data + ents[n].size <= len);
		assert_int_equal(dm_crc32(0, buf + ents[n].data,
		    (size_t)ents[n].size), ents[n].crc);
		off = (size_t)(ents[n].data + ents[n].size);
		n++;
	}
	check_central(buf, len, off, ents, n);
	return n;
}

/* A writer of a zip archive: dm_pt_write() or dm_npz_write(). */
typedef int (*zip_writer)(const char *, const struct dm_tensor *, size_t,
    dm_tensor_fill_fn, void *, const struct dm_tensorout_opts *,
    struct dm_error *);

/*
 * Writes the n tensors of t with write and opts to the test file name,
 * reads it into *buf (*len bytes, the caller's to free) and walks its zip
 * entries into ents (at most max): returns how many.
 */
static size_t
write_zip(zip_writer write, const char *name, const struct dm_tensor *t,
    size_t n, const struct dm_tensorout_opts *opts, unsigned char **buf,
    size_t *len, struct zent *ents, size_t max)
{
	struct dm_error err;
	char path[512];

	tpath(path, sizeof path, name);
	if (write(path, t, n, test_fill, NULL, opts, &err) != 0)
		fail_msg("%s", err.msg);
	*buf = slurp(path, len);
	return walk_zip(*buf, *len, ents, max);
}

static void
test_pt_layout(void **state)
{
	static const char *names[] = {
		"archive/data.pkl", "archive/byteorder", "archive/data/0",
		"archive/data/1", "archive/data/2", "archive/data/3",
		"archive/version"
	};
	struct dm_tensor t[4];
	struct dm_error err;
	struct zent ents[16];
	unsigned char *buf, *pkl;
	size_t len, n, k, i, pkllen;

	(void)state;
	t[0] = mk("conv.weight", DM_DTYPE_F32, 4, (uint64_t)4, (uint64_t)3,
	    (uint64_t)3, (uint64_t)3);
	t[1] = mk("bn.num_batches_tracked", DM_DTYPE_I64, 0);
	t[2] = mk("big", DM_DTYPE_F16, 1, (uint64_t)(DM_TENSOROUT_CHUNK + 3));
	t[3] = mk("odd", DM_DTYPE_F16, 1, (uint64_t)7);
	n = write_zip(dm_pt_write, "l.pt", t, 4, NULL, &buf, &len, ents, 16);
	assert_int_equal(n, 7);
	for (k = 0; k < n; k++) {
		const unsigned char *x;
		size_t pad;

		assert_string_equal(ents[k].name, names[k]);
		assert_int_equal(ents[k].data % 64, 0);
		assert_int_equal(ents[k].flags, 0);
		/* One extra field, "FB", whose zero bytes pad to the data. */
		x = buf + ents[k].hdr + 30 + strlen(names[k]);
		pad = x[2] | (size_t)x[3] << 8;
		assert_int_equal(x[0] | x[1] << 8, 0x4246);
		assert_ptr_equal(x + 4 + pad, buf + ents[k].data);
		for (i = 0; i < pad; i++)
			assert_int_equal(x[4 + i], 0);
	}
	assert_int_equal(dm_pt_pickle(t, 4, 0, NULL, &pkl, &pkllen, &err), 0);
	assert_int_equal(ents[0].size, pkllen);
	assert_memory_equal(buf + ents[0].data, pkl, pkllen);
	free(pkl);
	assert_int_equal(ents[1].size, 6);
	assert_memory_equal(buf + ents[1].data, "little", 6);
	assert_int_equal(ents[6].size, 2);
	assert_memory_equal(buf + ents[6].data, "3\n", 2);
	for (i = 0; i < 4; i++) {
		uint64_t nb;

		assert_int_equal(dm_tensor_size(&t[i], NULL, &nb, &err), 0);
		assert_int_equal(ents[2 + i].size, nb);
		for (k = 0; k < nb; k++)
			if (buf[ents[2 + i].data + k] != pattern(i, k))
				fail_msg("tensor %zu byte %zu differs", i, k);
	}
	free(buf);
	/* Only the output is left behind. */
	assert_int_equal(count_files(), 1);
}

static void
test_pt_archive_name(void **state)
{
	struct dm_tensorout_opts opts;
	struct dm_tensor t;
	struct dm_error err;
	struct zent ents[8];
	unsigned char *buf;
	char path[512];
	size_t len, n;

	(void)state;
	memset(&opts, 0, sizeof opts);
	t = mk("w", DM_DTYPE_F32, 1, (uint64_t)2);
	opts.archive_name = "my.model-v1";
	n = write_zip(dm_pt_write, "a.pt", &t, 1, &opts, &buf, &len, ents, 8);
	tpath(path, sizeof path, "a.pt");
	assert_int_equal(n, 4);
	assert_string_equal(ents[0].name, "my.model-v1/data.pkl");
	assert_string_equal(ents[3].name, "my.model-v1/version");
	free(buf);

	opts.archive_name = "a/b";
	assert_int_equal(dm_pt_write(path, &t, 1, test_fill, NULL, &opts,
	    &err), -1);
	assert_int_equal(err.code, DM_ERR_USAGE);
	opts.archive_name = "";
	assert_int_equal(dm_pt_write(path, &t, 1, test_fill, NULL, &opts,
	    &err), -1);
}

static void
test_npz_layout(void **state)
{
	struct dm_tensor t[3];
	struct dm_error err;
	struct zent ents[8];
	unsigned char *buf, *d;
	char hdr[512];
	size_t len, n, i, k, hlen;
	uint64_t nb;

	(void)state;
	t[0] = mk("layer.0.weight", DM_DTYPE_F32, 2, (uint64_t)3,
	    (uint64_t)5);
	t[1] = mk("\xc3\xbcn\xc3\xaf", DM_DTYPE_I64, 0);
	t[2] = mk("h", DM_DTYPE_F16, 1, (uint64_t)9);
	n = write_zip(dm_npz_write, "x.npz", t, 3, NULL, &buf, &len, ents, 8);
	assert_int_equal(n, 3);
	assert_string_equal(ents[0].name, "layer.0.weight.npy");
	assert_string_equal(ents[1].name, "\xc3\xbcn\xc3\xaf.npy");
	assert_string_equal(ents[2].name, "h.npy");
	/* No extra fields; the UTF-8 flag on the non-ASCII name only. */
	for (i = 0; i < 3; i++)
		assert_int_equal(ents[i].data, ents[i].hdr + 30 +
		    strlen(ents[i].name));
	assert_int_equal(ents[0].flags, 0);
	assert_int_equal(ents[1].flags, 0x800);
	assert_int_equal(ents[2].flags, 0);
	for (i = 0; i < 3; i++) {
		hlen = dm_npy_header(&t[i], hdr, sizeof hdr);
		assert_int_equal(dm_tensor_size(&t[i], NULL, &nb, &err), 0);
		assert_int_equal(ents[i].size, hlen + nb);
		d = buf + ents[i].data;
		assert_memory_equal(d, hdr, hlen);
		for (k = 0; k < nb; k++)
			assert_int_equal(d[hlen + k], pattern(i, k));
	}
	free(buf);
}

/*
 * Streaming: the requests each writer makes, and progress.
 */

static void
test_fill_requests(void **state)
{
	struct dm_tensorout_opts opts;
	struct dm_tensor t[2];
	struct dm_error err;
	struct fillctx c;
	char path[512];
	size_t w, k;
	uint64_t total;

	(void)state;
	t[0] = mk("f32", DM_DTYPE_F32, 2, (uint64_t)5, (uint64_t)131072);
	t[1] = mk("i64", DM_DTYPE_I64, 1, (uint64_t)3);
	total = 5 * 131072 * 4 + 24;
	for (w = 0; w < NWRITERS; w++) {
		memset(&c, 0, sizeof c);
		memset(&opts, 0, sizeof opts);
		c.fail_at = SIZE_MAX;
		opts.progress = test_progress;
		opts.pctx = &c;
		tpath(path, sizeof path, writers[w].name);
		assert_int_equal(writers[w].write(path, t, 2, test_fill, &c,
		    &opts, &err), 0);
		/* 2.5 MiB: three chunks; the I64 tensor: one. */
		assert_int_equal(c.nreqs, 4);
		k = writers[w].write == dm_safetensors_write ? 1 : 0;
		/* safetensors writes the 8-byte elements first. */
		assert_int_equal(c.reqs[k ? 0 : 3].i, 1);
		assert_int_equal(c.reqs[k ? 0 : 3].len, 24);
		assert_int_equal(c.reqs[k].i, 0);
		assert_int_equal(c.reqs[k].off, 0);
		assert_int_equal(c.reqs[k].len, DM_TENSOROUT_CHUNK);
		assert_int_equal(c.reqs[k + 1].off, DM_TENSOROUT_CHUNK);
		assert_int_equal(c.reqs[k + 1].len, DM_TENSOROUT_CHUNK);
		assert_int_equal(c.reqs[k + 2].off, 2 * DM_TENSOROUT_CHUNK);
		assert_int_equal(c.reqs[k + 2].len,
		    total - 24 - 2 * DM_TENSOROUT_CHUNK);
		assert_int_equal(c.progress_first, 0);
		assert_int_equal(c.progress_last, total);
		assert_int_equal(c.progress_total, total);
		assert_int_equal(c.progress_calls, 6);
	}
}

/*
 * Failures leave the target alone and no temporary file behind.
 */

static void
test_fill_failure(void **state)
{
	struct dm_tensor t[3];
	struct dm_error err;
	struct fillctx c;
	unsigned char *buf;
	char path[512];
	size_t w, len;

	(void)state;
	t[0] = mk("a", DM_DTYPE_F32, 1, (uint64_t)1000);
	t[1] = mk("b", DM_DTYPE_F32, 1, (uint64_t)1000);
	t[2] = mk("c", DM_DTYPE_F16, 1, (uint64_t)1000);
	for (w = 0; w < NWRITERS; w++) {
		/* No previous file: none afterwards. */
		memset(&c, 0, sizeof c);
		c.fail_at = 1;
		tpath(path, sizeof path, writers[w].name);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, &c,
		    NULL, &err), -1);
		assert_int_equal(err.code, DM_ERR_IO);
		assert_string_equal(err.msg,
		    "input.weights: unexpected end of file at tensor 1");
		assert_int_equal(count_files(), 0);

		/* A previous file: kept as it was. */
		spit(path, "previous");
		memset(&c, 0, sizeof c);
		c.fail_at = 2;
		assert_int_equal(writers[w].write(path, t, 3, test_fill, &c,
		    NULL, &err), -1);
		buf = slurp(path, &len);
		assert_int_equal(len, 8);
		assert_memory_equal(buf, "previous", 8);
		free(buf);
		assert_int_equal(count_files(), 1);

		/* And replaced when all goes well. */
		c.fail_at = SIZE_MAX;
		assert_int_equal(writers[w].write(path, t, 3, test_fill, &c,
		    NULL, &err), 0);
		buf = slurp(path, &len);
		assert_true(len > 5000);
		free(buf);
		assert_int_equal(count_files(), 1);
		unlink(path);
	}
}

static void
test_bad_tensors(void **state)
{
	struct dm_tensor t[3];
	struct dm_error err;
	char path[512];
	size_t w;

	(void)state;
	for (w = 0; w < NWRITERS; w++) {
		tpath(path, sizeof path, writers[w].name);

		t[0] = mk("x.weight", DM_DTYPE_F32, 1, (uint64_t)2);
		t[1] = mk("y", DM_DTYPE_F32, 1, (uint64_t)2);
		t[2] = mk("x.weight", DM_DTYPE_F16, 1, (uint64_t)2);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);
		assert_int_equal(err.code, DM_ERR_INVALID);
		assert_string_equal(err.file, path);
		assert_non_null(strstr(err.msg, "'x.weight' used twice"));

		t[2] = mk("", DM_DTYPE_F16, 1, (uint64_t)2);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);
		assert_int_equal(err.code, DM_ERR_INVALID);

		t[2] = mk("bad\xc3(", DM_DTYPE_F16, 1, (uint64_t)2);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);
		assert_non_null(strstr(err.msg, "UTF-8"));
		t[2] = mk("\xed\xa0\x80", DM_DTYPE_F16, 1, (uint64_t)2);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);

		t[2] = mk("huge", DM_DTYPE_F32, 2, (uint64_t)1 << 62,
		    (uint64_t)2);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);
		assert_int_equal(err.code, DM_ERR_RANGE);
		assert_string_equal(err.file, path);
		assert_non_null(strstr(err.msg, "'huge'"));

		/* Two tensors each fine, together over INT64_MAX bytes. */
		t[1] = mk("y", DM_DTYPE_F32, 1, (uint64_t)1 << 60);
		t[2] = mk("z", DM_DTYPE_F32, 1, (uint64_t)1 << 60);
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    NULL, &err), -1);
		assert_int_equal(err.code, DM_ERR_RANGE);

		assert_int_equal(count_files(), 0);
	}
}

static void
test_same_as_input(void **state)
{
	struct dm_tensorout_opts opts;
	const char *inputs[3];
	struct dm_tensor t;
	struct dm_error err;
	unsigned char *buf;
	char in[512], hard[512], sym[512], other[512];
	size_t w, len;

	(void)state;
	tpath(in, sizeof in, "model.weights");
	tpath(hard, sizeof hard, "hardlink");
	tpath(sym, sizeof sym, "symlink");
	tpath(other, sizeof other, "yolo.cfg");
	spit(in, "weights!");
	spit(other, "[net]\n");
	assert_int_equal(link(in, hard), 0);
	assert_int_equal(symlink(in, sym), 0);
	inputs[0] = other;
	inputs[1] = in;
	inputs[2] = NULL;
	memset(&opts, 0, sizeof opts);
	opts.inputs = inputs;
	t = mk("w", DM_DTYPE_F32, 1, (uint64_t)2);
	for (w = 0; w < NWRITERS; w++) {
		assert_int_equal(writers[w].write(in, &t, 1, test_fill, NULL,
		    &opts, &err), -1);
		assert_int_equal(err.code, DM_ERR_USAGE);
		assert_non_null(strstr(err.msg, "same file as input"));
		assert_int_equal(writers[w].write(hard, &t, 1, test_fill, NULL,
		    &opts, &err), -1);
		assert_int_equal(writers[w].write(sym, &t, 1, test_fill, NULL,
		    &opts, &err), -1);
		/* The folder is refused too. */
		assert_int_equal(writers[w].write(tmpdir, &t, 1, test_fill,
		    NULL, &opts, &err), -1);
		assert_int_equal(err.code, DM_ERR_USAGE);
	}
	buf = slurp(in, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "weights!", 8);
	free(buf);
	assert_int_equal(count_files(), 4);
}

static void
test_no_tensors(void **state)
{
	static const unsigned char eocd[22] = { 0x50, 0x4b, 0x05, 0x06 };
	struct dm_error err;
	unsigned char *buf;
	char path[512];
	size_t len;

	(void)state;
	tpath(path, sizeof path, "e.npz");
	assert_int_equal(dm_npz_write(path, NULL, 0, test_fill, NULL, NULL,
	    &err), 0);
	buf = slurp(path, &len);
	assert_int_equal(len, 22);
	assert_memory_equal(buf, eocd, 22);
	free(buf);

	tpath(path, sizeof path, "e.safetensors");
	assert_int_equal(dm_safetensors_write(path, NULL, 0, NULL, NULL,
	    NULL, &err), 0);
	buf = slurp(path, &len);
	assert_int_equal(len, 64);
	assert_memory_equal(buf + 8, "{\"__metadata__\":{\"format\":\"pt\"}}",
	    32);
	assert_memory_equal(buf + 40, "                        ", 24);
	free(buf);

	tpath(path, sizeof path, "e.pt");
	assert_int_equal(dm_pt_write(path, NULL, 0, NULL, NULL, NULL, &err),
	    0);
	assert_int_equal(count_files(), 3);
}

/*
 * The atomic file itself.
 */

static void
test_atomicfile(void **state)
{
	struct dm_atomicfile af;
	struct dm_error err;
	struct stat st;
	unsigned char *buf;
	char path[512], tmp[600];
	size_t len;

	(void)state;
	tpath(path, sizeof path, "out.bin");

	/* Abort: nothing remains. */
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	assert_int_equal(strncmp(af.tmppath, path, strlen(path)), 0);
	assert_int_equal(strlen(af.tmppath), strlen(path) + 7);
	snprintf(tmp, sizeof tmp, "%s", af.tmppath);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(dm_atomicfile_write(&af, "abc", 3, &err), 0);
	assert_int_equal(stat(path, &st), -1);
	dm_atomicfile_abort(&af);
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(count_files(), 0);
	dm_atomicfile_abort(&af);	/* harmless twice */

	/* Commit: the data, pwrite and pread included. */
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "hello world", 11, &err), 0);
	assert_int_equal(dm_atomicfile_pwrite(&af, "W", 1, 6, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "!", 1, &err), 0);
	assert_int_equal(dm_atomicfile_pread(&af, tmp, 5, 6, &err), 0);
	assert_memory_equal(tmp, "World", 5);
	assert_int_equal(dm_atomicfile_pread(&af, tmp, 5, 10, &err), -1);
	assert_string_equal(err.file, path);
	assert_int_equal(dm_atomicfile_commit(&af, &err), 0);
	buf = slurp(path, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(buf, "hello World!", 12);
	free(buf);
	assert_int_equal(count_files(), 1);

	/* An existing file keeps its permission bits. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "x", 1, &err), 0);
	assert_int_equal(dm_atomicfile_commit(&af, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 1);

	/*
	 * A rename that fails at commit (a folder has taken the target's
	 * name meanwhile): the message names the target, nothing remains.
	 */
	tpath(tmp, sizeof tmp, "late.bin");
	assert_int_equal(dm_atomicfile_open(&af, tmp, NULL, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "x", 1, &err), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(mkdir(strcat(tmp, "/sub"), 0700), 0);
	assert_int_equal(dm_atomicfile_commit(&af, &err), -1);
	assert_int_equal(err.code, DM_ERR_IO);
	tpath(tmp, sizeof tmp, "late.bin");
	assert_string_equal(err.file, tmp);
	assert_non_null(strstr(err.msg, ": cannot rename "));
	assert_int_equal(count_files(), 2);	/* out.bin, late.bin/ */
	strcat(tmp, "/sub");
	assert_int_equal(rmdir(tmp), 0);
	tpath(tmp, sizeof tmp, "late.bin");
	assert_int_equal(rmdir(tmp), 0);

	/* Refusals. */
	assert_int_equal(dm_atomicfile_open(&af, "", NULL, &err), -1);
	assert_int_equal(dm_atomicfile_open(&af, tmpdir, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is a directory"));
	snprintf(tmp, sizeof tmp, "%s/", path);
	assert_int_equal(dm_atomicfile_open(&af, tmp, NULL, &err), -1);
	assert_int_equal(dm_atomicfile_open(&af, "/dev/null", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	tpath(tmp, sizeof tmp, "missing/out.bin");
	assert_int_equal(dm_atomicfile_open(&af, tmp, NULL, &err), -1);
	assert_int_equal(err.code, DM_ERR_IO);
	assert_string_equal(err.file, tmp);
	dm_atomicfile_abort(&af);
	assert_int_equal(count_files(), 1);
}

/* Small writes gathered, large ones straight through, pwrite anywhere. */
static void
test_atomicfile_gather(void **state)
{
	struct dm_atomicfile af;
	struct dm_error err;
	struct stat st;
	unsigned char *want, *big, *buf, got[8];
	char path[512];
	size_t len, k, biglen;
	uint64_t n;

	(void)state;
	tpath(path, sizeof path, "g.bin");
	biglen = 300 << 10;
	big = malloc(biglen);
	want = calloc(1, 4 * biglen);
	assert_non_null(big);
	assert_non_null(want);
	for (k = 0; k < biglen; k++)
		big[k] = pattern(9, k);

	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	af.sync = DM_SYNC_NEVER;
	dm_atomicfile_reserve(&af, 8 << 20);
	n = 0;
	/* Small pieces, then a large one: they go out together. */
	for (k = 0; k < 1000; k++) {
		assert_int_equal(dm_atomicfile_write(&af, "abc", 3, &err), 0);
		memcpy(want + n, "abc", 3);
		n += 3;
	}
	assert_int_equal(dm_atomicfile_write(&af, big, biglen, &err), 0);
	memcpy(want + n, big, biglen);
	n += biglen;
	assert_int_equal(af.pos, n);
	/* Small pieces again, still gathered ... */
	for (k = 0; k < 100; k++) {
		assert_int_equal(dm_atomicfile_write(&af, big + k, 7, &err),
		    0);
		memcpy(want + n, big + k, 7);
		n += 7;
	}
	assert_true(af.buflen > 0);
	/* ... changed in place, or across what was written out already. */
	assert_int_equal(dm_atomicfile_pwrite(&af, "XY", 2, n - 10, &err), 0);
	memcpy(want + n - 10, "XY", 2);
	assert_int_equal(dm_atomicfile_pwrite(&af, "0123", 4, n - 702, &err),
	    0);
	memcpy(want + n - 702, "0123", 4);
	assert_int_equal(dm_atomicfile_pwrite(&af, "Z", 1, 1, &err), 0);
	want[1] = 'Z';
	/* Reading sees everything. */
	assert_int_equal(dm_atomicfile_pread(&af, got, 8, n - 8, &err), 0);
	assert_memory_equal(got, want + n - 8, 8);
	assert_int_equal(af.buflen, 0);
	assert_int_equal(dm_atomicfile_write(&af, "end", 3, &err), 0);
	memcpy(want + n, "end", 3);
	n += 3;
	assert_int_equal(dm_atomicfile_commit(&af, &err), 0);

	buf = slurp(path, &len);
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, len);
	free(buf);
	/* What was reserved past the end is given back. */
	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 < (4 << 20));
	assert_int_equal(count_files(), 1);

	/* Gathered bytes are dropped with the file on abort. */
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "abc", 3, &err), 0);
	dm_atomicfile_abort(&af);
	assert_null(af.buf);
	assert_int_equal(dm_atomicfile_write(&af, "abc", 3, &err), -1);
	assert_int_equal(count_files(), 1);
	free(big);
	free(want);
}

/* Whatever the sync policy, the files are the same. */
static void
test_no_sync(void **state)
{
	struct dm_tensorout_opts opts;
	struct dm_tensor t[3];
	struct dm_error err;
	unsigned char *a, *b;
	char path[512], path2[512];
	size_t w, alen, blen;

	(void)state;
	t[0] = mk("w", DM_DTYPE_F32, 2, (uint64_t)300, (uint64_t)1001);
	t[1] = mk("b", DM_DTYPE_F16, 1, (uint64_t)77);
	t[2] = mk("n", DM_DTYPE_I64, 0);
	memset(&opts, 0, sizeof opts);
	for (w = 0; w < NWRITERS; w++) {
		tpath(path, sizeof path, "synced");
		tpath(path2, sizeof path2, "unsynced");
		opts.sync = DM_SYNC_ALWAYS;
		assert_int_equal(writers[w].write(path, t, 3, test_fill, NULL,
		    &opts, &err), 0);
		opts.sync = DM_SYNC_NEVER;
		assert_int_equal(writers[w].write(path2, t, 3, test_fill, NULL,
		    &opts, &err), 0);
		/* Replacing under the default policy, which syncs. */
		opts.sync = DM_SYNC_REPLACE;
		assert_int_equal(writers[w].write(path2, t, 3, test_fill, NULL,
		    &opts, &err), 0);
		a = slurp(path, &alen);
		b = slurp(path2, &blen);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		free(a);
		free(b);
		unlink(path);
		unlink(path2);
	}
	assert_int_equal(count_files(), 0);
}

/*
 * 65535 entries and more: the count only fits the zip64 end record, which
 * comes with its locator before the classic one.
 */
static void
test_npz_many(void **state)
{
	struct dm_tensor *t;
	struct dm_error err;
	unsigned char *buf;
	const unsigned char *e, *l, *z, *c;
	char path[512], (*keys)[16];
	size_t n, k, len, namelen;
	uint64_t cd, cdsize;

	(void)state;
	n = 65536 + 3;
	t = calloc(n, sizeof *t);
	keys = calloc(n, sizeof *keys);
	assert_non_null(t);
	assert_non_null(keys);
	for (k = 0; k < n; k++) {
		snprintf(keys[k], sizeof keys[k], "t%zu", k);
		t[k] = mk(keys[k], DM_DTYPE_F16, 1, (uint64_t)(k % 3));
	}
	tpath(path, sizeof path, "many.npz");
	assert_int_equal(dm_npz_write(path, t, n, test_fill, NULL, NULL,
	    &err), 0);
	buf = slurp(path, &len);

	e = buf + len - 22;
	assert_int_equal(dm_le32dec(e), 0x06054b50);
	assert_int_equal(e[8] | e[9] << 8, 0xffff);
	assert_int_equal(e[10] | e[11] << 8, 0xffff);
	l = e - 20;
	assert_int_equal(dm_le32dec(l), 0x07064b50);
	assert_int_equal(dm_le32dec(l + 16), 1);
	z = buf + dm_le64dec(l + 8);
	assert_ptr_equal(z, l - 56);
	assert_int_equal(dm_le32dec(z), 0x06064b50);
	assert_int_equal(dm_le64dec(z + 4), 44);
	assert_int_equal(dm_le64dec(z + 24), n);
	assert_int_equal(dm_le64dec(z + 32), n);
	cdsize = dm_le64dec(z + 40);
	cd = dm_le64dec(z + 48);
	assert_int_equal(dm_le32dec(e + 12), cdsize);
	assert_int_equal(dm_le32dec(e + 16), cd);
	assert_int_equal(cd + cdsize, (uint64_t)(z - buf));

	/* Every central entry points at its local header. */
	c = buf + cd;
	for (k = 0; k < n; k++) {
		assert_int_equal(dm_le32dec(c), 0x02014b50);
		namelen = c[28] | (size_t)c[29] << 8;
		l = buf + dm_le32dec(c + 42);
		assert_int_equal(dm_le32dec(l), 0x04034b50);
		assert_int_equal(l[26] | (size_t)l[27] << 8, namelen);
		assert_memory_equal(l + 30, c + 46, namelen);
		assert_int_equal(dm_le32dec(l + 14), dm_le32dec(c + 16));
		c += 46 + namelen;
	}
	assert_ptr_equal(c, z);
	free(buf);
	free(keys);
	free(t);
}

/*
 * Reading back what was written.
 */

/* Flips the bits of mask in the byte at off of the open file fd. */
static void
flip(int fd, uint64_t off, unsigned char mask)
{
	unsigned char c;

	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= mask;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
}

/* dm_zipcheck() of z fails, naming what and the byte offset at. */
static void
check_fails(struct dm_zipw *z, const char *what, uint64_t at)
{
	struct dm_error err;

	assert_int_equal(dm_zipcheck(z, &err), -1);
	assert_int_equal(err.code, DM_ERR_IO);
	if (strstr(err.msg, what) == NULL)
		fail_msg("'%s' does not say '%s'", err.msg, what);
	if (err.offset != at)
		fail_msg("'%s' is at byte %llu, not %llu", err.msg,
		    (unsigned long long)err.offset, (unsigned long long)at);
	assert_string_equal(err.file, z->af->path);
}

/* Flipping the bits of mask at off makes the check fail with what, at. */
struct damage {
	uint64_t	 off;
	unsigned char	 mask;
	const char	*what;
	uint64_t	 at;
};

/* Each damage in turn is found, named and undone. */
static void
check_damage(struct dm_zipw *z, int fd, const struct damage *d, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		flip(fd, d[k].off, d[k].mask);
		check_fails(z, d[k].what, d[k].at);
		flip(fd, d[k].off, d[k].mask);
	}
}

static void
test_zipcheck(void **state)
{
	static const char *const names[] = { "a", "b/\xc3\xa9", "c" };
	static const size_t sizes[] = { 10, 1000, 0 };
	const struct dm_zipw_entry *e;
	struct dm_atomicfile af;
	struct dm_zipw z;
	struct dm_error err;
	unsigned char data[1000], rec[22];
	uint64_t end, cd;
	char path[512];
	size_t k;

	(void)state;
	memset(data, 0x5a, sizeof data);
	tpath(path, sizeof path, "c.zip");
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	af.sync = DM_SYNC_NEVER;
	assert_int_equal(dm_atomicfile_write(&af, "lead", 4, &err), 0);
	assert_int_equal(dm_zipw_init(&z, &af, 64, &err), 0);
	for (k = 0; k < 3; k++) {
		assert_int_equal(dm_zipw_begin(&z, names[k], sizes[k], &err),
		    0);
		assert_int_equal(dm_zipw_data(&z, data, sizes[k], &err), 0);
		assert_int_equal(dm_zipw_end(&z, &err), 0);
	}
	assert_int_equal(dm_zipw_finish(&z, &err), 0);
	assert_int_equal(dm_zipcheck(&z, &err), 0);
	assert_int_equal(dm_atomicfile_flush(&af, &err), 0);
	end = af.pos;
	assert_int_equal(pread(af.fd, rec, sizeof rec, (off_t)(end - 22)),
	    22);
	cd = dm_le32dec(rec + 16);
	e = &z.ent[1];

	/* Each change is found, named and undone. */
	{
		const uint64_t h = e->hdr_off, x = h + 30 + e->namelen;
		const struct damage bad[] = {
			{ h, 0x01, "no local header for entry b/\xc3\xa9", h },
			{ h + 30, 0x20, "local header of entry b/\xc3\xa9 has "
			    "another name", h },
			{ h + 14, 0x80, "has another CRC-32", h },
			{ h + 22, 0x01, "has another size", h },
			{ h + 8, 0x08, "has a compression method", h },
			{ h + 4, 0x01, "another version needed", h },
			{ cd + 6, 0x02, "central header of entry a has another "
			    "version needed", cd },
			{ h + 28, 0x04, "does not start where meant", h },
			/* The FB field's id: the data is no longer aligned. */
			{ x, 0x01, "is not aligned", h },
			{ cd + 16, 0x01, "central header of entry a has "
			    "another CRC-32", cd },
			{ cd + 42, 0x01, "central header of entry a points "
			    "elsewhere", cd },
			{ cd, 0x01, "no central header for entry a", cd },
			{ end - 22 + 12, 0x01, "not where it is said to be",
			    end - 22 },
			{ end - 22 + 10, 0x01, "a split archive", end - 22 },
			{ end - 1, 0x01, "a split archive or a comment",
			    end - 22 },
			{ end - 22, 0x01, "no end record", end - 22 },
		};

		check_damage(&z, af.fd, bad, sizeof bad / sizeof bad[0]);
	}
	/*
	 * Random damage anywhere, a few bytes at a time, sometimes cutting
	 * or lengthening the file: the check may pass (the data, the times
	 * and some other header fields are not compared) but must never
	 * read out of bounds (the sanitizer build runs this) or hang, and
	 * must refuse every file cut or lengthened.
	 */
	{
		unsigned char *orig;
		uint64_t r = 0x9e3779b97f4a7c15u, at;
		int round, j, caught = 0;

		assert_non_null(orig = malloc((size_t)end));
		assert_int_equal(pread(af.fd, orig, (size_t)end, 0),
		    (ssize_t)end);
		for (round = 0; round < 2000; round++) {
			for (j = 0; j < 1 + round % 4; j++) {
				r = r * 6364136223846793005u +
				    1442695040888963407u;
				at = (r >> 33) % end;
				flip(af.fd, at, (unsigned char)(1u <<
				    ((r >> 20) & 7)));
			}
			if (round % 50 == 49)
				assert_int_equal(ftruncate(af.fd, (off_t)(end -
				    1 - (r >> 40) % 40)), 0);
			if (round % 50 == 24)
				assert_int_equal(ftruncate(af.fd, (off_t)(end +
				    (r >> 40) % 40)), 0);
			if (dm_zipcheck(&z, &err) == -1)
				caught++;
			assert_int_equal(pwrite(af.fd, orig, (size_t)end, 0),
			    (ssize_t)end);
			assert_int_equal(ftruncate(af.fd, (off_t)end), 0);
		}
		/*
		 * Cutting or lengthening the file always is; most bytes are
		 * the data, which is not read.
		 */
		if (caught < 80 || caught == round)
			fail_msg("%d of %d damaged archives caught", caught,
			    round);
		free(orig);
		assert_int_equal(dm_zipcheck(&z, &err), 0);
	}
	/* A size of 0xffffffff says a zip64 field follows; none does. */
	{
		static const unsigned char ff[4] = { 0xff, 0xff, 0xff, 0xff };
		unsigned char was[4];

		assert_int_equal(pread(af.fd, was, 4, (off_t)(cd + 24)), 4);
		assert_int_equal(pwrite(af.fd, ff, 4, (off_t)(cd + 24)), 4);
		check_fails(&z, "bad extra fields for entry a", cd);
		assert_int_equal(pwrite(af.fd, was, 4, (off_t)(cd + 24)), 4);
	}
	/* Data is not read: a change there is for --verify to find. */
	flip(af.fd, e->data_off + 5, 0x01);
	assert_int_equal(dm_zipcheck(&z, &err), 0);
	flip(af.fd, e->data_off + 5, 0x01);
	/* A file cut short. */
	assert_int_equal(ftruncate(af.fd, (off_t)(end - 1)), 0);
	check_fails(&z, "the file holds ", end);
	assert_int_equal(ftruncate(af.fd, (off_t)(end + 1)), 0);
	check_fails(&z, "the file holds ", end);
	assert_int_equal(ftruncate(af.fd, (off_t)end), 0);
	assert_int_equal(dm_zipcheck(&z, &err), 0);
	dm_zipw_free(&z);
	dm_atomicfile_abort(&af);
	assert_int_equal(count_files(), 0);
}

/* The same with 65536 entries: the zip64 end record and its locator. */
static void
test_zipcheck64(void **state)
{
	struct dm_atomicfile af;
	struct dm_zipw z;
	struct dm_error err;
	unsigned char rec[22], loc[20];
	uint64_t end, e64;
	char path[512], name[16];
	size_t k;

	(void)state;
	tpath(path, sizeof path, "c64.zip");
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	af.sync = DM_SYNC_NEVER;
	assert_int_equal(dm_zipw_init(&z, &af, 0, &err), 0);
	for (k = 0; k < 65536; k++) {
		snprintf(name, sizeof name, "e%zu", k);
		assert_int_equal(dm_zipw_begin(&z, name, k % 2, &err), 0);
		assert_int_equal(dm_zipw_data(&z, "x", k % 2, &err), 0);
		assert_int_equal(dm_zipw_end(&z, &err), 0);
	}
	assert_int_equal(dm_zipw_finish(&z, &err), 0);
	assert_int_equal(dm_zipcheck(&z, &err), 0);
	end = af.pos;
	assert_int_equal(pread(af.fd, rec, sizeof rec, (off_t)(end - 22)),
	    22);
	assert_int_equal(rec[10] | rec[11] << 8, 0xffff);
	assert_int_equal(pread(af.fd, loc, sizeof loc, (off_t)(end - 42)),
	    20);
	e64 = dm_le64dec(loc + 8);
	{
		const struct damage bad[] = {
			{ end - 42, 0x01, "no zip64 end locator", end - 42 },
			{ end - 42 + 8, 0x08, "not where it is said to be",
			    end - 42 },
			{ e64, 0x01, "a bad zip64 end record", e64 },
			{ e64 + 32, 0x01, "a bad zip64 end record", e64 },
			{ e64 + 40, 0x01, "disagrees with the zip64",
			    end - 22 },
			{ end - 22 + 12, 0x01, "disagrees with the zip64",
			    end - 22 },
		};

		check_damage(&z, af.fd, bad, sizeof bad / sizeof bad[0]);
	}
	/*
	 * Both classic counts say 65534: no zip64 record is looked for, and
	 * the directory does not end at the end record.
	 */
	flip(af.fd, end - 22 + 8, 0x01);
	flip(af.fd, end - 22 + 10, 0x01);
	check_fails(&z, "not where it is said to be", end - 22);
	flip(af.fd, end - 22 + 8, 0x01);
	flip(af.fd, end - 22 + 10, 0x01);
	assert_int_equal(dm_zipcheck(&z, &err), 0);
	dm_zipw_free(&z);
	dm_atomicfile_abort(&af);
}

/*
 * A fill that, when asked for tensor 1, scribbles on the data of tensor 0
 * (all 0x11, already in the temporary file), as another process might.
 */
static int
scribble_fill(void *vctx, size_t i, uint64_t off, void *buf, size_t len,
    struct dm_error *err)
{
	static const char *const prefix[] = { "s.pt.", "s.npz.", "s.st.",
	    NULL };
	unsigned char run[64], *file;
	const unsigned char *at;
	char path[512];
	struct dirent *de;
	size_t flen, k;
	DIR *d;
	int fd;

	(void)vctx;
	(void)err;
	memset(buf, i == 0 ? 0x11 : 0x22, len);
	if (i != 1 || off != 0)
		return 0;
	memset(run, 0x11, sizeof run);
	assert_non_null(d = opendir(tmpdir));
	while ((de = readdir(d)) != NULL) {
		for (k = 0; prefix[k] != NULL; k++)
			if (strncmp(de->d_name, prefix[k],
			    strlen(prefix[k])) == 0)
				break;
		if (prefix[k] == NULL)
			continue;
		tpath(path, sizeof path, de->d_name);
		file = slurp(path, &flen);
		at = find(file, flen, run, sizeof run);
		assert_non_null(at);
		assert_int_not_equal(fd = open(path, O_RDWR), -1);
		flip(fd, (uint64_t)(at - file) + 1000, 0x40);
		close(fd);
		free(file);
	}
	closedir(d);
	return 0;
}

static void
test_verify(void **state)
{
	struct dm_tensorout_opts o;
	struct dm_tensor t[2];
	struct dm_error err;
	char path[512];

	(void)state;
	/* Large enough to go to the file at once, not through a buffer. */
	t[0] = mk("a", DM_DTYPE_F32, 2, (uint64_t)512, (uint64_t)512);
	t[1] = mk("b", DM_DTYPE_F32, 1, (uint64_t)16);
	memset(&o, 0, sizeof o);
	o.sync = DM_SYNC_NEVER;

	/* Unharmed, every format reads back. */
	o.verify = 1;
	tpath(path, sizeof path, "ok.pt");
	assert_int_equal(dm_pt_write(path, t, 2, test_fill, NULL, &o, &err),
	    0);
	tpath(path, sizeof path, "ok.npz");
	assert_int_equal(dm_npz_write(path, t, 2, test_fill, NULL, &o, &err),
	    0);
	tpath(path, sizeof path, "ok.st");
	assert_int_equal(dm_safetensors_write(path, t, 2, test_fill, NULL, &o,
	    &err), 0);
	assert_int_equal(count_files(), 3);

	/* Changed data is caught, and nothing is left. */
	tpath(path, sizeof path, "s.pt");
	assert_int_equal(dm_pt_write(path, t, 2, scribble_fill, NULL, &o,
	    &err), -1);
	if (strstr(err.msg, "s.pt: verify: entry archive/data/0") == NULL ||
	    strstr(err.msg, "CRC") == NULL)
		fail_msg("unexpected: %s", err.msg);
	tpath(path, sizeof path, "s.npz");
	assert_int_equal(dm_npz_write(path, t, 2, scribble_fill, NULL, &o,
	    &err), -1);
	if (strstr(err.msg, "s.npz: verify: entry a.npy") == NULL)
		fail_msg("unexpected: %s", err.msg);
	tpath(path, sizeof path, "s.st");
	assert_int_equal(dm_safetensors_write(path, t, 2, scribble_fill, NULL,
	    &o, &err), -1);
	if (strstr(err.msg, "s.st: verify: the file written reads back with "
	    "CRC-32") == NULL)
		fail_msg("unexpected: %s", err.msg);
	assert_int_equal(count_files(), 3);

	/*
	 * Without verify, only the headers are read back, as documented:
	 * the data is not read again.
	 */
	o.verify = 0;
	tpath(path, sizeof path, "s.pt");
	assert_int_equal(dm_pt_write(path, t, 2, scribble_fill, NULL, &o,
	    &err), 0);
	assert_int_equal(count_files(), 4);
}

static void
test_atomicfile_verify(void **state)
{
	struct dm_atomicfile af;
	struct dm_error err;
	unsigned char *big;
	char path[512];
	size_t k, biglen = 300 << 10;

	(void)state;
	big = malloc(biglen);
	assert_non_null(big);
	for (k = 0; k < biglen; k++)
		big[k] = pattern(3, k);
	tpath(path, sizeof path, "v.bin");
	assert_int_equal(dm_atomicfile_open(&af, path, NULL, &err), 0);
	af.sync = DM_SYNC_NEVER;
	af.verify = 1;
	dm_atomicfile_reserve(&af, 4 << 20);
	assert_int_equal(dm_atomicfile_write(&af, "head", 4, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, big, biglen, &err), 0);
	assert_int_equal(dm_atomicfile_write(&af, "tail", 4, &err), 0);
	assert_int_equal(dm_atomicfile_verify(&af, &err), 0);
	assert_int_equal(af.crc, dm_crc32(dm_crc32(dm_crc32(0, "head", 4),
	    big, biglen), "tail", 4));

	flip(af.fd, 4 + 1234, 0x02);
	assert_int_equal(dm_atomicfile_verify(&af, &err), -1);
	assert_non_null(strstr(err.msg, "v.bin: verify: the file written "
	    "reads back with CRC-32"));
	flip(af.fd, 4 + 1234, 0x02);
	assert_int_equal(dm_atomicfile_verify(&af, &err), 0);

	assert_int_equal(ftruncate(af.fd, (off_t)(biglen + 9)), 0);
	assert_int_equal(dm_atomicfile_verify(&af, &err), -1);
	assert_non_null(strstr(err.msg, "holds 307209 bytes, not 307208"));
	assert_int_equal(ftruncate(af.fd, (off_t)(biglen + 8)), 0);
	assert_int_equal(dm_atomicfile_verify(&af, &err), 0);

	/* Once written over, what was meant is no longer known. */
	assert_int_equal(dm_atomicfile_pwrite(&af, "H", 1, 0, &err), 0);
	assert_int_equal(dm_atomicfile_verify(&af, &err), -1);
	assert_non_null(strstr(err.msg, "not known"));
	dm_atomicfile_abort(&af);
	free(big);
	assert_int_equal(count_files(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtype_size),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_pickle_example),
		cmocka_unit_test(test_pickle_ints),
		cmocka_unit_test(test_pickle_wrapped),
		cmocka_unit_test(test_npy_header),
		cmocka_unit_test_setup_teardown(test_safetensors_header,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_pt_layout, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_pt_archive_name,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_npz_layout, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_fill_requests, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_fill_failure, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_tensors, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_same_as_input, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_no_tensors, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomicfile, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomicfile_gather,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_no_sync, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_npz_many, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_zipcheck, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_zipcheck64, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_verify, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomicfile_verify,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("tensorout", tests, NULL, NULL);
}
