/*
 * vm.c - the view-model of the interactive interface: the session, its
 * edits and history, the selection and scrolling, prompts, dialogs,
 * searching, the autosave, and the background diagnosis.
 *
 * The rows of the layer table are the file's header (row 0), every
 * layer (rows 1 to n) and the end of the file (row n + 1).  The byte
 * view's cursor and the table's selection follow each other: selecting a
 * layer or an array puts the cursor on its first byte, and moving the
 * cursor selects the array that owns the byte.
 */
#include "config.h"

#include "vm.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endian.h"

#define HIST_BINS	32
#define HIST_SAMPLE	(1u << 18)	/* floats read for a histogram */
#define HIST_CHUNK	4096u

/* An action's handler: returns enum dm_vm_flags. */
typedef int act_fn(struct dm_vm *, enum dm_act, long);

static void	 vm_select_row(struct dm_vm *, long, int);
static void	 vm_sync_from_cursor(struct dm_vm *);
static int	 vm_commit(struct dm_vm *, struct dm_ovr *, const char *);
static int	 vm_applied(struct dm_vm *, int, const char *,
		     const struct dm_error *, enum dm_dialect);
static void	 x_refresh(struct dm_vm *);
/* Helpers. */

/* The session's state, for short. */

static const struct dm_net *
net_of(const struct dm_vm *vm)
{
	return dm_session_net(vm->s);
}

static const struct dm_weights *
w_of(const struct dm_vm *vm)
{
	return dm_session_weights(vm->s);
}

static const struct dm_ovr *
ovr_of(const struct dm_vm *vm)
{
	return dm_session_ovr(vm->s);
}

static const struct dm_diag *
diag_of(const struct dm_vm *vm)
{
	return dm_session_diag(vm->s);
}

void
dm_vm_message(struct dm_vm *vm, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
	va_end(ap);
	vm->msg_error = error;
}

/* Copies src into dst of len bytes, cutting it short if need be. */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static long
clampl(long v, long lo, long hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

int
dm_vm_poll(struct dm_vm *vm)
{
	if (!dm_session_poll(vm->s))
		return 0;
	vm->hist_array = -1;
	return DM_VM_REDRAW;
}

void
dm_vm_wait(struct dm_vm *vm)
{
	dm_session_wait(vm->s);
	vm->hist_array = -1;
}

struct dm_vm *
dm_vm_new(struct dm_session *s, struct dm_error *err)
{
	struct dm_vm *vm;
	const char *why;
	int p;

	if ((vm = calloc(1, sizeof *vm)) == NULL) {
		dm_session_free(s);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	vm->s = s;
	vm->hist_array = -1;
	vm->array = -1;
	vm->warning = -1;
	vm->bytes_per_row = 16;
	for (p = 0; p < DM_PANE_ALL; p++)
		vm->page[p] = 10;
	vm->extent[DM_PANE_CFG] = (long)dm_session_ncfg_lines(s);
	why = dm_session_autosave_error(s);
	if (why[0] != '\0')
		dm_vm_message(vm, 1, "%s", why);
	if (dm_session_recovered(s, NULL) != NULL)
		vm->screen = DM_SCREEN_RECOVER;
	vm->x.format = DM_OUT_PT;
	vm_select_row(vm, 1 < dm_vm_rows(vm) - 1 ? 1 : 0, 1);
	return vm;
}

void
dm_vm_free(struct dm_vm *vm)
{
	if (vm == NULL)
		return;
	dm_session_free(vm->s);
	free(vm);
}

const struct dm_session *
dm_vm_session(const struct dm_vm *vm)
{
	return vm->s;
}

/* What views read. */

const struct dm_net *
dm_vm_net(const struct dm_vm *vm)
{
	return dm_session_net(vm->s);
}

const struct dm_weights *
dm_vm_weights(const struct dm_vm *vm)
{
	return dm_session_weights(vm->s);
}

const struct dm_ovr *
dm_vm_ovr(const struct dm_vm *vm)
{
	return dm_session_ovr(vm->s);
}

const struct dm_verdict *
dm_vm_verdict(const struct dm_vm *vm)
{
	return dm_session_verdict(vm->s);
}

const struct dm_diag *
dm_vm_diag(const struct dm_vm *vm)
{
	return dm_session_diag(vm->s);
}

enum dm_screen
dm_vm_screen(const struct dm_vm *vm)
{
	return vm->screen;
}

enum dm_pane
dm_vm_focus(const struct dm_vm *vm)
{
	return vm->focus;
}

long
dm_vm_row(const struct dm_vm *vm)
{
	return vm->row;
}

long
dm_vm_top(const struct dm_vm *vm)
{
	return vm->top;
}

long
dm_vm_array(const struct dm_vm *vm)
{
	return vm->array;
}

uint64_t
dm_vm_cursor(const struct dm_vm *vm)
{
	return vm->cursor;
}

uint64_t
dm_vm_btop(const struct dm_vm *vm)
{
	return vm->btop;
}

unsigned
dm_vm_bytes_per_row(const struct dm_vm *vm)
{
	return vm->bytes_per_row;
}

long
dm_vm_scroll(const struct dm_vm *vm, enum dm_pane pane)
{
	return pane < DM_PANE_ALL ? vm->scroll[pane] : 0;
}

long
dm_vm_page(const struct dm_vm *vm, enum dm_pane pane)
{
	return pane < DM_PANE_ALL ? vm->page[pane] : 0;
}

long
dm_vm_warning(const struct dm_vm *vm)
{
	return vm->warning;
}

const char *
dm_vm_msg(const struct dm_vm *vm, int *error)
{
	if (error != NULL)
		*error = vm->msg_error;
	return vm->msg;
}

const struct dm_vm_prompt *
dm_vm_prompt(const struct dm_vm *vm)
{
	return vm->prompt.kind != DM_PROMPT_NONE ? &vm->prompt : NULL;
}

size_t
dm_vm_repair_sel(const struct dm_vm *vm)
{
	return vm->repair_sel;
}

const struct dm_vm_xdialog *
dm_vm_xdialog(const struct dm_vm *vm)
{
	return &vm->x;
}

void
dm_vm_set_progress(struct dm_vm *vm, void (*fn)(struct dm_vm *, void *),
    void *ctx)
{
	vm->on_progress = fn;
	vm->progress_ctx = ctx;
}

int
dm_vm_dirty(const struct dm_vm *vm)
{
	return dm_session_dirty(vm->s);
}

/* Queries for drawing. */

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
	    m == DM_MARK_MISMATCH;
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

static void
bytes_visible(struct dm_vm *vm, int recenter)
{
	uint64_t per = vm->bytes_per_row ? vm->bytes_per_row : 16;
	uint64_t page = (uint64_t)(vm->page[DM_PANE_BYTES] > 0 ?
	    vm->page[DM_PANE_BYTES] : 1);
	uint64_t row = vm->cursor / per, top = vm->btop / per;
	uint64_t rows = (dm_session_byte_end(vm->s) + per - 1) / per;

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
	vm->btop = top * per;
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
static void
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
	if (delta < 0 && (uint64_t)-delta > vm->cursor)
		vm->cursor = 0;
	else if (delta > 0 && (uint64_t)delta >= end - vm->cursor)
		vm->cursor = end - 1;
	else
		vm->cursor = (uint64_t)((int64_t)vm->cursor + delta);
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
static int
query_offset(const struct dm_vm *vm, const char *q, uint64_t *off)
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

static int
goto_offset(struct dm_vm *vm, uint64_t off)
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

static int
search(struct dm_vm *vm, int dir)
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
	if (query_offset(vm, q, &off) == 0)
		return goto_offset(vm, off);
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
			wrapped = dir > 0 ? r <= vm->row : r >= vm->row;
			vm_select_row(vm, r, 1);
			vm->focus = DM_PANE_LAYERS;
			dm_vm_message(vm, 0, "/%s%s", q, wrapped ?
			    " (search wrapped)" : "");
			return DM_VM_REDRAW;
		}
	}
	dm_vm_message(vm, 1, "no match for '%s'", q);
	return DM_VM_REDRAW | DM_VM_BELL;
}

/* Edits. */

/* Makes a copy of the overrides in force, to be edited and committed. */
static struct dm_ovr *
vm_begin(struct dm_vm *vm)
{
	struct dm_ovr *o = dm_ovr_dup(ovr_of(vm));

	if (o == NULL)
		dm_vm_message(vm, 1, "out of memory");
	return o;
}

/*
 * After the session changed: what was derived from a net it replaced
 * (switching the fork) goes, and the selection follows the new layout.
 */
static void
vm_changed(struct dm_vm *vm, enum dm_dialect was)
{
	if (net_of(vm)->dialect != was) {
		vm->warning = -1;
		vm->array = -1;
	}
	vm->hist_array = -1;
	if (vm->row >= dm_vm_rows(vm))
		vm->row = dm_vm_rows(vm) - 1;
	vm_select_row(vm, vm->row, 1);
}

/*
 * Puts next in force (taking it) if the core can lay it out; the old
 * overrides go to the undo history.
 */
static int
vm_commit(struct dm_vm *vm, struct dm_ovr *next, const char *what)
{
	enum dm_dialect was = net_of(vm)->dialect;
	struct dm_error err;

	dm_error_clear(&err);
	return vm_applied(vm, dm_session_apply(vm->s, next, what, &err), what,
	    &err, was);
}

/* Says how dm_session_apply() (rc, err) of the edit what went. */
static int
vm_applied(struct dm_vm *vm, int rc, const char *what,
    const struct dm_error *err, enum dm_dialect was)
{
	if (rc == 0) {
		dm_vm_message(vm, 0, "%s: no change", what);
		return DM_VM_REDRAW;
	}
	if (rc == -1) {
		if (err->code == DM_ERR_NOMEM)
			dm_vm_message(vm, 1, "%s", err->msg);
		else
			dm_vm_message(vm, 1, "%s: %s", what, err->msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm_changed(vm, was);
	dm_vm_message(vm, 0, "%s", what);
	return DM_VM_REDRAW;
}

/*
 * The edits below take what every action handler takes (the action and
 * its argument), so that the action table can name them directly.
 */

static int
undo_redo(struct dm_vm *vm, enum dm_act act, long arg)
{
	enum dm_dialect was = net_of(vm)->dialect;
	int redo = act == DM_ACT_REDO, rc;
	struct dm_error err;
	const char *what;

	(void)arg;
	dm_error_clear(&err);
	rc = redo ? dm_session_redo(vm->s, &what, &err) :
	    dm_session_undo(vm->s, &what, &err);
	if (rc == 0) {
		dm_vm_message(vm, 0, "nothing to %s", redo ? "redo" : "undo");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (rc == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm_changed(vm, was);
	dm_vm_message(vm, 0, "%s: %s", redo ? "redone" : "undone", what);
	return DM_VM_REDRAW;
}

static long
sel_layer(struct dm_vm *vm)
{
	long li = dm_vm_row_layer(vm, vm->row);

	if (li < 0)
		dm_vm_message(vm, 1, "select a layer first");
	return li;
}

static const struct dm_array *
sel_array(struct dm_vm *vm)
{
	long li = dm_vm_row_layer(vm, vm->row);

	if (li < 0 || vm->array < 0 ||
	    net_of(vm)->arrays[vm->array].layer != (size_t)li) {
		dm_vm_message(vm, 1, "select an array first (a layer with "
		    "parameters, then h and l)");
		return NULL;
	}
	return &net_of(vm)->arrays[vm->array];
}

static int
edit_file_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_ovr *o;
	char what[96];
	int v;

	(void)arg;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	switch (act) {
	case DM_ACT_HEADER:
		v = net_of(vm)->header_size == 20 ? 16 : 20;
		o->header = (unsigned)v == dm_session_file_header(vm->s) ? DM_UNSET : v;
		snprintf(what, sizeof what, "header %d bytes", v);
		break;
	case DM_ACT_TRANSPOSE:
		v = !net_of(vm)->transpose;
		o->transpose = v == dm_session_file_transpose(vm->s) ? DM_UNSET : v;
		snprintf(what, sizeof what, "connected weights %s",
		    v ? "transposed" : "not transposed");
		break;
	case DM_ACT_DIALECT:
		v = net_of(vm)->dialect == DM_DIALECT_AB ? DM_DIALECT_PJ :
		    DM_DIALECT_AB;
		o->dialect = v == (int)dm_session_base_dialect(vm->s) ? DM_UNSET : v;
		snprintf(what, sizeof what, "Darknet fork %s", v ==
		    DM_DIALECT_AB ? "ab (AlexeyAB)" : "pj (pjreddie)");
		break;
	default:
		v = net_of(vm)->mode == DM_LAYOUT_LOAD ? DM_LAYOUT_SAVE :
		    DM_LAYOUT_LOAD;
		o->layout = v == (int)dm_session_base_mode(vm->s) ? DM_UNSET : v;
		snprintf(what, sizeof what, "layout %s", v == DM_LAYOUT_LOAD ?
		    "load (as Darknet reads)" : "save (as Darknet writes)");
		break;
	}
	return vm_commit(vm, o, what);
}

static int
edit_layer_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;
	int *f;

	(void)arg;
	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((l = dm_ovr_layer(o, (size_t)li, NULL)) == NULL) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "out of memory");
		return DM_VM_REDRAW;
	}
	f = act == DM_ACT_ABSENT ? &l->absent : act == DM_ACT_OMIT ?
	    &l->omit : &l->cutoff;
	*f = !*f;
	snprintf(what, sizeof what, "layer %ld %s%s", li, *f ? "" :
	    "no longer ", act == DM_ACT_ABSENT ? "absent from the file" : act == DM_ACT_OMIT ?
	    "omitted from the export" : "the last in the file (cutoff)");
	return vm_commit(vm, o, what);
}

static int
edit_gap_add(struct dm_vm *vm, enum dm_act act, long delta)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;

	(void)act;
	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((l = dm_ovr_layer(o, (size_t)li, NULL)) == NULL) {
		dm_ovr_free(o);
		return DM_VM_REDRAW;
	}
	l->gap += delta;
	snprintf(what, sizeof what, "gap before layer %ld: %+ld, now %" PRId64
	    " bytes", li, delta, l->gap);
	return vm_commit(vm, o, what);
}

static int
edit_transpose_array(struct dm_vm *vm, enum dm_act act, long arg)
{
	const struct dm_array *a;
	struct dm_array_ovr *ao;
	struct dm_ovr *o;
	char what[96];

	(void)act;
	(void)arg;
	if ((a = sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((ao = dm_ovr_array(o, a->layer, a->name, NULL)) == NULL) {
		dm_ovr_free(o);
		return DM_VM_REDRAW;
	}
	ao->transpose = ao->transpose == 1 ? DM_UNSET : 1;
	snprintf(what, sizeof what, "layer %zu %s %s", a->layer, a->name,
	    ao->transpose == 1 ? "stored transposed" : "stored as is");
	return vm_commit(vm, o, what);
}

static int
edit_clear(struct dm_vm *vm, enum dm_act act, long arg)
{
	int all = act == DM_ACT_CLEAR_ALL;
	struct dm_ovr *o;
	char what[96];
	size_t i, n;
	long li = -1;

	(void)arg;

	if (!all && (li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if (all) {
		o->header = o->transpose = o->layout = DM_UNSET;
		o->data_end = DM_UNSET;
	}
	for (i = n = 0; i < o->nlayers; i++) {
		if (all || o->layers[i].layer == (size_t)li) {
			free(o->layers[i].order);
			continue;
		}
		o->layers[n++] = o->layers[i];
	}
	o->nlayers = n;
	for (i = n = 0; i < o->narrays; i++) {
		if (all || o->arrays[i].layer == (size_t)li) {
			free(o->arrays[i].rename);
			continue;
		}
		o->arrays[n++] = o->arrays[i];
	}
	o->narrays = n;
	if (all)
		snprintf(what, sizeof what, "every override cleared");
	else
		snprintf(what, sizeof what, "overrides of layer %ld cleared",
		    li);
	return vm_commit(vm, o, what);
}

int
dm_vm_preview(struct dm_vm *vm, size_t i, struct dm_verdict *v)
{
	const struct dm_diag *d = diag_of(vm);

	if (d == NULL || i >= d->nhyps)
		return -1;
	return dm_session_preview(vm->s, d->hyps[i].ovr, v);
}

static int
apply_repair(struct dm_vm *vm, size_t i)
{
	struct dm_ovr *o;
	char what[96];
	long layer;

	if (!(diag_of(vm) != NULL) || i >= diag_of(vm)->nhyps) {
		dm_vm_message(vm, 1, "no repair to apply");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if ((o = dm_ovr_dup(diag_of(vm)->hyps[i].ovr)) == NULL)
		return DM_VM_REDRAW;
	layer = diag_of(vm)->hyps[i].layer;
	snprintf(what, sizeof what, "repair applied: %s%s",
	    dm_hyp_name(diag_of(vm)->hyps[i].kind), layer >= 0 ? " at layer" : "");
	if (layer >= 0)
		snprintf(what + strlen(what), sizeof what - strlen(what),
		    " %ld", layer);
	vm->screen = DM_SCREEN_MAIN;
	return vm_commit(vm, o, what);
}

/* Prompts. */

static int
prompt_open(struct dm_vm *vm, enum dm_prompt kind, const char *label,
    const char *init)
{
	memset(&vm->prompt, 0, sizeof vm->prompt);
	vm->prompt.kind = kind;
	copy_str(vm->prompt.label, sizeof vm->prompt.label, label);
	copy_str(vm->prompt.buf, sizeof vm->prompt.buf, init);
	vm->prompt.len = strlen(vm->prompt.buf);
	vm->msg[0] = '\0';
	return DM_VM_REDRAW;
}

static int
open_layer_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_layer_ovr *lo;
	const struct dm_layer *l;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t lo_b, hi_b;
	size_t k, n = 0;
	long li;

	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	l = &net_of(vm)->layers[li];
	lo = dm_ovr_find_layer(ovr_of(vm), (size_t)li);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_GAP:
		snprintf(label, sizeof label, "bytes before layer %ld (may be "
		    "negative; empty: none)", li);
		if (lo != NULL && lo->gap != 0)
			snprintf(init, sizeof init, "%" PRId64, lo->gap);
		break;
	case DM_PROMPT_OFFSET:
		snprintf(label, sizeof label, "layer %ld starts at byte "
		    "(empty: where the previous ends)", li);
		if (lo != NULL && lo->offset != DM_UNSET)
			snprintf(init, sizeof init, "%" PRId64, lo->offset);
		else if (dm_session_layer_range(vm->s, (size_t)li, &lo_b, &hi_b))
			snprintf(init, sizeof init, "%" PRIu64, lo_b);
		break;
	default:
		if (l->narrays == 0) {
			dm_vm_message(vm, 1, "layer %ld has no arrays", li);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(label, sizeof label, "order of the arrays of layer "
		    "%ld in the file (empty: the usual)", li);
		if (lo != NULL && lo->order != NULL)
			snprintf(init, sizeof init, "%s", lo->order);
		else
			for (k = 0; k < l->narrays && n < sizeof init; k++)
				n += (size_t)snprintf(init + n, sizeof init - n,
				    "%s%s", k ? "," : "",
				    net_of(vm)->arrays[l->first_array + k].name);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = (size_t)li;
	return DM_VM_REDRAW;
}

static int
open_array_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_array_ovr *ao;
	const struct dm_array *a;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t v[DM_SHAPE_MAX];
	int i, n;

	if ((a = sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	ao = dm_ovr_find_array(ovr_of(vm), a->layer, a->name);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_COUNT:
		snprintf(label, sizeof label, "floats of layer %zu %s in the "
		    "file (empty: as the cfg says)", a->layer, a->name);
		snprintf(init, sizeof init, "%" PRIu64, a->count);
		break;
	case DM_PROMPT_PERMUTE:
		snprintf(label, sizeof label, "stored axis order of layer %zu "
		    "%s, e.g. 1,0 (empty: as is)", a->layer, a->name);
		n = a->nperm > 0 ? a->nperm : a->ndim;
		for (i = 0; i < n && i < DM_SHAPE_MAX; i++)
			v[i] = a->nperm > 0 ? (uint64_t)a->perm[i] :
			    (uint64_t)i;
		dm_ovr_join(init, sizeof init, v, n);
		break;
	case DM_PROMPT_RESHAPE:
		snprintf(label, sizeof label, "exported shape of layer %zu %s "
		    "(empty: from the cfg)", a->layer, a->name);
		for (n = 0; n < DM_SHAPE_MAX && a->cur_shape[n] != 0 &&
		    (n < a->ndim || n == 0); n++)
			v[n] = a->cur_shape[n];
		dm_ovr_join(init, sizeof init, v, n);
		break;
	default:
		snprintf(label, sizeof label, "exported key of layer %zu %s "
		    "(empty: the scheme's)", a->layer, a->name);
		if (ao != NULL && ao->rename != NULL)
			snprintf(init, sizeof init, "%s", ao->rename);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = a->layer;
	vm->prompt.array = (size_t)vm->array;
	return DM_VM_REDRAW;
}

static const char *
skip_space(const char *s)
{
	return s + strspn(s, " \t");
}

/* Applies a prompt's text as the command-line override opt would. */
static int
accept_override(struct dm_vm *vm, const char *opt, const char *text)
{
	const struct dm_vm_prompt *p = &vm->prompt;
	struct dm_layer_ovr *l;
	struct dm_array_ovr *ao;
	struct dm_error err;
	struct dm_ovr *o;
	char arg[DM_VM_FIELD_MAX + 64], what[96];
	const char *aname = net_of(vm)->arrays[p->array].name;
	int layer_opt = strcmp(opt, "gap") == 0 ||
	    strcmp(opt, "offset") == 0 || strcmp(opt, "order") == 0;

	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	dm_error_clear(&err);
	if (*text == '\0') {
		/* Empty: the override goes. */
		if (strcmp(opt, "data-end") == 0)
			o->data_end = DM_UNSET;
		else if (layer_opt && (l = dm_ovr_layer(o, p->layer,
		    &err)) != NULL) {
			if (opt[0] == 'g')
				l->gap = 0;
			else if (opt[1] == 'f')
				l->offset = DM_UNSET;
			else {
				free(l->order);
				l->order = NULL;
			}
		} else if (!layer_opt && (ao = dm_ovr_array(o, p->layer, aname,
		    &err)) != NULL) {
			if (opt[0] == 'c')
				ao->count = DM_UNSET;
			else if (opt[0] == 'p')
				ao->nperm = 0;
			else if (opt[2] == 's')
				ao->nreshape = 0;
			else {
				free(ao->rename);
				ao->rename = NULL;
			}
		}
		snprintf(what, sizeof what, "%s cleared", opt);
	} else {
		if (strcmp(opt, "data-end") == 0)
			snprintf(arg, sizeof arg, "%s", text);
		else if (layer_opt)
			snprintf(arg, sizeof arg, "%zu=%s", p->layer, text);
		else
			snprintf(arg, sizeof arg, "%zu:%s=%s", p->layer, aname,
			    text);
		if (dm_ovr_parse_option(o, opt, arg, &err) == -1) {
			dm_ovr_free(o);
			dm_vm_message(vm, 1, "%s", err.msg);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(what, sizeof what, "%s %.80s", opt, arg);
	}
	if (err.code != DM_OK) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	return vm_commit(vm, o, what);
}

static int
save_profile(struct dm_vm *vm, const char *path)
{
	struct dm_error err;

	dm_error_clear(&err);
	if (dm_session_save(vm->s, path, &err) == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_vm_message(vm, 0, "saved the profile %s: apply it with "
	    "--profile %s", path, path);
	return DM_VM_REDRAW;
}

/* The override option each editing prompt sets. */
static const char *const prompt_option[] = {
	[DM_PROMPT_GAP] = "gap",
	[DM_PROMPT_OFFSET] = "offset",
	[DM_PROMPT_ORDER] = "order",
	[DM_PROMPT_COUNT] = "count",
	[DM_PROMPT_PERMUTE] = "permute",
	[DM_PROMPT_RESHAPE] = "reshape",
	[DM_PROMPT_RENAME] = "rename",
	[DM_PROMPT_DATA_END] = "data-end",
};

static int
prompt_accept(struct dm_vm *vm)
{
	struct dm_vm_prompt p = vm->prompt;
	const char *text = skip_space(p.buf);
	char *end;
	uint64_t off;

	while (p.len > 0 && (p.buf[p.len - 1] == ' ' ||
	    p.buf[p.len - 1] == '\t'))
		p.buf[--p.len] = '\0';
	vm->prompt.kind = DM_PROMPT_NONE;
	switch (p.kind) {
	case DM_PROMPT_SEARCH:
		if (*text != '\0')
			snprintf(vm->search, sizeof vm->search, "%s", text);
		return search(vm, 1);
	case DM_PROMPT_GOTO:
		errno = 0;
		if (query_offset(vm, text, &off) == -1) {
			off = strtoull(text, &end, 0);
			if (*text == '\0' || *end != '\0' || errno != 0 ||
			    *text == '-') {
				dm_vm_message(vm, 1, "not an offset: '%s'",
				    text);
				return DM_VM_REDRAW | DM_VM_BELL;
			}
		}
		return goto_offset(vm, off);
	case DM_PROMPT_SAVE:
		if (*text == '\0') {
			dm_vm_message(vm, 1, "no file name: nothing saved");
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		return save_profile(vm, text);
	default:
		/* The others set the override option of the same name. */
		if ((size_t)p.kind < sizeof prompt_option /
		    sizeof prompt_option[0] && prompt_option[p.kind] != NULL)
			return accept_override(vm, prompt_option[p.kind],
			    text);
		return DM_VM_REDRAW;
	}
}

/* Appends code point c to a field as UTF-8. */
static int
field_insert(char *buf, size_t *len, size_t cap, long c)
{
	char u[4];
	size_t n;

	if (c < 0x20 || c == 0x7f || c > 0x10ffff || (c >= 0xd800 &&
	    c <= 0xdfff))
		return -1;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*len + n >= cap)
		return -1;
	memcpy(buf + *len, u, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static int
field_edit(char *buf, size_t *len, size_t cap, enum dm_act act, long arg)
{
	switch (act) {
	case DM_ACT_CHAR:
		return field_insert(buf, len, cap, arg) == 0 ? DM_VM_REDRAW :
		    DM_VM_BELL;
	case DM_ACT_BACKSPACE:
		if (*len == 0)
			return DM_VM_BELL;
		do
			(*len)--;
		while (*len > 0 && ((unsigned char)buf[*len] & 0xc0) == 0x80);
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL:
		*len = 0;
		buf[0] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL_WORD:
		while (*len > 0 && buf[*len - 1] == ' ')
			(*len)--;
		while (*len > 0 && buf[*len - 1] != ' ' &&
		    buf[*len - 1] != '/' && buf[*len - 1] != ',')
			(*len)--;
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	default:
		return 0;
	}
}

static int
prompt_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_prompt *p = &vm->prompt;
	int f;

	switch (act) {
	case DM_ACT_ACCEPT:
		return prompt_accept(vm);
	case DM_ACT_CANCEL:
		p->kind = DM_PROMPT_NONE;
		vm->msg[0] = '\0';
		return DM_VM_REDRAW;
	default:
		f = field_edit(p->buf, &p->len, sizeof p->buf, act, arg);
		return f != 0 ? f : DM_VM_BELL;
	}
}

/* The export dialog. */

static int
x_names(const struct dm_vm *vm, enum dm_names *names, const char **tmpl)
{
	const struct dm_vm_xdialog *x = &vm->x;

	*tmpl = NULL;
	if (x->names == DM_NAMES_TEMPLATE) {
		*tmpl = x->tmpl;
		if (strchr(x->tmpl, '{') == NULL)
			return -1;
		*names = DM_NAMES_TEMPLATE;
		return 0;
	}
	return dm_names_parse(dm_names_table[x->names], names);
}

static int
x_opts(const struct dm_vm *vm, struct dm_export_opts *xo)
{
	const struct dm_vm_xdialog *x = &vm->x;

	memset(xo, 0, sizeof *xo);
	xo->format = x->format;
	if (x_names(vm, &xo->names, &xo->tmpl) == -1)
		return -1;
	xo->dtype = x->f16 && x->format != DM_OUT_WEIGHTS ? DM_DTYPE_F16 :
	    DM_DTYPE_F32;
	xo->wrap_model = x->wrap && x->format == DM_OUT_PT;
	xo->force = x->force;
	xo->verify = x->verify;
	return 0;
}

/* The first keys the export would write, or why it cannot. */
static void
x_refresh(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	struct dm_export_opts xo;
	struct dm_export *ex;
	struct dm_error err;
	size_t i;

	x->nkeys = 0;
	x->problem[0] = '\0';
	memset(x->keys, 0, sizeof x->keys);
	if (w_of(vm) == NULL) {
		snprintf(x->problem, sizeof x->problem, "no weights file: "
		    "nothing to export");
		return;
	}
	if (x_opts(vm, &xo) == -1) {
		snprintf(x->problem, sizeof x->problem, "a template needs "
		    "placeholders such as {layer} and {name}");
		return;
	}
	dm_error_clear(&err);
	if ((ex = dm_session_plan(vm->s, &xo, &err)) == NULL) {
		copy_str(x->problem, sizeof x->problem, err.msg);
		return;
	}
	x->nkeys = ex->n;
	for (i = 0; i < ex->n && i < 3; i++)
		snprintf(x->keys[i], sizeof x->keys[i], "%s", ex->x[i].t.key);
	dm_export_free(ex);
}

static void
x_set_path_ext(struct dm_vm *vm, enum dm_out_format old)
{
	struct dm_vm_xdialog *x = &vm->x;
	const char *ext = dm_out_format_names[old];
	size_t n = strlen(x->path), e = strlen(ext);

	if (n > e + 1 && x->path[n - e - 1] == '.' &&
	    strcmp(x->path + n - e, ext) == 0) {
		x->path[n - e] = '\0';
		snprintf(x->path + n - e, sizeof x->path - (n - e), "%s",
		    dm_out_format_names[x->format]);
	}
}

static void
x_open(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	const char *b = dm_base_name(dm_session_cfg_path(vm->s)), *dot;
	int i;

	if (x->path[0] == '\0') {
		dot = strrchr(b, '.');
		snprintf(x->path, sizeof x->path, "%.*s.%s", dot != NULL ?
		    (int)(dot - b) : (int)strlen(b), b,
		    dm_out_format_names[x->format]);
		if (ovr_of(vm)->names != NULL) {
			for (i = 0; i < DM_NAMES_TEMPLATE; i++)
				if (strcmp(ovr_of(vm)->names,
				    dm_names_table[i]) == 0)
					x->names = i;
			if (strchr(ovr_of(vm)->names, '{') != NULL) {
				x->names = DM_NAMES_TEMPLATE;
				snprintf(x->tmpl, sizeof x->tmpl, "%s",
				    ovr_of(vm)->names);
			}
		}
		if (x->tmpl[0] == '\0')
			snprintf(x->tmpl, sizeof x->tmpl, "layers.{layer}."
			    "{name}");
		x->f16 = ovr_of(vm)->dtype != NULL &&
		    strcmp(ovr_of(vm)->dtype, "float16") == 0;
		x->wrap = ovr_of(vm)->wrap != NULL &&
		    strcmp(ovr_of(vm)->wrap, "model") == 0;
	}
	x->field = DM_XF_FORMAT;
	vm->screen = DM_SCREEN_EXPORT;
	x_refresh(vm);
}

/* Whether a field of the export dialog applies to the chosen format. */
int
dm_vm_xfield_active(const struct dm_vm *vm, enum dm_xfield f)
{
	const struct dm_vm_xdialog *x = &vm->x;

	switch (f) {
	case DM_XF_NAMES:
		return x->format != DM_OUT_WEIGHTS;
	case DM_XF_TEMPLATE:
		return x->format != DM_OUT_WEIGHTS &&
		    x->names == DM_NAMES_TEMPLATE;
	case DM_XF_DTYPE:
		return x->format != DM_OUT_WEIGHTS;
	case DM_XF_WRAP:
		return x->format == DM_OUT_PT;
	default:
		return 1;
	}
}

int
dm_vm_text_input(const struct dm_vm *vm)
{
	if (vm->prompt.kind != DM_PROMPT_NONE)
		return 1;
	return vm->screen == DM_SCREEN_EXPORT &&
	    (vm->x.field == DM_XF_PATH || vm->x.field == DM_XF_TEMPLATE);
}

static void
x_cycle(struct dm_vm *vm, int dir)
{
	struct dm_vm_xdialog *x = &vm->x;
	enum dm_out_format old = x->format;

	switch (x->field) {
	case DM_XF_FORMAT:
		x->format = (enum dm_out_format)(((int)x->format + dir +
		    DM_OUT_NFORMATS) % DM_OUT_NFORMATS);
		x_set_path_ext(vm, old);
		break;
	case DM_XF_NAMES:
		x->names = (x->names + dir + DM_NAMES_COUNT) %
		    DM_NAMES_COUNT;
		break;
	case DM_XF_DTYPE:
		x->f16 = !x->f16;
		break;
	case DM_XF_WRAP:
		x->wrap = !x->wrap;
		break;
	case DM_XF_FORCE:
		x->force = !x->force;
		break;
	case DM_XF_VERIFY:
		x->verify = !x->verify;
		break;
	default:
		break;
	}
}

int
dm_vm_xchoice(const struct dm_vm *vm, enum dm_xfield f)
{
	const struct dm_vm_xdialog *x = &vm->x;

	switch (f) {
	case DM_XF_FORMAT:	return (int)x->format;
	case DM_XF_NAMES:	return x->names;
	case DM_XF_DTYPE:	return x->f16;
	case DM_XF_WRAP:	return x->wrap;
	case DM_XF_FORCE:	return x->force;
	case DM_XF_VERIFY:	return x->verify;
	default:		return -1;
	}
}

static int
x_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_xdialog *x = &vm->x;
	int f, step, n;
	size_t len;

	switch (act) {
	case DM_ACT_SELECT_ROW:		/* a field, by a click */
		if (arg < 0 || arg >= DM_XF_COUNT ||
		    !dm_vm_xfield_active(vm, (enum dm_xfield)arg))
			return DM_VM_BELL;
		x->field = (enum dm_xfield)arg;
		return DM_VM_REDRAW;
	case DM_ACT_CHOOSE:
		/* Each field's choices are few; cycling reaches any. */
		for (n = 0; n < 16 && dm_vm_xchoice(vm, x->field) != arg; n++)
			x_cycle(vm, 1);
		if (dm_vm_xchoice(vm, x->field) != arg)
			return DM_VM_BELL;
		x_refresh(vm);
		return DM_VM_REDRAW;
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	case DM_ACT_UP:
	case DM_ACT_DOWN:
	case DM_ACT_FOCUS_NEXT:
	case DM_ACT_FOCUS_PREV:
		step = act == DM_ACT_UP || act == DM_ACT_FOCUS_PREV ? -1 : 1;
		do
			x->field = (enum dm_xfield)(((int)x->field + step +
			    DM_XF_COUNT) % DM_XF_COUNT);
		while (!dm_vm_xfield_active(vm, x->field));
		return DM_VM_REDRAW;
	case DM_ACT_LEFT:
	case DM_ACT_RIGHT:
	case DM_ACT_YES:
		x_cycle(vm, act == DM_ACT_LEFT ? -1 : 1);
		x_refresh(vm);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
		if (x->path[0] == '\0') {
			dm_vm_message(vm, 1, "give the output file");
			x->field = DM_XF_PATH;
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		if (x->problem[0] != '\0') {
			dm_vm_message(vm, 1, "%s", x->problem);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		vm->run_export = 1;
		dm_vm_message(vm, 0, "exporting to %s...", x->path);
		return DM_VM_REDRAW | DM_VM_RUN;
	default:
		break;
	}
	if (x->field == DM_XF_PATH || x->field == DM_XF_TEMPLATE) {
		char *buf = x->field == DM_XF_PATH ? x->path : x->tmpl;

		len = strlen(buf);
		f = field_edit(buf, &len, DM_VM_FIELD_MAX, act, arg);
		if (f != 0) {
			if (x->field == DM_XF_TEMPLATE)
				x_refresh(vm);
			return f;
		}
	}
	return DM_VM_BELL;
}

/* The export's progress, on the message line. */
static void
run_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct dm_vm *vm = ctx;
	int pct;

	pct = total > 0 && done < total ?
	    (int)((double)done / (double)total * 100) : 100;
	if (pct == vm->run_pct)
		return;
	vm->run_pct = pct;
	dm_vm_message(vm, 0, "exporting to %s... %d%%", vm->x.path, pct);
	if (vm->on_progress != NULL)
		vm->on_progress(vm, vm->progress_ctx);
}

int
dm_vm_run(struct dm_vm *vm)
{
	struct dm_export_opts xo;
	struct dm_export *ex;
	struct dm_error err;
	int rc;

	if (!vm->run_export)
		return 0;
	vm->run_export = 0;
	dm_error_clear(&err);
	if (x_opts(vm, &xo) == -1) {
		dm_vm_message(vm, 1, "a template needs placeholders");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->run_pct = -1;
	xo.progress = run_progress;
	xo.pctx = vm;
	if ((ex = dm_session_plan(vm->s, &xo, &err)) == NULL) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	rc = dm_session_export(vm->s, ex, vm->x.path, &err);
	if (rc == -1)
		dm_vm_message(vm, 1, "%s", err.msg);
	else {
		dm_vm_message(vm, 0, "exported %zu tensors to %s%s%s", ex->n,
		    vm->x.path, ex->missing_from >= 0 ? " (the layers the "
		    "file holds)" : "", vm->x.verify ? ", read back and "
		    "verified" : "");
		vm->screen = DM_SCREEN_MAIN;
	}
	dm_export_free(ex);
	return DM_VM_REDRAW | (rc == -1 ? DM_VM_BELL : 0);
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

static int
help_do(struct dm_vm *vm, enum dm_act act, long arg)
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
		s = act == DM_ACT_SELECT_ROW ? arg : (long)vm->repair_sel +
		    (act == DM_ACT_UP ? -1 : act == DM_ACT_DOWN ? 1 : arg);
		vm->repair_sel = (size_t)clampl(s, 0, (long)diag_of(vm)->nhyps - 1);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
	case DM_ACT_YES:
		return apply_repair(vm, vm->repair_sel);
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
static act_fn *const screen_actions[] = {
	[DM_SCREEN_HELP] = help_do,
	[DM_SCREEN_REPAIR] = repair_do,
	[DM_SCREEN_EXPORT] = x_do,
	[DM_SCREEN_QUIT] = quit_do,
	[DM_SCREEN_RECOVER] = recover_do,
};

static int
open_repair(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	if (dm_session_diag_pending(vm->s)) {
		dm_vm_message(vm, 0, "still reading the arrays: the repairs "
		    "come with the diagnosis");
		return DM_VM_REDRAW | DM_VM_BELL;
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
	vm->repair_sel = 0;
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
a_search(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];

	(void)arg;
	if (act != DM_ACT_SEARCH)
		return search(vm, act == DM_ACT_SEARCH_NEXT ? 1 : -1);
	snprintf(buf, sizeof buf, "search (type, index, cfg key, @offset)"
	    "%s%.40s%s", vm->search[0] ? " [" : "", vm->search,
	    vm->search[0] ? "]" : "");
	return prompt_open(vm, DM_PROMPT_SEARCH, buf, "");
}

static int
a_goto(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, vm->cursor);
	return prompt_open(vm, DM_PROMPT_GOTO, "go to byte offset (decimal "
	    "or 0x...)", buf);
}

static int
a_data_end(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, ovr_of(vm)->data_end != DM_UNSET ?
	    (uint64_t)ovr_of(vm)->data_end : net_of(vm)->total_bytes);
	return prompt_open(vm, DM_PROMPT_DATA_END, "the data ends at byte "
	    "(empty: the end of the file)", buf);
}

static int
a_layer_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_layer_prompt(vm, act == DM_ACT_GAP ? DM_PROMPT_GAP :
	    act == DM_ACT_OFFSET ? DM_PROMPT_OFFSET : DM_PROMPT_ORDER);
}

static int
a_array_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_array_prompt(vm, act == DM_ACT_COUNT ? DM_PROMPT_COUNT :
	    act == DM_ACT_PERMUTE ? DM_PROMPT_PERMUTE :
	    act == DM_ACT_RESHAPE ? DM_PROMPT_RESHAPE : DM_PROMPT_RENAME);
}

static int
a_save(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];
	const char *b, *dot;

	(void)act;
	(void)arg;
	if (dm_session_profile_path(vm->s) != NULL)
		copy_str(buf, sizeof buf, dm_session_profile_path(vm->s));
	else {
		b = dm_base_name(dm_session_cfg_path(vm->s));
		dot = strrchr(b, '.');
		snprintf(buf, sizeof buf, "%.*s.profile", dot != NULL ?
		    (int)(dot - b) : (int)strlen(b), b);
	}
	return prompt_open(vm, DM_PROMPT_SAVE, "save the profile to", buf);
}

static int
a_export(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	x_open(vm);
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

static act_fn *const main_actions[] = {
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
	[DM_ACT_SEARCH] = a_search,
	[DM_ACT_SEARCH_NEXT] = a_search,
	[DM_ACT_SEARCH_PREV] = a_search,
	[DM_ACT_GOTO] = a_goto,
	[DM_ACT_HEADER] = edit_file_toggle,
	[DM_ACT_TRANSPOSE] = edit_file_toggle,
	[DM_ACT_LAYOUT] = edit_file_toggle,
	[DM_ACT_DIALECT] = edit_file_toggle,
	[DM_ACT_DATA_END] = a_data_end,
	[DM_ACT_ABSENT] = edit_layer_toggle,
	[DM_ACT_OMIT] = edit_layer_toggle,
	[DM_ACT_CUTOFF] = edit_layer_toggle,
	[DM_ACT_GAP] = a_layer_prompt,
	[DM_ACT_GAP_ADD] = edit_gap_add,
	[DM_ACT_OFFSET] = a_layer_prompt,
	[DM_ACT_ORDER] = a_layer_prompt,
	[DM_ACT_COUNT] = a_array_prompt,
	[DM_ACT_TRANSPOSE_ARRAY] = edit_transpose_array,
	[DM_ACT_PERMUTE] = a_array_prompt,
	[DM_ACT_RESHAPE] = a_array_prompt,
	[DM_ACT_RENAME] = a_array_prompt,
	[DM_ACT_CLEAR] = edit_clear,
	[DM_ACT_CLEAR_ALL] = edit_clear,
	[DM_ACT_UNDO] = undo_redo,
	[DM_ACT_REDO] = undo_redo,
	[DM_ACT_REPAIR] = open_repair,
	[DM_ACT_SAVE] = a_save,
	[DM_ACT_EXPORT] = a_export,
	[DM_ACT_HELP] = a_help,
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
		return prompt_do(vm, act, arg);
	if (vm->screen != DM_SCREEN_MAIN)
		return screen_actions[vm->screen](vm, act, arg);
	return main_do(vm, act, arg);
}
