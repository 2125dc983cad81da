/*
 * pickle.h - a reader of the pickles torch.save() writes for a state_dict,
 * and of nothing else.
 *
 * It is an interpreter of a small subset of pickle protocol 2 that builds
 * plain values (None, bools, ints, floats, strings, tuples, lists, dicts)
 * and stands in for the few callables a state_dict names: an OrderedDict
 * becomes a dict, torch._utils._rebuild_tensor_v2() a tensor descriptor
 * (dtype and shape, never its data), a persistent id a storage reference.
 * It never imports, calls or executes anything: every other global, and
 * every REDUCE, BUILD or opcode outside the subset, is refused with a
 * message naming the input and the byte offset.  Memo indices, the stack,
 * marks, the number of values and the nesting of containers are bounded:
 * a value costs about 150 bytes whatever its kind, so the values of a
 * hostile pickle take at most DM_PKL_MAX_VALUES of them (about 40 MB),
 * its strings and containers' items a few times its own size.  A
 * state_dict needs a few values per key: 262,144 values hold tens of
 * thousands of tensors.
 *
 * A struct dm_pkl owns every value it holds (dm_pkl_free()); values are
 * addressed by index and stay valid until then.
 */
#ifndef DM_PICKLE_H
#define DM_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DM_PKL_MAX_DIMS		8	/* a tensor's dimensions */
#define DM_PKL_MAX_DEPTH	64	/* containers inside containers */
#define DM_PKL_MAX_MARKS	256	/* open MARKs */
#define DM_PKL_MAX_MEMO		(1u << 20)	/* memo indices below this */
#define DM_PKL_MAX_VALUES	(1u << 18)	/* values in one pickle */

enum dm_pv_kind {
	DM_PV_NONE,
	DM_PV_BOOL,
	DM_PV_INT,
	DM_PV_FLOAT,
	DM_PV_STR,
	DM_PV_TUPLE,
	DM_PV_LIST,
	DM_PV_DICT,		/* dict or OrderedDict, in insertion order */
	DM_PV_GLOBAL,		/* one of the allowed callables */
	DM_PV_STORAGE,		/* a persistent id: ('storage', ...) */
	DM_PV_TENSOR		/* _rebuild_tensor_v2(...) */
};

struct dm_pv {
	enum dm_pv_kind	 kind;
	uint8_t		 nested;	/* inside a container: frozen */
	uint8_t		 depth;		/* containers below, 0 for a leaf */
	int		 global;	/* DM_PV_GLOBAL: which (pickle.c) */
	int64_t		 i;		/* BOOL, INT; STORAGE: numel */
	double		 f;
	char		*s;		/* STR (NUL-terminated copy, len bytes);
					   STORAGE, TENSOR: the dtype name */
	size_t		 len;
	uint32_t	*items;		/* TUPLE, LIST; DICT: key, value... */
	size_t		 nitems;	/* entries in items */
	size_t		 capitems;
	int		 ndim;		/* TENSOR */
	uint64_t	 shape[DM_PKL_MAX_DIMS];
};

struct dm_pkl {
	struct dm_pv	*v;
	size_t		 nv, capv;
	uint32_t	 root;		/* the value STOP returned */
};

/*
 * Interprets the pickle buf[0..len), calling it name in messages ("x.pt:
 * archive/data.pkl").  Returns a new struct dm_pkl, or NULL with err set
 * (DM_ERR_INVALID for a refused or malformed pickle, DM_ERR_NOMEM).
 */
struct dm_pkl	*dm_pkl_read(const char *name, const uint8_t *buf, size_t len,
		     struct dm_error *err);

void		 dm_pkl_free(struct dm_pkl *p);

/* The value at index i. */
static inline const struct dm_pv *
dm_pkl_get(const struct dm_pkl *p, uint32_t i)
{
	return &p->v[i];
}

#endif /* DM_PICKLE_H */
