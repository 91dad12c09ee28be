/* The malformed-payload catalog (docs/mutations.md): one row per named
 * mutation, the messages it fits, its ops, its RFC clause and the reaction
 * that clause asks for. tests/test_ike.c checks that docs/mutations.md
 * lists exactly these names. */
#include "ike/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "wire/msg.h"

#define K(x) IKE_CAT_BIT(IKE_K_##x)

/* Message sets. The harness sends the odd Main Mode messages, am1, am3,
 * qm1, qm3 and the Informationals as initiator, the even ones and am2,
 * qm2 as responder. */
#define AT_P1_CLEAR (K(MM1) | K(MM2) | K(MM3) | K(MM4) | K(AM1) | K(AM2))
#define AT_ENC (K(MM5) | K(MM6) | K(QM1) | K(QM2) | K(QM3) | K(DPD))
#define AT_ALL (AT_P1_CLEAR | AT_ENC | K(AM3))
#define AT_SA_P1 (K(MM1) | K(MM2) | K(AM1) | K(AM2))
#define AT_SA (AT_SA_P1 | K(QM1) | K(QM2))
#define AT_KE (K(MM3) | K(MM4) | K(AM1) | K(AM2))
#define AT_NONCE (AT_KE | K(QM1) | K(QM2))
#define AT_ID (K(MM5) | K(MM6) | K(AM1) | K(AM2))
#define AT_HASH_P1 (K(MM5) | K(MM6) | K(AM2) | K(AM3))
#define AT_HASH_QM (K(QM1) | K(QM2) | K(QM3))
#define AT_NATD (K(MM3) | K(MM4) | K(AM2) | K(AM3))
#define AT_CERT (K(MM5) | K(MM6) | K(AM2) | K(AM3))
#define AT_CR (K(MM3) | K(MM4) | K(AM1) | K(AM2))

/* A phase-1 transform as the engine builds it (phase1.c) with an AES key
 * length and a lifetime in seconds over 65535 (a TLV):
 * attr[0] encryption, [1] key length, [2] hash, [3] auth, [4] group,
 * [5] life type, [6] life duration. */
#define XF "sa.proposal[0].transform[0]"
#define ATTR(i, f) XF ".attr[" #i "]." f

#define ATTRP(i) XF ".attr[" #i "]"
#define RMATTR(p) { .op = IKE_MUT_REMOVE_ATTR, .path = (p) }
#define REPLAY() { .op = IKE_MUT_REPLAY }
#define REPEAT() { .op = IKE_MUT_REPEAT }
#define STALE() { .op = IKE_MUT_STALE }
#define EARLY(k) { .op = IKE_MUT_EARLY, .value = IKE_K_##k }
#define SET(p, v) { .op = IKE_MUT_SET, .path = (p), .value = (v) }
#define SETB(p, b) { .op = IKE_MUT_SET_BYTES, .path = (p), .bytes = (b) }
#define REMOVE(pl) { .op = IKE_MUT_REMOVE, .payload = (pl) }
#define DUP(pl) { .op = IKE_MUT_DUPLICATE, .payload = (pl) }
#define APPEND(b) { .op = IKE_MUT_DGRAM_APPEND, .bytes = (b) }
#define TRUNC(n) { .op = IKE_MUT_DGRAM_TRUNCATE, .value = (n) }
#define CHOP(n) { .op = IKE_MUT_DGRAM_CHOP, .value = (n) }
#define XOR(off, v) { .op = IKE_MUT_DGRAM_XOR, .offset = (off), .value = (v) }
#define PXOR(off, v) { .op = IKE_MUT_PLAIN_XOR, .offset = (off), .value = (v) }
#define UNKNOWN(pl, at) { .op = IKE_MUT_UNKNOWN, .payload = (pl), .nth = (at), .bytes = IKE_CB_8 }

#define E1(n, at, m, note, rfc, what) { n, at, { m }, 1, note, rfc, what, false, IKE_CAT_AUTH_ANY }
#define E2(n, at, m1, m2, note, rfc, what) \
	{ n, at, { m1, m2 }, 2, note, rfc, what, false, IKE_CAT_AUTH_ANY }
/* the reaction is to carry on: the peer's next message */
#define EA(n, at, m, rfc, what) { n, at, { m }, 1, 0, rfc, what, true, IKE_CAT_AUTH_ANY }
/* signature authentication only: the CERT, CR and SIG payloads */
#define ES(n, at, m, note, rfc, what) { n, at, { m }, 1, note, rfc, what, false, IKE_CAT_AUTH_SIG }
/* pre-shared keys only: HASH_I / HASH_R (signatures send SIG instead) */
#define EP(n, at, m, note, rfc, what) { n, at, { m }, 1, note, rfc, what, false, IKE_CAT_AUTH_PSK }

#define SILENCE 0

static const struct ike_catalog_entry ike_catalog[] = {
	/* ---- the ISAKMP header (RFC 2408 3.1, 5.1) ---- */
	E1("hdr-major-version", AT_ALL, SET("header.major", 2), WIRE_N_INVALID_MAJOR_VERSION,
	   "RFC 2408 5.1", "major version 2 in the header"),
	E1("hdr-bad-exchange", AT_ALL, SET("header.exchange", 31), WIRE_N_INVALID_EXCHANGE_TYPE,
	   "RFC 2408 5.1", "exchange type 31 (ISAKMP future use)"),
	E1("hdr-bad-next-payload", AT_ALL & ~K(DPD), SET("header.next_payload", 99),
	   WIRE_N_INVALID_PAYLOAD_TYPE, "RFC 2408 5.1",
	   "the header's next payload 99 (reserved), the chain unchanged"),
	E1("hdr-bad-flags", AT_ALL & ~K(DPD), SET("header.flags", 0x80), WIRE_N_INVALID_FLAGS,
	   "RFC 2408 5.1", "flag bit 0x80 set (only E, C and A are defined)"),
	E1("hdr-length-short", AT_P1_CLEAR, SET("header.length", 28), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 3.1, 5.2",
	   "the header's length 28 (header only): the first payload runs past the message"),
	E1("hdr-length-long", AT_ALL, SET("header.length", 4000), WIRE_N_UNEQUAL_PAYLOAD_LENGTHS,
	   "RFC 2408 3.1", "the header's length 4000, past the datagram"),
	E1("hdr-trailing-bytes", AT_P1_CLEAR, APPEND(IKE_CB_8),
	   WIRE_N_UNEQUAL_PAYLOAD_LENGTHS, "RFC 2408 3.1",
	   "8 bytes after the message, beyond the header's length"),
	E1("hdr-truncated", AT_ALL, TRUNC(20), SILENCE,
	   "RFC 2408 5.1",
	   "the datagram cut to 20 bytes: no complete header, no cookies to answer to"),
	E1("hdr-unknown-cookie", K(MM2) | K(MM3) | K(MM4) | K(MM5) | K(QM1) | K(DPD),
	   SETB("header.rcookie", IKE_CB_COOKIE),
	   SILENCE, "RFC 2408 2.5.3, 5.1",
	   "a responder cookie no SA has: dropped (INVALID-COOKIE at most logged)"),

	/* ---- the generic payload header (RFC 2408 3.2, 5.2) ---- */
	E1("gen-len-zero", AT_NONCE, SET("nonce.length", 0), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 5.2", "the nonce payload's length 0"),
	E1("gen-len-short", AT_NONCE, SET("nonce.length", 3), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 5.2", "the nonce payload's length 3, shorter than its own header"),
	E1("gen-len-past-end", AT_NONCE, SET("nonce.length", 2000), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 5.2", "the nonce payload's length 2000, past the message"),
	E1("gen-reserved-set", AT_NONCE, SET("nonce.reserved", 0xff), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 3.2, 5.2", "the nonce payload's RESERVED byte 0xff (MUST be 0)"),
	E1("unknown-payload", AT_ALL & ~(K(MM5) | K(MM6) | AT_HASH_QM | K(DPD)) ,
	   UNKNOWN(99, 1), WIRE_N_INVALID_PAYLOAD_TYPE, "RFC 2408 5.2",
	   "a payload of type 99 (reserved) inserted second"),
	E2("unknown-payload-critical", AT_P1_CLEAR, UNKNOWN(99, 1), SET("type99.reserved", 0x80),
	   WIRE_N_INVALID_PAYLOAD_TYPE, "RFC 2408 5.2",
	   "the type-99 payload with the reserved byte's top bit set (IKEv2's critical bit)"),
	E1("unknown-payload-private", AT_P1_CLEAR, UNKNOWN(200, 1), WIRE_N_INVALID_PAYLOAD_TYPE,
	   "RFC 2408 3.1, 5.2", "a payload of type 200 (private use, not agreed) inserted second"),
	E1("enc-unknown-payload", AT_ENC & ~K(DPD), UNKNOWN(99, 1), WIRE_N_INVALID_PAYLOAD_TYPE,
	   "RFC 2408 5.2", "a payload of type 99 inside an encrypted message, second"),

	/* ---- SA, proposal, transform (RFC 2408 5.3-5.5, RFC 2407 4.6.1) ---- */
	E1("sa-bad-doi", AT_SA, SET("sa.doi", 2), WIRE_N_DOI_NOT_SUPPORTED, "RFC 2408 5.3",
	   "the SA's DOI 2 (IPsec is 1)"),
	E1("sa-bad-situation", AT_SA, SET("sa.situation", 4), WIRE_N_SITUATION_NOT_SUPPORTED,
	   "RFC 2408 5.3, RFC 2407 4.2", "SIT_SECRECY (4) instead of SIT_IDENTITY_ONLY"),
	E1("prop-bad-protocol", AT_SA, SET("sa.proposal[0].protocol", 9), WIRE_N_INVALID_PROTOCOL_ID,
	   "RFC 2408 5.4", "the proposal's protocol 9 (unassigned)"),
	E1("prop-count-lies", AT_SA, SET("sa.proposal[0].count", 0), WIRE_N_BAD_PROPOSAL_SYNTAX,
	   "RFC 2408 5.4", "the proposal says 0 transforms and carries some"),
	E1("xform-count-lies", AT_SA, SET("sa.proposal[0].count", 9), WIRE_N_BAD_PROPOSAL_SYNTAX,
	   "RFC 2408 5.4", "the proposal says 9 transforms, more than it carries"),
	E1("xform-bad-id", AT_SA_P1, SET(XF ".id", 2), WIRE_N_INVALID_TRANSFORM_ID,
	   "RFC 2408 5.5, RFC 2407 4.4.1", "the phase-1 transform ID 2 (KEY_IKE is 1)"),
	E1("xform-next-lies", AT_SA_P1, SET(XF ".next_payload", 3), WIRE_N_BAD_PROPOSAL_SYNTAX,
	   "RFC 2408 3.6, 5.4", "the last transform says another follows"),
	E2("attr-unknown-class", AT_SA_P1, SET(ATTR(5, "type"), 16383),
	   SET(ATTR(6, "type"), 16384), WIRE_N_ATTRIBUTES_NOT_SUPPORTED,
	   "RFC 2408 5.5, RFC 2409 Appendix A",
	   "the lifetime attributes turned into classes 16383 (TV) and 16384 (TLV), unassigned"),
	E1("attr-tlv-past-end", AT_SA_P1, SET(ATTR(6, "length"), 200), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2408 3.3, 5.5", "the life duration TLV says 200 bytes, past the transform"),
	E1("attr-missing-group", AT_SA_P1, SET(ATTR(4, "type"), 16385), WIRE_N_ATTRIBUTES_NOT_SUPPORTED,
	   "RFC 2409 Appendix A, RFC 2408 5.5",
	   "the group attribute's class changed to 16385: no group, one unknown class"),
	/* RFC 2409 4: encryption, hash, authentication method and group "are
	   mandatory and MUST be negotiated"; a transform without one matches
	   nothing we could offer or accept */
	E1("attr-removed-hash", AT_SA_P1, RMATTR(ATTRP(2)), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 2409 4, RFC 2408 5.5", "the hash attribute removed from the transform"),
	E1("attr-bad-keylen", AT_SA_P1, SET(ATTR(1, "value"), 100), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 3602 2.5, RFC 2409 Appendix A", "AES with a key length of 100 bits"),
	E1("attr-bad-encr", AT_SA_P1, SET(ATTR(0, "value"), 99), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 2409 Appendix A, RFC 2408 5.5", "encryption algorithm 99 (unassigned)"),
	E1("attr-bad-hash", AT_SA_P1, SET(ATTR(2, "value"), 99), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 2409 Appendix A, RFC 2408 5.5", "hash algorithm 99 (unassigned)"),
	E1("attr-bad-auth", AT_SA_P1, SET(ATTR(3, "value"), 99), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 2409 Appendix A, RFC 2408 5.5", "authentication method 99 (unassigned)"),
	E1("attr-bad-group", AT_SA_P1, SET(ATTR(4, "value"), 99), WIRE_N_NO_PROPOSAL_CHOSEN,
	   "RFC 2409 Appendix A, RFC 2408 5.5", "group 99 (unassigned, no group type given)"),
	E1("life-type-unknown", AT_SA_P1, SET(ATTR(5, "value"), 3), WIRE_N_ATTRIBUTES_NOT_SUPPORTED,
	   "RFC 2409 Appendix A", "life type 3 (only seconds and kilobytes exist)"),

	/* ---- KE (RFC 2408 5.7, RFC 2409 5) ---- */
	E1("ke-length-wrong", AT_KE | K(QM1) | K(QM2), SETB("ke.data", IKE_CB_100),
	   WIRE_N_INVALID_KEY_INFORMATION, "RFC 2408 5.7, RFC 2409 5",
	   "100 bytes of g^x for a 256-byte group"),
	E1("ke-empty", AT_KE, SETB("ke.data", IKE_CB_EMPTY), WIRE_N_INVALID_KEY_INFORMATION,
	   "RFC 2408 5.7", "a KE payload with no data"),
	E1("ke-zero", AT_KE, SETB("ke.data", IKE_CB_ZERO256), WIRE_N_INVALID_KEY_INFORMATION,
	   "RFC 2408 5.7, RFC 2409 5 (MODP-2048)", "g^x = 0"),
	E1("ke-one", AT_KE, SETB("ke.data", IKE_CB_ONE256), WIRE_N_INVALID_KEY_INFORMATION,
	   "RFC 2408 5.7, RFC 2409 5 (MODP-2048)", "g^x = 1"),
	E1("ke-ones", AT_KE, SETB("ke.data", IKE_CB_FF256), WIRE_N_INVALID_KEY_INFORMATION,
	   "RFC 2408 5.7, RFC 2409 5 (MODP-2048)", "g^x = 2^2048 - 1, larger than p"),
	E1("ke-p-minus-1", AT_KE, SETB("ke.data", IKE_CB_PM1_256), WIRE_N_INVALID_KEY_INFORMATION,
	   "RFC 2408 5.7, RFC 2409 5 (MODP-2048)", "g^x = p - 1 (order 2)"),

	/* ---- nonce (RFC 2409 5: 8 to 256 bytes) ---- */
	E1("nonce-short", AT_NONCE, SETB("nonce.data", IKE_CB_4), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "a 4-byte nonce"),
	E1("nonce-long", AT_NONCE, SETB("nonce.data", IKE_CB_300), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "a 300-byte nonce"),
	E1("nonce-empty", AT_NONCE, SETB("nonce.data", IKE_CB_EMPTY), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "a nonce payload with no data"),

	/* ---- ID (RFC 2408 5.8, RFC 2407 4.6.2) ---- */
	E1("id-bad-type", AT_ID, SET("id.type", 0), WIRE_N_INVALID_ID_INFORMATION,
	   "RFC 2408 5.8, RFC 2407 4.6.2.1", "ID type 0 (reserved)"),
	E1("id-bad-length", AT_ID, SETB("id.data", IKE_CB_3), WIRE_N_INVALID_ID_INFORMATION,
	   "RFC 2408 5.8, RFC 2407 4.6.2.2", "an IPv4 address ID with 3 bytes of data"),
	E2("id-bad-port", AT_ID, SET("id.protocol", 6), SET("id.port", 80),
	   WIRE_N_INVALID_ID_INFORMATION, "RFC 2407 4.6.2",
	   "phase-1 ID for TCP port 80 (0 or UDP 500 allowed)"),

	/* ---- HASH (RFC 2408 5.11, RFC 2409 5, 5.5) ---- */
	E1("hash-wrong-length", AT_HASH_QM, SETB("hash.data", IKE_CB_5),
	   WIRE_N_INVALID_HASH_INFORMATION, "RFC 2408 5.11, RFC 2409 5.5",
	   "a 5-byte HASH(1)/(2)/(3)"),
	EP("auth-hash-short", AT_HASH_P1, SETB("hash.data", IKE_CB_5),
	   WIRE_N_AUTHENTICATION_FAILED, "RFC 2409 5, RFC 2408 5.11",
	   "a 5-byte HASH_I / HASH_R: the peer is not authenticated"),
	E1("hash-wrong-value", AT_HASH_QM, SETB("hash.data", IKE_CB_ZERO32),
	   WIRE_N_INVALID_HASH_INFORMATION, "RFC 2408 5.11, RFC 2409 5.5",
	   "HASH(1)/(2)/(3) all zero (the right length for SHA-256)"),
	EP("auth-hash-wrong", AT_HASH_P1, SETB("hash.data", IKE_CB_ZERO32),
	   WIRE_N_AUTHENTICATION_FAILED, "RFC 2409 5, RFC 2408 5.11",
	   "HASH_I / HASH_R all zero (the right length for SHA-256)"),
	ES("sig-short", AT_HASH_P1, SETB("sig.data", IKE_CB_5), WIRE_N_INVALID_SIGNATURE,
	   "RFC 2408 5.12, RFC 2409 5.1", "a 5-byte SIG: the peer is not authenticated"),
	ES("sig-wrong-value", AT_HASH_P1, SETB("sig.data", IKE_CB_ZERO256),
	   WIRE_N_INVALID_SIGNATURE, "RFC 2408 5.12, RFC 2409 5.1",
	   "a SIG all zero (the length of an RSA-2048 signature)"),
	E1("payload-missing-hash", K(QM1) | K(QM2), REMOVE(WIRE_PL_HASH),
	   WIRE_N_INVALID_HASH_INFORMATION, "RFC 2409 5.5", "Quick Mode without its HASH"),

	/* ---- Informationals (RFC 2408 5.14, 5.15: errors logged, not answered) ---- */
	E1("notify-bad-spi-size", K(DPD), SET("notification.spi_size", 3), SILENCE,
	   "RFC 2408 5.14", "R-U-THERE whose SPI size says 3 (the cookies are 16)"),
	E1("notify-bad-doi", K(DPD), SET("notification.doi", 2), SILENCE, "RFC 2408 5.14",
	   "R-U-THERE with DOI 2"),
	E1("notify-bad-protocol", K(DPD), SET("notification.protocol", 9), SILENCE,
	   "RFC 2408 5.14", "R-U-THERE with protocol 9"),
	E1("dpd-bad-data", K(DPD), SETB("notification.data", IKE_CB_2), SILENCE,
	   "RFC 3706 5, RFC 2408 5.14", "R-U-THERE with a 2-byte sequence number"),
	E1("info-hash-wrong", K(DPD), SETB("hash.data", IKE_CB_ZERO32), SILENCE,
	   "RFC 2409 5.7, RFC 2408 5.14", "R-U-THERE with HASH(1) all zero: unauthenticated"),
	E1("delete-bad-count", K(DELETE), SET("delete.count", 3), SILENCE, "RFC 2408 5.15",
	   "an ISAKMP Delete that says 3 SPIs and carries one"),
	E1("delete-bad-spi-size", K(DELETE), SET("delete.spi_size", 4), SILENCE, "RFC 2408 5.15",
	   "an ISAKMP Delete whose SPI size says 4 (the cookies are 16)"),
	E1("delete-bad-doi", K(DELETE), SET("delete.doi", 2), SILENCE, "RFC 2408 5.15",
	   "an ISAKMP Delete with DOI 2"),

	/* ---- CERT and CR (RFC 2408 3.9, 3.10, 5.9, 5.10; RFC 4945 3.2) ---- */
	ES("cert-garbage-der", AT_CERT, SETB("cert.data", IKE_CB_DER), WIRE_N_INVALID_CERTIFICATE,
	   "RFC 2408 5.9", "the first CERT's data 8 bytes of broken DER (a SEQUENCE cut short)"),
	ES("cert-bad-encoding", AT_CERT, SET("cert.encoding", 99), WIRE_N_INVALID_CERT_ENCODING,
	   "RFC 2408 3.9, 5.9", "the first CERT's encoding 99 (unassigned)"),
	ES("cert-wrong-encoding", AT_CERT, SET("cert.encoding", 2), WIRE_N_INVALID_CERT_ENCODING,
	   "RFC 2408 3.9, 5.9, RFC 4945 3.3",
	   "the first CERT says PGP (2) and carries an X.509 certificate"),
	ES("cr-bad-type", AT_CR, SET("cr.type", 99), WIRE_N_CERT_TYPE_UNSUPPORTED,
	   "RFC 2408 3.10, 5.10", "the CR's certificate type 99 (unassigned)"),
	ES("cr-garbage-ca", AT_CR, SETB("cr.data", IKE_CB_DER), WIRE_N_INVALID_CERT_AUTHORITY,
	   "RFC 2408 5.10, RFC 4945 3.2.1",
	   "the CR's certificate authority 8 bytes of broken DER, not a distinguished name"),

	/* ---- NAT-T (RFC 3947 3.2) ---- */
	E1("natd-wrong-length", AT_NATD, SETB("natd.data", IKE_CB_7), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 3947 3.2", "a 7-byte NAT-D (a hash of the negotiated PRF is expected)"),

	/* ---- encryption (RFC 2408 3.1 E flag, RFC 2409 5, Appendix B) ---- */
	E1("enc-truncated-block", AT_ENC, CHOP(5), SILENCE,
	   "RFC 2409 Appendix B",
	   "5 bytes cut off the ciphertext (header length following): not whole blocks"),
	E1("enc-wrong-iv", AT_ENC, XOR(28, 0xff),
	   SILENCE, "RFC 2409 Appendix B",
	   "the first ciphertext block flipped: decrypts to garbage, as with a wrong IV"),
	E1("enc-drop-last-block", AT_ENC, CHOP(16), SILENCE,
	   "RFC 2409 Appendix B", "the last ciphertext block dropped (header length following)"),
	E1("enc-inner-bad-next-payload", K(MM5) | K(MM6) | K(QM1) | K(QM2), PXOR(0, 0x40),
	   WIRE_N_INVALID_PAYLOAD_TYPE, "RFC 2408 5.2",
	   "the first inner payload's next payload xor 0x40, under correct encryption"),
	E1("enc-inner-len-past-end", AT_ENC & ~K(DPD), PXOR(2, 0x70),
	   WIRE_N_PAYLOAD_MALFORMED, "RFC 2408 5.2",
	   "the first inner payload's length past the plaintext, under correct encryption"),
	E1("enc-flag-clear", K(QM1) | K(QM2), SET("header.flags", 0), WIRE_N_INVALID_FLAGS,
	   "RFC 2408 5.1, RFC 2409 5.5",
	   "the E flag cleared on a Quick Mode message (which must be encrypted)"),

	/* ---- payloads missing or twice (RFC 2409 5, 5.5) ---- */
	E1("payload-missing-sa", AT_SA, REMOVE(WIRE_PL_SA), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5, 5.5", "the SA payload removed"),
	E1("payload-missing-ke", AT_KE, REMOVE(WIRE_PL_KE), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "the KE payload removed"),
	E1("payload-missing-nonce", AT_NONCE, REMOVE(WIRE_PL_NONCE), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5, 5.5", "the nonce removed"),
	E1("payload-missing-id", AT_ID, REMOVE(WIRE_PL_ID), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "the ID payload removed"),
	EP("payload-missing-auth", AT_HASH_P1, REMOVE(WIRE_PL_HASH),
	   WIRE_N_INVALID_HASH_INFORMATION, "RFC 2409 5, RFC 2408 5.11",
	   "HASH_I / HASH_R removed"),
	E1("payload-duplicated-sa", AT_SA, DUP(WIRE_PL_SA), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5, 5.5", "the SA payload twice"),
	E1("payload-duplicated-ke", AT_KE, DUP(WIRE_PL_KE), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5, 5.5 (one KE)", "the KE payload twice"),
	E1("payload-duplicated-nonce", AT_NONCE, DUP(WIRE_PL_NONCE), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5, 5.5", "the nonce twice"),
	E1("payload-duplicated-id", AT_ID, DUP(WIRE_PL_ID), WIRE_N_PAYLOAD_MALFORMED,
	   "RFC 2409 5", "the ID payload twice"),

	/* ---- replays (RFC 2409 5.5: Quick Mode's nonces are its replay
	   protection; a datagram seen before is a retransmission) ---- */
	/* silence, or the peer's last reply resent byte for byte (a duplicate
	   to us, not an answer); never a new exchange or a notify */
	E1("msg-replayed", K(QM1) | K(QM2) | K(QM3) | K(DPD), REPLAY(), SILENCE,
	   "RFC 2409 5.5, RFC 2408 3.1",
	   "the first datagram of the phase-1 exchange sent again after it completed"),

	/* ---- order (RFC 2408 2.5.3, 3.1; RFC 2409 5, 5.5) ---- */
	/* a datagram twice is a retransmission: answered once, or the same
	   answer again, and the exchange goes on */
	EA("msg-repeated", AT_ALL, REPEAT(), "RFC 2408 3.1, RFC 2409 5.5",
	   "the message sent twice at once, byte for byte"),
	/* an older message of the same exchange after the peer moved on:
	   a retransmission at most, never a new exchange or a notify */
	E1("msg-stale", K(MM3) | K(MM4) | K(MM5) | K(MM6) | K(AM3) | K(QM3), STALE(), SILENCE,
	   "RFC 2408 3.1, RFC 2409 5",
	   "our previous message sent again in place of this one"),
	/* mm6 before mm4: encrypted under keys the initiator cannot have yet */
	E1("msg-skipped", K(MM4), EARLY(MM6), SILENCE, "RFC 2409 5, Appendix B",
	   "mm6 sent in place of mm4: the KE exchange skipped"),
	/* Quick Mode needs an authenticated ISAKMP SA */
	E1("qm-before-auth", K(MM5) | K(MM6), EARLY(QM1), SILENCE, "RFC 2409 5, 5.5",
	   "qm1 sent in place of mm5 / mm6: Quick Mode before phase 1 is authenticated"),
};

#define IKE_CAT_N (sizeof(ike_catalog) / sizeof(ike_catalog[0]))

size_t ike_catalog_count(void)
{
	return IKE_CAT_N;
}

const struct ike_catalog_entry *ike_catalog_get(size_t i)
{
	return i < IKE_CAT_N ? &ike_catalog[i] : NULL;
}

const struct ike_catalog_entry *ike_catalog_find(const char *name)
{
	for (size_t i = 0; name && i < IKE_CAT_N; i++)
		if (strcmp(ike_catalog[i].name, name) == 0)
			return &ike_catalog[i];
	return NULL;
}

const char *const *ike_catalog_names(void)
{
	static const char *names[IKE_CAT_N + 1];
	if (!names[0])
		for (size_t i = 0; i < IKE_CAT_N; i++)
			names[i] = ike_catalog[i].name;
	return names;
}

bool ike_catalog_applies(const struct ike_catalog_entry *c, enum ike_kind at)
{
	return c && at > IKE_K_NONE && at < IKE_K_COUNT && (c->at & IKE_CAT_BIT(at));
}

bool ike_catalog_fits_auth(const struct ike_catalog_entry *c, uint16_t auth)
{
	if (!c)
		return false;
	if (c->auth == IKE_CAT_AUTH_SIG)
		return ike_auth_is_sig(auth);
	if (c->auth == IKE_CAT_AUTH_PSK)
		return auth == IKE_AUTH_PSK;
	return true;
}

bool ike_catalog_replaces_message(const struct ike_catalog_entry *c)
{
	for (size_t i = 0; c && i < c->nmut; i++)
		if (c->mut[i].op == IKE_MUT_REPLAY || c->mut[i].op == IKE_MUT_STALE ||
		    c->mut[i].op == IKE_MUT_EARLY)
			return true;
	return false;
}

const char *ike_catalog_at_str(const struct ike_catalog_entry *c, char *buf, size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = 0;
	for (int k = 1; k < IKE_K_COUNT && n < len; k++) {
		if (!ike_catalog_applies(c, (enum ike_kind)k))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", ike_kind_name(k));
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

/* RFC 3526 3: the 2048-bit MODP prime; p - 1 is this with the last byte 0xfe. */
static const char ike_cat_p2048[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

static uint8_t ike_cat_buf[IKE_CB_COUNT][300];
static const size_t ike_cat_len[IKE_CB_COUNT] = {
	[IKE_CB_EMPTY] = 0, [IKE_CB_2] = 2, [IKE_CB_3] = 3, [IKE_CB_4] = 4, [IKE_CB_5] = 5,
	[IKE_CB_7] = 7, [IKE_CB_8] = 8, [IKE_CB_COOKIE] = 8, [IKE_CB_100] = 100,
	[IKE_CB_300] = 300, [IKE_CB_ZERO32] = 32, [IKE_CB_ZERO256] = 256,
	[IKE_CB_ONE256] = 256, [IKE_CB_FF256] = 256, [IKE_CB_PM1_256] = 256, [IKE_CB_DER] = 8,
};

static void ike_cat_fill(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	/* zero-initialised already: EMPTY, 8, ZERO32, ZERO256 */
	ike_cat_buf[IKE_CB_2][1] = 1;
	memcpy(ike_cat_buf[IKE_CB_3], "\xc0\x00\x02", 3);
	memset(ike_cat_buf[IKE_CB_4], 0xa5, 4);
	memset(ike_cat_buf[IKE_CB_5], 0xa5, 5);
	memset(ike_cat_buf[IKE_CB_7], 0xa5, 7);
	memcpy(ike_cat_buf[IKE_CB_COOKIE], "\xc0\x0c\x1e\xba\xdc\x0f\xfe\xe5", 8);
	memset(ike_cat_buf[IKE_CB_100], 0x5a, 100);
	memset(ike_cat_buf[IKE_CB_300], 0x5a, 300);
	ike_cat_buf[IKE_CB_ONE256][255] = 1;
	memset(ike_cat_buf[IKE_CB_FF256], 0xff, 256);
	memcpy(ike_cat_buf[IKE_CB_DER], "\x30\x82\x01\x00\xa5\xa5\xa5\xa5", 8);
	chunk_t p = CHUNK_EMPTY;
	if (!hex_decode(ike_cat_p2048, strlen(ike_cat_p2048), &p) || p.len != 256)
		abort();
	p.ptr[255] = 0xfe;   /* the prime ends in ff: p - 1 */
	memcpy(ike_cat_buf[IKE_CB_PM1_256], p.ptr, 256);
	chunk_free(&p);
}

size_t ike_catalog_mutations(const struct ike_catalog_entry *c, struct ike_mutation *out,
			     size_t max)
{
	if (!c || c->nmut > max || c->nmut > IKE_CAT_MAX_MUT)
		return 0;
	ike_cat_fill();
	for (size_t i = 0; i < c->nmut; i++) {
		const struct ike_cat_mut *m = &c->mut[i];
		out[i] = (struct ike_mutation){
			.op = m->op, .path = m->path, .value = m->value, .payload = m->payload,
			.nth = m->nth, .offset = m->offset,
		};
		if (m->bytes != IKE_CB_NONE && m->bytes < IKE_CB_COUNT)
			out[i].bytes = (chunk_t){ ike_cat_buf[m->bytes], ike_cat_len[m->bytes] };
	}
	return c->nmut;
}
