/*
 * report.c - the inspect report: a readable table, the golden TSV ledger,
 * or JSON for scripts.
 */
#include "config.h"

#include "report.h"

#include <inttypes.h>
#include <string.h>

void
dm_shape_format(const struct dm_array *a, char *buf, size_t len)
{
	size_t n = 0;
	int d;

	n += (size_t)snprintf(buf, len, "[");
	for (d = 0; d < a->ndim && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64,
		    d ? ", " : "", a->cur_shape[d]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

void
dm_json_string(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':	fputs("\\\"", fp); break;
		case '\\':	fputs("\\\\", fp); break;
		case '\n':	fputs("\\n", fp); break;
		case '\r':	fputs("\\r", fp); break;
		case '\t':	fputs("\\t", fp); break;
		default:
			if (*p < 0x20)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

static void
report_tsv(FILE *fp, const struct dm_net *net)
{
	size_t i;

	fputs("layer\ttype\tarray\tcount\toffset\n", fp);
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *a = &net->arrays[i];

		if (!dm_array_present(a))
			continue;
		fprintf(fp, "%zu\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\n",
		    a->layer, dm_ltype_name(net->layers[a->layer].type),
		    a->name, a->count, a->offset);
	}
	fprintf(fp, "-1\tTOTAL\t-\t%" PRIu64 "\t%" PRIu64 "\n",
	    net->total_floats, net->total_bytes);
}

static const char *
dialect_label(enum dm_dialect d)
{
	return d == DM_DIALECT_AB ? "ab" : "pj";
}

static void
json_num(FILE *fp, double x)
{
	if (x != x || x > 1e308 || x < -1e308)
		fputs("null", fp);	/* JSON has no NaN or infinity */
	else
		fprintf(fp, "%.9g", x);
}

/*
 * How much of layer l's arrays the file holds, up to where its data ends:
 * "whole", "cut" (it ends inside them) or "none"; NULL for a layer without
 * arrays in the file's layout.
 */
static const char *
layer_in_file(const struct dm_net *net, const struct dm_weights *w,
    const struct dm_layer *l)
{
	uint64_t end = w->size < net->data_end ? w->size : net->data_end;
	size_t j, n = 0, whole = 0, none = 0;

	for (j = l->first_array; j < l->first_array + l->narrays; j++) {
		const struct dm_array *a = &net->arrays[j];

		if (!dm_array_present(a))
			continue;
		n++;
		if (a->offset >= end)
			none++;
		else if (a->count <= (end - a->offset) / 4)
			whole++;
	}
	if (n == 0)
		return NULL;
	return whole == n ? "whole" : none == n ? "none" : "cut";
}

static void
json_stats(FILE *fp, const struct dm_stats *st, const struct dm_check *ck)
{
	fputs(", \"stats\": ", fp);
	if (!st->valid) {
		fputs("null", fp);
		return;
	}
	fputs("{\"min\": ", fp);
	json_num(fp, st->min);
	fputs(", \"max\": ", fp);
	json_num(fp, st->max);
	fputs(", \"mean\": ", fp);
	json_num(fp, st->mean);
	fputs(", \"std\": ", fp);
	json_num(fp, st->std);
	fprintf(fp, ", \"zeros\": %" PRIu64 ", \"nan\": %" PRIu64
	    ", \"inf\": %" PRIu64 ", \"subnormal\": %" PRIu64 "}, "
	    "\"check\": {\"level\": \"%s\", \"note\": ", st->zeros,
	    st->nans, st->infs, st->subnormals, dm_level_name(ck->level));
	dm_json_string(fp, ck->note);
	fputs("}", fp);
}

static void
json_diag(FILE *fp, const struct dm_diag *d)
{
	size_t i, j;

	fprintf(fp, "  \"diagnosis\": {\"first_bad_layer\": %ld, "
	    "\"first_suspect_layer\": %ld, \"size_diff\": %" PRId64
	    ", \"fit\": %s, \"ambiguous\": %s, \"other_network\": %s, "
	    "\"tie_margin\": ", d->first_bad, d->first_suspect, d->size_diff,
	    d->fit ? "true" : "false", d->ambiguous ? "true" : "false",
	    d->other_net ? "true" : "false");
	json_num(fp, DM_TIE_MARGIN);
	fputs(", \"summary\": ", fp);
	dm_json_string(fp, d->summary);
	if (d->ambiguous) {
		fputs(", \"tie_note\": ", fp);
		dm_json_string(fp, d->tie_note);
	}
	fputs(",\n    \"headers\": [", fp);
	for (i = 0; i < 2; i++) {
		fprintf(fp, "%s{\"size\": %u, \"fits\": %s, \"penalty\": ",
		    i ? ", " : "", d->headers[i].size,
		    d->headers[i].fits ? "true" : "false");
		if (d->headers[i].scored)
			json_num(fp, d->headers[i].penalty);
		else
			fputs("null", fp);
		fputs("}", fp);
	}
	fputs("],\n    \"repairs\": [", fp);
	for (i = 0; i < d->nhyps; i++) {
		const struct dm_hyp *h = &d->hyps[i];

		fprintf(fp, "%s\n      {\"number\": %zu, \"kind\": \"%s\", "
		    "\"layer\": %ld, \"value\": %" PRId64 ", \"penalty\": ",
		    i ? "," : "", i + 1, dm_hyp_name(h->kind), h->layer,
		    h->value);
		json_num(fp, h->penalty);
		fprintf(fp, ", \"plausible\": %s, \"lossy\": %s, "
		    "\"changes_cfg\": %s, \"ties_with\": [",
		    h->penalty < DM_FIT_PENALTY ? "true" : "false",
		    h->lossy ? "true" : "false",
		    dm_hyp_changes_cfg(h) ? "true" : "false");
		for (j = 0; j < h->nties; j++)
			fprintf(fp, "%s%zu", j ? ", " : "", h->ties[j] + 1);
		fputs("]", fp);
		if (h->kind == DM_H_ORDER && h->layer >= 0) {
			fputs(", \"order\": ", fp);
			dm_json_string(fp, dm_ovr_find_layer(h->ovr,
			    (size_t)h->layer)->order);
		}
		fputs(", \"text\": ", fp);
		dm_json_string(fp, h->text);
		if (h->why[0] != '\0') {
			fputs(", \"why\": ", fp);
			dm_json_string(fp, h->why);
		}
		fputs("}", fp);
	}
	fputs(d->nhyps ? "\n    ]},\n" : "]},\n", fp);
}

static void
report_json(FILE *fp, const struct dm_net *net, const struct dm_weights *w,
    const struct dm_verdict *v, const struct dm_diag *d)
{
	char shape[128];
	size_t i, j;
	int first, c, classes;

	fputs("{\n  \"cfg\": ", fp);
	dm_json_string(fp, net->cfg->path);
	fprintf(fp, ",\n  \"dialect\": \"%s\",\n  \"layout\": \"%s\",\n",
	    dialect_label(net->dialect),
	    net->mode == DM_LAYOUT_LOAD ? "load" : "save");
	fputs("  \"weights\": ", fp);
	if (w != NULL)
		dm_json_string(fp, w->path);
	else
		fputs("null", fp);
	fputs(",\n  \"header\": ", fp);
	if (w != NULL && w->has_header && w->is_weights)
		fprintf(fp, "{\"major\": %" PRId32 ", \"minor\": %" PRId32
		    ", \"revision\": %" PRId32 ", \"seen\": %" PRIu64
		    ", \"size\": %u, \"transpose\": %s}", w->hdr.major,
		    w->hdr.minor, w->hdr.revision, w->hdr.seen,
		    (unsigned)net->header_size,
		    w->hdr.transpose ? "true" : "false");
	else
		fputs("null", fp);
	fputs(",\n  \"file_size\": ", fp);
	if (w != NULL)
		fprintf(fp, "%" PRIu64, w->size);
	else
		fputs("null", fp);
	fprintf(fp, ",\n  \"expected_size\": %" PRIu64 ",\n", net->total_bytes);
	fprintf(fp, "  \"total_floats\": %" PRIu64 ",\n", net->total_floats);
	fprintf(fp, "  \"verdict\": {\"kind\": \"%s\", \"layer\": %ld, "
	    "\"array\": ", dm_verdict_name(v->kind), v->layer);
	if (v->array >= 0)
		dm_json_string(fp, net->arrays[v->array].name);
	else
		fputs("null", fp);
	fprintf(fp, ", \"bytes\": %" PRIu64 ", \"message\": ", v->bytes);
	dm_json_string(fp, v->message);
	fputs("},\n", fp);
	if (d != NULL)
		json_diag(fp, d);
	fputs("  \"warnings\": [", fp);
	for (i = 0; i < net->cfg->nwarnings + net->nwarnings; i++) {
		fputs(i ? ",\n    " : "\n    ", fp);
		dm_json_string(fp, i < net->cfg->nwarnings ?
		    net->cfg->warnings[i] :
		    net->warnings[i - net->cfg->nwarnings]);
	}
	fputs("],\n  \"layers\": [", fp);
	for (i = 0; i < net->nlayers; i++) {
		const struct dm_layer *l = &net->layers[i];
		const char *in_file;

		fprintf(fp, "%s\n    {\"index\": %zu, \"type\": \"%s\", "
		    "\"section\": ", i ? "," : "", i, dm_ltype_name(l->type));
		dm_json_string(fp, l->sect->name);
		dm_layer_shown(net, i, &c, &classes);
		fprintf(fp, ", \"line\": %d, \"out_w\": %d, \"out_h\": %d, "
		    "\"out_c\": %d, \"outputs\": %lld, ", l->line,
		    l->next_w, l->next_h, c, c == l->next_c ?
		    (long long)l->next_inputs :
		    (long long)l->next_w * l->next_h * c);
		if (classes > 0)
			fprintf(fp, "\"classes\": %d, ", classes);
		if (w != NULL && w->is_weights &&
		    (in_file = layer_in_file(net, w, l)) != NULL)
			fprintf(fp, "\"in_file\": \"%s\", ", in_file);
		if (d != NULL)
			fprintf(fp, "\"status\": \"%s\", ",
			    dm_level_name(d->layer_level[i]));
		fputs("\"arrays\": [", fp);
		first = 1;
		for (j = l->first_array; j < l->first_array + l->narrays; j++) {
			const struct dm_array *a = &net->arrays[j];

			if (!dm_array_present(a))
				continue;
			dm_shape_format(a, shape, sizeof shape);
			fprintf(fp, "%s\n      {\"name\": \"%s\", \"count\": %"
			    PRIu64 ", \"offset\": %" PRIu64 ", \"shape\": %s, "
			    "\"stored\": \"%s\"", first ? "" : ",", a->name,
			    a->count, a->offset, shape, a->nperm > 0 ?
			    "permuted" : (a->flags & DM_ARRAY_FLIPPED) ||
			    ((a->flags & DM_ARRAY_TRANSPOSABLE) &&
			    net->transpose) ? "transposed" : "as-is");
			if (a->rename != NULL) {
				fputs(", \"rename\": ", fp);
				dm_json_string(fp, a->rename);
			}
			if (a->omit)
				fputs(", \"omit\": true", fp);
			if (d != NULL)
				json_stats(fp, &d->st[j], &d->ck[j]);
			fputs("}", fp);
			first = 0;
		}
		fputs(first ? "]}" : "\n    ]}", fp);
	}
	fputs("\n  ]\n}\n", fp);
}

static void
text_diag(FILE *fp, const struct dm_net *net, const struct dm_diag *d)
{
	size_t i;

	(void)net;
	if (d->first_bad >= 0)
		fprintf(fp, "data     implausible from layer %ld on: the "
		    "mapping probably goes wrong there\n", d->first_bad);
	else if (d->first_suspect >= 0)
		fprintf(fp, "data     first suspicious values in layer %ld\n",
		    d->first_suspect);
	else
		fprintf(fp, "data     every array looks plausible\n");
	for (i = 0; i < 2; i++)
		if (d->headers[i].scored)
			fprintf(fp, "header   %2u bytes: sizes %s, penalty %.1f\n",
			    d->headers[i].size, d->headers[i].fits ||
			    (d->size_diff == 0 && d->headers[i].size ==
			    net->header_size) ? "agree" : "differ",
			    d->headers[i].penalty);
	dm_diag_print_repairs(fp, d);
	if (d->summary[0] != '\0')
		fprintf(fp, "cause    %s%s\n", d->summary, d->ambiguous ?
		    "; 'darkmap fix --pick N' saves the one you choose" :
		    d->fit ? "; 'darkmap fix' saves this repair as a profile" :
		    "");
}

void
dm_diag_print_repairs(FILE *fp, const struct dm_diag *d)
{
	size_t i, j;

	for (i = 0; i < d->nhyps; i++) {
		const struct dm_hyp *h = &d->hyps[i];

		fprintf(fp, "repair   %zu. %s (penalty %.1f", i + 1, h->text,
		    h->penalty);
		if (h->nties > 0) {
			fputs("; ties with ", fp);
			for (j = 0; j < h->nties; j++)
				fprintf(fp, "%s%zu", j == 0 ? "" : j + 1 ==
				    h->nties ? " and " : ", ", h->ties[j] + 1);
		}
		if (h->why[0] != '\0')
			fprintf(fp, "; %s", h->why);
		fputs(")\n", fp);
	}
}

void
dm_fputs_printable(FILE *fp, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			putc(*p, fp);
	}
}

/* Where shell_word writes: a stream, or a buffer as snprintf does. */
struct word_sink {
	FILE	*fp;
	char	*buf;
	size_t	 len;
	size_t	 n;
};

static void
sink_puts(struct word_sink *k, const char *s)
{
	for (; *s != '\0'; s++, k->n++) {
		if (k->fp != NULL)
			putc(*s, k->fp);
		else if (k->n + 1 < k->len)
			k->buf[k->n] = *s;
	}
}

static void
shell_word(struct word_sink *k, const char *s, int operand)
{
	char c[2] = "";

	if (operand && s[0] == '-')
		sink_puts(k, "./");
	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+=:,@") == strlen(s)) {
		sink_puts(k, s);
		return;
	}
	sink_puts(k, "'");
	for (; *s != '\0'; s++) {
		c[0] = *s;
		sink_puts(k, *s == '\'' ? "'\\''" : c);
	}
	sink_puts(k, "'");
}

size_t
dm_shell_word(char *buf, size_t len, const char *s, int operand)
{
	struct word_sink k = { NULL, buf, len, 0 };

	shell_word(&k, s, operand);
	if (len > 0)
		buf[k.n < len ? k.n : len - 1] = '\0';
	return k.n;
}

void
dm_fputs_shell_word(FILE *fp, const char *s, int operand)
{
	struct word_sink k = { fp, NULL, 0, 0 };

	shell_word(&k, s, operand);
}

static void
report_text(FILE *fp, const struct dm_net *net, const struct dm_weights *w,
    const struct dm_verdict *v, const struct dm_diag *d)
{
	char shape[128], out[48];
	size_t i, j;
	int c, classes;

	fputs("cfg      ", fp);
	dm_fputs_printable(fp, net->cfg->path);
	fprintf(fp, " (%s dialect, %zu layers, %s layout)\n",
	    net->dialect == DM_DIALECT_AB ? "AlexeyAB" : "pjreddie",
	    net->nlayers, net->mode == DM_LAYOUT_LOAD ? "load" : "save");
	if (w != NULL) {
		fputs("weights  ", fp);
		dm_fputs_printable(fp, w->path);
		fprintf(fp, " (%" PRIu64 " bytes)\n", w->size);
	}
	fprintf(fp, "\n%5s  %-15s %-16s %5s  %-24s %12s %10s  %s\n", "layer",
	    "type", "output", "line", "array", "offset", "count", "shape");
	for (i = 0; i < net->nlayers; i++) {
		const struct dm_layer *l = &net->layers[i];
		int shown = 0;

		dm_layer_shown(net, i, &c, &classes);
		if (l->next_w || l->next_h || l->next_c)
			snprintf(out, sizeof out, "%dx%dx%d", l->next_w,
			    l->next_h, c);
		else
			snprintf(out, sizeof out, "%d", l->next_inputs);
		fprintf(fp, "%5zu  %-15s %-16s %5d", i,
		    l->type == DM_L_UNKNOWN ? l->label :
		    dm_ltype_name(l->type), out, l->line);
		for (j = l->first_array; j < l->first_array + l->narrays; j++) {
			const struct dm_array *a = &net->arrays[j];

			if (!dm_array_present(a))
				continue;
			dm_shape_format(a, shape, sizeof shape);
			if (shown)
				fprintf(fp, "%5s  %-15s %-16s %5s", "", "", "",
				    "");
			fprintf(fp, "  %-24s %12" PRIu64 " %10" PRIu64 "  %s",
			    a->name, a->offset, a->count, shape);
			if (d != NULL && d->ck[j].level != DM_LEVEL_OK)
				fprintf(fp, "  <- %s: %s",
				    dm_level_name(d->ck[j].level),
				    d->ck[j].note);
			fputc('\n', fp);
			shown = 1;
		}
		if (!shown)
			fputc('\n', fp);
	}
	fprintf(fp, "%5s  %-15s %-16s %5s  %-24s %12" PRIu64 " %10" PRIu64
	    "\n", "", "end", "", "", "", net->total_bytes, net->total_floats);
	fputc('\n', fp);
	if (w != NULL && w->is_weights && w->has_header)
		fprintf(fp, "header   version %" PRId32 ".%" PRId32 ".%" PRId32
		    ", seen %" PRIu64 ", %u bytes%s\n", w->hdr.major,
		    w->hdr.minor, w->hdr.revision, w->hdr.seen,
		    (unsigned)net->header_size, w->hdr.transpose ?
		    ", connected weights transposed" : "");
	else if (w == NULL)
		fprintf(fp, "header   assumed %u bytes (as Darknet writes it)\n",
		    (unsigned)net->header_size);
	fprintf(fp, "size     expected %" PRIu64 " bytes", net->total_bytes);
	if (w != NULL)
		fprintf(fp, ", file has %" PRIu64, w->size);
	fputc('\n', fp);
	fprintf(fp, "verdict  %s: ", dm_verdict_name(v->kind));
	dm_fputs_printable(fp, v->message);
	putc('\n', fp);
	if (d != NULL)
		text_diag(fp, net, d);
	for (i = 0; i < net->cfg->nwarnings + net->nwarnings; i++) {
		fputs("warning  ", fp);
		dm_fputs_printable(fp, i < net->cfg->nwarnings ?
		    net->cfg->warnings[i] :
		    net->warnings[i - net->cfg->nwarnings]);
		putc('\n', fp);
	}
}

int
dm_report_write(FILE *fp, enum dm_report_format fmt, const struct dm_net *net,
    const struct dm_weights *w, const struct dm_verdict *v,
    const struct dm_diag *d)
{
	switch (fmt) {
	case DM_REPORT_TSV:
		report_tsv(fp, net);
		break;
	case DM_REPORT_JSON:
		report_json(fp, net, w, v, d);
		break;
	default:
		report_text(fp, net, w, v, d);
		break;
	}
	return ferror(fp) ? -1 : 0;
}
