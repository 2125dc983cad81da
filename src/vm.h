/*
 * vm.h - the view-model of the interactive interface.
 *
 * A struct dm_vm holds a session (the net, the weights file, the
 * overrides in force, the verdict and the diagnosis), the edits made to
 * the overrides with their undo and redo history, and everything the
 * screen shows: the selected row and array, scroll positions, the pane
 * with the focus, the pending prompt or dialog, the last search and the
 * message line.  It is plain C: tests drive it without a terminal, and
 * ui/ only draws it and turns keys into dm_vm_do() actions.
 *
 * Every edit is an operation on a copy of the overrides, followed by a
 * new layout of the net, a new verdict and a new diagnosis; a layout the
 * core refuses (a gap before the data, a reshape of the wrong size)
 * leaves the session as it was and says why on the message line.
 *
 * The diagnosis reads the whole weights file, so with DM_VM_ASYNC it runs
 * in a thread of its own, on a net and file handle of its own: the screen
 * shows the layout at once and the statistics when dm_vm_poll() finds
 * them ready.  Edits made meanwhile queue a new diagnosis; stale results
 * are dropped.
 *
 * Unsaved edits are written after every change to an autosave profile in
 * the state folder (dm_vm_autosave_dir()), removed when the profile is
 * saved or the edits are discarded, and offered back when the same cfg
 * and weights are opened again.
 *
 * struct dm_vm owns everything it holds (dm_vm_free()).  The net, the
 * diagnosis and the strings it hands out are borrowed and valid until the
 * next call that changes the session: dm_vm_do(), dm_vm_poll(),
 * dm_vm_run().
 */
#ifndef DM_VM_H
#define DM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "verdict.h"
#include "weights.h"

/* The panes of the main screen, in Tab order. */
enum dm_pane {
	DM_PANE_LAYERS,
	DM_PANE_DETAILS,
	DM_PANE_BYTES,
	DM_PANE_CFG,
	DM_PANE_COUNT,
	DM_PANE_HELP = DM_PANE_COUNT,	/* the help screen's scrolling */
	DM_PANE_ALL
};

/* What the screen is showing over (or instead of) the main screen. */
enum dm_screen {
	DM_SCREEN_MAIN,
	DM_SCREEN_HELP,
	DM_SCREEN_REPAIR,	/* the diagnosis' repairs, previewed */
	DM_SCREEN_EXPORT,	/* the export dialog */
	DM_SCREEN_QUIT,		/* unsaved edits: quit anyway? */
	DM_SCREEN_RECOVER	/* an autosave exists: recover it? */
};

/* The one-line prompts; DM_PROMPT_NONE when none is open. */
enum dm_prompt {
	DM_PROMPT_NONE,
	DM_PROMPT_SEARCH,
	DM_PROMPT_GOTO,		/* byte offset to show */
	DM_PROMPT_GAP,		/* bytes before the layer */
	DM_PROMPT_OFFSET,	/* absolute start of the layer */
	DM_PROMPT_ORDER,	/* array order of the layer */
	DM_PROMPT_COUNT,	/* floats of the array */
	DM_PROMPT_PERMUTE,	/* stored axis order of the array */
	DM_PROMPT_RESHAPE,	/* exported shape of the array */
	DM_PROMPT_RENAME,	/* exported key of the array */
	DM_PROMPT_DATA_END,	/* the data ends here */
	DM_PROMPT_SAVE		/* profile path */
};

/* What the interface can be asked to do (ui/keys.c maps keys to these). */
enum dm_act {
	DM_ACT_NONE,
	/* Moving. */
	DM_ACT_UP, DM_ACT_DOWN, DM_ACT_PAGE_UP, DM_ACT_PAGE_DOWN,
	DM_ACT_TOP, DM_ACT_BOTTOM,
	DM_ACT_LEFT, DM_ACT_RIGHT,	/* previous/next array; bytes: float */
	DM_ACT_FOCUS_NEXT, DM_ACT_FOCUS_PREV,
	DM_ACT_FOCUS,			/* arg: enum dm_pane */
	DM_ACT_SELECT_ROW,		/* arg: table row */
	DM_ACT_SELECT_ARRAY,		/* arg: array index in the net */
	DM_ACT_SELECT_BYTE,		/* arg: file offset */
	DM_ACT_CHOOSE,			/* export dialog: arg, the choice
					   of the focused field */
	DM_ACT_SCROLL,			/* arg: lines, in the focused pane */
	DM_ACT_FIRST_PROBLEM, DM_ACT_NEXT_PROBLEM, DM_ACT_PREV_PROBLEM,
	DM_ACT_NEXT_WARNING,		/* the next cfg warning (wraps) */
	/* Prompts and searching. */
	DM_ACT_SEARCH, DM_ACT_SEARCH_NEXT, DM_ACT_SEARCH_PREV,
	DM_ACT_GOTO,
	/* Edits of the overrides. */
	DM_ACT_HEADER,			/* 16 <-> 20 */
	DM_ACT_TRANSPOSE,		/* connected weights transposed */
	DM_ACT_LAYOUT,			/* load <-> save */
	DM_ACT_DIALECT,			/* Darknet fork: ab <-> pj */
	DM_ACT_DATA_END,		/* prompt */
	DM_ACT_ABSENT, DM_ACT_OMIT, DM_ACT_CUTOFF,	/* layer toggles */
	DM_ACT_GAP,			/* prompt */
	DM_ACT_GAP_ADD,			/* arg: bytes added to the gap */
	DM_ACT_OFFSET, DM_ACT_ORDER,	/* prompts */
	DM_ACT_COUNT,			/* prompt */
	DM_ACT_TRANSPOSE_ARRAY,		/* toggle */
	DM_ACT_PERMUTE, DM_ACT_RESHAPE, DM_ACT_RENAME,	/* prompts */
	DM_ACT_CLEAR,			/* the selection's overrides */
	DM_ACT_CLEAR_ALL,		/* every override */
	DM_ACT_UNDO, DM_ACT_REDO,
	DM_ACT_REPAIR,			/* open the repair preview */
	/* Files. */
	DM_ACT_SAVE,			/* prompt for the profile path */
	DM_ACT_EXPORT,			/* open the export dialog */
	/* Screens. */
	DM_ACT_HELP,
	DM_ACT_QUIT,			/* 'q': back, or quit from main */
	DM_ACT_CANCEL,			/* Escape */
	DM_ACT_ACCEPT,			/* Enter */
	DM_ACT_YES, DM_ACT_NO,
	/* Line editing in a prompt or a dialog's text field. */
	DM_ACT_CHAR,			/* arg: a Unicode code point */
	DM_ACT_BACKSPACE,
	DM_ACT_KILL,			/* Ctrl-U: empty the field */
	DM_ACT_KILL_WORD		/* Ctrl-W */
};

/* What dm_vm_do() and dm_vm_poll() tell the main loop. */
enum dm_vm_flags {
	DM_VM_REDRAW = 1 << 0,		/* the screen changed */
	DM_VM_QUIT = 1 << 1,		/* leave the interface */
	DM_VM_RUN = 1 << 2,		/* draw, then call dm_vm_run() */
	DM_VM_BELL = 1 << 3		/* nothing to do: beep */
};

enum dm_vm_open_flags {
	DM_VM_ASYNC = 1 << 0		/* diagnose in a thread */
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

/* The export dialog's fields, in order. */
enum dm_xfield {
	DM_XF_FORMAT,
	DM_XF_NAMES,
	DM_XF_TEMPLATE,
	DM_XF_DTYPE,
	DM_XF_WRAP,
	DM_XF_FORCE,
	DM_XF_VERIFY,
	DM_XF_PATH,
	DM_XF_COUNT
};

#define DM_VM_FIELD_MAX 512

struct dm_vm_xdialog {
	enum dm_xfield	 field;		/* with the focus */
	enum dm_out_format format;
	int		 names;		/* enum dm_names */
	char		 tmpl[DM_VM_FIELD_MAX];
	int		 f16;
	int		 wrap;
	int		 force;
	int		 verify;	/* read the output back (--verify) */
	char		 path[DM_VM_FIELD_MAX];
	char		 keys[3][96];	/* the first keys, for a preview */
	size_t		 nkeys;		/* tensors in the plan */
	char		 problem[DM_ERROR_MAX]; /* why the plan fails, or "" */
};

struct dm_vm_prompt {
	enum dm_prompt	 kind;
	char		 label[128];
	char		 buf[DM_VM_FIELD_MAX];
	size_t		 len;
	size_t		 layer;		/* what it edits */
	size_t		 array;
};

/* One snapshot of the overrides in the undo or redo history. */
struct dm_vm_state {
	struct dm_ovr	*ovr;
	unsigned	 serial;	/* equal serials: same overrides */
	char		 what[96];	/* the edit that led away from it */
};

struct dm_vm_hist {
	struct dm_vm_state *v;
	size_t		 n, cap;
};

/*
 * A warning about the cfg (a key Darknet ignores, a line it rejects) or
 * about a layer of the net (an unknown section, mismatched inputs).
 */
/*
 * A warning of the cfg or the net, in line order.  text and msg are
 * borrowed from the net in force: an action that replaces it (switching
 * the fork, or undoing such a switch) rebuilds the list.
 */
struct dm_vm_warning {
	int		 line;		/* its cfg line; 0: tied to none */
	const char	*text;		/* as inspect prints it */
	const char	*msg;		/* text without "file:line: " */
};

struct dm_vm_worker;

struct dm_vm {
	/* The session. */
	struct dm_net	*net;
	struct dm_weights *w;		/* NULL without a weights file */
	struct dm_ovr	*ovr;		/* the overrides in force */
	struct dm_verdict v;
	struct dm_diag	 d;		/* valid when have_diag */
	int		 have_diag;
	int		 diag_pending;	/* a diagnosis is being computed */
	char		 diag_error[256];
	char		*cfg_path;
	char		*weights_path;
	char		*profile_path;	/* saved to / loaded from, or NULL */
	unsigned	 file_header;	/* the file's own header size */
	enum dm_layout_mode base_mode;	/* without a layout override */
	enum dm_dialect	 base_dialect;	/* without a dialect override */
	unsigned	 flags;

	/* Edits. */
	unsigned	 serial, next_serial, saved_serial;
	int		 source_rewritten; /* the profile read was saved
					   over: its lines are gone */
	struct dm_vm_hist undo, redo;
	unsigned	 diag_serial;	/* what the diagnosis was made for */

	/* The cfg's text, for the cfg pane. */
	char		*cfg_text;
	char		**cfg_lines;	/* pointers into cfg_text */
	size_t		 ncfg_lines;

	/*
	 * The warnings of the cfg and of the net, by line (those of the cfg
	 * first on a line); the strings are the net's.
	 */
	struct dm_vm_warning *warnings;
	size_t		 nwarnings;
	long		 warning;	/* the last one gone to, or -1 */

	/* Derived from the layout. */
	size_t		*by_offset;	/* present arrays sorted by offset */
	size_t		 nby_offset;
	enum dm_mark	*marks;		/* per layer */

	/* What the screen shows. */
	enum dm_screen	 screen;
	enum dm_pane	 focus;
	long		 row;		/* 0 header, 1..n layers, n+1 end */
	long		 top;		/* first row shown */
	long		 array;		/* selected array, or -1 */
	uint64_t	 cursor;	/* byte view */
	uint64_t	 btop;		/* first byte shown */
	long		 scroll[DM_PANE_ALL];	/* details, cfg, help */
	long		 page[DM_PANE_ALL];	/* rows each pane shows */
	long		 extent[DM_PANE_ALL];	/* rows of content */
	unsigned	 bytes_per_row;
	struct dm_vm_prompt prompt;
	char		 search[DM_VM_FIELD_MAX];
	char		 msg[512];
	int		 msg_error;
	size_t		 repair_sel;	/* the repair screen's selection */
	struct dm_vm_xdialog x;
	int		 run_export;	/* dm_vm_run() exports */
	int		 run_pct;	/* how far, in percent */
	/*
	 * Called by dm_vm_run() whenever the export's percentage on the
	 * message line changes, so that the interface can show it; may be
	 * NULL.
	 */
	void		(*on_progress)(struct dm_vm *, void *);
	void		*progress_ctx;

	/* Autosave. */
	char		*autosave;	/* path, or NULL: none */
	struct dm_ovr	*recovered;	/* offered on DM_SCREEN_RECOVER */
	char		 recovered_when[64];

	/* Histogram cache. */
	long		 hist_array;
	unsigned	 hist_serial;
	unsigned	 hist[32];
	unsigned	 hist_n;
	double		 hist_lo, hist_hi;
	uint64_t	 hist_nonfinite, hist_sampled;

	struct dm_vm_worker *worker;
};

/*
 * Opens the interface's session on a net, a weights file (which may be
 * NULL) and the overrides in force, taking ownership of all three (they
 * are freed on failure too).  The net must come from the cfg at cfg_path.
 * profile_path is where the overrides came from (NULL: none), the
 * default place to save them.  autosave_dir is the folder of autosaves
 * (NULL: no autosave).  Lays the net out and computes the verdict; the
 * diagnosis follows (synchronously without DM_VM_ASYNC).
 */
struct dm_vm	*dm_vm_new(struct dm_net *net, struct dm_weights *w,
		     struct dm_ovr *ovr, const char *cfg_path,
		     const char *weights_path, const char *profile_path,
		     const char *autosave_dir, unsigned flags,
		     struct dm_error *err);

void		 dm_vm_free(struct dm_vm *vm);

/* Performs an action; returns enum dm_vm_flags. */
int		 dm_vm_do(struct dm_vm *vm, enum dm_act act, long arg);

/*
 * Collects a diagnosis finished in the background; returns DM_VM_REDRAW
 * when the screen changed.
 */
int		 dm_vm_poll(struct dm_vm *vm);

/* Waits for the background diagnosis, if any (tests). */
void		 dm_vm_wait(struct dm_vm *vm);

/* Does the work DM_VM_RUN announced (an export); returns flags. */
int		 dm_vm_run(struct dm_vm *vm);

/* Whether there are edits not saved in a profile. */
int		 dm_vm_dirty(const struct dm_vm *vm);

/* Tells the view-model how many rows a pane shows. */
void		 dm_vm_set_page(struct dm_vm *vm, enum dm_pane pane, long rows);

/* How many rows of content a pane has (details, cfg); clamps its scroll. */
void		 dm_vm_set_extent(struct dm_vm *vm, enum dm_pane pane,
		     long rows);

/* Bytes per row of the byte view (a multiple of 4). */
void		 dm_vm_set_bytes_per_row(struct dm_vm *vm, unsigned n);

/* Rows of the layer table: the header, every layer, the end. */
long		 dm_vm_rows(const struct dm_vm *vm);

/* The layer of a table row, or -1 for the header and end rows. */
long		 dm_vm_row_layer(const struct dm_vm *vm, long row);

/* The mark of layer li. */
enum dm_mark	 dm_vm_mark(const struct dm_vm *vm, size_t li);

/* Short names of a mark ("ok", "bad") for the table. */
const char	*dm_mark_name(enum dm_mark m);

/* Whether table row r is flagged (suspicious, bad, mismatch). */
int		 dm_vm_row_flagged(const struct dm_vm *vm, long row);

/* The byte range [lo, hi) of a layer's arrays; 0 when it has none. */
int		 dm_vm_layer_range(const struct dm_vm *vm, size_t li,
		     uint64_t *lo, uint64_t *hi);

/* Floats of a layer's arrays in the file. */
uint64_t	 dm_vm_layer_floats(const struct dm_vm *vm, size_t li);

/*
 * Letters of the overrides a layer has, into buf: a absent, o omit,
 * c cutoff, g gap, @ offset, O order, # count, t transpose, p permute,
 * S reshape, R rename.
 */
void		 dm_vm_layer_ovr_letters(const struct dm_vm *vm, size_t li,
		     char *buf, size_t len);

/* Who owns byte off. */
void		 dm_vm_owner(const struct dm_vm *vm, uint64_t off,
		     struct dm_owner *o);

/* The size of the byte view's space: the file or the layout, if larger. */
uint64_t	 dm_vm_byte_end(const struct dm_vm *vm);

/* Where the data of the file ends (its size, or the data_end override). */
uint64_t	 dm_vm_data_end(const struct dm_vm *vm);

/*
 * Reads up to len bytes at off from the weights file; returns how many
 * could be read (0 past the end or without a file).
 */
size_t		 dm_vm_read(struct dm_vm *vm, uint64_t off, uint8_t *buf,
		     size_t len);

/*
 * The histogram of the selected array (vm->hist*, computed on demand
 * from a sample of at most a few hundred thousand values); -1 when there
 * is none to show.
 */
int		 dm_vm_histogram(struct dm_vm *vm);

/*
 * The warnings of table row r: for a layer, those on the lines of its
 * section; for the header row, those of the [net] section and those tied
 * to no line; none for the end row.  Returns how many; *first is the
 * index of the first in vm->warnings.
 */
size_t		 dm_vm_row_warnings(const struct dm_vm *vm, long row,
		     size_t *first);

/* The same for cfg line (1-based). */
size_t		 dm_vm_line_warnings(const struct dm_vm *vm, size_t line,
		     size_t *first);

/* The cfg lines [first, last] of a layer's section (1-based). */
void		 dm_vm_cfg_span(const struct dm_vm *vm, size_t li,
		     size_t *first, size_t *last);

/*
 * Describes how the overrides b differ from a, one change a line, into
 * buf; returns the number of changes.
 */
int		 dm_vm_ovr_diff(const struct dm_vm *vm, const struct dm_ovr *a,
		     const struct dm_ovr *b, char *buf, size_t len);

/*
 * Lays the net out as repair i would and computes that verdict, then
 * restores the session's layout.  -1 when i is not a repair.
 */
int		 dm_vm_preview(struct dm_vm *vm, size_t i,
		     struct dm_verdict *v);

/* Whether printable keys are text for a prompt or a dialog's field. */
int		 dm_vm_text_input(const struct dm_vm *vm);

/* Whether a field of the export dialog applies to the chosen format. */
int		 dm_vm_xfield_active(const struct dm_vm *vm, enum dm_xfield f);

/* The choice a field of the export dialog shows, -1 for a text field. */
int		 dm_vm_xchoice(const struct dm_vm *vm, enum dm_xfield f);

/* Sets the message line. */
void		 dm_vm_message(struct dm_vm *vm, int error, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));

/*
 * The autosave folder: $XDG_STATE_HOME/darkmap, else
 * $HOME/.local/state/darkmap; into buf, -1 when neither is set.
 */
int		 dm_vm_autosave_dir(char *buf, size_t len);

/*
 * The autosave path for a cfg and weights file in dir:
 * dir/<cfg base name>.<16 hex digits>.profile, the digits hashing the
 * absolute paths of both.
 */
int		 dm_vm_autosave_path(const char *dir, const char *cfg,
		     const char *weights, char *buf, size_t len);

#endif /* DM_VM_H */
