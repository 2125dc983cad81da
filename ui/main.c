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
#include <unistd.h>

#include "error.h"
#include "export.h"
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
"  convert           write the tensors as .pt, .safetensors, .npz or a clean\n"
"                    .weights: convert [OPTION]... CFG WEIGHTS -o OUT\n"
"\n"
"Options:\n"
"  -d, --dialect=ab|pj       Darknet fork: ab (AlexeyAB, default) or pj\n"
"                            (pjreddie)\n"
"  -f, --format=text|tsv|json  report format (default text)\n"
"  -l, --layout=load|save    lay the file out as Darknet's loader reads it\n"
"                            (default) or as its writer writes it\n"
"\n"
"convert options (--format then means the output format):\n"
"  -f, --format=pt|safetensors|npz|weights  (default: from OUT's extension)\n"
"  -o, --output=OUT          the file to write (replaced only on success)\n"
"  -n, --names=SCHEME|TEMPLATE  darkmap (default), ultralytics,\n"
"                            eriklindernoren, tianxiaomo, or a template with\n"
"                            {layer} {conv} {type} {name} {array}\n"
"      --dtype=float32|float16  element type of pt, safetensors and npz\n"
"      --wrap=model          .pt: {'model': state_dict, ...} as ultralytics\n"
"      --force               export a file that does not match its cfg\n"
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
	int			 convert;
	const char		*format_name;
	const char		*output;
	const char		*names;
	const char		*dtype;
	int			 wrap_model;
	int			 force;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dialect",	required_argument, NULL, 'd' },
		{ "format",	required_argument, NULL, 'f' },
		{ "layout",	required_argument, NULL, 'l' },
		{ "output",	required_argument, NULL, 'o' },
		{ "names",	required_argument, NULL, 'n' },
		{ "dtype",	required_argument, NULL, 'D' },
		{ "wrap",	required_argument, NULL, 'W' },
		{ "force",	no_argument,	   NULL, 'F' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, o->convert ? "d:f:l:o:n:hV" :
	    "d:f:l:hV", longopts, NULL)) != -1) {
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
			if (o->convert) {
				o->format_name = optarg;
				break;
			}
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
		case 'o':
		case 'n':
		case 'D':
		case 'W':
		case 'F':
			if (!o->convert) {
				warnx_usage("option --%s is for convert",
				    ch == 'o' ? "output" : ch == 'n' ? "names" :
				    ch == 'D' ? "dtype" : ch == 'W' ? "wrap" :
				    "force");
				return EXIT_USAGE;
			}
			if (ch == 'o')
				o->output = optarg;
			else if (ch == 'n')
				o->names = optarg;
			else if (ch == 'D')
				o->dtype = optarg;
			else if (ch == 'F')
				o->force = 1;
			else if (strcmp(optarg, "model") == 0)
				o->wrap_model = 1;
			else {
				warnx_usage("invalid --wrap '%s' (use model)",
				    optarg);
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
	if (o->convert && (argc != 2 || o->output == NULL)) {
		warnx_usage("%s", argc != 2 ? "convert needs CFG and WEIGHTS" :
		    "convert needs -o OUT");
		return EXIT_USAGE;
	}
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
	    NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, 0 };
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

static int
out_format(const struct opts *o, enum dm_out_format *f)
{
	const char *name = o->format_name, *dot;

	if (name == NULL) {
		dot = strrchr(o->output, '.');
		if (dot == NULL || strchr(dot, '/') != NULL) {
			warnx_usage("cannot tell the format of '%s': give "
			    "--format", o->output);
			return -1;
		}
		name = dot + 1;
		if (strcmp(name, "pth") == 0)
			name = "pt";
	}
	if (strcmp(name, "pt") == 0)
		*f = DM_OUT_PT;
	else if (strcmp(name, "safetensors") == 0)
		*f = DM_OUT_SAFETENSORS;
	else if (strcmp(name, "npz") == 0)
		*f = DM_OUT_NPZ;
	else if (strcmp(name, "weights") == 0)
		*f = DM_OUT_WEIGHTS;
	else {
		warnx_usage("unknown output format '%s' (use pt, safetensors, "
		    "npz or weights)", name);
		return -1;
	}
	return 0;
}

static void
progress(void *ctx, uint64_t done, uint64_t total)
{
	const char *path = ctx;
	static int last = -1;
	int pct;

	if (total == 0)
		return;
	pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	fprintf(stderr, "\r%s: writing %s %3d%%", progname, path, pct);
	if (done == total)
		fputc('\n', stderr);
}

static int
cmd_convert(int argc, char **argv)
{
	struct opts o = { DM_DIALECT_AB, DM_REPORT_TEXT, DM_LAYOUT_LOAD,
	    NULL, NULL, 1, NULL, NULL, NULL, NULL, 0, 0 };
	struct dm_export_opts xo;
	struct dm_error err;
	struct dm_net *net = NULL;
	struct dm_weights *w = NULL;
	struct dm_export *ex = NULL;
	struct dm_verdict v;
	const char *inputs[3];
	int rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0)
		return rc;
	memset(&xo, 0, sizeof xo);
	if (out_format(&o, &xo.format) == -1)
		return EXIT_USAGE;
	if (o.names != NULL && dm_names_parse(o.names, &xo.names) == -1) {
		warnx_usage("unknown --names '%s' (use darkmap, ultralytics, "
		    "eriklindernoren, tianxiaomo or a {template})", o.names);
		return EXIT_USAGE;
	}
	xo.tmpl = o.names;
	xo.dtype = DM_DTYPE_F32;
	if (o.dtype != NULL && strcmp(o.dtype, "float16") == 0)
		xo.dtype = DM_DTYPE_F16;
	else if (o.dtype != NULL && strcmp(o.dtype, "float32") != 0) {
		warnx_usage("invalid --dtype '%s' (use float32 or float16)",
		    o.dtype);
		return EXIT_USAGE;
	}
	if (xo.dtype == DM_DTYPE_F16 && xo.format == DM_OUT_WEIGHTS) {
		warnx_usage("%s", ".weights files hold float32 only");
		return EXIT_USAGE;
	}
	xo.wrap_model = o.wrap_model;
	xo.force = o.force;
	if (isatty(STDERR_FILENO)) {
		xo.progress = progress;
		xo.pctx = (void *)o.output;
	}
	dm_error_clear(&err);
	rc = EXIT_INPUT;
	if ((net = dm_net_load(o.cfg, o.dialect, &err)) == NULL ||
	    (w = dm_weights_open(o.weights, o.dialect, &err)) == NULL)
		goto out;
	if (dm_net_layout(net, w->is_weights && w->has_header ? w->hdr.size :
	    20, o.layout, &err) == -1)
		goto out;
	dm_verdict_compute(net, w, &v);
	if ((ex = dm_export_plan(net, w, &v, &xo, &err)) == NULL)
		goto out;
	if (ex->missing_from >= 0)
		fprintf(stderr, "%s: %s: layers %ld-%zu are not in the file "
		    "and are not exported\n", progname, o.weights,
		    ex->missing_from, net->nlayers - 1);
	inputs[0] = o.cfg;
	inputs[1] = o.weights;
	inputs[2] = NULL;
	if (dm_export_write(ex, o.output, inputs, &err) == -1)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", progname, err.msg);
	if (rc != 0 && err.code != DM_OK)
		rc = dm_status_exit(err.code);
	dm_export_free(ex);
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
	if (argc > 1 && strcmp(argv[1], "convert") == 0)
		return cmd_convert(argc - 1, argv + 1);
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
