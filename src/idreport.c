/*
 * idreport.c - the report of identify in its three formats: text for
 * people (the command and the interface's identify screen), tsv, json.
 */
#include "config.h"

#include "identify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sketch.h"

#define TEXT_SHOWN	5	/* candidates the text report shows */

static const char *
dialect_name(enum dm_dialect d)
{
	return d == DM_DIALECT_PJ ? "pj" : "ab";
}

/* The base name of path without ".cfg", into buf. */
static void
stem(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".cfg") == 0)
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, b);
}

/*
 * "darkmap identify" with the search's options and weights, as fp's next
 * words: the same search, in which candidates keep their ranks.  With
 * write_cfg, the candidate of that rank is written there; format is
 * NULL or a --format.
 */
static void
identify_command(FILE *fp, const struct dm_ident_search *search,
    unsigned dialects, const char *format, size_t rank,
    const char *write_cfg, const char *weights)
{
	size_t i;

	fputs("darkmap identify", fp);
	if (dialects == DM_DIALECT_BIT(DM_DIALECT_AB))
		fputs(" -d ab", fp);
	else if (dialects == DM_DIALECT_BIT(DM_DIALECT_PJ))
		fputs(" -d pj", fp);
	if (format != NULL)
		fprintf(fp, " --format=%s", format);
	if (write_cfg != NULL && rank > 1)
		fprintf(fp, " --candidate=%zu", rank);
	for (i = 0; search != NULL && i < search->ncatalogs; i++) {
		fputs(" --catalog=", fp);
		dm_fputs_shell_word(fp, search->catalogs[i], 0);
	}
	if (write_cfg != NULL) {
		fputs(" --write-cfg=", fp);
		dm_fputs_shell_word(fp, write_cfg, 0);
	}
	fputc(' ', fp);
	dm_fputs_shell_word(fp, weights, 1);
	for (i = 0; search != NULL && i < search->noperands; i++) {
		fputc(' ', fp);
		dm_fputs_shell_word(fp, search->operands[i], 1);
	}
}

/* The command that opens a candidate, on one line of fp. */
static void
open_command(FILE *fp, const struct dm_cand *c, size_t rank,
    const char *weights, const struct dm_ident_search *search)
{
	char name[512];

	if (c->nchanges == 0) {
		fprintf(fp, "darkmap -d %s ", dialect_name(c->dialect));
		if (c->hsize != c->hsize_rule)
			fprintf(fp, "--header=%u ", c->hsize);
		dm_fputs_shell_word(fp, dm_cand_cfg(c), 1);
		fputc(' ', fp);
		dm_fputs_shell_word(fp, weights, 1);
		return;
	}
	stem(c->entry->names[0], name, sizeof name);
	snprintf(name + strlen(name), sizeof name - strlen(name), "-%d.cfg",
	    c->classes);
	identify_command(fp, search, c->searched, NULL, rank, name, weights);
	fprintf(fp, " && darkmap -d %s ", dialect_name(c->dialect));
	if (c->hsize != c->hsize_rule)
		fprintf(fp, "--header=%u ", c->hsize);
	dm_fputs_shell_word(fp, name, 1);
	fputc(' ', fp);
	dm_fputs_shell_word(fp, weights, 1);
}

void
dm_ident_text_header(FILE *fp, const char *weights,
    const struct dm_ident *id, const struct dm_catalog *cat)
{
	const struct dm_header *h = &id->hdr;

	fputs("file       ", fp);
	dm_fputs_printable(fp, weights);
	fprintf(fp, ": %" PRIu64 " bytes\n", id->size);
	fprintf(fp, "header     %d.%d.%d, seen %" PRIu64 " (%u bytes), %s: %s\n",
	    h->major, h->minor, h->revision, h->seen, h->size - 12,
	    h->transpose ? "transposed" : "not transposed", id->writer_note);
	if (id->seen_high)
		fprintf(fp, "           seen's upper half is not zero: perhaps "
		    "a 4-byte seen (a 32-bit build); a 16-byte header is "
		    "tried too\n");
	if (id->hsize[0] != id->hsize[1])
		fprintf(fp, "           AlexeyAB reads a %u-byte header, "
		    "pjreddie a %u-byte one\n", id->hsize[0], id->hsize[1]);
	fprintf(fp, "data       %" PRIu64 " floats after the %u-byte header%s\n",
	    id->size >= h->size ? (id->size - h->size) / 4 : 0, h->size,
	    id->size >= h->size && (id->size - h->size) % 4 != 0 ?
	    " and a partial float" : "");
	fprintf(fp, "searched   %zu cfgs, %zu layouts\n", cat->nfiles,
	    cat->n);
}

static void
text_cand(FILE *fp, const struct dm_cand *c, size_t rank,
    const char *weights, const struct dm_ident_search *search)
{
	char sum[1024];
	size_t i, n;

	fprintf(fp, "\n%zu. ", rank);
	dm_fputs_printable(fp, dm_cand_cfg(c));
	fprintf(fp, "  (score %.1f)\n", c->score);
	for (i = 0, n = 0; i < c->entry->nnames; i++) {
		if (strcmp(c->entry->names[i], dm_cand_cfg(c)) == 0)
			continue;
		fputs(n++ == 0 ? "   same as    " : "              ", fp);
		dm_fputs_printable(fp, c->entry->names[i]);
		fputc('\n', fp);
	}
	fprintf(fp, "   dialect    %s\n", dialect_name(c->dialect));
	if (c->classes >= 0)
		fprintf(fp, "   classes    %d\n", c->classes);
	if (c->nalts > 0) {
		fprintf(fp, "   assumes    %d anchors per head, as the cfg has; ",
		    c->anchors);
		for (i = 0; i < c->nalts; i++)
			fprintf(fp, "%s%d->%d", i ? ", " : "",
			    c->alts[i].anchors, c->alts[i].classes);
		fprintf(fp, " classes fit the same bytes\n");
	}
	dm_cand_summary(c, sum, sizeof sum);
	if (sum[0] != '\0') {
		fputs("   changes    ", fp);
		dm_fputs_printable(fp, sum);
		fputc('\n', fp);
	}
	if (c->hsize != c->hsize_rule)
		fprintf(fp, "   header     read as %u bytes, not the %u the "
		    "version gives: a 4-byte seen\n", c->hsize, c->hsize_rule);
	if (c->fit == DM_FIT_PARTIAL)
		fprintf(fp, "   fit        partial: cutoff %ld (layers 0-%ld, "
		    "as Darknet's partial writes them)\n", c->cutoff,
		    c->cutoff - 1);
	else
		fprintf(fp, "   fit        exact\n");
	fprintf(fp, "   plausible  %ld of %ld layers read well",
	    c->plausible_layers, c->layers);
	if (c->suspect_layers > 0)
		fprintf(fp, ", %ld suspect (all zero, or no array as it "
		    "should be)", c->suspect_layers);
	fprintf(fp, "%s\n", c->plausible ? "" : ": implausible");
	if (c->tied)
		fputs("   tie        the data rates it as the candidate next "
		    "to it: only where each was found and its name set the "
		    "order\n", fp);
	if (c->note[0] != '\0') {
		fputs("   note       ", fp);
		dm_fputs_printable(fp, c->note);
		fputc('\n', fp);
	}
	fputs("   open       ", fp);
	open_command(fp, c, rank, weights, search);
	fputc('\n', fp);
}

void
dm_ident_text_cand(FILE *fp, const struct dm_cand *c, size_t rank,
    const char *weights)
{
	text_cand(fp, c, rank, weights, NULL);
}

void
dm_ident_text_nofit(FILE *fp, const struct dm_ident *id)
{
	const struct dm_cand *c;
	size_t i;

	if (id->ncands == 0)
		fprintf(fp, "\nno cfg fits the size of the file\n");
	else if (id->cands[0].plausible)
		return;
	else
		fprintf(fp, "\nthe size fits, but the data does not read "
		    "plausibly along any of them\n");
	if (id->nclosest == 0)
		return;
	fputs("\nclosest, and why they do not fit:\n", fp);
	for (i = 0; i < id->nclosest; i++) {
		c = &id->closest[i];
		fputs("   ", fp);
		dm_fputs_printable(fp, dm_cand_cfg(c));
		fprintf(fp, " (%s): ", dialect_name(c->dialect));
		dm_fputs_printable(fp, c->note);
		fputc('\n', fp);
	}
}

/* The line above the sketch's layers: what is read, how much. */
static void
sketch_head(FILE *fp, const struct dm_sketch *sk, const char *what)
{
	fprintf(fp, "\nblind %s: %zu conv layers read from the data "
	    "alone, %" PRIu64 " of %" PRIu64 " floats explained%s\n", what,
	    sk->n, sk->explained, sk->floats,
	    sk->explained == sk->floats ? " (all)" : "");
}

void
dm_ident_text_segments(FILE *fp, const struct dm_sketch *sk)
{
	const struct dm_sk_layer *l;
	uint64_t end = sk->hsize + 4 * sk->explained, to;
	size_t i;

	sketch_head(fp, sk, "segmentation");
	for (i = 0; i < sk->n; i++) {
		l = &sk->layers[i];
		to = i + 1 < sk->n ? sk->layers[i + 1].offset : end;
		fprintf(fp, "   %3zu  bytes %" PRIu64 "-%" PRIu64 "  conv "
		    "%dx%dx%dx%d%s\n", i, l->offset, to, l->filters,
		    l->channels, l->size, l->size, l->batch_normalize ?
		    "  batch norm" : "");
	}
	if (sk->explained < sk->floats)
		fprintf(fp, "        bytes %" PRIu64 "-%" PRIu64 "  not read: "
		    "%s\n", end, (uint64_t)sk->hsize + 4 * sk->floats,
		    sk->stop[0] != '\0' ? sk->stop : "no conv layer fits");
}

static void
sketch_text(FILE *fp, const struct dm_sketch *sk)
{
	const struct dm_sk_layer *l;
	size_t i;

	sketch_head(fp, sk, "sketch");
	for (i = 0; i < sk->n; i++) {
		l = &sk->layers[i];
		fprintf(fp, "   %3zu conv  filters %-5d size %d  input %-5d "
		    "%s  at byte %" PRIu64 "\n", i, l->filters, l->size,
		    l->channels, l->batch_normalize ? "bn" : "  ",
		    l->offset);
	}
	if (sk->stop[0] != '\0')
		fprintf(fp, "   stopped: %s\n", sk->stop);
}

static void
json_cand(FILE *fp, const struct dm_cand *c, size_t rank,
    const char *weights, const struct dm_ident_search *search)
{
	const struct dm_change *ch;
	char *cmd = NULL;
	size_t i, len = 0;
	FILE *mf;

	fputs("{\"cfg\":", fp);
	dm_json_string(fp, dm_cand_cfg(c));
	fputs(",\"names\":[", fp);
	for (i = 0; i < c->entry->nnames; i++) {
		if (i)
			fputc(',', fp);
		dm_json_string(fp, c->entry->names[i]);
	}
	fprintf(fp, "],\"dialect\":\"%s\",\"classes\":", dialect_name(
	    c->dialect));
	if (c->classes >= 0)
		fprintf(fp, "%d", c->classes);
	else
		fputs("null", fp);
	fputs(",\"alternatives\":[", fp);
	for (i = 0; i < c->nalts; i++)
		fprintf(fp, "%s{\"anchors\":%d,\"classes\":%d}", i ? "," : "",
		    c->alts[i].anchors, c->alts[i].classes);
	fputs("],\"changes\":[", fp);
	for (i = 0; i < c->nchanges; i++) {
		ch = &c->changes[i];
		fprintf(fp, "%s{\"layer\":%ld,\"line\":%d,\"key\":", i ? "," :
		    "", ch->layer, ch->line);
		dm_json_string(fp, ch->key);
		fputs(",\"from\":", fp);
		if (ch->from[0] != '\0')
			dm_json_string(fp, ch->from);
		else
			fputs("null", fp);
		fputs(",\"to\":", fp);
		dm_json_string(fp, ch->to);
		fputc('}', fp);
	}
	fprintf(fp, "],\"header_size\":%u,\"fit\":\"%s\",\"cutoff\":",
	    c->hsize, dm_fit_name(c->fit));
	if (c->fit == DM_FIT_PARTIAL)
		fprintf(fp, "%ld", c->cutoff);
	else
		fputs("null", fp);
	if (c->fit != DM_FIT_NONE)
		fprintf(fp, ",\"plausible_layers\":%ld,\"suspect_layers\":%ld,"
		    "\"layers\":%ld,\"plausible\":%s,\"score\":%.1f,"
		    "\"tied\":%s", c->plausible_layers, c->suspect_layers,
		    c->layers, c->plausible ? "true" : "false", c->score,
		    c->tied ? "true" : "false");
	else
		fprintf(fp, ",\"missing_floats\":%" PRId64 ",\"agreeing_conv_"
		    "layers\":%ld", -c->diff, c->agree);
	fputs(",\"note\":", fp);
	dm_json_string(fp, c->note);
	if (c->fit != DM_FIT_NONE && (mf = open_memstream(&cmd, &len)) !=
	    NULL) {
		open_command(mf, c, rank, weights, search);
		fclose(mf);
		fputs(",\"command\":", fp);
		dm_json_string(fp, cmd);
		free(cmd);
	}
	fputc('}', fp);
}

static void
json_report(FILE *fp, const char *weights,
    const struct dm_ident_search *search, const struct dm_ident *id,
    const struct dm_sketch *sk)
{
	const struct dm_header *h = &id->hdr;
	size_t i;

	fputs("{\"file\":", fp);
	dm_json_string(fp, weights);
	fprintf(fp, ",\"size\":%" PRIu64 ",\"header\":{\"major\":%d,"
	    "\"minor\":%d,\"revision\":%d,\"seen\":%" PRIu64 ",\"size\":%u,"
	    "\"transpose\":%s,\"writer\":", id->size, h->major, h->minor,
	    h->revision, h->seen, h->size, h->transpose ? "true" : "false");
	dm_json_string(fp, id->writer_note);
	fputs("},\"candidates\":[", fp);
	for (i = 0; i < id->ncands; i++) {
		if (i)
			fputc(',', fp);
		json_cand(fp, &id->cands[i], i + 1, weights, search);
	}
	fputs("],\"closest\":[", fp);
	for (i = 0; i < id->nclosest; i++) {
		if (i)
			fputc(',', fp);
		json_cand(fp, &id->closest[i], 0, weights, search);
	}
	fputc(']', fp);
	if (sk != NULL) {
		fprintf(fp, ",\"sketch\":{\"floats\":%" PRIu64 ",\"explained\":%"
		    PRIu64 ",\"layers\":[", sk->floats, sk->explained);
		for (i = 0; i < sk->n; i++)
			fprintf(fp, "%s{\"filters\":%d,\"size\":%d,"
			    "\"channels\":%d,\"batch_normalize\":%d,"
			    "\"offset\":%" PRIu64 "}", i ? "," : "",
			    sk->layers[i].filters, sk->layers[i].size,
			    sk->layers[i].channels,
			    sk->layers[i].batch_normalize,
			    sk->layers[i].offset);
		fputs("],\"stop\":", fp);
		dm_json_string(fp, sk->stop);
		fputc('}', fp);
	}
	fputs("}\n", fp);
}

static void
tsv_report(FILE *fp, const struct dm_ident *id)
{
	const struct dm_cand *c;
	char sum[1024];
	size_t i;

	fputs("rank\tscore\tfit\tcutoff\tdialect\tclasses\tplausible_layers\t"
	    "layers\tcfg\tchanges\n", fp);
	for (i = 0; i < id->ncands; i++) {
		c = &id->cands[i];
		dm_cand_summary(c, sum, sizeof sum);
		fprintf(fp, "%zu\t%.1f\t%s\t", i + 1, c->score,
		    dm_fit_name(c->fit));
		if (c->fit == DM_FIT_PARTIAL)
			fprintf(fp, "%ld", c->cutoff);
		fprintf(fp, "\t%s\t", dialect_name(c->dialect));
		if (c->classes >= 0)
			fprintf(fp, "%d", c->classes);
		fprintf(fp, "\t%ld\t%ld\t", c->plausible_layers, c->layers);
		dm_fputs_printable(fp, dm_cand_cfg(c));
		fputc('\t', fp);
		dm_fputs_printable(fp, sum);
		fputc('\n', fp);
	}
}

static void
text_report(FILE *fp, const char *weights,
    const struct dm_ident_search *search, const struct dm_ident *id,
    const struct dm_catalog *cat, const struct dm_sketch *sk)
{
	size_t i;

	dm_ident_text_header(fp, weights, id, cat);
	for (i = 0; i < id->ncands && i < TEXT_SHOWN; i++)
		text_cand(fp, &id->cands[i], i + 1, weights, search);
	if (id->ncands > TEXT_SHOWN) {
		fprintf(fp, "\n(%zu more candidates: see ",
		    id->ncands - TEXT_SHOWN);
		identify_command(fp, search, id->cands[0].searched, "json", 0,
		    NULL, weights);
		fputs(")\n", fp);
	}
	dm_ident_text_nofit(fp, id);
	if (sk != NULL)
		sketch_text(fp, sk);
}

void
dm_ident_report(FILE *fp, enum dm_report_format fmt, const char *weights,
    const struct dm_ident_search *search, const struct dm_ident *id,
    const struct dm_catalog *cat, const struct dm_sketch *sk)
{
	switch (fmt) {
	case DM_REPORT_JSON:
		json_report(fp, weights, search, id, sk);
		break;
	case DM_REPORT_TSV:
		tsv_report(fp, id);
		break;
	default:
		text_report(fp, weights, search, id, cat, sk);
		break;
	}
}
