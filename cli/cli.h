/* Shared by the verbs of the crisk command. */
#ifndef CRISK_CLI_H
#define CRISK_CLI_H

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_BADINPUT = 3 };

int cmd_gen(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);

/* Returns the store path: the --db value when given, else $CRISK_DB, else "crisk.db". */
const char *cli_db_path(const char *flag);

#endif
