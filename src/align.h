/*
 * align.h - matching darkmap's tensors to a target model's.
 *
 * The tensors darkmap exports (its own scheme, in file order) are grouped
 * into units, one per PyTorch module: a convolution's weight (and bias
 * when it has no batch norm), a batch norm's weight, bias, running_mean,
 * running_var and num_batches_tracked.  The target's keys are grouped the
 * same way by their module path.  The two sequences of units are then
 * aligned as a diff aligns lines, by shape and order, with a small bonus
 * when the target's key carries the Darknet layer index: layers missing
 * on either side are left unmatched, a [connected] stored transposed, the
 * same elements in another shape and a head for another class count are
 * matched and flagged.  Each matched tensor gets a confidence.  A pair
 * that another alignment of the same score pairs otherwise (a missing
 * layer among identical ones) is flagged tied, under DM_AL_LOW.
 *
 * A struct dm_align borrows the net, the export plan and the target,
 * which must outlive it; dm_align_free() releases what it owns.
 */
#ifndef DM_ALIGN_H
#define DM_ALIGN_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "export.h"
#include "net.h"
#include "target.h"

enum dm_align_flags {
	DM_AL_CLASSES = 1 << 0,	   /* a head for another class count */
	DM_AL_TRANSPOSED = 1 << 1, /* the target holds the matrix [in][out] */
	DM_AL_RESHAPED = 1 << 2,   /* the same elements in another shape,
				      in order */
	DM_AL_SHAPE = 1 << 3,	   /* another shape, not a reshape */
	DM_AL_DTYPE = 1 << 4,	   /* a dtype darkmap cannot write */
	DM_AL_RENAMED = 1 << 5,	   /* assigned by a rename override */
	DM_AL_TIED = 1 << 6	   /* another alignment scores the same */
};

/* Flags that make a pair impossible to export. */
#define DM_AL_FATAL	(DM_AL_CLASSES | DM_AL_SHAPE | DM_AL_DTYPE)

/* Pairs under this confidence are flagged as uncertain. */
#define DM_AL_LOW	0.7

/* The confidence of a pair another alignment as good pairs otherwise. */
#define DM_AL_TIED_CONF	0.4

struct dm_apair {
	size_t		 tgt;		/* target entry, or SIZE_MAX */
	double		 conf;		/* 0..1 */
	unsigned	 flags;
	size_t		 alt;		/* DM_AL_TIED: the target entry the
					   other alignment gives, or SIZE_MAX
					   when it leaves the array out */
};

struct dm_align {
	const struct dm_net *net;
	const struct dm_export *ex;
	const struct dm_target *t;
	struct dm_apair	*src;		/* one per ex->x[] */
	size_t		*tgt_src;	/* one per t->e[]: source or SIZE_MAX */
	const char	**tgt_skip;	/* why an entry is no parameter, or
					   NULL (static strings) */
	char		 prefix[64];	/* the common key prefix, or "" */
	int		 file_classes;	/* of a mismatched head, or -1 */
	int		 target_classes;
	size_t		 nmatched;
	size_t		 nunmatched_src;
	size_t		 nunmatched_tgt;	/* parameters only */
	size_t		 nfatal;	/* pairs with a DM_AL_FATAL flag */
	size_t		 ntied;		/* pairs with DM_AL_TIED */
	size_t		 nreshaped;	/* exportable pairs reshaped or
					   transposed */
	size_t		 nskipped;	/* target entries left out */
};

/*
 * Aligns the tensors of ex (planned with DM_NAMES_DARKMAP) to those of t.
 * An array renamed (rename override) to one of t's keys is paired with it
 * whatever the shapes say.  Returns NULL with err set on failure (out of
 * memory, or models too large to align).
 */
struct dm_align	*dm_align_new(const struct dm_net *net,
		     const struct dm_export *ex, const struct dm_target *t,
		     struct dm_error *err);

void		 dm_align_free(struct dm_align *al);

/*
 * The alignment of every array net lays out, whatever a weights file
 * holds (the plan reads no data), to t: *ex receives the plan it
 * borrows, to be freed with dm_export_free() after the alignment.
 */
struct dm_align	*dm_align_net(const struct dm_net *net,
		     const struct dm_target *t, struct dm_export **ex,
		     struct dm_error *err);

/*
 * Whether every parameter on both sides is paired, exportable and not
 * tied with another alignment.
 */
int		 dm_align_complete(const struct dm_align *al);

/*
 * Writes the alignment as JSON (see darkmap(1), inspect --target) or as
 * a text table.
 */
int		 dm_align_json(FILE *fp, const struct dm_align *al);
int		 dm_align_text(FILE *fp, const struct dm_align *al);

/*
 * Lists on fp what keeps the export from loading: unmatched keys on both
 * sides, mismatched pairs with the reason, at most max lines of each;
 * then the pairs exported reshaped or transposed.
 */
void		 dm_align_problems(FILE *fp, const struct dm_align *al,
		     size_t max);

/*
 * Turns the export plan into the target's: its parameter keys in its
 * order, shapes and dtypes.  Pairs that cannot be exported and unmatched
 * keys are an error, or with force left out.
 */
int		 dm_align_apply(const struct dm_align *al, struct dm_export *ex,
		     int force, struct dm_error *err);

#endif /* DM_ALIGN_H */
