/*
 * target_cmd.h - the --target option of inspect and convert: the user's
 * own model, loaded once per run, aligned to the cfg's arrays.
 */
#ifndef DM_TARGET_CMD_H
#define DM_TARGET_CMD_H

#include <stdio.h>

#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "target.h"
#include "vm.h"

/*
 * Loads the target at path for this run; warns on warn when the profile
 * ovr was made for another target.  Returns 0, or -1 with err set.
 */
int	target_open(const char *path, const struct dm_ovr *ovr,
	    const char *profile, FILE *warn, struct dm_error *err);

/* Records the loaded target's identity in a profile about to be saved. */
void	target_record(struct dm_ovr *p);

/*
 * inspect --target: the alignment of net's arrays (all of them, whatever
 * the weights file holds) as JSON or text on out.  Returns 0 when every
 * parameter pairs and can be exported, 1 when not, -1 with err set.
 */
int	target_inspect(FILE *out, int json, const struct dm_net *net,
	    struct dm_error *err);

/* The target of this run, or NULL. */
const struct dm_target *target_loaded(void);

/*
 * convert --target: turns ex (planned in darkmap's scheme) into the
 * target's keys, order, shapes, dtypes and nesting, listing on warn what
 * does not match.  Returns 0, or -1 with err set.
 */
int	target_convert(struct dm_export *ex, int force, FILE *warn,
	    struct dm_error *err);

/* Hands the target of this run, if any, to the interface. */
void	target_show(struct dm_vm *vm);

/* Releases the target of this run. */
void	target_close(void);

#endif /* DM_TARGET_CMD_H */
