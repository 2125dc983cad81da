/*
 * vmread.c - what views read of the view-model: the session it shows
 * and the screen's state, through accessors (struct dm_vm is opaque).
 */
#include "config.h"

#include "vmpriv.h"

/* The getters that only read a field of the screen's state, or pass a
 * question on to the session. */
#define VM_GET(type, name, field) \
	type dm_vm_##name(const struct dm_vm *vm) { return vm->field; }
#define VM_SESSION(type, name) \
	type dm_vm_##name(const struct dm_vm *vm) \
	{ return vm->s != NULL ? dm_session_##name(vm->s) : 0; }

VM_SESSION(const struct dm_net *, net)
VM_SESSION(const struct dm_weights *, weights)
VM_SESSION(const struct dm_ovr *, ovr)
VM_SESSION(const struct dm_verdict *, verdict)
VM_SESSION(const struct dm_diag *, diag)
VM_SESSION(int, dirty)
VM_GET(const struct dm_session *, session, s)
VM_GET(enum dm_screen, screen, screen)
VM_GET(enum dm_pane, focus, focus)
VM_GET(long, row, row)
VM_GET(long, top, top)
VM_GET(long, array, array)
VM_GET(uint64_t, cursor, cursor)
VM_GET(uint64_t, btop, btop)
VM_GET(unsigned, bytes_per_row, bytes_per_row)
VM_GET(long, warning, warning)
VM_GET(size_t, repair_sel, repair_sel)

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

