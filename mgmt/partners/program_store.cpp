#include "mgmt/partners/program_store.h"

#include <cctype>

namespace mgmt::partners {

using store::Row;

namespace {

constexpr const char* kTerritoryColumns =
    "t.id, t.partner_id, p.name, t.country, t.region, t.city, t.postal_code, t.exclusive, t.created_at, t.removed_at, "
    "t.scope";

Territory territoryFrom(const Row& r) {
  Territory t;
  t.id = r.int64(0);
  t.partnerId = r.text(1);
  t.partnerName = r.text(2);
  t.place = Place{r.text(3), r.text(4), r.text(5), r.text(6)};
  t.exclusive = r.int64(7) != 0;
  t.createdAt = r.int64(8);
  t.removedAt = r.int64(9);
  return t;
}

constexpr const char* kApplicationColumns =
    "id, scope, name, company, email, type, country, message, origin, status, reason, partner_id, reviewed_by, "
    "created_at, reviewed_at";

Application applicationFrom(const Row& r) {
  Application a;
  a.id = r.text(0);
  a.scope = r.text(1);
  a.name = r.text(2);
  a.company = r.text(3);
  a.email = r.text(4);
  a.type = r.text(5);
  a.country = r.text(6);
  a.message = r.text(7);
  a.origin = r.text(8);
  a.status = r.text(9);
  a.reason = r.text(10);
  a.partnerId = r.text(11);
  a.reviewedBy = r.text(12);
  a.createdAt = r.int64(13);
  a.reviewedAt = r.int64(14);
  return a;
}

}  // namespace

core::Result<int64_t> ProgramStore::insertTerritory(const std::string& scope, const Territory& t) {
  return tx_.queryInt64(
      "INSERT INTO partner_territories (partner_id, scope, country, region, city, postal_code, exclusive, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      {t.partnerId, scope, t.place.country, t.place.region, t.place.city, t.place.postal, t.exclusive, t.createdAt});
}

core::Result<std::vector<Territory>> ProgramStore::territories(const std::string& scope, const std::string& partnerId,
                                                               bool withRemoved) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kTerritoryColumns +
                                      " FROM partner_territories t JOIN partners p ON p.id = t.partner_id "
                                      "WHERE t.scope = $1 AND ($2 = '' OR t.partner_id = $2) AND ($3 = 1 OR t.removed_at = 0) "
                                      "ORDER BY t.country, t.region, t.city, t.postal_code, t.id",
                                  {scope, partnerId, withRemoved}));
  std::vector<Territory> out;
  for (const Row& r : rows) out.push_back(territoryFrom(r));
  return out;
}

core::Result<std::optional<std::pair<std::string, Territory>>> ProgramStore::territory(int64_t id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne(std::string("SELECT ") + kTerritoryColumns +
                                         " FROM partner_territories t JOIN partners p ON p.id = t.partner_id WHERE t.id = $1",
                                     {id}));
  if (!r) return std::optional<std::pair<std::string, Territory>>();
  return std::optional<std::pair<std::string, Territory>>(std::make_pair(r->text(10), territoryFrom(*r)));
}

core::Status ProgramStore::removeTerritory(int64_t id, int64_t at) {
  return tx_.exec("UPDATE partner_territories SET removed_at = $2 WHERE id = $1 AND removed_at = 0", {id, at}).status();
}

core::Status ProgramStore::insertApplication(const Application& a) {
  return tx_
      .exec(std::string("INSERT INTO partner_applications (") + kApplicationColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            {a.id, a.scope, a.name, a.company, a.email, a.type, a.country, a.message, a.origin, a.status, a.reason,
             a.partnerId, a.reviewedBy, a.createdAt, a.reviewedAt})
      .status();
}

core::Result<std::optional<Application>> ProgramStore::application(const std::string& id) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne(std::string("SELECT ") + kApplicationColumns +
                                                                 " FROM partner_applications WHERE id = $1",
                                                             {id}));
  if (!r) return std::optional<Application>();
  return std::optional<Application>(applicationFrom(*r));
}

core::Result<std::vector<Application>> ProgramStore::applications(const std::optional<std::string>& scope,
                                                                  const std::string& status, int64_t limit) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query(std::string("SELECT ") + kApplicationColumns +
                                      " FROM partner_applications WHERE ($1 = 1 OR scope = $2) AND ($3 = '' OR status = $3) "
                                      "ORDER BY created_at DESC, id LIMIT $4",
                                  {!scope.has_value(), scope.value_or(""), status, limit}));
  std::vector<Application> out;
  for (const Row& r : rows) out.push_back(applicationFrom(r));
  return out;
}

core::Result<bool> ProgramStore::decideApplication(const Application& a) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.exec("UPDATE partner_applications SET status = $2, reason = $3, partner_id = $4, "
                                            "reviewed_by = $5, reviewed_at = $6 WHERE id = $1 AND status = 'pending'",
                                            {a.id, a.status, a.reason, a.partnerId, a.reviewedBy, a.reviewedAt}));
  return n == 1;
}

core::Result<int64_t> ProgramStore::applicationsFrom(const std::string& origin, int64_t since) {
  return tx_.queryInt64("SELECT count(*) FROM partner_applications WHERE origin = $1 AND created_at >= $2", {origin, since});
}

core::Result<int64_t> ProgramStore::applicationsBy(const std::string& email, int64_t since) {
  std::string lowered = email;
  for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return tx_.queryInt64("SELECT count(*) FROM partner_applications WHERE lower(email) = $1 AND created_at >= $2",
                        {lowered, since});
}

core::Result<int64_t> ProgramStore::pendingApplications() {
  return tx_.queryInt64("SELECT count(*) FROM partner_applications WHERE status = 'pending'");
}

core::Result<int64_t> ProgramStore::insertAgreement(const std::string& title, const std::string& body, int64_t at) {
  EDGE_ASSIGN_OR_RETURN(int64_t newest, tx_.queryInt64("SELECT coalesce(max(version), 0) FROM partner_agreements"));
  EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO partner_agreements (version, title, body, created_at) VALUES ($1, $2, $3, $4)",
                                {newest + 1, title, body, at})
                           .status());
  return newest + 1;
}

core::Result<std::optional<Agreement>> ProgramStore::agreement(int64_t version) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r,
                        tx_.queryOne("SELECT version, title, body, created_at FROM partner_agreements WHERE version = $1",
                                     {version}));
  if (!r) return std::optional<Agreement>();
  return std::optional<Agreement>(Agreement{r->int64(0), r->text(1), r->text(2), r->int64(3)});
}

core::Result<std::optional<Agreement>> ProgramStore::currentAgreement() {
  EDGE_ASSIGN_OR_RETURN(int64_t newest, tx_.queryInt64("SELECT coalesce(max(version), 0) FROM partner_agreements"));
  if (newest == 0) return std::optional<Agreement>();
  return agreement(newest);
}

core::Status ProgramStore::accept(const Acceptance& a) {
  return tx_
      .exec("INSERT INTO partner_acceptances (partner_id, version, person, accepted_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (partner_id, version, person) DO NOTHING",
            {a.partnerId, a.version, a.person, a.acceptedAt})
      .status();
}

core::Result<std::vector<Acceptance>> ProgramStore::acceptances(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT partner_id, version, person, accepted_at FROM partner_acceptances "
                                  "WHERE partner_id = $1 ORDER BY version, accepted_at, person",
                                  {partnerId}));
  std::vector<Acceptance> out;
  for (const Row& r : rows) out.push_back(Acceptance{r.text(0), r.int64(1), r.text(2), r.int64(3)});
  return out;
}

core::Result<bool> ProgramStore::accepted(const std::string& partnerId, int64_t version) {
  EDGE_ASSIGN_OR_RETURN(int64_t n, tx_.queryInt64("SELECT count(*) FROM partner_acceptances WHERE partner_id = $1 AND version = $2",
                                                  {partnerId, version}));
  return n > 0;
}

core::Result<Certification> ProgramStore::certification(const std::string& partnerId) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne("SELECT certification, certified_until FROM partners WHERE id = $1",
                                                           {partnerId}));
  if (!r) return Certification{};
  return Certification{r->text(0), r->int64(1)};
}

core::Status ProgramStore::setCertification(const std::string& partnerId, const Certification& c) {
  return tx_.exec("UPDATE partners SET certification = $2, certified_until = $3 WHERE id = $1",
                  {partnerId, c.name, c.certifiedUntil})
      .status();
}

core::Result<std::optional<std::string>> ProgramStore::tierRules(const std::string& scope) {
  EDGE_ASSIGN_OR_RETURN(std::optional<Row> r, tx_.queryOne("SELECT rules FROM partner_tier_rules WHERE scope = $1", {scope}));
  if (!r) return std::optional<std::string>();
  return std::optional<std::string>(r->text(0));
}

core::Status ProgramStore::setTierRules(const std::string& scope, const std::string& rules, int64_t at) {
  return tx_
      .exec("INSERT INTO partner_tier_rules (scope, rules, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (scope) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
            {scope, rules, at})
      .status();
}

core::Result<std::vector<ProgramStore::ReviewRun>> ProgramStore::reviewRuns() {
  EDGE_ASSIGN_OR_RETURN(std::vector<Row> rows,
                        tx_.query("SELECT scope, reviewed_at, review_note FROM partner_tier_rules ORDER BY scope"));
  std::vector<ReviewRun> out;
  for (const Row& r : rows) out.push_back(ReviewRun{r.text(0), r.int64(1), r.text(2)});
  return out;
}

core::Status ProgramStore::setReviewed(const std::string& scope, int64_t at, const std::string& note) {
  return tx_.exec("UPDATE partner_tier_rules SET reviewed_at = $2, review_note = $3 WHERE scope = $1", {scope, at, note})
      .status();
}

core::Result<bool> ProgramStore::recordVisit(const std::string& partnerId, int64_t day, const std::string& visitor,
                                             int64_t at, int64_t maxPerDay) {
  EDGE_ASSIGN_OR_RETURN(int64_t today, tx_.queryInt64("SELECT count(*) FROM partner_referral_visits WHERE partner_id = $1 "
                                                      "AND day = $2",
                                                      {partnerId, day}));
  if (today >= maxPerDay) {
    // Full for the day: a visitor counted already still counts; a new one is not written.
    EDGE_ASSIGN_OR_RETURN(int64_t known, tx_.queryInt64("SELECT count(*) FROM partner_referral_visits WHERE partner_id = "
                                                        "$1 AND day = $2 AND visitor = $3",
                                                        {partnerId, day, visitor}));
    return known > 0;
  }
  EDGE_RETURN_IF_ERROR(tx_.exec("INSERT INTO partner_referral_visits (partner_id, day, visitor, visited_at) VALUES ($1, $2, "
                                "$3, $4) ON CONFLICT (partner_id, day, visitor) DO NOTHING",
                                {partnerId, day, visitor, at})
                           .status());
  return true;
}

core::Result<int64_t> ProgramStore::visits(const std::string& partnerId, int64_t sinceDay) {
  return tx_.queryInt64("SELECT count(*) FROM partner_referral_visits WHERE partner_id = $1 AND day >= $2",
                        {partnerId, sinceDay});
}

core::Status ProgramStore::deleteTenant(const std::string& tenantId) {
  EDGE_RETURN_IF_ERROR(
      tx_.exec("DELETE FROM partner_referral_visits WHERE partner_id IN (SELECT id FROM partners WHERE scope = $1)", {tenantId})
          .status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM partner_acceptances WHERE partner_id IN (SELECT id FROM partners WHERE scope = $1)",
                                {tenantId})
                           .status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM partner_territories WHERE scope = $1", {tenantId}).status());
  EDGE_RETURN_IF_ERROR(tx_.exec("DELETE FROM partner_applications WHERE scope = $1", {tenantId}).status());
  return tx_.exec("DELETE FROM partner_tier_rules WHERE scope = $1", {tenantId}).status();
}

}  // namespace mgmt::partners
