/*
 * prompt.c - the one-line prompts (searching, going to an offset, the
 * edits that take a value, saving the profile) and the line editing of
 * their text and of the export dialog's text fields.  Text is UTF-8; a
 * field never holds a control character.
 */
#include "config.h"

#include "vmpriv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
prompt_open(struct dm_vm *vm, enum dm_prompt kind, const char *label,
    const char *init)
{
	memset(&vm->prompt, 0, sizeof vm->prompt);
	vm->prompt.kind = kind;
	vm_copy_str(vm->prompt.label, sizeof vm->prompt.label, label);
	vm_copy_str(vm->prompt.buf, sizeof vm->prompt.buf, init);
	vm->prompt.len = strlen(vm->prompt.buf);
	vm->prompt.fresh = vm->prompt.len > 0;
	vm->msg[0] = '\0';
	return DM_VM_REDRAW;
}

static int
open_layer_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_layer_ovr *lo;
	const struct dm_layer *l;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t lo_b, hi_b;
	size_t k, n = 0;
	long li;

	if ((li = vm_sel_layer(vm)) < 0)
		return DM_VM_REDRAW | DM_VM_BELL;
	l = &net_of(vm)->layers[li];
	lo = dm_ovr_find_layer(ovr_of(vm), (size_t)li);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_GAP:
		snprintf(label, sizeof label, "bytes before layer %ld (may be "
		    "negative; empty: none)", li);
		if (lo != NULL && lo->gap != 0)
			snprintf(init, sizeof init, "%" PRId64, lo->gap);
		break;
	case DM_PROMPT_OFFSET:
		snprintf(label, sizeof label, "layer %ld starts at byte "
		    "(empty: where the previous ends)", li);
		if (lo != NULL && lo->offset != DM_UNSET)
			snprintf(init, sizeof init, "%" PRId64, lo->offset);
		else if (dm_session_layer_range(vm->s, (size_t)li, &lo_b, &hi_b))
			snprintf(init, sizeof init, "%" PRIu64, lo_b);
		break;
	default:
		if (l->narrays == 0) {
			dm_vm_message(vm, 1, "layer %ld has no arrays", li);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(label, sizeof label, "order of the arrays of layer "
		    "%ld in the file (empty: the usual)", li);
		if (lo != NULL && lo->order != NULL)
			snprintf(init, sizeof init, "%s", lo->order);
		else
			for (k = 0; k < l->narrays && n < sizeof init; k++)
				n += (size_t)snprintf(init + n, sizeof init - n,
				    "%s%s", k ? "," : "",
				    net_of(vm)->arrays[l->first_array + k].name);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = (size_t)li;
	return DM_VM_REDRAW;
}

static int
open_array_prompt(struct dm_vm *vm, enum dm_prompt kind)
{
	const struct dm_array_ovr *ao;
	const struct dm_array *a;
	char label[128], init[DM_VM_FIELD_MAX];
	uint64_t v[DM_SHAPE_MAX];
	int i, n;

	if ((a = vm_sel_array(vm)) == NULL)
		return DM_VM_REDRAW | DM_VM_BELL;
	ao = dm_ovr_find_array(ovr_of(vm), a->layer, a->name);
	init[0] = '\0';
	switch (kind) {
	case DM_PROMPT_COUNT:
		snprintf(label, sizeof label, "floats of layer %zu %s in the "
		    "file (empty: as the cfg says)", a->layer, a->name);
		snprintf(init, sizeof init, "%" PRIu64, a->count);
		break;
	case DM_PROMPT_PERMUTE:
		snprintf(label, sizeof label, "stored axis order of layer %zu "
		    "%s, e.g. 1,0 (empty: as is)", a->layer, a->name);
		n = a->nperm > 0 ? a->nperm : a->ndim;
		for (i = 0; i < n && i < DM_SHAPE_MAX; i++)
			v[i] = a->nperm > 0 ? (uint64_t)a->perm[i] :
			    (uint64_t)i;
		dm_ovr_join(init, sizeof init, v, n);
		break;
	case DM_PROMPT_RESHAPE:
		snprintf(label, sizeof label, "exported shape of layer %zu %s "
		    "(empty: from the cfg)", a->layer, a->name);
		for (n = 0; n < DM_SHAPE_MAX && a->cur_shape[n] != 0 &&
		    (n < a->ndim || n == 0); n++)
			v[n] = a->cur_shape[n];
		dm_ovr_join(init, sizeof init, v, n);
		break;
	default:
		snprintf(label, sizeof label, "exported key of layer %zu %s "
		    "(empty: the scheme's)", a->layer, a->name);
		if (ao != NULL && ao->rename != NULL)
			snprintf(init, sizeof init, "%s", ao->rename);
		break;
	}
	prompt_open(vm, kind, label, init);
	vm->prompt.layer = a->layer;
	vm->prompt.array = (size_t)vm->array;
	return DM_VM_REDRAW;
}

static const char *
skip_space(const char *s)
{
	return s + strspn(s, " \t");
}

/* Applies a prompt's text as the command-line override opt would. */
static int
accept_override(struct dm_vm *vm, const char *opt, const char *text)
{
	const struct dm_vm_prompt *p = &vm->prompt;
	struct dm_layer_ovr *l;
	struct dm_array_ovr *ao;
	struct dm_error err;
	struct dm_ovr *o;
	char arg[DM_VM_FIELD_MAX + 64], what[96];
	const char *aname = net_of(vm)->arrays[p->array].name;
	int layer_opt = strcmp(opt, "gap") == 0 ||
	    strcmp(opt, "offset") == 0 || strcmp(opt, "order") == 0;

	if ((o = vm_begin(vm)) == NULL)
		return DM_VM_REDRAW;
	dm_error_clear(&err);
	if (*text == '\0') {
		/* Empty: the override goes. */
		if (strcmp(opt, "data-end") == 0)
			o->data_end = DM_UNSET;
		else if (layer_opt && (l = dm_ovr_layer(o, p->layer,
		    &err)) != NULL) {
			if (opt[0] == 'g')
				l->gap = 0;
			else if (opt[1] == 'f')
				l->offset = DM_UNSET;
			else {
				free(l->order);
				l->order = NULL;
			}
		} else if (!layer_opt && (ao = dm_ovr_array(o, p->layer, aname,
		    &err)) != NULL) {
			if (opt[0] == 'c')
				ao->count = DM_UNSET;
			else if (opt[0] == 'p')
				ao->nperm = 0;
			else if (opt[2] == 's')
				ao->nreshape = 0;
			else {
				free(ao->rename);
				ao->rename = NULL;
			}
		}
		snprintf(what, sizeof what, "%s cleared", opt);
	} else {
		if (strcmp(opt, "data-end") == 0)
			snprintf(arg, sizeof arg, "%s", text);
		else if (layer_opt)
			snprintf(arg, sizeof arg, "%zu=%s", p->layer, text);
		else
			snprintf(arg, sizeof arg, "%zu:%s=%s", p->layer, aname,
			    text);
		if (dm_ovr_parse_option(o, opt, arg, &err) == -1) {
			dm_ovr_free(o);
			dm_vm_message(vm, 1, "%s", err.msg);
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		snprintf(what, sizeof what, "%s %.80s", opt, arg);
	}
	if (err.code != DM_OK) {
		dm_ovr_free(o);
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	return vm_commit(vm, o, what);
}

static int
save_profile(struct dm_vm *vm, const char *path)
{
	struct dm_error err;

	dm_error_clear(&err);
	if (dm_session_save(vm->s, path, &err) == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	/* A profile names its cfg by its name: say which one it is. */
	if (vm_ident_wrote_cfg(vm))
		dm_vm_message(vm, 0, "saved the profile %s: apply it with "
		    "--profile %s to the cfg %s (W writes a copy of it)", path,
		    path, dm_session_cfg_path(vm->s));
	else
		dm_vm_message(vm, 0, "saved the profile %s: apply it with "
		    "--profile %s", path, path);
	return DM_VM_REDRAW;
}

/* The override option each editing prompt sets. */
static const char *const prompt_option[] = {
	[DM_PROMPT_GAP] = "gap",
	[DM_PROMPT_OFFSET] = "offset",
	[DM_PROMPT_ORDER] = "order",
	[DM_PROMPT_COUNT] = "count",
	[DM_PROMPT_PERMUTE] = "permute",
	[DM_PROMPT_RESHAPE] = "reshape",
	[DM_PROMPT_RENAME] = "rename",
	[DM_PROMPT_DATA_END] = "data-end",
};

static int
write_cfg(struct dm_vm *vm, const char *path)
{
	struct dm_error err;
	int k;

	if (*path == '\0') {
		dm_vm_message(vm, 1, "no file name: nothing written");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	if (vm_ident_wrote_cfg(vm))
		return vm_ident_write_cfg(vm, path);
	if ((k = dm_net_shown_classes(net_of(vm))) < 0) {
		dm_vm_message(vm, 1, "the cfg needs no change: nothing written");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_error_clear(&err);
	if (dm_cfg_write_classes(net_of(vm), k, path, &err) == -1) {
		dm_vm_message(vm, 1, "%s", err.msg);
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	dm_vm_message(vm, 0, "wrote %s: the cfg with classes=%d, which the "
	    "weights fit with no profile", path, k);
	return DM_VM_REDRAW;
}

static int
prompt_accept(struct dm_vm *vm)
{
	struct dm_vm_prompt p = vm->prompt;
	const char *text = skip_space(p.buf);
	char *end;
	uint64_t off;

	while (p.len > 0 && (p.buf[p.len - 1] == ' ' ||
	    p.buf[p.len - 1] == '\t'))
		p.buf[--p.len] = '\0';
	vm->prompt.kind = DM_PROMPT_NONE;
	switch (p.kind) {
	case DM_PROMPT_SEARCH:
		if (*text != '\0')
			snprintf(vm->search, sizeof vm->search, "%s", text);
		return vm_search(vm, 1);
	case DM_PROMPT_GOTO:
		errno = 0;
		if (vm_query_offset(vm, text, &off) == -1) {
			off = strtoull(text, &end, 0);
			if (*text == '\0' || *end != '\0' || errno != 0 ||
			    *text == '-') {
				dm_vm_message(vm, 1, "not an offset: '%s'",
				    text);
				return DM_VM_REDRAW | DM_VM_BELL;
			}
		}
		return vm_goto_offset(vm, off);
	case DM_PROMPT_SAVE:
		if (*text == '\0') {
			dm_vm_message(vm, 1, "no file name: nothing saved");
			return DM_VM_REDRAW | DM_VM_BELL;
		}
		return save_profile(vm, text);
	case DM_PROMPT_WRITE_CFG:
		return write_cfg(vm, text);
	default:
		/* The others set the override option of the same name. */
		if ((size_t)p.kind < sizeof prompt_option /
		    sizeof prompt_option[0] && prompt_option[p.kind] != NULL)
			return accept_override(vm, prompt_option[p.kind],
			    text);
		return DM_VM_REDRAW;
	}
}

/* Appends code point c to a field as UTF-8. */
static int
field_insert(char *buf, size_t *len, size_t cap, long c)
{
	char u[4];
	size_t n;

	if (c < 0x20 || c == 0x7f || c > 0x10ffff || (c >= 0xd800 &&
	    c <= 0xdfff))
		return -1;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*len + n >= cap)
		return -1;
	memcpy(buf + *len, u, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

int
vm_field_edit(char *buf, size_t *len, size_t cap, int *fresh,
    enum dm_act act, long arg)
{
	int was = *fresh;

	*fresh = 0;
	switch (act) {
	case DM_ACT_LEFT:
	case DM_ACT_RIGHT:
	case DM_ACT_TOP:
	case DM_ACT_BOTTOM:
		/* A cursor key: the value is kept, to be edited. */
		return was ? DM_VM_REDRAW : DM_VM_BELL;
	case DM_ACT_CHAR:
		if (was) {
			*len = 0;
			buf[0] = '\0';
		}
		return field_insert(buf, len, cap, arg) == 0 ? DM_VM_REDRAW :
		    DM_VM_BELL;
	case DM_ACT_BACKSPACE:
		if (*len == 0)
			return DM_VM_BELL;
		do
			(*len)--;
		while (*len > 0 && ((unsigned char)buf[*len] & 0xc0) == 0x80);
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL:
		*len = 0;
		buf[0] = '\0';
		return DM_VM_REDRAW;
	case DM_ACT_KILL_WORD:
		while (*len > 0 && buf[*len - 1] == ' ')
			(*len)--;
		while (*len > 0 && buf[*len - 1] != ' ' &&
		    buf[*len - 1] != '/' && buf[*len - 1] != ',')
			(*len)--;
		buf[*len] = '\0';
		return DM_VM_REDRAW;
	default:
		return 0;
	}
}

int
vm_prompt_accept_rename(struct dm_vm *vm)
{
	vm->prompt.kind = DM_PROMPT_NONE;
	return accept_override(vm, "rename", skip_space(vm->prompt.buf));
}

int
vm_prompt_do(struct dm_vm *vm, enum dm_act act, long arg)
{
	struct dm_vm_prompt *p = &vm->prompt;
	int f;

	if (p->kind == DM_PROMPT_TARGET &&
	    (f = vm_target_prompt_do(vm, act, arg)) != 0)
		return f;
	switch (act) {
	case DM_ACT_ACCEPT:
		return prompt_accept(vm);
	case DM_ACT_CANCEL:
		p->kind = DM_PROMPT_NONE;
		vm->msg[0] = '\0';
		return DM_VM_REDRAW;
	default:
		f = vm_field_edit(p->buf, &p->len, sizeof p->buf, &p->fresh,
		    act, arg);
		if ((f & DM_VM_REDRAW) && p->kind == DM_PROMPT_TARGET)
			vm_target_prompt_edited(vm);
		return f != 0 ? f : DM_VM_BELL;
	}
}

int
vm_open_search(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];

	(void)arg;
	if (act != DM_ACT_SEARCH)
		return vm_search(vm, act == DM_ACT_SEARCH_NEXT ? 1 : -1);
	snprintf(buf, sizeof buf, "search (type, index, cfg key, @offset)"
	    "%s%.40s%s", vm->search[0] ? " [" : "", vm->search,
	    vm->search[0] ? "]" : "");
	return prompt_open(vm, DM_PROMPT_SEARCH, buf, "");
}

int
vm_open_goto(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, vm->cursor);
	return prompt_open(vm, DM_PROMPT_GOTO, "go to byte offset (decimal "
	    "or 0x...)", buf);
}

int
vm_open_data_end(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[32];

	(void)act;
	(void)arg;
	snprintf(buf, sizeof buf, "%" PRIu64, ovr_of(vm)->data_end != DM_UNSET ?
	    (uint64_t)ovr_of(vm)->data_end : net_of(vm)->total_bytes);
	return prompt_open(vm, DM_PROMPT_DATA_END, "the data ends at byte "
	    "(empty: the end of the file)", buf);
}

int
vm_open_layer_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_layer_prompt(vm, act == DM_ACT_GAP ? DM_PROMPT_GAP :
	    act == DM_ACT_OFFSET ? DM_PROMPT_OFFSET : DM_PROMPT_ORDER);
}

int
vm_open_array_prompt(struct dm_vm *vm, enum dm_act act, long arg)
{
	(void)arg;
	return open_array_prompt(vm, act == DM_ACT_COUNT ? DM_PROMPT_COUNT :
	    act == DM_ACT_PERMUTE ? DM_PROMPT_PERMUTE :
	    act == DM_ACT_RESHAPE ? DM_PROMPT_RESHAPE : DM_PROMPT_RENAME);
}

int
vm_open_save(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];

	(void)act;
	(void)arg;
	if (dm_session_profile_path(vm->s) != NULL)
		vm_copy_str(buf, sizeof buf, dm_session_profile_path(vm->s));
	else
		vm_default_name(vm, "profile", buf, sizeof buf);
	return prompt_open(vm, DM_PROMPT_SAVE, "save the profile to", buf);
}

/*
 * The corrected cfg: when the layout gives the YOLO heads another class
 * count than the cfg (a class-count repair), the cfg with it made.
 */
int
vm_open_write_cfg(struct dm_vm *vm, enum dm_act act, long arg)
{
	char buf[DM_VM_FIELD_MAX];
	const char *b, *dot;
	int k;

	(void)act;
	(void)arg;
	if (vm_ident_wrote_cfg(vm))
		return prompt_open(vm, DM_PROMPT_WRITE_CFG, "write the corrected "
		    "cfg to", vm_ident_cfg_name(vm));
	if ((k = dm_net_shown_classes(net_of(vm))) < 0) {
		dm_vm_message(vm, 1, "the cfg needs no change for this layout: "
		    "W writes the cfg a class-count repair corrects");
		return DM_VM_REDRAW | DM_VM_BELL;
	}
	b = dm_base_name(dm_session_cfg_path(vm->s));
	dot = strrchr(b, '.');
	snprintf(buf, sizeof buf, "%.*s-classes%d.cfg", dot != NULL ?
	    (int)(dot - b) : (int)strlen(b), b, k);
	return prompt_open(vm, DM_PROMPT_WRITE_CFG, "write the corrected cfg "
	    "to", buf);
}
