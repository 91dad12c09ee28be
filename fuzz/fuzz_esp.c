/* libFuzzer target: userspace ESP decapsulation (harness/esp) against a
 * fixed SA.
 *
 * Input: the first byte picks the algorithms (fuzz_esp_algs in
 * fuzz/fuzz.h, fixed keys, SPI FUZZ_ESP_SPI); then records as the engine
 * target's (flags, 2-byte length, bytes), each opened by esp_open on the
 * same inbound SA, so the anti-replay window moves between them. With
 * flag 0x01 the record is not a packet but a plaintext (payload, padding,
 * pad length, next header; cut to a multiple of 16 bytes), sealed by the
 * matching outbound SA first: the ICV then holds, and what follows it
 * (decryption, padding, trailer) runs on the fuzzer's bytes. With flag
 * 0x02 a record's first 4 bytes set the outbound sequence number. */
#include <stdio.h>
#include <stdlib.h>

#include "crypto/crypto.h"
#include "esp/esp.h"
#include "fuzz/fuzz.h"

static struct ike_p2_xform xf[FUZZ_ESP_NALGS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < FUZZ_ESP_NALGS; i++) {
		char err[256];
		if (!ike_p2_parse(fuzz_esp_algs[i], &xf[i], err, sizeof(err))) {
			fprintf(stderr, "fuzz_esp: %s: %s\n", fuzz_esp_algs[i], err);
			abort();
		}
	}
	return 0;
}

static struct esp_sa *fuzz_esp_sa_new(size_t alg)
{
	uint8_t enc[64], integ[64];
	chunk_t e, i;
	fuzz_esp_keys(&xf[alg], enc, integ, &e, &i);
	const uint8_t spi[4] = { FUZZ_ESP_SPI >> 24, (FUZZ_ESP_SPI >> 16) & 0xff,
				 (FUZZ_ESP_SPI >> 8) & 0xff, FUZZ_ESP_SPI & 0xff };
	char err[256];
	struct esp_sa *sa = esp_sa_new(spi, &xf[alg], e, i, err, sizeof(err));
	if (!sa) {
		fprintf(stderr, "fuzz_esp: %s: %s\n", fuzz_esp_algs[alg], err);
		abort();
	}
	return sa;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t alg = data[0] % FUZZ_ESP_NALGS;
	struct esp_sa *in = fuzz_esp_sa_new(alg), *out = fuzz_esp_sa_new(alg);
	struct fuzz_reader r = { data + 1, size - 1 };
	uint8_t flags;
	const uint8_t *p;
	size_t len;
	while (fuzz_next_record(&r, &flags, &p, &len)) {
		if ((flags & 0x02) && len >= 4) {
			esp_sa_set_next_seq(out, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
							 (uint32_t)p[2] << 8 | p[3]);
			p += 4;
			len -= 4;
		}
		chunk_t pkt = CHUNK_EMPTY;
		if (flags & 0x01) {
			if (!esp_seal_plain_for_test(out, p, len - len % 16, &pkt))
				continue;
		} else {
			pkt = chunk_dup(p, len);
		}
		chunk_t inner = CHUNK_EMPTY;
		uint8_t nh = 0;
		enum esp_drop d = esp_open(in, pkt.ptr, pkt.len, &inner, &nh);
		if (d == ESP_DROP_NONE && inner.len > pkt.len) {
			fprintf(stderr, "fuzz_esp: inner packet of %zu bytes from %zu\n", inner.len,
				pkt.len);
			abort();
		}
		esp_drop_name(d);
		chunk_free(&inner);
		chunk_free(&pkt);
	}
	esp_sa_counters(in);
	esp_sa_free(in);
	esp_sa_free(out);
	return 0;
}
