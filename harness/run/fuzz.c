/* Deterministic fuzz mode (ike-conform run --fuzz N --seed S; run/run.h).
 *
 * Each base case yields N variants per message the harness sends in its
 * standard exchange. A variant is written as a standalone suite file (the
 * base's settings, a `seed:` for the harness's random values, a script up
 * to the message, the message sent with 1 to 3 mutations, then a pause)
 * and loaded back through the suite loader, so what runs is exactly the
 * file a user gets to rerun. Mutations compose one catalog entry at most
 * with random field overrides and byte changes; every choice comes from a
 * splitmix64 stream of the run's seed and the variant's name. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "run/run.h"

static uint64_t fuzz_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t fuzz_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(fuzz_next(s) % n) : 0;
}

uint64_t run_fuzz_seed(uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (const unsigned char *q = (const unsigned char *)name; *q; q++)
		h = (h ^ *q) * 0x100000001b3ull;
	return fuzz_next(&h);
}

/* ---- which messages, and what may be changed in each ---- */

static bool fuzz_by_initiator(enum ike_kind k)
{
	return k == IKE_K_MM1 || k == IKE_K_MM3 || k == IKE_K_MM5 || k == IKE_K_AM1 ||
	       k == IKE_K_AM3 || k == IKE_K_QM1 || k == IKE_K_QM3;
}

/* The standard exchange of the case, in order. */
static size_t fuzz_exchange(const struct suite_case *c, enum ike_kind *seq)
{
	size_t n = 0;
	bool aggr = c->exchange == WIRE_X_AGGR;
	for (int k = aggr ? IKE_K_AM1 : IKE_K_MM1; k <= (aggr ? IKE_K_AM3 : IKE_K_MM6); k++)
		seq[n++] = (enum ike_kind)k;
	if (c->has_p2)
		for (int k = IKE_K_QM1; k <= IKE_K_QM3; k++)
			seq[n++] = (enum ike_kind)k;
	return n;
}

size_t run_fuzz_messages(const struct suite_case *c, enum ike_kind *out, size_t max)
{
	enum ike_kind seq[16];
	size_t n = fuzz_exchange(c, seq), k = 0;
	for (size_t i = 0; i < n && k < max; i++)
		if (fuzz_by_initiator(seq[i]) == (c->role == IKE_INITIATOR))
			out[k++] = seq[i];
	return k;
}

/* A field the overrides may set, with its width in bits (an attribute's
 * type is 15: the top bit is its format, AF, set from the value). */
struct fuzz_field {
	const char *path;
	uint8_t bits;
};

static const struct fuzz_field fuzz_hdr[] = {
	{ "header.next_payload", 8 }, { "header.version", 8 }, { "header.exchange", 8 },
	{ "header.flags", 8 }, { "header.msgid", 32 }, { "header.length", 32 },
};
static const struct fuzz_field fuzz_sa[] = {
	{ "sa.doi", 32 }, { "sa.situation", 32 }, { "sa.length", 16 }, { "sa.reserved", 8 },
	{ "sa.proposal[0].number", 8 }, { "sa.proposal[0].protocol", 8 },
	{ "sa.proposal[0].spi_size", 8 }, { "sa.proposal[0].count", 8 },
	{ "sa.proposal[0].length", 16 }, { "sa.proposal[0].transform[0].number", 8 },
	{ "sa.proposal[0].transform[0].id", 8 }, { "sa.proposal[0].transform[0].length", 16 },
	{ "sa.proposal[0].transform[0].attr[0].type", 15 },
	{ "sa.proposal[0].transform[0].attr[0].value", 16 },
};
static const struct fuzz_field fuzz_ke[] = { { "ke.length", 16 }, { "ke.reserved", 8 } };
static const struct fuzz_field fuzz_nonce[] = { { "nonce.length", 16 }, { "nonce.next_payload", 8 } };
static const struct fuzz_field fuzz_id[] = {
	{ "id.type", 8 }, { "id.protocol", 8 }, { "id.port", 16 }, { "id.length", 16 },
};
static const struct fuzz_field fuzz_hash[] = { { "hash.length", 16 }, { "hash.next_payload", 8 } };
static const struct fuzz_field fuzz_sig[] = { { "sig.length", 16 } };

struct fuzz_fields {
	const struct fuzz_field *f;
	size_t n;
};
#define FUZZ_F(a) { a, sizeof(a) / sizeof(a[0]) }

/* The payloads of each message in the standard exchange (RFC 2409 5, 5.5). */
static size_t fuzz_fields_of(const struct suite_case *c, enum ike_kind t, struct fuzz_fields *out)
{
	size_t n = 0;
	bool psk = c->auth == IKE_AUTH_PSK;
	out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_hdr);
	switch (t) {
	case IKE_K_MM1: case IKE_K_MM2:
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_sa);
		break;
	case IKE_K_MM3: case IKE_K_MM4:
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_ke);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_nonce);
		break;
	case IKE_K_MM5: case IKE_K_MM6:
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_id);
		/* then HASH or SIG, as am3 has */
		__attribute__((fallthrough));
	case IKE_K_AM3:
		out[n++] = psk ? (struct fuzz_fields)FUZZ_F(fuzz_hash)
			       : (struct fuzz_fields)FUZZ_F(fuzz_sig);
		break;
	case IKE_K_AM1: case IKE_K_AM2:
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_sa);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_ke);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_nonce);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_id);
		if (t == IKE_K_AM2)
			out[n++] = psk ? (struct fuzz_fields)FUZZ_F(fuzz_hash)
				       : (struct fuzz_fields)FUZZ_F(fuzz_sig);
		break;
	case IKE_K_QM1: case IKE_K_QM2:
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_hash);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_sa);
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_nonce);
		if (c->p2.group)
			out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_ke);
		break;
	default:   /* qm3: HASH(3) alone */
		out[n++] = (struct fuzz_fields)FUZZ_F(fuzz_hash);
		break;
	}
	return n;
}

static bool fuzz_encrypted(enum ike_kind t)
{
	return t == IKE_K_MM5 || t == IKE_K_MM6 || t == IKE_K_AM3 || ike_kind_quick(t);
}

/* ---- the variant as YAML ---- */

/* A scalar as YAML: plain when it is safe, else double-quoted. */
static void fuzz_scalar(FILE *f, const char *s, bool plain)
{
	bool safe = plain && *s;
	for (const char *p = s; safe && *p; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || strchr("._/-", *p);
	if (safe) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A node in flow style (peer_config). */
static void fuzz_node(FILE *f, const struct yaml_node *n)
{
	if (n->type == YAML_SCALAR) {
		fuzz_scalar(f, n->str, n->plain);
		return;
	}
	fputs(n->type == YAML_MAP ? "{ " : "[", f);
	for (size_t i = 0; i < n->n; i++) {
		if (i)
			fputs(", ", f);
		if (n->type == YAML_MAP) {
			fuzz_scalar(f, n->keys[i]->str, true);
			fputs(": ", f);
		}
		fuzz_node(f, n->items[i]);
	}
	fputs(n->type == YAML_MAP ? " }" : "]", f);
}

static void fuzz_life(FILE *f, const char *key, uint32_t sec, uint32_t kb)
{
	if (sec && kb)
		fprintf(f, "%s: [%" PRIu32 "s, %" PRIu32 "kb]", key, sec, kb);
	else if (sec || kb)
		fprintf(f, "%s: %" PRIu32 "%s", key, sec ? sec : kb, sec ? "s" : "kb");
}

/* A case's method as its file spells it (PSK when it has no name). */
static const char *fuzz_auth_name(uint16_t a)
{
	const char *n = ike_auth_name(a);
	return n ? n : "psk";
}

/* The base case's settings, the ones that shape the exchange. */
static void fuzz_settings(FILE *f, const struct suite_case *c)
{
	static const char *const policies[] = { "accept", "not-longer", "notify" };
	static const char *const modes[] = { "tunnel", "transport", "udp-tunnel", "udp-transport" };
	const struct cipher_info *ci = cipher_get(c->p1.encr);
	const struct prf_info *h = prf_get(c->p1.hash);
	fprintf(f, "    role: %s\n", c->role == IKE_INITIATOR ? "initiator" : "responder");
	fprintf(f, "    exchange: %s\n", c->exchange == WIRE_X_AGGR ? "aggressive" : "main");
	fprintf(f, "    auth: %s\n", fuzz_auth_name(c->auth));
	if (c->psk) {
		fputs("    psk: ", f);
		fuzz_scalar(f, c->psk, false);
		fputc('\n', f);
	}
	if (c->p1.keylen)
		fprintf(f, "    proposal: { encryption: %s%u, hash: %s, group: %u",
			ci ? ci->name : "?", c->p1.keylen, h ? h->name : "?", c->p1.group);
	else
		fprintf(f, "    proposal: { encryption: %s, hash: %s, group: %u", ci ? ci->name : "?",
			h ? h->name : "?", c->p1.group);
	if (c->p1.life_sec || c->p1.life_kb) {
		fputs(", ", f);
		fuzz_life(f, "lifetime", c->p1.life_sec, c->p1.life_kb);
	}
	fputs(" }\n", f);
	if (c->has_p2) {
		char esp[80];
		fprintf(f, "    phase2: { esp: %s", ike_p2_str(&c->p2, esp, sizeof(esp)));
		if (c->p2.encap >= IKE_ENCAP_TUNNEL && c->p2.encap <= IKE_ENCAP_UDP_TRANSPORT)
			fprintf(f, ", mode: %s", modes[c->p2.encap - IKE_ENCAP_TUNNEL]);
		if (c->p2.life_sec || c->p2.life_kb) {
			fputs(", ", f);
			fuzz_life(f, "lifetime", c->p2.life_sec, c->p2.life_kb);
		}
		fputs(" }\n", f);
	}
	if (c->no_natt) {
		fputs("    natt: none\n", f);
	} else if (c->natt && c->natt != IKE_NATT_ALL) {
		static const char *const v[] = { "none", "draft-02", "draft-03", "rfc3947" };
		const char *sep = "";
		fputs("    natt: [", f);
		for (int i = IKE_NATT_DRAFT_02; i <= IKE_NATT_RFC3947; i++)
			if (c->natt & IKE_NATT_BIT(i)) {
				fprintf(f, "%s%s", sep, v[i]);
				sep = ", ";
			}
		fputs("]\n", f);
	}
	if (c->natt_force)
		fprintf(f, "    natt_force: %s\n", c->natt_force == SUITE_YES ? "true" : "false");
	if (c->life_policy != IKE_LIFE_ACCEPT && (unsigned)c->life_policy < 3)
		fprintf(f, "    lifetime_policy: %s\n", policies[c->life_policy]);
	fprintf(f, "    topology: %s\n", netns_topology_name(c->topology));
	if (c->peer_config.node) {
		fputs("    peer_config: ", f);
		fuzz_node(f, c->peer_config.node);
		fputc('\n', f);
	}
}

static void fuzz_hex(FILE *f, uint64_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", (unsigned)(fuzz_next(r) & 0xff));
}

/* A value for a field of that width: the edges first, sometimes anything. */
static uint32_t fuzz_value(uint64_t *r, unsigned bits)
{
	static const uint32_t edges[] = { 0, 1, 2, 3, 4, 7, 8, 16, 0x7f, 0x80, 0xfe, 0xff,
					  0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000,
					  0x7fffffff, 0x80000000, 0xffffffff };
	uint32_t max = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
	uint32_t v = fuzz_below(r, 4) ? edges[fuzz_below(r, sizeof(edges) / sizeof(edges[0]))]
				      : (uint32_t)fuzz_next(r);
	return v > max ? v & max : v;
}

/* The mutations of one variant, as suite mutations (docs/suite-format.md).
 * Field overrides come first: the engine applies payload mutations in
 * order, and a catalog entry may remove the payload an override names. */
static void fuzz_mutations(FILE *f, const struct suite_case *c, enum ike_kind t, uint64_t *r)
{
	struct fuzz_fields ff[8];
	size_t nff = fuzz_fields_of(c, t, ff);
	const struct ike_catalog_entry *cat[128];
	size_t ncat = 0;
	for (size_t i = 0; i < ike_catalog_count() && ncat < 128; i++)
		if (ike_catalog_applies(ike_catalog_get(i), t) &&
		    ike_catalog_fits_auth(ike_catalog_get(i), c->auth))
			cat[ncat++] = ike_catalog_get(i);
	unsigned n = 1 + fuzz_below(r, 3);
	bool have_cat = false;
	char sets[3][160], rest[3][200];
	size_t nsets = 0, nrest = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t pick = fuzz_below(r, 100);
		if (pick < 35 && ncat && !have_cat) {
			have_cat = true;
			const struct ike_catalog_entry *e = cat[fuzz_below(r, (uint32_t)ncat)];
			/* another message in this one's place: alone, since the
			   others would have nothing of theirs to change */
			bool alone = ike_catalog_replaces_message(e);
			if (alone)
				nsets = nrest = 0;
			snprintf(rest[nrest++], sizeof(rest[0]), "{ catalog: %s }", e->name);
			if (alone)
				break;
		} else if (pick < 65) {
			const struct fuzz_fields *g = &ff[fuzz_below(r, (uint32_t)nff)];
			const struct fuzz_field *fd = &g->f[fuzz_below(r, (uint32_t)g->n)];
			snprintf(sets[nsets++], sizeof(sets[0]), "{ field: \"%s\", set: 0x%" PRIx32 " }",
				 fd->path, fuzz_value(r, fd->bits));
		} else if (pick < 80) {
			/* a bit flipped: in the plaintext of an encrypted message
			   (past what the IV and padding hide), else the datagram */
			bool plain = fuzz_encrypted(t) && fuzz_below(r, 2);
			snprintf(rest[nrest++], sizeof(rest[0]), "{ xor: %" PRIu32 ", mask: 0x%02x%s }",
				 fuzz_below(r, plain ? 160 : 120), 1u << fuzz_below(r, 8),
				 plain ? ", plain: true" : "");
		} else if (pick < 88) {
			bool plain = fuzz_encrypted(t) && fuzz_below(r, 2);
			snprintf(rest[nrest++], sizeof(rest[0]), "{ truncate: %" PRIu32 "%s }",
				 (plain ? 0 : 28) + fuzz_below(r, 200), plain ? ", plain: true" : "");
		} else if (pick < 94) {
			char *p = rest[nrest++];
			size_t len = 1 + fuzz_below(r, 16);
			FILE *m = fmemopen(p, sizeof(rest[0]), "w");
			if (m) {
				fputs("{ append: \"", m);
				fuzz_hex(m, r, len);
				fputs("\" }", m);
				fclose(m);
			}
		} else {
			/* an unknown payload (RFC 2408 3.1: reserved 14-127, private 128-255) */
			static const uint8_t types[] = { 14, 17, 19, 22, 33, 99, 127, 128, 200, 255 };
			char *p = rest[nrest++];
			size_t len = fuzz_below(r, 9);
			FILE *m = fmemopen(p, sizeof(rest[0]), "w");
			if (m) {
				fprintf(m, "{ insert: %u, index: %" PRIu32 ", body: \"",
					types[fuzz_below(r, sizeof(types))], fuzz_below(r, 3));
				fuzz_hex(m, r, len);
				fputs("\" }", m);
				fclose(m);
			}
		}
	}
	fputs("        mutate:\n", f);
	for (size_t i = 0; i < nsets; i++)
		fprintf(f, "          - %s\n", sets[i]);
	for (size_t i = 0; i < nrest; i++)
		fprintf(f, "          - %s\n", rest[i]);
}

void run_fuzz_variant(FILE *f, const struct run_item *it, enum ike_kind t, unsigned k,
		      uint64_t seed)
{
	const struct suite_case *c = it->c;
	char name[400];
	snprintf(name, sizeof(name), "%s/%s/%u", it->id, ike_kind_name(t), k);
	uint64_t vseed = run_fuzz_seed(seed, name), r = vseed;
	fprintf(f, "  - name: %s-%s-%u\n", c->name, ike_kind_name(t), k);
	fprintf(f, "    # variant %u of %s in %s, run seed %" PRIu64 "\n", k, ike_kind_name(t),
		it->id, seed);
	fprintf(f, "    seed: %" PRIu64 "\n", vseed);
	fuzz_settings(f, c);
	fputs("    script:\n", f);
	enum ike_kind seq[16];
	size_t n = fuzz_exchange(c, seq);
	bool init = c->role == IKE_INITIATOR;
	for (size_t i = 0; i < n; i++) {
		bool ours = fuzz_by_initiator(seq[i]) == init;
		fprintf(f, "      - %s: %s\n", ours ? "send" : "expect", ike_kind_name(seq[i]));
		if (seq[i] == t) {
			fuzz_mutations(f, c, t, &r);
			break;
		}
	}
	/* whatever the peer does with it: the verdict is that it lives */
	fputs("      - wait: 1.5s\n", f);
	fputs("    expect: { survives: true, peer_alive: true }\n", f);
	fputs("    tags: [fuzz]\n", f);
}

/* The file's head: one suite per base suite and peer. */
static void fuzz_head(FILE *f, const struct run_item *it, unsigned n, uint64_t seed)
{
	fprintf(f, "# ike-conform run --fuzz %u --seed %" PRIu64 " on %s\n", n, seed, it->suite->file);
	fprintf(f, "suite: fuzz-%s-%s\n", it->suite->name, suite_peer_name(it->c->peer));
	fprintf(f, "description: mutated variants of %s, run seed %" PRIu64 "\n", it->suite->name,
		seed);
	fprintf(f, "peer: %s\n", suite_peer_name(it->c->peer));
	fputs("cases:\n", f);
}

struct fuzz_group {
	const struct suite *suite;
	enum suite_peer peer;
	char *text;
	size_t len;
	FILE *f;
	char *name;
};

bool run_fuzz_plan(const struct run_plan *base, unsigned n, uint64_t seed, struct run_plan *out,
		   struct yaml_error *err)
{
	memset(out, 0, sizeof(*out));
	struct fuzz_group *g = xcalloc(base->nitems ? base->nitems : 1, sizeof(*g));
	size_t ng = 0, total = 0;
	char **texts = NULL;
	size_t *tg = NULL;        /* each text's group */
	for (size_t i = 0; i < base->nitems; i++) {
		const struct run_item *it = &base->items[i];
		size_t k = 0;
		while (k < ng && !(g[k].suite == it->suite && g[k].peer == it->c->peer))
			k++;
		if (k == ng) {
			g[ng] = (struct fuzz_group){ .suite = it->suite, .peer = it->c->peer };
			g[ng].f = open_memstream(&g[ng].text, &g[ng].len);
			if (!g[ng].f)
				abort();
			fuzz_head(g[ng].f, it, n, seed);
			g[ng].name = xstrdup(it->suite->file);
			ng++;
		}
		enum ike_kind msgs[16];
		size_t nm = run_fuzz_messages(it->c, msgs, 16);
		for (size_t m = 0; m < nm; m++)
			for (unsigned v = 0; v < n; v++) {
				/* the variant alone, a file of its own */
				char *one = NULL;
				size_t olen = 0;
				FILE *f = open_memstream(&one, &olen);
				if (!f)
					abort();
				fuzz_head(f, it, n, seed);
				long head = ftell(f);
				run_fuzz_variant(f, it, msgs[m], v, seed);
				fclose(f);
				fputs(one + head, g[k].f);
				texts = xrealloc(texts, (total + 1) * sizeof(*texts));
				tg = xrealloc(tg, (total + 1) * sizeof(*tg));
				tg[total] = k;
				texts[total++] = one;
			}
	}
	out->suites = xcalloc(ng ? ng : 1, sizeof(*out->suites));
	out->items = xcalloc(total ? total : 1, sizeof(*out->items));
	out->texts = texts;
	out->ntexts = total;
	bool ok = true;
	for (size_t k = 0; k < ng; k++) {
		size_t t = 0;
		fclose(g[k].f);
		enum suite_peer only = g[k].peer;
		char name[300];
		snprintf(name, sizeof(name), "fuzz of %s", g[k].name);
		if (ok && !suite_load_string_for(name, g[k].text, &only, &out->suites[k], err))
			ok = false;
		out->nsuites = k + 1;
		for (size_t j = 0; ok && j < out->suites[k].ncases; j++) {
			const struct suite *s = &out->suites[k];
			struct run_item *it = &out->items[out->nitems++];
			it->suite = s;
			it->c = &s->cases[j];
			while (t < total && tg[t] != k)
				t++;
			it->text = t < total ? texts[t++] : NULL;
			snprintf(it->group, sizeof(it->group), "%s", s->name);
			snprintf(it->id, sizeof(it->id), "%s/%s", it->group, it->c->name);
		}
		free(g[k].text);
		free(g[k].name);
	}
	free(g);
	free(tg);
	if (!ok) {
		run_plan_free(out);
		return false;
	}
	return true;
}
