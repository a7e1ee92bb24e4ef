/* The web UI (docs/web.md): GET / is the app's page, GET /assets/{file} its ES modules, style
 * sheet, icon, Apache ECharts and the district map, all built into the binary
 * (server/embed_web.cmake). Nothing here carries enterprise data: the app asks the API for it
 * after login. Assets are revalidated on each use (Cache-Control: no-cache with a strong ETag;
 * a matching If-None-Match answers 304 without a body). */
#include <string.h>

#include "server.h"

/* The content type of a file name by its extension. */
static const char *content_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".geojson", "application/geo+json"},  {".csv", "text/csv; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static const struct srv_asset *asset_find(const char *name)
{
    for (const struct srv_asset *a = srv_web_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

static void serve_asset(struct srv_req *r, struct srv_reply *out, const char *name)
{
    const struct srv_asset *a = asset_find(name);
    if (!a) {
        srv_error(out, 404, "not_found", "no such resource");
        return;
    }
    out->cache_control = "no-cache";
    out->etag = a->etag;
    const char *inm = srv_header(r, "If-None-Match");
    if (inm && strstr(inm, a->etag)) {
        out->status = 304;
        out->body = "";
        out->body_len = 0;
        return;
    }
    out->status = 200;
    out->content_type = content_type(a->name);
    out->body = (const char *)a->data;
    out->body_len = a->len;
}

static void get_index(struct srv_req *r, struct srv_reply *out)
{
    serve_asset(r, out, "index.html");
}

static void get_asset(struct srv_req *r, struct srv_reply *out)
{
    /* index.html is the page at /, not an asset of its own. */
    if (strcmp(r->param[0], "index.html") == 0) {
        srv_error(out, 404, "not_found", "no such resource");
        return;
    }
    serve_asset(r, out, r->param[0]);
}

static const struct srv_route web[] = {
    {"GET", "/", get_index, 0, SRV_PUBLIC, "index"},
    {"GET", "/assets/{file}", get_asset, 0, SRV_PUBLIC, "asset"},
};

const struct srv_route_table srv_routes_web = {"web", web, sizeof web / sizeof *web};
