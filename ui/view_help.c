/*
 * view_help.c - the help screen: every key, from ui/keys.c.
 */
#include "config.h"

#include "tui.h"

#include <stdio.h>
#include <string.h>

#define KEYS_W	28

/* One screen line of the help: a part of an entry's text. */
struct hline {
	size_t		 entry;
	size_t		 off, len;
};

/* Cuts the help into lines of w columns; returns their number. */
static size_t
wrap(const struct tui *t, struct hline *out, size_t max, int w)
{
	const struct tui_help *help;
	size_t i, n = 0, len, cut, off, nhelp;
	const char *s;

	if (w < 20)
		w = 20;
	help = tui_help(&nhelp);
	for (i = 0; i < nhelp; i++) {
		s = help[i].what;
		len = strlen(s);
		off = 0;
		do {
			cut = tui_wrap(t, s + off, w);
			if (n < max) {
				out[n].entry = i;
				out[n].off = off;
				out[n].len = cut;
			}
			n++;
			off += cut;
			while (s[off] == ' ')
				off++;
		} while (off < len);
	}
	return n < max ? n : max;
}

static void
help_draw(struct tui *t, struct dm_vm *vm)
{
	static struct hline lines[512];
	long i, rows = LINES - 2;
	size_t n, nh;
	int y, w;
	char buf[256];

	erase();
	tui_put(t, 0, 0, COLS, TUI_S_TITLE, " darkmap: every key "
	    "(q, ? or Escape closes this screen)", 1);
	w = COLS - KEYS_W - 4;
	n = wrap(t, lines, sizeof lines / sizeof lines[0], w);
	dm_vm_set_page(vm, DM_PANE_HELP, rows);
	dm_vm_set_extent(vm, DM_PANE_HELP, (long)n);
	for (y = 1, i = dm_vm_scroll(vm, DM_PANE_HELP); y <= rows && i < (long)n;
	    y++, i++) {
		const struct tui_help *h = &tui_help(&nh)[lines[i].entry];

		snprintf(buf, sizeof buf, "%.*s", (int)lines[i].len,
		    h->what + lines[i].off);
		if (h->keys == NULL) {
			tui_put(t, y, 1, COLS - 2, TUI_S_HEAD, buf, 0);
			continue;
		}
		if (lines[i].off == 0)
			tui_put(t, y, 2, KEYS_W, TUI_S_PROMPT, h->keys, 1);
		tui_put(t, y, KEYS_W + 3, w, TUI_S_NORMAL, buf, 0);
	}
	tui_putf(t, LINES - 1, 0, COLS, TUI_S_HINT, 1, " j/k scroll  "
	    "q close  line %ld of %zu", dm_vm_scroll(vm, DM_PANE_HELP) + 1, n);
}

static int
help_key(struct tui *t, struct dm_vm *vm, int k)
{
	enum dm_act a;
	long arg;

	(void)t;
	a = tui_key_action(vm, k, &arg);
	return dm_vm_do(vm, a, arg);
}

const struct tui_screen_ops view_help_ops = {
	.name = "help",
	.screen = DM_SCREEN_HELP,
	.overlay = 0,
	.draw = help_draw,
	.key = help_key,
	.click = NULL,
};
