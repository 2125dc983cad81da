/*
 * xdialog.c - the export dialog: the format, the key names (a scheme or a
 * template), the element type, the wrapping, --force and --verify, whether
 * the model (`darkmap model') is written beside it, and the output file, with a preview of the first keys or the reason the
 * export cannot be made; dm_vm_run() writes it.
 */
#include "config.h"

#include "vmpriv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

	x->nkeys = x->nmissing = 0;
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
		vm_copy_str(x->problem, sizeof x->problem, err.msg);
		return;
	}
	x->nkeys = ex->n;
	x->nmissing = ex->nmissing;
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

/*
 * The format a file name's extension names (.pt and .pth, .safetensors,
 * .npz, .weights; any case), or -1.
 */
static int
x_format_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	int i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return -1;
	dot++;
	if (strcasecmp(dot, "pth") == 0)
		return DM_OUT_PT;
	for (i = 0; i < DM_OUT_NFORMATS; i++)
		if (strcasecmp(dot, dm_out_format_names[i]) == 0)
			return i;
	return -1;
}

/* The file's extension, as typed, sets the format. */
static void
x_follow_path(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	int f = x_format_of(x->path);

	if (f < 0 || f == (int)x->format)
		return;
	x->format = (enum dm_out_format)f;
	x_refresh(vm);
	dm_vm_message(vm, 0, "format %s, as the file name says",
	    dm_out_format_names[f]);
}

/* The model's file: the export's name without its extension, then .py. */
static void
x_model_path(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	const char *base = slash != NULL ? slash + 1 : path;
	int n = (int)strlen(path);

	if (dot != NULL && dot > base)
		n = (int)(dot - path);
	snprintf(buf, len, "%.*s.py", n, path);
}

void
vm_xdialog_open(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	int i;

	if (x->path[0] == '\0') {
		vm_default_name(vm, dm_out_format_names[x->format], x->path,
		    sizeof x->path);
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
	case DM_XF_MODEL:
		x->model = !x->model;
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
	case DM_XF_MODEL:	return x->model;
	default:		return -1;
	}
}

int
vm_xdialog_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_xdialog *x = &vm->x;
	char mpath[DM_VM_FIELD_MAX + 4];
	int f, step, n;
	size_t len;

	switch (act) {
	case DM_ACT_SELECT_ROW:		/* a field, by a click */
		if (arg < 0 || arg >= DM_XF_COUNT ||
		    !dm_vm_xfield_active(vm, (enum dm_xfield)arg))
			return DM_VM_BELL;
		if (x->field != (enum dm_xfield)arg)
			x->fresh = 1;
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
		x->fresh = 1;
		return DM_VM_REDRAW;
	case DM_ACT_LEFT:
	case DM_ACT_RIGHT:
	case DM_ACT_YES:
		if (x->field == DM_XF_PATH || x->field == DM_XF_TEMPLATE)
			break;		/* a cursor key in a text field */
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
		if ((n = x_format_of(x->path)) >= 0 && n != (int)x->format) {
			dm_vm_message(vm, 1, "%s names the %s format, not %s: "
			    "change the format or the file name", x->path,
			    dm_out_format_names[n],
			    dm_out_format_names[x->format]);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		x_model_path(x->path, mpath, sizeof mpath);
		if (x->model && strcmp(mpath, x->path) == 0) {
			dm_vm_message(vm, 1, "%s would be both the export and "
			    "the model: give the file another extension",
			    x->path);
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
		f = vm_field_edit(buf, &len, DM_VM_FIELD_MAX, &x->fresh, act,
		    arg);
		if (f != 0) {
			if (x->field == DM_XF_TEMPLATE)
				x_refresh(vm);
			else
				x_follow_path(vm);
			return f;
		}
	}
	return DM_VM_BELL;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The export's progress: the dialog shows it. */
static void
run_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct dm_vm *vm = ctx;
	int pct;

	vm->run_done = done;
	vm->run_total = total;
	vm->run_seconds = now() - vm->run_start;
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
dm_vm_running(const struct dm_vm *vm, uint64_t *done, uint64_t *total,
    double *seconds)
{
	if (done != NULL)
		*done = vm->run_done;
	if (total != NULL)
		*total = vm->run_total;
	if (seconds != NULL)
		*seconds = vm->run_seconds;
	return vm->running;
}

void
dm_vm_cancel_run(struct dm_vm *vm)
{
	if (vm->running)
		vm->run_cancel = 1;
}

int
dm_vm_run(struct dm_vm *vm)
{
	struct dm_export_opts xo;
	struct dm_export *ex;
	struct dm_error err;
	char mpath[DM_VM_FIELD_MAX + 4], also[DM_VM_FIELD_MAX + 32] = "";
	int rc, cancelled;

	if (!vm->run_export)
		return 0;
	vm->run_export = 0;
	dm_error_clear(&err);
	if (x_opts(vm, &xo) == -1) {
		dm_vm_message(vm, 1, "a template needs placeholders");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->run_pct = -1;
	vm->run_cancel = 0;
	vm->run_done = vm->run_total = 0;
	vm->run_seconds = 0;
	xo.progress = run_progress;
	xo.pctx = vm;
	xo.cancel = &vm->run_cancel;
	if ((ex = dm_session_plan(vm->s, &xo, &err)) == NULL) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->running = 1;
	vm->run_start = now();
	rc = dm_session_export(vm->s, ex, vm->x.path, &err);
	vm->running = 0;
	cancelled = rc == -1 && vm->run_cancel;
	vm->run_cancel = 0;
	if (cancelled)
		dm_vm_message(vm, 0, "export cancelled: nothing written to "
		    "%s", vm->x.path);
	else if (rc == -1)
		dm_vm_message(vm, 1, "%s", err.msg);
	else {
		if (vm->x.model) {
			x_model_path(vm->x.path, mpath, sizeof mpath);
			if (dm_session_model(vm->s, mpath, vm->x.path,
			    &err) == -1) {
				dm_vm_message(vm, 1, "exported %zu tensors to "
				    "%s, but not the model: %s", ex->n,
				    vm->x.path, err.msg);
				dm_export_free(ex);
				return DM_VM_REDRAW | DM_VM_BELL;
			}
			snprintf(also, sizeof also, ", and the model to %s",
			    mpath);
		}
		dm_vm_message(vm, 0, "exported %zu tensors to %s%s%s%s", ex->n,
		    vm->x.path, ex->missing_from >= 0 ? " (the layers the "
		    "file holds)" : "", vm->x.verify ? ", read back and "
		    "verified" : "", also);
		if (ex->nmissing > 0)
			dm_vm_message(vm, 0, "exported %zu tensors to %s%s; "
			    "%zu keys of the cfg's state_dict are missing "
			    "(%s%s): a strict load_state_dict() will fail",
			    ex->n, vm->x.path, also, ex->nmissing,
			    ex->missing[0], ex->nmissing > 1 ? ", ..." : "");
		vm->screen = DM_SCREEN_MAIN;
	}
	dm_export_free(ex);
	return DM_VM_REDRAW | (rc == -1 && !cancelled ? DM_VM_BELL : 0);
}
