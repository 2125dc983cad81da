/*
 * diagjob.c - the diagnosis in a thread of its own, cancellable.
 *
 * Requests and results pass under mu.  The thread owns its net, its
 * weights handle and the overrides the net is laid out with; only the
 * descriptor of a run under way (live_fd) is touched from outside, and
 * only under mu, to revoke it: the thread never closes a descriptor
 * before it has cleared live_fd under mu, so that the number cannot be
 * reused under the revocation.  The last of the session and the thread to
 * let go of the job frees it.
 */
#include "config.h"

#include "diagjob.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weights.h"

struct dm_diagjob {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 quit;
	int		 busy;
	int		 detached;	/* the thread frees the job */
	int		 devnull;	/* what a revoked descriptor reads */
	int		 live_fd;	/* the run's weights descriptor, -1 */
	int		 cancelled;	/* the run's handle was revoked */
	unsigned	 ncancelled;	/* runs cancelled so far */
	int		 hold;		/* runs wait before they read */

	int		 have_req;
	unsigned	 req_serial;
	struct dm_ovr	*req_ovr;
	uint64_t	 req_header;
	enum dm_layout_mode req_mode;
	int		 req_transpose;

	int		 have_res;
	unsigned	 res_serial;
	int		 res_rc;
	struct dm_diag	 res;
	char		 res_err[DM_ERROR_MAX];

	/* The thread's own. */
	char		*cfg_path;
	char		*weights_path;
	enum dm_dialect	 dialect;
	size_t		 narrays;
	struct dm_net	*net;
	struct dm_weights *w;
	struct dm_ovr	*ovr;		/* what net is laid out with */
};

static void
job_free(struct dm_diagjob *j)
{
	if (j->have_res)
		dm_diag_release(&j->res);
	dm_ovr_free(j->req_ovr);
	dm_net_free(j->net);
	dm_weights_close(j->w);
	dm_ovr_free(j->ovr);
	free(j->cfg_path);
	free(j->weights_path);
	if (j->devnull != -1)
		close(j->devnull);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

/* Opens what the run reads: the net once, the weights after a revoke. */
static int
job_open(struct dm_diagjob *j, struct dm_error *err)
{
	if (j->net == NULL) {
		j->net = dm_net_load(j->cfg_path, j->dialect, err);
		if (j->net == NULL)
			return -1;
		if (j->net->narrays != j->narrays)
			return dm_error_set(err, DM_ERR_INVALID, "%s changed "
			    "on disk", j->cfg_path);
	}
	if (j->w == NULL && (j->w = dm_weights_open(j->weights_path,
	    j->dialect, err)) == NULL)
		return -1;
	return 0;
}

/*
 * Runs one diagnosis on the thread's own net, laid out with ovr (which
 * the job keeps); fills d or err.
 */
static int
job_run(struct dm_diagjob *j, struct dm_ovr *ovr, uint64_t header,
    enum dm_layout_mode mode, int transpose, struct dm_diag *d,
    struct dm_error *err)
{
	int rc, cancelled;

	if (job_open(j, err) == -1)
		return -1;
	pthread_mutex_lock(&j->mu);
	cancelled = j->have_req || j->quit;
	if (!cancelled) {
		j->live_fd = j->w->fd;
		while (j->hold && !j->cancelled && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	if (cancelled)
		return dm_error_set(err, DM_ERR_INVALID, "cancelled");
	rc = dm_net_layout_ovr(j->net, header, mode, transpose, ovr, err);
	if (rc == 0)
		rc = dm_diagnose(j->net, j->w, ovr, 0, d, err);
	pthread_mutex_lock(&j->mu);
	j->live_fd = -1;
	cancelled = j->cancelled;
	j->cancelled = 0;
	pthread_mutex_unlock(&j->mu);
	if (cancelled) {
		/* The handle reads /dev/null now: open the file again. */
		dm_weights_close(j->w);
		j->w = NULL;
		if (rc == 0)
			dm_diag_release(d);
		return dm_error_set(err, DM_ERR_INVALID, "cancelled");
	}
	return rc;
}

static void *
job_main(void *arg)
{
	struct dm_diagjob *j = arg;
	struct dm_error err;
	struct dm_diag d;
	struct dm_ovr *ovr;
	unsigned serial;
	uint64_t header;
	enum dm_layout_mode mode;
	int transpose, rc, detached = 0;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->have_req && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit) {
			detached = j->detached;
			break;
		}
		ovr = j->req_ovr;
		j->req_ovr = NULL;
		j->have_req = 0;
		serial = j->req_serial;
		header = j->req_header;
		mode = j->req_mode;
		transpose = j->req_transpose;
		j->busy = 1;
		pthread_mutex_unlock(&j->mu);

		dm_error_clear(&err);
		memset(&d, 0, sizeof d);
		/* The net borrows the overrides: keep them until the next. */
		dm_ovr_free(j->ovr);
		j->ovr = ovr;
		rc = job_run(j, ovr, header, mode, transpose, &d, &err);

		pthread_mutex_lock(&j->mu);
		j->busy = 0;
		if (j->have_res)
			dm_diag_release(&j->res);
		j->have_res = 1;
		j->res_serial = serial;
		j->res_rc = rc;
		j->res = d;
		snprintf(j->res_err, sizeof j->res_err, "%s", err.msg);
	}
	pthread_mutex_unlock(&j->mu);
	if (detached)
		job_free(j);
	return NULL;
}

struct dm_diagjob *
dm_diagjob_start(const char *cfg_path, const char *weights_path,
    enum dm_dialect dialect, size_t narrays)
{
	struct dm_diagjob *j;
	sigset_t all, old;
	int rc;

	if ((j = calloc(1, sizeof *j)) == NULL)
		return NULL;
	j->live_fd = -1;
	j->dialect = dialect;
	j->narrays = narrays;
	j->cfg_path = strdup(cfg_path);
	j->weights_path = strdup(weights_path);
	j->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (j->cfg_path == NULL || j->weights_path == NULL ||
	    j->devnull == -1 || pthread_mutex_init(&j->mu, NULL) != 0) {
		if (j->devnull != -1)
			close(j->devnull);
		free(j->cfg_path);
		free(j->weights_path);
		free(j);
		return NULL;
	}
	if (pthread_cond_init(&j->cv, NULL) != 0) {
		pthread_mutex_destroy(&j->mu);
		close(j->devnull);
		free(j->cfg_path);
		free(j->weights_path);
		free(j);
		return NULL;
	}
	/* Signals (resizes, interrupts) are for the interface's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&j->thread, NULL, job_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		job_free(j);
		return NULL;
	}
	return j;
}

/* Revokes the descriptor of a run under way; under mu. */
static void
job_cancel(struct dm_diagjob *j)
{
	if (j->live_fd == -1 || j->cancelled)
		return;
	if (dup2(j->devnull, j->live_fd) != -1) {
		j->cancelled = 1;
		j->ncancelled++;
	}
}

void
dm_diagjob_request(struct dm_diagjob *j, unsigned serial, struct dm_ovr *ovr,
    uint64_t header, enum dm_layout_mode mode, int transpose)
{
	pthread_mutex_lock(&j->mu);
	job_cancel(j);
	dm_ovr_free(j->req_ovr);
	j->req_ovr = ovr;
	j->have_req = 1;
	j->req_serial = serial;
	j->req_header = header;
	j->req_mode = mode;
	j->req_transpose = transpose;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

void
dm_diagjob_hold(struct dm_diagjob *j, int on)
{
	pthread_mutex_lock(&j->mu);
	j->hold = on;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

int
dm_diagjob_collect(struct dm_diagjob *j, unsigned serial, int *rc,
    struct dm_diag *d, char *errbuf, size_t errlen, int *busy)
{
	int got = 0;

	pthread_mutex_lock(&j->mu);
	if (j->have_res) {
		j->have_res = 0;
		if (j->res_serial == serial) {
			got = 1;
			*rc = j->res_rc;
			if (j->res_rc == 0)
				*d = j->res;
			else
				snprintf(errbuf, errlen, "%s", j->res_err);
			memset(&j->res, 0, sizeof j->res);
		} else
			dm_diag_release(&j->res);
	}
	*busy = j->have_req || j->busy;
	pthread_mutex_unlock(&j->mu);
	return got;
}

int
dm_diagjob_running(struct dm_diagjob *j, unsigned *ncancelled)
{
	int running;

	pthread_mutex_lock(&j->mu);
	running = j->live_fd != -1;
	if (ncancelled != NULL)
		*ncancelled = j->ncancelled;
	pthread_mutex_unlock(&j->mu);
	return running;
}

void
dm_diagjob_stop(struct dm_diagjob *j)
{
	pthread_t th = j->thread;
	int busy;

	pthread_mutex_lock(&j->mu);
	j->quit = 1;
	busy = j->busy;
	j->detached = busy;
	job_cancel(j);
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (busy) {
		pthread_detach(th);	/* j may be gone already */
		return;
	}
	pthread_join(th, NULL);
	job_free(j);
}
