/* The store's tables of the inspect stage: plans, draws and inspections (docs/inspect.md). */
#include "internal.h"

const char cr__schema_v5_inspect[] = "";
