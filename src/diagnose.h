/*
 * diagnose.h - why a weights file does not fit its cfg, and what single
 * change would make it fit.
 *
 * dm_diagnose() reads the file (twice or three times at most: the layout
 * as it stands, and shifted by the size difference or the other header
 * size), scores each array's plausibility, and ranks the repairs that make
 * the sizes agree: another header size, junk after the data, a file cut
 * after a layer, extra bytes before a layer, a missing layer, a YOLO
 * head trained for another class count, a layer's arrays stored in
 * another order, or, for a file cut inside an array, keeping the whole
 * layers before the cut (a lossy salvage).  A struct dm_diag owns its
 * arrays and the repairs' overrides (dm_diag_release()).
 *
 * Repairs whose data penalties differ by less than DM_TIE_MARGIN cannot
 * be told apart by the data: they tie.  The margin is the smallest
 * penalty a finding of the checks costs (a channel of zero variance, 1):
 * a smaller difference comes only from the outlier check's excess over
 * its threshold, which is within the spread trained weights show by
 * chance.  When the best repair ties with another, the diagnosis is
 * ambiguous, and no repair is chosen for the user.
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

#define DM_TIE_MARGIN	1.0	/* penalties closer than this tie */
#define DM_ABSURD	1000.0	/* the penalty of an absurd repair */

enum dm_hyp_kind {
	DM_H_HEADER,		/* the other header size */
	DM_H_DATA_END,		/* junk appended after the data */
	DM_H_CUTOFF,		/* the file ends cleanly after a layer */
	DM_H_GAP,		/* extra bytes before a layer */
	DM_H_MISSING,		/* a layer's arrays are not in the file */
	DM_H_CLASSES,		/* a YOLO head for another class count */
	DM_H_ORDER,		/* a layer's arrays in another order */
	DM_H_SALVAGE,		/* keep the whole layers before a cut */
	DM_H_TRANSPOSE		/* connected weights in the other axis order */
};

/* A repair whose data reads with a lower penalty than this fits. */
#define DM_FIT_PENALTY	100

struct dm_hyp {
	enum dm_hyp_kind kind;
	long		 layer;		/* the layer concerned, or -1 */
	long		 layer_lo;	/* GAP: the earliest layer that fits */
	int64_t		 value;		/* header size, bytes, classes */
	double		 penalty;	/* plausibility of the data read so */
	double		 cost;		/* penalty + the change's complexity */
	int		 lossy;		/* drops data the file holds */
	int		 misfit;	/* ORDER: arrays outside their role's
					   range, the tie-breaker; else -1 */
	size_t		*ties;		/* indices of the repairs it ties with */
	size_t		 nties;
	char		 text[512];
	char		 why[256];	/* how a tie with it was broken */
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
	}		 headers[2];	/* DM_HEADER_SHORT and _LONG */
	struct dm_hyp	*hyps;		/* best first */
	size_t		 nhyps;
	int		 fit;		/* hyps[0] is a plausible repair and
					   not lossy */
	int		 ambiguous;	/* fit, and hyps[0] ties with another */
	int		 other_net;	/* the data reads badly from an early
					   layer and nothing explains it */
	char		 tie_note[300];	/* ambiguous: whether any statistic
					   can tell the tied repairs apart */
	char		 summary[800];
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

/*
 * "layer 29 or 30", "layers 4, 5 or 6", or "repair 1 or 2": the repairs
 * that tie with hyps[i], hyps[i] first, for messages.
 */
void		 dm_diag_tied(const struct dm_diag *d, size_t i, char *buf,
		     size_t len);

/*
 * Whether a repair changes the cfg (a class count): then the corrected
 * cfg can be written with dm_cfg_write_fixed().
 */
int		 dm_hyp_changes_cfg(const struct dm_hyp *h);

/*
 * Writes net's cfg with the repair h applied to path (atomically): the
 * original text, each changed or added line preceded by a comment saying
 * what it was.  net is the net the diagnosis was made on.
 */
int		 dm_hyp_write_cfg(const struct dm_net *net,
		     const struct dm_hyp *h, const char *path,
		     struct dm_error *err);

/*
 * The same for a class count: net's cfg with every YOLO-type head set to
 * `classes' and the convolution before it given the filters that needs.
 * The class count the layout implies is dm_net_shown_classes()'s.
 */
int		 dm_cfg_write_classes(const struct dm_net *net, int classes,
		     const char *path, struct dm_error *err);

#endif /* DM_DIAGNOSE_H */
