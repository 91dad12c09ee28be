/* libFuzzer target: the codec (harness/wire) on a raw datagram.
 *
 * The input is ISAKMP bytes as they come off UDP port 500. What parses is
 * validated (both strictness levels), checked against every message rule,
 * printed, its ID payloads described, its fields read by path, copied,
 * built again; an encrypted one has its body parsed as if it were the
 * plaintext, so the walker runs on both kinds of chain. A message that
 * parsed cleartext must parse again once built. Bytes past the header's
 * length (which the parser keeps aside) are a field path as a suite's
 * mutation would give it: read, forced, set as bytes, unset, then built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "wire/id.h"
#include "wire/msg.h"
#include "wire/rules.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static const char *const paths[] = {
	"header.next_payload", "header.length", "header.flags", "header.major",
	"sa.doi", "sa.proposal[0].transform[1].id", "sa.proposal.transform.attr[2].type",
	"ke.length", "notification[1].type", "payload[3].length", "id.data",
	"delete.spi_size", "type77[0].length", "vid[2].length",
};

static void fuzz_codec_exercise(struct wire_msg *m)
{
	struct wire_err err;
	wire_validate(m, 0, &err);
	wire_validate(m, WIRE_V_STRICT, &err);
	for (size_t i = 0; i < rules_count(); i++)
		rules_check(rules_at(i), m, &err);
	wire_print(devnull, m, 0);
	wire_print(devnull, m, WIRE_P_FULL_HEX);
	char buf[256];
	for (size_t i = 0; i < m->npl; i++) {
		const struct wire_node *n = m->pl[i];
		wire_payload_short(n->type, buf, sizeof(buf));
		if (n->type == WIRE_PL_ID) {
			wire_id_check((uint8_t)n->subtype, n->data);
			wire_id_str((uint8_t)n->subtype, n->data, buf, sizeof(buf));
		}
		chunk_t body = wire_node_body(n);
		chunk_free(&body);
		for (size_t k = 0; k < n->nkids; k++)
			for (size_t t = 0; t < n->kids[k]->nkids; t++) {
				const struct wire_node *x = n->kids[k]->kids[t];
				for (size_t a = 0; a < x->nattrs; a++) {
					uint32_t v;
					wire_attr_value(&x->attrs[a], &v);
				}
			}
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		uint32_t v;
		wire_get(m, paths[i], &v, buf, sizeof(buf));
	}
	chunk_t b = wire_build(m);
	chunk_free(&b);
	b = wire_build_payloads(m);
	chunk_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg *m = NULL;
	struct wire_err err;
	bool ok = wire_parse(data, size, &m, &err);
	if (!m)
		return 0;
	fuzz_codec_exercise(m);
	if (ok && m->encrypted) {
		/* the body as a plaintext: what a decryption with the right key
		 * would hand to the walker */
		chunk_t ct = chunk_dup(m->ciphertext.ptr, m->ciphertext.len);
		if (wire_parse_plain(m, ct.ptr, ct.len, &err))
			fuzz_codec_exercise(m);
		chunk_free(&ct);
	} else if (ok) {
		/* built again, it parses again, to the same payloads */
		chunk_t b = wire_build(m);
		struct wire_msg *m2 = NULL;
		if (!wire_parse(b.ptr, b.len, &m2, &err)) {
			fprintf(stderr, "rebuilt message does not parse: %s\n", err.msg);
			abort();
		}
		if (m2->npl != m->npl) {
			fprintf(stderr, "rebuilt message has %zu payloads, not %zu\n", m2->npl,
				m->npl);
			abort();
		}
		wire_msg_free(m2);
		chunk_free(&b);
		/* edits on a parsed message */
		if (m->npl) {
			wire_duplicate(m, 0);
			wire_move(m, 0, m->npl - 1);
			struct wire_node *c = wire_node_copy(m, m->pl[0]);
			wire_insert(m, m->npl, c);
			wire_remove(m, 0);
			fuzz_codec_exercise(m);
		}
	}
	if (m->extra.len) {
		/* the extra bytes as a path: "sa.proposal[0].transform[1].id=7" */
		char path[128];
		size_t n = m->extra.len < sizeof(path) - 1 ? m->extra.len : sizeof(path) - 1;
		memcpy(path, m->extra.ptr, n);
		path[n] = '\0';
		uint32_t v = 0;
		char *eq = strchr(path, '=');
		if (eq) {
			*eq = '\0';
			v = (uint32_t)strtoul(eq + 1, NULL, 0);
		}
		char perr[256];
		wire_get(m, path, &v, perr, sizeof(perr));
		if (wire_set(m, path, v, perr, sizeof(perr)))
			wire_get(m, path, &v, perr, sizeof(perr));
		wire_set_bytes(m, path, m->datagram.ptr, m->datagram.len % 40, perr, sizeof(perr));
		fuzz_codec_exercise(m);
		wire_unset(m, path, perr, sizeof(perr));
		fuzz_codec_exercise(m);
	}
	wire_msg_free(m);
	return 0;
}
