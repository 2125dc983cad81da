/*
 * diagnose.c - explaining a size difference and ranking the repairs.
 *
 * Every repair considered makes the sizes agree exactly, so what ranks
 * them is how plausible the data is when read that way.  The file is read
 * once as laid out (A) and once shifted by the size difference (D): a
 * repair that moves every array from layer L on by the difference reads
 * the arrays before L as in A and the rest as in D, so one prefix sum over
 * A's penalties and one suffix sum over D's score every layer at once.
 */
#include "config.h"

#include "diagnose.h"
#include "report.h"
#include "verdict.h"

#include "atomicfile.h"
#include "endian.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much each kind of change costs beyond its data's penalty. */
static const double kind_cost[] = {
	[DM_H_HEADER] = 0.5,
	[DM_H_DATA_END] = 1.0,
	[DM_H_CUTOFF] = 0.0,
	[DM_H_GAP] = 2.0,
	[DM_H_MISSING] = 2.0,
	[DM_H_CLASSES] = 1.0,
	[DM_H_ORDER] = 1.5,
	[DM_H_SALVAGE] = 3.0,
	[DM_H_TRANSPOSE] = 1.5,
};

/*
 * A connected layer's weights are taken to be stored transposed when,
 * read as [in][out], the outputs explain at least TR_MIN of the spread of
 * the squared values and TR_RATIO times what the inputs do read as laid
 * out (see transposed_evidence()); larger arrays are not read for it.
 */
#define TR_MIN		0.10
#define TR_RATIO	5.0
#define TR_MAX		(16u << 20)	/* floats */

/*
 * The orders a writer plausibly used for a layer's arrays, each cut down
 * to the arrays the layer has: Darknet's own two, the weights first, and
 * PyTorch's state_dict order (weight, then the batch norm's weight, bias,
 * running mean and variance).
 */
static const struct {
	const char	*order;
	const char	*who;
} orders[] = {
	{ "biases,scales,rolling_mean,rolling_variance,weights",
	  "Darknet's order for a convolutional layer" },
	{ "biases,weights,scales,rolling_mean,rolling_variance",
	  "Darknet's order for a connected layer" },
	{ "weights,biases,scales,rolling_mean,rolling_variance",
	  "the weights first, then Darknet's order" },
	{ "weights,scales,biases,rolling_mean,rolling_variance",
	  "PyTorch's state_dict order" },
};

const char *
dm_hyp_name(enum dm_hyp_kind kind)
{
	switch (kind) {
	case DM_H_HEADER:	return "header";
	case DM_H_DATA_END:	return "trailing-junk";
	case DM_H_CUTOFF:	return "cut-after-layer";
	case DM_H_GAP:		return "extra-bytes";
	case DM_H_MISSING:	return "missing-layer";
	case DM_H_CLASSES:	return "classes";
	case DM_H_ORDER:	return "array-order";
	case DM_H_SALVAGE:	return "salvage";
	case DM_H_TRANSPOSE:	return "transposed";
	}
	return "?";
}

void
dm_diag_release(struct dm_diag *d)
{
	size_t i;

	for (i = 0; i < d->nhyps; i++) {
		dm_ovr_free(d->hyps[i].ovr);
		free(d->hyps[i].ties);
	}
	free(d->hyps);
	free(d->st);
	free(d->ck);
	free(d->layer_level);
	memset(d, 0, sizeof *d);
}

static struct dm_hyp *
add_hyp(struct dm_diag *d, enum dm_hyp_kind kind, const struct dm_ovr *base,
    struct dm_error *err)
{
	struct dm_hyp *h;

	h = realloc(d->hyps, (d->nhyps + 1) * sizeof *h);
	if (h == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	d->hyps = h;
	h = &d->hyps[d->nhyps];
	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->layer = h->layer_lo = -1;
	h->misfit = -1;
	if ((h->ovr = dm_ovr_new()) == NULL ||
	    (base != NULL && dm_ovr_copy(h->ovr, base, err) == -1)) {
		dm_ovr_free(h->ovr);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	d->nhyps++;
	return h;
}

/* Per-layer sums of array penalties. */
static double *
layer_penalties(const struct dm_net *net, const struct dm_check *ck)
{
	double *p;
	size_t i;

	if ((p = calloc(net->nlayers + 1, sizeof *p)) == NULL)
		return NULL;
	for (i = 0; i < net->narrays; i++)
		p[net->arrays[i].layer] += ck[i].penalty;
	return p;
}

static double
sum_range(const double *p, size_t from, size_t to)
{
	double s = 0;

	for (; from < to; from++)
		s += p[from];
	return s;
}

static uint64_t
layer_bytes(const struct dm_net *net, size_t li)
{
	const struct dm_layer *l = &net->layers[li];
	uint64_t b = 0;
	size_t i;

	for (i = l->first_array; i < l->first_array + l->narrays; i++)
		if (dm_array_present(&net->arrays[i]))
			b += net->arrays[i].count * 4;
	return b;
}

/* Whether a repair could be chosen without asking: plausible, not lossy. */
static int
choosable(const struct dm_hyp *h)
{
	return h->penalty < DM_FIT_PENALTY && !h->lossy;
}

/* Choosable repairs first, then by cost, then by kind. */
static int
cmp_hyp(const void *a, const void *b)
{
	const struct dm_hyp *x = a, *y = b;

	if (choosable(x) != choosable(y))
		return choosable(x) ? -1 : 1;
	if (x->cost < y->cost - 1e-9)
		return -1;
	if (x->cost > y->cost + 1e-9)
		return 1;
	return (int)x->kind - (int)y->kind;
}

/* Scores the data read at a shift; NULL-safe on failure. */
static int
shifted(const struct dm_net *net, struct dm_weights *w, int64_t shift,
    double **lp, struct dm_error *err)
{
	struct dm_stats *st;
	struct dm_check *ck;
	int rc = -1;

	*lp = NULL;
	st = calloc(net->narrays + 1, sizeof *st);
	ck = calloc(net->narrays + 1, sizeof *ck);
	if (st == NULL || ck == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dm_stats_net(net, w, shift, st, ck, err) == -1)
		goto out;
	if ((*lp = layer_penalties(net, ck)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(st);
	free(ck);
	return rc;
}

/* The section of the convolution feeding a YOLO-type head, if any. */
static int
head_filters(const struct dm_net *net, size_t li, int classes, int *filters)
{
	const struct dm_layer *l = &net->layers[li];
	const char *m;
	long long n, coords = 4, num = 1, f;

	m = dm_section_str(l->sect, "mask");
	if (dm_section_str(l->sect, "num") != NULL)
		num = dm_atoi_clamp(dm_section_str(l->sect, "num"));
	if (l->type == DM_L_YOLO || l->type == DM_L_GAUSSIAN_YOLO) {
		n = num;
		if (m != NULL)
			for (n = 1; *m != '\0' && *m != '#'; m++)
				n += *m == ',';
		f = n * (classes + (l->type == DM_L_YOLO ? 5 : 9));
		if (n < 0 || n > INT_MAX || f > INT_MAX)
			return -1;
		*filters = (int)f;
		return 0;
	}
	if (l->type == DM_L_REGION) {
		if (dm_section_str(l->sect, "coords") != NULL)
			coords = dm_atoi_clamp(dm_section_str(l->sect,
			    "coords"));
		f = num * (classes + coords + 1);
		if (num < 0 || coords < 0 || f > INT_MAX)
			return -1;
		*filters = (int)f;
		return 0;
	}
	return -1;
}

/*
 * Whether layer li is a head whose class count a repair changes, with the
 * convolution before it (cfg section li; the head's is li + 1) giving it
 * filters: then *filters is what that convolution needs for `classes'.
 */
static int
class_head(const struct dm_net *net, size_t li, int classes, int *filters)
{
	return li > 0 && net->layers[li - 1].type == DM_L_CONV &&
	    head_filters(net, li, classes, filters) == 0;
}

/* Builds the net again with every head set to `classes'. */
static struct dm_net *
net_with_classes(const struct dm_net *net, const struct dm_ovr *base,
    uint64_t header, int classes, struct dm_error *err)
{
	struct dm_cfg *cfg;
	struct dm_net *n2;
	char buf[32];
	size_t li;
	int f;

	if ((cfg = dm_cfg_load(net->cfg->path, net->dialect, err)) == NULL)
		return NULL;
	for (li = 0; li < net->nlayers; li++) {
		if (!class_head(net, li, classes, &f))
			continue;
		snprintf(buf, sizeof buf, "%d", classes);
		if (dm_section_set(&cfg->sects[li + 1], "classes", buf,
		    err) == -1)
			goto fail;
		snprintf(buf, sizeof buf, "%d", f);
		if (dm_section_set(&cfg->sects[li], "filters", buf, err) == -1)
			goto fail;
	}
	if ((n2 = dm_net_build(cfg, err)) == NULL)
		return NULL;
	if (n2->narrays != net->narrays ||
	    dm_net_layout_ovr(n2, header, net->mode, net->transpose, base,
	    err) == -1) {
		dm_net_free(n2);
		return NULL;
	}
	return n2;
fail:
	dm_cfg_free(cfg);
	return NULL;
}

static int
try_classes(struct dm_net *net, struct dm_weights *w, const struct dm_ovr *base,
    uint64_t eff, struct dm_diag *d, struct dm_error *err)
{
	struct dm_net *n1 = NULL, *n2 = NULL, *nk = NULL;
	struct dm_error e2;
	struct dm_hyp *h;
	double *lp = NULL;
	int64_t a, b, k, cur = -1;
	size_t li, i;
	int rc = -1;

	for (li = 0; li < net->nlayers; li++)
		if (net->layers[li].classes > 0 && (net->layers[li].type ==
		    DM_L_YOLO || net->layers[li].type == DM_L_REGION ||
		    net->layers[li].type == DM_L_GAUSSIAN_YOLO))
			cur = net->layers[li].classes;
	if (cur < 0)
		return 0;
	/* Sizes are linear in the class count: two builds give the line. */
	dm_error_clear(&e2);
	n1 = net_with_classes(net, base, net->header_size, 1, &e2);
	n2 = net_with_classes(net, base, net->header_size, 2, &e2);
	if (n1 == NULL || n2 == NULL) {
		rc = 0;		/* the cfg does not allow it: no hypothesis */
		goto out;
	}
	b = (int64_t)n2->total_bytes - (int64_t)n1->total_bytes;
	a = (int64_t)n1->total_bytes - b;
	if (b <= 0 || (int64_t)eff < a || ((int64_t)eff - a) % b != 0) {
		rc = 0;
		goto out;
	}
	k = ((int64_t)eff - a) / b;
	if (k < 1 || k == cur || k > 1000000) {
		rc = 0;
		goto out;
	}
	if ((nk = net_with_classes(net, base, net->header_size, (int)k,
	    &e2)) == NULL || nk->total_bytes != eff) {
		rc = 0;
		goto out;
	}
	if (shifted(nk, w, 0, &lp, err) == -1)
		goto out;
	if ((h = add_hyp(d, DM_H_CLASSES, base, err)) == NULL)
		goto out;
	h->value = k;
	h->penalty = sum_range(lp, 0, nk->nlayers);
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *x = &net->arrays[i], *y = &nk->arrays[i];
		struct dm_array_ovr *ao;
		int dd;

		if (x->count == y->count)
			continue;
		if (h->layer < 0)
			h->layer = (long)x->layer;
		if ((ao = dm_ovr_array(h->ovr, x->layer, x->name, err)) == NULL)
			goto out;
		ao->count = (int64_t)y->count;
		for (dd = 0; dd < DM_SHAPE_MAX && y->cur_shape[dd] != 0 &&
		    (dd < y->ndim || dd == 0); dd++)
			ao->reshape[dd] = y->cur_shape[dd];
		ao->nreshape = dd;
	}
	snprintf(h->text, sizeof h->text, "the YOLO head was trained for "
	    "classes=%" PRId64 " (the cfg says %" PRId64 "): with classes=%"
	    PRId64 " and the matching filters= before each head the sizes "
	    "agree exactly", k, cur, k);
	{
		char note[256];

		/* The bytes give filters, not how they split into anchors. */
		snprintf(note, sizeof note, "weights trained with classes=%"
		    PRId64 "; set classes=%" PRId64 " in the cfg (assuming "
		    "the cfg's anchors per head: other anchor counts may fit "
		    "the same bytes)", k, k);
		free(h->ovr->note);
		h->ovr->note = strdup(note);
	}
	rc = 0;
out:
	free(lp);
	dm_net_free(n1);
	dm_net_free(n2);
	dm_net_free(nk);
	return rc;
}

static int
shift_hypotheses(struct dm_net *net, struct dm_weights *w,
    const struct dm_ovr *base, const double *pa, const double *pd,
    int64_t diff, struct dm_diag *d, struct dm_error *err)
{
	struct dm_layer_ovr *lo;
	struct dm_hyp *h;
	double best = -1, p;
	size_t li, n = net->nlayers;
	long bestl = -1, lo_l = -1;

	(void)w;
	if (diff > 0) {
		/* Extra bytes before layer L: L..end read shifted. */
		for (li = 0; li < n; li++) {
			if (layer_bytes(net, li) == 0)
				continue;
			p = sum_range(pa, 0, li) + sum_range(pd, li, n);
			if (best < 0 || p < best - 1e-9) {
				best = p;
				bestl = lo_l = (long)li;
			} else if (p <= best + 1e-9)
				bestl = (long)li;
		}
		if (bestl >= 0 && (bestl > 0 || d->headers[0].fits +
		    d->headers[1].fits == 0)) {
			if ((h = add_hyp(d, DM_H_GAP, base, err)) == NULL)
				return -1;
			h->layer = bestl;
			h->layer_lo = lo_l;
			h->value = diff;
			h->penalty = best;
			if ((lo = dm_ovr_layer(h->ovr, (size_t)bestl, err)) ==
			    NULL)
				return -1;
			lo->gap += diff;
			if (lo_l != bestl)
				snprintf(h->text, sizeof h->text, "%" PRId64
				    " extra bytes before layer %ld (anywhere "
				    "from layer %ld to %ld reads equally well)",
				    diff, bestl, lo_l, bestl);
			else
				snprintf(h->text, sizeof h->text, "%" PRId64
				    " extra bytes before layer %ld: layers "
				    "before it read well as they are, layers "
				    "from it on read well %" PRId64 " bytes "
				    "later", diff, bestl, diff);
		}
		/* Junk appended after the data. */
		if ((h = add_hyp(d, DM_H_DATA_END, base, err)) == NULL)
			return -1;
		h->value = diff;
		h->penalty = sum_range(pa, 0, n);
		h->ovr->data_end = (int64_t)net->total_bytes;
		snprintf(h->text, sizeof h->text, "%" PRId64 " bytes of junk "
		    "after the data, which ends at byte %" PRIu64, diff,
		    net->total_bytes);
		return 0;
	}
	/* A layer whose arrays are missing: the rest read -size earlier. */
	for (li = 0; li < n; li++) {
		if (layer_bytes(net, li) != (uint64_t)-diff)
			continue;
		p = sum_range(pa, 0, li) + sum_range(pd, li + 1, n);
		if ((h = add_hyp(d, DM_H_MISSING, base, err)) == NULL)
			return -1;
		h->layer = (long)li;
		h->value = -diff;
		h->penalty = p;
		if ((lo = dm_ovr_layer(h->ovr, li, err)) == NULL)
			return -1;
		lo->absent = 1;
		snprintf(h->text, sizeof h->text, "the arrays of layer %zu "
		    "(%s, %" PRId64 " bytes) are missing from the file", li,
		    dm_ltype_name(net->layers[li].type), -diff);
	}
	return 0;
}

/* Whether array j of a layer is one of the five plain role arrays. */
static int
plain_array(const struct dm_array *a)
{
	return a->sub[0] == '\0' && strcmp(a->name, dm_role_name(a->role)) == 0;
}

/*
 * Reads layer li's arrays one after the other from byte start, in the
 * order given (names separated by commas, each of the layer's arrays
 * once), and sums their penalties.  misfit counts the batch-norm scales
 * and variances whose mean is not above their spread: trained ones are
 * mostly positive, so read in their place, biases and means misfit.
 */
static int
score_order(const struct dm_net *net, struct dm_weights *w, size_t li,
    const char *order, uint64_t start, double *pen, int *misfit,
    struct dm_error *err)
{
	const struct dm_layer *l = &net->layers[li];
	const struct dm_array *a;
	struct dm_stats st;
	struct dm_check ck;
	const char *p = order, *q;
	uint64_t off = start;
	size_t j, n;

	*pen = 0;
	*misfit = 0;
	while (*p != '\0') {
		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		a = NULL;
		for (j = l->first_array; j < l->first_array + l->narrays; j++)
			if (strlen(net->arrays[j].name) == n &&
			    strncmp(net->arrays[j].name, p, n) == 0)
				a = &net->arrays[j];
		if (a == NULL)
			return 1;
		if (dm_stats_range(w, off, a->count, &st, err) == -1)
			return -1;
		dm_stats_judge(net, a, &st, &ck);
		*pen += ck.penalty;
		if ((a->role == DM_ROLE_SCALES ||
		    a->role == DM_ROLE_ROLLING_VARIANCE) && st.valid &&
		    st.n > 1 && !(st.mean > st.std))
			(*misfit)++;
		off += a->count * 4;
		p += n + (q != NULL);
	}
	return 0;
}

/*
 * A layer whose data reads implausibly while the sizes agree may have its
 * arrays in another order: each order a writer plausibly used is read,
 * and those that read clearly better become repairs.
 */
static int
order_hypotheses(const struct dm_net *net, struct dm_weights *w,
    const struct dm_ovr *base, const double *pa, struct dm_diag *d,
    struct dm_error *err)
{
	const struct dm_layer *l;
	const struct dm_array *a;
	struct dm_layer_ovr *lo;
	struct dm_hyp *h;
	char cur[128], cand[128];
	uint64_t start, end, bytes;
	double total, pen;
	size_t li, j, k, t, np;
	int misfit, rc;

	total = sum_range(pa, 0, net->nlayers);
	for (li = 0; li < net->nlayers; li++) {
		l = &net->layers[li];
		if (d->layer_level[li] == DM_LEVEL_OK || l->narrays < 2 ||
		    (l->type != DM_L_CONV && l->type != DM_L_CONNECTED &&
		    l->type != DM_L_DECONV))
			continue;
		/* Present, plain and end to end; cur: the order as laid out. */
		start = UINT64_MAX;
		end = bytes = 0;
		np = 0;
		for (j = l->first_array; j < l->first_array + l->narrays; j++) {
			a = &net->arrays[j];
			if (!dm_array_present(a) || !plain_array(a) ||
			    a->nperm > 0)
				break;
			start = a->offset < start ? a->offset : start;
			end = a->offset + a->count * 4 > end ?
			    a->offset + a->count * 4 : end;
			bytes += a->count * 4;
			np++;
		}
		if (np != l->narrays || end - start != bytes)
			continue;
		cur[0] = '\0';
		for (k = 0, t = start; k < np; k++) {
			for (j = l->first_array; j < l->first_array +
			    l->narrays && net->arrays[j].offset != t; j++)
				;
			snprintf(cur + strlen(cur), sizeof cur - strlen(cur),
			    "%s%s", k ? "," : "", net->arrays[j].name);
			t += net->arrays[j].count * 4;
		}
		for (t = 0; t < sizeof orders / sizeof orders[0]; t++) {
			const char *p = orders[t].order, *q;
			size_t n;

			/* The template cut down to the layer's arrays. */
			cand[0] = '\0';
			for (k = 0; *p != '\0'; p += n + (q != NULL)) {
				q = strchr(p, ',');
				n = q != NULL ? (size_t)(q - p) : strlen(p);
				for (j = l->first_array; j < l->first_array +
				    l->narrays; j++)
					if (strlen(net->arrays[j].name) == n &&
					    strncmp(net->arrays[j].name, p,
					    n) == 0)
						break;
				if (j == l->first_array + l->narrays)
					continue;
				snprintf(cand + strlen(cand), sizeof cand -
				    strlen(cand), "%s%.*s", k++ ? "," : "",
				    (int)n, p);
			}
			if (k != np || strcmp(cand, cur) == 0)
				continue;
			for (j = 0; j < d->nhyps; j++)
				if (d->hyps[j].kind == DM_H_ORDER &&
				    d->hyps[j].layer == (long)li &&
				    strcmp(dm_ovr_find_layer(d->hyps[j].ovr,
				    li)->order, cand) == 0)
					break;
			if (j < d->nhyps)
				continue;	/* two templates, one order */
			if ((rc = score_order(net, w, li, cand, start, &pen,
			    &misfit, err)) == -1)
				return -1;
			if (rc != 0 || pen + DM_TIE_MARGIN > pa[li])
				continue;
			if ((h = add_hyp(d, DM_H_ORDER, base, err)) == NULL)
				return -1;
			h->layer = (long)li;
			h->penalty = total - pa[li] + pen;
			h->misfit = misfit;
			if ((lo = dm_ovr_layer(h->ovr, li, err)) == NULL)
				return -1;
			free(lo->order);
			if ((lo->order = strdup(cand)) == NULL)
				return dm_error_set(err, DM_ERR_NOMEM,
				    "out of memory");
			snprintf(h->text, sizeof h->text, "the arrays of layer "
			    "%zu (%s) are stored in the order %s (%s), not %s: "
			    "read so, they are plausible", li,
			    dm_ltype_name(l->type), cand, orders[t].who, cur);
		}
	}
	return 0;
}

/*
 * How much of the spread of the squared values x[k]^2 the groups of k
 * with the same k mod m explain (eta squared, corrected for what m
 * groups explain by chance).  With x read as [rows][m], these are its
 * columns.
 */
static double
strided_share(const float *x, uint64_t n, uint64_t m, double *gs)
{
	double mean = 0, tot = 0, between = 0, e, chance;
	uint64_t k, *cnt = NULL;

	if (m < 2 || n < 2 * m || (cnt = calloc(m, sizeof *cnt)) == NULL)
		return 0;
	memset(gs, 0, m * sizeof *gs);
	for (k = 0; k < n; k++) {
		e = (double)x[k] * x[k];
		mean += e;
		gs[k % m] += e;
		cnt[k % m]++;
	}
	mean /= (double)n;
	for (k = 0; k < n; k++) {
		e = (double)x[k] * x[k] - mean;
		tot += e * e;
	}
	for (k = 0; k < m; k++) {
		e = gs[k] / (double)cnt[k] - mean;
		between += (double)cnt[k] * e * e;
	}
	free(cnt);
	if (tot <= 0)
		return 0;
	chance = (double)(m - 1) / (double)(n - 1);
	return (between / tot - chance) / (1 - chance);
}

/*
 * The evidence that a [out][in] matrix of `rows' outputs and `cols'
 * inputs is stored the other way, [in][out]: the share of the spread of
 * the squared values its outputs explain when read so (the groups of
 * stride rows), against the share the inputs explain as laid out (stride
 * cols).  A trained layer's outputs differ in scale; read with the wrong
 * stride, they mix.  Square or nested shapes cannot tell: 0.
 */
static int
transposed_evidence(struct dm_weights *w, uint64_t off, uint64_t rows,
    uint64_t cols, double *as_is, double *other, struct dm_error *err)
{
	uint64_t n = rows * cols, k;
	uint8_t *raw;
	float *x;
	double *gs;
	int rc = -1;

	*as_is = *other = 0;
	if (rows == cols || rows % cols == 0 || cols % rows == 0)
		return 0;
	raw = malloc(n * 4);
	x = malloc(n * sizeof *x);
	gs = malloc((rows > cols ? rows : cols) * sizeof *gs);
	if (raw == NULL || x == NULL || gs == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dm_weights_pread(w, raw, n * 4, off, err) == -1)
		goto out;
	for (k = 0; k < n; k++) {
		x[k] = dm_lef32dec(raw + 4 * k);
		if (!isfinite(x[k]))
			x[k] = 0;
	}
	*as_is = strided_share(x, n, cols, gs);
	*other = strided_share(x, n, rows, gs);
	rc = 0;
out:
	free(raw);
	free(x);
	free(gs);
	return rc;
}

/*
 * Connected weights stored transposed read as plausibly as the right way
 * round; the structure of their rows and columns tells them apart.
 */
static int
transpose_hypotheses(const struct dm_net *net, struct dm_weights *w,
    const struct dm_ovr *base, const double *pa, struct dm_diag *d,
    struct dm_error *err)
{
	const struct dm_array *a;
	struct dm_array_ovr *ao;
	struct dm_hyp *h;
	uint64_t rows, cols;
	double as_is, other;
	size_t i;
	int stored_t;

	for (i = 0; i < net->narrays; i++) {
		a = &net->arrays[i];
		if (!(a->flags & DM_ARRAY_TRANSPOSABLE) || !dm_array_present(a) ||
		    a->ndim != 2 || a->count > TR_MAX || a->offset >
		    w->size || a->count > (w->size - a->offset) / 4 ||
		    a->cur_shape[0] == 0 || a->cur_shape[0] * a->cur_shape[1] !=
		    a->count || (a->nperm > 0 && a->nperm != 2))
			continue;
		stored_t = a->nperm == 2 || (a->nperm == 0 && net->transpose);
		/* As the file stores it, [rows][cols]. */
		rows = stored_t ? a->cur_shape[1] : a->cur_shape[0];
		cols = stored_t ? a->cur_shape[0] : a->cur_shape[1];
		if (transposed_evidence(w, a->offset, rows, cols, &as_is,
		    &other, err) == -1)
			return -1;
		/*
		 * Read as laid out, the columns are the inputs; read the other
		 * way, the groups of stride `rows' are the outputs.
		 */
		if (!(other >= TR_MIN && other >= TR_RATIO * (as_is > 0 ?
		    as_is : 0)))
			continue;
		if ((h = add_hyp(d, DM_H_TRANSPOSE, base, err)) == NULL)
			return -1;
		h->layer = (long)a->layer;
		h->penalty = sum_range(pa, 0, net->nlayers);
		if (stored_t && a->nperm == 0)
			h->ovr->transpose = 0;	/* the header's flag is wrong */
		else {
			if ((ao = dm_ovr_array(h->ovr, a->layer, a->name,
			    err)) == NULL)
				return -1;
			ao->transpose = !stored_t;
			ao->nperm = 0;
		}
		snprintf(h->text, sizeof h->text, "the %s of layer %zu (%s, "
		    "[%" PRIu64 ", %" PRIu64 "]) are stored %s: read so, its "
		    "outputs explain %.0f%% of the spread of the squared "
		    "values, as a trained layer's do, against %.0f%% for its "
		    "inputs read as laid out", a->name, a->layer,
		    dm_ltype_name(net->layers[a->layer].type),
		    a->cur_shape[0], a->cur_shape[1], stored_t ?
		    "as [out][in], not transposed" : "transposed, as [in][out]",
		    100 * other, 100 * (as_is > 0 ? as_is : 0));
	}
	return 0;
}

/* The first and one-past-last byte of layers 0..k's arrays. */
static uint64_t
layers_end(const struct dm_net *net, long k)
{
	uint64_t end = net->header_size;
	size_t i;

	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		if (dm_array_present(a) && (long)a->layer <= k &&
		    a->offset + a->count * 4 > end)
			end = a->offset + a->count * 4;
	}
	return end;
}

/*
 * A file cut inside an array: keeping the whole layers before the cut,
 * and ignoring the partial data after them, is a repair that loses data.
 */
static int
salvage_hypothesis(const struct dm_net *net, const struct dm_verdict *v,
    const struct dm_ovr *base, const double *pa, uint64_t eff,
    struct dm_diag *d, struct dm_error *err)
{
	struct dm_layer_ovr *lo;
	struct dm_hyp *h;
	uint64_t end, kept;
	long k = v->layers_present - 1;

	if (v->kind != DM_V_TRUNCATED || k < 0)
		return 0;
	if ((end = layers_end(net, k)) <= net->header_size || end > eff)
		return 0;
	if ((h = add_hyp(d, DM_H_SALVAGE, base, err)) == NULL)
		return -1;
	h->layer = k;
	h->value = (int64_t)end;
	h->lossy = 1;
	h->penalty = sum_range(pa, 0, (size_t)k + 1);
	if ((lo = dm_ovr_layer(h->ovr, (size_t)k, err)) == NULL)
		return -1;
	lo->cutoff = 1;
	h->ovr->data_end = (int64_t)end;
	kept = end - net->header_size;
	snprintf(h->text, sizeof h->text, "keep the whole layers 0-%ld and "
	    "drop the rest (lossy: the %" PRIu64 " bytes of layer %ld that "
	    "the file holds after byte %" PRIu64 " and layers %ld-%zu are "
	    "lost; %.1f%% of the parameters are kept)", k, eff - end, k + 1,
	    end, k + 1, net->nlayers - 1, net->total_bytes >
	    net->header_size ? 100.0 * (double)kept /
	    (double)(net->total_bytes - net->header_size) : 0.0);
	return 0;
}

/*
 * A repair that explains the data with more junk than data, or that
 * leaves most of the network unread, is absurd however well the little
 * it reads reads.
 */
static void
penalise_absurd(const struct dm_net *net, struct dm_hyp *h)
{
	uint64_t data = net->total_bytes - net->header_size, v;
	size_t n = strlen(h->text);

	if (h->value <= 0)
		return;
	v = (uint64_t)h->value;
	if ((h->kind == DM_H_GAP || h->kind == DM_H_DATA_END) && v > data) {
		h->penalty += DM_ABSURD;
		snprintf(h->text + n, sizeof h->text - n, "; implausible: "
		    "%" PRIu64 " bytes of junk are more than the %" PRIu64
		    " bytes of data they would explain", v, data);
	} else if (h->kind == DM_H_MISSING && v > data - v) {
		h->penalty += DM_ABSURD;
		snprintf(h->text + n, sizeof h->text - n, "; implausible: "
		    "it leaves most of the network unread");
	}
}

/* Whether layers a and b have the same arrays, in count and shape. */
static int
same_arrays(const struct dm_net *net, long a, long b)
{
	const struct dm_layer *x = &net->layers[a], *y = &net->layers[b];
	size_t j;

	if (x->type != y->type || x->narrays != y->narrays)
		return 0;
	for (j = 0; j < x->narrays; j++) {
		const struct dm_array *p = &net->arrays[x->first_array + j];
		const struct dm_array *q = &net->arrays[y->first_array + j];

		if (strcmp(p->name, q->name) != 0 || p->count != q->count ||
		    p->ndim != q->ndim || memcmp(p->cur_shape, q->cur_shape,
		    sizeof p->cur_shape) != 0)
			return 0;
	}
	return 1;
}

/*
 * Repairs x and y tie unless a statistic beyond the penalty tells them
 * apart: two orders of one layer, by how many of their batch-norm scales
 * and variances read as such; junk after the data against the same bytes
 * before a late layer, by whether those bytes read as parameters at all.
 */
static int
tie_broken(const struct dm_hyp *x, const struct dm_hyp *y)
{
	int same_kind = x->kind == DM_H_ORDER && y->kind == DM_H_ORDER &&
	    x->layer == y->layer;
	int junk = (x->kind == DM_H_DATA_END && y->kind == DM_H_GAP) ||
	    (x->kind == DM_H_GAP && y->kind == DM_H_DATA_END);

	return (same_kind || junk) && x->misfit >= 0 && y->misfit >= 0 &&
	    x->misfit != y->misfit;
}

/* Why x, which reads as well as y, is preferred to it. */
static void
tie_why(const struct dm_hyp *x, const struct dm_hyp *y, const char *junk,
    char *buf, size_t len)
{
	if (x->kind == DM_H_ORDER)
		snprintf(buf, len, "preferred over the order %s, which reads "
		    "as well: read so, %d of its batch-norm scales and "
		    "variances are not clearly positive, as trained ones are, "
		    "against %d here", dm_ovr_find_layer(y->ovr,
		    (size_t)y->layer)->order, y->misfit, x->misfit);
	else
		snprintf(buf, len, "preferred over %" PRId64 " extra bytes "
		    "before layer %ld, which reads as well: %s", y->value,
		    y->layer, junk);
}

/*
 * Whether the `bytes' bytes before end read as floats that no trained
 * layer holds: mostly exact zeros (padding), values below 1e-30 (small
 * integers, text), above 1e6, NaN or infinite.  Says which in why.
 */
static int
junk_floats(struct dm_weights *w, uint64_t end, uint64_t bytes, char *why,
    size_t len, struct dm_error *err)
{
	uint8_t buf[4096];
	uint32_t u;
	uint64_t n, zero = 0, odd = 0, i;
	float f;

	if (bytes % 4 != 0 || bytes == 0 || end < bytes)
		return 0;
	n = bytes < sizeof buf ? bytes : sizeof buf;
	if (dm_weights_pread(w, buf, (size_t)n, end - bytes, err) == -1)
		return -1;
	for (i = 0; i < n; i += 4) {
		u = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
		    (uint32_t)buf[i + 2] << 16 | (uint32_t)buf[i + 3] << 24;
		memcpy(&f, &u, sizeof f);
		if ((u & 0x7fffffffu) == 0)
			zero++;
		else if (!(fabsf(f) >= 1e-30f && fabsf(f) <= 1e6f))
			odd++;
	}
	n /= 4;
	if (zero == n)
		snprintf(why, len, "the %" PRIu64 " bytes after the data are "
		    "all zero, as padding is, and read as that layer's last "
		    "values they would be a run of exact zeros", bytes);
	else if (2 * (zero + odd) >= n)
		snprintf(why, len, "of the first %" PRIu64 " floats the bytes "
		    "after the data make, %" PRIu64 " are zero and %" PRIu64
		    " below 1e-30, above 1e6 or not numbers, which no trained "
		    "layer holds", n, zero, odd);
	else
		return 0;
	return 1;
}

static int
find_ties(const struct dm_net *net, struct dm_diag *d, const char *junk,
    struct dm_error *err)
{
	struct dm_hyp *x, *y, tmp;
	size_t i, j, n, *tp;
	int moved;

	/* Within the margin, the statistic orders what it tells apart. */
	do {
		moved = 0;
		for (i = 0; i + 1 < d->nhyps; i++) {
			x = &d->hyps[i];
			y = &d->hyps[i + 1];
			if (choosable(x) && choosable(y) &&
			    fabs(x->penalty - y->penalty) < DM_TIE_MARGIN &&
			    tie_broken(x, y) && y->misfit < x->misfit) {
				tmp = *x;
				*x = *y;
				*y = tmp;
				moved = 1;
			}
		}
	} while (moved);
	for (i = 0; i < d->nhyps; i++) {
		x = &d->hyps[i];
		for (j = 0; j < d->nhyps; j++) {
			y = &d->hyps[j];
			if (j == i || !choosable(x) || !choosable(y) ||
			    fabs(x->penalty - y->penalty) >= DM_TIE_MARGIN)
				continue;
			if (tie_broken(x, y)) {
				if (x->misfit < y->misfit && x->why[0] == '\0')
					tie_why(x, y, junk, x->why,
					    sizeof x->why);
				continue;
			}
			n = x->nties + 1;
			if ((tp = realloc(x->ties, n * sizeof *tp)) == NULL)
				return dm_error_set(err, DM_ERR_NOMEM,
				    "out of memory");
			x->ties = tp;
			x->ties[x->nties++] = j;
		}
	}
	d->ambiguous = d->fit && d->hyps[0].nties > 0;
	if (!d->ambiguous)
		return 0;
	x = &d->hyps[0];
	for (i = 0; i < x->nties; i++) {
		y = &d->hyps[x->ties[i]];
		if (y->kind != DM_H_MISSING || x->kind != DM_H_MISSING ||
		    !same_arrays(net, x->layer, y->layer))
			break;
	}
	if (i == x->nties)
		snprintf(d->tie_note, sizeof d->tie_note, "the layers have "
		    "identical arrays, so the same bytes read exactly the same "
		    "as either: no statistic can tell them apart");
	else
		snprintf(d->tie_note, sizeof d->tie_note, "the data reads "
		    "as well either way (penalties within %.1f of each other, "
		    "the tie margin), and no statistic the checks compute "
		    "tells them apart", DM_TIE_MARGIN);
	return 0;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

void
dm_diag_tied(const struct dm_diag *d, size_t i, char *buf, size_t len)
{
	const struct dm_hyp *h = &d->hyps[i];
	long v[16];
	size_t n = 0, k, o;
	int by_layer = h->layer >= 0;

	v[n++] = h->layer;
	for (k = 0; k < h->nties && n < 16; k++) {
		const struct dm_hyp *t = &d->hyps[h->ties[k]];

		if (t->kind != h->kind || t->layer < 0 || t->layer == h->layer)
			by_layer = 0;
		v[n++] = t->layer;
	}
	if (!by_layer) {
		v[0] = (long)i + 1;
		for (k = 0; k < n - 1; k++)
			v[k + 1] = (long)h->ties[k] + 1;
	}
	qsort(v, n, sizeof *v, cmp_long);
	o = (size_t)snprintf(buf, len, "%s%s ", by_layer ? "layer" : "repair",
	    n > 2 ? "s" : "");
	for (k = 0; k < n && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%ld", k == 0 ? "" :
		    k == n - 1 ? " or " : ", ", v[k]);
}

int
dm_hyp_changes_cfg(const struct dm_hyp *h)
{
	return h->kind == DM_H_CLASSES;
}

/* One line the corrected cfg changes or adds. */
struct cfg_change {
	int		 line;		/* the option's, or its section's */
	int		 add;		/* the option is not there: add it */
	const char	*key;
	char		 value[24];
};

static int
cmp_change(const void *a, const void *b)
{
	const struct cfg_change *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* The lines of the cfg a class-count repair changes, in line order. */
static struct cfg_change *
class_changes(const struct dm_net *net, int classes, size_t *np,
    struct dm_error *err)
{
	struct cfg_change *c;
	struct dm_section *sect;
	struct dm_option *o;
	size_t li, n = 0;
	int f, k;

	if ((c = calloc(2 * net->nlayers + 1, sizeof *c)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (li = 0; li < net->nlayers; li++) {
		if (!class_head(net, li, classes, &f))
			continue;
		for (k = 0; k < 2; k++) {
			sect = &net->cfg->sects[k ? li : li + 1];
			c[n].key = k ? "filters" : "classes";
			snprintf(c[n].value, sizeof c[n].value, "%d",
			    k ? f : classes);
			o = dm_section_find(sect, c[n].key);
			c[n].add = o == NULL;
			c[n].line = o != NULL ? o->line : sect->line;
			n++;
		}
	}
	qsort(c, n, sizeof *c, cmp_change);
	*np = n;
	return c;
}

int
dm_hyp_write_cfg(const struct dm_net *net, const struct dm_hyp *h,
    const char *path, struct dm_error *err)
{
	if (!dm_hyp_changes_cfg(h) || h->value < 1 || h->value > INT_MAX)
		return dm_error_set(err, DM_ERR_INVALID, "this repair changes "
		    "nothing in the cfg");
	return dm_cfg_write_classes(net, (int)h->value, path, err);
}

int
dm_cfg_write_classes(const struct dm_net *net, int classes, const char *path,
    struct dm_error *err)
{
	struct dm_atomicfile af;
	struct cfg_change *c;
	char *text, *out = NULL, *p, *eol;
	size_t len, olen = 0, n, k = 0;
	FILE *mem;
	int line, rc = -1;

	if ((text = dm_cfg_read(net->cfg->path, &len, err)) == NULL)
		return -1;
	if ((c = class_changes(net, classes, &n, err)) == NULL) {
		free(text);
		return -1;
	}
	if ((mem = open_memstream(&out, &olen)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (p = text, line = 1; p < text + len; p = eol, line++) {
		eol = memchr(p, '\n', (size_t)(text + len - p));
		eol = eol != NULL ? eol + 1 : text + len;
		for (; k < n && c[k].line < line; k++)
			;
		if (k < n && c[k].line == line && !c[k].add) {
			fprintf(mem, "# darkmap: was \"%.*s\"; the weights "
			    "were trained for classes=%d\n%s=%s\n",
			    (int)strcspn(p, "\r\n"), p, classes, c[k].key,
			    c[k].value);
			continue;
		}
		fwrite(p, 1, (size_t)(eol - p), mem);
		if (eol[-1] != '\n' && k < n && c[k].line == line)
			putc('\n', mem);
		for (; k < n && c[k].line == line; k++)
			fprintf(mem, "# darkmap: added; the weights were "
			    "trained for classes=%d\n%s=%s\n",
			    classes, c[k].key, c[k].value);
	}
	if (fclose(mem) == EOF) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (dm_atomicfile_open(&af, path, NULL, err) == -1)
		goto done;
	if (dm_atomicfile_write(&af, out, olen, err) == -1) {
		dm_atomicfile_abort(&af);
		goto done;
	}
	rc = dm_atomicfile_commit(&af, err);
done:
	free(out);
	free(text);
	free(c);
	return rc;
}

/* The early part of the data: the first quarter of the net's bytes. */
static int
early_layer(const struct dm_net *net, long li)
{
	const struct dm_layer *l = &net->layers[li];
	uint64_t data = net->total_bytes - net->header_size;
	size_t j;

	for (j = l->first_array; j < l->first_array + l->narrays; j++)
		if (dm_array_present(&net->arrays[j]))
			return net->arrays[j].offset - net->header_size <
			    data / 4;
	return 0;
}

static void
summarise(const struct dm_net *net, const struct dm_weights *w,
    struct dm_diag *d)
{
	char who[128], word[sizeof d->summary];
	const char *other;
	size_t i, n;

	if (d->ambiguous) {
		dm_diag_tied(d, 0, who, sizeof who);
		snprintf(d->summary, sizeof d->summary, "ambiguous: %s: the "
		    "data cannot tell them apart (%s)", who, d->tie_note);
		return;
	}
	if (d->fit) {
		snprintf(d->summary, sizeof d->summary, "likely cause: %s%s%s",
		    d->hyps[0].text, d->hyps[0].why[0] ? "; " : "",
		    d->hyps[0].why);
		return;
	}
	if (d->size_diff == 0 && d->first_bad < 0)
		return;
	d->other_net = (d->first_bad >= 0 && early_layer(net,
	    d->first_bad)) || (d->size_diff > 0 && (uint64_t)d->size_diff >
	    net->total_bytes - net->header_size);
	if (d->other_net) {
		if (d->first_bad >= 0)
			n = (size_t)snprintf(d->summary, sizeof d->summary,
			    "the data reads badly from layer %ld on, and no "
			    "single change explains it", d->first_bad);
		else
			n = (size_t)snprintf(d->summary, sizeof d->summary,
			    "the file holds %" PRId64 " bytes more than the %"
			    PRIu64 " the cfg implies", d->size_diff,
			    net->total_bytes);
		dm_shell_word(word, sizeof word, w->path, 1);
		other = net->dialect == DM_DIALECT_AB ? "pj" : "ab";
		/* A name too long for the summary: a command without it. */
		if ((size_t)snprintf(d->summary + n, sizeof d->summary - n,
		    ": this file probably belongs to another network "
		    "(another cfg, or the other Darknet fork: -d %s); "
		    "'darkmap identify %s' finds which", other, word) >=
		    sizeof d->summary - n)
			snprintf(d->summary + n, sizeof d->summary - n, ": this "
			    "file probably belongs to another network "
			    "(another cfg, or the other Darknet fork: -d %s); "
			    "darkmap identify on it finds which", other);
		return;
	}
	n = (size_t)snprintf(d->summary, sizeof d->summary, "no single change "
	    "explains %s", d->size_diff != 0 ? "the size difference" :
	    "the implausible data");
	for (i = 0; i < d->nhyps; i++)
		if (d->hyps[i].lossy && d->hyps[i].penalty < DM_FIT_PENALTY)
			break;
	if (i < d->nhyps)
		snprintf(d->summary + n, sizeof d->summary - n, ": the file "
		    "was cut inside layer %ld; repair %zu keeps the whole "
		    "layers 0-%ld and loses the rest ('darkmap fix --pick %zu')",
		    d->hyps[i].layer + 1, i + 1, d->hyps[i].layer, i + 1);
	else if (d->size_diff < 0)
		snprintf(d->summary + n, sizeof d->summary - n, " (a file cut "
		    "inside an array cannot be repaired: the data is gone)");
}

int
dm_diagnose(struct dm_net *net, struct dm_weights *w,
    const struct dm_ovr *base, int stats_only, struct dm_diag *d,
    struct dm_error *err)
{
	struct dm_verdict v;
	char junk[300];
	double *pa = NULL, *pd = NULL, *ph = NULL;
	uint64_t eff;
	size_t i, li;
	int64_t diff, hshift;
	int k, rc = -1;

	memset(d, 0, sizeof *d);
	d->first_bad = d->first_suspect = -1;
	d->st = calloc(net->narrays + 1, sizeof *d->st);
	d->ck = calloc(net->narrays + 1, sizeof *d->ck);
	d->layer_level = calloc(net->nlayers + 1, sizeof *d->layer_level);
	if (d->st == NULL || d->ck == NULL || d->layer_level == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dm_stats_net(net, w, 0, d->st, d->ck, err) == -1)
		goto out;
	for (i = 0; i < net->narrays; i++) {
		li = net->arrays[i].layer;
		if (d->ck[i].level > d->layer_level[li])
			d->layer_level[li] = d->ck[i].level;
	}
	for (li = 0; li < net->nlayers; li++) {
		if (d->layer_level[li] == DM_LEVEL_BAD && d->first_bad < 0)
			d->first_bad = (long)li;
		if (d->layer_level[li] != DM_LEVEL_OK && d->first_suspect < 0)
			d->first_suspect = (long)li;
	}
	eff = w->size < net->data_end ? w->size : net->data_end;
	diff = (int64_t)eff - (int64_t)net->total_bytes;
	d->size_diff = diff;
	if ((pa = layer_penalties(net, d->ck)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < 2; k++) {
		d->headers[k].size = k ? DM_HEADER_LONG : DM_HEADER_SHORT;
		hshift = (int64_t)d->headers[k].size - (int64_t)net->header_size;
		d->headers[k].fits = diff == hshift;
		if (hshift == 0) {
			d->headers[k].penalty = sum_range(pa, 0, net->nlayers);
			d->headers[k].scored = 1;
		}
	}
	if (stats_only || !w->is_weights) {
		rc = 0;
		goto out;
	}
	if (diff == 0 && d->first_bad < 0) {
		/* Only an axis order can be wrong in data that reads well. */
		if (transpose_hypotheses(net, w, base, pa, d, err) == -1)
			goto out;
		goto rank;
	}
	/* The other header size, read for real. */
	hshift = (int64_t)dm_header_other(net->header_size) -
	    (int64_t)net->header_size;
	if (shifted(net, w, hshift, &ph, err) == -1)
		goto out;
	k = net->header_size == DM_HEADER_LONG ? 0 : 1;
	d->headers[k].penalty = sum_range(ph, 0, net->nlayers);
	d->headers[k].scored = 1;
	if (d->headers[k].fits) {
		struct dm_hyp *h = add_hyp(d, DM_H_HEADER, base, err);

		if (h == NULL)
			goto out;
		h->value = d->headers[k].size;
		h->penalty = d->headers[k].penalty;
		h->ovr->header = (int)h->value;
		snprintf(h->text, sizeof h->text, "the header is %u bytes, not "
		    "%u: its version %d.%d says %s, but `seen' was written "
		    "with %u bytes", d->headers[k].size,
		    (unsigned)net->header_size, w->hdr.major, w->hdr.minor,
		    net->header_size == DM_HEADER_LONG ? "0.2 or later" :
		    "before 0.2", d->headers[k].size == DM_HEADER_SHORT ? 4 :
		    8);
	}
	if (diff != 0) {
		if (diff == hshift)
			pd = ph, ph = NULL;
		else if (shifted(net, w, diff, &pd, err) == -1)
			goto out;
		if (shift_hypotheses(net, w, base, pa, pd, diff, d, err) == -1)
			goto out;
		dm_verdict_compute(net, w, &v);
		if (v.kind == DM_V_PARTIAL && v.layers_present > 0) {
			struct dm_hyp *h = add_hyp(d, DM_H_CUTOFF, base, err);
			struct dm_layer_ovr *lo;

			if (h == NULL)
				goto out;
			h->layer = v.layers_present - 1;
			h->penalty = sum_range(pa, 0, (size_t)v.layers_present);
			if (h->layer >= 0) {
				if ((lo = dm_ovr_layer(h->ovr, (size_t)h->layer,
				    err)) == NULL)
					goto out;
				lo->cutoff = 1;
			}
			snprintf(h->text, sizeof h->text, "the file was cut "
			    "cleanly after layer %ld (a partial file for "
			    "transfer learning): export layers 0-%ld",
			    h->layer, h->layer);
		}
		if (try_classes(net, w, base, eff, d, err) == -1)
			goto out;
		if (salvage_hypothesis(net, &v, base, pa, eff, d, err) == -1)
			goto out;
	} else if (order_hypotheses(net, w, base, pa, d, err) == -1 ||
	    transpose_hypotheses(net, w, base, pa, d, err) == -1)
		goto out;
rank:
	for (i = 0; i < d->nhyps; i++) {
		penalise_absurd(net, &d->hyps[i]);
		d->hyps[i].cost = d->hyps[i].penalty +
		    kind_cost[d->hyps[i].kind];
	}
	if (d->nhyps > 1)
		qsort(d->hyps, d->nhyps, sizeof *d->hyps, cmp_hyp);
	d->fit = d->nhyps > 0 && choosable(&d->hyps[0]);
	junk[0] = '\0';
	if (diff > 0) {
		if ((k = junk_floats(w, eff, (uint64_t)diff, junk, sizeof junk,
		    err)) == -1)
			goto out;
		for (i = 0; i < d->nhyps; i++)
			if (d->hyps[i].kind == DM_H_DATA_END ||
			    d->hyps[i].kind == DM_H_GAP)
				d->hyps[i].misfit = k && d->hyps[i].kind ==
				    DM_H_GAP;
	}
	if (find_ties(net, d, junk, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == 0)
		summarise(net, w, d);
	free(pa);
	free(pd);
	free(ph);
	if (rc == -1)
		dm_diag_release(d);
	return rc;
}
