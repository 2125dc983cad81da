/*
 * test_identify.c - the class count solved from the size, a clean cut, a
 * network outside the catalogue, the blind sketch, and statistics merged
 * from pieces, on small files written here; and the interface's identify
 * screen (src/vmident.c): opened on a weights file alone, its candidates
 * chosen and opened as a pair, the blind segmentation, bad input.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "identify.h"
#include "scratch.h"
#include "sketch.h"
#include "stats.h"
#include "vm.h"
#include "weights.h"

static char dir[256];

/* A small detector: two BN convs, a head conv, a [yolo] of 3 anchors. */
static const char detector[] =
    "[net]\nwidth=32\nheight=32\nchannels=3\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=16\nsize=3\nstride=1\n"
    "pad=1\nactivation=leaky\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=32\nsize=3\nstride=1\n"
    "pad=1\nactivation=leaky\n\n"
    "[convolutional]\nsize=1\nstride=1\npad=1\nfilters=%d\n"
    "activation=linear\n\n"
    "[yolo]\nmask=0,1,2\nanchors=10,14, 23,27, 37,58\nclasses=%d\nnum=3\n";

static int
setup(void **state)
{
	(void)state;
	return scratch_dir(dir, sizeof dir, "dm-identify");
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
write_cfg(const char *name, int filters, int classes, char *path,
    size_t len)
{
	char text[1024];
	int n;

	snprintf(path, len, "%s/%s", dir, name);
	n = snprintf(text, sizeof text, detector, filters, classes);
	write_file(path, text, (size_t)n);
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Plausible values for each array of the cfg, in Darknet's order. */
static void
write_weights(const char *cfg, const char *path, uint64_t keep_floats)
{
	struct dm_error err;
	struct dm_net *net;
	const struct dm_array *a;
	uint8_t head[20] = { 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0 };
	uint32_t seed = 7;
	uint64_t i, k, n = 0;
	float v;
	FILE *fp;

	dm_error_clear(&err);
	net = dm_net_load(cfg, DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(dm_net_layout(net, 20, DM_LAYOUT_LOAD, &err), 0);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(head, 1, sizeof head, fp), sizeof head);
	for (i = 0; i < net->narrays; i++) {
		a = &net->arrays[i];
		for (k = 0; k < a->count && n < keep_floats; k++, n++) {
			double u = (double)lcg(&seed) / (1 << 24) - 0.5;

			switch (a->role) {
			case DM_ROLE_SCALES:
				v = (float)(1 + 0.2 * u);
				break;
			case DM_ROLE_ROLLING_VARIANCE:
				v = (float)(0.6 + u);
				break;
			case DM_ROLE_ROLLING_MEAN:
				v = (float)(0.3 * u);
				break;
			default:
				v = (float)(0.2 * u);
				break;
			}
			assert_int_equal(fwrite(&v, 4, 1, fp), 1);
		}
	}
	assert_int_equal(fclose(fp), 0);
	dm_net_free(net);
}

static struct dm_weights *
open_weights(const char *path)
{
	struct dm_error err;
	struct dm_weights *w;

	dm_error_clear(&err);
	w = dm_weights_open(path, DM_DIALECT_AB, &err);
	assert_non_null(w);
	assert_true(w->is_weights);
	return w;
}

/* The cfg at path is the detector trained for classes, not for 80. */
static void
trained(const char *path, int filters, int classes)
{
	char text[2048], want[64];
	FILE *fp;

	assert_non_null(fp = fopen(path, "rb"));
	text[fread(text, 1, sizeof text - 1, fp)] = '\0';
	fclose(fp);
	snprintf(want, sizeof want, "filters=%d\n", filters);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof want, "classes=%d\n", classes);
	assert_non_null(strstr(text, want));
	assert_null(strstr(text, "255"));
}

/* 80 classes in the catalogue, 2 in the file: solved, not searched. */
static void
test_classes(void **state)
{
	char coco[300], mine[300], wpath[300], out[300];
	struct dm_catalog *cat;
	struct dm_weights *w;
	struct dm_ident id;
	struct dm_error err;
	const struct dm_cand *c;
	size_t i;
	int seen_filters = 0;

	(void)state;
	dm_error_clear(&err);
	write_cfg("coco.cfg", 3 * (80 + 5), 80, coco, sizeof coco);
	write_cfg("mine.cfg.txt", 3 * (2 + 5), 2, mine, sizeof mine);
	snprintf(wpath, sizeof wpath, "%s/mine.weights", dir);
	write_weights(mine, wpath, UINT64_MAX);
	assert_non_null(cat = dm_catalog_new());
	assert_int_equal(dm_catalog_add(cat, dir, DM_DIALECTS_ALL,
	    DM_CAT_BUNDLED, &err), 0);
	assert_int_equal(cat->n, 1);	/* only coco.cfg is a .cfg */
	w = open_weights(wpath);
	assert_int_equal(dm_identify(w, cat, DM_DIALECTS_ALL, &id, &err), 0);
	assert_true(id.ncands >= 1);
	c = &id.cands[0];
	assert_int_equal(c->classes, 2);
	assert_int_equal(c->classes0, 80);
	assert_int_equal(c->fit, DM_FIT_EXACT);
	assert_true(c->plausible);
	assert_int_equal(c->plausible_layers, 3);
	for (i = 0; i < c->nchanges; i++)
		if (strcmp(c->changes[i].key, "filters") == 0) {
			assert_string_equal(c->changes[i].from, "255");
			assert_string_equal(c->changes[i].to, "21");
			assert_int_equal(c->changes[i].layer, 2);
			seen_filters = 1;
		}
	assert_true(seen_filters);
	/* The written cfg is the trained one. */
	snprintf(out, sizeof out, "%s/out.cfg.txt", dir);
	assert_int_equal(dm_cand_write_cfg(c, out, NULL, &err), 0);
	trained(out, 21, 2);
	dm_ident_release(&id);
	dm_weights_close(w);
	dm_catalog_free(cat);
}

/* Layers 0 and 1 only: a clean cut, cutoff 2; then one float less. */
static void
test_cut(void **state)
{
	char cfg[300], wpath[300];
	struct dm_catalog *cat;
	struct dm_weights *w;
	struct dm_ident id;
	struct dm_error err;
	uint64_t floats = 4 * 16 + 16 * 3 * 9 + 4 * 32 + 32 * 16 * 9;

	(void)state;
	dm_error_clear(&err);
	write_cfg("net.cfg", 255, 80, cfg, sizeof cfg);
	snprintf(wpath, sizeof wpath, "%s/net.conv.2", dir);
	write_weights(cfg, wpath, floats);
	assert_non_null(cat = dm_catalog_new());
	assert_int_equal(dm_catalog_add(cat, cfg, DM_DIALECTS_ALL,
	    DM_CAT_GIVEN, &err), 0);
	w = open_weights(wpath);
	assert_int_equal(dm_identify(w, cat, DM_DIALECTS_ALL, &id, &err), 0);
	assert_int_equal(id.ncands, 1);
	assert_int_equal(id.cands[0].fit, DM_FIT_PARTIAL);
	assert_int_equal(id.cands[0].cutoff, 2);
	assert_true(id.cands[0].plausible);
	dm_ident_release(&id);
	dm_weights_close(w);

	write_weights(cfg, wpath, floats - 1);
	w = open_weights(wpath);
	assert_int_equal(dm_identify(w, cat, DM_DIALECTS_ALL, &id, &err), 0);
	assert_int_equal(id.ncands, 0);
	assert_int_equal(id.nclosest, 1);
	/* The head's biases and weights are missing, and one float. */
	assert_int_equal(id.closest[0].diff, -(int64_t)(255 + 255 * 32) - 1);
	dm_ident_release(&id);
	dm_weights_close(w);
	dm_catalog_free(cat);
}

/* The sketch of the detector, no cfg given: every layer. */
static void
test_sketch(void **state)
{
	char cfg[300], wpath[300], draft[300];
	struct dm_weights *w;
	struct dm_sketch sk;
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	dm_error_clear(&err);
	write_cfg("det.cfg", 3 * (2 + 5), 2, cfg, sizeof cfg);
	snprintf(wpath, sizeof wpath, "%s/det.weights", dir);
	write_weights(cfg, wpath, UINT64_MAX);
	w = open_weights(wpath);
	assert_int_equal(dm_sketch(w, 20, &sk, &err), 0);
	assert_int_equal(sk.n, 3);
	assert_int_equal(sk.explained, sk.floats);
	assert_int_equal(sk.layers[0].filters, 16);
	assert_int_equal(sk.layers[0].size, 3);
	assert_int_equal(sk.layers[0].channels, 3);
	assert_int_equal(sk.layers[1].filters, 32);
	assert_int_equal(sk.layers[1].channels, 16);
	assert_int_equal(sk.layers[2].filters, 21);
	assert_int_equal(sk.layers[2].batch_normalize, 0);
	snprintf(draft, sizeof draft, "%s/draft.cfg", dir);
	assert_int_equal(dm_sketch_write_cfg(&sk, draft, NULL, &err), 0);
	net = dm_net_load(draft, DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(dm_net_layout(net, 20, DM_LAYOUT_LOAD, &err), 0);
	assert_int_equal(net->total_bytes, w->size);
	dm_net_free(net);
	dm_sketch_release(&sk);
	dm_weights_close(w);
}

/*
 * Where a byte is, from a sketch alone: a batch-normalised conv of 8
 * filters (3x3 over 3 channels) at 20, a head of 5 filters (1x1 over 8)
 * without batch norm after it, 7 floats and 2 bytes no layer explains.
 * Each run's first and last byte, the header, the end.
 */
static void
test_where(void **state)
{
	static const struct {
		uint64_t	 off;
		enum dm_sk_kind	 kind;
		long		 seg;
		const char	*name;
		uint64_t	 start, len;
	} cases[] = {
		{ 0, DM_SK_HEADER, -1, NULL, 0, 20 },
		{ 19, DM_SK_HEADER, -1, NULL, 0, 20 },
		{ 20, DM_SK_RUN, 0, "biases", 20, 32 },
		{ 51, DM_SK_RUN, 0, "biases", 20, 32 },
		{ 52, DM_SK_RUN, 0, "scales", 52, 32 },
		{ 83, DM_SK_RUN, 0, "scales", 52, 32 },
		{ 84, DM_SK_RUN, 0, "rolling_mean", 84, 32 },
		{ 116, DM_SK_RUN, 0, "rolling_variance", 116, 32 },
		{ 147, DM_SK_RUN, 0, "rolling_variance", 116, 32 },
		{ 148, DM_SK_RUN, 0, "weights", 148, 864 },
		{ 1011, DM_SK_RUN, 0, "weights", 148, 864 },
		{ 1012, DM_SK_RUN, 1, "biases", 1012, 20 },
		{ 1031, DM_SK_RUN, 1, "biases", 1012, 20 },
		{ 1032, DM_SK_RUN, 1, "weights", 1032, 160 },
		{ 1191, DM_SK_RUN, 1, "weights", 1032, 160 },
		{ 1192, DM_SK_UNEXPLAINED, -1, NULL, 1192, 30 },
		{ 1221, DM_SK_UNEXPLAINED, -1, NULL, 1192, 30 },
		{ 1222, DM_SK_PAST_END, -1, NULL, 1222, 0 },
		{ UINT64_MAX, DM_SK_PAST_END, -1, NULL, 1222, 0 },
	};
	static const struct {
		uint64_t	 off;
		const char	*text;
	} texts[] = {
		{ 4, "the file's header" },
		{ 20, "segment 0 biases, byte 0 of 32" },
		{ 147, "segment 0 rolling_variance, byte 31 of 32" },
		{ 1000, "segment 0 weights, byte 852 of 864" },
		{ 1032, "segment 1 weights, byte 0 of 160" },
		{ 1200, "not explained: no conv layer reads bytes 1192-1222" },
		{ 5000, "past the end of the file" },
	};
	struct dm_sk_layer layers[2];
	struct dm_sketch sk;
	struct dm_sk_where w;
	char buf[128];
	size_t i;

	(void)state;
	memset(layers, 0, sizeof layers);
	layers[0] = (struct dm_sk_layer){ .filters = 8, .size = 3,
	    .channels = 3, .batch_normalize = 1, .offset = 20 };
	layers[1] = (struct dm_sk_layer){ .filters = 5, .size = 1,
	    .channels = 8, .batch_normalize = 0, .offset = 1012 };
	memset(&sk, 0, sizeof sk);
	sk.layers = layers;
	sk.n = 2;
	sk.hsize = 20;
	sk.floats = 300;
	sk.explained = 8 * 4 + 8 * 3 * 9 + 5 + 5 * 8;
	sk.size = 20 + 4 * 300 + 2;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dm_sketch_where(&sk, cases[i].off, &w);
		assert_int_equal(w.kind, cases[i].kind);
		assert_int_equal(w.seg, cases[i].seg);
		if (cases[i].name != NULL)
			assert_string_equal(w.name, cases[i].name);
		else
			assert_null(w.name);
		assert_int_equal(w.start, cases[i].start);
		assert_int_equal(w.len, cases[i].len);
	}
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_int_equal(dm_sketch_where_text(&sk, texts[i].off, buf,
		    sizeof buf), strlen(texts[i].text));
		assert_string_equal(buf, texts[i].text);
	}
	/* Cut short to the buffer, and told so. */
	assert_int_equal(dm_sketch_where_text(&sk, 20, buf, 8), 7);
	assert_string_equal(buf, "segment");
	/* No segment at all: everything after the header is unexplained. */
	sk.n = 0;
	sk.explained = 0;
	dm_sketch_where(&sk, 20, &w);
	assert_int_equal(w.kind, DM_SK_UNEXPLAINED);
	assert_int_equal(w.start, 20);
	assert_int_equal(w.len, 1202);
}

/* Two pieces merged read as the whole range does. */
static void
test_merge(void **state)
{
	char cfg[300], wpath[300];
	struct dm_weights *w;
	struct dm_stats whole, a, b;
	struct dm_error err;

	(void)state;
	dm_error_clear(&err);
	write_cfg("m.cfg", 255, 80, cfg, sizeof cfg);
	snprintf(wpath, sizeof wpath, "%s/m.weights", dir);
	write_weights(cfg, wpath, UINT64_MAX);
	w = open_weights(wpath);
	assert_int_equal(dm_stats_range(w, 20, 5000, &whole, &err), 0);
	assert_int_equal(dm_stats_range(w, 20, 1234, &a, &err), 0);
	assert_int_equal(dm_stats_range(w, 20 + 4 * 1234, 5000 - 1234, &b,
	    &err), 0);
	dm_stats_merge(&a, &b);
	assert_int_equal(a.n, whole.n);
	assert_true(a.valid);
	assert_true(a.min == whole.min && a.max == whole.max);
	assert_true(fabs(a.mean - whole.mean) < 1e-12);
	assert_true(fabs(a.std - whole.std) < 1e-12);
	dm_weights_close(w);
}


/*
 * The interface's catalogue for the vm tests: DARKMAP_CFG_PATH at cat,
 * which holds a detector of 80 classes; the state folder in dir.
 */
static void
vm_catalogue(char *cat, size_t len)
{
	char state[300], coco[300], to[400];

	snprintf(cat, len, "%s/cat", dir);
	assert_int_equal(mkdir(cat, 0700), 0);
	write_cfg("coco.cfg", 255, 80, coco, sizeof coco);
	snprintf(to, sizeof to, "%s/coco.cfg", cat);
	assert_int_equal(rename(coco, to), 0);
	snprintf(state, sizeof state, "%s/state", dir);
	assert_int_equal(setenv("DARKMAP_CFG_PATH", cat, 1), 0);
	assert_int_equal(setenv("XDG_STATE_HOME", state, 1), 0);
}

/* Whether the message line says an error. */
static int
msg_is_error(const struct dm_vm *vm)
{
	int error;

	dm_vm_msg(vm, &error);
	return error;
}

/* Types text into the open prompt, in place of what it holds. */
static void
vm_type(struct dm_vm *vm, const char *text)
{
	dm_vm_do(vm, DM_ACT_KILL, 0);
	for (; *text != '\0'; text++)
		dm_vm_do(vm, DM_ACT_CHAR, (unsigned char)*text);
}

/*
 * Saves the pair's profile as name (w), then opens cfg and weights with
 * it: the verdict is exact and nothing is said about the profile being
 * made for other files.
 */
static void
save_replays(struct dm_vm *vm, const char *name, const char *cfg,
    const char *weights)
{
	char profile[400];
	struct dm_session_opts so;
	struct dm_session *s;
	struct dm_error err;

	snprintf(profile, sizeof profile, "%s/%s", dir, name);
	dm_vm_do(vm, DM_ACT_SAVE, 0);
	vm_type(vm, profile);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_false(msg_is_error(vm));
	memset(&so, 0, sizeof so);
	so.cfg = cfg;
	so.weights = weights;
	so.profile = profile;
	so.dialect = so.layout = DM_UNSET;
	dm_error_clear(&err);
	assert_non_null(s = dm_session_open(&so, &err));
	assert_int_equal(dm_session_verdict(s)->kind, DM_V_EXACT);
	assert_int_equal(dm_session_nnotes(s), 0);
	dm_session_free(s);
}

/*
 * A weights file alone: the identify screen, with no pair; the detector
 * of 3 classes found as the 80-class one changed; Enter opens it, its
 * cfg written to the state folder; W copies that cfg; I comes back.
 */
static void
test_vm_open(void **state)
{
	char cat[300], mine[300], wpath[300], out[300];
	const struct dm_verdict *v;
	const struct dm_net *net;
	struct dm_error err;
	struct dm_vm *vm;
	const char *cfg;
	size_t len;

	(void)state;
	vm_catalogue(cat, sizeof cat);
	write_cfg("mine.cfg.txt", 3 * (3 + 5), 3, mine, sizeof mine);
	snprintf(wpath, sizeof wpath, "%s/mine.weights", dir);
	write_weights(mine, wpath, UINT64_MAX);
	dm_error_clear(&err);
	vm = dm_vm_new_identify(wpath, 0, &err);
	assert_non_null(vm);
	assert_null(dm_vm_session(vm));
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_IDENTIFY);
	assert_non_null(strstr(dm_vm_ident_header(vm), "header     0.2.5"));
	assert_true(dm_vm_ident_ncands(vm) >= 1);
	assert_non_null(strstr(dm_vm_ident_cand(vm, 0), "coco.cfg  ab  "
	    "classes 3  exact  3/3 plausible  classes 80->3: filters 255->24"));
	assert_null(dm_vm_ident_cand(vm, dm_vm_ident_ncands(vm)));
	assert_int_equal(dm_vm_ident_focus(vm), 0);
	assert_non_null(strstr(dm_vm_ident_text(vm), "fit        exact"));
	/* Nothing fits plausibly but this one: no sketch under it. */
	assert_null(strstr(dm_vm_ident_text(vm), "blind segmentation"));
	/* No pair: the main screen's actions do nothing; Up stays. */
	assert_int_equal(dm_vm_do(vm, DM_ACT_UP, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_ident_sel(vm), 0);
	assert_int_equal(dm_vm_do(vm, DM_ACT_UNDO, 0), DM_VM_BELL);
	assert_int_equal(dm_vm_poll(vm), 0);
	assert_int_equal(dm_vm_dirty(vm), 0);

	/* Enter: the pair, as darkmap CORRECTED.cfg WEIGHTS opens it. */
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0), DM_VM_REDRAW);
	assert_non_null(dm_vm_session(vm));
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);
	net = dm_vm_net(vm);
	assert_int_equal(net->layers[2].filters, 24);
	v = dm_vm_verdict(vm);
	assert_int_equal(v->kind, DM_V_EXACT);
	cfg = dm_session_cfg_path(dm_vm_session(vm));
	len = strlen(dir);
	assert_int_equal(strncmp(cfg, dir, len), 0);
	assert_int_equal(strncmp(cfg + len, "/state/darkmap/cfg/", 19), 0);
	assert_string_equal(cfg + strlen(cfg) - 11, "/coco-3.cfg");
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "classes 80->3"));

	/* W proposes coco-3.cfg and writes the trained cfg, line for line. */
	assert_int_equal(dm_vm_do(vm, DM_ACT_WRITE_CFG, 0), DM_VM_REDRAW);
	assert_non_null(dm_vm_prompt(vm));
	assert_string_equal(dm_vm_prompt(vm)->buf, "coco-3.cfg");
	snprintf(out, sizeof out, "%s/coco-3.cfg", dir);
	vm_type(vm, out);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_null(dm_vm_prompt(vm));
	trained(out, 24, 3);
	/* w saves a profile that replays on the copy W wrote, named as the
	 * cfg the pair was opened with. */
	save_replays(vm, "mine.profile", out, wpath);
	/* The message says which cfg the profile goes with. */
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "to the cfg "));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "/coco-3.cfg (W writes"));
	/* Not over an input: the weights file. */
	dm_vm_do(vm, DM_ACT_WRITE_CFG, 0);
	vm_type(vm, wpath);
	dm_vm_do(vm, DM_ACT_ACCEPT, 0);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "mine.weights"));
	assert_int_equal(access(wpath, R_OK), 0);

	/* I: the same screen over the pair; q goes back to it. */
	assert_int_equal(dm_vm_do(vm, DM_ACT_IDENTIFY, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_IDENTIFY);
	assert_true(dm_vm_ident_ncands(vm) >= 1);
	assert_int_equal(dm_vm_do(vm, DM_ACT_QUIT, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_screen(vm), DM_SCREEN_MAIN);

	/* An edit unsaved: Enter refuses to replace the pair. */
	dm_vm_do(vm, DM_ACT_HEADER, 0);
	assert_true(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_IDENTIFY, 0);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_BELL,
	    DM_VM_BELL);
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "unsaved edits"));
	assert_true(dm_vm_dirty(vm));
	/* Undone, it opens again: the same file, rewritten in place. */
	dm_vm_do(vm, DM_ACT_QUIT, 0);
	dm_vm_do(vm, DM_ACT_UNDO, 0);
	assert_false(dm_vm_dirty(vm));
	dm_vm_do(vm, DM_ACT_IDENTIFY, 0);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	dm_vm_free(vm);
}

/*
 * A backbone cut: opened with the cutoff identify found, verdict clean.
 * Bundled cfgs cut after a few layers explain the file as well (tiny.cfg
 * and others start with the same two convolutions); the test's folder,
 * in DARKMAP_CFG_PATH, ranks before them wherever the sources lie.
 */
static void
test_vm_cut(void **state)
{
	char cat[300], wpath[400], coco[400];
	struct dm_error err;
	struct dm_vm *vm;
	uint64_t floats = 4 * 16 + 16 * 3 * 9 + 4 * 32 + 32 * 16 * 9;

	(void)state;
	vm_catalogue(cat, sizeof cat);
	snprintf(coco, sizeof coco, "%s/coco.cfg", cat);
	snprintf(wpath, sizeof wpath, "%s/coco.conv.2", dir);
	write_weights(coco, wpath, floats);
	dm_error_clear(&err);
	assert_non_null(vm = dm_vm_new_identify(wpath, 0, &err));
	assert_non_null(strstr(dm_vm_ident_cand(vm, 0), "partial, cutoff 2"));
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0), DM_VM_REDRAW);
	/* The catalogue's own cfg, nothing written. */
	assert_string_equal(dm_session_cfg_path(dm_vm_session(vm)), coco);
	assert_non_null(dm_ovr_find_layer(dm_vm_ovr(vm), 1));
	assert_true(dm_ovr_find_layer(dm_vm_ovr(vm), 1)->cutoff);
	assert_int_equal(dm_vm_verdict(vm)->kind, DM_V_EXACT);
	assert_false(dm_vm_dirty(vm));
	/* w saves the cut in a profile that replays it. */
	save_replays(vm, "conv2.profile", coco, wpath);
	dm_vm_free(vm);
}

/*
 * What identify warns about the catalogue is on the screen; a file that
 * changes on disk is identified again before Enter opens anything; the
 * bundled catalogue's cfgs are named short in the list but in full in
 * the command to run; -l goes with the pair Enter opens.
 */
static void
test_vm_changes(void **state)
{
	char cat[300], mine[300], wpath[300], path[700], bundled[600];
	const char *dirs[4], *text, *open;
	struct dm_error err;
	struct dm_vm *vm;

	(void)state;
	vm_catalogue(cat, sizeof cat);
	snprintf(path, sizeof path, "%s/broken.cfg", cat);
	write_file(path, "width=1\n[net]\n", 14);
	snprintf(path, sizeof path, "%s:%s/no-such-folder", cat, dir);
	assert_int_equal(setenv("DARKMAP_CFG_PATH", path, 1), 0);
	write_cfg("mine.cfg.txt", 3 * (3 + 5), 3, mine, sizeof mine);
	snprintf(wpath, sizeof wpath, "%s/mine.weights", dir);
	write_weights(mine, wpath, UINT64_MAX);
	dm_error_clear(&err);
	assert_non_null(vm = dm_vm_new_identify(wpath, 0, &err));
	text = dm_vm_ident_header(vm);
	assert_non_null(strstr(text, "warning: DARKMAP_CFG_PATH: "));
	assert_non_null(strstr(text, "no-such-folder"));
	assert_non_null(strstr(text, "broken.cfg"));
	assert_non_null(strstr(dm_vm_ident_cand(vm, 0), "coco.cfg"));

	/* The file becomes the bundled tiny.cfg's: Enter identifies again. */
	assert_int_equal(dm_catalog_default(dirs, 4), 1);
	snprintf(bundled, sizeof bundled, "%s/AlexeyAB/tiny.cfg", dirs[0]);
	write_weights(bundled, wpath, UINT64_MAX);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_BELL,
	    DM_VM_BELL);
	assert_null(dm_vm_session(vm));
	assert_non_null(strstr(dm_vm_msg(vm, NULL), "mine.weights changed on "
	    "disk: identified again"));
	assert_non_null(strstr(dm_vm_ident_cand(vm, 0), "tiny.cfg  ab  "));
	assert_null(strstr(dm_vm_ident_cand(vm, 0), dirs[0]));
	text = dm_vm_ident_text(vm);
	assert_non_null(open = strstr(text, "   open       darkmap "));
	assert_non_null(strstr(open, dirs[0]));
	assert_true(strstr(open, dirs[0]) < strchr(open, '\n'));

	/* Enter opens it as -l save would. */
	dm_vm_set_open(vm, 0, NULL, DM_LAYOUT_SAVE);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0), DM_VM_REDRAW);
	assert_non_null(dm_vm_session(vm));
	assert_int_equal(strncmp(dm_session_cfg_path(dm_vm_session(vm)),
	    dirs[0], strlen(dirs[0])), 0);
	assert_int_equal(dm_session_base_mode(dm_vm_session(vm)),
	    DM_LAYOUT_SAVE);
	/* I then Enter over it keeps the pair's mode. */
	dm_vm_set_open(vm, 0, NULL, DM_UNSET);
	assert_int_equal(dm_vm_do(vm, DM_ACT_IDENTIFY, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0), DM_VM_REDRAW);
	assert_int_equal(dm_session_base_mode(dm_vm_session(vm)),
	    DM_LAYOUT_SAVE);
	dm_vm_free(vm);
}

/*
 * A network in no catalogue: no candidate, the blind segmentation under
 * the closest layouts; Enter opens nothing; q quits.
 */
static const char other[] =
    "[net]\nwidth=32\nheight=32\nchannels=3\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\nstride=1\n"
    "pad=1\nactivation=leaky\n\n"
    "[convolutional]\nbatch_normalize=1\nfilters=32\nsize=3\nstride=1\n"
    "pad=1\nactivation=leaky\n\n"
    "[convolutional]\nsize=1\nstride=1\npad=1\nfilters=37\n"
    "activation=linear\n";

/*
 * The byte view of the segments of "other" (in vm): selecting a segment
 * puts the cursor on its first byte, moving the cursor goes through its
 * runs and selects the segment it is in, the rows read are the file's.
 */
static void
test_vm_bytes(struct dm_vm *vm, const char *wpath)
{
	static const struct {
		enum dm_act	 act;
		long		 arg;
		uint64_t	 cursor;
		size_t		 seg;
		const char	*where;
	} steps[] = {
		{ DM_ACT_NONE, 0, 20, 0, "segment 0 biases, byte 0 of 32" },
		{ DM_ACT_DOWN, 0, 1012, 1, "segment 1 biases, byte 0 of 128" },
		{ DM_ACT_BOTTOM, 0, 10740, 2, "segment 2 biases, byte 0 of 148" },
		{ DM_ACT_TOP, 0, 20, 0, "segment 0 biases, byte 0 of 32" },
		{ DM_ACT_FOCUS_NEXT, 0, 20, 0, NULL },
		{ DM_ACT_RIGHT, 0, 24, 0, "segment 0 biases, byte 4 of 32" },
		{ DM_ACT_DOWN, 0, 40, 0, "segment 0 biases, byte 20 of 32" },
		{ DM_ACT_DOWN, 0, 56, 0, "segment 0 scales, byte 4 of 32" },
		{ DM_ACT_SCROLL, 6, 152, 0, "segment 0 weights, byte 4 of 864" },
		{ DM_ACT_LEFT, 0, 148, 0, "segment 0 weights, byte 0 of 864" },
		{ DM_ACT_LEFT, 0, 144, 0, "segment 0 rolling_variance, byte "
		    "28 of 32" },
		{ DM_ACT_PAGE_DOWN, 0, 176, 0, "segment 0 weights, byte 28 of "
		    "864" },
		{ DM_ACT_SELECT_BYTE, 10888, 10888, 2, "segment 2 weights, byte "
		    "0 of 4736" },
		{ DM_ACT_BOTTOM, 0, 15623, 2, "segment 2 weights, byte 4735 of "
		    "4736" },
		{ DM_ACT_TOP, 0, 0, 2, "the file's header" },
	};
	uint8_t got[16], want[16];
	char where[128];
	struct dm_sk_where w;
	size_t i;
	FILE *fp;

	/* 16 bytes a row, 3 rows: a page is 2 rows. */
	dm_vm_ident_set_pages(vm, 2, 16, 3);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (steps[i].act != DM_ACT_NONE)
			assert_int_equal(dm_vm_do(vm, steps[i].act,
			    steps[i].arg), DM_VM_REDRAW);
		assert_int_equal(dm_vm_ident_cursor(vm), steps[i].cursor);
		assert_int_equal(dm_vm_ident_seg_sel(vm), steps[i].seg);
		assert_true(dm_vm_ident_btop(vm) <= steps[i].cursor);
		assert_true(steps[i].cursor < dm_vm_ident_btop(vm) + 3 * 16);
		if (steps[i].where == NULL)
			continue;
		assert_int_equal(dm_vm_ident_where(vm, steps[i].cursor, &w,
		    where, sizeof where), 0);
		assert_string_equal(where, steps[i].where);
	}
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_BYTES);
	/* The bytes read are the file's; a row at the end is cut short. */
	assert_non_null(fp = fopen(wpath, "rb"));
	assert_int_equal(fseek(fp, 10880, SEEK_SET), 0);
	assert_int_equal(fread(want, 1, sizeof want, fp), sizeof want);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(dm_vm_ident_read(vm, 10880, got, sizeof got), 16);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(dm_vm_ident_size(vm), 15624);
	assert_int_equal(dm_vm_ident_read(vm, 15616, got, sizeof got), 8);
	assert_int_equal(dm_vm_ident_read(vm, 15624, got, sizeof got), 0);
	/* Back to the segments for the rest. */
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_SEGS);
}

static void
test_vm_sketch(void **state)
{
	char cat[300], cfg[300], wpath[300];
	const char *text;
	struct dm_error err;
	struct dm_vm *vm;
	long i;

	(void)state;
	vm_catalogue(cat, sizeof cat);
	snprintf(cfg, sizeof cfg, "%s/other.cfg.txt", dir);
	write_file(cfg, other, strlen(other));
	snprintf(wpath, sizeof wpath, "%s/other.weights", dir);
	write_weights(cfg, wpath, UINT64_MAX);
	dm_error_clear(&err);
	assert_non_null(vm = dm_vm_new_identify(wpath, 0, &err));
	assert_int_equal(dm_vm_ident_ncands(vm), 0);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_SEGS);
	text = dm_vm_ident_text(vm);
	assert_non_null(strstr(text, "no cfg fits the size of the file"));
	assert_non_null(strstr(text, "closest, and why they do not fit:"));
	/* The segments are a list of their own, not in the text. */
	assert_null(strstr(text, "blind segmentation"));
	assert_non_null(strstr(dm_vm_ident_seg_head(vm),
	    "blind segmentation: 3 conv layers"));
	assert_int_equal(dm_vm_ident_nsegs(vm), 3);
	assert_non_null(strstr(dm_vm_ident_seg(vm, 0), "  0  bytes 20-1012  "
	    "conv 8x3x3x3  batch norm"));
	assert_non_null(strstr(dm_vm_ident_seg(vm, 1), "  1  bytes "
	    "1012-10740  conv 32x8x3x3  batch norm"));
	assert_non_null(strstr(dm_vm_ident_seg(vm, 2), "  2  bytes "
	    "10740-15624  conv 37x32x1x1"));
	assert_null(dm_vm_ident_seg(vm, 3));
	test_vm_bytes(vm, wpath);
	/* Shift-Tab: the text; j/k scroll it, and it stops at its end. */
	assert_int_equal(dm_vm_do(vm, DM_ACT_FOCUS_PREV, 0), DM_VM_REDRAW);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_TEXT);
	dm_vm_set_page(vm, DM_PANE_HELP, 3);
	for (i = 0; *text != '\0'; text++)
		i += *text == '\n';
	dm_vm_set_extent(vm, DM_PANE_HELP, i);
	dm_vm_do(vm, DM_ACT_DOWN, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_HELP), 1);
	dm_vm_do(vm, DM_ACT_BOTTOM, 0);
	assert_int_equal(dm_vm_scroll(vm, DM_PANE_HELP), i - 3);
	/* Tab goes round: the text, the segments, the bytes, the text. */
	dm_vm_do(vm, DM_ACT_FOCUS_NEXT, 0);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_SEGS);
	dm_vm_do(vm, DM_ACT_FOCUS_PREV, 0);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_TEXT);
	dm_vm_do(vm, DM_ACT_FOCUS_PREV, 0);
	assert_int_equal(dm_vm_ident_focus(vm), DM_IDF_BYTES);
	assert_int_equal(dm_vm_do(vm, DM_ACT_ACCEPT, 0) & DM_VM_BELL,
	    DM_VM_BELL);
	assert_null(dm_vm_session(vm));
	assert_int_equal(dm_vm_do(vm, DM_ACT_QUIT, 0), DM_VM_QUIT);
	dm_vm_free(vm);
}

/* What is no weights file: an error naming it, no view-model. */
static void
test_vm_bad(void **state)
{
	static const uint8_t head[8] = { 0, 0, 0, 0, 2, 0, 0, 0 };
	const char *names[] = { "empty.weights", "short.weights", "sub",
	    "missing.weights", "coco.cfg" };
	char cat[300], p[400];
	struct dm_error err;
	size_t i;

	(void)state;
	vm_catalogue(cat, sizeof cat);
	snprintf(p, sizeof p, "%s/empty.weights", dir);
	write_file(p, "", 0);
	snprintf(p, sizeof p, "%s/short.weights", dir);
	write_file(p, head, sizeof head);
	snprintf(p, sizeof p, "%s/sub", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", i == 4 ? cat : dir, names[i]);
		dm_error_clear(&err);
		assert_null(dm_vm_new_identify(p, 0, &err));
		assert_int_not_equal(err.code, DM_OK);
		assert_non_null(strstr(err.msg, names[i]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sketch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test(test_where),
		cmocka_unit_test_setup_teardown(test_vm_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_changes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vm_sketch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
