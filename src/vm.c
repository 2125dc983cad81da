/*
 * vm.c - the view-model of the interactive interface: the session, its
 * edits and history, the selection and scrolling, prompts, dialogs,
 * searching, the autosave, and the background diagnosis.
 *
 * The rows of the layer table are the file's header (row 0), every
 * layer (rows 1 to n) and the end of the file (row n + 1).  The byte
 * view's cursor and the table's selection follow each other: selecting a
 * layer or an array puts the cursor on its first byte, and moving the
 * cursor selects the array that owns the byte.
 */
#include "config.h"

#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "endian.h"
#include "report.h"
#include "stats.h"

#define HIST_BINS	32
#define HIST_SAMPLE	(1u << 18)	/* floats read for a histogram */
#define HIST_CHUNK	4096u
#define UNDO_MAX	1000

/*
 * The background diagnosis.  The thread owns a net and a weights handle
 * of its own, so that the session's net can be laid out again while it
 * reads.  Requests and results pass under mu; the last of the session
 * and the thread to let go of the worker frees it.
 */
struct dm_vm_worker {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 quit;
	int		 busy;
	int		 detached;	/* the thread frees the worker */

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

/* An action's handler: returns enum dm_vm_flags. */
typedef int act_fn(struct dm_vm *, enum dm_act, long);

static int	 vm_layout(struct dm_vm *, const struct dm_ovr *,
		     struct dm_error *);
static void	 vm_after_layout(struct dm_vm *);
static void	 vm_select_row(struct dm_vm *, long, int);
static void	 vm_sync_from_cursor(struct dm_vm *);
static int	 vm_commit(struct dm_vm *, struct dm_ovr *, const char *);
static void	 vm_autosave(struct dm_vm *);
static void	 x_refresh(struct dm_vm *);
static int	 warnings_collect(const struct dm_net *,
		     struct dm_vm_warning **, size_t *);

/* Helpers. */

static char *
vm_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

void
dm_vm_message(struct dm_vm *vm, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->msg, sizeof vm->msg, fmt, ap);
	va_end(ap);
	vm->msg_error = error;
}

/* Copies src into dst of len bytes, cutting it short if need be. */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static long
clampl(long v, long lo, long hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

/* The overrides as profile text, to compare two sets of them. */
static char *
ovr_text(const struct dm_ovr *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	dm_profile_fprint(o, fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
ovr_equal(const struct dm_ovr *a, const struct dm_ovr *b)
{
	char *x = ovr_text(a), *y = ovr_text(b);
	int eq = x != NULL && y != NULL && strcmp(x, y) == 0;

	free(x);
	free(y);
	return eq;
}

/* Drops the entries of layers and arrays that no longer change anything. */
static void
ovr_prune(struct dm_ovr *o)
{
	size_t i, n;

	for (i = n = 0; i < o->nlayers; i++) {
		struct dm_layer_ovr *l = &o->layers[i];

		if (!l->absent && !l->omit && !l->cutoff && l->gap == 0 &&
		    l->offset == DM_UNSET && l->order == NULL)
			continue;
		o->layers[n++] = *l;
	}
	o->nlayers = n;
	for (i = n = 0; i < o->narrays; i++) {
		struct dm_array_ovr *a = &o->arrays[i];

		if (a->transpose != 1 && a->nperm == 0 && a->rename == NULL &&
		    a->nreshape == 0 && a->count == DM_UNSET)
			continue;
		o->arrays[n++] = *a;
	}
	o->narrays = n;
}

static struct dm_ovr *
ovr_dup(const struct dm_ovr *src)
{
	struct dm_ovr *o;

	if ((o = dm_ovr_new()) == NULL)
		return NULL;
	if (dm_ovr_copy(o, src, NULL) == -1) {
		dm_ovr_free(o);
		return NULL;
	}
	return o;
}

/* The session's layout parameters for a set of overrides. */

static uint64_t
header_of(const struct dm_vm *vm, const struct dm_ovr *o)
{
	return o->header != DM_UNSET ? (uint64_t)o->header : vm->file_header;
}

static enum dm_layout_mode
mode_of(const struct dm_vm *vm, const struct dm_ovr *o)
{
	return o->layout != DM_UNSET ? (enum dm_layout_mode)o->layout :
	    vm->base_mode;
}

static enum dm_dialect
dialect_of(const struct dm_vm *vm, const struct dm_ovr *o)
{
	return o->dialect != DM_UNSET ? (enum dm_dialect)o->dialect :
	    vm->base_dialect;
}

/* The header size the weights file itself gives (20 without one). */
static unsigned
own_header(const struct dm_weights *w)
{
	return w != NULL && w->is_weights && w->has_header ? w->hdr.size : 20;
}

static int
file_transpose(const struct dm_vm *vm)
{
	return vm->w != NULL && vm->w->is_weights && vm->w->has_header ?
	    vm->w->hdr.transpose : 0;
}

static int
can_diagnose(const struct dm_vm *vm)
{
	return vm->w != NULL && vm->w->is_weights;
}

/* The background worker. */

static void
worker_free(struct dm_vm_worker *wk)
{
	if (wk->have_res)
		dm_diag_release(&wk->res);
	dm_ovr_free(wk->req_ovr);
	dm_net_free(wk->net);
	dm_weights_close(wk->w);
	dm_ovr_free(wk->ovr);
	free(wk->cfg_path);
	free(wk->weights_path);
	pthread_mutex_destroy(&wk->mu);
	pthread_cond_destroy(&wk->cv);
	free(wk);
}

/*
 * Runs one diagnosis on the thread's own net, laid out with ovr (which
 * the worker keeps); fills d or err.
 */
static int
worker_job(struct dm_vm_worker *wk, struct dm_ovr *ovr, uint64_t header,
    enum dm_layout_mode mode, int transpose, struct dm_diag *d,
    struct dm_error *err)
{
	if (wk->net == NULL) {
		wk->net = dm_net_load(wk->cfg_path, wk->dialect, err);
		if (wk->net == NULL)
			return -1;
		if (wk->net->narrays != wk->narrays)
			return dm_error_set(err, DM_ERR_INVALID, "%s changed "
			    "on disk", wk->cfg_path);
	}
	if (wk->w == NULL && (wk->w = dm_weights_open(wk->weights_path,
	    wk->dialect, err)) == NULL)
		return -1;
	if (dm_net_layout_ovr(wk->net, header, mode, transpose, ovr,
	    err) == -1)
		return -1;
	return dm_diagnose(wk->net, wk->w, ovr, 0, d, err);
}

static void *
worker_main(void *arg)
{
	struct dm_vm_worker *wk = arg;
	struct dm_error err;
	struct dm_diag d;
	struct dm_ovr *ovr;
	unsigned serial;
	uint64_t header;
	enum dm_layout_mode mode;
	int transpose, rc, detached = 0;

	pthread_mutex_lock(&wk->mu);
	for (;;) {
		while (!wk->have_req && !wk->quit)
			pthread_cond_wait(&wk->cv, &wk->mu);
		if (wk->quit) {
			detached = wk->detached;
			break;
		}
		ovr = wk->req_ovr;
		wk->req_ovr = NULL;
		wk->have_req = 0;
		serial = wk->req_serial;
		header = wk->req_header;
		mode = wk->req_mode;
		transpose = wk->req_transpose;
		wk->busy = 1;
		pthread_mutex_unlock(&wk->mu);

		dm_error_clear(&err);
		memset(&d, 0, sizeof d);
		/* The net borrows the overrides: keep them until the next. */
		dm_ovr_free(wk->ovr);
		wk->ovr = ovr;
		rc = worker_job(wk, ovr, header, mode, transpose, &d, &err);

		pthread_mutex_lock(&wk->mu);
		wk->busy = 0;
		if (wk->have_res)
			dm_diag_release(&wk->res);
		wk->have_res = 1;
		wk->res_serial = serial;
		wk->res_rc = rc;
		wk->res = d;
		snprintf(wk->res_err, sizeof wk->res_err, "%s", err.msg);
	}
	pthread_mutex_unlock(&wk->mu);
	if (detached)
		worker_free(wk);
	return NULL;
}

static struct dm_vm_worker *
worker_start(struct dm_vm *vm)
{
	struct dm_vm_worker *wk;
	sigset_t all, old;
	int rc;

	if ((wk = calloc(1, sizeof *wk)) == NULL)
		return NULL;
	wk->cfg_path = vm_strdup(vm->cfg_path);
	wk->weights_path = vm_strdup(vm->weights_path);
	wk->dialect = vm->net->dialect;
	wk->narrays = vm->net->narrays;
	if (wk->cfg_path == NULL || wk->weights_path == NULL ||
	    pthread_mutex_init(&wk->mu, NULL) != 0) {
		free(wk->cfg_path);
		free(wk->weights_path);
		free(wk);
		return NULL;
	}
	if (pthread_cond_init(&wk->cv, NULL) != 0) {
		pthread_mutex_destroy(&wk->mu);
		free(wk->cfg_path);
		free(wk->weights_path);
		free(wk);
		return NULL;
	}
	/* Signals (resizes, interrupts) are for the interface's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&wk->thread, NULL, worker_main, wk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		worker_free(wk);
		return NULL;
	}
	return wk;
}

/*
 * Lets go of the worker.  An idle one is joined and freed here; a busy
 * one is detached and frees itself when its diagnosis is done, so that
 * quitting never waits for a read of the whole file.
 */
static void
worker_stop(struct dm_vm_worker *wk)
{
	pthread_t th = wk->thread;
	int busy;

	pthread_mutex_lock(&wk->mu);
	wk->quit = 1;
	busy = wk->busy;
	wk->detached = busy;
	pthread_cond_signal(&wk->cv);
	pthread_mutex_unlock(&wk->mu);
	if (busy) {
		pthread_detach(th);	/* wk may be gone already */
		return;
	}
	pthread_join(th, NULL);
	worker_free(wk);
}

/* Starts the diagnosis of the session as it stands. */
static void
vm_diagnose(struct dm_vm *vm)
{
	struct dm_error err;
	struct dm_ovr *copy;

	if (vm->have_diag)
		dm_diag_release(&vm->d);
	vm->have_diag = 0;
	vm->diag_pending = 0;
	vm->diag_error[0] = '\0';
	if (!can_diagnose(vm))
		return;
	if (vm->worker != NULL && (copy = ovr_dup(vm->ovr)) != NULL) {
		pthread_mutex_lock(&vm->worker->mu);
		dm_ovr_free(vm->worker->req_ovr);
		vm->worker->req_ovr = copy;
		vm->worker->have_req = 1;
		vm->worker->req_serial = vm->serial;
		vm->worker->req_header = vm->net->header_size;
		vm->worker->req_mode = vm->net->mode;
		vm->worker->req_transpose = file_transpose(vm);
		pthread_cond_signal(&vm->worker->cv);
		pthread_mutex_unlock(&vm->worker->mu);
		vm->diag_pending = 1;
		return;
	}
	dm_error_clear(&err);
	if (dm_diagnose(vm->net, vm->w, vm->ovr, 0, &vm->d, &err) == -1)
		copy_str(vm->diag_error, sizeof vm->diag_error, err.msg);
	else {
		vm->have_diag = 1;
		vm->diag_serial = vm->serial;
	}
}

int
dm_vm_poll(struct dm_vm *vm)
{
	struct dm_vm_worker *wk = vm->worker;
	int flags = 0;

	if (wk == NULL || !vm->diag_pending)
		return 0;
	pthread_mutex_lock(&wk->mu);
	if (wk->have_res) {
		wk->have_res = 0;
		if (wk->res_serial == vm->serial) {
			vm->diag_pending = wk->have_req || wk->busy;
			if (wk->res_rc == 0) {
				if (vm->have_diag)
					dm_diag_release(&vm->d);
				vm->d = wk->res;
				vm->have_diag = 1;
				vm->diag_serial = vm->serial;
			} else
				copy_str(vm->diag_error,
				    sizeof vm->diag_error, wk->res_err);
			memset(&wk->res, 0, sizeof wk->res);
			flags = DM_VM_REDRAW;
		} else
			dm_diag_release(&wk->res);
	}
	pthread_mutex_unlock(&wk->mu);
	if (flags != 0)
		vm_after_layout(vm);
	return flags;
}

void
dm_vm_wait(struct dm_vm *vm)
{
	struct timespec ts = { 0, 1000000 };

	while (vm->diag_pending) {
		dm_vm_poll(vm);
		if (vm->diag_pending)
			nanosleep(&ts, NULL);
	}
}

/* Layout and what is derived from it. */

static int
vm_layout(struct dm_vm *vm, const struct dm_ovr *o, struct dm_error *err)
{
	return dm_net_layout_ovr(vm->net, header_of(vm, o), mode_of(vm, o),
	    file_transpose(vm), o, err);
}

/*
 * Lays the session out on o, as vm_layout() does, first reading the cfg
 * and the weights file again when o asks for the other Darknet fork: the
 * fork decides the layers' arrays and the header rules.  If the reading or
 * the layout fails, the session keeps the net it had, laid out as before.
 */
static int
vm_adopt(struct dm_vm *vm, const struct dm_ovr *o, struct dm_error *err)
{
	enum dm_dialect want = dialect_of(vm, o);
	struct dm_net *net, *old_net = vm->net;
	struct dm_weights *w = NULL, *old_w = vm->w;
	enum dm_layout_mode old_mode = vm->base_mode;
	unsigned old_header = vm->file_header;
	struct dm_vm_warning *warnings;
	size_t *by_offset, nwarnings;
	enum dm_mark *marks;

	if (want == vm->net->dialect)
		return vm_layout(vm, o, err);
	if ((net = dm_net_load(vm->cfg_path, want, err)) == NULL)
		return -1;
	if (vm->weights_path != NULL &&
	    (w = dm_weights_open(vm->weights_path, want, err)) == NULL) {
		dm_net_free(net);
		return -1;
	}
	by_offset = calloc(net->narrays + 1, sizeof *by_offset);
	marks = calloc(net->nlayers + 1, sizeof *marks);
	if (warnings_collect(net, &warnings, &nwarnings) == -1 ||
	    by_offset == NULL || marks == NULL) {
		free(by_offset);
		free(marks);
		free(warnings);
		dm_weights_close(w);
		dm_net_free(net);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	vm->net = net;
	vm->w = w;
	vm->base_mode = net->mode;
	vm->file_header = own_header(w);
	if (vm_layout(vm, o, err) == -1) {
		vm->net = old_net;
		vm->w = old_w;
		vm->base_mode = old_mode;
		vm->file_header = old_header;
		free(by_offset);
		free(marks);
		free(warnings);
		dm_weights_close(w);
		dm_net_free(net);
		return -1;
	}
	/* What was derived from the old net goes with it. */
	if (vm->have_diag)
		dm_diag_release(&vm->d);
	vm->have_diag = 0;
	vm->diag_pending = 0;
	if (vm->worker != NULL) {
		worker_stop(vm->worker);
		vm->worker = NULL;
	}
	if ((vm->flags & DM_VM_ASYNC) && can_diagnose(vm))
		vm->worker = worker_start(vm);
	free(vm->by_offset);
	free(vm->marks);
	vm->by_offset = by_offset;
	vm->nby_offset = 0;
	vm->marks = marks;
	free(vm->warnings);
	vm->warnings = warnings;
	vm->nwarnings = nwarnings;
	vm->warning = -1;
	vm->array = -1;
	dm_weights_close(old_w);
	dm_net_free(old_net);
	return 0;
}

/* Sorts the present arrays by offset; they are nearly in order already. */
static void
sort_by_offset(const struct dm_net *net, size_t *v, size_t n)
{
	size_t i, j, x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && net->arrays[v[j - 1]].offset >
		    net->arrays[x].offset; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

uint64_t
dm_vm_data_end(const struct dm_vm *vm)
{
	uint64_t end;

	if (vm->w == NULL)
		return vm->net->total_bytes;
	end = vm->w->size;
	return end < vm->net->data_end ? end : vm->net->data_end;
}

static void
compute_marks(struct dm_vm *vm)
{
	const struct dm_net *net = vm->net;
	uint64_t end = dm_vm_data_end(vm);
	size_t li, i;

	for (li = 0; li < net->nlayers; li++) {
		const struct dm_layer *l = &net->layers[li];
		enum dm_mark m = DM_MARK_NONE;
		int present = 0, missing = 0;

		for (i = l->first_array; i < l->first_array + l->narrays; i++) {
			const struct dm_array *a = &net->arrays[i];

			if (!dm_array_present(a)) {
				if (a->count > 0)
					missing = 1;
				continue;
			}
			present = 1;
			if (vm->w != NULL && vm->w->is_weights &&
			    a->offset + a->count * 4 > end)
				m = DM_MARK_MISMATCH;
		}
		if (!present && missing)
			m = DM_MARK_ABSENT;
		else if (present && m != DM_MARK_MISMATCH && vm->w != NULL &&
		    vm->w->is_weights) {
			if (vm->have_diag) {
				switch (vm->d.layer_level[li]) {
				case DM_LEVEL_OK:
					m = DM_MARK_OK;
					break;
				case DM_LEVEL_SUSPECT:
					m = DM_MARK_SUSPECT;
					break;
				default:
					m = DM_MARK_BAD;
					break;
				}
			} else
				m = vm->diag_pending ? DM_MARK_PENDING :
				    DM_MARK_NONE;
		}
		vm->marks[li] = m;
	}
}

/* After every new layout or diagnosis. */
static void
vm_after_layout(struct dm_vm *vm)
{
	const struct dm_net *net = vm->net;
	size_t i, n = 0;

	dm_verdict_compute(net, vm->w, &vm->v);
	for (i = 0; i < net->narrays; i++)
		if (dm_array_present(&net->arrays[i]))
			vm->by_offset[n++] = i;
	vm->nby_offset = n;
	sort_by_offset(net, vm->by_offset, n);
	compute_marks(vm);
	vm->hist_array = -1;
}

/* Reads the cfg's text for the cfg pane; a failure leaves it empty. */
static void
load_cfg_text(struct dm_vm *vm)
{
	char chunk[8192], *buf = NULL, *p, **lines;
	size_t len = 0, n, cap, k;
	FILE *fp, *mem;
	int bad = 0;

	if ((fp = fopen(vm->cfg_path, "r")) == NULL)
		return;
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		fclose(fp);
		return;
	}
	while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (fwrite(chunk, 1, k, mem) != k)
			bad = 1;
	if (ferror(fp))
		bad = 1;
	fclose(fp);
	/* Part of the cfg would mislead: the pane stays empty instead. */
	if (fclose(mem) != 0 || buf == NULL || bad) {
		free(buf);
		return;
	}
	cap = 1;
	for (p = buf; p < buf + len; p++)
		cap += *p == '\n';
	if ((lines = calloc(cap + 1, sizeof *lines)) == NULL) {
		free(buf);
		return;
	}
	n = 0;
	for (p = buf; p < buf + len && n < cap;) {
		char *e = memchr(p, '\n', (size_t)(buf + len - p));

		lines[n++] = p;
		if (e == NULL)
			break;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		p = e + 1;
	}
	vm->cfg_text = buf;
	vm->cfg_lines = lines;
	vm->ncfg_lines = n;
}

/* The text of a warning without "file:line: " in front. */
static const char *
warning_msg(const char *text, const char *path)
{
	size_t n = strlen(path);
	const char *p;

	if (strncmp(text, path, n) != 0 || text[n] != ':')
		return text;
	p = text + n + 1;
	p += strspn(p, "0123456789");
	return p[0] == ':' && p[1] == ' ' ? p + 2 : text;
}

/*
 * The warnings of net's cfg and of net, merged by line into *out (NULL
 * when there are none): each list is in line order already, as the cfg
 * is read and the layers built from the top.  -1 when out of memory.
 */
static int
warnings_collect(const struct dm_net *net, struct dm_vm_warning **out,
    size_t *nout)
{
	const struct dm_cfg *cfg = net->cfg;
	struct dm_vm_warning *v;
	size_t n = cfg->nwarnings + net->nwarnings, i = 0, j = 0, k;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof *v)) == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		if (j == net->nwarnings || (i < cfg->nwarnings &&
		    cfg->warning_lines[i] <= net->warning_lines[j])) {
			v[k].line = cfg->warning_lines[i];
			v[k].text = cfg->warnings[i++];
		} else {
			v[k].line = net->warning_lines[j];
			v[k].text = net->warnings[j++];
		}
		v[k].msg = warning_msg(v[k].text, cfg->path);
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Session life. */

static void
hist_clear(struct dm_vm_hist *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		dm_ovr_free(h->v[i].ovr);
	h->n = 0;
}

/* Makes room for one more snapshot in h. */
static int
hist_reserve(struct dm_vm_hist *h)
{
	struct dm_vm_state *v;

	if (h->n < h->cap || h->n == UNDO_MAX)
		return 0;
	v = realloc(h->v, (h->cap ? h->cap * 2 : 16) * sizeof *v);
	if (v == NULL)
		return -1;
	h->v = v;
	h->cap = h->cap ? h->cap * 2 : 16;
	return 0;
}

/*
 * Adds a snapshot, dropping the oldest at UNDO_MAX; there must be room
 * (hist_reserve()), so that nothing can fail once a change is made.
 */
static void
hist_push(struct dm_vm_hist *h, struct dm_ovr *ovr, unsigned serial,
    const char *what)
{
	if (h->n == UNDO_MAX) {
		dm_ovr_free(h->v[0].ovr);
		memmove(h->v, h->v + 1, (h->n - 1) * sizeof *h->v);
		h->n--;
	}
	h->v[h->n].ovr = ovr;
	h->v[h->n].serial = serial;
	snprintf(h->v[h->n].what, sizeof h->v[h->n].what, "%s", what);
	h->n++;
}

static void
check_autosave(struct dm_vm *vm)
{
	struct dm_error err;
	struct dm_ovr *o;
	struct stat sb;
	struct tm tm;

	if (vm->autosave == NULL || stat(vm->autosave, &sb) == -1)
		return;
	dm_error_clear(&err);
	if ((o = dm_profile_read(vm->autosave, &err)) == NULL ||
	    dm_ovr_check(o, vm->net, &err) == -1) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "ignored the autosave %s: %s",
		    vm->autosave, err.msg);
		return;
	}
	if (ovr_equal(o, vm->ovr)) {
		dm_ovr_free(o);
		unlink(vm->autosave);
		return;
	}
	vm->recovered = o;
	localtime_r(&sb.st_mtime, &tm);
	strftime(vm->recovered_when, sizeof vm->recovered_when,
	    "%Y-%m-%d %H:%M", &tm);
	vm->screen = DM_SCREEN_RECOVER;
}

struct dm_vm *
dm_vm_new(struct dm_net *net, struct dm_weights *w, struct dm_ovr *ovr,
    const char *cfg_path, const char *weights_path, const char *profile_path,
    const char *autosave_dir, unsigned flags, struct dm_error *err)
{
	struct dm_vm *vm;
	char path[PATH_MAX];
	int p;

	if ((vm = calloc(1, sizeof *vm)) == NULL) {
		dm_net_free(net);
		dm_weights_close(w);
		dm_ovr_free(ovr);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	vm->net = net;
	vm->w = w;
	vm->ovr = ovr;
	vm->flags = flags;
	vm->base_mode = net->mode;
	vm->base_dialect = net->dialect;
	vm->file_header = own_header(w);
	/* The fork the session opened with is no edit. */
	if (ovr->dialect == (int)net->dialect)
		ovr->dialect = DM_UNSET;
	vm->cfg_path = vm_strdup(cfg_path);
	vm->weights_path = vm_strdup(weights_path);
	vm->profile_path = vm_strdup(profile_path);
	vm->by_offset = calloc(net->narrays + 1, sizeof *vm->by_offset);
	vm->marks = calloc(net->nlayers + 1, sizeof *vm->marks);
	vm->serial = vm->saved_serial = vm->next_serial = 1;
	vm->hist_array = -1;
	vm->array = -1;
	vm->warning = -1;
	vm->bytes_per_row = 16;
	for (p = 0; p < DM_PANE_ALL; p++)
		vm->page[p] = 10;
	if (vm->cfg_path == NULL || vm->by_offset == NULL ||
	    vm->marks == NULL || (weights_path != NULL &&
	    vm->weights_path == NULL) ||
	    warnings_collect(net, &vm->warnings, &vm->nwarnings) == -1) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		dm_vm_free(vm);
		return NULL;
	}
	if (vm_layout(vm, ovr, err) == -1) {
		dm_vm_free(vm);
		return NULL;
	}
	load_cfg_text(vm);
	vm->extent[DM_PANE_CFG] = (long)vm->ncfg_lines;
	if ((flags & DM_VM_ASYNC) && can_diagnose(vm))
		vm->worker = worker_start(vm);
	vm_diagnose(vm);
	vm_after_layout(vm);
	if (autosave_dir != NULL && dm_vm_autosave_path(autosave_dir,
	    cfg_path, weights_path, path, sizeof path) == 0)
		vm->autosave = strdup(path);
	check_autosave(vm);
	vm->x.format = DM_OUT_PT;
	vm_select_row(vm, 1 < dm_vm_rows(vm) - 1 ? 1 : 0, 1);
	return vm;
}

void
dm_vm_free(struct dm_vm *vm)
{
	if (vm == NULL)
		return;
	if (vm->worker != NULL)
		worker_stop(vm->worker);
	if (vm->have_diag)
		dm_diag_release(&vm->d);
	hist_clear(&vm->undo);
	hist_clear(&vm->redo);
	free(vm->undo.v);
	free(vm->redo.v);
	dm_net_free(vm->net);
	dm_weights_close(vm->w);
	dm_ovr_free(vm->ovr);
	dm_ovr_free(vm->recovered);
	free(vm->cfg_path);
	free(vm->weights_path);
	free(vm->profile_path);
	free(vm->autosave);
	free(vm->cfg_text);
	free(vm->cfg_lines);
	free(vm->by_offset);
	free(vm->marks);
	free(vm->warnings);
	free(vm);
}

int
dm_vm_dirty(const struct dm_vm *vm)
{
	return vm->serial != vm->saved_serial;
}

/* Queries for drawing. */

long
dm_vm_rows(const struct dm_vm *vm)
{
	return (long)vm->net->nlayers + 2;
}

long
dm_vm_row_layer(const struct dm_vm *vm, long row)
{
	return row >= 1 && row <= (long)vm->net->nlayers ? row - 1 : -1;
}

enum dm_mark
dm_vm_mark(const struct dm_vm *vm, size_t li)
{
	return li < vm->net->nlayers ? vm->marks[li] : DM_MARK_NONE;
}

const char *
dm_mark_name(enum dm_mark m)
{
	switch (m) {
	case DM_MARK_PENDING:	return "...";
	case DM_MARK_OK:	return "ok";
	case DM_MARK_SUSPECT:	return "odd";
	case DM_MARK_BAD:	return "bad";
	case DM_MARK_MISMATCH:	return "cut";
	case DM_MARK_ABSENT:	return "absent";
	default:		return "";
	}
}

/* Whether the other header size would make the sizes agree. */
static int
header_doubtful(const struct dm_vm *vm)
{
	int k;

	if (!vm->have_diag || vm->d.size_diff == 0)
		return 0;
	for (k = 0; k < 2; k++)
		if (vm->d.headers[k].fits &&
		    vm->d.headers[k].size != vm->net->header_size)
			return 1;
	return 0;
}

int
dm_vm_row_flagged(const struct dm_vm *vm, long row)
{
	long li = dm_vm_row_layer(vm, row);
	enum dm_mark m;

	if (row == dm_vm_rows(vm) - 1)
		return vm->v.kind == DM_V_TRAILING ||
		    vm->v.kind == DM_V_UNALIGNED;
	if (li < 0)
		return vm->v.kind == DM_V_NOT_WEIGHTS || header_doubtful(vm);
	m = vm->marks[li];
	return m == DM_MARK_SUSPECT || m == DM_MARK_BAD ||
	    m == DM_MARK_MISMATCH;
}

int
dm_vm_layer_range(const struct dm_vm *vm, size_t li, uint64_t *lo,
    uint64_t *hi)
{
	const struct dm_layer *l = &vm->net->layers[li];
	size_t i;
	int any = 0;

	*lo = *hi = 0;
	for (i = l->first_array; i < l->first_array + l->narrays; i++) {
		const struct dm_array *a = &vm->net->arrays[i];

		if (!dm_array_present(a))
			continue;
		if (!any || a->offset < *lo)
			*lo = a->offset;
		if (!any || a->offset + a->count * 4 > *hi)
			*hi = a->offset + a->count * 4;
		any = 1;
	}
	return any;
}

uint64_t
dm_vm_layer_floats(const struct dm_vm *vm, size_t li)
{
	const struct dm_layer *l = &vm->net->layers[li];
	uint64_t n = 0;
	size_t i;

	for (i = l->first_array; i < l->first_array + l->narrays; i++)
		if (dm_array_present(&vm->net->arrays[i]))
			n += vm->net->arrays[i].count;
	return n;
}

void
dm_vm_layer_ovr_letters(const struct dm_vm *vm, size_t li, char *buf,
    size_t len)
{
	const struct dm_layer_ovr *l = dm_ovr_find_layer(vm->ovr, li);
	char s[16];
	size_t n = 0, i;
	int cnt = 0, tr = 0, pm = 0, rs = 0, rn = 0;

	if (l != NULL) {
		if (l->absent)
			s[n++] = 'a';
		if (l->omit)
			s[n++] = 'o';
		if (l->cutoff)
			s[n++] = 'c';
		if (l->gap != 0)
			s[n++] = 'g';
		if (l->offset != DM_UNSET)
			s[n++] = '@';
		if (l->order != NULL)
			s[n++] = 'O';
	}
	for (i = 0; i < vm->ovr->narrays; i++) {
		const struct dm_array_ovr *a = &vm->ovr->arrays[i];

		if (a->layer != li)
			continue;
		cnt |= a->count != DM_UNSET;
		tr |= a->transpose == 1;
		pm |= a->nperm > 0;
		rs |= a->nreshape > 0;
		rn |= a->rename != NULL;
	}
	if (cnt)
		s[n++] = '#';
	if (tr)
		s[n++] = 't';
	if (pm)
		s[n++] = 'p';
	if (rs)
		s[n++] = 'S';
	if (rn)
		s[n++] = 'R';
	s[n] = '\0';
	snprintf(buf, len, "%s", s);
}

uint64_t
dm_vm_byte_end(const struct dm_vm *vm)
{
	uint64_t e = vm->net->total_bytes;

	if (vm->w != NULL && vm->w->size > e)
		e = vm->w->size;
	return e;
}

void
dm_vm_owner(const struct dm_vm *vm, uint64_t off, struct dm_owner *o)
{
	const struct dm_net *net = vm->net;
	size_t lo = 0, hi = vm->nby_offset, mid, k;
	uint64_t size = vm->w != NULL ? vm->w->size : net->total_bytes;
	uint64_t eod = dm_vm_data_end(vm);

	o->array = -1;
	/* The last array starting at or before off. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (net->arrays[vm->by_offset[mid]].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k > 0; k--) {
		const struct dm_array *a = &net->arrays[vm->by_offset[k - 1]];

		if (off < a->offset + a->count * 4) {
			o->kind = off >= eod ? DM_OWN_MISSING : DM_OWN_ARRAY;
			o->array = (long)vm->by_offset[k - 1];
			return;
		}
		/* Arrays may overlap after a negative gap: look back a bit. */
		if (lo - k > 4)
			break;
	}
	if (off < net->header_size)
		o->kind = DM_OWN_HEADER;
	else if (off >= size)
		o->kind = DM_OWN_MISSING;
	else if (off >= net->total_bytes || off >= eod)
		o->kind = DM_OWN_TRAILING;
	else
		o->kind = DM_OWN_GAP;
}

size_t
dm_vm_read(struct dm_vm *vm, uint64_t off, uint8_t *buf, size_t len)
{
	if (vm->w == NULL || off >= vm->w->size)
		return 0;
	if (len > vm->w->size - off)
		len = (size_t)(vm->w->size - off);
	if (dm_weights_pread(vm->w, buf, len, off, NULL) == -1)
		return 0;
	return len;
}

void
dm_vm_cfg_span(const struct dm_vm *vm, size_t li, size_t *first,
    size_t *last)
{
	const struct dm_net *net = vm->net;
	size_t f, e;

	f = (size_t)net->layers[li].line;
	e = li + 1 < net->nlayers ? (size_t)net->layers[li + 1].line - 1 :
	    vm->ncfg_lines;
	if (e > vm->ncfg_lines)
		e = vm->ncfg_lines;
	/* Blank lines and the comments above the next section are not its. */
	while (e > f && vm->cfg_lines != NULL) {
		const char *s = vm->cfg_lines[e - 1];

		s += strspn(s, " \t");
		if (*s != '\0' && *s != '#' && *s != ';')
			break;
		e--;
	}
	*first = f;
	*last = e < f ? f : e;
}

/* The first warning on line or after it. */
static size_t
warnings_from(const struct dm_vm *vm, long line)
{
	size_t a = 0, b = vm->nwarnings, m;

	while (a < b) {
		m = a + (b - a) / 2;
		if (vm->warnings[m].line < line)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* The cfg lines [lo, hi] whose warnings go with table row r; -1: none. */
static int
row_lines(const struct dm_vm *vm, long row, long *lo, long *hi)
{
	const struct dm_net *net = vm->net;
	long li = dm_vm_row_layer(vm, row);

	if (row == 0) {
		*lo = 0;
		*hi = net->nlayers > 0 ? net->layers[0].line - 1L : LONG_MAX;
		return 0;
	}
	if (li < 0)
		return -1;
	*lo = net->layers[li].line;
	*hi = (size_t)li + 1 < net->nlayers ? net->layers[li + 1].line - 1L :
	    LONG_MAX;
	return 0;
}

/* The table row of a cfg line: the layer whose section holds it. */
static long
line_row(const struct dm_vm *vm, long line)
{
	const struct dm_net *net = vm->net;
	size_t a = 0, b = net->nlayers, m;

	/* How many sections of layers start on line or before it. */
	while (a < b) {
		m = a + (b - a) / 2;
		if (net->layers[m].line <= line)
			a = m + 1;
		else
			b = m;
	}
	return (long)a;
}

size_t
dm_vm_row_warnings(const struct dm_vm *vm, long row, size_t *first)
{
	long lo, hi;

	*first = 0;
	if (row_lines(vm, row, &lo, &hi) == -1 || hi < lo)
		return 0;
	*first = warnings_from(vm, lo);
	return (hi == LONG_MAX ? vm->nwarnings : warnings_from(vm, hi + 1)) -
	    *first;
}

size_t
dm_vm_line_warnings(const struct dm_vm *vm, size_t line, size_t *first)
{
	if (line > INT_MAX) {
		*first = vm->nwarnings;
		return 0;
	}
	*first = warnings_from(vm, (long)line);
	return warnings_from(vm, (long)line + 1) - *first;
}

int
dm_vm_histogram(struct dm_vm *vm)
{
	const struct dm_array *a;
	uint64_t count, avail, step, i, n = 0, pos;
	uint8_t *buf;
	float *vals;
	size_t chunk, k;
	double lo = 0, hi = 0, x;
	int first = 1;
	unsigned b;

	if (vm->array < 0 || vm->w == NULL || !vm->w->is_weights)
		return -1;
	if (vm->hist_array == vm->array && vm->hist_serial == vm->serial)
		return vm->hist_sampled > 0 ? 0 : -1;
	vm->hist_array = vm->array;
	vm->hist_serial = vm->serial;
	vm->hist_sampled = vm->hist_nonfinite = 0;
	vm->hist_n = HIST_BINS;
	memset(vm->hist, 0, sizeof vm->hist);
	a = &vm->net->arrays[vm->array];
	if (!dm_array_present(a) || a->offset >= dm_vm_data_end(vm))
		return -1;
	avail = (dm_vm_data_end(vm) - a->offset) / 4;
	count = a->count < avail ? a->count : avail;
	if (count == 0)
		return -1;
	chunk = count <= HIST_SAMPLE ? (size_t)count : HIST_CHUNK;
	step = count <= HIST_SAMPLE ? count : count / (HIST_SAMPLE /
	    HIST_CHUNK);
	if ((vals = malloc(HIST_SAMPLE * sizeof *vals)) == NULL ||
	    (buf = malloc((count <= HIST_SAMPLE ? (size_t)count :
	    HIST_CHUNK) * 4)) == NULL) {
		free(vals);
		return -1;
	}
	for (pos = 0; pos < count && n < HIST_SAMPLE; pos += step) {
		size_t m = chunk;

		if (m > count - pos)
			m = (size_t)(count - pos);
		if (m > HIST_SAMPLE - n)
			m = (size_t)(HIST_SAMPLE - n);
		if (dm_weights_pread(vm->w, buf, m * 4, a->offset + pos * 4,
		    NULL) == -1)
			break;
		for (k = 0; k < m; k++) {
			uint32_t u = dm_le32dec(buf + 4 * k);
			float f;

			memcpy(&f, &u, sizeof f);
			if (!isfinite(f)) {
				vm->hist_nonfinite++;
				continue;
			}
			vals[n++] = f;
			if (first || f < lo)
				lo = f;
			if (first || f > hi)
				hi = f;
			first = 0;
		}
	}
	free(buf);
	vm->hist_sampled = n;
	vm->hist_lo = lo;
	vm->hist_hi = hi;
	for (i = 0; i < n; i++) {
		x = hi > lo ? (vals[i] - lo) / (hi - lo) : 0.5;
		b = (unsigned)(x * HIST_BINS);
		if (b >= HIST_BINS)
			b = HIST_BINS - 1;
		vm->hist[b]++;
	}
	free(vals);
	return n > 0 ? 0 : -1;
}

/* Selection and scrolling. */

static void
table_visible(struct dm_vm *vm)
{
	long page = vm->page[DM_PANE_LAYERS] > 0 ? vm->page[DM_PANE_LAYERS] : 1;
	long rows = dm_vm_rows(vm);

	if (vm->row < vm->top)
		vm->top = vm->row;
	if (vm->row >= vm->top + page)
		vm->top = vm->row - page + 1;
	vm->top = clampl(vm->top, 0, rows > page ? rows - page : 0);
}

static void
bytes_visible(struct dm_vm *vm, int recenter)
{
	uint64_t per = vm->bytes_per_row ? vm->bytes_per_row : 16;
	uint64_t page = (uint64_t)(vm->page[DM_PANE_BYTES] > 0 ?
	    vm->page[DM_PANE_BYTES] : 1);
	uint64_t row = vm->cursor / per, top = vm->btop / per;
	uint64_t rows = (dm_vm_byte_end(vm) + per - 1) / per;

	if (recenter) {
		/* A little context above: the end of what comes before. */
		uint64_t ctx = page >= 4 ? page / 4 : 0;

		top = row > ctx ? row - ctx : 0;
	} else if (row < top)
		top = row;
	else if (row >= top + page)
		top = row - page + 1;
	if (rows > page && top > rows - page)
		top = rows - page;
	if (rows <= page)
		top = 0;
	vm->btop = top * per;
}

/* Where the byte view goes for a table row. */
static uint64_t
row_offset(const struct dm_vm *vm, long row)
{
	const struct dm_net *net = vm->net;
	long li = dm_vm_row_layer(vm, row);
	uint64_t lo, hi, end;
	size_t k;

	if (row <= 0)
		return 0;
	if (li < 0) {
		/* The end row: the row where the data stops. */
		end = dm_vm_data_end(vm);
		if (net->total_bytes < end)
			end = net->total_bytes;
		return end > 0 ? end - 1 : 0;
	}
	if (vm->array >= 0 && net->arrays[vm->array].layer == (size_t)li &&
	    dm_array_present(&net->arrays[vm->array]))
		return net->arrays[vm->array].offset;
	if (dm_vm_layer_range(vm, (size_t)li, &lo, &hi))
		return lo;
	/* No arrays: where the next layer's arrays start. */
	for (k = (size_t)li + 1; k < net->nlayers; k++)
		if (dm_vm_layer_range(vm, k, &lo, &hi))
			return lo;
	return net->total_bytes;
}

/* Selects table row r; move_cursor: the byte view follows. */
static void
vm_select_row(struct dm_vm *vm, long row, int move_cursor)
{
	long old = vm->row, li;
	uint64_t end;

	vm->row = clampl(row, 0, dm_vm_rows(vm) - 1);
	li = dm_vm_row_layer(vm, vm->row);
	if (old != vm->row || vm->array < 0 ||
	    (li >= 0 && vm->net->arrays[vm->array].layer != (size_t)li) ||
	    li < 0) {
		vm->array = -1;
		if (li >= 0 && vm->net->layers[li].narrays > 0)
			vm->array = (long)vm->net->layers[li].first_array;
		vm->scroll[DM_PANE_DETAILS] = 0;
	}
	table_visible(vm);
	if (li >= 0 && vm->cfg_lines != NULL) {
		size_t f, l;

		dm_vm_cfg_span(vm, (size_t)li, &f, &l);
		vm->scroll[DM_PANE_CFG] = f > 3 ? (long)f - 3 : 0;
	}
	if (move_cursor) {
		end = dm_vm_byte_end(vm);
		vm->cursor = row_offset(vm, vm->row);
		if (end > 0 && vm->cursor >= end)
			vm->cursor = end - 1;
		bytes_visible(vm, 1);
	}
}

/* The table follows the byte cursor. */
static void
vm_sync_from_cursor(struct dm_vm *vm)
{
	const struct dm_net *net = vm->net;
	struct dm_owner o;
	long row;
	size_t k;

	dm_vm_owner(vm, vm->cursor, &o);
	switch (o.kind) {
	case DM_OWN_HEADER:
		row = 0;
		break;
	case DM_OWN_ARRAY:
		row = (long)net->arrays[o.array].layer + 1;
		break;
	case DM_OWN_MISSING:
		row = o.array >= 0 ? (long)net->arrays[o.array].layer + 1 :
		    dm_vm_rows(vm) - 1;
		break;
	case DM_OWN_GAP:
		/* The array after the gap. */
		row = dm_vm_rows(vm) - 1;
		for (k = 0; k < vm->nby_offset; k++)
			if (net->arrays[vm->by_offset[k]].offset > vm->cursor) {
				o.array = (long)vm->by_offset[k];
				row = (long)net->arrays[o.array].layer + 1;
				break;
			}
		break;
	default:
		row = dm_vm_rows(vm) - 1;
		break;
	}
	if (row != vm->row)
		vm_select_row(vm, row, 0);
	if (o.array >= 0 && row < dm_vm_rows(vm) - 1)
		vm->array = o.array;
}

static void
cursor_move(struct dm_vm *vm, int64_t delta)
{
	uint64_t end = dm_vm_byte_end(vm);

	if (end == 0)
		return;
	if (delta < 0 && (uint64_t)-delta > vm->cursor)
		vm->cursor = 0;
	else if (delta > 0 && (uint64_t)delta >= end - vm->cursor)
		vm->cursor = end - 1;
	else
		vm->cursor = (uint64_t)((int64_t)vm->cursor + delta);
	bytes_visible(vm, 0);
	vm_sync_from_cursor(vm);
}

static void
select_array_step(struct dm_vm *vm, int dir)
{
	long li = dm_vm_row_layer(vm, vm->row);
	const struct dm_layer *l;
	long a;

	if (li < 0 || vm->net->layers[li].narrays == 0) {
		dm_vm_message(vm, 0, "this row has no arrays");
		return;
	}
	l = &vm->net->layers[li];
	a = vm->array < 0 ? (long)l->first_array : vm->array + dir;
	vm->array = clampl(a, (long)l->first_array,
	    (long)(l->first_array + l->narrays) - 1);
	if (dm_array_present(&vm->net->arrays[vm->array])) {
		vm->cursor = vm->net->arrays[vm->array].offset;
		bytes_visible(vm, 1);
	}
}

static void
pane_scroll(struct dm_vm *vm, enum dm_pane p, long delta)
{
	long max = vm->extent[p] - vm->page[p];

	vm->scroll[p] = clampl(vm->scroll[p] + delta, 0, max > 0 ? max : 0);
}

void
dm_vm_set_page(struct dm_vm *vm, enum dm_pane pane, long rows)
{
	if (pane >= DM_PANE_ALL)
		return;
	vm->page[pane] = rows > 0 ? rows : 1;
	if (pane == DM_PANE_LAYERS)
		table_visible(vm);
	else if (pane == DM_PANE_BYTES)
		bytes_visible(vm, 0);
	else
		pane_scroll(vm, pane, 0);
}

void
dm_vm_set_extent(struct dm_vm *vm, enum dm_pane pane, long rows)
{
	if (pane >= DM_PANE_ALL)
		return;
	vm->extent[pane] = rows;
	pane_scroll(vm, pane, 0);
}

void
dm_vm_set_bytes_per_row(struct dm_vm *vm, unsigned n)
{
	n &= ~3u;
	if (n == 0)
		n = 4;
	if (n != vm->bytes_per_row) {
		vm->bytes_per_row = n;
		bytes_visible(vm, 0);
	}
}

static void
move_focused(struct dm_vm *vm, enum dm_act act)
{
	long page = vm->page[vm->focus] > 1 ? vm->page[vm->focus] - 1 : 1;
	uint64_t per = vm->bytes_per_row;
	long rows = dm_vm_rows(vm);

	switch (vm->focus) {
	case DM_PANE_LAYERS:
		switch (act) {
		case DM_ACT_UP:
			vm_select_row(vm, vm->row - 1, 1);
			break;
		case DM_ACT_DOWN:
			vm_select_row(vm, vm->row + 1, 1);
			break;
		case DM_ACT_PAGE_UP:
			vm_select_row(vm, vm->row - page, 1);
			break;
		case DM_ACT_PAGE_DOWN:
			vm_select_row(vm, vm->row + page, 1);
			break;
		case DM_ACT_TOP:
			vm_select_row(vm, 0, 1);
			break;
		default:
			vm_select_row(vm, rows - 1, 1);
			break;
		}
		break;
	case DM_PANE_BYTES:
		switch (act) {
		case DM_ACT_UP:
			cursor_move(vm, -(int64_t)per);
			break;
		case DM_ACT_DOWN:
			cursor_move(vm, (int64_t)per);
			break;
		case DM_ACT_PAGE_UP:
			cursor_move(vm, -(int64_t)per * page);
			break;
		case DM_ACT_PAGE_DOWN:
			cursor_move(vm, (int64_t)per * page);
			break;
		case DM_ACT_TOP:
			cursor_move(vm, -(int64_t)vm->cursor);
			break;
		default:
			cursor_move(vm, (int64_t)dm_vm_byte_end(vm));
			break;
		}
		break;
	default:
		switch (act) {
		case DM_ACT_UP:
			pane_scroll(vm, vm->focus, -1);
			break;
		case DM_ACT_DOWN:
			pane_scroll(vm, vm->focus, 1);
			break;
		case DM_ACT_PAGE_UP:
			pane_scroll(vm, vm->focus, -page);
			break;
		case DM_ACT_PAGE_DOWN:
			pane_scroll(vm, vm->focus, page);
			break;
		case DM_ACT_TOP:
			vm->scroll[vm->focus] = 0;
			break;
		default:
			pane_scroll(vm, vm->focus, vm->extent[vm->focus]);
			break;
		}
		break;
	}
}

static int
goto_problem(struct dm_vm *vm, int dir)
{
	long rows = dm_vm_rows(vm), r;

	if (vm->diag_pending && dir == 0)
		dm_vm_message(vm, 0, "still reading the arrays: marks may "
		    "follow");
	r = dir == 0 ? 0 : vm->row + dir;
	for (; r >= 0 && r < rows; r += dir == 0 ? 1 : dir)
		if (dm_vm_row_flagged(vm, r)) {
			vm_select_row(vm, r, 1);
			if (dir != 0 || !vm->diag_pending)
				vm->msg[0] = '\0';
			return DM_VM_REDRAW;
		}
	if (dir == 0)
		dm_vm_message(vm, 0, "no flagged layer: %s",
		    vm->w == NULL ? "there is no weights file" :
		    "every layer reads plausibly");
	else
		dm_vm_message(vm, 0, "no flagged layer %s this one",
		    dir > 0 ? "after" : "before");
	return DM_VM_REDRAW | DM_VM_BELL;
}

/*
 * The next warning: after the last one gone to while its row is still
 * selected, else the first from the selected row on; round to the first.
 * Selects its row, shows its line in the cfg pane and its text on the
 * message line.
 */
static int
goto_warning(struct dm_vm *vm)
{
	const struct dm_vm_warning *wn;
	long lo, hi, line, page;
	size_t i;

	if (vm->nwarnings == 0) {
		dm_vm_message(vm, 0, "no warnings about the cfg");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (vm->warning >= 0 && (size_t)vm->warning < vm->nwarnings &&
	    line_row(vm, vm->warnings[vm->warning].line) == vm->row)
		i = (size_t)vm->warning + 1;
	else if (row_lines(vm, vm->row, &lo, &hi) == 0)
		i = warnings_from(vm, lo);
	else
		i = vm->nwarnings;
	if (i >= vm->nwarnings)
		i = 0;
	vm->warning = (long)i;
	wn = &vm->warnings[i];
	vm_select_row(vm, line_row(vm, wn->line), 1);
	if (wn->line > 0) {
		line = wn->line - 1L;
		page = vm->page[DM_PANE_CFG];
		if (line < vm->scroll[DM_PANE_CFG] ||
		    line >= vm->scroll[DM_PANE_CFG] + page)
			vm->scroll[DM_PANE_CFG] = line > page / 3 ?
			    line - page / 3 : 0;
		pane_scroll(vm, DM_PANE_CFG, 0);
	}
	if (wn->line > 0)
		dm_vm_message(vm, 0, "warning %zu of %zu, line %d: %s", i + 1,
		    vm->nwarnings, wn->line, wn->msg);
	else
		dm_vm_message(vm, 0, "warning %zu of %zu: %s", i + 1,
		    vm->nwarnings, wn->msg);
	return DM_VM_REDRAW;
}

/* Searching. */

static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 0;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static int
row_matches(const struct dm_vm *vm, long row, const char *q)
{
	const struct dm_net *net = vm->net;
	long li = dm_vm_row_layer(vm, row);
	const struct dm_layer *l;
	char kv[512];
	size_t i;

	if (li < 0)
		return contains_nocase(row == 0 ? "header" : "end", q);
	l = &net->layers[li];
	if (contains_nocase(dm_ltype_name(l->type), q) ||
	    contains_nocase(l->label, q) || contains_nocase(l->sect->name, q))
		return 1;
	for (i = 0; i < l->sect->nopts; i++) {
		const struct dm_option *o = &l->sect->opts[i];

		snprintf(kv, sizeof kv, "%s=%s", o->key, o->value ? o->value :
		    "");
		if (contains_nocase(kv, q))
			return 1;
	}
	for (i = l->first_array; i < l->first_array + l->narrays; i++)
		if (contains_nocase(net->arrays[i].name, q))
			return 1;
	return 0;
}

/* A byte offset in a query: "@N", "0xN", or a number past the layers. */
static int
query_offset(const struct dm_vm *vm, const char *q, uint64_t *off)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (*q == '@')
		q++;
	else if (strncmp(q, "0x", 2) != 0 && strncmp(q, "0X", 2) != 0) {
		errno = 0;
		v = strtoull(q, &end, 10);
		if (*q < '0' || *q > '9' || *end != '\0' || errno != 0 ||
		    v < vm->net->nlayers)
			return -1;
		*off = v;
		return 0;
	}
	if (strncmp(q, "0x", 2) == 0 || strncmp(q, "0X", 2) == 0) {
		q += 2;
		base = 16;
	}
	errno = 0;
	v = strtoull(q, &end, base);
	if (*q == '\0' || *end != '\0' || errno != 0 || *q == '-')
		return -1;
	*off = v;
	return 0;
}

static int
goto_offset(struct dm_vm *vm, uint64_t off)
{
	uint64_t end = dm_vm_byte_end(vm);

	if (off >= end && end > 0) {
		dm_vm_message(vm, 1, "offset %" PRIu64 " is past the end "
		    "(%" PRIu64 " bytes)", off, end);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->cursor = off;
	bytes_visible(vm, 1);
	vm_sync_from_cursor(vm);
	vm->focus = DM_PANE_BYTES;
	dm_vm_message(vm, 0, "offset %" PRIu64 " (0x%" PRIx64 ")", off, off);
	return DM_VM_REDRAW;
}

static int
search(struct dm_vm *vm, int dir)
{
	const char *q = vm->search;
	long rows = dm_vm_rows(vm), r, i, n;
	uint64_t off;
	char *end;
	int wrapped;

	if (*q == '\0') {
		dm_vm_message(vm, 0, "no search yet: / searches");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (query_offset(vm, q, &off) == 0)
		return goto_offset(vm, off);
	n = strtol(q, &end, 10);
	if (*q >= '0' && *q <= '9' && *end == '\0') {
		vm_select_row(vm, n + 1, 1);
		vm->focus = DM_PANE_LAYERS;
		dm_vm_message(vm, 0, "layer %ld", n);
		return DM_VM_REDRAW;
	}
	if (*q == '#' && q[1] >= '0' && q[1] <= '9') {
		n = strtol(q + 1, &end, 10);
		if (*end == '\0' && n < (long)vm->net->nlayers) {
			vm_select_row(vm, n + 1, 1);
			return DM_VM_REDRAW;
		}
	}
	for (i = 1; i <= rows; i++) {
		r = ((vm->row + dir * i) % rows + rows) % rows;
		if (row_matches(vm, r, q)) {
			wrapped = dir > 0 ? r <= vm->row : r >= vm->row;
			vm_select_row(vm, r, 1);
			vm->focus = DM_PANE_LAYERS;
			dm_vm_message(vm, 0, "/%s%s", q, wrapped ?
			    " (search wrapped)" : "");
			return DM_VM_REDRAW;
		}
	}
	dm_vm_message(vm, 1, "no match for '%s'", q);
	return DM_VM_REDRAW | DM_VM_BELL;
}

/* Edits. */

/* Makes a copy of the overrides in force, to be edited and committed. */
static struct dm_ovr *
vm_begin(struct dm_vm *vm)
{
	struct dm_ovr *o = ovr_dup(vm->ovr);

	if (o == NULL)
		dm_vm_message(vm, 1, "out of memory");
	return o;
}

static void
set_identity(const struct dm_vm *vm, struct dm_ovr *o)
{
	char hash[64];

	free(o->for_cfg);
	o->for_cfg = vm_strdup(base_name(vm->cfg_path));
	if (vm->w != NULL) {
		o->for_size = (int64_t)vm->w->size;
		dm_profile_hash(vm->w->head, vm->w->headlen, hash, sizeof hash);
		free(o->for_hash);
		o->for_hash = vm_strdup(hash);
	}
	if (o->dialect == DM_UNSET)
		o->dialect = (int)vm->net->dialect;
}

static void
vm_autosave(struct dm_vm *vm)
{
	struct dm_error err;
	struct dm_ovr *o;
	char dir[PATH_MAX], *slash;

	if (vm->autosave == NULL)
		return;
	if (!dm_vm_dirty(vm)) {
		unlink(vm->autosave);
		return;
	}
	if ((o = ovr_dup(vm->ovr)) == NULL)
		return;
	set_identity(vm, o);
	if (o->note == NULL)
		o->note = vm_strdup("autosave of unsaved edits (darkmap "
		    "interface)");
	snprintf(dir, sizeof dir, "%s", vm->autosave);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		char *p;

		*slash = '\0';
		for (p = dir + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		mkdir(dir, 0700);
	}
	dm_error_clear(&err);
	if (dm_profile_write(o, vm->autosave, &err) == -1)
		dm_vm_message(vm, 1, "autosave failed: %s", err.msg);
	dm_ovr_free(o);
}

/* The session now stands on vm->ovr: lay out, diagnose, autosave. */
static void
vm_changed(struct dm_vm *vm)
{
	vm_diagnose(vm);
	vm_after_layout(vm);
	vm_autosave(vm);
	if (vm->row >= dm_vm_rows(vm))
		vm->row = dm_vm_rows(vm) - 1;
	vm_select_row(vm, vm->row, 1);
}

/*
 * Puts next in force (taking it) if the core can lay it out; the old
 * overrides go to the undo history.
 */
static int
vm_commit(struct dm_vm *vm, struct dm_ovr *next, const char *what)
{
	struct dm_error err;

	/*
	 * Overrides made from a copy taken before the profile was saved over
	 * (a repair found by the diagnosis) remember its old lines too.
	 */
	if (vm->source_rewritten && next->path != NULL) {
		free(next->path);
		next->path = NULL;
	}
	ovr_prune(next);
	if (ovr_equal(next, vm->ovr)) {
		dm_ovr_free(next);
		dm_vm_message(vm, 0, "%s: no change", what);
		return DM_VM_REDRAW;
	}
	/* Room first: once next is adopted, nothing may fail. */
	if (hist_reserve(&vm->undo) == -1) {
		dm_ovr_free(next);
		dm_vm_message(vm, 1, "out of memory");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_error_clear(&err);
	if (vm_adopt(vm, next, &err) == -1) {
		vm_layout(vm, vm->ovr, NULL);
		dm_ovr_free(next);
		dm_vm_message(vm, 1, "%s: %s", what, err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	hist_push(&vm->undo, vm->ovr, vm->serial, what);
	hist_clear(&vm->redo);
	vm->ovr = next;
	vm->serial = ++vm->next_serial;
	vm_changed(vm);
	dm_vm_message(vm, 0, "%s", what);
	return DM_VM_REDRAW;
}

/*
 * The edits below take what every action handler takes (the action and
 * its argument), so that the action table can name them directly.
 */

static int
undo_redo(struct dm_vm *vm, enum dm_act act, long arg)
{
	int redo = act == DM_ACT_REDO;
	struct dm_vm_hist *from = redo ? &vm->redo : &vm->undo;
	struct dm_vm_hist *to = redo ? &vm->undo : &vm->redo;
	struct dm_vm_state st;
	struct dm_error err;

	(void)arg;

	if (from->n == 0) {
		dm_vm_message(vm, 0, "nothing to %s", redo ? "redo" : "undo");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	st = from->v[from->n - 1];
	if (hist_reserve(to) == -1) {
		dm_vm_message(vm, 1, "out of memory");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_error_clear(&err);
	if (vm_adopt(vm, st.ovr, &err) == -1) {
		vm_layout(vm, vm->ovr, NULL);
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	hist_push(to, vm->ovr, vm->serial, st.what);
	from->n--;
	vm->ovr = st.ovr;
	vm->serial = st.serial;
	vm_changed(vm);
	dm_vm_message(vm, 0, "%s: %s", redo ? "redone" : "undone", st.what);
	return DM_VM_REDRAW;
}

static long
sel_layer(struct dm_vm *vm)
{
	long li = dm_vm_row_layer(vm, vm->row);

	if (li < 0)
		dm_vm_message(vm, 1, "select a layer first");
	return li;
}

static const struct dm_array *
sel_array(struct dm_vm *vm)
{
	long li = dm_vm_row_layer(vm, vm->row);

	if (li < 0 || vm->array < 0 ||
	    vm->net->arrays[vm->array].layer != (size_t)li) {
		dm_vm_message(vm, 1, "select an array first (a layer with "
		    "parameters, then h and l)");
		return NULL;
	}
	return &vm->net->arrays[vm->array];
}

static int
edit_file_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_ovr *o;
	char what[96];
	int v;

	(void)arg;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	switch (act) {
	case DM_ACT_HEADER:
		v = vm->net->header_size == 20 ? 16 : 20;
		o->header = (unsigned)v == vm->file_header ? DM_UNSET : v;
		snprintf(what, sizeof what, "header %d bytes", v);
		break;
	case DM_ACT_TRANSPOSE:
		v = !vm->net->transpose;
		o->transpose = v == file_transpose(vm) ? DM_UNSET : v;
		snprintf(what, sizeof what, "connected weights %s",
		    v ? "transposed" : "not transposed");
		break;
	case DM_ACT_DIALECT:
		v = vm->net->dialect == DM_DIALECT_AB ? DM_DIALECT_PJ :
		    DM_DIALECT_AB;
		o->dialect = v == (int)vm->base_dialect ? DM_UNSET : v;
		snprintf(what, sizeof what, "Darknet fork %s", v ==
		    DM_DIALECT_AB ? "ab (AlexeyAB)" : "pj (pjreddie)");
		break;
	default:
		v = vm->net->mode == DM_LAYOUT_LOAD ? DM_LAYOUT_SAVE :
		    DM_LAYOUT_LOAD;
		o->layout = v == (int)vm->base_mode ? DM_UNSET : v;
		snprintf(what, sizeof what, "layout %s", v == DM_LAYOUT_LOAD ?
		    "load (as Darknet reads)" : "save (as Darknet writes)");
		break;
	}
	return vm_commit(vm, o, what);
}

static int
edit_layer_toggle(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;
	int *f;

	(void)arg;
	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((l = dm_ovr_layer(o, (size_t)li, NULL)) == NULL) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "out of memory");
		return DM_VM_REDRAW;
	}
	f = act == DM_ACT_ABSENT ? &l->absent : act == DM_ACT_OMIT ?
	    &l->omit : &l->cutoff;
	*f = !*f;
	snprintf(what, sizeof what, "layer %ld %s%s", li, *f ? "" :
	    "no longer ", act == DM_ACT_ABSENT ? "absent from the file" : act == DM_ACT_OMIT ?
	    "omitted from the export" : "the last in the file (cutoff)");
	return vm_commit(vm, o, what);
}

static int
edit_gap_add(struct dm_vm *vm, enum dm_act act, long delta)
{
	struct dm_layer_ovr *l;
	struct dm_ovr *o;
	char what[96];
	long li;

	(void)act;
	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((l = dm_ovr_layer(o, (size_t)li, NULL)) == NULL) {
		dm_ovr_free(o);
		return DM_VM_REDRAW;
	}
	l->gap += delta;
	snprintf(what, sizeof what, "gap before layer %ld: %+ld, now %" PRId64
	    " bytes", li, delta, l->gap);
	return vm_commit(vm, o, what);
}

static int
edit_transpose_array(struct dm_vm *vm, enum dm_act act, long arg)
{
	const struct dm_array *a;
	struct dm_array_ovr *ao;
	struct dm_ovr *o;
	char what[96];

	(void)act;
	(void)arg;
	if ((a = sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if ((ao = dm_ovr_array(o, a->layer, a->name, NULL)) == NULL) {
		dm_ovr_free(o);
		return DM_VM_REDRAW;
	}
	ao->transpose = ao->transpose == 1 ? DM_UNSET : 1;
	snprintf(what, sizeof what, "layer %zu %s %s", a->layer, a->name,
	    ao->transpose == 1 ? "stored transposed" : "stored as is");
	return vm_commit(vm, o, what);
}

static int
edit_clear(struct dm_vm *vm, enum dm_act act, long arg)
{
	int all = act == DM_ACT_CLEAR_ALL;
	struct dm_ovr *o;
	char what[96];
	size_t i, n;
	long li = -1;

	(void)arg;

	if (!all && (li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	if (all) {
		o->header = o->transpose = o->layout = DM_UNSET;
		o->data_end = DM_UNSET;
	}
	for (i = n = 0; i < o->nlayers; i++) {
		if (all || o->layers[i].layer == (size_t)li) {
			free(o->layers[i].order);
			continue;
		}
		o->layers[n++] = o->layers[i];
	}
	o->nlayers = n;
	for (i = n = 0; i < o->narrays; i++) {
		if (all || o->arrays[i].layer == (size_t)li) {
			free(o->arrays[i].rename);
			continue;
		}
		o->arrays[n++] = o->arrays[i];
	}
	o->narrays = n;
	if (all)
		snprintf(what, sizeof what, "every override cleared");
	else
		snprintf(what, sizeof what, "overrides of layer %ld cleared",
		    li);
	return vm_commit(vm, o, what);
}

int
dm_vm_preview(struct dm_vm *vm, size_t i, struct dm_verdict *v)
{
	if (!vm->have_diag || i >= vm->d.nhyps)
		return -1;
	if (vm_layout(vm, vm->d.hyps[i].ovr, NULL) == -1) {
		vm_layout(vm, vm->ovr, NULL);
		return -1;
	}
	dm_verdict_compute(vm->net, vm->w, v);
	vm_layout(vm, vm->ovr, NULL);
	return 0;
}

static int
apply_repair(struct dm_vm *vm, size_t i)
{
	struct dm_ovr *o;
	char what[96];
	long layer;

	if (!vm->have_diag || i >= vm->d.nhyps) {
		dm_vm_message(vm, 1, "no repair to apply");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if ((o = ovr_dup(vm->d.hyps[i].ovr)) == NULL)
		return DM_VM_REDRAW;
	layer = vm->d.hyps[i].layer;
	snprintf(what, sizeof what, "repair applied: %s%s",
	    dm_hyp_name(vm->d.hyps[i].kind), layer >= 0 ? " at layer" : "");
	if (layer >= 0)
		snprintf(what + strlen(what), sizeof what - strlen(what),
		    " %ld", layer);
	vm->screen = DM_SCREEN_MAIN;
	return vm_commit(vm, o, what);
}

/* Prompts. */

static int
prompt_open(struct dm_vm *vm, enum dm_prompt kind, const char *label,
    const char *init)
{
	memset(&vm->prompt, 0, sizeof vm->prompt);
	vm->prompt.kind = kind;
	copy_str(vm->prompt.label, sizeof vm->prompt.label, label);
	copy_str(vm->prompt.buf, sizeof vm->prompt.buf, init);
	vm->prompt.len = strlen(vm->prompt.buf);
	vm->msg[0] = '\0';
	return DM_VM_REDRAW;
}

static void
join_u64(char *buf, size_t len, const uint64_t *v, int n)
{
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%" PRIu64,
		    i ? "," : "", v[i]);
}

static int
open_layer_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_layer_ovr *lo;
	const struct dm_layer *l;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t lo_b, hi_b;
	size_t k, n = 0;
	long li;

	if ((li = sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	l = &vm->net->layers[li];
	lo = dm_ovr_find_layer(vm->ovr, (size_t)li);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_GAP:
		snprintf(label, sizeof label, "bytes before layer %ld (may be "
		    "negative; empty: none)", li);
		if (lo != NULL && lo->gap != 0)
			snprintf(init, sizeof init, "%" PRId64, lo->gap);
		break;
	case DM_PROMPT_OFFSET:
		snprintf(label, sizeof label, "layer %ld starts at byte "
		    "(empty: where the previous ends)", li);
		if (lo != NULL && lo->offset != DM_UNSET)
			snprintf(init, sizeof init, "%" PRId64, lo->offset);
		else if (dm_vm_layer_range(vm, (size_t)li, &lo_b, &hi_b))
			snprintf(init, sizeof init, "%" PRIu64, lo_b);
		break;
	default:
		if (l->narrays == 0) {
			dm_vm_message(vm, 1, "layer %ld has no arrays", li);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(label, sizeof label, "order of the arrays of layer "
		    "%ld in the file (empty: the usual)", li);
		if (lo != NULL && lo->order != NULL)
			snprintf(init, sizeof init, "%s", lo->order);
		else
			for (k = 0; k < l->narrays && n < sizeof init; k++)
				n += (size_t)snprintf(init + n, sizeof init - n,
				    "%s%s", k ? "," : "",
				    vm->net->arrays[l->first_array + k].name);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = (size_t)li;
	return DM_VM_REDRAW;
}

static int
open_array_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_array_ovr *ao;
	const struct dm_array *a;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t v[DM_SHAPE_MAX];
	int i, n;

	if ((a = sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	ao = dm_ovr_find_array(vm->ovr, a->layer, a->name);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_COUNT:
		snprintf(label, sizeof label, "floats of layer %zu %s in the "
		    "file (empty: as the cfg says)", a->layer, a->name);
		snprintf(init, sizeof init, "%" PRIu64, a->count);
		break;
	case DM_PROMPT_PERMUTE:
		snprintf(label, sizeof label, "stored axis order of layer %zu "
		    "%s, e.g. 1,0 (empty: as is)", a->layer, a->name);
		n = a->nperm > 0 ? a->nperm : a->ndim;
		for (i = 0; i < n && i < DM_SHAPE_MAX; i++)
			v[i] = a->nperm > 0 ? (uint64_t)a->perm[i] :
			    (uint64_t)i;
		join_u64(init, sizeof init, v, n);
		break;
	case DM_PROMPT_RESHAPE:
		snprintf(label, sizeof label, "exported shape of layer %zu %s "
		    "(empty: from the cfg)", a->layer, a->name);
		for (n = 0; n < DM_SHAPE_MAX && a->cur_shape[n] != 0 &&
		    (n < a->ndim || n == 0); n++)
			v[n] = a->cur_shape[n];
		join_u64(init, sizeof init, v, n);
		break;
	default:
		snprintf(label, sizeof label, "exported key of layer %zu %s "
		    "(empty: the scheme's)", a->layer, a->name);
		if (ao != NULL && ao->rename != NULL)
			snprintf(init, sizeof init, "%s", ao->rename);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = a->layer;
	vm->prompt.array = (size_t)vm->array;
	return DM_VM_REDRAW;
}

static const char *
skip_space(const char *s)
{
	return s + strspn(s, " \t");
}

/* Applies a prompt's text as the command-line override opt would. */
static int
accept_override(struct dm_vm *vm, const char *opt, const char *text)
{
	const struct dm_vm_prompt *p = &vm->prompt;
	struct dm_layer_ovr *l;
	struct dm_array_ovr *ao;
	struct dm_error err;
	struct dm_ovr *o;
	char arg[DM_VM_FIELD_MAX + 64], what[96];
	const char *aname = vm->net->arrays[p->array].name;
	int layer_opt = strcmp(opt, "gap") == 0 ||
	    strcmp(opt, "offset") == 0 || strcmp(opt, "order") == 0;

	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	dm_error_clear(&err);
	if (*text == '\0') {
		/* Empty: the override goes. */
		if (strcmp(opt, "data-end") == 0)
			o->data_end = DM_UNSET;
		else if (layer_opt && (l = dm_ovr_layer(o, p->layer,
		    &err)) != NULL) {
			if (opt[0] == 'g')
				l->gap = 0;
			else if (opt[1] == 'f')
				l->offset = DM_UNSET;
			else {
				free(l->order);
				l->order = NULL;
			}
		} else if (!layer_opt && (ao = dm_ovr_array(o, p->layer, aname,
		    &err)) != NULL) {
			if (opt[0] == 'c')
				ao->count = DM_UNSET;
			else if (opt[0] == 'p')
				ao->nperm = 0;
			else if (opt[2] == 's')
				ao->nreshape = 0;
			else {
				free(ao->rename);
				ao->rename = NULL;
			}
		}
		snprintf(what, sizeof what, "%s cleared", opt);
	} else {
		if (strcmp(opt, "data-end") == 0)
			snprintf(arg, sizeof arg, "%s", text);
		else if (layer_opt)
			snprintf(arg, sizeof arg, "%zu=%s", p->layer, text);
		else
			snprintf(arg, sizeof arg, "%zu:%s=%s", p->layer, aname,
			    text);
		if (dm_ovr_parse_option(o, opt, arg, &err) == -1) {
			dm_ovr_free(o);
			dm_vm_message(vm, 1, "%s", err.msg);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(what, sizeof what, "%s %.80s", opt, arg);
	}
	if (err.code != DM_OK) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	return vm_commit(vm, o, what);
}

/*
 * After a profile is saved over the one the overrides were read from, the
 * lines its entries remember are no longer that file's: errors about them
 * stop naming a line rather than name a wrong one.  st is the new file's.
 */
static int
forget_lines(struct dm_ovr *o, const char *path, const struct stat *st)
{
	struct stat ost;

	if (o == NULL || o->path == NULL)
		return 0;
	if (strcmp(o->path, path) != 0 && (stat(o->path, &ost) != 0 ||
	    ost.st_dev != st->st_dev || ost.st_ino != st->st_ino))
		return 0;
	free(o->path);
	o->path = NULL;
	return 1;
}

static int
save_profile(struct dm_vm *vm, const char *path)
{
	struct dm_error err;
	struct dm_ovr *o;
	struct stat st;
	size_t i;

	if ((o = ovr_dup(vm->ovr)) == NULL) {
		dm_vm_message(vm, 1, "out of memory");
		return DM_VM_REDRAW;
	}
	set_identity(vm, o);
	dm_error_clear(&err);
	if (dm_profile_write(o, path, &err) == -1) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_ovr_free(o);
	if (stat(path, &st) == 0) {
		if (forget_lines(vm->ovr, path, &st))
			vm->source_rewritten = 1;
		for (i = 0; i < vm->undo.n; i++)
			if (forget_lines(vm->undo.v[i].ovr, path, &st))
				vm->source_rewritten = 1;
		for (i = 0; i < vm->redo.n; i++)
			if (forget_lines(vm->redo.v[i].ovr, path, &st))
				vm->source_rewritten = 1;
	}
	free(vm->profile_path);
	vm->profile_path = vm_strdup(path);
	vm->saved_serial = vm->serial;
	if (vm->autosave != NULL)
		unlink(vm->autosave);
	dm_vm_message(vm, 0, "saved the profile %s: apply it with "
	    "--profile %s", path, path);
	return DM_VM_REDRAW;
}

/* The override option each editing prompt sets. */
static const char *const prompt_option[] = {
	[DM_PROMPT_GAP] = "gap",
	[DM_PROMPT_OFFSET] = "offset",
	[DM_PROMPT_ORDER] = "order",
	[DM_PROMPT_COUNT] = "count",
	[DM_PROMPT_PERMUTE] = "permute",
	[DM_PROMPT_RESHAPE] = "reshape",
	[DM_PROMPT_RENAME] = "rename",
	[DM_PROMPT_DATA_END] = "data-end",
};

static int
prompt_accept(struct dm_vm *vm)
{
	struct dm_vm_prompt p = vm->prompt;
	const char *text = skip_space(p.buf);
	char *end;
	uint64_t off;

	while (p.len > 0 && (p.buf[p.len - 1] == ' ' ||
	    p.buf[p.len - 1] == '\t'))
		p.buf[--p.len] = '\0';
	vm->prompt.kind = DM_PROMPT_NONE;
	switch (p.kind) {
	case DM_PROMPT_SEARCH:
		if (*text != '\0')
			snprintf(vm->search, sizeof vm->search, "%s", text);
		return search(vm, 1);
	case DM_PROMPT_GOTO:
		errno = 0;
		if (query_offset(vm, text, &off) == -1) {
			off = strtoull(text, &end, 0);
			if (*text == '\0' || *end != '\0' || errno != 0 ||
			    *text == '-') {
				dm_vm_message(vm, 1, "not an offset: '%s'",
				    text);
				return DM_VM_REDRAW | DM_VM_BELL;
			}
		}
		return goto_offset(vm, off);
	case DM_PROMPT_SAVE:
		if (*text == '\0') {
			dm_vm_message(vm, 1, "no file name: nothing saved");
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		return save_profile(vm, text);
	default:
		/* The others set the override option of the same name. */
		if ((size_t)p.kind < sizeof prompt_option /
		    sizeof prompt_option[0] && prompt_option[p.kind] != NULL)
			return accept_override(vm, prompt_option[p.kind],
			    text);
		return DM_VM_REDRAW;
	}
}

/* Appends code point c to a field as UTF-8. */
static int
field_insert(char *buf, size_t *len, size_t cap, long c)
{
	char u[4];
	size_t n;

	if (c < 0x20 || c == 0x7f || c > 0x10ffff || (c >= 0xd800 &&
	    c <= 0xdfff))
		return -1;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*len + n >= cap)
		return -1;
	memcpy(buf + *len, u, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static int
field_edit(char *buf, size_t *len, size_t cap, enum dm_act act, long arg)
{
	switch (act) {
	case DM_ACT_CHAR:
		return field_insert(buf, len, cap, arg) == 0 ? DM_VM_REDRAW :
		    DM_VM_BELL;
	case DM_ACT_BACKSPACE:
		if (*len == 0)
			return DM_VM_BELL;
		do
			(*len)--;
		while (*len > 0 && ((unsigned char)buf[*len] & 0xc0) == 0x80);
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL:
		*len = 0;
		buf[0] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL_WORD:
		while (*len > 0 && buf[*len - 1] == ' ')
			(*len)--;
		while (*len > 0 && buf[*len - 1] != ' ' &&
		    buf[*len - 1] != '/' && buf[*len - 1] != ',')
			(*len)--;
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	default:
		return 0;
	}
}

static int
prompt_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_prompt *p = &vm->prompt;
	int f;

	switch (act) {
	case DM_ACT_ACCEPT:
		return prompt_accept(vm);
	case DM_ACT_CANCEL:
		p->kind = DM_PROMPT_NONE;
		vm->msg[0] = '\0';
		return DM_VM_REDRAW;
	default:
		f = field_edit(p->buf, &p->len, sizeof p->buf, act, arg);
		return f != 0 ? f : DM_VM_BELL;
	}
}

/* The export dialog. */

static int
x_names(const struct dm_vm *vm, enum dm_names *names, const char **tmpl)
{
	const struct dm_vm_xdialog *x = &vm->x;

	*tmpl = NULL;
	if (x->names == DM_NAMES_TEMPLATE) {
		*tmpl = x->tmpl;
		if (strchr(x->tmpl, '{') == NULL)
			return -1;
		*names = DM_NAMES_TEMPLATE;
		return 0;
	}
	return dm_names_parse(dm_names_table[x->names], names);
}

static int
x_opts(const struct dm_vm *vm, struct dm_export_opts *xo)
{
	const struct dm_vm_xdialog *x = &vm->x;

	memset(xo, 0, sizeof *xo);
	xo->format = x->format;
	if (x_names(vm, &xo->names, &xo->tmpl) == -1)
		return -1;
	xo->dtype = x->f16 && x->format != DM_OUT_WEIGHTS ? DM_DTYPE_F16 :
	    DM_DTYPE_F32;
	xo->wrap_model = x->wrap && x->format == DM_OUT_PT;
	xo->force = x->force;
	xo->verify = x->verify;
	return 0;
}

/* The first keys the export would write, or why it cannot. */
static void
x_refresh(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	struct dm_export_opts xo;
	struct dm_export *ex;
	struct dm_error err;
	size_t i;

	x->nkeys = 0;
	x->problem[0] = '\0';
	memset(x->keys, 0, sizeof x->keys);
	if (vm->w == NULL) {
		snprintf(x->problem, sizeof x->problem, "no weights file: "
		    "nothing to export");
		return;
	}
	if (x_opts(vm, &xo) == -1) {
		snprintf(x->problem, sizeof x->problem, "a template needs "
		    "placeholders such as {layer} and {name}");
		return;
	}
	dm_error_clear(&err);
	if ((ex = dm_export_plan(vm->net, vm->w, &vm->v, &xo, &err)) == NULL) {
		copy_str(x->problem, sizeof x->problem, err.msg);
		return;
	}
	x->nkeys = ex->n;
	for (i = 0; i < ex->n && i < 3; i++)
		snprintf(x->keys[i], sizeof x->keys[i], "%s", ex->x[i].t.key);
	dm_export_free(ex);
}

static void
x_set_path_ext(struct dm_vm *vm, enum dm_out_format old)
{
	struct dm_vm_xdialog *x = &vm->x;
	const char *ext = dm_out_format_names[old];
	size_t n = strlen(x->path), e = strlen(ext);

	if (n > e + 1 && x->path[n - e - 1] == '.' &&
	    strcmp(x->path + n - e, ext) == 0) {
		x->path[n - e] = '\0';
		snprintf(x->path + n - e, sizeof x->path - (n - e), "%s",
		    dm_out_format_names[x->format]);
	}
}

static void
x_open(struct dm_vm *vm)
{
	struct dm_vm_xdialog *x = &vm->x;
	const char *b = base_name(vm->cfg_path), *dot;
	int i;

	if (x->path[0] == '\0') {
		dot = strrchr(b, '.');
		snprintf(x->path, sizeof x->path, "%.*s.%s", dot != NULL ?
		    (int)(dot - b) : (int)strlen(b), b, dm_out_format_names[x->format]);
		if (vm->ovr->names != NULL) {
			for (i = 0; i < DM_NAMES_TEMPLATE; i++)
				if (strcmp(vm->ovr->names, dm_names_table[i]) == 0)
					x->names = i;
			if (strchr(vm->ovr->names, '{') != NULL) {
				x->names = DM_NAMES_TEMPLATE;
				snprintf(x->tmpl, sizeof x->tmpl, "%s",
				    vm->ovr->names);
			}
		}
		if (x->tmpl[0] == '\0')
			snprintf(x->tmpl, sizeof x->tmpl, "layers.{layer}."
			    "{name}");
		x->f16 = vm->ovr->dtype != NULL &&
		    strcmp(vm->ovr->dtype, "float16") == 0;
		x->wrap = vm->ovr->wrap != NULL &&
		    strcmp(vm->ovr->wrap, "model") == 0;
	}
	x->field = DM_XF_FORMAT;
	vm->screen = DM_SCREEN_EXPORT;
	x_refresh(vm);
}

/* Whether a field of the export dialog applies to the chosen format. */
int
dm_vm_xfield_active(const struct dm_vm *vm, enum dm_xfield f)
{
	const struct dm_vm_xdialog *x = &vm->x;

	switch (f) {
	case DM_XF_NAMES:
		return x->format != DM_OUT_WEIGHTS;
	case DM_XF_TEMPLATE:
		return x->format != DM_OUT_WEIGHTS &&
		    x->names == DM_NAMES_TEMPLATE;
	case DM_XF_DTYPE:
		return x->format != DM_OUT_WEIGHTS;
	case DM_XF_WRAP:
		return x->format == DM_OUT_PT;
	default:
		return 1;
	}
}

int
dm_vm_text_input(const struct dm_vm *vm)
{
	if (vm->prompt.kind != DM_PROMPT_NONE)
		return 1;
	return vm->screen == DM_SCREEN_EXPORT &&
	    (vm->x.field == DM_XF_PATH || vm->x.field == DM_XF_TEMPLATE);
}

static void
x_cycle(struct dm_vm *vm, int dir)
{
	struct dm_vm_xdialog *x = &vm->x;
	enum dm_out_format old = x->format;

	switch (x->field) {
	case DM_XF_FORMAT:
		x->format = (enum dm_out_format)(((int)x->format + dir +
		    DM_OUT_NFORMATS) % DM_OUT_NFORMATS);
		x_set_path_ext(vm, old);
		break;
	case DM_XF_NAMES:
		x->names = (x->names + dir + DM_NAMES_COUNT) %
		    DM_NAMES_COUNT;
		break;
	case DM_XF_DTYPE:
		x->f16 = !x->f16;
		break;
	case DM_XF_WRAP:
		x->wrap = !x->wrap;
		break;
	case DM_XF_FORCE:
		x->force = !x->force;
		break;
	case DM_XF_VERIFY:
		x->verify = !x->verify;
		break;
	default:
		break;
	}
}

int
dm_vm_xchoice(const struct dm_vm *vm, enum dm_xfield f)
{
	const struct dm_vm_xdialog *x = &vm->x;

	switch (f) {
	case DM_XF_FORMAT:	return (int)x->format;
	case DM_XF_NAMES:	return x->names;
	case DM_XF_DTYPE:	return x->f16;
	case DM_XF_WRAP:	return x->wrap;
	case DM_XF_FORCE:	return x->force;
	case DM_XF_VERIFY:	return x->verify;
	default:		return -1;
	}
}

static int
x_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_xdialog *x = &vm->x;
	int f, step, n;
	size_t len;

	switch (act) {
	case DM_ACT_SELECT_ROW:		/* a field, by a click */
		if (arg < 0 || arg >= DM_XF_COUNT ||
		    !dm_vm_xfield_active(vm, (enum dm_xfield)arg))
			return DM_VM_BELL;
		x->field = (enum dm_xfield)arg;
		return DM_VM_REDRAW;
	case DM_ACT_CHOOSE:
		/* Each field's choices are few; cycling reaches any. */
		for (n = 0; n < 16 && dm_vm_xchoice(vm, x->field) != arg; n++)
			x_cycle(vm, 1);
		if (dm_vm_xchoice(vm, x->field) != arg)
			return DM_VM_BELL;
		x_refresh(vm);
		return DM_VM_REDRAW;
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	case DM_ACT_UP:
	case DM_ACT_DOWN:
	case DM_ACT_FOCUS_NEXT:
	case DM_ACT_FOCUS_PREV:
		step = act == DM_ACT_UP || act == DM_ACT_FOCUS_PREV ? -1 : 1;
		do
			x->field = (enum dm_xfield)(((int)x->field + step +
			    DM_XF_COUNT) % DM_XF_COUNT);
		while (!dm_vm_xfield_active(vm, x->field));
		return DM_VM_REDRAW;
	case DM_ACT_LEFT:
	case DM_ACT_RIGHT:
	case DM_ACT_YES:
		x_cycle(vm, act == DM_ACT_LEFT ? -1 : 1);
		x_refresh(vm);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
		if (x->path[0] == '\0') {
			dm_vm_message(vm, 1, "give the output file");
			x->field = DM_XF_PATH;
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		if (x->problem[0] != '\0') {
			dm_vm_message(vm, 1, "%s", x->problem);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		vm->run_export = 1;
		dm_vm_message(vm, 0, "exporting to %s...", x->path);
		return DM_VM_REDRAW | DM_VM_RUN;
	default:
		break;
	}
	if (x->field == DM_XF_PATH || x->field == DM_XF_TEMPLATE) {
		char *buf = x->field == DM_XF_PATH ? x->path : x->tmpl;

		len = strlen(buf);
		f = field_edit(buf, &len, DM_VM_FIELD_MAX, act, arg);
		if (f != 0) {
			if (x->field == DM_XF_TEMPLATE)
				x_refresh(vm);
			return f;
		}
	}
	return DM_VM_BELL;
}

/* The export's progress, on the message line. */
static void
run_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct dm_vm *vm = ctx;
	int pct;

	pct = total > 0 && done < total ?
	    (int)((double)done / (double)total * 100) : 100;
	if (pct == vm->run_pct)
		return;
	vm->run_pct = pct;
	dm_vm_message(vm, 0, "exporting to %s... %d%%", vm->x.path, pct);
	if (vm->on_progress != NULL)
		vm->on_progress(vm, vm->progress_ctx);
}

int
dm_vm_run(struct dm_vm *vm)
{
	struct dm_export_opts xo;
	struct dm_export *ex;
	struct dm_error err;
	const char *inputs[5];
	int rc;

	if (!vm->run_export)
		return 0;
	vm->run_export = 0;
	dm_error_clear(&err);
	if (x_opts(vm, &xo) == -1) {
		dm_vm_message(vm, 1, "a template needs placeholders");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->run_pct = -1;
	xo.progress = run_progress;
	xo.pctx = vm;
	if ((ex = dm_export_plan(vm->net, vm->w, &vm->v, &xo, &err)) == NULL) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	inputs[0] = vm->cfg_path;
	inputs[1] = vm->weights_path;
	inputs[2] = vm->profile_path;
	inputs[3] = vm->profile_path != NULL ? vm->autosave : NULL;
	inputs[4] = NULL;
	if (inputs[2] == NULL)
		inputs[2] = vm->autosave;
	rc = dm_export_write(ex, vm->x.path, inputs, &err);
	if (rc == -1)
		dm_vm_message(vm, 1, "%s", err.msg);
	else {
		dm_vm_message(vm, 0, "exported %zu tensors to %s%s%s", ex->n,
		    vm->x.path, ex->missing_from >= 0 ? " (the layers the "
		    "file holds)" : "", vm->x.verify ? ", read back and "
		    "verified" : "");
		vm->screen = DM_SCREEN_MAIN;
	}
	dm_export_free(ex);
	return DM_VM_REDRAW | (rc == -1 ? DM_VM_BELL : 0);
}

/* Screens. */

static int
quit(struct dm_vm *vm)
{
	if (dm_vm_dirty(vm)) {
		vm->screen = DM_SCREEN_QUIT;
		return DM_VM_REDRAW;
	}
	if (vm->autosave != NULL)
		unlink(vm->autosave);
	return DM_VM_QUIT;
}

static int
recover(struct dm_vm *vm, int yes)
{
	struct dm_ovr *o = vm->recovered;

	vm->recovered = NULL;
	vm->screen = DM_SCREEN_MAIN;
	if (!yes) {
		dm_ovr_free(o);
		if (vm->autosave != NULL)
			unlink(vm->autosave);
		dm_vm_message(vm, 0, "autosave discarded");
		return DM_VM_REDRAW;
	}
	if (o == NULL)
		return DM_VM_REDRAW;
	return vm_commit(vm, o, "recovered the autosaved edits");
}

static int
help_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	long page = vm->page[DM_PANE_HELP];

	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
		pane_scroll(vm, DM_PANE_HELP, act == DM_ACT_UP ? -1 : 1);
		return DM_VM_REDRAW;
	case DM_ACT_PAGE_UP:
	case DM_ACT_PAGE_DOWN:
		pane_scroll(vm, DM_PANE_HELP, act == DM_ACT_PAGE_UP ? -page :
		    page);
		return DM_VM_REDRAW;
	case DM_ACT_TOP:
		vm->scroll[DM_PANE_HELP] = 0;
		return DM_VM_REDRAW;
	case DM_ACT_BOTTOM:
		pane_scroll(vm, DM_PANE_HELP, vm->extent[DM_PANE_HELP]);
		return DM_VM_REDRAW;
	case DM_ACT_SCROLL:
		pane_scroll(vm, DM_PANE_HELP, arg);
		return DM_VM_REDRAW;
	case DM_ACT_QUIT:
	case DM_ACT_CANCEL:
	case DM_ACT_HELP:
	case DM_ACT_ACCEPT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	default:
		return DM_VM_BELL;
	}
}

static int
repair_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	long s;

	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
	case DM_ACT_SCROLL:
	case DM_ACT_SELECT_ROW:		/* arg: the repair, by a click */
		if (!vm->have_diag || vm->d.nhyps == 0)
			return DM_VM_REDRAW;
		s = act == DM_ACT_SELECT_ROW ? arg : (long)vm->repair_sel +
		    (act == DM_ACT_UP ? -1 : act == DM_ACT_DOWN ? 1 : arg);
		vm->repair_sel = (size_t)clampl(s, 0, (long)vm->d.nhyps - 1);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
	case DM_ACT_YES:
		return apply_repair(vm, vm->repair_sel);
	case DM_ACT_QUIT:
	case DM_ACT_CANCEL:
	case DM_ACT_NO:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	default:
		return DM_VM_BELL;
	}
}

static int
quit_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	switch (act) {
	case DM_ACT_YES:
		if (vm->autosave != NULL)
			unlink(vm->autosave);
		return DM_VM_QUIT;
	case DM_ACT_NO:
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	case DM_ACT_SAVE:
		vm->screen = DM_SCREEN_MAIN;
		return dm_vm_do(vm, DM_ACT_SAVE, 0);
	default:
		return DM_VM_BELL;
	}
}

static int
recover_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	switch (act) {
	case DM_ACT_YES:
		return recover(vm, 1);
	case DM_ACT_NO:
	case DM_ACT_CANCEL:
	case DM_ACT_QUIT:
		return recover(vm, 0);
	default:
		return DM_VM_BELL;
	}
}

/* What each screen over the main one does with an action. */
static act_fn *const screen_actions[] = {
	[DM_SCREEN_HELP] = help_do,
	[DM_SCREEN_REPAIR] = repair_do,
	[DM_SCREEN_EXPORT] = x_do,
	[DM_SCREEN_QUIT] = quit_do,
	[DM_SCREEN_RECOVER] = recover_do,
};

static int
open_repair(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	if (vm->diag_pending) {
		dm_vm_message(vm, 0, "still reading the arrays: the repairs "
		    "come with the diagnosis");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (!vm->have_diag) {
		dm_vm_message(vm, 1, "%s", vm->w == NULL ? "no weights file: "
		    "nothing to repair" : vm->diag_error[0] ? vm->diag_error :
		    "no diagnosis of this file");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (vm->d.nhyps == 0) {
		dm_vm_message(vm, 0, "%s", vm->v.kind == DM_V_EXACT &&
		    vm->d.first_bad < 0 ? "nothing to repair: the file fits "
		    "the cfg and its data is plausible" : vm->d.summary[0] ?
		    vm->d.summary : "no single change explains the problem");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	vm->repair_sel = 0;
	vm->screen = DM_SCREEN_REPAIR;
	if (vm->d.hyps[0].layer >= 0)
		vm_select_row(vm, vm->d.hyps[0].layer + 1, 1);
	return DM_VM_REDRAW;
}

/* The main screen's actions, one small handler each. */

static int
a_move(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	move_focused(vm, act);
	return DM_VM_REDRAW;
}

static int
a_side(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	if (vm->focus == DM_PANE_BYTES)
		cursor_move(vm, act == DM_ACT_LEFT ? -4 : 4);
	else
		select_array_step(vm, act == DM_ACT_LEFT ? -1 : 1);
	return DM_VM_REDRAW;
}

static int
a_focus(struct dm_vm *vm, enum dm_act act, long arg)
{
	int step = act == DM_ACT_FOCUS_NEXT ? 1 : -1;

	if (act == DM_ACT_FOCUS) {
		if (arg >= 0 && arg < DM_PANE_COUNT)
			vm->focus = (enum dm_pane)arg;
	} else
		vm->focus = (enum dm_pane)(((int)vm->focus + step +
		    DM_PANE_COUNT) % DM_PANE_COUNT);
	return DM_VM_REDRAW;
}

static int
a_select(struct dm_vm *vm, enum dm_act act, long arg)
{
	switch (act) {
	case DM_ACT_SELECT_ROW:
		vm_select_row(vm, arg, 1);
		break;
	case DM_ACT_SELECT_ARRAY:
		if (arg < 0 || (size_t)arg >= vm->net->narrays)
			break;
		vm_select_row(vm, (long)vm->net->arrays[arg].layer + 1, 0);
		vm->array = arg;
		vm_select_row(vm, vm->row, 1);
		break;
	default:
		if (arg < 0 || (uint64_t)arg >= dm_vm_byte_end(vm))
			break;
		vm->cursor = (uint64_t)arg;
		bytes_visible(vm, 0);
		vm_sync_from_cursor(vm);
		break;
	}
	return DM_VM_REDRAW;
}

static int
a_scroll(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	if (vm->focus == DM_PANE_LAYERS)
		vm_select_row(vm, vm->row + arg, 1);
	else if (vm->focus == DM_PANE_BYTES)
		cursor_move(vm, (int64_t)arg * vm->bytes_per_row);
	else
		pane_scroll(vm, vm->focus, arg);
	return DM_VM_REDRAW;
}

static int
a_problem(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return goto_problem(vm, act == DM_ACT_FIRST_PROBLEM ? 0 :
	    act == DM_ACT_NEXT_PROBLEM ? 1 : -1);
}

static int
a_warning(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	return goto_warning(vm);
}

static int
a_search(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];

	(void)arg;
	if (act != DM_ACT_SEARCH)
		return search(vm, act == DM_ACT_SEARCH_NEXT ? 1 : -1);
	snprintf(buf, sizeof buf, "search (type, index, cfg key, @offset)"
	    "%s%.40s%s", vm->search[0] ? " [" : "", vm->search,
	    vm->search[0] ? "]" : "");
	return prompt_open(vm, DM_PROMPT_SEARCH, buf, "");
}

static int
a_goto(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, vm->cursor);
	return prompt_open(vm, DM_PROMPT_GOTO, "go to byte offset (decimal "
	    "or 0x...)", buf);
}

static int
a_data_end(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, vm->ovr->data_end != DM_UNSET ?
	    (uint64_t)vm->ovr->data_end : vm->net->total_bytes);
	return prompt_open(vm, DM_PROMPT_DATA_END, "the data ends at byte "
	    "(empty: the end of the file)", buf);
}

static int
a_layer_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_layer_prompt(vm, act == DM_ACT_GAP ? DM_PROMPT_GAP :
	    act == DM_ACT_OFFSET ? DM_PROMPT_OFFSET : DM_PROMPT_ORDER);
}

static int
a_array_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_array_prompt(vm, act == DM_ACT_COUNT ? DM_PROMPT_COUNT :
	    act == DM_ACT_PERMUTE ? DM_PROMPT_PERMUTE :
	    act == DM_ACT_RESHAPE ? DM_PROMPT_RESHAPE : DM_PROMPT_RENAME);
}

static int
a_save(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];
	const char *b, *dot;

	(void)act;
	(void)arg;
	if (vm->profile_path != NULL)
		copy_str(buf, sizeof buf, vm->profile_path);
	else {
		b = base_name(vm->cfg_path);
		dot = strrchr(b, '.');
		snprintf(buf, sizeof buf, "%.*s.profile", dot != NULL ?
		    (int)(dot - b) : (int)strlen(b), b);
	}
	return prompt_open(vm, DM_PROMPT_SAVE, "save the profile to", buf);
}

static int
a_export(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	x_open(vm);
	return DM_VM_REDRAW;
}

static int
a_help(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	vm->screen = DM_SCREEN_HELP;
	vm->scroll[DM_PANE_HELP] = 0;
	return DM_VM_REDRAW;
}

static int
a_quit(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	return quit(vm);
}

static int
a_cancel(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	if (vm->msg[0] == '\0')
		return 0;
	vm->msg[0] = '\0';
	return DM_VM_REDRAW;
}

static int
a_accept(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)act;
	(void)arg;
	if (vm->focus == DM_PANE_LAYERS)
		vm->focus = DM_PANE_DETAILS;
	return DM_VM_REDRAW;
}

static act_fn *const main_actions[] = {
	[DM_ACT_UP] = a_move,
	[DM_ACT_DOWN] = a_move,
	[DM_ACT_PAGE_UP] = a_move,
	[DM_ACT_PAGE_DOWN] = a_move,
	[DM_ACT_TOP] = a_move,
	[DM_ACT_BOTTOM] = a_move,
	[DM_ACT_LEFT] = a_side,
	[DM_ACT_RIGHT] = a_side,
	[DM_ACT_FOCUS_NEXT] = a_focus,
	[DM_ACT_FOCUS_PREV] = a_focus,
	[DM_ACT_FOCUS] = a_focus,
	[DM_ACT_SELECT_ROW] = a_select,
	[DM_ACT_SELECT_ARRAY] = a_select,
	[DM_ACT_SELECT_BYTE] = a_select,
	[DM_ACT_SCROLL] = a_scroll,
	[DM_ACT_FIRST_PROBLEM] = a_problem,
	[DM_ACT_NEXT_PROBLEM] = a_problem,
	[DM_ACT_PREV_PROBLEM] = a_problem,
	[DM_ACT_NEXT_WARNING] = a_warning,
	[DM_ACT_SEARCH] = a_search,
	[DM_ACT_SEARCH_NEXT] = a_search,
	[DM_ACT_SEARCH_PREV] = a_search,
	[DM_ACT_GOTO] = a_goto,
	[DM_ACT_HEADER] = edit_file_toggle,
	[DM_ACT_TRANSPOSE] = edit_file_toggle,
	[DM_ACT_LAYOUT] = edit_file_toggle,
	[DM_ACT_DIALECT] = edit_file_toggle,
	[DM_ACT_DATA_END] = a_data_end,
	[DM_ACT_ABSENT] = edit_layer_toggle,
	[DM_ACT_OMIT] = edit_layer_toggle,
	[DM_ACT_CUTOFF] = edit_layer_toggle,
	[DM_ACT_GAP] = a_layer_prompt,
	[DM_ACT_GAP_ADD] = edit_gap_add,
	[DM_ACT_OFFSET] = a_layer_prompt,
	[DM_ACT_ORDER] = a_layer_prompt,
	[DM_ACT_COUNT] = a_array_prompt,
	[DM_ACT_TRANSPOSE_ARRAY] = edit_transpose_array,
	[DM_ACT_PERMUTE] = a_array_prompt,
	[DM_ACT_RESHAPE] = a_array_prompt,
	[DM_ACT_RENAME] = a_array_prompt,
	[DM_ACT_CLEAR] = edit_clear,
	[DM_ACT_CLEAR_ALL] = edit_clear,
	[DM_ACT_UNDO] = undo_redo,
	[DM_ACT_REDO] = undo_redo,
	[DM_ACT_REPAIR] = open_repair,
	[DM_ACT_SAVE] = a_save,
	[DM_ACT_EXPORT] = a_export,
	[DM_ACT_HELP] = a_help,
	[DM_ACT_QUIT] = a_quit,
	[DM_ACT_CANCEL] = a_cancel,
	[DM_ACT_ACCEPT] = a_accept,
};

static int
main_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	if ((size_t)act >= sizeof main_actions / sizeof main_actions[0] ||
	    main_actions[act] == NULL)
		return DM_VM_BELL;
	return main_actions[act](vm, act, arg);
}

int
dm_vm_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	if (act == DM_ACT_NONE)
		return 0;
	if (vm->prompt.kind != DM_PROMPT_NONE)
		return prompt_do(vm, act, arg);
	if (vm->screen != DM_SCREEN_MAIN)
		return screen_actions[vm->screen](vm, act, arg);
	return main_do(vm, act, arg);
}

/* Describing a change of overrides, one line per change. */

struct lines {
	char		*buf;
	size_t		 len, n;
	int		 count;
};

static void
put_line(struct lines *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_line(struct lines *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	o->count++;
	if (o->n + 1 >= o->len)
		return;
	if (o->n > 0)
		o->buf[o->n++] = '\n';
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->n += (size_t)r;
	if (o->n >= o->len)
		o->n = o->len - 1;
	o->buf[o->n] = '\0';
}

static const char *
fmt_val(char *buf, size_t len, int64_t v, const char *unset)
{
	if (v == DM_UNSET)
		snprintf(buf, len, "%s", unset);
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

static void
diff_file(struct lines *o, const struct dm_ovr *a, const struct dm_ovr *b)
{
	char x[32], y[32];

	if (a->header != b->header)
		put_line(o, "header: %s -> %s bytes", fmt_val(x, sizeof x,
		    a->header, "file's"), fmt_val(y, sizeof y, b->header,
		    "file's"));
	if (a->transpose != b->transpose)
		put_line(o, "transpose: %s -> %s", fmt_val(x, sizeof x,
		    a->transpose, "header's"), fmt_val(y, sizeof y,
		    b->transpose, "header's"));
	if (a->data_end != b->data_end)
		put_line(o, "data ends at byte: %s -> %s", fmt_val(x, sizeof x,
		    a->data_end, "end"), fmt_val(y, sizeof y, b->data_end,
		    "end"));
	if (a->layout != b->layout)
		put_line(o, "layout: %s -> %s", a->layout == DM_LAYOUT_SAVE ?
		    "save" : "load", b->layout == DM_LAYOUT_SAVE ? "save" :
		    "load");
}

static void
diff_layer(struct lines *o, size_t li, const struct dm_layer_ovr *p,
    const struct dm_layer_ovr *q)
{
	char x[32], y[32];

	if (p->absent != q->absent)
		put_line(o, "layer %zu: %s", li, q->absent ?
		    "absent from the file" : "no longer absent");
	if (p->omit != q->omit)
		put_line(o, "layer %zu: %s", li, q->omit ? "not exported" :
		    "exported again");
	if (p->cutoff != q->cutoff)
		put_line(o, "layer %zu: %s", li, q->cutoff ?
		    "the file ends after it" : "no cutoff");
	if (p->gap != q->gap)
		put_line(o, "layer %zu: gap %" PRId64 " -> %" PRId64 " bytes "
		    "before it", li, p->gap, q->gap);
	if (p->offset != q->offset)
		put_line(o, "layer %zu: starts at %s -> %s", li,
		    fmt_val(x, sizeof x, p->offset, "-"),
		    fmt_val(y, sizeof y, q->offset, "-"));
	if ((p->order == NULL) != (q->order == NULL) ||
	    (p->order != NULL && strcmp(p->order, q->order) != 0))
		put_line(o, "layer %zu: order %s", li, q->order != NULL ?
		    q->order : "as usual");
}

static void
diff_array(struct lines *o, const struct dm_array *ar,
    const struct dm_array_ovr *p, const struct dm_array_ovr *q)
{
	char x[32], y[32], shape[96];
	int cnt, shp;

	cnt = p->count != q->count;
	shp = p->nreshape != q->nreshape || memcmp(p->reshape, q->reshape,
	    sizeof p->reshape) != 0;
	fmt_val(x, sizeof x, p->count, "cfg's");
	fmt_val(y, sizeof y, q->count, "cfg's");
	join_u64(shape, sizeof shape, q->reshape, q->nreshape);
	if (q->nreshape == 0)
		snprintf(shape, sizeof shape, "from the cfg");
	if (cnt && shp)
		put_line(o, "layer %zu %s: %s -> %s floats, shape [%s]",
		    ar->layer, ar->name, x, y, shape);
	else if (cnt)
		put_line(o, "layer %zu %s: %s -> %s floats", ar->layer,
		    ar->name, x, y);
	else if (shp)
		put_line(o, "layer %zu %s: shape [%s]", ar->layer, ar->name,
		    shape);
	if (p->transpose != q->transpose)
		put_line(o, "layer %zu %s: %s", ar->layer, ar->name,
		    q->transpose == 1 ? "stored transposed" : "stored as is");
	if (p->nperm != q->nperm || memcmp(p->perm, q->perm,
	    sizeof p->perm) != 0)
		put_line(o, "layer %zu %s: axis order changed", ar->layer,
		    ar->name);
	if ((p->rename == NULL) != (q->rename == NULL) ||
	    (p->rename != NULL && strcmp(p->rename, q->rename) != 0))
		put_line(o, "layer %zu %s: key %s", ar->layer, ar->name,
		    q->rename != NULL ? q->rename : "from the scheme");
}

int
dm_vm_ovr_diff(const struct dm_vm *vm, const struct dm_ovr *a,
    const struct dm_ovr *b, char *buf, size_t len)
{
	static const struct dm_layer_ovr none_l = { .offset = DM_UNSET };
	static const struct dm_array_ovr none_a = {
		.transpose = DM_UNSET, .count = DM_UNSET
	};
	struct lines o = { buf, len, 0, 0 };
	const struct dm_layer_ovr *pl, *ql;
	const struct dm_array_ovr *pa, *qa;
	size_t i;

	if (len > 0)
		buf[0] = '\0';
	diff_file(&o, a, b);
	for (i = 0; i < vm->net->nlayers; i++) {
		pl = dm_ovr_find_layer(a, i);
		ql = dm_ovr_find_layer(b, i);
		if (pl != NULL || ql != NULL)
			diff_layer(&o, i, pl != NULL ? pl : &none_l,
			    ql != NULL ? ql : &none_l);
	}
	for (i = 0; i < vm->net->narrays; i++) {
		const struct dm_array *ar = &vm->net->arrays[i];

		pa = dm_ovr_find_array(a, ar->layer, ar->name);
		qa = dm_ovr_find_array(b, ar->layer, ar->name);
		if (pa != NULL || qa != NULL)
			diff_array(&o, ar, pa != NULL ? pa : &none_a,
			    qa != NULL ? qa : &none_a);
	}
	return o.count;
}

/* Autosave paths. */

int
dm_vm_autosave_dir(char *buf, size_t len)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	int r;

	if (x != NULL && x[0] == '/')
		r = snprintf(buf, len, "%s/darkmap", x);
	else if (h != NULL && h[0] != '\0')
		r = snprintf(buf, len, "%s/.local/state/darkmap", h);
	else
		return -1;
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

static void
abs_path(const char *p, char *buf, size_t len)
{
	char cwd[PATH_MAX];

	if (p == NULL)
		snprintf(buf, len, "-");
	else if (realpath(p, buf) != NULL)
		return;
	else if (p[0] != '/' && getcwd(cwd, sizeof cwd) != NULL &&
	    strlen(cwd) + strlen(p) + 2 <= len) {
		memcpy(buf, cwd, strlen(cwd));
		buf[strlen(cwd)] = '/';
		memcpy(buf + strlen(cwd) + 1, p, strlen(p) + 1);
	} else
		copy_str(buf, len, p);
}

int
dm_vm_autosave_path(const char *dir, const char *cfg, const char *weights,
    char *buf, size_t len)
{
	char a[PATH_MAX], b[PATH_MAX], both[2 * PATH_MAX + 2], hash[64];
	const char *hex;
	int r;

	abs_path(cfg, a, sizeof a);
	abs_path(weights, b, sizeof b);
	snprintf(both, sizeof both, "%s\n%s", a, b);
	dm_profile_hash((const uint8_t *)both, strlen(both), hash,
	    sizeof hash);
	hex = strchr(hash, ':') != NULL ? strchr(hash, ':') + 1 : hash;
	r = snprintf(buf, len, "%s/%s.%s.profile", dir, base_name(cfg), hex);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}
