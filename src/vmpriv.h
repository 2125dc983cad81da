/*
 * vmpriv.h - the insides of the view-model, shared by the files it is
 * made of: vm.c (selection, scrolling, searching, the screens and the
 * message line), vmedit.c (the edits of the overrides), vmread.c (the
 * accessors), vmdetail.c (a layer's keys, an array's values), prompt.c (the one-line prompts and line editing),
 * xdialog.c (the export dialog) and vmtarget.c (the target model).
 * Nothing outside them includes it: views read the view-model through
 * the accessors of vm.h.
 */
#ifndef DM_VMPRIV_H
#define DM_VMPRIV_H

#include "vm.h"

struct dm_vm {
	struct dm_session *s;

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
	long		 warning;	/* the last warning gone to, or -1 */
	struct dm_vm_prompt prompt;
	char		 search[DM_VM_FIELD_MAX];
	char		 msg[512];
	int		 msg_error;
	size_t		 repair_sel;	/* the repair screen's selection */
	int		 repair_pending; /* r pressed before the diagnosis
					   was in: open it then */
	struct dm_vm_xdialog x;
	int		 run_export;	/* dm_vm_run() exports */
	int		 run_pct;	/* how far, in percent */
	int		 running;	/* dm_vm_run() is exporting */
	volatile int	 run_cancel;	/* stop it, writing nothing */
	uint64_t	 run_done, run_total;	/* bytes */
	double		 run_start;	/* seconds, a monotonic clock */
	double		 run_seconds;	/* since the start */
	/*
	 * Called by dm_vm_run() whenever the export's percentage on the
	 * message line changes, so that the interface can show it; may be
	 * NULL.
	 */
	void		(*on_progress)(struct dm_vm *, void *);
	void		*progress_ctx;

	/* The target model and its alignment (vmtarget.c), or NULL. */
	struct vm_target *tg;
	/* The identification of the weights file (vmident.c), or NULL. */
	struct vm_ident	*id;
	/* How a pair chosen there opens: dm_session_opts' flags,
	   autosave folder (NULL: none) and layout (DM_UNSET: load). */
	unsigned	 open_flags;
	char		*autosave_dir;
	int		 open_layout;

	/* Histogram cache. */
	long		 hist_array;
	unsigned	 hist_serial;
	struct dm_histogram hist;

	/* Norms cache. */
	long		 norms_array;
	unsigned	 norms_serial;
	int		 norms_ok;
	struct dm_norms	 norms;
};

/* An action's handler: returns enum dm_vm_flags. */
typedef int vm_act_fn(struct dm_vm *, enum dm_act, long);

/* The session's state, for short. */

static inline const struct dm_net *
net_of(const struct dm_vm *vm)
{
	return dm_session_net(vm->s);
}

static inline const struct dm_weights *
w_of(const struct dm_vm *vm)
{
	return dm_session_weights(vm->s);
}

static inline const struct dm_ovr *
ovr_of(const struct dm_vm *vm)
{
	return dm_session_ovr(vm->s);
}

static inline const struct dm_diag *
diag_of(const struct dm_vm *vm)
{
	return dm_session_diag(vm->s);
}

static inline long
clampl(long v, long lo, long hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}

/* vm.c */

/* A view-model with no session yet; NULL with err set on failure. */
struct dm_vm	*vm_alloc(struct dm_error *err);
/*
 * Puts session s (taken) in the view-model, in place of the one it held,
 * and shows it as a pair opened afresh shows.
 */
void		 vm_set_session(struct dm_vm *vm, struct dm_session *s);
/* What the help screen does with an action: scrolling, closing. */
vm_act_fn	 vm_help_do;

/* Copies src into dst of len bytes, cutting it short if need be. */
void		 vm_copy_str(char *dst, size_t len, const char *src);
/* Selects table row r; move_cursor: the byte view follows. */
void		 vm_select_row(struct dm_vm *vm, long row, int move_cursor);
/* Searches the last query, forward (dir 1) or back (-1). */
int		 vm_search(struct dm_vm *vm, int dir);
/* A byte offset in a query: "@N", "0xN", or a number past the layers. */
int		 vm_query_offset(const struct dm_vm *vm, const char *q,
		     uint64_t *off);
/*
 * A byte view's first byte (a multiple of per_row) that shows the row of
 * cursor in page_rows rows, moved from btop as little as that takes, or
 * with the cursor a quarter down (recenter); end is where its bytes end.
 */
uint64_t	 vm_bytes_top(uint64_t cursor, uint64_t btop, uint64_t end,
		     unsigned per_row, long page_rows, int recenter);
/* A byte cursor moved by delta, kept in [0, end). */
uint64_t	 vm_cursor_step(uint64_t cursor, int64_t delta, uint64_t end);
/* Shows byte off in the byte view. */
int		 vm_goto_offset(struct dm_vm *vm, uint64_t off);
/*
 * A default output name: the weights file's name (the cfg's without
 * one) with its extension replaced by ext, in the current folder.
 */
void		 vm_default_name(const struct dm_vm *vm, const char *ext,
		     char *buf, size_t len);

/* vmedit.c: edits, each taking what every action handler takes. */

/* A copy of the overrides in force, to be edited and committed. */
struct dm_ovr	*vm_begin(struct dm_vm *vm);
/* Puts next (taken) in force; the message line says what happened. */
int		 vm_commit(struct dm_vm *vm, struct dm_ovr *next,
		     const char *what);
/* Says how dm_session_apply() (rc, err) of the edit what went. */
int		 vm_applied(struct dm_vm *vm, int rc, const char *what,
		     const struct dm_error *err, enum dm_dialect was);
/* The selected layer or array; -1 or NULL (and a message) if none. */
long		 vm_sel_layer(struct dm_vm *vm);
const struct dm_array *vm_sel_array(struct dm_vm *vm);
int		 vm_apply_repair(struct dm_vm *vm, size_t i);
vm_act_fn	 vm_undo_redo, vm_edit_file_toggle, vm_edit_layer_toggle,
		 vm_edit_gap_add, vm_edit_transpose_array, vm_edit_clear;

/* prompt.c */

/* What an action does while a prompt is open. */
vm_act_fn	 vm_prompt_do;
/* Opening the prompts (the main screen's actions). */
vm_act_fn	 vm_open_search, vm_open_goto, vm_open_data_end,
		 vm_open_layer_prompt, vm_open_array_prompt, vm_open_save,
		 vm_open_write_cfg;
/*
 * Edits a text field of cap bytes by a line-editing action.  While
 * *fresh (the value as it was filled in), a character replaces the
 * value; any action clears *fresh.
 */
int		 vm_field_edit(char *buf, size_t *len, size_t cap, int *fresh,
		     enum dm_act act, long arg);

/* Accepts the open prompt's text as the rename override. */
int		 vm_prompt_accept_rename(struct dm_vm *vm);

/* vmident.c */
void		 vm_ident_free(struct dm_vm *vm);
/* Identifies the weights file once and opens its screen. */
vm_act_fn	 vm_identify;
/* What the identify screen does with an action. */
vm_act_fn	 vm_ident_do;
/*
 * Whether the session's cfg is one the identify screen wrote for a
 * candidate; then vm_ident_write_cfg() writes a copy of it to path.
 */
int		 vm_ident_wrote_cfg(const struct dm_vm *vm);
int		 vm_ident_write_cfg(struct dm_vm *vm, const char *path);
/* The base name of that cfg, the name W proposes. */
const char	*vm_ident_cfg_name(const struct dm_vm *vm);

/* vmtarget.c */

void		 vm_target_free(struct dm_vm *vm);
/* The session changed wholly: align again. */
void		 vm_target_stale(struct dm_vm *vm);
/* Opens the prompt of the target keys (DM_ACT_TARGET_KEY). */
vm_act_fn	 vm_open_target_prompt;
/*
 * What choosing (Up, Down) and accepting do while that prompt is open; 0
 * for the other actions, which edit the text as in any prompt, after
 * which vm_target_prompt_edited() searches again.
 */
vm_act_fn	 vm_target_prompt_do;
void		 vm_target_prompt_edited(struct dm_vm *vm);

/* xdialog.c */

/* Opens the export dialog. */
void		 vm_xdialog_open(struct dm_vm *vm);
/* What an action does in the export dialog. */
vm_act_fn	 vm_xdialog_do;

#endif /* DM_VMPRIV_H */
