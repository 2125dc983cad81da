/*
 * vmident.c - the identify screen's model: which cfgs explain a weights
 * file, as darkmap identify says, computed once; the candidates as a list
 * and the pair Enter opens from it.
 *
 * A candidate with changes (a class count, anchors) is opened from its
 * cfg with the changes applied, written once (through a temporary file)
 * to the state folder, under a folder named by a hash of the weights
 * file's path, the cfg and the changes: the profile of the pair then
 * names a cfg that exists, and W copies it where the user wants it.
 *
 * With the blind segmentation (no candidate reads plausibly), the
 * segments are a list of their own and a byte view shows the file at the
 * selected one, each byte annotated from the sketch alone
 * (dm_sketch_where()); the file stays open for it and is read a row at a
 * time.
 */
#include "config.h"

#include "vmpriv.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify.h"
#include "sketch.h"

struct vm_ident {
	char		*weights;	/* the file identified */
	struct stat	 st;		/* as it was then */
	unsigned	 dialects;	/* the forks it was read for */
	char		*warn;		/* about the catalogue, or NULL */
	struct dm_catalog *cat;
	struct dm_ident	 id;
	struct dm_sketch sk;
	int		 have_sk;
	char		*header;	/* the forensics */
	char		**lines;	/* a line per candidate */
	char		*text;		/* under the list, for sel */
	size_t		 sel;
	enum dm_idfocus	 focus;		/* what j/k move */
	/* The segments and their byte view, with a sketch. */
	struct dm_weights *w;		/* the file, open for the view */
	char		*seghead;	/* the line above the segments */
	char		**segs;		/* a line per segment, then the
					   bytes not read, if any */
	size_t		 nsegs, seg;	/* the selected one */
	uint64_t	 cursor, btop;	/* the byte view's */
	unsigned	 per;		/* bytes a row */
	long		 seg_page, byte_page;	/* rows shown */
	long		 opened;	/* the candidate whose cfg was
					   written last, or -1 */
	char		 cfg[PATH_MAX];	/* that cfg */
};

static void
ident_free(struct vm_ident *vi)
{
	size_t i;

	if (vi == NULL)
		return;
	for (i = 0; vi->lines != NULL && i < vi->id.ncands; i++)
		free(vi->lines[i]);
	free(vi->lines);
	for (i = 0; i < vi->nsegs; i++)
		free(vi->segs[i]);
	free(vi->segs);
	free(vi->seghead);
	if (vi->w != NULL)
		dm_weights_close(vi->w);
	dm_ident_release(&vi->id);
	if (vi->have_sk)
		dm_sketch_release(&vi->sk);
	dm_catalog_free(vi->cat);
	free(vi->header);
	free(vi->text);
	free(vi->warn);
	free(vi->weights);
	free(vi);
}

void
vm_ident_free(struct dm_vm *vm)
{
	ident_free(vm->id);
	vm->id = NULL;
}

/*
 * The catalogue as identify searches it without operands; what cannot be
 * read of DARKMAP_CFG_PATH is said in fp, as identify warns about it.
 */
static int
load_catalog(struct dm_catalog *cat, unsigned dialects, FILE *fp,
    struct dm_error *err)
{
	const char *dirs[4], *env = getenv("DARKMAP_CFG_PATH");
	char *copy, *p, *tok, *save = NULL;
	size_t i, n;

	if (env != NULL) {
		if ((copy = strdup(env)) == NULL)
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		for (p = copy; (tok = strtok_r(p, ":", &save)) != NULL;
		    p = NULL) {
			if (dm_catalog_add(cat, tok, dialects, DM_CAT_FOLDER,
			    err) == 0)
				continue;
			if (err->code == DM_ERR_NOMEM) {
				free(copy);
				return -1;
			}
			fputs("warning: DARKMAP_CFG_PATH: ", fp);
			dm_fputs_printable(fp, err->msg);
			fputc('\n', fp);
			dm_error_clear(err);
		}
		free(copy);
	}
	n = dm_catalog_default(dirs, 4);
	for (i = 0; i < n; i++)
		if (dm_catalog_add(cat, dirs[i], dialects, DM_CAT_BUNDLED,
		    err) == -1)
			return -1;
	return 0;
}

/* Text written by fn into a string; NULL when out of memory. */
#define MEMTEXT(out, call) do {						\
	size_t len_ = 0;						\
	FILE *fp_;							\
									\
	(out) = NULL;							\
	if ((fp_ = open_memstream(&(out), &len_)) != NULL) {		\
		call;							\
		if (fclose(fp_) != 0) {					\
			free(out);					\
			(out) = NULL;					\
		}							\
	}								\
} while (0)

/*
 * Removes the default catalogue's folder from the names in text s: the
 * screen names its cfgs as AlexeyAB/yolov4-tiny.cfg, as the README does.
 * The commands to run ("open" lines) keep their paths whole, so that
 * they work wherever they are pasted.
 */
static void
shorten(char *s)
{
	const char *dirs[4];
	char pre[4096], *line, *end, *p;
	size_t i, n = dm_catalog_default(dirs, 4), len;

	for (i = 0; s != NULL && i < n; i++) {
		len = (size_t)snprintf(pre, sizeof pre, "%s/", dirs[i]);
		if (len >= sizeof pre)
			continue;
		for (line = s; *line != '\0'; line = end) {
			end = line + strcspn(line, "\n");
			if (*end == '\n')
				end++;
			if (strncmp(line + strspn(line, " "), "open ", 5) == 0)
				continue;
			while ((p = strstr(line, pre)) != NULL && p < end) {
				memmove(p, p + len, strlen(p + len) + 1);
				end -= len;
			}
		}
	}
}

/* The text under the list: the selected candidate, then why none fits. */
static int
make_text(struct vm_ident *vi)
{
	char *t;

	MEMTEXT(t, {
		if (vi->id.ncands > 0)
			dm_ident_text_cand(fp_, &vi->id.cands[vi->sel],
			    vi->sel + 1, vi->weights);
		dm_ident_text_nofit(fp_, &vi->id);
	});
	if (t == NULL)
		return -1;
	shorten(t);
	free(vi->text);
	vi->text = t[0] == '\n' ? memmove(t, t + 1, strlen(t)) : t;
	return 0;
}

/*
 * The segment list: the lines of the segmentation as identify writes it,
 * the first (what was read) above the list, a line a segment, then the
 * bytes not read.
 */
static int
make_segs(struct vm_ident *vi)
{
	char *t, *p, *nl;
	size_t cap;

	MEMTEXT(t, dm_ident_text_segments(fp_, &vi->sk));
	if (t == NULL)
		return -1;
	cap = vi->sk.n + 1;
	if ((vi->segs = calloc(cap, sizeof *vi->segs)) == NULL) {
		free(t);
		return -1;
	}
	for (p = t; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (*p == '\0')
			continue;
		if (vi->seghead == NULL) {
			if ((vi->seghead = strdup(p)) == NULL)
				break;
		} else if (vi->nsegs < cap) {
			if ((vi->segs[vi->nsegs] = strdup(p)) == NULL)
				break;
			vi->nsegs++;
		}
	}
	free(t);
	vi->per = 16;
	vi->seg_page = vi->byte_page = 1;
	vi->cursor = vi->btop = vi->sk.hsize;
	return nl == NULL ? 0 : -1;
}

/* A candidate's line in the list. */
static char *
cand_line(const struct dm_cand *c, size_t rank)
{
	char sum[512], *t;

	dm_cand_summary(c, sum, sizeof sum);
	MEMTEXT(t, {
		fprintf(fp_, "%2zu. ", rank);
		dm_fputs_printable(fp_, dm_cand_cfg(c));
		fprintf(fp_, "  %s", c->dialect == DM_DIALECT_PJ ? "pj" : "ab");
		if (c->classes >= 0)
			fprintf(fp_, "  classes %d", c->classes);
		if (c->fit == DM_FIT_PARTIAL)
			fprintf(fp_, "  partial, cutoff %ld", c->cutoff);
		else
			fputs("  exact", fp_);
		fprintf(fp_, "  %ld/%ld plausible%s%s", c->plausible_layers,
		    c->layers, c->plausible ? "" : " (implausible)",
		    c->tied ? " (tie)" : "");
		if (sum[0] != '\0') {
			fputs("  ", fp_);
			dm_fputs_printable(fp_, sum);
		}
	});
	shorten(t);
	return t;
}

/* The warnings shown of a catalogue's: the rest are identify's to list. */
#define WARNINGS_SHOWN	3

static int
compute(struct vm_ident *vi, unsigned dialects, struct dm_error *err)
{
	struct dm_weights *w;
	size_t i, wlen = 0;
	FILE *wfp;
	int rc = -1;

	if ((w = dm_weights_open(vi->weights, DM_DIALECT_AB, err)) == NULL)
		return -1;
	if (!w->is_weights) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s", vi->weights,
		    w->what);
		dm_weights_close(w);
		return -1;
	}
	if (fstat(w->fd, &vi->st) == -1)
		memset(&vi->st, 0, sizeof vi->st);
	if ((vi->cat = dm_catalog_new()) == NULL ||
	    (wfp = open_memstream(&vi->warn, &wlen)) == NULL) {
		dm_weights_close(w);
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	}
	if ((rc = load_catalog(vi->cat, dialects, wfp, err)) == 0) {
		for (i = 0; i < vi->cat->nwarnings && i < WARNINGS_SHOWN; i++) {
			fputs("warning: ", wfp);
			dm_fputs_printable(wfp, vi->cat->warnings[i]);
			fputc('\n', wfp);
		}
		if (vi->cat->nwarnings > WARNINGS_SHOWN)
			fprintf(wfp, "warning: %zu more cfgs skipped "
			    "(darkmap identify lists them)\n",
			    vi->cat->nwarnings - WARNINGS_SHOWN);
	}
	if (fclose(wfp) != 0 && rc == 0)
		rc = dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (rc == 0 && (rc = dm_identify(w, vi->cat, dialects, &vi->id,
	    err)) == 0) {
		rc = 0;
		if (vi->id.ncands == 0 || !vi->id.cands[0].plausible) {
			if (dm_sketch(w, vi->id.hdr.size, &vi->sk, err) == 0) {
				vi->have_sk = 1;
				dm_ident_compare_sketch(&vi->id, &vi->sk, 5);
			} else
				rc = -1;
		} else if (vi->id.nclosest > 5)
			vi->id.nclosest = 5;
	}
	if (rc == 0 && vi->have_sk)
		vi->w = w;
	else
		dm_weights_close(w);
	if (rc == -1)
		return -1;
	MEMTEXT(vi->header, {
		dm_ident_text_header(fp_, vi->weights, &vi->id, vi->cat);
		fputs(vi->warn, fp_);
	});
	shorten(vi->header);
	if (vi->header == NULL || (vi->id.ncands > 0 && (vi->lines =
	    calloc(vi->id.ncands, sizeof *vi->lines)) == NULL))
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < vi->id.ncands; i++)
		if ((vi->lines[i] = cand_line(&vi->id.cands[i], i + 1)) ==
		    NULL)
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (make_text(vi) == -1 || (vi->have_sk && make_segs(vi) == -1))
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	return 0;
}

/* Identifies weights; NULL with err set. */
static struct vm_ident *
ident_new(const char *weights, unsigned dialects, struct dm_error *err)
{
	struct vm_ident *vi;

	if ((vi = calloc(1, sizeof *vi)) == NULL ||
	    (vi->weights = strdup(weights)) == NULL) {
		free(vi);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	vi->opened = -1;
	vi->dialects = dialects != 0 ? dialects : DM_DIALECTS_ALL;
	if (compute(vi, vi->dialects, err) == -1) {
		ident_free(vi);
		return NULL;
	}
	vi->focus = vi->id.ncands > 0 ? DM_IDF_CANDS : vi->nsegs > 0 ?
	    DM_IDF_SEGS : DM_IDF_TEXT;
	return vi;
}

/*
 * Whether the file identified changed on disk since (or is gone): its
 * identification no longer holds.
 */
static int
ident_stale(const struct vm_ident *vi)
{
	struct stat st;

	if (stat(vi->weights, &st) == -1)
		return 1;
	return st.st_dev != vi->st.st_dev || st.st_ino != vi->st.st_ino ||
	    st.st_size != vi->st.st_size ||
	    st.st_mtim.tv_sec != vi->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != vi->st.st_mtim.tv_nsec;
}

/*
 * Identifies the file again, after it changed on disk, in place of what
 * the screen shows; says so.
 */
static int
reidentify(struct dm_vm *vm)
{
	struct vm_ident *vi;
	struct dm_error err;

	dm_error_clear(&err);
	if ((vi = ident_new(vm->id->weights, vm->id->dialects, &err)) ==
	    NULL) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	ident_free(vm->id);
	vm->id = vi;
	vm->scroll[DM_PANE_HELP] = 0;
	dm_vm_message(vm, 1, "%s changed on disk: identified again; check "
	    "the candidates, then Enter opens one", dm_base_name(vi->weights));
	return DM_VM_REDRAW | DM_VM_BELL;
}

struct dm_vm *
dm_vm_new_identify(const char *weights, unsigned dialects,
    struct dm_error *err)
{
	struct dm_vm *vm;

	if ((vm = vm_alloc(err)) == NULL)
		return NULL;
	if ((vm->id = ident_new(weights, dialects, err)) == NULL) {
		free(vm);
		return NULL;
	}
	vm->screen = DM_SCREEN_IDENTIFY;
	return vm;
}

void
dm_vm_set_open(struct dm_vm *vm, unsigned flags, const char *autosave_dir,
    int layout)
{
	vm->open_flags = flags;
	vm->open_layout = layout;
	free(vm->autosave_dir);
	vm->autosave_dir = autosave_dir != NULL ? strdup(autosave_dir) : NULL;
}

int
vm_identify(struct dm_vm *vm, enum dm_act act, long arg)
{
	const char *path = dm_session_weights_path(vm->s);
	struct dm_error err;

	(void)act;
	(void)arg;
	if (path == NULL) {
		dm_vm_message(vm, 1, "no weights file to identify");
		return DM_VM_BELL | DM_VM_REDRAW;
	}
	dm_error_clear(&err);
	if (vm->id != NULL && (strcmp(vm->id->weights, path) != 0 ||
	    ident_stale(vm->id)))
		vm_ident_free(vm);
	if (vm->id == NULL && (vm->id = ident_new(path, 0, &err)) == NULL) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_BELL | DM_VM_REDRAW;
	}
	vm->screen = DM_SCREEN_IDENTIFY;
	vm->scroll[DM_PANE_HELP] = 0;
	return DM_VM_REDRAW;
}

/* The path of the cfg written for candidate c, in the state folder. */
static int
cand_path(const struct vm_ident *vi, const struct dm_cand *c, char *buf,
    size_t len, struct dm_error *err)
{
	char dir[PATH_MAX], abs[PATH_MAX], key[3 * PATH_MAX], sum[512];
	char hash[64], stem[256];
	const char *b = dm_base_name(c->entry->names[0]), *h;
	size_t n = strlen(b);
	int r;

	if (dm_session_autosave_dir(dir, sizeof dir) == -1)
		return dm_error_set(err, DM_ERR_IO, "no folder for the corrected "
		    "cfg (set HOME or XDG_STATE_HOME), or write it with "
		    "darkmap identify --write-cfg");
	if (realpath(vi->weights, abs) == NULL)
		snprintf(abs, sizeof abs, "%s", vi->weights);
	dm_cand_summary(c, sum, sizeof sum);
	snprintf(key, sizeof key, "%s\n%s\n%d\n%s", abs, c->net->cfg->path,
	    (int)c->dialect, sum);
	dm_profile_hash((const uint8_t *)key, strlen(key), hash, sizeof hash);
	h = strchr(hash, ':') != NULL ? strchr(hash, ':') + 1 : hash;
	if (n > 4 && strcmp(b + n - 4, ".cfg") == 0)
		n -= 4;
	snprintf(stem, sizeof stem, "%.*s", (int)n, b);
	if (c->classes >= 0)
		r = snprintf(buf, len, "%s/cfg/%s/%s-%d.cfg", dir, h, stem,
		    c->classes);
	else
		r = snprintf(buf, len, "%s/cfg/%s/%s.cfg", dir, h, stem);
	if (r < 0 || (size_t)r >= len)
		return dm_error_set(err, DM_ERR_IO, "%s: path too long", dir);
	return 0;
}

/*
 * The overrides the candidate opens with, as identify's command gives
 * them: its header size, and its cut (layers 0..cutoff-1, so the file
 * ends after layer cutoff-1).
 */
static struct dm_ovr *
cand_ovr(const struct dm_cand *c, struct dm_error *err)
{
	struct dm_ovr *o;
	char v[32];

	if ((o = dm_ovr_new()) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(v, sizeof v, "%u", c->hsize);
	if (c->hsize != c->hsize_rule &&
	    dm_ovr_parse_option(o, "header", v, err) == -1)
		goto fail;
	snprintf(v, sizeof v, "%ld", c->cutoff - 1);
	if (c->fit == DM_FIT_PARTIAL && c->cutoff > 0 &&
	    dm_ovr_parse_option(o, "cutoff", v, err) == -1)
		goto fail;
	return o;
fail:
	dm_ovr_free(o);
	return NULL;
}

/* Opens the selected candidate as the pair, in place of the one open. */
static int
open_cand(struct dm_vm *vm)
{
	struct vm_ident *vi = vm->id;
	const char *inputs[3];
	struct dm_session_opts so;
	struct dm_session *s;
	struct dm_error err;
	struct dm_cand *c;
	char cfg[PATH_MAX], sum[512], *colon;

	if (ident_stale(vi))
		return reidentify(vm);
	if (vi->id.ncands == 0) {
		dm_vm_message(vm, 1, "no cfg fits the file: nothing to open");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (dm_vm_dirty(vm)) {
		dm_vm_message(vm, 1, "the pair open has unsaved edits: save "
		    "(w) or undo (u) them before opening another cfg");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	c = &vi->id.cands[vi->sel];
	dm_error_clear(&err);
	if (c->nchanges == 0)
		snprintf(cfg, sizeof cfg, "%s", dm_cand_cfg(c));
	else {
		inputs[0] = vi->weights;
		inputs[1] = c->net->cfg->path;
		inputs[2] = NULL;
		if (cand_path(vi, c, cfg, sizeof cfg, &err) == -1)
			goto fail;
		dm_session_make_parents(cfg);
		if (dm_cand_write_cfg(c, cfg, inputs, &err) == -1)
			goto fail;
		vi->opened = (long)vi->sel;
		snprintf(vi->cfg, sizeof vi->cfg, "%s", cfg);
	}
	memset(&so, 0, sizeof so);
	so.cfg = cfg;
	so.weights = vi->weights;
	so.dialect = (int)c->dialect;
	so.layout = vm->s != NULL ? (int)dm_session_base_mode(vm->s) :
	    vm->open_layout;
	so.flags = vm->open_flags;
	so.autosave_dir = vm->autosave_dir;
	if ((so.cli = cand_ovr(c, &err)) == NULL)
		goto fail;
	s = dm_session_open(&so, &err);
	dm_ovr_free((struct dm_ovr *)so.cli);
	if (s == NULL)
		goto fail;
	vm_set_session(vm, s);
	dm_cand_summary(c, sum, sizeof sum);
	if ((colon = strchr(sum, ':')) != NULL)
		*colon = '\0';
	if (c->nchanges > 0)
		dm_vm_message(vm, 0, "%s: %s; the cfg is in %s (W writes a "
		    "copy)", dm_base_name(cfg), sum, cfg);
	else if (c->fit == DM_FIT_PARTIAL && c->cutoff > 0)
		dm_vm_message(vm, 0, "opened %s cut after layer %ld, the "
		    "backbone the file holds (--cutoff=%ld)", cfg,
		    c->cutoff - 1, c->cutoff - 1);
	else if (c->hsize != c->hsize_rule)
		dm_vm_message(vm, 0, "opened %s with a %u-byte header "
		    "(--header=%u)", cfg, c->hsize, c->hsize);
	else
		dm_vm_message(vm, 0, "opened %s as it is", cfg);
	return DM_VM_REDRAW;
fail:
	dm_vm_message(vm, 1, "%s", err.msg);
	return DM_VM_REDRAW | DM_VM_BELL;
}

static void
select_cand(struct dm_vm *vm, long i)
{
	struct vm_ident *vi = vm->id;

	i = clampl(i, 0, (long)vi->id.ncands - 1);
	if ((size_t)i == vi->sel)
		return;
	vi->sel = (size_t)i;
	if (make_text(vi) == -1)
		dm_vm_message(vm, 1, "out of memory");
	vm->scroll[DM_PANE_HELP] = 0;
}

/* The first byte of segment list entry i: a segment, or the bytes after. */
static uint64_t
seg_offset(const struct vm_ident *vi, size_t i)
{
	return i < vi->sk.n ? vi->sk.layers[i].offset :
	    vi->sk.hsize + 4 * vi->sk.explained;
}

/* Puts the byte view's cursor at off; the segment list follows it. */
static void
bytes_at(struct vm_ident *vi, uint64_t off, int recenter)
{
	struct dm_sk_where w;

	vi->cursor = off < vi->sk.size ? off : vi->sk.size > 0 ?
	    vi->sk.size - 1 : 0;
	vi->btop = vm_bytes_top(vi->cursor, vi->btop, vi->sk.size, vi->per,
	    vi->byte_page, recenter);
	dm_sketch_where(&vi->sk, vi->cursor, &w);
	if (w.kind == DM_SK_RUN)
		vi->seg = (size_t)w.seg;
	else if (w.kind == DM_SK_UNEXPLAINED && vi->cursor >=
	    seg_offset(vi, vi->sk.n) && vi->nsegs > vi->sk.n)
		vi->seg = vi->sk.n;
}

static void
select_seg(struct vm_ident *vi, long i)
{
	i = clampl(i, 0, (long)vi->nsegs - 1);
	vi->seg = (size_t)i;
	bytes_at(vi, seg_offset(vi, (size_t)i), 1);
}

/* j/k and the rest in the segment list or the byte view. */
static int
seg_move(struct vm_ident *vi, enum dm_act act, long arg)
{
	long page = vi->focus == DM_IDF_SEGS ? vi->seg_page :
	    vi->byte_page > 1 ? vi->byte_page - 1 : 1;
	int64_t per = vi->per, rows;

	if (vi->focus == DM_IDF_SEGS) {
		select_seg(vi, act == DM_ACT_UP ? (long)vi->seg - 1 :
		    act == DM_ACT_DOWN ? (long)vi->seg + 1 :
		    act == DM_ACT_PAGE_UP ? (long)vi->seg - page :
		    act == DM_ACT_PAGE_DOWN ? (long)vi->seg + page :
		    act == DM_ACT_SCROLL ? (long)vi->seg + arg :
		    act == DM_ACT_TOP ? 0 : (long)vi->nsegs - 1);
		return DM_VM_REDRAW;
	}
	if (act == DM_ACT_LEFT || act == DM_ACT_RIGHT) {
		bytes_at(vi, vm_cursor_step(vi->cursor, act == DM_ACT_LEFT ?
		    -4 : 4, vi->sk.size), 0);
		return DM_VM_REDRAW;
	}
	if (act == DM_ACT_TOP || act == DM_ACT_BOTTOM) {
		bytes_at(vi, act == DM_ACT_TOP ? 0 : vi->sk.size, 0);
		return DM_VM_REDRAW;
	}
	rows = act == DM_ACT_UP ? -1 : act == DM_ACT_DOWN ? 1 :
	    act == DM_ACT_PAGE_UP ? -page : act == DM_ACT_PAGE_DOWN ? page :
	    arg;
	bytes_at(vi, vm_cursor_step(vi->cursor, rows * per, vi->sk.size), 0);
	return DM_VM_REDRAW;
}

/* The next (step 1) or previous (-1) focus there is. */
static void
focus_step(struct vm_ident *vi, int step)
{
	int f = (int)vi->focus, i;

	for (i = 0; i < 4; i++) {
		f = (f + step + 4) % 4;
		if ((f == DM_IDF_CANDS && vi->id.ncands == 0) ||
		    ((f == DM_IDF_SEGS || f == DM_IDF_BYTES) &&
		    vi->nsegs == 0))
			continue;
		break;
	}
	vi->focus = (enum dm_idfocus)f;
}

int
vm_ident_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct vm_ident *vi = vm->id;
	long page = vm->page[DM_PANE_HELP];

	switch (act) {
	case DM_ACT_UP:
	case DM_ACT_DOWN:
	case DM_ACT_PAGE_UP:
	case DM_ACT_PAGE_DOWN:
	case DM_ACT_TOP:
	case DM_ACT_BOTTOM:
	case DM_ACT_SCROLL:
		if (vi->focus == DM_IDF_SEGS || vi->focus == DM_IDF_BYTES)
			return seg_move(vi, act, arg);
		if (vi->focus == DM_IDF_TEXT || act == DM_ACT_SCROLL)
			return vm_help_do(vm, act, arg);
		select_cand(vm, act == DM_ACT_UP ? (long)vi->sel - 1 :
		    act == DM_ACT_DOWN ? (long)vi->sel + 1 :
		    act == DM_ACT_PAGE_UP ? (long)vi->sel - page :
		    act == DM_ACT_PAGE_DOWN ? (long)vi->sel + page :
		    act == DM_ACT_TOP ? 0 : (long)vi->id.ncands - 1);
		return DM_VM_REDRAW;
	case DM_ACT_LEFT:
	case DM_ACT_RIGHT:
		if (vi->focus != DM_IDF_BYTES)
			return DM_VM_BELL;
		return seg_move(vi, act, arg);
	case DM_ACT_SELECT_ROW:		/* a click on candidate arg */
		if (vi->id.ncands == 0)
			return DM_VM_BELL;
		vi->focus = DM_IDF_CANDS;
		select_cand(vm, arg);
		return DM_VM_REDRAW;
	case DM_ACT_SELECT_BYTE:	/* a click in the byte view */
		if (vi->nsegs == 0 || arg < 0 ||
		    (uint64_t)arg >= vi->sk.size)
			return DM_VM_BELL;
		vi->focus = DM_IDF_BYTES;
		bytes_at(vi, (uint64_t)arg, 0);
		return DM_VM_REDRAW;
	case DM_ACT_FOCUS_NEXT:
	case DM_ACT_FOCUS_PREV:
		if (vi->id.ncands == 0 && vi->nsegs == 0)
			return DM_VM_BELL;
		focus_step(vi, act == DM_ACT_FOCUS_NEXT ? 1 : -1);
		return DM_VM_REDRAW;
	case DM_ACT_ACCEPT:
		return open_cand(vm);
	case DM_ACT_QUIT:
	case DM_ACT_CANCEL:
		/* Without a pair, there is nothing to go back to. */
		if (vm->s == NULL)
			return DM_VM_QUIT;
		vm->screen = DM_SCREEN_MAIN;
		return DM_VM_REDRAW;
	default:
		return DM_VM_BELL;
	}
}

int
vm_ident_wrote_cfg(const struct dm_vm *vm)
{
	return vm->s != NULL && vm->id != NULL && vm->id->opened >= 0 &&
	    strcmp(dm_session_cfg_path(vm->s), vm->id->cfg) == 0;
}

int
vm_ident_write_cfg(struct dm_vm *vm, const char *path)
{
	struct vm_ident *vi = vm->id;
	const struct dm_cand *c = &vi->id.cands[vi->opened];
	const char *inputs[4];
	struct dm_error err;

	inputs[0] = vi->weights;
	inputs[1] = c->net->cfg->path;
	inputs[2] = vi->cfg;
	inputs[3] = NULL;
	dm_error_clear(&err);
	if (dm_cand_write_cfg(c, path, inputs, &err) == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_vm_message(vm, 0, "wrote %s: the cfg the weights fit", path);
	return DM_VM_REDRAW;
}

/* The default name W proposes for it: the cfg's, in the current folder. */
const char *
vm_ident_cfg_name(const struct dm_vm *vm)
{
	return dm_base_name(vm->id->cfg);
}

#define IDENT_GET(type, name, expr, none) \
	type dm_vm_ident_##name(const struct dm_vm *vm) \
	{ return vm->id != NULL ? (expr) : (none); }

IDENT_GET(const char *, header, vm->id->header, NULL)
IDENT_GET(const char *, text, vm->id->text, NULL)
IDENT_GET(size_t, ncands, vm->id->id.ncands, 0)
IDENT_GET(size_t, sel, vm->id->sel, 0)
IDENT_GET(enum dm_idfocus, focus, vm->id->focus, DM_IDF_TEXT)
IDENT_GET(const char *, seg_head, vm->id->seghead, NULL)
IDENT_GET(size_t, nsegs, vm->id->nsegs, 0)
IDENT_GET(size_t, seg_sel, vm->id->seg, 0)
IDENT_GET(uint64_t, cursor, vm->id->cursor, 0)
IDENT_GET(uint64_t, btop, vm->id->btop, 0)
IDENT_GET(uint64_t, size, vm->id->nsegs > 0 ? vm->id->sk.size : 0, 0)
IDENT_GET(unsigned, per_row, vm->id->per, 16)

const char *
dm_vm_ident_cand(const struct dm_vm *vm, size_t i)
{
	return vm->id != NULL && i < vm->id->id.ncands ? vm->id->lines[i] :
	    NULL;
}

const char *
dm_vm_ident_seg(const struct dm_vm *vm, size_t i)
{
	return vm->id != NULL && i < vm->id->nsegs ? vm->id->segs[i] : NULL;
}

void
dm_vm_ident_set_pages(struct dm_vm *vm, long seg_rows, unsigned per_row,
    long byte_rows)
{
	struct vm_ident *vi = vm->id;

	if (vi == NULL || vi->nsegs == 0)
		return;
	vi->seg_page = seg_rows > 0 ? seg_rows : 1;
	vi->byte_page = byte_rows > 0 ? byte_rows : 1;
	per_row &= ~3u;
	vi->per = per_row > 0 ? per_row : 4;
	vi->btop = vm_bytes_top(vi->cursor, vi->btop, vi->sk.size, vi->per,
	    vi->byte_page, 0);
}

size_t
dm_vm_ident_read(const struct dm_vm *vm, uint64_t off, uint8_t *buf,
    size_t len)
{
	struct vm_ident *vi = vm->id;
	struct dm_error err;

	if (vi == NULL || vi->w == NULL || off >= vi->sk.size)
		return 0;
	if (len > vi->sk.size - off)
		len = (size_t)(vi->sk.size - off);
	dm_error_clear(&err);
	return dm_weights_pread(vi->w, buf, len, off, &err) == 0 ? len : 0;
}

int
dm_vm_ident_where(const struct dm_vm *vm, uint64_t off,
    struct dm_sk_where *w, char *buf, size_t len)
{
	if (vm->id == NULL || vm->id->nsegs == 0)
		return -1;
	dm_sketch_where(&vm->id->sk, off, w);
	if (buf != NULL)
		dm_sketch_where_text(&vm->id->sk, off, buf, len);
	return 0;
}
