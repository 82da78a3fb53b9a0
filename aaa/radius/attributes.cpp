#include "aaa/radius/attributes.h"

namespace aaa::radius {

core::Result<Attributes> Attributes::resolve(const Dictionary& d) {
  Attributes a;
  struct Entry {
    AttrRef* ref;
    const char* name;
  };
  const Entry entries[] = {
      {&a.userName, "User-Name"},
      {&a.userPassword, "User-Password"},
      {&a.chapPassword, "CHAP-Password"},
      {&a.chapChallenge, "CHAP-Challenge"},
      {&a.nasIpAddress, "NAS-IP-Address"},
      {&a.nasIpv6Address, "NAS-IPv6-Address"},
      {&a.nasIdentifier, "NAS-Identifier"},
      {&a.nasPort, "NAS-Port"},
      {&a.nasPortType, "NAS-Port-Type"},
      {&a.nasPortId, "NAS-Port-Id"},
      {&a.serviceType, "Service-Type"},
      {&a.framedProtocol, "Framed-Protocol"},
      {&a.framedIpAddress, "Framed-IP-Address"},
      {&a.framedPool, "Framed-Pool"},
      {&a.callingStationId, "Calling-Station-Id"},
      {&a.calledStationId, "Called-Station-Id"},
      {&a.replyMessage, "Reply-Message"},
      {&a.sessionTimeout, "Session-Timeout"},
      {&a.idleTimeout, "Idle-Timeout"},
      {&a.acctInterimInterval, "Acct-Interim-Interval"},
      {&a.filterId, "Filter-Id"},
      {&a.proxyState, "Proxy-State"},
      {&a.state, "State"},
      {&a.messageAuthenticator, "Message-Authenticator"},
      {&a.eapMessage, "EAP-Message"},
      {&a.eventTimestamp, "Event-Timestamp"},
      {&a.errorCause, "Error-Cause"},
      {&a.acctStatusType, "Acct-Status-Type"},
      {&a.acctDelayTime, "Acct-Delay-Time"},
      {&a.acctInputOctets, "Acct-Input-Octets"},
      {&a.acctOutputOctets, "Acct-Output-Octets"},
      {&a.acctSessionId, "Acct-Session-Id"},
      {&a.acctSessionTime, "Acct-Session-Time"},
      {&a.acctInputPackets, "Acct-Input-Packets"},
      {&a.acctOutputPackets, "Acct-Output-Packets"},
      {&a.acctTerminateCause, "Acct-Terminate-Cause"},
      {&a.acctInputGigawords, "Acct-Input-Gigawords"},
      {&a.acctOutputGigawords, "Acct-Output-Gigawords"},
      {&a.msChapChallenge, "MS-CHAP-Challenge"},
      {&a.msChap2Response, "MS-CHAP2-Response"},
      {&a.msChap2Success, "MS-CHAP2-Success"},
      {&a.msChapError, "MS-CHAP-Error"},
      {&a.msMppeSendKey, "MS-MPPE-Send-Key"},
      {&a.msMppeRecvKey, "MS-MPPE-Recv-Key"},
      {&a.msMppeEncryptionPolicy, "MS-MPPE-Encryption-Policy"},
      {&a.msMppeEncryptionTypes, "MS-MPPE-Encryption-Types"},
      {&a.mikrotikRateLimit, "Mikrotik-Rate-Limit"},
      {&a.wisprBandwidthMaxUp, "WISPr-Bandwidth-Max-Up"},
      {&a.wisprBandwidthMaxDown, "WISPr-Bandwidth-Max-Down"},
      {&a.chillispotBandwidthMaxUp, "ChilliSpot-Bandwidth-Max-Up"},
      {&a.chillispotBandwidthMaxDown, "ChilliSpot-Bandwidth-Max-Down"},
      {&a.ciscoAvPair, "Cisco-AVPair"},
      {&a.mikrotikTotalLimit, "Mikrotik-Total-Limit"},
      {&a.mikrotikTotalLimitGigawords, "Mikrotik-Total-Limit-Gigawords"},
      {&a.chillispotMaxTotalOctets, "ChilliSpot-Max-Total-Octets"},
      {&a.mikrotikAddressList, "Mikrotik-Address-List"},
      {&a.wisprRedirectionUrl, "WISPr-Redirection-URL"},
  };
  for (const Entry& e : entries) {
    core::Result<AttrRef> ref = d.find(e.name);
    if (!ref.isOk()) return ref.status();  // names the attribute and the folder
    *e.ref = *ref;
  }
  return a;
}

}  // namespace aaa::radius
