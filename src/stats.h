/*
 * stats.h - per-tensor statistics, computed while streaming the file, and
 * the plausibility of a tensor for its role.
 */
#ifndef DM_STATS_H
#define DM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net.h"
#include "weights.h"

struct dm_stats {
	uint64_t	 n;		/* finite values counted in mean/std */
	uint64_t	 zeros, nans, infs, subnormals;
	double		 min, max, mean, std;
	int		 valid;		/* the range was inside the file */
};

enum dm_level {
	DM_LEVEL_OK,
	DM_LEVEL_SUSPECT,
	DM_LEVEL_BAD
};

struct dm_check {
	enum dm_level	 level;
	double		 penalty;	/* 0 plausible; >= 100 impossible */
	char		 note[160];
};

/*
 * Statistics of count float32 values at byte offset off of w.  A range
 * that is not wholly inside the file gives valid = 0 and no error.
 */
int		 dm_stats_range(struct dm_weights *w, uint64_t off,
		     uint64_t count, struct dm_stats *st, struct dm_error *err);

/*
 * Statistics of n ranges at once: count[i] floats at byte offset off[i]
 * into st[i], read by as many threads as pay.  Ranges outside the file
 * give valid = 0, as in dm_stats_range().
 */
int		 dm_stats_ranges(struct dm_weights *w, const uint64_t *off,
		     const uint64_t *count, struct dm_stats *st, size_t n,
		     struct dm_error *err);

/*
 * Adds the values summarised by src to dst, as if one range had held
 * both; valid stays set only when both are.
 */
void		 dm_stats_merge(struct dm_stats *dst, const struct dm_stats *src);

/* Judges an array's statistics for its role (BN variance > 0, ...). */
void		 dm_stats_judge(const struct dm_net *net, const struct dm_array *a,
		     const struct dm_stats *st, struct dm_check *c);

/*
 * Statistics and checks of every array of the laid-out net, read at its
 * offset plus shift, into the caller's st and ck of net->narrays entries
 * each (nothing is allocated for the caller).  Arrays not in
 * the file get valid = 0 and penalty 0.  A large net is read by a few
 * threads of its own, with the same results as by one.
 */
int		 dm_stats_net(const struct dm_net *net, struct dm_weights *w,
		     int64_t shift, struct dm_stats *st, struct dm_check *ck,
		     struct dm_error *err);

/*
 * The same with nthreads threads at most, or as many as pay when 0; the
 * results do not depend on it.  For the tests.
 */
int		 dm_stats_net_threads(const struct dm_net *net,
		     struct dm_weights *w, int64_t shift, struct dm_stats *st,
		     struct dm_check *ck, unsigned nthreads,
		     struct dm_error *err);

const char	*dm_level_name(enum dm_level level);

#endif /* DM_STATS_H */
