/* Reading checked YAML documents (catalogs, models) with libyaml's document API: every error
 * names the file, line and column of the node at fault. Internal to libcrisk. */
#ifndef CRISK_BASE_YDOC_H
#define CRISK_BASE_YDOC_H

#include <stddef.h>
#include <yaml.h>

#include "crisk/err.h"

typedef struct cr__ydoc {
    yaml_document_t doc;
    const char *path;
    cr_diag *d;
    int loaded;
} cr__ydoc;

/* How deep a catalog, model or tags file may nest mappings and lists: theirs nest a few levels;
 * a hostile one nested thousands deep would cost libyaml quadratic time. */
#define CR_YAML_MAX_DEPTH 64

/* The largest catalog, model or tags file read (16 MiB; theirs are kilobytes): a longer one, or
 * an endless one such as /dev/zero, is an error instead of filling the memory. */
#define CR_YAML_MAX_BYTES ((size_t)16 << 20)

/* Loads the first document of path (cr_file_read); CR_ENOTFOUND / CR_EIO when it cannot be
 * opened, CR_EINVAL when it is a folder, a FIFO or a device (refused before it is opened: never a
 * hang), CR_ERANGE when longer than CR_YAML_MAX_BYTES, CR_EPARSE on a YAML syntax error, nesting
 * deeper than CR_YAML_MAX_DEPTH (at the first collection too deep, before the document is built) or
 * a key given twice in one mapping (at the second one's line:column). Free with cr__ydoc_free (also
 * after a failure). */
cr_err cr__ydoc_load(cr__ydoc *y, const char *path, cr_diag *d) CR_MUST_USE;
void cr__ydoc_free(cr__ydoc *y);
/* The same from len bytes of text in memory (borrowed for the call); name stands for the path in
 * messages. */
cr_err cr__ydoc_load_mem(cr__ydoc *y, const char *name, const void *text, size_t len,
                         cr_diag *d) CR_MUST_USE;

yaml_node_t *cr__yroot(cr__ydoc *y);
/* The value of key in a mapping node, NULL when absent (or map is not a mapping). */
yaml_node_t *cr__yget(cr__ydoc *y, yaml_node_t *map, const char *key);
/* The text of a scalar node, NULL for other nodes. */
const char *cr__yscalar(yaml_node_t *n);
size_t cr__ylen(yaml_node_t *seq);
yaml_node_t *cr__yitem(cr__ydoc *y, yaml_node_t *seq, size_t i);
long cr__yline(yaml_node_t *n);

/* Sets the diagnostic at node n (may be NULL) and returns CR_EPARSE. */
cr_err cr__yfail(cr__ydoc *y, yaml_node_t *n, const char *fmt, ...) CR_FORMAT(3, 4) CR_MUST_USE;
/* Rejects keys of map not in allowed (NULL-terminated): a typo must not be silently ignored. */
cr_err cr__yonly(cr__ydoc *y, yaml_node_t *map, const char *const *allowed,
                 const char *what) CR_MUST_USE;
/* Copies a non-empty string value of key into *out (NULL when absent and not required). */
cr_err cr__ystr(cr__ydoc *y, yaml_node_t *map, const char *key, int required, char **out,
                const char *what) CR_MUST_USE;
/* Parses a number node (also "inf" and "-inf"). */
cr_err cr__ynum(cr__ydoc *y, yaml_node_t *n, double *out, const char *what) CR_MUST_USE;
/* A scalar or a list of scalars as an array of copies. */
cr_err cr__ystrs(cr__ydoc *y, yaml_node_t *n, char ***out, size_t *n_out,
                 const char *what) CR_MUST_USE;
void cr__ystrs_free(char **v, size_t n);

#endif
