/*
 * identify.h - which cfg explains a .weights file: the catalogue of known
 * layouts, header forensics, the size fit of each layout as it is, cut
 * after a layer, or with its class count and anchors solved for, and the
 * plausibility of the data along each fitting ledger.
 *
 * A struct dm_catalog owns its entries, their nets and its warnings.  A
 * struct dm_ident owns its candidates; a candidate borrows its entry from
 * the catalogue, which must outlive it.
 */
#ifndef DM_IDENTIFY_H
#define DM_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfg.h"
#include "error.h"
#include "net.h"
#include "report.h"
#include "weights.h"

/* Bits of a set of dialects. */
#define DM_DIALECT_BIT(d)	(1u << (d))
#define DM_DIALECTS_ALL		(DM_DIALECT_BIT(DM_DIALECT_AB) |	\
				 DM_DIALECT_BIT(DM_DIALECT_PJ))

/* One layout, and every cfg that has it. */
struct dm_cat_entry {
	char		**names;	/* paths; names[0] is the one used */
	size_t		 nnames;
	unsigned	 dialects;	/* the dialects giving this layout */
	enum dm_dialect	 dialect;	/* the one net was built with */
	struct dm_net	*net;		/* laid out after a 0-byte header */
	uint64_t	 key;		/* hash of the layout */
	int		 given;		/* where it came from: DM_CAT_* */
};

/*
 * Where a cfg came from, the user's nearest first: a candidate from a
 * nearer source ranks first among candidates that explain the file
 * equally well.
 */
enum {
	DM_CAT_BUNDLED = 0,	/* the catalogue darkmap ships */
	DM_CAT_FOLDER = 1,	/* --catalog, DARKMAP_CFG_PATH */
	DM_CAT_GIVEN = 2	/* an operand of identify */
};

/* A folder or file already searched, by identity. */
struct dm_cat_seen {
	dev_t		 dev;
	ino_t		 ino;
};

struct dm_catalog {
	struct dm_cat_entry *e;
	size_t		 n, cap;
	char		**warnings;	/* cfgs skipped, "path: why" */
	size_t		 nwarnings, capwarnings;
	char		**files;	/* every cfg file read, parsed or
					   not, as named */
	size_t		 nfiles;	/* cfg files read */
	size_t		 capfiles;
	struct dm_cat_seen *seen;	/* folders and files searched: each
					   is read once, whatever the links
					   to it */
	size_t		 nseen, capseen;
};

struct dm_catalog *dm_catalog_new(void);
void		 dm_catalog_free(struct dm_catalog *cat);

/*
 * Adds a cfg file, or every *.cfg under a folder (recursively, in name
 * order), parsed in each dialect of dialects.  A folder or file already
 * searched (the same device and inode, through a symbolic link or
 * another name) is not searched again.  A cfg that no dialect
 * parses is skipped with a warning.  Fails only when path itself cannot
 * be read, or on memory.  given says where the entries come from
 * (DM_CAT_*).
 */
int		 dm_catalog_add(struct dm_catalog *cat, const char *path,
		     unsigned dialects, int given, struct dm_error *err);

/*
 * The folders of the default catalogue, in order: the installed one, or
 * the source tree's when darkmap runs uninstalled.  Returns the number
 * written to dirs (at most 1 today).
 */
size_t		 dm_catalog_default(const char **dirs, size_t max);

enum dm_fit {
	DM_FIT_NONE,		/* the size does not fit */
	DM_FIT_EXACT,		/* every array, nothing more */
	DM_FIT_PARTIAL		/* layers 0..cutoff-1, as Darknet's partial */
};

#define DM_CHANGE_VALUE_MAX 256

/* A value a candidate changes in its cfg. */
struct dm_change {
	long		 layer;
	int		 line;		/* the key's, or its section's */
	int		 section_line;
	char		 key[16];
	char		 from[DM_CHANGE_VALUE_MAX];	/* "" when absent */
	char		 to[DM_CHANGE_VALUE_MAX];
};

#define DM_CHANGES_MAX 64
#define DM_ALTS_MAX 12

/* Another anchors per head and class count giving the same filters. */
struct dm_alt {
	int		 anchors;
	int		 classes;
};

struct dm_cand {
	const struct dm_cat_entry *entry;
	struct dm_net	*net;		/* with the changes; owned when
					   own_net, else the entry's */
	int		 own_net;
	enum dm_dialect	 dialect;
	unsigned	 searched;	/* the dialects identify tried: the
					   command that writes the cfg
					   repeats them, keeping the ranks */
	unsigned	 hsize;		/* header size it is read with: the
					   dialect's rule, or 16 when
					   seen_high */
	unsigned	 hsize_rule;	/* the one the dialect's rule gives */
	int		 classes;	/* -1 when the cfg has none */
	int		 classes0;	/* the cfg's own */
	int		 anchors, anchors0; /* per head, 0 without heads */
	struct dm_change changes[DM_CHANGES_MAX];
	size_t		 nchanges;
	struct dm_alt	 alts[DM_ALTS_MAX]; /* when classes were solved
					   for with the cfg's anchors per
					   head: the other counts that fit
					   the same bytes */
	size_t		 nalts;
	enum dm_fit	 fit;
	long		 cutoff;	/* DM_FIT_PARTIAL: layers 0..cutoff-1 */
	long		 layers;	/* layers with arrays in the file */
	long		 plausible_layers;
	long		 suspect_layers; /* no array reads badly, yet all
					   are suspect, or the weights are
					   all zero */
	long		 first_bad;	/* first layer reading badly, or -1 */
	double		 score;
	int		 plausible;
	int64_t		 diff;		/* floats of the file less the cfg's */
	long		 agree;		/* leading conv layers the sketch
					   shares (dm_ident_compare_sketch) */
	int		 tied;		/* alike in plausibility, score, fit
					   and class change with a neighbour
					   in the ranking: only where it was
					   found and its name set the order */
	char		 note[512];	/* why it reads badly, or misses */
};

struct dm_ident {
	uint64_t	 size;
	struct dm_header hdr;		/* as the preferred dialect reads it */
	unsigned	 hsize[2];	/* header size by dialect */
	enum dm_dialect	 writer;	/* the fork the version points to */
	int		 seen_high;	/* an 8-byte seen above 2^32: perhaps
					   4 bytes of seen and a float, so
					   16-byte headers are tried too */
	char		 writer_note[160];
	struct dm_cand	*cands;		/* fitting, best first */
	size_t		 ncands;
	struct dm_cand	*closest;	/* not fitting, nearest in size
					   first: every layout tried */
	size_t		 nclosest;
	size_t		 nlayouts;	/* layouts tried */
	unsigned	 block;		/* floats per statistics block */
};

/*
 * Identifies the weights file w against the catalogue, trying the
 * dialects of the set.  w must be a weights file (w->is_weights).  The
 * file is read at most once, and only when some layout fits its size.
 */
int		 dm_identify(struct dm_weights *w, const struct dm_catalog *cat,
		     unsigned dialects, struct dm_ident *id,
		     struct dm_error *err);

void		 dm_ident_release(struct dm_ident *id);

struct dm_sketch;

/*
 * Ranks the layouts that do not fit by how many of their leading conv
 * layers the blind sketch of the file rebuilt (filters, size, input
 * channels, batch norm), then by size, says in each one's note where it
 * parts from the data, and keeps the first keep.
 */
void		 dm_ident_compare_sketch(struct dm_ident *id,
		     const struct dm_sketch *sk, size_t keep);

/* The fit's name as used in JSON ("exact", "partial", "none"). */
const char	*dm_fit_name(enum dm_fit fit);

/*
 * Writes the candidate's cfg with its changes applied to out, through a
 * temporary file renamed into place; inputs (NULL-terminated, may be
 * NULL) are files out must not be.
 */
int		 dm_cand_write_cfg(const struct dm_cand *c, const char *out,
		     const char *const *inputs, struct dm_error *err);

/*
 * The cfg to show for a candidate: the one its changes are to, or, when
 * there are none, the first of its names in the folder of its dialect's
 * fork, else the first.
 */
const char	*dm_cand_cfg(const struct dm_cand *c);

/*
 * One line saying what the changes are, e.g. "classes 80->3: filters
 * 255->24 at lines 127, 171", into buf; "" when there are none.
 */
void		 dm_cand_summary(const struct dm_cand *c, char *buf,
		     size_t len);

/*
 * What identify searched before the folders every search has
 * (DARKMAP_CFG_PATH, the catalogue): the --catalog folders and the CFG|DIR
 * operands.  The commands of the report name them again, so that a
 * candidate's rank is the report's.
 */
struct dm_ident_search {
	const char *const *catalogs;
	size_t		 ncatalogs;
	const char *const *operands;
	size_t		 noperands;
};

/*
 * Writes the report of an identification of the file weights (found in
 * cat as search says, or NULL: only the folders every search has; sk the
 * blind sketch, or NULL) on fp, in one of the formats: text
 * (the first candidates, then the closest layouts and the sketch when
 * nothing fits), tsv (one line per candidate) or json (darkmap(1)).
 */
void		 dm_ident_report(FILE *fp, enum dm_report_format fmt,
		     const char *weights, const struct dm_ident_search *search,
		     const struct dm_ident *id, const struct dm_catalog *cat,
		     const struct dm_sketch *sk);

/*
 * Parts of the text report, for the interface's identify screen: the
 * header forensics; one candidate (rank from 1) with the command that
 * opens it; when nothing fits plausibly, why, and the closest layouts.
 */
void		 dm_ident_text_header(FILE *fp, const char *weights,
		     const struct dm_ident *id, const struct dm_catalog *cat);
void		 dm_ident_text_cand(FILE *fp, const struct dm_cand *c,
		     size_t rank, const char *weights);
void		 dm_ident_text_nofit(FILE *fp, const struct dm_ident *id);
/*
 * The blind segmentation of the file: each conv layer the sketch read,
 * with its byte range and shape (filters x channels x size x size), then
 * the bytes no layer explains and why.
 */
void		 dm_ident_text_segments(FILE *fp, const struct dm_sketch *sk);

#endif /* DM_IDENTIFY_H */
