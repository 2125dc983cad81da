/*
 * vmtarget.c - the target model in the interface: the alignment of the
 * net as the overrides lay it out (recomputed after each edit, which
 * costs a few milliseconds), the target key of each array, and the
 * prompt that assigns one of the target's unmatched keys to the selected
 * array as a rename override, so that profiles replay it and undo takes
 * it back.
 */
#include "config.h"

#include "vmpriv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"

/* The alignment and what it was computed for. */
struct vm_target {
	const struct dm_target *t;	/* borrowed */
	struct dm_align	*al;		/* NULL: not computed or failed */
	struct dm_export *ex;
	unsigned	 serial;	/* the session's, when computed */
	int		 done;
	size_t		 sel;		/* the prompt's candidate */
};

void
dm_vm_set_target(struct dm_vm *vm, const struct dm_target *t)
{
	vm_target_free(vm);
	if (t == NULL || (vm->tg = calloc(1, sizeof *vm->tg)) == NULL)
		return;
	vm->tg->t = t;
}

void
vm_target_free(struct dm_vm *vm)
{
	if (vm->tg == NULL)
		return;
	dm_align_free(vm->tg->al);
	dm_export_free(vm->tg->ex);
	free(vm->tg);
	vm->tg = NULL;
}

void
vm_target_stale(struct dm_vm *vm)
{
	if (vm->tg != NULL)
		vm->tg->done = 0;
}

/* The alignment in force, computed again after an edit; NULL if none. */
static const struct dm_align *
aligned(const struct dm_vm *vm)
{
	struct vm_target *tg = vm->tg;
	struct dm_error err;

	if (tg == NULL)
		return NULL;
	if (tg->done && tg->serial == dm_session_serial(vm->s))
		return tg->al;
	dm_align_free(tg->al);
	dm_export_free(tg->ex);
	tg->al = NULL;
	tg->ex = NULL;
	dm_error_clear(&err);
	tg->al = dm_align_net(net_of(vm), tg->t, &tg->ex, &err);
	tg->serial = dm_session_serial(vm->s);
	tg->done = 1;
	return tg->al;
}

int
dm_vm_target_pair(const struct dm_vm *vm, size_t ai, const char **key,
    double *conf, unsigned *flags)
{
	const struct dm_align *al = aligned(vm);
	size_t i;

	*key = NULL;
	*conf = 0;
	*flags = 0;
	if (al == NULL)
		return -1;
	for (i = 0; i < al->ex->n; i++) {
		if (al->ex->x[i].array != ai)
			continue;
		if (al->src[i].tgt != SIZE_MAX) {
			*key = al->t->e[al->src[i].tgt].key;
			*conf = al->src[i].conf;
			*flags = al->src[i].flags;
		}
		return 0;
	}
	return 1;		/* not exported: nothing to pair */
}

int
dm_vm_target_flagged(const struct dm_vm *vm, size_t li)
{
	const struct dm_layer *l = &net_of(vm)->layers[li];
	const char *key;
	unsigned flags;
	double conf;
	size_t ai;

	if (aligned(vm) == NULL)
		return 0;
	for (ai = l->first_array; ai < l->first_array + l->narrays; ai++)
		if (dm_vm_target_pair(vm, ai, &key, &conf, &flags) == 0 &&
		    (key == NULL || (flags & DM_AL_FATAL) || conf < DM_AL_LOW))
			return 1;
	return 0;
}

const char *
dm_vm_target_summary(const struct dm_vm *vm, char *buf, size_t len)
{
	const struct dm_align *al = aligned(vm);

	if (vm->tg == NULL)
		return NULL;
	if (al == NULL)
		snprintf(buf, len, "target %s: cannot be aligned",
		    dm_base_name(vm->tg->t->path));
	else
		snprintf(buf, len, "target %s: %zu matched, %zu arrays and "
		    "%zu keys unmatched, %zu mismatched",
		    dm_base_name(vm->tg->t->path), al->nmatched,
		    al->nunmatched_src, al->nunmatched_tgt, al->nfatal);
	return buf;
}

/* Whether target entry j is a candidate for the prompt's text. */
static int
candidate(const struct dm_align *al, size_t j, const char *text)
{
	return al->tgt_skip[j] == NULL && al->tgt_src[j] == SIZE_MAX &&
	    strstr(al->t->e[j].key, text) != NULL;
}

/* The prompt's k-th candidate (from 0), or SIZE_MAX; *n their number. */
static size_t
nth_candidate(const struct dm_vm *vm, size_t k, size_t *n)
{
	const struct dm_align *al = aligned(vm);
	size_t j, found = SIZE_MAX;

	*n = 0;
	if (al == NULL)
		return SIZE_MAX;
	for (j = 0; j < al->t->n; j++) {
		if (!candidate(al, j, vm->prompt.buf))
			continue;
		if (*n == k)
			found = j;
		(*n)++;
	}
	return found;
}

/* The label: the array, the candidate selected and how many match. */
static void
label(struct dm_vm *vm)
{
	const struct dm_array *a = &net_of(vm)->arrays[vm->prompt.array];
	char buf[512];
	size_t n, j;

	if (vm->tg->sel > 0 && nth_candidate(vm, vm->tg->sel, &n) ==
	    SIZE_MAX)
		vm->tg->sel = 0;
	j = nth_candidate(vm, vm->tg->sel, &n);
	snprintf(buf, sizeof buf, "layer %zu %s: target key %zu of %zu: %s",
	    a->layer, a->name, n ? vm->tg->sel + 1 : 0, n, j != SIZE_MAX ?
	    aligned(vm)->t->e[j].key : "(none matches)");
	vm_copy_str(vm->prompt.label, sizeof vm->prompt.label, buf);
}

int
vm_open_target_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	const struct dm_array *a;

	(void)act;
	(void)arg;
	if (vm->tg == NULL) {
		dm_vm_message(vm, 1, "no target model: start darkmap with "
		    "--target MODEL");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if ((a = vm_sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	if (aligned(vm) == NULL) {
		dm_vm_message(vm, 1, "the target cannot be aligned");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	memset(&vm->prompt, 0, sizeof vm->prompt);
	vm->prompt.kind = DM_PROMPT_TARGET;
	vm->prompt.layer = a->layer;
	vm->prompt.array = (size_t)vm->array;
	vm->tg->sel = 0;
	vm->msg[0] = '\0';
	label(vm);
	return DM_VM_REDRAW;
}

int
vm_target_prompt_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_prompt *p = &vm->prompt;
	size_t n, j;

	(void)arg;
	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
		(void)nth_candidate(vm, 0, &n);
		if (n == 0)
			return DM_VM_BELL;
		vm->tg->sel = (vm->tg->sel + (act == DM_ACT_DOWN ? 1 : n - 1))
		    % n;
		label(vm);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
		j = nth_candidate(vm, vm->tg->sel, &n);
		if (j == SIZE_MAX) {
			dm_vm_message(vm, 1, "no unmatched key of the target "
			    "holds '%.60s'", p->buf);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		/* The rename override's text, as the R prompt takes it. */
		vm_copy_str(p->buf, sizeof p->buf, aligned(vm)->t->e[j].key);
		p->len = strlen(p->buf);
		return vm_prompt_accept_rename(vm);
	default:
		return 0;
	}
}

void
vm_target_prompt_edited(struct dm_vm *vm)
{
	vm->tg->sel = 0;
	label(vm);
}
