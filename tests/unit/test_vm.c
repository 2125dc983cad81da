/*
 * test_vm.c - the interface's view-model, driven without a terminal:
 * opening the bundled examples, finding the flagged layer, repairs,
 * edits through prompts, undo and redo, searching, scrolling at the
 * edges, saving, the autosave and its recovery, exporting, the
 * background diagnosis, the cfg's warnings, and a long run of random
 * actions.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef DM_LIBZIP_SONAME
#include <dlfcn.h>
#endif

#include <cmocka.h>

#include "diagjob.h"
#include "model.h"
#include "vm.h"

static char data[PATH_MAX];	/* tests/data, absolute */
static char tmp[PATH_MAX];	/* a fresh folder for files written */

static const char *
path(const char *name)
{
	static char buf[4][2 * PATH_MAX];
	static int k;

	if (name[0] == '/')
		return name;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", data, name);
	return buf[k];
}

static const char *
tmp_path(const char *name)
{
	static char buf[4][2 * PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
	return buf[k];
}

/* Whether the message line says an error. */
static int
msg_error(const struct dm_vm *vm)
{
	int error;

	dm_vm_msg(vm, &error);
	return error;
}

static int
exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0;
}

/*
 * Opens cfg and weights (relative to tests/data) with the profile at
 * profile (NULL for none) as the program does; flags 0 diagnoses at once.
 */
static struct dm_vm *
open_vm_profile(const char *cfg, const char *weights, const char *profile,
    const char *state, unsigned flags)
{
	struct dm_session_opts so;
	struct dm_session *s;
	struct dm_error err;
	struct dm_vm *vm;

	dm_error_clear(&err);
	memset(&so, 0, sizeof so);
	so.cfg = path(cfg);
	so.weights = weights != NULL ? path(weights) : NULL;
	so.profile = profile;
	so.dialect = so.layout = DM_UNSET;
	so.autosave_dir = state;
	so.flags = (flags != 0 ? flags : DM_SESSION_DIAGNOSE) |
	    DM_SESSION_CFG_TEXT;
	if ((s = dm_session_open(&so, &err)) == NULL)
		fail_msg("dm_session_open: %s", err.msg);
	vm = dm_vm_new(s, &err);
	if (vm == NULL)
		fail_msg("dm_vm_new: %s", err.msg);
	dm_vm_set_page(vm, DM_PANE_LAYERS, 8);
	dm_vm_set_page(vm, DM_PANE_BYTES, 6);
	dm_vm_set_bytes_per_row(vm, 16);
	return vm;
}

static struct dm_vm *
open_vm(const char *cfg, const char *weights, const char *state,
    unsigned flags)
{
	return open_vm_profile(cfg, weights, NULL, state, flags);
}

static struct dm_vm *
open_shapes(void)
{
	return open_vm("demo/shapes.cfg", "demo/shapes.weights", NULL, 0);
}

static int
type(struct dm_vm *vm, const char *s)
{
	int f = 0;

	for (; *s != '\0'; s++)
		f |= dm_vm_do(vm, DM_ACT_CHAR, (unsigned char)*s);
	return f;
}

/* Opens a prompt with act, types text, accepts. */
static int
prompt(struct dm_vm *vm, enum dm_act act, const char *text)
{
	dm_vm_do(vm, act, 0);
	assert_non_null(dm_vm_prompt(vm));
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, text);
	return dm_vm_do(vm, DM_ACT_ACCEPT, 0);
}

static void
test_open(void **state)
{
	struct dm_vm *vm = open_shapes();

	(void)state;
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_TRUNCATED);
	assert_true((dm_vm_diag(vm) != NULL));
	assert_true(dm_vm_diag(vm)->nhyps >= 1);
	assert_int_equal(dm_vm_diag(vm)->hyps[0].kind, DM_H_CLASSES);
	assert_int_equal(dm_vm_diag(vm)->hyps[0].value, 3);
	assert_int_equal(dm_vm_rows(vm), 20);
	assert_int_equal(dm_vm_row(vm), 1);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 0), DM_MARK_OK);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 1), DM_MARK_NONE);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 9), DM_MARK_MISMATCH);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 12), DM_MARK_MISMATCH);
	assert_false(dm_vm_dirty(vm));
	assert_int_equal(dm_vm_cursor(vm), 20);	/* layer 0 biases */
	dm_vm_free(vm);
}

static void
test_problems(void **state)
{
	struct dm_vm *vm = open_shapes();

	(void)state;
	dm_vm_do(vm, DM_ACT_FIRST_PROBLEM, 0);
	assert_int_equal(dm_vm_row(vm), 10);		/* layer 9 */
	assert_int_equal(dm_vm_cursor(vm), 83444);
	dm_vm_do(vm, DM_ACT_NEXT_PROBLEM, 0);
	assert_int_equal(dm_vm_row(vm), 13);		/* layer 12 */
	dm_vm_do(vm, DM_ACT_PREV_PROBLEM, 0);
	assert_int_equal(dm_vm_row(vm), 10);
	assert_true(dm_vm_do(vm, DM_ACT_PREV_PROBLEM, 0) & DM_VM_BELL);
	assert_int_equal(dm_vm_row(vm), 10);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "no flagged layer before"));
	dm_vm_free(vm);
}

static void
test_repair_undo_redo(void **state)
{
	struct dm_vm *vm = open_shapes();
	struct dm_verdict v;

	(void)state;
	assert_int_equal(dm_vm_preview(vm, 0, &v), 0);
	assert_int_equal(v.kind, DM_V_EXACT);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_TRUNCATED);	/* unchanged */
	assert_int_equal(dm_vm_net(vm)->total_bytes, 158380);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_REPAIR);
	assert_int_equal(dm_vm_row(vm), 10);		/* the repair's layer */
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 9), DM_MARK_OK);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 16), DM_MARK_OK);
	assert_true(dm_vm_dirty(vm));
	assert_int_equal(dm_vm_diag(vm)->nhyps, 0);
	assert_true(dm_vm_do(vm, DM_ACT_REPAIR, 0) & DM_VM_BELL);
	{
		struct dm_ovr *none = dm_ovr_new();
		char buf[1024];

		assert_int_equal(dm_ovr_diff(dm_vm_net(vm), none, dm_vm_ovr(vm), buf,
		    sizeof buf), 4);
		assert_string_equal(buf,
		    "layer 9 biases: cfg's -> 24 floats, shape [24]\n"
		    "layer 9 weights: cfg's -> 768 floats, shape [24,32,1,1]\n"
		    "layer 16 biases: cfg's -> 24 floats, shape [24]\n"
		    "layer 16 weights: cfg's -> 384 floats, shape [24,16,1,1]");
		/* A short buffer is cut, never overrun. */
		assert_int_equal(dm_ovr_diff(dm_vm_net(vm), none, dm_vm_ovr(vm), buf, 20),
		    4);
		assert_true(strlen(buf) < 20);
		dm_ovr_free(none);
	}
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "nothing to repair"));

	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_TRUNCATED);
	assert_false(dm_vm_dirty(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "undone"));
	assert_true(dm_vm_do(vm, DM_ACT_UNDO, 0) & DM_VM_BELL);
	dm_vm_do(vm, DM_ACT_REDO, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_true(dm_vm_dirty(vm));
	assert_true(dm_vm_do(vm, DM_ACT_REDO, 0) & DM_VM_BELL);

	/* A new edit after an undo drops the redo history. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 2);
	dm_vm_do(vm, DM_ACT_ABSENT, 0);
	assert_true(dm_vm_do(vm, DM_ACT_REDO, 0) & DM_VM_BELL);
	dm_vm_free(vm);
}

/* A click in the preview selects a repair; Enter applies that one. */
static void
test_repair_select(void **state)
{
	const struct dm_layer_ovr *lo;
	struct dm_vm *vm;
	char buf[8192];
	size_t n;
	FILE *in, *out;

	(void)state;
	/* 8 bytes of junk after the data: junk, or a gap before a layer. */
	in = fopen(path("ab-small.weights"), "rb");
	out = fopen(tmp_path("junk.weights"), "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fwrite("junkjunk", 1, 8, out), 8);
	fclose(in);
	assert_int_equal(fclose(out), 0);

	vm = open_vm("ab-small.cfg", tmp_path("junk.weights"), NULL, 0);
	assert_int_equal(dm_vm_diag(vm)->nhyps, 2);
	assert_int_equal(dm_vm_diag(vm)->hyps[1].kind, DM_H_GAP);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	assert_int_equal(dm_vm_repair_sel(vm), 0);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 1);
	assert_int_equal(dm_vm_repair_sel(vm), 1);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 7);	/* past the last: the last */
	assert_int_equal(dm_vm_repair_sel(vm), 1);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	lo = dm_ovr_find_layer(dm_vm_ovr(vm), 9);
	assert_non_null(lo);
	assert_int_equal(lo->gap, 8);
	dm_vm_free(vm);
}

static void
test_header_toggle(void **state)
{
	struct dm_vm *vm = open_vm("demo/demo.cfg", "demo/demo.weights",
	    NULL, 0);

	(void)state;
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_TRUNCATED);
	assert_true(dm_vm_row_flagged(vm, 0));	/* the header is doubtful */
	dm_vm_do(vm, DM_ACT_FIRST_PROBLEM, 0);
	assert_int_equal(dm_vm_row(vm), 0);
	dm_vm_do(vm, DM_ACT_HEADER, 0);
	assert_int_equal(dm_vm_ovr(vm)->header, 16);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_int_equal(dm_vm_diag(vm)->first_bad, -1);
	assert_false(dm_vm_row_flagged(vm, 0));
	dm_vm_do(vm, DM_ACT_HEADER, 0);		/* back to the file's own */
	assert_int_equal(dm_vm_ovr(vm)->header, DM_UNSET);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_TRUNCATED);
	assert_false(dm_vm_dirty(vm) && dm_vm_ovr(vm)->header != DM_UNSET);
	dm_vm_free(vm);
}

static void
test_layer_edits(void **state)
{
	struct dm_vm *vm = open_shapes();
	const struct dm_layer_ovr *lo;
	uint64_t lo0, hi0, lo1, hi1;
	char letters[16];

	(void)state;
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 3);	/* layer 2 */
	assert_true(dm_session_layer_range(dm_vm_session(vm), 2, &lo0, &hi0));
	prompt(vm, DM_ACT_GAP, "8");
	lo = dm_ovr_find_layer(dm_vm_ovr(vm), 2);
	assert_non_null(lo);
	assert_int_equal(lo->gap, 8);
	assert_true(dm_session_layer_range(dm_vm_session(vm), 2, &lo1, &hi1));
	assert_int_equal(lo1, lo0 + 8);
	/* The mark is the key that sets it: s, not g (go to the top). */
	dm_ovr_letters(dm_vm_ovr(vm), 2, letters, sizeof letters);
	assert_string_equal(letters, "s");
	dm_vm_do(vm, DM_ACT_GAP_ADD, -4);
	assert_int_equal(dm_ovr_find_layer(dm_vm_ovr(vm), 2)->gap, 4);
	/* The four bytes before layer 2 are now a gap. */
	{
		struct dm_owner o;

		dm_session_owner(dm_vm_session(vm), lo0, &o);
		assert_int_equal(o.kind, DM_OWN_GAP);
		dm_session_owner(dm_vm_session(vm), lo0 + 4, &o);
		assert_int_equal(o.kind, DM_OWN_ARRAY);
	}
	/* An empty answer clears the override. */
	prompt(vm, DM_ACT_GAP, "");
	assert_null(dm_ovr_find_layer(dm_vm_ovr(vm), 2));
	/* A bad answer changes nothing and says why. */
	prompt(vm, DM_ACT_GAP, "abc");
	assert_true(msg_error(vm));
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));
	/* A gap that would start before the data is refused by the core. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 1);
	prompt(vm, DM_ACT_GAP, "-100");
	assert_true(msg_error(vm));
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));
	/* Escape leaves the prompt without a change. */
	dm_vm_do(vm, DM_ACT_GAP, 0);
	type(vm, "12");
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	assert_null(dm_vm_prompt(vm));
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));

	/* Toggles. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 10);	/* layer 9 */
	dm_vm_do(vm, DM_ACT_ABSENT, 0);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 9), DM_MARK_ABSENT);
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	dm_vm_do(vm, DM_ACT_CUTOFF, 0);
	lo = dm_ovr_find_layer(dm_vm_ovr(vm), 9);
	assert_true(lo->absent && lo->omit && lo->cutoff);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 12), DM_MARK_ABSENT);
	dm_vm_do(vm, DM_ACT_ABSENT, 0);
	assert_false(dm_ovr_find_layer(dm_vm_ovr(vm), 9)->absent);
	dm_vm_do(vm, DM_ACT_CLEAR, 0);
	assert_null(dm_ovr_find_layer(dm_vm_ovr(vm), 9));
	prompt(vm, DM_ACT_OFFSET, "83448");
	assert_int_equal(dm_ovr_find_layer(dm_vm_ovr(vm), 9)->offset, 83448);
	prompt(vm, DM_ACT_ORDER, "weights,biases");
	assert_string_equal(dm_ovr_find_layer(dm_vm_ovr(vm), 9)->order,
	    "weights,biases");
	prompt(vm, DM_ACT_ORDER, "nosuch");
	assert_true(msg_error(vm));
	dm_vm_do(vm, DM_ACT_HEADER, 0);
	dm_vm_do(vm, DM_ACT_TRANSPOSE, 0);
	dm_vm_do(vm, DM_ACT_LAYOUT, 0);
	prompt(vm, DM_ACT_DATA_END, "100000");
	assert_int_equal(dm_vm_ovr(vm)->data_end, 100000);
	assert_int_equal(dm_vm_ovr(vm)->header, 16);
	assert_int_equal(dm_vm_ovr(vm)->transpose, 1);
	assert_int_equal(dm_vm_ovr(vm)->layout, DM_LAYOUT_SAVE);
	dm_vm_do(vm, DM_ACT_CLEAR_ALL, 0);
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));
	/* Every edit can be undone, back to the start. */
	while (!(dm_vm_do(vm, DM_ACT_UNDO, 0) & DM_VM_BELL))
		;
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));
	assert_false(dm_vm_dirty(vm));
	dm_vm_free(vm);
}

static void
test_array_edits(void **state)
{
	struct dm_vm *vm = open_shapes();
	const struct dm_array_ovr *ao;

	(void)state;
	/* Layer 9 biases, then its weights with l. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 10);
	assert_string_equal(dm_vm_net(vm)->arrays[dm_vm_array(vm)].name, "biases");
	prompt(vm, DM_ACT_COUNT, "24");
	prompt(vm, DM_ACT_RESHAPE, "24");
	prompt(vm, DM_ACT_RENAME, "head.bias");
	ao = dm_ovr_find_array(dm_vm_ovr(vm), 9, "biases");
	assert_non_null(ao);
	assert_int_equal(ao->count, 24);
	assert_int_equal(ao->nreshape, 1);
	assert_string_equal(ao->rename, "head.bias");
	prompt(vm, DM_ACT_RESHAPE, "5,5");	/* 25 != 24 */
	assert_true(msg_error(vm));
	assert_int_equal(dm_ovr_find_array(dm_vm_ovr(vm), 9, "biases")->nreshape,
	    1);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	assert_string_equal(dm_vm_net(vm)->arrays[dm_vm_array(vm)].name, "weights");
	assert_int_equal(dm_vm_cursor(vm), dm_vm_net(vm)->arrays[dm_vm_array(vm)].offset);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);		/* stays on the last */
	assert_string_equal(dm_vm_net(vm)->arrays[dm_vm_array(vm)].name, "weights");
	prompt(vm, DM_ACT_COUNT, "768");
	prompt(vm, DM_ACT_RESHAPE, "24,32,1,1");
	dm_vm_do(vm, DM_ACT_TRANSPOSE_ARRAY, 0);
	ao = dm_ovr_find_array(dm_vm_ovr(vm), 9, "weights");
	assert_int_equal(ao->transpose, 1);
	prompt(vm, DM_ACT_PERMUTE, "0,1,3,2");
	assert_int_equal(dm_ovr_find_array(dm_vm_ovr(vm), 9, "weights")->nperm, 4);
	prompt(vm, DM_ACT_PERMUTE, "0,0");
	assert_true(msg_error(vm));
	dm_vm_do(vm, DM_ACT_TRANSPOSE_ARRAY, 0);
	assert_int_not_equal(dm_ovr_find_array(dm_vm_ovr(vm), 9,
	    "weights")->transpose, 1);
	/* The header row has no arrays to edit. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 0);
	dm_vm_do(vm, DM_ACT_COUNT, 0);
	assert_null(dm_vm_prompt(vm));
	assert_true(msg_error(vm));
	dm_vm_free(vm);
}

static void
test_search(void **state)
{
	struct dm_vm *vm = open_shapes();

	(void)state;
	prompt(vm, DM_ACT_SEARCH, "yolo");
	assert_int_equal(dm_vm_row(vm), 11);
	assert_string_equal(dm_vm_msg(vm, NULL), "/yolo: 1 of 2");
	dm_vm_do(vm, DM_ACT_SEARCH_NEXT, 0);
	assert_int_equal(dm_vm_row(vm), 18);
	assert_string_equal(dm_vm_msg(vm, NULL), "/yolo: 2 of 2");
	dm_vm_do(vm, DM_ACT_SEARCH_NEXT, 0);
	assert_int_equal(dm_vm_row(vm), 11);
	assert_string_equal(dm_vm_msg(vm, NULL),
	    "/yolo: 1 of 2 (search wrapped)");
	dm_vm_do(vm, DM_ACT_SEARCH_PREV, 0);
	assert_int_equal(dm_vm_row(vm), 18);
	prompt(vm, DM_ACT_SEARCH, "classes=80");
	assert_int_equal(dm_vm_row(vm), 11);
	prompt(vm, DM_ACT_SEARCH, "upsample");
	assert_int_equal(dm_vm_row(vm), 14);
	prompt(vm, DM_ACT_SEARCH, "12");
	assert_int_equal(dm_vm_row(vm), 13);
	prompt(vm, DM_ACT_SEARCH, "@84464");
	assert_int_equal(dm_vm_cursor(vm), 84464);
	assert_int_equal(dm_vm_row(vm), 10);
	assert_string_equal(dm_vm_net(vm)->arrays[dm_vm_array(vm)].name, "weights");
	assert_int_equal(dm_vm_focus(vm), DM_PANE_BYTES);
	prompt(vm, DM_ACT_SEARCH, "0x14");
	assert_int_equal(dm_vm_cursor(vm), 20);
	assert_int_equal(dm_vm_row(vm), 1);
	prompt(vm, DM_ACT_SEARCH, "5000");	/* past the layers: an offset */
	assert_int_equal(dm_vm_cursor(vm), 5000);
	assert_int_equal(dm_vm_row(vm), 3);
	prompt(vm, DM_ACT_GOTO, "16");
	assert_int_equal(dm_vm_cursor(vm), 16);
	assert_int_equal(dm_vm_row(vm), 0);
	prompt(vm, DM_ACT_SEARCH, "nosuchthing");
	assert_true(msg_error(vm));
	assert_int_equal(dm_vm_row(vm), 0);
	/* An empty search repeats the last one. */
	prompt(vm, DM_ACT_SEARCH, "");
	assert_true(msg_error(vm));
	dm_vm_free(vm);
}

/*
 * An action and what it leaves: the row, the top row and the warning
 * selected, each checked unless -1.
 */
struct step {
	enum dm_act	act;
	long		arg;
	long		row, top, warning;
};

static void
run_steps(struct dm_vm *vm, const struct step *s, size_t n)
{
	for (; n > 0; n--, s++) {
		dm_vm_do(vm, s->act, s->arg);
		if (s->row != -1)
			assert_int_equal(dm_vm_row(vm), s->row);
		if (s->top != -1)
			assert_int_equal(dm_vm_top(vm), s->top);
		if (s->warning != -1)
			assert_int_equal(dm_vm_warning(vm), s->warning);
	}
}

static void
test_scroll_edges(void **state)
{
	/* A table of 20 rows, 5 to a page. */
	static const struct step edges[] = {
		{ DM_ACT_TOP, 0, 0, 0, -1 },
		{ DM_ACT_UP, 0, 0, -1, -1 },
		{ DM_ACT_PAGE_UP, 0, 0, -1, -1 },
		{ DM_ACT_DOWN, 0, -1, -1, -1 },
		{ DM_ACT_DOWN, 0, -1, -1, -1 },
		{ DM_ACT_DOWN, 0, -1, -1, -1 },
		{ DM_ACT_DOWN, 0, 4, 0, -1 },
		{ DM_ACT_DOWN, 0, -1, 1, -1 },
		{ DM_ACT_BOTTOM, 0, 19, 15, -1 },
		{ DM_ACT_DOWN, 0, -1, -1, -1 },
		{ DM_ACT_PAGE_DOWN, 0, 19, 15, -1 },
		{ DM_ACT_PAGE_UP, 0, 15, 15, -1 },
		{ DM_ACT_UP, 0, -1, 14, -1 },
		{ DM_ACT_SCROLL, -100, 0, -1, -1 },
	};
	struct dm_vm *vm = open_shapes();
	uint64_t end = dm_session_byte_end(dm_vm_session(vm));
	int i;

	(void)state;
	dm_vm_set_page(vm, DM_PANE_LAYERS, 5);
	run_steps(vm, edges, sizeof edges / sizeof edges[0]);
	/* A page larger than the table. */
	dm_vm_set_page(vm, DM_PANE_LAYERS, 100);
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_top(vm), 0);

	/* The byte view. */
	dm_vm_do(vm, DM_ACT_FOCUS, DM_PANE_BYTES);
	dm_vm_set_page(vm, DM_PANE_BYTES, 4);
	dm_vm_do(vm, DM_ACT_TOP, 0);
	assert_int_equal(dm_vm_cursor(vm), 0);
	assert_int_equal(dm_vm_btop(vm), 0);
	assert_int_equal(dm_vm_row(vm), 0);		/* the header's bytes */
	dm_vm_do(vm, DM_ACT_UP, 0);
	dm_vm_do(vm, DM_ACT_LEFT, 0);
	assert_int_equal(dm_vm_cursor(vm), 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	assert_int_equal(dm_vm_cursor(vm), 20);
	assert_int_equal(dm_vm_row(vm), 1);		/* layer 0 */
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_cursor(vm), end - 1);
	assert_int_equal(dm_vm_btop(vm), ((end + 15) / 16 - 4) * 16);
	assert_int_equal(dm_vm_row(vm), 17);		/* layer 16, past the file */
	dm_vm_do(vm, DM_ACT_DOWN, 0);
	dm_vm_do(vm, DM_ACT_PAGE_DOWN, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	assert_int_equal(dm_vm_cursor(vm), end - 1);
	dm_vm_do(vm, DM_ACT_PAGE_UP, 0);
	assert_int_equal(dm_vm_cursor(vm), end - 1 - 3 * 16);
	dm_vm_do(vm, DM_ACT_SELECT_BYTE, (long)end + 10);	/* ignored */
	assert_int_equal(dm_vm_cursor(vm), end - 1 - 3 * 16);
	prompt(vm, DM_ACT_GOTO, "999999999");
	assert_true(msg_error(vm));

	/* Details and cfg scroll within their content. */
	dm_vm_do(vm, DM_ACT_FOCUS, DM_PANE_DETAILS);
	dm_vm_set_page(vm, DM_PANE_DETAILS, 4);
	dm_vm_set_extent(vm, DM_PANE_DETAILS, 10);
	for (i = 0; i < 20; i++)
		dm_vm_do(vm, DM_ACT_DOWN, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_DETAILS), 6);
	dm_vm_do(vm, DM_ACT_TOP, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_DETAILS), 0);
	dm_vm_do(vm, DM_ACT_UP, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_DETAILS), 0);
	dm_vm_set_extent(vm, DM_PANE_DETAILS, 2);
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_DETAILS), 0);
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	assert_int_equal(dm_vm_focus(vm), DM_PANE_BYTES);
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	assert_int_equal(dm_vm_focus(vm), DM_PANE_LAYERS);
	dm_vm_do(vm, DM_ACT_FOCUS_PREV, 0);
	assert_int_equal(dm_vm_focus(vm), DM_PANE_CFG);
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_CFG),
	    (long)dm_session_ncfg_lines(dm_vm_session(vm)) -
	    dm_vm_page(vm, DM_PANE_CFG));
	dm_vm_free(vm);
}

static void
test_owner(void **state)
{
	struct dm_vm *vm = open_shapes();
	struct dm_owner o;

	(void)state;
	dm_session_owner(dm_vm_session(vm), 0, &o);
	assert_int_equal(o.kind, DM_OWN_HEADER);
	assert_int_equal(o.array, -1);
	dm_session_owner(dm_vm_session(vm), 19, &o);
	assert_int_equal(o.kind, DM_OWN_HEADER);
	dm_session_owner(dm_vm_session(vm), 20, &o);
	assert_int_equal(o.kind, DM_OWN_ARRAY);
	assert_string_equal(dm_vm_net(vm)->arrays[o.array].name, "biases");
	dm_session_owner(dm_vm_session(vm), 112180, &o);		/* the file's size */
	assert_int_equal(o.kind, DM_OWN_MISSING);
	assert_int_equal(dm_vm_net(vm)->arrays[o.array].layer, 9);
	dm_session_owner(dm_vm_session(vm), 117104, &o);		/* past the file, layer 12 */
	assert_int_equal(o.kind, DM_OWN_MISSING);
	assert_int_equal(dm_vm_net(vm)->arrays[o.array].layer, 12);
	assert_int_equal(dm_session_byte_end(dm_vm_session(vm)), 158380);
	prompt(vm, DM_ACT_DATA_END, "100000");
	dm_session_owner(dm_vm_session(vm), 100000, &o);
	assert_int_equal(o.kind, DM_OWN_MISSING);
	assert_int_equal(dm_session_data_end(dm_vm_session(vm)), 100000);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	prompt(vm, DM_ACT_DATA_END, "112100");
	dm_session_owner(dm_vm_session(vm), 112150, &o);
	assert_int_equal(o.kind, DM_OWN_MISSING);	/* past the data end */
	assert_int_equal(dm_vm_net(vm)->arrays[o.array].layer, 16);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	{
		uint8_t b[8];

		assert_int_equal(dm_session_read(dm_vm_session(vm), 0, b, 8), 8);
		assert_int_equal(b[4], 2);	/* minor version */
		assert_int_equal(dm_session_read(dm_vm_session(vm), 112176, b, 8), 4);
		assert_int_equal(dm_session_read(dm_vm_session(vm), 200000, b, 8), 0);
	}
	dm_vm_do(vm, DM_ACT_SELECT_ARRAY, 0);
	assert_non_null(dm_vm_histogram(vm));
	assert_int_equal(dm_vm_histogram(vm)->sampled, 8);
	dm_vm_free(vm);
}

static void
test_save_autosave_recover(void **state)
{
	struct dm_vm *vm;
	const char *state_dir = tmp_path("state");
	char autosave[PATH_MAX];
	struct dm_ovr *p;
	struct dm_error err;

	(void)state;
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", state_dir, 0);
	assert_non_null(dm_session_autosave(dm_vm_session(vm)));
	snprintf(autosave, sizeof autosave, "%s", dm_session_autosave(dm_vm_session(vm)));
	assert_non_null(strstr(autosave, "/shapes.cfg."));
	assert_false(exists(autosave));
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_true(exists(autosave));		/* after every edit */
	/* Undoing back to the saved state removes it. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_false(exists(autosave));
	dm_vm_do(vm, DM_ACT_REDO, 0);
	assert_true(exists(autosave));
	prompt(vm, DM_ACT_SAVE, tmp_path("shapes.profile"));
	assert_false(msg_error(vm));
	assert_false(dm_vm_dirty(vm));
	assert_false(exists(autosave));
	dm_error_clear(&err);
	p = dm_profile_read(tmp_path("shapes.profile"), &err);
	assert_non_null(p);
	assert_string_equal(p->for_cfg, "shapes.cfg");
	assert_int_equal(p->for_size, 112180);
	assert_int_equal(dm_ovr_find_array(p, 9, "biases")->count, 24);
	dm_ovr_free(p);
	/* Quitting clean needs no question. */
	assert_true(dm_vm_do(vm, DM_ACT_QUIT, 0) & DM_VM_QUIT);

	/* Unsaved edits, then the program dies. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 1);
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	assert_true(exists(autosave));
	dm_vm_free(vm);

	/* Opening the same files offers the edits back. */
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", state_dir, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_RECOVER);
	assert_non_null(dm_session_recovered(dm_vm_session(vm), NULL));
	dm_vm_do(vm, DM_ACT_YES, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	assert_true(dm_vm_dirty(vm));
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_true(dm_ovr_find_layer(dm_vm_ovr(vm), 0)->omit);
	/* Quitting asks; n stays, y quits and drops the autosave. */
	assert_false(dm_vm_do(vm, DM_ACT_QUIT, 0) & DM_VM_QUIT);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_QUIT);
	dm_vm_do(vm, DM_ACT_NO, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	dm_vm_do(vm, DM_ACT_QUIT, 0);
	assert_true(dm_vm_do(vm, DM_ACT_YES, 0) & DM_VM_QUIT);
	assert_false(exists(autosave));
	dm_vm_free(vm);

	/* Declining a recovery deletes the autosave. */
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", state_dir, 0);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 1);
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	dm_vm_free(vm);
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", state_dir, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_RECOVER);
	dm_vm_do(vm, DM_ACT_NO, 0);
	assert_false(exists(autosave));
	assert_true(dm_ovr_empty(dm_vm_ovr(vm)));
	assert_false(dm_vm_dirty(vm));
	dm_vm_free(vm);
}

/* What the interface is shown of an export under way. */
static int progress_calls, progress_last;

static void
note_progress(struct dm_vm *vm, void *ctx)
{
	int pct;

	assert_ptr_equal(ctx, &progress_calls);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "exporting to "));
	pct = atoi(strrchr(dm_vm_msg(vm, NULL), ' ') + 1);
	assert_true(pct > progress_last || progress_calls == 0);
	assert_true(pct >= 0 && pct <= 100);
	progress_last = pct;
	progress_calls++;
}

/* Whether libzip is loaded in this process; -1 when it cannot be told. */
static int
libzip_loaded(void)
{
#ifdef DM_LIBZIP_SONAME
	void *h;

	if ((h = dlopen(DM_LIBZIP_SONAME, RTLD_NOW | RTLD_NOLOAD)) == NULL)
		return 0;
	dlclose(h);
	return 1;
#else
	return -1;
#endif
}

static void
test_export(void **state)
{
	struct dm_vm *vm = open_shapes();
	int f;

	(void)state;
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_EXPORT);
	assert_non_null(strstr(dm_vm_xdialog(vm)->problem, "does not match"));
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	assert_string_equal(dm_vm_xdialog(vm)->path, "shapes.pt");
	assert_string_equal(dm_vm_xdialog(vm)->problem, "");
	assert_string_equal(dm_vm_xdialog(vm)->keys[0], "layers.0.bn.bias");
	dm_vm_do(vm, DM_ACT_RIGHT, 0);		/* safetensors */
	dm_vm_do(vm, DM_ACT_RIGHT, 0);		/* npz */
	assert_int_equal(dm_vm_xdialog(vm)->format, DM_OUT_NPZ);
	assert_string_equal(dm_vm_xdialog(vm)->path, "shapes.npz");
	dm_vm_do(vm, DM_ACT_DOWN, 0);		/* names */
	dm_vm_do(vm, DM_ACT_RIGHT, 0);		/* ultralytics */
	assert_string_equal(dm_vm_xdialog(vm)->keys[0], "module_list.0.Conv2d.weight");
	/* As a click does: a field, then one of its choices. */
	assert_false(dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_FORMAT) &
	    DM_VM_BELL);
	assert_int_equal(dm_vm_xdialog(vm)->field, DM_XF_FORMAT);
	dm_vm_do(vm, DM_ACT_CHOOSE, DM_OUT_WEIGHTS);
	assert_int_equal(dm_vm_xdialog(vm)->format, DM_OUT_WEIGHTS);
	assert_string_equal(dm_vm_xdialog(vm)->path, "shapes.weights");
	assert_true(dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_DTYPE) &
	    DM_VM_BELL);			/* no dtype for .weights */
	assert_int_equal(dm_vm_xdialog(vm)->field, DM_XF_FORMAT);
	assert_true(dm_vm_do(vm, DM_ACT_CHOOSE, 9) & DM_VM_BELL);
	assert_int_equal(dm_vm_xdialog(vm)->format, DM_OUT_WEIGHTS);
	dm_vm_do(vm, DM_ACT_CHOOSE, DM_OUT_NPZ);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_FORMAT), DM_OUT_NPZ);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_PATH), -1);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_NAMES);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_NAMES), 1);
	/* Reading the output back, as --verify does. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_VERIFY);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_VERIFY), 0);
	dm_vm_do(vm, DM_ACT_CHOOSE, 1);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_VERIFY), 1);
	while (dm_vm_xdialog(vm)->field != DM_XF_PATH)
		dm_vm_do(vm, DM_ACT_DOWN, 0);
	assert_true(dm_vm_text_input(vm));
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, tmp_path("shapes.npz"));
	f = dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_true(f & DM_VM_RUN);
	dm_vm_set_progress(vm, note_progress, &progress_calls);
	progress_calls = 0;
	progress_last = -1;
	/* The archive is read back through libzip, loaded for it. */
	assert_int_not_equal(libzip_loaded(), 1);
	dm_vm_run(vm);
	assert_int_not_equal(libzip_loaded(), 0);
	assert_true(progress_calls >= 2);
	assert_int_equal(progress_last, 100);
	assert_false(msg_error(vm));
	assert_true(exists(tmp_path("shapes.npz")));
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "exported 52 tensors"));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), ", read back and verified"));
	dm_vm_free(vm);
}

/* Enter in the export dialog is refused, saying what. */
static void
accept_refused(struct dm_vm *vm, const char *what)
{
	int f = dm_vm_do(vm, DM_ACT_ACCEPT, 0);

	assert_true(f & DM_VM_BELL);
	assert_false(f & DM_VM_RUN);
	assert_true(msg_error(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), what));
}

/* The text of a file in a new buffer, *len bytes. */
static char *
slurp(const char *p, size_t *len)
{
	struct stat sb;
	char *buf;
	FILE *f;

	assert_int_equal(stat(p, &sb), 0);
	assert_non_null(buf = malloc((size_t)sb.st_size + 1));
	assert_non_null(f = fopen(p, "rb"));
	*len = fread(buf, 1, (size_t)sb.st_size + 1, f);
	fclose(f);
	assert_int_equal(*len, (size_t)sb.st_size);
	return buf;
}

/* The model of cfg as `darkmap model -p profile cfg' writes it. */
static char *
model_of(const char *cfg, const char *profile, size_t *len)
{
	struct dm_session_opts so;
	struct dm_session *s;
	struct dm_error err;
	char *text;

	dm_error_clear(&err);
	memset(&so, 0, sizeof so);
	so.cfg = path(cfg);
	so.profile = profile;
	so.dialect = so.layout = DM_UNSET;
	if ((s = dm_session_open(&so, &err)) == NULL)
		fail_msg("dm_session_open: %s", err.msg);
	text = dm_model_text(dm_session_net(s), len, &err);
	if (text == NULL)
		fail_msg("dm_model_text: %s", err.msg);
	dm_session_free(s);
	return text;
}

/*
 * "model: yes" writes the model beside the export, named after it, with
 * the session's overrides: the class-count repair here.
 */
static void
test_export_model(void **state)
{
	struct dm_vm *vm = open_shapes();
	char *want, *got, *plain;
	size_t nwant, ngot, nplain;

	(void)state;
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	prompt(vm, DM_ACT_SAVE, tmp_path("model.profile"));
	assert_false(msg_error(vm));
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_MODEL), 0);
	/* As a click does: the field, then its choice. */
	assert_false(dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_MODEL) &
	    DM_VM_BELL);
	dm_vm_do(vm, DM_ACT_CHOOSE, 1);
	assert_int_equal(dm_vm_xchoice(vm, DM_XF_MODEL), 1);
	assert_int_equal(dm_vm_xdialog(vm)->model, 1);

	/* The model's name would be the export's: refused, nothing run. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_PATH);
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, tmp_path("same.py"));
	accept_refused(vm, "both the export and the model");
	assert_false(exists(tmp_path("same.py")));

	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, tmp_path("withmodel.npz"));
	assert_true(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_RUN);
	dm_vm_run(vm);
	assert_false(msg_error(vm));
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	assert_true(exists(tmp_path("withmodel.npz")));
	assert_true(exists(tmp_path("withmodel.py")));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "exported 52 tensors"));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), tmp_path("withmodel.npz")));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), ", and the model to "));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), tmp_path("withmodel.py")));

	/* The command's model with the saved profile, byte for byte. */
	got = slurp(tmp_path("withmodel.py"), &ngot);
	want = model_of("demo/shapes.cfg", tmp_path("model.profile"), &nwant);
	plain = model_of("demo/shapes.cfg", NULL, &nplain);
	assert_non_null(strstr(got, "class DarknetModel(torch.nn.Module)"));
	assert_int_equal(ngot, nwant);
	assert_memory_equal(got, want, nwant);
	/* And the overrides count: without them the model differs. */
	assert_false(nplain == ngot && memcmp(plain, got, ngot) == 0);
	free(got);
	free(want);
	free(plain);
	unlink(tmp_path("withmodel.npz"));
	unlink(tmp_path("withmodel.py"));
	unlink(tmp_path("model.profile"));
	dm_vm_free(vm);
}

/* Copies tests/data/src to tmp/dst. */
static void
copy_file(const char *src, const char *dst)
{
	char buf[65536];
	FILE *in, *out;
	size_t n;

	assert_non_null(in = fopen(path(src), "rb"));
	assert_non_null(out = fopen(tmp_path(dst), "wb"));
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/*
 * Unsaved means "differs from the saved state": gone after an edit and
 * its undo, after the fork switched twice, after X clears what was
 * applied.  Quitting asks a question that counts and names the edits.
 */
static void
test_unsaved(void **state)
{
	struct dm_vm *vm = open_shapes();
	char q[512];

	(void)state;
	assert_int_equal(dm_vm_question(vm, q, sizeof q), 0);
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_true(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_false(dm_vm_dirty(vm));
	assert_int_equal(dm_vm_do(vm, DM_ACT_QUIT, 0), DM_VM_QUIT);

	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_true(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_CLEAR_ALL, 0);
	assert_false(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_UNDO, 0);		/* the repair again */
	assert_true(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 2);
	dm_vm_do(vm, DM_ACT_ABSENT, 0);
	assert_int_equal(dm_vm_do(vm, DM_ACT_QUIT, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_QUIT);
	dm_vm_question(vm, q, sizeof q);
	assert_string_equal(q, "Quit and lose 2 unsaved edits (repair "
	    "applied: classes at layer 9; layer 1 absent from the file)? "
	    "y/n/w");
	dm_vm_do(vm, DM_ACT_NO, 0);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_false(dm_vm_dirty(vm));
	dm_vm_free(vm);
}

/*
 * Default names come from the weights file's name; the first character
 * typed replaces a prefilled value, a cursor key keeps it.
 */
static void
test_names_prefill(void **state)
{
	struct dm_vm *vm;

	(void)state;
	copy_file("demo/shapes.weights", "run7.weights");
	vm = open_vm("demo/shapes.cfg", tmp_path("run7.weights"), NULL, 0);
	dm_vm_do(vm, DM_ACT_SAVE, 0);
	assert_string_equal(dm_vm_prompt(vm)->buf, "run7.profile");
	assert_true(dm_vm_prompt(vm)->fresh);
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	assert_string_equal(dm_vm_xdialog(vm)->path, "run7.pt");
	dm_vm_do(vm, DM_ACT_CANCEL, 0);

	dm_vm_do(vm, DM_ACT_SELECT_ROW, 10);		/* layer 9 */
	dm_vm_do(vm, DM_ACT_OFFSET, 0);
	assert_string_equal(dm_vm_prompt(vm)->buf, "83444");
	type(vm, "4");
	assert_string_equal(dm_vm_prompt(vm)->buf, "4");
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_do(vm, DM_ACT_OFFSET, 0);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	assert_false(dm_vm_prompt(vm)->fresh);
	type(vm, "4");
	assert_string_equal(dm_vm_prompt(vm)->buf, "834444");
	dm_vm_do(vm, DM_ACT_BACKSPACE, 0);
	assert_string_equal(dm_vm_prompt(vm)->buf, "83444");
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_free(vm);
	unlink(tmp_path("run7.weights"));
}

/*
 * Each layer type's details show the keys that matter for it: a
 * connected layer its inputs, outputs, batch norm and activation, and no
 * "size 0".
 */
static void
test_layer_params(void **state)
{
	const struct dm_net *net;
	struct dm_vm *vm;
	char buf[512];
	size_t i, nconn = 0;
	FILE *f;

	(void)state;
	/* pj-small.cfg is pjreddie's: a profile says so. */
	assert_non_null(f = fopen(tmp_path("pj.profile"), "w"));
	fputs("[profile]\nversion=1\n[file]\ndialect=pj\n", f);
	assert_int_equal(fclose(f), 0);
	vm = open_vm_profile("pj-small.cfg", "pj-small.weights",
	    tmp_path("pj.profile"), NULL, 0);
	net = dm_vm_net(vm);
	for (i = 0; i < net->nlayers; i++) {
		dm_vm_layer_params(vm, i, buf, sizeof buf);
		if (getenv("DM_TEST_VERBOSE") != NULL)
			print_message("layer %zu %s: %s\n", i,
			    dm_ltype_name(net->layers[i].type), buf);
		assert_null(strstr(buf, "size 0"));
		if (net->layers[i].type != DM_L_CONNECTED)
			continue;
		nconn++;
		assert_non_null(strstr(buf, "inputs "));
		assert_non_null(strstr(buf, "outputs "));
		assert_non_null(strstr(buf, "activation "));
		assert_null(strstr(buf, "filters"));
	}
	assert_int_equal(nconn, 2);
	/* The first: output=12, batch_normalize=1, activation=leaky. */
	for (i = 0; net->layers[i].type != DM_L_CONNECTED; i++)
		;
	dm_vm_layer_params(vm, i, buf, sizeof buf);
	snprintf(buf + 256, 256, "inputs %d  outputs 12  batch norm yes  "
	    "activation leaky", net->layers[i].inputs);
	assert_string_equal(buf, buf + 256);
	dm_vm_free(vm);

	vm = open_shapes();
	dm_vm_layer_params(vm, 0, buf, sizeof buf);
	assert_non_null(strstr(buf, "filters "));
	assert_non_null(strstr(buf, "size 3"));
	dm_vm_layer_params(vm, 10, buf, sizeof buf);	/* the first [yolo] */
	assert_non_null(strstr(buf, "classes 80"));
	dm_vm_free(vm);
	unlink(tmp_path("pj.profile"));
}

static int cancel_calls;

static void
cancel_progress(struct dm_vm *vm, void *ctx)
{
	uint64_t done, total;
	double sec;

	(void)ctx;
	assert_true(dm_vm_running(vm, &done, &total, &sec));
	assert_true(done <= total);
	assert_true(total > 0);
	if (cancel_calls++ == 0)
		dm_vm_cancel_run(vm);
}

/*
 * The extension typed in the export dialog sets the format, or the
 * dialog refuses the mismatch; Escape during an export leaves no file.
 */
static void
test_export_ext_cancel(void **state)
{
	static const struct {
		const char	*name;
		enum dm_out_format f;
	} ext[] = {
		{ "x.npz", DM_OUT_NPZ },
		{ "x.safetensors", DM_OUT_SAFETENSORS },
		{ "x.weights", DM_OUT_WEIGHTS },
		{ "x.pth", DM_OUT_PT },
		{ "x.NPZ", DM_OUT_NPZ },
		{ "x.pt", DM_OUT_PT },
	};
	struct dm_vm *vm = open_shapes();
	size_t i;

	(void)state;
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_PATH);
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		dm_vm_do(vm, DM_ACT_KILL, 0);
		type(vm, ext[i].name);
		assert_int_equal(dm_vm_xdialog(vm)->format, ext[i].f);
	}
	/* .pth is PyTorch's: switching the format leaves it, refused. */
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, tmp_path("x.pth"));
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_FORMAT);
	dm_vm_do(vm, DM_ACT_CHOOSE, DM_OUT_NPZ);
	accept_refused(vm, "names the pt format, not npz");

	/* Typing x.npz after a prefilled .pt: a real npz. */
	dm_vm_do(vm, DM_ACT_CHOOSE, DM_OUT_PT);
	dm_vm_do(vm, DM_ACT_SELECT_ROW, DM_XF_PATH);
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, tmp_path("cancel.npz"));
	assert_int_equal(dm_vm_xdialog(vm)->format, DM_OUT_NPZ);
	assert_true(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_RUN);
	cancel_calls = 0;
	dm_vm_set_progress(vm, cancel_progress, NULL);
	dm_vm_run(vm);
	assert_int_equal(cancel_calls, 1);
	assert_false(dm_vm_running(vm, NULL, NULL, NULL));
	assert_false(exists(tmp_path("cancel.npz")));
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_EXPORT);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "export cancelled"));
	/* Not cancelled, the same export is written. */
	dm_vm_set_progress(vm, NULL, NULL);
	assert_true(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_RUN);
	dm_vm_run(vm);
	assert_true(exists(tmp_path("cancel.npz")));
	unlink(tmp_path("cancel.npz"));
	dm_vm_free(vm);
}

/*
 * A request made while a run reads the file cancels it: the run's handle
 * is revoked, its result dropped, and the new request's comes in.  The
 * job holds the first run once it has opened the file, so the second
 * request always finds it under way, however fast the machine reads; the
 * second has every layer absent and reads nothing.
 */
static void
test_diagjob_cancel(void **state)
{
	static const uint8_t head[20] = { 0, 0, 0, 0, 2 };
	struct dm_diag d;
	struct dm_diagjob *j;
	struct dm_ovr *none, *absent;
	struct dm_error err;
	char errbuf[DM_ERROR_MAX];
	unsigned ncancelled = 0;
	int rc = -1, busy = 1, got = 0;
	FILE *fp;

	(void)state;
	fp = fopen(tmp_path("big.cfg"), "w");
	assert_non_null(fp);
	fputs("[net]\ninputs=1024\n\n[connected]\noutput=1024\n"
	    "activation=linear\n", fp);
	assert_int_equal(fclose(fp), 0);
	fp = fopen(tmp_path("big.weights"), "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(head, 1, sizeof head, fp), sizeof head);
	assert_int_equal(fclose(fp), 0);
	/* The header, then 1024 biases and 1024^2 weights: holes. */
	assert_int_equal(truncate(tmp_path("big.weights"), 20 +
	    4 * (1024 + 1024LL * 1024)), 0);
	/* pjreddie's fork reads a net of 1 x 1 inputs; AlexeyAB's refuses. */
	j = dm_diagjob_start(tmp_path("big.cfg"), tmp_path("big.weights"),
	    DM_DIALECT_PJ, 2);
	assert_non_null(j);
	none = dm_ovr_new();
	absent = dm_ovr_new();
	assert_non_null(none);
	assert_non_null(absent);
	dm_error_clear(&err);
	assert_int_equal(dm_ovr_parse_option(absent, "absent", "0", &err), 0);
	dm_diagjob_hold(j, 1);
	dm_diagjob_request(j, 1, none, 20, DM_LAYOUT_LOAD, 0);
	while (!dm_diagjob_running(j, NULL)) {
		/* A first run that fails to open is a failure, not a hang. */
		if (dm_diagjob_collect(j, 1, &rc, &d, errbuf, sizeof errbuf,
		    &busy)) {
			if (rc == 0)
				dm_diag_release(&d);
			fail_msg("the first run ended unseen: %s", rc == 0 ?
			    "done" : errbuf);
		}
		usleep(1000);
	}
	dm_diagjob_request(j, 2, absent, 20, DM_LAYOUT_LOAD, 0);
	dm_diagjob_running(j, &ncancelled);
	assert_int_equal(ncancelled, 1);
	dm_diagjob_hold(j, 0);
	while (!got && busy) {
		memset(&d, 0, sizeof d);
		got = dm_diagjob_collect(j, 2, &rc, &d, errbuf, sizeof errbuf,
		    &busy);
		if (!got)
			usleep(1000);
	}
	if (!got)
		fail_msg("no result for the second request");
	if (rc != 0)
		fail_msg("the second run failed: %s", errbuf);
	assert_int_equal(rc, 0);
	dm_diag_release(&d);
	dm_diagjob_running(j, &ncancelled);
	assert_int_equal(ncancelled, 1);
	dm_diagjob_stop(j);
	unlink(tmp_path("big.weights"));
	unlink(tmp_path("big.cfg"));
}

static void
test_async(void **state)
{
	struct dm_vm *vm;

	(void)state;
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", NULL,
	    DM_SESSION_ASYNC);
	dm_vm_wait(vm);
	assert_true((dm_vm_diag(vm) != NULL));
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 0), DM_MARK_OK);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	/* Several edits in a row: only the last diagnosis counts. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 1);
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	dm_vm_wait(vm);
	assert_true((dm_vm_diag(vm) != NULL));
	assert_false(dm_session_diag_pending(dm_vm_session(vm)));
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 16), DM_MARK_OK);
	/* Freeing with a diagnosis under way. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	dm_vm_free(vm);
}

/* r pressed while the diagnosis runs opens the preview when it is in. */
static void
test_repair_waits(void **state)
{
	struct dm_vm *vm;

	(void)state;
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", NULL,
	    DM_SESSION_ASYNC);
	assert_true(dm_session_diag_pending(dm_vm_session(vm)));
	assert_false(dm_vm_do(vm, DM_ACT_REPAIR, 0) & DM_VM_BELL);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "the repair preview "
	    "opens when the diagnosis is in"));
	dm_vm_wait(vm);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_REPAIR);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	/* An undo diagnoses again; r then Escape: nothing opens. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_true(dm_session_diag_pending(dm_vm_session(vm)));
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_wait(vm);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	dm_vm_free(vm);
}

/* The other Darknet fork: read again, undone and redone, saved. */
static void
test_dialect(void **state)
{
	struct dm_vm *vm;
	struct dm_ovr *p;
	struct dm_error err;
	enum dm_verdict_kind kind;

	(void)state;
	vm = open_vm("demo/shapes.cfg", "demo/shapes.weights", NULL,
	    DM_SESSION_ASYNC);
	dm_vm_wait(vm);
	kind = dm_vm_verdict(vm)->kind;
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 5);
	dm_vm_do(vm, DM_ACT_RIGHT, 0);
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_false(msg_error(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "pjreddie"));
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_PJ);
	assert_int_equal(dm_vm_ovr(vm)->dialect, DM_DIALECT_PJ);
	assert_true(dm_vm_dirty(vm));
	assert_int_equal(dm_vm_row(vm), 5);
	/* The diagnosis runs again, on the new net. */
	dm_vm_wait(vm);
	assert_true((dm_vm_diag(vm) != NULL));
	assert_false(dm_session_diag_pending(dm_vm_session(vm)));
	assert_int_equal(dm_vm_verdict(vm)->kind, kind);
	assert_int_equal(dm_vm_diag(vm)->hyps[0].kind, DM_H_CLASSES);
	/* An edit in that fork, then back to the first. */
	dm_vm_do(vm, DM_ACT_OMIT, 0);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_PJ);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_AB);
	assert_int_equal(dm_vm_ovr(vm)->dialect, DM_UNSET);
	assert_false(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_REDO, 0);
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_PJ);
	dm_vm_wait(vm);
	assert_false(dm_session_diag_pending(dm_vm_session(vm)));
	/* A profile says which fork. */
	prompt(vm, DM_ACT_SAVE, tmp_path("pj.profile"));
	assert_false(msg_error(vm));
	dm_error_clear(&err);
	p = dm_profile_read(tmp_path("pj.profile"), &err);
	assert_non_null(p);
	assert_int_equal(p->dialect, DM_DIALECT_PJ);
	dm_ovr_free(p);
	/* Back to the fork it opened with: no override left. */
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_AB);
	assert_int_equal(dm_vm_ovr(vm)->dialect, DM_UNSET);
	dm_vm_free(vm);

	/* A cfg the other fork refuses: said, and nothing changes. */
	vm = open_vm("demo/demo.cfg", "demo/demo.weights", NULL, 0);
	kind = dm_vm_verdict(vm)->kind;
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_true(msg_error(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "local_avgpool"));
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_AB);
	assert_int_equal(dm_vm_verdict(vm)->kind, kind);
	assert_false(dm_vm_dirty(vm));
	assert_true(dm_vm_do(vm, DM_ACT_UNDO, 0) & DM_VM_BELL);
	dm_vm_free(vm);
}

/* Writes text to name in the test's folder; returns its path. */
static const char *
write_tmp(const char *name, const char *text)
{
	const char *p = tmp_path(name);
	FILE *fp;

	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	return p;
}

/*
 * ab-small.cfg with a repeated key in [net] (line 5, batch=2 after
 * batch=1) and layer 3's stride=1 misspelt (line 37, strid=1): Darknet
 * reads the same network, so ab-small.weights still fits it.
 */
static const char *
write_keys_cfg(void)
{
	char line[512], *text;
	size_t len = 0;
	FILE *in, *mem;
	const char *p;
	int n = 0;

	in = fopen(path("ab-small.cfg"), "r");
	assert_non_null(in);
	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	while (fgets(line, sizeof line, in) != NULL) {
		n++;
		fputs(n == 36 ? "strid=1\n" : line, mem);
		if (n == 4)
			fputs("batch=2\n", mem);
	}
	fclose(in);
	assert_int_equal(fclose(mem), 0);
	p = write_tmp("keys.cfg", text);
	free(text);
	return p;
}

/* Warnings by line and by row, the key going to each, the status. */
static void
test_warnings(void **state)
{
	/* Rows 1 and 2 have a warning each, row 2 the last. */
	static const struct step next[] = {
		{ DM_ACT_NEXT_WARNING, 0, 1, -1, -1 },
		{ DM_ACT_NEXT_WARNING, 0, 2, -1, 1 },
		{ DM_ACT_NEXT_WARNING, 0, 2, -1, 2 },
	};
	struct dm_vm *vm;
	size_t first;

	(void)state;
	vm = open_vm(write_keys_cfg(), "ab-small.weights", NULL, 0);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_int_equal(dm_session_nwarnings(dm_vm_session(vm)), 2);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line, 5);
	assert_string_equal(dm_session_warning(dm_vm_session(vm), 0)->msg, "[net] already has 'batch' "
	    "on line 4: Darknet reads only that first one (batch=1) and "
	    "ignores this line");
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 1)->line, 37);
	assert_string_equal(dm_session_warning(dm_vm_session(vm), 1)->msg, "[convolutional] has no key "
	    "'strid' (Darknet ignores it; did you mean 'stride'?)");
	assert_non_null(strstr(dm_session_warning(dm_vm_session(vm), 1)->text, "keys.cfg:37: "));
	assert_ptr_equal(dm_session_warning(dm_vm_session(vm), 1)->msg, dm_session_warning(dm_vm_session(vm), 1)->text +
	    strlen(dm_session_warning(dm_vm_session(vm), 1)->text) - strlen(dm_session_warning(dm_vm_session(vm), 1)->msg));

	/* The header row has [net]'s, a layer its section's. */
	assert_int_equal(dm_vm_row_warnings(vm, 0, &first), 1);
	assert_int_equal(first, 0);
	assert_int_equal(dm_vm_row_warnings(vm, 1, &first), 0);
	assert_int_equal(dm_vm_row_warnings(vm, 4, &first), 1);	/* layer 3 */
	assert_int_equal(first, 1);
	assert_int_equal(dm_vm_row_warnings(vm, 5, &first), 0);
	assert_int_equal(dm_vm_row_warnings(vm, dm_vm_rows(vm) - 1, &first),
	    0);
	assert_int_equal(dm_vm_line_warnings(vm, 37, &first), 1);
	assert_int_equal(first, 1);
	assert_int_equal(dm_vm_line_warnings(vm, 5, &first), 1);
	assert_int_equal(first, 0);
	assert_int_equal(dm_vm_line_warnings(vm, 4, &first), 0);
	assert_int_equal(dm_vm_line_warnings(vm, 36, &first), 0);
	assert_int_equal(dm_vm_line_warnings(vm, 38, &first), 0);

	/* !: from the selected row on, then round. */
	dm_vm_set_page(vm, DM_PANE_CFG, 10);
	assert_int_equal(dm_vm_row(vm), 1);
	assert_int_equal(dm_vm_warning(vm), -1);
	assert_int_equal(dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_row(vm), 4);
	assert_int_equal(dm_vm_warning(vm), 1);
	assert_string_equal(dm_vm_msg(vm, NULL), "warning 2 of 2, line 37: "
	    "[convolutional] has no key 'strid' (Darknet ignores it; did you "
	    "mean 'stride'?)");
	assert_false(msg_error(vm));
	assert_true(dm_vm_scroll(vm, DM_PANE_CFG) <= 36 &&
	    dm_vm_scroll(vm, DM_PANE_CFG) + 10 > 36);
	assert_int_equal(dm_vm_cursor(vm), 3444);	/* the byte view follows */
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_row(vm), 0);
	assert_int_equal(dm_vm_warning(vm), 0);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "warning 1 of 2, line 5: [net]"));
	assert_true(dm_vm_scroll(vm, DM_PANE_CFG) <= 4 &&
	    dm_vm_scroll(vm, DM_PANE_CFG) + 10 > 4);
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_row(vm), 4);
	/* From the end row, round to the first. */
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_row(vm), 0);
	/* From a row of its own, not after the last one gone to. */
	dm_vm_do(vm, DM_ACT_SELECT_ROW, 3);
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_row(vm), 4);
	assert_int_equal(dm_vm_warning(vm), 1);
	dm_vm_free(vm);

	/*
	 * The net's warnings (an unknown section) go in by line among the
	 * cfg's, as the layers' rows do.
	 */
	vm = open_vm(write_tmp("net.cfg", "[net]\nwidth=8\nheight=8\n"
	    "channels=3\n[convolutional]\nfilters=4\nsize=1\nstrid=1\n"
	    "[mystery]\nfoo=\n"), NULL, NULL, 0);
	assert_int_equal(dm_session_nwarnings(dm_vm_session(vm)), 3);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line, 8);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 1)->line, 9);
	assert_string_equal(dm_session_warning(dm_vm_session(vm), 1)->msg, "layer 1 [mystery]: unknown "
	    "section type: Darknet keeps an empty layer that outputs nothing");
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 2)->line, 10);
	assert_string_equal(dm_session_warning(dm_vm_session(vm), 2)->msg, "'foo=' has no value and is "
	    "ignored");
	assert_int_equal(dm_vm_row_warnings(vm, 0, &first), 0);
	assert_int_equal(dm_vm_row_warnings(vm, 1, &first), 1);
	assert_int_equal(first, 0);
	assert_int_equal(dm_vm_row_warnings(vm, 2, &first), 2);
	assert_int_equal(first, 1);
	run_steps(vm, next, sizeof next / sizeof next[0]);
	dm_vm_free(vm);

	/* None: said, with a bell. */
	vm = open_shapes();
	assert_int_equal(dm_session_nwarnings(dm_vm_session(vm)), 0);
	assert_int_equal(dm_vm_row_warnings(vm, 0, &first), 0);
	assert_true(dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0) & DM_VM_BELL);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "no warnings"));
	assert_int_equal(dm_vm_row(vm), 1);
	dm_vm_free(vm);
}

/* Each fork has its own keys: F shows the warnings of the net it reads. */
static void
test_warnings_dialect(void **state)
{
	struct dm_vm *vm;
	size_t first;
	int i;

	(void)state;
	vm = open_vm(write_tmp("fork.cfg", "[net]\nwidth=8\nheight=8\n"
	    "channels=3\n[convolutional]\nfilters=4\nstride_x=2\n[reorg]\n"
	    "stride=2\nextra=5\n"), NULL, NULL, 0);
	assert_int_equal(dm_session_nwarnings(dm_vm_session(vm)), 1);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line, 10);
	assert_non_null(strstr(dm_session_warning(dm_vm_session(vm), 0)->msg, "AlexeyAB's Darknet"));
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_warning(vm), 0);
	assert_int_equal(dm_vm_row(vm), 2);
	dm_vm_do(vm, DM_ACT_DIALECT, 0);
	assert_false(msg_error(vm));
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_PJ);
	assert_int_equal(dm_vm_warning(vm), -1);
	assert_int_equal(dm_session_nwarnings(dm_vm_session(vm)), 1);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line, 7);
	assert_non_null(strstr(dm_session_warning(dm_vm_session(vm), 0)->msg, "[convolutional] has no "
	    "key 'stride_x' in pjreddie's Darknet"));
	assert_int_equal(dm_vm_row_warnings(vm, 1, &first), 1);
	assert_int_equal(dm_vm_row_warnings(vm, 2, &first), 0);
	dm_vm_do(vm, DM_ACT_NEXT_WARNING, 0);
	assert_int_equal(dm_vm_row(vm), 1);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "line 7: "));
	/* Undone, the first fork's again. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_net(vm)->dialect, DM_DIALECT_AB);
	assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line, 10);
	for (i = 0; i < 50; i++) {
		dm_vm_do(vm, i % 3 == 0 ? DM_ACT_DIALECT : DM_ACT_NEXT_WARNING,
		    0);
		assert_true(dm_vm_warning(vm) < (long)dm_session_nwarnings(dm_vm_session(vm)));
		assert_int_equal(dm_session_warning(dm_vm_session(vm), 0)->line,
		    dm_vm_net(vm)->dialect == DM_DIALECT_AB ? 10 : 7);
	}
	dm_vm_free(vm);
}

static void
test_no_weights(void **state)
{
	struct dm_vm *vm = open_vm("demo/shapes.cfg", NULL, NULL, 0);

	(void)state;
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_NONE);
	assert_int_equal(dm_session_mark(dm_vm_session(vm), 0), DM_MARK_NONE);
	assert_true(dm_vm_do(vm, DM_ACT_REPAIR, 0) & DM_VM_BELL);
	assert_true(dm_vm_do(vm, DM_ACT_FIRST_PROBLEM, 0) & DM_VM_BELL);
	dm_vm_do(vm, DM_ACT_EXPORT, 0);
	assert_non_null(strstr(dm_vm_xdialog(vm)->problem, "no weights file"));
	dm_vm_do(vm, DM_ACT_CANCEL, 0);
	dm_vm_do(vm, DM_ACT_FOCUS, DM_PANE_BYTES);
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_cursor(vm), dm_vm_net(vm)->total_bytes - 1);
	dm_vm_do(vm, DM_ACT_HEADER, 0);
	assert_int_equal(dm_vm_net(vm)->header_size, 16);
	dm_vm_free(vm);
}

/*
 * Random actions on the session opener() opens must never crash or
 * break the invariants.
 */
static void
random_run(struct dm_vm *(*opener)(void))
{
	static const enum dm_act acts[] = {
		DM_ACT_UP, DM_ACT_DOWN, DM_ACT_PAGE_UP, DM_ACT_PAGE_DOWN,
		DM_ACT_TOP, DM_ACT_BOTTOM, DM_ACT_LEFT, DM_ACT_RIGHT,
		DM_ACT_FOCUS_NEXT, DM_ACT_FOCUS_PREV, DM_ACT_FOCUS,
		DM_ACT_SELECT_ROW, DM_ACT_SELECT_ARRAY, DM_ACT_SELECT_BYTE,
		DM_ACT_SCROLL, DM_ACT_FIRST_PROBLEM, DM_ACT_NEXT_PROBLEM,
		DM_ACT_PREV_PROBLEM, DM_ACT_NEXT_WARNING, DM_ACT_SEARCH,
		DM_ACT_SEARCH_NEXT, DM_ACT_SEARCH_PREV, DM_ACT_GOTO,
		DM_ACT_HEADER,
		DM_ACT_TRANSPOSE, DM_ACT_LAYOUT, DM_ACT_DIALECT,
		DM_ACT_DATA_END,
		DM_ACT_ABSENT, DM_ACT_OMIT, DM_ACT_CUTOFF, DM_ACT_GAP,
		DM_ACT_GAP_ADD, DM_ACT_OFFSET, DM_ACT_ORDER, DM_ACT_COUNT,
		DM_ACT_TRANSPOSE_ARRAY, DM_ACT_PERMUTE, DM_ACT_RESHAPE,
		DM_ACT_RENAME, DM_ACT_CLEAR, DM_ACT_CLEAR_ALL, DM_ACT_UNDO,
		DM_ACT_REDO, DM_ACT_REPAIR, DM_ACT_SAVE, DM_ACT_EXPORT,
		DM_ACT_HELP, DM_ACT_QUIT, DM_ACT_CANCEL, DM_ACT_ACCEPT,
		DM_ACT_YES, DM_ACT_NO, DM_ACT_CHAR, DM_ACT_CHAR, DM_ACT_CHAR,
		DM_ACT_BACKSPACE, DM_ACT_KILL, DM_ACT_KILL_WORD
	};
	static const char chars[] = "0123456789-,:@x/abcyn ";
	char cwd[PATH_MAX];
	struct dm_vm *vm;
	unsigned seed = 12345;
	struct dm_verdict v;
	long arg;
	int i, f, on_main;
	size_t a, first, n;

	assert_non_null(getcwd(cwd, sizeof cwd));
	/* Saves and exports land in the test's own folder. */
	assert_int_equal(chdir(tmp), 0);
	vm = opener();
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		a = (seed >> 8) % (sizeof acts / sizeof acts[0]);
		seed = seed * 1103515245u + 12345u;
		arg = (long)((seed >> 8) % 200000) - 1000;
		if (acts[a] == DM_ACT_CHAR)
			arg = chars[(seed >> 8) % (sizeof chars - 1)];
		if (acts[a] == DM_ACT_GAP_ADD)
			arg = arg % 2 ? 4 : -4;
		if (acts[a] == DM_ACT_SCROLL)
			arg %= 7;
		on_main = dm_vm_screen(vm) == DM_SCREEN_MAIN &&
		    dm_vm_prompt(vm) == NULL;
		f = dm_vm_do(vm, acts[a], arg);
		if (f & DM_VM_RUN)
			dm_vm_run(vm);
		/* '!' selects the row whose warnings hold the one gone to. */
		if (acts[a] == DM_ACT_NEXT_WARNING && on_main &&
		    dm_session_nwarnings(dm_vm_session(vm)) > 0) {
			n = dm_vm_row_warnings(vm, dm_vm_row(vm), &first);
			assert_true(dm_vm_warning(vm) >= (long)first &&
			    dm_vm_warning(vm) < (long)(first + n));
		}
		if (f & DM_VM_QUIT) {
			dm_vm_free(vm);
			vm = opener();
		}
		assert_true(dm_vm_warning(vm) >= -1 &&
		    dm_vm_warning(vm) < (long)dm_session_nwarnings(dm_vm_session(vm)));
		assert_true(dm_vm_row(vm) >= 0 && dm_vm_row(vm) < dm_vm_rows(vm));
		assert_true(dm_vm_top(vm) >= 0 && dm_vm_top(vm) <= dm_vm_row(vm));
		assert_true(dm_session_byte_end(dm_vm_session(vm)) == 0 ||
		    dm_vm_cursor(vm) < dm_session_byte_end(dm_vm_session(vm)));
		assert_true(dm_vm_array(vm) < (long)dm_vm_net(vm)->narrays);
		assert_true(dm_vm_prompt(vm) == NULL ||
		    dm_vm_prompt(vm)->len < sizeof dm_vm_prompt(vm)->buf);
		if (dm_vm_screen(vm) == DM_SCREEN_REPAIR)
			dm_vm_preview(vm, dm_vm_repair_sel(vm), &v);
		if (dm_vm_array(vm) >= 0)
			dm_vm_histogram(vm);
	}
	dm_vm_free(vm);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_random(void **state)
{
	(void)state;
	random_run(open_shapes);
}

static struct dm_vm *
open_keys(void)
{
	return open_vm(write_keys_cfg(), "ab-small.weights", NULL, 0);
}

/* The same with warnings, for '!' to go to. */
static void
test_random_warnings(void **state)
{
	(void)state;
	random_run(open_keys);
}

static void
test_autosave_paths(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX];

	(void)state;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	assert_int_equal(dm_session_autosave_dir(dir, sizeof dir), 0);
	assert_string_equal(dir, "/x/state/darkmap");
	setenv("XDG_STATE_HOME", "relative", 1);	/* ignored */
	setenv("HOME", "/home/u", 1);
	assert_int_equal(dm_session_autosave_dir(dir, sizeof dir), 0);
	assert_string_equal(dir, "/home/u/.local/state/darkmap");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_int_equal(dm_session_autosave_dir(dir, sizeof dir), -1);
	assert_int_equal(dm_session_autosave_path("/s", path("demo/shapes.cfg"),
	    path("demo/shapes.weights"), a, sizeof a), 0);
	assert_int_equal(strncmp(a, "/s/shapes.cfg.", 14), 0);
	assert_int_equal(strlen(a), strlen("/s/shapes.cfg.") + 16 +
	    strlen(".profile"));
	assert_int_equal(dm_session_autosave_path("/s", path("demo/shapes.cfg"),
	    NULL, b, sizeof b), 0);
	assert_string_not_equal(a, b);		/* the weights count */
	assert_int_equal(dm_session_autosave_path("/s", path("demo/shapes.cfg"),
	    path("demo/shapes.weights"), b, sizeof b), 0);
	assert_string_equal(a, b);		/* and it is stable */
}

static void
find_data(void)
{
	const char *s = getenv("srcdir");
	char buf[PATH_MAX];

	snprintf(buf, sizeof buf, "%s/tests/data", s != NULL ? s : "..");
	if (realpath(buf, data) == NULL) {
		fprintf(stderr, "test_vm: no %s (set srcdir)\n", buf);
		exit(1);
	}
	snprintf(tmp, sizeof tmp, "%s/darkmap-vm.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

/*
 * Saving over the profile the overrides were read from: the lines its
 * entries remember are forgotten, in the history too; saving elsewhere
 * keeps them.
 */
static void
test_save_over_profile(void **state)
{
	struct dm_error err;
	struct dm_ovr *ovr;
	struct dm_vm *vm;
	FILE *f;
	char prof[2 * PATH_MAX];

	(void)state;
	snprintf(prof, sizeof prof, "%s", tmp_path("lines.profile"));
	f = fopen(prof, "w");
	assert_non_null(f);
	fputs("[profile]\nversion=1\n\n\n[layer]\nlayer=0\ngap=0\n", f);
	assert_int_equal(fclose(f), 0);
	dm_error_clear(&err);
	ovr = dm_profile_read(prof, &err);
	assert_non_null(ovr);
	assert_int_equal(ovr->layers[0].line, 5);
	dm_ovr_free(ovr);
	vm = open_vm_profile("demo/shapes.cfg", "demo/shapes.weights", prof,
	    NULL, 0);
	assert_non_null(dm_vm_ovr(vm)->path);

	prompt(vm, DM_ACT_SAVE, tmp_path("elsewhere.profile"));
	assert_false(msg_error(vm));
	assert_non_null(dm_vm_ovr(vm)->path);
	assert_string_equal(dm_vm_ovr(vm)->path, prof);

	/* An edit puts the profile's overrides in the undo history. */
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_int_equal(dm_session_history(dm_vm_session(vm), 0), 1);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_non_null(dm_vm_ovr(vm)->path);
	dm_vm_do(vm, DM_ACT_REDO, 0);
	prompt(vm, DM_ACT_SAVE, prof);
	assert_false(msg_error(vm));
	assert_null(dm_vm_ovr(vm)->path);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_null(dm_vm_ovr(vm)->path);
	dm_vm_free(vm);

	/*
	 * A repair the diagnosis found before the save was made from the
	 * overrides as read: applied after it, it has no line either.
	 */
	f = fopen(prof, "w");
	assert_non_null(f);
	fputs("[profile]\nversion=1\n\n\n[layer]\nlayer=0\ngap=0\n", f);
	assert_int_equal(fclose(f), 0);
	ovr = dm_profile_read(prof, &err);
	assert_non_null(ovr);
	assert_non_null(ovr->path);
	dm_ovr_free(ovr);
	vm = open_vm_profile("demo/shapes.cfg", "demo/shapes.weights", prof,
	    NULL, 0);
	assert_true((dm_vm_diag(vm) != NULL));
	assert_true(dm_vm_diag(vm)->nhyps >= 1);
	prompt(vm, DM_ACT_SAVE, prof);
	assert_false(msg_error(vm));
	assert_null(dm_vm_ovr(vm)->path);
	dm_vm_do(vm, DM_ACT_REPAIR, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_int_equal(dm_session_history(dm_vm_session(vm), 0), 1);
	assert_null(dm_vm_ovr(vm)->path);
	dm_vm_free(vm);
}

/*
 * A target model: the net's arrays in darkmap's scheme but layer 6's,
 * and an extra key of its weight's shape at the end, which only K can
 * give it.
 */
static void
test_target(void **state)
{
	struct dm_vm *vm = open_shapes();
	const struct dm_net *net = dm_vm_net(vm);
	struct dm_target *t;
	struct dm_error err;
	const char *key;
	char k[160];
	unsigned flags;
	double conf;
	size_t ai, w6 = SIZE_MAX;
	FILE *fp;
	int d;

	(void)state;
	fp = fopen(tmp_path("t.keys.tsv"), "w");
	assert_non_null(fp);
	fprintf(fp, "key\tshape\tdtype\n");
	for (ai = 0; ai < net->narrays; ai++) {
		const struct dm_array *a = &net->arrays[ai];

		if (a->layer == 6) {
			if (a->role == DM_ROLE_WEIGHTS)
				w6 = ai;
			continue;
		}
		dm_export_darkmap_key(net, ai, k, sizeof k);
		fprintf(fp, "%s\t", k);
		for (d = 0; d < a->ndim; d++)
			fprintf(fp, "%s%llu", d ? "," : "",
			    (unsigned long long)a->cur_shape[d]);
		fprintf(fp, "\tfloat32\n");
		if (a->role == DM_ROLE_ROLLING_VARIANCE)
			fprintf(fp, "layers.%zu.bn.num_batches_tracked\t\t"
			    "int64\n", a->layer);
	}
	assert_true(w6 != SIZE_MAX);
	fprintf(fp, "extra.weight\t");
	for (d = 0; d < net->arrays[w6].ndim; d++)
		fprintf(fp, "%s%llu", d ? "," : "",
		    (unsigned long long)net->arrays[w6].cur_shape[d]);
	fprintf(fp, "\tfloat32\n");
	fclose(fp);
	dm_error_clear(&err);
	t = dm_target_load(tmp_path("t.keys.tsv"), &err);
	if (t == NULL)
		fail_msg("%s", err.msg);

	assert_int_equal(dm_vm_target_pair(vm, 0, &key, &conf, &flags), -1);
	assert_false(dm_vm_target_flagged(vm, 0));
	dm_vm_set_target(vm, t);
	assert_int_equal(dm_vm_target_pair(vm, 0, &key, &conf, &flags), 0);
	assert_string_equal(key, "layers.0.bn.bias");
	assert_true(conf >= 0.99);
	assert_int_equal(dm_vm_target_pair(vm, w6, &key, &conf, &flags), 0);
	assert_null(key);
	assert_false(dm_vm_target_flagged(vm, 4));
	assert_true(dm_vm_target_flagged(vm, 6));
	assert_true(dm_vm_row_flagged(vm, 7));

	/* K on layer 6's weights: one candidate; Down wraps to it. */
	dm_vm_do(vm, DM_ACT_SELECT_ARRAY, (long)w6);
	dm_vm_do(vm, DM_ACT_TARGET_KEY, 0);
	assert_non_null(dm_vm_prompt(vm));
	assert_non_null(strstr(dm_vm_prompt(vm)->label, "1 of 1: extra.weight"));
	type(vm, "nothing like it");
	assert_non_null(strstr(dm_vm_prompt(vm)->label, "0 of 0"));
	assert_true(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_BELL);
	dm_vm_do(vm, DM_ACT_KILL, 0);
	type(vm, "xtra");
	dm_vm_do(vm, DM_ACT_DOWN, 0);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_null(dm_vm_prompt(vm));
	assert_string_equal(dm_ovr_find_array(dm_vm_ovr(vm), 6,
	    "weights")->rename, "extra.weight");
	assert_int_equal(dm_vm_target_pair(vm, w6, &key, &conf, &flags), 0);
	assert_string_equal(key, "extra.weight");
	assert_true(flags & DM_AL_RENAMED);
	/* Undo takes it back. */
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_int_equal(dm_vm_target_pair(vm, w6, &key, &conf, &flags), 0);
	assert_null(key);
	/* Without a target, K says how to get one. */
	dm_vm_set_target(vm, NULL);
	assert_true(dm_vm_do(vm, DM_ACT_TARGET_KEY, 0) & DM_VM_BELL);
	assert_null(dm_vm_prompt(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "--target"));
	dm_vm_free(vm);
	dm_target_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_repair_undo_redo),
		cmocka_unit_test(test_repair_select),
		cmocka_unit_test(test_header_toggle),
		cmocka_unit_test(test_layer_edits),
		cmocka_unit_test(test_array_edits),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_scroll_edges),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_save_autosave_recover),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_export_model),
		cmocka_unit_test(test_unsaved),
		cmocka_unit_test(test_names_prefill),
		cmocka_unit_test(test_layer_params),
		cmocka_unit_test(test_export_ext_cancel),
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_repair_waits),
		cmocka_unit_test(test_diagjob_cancel),
		cmocka_unit_test(test_dialect),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_warnings_dialect),
		cmocka_unit_test(test_save_over_profile),
		cmocka_unit_test(test_no_weights),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_random_warnings),
		cmocka_unit_test(test_autosave_paths),
		cmocka_unit_test(test_target),
	};
	char cmd[PATH_MAX + 16];
	int rc;

	find_data();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "test_vm: could not remove %s\n", tmp);
	return rc;
}
