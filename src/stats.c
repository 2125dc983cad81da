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
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endian.h"

/*
 * Each range is cut into units of UNIT floats counted from its start; a
 * unit is summarised on its own, and the summaries are combined in unit
 * order.  The cut does not depend on how many threads there are or which
 * thread did which unit, so neither do the results, to the last bit.
 * Units that lie end to end in the file are read together, up to READ_MAX
 * bytes, as the kernel copies large reads faster.
 */
#define UNIT		(1u << 16)	/* floats: 256 KiB */
#define READ_MAX	(1u << 19)	/* bytes read at once, at most */
#define PAR_MIN		(4u << 20)	/* bytes below which threads cost */
#define THREADS_MAX	4

/*
 * On some processors the kernel's copy out of the page cache runs up to
 * six times slower when its destination is a few bytes past its source
 * modulo 4 KiB.  Read buffers are page-aligned and each unit is read at
 * its own offset within a page.
 */
#define PAGE		4096

/* Where threads can be told which CPUs to start on. */
#if defined(__linux__) && defined(__GLIBC__)
#define DM_AFFINITY 1
#endif

/* The summary of one unit. */
struct part {
	uint64_t	 off;		/* byte offset of the unit's values */
	size_t		 count;		/* how many values */
	uint64_t	 n;		/* finite values */
	uint64_t	 zeros, nans, infs, subnormals;
	double		 min, max;	/* of the finite values */
	double		 mean, m2;	/* m2: sum of squared deviations */
};

/* A range of floats to summarise into st. */
struct span {
	uint64_t	 off, count;
	struct dm_stats	*st;
	size_t		 first, nunits;	/* its units in the part array */
};

/* What the threads share: the next unit to take and whether one failed. */
struct pool {
	struct dm_weights *w;
	struct part	*parts;
	size_t		 nparts;
	size_t		 bufsize;	/* bytes of a read buffer */
	size_t		 next;		/* atomic */
	int		 failed;	/* atomic */
#ifdef DM_AFFINITY
	cpu_set_t	 cpus;		/* where the caller may run */
	int		 have_cpus;
#endif
};

struct worker {
	struct pool	*pool;
	pthread_t	 thread;
	void		*mem;		/* buf comes from it */
	uint8_t		*buf;		/* page-aligned */
	size_t		 failed_unit;	/* SIZE_MAX when none */
	struct dm_error	 err;
};

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
    struct part *pt, double *sum, double *sumsq)
{
	double s = 0, ss = 0, mn = pt->min, mx = pt->max, x;
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
	pt->min = mn;
	pt->max = mx;
	pt->zeros += zeros;
	pt->nans += nans;
	pt->infs += infs;
	pt->subnormals += sub;
	pt->n += fin;
	*sum += s;
	*sumsq += ss;
}

#define BLOCK	1024	/* values done whole, or again the simple way */

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The same, fast, with the compilers' portable vector types, in blocks of
 * BLOCK values.  Deviations from the pivot are taken and summed in
 * doubles, as the simple way does: float sums would be off in the eighth
 * digit.  A NaN or infinity makes the sum of squares NaN or infinite: such
 * a block is done again the simple way.  Zeros and subnormals are rare,
 * so the loop only notes whether a block has any, and only then are they
 * counted.  The file's little-endian floats are the host's here, so they
 * load as is.
 */
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

/*
 * With GCC on x86-64 the loop is also compiled for AVX2 and the better
 * one chosen when the program loads, except under the sanitizers, whose
 * instrumented choosing code would run before they are ready.
 */
#if defined(__x86_64__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define DM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DM_CLONES
#endif

/* Lane-wise minimum and maximum, as bit blends of a comparison mask. */
#define VMIN(a, b)							\
	((v8f)(((v8i)(a) & ((a) < (b))) | ((v8i)(b) & ~((a) < (b)))))
#define VMAX(a, b)							\
	((v8f)(((v8i)(a) & ((a) > (b))) | ((v8i)(b) & ~((a) > (b)))))

/*
 * Four floats at q, widened, less the pivot.  Widened element by element,
 * which compilers turn into one instruction where __builtin_convertvector
 * can take several.
 */
#define DEV(q) __extension__ ({						\
	v4f f_;								\
									\
	memcpy(&f_, (q), sizeof f_);					\
	(v4d){ f_[0], f_[1], f_[2], f_[3] } - piv;			\
})

DM_CLONES static void
accumulate(const uint8_t *p, size_t n, float pivot, struct part *pt,
    double *sum, double *sumsq)
{
	const v8i mag = (v8i){ 0 } + 0x7fffffff;
	const v8i norm = (v8i){ 0 } + 0x00800000;	/* smallest normal */
	const v4d piv = (v4d){ 0 } + pivot;
	v8f x0, x1, a0, a1, lo, hi;
	v4d d0, d1, d2, d3, s0, q0;
	v8i lt, small;
	const uint8_t *b;
	size_t off, m, i, k;
	double ds, dq;
	float fl, fh;
	int32_t any;
	uint32_t u;

	for (off = 0; off < n; off += m) {
		m = n - off < BLOCK ? n - off : BLOCK;
		if (m < 16) {
			accumulate_scalar(p + 4 * off, m, pivot, pt, sum, sumsq);
			continue;
		}
		s0 = q0 = (v4d){ 0 };
		memcpy(&lo, p + 4 * off, sizeof lo);
		hi = lo;
		small = (v8i){ 0 };
		for (i = 0; i + 16 <= m; i += 16) {
			b = p + 4 * (off + i);
			memcpy(&x0, b, sizeof x0);
			memcpy(&x1, b + 32, sizeof x1);
			small |= (((v8i)x0 & mag) < norm) |
			    (((v8i)x1 & mag) < norm);
			/* One comparison orders each pair of lanes. */
			lt = x0 < x1;
			a0 = (v8f)(((v8i)x0 & lt) | ((v8i)x1 & ~lt));
			a1 = (v8f)(((v8i)x1 & lt) | ((v8i)x0 & ~lt));
			lo = VMIN(a0, lo);
			hi = VMAX(a1, hi);
			d0 = DEV(b);
			d1 = DEV(b + 16);
			d2 = DEV(b + 32);
			d3 = DEV(b + 48);
			s0 += (d0 + d1) + (d2 + d3);
			q0 += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
		}
		dq = (q0[0] + q0[1]) + (q0[2] + q0[3]);
		if (!(dq <= DBL_MAX)) {
			accumulate_scalar(p + 4 * off, m, pivot, pt, sum, sumsq);
			continue;
		}
		ds = (s0[0] + s0[1]) + (s0[2] + s0[3]);
		fl = lo[0];
		fh = hi[0];
		any = small[0];
		for (k = 1; k < 8; k++) {
			fl = lo[k] < fl ? lo[k] : fl;
			fh = hi[k] > fh ? hi[k] : fh;
			any |= small[k];
		}
		if (any) {
			for (k = 0; k < i; k++) {
				u = dm_le32dec(p + 4 * (off + k)) & 0x7fffffffu;
				if (u == 0)
					pt->zeros++;
				else if (u < 0x00800000u)
					pt->subnormals++;
			}
		}
		if (fl < pt->min)
			pt->min = fl;
		if (fh > pt->max)
			pt->max = fh;
		*sum += ds;
		*sumsq += dq;
		pt->n += i;
		if (i < m)	/* the last few values of the block */
			accumulate_scalar(p + 4 * (off + i), m - i, pivot, pt,
			    sum, sumsq);
	}
}
#else
static void
accumulate(const uint8_t *p, size_t n, float pivot, struct part *pt,
    double *sum, double *sumsq)
{
	accumulate_scalar(p, n, pivot, pt, sum, sumsq);
}
#endif

/*
 * Summarises one unit, read at buf.  The sums are taken about the unit's
 * first finite value, which keeps its variance exact when the mean is
 * large against the spread.
 */
static void
unit_stats(struct part *pt, const uint8_t *buf)
{
	double sum = 0, sumsq = 0, m2;
	float pivot = 0, f;
	size_t i;

	for (i = 0; i < pt->count; i++) {
		f = dm_lef32dec(buf + 4 * i);
		if (f >= -FLT_MAX && f <= FLT_MAX) {
			pivot = f;
			break;
		}
	}
	pt->n = pt->zeros = pt->nans = pt->infs = pt->subnormals = 0;
	pt->min = DBL_MAX;
	pt->max = -DBL_MAX;
	accumulate(buf, pt->count, pivot, pt, &sum, &sumsq);
	pt->mean = pt->m2 = 0;
	if (pt->n > 0) {
		pt->mean = pivot + sum / (double)pt->n;
		m2 = sumsq - sum * (sum / (double)pt->n);
		pt->m2 = m2 > 0 ? m2 : 0;
	}
}

/* The end of the run of units from u on that lie end to end in the file. */
static size_t
batch_end(const struct pool *p, size_t u)
{
	uint64_t start = p->parts[u].off, end = start + p->parts[u].count * 4;
	size_t v;

	for (v = u + 1; v < p->nparts; v++) {
		if (p->parts[v].off != end ||
		    end + p->parts[v].count * 4 - start > READ_MAX)
			break;
		end += p->parts[v].count * 4;
	}
	return v;
}

/*
 * Takes batches of units until none is left or a read has failed.  Each
 * batch starts where the one taken before it ended, whichever thread took
 * that, so the batches, and the first that fails, do not depend on the
 * threads either.  The failure flag is read and set with read-modify-write
 * operations, which the thread checkers (helgrind, drd) see as atomic,
 * as they do not a plain load or store; there is one per batch.
 */
static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pool *p = wk->pool;
	uint64_t start, end;
	uint8_t *b;
	size_t u, v;

	u = __atomic_load_n(&p->next, __ATOMIC_RELAXED);
	while (u < p->nparts &&
	    !__atomic_fetch_or(&p->failed, 0, __ATOMIC_RELAXED)) {
		v = batch_end(p, u);
		if (!__atomic_compare_exchange_n(&p->next, &u, v, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;	/* u is now the next batch */
		start = p->parts[u].off;
		end = p->parts[v - 1].off + p->parts[v - 1].count * 4;
		b = wk->buf + start % PAGE;
		if (dm_weights_pread(p->w, b, (size_t)(end - start), start,
		    &wk->err) == -1) {
			wk->failed_unit = u;
			__atomic_fetch_or(&p->failed, 1, __ATOMIC_RELAXED);
			break;
		}
		for (; u < v; u++)
			unit_stats(&p->parts[u], b + (p->parts[u].off - start));
		u = __atomic_load_n(&p->next, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * A page-aligned read buffer, aligned by hand: glibc maps an aligned
 * allocation this large afresh on every call, and its pages must then be
 * faulted in again, where a plain one stays in the heap for the next.
 */
static int
buf_alloc(struct worker *wk, size_t size)
{
	if ((wk->mem = malloc(size + PAGE)) == NULL)
		return -1;
	wk->buf = (uint8_t *)(((uintptr_t)wk->mem + PAGE - 1) &
	    ~(uintptr_t)(PAGE - 1));
	return 0;
}

/*
 * A new thread starts on its creator's CPU and can wait there, while an
 * idle CPU sleeps, for longer than the whole job takes.  So threads are
 * started on the caller's other CPUs, and given all of them back once
 * running.
 */
static void
place_threads(struct pool *p, pthread_attr_t *attr)
{
#ifdef DM_AFFINITY
	cpu_set_t others;
	int cpu;

	if (sched_getaffinity(0, sizeof p->cpus, &p->cpus) != 0)
		return;
	p->have_cpus = 1;
	others = p->cpus;
	if ((cpu = sched_getcpu()) >= 0 && cpu < CPU_SETSIZE)
		CPU_CLR(cpu, &others);
	if (CPU_COUNT(&others) > 0)
		pthread_attr_setaffinity_np(attr, sizeof others, &others);
#else
	(void)p;
	(void)attr;
#endif
}

static void *
thread_main(void *arg)
{
#ifdef DM_AFFINITY
	struct worker *wk = arg;

	if (wk->pool->have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof wk->pool->cpus,
		    &wk->pool->cpus);
#endif
	return worker_main(arg);
}

/*
 * Summarises every unit with up to nthreads threads, the calling one
 * among them.  A thread that cannot be had leaves its share to the
 * others; results and errors come back through the part array and each
 * worker's own error, read after the threads are joined.
 */
static int
run_units(struct pool *p, unsigned nthreads, struct dm_error *err)
{
	struct worker self, *wk = NULL, *bad;
	pthread_attr_t attr;
	sigset_t all, old;
	unsigned i, started = 0;

	memset(&self, 0, sizeof self);
	self.pool = p;
	self.failed_unit = SIZE_MAX;
	if (buf_alloc(&self, p->bufsize) == -1)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (nthreads > 1 && (wk = calloc(nthreads - 1, sizeof *wk)) != NULL &&
	    pthread_attr_init(&attr) == 0) {
		place_threads(p, &attr);
		/* Signals are for the threads that were there before. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (i = 0; i < nthreads - 1; i++) {
			wk[started].pool = p;
			wk[started].failed_unit = SIZE_MAX;
			if (buf_alloc(&wk[started], p->bufsize) == -1)
				break;
			if (pthread_create(&wk[started].thread, &attr,
			    thread_main, &wk[started]) != 0) {
				free(wk[started].mem);
				break;
			}
			started++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	worker_main(&self);
	bad = self.failed_unit != SIZE_MAX ? &self : NULL;
	for (i = 0; i < started; i++) {
		pthread_join(wk[i].thread, NULL);
		free(wk[i].mem);
		if (wk[i].failed_unit != SIZE_MAX &&
		    (bad == NULL || wk[i].failed_unit < bad->failed_unit))
			bad = &wk[i];
	}
	if (bad != NULL && err != NULL)
		*err = bad->err;
	free(self.mem);
	free(wk);
	return bad != NULL ? -1 : 0;
}

/* How many threads to use when not told: one per CPU, within reason. */
static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef DM_AFFINITY
	cpu_set_t cpus;

	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 &&
	    CPU_COUNT(&cpus) < n)
		n = CPU_COUNT(&cpus);
#endif
	if (n < 1)
		return 1;
	return n > THREADS_MAX ? THREADS_MAX : (unsigned)n;
}

/*
 * Statistics of every span: each is cut into units, the units are
 * summarised (with nthreads threads; 0 chooses), and each span's units
 * are combined in order with the pairwise update of Chan, Golub and
 * LeVeque, which stays exact where sum of squares minus square of sum
 * would cancel.
 */
static int
stats_spans(struct dm_weights *w, struct span *sp, size_t nsp,
    unsigned nthreads, struct dm_error *err)
{
	struct pool p;
	struct dm_stats *st;
	const struct part *pt;
	uint64_t bytes, total = 0, nunits = 0, k, n;
	double mean, m2, d, nn;
	size_t i, u;
	int rc;

	for (i = 0; i < nsp; i++) {
		st = sp[i].st;
		memset(st, 0, sizeof *st);
		st->min = DBL_MAX;
		st->max = -DBL_MAX;
		sp[i].first = (size_t)nunits;
		sp[i].nunits = 0;
		if (__builtin_mul_overflow(sp[i].count, (uint64_t)4, &bytes) ||
		    sp[i].off > w->size || bytes > w->size - sp[i].off)
			continue;
		st->valid = 1;
		total += bytes;
		k = sp[i].count / UNIT + (sp[i].count % UNIT != 0);
		sp[i].nunits = (size_t)k;
		nunits += k;
	}
	/* A part per span and per UNIT floats: some 350 bytes a MiB read. */
	memset(&p, 0, sizeof p);
	p.w = w;
	p.nparts = (size_t)nunits;
	p.bufsize = (total < READ_MAX ? (size_t)total : READ_MAX) + PAGE;
	if (nunits > 0 &&
	    (p.parts = calloc(p.nparts, sizeof *p.parts)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < nsp; i++) {
		for (u = 0; u < sp[i].nunits; u++) {
			k = (uint64_t)u * UNIT;
			p.parts[sp[i].first + u].off = sp[i].off + k * 4;
			p.parts[sp[i].first + u].count =
			    sp[i].count - k > UNIT ? UNIT :
			    (size_t)(sp[i].count - k);
		}
	}
	if (nthreads == 0)
		nthreads = total > PAR_MIN ? default_threads() : 1;
	if (nthreads > p.nparts)
		nthreads = (unsigned)p.nparts;
	if ((rc = p.nparts > 0 ? run_units(&p, nthreads, err) : 0) == 0) {
		for (i = 0; i < nsp; i++) {
			st = sp[i].st;
			n = 0;
			mean = m2 = 0;
			for (u = 0; u < sp[i].nunits; u++) {
				pt = &p.parts[sp[i].first + u];
				st->zeros += pt->zeros;
				st->nans += pt->nans;
				st->infs += pt->infs;
				st->subnormals += pt->subnormals;
				if (pt->n == 0)
					continue;
				if (pt->min < st->min)
					st->min = pt->min;
				if (pt->max > st->max)
					st->max = pt->max;
				nn = (double)(n + pt->n);
				d = pt->mean - mean;
				mean += d * ((double)pt->n / nn);
				m2 += pt->m2 + d * d * ((double)n / nn) *
				    (double)pt->n;
				n += pt->n;
			}
			st->n = n;
			if (n > 0) {
				st->mean = mean;
				st->std = m2 > 0 ? sqrt(m2 / (double)n) : 0;
			} else if (st->valid)
				st->min = st->max = 0;
		}
	}
	free(p.parts);
	return rc;
}

int
dm_stats_range(struct dm_weights *w, uint64_t off, uint64_t count,
    struct dm_stats *st, struct dm_error *err)
{
	struct span sp;

	memset(&sp, 0, sizeof sp);
	sp.off = off;
	sp.count = count;
	sp.st = st;
	return stats_spans(w, &sp, 1, 0, err);
}

int
dm_stats_ranges(struct dm_weights *w, const uint64_t *off,
    const uint64_t *count, struct dm_stats *st, size_t n,
    struct dm_error *err)
{
	struct span *sp;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	if ((sp = calloc(n, sizeof *sp)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		sp[i].off = off[i];
		sp[i].count = count[i];
		sp[i].st = &st[i];
	}
	rc = stats_spans(w, sp, n, 0, err);
	free(sp);
	return rc;
}

void
dm_stats_merge(struct dm_stats *dst, const struct dm_stats *src)
{
	double nn, d;

	dst->zeros += src->zeros;
	dst->nans += src->nans;
	dst->infs += src->infs;
	dst->subnormals += src->subnormals;
	dst->valid = dst->valid && src->valid;
	if (src->n == 0)
		return;
	if (dst->n == 0) {
		dst->n = src->n;
		dst->min = src->min;
		dst->max = src->max;
		dst->mean = src->mean;
		dst->std = src->std;
		return;
	}
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	nn = (double)(dst->n + src->n);
	d = src->mean - dst->mean;
	/* Population variances, combined as stats_spans() combines units. */
	dst->std = sqrt((dst->std * dst->std * (double)dst->n +
	    src->std * src->std * (double)src->n +
	    d * d * ((double)dst->n / nn) * (double)src->n) / nn);
	dst->mean += d * ((double)src->n / nn);
	dst->n += src->n;
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
dm_stats_net_threads(const struct dm_net *net, struct dm_weights *w,
    int64_t shift, struct dm_stats *st, struct dm_check *ck,
    unsigned nthreads, struct dm_error *err)
{
	struct span *sp;
	size_t i, nsp = 0;
	int64_t off;
	int rc;

	if ((sp = calloc(net->narrays + 1, sizeof *sp)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		memset(&st[i], 0, sizeof st[i]);
		if (!dm_array_present(a))
			continue;
		off = (int64_t)a->offset + shift;
		if (off < 0)
			continue;
		sp[nsp].off = (uint64_t)off;
		sp[nsp].count = a->count;
		sp[nsp].st = &st[i];
		nsp++;
	}
	rc = stats_spans(w, sp, nsp, nthreads, err);
	free(sp);
	if (rc == -1)
		return -1;
	/* Arrays left out are not valid, and their checks come out empty. */
	for (i = 0; i < net->narrays; i++)
		dm_stats_judge(net, &net->arrays[i], &st[i], &ck[i]);
	return 0;
}

int
dm_stats_net(const struct dm_net *net, struct dm_weights *w, int64_t shift,
    struct dm_stats *st, struct dm_check *ck, struct dm_error *err)
{
	return dm_stats_net_threads(net, w, shift, st, ck, 0, err);
}
