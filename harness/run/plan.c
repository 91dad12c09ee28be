/* The plan: suite files into case ids, filtered and sharded (run/run.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "run/run.h"

bool run_plan_load(struct run_plan *p, char *const *files, size_t n, const enum suite_peer *only,
		   struct yaml_error *err)
{
	memset(p, 0, sizeof(*p));
	p->suites = xcalloc(n ? n : 1, sizeof(*p->suites));
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (!suite_load_file_for(files[i], only, &p->suites[i], err)) {
			p->nsuites = i + 1;  /* the failed one is empty: free is safe */
			run_plan_free(p);
			return false;
		}
		p->nsuites = i + 1;
		total += p->suites[i].ncases;
	}
	p->items = xcalloc(total ? total : 1, sizeof(*p->items));
	for (size_t i = 0; i < n; i++) {
		const struct suite *s = &p->suites[i];
		for (size_t k = 0; k < s->ncases; k++) {
			struct run_item *it = &p->items[p->nitems++];
			it->suite = s;
			it->c = &s->cases[k];
			if (s->npeers > 1)
				snprintf(it->group, sizeof(it->group), "%s@%s", s->name,
					 suite_peer_name(it->c->peer));
			else
				snprintf(it->group, sizeof(it->group), "%s", s->name);
			snprintf(it->id, sizeof(it->id), "%s/%s", it->group, it->c->name);
		}
	}
	return true;
}

void run_plan_free(struct run_plan *p)
{
	for (size_t i = 0; i < p->nsuites; i++)
		suite_free(&p->suites[i]);
	free(p->suites);
	free(p->items);
	for (size_t i = 0; i < p->ntexts; i++)
		free(p->texts[i]);
	free(p->texts);
	memset(p, 0, sizeof(*p));
}

void run_plan_filter(struct run_plan *p, char *const *patterns, size_t n)
{
	if (!n)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < p->nitems; i++) {
		bool match = false;
		for (size_t k = 0; k < n && !match; k++)
			match = fnmatch(patterns[k], p->items[i].id, 0) == 0 ||
				fnmatch(patterns[k], p->items[i].c->name, 0) == 0;
		if (match)
			p->items[kept++] = p->items[i];
	}
	p->nitems = kept;
}

/* FNV-1a: stable across machines and releases, which a CI matrix needs. */
unsigned run_shard_of(const char *id, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *q = (const unsigned char *)id; *q; q++)
		h = (h ^ *q) * 0x100000001b3ull;
	return n ? (unsigned)(h % n) + 1 : 1;
}

void run_plan_shard(struct run_plan *p, unsigned k, unsigned n)
{
	size_t kept = 0;
	for (size_t i = 0; i < p->nitems; i++)
		if (run_shard_of(p->items[i].id, n) == k)
			p->items[kept++] = p->items[i];
	p->nitems = kept;
}

bool run_shard_parse(const char *s, unsigned *k, unsigned *n)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return false;
	const char *q = end + 1;
	unsigned long b = strtoul(q, &end, 10);
	if (end == q || *end || b < 1 || b > 1000 || a < 1 || a > b)
		return false;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return true;
}
