/* Fuzzing seeds: the datagrams of a case, raw, one file each, plus the
 * decrypted plaintexts of the encrypted ones, ready as a fuzzer's corpus.
 *
 * Names (only [a-z0-9.-], shorter than SEEDS_NAME_MAX):
 *   datagram   <kind>[-<label>]-<hash16>.bin          mm3-1f0c9a4b2e6d7781.bin
 *   plaintext  <kind>-plain[-<label>]-<hash16>.bin    mm5-plain-1f0c9a4b2e6d7781.bin
 *   labelled   mm3-ke-length-1f0c9a4b2e6d7781.bin
 * kind is the event's message kind as ike_kind_name spells it (mm1 .. mm6,
 * am1 .. am3, qm1 .. qm4, notify, delete, dpd, dpd-ack), "unknown" for a
 * message the engine did not classify. hash16 is the first 16 hex digits of
 * the SHA-256 of the file's bytes. The direction is not in the name: a
 * datagram one side sent and the other received is one seed. A plaintext
 * is as the event holds it: the sender's is the payload chain, the
 * receiver's the decrypted body with its padding, two seeds when the
 * padding is not empty.
 *
 * Kinds and labels given by a caller are folded into that alphabet: upper
 * case lowered, any other byte outside [a-z0-9.] made '-', runs of '-' one
 * '-', no '-' or '.' at the start and no '-' at the end, at most 64 bytes
 * ("KE length" -> "ke-length", "sa.proposal[0].id" -> "sa.proposal-0-.id").
 * An empty label (or NULL) adds no part; an empty kind becomes "unknown".
 * A label that would read as the plaintext marker ("plain", "plain-...")
 * gets an "x" in front, so "-plain-" right after the kind marks a
 * plaintext and nothing else.
 *
 * Same name, same bytes: a name that exists is a duplicate, left alone.
 * Each file is written to a temporary ".seeds-tmp-XXXXXX" in the folder,
 * then link(2)ed to its name (rename(2) where the file system has no hard
 * links) and the temporary removed, so readers never see a partial file
 * and any number of processes may write one folder at once: exactly one
 * of them counts a new name as written (with link; after a rename two may). A process killed between the two
 * steps can leave a ".seeds-tmp-*" file behind; nothing else does. */
#ifndef IKEC_REPORT_SEEDS_H
#define IKEC_REPORT_SEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/engine.h"

#define SEEDS_NAME_MAX 160
#define SEEDS_LABEL_MAX 64

/* Counts added to by the writers (the caller zeroes them once). */
struct seeds_stats {
	size_t written;      /* new files */
	size_t duplicates;   /* names that existed already */
};

/* Every non-empty datagram of r, sent and received, and the plaintext of
 * every encrypted one (retransmissions and duplicates left out: their
 * bytes are an earlier event's), into dir (made with its parents when missing).
 * label (NULL: none) names the mutation: it goes on the datagrams the
 * engine sent mutated, and their plaintexts, only. st may be NULL. Stops at the first error: false with
 * "path: reason" in err. */
bool seeds_write_result(const char *dir, const struct ike_result *r, const char *label,
			struct seeds_stats *st, char *err, size_t errlen);

/* One seed of kind (folded as above) into dir. An empty one (len 0) is
 * skipped: true, nothing counted. */
bool seeds_write_one(const char *dir, const char *kind, const char *label, const uint8_t *p,
		     size_t len, struct seeds_stats *st, char *err, size_t errlen);

/* The file name of a seed, without the folder, into buf (at least
 * SEEDS_NAME_MAX bytes). False when buf is short or hashing failed. */
bool seeds_name(const char *kind, const char *label, const uint8_t *p, size_t len, char *buf,
		size_t buflen);

/* The kind part of an event's datagram ("mm3", "unknown"). */
const char *seeds_kind(enum ike_kind k);

#endif
