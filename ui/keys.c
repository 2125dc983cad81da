/*
 * keys.c - which key does what: the bindings of each screen, the help
 * screen's text and the hint line.  The bindings are the one place where
 * keys are named; the help text lists every one of them.
 */
#include "config.h"

#include "tui.h"

#define CTRL(c)		((c) & 0x1f)
#define ESC		0x1b

struct binding {
	int		 key;
	enum dm_act	 act;
	long		 arg;
};

/* Moving, on every screen that moves. */
static const struct binding move_keys[] = {
	{ 'j', DM_ACT_DOWN, 0 },
	{ TUI_FN(KEY_DOWN), DM_ACT_DOWN, 0 },
	{ 'k', DM_ACT_UP, 0 },
	{ TUI_FN(KEY_UP), DM_ACT_UP, 0 },
	{ TUI_FN(KEY_NPAGE), DM_ACT_PAGE_DOWN, 0 },
	{ CTRL('f'), DM_ACT_PAGE_DOWN, 0 },
	{ ' ', DM_ACT_PAGE_DOWN, 0 },
	{ TUI_FN(KEY_PPAGE), DM_ACT_PAGE_UP, 0 },
	{ CTRL('b'), DM_ACT_PAGE_UP, 0 },
	{ 'g', DM_ACT_TOP, 0 },
	{ TUI_FN(KEY_HOME), DM_ACT_TOP, 0 },
	{ 'G', DM_ACT_BOTTOM, 0 },
	{ TUI_FN(KEY_END), DM_ACT_BOTTOM, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

static const struct binding main_keys[] = {
	{ 'h', DM_ACT_LEFT, 0 },
	{ TUI_FN(KEY_LEFT), DM_ACT_LEFT, 0 },
	{ 'l', DM_ACT_RIGHT, 0 },
	{ TUI_FN(KEY_RIGHT), DM_ACT_RIGHT, 0 },
	{ '\t', DM_ACT_FOCUS_NEXT, 0 },
	{ TUI_FN(KEY_BTAB), DM_ACT_FOCUS_PREV, 0 },
	{ '\r', DM_ACT_ACCEPT, 0 },
	{ '\n', DM_ACT_ACCEPT, 0 },
	{ TUI_FN(KEY_ENTER), DM_ACT_ACCEPT, 0 },
	{ 'f', DM_ACT_FIRST_PROBLEM, 0 },
	{ ']', DM_ACT_NEXT_PROBLEM, 0 },
	{ '[', DM_ACT_PREV_PROBLEM, 0 },
	{ '!', DM_ACT_NEXT_WARNING, 0 },
	{ '/', DM_ACT_SEARCH, 0 },
	{ 'n', DM_ACT_SEARCH_NEXT, 0 },
	{ 'N', DM_ACT_SEARCH_PREV, 0 },
	{ ':', DM_ACT_GOTO, 0 },
	{ 'r', DM_ACT_REPAIR, 0 },
	{ 'H', DM_ACT_HEADER, 0 },
	{ 'T', DM_ACT_TRANSPOSE, 0 },
	{ 'L', DM_ACT_LAYOUT, 0 },
	{ 'F', DM_ACT_DIALECT, 0 },
	{ 'D', DM_ACT_DATA_END, 0 },
	{ 'a', DM_ACT_ABSENT, 0 },
	{ 'o', DM_ACT_OMIT, 0 },
	{ 'c', DM_ACT_CUTOFF, 0 },
	{ 's', DM_ACT_GAP, 0 },
	{ '+', DM_ACT_GAP_ADD, 4 },
	{ '-', DM_ACT_GAP_ADD, -4 },
	{ '@', DM_ACT_OFFSET, 0 },
	{ 'O', DM_ACT_ORDER, 0 },
	{ '#', DM_ACT_COUNT, 0 },
	{ 't', DM_ACT_TRANSPOSE_ARRAY, 0 },
	{ 'p', DM_ACT_PERMUTE, 0 },
	{ 'S', DM_ACT_RESHAPE, 0 },
	{ 'R', DM_ACT_RENAME, 0 },
	{ 'x', DM_ACT_CLEAR, 0 },
	{ TUI_FN(KEY_DC), DM_ACT_CLEAR, 0 },
	{ 'X', DM_ACT_CLEAR_ALL, 0 },
	{ 'u', DM_ACT_UNDO, 0 },
	{ CTRL('r'), DM_ACT_REDO, 0 },
	{ 'w', DM_ACT_SAVE, 0 },
	{ 'e', DM_ACT_EXPORT, 0 },
	{ '?', DM_ACT_HELP, 0 },
	{ TUI_FN(KEY_F(1)), DM_ACT_HELP, 0 },
	{ 'q', DM_ACT_QUIT, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

static const struct binding help_keys[] = {
	{ 'q', DM_ACT_QUIT, 0 },
	{ '?', DM_ACT_HELP, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ '\r', DM_ACT_ACCEPT, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

static const struct binding repair_keys[] = {
	{ '\r', DM_ACT_ACCEPT, 0 },
	{ '\n', DM_ACT_ACCEPT, 0 },
	{ TUI_FN(KEY_ENTER), DM_ACT_ACCEPT, 0 },
	{ 'y', DM_ACT_YES, 0 },
	{ 'n', DM_ACT_NO, 0 },
	{ 'q', DM_ACT_QUIT, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

static const struct binding export_keys[] = {
	{ TUI_FN(KEY_UP), DM_ACT_UP, 0 },
	{ TUI_FN(KEY_DOWN), DM_ACT_DOWN, 0 },
	{ '\t', DM_ACT_FOCUS_NEXT, 0 },
	{ TUI_FN(KEY_BTAB), DM_ACT_FOCUS_PREV, 0 },
	{ TUI_FN(KEY_LEFT), DM_ACT_LEFT, 0 },
	{ TUI_FN(KEY_RIGHT), DM_ACT_RIGHT, 0 },
	{ '\r', DM_ACT_ACCEPT, 0 },
	{ '\n', DM_ACT_ACCEPT, 0 },
	{ TUI_FN(KEY_ENTER), DM_ACT_ACCEPT, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

/* The export dialog on a field of choices: letters move too. */
static const struct binding export_choice_keys[] = {
	{ 'j', DM_ACT_DOWN, 0 },
	{ 'k', DM_ACT_UP, 0 },
	{ 'h', DM_ACT_LEFT, 0 },
	{ 'l', DM_ACT_RIGHT, 0 },
	{ ' ', DM_ACT_YES, 0 },
	{ 'q', DM_ACT_QUIT, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

static const struct binding confirm_keys[] = {
	{ 'y', DM_ACT_YES, 0 },
	{ 'Y', DM_ACT_YES, 0 },
	{ 'n', DM_ACT_NO, 0 },
	{ 'N', DM_ACT_NO, 0 },
	{ 'q', DM_ACT_QUIT, 0 },
	{ 'w', DM_ACT_SAVE, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

/* Line editing in prompts and text fields. */
static const struct binding edit_keys[] = {
	{ '\r', DM_ACT_ACCEPT, 0 },
	{ '\n', DM_ACT_ACCEPT, 0 },
	{ TUI_FN(KEY_ENTER), DM_ACT_ACCEPT, 0 },
	{ ESC, DM_ACT_CANCEL, 0 },
	{ TUI_FN(KEY_BACKSPACE), DM_ACT_BACKSPACE, 0 },
	{ 0x7f, DM_ACT_BACKSPACE, 0 },
	{ CTRL('h'), DM_ACT_BACKSPACE, 0 },
	{ CTRL('u'), DM_ACT_KILL, 0 },
	{ CTRL('w'), DM_ACT_KILL_WORD, 0 },
	{ 0, DM_ACT_NONE, 0 }
};

const struct tui_help tui_help[] = {
	{ NULL, "Moving" },
	{ "j  Down", "next row; in the byte view the next row of bytes; in "
	    "details and cfg, scroll" },
	{ "k  Up", "previous row" },
	{ "h  Left", "previous array of the layer; in the byte view one float "
	    "back" },
	{ "l  Right", "next array of the layer; in the byte view one float "
	    "on" },
	{ "PgDn  Ctrl-F  Space", "a page down" },
	{ "PgUp  Ctrl-B", "a page up" },
	{ "g  Home", "the first row, or the start of the file" },
	{ "G  End", "the last row, or the end of the file" },
	{ "Tab  Shift-Tab", "next or previous pane: layers, details, bytes, "
	    "cfg" },
	{ "Enter", "from the layer table to the details" },
	{ "mouse", "click selects a row, an array or a byte (in the "
	    "dialogs, a repair, a field or a choice); the wheel scrolls the "
	    "pane under it" },
	{ NULL, "Finding the problem" },
	{ "f", "the first flagged layer (the first that is cut, implausible "
	    "or odd)" },
	{ "]  [", "the next or previous flagged layer" },
	{ "!", "the next warning about the cfg, of those the top line "
	    "counts: a key Darknet ignores (misspelt, repeated, of the other "
	    "fork, without a value) or a layer (an unknown section, a "
	    "shortcut or route of inputs of different sizes); selects its "
	    "layer, shows the line and says it; lines with one have ! in the "
	    "cfg pane and the table" },
	{ "/", "search: a type (yolo), a layer index (12), a cfg key "
	    "(classes=80), an array name, or an offset (@84464, 0x149f0)" },
	{ "n  N", "the next or previous match" },
	{ ":", "go to a byte offset in the byte view" },
	{ NULL, "Repairing: every change re-lays the file out at once" },
	{ "r", "preview the diagnosis' repairs; Enter applies the selected "
	    "one" },
	{ "H", "header size 16 <-> 20 bytes" },
	{ "T", "connected weights stored transposed, or not" },
	{ "L", "layout: as Darknet loads (load) or saves (save) the file" },
	{ "F", "Darknet fork: AlexeyAB (ab) or pjreddie (pj); the cfg and "
	    "the weights are read again for it" },
	{ "D", "where the data ends (junk after it is ignored)" },
	{ "a", "the selected layer's arrays are absent from the file" },
	{ "o", "the selected layer is left out of the export" },
	{ "c", "the file ends after the selected layer (cutoff)" },
	{ "s", "bytes of gap before the selected layer" },
	{ "+  -", "4 bytes more or less of gap before the selected layer" },
	{ "@", "the absolute offset where the selected layer starts" },
	{ "O", "the order of the selected layer's arrays in the file" },
	{ "#", "the number of floats of the selected array" },
	{ "t", "the selected array is stored transposed, or not" },
	{ "p", "the stored axis order of the selected array" },
	{ "S", "the exported shape of the selected array" },
	{ "R", "the exported key of the selected array" },
	{ "x  Delete", "clear the selected layer's overrides" },
	{ "X", "clear every override" },
	{ "u", "undo" },
	{ "Ctrl-R", "redo" },
	{ NULL, "Files" },
	{ "w", "save the overrides as a profile (darkmap-profile(5))" },
	{ "e", "export: format, key names, dtype and file in a dialog" },
	{ NULL, "Prompts and dialogs" },
	{ "Enter", "accept" },
	{ "Escape", "cancel the prompt or close the dialog" },
	{ "Backspace  Ctrl-U  Ctrl-W", "delete a character, the line, a word" },
	{ "Up  Down  Tab", "export dialog: the next or previous field" },
	{ "Left  Right  Space", "export dialog: change the choice" },
	{ "y  n", "answer a question" },
	{ NULL, "Screens" },
	{ "?  F1", "this help; q, ? or Escape closes it" },
	{ "Ctrl-L", "redraw the screen" },
	{ "q", "back; on the main screen, quit (asks when edits are unsaved)" },
};

const size_t tui_nhelp = sizeof tui_help / sizeof tui_help[0];

static enum dm_act
lookup(const struct binding *b, int k, long *arg)
{
	for (; b->act != DM_ACT_NONE; b++)
		if (b->key == k) {
			*arg = b->arg;
			return b->act;
		}
	return DM_ACT_NONE;
}

enum dm_act
tui_key_action(const struct dm_vm *vm, int k, long *arg)
{
	enum dm_act a;

	*arg = 0;
	if (dm_vm_text_input(vm)) {
		if ((a = lookup(edit_keys, k, arg)) != DM_ACT_NONE)
			return a;
		if (dm_vm_screen(vm) == DM_SCREEN_EXPORT &&
		    dm_vm_prompt(vm) == NULL &&
		    (a = lookup(export_keys, k, arg)) != DM_ACT_NONE)
			return a;
		if (!TUI_IS_FN(k) && k >= 0x20 && k != 0x7f) {
			*arg = k;
			return DM_ACT_CHAR;
		}
		return DM_ACT_NONE;
	}
	switch (dm_vm_screen(vm)) {
	case DM_SCREEN_MAIN:
		if ((a = lookup(main_keys, k, arg)) != DM_ACT_NONE)
			return a;
		return lookup(move_keys, k, arg);
	case DM_SCREEN_HELP:
		if ((a = lookup(help_keys, k, arg)) != DM_ACT_NONE)
			return a;
		return lookup(move_keys, k, arg);
	case DM_SCREEN_REPAIR:
		if ((a = lookup(repair_keys, k, arg)) != DM_ACT_NONE)
			return a;
		return lookup(move_keys, k, arg);
	case DM_SCREEN_EXPORT:
		if ((a = lookup(export_keys, k, arg)) != DM_ACT_NONE)
			return a;
		return lookup(export_choice_keys, k, arg);
	default:
		return lookup(confirm_keys, k, arg);
	}
}

const char *
tui_hints(const struct dm_vm *vm)
{
	if (dm_vm_prompt(vm) != NULL)
		return "Enter accept  Esc cancel  Ctrl-U clear";
	switch (dm_vm_screen(vm)) {
	case DM_SCREEN_HELP:
		return "j/k scroll  q close";
	case DM_SCREEN_REPAIR:
		return "j/k choose  Enter apply  Esc cancel";
	case DM_SCREEN_EXPORT:
		return "Up/Down field  Left/Right change  Enter export  "
		    "Esc cancel";
	case DM_SCREEN_QUIT:
		return "y quit without saving  n stay  w save first";
	case DM_SCREEN_RECOVER:
		return "y recover the edits  n discard them";
	default:
		break;
	}
	switch (dm_vm_focus(vm)) {
	case DM_PANE_BYTES:
		return "? help  j/k row  h/l float  : offset  Tab pane  "
		    "f problem  r repair  u undo  w save  e export  q quit";
	default:
		if (dm_session_nwarnings(dm_vm_session(vm)) > 0)
			return "? help  j/k move  h/l array  Tab pane  "
			    "f problem  ! warning  r repair  / search  u undo  "
			    "w save  e export  q quit";
		return "? help  j/k move  h/l array  Tab pane  f problem  "
		    "r repair  / search  u undo  w save  e export  q quit";
	}
}
