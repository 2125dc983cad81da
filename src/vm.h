/*
 * vm.h - the view-model of the interactive interface.
 *
 * A struct dm_vm holds a session (src/session.h: the net, the weights
 * file, the overrides in force and their history, the verdict and the
 * diagnosis) and everything the screen shows of it: the selected row and
 * array, scroll positions, the pane with the focus, the pending prompt or
 * dialog, the last search and the message line.  It is plain C: tests
 * drive it without a terminal, and ui/ only draws it and turns keys into
 * dm_vm_do() actions.  Views read the session through dm_vm_session()
 * and its accessors, and what else of the core they use (decoding bytes,
 * formatting shapes) comes through this header: a view includes no
 * other (tests/layering.sh).
 *
 * struct dm_vm is opaque (src/vmpriv.h holds its insides) and owns the
 * session it holds (dm_vm_free()).  What it hands
 * out is borrowed and valid until the next call that changes it:
 * dm_vm_do(), dm_vm_poll(), dm_vm_run().
 */
#ifndef DM_VM_H
#define DM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "align.h"
#include "diagnose.h"
#include "endian.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "report.h"
#include "session.h"
#include "sketch.h"
#include "verdict.h"
#include "weights.h"

struct dm_vm;

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
	DM_SCREEN_RECOVER,	/* an autosave exists: recover it? */
	DM_SCREEN_IDENTIFY	/* which cfgs explain the weights file */
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
	DM_PROMPT_TARGET,	/* a target key, as a rename */
	DM_PROMPT_SAVE,		/* profile path */
	DM_PROMPT_WRITE_CFG	/* corrected cfg path */
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
	DM_ACT_TARGET_KEY,		/* prompt: one of the target's keys */
	DM_ACT_CLEAR,			/* the selection's overrides */
	DM_ACT_CLEAR_ALL,		/* every override */
	DM_ACT_UNDO, DM_ACT_REDO,
	DM_ACT_REPAIR,			/* open the repair preview */
	/* Files. */
	DM_ACT_SAVE,			/* prompt for the profile path */
	DM_ACT_WRITE_CFG,		/* prompt for the corrected cfg */
	DM_ACT_EXPORT,			/* open the export dialog */
	/* Screens. */
	DM_ACT_HELP,
	DM_ACT_IDENTIFY,		/* the identification screen */
	DM_ACT_QUIT,			/* 'q': back, or quit from main */
	DM_ACT_CANCEL,			/* Escape */
	DM_ACT_ACCEPT,			/* Enter */
	DM_ACT_YES, DM_ACT_NO,
	DM_ACT_REDRAW,			/* the interface redraws the screen */
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

/* The export dialog's fields, in order. */
enum dm_xfield {
	DM_XF_FORMAT,
	DM_XF_NAMES,
	DM_XF_TEMPLATE,
	DM_XF_DTYPE,
	DM_XF_WRAP,
	DM_XF_FORCE,
	DM_XF_VERIFY,
	DM_XF_MODEL,			/* also write the model (.py) */
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
	int		 model;		/* also write the model beside it */
	char		 path[DM_VM_FIELD_MAX];
	int		 fresh;		/* the focused text field is as it was
					   filled in: typing replaces it */
	char		 keys[3][96];	/* the first keys, for a preview */
	size_t		 nkeys;		/* tensors in the plan */
	size_t		 nmissing;	/* keys of the cfg's it lacks */
	char		 problem[DM_ERROR_MAX]; /* why the plan fails, or "" */
};

struct dm_vm_prompt {
	enum dm_prompt	 kind;
	char		 label[128];
	char		 buf[DM_VM_FIELD_MAX];
	size_t		 len;
	int		 fresh;		/* buf is the prefilled value: the
					   first character typed replaces
					   it, a cursor key keeps it */
	size_t		 layer;		/* what it edits */
	size_t		 array;
};

/*
 * The 2-D view of an array of two or more axes, read as the file stores
 * it, [rows][cols]: the norms of its rows and of its columns, each
 * averaged into at most 32 bins.  A layer stored transposed shows its
 * output rows' structure in the columns, or a period in the rows.
 */
struct dm_norms {
	double		 row[32], col[32];
	unsigned	 nrow, ncol;	/* bins */
	uint64_t	 rows, cols;	/* the array's */
	double		 row_cv, col_cv; /* spread of the norms / their mean */
	int		 stored_transposed; /* rows are the PyTorch columns */
};

/* The histogram of an array's values. */
struct dm_histogram {
	unsigned	 bin[32];
	unsigned	 n;		/* bins */
	double		 lo, hi;	/* the range the bins cover */
	uint64_t	 nonfinite;	/* NaN and infinities, not binned */
	uint64_t	 sampled;	/* values read */
};

/*
 * Opens the interface on a session, taking it (it is freed on failure
 * too): selects the first layer, and offers the autosave the session
 * found.
 */
struct dm_vm	*dm_vm_new(struct dm_session *s, struct dm_error *err);

/* The session the interface shows. */
const struct dm_session *dm_vm_session(const struct dm_vm *vm);

void		 dm_vm_free(struct dm_vm *vm);

/*
 * What views read: the session's net, weights file (NULL: none),
 * overrides, verdict and diagnosis (NULL while none is in), and the
 * screen's state.  dm_vm_prompt() is NULL when no prompt is open.
 */
const struct dm_net *dm_vm_net(const struct dm_vm *vm);
const struct dm_weights *dm_vm_weights(const struct dm_vm *vm);
const struct dm_ovr *dm_vm_ovr(const struct dm_vm *vm);
const struct dm_verdict *dm_vm_verdict(const struct dm_vm *vm);
const struct dm_diag *dm_vm_diag(const struct dm_vm *vm);
enum dm_screen	 dm_vm_screen(const struct dm_vm *vm);
enum dm_pane	 dm_vm_focus(const struct dm_vm *vm);
long		 dm_vm_row(const struct dm_vm *vm);
long		 dm_vm_top(const struct dm_vm *vm);
long		 dm_vm_array(const struct dm_vm *vm);
uint64_t	 dm_vm_cursor(const struct dm_vm *vm);
uint64_t	 dm_vm_btop(const struct dm_vm *vm);
unsigned	 dm_vm_bytes_per_row(const struct dm_vm *vm);
long		 dm_vm_scroll(const struct dm_vm *vm, enum dm_pane pane);
long		 dm_vm_page(const struct dm_vm *vm, enum dm_pane pane);
/* The warning ! last went to, or -1. */
long		 dm_vm_warning(const struct dm_vm *vm);
/* The message line; *error, if not NULL, says whether it is an error. */
const char	*dm_vm_msg(const struct dm_vm *vm, int *error);
const struct dm_vm_prompt *dm_vm_prompt(const struct dm_vm *vm);
/* The repair selected on the repair screen. */
size_t		 dm_vm_repair_sel(const struct dm_vm *vm);
const struct dm_vm_xdialog *dm_vm_xdialog(const struct dm_vm *vm);

/*
 * Sets what dm_vm_run() calls as the export starts and whenever its
 * percentage changes, so that the interface can show it
 * (dm_vm_running()) and offer to cancel it (NULL: none).
 */
void		 dm_vm_set_progress(struct dm_vm *vm,
		     void (*fn)(struct dm_vm *, void *), void *ctx);

/*
 * While dm_vm_run() exports (from the progress callback): 1, with the
 * bytes written, of how many, and the seconds since it started; 0 when
 * no export runs.
 */
int		 dm_vm_running(const struct dm_vm *vm, uint64_t *done,
		     uint64_t *total, double *seconds);

/*
 * Asks the export under way to stop (from the progress callback): it
 * ends with no file written, and the dialog stays open.
 */
void		 dm_vm_cancel_run(struct dm_vm *vm);

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

/*
 * The keys that matter for layer li's type, with their values, into buf
 * of len bytes: "inputs 256  outputs 10  batch norm yes  activation
 * leaky" for a connected layer, "filters 32  size 3  stride 1  padding 1
 * batch norm yes  activation leaky" for a convolution, "layers 12,8" for
 * a route; a key the cfg leaves out shows its default, so marked.
 * Returns the length; "" for a type with none.
 */
size_t		 dm_vm_layer_params(const struct dm_vm *vm, size_t li,
		     char *buf, size_t len);

/*
 * The question the quit or recovery screen asks, into buf of len bytes
 * (cut short if need be): quitting names how many unsaved edits would be
 * lost and what they are, "Quit and lose 2 unsaved edits (repair
 * applied: classes at layer 9; offset 9=20044)? y/n/w".  Returns its length; "" on the other
 * screens.
 */
size_t		 dm_vm_question(const struct dm_vm *vm, char *buf,
		     size_t len);

/* Tells the view-model how many rows a pane shows. */
void		 dm_vm_set_page(struct dm_vm *vm, enum dm_pane pane, long rows);

/* How many rows of content a pane has (details, cfg); clamps its scroll. */
void		 dm_vm_set_extent(struct dm_vm *vm, enum dm_pane pane,
		     long rows);

/*
 * Scrolls a pane (details, cfg) as little as it takes to show its rows
 * [first, last], or as many of the first of them as it holds.
 */
void		 dm_vm_show_rows(struct dm_vm *vm, enum dm_pane pane,
		     long first, long last);

/* Bytes per row of the byte view (a multiple of 4). */
void		 dm_vm_set_bytes_per_row(struct dm_vm *vm, unsigned n);

/* Rows of the layer table: the header, every layer, the end. */
long		 dm_vm_rows(const struct dm_vm *vm);

/* The layer of a table row, or -1 for the header and end rows. */
long		 dm_vm_row_layer(const struct dm_vm *vm, long row);

/* Short names of a mark ("ok", "bad") for the table. */
const char	*dm_mark_name(enum dm_mark m);

/* Whether table row r is flagged (suspicious, bad, mismatch). */
int		 dm_vm_row_flagged(const struct dm_vm *vm, long row);

/*
 * The histogram of the selected array, computed on demand from a sample
 * of at most a few hundred thousand values; NULL when there is none to
 * show.
 */
const struct dm_histogram *dm_vm_histogram(struct dm_vm *vm);

/*
 * The 2-D view of the selected array (weights of two or more axes, up to
 * 16 Mi floats, wholly in the file), computed on demand; NULL when there
 * is none.
 */
const struct dm_norms *dm_vm_norms(struct dm_vm *vm);

/*
 * The warnings of table row r: for a layer, those on the lines of its
 * section; for the header row, those of the [net] section and those tied
 * to no line; none for the end row.  Returns how many; *first is the
 * index of the first in the session's warnings.
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

/*
 * The target model (--target), borrowed until dm_vm_free() or the next
 * call; NULL for none.  The arrays are aligned to it again after each
 * edit.
 */
void		 dm_vm_set_target(struct dm_vm *vm, const struct dm_target *t);

/*
 * The target key of array ai (NULL when none pairs), the pair's
 * confidence and enum dm_align_flags.  Returns -1 without a target, 1
 * for an array that is not exported, 0 otherwise.
 */
int		 dm_vm_target_pair(const struct dm_vm *vm, size_t ai,
		     const char **key, double *conf, unsigned *flags);

/*
 * Whether layer li has an array without a target key, or whose pair is
 * uncertain or cannot be exported (the problem keys go there too).
 */
int		 dm_vm_target_flagged(const struct dm_vm *vm, size_t li);

/* One line on the alignment into buf, or NULL without a target. */
const char	*dm_vm_target_summary(const struct dm_vm *vm, char *buf,
		     size_t len);

/*
 * The identify screen (src/vmident.c): which cfgs explain the weights
 * file, as darkmap identify says, computed once.  The interface opens on
 * it for a weights file given without a cfg (dm_vm_new_identify(): a
 * view-model with no pair yet, dm_vm_session() NULL, where q quits), and
 * I opens it over a pair.  The candidates are a list; Enter opens the
 * selected one as a pair (its cfg, its changes applied, written to the
 * state folder, dm_session_autosave_dir()) in place of the pair open.
 */

/*
 * A view-model on the identify screen of the weights file, with no pair;
 * dialects a set of DM_DIALECT_BIT()s (0: both forks).  NULL with err
 * set when the file cannot be read or is no weights file.
 */
struct dm_vm	*dm_vm_new_identify(const char *weights, unsigned dialects,
		     struct dm_error *err);

/*
 * How the pairs opened from the identify screen open: the session flags,
 * the autosave folder (NULL: none) and the layout mode (-l; DM_UNSET:
 * load), as for the pair the interface opened with.  Over a pair, the
 * pair's own layout mode is kept.
 */
void		 dm_vm_set_open(struct dm_vm *vm, unsigned flags,
		     const char *autosave_dir, int layout);

/* What j/k move on the identify screen; Tab goes through them in turn. */
enum dm_idfocus {
	DM_IDF_CANDS,		/* the candidates (when there are) */
	DM_IDF_TEXT,		/* the text under them scrolls */
	DM_IDF_SEGS,		/* the segments (with a sketch) */
	DM_IDF_BYTES		/* the byte view at them */
};

/*
 * The identify screen's parts, NULL (or 0) before it was computed: the
 * header forensics, lines ended by '\n'; the candidates, one line each;
 * the selected one; and the text under them, which scrolls as
 * DM_PANE_HELP: the selected candidate's report, then, when nothing fits
 * plausibly, why and the closest layouts.
 */
const char	*dm_vm_ident_header(const struct dm_vm *vm);
size_t		 dm_vm_ident_ncands(const struct dm_vm *vm);
const char	*dm_vm_ident_cand(const struct dm_vm *vm, size_t i);
size_t		 dm_vm_ident_sel(const struct dm_vm *vm);
const char	*dm_vm_ident_text(const struct dm_vm *vm);
enum dm_idfocus	 dm_vm_ident_focus(const struct dm_vm *vm);

/*
 * When nothing fits plausibly, the blind segmentation of the file into
 * conv layers (src/sketch.h), as a list and a byte view.  The list: the
 * line above it (what was read), then a line per segment (offset range,
 * shape) and, when the segments stop short, one for the bytes not read;
 * dm_vm_ident_nsegs() is 0 without a sketch.  Selecting an entry puts the
 * byte view's cursor on its first byte; moving the cursor selects the
 * entry it is in.
 */
const char	*dm_vm_ident_seg_head(const struct dm_vm *vm);
size_t		 dm_vm_ident_nsegs(const struct dm_vm *vm);
const char	*dm_vm_ident_seg(const struct dm_vm *vm, size_t i);
size_t		 dm_vm_ident_seg_sel(const struct dm_vm *vm);
/* The byte view: its cursor, first byte shown, bytes a row, the file's
   size in bytes. */
uint64_t	 dm_vm_ident_cursor(const struct dm_vm *vm);
uint64_t	 dm_vm_ident_btop(const struct dm_vm *vm);
unsigned	 dm_vm_ident_per_row(const struct dm_vm *vm);
uint64_t	 dm_vm_ident_size(const struct dm_vm *vm);
/* Tells it the rows the list shows, and the byte view's shape. */
void		 dm_vm_ident_set_pages(struct dm_vm *vm, long seg_rows,
		     unsigned per_row, long byte_rows);
/*
 * Reads up to len bytes of the file at off (a row of the view, never
 * more than asked); returns how many, 0 past the end or on an error.
 */
size_t		 dm_vm_ident_read(const struct dm_vm *vm, uint64_t off,
		     uint8_t *buf, size_t len);
/*
 * Where byte off is, as the sketch has it (dm_sketch_where()), and, when
 * buf is not NULL, the same as a line into buf of len bytes
 * (dm_sketch_where_text()).  -1 without a sketch.
 */
int		 dm_vm_ident_where(const struct dm_vm *vm, uint64_t off,
		     struct dm_sk_where *w, char *buf, size_t len);

/* Sets the message line. */
void		 dm_vm_message(struct dm_vm *vm, int error, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));

#endif /* DM_VM_H */
