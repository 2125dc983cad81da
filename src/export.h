/*
 * export.h - turning the ledger into an output file: the tensor plan
 * (keys, shapes, where each tensor's bytes come from) and the writers.
 *
 * A struct dm_export borrows the net and the weights file, which must
 * outlive it; it owns its keys and buffers (dm_export_free()).
 */
#ifndef DM_EXPORT_H
#define DM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net.h"
#include "tensorout.h"
#include "verdict.h"
#include "weights.h"

enum dm_names {
	DM_NAMES_DARKMAP,	/* layers.L[.sub].conv.weight ... */
	DM_NAMES_ULTRALYTICS,	/* module_list.L.Conv2d.weight ... */
	DM_NAMES_ERIKLINDERNOREN, /* module_list.L.conv_L.weight ... */
	DM_NAMES_TIANXIAOMO,	/* models.L.convK.weight ... */
	DM_NAMES_TEMPLATE	/* a user template with placeholders */
};
#define DM_NAMES_COUNT	(DM_NAMES_TEMPLATE + 1)

/*
 * The names of the key schemes, by enum dm_names, in the order they are
 * offered ("darkmap", ..., "template" last): the one list --names, the
 * export dialog and the messages take them from.
 */
extern const char *const dm_names_table[DM_NAMES_COUNT];

enum dm_out_format {
	DM_OUT_PT,
	DM_OUT_SAFETENSORS,
	DM_OUT_NPZ,
	DM_OUT_WEIGHTS
};
#define DM_OUT_NFORMATS	(DM_OUT_WEIGHTS + 1)

/*
 * The names of the output formats, by enum dm_out_format, in the order
 * they are offered ("pt", "safetensors", "npz", "weights"); each is also
 * the format's file name extension.  The one list --format, the export
 * dialog and the messages take them from.
 */
extern const char *const dm_out_format_names[DM_OUT_NFORMATS];

struct dm_export_opts {
	enum dm_out_format format;
	enum dm_names	 names;
	const char	*tmpl;		/* DM_NAMES_TEMPLATE */
	enum dm_dtype	 dtype;		/* F32 or F16 (pt, safetensors, npz) */
	int		 wrap_model;	/* pt: {'model': state_dict, ...} */
	const char	*wrap_key;	/* pt: {wrap_key: state_dict} */
	int		 force;		/* export a file that does not match */
	enum dm_sync	 sync;		/* sync before the rename: atomicfile.h */
	int		 verify;	/* read back before the rename: tensorout.h */
	void		(*progress)(void *, uint64_t, uint64_t);
	void		*pctx;
	/*
	 * If not NULL, read before each chunk: non-zero stops the export
	 * with an error, leaving no file (the progress callback may set
	 * it).
	 */
	const volatile int *cancel;
};

enum dm_src {
	DM_SRC_FILE,		/* float32 at offset, in output order */
	DM_SRC_TRANSPOSE,	/* float32 at offset, stored [cols][rows] */
	DM_SRC_ZERO_I64,	/* num_batches_tracked */
	DM_SRC_MEMORY		/* floats held in mem (anchors) */
};

struct dm_xtensor {
	struct dm_tensor t;
	char		*key;		/* owned; t.key points here */
	enum dm_src	 src;
	uint64_t	 offset;	/* in the weights file */
	uint64_t	 count;		/* float32 elements */
	int		 perm[DM_SHAPE_MAX]; /* DM_SRC_TRANSPOSE: stored axis */
	int		 nperm;		/* order, or 0: stored [rest][first] */
	float		*mem;		/* DM_SRC_MEMORY, or the transpose cache */
	uint64_t	 strip_first;	/* a large 2-D transpose is held in */
	uint64_t	 strip_rows;	/* strips of output rows, 0: whole */
	size_t		 array;		/* index into net->arrays, or SIZE_MAX */
};

struct dm_export {
	const struct dm_net *net;
	struct dm_weights *w;
	struct dm_export_opts opts;
	struct dm_xtensor *x;
	size_t		 n, cap;
	long		 missing_from;	/* first layer not in a partial file */
	char		**missing;	/* keys of the whole cfg's state_dict
					   that the export lacks (absent,
					   omitted or missing layers); owned */
	size_t		 nmissing, capmissing;
	float		*scratch;	/* f16 conversion */
};

/*
 * Plans the export of net's arrays from w (laid out for w's header).  A
 * file whose verdict is not exact is refused unless opts->force, except a
 * partial file, whose present layers are exported.  Errors name the layer
 * a key scheme cannot represent.
 */
struct dm_export *dm_export_plan(const struct dm_net *net, struct dm_weights *w,
		     const struct dm_verdict *v,
		     const struct dm_export_opts *opts, struct dm_error *err);

/* Writes the planned tensors to path atomically, in opts->format. */
int		 dm_export_write(struct dm_export *ex, const char *path,
		     const char *const *inputs, struct dm_error *err);

void		 dm_export_free(struct dm_export *ex);

/* One tensor of a retargeted plan: which planned tensor, and as what. */
struct dm_retarget {
	size_t		 src;		/* index into ex->x */
	const char	*key;		/* copied */
	enum dm_dtype	 dtype;
	int		 ndim;
	uint64_t	 shape[DM_MAX_DIMS]; /* the same number of elements */
	int		 transpose;	/* a 2-D tensor, written transposed */
};

/*
 * Replaces the plan's tensors by the n of r, in that order, each one of
 * the planned tensors (used at most once) under another key, dtype and
 * shape.  A transposed one is read whole into memory here.
 */
int		 dm_export_retarget(struct dm_export *ex,
		     const struct dm_retarget *r, size_t n,
		     struct dm_error *err);

/*
 * The num_batches_tracked key in darkmap's scheme that goes with the
 * rolling_variance array ai ("layers.3.bn.num_batches_tracked").
 */
void		 dm_export_nbt_key(const struct dm_net *net, size_t ai,
		     char *buf, size_t len);

/* IEEE 754 binary32 to binary16, rounding to nearest even. */
uint16_t	 dm_f32_to_f16(float f);

/* binary32 to bfloat16 (its upper half), rounding to nearest even. */
uint16_t	 dm_f32_to_bf16(float f);

/*
 * The key of array ai in darkmap's own scheme, whatever its rename:
 * "layers.L[.sub].module.param".
 */
void		 dm_export_darkmap_key(const struct dm_net *net, size_t ai,
		     char *buf, size_t len);

/*
 * The names scheme for a --names value (a name of dm_names_table but
 * "template", or a template: anything with a '{'); -1 if it is neither.
 */
int		 dm_names_parse(const char *s, enum dm_names *out);

/*
 * The output format called name; with name NULL, the one the extension of
 * path says (".pth" is pt).  -1 if there is none.
 */
int		 dm_out_format_parse(const char *name, const char *path,
		     enum dm_out_format *out);

#endif /* DM_EXPORT_H */
