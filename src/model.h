/*
 * model.h - a standalone PyTorch model for a laid-out net: one Python file
 * whose DarknetModel computes Darknet's inference forward and whose
 * state_dict is the one `convert --names darkmap' writes for the same cfg,
 * overrides and profile.
 *
 * The net is borrowed; the text returned by dm_model_text() is the
 * caller's to free.
 */
#ifndef DM_MODEL_H
#define DM_MODEL_H

#include <stddef.h>

#include "atomicfile.h"
#include "error.h"
#include "net.h"

/*
 * The Python source of the model of net (laid out, with its overrides), in
 * a new NUL-terminated buffer of *len bytes.  A layer the model cannot
 * compute exactly as Darknet does is refused (DM_ERR_UNSUPPORTED) with
 * the cfg, its line and the layer.
 */
char		*dm_model_text(const struct dm_net *net, size_t *len,
		     struct dm_error *err);

/*
 * Writes the model of net to path atomically (src/atomicfile.c); inputs
 * (NULL-terminated, may be NULL) are files path must not be.
 */
int		 dm_model_write(const struct dm_net *net, const char *path,
		     const char *const *inputs, enum dm_sync sync,
		     struct dm_error *err);

#endif /* DM_MODEL_H */
