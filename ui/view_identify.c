/*
 * view_identify.c - the identify screen: which cfgs explain the weights
 * file of the pair opened, as darkmap identify reports it.
 */
#include "config.h"

#include "tui.h"

#include <stdio.h>
#include <string.h>

static void
identify_draw(struct tui *t, struct dm_vm *vm)
{
	const char *text = dm_vm_ident_text(vm), *p, *nl;
	long rows = LINES - 2, n = 0, first, y;

	erase();
	tui_put(t, 0, 0, COLS, TUI_S_TITLE, " darkmap: which cfgs explain "
	    "the weights file (q or Escape closes this screen)", 1);
	if (text == NULL)
		return;
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		n++;
	dm_vm_set_page(vm, DM_PANE_HELP, rows);
	dm_vm_set_extent(vm, DM_PANE_HELP, n);
	first = dm_vm_scroll(vm, DM_PANE_HELP);
	for (p = text, y = 0; (nl = strchr(p, '\n')) != NULL &&
	    y - first < rows; p = nl + 1, y++) {
		char line[1024];

		if (y < first)
			continue;
		snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
		tui_put(t, (int)(y - first + 1), 1, COLS - 2, line[0] != ' ' &&
		    line[0] != '\0' ? TUI_S_HEAD : TUI_S_NORMAL, line, 0);
	}
	tui_putf(t, LINES - 1, 0, COLS, TUI_S_HINT, 1, " j/k scroll  q close"
	    "  line %ld of %ld", first + 1, n);
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

const struct tui_screen_ops view_identify_ops = {
	.name = "identify",
	.screen = DM_SCREEN_IDENTIFY,
	.overlay = 0,
	.draw = identify_draw,
	.key = identify_key,
	.click = NULL,
};
