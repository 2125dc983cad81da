/*
 * target.h - the keys, shapes and dtypes of the user's own model, read
 * from a PyTorch checkpoint, a safetensors file or a keys list.
 *
 * Only the description of the tensors is read, never their data: of a
 * .pt file its data.pkl (through pickle.c, which runs nothing), of a
 * safetensors file its JSON header.  A struct dm_target owns everything
 * it holds (dm_target_free()).
 */
#ifndef DM_TARGET_H
#define DM_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DM_TARGET_MAX_DIMS	8
/* The largest data.pkl read: a state_dict of 100000 tensors fits. */
#define DM_TARGET_PKL_MAX	((uint64_t)64 << 20)

enum dm_target_kind {
	DM_TARGET_PT,
	DM_TARGET_SAFETENSORS,
	DM_TARGET_KEYS
};

struct dm_tentry {
	char		*key;		/* owned */
	char		 dtype[16];	/* torch's name: "float32", "int64" */
	int		 tensor;	/* 0: a plain value (an int, a str) */
	int		 ndim;
	uint64_t	 shape[DM_TARGET_MAX_DIMS];
};

struct dm_target {
	char		*path;
	enum dm_target_kind kind;
	/* The key of the checkpoint dict holding the state_dict, or NULL. */
	char		*nest;
	struct dm_tentry *e;		/* in state_dict order */
	size_t		 n;
	/* Identity: "fnv1a64:<hex>" of every key, shape and dtype. */
	char		 hash[32];
};

/*
 * Reads the target at path.  A .pt may hold the state_dict itself or a
 * dict holding it under model, state_dict, model_state_dict, net or ema.
 * Errors name the file (and, inside a .pt, the member and byte offset):
 * DM_ERR_INVALID for a refused or malformed file, DM_ERR_IO.
 */
struct dm_target *dm_target_load(const char *path, struct dm_error *err);

void		 dm_target_free(struct dm_target *t);

/* "pt", "safetensors" or "keys". */
const char	*dm_target_kind_name(enum dm_target_kind kind);

/*
 * Parses what is inside a .pt's data.pkl into t (the unit the fuzzer
 * drives); name is used in messages.
 */
int		 dm_target_from_pickle(struct dm_target *t, const char *name,
		     const uint8_t *buf, size_t len, struct dm_error *err);

#endif /* DM_TARGET_H */
