/*
 * layout.c - where each array of a built net lies in the .weights file:
 * the file offsets of the loader's (or the writer's) layout after the
 * header, with the overrides of a profile applied.
 */
#include "config.h"

#include "net.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "override.h"

int
dm_net_layout(struct dm_net *net, uint64_t header_size,
    enum dm_layout_mode mode, struct dm_error *err)
{
	return dm_net_layout_ovr(net, header_size, mode, 0, NULL, err);
}

int
dm_array_present(const struct dm_array *a)
{
	return a->offset != DM_OFFSET_NONE;
}

int
dm_net_shown_classes(const struct dm_net *net)
{
	size_t li;
	int c, classes;

	for (li = 0; li < net->nlayers; li++) {
		const struct dm_layer *l = &net->layers[li];

		if (l->type != DM_L_YOLO && l->type != DM_L_GAUSSIAN_YOLO &&
		    l->type != DM_L_REGION)
			continue;
		dm_layer_shown(net, li, &c, &classes);
		if (classes != l->classes)
			return classes;
	}
	return -1;
}

/*
 * The filters a convolution has as the overrides lay it out: its biases'
 * count when an override recounts them, else -1 (a count that load flags
 * such as numload change is the cfg's business).
 */
static long long
laid_filters(const struct dm_net *net, const struct dm_layer *l)
{
	const struct dm_array *a;
	size_t j;

	for (j = l->first_array; j < l->first_array + l->narrays; j++) {
		a = &net->arrays[j];
		if (a->role != DM_ROLE_BIASES || a->sub[0] != '\0')
			continue;
		if (a->count == (net->mode == DM_LAYOUT_LOAD ? a->load_count :
		    a->save_count))
			return -1;
		return (long long)a->count;
	}
	return -1;
}

void
dm_layer_shown(const struct dm_net *net, size_t li, int *c, int *classes)
{
	const struct dm_layer *l = &net->layers[li], *p;
	const char *v;
	long long f, n, extra;

	*c = l->next_c;
	*classes = l->classes;
	if (l->type == DM_L_CONV) {
		if ((f = laid_filters(net, l)) > 0 && f != l->filters &&
		    f <= INT_MAX && l->next_c == l->filters)
			*c = (int)f;
		return;
	}
	if ((l->type != DM_L_YOLO && l->type != DM_L_GAUSSIAN_YOLO &&
	    l->type != DM_L_REGION) || li == 0 || l->classes < 0)
		return;
	p = &net->layers[li - 1];
	if (p->type != DM_L_CONV || (f = laid_filters(net, p)) <= 0 ||
	    f == p->filters || f > INT_MAX || l->out_c != p->filters)
		return;
	if (l->type == DM_L_REGION) {
		v = dm_section_str(l->sect, "num");
		n = v != NULL ? dm_atoi_clamp(v) : 1;
		if (n <= 0 || l->out_c % n != 0)
			return;
		extra = l->out_c / n - l->classes;
	} else {
		extra = l->type == DM_L_YOLO ? 5 : 9;
		n = l->out_c / (l->classes + extra);
	}
	if (n <= 0 || f % n != 0 || f / n - extra < 1)
		return;
	*c = (int)f;
	*classes = (int)(f / n - extra);
}

/* The PyTorch shape of an array holding count floats. */
static int
layout_shape(struct dm_array *a, const struct dm_array_ovr *ao,
    struct dm_error *err)
{
	uint64_t rest, prod;
	int d;

	memcpy(a->cur_shape, a->shape, sizeof a->shape);
	if (ao != NULL && ao->nreshape > 0) {
		for (prod = 1, d = 0; d < ao->nreshape; d++)
			if (__builtin_mul_overflow(prod, ao->reshape[d], &prod))
				prod = 0;
		if (prod != a->count) {
			dm_error_set(err, DM_ERR_INVALID, "layer %zu "
			    "array %s: reshape to %" PRIu64 " elements, but it "
			    "holds %" PRIu64, a->layer, a->name, prod, a->count);
			return dm_error_at_layer(err, (long)a->layer);
		}
		memset(a->cur_shape, 0, sizeof a->cur_shape);
		memcpy(a->cur_shape, ao->reshape, (size_t)ao->nreshape *
		    sizeof ao->reshape[0]);
		return ao->nreshape;
	}
	if (a->ndim == 0)
		return 0;
	for (rest = 1, d = 1; d < a->ndim; d++)
		if (__builtin_mul_overflow(rest, a->shape[d] ? a->shape[d] :
		    1, &rest))
			rest = 0;
	if (rest != 0 && a->count % rest == 0) {
		a->cur_shape[0] = a->count / rest;
		return a->ndim;
	}
	memset(a->cur_shape, 0, sizeof a->cur_shape);
	a->cur_shape[0] = a->count;
	return 1;
}

/* The visiting order of a layer's arrays: natural, or the override's. */
static int
layer_order(struct dm_net *net, const struct dm_layer *l,
    const struct dm_layer_ovr *lo, size_t *order, struct dm_error *err)
{
	const char *p, *e;
	size_t i, k, n = 0, len;
	int seen[DM_LAYER_ARRAYS_MAX] = { 0 };

	if (lo == NULL || lo->order == NULL ||
	    l->narrays > DM_LAYER_ARRAYS_MAX) {
		for (i = 0; i < l->narrays; i++)
			order[i] = l->first_array + i;
		return 0;
	}
	for (p = lo->order; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		for (k = 0; k < l->narrays; k++) {
			const struct dm_array *a = &net->arrays[l->first_array + k];

			if (strlen(a->name) == len &&
			    strncmp(a->name, p, len) == 0)
				break;
		}
		if (k == l->narrays || seen[k]) {
			dm_error_set(err, DM_ERR_INVALID, "layer %zu: "
			    "order names '%.*s', which is %s", l->index,
			    (int)len, p, k == l->narrays ? "not one of its "
			    "arrays" : "listed twice");
			return dm_error_at_layer(err, (long)l->index);
		}
		seen[k] = 1;
		order[n++] = l->first_array + k;
	}
	for (k = 0; k < l->narrays; k++)	/* the rest keep their place */
		if (!seen[k])
			order[n++] = l->first_array + k;
	return 0;
}

int
dm_net_layout_ovr(struct dm_net *net, uint64_t header_size,
    enum dm_layout_mode mode, int transpose, const struct dm_ovr *ovr,
    struct dm_error *err)
{
	uint64_t off = header_size, end = header_size, floats = 0, bytes,
	    next;
	size_t li, k, order[DM_LAYER_ARRAYS_MAX];
	int cut = 0, d;

	if (mode == DM_LAYOUT_LOAD && net->unloadable != NULL) {
		dm_error_line(err, DM_ERR_INVALID, net->cfg->path,
		    net->unloadable->line, "layer %zu [deconvolutional]: "
		    "pjreddie's Darknet cannot load weights into this layer "
		    "(its loader divides by groups, which the layer never "
		    "sets, and dies of SIGFPE); --layout save shows what its "
		    "save_weights() writes", net->unloadable->index);
		return dm_error_at_layer(err, (long)net->unloadable->index);
	}
	net->ovr = ovr;
	net->transpose = ovr != NULL && ovr->transpose != DM_UNSET ?
	    ovr->transpose : transpose;
	net->data_end = ovr != NULL && ovr->data_end != DM_UNSET ?
	    (uint64_t)ovr->data_end : UINT64_MAX;
	for (li = 0; li < net->nlayers; li++) {
		const struct dm_layer *l = &net->layers[li];
		const struct dm_layer_ovr *lo = ovr ? dm_ovr_find_layer(ovr,
		    li) : NULL;
		int absent = cut || (lo != NULL && lo->absent);

		if (l->narrays > DM_LAYER_ARRAYS_MAX) {
			dm_error_line(err, DM_ERR_RANGE, net->cfg->path,
			    l->line, "layer %zu has too many arrays", li);
			return dm_error_at_layer(err, (long)li);
		}
		/* An error about an override names its profile line. */
		if (layer_order(net, l, lo, order, err) == -1)
			return dm_ovr_locate(ovr, lo->line, err);
		if (lo != NULL && !absent) {
			if (lo->offset != DM_UNSET &&
			    (uint64_t)lo->offset < header_size) {
				dm_error_set(err, DM_ERR_INVALID, "layer %zu: "
				    "offset %" PRId64 " is inside the %" PRIu64
				    "-byte header", li, lo->offset, header_size);
				dm_error_at_layer(err, (long)li);
				return dm_ovr_locate(ovr, lo->line, err);
			}
			if (lo->offset != DM_UNSET)
				off = (uint64_t)lo->offset;
			if (lo->gap < 0 &&
			    (uint64_t)-lo->gap > off - header_size) {
				dm_error_set(err, DM_ERR_INVALID, "layer %zu: a "
				    "gap of %" PRId64 " bytes would start it "
				    "before the data", li, lo->gap);
				dm_error_at_layer(err, (long)li);
				return dm_ovr_locate(ovr, lo->line, err);
			}
			off += (uint64_t)lo->gap;
		}
		for (k = 0; k < l->narrays; k++) {
			struct dm_array *a = &net->arrays[order[k]];
			const struct dm_array_ovr *ao = ovr ?
			    dm_ovr_find_array(ovr, li, a->name) : NULL;

			a->count = mode == DM_LAYOUT_LOAD ? a->load_count :
			    a->save_count;
			if (ao != NULL && ao->count != DM_UNSET)
				a->count = (uint64_t)ao->count;
			a->omit = lo != NULL && lo->omit;
			a->rename = ao != NULL ? ao->rename : NULL;
			a->nperm = 0;
			if ((d = layout_shape(a, ao, err)) == -1)
				return dm_ovr_locate(ovr, ao->line, err);
			if (ao != NULL && ao->nperm > 0) {
				a->nperm = ao->nperm;
				memcpy(a->perm, ao->perm, sizeof a->perm);
			} else if (ao != NULL && ao->transpose == 1 && d >= 2) {
				a->nperm = 2;	/* [rest][first] */
				a->perm[0] = 1;
				a->perm[1] = 0;
			}
			if (a->count == 0 || absent) {
				a->offset = DM_OFFSET_NONE;
				continue;
			}
			if (__builtin_mul_overflow(a->count, (uint64_t)4,
			    &bytes) || __builtin_add_overflow(off, bytes, &next)) {
				dm_error_line(err, DM_ERR_RANGE,
				    net->cfg->path, l->line, "layer %zu %s: "
				    "its file offset overflows", a->layer,
				    a->name);
				return dm_error_at_array(err, (long)a->layer,
				    (long)(a - net->arrays));
			}
			a->offset = off;
			off = next;
			end = next;
			floats += a->count;
		}
		if (lo != NULL && lo->cutoff)
			cut = 1;
	}
	net->mode = mode;
	net->header_size = header_size;
	net->total_floats = floats;
	/* A gap after the last array is not data the file must hold. */
	net->total_bytes = end;
	return 0;
}

int
dm_net_asymmetric(const struct dm_net *net)
{
	size_t i;

	for (i = 0; i < net->narrays; i++)
		if (net->arrays[i].load_count != net->arrays[i].save_count)
			return 1;
	return 0;
}
