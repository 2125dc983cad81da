/*
 * diagjob.h - the diagnosis of a session, run in a thread of its own.
 *
 * dm_diagnose() reads the whole weights file, which takes seconds on a
 * big one, so the interface runs it in a thread with a net and a file
 * handle of its own: the session's net can be laid out again while the
 * thread reads.  A request made while a run is under way cancels that
 * run: its file handle is revoked (the descriptor is pointed at
 * /dev/null, so that its next read fails at once) and its result is
 * dropped, so that an edit never waits for a stale diagnosis.
 *
 * The job owns everything it holds; dm_diagjob_stop() lets go of it
 * without waiting for a run under way (the thread frees the job when the
 * run ends).  Results are the caller's once collected.
 */
#ifndef DM_DIAGJOB_H
#define DM_DIAGJOB_H

#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"
#include "net.h"
#include "override.h"

struct dm_diagjob;

/*
 * Starts the thread for the cfg and weights file at the paths, read for
 * dialect; the net it loads must have narrays arrays (the cfg did not
 * change on disk).  NULL when the thread cannot start.
 */
struct dm_diagjob *dm_diagjob_start(const char *cfg_path,
		     const char *weights_path, enum dm_dialect dialect,
		     size_t narrays);

/*
 * Asks for the diagnosis of the net laid out with ovr (taken), header,
 * mode and transpose, tagged serial; cancels a run under way.
 */
void		 dm_diagjob_request(struct dm_diagjob *job, unsigned serial,
		     struct dm_ovr *ovr, uint64_t header,
		     enum dm_layout_mode mode, int transpose);

/*
 * Collects the result of the request tagged serial: 1 when it is in
 * (*rc 0 with d filled, the caller's to release, or -1 with the error in
 * errbuf), 0 when it is not in yet.  Results of other requests are
 * dropped.  *busy says whether a request is still queued or running.
 */
int		 dm_diagjob_collect(struct dm_diagjob *job, unsigned serial,
		     int *rc, struct dm_diag *d, char *errbuf, size_t errlen,
		     int *busy);

/*
 * Whether a run is under way, reading the file; *ncancelled, if not NULL,
 * gets how many runs were cancelled so far.
 */
int		 dm_diagjob_running(struct dm_diagjob *job, unsigned *ncancelled);

/*
 * For the tests: while on is 1, a run that has opened the file waits
 * before it reads, seen running, until the hold is lifted, its handle is
 * revoked or the job stops; so a test can cancel a run under way however
 * fast the machine reads.
 */
void		 dm_diagjob_hold(struct dm_diagjob *job, int on);

/* Stops the thread; a run under way is cancelled and not waited for. */
void		 dm_diagjob_stop(struct dm_diagjob *job);

#endif /* DM_DIAGJOB_H */
