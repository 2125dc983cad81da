/*
 * layers.h - between net.c, which builds a network, and layers.c, which
 * builds each of its layers; not for other callers.
 */
#ifndef DM_LAYERS_H
#define DM_LAYERS_H

#include "cfg.h"
#include "error.h"
#include "net.h"

/* The running state of dm_net_build() and the layer being built. */
struct dm_build {
	struct dm_net	*net;
	struct dm_cfg	*cfg;
	struct dm_section *s;
	struct dm_layer	*l;
	int		 w, h, c, inputs;
	struct dm_error	*err;
};

/*
 * Builds layer b->l from section b->s, with b's running state as its
 * input: its type, shapes and arrays (added to b->net's ledger), and the
 * state it hands on (l->next_*).  Returns 0, or -1 with b->err set.
 */
int		 dm_layer_build(struct dm_build *b);

#endif /* DM_LAYERS_H */
