/*
 * layers.c - the shape rules and the array ledger of each layer type, as
 * Darknet's parser and loader compute them (parse_<type>(),
 * load_weights_upto()).
 *
 * The parser walks the layer sections in order with a running state
 * (c, h, w, inputs): what the previous layer produced, initially the [net]
 * input.  Each layer computes its own output fields and then hands a state
 * to the next layer (for AlexeyAB's antialiasing layers, the output of the
 * hidden blur layer rather than the layer's own fields).  All size
 * arithmetic is C int arithmetic in Darknet, so divisions truncate toward
 * zero; darkmap does the same in 64 bits and refuses what does not fit in
 * an int, where Darknet would overflow.
 *
 * The ledger lists, per layer, the float32 arrays the .weights file holds,
 * in file order, with the count Darknet's loader reads and the count its
 * writer writes (they differ under dontload, dontloadscales, numload and
 * dontsave).
 */
#include "config.h"

#include "layers.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgkeys.h"
#include "grow.h"

/*
 * Errors about the layer being built: "file:line: layer N [type]: ...".
 */
static int berr(struct dm_build *, enum dm_status, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
berr(struct dm_build *b, enum dm_status code, const char *fmt, ...)
{
	char msg[DM_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dm_error_line(b->err, code, b->cfg->path, b->l->line,
	    "layer %zu %s: %s", b->l->index, b->l->label, msg);
	return dm_error_at_layer(b->err, (long)b->l->index);
}

static int bwarn(struct dm_build *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A warning about the layer being built, in the same form.  The arrays
 * grow by doubling: a cfg may have a warning for each of millions of
 * sections.
 */
static int
bwarn(struct dm_build *b, const char *fmt, ...)
{
	struct dm_net *net = b->net;
	char msg[DM_ERROR_MAX];
	size_t cap = net->capwarnings;
	va_list ap;
	int n;

	/* The two arrays share one count of their room. */
	if (dm_grow(&net->warnings, &cap, net->nwarnings,
	    sizeof *net->warnings, 8, b->err) == -1)
		return -1;
	cap = net->capwarnings;
	if (dm_grow(&net->warning_lines, &cap, net->nwarnings,
	    sizeof *net->warning_lines, 8, b->err) == -1)
		return -1;
	net->capwarnings = cap;
	n = snprintf(msg, sizeof msg, "%s:%d: layer %zu %s: ", b->cfg->path,
	    b->l->line, b->l->index, b->l->label);
	if (n < 0 || (size_t)n >= sizeof msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	if ((net->warnings[net->nwarnings] = strdup(msg)) == NULL)
		return dm_error_set(b->err, DM_ERR_NOMEM, "out of memory");
	net->warning_lines[net->nwarnings] = b->l->line;
	net->nwarnings++;
	return 0;
}

static int
geti(struct dm_build *b, const char *key, int def, int *out)
{
	return dm_section_int(b->cfg, b->s, key, def, out, b->err);
}

/* A size that must fit Darknet's int: checks and narrows. */
static int
fit_int(struct dm_build *b, long long v, const char *what, int *out)
{
	if (v > INT_MAX || v < INT_MIN)
		return berr(b, DM_ERR_RANGE, "%s (%lld) overflows Darknet's "
		    "int arithmetic", what, v);
	*out = (int)v;
	return 0;
}

static int
mul3(struct dm_build *b, long long x, long long y, long long z, const char *what,
    int *out)
{
	long long r;

	if (__builtin_mul_overflow(x, y, &r) ||
	    __builtin_mul_overflow(r, z, &r))
		return berr(b, DM_ERR_RANGE, "%s overflows", what);
	return fit_int(b, r, what, out);
}

static int
need_image(struct dm_build *b, const char *what)
{
	if (b->h != 0 && b->w != 0 && b->c != 0)
		return 0;
	return berr(b, DM_ERR_INVALID, "the layer before it does not output "
	    "an image (it gives %d x %d x %d); Darknet stops with \"Layer "
	    "before %s layer must output image.\"", b->w, b->h, b->c, what);
}

/*
 * Writes "key=V" for a message about the value v of an integer key or,
 * when the cfg does not spell it as a plain integer, "key=TEXT reads as V
 * (Darknet's atoi)" and returns 1: "filters=abc" is 0 to Darknet.
 */
static int
int_text(struct dm_build *b, const char *key, int v, char *buf, size_t len)
{
	const char *raw;
	char text[40];

	raw = dm_section_str(b->s, key);
	if (raw == NULL || dm_atoi_whole(raw)) {
		snprintf(buf, len, "%s=%d", key, v);
		return 0;
	}
	dm_printable(text, sizeof text, raw);
	snprintf(buf, len, "%s=%s reads as %d (Darknet's atoi)", key, text, v);
	return 1;
}

static int
need_positive(struct dm_build *b, const char *key, int v)
{
	char text[96];
	int quoted;

	if (v > 0)
		return 0;
	quoted = int_text(b, key, v, text, sizeof text);
	return berr(b, DM_ERR_INVALID, "%s%s must be positive (line %d)",
	    text, quoted ? ", which" : "", dm_section_line(b->s, key));
}

/* Resolves a layer reference: negative is relative, the rest absolute. */
static int
resolve_ref(struct dm_build *b, const char *key, int v, int *out)
{
	long long idx = v;

	if (idx < 0)
		idx += (long long)b->l->index;
	if (idx < 0 || (size_t)idx >= b->l->index)
		return berr(b, DM_ERR_INVALID, "%s refers to layer %d, which "
		    "is %s (line %d); it must name an earlier layer", key, v,
		    idx < 0 ? "before the first layer" :
		    (size_t)idx == b->l->index ? "this layer itself" :
		    "a later layer", dm_section_line(b->s, key));
	*out = (int)idx;
	return 0;
}

/*
 * Parses a Darknet list ("layers=-1,61") into resolved layer indices.
 * stop_at_hash: AlexeyAB's mask/anchors parsers stop counting at '#'.
 */
static int
parse_refs(struct dm_build *b, const char *key, const char *v, int *idx,
    int max, int *n)
{
	const char *p;
	int count = 1, i, raw;

	for (p = v; *p != '\0'; p++)
		if (*p == ',')
			count++;
	if (count > max)
		return berr(b, DM_ERR_RANGE, "%s lists %d layers, more than "
		    "the %d darkmap supports", key, count, max);
	p = v;
	for (i = 0; i < count; i++) {
		if (dm_cfg_atoi(b->cfg, dm_section_line(b->s, key), key, p,
		    &raw, b->err) == -1)
			return -1;
		if (resolve_ref(b, key, raw, &idx[i]) == -1)
			return -1;
		p = strchr(p, ',');
		p = p == NULL ? "" : p + 1;
	}
	*n = count;
	return 0;
}

static int
list_len(const char *v, int stop_at_hash)
{
	int n = 1;

	for (; *v != '\0'; v++) {
		if (stop_at_hash && *v == '#')
			break;
		if (*v == ',')
			n++;
	}
	return n;
}

/*
 * A [yolo] mask names anchors by index.  Darknet keeps num anchors (2 *
 * num floats, zero past those anchors= lists) and reads anchor k at
 * 2 * k: a k of num or more reads past its array (out of bounds: boxes
 * of garbage sizes, or a crash), and a k past the anchors listed reads
 * zeros.  The weights are laid out the same either way, so these are
 * warnings, on the mask's line.
 */
static int
check_mask(struct dm_build *b, const char *m, int mlen, int num, int ab)
{
	const char *an = dm_section_str(b->s, "anchors");
	int line = dm_section_line(b->s, "mask"), listed, i, k;

	listed = an != NULL ? list_len(an, ab) / 2 : 0;
	for (i = 0; i < mlen && *m != '\0'; i++) {
		k = dm_atoi_clamp(m);
		if (k < 0 || k >= num) {
			if (bwarn(b, "mask (line %d) names anchor %d, but "
			    "num=%d: Darknet reads past its anchors there (out "
			    "of bounds)", line, k, num) == -1)
				return -1;
			break;
		}
		if (k >= listed) {
			if (bwarn(b, "mask (line %d) names anchor %d, but "
			    "anchors= lists %d: Darknet reads 0,0 for it",
			    line, k, listed) == -1)
				return -1;
			break;
		}
		if ((m = strchr(m, ',')) == NULL)
			break;
		m++;
	}
	return 0;
}

/* Adds an array to the ledger of the layer being built. */
static int
add_array(struct dm_build *b, const char *sub, enum dm_role role,
    enum dm_block block, unsigned flags, uint64_t load_count,
    uint64_t save_count, int ndim, const uint64_t *shape)
{
	struct dm_net *net = b->net;
	struct dm_array *a;

	if (load_count == 0 && save_count == 0)
		return 0;
	if (dm_grow(&net->arrays, &net->caparrays, net->narrays,
	    sizeof *net->arrays, 256, b->err) == -1)
		return -1;
	a = &net->arrays[net->narrays++];
	memset(a, 0, sizeof *a);
	a->layer = b->l->index;
	snprintf(a->sub, sizeof a->sub, "%s", sub);
	snprintf(a->name, sizeof a->name, "%s%s%s", sub, *sub ? "." : "",
	    dm_role_name(role));
	a->role = role;
	a->block = block;
	a->flags = flags;
	a->load_count = b->l->dontload ? 0 : load_count;
	a->save_count = b->l->dontsave ? 0 : save_count;
	a->ndim = ndim;
	memcpy(a->shape, shape, (size_t)ndim * sizeof *shape);
	a->offset = DM_OFFSET_NONE;
	b->l->narrays++;
	return 0;
}

static int
add_vec(struct dm_build *b, const char *sub, enum dm_role role,
    enum dm_block block, uint64_t load_n, uint64_t save_n)
{
	uint64_t shape[1] = { save_n };

	return add_array(b, sub, role, block, 0, load_n, save_n, 1, shape);
}

/* The BN triple, loaded unless load is 0. */
static int
add_bn(struct dm_build *b, const char *sub, enum dm_block block, uint64_t load_n,
    uint64_t save_n)
{
	if (add_vec(b, sub, DM_ROLE_SCALES, block, load_n, save_n) == -1 ||
	    add_vec(b, sub, DM_ROLE_ROLLING_MEAN, block, load_n, save_n) == -1 ||
	    add_vec(b, sub, DM_ROLE_ROLLING_VARIANCE, block, load_n,
	    save_n) == -1)
		return -1;
	return 0;
}

/*
 * A convolutional block (load_convolutional_weights): biases, the BN
 * triple, weights [n][cin/groups][k][k].  load_n is the filter count the
 * loader reads (pjreddie's numload), loadbn whether it reads the BN triple.
 */
static int
add_conv_block(struct dm_build *b, const char *sub, enum dm_block block,
    long long cin, long long n, long long k, long long groups, int bn,
    int loadbn, long long load_n, unsigned flags)
{
	uint64_t shape[4], per, wl, ws;

	if (groups <= 0)
		return berr(b, DM_ERR_INVALID, "groups=%lld: Darknet divides "
		    "by it", groups);
	if (cin < 0 || n < 0 || k < 0 || load_n < 0 ||
	    __builtin_mul_overflow((uint64_t)(cin / groups),
	    (uint64_t)k * (uint64_t)k, &per) ||
	    __builtin_mul_overflow(per, (uint64_t)n, &ws) ||
	    __builtin_mul_overflow(per, (uint64_t)load_n, &wl))
		return berr(b, DM_ERR_RANGE, "weight count overflows");
	if (add_vec(b, sub, DM_ROLE_BIASES, block, (uint64_t)load_n,
	    (uint64_t)n) == -1)
		return -1;
	if (bn && add_bn(b, sub, block, loadbn ? (uint64_t)load_n : 0,
	    (uint64_t)n) == -1)
		return -1;
	if (block == DM_BLOCK_DECONV) {
		shape[0] = (uint64_t)cin;
		shape[1] = (uint64_t)n;
	} else {
		shape[0] = (uint64_t)n;
		shape[1] = (uint64_t)(cin / groups);
	}
	shape[2] = shape[3] = (uint64_t)k;
	return add_array(b, sub, DM_ROLE_WEIGHTS, block, flags, wl, ws, 4,
	    shape);
}

/*
 * A connected block (load_connected_weights): biases, weights [out][in],
 * then the BN triple.
 */
static int
add_connected_block(struct dm_build *b, const char *sub, long long in,
    long long out, int bn, int loadbn)
{
	uint64_t shape[2], nw;

	if (__builtin_mul_overflow((uint64_t)in, (uint64_t)out, &nw))
		return berr(b, DM_ERR_RANGE, "weight count overflows");
	shape[0] = (uint64_t)out;
	shape[1] = (uint64_t)in;
	if (add_vec(b, sub, DM_ROLE_BIASES, DM_BLOCK_CONNECTED,
	    (uint64_t)out, (uint64_t)out) == -1 ||
	    add_array(b, sub, DM_ROLE_WEIGHTS, DM_BLOCK_CONNECTED,
	    DM_ARRAY_TRANSPOSABLE, nw, nw, 2, shape) == -1)
		return -1;
	if (bn && add_bn(b, sub, DM_BLOCK_CONNECTED,
	    loadbn ? (uint64_t)out : 0, (uint64_t)out) == -1)
		return -1;
	return 0;
}

static void
set_out(struct dm_layer *l, int w, int h, int c, int outputs)
{
	l->out_w = l->next_w = w;
	l->out_h = l->next_h = h;
	l->out_c = l->next_c = c;
	l->outputs = l->next_inputs = outputs;
}

static void
set_in(struct dm_build *b)
{
	b->l->in_w = b->w;
	b->l->in_h = b->h;
	b->l->in_c = b->c;
	b->l->inputs = b->inputs;
}

static int
set_image_out(struct dm_build *b, long long w, long long h, long long c)
{
	int iw = 0, ih = 0, ic = 0, n = 0;

	if (fit_int(b, w, "output width", &iw) == -1 ||
	    fit_int(b, h, "output height", &ih) == -1 ||
	    fit_int(b, c, "output channels", &ic) == -1 ||
	    mul3(b, w, h, c, "output size", &n) == -1)
		return -1;
	set_out(b->l, iw, ih, ic, n);
	return 0;
}

static int
check_out_positive(struct dm_build *b)
{
	if (b->l->out_w > 0 && b->l->out_h > 0 && b->l->out_c > 0)
		return 0;
	return berr(b, DM_ERR_INVALID, "output would be %d x %d x %d from "
	    "an input of %d x %d x %d; check size, stride and padding",
	    b->l->out_w, b->l->out_h, b->l->out_c, b->w, b->h, b->c);
}

/*
 * The hidden blur of AlexeyAB's antialiasing: a depthwise conv whose
 * output goes to the next layer while the layer's own fields keep the
 * stride-1 values.  Stores nothing in the file.
 */
static int
antialias(struct dm_build *b, int aa, int sx, int sy)
{
	struct dm_layer *l = b->l;
	long long bs = 3, bp = 1, w, h;

	if (aa == 2) {
		bs = 2;
		bp = 0;
	}
	w = ((long long)l->out_w + 2 * bp - bs) / sx + 1;
	h = ((long long)l->out_h + 2 * bp - bs) / sy + 1;
	if (fit_int(b, w, "blur width", &l->next_w) == -1 ||
	    fit_int(b, h, "blur height", &l->next_h) == -1 ||
	    mul3(b, w, h, l->out_c, "blur output size", &l->next_inputs) == -1)
		return -1;
	l->next_c = l->out_c;
	return 0;
}

static int
load_flags(struct dm_build *b, struct dm_layer *l)
{
	/*
	 * Only these per-layer keys change the byte layout (spec 6.12).  They
	 * are read before the arrays are recorded so that add_array() can
	 * apply them.
	 */
	if (geti(b, "dontload", 0, &l->dontload) == -1 ||
	    geti(b, "dontloadscales", 0, &l->dontloadscales) == -1)
		return -1;
	if (b->net->dialect == DM_DIALECT_PJ &&
	    (geti(b, "dontsave", 0, &l->dontsave) == -1 ||
	    geti(b, "numload", 0, &l->numload) == -1))
		return -1;
	return 0;
}

/* Reads filters, size, stride and pad, the keys of a windowed layer. */
static int
get_window(struct dm_build *b, int *n, int *size, int *stride, int *pad)
{
	if (geti(b, "filters", 1, n) == -1 ||
	    geti(b, "size", 1, size) == -1 ||
	    geti(b, "stride", 1, stride) == -1 ||
	    geti(b, "pad", 0, pad) == -1)
		return -1;
	return 0;
}

/* Sets the input of a windowed layer, its window size and strides. */
static void
set_window(struct dm_build *b, int size, int sx, int sy)
{
	struct dm_layer *l = b->l;

	set_in(b);
	l->size = size;
	l->stride_x = sx;
	l->stride_y = sy;
}

/*
 * What a convolution-like layer (what) needs and sets first: an image in,
 * positive filters, size and strides; then its input and those fields.
 */
static int
conv_like(struct dm_build *b, const char *what, int n, int size, int sx,
    int sy)
{
	if (need_image(b, what) == -1 ||
	    need_positive(b, "filters", n) == -1 ||
	    need_positive(b, "size", size) == -1 ||
	    need_positive(b, "stride", sx) == -1 ||
	    need_positive(b, "stride", sy) == -1)
		return -1;
	set_window(b, size, sx, sy);
	b->l->filters = n;
	return 0;
}

static int
parse_conv(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int n, groups, size, stride, sx = -1, sy = -1, dilation, aa = 0;
	int pad, padding, bn, cbn = 0, xnor = 0, share = -1000000000;
	int flipped, loadn;
	int ab = b->net->dialect == DM_DIALECT_AB;
	long long ow, oh;

	if (geti(b, "filters", 1, &n) == -1 ||
	    geti(b, "groups", 1, &groups) == -1 ||
	    geti(b, "size", 1, &size) == -1)
		return -1;
	if (ab) {
		if (geti(b, "stride_x", -1, &sx) == -1 ||
		    geti(b, "stride_y", -1, &sy) == -1 ||
		    geti(b, "stride", 1, &stride) == -1)
			return -1;
		if (sx < 1)
			sx = stride;
		if (sy < 1)
			sy = stride;
		if (geti(b, "dilation", 1, &dilation) == -1 ||
		    geti(b, "antialiasing", 0, &aa) == -1 ||
		    geti(b, "share_index", -1000000000, &share) == -1 ||
		    geti(b, "cbn", 0, &cbn) == -1 ||
		    geti(b, "xnor", 0, &xnor) == -1)
			return -1;
		if (groups < 1)
			groups = 1;
		if (xnor)
			groups = 1;
	} else {
		if (geti(b, "stride", 1, &stride) == -1)
			return -1;
		sx = sy = stride;
	}
	if (geti(b, "pad", 0, &pad) == -1 ||
	    geti(b, "padding", 0, &padding) == -1 ||
	    geti(b, "batch_normalize", 0, &bn) == -1 ||
	    geti(b, "flipped", 0, &flipped) == -1)
		return -1;
	if (cbn)
		bn = 2;
	if (pad)
		padding = size / 2;
	if (conv_like(b, "convolutional", n, size, sx, sy) == -1)
		return -1;
	if (groups == 0) {
		char text[96];

		int_text(b, "groups", groups, text, sizeof text);
		return berr(b, DM_ERR_INVALID, "%s: pjreddie's Darknet divides "
		    "by it (line %d)", text, dm_section_line(b->s, "groups"));
	}
	if (need_positive(b, "groups", groups) == -1)
		return -1;
	l->pad = padding;
	l->groups = groups;
	l->batch_normalize = bn;
	if (aa)
		ow = (long long)b->w + 2LL * padding - size + 1,
		oh = (long long)b->h + 2LL * padding - size + 1;
	else
		ow = ((long long)b->w + 2LL * padding - size) / sx + 1,
		oh = ((long long)b->h + 2LL * padding - size) / sy + 1;
	if (set_image_out(b, ow, oh, n) == -1 || check_out_positive(b) == -1)
		return -1;
	if (aa && antialias(b, aa, sx, sy) == -1)
		return -1;
	if (load_flags(b, l) == -1)
		return -1;
	if (ab && share != -1000000000) {
		int idx;
		struct dm_layer *o;

		if (resolve_ref(b, "share_index", share, &idx) == -1)
			return -1;
		o = &b->net->layers[idx];
		if (o->type != DM_L_CONV || o->filters != n ||
		    o->size != size || o->in_c != b->c || o->groups != groups)
			return berr(b, DM_ERR_INVALID, "share_index=%d names "
			    "layer %d, which is not a convolutional layer of "
			    "the same filters, size, groups and channels",
			    share, idx);
		return 0;	/* shares that layer's arrays: nothing in file */
	}
	loadn = (!ab && l->numload != 0) ? l->numload : n;
	if (loadn < 0 || loadn > n)
		return berr(b, DM_ERR_INVALID, "numload=%d is outside 0..%d",
		    loadn, n);
	return add_conv_block(b, "", DM_BLOCK_CONV, b->c, n, size, groups, bn,
	    !l->dontloadscales, loadn, flipped ? DM_ARRAY_FLIPPED : 0);
}

static int
parse_deconv(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int n, size, stride, pad, padding, bn, loadn;

	if (get_window(b, &n, &size, &stride, &pad) == -1 ||
	    geti(b, "padding", 0, &padding) == -1 ||
	    geti(b, "batch_normalize", 0, &bn) == -1)
		return -1;
	if (pad)
		padding = size / 2;
	if (conv_like(b, "deconvolutional", n, size, stride, stride) == -1)
		return -1;
	l->pad = padding;
	l->groups = 1;
	l->batch_normalize = bn;
	if (set_image_out(b, ((long long)b->w - 1) * stride + size - 2LL * padding,
	    ((long long)b->h - 1) * stride + size - 2LL * padding, n) == -1 ||
	    check_out_positive(b) == -1 || load_flags(b, l) == -1)
		return -1;
	loadn = l->numload != 0 ? l->numload : n;
	if (loadn < 0 || loadn > n)
		return berr(b, DM_ERR_INVALID, "numload=%d is outside 0..%d",
		    loadn, n);
	if (b->net->unloadable == NULL)
		b->net->unloadable = l;
	return add_conv_block(b, "", DM_BLOCK_DECONV, b->c, n, size, 1, bn,
	    !l->dontloadscales, loadn, 0);
}

static int
parse_connected(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int out, bn;

	if (geti(b, "output", 1, &out) == -1 ||
	    geti(b, "batch_normalize", 0, &bn) == -1)
		return -1;
	if (need_positive(b, "output", out) == -1)
		return -1;
	if (b->inputs <= 0)
		return berr(b, DM_ERR_INVALID, "the layer before it outputs "
		    "nothing (%d values)", b->inputs);
	l->in_w = l->in_h = 1;
	l->in_c = l->inputs = b->inputs;
	l->filters = out;
	l->batch_normalize = bn;
	set_out(l, 1, 1, out, out);
	if (load_flags(b, l) == -1)
		return -1;
	return add_connected_block(b, "", b->inputs, out, bn,
	    !l->dontloadscales);
}

static int
parse_local(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int n, size, stride, pad, locs = 0;
	long long ow, oh;
	uint64_t shape[5], nb, nw;

	if (get_window(b, &n, &size, &stride, &pad) == -1 ||
	    conv_like(b, "local", n, size, stride, stride) == -1)
		return -1;
	l->pad = pad;
	ow = ((long long)b->w - (pad ? 1 : size)) / stride + 1;
	oh = ((long long)b->h - (pad ? 1 : size)) / stride + 1;
	if (set_image_out(b, ow, oh, n) == -1 || check_out_positive(b) == -1 ||
	    load_flags(b, l) == -1)
		return -1;
	if (mul3(b, ow, oh, 1, "locations", &locs) == -1)
		return -1;
	nb = (uint64_t)l->outputs;
	if (__builtin_mul_overflow((uint64_t)b->c, (uint64_t)size, &nw) ||
	    __builtin_mul_overflow(nw, (uint64_t)size, &nw) ||
	    __builtin_mul_overflow(nw, (uint64_t)n, &nw) ||
	    __builtin_mul_overflow(nw, (uint64_t)locs, &nw))
		return berr(b, DM_ERR_RANGE, "weight count overflows");
	shape[0] = (uint64_t)n;
	shape[1] = (uint64_t)oh;
	shape[2] = (uint64_t)ow;
	if (add_array(b, "", DM_ROLE_BIASES, DM_BLOCK_LOCAL, 0, nb, nb, 3,
	    shape) == -1)
		return -1;
	shape[0] = (uint64_t)locs;
	shape[1] = (uint64_t)n;
	shape[2] = (uint64_t)b->c;
	shape[3] = shape[4] = (uint64_t)size;
	return add_array(b, "", DM_ROLE_WEIGHTS, DM_BLOCK_LOCAL, 0, nw, nw, 5,
	    shape);
}

static int
parse_batchnorm(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	uint64_t c;

	set_in(b);
	if (set_image_out(b, b->w, b->h, b->c) == -1 || load_flags(b, l) == -1)
		return -1;
	c = b->c > 0 ? (uint64_t)b->c : 0;
	if (b->net->dialect == DM_DIALECT_AB &&
	    add_vec(b, "", DM_ROLE_BIASES, DM_BLOCK_BATCHNORM, c, c) == -1)
		return -1;
	return add_bn(b, "", DM_BLOCK_BATCHNORM, c, c);
}

static int
parse_shortcut(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	const char *from, *wt, *wn;
	char text[48];
	int n, i, per = 0, norm = 0;
	uint64_t shape[2], count;

	if ((from = dm_section_str(b->s, "from")) == NULL)
		return berr(b, DM_ERR_INVALID, "needs from= (the layers to "
		    "add); Darknet crashes without it");
	set_in(b);
	if (set_image_out(b, b->w, b->h, b->c) == -1)
		return -1;
	if (b->net->dialect == DM_DIALECT_PJ) {
		int raw;

		if (dm_cfg_atoi(b->cfg, dm_section_line(b->s, "from"), "from",
		    from, &raw, b->err) == -1 ||
		    resolve_ref(b, "from", raw, &l->refs[0]) == -1)
			return -1;
		l->nrefs = 1;
		return load_flags(b, l);
	}
	if (parse_refs(b, "from", from, l->refs, 8, &l->nrefs) == -1)
		return -1;
	wt = dm_section_str(b->s, "weights_type");
	wn = dm_section_str(b->s, "weights_normalization");
	if (wt == NULL || strcmp(wt, "none") == 0)
		per = 0;
	else if (strcmp(wt, "per_feature") == 0 || strcmp(wt, "per_layer") == 0)
		per = 1;
	else if (strcmp(wt, "per_channel") == 0)
		per = 2;
	else {
		dm_printable(text, sizeof text, wt);
		return berr(b, DM_ERR_INVALID, "weights_type=%s is not one of "
		    "none, per_feature, per_layer, per_channel (line %d)", text,
		    dm_section_line(b->s, "weights_type"));
	}
	if (wn == NULL || strcmp(wn, "none") == 0)
		norm = 0;
	else if (strcmp(wn, "relu") == 0 || strcmp(wn, "avg_relu") == 0 ||
	    strcmp(wn, "softmax") == 0)
		norm = 1;
	else if (per != 0) {
		dm_printable(text, sizeof text, wn);
		return berr(b, DM_ERR_INVALID, "weights_normalization=%s is "
		    "not one of none, relu, avg_relu, softmax (line %d)", text,
		    dm_section_line(b->s, "weights_normalization"));
	}
	if (per != 0 && norm == 0 && wt != NULL)
		return berr(b, DM_ERR_INVALID, "weights_type=%s needs "
		    "weights_normalization=relu or softmax; Darknet stops with "
		    "\"Incorrect weights_normalization\" (line %d)", wt,
		    dm_section_line(b->s, "weights_type"));
	for (i = 0; i < l->nrefs; i++) {
		struct dm_layer *o = &b->net->layers[l->refs[i]];

		if (o->out_w != b->w || o->out_h != b->h)
			if (bwarn(b, "adds layer %d (%d x %d x %d) to an input "
			    "of %d x %d x %d; AlexeyAB's Makefile build aborts "
			    "here", l->refs[i], o->out_w, o->out_h, o->out_c,
			    b->w, b->h, b->c) == -1)
				return -1;
	}
	if (load_flags(b, l) == -1 || per == 0)
		return 0;
	n = l->nrefs + 1;
	shape[0] = (uint64_t)n;
	shape[1] = (uint64_t)(b->c > 0 ? b->c : 0);
	count = per == 1 ? (uint64_t)n : (uint64_t)n * shape[1];
	return add_array(b, "", DM_ROLE_WEIGHTS, DM_BLOCK_SHORTCUT, 0, count,
	    count, per == 1 ? 1 : 2, shape);
}

static int
parse_implicit(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int filters, atoms, n = 0;
	uint64_t shape[2];

	if (geti(b, "filters", 128, &filters) == -1 ||
	    geti(b, "atoms", 1, &atoms) == -1)
		return -1;
	if (need_positive(b, "filters", filters) == -1 ||
	    need_positive(b, "atoms", atoms) == -1 ||
	    mul3(b, filters, atoms, 1, "output size", &n) == -1)
		return -1;
	l->filters = filters;
	set_out(l, 1, atoms, filters, n);
	if (load_flags(b, l) == -1)
		return -1;
	shape[0] = (uint64_t)filters;
	shape[1] = (uint64_t)atoms;
	return add_array(b, "", DM_ROLE_WEIGHTS, DM_BLOCK_IMPLICIT, 0,
	    (uint64_t)n, (uint64_t)n, 2, shape);
}

/*
 * Sets what a recurrent layer of connected gates is: its inputs, output
 * filters and batch norm, and its output, a 1 x 1 x out image or a flat
 * vector; then reads its flags.
 */
static int
recurrent_out(struct dm_build *b, int out, int bn, int image)
{
	struct dm_layer *l = b->l;

	l->inputs = b->inputs;
	l->filters = out;
	l->batch_normalize = bn;
	if (image)
		set_out(l, 1, 1, out, out);
	else
		set_out(l, 0, 0, 0, out);
	return load_flags(b, l);
}

/* Reads output, which must be positive, and batch_normalize. */
static int
get_output(struct dm_build *b, int *out, int *bn)
{
	if (geti(b, "output", 1, out) == -1 ||
	    geti(b, "batch_normalize", 0, bn) == -1 ||
	    need_positive(b, "output", *out) == -1)
		return -1;
	return 0;
}

static int
parse_rnn(struct dm_build *b)
{
	int out, hidden, bn;

	if (geti(b, "output", 1, &out) == -1 ||
	    geti(b, "batch_normalize", 0, &bn) == -1)
		return -1;
	hidden = out;
	if (b->net->dialect == DM_DIALECT_AB &&
	    geti(b, "hidden", 1, &hidden) == -1)
		return -1;
	if (need_positive(b, "output", out) == -1 ||
	    need_positive(b, "hidden", hidden) == -1 ||
	    recurrent_out(b, out, bn, b->net->dialect == DM_DIALECT_AB) == -1)
		return -1;
	if (add_connected_block(b, "input_layer", b->inputs, hidden, bn, 1) ||
	    add_connected_block(b, "self_layer", hidden, hidden, bn, 1) ||
	    add_connected_block(b, "output_layer", hidden, out, bn, 1))
		return -1;
	return 0;
}

static int
parse_gru(struct dm_build *b)
{
	static const char *const ab[] = { "input_z_layer", "input_r_layer",
	    "input_h_layer", "state_z_layer", "state_r_layer",
	    "state_h_layer" };
	static const char *const pj[] = { "wz", "wr", "wh", "uz", "ur", "uh" };
	int out, bn, i, isab = b->net->dialect == DM_DIALECT_AB, in;

	if (get_output(b, &out, &bn) == -1 ||
	    recurrent_out(b, out, bn, 0) == -1)
		return -1;
	for (i = 0; i < 6; i++) {
		/* AB: input_* from the input first; PJ: w* (state) first. */
		if (isab)
			in = i < 3 ? b->inputs : out;
		else
			in = i < 3 ? out : b->inputs;
		if (add_connected_block(b, isab ? ab[i] : pj[i], in, out, bn,
		    1) == -1)
			return -1;
	}
	return 0;
}

static int
parse_lstm(struct dm_build *b)
{
	static const char *const ab[] = { "wf", "wi", "wg", "wo", "uf", "ui",
	    "ug", "uo" };
	static const char *const pj[] = { "wi", "wf", "wo", "wg", "ui", "uf",
	    "uo", "ug" };
	int out, bn, i, isab = b->net->dialect == DM_DIALECT_AB;

	if (get_output(b, &out, &bn) == -1 ||
	    recurrent_out(b, out, bn, isab) == -1)
		return -1;
	for (i = 0; i < 8; i++)
		if (add_connected_block(b, isab ? ab[i] : pj[i],
		    i < 4 ? out : b->inputs, out, bn, 1) == -1)
			return -1;
	return 0;
}

/*
 * The shape of a convolutional recurrent cell ([crnn], [conv_lstm]): its
 * convolutions run on the input size, and its output has `out' channels.
 * Size, stride and groups must be positive.
 */
static int
conv_cell_shape(struct dm_build *b, int out, int size, int stride, int padding,
    int groups, int bn)
{
	struct dm_layer *l = b->l;
	long long ow, oh;

	if (need_positive(b, "size", size) == -1 ||
	    need_positive(b, "stride", stride) == -1 ||
	    need_positive(b, "groups", groups) == -1)
		return -1;
	set_window(b, size, stride, stride);
	l->filters = out;
	l->pad = padding;
	l->groups = groups;
	l->batch_normalize = bn;
	ow = ((long long)b->w + 2LL * padding - size) / stride + 1;
	oh = ((long long)b->h + 2LL * padding - size) / stride + 1;
	if (set_image_out(b, ow, oh, out) == -1 || load_flags(b, l) == -1)
		return -1;
	return 0;
}

/*
 * Reads size, stride, pad and padding, the window of a convolutional
 * cell; pad=1 makes padding half the size.
 */
static int
get_cell(struct dm_build *b, int *size, int *stride, int *padding)
{
	int pad;

	if (geti(b, "size", 3, size) == -1 ||
	    geti(b, "stride", 1, stride) == -1 ||
	    geti(b, "pad", 0, &pad) == -1 ||
	    geti(b, "padding", 0, padding) == -1)
		return -1;
	if (pad)
		*padding = *size / 2;
	return 0;
}

static int
parse_crnn(struct dm_build *b)
{
	int size = 3, stride = 1, padding = 0, groups = 1;
	int out, hidden, bn, ab = b->net->dialect == DM_DIALECT_AB;

	if (ab) {
		if (get_cell(b, &size, &stride, &padding) == -1 ||
		    geti(b, "output", 1, &out) == -1 ||
		    geti(b, "hidden", 1, &hidden) == -1 ||
		    geti(b, "groups", 1, &groups) == -1)
			return -1;
	} else {
		if (geti(b, "output_filters", 1, &out) == -1 ||
		    geti(b, "hidden_filters", 1, &hidden) == -1)
			return -1;
		padding = 1;
	}
	if (geti(b, "batch_normalize", 0, &bn) == -1)
		return -1;
	if (need_positive(b, ab ? "output" : "output_filters", out) == -1 ||
	    need_positive(b, ab ? "hidden" : "hidden_filters", hidden) == -1 ||
	    conv_cell_shape(b, out, size, stride, padding, groups, bn) == -1)
		return -1;
	if (add_conv_block(b, "input_layer", DM_BLOCK_CONV, b->c, hidden, size,
	    groups, bn, 1, hidden, 0) == -1 ||
	    add_conv_block(b, "self_layer", DM_BLOCK_CONV, hidden, hidden, size,
	    groups, bn, 1, hidden, 0) == -1 ||
	    add_conv_block(b, "output_layer", DM_BLOCK_CONV, hidden, out, size,
	    groups, bn, 1, out, 0) == -1)
		return -1;
	return 0;
}

static int
parse_conv_lstm(struct dm_build *b)
{
	static const char *const v[] = { "vf", "vi", "vo" };
	static const char *const w[] = { "wi", "wg", "wo" };
	static const char *const u[] = { "uf", "ui", "ug", "uo" };
	int size, stride, padding, out, groups, bn, peep, neck, i;

	if (get_cell(b, &size, &stride, &padding) == -1 ||
	    geti(b, "output", 1, &out) == -1 ||
	    geti(b, "groups", 1, &groups) == -1 ||
	    geti(b, "batch_normalize", 0, &bn) == -1 ||
	    geti(b, "peephole", 0, &peep) == -1 ||
	    geti(b, "bottleneck", 0, &neck) == -1)
		return -1;
	if (need_positive(b, "output", out) == -1 ||
	    conv_cell_shape(b, out, size, stride, padding, groups, bn) == -1)
		return -1;
	for (i = 0; peep && i < 3; i++)
		if (add_conv_block(b, v[i], DM_BLOCK_CONV, out, out, size,
		    groups, bn, 1, out, 0) == -1)
			return -1;
	if (add_conv_block(b, "wf", DM_BLOCK_CONV, neck ? 2LL * out : out, out,
	    size, groups, bn, 1, out, 0) == -1)
		return -1;
	for (i = 0; !neck && i < 3; i++)
		if (add_conv_block(b, w[i], DM_BLOCK_CONV, out, out, size,
		    groups, bn, 1, out, 0) == -1)
			return -1;
	for (i = 0; i < 4; i++)
		if (add_conv_block(b, u[i], DM_BLOCK_CONV, b->c, out, size,
		    groups, bn, 1, out, 0) == -1)
			return -1;
	return 0;
}

static int
parse_pool(struct dm_build *b, int avg)
{
	struct dm_layer *l = b->l;
	int stride, sx, sy, size, padding, depth = 0, outc = 1, aa = 0;
	int ab = b->net->dialect == DM_DIALECT_AB;
	long long ow, oh;

	if (geti(b, "stride", 1, &stride) == -1)
		return -1;
	sx = sy = stride;
	if (ab && (geti(b, "stride_x", stride, &sx) == -1 ||
	    geti(b, "stride_y", stride, &sy) == -1))
		return -1;
	if (geti(b, "size", stride, &size) == -1)
		return -1;
	if (need_positive(b, "size", size) == -1 ||
	    geti(b, "padding", size - 1, &padding) == -1)
		return -1;
	if (ab && !avg && (geti(b, "maxpool_depth", 0, &depth) == -1 ||
	    geti(b, "out_channels", 1, &outc) == -1 ||
	    geti(b, "antialiasing", 0, &aa) == -1))
		return -1;
	if (need_image(b, avg ? "[local_avgpool]" : "[maxpool]") == -1)
		return -1;
	set_window(b, size, sx, sy);
	l->pad = padding;
	if (depth) {
		if (set_image_out(b, b->w, b->h, outc) == -1)
			return -1;
	} else {
		if (need_positive(b, sx != stride ? "stride_x" : "stride",
		    sx) == -1 ||
		    need_positive(b, sy != stride ? "stride_y" : "stride",
		    sy) == -1)
			return -1;
		if (aa)
			ow = (long long)b->w + padding - size + 1,
			oh = (long long)b->h + padding - size + 1;
		else
			ow = ((long long)b->w + padding - size) / sx + 1,
			oh = ((long long)b->h + padding - size) / sy + 1;
		if (set_image_out(b, ow, oh, b->c) == -1)
			return -1;
	}
	if (check_out_positive(b) == -1)
		return -1;
	if (aa && !depth && antialias(b, aa, sx, sy) == -1)
		return -1;
	return load_flags(b, l);
}

static int
parse_route(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	const char *v;
	int groups = 1, group_id = 0, i, *r = l->refs;
	long long sum = 0;
	struct dm_layer *first;
	int ow, oh, oc;

	if ((v = dm_section_str(b->s, "layers")) == NULL)
		return berr(b, DM_ERR_INVALID, "needs layers= (the layers to "
		    "concatenate); Darknet stops with \"Route Layer must "
		    "specify input layers\"");
	if (parse_refs(b, "layers", v, r, 8, &l->nrefs) == -1)
		return -1;
	if (b->net->dialect == DM_DIALECT_AB &&
	    (geti(b, "groups", 1, &groups) == -1 ||
	    geti(b, "group_id", 0, &group_id) == -1))
		return -1;
	if (need_positive(b, "groups", groups) == -1)
		return -1;
	if (group_id < 0 || group_id >= groups)
		return berr(b, DM_ERR_INVALID, "group_id=%d is outside 0..%d",
		    group_id, groups - 1);
	for (i = 0; i < l->nrefs; i++)
		sum += b->net->layers[r[i]].outputs;
	first = &b->net->layers[r[0]];
	ow = first->out_w;
	oh = first->out_h;
	oc = first->out_c;
	for (i = 1; i < l->nrefs; i++) {
		struct dm_layer *o = &b->net->layers[r[i]];

		if (o->out_w == first->out_w && o->out_h == first->out_h) {
			if (fit_int(b, (long long)oc + o->out_c, "channels",
			    &oc) == -1)
				return -1;
		} else {
			if (bwarn(b, "layer %d is %d x %d but layer %d is "
			    "%d x %d: Darknet's route gives no image here",
			    r[0], first->out_w, first->out_h, r[i], o->out_w,
			    o->out_h) == -1)
				return -1;
			ow = oh = oc = 0;
		}
	}
	l->groups = groups;
	l->in_w = first->in_w;
	l->in_h = first->in_h;
	l->in_c = oc / groups;
	if (fit_int(b, sum / groups, "outputs", &l->inputs) == -1)
		return -1;
	set_out(l, ow, oh, oc / groups, l->inputs);
	return load_flags(b, l);
}

static int
parse_simple(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	int ab = b->net->dialect == DM_DIALECT_AB;
	int s, rev, extra = 0, n, hs, num, classes, coords, side, mlen, ids;
	const char *m;
	long long v;

	set_in(b);
	switch (l->type) {
	case DM_L_HISTORY:
		if (geti(b, "history_size", 4, &hs) == -1 ||
		    need_positive(b, "history_size", hs) == -1)
			return -1;
		return set_image_out(b, b->w, b->h, (long long)b->c * hs);
	case DM_L_AVGPOOL:
		if (need_image(b, "avgpool") == -1)
			return -1;
		return set_image_out(b, 1, 1, b->c);
	case DM_L_UPSAMPLE:
		if (geti(b, "stride", 2, &s) == -1)
			return -1;
		l->stride_x = l->stride_y = s;
		if (s < 0) {
			if (s == INT_MIN)
				return berr(b, DM_ERR_RANGE, "stride too large");
			return set_image_out(b, b->w / -s, b->h / -s, b->c);
		}
		return set_image_out(b, (long long)b->w * s,
		    (long long)b->h * s, b->c);
	case DM_L_REORG:
	case DM_L_REORG3D:
		if (geti(b, "stride", 1, &s) == -1 ||
		    geti(b, "reverse", 0, &rev) == -1)
			return -1;
		if (!ab && (geti(b, "extra", 0, &extra) == -1))
			return -1;
		if (need_image(b, "reorg") == -1 ||
		    need_positive(b, "stride", s) == -1)
			return -1;
		l->stride_x = l->stride_y = s;
		if (__builtin_mul_overflow((long long)s, (long long)s, &v) ||
		    __builtin_mul_overflow(v, (long long)b->c, &v) ||
		    v > INT_MAX)
			return berr(b, DM_ERR_RANGE, "stride=%d: channels x "
			    "stride x stride overflows", s);
		if (rev)
			v = set_image_out(b, (long long)b->w * s,
			    (long long)b->h * s, b->c / ((long long)s * s));
		else
			v = set_image_out(b, b->w / s, b->h / s, v);
		if (v == -1)
			return -1;
		if (extra) {
			set_out(l, 0, 0, 0, 0);
			return fit_int(b, (long long)b->inputs + extra,
			    "outputs", &l->outputs) == -1 ? -1 :
			    (l->next_inputs = l->outputs, 0);
		}
		return 0;
	case DM_L_SCALE_CHANNELS:
	case DM_L_SAM: {
		const char *f = dm_section_str(b->s, "from");
		int raw, idx;
		struct dm_layer *o;

		if (f == NULL)
			return berr(b, DM_ERR_INVALID, "needs from=; Darknet "
			    "crashes without it");
		if (dm_cfg_atoi(b->cfg, dm_section_line(b->s, "from"), "from",
		    f, &raw, b->err) == -1 ||
		    resolve_ref(b, "from", raw, &idx) == -1)
			return -1;
		l->refs[0] = idx;
		l->nrefs = 1;
		o = &b->net->layers[idx];
		set_out(l, o->out_w, o->out_h, o->out_c, 0);
		return mul3(b, o->out_w, o->out_h, o->out_c, "outputs",
		    &l->outputs) == -1 ? -1 : (l->next_inputs = l->outputs, 0);
	}
	case DM_L_DROPOUT:
		if (ab)
			l->in_w = l->in_h = l->in_c = 0;
		set_out(l, b->w, b->h, b->c, b->inputs);
		return 0;
	case DM_L_ACTIVATION:
	case DM_L_LOGISTIC:
	case DM_L_L2NORM:
	case DM_L_EMPTY:
		set_out(l, b->w, b->h, b->c, b->inputs);
		return 0;
	case DM_L_NORMALIZATION:
	case DM_L_BATCHNORM:
		return set_image_out(b, b->w, b->h, b->c);
	case DM_L_CROP: {
		int cw, ch;

		if (geti(b, "crop_width", 1, &cw) == -1 ||
		    geti(b, "crop_height", 1, &ch) == -1)
			return -1;
		if (need_image(b, "crop") == -1)
			return -1;
		return set_image_out(b, cw, ch, b->c);
	}
	case DM_L_SOFTMAX:
	case DM_L_COST:
	case DM_L_CONTRASTIVE:
		if (l->type == DM_L_CONTRASTIVE) {
			int raw, idx;

			if (dm_section_str(b->s, "yolo_layer") == NULL)
				return berr(b, DM_ERR_INVALID, "needs "
				    "yolo_layer= (the [yolo] layer it pairs "
				    "with); Darknet crashes without it");
			if (geti(b, "yolo_layer", 0, &raw) == -1 ||
			    resolve_ref(b, "yolo_layer", raw, &idx) == -1)
				return -1;
			if (idx == 0 || b->net->layers[idx].type != DM_L_YOLO)
				return berr(b, DM_ERR_INVALID, "yolo_layer "
				    "names layer %d, which is not a [yolo] "
				    "layer", idx);
		}
		if (l->type == DM_L_COST)
			l->in_w = l->in_h = l->in_c = 0;
		set_out(l, 0, 0, 0, b->inputs);
		return 0;
	case DM_L_YOLO:
	case DM_L_GAUSSIAN_YOLO:
		if (geti(b, "classes", 20, &classes) == -1 ||
		    geti(b, "num", 1, &num) == -1)
			return -1;
		m = dm_section_str(b->s, "mask");
		mlen = m != NULL ? list_len(m, ab) : num;
		l->classes = classes;
		if (m != NULL && check_mask(b, m, mlen, num, ab) == -1)
			return -1;
		if (set_image_out(b, b->w, b->h, (long long)mlen *
		    ((long long)classes + (l->type == DM_L_YOLO ? 5 : 9))) == -1)
			return -1;
		if (l->outputs != b->inputs)
			return berr(b, DM_ERR_INVALID, "%d anchors x (classes=%d "
			    "+ %d) x %d x %d = %d values, but the layer before "
			    "gives %d: filters= of the [convolutional] layer "
			    "before must be %d", mlen, classes,
			    l->type == DM_L_YOLO ? 5 : 9, b->w, b->h,
			    l->outputs, b->inputs, l->out_c);
		return 0;
	case DM_L_REGION:
		if (geti(b, "classes", 20, &classes) == -1 ||
		    geti(b, "coords", 4, &coords) == -1 ||
		    geti(b, "num", 1, &num) == -1)
			return -1;
		l->classes = classes;
		if (set_image_out(b, b->w, b->h, (long long)num *
		    ((long long)classes + coords + 1)) == -1)
			return -1;
		if (l->outputs != b->inputs)
			return berr(b, DM_ERR_INVALID, "num=%d x (classes=%d + "
			    "coords=%d + 1) x %d x %d = %d values, but the "
			    "layer before gives %d: filters= of the "
			    "[convolutional] layer before must be %d", num,
			    classes, coords, b->w, b->h, l->outputs,
			    b->inputs, l->out_c);
		return 0;
	case DM_L_DETECTION:
		if (geti(b, "classes", 1, &classes) == -1 ||
		    geti(b, "coords", 1, &coords) == -1 ||
		    geti(b, "num", 1, &num) == -1 ||
		    geti(b, "side", 7, &side) == -1)
			return -1;
		l->classes = classes;
		if (__builtin_mul_overflow(1LL + coords, (long long)num, &v) ||
		    __builtin_add_overflow(v, (long long)classes, &v) ||
		    __builtin_mul_overflow(v, (long long)side, &v) ||
		    __builtin_mul_overflow(v, (long long)side, &v))
			return berr(b, DM_ERR_RANGE, "side=%d, coords=%d, "
			    "num=%d, classes=%d: the input size they need "
			    "overflows", side, coords, num, classes);
		if (v != b->inputs)
			return berr(b, DM_ERR_INVALID, "side=%d, coords=%d, "
			    "num=%d, classes=%d need %lld inputs but the "
			    "layer before gives %d", side, coords, num,
			    classes, v, b->inputs);
		set_out(l, 0, 0, 0, b->inputs);
		return 0;
	case DM_L_ISEG:
		if (geti(b, "classes", 20, &classes) == -1 ||
		    geti(b, "ids", 32, &ids) == -1)
			return -1;
		l->classes = classes;
		if (set_image_out(b, b->w, b->h, (long long)classes + ids) == -1)
			return -1;
		if (l->outputs != b->inputs)
			return berr(b, DM_ERR_INVALID, "classes=%d + ids=%d "
			    "gives %d values but the layer before gives %d",
			    classes, ids, l->outputs, b->inputs);
		return 0;
	default:
		break;
	}
	(void)n;
	return berr(b, DM_ERR_UNSUPPORTED, "internal: no shape rule");
}

int
dm_layer_build(struct dm_build *b)
{
	struct dm_layer *l = b->l;
	const struct dm_cfgsect *st;
	unsigned fork = dm_dialect_fork(b->net->dialect);
	int rc;

	st = dm_cfgsect_find(b->s->name);
	if (st == NULL || (st->forks & fork) == 0) {
		if (b->net->dialect == DM_DIALECT_PJ)
			return berr(b, DM_ERR_INVALID, "unknown section type%s; "
			    "pjreddie's Darknet keeps an empty layer for it "
			    "and then crashes loading weights (division by "
			    "zero)", st != NULL ? " in pjreddie's Darknet "
			    "(try --dialect ab)" : "");
		l->type = DM_L_UNKNOWN;
		set_out(l, 0, 0, 0, 0);
		return bwarn(b, "unknown section type%s: Darknet keeps an "
		    "empty layer that outputs nothing", st != NULL ?
		    " in AlexeyAB's Darknet (try --dialect pj)" : "");
	}
	l->type = st->type;
	switch (l->type) {
	case DM_L_CONV:		rc = parse_conv(b); break;
	case DM_L_DECONV:	rc = parse_deconv(b); break;
	case DM_L_CONNECTED:	rc = parse_connected(b); break;
	case DM_L_LOCAL:	rc = parse_local(b); break;
	case DM_L_BATCHNORM:	rc = parse_batchnorm(b); break;
	case DM_L_SHORTCUT:	rc = parse_shortcut(b); break;
	case DM_L_IMPLICIT:	rc = parse_implicit(b); break;
	case DM_L_RNN:		rc = parse_rnn(b); break;
	case DM_L_GRU:		rc = parse_gru(b); break;
	case DM_L_LSTM:		rc = parse_lstm(b); break;
	case DM_L_CRNN:		rc = parse_crnn(b); break;
	case DM_L_CONV_LSTM:	rc = parse_conv_lstm(b); break;
	case DM_L_MAXPOOL:	rc = parse_pool(b, 0); break;
	case DM_L_LOCAL_AVGPOOL: rc = parse_pool(b, 1); break;
	case DM_L_ROUTE:	rc = parse_route(b); break;
	default:
		rc = parse_simple(b);
		if (rc == 0)
			rc = load_flags(b, l);
		break;
	}
	return rc;
}
