/*
 * export.c - the export plan and the fill function behind every writer.
 *
 * Each exported tensor names where its bytes come from: a float32 array of
 * the weights file taken as it is, one stored transposed (connected
 * weights under the header's transpose flag, conv weights of a flipped=1
 * layer) that is turned back to PyTorch order, or a small tensor made here
 * (num_batches_tracked, the anchors buffers of eriklindernoren's port).
 * Data is read in chunks as the writer asks for it; only a transposed
 * tensor is held whole, since it cannot be streamed in output order.
 */
#include "config.h"

#include "export.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "endian.h"
#include "grow.h"

const char *const dm_names_table[DM_NAMES_COUNT] = {
	[DM_NAMES_DARKMAP] = "darkmap",
	[DM_NAMES_ULTRALYTICS] = "ultralytics",
	[DM_NAMES_ERIKLINDERNOREN] = "eriklindernoren",
	[DM_NAMES_TIANXIAOMO] = "tianxiaomo",
	[DM_NAMES_TEMPLATE] = "template"
};

const char *const dm_out_format_names[DM_OUT_NFORMATS] = {
	[DM_OUT_PT] = "pt",
	[DM_OUT_SAFETENSORS] = "safetensors",
	[DM_OUT_NPZ] = "npz",
	[DM_OUT_WEIGHTS] = "weights"
};

int
dm_names_parse(const char *s, enum dm_names *out)
{
	int i;

	for (i = 0; i < DM_NAMES_TEMPLATE; i++) {
		if (strcmp(s, dm_names_table[i]) == 0) {
			*out = (enum dm_names)i;
			return 0;
		}
	}
	if (strchr(s, '{') == NULL)
		return -1;
	*out = DM_NAMES_TEMPLATE;
	return 0;
}

int
dm_out_format_parse(const char *name, const char *path,
    enum dm_out_format *out)
{
	const char *dot;
	int i;

	if (name == NULL) {
		dot = strrchr(path, '.');
		if (dot == NULL || strchr(dot, '/') != NULL)
			return -1;
		name = dot + 1;
		if (strcmp(name, "pth") == 0)
			name = dm_out_format_names[DM_OUT_PT];
	}
	for (i = 0; i < DM_OUT_NFORMATS; i++) {
		if (strcmp(name, dm_out_format_names[i]) == 0) {
			*out = (enum dm_out_format)i;
			return 0;
		}
	}
	return -1;
}

uint16_t
dm_f32_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffffu) > 0x7f800000u)	/* NaN, kept quiet */
		return (uint16_t)(x >> 16 | 0x40);
	x += 0x7fffu + (x >> 16 & 1);		/* to nearest even */
	return (uint16_t)(x >> 16);
}

uint16_t
dm_f32_to_f16(float f)
{
	uint32_t x, sign, mant;
	int32_t exp;
	uint32_t h, round, rest;

	memcpy(&x, &f, sizeof x);
	sign = (x >> 16) & 0x8000u;
	exp = (int32_t)((x >> 23) & 0xff);
	mant = x & 0x7fffffu;
	if (exp == 0xff)		/* Inf, NaN (kept quiet) */
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u |
		    (mant >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 0x1f)		/* overflow: Inf */
		return (uint16_t)(sign | 0x7c00u);
	if (exp <= 0) {			/* subnormal half or zero */
		if (exp < -10)
			return (uint16_t)sign;
		mant |= 0x800000u;
		round = 1u << (13 - exp);
		h = mant >> (14 - exp);
		rest = mant & ((round << 1) - 1);
		if (rest > round || (rest == round && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = (uint32_t)exp << 10 | mant >> 13;
	rest = mant & 0x1fffu;
	if (rest > 0x1000u || (rest == 0x1000u && (h & 1)))
		h++;			/* may carry into the exponent: fine */
	return (uint16_t)(sign | h);
}

static int xerr(struct dm_error *, const struct dm_net *, size_t,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static int
xerr(struct dm_error *err, const struct dm_net *net, size_t layer,
    const char *fmt, ...)
{
	char msg[DM_ERROR_MAX / 2];
	const struct dm_layer *l = &net->layers[layer];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dm_error_line(err, DM_ERR_UNSUPPORTED, net->cfg->path, l->line,
	    "layer %zu %s: %s", layer, l->label, msg);
	return dm_error_at_layer(err, (long)layer);
}

static struct dm_xtensor *
add_tensor(struct dm_export *ex, const char *key, struct dm_error *err)
{
	struct dm_xtensor *x;

	if (dm_grow(&ex->x, &ex->cap, ex->n, sizeof *ex->x, 64, err) == -1)
		return NULL;
	x = &ex->x[ex->n];
	memset(x, 0, sizeof *x);
	if ((x->key = strdup(key)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	x->t.key = x->key;
	x->t.dtype = ex->opts.dtype;
	x->array = SIZE_MAX;
	ex->n++;
	return x;
}

static int
add_array_tensor(struct dm_export *ex, const char *key, size_t ai,
    struct dm_error *err)
{
	const struct dm_array *a = &ex->net->arrays[ai];
	struct dm_xtensor *x;
	int d;

	if ((x = add_tensor(ex, a->rename != NULL ? a->rename : key, err)) ==
	    NULL)
		return -1;
	x->array = ai;
	x->offset = a->offset;
	x->count = a->count;
	x->t.ndim = a->ndim;
	for (d = 0; d < a->ndim; d++)
		x->t.shape[d] = a->cur_shape[d];
	x->src = DM_SRC_FILE;
	if (a->nperm > 0) {
		x->src = DM_SRC_TRANSPOSE;
		x->nperm = a->nperm;
		memcpy(x->perm, a->perm, sizeof x->perm);
	} else if (a->role == DM_ROLE_WEIGHTS && a->ndim >= 2 &&
	    (((a->flags & DM_ARRAY_TRANSPOSABLE) && ex->net->transpose) ||
	    (a->flags & DM_ARRAY_FLIPPED))) {
		/* Stored [rest][first]: a 2-D transpose. */
		x->src = DM_SRC_TRANSPOSE;
		x->nperm = 0;
	}
	return 0;
}

static int
add_nbt(struct dm_export *ex, const char *key, struct dm_error *err)
{
	struct dm_xtensor *x;

	if ((x = add_tensor(ex, key, err)) == NULL)
		return -1;
	x->t.dtype = DM_DTYPE_I64;
	x->t.ndim = 0;
	x->src = DM_SRC_ZERO_I64;
	return 0;
}

/* The PyTorch module and parameter of an array in the darkmap scheme. */
static void
darkmap_suffix(const struct dm_net *net, const struct dm_array *a, char *buf,
    size_t len)
{
	const struct dm_layer *l = &net->layers[a->layer];
	const char *mod, *param;
	int bn = l->batch_normalize || a->block == DM_BLOCK_BATCHNORM;

	switch (a->block) {
	case DM_BLOCK_CONV:		mod = "conv"; break;
	case DM_BLOCK_DECONV:		mod = "deconv"; break;
	case DM_BLOCK_CONNECTED:	mod = "fc"; break;
	case DM_BLOCK_LOCAL:		mod = "local"; break;
	case DM_BLOCK_SHORTCUT:		mod = "shortcut"; break;
	case DM_BLOCK_IMPLICIT:		mod = "implicit"; break;
	default:			mod = "bn"; break;
	}
	switch (a->role) {
	case DM_ROLE_WEIGHTS:
		param = "weight";
		break;
	case DM_ROLE_BIASES:
		if (bn)
			mod = "bn";
		param = "bias";
		break;
	case DM_ROLE_SCALES:
		mod = "bn";
		param = "weight";
		break;
	case DM_ROLE_ROLLING_MEAN:
		mod = "bn";
		param = "running_mean";
		break;
	default:
		mod = "bn";
		param = "running_var";
		break;
	}
	snprintf(buf, len, "%s%s%s.%s", a->sub, *a->sub ? "." : "", mod,
	    param);
}

void
dm_export_nbt_key(const struct dm_net *net, size_t ai, char *buf, size_t len)
{
	const struct dm_array *a = &net->arrays[ai];

	snprintf(buf, len, "layers.%zu.%s%sbn.num_batches_tracked", a->layer,
	    a->sub, *a->sub ? "." : "");
}

/* Expands a --names template for one array. */
static int
expand_template(struct dm_export *ex, const char *tmpl, size_t ai, int conv,
    char *buf, size_t len, struct dm_error *err)
{
	const struct dm_array *a = &ex->net->arrays[ai];
	const struct dm_layer *l = &ex->net->layers[a->layer];
	char name[96], val[96];
	const char *p, *q;
	size_t n = 0, k;

	darkmap_suffix(ex->net, a, name, sizeof name);
	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '{') {
			if (n + 1 >= len)
				goto toolong;
			buf[n++] = *p;
			continue;
		}
		if ((q = strchr(p, '}')) == NULL)
			return dm_error_set(err, DM_ERR_USAGE, "--names "
			    "template '%s': unclosed '{'", tmpl);
		k = (size_t)(q - p - 1);
		if (k == 5 && strncmp(p + 1, "layer", 5) == 0)
			snprintf(val, sizeof val, "%zu", l->index);
		else if (k == 4 && strncmp(p + 1, "conv", 4) == 0)
			snprintf(val, sizeof val, "%d", conv);
		else if (k == 4 && strncmp(p + 1, "type", 4) == 0)
			snprintf(val, sizeof val, "%s", dm_ltype_name(l->type));
		else if (k == 4 && strncmp(p + 1, "name", 4) == 0)
			snprintf(val, sizeof val, "%s", name);
		else if (k == 5 && strncmp(p + 1, "array", 5) == 0)
			snprintf(val, sizeof val, "%s", a->name);
		else
			return dm_error_set(err, DM_ERR_USAGE, "--names "
			    "template '%s': unknown placeholder '%.*s' (use "
			    "{layer}, {conv}, {type}, {name} or {array})", tmpl,
			    (int)(k + 2), p);
		if (n + strlen(val) + 1 >= len)
			goto toolong;
		memcpy(buf + n, val, strlen(val));
		n += strlen(val);
		p = q;
	}
	buf[n] = '\0';
	return 0;
toolong:
	return dm_error_set(err, DM_ERR_USAGE, "--names template '%s': key "
	    "too long", tmpl);
}

void
dm_export_darkmap_key(const struct dm_net *net, size_t ai, char *buf,
    size_t len)
{
	char suffix[96];

	darkmap_suffix(net, &net->arrays[ai], suffix, sizeof suffix);
	snprintf(buf, len, "layers.%zu.%s", net->arrays[ai].layer, suffix);
}

static int
plan_free_scheme(struct dm_export *ex, size_t li, int conv,
    struct dm_error *err)
{
	const struct dm_net *net = ex->net;
	const struct dm_layer *l = &net->layers[li];
	char key[256];
	size_t ai;

	for (ai = l->first_array; ai < l->first_array + l->narrays; ai++) {
		const struct dm_array *a = &net->arrays[ai];

		if (!dm_array_present(a) || a->omit)
			continue;
		if (ex->opts.names == DM_NAMES_TEMPLATE) {
			if (expand_template(ex, ex->opts.tmpl, ai, conv, key,
			    sizeof key, err) == -1)
				return -1;
		} else
			dm_export_darkmap_key(net, ai, key, sizeof key);
		if (add_array_tensor(ex, key, ai, err) == -1)
			return -1;
		if (a->role == DM_ROLE_ROLLING_VARIANCE &&
		    ex->opts.names == DM_NAMES_DARKMAP) {
			dm_export_nbt_key(net, ai, key, sizeof key);
			if (add_nbt(ex, key, err) == -1)
				return -1;
		}
	}
	return 0;
}

static long
find_role(const struct dm_net *net, const struct dm_layer *l,
    enum dm_role role)
{
	size_t ai;

	for (ai = l->first_array; ai < l->first_array + l->narrays; ai++)
		if (net->arrays[ai].role == role &&
		    dm_array_present(&net->arrays[ai]) && !net->arrays[ai].omit)
			return (long)ai;
	return -1;
}

/* Parses the anchors a [yolo] layer's mask selects (atof semantics). */
static int
yolo_anchors(struct dm_export *ex, const struct dm_layer *l, float **out,
    int *nmask, struct dm_error *err)
{
	const char *an = dm_section_str(l->sect, "anchors");
	const char *mk = dm_section_str(l->sect, "mask");
	double all[512] = { 0 };	/* an empty value reads 0, as atof's */
	int n = 0, m = 0, idx[64], i, num = 1;
	const char *p;
	float *v;

	if (an == NULL)
		return xerr(err, ex->net, l->index, "has no anchors=, which "
		    "eriklindernoren's port needs");
	for (p = an; *p != '\0' && *p != '#' && n < 512; n++) {
		all[n] = strtod(p, NULL);
		p = strchr(p, ',');
		if (p == NULL)
			break;
		p++;
	}
	if (n < 512)
		n++;	/* the value after the last comma */
	if (mk != NULL) {
		for (p = mk; m < 64; ) {
			idx[m++] = dm_atoi_clamp(p);
			p = strchr(p, ',');
			if (p == NULL || *++p == '\0' || *p == '#')
				break;
		}
	} else {
		const char *ns = dm_section_str(l->sect, "num");

		num = ns != NULL ? dm_atoi_clamp(ns) : 1;
		for (m = 0; m < num && m < 64; m++)
			idx[m] = m;
	}
	if ((v = calloc((size_t)m * 2 + 1, sizeof *v)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < m; i++) {
		if (idx[i] < 0 || 2LL * idx[i] + 1 >= n) {
			free(v);
			return xerr(err, ex->net, l->index, "mask names anchor "
			    "%d but anchors= lists %d", idx[i], n / 2);
		}
		v[2 * i] = (float)all[2 * idx[i]];
		v[2 * i + 1] = (float)all[2 * idx[i] + 1];
	}
	*out = v;
	*nmask = m;
	return 0;
}

static int
add_memory(struct dm_export *ex, const char *key, float *mem, int ndim,
    const uint64_t *shape, uint64_t count, struct dm_error *err)
{
	struct dm_xtensor *x;

	if ((x = add_tensor(ex, key, err)) == NULL) {
		free(mem);
		return -1;
	}
	x->src = DM_SRC_MEMORY;
	x->mem = mem;
	x->count = count;
	x->t.ndim = ndim;
	memcpy(x->t.shape, shape, (size_t)ndim * sizeof *shape);
	return 0;
}

/* The three ports: conv layers only, in module registration order. */
static int
plan_port(struct dm_export *ex, size_t li, int conv, struct dm_error *err)
{
	const struct dm_net *net = ex->net;
	const struct dm_layer *l = &net->layers[li];
	char c[80], b[80], key[192];
	long w, bias, s, mean, var;

	if (l->type == DM_L_YOLO && ex->opts.names == DM_NAMES_ERIKLINDERNOREN) {
		float *v, *v2;
		int m;
		uint64_t shape[5];

		if (yolo_anchors(ex, l, &v, &m, err) == -1)
			return -1;
		if ((v2 = malloc(((size_t)m * 2 + 1) * sizeof *v2)) == NULL) {
			free(v);
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		}
		memcpy(v2, v, (size_t)m * 2 * sizeof *v);
		snprintf(key, sizeof key, "module_list.%zu.yolo_%zu.anchors",
		    li, li);
		shape[0] = (uint64_t)m;
		shape[1] = 2;
		if (add_memory(ex, key, v, 2, shape, (uint64_t)m * 2, err)) {
			free(v2);
			return -1;
		}
		snprintf(key, sizeof key, "module_list.%zu.yolo_%zu."
		    "anchor_grid", li, li);
		shape[0] = 1;
		shape[1] = (uint64_t)m;
		shape[2] = shape[3] = 1;
		shape[4] = 2;
		return add_memory(ex, key, v2, 5, shape, (uint64_t)m * 2, err);
	}
	if (l->narrays == 0 || find_role(net, l, DM_ROLE_WEIGHTS) == -1)
		return 0;
	if (l->type != DM_L_CONV)
		return xerr(err, net, li, "the %s port has no equivalent of "
		    "this layer type (use --names darkmap or a template)",
		    dm_names_table[ex->opts.names]);
	switch (ex->opts.names) {
	case DM_NAMES_ULTRALYTICS:
		snprintf(c, sizeof c, "module_list.%zu.Conv2d", li);
		snprintf(b, sizeof b, "module_list.%zu.BatchNorm2d", li);
		break;
	case DM_NAMES_ERIKLINDERNOREN:
		snprintf(c, sizeof c, "module_list.%zu.conv_%zu", li, li);
		snprintf(b, sizeof b, "module_list.%zu.batch_norm_%zu", li, li);
		break;
	default:
		snprintf(c, sizeof c, "models.%zu.conv%d", li, conv);
		snprintf(b, sizeof b, "models.%zu.bn%d", li, conv);
		break;
	}
	w = find_role(net, l, DM_ROLE_WEIGHTS);
	bias = find_role(net, l, DM_ROLE_BIASES);
	s = find_role(net, l, DM_ROLE_SCALES);
	mean = find_role(net, l, DM_ROLE_ROLLING_MEAN);
	var = find_role(net, l, DM_ROLE_ROLLING_VARIANCE);
	snprintf(key, sizeof key, "%s.weight", c);
	if (add_array_tensor(ex, key, (size_t)w, err) == -1)
		return -1;
	if (!l->batch_normalize) {
		snprintf(key, sizeof key, "%s.bias", c);
		return bias < 0 ? 0 : add_array_tensor(ex, key, (size_t)bias,
		    err);
	}
	if (s < 0 || mean < 0 || var < 0 || bias < 0)
		return xerr(err, net, li, "batch-norm arrays are not in the "
		    "file (dontloadscales?)");
	snprintf(key, sizeof key, "%s.weight", b);
	if (add_array_tensor(ex, key, (size_t)s, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%s.bias", b);
	if (add_array_tensor(ex, key, (size_t)bias, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%s.running_mean", b);
	if (add_array_tensor(ex, key, (size_t)mean, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%s.running_var", b);
	if (add_array_tensor(ex, key, (size_t)var, err) == -1)
		return -1;
	snprintf(key, sizeof key, "%s.num_batches_tracked", b);
	return add_nbt(ex, key, err);
}

/* Plans the tensors of layers 0..end-1, as opts->format and names say. */
static int
plan_layers(struct dm_export *ex, size_t end, struct dm_error *err)
{
	const struct dm_net *net = ex->net;
	const struct dm_export_opts *opts = &ex->opts;
	size_t li;
	int conv = 0;

	if (opts->format == DM_OUT_WEIGHTS) {
		for (li = 0; li < net->narrays; li++) {
			const struct dm_array *a = &net->arrays[li];

			if (!dm_array_present(a) || a->omit || a->layer >= end)
				continue;
			if (add_array_tensor(ex, a->name, li, err) == -1)
				return -1;
			/* Darknet reads these as stored: keep them so. */
			if (a->flags & DM_ARRAY_FLIPPED)
				ex->x[ex->n - 1].src = DM_SRC_FILE;
		}
	} else {
		for (li = 0; li < end; li++) {
			if (net->layers[li].type == DM_L_CONV)
				conv++;
			if (opts->names == DM_NAMES_DARKMAP ||
			    opts->names == DM_NAMES_TEMPLATE) {
				if (plan_free_scheme(ex, li, conv, err) == -1)
					return -1;
			} else if (plan_port(ex, li, conv, err) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * The keys a state_dict of the whole cfg has that this export lacks: the
 * tensors of absent, cut off, omitted or missing layers, planned again as
 * if their arrays were in the file.  Only a hint: without memory, or when
 * the scheme cannot name them, the list is left empty.
 */
static int
find_missing(struct dm_export *ex, size_t end)
{
	struct dm_export all;
	struct dm_net full;
	struct dm_array *arr;
	struct dm_error e;
	size_t i, j, n = 0;
	int rc = 0;

	if ((arr = malloc((ex->net->narrays + 1) * sizeof *arr)) == NULL)
		return 0;
	memcpy(arr, ex->net->arrays, ex->net->narrays * sizeof *arr);
	for (i = 0; i < ex->net->narrays; i++) {
		if (arr[i].count == 0 || (dm_array_present(&arr[i]) &&
		    !arr[i].omit && arr[i].layer < end))
			continue;
		arr[i].offset = 0;
		arr[i].omit = 0;
		n++;
	}
	if (n == 0) {
		free(arr);
		return 0;
	}
	full = *ex->net;
	full.arrays = arr;
	memset(&all, 0, sizeof all);
	all.net = &full;
	all.w = ex->w;
	all.opts = ex->opts;
	dm_error_clear(&e);
	if (plan_layers(&all, full.nlayers, &e) == 0) {
		for (i = 0; i < all.n && rc == 0; i++) {
			for (j = 0; j < ex->n; j++)
				if (strcmp(ex->x[j].key, all.x[i].key) == 0)
					break;
			if (j < ex->n)
				continue;
			if ((n = ex->nmissing + 1) > ex->capmissing) {
				char **k = realloc(ex->missing, 2 * n *
				    sizeof *k);

				if (k == NULL) {
					rc = -1;
					break;
				}
				ex->missing = k;
				ex->capmissing = 2 * n;
			}
			if ((ex->missing[ex->nmissing] =
			    strdup(all.x[i].key)) == NULL)
				rc = -1;
			else
				ex->nmissing++;
		}
	}
	for (i = 0; i < all.n; i++) {
		free(all.x[i].key);
		free(all.x[i].mem);
	}
	free(all.x);
	free(arr);
	return rc;
}

struct dm_export *
dm_export_plan(const struct dm_net *net, struct dm_weights *w,
    const struct dm_verdict *v, const struct dm_export_opts *opts,
    struct dm_error *err)
{
	struct dm_export *ex;
	size_t end;
	long ai;

	if (v->kind == DM_V_NOT_WEIGHTS) {
		dm_error_set(err, DM_ERR_INVALID, "%s", v->message);
		return NULL;
	}
	if (v->kind != DM_V_EXACT && (v->kind != DM_V_PARTIAL ||
	    v->layers_present == 0) && !opts->force) {
		/* The verdict is a sentence of its own; this one follows. */
		dm_error_set(err, DM_ERR_MISMATCH, "%s%s Nothing was written: "
		    "the file does not match the cfg. First run 'darkmap "
		    "fix', which finds the change that makes it match and "
		    "saves it as a profile to convert with -p; --force is the "
		    "last resort: it exports the data as it lies, misread "
		    "wherever the mapping is wrong", v->message,
		    v->message[0] != '\0' &&
		    v->message[strlen(v->message) - 1] == '.' ? "" : ";");
		return NULL;
	}
	if ((ex = calloc(1, sizeof *ex)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ex->net = net;
	ex->w = w;
	ex->opts = *opts;
	/* The first layer whose arrays are not all inside the file. */
	ai = dm_first_array_past(net, w->size < net->data_end ?
	    w->size : net->data_end);
	ex->missing_from = ai < 0 ? -1 : (long)net->arrays[ai].layer;
	end = ex->missing_from < 0 ? net->nlayers : (size_t)ex->missing_from;
	if (plan_layers(ex, end, err) == -1)
		goto fail;
	if (opts->format != DM_OUT_WEIGHTS && find_missing(ex, end) == -1) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (ex->n == 0) {
		dm_error_file(err, DM_ERR_MISMATCH, w->path, "no tensor to "
		    "export (no layer's data is in the file, or every layer "
		    "is omitted): nothing was written");
		goto fail;
	}
	if ((ex->scratch = malloc(DM_TENSOROUT_CHUNK * 2)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	return ex;
fail:
	dm_export_free(ex);
	return NULL;
}

void
dm_export_free(struct dm_export *ex)
{
	size_t i;

	if (ex == NULL)
		return;
	for (i = 0; i < ex->n; i++) {
		free(ex->x[i].key);
		free(ex->x[i].mem);
	}
	free(ex->x);
	for (i = 0; i < ex->nmissing; i++)
		free(ex->missing[i]);
	free(ex->missing);
	free(ex->scratch);
	free(ex);
}

/*
 * Reads a tensor stored in another axis order whole and puts it in output
 * order.  Without a permutation it is stored [rest][first] (a 2-D
 * transpose); with one, stored axis k is output axis perm[k].
 */
static int
load_transposed(struct dm_export *ex, struct dm_xtensor *x,
    struct dm_error *err)
{
	const struct dm_array *a = &ex->net->arrays[x->array];
	uint64_t oshape[DM_SHAPE_MAX], sshape[DM_SHAPE_MAX];
	uint64_t ostride[DM_SHAPE_MAX], idx[DM_SHAPE_MAX];
	uint64_t bytes = x->count * 4, e, o;
	int nd, k;
	float *dst;
	uint8_t *raw;

	if (x->nperm > 0 && !(x->nperm == 2 && x->perm[0] == 1 &&
	    x->perm[1] == 0)) {
		nd = x->nperm;
		for (k = 0; k < nd; k++)
			oshape[k] = a->cur_shape[k];
	} else {
		/* Stored [rest][first], whatever the number of axes. */
		nd = 2;
		oshape[0] = a->cur_shape[0];
		oshape[1] = oshape[0] ? x->count / oshape[0] : 0;
	}
	for (k = 0; k < nd; k++)
		sshape[k] = oshape[x->nperm > 0 ? x->perm[k] : 1 - k];
	for (k = nd - 1, e = 1; k >= 0; k--) {
		ostride[k] = e;
		e *= oshape[k];
	}
	if (e != x->count || bytes > SIZE_MAX / 2) {
		dm_error_file(err, DM_ERR_INVALID, ex->w->path,
		    "layer %zu array %s (%s, at byte %" PRIu64 "): the axis "
		    "order does not fit its %" PRIu64 " elements", a->layer,
		    a->name, x->key, a->offset, x->count);
		dm_error_at_array(err, (long)a->layer, (long)x->array);
		return dm_error_at_offset(err, NULL, a->offset);
	}
	raw = malloc((size_t)bytes);
	dst = malloc((size_t)bytes);
	if (raw == NULL || dst == NULL) {
		free(raw);
		free(dst);
		return dm_error_set(err, DM_ERR_NOMEM, "%s: out of memory",
		    x->key);
	}
	if (dm_weights_pread(ex->w, raw, (size_t)bytes, x->offset, err) == -1) {
		free(raw);
		free(dst);
		return -1;
	}
	memset(idx, 0, sizeof idx);
	for (e = 0; e < x->count; e++) {
		/* idx walks the stored tensor in its own order. */
		for (o = 0, k = 0; k < nd; k++)
			o += idx[k] * ostride[x->nperm > 0 ? x->perm[k] : 1 - k];
		dst[o] = dm_lef32dec(raw + e * 4);
		for (k = nd - 1; k >= 0; k--) {
			if (++idx[k] < sshape[k])
				break;
			idx[k] = 0;
		}
	}
	free(raw);
	x->mem = dst;
	return 0;
}

/*
 * Larger 2-D transposes are not held whole: output rows are produced in
 * strips of at most STRIP_BYTES, each gathered from every stored row.
 */
#define WHOLE_MAX	((uint64_t)16 << 20)
#define STRIP_BYTES	((uint64_t)8 << 20)

static int
is_2d_transpose(const struct dm_xtensor *x)
{
	return x->nperm == 0 || (x->nperm == 2 && x->perm[0] == 1 &&
	    x->perm[1] == 0);
}

/* Output rows [r0, r0 + R) of a tensor stored [cols][rows]. */
static int
load_strip(struct dm_export *ex, struct dm_xtensor *x, uint64_t r0,
    struct dm_error *err)
{
	const struct dm_array *a = &ex->net->arrays[x->array];
	uint64_t rows = a->cur_shape[0], cols, R, c, r;
	uint8_t *seg;

	cols = rows ? x->count / rows : 0;
	if (x->mem == NULL) {
		R = cols > 0 ? STRIP_BYTES / (cols * 4) : 1;
		if (R == 0)
			R = 1;
		if (R > rows)
			R = rows;
		x->strip_rows = R;
		x->mem = malloc((size_t)(R * cols) * sizeof *x->mem);
		if (x->mem == NULL)
			return dm_error_set(err, DM_ERR_NOMEM, "%s: out of "
			    "memory", x->key);
	}
	R = x->strip_rows;
	if (r0 + R > rows)
		R = rows - r0;
	if ((seg = malloc((size_t)R * 4)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (c = 0; c < cols; c++) {
		if (dm_weights_pread(ex->w, seg, (size_t)R * 4, x->offset +
		    (c * rows + r0) * 4, err) == -1) {
			free(seg);
			return -1;
		}
		for (r = 0; r < R; r++)
			x->mem[r * cols + c] = dm_lef32dec(seg + r * 4);
	}
	free(seg);
	x->strip_first = r0;
	return 0;
}

static int
read_strips(struct dm_export *ex, struct dm_xtensor *x, uint64_t first,
    size_t n, uint8_t *out, struct dm_error *err)
{
	const struct dm_array *a = &ex->net->arrays[x->array];
	uint64_t rows = a->cur_shape[0], cols = rows ? x->count / rows : 0;
	uint64_t e, r;
	size_t i;

	for (i = 0; i < n; i++) {
		e = first + i;
		r = e / cols;
		if (x->mem == NULL || r < x->strip_first ||
		    r >= x->strip_first + x->strip_rows)
			if (load_strip(ex, x, r, err) == -1)
				return -1;
		dm_lef32enc(out + i * 4, x->mem[e - x->strip_first * cols]);
	}
	return 0;
}

/* Copies floats [first, first + n) of x into out as little-endian f32. */
static int
read_floats(struct dm_export *ex, struct dm_xtensor *x, uint64_t first,
    size_t n, uint8_t *out, struct dm_error *err)
{
	size_t i;

	if (ex->opts.cancel != NULL && *ex->opts.cancel)
		return dm_error_set(err, DM_ERR_IO, "export cancelled");
	switch (x->src) {
	case DM_SRC_FILE:
		return dm_weights_pread(ex->w, out, n * 4,
		    x->offset + first * 4, err);
	case DM_SRC_TRANSPOSE:
		if (x->strip_rows > 0 || (x->mem == NULL &&
		    x->count * 4 > WHOLE_MAX && is_2d_transpose(x) &&
		    ex->net->arrays[x->array].cur_shape[0] > 0))
			return read_strips(ex, x, first, n, out, err);
		if (x->mem == NULL && load_transposed(ex, x, err) == -1)
			return -1;
		/* FALLTHROUGH */
	case DM_SRC_MEMORY:
		for (i = 0; i < n; i++)
			dm_lef32enc(out + i * 4, x->mem[first + i]);
		return 0;
	default:
		return dm_error_set(err, DM_ERR_INVALID, "internal: bad source");
	}
}

static int
export_fill(void *ctx, size_t i, uint64_t off, void *buf, size_t len,
    struct dm_error *err)
{
	struct dm_export *ex = ctx;
	struct dm_xtensor *x = &ex->x[i];
	uint8_t *out = buf;
	size_t k, n;

	if (x->src == DM_SRC_ZERO_I64) {
		memset(buf, 0, len);
		return 0;
	}
	if (x->t.dtype == DM_DTYPE_F32)
		return read_floats(ex, x, off / 4, len / 4, out, err);
	/* F16, BF16: read the floats into scratch, then narrow. */
	n = len / 2;
	if (read_floats(ex, x, off / 2, n, (uint8_t *)ex->scratch, err) == -1)
		return -1;
	for (k = 0; k < n; k++) {
		float f = dm_lef32dec((uint8_t *)ex->scratch + k * 4);
		uint16_t h = x->t.dtype == DM_DTYPE_BF16 ? dm_f32_to_bf16(f) :
		    dm_f32_to_f16(f);

		out[2 * k] = h & 0xff;
		out[2 * k + 1] = h >> 8;
	}
	return 0;
}

/* Reads x whole, in output order, and keeps it transposed in x->mem. */
static int
transpose_in_memory(struct dm_export *ex, struct dm_xtensor *x,
    struct dm_error *err)
{
	uint64_t rows = x->t.shape[1], cols = x->t.shape[0], r, c;
	uint8_t *raw;
	float *dst;

	/* x->t.shape is already the target's [cols][rows]. */
	if (x->count == 0 || x->count != rows * cols ||
	    x->count > SIZE_MAX / 8)
		return dm_error_set(err, DM_ERR_INVALID, "%s: cannot "
		    "transpose %" PRIu64 " elements", x->key, x->count);
	raw = malloc((size_t)x->count * 4);
	dst = malloc((size_t)x->count * sizeof *dst);
	if (raw == NULL || dst == NULL) {
		free(raw);
		free(dst);
		return dm_error_set(err, DM_ERR_NOMEM, "%s: out of memory",
		    x->key);
	}
	if (read_floats(ex, x, 0, (size_t)x->count, raw, err) == -1) {
		free(raw);
		free(dst);
		return -1;
	}
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			dst[c * rows + r] = dm_lef32dec(raw + (r * cols + c) *
			    4);
	free(raw);
	free(x->mem);
	x->mem = dst;
	x->src = DM_SRC_MEMORY;
	x->strip_rows = 0;
	return 0;
}

int
dm_export_retarget(struct dm_export *ex, const struct dm_retarget *r,
    size_t n, struct dm_error *err)
{
	struct dm_xtensor *nx;
	unsigned char *used;
	size_t i;

	nx = calloc(n + 1, sizeof *nx);
	used = calloc(ex->n + 1, 1);
	if (nx == NULL || used == NULL) {
		free(nx);
		free(used);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (r[i].src >= ex->n || used[r[i].src] ||
		    r[i].ndim > DM_MAX_DIMS) {
			dm_error_set(err, DM_ERR_INVALID, "internal: bad "
			    "retarget of tensor %zu", r[i].src);
			goto fail;
		}
		nx[i] = ex->x[r[i].src];
		nx[i].key = NULL;
		nx[i].mem = NULL;
		if ((nx[i].key = strdup(r[i].key)) == NULL) {
			dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		/* The cache moves with the tensor. */
		nx[i].mem = ex->x[r[i].src].mem;
		ex->x[r[i].src].mem = NULL;
		used[r[i].src] = 1;
		nx[i].t.key = nx[i].key;
		nx[i].t.ndim = r[i].ndim;
		memcpy(nx[i].t.shape, r[i].shape, sizeof nx[i].t.shape);
		if (nx[i].src != DM_SRC_ZERO_I64)
			nx[i].t.dtype = r[i].dtype;
		if (r[i].transpose && (r[i].ndim != 2 ||
		    transpose_in_memory(ex, &nx[i], err) == -1)) {
			if (r[i].ndim != 2)
				dm_error_set(err, DM_ERR_INVALID, "%s: only a "
				    "2-D tensor is transposed", nx[i].key);
			goto fail;
		}
	}
	for (i = 0; i < ex->n; i++) {
		free(ex->x[i].key);
		free(ex->x[i].mem);
	}
	free(ex->x);
	free(used);
	ex->x = nx;
	ex->n = ex->cap = n;
	return 0;
fail:
	for (i = 0; i < n; i++) {
		free(nx[i].key);
		free(nx[i].mem);
	}
	free(nx);
	free(used);
	return -1;
}

/* A clean Darknet file: 0.2.x header, 8-byte seen, the arrays in order. */
static int
write_weights(struct dm_export *ex, const char *path,
    const char *const *inputs, struct dm_error *err)
{
	struct dm_atomicfile af;
	uint8_t hdr[DM_HEADER_LONG], *buf = NULL;
	uint64_t done = 0, total = 0, off, left;
	size_t i, chunk;

	for (i = 0; i < ex->n; i++)
		total += ex->x[i].count * 4;
	dm_le32enc(hdr, 0);
	dm_le32enc(hdr + 4, 2);
	dm_le32enc(hdr + 8, ex->net->dialect == DM_DIALECT_AB ? 5 : 0);
	dm_le64enc(hdr + 12, ex->w->has_header ? ex->w->hdr.seen : 0);
	if (dm_atomicfile_open(&af, path, inputs, err) == -1)
		return -1;
	af.sync = ex->opts.sync;
	af.verify = ex->opts.verify;
	dm_atomicfile_reserve(&af, sizeof hdr + total);
	if ((buf = malloc(DM_TENSOROUT_CHUNK)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (dm_atomicfile_write(&af, hdr, sizeof hdr, err) == -1)
		goto fail;
	if (ex->opts.progress)
		ex->opts.progress(ex->opts.pctx, 0, total);
	for (i = 0; i < ex->n; i++) {
		struct dm_xtensor *x = &ex->x[i];

		for (off = 0, left = x->count; left > 0; ) {
			chunk = left > DM_TENSOROUT_CHUNK / 4 ?
			    DM_TENSOROUT_CHUNK / 4 : (size_t)left;
			if (read_floats(ex, x, off, chunk, buf, err) == -1 ||
			    dm_atomicfile_write(&af, buf, chunk * 4, err) == -1)
				goto fail;
			off += chunk;
			left -= chunk;
			done += chunk * 4;
			if (ex->opts.progress)
				ex->opts.progress(ex->opts.pctx, done, total);
		}
	}
	free(buf);
	buf = NULL;
	if (af.verify && dm_atomicfile_verify(&af, err) == -1)
		goto fail;
	return dm_atomicfile_commit(&af, err);
fail:
	free(buf);
	dm_atomicfile_abort(&af);
	return -1;
}

int
dm_export_write(struct dm_export *ex, const char *path,
    const char *const *inputs, struct dm_error *err)
{
	struct dm_tensor *t;
	struct dm_tensorout_opts o;
	size_t i;
	int rc;

	if (ex->opts.format == DM_OUT_WEIGHTS)
		return write_weights(ex, path, inputs, err);
	if ((t = calloc(ex->n ? ex->n : 1, sizeof *t)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < ex->n; i++)
		t[i] = ex->x[i].t;
	memset(&o, 0, sizeof o);
	o.wrap_model = ex->opts.wrap_model;
	o.wrap_key = ex->opts.wrap_key;
	o.sync = ex->opts.sync;
	o.verify = ex->opts.verify;
	o.inputs = inputs;
	o.progress = ex->opts.progress;
	o.pctx = ex->opts.pctx;
	switch (ex->opts.format) {
	case DM_OUT_SAFETENSORS:
		rc = dm_safetensors_write(path, t, ex->n, export_fill, ex, &o,
		    err);
		break;
	case DM_OUT_NPZ:
		rc = dm_npz_write(path, t, ex->n, export_fill, ex, &o, err);
		break;
	default:
		rc = dm_pt_write(path, t, ex->n, export_fill, ex, &o, err);
		break;
	}
	free(t);
	return rc;
}
