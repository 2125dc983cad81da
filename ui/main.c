/*
 * main.c - the darkmap program: command-line parsing and the commands.
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "net.h"
#include "report.h"
#include "weights.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2
#define EXIT_INPUT	3

static const char *progname = "darkmap";

static void
usage(FILE *fp)
{
	fprintf(fp,
"Usage: %s [OPTION]... CFG [WEIGHTS]\n"
"       %s inspect [OPTION]... CFG [WEIGHTS]\n"
"Show every layer of a Darknet cfg beside the byte range its tensors\n"
"occupy in the .weights file, and say whether the file fits the cfg.\n"
"\n"
"Commands:\n"
"  inspect           print the layer table, header and verdict\n"
"\n"
"Options:\n"
"  -d, --dialect=ab|pj       Darknet fork: ab (AlexeyAB, default) or pj\n"
"                            (pjreddie)\n"
"  -f, --format=text|tsv|json  report format (default text)\n"
"  -l, --layout=load|save    lay the file out as Darknet's loader reads it\n"
"                            (default) or as its writer writes it\n"
"  -h, --help                display this help and exit\n"
"  -V, --version             output version information and exit\n"
"\n"
"Exit status: 0 the weights match the cfg (or no WEIGHTS given), 1 they\n"
"do not, 2 usage error, 3 unreadable or invalid input.\n"
"See darkmap(1).\n", progname, progname);
}

static void
version(void)
{
	printf("darkmap %s\n", PACKAGE_VERSION);
}

static void warnx_usage(const char *, ...)
    __attribute__((format(printf, 1, 2)));

static void
warnx_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
}

struct opts {
	enum dm_dialect		 dialect;
	enum dm_report_format	 format;
	enum dm_layout_mode	 layout;
	const char		*cfg;
	const char		*weights;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dialect",	required_argument, NULL, 'd' },
		{ "format",	required_argument, NULL, 'f' },
		{ "layout",	required_argument, NULL, 'l' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+d:f:l:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (strcmp(optarg, "ab") == 0)
				o->dialect = DM_DIALECT_AB;
			else if (strcmp(optarg, "pj") == 0)
				o->dialect = DM_DIALECT_PJ;
			else {
				warnx_usage("invalid dialect '%s' (use ab or "
				    "pj)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = DM_REPORT_TEXT;
			else if (strcmp(optarg, "tsv") == 0)
				o->format = DM_REPORT_TSV;
			else if (strcmp(optarg, "json") == 0)
				o->format = DM_REPORT_JSON;
			else {
				warnx_usage("invalid format '%s' (use text, "
				    "tsv or json)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			if (strcmp(optarg, "load") == 0)
				o->layout = DM_LAYOUT_LOAD;
			else if (strcmp(optarg, "save") == 0)
				o->layout = DM_LAYOUT_SAVE;
			else {
				warnx_usage("invalid layout '%s' (use load or "
				    "save)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			version();
			exit(0);
		default:
			fprintf(stderr, "Try '%s --help' for more "
			    "information.\n", progname);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2) {
		warnx_usage("%s", argc < 1 ? "missing CFG operand" :
		    "too many operands");
		return EXIT_USAGE;
	}
	o->cfg = argv[0];
	o->weights = argc > 1 ? argv[1] : NULL;
	return 0;
}

static int
verdict_exit(const struct dm_verdict *v)
{
	switch (v->kind) {
	case DM_V_NONE:
	case DM_V_EXACT:
		return 0;
	case DM_V_NOT_WEIGHTS:
		return EXIT_INPUT;
	default:
		return EXIT_MISMATCH;
	}
}

static int
cmd_inspect(int argc, char **argv)
{
	struct opts o = { DM_DIALECT_AB, DM_REPORT_TEXT, DM_LAYOUT_LOAD,
	    NULL, NULL };
	struct dm_error err;
	struct dm_net *net;
	struct dm_weights *w = NULL;
	struct dm_verdict v;
	unsigned hsize = 20;
	int rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc;
	dm_error_clear(&err);
	if ((net = dm_net_load(o.cfg, o.dialect, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return dm_status_exit(err.code);
	}
	if (o.weights != NULL) {
		if ((w = dm_weights_open(o.weights, o.dialect, &err)) == NULL) {
			fprintf(stderr, "%s: %s\n", progname, err.msg);
			dm_net_free(net);
			return dm_status_exit(err.code);
		}
		if (w->is_weights && w->has_header)
			hsize = w->hdr.size;
	}
	if (dm_net_layout(net, hsize, o.layout, &err) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		dm_weights_close(w);
		dm_net_free(net);
		return dm_status_exit(err.code);
	}
	dm_verdict_compute(net, w, &v);
	if (dm_report_write(stdout, o.format, net, w, &v) == -1 ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "%s: write error on standard output\n",
		    progname);
		rc = EXIT_INPUT;
	} else
		rc = verdict_exit(&v);
	if (v.kind == DM_V_NOT_WEIGHTS)
		fprintf(stderr, "%s: %s\n", progname, v.message);
	dm_weights_close(w);
	dm_net_free(net);
	return rc;
}

int
main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "");
	if (argc > 1 && strcmp(argv[1], "inspect") == 0)
		return cmd_inspect(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "-V") == 0)) {
		version();
		return 0;
	}
	/* Without a command: the report (the interface comes later). */
	return cmd_inspect(argc, argv);
}
