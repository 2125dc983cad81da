/*
 * view_main.c - the main screen: the status bar, the diagnosis banner,
 * the four panes, the message or prompt line and the key hints.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct tui_pane_ops *const panes[DM_PANE_COUNT] = {
	[DM_PANE_LAYERS] = &view_layers_ops,
	[DM_PANE_DETAILS] = &view_details_ops,
	[DM_PANE_BYTES] = &view_bytes_ops,
	[DM_PANE_CFG] = &view_cfg_ops,
};

/* The verdict's message without the weights path in front. */
static const char *
verdict_text(const struct dm_vm *vm)
{
	const char *m = dm_vm_verdict(vm)->message;
	size_t n;

	if (dm_vm_weights(vm) != NULL) {
		n = strlen(dm_vm_weights(vm)->path);
		if (strncmp(m, dm_vm_weights(vm)->path, n) == 0 && m[n] == ':' &&
		    m[n + 1] == ' ')
			return m + n + 2;
	}
	return m;
}

static void
draw_status(struct tui *t, struct dm_vm *vm)
{
	char left[512], right[256], hdr[64], warn[48];
	const struct dm_weights *w = dm_vm_weights(vm);
	int rw;

	if (w != NULL && w->is_weights && w->has_header)
		snprintf(hdr, sizeof hdr, "header %d.%d.%d, %u B%s",
		    (int)w->hdr.major, (int)w->hdr.minor, (int)w->hdr.revision,
		    (unsigned)dm_vm_net(vm)->header_size, dm_vm_ovr(vm)->header !=
		    DM_UNSET ? " (set)" : "");
	else if (w != NULL)
		snprintf(hdr, sizeof hdr, "no header");
	else
		snprintf(hdr, sizeof hdr, "header %u B assumed",
		    (unsigned)dm_vm_net(vm)->header_size);
	snprintf(left, sizeof left, " darkmap  %s%s%s  %s  %s  %zu layers  %s",
	    dm_base_name(dm_session_cfg_path(dm_vm_session(vm))), w != NULL ? " + " : "",
	    w != NULL ? dm_base_name(dm_session_weights_path(dm_vm_session(vm))) : "",
	    dm_vm_net(vm)->dialect == DM_DIALECT_AB ? "ab" : "pj",
	    dm_vm_net(vm)->mode == DM_LAYOUT_LOAD ? "load" : "save",
	    dm_vm_net(vm)->nlayers, hdr);
	warn[0] = '\0';
	if (dm_session_nwarnings(dm_vm_session(vm)) > 0)
		snprintf(warn, sizeof warn, "! %zu warning%s  ", dm_session_nwarnings(dm_vm_session(vm)),
		    dm_session_nwarnings(dm_vm_session(vm)) == 1 ? "" : "s");
	snprintf(right, sizeof right, "%s%s%s%s ", dm_session_diag_pending(dm_vm_session(vm)) ?
	    "reading... " : "", dm_vm_dirty(vm) ? "[+] unsaved  " : "", warn,
	    dm_verdict_name(dm_vm_verdict(vm)->kind));
	rw = tui_width(t, right);
	if (rw > COLS / 2)
		rw = 0;
	tui_put(t, 0, 0, COLS, TUI_S_TITLE, "", 1);
	tui_put(t, 0, 0, COLS - rw - 1, TUI_S_TITLE, left, 0);
	if (rw > 0)
		tui_put(t, 0, COLS - rw, rw, TUI_S_TITLE, right, 0);
}

static enum tui_style
banner_style(const struct dm_vm *vm)
{
	switch (dm_vm_verdict(vm)->kind) {
	case DM_V_EXACT:
		if ((dm_vm_diag(vm) != NULL) && dm_vm_diag(vm)->first_bad >= 0)
			return TUI_S_BANNER_BAD;
		if ((dm_vm_diag(vm) != NULL) && dm_vm_diag(vm)->first_suspect >= 0)
			return TUI_S_BANNER_WARN;
		return TUI_S_BANNER_OK;
	case DM_V_NONE:
	case DM_V_PARTIAL:
		return TUI_S_BANNER_WARN;
	default:
		return TUI_S_BANNER_BAD;
	}
}

static void
diag_line(const struct dm_vm *vm, char *buf, size_t len)
{
	const struct dm_diag *d = dm_vm_diag(vm);

	if (dm_vm_weights(vm) == NULL)
		snprintf(buf, len, "no weights file: the layout the cfg "
		    "implies; give a .weights file to check it");
	else if (!dm_vm_weights(vm)->is_weights)
		snprintf(buf, len, "this is not a Darknet weights file");
	else if (dm_session_diag_pending(dm_vm_session(vm)))
		snprintf(buf, len, "reading every array for statistics and a "
		    "diagnosis...");
	else if (dm_session_diag_error(dm_vm_session(vm))[0] != '\0')
		snprintf(buf, len, "no diagnosis: %s", dm_session_diag_error(dm_vm_session(vm)));
	else if (!(dm_vm_diag(vm) != NULL))
		snprintf(buf, len, "no diagnosis");
	else if (d->ambiguous)
		snprintf(buf, len, "%.400s  -- r: choose one", d->summary);
	else if (d->fit)
		snprintf(buf, len, "%.400s  -- r: preview the repair",
		    d->summary);
	else if (d->summary[0] != '\0')
		snprintf(buf, len, "%.400s", d->summary);
	else if (d->first_bad >= 0)
		snprintf(buf, len, "data implausible from layer %ld on  -- f: "
		    "go there", d->first_bad);
	else if (d->first_suspect >= 0)
		snprintf(buf, len, "odd values first in layer %ld  -- f: go "
		    "there", d->first_suspect);
	else
		snprintf(buf, len, "every array reads plausibly");
}

/* The banner's lines of text, wrapped to the width, into at most max. */
#define BANNER_MAX	4

/* Wraps s into at most max lines of w columns from lines[*n]; the last
   line holds the rest, to be cut with an ellipsis. */
static void
wrap_into(struct tui *t, const char *s, int w, int max, char lines[][600],
    int *n)
{
	size_t cut;
	int k;

	for (k = 0; *s != '\0' && k < max; k++) {
		cut = k == max - 1 ? strlen(s) : tui_wrap(t, s, w);
		snprintf(lines[(*n)++], 600, "%.*s", (int)cut, s);
		for (s += cut; *s == ' '; s++)
			;
	}
}

/* Lines of s wrapped to w columns. */
static int
wrap_count(struct tui *t, const char *s, int w)
{
	int n;

	for (n = 0; *s != '\0'; n++)
		for (s += tui_wrap(t, s, w); *s == ' '; s++)
			;
	return n;
}

/*
 * The banner's lines: the verdict, then the diagnosis, each wrapped to
 * the width, into at most max lines.  Short of room, the diagnosis keeps
 * its lines (it says what to do) and the verdict its first; the last line
 * of each is cut, marked with an ellipsis.  With max 1, both on a line.
 */
static int
banner_lines(struct tui *t, struct dm_vm *vm, char lines[][600], int max)
{
	char l1[1200], l2[600];
	int n = 0, w = COLS - 4, nv, nd;

	diag_line(vm, l2, sizeof l2);
	if (max < 2) {
		snprintf(l1, sizeof l1, "%s: %s", dm_verdict_name(
		    dm_vm_verdict(vm)->kind), l2);
		wrap_into(t, l1, w, 1, lines, &n);
		return n;
	}
	snprintf(l1, sizeof l1, "%s: %s", dm_verdict_name(
	    dm_vm_verdict(vm)->kind), verdict_text(vm));
	nv = wrap_count(t, l1, w);
	nd = wrap_count(t, l2, w);
	if (nv + nd > max) {
		nd = nd < max - 1 ? nd : max - 1;
		nv = max - nd;
	}
	wrap_into(t, l1, w, nv, lines, &n);
	wrap_into(t, l2, w, nd, lines, &n);
	return n;
}

/*
 * How many lines the banner takes: the verdict and the diagnosis wrapped
 * to the width, up to 4 on a tall terminal, 2 from 24 lines, else 1.
 */
int
view_main_banner_h(struct tui *t, struct dm_vm *vm)
{
	char lines[BANNER_MAX][600];
	int max = LINES >= 30 ? BANNER_MAX : LINES >= 24 ? 2 : 1, n;

	n = banner_lines(t, vm, lines, max);
	return n < max ? (n > 0 ? n : 1) : max;
}

static void
draw_banner(struct tui *t, struct dm_vm *vm)
{
	enum tui_style st = banner_style(vm);
	char lines[BANNER_MAX][600], buf[640];
	const char *g;
	int i, n;

	g = st == TUI_S_BANNER_OK ? tui_glyph(t, TUI_G_OK) :
	    st == TUI_S_BANNER_WARN ? "!" : tui_glyph(t, TUI_G_BAD);
	n = banner_lines(t, vm, lines, t->banner_h);
	for (i = 0; i < t->banner_h; i++) {
		snprintf(buf, sizeof buf, " %s %.600s", i == 0 ? g : " ",
		    i < n ? lines[i] : "");
		tui_put(t, 1 + i, 0, COLS, st, buf, 1);
	}
}

static void
draw_message(struct tui *t, struct dm_vm *vm)
{
	const char *msg;
	char buf[1024];
	int y = LINES - 2, n, error;

	if (dm_vm_prompt(vm) != NULL) {
		n = tui_putf(t, y, 0, COLS, TUI_S_PROMPT, 0, "%s: ",
		    dm_vm_prompt(vm)->label);
		if (n >= COLS - 10)
			n = COLS / 2;
		/* Show the end of the text when it is long. */
		{
			const char *s = dm_vm_prompt(vm)->buf;
			int room = COLS - n - 1;

			s = tui_tail(t, s, room);
			/* A prefilled value shows selected: typing
			   replaces it. */
			n += tui_put(t, y, n, room, dm_vm_prompt(vm)->fresh ?
			    TUI_S_SEL : TUI_S_NORMAL, s, 0);
		}
		tui_put(t, y, n, 1, TUI_S_CURSOR, " ", 0);
		return;
	}
	msg = dm_vm_msg(vm, &error);
	if (msg[0] != '\0') {
		snprintf(buf, sizeof buf, " %s", msg);
		tui_put(t, y, 0, COLS, error ? TUI_S_ERROR :
		    TUI_S_NORMAL, buf, 1);
	}
}

/* The hint line: "key what  key what"; keys stand out. */
static void
draw_hints(struct tui *t, struct dm_vm *vm)
{
	const char *h = tui_hints(vm), *e, *sp;
	char buf[128];
	int x = 0, y = LINES - 1;
	size_t n;

	tui_put(t, y, 0, COLS, TUI_S_HINT, "", 1);
	x = tui_put(t, y, 0, COLS, TUI_S_HINT, " ", 0);
	while (*h != '\0' && x < COLS) {
		e = strstr(h, "  ");
		n = e != NULL ? (size_t)(e - h) : strlen(h);
		sp = memchr(h, ' ', n);
		snprintf(buf, sizeof buf, "%.*s", (int)(sp != NULL ?
		    (size_t)(sp - h) : n), h);
		x += tui_put(t, y, x, COLS - x, TUI_S_HINT_KEY, buf, 0);
		if (sp != NULL) {
			snprintf(buf, sizeof buf, "%.*s", (int)(n -
			    (size_t)(sp - h)), sp);
			x += tui_put(t, y, x, COLS - x, TUI_S_HINT, buf, 0);
		}
		x += tui_put(t, y, x, COLS - x, TUI_S_HINT, "  ", 0);
		h += n;
		while (*h == ' ')
			h++;
	}
}

static void
main_draw(struct tui *t, struct dm_vm *vm)
{
	int p, y;

	draw_status(t, vm);
	draw_banner(t, vm);
	for (p = 0; p < DM_PANE_COUNT; p++) {
		if (!t->shown[p])
			continue;
		panes[p]->draw(t, vm, &t->rect[p],
		    dm_vm_focus(vm) == (enum dm_pane)p);
		/* A separator left of the right-hand panes. */
		if (t->rect[p].x > 0)
			for (y = t->rect[p].y; y < t->rect[p].y + t->rect[p].h;
			    y++)
				tui_put(t, y, t->rect[p].x - 1, 1, TUI_S_DIM,
				    tui_glyph(t, TUI_G_VLINE), 0);
	}
	draw_message(t, vm);
	draw_hints(t, vm);
}

static int
main_key(struct tui *t, struct dm_vm *vm, int k)
{
	enum dm_act a;
	long arg;

	(void)t;
	a = tui_key_action(vm, k, &arg);
	return dm_vm_do(vm, a, arg);
}

const struct tui_screen_ops view_main_ops = {
	.name = "main",
	.screen = DM_SCREEN_MAIN,
	.overlay = 0,
	.draw = main_draw,
	.key = main_key,
	.click = NULL,
};
