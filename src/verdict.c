/*
 * verdict.c - the size verdict: a weights file against the layout its cfg
 * implies (net.h), and where it ends when it does not fit.
 */
#include "config.h"

#include "verdict.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *
dm_verdict_name(enum dm_verdict_kind kind)
{
	switch (kind) {
	case DM_V_NONE:		return "none";
	case DM_V_EXACT:	return "exact";
	case DM_V_PARTIAL:	return "partial";
	case DM_V_TRUNCATED:	return "truncated";
	case DM_V_TRAILING:	return "trailing";
	case DM_V_UNALIGNED:	return "unaligned";
	case DM_V_NOT_WEIGHTS:	return "not-weights";
	}
	return "?";
}

long
dm_first_array_past(const struct dm_net *net, uint64_t end)
{
	size_t i;

	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		if (!dm_array_present(a))
			continue;
		if (a->offset + a->count * 4 > end)
			return (long)i;
	}
	return -1;
}

static uint64_t
save_total(const struct dm_net *net)
{
	uint64_t t = net->header_size;
	size_t i;

	for (i = 0; i < net->narrays; i++)
		t += net->arrays[i].save_count * 4;
	return t;
}

/* Appends a sentence suggesting a different reading, where one fits. */
static void
add_hints(const struct dm_net *net, const struct dm_weights *w,
    struct dm_verdict *v)
{
	size_t n = strlen(v->message);
	uint64_t body = net->total_bytes - net->header_size;
	unsigned other = dm_header_other(net->header_size);

	if (w->size == body + other)
		snprintf(v->message + n, sizeof v->message - n, " With a "
		    "%u-byte header instead of %u the size would match "
		    "exactly: the header's version numbers may be wrong "
		    "(for instance a 32-bit build that wrote a 4-byte seen).",
		    other, (unsigned)net->header_size);
	else if (net->mode == DM_LAYOUT_LOAD && dm_net_asymmetric(net) &&
	    w->size == save_total(net))
		snprintf(v->message + n, sizeof v->message - n, " The size "
		    "matches what Darknet's save_weights() writes for this "
		    "cfg (it ignores dontload, dontloadscales and numload, "
		    "and skips dontsave layers), which its loader reads "
		    "differently: use --layout save.");
}

void
dm_verdict_compute(const struct dm_net *net, const struct dm_weights *w,
    struct dm_verdict *v)
{
	const struct dm_array *a;
	uint64_t total = net->total_bytes, size;
	long ai;

	memset(v, 0, sizeof *v);
	v->layer = v->array = -1;
	v->layers_present = (long)net->nlayers;
	if (w == NULL) {
		v->kind = DM_V_NONE;
		snprintf(v->message, sizeof v->message, "no weights file: "
		    "this is the layout the cfg implies (%" PRIu64 " bytes "
		    "with a %u-byte header)", total, (unsigned)net->header_size);
		return;
	}
	size = w->size < net->data_end ? w->size : net->data_end;
	if (!w->is_weights) {
		v->kind = DM_V_NOT_WEIGHTS;
		v->layers_present = 0;
		snprintf(v->message, sizeof v->message, "%s: %s", w->path,
		    w->what);
		return;
	}
	if (size < net->header_size) {
		v->kind = DM_V_TRUNCATED;
		v->layers_present = 0;
		v->bytes = total - size;
		if (size < w->size)
			snprintf(v->message, sizeof v->message, "%s: the data "
			    "ends at byte %" PRIu64 " (the data end set), "
			    "inside the %u-byte header", w->path, size,
			    (unsigned)net->header_size);
		else
			snprintf(v->message, sizeof v->message, "%s: the file "
			    "has %" PRIu64 " bytes, fewer than its %u-byte "
			    "header", w->path, size,
			    (unsigned)net->header_size);
		return;
	}
	if (size == total) {
		v->kind = DM_V_EXACT;
		snprintf(v->message, sizeof v->message, "%s: the file holds "
		    "exactly the %" PRIu64 " floats the cfg implies (%" PRIu64
		    " bytes)", w->path, net->total_floats, total);
		return;
	}
	if (size > total) {
		v->bytes = size - total;
		v->kind = v->bytes % 4 ? DM_V_UNALIGNED : DM_V_TRAILING;
		snprintf(v->message, sizeof v->message, "%s: %" PRIu64 " bytes "
		    "(%s) are left after the last array, which ends at byte %"
		    PRIu64 "; Darknet ignores them silently, but the file "
		    "may belong to a bigger network (another cfg, more "
		    "classes or filters).", w->path, v->bytes,
		    v->bytes % 4 ? "not a whole number of floats" :
		    "whole floats", total);
		add_hints(net, w, v);
		return;
	}
	/* The total is where the last array ends, so one ends past size. */
	if ((ai = dm_first_array_past(net, size)) < 0) {
		v->kind = DM_V_TRUNCATED;
		v->bytes = total - size;
		snprintf(v->message, sizeof v->message, "%s: the file ends at "
		    "byte %" PRIu64 ", %" PRIu64 " bytes short of the %" PRIu64
		    " the cfg implies", w->path, size, v->bytes, total);
		return;
	}
	a = &net->arrays[ai];
	v->array = ai;
	v->layer = (long)a->layer;
	v->layers_present = (long)a->layer;
	v->bytes = total - size;
	if ((size - net->header_size) % 4 != 0) {
		v->kind = DM_V_UNALIGNED;
		snprintf(v->message, sizeof v->message, "%s: the data after "
		    "the %u-byte header is %" PRIu64 " bytes, not a whole "
		    "number of 4-byte floats; it ends inside layer %zu array "
		    "%s (offset %" PRIu64 "), %" PRIu64 " bytes short of the "
		    "%" PRIu64 " the cfg implies.", w->path,
		    (unsigned)net->header_size, size - net->header_size,
		    a->layer, a->name, a->offset, v->bytes, total);
	} else if (a->offset == size) {
		/*
		 * Ends at an array boundary: a clean cut when that array is
		 * the first of its layer.
		 */
		size_t first = net->layers[a->layer].first_array;
		size_t k;
		int starts = 1;

		for (k = first; k < (size_t)ai; k++)
			if (net->arrays[k].count != 0)
				starts = 0;
		if (starts && a->layer == 0) {
			v->kind = DM_V_PARTIAL;
			snprintf(v->message, sizeof v->message, "%s: the file "
			    "holds only its %u-byte header: none of the %zu "
			    "layers' data is in it (%" PRIu64 " bytes missing).",
			    w->path, (unsigned)net->header_size, net->nlayers,
			    v->bytes);
		} else if (starts) {
			v->kind = DM_V_PARTIAL;
			snprintf(v->message, sizeof v->message, "%s: the file "
			    "ends cleanly after layer %ld: it holds layers "
			    "0-%ld of %zu (like darknet53.conv.74, a file "
			    "made by 'darknet partial' for transfer learning);"
			    " layers %zu-%zu are missing (%" PRIu64 " bytes).",
			    w->path, (long)a->layer - 1, (long)a->layer - 1,
			    net->nlayers, a->layer, net->nlayers - 1, v->bytes);
		} else {
			v->kind = DM_V_TRUNCATED;
			snprintf(v->message, sizeof v->message, "%s: the file "
			    "ends inside layer %zu, before its array %s "
			    "(offset %" PRIu64 "); %" PRIu64 " bytes of the %"
			    PRIu64 " the cfg implies are missing.", w->path,
			    a->layer, a->name, a->offset, v->bytes, total);
		}
	} else {
		v->kind = DM_V_TRUNCATED;
		snprintf(v->message, sizeof v->message, "%s: the file ends "
		    "inside layer %zu array %s (offset %" PRIu64 ", %" PRIu64
		    " floats), %" PRIu64 " bytes short of that array's end; "
		    "%" PRIu64 " bytes of the %" PRIu64 " the cfg implies are "
		    "missing: the file was cut off (an interrupted download "
		    "or copy) or belongs to a smaller network.", w->path,
		    a->layer, a->name, a->offset, a->count,
		    a->offset + a->count * 4 - size, v->bytes, total);
	}
	add_hints(net, w, v);
}
