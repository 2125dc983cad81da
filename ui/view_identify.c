/*
 * view_identify.c - the identify screen: which cfgs explain the weights
 * file, as darkmap identify reports it: the header, the candidates as a
 * list Enter opens from, and under them the selected one's report, or,
 * when nothing fits, the closest layouts; then the blind segmentation as
 * a list of segments, and a byte view of the file at the selected one,
 * annotated from the segmentation alone.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Lines of text, each ended by '\n'. */
static long
count_lines(const char *text)
{
	long n = 0;

	for (; text != NULL && (text = strchr(text, '\n')) != NULL; text++)
		n++;
	return n;
}

/* Draws lines first.. of text from row y, at most rows; returns rows. */
static int
draw_text(struct tui *t, const char *text, long first, int y, int rows)
{
	const char *p, *nl;
	char line[1024];
	long i;
	int n = 0;

	for (p = text, i = 0; p != NULL && (nl = strchr(p, '\n')) != NULL &&
	    n < rows; p = nl + 1, i++) {
		if (i < first)
			continue;
		snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
		tui_put(t, y + n, 1, COLS - 2, line[0] != ' ' &&
		    line[0] != '\0' ? TUI_S_HEAD : TUI_S_NORMAL, line, 0);
		n++;
	}
	return n;
}

/* Who owns byte off, as the blind segmentation has it. */
static void
blind_owner(const struct dm_vm *vm, uint64_t off, struct tui_byte_owner *o)
{
	struct dm_sk_where w;

	if (dm_vm_ident_where(vm, off, &w, NULL, 0) == -1)
		w.kind = DM_SK_PAST_END;
	switch (w.kind) {
	case DM_SK_HEADER:
		o->st = TUI_S_HEADER_BYTES;
		break;
	case DM_SK_RUN:
		o->st = (enum tui_style)(TUI_S_T0 + (w.seg * 5 + w.run) %
		    TUI_TENSOR_STYLES);
		o->selected = (size_t)w.seg == dm_vm_ident_seg_sel(vm);
		o->data = 1;
		o->variance = strcmp(w.name, "rolling_variance") == 0;
		break;
	case DM_SK_UNEXPLAINED:
		o->st = TUI_S_GAP;
		break;
	default:
		o->st = TUI_S_MISSING;
		break;
	}
}

/*
 * The segments from row y: rows of them under their heading, the
 * selected one shown.
 */
static void
draw_segs(struct tui *t, struct dm_vm *vm, int y, int rows, int focused)
{
	size_t n = dm_vm_ident_nsegs(vm), sel = dm_vm_ident_seg_sel(vm), i;
	long first;

	tui_put(t, y, 1, COLS - 2, TUI_S_HEAD, dm_vm_ident_seg_head(vm), 1);
	first = (long)sel < rows ? 0 : (long)sel - rows + 1;
	for (i = (size_t)first; i < n && (long)i < first + rows; i++)
		tui_put(t, y + 1 + (int)(i - (size_t)first), 1, COLS - 2,
		    i != sel ? TUI_S_NORMAL : focused ? TUI_S_SEL :
		    TUI_S_SEL_DIM, dm_vm_ident_seg(vm, i), 1);
}

/*
 * The byte view in r: a title saying where the cursor is, rows, legend;
 * seg_h, the rows the segment list shows.
 */
static void
draw_bytes(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int focused, int seg_h)
{
	struct tui_byte_view bv = {
		.end = dm_vm_ident_size(vm),
		.cursor = dm_vm_ident_cursor(vm),
		.focused = focused,
		.read = dm_vm_ident_read,
		.own = blind_owner,
	};
	struct dm_sk_where w;
	unsigned n = tui_bytes_per_row(bv.end, r->w - 1);
	char what[160], buf[256], right[32];
	uint64_t off;
	int y;

	dm_vm_ident_set_pages(vm, seg_h, n, r->h - 2);
	n = dm_vm_ident_per_row(vm);
	dm_vm_ident_where(vm, bv.cursor, &w, what, sizeof what);
	snprintf(buf, sizeof buf, "Bytes  @%" PRIu64 " (0x%" PRIx64 ")  %s",
	    bv.cursor, bv.cursor, what);
	snprintf(right, sizeof right, "%u/row ", n);
	tui_pane_title(t, r, focused, buf, right);
	for (y = 0, off = dm_vm_ident_btop(vm); y < r->h - 2 && off < bv.end;
	    y++, off += n)
		tui_bytes_row(t, vm, &bv, r->y + 1 + y, r->x + 1, r->w - 1,
		    off, n);
	tui_bytes_legend(t, r->y + r->h - 1, r->x + 1, r->w - 1, 1);
}

static void
identify_draw(struct tui *t, struct dm_vm *vm)
{
	struct tui_rect br;
	size_t ns = dm_vm_ident_nsegs(vm);
	int text_h, seg_h;
	const char *text = dm_vm_ident_text(vm), *msg;
	size_t nc = dm_vm_ident_ncands(vm), sel = dm_vm_ident_sel(vm), i;
	enum dm_idfocus focus = dm_vm_ident_focus(vm);
	int y, rows, error, list_h;
	long n, first, list_first;

	erase();
	tui_put(t, 0, 0, COLS, TUI_S_TITLE, dm_vm_session(vm) != NULL ?
	    " darkmap: which cfgs explain the weights file (q or Escape "
	    "closes this screen)" : " darkmap: which cfgs explain the weights "
	    "file (q quits)", 1);
	t->nhits = 0;
	if (text == NULL)
		return;
	y = 1 + draw_text(t, dm_vm_ident_header(vm), 0, 1, LINES / 3);
	if (nc > 0) {
		tui_putf(t, ++y, 1, COLS - 2, TUI_S_HEAD, 0, "%zu candidate%s "
		    "(Enter opens the selected one)", nc, nc == 1 ? "" : "s");
		y++;
		list_h = (int)(nc < 8 ? nc : 8);
		if (list_h > LINES / 4)
			list_h = LINES / 4 > 0 ? LINES / 4 : 1;
		list_first = (long)sel < list_h ? 0 : (long)sel - list_h + 1;
		/* A click on a candidate selects it. */
		t->hit[0] = (struct tui_hit){ y, y + list_h, 0, COLS, 0,
		    list_first };
		t->nhits = 1;
		for (i = (size_t)list_first; i < nc &&
		    (long)i < list_first + list_h; i++, y++)
			tui_put(t, y, 1, COLS - 2, i != sel ? TUI_S_NORMAL :
			    focus != DM_IDF_CANDS ? TUI_S_SEL_DIM : TUI_S_SEL,
			    dm_vm_ident_cand(vm, i), 1);
	}
	y++;
	rows = LINES - 2 - y;
	/*
	 * With a segmentation: a quarter of the rows for the text, a
	 * quarter for the segments, the rest for the byte view, which
	 * takes three rows at least, from the text first.
	 */
	if (ns > 0 && rows >= 7) {
		text_h = rows / 4;
		seg_h = (int)ns < rows / 4 ? (int)ns : rows / 4;
		if (seg_h < 1)
			seg_h = 1;
		while (text_h > 0 && rows - text_h - seg_h - 2 < 3)
			text_h--;
		br = (struct tui_rect){ y + text_h + 1 + seg_h + 1, 0,
		    rows - text_h - seg_h - 2, COLS };
		draw_segs(t, vm, y + text_h + 1, seg_h,
		    focus == DM_IDF_SEGS);
		draw_bytes(t, vm, &br, focus == DM_IDF_BYTES, seg_h);
		t->hit[t->nhits++] = (struct tui_hit){ br.y + 1,
		    br.y + br.h - 1, 0, COLS, 1, (long)dm_vm_ident_btop(vm) };
		rows = text_h;
	}
	n = count_lines(text);
	dm_vm_set_page(vm, DM_PANE_HELP, rows > 0 ? rows : 1);
	dm_vm_set_extent(vm, DM_PANE_HELP, n);
	first = dm_vm_scroll(vm, DM_PANE_HELP);
	if (rows > 0)
		draw_text(t, text, first, y, rows);
	msg = dm_vm_msg(vm, &error);
	if (msg[0] != '\0')
		tui_putf(t, LINES - 2, 0, COLS, error ? TUI_S_ERROR :
		    TUI_S_NORMAL, 1, " %s", msg);
	tui_putf(t, LINES - 1, 0, COLS, TUI_S_HINT, 1, " %s  line %ld of "
	    "%ld", tui_hints(vm), first + 1, n);
}

static int
identify_key(struct tui *t, struct dm_vm *vm, int k)
{
	enum dm_act a;
	long arg;

	(void)t;
	a = tui_key_action(vm, k, &arg);
	return dm_vm_do(vm, a, arg);
}

static int
identify_click(struct tui *t, struct dm_vm *vm, int y, int x)
{
	const struct tui_hit *h;
	int i;

	for (i = 0; i < t->nhits; i++) {
		h = &t->hit[i];
		if (y < h->y0 || y >= h->y1)
			continue;
		/* Field 1: the byte view, its first row's offset. */
		if (h->field == 1)
			return dm_vm_do(vm, DM_ACT_SELECT_BYTE,
			    (long)tui_bytes_click(dm_vm_ident_size(vm),
			    dm_vm_ident_per_row(vm), (uint64_t)h->index +
			    (uint64_t)(y - h->y0) * dm_vm_ident_per_row(vm),
			    x - 1));
		return dm_vm_do(vm, DM_ACT_SELECT_ROW, h->index + (y - h->y0));
	}
	return 0;
}

const struct tui_screen_ops view_identify_ops = {
	.name = "identify",
	.screen = DM_SCREEN_IDENTIFY,
	.overlay = 0,
	.draw = identify_draw,
	.key = identify_key,
	.click = identify_click,
};
