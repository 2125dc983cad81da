/*
 * override.h - hand-made corrections of the mapping between a cfg and a
 * weights file, and the profiles that record them.
 *
 * A struct dm_ovr owns everything it holds (dm_ovr_free()).  The net
 * borrows it while laid out with dm_net_layout_ovr(); it must outlive that
 * layout.  Profiles are plain text in Darknet's own INI style (see
 * darkmap-profile(5)); dm_profile_write() of what dm_profile_read() gave
 * reproduces a darkmap-written profile byte for byte.
 */
#ifndef DM_OVERRIDE_H
#define DM_OVERRIDE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "net.h"

#define DM_PROFILE_VERSION 1
#define DM_UNSET (-1)

struct dm_layer_ovr {
	size_t		 layer;
	int		 line;		/* where it starts in the profile, or 0 */
	int		 absent;	/* arrays not in the file */
	int		 omit;		/* in the file, not exported */
	int		 cutoff;	/* the file ends after this layer */
	int64_t		 offset;	/* absolute start, DM_UNSET if none */
	int64_t		 gap;		/* bytes before the layer (may be < 0) */
	char		*order;		/* "scales,rolling_mean,...", or NULL */
};

struct dm_array_ovr {
	size_t		 layer;
	int		 line;		/* where it starts in the profile, or 0 */
	char		 name[DM_ARRAY_NAME_MAX];
	int		 transpose;	/* stored transposed (2-D), or unset */
	int		 perm[DM_SHAPE_MAX]; /* stored axis order, nperm axes */
	int		 nperm;
	char		*rename;	/* exported key, or NULL */
	uint64_t	 reshape[DM_SHAPE_MAX]; /* exported shape */
	int		 nreshape;
	int64_t		 count;		/* floats in the file, or unset */
};

struct dm_ovr {
	/* What the profile was made for; any may be unset. */
	char		*for_cfg;	/* base name */
	int64_t		 for_size;
	char		*for_hash;	/* "fnv1a64:<16 hex>" of the head */
	char		*note;		/* one line of explanation */

	/*
	 * The profile read, or NULL; the entries' lines are in it.  Owned:
	 * freed by dm_ovr_free(), copied by dm_ovr_copy().
	 */
	char		*path;

	/* File-wide. */
	int		 dialect;	/* DM_DIALECT_*, or unset */
	int		 header;	/* 16 or 20, or unset */
	int		 transpose;	/* 0 or 1, or unset */
	int64_t		 data_end;	/* bytes after it ignored, or unset */
	int		 layout;	/* DM_LAYOUT_*, or unset */

	struct dm_layer_ovr *layers;
	size_t		 nlayers;
	struct dm_array_ovr *arrays;
	size_t		 narrays;

	/* Export settings. */
	char		*names;
	char		*dtype;
	char		*wrap;
	/* The target model it was made for: base name, key list hash. */
	char		*target;
	char		*target_hash;
};

struct dm_ovr	*dm_ovr_new(void);
void		 dm_ovr_free(struct dm_ovr *ovr);
int		 dm_ovr_empty(const struct dm_ovr *ovr);

/*
 * The entry for a layer or an array, created on demand (NULL: no memory),
 * to be changed: it loses its line, as the profile no longer says all that
 * it holds.
 */
struct dm_layer_ovr *dm_ovr_layer(struct dm_ovr *ovr, size_t layer,
		     struct dm_error *err);
struct dm_array_ovr *dm_ovr_array(struct dm_ovr *ovr, size_t layer,
		     const char *name, struct dm_error *err);
const struct dm_layer_ovr *dm_ovr_find_layer(const struct dm_ovr *ovr,
		     size_t layer);
const struct dm_array_ovr *dm_ovr_find_array(const struct dm_ovr *ovr,
		     size_t layer, const char *name);

/* Copies src over dst (which is emptied first). */
int		 dm_ovr_copy(struct dm_ovr *dst, const struct dm_ovr *src,
		     struct dm_error *err);

/*
 * The algebra of overrides, on the structures.  dm_ovr_dup() returns a
 * new copy (NULL: no memory).  dm_ovr_equal() says whether two sets would
 * be written as the same profile (the lines and path they were read from
 * do not count).  dm_ovr_prune() drops the entries of layers and arrays
 * that change nothing.  dm_ovr_merge() lays src over dst: what src sets
 * wins, flags add up (the command-line options over a profile), and so
 * do its export settings.
 */
struct dm_ovr	*dm_ovr_dup(const struct dm_ovr *src);
int		 dm_ovr_equal(const struct dm_ovr *a, const struct dm_ovr *b);
void		 dm_ovr_prune(struct dm_ovr *ovr);
int		 dm_ovr_merge(struct dm_ovr *dst, const struct dm_ovr *src,
		     struct dm_error *err);

/*
 * Removes the corrections of a layer (its entry and its arrays'), or with
 * layer < 0 every correction: the entries and the file-wide ones (header,
 * transpose, layout, data end) with the note that explained them, not the
 * fork nor the export settings.
 */
void		 dm_ovr_clear(struct dm_ovr *ovr, long layer);

/* The files a set of overrides is made for. */
struct dm_ovr_identity {
	const char	*cfg_path;
	const char	*weights_path;	/* NULL: no weights file */
	const uint8_t	*head;		/* its first bytes, or NULL */
	size_t		 headlen;
	int64_t		 size;		/* its size */
	int		 dialect;	/* the fork the net was read for */
};

#define DM_NOTE_MAX	1024

/*
 * Records in ovr what it is made for: the cfg's base name, the weights
 * file's size and hash, and the fork when ovr sets none.
 */
int		 dm_ovr_identify(struct dm_ovr *ovr,
		     const struct dm_ovr_identity *id, struct dm_error *err);

/*
 * The warnings due when ovr, read from profile, was made for other files
 * than id: at most two, into notes; returns how many.
 */
size_t		 dm_ovr_identity_notes(const struct dm_ovr *ovr,
		     const char *profile, const struct dm_ovr_identity *id,
		     char notes[][DM_NOTE_MAX]);

/*
 * Describes how b differs from a on net, one change a line, into buf;
 * returns the number of changes (all of them, even those buf cannot
 * hold).
 */
int		 dm_ovr_diff(const struct dm_net *net, const struct dm_ovr *a,
		     const struct dm_ovr *b, char *buf, size_t len);

/*
 * Letters of the overrides a layer has, into buf: a absent, o omit,
 * c cutoff, g gap, @ offset, O order, # count, t transpose, p permute,
 * S reshape, R rename.
 */
void		 dm_ovr_letters(const struct dm_ovr *ovr, size_t layer,
		     char *buf, size_t len);

/* "1,2,3" from n numbers, into buf. */
void		 dm_ovr_join(char *buf, size_t len, const uint64_t *v, int n);

/* The last component of a path ("" for NULL). */
const char	*dm_base_name(const char *path);

/*
 * The value of -d (opt "dialect": an enum dm_dialect) or -l ("layout": an
 * enum dm_layout_mode) given as word, as the profile's keys of those names
 * read it; -1 with a usage error naming the words allowed.
 */
int		 dm_ovr_choice(const char *opt, const char *word,
		     struct dm_error *err);

/*
 * Parses a command-line override such as opt "gap", arg "12=4" into ovr
 * (see darkmap(1), OVERRIDES).  Errors are usage errors naming the option;
 * after one, the entry the option addressed may be partly set, so the
 * caller gives up on ovr.
 */
int		 dm_ovr_parse_option(struct dm_ovr *ovr, const char *opt,
		     const char *arg, struct dm_error *err);

/*
 * Checks the overrides against a net: layers and arrays exist.  An error
 * about an entry read from a profile names the profile and the entry's
 * line, as dm_net_layout_ovr()'s do.
 */
int		 dm_ovr_check(const struct dm_ovr *ovr, const struct dm_net *net,
		     struct dm_error *err);

/*
 * Prefixes the message in err with "profile:line" when ovr was read from a
 * profile and line (an entry's) is known; returns -1.
 */
int		 dm_ovr_locate(const struct dm_ovr *ovr, int line,
		     struct dm_error *err);

/*
 * Reads a profile into a new struct dm_ovr, the caller's to free with
 * dm_ovr_free(); NULL with err set (naming the file and line) on failure.
 */
struct dm_ovr	*dm_profile_read(const char *path, struct dm_error *err);
struct dm_ovr	*dm_profile_parse(const char *path, const char *buf, size_t len,
		     struct dm_error *err);

/* Writes ovr as a profile (atomically when path is a file). */
int		 dm_profile_write(const struct dm_ovr *ovr, const char *path,
		     struct dm_error *err);
int		 dm_profile_fprint(const struct dm_ovr *ovr, FILE *fp);

/* The identity hash of a weights file's first bytes. */
void		 dm_profile_hash(const uint8_t *head, size_t len, char *buf,
		     size_t buflen);

#endif /* DM_OVERRIDE_H */
