/*
 * session.c - an opened cfg and weights pair: set-up from the command
 * line's options, the overrides in force and their history, the layout
 * and what is derived from it (marks, owners of bytes, warnings), the
 * diagnosis, the autosave, saving and exporting.
 */
#include "config.h"

#include "session.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diagjob.h"
#include "model.h"

#define UNDO_MAX	1000
#define NOTES_MAX	2

/* One snapshot of the overrides in the undo or redo history. */
struct state {
	struct dm_ovr	*ovr;
	unsigned	 serial;	/* equal serials: same overrides */
	char		 what[96];	/* the edit that led away from it */
};

struct hist {
	struct state	*v;
	size_t		 n, cap;
};

struct dm_session {
	struct dm_net	*net;
	struct dm_weights *w;		/* NULL without a weights file */
	struct dm_ovr	*ovr;		/* the overrides in force */
	struct dm_verdict v;
	char		*cfg_path;
	char		*weights_path;
	char		*profile_path;	/* saved to / loaded from, or NULL */
	unsigned	 file_header;	/* the file's own header size */
	enum dm_layout_mode base_mode;	/* without a layout override */
	enum dm_dialect	 base_dialect;	/* without a dialect override */
	unsigned	 flags;
	char		 notes[NOTES_MAX][DM_NOTE_MAX];
	size_t		 nnotes;

	/* The diagnosis. */
	struct dm_diag	 d;		/* valid when have_diag */
	int		 have_diag;
	int		 diag_pending;	/* being computed in the background */
	char		 diag_error[DM_ERROR_MAX];
	struct dm_diagjob *job;

	/* Edits. */
	unsigned	 serial, next_serial, saved_serial;
	struct dm_ovr	*saved;		/* as last saved or opened, pruned;
					   NULL: compare the serials */
	int		 source_rewritten; /* the profile read was saved
					   over: its lines are gone */
	struct hist	 undo, redo;

	/* Derived from the layout. */
	size_t		*by_offset;	/* present arrays sorted by offset */
	size_t		 nby_offset;
	enum dm_mark	*marks;		/* per layer */
	struct dm_warning *warnings;	/* the cfg's and the net's, by line */
	size_t		 nwarnings;

	/* The cfg's text. */
	char		*cfg_text;
	char		**cfg_lines;	/* pointers into cfg_text */
	size_t		 ncfg_lines;

	/* Autosave. */
	char		*autosave;	/* path, or NULL: none */
	struct dm_ovr	*recovered;
	char		 recovered_when[64];
	char		 autosave_error[DM_ERROR_MAX + 128];
};

static void	 after_layout(struct dm_session *);
static void	 autosave(struct dm_session *);

static char *
str_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The layout parameters for a set of overrides. */

static uint64_t
header_of(const struct dm_session *s, const struct dm_ovr *o)
{
	return o->header != DM_UNSET ? (uint64_t)o->header : s->file_header;
}

static enum dm_layout_mode
mode_of(const struct dm_session *s, const struct dm_ovr *o)
{
	return o->layout != DM_UNSET ? (enum dm_layout_mode)o->layout :
	    s->base_mode;
}

static enum dm_dialect
dialect_of(const struct dm_session *s, const struct dm_ovr *o)
{
	return o->dialect != DM_UNSET ? (enum dm_dialect)o->dialect :
	    s->base_dialect;
}

/* The header size the weights file itself gives (20 without one). */
static unsigned
own_header(const struct dm_weights *w)
{
	return w != NULL && w->is_weights && w->has_header ? w->hdr.size :
	    DM_HEADER_LONG;
}

int
dm_session_file_transpose(const struct dm_session *s)
{
	return s->w != NULL && s->w->is_weights && s->w->has_header ?
	    s->w->hdr.transpose : 0;
}

static int
can_diagnose(const struct dm_session *s)
{
	return s->w != NULL && s->w->is_weights;
}

static int
layout(struct dm_session *s, const struct dm_ovr *o, struct dm_error *err)
{
	return dm_net_layout_ovr(s->net, header_of(s, o), mode_of(s, o),
	    dm_session_file_transpose(s), o, err);
}

/* Accessors. */

/* The getters that only read a field. */
#define SESSION_GET(type, name, field) \
	type dm_session_##name(const struct dm_session *s) { return s->field; }

SESSION_GET(const struct dm_net *, net, net)
SESSION_GET(const struct dm_weights *, weights, w)
SESSION_GET(const struct dm_ovr *, ovr, ovr)
SESSION_GET(const char *, cfg_path, cfg_path)
SESSION_GET(const char *, weights_path, weights_path)
SESSION_GET(const char *, profile_path, profile_path)
SESSION_GET(size_t, nnotes, nnotes)
SESSION_GET(int, diag_pending, diag_pending)
SESSION_GET(const char *, diag_error, diag_error)
SESSION_GET(unsigned, file_header, file_header)
SESSION_GET(enum dm_dialect, base_dialect, base_dialect)
SESSION_GET(enum dm_layout_mode, base_mode, base_mode)
SESSION_GET(unsigned, serial, serial)
SESSION_GET(const char *, autosave, autosave)
SESSION_GET(size_t, nwarnings, nwarnings)
SESSION_GET(size_t, ncfg_lines, ncfg_lines)
SESSION_GET(const char *, autosave_error, autosave_error)
SESSION_GET(size_t, nby_offset, nby_offset)

const struct dm_verdict *
dm_session_verdict(const struct dm_session *s)
{
	return &s->v;
}

const char *
dm_session_note(const struct dm_session *s, size_t i)
{
	return i < s->nnotes ? s->notes[i] : NULL;
}

const struct dm_diag *
dm_session_diag(const struct dm_session *s)
{
	return s->have_diag ? &s->d : NULL;
}

int
dm_session_dirty(const struct dm_session *s)
{
	if (s->serial == s->saved_serial)
		return 0;
	return s->saved == NULL || !dm_ovr_equal(s->ovr, s->saved);
}

size_t
dm_session_unsaved(const struct dm_session *s, const char **what,
    size_t max)
{
	size_t k, i, from = 0;

	if (!dm_session_dirty(s))
		return 0;
	/* The edits since the history last held the saved state. */
	for (k = s->undo.n; k-- > 0; )
		if (s->undo.v[k].serial == s->saved_serial ||
		    (s->saved != NULL && dm_ovr_equal(s->undo.v[k].ovr,
		    s->saved))) {
			from = k;
			break;
		}
	for (i = 0; i < max && from + i < s->undo.n; i++)
		what[i] = s->undo.v[from + i].what;
	return s->undo.n > from ? s->undo.n - from : 1;
}

/* Remembers the overrides in force as the saved state. */
static void
mark_saved(struct dm_session *s)
{
	dm_ovr_free(s->saved);
	if ((s->saved = dm_ovr_dup(s->ovr)) != NULL)
		dm_ovr_prune(s->saved);
	s->saved_serial = s->serial;
}

size_t
dm_session_history(const struct dm_session *s, int redo)
{
	return redo ? s->redo.n : s->undo.n;
}

const struct dm_ovr *
dm_session_recovered(const struct dm_session *s, const char **when)
{
	if (when != NULL)
		*when = s->recovered_when;
	return s->recovered;
}

const struct dm_warning *
dm_session_warning(const struct dm_session *s, size_t i)
{
	return i < s->nwarnings ? &s->warnings[i] : NULL;
}

const char *
dm_session_cfg_line(const struct dm_session *s, size_t line)
{
	return line >= 1 && line <= s->ncfg_lines && s->cfg_lines != NULL ?
	    s->cfg_lines[line - 1] : NULL;
}

/* The diagnosis. */

/* Starts the diagnosis of the session as it stands. */
static void
diagnose(struct dm_session *s)
{
	struct dm_error err;
	struct dm_ovr *copy;

	if (s->have_diag)
		dm_diag_release(&s->d);
	s->have_diag = 0;
	s->diag_pending = 0;
	s->diag_error[0] = '\0';
	if (!can_diagnose(s))
		return;
	if (s->job != NULL && (copy = dm_ovr_dup(s->ovr)) != NULL) {
		dm_diagjob_request(s->job, s->serial, copy,
		    s->net->header_size, s->net->mode,
		    dm_session_file_transpose(s));
		s->diag_pending = 1;
		return;
	}
	if (!(s->flags & DM_SESSION_DIAGNOSE))
		return;
	dm_error_clear(&err);
	if (dm_diagnose(s->net, s->w, s->ovr, 0, &s->d, &err) == -1)
		snprintf(s->diag_error, sizeof s->diag_error, "%s", err.msg);
	else
		s->have_diag = 1;
}

int
dm_session_diagnose(struct dm_session *s, struct dm_error *err)
{
	if (s->have_diag)
		dm_diag_release(&s->d);
	s->have_diag = 0;
	if (dm_diagnose(s->net, s->w, s->ovr, 0, &s->d, err) == -1)
		return -1;
	s->have_diag = 1;
	after_layout(s);
	return 0;
}

int
dm_session_poll(struct dm_session *s)
{
	int rc, busy;

	struct dm_diag d;

	if (s->job == NULL || !s->diag_pending)
		return 0;
	memset(&d, 0, sizeof d);
	if (!dm_diagjob_collect(s->job, s->serial, &rc, &d, s->diag_error,
	    sizeof s->diag_error, &busy))
		return 0;
	s->diag_pending = busy;
	if (rc == 0) {
		if (s->have_diag)
			dm_diag_release(&s->d);
		s->d = d;
		s->have_diag = 1;
	}
	after_layout(s);
	return 1;
}

void
dm_session_wait(struct dm_session *s)
{
	struct timespec ts = { 0, 1000000 };

	while (s->diag_pending) {
		dm_session_poll(s);
		if (s->diag_pending)
			nanosleep(&ts, NULL);
	}
}

/* What is derived from the layout. */

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
dm_session_data_end(const struct dm_session *s)
{
	uint64_t end;

	if (s->w == NULL)
		return s->net->total_bytes;
	end = s->w->size;
	return end < s->net->data_end ? end : s->net->data_end;
}

static enum dm_mark
level_mark(enum dm_level l)
{
	switch (l) {
	case DM_LEVEL_OK:
		return DM_MARK_OK;
	case DM_LEVEL_SUSPECT:
		return DM_MARK_SUSPECT;
	default:
		return DM_MARK_BAD;
	}
}

static void
compute_marks(struct dm_session *s)
{
	const struct dm_net *net = s->net;
	uint64_t end = dm_session_data_end(s);
	int weights = s->w != NULL && s->w->is_weights;
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
			if (weights && a->offset + a->count * 4 > end)
				m = DM_MARK_MISMATCH;
		}
		if (!present && missing)
			m = DM_MARK_ABSENT;
		else if (present && m != DM_MARK_MISMATCH && weights) {
			if (s->have_diag)
				m = level_mark(s->d.layer_level[li]);
			else
				m = s->diag_pending ? DM_MARK_PENDING :
				    DM_MARK_NONE;
		}
		s->marks[li] = m;
	}
}

/* After every new layout or diagnosis. */
static void
after_layout(struct dm_session *s)
{
	const struct dm_net *net = s->net;
	size_t i, n = 0;

	dm_verdict_compute(net, s->w, &s->v);
	for (i = 0; i < net->narrays; i++)
		if (dm_array_present(&net->arrays[i]))
			s->by_offset[n++] = i;
	s->nby_offset = n;
	sort_by_offset(net, s->by_offset, n);
	compute_marks(s);
}

/* Reads the cfg's text for the cfg pane; a failure leaves it empty. */
static void
load_cfg_text(struct dm_session *s)
{
	char chunk[8192], *buf = NULL, *p, **lines;
	size_t len = 0, n, cap, k;
	FILE *fp, *mem;
	int bad = 0;

	if ((fp = fopen(s->cfg_path, "r")) == NULL)
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
	s->cfg_text = buf;
	s->cfg_lines = lines;
	s->ncfg_lines = n;
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
warnings_collect(const struct dm_net *net, struct dm_warning **out,
    size_t *nout)
{
	const struct dm_cfg *cfg = net->cfg;
	struct dm_warning *v;
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

/* What goes with a net: allocated before it is adopted. */
struct derived {
	size_t		*by_offset;
	enum dm_mark	*marks;
	struct dm_warning *warnings;
	size_t		 nwarnings;
};

static int
derived_alloc(const struct dm_net *net, struct derived *dv)
{
	memset(dv, 0, sizeof *dv);
	dv->by_offset = calloc(net->narrays + 1, sizeof *dv->by_offset);
	dv->marks = calloc(net->nlayers + 1, sizeof *dv->marks);
	if (dv->by_offset == NULL || dv->marks == NULL ||
	    warnings_collect(net, &dv->warnings, &dv->nwarnings) == -1) {
		free(dv->by_offset);
		free(dv->marks);
		return -1;
	}
	return 0;
}

static void
derived_swap(struct dm_session *s, struct derived *dv)
{
	struct derived old = { s->by_offset, s->marks, s->warnings,
	    s->nwarnings };

	s->by_offset = dv->by_offset;
	s->nby_offset = 0;
	s->marks = dv->marks;
	s->warnings = dv->warnings;
	s->nwarnings = dv->nwarnings;
	*dv = old;
}

static void
derived_free(struct derived *dv)
{
	free(dv->by_offset);
	free(dv->marks);
	free(dv->warnings);
}

/*
 * Lays the session out on o, first reading the cfg and the weights file
 * again when o asks for the other Darknet fork: the fork decides the
 * layers' arrays and the header rules.  If the reading or the layout
 * fails, the session keeps the net it had, laid out as before.
 */
static int
adopt(struct dm_session *s, const struct dm_ovr *o, struct dm_error *err)
{
	enum dm_dialect want = dialect_of(s, o);
	struct dm_net *net, *old_net = s->net;
	struct dm_weights *w = NULL, *old_w = s->w;
	enum dm_layout_mode old_mode = s->base_mode;
	unsigned old_header = s->file_header;
	struct derived dv;

	if (want == s->net->dialect)
		return layout(s, o, err);
	if ((net = dm_net_load(s->cfg_path, want, err)) == NULL)
		return -1;
	if (s->weights_path != NULL &&
	    (w = dm_weights_open(s->weights_path, want, err)) == NULL) {
		dm_net_free(net);
		return -1;
	}
	if (derived_alloc(net, &dv) == -1) {
		dm_weights_close(w);
		dm_net_free(net);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	s->net = net;
	s->w = w;
	s->base_mode = net->mode;
	s->file_header = own_header(w);
	if (layout(s, o, err) == -1) {
		s->net = old_net;
		s->w = old_w;
		s->base_mode = old_mode;
		s->file_header = old_header;
		derived_free(&dv);
		dm_weights_close(w);
		dm_net_free(net);
		return -1;
	}
	/* What was derived from the old net goes with it. */
	if (s->have_diag)
		dm_diag_release(&s->d);
	s->have_diag = 0;
	s->diag_pending = 0;
	if (s->job != NULL) {
		dm_diagjob_stop(s->job);
		s->job = NULL;
	}
	if ((s->flags & DM_SESSION_ASYNC) && can_diagnose(s))
		s->job = dm_diagjob_start(s->cfg_path, s->weights_path,
		    net->dialect, net->narrays);
	derived_swap(s, &dv);
	derived_free(&dv);
	dm_weights_close(old_w);
	dm_net_free(old_net);
	return 0;
}

/* Opening. */

/*
 * Says where the overrides behind a refused check or layout came from.  An
 * error about an entry read from the profile names the profile and the
 * line already, and the options when there are any, since they may have
 * moved what the entry is about (a --header, another layer --absent); an
 * entry the options made or changed has no line.
 */
static int
ovr_fail(const struct dm_session_opts *o, struct dm_error *err)
{
	int cli = o->cli != NULL && !dm_ovr_empty(o->cli);
	size_t len;

	/* The error's position names a line of the profile. */
	if (o->profile != NULL && err->line > 0 && strncmp(err->file,
	    o->profile, sizeof err->file - 1) == 0) {
		len = strlen(err->msg);
		if (cli)
			snprintf(err->msg + len, sizeof err->msg - len,
			    " (with the override options)");
		return -1;
	}
	if (cli && o->profile != NULL)
		return dm_error_prefix(err, "%s and the override options",
		    o->profile);
	if (o->profile != NULL)
		return dm_error_prefix(err, "%s", o->profile);
	if (cli)
		return dm_error_prefix(err, "the override options");
	return -1;
}

static void
identity_of(const struct dm_session *s, struct dm_ovr_identity *id)
{
	memset(id, 0, sizeof *id);
	id->cfg_path = s->cfg_path;
	id->weights_path = s->weights_path;
	id->dialect = (int)s->net->dialect;
	if (s->w != NULL) {
		id->head = s->w->head;
		id->headlen = s->w->headlen;
		id->size = (int64_t)s->w->size;
	}
}

/* Reads the overrides: the profile's, with the options over them. */
static struct dm_ovr *
read_ovr(const struct dm_session_opts *o, struct dm_error *err)
{
	struct dm_ovr *ovr;

	if (o->profile != NULL)
		ovr = dm_profile_read(o->profile, err);
	else if ((ovr = dm_ovr_new()) == NULL)
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (ovr != NULL && o->cli != NULL &&
	    dm_ovr_merge(ovr, o->cli, err) == -1) {
		dm_ovr_free(ovr);
		return NULL;
	}
	return ovr;
}

/* Reads the net and the weights file and lays them out. */
static int
open_files(struct dm_session *s, const struct dm_session_opts *o,
    struct dm_error *err)
{
	struct dm_ovr_identity id;
	int dialect, layout_mode;

	dialect = o->dialect != DM_UNSET ? o->dialect :
	    s->ovr->dialect != DM_UNSET ? s->ovr->dialect : DM_DIALECT_AB;
	layout_mode = o->layout != DM_UNSET ? o->layout :
	    s->ovr->layout != DM_UNSET ? s->ovr->layout : DM_LAYOUT_LOAD;
	if ((s->net = dm_net_load(o->cfg, dialect, err)) == NULL)
		return -1;
	if (dm_ovr_check(s->ovr, s->net, err) == -1)
		return ovr_fail(o, err);
	if (o->weights != NULL &&
	    (s->w = dm_weights_open(o->weights, dialect, err)) == NULL)
		return -1;
	s->file_header = own_header(s->w);
	s->base_mode = (enum dm_layout_mode)layout_mode;
	s->base_dialect = s->net->dialect;
	if (dm_net_layout_ovr(s->net, header_of(s, s->ovr), s->base_mode,
	    dm_session_file_transpose(s), s->ovr, err) == -1)
		return ovr_fail(o, err);
	s->base_mode = s->net->mode;
	if (o->profile != NULL) {
		identity_of(s, &id);
		s->nnotes = dm_ovr_identity_notes(s->ovr, o->profile, &id,
		    s->notes);
	}
	return 0;
}

/* Offers the autosave of an earlier session on the same files. */
static void
check_autosave(struct dm_session *s)
{
	struct dm_error err;
	struct dm_ovr *o;
	struct stat sb;
	struct tm tm;

	if (s->autosave == NULL || stat(s->autosave, &sb) == -1)
		return;
	dm_error_clear(&err);
	if ((o = dm_profile_read(s->autosave, &err)) == NULL ||
	    dm_ovr_check(o, s->net, &err) == -1) {
		dm_ovr_free(o);
		snprintf(s->autosave_error, sizeof s->autosave_error,
		    "ignored the autosave %s: %s", s->autosave, err.msg);
		return;
	}
	if (dm_ovr_equal(o, s->ovr)) {
		dm_ovr_free(o);
		unlink(s->autosave);
		return;
	}
	s->recovered = o;
	localtime_r(&sb.st_mtime, &tm);
	strftime(s->recovered_when, sizeof s->recovered_when,
	    "%Y-%m-%d %H:%M", &tm);
}

struct dm_session *
dm_session_open(const struct dm_session_opts *o, struct dm_error *err)
{
	struct dm_session *s;
	struct derived dv;
	char path[PATH_MAX];

	if ((s = calloc(1, sizeof *s)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->flags = o->flags;
	s->serial = s->saved_serial = s->next_serial = 1;
	s->cfg_path = str_dup(o->cfg);
	s->weights_path = str_dup(o->weights);
	s->profile_path = str_dup(o->profile);
	if (s->cfg_path == NULL || (o->weights != NULL &&
	    s->weights_path == NULL) || (o->profile != NULL &&
	    s->profile_path == NULL)) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((s->ovr = read_ovr(o, err)) == NULL ||
	    open_files(s, o, err) == -1)
		goto fail;
	/* The fork the session opened with is no edit. */
	if (s->ovr->dialect == (int)s->net->dialect)
		s->ovr->dialect = DM_UNSET;
	mark_saved(s);
	if (derived_alloc(s->net, &dv) == -1) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	derived_swap(s, &dv);
	if (s->flags & DM_SESSION_CFG_TEXT)
		load_cfg_text(s);
	if ((s->flags & DM_SESSION_ASYNC) && can_diagnose(s))
		s->job = dm_diagjob_start(s->cfg_path, s->weights_path,
		    s->net->dialect, s->net->narrays);
	diagnose(s);
	after_layout(s);
	if (o->autosave_dir != NULL && dm_session_autosave_path(
	    o->autosave_dir, o->cfg, o->weights, path, sizeof path) == 0)
		s->autosave = strdup(path);
	check_autosave(s);
	return s;
fail:
	dm_session_free(s);
	return NULL;
}

static void
hist_clear(struct hist *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		dm_ovr_free(h->v[i].ovr);
	h->n = 0;
}

void
dm_session_free(struct dm_session *s)
{
	if (s == NULL)
		return;
	if (s->job != NULL)
		dm_diagjob_stop(s->job);
	if (s->have_diag)
		dm_diag_release(&s->d);
	hist_clear(&s->undo);
	hist_clear(&s->redo);
	free(s->undo.v);
	free(s->redo.v);
	dm_net_free(s->net);
	dm_weights_close(s->w);
	dm_ovr_free(s->ovr);
	dm_ovr_free(s->saved);
	dm_ovr_free(s->recovered);
	free(s->cfg_path);
	free(s->weights_path);
	free(s->profile_path);
	free(s->autosave);
	free(s->cfg_text);
	free(s->cfg_lines);
	free(s->by_offset);
	free(s->marks);
	free(s->warnings);
	free(s);
}

/* Edits and their history. */

/* Makes room for one more snapshot in h. */
static int
hist_reserve(struct hist *h)
{
	struct state *v;

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
hist_push(struct hist *h, struct dm_ovr *ovr, unsigned serial,
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

/* The session now stands on s->ovr: diagnose, autosave. */
static void
changed(struct dm_session *s)
{
	diagnose(s);
	after_layout(s);
	autosave(s);
}

int
dm_session_apply(struct dm_session *s, struct dm_ovr *next,
    const char *what, struct dm_error *err)
{
	/*
	 * Overrides made from a copy taken before the profile was saved over
	 * (a repair found by the diagnosis) remember its old lines too.
	 */
	if (s->source_rewritten && next->path != NULL) {
		free(next->path);
		next->path = NULL;
	}
	dm_ovr_prune(next);
	if (dm_ovr_equal(next, s->ovr)) {
		dm_ovr_free(next);
		return 0;
	}
	/* Room first: once next is adopted, nothing may fail. */
	if (hist_reserve(&s->undo) == -1) {
		dm_ovr_free(next);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	if (adopt(s, next, err) == -1) {
		layout(s, s->ovr, NULL);
		dm_ovr_free(next);
		return -1;
	}
	hist_push(&s->undo, s->ovr, s->serial, what);
	hist_clear(&s->redo);
	s->ovr = next;
	s->serial = ++s->next_serial;
	changed(s);
	return 1;
}

static int
undo_redo(struct dm_session *s, int redo, const char **what,
    struct dm_error *err)
{
	struct hist *from = redo ? &s->redo : &s->undo;
	struct hist *to = redo ? &s->undo : &s->redo;
	struct state st;

	if (from->n == 0)
		return 0;
	st = from->v[from->n - 1];
	if (hist_reserve(to) == -1)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (adopt(s, st.ovr, err) == -1) {
		layout(s, s->ovr, NULL);
		return -1;
	}
	hist_push(to, s->ovr, s->serial, st.what);
	from->n--;
	s->ovr = st.ovr;
	s->serial = st.serial;
	changed(s);
	if (what != NULL)
		*what = to->v[to->n - 1].what;
	return 1;
}

int
dm_session_undo(struct dm_session *s, const char **what,
    struct dm_error *err)
{
	return undo_redo(s, 0, what, err);
}

int
dm_session_redo(struct dm_session *s, const char **what,
    struct dm_error *err)
{
	return undo_redo(s, 1, what, err);
}

int
dm_session_preview(struct dm_session *s, const struct dm_ovr *ovr,
    struct dm_verdict *v)
{
	if (layout(s, ovr, NULL) == -1) {
		layout(s, s->ovr, NULL);
		return -1;
	}
	dm_verdict_compute(s->net, s->w, v);
	layout(s, s->ovr, NULL);
	return 0;
}

int
dm_session_recover(struct dm_session *s, int yes, struct dm_error *err)
{
	struct dm_ovr *o = s->recovered;

	s->recovered = NULL;
	if (!yes) {
		dm_ovr_free(o);
		dm_session_drop_autosave(s);
		return 0;
	}
	if (o == NULL)
		return 0;
	return dm_session_apply(s, o, "recovered the autosaved edits", err);
}

void
dm_session_drop_autosave(struct dm_session *s)
{
	if (s->autosave != NULL)
		unlink(s->autosave);
}

/* Files. */

int
dm_session_identify(const struct dm_session *s, struct dm_ovr *ovr,
    struct dm_error *err)
{
	struct dm_ovr_identity id;

	identity_of(s, &id);
	return dm_ovr_identify(ovr, &id, err);
}

void
dm_session_make_parents(const char *path)
{
	char dir[PATH_MAX], *slash, *p;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	for (p = dir + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
}

static void
autosave(struct dm_session *s)
{
	struct dm_error err;
	struct dm_ovr *o;

	if (s->autosave == NULL)
		return;
	if (!dm_session_dirty(s)) {
		unlink(s->autosave);
		return;
	}
	if ((o = dm_ovr_dup(s->ovr)) == NULL)
		return;
	dm_error_clear(&err);
	if (dm_session_identify(s, o, &err) == 0 && o->note == NULL &&
	    (o->note = strdup("autosave of unsaved edits (darkmap "
	    "interface)")) == NULL)
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
	dm_session_make_parents(s->autosave);
	if (err.code == DM_OK && dm_profile_write(o, s->autosave, &err) == 0)
		s->autosave_error[0] = '\0';
	else
		snprintf(s->autosave_error, sizeof s->autosave_error,
		    "autosave failed: %s", err.msg);
	dm_ovr_free(o);
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

int
dm_session_write_profile(const struct dm_session *s, const struct dm_ovr *ovr,
    const char *path, const struct dm_ovr *extra, struct dm_error *err)
{
	struct dm_ovr *o;
	int rc;

	if ((o = dm_ovr_dup(ovr != NULL ? ovr : s->ovr)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	rc = dm_session_identify(s, o, err);
	if (rc == 0 && extra != NULL)
		rc = dm_ovr_merge(o, extra, err);
	if (rc == 0)
		rc = dm_profile_write(o, path, err);
	dm_ovr_free(o);
	return rc;
}

int
dm_session_save(struct dm_session *s, const char *path, struct dm_error *err)
{
	struct stat st;
	char *copy;
	size_t i;

	if (dm_session_write_profile(s, NULL, path, NULL, err) == -1)
		return -1;
	if (stat(path, &st) == 0) {
		if (forget_lines(s->ovr, path, &st))
			s->source_rewritten = 1;
		for (i = 0; i < s->undo.n; i++)
			if (forget_lines(s->undo.v[i].ovr, path, &st))
				s->source_rewritten = 1;
		for (i = 0; i < s->redo.n; i++)
			if (forget_lines(s->redo.v[i].ovr, path, &st))
				s->source_rewritten = 1;
	}
	if ((copy = strdup(path)) != NULL) {
		free(s->profile_path);
		s->profile_path = copy;
	}
	mark_saved(s);
	dm_session_drop_autosave(s);
	return 0;
}

struct dm_export *
dm_session_plan(struct dm_session *s, const struct dm_export_opts *xo,
    struct dm_error *err)
{
	return dm_export_plan(s->net, s->w, &s->v, xo, err);
}

/*
 * The files the session reads, nothing of which may be written over, then
 * also's (NULL-terminated, may be NULL); v has room for them and a NULL.
 */
static void
session_inputs(const struct dm_session *s, const char *const *also,
    const char **v)
{
	size_t n = 0;

	v[n++] = s->cfg_path;
	if (s->weights_path != NULL)
		v[n++] = s->weights_path;
	if (s->profile_path != NULL)
		v[n++] = s->profile_path;
	if (s->autosave != NULL)
		v[n++] = s->autosave;
	while (also != NULL && *also != NULL)
		v[n++] = *also++;
	v[n] = NULL;
}

int
dm_session_export(struct dm_session *s, struct dm_export *ex,
    const char *path, struct dm_error *err)
{
	const char *inputs[5];

	session_inputs(s, NULL, inputs);
	return dm_export_write(ex, path, inputs, err);
}

int
dm_session_model(struct dm_session *s, const char *path, const char *beside,
    struct dm_error *err)
{
	const char *also[2] = { beside, NULL };
	const char *inputs[6];

	session_inputs(s, also, inputs);
	return dm_model_write(s->net, path, inputs, DM_SYNC_REPLACE, err);
}

/* Reading the layout. */

enum dm_mark
dm_session_mark(const struct dm_session *s, size_t li)
{
	return li < s->net->nlayers ? s->marks[li] : DM_MARK_NONE;
}

int
dm_session_layer_range(const struct dm_session *s, size_t li, uint64_t *lo,
    uint64_t *hi)
{
	const struct dm_layer *l = &s->net->layers[li];
	size_t i;
	int any = 0;

	*lo = *hi = 0;
	for (i = l->first_array; i < l->first_array + l->narrays; i++) {
		const struct dm_array *a = &s->net->arrays[i];

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
dm_session_layer_floats(const struct dm_session *s, size_t li)
{
	const struct dm_layer *l = &s->net->layers[li];
	uint64_t n = 0;
	size_t i;

	for (i = l->first_array; i < l->first_array + l->narrays; i++)
		if (dm_array_present(&s->net->arrays[i]))
			n += s->net->arrays[i].count;
	return n;
}

uint64_t
dm_session_byte_end(const struct dm_session *s)
{
	uint64_t e = s->net->total_bytes;

	if (s->w != NULL && s->w->size > e)
		e = s->w->size;
	return e;
}

size_t
dm_session_by_offset(const struct dm_session *s, size_t k)
{
	return s->by_offset[k];
}

void
dm_session_owner(const struct dm_session *s, uint64_t off,
    struct dm_owner *o)
{
	const struct dm_net *net = s->net;
	size_t lo = 0, hi = s->nby_offset, mid, k;
	uint64_t size = s->w != NULL ? s->w->size : net->total_bytes;
	uint64_t eod = dm_session_data_end(s);

	o->array = -1;
	/* The last array starting at or before off. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (net->arrays[s->by_offset[mid]].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k > 0; k--) {
		const struct dm_array *a = &net->arrays[s->by_offset[k - 1]];

		if (off < a->offset + a->count * 4) {
			o->kind = off >= eod ? DM_OWN_MISSING : DM_OWN_ARRAY;
			o->array = (long)s->by_offset[k - 1];
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
dm_session_read(const struct dm_session *s, uint64_t off, uint8_t *buf,
    size_t len)
{
	if (s->w == NULL || off >= s->w->size)
		return 0;
	if (len > s->w->size - off)
		len = (size_t)(s->w->size - off);
	if (dm_weights_pread(s->w, buf, len, off, NULL) == -1)
		return 0;
	return len;
}

/* Autosave paths. */

int
dm_session_autosave_dir(char *buf, size_t len)
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
		snprintf(buf, len, "%s", p);
}

int
dm_session_autosave_path(const char *dir, const char *cfg,
    const char *weights, char *buf, size_t len)
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
	r = snprintf(buf, len, "%s/%s.%s.profile", dir, dm_base_name(cfg),
	    hex);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}
