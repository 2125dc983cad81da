/*
 * keys.c - which key does what: one table of bindings, in the order the
 * help lists them, each with the text the help screen shows (tig's
 * REQ_INFO habit).  The key lookup, the help screen, the hint line and the
 * check of the manual's KEYS section (tests/keys.sh) all read it, so that
 * they cannot drift apart.
 *
 * A row binds a key in one keymap to an action.  A row with help text
 * starts a line of the help screen; a row marked JOIN adds its key to the
 * line above ("j  Down"); other rows are aliases the help does not list
 * (Enter as '\n', a screen's own Escape).  A heading row has no key.
 */
#include "config.h"

#include "tui.h"

#include <stdio.h>
#include <string.h>

#define CTRL(c)		((c) & 0x1f)
#define ESC		0x1b

/* The keymaps, and which of them each screen reads, in order. */
enum keymap {
	KM_HEADING,		/* not a binding: a heading of the help */
	KM_NOTE,		/* not a binding: a line of the help */
	KM_ANY,			/* on every screen, before the others */
	KM_MOVE,		/* moving, on every screen that moves */
	KM_MAIN,
	KM_HELP,
	KM_REPAIR,
	KM_EXPORT,
	KM_EXPORT_CHOICE,	/* the export dialog on a field of choices */
	KM_CONFIRM,		/* the quit and recover questions */
	KM_IDENTIFY,		/* the identify screen */
	KM_EDIT			/* line editing in prompts and text fields */
};

#define JOIN	((const char *)1)	/* help: the line above's */

struct binding {
	enum keymap	 map;
	int		 key;		/* a character, or TUI_FN(KEY_...) */
	const char	*name;		/* the key's name, as the help says it */
	enum dm_act	 act;
	long		 arg;
	const char	*help;		/* a line of help, JOIN, or NULL */
};

static const struct binding bindings[] = {
	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Moving" },
	{ KM_MOVE, 'j', "j", DM_ACT_DOWN, 0, "next row; in the byte view the "
	    "next row of bytes; in details and cfg, scroll" },
	{ KM_MOVE, TUI_FN(KEY_DOWN), "Down", DM_ACT_DOWN, 0, JOIN },
	{ KM_MOVE, 'k', "k", DM_ACT_UP, 0, "previous row" },
	{ KM_MOVE, TUI_FN(KEY_UP), "Up", DM_ACT_UP, 0, JOIN },
	{ KM_MAIN, 'h', "h", DM_ACT_LEFT, 0, "previous array of the layer; in "
	    "the byte view one float back" },
	{ KM_MAIN, TUI_FN(KEY_LEFT), "Left", DM_ACT_LEFT, 0, JOIN },
	{ KM_MAIN, 'l', "l", DM_ACT_RIGHT, 0, "next array of the layer; in the "
	    "byte view one float on" },
	{ KM_MAIN, TUI_FN(KEY_RIGHT), "Right", DM_ACT_RIGHT, 0, JOIN },
	{ KM_MOVE, TUI_FN(KEY_NPAGE), "PgDn", DM_ACT_PAGE_DOWN, 0,
	    "a page down" },
	{ KM_MOVE, CTRL('f'), "Ctrl-F", DM_ACT_PAGE_DOWN, 0, JOIN },
	{ KM_MOVE, ' ', "Space", DM_ACT_PAGE_DOWN, 0, JOIN },
	{ KM_MOVE, TUI_FN(KEY_PPAGE), "PgUp", DM_ACT_PAGE_UP, 0, "a page up" },
	{ KM_MOVE, CTRL('b'), "Ctrl-B", DM_ACT_PAGE_UP, 0, JOIN },
	{ KM_MOVE, 'g', "g", DM_ACT_TOP, 0, "the first row, or the start of "
	    "the file" },
	{ KM_MOVE, TUI_FN(KEY_HOME), "Home", DM_ACT_TOP, 0, JOIN },
	{ KM_MOVE, 'G', "G", DM_ACT_BOTTOM, 0, "the last row, or the end of "
	    "the file" },
	{ KM_MOVE, TUI_FN(KEY_END), "End", DM_ACT_BOTTOM, 0, JOIN },
	{ KM_MAIN, '\t', "Tab", DM_ACT_FOCUS_NEXT, 0, "next or previous pane: "
	    "layers, details, bytes, cfg" },
	{ KM_MAIN, TUI_FN(KEY_BTAB), "Shift-Tab", DM_ACT_FOCUS_PREV, 0, JOIN },
	{ KM_MAIN, '\r', "Enter", DM_ACT_ACCEPT, 0, "from the layer table to "
	    "the details" },
	{ KM_MAIN, '\n', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_MAIN, TUI_FN(KEY_ENTER), "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_NOTE, 0, "mouse", DM_ACT_NONE, 0, "click selects a row, an array "
	    "or a byte (in the dialogs, a repair, a field or a choice); the "
	    "wheel scrolls the pane under it" },

	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Finding the problem" },
	{ KM_MAIN, 'f', "f", DM_ACT_FIRST_PROBLEM, 0, "the first flagged layer "
	    "(the first that is cut, implausible or odd)" },
	{ KM_MAIN, ']', "]", DM_ACT_NEXT_PROBLEM, 0, "the next or previous "
	    "flagged layer" },
	{ KM_MAIN, '[', "[", DM_ACT_PREV_PROBLEM, 0, JOIN },
	{ KM_MAIN, '!', "!", DM_ACT_NEXT_WARNING, 0, "the next warning about "
	    "the cfg, of those the top line counts: a key Darknet ignores "
	    "(misspelt, repeated, of the other fork, without a value) or a "
	    "layer (an unknown section, a shortcut or route of inputs of "
	    "different sizes); selects its layer, shows the line and says it; "
	    "lines with one have ! in the cfg pane and the table" },
	{ KM_MAIN, '/', "/", DM_ACT_SEARCH, 0, "search: a type (yolo), a layer "
	    "index (12), a cfg key (classes=80), an array name, or an offset "
	    "(@84464, 0x149f0)" },
	{ KM_MAIN, 'n', "n", DM_ACT_SEARCH_NEXT, 0, "the next or previous "
	    "match" },
	{ KM_MAIN, 'N', "N", DM_ACT_SEARCH_PREV, 0, JOIN },
	{ KM_MAIN, ':', ":", DM_ACT_GOTO, 0, "go to a byte offset in the byte "
	    "view" },

	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Repairing: every change "
	    "re-lays the file out at once" },
	{ KM_MAIN, 'r', "r", DM_ACT_REPAIR, 0, "preview the diagnosis' "
	    "repairs; Enter applies the selected one (none is selected when "
	    "the best ones tie, or when only a lossy one fits: j/k choose)" },
	{ KM_MAIN, 'H', "H", DM_ACT_HEADER, 0, "header size 16 <-> 20 bytes" },
	{ KM_MAIN, 'T', "T", DM_ACT_TRANSPOSE, 0, "connected weights stored "
	    "transposed, or not" },
	{ KM_MAIN, 'L', "L", DM_ACT_LAYOUT, 0, "layout: as Darknet loads "
	    "(load) or saves (save) the file" },
	{ KM_MAIN, 'F', "F", DM_ACT_DIALECT, 0, "Darknet fork: AlexeyAB (ab) or "
	    "pjreddie (pj); the cfg and the weights are read again for it" },
	{ KM_MAIN, 'D', "D", DM_ACT_DATA_END, 0, "where the data ends (junk "
	    "after it is ignored)" },
	{ KM_MAIN, 'a', "a", DM_ACT_ABSENT, 0, "the selected layer's arrays are "
	    "absent from the file" },
	{ KM_MAIN, 'o', "o", DM_ACT_OMIT, 0, "the selected layer is left out of "
	    "the export" },
	{ KM_MAIN, 'c', "c", DM_ACT_CUTOFF, 0, "the file ends after the "
	    "selected layer (cutoff)" },
	{ KM_MAIN, 's', "s", DM_ACT_GAP, 0, "bytes of gap before the selected "
	    "layer" },
	{ KM_MAIN, '+', "+", DM_ACT_GAP_ADD, 4, "4 bytes more or less of gap "
	    "before the selected layer" },
	{ KM_MAIN, '-', "-", DM_ACT_GAP_ADD, -4, JOIN },
	{ KM_MAIN, '@', "@", DM_ACT_OFFSET, 0, "the absolute offset where the "
	    "selected layer starts" },
	{ KM_MAIN, 'O', "O", DM_ACT_ORDER, 0, "the order of the selected "
	    "layer's arrays in the file" },
	{ KM_MAIN, '#', "#", DM_ACT_COUNT, 0, "the number of floats of the "
	    "selected array" },
	{ KM_MAIN, 't', "t", DM_ACT_TRANSPOSE_ARRAY, 0, "the selected array is "
	    "stored transposed, or not" },
	{ KM_MAIN, 'p', "p", DM_ACT_PERMUTE, 0, "the stored axis order of the "
	    "selected array" },
	{ KM_MAIN, 'S', "S", DM_ACT_RESHAPE, 0, "the exported shape of the "
	    "selected array" },
	{ KM_MAIN, 'R', "R", DM_ACT_RENAME, 0, "the exported key of the "
	    "selected array" },
	{ KM_MAIN, 'K', "K", DM_ACT_TARGET_KEY, 0, "with --target: the "
	    "selected array's key, one of the target's unmatched keys (type to "
	    "search, Up and Down to choose)" },
	{ KM_EDIT, TUI_FN(KEY_UP), "Up", DM_ACT_UP, 0, NULL },
	{ KM_EDIT, TUI_FN(KEY_DOWN), "Down", DM_ACT_DOWN, 0, NULL },
	{ KM_MAIN, 'x', "x", DM_ACT_CLEAR, 0, "clear the selected layer's "
	    "overrides" },
	{ KM_MAIN, TUI_FN(KEY_DC), "Delete", DM_ACT_CLEAR, 0, JOIN },
	{ KM_MAIN, 'X', "X", DM_ACT_CLEAR_ALL, 0, "clear every override" },
	{ KM_MAIN, 'u', "u", DM_ACT_UNDO, 0, "undo" },
	{ KM_MAIN, CTRL('r'), "Ctrl-R", DM_ACT_REDO, 0, "redo" },
	{ KM_NOTE, 0, "ovr", DM_ACT_NONE, 0, "the table's column of a layer's "
	    "overrides, each marked by the key that sets it: a absent, o "
	    "omitted, c cutoff, s gap, @ offset, O order, # count, t "
	    "transposed, p axis order, S shape, R key" },

	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Files" },
	{ KM_MAIN, 'w', "w", DM_ACT_SAVE, 0, "save the overrides as a profile "
	    "(darkmap-profile(5))" },
	{ KM_MAIN, 'W', "W", DM_ACT_WRITE_CFG, 0, "after a class-count "
	    "repair, or in a pair opened from the identify screen, write the "
	    "corrected cfg (the weights fit it with no profile)" },
	{ KM_MAIN, 'e', "e", DM_ACT_EXPORT, 0, "export: format, key names, "
	    "dtype and file in a dialog" },

	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Prompts and dialogs" },
	{ KM_EDIT, '\r', "Enter", DM_ACT_ACCEPT, 0, "accept" },
	{ KM_EDIT, '\n', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_EDIT, TUI_FN(KEY_ENTER), "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_REPAIR, '\r', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_REPAIR, '\n', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_REPAIR, TUI_FN(KEY_ENTER), "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_EXPORT, '\r', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_EXPORT, '\n', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_EXPORT, TUI_FN(KEY_ENTER), "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_HELP, '\r', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_EDIT, ESC, "Escape", DM_ACT_CANCEL, 0, "cancel the prompt, close "
	    "the dialog, or stop a running export (no file is left)" },
	{ KM_MAIN, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_HELP, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_REPAIR, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_EXPORT, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_CONFIRM, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_EDIT, TUI_FN(KEY_BACKSPACE), "Backspace", DM_ACT_BACKSPACE, 0,
	    "delete a character, the line, a word" },
	{ KM_EDIT, 0x7f, "Backspace", DM_ACT_BACKSPACE, 0, NULL },
	{ KM_EDIT, CTRL('h'), "Ctrl-H", DM_ACT_BACKSPACE, 0, NULL },
	{ KM_EDIT, CTRL('u'), "Ctrl-U", DM_ACT_KILL, 0, JOIN },
	{ KM_EDIT, CTRL('w'), "Ctrl-W", DM_ACT_KILL_WORD, 0, JOIN },
	{ KM_EDIT, TUI_FN(KEY_LEFT), "Left", DM_ACT_LEFT, 0, "keep a "
	    "prefilled answer, to edit it (the first character typed "
	    "replaces it)" },
	{ KM_EDIT, TUI_FN(KEY_RIGHT), "Right", DM_ACT_RIGHT, 0, JOIN },
	{ KM_EDIT, TUI_FN(KEY_HOME), "Home", DM_ACT_TOP, 0, JOIN },
	{ KM_EDIT, TUI_FN(KEY_END), "End", DM_ACT_BOTTOM, 0, JOIN },
	{ KM_EXPORT, TUI_FN(KEY_UP), "Up", DM_ACT_UP, 0, "export dialog: the "
	    "next or previous field" },
	{ KM_EXPORT, TUI_FN(KEY_DOWN), "Down", DM_ACT_DOWN, 0, JOIN },
	{ KM_EXPORT, '\t', "Tab", DM_ACT_FOCUS_NEXT, 0, JOIN },
	{ KM_EXPORT, TUI_FN(KEY_BTAB), "Shift-Tab", DM_ACT_FOCUS_PREV, 0, NULL },
	{ KM_EXPORT_CHOICE, 'j', "j", DM_ACT_DOWN, 0, NULL },
	{ KM_EXPORT_CHOICE, 'k', "k", DM_ACT_UP, 0, NULL },
	{ KM_EXPORT, TUI_FN(KEY_LEFT), "Left", DM_ACT_LEFT, 0, "export dialog: "
	    "change the choice" },
	{ KM_EXPORT, TUI_FN(KEY_RIGHT), "Right", DM_ACT_RIGHT, 0, JOIN },
	{ KM_EXPORT_CHOICE, ' ', "Space", DM_ACT_YES, 0, JOIN },
	{ KM_EXPORT_CHOICE, 'h', "h", DM_ACT_LEFT, 0, NULL },
	{ KM_EXPORT_CHOICE, 'l', "l", DM_ACT_RIGHT, 0, NULL },
	{ KM_EXPORT_CHOICE, 'q', "q", DM_ACT_QUIT, 0, NULL },
	{ KM_CONFIRM, 'y', "y", DM_ACT_YES, 0, "answer a question" },
	{ KM_CONFIRM, 'n', "n", DM_ACT_NO, 0, JOIN },
	{ KM_CONFIRM, 'Y', "Y", DM_ACT_YES, 0, NULL },
	{ KM_CONFIRM, 'N', "N", DM_ACT_NO, 0, NULL },
	{ KM_CONFIRM, 'q', "q", DM_ACT_QUIT, 0, NULL },
	{ KM_CONFIRM, 'w', "w", DM_ACT_SAVE, 0, NULL },
	{ KM_REPAIR, 'y', "y", DM_ACT_YES, 0, NULL },
	{ KM_REPAIR, 'n', "n", DM_ACT_NO, 0, NULL },

	{ KM_HEADING, 0, NULL, DM_ACT_NONE, 0, "Screens" },
	{ KM_MAIN, '?', "?", DM_ACT_HELP, 0, "this help; q, ? or Escape closes "
	    "it" },
	{ KM_MAIN, TUI_FN(KEY_F(1)), "F1", DM_ACT_HELP, 0, JOIN },
	{ KM_HELP, '?', "?", DM_ACT_HELP, 0, NULL },
	{ KM_MAIN, 'I', "I", DM_ACT_IDENTIFY, 0, "which cfgs explain the "
	    "weights file, as darkmap identify reports it (when the data "
	    "reads badly from an early layer): the header, the candidates "
	    "(j/k choose) and the selected one's report, or the closest "
	    "layouts and the blind segmentation; q or Escape closes it (the "
	    "screen darkmap WEIGHTS opens on; there, q quits)" },
	{ KM_IDENTIFY, '\r', "Enter", DM_ACT_ACCEPT, 0, "identify screen: "
	    "open the selected candidate, its changes applied, in place of "
	    "the pair open (W then writes its cfg)" },
	{ KM_IDENTIFY, '\n', "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_IDENTIFY, TUI_FN(KEY_ENTER), "Enter", DM_ACT_ACCEPT, 0, NULL },
	{ KM_IDENTIFY, '\t', "Tab", DM_ACT_FOCUS_NEXT, 0, "identify screen: "
	    "j/k move in the candidates, scroll the text under them, move in "
	    "the blind segments, or move the byte view's cursor through the "
	    "file" },
	{ KM_IDENTIFY, TUI_FN(KEY_BTAB), "Shift-Tab", DM_ACT_FOCUS_PREV, 0,
	    JOIN },
	{ KM_IDENTIFY, 'h', "h", DM_ACT_LEFT, 0, "identify screen: in the byte "
	    "view one float back" },
	{ KM_IDENTIFY, TUI_FN(KEY_LEFT), "Left", DM_ACT_LEFT, 0, JOIN },
	{ KM_IDENTIFY, 'l', "l", DM_ACT_RIGHT, 0, "identify screen: in the "
	    "byte view one float on" },
	{ KM_IDENTIFY, TUI_FN(KEY_RIGHT), "Right", DM_ACT_RIGHT, 0, JOIN },
	{ KM_IDENTIFY, 'q', "q", DM_ACT_QUIT, 0, NULL },
	{ KM_IDENTIFY, ESC, "Escape", DM_ACT_CANCEL, 0, NULL },
	{ KM_ANY, CTRL('l'), "Ctrl-L", DM_ACT_REDRAW, 0, "redraw the screen" },
	{ KM_MAIN, 'q', "q", DM_ACT_QUIT, 0, "back; on the main screen, quit "
	    "(asks when edits are unsaved)" },
	{ KM_HELP, 'q', "q", DM_ACT_QUIT, 0, NULL },
	{ KM_REPAIR, 'q', "q", DM_ACT_QUIT, 0, NULL },
};

#define NBINDINGS	(sizeof bindings / sizeof bindings[0])

/* The keymaps each screen reads, in order; KM_HEADING ends a list. */
static const enum keymap screen_maps[][4] = {
	[DM_SCREEN_MAIN] = { KM_MAIN, KM_MOVE, KM_HEADING },
	[DM_SCREEN_HELP] = { KM_HELP, KM_MOVE, KM_HEADING },
	[DM_SCREEN_REPAIR] = { KM_REPAIR, KM_MOVE, KM_HEADING },
	[DM_SCREEN_EXPORT] = { KM_EXPORT, KM_EXPORT_CHOICE, KM_HEADING },
	[DM_SCREEN_QUIT] = { KM_CONFIRM, KM_HEADING },
	[DM_SCREEN_RECOVER] = { KM_CONFIRM, KM_HEADING },
	[DM_SCREEN_IDENTIFY] = { KM_IDENTIFY, KM_MOVE, KM_HEADING },
};

static const struct binding *
lookup(enum keymap map, int k)
{
	size_t i;

	for (i = 0; i < NBINDINGS; i++)
		if (bindings[i].map == map && bindings[i].key == k)
			return &bindings[i];
	return NULL;
}

/* The keymaps the view-model's state reads, in order, into maps. */
static size_t
active_maps(const struct dm_vm *vm, enum keymap *maps)
{
	const enum keymap *m;
	size_t n = 0;

	maps[n++] = KM_ANY;
	if (dm_vm_text_input(vm)) {
		maps[n++] = KM_EDIT;
		if (dm_vm_screen(vm) == DM_SCREEN_EXPORT &&
		    dm_vm_prompt(vm) == NULL)
			maps[n++] = KM_EXPORT;
		return n;
	}
	for (m = screen_maps[dm_vm_screen(vm)]; *m != KM_HEADING; m++)
		maps[n++] = *m;
	return n;
}

enum dm_act
tui_key_action(const struct dm_vm *vm, int k, long *arg)
{
	enum keymap maps[8];
	const struct binding *b;
	size_t i, n = active_maps(vm, maps);

	*arg = 0;
	for (i = 0; i < n; i++)
		if ((b = lookup(maps[i], k)) != NULL) {
			*arg = b->arg;
			return b->act;
		}
	if (dm_vm_text_input(vm) && !TUI_IS_FN(k) && k >= 0x20 && k != 0x7f) {
		*arg = k;
		return DM_ACT_CHAR;
	}
	return DM_ACT_NONE;
}

/* The help, made from the table once. */

#define HELP_MAX	96

static struct tui_help help_lines[HELP_MAX];
static char help_keys[HELP_MAX][48];
static size_t nhelp;

const struct tui_help *
tui_help(size_t *n)
{
	static int built;
	const struct binding *b;
	size_t i, len;

	for (i = 0; !built && i < NBINDINGS; i++) {
		b = &bindings[i];
		if (b->help == JOIN && nhelp > 0) {
			len = strlen(help_keys[nhelp - 1]);
			snprintf(help_keys[nhelp - 1] + len,
			    sizeof help_keys[0] - len, "  %s", b->name);
			continue;
		}
		if (b->help == NULL || b->help == JOIN || nhelp == HELP_MAX)
			continue;
		help_lines[nhelp].what = b->help;
		help_lines[nhelp].keys = NULL;
		if (b->map != KM_HEADING) {
			snprintf(help_keys[nhelp], sizeof help_keys[0], "%s",
			    b->name);
			help_lines[nhelp].keys = help_keys[nhelp];
		}
		nhelp++;
	}
	built = 1;
	*n = nhelp;
	return help_lines;
}

/* The hint line: the first key of each action, from the table. */

struct hint {
	enum dm_act	 act, act2;	/* act2: "k1/k2", or DM_ACT_NONE */
	const char	*what;
	int		 warnings;	/* shown only when there are some */
};

static const struct hint hints_main[] = {
	{ DM_ACT_HELP, DM_ACT_NONE, "help", 0 },
	{ DM_ACT_DOWN, DM_ACT_UP, "move", 0 },
	{ DM_ACT_LEFT, DM_ACT_RIGHT, "array", 0 },
	{ DM_ACT_FOCUS_NEXT, DM_ACT_NONE, "pane", 0 },
	{ DM_ACT_FIRST_PROBLEM, DM_ACT_NONE, "problem", 0 },
	{ DM_ACT_NEXT_WARNING, DM_ACT_NONE, "warning", 1 },
	{ DM_ACT_REPAIR, DM_ACT_NONE, "repair", 0 },
	{ DM_ACT_SEARCH, DM_ACT_NONE, "search", 0 },
	{ DM_ACT_UNDO, DM_ACT_NONE, "undo", 0 },
	{ DM_ACT_SAVE, DM_ACT_NONE, "save", 0 },
	{ DM_ACT_EXPORT, DM_ACT_NONE, "export", 0 },
	{ DM_ACT_QUIT, DM_ACT_NONE, "quit", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_bytes[] = {
	{ DM_ACT_HELP, DM_ACT_NONE, "help", 0 },
	{ DM_ACT_DOWN, DM_ACT_UP, "row", 0 },
	{ DM_ACT_LEFT, DM_ACT_RIGHT, "float", 0 },
	{ DM_ACT_GOTO, DM_ACT_NONE, "offset", 0 },
	{ DM_ACT_FOCUS_NEXT, DM_ACT_NONE, "pane", 0 },
	{ DM_ACT_FIRST_PROBLEM, DM_ACT_NONE, "problem", 0 },
	{ DM_ACT_REPAIR, DM_ACT_NONE, "repair", 0 },
	{ DM_ACT_UNDO, DM_ACT_NONE, "undo", 0 },
	{ DM_ACT_SAVE, DM_ACT_NONE, "save", 0 },
	{ DM_ACT_EXPORT, DM_ACT_NONE, "export", 0 },
	{ DM_ACT_QUIT, DM_ACT_NONE, "quit", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_prompt[] = {
	{ DM_ACT_ACCEPT, DM_ACT_NONE, "accept", 0 },
	{ DM_ACT_CANCEL, DM_ACT_NONE, "cancel", 0 },
	{ DM_ACT_KILL, DM_ACT_NONE, "clear", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_help[] = {
	{ DM_ACT_DOWN, DM_ACT_UP, "scroll", 0 },
	{ DM_ACT_QUIT, DM_ACT_NONE, "close", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_identify[] = {
	{ DM_ACT_DOWN, DM_ACT_UP, "move", 0 },
	{ DM_ACT_FOCUS_NEXT, DM_ACT_NONE, "focus", 0 },
	{ DM_ACT_ACCEPT, DM_ACT_NONE, "open", 0 },
	{ DM_ACT_QUIT, DM_ACT_NONE, "close", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_repair[] = {
	{ DM_ACT_DOWN, DM_ACT_UP, "choose", 0 },
	{ DM_ACT_ACCEPT, DM_ACT_NONE, "apply", 0 },
	{ DM_ACT_CANCEL, DM_ACT_NONE, "cancel", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_export[] = {
	{ DM_ACT_UP, DM_ACT_DOWN, "field", 0 },
	{ DM_ACT_LEFT, DM_ACT_RIGHT, "change", 0 },
	{ DM_ACT_ACCEPT, DM_ACT_NONE, "export", 0 },
	{ DM_ACT_CANCEL, DM_ACT_NONE, "cancel", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_quit[] = {
	{ DM_ACT_YES, DM_ACT_NONE, "quit and lose them", 0 },
	{ DM_ACT_NO, DM_ACT_NONE, "stay", 0 },
	{ DM_ACT_SAVE, DM_ACT_NONE, "save first", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

static const struct hint hints_recover[] = {
	{ DM_ACT_YES, DM_ACT_NONE, "recover the edits", 0 },
	{ DM_ACT_NO, DM_ACT_NONE, "discard them", 0 },
	{ DM_ACT_NONE, DM_ACT_NONE, NULL, 0 }
};

/*
 * The short name of the first key bound to act in maps: "Esc" for
 * Escape, as the hint line is short of room.
 */
static const char *
key_for(const enum keymap *maps, size_t nmaps, enum dm_act act)
{
	size_t i, k;

	for (k = 0; k < nmaps; k++)
		for (i = 0; i < NBINDINGS; i++)
			if (bindings[i].map == maps[k] &&
			    bindings[i].act == act && bindings[i].name != NULL)
				return bindings[i].key == ESC ? "Esc" :
				    bindings[i].name;
	return "?";
}

const char *
tui_hints(const struct dm_vm *vm)
{
	static char buf[256];
	const struct hint *h;
	enum keymap maps[8];
	size_t n = active_maps(vm, maps), len = 0;

	if (dm_vm_prompt(vm) != NULL)
		h = hints_prompt;
	else
		switch (dm_vm_screen(vm)) {
		case DM_SCREEN_HELP:
			h = hints_help;
			break;
		case DM_SCREEN_IDENTIFY:
			h = hints_identify;
			break;
		case DM_SCREEN_REPAIR:
			h = hints_repair;
			break;
		case DM_SCREEN_EXPORT:
			h = hints_export;
			break;
		case DM_SCREEN_QUIT:
			h = hints_quit;
			break;
		case DM_SCREEN_RECOVER:
			h = hints_recover;
			break;
		default:
			h = dm_vm_focus(vm) == DM_PANE_BYTES ? hints_bytes :
			    hints_main;
			break;
		}
	buf[0] = '\0';
	for (; h->what != NULL && len < sizeof buf; h++) {
		if (h->warnings &&
		    dm_session_nwarnings(dm_vm_session(vm)) == 0)
			continue;
		len += (size_t)snprintf(buf + len, sizeof buf - len,
		    "%s%s%s%s %s", len > 0 ? "  " : "", key_for(maps, n,
		    h->act), h->act2 != DM_ACT_NONE ? "/" : "",
		    h->act2 != DM_ACT_NONE ? key_for(maps, n, h->act2) : "",
		    /* With no pair behind the identify screen, q quits. */
		    h->act == DM_ACT_QUIT && dm_vm_session(vm) == NULL ?
		    "quit" : h->what);
	}
	return buf;
}

/*
 * The table, for tests/keys.sh: the keys of each line of the help, then
 * every binding ("bind", keymap, key code, key name, action).
 */
void
tui_keys_dump(FILE *fp)
{
	const struct tui_help *h;
	size_t i, n;

	h = tui_help(&n);
	for (i = 0; i < n; i++)
		if (h[i].keys != NULL)
			fprintf(fp, "help\t%s\n", h[i].keys);
	for (i = 0; i < NBINDINGS; i++)
		if (bindings[i].map > KM_NOTE)
			fprintf(fp, "bind\t%d\t%d\t%s\t%d\n",
			    (int)bindings[i].map, bindings[i].key,
			    bindings[i].name, (int)bindings[i].act);
}
