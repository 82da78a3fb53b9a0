#include "mgmt/partners/program_service.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "billing/commissions/commissions.h"
#include "billing/invoicing/calendar.h"
#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "core/json.h"
#include "core/pki.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/mail/outbox.h"
#include "mgmt/partners/partner_internal.h"
#include "mgmt/partners/program_store.h"
#include "mgmt/partners/tier_rules.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::partners {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Tenant;

namespace {

// The table's caller as the partners area sees it (partner_commands.cpp's rule): a non-platform
// caller without a scope is refused rather than taken for the platform.
core::Result<Who> whoIs(const core::command::Caller& c) {
  if (!c.role.empty() && c.role.rfind("platform-", 0) != 0 && c.scope.empty())
    return core::permissionDenied("a tenant or partner caller without a scope");
  return whoOf(tenancy::Caller{c.scope});
}

tenancy::Caller scopeCaller(const core::command::Caller& c) { return tenancy::Caller{c.scope}; }

// The scope a platform caller names with --tenant (a tenant's resellers) or not (the platform's
// partners); a tenant caller's own tenant.
core::Result<std::string> scopeArg(store::Transaction& tx, const CommandArgs& a, const core::command::Caller& c,
                                   const Who& who) {
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  if (who.platform && !a.has("tenant")) return std::string();
  EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, scopeCaller(c)));
  return t.id;
}

Json territoryJson(const Territory& t) {
  return Json{{"id", t.id},
              {"partner", t.partnerId},
              {"partner-name", t.partnerName},
              {"country", t.place.country},
              {"region", t.place.region},
              {"city", t.place.city},
              {"postal", t.place.postal},
              {"place", placeText(t.place)},
              {"exclusive", t.exclusive},
              {"added", ::billing::formatDay(t.createdAt / 86400)},
              {"removed", t.removedAt ? ::billing::formatDay(t.removedAt / 86400) : ""}};
}

core::Result<Place> placeArgs(const CommandArgs& a) {
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> country, a.text("country"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> region, a.text("region"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> city, a.text("city"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> postal, a.text("postal"));
  return makePlace(country.value_or(""), region.value_or(""), city.value_or(""), postal.value_or(""));
}

bool explicitPlace(const CommandArgs& a) { return a.has("country") || a.has("region") || a.has("city") || a.has("postal"); }

// Where an account is: the customer holding the username (mgmt/customers) or the place given.
core::Result<Place> accountPlace(store::Transaction& tx, const CommandArgs& a, const std::string& tenantId,
                                 const std::string& username) {
  if (explicitPlace(a)) return placeArgs(a);
  EDGE_ASSIGN_OR_RETURN(std::optional<customers::Customer> c, customers::CustomerStore(tx).findByUsername(tenantId, username));
  if (!c) return core::notFound("username: no customer holds '" + username + "'; give --country (and --region, --city, --postal)");
  if (c->country.empty())
    return core::failedPrecondition("username: the customer of '" + username +
                                    "' has no country (customer set --country DE --region ... --city ... --postal ...)");
  return makePlace(c->country, c->region, c->city, c->postalCode);
}

// "2026-03-01T12:00:00Z"
std::string stamp(int64_t t) {
  char hms[16];
  const int64_t s = ((t % 86400) + 86400) % 86400;
  std::snprintf(hms, sizeof hms, "T%02d:%02d:%02dZ", static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                static_cast<int>(s % 60));
  return ::billing::formatDay((t - s) / 86400) + hms;
}

std::string personOf(const core::command::Caller& c) {
  if (c.role.empty()) return "root";
  return c.label.empty() ? c.role : c.label;
}

bool isEmail(const std::string& e) {
  size_t at = e.find('@');
  return e.size() <= 254 && at != std::string::npos && at > 0 && e.find('@', at + 1) == std::string::npos &&
         e.find('.', at) != std::string::npos && e.back() != '.' && e.find_first_of(" \t\r\n<>,;\"") == std::string::npos;
}

bool hasControl(const std::string& s, bool newlinesOk) {
  return std::any_of(s.begin(), s.end(), [&](char ch) {
    if (newlinesOk && (ch == '\n' || ch == '\r' || ch == '\t')) return false;
    return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
  });
}

Json applicationJson(const Application& x) {
  return Json{{"id", x.id},
              {"level", x.scope.empty() ? "platform" : "tenant"},
              {"tenant", x.scope},
              {"name", x.name},
              {"company", x.company},
              {"email", x.email},
              {"type", x.type},
              {"country", x.country},
              {"message", x.message},
              {"status", x.status},
              {"reason", x.reason},
              {"partner", x.partnerId},
              {"reviewed-by", x.reviewedBy},
              {"submitted", ::billing::formatDay(x.createdAt / 86400)},
              {"reviewed", x.reviewedAt ? ::billing::formatDay(x.reviewedAt / 86400) : ""}};
}

// The partners a territory decision is over: the scope's, with their territories.
core::Result<std::vector<Territory>> scopeTerritories(ProgramStore& ps, const std::string& scope) {
  return ps.territories(scope, "", false);
}

}  // namespace

core::Status requireCurrentAgreement(store::Transaction& tx, const std::string& partnerId) {
  ProgramStore ps(tx);
  EDGE_ASSIGN_OR_RETURN(std::optional<Agreement> current, ps.currentAgreement());
  if (!current) return core::Status::ok();
  EDGE_ASSIGN_OR_RETURN(bool ok, ps.accepted(partnerId, current->version));
  if (!ok)
    return core::failedPrecondition("partner: '" + partnerId + "' has not accepted the partner agreement version " +
                                    std::to_string(current->version) + " (" + current->title +
                                    "); it is paid out once one of its people accepts it (agreement accept)");
  return core::Status::ok();
}

core::Json certificationJson(store::Transaction& tx, const std::string& partnerId, int64_t day) {
  core::Result<Certification> c = ProgramStore(tx).certification(partnerId);
  if (!c.isOk() || c->certifiedUntil == 0) return Json{{"certification", ""}, {"certified-until", ""}, {"certified", "none"}};
  return Json{{"certification", c->name},
              {"certified-until", ::billing::formatDay(c->certifiedUntil)},
              {"certified", c->certifiedUntil >= day ? "certified" : "expired"}};
}

// ---- territories ----

ControlReply ProgramService::addTerritory(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "country", "region", "city", "postal", "exclusive"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  if (!a.has("country")) return ControlReply::error(core::invalidArgument("country: give the territory's country, such as DE"));
  EDGE_ASSIGN_OR_RETURN(Place place, placeArgs(a));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> exclusive, a.boolean("exclusive"));
  Territory t;
  Json overlaps = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    ProgramStore ps(tx);
    EDGE_ASSIGN_OR_RETURN(std::vector<Territory> existing, scopeTerritories(ps, p.scope));
    t = Territory{0, p.id, p.name, place, exclusive.value_or(false), d_.clock.unixSeconds(), 0};
    for (const Territory& o : existing) {
      if (o.partnerId == p.id && placeText(o.place) == placeText(place))
        return core::alreadyExists("country: " + p.name + " has the territory " + placeText(place) + " already (#" +
                                   std::to_string(o.id) + ")");
      // Overlapping: one covers the other's area; say who would win there.
      if (o.partnerId != p.id && (covers(o.place, place) || covers(place, o.place))) {
        const Place& inner = specificity(o.place) >= specificity(place) ? o.place : place;
        TerritoryDecision d = decideTerritory(inner, {o, t});
        overlaps.push_back(Json{{"territory", territoryJson(o)}, {"at", placeText(inner)}, {"why", d.why}});
      }
    }
    EDGE_ASSIGN_OR_RETURN(t.id, ps.insertTerritory(p.scope, t));
    return core::Status::ok();
  }));
  Json j = territoryJson(t);
  j["overlaps"] = overlaps;
  return ControlReply::success("territory #" + std::to_string(t.id) + " " + placeText(place) + " (" +
                                   (t.exclusive ? "exclusive" : "shared") + ") added to " + t.partnerName +
                                   (overlaps.empty() ? "" : "; it overlaps " + std::to_string(overlaps.size()) + " other(s)"),
                               j);
}

ControlReply ProgramService::listTerritories(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "all"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> all, a.boolean("all"));
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        PartnerStore st(tx);
        ProgramStore ps(tx);
        std::vector<Territory> rows;
        if (!who.partnerId.empty() || a.has("partner")) {
          std::string id = who.partnerId;
          if (a.has("partner")) {
            EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
          }
          EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
          EDGE_ASSIGN_OR_RETURN(rows, ps.territories(p.scope, p.id, all.value_or(false)));
        } else {
          EDGE_ASSIGN_OR_RETURN(std::string scope, scopeArg(tx, a, caller, who));
          EDGE_ASSIGN_OR_RETURN(rows, ps.territories(scope, "", all.value_or(false)));
        }
        for (const Territory& t : rows) out.push_back(territoryJson(t));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " territories", Json{{"territories", out}});
}

ControlReply ProgramService::removeTerritory(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "id"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> id, a.integer("id", 1, INT64_MAX));
  if (!id) return ControlReply::error(core::invalidArgument("id: which territory (territory list shows the ids)"));
  std::string text;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    ProgramStore ps(tx);
    EDGE_ASSIGN_OR_RETURN(auto found, ps.territory(*id));
    const std::string missing = "id: no territory #" + std::to_string(*id);
    if (!found || found->second.removedAt != 0) return core::notFound(missing);
    PartnerStore st(tx);
    core::Result<Partner> p = reachablePartner(st, who, found->second.partnerId);
    if (!p.isOk()) return core::notFound(missing);
    text = placeText(found->second.place) + " of " + p->name;
    return ps.removeTerritory(*id, d_.clock.unixSeconds());
  }));
  return ControlReply::success("territory #" + std::to_string(*id) + " " + text +
                               " removed (attributions it made stay; it decides nothing from now)");
}

ControlReply ProgramService::explain(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "date", "platform", "country", "region", "city", "postal"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> platformLevel, a.boolean("platform"));
  if (platformLevel.value_or(false) && !who.platform)
    return ControlReply::error(core::notFound("platform: the platform's partners are the platform's to explain"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> username, a.text("username"));
  if (!username && !explicitPlace(a))
    return ControlReply::error(core::invalidArgument("username: whose attribution (or give --country ... for a place)"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  Json j;
  std::string text;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        // A place among the platform's partners needs no tenant (the console's "who wins here").
        Tenant t;
        if (username || a.has("tenant") || !platformLevel.value_or(false)) {
          EDGE_ASSIGN_OR_RETURN(t, tenancy::tenantFromArgs(tx, a, scopeCaller(caller)));
        }
        EDGE_ASSIGN_OR_RETURN(Place place, accountPlace(tx, a, t.id, username.value_or("")));
        ProgramStore ps(tx);
        const std::string scope = platformLevel.value_or(false) ? std::string() : t.id;
        EDGE_ASSIGN_OR_RETURN(std::vector<Territory> ts, scopeTerritories(ps, scope));
        TerritoryDecision d = decideTerritory(place, ts);
        j = Json{{"place", placeText(place)}, {"level", scope.empty() ? "platform" : "tenant"}, {"why", d.why}};
        j["territory-winner"] = d.winner ? territoryJson(*d.winner) : Json();
        j["covering"] = Json::array();
        for (const Territory& x : d.covering) j["covering"].push_back(territoryJson(x));
        text = d.why;
        if (username) {
          PartnerStore st(tx);
          EDGE_ASSIGN_OR_RETURN(std::optional<Attribution> at, st.attributionAt(t.id, *username, day));
          if (at && !at->partnerId.empty()) {
            j["attribution"] = Json{{"partner", at->partnerId}, {"source", at->source},
                                    {"from", ::billing::formatDay(at->fromDay)}, {"note", at->note}};
            const std::string by = at->source == "hand" ? "by hand" : at->source == "referral" ? "by referral code" : "by territory";
            text = "'" + *username + "' is " + at->partnerId + "'s " + by + " since " + ::billing::formatDay(at->fromDay) +
                   (at->source == "territory" ? "" : " (an attribution by hand or referral beats territory)") +
                   ". Territory: " + d.why;
          } else {
            j["attribution"] = Json();
            text = "'" + *username + "' belongs to no partner on " + ::billing::formatDay(day) + ". Territory: " + d.why;
          }
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(text, j);
}

ControlReply ProgramService::attributeByTerritory(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "username", "date", "platform", "country", "region", "city", "postal"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> platformLevel, a.boolean("platform"));
  if (platformLevel.value_or(false) && !who.platform)
    return ControlReply::error(core::notFound("platform: the platform's partners are the platform's to give"));
  EDGE_ASSIGN_OR_RETURN(std::string username, a.required("username"));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  std::string text;
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, scopeCaller(caller)));
    EDGE_ASSIGN_OR_RETURN(Place place, accountPlace(tx, a, t.id, username));
    ProgramStore ps(tx);
    PartnerStore st(tx);
    const std::string scope = platformLevel.value_or(false) ? std::string() : t.id;
    EDGE_ASSIGN_OR_RETURN(std::vector<Territory> ts, scopeTerritories(ps, scope));
    TerritoryDecision d = decideTerritory(place, ts);
    if (!d.winner) return core::notFound("username: " + d.why);
    EDGE_ASSIGN_OR_RETURN(std::optional<Attribution> now, st.attributionAt(t.id, username, day));
    if (now && !now->partnerId.empty() && now->source != "territory")
      return core::failedPrecondition("username: '" + username + "' is " + now->partnerId + "'s " +
                                      (now->source == "hand" ? "by hand" : "by referral code") + " since " +
                                      ::billing::formatDay(now->fromDay) +
                                      "; an attribution by hand or referral is not replaced by territory (detach it first)");
    EDGE_ASSIGN_OR_RETURN(std::optional<Partner> p, st.partner(d.winner->partnerId));
    if (!p || p->status != "active") return core::failedPrecondition("partner: '" + d.winner->partnerId + "' is suspended");
    j = Json{{"partner", p->id}, {"place", placeText(place)}, {"why", d.why}, {"from", ::billing::formatDay(day)}};
    if (now && now->partnerId == p->id) {
      text = "'" + username + "' is " + p->id + "'s by territory already: " + d.why;
      return core::Status::ok();
    }
    std::string note = d.why.size() > 1000 ? d.why.substr(0, 1000) : d.why;
    EDGE_RETURN_IF_ERROR(st.attribute(Attribution{t.id, username, p->id, "territory", note, day, d_.clock.unixSeconds()}));
    text = "'" + username + "' is " + p->id + "'s from " + ::billing::formatDay(day) + " (territory): " + d.why;
    return core::Status::ok();
  }));
  return ControlReply::success(text, j);
}

// ---- agreements and certification ----

ControlReply ProgramService::publishAgreement(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"title", "body"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  if (!who.platform) return ControlReply::error(core::permissionDenied("the partner agreement is the platform's to publish"));
  EDGE_ASSIGN_OR_RETURN(std::string title, a.required("title"));
  EDGE_ASSIGN_OR_RETURN(std::string body, a.required("body"));
  if (title.empty() || title.size() > 200 || hasControl(title, false))
    return ControlReply::error(core::invalidArgument("title: 1..200 characters, no control characters"));
  if (body.empty() || body.size() > 65536 || hasControl(body, true))
    return ControlReply::error(core::invalidArgument("body: 1..65536 characters of text"));
  int64_t version = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(version, ProgramStore(tx).insertAgreement(title, body, d_.clock.unixSeconds()));
    return core::Status::ok();
  }));
  return ControlReply::success("partner agreement version " + std::to_string(version) +
                                   " published: partners are paid out once they accept it",
                               Json{{"version", version}, {"title", title}});
}

ControlReply ProgramService::showAgreement(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "version", "partner"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> version, a.integer("version", 1, INT64_MAX));
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        ProgramStore ps(tx);
        std::optional<Agreement> ag;
        if (version) {
          EDGE_ASSIGN_OR_RETURN(ag, ps.agreement(*version));
        } else {
          EDGE_ASSIGN_OR_RETURN(ag, ps.currentAgreement());
        }
        if (!ag) return core::notFound(version ? "version: no agreement version " + std::to_string(*version)
                                               : std::string("version: no partner agreement is published"));
        j = Json{{"version", ag->version}, {"title", ag->title}, {"body", ag->body},
                 {"published", ::billing::formatDay(ag->createdAt / 86400)}};
        std::string id = who.partnerId;
        if (a.has("partner")) {
          EDGE_ASSIGN_OR_RETURN(id, a.required("partner"));
        }
        if (!id.empty()) {
          PartnerStore st(tx);
          EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
          EDGE_ASSIGN_OR_RETURN(std::vector<Acceptance> acc, ps.acceptances(p.id));
          EDGE_ASSIGN_OR_RETURN(std::optional<Agreement> current, ps.currentAgreement());
          j["partner"] = p.id;
          j["acceptances"] = Json::array();
          bool currentAccepted = false;
          for (const Acceptance& x : acc) {
            j["acceptances"].push_back(Json{{"version", x.version}, {"person", x.person},
                                            {"accepted-at", stamp(x.acceptedAt)}});
            if (current && x.version == current->version) currentAccepted = true;
          }
          j["current-accepted"] = currentAccepted;
        }
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success("partner agreement version " + std::to_string(j["version"].get<int64_t>()) + ": " +
                                   j["title"].get<std::string>(),
                               j);
}

ControlReply ProgramService::acceptAgreement(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"version"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  if (who.partnerId.empty())
    return ControlReply::error(core::permissionDenied("a partner's own people accept its agreement (signed in as the partner)"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> version, a.integer("version", 1, INT64_MAX));
  Acceptance acc{who.partnerId, 0, personOf(caller), d_.clock.unixSeconds()};
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, who.partnerId));
    ProgramStore ps(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Agreement> current, ps.currentAgreement());
    if (!current) return core::notFound("version: no partner agreement is published");
    // Only the current text can be accepted: accepting an old one would accept words no longer offered.
    if (version && *version != current->version)
      return core::failedPrecondition("version: the current agreement is version " + std::to_string(current->version) +
                                      ", not " + std::to_string(*version) + "; read it (agreement show) and accept that");
    acc.version = current->version;
    return ps.accept(acc);
  }));
  return ControlReply::success("agreement version " + std::to_string(acc.version) + " accepted for " + who.partnerId +
                                   " by " + acc.person + " at " + stamp(acc.acceptedAt),
                               Json{{"partner", acc.partnerId}, {"version", acc.version}, {"person", acc.person},
                                    {"accepted-at", stamp(acc.acceptedAt)}});
}

ControlReply ProgramService::certify(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "partner", "until", "name"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("partner"));
  EDGE_ASSIGN_OR_RETURN(std::string untilText, a.required("until"));
  Certification c;
  if (untilText != "none") {
    EDGE_ASSIGN_OR_RETURN(c.certifiedUntil, ::billing::parseDay(untilText, "until"));
    EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
    c.name = name.value_or("certified");
    if (c.name.empty() || c.name.size() > 64 || hasControl(c.name, false))
      return ControlReply::error(core::invalidArgument("name: 1..64 characters"));
  }
  Json j;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(Partner p, reachablePartner(st, who, id));
    EDGE_RETURN_IF_ERROR(ProgramStore(tx).setCertification(p.id, c));
    j = certificationJson(tx, p.id, today());
    j["partner"] = p.id;
    return core::Status::ok();
  }));
  return ControlReply::success(c.certifiedUntil ? "partner " + id + " is certified (" + c.name + ") until " + untilText
                                                : "partner " + id + " is no longer certified",
                               j);
}

// ---- tiers ----

ControlReply ProgramService::setTierRules(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "rules"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_ASSIGN_OR_RETURN(std::string text, a.required("rules"));
  core::Result<Json> spec = core::parseJsonWithComments(text, "rules", core::JsonLimits{8192, 3});
  if (!spec.isOk()) return ControlReply::error(spec.status());
  EDGE_ASSIGN_OR_RETURN(TierRules rules, parseTierRules(*spec));
  const Json stored = tierRulesJson(rules);
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(std::string scope, scopeArg(tx, a, caller, who));
    return ProgramStore(tx).setTierRules(scope, stored.dump(), d_.clock.unixSeconds());
  }));
  return ControlReply::success("tier rules saved: partner tiers-review proposes changes by them", stored);
}

ControlReply ProgramService::tiersReview(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "date", "apply"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_ASSIGN_OR_RETURN(int64_t day, dayArg(a, "date", today()));
  EDGE_ASSIGN_OR_RETURN(std::optional<bool> apply, a.boolean("apply"));
  Json out = Json::array();
  Json lastRun;  // the scheduled review's last run of this scope (null: never)
  int64_t changes = 0;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::string scope, scopeArg(tx, a, caller, who));
        ProgramStore ps(tx);
        PartnerStore st(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<ProgramStore::ReviewRun> runs, ps.reviewRuns());
        for (const ProgramStore::ReviewRun& run : runs)
          if (run.scope == scope && run.reviewedAt > 0) lastRun = Json{{"at", stamp(run.reviewedAt)}, {"note", run.note}};
        EDGE_ASSIGN_OR_RETURN(std::optional<std::string> stored, ps.tierRules(scope));
        if (!stored) return core::failedPrecondition("rules: no tier rules for this level yet (partner tier-rules --rules ...)");
        core::Result<Json> spec = core::parseJsonWithComments(*stored, "rules");
        if (!spec.isOk()) return spec.status();
        EDGE_ASSIGN_OR_RETURN(TierRules rules, parseTierRules(*spec));
        EDGE_ASSIGN_OR_RETURN(std::vector<Partner> ps2, st.partners(scope));
        const int64_t month = ::billing::commissions::monthOf(day);
        for (Partner& p : ps2) {
          if (p.currency != rules.currency) {
            out.push_back(Json{{"partner", p.id}, {"name", p.name}, {"tier", p.tier}, {"proposed", p.tier},
                               {"why", "paid in " + p.currency + ", the rules are in " + rules.currency + ": not reviewed"}});
            continue;
          }
          // The window: the whole months before the review day's month.
          int64_t revenue = 0;
          int64_t m = month;
          for (int64_t i = 0; i < rules.windowMonths; ++i) {
            m = m % 100 == 1 ? (m / 100 - 1) * 100 + 12 : m - 1;
            EDGE_ASSIGN_OR_RETURN(int64_t v, st.volume(p.id, m));
            revenue += v;
          }
          EDGE_ASSIGN_OR_RETURN(auto tiers, st.tiers(p.id));
          std::string current = p.tier;
          auto it = tiers.upper_bound(day);
          if (it != tiers.begin()) current = std::prev(it)->second;
          TierProposal prop = proposeTier(rules, current, revenue);
          out.push_back(Json{{"partner", p.id},
                             {"name", p.name},
                             {"tier", prop.current},
                             {"proposed", prop.proposed},
                             {"revenue", ::billing::formatMoney(revenue, rules.currency)},
                             {"revenue-minor", revenue},
                             {"why", prop.why}});
          if (!prop.changes()) continue;
          ++changes;
          if (apply.value_or(false)) {
            // Into the tier history from the review day: the engine's tier-at-day follows it.
            EDGE_RETURN_IF_ERROR(st.setTier(p.id, day, prop.proposed, ("tiers-review: " + prop.why).substr(0, 500)));
            if (day <= today()) {
              p.tier = prop.proposed;
              EDGE_RETURN_IF_ERROR(st.updatePartner(p));
            }
          }
        }
        return core::Status::ok();
      },
      apply.value_or(false) ? store::Storage::Mode::kReadWrite : store::Storage::Mode::kReadOnly));
  const bool applied = apply.value_or(false);
  return ControlReply::success(std::to_string(changes) + " tier change(s) " + (applied ? "applied from " : "proposed for ") +
                                   ::billing::formatDay(day) + (applied || changes == 0 ? "" : " (--apply true to apply them)"),
                               Json{{"date", ::billing::formatDay(day)},
                                    {"applied", applied},
                                    {"partners", out},
                                    {"changes", changes},
                                    {"last-run", lastRun}});
}

core::Result<int64_t> ProgramService::scheduledTiersReview() {
  std::vector<ProgramStore::ReviewRun> runs;
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(runs, ProgramStore(tx).reviewRuns());
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  int64_t reviewed = 0;
  const int64_t day = today();
  for (const ProgramStore::ReviewRun& run : runs) {
    if (run.reviewedAt > 0 && run.reviewedAt / 86400 >= day) continue;  // once a day per scope
    Json args{{"apply", true}};
    if (!run.scope.empty()) args["tenant"] = run.scope;
    // As the local operator (the platform's reach): the scope is named, the rules are the scope's own.
    ControlReply r = tiersReview(args, Caller{"", "", "tiers-review job", ""});
    const std::string note = (r.ok() ? r.text : "failed: " + r.text).substr(0, 500);
    EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
      return ProgramStore(tx).setReviewed(run.scope, d_.clock.unixSeconds(), note);
    }));
    ++reviewed;
  }
  return reviewed;
}

core::Result<Json> ProgramService::visit(const std::string& code, const std::string& visitor) {
  if (code.empty() || code.size() > 32 || visitor.empty())
    return core::notFound("code: no partner has this referral code");
  Json out;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    PartnerStore st(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Partner> p, st.partnerByCode(code));
    if (!p || p->status != "active") return core::notFound("code: no partner has this referral code");
    const int64_t now = d_.clock.unixSeconds();
    EDGE_ASSIGN_OR_RETURN(bool counted,
                          ProgramStore(tx).recordVisit(p->id, now / 86400, visitor, now, d_.visitorsPerPartnerDay));
    out = Json{{"name", p->name},
               {"code", p->referralCode},
               {"level", p->scope.empty() ? "platform" : "tenant"},
               {"tenant", ""},
               {"window-days", p->referralWindowDays},
               {"counted", counted}};
    if (!p->scope.empty()) {
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::loadTenant(tx, p->scope));
      out["tenant"] = t.name;
    }
    return core::Status::ok();
  }));
  return out;
}

// ---- applications ----

core::Result<Application> applicationFromArgs(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "name", "company", "email", "type", "country", "message"}));
  Application x;
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> name, a.text("name"));
  x.name = name.value_or("");
  if (x.name.empty() || x.name.size() > 128 || hasControl(x.name, false))
    return core::invalidArgument("name: your name, 1..128 characters");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> company, a.text("company"));
  x.company = company.value_or("");
  if (x.company.empty() || x.company.size() > 128 || hasControl(x.company, false))
    return core::invalidArgument("company: your company's name, 1..128 characters");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> email, a.text("email"));
  x.email = email.value_or("");
  // The decision is mailed here: an address the outbox would refuse is refused now.
  if (!isEmail(x.email) || hasControl(x.email, false) || !mail::validAddress(x.email))
    return core::invalidArgument("email: not an email address (like name@example.com)");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> type, a.text("type"));
  x.type = type.value_or("");
  if (!::billing::commissions::isPartnerType(x.type))
    return core::invalidArgument(
        "type: one of authorized-dealer, value-added-reseller, system-integrator, distributor, technology-partner, "
        "referral-partner, white-label, franchise");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> country, a.text("country"));
  core::Result<Place> place = makePlace(country.value_or(""), "", "", "");
  if (!place.isOk() || place->country.empty()) return core::invalidArgument("country: a two-letter ISO 3166 code such as DE");
  x.country = place->country;
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> message, a.text("message"));
  x.message = message.value_or("");
  if (x.message.size() > 4000 || hasControl(x.message, true))
    return core::invalidArgument("message: at most 4000 characters of text");
  return x;
}

ControlReply ProgramService::apply(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(Application x, applicationFromArgs(args));
  x.origin = caller.origin;
  x.id = "pp-" + core::pki::randomHex(6);
  x.createdAt = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    if (a.has("tenant")) {
      // A tenant's reseller programme: by the tenant's name (the public form names it).
      EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::resolveTenant(tx, a.required("tenant").valueOr(""), tenancy::Caller{}));
      x.scope = t.id;
    }
    ProgramStore ps(tx);
    const int64_t hourAgo = x.createdAt - 3600;
    if (!x.origin.empty()) {
      EDGE_ASSIGN_OR_RETURN(int64_t fromOrigin, ps.applicationsFrom(x.origin, hourAgo));
      if (fromOrigin >= d_.perOriginPerHour)
        return core::resourceExhausted("too many applications from your address in the last hour; try again later");
    }
    EDGE_ASSIGN_OR_RETURN(int64_t byEmail, ps.applicationsBy(x.email, hourAgo));
    if (byEmail >= d_.perEmailPerHour)
      return core::resourceExhausted("email: too many applications with this address in the last hour; try again later");
    EDGE_ASSIGN_OR_RETURN(int64_t pending, ps.pendingApplications());
    if (pending >= d_.pendingMax)
      return core::resourceExhausted("we have too many applications waiting for review; try again tomorrow");
    return ps.insertApplication(x);
  }));
  return ControlReply::success("application " + x.id + " received: we review it and answer by mail to " + x.email,
                               Json{{"id", x.id}, {"status", x.status}});
}

ControlReply ProgramService::applications(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "status", "limit"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> status, a.text("status"));
  if (status && *status != "pending" && *status != "approved" && *status != "rejected")
    return ControlReply::error(core::invalidArgument("status: pending, approved or rejected"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit", 1, 1000));
  Json out = Json::array();
  EDGE_RETURN_IF_ERROR(d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(std::string scope, scopeArg(tx, a, caller, who));
        EDGE_ASSIGN_OR_RETURN(std::vector<Application> rows,
                              ProgramStore(tx).applications(scope, status.value_or(""), limit.value_or(200)));
        for (const Application& x : rows) out.push_back(applicationJson(x));
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly));
  return ControlReply::success(std::to_string(out.size()) + " applications", Json{{"applications", out}});
}

ControlReply ProgramService::decide(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"tenant", "id", "decision", "reason", "currency", "tier"}));
  EDGE_ASSIGN_OR_RETURN(Who who, whoIs(caller));
  EDGE_RETURN_IF_ERROR(refusePartnerCaller(who));
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
  EDGE_ASSIGN_OR_RETURN(std::string decision, a.required("decision"));
  if (decision != "approve" && decision != "reject")
    return ControlReply::error(core::invalidArgument("decision: approve or reject"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> reason, a.text("reason"));
  if (decision == "reject" && (!reason || reason->empty()))
    return ControlReply::error(core::invalidArgument("reason: say why the application is rejected (the applicant reads it)"));
  if (reason && (reason->size() > 1000 || hasControl(*reason, true)))
    return ControlReply::error(core::invalidArgument("reason: at most 1000 characters of text"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> currency, a.text("currency"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> tier, a.text("tier"));
  if (decision == "approve" && !currency)
    return ControlReply::error(core::invalidArgument("currency: the currency the new partner is paid in, such as EUR"));
  if (currency && (currency->size() != 3 ||
                   !std::all_of(currency->begin(), currency->end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })))
    return ControlReply::error(core::invalidArgument("currency: an ISO 4217 code such as EUR"));
  if (tier && !::billing::commissions::isTier(*tier))
    return ControlReply::error(core::invalidArgument("tier: one of bronze, silver, gold, platinum"));
  Application x;
  Partner made;
  EDGE_RETURN_IF_ERROR(d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    ProgramStore ps(tx);
    EDGE_ASSIGN_OR_RETURN(std::optional<Application> found, ps.application(id));
    // Another tenant's application is not-found, the same words as a missing one.
    const bool reach = found && (who.platform || (!who.tenantId.empty() && found->scope == who.tenantId));
    if (!reach) return core::notFound("id: no application '" + id + "'");
    x = *found;
    if (x.status != "pending") return core::failedPrecondition("id: '" + id + "' was " + x.status + " already");
    x.status = decision == "approve" ? "approved" : "rejected";
    x.reason = reason.value_or("");
    x.reviewedBy = personOf(caller);
    x.reviewedAt = d_.clock.unixSeconds();
    Json vars{{"name", x.name}, {"company", x.company}, {"reason", x.reason}};
    if (x.status == "approved") {
      PartnerStore st(tx);
      EDGE_ASSIGN_OR_RETURN(std::vector<Partner> same, st.partners(x.scope));
      for (const Partner& o : same)
        if (o.name == x.company) return core::alreadyExists("id: a partner named '" + x.company + "' exists already");
      made.id = "pa-" + core::pki::randomHex(6);
      made.scope = x.scope;
      made.name = x.company;
      made.type = x.type;
      made.tier = tier.value_or("bronze");
      made.currency = *currency;
      made.email = x.email;
      std::string code = core::pki::randomHex(5);
      for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      made.referralCode = "R" + code;
      made.createdAt = x.reviewedAt;
      EDGE_RETURN_IF_ERROR(st.insertPartner(made));
      EDGE_RETURN_IF_ERROR(st.setTier(made.id, made.createdAt / 86400, made.tier, "application " + x.id));
      x.partnerId = made.id;
      vars["partner"] = made.id;
    }
    EDGE_ASSIGN_OR_RETURN(bool decided, ps.decideApplication(x));
    if (!decided) return core::failedPrecondition("id: '" + id + "' was decided meanwhile; look again");
    if (d_.mail)
      EDGE_RETURN_IF_ERROR(d_.mail(tx, x.email, "partner-application-" + x.status, vars, x.reviewedAt));
    return core::Status::ok();
  }));
  Json j = applicationJson(x);
  if (x.status == "rejected")
    return ControlReply::success("application " + id + " rejected; " + x.email + " is told why", j);
  // The partner's person is invited with the partner role (its own unit of work: the people's).
  std::string invited = "invite its person by hand: person add --role partner --partner " + made.id + " --email " + x.email;
  if (d_.invitePartner) {
    core::Status s = d_.invitePartner(x.email, x.name, made.id, caller);
    invited = s.isOk() ? x.email + " is invited to sign in as the partner" : "the invitation failed (" + s.message() + "); " + invited;
  }
  j["invitation"] = invited;
  return ControlReply::success("application " + id + " approved: partner " + made.id + " '" + made.name + "' (referral code " +
                                   made.referralCode + "); " + invited,
                               j);
}

// ---- commands ----

void bindProgramCommands(core::command::Table& table, ProgramService& s) {
  using Serve = ControlReply (ProgramService::*)(const Json&, const core::command::Caller&);
  auto bind = [&](const char* name, Serve serve) {
    table.bind(name, [&s, serve](const Json& args, const core::command::Caller& c) { return (s.*serve)(args, c); });
  };
  bind("partner-territory-add", &ProgramService::addTerritory);
  bind("partner-territory-list", &ProgramService::listTerritories);
  bind("partner-territory-remove", &ProgramService::removeTerritory);
  bind("attribution-explain", &ProgramService::explain);
  bind("attribution-territory", &ProgramService::attributeByTerritory);
  bind("agreement-publish", &ProgramService::publishAgreement);
  bind("agreement-show", &ProgramService::showAgreement);
  bind("agreement-accept", &ProgramService::acceptAgreement);
  bind("partner-certify", &ProgramService::certify);
  bind("partner-tier-rules", &ProgramService::setTierRules);
  bind("partner-tiers-review", &ProgramService::tiersReview);
  bind("partner-apply", &ProgramService::apply);
  bind("partner-application-list", &ProgramService::applications);
  bind("partner-application-decide", &ProgramService::decide);
}

}  // namespace mgmt::partners
