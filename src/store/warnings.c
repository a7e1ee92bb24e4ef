/* The store's tables of the monitor stage: detector runs and warnings (docs/monitor.md). */
#include "internal.h"

const char cr__schema_v5_monitor[] = "";
