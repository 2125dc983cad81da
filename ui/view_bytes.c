/*
 * view_bytes.c - the bytes of the weights file, in hex and as float32
 * side by side, coloured by who owns them as laid out: the header, each
 * array (neighbours in different colours, the selected one bold), gaps
 * nobody reads, bytes after the data, and bytes the layout expects past
 * the end of the file.  Floats implausible for their array's role (NaN,
 * infinite, subnormal, huge, a negative variance) stand out, which is
 * what data read at the wrong offset looks like.
 *
 * A row is drawn by tui_bytes_row(), which the identify screen's byte
 * view (view_identify.c) draws with too, its owners read from the blind
 * segmentation.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


#define FLOAT_W		11
#define MAX_ROW		TUI_BYTES_MAX_ROW

static int
offset_width(uint64_t end)
{
	return end > 0xffffffffULL ? 10 : 8;
}

/* The width of a row without the text column. */
static int
row_width(uint64_t end, unsigned n)
{
	return offset_width(end) + 1 + (int)n * 3 + 1 + (int)(n / 4) * FLOAT_W;
}

unsigned
tui_bytes_per_row(uint64_t end, int w)
{
	unsigned n;

	for (n = MAX_ROW; n > 4; n /= 2)
		if (row_width(end, n) <= w)
			break;
	return n;
}

static enum tui_style
owner_style(const struct dm_owner *o)
{
	switch (o->kind) {
	case DM_OWN_HEADER:
		return TUI_S_HEADER_BYTES;
	case DM_OWN_ARRAY:
		return (enum tui_style)(TUI_S_T0 + o->array %
		    TUI_TENSOR_STYLES);
	case DM_OWN_GAP:
		return TUI_S_GAP;
	case DM_OWN_TRAILING:
		return TUI_S_TRAILING;
	default:
		return TUI_S_MISSING;
	}
}

/* Who owns byte off of the pair, as it is laid out. */
static void
pair_owner(const struct dm_vm *vm, uint64_t off, struct tui_byte_owner *bo)
{
	struct dm_owner o;

	dm_session_owner(dm_vm_session(vm), off, &o);
	bo->st = owner_style(&o);
	bo->selected = o.array >= 0 && o.array == dm_vm_array(vm);
	bo->data = o.kind == DM_OWN_ARRAY;
	bo->variance = bo->data &&
	    dm_vm_net(vm)->arrays[o.array].role == DM_ROLE_ROLLING_VARIANCE;
}

static size_t
pair_read(const struct dm_vm *vm, uint64_t off, uint8_t *buf, size_t n)
{
	return dm_session_read(dm_vm_session(vm), off, buf, n);
}

/* Whether u, as a float, cannot be a parameter of its array's role. */
static int
implausible(const struct tui_byte_owner *o, uint32_t u)
{
	float f;

	if ((u & 0x7f800000u) == 0x7f800000u)
		return 1;
	if ((u & 0x7f800000u) == 0 && (u & 0x007fffffu) != 0)
		return 1;
	memcpy(&f, &u, sizeof f);
	if (fabsf(f) > 1e6f)
		return 1;
	return o->variance && f < 0;
}

static void
title(struct tui *t, struct dm_vm *vm, const struct tui_rect *r, int focused)
{
	struct dm_owner o;
	char buf[256], right[32];
	const char *what;

	dm_session_owner(dm_vm_session(vm), dm_vm_cursor(vm), &o);
	if (o.array >= 0) {
		const struct dm_array *a = &dm_vm_net(vm)->arrays[o.array];

		snprintf(buf, sizeof buf, "Bytes  @%" PRIu64 " (0x%" PRIx64
		    ")  layer %zu %s, byte %" PRIu64 " of %" PRIu64 "%s",
		    dm_vm_cursor(vm), dm_vm_cursor(vm), a->layer, a->name,
		    dm_vm_cursor(vm) - a->offset, a->count * 4,
		    o.kind == DM_OWN_MISSING ? ", past the end of the data" :
		    "");
	} else {
		switch (o.kind) {
		case DM_OWN_HEADER:
			what = "the file's header";
			break;
		case DM_OWN_GAP:
			what = "gap: no array reads these bytes";
			break;
		case DM_OWN_TRAILING:
			what = "after the data: ignored";
			break;
		default:
			what = "past the end of the file";
			break;
		}
		snprintf(buf, sizeof buf, "Bytes  @%" PRIu64 " (0x%" PRIx64
		    ")  %s", dm_vm_cursor(vm), dm_vm_cursor(vm), what);
	}
	snprintf(right, sizeof right, "%u/row ", dm_vm_bytes_per_row(vm));
	tui_pane_title(t, r, focused, buf, right);
}

/* The bytes as text, for files that are not weights at all. */
static void
draw_text(struct tui *t, int y, int x, const uint8_t *buf, size_t got)
{
	char s[MAX_ROW + 1];
	size_t i;

	for (i = 0; i < got && i < MAX_ROW; i++)
		s[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
	s[i] = '\0';
	tui_put(t, y, x, (int)i, TUI_S_DIM, s, 0);
}

void
tui_bytes_row(struct tui *t, struct dm_vm *vm, const struct tui_byte_view *bv,
    int y, int x, int w, uint64_t off, unsigned n)
{
	uint8_t buf[MAX_ROW];
	struct tui_byte_owner o;
	size_t got;
	unsigned i;
	int cx, ow = offset_width(bv->end);
	char cellb[32];

	if (n > MAX_ROW)
		n = MAX_ROW;
	got = bv->read(vm, off, buf, n);
	cx = x + tui_putf(t, y, x, ow + 1, TUI_S_DIM, 0, "%0*" PRIx64 " ", ow,
	    off);
	for (i = 0; i < n; i++) {
		attr_t a;

		if (off + i >= bv->end) {
			cx += 3;
			continue;
		}
		memset(&o, 0, sizeof o);
		bv->own(vm, off + i, &o);
		a = tui_attr(t, o.st);
		if (o.selected)
			a |= A_BOLD | A_UNDERLINE;
		if (off + i == bv->cursor)
			a = tui_attr(t, bv->focused ? TUI_S_CURSOR :
			    TUI_S_SEL_DIM);
		if (i < got)
			snprintf(cellb, sizeof cellb, "%02x", buf[i]);
		else
			snprintf(cellb, sizeof cellb, "%s%s",
			    tui_glyph(t, TUI_G_DOT), tui_glyph(t, TUI_G_DOT));
		tui_put_attr(t, y, cx, 2, a, cellb, 0);
		cx += 3;
	}
	cx += 1;
	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t u;
		float f;
		attr_t a;

		if (off + i >= bv->end)
			break;
		memset(&o, 0, sizeof o);
		bv->own(vm, off + i, &o);
		if (i + 4 > got) {
			tui_put(t, y, cx, FLOAT_W, TUI_S_MISSING, "", 1);
			cx += FLOAT_W;
			continue;
		}
		u = dm_le32dec(buf + i);
		memcpy(&f, &u, sizeof f);
		snprintf(cellb, sizeof cellb, "%*.4g", FLOAT_W - 1, (double)f);
		a = tui_attr(t, o.st);
		if (o.data && implausible(&o, u))
			a = tui_attr(t, TUI_S_BAD) | A_REVERSE;
		if (bv->cursor >= off + i && bv->cursor < off + i + 4)
			a |= A_UNDERLINE;
		tui_put_attr(t, y, cx, FLOAT_W, a, cellb, 1);
		cx += FLOAT_W;
	}
	if (w >= row_width(bv->end, n) + 2 + (int)n)
		draw_text(t, y, x + row_width(bv->end, n) + 2, buf, got);
}

void
tui_bytes_legend(struct tui *t, int y, int x, int w, int blind)
{
	static const struct {
		enum tui_style	 st;
		const char	*text, *blind;
	} items[] = {
		{ TUI_S_HEADER_BYTES, "header", "header" },
		{ TUI_S_T0, "arrays", "runs" },
		{ TUI_S_T1, "in", "in" },
		{ TUI_S_T2, "turn", "turn" },
		{ TUI_S_GAP, "gap", "not explained" },
		{ TUI_S_TRAILING, "after data", NULL },
		{ TUI_S_MISSING, "past EOF", "past EOF" },
		{ TUI_S_BAD, "implausible", "implausible" },
	};
	const char *s;
	size_t i;
	int used = 0;

	for (i = 0; i < sizeof items / sizeof items[0] && used < w; i++) {
		if ((s = blind ? items[i].blind : items[i].text) == NULL)
			continue;
		used += tui_put(t, y, x + used, w - used, items[i].st, s, 0);
		used += tui_put(t, y, x + used, w - used, TUI_S_NORMAL, " ", 0);
	}
}

uint64_t
tui_bytes_click(uint64_t end, unsigned n, uint64_t off, int col)
{
	col -= offset_width(end) + 1;
	if (col >= 0 && col < (int)n * 3)
		off += (uint64_t)col / 3;
	else if (col > (int)n * 3) {
		col -= (int)n * 3 + 1;
		off += (uint64_t)(col / FLOAT_W) * 4;
	}
	return off;
}

static void
bytes_draw(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int focused)
{
	unsigned n = dm_vm_bytes_per_row(vm);
	struct tui_byte_view bv = {
		.end = dm_session_byte_end(dm_vm_session(vm)),
		.cursor = dm_vm_cursor(vm),
		.focused = focused,
		.read = pair_read,
		.own = pair_owner,
	};
	uint64_t off;
	int y, rows = r->h - 2;

	title(t, vm, r, focused);
	if (r->h < 3)
		return;
	if (bv.end == 0) {
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TUI_S_DIM,
		    "no bytes: there is no weights file and nothing to lay out",
		    0);
		return;
	}
	for (y = 0, off = dm_vm_btop(vm); y < rows && off < bv.end;
	    y++, off += n)
		tui_bytes_row(t, vm, &bv, r->y + 1 + y, r->x + 1, r->w - 1,
		    off, n);
	tui_bytes_legend(t, r->y + r->h - 1, r->x + 1, r->w - 1, 0);
}

static void
bytes_resize(struct tui *t, struct dm_vm *vm, const struct tui_rect *r)
{
	(void)t;
	dm_vm_set_bytes_per_row(vm, tui_bytes_per_row(
	    dm_session_byte_end(dm_vm_session(vm)), r->w - 1));
	dm_vm_set_page(vm, DM_PANE_BYTES, r->h - 2);
}

static int
bytes_click(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int y, int x)
{
	unsigned n = dm_vm_bytes_per_row(vm);

	(void)t;
	if (y <= r->y || y >= r->y + r->h - 1)
		return DM_VM_REDRAW;
	return dm_vm_do(vm, DM_ACT_SELECT_BYTE, (long)tui_bytes_click(
	    dm_session_byte_end(dm_vm_session(vm)), n, dm_vm_btop(vm) +
	    (uint64_t)(y - r->y - 1) * n, x - r->x - 1));
}

const struct tui_pane_ops view_bytes_ops = {
	.name = "bytes",
	.pane = DM_PANE_BYTES,
	.resize = bytes_resize,
	.draw = bytes_draw,
	.click = bytes_click,
};
