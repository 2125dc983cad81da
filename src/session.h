/*
 * session.h - an opened cfg and weights pair, as every front end works
 * on it: `inspect`, `convert` and `fix` open one, and so does the
 * interface, which edits it.
 *
 * A session holds the net read from the cfg, the weights file (or none),
 * the overrides in force (a profile's, with the command-line ones laid
 * over them), the layout they give, the verdict, the diagnosis, and the
 * edits made since it opened: the undo and redo history, the autosave of
 * unsaved edits, and the profile they are saved to.
 *
 * Every edit is dm_session_apply() of a whole new set of overrides: the
 * net is laid out again (read again first when the set asks for the other
 * Darknet fork), the verdict recomputed and the diagnosis started again;
 * a set the core refuses (a gap before the data, a reshape of the wrong
 * size) leaves the session as it was.  With DM_SESSION_ASYNC the
 * diagnosis runs in a thread (src/diagjob.c): dm_session_poll() collects
 * it, and an edit cancels a run made stale.
 *
 * The session owns everything it holds (dm_session_free()).  The net,
 * weights, overrides, verdict, diagnosis and strings it hands out are
 * borrowed and valid until the next call that changes it (apply, undo,
 * redo, poll).
 */
#ifndef DM_SESSION_H
#define DM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "verdict.h"
#include "weights.h"

enum dm_session_flags {
	DM_SESSION_ASYNC = 1 << 0,	/* diagnose in a thread */
	DM_SESSION_DIAGNOSE = 1 << 1,	/* diagnose as it opens */
	DM_SESSION_CFG_TEXT = 1 << 2	/* keep the cfg's lines */
};

/* What to open, as the command line gives it. */
struct dm_session_opts {
	const char	*cfg;
	const char	*weights;	/* NULL: none */
	const char	*profile;	/* NULL: none */
	const struct dm_ovr *cli;	/* override options, or NULL */
	int		 dialect;	/* DM_UNSET: the profile's, else ab */
	int		 layout;	/* DM_UNSET: the profile's, else load */
	const char	*autosave_dir;	/* NULL: no autosave */
	unsigned	 flags;		/* enum dm_session_flags */
};

/* A layer's mark in the table. */
enum dm_mark {
	DM_MARK_NONE,		/* no parameters, or no weights file */
	DM_MARK_PENDING,	/* statistics not read yet */
	DM_MARK_OK,
	DM_MARK_SUSPECT,	/* some values look odd */
	DM_MARK_BAD,		/* implausible data */
	DM_MARK_MISMATCH,	/* not wholly in the file */
	DM_MARK_ABSENT		/* declared absent or cut off */
};

/* Who owns a byte of the file, as laid out. */
enum dm_owner_kind {
	DM_OWN_HEADER,
	DM_OWN_ARRAY,
	DM_OWN_GAP,		/* between arrays: nobody reads it */
	DM_OWN_TRAILING,	/* after the data: ignored */
	DM_OWN_MISSING		/* beyond the end of the file */
};

struct dm_owner {
	enum dm_owner_kind kind;
	long		 array;		/* the array it is in, or -1 */
};

/*
 * A warning of the cfg or the net, in line order.  text and msg are
 * borrowed from the net in force.
 */
struct dm_warning {
	int		 line;		/* its cfg line; 0: tied to none */
	const char	*text;		/* as inspect prints it */
	const char	*msg;		/* text without "file:line: " */
};

struct dm_session;

/*
 * Opens a session: reads the profile and merges the override options
 * into it, reads the cfg and the weights file, checks and lays out the
 * overrides, computes the verdict, and with DM_SESSION_DIAGNOSE (or
 * DM_SESSION_ASYNC) the diagnosis.  An error about the overrides says
 * where they came from: the profile's line, the options, or both.  NULL
 * with err set on failure.
 */
struct dm_session *dm_session_open(const struct dm_session_opts *o,
		     struct dm_error *err);
void		 dm_session_free(struct dm_session *s);

/* What it holds. */
const struct dm_net *dm_session_net(const struct dm_session *s);
const struct dm_weights *dm_session_weights(const struct dm_session *s);
const struct dm_ovr *dm_session_ovr(const struct dm_session *s);
const struct dm_verdict *dm_session_verdict(const struct dm_session *s);
const char	*dm_session_cfg_path(const struct dm_session *s);
const char	*dm_session_weights_path(const struct dm_session *s);
const char	*dm_session_profile_path(const struct dm_session *s);

/*
 * The warnings due as it opened (a profile made for other files), each
 * "warning: ...": how many, and the i-th.
 */
size_t		 dm_session_nnotes(const struct dm_session *s);
const char	*dm_session_note(const struct dm_session *s, size_t i);

/*
 * The diagnosis: NULL while none is in (no weights file, not computed,
 * pending, failed).  dm_session_diag_pending() says whether one is being
 * computed, dm_session_diag_error() why it failed ("" if it did not).
 */
const struct dm_diag *dm_session_diag(const struct dm_session *s);
int		 dm_session_diag_pending(const struct dm_session *s);
const char	*dm_session_diag_error(const struct dm_session *s);

/* Diagnoses the session as it stands, now (the commands). */
int		 dm_session_diagnose(struct dm_session *s, struct dm_error *err);

/*
 * Collects a diagnosis finished in the background; 1 when the session
 * changed.
 */
int		 dm_session_poll(struct dm_session *s);

/* Waits for the background diagnosis, if any (tests). */
void		 dm_session_wait(struct dm_session *s);

/* The header size the weights file gives (20 without a file). */
unsigned	 dm_session_file_header(const struct dm_session *s);
/* The transpose flag of the file's header (0 without one). */
int		 dm_session_file_transpose(const struct dm_session *s);
/* The fork and layout mode without overrides. */
enum dm_dialect	 dm_session_base_dialect(const struct dm_session *s);
enum dm_layout_mode dm_session_base_mode(const struct dm_session *s);

/* Edits. */

/*
 * Puts next (taken) in force, what describing the edit for the history:
 * 1 done, 0 when it changes nothing, -1 with err set when the core
 * refuses it (the session is then unchanged).  Entries that change
 * nothing are pruned first.
 */
int		 dm_session_apply(struct dm_session *s, struct dm_ovr *next,
		     const char *what, struct dm_error *err);

/*
 * Undoes or redoes the last edit: 1 done (what, if not NULL, describes
 * it), 0 when there is nothing to undo or redo, -1 with err set.
 */
int		 dm_session_undo(struct dm_session *s, const char **what,
		     struct dm_error *err);
int		 dm_session_redo(struct dm_session *s, const char **what,
		     struct dm_error *err);
size_t		 dm_session_history(const struct dm_session *s, int redo);

/* A serial number of the overrides in force: equal, same overrides. */
unsigned	 dm_session_serial(const struct dm_session *s);

/*
 * Whether the overrides in force differ from those last saved in a
 * profile (or those the session opened with): an edit undone, or the
 * fork switched twice, leaves nothing unsaved.
 */
int		 dm_session_dirty(const struct dm_session *s);

/*
 * How many edits are unsaved (0 when none), the edits made since the
 * history last held the saved state; what[0..max) gets the descriptions
 * of the first of them, oldest first.
 */
size_t		 dm_session_unsaved(const struct dm_session *s,
		     const char **what, size_t max);

/*
 * Lays the net out as ovr would and computes that verdict into v, then
 * lays the session out as it was; -1 when the core refuses ovr.
 */
int		 dm_session_preview(struct dm_session *s,
		     const struct dm_ovr *ovr, struct dm_verdict *v);

/* Files. */

/*
 * Records in ovr what the session's files are (dm_ovr_identify()).
 */
int		 dm_session_identify(const struct dm_session *s,
		     struct dm_ovr *ovr, struct dm_error *err);

/*
 * Writes ovr (NULL: the overrides in force) as a profile at path, with
 * the files' identity, and extra laid over it if not NULL (the export
 * settings the options give).  The session does not change.
 */
int		 dm_session_write_profile(const struct dm_session *s,
		     const struct dm_ovr *ovr, const char *path,
		     const struct dm_ovr *extra, struct dm_error *err);

/*
 * Saves the overrides in force as the session's profile: it is then
 * clean, the autosave goes, and the lines of a profile saved over are
 * forgotten.
 */
int		 dm_session_save(struct dm_session *s, const char *path,
		     struct dm_error *err);

/* Plans the export of the session as xo says (dm_export_plan()). */
struct dm_export *dm_session_plan(struct dm_session *s,
		     const struct dm_export_opts *xo, struct dm_error *err);

/*
 * Writes a planned export to path; the session's files (cfg, weights,
 * profile, autosave) are its inputs, never written over.
 */
int		 dm_session_export(struct dm_session *s, struct dm_export *ex,
		     const char *path, struct dm_error *err);

/*
 * Writes the model of the session's net, with its overrides
 * (dm_model_write()), to path; the session's files and beside (an export
 * written with it, or NULL) are its inputs, never written over.
 */
int		 dm_session_model(struct dm_session *s, const char *path,
		     const char *beside, struct dm_error *err);

/* The autosave. */

/* Its path, or NULL when there is none. */
const char	*dm_session_autosave(const struct dm_session *s);

/*
 * The edits found in the autosave when the session opened, NULL when
 * none; when, if not NULL, gets the autosave's time.
 */
const struct dm_ovr *dm_session_recovered(const struct dm_session *s,
		     const char **when);

/* Applies (yes) or discards the recovered edits; as dm_session_apply(). */
int		 dm_session_recover(struct dm_session *s, int yes,
		     struct dm_error *err);

/*
 * Why the autosave found as the session opened was ignored, or why the
 * last autosave failed; "" when neither.
 */
const char	*dm_session_autosave_error(const struct dm_session *s);

/* Removes the autosave (quitting without saving). */
void		 dm_session_drop_autosave(struct dm_session *s);

/*
 * The autosave folder: $XDG_STATE_HOME/darkmap, else
 * $HOME/.local/state/darkmap; into buf, -1 when neither is set.
 */
int		 dm_session_autosave_dir(char *buf, size_t len);

/*
 * The autosave path for a cfg and weights file in dir:
 * dir/<cfg base name>.<16 hex digits>.profile, the digits hashing the
 * absolute paths of both.
 */
int		 dm_session_autosave_path(const char *dir, const char *cfg,
		     const char *weights, char *buf, size_t len);

/* Creates the folders above path, as mkdir -p does (mode 0700). */
void		 dm_session_make_parents(const char *path);

/* Reading the layout. */

/* The mark of layer li. */
enum dm_mark	 dm_session_mark(const struct dm_session *s, size_t li);

/* The byte range [lo, hi) of a layer's arrays; 0 when it has none. */
int		 dm_session_layer_range(const struct dm_session *s, size_t li,
		     uint64_t *lo, uint64_t *hi);

/* Floats of a layer's arrays in the file. */
uint64_t	 dm_session_layer_floats(const struct dm_session *s, size_t li);

/* Who owns byte off. */
void		 dm_session_owner(const struct dm_session *s, uint64_t off,
		     struct dm_owner *o);

/* The present arrays by offset: how many, and the k-th's index. */
size_t		 dm_session_nby_offset(const struct dm_session *s);
size_t		 dm_session_by_offset(const struct dm_session *s, size_t k);

/* The size of the byte space: the file or the layout, if larger. */
uint64_t	 dm_session_byte_end(const struct dm_session *s);

/* Where the data of the file ends (its size, or the data_end override). */
uint64_t	 dm_session_data_end(const struct dm_session *s);

/*
 * Reads up to len bytes at off from the weights file; returns how many
 * could be read (0 past the end or without a file).
 */
size_t		 dm_session_read(const struct dm_session *s, uint64_t off,
		     uint8_t *buf, size_t len);

/* The warnings of the cfg and of the net, by line. */
size_t		 dm_session_nwarnings(const struct dm_session *s);
const struct dm_warning *dm_session_warning(const struct dm_session *s,
		     size_t i);

/* The cfg's lines (1-based), NULL past the end or when unread. */
size_t		 dm_session_ncfg_lines(const struct dm_session *s);
const char	*dm_session_cfg_line(const struct dm_session *s, size_t line);

#endif /* DM_SESSION_H */
