/*
 * fuzz_cfg.c - the cfg reader and the shape and ledger computation on
 * arbitrary text.
 *
 * The input is parsed as a cfg in both dialects; whatever parses is built
 * into a network, laid out after both header sizes in both modes, and
 * reported in the three formats.  Besides the sanitizers' findings, a
 * failure without a message, a message that does not name the file, an
 * exit status other than 3 for a bad cfg, or a ledger whose offsets and
 * totals do not add up are findings.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cfg.h"
#include "error.h"
#include "net.h"
#include "report.h"
#include "verdict.h"
#include "weights.h"

#include "fuzz.h"

#define FUZZ_PATH "fuzz.cfg"

/* A failed call must explain itself, name the file and mean "exit 3". */
static void
check_error(const struct dm_error *err, const char *what)
{
	if (err->code == DM_OK || err->msg[0] == '\0')
		dm_fuzz_fail(what, "failed without a message");
	if (memchr(err->msg, '\0', sizeof err->msg) == NULL)
		dm_fuzz_fail(what, "message not terminated");
	if (err->code == DM_ERR_NOMEM)
		return;
	if (strncmp(err->msg, FUZZ_PATH, strlen(FUZZ_PATH)) != 0)
		dm_fuzz_fail(what, err->msg);
	if (dm_status_exit(err->code) != 3)
		dm_fuzz_fail("exit status of a bad cfg is not 3", err->msg);
}

/* The ledger: arrays back to back after the header, totals that add up. */
static void
check_ledger(const struct dm_net *net, uint64_t hsize)
{
	uint64_t off = hsize, floats = 0, n;
	size_t i;
	int d;

	for (i = 0; i < net->nlayers; i++) {
		const struct dm_layer *l = &net->layers[i];

		if (l->index != i || l->first_array > net->narrays ||
		    l->narrays > net->narrays - l->first_array)
			dm_fuzz_fail("layer's arrays out of the ledger", NULL);
	}
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		if (a->layer >= net->nlayers)
			dm_fuzz_fail("array of no layer", a->name);
		if (a->ndim < 0 || a->ndim > DM_SHAPE_MAX)
			dm_fuzz_fail("array rank", a->name);
		/* What Darknet writes is the whole shape, without wrapping. */
		for (d = 0, n = 1; d < a->ndim; d++)
			if (__builtin_mul_overflow(n, a->shape[d], &n))
				dm_fuzz_fail("array shape overflows", a->name);
		if (n != a->save_count && a->save_count != 0)
			dm_fuzz_fail("array count is not its shape's product",
			    a->name);
		if (a->count == 0 || a->offset == DM_OFFSET_NONE)
			continue;
		if (a->offset != off)
			dm_fuzz_fail("array not where the previous one ends",
			    a->name);
		off += a->count * 4;
		floats += a->count;
	}
	if (net->total_bytes != off || net->total_floats != floats ||
	    net->header_size != hsize)
		dm_fuzz_fail("ledger totals", NULL);
}

static void
one_dialect(const uint8_t *data, size_t size, enum dm_dialect dialect)
{
	static const enum dm_report_format fmts[] = { DM_REPORT_TEXT,
	    DM_REPORT_TSV, DM_REPORT_JSON };
	struct dm_error err;
	struct dm_cfg *cfg;
	struct dm_net *net;
	struct dm_verdict v;
	FILE *sink = dm_fuzz_sink();
	int mode, h, f;

	dm_error_clear(&err);
	cfg = dm_cfg_parse(FUZZ_PATH, (const char *)data, size, dialect, &err);
	if (cfg == NULL) {
		check_error(&err, "dm_cfg_parse");
		return;
	}
	if ((net = dm_net_build(cfg, &err)) == NULL) {
		check_error(&err, "dm_net_build");
		return;
	}
	for (mode = 0; mode < 2; mode++) {
		for (h = 16; h <= 20; h += 4) {
			dm_error_clear(&err);
			if (dm_net_layout(net, (uint64_t)h, mode == 0 ?
			    DM_LAYOUT_LOAD : DM_LAYOUT_SAVE, &err) == -1) {
				check_error(&err, "dm_net_layout");
				continue;
			}
			check_ledger(net, (uint64_t)h);
			dm_verdict_compute(net, NULL, &v);
			if (v.kind != DM_V_NONE || v.message[0] == '\0')
				dm_fuzz_fail("verdict without weights", NULL);
			/* The reports once per dialect: they are slow. */
			if (mode == 0 && h == 20)
				for (f = 0; f < 3; f++)
					(void)dm_report_write(sink, fmts[f],
					    net, NULL, &v, NULL);
		}
	}
	(void)dm_net_asymmetric(net);
	dm_net_free(net);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_dialect(data, size, DM_DIALECT_AB);
	one_dialect(data, size, DM_DIALECT_PJ);
	return 0;
}
