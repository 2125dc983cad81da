/*
 * fuzz_weights.c - the header, the probe, the ledger, the verdict, the
 * reports and the export plan on arbitrary file contents and sizes.
 *
 * The input is read as
 *
 *	byte 0		flags: bit 0 dialect (ab, pj), bit 1 layout (load,
 *			save), bits 2-3 how the file size is chosen, bits 4-6
 *			the --names scheme, bit 7 --force
 *	byte 1		which cfg: below 0xf0 one of the built-in cfgs below;
 *			otherwise a cfg of the next two bytes' length
 *			(little-endian) follows in the input
 *	8 bytes		the size parameter (little-endian)
 *	the rest	the first bytes of the weights file
 *
 * The file size is the length of its first bytes, or the size the cfg
 * implies plus a small signed delta, or any 64-bit number, or the offset
 * of one of its arrays plus a small delta: so that the verdict's every
 * branch is reached without multi-megabyte inputs.  The file itself is
 * never opened: a struct dm_weights is filled in the way dm_weights_open()
 * fills it.  Missing bytes read as zero.
 *
 * When the file size is the length of its bytes, the bytes also back a
 * real (temporary) file, and the diagnosis runs on it: the statistics of
 * every array and the repairs it ranks.
 *
 * Findings besides the sanitizers': a verdict that does not agree with the
 * sizes, a verdict or error without a message naming the file, an export
 * plan that reads beyond the end of the file or is made for a file the
 * verdict refuses, statistics that contradict themselves (a mean outside
 * [min, max], a negative or non-finite spread, more special values than
 * values).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "diagnose.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "report.h"
#include "tensorout.h"
#include "verdict.h"
#include "weights.h"

#include "fuzz.h"

#define CFG_PATH "fuzz.cfg"
#define W_PATH "fuzz.weights"

/* Small nets that between them have every kind of array and flag. */
static const char *const cfgs[] = {
	/* conv + BN, maxpool, yolo with anchors (eriklindernoren). */
	"[net]\nwidth=8\nheight=8\nchannels=3\n"
	"[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\n"
	"[maxpool]\nsize=2\nstride=2\n"
	"[convolutional]\nfilters=14\nsize=1\n"
	"[yolo]\nmask=0,1\nanchors=1,2,3,4,5,6\nclasses=2\nnum=3\n",
	/* connected weights (transposable), dropout, softmax. */
	"[net]\nwidth=4\nheight=4\nchannels=2\n"
	"[connected]\noutput=5\nbatch_normalize=1\n"
	"[dropout]\n[connected]\noutput=3\n[softmax]\n",
	/* flipped conv, grouped conv, route groups, weighted shortcut. */
	"[net]\nwidth=6\nheight=6\nchannels=4\n"
	"[convolutional]\nfilters=4\nsize=3\npad=1\nflipped=1\n"
	"[convolutional]\nfilters=4\nsize=1\ngroups=2\nbatch_normalize=1\n"
	"[shortcut]\nfrom=-2\nweights_type=per_channel\n"
	"weights_normalization=softmax\n"
	"[route]\nlayers=-1,0\ngroups=2\ngroup_id=1\n",
	/* the flags that make load and save layouts differ. */
	"[net]\nwidth=4\nheight=4\nchannels=1\n"
	"[convolutional]\nfilters=2\nsize=1\nbatch_normalize=1\n"
	"dontloadscales=1\n"
	"[convolutional]\nfilters=4\nsize=1\nnumload=2\n"
	"[convolutional]\nfilters=2\nsize=1\ndontsave=1\ndontload=1\n",
	/* recurrent layers. */
	"[net]\ninputs=6\n"
	"[rnn]\noutput=3\nhidden=2\nbatch_normalize=1\n"
	"[gru]\noutput=2\n[lstm]\noutput=2\n[connected]\noutput=1\n",
	/* local, batchnorm, crnn, upsample, reorg, deconvolutional. */
	"[net]\nwidth=6\nheight=6\nchannels=2\n"
	"[local]\nfilters=2\nsize=3\npad=1\n[batchnorm]\n"
	"[crnn]\nsize=3\npad=1\noutput=2\nhidden=2\n"
	"[upsample]\nstride=2\n[reorg]\nstride=2\n"
	"[deconvolutional]\nfilters=2\nsize=2\nstride=2\n",
	/* implicit, conv_lstm, sam, scale_channels (AlexeyAB). */
	"[net]\nwidth=4\nheight=4\nchannels=2\n"
	"[implicit]\nfilters=2\n"
	"[conv_lstm]\noutput=2\nsize=1\npeephole=1\n"
	"[convolutional]\nfilters=2\nsize=1\n"
	"[sam]\nfrom=-2\n[scale_channels]\nfrom=-3\n",
};
#define NCFGS (sizeof cfgs / sizeof cfgs[0])

static const char *const templates[] = {
	"net.{layer}.{array}",
	"{type}{conv}.{name}",
	"x{layer}{bogus}",
	"{layer",
	("{name}{name}{name}{name}{name}{name}{name}{name}{name}{name}"
	    "{name}{name}{name}{name}{name}{name}{name}{name}{name}{name}"),
};

struct input {
	const uint8_t	*p;
	size_t		 left;
};

static uint64_t
take(struct input *in, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (in->left > 0) {
			v |= (uint64_t)in->p[0] << (8 * i);
			in->p++;
			in->left--;
		}
	}
	return v;
}

static void
check_msg(const char *msg, const char *path, const char *what)
{
	if (msg[0] == '\0')
		dm_fuzz_fail(what, "no message");
	if (path != NULL && strncmp(msg, path, strlen(path)) != 0)
		dm_fuzz_fail(what, msg);
}

/* The verdict must agree with the sizes it was computed from. */
static void
check_verdict(const struct dm_net *net, const struct dm_weights *w,
    const struct dm_verdict *v)
{
	uint64_t total = net->total_bytes;

	check_msg(v->message, W_PATH, "verdict message");
	if (v->layers_present < 0 || (size_t)v->layers_present > net->nlayers)
		dm_fuzz_fail("layers_present out of range", v->message);
	if (!w->is_weights) {
		if (v->kind != DM_V_NOT_WEIGHTS)
			dm_fuzz_fail("not-weights file judged", v->message);
		return;
	}
	if (w->size < net->header_size) {
		if (v->kind != DM_V_TRUNCATED)
			dm_fuzz_fail("file shorter than its header",
			    v->message);
		return;
	}
	if (w->size == total) {
		if (v->kind != DM_V_EXACT)
			dm_fuzz_fail("exact size not exact", v->message);
		return;
	}
	if (w->size > total) {
		if ((v->kind != DM_V_TRAILING && v->kind != DM_V_UNALIGNED) ||
		    v->bytes != w->size - total)
			dm_fuzz_fail("long file", v->message);
		return;
	}
	if (v->kind != DM_V_PARTIAL && v->kind != DM_V_TRUNCATED &&
	    v->kind != DM_V_UNALIGNED)
		dm_fuzz_fail("short file", v->message);
	if (v->bytes != total - w->size)
		dm_fuzz_fail("missing bytes", v->message);
	if (v->layer < 0 || (size_t)v->layer >= net->nlayers ||
	    v->array < 0 || (size_t)v->array >= net->narrays)
		dm_fuzz_fail("short file names no layer", v->message);
}

static void
check_plan(const struct dm_net *net, const struct dm_weights *w,
    const struct dm_verdict *v, const struct dm_export_opts *o,
    const struct dm_export *ex, const struct dm_error *err)
{
	uint64_t n;
	size_t i;
	int d;

	if (ex == NULL) {
		check_msg(err->msg, NULL, "dm_export_plan");
		if (err->code == DM_OK)
			dm_fuzz_fail("dm_export_plan", "failed with DM_OK");
		return;
	}
	if (v->kind == DM_V_NOT_WEIGHTS)
		dm_fuzz_fail("export plan for a file that is not weights",
		    v->message);
	if (!o->force && v->kind != DM_V_EXACT && v->kind != DM_V_PARTIAL)
		dm_fuzz_fail("export plan for a refused file", v->message);
	for (i = 0; i < ex->n; i++) {
		const struct dm_xtensor *x = &ex->x[i];

		if (x->key == NULL || x->key[0] == '\0')
			dm_fuzz_fail("export key empty", NULL);
		if (x->src != DM_SRC_FILE && x->src != DM_SRC_TRANSPOSE)
			continue;
		if (x->offset > w->size ||
		    x->count > (w->size - x->offset) / 4)
			dm_fuzz_fail("export reads beyond the end of the file",
			    x->key);
		for (d = 0, n = 1; d < x->t.ndim; d++)
			if (__builtin_mul_overflow(n, x->t.shape[d], &n))
				dm_fuzz_fail("export shape overflows", x->key);
		if (n != x->count)
			dm_fuzz_fail("export shape does not hold its floats",
			    x->key);
	}
	if (ex->missing_from > (long)net->nlayers)
		dm_fuzz_fail("missing_from", NULL);
}

/*
 * Lays out and judges, and reports in the formats of mask (bit 0 text,
 * 1 tsv, 2 json); returns 0 when the layout worked.
 */
static int
judge(struct dm_net *net, struct dm_weights *w, uint64_t hsize,
    enum dm_layout_mode mode, unsigned mask, struct dm_verdict *v)
{
	static const enum dm_report_format fmts[] = { DM_REPORT_TEXT,
	    DM_REPORT_TSV, DM_REPORT_JSON };
	struct dm_error err;
	int f;

	dm_error_clear(&err);
	if (dm_net_layout(net, hsize, mode, &err) == -1) {
		check_msg(err.msg, CFG_PATH, "dm_net_layout");
		return -1;
	}
	dm_verdict_compute(net, w, v);
	check_verdict(net, w, v);
	for (f = 0; f < 3; f++)
		if (mask & 1u << f)
			(void)dm_report_write(dm_fuzz_sink(), fmts[f], net, w,
			    v, NULL);
	return 0;
}

/* What the statistics of an array must hold whatever the bytes. */
static void
check_stats(const struct dm_net *net, const struct dm_stats *st)
{
	double slack;

	if (!st->valid)
		return;
	if (st->zeros > st->n || st->subnormals > st->n)
		dm_fuzz_fail("more zeros or subnormals than finite values",
		    NULL);
	(void)net;
	if (st->n == 0)
		return;
	if (!(st->min <= st->max) || !isfinite(st->min) ||
	    !isfinite(st->max))
		dm_fuzz_fail("min and max", NULL);
	if (!isfinite(st->std) || st->std < 0)
		dm_fuzz_fail("spread negative or not finite", NULL);
	/* Rounding may take the mean an ulp or so past the extremes. */
	slack = 1e-9 * (fabs(st->min) > fabs(st->max) ? fabs(st->min) :
	    fabs(st->max));
	if (!isfinite(st->mean) || st->mean < st->min - slack ||
	    st->mean > st->max + slack)
		dm_fuzz_fail("mean outside [min, max]", NULL);
}

/*
 * The diagnosis of the bytes as a real file (tmp, reused): statistics,
 * repairs, and the reports that show them.
 */
static void
diagnose(struct dm_net *net, struct dm_weights *w, const uint8_t *p,
    size_t len, int stats_only)
{
	static FILE *tmp;
	struct dm_verdict v;
	struct dm_error err;
	struct dm_diag d;
	size_t i;

	if (tmp == NULL && (tmp = tmpfile()) == NULL)
		dm_fuzz_fail("cannot make a temporary file", NULL);
	if (ftruncate(fileno(tmp), 0) != 0 ||
	    pwrite(fileno(tmp), p, len, 0) != (ssize_t)len)
		dm_fuzz_fail("cannot write the temporary file", NULL);
	w->fd = fileno(tmp);
	dm_error_clear(&err);
	memset(&d, 0, sizeof d);
	if (dm_diagnose(net, w, NULL, stats_only, &d, &err) == -1) {
		check_msg(err.msg, NULL, "dm_diagnose");
		w->fd = -1;
		return;
	}
	for (i = 0; i < net->narrays; i++)
		check_stats(net, &d.st[i]);
	for (i = 1; i < d.nhyps; i++)
		if (d.hyps[i].cost < d.hyps[i - 1].cost - 1e-9)
			dm_fuzz_fail("repairs not ranked best first",
			    d.hyps[i].text);
	dm_verdict_compute(net, w, &v);
	(void)dm_report_write(dm_fuzz_sink(), DM_REPORT_TEXT, net, w, &v, &d);
	(void)dm_report_write(dm_fuzz_sink(), DM_REPORT_JSON, net, w, &v, &d);
	dm_diag_release(&d);
	w->fd = -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dm_weights w;
	static char wpath[] = W_PATH;
	struct input in = { data, size };
	struct dm_export_opts o;
	struct dm_export *ex;
	struct dm_error err;
	struct dm_cfg *cfg;
	struct dm_net *net;
	struct dm_verdict v;
	struct dm_header other;
	enum dm_dialect dialect;
	enum dm_layout_mode mode;
	unsigned flags, which, sizesel;
	uint64_t param, fsize, hsize;
	const char *text;
	size_t len, i;
	int64_t delta;

	flags = (unsigned)take(&in, 1);
	which = (unsigned)take(&in, 1);
	dialect = flags & 1 ? DM_DIALECT_PJ : DM_DIALECT_AB;
	mode = flags & 2 ? DM_LAYOUT_SAVE : DM_LAYOUT_LOAD;
	sizesel = (flags >> 2) & 3;
	if (which >= 0xf0) {
		len = (size_t)take(&in, 2);
		if (len > in.left)
			len = in.left;
		text = (const char *)in.p;
		in.p += len;
		in.left -= len;
	} else {
		text = cfgs[which % NCFGS];
		len = strlen(text);
	}
	param = take(&in, 8);

	dm_error_clear(&err);
	if ((cfg = dm_cfg_parse(CFG_PATH, text, len, dialect, &err)) == NULL)
		return 0;
	if ((net = dm_net_build(cfg, &err)) == NULL)
		return 0;

	/* The file as dm_weights_open() would see it. */
	memset(&w, 0, sizeof w);
	w.path = wpath;
	w.fd = -1;
	w.headlen = in.left < DM_HEAD_MAX ? in.left : DM_HEAD_MAX;
	memcpy(w.head, in.p, w.headlen);
	w.has_header = dm_header_decode(w.head, w.headlen, dialect,
	    &w.hdr) == 0;
	(void)dm_header_decode(w.head, w.headlen, dialect == DM_DIALECT_AB ?
	    DM_DIALECT_PJ : DM_DIALECT_AB, &other);
	if (w.has_header && (w.hdr.size != 16 && w.hdr.size != 20))
		dm_fuzz_fail("header size neither 16 nor 20", NULL);
	hsize = w.has_header ? w.hdr.size : 20;
	dm_error_clear(&err);
	if (dm_net_layout(net, hsize, mode, &err) == -1) {
		check_msg(err.msg, CFG_PATH, "dm_net_layout");
		dm_net_free(net);
		return 0;
	}
	delta = (int64_t)(int16_t)(param & 0xffff);
	switch (sizesel) {
	case 0:
		fsize = in.left;
		break;
	case 1:
		fsize = net->total_bytes + (uint64_t)delta;
		break;
	case 2:
		fsize = param;
		break;
	default:
		fsize = net->total_bytes;
		if (net->narrays > 0) {
			i = (size_t)(param >> 16) % net->narrays;
			if (net->arrays[i].offset != DM_OFFSET_NONE)
				fsize = net->arrays[i].offset;
		}
		fsize += (uint64_t)(delta % 8);
		break;
	}
	/* A file holds no more first bytes than its size. */
	w.size = fsize;
	if (w.headlen > fsize) {
		w.headlen = (size_t)fsize;
		w.has_header = dm_header_decode(w.head, w.headlen, dialect,
		    &w.hdr) == 0;
	}
	w.is_weights = dm_weights_probe(w.head, w.headlen, w.size, w.what,
	    sizeof w.what);
	if (!w.is_weights && w.what[0] == '\0')
		dm_fuzz_fail("probe refuses without saying why", NULL);

	/* Both header sizes and both modes, as --layout and a 0.1 file do. */
	for (i = 0; i < 4; i++)
		(void)judge(net, &w, i & 1 ? 20 : 16, i & 2 ? DM_LAYOUT_SAVE :
		    DM_LAYOUT_LOAD, 0, &v);

	/* What darkmap itself does: then the export plan. */
	hsize = w.is_weights && w.has_header ? w.hdr.size : 20;
	if (judge(net, &w, hsize, mode, 7, &v) == 0) {
		memset(&o, 0, sizeof o);
		switch ((flags >> 4) & 7) {
		case 1: o.names = DM_NAMES_ULTRALYTICS; break;
		case 2: o.names = DM_NAMES_ERIKLINDERNOREN; break;
		case 3: o.names = DM_NAMES_TIANXIAOMO; break;
		case 4:
		case 5:
			o.names = DM_NAMES_TEMPLATE;
			o.tmpl = templates[(param >> 32) %
			    (sizeof templates / sizeof templates[0])];
			break;
		case 6:
			o.format = DM_OUT_WEIGHTS;
			break;
		default: o.names = DM_NAMES_DARKMAP; break;
		}
		if (o.format != DM_OUT_WEIGHTS)
			o.format = DM_OUT_SAFETENSORS;
		o.dtype = param >> 40 & 1 ? DM_DTYPE_F16 : DM_DTYPE_F32;
		o.force = (flags >> 7) & 1;
		dm_error_clear(&err);
		ex = dm_export_plan(net, &w, &v, &o, &err);
		check_plan(net, &w, &v, &o, ex, &err);
		dm_export_free(ex);
	}
	if (sizesel == 0 && w.is_weights && fsize == in.left)
		diagnose(net, &w, in.p, in.left, (flags >> 4) & 1);
	dm_net_free(net);
	return 0;
}
