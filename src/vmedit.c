/*
 * vmedit.c - the edits the interface makes: each is a change to a copy of
 * the overrides in force, put in force by dm_session_apply(), with the
 * message line saying what it did or why the core refused it.  The edit
 * handlers take what every action handler takes (the action and its
 * argument), so that the action table of vm.c can name them directly.
 */
#include "config.h"

#include "vmpriv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes a copy of the overrides in force, to be edited and committed. */
struct dm_ovr *
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
	vm->hist_array = vm->norms_array = -1;
	if (vm->row >= dm_vm_rows(vm))
		vm->row = dm_vm_rows(vm) - 1;
	vm_select_row(vm, vm->row, 1);
}

/*
 * Puts next in force (taking it) if the core can lay it out; the old
 * overrides go to the undo history.
 */
int
vm_commit(struct dm_vm *vm, struct dm_ovr *next, const char *what)
{
	enum dm_dialect was = net_of(vm)->dialect;
	struct dm_error err;

	dm_error_clear(&err);
	return vm_applied(vm, dm_session_apply(vm->s, next, what, &err), what,
	    &err, was);
}

/* Says how dm_session_apply() (rc, err) of the edit what went. */
int
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

int
vm_undo_redo(struct dm_vm *vm, enum dm_act act, long arg)
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

long
vm_sel_layer(struct dm_vm *vm)
{
	long li = dm_vm_row_layer(vm, vm->row);

	if (li < 0)
		dm_vm_message(vm, 1, "select a layer first");
	return li;
}

const struct dm_array *
vm_sel_array(struct dm_vm *vm)
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

int
vm_edit_file_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_ovr *o;
	char what[96];
	int v;

	(void)arg;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	switch (act) {
	case DM_ACT_HEADER:
		v = dm_header_other(net_of(vm)->header_size);
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

/*
 * Starts an edit of the selected layer: *o the copy of the overrides in
 * force, *li the layer and the result its entry in *o; NULL, with *ret
 * what the action returns, when no layer is selected or memory runs out.
 */
static struct dm_layer_ovr *
begin_layer(struct dm_vm *vm, struct dm_ovr **o, long *li, int *ret)
{
	struct dm_layer_ovr *l;

	*ret = DM_VM_REDRAW;
	if ((*li = vm_sel_layer(vm)) < 0) {
		*ret |= DM_VM_BELL;
		return NULL;
	}
	if ((*o = vm_begin(vm)) == NULL)
		return NULL;
	if ((l = dm_ovr_layer(*o, (size_t)*li, NULL)) == NULL) {
		dm_ovr_free(*o);
		dm_vm_message(vm, 1, "out of memory");
	}
	return l;
}

int
vm_edit_layer_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;
	int *f, ret;

	(void)arg;
	if ((l = begin_layer(vm, &o, &li, &ret)) == NULL)
		return ret;
	f = act == DM_ACT_ABSENT ? &l->absent : act == DM_ACT_OMIT ?
	    &l->omit : &l->cutoff;
	*f = !*f;
	snprintf(what, sizeof what, "layer %ld %s%s", li, *f ? "" :
	    "no longer ", act == DM_ACT_ABSENT ? "absent from the file" : act == DM_ACT_OMIT ?
	    "omitted from the export" : "the last in the file (cutoff)");
	return vm_commit(vm, o, what);
}

int
vm_edit_gap_add(struct dm_vm *vm, enum dm_act act, long delta)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;
	int ret;

	(void)act;
	if ((l = begin_layer(vm, &o, &li, &ret)) == NULL)
		return ret;
	l->gap += delta;
	snprintf(what, sizeof what, "gap before layer %ld: %+ld, now %" PRId64
	    " bytes", li, delta, l->gap);
	return vm_commit(vm, o, what);
}

int
vm_edit_transpose_array(struct dm_vm *vm, enum dm_act act, long arg)
{
	const struct dm_array *a;
	struct dm_array_ovr *ao;
	struct dm_ovr *o;
	char what[96];

	(void)act;
	(void)arg;
	if ((a = vm_sel_array(vm)) == NULL)
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

int
vm_edit_clear(struct dm_vm *vm, enum dm_act act, long arg)
{
	int all = act == DM_ACT_CLEAR_ALL;
	struct dm_ovr *o;
	char what[96];
	long li = -1;

	(void)arg;

	if (!all && (li = vm_sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	dm_ovr_clear(o, li);
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

int
vm_apply_repair(struct dm_vm *vm, size_t i)
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
