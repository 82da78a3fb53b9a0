/* fr_shim.c and fr_shim_*.c: the only files that include FreeRADIUS headers (see fr_shim.h), one
 * job each: fr_shim.c errors and packet codes, fr_shim_dictionary.c the dictionary,
 * fr_shim_encode.c packets out, fr_shim_decode.c packets in, fr_shim_dynauth.c the RFC 5176 reply
 * signature. What they share is in fr_shim_internal.h (not an API).
 *
 * Library facts these files rely on, checked against Debian 12's libfreeradius-radius 3.2.1:
 *   - <freeradius/build.h> must come first; autoconf.h includes <freeradius/automask.h>, which the
 *     package does not ship (our empty stand-in lives in compat/, visible to
 *     these files only).
 *   - rad_packet_ok() checks structure only; it does not fill packet->code/id/vector (we do).
 *   - rad_verify() checks the Request/Response Authenticator and, when present, the
 *     Message-Authenticator HMAC; it never requires one on Access-Request (pre-BlastRADIUS).
 *   - rad_sign() computes the Message-Authenticator of CoA/Disconnect ACK/NAK with a zero
 *     Authenticator field, against RFC 5176 section 3.4 and against its own rad_verify(); we redo
 *     it (shim_resign_dynauth_reply).
 *   - rad_encode() silently truncates a value longer than its attribute can hold and silently
 *     stops at 4096 octets; we compute the expected wire length first and compare afterwards.
 *   - rad_encode() salts Tunnel-Password style values (encrypt=2) with fr_rand() and a static
 *     counter, both unlocked globals: the caller encrypts those values (FRS_VALUE_ENCRYPTED) and we
 *     hand the library an "unknown" (raw octets) twin of the attribute, which it copies as is.
 *   - rad_sign()/rad_verify() compute the Message-Authenticator of an Accounting-Response with the
 *     request's authenticator when the request was a Status-Server (RFC 5997), with zeros
 *     otherwise: the `original` packet we build carries the real request code.
 *   - Dictionary hash tables fill buckets lazily on lookup; frs_dict_init() warms them.
 *   - dict_free() followed by dict_init() reads freed memory (a static cache in dict_addvalue()):
 *     one dictionary load per process.
 *   - Decoding bugs found with valgrind and libFuzzer, worked around in frs_decode():
 *     rad_tunnel_pwdecode() leaks on malformed input (we decrypt ourselves); rad_attr2vp() reads a
 *     few octets past the end of the packet.
 */
#include "aaa/radius/fr_shim_internal.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- errors ---- */

int shim_fail(char* err, size_t errlen, int code, const char* fmt, ...) {
  if (err && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* The library's last error for this thread (thread-local in 3.2.1), never NULL. */
const char* shim_lib_error(void) {
  const char* e = fr_strerror();
  return (e && *e) ? e : "no detail from libfreeradius";
}

/* ---- packet codes ---- */

int shim_is_supported_code(unsigned code) {
  switch (code) {
    case PW_CODE_ACCESS_REQUEST:
    case PW_CODE_ACCESS_ACCEPT:
    case PW_CODE_ACCESS_REJECT:
    case PW_CODE_ACCOUNTING_REQUEST:
    case PW_CODE_ACCOUNTING_RESPONSE:
    case PW_CODE_ACCESS_CHALLENGE:
    case PW_CODE_STATUS_SERVER:
    case PW_CODE_DISCONNECT_REQUEST:
    case PW_CODE_DISCONNECT_ACK:
    case PW_CODE_DISCONNECT_NAK:
    case PW_CODE_COA_REQUEST:
    case PW_CODE_COA_ACK:
    case PW_CODE_COA_NAK:
      return 1;
    default:
      return 0;
  }
}

/* For a reply code, the code of the request it answers; 0 for requests. */
unsigned shim_request_code_for(unsigned code) {
  switch (code) {
    case PW_CODE_ACCESS_ACCEPT:
    case PW_CODE_ACCESS_REJECT:
    case PW_CODE_ACCESS_CHALLENGE:
      return PW_CODE_ACCESS_REQUEST;
    case PW_CODE_ACCOUNTING_RESPONSE:
      return PW_CODE_ACCOUNTING_REQUEST;
    case PW_CODE_DISCONNECT_ACK:
    case PW_CODE_DISCONNECT_NAK:
      return PW_CODE_DISCONNECT_REQUEST;
    case PW_CODE_COA_ACK:
    case PW_CODE_COA_NAK:
      return PW_CODE_COA_REQUEST;
    default:
      return 0;
  }
}

const char* shim_code_name(unsigned code) {
  if (code > 0 && code < FR_MAX_PACKET_CODE && fr_packet_codes[code]) return fr_packet_codes[code];
  return "unknown";
}

/* The code of the request a reply answers: the usual one when `request_code` is 0 (or names it),
 * Status-Server for the two answers RFC 5997 section 3 defines (Access-Accept on the
 * authentication port, Accounting-Response on the accounting port). */
int shim_resolve_request_code(unsigned code, unsigned request_code, unsigned* out, char* err,
                                size_t errlen) {
  unsigned usual = shim_request_code_for(code);
  if (request_code == 0 || request_code == usual) {
    *out = usual;
    return FRS_OK;
  }
  if (request_code == PW_CODE_STATUS_SERVER &&
      (code == PW_CODE_ACCESS_ACCEPT || code == PW_CODE_ACCOUNTING_RESPONSE)) {
    *out = request_code;
    return FRS_OK;
  }
  return shim_fail(err, errlen, FRS_ERR_ARGUMENT,
              "%s does not answer a %s (code %u); a Status-Server is answered with Access-Accept or "
              "Accounting-Response (RFC 5997 section 3)",
              shim_code_name(code), shim_code_name(request_code), request_code);
}

/* How many Message-Authenticators the attributes of a packet that passed rad_packet_ok() hold. */
int shim_count_message_authenticators(const uint8_t* data, size_t len) {
  size_t pos = FRS_HEADER_LEN;
  int n = 0;
  while (pos + 2 <= len && data[pos + 1] >= 2) {
    if (data[pos] == PW_MESSAGE_AUTHENTICATOR) n++;
    pos += data[pos + 1];
  }
  return n;
}

int shim_has_message_authenticator(const uint8_t* data, size_t len) {
  return shim_count_message_authenticators(data, len) > 0;
}
