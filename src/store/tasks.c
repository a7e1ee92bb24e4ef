/* The store's tables of the respond stage: tasks routed from warnings, their history
 * (docs/respond.md). */
#include "internal.h"

const char cr__schema_v5_respond[] = "";
