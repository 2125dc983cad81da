/*
 * vm.c - the view-model of the interactive interface: what a screen
 * needs of the session it shows (the selection, scrolling, searching, the
 * screens over the main one, the message line) and the table that hands
 * each action to its handler.  The edits are vmedit.c's, the accessors
 * views read vmread.c's, the details of a layer and an array vmdetail.c's,
 * the prompts prompt.c's, the export dialog xdialog.c's.
 *
 * The rows of the layer table are the file's header (row 0), every
 * layer (rows 1 to n) and the end of the file (row n + 1).  The byte
 * view's cursor and the table's selection follow each other: selecting a
 * layer or an array puts the cursor on its first byte, and moving the
 * cursor selects the array that owns the byte.
 */
#include "config.h"

#include "vmpriv.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>



static void	 vm_sync_from_cursor(struct dm_vm *);

void
dm_vm_message(struct dm_vm *vm, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
	va_end(ap);
	vm->msg_error = error;
}

static vm_act_fn open_repair;

/*
 * A diagnosis came in: r pressed while it was being computed opens the
 * preview now, unless something else is on the screen.
 */
static int
diag_in(struct dm_vm *vm)
{
	vm->hist_array = vm->norms_array = -1;
	if (!vm->repair_pending || dm_session_diag_pending(vm->s))
		return DM_VM_REDRAW;
	vm->repair_pending = 0;
	if (vm->screen != DM_SCREEN_MAIN || vm->prompt.kind != DM_PROMPT_NONE)
		return DM_VM_REDRAW;
	return open_repair(vm, DM_ACT_REPAIR, 0) | DM_VM_REDRAW;
}

int
dm_vm_poll(struct dm_vm *vm)
{
	if (vm->s == NULL || !dm_session_poll(vm->s))
		return 0;
	return diag_in(vm);
}

void
dm_vm_wait(struct dm_vm *vm)
{
	if (vm->s == NULL)
		return;
	dm_session_wait(vm->s);
	diag_in(vm);
}

struct dm_vm *
vm_alloc(struct dm_error *err)
{
	struct dm_vm *vm;
	int p;

	if ((vm = calloc(1, sizeof *vm)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	vm->bytes_per_row = 16;
	for (p = 0; p < DM_PANE_ALL; p++)
		vm->page[p] = 10;
	vm->x.format = DM_OUT_PT;
	vm->hist_array = vm->norms_array = -1;
	vm->array = -1;
	vm->warning = -1;
	vm->open_layout = DM_UNSET;
	return vm;
}

void
vm_set_session(struct dm_vm *vm, struct dm_session *s)
{
	const char *why;
	int p;

	dm_session_free(vm->s);
	vm->s = s;
	vm->screen = DM_SCREEN_MAIN;
	vm->focus = DM_PANE_LAYERS;
	vm->row = vm->top = 0;
	vm->cursor = vm->btop = 0;
	vm->hist_array = vm->norms_array = -1;
	vm->array = -1;
	vm->warning = -1;
	vm->repair_sel = 0;
	vm->repair_pending = 0;
	for (p = 0; p < DM_PANE_ALL; p++)
		vm->scroll[p] = 0;
	vm_target_stale(vm);
	vm->extent[DM_PANE_CFG] = (long)dm_session_ncfg_lines(s);
	why = dm_session_autosave_error(s);
	if (why[0] != '\0')
		dm_vm_message(vm, 1, "%s", why);
	if (dm_session_recovered(s, NULL) != NULL)
		vm->screen = DM_SCREEN_RECOVER;
	vm_select_row(vm, 1 < dm_vm_rows(vm) - 1 ? 1 : 0, 1);
}

struct dm_vm *
dm_vm_new(struct dm_session *s, struct dm_error *err)
{
	struct dm_vm *vm;

	if ((vm = vm_alloc(err)) == NULL) {
		dm_session_free(s);
		return NULL;
	}
	vm_set_session(vm, s);
	return vm;
}

void
dm_vm_free(struct dm_vm *vm)
{
	if (vm == NULL)
		return;
	vm_target_free(vm);
	vm_ident_free(vm);
	dm_session_free(vm->s);
	free(vm->autosave_dir);
	free(vm);
}

void
vm_default_name(const struct dm_vm *vm, const char *ext, char *buf,
    size_t len)
{
	const char *p = dm_session_weights_path(vm->s), *b, *dot;

	b = dm_base_name(p != NULL ? p : dm_session_cfg_path(vm->s));
	dot = strrchr(b, '.');
	snprintf(buf, len, "%.*s.%s", dot != NULL && dot != b ?
	    (int)(dot - b) : (int)strlen(b), b, ext);
}

size_t
dm_vm_question(const struct dm_vm *vm, char *buf, size_t len)
{
	const char *what[3];
	size_t n, k, i, at;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (vm->screen == DM_SCREEN_RECOVER)
		return (size_t)snprintf(buf, len, "Recover these unsaved "
		    "edits? (n discards them for good) y/n");
	if (vm->screen != DM_SCREEN_QUIT)
		return 0;
	n = dm_session_unsaved(vm->s, what, 3);
	k = n < 3 ? n : 3;
	at = (size_t)snprintf(buf, len, "Quit and lose %zu unsaved edit%s",
	    n, n == 1 ? "" : "s");
	for (i = 0; i < k && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i == 0 ? " (" : "; ", what[i]);
	if (n > k && at < len)
		at += (size_t)snprintf(buf + at, len - at, " and %zu more",
		    n - k);
	if (at < len)
		at += (size_t)snprintf(buf + at, len - at, "%s? y/n/w",
		    k > 0 ? ")" : "");
	return at < len ? at : len - 1;
}

/* Queries for drawing. */

void
vm_copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

long
dm_vm_rows(const struct dm_vm *vm)
{
	return (long)net_of(vm)->nlayers + 2;
}

long
dm_vm_row_layer(const struct dm_vm *vm, long row)
{
	return row >= 1 && row <= (long)net_of(vm)->nlayers ? row - 1 : -1;
}

const char *
dm_mark_name(enum dm_mark m)
{
	switch (m) {
	case DM_MARK_PENDING:	return "...";
	case DM_MARK_OK:	return "ok";
	case DM_MARK_SUSPECT:	return "odd";
	case DM_MARK_BAD:	return "bad";
	case DM_MARK_MISMATCH:	return "cut";
	case DM_MARK_ABSENT:	return "absent";
	default:		return "";
	}
}

/* Whether the other header size would make the sizes agree. */
static int
header_doubtful(const struct dm_vm *vm)
{
	const struct dm_diag *d = diag_of(vm);
	int k;

	if (d == NULL || d->size_diff == 0)
		return 0;
	for (k = 0; k < 2; k++)
		if (d->headers[k].fits &&
		    d->headers[k].size != net_of(vm)->header_size)
			return 1;
	return 0;
}

int
dm_vm_row_flagged(const struct dm_vm *vm, long row)
{
	enum dm_verdict_kind v = dm_session_verdict(vm->s)->kind;
	long li = dm_vm_row_layer(vm, row);
	enum dm_mark m;

	if (row == dm_vm_rows(vm) - 1)
		return v == DM_V_TRAILING || v == DM_V_UNALIGNED;
	if (li < 0)
		return v == DM_V_NOT_WEIGHTS || header_doubtful(vm);
	m = dm_session_mark(vm->s, (size_t)li);
	return m == DM_MARK_SUSPECT || m == DM_MARK_BAD ||
	    m == DM_MARK_MISMATCH || dm_vm_target_flagged(vm, (size_t)li);
}

void
dm_vm_cfg_span(const struct dm_vm *vm, size_t li, size_t *first,
    size_t *last)
{
	const struct dm_net *net = net_of(vm);
	size_t f, e, n = dm_session_ncfg_lines(vm->s);
	const char *line;

	f = (size_t)net->layers[li].line;
	e = li + 1 < net->nlayers ? (size_t)net->layers[li + 1].line - 1 : n;
	if (e > n)
		e = n;
	/* Blank lines and the comments above the next section are not its. */
	while (e > f && (line = dm_session_cfg_line(vm->s, e)) != NULL) {
		line += strspn(line, " \t");
		if (*line != '\0' && *line != '#' && *line != ';')
			break;
		e--;
	}
	*first = f;
	*last = e < f ? f : e;
}

/* The first warning on line or after it. */
static size_t
warnings_from(const struct dm_vm *vm, long line)
{
	size_t a = 0, b = dm_session_nwarnings(vm->s), m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (dm_session_warning(vm->s, m)->line < line)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* The cfg lines [lo, hi] whose warnings go with table row r; -1: none. */
static int
row_lines(const struct dm_vm *vm, long row, long *lo, long *hi)
{
	const struct dm_net *net = net_of(vm);
	long li = dm_vm_row_layer(vm, row);

	if (row == 0) {
		*lo = 0;
		*hi = net->nlayers > 0 ? net->layers[0].line - 1L : LONG_MAX;
		return 0;
	}
	if (li < 0)
		return -1;
	*lo = net->layers[li].line;
	*hi = (size_t)li + 1 < net->nlayers ? net->layers[li + 1].line - 1L :
	    LONG_MAX;
	return 0;
}

/* The table row of a cfg line: the layer whose section holds it. */
static long
line_row(const struct dm_vm *vm, long line)
{
	const struct dm_net *net = net_of(vm);
	size_t a = 0, b = net->nlayers, m;

	/* How many sections of layers start on line or before it. */
	while (a < b) {
		m = a + (b - a) / 2;
		if (net->layers[m].line <= line)
			a = m + 1;
		else
			b = m;
	}
	return (long)a;
}

size_t
dm_vm_row_warnings(const struct dm_vm *vm, long row, size_t *first)
{
	long lo, hi;

	*first = 0;
	if (row_lines(vm, row, &lo, &hi) == -1 || hi < lo)
		return 0;
	*first = warnings_from(vm, lo);
	return (hi == LONG_MAX ? dm_session_nwarnings(vm->s) : warnings_from(vm, hi + 1)) -
	    *first;
}

size_t
dm_vm_line_warnings(const struct dm_vm *vm, size_t line, size_t *first)
{
	if (line > INT_MAX) {
		*first = dm_session_nwarnings(vm->s);
		return 0;
	}
	*first = warnings_from(vm, (long)line);
	return warnings_from(vm, (long)line + 1) - *first;
}

/* Selection and scrolling. */

static void
table_visible(struct dm_vm *vm)
{
	long page = vm->page[DM_PANE_LAYERS] > 0 ? vm->page[DM_PANE_LAYERS] : 1;
	long rows = dm_vm_rows(vm);

	if (vm->row < vm->top)
		vm->top = vm->row;
	if (vm->row >= vm->top + page)
		vm->top = vm->row - page + 1;
	vm->top = clampl(vm->top, 0, rows > page ? rows - page : 0);
}

uint64_t
vm_bytes_top(uint64_t cursor, uint64_t btop, uint64_t end, unsigned per_row,
    long page_rows, int recenter)
{
	uint64_t per = per_row ? per_row : 16;
	uint64_t page = (uint64_t)(page_rows > 0 ? page_rows : 1);
	uint64_t row = cursor / per, top = btop / per;
	uint64_t rows = (end + per - 1) / per;

	if (recenter) {
		/* A little context above: the end of what comes before. */
		uint64_t ctx = page >= 4 ? page / 4 : 0;

		top = row > ctx ? row - ctx : 0;
	} else if (row < top)
		top = row;
	else if (row >= top + page)
		top = row - page + 1;
	if (rows > page && top > rows - page)
		top = rows - page;
	if (rows <= page)
		top = 0;
	return top * per;
}

uint64_t
vm_cursor_step(uint64_t cursor, int64_t delta, uint64_t end)
{
	if (end == 0)
		return 0;
	if (delta < 0 && (uint64_t)-delta > cursor)
		return 0;
	if (delta > 0 && (uint64_t)delta >= end - cursor)
		return end - 1;
	return (uint64_t)((int64_t)cursor + delta);
}

static void
bytes_visible(struct dm_vm *vm, int recenter)
{
	vm->btop = vm_bytes_top(vm->cursor, vm->btop,
	    dm_session_byte_end(vm->s), vm->bytes_per_row,
	    vm->page[DM_PANE_BYTES], recenter);
}

/* Where the byte view goes for a table row. */
static uint64_t
row_offset(const struct dm_vm *vm, long row)
{
	const struct dm_net *net = net_of(vm);
	long li = dm_vm_row_layer(vm, row);
	uint64_t lo, hi, end;
	size_t k;

	if (row <= 0)
		return 0;
	if (li < 0) {
		/* The end row: the row where the data stops. */
		end = dm_session_data_end(vm->s);
		if (net->total_bytes < end)
			end = net->total_bytes;
		return end > 0 ? end - 1 : 0;
	}
	if (vm->array >= 0 && net->arrays[vm->array].layer == (size_t)li &&
	    dm_array_present(&net->arrays[vm->array]))
		return net->arrays[vm->array].offset;
	if (dm_session_layer_range(vm->s, (size_t)li, &lo, &hi))
		return lo;
	/* No arrays: where the next layer's arrays start. */
	for (k = (size_t)li + 1; k < net->nlayers; k++)
		if (dm_session_layer_range(vm->s, k, &lo, &hi))
			return lo;
	return net->total_bytes;
}

/* Selects table row r; move_cursor: the byte view follows. */
void
vm_select_row(struct dm_vm *vm, long row, int move_cursor)
{
	long old = vm->row, li;
	uint64_t end;

	vm->row = clampl(row, 0, dm_vm_rows(vm) - 1);
	li = dm_vm_row_layer(vm, vm->row);
	if (old != vm->row || vm->array < 0 ||
	    (li >= 0 && net_of(vm)->arrays[vm->array].layer != (size_t)li) ||
	    li < 0) {
		vm->array = -1;
		if (li >= 0 && net_of(vm)->layers[li].narrays > 0)
			vm->array = (long)net_of(vm)->layers[li].first_array;
		vm->scroll[DM_PANE_DETAILS] = 0;
	}
	table_visible(vm);
	if (li >= 0 && dm_session_ncfg_lines(vm->s) > 0) {
		size_t f, l;

		dm_vm_cfg_span(vm, (size_t)li, &f, &l);
		vm->scroll[DM_PANE_CFG] = f > 3 ? (long)f - 3 : 0;
	}
	if (move_cursor) {
		end = dm_session_byte_end(vm->s);
		vm->cursor = row_offset(vm, vm->row);
		if (end > 0 && vm->cursor >= end)
			vm->cursor = end - 1;
		bytes_visible(vm, 1);
	}
}

/* The table follows the byte cursor. */
static void
vm_sync_from_cursor(struct dm_vm *vm)
{
	const struct dm_net *net = net_of(vm);
	struct dm_owner o;
	long row;
	size_t k;

	dm_session_owner(vm->s, vm->cursor, &o);
	switch (o.kind) {
	case DM_OWN_HEADER:
		row = 0;
		break;
	case DM_OWN_ARRAY:
		row = (long)net->arrays[o.array].layer + 1;
		break;
	case DM_OWN_MISSING:
		row = o.array >= 0 ? (long)net->arrays[o.array].layer + 1 :
		    dm_vm_rows(vm) - 1;
		break;
	case DM_OWN_GAP:
		/* The array after the gap. */
		row = dm_vm_rows(vm) - 1;
		for (k = 0; k < dm_session_nby_offset(vm->s); k++)
			if (net->arrays[dm_session_by_offset(vm->s, k)].offset > vm->cursor) {
				o.array = (long)dm_session_by_offset(vm->s, k);
				row = (long)net->arrays[o.array].layer + 1;
				break;
			}
		break;
	default:
		row = dm_vm_rows(vm) - 1;
		break;
	}
	if (row != vm->row)
		vm_select_row(vm, row, 0);
	if (o.array >= 0 && row < dm_vm_rows(vm) - 1)
		vm->array = o.array;
}

static void
cursor_move(struct dm_vm *vm, int64_t delta)
{
	uint64_t end = dm_session_byte_end(vm->s);

	if (end == 0)
		return;
	vm->cursor = vm_cursor_step(vm->cursor, delta, end);
	bytes_visible(vm, 0);
	vm_sync_from_cursor(vm);
}

static void
select_array_step(struct dm_vm *vm, int dir)
{
	long li = dm_vm_row_layer(vm, vm->row);
	const struct dm_layer *l;
	long a;

	if (li < 0 || net_of(vm)->layers[li].narrays == 0) {
		dm_vm_message(vm, 0, "this row has no arrays");
		return;
	}
	l = &net_of(vm)->layers[li];
	a = vm->array < 0 ? (long)l->first_array : vm->array + dir;
	vm->array = clampl(a, (long)l->first_array,
	    (long)(l->first_array + l->narrays) - 1);
	if (dm_array_present(&net_of(vm)->arrays[vm->array])) {
		vm->cursor = net_of(vm)->arrays[vm->array].offset;
		bytes_visible(vm, 1);
	}
}

static void
pane_scroll(struct dm_vm *vm, enum dm_pane p, long delta)
{
	long max = vm->extent[p] - vm->page[p];

	vm->scroll[p] = clampl(vm->scroll[p] + delta, 0, max > 0 ? max : 0);
}

void
dm_vm_set_page(struct dm_vm *vm, enum dm_pane pane, long rows)
{
	if (pane >= DM_PANE_ALL)
		return;
	vm->page[pane] = rows > 0 ? rows : 1;
	if (pane == DM_PANE_LAYERS)
		table_visible(vm);
	else if (pane == DM_PANE_BYTES)
		bytes_visible(vm, 0);
	else
		pane_scroll(vm, pane, 0);
}

void
dm_vm_set_extent(struct dm_vm *vm, enum dm_pane pane, long rows)
{
	if (pane >= DM_PANE_ALL)
		return;
	vm->extent[pane] = rows;
	pane_scroll(vm, pane, 0);
}

void
dm_vm_show_rows(struct dm_vm *vm, enum dm_pane pane, long first, long last)
{
	long page;

	if (pane >= DM_PANE_ALL || first < 0 || last < first)
		return;
	page = vm->page[pane] > 0 ? vm->page[pane] : 1;
	if (last - first + 1 > page)
		last = first + page - 1;
	if (first < vm->scroll[pane])
		vm->scroll[pane] = first;
	else if (last >= vm->scroll[pane] + page)
		vm->scroll[pane] = last - page + 1;
	pane_scroll(vm, pane, 0);
}

void
dm_vm_set_bytes_per_row(struct dm_vm *vm, unsigned n)
{
	n &= ~3u;
	if (n == 0)
		n = 4;
	if (n != vm->bytes_per_row) {
		vm->bytes_per_row = n;
		bytes_visible(vm, 0);
	}
}

static void
move_focused(struct dm_vm *vm, enum dm_act act)
{
	long page = vm->page[vm->focus] > 1 ? vm->page[vm->focus] - 1 : 1;
	uint64_t per = vm->bytes_per_row;
	long rows = dm_vm_rows(vm);

	switch (vm->focus) {
	case DM_PANE_LAYERS:
		switch (act) {
		case DM_ACT_UP:
			vm_select_row(vm, vm->row - 1, 1);
			break;
		case DM_ACT_DOWN:
			vm_select_row(vm, vm->row + 1, 1);
			break;
		case DM_ACT_PAGE_UP:
			vm_select_row(vm, vm->row - page, 1);
			break;
		case DM_ACT_PAGE_DOWN:
			vm_select_row(vm, vm->row + page, 1);
			break;
		case DM_ACT_TOP:
			vm_select_row(vm, 0, 1);
			break;
		default:
			vm_select_row(vm, rows - 1, 1);
			break;
		}
		break;
	case DM_PANE_BYTES:
		switch (act) {
		case DM_ACT_UP:
			cursor_move(vm, -(int64_t)per);
			break;
		case DM_ACT_DOWN:
			cursor_move(vm, (int64_t)per);
			break;
		case DM_ACT_PAGE_UP:
			cursor_move(vm, -(int64_t)per * page);
			break;
		case DM_ACT_PAGE_DOWN:
			cursor_move(vm, (int64_t)per * page);
			break;
		case DM_ACT_TOP:
			cursor_move(vm, -(int64_t)vm->cursor);
			break;
		default:
			cursor_move(vm, (int64_t)dm_session_byte_end(vm->s));
			break;
		}
		break;
	default:
		switch (act) {
		case DM_ACT_UP:
			pane_scroll(vm, vm->focus, -1);
			break;
		case DM_ACT_DOWN:
			pane_scroll(vm, vm->focus, 1);
			break;
		case DM_ACT_PAGE_UP:
			pane_scroll(vm, vm->focus, -page);
			break;
		case DM_ACT_PAGE_DOWN:
			pane_scroll(vm, vm->focus, page);
			break;
		case DM_ACT_TOP:
			vm->scroll[vm->focus] = 0;
			break;
		default:
			pane_scroll(vm, vm->focus, vm->extent[vm->focus]);
			break;
		}
		break;
	}
}

static int
goto_problem(struct dm_vm *vm, int dir)
{
	long rows = dm_vm_rows(vm), r;

	if (dm_session_diag_pending(vm->s) && dir == 0)
		dm_vm_message(vm, 0, "still reading the arrays: marks may "
		    "follow");
	r = dir == 0 ? 0 : vm->row + dir;
	for (; r >= 0 && r < rows; r += dir == 0 ? 1 : dir)
		if (dm_vm_row_flagged(vm, r)) {
			vm_select_row(vm, r, 1);
			if (dir != 0 || !dm_session_diag_pending(vm->s))
				vm->msg[0] = '\0';
			return DM_VM_REDRAW;
		}
	if (dir == 0)
		dm_vm_message(vm, 0, "no flagged layer: %s",
		    w_of(vm) == NULL ? "there is no weights file" :
		    "every layer reads plausibly");
	else
		dm_vm_message(vm, 0, "no flagged layer %s this one",
		    dir > 0 ? "after" : "before");
	return DM_VM_REDRAW | DM_VM_BELL;
}

/*
 * The next warning: after the last one gone to while its row is still
 * selected, else the first from the selected row on; round to the first.
 * Selects its row, shows its line in the cfg pane and its text on the
 * message line.
 */
static int
goto_warning(struct dm_vm *vm)
{
	const struct dm_warning *wn;
	long lo, hi, line, page;
	size_t i;

	if (dm_session_nwarnings(vm->s) == 0) {
		dm_vm_message(vm, 0, "no warnings about the cfg");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (vm->warning >= 0 && (size_t)vm->warning < dm_session_nwarnings(vm->s) &&
	    line_row(vm, dm_session_warning(vm->s, vm->warning)->line) == vm->row)
		i = (size_t)vm->warning + 1;
	else if (row_lines(vm, vm->row, &lo, &hi) == 0)
		i = warnings_from(vm, lo);
	else
		i = dm_session_nwarnings(vm->s);
	if (i >= dm_session_nwarnings(vm->s))
		i = 0;
	vm->warning = (long)i;
	wn = dm_session_warning(vm->s, i);
	vm_select_row(vm, line_row(vm, wn->line), 1);
	if (wn->line > 0) {
		line = wn->line - 1L;
		page = vm->page[DM_PANE_CFG];
		if (line < vm->scroll[DM_PANE_CFG] ||
		    line >= vm->scroll[DM_PANE_CFG] + page)
			vm->scroll[DM_PANE_CFG] = line > page / 3 ?
			    line - page / 3 : 0;
		pane_scroll(vm, DM_PANE_CFG, 0);
	}
	if (wn->line > 0)
		dm_vm_message(vm, 0, "warning %zu of %zu, line %d: %s", i + 1,
		    dm_session_nwarnings(vm->s), wn->line, wn->msg);
	else
		dm_vm_message(vm, 0, "warning %zu of %zu: %s", i + 1,
		    dm_session_nwarnings(vm->s), wn->msg);
	return DM_VM_REDRAW;
}

/* Searching. */

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 0;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static int
row_matches(const struct dm_vm *vm, long row, const char *q)
{
	const struct dm_net *net = net_of(vm);
	long li = dm_vm_row_layer(vm, row);
	const struct dm_layer *l;
	char kv[512];
	size_t i;

	if (li < 0)
		return contains_nocase(row == 0 ? "header" : "end", q);
	l = &net->layers[li];
	if (contains_nocase(dm_ltype_name(l->type), q) ||
	    contains_nocase(l->label, q) || contains_nocase(l->sect->name, q))
		return 1;
	for (i = 0; i < l->sect->nopts; i++) {
		const struct dm_option *o = &l->sect->opts[i];

		snprintf(kv, sizeof kv, "%s=%s", o->key, o->value ? o->value :
		    "");
		if (contains_nocase(kv, q))
			return 1;
	}
	for (i = l->first_array; i < l->first_array + l->narrays; i++)
		if (contains_nocase(net->arrays[i].name, q))
			return 1;
	return 0;
}

/* A byte offset in a query: "@N", "0xN", or a number past the layers. */
int
vm_query_offset(const struct dm_vm *vm, const char *q, uint64_t *off)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (*q == '@')
		q++;
	else if (strncmp(q, "0x", 2) != 0 && strncmp(q, "0X", 2) != 0) {
		errno = 0;
		v = strtoull(q, &end, 10);
		if (*q < '0' || *q > '9' || *end != '\0' || errno != 0 ||
		    v < net_of(vm)->nlayers)
			return -1;
		*off = v;
		return 0;
	}
	if (strncmp(q, "0x", 2) == 0 || strncmp(q, "0X", 2) == 0) {
		q += 2;
		base = 16;
	}
	errno = 0;
	v = strtoull(q, &end, base);
	if (*q == '\0' || *end != '\0' || errno != 0 || *q == '-')
		return -1;
	*off = v;
	return 0;
}

int
vm_goto_offset(struct dm_vm *vm, uint64_t off)
{
	uint64_t end = dm_session_byte_end(vm->s);

	if (off >= end && end > 0) {
		dm_vm_message(vm, 1, "offset %" PRIu64 " is past the end "
		    "(%" PRIu64 " bytes)", off, end);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->cursor = off;
	bytes_visible(vm, 1);
	vm_sync_from_cursor(vm);
	vm->focus = DM_PANE_BYTES;
	dm_vm_message(vm, 0, "offset %" PRIu64 " (0x%" PRIx64 ")", off, off);
	return DM_VM_REDRAW;
}

int
vm_search(struct dm_vm *vm, int dir)
{
	const char *q = vm->search;
	long rows = dm_vm_rows(vm), r, i, n;
	uint64_t off;
	char *end;
	int wrapped;

	if (*q == '\0') {
		dm_vm_message(vm, 0, "no search yet: / searches");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (vm_query_offset(vm, q, &off) == 0)
		return vm_goto_offset(vm, off);
	n = strtol(q, &end, 10);
	if (*q >= '0' && *q <= '9' && *end == '\0') {
		vm_select_row(vm, n + 1, 1);
		vm->focus = DM_PANE_LAYERS;
		dm_vm_message(vm, 0, "layer %ld", n);
		return DM_VM_REDRAW;
	}
	if (*q == '#' && q[1] >= '0' && q[1] <= '9') {
		n = strtol(q + 1, &end, 10);
		if (*end == '\0' && n < (long)net_of(vm)->nlayers) {
			vm_select_row(vm, n + 1, 1);
			return DM_VM_REDRAW;
		}
	}
	for (i = 1; i <= rows; i++) {
		r = ((vm->row + dir * i) % rows + rows) % rows;
		if (row_matches(vm, r, q)) {
			long k = 0, total = 0, j;

			/* Where it is: match k of n, in table order. */
			for (j = 0; j < rows; j++)
				if (row_matches(vm, j, q)) {
					total++;
					if (j == r)
						k = total;
				}
			wrapped = dir > 0 ? r <= vm->row : r >= vm->row;
			vm_select_row(vm, r, 1);
			vm->focus = DM_PANE_LAYERS;
			dm_vm_message(vm, 0, "/%s: %ld of %ld%s", q, k, total,
			    wrapped ? " (search wrapped)" : "");
			return DM_VM_REDRAW;
		}
	}
	dm_vm_message(vm, 1, "no match for '%s'", q);
	return DM_VM_REDRAW | DM_VM_BELL;
}

/* Screens. */

static int
quit(struct dm_vm *vm)
{
	if (dm_vm_dirty(vm)) {
		vm->screen = DM_SCREEN_QUIT;
		return DM_VM_REDRAW;
	}
	dm_session_drop_autosave(vm->s);
	return DM_VM_QUIT;
}

static int
recover(struct dm_vm *vm, int yes)
{
	enum dm_dialect was = net_of(vm)->dialect;
	struct dm_error err;
	int rc;

	vm->screen = DM_SCREEN_MAIN;
	dm_error_clear(&err);
	rc = dm_session_recover(vm->s, yes, &err);
	if (!yes) {
		dm_vm_message(vm, 0, "autosave discarded");
		return DM_VM_REDRAW;
	}
	return vm_applied(vm, rc, "recovered the autosaved edits", &err, was);
}

int
vm_help_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	long page = vm->page[DM_PANE_HELP];

	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
		pane_scroll(vm, DM_PANE_HELP, act == DM_ACT_UP ? -1 : 1);
		return DM_VM_REDRAW;
	case DM_ACT_PAGE_UP:
	case DM_ACT_PAGE_DOWN:
		pane_scroll(vm, DM_PANE_HELP, act == DM_ACT_PAGE_UP ? -page :
		    page);
		return DM_VM_REDRAW;
	case DM_ACT_TOP:
		vm->scroll[DM_PANE_HELP] = 0;
		return DM_VM_REDRAW;
	case DM_ACT_BOTTOM:
		pane_scroll(vm, DM_PANE_HELP, vm->extent[DM_PANE_HELP]);
		return DM_VM_REDRAW;
	case DM_ACT_SCROLL:
		pane_scroll(vm, DM_PANE_HELP, arg);
		return DM_VM_REDRAW;
	case DM_ACT_QUIT:
	case DM_ACT_CANCEL:
	case DM_ACT_HELP:
	case DM_ACT_ACCEPT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	default:
		return DM_VM_BELL;
	}
}

static int
repair_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	long s;

	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
	case DM_ACT_SCROLL:
	case DM_ACT_SELECT_ROW:		/* arg: the repair, by a click */
		if (!(diag_of(vm) != NULL) || diag_of(vm)->nhyps == 0)
			return DM_VM_REDRAW;
		if (act != DM_ACT_SELECT_ROW && vm->repair_sel == SIZE_MAX)
			s = 0;		/* nothing was chosen for the user */
		else
			s = act == DM_ACT_SELECT_ROW ? arg :
			    (long)vm->repair_sel + (act == DM_ACT_UP ? -1 :
			    act == DM_ACT_DOWN ? 1 : arg);
		vm->repair_sel = (size_t)clampl(s, 0, (long)diag_of(vm)->nhyps - 1);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
	case DM_ACT_YES:
		if (vm->repair_sel == SIZE_MAX) {
			dm_vm_message(vm, 1, "no repair chosen: %s; choose one "
			    "with j/k", diag_of(vm)->ambiguous ? "the best "
			    "ones tie" : "none fits without losing data");
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		return vm_apply_repair(vm, vm->repair_sel);
	case DM_ACT_QUIT:
	case DM_ACT_CANCEL:
	case DM_ACT_NO:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	default:
		return DM_VM_BELL;
	}
}

static int
quit_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	switch (act) {
	case DM_ACT_YES:
		dm_session_drop_autosave(vm->s);
		return DM_VM_QUIT;
	case DM_ACT_NO:
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	case DM_ACT_SAVE:
		vm->screen = DM_SCREEN_MAIN;
		return dm_vm_do(vm, DM_ACT_SAVE, 0);
	default:
		return DM_VM_BELL;
	}
}

static int
recover_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	switch (act) {
	case DM_ACT_YES:
		return recover(vm, 1);
	case DM_ACT_NO:
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		return recover(vm, 0);
	default:
		return DM_VM_BELL;
	}
}

/* What each screen over the main one does with an action. */
static vm_act_fn *const screen_actions[] = {
	[DM_SCREEN_HELP] = vm_help_do,
	[DM_SCREEN_IDENTIFY] = vm_ident_do,
	[DM_SCREEN_REPAIR] = repair_do,
	[DM_SCREEN_EXPORT] = vm_xdialog_do,
	[DM_SCREEN_QUIT] = quit_do,
	[DM_SCREEN_RECOVER] = recover_do,
};

static int
open_repair(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	vm->repair_pending = 0;
	if (dm_session_diag_pending(vm->s)) {
		vm->repair_pending = 1;
		dm_vm_message(vm, 0, "still reading the arrays: the repair "
		    "preview opens when the diagnosis is in (Escape: not)");
		return DM_VM_REDRAW;
	}
	if (!(diag_of(vm) != NULL)) {
		dm_vm_message(vm, 1, "%s", w_of(vm) == NULL ? "no weights file: "
		    "nothing to repair" : dm_session_diag_error(vm->s)[0] ? dm_session_diag_error(vm->s) :
		    "no diagnosis of this file");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (diag_of(vm)->nhyps == 0) {
		dm_vm_message(vm, 0, "%s", dm_session_verdict(vm->s)->kind == DM_V_EXACT &&
		    diag_of(vm)->first_bad < 0 ? "nothing to repair: the file fits "
		    "the cfg and its data is plausible" : diag_of(vm)->summary[0] ?
		    diag_of(vm)->summary : "no single change explains the problem");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	/*
	 * The best repair is chosen for the user only when it fits, loses
	 * nothing and ties with none.
	 */
	vm->repair_sel = diag_of(vm)->fit && !diag_of(vm)->ambiguous ? 0 :
	    SIZE_MAX;
	vm->screen = DM_SCREEN_REPAIR;
	if (diag_of(vm)->hyps[0].layer >= 0)
		vm_select_row(vm, diag_of(vm)->hyps[0].layer + 1, 1);
	return DM_VM_REDRAW;
}

/* The main screen's actions, one small handler each. */

static int
a_move(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	move_focused(vm, act);
	return DM_VM_REDRAW;
}

static int
a_side(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	if (vm->focus == DM_PANE_BYTES)
		cursor_move(vm, act == DM_ACT_LEFT ? -4 : 4);
	else
		select_array_step(vm, act == DM_ACT_LEFT ? -1 : 1);
	return DM_VM_REDRAW;
}

static int
a_focus(struct dm_vm *vm, enum dm_act act, long arg)
{
	int step = act == DM_ACT_FOCUS_NEXT ? 1 : -1;

	if (act == DM_ACT_FOCUS) {
		if (arg >= 0 && arg < DM_PANE_COUNT)
			vm->focus = (enum dm_pane)arg;
	} else
		vm->focus = (enum dm_pane)(((int)vm->focus + step +
		    DM_PANE_COUNT) % DM_PANE_COUNT);
	return DM_VM_REDRAW;
}

static int
a_select(struct dm_vm *vm, enum dm_act act, long arg)
{
	switch (act) {
	case DM_ACT_SELECT_ROW:
		vm_select_row(vm, arg, 1);
		break;
	case DM_ACT_SELECT_ARRAY:
		if (arg < 0 || (size_t)arg >= net_of(vm)->narrays)
			break;
		vm_select_row(vm, (long)net_of(vm)->arrays[arg].layer + 1, 0);
		vm->array = arg;
		vm_select_row(vm, vm->row, 1);
		break;
	default:
		if (arg < 0 || (uint64_t)arg >= dm_session_byte_end(vm->s))
			break;
		vm->cursor = (uint64_t)arg;
		bytes_visible(vm, 0);
		vm_sync_from_cursor(vm);
		break;
	}
	return DM_VM_REDRAW;
}

static int
a_scroll(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	if (vm->focus == DM_PANE_LAYERS)
		vm_select_row(vm, vm->row + arg, 1);
	else if (vm->focus == DM_PANE_BYTES)
		cursor_move(vm, (int64_t)arg * vm->bytes_per_row);
	else
		pane_scroll(vm, vm->focus, arg);
	return DM_VM_REDRAW;
}

static int
a_problem(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return goto_problem(vm, act == DM_ACT_FIRST_PROBLEM ? 0 :
	    act == DM_ACT_NEXT_PROBLEM ? 1 : -1);
}

static int
a_warning(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	return goto_warning(vm);
}

static int
a_export(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	vm_xdialog_open(vm);
	return DM_VM_REDRAW;
}

static int
a_help(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	vm->screen = DM_SCREEN_HELP;
	vm->scroll[DM_PANE_HELP] = 0;
	return DM_VM_REDRAW;
}

static int
a_quit(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	return quit(vm);
}

static int
a_cancel(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	vm->repair_pending = 0;
	if (vm->msg[0] == '\0')
		return 0;
	vm->msg[0] = '\0';
	return DM_VM_REDRAW;
}

static int
a_accept(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	if (vm->focus == DM_PANE_LAYERS)
		vm->focus = DM_PANE_DETAILS;
	return DM_VM_REDRAW;
}

static vm_act_fn *const main_actions[] = {
	[DM_ACT_UP] = a_move,
	[DM_ACT_DOWN] = a_move,
	[DM_ACT_PAGE_UP] = a_move,
	[DM_ACT_PAGE_DOWN] = a_move,
	[DM_ACT_TOP] = a_move,
	[DM_ACT_BOTTOM] = a_move,
	[DM_ACT_LEFT] = a_side,
	[DM_ACT_RIGHT] = a_side,
	[DM_ACT_FOCUS_NEXT] = a_focus,
	[DM_ACT_FOCUS_PREV] = a_focus,
	[DM_ACT_FOCUS] = a_focus,
	[DM_ACT_SELECT_ROW] = a_select,
	[DM_ACT_SELECT_ARRAY] = a_select,
	[DM_ACT_SELECT_BYTE] = a_select,
	[DM_ACT_SCROLL] = a_scroll,
	[DM_ACT_FIRST_PROBLEM] = a_problem,
	[DM_ACT_NEXT_PROBLEM] = a_problem,
	[DM_ACT_PREV_PROBLEM] = a_problem,
	[DM_ACT_NEXT_WARNING] = a_warning,
	[DM_ACT_SEARCH] = vm_open_search,
	[DM_ACT_SEARCH_NEXT] = vm_open_search,
	[DM_ACT_SEARCH_PREV] = vm_open_search,
	[DM_ACT_GOTO] = vm_open_goto,
	[DM_ACT_HEADER] = vm_edit_file_toggle,
	[DM_ACT_TRANSPOSE] = vm_edit_file_toggle,
	[DM_ACT_LAYOUT] = vm_edit_file_toggle,
	[DM_ACT_DIALECT] = vm_edit_file_toggle,
	[DM_ACT_DATA_END] = vm_open_data_end,
	[DM_ACT_ABSENT] = vm_edit_layer_toggle,
	[DM_ACT_OMIT] = vm_edit_layer_toggle,
	[DM_ACT_CUTOFF] = vm_edit_layer_toggle,
	[DM_ACT_GAP] = vm_open_layer_prompt,
	[DM_ACT_GAP_ADD] = vm_edit_gap_add,
	[DM_ACT_OFFSET] = vm_open_layer_prompt,
	[DM_ACT_ORDER] = vm_open_layer_prompt,
	[DM_ACT_COUNT] = vm_open_array_prompt,
	[DM_ACT_TRANSPOSE_ARRAY] = vm_edit_transpose_array,
	[DM_ACT_PERMUTE] = vm_open_array_prompt,
	[DM_ACT_RESHAPE] = vm_open_array_prompt,
	[DM_ACT_RENAME] = vm_open_array_prompt,
	[DM_ACT_TARGET_KEY] = vm_open_target_prompt,
	[DM_ACT_CLEAR] = vm_edit_clear,
	[DM_ACT_CLEAR_ALL] = vm_edit_clear,
	[DM_ACT_UNDO] = vm_undo_redo,
	[DM_ACT_REDO] = vm_undo_redo,
	[DM_ACT_REPAIR] = open_repair,
	[DM_ACT_SAVE] = vm_open_save,
	[DM_ACT_WRITE_CFG] = vm_open_write_cfg,
	[DM_ACT_EXPORT] = a_export,
	[DM_ACT_HELP] = a_help,
	[DM_ACT_IDENTIFY] = vm_identify,
	[DM_ACT_QUIT] = a_quit,
	[DM_ACT_CANCEL] = a_cancel,
	[DM_ACT_ACCEPT] = a_accept,
};

static int
main_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	if ((size_t)act >= sizeof main_actions / sizeof main_actions[0] ||
	    main_actions[act] == NULL)
		return DM_VM_BELL;
	return main_actions[act](vm, act, arg);
}

int
dm_vm_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	if (act == DM_ACT_NONE)
		return 0;
	if (vm->prompt.kind != DM_PROMPT_NONE)
		return vm_prompt_do(vm, act, arg);
	if (vm->screen != DM_SCREEN_MAIN)
		return screen_actions[vm->screen](vm, act, arg);
	return main_do(vm, act, arg);
}
