/* The calling thread's progress hook (include/crisk/progress.h). */
#include "crisk/progress.h"

#include <stddef.h>

static _Thread_local cr_progress_fn hook;
static _Thread_local void *hook_ctx;

void cr_progress_set(cr_progress_fn fn, void *ctx)
{
    hook = fn;
    hook_ctx = fn ? ctx : NULL;
}

void cr_progress(const char *what, double done)
{
    if (!hook)
        return;
    if (!(done >= 0)) /* NaN too */
        done = 0;
    if (done > 1)
        done = 1;
    hook(hook_ctx, what, done);
}

int cr_progress_on(void)
{
    return hook != NULL;
}
