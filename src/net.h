/*
 * net.h - a Darknet network as Darknet's own parser builds it: every
 * layer's shapes, and the ledger of parameter arrays the .weights file
 * holds for it, in file order.
 *
 * A struct dm_net owns its cfg, layers, arrays and warnings; dm_net_free()
 * releases all of them.  Pointers into layers[], arrays[] and warnings[]
 * stay valid until then.
 */
#ifndef DM_NET_H
#define DM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "error.h"
#include "ltype.h"

/* What an array is, whatever the sub-layer it belongs to. */
enum dm_role {
	DM_ROLE_BIASES,
	DM_ROLE_SCALES,
	DM_ROLE_ROLLING_MEAN,
	DM_ROLE_ROLLING_VARIANCE,
	DM_ROLE_WEIGHTS
};

/* The kind of block an array belongs to, which fixes its PyTorch meaning. */
enum dm_block {
	DM_BLOCK_CONV,		/* Conv2d (+ BatchNorm2d) */
	DM_BLOCK_DECONV,	/* ConvTranspose2d (+ BatchNorm2d) */
	DM_BLOCK_CONNECTED,	/* Linear (+ BatchNorm1d) */
	DM_BLOCK_LOCAL,		/* locally connected */
	DM_BLOCK_BATCHNORM,	/* standalone BatchNorm2d */
	DM_BLOCK_SHORTCUT,	/* weighted shortcut */
	DM_BLOCK_IMPLICIT	/* implicit knowledge */
};

enum dm_array_flags {
	DM_ARRAY_FLIPPED = 1 << 0,	/* conv weights stored [(c/g)*k*k][n] */
	DM_ARRAY_TRANSPOSABLE = 1 << 1	/* connected weights: the header's
					   transpose flag applies */
};

enum dm_layout_mode {
	DM_LAYOUT_LOAD,		/* what Darknet's load_weights() reads */
	DM_LAYOUT_SAVE		/* what Darknet's save_weights() writes */
};

#define DM_ARRAY_NAME_MAX 40
#define DM_LAYER_ARRAYS_MAX 64	/* the most arrays a layer has */
#define DM_SHAPE_MAX 5
#define DM_OFFSET_NONE UINT64_MAX

struct dm_array {
	size_t		 layer;			/* index into net->layers */
	char		 name[DM_ARRAY_NAME_MAX]; /* "weights", "wf.scales" */
	char		 sub[24];		/* sub-layer, "" for none */
	enum dm_role	 role;
	enum dm_block	 block;
	unsigned	 flags;
	uint64_t	 load_count;		/* floats load_weights() reads */
	uint64_t	 save_count;		/* floats save_weights() writes */
	int		 ndim;
	uint64_t	 shape[DM_SHAPE_MAX];	/* PyTorch order, save count */

	/* Set by dm_net_layout() for the chosen mode and overrides. */
	uint64_t	 count;			/* floats in the file */
	uint64_t	 offset;		/* DM_OFFSET_NONE when not in it */
	uint64_t	 cur_shape[DM_SHAPE_MAX]; /* PyTorch shape */
	int		 omit;			/* in the file, not exported */
	const char	*rename;		/* exported key, or NULL */
	int		 perm[DM_SHAPE_MAX];	/* stored axis order, or */
	int		 nperm;			/* 0: stored as cur_shape */
};

struct dm_layer {
	size_t		 index;
	enum dm_ltype	 type;
	struct dm_section *sect;	/* borrowed from net->cfg */
	int		 line;
	char		 label[40];	/* section name, printable */

	/* Darknet's l.w, l.h, l.c, l.inputs. */
	int		 in_w, in_h, in_c, inputs;
	/* The layer's own l.out_w ... l.outputs (what route reads). */
	int		 out_w, out_h, out_c, outputs;
	/* What the parser hands to the next layer. */
	int		 next_w, next_h, next_c, next_inputs;

	/* A few parameters worth showing. */
	int		 filters, size, stride_x, stride_y, pad, groups;
	int		 batch_normalize;
	int		 classes;
	int		 refs[8];	/* route/shortcut/... inputs */
	int		 nrefs;		/* may exceed 8; refs then truncated */
	int		 dontload, dontloadscales, dontsave, numload;

	size_t		 first_array;
	size_t		 narrays;
};

struct dm_net {
	struct dm_cfg	*cfg;
	enum dm_dialect	 dialect;
	int		 w, h, c, inputs;
	struct dm_layer	*layers;
	size_t		 nlayers;
	struct dm_array	*arrays;
	size_t		 narrays;
	size_t		 caparrays;
	char		**warnings;	/* about layers, "file:line: layer
					   N [type]: ..."; the array and
					   each string owned */
	int		*warning_lines;	/* each one's layer's line; owned */
	size_t		 nwarnings;
	size_t		 capwarnings;	/* room in both arrays */
	struct dm_layer	*unloadable;	/* a layer Darknet cannot load */

	/* Set by dm_net_layout(). */
	const struct dm_ovr *ovr;	/* borrowed, may be NULL */
	int		 transpose;	/* connected weights stored [in][out] */
	uint64_t	 data_end;	/* bytes after it ignored, or UINT64_MAX */
	enum dm_layout_mode mode;
	uint64_t	 header_size;
	uint64_t	 total_floats;
	uint64_t	 total_bytes;	/* header + every array */
};

/*
 * Builds the network from a parsed cfg, taking ownership of cfg (freed on
 * failure too).  Errors name the file, line and layer.
 */
struct dm_net	*dm_net_build(struct dm_cfg *cfg, struct dm_error *err);

/* dm_cfg_load() + dm_net_build(). */
struct dm_net	*dm_net_load(const char *path, enum dm_dialect dialect,
		     struct dm_error *err);

void		 dm_net_free(struct dm_net *net);

/*
 * Lays the arrays out after a header of header_size bytes, in mode order,
 * setting each array's count, offset and cur_shape and the net's totals.
 * Fails only on overflow.
 */
int		 dm_net_layout(struct dm_net *net, uint64_t header_size,
		     enum dm_layout_mode mode, struct dm_error *err);

struct dm_ovr;

/*
 * The same, applying the overrides of ovr (which may be NULL and is
 * borrowed until the next layout): layers absent, cut off, moved or
 * preceded by a gap, arrays reordered, recounted, reshaped, transposed or
 * renamed.  transpose is the header's flag, which ovr may override.  An
 * error about an entry read from a profile names the profile and the line
 * (dm_ovr_locate()).
 */
int		 dm_net_layout_ovr(struct dm_net *net, uint64_t header_size,
		     enum dm_layout_mode mode, int transpose,
		     const struct dm_ovr *ovr, struct dm_error *err);

/* Whether array i is in the file (laid out) and exported. */
int		 dm_array_present(const struct dm_array *a);

/*
 * The class count the layout gives the first YOLO-type head whose count
 * differs from its cfg's (dm_layer_shown()), or -1 when none does.
 */
int		 dm_net_shown_classes(const struct dm_net *net);

/*
 * The output channels and class count of layer li as the arrays are laid
 * out: a convolution whose biases are recounted (by a class-count repair)
 * has that many filters, and the YOLO-type head after it that many
 * channels and the classes they make; otherwise the cfg's (next_c,
 * classes).
 */
void		 dm_layer_shown(const struct dm_net *net, size_t li, int *c,
		     int *classes);

/* Darknet's name of a layer type ("convolutional", "Gaussian_yolo"). */
const char	*dm_ltype_name(enum dm_ltype type);

/* The array name of a role ("biases", "rolling_mean"). */
const char	*dm_role_name(enum dm_role role);

/* Whether the layouts of load and save differ (dontload and friends). */
int		 dm_net_asymmetric(const struct dm_net *net);

#endif /* DM_NET_H */
