/*
 * sketch.c - conv layers read from the bytes alone.
 *
 * Darknet writes a batch-normalised convolution as biases[n], scales[n],
 * rolling_mean[n], rolling_variance[n], then weights[n*c*k*k].  Scales of
 * a trained (or freshly initialised) net are positive and variances are
 * never negative, while weights and biases take both signs: so where a
 * layer starts, the n for which [n, 2n) is all positive and [3n, 4n) all
 * non-negative stand out, and the layer ends where the next one's runs
 * start, n*c*k*k weights later.  The input channels c are tried in the
 * order nets use them: the previous layer's filters, half of a layer's
 * (a grouped route), an earlier layer's, two layers' concatenated, four
 * times the previous (a spatial pyramid); sizes 3 and 1 before 5 and 7.
 * A conv without batch norm (a detection head) is biases[n] and weights:
 * it is taken when the next layer, or the end of the file, is exactly
 * where it would end.
 *
 * Short runs can pass by chance in the weights, so a batch-normalised
 * layer needs N_MIN filters at least; each hypothesis is only accepted
 * when the layer after it is found as well.
 */
#include "config.h"

#include "sketch.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "endian.h"

#define N_MIN		8	/* filters of a batch-normalised conv */
#define STRONG_MIN	16	/* runs this long are not chance */
#define STRONG		(1 << 30)	/* the end of the file */
#define N_MAX		4096
#define HEAD_MAX	1024	/* filters of a conv without batch norm */
#define LAYERS_MAX	4096
#define SPAN_MAX	((uint64_t)1 << 20)	/* floats read at once */
#define RECENT		12	/* layers whose pairs are tried */
#define CANDS_MAX	256
#define BIG		1e4f	/* no parameter is this large */

struct chan {
	int		 c;
	int		 src[DM_SK_SOURCES];
	int		 nsrc;
	int		 half;
};

struct ctx {
	struct dm_weights *w;
	struct dm_sketch *sk;
	uint64_t	 nf;		/* floats after the header */
	float		*buf;
	uint32_t	*nonpos, *neg, *bad;	/* prefix counts over buf */
	size_t		 cap, len;
	uint64_t	 base;		/* float index of buf[0] */
	struct dm_error	*err;
};

/* Loads floats [at, at+want) (cut at the end) and their prefix counts. */
static int
load(struct ctx *x, uint64_t at, size_t want)
{
	uint8_t *raw;
	size_t i, n;
	float v;

	if (at >= x->nf) {
		x->len = 0;
		x->base = at;
		return 0;
	}
	if (want > x->nf - at)
		want = (size_t)(x->nf - at);
	if (x->base == at && x->len >= want && x->len > 0)
		return 0;
	if (want > x->cap) {
		float *nb;
		uint32_t *a, *b, *c;

		n = want;
		if ((nb = realloc(x->buf, n * sizeof *nb)) == NULL)
			goto nomem;
		x->buf = nb;
		if ((a = realloc(x->nonpos, (n + 1) * sizeof *a)) == NULL)
			goto nomem;
		x->nonpos = a;
		if ((b = realloc(x->neg, (n + 1) * sizeof *b)) == NULL)
			goto nomem;
		x->neg = b;
		if ((c = realloc(x->bad, (n + 1) * sizeof *c)) == NULL)
			goto nomem;
		x->bad = c;
		x->cap = n;
	}
	raw = (uint8_t *)x->buf;
	if (dm_weights_pread(x->w, raw, want * 4, x->sk->hsize + at * 4,
	    x->err) == -1)
		return -1;
	x->nonpos[0] = x->neg[0] = x->bad[0] = 0;
	for (i = 0; i < want; i++) {
		v = dm_lef32dec(raw + 4 * i);
		x->buf[i] = v;
		x->nonpos[i + 1] = x->nonpos[i] + !(v > 0);
		x->neg[i + 1] = x->neg[i] + !(v >= 0);
		x->bad[i + 1] = x->bad[i] + !(v > -BIG && v < BIG);
	}
	x->base = at;
	x->len = want;
	return 0;
nomem:
	return dm_error_set(x->err, DM_ERR_NOMEM, "out of memory");
}

/* Whether a batch-normalised layer of n filters starts at buf[o]. */
static int
bn_at(const struct ctx *x, size_t o, int n)
{
	size_t u = (size_t)n;

	if (o + 4 * u > x->len)
		return 0;
	return x->nonpos[o + 2 * u] - x->nonpos[o + u] == 0 &&
	    x->neg[o + 4 * u] - x->neg[o + 3 * u] == 0 &&
	    x->bad[o + 4 * u] - x->bad[o] == 0;
}

/*
 * How surely a layer with batch norm starts at float q: the most filters
 * that pass there (runs that long do not happen by chance), STRONG at the
 * end of the file, 0 when none passes.
 */
static int
strength_at(struct ctx *x, uint64_t q)
{
	int n, best = 0;

	if (q == x->nf)
		return STRONG;
	if (q > x->nf)
		return 0;
	if (load(x, q, 4 * N_MAX) == -1)
		return -1;
	for (n = N_MIN; n <= N_MAX; n++)
		if (bn_at(x, 0, n))
			best = n;
	return best;
}

/*
 * How surely a conv without batch norm, 1x1 on c channels, starts at q:
 * the best strength of a layer with batch norm right after it, for any
 * number of filters up to HEAD_MAX; *filters gets that number.  how
 * says what may follow: HEAD_END the end of the file only, HEAD_NEXT a
 * layer only, HEAD_SCAN either.
 */
enum { HEAD_END, HEAD_NEXT, HEAD_SCAN };

static int
head_strength(struct ctx *x, uint64_t q, int c, int how, int *filters)
{
	uint64_t span, d, left;
	int n, m, best = 0;

	*filters = 0;
	if (q >= x->nf)
		return 0;
	left = x->nf - q;
	if (how != HEAD_NEXT && left % (1 + (uint64_t)c) == 0 &&
	    left / (1 + (uint64_t)c) <= HEAD_MAX) {
		*filters = (int)(left / (1 + (uint64_t)c));
		return STRONG;
	}
	if (how == HEAD_END)
		return 0;
	span = (uint64_t)HEAD_MAX * (1 + (uint64_t)c) + 4 * N_MAX;
	if (span > SPAN_MAX)
		span = SPAN_MAX;
	if (load(x, q, (size_t)span) == -1)
		return -1;
	for (n = 1; n <= HEAD_MAX; n++) {
		d = (uint64_t)n * (1 + (uint64_t)c);
		if (d + 4 * N_MIN > x->len)
			break;
		for (m = N_MAX; m > best; m--)
			if (bn_at(x, (size_t)d, m))
				break;
		if (m > best && m >= N_MIN) {
			best = m;
			*filters = n;
			/* The nearest sure layer is the next one. */
			if (m >= STRONG_MIN)
				break;
		}
	}
	return best;
}

static void
add_chan(struct chan *v, int *nv, int c, const int *src, int nsrc, int half)
{
	int i;

	if (c <= 0 || *nv == CANDS_MAX)
		return;
	for (i = 0; i < *nv; i++)
		if (v[i].c == c)
			return;
	v[*nv].c = c;
	v[*nv].nsrc = nsrc;
	v[*nv].half = half;
	for (i = 0; i < nsrc; i++)
		v[*nv].src[i] = src[i];
	(*nv)++;
}

/* The input channels to try for the next layer, likeliest first. */
static int
channels(const struct dm_sketch *sk, struct chan *v)
{
	const struct dm_sk_layer *L = sk->layers;
	int nv = 0, i = (int)sk->n, j, k, s[4];

	if (i == 0) {
		add_chan(v, &nv, 3, NULL, 0, 0);
		add_chan(v, &nv, 1, NULL, 0, 0);
		add_chan(v, &nv, 4, NULL, 0, 0);
		return nv;
	}
	add_chan(v, &nv, L[i - 1].filters, NULL, 0, 0);
	for (j = i - 1; j >= 0 && j >= i - RECENT; j--) {
		s[0] = j;
		if (L[j].filters % 2 == 0)
			add_chan(v, &nv, L[j].filters / 2, s, 1, 1);
	}
	for (j = i - 2; j >= 0; j--) {
		s[0] = j;
		add_chan(v, &nv, L[j].filters, s, 1, 0);
	}
	for (j = i - 1; j >= 0 && j >= i - RECENT; j--)
		for (k = j - 1; k >= 0 && k >= i - 2 * RECENT; k--) {
			s[0] = j;
			s[1] = k;
			add_chan(v, &nv, L[j].filters + L[k].filters, s, 2, 0);
		}
	s[0] = s[1] = s[2] = s[3] = i - 1;
	add_chan(v, &nv, 4 * L[i - 1].filters, s, 4, 0);
	return nv;
}

static int
push(struct ctx *x, int n, int k, const struct chan *ch, int bn, uint64_t p)
{
	struct dm_sketch *sk = x->sk;
	struct dm_sk_layer *l;

	if (sk->n == sk->cap) {
		size_t cap = sk->cap ? 2 * sk->cap : 64;

		if ((l = realloc(sk->layers, cap * sizeof *l)) == NULL)
			return dm_error_set(x->err, DM_ERR_NOMEM,
			    "out of memory");
		sk->layers = l;
		sk->cap = cap;
	}
	l = &sk->layers[sk->n++];
	memset(l, 0, sizeof *l);
	l->filters = n;
	l->size = k;
	l->channels = ch->c;
	l->batch_normalize = bn;
	l->offset = sk->hsize + p * 4;
	memcpy(l->src, ch->src, sizeof l->src);
	l->nsrc = ch->nsrc;
	l->half = ch->half;
	if (sk->n == 1)
		sk->in_channels = ch->c;
	return 0;
}

/*
 * One batch-normalised layer at p: the filters that pass, each tried with
 * the channel and size candidates; the next layer must be found where the
 * weights end (or a head without batch norm, then a layer).  The first
 * hypothesis whose next layer is found surely wins, else the surest.
 * Returns the floats the layer takes, 0 when none reads, -1 on error.
 */
static int64_t
try_bn(struct ctx *x, uint64_t p)
{
	static const int sizes[] = { 3, 1, 5, 7, 2 };
	struct chan ch[CANDS_MAX];
	int ns[64], nn = 0, nch, n, i, j, s, r, hf, best = 0, phase;
	int bn = 0, bk = 0, bj = 0;
	uint64_t q, wts, bq = 0;

	if (load(x, p, 4 * N_MAX) == -1)
		return -1;
	for (n = N_MIN; n <= N_MAX && nn < 64; n++)
		if (bn_at(x, 0, n))
			ns[nn++] = n;
	nch = channels(x->sk, ch);
	/*
	 * Sizes 3 and 1 with every channel count, then 5, 7 and 2 with the
	 * likeliest (n*c*2*2 is also n*4c*1*1); then, if no layer follows
	 * surely, a head without batch norm and a layer or the end after it.
	 */
	for (phase = 0; phase < 3 && best < STRONG_MIN; phase++)
		for (i = 0; i < nn && best < STRONG_MIN; i++) {
			n = ns[i];
			for (j = 0; j < nch && best < STRONG_MIN; j++)
				for (s = 0; s < 5 && best < STRONG_MIN; s++) {
					if ((phase != 1 && s >= 2) ||
					    (phase == 1 && (s < 2 || j >= 4)))
						continue;
					wts = (uint64_t)n * (uint64_t)ch[j].c *
					    (uint64_t)(sizes[s] * sizes[s]);
					q = p + 4 * (uint64_t)n + wts;
					if (q > x->nf)
						continue;
					r = phase < 2 ? strength_at(x, q) :
					    head_strength(x, q, n, j < 2 ?
					    HEAD_SCAN : HEAD_END, &hf);
					if (r == -1)
						return -1;
					if (r > best) {
						best = r;
						bn = n;
						bk = sizes[s];
						bj = j;
						bq = q;
					}
				}
		}
	if (best == 0)
		return 0;
	if (push(x, bn, bk, &ch[bj], 1, p) == -1)
		return -1;
	return (int64_t)(bq - p);
}

/* A conv without batch norm at p, 1x1, as detection heads are. */
static int64_t
try_head(struct ctx *x, uint64_t p)
{
	struct chan ch[CANDS_MAX];
	int nch, j, r, f, best = 0, bf = 0, bj = 0;

	nch = channels(x->sk, ch);
	for (j = 0; j < nch && j < 4 && best < STRONG; j++) {
		/* A lone 1x1 conv to the end says nothing: not first. */
		if ((r = head_strength(x, p, ch[j].c, j < 2 && x->sk->n > 0 ?
		    HEAD_SCAN : HEAD_NEXT, &f)) == -1)
			return -1;
		if (r > best) {
			best = r;
			bf = f;
			bj = j;
		}
	}
	if (best == 0)
		return 0;
	if (push(x, bf, 1, &ch[bj], 0, p) == -1)
		return -1;
	return (int64_t)bf * (1 + ch[bj].c);
}

int
dm_sketch(struct dm_weights *w, unsigned hsize, struct dm_sketch *sk,
    struct dm_error *err)
{
	struct ctx x;
	uint64_t p = 0;
	int64_t step;
	int rc = -1;

	memset(sk, 0, sizeof *sk);
	memset(&x, 0, sizeof x);
	sk->hsize = hsize;
	sk->floats = w->size > hsize ? (w->size - hsize) / 4 : 0;
	sk->size = w->size;
	x.w = w;
	x.sk = sk;
	x.nf = sk->floats;
	x.err = err;
	x.base = UINT64_MAX;
	while (p < x.nf && sk->n < LAYERS_MAX) {
		if ((step = try_bn(&x, p)) == -1)
			goto out;
		if (step == 0 && (step = try_head(&x, p)) == -1)
			goto out;
		if (step == 0) {
			snprintf(sk->stop, sizeof sk->stop, "at byte %" PRIu64
			    " (after %zu layers) no conv layer reads",
			    hsize + p * 4, sk->n);
			break;
		}
		p += (uint64_t)step;
	}
	if (p < x.nf && sk->stop[0] == '\0')
		snprintf(sk->stop, sizeof sk->stop, "more than %d layers",
		    LAYERS_MAX);
	sk->explained = p;
	rc = 0;
out:
	free(x.buf);
	free(x.nonpos);
	free(x.neg);
	free(x.bad);
	if (rc == -1)
		dm_sketch_release(sk);
	return rc;
}

void
dm_sketch_release(struct dm_sketch *sk)
{
	free(sk->layers);
	sk->layers = NULL;
	sk->n = sk->cap = 0;
}

static int
put(struct dm_atomicfile *af, struct dm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
put(struct dm_atomicfile *af, struct dm_error *err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		n = (int)strlen(buf);
	return dm_atomicfile_write(af, buf, (size_t)n, err);
}

/*
 * The draft: each sketched layer is a section, and a [route] goes before
 * a layer whose input is not the previous layer's output.  Sizes keep the
 * image's width and height (stride 1, padded) so that any two layers can
 * be concatenated.
 */
int
dm_sketch_write_cfg(const struct dm_sketch *sk, const char *out,
    const char *const *inputs, struct dm_error *err)
{
	struct dm_atomicfile af;
	const struct dm_sk_layer *l;
	int *index = NULL, next = 0, i, j;

	if (sk->n == 0)
		return dm_error_set(err, DM_ERR_INVALID, "%s: the sketch has "
		    "no layers to write", out);
	if ((index = calloc(sk->n, sizeof *index)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (dm_atomicfile_open(&af, out, inputs, err) == -1) {
		free(index);
		return -1;
	}
	if (put(&af, err, "# A draft read from the weights alone by darkmap "
	    "identify --sketch:\n# %zu conv layers, %" PRIu64 " of %" PRIu64
	    " floats.  Pooling, upsampling, strides\n# and activations "
	    "cannot be read from weights: add them.\n%s%s%s",
	    sk->n, sk->explained, sk->floats, sk->stop[0] ? "# Stopped: " : "",
	    sk->stop, sk->stop[0] ? "\n" : "") == -1 ||
	    put(&af, err, "\n[net]\nwidth=416\nheight=416\nchannels=%d\n",
	    sk->in_channels) == -1)
		goto fail;
	for (i = 0; i < (int)sk->n; i++) {
		l = &sk->layers[i];
		if (l->nsrc > 0) {
			if (put(&af, err, "\n[route]\nlayers=") == -1)
				goto fail;
			for (j = 0; j < l->nsrc; j++)
				if (put(&af, err, "%s%d", j ? "," : "",
				    index[l->src[j]]) == -1)
					goto fail;
			if (put(&af, err, "\n%s", l->half ?
			    "groups=2\ngroup_id=1\n" : "") == -1)
				goto fail;
			next++;
		}
		index[i] = next++;
		if (put(&af, err, "\n# byte %" PRIu64 "\n[convolutional]\n"
		    "%sfilters=%d\nsize=%d\nstride=1\npad=1\nactivation=%s\n",
		    l->offset, l->batch_normalize ? "batch_normalize=1\n" : "",
		    l->filters, l->size, l->batch_normalize ? "leaky" :
		    "linear") == -1)
			goto fail;
	}
	free(index);
	return dm_atomicfile_commit(&af, err);
fail:
	free(index);
	dm_atomicfile_abort(&af);
	return -1;
}

/* The runs of a conv layer, as Darknet writes them. */
static const char *const run_names[] = {
	"biases", "scales", "rolling_mean", "rolling_variance", "weights"
};

void
dm_sketch_where(const struct dm_sketch *sk, uint64_t off,
    struct dm_sk_where *w)
{
	const struct dm_sk_layer *l;
	uint64_t end = sk->hsize + 4 * sk->explained, to, head;
	size_t lo = 0, hi = sk->n, mid;
	int runs;

	memset(w, 0, sizeof *w);
	w->seg = -1;
	if (off >= sk->size) {
		w->kind = DM_SK_PAST_END;
		w->start = sk->size;
		return;
	}
	if (off < sk->hsize) {
		w->kind = DM_SK_HEADER;
		w->len = sk->hsize;
		return;
	}
	if (off >= end || sk->n == 0 || off < sk->layers[0].offset) {
		w->kind = DM_SK_UNEXPLAINED;
		w->start = off >= end ? end : sk->hsize;
		w->len = (off >= end ? sk->size : sk->layers[0].offset) -
		    w->start;
		return;
	}
	/* The last segment that starts at or before off. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sk->layers[mid].offset <= off)
			lo = mid;
		else
			hi = mid;
	}
	l = &sk->layers[lo];
	to = lo + 1 < sk->n ? sk->layers[lo + 1].offset : end;
	runs = l->batch_normalize ? 4 : 1;
	head = 4 * (uint64_t)l->filters;
	w->kind = DM_SK_RUN;
	w->seg = (long)lo;
	if (off - l->offset < head * (uint64_t)runs) {
		w->run = (int)((off - l->offset) / head);
		w->start = l->offset + head * (uint64_t)w->run;
		w->len = head;
	} else {
		w->run = runs;
		w->start = l->offset + head * (uint64_t)runs;
		w->len = to - w->start;
	}
	w->name = run_names[w->run == runs ? 4 : w->run];
}

size_t
dm_sketch_where_text(const struct dm_sketch *sk, uint64_t off, char *buf,
    size_t len)
{
	struct dm_sk_where w;
	int r;

	dm_sketch_where(sk, off, &w);
	switch (w.kind) {
	case DM_SK_HEADER:
		r = snprintf(buf, len, "the file's header");
		break;
	case DM_SK_RUN:
		r = snprintf(buf, len, "segment %ld %s, byte %" PRIu64 " of %"
		    PRIu64, w.seg, w.name, off - w.start, w.len);
		break;
	case DM_SK_UNEXPLAINED:
		r = snprintf(buf, len, "not explained: no conv layer reads "
		    "bytes %" PRIu64 "-%" PRIu64, w.start, w.start + w.len);
		break;
	default:
		r = snprintf(buf, len, "past the end of the file");
		break;
	}
	if (r < 0)
		r = 0;
	return len == 0 ? 0 : (size_t)r < len ? (size_t)r : len - 1;
}
