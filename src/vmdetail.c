/*
 * vmdetail.c - what the details pane shows beyond the net's shapes: the
 * cfg keys of a layer by its type, and the histogram and per-channel norms
 * of the selected array, read from the file on demand and kept until the
 * selection or the overrides change.
 */
#include "config.h"

#include "vmpriv.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIST_BINS	32
#define HIST_SAMPLE	(1u << 18)	/* floats read for a histogram */
#define HIST_CHUNK	4096u
#define NORM_BINS	32
#define NORM_MAX	(16u << 20)	/* floats read for the norms, at most */
#define NORM_CHUNK	(1u << 16)

/* What a layer's details show of its keys, by type. */
enum {
	P_FILTERS = 1 << 0, P_SIZE = 1 << 1, P_STRIDE = 1 << 2,
	P_PAD = 1 << 3, P_GROUPS = 1 << 4, P_BN = 1 << 5, P_ACT = 1 << 6,
	P_INPUTS = 1 << 7, P_OUTPUTS = 1 << 8, P_REFS = 1 << 9,
	P_CLASSES = 1 << 10, P_MASK = 1 << 11, P_NUM = 1 << 12,
	P_PROB = 1 << 13, P_LINEAR = 1 << 14	/* activation: linear */
};

static const unsigned layer_params[DM_L_NTYPES] = {
	[DM_L_CONV] = P_FILTERS | P_SIZE | P_STRIDE | P_PAD | P_GROUPS |
	    P_BN | P_ACT,
	[DM_L_DECONV] = P_FILTERS | P_SIZE | P_STRIDE | P_PAD | P_BN | P_ACT,
	[DM_L_CONNECTED] = P_INPUTS | P_OUTPUTS | P_BN | P_ACT,
	[DM_L_LOCAL] = P_FILTERS | P_SIZE | P_STRIDE | P_PAD | P_ACT,
	[DM_L_RNN] = P_INPUTS | P_OUTPUTS | P_BN | P_ACT,
	[DM_L_GRU] = P_INPUTS | P_OUTPUTS | P_BN,
	[DM_L_LSTM] = P_INPUTS | P_OUTPUTS | P_BN,
	[DM_L_CRNN] = P_SIZE | P_STRIDE | P_BN | P_ACT,
	[DM_L_CONV_LSTM] = P_SIZE | P_STRIDE | P_BN | P_ACT | P_LINEAR,
	[DM_L_MAXPOOL] = P_SIZE | P_STRIDE,
	[DM_L_LOCAL_AVGPOOL] = P_SIZE | P_STRIDE,
	[DM_L_ROUTE] = P_REFS,
	[DM_L_SHORTCUT] = P_REFS | P_ACT | P_LINEAR,
	[DM_L_SCALE_CHANNELS] = P_REFS | P_ACT | P_LINEAR,
	[DM_L_SAM] = P_REFS | P_ACT | P_LINEAR,
	[DM_L_ACTIVATION] = P_ACT | P_LINEAR,
	[DM_L_UPSAMPLE] = P_STRIDE,
	[DM_L_REORG] = P_STRIDE,
	[DM_L_REORG3D] = P_STRIDE,
	[DM_L_YOLO] = P_CLASSES | P_MASK | P_NUM,
	[DM_L_GAUSSIAN_YOLO] = P_CLASSES | P_MASK | P_NUM,
	[DM_L_REGION] = P_CLASSES | P_NUM,
	[DM_L_DETECTION] = P_CLASSES | P_NUM,
	[DM_L_DROPOUT] = P_PROB,
};

/* Appends "  " (unless first) and a formatted pair to buf at *at. */
static void
param_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
param_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	if (*at > 0)
		*at += (size_t)snprintf(buf + *at, len - *at, "  ");
	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

/* A cfg key's value, printable, or dflt with " (default)" when unset. */
static void
param_str(const struct dm_layer *l, const char *key, const char *dflt,
    char *out, size_t len)
{
	const char *v = l->sect != NULL ? dm_section_str(l->sect, key) : NULL;

	if (v != NULL)
		dm_printable(out, len, v);
	else
		snprintf(out, len, "%s (default)", dflt);
}

size_t
dm_vm_layer_params(const struct dm_vm *vm, size_t li, char *buf, size_t len)
{
	const struct dm_layer *l;
	unsigned p;
	size_t at = 0;
	char v[128];
	int i, oc, classes;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (li >= net_of(vm)->nlayers)
		return 0;
	l = &net_of(vm)->layers[li];
	p = (unsigned)l->type < DM_L_NTYPES ? layer_params[l->type] : 0;
	/* Filters and classes as the file holds them (dm_layer_shown()). */
	dm_layer_shown(net_of(vm), li, &oc, &classes);
	if (p & P_INPUTS)
		param_add(buf, len, &at, "inputs %d", l->inputs);
	if (p & P_OUTPUTS)
		param_add(buf, len, &at, "outputs %d", l->outputs);
	if (p & P_FILTERS)
		param_add(buf, len, &at, "filters %d", l->type == DM_L_CONV ?
		    oc : l->filters);
	if (p & P_SIZE)
		param_add(buf, len, &at, "size %d", l->size);
	if ((p & P_STRIDE) && l->stride_x != l->stride_y && l->stride_y > 0)
		param_add(buf, len, &at, "stride %dx%d", l->stride_x,
		    l->stride_y);
	else if (p & P_STRIDE)
		param_add(buf, len, &at, "stride %d", l->stride_x);
	if (p & P_PAD)
		param_add(buf, len, &at, "padding %d", l->pad);
	if ((p & P_GROUPS) && l->groups > 1)
		param_add(buf, len, &at, "groups %d", l->groups);
	if (p & P_REFS) {
		param_add(buf, len, &at, "%s", l->type == DM_L_ROUTE ?
		    "layers " : "from ");
		for (i = 0; i < l->nrefs && i < 8 && at < len; i++)
			at += (size_t)snprintf(buf + at, len - at, "%s%d",
			    i ? "," : "", l->refs[i]);
		if (l->nrefs > 8 && at < len)
			at += (size_t)snprintf(buf + at, len - at, ",...");
	}
	if (p & P_CLASSES)
		param_add(buf, len, &at, "classes %d", classes);
	if (p & P_MASK) {
		param_str(l, "mask", "all", v, sizeof v);
		param_add(buf, len, &at, "mask %s", v);
	}
	if (p & P_NUM) {
		param_str(l, "num", "1", v, sizeof v);
		param_add(buf, len, &at, "num %s", v);
	}
	if (p & P_PROB) {
		param_str(l, "probability", "0.5", v, sizeof v);
		param_add(buf, len, &at, "probability %s", v);
	}
	if (p & P_BN)
		param_add(buf, len, &at, "batch norm %s", l->batch_normalize ?
		    "yes" : "no");
	if (p & P_ACT) {
		param_str(l, "activation", p & P_LINEAR ? "linear" :
		    "logistic", v, sizeof v);
		param_add(buf, len, &at, "activation %s", v);
	}
	return at < len ? at : len - 1;
}

/* The mean of v[lo..hi) of n values into bin b of nb; the spread of v. */
static void
norm_bins(const double *v, uint64_t n, double *bin, unsigned *nb, double *cv)
{
	uint64_t i, lo, hi;
	double sum = 0, sq = 0, m;
	unsigned b;

	*nb = n < NORM_BINS ? (unsigned)n : NORM_BINS;
	for (b = 0; b < *nb; b++) {
		lo = n * b / *nb;
		hi = n * (b + 1) / *nb;
		for (m = 0, i = lo; i < hi; i++)
			m += v[i];
		bin[b] = hi > lo ? m / (double)(hi - lo) : 0;
	}
	for (i = 0; i < n; i++) {
		sum += v[i];
		sq += v[i] * v[i];
	}
	m = n > 0 ? sum / (double)n : 0;
	*cv = m > 0 && n > 1 ? sqrt(fmax(sq / (double)n - m * m, 0)) / m : 0;
}

const struct dm_norms *
dm_vm_norms(struct dm_vm *vm)
{
	const struct dm_array *a;
	struct dm_norms *nm = &vm->norms;
	uint64_t r, c, pos, k, m;
	double *rs = NULL, *cs = NULL;
	uint8_t *buf = NULL;
	float f;

	if (vm->array < 0 || w_of(vm) == NULL || !w_of(vm)->is_weights)
		return NULL;
	if (vm->norms_array == vm->array &&
	    vm->norms_serial == dm_session_serial(vm->s))
		return vm->norms_ok ? nm : NULL;
	vm->norms_array = vm->array;
	vm->norms_serial = dm_session_serial(vm->s);
	vm->norms_ok = 0;
	a = &net_of(vm)->arrays[vm->array];
	if (!dm_array_present(a) || a->role != DM_ROLE_WEIGHTS ||
	    a->ndim < 2 || a->cur_shape[0] == 0 || a->count > NORM_MAX ||
	    a->count % a->cur_shape[0] != 0 || a->nperm > 2 || a->offset >
	    dm_session_data_end(vm->s) || a->count >
	    (dm_session_data_end(vm->s) - a->offset) / 4)
		return NULL;
	memset(nm, 0, sizeof *nm);
	r = a->cur_shape[0];
	c = a->count / r;
	nm->stored_transposed = a->nperm > 0 || (a->flags & DM_ARRAY_FLIPPED) ||
	    ((a->flags & DM_ARRAY_TRANSPOSABLE) && net_of(vm)->transpose);
	if (nm->stored_transposed) {
		k = r;
		r = c;
		c = k;
	}
	nm->rows = r;
	nm->cols = c;
	if ((rs = calloc(r, sizeof *rs)) == NULL ||
	    (cs = calloc(c, sizeof *cs)) == NULL ||
	    (buf = malloc(NORM_CHUNK * 4)) == NULL)
		goto out;
	for (pos = 0; pos < a->count; pos += m) {
		m = a->count - pos < NORM_CHUNK ? a->count - pos : NORM_CHUNK;
		if (dm_session_read(vm->s, a->offset + pos * 4, buf,
		    (size_t)m * 4) != m * 4)
			goto out;
		for (k = 0; k < m; k++) {
			uint32_t u = dm_le32dec(buf + 4 * k);

			memcpy(&f, &u, sizeof f);
			if (!isfinite(f))
				continue;
			rs[(pos + k) / c] += (double)f * f;
			cs[(pos + k) % c] += (double)f * f;
		}
	}
	for (k = 0; k < r; k++)
		rs[k] = sqrt(rs[k]);
	for (k = 0; k < c; k++)
		cs[k] = sqrt(cs[k]);
	norm_bins(rs, r, nm->row, &nm->nrow, &nm->row_cv);
	norm_bins(cs, c, nm->col, &nm->ncol, &nm->col_cv);
	vm->norms_ok = 1;
out:
	free(rs);
	free(cs);
	free(buf);
	return vm->norms_ok ? nm : NULL;
}

const struct dm_histogram *
dm_vm_histogram(struct dm_vm *vm)
{
	const struct dm_array *a;
	uint64_t count, avail, step, i, n = 0, pos;
	uint8_t *buf;
	float *vals;
	size_t chunk, k;
	double lo = 0, hi = 0, x;
	int first = 1;
	unsigned b;

	if (vm->array < 0 || w_of(vm) == NULL || !w_of(vm)->is_weights)
		return NULL;
	if (vm->hist_array == vm->array && vm->hist_serial == dm_session_serial(vm->s))
		return vm->hist.sampled > 0 ? &vm->hist : NULL;
	vm->hist_array = vm->array;
	vm->hist_serial = dm_session_serial(vm->s);
	vm->hist.sampled = vm->hist.nonfinite = 0;
	vm->hist.n = HIST_BINS;
	memset(vm->hist.bin, 0, sizeof vm->hist.bin);
	a = &net_of(vm)->arrays[vm->array];
	if (!dm_array_present(a) || a->offset >= dm_session_data_end(vm->s))
		return NULL;
	avail = (dm_session_data_end(vm->s) - a->offset) / 4;
	count = a->count < avail ? a->count : avail;
	if (count == 0)
		return NULL;
	chunk = count <= HIST_SAMPLE ? (size_t)count : HIST_CHUNK;
	step = count <= HIST_SAMPLE ? count : count / (HIST_SAMPLE /
	    HIST_CHUNK);
	if ((vals = malloc(HIST_SAMPLE * sizeof *vals)) == NULL ||
	    (buf = malloc((count <= HIST_SAMPLE ? (size_t)count :
	    HIST_CHUNK) * 4)) == NULL) {
		free(vals);
		return NULL;
	}
	for (pos = 0; pos < count && n < HIST_SAMPLE; pos += step) {
		size_t m = chunk;

		if (m > count - pos)
			m = (size_t)(count - pos);
		if (m > HIST_SAMPLE - n)
			m = (size_t)(HIST_SAMPLE - n);
		if (dm_session_read(vm->s, a->offset + pos * 4, buf,
		    m * 4) != m * 4)
			break;
		for (k = 0; k < m; k++) {
			uint32_t u = dm_le32dec(buf + 4 * k);
			float f;

			memcpy(&f, &u, sizeof f);
			if (!isfinite(f)) {
				vm->hist.nonfinite++;
				continue;
			}
			vals[n++] = f;
			if (first || f < lo)
				lo = f;
			if (first || f > hi)
				hi = f;
			first = 0;
		}
	}
	free(buf);
	vm->hist.sampled = n;
	vm->hist.lo = lo;
	vm->hist.hi = hi;
	for (i = 0; i < n; i++) {
		x = hi > lo ? (vals[i] - lo) / (hi - lo) : 0.5;
		b = (unsigned)(x * HIST_BINS);
		if (b >= HIST_BINS)
			b = HIST_BINS - 1;
		vm->hist.bin[b]++;
	}
	free(vals);
	return n > 0 ? &vm->hist : NULL;
}
