/*
 * view_dialog.c - the dialogs over the main screen: the repair preview,
 * the export dialog, the question before quitting with unsaved edits,
 * and the offer to recover an autosave.
 */
#include "config.h"

#include "tui.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The lines s takes wrapped to w columns. */
static int
para_lines(struct tui *t, const char *s, int w)
{
	int n = 0;

	while (*s != '\0') {
		s += tui_wrap(t, s, w);
		while (*s == ' ')
			s++;
		n++;
	}
	return n;
}

/*
 * Writes s wrapped into the box from line *y; returns false when full.
 * What does not fit is cut, with an ellipsis at the end of the box.
 */
static int
para(struct tui *t, const struct tui_rect *in, int *y, enum tui_style st,
    const char *s)
{
	char buf[512];
	const char *rest;
	int w = in->w;
	size_t cut;

	while (*s != '\0') {
		if (*y >= in->y + in->h)
			return 0;
		cut = tui_wrap(t, s, w);
		for (rest = s + cut; *rest == ' '; rest++)
			;
		if (*rest != '\0' && *y == in->y + in->h - 1) {
			/* Cut short: tui_put() ends it in an ellipsis. */
			tui_put(t, (*y)++, in->x, w, st, s, 1);
			return 0;
		}
		snprintf(buf, sizeof buf, "%.*s", (int)cut, s);
		tui_put(t, (*y)++, in->x, w, st, buf, 1);
		s = rest;
	}
	return 1;
}

/* Each line of a multi-line text. */
static void
lines(struct tui *t, const struct tui_rect *in, int *y, enum tui_style st,
    const char *indent, const char *text)
{
	char buf[512];
	const char *e;

	while (*text != '\0' && *y < in->y + in->h) {
		e = strchr(text, '\n');
		snprintf(buf, sizeof buf, "%s%.*s", indent, e != NULL ?
		    (int)(e - text) : (int)strlen(text), text);
		para(t, in, y, st, buf);
		if (e == NULL)
			break;
		text = e + 1;
	}
}

static void
add_hit(struct tui *t, int y0, int y1, int x0, int x1, int field, long index)
{
	if (t->nhits >= TUI_HITS_MAX || y1 <= y0 || x1 <= x0)
		return;
	t->hit[t->nhits++] = (struct tui_hit){ .y0 = y0, .y1 = y1, .x0 = x0,
	    .x1 = x1, .field = field, .index = index };
}

/* The place noted under (y, x), or NULL. */
static const struct tui_hit *
hit_at(const struct tui *t, int y, int x)
{
	int i;

	for (i = t->nhits - 1; i >= 0; i--)
		if (y >= t->hit[i].y0 && y < t->hit[i].y1 &&
		    x >= t->hit[i].x0 && x < t->hit[i].x1)
			return &t->hit[i];
	return NULL;
}

static int
dialog_key(struct tui *t, struct dm_vm *vm, int k)
{
	enum dm_act a;
	long arg;

	(void)t;
	a = tui_key_action(vm, k, &arg);
	return dm_vm_do(vm, a, arg);
}

/* The repair preview. */

/* "[ties with 2, 3]", "[lossy]": what the list says beside a repair. */
static void
repair_marks(const struct dm_hyp *h, char *buf, size_t len)
{
	size_t j, n = 0;

	buf[0] = '\0';
	if (h->nties > 0) {
		n += (size_t)snprintf(buf, len, " [ties with ");
		for (j = 0; j < h->nties && n < len; j++)
			n += (size_t)snprintf(buf + n, len - n, "%s%zu",
			    j ? ", " : "", h->ties[j] + 1);
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "]");
	}
	if (h->lossy && n < len)
		snprintf(buf + n, len - n, " [lossy]");
}

static void
repair_draw(struct tui *t, struct dm_vm *vm)
{
	const struct dm_diag *d = dm_vm_diag(vm);
	struct tui_rect in, rest;
	struct dm_verdict after;
	char buf[4096], diff[4096], marks[128], who[128];
	size_t i, sel = dm_vm_repair_sel(vm);
	int y, h, w = COLS - 8, nchg = 0;

	if (w > 110)
		w = 110;
	if (d != NULL && sel < d->nhyps)
		nchg = dm_ovr_diff(dm_vm_net(vm), dm_vm_ovr(vm),
		    d->hyps[sel].ovr, diff, sizeof diff);
	h = 10 + nchg + 2 * (d != NULL ? (int)d->nhyps : 0);
	if (h > LINES - 2)
		h = LINES - 2;
	in = tui_dialog_box(t, h, w, "Repair: preview, then Enter applies");
	t->nhits = 0;
	y = in.y;
	if (d == NULL || d->nhyps == 0) {
		para(t, &in, &y, TUI_S_DIALOG, "no repair");
		return;
	}
	para(t, &in, &y, TUI_S_DIALOG, "Repairs that make the sizes agree, "
	    "most plausible first (penalty 0: the data reads well):");
	if (d->ambiguous) {
		dm_diag_tied(d, 0, who, sizeof who);
		snprintf(buf, sizeof buf, "%s: the data cannot tell them apart "
		    "(%s); none is chosen for you", who, d->tie_note);
		para(t, &in, &y, TUI_S_DIALOG_SEL, buf);
	} else if (sel >= d->nhyps)
		para(t, &in, &y, TUI_S_DIALOG_SEL, "No repair fits without "
		    "losing data; none is chosen for you.");
	for (i = 0; i < d->nhyps && y < in.y + in.h - 3; i++) {
		int y0 = y;

		repair_marks(&d->hyps[i], marks, sizeof marks);
		snprintf(buf, sizeof buf, "%s %zu. [%s] %s (penalty %.1f)%s",
		    i == sel ? tui_glyph(t, TUI_G_POINTER) : " ",
		    i + 1, dm_hyp_name(d->hyps[i].kind), d->hyps[i].text,
		    d->hyps[i].penalty, marks);
		para(t, &in, &y, i == sel ? TUI_S_DIALOG_SEL :
		    TUI_S_DIALOG, buf);
		add_hit(t, y0, y, in.x, in.x + in.w, -1, (long)i);
	}
	if (sel >= d->nhyps) {
		y = in.y + in.h - 1;
		para(t, &in, &y, TUI_S_DIALOG, "j/k or a click choose a "
		    "repair; Escape cancels");
		return;
	}
	/* The outcome first, then as many of the changes as fit. */
	if (dm_vm_preview(vm, sel, &after) == 0 && y < in.y + in.h - 1) {
		snprintf(buf, sizeof buf, "verdict: %s now, %s after it",
		    dm_verdict_name(dm_vm_verdict(vm)->kind),
		    dm_verdict_name(after.kind));
		para(t, &in, &y, after.kind == DM_V_EXACT ? TUI_S_DIALOG_SEL :
		    TUI_S_DIALOG, buf);
	}
	rest = in;
	rest.h = in.y + in.h - 1 - y;
	rest.y = y;
	if (rest.h > 1) {
		snprintf(buf, sizeof buf, "Repair %zu changes the overrides:",
		    sel + 1);
		para(t, &rest, &y, TUI_S_DIALOG, buf);
		lines(t, &rest, &y, TUI_S_DIALOG, "  ", diff);
	}
	y = in.y + in.h - 1;
	para(t, &in, &y, TUI_S_DIALOG, "Enter or y applies it (u undoes it "
	    "later); j/k choose; Escape cancels");
}

/* A click on a repair selects it; Enter still applies it. */
static int
repair_click(struct tui *t, struct dm_vm *vm, int y, int x)
{
	const struct tui_hit *h;

	if ((h = hit_at(t, y, x)) == NULL)
		return 0;
	return dm_vm_do(vm, DM_ACT_SELECT_ROW, h->index);
}

const struct tui_screen_ops view_repair_ops = {
	.name = "repair",
	.screen = DM_SCREEN_REPAIR,
	.overlay = 1,
	.draw = repair_draw,
	.key = dialog_key,
	.click = repair_click,
};

/* The export dialog. */

static void
choices(struct tui *t, int y, int x, int w, const char *const *v, int n,
    int cur, int focused, int active, int field)
{
	int i, used = 0, at;
	char buf[64];

	for (i = 0; i < n && used < w; i++) {
		snprintf(buf, sizeof buf, " %s ", v[i]);
		at = used;
		used += tui_put(t, y, x + used, w - used, !active ? TUI_S_DIM :
		    i == cur ? (focused ? TUI_S_DIALOG_SEL : TUI_S_SEL_DIM) :
		    TUI_S_DIALOG, buf, 0);
		add_hit(t, y, y + 1, x + at, x + used, field, i);
		used += tui_put(t, y, x + used, w - used, TUI_S_DIALOG, " ", 0);
	}
}

/*
 * An export under way, from line y of the dialog's inside: a bar, the
 * bytes written of how many and the rate; in the last nh lines, how to
 * cancel it.
 */
static void
export_progress(struct tui *t, struct dm_vm *vm, const struct tui_rect *in,
    int y, int nh)
{
	struct tui_rect body = *in, foot = *in;
	uint64_t done, total;
	double sec, rate;
	char d[32], tot[32], r[32], buf[256];
	int w, fill, k, i;

	dm_vm_running(vm, &done, &total, &sec);
	if (done > total)
		done = total;
	foot.y = in->y + in->h - nh;
	foot.h = nh;
	body.h = foot.y - in->y;
	if (y + 2 < foot.y)
		y++;
	if (y < foot.y) {
		w = in->w - 7 < 50 ? in->w - 7 : 50;
		fill = total > 0 ? (int)((double)w * (double)done /
		    (double)total) : 0;
		k = tui_put(t, y, in->x, in->w, TUI_S_DIALOG, "[", 0);
		for (i = 0; i < w; i++)
			k += tui_put(t, y, in->x + k, 1, i < fill ?
			    TUI_S_DIALOG_SEL : TUI_S_DIALOG, i < fill ? "#" :
			    ".", 0);
		tui_putf(t, y++, in->x + k, in->w - k, TUI_S_DIALOG, 1,
		    "]%3d%%", total > 0 ? (int)(100.0 * (double)done /
		    (double)total) : 0);
	}
	tui_bytes(d, sizeof d, done);
	tui_bytes(tot, sizeof tot, total);
	rate = sec > 0 ? (double)done / sec : 0;
	tui_bytes(r, sizeof r, (uint64_t)rate);
	snprintf(buf, sizeof buf, "%s of %s written, %s/s", d, tot, r);
	para(t, &body, &y, TUI_S_DIALOG, buf);
	y = foot.y;
	para(t, &foot, &y, TUI_S_DIALOG, "Escape cancels: no file is left");
}

static void
export_draw(struct tui *t, struct dm_vm *vm)
{
	static const char *const dtypes[] = { "float32", "float16" };
	static const char *const yesno[] = { "no", "yes" };
	static const char *const labels[DM_XF_COUNT] = {
		[DM_XF_FORMAT] = "format",
		[DM_XF_NAMES] = "key names",
		[DM_XF_TEMPLATE] = "template",
		[DM_XF_DTYPE] = "dtype",
		[DM_XF_WRAP] = "{'model': ...}",
		[DM_XF_FORCE] = "force",
		[DM_XF_VERIFY] = "verify",
		[DM_XF_MODEL] = "model (.py)",
		[DM_XF_PATH] = "file",
	};
	static const char help[] = "Up/Down field, Left/Right change, type "
	    "the file; Enter exports, Escape cancels";
	static const char short_help[] = "Enter exports, Escape cancels";
	const struct dm_vm_xdialog *x = dm_vm_xdialog(vm);
	struct tui_rect in, body;
	const char *h = help;
	char buf[1024];
	int y, f, lw = 16, w = COLS - 8, nh, need;
	size_t i;

	if (w > 96)
		w = 96;
	in = tui_dialog_box(t, 19, w, "Export the tensors");
	t->nhits = 0;
	/*
	 * The help at the bottom, whole: the short one (the status line
	 * names the keys too) when the long one would leave the preview
	 * fewer than two lines.  The fields above it, then the preview or
	 * the problem in the lines between, cut to fit.
	 */
	nh = para_lines(t, help, in.w);
	if (in.h - DM_XF_COUNT - 1 - nh < 2) {
		h = short_help;
		nh = para_lines(t, short_help, in.w);
	}
	body = in;
	body.h = in.h - nh;
	y = in.y;
	for (f = 0; f < DM_XF_COUNT && y < body.y + body.h; f++, y++) {
		int foc = (int)x->field == f;
		int act = dm_vm_xfield_active(vm, (enum dm_xfield)f);

		/* The whole row focuses the field; a choice, also picks. */
		add_hit(t, y, y + 1, in.x, in.x + in.w, f, -1);

		tui_putf(t, y, in.x, lw, foc ? TUI_S_DIALOG_SEL : act ?
		    TUI_S_DIALOG : TUI_S_DIM, 1, "%s%s", foc ?
		    tui_glyph(t, TUI_G_POINTER) : " ", labels[f]);
		switch (f) {
		case DM_XF_FORMAT:
			choices(t, y, in.x + lw, in.w - lw, dm_out_format_names,
			    DM_OUT_NFORMATS, (int)x->format, foc, act, f);
			break;
		case DM_XF_NAMES:
			choices(t, y, in.x + lw, in.w - lw, dm_names_table,
			    DM_NAMES_COUNT, x->names, foc, act, f);
			break;
		case DM_XF_DTYPE:
			choices(t, y, in.x + lw, in.w - lw, dtypes, 2, x->f16,
			    foc, act, f);
			break;
		case DM_XF_WRAP:
			choices(t, y, in.x + lw, in.w - lw, yesno, 2, x->wrap,
			    foc, act, f);
			break;
		case DM_XF_FORCE:
			choices(t, y, in.x + lw, in.w - lw, yesno, 2, x->force,
			    foc, act, f);
			break;
		case DM_XF_VERIFY:
			choices(t, y, in.x + lw, in.w - lw, yesno, 2,
			    x->verify, foc, act, f);
			break;
		case DM_XF_MODEL:
			choices(t, y, in.x + lw, in.w - lw, yesno, 2,
			    x->model, foc, act, f);
			break;
		default:
			{
				const char *s = f == DM_XF_PATH ? x->path :
				    x->tmpl;
				int room = in.w - lw - 1, n;

				s = tui_tail(t, s, room - 1);
				n = tui_put(t, y, in.x + lw, room, !act ?
				    TUI_S_DIM : foc && x->fresh ? TUI_S_SEL :
				    TUI_S_NORMAL, s, 0);
				tui_put(t, y, in.x + lw + n, room - n,
				    TUI_S_NORMAL, "", 1);
				if (foc)
					tui_put(t, y, in.x + lw + (n < room ?
					    tui_width(t, s) : room - 1), 1,
					    TUI_S_CURSOR, " ", 0);
			}
			break;
		}
	}
	if (dm_vm_running(vm, NULL, NULL, NULL)) {
		export_progress(t, vm, &in, y, nh);
		return;
	}
	/* A blank line first, unless what follows would then be cut. */
	if (x->problem[0] != '\0')
		need = para_lines(t, x->problem, in.w);
	else
		for (need = 1, i = 0; i < 3 && x->keys[i][0] != '\0'; i++)
			need++;
	if (body.y + body.h - y > need)
		y++;
	body.h -= y - body.y;
	body.y = y;
	if (x->problem[0] != '\0') {
		para(t, &body, &y, TUI_S_BAD, x->problem);
	} else {
		if (x->nmissing > 0)
			snprintf(buf, sizeof buf, "%zu tensors, %zu of the "
			    "cfg's missing: a strict load_state_dict() will "
			    "fail; keys:", x->nkeys, x->nmissing);
		else
			snprintf(buf, sizeof buf, "%zu tensors; keys:",
			    x->nkeys);
		para(t, &body, &y, TUI_S_DIALOG, buf);
		for (i = 0; i < 3 && x->keys[i][0] != '\0'; i++) {
			snprintf(buf, sizeof buf, "  %s", x->keys[i]);
			para(t, &body, &y, TUI_S_DIALOG, buf);
		}
	}
	y = in.y + in.h - nh;
	para(t, &in, &y, TUI_S_DIALOG, h);
}

/* A click on a field focuses it; on one of its choices, also picks it. */
static int
export_click(struct tui *t, struct dm_vm *vm, int y, int x)
{
	const struct tui_hit *h;
	int flags;

	if ((h = hit_at(t, y, x)) == NULL)
		return 0;
	flags = dm_vm_do(vm, DM_ACT_SELECT_ROW, h->field);
	if (h->index >= 0 && !(flags & DM_VM_BELL))
		flags |= dm_vm_do(vm, DM_ACT_CHOOSE, h->index);
	return flags;
}

const struct tui_screen_ops view_export_ops = {
	.name = "export",
	.screen = DM_SCREEN_EXPORT,
	.overlay = 1,
	.draw = export_draw,
	.key = dialog_key,
	.click = export_click,
};

/* Quitting with unsaved edits. */

static void
quit_draw(struct tui *t, struct dm_vm *vm)
{
	struct tui_rect in;
	char buf[512];
	int y, w = COLS - 8;

	if (w > 90)
		w = 90;
	in = tui_dialog_box(t, 9, w, "Unsaved edits");
	y = in.y;
	dm_vm_question(vm, buf, sizeof buf);
	para(t, &in, &y, TUI_S_DIALOG, buf);
	y++;
	para(t, &in, &y, TUI_S_DIALOG, "y quits and loses them, n stays, "
	    "w saves them first");
}

const struct tui_screen_ops view_quit_ops = {
	.name = "quit",
	.screen = DM_SCREEN_QUIT,
	.overlay = 1,
	.draw = quit_draw,
	.key = dialog_key,
	.click = NULL,
};

/* Recovering an autosave. */

static void
recover_draw(struct tui *t, struct dm_vm *vm)
{
	const struct dm_ovr *rec;
	const char *when;
	struct tui_rect in;
	char buf[2048];
	int y, w = COLS - 8;

	if (w > 90)
		w = 90;
	in = tui_dialog_box(t, 16, w, "Recover unsaved edits?");
	rec = dm_session_recovered(dm_vm_session(vm), &when);
	y = in.y;
	snprintf(buf, sizeof buf, "Edits of these files that were never "
	    "saved were kept in %s (%s):", dm_session_autosave(dm_vm_session(vm)) != NULL ?
	    dm_session_autosave(dm_vm_session(vm)) : "", when);
	para(t, &in, &y, TUI_S_DIALOG, buf);
	if (rec != NULL) {
		dm_ovr_diff(dm_vm_net(vm), dm_vm_ovr(vm), rec, buf, sizeof buf);
		lines(t, &in, &y, TUI_S_DIALOG, "  ", buf);
	}
	y++;
	dm_vm_question(vm, buf, sizeof buf);
	para(t, &in, &y, TUI_S_DIALOG, buf);
	para(t, &in, &y, TUI_S_DIALOG, "y recovers them (u undoes that), "
	    "n discards them");
}

const struct tui_screen_ops view_recover_ops = {
	.name = "recover",
	.screen = DM_SCREEN_RECOVER,
	.overlay = 1,
	.draw = recover_draw,
	.key = dialog_key,
	.click = NULL,
};
