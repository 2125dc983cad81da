/*
 * test_identify.c - the class count solved from the size, a clean cut, a
 * network outside the catalogue, the blind sketch, and statistics merged
 * from pieces, on small files written here.
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
#include <unistd.h>

#include <cmocka.h>

#include "identify.h"
#include "scratch.h"
#include "sketch.h"
#include "stats.h"
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

/* 80 classes in the catalogue, 2 in the file: solved, not searched. */
static void
test_classes(void **state)
{
	char coco[300], mine[300], wpath[300], out[300], text[2048];
	struct dm_catalog *cat;
	struct dm_weights *w;
	struct dm_ident id;
	struct dm_error err;
	const struct dm_cand *c;
	size_t i;
	int seen_filters = 0;
	FILE *fp;

	(void)state;
	dm_error_clear(&err);
	write_cfg("coco.cfg", 3 * (80 + 5), 80, coco, sizeof coco);
	write_cfg("mine.cfg.txt", 3 * (2 + 5), 2, mine, sizeof mine);
	snprintf(wpath, sizeof wpath, "%s/mine.weights", dir);
	write_weights(mine, wpath, UINT64_MAX);
	assert_non_null(cat = dm_catalog_new());
	assert_int_equal(dm_catalog_add(cat, dir, DM_DIALECTS_ALL, 0, &err),
	    0);
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
	assert_non_null(fp = fopen(out, "rb"));
	text[fread(text, 1, sizeof text - 1, fp)] = '\0';
	fclose(fp);
	assert_non_null(strstr(text, "filters=21\n"));
	assert_non_null(strstr(text, "classes=2\n"));
	assert_null(strstr(text, "255"));
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
	assert_int_equal(dm_catalog_add(cat, cfg, DM_DIALECTS_ALL, 1, &err), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sketch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
