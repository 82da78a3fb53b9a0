/* fr_shim_decode.c: packets in (frs_decode): checked, verified, decoded, hidden values decrypted
 * by us (the library leaks on malformed ones), values exported to the caller. */
#include "aaa/radius/fr_shim_internal.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- decode ---- */

struct frs_decoded {
  unsigned code;
  uint8_t id;
  uint8_t vector[FRS_VECTOR_LEN];
  frs_value* values;
  size_t count;
};

static const char* decode_fail_text(decode_fail_t reason) {
  switch (reason) {
    case DECODE_FAIL_NONE: return "no failure";
    case DECODE_FAIL_MIN_LENGTH_PACKET: return "shorter than the 20-octet header (RFC 2865 section 3)";
    case DECODE_FAIL_MIN_LENGTH_FIELD: return "Length field below 20 or above 4096 (RFC 2865 section 3)";
    case DECODE_FAIL_MIN_LENGTH_MISMATCH: return "Length field larger than the data received (RFC 2865 section 3)";
    case DECODE_FAIL_HEADER_OVERFLOW: return "an attribute header runs past the end of the packet";
    case DECODE_FAIL_UNKNOWN_PACKET_CODE: return "unknown packet code";
    case DECODE_FAIL_INVALID_ATTRIBUTE: return "attribute type 0 is invalid";
    case DECODE_FAIL_ATTRIBUTE_TOO_SHORT: return "an attribute length is below 2 (RFC 2865 section 5)";
    case DECODE_FAIL_ATTRIBUTE_OVERFLOW: return "an attribute runs past the end of the packet";
    case DECODE_FAIL_MA_INVALID_LENGTH: return "Message-Authenticator is not 18 octets (RFC 3579 section 3.2)";
    case DECODE_FAIL_ATTRIBUTE_UNDERFLOW: return "attributes do not fill the packet exactly";
    case DECODE_FAIL_TOO_MANY_ATTRIBUTES: return "too many attributes";
    case DECODE_FAIL_MA_MISSING: return "EAP-Message without Message-Authenticator (RFC 3579 section 3.3)";
    case DECODE_FAIL_TOO_MANY_AUTH: return "more than one authentication attribute";
    default: return "malformed packet";
  }
}

/* Points `out` at the value held by `vp` (memory owned by the decoded packet). */
static void export_value(VALUE_PAIR const* vp, frs_value* out) {
  DICT_ATTR const* da = vp->da;
  memset(out, 0, sizeof(*out));
  out->vendor = da->vendor;
  out->attr = da->attr;
  out->type = shim_map_type(da->type);
  out->tag = (da->flags.has_tag && TAG_VALID(vp->tag)) ? (uint8_t)vp->tag : 0;
  switch (out->type) {
    case FRS_TYPE_STRING:
      out->data = (const uint8_t*)vp->vp_strvalue;
      out->len = vp->vp_length;
      break;
    case FRS_TYPE_OCTETS:
      out->data = vp->vp_octets;
      out->len = vp->vp_length;
      break;
    case FRS_TYPE_INTEGER: out->num = vp->vp_integer; break;
    case FRS_TYPE_DATE: out->num = vp->vp_date; break;
    case FRS_TYPE_BYTE: out->num = vp->vp_byte; break;
    case FRS_TYPE_SHORT: out->num = vp->vp_short; break;
    case FRS_TYPE_SIGNED: out->num = (uint64_t)(int64_t)vp->vp_signed; break;
    case FRS_TYPE_INTEGER64: out->num = vp->vp_integer64; break;
    case FRS_TYPE_IPADDR: out->num = ntohl(vp->vp_ipaddr); break;
    case FRS_TYPE_IPV6ADDR:
      out->data = (const uint8_t*)&vp->vp_ipv6addr;
      out->len = 16;
      break;
    case FRS_TYPE_IPV6PREFIX:
      out->data = vp->vp_ipv6prefix;
      out->len = vp->vp_length <= sizeof(vp->vp_ipv6prefix) ? vp->vp_length : sizeof(vp->vp_ipv6prefix);
      break;
    case FRS_TYPE_IPV4PREFIX:
      out->data = vp->vp_ipv4prefix;
      out->len = sizeof(vp->vp_ipv4prefix);
      break;
    case FRS_TYPE_ETHER:
      out->data = vp->vp_ether;
      out->len = sizeof(vp->vp_ether);
      break;
    case FRS_TYPE_OTHER:
      if (da->flags.is_pointer) {
        out->data = (const uint8_t*)vp->data.ptr;
        out->len = vp->vp_length;
      } else {
        out->data = (const uint8_t*)&vp->data;
        out->len = vp->vp_length <= sizeof(vp->data) ? vp->vp_length : sizeof(vp->data);
      }
      break;
  }
}

/* RFC 2865 section 5.2: p(i) = c(i) XOR MD5(S + c(i-1)), c(0) being the Request Authenticator;
 * the clear text ends at the first NUL (padding), as the library's rad_pwdecode() does. */
static int decrypt_user_password(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                 const uint8_t* vector, char* err, size_t errlen) {
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  const uint8_t* cipher = (const uint8_t*)vp->vp_strvalue;
  uint8_t plain[FRS_MAX_PASSWORD_LEN];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;
  size_t n;

  if (len > FRS_MAX_PASSWORD_LEN) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "User-Password is %zu octets, at most %d are allowed (RFC 2865 section 5.2)", len,
                FRS_MAX_PASSWORD_LEN);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN);
  if (!buf) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len; i += FRS_VECTOR_LEN) {
    size_t k;
    size_t block = len - i < FRS_VECTOR_LEN ? len - i : FRS_VECTOR_LEN;
    memcpy(buf + secret_len, i == 0 ? vector : cipher + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
    fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    for (k = 0; k < block; k++) plain[i + k] = cipher[i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  for (n = 0; n < len && plain[n] != 0; n++) {
  }
  fr_pair_value_bstrncpy(vp, plain, n);
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

/* RFC 2868 section 3.5 / RFC 2548 section 2.4.2, for Tunnel-Password style values (encrypt=2) of
 * replies: the value is Salt (2 octets) + C, a multiple of 16 octets; b(1) = MD5(S + R + Salt),
 * b(i) = MD5(S + c(i-1)), p = c XOR b, and p's first octet is the length of the clear text after
 * it. The library's rad_tunnel_pwdecode() does the same but leaks two OpenSSL digest contexts
 * whenever that length octet is too large (found by tests/fuzz/radius_codec_fuzz.cpp), so the
 * library never decrypts for us. A malformed value is refused, not returned as garbage. */
static int decrypt_salted_value(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                const uint8_t* vector, char* err, size_t errlen) {
  const bool is_string = vp->da->type == PW_TYPE_STRING;
  const uint8_t* value = is_string ? (const uint8_t*)vp->vp_strvalue : vp->vp_octets;
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  uint8_t plain[FRS_MAX_ATTR_PAYLOAD];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;
  size_t clear_len;

  if (len < 2 + FRS_VECTOR_LEN || (len - 2) % FRS_VECTOR_LEN != 0 || len - 2 > sizeof(plain)) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "%s is %zu octets: a salted value is a 2-octet Salt and a multiple of 16 octets "
                "(RFC 2868 section 3.5, RFC 2548 section 2.4.2)",
                vp->da->name, len);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN + 2);
  if (!buf) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len - 2; i += FRS_VECTOR_LEN) {
    size_t k;
    if (i == 0) {
      memcpy(buf + secret_len, vector, FRS_VECTOR_LEN);
      memcpy(buf + secret_len + FRS_VECTOR_LEN, value, 2);
      fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN + 2);
    } else {
      memcpy(buf + secret_len, value + 2 + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
      fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    }
    for (k = 0; k < FRS_VECTOR_LEN; k++) plain[i + k] = value[2 + i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  clear_len = plain[0];
  if (clear_len > len - 3) {
    explicit_bzero(plain, sizeof(plain));
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "%s: the encrypted length octet says %zu, more than the value holds: wrong shared "
                "secret or altered value (RFC 2868 section 3.5)",
                vp->da->name, clear_len);
  }
  if (is_string) {
    fr_pair_value_bstrncpy(vp, plain + 1, clear_len);
  } else {
    fr_pair_value_memcpy(vp, plain + 1, clear_len);
  }
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

/* User-Password style values (encrypt=1) of replies: MS-CHAP-MPPE-Keys (RFC 2548 section 2.4.1) is
 * the one the dictionaries define. RFC 2865 section 5.2 with the request's authenticator; as the
 * library did: cut to the dictionary's fixed length when it has one, else trailing zeros go. */
static int decrypt_reply_password_style(TALLOC_CTX* ctx, VALUE_PAIR* vp, const char* secret,
                                        const uint8_t* vector, char* err, size_t errlen) {
  const bool is_string = vp->da->type == PW_TYPE_STRING;
  const uint8_t* cipher = is_string ? (const uint8_t*)vp->vp_strvalue : vp->vp_octets;
  size_t len = vp->vp_length;
  size_t secret_len = strlen(secret);
  uint8_t plain[FRS_MAX_PASSWORD_LEN];
  uint8_t digest[FRS_VECTOR_LEN];
  uint8_t* buf;
  size_t i;

  if (len == 0 || len % FRS_VECTOR_LEN != 0 || len > FRS_MAX_PASSWORD_LEN) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "%s is %zu octets: a User-Password style value is a multiple of 16 octets, at most "
                "%d (RFC 2865 section 5.2)",
                vp->da->name, len, FRS_MAX_PASSWORD_LEN);
  }
  buf = talloc_array(ctx, uint8_t, secret_len + FRS_VECTOR_LEN);
  if (!buf) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  memcpy(buf, secret, secret_len);
  for (i = 0; i < len; i += FRS_VECTOR_LEN) {
    size_t k;
    memcpy(buf + secret_len, i == 0 ? vector : cipher + i - FRS_VECTOR_LEN, FRS_VECTOR_LEN);
    fr_md5_calc(digest, buf, secret_len + FRS_VECTOR_LEN);
    for (k = 0; k < FRS_VECTOR_LEN; k++) plain[i + k] = cipher[i + k] ^ digest[k];
  }
  explicit_bzero(buf, secret_len);
  talloc_free(buf);
  if (vp->da->flags.length) {
    if (len > vp->da->flags.length) len = vp->da->flags.length;
  } else {
    while (len > 0 && plain[len - 1] == 0) len--;
  }
  if (is_string) {
    fr_pair_value_bstrncpy(vp, plain, len);
  } else {
    fr_pair_value_memcpy(vp, plain, len);
  }
  explicit_bzero(plain, sizeof(plain));
  explicit_bzero(digest, sizeof(digest));
  return FRS_OK;
}

int frs_decode(const uint8_t* data, size_t len, const char* secret, const uint8_t* request_vector,
               unsigned request_code, frs_decoded** out, char* err, size_t errlen) {
  frs_decoded* d;
  RADIUS_PACKET* packet;
  RADIUS_PACKET* original = NULL;
  decode_fail_t reason = DECODE_FAIL_NONE;
  VALUE_PAIR const* vp;
  size_t total;
  size_t n;
  unsigned code;
  unsigned original_code = 0;
  bool packet_ok;
  int rc = FRS_OK;

  if (!out || (!data && len > 0)) return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "frs_decode: NULL argument");
  *out = NULL;
  if (!secret || !*secret) return shim_fail(err, errlen, FRS_ERR_ARGUMENT, "shared secret is empty");
  if (!frs_dict_loaded()) {
    return shim_fail(err, errlen, FRS_ERR_STATE, "decoding: no dictionary loaded");
  }

  /* Header checks of our own first, for precise messages (RFC 2865 section 3). */
  if (len < FRS_HEADER_LEN) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "packet is %zu octets, shorter than the 20-octet RADIUS header", len);
  }
  total = ((size_t)data[2] << 8) | data[3];
  if (total < FRS_HEADER_LEN || total > FRS_MAX_PACKET_LEN) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "Length field is %zu, outside 20..4096 (RFC 2865 section 3)", total);
  }
  if (total > len) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED,
                "Length field says %zu octets but only %zu were received", total, len);
  }
  code = data[0];
  if (!shim_is_supported_code(code)) {
    return shim_fail(err, errlen, FRS_ERR_MALFORMED, "packet code %u (%s) is not supported", code,
                shim_code_name(code));
  }
  if (shim_request_code_for(code) != 0) {
    if (!request_vector) {
      return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
                  "%s is a reply: the request's authenticator is needed to verify it",
                  shim_code_name(code));
    }
    if ((rc = shim_resolve_request_code(code, request_code, &original_code, err, errlen)) != FRS_OK) {
      return rc;
    }
  }

  d = talloc_zero(NULL, frs_decoded);
  if (!d) return shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
  packet = rad_alloc(d, false);
  if (!packet) {
    rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  /* Octets past Length are padding (RFC 2865 section 3): copy only the packet proper. The library
   * writes into this copy (rad_verify zeroes the authenticator field), never into `data`. The copy
   * has FRS_DECODE_SLACK zero octets after it: 3.2.1's rad_attr2vp() reads past the end of the
   * packet for some inputs (found by valgrind: a zero-length NAS-Filter-Rule as the last
   * attribute), and those reads must land in memory we own. */
  packet->data = talloc_zero_array(packet, uint8_t, total + FRS_DECODE_SLACK);
  if (!packet->data) {
    rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(packet->data, data, total);
  packet->data_len = total;
  packet->src_ipaddr.af = AF_INET;
  packet->dst_ipaddr.af = AF_INET;

  packet_ok = rad_packet_ok(packet, 0, &reason);
  /* RFC 5997 section 3: a Status-Server without Message-Authenticator is discarded. The library
   * may flag it as DECODE_FAIL_MA_MISSING (whose text is about EAP) or not at all: check it here. */
  if (code == PW_CODE_STATUS_SERVER &&
      (packet_ok ? !shim_has_message_authenticator(packet->data, total)
                 : reason == DECODE_FAIL_MA_MISSING)) {
    rc = shim_fail(err, errlen, FRS_ERR_MALFORMED,
              "malformed Status-Server: no Message-Authenticator (RFC 5997 section 3 requires one; "
              "an unsigned Status-Server is not supported)");
    goto done;
  }
  if (!packet_ok) {
    rc = shim_fail(err, errlen, FRS_ERR_MALFORMED, "malformed %s: %s", shim_code_name(code),
              decode_fail_text(reason));
    goto done;
  }
  /* RFC 3579 section 3.2: at most one Message-Authenticator. 3.2.1 checks the first and accepts a
   * second one whatever it holds (found by tests/fuzz/radius_codec_fuzz.cpp); our other checkers
   * (the auth fast path, verifyMessageAuthenticator) refuse such a packet, so does this one. */
  if (shim_count_message_authenticators(packet->data, total) > 1) {
    rc = shim_fail(err, errlen, FRS_ERR_MALFORMED,
              "malformed %s: more than one Message-Authenticator (RFC 3579 section 3.2)", shim_code_name(code));
    goto done;
  }
  /* 3.2.1's rad_packet_ok() leaves these to rad_recv(), which we do not use. */
  packet->code = code;
  packet->id = data[1];
  memcpy(packet->vector, data + 4, FRS_VECTOR_LEN);
  d->code = code;
  d->id = data[1];
  memcpy(d->vector, data + 4, FRS_VECTOR_LEN);

  if (original_code != 0) {
    original = rad_alloc(d, false);
    if (!original) {
      rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    original->code = original_code;
    original->id = data[1];
    memcpy(original->vector, request_vector, FRS_VECTOR_LEN);
  }

  if (rad_verify(packet, original, secret) < 0) {
    const char* why = shim_lib_error();
    if (strstr(why, "Message-Authenticator")) {
      rc = shim_fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Message-Authenticator does not match (RFC 3579 section 3.2): wrong shared "
                "secret or altered packet",
                shim_code_name(code));
    } else if (original) {
      rc = shim_fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Response Authenticator does not match (RFC 2865 section 3): wrong shared "
                "secret, altered packet, or not the reply to this request",
                shim_code_name(code));
    } else {
      rc = shim_fail(err, errlen, FRS_ERR_AUTHENTICATOR,
                "%s: Request Authenticator does not match (RFC 2866 section 3, RFC 5176 section "
                "3): wrong shared secret or altered packet",
                shim_code_name(code));
    }
    goto done;
  }

  /* Packets are decoded WITHOUT the secret, so the library decrypts nothing: 3.2.1's
   * rad_tunnel_pwdecode() leaks two OpenSSL digest contexts whenever a Tunnel-Password style
   * attribute (Tunnel-Password, MS-MPPE keys, many vendor keys) fails its length check. In a
   * request anyone can send that at will (valgrind); in a reply, a peer holding the secret (a NAS
   * answering CoA/Disconnect) could, once per reply (tests/fuzz/radius_codec_fuzz.cpp). We decrypt
   * ourselves what each kind carries: User-Password in requests; Tunnel-Password style values and
   * User-Password style ones (MS-CHAP-MPPE-Keys) in replies (they have no business in requests, RFC 2868 section 3.5, RFC 2548, and come back
   * there as received). User-Password is decrypted in Access-Request only: elsewhere it is
   * forbidden and undecryptable (its Request Authenticator is a hash) and comes back as received. */
  if (rad_decode(packet, original, NULL) < 0) {
    rc = shim_fail(err, errlen, FRS_ERR_MALFORMED, "decoding %s: %s", shim_code_name(code), shim_lib_error());
    goto done;
  }
  {
    VALUE_PAIR* ev;
    for (ev = packet->vps; ev; ev = ev->next) {
      if (code == PW_CODE_ACCESS_REQUEST && ev->da->vendor == 0 && ev->da->attr == PW_USER_PASSWORD) {
        rc = decrypt_user_password(d, ev, secret, packet->vector, err, errlen);
      } else if (original && ev->da->flags.encrypt == FLAG_ENCRYPT_TUNNEL_PASSWORD) {
        rc = decrypt_salted_value(d, ev, secret, original->vector, err, errlen);
      } else if (original && ev->da->flags.encrypt == FLAG_ENCRYPT_USER_PASSWORD) {
        rc = decrypt_reply_password_style(d, ev, secret, original->vector, err, errlen);
      }
      if (rc != FRS_OK) goto done;
    }
  }

  n = 0;
  for (vp = packet->vps; vp; vp = vp->next) n++;
  d->count = n;
  if (n > 0) {
    size_t i = 0;
    d->values = talloc_array(d, frs_value, n);
    if (!d->values) {
      rc = shim_fail(err, errlen, FRS_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (vp = packet->vps; vp; vp = vp->next) export_value(vp, &d->values[i++]);
  }

done:
  if (rc != FRS_OK) {
    talloc_free(d);
    return rc;
  }
  *out = d;
  return FRS_OK;
}

unsigned frs_decoded_code(const frs_decoded* d) { return d ? d->code : 0; }
uint8_t frs_decoded_id(const frs_decoded* d) { return d ? d->id : 0; }
const uint8_t* frs_decoded_vector(const frs_decoded* d) { return d ? d->vector : NULL; }
size_t frs_decoded_count(const frs_decoded* d) { return d ? d->count : 0; }
const frs_value* frs_decoded_values(const frs_decoded* d) { return d ? d->values : NULL; }
void frs_decoded_free(frs_decoded* d) { talloc_free(d); }
