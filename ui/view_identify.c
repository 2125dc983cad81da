/*
 * view_identify.c - the identify screen: which cfgs explain the weights
 * file, as darkmap identify reports it: the header, the candidates as a
 * list Enter opens from, and under them the selected one's report, or,
 * when nothing fits, the closest layouts and the blind segmentation.
 */
#include "config.h"

#include "tui.h"

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

static void
identify_draw(struct tui *t, struct dm_vm *vm)
{
	const char *text = dm_vm_ident_text(vm), *msg;
	size_t nc = dm_vm_ident_ncands(vm), sel = dm_vm_ident_sel(vm), i;
	int y, rows, focus = dm_vm_ident_focus(vm), error, list_h;
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
			    focus ? TUI_S_SEL_DIM : TUI_S_SEL,
			    dm_vm_ident_cand(vm, i), 1);
	}
	y++;
	rows = LINES - 2 - y;
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
	const struct tui_hit *h = &t->hit[0];

	(void)x;
	if (t->nhits == 0 || y < h->y0 || y >= h->y1)
		return 0;
	return dm_vm_do(vm, DM_ACT_SELECT_ROW, h->index + (y - h->y0));
}

const struct tui_screen_ops view_identify_ops = {
	.name = "identify",
	.screen = DM_SCREEN_IDENTIFY,
	.overlay = 0,
	.draw = identify_draw,
	.key = identify_key,
	.click = identify_click,
};
