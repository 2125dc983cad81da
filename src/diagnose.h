/*
 * diagnose.h - why a weights file does not fit its cfg, and what single
 * change would make it fit.
 *
 * dm_diagnose() reads the file (twice or three times at most: the layout
 * as it stands, and shifted by the size difference or the other header
 * size), scores each array's plausibility, and ranks the repairs that make
 * the sizes agree: another header size, junk after the data, a file cut
 * after a layer, extra bytes before a layer, a missing layer, or a YOLO
 * head trained for another class count.  A struct dm_diag owns its arrays
 * and the repairs' overrides (dm_diag_release()).
 */
#ifndef DM_DIAGNOSE_H
#define DM_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net.h"
#include "override.h"
#include "stats.h"
#include "weights.h"

enum dm_hyp_kind {
	DM_H_HEADER,		/* the other header size */
	DM_H_DATA_END,		/* junk appended after the data */
	DM_H_CUTOFF,		/* the file ends cleanly after a layer */
	DM_H_GAP,		/* extra bytes before a layer */
	DM_H_MISSING,		/* a layer's arrays are not in the file */
	DM_H_CLASSES		/* a YOLO head for another class count */
};

struct dm_hyp {
	enum dm_hyp_kind kind;
	long		 layer;		/* the layer concerned, or -1 */
	long		 layer_lo;	/* GAP: the earliest layer that fits */
	int64_t		 value;		/* header size, bytes, classes */
	double		 penalty;	/* plausibility of the data read so */
	double		 cost;		/* penalty + the change's complexity */
	char		 text[512];
	struct dm_ovr	*ovr;		/* the repair: base + this change */
};

struct dm_diag {
	struct dm_stats	*st;		/* per array, as laid out */
	struct dm_check	*ck;
	enum dm_level	*layer_level;	/* per layer */
	long		 first_bad;	/* first layer with a bad array, -1 */
	long		 first_suspect;	/* first suspicious layer, -1 */
	int64_t		 size_diff;	/* file (to data_end) minus expected */
	struct {
		unsigned size;
		int	 fits;
		double	 penalty;
		int	 scored;
	}		 headers[2];	/* 16 and 20 */
	struct dm_hyp	*hyps;		/* best first */
	size_t		 nhyps;
	int		 fit;		/* hyps[0] is a plausible repair */
	char		 summary[600];
};

/*
 * Diagnoses w against net, laid out with base (which may be NULL) for w's
 * header.  stats_only: compute statistics and checks, no repairs.  net is
 * laid out again (as base says) and left so.  d is the caller's and holds
 * allocations afterwards: dm_diag_release() it after a success; after a
 * failure it is already released.
 */
int		 dm_diagnose(struct dm_net *net, struct dm_weights *w,
		     const struct dm_ovr *base, int stats_only,
		     struct dm_diag *d, struct dm_error *err);

void		 dm_diag_release(struct dm_diag *d);

const char	*dm_hyp_name(enum dm_hyp_kind kind);

#endif /* DM_DIAGNOSE_H */
