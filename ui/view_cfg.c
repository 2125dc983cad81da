/*
 * view_cfg.c - the cfg file, scrolled to the selected layer's section,
 * whose lines stand out.  A line with a warning has '!' in the gutter and
 * the warning after its text, as far as it fits; of a line's several
 * warnings (a section line can have one for each input of a layer), the
 * one '!' last went to, else the first, with its place among them.
 */
#include "config.h"

#include "tui.h"

#include <stdio.h>
#include <string.h>

/*
 * Warning wi, the k-th of the line's n, after a line's text, from column x
 * to the pane's edge, without the section's name or layer in front
 * ("[convolutional] has no key ...", "layer 3 [route]: ..."): the line
 * is in that section.  An ellipsis ends it when it is cut.
 */
static void
draw_warning(struct tui *t, const struct dm_vm *vm, size_t wi, size_t k,
    size_t n, int y, int x, int w)
{
	const char *m = dm_session_warning(dm_vm_session(vm), wi)->msg, *e;
	char buf[512];

	if (m[0] == '[' && (e = strstr(m, "] ")) != NULL)
		m = e + 2;
	else if (strncmp(m, "layer ", 6) == 0 && (e = strstr(m, "]: ")) != NULL)
		m = e + 3;
	if (n > 1)
		snprintf(buf, sizeof buf, "! %zu of %zu: %s", k + 1, n, m);
	else
		snprintf(buf, sizeof buf, "! %s", m);
	tui_put(t, y, x, w, TUI_S_SUSPECT, buf, 0);
}

static void
cfg_draw(struct tui *t, struct dm_vm *vm, const struct tui_rect *r,
    int focused)
{
	const struct dm_session *s = dm_vm_session(vm);
	long li = dm_vm_row_layer(vm, dm_vm_row(vm)), i;
	size_t first = 0, last = 0;
	char title[256], num[16];
	const char *text, *p, *name;
	int y, nw, x, used;
	enum tui_style st;
	size_t nwarn, wi, k;

	if (li >= 0)
		dm_vm_cfg_span(vm, (size_t)li, &first, &last);
	name = dm_base_name(dm_session_cfg_path(s));
	if (li >= 0)
		snprintf(title, sizeof title, "cfg  %s  lines %zu-%zu", name,
		    first, last);
	else
		snprintf(title, sizeof title, "cfg  %s", name);
	tui_pane_title(t, r, focused, title, NULL);
	dm_vm_set_extent(vm, DM_PANE_CFG, (long)dm_session_ncfg_lines(s));
	if (dm_session_ncfg_lines(s) == 0) {
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TUI_S_DIM,
		    "the cfg cannot be read again", 0);
		return;
	}
	snprintf(num, sizeof num, "%zu", dm_session_ncfg_lines(s));
	nw = (int)strlen(num);
	for (y = r->y + 1, i = dm_vm_scroll(vm, DM_PANE_CFG);
	    y < r->y + r->h && i < (long)dm_session_ncfg_lines(s); y++, i++) {
		int in = (size_t)i + 1 >= first && (size_t)i + 1 <= last;

		text = dm_session_cfg_line(s, (size_t)i + 1);
		p = text + strspn(text, " \t");
		st = *p == '#' || *p == ';' ? TUI_S_COMMENT : *p == '[' ?
		    TUI_S_HEAD : TUI_S_NORMAL;
		if (in && st == TUI_S_NORMAL)
			st = TUI_S_SECTION;
		nwarn = dm_vm_line_warnings(vm, (size_t)i + 1, &wi);
		if (nwarn > 0)
			tui_put(t, y, r->x, 1, TUI_S_SUSPECT, "!", 0);
		tui_putf(t, y, r->x + 1, nw + 1, nwarn > 0 ? TUI_S_SUSPECT :
		    in ? TUI_S_SECTION : TUI_S_DIM, 0, "%*ld", nw, i + 1);
		if (in)
			tui_put(t, y, r->x + nw + 2, 1, TUI_S_SECTION,
			    tui_glyph(t, TUI_G_VLINE), 0);
		used = tui_put(t, y, r->x + nw + 4, r->w - nw - 4, st, text, 0);
		/* A warning after the text, if there is room. */
		x = r->x + nw + 4 + used + 2;
		if (nwarn == 0 || r->x + r->w - x < 12)
			continue;
		k = 0;		/* the one '!' went to, if on this line */
		if (dm_vm_warning(vm) >= (long)wi &&
		    dm_vm_warning(vm) < (long)(wi + nwarn))
			k = (size_t)dm_vm_warning(vm) - wi;
		draw_warning(t, vm, wi + k, k, nwarn, y, x, r->x + r->w - x);
	}
}

static void
cfg_resize(struct tui *t, struct dm_vm *vm, const struct tui_rect *r)
{
	(void)t;
	dm_vm_set_page(vm, DM_PANE_CFG, r->h - 1);
}

const struct tui_pane_ops view_cfg_ops = {
	.name = "cfg",
	.pane = DM_PANE_CFG,
	.resize = cfg_resize,
	.draw = cfg_draw,
	.click = NULL,
};
