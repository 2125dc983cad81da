/*
 * vmident.c - the identify screen's model: which cfgs explain the weights
 * file of the pair opened, as darkmap identify says, computed once.
 */
#include "config.h"

#include "vmpriv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify.h"
#include "sketch.h"

struct vm_ident {
	struct dm_catalog *cat;
	struct dm_ident	 id;
	struct dm_sketch sk;
	int		 have_sk;
	char		*text;		/* the report, for the screen */
};

void
vm_ident_free(struct dm_vm *vm)
{
	struct vm_ident *vi = vm->id;

	if (vi == NULL)
		return;
	dm_ident_release(&vi->id);
	if (vi->have_sk)
		dm_sketch_release(&vi->sk);
	dm_catalog_free(vi->cat);
	free(vi->text);
	free(vi);
	vm->id = NULL;
}

/* The catalogue as identify searches it without operands. */
static int
load_catalog(struct dm_catalog *cat, struct dm_error *err)
{
	const char *dirs[4], *env = getenv("DARKMAP_CFG_PATH");
	char *copy, *p, *tok, *save = NULL;
	size_t i, n;

	if (env != NULL) {
		if ((copy = strdup(env)) == NULL)
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		for (p = copy; (tok = strtok_r(p, ":", &save)) != NULL;
		    p = NULL)
			if (dm_catalog_add(cat, tok, DM_DIALECTS_ALL, 0,
			    err) == -1 && err->code == DM_ERR_NOMEM) {
				free(copy);
				return -1;
			}
		free(copy);
		dm_error_clear(err);
	}
	n = dm_catalog_default(dirs, 4);
	for (i = 0; i < n; i++)
		if (dm_catalog_add(cat, dirs[i], DM_DIALECTS_ALL, 0, err) == -1)
			return -1;
	return 0;
}

static int
compute(struct dm_vm *vm, struct dm_error *err)
{
	const char *path = dm_session_weights_path(vm->s);
	struct dm_weights *w;
	struct vm_ident *vi;
	size_t len = 0;
	FILE *fp;
	int rc = -1;

	if ((w = dm_weights_open(path, DM_DIALECT_AB, err)) == NULL)
		return -1;
	if (!w->is_weights) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s", path, w->what);
		dm_weights_close(w);
		return -1;
	}
	if ((vi = calloc(1, sizeof *vi)) == NULL ||
	    (vi->cat = dm_catalog_new()) == NULL) {
		free(vi);
		dm_weights_close(w);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	if (load_catalog(vi->cat, err) == 0 &&
	    dm_identify(w, vi->cat, DM_DIALECTS_ALL, &vi->id, err) == 0) {
		rc = 0;
		if (vi->id.ncands == 0 || !vi->id.cands[0].plausible) {
			if (dm_sketch(w, vi->id.hdr.size, &vi->sk, err) == 0) {
				vi->have_sk = 1;
				dm_ident_compare_sketch(&vi->id, &vi->sk, 5);
			} else
				rc = -1;
		} else if (vi->id.nclosest > 5)
			vi->id.nclosest = 5;
		if (rc == -1)
			dm_ident_release(&vi->id);
	}
	dm_weights_close(w);
	if (rc == 0 && (fp = open_memstream(&vi->text, &len)) != NULL) {
		dm_ident_report(fp, DM_REPORT_TEXT, path, &vi->id, vi->cat,
		    vi->have_sk ? &vi->sk : NULL);
		if (fclose(fp) != 0) {
			free(vi->text);
			vi->text = NULL;
		}
	}
	if (rc == 0 && vi->text == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		dm_ident_release(&vi->id);
		if (vi->have_sk)
			dm_sketch_release(&vi->sk);
		rc = -1;
	}
	if (rc == -1) {
		dm_catalog_free(vi->cat);
		free(vi);
		return -1;
	}
	vm->id = vi;
	return 0;
}

int
vm_identify(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_error err;

	(void)act;
	(void)arg;
	if (dm_session_weights_path(vm->s) == NULL) {
		dm_vm_message(vm, 1, "no weights file to identify");
		return DM_VM_BELL | DM_VM_REDRAW;
	}
	dm_error_clear(&err);
	if (vm->id == NULL && compute(vm, &err) == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_BELL | DM_VM_REDRAW;
	}
	vm->screen = DM_SCREEN_IDENTIFY;
	vm->scroll[DM_PANE_HELP] = 0;
	return DM_VM_REDRAW;
}

const char *
dm_vm_ident_text(const struct dm_vm *vm)
{
	return vm->id != NULL ? vm->id->text : NULL;
}
