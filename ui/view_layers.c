/*
 * view_layers.c - the layer table: the file's header, one row per layer
 * (index, type, output shape, cfg line, byte range, floats, overrides,
 * status) and the end of the file with the sizes and the verdict.
 * Columns that do not fit are left out, least useful first.  A '!' after
 * the cfg line (or the type, when the line is left out) says that the
 * row's section of the cfg has warnings.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum col {
	C_IDX, C_TYPE, C_OUT, C_LINE, C_BYTES, C_FLOATS, C_OVR, C_STATUS,
	C_COUNT
};

struct cols {
	int		 w[C_COUNT];	/* 0: not shown */
	int		 x[C_COUNT];
};

static const char *const heads[C_COUNT] = {
	[C_IDX] = "#", [C_TYPE] = "type", [C_OUT] = "output",
	[C_LINE] = "line", [C_BYTES] = "bytes", [C_FLOATS] = "floats",
	[C_OVR] = "ovr", [C_STATUS] = "status"
};

static int
digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Column widths for a table w columns wide (after the marker column). */
static void
plan(const struct dm_vm *vm, int w, struct cols *c)
{
	static const enum col drop[] = { C_OVR, C_LINE, C_FLOATS, C_OUT,
	    C_BYTES };
	int total, i, x;

	memset(c, 0, sizeof *c);
	c->w[C_IDX] = digits(dm_vm_net(vm)->nlayers) < 3 ? 3 :
	    digits(dm_vm_net(vm)->nlayers);
	c->w[C_TYPE] = 14;
	c->w[C_OUT] = 12;
	c->w[C_LINE] = digits(dm_session_ncfg_lines(dm_vm_session(vm))) + 1 < 5 ? 5 :
	    digits(dm_session_ncfg_lines(dm_vm_session(vm))) + 1;
	c->w[C_BYTES] = 2 * digits(dm_session_byte_end(dm_vm_session(vm))) + 1;
	c->w[C_FLOATS] = digits(dm_vm_net(vm)->total_floats) < 6 ? 6 :
	    digits(dm_vm_net(vm)->total_floats);
	c->w[C_OVR] = 4;
	c->w[C_STATUS] = 8;
	for (i = 0; ; i++) {
		for (total = 0, x = 0; x < C_COUNT; x++)
			total += c->w[x] ? c->w[x] + 1 : 0;
		if (total <= w || i == (int)(sizeof drop / sizeof drop[0]))
			break;
		c->w[drop[i]] = 0;
	}
	for (x = 0, i = 0; i < C_COUNT; i++) {
		c->x[i] = x;
		x += c->w[i] ? c->w[i] + 1 : 0;
	}
	/* The type column takes what is left. */
	if (total < w && c->w[C_TYPE]) {
		int extra = w - total > 6 ? 6 : w - total;

		c->w[C_TYPE] += extra;
		for (i = C_TYPE + 1; i < C_COUNT; i++)
			c->x[i] += extra;
	}
}

static enum tui_style
mark_style(enum dm_mark m)
{
	switch (m) {
	case DM_MARK_OK:	return TUI_S_OK;
	case DM_MARK_SUSPECT:	return TUI_S_SUSPECT;
	case DM_MARK_BAD:	return TUI_S_BAD;
	case DM_MARK_MISMATCH:	return TUI_S_MISMATCH;
	default:		return TUI_S_DIM;
	}
}

static const char *
mark_glyph(const struct tui *t, enum dm_mark m)
{
	switch (m) {
	case DM_MARK_OK:	return tui_glyph(t, TUI_G_OK);
	case DM_MARK_SUSPECT:	return tui_glyph(t, TUI_G_SUSPECT);
	case DM_MARK_BAD:
	case DM_MARK_MISMATCH:	return tui_glyph(t, TUI_G_BAD);
	case DM_MARK_ABSENT:	return tui_glyph(t, TUI_G_ABSENT);
	case DM_MARK_PENDING:	return tui_glyph(t, TUI_G_PENDING);
	default:		return "";
	}
}

static void
cell(struct tui *t, int y, int x0, const struct cols *c, enum col k,
    attr_t a, const char *s, int right)
{
	char buf[128];
	int w = c->w[k], sw;

	if (w == 0)
		return;
	sw = tui_width(t, s);
	if (right && sw < w) {
		snprintf(buf, sizeof buf, "%*s%s", w - sw, "", s);
		s = buf;
	}
	tui_put_attr(t, y, x0 + c->x[k], w, a, s, 1);
}

/*
 * The cfg line cell of a row: line, then '!' when the row has warnings
 * (the type cell gets the '!' when the line column is left out).
 */
static void
line_cell(struct tui *t, struct dm_vm *vm, long row, int y, int x0,
    const struct cols *c, attr_t a, int sel, int line, const char *type)
{
	char buf[64];
	size_t first;
	int warned = dm_vm_row_warnings(vm, row, &first) > 0;

	cell(t, y, x0, c, C_TYPE, a, type, 0);
	if (c->w[C_LINE] == 0) {
		if (warned)
			tui_put_attr(t, y, x0 + c->x[C_TYPE] + c->w[C_TYPE] - 1,
			    1, sel ? a : tui_attr(t, TUI_S_SUSPECT), "!", 0);
		return;
	}
	if (line > 0)
		snprintf(buf, sizeof buf, "%d%s", line, warned ? "!" : " ");
	else
		snprintf(buf, sizeof buf, "%s", warned ? "!" : "");
	cell(t, y, x0, c, C_LINE, sel || !warned ? a :
	    tui_attr(t, TUI_S_SUSPECT), buf, 1);
}

/* The header row: what the first bytes of the file say. */
static void
header_row(struct tui *t, struct dm_vm *vm, int y, int x0,
    const struct cols *c, attr_t a, int sel)
{
	const struct dm_weights *w = dm_vm_weights(vm);
	char buf[64];
	enum dm_mark m = DM_MARK_NONE;
	size_t first;

	cell(t, y, x0, c, C_IDX, a, "hdr", 1);
	/* Its warnings are the [net] section's, shown with its line. */
	line_cell(t, vm, 0, y, x0, c, a, sel, dm_vm_row_warnings(vm, 0,
	    &first) > 0 ? dm_vm_net(vm)->cfg->sects[0].line : 0, "header");
	if (w != NULL && w->is_weights && w->has_header) {
		snprintf(buf, sizeof buf, "v%d.%d.%d", (int)w->hdr.major,
		    (int)w->hdr.minor, (int)w->hdr.revision);
		m = DM_MARK_OK;
		if (dm_vm_row_flagged(vm, 0))
			m = DM_MARK_SUSPECT;
	} else if (w != NULL) {
		snprintf(buf, sizeof buf, "not weights");
		m = DM_MARK_BAD;
	} else
		snprintf(buf, sizeof buf, "assumed");
	cell(t, y, x0, c, C_OUT, a, buf, 0);
	snprintf(buf, sizeof buf, "0-%" PRIu64, dm_vm_net(vm)->header_size);
	cell(t, y, x0, c, C_BYTES, a, buf, 1);
	snprintf(buf, sizeof buf, "%s %s", mark_glyph(t, m), m ==
	    DM_MARK_SUSPECT ? "size?" : dm_mark_name(m));
	cell(t, y, x0, c, C_STATUS, sel ? a : tui_attr(t, mark_style(m)),
	    m == DM_MARK_NONE ? "" : buf, 0);
}

static void
end_row(struct tui *t, struct dm_vm *vm, int y, int x0, int w,
    const struct cols *c, attr_t a, int sel)
{
	char buf[512], exp[32], got[32];
	enum tui_style st;
	uint64_t total = dm_vm_net(vm)->total_bytes;

	cell(t, y, x0, c, C_IDX, a, "end", 1);
	tui_bytes(exp, sizeof exp, total);
	if (dm_vm_weights(vm) == NULL)
		snprintf(buf, sizeof buf, "expected %" PRIu64 " bytes (%s); "
		    "no weights file", total, exp);
	else {
		uint64_t size = dm_session_data_end(dm_vm_session(vm));

		tui_bytes(got, sizeof got, size);
		snprintf(buf, sizeof buf, "expected %" PRIu64 ", file %"
		    PRIu64 "%s: %s", total, size, dm_vm_net(vm)->data_end <
		    dm_vm_weights(vm)->size ? " (data end)" : "",
		    dm_verdict_name(dm_vm_verdict(vm)->kind));
		if (size < total && dm_vm_verdict(vm)->kind != DM_V_NOT_WEIGHTS)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			    ", %" PRIu64 " missing", total - size);
		else if (size > total)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			    ", %" PRIu64 " extra", size - total);
	}
	st = dm_vm_verdict(vm)->kind == DM_V_EXACT ? TUI_S_OK : dm_vm_verdict(vm)->kind == DM_V_NONE ||
	    dm_vm_verdict(vm)->kind == DM_V_PARTIAL ? TUI_S_SUSPECT : TUI_S_MISMATCH;
	tui_put_attr(t, y, x0 + c->x[C_TYPE], w - c->x[C_TYPE],
	    sel ? a : tui_attr(t, st), buf, 1);
}

static void
layer_row(struct tui *t, struct dm_vm *vm, size_t li, int y, int x0,
    const struct cols *c, attr_t a, int sel)
{
	const struct dm_layer *l = &dm_vm_net(vm)->layers[li];
	enum dm_mark m = dm_session_mark(dm_vm_session(vm), li);
	uint64_t lo, hi;
	char buf[64];
	int oc, classes;

	snprintf(buf, sizeof buf, "%zu", li);
	cell(t, y, x0, c, C_IDX, sel || m == DM_MARK_OK || m == DM_MARK_NONE ||
	    m == DM_MARK_PENDING ? a : tui_attr(t, mark_style(m)), buf, 1);
	line_cell(t, vm, (long)li + 1, y, x0, c, a, sel, l->line,
	    l->type == DM_L_UNKNOWN ? l->label : dm_ltype_name(l->type));
	dm_layer_shown(dm_vm_net(vm), li, &oc, &classes);
	if (l->next_w || l->next_h || l->next_c)
		snprintf(buf, sizeof buf, "%dx%dx%d", l->next_w, l->next_h,
		    oc);
	else
		snprintf(buf, sizeof buf, "%d", l->next_inputs);
	cell(t, y, x0, c, C_OUT, a, buf, 0);
	if (dm_session_layer_range(dm_vm_session(vm), li, &lo, &hi)) {
		snprintf(buf, sizeof buf, "%" PRIu64 "-%" PRIu64, lo, hi);
		cell(t, y, x0, c, C_BYTES, a, buf, 1);
		snprintf(buf, sizeof buf, "%" PRIu64, dm_session_layer_floats(dm_vm_session(vm),
		    li));
		cell(t, y, x0, c, C_FLOATS, a, buf, 1);
	} else {
		cell(t, y, x0, c, C_BYTES, a, "", 1);
		cell(t, y, x0, c, C_FLOATS, a, "", 1);
	}
	dm_ovr_letters(dm_vm_ovr(vm), li, buf, sizeof buf);
	cell(t, y, x0, c, C_OVR, sel ? a : tui_attr(t, TUI_S_PROMPT), buf, 0);
	if (m == DM_MARK_NONE)
		buf[0] = '\0';
	else
		snprintf(buf, sizeof buf, "%s %s", mark_glyph(t, m),
		    dm_mark_name(m));
	cell(t, y, x0, c, C_STATUS, sel ? a : tui_attr(t, mark_style(m)), buf,
	    0);
}

static void
layers_draw(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int focused)
{
	struct cols c;
	char right[64];
	long row, rows = dm_vm_rows(vm), first = -1;
	int y, i, x0 = r->x + 1;
	attr_t a;

	snprintf(right, sizeof right, "%ld/%ld ", dm_vm_row(vm), rows - 1);
	tui_pane_title(t, r, focused, "Layers", right);
	if (r->h < 3)
		return;
	plan(vm, r->w - 1, &c);
	tui_put(t, r->y + 1, r->x, r->w, TUI_S_HEAD, "", 1);
	for (i = 0; i < C_COUNT; i++) {
		char hb[32];

		if (c.w[i] == 0)
			continue;
		if (i == C_LINE)	/* over the digits, not the '!' */
			snprintf(hb, sizeof hb, "%*s ", c.w[i] - 1, heads[i]);
		else if (i == C_IDX || i == C_BYTES || i == C_FLOATS)
			snprintf(hb, sizeof hb, "%*s", c.w[i], heads[i]);
		else
			snprintf(hb, sizeof hb, "%s", heads[i]);
		tui_put(t, r->y + 1, x0 + c.x[i], c.w[i], TUI_S_HEAD, hb, 0);
	}
	for (row = 0; row < rows; row++)
		if (dm_vm_row_flagged(vm, row)) {
			first = row;
			break;
		}
	for (y = r->y + 2, row = dm_vm_top(vm); y < r->y + r->h && row < rows;
	    y++, row++) {
		int sel = row == dm_vm_row(vm);

		a = sel ? tui_attr(t, focused ? TUI_S_SEL : TUI_S_SEL_DIM) :
		    tui_attr(t, TUI_S_NORMAL);
		tui_put_attr(t, y, r->x, r->w, a, "", 1);
		if (row == first)
			tui_put(t, y, r->x, 1, sel ? (focused ? TUI_S_SEL :
			    TUI_S_SEL_DIM) : TUI_S_BAD,
			    tui_glyph(t, TUI_G_MARK), 0);
		if (row == 0)
			header_row(t, vm, y, x0, &c, a, sel);
		else if (row == rows - 1)
			end_row(t, vm, y, x0, r->w - 1, &c, a, sel);
		else
			layer_row(t, vm, (size_t)row - 1, y, x0, &c, a, sel);
	}
}

static void
layers_resize(struct tui *t, struct dm_vm *vm, const struct tui_rect *r)
{
	(void)t;
	dm_vm_set_page(vm, DM_PANE_LAYERS, r->h - 2);
}

static int
layers_click(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int y, int x)
{
	long row = dm_vm_top(vm) + (y - r->y - 2);

	(void)t;
	(void)x;
	if (y < r->y + 2 || row >= dm_vm_rows(vm))
		return DM_VM_REDRAW;
	return dm_vm_do(vm, DM_ACT_SELECT_ROW, row);
}

const struct tui_pane_ops view_layers_ops = {
	.name = "layers",
	.pane = DM_PANE_LAYERS,
	.resize = layers_resize,
	.draw = layers_draw,
	.click = layers_click,
};
