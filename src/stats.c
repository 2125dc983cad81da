/*
 * stats.c - streaming statistics and plausibility.
 *
 * A misaligned mapping reads one array's values as another's: BN
 * variances become weights, weights become variances, and bytes read at
 * an offset that is not a multiple of 4 become floats with absurd
 * exponents.  The checks below catch what a real trained network never
 * holds: NaN or infinite parameters, subnormal or astronomically large
 * values, negative variances, and values far outside their array's own
 * spread.  Each check gives a penalty so that competing readings of a file
 * can be ranked.
 */
#include "config.h"

#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"

#define STATS_CHUNK (1u << 20)

const char *
dm_level_name(enum dm_level level)
{
	switch (level) {
	case DM_LEVEL_OK:	return "ok";
	case DM_LEVEL_SUSPECT:	return "suspicious";
	default:		return "bad";
	}
}

/*
 * Accumulates n little-endian floats the simple way, one at a time.  Sums
 * are of (x - pivot), which keeps the variance exact enough when the mean
 * is large against the spread.
 */
static void
accumulate_scalar(const uint8_t *p, size_t n, float pivot,
    struct dm_stats *st, double *sum, double *sumsq)
{
	double s = 0, ss = 0, mn = st->min, mx = st->max, x;
	uint64_t zeros = 0, nans = 0, infs = 0, sub = 0, fin = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t u = dm_le32dec(p + 4 * i);
		uint32_t e = u & 0x7f800000u;
		float f;

		if (e == 0x7f800000u) {
			if (u & 0x007fffffu)
				nans++;
			else
				infs++;
			continue;
		}
		if (e == 0 && (u & 0x007fffffu) != 0)
			sub++;
		memcpy(&f, &u, sizeof f);
		if (f == 0)
			zeros++;
		if (f < mn)
			mn = f;
		if (f > mx)
			mx = f;
		x = (double)f - pivot;
		s += x;
		ss += x * x;
		fin++;
	}
	st->min = mn;
	st->max = mx;
	st->zeros += zeros;
	st->nans += nans;
	st->infs += infs;
	st->subnormals += sub;
	st->n += fin;
	*sum += s;
	*sumsq += ss;
}

#define BLOCK	1024

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The same, fast, with the compilers' portable vector types: blocks of
 * BLOCK values are classified with integer masks and summed in two
 * 8-lane float accumulators each; a block holding NaN or infinity is done
 * again the simple way.  Each block's partial sums go into doubles.  The
 * file's little-endian floats are the host's here, so they load as is.
 */
typedef uint32_t v4u __attribute__((vector_size(32)));
typedef int32_t v4i __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(32)));

/*
 * With GCC on x86-64 the loop is also compiled for AVX2 and the better
 * one chosen when the program loads.
 */
#if defined(__x86_64__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define DM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DM_CLONES
#endif

/* Lane-wise minimum and maximum, as bit blends of a comparison mask. */
#define VMIN(a, b)							\
	((v4f)(((v4i)(a) & ((a) < (b))) | ((v4i)(b) & ~((a) < (b)))))
#define VMAX(a, b)							\
	((v4f)(((v4i)(a) & ((a) > (b))) | ((v4i)(b) & ~((a) > (b)))))

DM_CLONES static void
accumulate(const uint8_t *p, size_t n, float pivot, struct dm_stats *st,
    double *sum, double *sumsq)
{
	const v4u expo = (v4u){ 0 } + 0x7f800000u;
	const v4u mant = (v4u){ 0 } + 0x007fffffu;
	const v4u abs = (v4u){ 0 } + 0x7fffffffu;
	const v4u zero = { 0 };
	const v4f piv = (v4f){ 0 } + pivot;
	v4i nonfin, sub, zeros;
	v4f s0, s1, q0, q1, lo0, lo1, hi0, hi1, x0, x1, d0, d1;
	v4u u0, u1;
	size_t off, m, i, k;
	double bs, bq;
	float lo, hi;
	int32_t any;

	for (off = 0; off < n; off += m) {
		m = n - off < BLOCK ? n - off : BLOCK;
		if (m < 16) {
			accumulate_scalar(p + 4 * off, m, pivot, st, sum, sumsq);
			continue;
		}
		nonfin = sub = zeros = (v4i)zero;
		s0 = s1 = q0 = q1 = (v4f)zero;
		memcpy(&lo0, p + 4 * off, sizeof lo0);
		lo1 = hi0 = hi1 = lo0;
		for (i = 0; i + 16 <= m; i += 16) {
			memcpy(&u0, p + 4 * (off + i), sizeof u0);
			memcpy(&u1, p + 4 * (off + i + 8), sizeof u1);
			nonfin -= ((u0 & expo) == expo) | ((u1 & expo) == expo);
			sub -= ((u0 & expo) == zero) & ((u0 & mant) != zero);
			sub -= ((u1 & expo) == zero) & ((u1 & mant) != zero);
			zeros -= (u0 & abs) == zero;
			zeros -= (u1 & abs) == zero;
			x0 = (v4f)u0;
			x1 = (v4f)u1;
			d0 = x0 - piv;
			d1 = x1 - piv;
			s0 += d0;
			s1 += d1;
			q0 += d0 * d0;
			q1 += d1 * d1;
			lo0 = VMIN(x0, lo0);
			lo1 = VMIN(x1, lo1);
			hi0 = VMAX(x0, hi0);
			hi1 = VMAX(x1, hi1);
		}
		for (k = 0, any = 0; k < 8; k++)
			any |= nonfin[k];
		if (any) {
			accumulate_scalar(p + 4 * off, m, pivot, st, sum, sumsq);
			continue;
		}
		bs = bq = 0;
		lo = hi = lo0[0];
		for (k = 0; k < 8; k++) {
			bs += (double)s0[k] + s1[k];
			bq += (double)q0[k] + q1[k];
			lo = lo0[k] < lo ? lo0[k] : lo;
			lo = lo1[k] < lo ? lo1[k] : lo;
			hi = hi0[k] > hi ? hi0[k] : hi;
			hi = hi1[k] > hi ? hi1[k] : hi;
			st->subnormals += (uint64_t)sub[k];
			st->zeros += (uint64_t)zeros[k];
		}
		if (lo < st->min)
			st->min = lo;
		if (hi > st->max)
			st->max = hi;
		*sum += bs;
		*sumsq += bq;
		st->n += i;
		if (i < m)	/* the last few values of the block */
			accumulate_scalar(p + 4 * (off + i), m - i, pivot, st,
			    sum, sumsq);
	}
}
#else
static void
accumulate(const uint8_t *p, size_t n, float pivot, struct dm_stats *st,
    double *sum, double *sumsq)
{
	accumulate_scalar(p, n, pivot, st, sum, sumsq);
}
#endif

static int
stats_range(struct dm_weights *w, uint64_t off, uint64_t count,
    struct dm_stats *st, uint8_t *buf, struct dm_error *err)
{
	uint64_t left = count, pos = off, bytes;
	double sum = 0, sumsq = 0, var;
	float pivot = 0;
	size_t n;

	memset(st, 0, sizeof st[0]);
	st->min = DBL_MAX;
	st->max = -DBL_MAX;
	if (__builtin_mul_overflow(count, (uint64_t)4, &bytes) ||
	    off > w->size || bytes > w->size - off)
		return 0;
	while (left > 0) {
		n = left > STATS_CHUNK / 4 ? STATS_CHUNK / 4 : (size_t)left;
		if (dm_weights_pread(w, buf, n * 4, pos, err) == -1)
			return -1;
		if (pos == off) {
			/* The first value, if finite, centres the sums. */
			pivot = dm_lef32dec(buf);
			if (!(pivot > -FLT_MAX && pivot < FLT_MAX))
				pivot = 0;
		}
		accumulate(buf, n, pivot, st, &sum, &sumsq);
		pos += n * 4;
		left -= n;
	}
	st->valid = 1;
	if (st->n > 0) {
		var = sumsq / (double)st->n - (sum / (double)st->n) *
		    (sum / (double)st->n);
		st->mean = pivot + sum / (double)st->n;
		st->std = var > 0 ? sqrt(var) : 0;
	} else
		st->min = st->max = 0;
	return 0;
}

int
dm_stats_range(struct dm_weights *w, uint64_t off, uint64_t count,
    struct dm_stats *st, struct dm_error *err)
{
	uint8_t *buf;
	int rc;

	if ((buf = malloc(STATS_CHUNK)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	rc = stats_range(w, off, count, st, buf, err);
	free(buf);
	return rc;
}

static void
judge(struct dm_check *c, enum dm_level level, double penalty,
    const char *note)
{
	c->penalty += penalty;
	if (level > c->level || c->note[0] == '\0') {
		if (level > c->level)
			c->level = level;
		snprintf(c->note, sizeof c->note, "%s", note);
	}
}

void
dm_stats_judge(const struct dm_net *net, const struct dm_array *a,
    const struct dm_stats *st, struct dm_check *c)
{
	char note[160];
	double big, z, t, fan_in;
	uint64_t n = st->n + st->nans + st->infs;

	(void)net;
	memset(c, 0, sizeof *c);
	if (!st->valid || n == 0)
		return;
	if (st->nans || st->infs) {
		snprintf(note, sizeof note, "%llu NaN and %llu infinite values",
		    (unsigned long long)st->nans, (unsigned long long)st->infs);
		judge(c, DM_LEVEL_BAD, 200, note);
	}
	if (st->subnormals > n / 100 || st->subnormals > 16) {
		snprintf(note, sizeof note, "%llu subnormal values: the bytes "
		    "are probably not floats at this offset",
		    (unsigned long long)st->subnormals);
		judge(c, DM_LEVEL_BAD, 150, note);
	}
	big = fabs(st->min) > fabs(st->max) ? fabs(st->min) : fabs(st->max);
	if (big > 1e6) {
		snprintf(note, sizeof note, "values as large as %.3g: not "
		    "plausible parameters", big);
		judge(c, DM_LEVEL_BAD, 150, note);
	}
	if (st->n > 0 && st->zeros == st->n && n > 1) {
		judge(c, DM_LEVEL_SUSPECT, 2, "all zero (untrained, or not "
		    "this array's data)");
		return;
	}
	switch (a->role) {
	case DM_ROLE_ROLLING_VARIANCE:
		if (st->min < 0) {
			snprintf(note, sizeof note, "negative variance (%.3g): "
			    "not a batch-norm variance", st->min);
			judge(c, DM_LEVEL_BAD, 120, note);
		} else if (st->min == 0)
			judge(c, DM_LEVEL_SUSPECT, 1, "zero variance in some "
			    "channels");
		break;
	case DM_ROLE_SCALES:
		if (big > 1e3) {
			snprintf(note, sizeof note, "batch-norm scale of %.3g", big);
			judge(c, DM_LEVEL_BAD, 100, note);
		}
		break;
	case DM_ROLE_WEIGHTS:
		if (a->ndim >= 2 && a->cur_shape[0] > 0 && st->std > 0) {
			fan_in = (double)a->count / (double)a->cur_shape[0];
			if (st->std * sqrt(fan_in) > 100) {
				snprintf(note, sizeof note, "spread %.3g is far "
				    "above what a fan-in of %.0f allows",
				    st->std, fan_in);
				judge(c, DM_LEVEL_SUSPECT, 10, note);
			}
		}
		break;
	default:
		break;
	}
	/* Values far outside the array's own spread. */
	if (st->n >= 16 && st->std > 0) {
		z = (st->max - st->mean) / st->std;
		if ((st->mean - st->min) / st->std > z)
			z = (st->mean - st->min) / st->std;
		t = sqrt(2 * log((double)st->n)) + 4.5;
		if (z > t) {
			snprintf(note, sizeof note, "a value %.1f standard "
			    "deviations from the mean", z);
			judge(c, z > 3 * t ? DM_LEVEL_BAD : DM_LEVEL_SUSPECT,
			    z > 3 * t ? 100 : z - t, note);
		}
	}
}

int
dm_stats_net(const struct dm_net *net, struct dm_weights *w, int64_t shift,
    struct dm_stats *st, struct dm_check *ck, struct dm_error *err)
{
	uint8_t *buf;
	size_t i;
	int64_t off;

	if ((buf = malloc(STATS_CHUNK)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		memset(&st[i], 0, sizeof st[i]);
		memset(&ck[i], 0, sizeof ck[i]);
		if (!dm_array_present(a))
			continue;
		off = (int64_t)a->offset + shift;
		if (off < 0)
			continue;
		if (stats_range(w, (uint64_t)off, a->count, &st[i], buf,
		    err) == -1) {
			free(buf);
			return -1;
		}
		dm_stats_judge(net, a, &st[i], &ck[i]);
	}
	free(buf);
	return 0;
}
