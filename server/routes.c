/* The route tables of every stage and the matching of a request against them. A stage adds its
 * routes as a table (routes_<stage>.c) and one line below; openapi.json describes them too. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

const struct srv_route_table *const srv_route_tables[] = {
    &srv_routes_core,    &srv_routes_web,     &srv_routes_monitor,
    &srv_routes_respond, &srv_routes_inspect, &srv_routes_learn,
    &srv_routes_jobs,    &srv_routes_dash,    NULL,
};

/* Whether path matches pattern, each {…} of the pattern standing for one non-empty segment
 * (copied into seg, at most 4 of 128 bytes). */
static int match(const char *pattern, const char *path, char seg[4][128], size_t *n_seg)
{
    *n_seg = 0;
    const char *p = pattern, *q = path;
    while (*p && *q) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *slash = strchr(q, '/');
            size_t len = slash ? (size_t)(slash - q) : strlen(q);
            if (!close || !len || len >= 128 || *n_seg >= 4)
                return 0;
            memcpy(seg[*n_seg], q, len);
            seg[(*n_seg)++][len] = 0;
            p = close + 1;
            q += len;
        } else if (*p++ != *q++) {
            return 0;
        }
    }
    return !*p && !*q;
}

int srv_route_match(const char *method, const char *path, const struct srv_route **route,
                    struct srv_req *r)
{
    /* The segments live with the thread's request: one request per worker at a time. */
    static _Thread_local char seg[4][128];
    int path_known = 0;
    for (size_t t = 0; srv_route_tables[t]; t++) {
        const struct srv_route_table *tab = srv_route_tables[t];
        for (size_t i = 0; i < tab->n; i++) {
            size_t n = 0;
            if (!match(tab->routes[i].pattern, path, seg, &n))
                continue;
            path_known = 1;
            if (strcmp(tab->routes[i].method, method) != 0)
                continue;
            *route = &tab->routes[i];
            r->n_param = n;
            for (size_t k = 0; k < n; k++)
                r->param[k] = seg[k];
            return 200;
        }
    }
    return path_known ? 405 : 404;
}

void srv_route_allow(const char *path, char *out, size_t cap)
{
    char seg[4][128];
    size_t o = 0;
    out[0] = 0;
    for (size_t t = 0; srv_route_tables[t]; t++)
        for (size_t i = 0; i < srv_route_tables[t]->n; i++) {
            const struct srv_route *rt = &srv_route_tables[t]->routes[i];
            size_t n = 0;
            if (match(rt->pattern, path, seg, &n) && !strstr(out, rt->method) &&
                o + strlen(rt->method) + 3 < cap)
                o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", rt->method);
        }
}

int srv_route_query_keys(const json_t *openapi, const struct srv_route *rt, char *out, size_t cap)
{
    char method[8];
    size_t i = 0;
    for (; rt->method[i] && i + 1 < sizeof method; i++)
        method[i] = (char)tolower((unsigned char)rt->method[i]);
    method[i] = 0;
    const json_t *params = json_object_get(
        json_object_get(json_object_get(json_object_get(openapi, "paths"), rt->pattern), method),
        "parameters");
    size_t o = 0, k, n = 0;
    const json_t *p;
    out[0] = 0;
    json_array_foreach(params, k, p)
    {
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *name = json_string_value(json_object_get(p, "name"));
        if (!in || !name || strcmp(in, "query") != 0)
            continue;
        if (o + strlen(name) + 2 >= cap || ++n > SRV_QUERY_KEYS_MAX)
            return -1;
        o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", name);
    }
    return 0;
}

void srv_routes_print(void)
{
    for (size_t t = 0; srv_route_tables[t]; t++)
        for (size_t i = 0; i < srv_route_tables[t]->n; i++) {
            const struct srv_route *rt = &srv_route_tables[t]->routes[i];
            printf("%s %s ", rt->method, rt->pattern);
            if (rt->flags & SRV_PUBLIC) {
                printf("public\n");
                continue;
            }
            const char *sep = "";
            for (int r = 0; r < SRV_N_ROLES; r++)
                if (rt->roles & SRV_ROLE(r)) {
                    printf("%s%s", sep, srv_role_name(r));
                    sep = ",";
                }
            printf("\n");
        }
}
