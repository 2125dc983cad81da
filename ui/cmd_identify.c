/*
 * cmd_identify.c - darkmap identify: which cfg goes with a weights file.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "identify.h"
#include "report.h"
#include "sketch.h"
#include "weights.h"

#define EXIT_NOFIT	1
#define EXIT_USAGE	2
#define EXIT_INPUT	3
#define TEXT_SHOWN	5	/* candidates the text report shows */
#define CLOSEST_SHOWN	5	/* layouts that do not fit, shown */

static void msg(const char *, ...) __attribute__((format(printf, 1, 2)));

/* "darkmap: " and the message on stderr, control characters escaped. */
static void
msg(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs("darkmap: ", stderr);
	dm_fputs_printable(stderr, buf);
	fputc('\n', stderr);
}

static int
usage_error(const char *text)
{
	msg("%s", text);
	fprintf(stderr, "Try 'darkmap identify --help' for more "
	    "information.\n");
	return EXIT_USAGE;
}

/* Writes s for a shell: as is when safe, else in single quotes. */
static void
shell_word(FILE *fp, const char *s)
{
	const char *p;

	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+=:,@") == strlen(s)) {
		fputs(s, fp);
		return;
	}
	fputc('\'', fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", fp);
		else
			fputc(*p, fp);
	}
	fputc('\'', fp);
}

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

/* The command that opens a candidate, on one line of fp. */
static void
open_command(FILE *fp, const struct dm_cand *c, size_t rank,
    const char *weights)
{
	char name[512];

	if (c->nchanges == 0) {
		fprintf(fp, "darkmap -d %s ", dialect_name(c->dialect));
		if (c->hsize != c->hsize_rule)
			fprintf(fp, "--header=%u ", c->hsize);
		shell_word(fp, dm_cand_cfg(c));
		fputc(' ', fp);
		shell_word(fp, weights);
		return;
	}
	stem(c->entry->names[0], name, sizeof name);
	snprintf(name + strlen(name), sizeof name - strlen(name), "-%d.cfg",
	    c->classes);
	fprintf(fp, "darkmap identify -d %s ", dialect_name(c->dialect));
	if (rank > 1)
		fprintf(fp, "--candidate=%zu ", rank);
	fputs("--write-cfg=", fp);
	shell_word(fp, name);
	fputc(' ', fp);
	shell_word(fp, weights);
	fprintf(fp, " && darkmap -d %s ", dialect_name(c->dialect));
	if (c->hsize != c->hsize_rule)
		fprintf(fp, "--header=%u ", c->hsize);
	shell_word(fp, name);
	fputc(' ', fp);
	shell_word(fp, weights);
}

static void
text_header(FILE *fp, const char *weights, const struct dm_ident *id,
    const struct dm_catalog *cat)
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
    const char *weights)
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
	if (c->note[0] != '\0') {
		fputs("   note       ", fp);
		dm_fputs_printable(fp, c->note);
		fputc('\n', fp);
	}
	fputs("   open       ", fp);
	open_command(fp, c, rank, weights);
	fputc('\n', fp);
}

static void
text_closest(FILE *fp, const struct dm_ident *id)
{
	const struct dm_cand *c;
	size_t i;

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

static void
sketch_text(FILE *fp, const struct dm_sketch *sk)
{
	const struct dm_sk_layer *l;
	size_t i;

	fprintf(fp, "\nblind sketch: %zu conv layers read from the data "
	    "alone, %" PRIu64 " of %" PRIu64 " floats explained%s\n",
	    sk->n, sk->explained, sk->floats,
	    sk->explained == sk->floats ? " (all)" : "");
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
    const char *weights)
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
	fputs(",\"changes\":[", fp);
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
		    "\"layers\":%ld,\"plausible\":%s,\"score\":%.1f",
		    c->plausible_layers, c->suspect_layers, c->layers,
		    c->plausible ? "true" : "false", c->score);
	else
		fprintf(fp, ",\"missing_floats\":%" PRId64 ",\"agreeing_conv_"
		    "layers\":%ld", -c->diff, c->agree);
	fputs(",\"note\":", fp);
	dm_json_string(fp, c->note);
	if (c->fit != DM_FIT_NONE && (mf = open_memstream(&cmd, &len)) !=
	    NULL) {
		open_command(mf, c, rank, weights);
		fclose(mf);
		fputs(",\"command\":", fp);
		dm_json_string(fp, cmd);
		free(cmd);
	}
	fputc('}', fp);
}

static void
json_report(FILE *fp, const char *weights, const struct dm_ident *id,
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
		json_cand(fp, &id->cands[i], i + 1, weights);
	}
	fputs("],\"closest\":[", fp);
	for (i = 0; i < id->nclosest; i++) {
		if (i)
			fputc(',', fp);
		json_cand(fp, &id->closest[i], 0, weights);
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

/* Adds the folders of a colon-separated list; missing ones warned of. */
static int
add_path_list(struct dm_catalog *cat, const char *list, unsigned dialects,
    struct dm_error *err)
{
	char *copy, *p, *tok, *save = NULL;
	int rc = 0;

	if ((copy = strdup(list)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (p = copy; (tok = strtok_r(p, ":", &save)) != NULL; p = NULL) {
		if (dm_catalog_add(cat, tok, dialects, 0, err) == -1) {
			if (err->code == DM_ERR_NOMEM) {
				rc = -1;
				break;
			}
			msg("warning: DARKMAP_CFG_PATH: %s", err->msg);
			dm_error_clear(err);
		}
	}
	free(copy);
	return rc;
}

static void
usage(void)
{
	printf(
"Usage: darkmap identify [OPTION]... WEIGHTS [CFG|DIR]...\n"
"Find the cfgs that explain a Darknet weights file: the network, the fork\n"
"and the class count, best first, with the command that opens each.  The\n"
"cfgs and folders given are searched, then --catalog folders,\n"
"DARKMAP_CFG_PATH and the catalogue of both forks' cfgs.  When none fits,\n"
"the conv layers are read from the data alone.\n"
"\n"
"  -d, --dialect=ab|pj       try only this Darknet fork (default: both)\n"
"  -f, --format=FORMAT       text, tsv or json (default text)\n"
"      --catalog=DIR         search DIR too (repeatable)\n"
"      --write-cfg=OUT       write the first candidate's cfg, its changes\n"
"                            applied, to OUT\n"
"      --candidate=N         with --write-cfg: the Nth candidate instead\n"
"      --sketch=OUT.cfg      read the file blind and write a draft cfg\n"
"  -h, --help                display this help and exit\n"
"  -V, --version             output version information and exit\n"
"\n"
"Exit status: 0 a candidate fits and reads plausibly, 1 none does,\n"
"2 usage error, 3 unreadable or invalid input.  See darkmap(1).\n");
}

enum { OPT_CATALOG = 256, OPT_WRITE_CFG, OPT_SKETCH, OPT_CANDIDATE };

int
cmd_identify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dialect",	required_argument, NULL, 'd' },
		{ "format",	required_argument, NULL, 'f' },
		{ "catalog",	required_argument, NULL, OPT_CATALOG },
		{ "write-cfg",	required_argument, NULL, OPT_WRITE_CFG },
		{ "candidate",	required_argument, NULL, OPT_CANDIDATE },
		{ "sketch",	required_argument, NULL, OPT_SKETCH },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *defaults[4], *write_cfg = NULL, *sketch_out = NULL;
	const char *format = "text", *env, **inputs = NULL;
	char **catalogs = NULL;
	struct dm_catalog *cat = NULL;
	struct dm_weights *w = NULL;
	struct dm_sketch sk;
	struct dm_ident id;
	struct dm_error err;
	unsigned dialects = DM_DIALECTS_ALL;
	size_t ncat = 0, i, nd, pick = 1;
	int ch, rc = EXIT_INPUT, have_id = 0, have_sk = 0, fits;
	char *end;
	long v;

	memset(&id, 0, sizeof id);
	memset(&sk, 0, sizeof sk);
	dm_error_clear(&err);
	if ((catalogs = calloc((size_t)argc + 1, sizeof *catalogs)) == NULL) {
		msg("out of memory");
		return EXIT_INPUT;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:f:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			if (strcmp(optarg, "ab") == 0)
				dialects = DM_DIALECT_BIT(DM_DIALECT_AB);
			else if (strcmp(optarg, "pj") == 0)
				dialects = DM_DIALECT_BIT(DM_DIALECT_PJ);
			else {
				free(catalogs);
				return usage_error("invalid dialect (use ab or "
				    "pj)");
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "tsv") != 0 &&
			    strcmp(optarg, "json") != 0) {
				free(catalogs);
				return usage_error("invalid format (use text, "
				    "tsv or json)");
			}
			format = optarg;
			break;
		case OPT_CATALOG:
			catalogs[ncat++] = optarg;
			break;
		case OPT_WRITE_CFG:
			write_cfg = optarg;
			break;
		case OPT_SKETCH:
			sketch_out = optarg;
			break;
		case OPT_CANDIDATE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 1000000) {
				free(catalogs);
				return usage_error("invalid --candidate (use a "
				    "rank from 1)");
			}
			pick = (size_t)v;
			break;
		case 'h':
			free(catalogs);
			usage();
			return 0;
		case 'V':
			free(catalogs);
			printf("darkmap %s\n", PACKAGE_VERSION);
			return 0;
		default:
			free(catalogs);
			fprintf(stderr, "Try 'darkmap identify --help' for more "
			    "information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(catalogs);
		return usage_error("missing WEIGHTS operand");
	}
	if (pick > 1 && write_cfg == NULL) {
		free(catalogs);
		return usage_error("--candidate is for --write-cfg");
	}
	if ((w = dm_weights_open(argv[optind], DM_DIALECT_AB, &err)) == NULL)
		goto fail;
	if (!w->is_weights) {
		if (strncmp(w->what, "this is a Darknet cfg", 21) == 0)
			msg("%s: this is a Darknet cfg file, not weights: "
			    "identify takes the weights file first, then "
			    "any cfgs or folders to search", argv[optind]);
		else
			msg("%s: %s", argv[optind], w->what);
		rc = EXIT_INPUT;
		goto out;
	}
	if ((cat = dm_catalog_new()) == NULL) {
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = (size_t)optind + 1; i < (size_t)argc; i++)
		if (dm_catalog_add(cat, argv[i], dialects, 1, &err) == -1)
			goto fail;
	for (i = 0; i < ncat; i++)
		if (dm_catalog_add(cat, catalogs[i], dialects, 0, &err) == -1)
			goto fail;
	if ((env = getenv("DARKMAP_CFG_PATH")) != NULL &&
	    add_path_list(cat, env, dialects, &err) == -1)
		goto fail;
	nd = dm_catalog_default(defaults, 4);
	for (i = 0; i < nd; i++)
		if (dm_catalog_add(cat, defaults[i], dialects, 0, &err) == -1)
			goto fail;
	for (i = 0; i < cat->nwarnings; i++)
		msg("warning: %s", cat->warnings[i]);
	if (dm_identify(w, cat, dialects, &id, &err) == -1)
		goto fail;
	have_id = 1;
	fits = id.ncands > 0 && id.cands[0].plausible;
	if (!fits || sketch_out != NULL) {
		if (dm_sketch(w, id.hdr.size, &sk, &err) == -1)
			goto fail;
		have_sk = 1;
	}
	if (have_sk)
		dm_ident_compare_sketch(&id, &sk, CLOSEST_SHOWN);
	else if (id.nclosest > CLOSEST_SHOWN)
		id.nclosest = CLOSEST_SHOWN;
	if (strcmp(format, "json") == 0)
		json_report(stdout, argv[optind], &id, have_sk ? &sk : NULL);
	else if (strcmp(format, "tsv") == 0)
		tsv_report(stdout, &id);
	else {
		text_header(stdout, argv[optind], &id, cat);
		for (i = 0; i < id.ncands && i < TEXT_SHOWN; i++)
			text_cand(stdout, &id.cands[i], i + 1, argv[optind]);
		if (id.ncands > TEXT_SHOWN)
			printf("\n(%zu more candidates: see --format=json)\n",
			    id.ncands - TEXT_SHOWN);
		if (id.ncands == 0)
			printf("\nno cfg fits the size of the file\n");
		else if (!fits)
			printf("\nthe size fits, but the data does not read "
			    "plausibly along any of them\n");
		if (!fits)
			text_closest(stdout, &id);
		if (have_sk)
			sketch_text(stdout, &sk);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg("write error on standard output");
		rc = EXIT_INPUT;
		goto out;
	}
	rc = fits ? 0 : EXIT_NOFIT;
	/*
	 * An output must not be any file read: the weights, each operand
	 * and every cfg read from the catalogue and the folders.
	 */
	if ((inputs = calloc((size_t)argc + cat->nfiles + 1,
	    sizeof *inputs)) == NULL) {
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	nd = 0;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		inputs[nd++] = argv[i];
	for (i = 0; i < cat->nfiles; i++)
		inputs[nd++] = cat->files[i];
	inputs[nd] = NULL;
	if (write_cfg != NULL) {
		if (pick > id.ncands) {
			msg("%s: no candidate %zu to write (%zu fit the file)",
			    argv[optind], pick, id.ncands);
			rc = EXIT_NOFIT;
		} else if (dm_cand_write_cfg(&id.cands[pick - 1], write_cfg,
		    inputs, &err) == -1)
			goto fail;
	}
	if (sketch_out != NULL && sk.n == 0)
		msg("%s: no conv layer reads from its start; %s not written",
		    argv[optind], sketch_out);
	else if (sketch_out != NULL && dm_sketch_write_cfg(&sk, sketch_out,
	    inputs, &err) == -1)
		goto fail;
	goto out;
fail:
	msg("%s", err.msg);
	rc = dm_status_exit(err.code == DM_OK ? DM_ERR_INVALID : err.code);
out:
	if (have_id)
		dm_ident_release(&id);
	if (have_sk)
		dm_sketch_release(&sk);
	free(inputs);
	dm_catalog_free(cat);
	dm_weights_close(w);
	free(catalogs);
	return rc;
}

int
cmd_identify_hint(const char *path)
{
	struct dm_weights *w;
	struct dm_error err;
	int is;

	dm_error_clear(&err);
	if ((w = dm_weights_open(path, DM_DIALECT_AB, &err)) == NULL)
		return 0;
	/* Text in UTF-16 passes the probe; its "version" is not small. */
	is = w->is_weights && w->has_header && w->hdr.major >= 0 &&
	    w->hdr.major <= 2000 && w->hdr.minor >= 0 &&
	    w->hdr.minor <= 2000 && w->hdr.revision >= 0 &&
	    w->hdr.revision <= 100000;
	dm_weights_close(w);
	if (is)
		msg("%s: this looks like a weights file, not a cfg: 'darkmap "
		    "identify %s' finds the cfgs that fit it", path, path);
	return is;
}
