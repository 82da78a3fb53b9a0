// Every attribute the server reads or writes, resolved once at startup from the dictionaries.
// A missing attribute fails startup with its name (never a packet).
#pragma once

#include "aaa/radius/dictionary.h"
#include "core/status.h"

namespace aaa::radius {

struct Attributes {
  // RFC 2865 / 2866 / 2869 / 3162 / 5176
  AttrRef userName, userPassword, chapPassword, chapChallenge, nasIpAddress, nasIpv6Address, nasIdentifier, nasPort,
      nasPortType, nasPortId, serviceType, framedProtocol, framedIpAddress, framedPool, callingStationId,
      calledStationId, replyMessage, sessionTimeout, idleTimeout, acctInterimInterval, filterId, proxyState, state,
      messageAuthenticator, eventTimestamp, errorCause;
  // RFC 3579
  AttrRef eapMessage;
  // Accounting (RFC 2866, RFC 2869)
  AttrRef acctStatusType, acctDelayTime, acctInputOctets, acctOutputOctets, acctSessionId, acctSessionTime,
      acctInputPackets, acctOutputPackets, acctTerminateCause, acctInputGigawords, acctOutputGigawords;
  // Microsoft (RFC 2548)
  AttrRef msChapChallenge, msChap2Response, msChap2Success, msChapError, msMppeSendKey, msMppeRecvKey,
      msMppeEncryptionPolicy, msMppeEncryptionTypes;
  // Vendor rate attributes
  AttrRef mikrotikRateLimit, wisprBandwidthMaxUp, wisprBandwidthMaxDown, chillispotBandwidthMaxUp,
      chillispotBandwidthMaxDown, ciscoAvPair;
  // Vendor remaining-volume attributes (the NAS stops the session at the exact octet)
  AttrRef mikrotikTotalLimit, mikrotikTotalLimitGigawords, chillispotMaxTotalOctets;
  // Vendor walled-garden attributes (a walled subscriber, ADR 0048)
  AttrRef mikrotikAddressList, wisprRedirectionUrl;

  static core::Result<Attributes> resolve(const Dictionary& dictionary);
};

}  // namespace aaa::radius
