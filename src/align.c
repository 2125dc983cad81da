/*
 * align.c - darkmap's tensors against a target model's (see align.h).
 *
 * Both sides become sequences of units (a module's tensors, grouped by
 * the key up to its last dot), each with a kind (batch norm when it has
 * running statistics, else weights) and a signature (the batch norm's
 * channels, the weight's shape).  A convolution's batch norm written
 * before it (darkmap's file order, or a safetensors file's sorted keys)
 * is put after it, PyTorch's registration order.  The alignment is the
 * classic dynamic programme of a diff over the two sequences, maximising
 * the summed score of the matched pairs: O(units^2) time and memory,
 * about 40 000 cells for yolov4 against its 400 keys.
 */
#include "config.h"

#include "align.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "verdict.h"
#include "weights.h"

#define MAX_CELLS	((size_t)16 << 20)

/* Scores of a unit pair; NO_MATCH when they cannot pair. */
#define NO_MATCH	INT32_MIN
#define SC_EXACT	20
#define SC_TRANSPOSED	14
#define SC_RESHAPED	12
#define SC_CLASSES	8
#define SC_PERMUTED	6
#define SC_HINT		3
#define SC_BIAS		(-4)
#define SC_GROUP	1	/* a layer's weights and batch norm together */

enum ukind { U_WEIGHTS, U_BN };

/* One tensor of either side. */
struct tens {
	const char	*key;
	const char	*param;		/* after the last dot */
	size_t		 modlen;	/* key bytes before it */
	int		 ndim;
	const uint64_t	*shape;
	size_t		 idx;		/* ex->x[] or t->e[] */
};

struct unit {
	size_t		 first, n;	/* into the side's tens[] */
	enum ukind	 kind;
	long		 layer;		/* source: the Darknet layer */
	long		 hints[4];	/* target: numbers in the path */
	int		 nhints;
	const struct tens *w;		/* the weight, or NULL */
	int		 has_bias;
	int		 grp;		/* the next unit is its batch norm */
	uint64_t	 channels;	/* U_BN */
};

struct side {
	struct tens	*t;
	size_t		 nt;
	struct unit	*u;
	size_t		 nu;
};

static int
is_bn_param(const char *p)
{
	return strcmp(p, "running_mean") == 0 || strcmp(p, "running_var") ==
	    0 || strcmp(p, "num_batches_tracked") == 0;
}

/* The element count of a shape, or 0 when it overflows 64 bits. */
static uint64_t
numel(int ndim, const uint64_t *shape)
{
	uint64_t n = 1;
	int d;

	for (d = 0; d < ndim; d++) {
		if (shape[d] != 0 && n > UINT64_MAX / shape[d])
			return 0;
		n *= shape[d];
	}
	return n;
}

/*
 * Whether shape b holds a's elements in an order PyTorch's reshape keeps:
 * size-1 axes added or dropped, trailing axes flattened or unflattened in
 * order.  Another arrangement of the same count (axes permuted) is not.
 */
static int
reshape_ok(int na, const uint64_t *a, int nb, const uint64_t *b)
{
	uint64_t sa[8], sb[8], ra, rb;
	int ma = 0, mb = 0, p, d;

	ra = numel(na, a);
	if (ra == 0 || ra != numel(nb, b) || na > 8 || nb > 8)
		return 0;
	for (d = 0; d < na; d++)
		if (a[d] != 1)
			sa[ma++] = a[d];
	for (d = 0; d < nb; d++)
		if (b[d] != 1)
			sb[mb++] = b[d];
	for (p = 0; p < ma && p < mb && sa[p] == sb[p]; p++)
		;
	if (p == ma && p == mb)
		return 1;
	/* What follows the common axes is one axis on one side. */
	ra = numel(ma - p, sa + p);
	rb = numel(mb - p, sb + p);
	return ra == rb && (ma - p == 1 || mb - p == 1);
}

static int
same_shape(int na, const uint64_t *a, int nb, const uint64_t *b)
{
	return na == nb && memcmp(a, b, (size_t)na * sizeof *a) == 0;
}

/* The numbers that end a component of path[0..len) ("conv_81", "12"). */
static void
path_hints(const char *path, size_t len, struct unit *u)
{
	size_t i = 0, j;

	u->nhints = 0;
	while (i < len && u->nhints < 4) {
		if (!isdigit((unsigned char)path[i])) {
			i++;
			continue;
		}
		for (j = i; j < len && isdigit((unsigned char)path[j]); j++)
			;
		if ((j == len || path[j] == '.') && j - i < 9)
			u->hints[u->nhints++] = strtol(path + i, NULL, 10);
		i = j;
	}
}

/* Groups side->t into units and classifies them. */
static int
make_units(struct side *s)
{
	size_t i, k;
	struct unit *u;

	if ((s->u = calloc(s->nt + 1, sizeof *s->u)) == NULL)
		return -1;
	s->nu = 0;
	for (i = 0; i < s->nt; i++) {
		if (i == 0 || s->t[i].modlen != s->t[i - 1].modlen ||
		    strncmp(s->t[i].key, s->t[i - 1].key, s->t[i].modlen) !=
		    0) {
			u = &s->u[s->nu++];
			u->first = i;
			u->layer = -1;
			path_hints(s->t[i].key, s->t[i].modlen, u);
		}
		s->u[s->nu - 1].n++;
	}
	for (k = 0; k < s->nu; k++) {
		u = &s->u[k];
		u->kind = U_WEIGHTS;
		for (i = u->first; i < u->first + u->n; i++) {
			const struct tens *t = &s->t[i];

			if (is_bn_param(t->param))
				u->kind = U_BN;
			if (strcmp(t->param, "weight") == 0)
				u->w = t;
			if (strcmp(t->param, "bias") == 0)
				u->has_bias = 1;
		}
		if (u->w == NULL) {
			/* Another name: the first tensor of two axes or more. */
			for (i = u->first; i < u->first + u->n; i++)
				if (s->t[i].ndim >= 2 && u->w == NULL)
					u->w = &s->t[i];
		}
		if (u->kind == U_BN) {
			for (i = u->first; i < u->first + u->n; i++)
				if (s->t[i].ndim == 1 && u->channels == 0)
					u->channels = s->t[i].shape[0];
		}
	}
	return 0;
}

/* The parent path of a unit: its module path without the last part. */
static size_t
parent_len(const struct side *s, const struct unit *u)
{
	const struct tens *t = &s->t[u->first];
	size_t n = t->modlen;

	while (n > 0 && t->key[n - 1] != '.')
		n--;
	return n;
}

/*
 * A batch norm just before the weights it normalises, under the same
 * parent, goes after them: the order PyTorch registers them in.
 */
static void
canonical_order(struct side *s)
{
	struct unit tmp;
	size_t k, pa, pb;

	for (k = 0; k + 1 < s->nu; k++) {
		struct unit *a = &s->u[k], *b = &s->u[k + 1];

		if (a->kind != U_BN || b->kind != U_WEIGHTS || b->w == NULL ||
		    b->w->ndim < 1 || b->w->shape[0] != a->channels)
			continue;
		pa = parent_len(s, a);
		pb = parent_len(s, b);
		if (pa != pb || strncmp(s->t[a->first].key, s->t[b->first].key,
		    pa) != 0)
			continue;
		tmp = *a;
		*a = *b;
		*b = tmp;
		k++;
	}
}

/* Whether darkmap layer li feeds a detection head, and its k. */
static int
head_extra(const struct dm_net *net, long li)
{
	if (li < 0 || (size_t)li + 1 >= net->nlayers)
		return 0;
	switch (net->layers[li + 1].type) {
	case DM_L_YOLO:
	case DM_L_REGION:
		return 5;
	case DM_L_GAUSSIAN_YOLO:
		return 9;
	default:
		return 0;
	}
}

/* The class counts of a head whose output filters are fs and ft. */
static int
head_classes(const struct dm_net *net, long li, uint64_t fs, uint64_t ft,
    int *cs, int *ct)
{
	int k = head_extra(net, li), classes;
	uint64_t m;

	if (k == 0)
		return 0;
	classes = net->layers[li + 1].classes;
	if (classes < 0 || fs % (uint64_t)(classes + k) != 0)
		return 0;
	m = fs / (uint64_t)(classes + k);
	if (m == 0 || ft % m != 0 || ft / m < (uint64_t)k)
		return 0;
	*cs = classes;
	*ct = (int)(ft / m - (uint64_t)k);
	return 1;
}

static int
hint_match(const struct unit *s, const struct unit *t)
{
	int i;

	for (i = 0; i < t->nhints; i++)
		if (t->hints[i] == s->layer)
			return 1;
	return 0;
}

/*
 * The score of pairing source unit a with target unit b by their shapes
 * alone, and its flag.
 */
static int32_t
shape_score(const struct dm_net *net, const struct unit *a, const struct unit *b,
    unsigned *flag)
{
	const struct tens *x = a->w, *y = b->w;
	int32_t sc;
	int cs, ct;

	*flag = 0;
	if (a->kind != b->kind)
		return NO_MATCH;
	if (a->kind == U_BN) {
		if (a->channels != b->channels)
			return NO_MATCH;
		sc = SC_EXACT;
	} else {
		if (x == NULL || y == NULL)
			return NO_MATCH;
		if (same_shape(x->ndim, x->shape, y->ndim, y->shape))
			sc = SC_EXACT;
		else if (x->ndim == 2 && y->ndim == 2 &&
		    x->shape[0] == y->shape[1] && x->shape[1] == y->shape[0]) {
			sc = SC_TRANSPOSED;
			*flag = DM_AL_TRANSPOSED;
		} else if (reshape_ok(x->ndim, x->shape, y->ndim, y->shape)) {
			sc = SC_RESHAPED;
			*flag = DM_AL_RESHAPED;
		} else if (x->ndim == y->ndim && x->ndim >= 1 &&
		    memcmp(x->shape + 1, y->shape + 1, (size_t)(x->ndim - 1) *
		    sizeof *x->shape) == 0 && head_classes(net, a->layer,
		    x->shape[0], y->shape[0], &cs, &ct)) {
			sc = SC_CLASSES;
			*flag = DM_AL_CLASSES;
		} else if (numel(x->ndim, x->shape) != 0 && numel(x->ndim,
		    x->shape) == numel(y->ndim, y->shape)) {
			/* Paired to be reported, never exported. */
			sc = SC_PERMUTED;
			*flag = DM_AL_SHAPE;
		} else
			return NO_MATCH;
		if (a->has_bias != b->has_bias)
			sc += SC_BIAS;
	}
	return sc;
}

/* The score of pairing source unit a with target unit b, and its flag. */
static int32_t
score(const struct dm_net *net, const struct unit *a, const struct unit *b,
    unsigned *flag)
{
	int32_t sc = shape_score(net, a, b, flag);

	if (sc != NO_MATCH && hint_match(a, b))
		sc += SC_HINT;
	return sc;
}

/*
 * Keeps the numbers in the target's paths as layer hints only where they
 * plausibly are Darknet layer indices: at each position (the first number
 * of a path, the second...), every target unit numbered there must have a
 * source unit of that layer it could pair with.  A naming of its own whose
 * numbers merely coincide with layer indices for a while (blocks counted
 * from 0) fails this somewhere, and its numbers then count for nothing.
 */
static void
plausible_hints(const struct dm_net *net, const struct side *S,
    struct side *T)
{
	unsigned flag;
	size_t i, k;
	int pos, ok[4] = { 1, 1, 1, 1 }, d, n;

	for (pos = 0; pos < 4; pos++) {
		for (k = 0; k < T->nu && ok[pos]; k++) {
			const struct unit *b = &T->u[k];

			if (b->nhints <= pos)
				continue;
			for (i = 0; i < S->nu; i++)
				if (S->u[i].layer == b->hints[pos] &&
				    shape_score(net, &S->u[i], b, &flag) !=
				    NO_MATCH)
					break;
			if (i == S->nu)
				ok[pos] = 0;
		}
	}
	for (k = 0; k < T->nu; k++) {
		struct unit *b = &T->u[k];

		for (pos = 0, n = 0; pos < b->nhints; pos++)
			if (ok[pos])
				b->hints[n++] = b->hints[pos];
		for (d = n; d < b->nhints; d++)
			b->hints[d] = -1;
		b->nhints = n;
	}
}

static const char *
param_of(const char *key, size_t *modlen)
{
	const char *dot = strrchr(key, '.');

	*modlen = dot != NULL ? (size_t)(dot - key) : 0;
	return dot != NULL ? dot + 1 : key;
}

/* Why a target entry is no parameter darkmap should fill, or NULL. */
static const char *
skip_reason(const struct dm_tentry *e)
{
	size_t ml;
	const char *p = param_of(e->key, &ml);

	if (!e->tensor)
		return "not a tensor";
	if (strcmp(p, "total_ops") == 0 || strcmp(p, "total_params") == 0)
		return "a profiler's counter";
	if (strcmp(p, "anchors") == 0 || strcmp(p, "anchor_grid") == 0 ||
	    strcmp(p, "anchor_wh") == 0 || strcmp(p, "grid") == 0 ||
	    strcmp(p, "stride") == 0)
		return "a detection head's constant, not a learnt parameter";
	return NULL;
}

/* The canonical rank of a parameter name, for pairing by position. */
static int
param_rank(const char *p)
{
	static const char *const order[] = { "weight", "bias", "running_mean",
	    "running_var", "num_batches_tracked", NULL };
	int i;

	for (i = 0; order[i] != NULL; i++)
		if (strcmp(p, order[i]) == 0)
			return i;
	return 5;
}

static int
dtype_ok(const char *dtype, int is_int)
{
	if (is_int)
		return strcmp(dtype, "int64") == 0;
	return strcmp(dtype, "float32") == 0 || strcmp(dtype, "float16") ==
	    0 || strcmp(dtype, "bfloat16") == 0;
}

/* Pairs source tensor si with target tensor ti at confidence conf. */
static void
pair(struct dm_align *al, const struct tens *s, const struct tens *t,
    double conf, unsigned uflag)
{
	const struct dm_xtensor *x = &al->ex->x[s->idx];
	const struct dm_tentry *e = &al->t->e[t->idx];
	struct dm_apair *p = &al->src[s->idx];

	p->tgt = t->idx;
	p->conf = conf;
	p->flags = 0;
	al->tgt_src[t->idx] = s->idx;
	if (same_shape(s->ndim, s->shape, t->ndim, t->shape))
		;
	else if ((uflag & DM_AL_TRANSPOSED) && s->ndim == 2 && t->ndim == 2 &&
	    s->shape[0] == t->shape[1] && s->shape[1] == t->shape[0])
		p->flags |= DM_AL_TRANSPOSED;
	else if (reshape_ok(s->ndim, s->shape, t->ndim, t->shape))
		p->flags |= DM_AL_RESHAPED;
	else if (uflag & DM_AL_CLASSES)
		p->flags |= DM_AL_CLASSES;
	else
		p->flags |= DM_AL_SHAPE;
	if (!dtype_ok(e->dtype, x->t.dtype == DM_DTYPE_I64))
		p->flags |= DM_AL_DTYPE;
	if ((p->flags & (DM_AL_TRANSPOSED | DM_AL_RESHAPED)) && conf > 0.6)
		p->conf = 0.6;
	if (p->flags & DM_AL_FATAL)
		p->conf = p->flags & DM_AL_CLASSES ? 0.3 : 0.1;
}

/* Pairs the tensors of two matched units, by name, then by position. */
static void
pair_units(struct dm_align *al, const struct side *S, const struct unit *a,
    const struct side *T, const struct unit *b, double conf, unsigned flag)
{
	unsigned char used[64];
	size_t i, j, best;
	int r, br;

	memset(used, 0, sizeof used);
	for (j = b->first; j < b->first + b->n; j++) {
		for (i = a->first; i < a->first + a->n && i - a->first < 64;
		    i++)
			if (!used[i - a->first] &&
			    strcmp(S->t[i].param, T->t[j].param) == 0)
				break;
		if (i < a->first + a->n && i - a->first < 64) {
			used[i - a->first] = 1;
			pair(al, &S->t[i], &T->t[j], conf, flag);
		}
	}
	/* What is left, in canonical order on both sides. */
	for (j = b->first; j < b->first + b->n; j++) {
		if (al->tgt_src[T->t[j].idx] != SIZE_MAX)
			continue;
		best = SIZE_MAX;
		br = 99;
		for (i = a->first; i < a->first + a->n && i - a->first < 64;
		    i++) {
			r = param_rank(S->t[i].param);
			if (!used[i - a->first] && r < br) {
				br = r;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			break;
		used[best - a->first] = 1;
		pair(al, &S->t[best], &T->t[j], conf > 0.8 ? 0.8 : conf, flag);
	}
}

static double
unit_conf(const struct unit *a, const struct unit *b, unsigned flag)
{
	if (flag & DM_AL_CLASSES)
		return 0.3;
	if (flag & (DM_AL_TRANSPOSED | DM_AL_RESHAPED))
		return 0.6;
	if (hint_match(a, b))
		return 1.0;
	return 0.85;
}

/* The common prefix of the target's parameter keys, whole components. */
static void
common_prefix(struct dm_align *al)
{
	const struct dm_target *t = al->t;
	const char *first = NULL;
	size_t i, n = SIZE_MAX, k;

	for (i = 0; i < t->n; i++) {
		if (al->tgt_skip[i] != NULL)
			continue;
		if (first == NULL) {
			first = t->e[i].key;
			n = strlen(first);
			continue;
		}
		for (k = 0; k < n && t->e[i].key[k] == first[k]; k++)
			;
		n = k;
	}
	if (first == NULL)
		return;
	while (n > 0 && first[n - 1] != '.')
		n--;
	if (n < sizeof al->prefix)
		snprintf(al->prefix, sizeof al->prefix, "%.*s", (int)n, first);
}

static int
build_sides(struct dm_align *al, struct side *S, struct side *T,
    char (*keys)[160])
{
	const struct dm_export *ex = al->ex;
	const struct dm_target *t = al->t;
	size_t i;

	if ((S->t = calloc(ex->n + 1, sizeof *S->t)) == NULL ||
	    (T->t = calloc(t->n + 1, sizeof *T->t)) == NULL)
		return -1;
	for (i = 0; i < ex->n; i++) {
		const struct dm_xtensor *x = &ex->x[i];
		struct tens *s;

		if (x->array != SIZE_MAX) {
			dm_export_darkmap_key(al->net, x->array, keys[i],
			    sizeof keys[i]);
		} else
			snprintf(keys[i], sizeof keys[i], "%s", x->key);
		/* Tensors renamed onto a target key were paired already. */
		if (al->src[i].tgt != SIZE_MAX)
			continue;
		s = &S->t[S->nt++];
		s->key = keys[i];
		s->param = param_of(s->key, &s->modlen);
		s->ndim = x->t.ndim;
		s->shape = x->t.shape;
		s->idx = i;
	}
	for (i = 0; i < t->n; i++) {
		struct tens *e;

		if (al->tgt_skip[i] != NULL || al->tgt_src[i] != SIZE_MAX)
			continue;
		e = &T->t[T->nt++];
		e->key = t->e[i].key;
		e->param = param_of(e->key, &e->modlen);
		e->ndim = t->e[i].ndim;
		e->shape = t->e[i].shape;
		e->idx = i;
	}
	if (make_units(S) == -1 || make_units(T) == -1)
		return -1;
	for (i = 0; i < S->nu; i++) {
		const struct dm_xtensor *x = &ex->x[S->t[S->u[i].first].idx];
		size_t k;

		for (k = S->u[i].first; x->array == SIZE_MAX &&
		    k < S->u[i].first + S->u[i].n; k++)
			x = &ex->x[S->t[k].idx];
		S->u[i].layer = x->array != SIZE_MAX ?
		    (long)al->net->arrays[x->array].layer : -1;
	}
	canonical_order(S);
	canonical_order(T);
	for (i = 0; i + 1 < S->nu; i++)
		S->u[i].grp = S->u[i].kind == U_WEIGHTS && S->u[i + 1].kind ==
		    U_BN && S->u[i].layer == S->u[i + 1].layer;
	for (i = 0; i + 1 < T->nu; i++) {
		const struct unit *a = &T->u[i], *b = &T->u[i + 1];

		T->u[i].grp = a->kind == U_WEIGHTS && b->kind == U_BN &&
		    a->w != NULL && a->w->ndim >= 1 && a->w->shape[0] ==
		    b->channels && parent_len(T, a) == parent_len(T, b) &&
		    strncmp(T->t[a->first].key, T->t[b->first].key,
		    parent_len(T, a)) == 0;
	}
	return 0;
}

/* Pairs what rename overrides assign to target keys. */
static void
pair_renames(struct dm_align *al)
{
	size_t i, j;

	for (i = 0; i < al->ex->n; i++) {
		const struct dm_xtensor *x = &al->ex->x[i];
		const struct dm_array *a;
		struct tens s, t;

		if (x->array == SIZE_MAX)
			continue;
		a = &al->net->arrays[x->array];
		if (a->rename == NULL)
			continue;
		for (j = 0; j < al->t->n; j++) {
			if (al->tgt_src[j] != SIZE_MAX ||
			    strcmp(al->t->e[j].key, a->rename) != 0)
				continue;
			memset(&s, 0, sizeof s);
			memset(&t, 0, sizeof t);
			s.idx = i;
			s.ndim = x->t.ndim;
			s.shape = x->t.shape;
			t.idx = j;
			t.ndim = al->t->e[j].ndim;
			t.shape = al->t->e[j].shape;
			al->tgt_skip[j] = NULL;
			pair(al, &s, &t, 1.0, DM_AL_TRANSPOSED);
			al->src[i].flags |= DM_AL_RENAMED;
			break;
		}
	}
}

/* The target entry of unit b that matches source tensor x's parameter. */
static size_t
alt_entry(const struct side *T, const struct unit *b, const struct tens *x)
{
	size_t j;

	for (j = b->first; j < b->first + b->n; j++)
		if (strcmp(T->t[j].param, x->param) == 0)
			return T->t[j].idx;
	return T->t[b->first].idx;
}

/*
 * The score of pairing source units i, i+1 with target units j, j+1 as
 * one layer (a convolution and its batch norm on both sides), or NO_MATCH.
 */
static int32_t
group_score(const struct dm_net *net, const struct side *S, size_t i,
    const struct side *T, size_t j)
{
	int32_t a, b;
	unsigned flag;

	if (i + 1 >= S->nu || j + 1 >= T->nu || !S->u[i].grp || !T->u[j].grp)
		return NO_MATCH;
	a = score(net, &S->u[i], &T->u[j], &flag);
	b = score(net, &S->u[i + 1], &T->u[j + 1], &flag);
	if (a == NO_MATCH || b == NO_MATCH)
		return NO_MATCH;
	return a + b + SC_GROUP;
}

/*
 * The ways found to align a source unit: with target unit j, or with
 * none (SIZE_MAX); alt is one that the traceback did not take
 * (SIZE_MAX - 1 while there is none).
 */
struct ways {
	size_t		 first, alt, chosen;
	int		 n;
};

/* One more way: with target unit j (or SIZE_MAX). */
static void
way(struct ways *w, size_t j)
{
	if (w->n == 0)
		w->first = j;
	else if (j == w->first)
		return;
	w->n++;
	/* Name another key rather than none when there is one. */
	if (j != w->chosen && (w->alt == SIZE_MAX - 1 || w->alt == SIZE_MAX))
		w->alt = j;
}

/*
 * Marks the pairs of source units that another alignment of the same
 * score pairs otherwise (a gap that can move across a run of equal
 * units): F holds the best scores of the prefixes, B of the suffixes, so
 * a step is on an optimal alignment when both sides of it add up to the
 * best.  chosen[] is what the traceback took.
 */
static void
mark_ties(struct dm_align *al, const struct side *S, const struct side *T,
    const int32_t *F, const int32_t *B, const size_t *chosen)
{
	size_t n = S->nu, m = T->nu, w = m + 1, i, j, k;
	int32_t total = F[n * w + m], sc;
	unsigned flag;
	struct ways ws;

	for (i = 0; i < n; i++) {
		memset(&ws, 0, sizeof ws);
		ws.chosen = chosen[i];
		ws.alt = SIZE_MAX - 1;
		for (j = 0; j <= m; j++)
			if (F[i * w + j] + B[(i + 1) * w + j] == total) {
				way(&ws, SIZE_MAX);
				break;
			}
		for (j = 0; j < m; j++) {
			sc = score(al->net, &S->u[i], &T->u[j], &flag);
			if (sc != NO_MATCH && F[i * w + j] + sc +
			    B[(i + 1) * w + j + 1] == total)
				way(&ws, j);
			sc = group_score(al->net, S, i, T, j);
			if (sc != NO_MATCH && F[i * w + j] + sc +
			    B[(i + 2) * w + j + 2] == total)
				way(&ws, j);
			if (i == 0 || j == 0)
				continue;
			sc = group_score(al->net, S, i - 1, T, j - 1);
			if (sc != NO_MATCH && F[(i - 1) * w + j - 1] + sc +
			    B[(i + 1) * w + j + 1] == total)
				way(&ws, j);
		}
		if (ws.n < 2 || chosen[i] == SIZE_MAX)
			continue;
		for (k = S->u[i].first; k < S->u[i].first + S->u[i].n; k++) {
			struct dm_apair *p = &al->src[S->t[k].idx];

			if (p->tgt == SIZE_MAX || (p->flags & DM_AL_RENAMED))
				continue;
			p->flags |= DM_AL_TIED;
			if (p->conf > DM_AL_TIED_CONF)
				p->conf = DM_AL_TIED_CONF;
			p->alt = ws.alt >= m ? SIZE_MAX :
			    alt_entry(T, &T->u[ws.alt], &S->t[k]);
		}
	}
}

/* Pairs source unit i with target unit j and notes it. */
static void
take(struct dm_align *al, const struct side *S, size_t i,
    const struct side *T, size_t j, size_t *chosen)
{
	unsigned flag;

	score(al->net, &S->u[i], &T->u[j], &flag);
	pair_units(al, S, &S->u[i], T, &T->u[j], unit_conf(&S->u[i],
	    &T->u[j], flag), flag);
	chosen[i] = j;
	if (flag & DM_AL_CLASSES)
		head_classes(al->net, S->u[i].layer, S->u[i].w->shape[0],
		    T->u[j].w->shape[0], &al->file_classes,
		    &al->target_classes);
}

/* The best score of cell (i, j) from its neighbours, in D of width w. */
static int32_t
best_of(const struct dm_net *net, const struct side *S, const struct side *T,
    const int32_t *D, size_t w, size_t i, size_t j, size_t ui, size_t uj,
    ptrdiff_t step)
{
	int32_t best, sc;
	unsigned flag;

	best = D[(size_t)((ptrdiff_t)i + step) * w + j];
	if (D[i * w + (size_t)((ptrdiff_t)j + step)] > best)
		best = D[i * w + (size_t)((ptrdiff_t)j + step)];
	sc = score(net, &S->u[ui], &T->u[uj], &flag);
	if (sc != NO_MATCH && D[(size_t)((ptrdiff_t)i + step) * w +
	    (size_t)((ptrdiff_t)j + step)] + sc > best)
		best = D[(size_t)((ptrdiff_t)i + step) * w +
		    (size_t)((ptrdiff_t)j + step)] + sc;
	return best;
}

static int
run_dp(struct dm_align *al, const struct side *S, const struct side *T,
    struct dm_error *err)
{
	size_t n = S->nu, m = T->nu, i, j, w = m + 1, *chosen;
	int32_t *D, *B, sc;

	if (n + 1 > MAX_CELLS / w)
		return dm_error_set(err, DM_ERR_RANGE, "%s: %zu modules "
		    "against darkmap's %zu: too many to align", al->t->path, m,
		    n);
	D = calloc((n + 1) * w, sizeof *D);
	B = calloc((n + 1) * w, sizeof *B);
	chosen = malloc((n + 1) * sizeof *chosen);
	if (D == NULL || B == NULL || chosen == NULL) {
		free(D);
		free(B);
		free(chosen);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++) {
			D[i * w + j] = best_of(al->net, S, T, D, w, i, j,
			    i - 1, j - 1, -1);
			sc = i >= 2 && j >= 2 ? group_score(al->net, S, i - 2,
			    T, j - 2) : NO_MATCH;
			if (sc != NO_MATCH && D[(i - 2) * w + j - 2] + sc >
			    D[i * w + j])
				D[i * w + j] = D[(i - 2) * w + j - 2] + sc;
		}
	for (i = n; i-- > 0; )
		for (j = m; j-- > 0; ) {
			B[i * w + j] = best_of(al->net, S, T, B, w, i, j, i,
			    j, 1);
			sc = group_score(al->net, S, i, T, j);
			if (sc != NO_MATCH && B[(i + 2) * w + j + 2] + sc >
			    B[i * w + j])
				B[i * w + j] = B[(i + 2) * w + j + 2] + sc;
		}
	for (i = 0; i < n; i++)
		chosen[i] = SIZE_MAX;
	for (i = n, j = m; i > 0 && j > 0; ) {
		unsigned flag;

		sc = i >= 2 && j >= 2 ? group_score(al->net, S, i - 2, T,
		    j - 2) : NO_MATCH;
		if (sc != NO_MATCH && D[i * w + j] == D[(i - 2) * w + j - 2] +
		    sc) {
			take(al, S, i - 1, T, j - 1, chosen);
			take(al, S, i - 2, T, j - 2, chosen);
			i -= 2;
			j -= 2;
			continue;
		}
		sc = score(al->net, &S->u[i - 1], &T->u[j - 1], &flag);
		if (sc != NO_MATCH &&
		    D[i * w + j] == D[(i - 1) * w + j - 1] + sc) {
			take(al, S, i - 1, T, j - 1, chosen);
			i--;
			j--;
		} else if (D[i * w + j] == D[(i - 1) * w + j])
			i--;
		else
			j--;
	}
	mark_ties(al, S, T, D, B, chosen);
	free(D);
	free(B);
	free(chosen);
	return 0;
}

struct dm_align *
dm_align_new(const struct dm_net *net, const struct dm_export *ex,
    const struct dm_target *t, struct dm_error *err)
{
	struct dm_align *al;
	struct side S, T;
	char (*keys)[160] = NULL;
	size_t i;
	int rc = -1;

	memset(&S, 0, sizeof S);
	memset(&T, 0, sizeof T);
	if ((al = calloc(1, sizeof *al)) == NULL)
		goto nomem;
	al->net = net;
	al->ex = ex;
	al->t = t;
	al->file_classes = al->target_classes = -1;
	if ((al->src = calloc(ex->n + 1, sizeof *al->src)) == NULL ||
	    (al->tgt_src = calloc(t->n + 1, sizeof *al->tgt_src)) == NULL ||
	    (al->tgt_skip = calloc(t->n + 1, sizeof *al->tgt_skip)) == NULL ||
	    (keys = calloc(ex->n + 1, sizeof *keys)) == NULL)
		goto nomem;
	for (i = 0; i < ex->n; i++)
		al->src[i].tgt = al->src[i].alt = SIZE_MAX;
	for (i = 0; i < t->n; i++) {
		al->tgt_src[i] = SIZE_MAX;
		al->tgt_skip[i] = skip_reason(&t->e[i]);
	}
	pair_renames(al);
	common_prefix(al);
	if (build_sides(al, &S, &T, keys) == -1)
		goto nomem;
	plausible_hints(net, &S, &T);
	if (run_dp(al, &S, &T, err) == -1)
		goto out;
	for (i = 0; i < ex->n; i++) {
		if (al->src[i].tgt == SIZE_MAX)
			al->nunmatched_src++;
		else {
			al->nmatched++;
			if (al->src[i].flags & DM_AL_TIED)
				al->ntied++;
			if (al->src[i].flags & DM_AL_FATAL)
				al->nfatal++;
			else if (al->src[i].flags & (DM_AL_RESHAPED |
			    DM_AL_TRANSPOSED))
				al->nreshaped++;
		}
	}
	for (i = 0; i < t->n; i++) {
		if (al->tgt_skip[i] != NULL)
			al->nskipped++;
		else if (al->tgt_src[i] == SIZE_MAX)
			al->nunmatched_tgt++;
	}
	rc = 0;
	goto out;
nomem:
	dm_error_set(err, DM_ERR_NOMEM, "out of memory");
out:
	free(S.t);
	free(S.u);
	free(T.t);
	free(T.u);
	free(keys);
	if (rc == -1) {
		dm_align_free(al);
		return NULL;
	}
	return al;
}

struct dm_align *
dm_align_net(const struct dm_net *net, const struct dm_target *t,
    struct dm_export **exp, struct dm_error *err)
{
	struct dm_export_opts xo;
	struct dm_weights all;
	struct dm_verdict v;
	struct dm_export *ex;
	struct dm_align *al;

	/* A file that ends nowhere has every array. */
	memset(&all, 0, sizeof all);
	all.path = (char *)t->path;
	all.fd = -1;
	all.size = UINT64_MAX;
	memset(&v, 0, sizeof v);
	v.kind = DM_V_EXACT;
	memset(&xo, 0, sizeof xo);
	xo.names = DM_NAMES_DARKMAP;
	xo.force = 1;
	if ((ex = dm_export_plan(net, &all, &v, &xo, err)) == NULL)
		return NULL;
	if ((al = dm_align_new(net, ex, t, err)) == NULL) {
		dm_export_free(ex);
		return NULL;
	}
	*exp = ex;
	return al;
}

void
dm_align_free(struct dm_align *al)
{
	if (al == NULL)
		return;
	free(al->src);
	free(al->tgt_src);
	free(al->tgt_skip);
	free(al);
}

int
dm_align_complete(const struct dm_align *al)
{
	return al->nunmatched_src == 0 && al->nunmatched_tgt == 0 &&
	    al->nfatal == 0 && al->ntied == 0;
}

/* The reason a pair cannot be exported or is uncertain, or NULL. */
static const char *
pair_reason(const struct dm_align *al, const struct dm_apair *p, char *buf,
    size_t len)
{
	const struct dm_tentry *e = &al->t->e[p->tgt];
	const struct dm_xtensor *x = &al->ex->x[p - al->src];

	if (p->flags & DM_AL_CLASSES)
		snprintf(buf, len, "the target's heads are for classes=%d, the "
		    "file's for %d", al->target_classes, al->file_classes);
	else if ((p->flags & DM_AL_SHAPE) && numel(x->t.ndim, x->t.shape) ==
	    numel(e->ndim, e->shape) && numel(e->ndim, e->shape) != 0)
		snprintf(buf, len, "the same number of elements in another "
		    "arrangement (axes permuted?): not a reshape darkmap can "
		    "make");
	else if (p->flags & DM_AL_SHAPE)
		snprintf(buf, len, "another shape");
	else if (p->flags & DM_AL_DTYPE)
		snprintf(buf, len, "dtype %s, which darkmap cannot write here",
		    e->dtype);
	else if ((p->flags & DM_AL_TIED) && p->alt != SIZE_MAX)
		snprintf(buf, len, "tied: an alignment as good pairs it with "
		    "%s instead", al->t->e[p->alt].key);
	else if (p->flags & DM_AL_TIED)
		snprintf(buf, len, "tied: an alignment as good leaves it "
		    "unmatched");
	else if (p->flags & DM_AL_TRANSPOSED)
		snprintf(buf, len, "the target holds it transposed");
	else if (p->flags & DM_AL_RESHAPED)
		snprintf(buf, len, "the same elements in another shape");
	else if (p->conf < DM_AL_LOW)
		snprintf(buf, len, "uncertain");
	else
		return NULL;
	return buf;
}

static void
json_shape(FILE *fp, int ndim, const uint64_t *shape)
{
	int d;

	fputc('[', fp);
	for (d = 0; d < ndim; d++)
		fprintf(fp, "%s%" PRIu64, d ? ", " : "", shape[d]);
	fputc(']', fp);
}

static void
json_flags(FILE *fp, unsigned f)
{
	static const char *const names[] = { "classes", "transposed",
	    "reshaped", "shape", "dtype", "renamed", "tied" };
	size_t k;
	int n = 0;

	fputc('[', fp);
	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (f & (1u << k))
			fprintf(fp, "%s\"%s\"", n++ ? ", " : "", names[k]);
	fputc(']', fp);
}

static const char *
src_array_name(const struct dm_align *al, size_t i)
{
	const struct dm_xtensor *x = &al->ex->x[i];

	return x->array != SIZE_MAX ? al->net->arrays[x->array].name :
	    "num_batches_tracked";
}

static size_t
src_layer(const struct dm_align *al, size_t i)
{
	while (i > 0 && al->ex->x[i].array == SIZE_MAX)
		i--;
	return al->ex->x[i].array != SIZE_MAX ?
	    al->net->arrays[al->ex->x[i].array].layer : 0;
}

int
dm_align_json(FILE *fp, const struct dm_align *al)
{
	const struct dm_target *t = al->t;
	char why[160];
	const char *r;
	size_t i;
	int n;

	fprintf(fp, "{\n  \"target\": {\"path\": ");
	dm_json_string(fp, t->path);
	fprintf(fp, ", \"format\": \"%s\", \"state_dict\": ",
	    dm_target_kind_name(t->kind));
	if (t->nest != NULL)
		dm_json_string(fp, t->nest);
	else
		fputs("null", fp);
	fprintf(fp, ", \"prefix\": ");
	dm_json_string(fp, al->prefix);
	fprintf(fp, ", \"entries\": %zu, \"hash\": \"%s\"},\n", t->n,
	    t->hash);
	fprintf(fp, "  \"complete\": %s,\n  \"matched\": %zu,\n"
	    "  \"unmatched_arrays\": %zu,\n  \"unmatched_keys\": %zu,\n"
	    "  \"mismatched\": %zu,\n", dm_align_complete(al) ? "true" :
	    "false", al->nmatched, al->nunmatched_src, al->nunmatched_tgt,
	    al->nfatal);
	fputs("  \"classes\": ", fp);
	if (al->file_classes >= 0)
		fprintf(fp, "{\"file\": %d, \"target\": %d},\n",
		    al->file_classes, al->target_classes);
	else
		fputs("null,\n", fp);
	fputs("  \"arrays\": [", fp);
	for (i = 0; i < al->ex->n; i++) {
		const struct dm_xtensor *x = &al->ex->x[i];
		const struct dm_apair *p = &al->src[i];

		fprintf(fp, "%s\n    {\"layer\": %zu, \"array\": ", i ? "," : "",
		    src_layer(al, i));
		dm_json_string(fp, src_array_name(al, i));
		fputs(", \"key\": ", fp);
		dm_json_string(fp, x->key);
		fputs(", \"shape\": ", fp);
		json_shape(fp, x->t.ndim, x->t.shape);
		if (p->tgt == SIZE_MAX) {
			fputs(", \"target_key\": null, \"confidence\": 0, "
			    "\"flags\": [], \"reason\": \"no tensor of the "
			    "target fits\"}", fp);
			continue;
		}
		fputs(", \"target_key\": ", fp);
		dm_json_string(fp, t->e[p->tgt].key);
		fputs(", \"target_shape\": ", fp);
		json_shape(fp, t->e[p->tgt].ndim, t->e[p->tgt].shape);
		fputs(", \"target_dtype\": ", fp);
		dm_json_string(fp, t->e[p->tgt].dtype);
		fprintf(fp, ", \"confidence\": %.2f, \"flags\": ", p->conf);
		json_flags(fp, p->flags);
		fputs(", \"reason\": ", fp);
		if ((r = pair_reason(al, p, why, sizeof why)) != NULL)
			dm_json_string(fp, r);
		else
			fputs("null", fp);
		fputc('}', fp);
	}
	fputs("\n  ],\n  \"unmatched_target\": [", fp);
	for (i = 0, n = 0; i < t->n; i++) {
		if (al->tgt_skip[i] != NULL || al->tgt_src[i] != SIZE_MAX)
			continue;
		fprintf(fp, "%s\n    {\"key\": ", n++ ? "," : "");
		dm_json_string(fp, t->e[i].key);
		fputs(", \"shape\": ", fp);
		json_shape(fp, t->e[i].ndim, t->e[i].shape);
		fputs(", \"dtype\": ", fp);
		dm_json_string(fp, t->e[i].dtype);
		fputc('}', fp);
	}
	fputs(n ? "\n  ],\n" : "],\n", fp);
	fputs("  \"left_out\": [", fp);
	for (i = 0, n = 0; i < t->n; i++) {
		if (al->tgt_skip[i] == NULL)
			continue;
		fprintf(fp, "%s\n    {\"key\": ", n++ ? "," : "");
		dm_json_string(fp, t->e[i].key);
		fputs(", \"reason\": ", fp);
		dm_json_string(fp, al->tgt_skip[i]);
		fputc('}', fp);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", fp);
	return ferror(fp) ? -1 : 0;
}

static void
shape_text(char *buf, size_t len, int ndim, const uint64_t *shape)
{
	size_t n = 0;
	int d;

	n += (size_t)snprintf(buf, len, "[");
	for (d = 0; d < ndim && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64,
		    d ? "," : "", shape[d]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

int
dm_align_text(FILE *fp, const struct dm_align *al)
{
	const struct dm_target *t = al->t;
	char why[160], sh[64];
	const char *r;
	size_t i;

	fputs("target   ", fp);
	dm_fputs_printable(fp, t->path);
	fprintf(fp, " (%s", dm_target_kind_name(t->kind));
	if (t->nest != NULL) {
		fputs(", state_dict under '", fp);
		dm_fputs_printable(fp, t->nest);
		fputc('\'', fp);
	}
	fprintf(fp, "), %zu entries", t->n);
	if (al->prefix[0] != '\0') {
		fputs(", common prefix '", fp);
		dm_fputs_printable(fp, al->prefix);
		fputc('\'', fp);
	}
	fputc('\n', fp);
	for (i = 0; i < al->ex->n; i++) {
		const struct dm_apair *p = &al->src[i];

		fprintf(fp, "%5zu %-22s ", src_layer(al, i),
		    src_array_name(al, i));
		if (p->tgt == SIZE_MAX) {
			fprintf(fp, "-> (unmatched)\n");
			continue;
		}
		shape_text(sh, sizeof sh, t->e[p->tgt].ndim,
		    t->e[p->tgt].shape);
		fputs("-> ", fp);
		dm_fputs_printable(fp, t->e[p->tgt].key);
		fprintf(fp, " %s %.2f", sh, p->conf);
		if ((r = pair_reason(al, p, why, sizeof why)) != NULL) {
			fputs("  ! ", fp);
			dm_fputs_printable(fp, r);
		}
		fputc('\n', fp);
	}
	dm_align_problems(fp, al, SIZE_MAX);
	return ferror(fp) ? -1 : 0;
}

/* Lists the pairs with a flag of want and none of reject, with why. */
static void
list_pairs(FILE *fp, const struct dm_align *al, size_t max,
    const char *label, unsigned want, unsigned reject)
{
	char why[160];
	size_t i, n;

	for (i = 0, n = 0; i < al->ex->n; i++) {
		const struct dm_apair *p = &al->src[i];

		if (p->tgt == SIZE_MAX || !(p->flags & want) ||
		    (p->flags & reject))
			continue;
		if (n++ < max) {
			fprintf(fp, "%s: layer %zu %s -> ", label,
			    src_layer(al, i), src_array_name(al, i));
			dm_fputs_printable(fp, al->t->e[p->tgt].key);
			fputs(": ", fp);
			dm_fputs_printable(fp, pair_reason(al, p, why,
			    sizeof why));
			fputc('\n', fp);
		}
	}
	if (n > max)
		fprintf(fp, "%s: ... and %zu more\n", label, n - max);
}

void
dm_align_problems(FILE *fp, const struct dm_align *al, size_t max)
{
	const struct dm_target *t = al->t;
	size_t i, n;

	for (i = 0, n = 0; i < t->n; i++) {
		if (al->tgt_skip[i] == NULL)
			continue;
		if (n++ < max) {
			fputs("left out: ", fp);
			dm_fputs_printable(fp, t->e[i].key);
			fprintf(fp, ": %s\n", al->tgt_skip[i]);
		}
	}
	if (n > max)
		fprintf(fp, "left out: ... and %zu more\n", n - max);
	for (i = 0, n = 0; i < t->n; i++) {
		if (al->tgt_skip[i] != NULL || al->tgt_src[i] != SIZE_MAX)
			continue;
		if (n++ < max) {
			fputs("unmatched target key: ", fp);
			dm_fputs_printable(fp, t->e[i].key);
			fputc('\n', fp);
		}
	}
	if (n > max)
		fprintf(fp, "unmatched target key: ... and %zu more\n",
		    n - max);
	for (i = 0, n = 0; i < al->ex->n; i++) {
		if (al->src[i].tgt != SIZE_MAX)
			continue;
		if (n++ < max) {
			fprintf(fp, "unmatched array: layer %zu %s (",
			    src_layer(al, i), src_array_name(al, i));
			dm_fputs_printable(fp, al->ex->x[i].key);
			fputs(")\n", fp);
		}
	}
	if (n > max)
		fprintf(fp, "unmatched array: ... and %zu more\n", n - max);
	list_pairs(fp, al, max, "mismatch", DM_AL_FATAL, 0);
	list_pairs(fp, al, max, "tied", DM_AL_TIED, DM_AL_FATAL);
	list_pairs(fp, al, max, "reshaped", DM_AL_RESHAPED | DM_AL_TRANSPOSED,
	    DM_AL_FATAL);
	if (al->file_classes >= 0)
		fprintf(fp, "classes: the target's heads are for classes=%d, "
		    "the file's for %d: if the weights were trained for %d, "
		    "the cfg is wrong and the class-count repair fixes it "
		    "(darkmap fix, or r in the interface); otherwise build "
		    "the model with classes=%d\n", al->target_classes,
		    al->file_classes, al->target_classes, al->file_classes);
}

static enum dm_dtype
out_dtype(const char *d)
{
	if (strcmp(d, "float16") == 0)
		return DM_DTYPE_F16;
	if (strcmp(d, "bfloat16") == 0)
		return DM_DTYPE_BF16;
	if (strcmp(d, "int64") == 0)
		return DM_DTYPE_I64;
	return DM_DTYPE_F32;
}

int
dm_align_apply(const struct dm_align *al, struct dm_export *ex, int force,
    struct dm_error *err)
{
	const struct dm_target *t = al->t;
	struct dm_retarget *r;
	size_t i, n = 0, s;
	int rc;

	if (!force && !dm_align_complete(al))
		return dm_error_set(err, DM_ERR_MISMATCH, "%s: %zu of its "
		    "parameters unmatched, %zu of darkmap's arrays unmatched, "
		    "%zu pairs that cannot be exported, %zu pairs tied with "
		    "another alignment: nothing was written (--force writes "
		    "the pairs that can be, tied ones as aligned)", t->path,
		    al->nunmatched_tgt, al->nunmatched_src, al->nfatal,
		    al->ntied);
	if ((r = calloc(t->n + 1, sizeof *r)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < t->n; i++) {
		s = al->tgt_src[i];
		if (al->tgt_skip[i] != NULL || s == SIZE_MAX ||
		    (al->src[s].flags & DM_AL_FATAL))
			continue;
		r[n].src = s;
		r[n].key = t->e[i].key;
		r[n].dtype = out_dtype(t->e[i].dtype);
		r[n].ndim = t->e[i].ndim;
		memcpy(r[n].shape, t->e[i].shape, sizeof r[n].shape);
		r[n].transpose = (al->src[s].flags & DM_AL_TRANSPOSED) != 0;
		n++;
	}
	if (n == 0) {
		free(r);
		return dm_error_set(err, DM_ERR_MISMATCH, "%s: no tensor of "
		    "the target can be filled: nothing was written", t->path);
	}
	rc = dm_export_retarget(ex, r, n, err);
	free(r);
	return rc;
}
