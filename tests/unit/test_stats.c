/*
 * test_stats.c - streaming statistics against a long double reference,
 * and the same results whatever the number of threads.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "endian.h"
#include "stats.h"
#include "weights.h"
#include "scratch.h"

/*
 * Sizes that cross every plausible work unit (2^14 to 2^18 floats) and
 * are not multiples of 16.
 */
#define BIG	(3 * 65536 + 4099)
#define HEADER	20

static char dir[256];
static char file[300];

static int
setup(void **state)
{
	(void)state;
	if (scratch_dir(dir, sizeof dir, "dmstats") == -1)
		return -1;
	snprintf(file, sizeof file, "%s/t.weights", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(file);
	return rmdir(dir);
}

/* A small deterministic generator (splitmix64). */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static float
uniform(double lo, double hi)
{
	return (float)(lo + (hi - lo) * ((double)(rng() >> 11) * 0x1p-53));
}

/* n values uniform in [lo, hi), the same for the same seed. */
static float *
random_values(uint64_t seed, size_t n, double lo, double hi)
{
	float *v;
	size_t i;

	rng_state = seed;
	v = malloc(n * sizeof *v);
	assert_non_null(v);
	for (i = 0; i < n; i++)
		v[i] = uniform(lo, hi);
	return v;
}

static float
bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

/*
 * Writes an AlexeyAB 0.2.0 header and the values, little-endian, and
 * opens the file.
 */
static struct dm_weights *
store(const float *v, size_t n)
{
	struct dm_error err;
	struct dm_weights *w;
	uint8_t hdr[HEADER], b[4];
	FILE *fp;
	size_t i;

	dm_le32enc(hdr, 0);
	dm_le32enc(hdr + 4, 2);
	dm_le32enc(hdr + 8, 0);
	dm_le64enc(hdr + 12, 12345);
	fp = fopen(file, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(hdr, 1, sizeof hdr, fp), sizeof hdr);
	for (i = 0; i < n; i++) {
		dm_lef32enc(b, v[i]);
		assert_int_equal(fwrite(b, 1, 4, fp), 4);
	}
	assert_int_equal(fclose(fp), 0);
	w = dm_weights_open(file, DM_DIALECT_AB, &err);
	assert_non_null(w);
	return w;
}

struct ref {
	uint64_t	 n, zeros, nans, infs, subnormals;
	double		 min, max;
	long double	 mean, std;
};

/* The statistics the straightforward way, in long double. */
static void
reference(const float *v, size_t n, struct ref *r)
{
	long double sum = 0, ss = 0, d;
	uint32_t u;
	size_t i;

	memset(r, 0, sizeof *r);
	r->min = DBL_MAX;
	r->max = -DBL_MAX;
	for (i = 0; i < n; i++) {
		memcpy(&u, &v[i], sizeof u);
		if ((u & 0x7f800000u) == 0x7f800000u) {
			if (u & 0x007fffffu)
				r->nans++;
			else
				r->infs++;
			continue;
		}
		if ((u & 0x7fffffffu) == 0)
			r->zeros++;
		else if ((u & 0x7f800000u) == 0)
			r->subnormals++;
		if (v[i] < r->min)
			r->min = v[i];
		if (v[i] > r->max)
			r->max = v[i];
		sum += v[i];
		r->n++;
	}
	if (r->n == 0)
		return;
	r->mean = sum / r->n;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		d = v[i] - r->mean;
		ss += d * d;
	}
	r->std = sqrtl(ss / r->n);
}

static int
close_to(double got, long double want, double rel)
{
	return fabsl((long double)got - want) <= rel * fabsl(want);
}

/* Checks dm_stats_range over values [first, first + count) of v. */
static void
check_range(struct dm_weights *w, const float *v, size_t first,
    size_t count, double rel_mean, double rel_std)
{
	struct dm_error err;
	struct dm_stats st;
	struct ref r;

	reference(v + first, count, &r);
	assert_int_equal(dm_stats_range(w, HEADER + 4 * (uint64_t)first,
	    count, &st, &err), 0);
	assert_true(st.valid);
	assert_int_equal(st.n, r.n);
	assert_int_equal(st.zeros, r.zeros);
	assert_int_equal(st.nans, r.nans);
	assert_int_equal(st.infs, r.infs);
	assert_int_equal(st.subnormals, r.subnormals);
	if (r.n == 0)
		return;
	assert_true(st.min == r.min);
	assert_true(st.max == r.max);
	if (!close_to(st.mean, r.mean, rel_mean) ||
	    !close_to(st.std, r.std, rel_std))
		fail_msg("range %zu+%zu: mean %.17g std %.17g, want %.17Lg "
		    "%.17Lg", first, count, st.mean, st.std, r.mean, r.std);
}

static void
test_range_random(void **state)
{
	static const size_t cuts[][2] = {
		{ 0, BIG }, { 7, BIG - 7 }, { 1, 16383 }, { 3, 16385 },
		{ 5, 65535 }, { 11, 65537 }, { 13, 2 * 65536 + 1 },
		{ 100, 150001 }, { BIG - 15, 15 }, { BIG - 1, 1 },
		{ 17, 31 }
	};
	struct dm_weights *w;
	float *v;
	size_t i;

	(void)state;
	v = random_values(1, BIG, -1, 3);
	w = store(v, BIG);
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
		check_range(w, v, cuts[i][0], cuts[i][1], 1e-9, 1e-9);
	dm_weights_close(w);
	free(v);
}

/*
 * A mean far above the spread: sums of squares about zero would leave
 * nothing of the variance.  The first value is NaN, so the centre must
 * come from a later one.
 */
static void
test_range_offset(void **state)
{
	struct dm_weights *w;
	float *v;

	(void)state;
	v = random_values(2, BIG, 1e4 - 1e-3, 1e4 + 1e-3);
	w = store(v, BIG);
	check_range(w, v, 0, BIG, 1e-12, 1e-6);
	check_range(w, v, 65536 - 3, 65536 + 40, 1e-12, 1e-6);
	dm_weights_close(w);
	v[0] = bits(0x7fc00000u);
	w = store(v, BIG);
	check_range(w, v, 0, BIG, 1e-12, 1e-6);
	dm_weights_close(w);
	free(v);
}

/* NaN, infinity, zero, subnormal and huge values, in and out of blocks. */
static void
test_range_special(void **state)
{
	static const uint32_t odd[] = {
		0x7fc00000u, 0xffc00001u, 0x7f800001u,	/* NaNs */
		0x7f800000u, 0xff800000u,		/* infinities */
		0x00000000u, 0x80000000u,		/* zeros */
		0x00000001u, 0x807fffffu, 0x00400000u,	/* subnormals */
		0x00800000u, 0x7f7fffffu, 0xff7fffffu	/* normal */
	};
	static const size_t at[] = {
		0, 1, 15, 16, 1023, 1024, 5000, 16383, 16384, 65535,
		65536, 65537, 131071, BIG - 17, BIG - 16, BIG - 1
	};
	struct dm_weights *w;
	float *v;
	size_t i, k;

	(void)state;
	v = random_values(3, BIG, -2, 5);
	for (i = 0; i < sizeof at / sizeof at[0]; i++)
		v[at[i]] = bits(odd[(i * 7) % (sizeof odd / sizeof odd[0])]);
	/* Blocks with zeros and subnormals but nothing that is not finite. */
	for (k = 70000; k < 70000 + 3000; k += 97)
		v[k] = bits(k % 2 ? 0x00000003u : 0x80000000u);
	/* Values whose squares overflow a float. */
	v[90000] = 3e30f;
	v[90001] = -2e25f;
	w = store(v, BIG);
	check_range(w, v, 0, BIG, 1e-9, 1e-9);
	check_range(w, v, 1, 65536, 1e-9, 1e-9);
	check_range(w, v, 69999, 4001, 1e-9, 1e-9);
	check_range(w, v, 89990, 17, 1e-9, 1e-9);
	/* Nothing finite at all. */
	for (i = 0; i < 40; i++)
		v[200 + i] = bits(i % 2 ? 0x7f800000u : 0xffc00000u);
	dm_weights_close(w);
	w = store(v, BIG);
	check_range(w, v, 200, 40, 1e-9, 1e-9);
	dm_weights_close(w);
	free(v);
}

static void
test_range_outside(void **state)
{
	struct dm_weights *w;
	struct dm_error err;
	struct dm_stats st;
	float v[100];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		v[i] = (float)i;
	w = store(v, 100);
	assert_int_equal(dm_stats_range(w, HEADER, 101, &st, &err), 0);
	assert_false(st.valid);
	assert_int_equal(st.n, 0);
	assert_int_equal(dm_stats_range(w, HEADER + 400, 1, &st, &err), 0);
	assert_false(st.valid);
	assert_int_equal(dm_stats_range(w, 1000, 0, &st, &err), 0);
	assert_false(st.valid);
	assert_int_equal(dm_stats_range(w, HEADER, UINT64_MAX / 2, &st, &err),
	    0);
	assert_false(st.valid);
	/* Empty, at the very end: valid, and nothing in it. */
	assert_int_equal(dm_stats_range(w, HEADER + 400, 0, &st, &err), 0);
	assert_true(st.valid);
	assert_int_equal(st.n, 0);
	assert_true(st.min == 0 && st.max == 0);
	/* The last value exactly. */
	assert_int_equal(dm_stats_range(w, HEADER + 396, 1, &st, &err), 0);
	assert_true(st.valid);
	assert_true(st.mean == 99 && st.std == 0);
	dm_weights_close(w);
}

/*
 * A net whose two big convolutions hold 1179648 weights each (4.5 MiB),
 * so that the work is worth threads and cut into many units.
 */
static const char netcfg[] = "[net]\nwidth=8\nheight=8\nchannels=256\n"
    "[convolutional]\nfilters=512\nsize=3\npad=1\nbatch_normalize=1\n"
    "[convolutional]\nfilters=256\nsize=3\npad=1\n"
    "[convolutional]\nfilters=3\nsize=1\n";

static struct dm_net *
big_net(size_t *nfloats)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	struct dm_net *net;

	cfg = dm_cfg_parse("t.cfg", netcfg, sizeof netcfg - 1, DM_DIALECT_AB,
	    &err);
	assert_non_null(cfg);
	net = dm_net_build(cfg, &err);
	assert_non_null(net);
	assert_true(net->total_bytes > (8u << 20));
	*nfloats = (size_t)(net->total_bytes - HEADER) / 4;
	return net;
}

/* Weights with a NaN, a subnormal and a zero now and then. */
static float *
net_values(size_t n)
{
	float *v = random_values(4, n, -0.25, 0.3);
	size_t i;

	for (i = 12345; i + 2 < n; i += 300007) {
		v[i] = bits(0x7fc00000u);
		v[i + 1] = bits(0x00000005u);
		v[i + 2] = 0;
	}
	return v;
}

static int
same_stats(const struct dm_stats *a, const struct dm_stats *b)
{
	return a->n == b->n && a->zeros == b->zeros && a->nans == b->nans &&
	    a->infs == b->infs && a->subnormals == b->subnormals &&
	    a->valid == b->valid &&
	    memcmp(&a->min, &b->min, sizeof a->min) == 0 &&
	    memcmp(&a->max, &b->max, sizeof a->max) == 0 &&
	    memcmp(&a->mean, &b->mean, sizeof a->mean) == 0 &&
	    memcmp(&a->std, &b->std, sizeof a->std) == 0;
}

static int
same_check(const struct dm_check *a, const struct dm_check *b)
{
	return a->level == b->level &&
	    memcmp(&a->penalty, &b->penalty, sizeof a->penalty) == 0 &&
	    strcmp(a->note, b->note) == 0;
}

/* The first array whose results differ, or -1. */
static long
first_difference(const struct dm_net *net, const struct dm_stats *sa,
    const struct dm_check *ca, const struct dm_stats *sb,
    const struct dm_check *cb)
{
	size_t i;

	for (i = 0; i < net->narrays; i++)
		if (!same_stats(&sa[i], &sb[i]) || !same_check(&ca[i], &cb[i]))
			return (long)i;
	return -1;
}

/* The same results, to the bit, with 1 to 5 threads and by default. */
static void
test_net_threads(void **state)
{
	static const int64_t shifts[] = { 0, 4, 2, -40, 1 << 20 };
	static const unsigned threads[] = { 2, 3, 4, 5, 0 };
	struct dm_stats *st1, *stn;
	struct dm_check *ck1, *ckn;
	struct dm_weights *w;
	struct dm_error err;
	struct dm_net *net;
	struct ref r;
	size_t n, i, k, t, biggest = 0;
	long d;
	float *v;

	(void)state;
	net = big_net(&n);
	v = net_values(n);
	w = store(v, n);
	st1 = calloc(net->narrays, sizeof *st1);
	stn = calloc(net->narrays, sizeof *stn);
	ck1 = calloc(net->narrays, sizeof *ck1);
	ckn = calloc(net->narrays, sizeof *ckn);
	assert_true(st1 != NULL && stn != NULL && ck1 != NULL && ckn != NULL);
	for (k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
		assert_int_equal(dm_stats_net_threads(net, w, shifts[k], st1,
		    ck1, 1, &err), 0);
		for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
			memset(stn, 0xa5, net->narrays * sizeof *stn);
			memset(ckn, 0xa5, net->narrays * sizeof *ckn);
			assert_int_equal(dm_stats_net_threads(net, w,
			    shifts[k], stn, ckn, threads[t], &err), 0);
			d = first_difference(net, st1, ck1, stn, ckn);
			if (d != -1)
				fail_msg("shift %lld, %u threads: array %ld "
				    "differs", (long long)shifts[k], threads[t],
				    d);
		}
		assert_int_equal(dm_stats_net(net, w, shifts[k], stn, ckn,
		    &err), 0);
		assert_int_equal(first_difference(net, st1, ck1, stn, ckn), -1);
	}
	/* And the unshifted results are right. */
	assert_int_equal(dm_stats_net(net, w, 0, st1, ck1, &err), 0);
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		if (a->count > net->arrays[biggest].count)
			biggest = i;
		reference(v + (a->offset - HEADER) / 4, a->count, &r);
		assert_true(st1[i].valid);
		assert_int_equal(st1[i].n, r.n);
		assert_int_equal(st1[i].nans, r.nans);
		assert_int_equal(st1[i].zeros, r.zeros);
		assert_int_equal(st1[i].subnormals, r.subnormals);
		assert_true(st1[i].min == r.min && st1[i].max == r.max);
		assert_true(close_to(st1[i].mean, r.mean, 1e-9));
		assert_true(close_to(st1[i].std, r.std, 1e-9));
	}
	assert_true(net->arrays[biggest].count > 16 * 65536);
	assert_true(st1[biggest].nans > 0);
	/* Shifted back before the file: the first array is left out. */
	assert_int_equal(dm_stats_net(net, w, -40, st1, ck1, &err), 0);
	assert_false(st1[0].valid);
	assert_true(ck1[0].penalty == 0 && ck1[0].note[0] == '\0');
	dm_weights_close(w);
	free(st1);
	free(stn);
	free(ck1);
	free(ckn);
	free(v);
	dm_net_free(net);
}

/*
 * A file cut short after it was opened: every thread count reports the
 * same error, that of the first unit that could not be read, which runs
 * into the new end of the file.
 */
static void
test_net_error(void **state)
{
	struct dm_error err1, errn;
	char where[64];
	struct dm_stats *st;
	struct dm_check *ck;
	struct dm_weights *w;
	struct dm_net *net;
	size_t n;
	unsigned t;
	float *v;

	(void)state;
	net = big_net(&n);
	v = calloc(n, sizeof *v);
	assert_non_null(v);
	w = store(v, n);
	assert_int_equal(truncate(file, (off_t)(HEADER + 4 * (n / 3))), 0);
	snprintf(where, sizeof where, "end of file at offset %zu",
	    HEADER + 4 * (n / 3));
	st = calloc(net->narrays, sizeof *st);
	ck = calloc(net->narrays, sizeof *ck);
	assert_true(st != NULL && ck != NULL);
	dm_error_clear(&err1);
	assert_int_equal(dm_stats_net_threads(net, w, 0, st, ck, 1, &err1),
	    -1);
	assert_int_equal(err1.code, DM_ERR_IO);
	assert_non_null(strstr(err1.msg, "t.weights"));
	assert_non_null(strstr(err1.msg, where));
	for (t = 2; t <= 4; t++) {
		dm_error_clear(&errn);
		assert_int_equal(dm_stats_net_threads(net, w, 0, st, ck, t,
		    &errn), -1);
		assert_int_equal(errn.code, err1.code);
		assert_string_equal(errn.msg, err1.msg);
	}
	/* No error structure to fill is no reason to fail otherwise. */
	assert_int_equal(dm_stats_net_threads(net, w, 0, st, ck, 2, NULL), -1);
	dm_weights_close(w);
	free(st);
	free(ck);
	free(v);
	dm_net_free(net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_range_random, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_offset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_special, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_outside, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_net_threads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_net_error, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
