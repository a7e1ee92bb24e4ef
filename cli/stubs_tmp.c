#include "cli.h"
int cmd_gen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}
int cmd_ingest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}
int cmd_quarantine(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}
