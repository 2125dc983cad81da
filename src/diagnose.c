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
#include "verdict.h"

#include <inttypes.h>
#include <limits.h>
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
	}
	return "?";
}

void
dm_diag_release(struct dm_diag *d)
{
	size_t i;

	for (i = 0; i < d->nhyps; i++)
		dm_ovr_free(d->hyps[i].ovr);
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

static int
cmp_hyp(const void *a, const void *b)
{
	const struct dm_hyp *x = a, *y = b;

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
		const struct dm_layer *l = &net->layers[li];

		if (head_filters(net, li, classes, &f) == -1 || li == 0 ||
		    net->layers[li - 1].type != DM_L_CONV)
			continue;
		snprintf(buf, sizeof buf, "%d", classes);
		if (dm_section_set(&cfg->sects[li + 1], "classes", buf,
		    err) == -1)
			goto fail;
		snprintf(buf, sizeof buf, "%d", f);
		if (dm_section_set(&cfg->sects[li], "filters", buf, err) == -1)
			goto fail;
		(void)l;
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
		char note[128];

		snprintf(note, sizeof note, "weights trained with classes=%"
		    PRId64 "; set classes=%" PRId64 " in the cfg", k, k);
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

int
dm_diagnose(struct dm_net *net, struct dm_weights *w,
    const struct dm_ovr *base, int stats_only, struct dm_diag *d,
    struct dm_error *err)
{
	struct dm_verdict v;
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
		d->headers[k].size = k ? 20 : 16;
		hshift = (int64_t)d->headers[k].size - (int64_t)net->header_size;
		d->headers[k].fits = diff == hshift;
		if (hshift == 0) {
			d->headers[k].penalty = sum_range(pa, 0, net->nlayers);
			d->headers[k].scored = 1;
		}
	}
	if (stats_only || (diff == 0 && d->first_bad < 0) || !w->is_weights) {
		rc = 0;
		goto out;
	}
	/* The other header size, read for real. */
	hshift = net->header_size == 20 ? -4 : 4;
	if (shifted(net, w, hshift, &ph, err) == -1)
		goto out;
	k = net->header_size == 20 ? 0 : 1;
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
		    net->header_size == 20 ? "0.2 or later" : "before 0.2",
		    d->headers[k].size == 16 ? 4 : 8);
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
	}
	for (i = 0; i < d->nhyps; i++)
		d->hyps[i].cost = d->hyps[i].penalty +
		    kind_cost[d->hyps[i].kind];
	if (d->nhyps > 1)
		qsort(d->hyps, d->nhyps, sizeof *d->hyps, cmp_hyp);
	d->fit = d->nhyps > 0 && d->hyps[0].penalty < 100;
	rc = 0;
out:
	if (rc == 0) {
		if (d->fit)
			snprintf(d->summary, sizeof d->summary, "likely cause: "
			    "%s", d->hyps[0].text);
		else if (diff != 0 || d->first_bad >= 0)
			snprintf(d->summary, sizeof d->summary, "no single "
			    "change explains %s%s", diff != 0 ?
			    "the size difference" : "the implausible data",
			    diff < 0 ? " (a file cut inside an array cannot be "
			    "repaired: the data is gone)" : "");
	}
	free(pa);
	free(pd);
	free(ph);
	if (rc == -1)
		dm_diag_release(d);
	return rc;
}
