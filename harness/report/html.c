/* The HTML report's page (report/html.h), from the model html_read.c
 * makes. Every text from a report goes through html_esc. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chunk.h"
#include "report/html.h"
#include "report/html_internal.h"

static const char *const html_class[] = { "pass", "fail", "error", "skip" };
static const char *const html_word[] = { "passed", "failed", "error", "skipped" };
/* the symbol in a grid cell, beside its colour */
static const char *const html_mark[] = { "&#10003;", "&#10007;", "!", "&#8211;" };

/* ---- escaping ---- */

/* s as HTML text or a quoted attribute value: & < > " ' escaped. */
static void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* ---- the page's head ---- */

static const char html_css[] =
	"body{font-family:'DejaVu Sans',sans-serif;margin:1.5em;color:#1d1d1d;background:#fff}"
	"h1{font-size:1.6em}h2{border-bottom:2px solid #ccc;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee}"
	".banner{font-size:1.2em;font-weight:bold;padding:.5em 1em;color:#fff;display:inline-block}"
	".banner.pass{background:#1b7f3b}.banner.fail{background:#c62828}"
	"td.cell{padding:0;text-align:center;width:1.6em;height:1.4em}"
	"td.cell a{display:block;color:#fff;text-decoration:none;font-weight:bold}"
	"td.none{background:#f4f4f4}"
	".pass{background:#1b7f3b}.fail{background:#c62828}"
	".error{background:#e65100}.skip{background:#8a8a8a}"
	"table.grid th{font-size:.75em;font-weight:normal;white-space:nowrap}"
	"a.chip{display:inline-block;margin:.15em;padding:.1em .45em;color:#fff;"
	"text-decoration:none;font-size:.85em;border-radius:3px}"
	"span.v{color:#fff;padding:0 .4em;border-radius:3px}"
	"article.case{border-left:6px solid #bbb;margin:1em 0;padding:.2em 1em;background:#fafafa}"
	"article.case.pass{border-color:#1b7f3b}article.case.fail{border-color:#c62828}"
	"article.case.error{border-color:#e65100}article.case.skip{border-color:#8a8a8a}"
	"article.case:target{outline:3px solid #1565c0}"
	"pre{background:#f0f0f0;padding:.5em;overflow-x:auto;font-size:.8em;white-space:pre-wrap}"
	"dt{font-weight:bold;float:left;clear:left;width:9em}dd{margin-left:10em}"
	"table.legend td{border:0}";

static void html_head(FILE *f, const struct html_totals *t)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>ike-conform report: %u cases</title>\n<style>%s</style>\n</head>\n<body>\n",
		t->cases, html_css);
	fprintf(f, "<header>\n<h1>ike-conform conformance report</h1>\n");
	bool bad = t->failed || t->errors;
	fprintf(f, "<p class=\"banner %s\" id=\"verdict\">", bad ? "fail" : "pass");
	if (bad)
		fprintf(f, "%u failed, %u errors of %u cases", t->failed, t->errors, t->cases);
	else
		fprintf(f, "%u cases: none failed", t->cases);
	fprintf(f, "</p>\n<table class=\"legend\"><tr>");
	for (size_t v = 0; v < 4; v++)
		fprintf(f, "<td><span class=\"v %s\">%s</span> %s</td>", html_class[v], html_mark[v],
			html_word[v]);
	fprintf(f, "</tr></table>\n</header>\n");
}

/* ---- summary and environment ---- */

static void html_counts_row(FILE *f, const unsigned counts[4])
{
	unsigned n = counts[0] + counts[1] + counts[2] + counts[3];
	fprintf(f, "<td>%u</td>", n);
	for (size_t v = 0; v < 4; v++)
		fprintf(f, "<td class=\"n-%s\">%u</td>", html_class[v], counts[v]);
}

static void html_summary(FILE *f, const struct html_model *m, const struct html_totals *t)
{
	fprintf(f, "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"counts\">\n"
		   "<tr><th>suite</th><th>peer</th><th>cases</th><th>passed</th><th>failed</th>"
		   "<th>errors</th><th>skipped</th></tr>\n");
	for (size_t i = 0; i < m->ngroups; i++) {
		const struct html_group *g = &m->groups[i];
		const char *peer = html_kv_get(&g->props, "peer");
		fprintf(f, "<tr><td><a href=\"#suite-%zu\">", i);
		html_esc(f, g->name);
		fprintf(f, "</a></td><td>");
		html_esc(f, peer ? peer : "");
		fprintf(f, "</td>");
		html_counts_row(f, g->counts);
		fprintf(f, "</tr>\n");
	}
	unsigned all[4] = { t->passed, t->failed, t->errors, t->skipped };
	fprintf(f, "<tr class=\"total\"><th colspan=\"2\">all</th>");
	html_counts_row(f, all);
	fprintf(f, "</tr>\n</table>\n</section>\n");
}

/* Appends v to the comma-separated list in *list unless it is there. */
static void html_list_add(char **list, const char *v)
{
	size_t l = *list ? strlen(*list) : 0, vl = strlen(v);
	for (const char *p = *list; p && *p;) {
		size_t n = strcspn(p, "\x1f");
		if (n == vl && !strncmp(p, v, vl))
			return;
		p += n + (p[n] ? 1 : 0);
	}
	*list = xrealloc(*list, l + vl + 2);
	if (l)
		(*list)[l++] = '\x1f';
	memcpy(*list + l, v, vl + 1);
}

/* One row: key, then the distinct values (separated by \x1f) as lines. */
static void html_env_row(FILE *f, const char *key, const char *vals)
{
	fprintf(f, "<tr><th>");
	html_esc(f, key);
	fprintf(f, "</th><td>");
	for (const char *p = vals; p && *p;) {
		size_t n = strcspn(p, "\x1f");
		char *one = xmalloc(n + 1);
		memcpy(one, p, n);
		one[n] = '\0';
		html_esc(f, one);
		free(one);
		p += n;
		if (*p) {
			fprintf(f, "<br>");
			p++;
		}
	}
	fprintf(f, "</td></tr>\n");
}

/* Every suite property (versions, seed, topology, file ...) with its
 * distinct values, then the hosts, times and report files. */
static void html_environment(FILE *f, const struct html_model *m)
{
	struct html_kvs keys = { 0 };
	char *hosts = NULL, *stamps = NULL, *sources = NULL;
	for (size_t i = 0; i < m->ngroups; i++) {
		const struct html_group *g = &m->groups[i];
		for (size_t k = 0; k < g->props.n; k++) {
			size_t at = 0;
			while (at < keys.n && strcmp(keys.v[at].k, g->props.v[k].k))
				at++;
			if (at == keys.n) {
				keys.v = xrealloc(keys.v, (keys.n + 1) * sizeof(*keys.v));
				keys.v[keys.n++] = (struct html_kv){ xstrdup(g->props.v[k].k), NULL };
			}
			html_list_add(&keys.v[at].v, g->props.v[k].v);
		}
		html_list_add(&hosts, g->hostname);
		html_list_add(&stamps, g->timestamp);
		html_list_add(&sources, g->source);
	}
	fprintf(f, "<section id=\"environment\">\n<h2>Environment</h2>\n<table class=\"env\">\n");
	for (size_t k = 0; k < keys.n; k++) {
		html_env_row(f, keys.v[k].k, keys.v[k].v);
		free(keys.v[k].k);
		free(keys.v[k].v);
	}
	html_env_row(f, "hostname", hosts);
	html_env_row(f, "timestamp (UTC)", stamps);
	html_env_row(f, "JUnit report", sources);
	fprintf(f, "</table>\n</section>\n");
	free(keys.v);
	free(hosts);
	free(stamps);
	free(sources);
}

/* ---- grids ---- */

#define HTML_AXIS 3

/* A grid the cases of a suite and peer may fit: the case.* properties
 * that make its rows and its columns, and what precedes each value in
 * the headers. */
static const struct html_layout {
	const char *name;
	const char *rows[HTML_AXIS], *rpre[HTML_AXIS];
	const char *cols[HTML_AXIS], *cpre[HTML_AXIS];
} html_layouts[] = {
	{ "hagle", { "case.encryption", "case.hash" }, { "", "" },
	  { "case.group", "case.auth" }, { "g", "" } },
	{ "malformed", { "case.mutation" }, { "" }, { "case.at" }, { "" } },
	{ "lifetimes", { "case.lifetime", "case.child_lifetime" }, { "", "child " },
	  { "case.role", "case.peer_lifetime", "case.peer_child_lifetime" },
	  { "harness ", "peer ", "peer child " } },
};

struct html_grid {
	const struct html_layout *l;
	size_t nrk, nck;                    /* keys of rows, of columns */
	const char **vals[2 * HTML_AXIS];   /* per key: distinct values, first seen first */
	size_t nvals[2 * HTML_AXIS];
	size_t (*rt)[HTML_AXIS], (*ct)[HTML_AXIS]; /* row, column tuples (value indices) */
	size_t nr, nc;
	size_t *cell;                       /* nr * nc: a case index or SIZE_MAX */
	bool *placed;                       /* per case of the group */
	size_t nplaced;
};

static size_t html_keys(const char *const keys[HTML_AXIS])
{
	size_t n = 0;
	while (n < HTML_AXIS && keys[n])
		n++;
	return n;
}

static size_t html_value_index(struct html_grid *gr, size_t k, const char *v)
{
	for (size_t i = 0; i < gr->nvals[k]; i++)
		if (!strcmp(gr->vals[k][i], v))
			return i;
	gr->vals[k] = xrealloc(gr->vals[k], (gr->nvals[k] + 1) * sizeof(*gr->vals[k]));
	gr->vals[k][gr->nvals[k]] = v;
	return gr->nvals[k]++;
}

/* The index of tuple t in *set (added when new). */
static size_t html_tuple_index(size_t (**set)[HTML_AXIS], size_t *n, const size_t *t)
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp((*set)[i], t, sizeof((*set)[i])))
			return i;
	*set = xrealloc(*set, (*n + 1) * sizeof(**set));
	memcpy((*set)[*n], t, sizeof((*set)[*n]));
	return (*n)++;
}

static int html_tuple_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	for (size_t i = 0; i < HTML_AXIS; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static void html_grid_free(struct html_grid *gr)
{
	for (size_t k = 0; k < 2 * HTML_AXIS; k++)
		free(gr->vals[k]);
	free(gr->rt);
	free(gr->ct);
	free(gr->cell);
	free(gr->placed);
	memset(gr, 0, sizeof(*gr));
}

/* Each case's row and column tuple (false: it lacks a key). */
static bool html_grid_tuple(struct html_grid *gr, const struct html_case *c, size_t *r,
			    size_t *col)
{
	memset(r, 0, HTML_AXIS * sizeof(*r));
	memset(col, 0, HTML_AXIS * sizeof(*col));
	for (size_t k = 0; k < gr->nrk + gr->nck; k++) {
		bool row = k < gr->nrk;
		const char *key = row ? gr->l->rows[k] : gr->l->cols[k - gr->nrk];
		const char *v = html_kv_get(&c->props, key);
		if (!v)
			return false;
		size_t idx = html_value_index(gr, k, v);
		if (row)
			r[k] = idx;
		else
			col[k - gr->nrk] = idx;
	}
	return true;
}

/* Whether the group's cases fit layout l: two rows and two columns at
 * least, three quarters of the cases in a cell of their own. */
static bool html_grid_build(const struct html_model *m, const struct html_group *g,
			    const struct html_layout *l, struct html_grid *gr)
{
	memset(gr, 0, sizeof(*gr));
	gr->l = l;
	gr->nrk = html_keys(l->rows);
	gr->nck = html_keys(l->cols);
	size_t (*rows)[HTML_AXIS] = xcalloc(g->n ? g->n : 1, sizeof(*rows));
	size_t (*cols)[HTML_AXIS] = xcalloc(g->n ? g->n : 1, sizeof(*cols));
	bool *has = xcalloc(g->n ? g->n : 1, sizeof(*has));
	for (size_t i = 0; i < g->n; i++)
		if ((has[i] = html_grid_tuple(gr, &m->cases[g->first + i], rows[i], cols[i]))) {
			html_tuple_index(&gr->rt, &gr->nr, rows[i]);
			html_tuple_index(&gr->ct, &gr->nc, cols[i]);
		}
	if (gr->nr >= 2 && gr->nc >= 2) {
		qsort(gr->rt, gr->nr, sizeof(*gr->rt), html_tuple_cmp);
		qsort(gr->ct, gr->nc, sizeof(*gr->ct), html_tuple_cmp);
		gr->cell = xmalloc(gr->nr * gr->nc * sizeof(*gr->cell));
		for (size_t i = 0; i < gr->nr * gr->nc; i++)
			gr->cell[i] = SIZE_MAX;
		gr->placed = xcalloc(g->n, sizeof(*gr->placed));
		for (size_t i = 0; i < g->n; i++) {
			if (!has[i])
				continue;
			size_t r = html_tuple_index(&gr->rt, &gr->nr, rows[i]);
			size_t c = html_tuple_index(&gr->ct, &gr->nc, cols[i]);
			if (gr->cell[r * gr->nc + c] == SIZE_MAX) {
				gr->cell[r * gr->nc + c] = g->first + i;
				gr->placed[i] = true;
				gr->nplaced++;
			}
		}
	}
	free(rows);
	free(cols);
	free(has);
	if (gr->nplaced >= 4 && gr->nplaced * 4 >= g->n * 3)
		return true;
	html_grid_free(gr);
	return false;
}

/* A header's label: each key's prefix and value, joined by sep. */
static void html_grid_label(FILE *f, const struct html_grid *gr, const size_t *t, bool row)
{
	size_t nk = row ? gr->nrk : gr->nck;
	for (size_t k = 0; k < nk; k++) {
		const char *pre = row ? gr->l->rpre[k] : gr->l->cpre[k];
		if (k)
			fputs(row ? " &#183; " : "<br>", f);
		html_esc(f, pre);
		html_esc(f, gr->vals[row ? k : gr->nrk + k][t[k]]);
	}
}

static void html_cell(FILE *f, const struct html_model *m, size_t ci)
{
	if (ci == SIZE_MAX) {
		fprintf(f, "<td class=\"none\"></td>");
		return;
	}
	const struct html_case *c = &m->cases[ci];
	fprintf(f, "<td class=\"cell %s\"><a href=\"#case-%zu\" title=\"", html_class[c->verdict], ci);
	html_esc(f, c->name);
	fprintf(f, ": %s\">%s</a></td>", html_word[c->verdict], html_mark[c->verdict]);
}

static void html_grid_write(FILE *f, const struct html_model *m, const struct html_grid *gr)
{
	fprintf(f, "<table class=\"grid\" data-layout=\"%s\">\n<tr><th>", gr->l->name);
	for (size_t k = 0; k < gr->nrk; k++)
		fprintf(f, "%s%s", k ? " &#183; " : "", gr->l->rows[k] + 5);
	fprintf(f, " \\ ");
	for (size_t k = 0; k < gr->nck; k++)
		fprintf(f, "%s%s", k ? " &#183; " : "", gr->l->cols[k] + 5);
	fprintf(f, "</th>");
	for (size_t c = 0; c < gr->nc; c++) {
		fprintf(f, "<th>");
		html_grid_label(f, gr, gr->ct[c], false);
		fprintf(f, "</th>");
	}
	fprintf(f, "</tr>\n");
	for (size_t r = 0; r < gr->nr; r++) {
		fprintf(f, "<tr><th>");
		html_grid_label(f, gr, gr->rt[r], true);
		fprintf(f, "</th>");
		for (size_t c = 0; c < gr->nc; c++)
			html_cell(f, m, gr->cell[r * gr->nc + c]);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* ---- suites ---- */

static void html_chip(FILE *f, const struct html_model *m, size_t ci)
{
	const struct html_case *c = &m->cases[ci];
	fprintf(f, "<a class=\"chip %s\" href=\"#case-%zu\" title=\"%s\">", html_class[c->verdict],
		ci, html_word[c->verdict]);
	html_esc(f, c->name);
	fprintf(f, "</a>\n");
}

/* A suite and peer: its counts, its grid when one fits, the other cases
 * as coloured links. */
static void html_suite(FILE *f, const struct html_model *m, size_t gi)
{
	const struct html_group *g = &m->groups[gi];
	fprintf(f, "<section class=\"suite\" id=\"suite-%zu\">\n<h3>", gi);
	html_esc(f, g->name);
	fprintf(f, "</h3>\n<p>%zu cases: %u passed, %u failed, %u errors, %u skipped</p>\n", g->n,
		g->counts[HTML_PASS], g->counts[HTML_FAIL], g->counts[HTML_ERROR],
		g->counts[HTML_SKIP]);
	struct html_grid gr;
	bool grid = false;
	for (size_t l = 0; !grid && l < sizeof(html_layouts) / sizeof(html_layouts[0]); l++)
		grid = html_grid_build(m, g, &html_layouts[l], &gr);
	if (grid)
		html_grid_write(f, m, &gr);
	if (!grid || gr.nplaced < g->n) {
		fprintf(f, "<p>%s</p>\n<div class=\"chips\">\n", grid ? "Not in the grid:" : "Cases:");
		for (size_t i = 0; i < g->n; i++)
			if (!grid || !gr.placed[i])
				html_chip(f, m, g->first + i);
		fprintf(f, "</div>\n");
	}
	if (grid)
		html_grid_free(&gr);
	fprintf(f, "</section>\n");
}

/* ---- departures and skips ---- */

/* Whether the comma-separated tags hold tag. */
static bool html_tagged(const char *tags, const char *tag)
{
	size_t tl = strlen(tag);
	for (const char *p = tags; p && *p;) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (n == tl && !strncmp(p, tag, tl))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static void html_td(FILE *f, const char *s)
{
	fprintf(f, "<td>");
	html_esc(f, s && *s ? s : "\xe2\x80\x94");
	fprintf(f, "</td>");
}

static void html_case_link(FILE *f, const struct html_model *m, size_t ci)
{
	fprintf(f, "<td><a href=\"#case-%zu\">", ci);
	html_esc(f, m->cases[ci].name);
	fprintf(f, "</a></td>");
	html_td(f, m->groups[m->cases[ci].group].name);
}

static void html_departures(FILE *f, const struct html_model *m)
{
	size_t n = 0;
	fprintf(f, "<section id=\"departures\">\n<h2>Departures from the RFC</h2>\n"
		   "<p>Cases tagged <code>departure</code>: the peer does something else than the "
		   "RFC calls for, and the case asserts what it does.</p>\n<table class=\"departures\">\n"
		   "<tr><th>case</th><th>suite</th><th>RFC clause</th><th>the RFC calls for</th>"
		   "<th>the peer does</th><th>verdict</th></tr>\n");
	for (size_t i = 0; i < m->ncases; i++) {
		const struct html_case *c = &m->cases[i];
		if (!html_tagged(html_kv_get(&c->props, "case.tags"), "departure"))
			continue;
		n++;
		fprintf(f, "<tr>");
		html_case_link(f, m, i);
		html_td(f, html_kv_get(&c->props, "case.rfc"));
		html_td(f, html_kv_get(&c->props, "case.rfc_reaction"));
		html_td(f, html_kv_get(&c->props, "case.expect"));
		fprintf(f, "<td><span class=\"v %s\">%s</span> ", html_class[c->verdict],
			html_word[c->verdict]);
		html_esc(f, c->message);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n<p>%zu departure%s.</p>\n</section>\n", n, n == 1 ? "" : "s");
}

static void html_skips(FILE *f, const struct html_model *m, const struct html_totals *t)
{
	fprintf(f, "<section id=\"skips\">\n<h2>Skipped</h2>\n<p>%u skipped.</p>\n"
		   "<table class=\"skips\">\n<tr><th>case</th><th>suite</th><th>why</th></tr>\n",
		t->skipped);
	for (size_t i = 0; i < m->ncases; i++) {
		if (m->cases[i].verdict != HTML_SKIP)
			continue;
		fprintf(f, "<tr>");
		html_case_link(f, m, i);
		html_td(f, m->cases[i].text);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n</section>\n");
}

/* ---- each case ---- */

static void html_dd(FILE *f, const char *term, const char *s)
{
	if (!s || !*s)
		return;
	fprintf(f, "<dt>%s</dt><dd>", term);
	html_esc(f, s);
	fprintf(f, "</dd>\n");
}

static void html_pre(FILE *f, const char *summary, const char *cls, const char *s, bool open)
{
	if (!s || !*s)
		return;
	fprintf(f, "<details class=\"%s\"%s><summary>%s</summary><pre>", cls, open ? " open" : "",
		summary);
	html_esc(f, s);
	fprintf(f, "</pre></details>\n");
}

static void html_case(FILE *f, const struct html_model *m, size_t ci)
{
	const struct html_case *c = &m->cases[ci];
	fprintf(f, "<article class=\"case %s\" id=\"case-%zu\">\n<h4>", html_class[c->verdict], ci);
	html_esc(f, c->name);
	fprintf(f, " <span class=\"v %s\">%s</span></h4>\n<dl>\n", html_class[c->verdict],
		html_word[c->verdict]);
	html_dd(f, "suite", m->groups[c->group].name);
	html_dd(f, "class", c->classname);
	html_dd(f, "seconds", c->time);
	html_dd(f, "expected", html_kv_get(&c->props, "case.expect"));
	html_dd(f, c->verdict == HTML_SKIP ? "why skipped" : "seen", c->message);
	fprintf(f, "</dl>\n");
	if (c->text && strcmp(c->text, c->message))
		html_pre(f, "what happened", "outcome", c->text, true);
	if (c->props.n) {
		fprintf(f, "<table class=\"props\">\n");
		for (size_t k = 0; k < c->props.n; k++) {
			fprintf(f, "<tr><th>");
			html_esc(f, c->props.v[k].k);
			fprintf(f, "</th>");
			html_td(f, c->props.v[k].v);
			fprintf(f, "</tr>\n");
		}
		fprintf(f, "</table>\n");
	}
	html_pre(f, "timeline", "timeline", c->out, c->verdict != HTML_PASS);
	html_pre(f, "system-err", "stderr", c->err, c->verdict != HTML_PASS);
	fprintf(f, "<p><a href=\"#suite-%zu\">back to the suite</a></p>\n</article>\n", c->group);
}

/* ---- the page ---- */

static void html_page(FILE *f, const struct html_model *m, const struct html_totals *t,
		      size_t ninputs)
{
	html_head(f, t);
	html_summary(f, m, t);
	html_environment(f, m);
	fprintf(f, "<section id=\"suites\">\n<h2>Suites</h2>\n");
	for (size_t i = 0; i < m->ngroups; i++)
		html_suite(f, m, i);
	fprintf(f, "</section>\n");
	html_departures(f, m);
	html_skips(f, m, t);
	fprintf(f, "<section id=\"cases\">\n<h2>Cases</h2>\n");
	for (size_t i = 0; i < m->ncases; i++)
		html_case(f, m, i);
	fprintf(f, "</section>\n<footer><p>Written by ike-conform report from %zu JUnit "
		   "report%s.</p></footer>\n</body>\n</html>\n", ninputs, ninputs == 1 ? "" : "s");
}

bool html_report(const char *const *paths, size_t n, const char *out,
		 struct html_totals *totals, char *err, size_t errlen)
{
	struct html_model m = { 0 };
	struct html_totals t = { 0 };
	for (size_t i = 0; i < n; i++)
		if (!html_read(&m, paths[i], err, errlen)) {
			html_model_free(&m);
			return false;
		}
	for (size_t i = 0; i < m.ncases; i++) {
		t.cases++;
		t.passed += m.cases[i].verdict == HTML_PASS;
		t.failed += m.cases[i].verdict == HTML_FAIL;
		t.errors += m.cases[i].verdict == HTML_ERROR;
		t.skipped += m.cases[i].verdict == HTML_SKIP;
	}
	FILE *f = fopen(out, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		html_model_free(&m);
		return false;
	}
	html_page(f, &m, &t, n);
	bool ok = !ferror(f);
	int e = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		snprintf(err, errlen, "%s: write failed: %s", out, strerror(e));
		unlink(out);
	}
	html_model_free(&m);
	if (totals)
		*totals = t;
	return ok;
}
