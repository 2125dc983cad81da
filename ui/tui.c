/*
 * tui.c - the terminal: set-up and restoring, colours or monochrome,
 * UTF-8 or ASCII glyphs, signals, the layout of the panes, and the one
 * loop that reads keys, hands them to the screen in front and updates
 * the terminal.
 */
#include "config.h"

#include "tui.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

/* Set by the handler of SIGINT, SIGTERM and SIGHUP; the loop acts on it. */
static volatile sig_atomic_t tui_signal;

static const char *const glyphs_utf8[TUI_G_COUNT] = {
	[TUI_G_VLINE] = "\u2502",
	[TUI_G_HLINE] = "\u2500",
	[TUI_G_TL] = "\u250c", [TUI_G_TR] = "\u2510",
	[TUI_G_BL] = "\u2514", [TUI_G_BR] = "\u2518",
	[TUI_G_MARK] = "\u25b6",
	[TUI_G_POINTER] = "\u25b8",
	[TUI_G_OK] = "\u2713",
	[TUI_G_SUSPECT] = "?",
	[TUI_G_BAD] = "\u2717",
	[TUI_G_ABSENT] = "\u2013",
	[TUI_G_PENDING] = "\u2026",
	[TUI_G_ELLIPSIS] = "\u2026",
	[TUI_G_ARROW] = "\u2192",
	[TUI_G_DOT] = "\u00b7",
	[TUI_G_BAR0] = " ", [TUI_G_BAR0 + 1] = "\u2581",
	[TUI_G_BAR0 + 2] = "\u2582", [TUI_G_BAR0 + 3] = "\u2583",
	[TUI_G_BAR0 + 4] = "\u2584", [TUI_G_BAR0 + 5] = "\u2585",
	[TUI_G_BAR0 + 6] = "\u2586", [TUI_G_BAR0 + 7] = "\u2587",
	[TUI_G_BAR0 + 8] = "\u2588",
};

static const char *const glyphs_ascii[TUI_G_COUNT] = {
	[TUI_G_VLINE] = "|",
	[TUI_G_HLINE] = "-",
	[TUI_G_TL] = "+", [TUI_G_TR] = "+",
	[TUI_G_BL] = "+", [TUI_G_BR] = "+",
	[TUI_G_MARK] = ">",
	[TUI_G_POINTER] = ">",
	[TUI_G_OK] = "+",
	[TUI_G_SUSPECT] = "?",
	[TUI_G_BAD] = "x",
	[TUI_G_ABSENT] = "-",
	[TUI_G_PENDING] = ".",
	[TUI_G_ELLIPSIS] = "~",
	[TUI_G_ARROW] = "->",
	[TUI_G_DOT] = ".",
	[TUI_G_BAR0] = " ", [TUI_G_BAR0 + 1] = ".",
	[TUI_G_BAR0 + 2] = ":", [TUI_G_BAR0 + 3] = "-",
	[TUI_G_BAR0 + 4] = "=", [TUI_G_BAR0 + 5] = "+",
	[TUI_G_BAR0 + 6] = "*", [TUI_G_BAR0 + 7] = "#",
	[TUI_G_BAR0 + 8] = "@",
};

/* Colour styles: foreground, background (-1: the terminal's), attributes. */
static const struct {
	short		 fg, bg;
	attr_t		 attr;		/* added to the colour */
	attr_t		 mono;		/* without colour */
} styles[TUI_S_COUNT] = {
	[TUI_S_NORMAL] = { -1, -1, 0, 0 },
	[TUI_S_TITLE] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[TUI_S_PANE] = { COLOR_BLACK, COLOR_WHITE, 0, A_UNDERLINE },
	[TUI_S_PANE_FOCUS] = { COLOR_WHITE, COLOR_BLUE, A_BOLD,
	    A_REVERSE | A_BOLD },
	[TUI_S_BANNER_OK] = { COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE },
	[TUI_S_BANNER_WARN] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[TUI_S_BANNER_BAD] = { COLOR_WHITE, COLOR_RED, A_BOLD,
	    A_REVERSE | A_BOLD },
	[TUI_S_SEL] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[TUI_S_SEL_DIM] = { COLOR_WHITE, COLOR_BLUE, 0, A_BOLD | A_UNDERLINE },
	[TUI_S_HEAD] = { -1, -1, A_BOLD | A_UNDERLINE, A_UNDERLINE },
	[TUI_S_OK] = { COLOR_GREEN, -1, 0, 0 },
	[TUI_S_SUSPECT] = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
	[TUI_S_BAD] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_S_MISMATCH] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[TUI_S_DIM] = { -1, -1, A_DIM, A_DIM },
	[TUI_S_HINT] = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[TUI_S_HINT_KEY] = { COLOR_BLUE, COLOR_WHITE, A_BOLD,
	    A_REVERSE | A_BOLD },
	[TUI_S_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_S_PROMPT] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[TUI_S_HEADER_BYTES] = { COLOR_BLUE, -1, A_BOLD, A_UNDERLINE },
	[TUI_S_GAP] = { COLOR_WHITE, COLOR_RED, 0, A_REVERSE },
	[TUI_S_TRAILING] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_DIM },
	[TUI_S_MISSING] = { COLOR_RED, -1, 0, A_DIM },
	[TUI_S_T0] = { COLOR_CYAN, -1, 0, 0 },
	[TUI_S_T1] = { COLOR_GREEN, -1, 0, A_BOLD },
	[TUI_S_T2] = { COLOR_YELLOW, -1, 0, 0 },
	[TUI_S_T3] = { COLOR_MAGENTA, -1, 0, A_BOLD },
	[TUI_S_T4] = { COLOR_WHITE, -1, 0, 0 },
	[TUI_S_T5] = { COLOR_BLUE, -1, A_BOLD, A_BOLD },
	[TUI_S_CURSOR] = { COLOR_BLACK, COLOR_WHITE, A_BOLD,
	    A_REVERSE | A_BOLD },
	[TUI_S_SECTION] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TUI_S_COMMENT] = { COLOR_CYAN, -1, A_DIM, A_DIM },
	[TUI_S_DIALOG] = { COLOR_BLACK, COLOR_WHITE, 0, 0 },
	[TUI_S_DIALOG_SEL] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
};

static const struct tui_pane_ops *const panes[DM_PANE_COUNT] = {
	[DM_PANE_LAYERS] = &view_layers_ops,
	[DM_PANE_DETAILS] = &view_details_ops,
	[DM_PANE_BYTES] = &view_bytes_ops,
	[DM_PANE_CFG] = &view_cfg_ops,
};

static const struct tui_screen_ops *const screens[] = {
	[DM_SCREEN_MAIN] = &view_main_ops,
	[DM_SCREEN_HELP] = &view_help_ops,
	[DM_SCREEN_IDENTIFY] = &view_identify_ops,
	[DM_SCREEN_REPAIR] = &view_repair_ops,
	[DM_SCREEN_EXPORT] = &view_export_ops,
	[DM_SCREEN_QUIT] = &view_quit_ops,
	[DM_SCREEN_RECOVER] = &view_recover_ops,
};

/* Drawing helpers. */

attr_t
tui_attr(const struct tui *t, enum tui_style st)
{
	return t->style[st];
}

const char *
tui_glyph(const struct tui *t, enum tui_glyph g)
{
	return t->utf8 ? glyphs_utf8[g] : glyphs_ascii[g];
}

int
tui_put_attr(struct tui *t, int y, int x, int w, attr_t a, const char *s,
    int pad)
{
	char out[2048];
	const char *end, *mark = NULL;
	mbstate_t ps;
	wchar_t wc;
	size_t n, o = 0;
	int used = 0, cw;

	if (w <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	/* Text cut short ends in an ellipsis. */
	if (tui_width(t, s) > w) {
		end = s + tui_fit(t, s, w - 1, NULL);
		mark = tui_glyph(t, TUI_G_ELLIPSIS);
	} else
		end = s + strlen(s);
	memset(&ps, 0, sizeof ps);
	while (s < end && used < w && o + 8 < sizeof out) {
		if ((unsigned char)*s < 0x80 || !t->utf8) {
			unsigned char c = (unsigned char)*s++;

			out[o++] = c == '\t' ? ' ' : c < 0x20 || c >= 0x7f ?
			    '?' : (char)c;
			used++;
			continue;
		}
		n = mbrtowc(&wc, s, MB_CUR_MAX, &ps);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&ps, 0, sizeof ps);
			out[o++] = '?';
			s++;
			used++;
			continue;
		}
		cw = wcwidth(wc);
		if (cw < 0) {
			out[o++] = '?';
			s += n;
			used++;
			continue;
		}
		if (used + cw > w)
			break;
		memcpy(out + o, s, n);
		o += n;
		s += n;
		used += cw;
	}
	if (mark != NULL && used < w && o + strlen(mark) < sizeof out) {
		memcpy(out + o, mark, strlen(mark));
		o += strlen(mark);
		used++;
	}
	while (pad && used < w && o + 1 < sizeof out) {
		out[o++] = ' ';
		used++;
	}
	out[o] = '\0';
	attrset(a);
	mvaddnstr(y, x, out, (int)o);
	attrset(A_NORMAL);
	return used;
}

int
tui_put(struct tui *t, int y, int x, int w, enum tui_style st, const char *s,
    int pad)
{
	return tui_put_attr(t, y, x, w, t->style[st], s, pad);
}

int
tui_putf(struct tui *t, int y, int x, int w, enum tui_style st, int pad,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_put(t, y, x, w, st, buf, pad);
}

void
tui_fill(struct tui *t, const struct tui_rect *r, enum tui_style st)
{
	int y;

	for (y = r->y; y < r->y + r->h; y++)
		tui_put(t, y, r->x, r->w, st, "", 1);
}

void
tui_pane_title(struct tui *t, const struct tui_rect *r, int focused,
    const char *title, const char *right)
{
	enum tui_style st = focused ? TUI_S_PANE_FOCUS : TUI_S_PANE;
	int tw, rw;

	tui_put(t, r->y, r->x, r->w, st, "", 1);
	tw = tui_putf(t, r->y, r->x, r->w, st, 0, " %s", title);
	if (right != NULL && right[0] != '\0') {
		rw = tui_width(t, right) + 1;
		if (rw < r->w - tw - 1)
			tui_put(t, r->y, r->x + r->w - rw, rw, st, right, 1);
	}
}

struct tui_rect
tui_dialog_box(struct tui *t, int h, int w, const char *title)
{
	struct tui_rect r, in;
	int y;

	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	if (w < 10)
		w = 10;
	if (h < 3)
		h = 3;
	r.y = (LINES - h) / 2;
	r.x = (COLS - w) / 2;
	r.h = h;
	r.w = w;
	t->dialog = r;
	tui_fill(t, &r, TUI_S_DIALOG);
	for (y = r.y + 1; y < r.y + h - 1; y++) {
		tui_put(t, y, r.x, 1, TUI_S_DIALOG, tui_glyph(t, TUI_G_VLINE),
		    0);
		tui_put(t, y, r.x + w - 1, 1, TUI_S_DIALOG,
		    tui_glyph(t, TUI_G_VLINE), 0);
	}
	for (y = 1; y < w - 1; y++) {
		tui_put(t, r.y, r.x + y, 1, TUI_S_DIALOG,
		    tui_glyph(t, TUI_G_HLINE), 0);
		tui_put(t, r.y + h - 1, r.x + y, 1, TUI_S_DIALOG,
		    tui_glyph(t, TUI_G_HLINE), 0);
	}
	tui_put(t, r.y, r.x, 1, TUI_S_DIALOG, tui_glyph(t, TUI_G_TL), 0);
	tui_put(t, r.y, r.x + w - 1, 1, TUI_S_DIALOG,
	    tui_glyph(t, TUI_G_TR), 0);
	tui_put(t, r.y + h - 1, r.x, 1, TUI_S_DIALOG,
	    tui_glyph(t, TUI_G_BL), 0);
	tui_put(t, r.y + h - 1, r.x + w - 1, 1, TUI_S_DIALOG,
	    tui_glyph(t, TUI_G_BR), 0);
	tui_putf(t, r.y, r.x + 2, w - 4, TUI_S_DIALOG_SEL, 0, " %s ", title);
	in.y = r.y + 1;
	in.x = r.x + 2;
	in.h = h - 2;
	in.w = w - 4;
	return in;
}

void
tui_bytes(char *buf, size_t len, uint64_t n)
{
	if (n < 10000)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1f KB", (double)n / 1e3);
	else if (n < 10000000000ULL)
		snprintf(buf, len, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, len, "%.1f GB", (double)n / 1e9);
}

/* Set-up. */

static void
init_styles(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");
	int i;

	t->color = has_colors() && (nc == NULL || nc[0] == '\0');
	if (t->color && start_color() == ERR)
		t->color = 0;
	if (t->color && COLOR_PAIRS < TUI_S_COUNT + 1)
		t->color = 0;
	if (t->color)
		use_default_colors();
	for (i = 0; i < TUI_S_COUNT; i++) {
		if (!t->color) {
			t->style[i] = styles[i].mono;
			continue;
		}
		if (styles[i].fg == -1 && styles[i].bg == -1) {
			t->style[i] = styles[i].attr;
			continue;
		}
		init_pair((short)(i + 1), styles[i].fg, styles[i].bg);
		t->style[i] = COLOR_PAIR(i + 1) | styles[i].attr;
	}
}

static void
on_signal(int sig)
{
	tui_signal = sig;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: let the read return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Restores the terminal and dies of the signal received. */
static void
die_of_signal(struct dm_vm *vm)
{
	int sig = tui_signal;

	endwin();
	if (dm_vm_dirty(vm) && dm_session_autosave(dm_vm_session(vm)) != NULL)
		fprintf(stderr, "darkmap: unsaved edits kept in %s; open the "
		    "same files again to recover them\n", dm_session_autosave(dm_vm_session(vm)));
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/* Layout. */

/* The widest the left panes (the table, the bytes) get. */
#define TUI_LEFT_MAX	100

static void
layout(struct tui *t, struct dm_vm *vm)
{
	int body_y, body_h, top_h, right_w, left_w, p;
	struct tui_rect *r = t->rect;

	t->too_small = COLS < TUI_MIN_W || LINES < TUI_MIN_H;
	memset(t->shown, 0, sizeof t->shown);
	/* Without a pair (the identify screen alone) there are no panes. */
	t->laid_for = dm_vm_session(vm);
	if (t->too_small || t->laid_for == NULL)
		return;
	t->banner_h = view_main_banner_h(t, vm);
	body_y = 1 + t->banner_h;
	body_h = LINES - body_y - 2;
	t->compact = COLS < 110 || LINES < 28;
	if (!t->compact) {
		/*
		 * The table and the byte view need about 100 columns at
		 * most; the details and the cfg take the rest, so that
		 * their text is cut only when the terminal is narrow.
		 */
		right_w = COLS * 35 / 100;
		if (right_w < COLS - 1 - TUI_LEFT_MAX)
			right_w = COLS - 1 - TUI_LEFT_MAX;
		if (right_w < 36)
			right_w = 36;
		left_w = COLS - right_w - 1;
		top_h = body_h * 55 / 100;
		r[DM_PANE_LAYERS] = (struct tui_rect){ body_y, 0, top_h,
		    left_w };
		r[DM_PANE_DETAILS] = (struct tui_rect){ body_y, left_w + 1,
		    top_h, right_w };
		r[DM_PANE_BYTES] = (struct tui_rect){ body_y + top_h, 0,
		    body_h - top_h, left_w };
		r[DM_PANE_CFG] = (struct tui_rect){ body_y + top_h,
		    left_w + 1, body_h - top_h, right_w };
		for (p = 0; p < DM_PANE_COUNT; p++)
			t->shown[p] = 1;
	} else {
		/* The table above, one of the other panes below. */
		top_h = body_h / 2;
		if (dm_vm_focus(vm) != DM_PANE_LAYERS)
			t->lower = dm_vm_focus(vm);
		else if (t->lower == DM_PANE_LAYERS)
			t->lower = DM_PANE_DETAILS;
		r[DM_PANE_LAYERS] = (struct tui_rect){ body_y, 0, top_h, COLS };
		for (p = DM_PANE_DETAILS; p < DM_PANE_COUNT; p++)
			r[p] = (struct tui_rect){ body_y + top_h, 0,
			    body_h - top_h, COLS };
		t->shown[DM_PANE_LAYERS] = 1;
		t->shown[t->lower] = 1;
	}
	for (p = 0; p < DM_PANE_COUNT; p++)
		if (panes[p]->resize != NULL)
			panes[p]->resize(t, vm, &r[p]);
}

static void
draw_too_small(struct tui *t, struct dm_vm *vm)
{
	char buf[512];
	int y = LINES / 2 - 1;

	erase();
	if (dm_vm_question(vm, buf, sizeof buf) > 0)
		tui_put(t, 0, 0, COLS, TUI_S_PROMPT, buf, 0);
	snprintf(buf, sizeof buf, "terminal too small: %dx%d", COLS, LINES);
	tui_put(t, y > 0 ? y : 0, 0, COLS, TUI_S_BAD, buf, 0);
	snprintf(buf, sizeof buf, "needs %dx%d; q quits", TUI_MIN_W,
	    TUI_MIN_H);
	tui_put(t, y + 1, 0, COLS, TUI_S_NORMAL, buf, 0);
}

static void
draw(struct tui *t, struct dm_vm *vm)
{
	const struct tui_screen_ops *s = screens[dm_vm_screen(vm)];

	/* A pair opened in place of another, or of none, is laid out. */
	if (dm_vm_session(vm) != t->laid_for)
		layout(t, vm);
	/* The banner grows or shrinks with its text. */
	if (!t->too_small && t->laid_for != NULL &&
	    view_main_banner_h(t, vm) != t->banner_h)
		layout(t, vm);
	if (t->compact && !t->too_small && dm_vm_focus(vm) != DM_PANE_LAYERS &&
	    dm_vm_focus(vm) != t->lower)
		layout(t, vm);
	if (t->too_small) {
		draw_too_small(t, vm);
		return;
	}
	erase();
	if (s->overlay || s == &view_main_ops)
		view_main_ops.draw(t, vm);
	if (s != &view_main_ops)
		s->draw(t, vm);
}

/* Which pane holds the point (y, x), or -1. */
static int
pane_at(const struct tui *t, int y, int x)
{
	int p;

	for (p = 0; p < DM_PANE_COUNT; p++) {
		const struct tui_rect *r = &t->rect[p];

		if (t->shown[p] && y >= r->y && y < r->y + r->h &&
		    x >= r->x && x < r->x + r->w)
			return p;
	}
	return -1;
}

static int
mouse(struct tui *t, struct dm_vm *vm)
{
	const struct tui_screen_ops *s = screens[dm_vm_screen(vm)];
	MEVENT ev;
	int p, flags;

	if (getmouse(&ev) != OK || t->too_small)
		return 0;
	if (s != &view_main_ops) {
		if (s->click != NULL && (ev.bstate & (BUTTON1_PRESSED |
		    BUTTON1_CLICKED)))
			return s->click(t, vm, ev.y, ev.x);
		if (ev.bstate & BUTTON4_PRESSED)
			return dm_vm_do(vm, DM_ACT_SCROLL, -3);
		if (ev.bstate & BUTTON5_PRESSED)
			return dm_vm_do(vm, DM_ACT_SCROLL, 3);
		return 0;
	}
	if (dm_vm_prompt(vm) != NULL)
		return 0;
	if ((p = pane_at(t, ev.y, ev.x)) < 0)
		return 0;
	flags = dm_vm_do(vm, DM_ACT_FOCUS, p);
	if (ev.bstate & BUTTON4_PRESSED)
		return flags | dm_vm_do(vm, DM_ACT_SCROLL, -3);
	if (ev.bstate & BUTTON5_PRESSED)
		return flags | dm_vm_do(vm, DM_ACT_SCROLL, 3);
	if ((ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) &&
	    panes[p]->click != NULL)
		flags |= panes[p]->click(t, vm, &t->rect[p], ev.y, ev.x);
	return flags;
}

static int
setup(struct tui *t)
{
	const char *cs;

	memset(t, 0, sizeof *t);
	cs = nl_langinfo(CODESET);
	t->utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
	catch_signals();
	if (newterm(NULL, stdout, stdin) == NULL)
		return -1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED |
	    BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	init_styles(t);
	t->lower = DM_PANE_DETAILS;
	return 0;
}

int
tui_probe(void)
{
	SCREEN *s;
	FILE *null;

	if ((null = fopen("/dev/null", "w")) == NULL)
		return -1;
	if ((s = newterm(NULL, null, stdin)) != NULL) {
		endwin();
		delscreen(s);
	}
	fclose(null);
	return s != NULL ? 0 : -1;
}

/*
 * An export under way: the dialog shows how far it is, and Escape (typed
 * before or during it) cancels it; other keys wait their turn.
 */
static void
show_progress(struct dm_vm *vm, void *ctx)
{
	wint_t wc;
	int r;

	draw(ctx, vm);
	wnoutrefresh(stdscr);
	doupdate();
	timeout(0);
	while ((r = get_wch(&wc)) != ERR) {
		if (r == OK && wc == 0x1b) {
			dm_vm_cancel_run(vm);
			break;
		}
		if (r == KEY_CODE_YES)
			ungetch((int)wc);
		else
			unget_wch(wc);
		break;
	}
}

int
tui_run(struct dm_vm *vm)
{
	struct tui t;
	wint_t wc;
	int r, k, flags = DM_VM_REDRAW;
	long arg;

	if (setup(&t) == -1)
		return -1;
	layout(&t, vm);
	dm_vm_set_progress(vm, show_progress, &t);
	for (;;) {
		if (tui_signal)
			die_of_signal(vm);
		if (flags & (DM_VM_REDRAW | DM_VM_RUN)) {
			draw(&t, vm);
			wnoutrefresh(stdscr);
			doupdate();
		}
		if (flags & DM_VM_RUN) {
			flags = dm_vm_run(vm) | DM_VM_REDRAW;
			continue;
		}
		flags = 0;
		timeout(dm_vm_session(vm) != NULL &&
		    dm_session_diag_pending(dm_vm_session(vm)) ? 50 : 250);
		r = get_wch(&wc);
		if (tui_signal)
			die_of_signal(vm);
		flags |= dm_vm_poll(vm);
		if (r == ERR)
			continue;
		if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
			layout(&t, vm);
			flags |= DM_VM_REDRAW;
			continue;
		}
		if (r == KEY_CODE_YES && wc == KEY_MOUSE) {
			flags |= mouse(&t, vm);
		} else {
			k = r == KEY_CODE_YES ? TUI_FN((int)wc) : (int)wc;
			if (tui_key_action(vm, k, &arg) == DM_ACT_REDRAW) {
				clearok(curscr, TRUE);
				flags |= DM_VM_REDRAW;
				continue;
			}
			flags |= screens[dm_vm_screen(vm)]->key(&t, vm, k);
		}
		if (flags & DM_VM_QUIT)
			break;
		if (t.compact)
			layout(&t, vm);
		flags |= DM_VM_REDRAW;
	}
	dm_vm_set_progress(vm, NULL, NULL);
	endwin();
	return 0;
}
