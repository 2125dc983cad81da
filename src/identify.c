/*
 * identify.c - which layout explains a weights file.
 *
 * Sizes first, data second.  For every layout of the catalogue the size
 * of the file is compared with the size the ledger gives: equal, or equal
 * to the end of one layer (a backbone such as darknet53.conv.74), or
 * equal after the changes people make when they train their own.  Those
 * are solved for, not searched: the file holds a fixed part plus, for
 * each detection head, beta floats per filter of the layer before it
 * (c*k*k weights, a bias and three batch-norm values for a convolution),
 * and that layer has anchors * (classes + K) filters (K = 5 for [yolo],
 * 9 for [Gaussian_yolo], coords + 1 for [region]).  So the size is affine
 * in the class count, and for a given number of anchors per head the
 * class count is one division.  A classifier's class count is the filters
 * (or outputs) of its last [convolutional] (or [connected]) before
 * [softmax], [cost] or [avgpool].  Each solution is checked by rebuilding
 * the changed cfg with the ordinary parser.
 *
 * Only then is the file read, once, as blocks of statistics; each
 * layout that fits is judged array by array from them with the checks
 * of stats.c, reading only the few floats at the ends of its arrays that
 * do not fill a block.
 */
#include "config.h"

#include "identify.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "sketch.h"
#include "stats.h"

#define BLOCK_MIN	1024u		/* floats */
#define BLOCKS_MAX	32768u		/* statistics kept, whatever the size */
#define HEADS_MAX	16
#define ANCHORS_MAX	12		/* anchors per head tried */
#define CLASSES_MAX	100000

const char *
dm_fit_name(enum dm_fit fit)
{
	switch (fit) {
	case DM_FIT_EXACT:	return "exact";
	case DM_FIT_PARTIAL:	return "partial";
	default:		return "none";
	}
}

/* A detection head, or a classifier's output layer, and its cost. */
struct head {
	long		 layer;		/* the head; the output layer */
	long		 conv;		/* the layer with the filters */
	enum dm_ltype	 type;
	int		 a, k;		/* filters = a * (classes + k) */
	int		 f0;		/* the cfg's filters */
	int		 num;		/* [yolo], [region]: num= */
	uint64_t	 beta;		/* floats per filter */
};

struct heads {
	struct head	 h[HEADS_MAX];
	int		 n;
	int		 classes0;
	int		 classifier;
	int		 uniform_a;	/* every head's a, or 0 */
};

static int
sect_int(struct dm_section *s, const char *key, int def)
{
	const char *v = dm_section_str(s, key);

	return v != NULL ? dm_atoi_clamp(v) : def;
}

/* The floats per filter of the layer with the filters, or 0. */
static uint64_t
per_filter(const struct dm_net *net, long li, int f)
{
	const struct dm_layer *l = &net->layers[li];
	uint64_t sum = 0;
	size_t i;

	if (f <= 0)
		return 0;
	for (i = 0; i < l->narrays; i++)
		sum += net->arrays[l->first_array + i].load_count;
	return sum % (uint64_t)f == 0 ? sum / (uint64_t)f : 0;
}

static int
filters_of(const struct dm_layer *l)
{
	if (l->type == DM_L_CONV)
		return l->filters;
	if (l->type == DM_L_CONNECTED)
		return l->outputs;
	return -1;
}

/* Finds the heads whose size depends on the class count; 0 if none. */
static int
find_heads(const struct dm_net *net, struct heads *hs)
{
	const struct dm_layer *l, *p;
	struct head *h;
	long i, j, out = -1;
	int coords, side, num;

	memset(hs, 0, sizeof *hs);
	hs->classes0 = -1;
	for (i = 0; i < (long)net->nlayers; i++) {
		l = &net->layers[i];
		if (l->type != DM_L_YOLO && l->type != DM_L_GAUSSIAN_YOLO &&
		    l->type != DM_L_REGION && l->type != DM_L_DETECTION)
			continue;
		if (hs->n == HEADS_MAX || i == 0)
			return 0;
		p = &net->layers[i - 1];
		h = &hs->h[hs->n];
		h->layer = i;
		h->conv = i - 1;
		h->type = l->type;
		h->f0 = filters_of(p);
		num = sect_int(l->sect, "num", 1);
		h->num = num;
		switch (l->type) {
		case DM_L_YOLO:
		case DM_L_GAUSSIAN_YOLO:
			h->k = l->type == DM_L_YOLO ? 5 : 9;
			if (p->type != DM_L_CONV || l->classes + h->k <= 0)
				return 0;
			h->a = p->filters / (l->classes + h->k);
			break;
		case DM_L_REGION:
			coords = sect_int(l->sect, "coords", 4);
			h->k = coords + 1;
			h->a = num;
			if (p->type != DM_L_CONV)
				return 0;
			break;
		default:
			coords = sect_int(l->sect, "coords", 1);
			side = sect_int(l->sect, "side", 7);
			if (p->type != DM_L_CONNECTED || side <= 0 ||
			    side > 1000)
				return 0;
			h->a = side * side;
			h->k = (1 + coords) * num;
			break;
		}
		if (h->a <= 0 || (int64_t)h->a * (l->classes + h->k) != h->f0)
			return 0;
		if (hs->classes0 == -1)
			hs->classes0 = l->classes;
		else if (hs->classes0 != l->classes)
			return 0;
		if ((h->beta = per_filter(net, h->conv, h->f0)) == 0)
			return 0;
		hs->n++;
	}
	if (hs->n == 0) {
		/* A classifier: its output layer. */
		for (i = (long)net->nlayers - 1; i >= 0 && out < 0; i--)
			if (net->layers[i].type == DM_L_SOFTMAX)
				out = i;
		for (i = (long)net->nlayers - 1; i >= 0 && out < 0; i--)
			if (net->layers[i].type == DM_L_COST)
				out = i;
		for (i = (long)net->nlayers - 1; i >= 0 && out < 0; i--)
			if (net->layers[i].type == DM_L_AVGPOOL)
				out = i;
		for (j = out - 1; j >= 0; j--)
			if (filters_of(&net->layers[j]) > 0)
				break;
		if (out < 0 || j < 0)
			return 0;
		h = &hs->h[0];
		h->layer = h->conv = j;
		h->type = net->layers[j].type;
		h->f0 = filters_of(&net->layers[j]);
		h->a = 1;
		h->k = 0;
		if ((h->beta = per_filter(net, j, h->f0)) == 0)
			return 0;
		hs->classes0 = h->f0;
		hs->classifier = 1;
		hs->n = 1;
	}
	hs->uniform_a = hs->h[0].a;
	for (i = 1; i < hs->n; i++)
		if (hs->h[i].a != hs->uniform_a)
			hs->uniform_a = 0;
	return hs->n;
}

static void
change(struct dm_cand *c, const struct dm_net *net, long layer,
    const char *key, const char *to)
{
	struct dm_section *s = net->layers[layer].sect;
	struct dm_change *ch;
	const char *from;

	if (c->nchanges == DM_CHANGES_MAX)
		return;
	ch = &c->changes[c->nchanges++];
	memset(ch, 0, sizeof *ch);
	ch->layer = layer;
	ch->section_line = s->line;
	ch->line = dm_section_line(s, key);
	snprintf(ch->key, sizeof ch->key, "%s", key);
	from = dm_section_str(s, key);
	snprintf(ch->from, sizeof ch->from, "%s", from != NULL ? from : "");
	snprintf(ch->to, sizeof ch->to, "%s", to);
}

/* The anchors of a head's section, cycled to n pairs, as text. */
static void
anchors_text(struct dm_section *s, int n, char *buf, size_t len)
{
	const char *v = dm_section_str(s, "anchors"), *p;
	double vals[512];
	int nv = 0, i;
	size_t o = 0;
	char *end;

	for (p = v; p != NULL && *p != '\0' && nv < 512; ) {
		vals[nv] = strtod(p, &end);
		if (end == p)
			break;
		nv++;
		p = end;
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
	}
	buf[0] = '\0';
	for (i = 0; i < 2 * n && o + 24 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%g",
		    i == 0 ? "" : i % 2 ? "," : ", ",
		    nv >= 2 ? vals[nv >= 2 * n ? i : i % (nv & ~1)] : 10.0);
}

/* The changes for classes and, if a != 0, a anchors per head. */
static void
solution_changes(struct dm_cand *c, const struct dm_net *net,
    const struct heads *hs, int classes, int a)
{
	const struct head *h;
	char v[DM_CHANGE_VALUE_MAX];
	size_t o;
	int i, j, ha;

	for (i = 0; i < hs->n; i++) {
		h = &hs->h[i];
		ha = a != 0 ? a : h->a;
		if (!hs->classifier && classes != hs->classes0) {
			snprintf(v, sizeof v, "%d", classes);
			change(c, net, h->layer, "classes", v);
		}
		if (a != 0 && h->type != DM_L_REGION) {
			for (j = 0, o = 0; j < a && o + 12 < sizeof v; j++)
				o += (size_t)snprintf(v + o, sizeof v - o,
				    "%s%d", j ? "," : "", i * a + j);
			change(c, net, h->layer, "mask", v);
			snprintf(v, sizeof v, "%d", a * hs->n);
			change(c, net, h->layer, "num", v);
			anchors_text(net->layers[h->layer].sect, a * hs->n, v,
			    sizeof v);
			change(c, net, h->layer, "anchors", v);
		} else if (a != 0) {
			snprintf(v, sizeof v, "%d", a);
			change(c, net, h->layer, "num", v);
			anchors_text(net->layers[h->layer].sect, a, v,
			    sizeof v);
			change(c, net, h->layer, "anchors", v);
		}
		snprintf(v, sizeof v, "%lld", (long long)ha *
		    (classes + h->k));
		change(c, net, h->conv, net->layers[h->conv].type ==
		    DM_L_CONNECTED ? "output" : "filters", v);
	}
}

/* Rebuilds the entry's cfg with the candidate's changes. */
static struct dm_net *
rebuild(const struct dm_cand *c, struct dm_error *err)
{
	struct dm_cfg *cfg;
	struct dm_net *net;
	const struct dm_change *ch;
	size_t i, j;

	if ((cfg = dm_cfg_load(c->entry->net->cfg->path, c->dialect,
	    err)) == NULL)
		return NULL;
	for (i = 0; i < c->nchanges; i++) {
		ch = &c->changes[i];
		for (j = 0; j < cfg->nsects; j++)
			if (cfg->sects[j].line == ch->section_line)
				break;
		if (j == cfg->nsects) {
			dm_error_set(err, DM_ERR_INVALID, "%s: changed while "
			    "read", cfg->path);
			dm_cfg_free(cfg);
			return NULL;
		}
		if (dm_section_set(&cfg->sects[j], ch->key, ch->to,
		    err) == -1) {
			dm_cfg_free(cfg);
			return NULL;
		}
	}
	if ((net = dm_net_build(cfg, err)) == NULL)
		return NULL;
	if (dm_net_layout(net, 0, DM_LAYOUT_LOAD, err) == -1) {
		dm_net_free(net);
		return NULL;
	}
	return net;
}

struct work {
	struct dm_ident	*id;
	size_t		 capcands, capclosest;
	struct dm_weights *w;
	struct dm_stats	*blocks;	/* NULL until a layout fits */
	size_t		 nblocks;
};

static struct dm_cand *
new_cand(struct work *wk, int closest, struct dm_error *err)
{
	struct dm_cand **v = closest ? &wk->id->closest : &wk->id->cands;
	size_t *n = closest ? &wk->id->nclosest : &wk->id->ncands;
	size_t *cap = closest ? &wk->capclosest : &wk->capcands;
	struct dm_cand *nv;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		if ((nv = realloc(*v, *cap * sizeof *nv)) == NULL) {
			dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			return NULL;
		}
		*v = nv;
	}
	nv = &(*v)[(*n)++];
	memset(nv, 0, sizeof *nv);
	nv->first_bad = -1;
	nv->cutoff = -1;
	return nv;
}

/* The floats of the file after layer li, or 0 if it has no arrays. */
static uint64_t
layer_end(const struct dm_net *net, size_t li)
{
	const struct dm_layer *l = &net->layers[li];
	const struct dm_array *a;
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < l->narrays; i++) {
		a = &net->arrays[l->first_array + i];
		if (dm_array_present(a) && a->count > 0 &&
		    (a->offset / 4 + a->count) > end)
			end = a->offset / 4 + a->count;
	}
	return end;
}

/* The cutoff after which the net's first floats are exactly f, or -1. */
static long
cut_after(const struct dm_net *net, uint64_t f)
{
	uint64_t end;
	size_t i, j;

	for (i = 0; i < net->nlayers; i++) {
		end = layer_end(net, i);
		if (end > f)
			return -1;
		if (end != f || end == 0)
			continue;
		for (j = i + 1; j < net->nlayers; j++)
			if (layer_end(net, j) > 0)
				break;
		return (long)j;
	}
	return -1;
}

/*
 * The anchors per head, other than the cfg's, and class counts that give
 * the same filters: the bytes cannot tell them apart, so the candidate
 * keeps the cfg's anchors and lists these.
 */
static void
alternatives(struct dm_cand *c, const struct heads *hs, int64_t filters)
{
	int64_t a;

	c->nalts = 0;
	if (filters <= 0 || hs->classifier)
		return;
	for (a = 1; a <= ANCHORS_MAX && c->nalts < DM_ALTS_MAX; a++) {
		if (a == hs->uniform_a || filters % a != 0 ||
		    filters / a - hs->h[0].k < 1 ||
		    filters / a - hs->h[0].k > CLASSES_MAX)
			continue;
		c->alts[c->nalts].anchors = (int)a;
		c->alts[c->nalts].classes = (int)(filters / a - hs->h[0].k);
		c->nalts++;
	}
}

/* A new candidate: the catalogue's entry e read by dialect d after a
 * header of hsize bytes. */
static struct dm_cand *
cand_for(struct work *wk, int closest, const struct dm_cat_entry *e,
    enum dm_dialect d, unsigned hsize, struct dm_error *err)
{
	struct dm_cand *c;

	if ((c = new_cand(wk, closest, err)) == NULL)
		return NULL;
	c->entry = e;
	c->net = e->net;
	c->dialect = d;
	c->hsize = hsize;
	c->hsize_rule = wk->id->hsize[d];
	return c;
}

/* Tries one layout in one dialect. */
static int
try_layout(struct work *wk, const struct dm_cat_entry *e,
    enum dm_dialect d, unsigned hsize, int alt, struct dm_error *err)
{
	struct dm_ident *id = wk->id;
	const struct dm_net *net = e->net;
	struct heads hs;
	struct dm_cand *c, tmp;
	struct dm_net *nn;
	struct dm_error e2;
	uint64_t f, t = net->total_floats;
	int64_t diff, target, sb = 0, sk = 0, x, a;
	size_t nbefore = id->ncands, i;
	long cut;
	int64_t dc, s = 0, same_filters = 0;
	int classes;

	if (!alt)
		id->nlayouts++;
	if (id->size < hsize)
		return 0;
	f = (id->size - hsize) / 4;
	diff = (int64_t)f - (int64_t)t;
	if ((id->size - hsize) % 4 == 0) {
		if (diff == 0 || (diff < 0 && (cut = cut_after(net, f)) >= 0)) {
			if ((c = cand_for(wk, 0, e, d, hsize, err)) == NULL)
				return -1;
			c->fit = diff == 0 ? DM_FIT_EXACT : DM_FIT_PARTIAL;
			c->cutoff = diff == 0 ? -1 : cut;
		}
		if (diff != 0 && find_heads(net, &hs) > 0) {
			for (i = 0; i < (size_t)hs.n; i++) {
				s += (int64_t)hs.h[i].beta * hs.h[i].a;
				sb += (int64_t)hs.h[i].beta;
				sk += (int64_t)hs.h[i].beta * hs.h[i].k;
			}
			memset(&tmp, 0, sizeof tmp);
			/* The class count alone. */
			for (a = 0; a <= (hs.classifier ? 0 : ANCHORS_MAX);
			    a++) {
				if (a == 0) {
					if (diff % s != 0)
						continue;
					dc = diff / s;
					classes = (int)(hs.classes0 + dc);
					if (hs.classes0 + dc < 1 ||
					    hs.classes0 + dc > CLASSES_MAX)
						continue;
					if (hs.uniform_a > 0)
						same_filters = (int64_t)
						    hs.uniform_a *
						    (classes + hs.h[0].k);
					alternatives(&tmp, &hs, same_filters);
				} else {
					tmp.nalts = 0;
					/* Not when the classes alone give
					   these filters: the same ledger. */
					if (a == hs.uniform_a ||
					    (same_filters > 0 &&
					    same_filters % a == 0 &&
					    same_filters / a - hs.h[0].k >= 1))
						continue;
					/* a (sb classes + sk) = heads now + diff */
					target = 0;
					for (i = 0; i < (size_t)hs.n; i++)
						target += (int64_t)hs.h[i].beta *
						    hs.h[i].f0;
					target += diff;
					if (target <= 0 || target % a != 0)
						continue;
					x = target / a - sk;
					if (x <= 0 || x % sb != 0 ||
					    x / sb > CLASSES_MAX)
						continue;
					classes = (int)(x / sb);
				}
				tmp.entry = e;
				tmp.dialect = d;
				tmp.nchanges = 0;
				solution_changes(&tmp, net, &hs, classes,
				    (int)a);
				dm_error_clear(&e2);
				if ((nn = rebuild(&tmp, &e2)) == NULL) {
					if (e2.code == DM_ERR_NOMEM)
						return dm_error_set(err,
						    DM_ERR_NOMEM,
						    "out of memory");
					continue;
				}
				if (nn->total_floats != f) {
					dm_net_free(nn);
					continue;
				}
				if ((c = new_cand(wk, 0, err)) == NULL) {
					dm_net_free(nn);
					return -1;
				}
				*c = tmp;
				c->net = nn;
				c->own_net = 1;
				c->hsize = hsize;
				c->hsize_rule = id->hsize[d];
				c->fit = DM_FIT_EXACT;
				c->cutoff = -1;
				c->first_bad = -1;
				c->classes = classes;
				c->classes0 = hs.classes0;
				c->anchors0 = hs.classifier ? 0 :
				    hs.uniform_a;
				c->anchors = a != 0 ? (int)a : c->anchors0;
			}
		}
	}
	for (i = nbefore; i < id->ncands; i++) {
		c = &id->cands[i];
		if (c->classes == 0 && !c->own_net) {
			c->classes = find_heads(net, &hs) > 0 ? hs.classes0 :
			    -1;
			c->classes0 = c->classes;
			c->anchors = c->anchors0 = hs.n > 0 &&
			    !hs.classifier ? hs.uniform_a : 0;
		}
	}
	if (id->ncands > nbefore || alt)
		return 0;
	if ((c = cand_for(wk, 1, e, d, hsize, err)) == NULL)
		return -1;
	c->diff = diff;
	c->classes = c->classes0 = find_heads(net, &hs) > 0 ? hs.classes0 : -1;
	if ((id->size - hsize) % 4 != 0)
		snprintf(c->note, sizeof c->note, "the %" PRIu64 " bytes after "
		    "the %u-byte header are not a whole number of floats",
		    id->size - hsize, hsize);
	else if (diff > 0)
		snprintf(c->note, sizeof c->note, "the file holds %" PRId64
		    " floats (%" PRId64 " bytes) more than the %" PRIu64
		    " the cfg reads", diff, diff * 4, t);
	else
		snprintf(c->note, sizeof c->note, "the file holds %" PRId64
		    " floats (%" PRId64 " bytes) fewer than the %" PRIu64
		    " the cfg reads, and does not end after a layer", -diff,
		    -diff * 4, t);
	return 0;
}

/*
 * Tries a layout with the header the dialect's rule gives, and with 16
 * bytes too when that is 20 and seen's upper half is not zero: a 4-byte
 * seen written by a 32-bit build under a version that says 8.
 */
static int
try_headers(struct work *wk, const struct dm_cat_entry *e,
    enum dm_dialect d, struct dm_error *err)
{
	unsigned h = wk->id->hsize[d];

	if (try_layout(wk, e, d, h, 0, err) == -1)
		return -1;
	if (h == 20 && wk->id->seen_high)
		return try_layout(wk, e, d, 16, 1, err);
	return 0;
}

/* Statistics of blocks of id->block floats over the whole file. */
static int
read_blocks(struct work *wk, struct dm_error *err)
{
	uint64_t *off = NULL, *cnt = NULL;
	size_t i, n;
	int rc;

	n = (size_t)(wk->id->size / 4 / wk->id->block);
	wk->nblocks = n;
	if ((wk->blocks = calloc(n ? n : 1, sizeof *wk->blocks)) == NULL ||
	    (off = calloc(n ? n : 1, sizeof *off)) == NULL ||
	    (cnt = calloc(n ? n : 1, sizeof *cnt)) == NULL) {
		free(off);
		free(cnt);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		off[i] = (uint64_t)i * wk->id->block * 4;
		cnt[i] = wk->id->block;
	}
	rc = dm_stats_ranges(wk->w, off, cnt, wk->blocks, n, err);
	free(off);
	free(cnt);
	return rc;
}

/* Whether an array is in a file of limit floats after the header. */
static int
in_file(const struct dm_array *a, uint64_t limit)
{
	return dm_array_present(a) && a->count > 0 &&
	    a->offset / 4 + a->count <= limit;
}

/*
 * Splits an array of a candidate into the whole blocks [*b0, *b1) it
 * covers and the pieces at its ends to read directly (off and cnt, at
 * most 2; the whole array when it fills no block).  Returns the number
 * of pieces.
 */
static size_t
pieces(const struct work *wk, const struct dm_cand *c,
    const struct dm_array *a, uint64_t *off, uint64_t *cnt, uint64_t *b0,
    uint64_t *b1)
{
	uint64_t B = wk->id->block, s = (c->hsize + a->offset) / 4;
	uint64_t e = s + a->count;
	size_t n = 0;

	*b0 = (s + B - 1) / B;
	*b1 = e / B;
	if (*b1 <= *b0 || *b1 > wk->nblocks) {
		*b0 = *b1 = 0;
		off[0] = s * 4;
		cnt[0] = a->count;
		return 1;
	}
	if (*b0 * B > s) {
		off[n] = s * 4;
		cnt[n++] = *b0 * B - s;
	}
	if (e > *b1 * B) {
		off[n] = *b1 * B * 4;
		cnt[n++] = e - *b1 * B;
	}
	return n;
}

/*
 * Judges the data of a fitting candidate along its ledger: each array's
 * statistics are its whole blocks' merged with those of its two ends.
 */
static int
judge(struct work *wk, struct dm_cand *c, struct dm_error *err)
{
	const struct dm_net *net = c->net;
	const struct dm_array *a;
	struct dm_stats *st = NULL, *edge = NULL;
	struct dm_check ck;
	uint64_t *off = NULL, *cnt = NULL, b0, b1, o2[2], c2[2];
	uint64_t limit = (wk->id->size - c->hsize) / 4;
	size_t i, j, k, ne = 0, np, li;
	long bad_layer = -1, sus_layer = -1;
	int *lbad = NULL, *lhas = NULL, *lok = NULL, *lzero = NULL;
	char first_note[DM_ARRAY_NAME_MAX + sizeof ck.note + 4] = "";
	char sus_note[DM_ARRAY_NAME_MAX + sizeof ck.note + 4] = "";
	int rc = -1;

	if (wk->blocks == NULL && read_blocks(wk, err) == -1)
		return -1;
	if ((st = calloc(net->narrays + 1, sizeof *st)) == NULL ||
	    (edge = calloc(2 * net->narrays + 1, sizeof *edge)) == NULL ||
	    (off = calloc(2 * net->narrays + 1, sizeof *off)) == NULL ||
	    (cnt = calloc(2 * net->narrays + 1, sizeof *cnt)) == NULL ||
	    (lbad = calloc(net->nlayers + 1, sizeof *lbad)) == NULL ||
	    (lhas = calloc(net->nlayers + 1, sizeof *lhas)) == NULL ||
	    (lok = calloc(net->nlayers + 1, sizeof *lok)) == NULL ||
	    (lzero = calloc(net->nlayers + 1, sizeof *lzero)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The ends of each array that do not fill a block. */
	for (i = 0; i < net->narrays; i++)
		if (in_file(&net->arrays[i], limit))
			ne += pieces(wk, c, &net->arrays[i], off + ne, cnt + ne,
			    &b0, &b1);
	if (dm_stats_ranges(wk->w, off, cnt, edge, ne, err) == -1)
		goto out;
	for (i = 0, k = 0; i < net->narrays; i++) {
		a = &net->arrays[i];
		if (!in_file(a, limit))
			continue;
		np = pieces(wk, c, a, o2, c2, &b0, &b1);
		memset(&st[i], 0, sizeof st[i]);
		st[i].valid = 1;
		for (j = b0; j < b1; j++)
			dm_stats_merge(&st[i], &wk->blocks[j]);
		for (j = 0; j < np; j++)
			dm_stats_merge(&st[i], &edge[k++]);
		dm_stats_judge(net, a, &st[i], &ck);
		li = a->layer;
		lhas[li] = 1;
		if (ck.level == DM_LEVEL_OK)
			lok[li] = 1;
		/* All-zero weights are no trained layer, whatever else. */
		if (a->role == DM_ROLE_WEIGHTS && st[i].n > 0 &&
		    st[i].zeros == st[i].n)
			lzero[li] = 1;
		if (ck.level == DM_LEVEL_BAD && !lbad[li]) {
			lbad[li] = 1;
			if (bad_layer < 0 || (long)li < bad_layer) {
				bad_layer = (long)li;
				snprintf(first_note, sizeof first_note,
				    "%s: %s", a->name, ck.note);
			}
		}
	}
	/*
	 * A layer reads well when none of its arrays reads badly, its
	 * weights are not all zero and at least one array reads as it
	 * should: a layer of suspect arrays alone is no evidence of a fit.
	 */
	c->layers = c->plausible_layers = c->suspect_layers = 0;
	for (li = 0; li < net->nlayers; li++) {
		if (!lhas[li])
			continue;
		c->layers++;
		if (lbad[li])
			continue;
		if (lzero[li] || !lok[li]) {
			c->suspect_layers++;
			if (sus_layer < 0)
				sus_layer = (long)li;
			continue;
		}
		c->plausible_layers++;
	}
	c->first_bad = bad_layer;
	c->plausible = c->layers > 0 &&
	    c->plausible_layers * 10 >= c->layers * 9;
	c->score = c->layers > 0 ? 100.0 * (double)c->plausible_layers /
	    (double)c->layers : 0;
	if (c->nchanges > 0)
		c->score -= 1;
	if (c->anchors != c->anchors0)
		c->score -= 3;
	if (c->hsize != wk->id->hsize[c->dialect])
		c->score -= 2;
	if (bad_layer >= 0)
		snprintf(c->note, sizeof c->note, "the data first reads badly "
		    "at layer %ld [%s] (%s)", bad_layer,
		    dm_ltype_name(net->layers[bad_layer].type), first_note);
	else if (sus_layer >= 0) {
		/* The first array of that layer not reading as it should. */
		for (i = 0; i < net->narrays; i++) {
			a = &net->arrays[i];
			if (a->layer != (size_t)sus_layer || !in_file(a, limit))
				continue;
			dm_stats_judge(net, a, &st[i], &ck);
			if (ck.level != DM_LEVEL_OK) {
				snprintf(sus_note, sizeof sus_note, "%s: %s",
				    a->name, ck.note);
				break;
			}
		}
		snprintf(c->note, sizeof c->note, "the data first reads as "
		    "suspect at layer %ld [%s] (%s)", sus_layer,
		    dm_ltype_name(net->layers[sus_layer].type), sus_note);
	} else if (c->layers == 0)
		snprintf(c->note, sizeof c->note, "no layer has data in the "
		    "file");
	rc = 0;
out:
	free(st);
	free(edge);
	free(off);
	free(cnt);
	free(lbad);
	free(lhas);
	free(lok);
	free(lzero);
	return rc;
}

/* How a and b compare on what the data says of them. */
static int
by_merit(const struct dm_cand *a, const struct dm_cand *b)
{
	if (a->plausible != b->plausible)
		return b->plausible - a->plausible;
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->fit != b->fit)
		return (int)a->fit - (int)b->fit;
	/* The cfg that needs the smaller change is the likelier. */
	return abs(a->classes - a->classes0) - abs(b->classes - b->classes0);
}

static int
by_rank(const void *pa, const void *pb)
{
	const struct dm_cand *a = pa, *b = pb;
	int r;

	if ((r = by_merit(a, b)) != 0)
		return r;
	if (a->entry->given != b->entry->given)
		return b->entry->given - a->entry->given;
	if ((r = strcmp(a->entry->names[0], b->entry->names[0])) != 0)
		return r;
	return (int)a->dialect - (int)b->dialect;
}

static int
by_distance(const void *pa, const void *pb)
{
	const struct dm_cand *a = pa, *b = pb;
	double da = fabs((double)a->diff) /
	    (double)(a->net->total_floats + 1);
	double db = fabs((double)b->diff) /
	    (double)(b->net->total_floats + 1);

	if (da != db)
		return da < db ? -1 : 1;
	return strcmp(a->entry->names[0], b->entry->names[0]);
}

static void
forensics(struct dm_ident *id, const struct dm_weights *w)
{
	const struct dm_header *h = &id->hdr;

	id->writer = DM_DIALECT_AB;
	if (h->transpose)
		snprintf(id->writer_note, sizeof id->writer_note, "major or "
		    "minor above 1000: connected weights stored transposed; "
		    "the forks disagree on the width of seen");
	else if (h->major == 0 && h->minor == 2 && h->revision == 5)
		snprintf(id->writer_note, sizeof id->writer_note,
		    "AlexeyAB's darknet writes 0.2.5");
	else if (h->major == 0 && h->minor == 2 && h->revision == 0) {
		id->writer = DM_DIALECT_PJ;
		snprintf(id->writer_note, sizeof id->writer_note,
		    "pjreddie's darknet writes 0.2.0");
	} else if ((int64_t)h->major * 10 + h->minor < 2)
		snprintf(id->writer_note, sizeof id->writer_note, "a version "
		    "below 0.2: an old darknet, 4-byte seen");
	else
		snprintf(id->writer_note, sizeof id->writer_note, "a version "
		    "neither fork writes");
	id->seen_high = h->size == 20 && (h->seen >> 32) != 0;
	(void)w;
}

int
dm_identify(struct dm_weights *w, const struct dm_catalog *cat,
    unsigned dialects, struct dm_ident *id, struct dm_error *err)
{
	struct work wk;
	const struct dm_cat_entry *e;
	unsigned both, d, pick;
	uint64_t nf;
	size_t i;
	int rc = -1;

	memset(id, 0, sizeof *id);
	memset(&wk, 0, sizeof wk);
	wk.id = id;
	wk.w = w;
	id->size = w->size;
	if (dm_header_decode(w->head, w->headlen, DM_DIALECT_AB,
	    &id->hdr) == -1)
		return dm_error_set(err, DM_ERR_INVALID, "%s: the file has %"
		    PRIu64 " bytes, too few for a weights header", w->path,
		    w->size);
	id->hsize[DM_DIALECT_AB] = dm_header_size_for(id->hdr.major,
	    id->hdr.minor, DM_DIALECT_AB);
	id->hsize[DM_DIALECT_PJ] = dm_header_size_for(id->hdr.major,
	    id->hdr.minor, DM_DIALECT_PJ);
	forensics(id, w);
	if (!(dialects & DM_DIALECT_BIT(DM_DIALECT_AB)) ||
	    (id->writer == DM_DIALECT_PJ && (dialects &
	    DM_DIALECT_BIT(DM_DIALECT_PJ))))
		dm_header_decode(w->head, w->headlen, DM_DIALECT_PJ, &id->hdr);
	nf = w->size / 4;
	id->block = BLOCK_MIN;
	while (nf / id->block > BLOCKS_MAX)
		id->block *= 2;
	for (i = 0; i < cat->n; i++) {
		e = &cat->e[i];
		both = e->dialects & dialects;
		if (both == DM_DIALECTS_ALL &&
		    id->hsize[0] == id->hsize[1]) {
			/* One ledger, one header: the writer's fork. */
			pick = id->writer;
			if (try_headers(&wk, e, (enum dm_dialect)pick, err) == -1)
				goto out;
			continue;
		}
		for (d = DM_DIALECT_AB; d <= DM_DIALECT_PJ; d++)
			if ((both & DM_DIALECT_BIT(d)) &&
			    try_headers(&wk, e, (enum dm_dialect)d, err) == -1)
				goto out;
	}
	for (i = 0; i < id->ncands; i++) {
		id->cands[i].searched = dialects;
		if (judge(&wk, &id->cands[i], err) == -1)
			goto out;
	}
	if (id->ncands > 1)
		qsort(id->cands, id->ncands, sizeof *id->cands, by_rank);
	for (i = 1; i < id->ncands; i++)
		if (by_merit(&id->cands[i - 1], &id->cands[i]) == 0)
			id->cands[i - 1].tied = id->cands[i].tied = 1;
	if (id->nclosest > 1)
		qsort(id->closest, id->nclosest, sizeof *id->closest,
		    by_distance);
	rc = 0;
out:
	free(wk.blocks);
	if (rc == -1)
		dm_ident_release(id);
	return rc;
}

/* The conv layers of a net with arrays, as the sketch reads them. */
static int
conv_matches(const struct dm_layer *l, const struct dm_sk_layer *k)
{
	int g = l->groups > 0 ? l->groups : 1;

	return l->filters == k->filters && l->size == k->size &&
	    l->in_c / g == k->channels &&
	    (l->batch_normalize != 0) == (k->batch_normalize != 0);
}

static int
by_agreement(const void *pa, const void *pb)
{
	const struct dm_cand *a = pa, *b = pb;

	if (a->agree != b->agree)
		return a->agree > b->agree ? -1 : 1;
	return by_distance(pa, pb);
}

void
dm_ident_compare_sketch(struct dm_ident *id, const struct dm_sketch *sk,
    size_t keep)
{
	const struct dm_layer *l;
	struct dm_cand *c;
	char more[256];
	size_t i, j, k;

	for (i = 0; i < id->nclosest; i++) {
		c = &id->closest[i];
		c->agree = 0;
		for (j = 0, k = 0; j < c->net->nlayers; j++) {
			l = &c->net->layers[j];
			if (l->narrays == 0)
				continue;
			if (l->type != DM_L_CONV || k >= sk->n ||
			    !conv_matches(l, &sk->layers[k]))
				break;
			c->agree++;
			k++;
		}
		if (c->agree == 0)
			continue;
		if (j < c->net->nlayers && k < sk->n &&
		    c->net->layers[j].type == DM_L_CONV)
			snprintf(more, sizeof more, "; its first %ld conv layers "
			    "are the data's, then layer %zu has %d filters of "
			    "size %d on %d channels where the data has %d of "
			    "size %d on %d", c->agree, j,
			    c->net->layers[j].filters, c->net->layers[j].size,
			    c->net->layers[j].in_c, sk->layers[k].filters,
			    sk->layers[k].size, sk->layers[k].channels);
		else
			snprintf(more, sizeof more, "; its first %ld layers with "
			    "parameters are the data's", c->agree);
		if (strlen(c->note) + strlen(more) < sizeof c->note)
			strcat(c->note, more);
	}
	if (id->nclosest > 1)
		qsort(id->closest, id->nclosest, sizeof *id->closest,
		    by_agreement);
	if (id->nclosest > keep)
		id->nclosest = keep;
}

void
dm_ident_release(struct dm_ident *id)
{
	size_t i;

	for (i = 0; i < id->ncands; i++)
		if (id->cands[i].own_net)
			dm_net_free(id->cands[i].net);
	free(id->cands);
	free(id->closest);
	id->cands = id->closest = NULL;
	id->ncands = id->nclosest = 0;
}

const char *
dm_cand_cfg(const struct dm_cand *c)
{
	const char *fork = c->dialect == DM_DIALECT_PJ ? "/pjreddie/" :
	    "/AlexeyAB/";
	size_t i;

	if (c->nchanges > 0)
		return c->net->cfg->path;
	for (i = 0; i < c->entry->nnames; i++)
		if (strstr(c->entry->names[i], fork) != NULL)
			return c->entry->names[i];
	return c->net->cfg->path;
}

void
dm_cand_summary(const struct dm_cand *c, char *buf, size_t len)
{
	const struct dm_change *ch;
	size_t i, o = 0;
	const char *fkey = NULL;
	int n = 0, nf = 0;

	buf[0] = '\0';
	if (c->nchanges == 0)
		return;
	for (i = 0; i < c->nchanges; i++)
		nf += strcmp(c->changes[i].key, "filters") == 0 ||
		    strcmp(c->changes[i].key, "output") == 0;
	if (c->classes != c->classes0)
		o += (size_t)snprintf(buf + o, len - o, "classes %d->%d",
		    c->classes0, c->classes);
	if (c->anchors != c->anchors0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%sanchors per head "
		    "%d->%d", o ? ", " : "", c->anchors0, c->anchors);
	for (i = 0; i < c->nchanges && o < len; i++) {
		ch = &c->changes[i];
		if (strcmp(ch->key, "filters") != 0 &&
		    strcmp(ch->key, "output") != 0)
			continue;
		if (fkey == NULL)
			o += (size_t)snprintf(buf + o, len - o, ": %s %s->%s at "
			    "line%s", ch->key, ch->from, ch->to,
			    nf > 1 ? "s" : "");
		fkey = ch->key;
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s %d",
			    n++ ? "," : "", ch->line);
	}
}

/* Reads a whole small text file. */
static char *
slurp(const char *path, size_t *len, struct dm_error *err)
{
	FILE *fp;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if ((fp = fopen(path, "rb")) == NULL) {
		dm_error_set(err, DM_ERR_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			if (cap > (64u << 20) ||
			    (nb = realloc(buf, cap)) == NULL) {
				dm_error_set(err, DM_ERR_NOMEM, "%s: too large "
				    "for a cfg", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		dm_error_set(err, DM_ERR_IO, "%s: read error", path);
		goto fail;
	}
	fclose(fp);
	*len = n;
	return buf;
fail:
	fclose(fp);
	free(buf);
	return NULL;
}

/*
 * Writes the cfg text with the changes: a key's line is replaced by
 * "key=value", a key the section lacks is added after the section's line.
 */
int
dm_cand_write_cfg(const struct dm_cand *c, const char *out,
    const char *const *inputs, struct dm_error *err)
{
	struct dm_atomicfile af;
	const struct dm_change *ch;
	char *text, line[DM_CHANGE_VALUE_MAX + 32];
	size_t len, p = 0, q, i;
	int lineno = 0, done;

	if ((text = slurp(c->net->cfg->path, &len, err)) == NULL)
		return -1;
	if (dm_atomicfile_open(&af, out, inputs, err) == -1) {
		free(text);
		return -1;
	}
	while (p < len) {
		for (q = p; q < len && text[q] != '\n'; q++)
			;
		lineno++;
		done = 0;
		for (i = 0; i < c->nchanges; i++) {
			ch = &c->changes[i];
			if (ch->line != lineno || ch->line == ch->section_line)
				continue;
			snprintf(line, sizeof line, "%s=%s", ch->key, ch->to);
			if (dm_atomicfile_write(&af, line, strlen(line),
			    err) == -1)
				goto fail;
			done = 1;
			break;
		}
		if (!done && dm_atomicfile_write(&af, text + p, q - p,
		    err) == -1)
			goto fail;
		if (dm_atomicfile_write(&af, "\n", 1, err) == -1)
			goto fail;
		for (i = 0; i < c->nchanges; i++) {
			ch = &c->changes[i];
			if (ch->section_line != lineno ||
			    ch->line != ch->section_line)
				continue;
			snprintf(line, sizeof line, "%s=%s\n", ch->key, ch->to);
			if (dm_atomicfile_write(&af, line, strlen(line),
			    err) == -1)
				goto fail;
		}
		p = q + 1;
	}
	free(text);
	return dm_atomicfile_commit(&af, err);
fail:
	free(text);
	dm_atomicfile_abort(&af);
	return -1;
}
