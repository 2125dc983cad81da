/*
 * cfgkeys.c - which keys Darknet reads in which section.
 *
 * One table per section type lists the keys its parse_<type>() looks up
 * (parser.c of AlexeyAB/darknet and pjreddie/darknet), each tagged with the
 * forks that read it.  parse_network_cfg() then looks up the keys every
 * layer accepts (layer_keys) and reports the rest as unused; [net] is read
 * by parse_net_options() alone.  Within a table the keys that change shapes
 * or the file come first: a misspelling is matched to the first nearest.
 */
#include "config.h"

#include "cfgkeys.h"

#include <ctype.h>
#include <string.h>

#define AB	DM_FORK_AB
#define PJ	DM_FORK_PJ
#define BOTH	(AB | PJ)

struct cfg_key {
	const char	*name;
	unsigned	 forks;
};

/* [net] and [network]. */
static const struct cfg_key net_keys[] = {
	{ "width", BOTH }, { "height", BOTH }, { "channels", BOTH },
	{ "inputs", BOTH }, { "batch", BOTH }, { "subdivisions", BOTH },
	{ "time_steps", BOTH }, { "adam", BOTH }, { "B1", BOTH },
	{ "B2", BOTH }, { "eps", BOTH }, { "learning_rate", BOTH },
	{ "momentum", BOTH }, { "decay", BOTH }, { "max_batches", BOTH },
	{ "policy", BOTH }, { "burn_in", BOTH }, { "power", BOTH },
	{ "step", BOTH }, { "scale", BOTH }, { "steps", BOTH },
	{ "scales", BOTH }, { "gamma", BOTH }, { "max_crop", BOTH },
	{ "min_crop", BOTH }, { "angle", BOTH }, { "aspect", BOTH },
	{ "saturation", BOTH }, { "exposure", BOTH }, { "hue", BOTH },
	{ "seq_scales", AB }, { "learning_rate_min", AB },
	{ "sgdr_cycle", AB }, { "sgdr_mult", AB }, { "track", AB },
	{ "augment_speed", AB }, { "sequential_subdivisions", AB },
	{ "try_fix_nan", AB }, { "weights_reject_freq", AB },
	{ "equidistant_point", AB },
	{ "badlabels_rejection_percentage", AB },
	{ "num_sigmas_reject_badlabels", AB }, { "ema_alpha", AB },
	{ "use_cuda_graph", AB }, { "loss_scale", AB },
	{ "dynamic_minibatch", AB }, { "optimized_memory", AB },
	{ "workspace_size_limit_MB", AB }, { "flip", AB }, { "blur", AB },
	{ "gaussian_noise", AB }, { "mixup", AB }, { "cutmix", AB },
	{ "mosaic", AB }, { "letter_box", AB }, { "mosaic_bound", AB },
	{ "contrastive", AB }, { "contrastive_jit_flip", AB },
	{ "contrastive_color", AB }, { "unsupervised", AB },
	{ "label_smooth_eps", AB }, { "resize_step", AB },
	{ "attention", AB }, { "adversarial_lr", AB },
	{ "max_chart_loss", AB }, { "show_receptive_field", AB },
	{ "notruth", PJ }, { "random", PJ }, { "max_ratio", PJ },
	{ "min_ratio", PJ }, { "center", PJ }, { "clip", PJ },
	{ NULL, 0 }
};

/* Looked up in every layer section after its own keys. */
static const struct cfg_key layer_keys[] = {
	{ "dontload", BOTH }, { "dontloadscales", BOTH },
	{ "numload", PJ }, { "dontsave", PJ }, { "onlyforward", BOTH },
	{ "stopbackward", BOTH }, { "learning_rate", BOTH },
	{ "clip", AB }, { "dont_update", AB }, { "burnin_update", AB },
	{ "train_only_bn", AB }, { "truth", PJ }, { "smooth", PJ },
	{ NULL, 0 }
};

static const struct cfg_key no_keys[] = {
	{ NULL, 0 }
};

static const struct cfg_key conv_keys[] = {
	{ "filters", BOTH }, { "size", BOTH }, { "stride", BOTH },
	{ "stride_x", AB }, { "stride_y", AB }, { "pad", BOTH },
	{ "padding", BOTH }, { "groups", BOTH }, { "dilation", AB },
	{ "batch_normalize", BOTH }, { "activation", BOTH },
	{ "antialiasing", AB }, { "share_index", AB }, { "cbn", AB },
	{ "flipped", BOTH }, { "binary", BOTH }, { "xnor", BOTH },
	{ "bin_output", AB }, { "dot", BOTH }, { "assisted_excitation", AB },
	{ "sway", AB }, { "rotate", AB }, { "stretch", AB },
	{ "stretch_sway", AB }, { "angle", AB }, { "grad_centr", AB },
	{ "reverse", AB }, { "coordconv", AB }, { "stream", AB },
	{ "wait_stream", AB },
	{ NULL, 0 }
};

static const struct cfg_key deconv_keys[] = {
	{ "filters", PJ }, { "size", PJ }, { "stride", PJ }, { "pad", PJ },
	{ "padding", PJ }, { "batch_normalize", PJ }, { "activation", PJ },
	{ NULL, 0 }
};

static const struct cfg_key connected_keys[] = {
	{ "output", BOTH }, { "batch_normalize", BOTH },
	{ "activation", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key local_keys[] = {
	{ "filters", BOTH }, { "size", BOTH }, { "stride", BOTH },
	{ "pad", BOTH }, { "activation", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key shortcut_keys[] = {
	{ "from", BOTH }, { "weights_type", AB },
	{ "weights_normalization", AB }, { "activation", BOTH },
	{ "alpha", PJ }, { "beta", PJ },
	{ NULL, 0 }
};

static const struct cfg_key implicit_keys[] = {
	{ "filters", AB }, { "atoms", AB }, { "mean", AB }, { "std", AB },
	{ NULL, 0 }
};

static const struct cfg_key rnn_keys[] = {
	{ "output", BOTH }, { "hidden", AB }, { "batch_normalize", BOTH },
	{ "activation", BOTH }, { "logistic", AB }, { "shortcut", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key gru_keys[] = {
	{ "output", BOTH }, { "batch_normalize", BOTH }, { "tanh", PJ },
	{ NULL, 0 }
};

static const struct cfg_key lstm_keys[] = {
	{ "output", BOTH }, { "batch_normalize", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key crnn_keys[] = {
	{ "output", AB }, { "hidden", AB }, { "output_filters", PJ },
	{ "hidden_filters", PJ }, { "size", AB }, { "stride", AB },
	{ "pad", AB }, { "padding", AB }, { "groups", AB },
	{ "dilation", AB }, { "batch_normalize", BOTH },
	{ "activation", BOTH }, { "xnor", AB }, { "shortcut", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key conv_lstm_keys[] = {
	{ "output", AB }, { "size", AB }, { "stride", AB }, { "pad", AB },
	{ "padding", AB }, { "groups", AB }, { "batch_normalize", AB },
	{ "peephole", AB }, { "bottleneck", AB }, { "dilation", AB },
	{ "activation", AB }, { "xnor", AB }, { "state_constrain", AB },
	{ "shortcut", AB }, { "lstm_activation", AB },
	{ "time_normalizer", AB },
	{ NULL, 0 }
};

static const struct cfg_key history_keys[] = {
	{ "history_size", AB },
	{ NULL, 0 }
};

static const struct cfg_key maxpool_keys[] = {
	{ "size", BOTH }, { "stride", BOTH }, { "stride_x", AB },
	{ "stride_y", AB }, { "padding", BOTH }, { "maxpool_depth", AB },
	{ "out_channels", AB }, { "antialiasing", AB },
	{ "maxpool_zero_nonmax", AB },
	{ NULL, 0 }
};

static const struct cfg_key local_avgpool_keys[] = {
	{ "size", AB }, { "stride", AB }, { "stride_x", AB },
	{ "stride_y", AB }, { "padding", AB },
	{ NULL, 0 }
};

static const struct cfg_key route_keys[] = {
	{ "layers", BOTH }, { "groups", AB }, { "group_id", AB },
	{ "stream", AB }, { "wait_stream", AB },
	{ NULL, 0 }
};

static const struct cfg_key upsample_keys[] = {
	{ "stride", BOTH }, { "scale", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key reorg_keys[] = {
	{ "stride", BOTH }, { "reverse", BOTH }, { "extra", PJ },
	{ "flatten", PJ },
	{ NULL, 0 }
};

static const struct cfg_key scale_channels_keys[] = {
	{ "from", AB }, { "scale_wh", AB }, { "activation", AB },
	{ NULL, 0 }
};

static const struct cfg_key sam_keys[] = {
	{ "from", AB }, { "activation", AB },
	{ NULL, 0 }
};

static const struct cfg_key dropout_keys[] = {
	{ "probability", BOTH }, { "dropblock", AB },
	{ "dropblock_size_rel", AB }, { "dropblock_size_abs", AB },
	{ NULL, 0 }
};

static const struct cfg_key activation_keys[] = {
	{ "activation", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key normalization_keys[] = {
	{ "size", BOTH }, { "alpha", BOTH }, { "beta", BOTH },
	{ "kappa", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key crop_keys[] = {
	{ "crop_width", BOTH }, { "crop_height", BOTH }, { "flip", BOTH },
	{ "angle", BOTH }, { "saturation", BOTH }, { "exposure", BOTH },
	{ "noadjust", BOTH }, { "shift", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key softmax_keys[] = {
	{ "groups", BOTH }, { "temperature", BOTH }, { "tree", BOTH },
	{ "spatial", BOTH }, { "noloss", BOTH },
	{ NULL, 0 }
};

static const struct cfg_key cost_keys[] = {
	{ "type", BOTH }, { "scale", BOTH }, { "ratio", BOTH },
	{ "noobj", PJ }, { "thresh", PJ },
	{ NULL, 0 }
};

static const struct cfg_key yolo_keys[] = {
	{ "classes", BOTH }, { "num", BOTH }, { "mask", BOTH },
	{ "anchors", BOTH }, { "max", BOTH }, { "jitter", BOTH },
	{ "ignore_thresh", BOTH }, { "truth_thresh", BOTH },
	{ "random", BOTH }, { "map", BOTH }, { "scale_x_y", AB },
	{ "new_coords", AB }, { "show_details", AB }, { "max_delta", AB },
	{ "counters_per_class", AB }, { "label_smooth_eps", AB },
	{ "objectness_smooth", AB }, { "iou_normalizer", AB },
	{ "obj_normalizer", AB }, { "cls_normalizer", AB },
	{ "delta_normalizer", AB }, { "iou_loss", AB },
	{ "iou_thresh_kind", AB }, { "beta_nms", AB }, { "nms_kind", AB },
	{ "resize", AB }, { "focal_loss", AB }, { "iou_thresh", AB },
	{ "track_history_size", AB }, { "sim_thresh", AB },
	{ "dets_for_track", AB }, { "dets_for_show", AB },
	{ "track_ciou_norm", AB }, { "embedding_layer", AB },
	{ NULL, 0 }
};

static const struct cfg_key gaussian_yolo_keys[] = {
	{ "classes", AB }, { "num", AB }, { "mask", AB }, { "anchors", AB },
	{ "max", AB }, { "jitter", AB }, { "ignore_thresh", AB },
	{ "truth_thresh", AB }, { "random", AB }, { "map", AB },
	{ "scale_x_y", AB }, { "max_delta", AB },
	{ "counters_per_class", AB }, { "label_smooth_eps", AB },
	{ "objectness_smooth", AB }, { "uc_normalizer", AB },
	{ "iou_normalizer", AB }, { "obj_normalizer", AB },
	{ "cls_normalizer", AB }, { "delta_normalizer", AB },
	{ "iou_loss", AB }, { "iou_thresh_kind", AB }, { "beta_nms", AB },
	{ "nms_kind", AB }, { "yolo_point", AB }, { "resize", AB },
	{ "iou_thresh", AB },
	{ NULL, 0 }
};

static const struct cfg_key region_keys[] = {
	{ "classes", BOTH }, { "coords", BOTH }, { "num", BOTH },
	{ "anchors", BOTH }, { "softmax", BOTH }, { "max", BOTH },
	{ "log", BOTH }, { "sqrt", BOTH }, { "jitter", BOTH },
	{ "rescore", BOTH }, { "thresh", BOTH }, { "classfix", BOTH },
	{ "absolute", BOTH }, { "random", BOTH }, { "coord_scale", BOTH },
	{ "object_scale", BOTH }, { "noobject_scale", BOTH },
	{ "mask_scale", BOTH }, { "class_scale", BOTH },
	{ "bias_match", BOTH }, { "tree", BOTH }, { "map", BOTH },
	{ "focal_loss", AB }, { "resize", AB }, { "background", PJ },
	{ NULL, 0 }
};

static const struct cfg_key detection_keys[] = {
	{ "classes", BOTH }, { "coords", BOTH }, { "num", BOTH },
	{ "side", BOTH }, { "rescore", BOTH }, { "softmax", BOTH },
	{ "sqrt", BOTH }, { "max", BOTH }, { "coord_scale", BOTH },
	{ "forced", BOTH }, { "object_scale", BOTH },
	{ "noobject_scale", BOTH }, { "class_scale", BOTH },
	{ "jitter", BOTH }, { "random", BOTH }, { "reorg", BOTH },
	{ "resize", AB },
	{ NULL, 0 }
};

static const struct cfg_key iseg_keys[] = {
	{ "classes", PJ }, { "ids", PJ },
	{ NULL, 0 }
};

static const struct cfg_key contrastive_keys[] = {
	{ "classes", AB }, { "yolo_layer", AB }, { "temperature", AB },
	{ "cls_normalizer", AB }, { "max_delta", AB },
	{ "contrastive_neg_max", AB },
	{ NULL, 0 }
};

static const struct dm_cfgsect net_sects[] = {
	{ "[net]",		DM_L_UNKNOWN,		BOTH,	net_keys },
	{ "[network]",		DM_L_UNKNOWN,		BOTH,	net_keys },
};

const struct dm_cfgsect dm_layer_sects[] = {
	{ "[convolutional]",	DM_L_CONV,		BOTH,	conv_keys },
	{ "[conv]",		DM_L_CONV,		BOTH,	conv_keys },
	{ "[deconvolutional]",	DM_L_DECONV,		PJ,	deconv_keys },
	{ "[deconv]",		DM_L_DECONV,		PJ,	deconv_keys },
	{ "[connected]",	DM_L_CONNECTED,		BOTH, connected_keys },
	{ "[conn]",		DM_L_CONNECTED,		BOTH, connected_keys },
	{ "[local]",		DM_L_LOCAL,		BOTH,	local_keys },
	{ "[batchnorm]",	DM_L_BATCHNORM,		BOTH,	no_keys },
	{ "[shortcut]",		DM_L_SHORTCUT,		BOTH,	shortcut_keys },
	{ "[implicit]",		DM_L_IMPLICIT,		AB,	implicit_keys },
	{ "[rnn]",		DM_L_RNN,		BOTH,	rnn_keys },
	{ "[gru]",		DM_L_GRU,		BOTH,	gru_keys },
	{ "[lstm]",		DM_L_LSTM,		BOTH,	lstm_keys },
	{ "[crnn]",		DM_L_CRNN,		BOTH,	crnn_keys },
	{ "[conv_lstm]",	DM_L_CONV_LSTM,		AB, conv_lstm_keys },
	{ "[history]",		DM_L_HISTORY,		AB,	history_keys },
	{ "[maxpool]",		DM_L_MAXPOOL,		BOTH,	maxpool_keys },
	{ "[max]",		DM_L_MAXPOOL,		BOTH,	maxpool_keys },
	{ "[local_avgpool]",	DM_L_LOCAL_AVGPOOL,	AB,
	    local_avgpool_keys },
	{ "[local_avg]",	DM_L_LOCAL_AVGPOOL,	AB,
	    local_avgpool_keys },
	{ "[avgpool]",		DM_L_AVGPOOL,		BOTH,	no_keys },
	{ "[avg]",		DM_L_AVGPOOL,		BOTH,	no_keys },
	{ "[route]",		DM_L_ROUTE,		BOTH,	route_keys },
	{ "[upsample]",		DM_L_UPSAMPLE,		BOTH,	upsample_keys },
	{ "[reorg]",		DM_L_REORG,		BOTH,	reorg_keys },
	{ "[reorg3d]",		DM_L_REORG3D,		AB,	reorg_keys },
	{ "[scale_channels]",	DM_L_SCALE_CHANNELS,	AB,
	    scale_channels_keys },
	{ "[sam]",		DM_L_SAM,		AB,	sam_keys },
	{ "[dropout]",		DM_L_DROPOUT,		BOTH,	dropout_keys },
	{ "[activation]",	DM_L_ACTIVATION,	BOTH, activation_keys },
	{ "[logistic]",		DM_L_LOGISTIC,		PJ,	no_keys },
	{ "[l2norm]",		DM_L_L2NORM,		PJ,	no_keys },
	{ "[normalization]",	DM_L_NORMALIZATION,	BOTH,
	    normalization_keys },
	{ "[lrn]",		DM_L_NORMALIZATION,	BOTH,
	    normalization_keys },
	{ "[crop]",		DM_L_CROP,		BOTH,	crop_keys },
	{ "[softmax]",		DM_L_SOFTMAX,		BOTH,	softmax_keys },
	{ "[soft]",		DM_L_SOFTMAX,		BOTH,	softmax_keys },
	{ "[cost]",		DM_L_COST,		BOTH,	cost_keys },
	{ "[yolo]",		DM_L_YOLO,		BOTH,	yolo_keys },
	{ "[Gaussian_yolo]",	DM_L_GAUSSIAN_YOLO,	AB,
	    gaussian_yolo_keys },
	{ "[region]",		DM_L_REGION,		BOTH,	region_keys },
	{ "[detection]",	DM_L_DETECTION,		BOTH, detection_keys },
	{ "[iseg]",		DM_L_ISEG,		PJ,	iseg_keys },
	{ "[contrastive]",	DM_L_CONTRASTIVE,	AB, contrastive_keys },
	{ "[empty]",		DM_L_EMPTY,		AB,	no_keys },
	{ "[silence]",		DM_L_EMPTY,		AB,	no_keys },
};

#define NITEMS(a) (sizeof (a) / sizeof (a)[0])

const size_t dm_layer_nsects = NITEMS(dm_layer_sects);

unsigned
dm_dialect_fork(enum dm_dialect dialect)
{
	return dialect == DM_DIALECT_PJ ? PJ : AB;
}

/*
 * Whether key is name.  Every option line of a cfg is looked for among
 * its section's keys, and every section among the known ones: most names
 * differ in their first two letters, which are compared first.
 */
static int
same_key(const char *name, const char *key)
{
	if (name[0] != key[0] || (key[0] != '\0' && name[1] != key[1]))
		return 0;
	return strcmp(name, key) == 0;
}

static const struct dm_cfgsect *
sect_find(const struct dm_cfgsect *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_key(t[i].name, name))
			return &t[i];
	return NULL;
}

const struct dm_cfgsect *
dm_cfgsect_find(const char *name)
{
	return sect_find(dm_layer_sects, dm_layer_nsects, name);
}

const struct dm_cfgsect *
dm_cfgkeys_sect(const char *name, int first, enum dm_dialect dialect)
{
	const struct dm_cfgsect *t;

	t = first ? sect_find(net_sects, NITEMS(net_sects), name) :
	    dm_cfgsect_find(name);
	return t != NULL && (t->forks & dm_dialect_fork(dialect)) ? t : NULL;
}

/*
 * The forks that read key in a section: its own keys and, in a layer, the
 * keys every layer accepts.  *pos is the key's place in the first list
 * that has it, the lists taken one after the other, or -1.
 */
static unsigned
key_forks(const struct dm_cfgsect *s, const char *key, int *pos)
{
	const struct cfg_key *k;
	unsigned forks = 0;
	int i = 0;

	*pos = -1;
	for (k = s->keys; k->name != NULL; k++, i++) {
		if (same_key(k->name, key)) {
			forks |= k->forks;
			if (*pos == -1)
				*pos = i;
		}
	}
	if (s->keys == net_keys)
		return forks;
	for (k = layer_keys; k->name != NULL; k++, i++) {
		if (same_key(k->name, key)) {
			forks |= k->forks;
			if (*pos == -1)
				*pos = i;
		}
	}
	return forks;
}

enum dm_key_use
dm_cfgkeys_find(const struct dm_cfgsect *s, const char *key,
    enum dm_dialect dialect, int *pos)
{
	unsigned forks;

	*pos = -1;
	if (s == NULL)
		return DM_KEY_NO_TABLE;
	/* Only a fork that knows the section reads keys in it. */
	forks = key_forks(s, key, pos) & s->forks;
	if (forks & dm_dialect_fork(dialect))
		return DM_KEY_READ;
	if (forks == 0) {
		*pos = -1;
		return DM_KEY_IGNORED;
	}
	return DM_KEY_OTHER_FORK;
}

enum dm_key_use
dm_cfgkeys_use(const char *name, int first, const char *key,
    enum dm_dialect dialect)
{
	int pos;

	return dm_cfgkeys_find(dm_cfgkeys_sect(name, first, dialect), key,
	    dialect, &pos);
}

#define KEY_MAX 64

static int
lc(char c)
{
	return tolower((unsigned char)c);
}

/*
 * The optimal string alignment distance between a and b (insertions,
 * deletions, substitutions and swaps of neighbours), ignoring case.
 */
static int
key_distance(const char *a, const char *b)
{
	int d[KEY_MAX + 1][KEY_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;
	int cost, v;

	if (la > KEY_MAX || lb > KEY_MAX)
		return KEY_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = lc(a[i - 1]) != lc(b[j - 1]);
			v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && lc(a[i - 1]) == lc(b[j - 2]) &&
			    lc(a[i - 2]) == lc(b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Keeps k in *best when it is nearer key than *bestd. */
static void
suggest_from(const struct cfg_key *k, const char *key, unsigned fork,
    const char **best, int *bestd)
{
	int dist;

	for (; k->name != NULL; k++) {
		if ((k->forks & fork) == 0)
			continue;
		dist = key_distance(key, k->name);
		if (dist < *bestd) {
			*best = k->name;
			*bestd = dist;
		}
	}
}

const char *
dm_cfgkeys_suggest(const char *name, int first, const char *key,
    enum dm_dialect dialect)
{
	const struct dm_cfgsect *s;
	const char *best = NULL;
	int bestd;

	if ((s = dm_cfgkeys_sect(name, first, dialect)) == NULL)
		return NULL;
	/* Short keys allow one slip: two turn "pad" into "max". */
	bestd = strlen(key) <= 4 ? 2 : 3;
	suggest_from(s->keys, key, dm_dialect_fork(dialect), &best, &bestd);
	if (!first)
		suggest_from(layer_keys, key, dm_dialect_fork(dialect), &best,
		    &bestd);
	return best;
}
