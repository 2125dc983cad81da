/*
 * view_details.c - what the selected row is: a layer's shapes and
 * parameters, its arrays with offsets, shapes, statistics and the
 * plausibility note, a histogram of the selected array, and then the
 * warnings about its section of the cfg; the file's header and the
 * warnings about [net] for the header row; the sizes, verdict and repairs
 * for the end row.  The text is built as lines, then the visible ones are
 * drawn; lines past MAX_LINES are dropped, which only a list of warnings
 * could reach, and that list stops short of it.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


#define MAX_LINES	256
#define MAX_WARNINGS	40	/* listed for a row; the rest are counted */

struct line {
	enum tui_style	 st;
	long		 array;		/* clicking selects it, or -1 */
	int		 hist;		/* bars: 1 the histogram, 2 the row
					   norms, 3 the column norms */
	char		 text[256];
};

struct text {
	struct line	 l[MAX_LINES];
	int		 n;
	int		 w;		/* for wrapping */
	const struct tui *t;
	struct line	 spare;		/* a line past the end, dropped */
};

static struct line *
add(struct text *x, enum tui_style st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct line *
add(struct text *x, enum tui_style st, const char *fmt, ...)
{
	struct line *l;
	va_list ap;

	l = x->n < MAX_LINES ? &x->l[x->n++] : &x->spare;
	l->st = st;
	l->array = -1;
	l->hist = 0;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	return l;
}

/* Adds s cut into lines of the pane's width at spaces. */
static void
add_wrapped(struct text *x, enum tui_style st, const char *indent,
    const char *s)
{
	int w = x->w - (int)strlen(indent) - 1;
	size_t cut;

	if (w < 10)
		w = 10;
	while (*s != '\0') {
		cut = tui_wrap(x->t, s, w);
		add(x, st, "%s%.*s", indent, (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

/*
 * Adds "key value  key value ..." in lines of the pane's width, broken
 * only between pairs (a pair wider than the pane is wrapped at spaces).
 */
static void
add_pairs(struct text *x, const char *s)
{
	char line[512], pair[256];
	const char *e;
	int w = x->w - 1;
	size_t n;

	line[0] = '\0';
	while (*s != '\0') {
		e = strstr(s, "  ");
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		snprintf(pair, sizeof pair, "%.*s", (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
		if (line[0] != '\0' && tui_width(x->t, line) + 2 +
		    tui_width(x->t, pair) <= w) {
			snprintf(line + strlen(line), sizeof line -
			    strlen(line), "  %s", pair);
			continue;
		}
		if (line[0] != '\0')
			add(x, TUI_S_NORMAL, "%s", line);
		if (tui_width(x->t, pair) > w) {
			add_wrapped(x, TUI_S_NORMAL, "", pair);
			line[0] = '\0';
		} else
			snprintf(line, sizeof line, "%s", pair);
	}
	if (line[0] != '\0')
		add(x, TUI_S_NORMAL, "%s", line);
}

/*
 * The warnings of table row, each starting with '!', under a heading
 * that counts them; what is added to it (where they are, or "").  At
 * most MAX_WARNINGS are listed, and no more than the lines left hold
 * whole: "and N more" then counts the rest.
 */
static void
warnings_text(struct dm_vm *vm, struct text *x, long row, const char *what)
{
	const struct dm_warning *wn;
	size_t first, n, i;
	char buf[600];
	int k;

	if ((n = dm_vm_row_warnings(vm, row, &first)) == 0)
		return;
	add(x, TUI_S_SUSPECT, "%zu cfg warning%s%s  (! next)", n,
	    n == 1 ? "" : "s", what);
	for (i = 0; i < n && i < MAX_WARNINGS; i++) {
		wn = dm_session_warning(dm_vm_session(vm), first + i);
		if (wn->line > 0)
			snprintf(buf, sizeof buf, "line %d: %s", wn->line,
			    wn->msg);
		else
			snprintf(buf, sizeof buf, "%s", wn->msg);
		k = x->n;
		add_wrapped(x, TUI_S_NORMAL, "  ", buf);
		if (x->n == MAX_LINES) {	/* perhaps cut: not listed */
			x->n = k;
			break;
		}
		if (k < x->n)
			x->l[k].text[0] = '!';
	}
	if (i < n)
		add(x, TUI_S_DIM, "  and %zu more", n - i);
}

static enum tui_style
level_style(enum dm_level l)
{
	return l == DM_LEVEL_OK ? TUI_S_OK : l == DM_LEVEL_SUSPECT ?
	    TUI_S_SUSPECT : TUI_S_BAD;
}

static void
header_text(struct dm_vm *vm, struct text *x)
{
	const struct dm_weights *w = dm_vm_weights(vm);
	char buf[512];
	int k;

	add(x, TUI_S_HEAD, "file header");
	if (w == NULL) {
		add_wrapped(x, TUI_S_NORMAL, "", "no weights file: the layout "
		    "assumes the 20-byte header Darknet writes.");
		return;
	}
	add(x, TUI_S_NORMAL, "%s, %" PRIu64 " bytes", w->path, w->size);
	if (!w->is_weights) {
		add_wrapped(x, TUI_S_BAD, "", w->what);
		return;
	}
	if (w->has_header) {
		add(x, TUI_S_NORMAL, "version   %d.%d.%d", (int)w->hdr.major,
		    (int)w->hdr.minor, (int)w->hdr.revision);
		add(x, TUI_S_NORMAL, "seen      %" PRIu64 " images (%u bytes)",
		    w->hdr.seen, w->hdr.size == DM_HEADER_LONG ? 8 : 4);
		if (w->hdr.size == DM_HEADER_LONG && (w->hdr.seen >> 32) != 0)
			add_wrapped(x, TUI_S_SUSPECT, "          ", "more "
			    "images than anyone trains on: its last 4 bytes "
			    "may be data, as with a 16-byte header");
		add(x, TUI_S_NORMAL, "size      %u bytes by its version",
		    w->hdr.size);
		if (dm_vm_ovr(vm)->header != DM_UNSET)
			add(x, TUI_S_PROMPT, "override  %d bytes (H toggles)",
			    dm_vm_ovr(vm)->header);
		add(x, TUI_S_NORMAL, "transpose %s", w->hdr.transpose ?
		    "yes: connected weights stored [in][out]" : "no");
	}
	if (!(dm_vm_diag(vm) != NULL))
		return;
	add(x, TUI_S_NORMAL, "%s", "");
	add(x, TUI_S_HEAD, "how each header size reads");
	for (k = 0; k < 2; k++) {
		if (!dm_vm_diag(vm)->headers[k].scored)
			continue;
		snprintf(buf, sizeof buf, "%2u bytes: sizes %s, penalty %.1f%s",
		    dm_vm_diag(vm)->headers[k].size, dm_vm_diag(vm)->headers[k].fits ||
		    (dm_vm_diag(vm)->size_diff == 0 && dm_vm_diag(vm)->headers[k].size ==
		    dm_vm_net(vm)->header_size) ? "agree" : "differ",
		    dm_vm_diag(vm)->headers[k].penalty, dm_vm_diag(vm)->headers[k].size ==
		    dm_vm_net(vm)->header_size ? " (now)" : "");
		add(x, dm_vm_diag(vm)->headers[k].penalty >= 100 ? TUI_S_BAD :
		    TUI_S_NORMAL, "%s", buf);
	}
}

static void
end_text(struct dm_vm *vm, struct text *x)
{
	const struct dm_diag *d = dm_vm_diag(vm);
	size_t i;

	add(x, TUI_S_HEAD, "end of the file");
	add(x, TUI_S_NORMAL, "expected  %" PRIu64 " bytes, %" PRIu64 " floats",
	    dm_vm_net(vm)->total_bytes, dm_vm_net(vm)->total_floats);
	if (dm_vm_weights(vm) != NULL)
		add(x, TUI_S_NORMAL, "file      %" PRIu64 " bytes%s",
		    dm_vm_weights(vm)->size, dm_vm_net(vm)->data_end < dm_vm_weights(vm)->size ?
		    " (data ends earlier)" : "");
	add(x, TUI_S_NORMAL, "%s", "");
	add(x, dm_vm_verdict(vm)->kind == DM_V_EXACT ? TUI_S_OK : TUI_S_MISMATCH,
	    "verdict: %s", dm_verdict_name(dm_vm_verdict(vm)->kind));
	add_wrapped(x, TUI_S_NORMAL, "", dm_vm_verdict(vm)->message);
	if (dm_session_nwarnings(dm_vm_session(vm)) > 0)
		add(x, TUI_S_SUSPECT, "%zu cfg warning%s  (! goes to each)",
		    dm_session_nwarnings(dm_vm_session(vm)), dm_session_nwarnings(dm_vm_session(vm)) == 1 ? "" : "s");
	if (!(dm_vm_diag(vm) != NULL))
		return;
	add(x, TUI_S_NORMAL, "%s", "");
	if (d->summary[0] != '\0')
		add_wrapped(x, TUI_S_PROMPT, "", d->summary);
	if (d->nhyps > 0) {
		add(x, TUI_S_HEAD, "repairs, best first (r previews)");
		for (i = 0; i < d->nhyps; i++) {
			char buf[600];

			snprintf(buf, sizeof buf, "%zu. %s (penalty %.1f)%s%s",
			    i + 1, d->hyps[i].text, d->hyps[i].penalty,
			    d->hyps[i].nties > 0 ? " [ties]" : "",
			    d->hyps[i].lossy ? " [lossy]" : "");
			add_wrapped(x, d->hyps[i].penalty < DM_FIT_PENALTY ?
			    TUI_S_NORMAL : TUI_S_DIM, "", buf);
		}
	}
}

static void	norms_text(struct dm_vm *, struct text *);

static void
array_stats(struct dm_vm *vm, struct text *x, const struct dm_array *a,
    size_t ai)
{
	uint64_t end = dm_session_data_end(dm_vm_session(vm));
	const struct dm_histogram *h;
	char shape[128], buf[512];

	dm_shape_format(a, shape, sizeof shape);
	add(x, TUI_S_NORMAL, "%s", "");
	if (!dm_array_present(a)) {
		add(x, TUI_S_HEAD, "%s: not in the file", a->name);
		return;
	}
	add(x, TUI_S_HEAD, "%s %s", a->name, shape);
	add(x, TUI_S_NORMAL, "%" PRIu64 " floats at %" PRIu64 "-%" PRIu64
	    ", stored %s", a->count, a->offset, a->offset + a->count * 4,
	    a->nperm > 0 ? "permuted" : (a->flags & DM_ARRAY_FLIPPED) ||
	    ((a->flags & DM_ARRAY_TRANSPOSABLE) && dm_vm_net(vm)->transpose) ?
	    "transposed" : "as is");
	if (a->rename != NULL)
		add(x, TUI_S_PROMPT, "key %s", a->rename);
	if (a->omit)
		add(x, TUI_S_PROMPT, "left out of the export");
	if (dm_vm_weights(vm) != NULL && a->offset + a->count * 4 > end) {
		snprintf(buf, sizeof buf, "the file ends at byte %" PRIu64
		    ", %" PRIu64 " bytes short of this array's end", end,
		    a->offset + a->count * 4 - end);
		add_wrapped(x, TUI_S_MISMATCH, "", buf);
	}
	if (dm_session_diag_pending(dm_vm_session(vm))) {
		add(x, TUI_S_DIM, "statistics: reading...");
	} else if ((dm_vm_diag(vm) != NULL) && dm_vm_diag(vm)->st[ai].valid) {
		const struct dm_stats *st = &dm_vm_diag(vm)->st[ai];
		const struct dm_check *ck = &dm_vm_diag(vm)->ck[ai];

		add(x, TUI_S_NORMAL, "min %.4g  max %.4g", st->min, st->max);
		add(x, TUI_S_NORMAL, "mean %.4g  std %.4g", st->mean, st->std);
		add(x, st->nans || st->infs || st->subnormals ? TUI_S_BAD :
		    TUI_S_NORMAL, "zeros %" PRIu64 "  NaN %" PRIu64 "  inf %"
		    PRIu64 "  subnormal %" PRIu64, st->zeros, st->nans,
		    st->infs, st->subnormals);
		snprintf(buf, sizeof buf, "%s%s%s", dm_level_name(ck->level),
		    ck->note[0] ? ": " : "", ck->note[0] ? ck->note :
		    ck->level == DM_LEVEL_OK ? ": plausible for its role" : "");
		add_wrapped(x, level_style(ck->level), "", buf);
	}
	if ((h = dm_vm_histogram(vm)) != NULL) {
		struct line *l = add(x, TUI_S_T0, "%s", "");

		l->hist = 1;
		add(x, TUI_S_DIM, "%-12.4g%*s%12.4g", h->lo,
		    h->n > 24 ? (int)h->n - 24 : 0, "", h->hi);
		if (h->nonfinite > 0)
			add(x, TUI_S_BAD, "%" PRIu64 " values not finite",
			    h->nonfinite);
		if (h->sampled < a->count)
			add(x, TUI_S_DIM, "histogram of %" PRIu64 " of the %"
			    PRIu64 " values", h->sampled, a->count);
	}
	norms_text(vm, x);
}

/*
 * The 2-D view: the norms of the rows and of the columns as the file
 * stores them.  Read with the right axes, a trained layer's rows (its
 * outputs) differ and so do its columns; read transposed, the structure
 * moves to the other axis or repeats with the wrong period.
 */
static void
norms_text(struct dm_vm *vm, struct text *x)
{
	const struct dm_norms *nm;
	struct line *l;

	if ((nm = dm_vm_norms(vm)) == NULL)
		return;
	add(x, TUI_S_NORMAL, "%s", "");
	add(x, TUI_S_HEAD, "2-D view: %" PRIu64 " x %" PRIu64 " as stored%s",
	    nm->rows, nm->cols, nm->stored_transposed ? " (transposed)" : "");
	add(x, TUI_S_NORMAL, "row norms (%s), spread %.2f",
	    nm->stored_transposed ? "inputs" : "outputs", nm->row_cv);
	l = add(x, TUI_S_T0, "%s", "");
	l->hist = 2;
	add(x, TUI_S_NORMAL, "column norms (%s), spread %.2f",
	    nm->stored_transposed ? "outputs" : "inputs", nm->col_cv);
	l = add(x, TUI_S_T0, "%s", "");
	l->hist = 3;
}

/* A layer's warnings, last: however many, the arrays come first. */
static void
layer_warnings(struct dm_vm *vm, struct text *x, size_t li)
{
	size_t first;

	if (dm_vm_row_warnings(vm, (long)li + 1, &first) == 0)
		return;
	add(x, TUI_S_NORMAL, "%s", "");
	warnings_text(vm, x, (long)li + 1, "");
}

/*
 * With a target model, the key array ai goes to under its line: flagged
 * when there is none, the pair cannot be written or is uncertain.
 */
static void
target_line(struct dm_vm *vm, struct text *x, size_t ai)
{
	const char *key;
	unsigned flags;
	double conf;
	struct line *ln;

	if (dm_vm_target_pair(vm, ai, &key, &conf, &flags) != 0)
		return;
	if (key == NULL)
		ln = add(x, TUI_S_MISMATCH, "  -> no target key (K assigns "
		    "one)");
	else
		ln = add(x, flags & DM_AL_FATAL ? TUI_S_MISMATCH :
		    conf < DM_AL_LOW ? TUI_S_SUSPECT : TUI_S_DIM, "  -> %s "
		    "%.2f%s%s", key, conf, flags & DM_AL_CLASSES ?
		    " classes differ" : flags & DM_AL_SHAPE ? " shape differs" :
		    flags & DM_AL_DTYPE ? " dtype" : flags & DM_AL_TRANSPOSED ?
		    " transposed" : flags & DM_AL_RESHAPED ? " reshaped" : "",
		    flags & DM_AL_RENAMED ? " (K)" : "");
	ln->array = (long)ai;
}

static void
layer_text(struct dm_vm *vm, struct text *x, size_t li)
{
	const struct dm_layer *l = &dm_vm_net(vm)->layers[li];
	enum dm_mark m = dm_session_mark(dm_vm_session(vm), li);
	uint64_t lo, hi;
	char buf[512];
	size_t i, nwarn, first;
	int oc, classes;

	add(x, TUI_S_HEAD, "layer %zu  %s  (cfg line %d)", li,
	    l->type == DM_L_UNKNOWN ? l->label : dm_ltype_name(l->type),
	    l->line);
	/* Its warnings first: a small pane shows them too. */
	nwarn = dm_vm_row_warnings(vm, (long)li + 1, &first);
	if (nwarn > 0 && l->narrays > 0)
		add(x, TUI_S_SUSPECT, "%zu cfg warning%s, listed below the "
		    "arrays", nwarn, nwarn == 1 ? "" : "s");
	dm_layer_shown(dm_vm_net(vm), li, &oc, &classes);
	if (l->in_w || l->in_h || l->in_c)
		add(x, TUI_S_NORMAL, "in %dx%dx%d  out %dx%dx%d", l->in_w,
		    l->in_h, classes != l->classes && l->in_c == l->next_c ?
		    oc : l->in_c, l->next_w, l->next_h, oc);
	else if (l->type != DM_L_CONNECTED)
		add(x, TUI_S_NORMAL, "in %d  out %d", l->inputs,
		    l->next_inputs);
	/* The keys that matter for its type, wrapped between pairs. */
	if (dm_vm_layer_params(vm, li, buf, sizeof buf) > 0)
		add_pairs(x, buf);
	if (l->type == DM_L_CONV && oc != l->filters)
		add(x, TUI_S_SUSPECT, "as the file holds it: the cfg says "
		    "filters=%d", l->filters);
	if (classes > 0 && classes != l->classes)
		add(x, TUI_S_SUSPECT, "classes %d  (not the cfg's: W writes "
		    "it)", classes);
	if (dm_session_layer_range(dm_vm_session(vm), li, &lo, &hi))
		add(x, TUI_S_NORMAL, "bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64
		    " floats)", lo, hi, dm_session_layer_floats(dm_vm_session(vm), li));
	switch (m) {
	case DM_MARK_MISMATCH:
		add_wrapped(x, TUI_S_MISMATCH, "", "cut: this layer is not "
		    "wholly in the file");
		break;
	case DM_MARK_BAD:
		add_wrapped(x, TUI_S_BAD, "", "bad: implausible data; the "
		    "mapping probably goes wrong here or before");
		break;
	case DM_MARK_SUSPECT:
		add(x, TUI_S_SUSPECT, "odd: some values look unusual");
		break;
	case DM_MARK_ABSENT:
		add(x, TUI_S_DIM, "absent: not in the file");
		break;
	default:
		break;
	}
	dm_ovr_letters(dm_vm_ovr(vm), li, buf, sizeof buf);
	if (buf[0] != '\0')
		add(x, TUI_S_PROMPT, "overrides: %s", buf);
	if (l->narrays == 0) {
		add(x, TUI_S_NORMAL, "%s", "");
		add_wrapped(x, TUI_S_DIM, "", "no parameters: nothing of this "
		    "layer is in the weights file");
		layer_warnings(vm, x, li);
		return;
	}
	add(x, TUI_S_NORMAL, "%s", "");
	add(x, TUI_S_DIM, "  %-16s %9s %8s", "array", "offset", "floats");
	for (i = l->first_array; i < l->first_array + l->narrays; i++) {
		const struct dm_array *a = &dm_vm_net(vm)->arrays[i];
		enum tui_style st = TUI_S_NORMAL;
		const char *lvl = "";
		struct line *ln;

		if ((dm_vm_diag(vm) != NULL) && dm_vm_diag(vm)->st[i].valid) {
			st = level_style(dm_vm_diag(vm)->ck[i].level);
			lvl = dm_level_name(dm_vm_diag(vm)->ck[i].level);
		}
		if (dm_vm_weights(vm) != NULL && dm_array_present(a) &&
		    a->offset + a->count * 4 > dm_session_data_end(dm_vm_session(vm))) {
			st = TUI_S_MISMATCH;
			lvl = "cut";
		}
		if (dm_array_present(a))
			snprintf(buf, sizeof buf, "%s %-16s %9" PRIu64 " %8"
			    PRIu64 " %s", (long)i == dm_vm_array(vm) ? ">" : " ",
			    a->name, a->offset, a->count, lvl);
		else
			snprintf(buf, sizeof buf, "%s %-16s %9s %8" PRIu64
			    " absent", (long)i == dm_vm_array(vm) ? ">" : " ",
			    a->name, "-", a->count);
		ln = add(x, (long)i == dm_vm_array(vm) ? TUI_S_SEL_DIM : st, "%s",
		    buf);
		ln->array = (long)i;
		target_line(vm, x, i);
	}
	if (dm_vm_array(vm) >= 0 && dm_vm_net(vm)->arrays[dm_vm_array(vm)].layer == li)
		array_stats(vm, x, &dm_vm_net(vm)->arrays[dm_vm_array(vm)],
		    (size_t)dm_vm_array(vm));
	layer_warnings(vm, x, li);
}

static void
build(struct dm_vm *vm, struct text *x)
{
	long li = dm_vm_row_layer(vm, dm_vm_row(vm));
	size_t first;

	x->n = 0;
	if (dm_vm_row(vm) == 0) {
		header_text(vm, x);
		if (dm_vm_row_warnings(vm, 0, &first) > 0) {
			add(x, TUI_S_NORMAL, "%s", "");
			warnings_text(vm, x, 0, " in [net]");
		}
	} else if (li < 0)
		end_text(vm, x);
	else
		layer_text(vm, x, (size_t)li);
}

/* A row of bars, 0 to 8 eighths, scaled to the largest of v[0..n). */
static void
draw_bars(struct tui *t, int y, int x, int w, const double *v, unsigned n)
{
	double max = 0;
	unsigned i, h;
	char buf[256];
	size_t len = 0;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < n && (int)i < w; i++) {
		h = max <= 0 || v[i] <= 0 ? 0 :
		    1 + (unsigned)(v[i] * 7.0 / max);
		if (h > 8)
			h = 8;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s",
		    tui_glyph(t, (enum tui_glyph)(TUI_G_BAR0 + h)));
		if (len >= sizeof buf - 8)
			break;
	}
	buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
	tui_put(t, y, x, w, TUI_S_T1, buf, 0);
}

static void
draw_hist(struct tui *t, struct dm_vm *vm, int y, int x, int w, int which)
{
	const struct dm_histogram *hg;
	const struct dm_norms *nm;
	double v[32];
	unsigned i;

	if (which == 1) {
		if ((hg = dm_vm_histogram(vm)) == NULL)
			return;
		for (i = 0; i < hg->n && i < 32; i++)
			v[i] = hg->bin[i];
		draw_bars(t, y, x, w, v, i);
	} else if ((nm = dm_vm_norms(vm)) != NULL)
		draw_bars(t, y, x, w, which == 2 ? nm->row : nm->col,
		    which == 2 ? nm->nrow : nm->ncol);
}

static void
details_draw(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int focused)
{
	static struct text x;
	char right[32];
	long i, n;
	int y;

	x.w = r->w - 1;
	x.t = t;
	build(vm, &x);
	dm_vm_set_extent(vm, DM_PANE_DETAILS, x.n);
	/*
	 * Unless the pane is being scrolled (it has the focus), it follows
	 * an array selected after the layer's first: its rows are shown.
	 * (A layer selected shows its first lines.)
	 */
	if (!focused && dm_vm_array(vm) >= 0 && (size_t)dm_vm_array(vm) !=
	    dm_vm_net(vm)->layers[dm_vm_net(vm)->arrays[dm_vm_array(vm)].
	    layer].first_array) {
		for (i = 0; i < x.n && x.l[i].array != dm_vm_array(vm); i++)
			;
		for (n = i; n < x.n && x.l[n].array == dm_vm_array(vm); n++)
			;
		if (i < x.n)
			dm_vm_show_rows(vm, DM_PANE_DETAILS, i, n - 1);
	}
	snprintf(right, sizeof right, "%s", dm_vm_scroll(vm, DM_PANE_DETAILS) +
	    dm_vm_page(vm, DM_PANE_DETAILS) < x.n ? "more below " : "");
	tui_pane_title(t, r, focused, "Details", right);
	for (y = r->y + 1, i = dm_vm_scroll(vm, DM_PANE_DETAILS);
	    y < r->y + r->h && i < x.n; y++, i++) {
		if (x.l[i].hist)
			draw_hist(t, vm, y, r->x + 1, r->w - 1, x.l[i].hist);
		else
			tui_put(t, y, r->x + 1, r->w - 1, x.l[i].st,
			    x.l[i].text, x.l[i].st == TUI_S_SEL_DIM);
	}
}

static void
details_resize(struct tui *t, struct dm_vm *vm, const struct tui_rect *r)
{
	(void)t;
	dm_vm_set_page(vm, DM_PANE_DETAILS, r->h - 1);
}

static int
details_click(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int y, int x)
{
	static struct text tx;
	long i = dm_vm_scroll(vm, DM_PANE_DETAILS) + (y - r->y - 1);

	(void)x;
	tx.w = r->w - 1;
	tx.t = t;
	build(vm, &tx);
	if (y <= r->y || i >= tx.n || tx.l[i].array < 0)
		return DM_VM_REDRAW;
	return dm_vm_do(vm, DM_ACT_SELECT_ARRAY, tx.l[i].array);
}

const struct tui_pane_ops view_details_ops = {
	.name = "details",
	.pane = DM_PANE_DETAILS,
	.resize = details_resize,
	.draw = details_draw,
	.click = details_click,
};
