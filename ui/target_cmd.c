/*
 * target_cmd.c - what --target does in inspect and convert.
 */
#include "config.h"

#include "target_cmd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "target.h"

/* The target of this run (a command loads at most one). */
static struct dm_target *target;

int
target_open(const char *path, const struct dm_ovr *ovr, const char *profile,
    FILE *warn, struct dm_error *err)
{
	if ((target = dm_target_load(path, err)) == NULL)
		return -1;
	if (ovr != NULL && profile != NULL && ovr->target_hash != NULL &&
	    strcmp(ovr->target_hash, target->hash) != 0)
		fprintf(warn, "darkmap: warning: %s was made for the target "
		    "%s, whose keys and shapes differ from %s's\n", profile,
		    ovr->target != NULL ? ovr->target : "(unnamed)", path);
	if (target->nest != NULL)
		fprintf(warn, "darkmap: %s: the state_dict is the checkpoint's "
		    "'%s'\n", path, target->nest);
	return 0;
}

void
target_record(struct dm_ovr *p)
{
	if (target == NULL)
		return;
	free(p->target);
	free(p->target_hash);
	p->target = strdup(dm_base_name(target->path));
	p->target_hash = strdup(target->hash);
}

void
target_show(struct dm_vm *vm)
{
	char buf[256];

	dm_vm_set_target(vm, target);
	if (dm_vm_target_summary(vm, buf, sizeof buf) != NULL)
		dm_vm_message(vm, 0, "%s", buf);
}

void
target_close(void)
{
	dm_target_free(target);
	target = NULL;
}

int
target_inspect(FILE *out, int json, const struct dm_net *net,
    struct dm_error *err)
{
	struct dm_export *ex;
	struct dm_align *al;
	int rc;

	if ((al = dm_align_net(net, target, &ex, err)) == NULL)
		return -1;
	rc = json ? dm_align_json(out, al) : dm_align_text(out, al);
	if (rc == 0)
		rc = dm_align_complete(al) ? 0 : 1;
	else
		dm_error_set(err, DM_ERR_IO, "write error on standard output");
	dm_align_free(al);
	dm_export_free(ex);
	return rc;
}

const struct dm_target *
target_loaded(void)
{
	return target;
}

int
target_convert(struct dm_export *ex, int force, FILE *warn,
    struct dm_error *err)
{
	struct dm_align *al;
	size_t i;
	int rc;

	if ((al = dm_align_new(ex->net, ex, target, err)) == NULL)
		return -1;
	if (!dm_align_complete(al) || al->nskipped > 0 ||
	    al->nreshaped > 0)
		dm_align_problems(warn, al, 40);
	rc = dm_align_apply(al, ex, force, err);
	if (rc == 0 && al->ntied > 0)
		fprintf(warn, "darkmap: warning: --force: %zu pairs tied "
		    "with another alignment were written as aligned, which "
		    "may be shifted (the lines starting tied above)\n",
		    al->ntied);
	dm_align_free(al);
	if (rc == -1)
		return -1;
	if (ex->opts.format == DM_OUT_NPZ)
		for (i = 0; i < ex->n; i++)
			if (ex->x[i].t.dtype == DM_DTYPE_BF16)
				return dm_error_set(err, DM_ERR_UNSUPPORTED,
				    "%s: '%s' is bfloat16, which .npz cannot "
				    "hold (numpy has no bfloat16): write .pt "
				    "or .safetensors", target->path,
				    ex->x[i].key);
	if (ex->opts.format == DM_OUT_PT)
		ex->opts.wrap_key = target->nest;
	return 0;
}
