/*
 * model.c - the PyTorch model of a net, written as one Python file.
 *
 * The file holds what is particular to the cfg as Python literals (the
 * input size, one dict per layer with what its forward needs, and every
 * tensor of the state_dict with its key and shape), followed by a runtime
 * that is the same for every net (model_rt.py, compiled in as
 * dm_model_runtime): Darknet's inference forward in whole-tensor torch
 * operations.  The tensors are the ones the export plans for the darkmap
 * key scheme, from the same ledger, so the keys and shapes agree with
 * `convert --names darkmap' whatever the profile and overrides changed.
 *
 * What the runtime cannot compute as Darknet does is refused here, with
 * the cfg line of the layer, rather than written wrong.
 */
#include "config.h"

#include "model.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

extern const char dm_model_runtime[];

struct emit {
	const struct dm_net *net;
	FILE		*fp;
	struct dm_error	*err;
	int		*keep;		/* layers read by a later layer */
};

static int refuse(struct emit *, const struct dm_layer *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct emit *e, const struct dm_layer *l, const char *fmt, ...)
{
	char msg[DM_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dm_error_line(e->err, DM_ERR_UNSUPPORTED, e->net->cfg->path, l->line,
	    "layer %zu %s: %s; no model is written", l->index, l->label, msg);
	return dm_error_at_layer(e->err, (long)l->index);
}

/* A Python string literal; bytes outside printable ASCII escaped. */
static void
py_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/*
 * A key as a Python literal: torch keys are text, so a key must be
 * valid UTF-8 (its bytes are written as they are).
 */
static int
py_key(struct emit *e, const struct dm_layer *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	while (*p != '\0') {
		n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
		    (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0)
			return refuse(e, l, "its key '%s' is not UTF-8 text",
			    s);
		for (p++; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return refuse(e, l, "its key '%s' is not "
				    "UTF-8 text", s);
	}
	fputc('"', e->fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(e->fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(e->fp, "\\x%02x", *p);
		else
			fputc(*p, e->fp);
	}
	fputc('"', e->fp);
	return 0;
}

static int
geti(struct emit *e, const struct dm_layer *l, const char *key, int def,
    int *out)
{
	return dm_section_int(e->net->cfg, l->sect, key, def, out, e->err);
}

static int
getf(struct emit *e, const struct dm_layer *l, const char *key, double def,
    double *out)
{
	*out = dm_section_float(l->sect, key, def);
	if (!isfinite(*out))
		return refuse(e, l, "%s=%s is not a finite number (line %d)",
		    key, dm_section_str(l->sect, key),
		    dm_section_line(l->sect, key));
	return 0;
}

static void
kv_int(struct emit *e, const char *key, long long v)
{
	fprintf(e->fp, ", \"%s\": %lld", key, v);
}

static void
kv_float(struct emit *e, const char *key, double v)
{
	fprintf(e->fp, ", \"%s\": %.17g", key, v);
}

static void
kv_str(struct emit *e, const char *key, const char *v)
{
	fprintf(e->fp, ", \"%s\": ", key);
	py_str(e->fp, v);
}

/* The activation names each fork knows; any other is relu in Darknet. */
static const char *const ab_acts[] = {
	"logistic", "swish", "mish", "hard_mish", "normalize_channels",
	"normalize_channels_softmax", "normalize_channels_softmax_maxval",
	"loggy", "relu", "relu6", "elu", "selu", "gelu", "relie", "plse",
	"hardtan", "lhtan", "linear", "ramp", "revleaky", "leaky", "tanh",
	"stair", NULL
};
static const char *const pj_acts[] = {
	"logistic", "loggy", "relu", "elu", "selu", "relie", "plse",
	"hardtan", "lhtan", "linear", "ramp", "leaky", "tanh", "stair", NULL
};

static const char *
act_name(struct emit *e, const struct dm_layer *l, const char *key,
    const char *def)
{
	const char *const *names = e->net->dialect == DM_DIALECT_AB ? ab_acts :
	    pj_acts;
	const char *v = dm_section_str(l->sect, key);
	size_t i;

	if (v == NULL)
		return def;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], v) == 0)
			return names[i];
	return "relu";
}

/* The key convert --names darkmap gives array ai: its rename, if any. */
static void
array_key(const struct dm_net *net, size_t ai, char *buf, size_t len)
{
	if (net->arrays[ai].rename != NULL)
		snprintf(buf, len, "%s", net->arrays[ai].rename);
	else
		dm_export_darkmap_key(net, ai, buf, len);
}

/*
 * The layer's tensors, "array name": "key", checking that each is in the
 * checkpoint as Darknet's save writes it.
 */
static int
emit_params(struct emit *e, const struct dm_layer *l)
{
	const struct dm_net *net = e->net;
	char key[256];
	size_t ai;
	int first = 1;

	fputs(", \"p\": {", e->fp);
	for (ai = l->first_array; ai < l->first_array + l->narrays; ai++) {
		const struct dm_array *a = &net->arrays[ai];

		if (!dm_array_present(a) || a->omit)
			return refuse(e, l, "its array %s %s in the checkpoint "
			    "(%s)", a->name, !dm_array_present(a) ? "is not" :
			    "is left out of", a->omit ? "omitted" :
			    a->load_count == 0 ? "Darknet does not load it" :
			    "absent");
		if (a->load_count != a->save_count &&
		    a->count == a->load_count)
			return refuse(e, l, "Darknet loads %" PRIu64 " of the %"
			    PRIu64 " floats of its %s (dontloadscales or "
			    "numload) and keeps its initial values for the "
			    "rest", a->load_count, a->save_count, a->name);
		array_key(net, ai, key, sizeof key);
		fprintf(e->fp, "%s\"%s\": ", first ? "" : ", ", a->name);
		if (py_key(e, l, key) == -1)
			return -1;
		first = 0;
	}
	fputc('}', e->fp);
	return 0;
}

static int
emit_conv(struct emit *e, const struct dm_layer *l)
{
	const struct dm_net *net = e->net;
	int ab = net->dialect == DM_DIALECT_AB;
	int dil = 1, aa = 0, xnor = 0, share = -1000000000, stride;

	if (ab && (geti(e, l, "dilation", 1, &dil) == -1 ||
	    geti(e, l, "antialiasing", 0, &aa) == -1 ||
	    geti(e, l, "share_index", -1000000000, &share) == -1))
		return -1;
	if (geti(e, l, "xnor", 0, &xnor) == -1 ||
	    geti(e, l, "stride", 1, &stride) == -1)
		return -1;
	if (xnor)
		return refuse(e, l, "xnor=1 (line %d): Darknet binarizes the "
		    "input and the weights in ways that depend on how the "
		    "network was loaded", dm_section_line(l->sect, "xnor"));
	if (l->size == 1)
		dil = 1;
	if (dil < 1)
		return refuse(e, l, "dilation=%d is not positive", dil);
	if (aa < 0 || aa > 2)
		aa = 1;
	if (share != -1000000000) {
		long long idx = share < 0 ? (long long)l->index + share : share;

		fprintf(e->fp, "\"t\": \"conv\"");
		kv_int(e, "share", idx);
	} else {
		fprintf(e->fp, "\"t\": \"conv\"");
		kv_int(e, "share", -1);
	}
	kv_int(e, "sx", l->stride_x);
	kv_int(e, "sy", l->stride_y);
	kv_int(e, "pad", l->pad);
	kv_int(e, "dil", dil);
	kv_int(e, "groups", l->groups);
	kv_int(e, "bn", l->batch_normalize != 0);
	kv_int(e, "aa", aa);
	kv_str(e, "act", act_name(e, l, "activation", "logistic"));
	return 0;
}

static int
emit_refs(struct emit *e, const struct dm_layer *l, const char *key)
{
	int i;

	if (l->nrefs > 8)
		return refuse(e, l, "it lists %d layers, more than the 8 "
		    "darkmap follows", l->nrefs);
	fprintf(e->fp, ", \"%s\": [", key);
	for (i = 0; i < l->nrefs; i++) {
		fprintf(e->fp, "%s%d", i ? ", " : "", l->refs[i]);
		e->keep[l->refs[i]] = 1;
	}
	fputc(']', e->fp);
	return 0;
}

static int
emit_shortcut(struct emit *e, const struct dm_layer *l)
{
	const char *wn = dm_section_str(l->sect, "weights_normalization");
	double a, b;

	if (e->net->dialect == DM_DIALECT_PJ) {
		if (getf(e, l, "alpha", 1, &a) == -1 ||
		    getf(e, l, "beta", 1, &b) == -1)
			return -1;
		fputs("\"t\": \"pj_shortcut\"", e->fp);
		kv_float(e, "alpha", a);
		kv_float(e, "beta", b);
	} else {
		fputs("\"t\": \"shortcut\"", e->fp);
		kv_str(e, "norm", wn == NULL ? "none" :
		    strcmp(wn, "softmax") == 0 ? "softmax" :
		    strcmp(wn, "relu") == 0 || strcmp(wn, "avg_relu") == 0 ?
		    "relu" : "none");
	}
	kv_str(e, "act", act_name(e, l, "activation", "linear"));
	return emit_refs(e, l, "from");
}

static int
emit_pool(struct emit *e, const struct dm_layer *l, int avg)
{
	int depth = 0, outc = 1, aa = 0;

	if (!avg && e->net->dialect == DM_DIALECT_AB &&
	    (geti(e, l, "maxpool_depth", 0, &depth) == -1 ||
	    geti(e, l, "out_channels", 1, &outc) == -1 ||
	    geti(e, l, "antialiasing", 0, &aa) == -1))
		return -1;
	if (depth && outc <= 0)
		return refuse(e, l, "out_channels=%d is not positive", outc);
	if (aa < 0 || aa > 2)
		aa = 1;
	fprintf(e->fp, "\"t\": \"%s\"", avg ? "local_avgpool" : "maxpool");
	kv_int(e, "size", l->size);
	kv_int(e, "sx", l->stride_x);
	kv_int(e, "sy", l->stride_y);
	kv_int(e, "padding", l->pad);
	kv_int(e, "depth", depth);
	kv_int(e, "out_c", outc);
	kv_int(e, "aa", depth ? 0 : aa);
	return 0;
}

static void
emit_dims(struct emit *e, const char *key, int c, int h, int w)
{
	fprintf(e->fp, ", \"%s\": [%d, %d, %d]", key, c, h, w);
}

static int
emit_reorg(struct emit *e, const struct dm_layer *l)
{
	int s = l->stride_x, rev = 0, flatten = 0, extra = 0;
	int pj = e->net->dialect == DM_DIALECT_PJ;
	const char *mode;
	int c = l->in_c, h = l->in_h, w = l->in_w;

	if (geti(e, l, "reverse", 0, &rev) == -1)
		return -1;
	if (pj && l->type == DM_L_REORG &&
	    (geti(e, l, "flatten", 0, &flatten) == -1 ||
	    geti(e, l, "extra", 0, &extra) == -1))
		return -1;
	if (flatten)
		mode = rev ? "unflatten" : "flatten";
	else if (extra)
		mode = "extra";
	else {
		/*
		 * reorg_cpu() runs over the input dimensions in [reorg], over
		 * the output dimensions in [reorg3d]; forward=1 (a scatter)
		 * for reverse, else a gather.
		 */
		mode = rev ? "scatter" : "gather";
		if (l->type == DM_L_REORG3D) {
			c = l->out_c;
			h = l->out_h;
			w = l->out_w;
		}
		if (c % (s * s) != 0 || (!rev && (l->in_h % s || l->in_w % s)))
			return refuse(e, l, "stride=%d does not divide its "
			    "input of %d x %d x %d evenly: Darknet's reorg "
			    "then reads past the sizes it computed", s,
			    l->in_w, l->in_h, l->in_c);
	}
	if (extra < 0)
		return refuse(e, l, "extra=%d is negative", extra);
	fputs("\"t\": \"reorg\"", e->fp);
	kv_str(e, "mode", mode);
	kv_int(e, "stride", s);
	kv_int(e, "extra", extra);
	emit_dims(e, "dims", c, h, w);
	emit_dims(e, "out", l->out_c, l->out_h, l->out_w);
	return 0;
}

static int
emit_from(struct emit *e, const struct dm_layer *l, const char *t)
{
	int wh = 0;

	if (l->type == DM_L_SCALE_CHANNELS &&
	    geti(e, l, "scale_wh", 0, &wh) == -1)
		return -1;
	fprintf(e->fp, "\"t\": \"%s\"", t);
	kv_int(e, "from", l->refs[0]);
	kv_int(e, "scale_wh", wh);
	kv_str(e, "act", act_name(e, l, "activation", "linear"));
	e->keep[l->refs[0]] = 1;
	return 0;
}

static int
mask_len(const struct dm_layer *l, int ab, int *n)
{
	const char *m = dm_section_str(l->sect, "mask");
	const char *p;
	int num = 1;

	if (m == NULL) {
		if (dm_section_str(l->sect, "num") != NULL)
			num = dm_atoi_clamp(dm_section_str(l->sect, "num"));
		*n = num;
		return 0;
	}
	for (*n = 1, p = m; *p != '\0' && !(ab && *p == '#'); p++)
		*n += *p == ',';
	return 0;
}

static int
emit_yolo(struct emit *e, const struct dm_layer *l)
{
	int ab = e->net->dialect == DM_DIALECT_AB, n, nc = 0;
	double sxy = 1;

	mask_len(l, ab, &n);
	if (ab && (getf(e, l, "scale_x_y", 1, &sxy) == -1 ||
	    (l->type == DM_L_YOLO && geti(e, l, "new_coords", 0, &nc) == -1)))
		return -1;
	if (n <= 0 || l->in_c % n != 0)
		return refuse(e, l, "its %d anchors do not divide the %d "
		    "channels before it", n, l->in_c);
	fprintf(e->fp, "\"t\": \"%s\"", l->type == DM_L_YOLO ? "yolo" :
	    "gaussian_yolo");
	kv_int(e, "nmask", n);
	kv_int(e, "new_coords", nc != 0);
	kv_float(e, "scale_x_y", (float)sxy);
	return 0;
}

static int
emit_region(struct emit *e, const struct dm_layer *l)
{
	int num, coords, classes, sm, bg = 0;

	if (geti(e, l, "num", 1, &num) == -1 ||
	    geti(e, l, "coords", 4, &coords) == -1 ||
	    geti(e, l, "classes", 20, &classes) == -1 ||
	    geti(e, l, "softmax", 0, &sm) == -1)
		return -1;
	if (dm_section_str(l->sect, "tree") != NULL)
		return refuse(e, l, "tree= (line %d): the hierarchical "
		    "softmax is not supported", dm_section_line(l->sect,
		    "tree"));
	if (e->net->dialect == DM_DIALECT_PJ &&
	    geti(e, l, "background", 0, &bg) == -1)
		return -1;
	if (e->net->dialect == DM_DIALECT_AB && coords != 4)
		return refuse(e, l, "coords=%d: AlexeyAB's region forward "
		    "assumes 4", coords);
	if (coords < 2 || num <= 0)
		return refuse(e, l, "coords=%d, num=%d", coords, num);
	fputs("\"t\": \"region\"", e->fp);
	kv_int(e, "num", num);
	kv_int(e, "coords", coords);
	kv_int(e, "classes", classes);
	kv_int(e, "softmax", sm != 0);
	kv_int(e, "background", bg != 0);
	return 0;
}

static int
emit_recurrent(struct emit *e, const struct dm_layer *l)
{
	int ab = e->net->dialect == DM_DIALECT_AB, v = 0, dil = 1, peep = 0;
	int neck = 0;

	switch (l->type) {
	case DM_L_RNN:
		if (ab && geti(e, l, "logistic", 0, &v) == -1)
			return -1;
		fputs("\"t\": \"rnn\"", e->fp);
		kv_str(e, "act", act_name(e, l, "activation", "logistic"));
		kv_str(e, "act_in", act_name(e, l, "activation", "logistic"));
		kv_str(e, "act_self", v == 2 ? "loggy" : v == 1 ? "logistic" :
		    act_name(e, l, "activation", "logistic"));
		kv_int(e, "hidden", e->net->arrays[l->first_array].cur_shape[0]);
		kv_int(e, "bn", l->batch_normalize != 0);
		return 0;
	case DM_L_GRU:
		if (!ab && geti(e, l, "tanh", 0, &v) == -1)
			return -1;
		fputs("\"t\": \"gru\"", e->fp);
		kv_int(e, "output", l->filters);
		kv_int(e, "tanh", v != 0);
		kv_int(e, "bn", l->batch_normalize != 0);
		fprintf(e->fp, ", \"names\": %s", ab ?
		    "{\"uz\": \"input_z_layer.\", \"ur\": \"input_r_layer.\", "
		    "\"uh\": \"input_h_layer.\", \"wz\": \"state_z_layer.\", "
		    "\"wr\": \"state_r_layer.\", \"wh\": \"state_h_layer.\"}" :
		    "{\"uz\": \"uz.\", \"ur\": \"ur.\", \"uh\": \"uh.\", "
		    "\"wz\": \"wz.\", \"wr\": \"wr.\", \"wh\": \"wh.\"}");
		return 0;
	case DM_L_LSTM:
		fputs("\"t\": \"lstm\"", e->fp);
		kv_int(e, "output", l->filters);
		kv_int(e, "bn", l->batch_normalize != 0);
		return 0;
	case DM_L_CRNN:
	case DM_L_CONV_LSTM:
		if (ab && geti(e, l, "dilation", 1, &dil) == -1)
			return -1;
		if (l->size == 1)
			dil = 1;
		if (l->type == DM_L_CONV_LSTM &&
		    (geti(e, l, "peephole", 0, &peep) == -1 ||
		    geti(e, l, "bottleneck", 0, &neck) == -1))
			return -1;
		if (neck)
			return refuse(e, l, "bottleneck=1 (line %d): Darknet's "
			    "CPU forward has no bottleneck path",
			    dm_section_line(l->sect, "bottleneck"));
		if (l->stride_x != 1 || l->out_w != l->in_w ||
		    l->out_h != l->in_h)
			return refuse(e, l, "its convolutions do not keep the "
			    "%d x %d input size (check size, stride, pad): "
			    "Darknet's state then has another size than its "
			    "output", l->in_w, l->in_h);
		fprintf(e->fp, "\"t\": \"%s\"", l->type == DM_L_CRNN ?
		    "crnn" : "conv_lstm");
		kv_int(e, "sx", 1);
		kv_int(e, "sy", 1);
		kv_int(e, "pad", l->pad);
		kv_int(e, "dil", dil);
		kv_int(e, "groups", l->groups);
		kv_int(e, "bn", l->batch_normalize != 0);
		kv_int(e, "peephole", peep != 0);
		kv_int(e, "bottleneck", 0);
		kv_str(e, "act", act_name(e, l, "activation",
		    l->type == DM_L_CRNN ? "logistic" : "linear"));
		return 0;
	default:
		return refuse(e, l, "internal: not a recurrent layer");
	}
}

static int
emit_layer(struct emit *e, const struct dm_layer *l)
{
	const struct dm_net *net = e->net;
	int v, w, k;
	double f1, f2, f3, f4;

	switch (l->type) {
	case DM_L_CONV:
		return emit_conv(e, l);
	case DM_L_CONNECTED:
		fputs("\"t\": \"connected\"", e->fp);
		kv_int(e, "bn", l->batch_normalize != 0);
		kv_str(e, "act", act_name(e, l, "activation", "logistic"));
		return 0;
	case DM_L_LOCAL:
		fputs("\"t\": \"local\"", e->fp);
		kv_int(e, "size", l->size);
		kv_int(e, "stride", l->stride_x);
		kv_int(e, "pad", l->pad);
		emit_dims(e, "out", l->out_c, l->out_h, l->out_w);
		kv_str(e, "act", act_name(e, l, "activation", "logistic"));
		return 0;
	case DM_L_BATCHNORM:
		fputs("\"t\": \"batchnorm\"", e->fp);
		return 0;
	case DM_L_SHORTCUT:
		return emit_shortcut(e, l);
	case DM_L_IMPLICIT:
		fputs("\"t\": \"implicit\"", e->fp);
		return 0;
	case DM_L_RNN:
	case DM_L_GRU:
	case DM_L_LSTM:
	case DM_L_CRNN:
	case DM_L_CONV_LSTM:
		return emit_recurrent(e, l);
	case DM_L_HISTORY:
		if (geti(e, l, "history_size", 4, &v) == -1)
			return -1;
		fputs("\"t\": \"history\"", e->fp);
		kv_int(e, "size", v);
		return 0;
	case DM_L_MAXPOOL:
		return emit_pool(e, l, 0);
	case DM_L_LOCAL_AVGPOOL:
		return emit_pool(e, l, 1);
	case DM_L_AVGPOOL:
		fputs("\"t\": \"avgpool\"", e->fp);
		return 0;
	case DM_L_ROUTE:
		if (geti(e, l, "group_id", 0, &v) == -1)
			return -1;
		if (net->dialect == DM_DIALECT_PJ)
			v = 0;
		fputs("\"t\": \"route\"", e->fp);
		kv_int(e, "groups", l->groups);
		kv_int(e, "group_id", v);
		return emit_refs(e, l, "layers");
	case DM_L_UPSAMPLE:
		if (getf(e, l, "scale", 1, &f1) == -1)
			return -1;
		if (l->stride_x == 0)
			return refuse(e, l, "stride=0");
		fputs("\"t\": \"upsample\"", e->fp);
		kv_int(e, "stride", l->stride_x);
		kv_float(e, "scale", (float)f1);
		return 0;
	case DM_L_REORG:
	case DM_L_REORG3D:
		return emit_reorg(e, l);
	case DM_L_SCALE_CHANNELS:
		return emit_from(e, l, "scale_channels");
	case DM_L_SAM:
		return emit_from(e, l, "sam");
	case DM_L_DROPOUT:
	case DM_L_EMPTY:
		fputs("\"t\": \"identity\"", e->fp);
		return 0;
	case DM_L_ACTIVATION:
		fputs("\"t\": \"activation\"", e->fp);
		kv_str(e, "act", act_name(e, l, "activation", "linear"));
		return 0;
	case DM_L_LOGISTIC:
		fputs("\"t\": \"activation\"", e->fp);
		kv_str(e, "act", "logistic");
		return 0;
	case DM_L_L2NORM:
		fputs("\"t\": \"l2norm\"", e->fp);
		return 0;
	case DM_L_NORMALIZATION:
		if (geti(e, l, "size", 5, &v) == -1 ||
		    getf(e, l, "alpha", .0001, &f1) == -1 ||
		    getf(e, l, "beta", .75, &f2) == -1 ||
		    getf(e, l, "kappa", 1, &f3) == -1)
			return -1;
		if (v <= 0)
			return refuse(e, l, "size=%d is not positive", v);
		fputs("\"t\": \"normalization\"", e->fp);
		kv_int(e, "size", v);
		kv_float(e, "alpha", (float)f1);
		kv_float(e, "beta", (float)f2);
		kv_float(e, "kappa", (float)f3);
		return 0;
	case DM_L_CROP:
		if (geti(e, l, "noadjust", 0, &v) == -1)
			return -1;
		if (l->out_w > l->in_w || l->out_h > l->in_h)
			return refuse(e, l, "it crops %d x %d out of %d x %d: "
			    "Darknet reads outside its input", l->out_w,
			    l->out_h, l->in_w, l->in_h);
		fputs("\"t\": \"crop\"", e->fp);
		fprintf(e->fp, ", \"crop\": [%d, %d]", l->out_h, l->out_w);
		kv_int(e, "noadjust", v != 0);
		return 0;
	case DM_L_SOFTMAX:
		if (geti(e, l, "groups", 1, &v) == -1 ||
		    getf(e, l, "temperature", 1, &f1) == -1)
			return -1;
		if (dm_section_str(l->sect, "tree") != NULL)
			return refuse(e, l, "tree= (line %d): the hierarchical "
			    "softmax is not supported",
			    dm_section_line(l->sect, "tree"));
		if (v <= 0 || l->inputs % v != 0)
			return refuse(e, l, "groups=%d does not divide its %d "
			    "inputs", v, l->inputs);
		if (f1 == 0)
			return refuse(e, l, "temperature=0");
		fputs("\"t\": \"softmax\"", e->fp);
		kv_int(e, "groups", v);
		kv_float(e, "temperature", (float)f1);
		return 0;
	case DM_L_COST:
		fputs("\"t\": \"cost\"", e->fp);
		return 0;
	case DM_L_YOLO:
	case DM_L_GAUSSIAN_YOLO:
		return emit_yolo(e, l);
	case DM_L_REGION:
		return emit_region(e, l);
	case DM_L_DETECTION:
		if (geti(e, l, "softmax", 0, &v) == -1 ||
		    geti(e, l, "side", 7, &w) == -1 ||
		    geti(e, l, "classes", 1, &k) == -1)
			return -1;
		fputs("\"t\": \"detection\"", e->fp);
		kv_int(e, "softmax", v != 0);
		kv_int(e, "side", w);
		kv_int(e, "classes", k);
		return 0;
	case DM_L_ISEG:
		fputs("\"t\": \"iseg\"", e->fp);
		kv_int(e, "classes", l->classes);
		return 0;
	case DM_L_DECONV:
		return refuse(e, l, "pjreddie's Darknet cannot load weights "
		    "into a [deconvolutional] layer");
	case DM_L_CONTRASTIVE:
		return refuse(e, l, "[contrastive] is a training layer whose "
		    "inference output is not defined");
	default:
		break;
	}
	(void)f4;
	return refuse(e, l, "Darknet keeps an empty layer for an unknown "
	    "section, which outputs nothing");
}

/* TENSORS: every tensor of the checkpoint, in the export's order. */
static int
emit_tensors(struct emit *e)
{
	const struct dm_net *net = e->net;
	char key[256];
	size_t ai;
	int d;

	fputs("TENSORS = (\n", e->fp);
	for (ai = 0; ai < net->narrays; ai++) {
		const struct dm_array *a = &net->arrays[ai];
		const struct dm_layer *l = &net->layers[a->layer];

		if (!dm_array_present(a) || a->omit)
			continue;
		array_key(net, ai, key, sizeof key);
		fputs("    (", e->fp);
		if (py_key(e, l, key) == -1)
			return -1;
		fputs(", (", e->fp);
		for (d = 0; d < a->ndim; d++)
			fprintf(e->fp, "%" PRIu64 ",", a->cur_shape[d]);
		fprintf(e->fp, "), \"%s\"),\n", a->role == DM_ROLE_ROLLING_MEAN ||
		    a->role == DM_ROLE_ROLLING_VARIANCE ? "b" : "p");
		if (a->role == DM_ROLE_ROLLING_VARIANCE) {
			dm_export_nbt_key(net, ai, key, sizeof key);
			fputs("    (", e->fp);
			if (py_key(e, l, key) == -1)
				return -1;
			fputs(", (), \"n\"),\n", e->fp);
		}
	}
	fputs(")\n\n", e->fp);
	return 0;
}

static int
emit_all(struct emit *e)
{
	const struct dm_net *net = e->net;
	size_t li;
	long out = -1;
	int first;

	fputs("#!/usr/bin/env python3\n", e->fp);
	fputs("# The Darknet network of ", e->fp);
	py_str(e->fp, net->cfg->path);
	fprintf(e->fp, " (%s dialect) as a PyTorch model,\n# written by "
	    "darkmap %s (darkmap model).  Standalone: it imports only torch "
	    "and the\n# standard library.  `python3 THIS.py --help` tells how "
	    "to check it against\n# Darknet's own output.\n",
	    net->dialect == DM_DIALECT_AB ? "AlexeyAB" : "pjreddie",
	    PACKAGE_VERSION);
	fputs("import math\nimport sys\n\nimport torch\n"
	    "import torch.nn.functional as F\n\n", e->fp);
	fputs("CFG = ", e->fp);
	py_str(e->fp, net->cfg->path);
	fprintf(e->fp, "\nDIALECT = \"%s\"\n", net->dialect == DM_DIALECT_AB ?
	    "ab" : "pj");
	fprintf(e->fp, "NET = {\"w\": %d, \"h\": %d, \"c\": %d, \"inputs\": "
	    "%d}\n\n", net->w, net->h, net->c, net->inputs);
	if (emit_tensors(e) == -1)
		return -1;
	fputs("LAYERS = (\n", e->fp);
	for (li = 0; li < net->nlayers; li++) {
		const struct dm_layer *l = &net->layers[li];

		fputs("    {", e->fp);
		if (emit_layer(e, l) == -1)
			return -1;
		kv_int(e, "i", (long long)li);
		kv_int(e, "line", l->line);
		if (emit_params(e, l) == -1)
			return -1;
		fputs("},\n", e->fp);
		if (l->type != DM_L_COST)
			out = (long)li;
	}
	fputs(")\n\n", e->fp);
	if (out < 0)
		return dm_error_file(e->err, DM_ERR_UNSUPPORTED,
		    net->cfg->path, "every layer is [cost]: the network has "
		    "no output");
	e->keep[out] = 1;
	fprintf(e->fp, "OUTPUT = %ld\n", out);
	fputs("KEEP = frozenset((", e->fp);
	for (li = 0, first = 1; li < net->nlayers; li++)
		if (e->keep[li]) {
			fprintf(e->fp, "%s%zu", first ? "" : " ", li);
			fputs(",", e->fp);
			first = 0;
		}
	fputs("))\n", e->fp);
	fputs(dm_model_runtime, e->fp);
	return 0;
}

char *
dm_model_text(const struct dm_net *net, size_t *len, struct dm_error *err)
{
	struct emit e;
	char *buf = NULL;
	size_t n = 0;
	int rc;

	memset(&e, 0, sizeof e);
	e.net = net;
	e.err = err;
	if ((e.keep = calloc(net->nlayers + 1, sizeof *e.keep)) == NULL ||
	    (e.fp = open_memstream(&buf, &n)) == NULL) {
		free(e.keep);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	rc = emit_all(&e);
	if (fclose(e.fp) == EOF && rc == 0)
		rc = dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	free(e.keep);
	if (rc == -1) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int
dm_model_write(const struct dm_net *net, const char *path,
    const char *const *inputs, enum dm_sync sync, struct dm_error *err)
{
	struct dm_atomicfile af;
	size_t len;
	char *text;

	if ((text = dm_model_text(net, &len, err)) == NULL)
		return -1;
	if (dm_atomicfile_open(&af, path, inputs, err) == -1) {
		free(text);
		return -1;
	}
	af.sync = sync;
	if (dm_atomicfile_write(&af, text, len, err) == -1) {
		free(text);
		dm_atomicfile_abort(&af);
		return -1;
	}
	free(text);
	return dm_atomicfile_commit(&af, err);
}
