/*
 * tui.h - the terminal side of the interface: the only header that
 * includes curses.
 *
 * ui/tui.c owns the terminal (set-up, colours or monochrome, UTF-8 or
 * ASCII glyphs, signals, resizing, the main loop); every ui/view_*.c
 * draws one pane or screen of the view-model (src/vm.h) and is reached
 * through a const table of operations; ui/keys.c holds the one table of
 * key bindings, with their help text, and turns keys into view-model
 * actions; ui/text.c measures and cuts text.  Only the main loop calls
 * doupdate().
 *
 * A new key: a row in the table of ui/keys.c (its keymap, key, name,
 * action and help line), a line in darkmap.1's KEYS (tests/keys.sh holds
 * them together), and, for a new action, an enum dm_act value (vm.h) with
 * its handler in the action table of src/vm.c.
 *
 * A new screen: an enum dm_screen value (vm.h) and its handler in
 * screen_actions[] of src/vm.c; a const struct tui_screen_ops in a
 * ui/view_*.c, listed in screens[] of tui.c; its keymaps in screen_maps[]
 * and its hint line in keys.c; golden dumps in tests/screens/ if it is
 * part of the walk-through.  Views read the view-model only through the
 * accessors of vm.h (tests/layering.sh).
 */
#ifndef DM_TUI_H
#define DM_TUI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "vm.h"

/* The smallest terminal the interface draws in. */
#define TUI_MIN_W	60
#define TUI_MIN_H	16

/* Function keys are told apart from characters by this bit. */
#define TUI_FN(k)	((k) | 0x40000000)
#define TUI_IS_FN(k)	(((k) & 0x40000000) != 0)

/* What things look like; each is an attribute, with or without colour. */
enum tui_style {
	TUI_S_NORMAL,
	TUI_S_TITLE,		/* the status bar */
	TUI_S_PANE,		/* a pane's title */
	TUI_S_PANE_FOCUS,
	TUI_S_BANNER_OK,
	TUI_S_BANNER_WARN,
	TUI_S_BANNER_BAD,
	TUI_S_SEL,		/* the selected row, pane focused */
	TUI_S_SEL_DIM,		/* the selected row, pane not focused */
	TUI_S_HEAD,		/* column headings */
	TUI_S_OK,
	TUI_S_SUSPECT,
	TUI_S_BAD,
	TUI_S_MISMATCH,
	TUI_S_DIM,
	TUI_S_HINT,
	TUI_S_HINT_KEY,
	TUI_S_ERROR,
	TUI_S_PROMPT,
	TUI_S_HEADER_BYTES,
	TUI_S_GAP,
	TUI_S_TRAILING,
	TUI_S_MISSING,
	TUI_S_T0, TUI_S_T1, TUI_S_T2, TUI_S_T3, TUI_S_T4, TUI_S_T5,
	TUI_S_CURSOR,
	TUI_S_SECTION,		/* the selected layer's cfg lines */
	TUI_S_COMMENT,
	TUI_S_DIALOG,
	TUI_S_DIALOG_SEL,
	TUI_S_COUNT
};

#define TUI_TENSOR_STYLES 6

enum tui_glyph {
	TUI_G_VLINE,
	TUI_G_HLINE,
	TUI_G_TL, TUI_G_TR, TUI_G_BL, TUI_G_BR,
	TUI_G_MARK,		/* the first problem's row */
	TUI_G_POINTER,		/* the selected array */
	TUI_G_OK, TUI_G_SUSPECT, TUI_G_BAD, TUI_G_ABSENT, TUI_G_PENDING,
	TUI_G_ELLIPSIS,
	TUI_G_ARROW,
	TUI_G_DOT,		/* a missing byte */
	TUI_G_BAR0,		/* eight heights of histogram bars follow */
	TUI_G_COUNT = TUI_G_BAR0 + 9
};

struct tui_rect {
	int		 y, x, h, w;
};

/*
 * A place a click on the open dialog reaches, noted as the dialog is
 * drawn: rows [y0, y1) and columns [x0, x1).
 */
struct tui_hit {
	int		 y0, y1, x0, x1;
	int		 field;		/* export dialog: the field */
	long		 index;		/* the repair, or the choice; -1 none */
};

#define TUI_HITS_MAX	64

struct tui {
	int		 utf8;		/* the locale is UTF-8 */
	int		 color;		/* colours in use */
	attr_t		 style[TUI_S_COUNT];
	short		 pair[TUI_S_COUNT];
	int		 too_small;
	int		 compact;	/* one lower pane at a time */
	enum dm_pane	 lower;		/* compact: the lower pane shown */
	int		 banner_h;
	const struct dm_session *laid_for; /* the pair laid out, or NULL */
	struct tui_rect	 rect[DM_PANE_COUNT];
	int		 shown[DM_PANE_COUNT];
	struct tui_rect	 dialog;	/* where the open dialog is */
	struct tui_hit	 hit[TUI_HITS_MAX];
	int		 nhits;
};

/* A pane of the main screen. */
struct tui_pane_ops {
	const char	*name;
	enum dm_pane	 pane;
	/* Sizes the view-model's idea of the pane from its rectangle. */
	void		(*resize)(struct tui *, struct dm_vm *,
			    const struct tui_rect *);
	void		(*draw)(struct tui *, struct dm_vm *,
			    const struct tui_rect *, int focused);
	/* A click at (y, x) inside the rectangle; returns vm flags. */
	int		(*click)(struct tui *, struct dm_vm *,
			    const struct tui_rect *, int y, int x);
};

/* A screen: the main one, help, or a dialog over the main screen. */
struct tui_screen_ops {
	const char	*name;
	enum dm_screen	 screen;
	int		 overlay;	/* drawn over the main screen */
	void		(*draw)(struct tui *, struct dm_vm *);
	/* A key (a character, or TUI_FN(KEY_...)); returns vm flags. */
	int		(*key)(struct tui *, struct dm_vm *, int key);
	int		(*click)(struct tui *, struct dm_vm *, int y, int x);
};

extern const struct tui_pane_ops view_layers_ops;
extern const struct tui_pane_ops view_details_ops;
extern const struct tui_pane_ops view_bytes_ops;
extern const struct tui_pane_ops view_cfg_ops;

extern const struct tui_screen_ops view_main_ops;

/* The lines the main screen's banner takes (view_main.c). */
int		 view_main_banner_h(struct tui *t, struct dm_vm *vm);
extern const struct tui_screen_ops view_help_ops;
extern const struct tui_screen_ops view_identify_ops;
extern const struct tui_screen_ops view_repair_ops;
extern const struct tui_screen_ops view_export_ops;
extern const struct tui_screen_ops view_quit_ops;
extern const struct tui_screen_ops view_recover_ops;

/*
 * A byte view (view_bytes.c), as the pair's byte pane and the identify
 * screen's draw it: a row is the offset, the bytes in hex, the floats
 * (decoded little-endian), and the bytes as text where there is room,
 * each coloured by who owns it.  The view says where its bytes end, where
 * its cursor is, how a row is read, and who owns a byte: its style,
 * whether it is in the selection (bold, underlined), whether it is data
 * (its floats are checked for plausibility), and whether a negative float
 * there is implausible (a variance).
 */
struct tui_byte_owner {
	enum tui_style	 st;
	int		 selected, data, variance;
};

struct tui_byte_view {
	uint64_t	 end;
	uint64_t	 cursor;
	int		 focused;
	size_t		(*read)(const struct dm_vm *, uint64_t off,
			    uint8_t *buf, size_t n);
	void		(*own)(const struct dm_vm *, uint64_t off,
			    struct tui_byte_owner *);
};

/* The widest row a byte view has: 32 bytes. */
#define TUI_BYTES_MAX_ROW	32

/* Bytes per row of a view whose bytes end at end in w columns. */
unsigned	 tui_bytes_per_row(uint64_t end, int w);
/* Draws the row of n bytes at off, at (y, x) in w columns. */
void		 tui_bytes_row(struct tui *t, struct dm_vm *vm,
		     const struct tui_byte_view *bv, int y, int x, int w,
		     uint64_t off, unsigned n);
/* The byte offset a click at column col of a row that starts at off is. */
uint64_t	 tui_bytes_click(uint64_t end, unsigned n, uint64_t off,
		     int col);
/* The colours' legend; blind: the identify screen's, without a layout. */
void		 tui_bytes_legend(struct tui *t, int y, int x, int w,
		     int blind);

/* Whether curses can drive the terminal TERM names. */
int		 tui_probe(void);

/* Runs the interface on vm until the user quits; returns 0, or -1 when
   the terminal cannot be used. */
int		 tui_run(struct dm_vm *vm);

/* Drawing helpers (tui.c). */

/*
 * Writes s at (y, x) in style st, at most w columns of it (by display
 * width, multibyte-aware), marking a cut with an ellipsis; pads with
 * spaces to w when pad.  Returns the columns written.
 */
int		 tui_put(struct tui *t, int y, int x, int w, enum tui_style st,
		     const char *s, int pad);
int		 tui_putf(struct tui *t, int y, int x, int w, enum tui_style st,
		     int pad, const char *fmt, ...)
		     __attribute__((format(printf, 7, 8)));
/* The same with a raw attribute (for combining styles). */
int		 tui_put_attr(struct tui *t, int y, int x, int w, attr_t a,
		     const char *s, int pad);
attr_t		 tui_attr(const struct tui *t, enum tui_style st);
void		 tui_fill(struct tui *t, const struct tui_rect *r,
		     enum tui_style st);
const char	*tui_glyph(const struct tui *t, enum tui_glyph g);
/* A pane's title line, highlighted when focused. */
void		 tui_pane_title(struct tui *t, const struct tui_rect *r,
		     int focused, const char *title, const char *right);
/* A centred box for a dialog; returns its inside. */
struct tui_rect	 tui_dialog_box(struct tui *t, int h, int w,
		     const char *title);
/*
 * Width-aware text, the one way the interface measures and cuts it (by
 * display width, never inside a character): tui_width() the columns of s;
 * tui_fit() how many bytes of s fit in w columns (*cols, if not NULL,
 * gets their width); tui_wrap() the bytes of s for a line of w columns,
 * ending at a space when that keeps half the line or more; tui_tail() the
 * end of s that fits in w columns.  tui_put() marks text it cuts short
 * with an ellipsis (ASCII '~' when the locale is not UTF-8).
 */
int		 tui_width(const struct tui *t, const char *s);
size_t		 tui_fit(const struct tui *t, const char *s, int w, int *cols);
size_t		 tui_wrap(const struct tui *t, const char *s, int w);
const char	*tui_tail(const struct tui *t, const char *s, int w);
/* A byte count made short: "258.1 MB", "4172 B". */
void		 tui_bytes(char *buf, size_t len, uint64_t n);

/* Keys (keys.c). */

/* The action of key k in the view-model's current state. */
enum dm_act	 tui_key_action(const struct dm_vm *vm, int k, long *arg);

/* A line of the help screen, made from the key table. */
struct tui_help {
	const char	*keys;		/* "j  Down"; NULL: a heading */
	const char	*what;
};

/* The help screen's lines; *n gets how many. */
const struct tui_help *tui_help(size_t *n);

/* Writes the key table for tests/keys.sh. */
void		 tui_keys_dump(FILE *fp);

/* The hint line for the current state. */
const char	*tui_hints(const struct dm_vm *vm);

#endif /* DM_TUI_H */
