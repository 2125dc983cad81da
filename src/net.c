/*
 * net.c - a Darknet network as Darknet's parser builds it
 * (parse_network_cfg_custom()): the [net] input, then each layer section
 * in order, built by layers.c, then the file layout (layout.c).
 */
#include "config.h"

#include "net.h"
#include "layers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights.h"

static const char *const dm_ltype_names[] = {
#define DM_LTYPE_NAME(e, s) s,
	DM_LAYER_TYPES(DM_LTYPE_NAME)
#undef DM_LTYPE_NAME
};

static const char *const dm_role_names[] = {
	"biases", "scales", "rolling_mean", "rolling_variance", "weights"
};

const char *
dm_ltype_name(enum dm_ltype type)
{
	if ((unsigned)type >= DM_L_NTYPES)
		return "?";
	return dm_ltype_names[type];
}

const char *
dm_role_name(enum dm_role role)
{
	if ((unsigned)role > DM_ROLE_WEIGHTS)
		return "?";
	return dm_role_names[role];
}

static int
build_net_options(struct dm_net *net, struct dm_error *err)
{
	struct dm_cfg *cfg = net->cfg;
	struct dm_section *s;
	int w, h, c, inputs;

	if (cfg->nsects == 0)
		return dm_error_file(err, DM_ERR_INVALID, cfg->path,
		    "no sections: this is not a Darknet cfg file");
	s = &cfg->sects[0];
	if (strcmp(s->name, "[net]") != 0 && strcmp(s->name, "[network]") != 0) {
		char name[64];

		dm_printable(name, sizeof name, s->name);
		return dm_error_line(err, DM_ERR_INVALID, cfg->path, s->line,
		    "the first section is '%s' but must be [net] or "
		    "[network]%s", name,
		    strchr(s->name, '\r') != NULL ? ": this line ends in CR, "
		    "which pjreddie's Darknet keeps (convert the file to LF "
		    "line ends, or use --dialect ab)" :
		    strncmp(s->name, "[net]", 5) == 0 ||
		    strncmp(s->name, "[network]", 9) == 0 ? " (a section line "
		    "holds nothing else: Darknet has no inline comments)" : "");
	}
	if (dm_section_int(cfg, s, "width", 0, &w, err) == -1 ||
	    dm_section_int(cfg, s, "height", 0, &h, err) == -1 ||
	    dm_section_int(cfg, s, "channels", 0, &c, err) == -1)
		return -1;
	{
		long long prod = (long long)w * h;

		if (__builtin_mul_overflow(prod, (long long)c, &prod) ||
		    prod > INT_MAX || prod < INT_MIN)
			return dm_error_line(err, DM_ERR_RANGE, cfg->path,
			    s->line, "width x height x channels overflows "
			    "Darknet's int");
		if (dm_section_int(cfg, s, "inputs", (int)prod, &inputs,
		    err) == -1)
			return -1;
	}
	if (inputs == 0 && !(w && h && c))
		return dm_error_line(err, DM_ERR_INVALID, cfg->path, s->line,
		    "[net] gives no input size: set width, height and channels "
		    "(or inputs)");
	if (w < 0 || h < 0 || c < 0 || inputs < 0)
		return dm_error_line(err, DM_ERR_INVALID, cfg->path, s->line,
		    "[net] input size %d x %d x %d (inputs %d) is negative", w,
		    h, c, inputs);
	net->w = w;
	net->h = h;
	net->c = c;
	net->inputs = inputs;
	return 0;
}

/*
 * AlexeyAB divides by the number of layers whose input is wider and
 * taller than one pixel; without one it dies of SIGFPE.
 */
static int
check_ab_avg(struct dm_net *net, struct dm_error *err)
{
	size_t i;

	if (net->dialect != DM_DIALECT_AB)
		return 0;
	for (i = 0; i < net->nlayers; i++)
		if (net->layers[i].in_w > 1 && net->layers[i].in_h > 1)
			return 0;
	return dm_error_file(err, DM_ERR_INVALID, net->cfg->path, "no layer "
	    "has an input larger than 1 x 1; AlexeyAB's Darknet divides by "
	    "zero on such a network (pjreddie's parses it: try --dialect pj)");
}

/*
 * The warning to tell with an error: the first of the net's, else the cfg's
 * hint (a likely misspelt key, or a layer's key only the other fork reads)
 * when it is no later than the end of the section that failed: a
 * "clases=" leaves the default classes, which a later check refuses.
 */
static const char *
fail_warning(const struct dm_net *net)
{
	const struct dm_cfg *cfg = net->cfg;
	size_t next = net->nlayers + 1;	/* the section after the failed one */

	if (net->nwarnings > 0)
		return net->warnings[0];
	if (cfg->hint == NULL ||
	    (next < cfg->nsects && cfg->hint_line >= cfg->sects[next].line))
		return NULL;
	return cfg->hint;
}

struct dm_net *
dm_net_build(struct dm_cfg *cfg, struct dm_error *err)
{
	struct dm_net *net;
	struct dm_build b;
	const char *w;
	size_t i;

	if ((net = calloc(1, sizeof *net)) == NULL) {
		dm_cfg_free(cfg);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	net->cfg = cfg;
	net->dialect = cfg->dialect;
	if (build_net_options(net, err) == -1)
		goto fail;
	if (cfg->nsects > 1 &&
	    (net->layers = calloc(cfg->nsects - 1, sizeof *net->layers)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	memset(&b, 0, sizeof b);
	b.net = net;
	b.cfg = cfg;
	b.err = err;
	b.w = net->w;
	b.h = net->h;
	b.c = net->c;
	b.inputs = net->inputs;
	for (i = 1; i < cfg->nsects; i++) {
		struct dm_layer *l = &net->layers[i - 1];

		l->index = i - 1;
		l->sect = &cfg->sects[i];
		l->line = cfg->sects[i].line;
		dm_printable(l->label, sizeof l->label, l->sect->name);
		l->first_array = net->narrays;
		b.s = l->sect;
		b.l = l;
		net->nlayers = i;
		if (dm_layer_build(&b) == -1)
			goto fail;
		b.w = l->next_w;
		b.h = l->next_h;
		b.c = l->next_c;
		b.inputs = l->next_inputs;
	}
	if (net->nlayers == 0) {
		dm_error_file(err, DM_ERR_INVALID, cfg->path, "no layers "
		    "after [net]");
		goto fail;
	}
	if (check_ab_avg(net, err) == -1)
		goto fail;
	if (dm_net_layout(net, DM_HEADER_LONG, net->unloadable != NULL ?
	    DM_LAYOUT_SAVE : DM_LAYOUT_LOAD, err) == -1)
		goto fail;
	return net;
fail:
	/*
	 * A warning on an earlier line (an unknown section, a misspelt key)
	 * is often the cause of the error; it would go with the net, so it
	 * is told.
	 */
	if ((w = fail_warning(net)) != NULL && err != NULL) {
		size_t len = strlen(err->msg);

		snprintf(err->msg + len, sizeof err->msg - len, " (after: %s)",
		    w);
	}
	dm_net_free(net);
	return NULL;
}

struct dm_net *
dm_net_load(const char *path, enum dm_dialect dialect, struct dm_error *err)
{
	struct dm_cfg *cfg;

	if ((cfg = dm_cfg_load(path, dialect, err)) == NULL)
		return NULL;
	return dm_net_build(cfg, err);
}

void
dm_net_free(struct dm_net *net)
{
	size_t i;

	if (net == NULL)
		return;
	for (i = 0; i < net->nwarnings; i++)
		free(net->warnings[i]);
	free(net->warnings);
	free(net->warning_lines);
	free(net->arrays);
	free(net->layers);
	dm_cfg_free(net->cfg);
	free(net);
}
