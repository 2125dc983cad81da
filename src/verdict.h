/*
 * verdict.h - the verdict of a weights file's size against the layout its
 * cfg implies.
 */
#ifndef DM_VERDICT_H
#define DM_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "weights.h"

enum dm_verdict_kind {
	DM_V_NONE,		/* no weights file given */
	DM_V_EXACT,		/* the file holds exactly the cfg's arrays */
	DM_V_PARTIAL,		/* ends cleanly after some layer */
	DM_V_TRUNCATED,		/* ends inside an array */
	DM_V_TRAILING,		/* bytes left after the last array */
	DM_V_UNALIGNED,		/* data is not a whole number of floats */
	DM_V_NOT_WEIGHTS	/* not a weights file at all */
};

struct dm_verdict {
	enum dm_verdict_kind kind;
	long		 layer;		/* first missing layer, or -1 */
	long		 array;		/* index into net->arrays, or -1 */
	uint64_t	 bytes;		/* missing or extra bytes */
	long		 layers_present; /* layers whose arrays are all there */
	char		 message[1024];
};

/* The verdict's name as used in JSON ("exact", "truncated", ...). */
const char	*dm_verdict_name(enum dm_verdict_kind kind);

/*
 * The first present array of a laid-out net that does not end by byte end
 * (the file ends before or inside it), or -1.
 */
long		 dm_first_array_past(const struct dm_net *net, uint64_t end);

/*
 * Compares a laid-out net (dm_net_layout() with the file's header size)
 * with the file w (NULL: DM_V_NONE).
 */
void		 dm_verdict_compute(const struct dm_net *net,
		     const struct dm_weights *w, struct dm_verdict *v);

#endif /* DM_VERDICT_H */
