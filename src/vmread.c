/*
 * vmread.c - what views read of the view-model: the session it shows
 * and the screen's state, through accessors (struct dm_vm is opaque).
 */
#include "config.h"

#include "vmpriv.h"

const struct dm_session *
dm_vm_session(const struct dm_vm *vm)
{
	return vm->s;
}

const struct dm_net *
dm_vm_net(const struct dm_vm *vm)
{
	return dm_session_net(vm->s);
}

const struct dm_weights *
dm_vm_weights(const struct dm_vm *vm)
{
	return dm_session_weights(vm->s);
}

const struct dm_ovr *
dm_vm_ovr(const struct dm_vm *vm)
{
	return dm_session_ovr(vm->s);
}

const struct dm_verdict *
dm_vm_verdict(const struct dm_vm *vm)
{
	return dm_session_verdict(vm->s);
}

const struct dm_diag *
dm_vm_diag(const struct dm_vm *vm)
{
	return dm_session_diag(vm->s);
}

enum dm_screen
dm_vm_screen(const struct dm_vm *vm)
{
	return vm->screen;
}

enum dm_pane
dm_vm_focus(const struct dm_vm *vm)
{
	return vm->focus;
}

long
dm_vm_row(const struct dm_vm *vm)
{
	return vm->row;
}

long
dm_vm_top(const struct dm_vm *vm)
{
	return vm->top;
}

long
dm_vm_array(const struct dm_vm *vm)
{
	return vm->array;
}

uint64_t
dm_vm_cursor(const struct dm_vm *vm)
{
	return vm->cursor;
}

uint64_t
dm_vm_btop(const struct dm_vm *vm)
{
	return vm->btop;
}

unsigned
dm_vm_bytes_per_row(const struct dm_vm *vm)
{
	return vm->bytes_per_row;
}

long
dm_vm_scroll(const struct dm_vm *vm, enum dm_pane pane)
{
	return pane < DM_PANE_ALL ? vm->scroll[pane] : 0;
}

long
dm_vm_page(const struct dm_vm *vm, enum dm_pane pane)
{
	return pane < DM_PANE_ALL ? vm->page[pane] : 0;
}

long
dm_vm_warning(const struct dm_vm *vm)
{
	return vm->warning;
}

const char *
dm_vm_msg(const struct dm_vm *vm, int *error)
{
	if (error != NULL)
		*error = vm->msg_error;
	return vm->msg;
}

const struct dm_vm_prompt *
dm_vm_prompt(const struct dm_vm *vm)
{
	return vm->prompt.kind != DM_PROMPT_NONE ? &vm->prompt : NULL;
}

size_t
dm_vm_repair_sel(const struct dm_vm *vm)
{
	return vm->repair_sel;
}

const struct dm_vm_xdialog *
dm_vm_xdialog(const struct dm_vm *vm)
{
	return &vm->x;
}

void
dm_vm_set_progress(struct dm_vm *vm, void (*fn)(struct dm_vm *, void *),
    void *ctx)
{
	vm->on_progress = fn;
	vm->progress_ctx = ctx;
}

int
dm_vm_dirty(const struct dm_vm *vm)
{
	return dm_session_dirty(vm->s);
}
